package io.vitalflow.flink;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryAvroDeserializer;
import io.vitalflow.bridge.ExtractOptions;
import io.vitalflow.bridge.VitalSign;
import io.vitalflow.bridge.Vitals;
import io.vitalflow.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The whole job's throughput and end-to-end latency, in an embedded MiniCluster on the stack's
 * broker and registry (the job exactly as {@link VitalsJob} builds it: exactly-once sink,
 * checkpoints, RocksDB or hashmap state).
 *
 * <p>A seeded simulated ward ({@code vitalflow simulate}) is split in time order: the first part is
 * written to {@code hl7.raw} before the job starts (a backlog, to measure sustained messages/s),
 * the rest is written at a fixed rate once the backlog is drained (to measure latency below
 * saturation). {@code hl7.raw} and {@code vitals.scores} use {@code LogAppendTime}, so a record's
 * timestamp is when the broker appended it. Latency of a score = its append time minus the append
 * time of the {@code hl7.raw} message it scores (matched by patient and observation time, which is
 * the score's {@code scored_at}); "visible" latency = when a {@code read_committed} consumer first
 * saw it (after the checkpoint committed the transaction) minus the same.
 *
 * <pre>
 * args: PATIENTS DURATION BACKLOG_FRACTION RATE_PER_S [CHECKPOINT_S] [PARALLELISM] [STATE_BACKEND]
 * </pre>
 */
public final class JobBenchmark {
  private JobBenchmark() {}

  public static void main(String[] args) throws Exception {
    int patients = Integer.parseInt(args.length > 0 ? args[0] : "300");
    String duration = args.length > 1 ? args[1] : "24h";
    double backlogFraction = Double.parseDouble(args.length > 2 ? args[2] : "0.7");
    int rate = Integer.parseInt(args.length > 3 ? args[3] : "300");
    int checkpointSeconds = Integer.parseInt(args.length > 4 ? args[4] : "10");
    int parallelism = Integer.parseInt(args.length > 5 ? args[5] : "2");
    String backend = args.length > 6 ? args[6] : "rocksdb";

    LocalStack stack = LocalStack.get();
    String bootstrap = stack.kafkaBootstrap();
    String registryUrl = stack.registryUrl();
    String prefix = "bench9-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> topics = VitalsJobIT.freshTopics(bootstrap, registryUrl, prefix);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      AlterConfigOp logAppend =
          new AlterConfigOp(
              new ConfigEntry("message.timestamp.type", "LogAppendTime"), AlterConfigOp.OpType.SET);
      Map<ConfigResource, Collection<AlterConfigOp>> changes = new java.util.HashMap<>();
      for (String t : List.of("hl7.raw", "vitals.scores")) {
        changes.put(
            new ConfigResource(ConfigResource.Type.TOPIC, topics.get(t)), List.of(logAppend));
      }
      admin.incrementalAlterConfigs(changes).all().get(60, TimeUnit.SECONDS);
    }

    Path feed = Files.createTempFile("vitalflow-bench", ".hl7");
    try {
      VitalsJobIT.run(
          VitalsJobIT.cli().toString(),
          "simulate",
          "--patients",
          Integer.toString(patients),
          "--seed",
          "9",
          "--duration",
          duration,
          "--framing",
          "mllp",
          "--out",
          feed.toString());
      List<byte[]> messages = VitalsJobIT.mllp(Files.readAllBytes(feed));
      int split = (int) (messages.size() * backlogFraction);
      System.out.printf(
          "feed: %d patients, %s: %d messages (backlog %d, then %d at %d/s)%n",
          patients, duration, messages.size(), split, messages.size() - split, rate);

      // score id (patient@observed µs) -> hl7.raw append time of the message that carries it
      Map<String, Long> rawAppend = new ConcurrentHashMap<>();
      ExtractOptions options = ExtractOptions.zone(ZoneOffset.UTC);
      List<List<String>> scoreKeys = new ArrayList<>();
      for (byte[] m : messages) scoreKeys.add(scoreKeys(m, options));

      Properties pp = new Properties();
      pp.put("bootstrap.servers", bootstrap);
      pp.put("acks", "all");
      pp.put("enable.idempotence", "true");
      pp.put("linger.ms", "5");
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < split; i++)
          send(producer, topics, messages.get(i), scoreKeys.get(i), rawAppend);
        producer.flush();

        Configuration conf = VitalsJobIT.jobConf(bootstrap, registryUrl, topics, prefix);
        conf.set(JobOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(checkpointSeconds));
        conf.set(JobOptions.PARALLELISM, parallelism);
        conf.set(JobOptions.STATE_BACKEND, backend);
        StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment(VitalsJob.engineConfig(conf));
        VitalsJob.build(env, conf);
        long submitted = System.currentTimeMillis();
        long cpuAtSubmit = processCpuNanos();
        JobClient job = env.executeAsync("vitalflow job benchmark");
        try (ScoreReader scores =
            new ScoreReader(bootstrap, registryUrl, topics.get("vitals.scores"))) {
          // phase 1: the backlog
          int expectedBacklogScores = scores.drain(rawAppend, 20_000);
          long firstAppend = scores.firstAppend;
          long lastAppend = scores.lastAppend;
          long lastRaw = 0;
          for (int i = 0; i < split; i++) {
            for (String k : scoreKeys.get(i))
              lastRaw = Math.max(lastRaw, rawAppend.getOrDefault(k, 0L));
          }
          long cpuBacklog = processCpuNanos() - cpuAtSubmit;
          double span = (lastAppend - firstAppend) / 1000.0;
          System.out.printf(
              "backlog: %d messages -> %d scores; first score appended %.1f s after submit, last %.1f s;"
                  + " sustained %.0f msg/s (first to last score), %.0f msg/s including start-up%n",
              split,
              expectedBacklogScores,
              (firstAppend - submitted) / 1000.0,
              (lastAppend - submitted) / 1000.0,
              split / span,
              split / ((lastAppend - submitted) / 1000.0));
          System.out.printf(
              "backlog: process CPU %.1f s from submit to the last score (start-up included), %.0f"
                  + " µs per message%n",
              cpuBacklog / 1e9, cpuBacklog / 1e3 / split);

          // phase 2: the rest at a fixed rate, latency per score
          scores.latencies.clear();
          scores.visible.clear();
          long phase2 = System.currentTimeMillis();
          long cpuPhase2 = processCpuNanos();
          long start = System.nanoTime();
          for (int i = split; i < messages.size(); i++) {
            send(producer, topics, messages.get(i), scoreKeys.get(i), rawAppend);
            long due = start + TimeUnit.SECONDS.toNanos(i - split + 1) / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            if ((i & 63) == 0) scores.poll(rawAppend, phase2);
          }
          producer.flush();
          double sendSeconds = (System.nanoTime() - start) / 1e9;
          scores.drainFrom(rawAppend, phase2, 20_000, false);
          long cpuPaced = processCpuNanos() - cpuPhase2;
          System.out.printf(
              "paced: process CPU %.1f s (the job, and this JVM's producer and score reader), %.0f µs"
                  + " per message%n",
              cpuPaced / 1e9, cpuPaced / 1e3 / (messages.size() - split));
          System.out.printf(
              "paced: %d messages in %.1f s (%.0f msg/s offered) -> %d scores matched (%d unmatched);"
                  + " latency hl7.raw append -> vitals.scores append: p50 %d ms, p99 %d ms, max %d ms;"
                  + " -> visible to read_committed: p50 %d ms, p99 %d ms (checkpoint interval %d s)%n",
              messages.size() - split,
              sendSeconds,
              (messages.size() - split) / sendSeconds,
              scores.latencies.size(),
              scores.unmatched,
              pct(scores.latencies, 50),
              pct(scores.latencies, 99),
              pct(scores.latencies, 100),
              pct(scores.visible, 50),
              pct(scores.visible, 99),
              checkpointSeconds);
        } finally {
          job.cancel().get(60, TimeUnit.SECONDS);
        }
      }
      System.out.printf(
          "parallelism %d, state backend %s; load: %s%n",
          parallelism, backend, Files.readString(Path.of("/proc/loadavg")).trim());
    } finally {
      Files.deleteIfExists(feed);
    }
    System.exit(0);
  }

  /** This JVM's CPU time (the MiniCluster runs in it), ns. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** patient@observed(µs) for each patient of an ORU: what the score of that step is called. */
  static List<String> scoreKeys(byte[] m, ExtractOptions options) {
    Map<String, Long> newest = new java.util.LinkedHashMap<>();
    try {
      for (VitalSign v : Vitals.extract(m, options)) {
        if (v.patientId() == null || v.observedAt() == null) continue;
        newest.merge(v.patientId(), v.observedAt().toEpochMilli(), Math::max);
      }
    } catch (RuntimeException e) {
      return List.of();
    }
    List<String> keys = new ArrayList<>();
    newest.forEach((p, t) -> keys.add(p + "@" + t * 1000L));
    return keys;
  }

  static void send(
      KafkaProducer<byte[], byte[]> producer,
      Map<String, String> topics,
      byte[] m,
      List<String> keys,
      Map<String, Long> rawAppend) {
    String pid = io.vitalflow.bridge.Hl7.query(m, "PID-3-1");
    producer.send(
        new ProducerRecord<>(
            topics.get("hl7.raw"), pid == null ? null : pid.getBytes(StandardCharsets.UTF_8), m),
        (md, e) -> {
          if (e != null) throw new IllegalStateException(e);
          // LogAppendTime topic: the metadata carries the broker's append time
          for (String k : keys) rawAppend.putIfAbsent(k, md.timestamp());
        });
  }

  static long pct(List<Long> xs, int p) {
    if (xs.isEmpty()) return -1;
    long[] a = xs.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    int i = (int) Math.ceil(p / 100.0 * a.length) - 1;
    return a[Math.max(0, Math.min(a.length - 1, i))];
  }

  /** Reads vitals.scores read_committed; append times (LogAppendTime) and latencies. */
  static final class ScoreReader implements AutoCloseable {
    final KafkaConsumer<byte[], byte[]> consumer;
    final RegistryAvroDeserializer avro;
    final List<Long> latencies = new ArrayList<>();
    final List<Long> visible = new ArrayList<>();
    long firstAppend = Long.MAX_VALUE;
    long lastAppend = 0;
    int count;
    int unmatched;
    final AtomicLong lastSeen = new AtomicLong(System.nanoTime());

    ScoreReader(String bootstrap, String registryUrl, String topic) {
      Properties cp = new Properties();
      cp.put("bootstrap.servers", bootstrap);
      cp.put("isolation.level", "read_committed");
      cp.put("enable.auto.commit", "false");
      consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      avro = new RegistryAvroDeserializer(new CcompatClient(registryUrl), false);
      List<TopicPartition> tps = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
    }

    /** One poll; latencies only for raw messages appended at or after {@code since}. */
    void poll(Map<String, Long> rawAppend, long since) {
      long now = System.currentTimeMillis();
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
          throw new IllegalStateException("vitals.scores is not LogAppendTime");
        }
        count++;
        lastSeen.set(System.nanoTime());
        firstAppend = Math.min(firstAppend, r.timestamp());
        lastAppend = Math.max(lastAppend, r.timestamp());
        String id =
            ((GenericRecord) avro.deserialize(r.topic(), r.value())).get("score_id").toString();
        Long raw = rawAppend.get(id);
        if (raw == null) {
          unmatched++;
        } else if (raw >= since) {
          latencies.add(r.timestamp() - raw);
          visible.add(now - raw);
        }
      }
    }

    /** Polls until nothing new arrives for {@code quietMs}; the number of scores read. */
    int drain(Map<String, Long> rawAppend, long quietMs) {
      return drainFrom(rawAppend, Long.MAX_VALUE, quietMs, true);
    }

    int drainFrom(Map<String, Long> rawAppend, long since, long quietMs, boolean waitForFirst) {
      lastSeen.set(System.nanoTime());
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      int before = count;
      // wait for the first new score (the job's start-up), then until quiet
      while ((waitForFirst && count == before && System.nanoTime() < giveUp)
          || System.nanoTime() - lastSeen.get() < TimeUnit.MILLISECONDS.toNanos(quietMs)) {
        poll(rawAppend, since);
      }
      return count;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
