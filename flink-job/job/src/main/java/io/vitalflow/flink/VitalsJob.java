package io.vitalflow.flink;

import io.vitalflow.avro.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The vitalflow streaming job: hl7.raw -> vitals.observations, vitals.scores, vitals.alerts,
 * patients (and hl7.invalid for messages that cannot be parsed), exactly once.
 *
 * <pre>
 * hl7.raw --KafkaSource (parse in the source; receipt-time watermarks, housekeeping only)--> drop resends
 *   (keyed by patient, map state of MSH-3/MSH-4/MSH-10 ids with TTL, so order per patient holds) --> route: ORU rows -> vitals.observations,
 *   ADT -> patients, bad -> hl7.invalid
 *   ORU --keyBy patient--> PatientRules (Rust streaming rules over JNI, state as bytes) <-- patients.settings
 *     --> vitals.scores, vitals.alerts  (every message, in the patient's arrival order)
 * all outputs --> one KafkaSink, EXACTLY_ONCE (transactions committed on checkpoints); with
 *   vitalflow.alerts.delivery-guarantee=at-least-once, vitals.alerts --> a KafkaSink of its own,
 *   AT_LEAST_ONCE (written as raised, flushed on checkpoints)
 * </pre>
 *
 * <p>Run with {@code flink run vitalflow-flink-job.jar --kafka.bootstrap HOST:PORT --registry.url
 * URL} on a cluster, or {@code java -cp "vitalflow-flink-job.jar:FLINK_LIB/*"
 * io.vitalflow.flink.VitalsJob ...} for an embedded MiniCluster. Options: {@link JobOptions}.
 */
public final class VitalsJob {
  private VitalsJob() {}

  public static void main(String[] args) throws Exception {
    Configuration conf = JobOptions.fromArgs(args);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(engineConfig(conf));
    build(env, conf);
    env.execute("vitalflow: hl7.raw -> vitals (" + conf.get(JobOptions.TOPIC_RAW) + ")");
  }

  /**
   * The engine settings the job carries itself, so that any cluster it is submitted to runs it the
   * same way (a job's own configuration overrides the cluster's):
   *
   * <ul>
   *   <li>the state backend;
   *   <li>restarts: exponential-delay with no attempt limit (a transient fault never leaves the job
   *       FAILED), from {@link JobOptions#RESTART_INITIAL_BACKOFF} up to {@link
   *       JobOptions#RESTART_MAX_BACKOFF}, doubling, with 10 % jitter, back to the first delay
   *       after an hour without failure;
   *   <li>checkpoints retained on cancellation and failure (the 3 newest), so a job that is
   *       cancelled, or a cluster that is lost, can be resumed with every patient's state.
   * </ul>
   */
  public static Configuration engineConfig(Configuration conf) {
    Configuration c = new Configuration();
    c.set(StateBackendOptions.STATE_BACKEND, conf.get(JobOptions.STATE_BACKEND));
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    c.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        conf.get(JobOptions.RESTART_INITIAL_BACKOFF));
    c.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        conf.get(JobOptions.RESTART_MAX_BACKOFF));
    c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
    c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
    c.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
        Duration.ofHours(1));
    c.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, Integer.MAX_VALUE);
    c.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    c.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
    return c;
  }

  /** Adds the job's pipeline to {@code env}. */
  public static void build(StreamExecutionEnvironment env, Configuration conf) {
    DeliveryGuarantee alertsDelivery = JobOptions.alertsDeliveryGuarantee(conf);
    int parallelism = conf.get(JobOptions.PARALLELISM);
    if (parallelism > 0) env.setParallelism(parallelism);
    env.enableCheckpointing(
        conf.get(JobOptions.CHECKPOINT_INTERVAL).toMillis(), CheckpointingMode.EXACTLY_ONCE);

    String bootstrap = conf.get(JobOptions.BOOTSTRAP);
    String registry = conf.get(JobOptions.REGISTRY);
    boolean autoRegister = conf.get(JobOptions.AUTO_REGISTER);
    String zone = conf.get(JobOptions.ZONE);
    String groupId = conf.get(JobOptions.GROUP_ID);

    java.util.Properties consumer =
        JobOptions.properties(conf, JobOptions.CONSUMER_PROPERTIES, JobOptions.CONSUMER_RESERVED);
    KafkaSource<Parsed> raw =
        KafkaSource.<Parsed>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(conf.get(JobOptions.TOPIC_RAW))
            .setGroupId(groupId)
            .setStartingOffsets(offsets(conf))
            .setDeserializer(new Hl7Deserializer(zone, JobOptions.siteSettings(conf)))
            .setProperties(consumer)
            .setProperty("isolation.level", "read_committed")
            .build();
    WatermarkStrategy<Parsed> watermarks =
        WatermarkStrategy.<Parsed>forBoundedOutOfOrderness(conf.get(JobOptions.OUT_OF_ORDERNESS))
            .withTimestampAssigner((p, ts) -> p.eventTime)
            .withIdleness(conf.get(JobOptions.IDLE_TIMEOUT));
    DataStream<Parsed> messages =
        env.fromSource(raw, watermarks, TopicNames.HL7_RAW).uid("hl7-raw-source");

    KafkaSource<PatientSetting> settingsSource =
        KafkaSource.<PatientSetting>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(conf.get(JobOptions.TOPIC_SETTINGS))
            .setGroupId(groupId + "-settings")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(new SettingsDeserializer(registry))
            .setProperties(consumer)
            .setProperty("isolation.level", "read_committed")
            .build();
    DataStream<PatientSetting> settings =
        env.fromSource(
                settingsSource,
                WatermarkStrategy.<PatientSetting>forMonotonousTimestamps()
                    .withTimestampAssigner((s, ts) -> s.updatedAt)
                    .withIdleness(conf.get(JobOptions.IDLE_TIMEOUT)),
                TopicNames.PATIENTS_SETTINGS)
            .uid("patients-settings-source");

    DataStream<Parsed> unique =
        messages
            .keyBy(ResendFilter::key)
            .process(
                new ResendFilter(
                    conf.get(JobOptions.DEDUP_TTL), conf.get(JobOptions.DEDUP_MAX_PER_PATIENT)))
            .uid("drop-resends")
            .name("drop resends (MSH-3, MSH-4, MSH-10)");

    DataStream<OutRecord> routed =
        unique
            .process(
                new Router(
                    registry,
                    autoRegister,
                    conf.get(JobOptions.TOPIC_OBSERVATIONS),
                    conf.get(JobOptions.TOPIC_PATIENTS),
                    conf.get(JobOptions.TOPIC_INVALID),
                    zone,
                    conf.get(JobOptions.SENDER_EXPECTED_INTERVAL),
                    JobOptions.senderIntervals(conf)))
            .uid("route")
            .name("observations, patients, dead letters");

    SingleOutputStreamOperator<OutRecord> scored =
        unique
            .flatMap(
                (Parsed p, org.apache.flink.util.Collector<Parsed> out) -> {
                  if (p.error != null || !p.isOru() || p.rows == 0) return;
                  // one step per patient of the message, in order of first appearance (as vitalflow
                  // score)
                  for (int i = 0; i < p.rowPatientIds.length; i++) out.collect(p.forPatient(i));
                })
            .returns(TypeInformation.of(Parsed.class))
            .uid("oru-steps")
            .name("ORU steps, one per patient")
            .keyBy(p -> p.patientId)
            .connect(settings.keyBy(s -> s.patientId))
            .process(
                new PatientRules(
                    registry,
                    autoRegister,
                    conf.get(JobOptions.TOPIC_SCORES),
                    conf.get(JobOptions.TOPIC_ALERTS),
                    conf.get(JobOptions.FRESHNESS),
                    zone,
                    JobOptions.siteSettings(conf),
                    conf.get(JobOptions.SCORE_TRAINING)))
            .uid("patient-rules")
            .name("NEWS2 and alert rules (Rust)");

    Properties producer =
        JobOptions.properties(conf, JobOptions.PRODUCER_PROPERTIES, JobOptions.PRODUCER_RESERVED);
    KafkaSink<OutRecord> sink =
        KafkaSink.<OutRecord>builder()
            .setBootstrapServers(bootstrap)
            .setRecordSerializer(new OutRecordSerializer())
            .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
            .setTransactionalIdPrefix(conf.get(JobOptions.TRANSACTIONAL_ID_PREFIX))
            .setKafkaProducerConfig(producer)
            .build();
    DataStream<OutRecord> exactlyOnce = routed.union(scored);
    if (alertsDelivery == DeliveryGuarantee.AT_LEAST_ONCE) {
      // alerts leave at once on a sink of their own; everything else stays transactional
      String alertsTopic = conf.get(JobOptions.TOPIC_ALERTS);
      KafkaSink<OutRecord> alertSink =
          KafkaSink.<OutRecord>builder()
              .setBootstrapServers(bootstrap)
              .setRecordSerializer(new OutRecordSerializer())
              .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
              .setKafkaProducerConfig(producer)
              .build();
      scored
          .filter(r -> alertsTopic.equals(r.topic))
          .uid("alerts")
          .name("alerts")
          .sinkTo(alertSink)
          .uid("kafka-sink-alerts")
          .name("Kafka alerts (at least once, written as raised)");
      exactlyOnce =
          routed.union(
              scored
                  .filter(r -> !alertsTopic.equals(r.topic))
                  .uid("not-alerts")
                  .name("not alerts"));
    }
    exactlyOnce.sinkTo(sink).uid("kafka-sink").name("Kafka (exactly once)");
  }

  private static OffsetsInitializer offsets(Configuration conf) {
    String s = conf.get(JobOptions.STARTING_OFFSETS);
    switch (s) {
      case "earliest":
        return OffsetsInitializer.earliest();
      case "latest":
        return OffsetsInitializer.latest();
      case "committed-or-earliest":
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
      default:
        throw new IllegalArgumentException(
            JobOptions.STARTING_OFFSETS.key() + ": unknown value " + s);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
