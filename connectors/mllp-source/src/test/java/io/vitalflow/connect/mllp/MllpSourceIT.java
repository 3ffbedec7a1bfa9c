package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.stack.LocalStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The connector (loaded by the stack's worker from the plugin archive) and the gateway on the real
 * local stack: load with 8 clients, bad input, no patient data in any log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MllpSourceIT {
  static final String HOST = env("VITALFLOW_HOST", "127.0.0.1");
  static final String BOOTSTRAP = LocalStack.get().kafkaBootstrap();
  static final String CONNECT = LocalStack.get().connectUrl();
  static final String RUN =
      Long.toString(System.currentTimeMillis() % 100_000_000L, 36).toUpperCase();
  static final String CONNECTOR = "mllp-it-" + RUN;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static int connectorPort;

  static String env(String k, String d) {
    String v = System.getenv(k);
    return v == null || v.isEmpty() ? d : v;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static HttpResponse<String> http(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(CONNECT + path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(60));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The CLI for the gateway and the simulator: the debug build that cargo's workspace tests make.
   */
  static Path cli() {
    return Paths.get(System.getProperty("vitalflow.cli", "../../target/debug/vitalflow"));
  }

  static void waitForPort(int port, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      try (Socket s = new Socket(HOST, port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("nothing listens on " + port, e);
        }
        Thread.sleep(200);
      }
    }
  }

  @BeforeAll
  static void deployConnector() throws Exception {
    deployConnector(30_000, 0);
  }

  /** Deploys the connector on a free port with these ACK timeout and dedupe window. */
  static void deployConnector(long ackTimeoutMs, long dedupeWindowMs) throws Exception {
    HttpResponse<String> plugins = http("GET", "/connector-plugins", null);
    assertTrue(
        plugins.body().contains(MllpSourceConnector.class.getName()),
        "the worker did not load the plugin archive: " + plugins.body());
    connectorPort = freePort();
    String config =
        "{\"connector.class\":\""
            + MllpSourceConnector.class.getName()
            + "\","
            + "\"tasks.max\":\"1\",\"mllp.listen.host\":\""
            + HOST
            + "\","
            + "\"mllp.listen.ports\":\""
            + connectorPort
            + "\","
            + "\"mllp.max.frame.bytes\":\"65536\",\"mllp.ack.timeout.ms\":\""
            + ackTimeoutMs
            + "\",\"mllp.dedupe.window.ms\":\""
            + dedupeWindowMs
            + "\","
            + "\"producer.override.acks\":\"all\",\"producer.override.linger.ms\":\"0\","
            + "\"key.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\","
            + "\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\"}";
    // validate() refuses a connector without acks=all, naming the key
    String weak =
        config.replace("\"producer.override.acks\":\"all\"", "\"producer.override.acks\":\"1\"");
    HttpResponse<String> v =
        http(
            "PUT",
            "/connector-plugins/MllpSourceConnector/config/validate",
            weak.replace("{", "{\"name\":\"" + CONNECTOR + "\","));
    assertTrue(
        v.body().contains("\"error_count\":1") && v.body().contains("producer.override.acks"),
        v.body());
    HttpResponse<String> r = http("PUT", "/connectors/" + CONNECTOR + "/config", config);
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    waitForPort(connectorPort, Duration.ofSeconds(90));
  }

  @AfterAll
  static void removeConnector() throws Exception {
    http("DELETE", "/connectors/" + CONNECTOR, null);
  }

  static KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", BOOTSTRAP);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("enable.auto.commit", "false");
    p.put("max.poll.records", "2000");
    return new KafkaConsumer<>(p);
  }

  /** The end offsets of every partition of {@code topic}, now. */
  static Map<TopicPartition, Long> endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic)) {
        tps.add(new TopicPartition(topic, pi.partition()));
      }
      return c.endOffsets(tps);
    }
  }

  /** Records after {@code from} that {@code keep} accepts, until {@code want} arrived or 120 s. */
  static List<ConsumerRecord<byte[], byte[]>> read(
      Map<TopicPartition, Long> from, int want, Predicate<ConsumerRecord<byte[], byte[]>> keep) {
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer()) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      long quietUntil = 0;
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (keep.test(r)) {
            got.add(r);
          }
        }
        // after reaching the count, read 2 s more to catch duplicates
        if (got.size() >= want) {
          if (quietUntil == 0) {
            quietUntil = System.nanoTime() + 2_000_000_000L;
          } else if (System.nanoTime() > quietUntil) {
            break;
          }
        }
      }
    }
    return got;
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Every AA'd control id once on hl7.raw, each patient's messages in order per partition. */
  static void assertLanded(Map<TopicPartition, Long> from, String tag, List<String> accepted) {
    List<ConsumerRecord<byte[], byte[]>> recs =
        read(
            from,
            accepted.size(),
            r -> {
              String c = header(r, "hl7.control_id");
              return c != null && c.startsWith(tag + "-");
            });
    Map<String, Integer> count = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : recs) {
      count.merge(header(r, "hl7.control_id"), 1, Integer::sum);
    }
    for (String c : accepted) {
      assertEquals(1, count.getOrDefault(c, 0), c + " on hl7.raw exactly once");
    }
    assertEquals(accepted.size(), recs.size(), "no extra records");
    // order per patient: within a partition, a patient's seq only grows
    Map<String, Integer> last = new HashMap<>();
    recs.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    for (ConsumerRecord<byte[], byte[]> r : recs) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      String v = new String(r.value(), StandardCharsets.UTF_8);
      int seq = Integer.parseInt(v.substring(v.indexOf("seq=") + 4).trim());
      Integer prev = last.put(key, seq);
      assertTrue(prev == null || prev < seq, key + ": seq " + seq + " after " + prev);
      assertTrue(v.contains("PID|1||" + key + "^"), "key is PID-3-1");
    }
  }

  @Test
  @Order(1)
  void eightClientsTenThousandMessagesThroughTheConnector() throws Exception {
    String tag = "C" + RUN;
    Map<TopicPartition, Long> from = endOffsets("hl7.raw");
    MllpLoad.Outcome o = MllpLoad.run(HOST, connectorPort, tag, 8, 1250, 5);
    assertEquals(List.of(), o.notAccepted().subList(0, Math.min(5, o.notAccepted().size())));
    assertEquals(10_000, o.accepted().size());
    System.out.printf(
        "connector: 10000 messages, 8 clients: %.0f msg/s, p50 %.2f ms, p99 %.2f ms%n",
        o.perSecond(), o.percentileMillis(50), o.percentileMillis(99));
    assertLanded(from, tag, o.accepted());
  }

  @Test
  @Order(2)
  void eightClientsTenThousandMessagesThroughTheGateway() throws Exception {
    Path cli = cli();
    assertTrue(Files.isExecutable(cli), cli + " (cargo test --workspace builds it)");
    int port = freePort();
    Path log = Files.createTempFile("gateway-it", ".log");
    Process gw =
        new ProcessBuilder(
                cli.toString(),
                "gateway",
                "--listen",
                HOST + ":" + port,
                "--bootstrap",
                BOOTSTRAP,
                "--source",
                "gateway-it")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      waitForPort(port, Duration.ofSeconds(30));
      String tag = "G" + RUN;
      Map<TopicPartition, Long> from = endOffsets("hl7.raw");
      MllpLoad.Outcome o = MllpLoad.run(HOST, port, tag, 8, 1250, 5);
      assertEquals(List.of(), o.notAccepted().subList(0, Math.min(5, o.notAccepted().size())));
      assertEquals(10_000, o.accepted().size());
      System.out.printf(
          "gateway: 10000 messages, 8 clients: %.0f msg/s, p50 %.2f ms, p99 %.2f ms%n",
          o.perSecond(), o.percentileMillis(50), o.percentileMillis(99));
      assertLanded(from, tag, o.accepted());
    } finally {
      gw.destroy();
      gw.waitFor();
      String text = Files.readString(log);
      assertTrue(
          !text.contains(MllpLoad.FAMILY) && !text.contains("PTG" + RUN),
          "gateway log has patient data");
      Files.deleteIfExists(log);
    }
  }

  /** Patient ids and family names of the simulator's feed: the log test looks for them. */
  static final Set<String> SIMULATED_PATIENT_DATA = new HashSet<>();

  static List<String> frames(byte[] feed) {
    List<String> out = new ArrayList<>();
    String all = new String(feed, StandardCharsets.ISO_8859_1);
    for (String part : all.split("\u000b")) {
      int end = part.indexOf('\u001c');
      if (end > 0) {
        out.add(part.substring(0, end));
      }
    }
    return out;
  }

  static String field(String message, String segment, int n) {
    for (String seg : message.split("\r")) {
      if (seg.startsWith(segment + "|")) {
        String[] f = seg.split("\\|", -1);
        int i = segment.equals("MSH") ? n - 1 : n;
        return i < f.length ? f[i] : "";
      }
    }
    return "";
  }

  /**
   * An MLLP client we did not write: python-hl7's mllp_send (PyPI hl7), installed here if absent.
   */
  static Path mllpSend() throws Exception {
    Path venv = Paths.get("target", "pyenv");
    Path bin = venv.resolve("bin/mllp_send");
    if (!Files.isExecutable(bin)) {
      run(List.of("python3", "-m", "venv", venv.toString()));
      run(List.of(venv.resolve("bin/pip").toString(), "install", "-q", "hl7==0.4.5"));
    }
    return bin;
  }

  static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    assertEquals(0, rc, String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  @Test
  @Order(3)
  void pythonHl7MllpSendGetsAnAaForEverySimulatedMessage() throws Exception {
    Path cli = cli();
    Path feed = Files.createTempFile("mllp-it-feed", ".hl7");
    int seed = 10_000 + Math.floorMod(RUN.hashCode(), 80_000);
    run(
        List.of(
            cli.toString(),
            "simulate",
            "--seed",
            Integer.toString(seed),
            "--patients",
            "6",
            "--count",
            "300",
            "--framing",
            "mllp",
            "--out",
            feed.toString()));
    List<String> messages = frames(Files.readAllBytes(feed));
    assertTrue(messages.size() >= 300, "frames: " + messages.size());
    Map<TopicPartition, Long> from = endOffsets("hl7.raw");
    String out =
        run(
            List.of(
                mllpSend().toString(),
                "-p",
                Integer.toString(connectorPort),
                "-f",
                feed.toString(),
                HOST));
    List<String> ids = new ArrayList<>();
    for (String m : messages) {
      ids.add(field(m, "MSH", 10));
      SIMULATED_PATIENT_DATA.add(field(m, "PID", 3).split("\\^")[0]);
      SIMULATED_PATIENT_DATA.add(field(m, "PID", 5).split("\\^")[0]);
    }
    int aa = out.split("MSA\\|AA\\|", -1).length - 1;
    assertEquals(messages.size(), aa, "AA replies printed by mllp_send");
    assertTrue(!out.contains("MSA|AE") && !out.contains("MSA|AR"), out);
    Set<String> want = new HashSet<>(ids);
    List<ConsumerRecord<byte[], byte[]>> recs =
        read(from, ids.size(), r -> want.contains(header(r, "hl7.control_id")));
    Map<String, Integer> count = new HashMap<>();
    recs.forEach(r -> count.merge(header(r, "hl7.control_id"), 1, Integer::sum));
    for (String id : ids) {
      assertEquals(1, count.getOrDefault(id, 0), id + " on hl7.raw exactly once");
    }
    Files.deleteIfExists(feed);
  }

  @Test
  @Order(4)
  void aThousandMalformedMessagesGetTheirNakAndLandOnTheInvalidTopic() throws Exception {
    String tag = "B" + RUN;
    Map<TopicPartition, Long> from = endOffsets("hl7.invalid");
    byte[] tagAscii = tag.getBytes(StandardCharsets.US_ASCII);
    byte[] tagUtf16 = tag.getBytes(StandardCharsets.UTF_16LE);
    List<String> wrong = new ArrayList<>();
    try (Socket s = new Socket(HOST, connectorPort)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      for (int i = 0; i < 1000; i++) {
        String ctrl = tag + "-" + i;
        String expect;
        switch (i % 5) {
          case 0 -> { // garbage inside a frame, no MSH at all
            MllpLoad.send(
                out, ("garbage " + ctrl + " \u0001\u0002").getBytes(StandardCharsets.ISO_8859_1));
            expect = "AR ";
          }
          case 1 -> { // no MSH-10
            MllpLoad.send(
                out,
                ("MSH|^~\\&|MONITOR|ICU|VF|HOSP|20261129||ORU^R01||P|2.6\rNTE|1||" + ctrl + "\r")
                    .getBytes(StandardCharsets.US_ASCII));
            expect = "AR ";
          }
          case 2 -> { // wrong encoding: UTF-16
            MllpLoad.send(
                out,
                new String(MllpLoad.message(ctrl, "X", 1), StandardCharsets.UTF_8)
                    .getBytes(StandardCharsets.UTF_16LE));
            expect = "AR ";
          }
          case 3 -> { // oversize (limit 64 KiB)
            byte[] m = MllpLoad.message(ctrl, "X", 1);
            byte[] big = new byte[70_000];
            java.util.Arrays.fill(big, (byte) 'Z');
            System.arraycopy(m, 0, big, 0, m.length);
            MllpLoad.send(out, big);
            expect = "AR " + ctrl;
          }
          default -> { // a half frame, cut by the next start block; then a good message
            out.write(0x0b);
            out.write(
                ("MSH|^~\\&|MONITOR|ICU|VF|HOSP|20261129||ORU^R01|" + ctrl + "|P|2.6\rPID|1||")
                    .getBytes(StandardCharsets.US_ASCII));
            MllpLoad.send(out, MllpLoad.message(ctrl + "-after", "PT" + tag, i));
            String first = MllpLoad.reply(in);
            if (!("AR " + ctrl).equals(first)) {
              wrong.add(ctrl + " half frame: " + first);
            }
            expect = "AA " + ctrl + "-after";
          }
        }
        String got = MllpLoad.reply(in);
        if (!expect.equals(got)) {
          wrong.add(ctrl + ": expected " + expect + ", got " + got);
        }
      }
      // the listener still serves valid traffic on the same connection
      for (int i = 0; i < 10; i++) {
        MllpLoad.send(out, MllpLoad.message(tag + "-ok-" + i, "PT" + tag, i));
        String got = MllpLoad.reply(in);
        if (!("AA " + tag + "-ok-" + i).equals(got)) {
          wrong.add("valid after bad: " + got);
        }
      }
    }
    assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())));
    List<ConsumerRecord<byte[], byte[]>> kept =
        read(
            from,
            1000,
            r -> indexOf(r.value(), tagAscii) >= 0 || indexOf(r.value(), tagUtf16) >= 0);
    assertEquals(1000, kept.size(), "malformed messages on hl7.invalid");
    Set<String> reasons = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : kept) {
      String e = header(r, "hl7.error");
      assertTrue(e != null && !e.isEmpty(), "hl7.error header");
      reasons.add(e.replaceAll("[0-9]+", "N").substring(0, Math.min(30, e.length())));
    }
    assertTrue(reasons.size() >= 4, "distinct reasons: " + reasons);
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  @Order(5)
  void noLogOfTheStackNamesAPatient() throws Exception {
    Path logs = LocalStack.get().stackDir().resolve("logs");
    assertTrue(Files.isDirectory(logs), logs.toString());
    List<String> hits = new ArrayList<>();
    List<String> needles =
        new ArrayList<>(
            List.of(MllpLoad.FAMILY, "Ottoline", "PTC" + RUN, "PTG" + RUN, "PTB" + RUN));
    SIMULATED_PATIENT_DATA.stream().filter(x -> x.length() >= 4).forEach(needles::add);
    int files = 0;
    try (Stream<Path> s = Files.walk(logs)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        files++;
        String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        for (String needle : needles) {
          if (java.util.regex.Pattern.compile(
                  "(?<![0-9A-Za-z])" + java.util.regex.Pattern.quote(needle) + "(?![0-9A-Za-z])")
              .matcher(text)
              .find()) {
            hits.add(p.getFileName() + ": " + needle);
          }
        }
      }
    }
    assertTrue(files > 0, "no log files under " + logs);
    assertEquals(List.of(), hits);
  }
}
