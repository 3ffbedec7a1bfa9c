package io.vitalflow.connect.warehouse.dataapi;

import io.vitalflow.connect.warehouse.Warehouse;
import io.vitalflow.connect.warehouse.WarehouseSinkConfig;
import io.vitalflow.connect.warehouse.dialect.DatabaseDialect;
import io.vitalflow.connect.warehouse.dialect.RedshiftDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.dialect.Values;
import io.vitalflow.connect.warehouse.model.Column;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * {@link Warehouse} over the Redshift Data API. The Data API runs each call in its own session, so
 * the staging table is a regular table per batch ({@code vf_stg_<task>_<table>_<random>}): created,
 * filled by ExecuteStatement multi-row INSERTs whose values are all bound as named parameters (NULL
 * and '' are written as the SQL constants, because the Data API has no null parameter and rejects
 * empty values), then merged and dropped by ONE BatchExecuteStatement, which the Data API runs as a
 * single transaction. Staging tables that this task number left behind (a crash between creating
 * and merging one) are dropped before its first batch; other tasks' are theirs, in use or not.
 */
public class DataApiWarehouse implements Warehouse {
  /** Keep each statement well under the Data API's 100 KB SQL limit. */
  static final int MAX_STATEMENT_CHARS = 60_000;

  static final int MAX_ROWS_PER_INSERT = 500;
  static final String STAGING_PREFIX = "vf_stg_";

  private final RedshiftDialect dialect = new RedshiftDialect();
  private final String schema;
  private final long handle;
  private final SecureRandom random = new SecureRandom();

  /** {@code vf_stg_<task number>_}: the names of this task's staging tables start so. */
  private final String stagingPrefix;

  private boolean cleaned;

  DataApiWarehouse(long handle, String schema, int taskNumber) {
    this.handle = handle;
    this.schema = schema;
    this.stagingPrefix = STAGING_PREFIX + taskNumber + "_";
  }

  public static DataApiWarehouse open(WarehouseSinkConfig c) {
    RedshiftDataNative.load();
    List<String> s = new ArrayList<>();
    add(s, "region", c.getString(WarehouseSinkConfig.DATA_API_REGION));
    add(s, "endpoint_url", c.getString(WarehouseSinkConfig.DATA_API_ENDPOINT));
    add(s, "cluster_identifier", c.getString(WarehouseSinkConfig.DATA_API_CLUSTER));
    add(s, "workgroup_name", c.getString(WarehouseSinkConfig.DATA_API_WORKGROUP));
    add(s, "database", c.getString(WarehouseSinkConfig.DATA_API_DATABASE));
    add(s, "db_user", c.getString(WarehouseSinkConfig.DATA_API_DB_USER));
    add(s, "secret_arn", c.getString(WarehouseSinkConfig.DATA_API_SECRET_ARN));
    add(s, "access_key_id", c.getString(WarehouseSinkConfig.DATA_API_ACCESS_KEY_ID));
    add(
        s,
        "secret_access_key",
        c.getPassword(WarehouseSinkConfig.DATA_API_SECRET_ACCESS_KEY).value());
    add(s, "session_token", c.getPassword(WarehouseSinkConfig.DATA_API_SESSION_TOKEN).value());
    add(s, "poll_interval_ms", String.valueOf(c.getLong(WarehouseSinkConfig.DATA_API_POLL_MS)));
    add(
        s,
        "statement_timeout_ms",
        String.valueOf(c.getLong(WarehouseSinkConfig.DATA_API_TIMEOUT_MS)));
    long h = RedshiftDataNative.open0(s.toArray(String[]::new));
    return new DataApiWarehouse(h, c.schemaName(), c.taskNumber());
  }

  private static void add(List<String> s, String k, String v) {
    if (v != null && !v.isEmpty()) {
      s.add(k);
      s.add(v);
    }
  }

  @Override
  public DatabaseDialect dialect() {
    return dialect;
  }

  private static WarehouseException wrap(String what, DataApiException e) {
    return new WarehouseException(what + ": " + e.getMessage(), e, e.retriable());
  }

  /** Rows of a query, each a list of column values (null = NULL). */
  List<List<String>> query(String sql, String... params) {
    String[] out = RedshiftDataNative.execute0(handle, sql, params);
    int n = Integer.parseInt(out[0]);
    List<List<String>> rows = new ArrayList<>();
    if (n == 0) return rows;
    for (int i = 1 + n; i + n <= out.length; i += n) {
      List<String> row = new ArrayList<>(n);
      for (int k = 0; k < n; k++) row.add(out[i + k]);
      rows.add(row);
    }
    return rows;
  }

  @Override
  public List<String> columnsOf(TableId t) {
    try {
      cleanStaging();
      List<String> out = new ArrayList<>();
      for (List<String> r :
          query(
              "SELECT column_name FROM information_schema.columns WHERE table_schema = :schema "
                  + "AND table_name = :table ORDER BY ordinal_position",
              "schema",
              t.schema(),
              "table",
              t.table())) {
        out.add(r.get(0).toLowerCase(Locale.ROOT));
      }
      return out;
    } catch (DataApiException e) {
      throw wrap("reading the columns of " + t, e);
    }
  }

  /**
   * Drops the staging tables that an earlier run of this task number left behind (once per task):
   * only its own, since the connector's other tasks may be filling theirs right now.
   */
  private void cleanStaging() {
    if (cleaned) return;
    for (List<String> r :
        query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema "
                + "AND table_name LIKE :pattern",
            "schema",
            schema,
            "pattern",
            "vf%")) {
      String name = r.get(0);
      if (isOwnStagingTable(name)) {
        RedshiftDataNative.execute0(
            handle,
            "DROP TABLE IF EXISTS " + dialect.qualified(new TableId(schema, name)),
            new String[0]);
      }
    }
    cleaned = true;
  }

  /** Whether {@code name} is a staging table of this task: {@code vf_stg_<task>_<letters...>}. */
  boolean isOwnStagingTable(String name) {
    return name.startsWith(stagingPrefix)
        && name.length() > stagingPrefix.length()
        && name.chars().allMatch(ch -> Character.isLetterOrDigit(ch) && ch < 128 || ch == '_');
  }

  @Override
  public void executeDdl(List<String> statements) {
    for (String sql : statements) {
      try {
        RedshiftDataNative.execute0(handle, sql, new String[0]);
      } catch (DataApiException e) {
        throw wrap("DDL failed [" + sql + "]", e);
      }
    }
  }

  @Override
  public void upsert(List<TableBatch> batches) {
    List<String> merge = new ArrayList<>();
    List<String> created = new ArrayList<>();
    try {
      for (TableBatch b : batches) {
        String stgName =
            stagingPrefix + b.table().table() + "_" + HexFormat.of().formatHex(randomBytes());
        String stg = dialect.qualified(new TableId(b.table().schema(), stgName));
        RedshiftDataNative.execute0(
            handle,
            "CREATE TABLE " + stg + " (LIKE " + dialect.qualified(b.table()) + ")",
            new String[0]);
        created.add(stg);
        stage(stg, b);
        merge.addAll(dialect.mergeFromStaging(b.table(), stg, b.columns(), b.model(), null));
        merge.add("DROP TABLE " + stg);
      }
      RedshiftDataNative.batch0(handle, merge.toArray(String[]::new));
    } catch (DataApiException e) {
      for (String stg : created) {
        try {
          RedshiftDataNative.execute0(handle, "DROP TABLE IF EXISTS " + stg, new String[0]);
        } catch (DataApiException ignored) {
          // dropped at the next start
        }
      }
      throw wrap("Data API upsert failed", e);
    }
  }

  private byte[] randomBytes() {
    byte[] b = new byte[8];
    random.nextBytes(b);
    return b;
  }

  /** Multi-row INSERTs into the staging table, every value a named parameter. */
  private void stage(String stg, TableBatch b) {
    StringJoiner cj = new StringJoiner(", ");
    for (Column c : b.columns()) cj.add(dialect.quote(c.name()));
    String head = "INSERT INTO " + stg + " (" + cj + ") VALUES ";
    StringBuilder sql = new StringBuilder(head);
    List<String> params = new ArrayList<>();
    int rowsIn = 0;
    int size = head.length();
    for (Object[] row : b.rows()) {
      List<String> p = new ArrayList<>();
      String tuple = tuple(row, b.columns(), params.size() / 2, p);
      int cost = tuple.length() + 2 + weight(p);
      if (rowsIn > 0 && (rowsIn >= MAX_ROWS_PER_INSERT || size + cost > MAX_STATEMENT_CHARS)) {
        RedshiftDataNative.execute0(handle, sql.toString(), params.toArray(String[]::new));
        sql.setLength(0);
        sql.append(head);
        params.clear();
        rowsIn = 0;
        size = head.length();
        p.clear();
        tuple = tuple(row, b.columns(), 0, p);
      }
      if (rowsIn > 0) sql.append(", ");
      sql.append(tuple);
      params.addAll(p);
      size += cost;
      rowsIn++;
    }
    if (rowsIn > 0)
      RedshiftDataNative.execute0(handle, sql.toString(), params.toArray(String[]::new));
  }

  /** "(:p7, NULL, '', :p8)" for one row; adds name, value pairs to {@code params}. */
  static String tuple(Object[] row, List<Column> columns, int firstParam, List<String> params) {
    StringBuilder one = new StringBuilder("(");
    int k = firstParam;
    for (int i = 0; i < row.length; i++) {
      if (i > 0) one.append(", ");
      Object v = row[i];
      if (v == null) {
        one.append("NULL");
        continue;
      }
      String text = Values.text(v, columns.get(i));
      if (text.isEmpty()) {
        one.append("''");
        continue;
      }
      String name = "p" + (k++);
      one.append(':').append(name);
      params.add(name);
      params.add(text);
    }
    return one.append(')').toString();
  }

  private static int weight(List<String> params) {
    int n = 0;
    for (String s : params) n += s.length() + 16;
    return n;
  }

  @Override
  public void close() {
    RedshiftDataNative.close0(handle);
  }
}
