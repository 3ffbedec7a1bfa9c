package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    return harness(256);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Parsed, Parsed> harness(
      int maxPerPatient) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new ResendFilter(TTL, maxPerPatient)),
        ResendFilter::key,
        Types.STRING);
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
      h.setProcessingTime(0);
      h.open();
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 1));
      h.setProcessingTime(TTL.toMillis() - 1);
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 2)); // within: dropped
      h.processElement(new StreamRecord<>(message("MON", "ICU", "8", "P1"), 3)); // passes at TTL-1
      h.setProcessingTime(TTL.toMillis());
      h.processElement(new StreamRecord<>(message("MON", "ICU", "7", "P1"), 4)); // expired: passes
      h.processElement(new StreamRecord<>(message("MON", "ICU", "8", "P1"), 5)); // within: dropped
      assertEquals(List.of("ICU/7/P1", "ICU/8/P1", "ICU/7/P1"), passed(h));
    }
  }

  @Test
  void expiredIdsAreRemovedFromStateByThePurgeTimer() throws Exception {
    try (var h = harness()) {
      h.setProcessingTime(0);
      h.open();
      for (int i = 0; i < 50; i++)
        h.processElement(new StreamRecord<>(message("MON", "ICU", "c" + i, "P" + (i % 5)), i));
      assertEquals(5, h.numProcessingTimeTimers(), "one purge timer per patient");
      int entries = h.numKeyedStateEntries();
      assertTrue(entries >= 5, "state held: " + entries);
      h.setProcessingTime(TTL.toMillis() / 2);
      h.processElement(new StreamRecord<>(message("MON", "ICU", "late", "P0"), 60));
      h.setProcessingTime(TTL.toMillis()); // the first purge: all but P0's "late" id expire
      assertEquals(1, h.numProcessingTimeTimers(), "only P0 still has an id to forget");
      h.setProcessingTime(TTL.toMillis() / 2 + TTL.toMillis()); // the second: nothing is left
      assertEquals(0, h.numProcessingTimeTimers());
      assertEquals(0, h.numKeyedStateEntries(), "every id and timer is gone from the state");
      // and the forgotten ids pass again
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c0", "P0"), 70));
      assertEquals(52, passed(h).size());
    }
  }

  @Test
  void remembersOnlyEachPatientsNewestIdsUpToTheBound() throws Exception {
    try (var h = harness(4)) {
      h.open();
      // 6 ids of P1 (the array grows from 4 to the bound, then forgets the oldest), 1 of P2
      for (int i = 1; i <= 6; i++)
        h.processElement(new StreamRecord<>(message("MON", "ICU", "c" + i, "P1"), i));
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c1", "P2"), 7));
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c6", "P1"), 8)); // newest: dropped
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c3", "P1"), 9)); // 4th newest
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c2", "P1"), 10)); // forgotten
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c1", "P2"), 11)); // other patient
      // c2 passed again, so it is remembered as the newest: dropped now
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c2", "P1"), 12));
      // c3, then the oldest of c3..c6, made room for c2: forgotten, it passes
      h.processElement(new StreamRecord<>(message("MON", "ICU", "c3", "P1"), 13));
      assertEquals(
          List.of(
              "ICU/c1/P1",
              "ICU/c2/P1",
              "ICU/c3/P1",
              "ICU/c4/P1",
              "ICU/c5/P1",
              "ICU/c6/P1",
              "ICU/c1/P2",
              "ICU/c2/P1",
              "ICU/c3/P1"),
          passed(h));
    }
  }

  @Test
  void aBoundBelowOneIsRefusedByName() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new ResendFilter(TTL, 0));
    assertTrue(e.getMessage().contains("vitalflow.window.dedup-max-per-patient"), e.getMessage());
  }
}
