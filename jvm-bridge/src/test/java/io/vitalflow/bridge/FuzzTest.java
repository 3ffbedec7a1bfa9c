package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 100,000 random and mutated messages through every entry point: each call returns or throws {@link
 * Hl7Exception}; anything else (a panic's RuntimeException, an Error) fails the test, and the JVM
 * must be alive and answering at the end.
 */
class FuzzTest {
  static final int COUNT = 100_000;
  private static final String[] PATHS = {
    "MSH-9", "PID-3-1", "PID-3(2)-4-2", "OBX(2)-5", "PV1-3", "OBX-3-1", "MSH-18"
  };
  private static final byte[] SPECIAL =
      "|^~\\&\r\n\u000b\u001c#MSHOBXFHSBHS\"0.-+eE".getBytes(StandardCharsets.ISO_8859_1);

  static byte[] mutate(Random rnd, byte[] seed) {
    byte[] m = seed.clone();
    int edits = 1 + rnd.nextInt(8);
    for (int e = 0; e < edits && m.length > 0; e++) {
      int at = rnd.nextInt(m.length);
      switch (rnd.nextInt(6)) {
        case 0 -> m[at] = (byte) rnd.nextInt(256);
        case 1 -> m[at] = SPECIAL[rnd.nextInt(SPECIAL.length)];
        case 2 -> { // truncate
          byte[] t = new byte[at];
          System.arraycopy(m, 0, t, 0, at);
          m = t;
        }
        case 3 -> { // duplicate a slice
          int len = Math.min(m.length - at, 1 + rnd.nextInt(40));
          byte[] t = new byte[m.length + len];
          System.arraycopy(m, 0, t, 0, at + len);
          System.arraycopy(m, at, t, at + len, m.length - at);
          m = t;
        }
        case 4 -> { // delete a slice
          int len = Math.min(m.length - at, 1 + rnd.nextInt(20));
          byte[] t = new byte[m.length - len];
          System.arraycopy(m, 0, t, 0, at);
          System.arraycopy(m, at + len, t, at, m.length - at - len);
          m = t;
        }
        default -> m[at] = (byte) (0x80 | rnd.nextInt(128)); // invalid UTF-8
      }
    }
    return m;
  }

  static byte[] random(Random rnd) {
    byte[] m = new byte[rnd.nextInt(400)];
    if (rnd.nextBoolean()) {
      rnd.nextBytes(m);
    } else {
      for (int i = 0; i < m.length; i++) {
        m[i] = SPECIAL[rnd.nextInt(SPECIAL.length)];
      }
    }
    if (m.length > 8 && rnd.nextBoolean()) {
      System.arraycopy("MSH|^~\\&".getBytes(StandardCharsets.US_ASCII), 0, m, 0, 8);
    }
    return m;
  }

  private static String firstLine(Throwable t) {
    String s = t.toString();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void saveFailure(byte[] m, int n) {
    try {
      java.nio.file.Path dir = java.nio.file.Paths.get("target", "fuzz-failures");
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.write(dir.resolve(n + ".hl7"), m);
    } catch (java.io.IOException ignored) {
      // diagnostics only
    }
  }

  @Test
  void randomAndMutatedMessagesNeverCrashAndOnlyThrowHl7Exception() {
    Random rnd = new Random(20261126);
    List<byte[]> seeds = new ArrayList<>(Messages.randomBatch(3, 32, 8));
    seeds.add(Messages.monitor());
    int ok = 0;
    int hl7Errors = 0;
    List<String> other = new ArrayList<>();
    List<byte[]> pending = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      byte[] m = (i % 5 == 0) ? random(rnd) : mutate(rnd, seeds.get(rnd.nextInt(seeds.size())));
      try {
        Vitals.extract(m);
        Hl7.query(m, PATHS[i % PATHS.length]);
        ok++;
      } catch (Hl7Exception e) {
        hl7Errors++;
        assertTrue(e.kind() != null && e.kind() != Hl7Exception.Kind.UNKNOWN, e.kindName());
        assertTrue(
            e.offset() >= -1 && e.offset() <= m.length, "offset within input: " + e.offset());
      } catch (Throwable t) {
        saveFailure(m, other.size());
        if (other.size() < 5) {
          other.add(
              firstLine(t) + " on input saved as target/fuzz-failures/" + other.size() + ".hl7");
        }
        if (other.size() >= 5) {
          other.add("...");
          break;
        }
      }
      pending.add(m);
      if (pending.size() == 64) {
        try {
          List<ExtractResult> results = Vitals.extractBatch(pending);
          assertEquals(64, results.size());
        } catch (Throwable t) {
          if (other.size() < 5) {
            other.add("batch: " + firstLine(t));
          }
        }
        pending.clear();
      }
    }
    assertEquals(List.of(), other, "only Hl7Exception may come back");
    assertEquals(COUNT, ok + hl7Errors);
    assertTrue(hl7Errors > COUNT / 10, "the fuzzer produced errors: " + hl7Errors);
    // still alive and correct
    assertEquals("12345", Hl7.query(Messages.monitor(), "PID-3-1"));
    assertEquals(7, Vitals.extract(Messages.monitor()).size());
  }
}
