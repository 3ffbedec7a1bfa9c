package io.vitalflow.flink.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Flink SQL: {@code tests/stack/stack.sh sql} runs {@code src/test/sql/hl7_vitals.sql} through
 * Flink's own SQL client on the stack's session cluster. The file declares a Kafka table over a
 * raw-format HL7 topic, registers the UDF jar (ADD JAR and CREATE FUNCTION ... USING JAR) and
 * writes HL7_VITALS, HL7_FIELD and NEWS2 results to a Kafka sink (JSON). The rows must equal {@code
 * vitalflow vitals} for the same messages, and each row's NEWS2 must equal {@code vitalflow news2}
 * for that parameter alone.
 */
class FlinkSqlIT {
  static Path root() {
    return Paths.get(System.getProperty("vitalflow.root", "../.."));
  }

  static String run(Map<String, String> env, byte[] stdin, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().putAll(env);
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin);
    }
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd));
    return out.toString(StandardCharsets.UTF_8);
  }

  static String env(List<String> lines, String key) {
    for (String l : lines) if (l.startsWith(key + "=")) return l.substring(key.length() + 1);
    throw new AssertionError(key + " not in stack.sh env");
  }

  private static final Pattern FIELD =
      Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|null|true|false|-?[0-9.eE+-]+)");

  static Map<String, String> fields(String json) {
    Map<String, String> m = new java.util.TreeMap<>();
    Matcher x = FIELD.matcher(json);
    while (x.find()) {
      String v = x.group(2);
      if (v.startsWith("\"")) v = v.substring(1, v.length() - 1);
      m.putIfAbsent(x.group(1), v);
    }
    return m;
  }

  static String num(String v) {
    return v == null || v.equals("null") ? "null" : String.valueOf(Double.parseDouble(v));
  }

  @Test
  void hl7VitalsNews2AndHl7FieldThroughTheSqlClient(@TempDir Path dir) throws Exception {
    Path stackSh = root().resolve("tests/stack/stack.sh");
    List<String> stack = List.of(run(Map.of(), null, stackSh.toString(), "ensure").split("\n"));
    String bootstrap = env(stack, "VITALFLOW_KAFKA_BOOTSTRAP");
    Path cli = Paths.get(System.getProperty("vitalflow.cli", "../../target/debug/vitalflow"));
    assertTrue(Files.isExecutable(cli), "the CLI is not built: " + cli);

    // the messages: every fixture and a small simulated ward
    List<byte[]> messages = new ArrayList<>();
    Path fixtures = root().resolve("tests/fixtures");
    Path feed = dir.resolve("feed.hl7");
    run(
        Map.of(),
        null,
        cli.toString(),
        "simulate",
        "--patients",
        "4",
        "--seed",
        "9",
        "--count",
        "6",
        "--framing",
        "mllp",
        "--out",
        feed.toString());
    messages.addAll(mllp(Files.readAllBytes(feed)));
    Path all = dir.resolve("all.hl7");
    try (Stream<Path> s = Files.list(fixtures)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".hl7")).sorted().toList()) {
        // fixtures of one message, ASCII (the table's STRING column is UTF-8), that extract without
        // error
        byte[] b = Files.readAllBytes(f);
        boolean ascii = true;
        for (byte x : b) ascii &= x >= 0;
        Process q =
            new ProcessBuilder(cli.toString(), "vitals", f.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        boolean clean = q.waitFor() == 0;
        String ids = run(Map.of(), null, cli.toString(), "query", "MSH-10", f.toString());
        if (ascii && clean && ids.split("\n").length == 1) messages.add(b);
      }
    }
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      framed.write(0x0b);
      framed.write(m);
      framed.write(new byte[] {0x1c, 0x0d});
    }
    Files.write(all, framed.toByteArray());

    String id = UUID.randomUUID().toString().substring(0, 8);
    String rawTopic = "it9sql-" + id + ".raw";
    String outTopic = "it9sql-" + id + ".out";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(
              List.of(new NewTopic(rawTopic, 1, (short) 1), new NewTopic(outTopic, 1, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (byte[] m : messages) p.send(new ProducerRecord<>(rawTopic, m));
      p.flush();
    }

    run(
        Map.of("RAW_TOPIC", rawTopic, "OUT_TOPIC", outTopic),
        null,
        stackSh.toString(),
        "sql",
        Paths.get("src/test/sql/hl7_vitals.sql").toAbsolutePath().toString());

    // what Flink SQL wrote
    List<String> actual = new ArrayList<>();
    List<String> news2Input = new ArrayList<>();
    List<String> news2Actual = new ArrayList<>();
    for (String json : readAll(bootstrap, outTopic)) {
      Map<String, String> f = fields(json);
      assertEquals(
          f.get("patient_id"),
          f.get("pid_field"),
          "HL7_FIELD(message, 'PID-3-1') against the row's patient_id");
      actual.add(
          row(
              f.get("message_control_id"),
              f.get("sending_application"),
              f.get("sending_facility"),
              f.get("obx_index"),
              f.get("patient_id"),
              f.get("kind"),
              f.get("code"),
              num(f.get("value")),
              f.get("text"),
              f.get("unit"),
              num(f.get("normalized_value")),
              f.get("normalized_unit"),
              f.get("observed_at"),
              f.get("status"),
              f.get("glucose_status")));
      news2Input.add(news2Json(f.get("kind"), f.get("normalized_value"), f.get("text")));
      news2Actual.add(
          f.get("news2_total") + " " + f.get("news2_band") + " " + f.get("news2_complete"));
    }
    // what the CLI says; MSH-3-1 and MSH-4-1 from `vitalflow query` where `vitals` does not print
    // them
    String[] ids =
        run(Map.of(), null, cli.toString(), "query", "--json", "MSH-10", all.toString())
            .split("\n");
    String[] apps =
        run(Map.of(), null, cli.toString(), "query", "--json", "MSH-3-1", all.toString())
            .split("\n");
    String[] facilities =
        run(Map.of(), null, cli.toString(), "query", "--json", "MSH-4-1", all.toString())
            .split("\n");
    Map<String, String> app = new java.util.HashMap<>();
    Map<String, String> facility = new java.util.HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      app.put(unquote(ids[i]), unquote(apps[i]));
      facility.put(unquote(ids[i]), unquote(facilities[i]));
    }
    List<String> expected = new ArrayList<>();
    for (String json : run(Map.of(), null, cli.toString(), "vitals", all.toString()).split("\n")) {
      if (json.isBlank()) continue;
      Map<String, String> f = fields(json);
      String cid = f.get("message_control_id");
      expected.add(
          row(
              cid,
              f.getOrDefault("sending_application", app.get(cid)),
              f.getOrDefault("sending_facility", facility.get(cid)),
              String.valueOf((int) Double.parseDouble(f.get("obx_index"))),
              f.get("patient_id"),
              f.get("kind"),
              f.get("code"),
              num(f.get("value")),
              f.get("text"),
              f.get("unit"),
              num(f.get("normalized_value")),
              f.get("normalized_unit"),
              Instant.parse(f.get("observed_at")).toString(),
              f.get("status"),
              f.get("glucose_status")));
    }
    assertTrue(expected.size() > 50, "rows: " + expected.size());
    List<String> a = new ArrayList<>(actual);
    List<String> e = new ArrayList<>(expected);
    Collections.sort(a);
    Collections.sort(e);
    assertEquals(e, a);

    List<String> news2Expected = new ArrayList<>();
    String scored =
        run(
            Map.of(),
            String.join("\n", news2Input).concat("\n").getBytes(StandardCharsets.UTF_8),
            cli.toString(),
            "news2");
    for (String json : scored.split("\n")) {
      if (json.isBlank()) continue;
      Map<String, String> f = fields(json);
      news2Expected.add(f.get("total") + " " + f.get("band") + " " + f.get("complete"));
    }
    assertEquals(news2Expected, news2Actual);
  }

  /**
   * ADD JAR, then CREATE FUNCTION without USING JAR: the functions come from the session's class
   * path.
   */
  @Test
  void addJarThenCreateFunction() throws Exception {
    Path stackSh = root().resolve("tests/stack/stack.sh");
    run(Map.of(), null, stackSh.toString(), "ensure");
    String out =
        run(
            Map.of(),
            null,
            stackSh.toString(),
            "sql",
            Paths.get("src/test/sql/add_jar.sql").toAbsolutePath().toString());
    // isolation (issue 24): the query ran on the SQL session cluster, never on the alerting
    // job's cluster, whose TaskManagers are the same ones as before
    String env = run(Map.of(), null, stackSh.toString(), "env");
    String jobCluster =
        env.lines()
            .filter(l -> l.startsWith("VITALFLOW_FLINK_URL="))
            .map(l -> l.substring("VITALFLOW_FLINK_URL=".length()))
            .findFirst()
            .orElseThrow();
    String sqlCluster =
        env.lines()
            .filter(l -> l.startsWith("VITALFLOW_FLINK_SQL_URL="))
            .map(l -> l.substring("VITALFLOW_FLINK_SQL_URL=".length()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("stack.sh env names no SQL cluster: " + env));
    assertTrue(!sqlCluster.equals(jobCluster), "the SQL cluster is the job's: " + sqlCluster);
    String onSql = httpGet(sqlCluster + "/jobs/overview");
    String onJob = httpGet(jobCluster + "/jobs/overview");
    assertTrue(onSql.contains("\"jid\""), "no job on the SQL cluster: " + onSql);
    for (Matcher m = Pattern.compile("\"jid\":\"([0-9a-f]+)\"").matcher(onSql); m.find(); ) {
      assertTrue(!onJob.contains(m.group(1)), "a SQL job ran on the job's cluster: " + onJob);
    }
    // resp 26 /min and 100.4 degF = 38 Cel; NEWS2(22, 93, 1, air, 105, 115, A, 38.4) = 8 HIGH
    // complete
    assertTrue(
        out.matches(
            "(?s).*\\|\\s+P77\\s+\\|\\s+RESPIRATORY_RATE\\s+\\|\\s+26\\.0\\s+\\|\\s+\\(8, HIGH, TRUE\\).*"),
        out);
    assertTrue(
        out.matches("(?s).*\\|\\s+P77\\s+\\|\\s+TEMPERATURE\\s+\\|\\s+38\\.0\\s+\\|.*"), out);
    assertTrue(!out.contains("[ERROR]"), out);
  }

  static String httpGet(String url) throws Exception {
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url);
    return r.body();
  }

  static String unquote(String json) {
    json = json.trim();
    return json.equals("null") ? "null" : json.substring(1, json.length() - 1);
  }

  static String row(String... v) {
    return String.join("|", v);
  }

  static String news2Json(String kind, String normalized, String text) {
    String key =
        switch (kind) {
          case "RESPIRATORY_RATE" -> "resp_rate";
          case "SPO2" -> "spo2";
          case "SYSTOLIC_BP" -> "systolic";
          case "HEART_RATE" -> "pulse";
          case "TEMPERATURE" -> "temperature";
          case "CONSCIOUSNESS" -> "consciousness";
          default -> null;
        };
    if (key == null) return "{\"spo2_scale\":1}";
    if (key.equals("consciousness"))
      return text == null || text.equals("null") ? "{}" : "{\"consciousness\":\"" + text + "\"}";
    if (normalized == null || normalized.equals("null")) return "{\"spo2_scale\":1}";
    return "{\"" + key + "\":" + normalized + ",\"spo2_scale\":1}";
  }

  static List<String> readAll(String bootstrap, String topic) {
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("auto.offset.reset", "earliest");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  static List<byte[]> mllp(byte[] data) {
    List<byte[]> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == 0x0b) start = i + 1;
      else if (data[i] == 0x1c && start >= 0) {
        byte[] m = new byte[i - start];
        System.arraycopy(data, start, m, 0, m.length);
        out.add(m);
        start = -1;
      }
    }
    return out;
  }
}
