package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.model.Identifiers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The configuration of {@link WarehouseSinkConnector}: one {@link ConfigDef} in the style of
 * kafka-connect-jdbc (groups, {@code _DOC}/{@code _DISPLAY}/{@code _DEFAULT}, validators,
 * recommenders). docs/warehouse-sink-config.md is generated from it ({@link ConfigDoc}).
 */
public class WarehouseSinkConfig extends AbstractConfig {

  public enum Dialect {
    POSTGRESQL("postgresql"),
    REDSHIFT("redshift"),
    REDSHIFT_DATA_API("redshift-data-api");

    public final String configValue;

    Dialect(String configValue) {
      this.configValue = configValue;
    }

    public static Dialect of(String value) {
      for (Dialect d : values()) if (d.configValue.equalsIgnoreCase(value)) return d;
      throw new IllegalArgumentException(value);
    }
  }

  // ---------------------------------------------------------------- groups
  public static final String CONNECTION_GROUP = "Connection";
  public static final String DATA_API_GROUP = "Redshift Data API";
  public static final String TABLES_GROUP = "Tables";
  public static final String WRITES_GROUP = "Writes";
  public static final String DDL_GROUP = "DDL";
  public static final String RETRIES_GROUP = "Retries";

  // ---------------------------------------------------------------- connection
  public static final String CONNECTION_URL = "connection.url";
  private static final String CONNECTION_URL_DOC =
      "JDBC URL of the warehouse: jdbc:postgresql://host:port/db or "
          + "jdbc:redshift://cluster.region.redshift.amazonaws.com:5439/db. Not used by the redshift-data-api dialect "
          + "(which talks HTTPS to the Data API), where it may be left empty.";
  private static final String CONNECTION_URL_DISPLAY = "JDBC URL";
  private static final String CONNECTION_URL_DEFAULT = "";

  public static final String CONNECTION_USER = "connection.user";
  private static final String CONNECTION_USER_DOC = "Database user for JDBC connections.";
  private static final String CONNECTION_USER_DISPLAY = "JDBC user";

  public static final String CONNECTION_PASSWORD = "connection.password";
  private static final String CONNECTION_PASSWORD_DOC = "Password of connection.user.";
  private static final String CONNECTION_PASSWORD_DISPLAY = "JDBC password";

  public static final String DIALECT = "dialect";
  private static final String DIALECT_DOC =
      "Target warehouse: postgresql, redshift (Amazon's JDBC driver) or "
          + "redshift-data-api (the Redshift Data API through the native client in the plugin's lib/). When unset, "
          + "inferred from connection.url (jdbc:postgresql: or jdbc:redshift:).";
  private static final String DIALECT_DISPLAY = "Dialect";
  private static final String DIALECT_DEFAULT = "";

  // ---------------------------------------------------------------- Data API
  public static final String DATA_API_REGION = "data.api.region";
  private static final String DATA_API_REGION_DOC = "AWS region of the cluster or workgroup.";
  public static final String DATA_API_ENDPOINT = "data.api.endpoint.url";
  private static final String DATA_API_ENDPOINT_DOC =
      "Endpoint override for the Data API (e.g. a local test "
          + "endpoint); empty = the regional AWS endpoint.";
  public static final String DATA_API_CLUSTER = "data.api.cluster.identifier";
  private static final String DATA_API_CLUSTER_DOC =
      "Provisioned cluster identifier (set this or data.api.workgroup.name).";
  public static final String DATA_API_WORKGROUP = "data.api.workgroup.name";
  private static final String DATA_API_WORKGROUP_DOC =
      "Redshift Serverless workgroup name (set this or data.api.cluster.identifier).";
  public static final String DATA_API_DATABASE = "data.api.database";
  private static final String DATA_API_DATABASE_DOC = "Database name.";
  public static final String DATA_API_DB_USER = "data.api.db.user";
  private static final String DATA_API_DB_USER_DOC =
      "Database user for temporary IAM credentials (provisioned "
          + "clusters); leave empty with a secret ARN or a serverless workgroup.";
  public static final String DATA_API_SECRET_ARN = "data.api.secret.arn";
  private static final String DATA_API_SECRET_ARN_DOC =
      "Secrets Manager ARN holding the database credentials.";
  public static final String DATA_API_ACCESS_KEY_ID = "data.api.access.key.id";
  private static final String DATA_API_ACCESS_KEY_ID_DOC =
      "AWS access key id; empty = the SDK's default credential chain "
          + "(environment, profile, web identity, instance role).";
  public static final String DATA_API_SECRET_ACCESS_KEY = "data.api.secret.access.key";
  private static final String DATA_API_SECRET_ACCESS_KEY_DOC =
      "AWS secret access key of data.api.access.key.id.";
  public static final String DATA_API_SESSION_TOKEN = "data.api.session.token";
  private static final String DATA_API_SESSION_TOKEN_DOC =
      "AWS session token for temporary credentials.";
  public static final String DATA_API_POLL_MS = "data.api.poll.interval.ms";
  private static final String DATA_API_POLL_MS_DOC =
      "Interval between DescribeStatement calls while a statement runs.";
  public static final String DATA_API_TIMEOUT_MS = "data.api.statement.timeout.ms";
  private static final String DATA_API_TIMEOUT_MS_DOC =
      "How long to poll one statement before failing (retriably).";

  // ---------------------------------------------------------------- tables
  public static final String TABLE_MAPPING = "table.mapping";
  private static final String TABLE_MAPPING_DOC =
      "topic:table pairs, comma-separated. Each table is one of the "
          + "model's tables (fact_vital_sign, fact_news2_score, fact_alert, dim_patient), whose natural key the "
          + "sink knows; a topic not listed is an error.";
  private static final String TABLE_MAPPING_DISPLAY = "Topic to table";
  public static final String TABLE_MAPPING_DEFAULT =
      "vitals.observations:fact_vital_sign,vitals.scores:fact_news2_score,"
          + "vitals.alerts:fact_alert,patients:dim_patient";

  public static final String SCHEMA_NAME = "schema.name";
  private static final String SCHEMA_NAME_DOC =
      "Database schema of the tables and views; created when missing "
          + "(with auto.create). Validated as an identifier and always quoted.";
  private static final String SCHEMA_NAME_DISPLAY = "Schema";
  public static final String SCHEMA_NAME_DEFAULT = "public";

  public static final String TABLE_PREFIX = "table.name.prefix";
  private static final String TABLE_PREFIX_DOC =
      "Prefix of every table and view name (e.g. 'vf_'). Validated: "
          + "letters, digits and underscores.";
  private static final String TABLE_PREFIX_DISPLAY = "Table name prefix";

  // ---------------------------------------------------------------- writes
  public static final String BATCH_SIZE = "batch.size";
  private static final String BATCH_SIZE_DOC =
      "Most records staged and upserted in one transaction; a put() with "
          + "more records runs several transactions.";
  private static final String BATCH_SIZE_DISPLAY = "Batch size";
  private static final int BATCH_SIZE_DEFAULT = 10_000;

  // ---------------------------------------------------------------- DDL
  public static final String AUTO_CREATE = "auto.create";
  private static final String AUTO_CREATE_DOC =
      "Create missing tables (from the record schemas) and the analyst views.";
  public static final String AUTO_EVOLVE = "auto.evolve";
  private static final String AUTO_EVOLVE_DOC =
      "Add a nullable column (ALTER TABLE ... ADD COLUMN) when a record "
          + "schema gains a field, without a reload.";

  // ---------------------------------------------------------------- retries
  public static final String MAX_RETRIES = "max.retries";
  private static final String MAX_RETRIES_DOC =
      "Retries of a batch after a connectivity failure before the task fails; -1 (the default):"
          + " retry for as long as the warehouse is away, so an outage never fails the task (each retry"
          + " is a RetriableException with backoff; such failures never reach the DLQ). Only a data"
          + " error fails a record, which goes to the DLQ.";
  public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
  private static final String RETRY_BACKOFF_MS_DOC =
      "Wait before the first retry; doubled on each further retry, " + "up to 30 s.";

  public static final ConfigDef CONFIG_DEF = configDef();

  public static ConfigDef configDef() {
    ConfigDef d = new ConfigDef();
    int o = 0;
    d.define(
        CONNECTION_URL,
        Type.STRING,
        CONNECTION_URL_DEFAULT,
        Importance.HIGH,
        CONNECTION_URL_DOC,
        CONNECTION_GROUP,
        ++o,
        Width.LONG,
        CONNECTION_URL_DISPLAY);
    d.define(
        CONNECTION_USER,
        Type.STRING,
        null,
        Importance.HIGH,
        CONNECTION_USER_DOC,
        CONNECTION_GROUP,
        ++o,
        Width.MEDIUM,
        CONNECTION_USER_DISPLAY);
    d.define(
        CONNECTION_PASSWORD,
        Type.PASSWORD,
        null,
        Importance.HIGH,
        CONNECTION_PASSWORD_DOC,
        CONNECTION_GROUP,
        ++o,
        Width.MEDIUM,
        CONNECTION_PASSWORD_DISPLAY);
    d.define(
        DIALECT,
        Type.STRING,
        DIALECT_DEFAULT,
        new DialectValidator(),
        Importance.MEDIUM,
        DIALECT_DOC,
        CONNECTION_GROUP,
        ++o,
        Width.SHORT,
        DIALECT_DISPLAY,
        new DialectRecommender());

    o = 0;
    d.define(
        DATA_API_REGION,
        Type.STRING,
        "us-east-1",
        Importance.MEDIUM,
        DATA_API_REGION_DOC,
        DATA_API_GROUP,
        ++o,
        Width.SHORT,
        "Region");
    d.define(
        DATA_API_ENDPOINT,
        Type.STRING,
        "",
        Importance.LOW,
        DATA_API_ENDPOINT_DOC,
        DATA_API_GROUP,
        ++o,
        Width.LONG,
        "Endpoint override");
    d.define(
        DATA_API_CLUSTER,
        Type.STRING,
        "",
        Importance.MEDIUM,
        DATA_API_CLUSTER_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Cluster identifier");
    d.define(
        DATA_API_WORKGROUP,
        Type.STRING,
        "",
        Importance.MEDIUM,
        DATA_API_WORKGROUP_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Serverless workgroup");
    d.define(
        DATA_API_DATABASE,
        Type.STRING,
        "dev",
        Importance.MEDIUM,
        DATA_API_DATABASE_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Database");
    d.define(
        DATA_API_DB_USER,
        Type.STRING,
        "",
        Importance.MEDIUM,
        DATA_API_DB_USER_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Database user");
    d.define(
        DATA_API_SECRET_ARN,
        Type.STRING,
        "",
        Importance.MEDIUM,
        DATA_API_SECRET_ARN_DOC,
        DATA_API_GROUP,
        ++o,
        Width.LONG,
        "Secret ARN");
    d.define(
        DATA_API_ACCESS_KEY_ID,
        Type.STRING,
        "",
        Importance.LOW,
        DATA_API_ACCESS_KEY_ID_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Access key id");
    d.define(
        DATA_API_SECRET_ACCESS_KEY,
        Type.PASSWORD,
        "",
        Importance.LOW,
        DATA_API_SECRET_ACCESS_KEY_DOC,
        DATA_API_GROUP,
        ++o,
        Width.MEDIUM,
        "Secret access key");
    d.define(
        DATA_API_SESSION_TOKEN,
        Type.PASSWORD,
        "",
        Importance.LOW,
        DATA_API_SESSION_TOKEN_DOC,
        DATA_API_GROUP,
        ++o,
        Width.LONG,
        "Session token");
    d.define(
        DATA_API_POLL_MS,
        Type.LONG,
        50L,
        ConfigDef.Range.between(5, 60_000),
        Importance.LOW,
        DATA_API_POLL_MS_DOC,
        DATA_API_GROUP,
        ++o,
        Width.SHORT,
        "Poll interval (ms)");
    d.define(
        DATA_API_TIMEOUT_MS,
        Type.LONG,
        300_000L,
        ConfigDef.Range.atLeast(1000),
        Importance.LOW,
        DATA_API_TIMEOUT_MS_DOC,
        DATA_API_GROUP,
        ++o,
        Width.SHORT,
        "Statement timeout (ms)");

    o = 0;
    d.define(
        TABLE_MAPPING,
        Type.LIST,
        TABLE_MAPPING_DEFAULT,
        new TableMappingValidator(),
        Importance.HIGH,
        TABLE_MAPPING_DOC,
        TABLES_GROUP,
        ++o,
        Width.LONG,
        TABLE_MAPPING_DISPLAY);
    d.define(
        SCHEMA_NAME,
        Type.STRING,
        SCHEMA_NAME_DEFAULT,
        new IdentifierValidator(false),
        Importance.MEDIUM,
        SCHEMA_NAME_DOC,
        TABLES_GROUP,
        ++o,
        Width.MEDIUM,
        SCHEMA_NAME_DISPLAY);
    d.define(
        TABLE_PREFIX,
        Type.STRING,
        "",
        new IdentifierValidator(true),
        Importance.LOW,
        TABLE_PREFIX_DOC,
        TABLES_GROUP,
        ++o,
        Width.SHORT,
        TABLE_PREFIX_DISPLAY);

    o = 0;
    d.define(
        BATCH_SIZE,
        Type.INT,
        BATCH_SIZE_DEFAULT,
        ConfigDef.Range.between(1, 1_000_000),
        Importance.MEDIUM,
        BATCH_SIZE_DOC,
        WRITES_GROUP,
        ++o,
        Width.SHORT,
        BATCH_SIZE_DISPLAY);

    o = 0;
    d.define(
        AUTO_CREATE,
        Type.BOOLEAN,
        true,
        Importance.MEDIUM,
        AUTO_CREATE_DOC,
        DDL_GROUP,
        ++o,
        Width.SHORT,
        "Auto-create tables and views");
    d.define(
        AUTO_EVOLVE,
        Type.BOOLEAN,
        true,
        Importance.MEDIUM,
        AUTO_EVOLVE_DOC,
        DDL_GROUP,
        ++o,
        Width.SHORT,
        "Auto-evolve (add columns)");

    o = 0;
    d.define(
        MAX_RETRIES,
        Type.INT,
        -1,
        ConfigDef.Range.atLeast(-1),
        Importance.MEDIUM,
        MAX_RETRIES_DOC,
        RETRIES_GROUP,
        ++o,
        Width.SHORT,
        "Max retries");
    d.define(
        RETRY_BACKOFF_MS,
        Type.LONG,
        1000L,
        ConfigDef.Range.between(0, 600_000),
        Importance.MEDIUM,
        RETRY_BACKOFF_MS_DOC,
        RETRIES_GROUP,
        ++o,
        Width.SHORT,
        "Retry backoff (ms)");
    return d;
  }

  public final Dialect dialect;
  public final Map<String, String> topicTables;

  public WarehouseSinkConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props);
    this.dialect = resolveDialect(getString(DIALECT), getString(CONNECTION_URL));
    this.topicTables = parseMapping(getList(TABLE_MAPPING));
    if (dialect == Dialect.REDSHIFT_DATA_API) {
      boolean cluster = !getString(DATA_API_CLUSTER).isEmpty();
      boolean workgroup = !getString(DATA_API_WORKGROUP).isEmpty();
      if (cluster == workgroup) {
        throw new ConfigException(
            DATA_API_CLUSTER,
            getString(DATA_API_CLUSTER),
            "set exactly one of " + DATA_API_CLUSTER + " and " + DATA_API_WORKGROUP);
      }
      if (getString(DATA_API_DB_USER).isEmpty()
          && getString(DATA_API_SECRET_ARN).isEmpty()
          && cluster) {
        throw new ConfigException(
            DATA_API_DB_USER,
            "",
            "a provisioned cluster needs " + DATA_API_DB_USER + " or " + DATA_API_SECRET_ARN);
      }
    }
  }

  static Dialect resolveDialect(String configured, String url) {
    if (configured != null && !configured.isBlank()) return Dialect.of(configured.trim());
    if (url == null || url.isBlank()) {
      throw new ConfigException(
          DIALECT, configured, "set " + DIALECT + " or a " + CONNECTION_URL + " to infer it from");
    }
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:postgresql:")) return Dialect.POSTGRESQL;
    if (u.startsWith("jdbc:redshift:")) return Dialect.REDSHIFT;
    throw new ConfigException(
        CONNECTION_URL,
        url,
        "cannot infer the dialect from this URL (expected jdbc:postgresql: or jdbc:redshift:); set "
            + DIALECT);
  }

  static Map<String, String> parseMapping(List<String> entries) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String e : entries) {
      String s = e.trim();
      if (s.isEmpty()) continue;
      int c = s.lastIndexOf(':');
      if (c <= 0 || c == s.length() - 1) {
        throw new ConfigException(TABLE_MAPPING, e, "expected topic:table");
      }
      String table = s.substring(c + 1).trim();
      if (!io.vitalflow.connect.warehouse.model.WarehouseModel.TABLES.containsKey(table)) {
        throw new ConfigException(
            TABLE_MAPPING,
            e,
            "unknown table '"
                + table
                + "'; known: "
                + io.vitalflow.connect.warehouse.model.WarehouseModel.TABLES.keySet());
      }
      m.put(s.substring(0, c).trim(), table);
    }
    if (m.isEmpty()) throw new ConfigException(TABLE_MAPPING, entries, "no topic:table pair");
    return m;
  }

  public String schemaName() {
    return getString(SCHEMA_NAME);
  }

  /**
   * Set by {@link WarehouseSinkConnector#taskConfigs} on each task's copy of the configuration: the
   * task's number, 0 to tasks.max - 1. Not a user setting (not in the ConfigDef).
   */
  public static final String TASK_NUMBER = "vitalflow.task.number";

  /** This task's number ({@link #TASK_NUMBER}), 0 when the task was started without one. */
  public int taskNumber() {
    Object v = originals().get(TASK_NUMBER);
    if (v == null) return 0;
    try {
      int n = Integer.parseInt(v.toString());
      if (n >= 0) return n;
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new org.apache.kafka.common.config.ConfigException(TASK_NUMBER, v, "not a task number");
  }

  public String tablePrefix() {
    return getString(TABLE_PREFIX);
  }

  public int batchSize() {
    return getInt(BATCH_SIZE);
  }

  public boolean autoCreate() {
    return getBoolean(AUTO_CREATE);
  }

  public boolean autoEvolve() {
    return getBoolean(AUTO_EVOLVE);
  }

  public int maxRetries() {
    return getInt(MAX_RETRIES);
  }

  public long retryBackoffMs() {
    return getLong(RETRY_BACKOFF_MS);
  }

  public String password() {
    Password p = getPassword(CONNECTION_PASSWORD);
    return p == null ? null : p.value();
  }

  // ---------------------------------------------------------------- validators and recommenders
  static final class DialectValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || value.toString().isBlank()) return;
      try {
        Dialect.of(value.toString().trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, "must be one of " + toString());
      }
    }

    @Override
    public String toString() {
      return "["
          + String.join(", ", Arrays.stream(Dialect.values()).map(x -> x.configValue).toList())
          + "] or empty (inferred from connection.url)";
    }
  }

  static final class DialectRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsedConfig) {
      List<Object> v = new ArrayList<>();
      for (Dialect d : Dialect.values()) v.add(d.configValue);
      return v;
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsedConfig) {
      return true;
    }
  }

  static final class IdentifierValidator implements ConfigDef.Validator {
    private final boolean allowEmpty;

    IdentifierValidator(boolean allowEmpty) {
      this.allowEmpty = allowEmpty;
    }

    @Override
    public void ensureValid(String name, Object value) {
      String s = value == null ? "" : value.toString();
      if (s.isEmpty() && allowEmpty) return;
      String problem = Identifiers.problem(s, allowEmpty);
      if (problem != null) throw new ConfigException(name, value, problem);
    }

    @Override
    public String toString() {
      return "letters, digits and _, starting with a letter or _, at most "
          + Identifiers.MAX_LENGTH
          + " characters"
          + (allowEmpty ? " (may be empty)" : "");
    }
  }

  static final class TableMappingValidator implements ConfigDef.Validator {
    @Override
    @SuppressWarnings("unchecked")
    public void ensureValid(String name, Object value) {
      parseMapping((List<String>) value);
    }

    @Override
    public String toString() {
      return "comma-separated topic:table pairs; tables: "
          + String.join(", ", io.vitalflow.connect.warehouse.model.WarehouseModel.TABLES.keySet());
    }
  }
}
