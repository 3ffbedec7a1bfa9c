package io.vitalflow.flink;

import io.vitalflow.avro.TopicNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The job's Flink {@link ConfigOption}s. Each can be given in the Flink configuration or on the
 * command line as {@code --key value} (the {@code vitalflow.} prefix may be left out: {@code
 * --kafka.bootstrap 127.0.0.1:9092}).
 */
public final class JobOptions {
  private JobOptions() {}

  public static final ConfigOption<String> BOOTSTRAP =
      ConfigOptions.key("vitalflow.kafka.bootstrap")
          .stringType()
          .defaultValue("127.0.0.1:9092")
          .withDescription("Kafka bootstrap servers.");
  public static final ConfigOption<String> REGISTRY =
      ConfigOptions.key("vitalflow.registry.url")
          .stringType()
          .defaultValue("http://127.0.0.1:8081/apis/ccompat/v7")
          .withDescription("Confluent-compatible schema registry API (Apicurio's ccompat).");
  public static final ConfigOption<Boolean> AUTO_REGISTER =
      ConfigOptions.key("vitalflow.registry.auto-register")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Register the output schemas under <topic>-value when missing (off: they must be registered).");
  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("vitalflow.kafka.group-id")
          .stringType()
          .defaultValue("vitalflow-flink")
          .withDescription("Consumer group of the sources.");
  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
      ConfigOptions.key("vitalflow.kafka.transactional-id-prefix")
          .stringType()
          .defaultValue("vitalflow-flink")
          .withDescription("Prefix of the sink's Kafka transactional ids.");
  public static final ConfigOption<String> TOPIC_RAW = topic("raw", TopicNames.HL7_RAW);
  public static final ConfigOption<String> TOPIC_INVALID = topic("invalid", TopicNames.HL7_INVALID);
  public static final ConfigOption<String> TOPIC_OBSERVATIONS =
      topic("observations", TopicNames.VITALS_OBSERVATIONS);
  public static final ConfigOption<String> TOPIC_SCORES = topic("scores", TopicNames.VITALS_SCORES);
  public static final ConfigOption<String> TOPIC_ALERTS = topic("alerts", TopicNames.VITALS_ALERTS);
  public static final ConfigOption<String> TOPIC_PATIENTS = topic("patients", TopicNames.PATIENTS);
  public static final ConfigOption<String> TOPIC_SETTINGS =
      topic("settings", TopicNames.PATIENTS_SETTINGS);
  public static final ConfigOption<Duration> FRESHNESS =
      ConfigOptions.key("vitalflow.window.freshness")
          .durationType()
          .defaultValue(Duration.ofMinutes(60))
          .withDescription(
              "How long a value stays in a patient's scored set (the freshness window).");
  public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
      ConfigOptions.key("vitalflow.window.out-of-orderness")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "Bounded out-of-orderness of the receipt-time watermarks (hl7.received_at). Watermarks"
                  + " only drive housekeeping (dropping the state of patients idle for 24 hours);"
                  + " they never decide whether a message is scored.");
  public static final ConfigOption<Duration> CLOCK_TOLERANCE =
      ConfigOptions.key("vitalflow.clock.tolerance")
          .durationType()
          .defaultValue(Duration.ofMinutes(5))
          .withDescription(
              "An observation time more than this after the message's receipt time (hl7.received_at)"
                  + " is a device clock error: the row is flagged clock_error and scored at its"
                  + " receipt time.");
  public static final ConfigOption<Boolean> SCORE_TRAINING =
      ConfigOptions.key("vitalflow.scoring.score-training")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Score MSH-11 T (training) messages as well as P. Off: only production messages are"
                  + " scored and alerted; the others are stored and counted (notScoredProcessingId).");
  public static final ConfigOption<Double> HYPO_L1_MG_DL =
      glucose("hypo-l1-mg-dl", 70.0, "Hypoglycaemia level 1 below this, in mg/dL.");
  public static final ConfigOption<Double> HYPO_L2_MG_DL =
      glucose("hypo-l2-mg-dl", 54.0, "Hypoglycaemia level 2 below this, in mg/dL.");
  public static final ConfigOption<Double> HYPO_L1_MMOL_L =
      glucose("hypo-l1-mmol-l", 3.9, "Hypoglycaemia level 1 below this, in mmol/L (JBDS: 4.0).");
  public static final ConfigOption<Double> HYPO_L2_MMOL_L =
      glucose("hypo-l2-mmol-l", 3.0, "Hypoglycaemia level 2 below this, in mmol/L.");

  private static ConfigOption<Double> glucose(String name, double def, String description) {
    return ConfigOptions.key("vitalflow.glucose." + name)
        .doubleType()
        .defaultValue(def)
        .withDescription(
            description + " Compared in the unit the reading was sent in (docs/contract.md).");
  }

  /** The site's settings for extraction and scoring, from the options. */
  static io.vitalflow.bridge.ExtractOptions.SiteSettings siteSettings(Configuration conf) {
    return new io.vitalflow.bridge.ExtractOptions.SiteSettings(
        conf.get(CLOCK_TOLERANCE),
        conf.get(HYPO_L1_MG_DL),
        conf.get(HYPO_L2_MG_DL),
        conf.get(HYPO_L1_MMOL_L),
        conf.get(HYPO_L2_MMOL_L));
  }

  public static final ConfigOption<Duration> IDLE_TIMEOUT =
      ConfigOptions.key("vitalflow.window.idle-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(5))
          .withDescription(
              "A source partition without records for this long does not hold back the"
                  + " receipt-time watermark, which only drives housekeeping (dropping the state of"
                  + " patients idle for 24 hours): no message is left unscored because of it.");
  public static final ConfigOption<Duration> DEDUP_TTL =
      ConfigOptions.key("vitalflow.window.dedup-ttl")
          .durationType()
          .defaultValue(Duration.ofHours(24))
          .withDescription(
              "How long a message id (MSH-3, MSH-4, MSH-10) is remembered to drop resends.");
  public static final ConfigOption<Integer> DEDUP_MAX_PER_PATIENT =
      ConfigOptions.key("vitalflow.window.dedup-max-per-patient")
          .intType()
          .defaultValue(256)
          .withDescription(
              "How many of a patient's newest message ids are remembered to drop resends (each for"
                  + " at most vitalflow.window.dedup-ttl). A resend follows its original within"
                  + " the sender's ACK timeout or reconnect; the bound keeps the state (24 bytes"
                  + " per id) a fixed size per patient at any message rate.");
  public static final ConfigOption<String> ZONE =
      ConfigOptions.key("vitalflow.zone")
          .stringType()
          .defaultValue("UTC")
          .withDescription("Zone of HL7 timestamps without an offset.");
  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOptions.key("vitalflow.parallelism")
          .intType()
          .defaultValue(-1)
          .withDescription("Parallelism of the job (-1: the cluster's default).");
  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      ConfigOptions.key("vitalflow.checkpoint-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("Checkpoint interval; Kafka transactions commit on each checkpoint.");

  /**
   * The first restart delay after a failure. The job restarts with Flink's exponential-delay
   * strategy and no attempt limit: a transient fault (a TaskManager lost, the broker or the
   * registry away) never leaves it FAILED; each further failure doubles the delay up to {@link
   * #RESTART_MAX_BACKOFF}.
   */
  public static final ConfigOption<Duration> RESTART_INITIAL_BACKOFF =
      ConfigOptions.key("vitalflow.restart.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription(
              "First delay of the job's restart strategy (exponential-delay, no attempt limit:"
                  + " the job never gives up on a transient fault).");

  public static final ConfigOption<Duration> RESTART_MAX_BACKOFF =
      ConfigOptions.key("vitalflow.restart.max-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "Longest delay between two restarts: once the fault is gone (a TaskManager back, the"
                  + " broker up), scoring resumes within this time.");

  /**
   * How long a sender (MSH-3^MSH-4) may stay silent before the stack's VitalflowSenderSilent alert
   * fires. The job only publishes it, per sender, beside the receipt time of the sender's last
   * message (metrics lastMessageReceivedSeconds and expectedIntervalSeconds in the group "sender");
   * the rule in ops/prometheus/vitalflow-alerts.yml compares the two.
   */
  public static final ConfigOption<Duration> SENDER_EXPECTED_INTERVAL =
      ConfigOptions.key("vitalflow.senders.expected-interval")
          .durationType()
          .defaultValue(Duration.ofMinutes(15))
          .withDescription(
              "How long a sender (MSH-3^MSH-4) may send nothing before it counts as silent (the"
                  + " VitalflowSenderSilent alert): a bedside monitor sends every few minutes.");

  public static final ConfigOption<Map<String, String>> SENDER_EXPECTED_INTERVALS =
      ConfigOptions.key("vitalflow.senders.expected-interval.per-sender")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Expected intervals of single senders, as MSH-3^MSH-4:duration pairs separated by"
                  + " commas (for example GLUCO^WARD4:8 h for glucometers docked once a shift);"
                  + " the others have vitalflow.senders.expected-interval.");

  /** The expected interval of each sender listed, checked (a bad duration names the key). */
  static Map<String, Duration> senderIntervals(Configuration conf) {
    Map<String, Duration> out = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : conf.get(SENDER_EXPECTED_INTERVALS).entrySet()) {
      try {
        out.put(e.getKey().trim(), org.apache.flink.util.TimeUtils.parseDuration(e.getValue()));
      } catch (IllegalArgumentException bad) {
        throw new org.apache.flink.configuration.IllegalConfigurationException(
            SENDER_EXPECTED_INTERVALS.key()
                + ": not a duration for one sender: "
                + bad.getMessage());
      }
    }
    return out;
  }

  public static final ConfigOption<String> STATE_BACKEND =
      ConfigOptions.key("vitalflow.state-backend")
          .stringType()
          .defaultValue("hashmap")
          .withDescription("hashmap or rocksdb.");

  /**
   * Properties of the sources' Kafka consumers. The defaults let the broker gather up to 64 KB (or
   * 25 ms) per fetch: with the MLLP source writing each message at once (it ACKs only after Kafka
   * has it), a consumer that asks for every byte as it arrives gets one fetch response per message,
   * and answering them was most of the broker's CPU in the pipeline benchmark.
   */
  public static final ConfigOption<Map<String, String>> CONSUMER_PROPERTIES =
      ConfigOptions.key("vitalflow.kafka.consumer")
          .mapType()
          .defaultValue(Map.of("fetch.min.bytes", "65536", "fetch.max.wait.ms", "25"))
          .withDescription(
              "Kafka consumer properties of the sources, as key:value,key:value; they replace the"
                  + " defaults shown. isolation.level is always read_committed (exactly once), and"
                  + " group.id and bootstrap.servers come from their own options.");

  /** Properties of the sink's Kafka producer. */
  public static final ConfigOption<Map<String, String>> PRODUCER_PROPERTIES =
      ConfigOptions.key("vitalflow.kafka.producer")
          .mapType()
          .defaultValue(Map.of("transaction.timeout.ms", "900000"))
          .withDescription(
              "Kafka producer properties of the sink, as key:value,key:value; they replace the"
                  + " defaults shown. transaction.timeout.ms must not exceed the broker's"
                  + " transaction.max.timeout.ms (15 min by default). The transactional settings"
                  + " themselves are the sink's (exactly once).");

  /**
   * How {@code vitals.alerts} is written. Exactly once (the default) makes an alert visible to
   * read_committed consumers when the checkpoint that covers it completes, so its latency includes
   * up to one checkpoint interval. At least once writes each alert as soon as it is raised; after a
   * failure the job replays from its last checkpoint and may write an alert again, with the same
   * {@code alert_id} (the warehouse upserts by it, so its rows stay exactly once).
   */
  public static final ConfigOption<DeliveryGuarantee> ALERTS_DELIVERY_GUARANTEE =
      ConfigOptions.key("vitalflow.alerts.delivery-guarantee")
          .enumType(DeliveryGuarantee.class)
          .defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
          .withDescription(
              "How vitals.alerts is written: exactly-once (alerts become visible when the"
                  + " checkpoint that covers them completes, so up to one checkpoint interval"
                  + " later) or at-least-once (each alert is written as soon as it is raised and"
                  + " flushed before every checkpoint completes; after a failure an alert may be"
                  + " written again with the same alert_id, which the warehouse upserts by)."
                  + " Observations, scores, patients and dead letters stay exactly once. none is"
                  + " refused: an alert must not be lost.");

  /** The alerts' delivery guarantee; {@code none} is an error that names the option. */
  static DeliveryGuarantee alertsDeliveryGuarantee(Configuration conf) {
    DeliveryGuarantee g = conf.get(ALERTS_DELIVERY_GUARANTEE);
    if (g == DeliveryGuarantee.NONE)
      throw new IllegalArgumentException(
          ALERTS_DELIVERY_GUARANTEE.key()
              + ": none is not allowed (an alert must not be lost); use exactly-once or"
              + " at-least-once");
    return g;
  }

  /** Keys that the job sets itself and a property option must not change. */
  static final java.util.Set<String> CONSUMER_RESERVED =
      java.util.Set.of("isolation.level", "group.id", "bootstrap.servers");

  static final java.util.Set<String> PRODUCER_RESERVED =
      java.util.Set.of("bootstrap.servers", "transactional.id", "enable.idempotence", "acks");

  /** The properties of a map option; a reserved key is an error that names the option and key. */
  static java.util.Properties properties(
      Configuration conf,
      ConfigOption<Map<String, String>> option,
      java.util.Set<String> reserved) {
    java.util.Properties p = new java.util.Properties();
    for (Map.Entry<String, String> e : conf.get(option).entrySet()) {
      if (reserved.contains(e.getKey()))
        throw new IllegalArgumentException(
            option.key() + ": " + e.getKey() + " is set by the job itself and cannot be changed");
      p.setProperty(e.getKey(), e.getValue());
    }
    return p;
  }

  public static final ConfigOption<String> STARTING_OFFSETS =
      ConfigOptions.key("vitalflow.kafka.starting-offsets")
          .stringType()
          .defaultValue("committed-or-earliest")
          .withDescription("committed-or-earliest, earliest or latest.");

  private static ConfigOption<String> topic(String name, String def) {
    return ConfigOptions.key("vitalflow.topic." + name)
        .stringType()
        .defaultValue(def)
        .withDescription("Kafka topic " + def + ".");
  }

  /** {@code --key value} pairs; keys without the {@code vitalflow.} prefix get it. */
  public static Configuration fromArgs(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("expected --key value, got " + a);
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException("no value for --" + key);
        value = args[++i];
      }
      if (!key.startsWith("vitalflow.")) key = "vitalflow." + key;
      m.put(key, value);
    }
    return Configuration.fromMap(m);
  }
}
