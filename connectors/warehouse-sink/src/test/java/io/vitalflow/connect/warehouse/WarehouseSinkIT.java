package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The warehouse sink on the real stack: the worker (restarted once so that it loads the plugin from
 * the archive this build made), Kafka, the registry and PostgreSQL. Each test has its own topics,
 * connector and database schema.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarehouseSinkIT {
  static StackClient stack;
  static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

  @BeforeAll
  static void workerLoadsThePluginArchive() throws Exception {
    Path zip = Path.of(System.getProperty("vitalflow.plugin.zip"));
    assertTrue(Files.isRegularFile(zip), "plugin archive missing: " + zip);
    stack = StackClient.get();
    // the worker installs connectors/*/target/components/packages/*.zip when it starts
    stack.ensureWorkerRunsArchive(zip);
    String plugins = stack.connect("GET", "/connector-plugins", null).body();
    assertTrue(plugins.contains("io.vitalflow.connect.warehouse.WarehouseSinkConnector"), plugins);
    Path installed =
        stack
            .stackDir()
            .resolve("connect/plugins")
            .resolve(zip.getFileName().toString().replace(".zip", ""));
    assertTrue(
        Files.isDirectory(
                installed.resolve(zip.getFileName().toString().replace(".zip", "")).resolve("lib"))
            || Files.isDirectory(installed.resolve("lib")),
        "plugin not unpacked under " + installed);
  }

  static Map<String, String> connectorConfig(
      String topics, String mapping, String schema, String dlq) {
    return connectorConfigFor(stack, topics, mapping, schema, dlq);
  }

  static Map<String, String> connectorConfigFor(
      StackClient stack, String topics, String mapping, String schema, String dlq) {
    Map<String, String> m = stack.pgConnectorProps();
    m.put("connector.class", WarehouseSinkConnector.class.getName());
    m.put("tasks.max", "3");
    m.put("topics", topics);
    m.put("table.mapping", mapping);
    m.put("schema.name", schema);
    m.put("batch.size", "10000");
    m.put("retry.backoff.ms", "500");
    m.put("max.retries", "60");
    m.put("consumer.override.max.poll.records", "5000");
    m.put("errors.tolerance", "all");
    m.put("errors.deadletterqueue.topic.name", dlq);
    m.put("errors.deadletterqueue.topic.replication.factor", "1");
    m.put("errors.deadletterqueue.context.headers.enable", "true");
    return m;
  }

  static long produceObservations(String topic, long from, long to) throws Exception {
    Schema s = TestData.vitalSign();
    int id = stack.register(topic + "-value", s);
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      for (long i = from; i < to; i++) {
        GenericRecord r = TestData.observation(s, i);
        stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id, s, r));
      }
      p.flush();
    }
    return to - from;
  }

  static String tableDigest(String schema) throws Exception {
    return stack.string(
        "SELECT md5(string_agg(t::text, '|' ORDER BY sending_application, sending_facility, "
            + "message_control_id, obx_index)) FROM \""
            + schema
            + "\".fact_vital_sign t");
  }

  // ------------------------------------------------------------------ load + replay
  @Test
  @Order(1)
  void loads100000ObservationsExactlyAndAReplayChangesNothing() throws Exception {
    String topic = "it.obs.load." + RUN, schema = "it_load_" + RUN, name = "it-load-" + RUN;
    stack.createTopics(3, topic);
    long n = produceObservations(topic, 0, 100_000);
    long t0 = System.nanoTime();
    stack.createConnector(
        name, connectorConfig(topic, topic + ":fact_vital_sign", schema, "it.dlq.load." + RUN));
    String table = "\"" + schema + "\".fact_vital_sign";
    StackClient.await(
        "100000 rows",
        Duration.ofMinutes(5),
        () -> stack.count("SELECT count(*) FROM " + table) == n && stack.caughtUp(name, topic));
    System.out.printf(
        "loaded %d observations through the worker in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    assertEquals(n, stack.count("SELECT count(*) FROM " + table));
    assertEquals(
        n,
        stack.count(
            "SELECT count(DISTINCT (sending_application, sending_facility, message_control_id, obx_index)) FROM "
                + table));
    // the two senders count control ids alike: without the sender in the key, half the rows would
    // be lost
    assertEquals(
        n / 2, stack.count("SELECT count(DISTINCT (message_control_id, obx_index)) FROM " + table));
    assertEquals(
        n / 2,
        stack.count(
            "SELECT count(*) FROM "
                + table
                + " WHERE sending_application = 'MONITOR-A' AND sending_facility = 'ICU'"));
    String before = tableDigest(schema);
    // one row altered behind the sink's back: the replay must put it back
    stack.sql(
        "UPDATE "
            + table
            + " SET value = -999 WHERE sending_application = 'MONITOR-A' AND message_control_id ="
            + " 'MSG7' AND obx_index = 2");
    assertNotEquals(before, tableDigest(schema));
    long txBefore = stack.count("SELECT txid_current()");

    // replay: stop, reset the connector's offsets to the start, resume
    assertEquals(2, stack.connect("PUT", "/connectors/" + name + "/stop", null).statusCode() / 100);
    StackClient.await(
        "connector stopped",
        Duration.ofMinutes(1),
        () -> stack.status(name).contains("\"STOPPED\""));
    var reset = stack.connect("DELETE", "/connectors/" + name + "/offsets", null);
    assertEquals(200, reset.statusCode(), reset.body());
    assertTrue(!stack.caughtUp(name, topic), "offsets were not reset");
    assertEquals(
        2, stack.connect("PUT", "/connectors/" + name + "/resume", null).statusCode() / 100);
    StackClient.await("replay done", Duration.ofMinutes(5), () -> stack.caughtUp(name, topic));
    // the replay rewrote the one row that differed (a newer transaction id) and left the rows that
    // were stored as they came alone (ON CONFLICT ... WHERE ... IS DISTINCT FROM); nothing changed
    assertEquals(
        1,
        stack.count("SELECT count(*) FROM " + table + " WHERE xmin::text::bigint > " + txBefore));
    assertEquals(n, stack.count("SELECT count(*) FROM " + table));
    assertEquals(before, tableDigest(schema));
    stack.deleteConnector(name);
  }

  // ------------------------------------------------------------------ kill -9 of the worker
  @Test
  @Order(2)
  void killOfTheWorkerMidLoadThenRestartGivesExactCounts() throws Exception {
    String topic = "it.obs.kill." + RUN, schema = "it_kill_" + RUN, name = "it-kill-" + RUN;
    stack.createTopics(3, topic);
    long n = produceObservations(topic, 0, 60_000);
    Map<String, String> cfg =
        connectorConfig(topic, topic + ":fact_vital_sign", schema, "it.dlq.kill." + RUN);
    cfg.put("batch.size", "2000");
    cfg.put("consumer.override.max.poll.records", "2000");
    stack.createConnector(name, cfg);
    String table = "\"" + schema + "\".fact_vital_sign";
    StackClient.await(
        "a part loaded",
        Duration.ofMinutes(3),
        () -> stack.count("SELECT count(*) FROM " + table) > 0);
    long at = stack.count("SELECT count(*) FROM " + table);
    // kill -9, held down by the stack's supervisor until the restart below
    StackClient.run("kill", "connect");
    System.out.printf("killed the worker with %d of %d rows loaded%n", at, n);
    assertTrue(at < n, "the load finished before the kill; nothing was tested");
    StackClient.run("restart", "connect");
    StackClient.await(
        "exact count after the restart",
        Duration.ofMinutes(5),
        () -> stack.count("SELECT count(*) FROM " + table) == n && stack.caughtUp(name, topic));
    assertEquals(n, stack.count("SELECT count(*) FROM " + table));
    stack.deleteConnector(name);
  }

  // ------------------------------------------------------------------ PostgreSQL restart
  @Test
  @Order(3)
  void postgresRestartedMidLoadCompletesWithExactCounts() throws Exception {
    String topic = "it.obs.pg." + RUN,
        schema = "it_pg_" + RUN,
        name = "it-pg-" + RUN,
        dlq = "it.dlq.pg." + RUN;
    stack.createTopics(3, topic);
    long n = 120_000;
    Map<String, String> cfg = connectorConfig(topic, topic + ":fact_vital_sign", schema, dlq);
    cfg.put("batch.size", "1000");
    cfg.put("consumer.override.max.poll.records", "1000");
    stack.createConnector(name, cfg);
    String table = "\"" + schema + "\".fact_vital_sign";
    // one record on each partition first, so that every task's converter has the schema cached
    // before the restart (the registry keeps its schemas in the same PostgreSQL; a converter
    // failure
    // during the restart is dropped to the DLQ by the framework under errors.tolerance=all, which
    // is
    // not what this test is about); then the load, and the restart while it runs
    Schema s = TestData.vitalSign();
    int sid = stack.register(topic + "-value", s);
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      for (int part = 0; part < 3; part++) {
        GenericRecord r = TestData.observation(s, part);
        p.send(
            new org.apache.kafka.clients.producer.ProducerRecord<>(
                topic, part, r.get("patient_id").toString(), StackClient.frame(sid, s, r)));
      }
      p.flush();
    }
    StackClient.await(
        "one row per partition",
        Duration.ofMinutes(3),
        () -> stack.count("SELECT count(*) FROM " + table) >= 3);
    produceObservations(topic, 0, n);
    long at = stack.count("SELECT count(*) FROM " + table);
    StackClient.run("restart", "postgres");
    System.out.printf("restarted PostgreSQL with %d of %d rows loaded%n", at, n);
    assertTrue(at < n, "the load finished before the restart; nothing was tested");
    StackClient.await(
        "exact count after the database restart",
        Duration.ofMinutes(5),
        () -> stack.count("SELECT count(*) FROM " + table) == n && stack.caughtUp(name, topic));
    assertEquals(n, stack.count("SELECT count(*) FROM " + table));
    assertTrue(
        stack.status(name).contains("RUNNING") && !stack.status(name).contains("FAILED"),
        stack.status(name));
    // connectivity failures never reach the DLQ
    assertEquals(0, dlqRecords(dlq, Duration.ofSeconds(3)).size());
    stack.deleteConnector(name);
  }

  // ------------------------------------------------------------------ poison, hostile strings,
  // senders, evolution
  @Test
  @Order(4)
  void poisonGoesToTheDlqWithItsReasonHostileStringsAreVerbatimAndANewFieldBecomesAColumn()
      throws Exception {
    String topic = "it.obs.bad." + RUN,
        schema = "it_bad_" + RUN,
        name = "it-bad-" + RUN,
        dlq = "it.dlq.bad." + RUN;
    stack.createTopics(3, topic);
    Schema s = TestData.vitalSign();
    // the sender fields are a BACKWARD-compatible change: the registry accepts them over the
    // contract's VitalSign.avsc under a BACKWARD subject
    stack.setCompatibility(topic + "-value", "BACKWARD");
    int base = stack.register(topic + "-value", TestData.schema("VitalSign.avsc"));
    int id = stack.register(topic + "-value", s);
    assertTrue(
        s.getField("sending_application") != null
            && (id != base
                || TestData.schema("VitalSign.avsc").getField("sending_application") != null));
    String injection = "'); DROP TABLE \"" + schema + "\".fact_vital_sign; --";
    String unicode = "Zoë Ñandú 患者 🫀 \u00e9\u0301 \"quoted\" \\back\\slash\ttab\nnewline,comma";
    String tenKb = "x".repeat(5000) + "é".repeat(5000) + "!";
    List<String[]> good = new ArrayList<>();
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      long i = 0;
      for (String text : new String[] {injection, unicode, tenKb, ""}) {
        GenericRecord r = TestData.observation(s, i);
        r.put("message_control_id", "HOSTILE" + i);
        r.put("text", text);
        r.put("location", text.length() > 1000 ? "long" : text);
        stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id, s, r));
        good.add(new String[] {"HOSTILE" + i, text});
        i++;
      }
      // poison 1: a control id longer than MSH-10 allows (199)
      GenericRecord r = TestData.observation(s, 100);
      r.put("message_control_id", "C".repeat(300));
      stack.send(p, topic, "P1", StackClient.frame(id, s, r));
      // poison 2: a NUL character, which PostgreSQL text cannot hold
      r = TestData.observation(s, 105);
      r.put("message_control_id", "NUL1");
      r.put("text", "a\u0000b");
      stack.send(p, topic, "P1", StackClient.frame(id, s, r));
      // poison 3: not Avro at all (the converter fails; the framework sends it to the DLQ)
      stack.send(p, topic, "P1", "this is not avro".getBytes(StandardCharsets.UTF_8));
      // two senders, same control id and OBX index; and a sender-less message with it too
      for (String[] sender : new String[][] {{"LAB", "NORTH"}, {"LAB", "SOUTH"}, {null, null}}) {
        r = TestData.observation(s, 110);
        r.put("message_control_id", "SAME-1");
        r.put("sending_application", sender[0]);
        r.put("sending_facility", sender[1]);
        stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id, s, r));
      }
      p.flush();
    }
    stack.createConnector(name, connectorConfig(topic, topic + ":fact_vital_sign", schema, dlq));
    String table = "\"" + schema + "\".fact_vital_sign";
    StackClient.await(
        "good rows",
        Duration.ofMinutes(3),
        () -> stack.count("SELECT count(*) FROM " + table) == 7 && stack.caughtUp(name, topic));
    try (Connection c = stack.db();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT text, location FROM " + table + " WHERE message_control_id = ?")) {
      for (String[] g : good) {
        ps.setString(1, g[0]);
        try (ResultSet rs = ps.executeQuery()) {
          assertTrue(rs.next(), g[0]);
          assertEquals(g[1], rs.getString(1), "text of " + g[0] + " not verbatim");
        }
      }
    }
    assertEquals(
        3, stack.count("SELECT count(*) FROM " + table + " WHERE message_control_id = 'SAME-1'"));
    assertEquals(
        1,
        stack.count(
            "SELECT count(*) FROM "
                + table
                + " WHERE message_control_id = 'SAME-1' AND sending_application = ''"));

    List<ConsumerRecord<byte[], byte[]>> dead = dlqRecords(dlq, Duration.ofSeconds(20));
    assertEquals(3, dead.size(), "DLQ records");
    // through Prometheus (issue 24): the shipped dead-letter rule fires for this DLQ
    io.vitalflow.stack.Alerts.awaitFiring(
        "VitalflowDeadLetters", Duration.ofSeconds(90), "topic=" + dlq);
    List<String> reasons = new ArrayList<>();
    for (var d : dead) {
      Header h = d.headers().lastHeader("__connect.errors.exception.message");
      assertTrue(h != null, "no reason header");
      reasons.add(new String(h.value(), StandardCharsets.UTF_8));
    }
    System.out.println("DLQ reasons: " + reasons);
    assertTrue(
        reasons.stream().anyMatch(x -> x.contains("message_control_id is 300 characters long")),
        reasons.toString());
    assertTrue(reasons.stream().anyMatch(x -> x.contains("NUL")), reasons.toString());
    assertTrue(
        reasons.stream().anyMatch(x -> x.toLowerCase().contains("avro") || x.contains("magic")),
        reasons.toString());

    // a new nullable field in the schema: a new column, no reload
    Schema v3 = TestData.withNullableStrings(s, "device_model");
    int id3 = stack.register(topic + "-value", v3);
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      GenericRecord r = TestData.observation(v3, 200);
      r.put("message_control_id", "EVOLVED");
      r.put("device_model", "IntelliVue MX800");
      stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id3, v3, r));
      p.flush();
    }
    StackClient.await(
        "evolved row",
        Duration.ofMinutes(2),
        () -> stack.count("SELECT count(*) FROM " + table) == 8);
    assertEquals(
        "IntelliVue MX800",
        stack.string(
            "SELECT device_model FROM " + table + " WHERE message_control_id = 'EVOLVED'"));
    assertEquals(7, stack.count("SELECT count(*) FROM " + table + " WHERE device_model IS NULL"));

    // a constraint error: its reason reaches the DLQ, the row's values (patient data) do not,
    // neither in the DLQ headers nor in the worker's log (pgjdbc's server detail is off)
    String secret = "Zoe-Secret-" + RUN;
    stack.sql(
        "ALTER TABLE "
            + table
            + " ADD CONSTRAINT it_no_secret CHECK (position('Zoe-Secret' in coalesce(text, '')) = 0)");
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      GenericRecord r = TestData.observation(v3, 300);
      r.put("message_control_id", "CHECKED");
      r.put("text", secret);
      stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id3, v3, r));
      p.flush();
    }
    StackClient.await(
        "the constraint error in the DLQ",
        Duration.ofMinutes(2),
        () -> dlqRecords(dlq, Duration.ofSeconds(5)).size() == 4);
    List<ConsumerRecord<byte[], byte[]>> deadNow = dlqRecords(dlq, Duration.ofSeconds(10));
    boolean reasonKept = false;
    for (var d : deadNow) {
      for (Header h : d.headers()) {
        String v = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
        assertTrue(!v.contains(secret), "a DLQ header carries the row's value: " + h.key());
        reasonKept |= v.contains("it_no_secret");
      }
    }
    assertTrue(reasonKept, "the DLQ reason names the constraint");
    String workerLog = StackClient.readFile(stack.stackDir().resolve("logs/connect.log"));
    assertTrue(!workerLog.contains(secret), "the worker's log carries the row's value");
    stack.deleteConnector(name);
  }

  // ------------------------------------------------------------------ a failed task is alerted
  /**
   * A site that caps the retries (max.retries=0) against a warehouse that is not there gets a
   * FAILED task, which Connect never restarts by itself: the shipped VitalflowConnectorTaskFailed
   * rule fires for the connector, through Prometheus scraping the worker's JMX exporter (issue 24).
   */
  @Test
  @Order(5)
  void aFailedTaskFiresTheConnectorTaskFailedAlert() throws Exception {
    String topic = "it.obs.failed." + RUN, schema = "it_failed_" + RUN, name = "it-failed-" + RUN;
    stack.createTopics(1, topic);
    produceObservations(topic, 0, 10);
    Map<String, String> cfg =
        connectorConfig(topic, topic + ":fact_vital_sign", schema, "it.dlq.failed." + RUN);
    // a port nothing listens on: every write is a connectivity failure
    cfg.put("connection.url", "jdbc:postgresql://127.0.0.1:1/nowhere");
    cfg.put("max.retries", "0");
    cfg.put("tasks.max", "1");
    stack.createConnector(name, cfg);
    try {
      StackClient.await(
          "the task FAILED", Duration.ofMinutes(2), () -> stack.status(name).contains("FAILED"));
      io.vitalflow.stack.Alerts.Alert a =
          io.vitalflow.stack.Alerts.awaitFiring(
              "VitalflowConnectorTaskFailed", Duration.ofSeconds(90), "connector=" + name);
      assertTrue(a.summary().contains("1 failed task"), a.toString());
    } finally {
      stack.deleteConnector(name);
    }
  }

  static List<ConsumerRecord<byte[], byte[]>> dlqRecords(String topic, Duration wait) {
    Properties p = new Properties();
    p.put("bootstrap.servers", stack.local.kafkaBootstrap());
    p.put("group.id", "it-dlq-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      if (!c.listTopics().containsKey(topic)) return out;
      c.subscribe(List.of(topic));
      long end = System.nanoTime() + wait.toNanos();
      while (System.nanoTime() < end) {
        for (var r : c.poll(Duration.ofMillis(500))) out.add(r);
      }
    }
    return out;
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }
}
