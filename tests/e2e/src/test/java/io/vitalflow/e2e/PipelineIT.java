package io.vitalflow.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MLLP -> MLLP source connector -> hl7.raw -> Flink job -> vitals.* / patients -> warehouse sink ->
 * PostgreSQL, on the local stack's real services, deployed by {@code scripts/pipeline.sh up}.
 *
 * <p>Each test sends its own simulated ward (its own seed, so its own control ids and patients)
 * with the vitalflow CLI and compares the warehouse with the offline computation of the same rules
 * ({@code vitalflow vitals}, {@code vitalflow score}): exactly once, nothing lost, nothing twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {
  static Pipeline pipeline;
  static final long RUN = System.currentTimeMillis() % 1_000_000L;

  @BeforeAll
  static void up() throws Exception {
    pipeline = new Pipeline(Path.of("target", "e2e").toAbsolutePath());
  }

  /**
   * The chaos ward's pace: its 31,600 messages take about 80 s to send, longer than the faults take
   * to inject, so that every fault meets a sender at work whatever the machine's speed (unpaced, a
   * fast machine sent the whole ward in 15 s, before the broker was killed). A slower machine is
   * below this pace anyway.
   */
  static final double CHAOS_RATE = 400;

  /**
   * Sends a feed over MLLP (paced at {@code rate} messages/s if above 0); returns the control ids
   * that got AA.
   */
  static Set<String> send(
      Pipeline p,
      Pipeline.Feed f,
      String name,
      int connections,
      double rate,
      java.util.function.Consumer<Process> during)
      throws Exception {
    File acks = p.work.resolve(name + "-acks.txt").toFile();
    File log = p.work.resolve(name + "-send.log").toFile();
    Process sender = p.send(f, name, connections, "10m", rate);
    during.accept(sender);
    assertTrue(sender.waitFor(30, TimeUnit.MINUTES), "the sender finished");
    String summary = Files.readString(log.toPath());
    System.err.println("e2e: " + summary.lines().reduce((a, b) -> b).orElse(""));
    assertEquals(0, sender.exitValue(), "every message accepted: " + tail(summary));
    Set<String> accepted = new HashSet<>();
    for (String l : Files.readAllLines(acks.toPath())) {
      String[] parts = l.split(" ");
      if (parts.length == 2 && parts[1].equals("AA")) accepted.add(parts[0]);
    }
    return accepted;
  }

  static String tail(String s) {
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }

  static void assertExactlyOnce(Pipeline.Feed f, Set<String> accepted, Pipeline.Loaded l) {
    assertEquals(new HashSet<>(f.controlIds()), accepted, "every message got an AA");
    assertEquals(f.vitalRows(), l.distinctObservations(), "every observation of the feed loaded");
    assertEquals(l.distinctObservations(), l.observations(), "no observation twice");
    assertEquals(f.patients().size(), l.patients(), "every admitted patient in dim_patient");
    assertEquals(f.scores().size(), l.scores().size(), "NEWS2 scores: as many as offline");
    assertEquals(f.scores(), l.scores(), "NEWS2 scores: the same as offline");
    assertEquals(f.alerts(), l.alerts(), "alerts: the same as offline");
  }

  @Test
  @Order(1)
  void fiftyThousandMessagesExactlyOnce() throws Exception {
    Pipeline.Feed f = pipeline.simulate("once", 0xE2E000L + RUN, 500, "24h", true);
    assertTrue(f.controlIds().size() >= 50_000, "50,000 messages: " + f.controlIds().size());
    long start = System.nanoTime();
    Set<String> accepted = send(pipeline, f, "once", 8, 0, sender -> {});
    double sendS = (System.nanoTime() - start) / 1e9;
    Pipeline.Loaded l = pipeline.awaitLoaded(f, 900);
    System.err.printf(
        "e2e: exactly once: %d messages, all AA in %.1fs (%.0f msg/s); %d observations, %d scores,"
            + " %d alerts loaded, each once%n",
        accepted.size(),
        sendS,
        accepted.size() / sendS,
        l.observations(),
        l.scores().size(),
        l.alerts().size());
    assertExactlyOnce(f, accepted, l);
  }

  /**
   * During a run: kill -9 the Connect worker, kill the Flink TaskManager, kill -9 and restart the
   * broker, restart PostgreSQL. The sender resends what got no AA. Afterwards nothing is lost and
   * nothing is duplicated.
   */
  @Test
  @Order(2)
  void chaos() throws Exception {
    Pipeline.Feed f = pipeline.simulate("chaos", 0xC4A000L + RUN, 300, "24h", true);
    List<String> done = new ArrayList<>();
    Set<String> accepted =
        send(
            pipeline,
            f,
            "chaos",
            4,
            CHAOS_RATE,
            sender -> {
              try {
                Thread.sleep(5000);
                pipeline.kill9("connect");
                String when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(2000);
                pipeline.stack("restart", "connect");
                done.add("Connect worker killed" + when + " and restarted");
                Thread.sleep(5000);
                pipeline.kill9("flink-taskmanager");
                when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(2000);
                pipeline.stack("flink-tm-start");
                done.add("TaskManager killed" + when + " and restarted");
                Thread.sleep(5000);
                pipeline.kill9("kafka");
                when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(3000);
                pipeline.stack("up");
                done.add("broker killed" + when + " and restarted");
                Thread.sleep(5000);
                when = sender.isAlive() ? " while sending" : " after sending";
                pipeline.stack("restart", "postgres");
                done.add("PostgreSQL restarted" + when);
              } catch (Exception e) {
                throw new AssertionError("chaos step failed after " + done, e);
              }
            });
    assertEquals(4, done.size(), "every fault was injected: " + done);
    Pipeline.Loaded l = pipeline.awaitLoaded(f, 900);
    System.err.printf(
        "e2e: chaos (%s): %d messages AA; %d observations loaded (%d expected, %d lost, %d"
            + " duplicated), %d scores (%d expected), %d alerts (%d expected)%n",
        String.join(", ", done),
        accepted.size(),
        l.distinctObservations(),
        f.vitalRows(),
        f.vitalRows() - l.distinctObservations(),
        l.observations() - l.distinctObservations(),
        l.scores().size(),
        f.scores().size(),
        l.alerts().size(),
        f.alerts().size());
    assertExactlyOnce(f, accepted, l);
  }
}
