package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.Schemas;
import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryAvroDeserializer;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import io.vitalflow.stack.LocalStack;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job in an embedded MiniCluster on the real broker and registry: a seeded simulated ward (with
 * deteriorating patients and a patient on SpO2 scale 2) goes into hl7.raw; the scores and alerts
 * that a read_committed consumer sees in the output topics equal, exactly and each once, what
 * {@code vitalflow score} computes offline for the same messages.
 */
class VitalsJobIT {
  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(3)
              .build());

  static Path cli() {
    Path p = Paths.get(System.getProperty("vitalflow.cli", "../../target/debug/vitalflow"));
    assertTrue(
        Files.isExecutable(p), "the CLI is not built: " + p + " (cargo test --workspace --no-run)");
    return p;
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", cmd));
    return out.toString(StandardCharsets.UTF_8);
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

  private static final Pattern STR = Pattern.compile("\"(\\w+)\":\"([^\"]*)\"");
  private static final Pattern NUM = Pattern.compile("\"(\\w+)\":(-?\\d+)");
  private static final Pattern BOOL = Pattern.compile("\"(\\w+)\":(true|false)");

  static Map<String, String> fields(String json) {
    Map<String, String> m = new HashMap<>();
    for (Pattern p : List.of(STR, NUM, BOOL)) {
      Matcher x = p.matcher(json);
      while (x.find()) m.putIfAbsent(x.group(1), x.group(2));
    }
    return m;
  }

  @Test
  void scoresAndAlertsEqualTheCliExactlyOnce(@TempDir Path dir) throws Exception {
    wardThroughTheJob(dir, DeliveryGuarantee.EXACTLY_ONCE, Duration.ofSeconds(2));
  }

  /**
   * With {@code vitalflow.alerts.delivery-guarantee=at-least-once} and no checkpoint during the run
   * (interval 1 h), a read_committed consumer sees every alert the CLI computes, each once, while
   * the scores (still transactional) stay invisible: alerts do not wait for a checkpoint.
   */
  @Test
  void alertsAtLeastOnceAreVisibleWithoutACheckpoint(@TempDir Path dir) throws Exception {
    wardThroughTheJob(dir, DeliveryGuarantee.AT_LEAST_ONCE, Duration.ofHours(1));
  }

  private void wardThroughTheJob(Path dir, DeliveryGuarantee alertsDelivery, Duration checkpoints)
      throws Exception {
    boolean alertsAtOnce = alertsDelivery == DeliveryGuarantee.AT_LEAST_ONCE;
    LocalStack stack = LocalStack.get();
    String bootstrap = stack.kafkaBootstrap();
    String registryUrl = stack.registryUrl();
    String prefix = "it9-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> topics = freshTopics(bootstrap, registryUrl, prefix);
    CcompatClient registry = new CcompatClient(registryUrl);

    // the ward: 10 patients, 8 hours, seeded; the roster says who is on SpO2 scale 2
    Path cli = cli();
    Path feed = dir.resolve("ward.hl7");
    Path roster = dir.resolve("roster.jsonl");
    run(
        cli.toString(),
        "simulate",
        "--patients",
        "10",
        "--seed",
        "42",
        "--duration",
        "8h",
        "--framing",
        "mllp",
        "--out",
        feed.toString(),
        "--roster",
        roster.toString());
    List<String> scale2 = new ArrayList<>();
    for (String line : Files.readAllLines(roster)) {
      Map<String, String> f = fields(line);
      if ("2".equals(f.get("spo2_scale"))) scale2.add(f.get("patient_id"));
    }
    assertTrue(!scale2.isEmpty(), "the roster has no patient on scale 2");
    List<String> expectedScores = new ArrayList<>();
    List<String> expectedAlerts = new ArrayList<>();
    expected(feed, scale2, expectedScores, expectedAlerts);
    assertTrue(expectedScores.size() > 100, "scores: " + expectedScores.size());
    assertTrue(expectedAlerts.size() > 5, "alerts: " + expectedAlerts.size());

    // the settings first (as a clinician would have set them), then the job, then the feed
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("enable.idempotence", "true");
    RegistryAvroSerializer avro = new RegistryAvroSerializer(registry, false);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String p : scale2) {
        GenericRecord s = new GenericData.Record(Schemas.parse("PatientSettings.avsc"));
        s.put("patient_id", p);
        s.put("spo2_scale", 2);
        s.put(
            "updated_at",
            Instant.parse("2026-11-20T00:00:00Z").toEpochMilli() * 1000L); // timestamp-micros
        s.put("updated_by", "it");
        String topic = topics.get("patients.settings");
        producer
            .send(
                new ProducerRecord<>(
                    topic, p.getBytes(StandardCharsets.UTF_8), avro.serialize(topic, s)))
            .get();
      }
    }

    Configuration conf = jobConf(bootstrap, registryUrl, topics, prefix);
    conf.set(JobOptions.CHECKPOINT_INTERVAL, checkpoints);
    conf.set(JobOptions.ALERTS_DELIVERY_GUARANTEE, alertsDelivery);
    conf.set(JobOptions.PARALLELISM, 2);
    conf.set(JobOptions.STATE_BACKEND, "rocksdb");
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(VitalsJob.engineConfig(conf));
    VitalsJob.build(env, conf);
    JobClient job = env.executeAsync("vitalflow IT");
    try {
      Thread.sleep(5000);
      List<byte[]> messages = mllp(Files.readAllBytes(feed));
      List<String> pids = new ArrayList<>();
      for (byte[] m : messages) pids.add(io.vitalflow.bridge.Hl7.query(m, "PID-3-1"));
      // from here only the job reads messages in this JVM (the MiniCluster's): it must read each
      // once (issue 31), however many operators and patient steps it has
      long parsesBefore = io.vitalflow.bridge.NativeBridge.messageParses();
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < messages.size(); i++) {
          producer.send(
              new ProducerRecord<>(
                  topics.get("hl7.raw"),
                  pids.get(i).getBytes(StandardCharsets.UTF_8),
                  messages.get(i)));
        }
        // one message sent twice: the resend is dropped, nothing changes
        producer.send(
            new ProducerRecord<>(
                topics.get("hl7.raw"),
                pids.get(0).getBytes(StandardCharsets.UTF_8),
                messages.get(0)));
        producer.flush();
      }

      List<String> scores = new ArrayList<>();
      List<String> alerts = new ArrayList<>();
      int observations =
          readCommitted(
              bootstrap,
              registryUrl,
              topics,
              alertsAtOnce ? 0 : expectedScores.size(),
              expectedAlerts.size(),
              scores,
              alerts);
      // every message (and the resend) has been read by now: each scored set depends on all of
      // its patient's messages
      assertEquals(
          messages.size() + 1,
          io.vitalflow.bridge.NativeBridge.messageParses() - parsesBefore,
          "native message reads by the job: one per message");
      Collections.sort(expectedScores);
      Collections.sort(scores);
      Collections.sort(expectedAlerts);
      Collections.sort(alerts);
      assertEquals(expectedAlerts, alerts);
      if (alertsAtOnce) {
        // no checkpoint yet: the transactional outputs are not visible, the alerts are
        assertEquals(List.of(), scores, "scores before any checkpoint");
        assertEquals(0, observations, "observations before any checkpoint");
      } else {
        assertEquals(expectedScores.size(), scores.size(), "number of scores");
        assertEquals(expectedScores, scores);
        assertTrue(observations > expectedScores.size(), "observations: " + observations);
      }
    } finally {
      job.cancel().get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * What {@code vitalflow score} computes for {@code feed}: scores and alerts in the form the tests
   * compare.
   */
  static void expected(Path feed, List<String> scale2, List<String> scores, List<String> alerts)
      throws Exception {
    expected(feed, scale2, List.of(), scores, alerts);
  }

  /** {@link #expected(Path, List, List, List)} with more {@code vitalflow score} arguments. */
  static void expected(
      Path feed, List<String> scale2, List<String> args, List<String> scores, List<String> alerts)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(cli().toString(), "score"));
    cmd.addAll(args);
    for (String p : scale2) {
      cmd.add("--scale2");
      cmd.add(p);
    }
    cmd.add(feed.toString());
    for (String line : run(cmd.toArray(String[]::new)).split("\n")) {
      if (line.isBlank()) continue;
      Map<String, String> f = fields(line);
      if (line.contains("\"type\":\"score\"")) {
        scores.add(
            f.get("patient_id")
                + " "
                + Instant.parse(f.get("at")).toEpochMilli() * 1000
                + " "
                + f.get("total")
                + " "
                + f.get("band")
                + " "
                + f.get("complete"));
      } else {
        int a = line.indexOf("\"alert\":{");
        // the alert object alone (it nests no object): the line's own "at" (a string) follows it
        Map<String, String> af = fields(line.substring(a, line.indexOf('}', a) + 1));
        alerts.add(
            f.get("patient_id")
                + " "
                + af.get("kind")
                + " "
                + Long.parseLong(af.get("at")) * 1000); // the contract's alert time
      }
    }
  }

  static final List<String> TOPICS =
      List.of(
          "hl7.raw",
          "hl7.invalid",
          "vitals.observations",
          "vitals.scores",
          "vitals.alerts",
          "patients",
          "patients.settings");

  /**
   * Fresh topics {@code prefix + name} (3 partitions) with the output schemas registered under
   * them.
   */
  static Map<String, String> freshTopics(String bootstrap, String registryUrl, String prefix)
      throws Exception {
    return freshTopics(bootstrap, registryUrl, prefix, 3);
  }

  /** Fresh topics {@code prefix + name} with {@code partitions} partitions each. */
  static Map<String, String> freshTopics(
      String bootstrap, String registryUrl, String prefix, int partitions) throws Exception {
    Map<String, String> topics = new HashMap<>();
    for (String t : TOPICS) topics.put(t, prefix + t);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> nt = new ArrayList<>();
      for (String t : topics.values()) nt.add(new NewTopic(t, partitions, (short) 1));
      admin.createTopics(nt).all().get(60, TimeUnit.SECONDS);
    }
    CcompatClient registry = new CcompatClient(registryUrl);
    for (String t :
        List.of(
            "vitals.observations",
            "vitals.scores",
            "vitals.alerts",
            "patients",
            "patients.settings")) {
      registry.register(
          Schemas.valueSubject(topics.get(t)),
          Schemas.parse(
              t.equals("patients.settings") ? "PatientSettings.avsc" : Schemas.TOPIC_FILES.get(t)));
    }
    return topics;
  }

  /**
   * Sends the messages to hl7.raw keyed by PID-3-1, {@code perSecond} at most (0: as fast as
   * possible).
   */
  static void produce(String bootstrap, String topic, List<byte[]> messages, int perSecond)
      throws Exception {
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("enable.idempotence", "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = System.nanoTime();
      int i = 0;
      for (byte[] m : messages) {
        String pid = io.vitalflow.bridge.Hl7.query(m, "PID-3-1");
        producer.send(new ProducerRecord<>(topic, pid.getBytes(StandardCharsets.UTF_8), m));
        i++;
        if (perSecond > 0) {
          long due = start + TimeUnit.SECONDS.toNanos(i) / perSecond;
          long wait = due - System.nanoTime();
          if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      producer.flush();
    }
  }

  /**
   * Reads vitals.scores and vitals.alerts with read_committed until the expected counts arrive (or
   * 180 s pass), then 8 s more (several checkpoints) so that a duplicate would show.
   */
  static int readCommitted(
      String bootstrap,
      String registryUrl,
      Map<String, String> topics,
      int nScores,
      int nAlerts,
      List<String> scores,
      List<String> alerts)
      throws Exception {
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("isolation.level", "read_committed");
    cp.put("auto.offset.reset", "earliest");
    cp.put("enable.auto.commit", "false");
    RegistryAvroDeserializer avro =
        new RegistryAvroDeserializer(new CcompatClient(registryUrl), false);
    int observations = 0;
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String t : List.of("vitals.scores", "vitals.alerts", "vitals.observations")) {
        for (int p = 0; p < 3; p++) tps.add(new TopicPartition(topics.get(t), p));
      }
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      long settle = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settle)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (r.topic().equals(topics.get("vitals.observations"))) {
            observations++;
            continue;
          }
          GenericRecord g = (GenericRecord) avro.deserialize(r.topic(), r.value());
          String key = new String(r.key(), StandardCharsets.UTF_8);
          assertEquals(key, g.get("patient_id").toString());
          if (r.topic().equals(topics.get("vitals.scores"))) {
            scores.add(
                g.get("patient_id")
                    + " "
                    + g.get("scored_at")
                    + " "
                    + g.get("total")
                    + " "
                    + g.get("band")
                    + " "
                    + g.get("complete"));
          } else {
            alerts.add(g.get("patient_id") + " " + g.get("kind") + " " + g.get("raised_at"));
          }
        }
        if (settle == Long.MAX_VALUE && scores.size() >= nScores && alerts.size() >= nAlerts) {
          settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        }
      }
    }
    return observations;
  }

  /** The job's options for a test: the stack, the test's own topics and its own ids. */
  static Configuration jobConf(
      String bootstrap, String registryUrl, java.util.Map<String, String> topics, String prefix) {
    Configuration conf = new Configuration();
    conf.set(JobOptions.BOOTSTRAP, bootstrap);
    conf.set(JobOptions.REGISTRY, registryUrl);
    conf.set(JobOptions.TOPIC_RAW, topics.get("hl7.raw"));
    conf.set(JobOptions.TOPIC_INVALID, topics.get("hl7.invalid"));
    conf.set(JobOptions.TOPIC_OBSERVATIONS, topics.get("vitals.observations"));
    conf.set(JobOptions.TOPIC_SCORES, topics.get("vitals.scores"));
    conf.set(JobOptions.TOPIC_ALERTS, topics.get("vitals.alerts"));
    conf.set(JobOptions.TOPIC_PATIENTS, topics.get("patients"));
    conf.set(JobOptions.TOPIC_SETTINGS, topics.get("patients.settings"));
    conf.set(JobOptions.GROUP_ID, prefix + "job");
    conf.set(JobOptions.TRANSACTIONAL_ID_PREFIX, prefix + "tx");
    return conf;
  }
}
