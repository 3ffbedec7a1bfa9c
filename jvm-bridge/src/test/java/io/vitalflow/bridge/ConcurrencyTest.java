package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Eight threads calling at once get the results a single thread gets. */
class ConcurrencyTest {
  @Test
  void eightThreadsAgreeWithOneThread() throws Exception {
    List<byte[]> messages = Messages.randomBatch(11, 200, 7);
    List<List<VitalSign>> expected = new ArrayList<>();
    List<String> expectedIds = new ArrayList<>();
    for (byte[] m : messages) {
      expected.add(Vitals.extract(m));
      expectedIds.add(Hl7.query(m, "PID-3-1"));
    }
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final int offset = t * 17;
        Callable<Integer> task =
            () -> {
              start.await();
              int checked = 0;
              for (int round = 0; round < 25; round++) {
                for (int k = 0; k < messages.size(); k++) {
                  int i = (k + offset + round) % messages.size();
                  switch ((k + round) % 4) {
                    case 0 -> assertEquals(expected.get(i), Vitals.extract(messages.get(i)));
                    case 1 ->
                        assertEquals(expectedIds.get(i), Hl7.query(messages.get(i), "PID-3-1"));
                    case 2 -> {
                      List<ExtractResult> r =
                          Vitals.extractBatch(
                              messages.subList(i, Math.min(i + 8, messages.size())));
                      for (int j = 0; j < r.size(); j++) {
                        assertEquals(expected.get(i + j), r.get(j).vitals());
                      }
                    }
                    default -> {
                      try {
                        Hl7.query(messages.get(i), "bad path");
                        throw new AssertionError("expected Hl7Exception");
                      } catch (Hl7Exception expectedError) {
                        assertEquals(Hl7Exception.Kind.BAD_PATH, expectedError.kind());
                      }
                    }
                  }
                  checked++;
                }
              }
              return checked;
            };
        futures.add(pool.submit(task));
      }
      int total = 0;
      for (Future<Integer> f : futures) {
        total += f.get();
      }
      assertEquals(threads * 25 * messages.size(), total);
    } finally {
      pool.shutdownNow();
    }
  }
}
