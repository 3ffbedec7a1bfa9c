package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
 * restarted (tests/stack/stack.sh up). Clients resend whatever got no AA; afterwards every control
 * id that got an AA is on hl7.raw.
 */
class MllpFaultsIT {
  static final Path REPO = Paths.get("../..").toAbsolutePath().normalize();
  static final Path RUN_DIR = io.vitalflow.stack.LocalStack.get().stackDir().resolve("run");

  @BeforeAll
  static void deploy() throws Exception {
    MllpSourceIT.deployConnector();
  }

  @AfterAll
  static void remove() throws Exception {
    MllpSourceIT.removeConnector();
  }

  static void kill9(String service) throws Exception {
    String pid = Files.readString(RUN_DIR.resolve(service + ".pid")).trim();
    Process p = new ProcessBuilder("kill", "-9", pid).inheritIO().start();
    assertEquals(0, p.waitFor(), "kill -9 " + service + " " + pid);
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
  static List<String> sendWithResend(
      int port, String tag, int clients, int perClient, AtomicInteger progress) throws Exception {
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
                      String r = MllpLoad.reply(in);
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

  static void assertEveryAaOnRaw(Map<TopicPartition, Long> from, List<String> aa) {
    Set<String> want = new HashSet<>(aa);
    List<ConsumerRecord<byte[], byte[]>> recs =
        MllpSourceIT.read(
            from, aa.size(), r -> want.contains(MllpSourceIT.header(r, "hl7.control_id")));
    Set<String> seen = new HashSet<>();
    recs.forEach(r -> seen.add(MllpSourceIT.header(r, "hl7.control_id")));
    List<String> missing = new ArrayList<>(want);
    missing.removeAll(seen);
    assertEquals(
        List.of(),
        missing.subList(0, Math.min(10, missing.size())),
        missing.size() + " AA'd control ids missing from hl7.raw");
  }

  void faultMidStream(String service, int port, String tag) throws Exception {
    Map<TopicPartition, Long> from = MllpSourceIT.endOffsets("hl7.raw");
    AtomicInteger progress = new AtomicInteger();
    ExecutorService one = Executors.newSingleThreadExecutor();
    Future<List<String>> run = one.submit(() -> sendWithResend(port, tag, 4, 400, progress));
    while (progress.get() < 300 && !run.isDone()) {
      Thread.sleep(50);
    }
    kill9(service);
    Thread.sleep(3000);
    stackUp();
    List<String> aa = run.get();
    one.shutdown();
    assertEquals(1600, new HashSet<>(aa).size());
    assertEveryAaOnRaw(from, aa);
  }

  @Test
  void theBrokerKilledMidStream() throws Exception {
    faultMidStream("kafka", MllpSourceIT.connectorPort, "KB" + MllpSourceIT.RUN);
  }

  @Test
  void theConnectWorkerKilledMidStream() throws Exception {
    faultMidStream("connect", MllpSourceIT.connectorPort, "KW" + MllpSourceIT.RUN);
    MllpSourceIT.waitForPort(MllpSourceIT.connectorPort, Duration.ofSeconds(120));
  }

  @Test
  void theBrokerKilledUnderTheGateway() throws Exception {
    Path cli = Paths.get(System.getProperty("vitalflow.cli", "../../target/release/vitalflow"));
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
                "10s")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      MllpSourceIT.waitForPort(port, Duration.ofSeconds(30));
      faultMidStream("kafka", port, "GB" + MllpSourceIT.RUN);
    } finally {
      gw.destroy();
      gw.waitFor();
    }
  }
}
