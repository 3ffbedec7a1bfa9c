package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryAvroDeserializer;
import io.vitalflow.bridge.Hl7;
import io.vitalflow.bridge.Hl7Exception;
import io.vitalflow.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job's routing in an embedded MiniCluster on the real broker and registry (one partition per
 * topic, parallelism 1, so that the order of events is the order sent):
 *
 * <ul>
 *   <li>ADT A01, A03, A04, A08, A28, A31 become {@code patients} records (an A02 does not);
 *   <li>messages that cannot be used go to {@code hl7.invalid}, bytes and key unchanged, with the
 *       reason in the {@code hl7.error} header;
 *   <li>a resent message (same MSH-3, MSH-4, MSH-10) is dropped, counted by {@code resendsDropped};
 *       the same MSH-10 from another facility is not a resend;
 *   <li>a message observed an hour before the newest one and received two hours after it was
 *       observed is scored all the same (no watermark decides whether a message is scored), and
 *       counted by {@code lateMessages}.
 * </ul>
 *
 * Metrics are read from Flink's own metric system through an {@link InMemoryReporter}.
 */
class RoutingIT {
  static final InMemoryReporter METRICS = InMemoryReporter.create();

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setConfiguration(METRICS.addToConfiguration(new Configuration()))
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final DateTimeFormatter HL7_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  /** An ADT message; {@code patientId} null leaves PID-3 empty. */
  static byte[] adt(String event, String facility, String controlId, String patientId, Instant at) {
    String t = HL7_TIME.format(at);
    String pid = patientId == null ? "" : patientId + "^^^HOSP^MR";
    return String.join(
            "\r",
            "MSH|^~\\&|ADT|"
                + facility
                + "|VITALFLOW|HOSP|"
                + t
                + "||ADT^"
                + event
                + "^ADT_A01|"
                + controlId
                + "|P|2.5",
            "EVN|" + event + "|" + t,
            "PID|1||" + pid + "||Family" + event + "^Given^^||19800101|F",
            "PV1|1|I|WARD1^0"
                + event.substring(1)
                + "^1^HOSP|||||||MED|||||||||V-"
                + controlId
                + "^^^HOSP^VN")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An ORU with heart rate, respiratory rate, systolic BP, temperature and SpO2 at {@code at}. */
  static byte[] oru(String controlId, String patientId, Instant at, int pulse, int resp) {
    String t = HL7_TIME.format(at);
    return String.join(
            "\r",
            "MSH|^~\\&|MONITOR|HOSP|VITALFLOW|HOSP|" + t + "||ORU^R01|" + controlId + "|P|2.5",
            "PID|1||" + patientId + "^^^HOSP^MR||Doe^Jo||19700101|M",
            "PV1|1|I|WARD1^01^1^HOSP",
            "OBR|1|||VS^Vital Signs|||" + t,
            "OBX|1|NM|8867-4^Heart rate^LN||" + pulse + "|/min|||||F|||" + t,
            "OBX|2|NM|9279-1^Respiratory rate^LN||" + resp + "|/min|||||F|||" + t,
            "OBX|3|NM|8480-6^Systolic blood pressure^LN||118|mm[Hg]|||||F|||" + t,
            "OBX|4|NM|8310-5^Body temperature^LN||37.1|Cel|||||F|||" + t,
            "OBX|5|NM|59408-5^SpO2^LN||97|%|||||F|||" + t)
        .getBytes(StandardCharsets.UTF_8);
  }

  record Sent(String key, byte[] value, Instant timestamp) {}

  @Test
  void adtToPatientsInvalidToDeadLettersResendsDroppedLateScoredAndCounted() throws Exception {
    LocalStack stack = LocalStack.get();
    String bootstrap = stack.kafkaBootstrap();
    String registryUrl = stack.registryUrl();
    String prefix = "it9r-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> topics = VitalsJobIT.freshTopics(bootstrap, registryUrl, prefix, 1);

    // event times two days back, on the hour: every record (including the dead letters, whose
    // event time is their Kafka timestamp) is given an explicit timestamp, so the watermark is
    // decided by the test alone
    Instant base = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
    Instant adtTime = base.minus(1, ChronoUnit.HOURS);

    List<Sent> phase1 = new ArrayList<>();
    List<String> events = List.of("A01", "A03", "A04", "A08", "A28", "A31");
    for (int i = 0; i < events.size(); i++) {
      String pid = "P-ADT-" + (i + 1);
      phase1.add(
          new Sent(pid, adt(events.get(i), "HOSP", "ADT-" + (i + 1), pid, adtTime), adtTime));
    }
    // the A01 again, byte for byte: a resend
    phase1.add(phase1.get(0));
    // the A01's MSH-10 from another facility, same patient: not a resend
    phase1.add(new Sent("P-ADT-1", adt("A08", "OTHERHOSP", "ADT-1", "P-ADT-1", adtTime), adtTime));
    // an A02 (transfer): not one of the events that make patients records
    phase1.add(new Sent("P-ADT-9", adt("A02", "HOSP", "ADT-9", "P-ADT-9", adtTime), adtTime));
    // unusable messages: not HL7; no MSH-10; an ADT without PID-3-1
    byte[] garbage = "this is not an HL7 message".getBytes(StandardCharsets.UTF_8);
    byte[] noControlId = adt("A01", "HOSP", "", "P-ADT-8", adtTime);
    byte[] noPatient = adt("A01", "HOSP", "ADT-NOPID", null, adtTime);
    phase1.add(new Sent("bad-1", garbage, adtTime));
    phase1.add(new Sent("bad-2", noControlId, adtTime));
    phase1.add(new Sent("bad-3", noPatient, adtTime));
    // vitals: P-LATE at base, P-OTHER two hours later (the watermark passes base + 1h50m)
    byte[] otherFirst = oru("ORU-2", "P-OTHER", base.plus(2, ChronoUnit.HOURS), 72, 14);
    phase1.add(new Sent("P-LATE", oru("ORU-1", "P-LATE", base, 70, 14), base));
    phase1.add(new Sent("P-OTHER", otherFirst, base.plus(2, ChronoUnit.HOURS)));

    Configuration conf = VitalsJobIT.jobConf(bootstrap, registryUrl, topics, prefix);
    conf.set(JobOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1));
    conf.set(JobOptions.IDLE_TIMEOUT, Duration.ofSeconds(1));
    conf.set(JobOptions.PARALLELISM, 1);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(VitalsJob.engineConfig(conf));
    VitalsJob.build(env, conf);
    JobClient job = env.executeAsync("vitalflow routing IT");
    JobID jobId = job.getJobID();
    Output out = new Output(bootstrap, registryUrl, topics);
    try {
      produce(bootstrap, topics.get("hl7.raw"), phase1);
      // phase 1 is through when its 7 patients records, 3 dead letters and 2 scores are committed
      waitFor(
          () ->
              out.poll()
                  && out.patients.size() >= 7
                  && out.invalid.size() >= 3
                  && out.scores.size() >= 2,
          out);

      // ADT -> patients: one record per event type, keyed by patient, built from the message
      Map<String, GenericRecord> byControlAndEvent = new TreeMap<>();
      for (Map.Entry<String, GenericRecord> e : out.patients) {
        GenericRecord g = e.getValue();
        assertEquals(e.getKey(), g.get("patient_id").toString(), "key = patient_id");
        String k = g.get("message_control_id") + "/" + g.get("event_type");
        assertNull(byControlAndEvent.put(k, g), "twice: " + k);
      }
      Map<String, String> expected = new TreeMap<>();
      for (int i = 0; i < events.size(); i++) {
        expected.put("ADT-" + (i + 1) + "/" + events.get(i), "P-ADT-" + (i + 1));
      }
      expected.put("ADT-1/A08", "P-ADT-1"); // the other facility's message
      Map<String, String> got = new TreeMap<>();
      byControlAndEvent.forEach((k, g) -> got.put(k, g.get("patient_id").toString()));
      assertEquals(expected, got, "patients records (control id/event -> patient)");
      for (int i = 0; i < events.size(); i++) {
        GenericRecord g = byControlAndEvent.get("ADT-" + (i + 1) + "/" + events.get(i));
        assertEquals("HOSP", String.valueOf(g.get("patient_id_authority")));
        assertEquals("V-ADT-" + (i + 1), String.valueOf(g.get("encounter_id")));
        assertEquals("Family" + events.get(i), String.valueOf(g.get("family_name")));
        assertEquals(adtTime.toEpochMilli() * 1000L, g.get("updated_at"), "EVN-2");
      }

      // dead letters: the bytes and key as sent, the reason in hl7.error
      Map<String, String> reasons = new HashMap<>();
      Map<String, byte[]> values = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : out.invalid) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        Header h = r.headers().lastHeader("hl7.error");
        assertNotNull(h, "no hl7.error header on the dead letter keyed " + key);
        assertNull(
            reasons.put(key, new String(h.value(), StandardCharsets.UTF_8)), "twice: " + key);
        values.put(key, r.value());
      }
      assertEquals(3, reasons.size(), "dead letters: " + reasons);
      Hl7Exception parseError =
          assertThrows(Hl7Exception.class, () -> Hl7.query(garbage, "MSH-10"));
      assertEquals(parseError.kindName() + ": " + parseError.getMessage(), reasons.get("bad-1"));
      assertEquals("MSH-10 (message control id) missing", reasons.get("bad-2"));
      assertEquals("ADT without a patient id (PID-3-1)", reasons.get("bad-3"));
      assertTrue(java.util.Arrays.equals(garbage, values.get("bad-1")));
      assertTrue(java.util.Arrays.equals(noControlId, values.get("bad-2")));
      assertTrue(java.util.Arrays.equals(noPatient, values.get("bad-3")));

      // phase 2: a message for P-LATE an hour behind the watermark, received two hours after it was
      // observed (its record timestamp, the receipt time without an hl7.received_at header), the
      // P-OTHER ORU resent, and a newer P-OTHER message that shows phase 2 is through
      Thread.sleep(3000); // the watermark (200 ms interval, settings source idle after 1 s)
      produce(
          bootstrap,
          topics.get("hl7.raw"),
          List.of(
              new Sent(
                  "P-LATE",
                  oru("ORU-3", "P-LATE", base.plus(1, ChronoUnit.HOURS), 131, 25),
                  base.plus(3, ChronoUnit.HOURS)),
              new Sent("P-OTHER", otherFirst, base.plus(2, ChronoUnit.HOURS)),
              new Sent(
                  "P-OTHER",
                  oru("ORU-4", "P-OTHER", base.plus(3, ChronoUnit.HOURS), 95, 21),
                  base.plus(3, ChronoUnit.HOURS))));
      long marker = base.plus(3, ChronoUnit.HOURS).toEpochMilli() * 1000L;
      waitFor(() -> out.poll() && out.scores.stream().anyMatch(s -> s.endsWith("@" + marker)), out);
      Thread.sleep(4000); // more checkpoints: a late or duplicate output would show
      out.poll();

      // scores: one per ORU, the late one included; the resend made none
      List<String> expectedScores =
          List.of(
              "P-LATE@" + base.toEpochMilli() * 1000L,
              "P-LATE@" + base.plus(1, ChronoUnit.HOURS).toEpochMilli() * 1000L,
              "P-OTHER@" + base.plus(2, ChronoUnit.HOURS).toEpochMilli() * 1000L,
              "P-OTHER@" + marker);
      assertEquals(expectedScores, out.scores.stream().sorted().toList(), "score ids");
      // observations carry every row of the late message, and none of the resend: 4 ORUs of 5
      // rows each
      assertEquals(20, out.observations, "vitals.observations rows");
      assertEquals(7, out.patients.size(), "patients records");
      assertEquals(3, out.invalid.size(), "dead letters");

      // Flink's own metrics
      assertEquals(1, counter(jobId, "lateMessages"), "lateMessages (scored all the same)");
      assertEquals(0, counter(jobId, "clockErrors"), "clockErrors");
      assertEquals(2, counter(jobId, "resendsDropped"), "resendsDropped (the A01 and the ORU)");
      assertEquals(3, counter(jobId, "invalidMessages"), "invalidMessages");
      // the dead letters, through Prometheus (issue 24): the shipped rule fires for the topic
      io.vitalflow.stack.Alerts.awaitFiring(
          "VitalflowDeadLetters",
          java.time.Duration.ofSeconds(90),
          "topic=" + topics.get("hl7.invalid"));
      assertEquals(1, counter(jobId, "messagesSkipped"), "messagesSkipped (the A02)");

    } finally {
      out.close();
      job.cancel().get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Sum over the job's operators whose name starts with {@code operator} of their counter {@code
   * name} (operator-level metrics only, so a chained task's own counter is not added twice).
   */
  static long counter(JobID job, String operator, String name) {
    long sum = 0;
    int n = 0;
    List<String> seen = new ArrayList<>();
    for (Map.Entry<MetricGroup, Map<String, Metric>> g : METRICS.getMetricsByGroup().entrySet()) {
      if (!(g.getKey() instanceof OperatorMetricGroup)) continue;
      Map<String, String> vars = g.getKey().getAllVariables();
      if (!job.toString().equals(vars.get("<job_id>"))) continue;
      String op = vars.getOrDefault("<operator_name>", "");
      Metric m = g.getValue().get(name);
      if (m instanceof Counter c) {
        seen.add(op + ": " + c.getCount());
        if (op.startsWith(operator)) {
          sum += c.getCount();
          n++;
        }
      }
    }
    assertTrue(n > 0, () -> "no operator " + operator + "* with counter " + name + " in " + seen);
    return sum;
  }

  static long counter(JobID job, String name) {
    return counter(job, "", name);
  }

  static void produce(String bootstrap, String topic, List<Sent> records) throws Exception {
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("enable.idempotence", "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Sent s : records) {
        producer.send(
            new ProducerRecord<>(
                topic,
                0,
                s.timestamp().toEpochMilli(),
                s.key().getBytes(StandardCharsets.UTF_8),
                s.value()));
      }
      producer.flush();
    }
  }

  static void waitFor(BooleanSupplier done, Output out) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, () -> "timed out; output so far: " + out);
      Thread.sleep(200);
    }
  }

  /** What a read_committed consumer sees in the output topics. */
  static final class Output implements AutoCloseable {
    final KafkaConsumer<byte[], byte[]> consumer;
    final RegistryAvroDeserializer avro;
    final Map<String, String> topics;
    final List<Map.Entry<String, GenericRecord>> patients = new ArrayList<>();
    final List<ConsumerRecord<byte[], byte[]>> invalid = new ArrayList<>();
    final List<String> scores = new ArrayList<>();
    int observations;

    Output(String bootstrap, String registryUrl, Map<String, String> topics) {
      Properties cp = new Properties();
      cp.put("bootstrap.servers", bootstrap);
      cp.put("isolation.level", "read_committed");
      cp.put("auto.offset.reset", "earliest");
      cp.put("enable.auto.commit", "false");
      consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      avro = new RegistryAvroDeserializer(new CcompatClient(registryUrl), false);
      this.topics = topics;
      List<TopicPartition> tps = new ArrayList<>();
      for (String t : List.of("patients", "hl7.invalid", "vitals.scores", "vitals.observations")) {
        tps.add(new TopicPartition(topics.get(t), 0));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
    }

    /** Reads what is there; always true (for use in conditions). */
    boolean poll() {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
        if (r.topic().equals(topics.get("patients"))) {
          patients.add(
              Map.entry(
                  new String(r.key(), StandardCharsets.UTF_8),
                  (GenericRecord) avro.deserialize(r.topic(), r.value())));
        } else if (r.topic().equals(topics.get("hl7.invalid"))) {
          invalid.add(r);
        } else if (r.topic().equals(topics.get("vitals.scores"))) {
          scores.add(
              ((GenericRecord) avro.deserialize(r.topic(), r.value())).get("score_id").toString());
        } else {
          observations++;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      return "patients="
          + patients.size()
          + " invalid="
          + invalid.size()
          + " scores="
          + scores
          + " observations="
          + observations;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
