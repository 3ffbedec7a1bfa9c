package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The resend filter on Flink's operator harness: which messages pass, across a restore and TTL. */
class ResendFilterTest {
  private static final Duration TTL = Duration.ofMinutes(10);

  private static Parsed message(String app, String facility, String controlId, String patient) {
    Parsed p = new Parsed();
    p.sendingApplication = app;
    p.sendingFacility = facility;
    p.controlId = controlId;
    p.patientId = patient;
    p.messageType = "ORU";
    p.message = new byte[0];
    return p;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Parsed, Parsed> harness()
      throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new ResendFilter(TTL)), ResendFilter::key, Types.STRING);
    return h;
  }

  private static List<String> passed(
      KeyedOneInputStreamOperatorTestHarness<String, Parsed, Parsed> h) {
    return h.extractOutputValues().stream()
        .map(p -> p.sendingFacility + "/" + p.controlId + "/" + p.patientId)
        .collect(Collectors.toList());
  }

  @Test
  void dropsAResendOfTheSameSenderAndControlIdOnly() throws Exception {
    try (var h = harness()) {
      h.open();
      h.processElement(new StreamRecord<>(message("MON", "ICU", "1", "P1"), 1));
      h.processElement(new StreamRecord<>(message("MON", "ICU", "1", "P1"), 2)); // resend
      h.processElement(new StreamRecord<>(message("MON", "WARD", "1", "P1"), 3)); // other MSH-4
      h.processElement(new StreamRecord<>(message("LAB", "ICU", "1", "P1"), 4)); // other MSH-3
      h.processElement(new StreamRecord<>(message("MON", "ICU", "2", "P1"), 5)); // other MSH-10
      h.processElement(new StreamRecord<>(message("MON", "ICU", "1", "P2"), 6)); // other patient
      h.processElement(new StreamRecord<>(message("MON", "WARD", "1", "P1"), 7)); // resend
      assertEquals(List.of("ICU/1/P1", "WARD/1/P1", "ICU/1/P1", "ICU/2/P1", "ICU/1/P2"), passed(h));
    }
  }

  @Test
  void remembersIdsAcrossACheckpointRestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness()) {
      h.open();
      h.processElement(new StreamRecord<>(message("MON", "ICU", "41", "P1"), 1));
      snapshot = h.snapshot(1, 10);
    }
    try (var h = harness()) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(new StreamRecord<>(message("MON", "ICU", "41", "P1"), 2)); // resend
      h.processElement(new StreamRecord<>(message("MON", "ICU", "42", "P1"), 3));
      assertEquals(List.of("ICU/42/P1"), passed(h));
    }
  }

  @Test
  void forgetsAnIdAfterTheTtl() throws Exception {
    try (var h = harness()) {
      h.setStateTtlProcessingTime(0);
      h.open();
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 1));
      h.setStateTtlProcessingTime(TTL.toMillis() - 1);
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 2)); // within: dropped
      h.setStateTtlProcessingTime(2 * TTL.toMillis());
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 3)); // expired: passes
      assertEquals(List.of("ICU/7/P1", "ICU/7/P1"), passed(h));
    }
  }
}
