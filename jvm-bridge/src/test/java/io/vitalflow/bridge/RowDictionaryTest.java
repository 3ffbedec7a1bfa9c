package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The per-buffer string dictionary of the row encoding (codec.rs, RowDecoder): batched and streamed
 * rows equal, field for field, the rows of one call per message, and a repeated value is one String
 * instance within a batch.
 */
class RowDictionaryTest {
  /** Columns the encoder keeps in the dictionary, by name. */
  private static final Map<String, Function<VitalSign, String>> KEPT =
      Map.ofEntries(
          Map.entry("setId", VitalSign::setId),
          Map.entry("patientId", VitalSign::patientId),
          Map.entry("patientIdAuthority", VitalSign::patientIdAuthority),
          Map.entry("encounterId", VitalSign::encounterId),
          Map.entry("location", VitalSign::location),
          Map.entry("code", VitalSign::code),
          Map.entry("codeSystem", VitalSign::codeSystem),
          Map.entry("comparator", VitalSign::comparator),
          Map.entry("text", VitalSign::text),
          Map.entry("unit", VitalSign::unit),
          Map.entry("normalizedUnit", VitalSign::normalizedUnit),
          Map.entry("status", VitalSign::status),
          Map.entry("deviceId", VitalSign::deviceId),
          Map.entry("sendingApplication", VitalSign::sendingApplication),
          Map.entry("sendingFacility", VitalSign::sendingFacility));

  /** The generated and the ward workload of the benchmark, and the monitor message: 129. */
  private static List<byte[]> messages() {
    List<byte[]> all = new ArrayList<>(VitalsBenchmark.generated());
    all.addAll(VitalsBenchmark.ward());
    all.add(Messages.monitor());
    return all;
  }

  private static void assertSameRows(List<byte[]> messages, List<ExtractResult> got) {
    assertEquals(messages.size(), got.size());
    for (int i = 0; i < messages.size(); i++) {
      List<VitalSign> want = Vitals.extract(messages.get(i));
      List<VitalSign> rows = got.get(i).vitalsOrThrow();
      assertEquals(want.size(), rows.size(), "message " + i);
      for (int r = 0; r < want.size(); r++) {
        // a record: equals compares every field
        assertEquals(want.get(r), rows.get(r), "message " + i + " row " + r);
      }
    }
  }

  @Test
  void batchedRowsEqualOneCallPerMessage() {
    List<byte[]> messages = messages();
    List<ExtractResult> batch = Vitals.extractBatch(messages);
    assertSameRows(messages, batch);
    int rows = batch.stream().mapToInt(r -> r.vitalsOrThrow().size()).sum();
    assertTrue(rows > 1000, rows + " rows");
  }

  @Test
  void streamedRowsEqualOneCallPerMessage() {
    List<byte[]> messages = messages();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      stream.writeBytes(m);
    }
    assertSameRows(messages, Vitals.extractStream(stream.toByteArray()));
  }

  @Test
  void aRepeatedValueIsOneStringWithinABatch() {
    List<ExtractResult> batch = Vitals.extractBatch(messages());
    Map<String, String> first = new HashMap<>();
    int repeats = 0;
    for (ExtractResult r : batch) {
      for (VitalSign v : r.vitalsOrThrow()) {
        for (Map.Entry<String, Function<VitalSign, String>> c : KEPT.entrySet()) {
          String s = c.getValue().apply(v);
          if (s == null) {
            continue;
          }
          // across columns too: a unit and the same normalised unit are one entry
          String seen = first.putIfAbsent(s, s);
          if (seen != null) {
            assertSame(seen, s, c.getKey() + " " + s);
            repeats++;
          }
        }
      }
    }
    assertTrue(repeats > 10_000, repeats + " repeats");
  }

  @Test
  void controlIdsAreNotShared() {
    List<byte[]> twice = List.of(Messages.monitor(), Messages.monitor());
    List<ExtractResult> batch = Vitals.extractBatch(twice);
    String a = batch.get(0).vitalsOrThrow().get(0).messageControlId();
    String b = batch.get(1).vitalsOrThrow().get(0).messageControlId();
    assertEquals(a, b);
    assertNotSame(a, b, "the control id is not a dictionary entry");
    assertSame(
        batch.get(0).vitalsOrThrow().get(0).patientId(),
        batch.get(1).vitalsOrThrow().get(0).patientId());
  }

  /**
   * More distinct values than the dictionary holds (4096 entries, half for per-patient columns):
   * 6,000 messages with distinct set ids and encounters; the rows still equal per-message ones.
   */
  @Test
  void aFullDictionaryStillDecodes() {
    List<byte[]> messages = new ArrayList<>();
    Set<String> setIds = new HashSet<>();
    int k = 0;
    for (byte[] m : Messages.randomBatch(11, 6000, 8)) {
      String s = new String(m, StandardCharsets.UTF_8);
      for (int i = 1; i <= 8; i++) {
        String id = Integer.toString(100 + k * 8 + i);
        s = s.replace("\rOBX|" + i + "|", "\rOBX|" + id + "|");
        setIds.add(id);
      }
      messages.add(s.getBytes(StandardCharsets.UTF_8));
      k++;
    }
    List<ExtractResult> batch = Vitals.extractBatch(messages);
    assertSameRows(messages, batch);
    assertEquals(48_000, setIds.size());
    assertEquals(
        setIds.size(),
        batch.stream()
            .flatMap(r -> r.vitalsOrThrow().stream())
            .map(VitalSign::setId)
            .distinct()
            .count());
    RowDecoder d = new RowDecoder(Vitals.extractBatch0(concat(messages), ends(messages), 0L));
    d.batch();
    assertEquals(4096, d.dictionarySize(), "the encoder stops at its limit");
  }

  private static byte[] concat(List<byte[]> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    messages.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static int[] ends(List<byte[]> messages) {
    int[] ends = new int[messages.size()];
    int at = 0;
    for (int i = 0; i < ends.length; i++) {
      at += messages.get(i).length;
      ends[i] = at;
    }
    return ends;
  }
}
