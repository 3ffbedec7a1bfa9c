package io.vitalflow.connect.warehouse.dialect;

import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.PGConnection;

/**
 * PostgreSQL. Rows are sorted by natural key and encoded for {@code COPY ... FROM STDIN (FORMAT
 * binary)} (CSV when the server encoding is not UTF8). Facts (tables without a version column) are
 * first COPYed straight into their table under a savepoint: their keys are new except on a replay,
 * and the unique index refuses an existing one. Otherwise, or when the COPY meets an existing key,
 * the rows are COPYed into a temporary staging table (dropped at commit) and upserted with {@code
 * INSERT ... SELECT ... ON CONFLICT (natural key) DO UPDATE}. The caller commits.
 */
public class PostgresDialect implements DatabaseDialect {

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public boolean lengthInBytes() {
    return false;
  }

  @Override
  public String columnType(Column c) {
    return switch (c.type()) {
      case STRING -> "VARCHAR(" + c.length() + ")";
      case INT -> "INTEGER";
      case BIGINT -> "BIGINT";
      case REAL -> "REAL";
      case DOUBLE -> "DOUBLE PRECISION";
      case BOOLEAN -> "BOOLEAN";
      case TIMESTAMPTZ -> "TIMESTAMPTZ";
      case DATE -> "DATE";
    };
  }

  @Override
  public String createTable(TableId t, List<Column> columns, TableModel model) {
    return "CREATE TABLE IF NOT EXISTS "
        + qualified(t)
        + " ("
        + columnDefinitions(columns, model)
        + ", PRIMARY KEY ("
        + quotedList(model.naturalKey())
        + "))";
  }

  protected String columnDefinitions(List<Column> columns, TableModel model) {
    StringJoiner j = new StringJoiner(", ");
    for (Column c : columns) {
      String def = quote(c.name()) + " " + columnType(c);
      if (model.naturalKey().contains(c.name())) {
        def += " NOT NULL";
        if (model.keyDefaults().contains(c.name())) def += " DEFAULT ''";
      }
      j.add(def);
    }
    return j.toString();
  }

  protected String quotedList(List<String> names) {
    StringJoiner j = new StringJoiner(", ");
    for (String n : names) j.add(quote(n));
    return j.toString();
  }

  protected static String stagingName(TableId t) {
    return "stg_" + t.table();
  }

  /**
   * After a batch of a table met existing keys (a replay, a restarted task), this many following
   * batches of that table go straight to {@code ON CONFLICT} instead of trying a plain INSERT
   * first.
   */
  static final int CONFLICT_MODE_BATCHES = 16;

  /** Per table: batches left that skip the plain INSERT (see {@link #CONFLICT_MODE_BATCHES}). */
  private final Map<String, Integer> conflictMode = new ConcurrentHashMap<>();

  private volatile LoadTimings timings;

  /** Where the time of {@link #upsert} goes, for the load benchmark (null: not measured). */
  public PostgresDialect timings(LoadTimings t) {
    this.timings = t;
    return this;
  }

  /**
   * Nanoseconds per phase of {@link #upsert}: rows to COPY bytes, COPY into the staging table, the
   * upsert into the target, and how often the plain INSERT met existing keys.
   */
  public static final class LoadTimings {
    public long convertNanos, copyNanos, mergeNanos;
    public int directCopies, plainInserts, conflictFallbacks, onConflictUpserts;
  }

  @Override
  public void upsert(
      Connection c, TableId t, List<Column> columns, List<Object[]> rows, TableModel model)
      throws SQLException {
    LoadTimings tm = timings;
    long t0 = System.nanoTime();
    String cols = quotedList(columns.stream().map(Column::name).toList());
    boolean binary = binaryCopy(c);
    rows = inKeyOrder(rows, columns, model);
    byte[] data = binary ? PgBinaryCopy.encode(columns, rows) : csv(columns, rows);
    long t1 = System.nanoTime();
    if (tm != null) tm.convertNanos += t1 - t0;

    // Facts are immutable events: their keys are new except on a replay. Then the rows can go
    // straight into the table: COPY checks each key once, in the unique index it writes anyway
    // (INSERT ... ON CONFLICT probes the index first and inserts speculatively: an extra index
    // descent and WAL record per row). If a key exists, the unique index refuses the COPY; the
    // savepoint undoes it and the batch takes the staging + ON CONFLICT path, so the result is the
    // same either way.
    boolean appendFirst =
        model.versionColumn() == null && conflictMode.getOrDefault(t.table(), 0) == 0;
    if (!appendFirst) conflictMode.computeIfPresent(t.table(), (k, v) -> v <= 1 ? null : v - 1);
    if (appendFirst && binary && sameTypes(c, t, columns)) {
      Savepoint sp = c.setSavepoint();
      try {
        copy(c, qualified(t), cols, true, data, rows.size());
        c.releaseSavepoint(sp);
        if (tm != null) {
          tm.directCopies++;
          tm.copyNanos += System.nanoTime() - t1;
        }
        return;
      } catch (SQLException e) {
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e;
        c.rollback(sp);
        conflictMode.put(t.table(), CONFLICT_MODE_BATCHES);
        appendFirst = false;
        if (tm != null) tm.conflictFallbacks++;
      }
    }

    String stg = quote(stagingName(t));
    try (Statement st = c.createStatement()) {
      // binary COPY: a staging table of exactly the types the binary forms are written for (the
      // INSERT below casts to the target's types where they differ); CSV: the target's own types
      st.execute(
          binary
              ? "CREATE TEMP TABLE " + stg + " (" + stagingColumns(columns) + ") ON COMMIT DROP"
              : "CREATE TEMP TABLE "
                  + stg
                  + " (LIKE "
                  + qualified(t)
                  + " INCLUDING DEFAULTS) ON COMMIT DROP");
    }
    long t2 = System.nanoTime();
    copy(c, stg, cols, binary, data, rows.size());
    long t3 = System.nanoTime();
    String insert =
        "INSERT INTO " + qualified(t) + " AS t (" + cols + ") SELECT " + cols + " FROM " + stg;
    boolean done = false;
    if (appendFirst) { // CSV, or the target's column types differ from the sink's: INSERT first
      Savepoint sp = c.setSavepoint();
      try (Statement st = c.createStatement()) {
        st.executeUpdate(insert);
        c.releaseSavepoint(sp);
        done = true;
        if (tm != null) tm.plainInserts++;
      } catch (SQLException e) {
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e;
        c.rollback(sp);
        conflictMode.put(t.table(), CONFLICT_MODE_BATCHES);
        if (tm != null) tm.conflictFallbacks++;
      }
    }
    if (!done) {
      try (Statement st = c.createStatement()) {
        st.executeUpdate(insert + onConflict(columns, model));
      }
      if (tm != null) tm.onConflictUpserts++;
    }
    if (tm != null) {
      tm.copyNanos += t3 - t2;
      tm.mergeNanos += System.nanoTime() - t3;
    }
  }

  private static void copy(
      Connection c, String table, String cols, boolean binary, byte[] data, int rows)
      throws SQLException {
    try {
      long n =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY "
                      + table
                      + " ("
                      + cols
                      + ") FROM STDIN (FORMAT "
                      + (binary ? "binary" : "csv")
                      + ")",
                  new ByteArrayInputStream(data));
      if (n != rows) throw new SQLException("COPY loaded " + n + " rows of " + rows);
    } catch (IOException e) {
      throw new SQLException("COPY stream failed: " + e.getMessage(), "08006", e);
    }
  }

  /** Per table and column list: whether the table's column types are the sink's own. */
  private final Map<String, Boolean> sameTypes = new ConcurrentHashMap<>();

  /**
   * Whether the binary forms of {@code columns} can be copied into {@code t} itself: every column
   * has the type (ignoring VARCHAR lengths, which the server checks) that {@link #columnType}
   * gives, as in tables this sink created. A table created otherwise (other types) is loaded
   * through the staging table, whose INSERT casts.
   */
  boolean sameTypes(Connection c, TableId t, List<Column> columns) throws SQLException {
    String key = t + "|" + columns.stream().map(Column::name).toList();
    Boolean known = sameTypes.get(key);
    if (known != null) return known;
    Map<String, String> actual = new java.util.HashMap<>();
    try (var ps =
        c.prepareStatement(
            "SELECT a.attname, a.atttypid::regtype::text FROM pg_attribute a"
                + " JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
                + " WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (var rs = ps.executeQuery()) {
        while (rs.next()) actual.put(rs.getString(1), rs.getString(2));
      }
    }
    boolean same = true;
    for (Column col : columns) {
      String want =
          switch (col.type()) {
            case STRING -> "character varying";
            case INT -> "integer";
            case BIGINT -> "bigint";
            case REAL -> "real";
            case DOUBLE -> "double precision";
            case BOOLEAN -> "boolean";
            case TIMESTAMPTZ -> "timestamp with time zone";
            case DATE -> "date";
          };
      if (!want.equals(actual.get(col.name()))) same = false;
    }
    sameTypes.put(key, same);
    return same;
  }

  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * The rows sorted by natural key, so that their entries go into the unique index in order:
   * consecutive inserts then hit the same or neighbouring leaf pages instead of pages all over the
   * index. Only locality depends on it (Java's String order is the code-unit order, close to the
   * database's collation); the result does not.
   */
  static List<Object[]> inKeyOrder(List<Object[]> rows, List<Column> columns, TableModel model) {
    if (rows.size() < 2) return rows;
    int[] key = new int[model.naturalKey().size()];
    for (int k = 0; k < key.length; k++) {
      key[k] = -1;
      for (int i = 0; i < columns.size(); i++)
        if (columns.get(i).name().equals(model.naturalKey().get(k))) key[k] = i;
      if (key[k] < 0) return rows;
    }
    List<Object[]> sorted = new java.util.ArrayList<>(rows);
    sorted.sort(
        (a, b) -> {
          for (int i : key) {
            int d = compareValues(a[i], b[i]);
            if (d != 0) return d;
          }
          return 0;
        });
    return sorted;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareValues(Object a, Object b) {
    if (a == b) return 0;
    if (a == null) return 1;
    if (b == null) return -1;
    if (a instanceof Comparable ca && a.getClass() == b.getClass()) return ca.compareTo(b);
    return a.toString().compareTo(b.toString());
  }

  /**
   * Binary COPY sends text as raw bytes in the server's encoding (no client_encoding conversion):
   * only when that is UTF8; otherwise CSV.
   */
  static boolean binaryCopy(Connection c) throws SQLException {
    return "UTF8"
        .equalsIgnoreCase(c.unwrap(PGConnection.class).getParameterStatus("server_encoding"));
  }

  private String stagingColumns(List<Column> columns) {
    StringJoiner j = new StringJoiner(", ");
    for (Column col : columns) j.add(quote(col.name()) + " " + columnType(col));
    return j.toString();
  }

  /** {@code ON CONFLICT (key) DO UPDATE SET ...} (a newer version wins where the model has one). */
  String onConflict(List<Column> columns, TableModel model) {
    StringBuilder sql =
        new StringBuilder(" ON CONFLICT (").append(quotedList(model.naturalKey())).append(") DO ");
    StringJoiner set = new StringJoiner(", "),
        stored = new StringJoiner(", ", "(", ")"),
        incoming = new StringJoiner(", ", "(", ")");
    for (Column col : columns) {
      if (!model.naturalKey().contains(col.name())) {
        String q = quote(col.name());
        set.add(q + " = EXCLUDED." + q);
        stored.add("t." + q);
        incoming.add("EXCLUDED." + q);
      }
    }
    if (set.length() == 0) {
      sql.append("NOTHING");
    } else {
      sql.append("UPDATE SET ").append(set);
      // a row that is already stored as it comes (a replay) is left alone: no new row version,
      // no index entries, no WAL
      sql.append(" WHERE ").append(stored).append(" IS DISTINCT FROM ").append(incoming);
      if (model.versionColumn() != null
          && columns.stream().anyMatch(x -> x.name().equals(model.versionColumn()))) {
        String v = quote(model.versionColumn());
        sql.append(" AND (t.")
            .append(v)
            .append(" IS NULL OR t.")
            .append(v)
            .append(" <= EXCLUDED.")
            .append(v)
            .append(")");
      }
    }
    return sql.toString();
  }

  /**
   * CSV for COPY: NULL is an unquoted empty field, every value is quoted (so '' stays an empty
   * string).
   */
  static byte[] csv(List<Column> columns, List<Object[]> rows) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(rows.size() * 64 * Math.max(1, columns.size()) / 4);
    StringBuilder b = new StringBuilder(256);
    for (Object[] row : rows) {
      b.setLength(0);
      for (int i = 0; i < row.length; i++) {
        if (i > 0) b.append(',');
        Object v = row[i];
        if (v == null) continue;
        String s = Values.text(v, columns.get(i));
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
          char ch = s.charAt(k);
          if (ch == '"') b.append('"');
          b.append(ch);
        }
        b.append('"');
      }
      b.append('\n');
      byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
      out.write(bytes, 0, bytes.length);
    }
    return out.toByteArray();
  }
}
