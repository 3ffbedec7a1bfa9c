package io.vitalflow.connect.mllp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The MLLP source connector's settings: one {@link ConfigDef} (groups, documentation, validators,
 * recommenders), the source of docs/mllp-source-config.md.
 */
public final class MllpSourceConfig extends AbstractConfig {
  private static final String LISTENER_GROUP = "Listener";
  private static final String TLS_GROUP = "TLS";
  private static final String TOPICS_GROUP = "Topics and records";
  private static final String LIMITS_GROUP = "Limits and timeouts";
  private static final String POLL_GROUP = "Polling";

  public static final String LISTEN_HOST = "mllp.listen.host";
  public static final String LISTEN_HOST_DEFAULT = "0.0.0.0";
  private static final String LISTEN_HOST_DOC =
      "Address the MLLP listeners bind to (0.0.0.0: every interface).";
  private static final String LISTEN_HOST_DISPLAY = "Listen host";

  public static final String LISTEN_PORTS = "mllp.listen.ports";
  private static final String LISTEN_PORTS_DOC =
      "TCP ports to listen on, one task per port "
          + "(tasks.max must be at least their number). Each task runs one native MLLP server.";
  private static final String LISTEN_PORTS_DISPLAY = "Listen ports";

  public static final String TLS_CERT_CHAIN = "mllp.tls.cert.chain.path";
  private static final String TLS_CERT_CHAIN_DOC =
      "PEM file with the server certificate chain "
          + "(leaf first). Set with "
          + "mllp.tls.private.key.path to serve MLLP over TLS.";
  private static final String TLS_CERT_CHAIN_DISPLAY = "TLS certificate chain (PEM)";

  public static final String TLS_PRIVATE_KEY = "mllp.tls.private.key.path";
  private static final String TLS_PRIVATE_KEY_DOC =
      "PEM file with the server's private key "
          + "(PKCS#8, PKCS#1 or SEC1). An encrypted PKCS#8 key needs "
          + "mllp.tls.private.key.password.";
  private static final String TLS_PRIVATE_KEY_DISPLAY = "TLS private key (PEM)";

  public static final String TLS_PRIVATE_KEY_PASSWORD = "mllp.tls.private.key.password";
  private static final String TLS_PRIVATE_KEY_PASSWORD_DOC =
      "Password of an encrypted PKCS#8 "
          + "private key (\"ENCRYPTED PRIVATE KEY\"). The task decrypts it in memory and hands "
          + "the native server a copy readable only by the worker's user, deleted when the task "
          + "stops.";
  private static final String TLS_PRIVATE_KEY_PASSWORD_DISPLAY = "TLS private key password";

  public static final String TLS_CLIENT_CA = "mllp.tls.client.ca.path";
  private static final String TLS_CLIENT_CA_DOC =
      "PEM file of the CA certificates that client "
          + "certificates must chain to. Set: mutual TLS, a client without a valid certificate "
          + "is refused during the handshake.";
  private static final String TLS_CLIENT_CA_DISPLAY = "TLS client CA (mutual TLS)";

  public static final String TOPIC = "topic";
  public static final String TOPIC_DEFAULT = "hl7.raw";
  private static final String TOPIC_DOC =
      "Topic for messages that parse and carry MSH-10. "
          + "Value: the message bytes unchanged; headers hl7.control_id, hl7.message_type, "
          + "hl7.received_at, hl7.source, hl7.sending_application, hl7.sending_facility, "
          + "hl7.processing_id (MSH-11-1).";
  private static final String TOPIC_DISPLAY = "Topic";

  public static final String INVALID_TOPIC = "invalid.topic";
  public static final String INVALID_TOPIC_DEFAULT = "hl7.invalid";
  private static final String INVALID_TOPIC_DOC =
      "Topic for invalid input (unparseable, no "
          + "MSH-10, half frames, the head of oversize frames), with the reason in the hl7.error "
          + "header. The sender gets AR once the record is written there.";
  private static final String INVALID_TOPIC_DISPLAY = "Invalid-input topic";

  public static final String KEY_STRATEGY = "key.strategy";
  public static final String KEY_STRATEGY_DEFAULT = "patient_id";
  public static final List<String> KEY_STRATEGIES = List.of("patient_id", "control_id", "none");
  private static final String KEY_STRATEGY_DOC =
      "Record key: patient_id (PID-3-1, so one "
          + "patient's messages stay in order on one partition), control_id (MSH-10) or none.";
  private static final String KEY_STRATEGY_DISPLAY = "Key strategy";

  public static final String SOURCE_NAME = "source.name";
  private static final String SOURCE_NAME_DOC =
      "Value of the hl7.source header " + "(default: the connector's name).";
  private static final String SOURCE_NAME_DISPLAY = "Source name";

  public static final String MAX_FRAME_BYTES = "mllp.max.frame.bytes";
  public static final int MAX_FRAME_BYTES_DEFAULT = 1 << 20;
  private static final String MAX_FRAME_BYTES_DOC =
      "Largest MLLP frame accepted. A larger one "
          + "is answered AR; its first 4 KiB go to the invalid topic; the connection stays open.";
  private static final String MAX_FRAME_BYTES_DISPLAY = "Max frame size (bytes)";

  public static final String ACK_TIMEOUT_MS = "mllp.ack.timeout.ms";
  public static final long ACK_TIMEOUT_MS_DEFAULT = 30_000L;
  private static final String ACK_TIMEOUT_MS_DOC =
      "A message not written by the worker's "
          + "producer this long after it arrived is answered AE (the sender resends); it is "
          + "never answered AA for a write that did not complete.";
  private static final String ACK_TIMEOUT_MS_DISPLAY = "ACK timeout (ms)";

  public static final String IDLE_TIMEOUT_MS = "mllp.idle.timeout.ms";
  public static final long IDLE_TIMEOUT_MS_DEFAULT = 600_000L;
  private static final String IDLE_TIMEOUT_MS_DOC =
      "A connection that sends nothing this long " + "is closed (after its pending ACKs).";
  private static final String IDLE_TIMEOUT_MS_DISPLAY = "Idle timeout (ms)";

  public static final String DEDUPE_WINDOW_MS = "mllp.dedupe.window.ms";
  public static final long DEDUPE_WINDOW_MS_DEFAULT = 0L;
  private static final String DEDUPE_WINDOW_MS_DOC =
      "Exact resends (same MSH-3, MSH-4, MSH-10 "
          + "and bytes) within this window are answered from the first write and not written "
          + "again, per task. 0 turns it off.";
  private static final String DEDUPE_WINDOW_MS_DISPLAY = "Resend suppression window (ms)";

  public static final String MAX_CONNECTIONS = "mllp.max.connections";
  public static final int MAX_CONNECTIONS_DEFAULT = 1024;
  private static final String MAX_CONNECTIONS_DOC =
      "Connections served at once per port; more " + "are closed at once.";
  private static final String MAX_CONNECTIONS_DISPLAY = "Max connections";

  public static final String MAX_IN_FLIGHT = "mllp.max.in.flight";
  public static final int MAX_IN_FLIGHT_DEFAULT = 256;
  private static final String MAX_IN_FLIGHT_DOC =
      "Messages one connection may have waiting for "
          + "their ACK (pipelining senders); reading pauses while this many wait.";
  private static final String MAX_IN_FLIGHT_DISPLAY = "Max in-flight per connection";

  public static final String POLL_MAX_RECORDS = "poll.max.records";
  public static final int POLL_MAX_RECORDS_DEFAULT = 500;
  private static final String POLL_MAX_RECORDS_DOC = "Most records one poll() returns.";
  private static final String POLL_MAX_RECORDS_DISPLAY = "Max records per poll";

  public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
  public static final long POLL_TIMEOUT_MS_DEFAULT = 100L;
  private static final String POLL_TIMEOUT_MS_DOC =
      "How long poll() waits for the first "
          + "message. poll() returns as soon as one is there, so this adds no latency.";
  private static final String POLL_TIMEOUT_MS_DISPLAY = "Poll timeout (ms)";

  /** The producer setting this connector requires on its own config. */
  public static final String PRODUCER_ACKS = "producer.override.acks";

  public static final String PRODUCER_IDEMPOTENCE = "producer.override.enable.idempotence";

  /** Task-only: the port of this task. */
  static final String TASK_PORT = "task.port";

  public static final ConfigDef CONFIG_DEF = configDef();

  private static ConfigDef configDef() {
    ConfigDef d = new ConfigDef();
    int o = 0;
    d.define(
        LISTEN_HOST,
        Type.STRING,
        LISTEN_HOST_DEFAULT,
        new ConfigDef.NonEmptyString(),
        Importance.HIGH,
        LISTEN_HOST_DOC,
        LISTENER_GROUP,
        ++o,
        Width.MEDIUM,
        LISTEN_HOST_DISPLAY);
    d.define(
        LISTEN_PORTS,
        Type.LIST,
        ConfigDef.NO_DEFAULT_VALUE,
        new PortsValidator(),
        Importance.HIGH,
        LISTEN_PORTS_DOC,
        LISTENER_GROUP,
        ++o,
        Width.MEDIUM,
        LISTEN_PORTS_DISPLAY);
    o = 0;
    d.define(
        TLS_CERT_CHAIN,
        Type.STRING,
        null,
        Importance.MEDIUM,
        TLS_CERT_CHAIN_DOC,
        TLS_GROUP,
        ++o,
        Width.LONG,
        TLS_CERT_CHAIN_DISPLAY,
        List.of(TLS_PRIVATE_KEY, TLS_PRIVATE_KEY_PASSWORD, TLS_CLIENT_CA));
    d.define(
        TLS_PRIVATE_KEY,
        Type.STRING,
        null,
        Importance.MEDIUM,
        TLS_PRIVATE_KEY_DOC,
        TLS_GROUP,
        ++o,
        Width.LONG,
        TLS_PRIVATE_KEY_DISPLAY,
        new TlsRecommender());
    d.define(
        TLS_PRIVATE_KEY_PASSWORD,
        Type.PASSWORD,
        null,
        Importance.MEDIUM,
        TLS_PRIVATE_KEY_PASSWORD_DOC,
        TLS_GROUP,
        ++o,
        Width.MEDIUM,
        TLS_PRIVATE_KEY_PASSWORD_DISPLAY,
        new TlsRecommender());
    d.define(
        TLS_CLIENT_CA,
        Type.STRING,
        null,
        Importance.MEDIUM,
        TLS_CLIENT_CA_DOC,
        TLS_GROUP,
        ++o,
        Width.LONG,
        TLS_CLIENT_CA_DISPLAY,
        new TlsRecommender());
    o = 0;
    d.define(
        TOPIC,
        Type.STRING,
        TOPIC_DEFAULT,
        new ConfigDef.NonEmptyString(),
        Importance.HIGH,
        TOPIC_DOC,
        TOPICS_GROUP,
        ++o,
        Width.MEDIUM,
        TOPIC_DISPLAY);
    d.define(
        INVALID_TOPIC,
        Type.STRING,
        INVALID_TOPIC_DEFAULT,
        new ConfigDef.NonEmptyString(),
        Importance.HIGH,
        INVALID_TOPIC_DOC,
        TOPICS_GROUP,
        ++o,
        Width.MEDIUM,
        INVALID_TOPIC_DISPLAY);
    d.define(
        KEY_STRATEGY,
        Type.STRING,
        KEY_STRATEGY_DEFAULT,
        ConfigDef.ValidString.in(KEY_STRATEGIES.toArray(new String[0])),
        Importance.MEDIUM,
        KEY_STRATEGY_DOC,
        TOPICS_GROUP,
        ++o,
        Width.SHORT,
        KEY_STRATEGY_DISPLAY,
        new ValuesRecommender(KEY_STRATEGIES));
    d.define(
        SOURCE_NAME,
        Type.STRING,
        null,
        Importance.LOW,
        SOURCE_NAME_DOC,
        TOPICS_GROUP,
        ++o,
        Width.MEDIUM,
        SOURCE_NAME_DISPLAY);
    o = 0;
    d.define(
        MAX_FRAME_BYTES,
        Type.INT,
        MAX_FRAME_BYTES_DEFAULT,
        ConfigDef.Range.between(1024, 64 << 20),
        Importance.MEDIUM,
        MAX_FRAME_BYTES_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        MAX_FRAME_BYTES_DISPLAY);
    d.define(
        ACK_TIMEOUT_MS,
        Type.LONG,
        ACK_TIMEOUT_MS_DEFAULT,
        ConfigDef.Range.between(100L, 600_000L),
        Importance.HIGH,
        ACK_TIMEOUT_MS_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        ACK_TIMEOUT_MS_DISPLAY);
    d.define(
        IDLE_TIMEOUT_MS,
        Type.LONG,
        IDLE_TIMEOUT_MS_DEFAULT,
        ConfigDef.Range.atLeast(1000L),
        Importance.LOW,
        IDLE_TIMEOUT_MS_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        IDLE_TIMEOUT_MS_DISPLAY);
    d.define(
        DEDUPE_WINDOW_MS,
        Type.LONG,
        DEDUPE_WINDOW_MS_DEFAULT,
        ConfigDef.Range.atLeast(0L),
        Importance.MEDIUM,
        DEDUPE_WINDOW_MS_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        DEDUPE_WINDOW_MS_DISPLAY);
    d.define(
        MAX_CONNECTIONS,
        Type.INT,
        MAX_CONNECTIONS_DEFAULT,
        ConfigDef.Range.atLeast(1),
        Importance.LOW,
        MAX_CONNECTIONS_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        MAX_CONNECTIONS_DISPLAY);
    d.define(
        MAX_IN_FLIGHT,
        Type.INT,
        MAX_IN_FLIGHT_DEFAULT,
        ConfigDef.Range.between(1, 65536),
        Importance.LOW,
        MAX_IN_FLIGHT_DOC,
        LIMITS_GROUP,
        ++o,
        Width.SHORT,
        MAX_IN_FLIGHT_DISPLAY);
    o = 0;
    d.define(
        POLL_MAX_RECORDS,
        Type.INT,
        POLL_MAX_RECORDS_DEFAULT,
        ConfigDef.Range.between(1, 100_000),
        Importance.LOW,
        POLL_MAX_RECORDS_DOC,
        POLL_GROUP,
        ++o,
        Width.SHORT,
        POLL_MAX_RECORDS_DISPLAY);
    d.define(
        POLL_TIMEOUT_MS,
        Type.LONG,
        POLL_TIMEOUT_MS_DEFAULT,
        ConfigDef.Range.between(1L, 10_000L),
        Importance.LOW,
        POLL_TIMEOUT_MS_DOC,
        POLL_GROUP,
        ++o,
        Width.SHORT,
        POLL_TIMEOUT_MS_DISPLAY);
    return d;
  }

  public MllpSourceConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props);
    String cert = getString(TLS_CERT_CHAIN);
    String key = getString(TLS_PRIVATE_KEY);
    if ((cert == null) != (key == null)) {
      throw new ConfigException(
          cert == null ? TLS_CERT_CHAIN : TLS_PRIVATE_KEY,
          null,
          "TLS needs both " + TLS_CERT_CHAIN + " and " + TLS_PRIVATE_KEY);
    }
    if (cert == null && getString(TLS_CLIENT_CA) != null) {
      throw new ConfigException(
          TLS_CLIENT_CA,
          getString(TLS_CLIENT_CA),
          "mutual TLS needs " + TLS_CERT_CHAIN + " and " + TLS_PRIVATE_KEY);
    }
  }

  public List<Integer> ports() {
    List<Integer> out = new ArrayList<>();
    for (String p : getList(LISTEN_PORTS)) {
      out.add(Integer.parseInt(p.trim()));
    }
    return out;
  }

  public boolean tls() {
    return getString(TLS_CERT_CHAIN) != null;
  }

  public Password keyPassword() {
    return getPassword(TLS_PRIVATE_KEY_PASSWORD);
  }

  public Duration ackTimeout() {
    return Duration.ofMillis(getLong(ACK_TIMEOUT_MS));
  }

  /**
   * Checks the connector's own producer settings: {@code producer.override.acks} must be {@code
   * all} (or {@code -1}) and idempotence must not be turned off, because an AA promises the message
   * is in Kafka with acks=all. Returns null when fine, else the key and the problem.
   */
  static String[] producerProblem(Map<String, String> connectorConfig) {
    String acks = connectorConfig.get(PRODUCER_ACKS);
    if (acks == null) {
      return new String[] {
        PRODUCER_ACKS,
        PRODUCER_ACKS
            + " must be set to all on this "
            + "connector: an AA promises the message is in Kafka with acks=all"
      };
    }
    if (!acks.trim().equals("all") && !acks.trim().equals("-1")) {
      return new String[] {
        PRODUCER_ACKS,
        PRODUCER_ACKS
            + "="
            + acks
            + " is not allowed: "
            + "set it to all (an AA promises the message is in Kafka with acks=all)"
      };
    }
    String idem = connectorConfig.get(PRODUCER_IDEMPOTENCE);
    if (idem != null && !idem.trim().equalsIgnoreCase("true")) {
      return new String[] {
        PRODUCER_IDEMPOTENCE,
        PRODUCER_IDEMPOTENCE
            + "="
            + idem
            + " is not allowed: resends after a broker failure would duplicate records"
      };
    }
    return null;
  }

  /** Ports: a non-empty list of distinct integers 1..65535. */
  static final class PortsValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      @SuppressWarnings("unchecked")
      List<String> ports = (List<String>) value;
      if (ports == null || ports.isEmpty()) {
        throw new ConfigException(name, value, "at least one port is needed");
      }
      Set<Integer> seen = new HashSet<>();
      for (String p : ports) {
        int port;
        try {
          port = Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(name, value, "\"" + p + "\" is not a port number");
        }
        if (port < 1 || port > 65535) {
          throw new ConfigException(name, value, port + " is not in 1..65535");
        }
        if (!seen.add(port)) {
          throw new ConfigException(name, value, "port " + port + " is listed twice");
        }
      }
    }

    @Override
    public String toString() {
      return "distinct ports 1..65535, one task each";
    }
  }

  /** Recommends a fixed set of values. */
  static final class ValuesRecommender implements ConfigDef.Recommender {
    private final List<Object> values;

    ValuesRecommender(List<String> values) {
      this.values = List.copyOf(values);
    }

    @Override
    public List<Object> validValues(String name, Map<String, Object> parsedConfig) {
      return values;
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsedConfig) {
      return true;
    }
  }

  /** The TLS settings after the certificate chain are shown once a chain is set. */
  static final class TlsRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsedConfig) {
      return List.of();
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsedConfig) {
      return parsedConfig.get(TLS_CERT_CHAIN) != null;
    }
  }
}
