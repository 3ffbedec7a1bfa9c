package io.vitalflow.connect.warehouse;

import io.vitalflow.stack.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the sink's integration tests do with the local stack (Connect REST, the registry, Kafka and
 * PostgreSQL). The stack itself is found and started by {@link LocalStack} (tests/stack/stack.sh
 * ensure, the port set from the environment, see tests/stack/stack.env).
 */
final class StackClient {
  static final Path ROOT = LocalStack.repoRoot();

  private static StackClient instance;

  final LocalStack local;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final Admin admin;

  private StackClient() {
    local = LocalStack.get();
    Properties p = new Properties();
    p.put("bootstrap.servers", local.kafkaBootstrap());
    admin = Admin.create(p);
  }

  static synchronized StackClient get() {
    if (instance == null) instance = new StackClient();
    return instance;
  }

  /**
   * tests/stack/stack.sh ARGS (e.g. {@code restart connect}); returns stdout, fails on a non-zero
   * exit. A worker restart (plugin scan) on a busy 2-core machine can take minutes.
   */
  static String run(String... args) {
    return LocalStack.runScript(Duration.ofMinutes(10), args);
  }

  /**
   * Makes sure the worker runs the plugin archive this build made: restarts it (stack.sh reinstalls
   * every archive) unless the installed plugin has the same classes (and Data API library) as this
   * build and the worker lists the connector. A worker restart costs minutes on a busy machine.
   */
  void ensureWorkerRunsArchive(Path zip) throws Exception {
    String name = zip.getFileName().toString().replace(".zip", "");
    Path lib = stackDir().resolve("connect/plugins").resolve(name).resolve(name).resolve("lib");
    boolean same =
        Files.isDirectory(lib)
            && sameClasses(
                lib.resolve(name + ".jar"),
                zip.getParent().getParent().getParent().resolve("classes"))
            && sameFile(
                lib.resolve("libvitalflow_redshift_data.so"),
                Path.of(System.getProperty("redshift.data.native", "/nonexistent")));
    boolean listed = false;
    try {
      listed =
          connect("GET", "/connector-plugins", null)
              .body()
              .contains(WarehouseSinkConnector.class.getName());
    } catch (IOException e) {
      // worker down
    }
    if (!same || !listed) run("restart", "connect");
  }

  private static boolean sameClasses(Path jar, Path classes) throws IOException {
    if (!Files.isRegularFile(jar)) return false;
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
      var it = z.entries();
      int n = 0;
      while (it.hasMoreElements()) {
        var e = it.nextElement();
        if (!e.getName().endsWith(".class")) continue;
        Path f = classes.resolve(e.getName());
        if (!Files.isRegularFile(f)) return false;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(Files.readAllBytes(f));
        if (crc.getValue() != e.getCrc()) return false;
        n++;
      }
      try (var walk = Files.walk(classes)) {
        return n == walk.filter(p -> p.toString().endsWith(".class")).count();
      }
    }
  }

  private static boolean sameFile(Path installed, Path built) throws IOException {
    if (!Files.isRegularFile(built)) return !Files.exists(installed);
    return Files.isRegularFile(installed) && Files.mismatch(installed, built) == -1;
  }

  String connectUrl() {
    return local.connectUrl();
  }

  String registryUrl() {
    return local.registryUrl();
  }

  Path stackDir() {
    return local.stackDir();
  }

  Connection db() throws SQLException {
    return DriverManager.getConnection(local.jdbcUrl(), local.pgUser(), local.pgPassword());
  }

  Map<String, String> pgConnectorProps() {
    Map<String, String> m = new HashMap<>();
    m.put("connection.url", local.jdbcUrl());
    m.put("connection.user", local.pgUser());
    m.put("connection.password", local.pgPassword());
    return m;
  }

  long count(String sql) throws SQLException {
    try (Connection c = db();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) return -1; // table not there yet
      throw e;
    }
  }

  String string(String sql) throws SQLException {
    try (Connection c = db();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  void sql(String sql) throws SQLException {
    try (Connection c = db();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  // ------------------------------------------------------------------ HTTP
  HttpResponse<String> http(String method, String url, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> connect(String method, String path, String body)
      throws IOException, InterruptedException {
    return http(method, connectUrl() + path, body);
  }

  /**
   * Registers {@code schema} under {@code subject}; returns its id (the registry refuses an
   * incompatible one).
   */
  int register(String subject, Schema schema) throws IOException, InterruptedException {
    String body = "{\"schemaType\":\"AVRO\",\"schema\":" + Json.quote(schema.toString()) + "}";
    HttpResponse<String> r =
        http("POST", registryUrl() + "/subjects/" + subject + "/versions", body);
    // after a PostgreSQL restart the registry's pool hands out dead connections once each (500)
    for (int i = 0; i < 20 && r.statusCode() >= 500; i++) {
      Thread.sleep(500);
      r = http("POST", registryUrl() + "/subjects/" + subject + "/versions", body);
    }
    if (r.statusCode() != 200)
      throw new IllegalStateException(
          "registering " + subject + ": " + r.statusCode() + " " + r.body());
    return Integer.parseInt(r.body().replaceAll(".*\"id\"\\s*:\\s*(\\d+).*", "$1"));
  }

  void setCompatibility(String subject, String level) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http("PUT", registryUrl() + "/config/" + subject, "{\"compatibility\":\"" + level + "\"}");
    for (int i = 0; i < 20 && r.statusCode() >= 500; i++) { // stale pool after a database restart
      Thread.sleep(500);
      r =
          http(
              "PUT", registryUrl() + "/config/" + subject, "{\"compatibility\":\"" + level + "\"}");
    }
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "compatibility of " + subject + ": " + r.statusCode() + " " + r.body());
    }
  }

  void createTopics(int partitions, String... topics) throws Exception {
    List<NewTopic> l = new ArrayList<>();
    for (String t : topics) l.add(new NewTopic(t, partitions, (short) 1));
    admin.createTopics(l).all().get(60, TimeUnit.SECONDS);
  }

  KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", local.kafkaBootstrap());
    p.put("linger.ms", "20");
    p.put("batch.size", "262144");
    p.put("compression.type", "lz4");
    p.put("acks", "all");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Confluent wire format: magic 0, 4-byte schema id, Avro binary. */
  static byte[] frame(int id, Schema schema, GenericRecord r) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      out.write(0);
      out.write(new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
      BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
      enc.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void send(KafkaProducer<String, byte[]> p, String topic, String key, byte[] value) {
    p.send(new ProducerRecord<>(topic, key, value));
  }

  // ------------------------------------------------------------------ connectors
  void createConnector(String name, Map<String, String> config) throws Exception {
    HttpResponse<String> r = connect("PUT", "/connectors/" + name + "/config", Json.object(config));
    if (r.statusCode() / 100 != 2)
      throw new IllegalStateException("creating " + name + ": " + r.statusCode() + " " + r.body());
  }

  void deleteConnector(String name) throws Exception {
    connect("DELETE", "/connectors/" + name, null);
  }

  String status(String name) throws Exception {
    return connect("GET", "/connectors/" + name + "/status", null).body();
  }

  /**
   * Sum of committed offsets of the connector's consumer group == the end offsets of the topics.
   */
  boolean caughtUp(String connector, String... topics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets("connect-" + connector)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> req = new HashMap<>();
    for (String t : topics) {
      int n =
          admin
              .describeTopics(List.of(t))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(t)
              .partitions()
              .size();
      for (int i = 0; i < n; i++) req.put(new TopicPartition(t, i), OffsetSpec.latest());
    }
    var ends = admin.listOffsets(req).all().get(30, TimeUnit.SECONDS);
    for (var e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset()))
        return false;
    }
    return true;
  }

  /** Partitions of the topics where the connector's group has committed an offset above 0. */
  int committedPartitions(String connector, String... topics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets("connect-" + connector)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    int n = 0;
    for (var e : committed.entrySet()) {
      if (List.of(topics).contains(e.getKey().topic())
          && e.getValue() != null
          && e.getValue().offset() > 0) n++;
    }
    return n;
  }

  static void await(String what, Duration timeout, Check check) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < end) {
      try {
        if (check.ok()) return;
        last = null;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "timed out after " + timeout + " waiting for " + what + (last == null ? "" : ": " + last),
        last);
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static BooleanSupplier never() {
    return () -> false;
  }

  static String readFile(Path p) throws IOException {
    return Files.readString(p);
  }
}
