package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults on the real stack: the broker, then the Connect worker, killed with kill -9 mid-stream and
 * restarted (tests/stack/stack.sh up). Clients resend whatever got no AA. While the broker is down
 * (longer than the ACK timeout) senders get AE with an ERR segment, never an AA that is not backed
 * by hl7.raw; afterwards every control id that got an AA is on hl7.raw, and exactly once when the
 * server outlived the fault (its dedupe window answers a resend of a message whose first write was
 * still pending from that write instead of writing it again).
 */
class MllpFaultsIT {
  static final Path REPO = Paths.get("../..").toAbsolutePath().normalize();
  static final Path RUN_DIR = io.vitalflow.stack.LocalStack.get().stackDir().resolve("run");

  /** Shorter than the outage, so senders see AE while the broker is down. */
  static final long ACK_TIMEOUT_MS = 4_000;

  /** How long the killed service stays down before tests/stack/stack.sh up. */
  static final long OUTAGE_MS = 10_000;

  @BeforeAll
  static void deploy() throws Exception {
    MllpSourceIT.deployConnector(ACK_TIMEOUT_MS, 600_000);
  }

  @AfterAll
  static void remove() throws Exception {
    MllpSourceIT.removeConnector();
  }

  /** kill -9, held down by the stack's supervisor until {@link #stackUp}: the outage is ours. */
  static void kill9(String service) throws Exception {
    Process p =
        new ProcessBuilder(REPO.resolve("tests/stack/stack.sh").toString(), "kill", service)
            .inheritIO()
            .start();
    assertEquals(0, p.waitFor(), "stack.sh kill " + service);
  }

  static void stackUp() throws Exception {
    Process p =
        new ProcessBuilder(REPO.resolve("tests/stack/stack.sh").toString(), "up")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertEquals(0, p.waitFor(), "tests/stack/stack.sh up");
  }

  /**
   * Clients send their messages one at a time; anything not answered AA (AE, no reply in 40 s, a
   * broken connection) is resent on a new connection until it is.
   */
  /** One reply: when it came (System.nanoTime), MSA-1, and whether it carried an ERR 207. */
  record Reply(String controlId, long atNanos, String code, boolean err207, String text) {}

  static List<String> sendWithResend(
      int port, String tag, int clients, int perClient, AtomicInteger progress, List<Reply> replies)
      throws Exception {
    List<String> aa = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> fs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      final int client = c;
      fs.add(
          pool.submit(
              () -> {
                Socket s = null;
                long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
                for (int i = 0; i < perClient; i++) {
                  String ctrl = tag + "-" + client + "-" + i;
                  byte[] m = MllpLoad.message(ctrl, MllpLoad.patient(tag, client, i % 3), i);
                  while (true) {
                    if (System.nanoTime() > deadline) {
                      throw new AssertionError(ctrl + " never got an AA");
                    }
                    try {
                      if (s == null) {
                        s = new Socket(MllpSourceIT.HOST, port);
                        s.setSoTimeout(40_000);
                      }
                      OutputStream out = s.getOutputStream();
                      InputStream in = s.getInputStream();
                      MllpLoad.send(out, m);
                      String text = MllpLoad.replyText(in);
                      String r = text == null ? null : MllpLoad.msa(text);
                      if (text != null) {
                        replies.add(
                            new Reply(
                                ctrl,
                                System.nanoTime(),
                                r.split(" ")[0],
                                text.contains("\rERR|") && text.contains("|207^"),
                                text));
                      }
                      if (("AA " + ctrl).equals(r)) {
                        aa.add(ctrl);
                        progress.incrementAndGet();
                        break;
                      }
                      if (r == null) {
                        s.close();
                        s = null;
                      }
                    } catch (java.io.IOException e) {
                      if (s != null) {
                        try {
                          s.close();
                        } catch (java.io.IOException ignored) {
                          // reconnecting anyway
                        }
                      }
                      s = null;
                      Thread.sleep(500);
                    }
                  }
                }
                if (s != null) {
                  s.close();
                }
                return null;
              }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    return aa;
  }

  /**
   * Every AA'd control id is on hl7.raw after {@code from}: at least once, and when {@code
   * exactlyOnce} exactly once unless an earlier attempt of the message was answered AE (the number
   * of extra copies is printed). An AE says the write's outcome is unknown (the ACK timeout passed
   * while the broker was gone): the first copy may still land, and the sender's resend is another
   * one. That is the sender's resend, deduplicated downstream by the Flink job (same MSH-3, MSH-4,
   * MSH-10); a message that got AA at its first attempt must be there once.
   */
  static void assertEveryAaOnRaw(
      Map<TopicPartition, Long> from,
      String tag,
      List<String> aa,
      boolean exactlyOnce,
      Set<String> answeredAeBefore) {
    Set<String> want = new HashSet<>(aa);
    List<ConsumerRecord<byte[], byte[]>> recs =
        MllpSourceIT.read(
            from,
            aa.size(),
            r -> {
              String c = MllpSourceIT.header(r, "hl7.control_id");
              return c != null && c.startsWith(tag + "-");
            });
    Map<String, Integer> count = new HashMap<>();
    recs.forEach(r -> count.merge(MllpSourceIT.header(r, "hl7.control_id"), 1, Integer::sum));
    List<String> missing = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    for (String c : want) {
      int n = count.getOrDefault(c, 0);
      if (n == 0) {
        missing.add(c);
      } else if (n > 1) {
        twice.add(c + " x" + n);
      }
    }
    assertEquals(
        List.of(),
        missing.subList(0, Math.min(10, missing.size())),
        missing.size() + " AA'd control ids missing from hl7.raw");
    System.out.printf(
        "%s: %d AA'd, %d records on hl7.raw, %d control ids more than once%n",
        tag, want.size(), recs.size(), twice.size());
    if (exactlyOnce) {
      List<String> unexplained = new ArrayList<>();
      for (String t : twice) {
        if (!answeredAeBefore.contains(t.substring(0, t.lastIndexOf(" x")))) unexplained.add(t);
      }
      System.out.printf(
          "%s: %d of the ids on hl7.raw more than once had an earlier attempt answered AE%n",
          tag, twice.size() - unexplained.size());
      assertEquals(
          List.of(),
          unexplained.subList(0, Math.min(10, unexplained.size())),
          unexplained.size()
              + " control ids AA'd at their first attempt are on hl7.raw more than once");
    }
  }

  /**
   * Sends 4 x 400 messages with resend; after 300 AAs kills {@code service} with kill -9, keeps it
   * down for {@link #OUTAGE_MS}, brings the stack up again; returns every reply seen, checks the
   * AA'd ids on hl7.raw.
   */
  Outage faultMidStream(String service, int port, String tag, boolean exactlyOnce)
      throws Exception {
    Map<TopicPartition, Long> from = MllpSourceIT.endOffsets("hl7.raw");
    AtomicInteger progress = new AtomicInteger();
    List<Reply> replies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService one = Executors.newSingleThreadExecutor();
    Future<List<String>> run =
        one.submit(() -> sendWithResend(port, tag, 4, 400, progress, replies));
    while (progress.get() < 300 && !run.isDone()) {
      Thread.sleep(50);
    }
    long killedAt = System.nanoTime();
    kill9(service);
    Thread.sleep(OUTAGE_MS);
    // until here the service is certainly down; stack.sh up brings it back
    long restartAt = System.nanoTime();
    stackUp();
    List<String> aa = run.get();
    one.shutdown();
    assertEquals(1600, new HashSet<>(aa).size());
    Set<String> answeredAe = new HashSet<>();
    synchronized (replies) {
      for (Reply r : replies) if (!"AA".equals(r.code())) answeredAe.add(r.controlId());
    }
    assertEveryAaOnRaw(from, tag, aa, exactlyOnce, answeredAe);
    List<Reply> all;
    synchronized (replies) {
      all = new ArrayList<>(replies);
    }
    return new Outage(all, killedAt, restartAt);
  }

  /** The replies of a run; the service was down from killedAt to restartAt (at least). */
  record Outage(List<Reply> replies, long killedAt, long restartAt) {
    /**
     * Replies with this code that arrived between {@code afterKillMs} after the kill and the
     * restart.
     */
    List<Reply> during(String code, long afterKillMs) {
      long from = killedAt + afterKillMs * 1_000_000L;
      return replies.stream()
          .filter(r -> r.code().equals(code) && r.atNanos() > from && r.atNanos() < restartAt)
          .toList();
    }

    List<Reply> all(String code) {
      return replies.stream().filter(r -> r.code().equals(code)).toList();
    }
  }

  /**
   * While the broker is down: AEs, each with ERR 207, and no AA (after a 3 s grace for replies to
   * writes made before the kill), since nothing can be made durable. Every AE of the run has ERR
   * 207; valid messages are never AR.
   */
  static void assertAeWhileTheBrokerIsDown(Outage o) {
    List<Reply> ae = o.during("AE", 0);
    List<Reply> aa = o.during("AA", 3_000);
    System.out.printf(
        "broker down %.1f s before the restart: %d AE, %d AA (after 3 s); %d AE, %d AR in all%n",
        (o.restartAt() - o.killedAt()) / 1e9,
        ae.size(),
        aa.size(),
        o.all("AE").size(),
        o.all("AR").size());
    assertTrue(!ae.isEmpty(), "no AE while the broker was down");
    assertEquals(
        List.of(),
        aa.stream().map(Reply::controlId).limit(10).toList(),
        aa.size() + " AA while the broker was down");
    for (Reply r : o.all("AE")) {
      assertTrue(r.err207(), "AE without ERR 207: " + r.text().replace('\r', '\n'));
    }
    assertEquals(List.of(), o.all("AR"), "valid messages are never AR");
  }

  @Test
  void theBrokerKilledMidStream() throws Exception {
    Outage o = faultMidStream("kafka", MllpSourceIT.connectorPort, "KB" + MllpSourceIT.RUN, true);
    assertAeWhileTheBrokerIsDown(o);
  }

  /**
   * The worker dies with the server and its dedupe state: a message written but not yet ACKed is
   * resent and written again, so here AA'd ids are on hl7.raw at least once (extra copies printed).
   */
  @Test
  void theConnectWorkerKilledMidStream() throws Exception {
    faultMidStream("connect", MllpSourceIT.connectorPort, "KW" + MllpSourceIT.RUN, false);
    MllpSourceIT.waitForPort(MllpSourceIT.connectorPort, Duration.ofSeconds(120));
  }

  @Test
  void theBrokerKilledUnderTheGateway() throws Exception {
    Path cli = MllpSourceIT.cli();
    int port = MllpSourceIT.freePort();
    Process gw =
        new ProcessBuilder(
                cli.toString(),
                "gateway",
                "--listen",
                MllpSourceIT.HOST + ":" + port,
                "--bootstrap",
                MllpSourceIT.BOOTSTRAP,
                "--ack-timeout",
                (ACK_TIMEOUT_MS / 1000) + "s",
                "--dedupe-window",
                "10m")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      MllpSourceIT.waitForPort(port, Duration.ofSeconds(30));
      Outage o = faultMidStream("kafka", port, "GB" + MllpSourceIT.RUN, true);
      assertAeWhileTheBrokerIsDown(o);
    } finally {
      gw.destroy();
      gw.waitFor();
    }
  }
}
