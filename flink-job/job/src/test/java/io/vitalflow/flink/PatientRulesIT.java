package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The per-patient rules on Flink's operator harness, with the real schema registry (the rules write
 * Avro): a patient idle for 24 hours of event time has its rule state dropped when the watermark
 * passes that time, and comes back as a new patient, as the Rust rules say.
 */
class PatientRulesIT {
  private static final long DAY = Duration.ofHours(24).toMillis();

  /** A one-row ORU as the job hands it to the rules: read once by the deserializer, then split. */
  private static Parsed oru(String patient, String time, String controlId) {
    byte[] message =
        ("MSH|^~\\&|MON|WARD|VF|HOSP|"
                + time
                + "||ORU^R01|"
                + controlId
                + "|P|2.6\rPID|||"
                + patient
                + "\rOBR|1||||||"
                + time
                + "\rOBX|1|NM|9279-1^Resp^LN||26|/min|||||F\r")
            .getBytes(StandardCharsets.US_ASCII);
    Parsed p =
        new Hl7Deserializer("UTC", io.vitalflow.bridge.ExtractOptions.SiteSettings.DEFAULTS)
            .parse(null, message, millis(time), millis(time));
    assertEquals(null, p.error);
    assertEquals(1, p.rowPatientIds.length);
    return p.forPatient(0);
  }

  private static long millis(String hl7) {
    return Instant.parse(
            hl7.substring(0, 4)
                + "-"
                + hl7.substring(4, 6)
                + "-"
                + hl7.substring(6, 8)
                + "T"
                + hl7.substring(8, 10)
                + ":"
                + hl7.substring(10, 12)
                + ":"
                + hl7.substring(12, 14)
                + "Z")
        .toEpochMilli();
  }

  private static long alerts(List<OutRecord> out, String topic) {
    return out.stream().filter(r -> r.topic.equals(topic)).count();
  }

  /**
   * A backlog replayed 30 hours after it was observed: the receipt-time watermark is already more
   * than a day past the patient's clock, yet the patient's state is kept from one message to the
   * next (it is dropped 24 hours after the last receipt), so the second message raises no alert the
   * first already raised. (Found by PipelineIT.chaos: a feed whose first hours arrived just over a
   * day late alerted again for patients whose state the watermark had dropped.)
   */
  @Test
  void aBacklogMoreThanADayLateKeepsItsStateBetweenMessages() throws Exception {
    String prefix = "it-rules-" + UUID.randomUUID().toString().substring(0, 8);
    String alerts = prefix + ".vitals.alerts";
    try (var h = harness(prefix + ".vitals.scores", alerts)) {
      h.open();
      String t0 = "20261120060000";
      long received = millis(t0) + Duration.ofHours(30).toMillis();
      Parsed first = oru("P2", t0, "B1");
      first.receivedAt = received;
      h.processBothWatermarks(new Watermark(received - 1));
      h.processElement1(new StreamRecord<>(first, received));
      assertEquals(2, alerts(h.extractOutputValues(), alerts), "the first reading alerts");
      h.processBothWatermarks(new Watermark(received + 1000));
      assertTrue(h.numKeyedStateEntries() >= 2, "the state is kept past clock + 24 h");
      Parsed second = oru("P2", "20261120061500", "B2");
      second.receivedAt = received + 2000;
      h.processElement1(new StreamRecord<>(second, received + 2000));
      assertEquals(
          2,
          alerts(h.extractOutputValues(), alerts),
          "the same value 15 minutes later raises nothing again");
      // 24 hours after the last receipt it is dropped
      h.processBothWatermarks(new Watermark(received + 2000 + DAY + 1));
      assertEquals(0, h.numKeyedStateEntries(), "dropped a day after the last message");
    }
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, Parsed, PatientSetting, OutRecord>
      harness(String scores, String alerts) throws Exception {
    PatientRules rules =
        new PatientRules(
            LocalStack.get().registryUrl(),
            true,
            scores,
            alerts,
            Duration.ofMinutes(60),
            "UTC",
            io.vitalflow.bridge.ExtractOptions.SiteSettings.DEFAULTS,
            false);
    return new KeyedTwoInputStreamOperatorTestHarness<>(
        new KeyedCoProcessOperator<>(rules), p -> p.patientId, s -> s.patientId, Types.STRING);
  }

  @Test
  void anIdlePatientsStateIsDroppedAtTheWatermarkAndTheNextMessageStartsOver() throws Exception {
    String prefix = "it-rules-" + UUID.randomUUID().toString().substring(0, 8);
    String alerts = prefix + ".vitals.alerts";
    try (var h = harness(prefix + ".vitals.scores", alerts)) {
      h.open();
      String t0 = "20261120060000";
      long at0 = millis(t0);
      h.processElement1(new StreamRecord<>(oru("P1", t0, "C1"), at0));
      assertEquals(
          2,
          alerts(h.extractOutputValues(), alerts),
          "resp rate 26 scores 3: band escalation and single parameter 3");
      assertEquals(1, h.numEventTimeTimers(), "one discard timer for the patient");
      int entries = h.numKeyedStateEntries();
      assertTrue(entries >= 2, "rule state and its timer time: " + entries);

      // exactly 24 h after the clock the state still matters
      h.processBothWatermarks(new Watermark(at0 + DAY));
      assertEquals(entries, h.numKeyedStateEntries());
      assertEquals(1, h.numEventTimeTimers());

      // a millisecond later it cannot matter any more: dropped, the timer gone
      h.processBothWatermarks(new Watermark(at0 + DAY + 1));
      assertEquals(0, h.numKeyedStateEntries(), "the idle patient's state is dropped");
      assertEquals(0, h.numEventTimeTimers());

      // back 25 hours later: a new patient, whose two alerts fire again
      String t1 = "20261121070000";
      h.processElement1(new StreamRecord<>(oru("P1", t1, "C2"), millis(t1)));
      assertEquals(4, alerts(h.extractOutputValues(), alerts));
      assertEquals(1, h.numEventTimeTimers());
    }
  }
}
