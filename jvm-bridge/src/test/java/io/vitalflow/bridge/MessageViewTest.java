package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one-read view against the calls it replaces, over random valid and mutated messages: its
 * fields are {@link Hl7#fields}'s, its rows and datums {@link AvroVitals#encode}'s, its errors the
 * {@link Hl7Exception} those throw (kind and text), and each patient's part steps the rules exactly
 * as {@link PatientStream#step} of the whole message does. The Rust encoder and this Java decoder
 * of the envelope round-trip through every case; a truncated view is refused, never misread.
 */
class MessageViewTest {
  static final String[] PATHS = {
    "MSH-10", "MSH-3-1", "MSH-4-1", "MSH-9-1", "MSH-9-2", "PID-3-1", "MSH-7", "MSH-11-1"
  };
  static final MessageView.Paths VIEW_PATHS = MessageView.paths(PATHS);
  static final Duration FRESH = Duration.ofHours(1);

  static List<byte[]> cases(long seed, int n) {
    Random rnd = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    out.add(Messages.monitor());
    for (int i = 0; i < n; i++) {
      byte[] valid = Messages.random(rnd, i, 1 + rnd.nextInt(8)).getBytes(StandardCharsets.UTF_8);
      out.add(rnd.nextInt(3) == 0 ? FuzzTest.mutate(rnd, valid) : valid);
    }
    return out;
  }

  @Test
  void theViewIsWhatTheCallsItReplacesGive() {
    int errors = 0, oru = 0, patients = 0;
    Instant received = Instant.parse("2026-11-20T06:00:00Z");
    try (ExtractOptions options =
        ExtractOptions.create(java.time.ZoneId.of("Europe/London"), null, null)) {
      for (byte[] m : cases(0x5EA7L, 3_000)) {
        MessageView v = MessageView.parse(m, options, received.toEpochMilli(), 42, VIEW_PATHS);
        String[] f;
        try {
          f = Hl7.fields(m, PATHS);
        } catch (Hl7Exception e) {
          errors++;
          assertEquals(e.kind(), v.errorKind());
          assertEquals(e.getMessage(), v.error());
          assertNull(v.field(0));
          assertEquals(0, v.rows());
          continue;
        }
        for (int i = 0; i < PATHS.length; i++) assertEquals(f[i], v.field(i), PATHS[i]);
        if (!"ORU".equals(f[3]) || f[0] == null || f[0].isEmpty()) {
          assertNull(v.errorKind());
          assertEquals(0, v.rows());
          continue;
        }
        oru++;
        List<AvroVitals.Encoded> encoded;
        try {
          encoded = AvroVitals.encode(m, options, 42, received);
        } catch (Hl7Exception e) {
          errors++;
          assertEquals(e.kind(), v.errorKind());
          assertEquals(e.getMessage(), v.error());
          assertEquals(0, v.rows());
          assertEquals(0, v.observationCount());
          assertEquals(0, v.patients().length);
          continue;
        }
        assertNull(v.errorKind(), v.error());
        assertEquals(encoded.size(), v.rows());
        assertEquals(encoded.size(), v.observationCount());
        LinkedHashSet<String> pids = new LinkedHashSet<>();
        for (int i = 0; i < encoded.size(); i++) {
          assertEquals(encoded.get(i).patientId(), v.observationKey(i));
          assertArrayEquals(encoded.get(i).value(), v.observation(i));
          String pid = encoded.get(i).patientId();
          if (pid != null && !pid.isEmpty()) pids.add(pid);
        }
        long newest = Long.MIN_VALUE;
        for (VitalSign s : Vitals.extract(m, options))
          if (s.observedAt() != null) newest = Math.max(newest, s.observedAt().toEpochMilli());
        assertEquals(newest, v.newestObservation());
        assertArrayEquals(pids.toArray(new String[0]), v.patients());
        String[] ps = v.patients();
        for (int i = 0; i < ps.length; i++) {
          patients++;
          for (boolean training : new boolean[] {false, true}) {
            PatientStream.Result byMessage =
                PatientStream.step(null, m, ps[i], 1, FRESH, options, received, training);
            PatientStream.Result byRows =
                PatientStream.stepRows(null, v.patientRows(i), ps[i], 1, FRESH, options, training);
            assertArrayEquals(byMessage.state(), byRows.state());
            assertEquals(withoutState(byMessage), withoutState(byRows));
          }
        }
      }
    }
    // the cases reached every branch
    assertTrue(errors > 100, "errors: " + errors);
    assertTrue(oru > 1_000, "ORU messages read: " + oru);
    assertTrue(patients > 1_000, "patients stepped: " + patients);
  }

  /** A result's text without its state's array identity (the bytes are compared apart). */
  static String withoutState(PatientStream.Result r) {
    return r.toString().replaceFirst("state=\\[B@[0-9a-f]+", "state");
  }

  @Test
  void theViewReadsTheMessageOnceAndAStepOfItsRowsNever() {
    // tests run one at a time in this JVM (no parallel execution), so the counts are exact
    byte[] m = Messages.monitor();
    long before = NativeBridge.messageParses();
    MessageView v = MessageView.parse(m, ExtractOptions.DEFAULT, Long.MIN_VALUE, -1, VIEW_PATHS);
    assertEquals(before + 1, NativeBridge.messageParses(), "one read for the view");
    assertTrue(v.patients().length > 0);
    for (int i = 0; i < v.patients().length; i++)
      PatientStream.stepRows(
          null, v.patientRows(i), v.patients()[i], 1, FRESH, ExtractOptions.DEFAULT, false);
    assertEquals(before + 1, NativeBridge.messageParses(), "no read for the steps");
    PatientStream.step(null, m, v.patients()[0], 1, FRESH);
    assertEquals(before + 2, NativeBridge.messageParses(), "the message-reading step reads it");
  }

  @Test
  void aTruncatedOrForeignEnvelopeIsRefused() {
    byte[] m = Messages.monitor();
    MessageView v = MessageView.parse(m, ExtractOptions.DEFAULT, Long.MIN_VALUE, -1, VIEW_PATHS);
    assertTrue(v.rows() > 0);
    byte[] rows = v.patientRows(0);
    for (int cut = 0; cut < rows.length; cut++) {
      byte[] t = java.util.Arrays.copyOf(rows, cut);
      assertThrows(
          IllegalArgumentException.class,
          () -> PatientStream.stepRows(null, t, "P", 1, FRESH, ExtractOptions.DEFAULT, false),
          "cut at " + cut);
    }
    assertThrows(IllegalStateException.class, () -> Envelope.open(rows, Envelope.Kind.MESSAGE));
    byte[] newer = rows.clone();
    newer[2] = 2;
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> Envelope.open(newer, Envelope.Kind.PATIENT_ROWS));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
  }

  @Test
  void aBadPathIsAnHl7Exception() {
    assertThrows(
        Hl7Exception.class,
        () ->
            MessageView.parse(
                Messages.monitor(),
                ExtractOptions.DEFAULT,
                Long.MIN_VALUE,
                -1,
                MessageView.paths("MSH-10", "not a path")));
  }
}
