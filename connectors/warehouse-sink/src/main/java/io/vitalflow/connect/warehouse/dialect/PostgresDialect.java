package io.vitalflow.connect.warehouse.dialect;

import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.StringJoiner;
import org.postgresql.PGConnection;

/**
 * PostgreSQL: rows are streamed with {@code COPY ... FROM STDIN (FORMAT csv)} through pgjdbc's
 * CopyManager into a temporary staging table (dropped at commit), then upserted with {@code INSERT
 * ... SELECT ... ON CONFLICT (natural key) DO UPDATE}.
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

  @Override
  public void upsert(
      Connection c, TableId t, List<Column> columns, List<Object[]> rows, TableModel model)
      throws SQLException {
    String stg = quote(stagingName(t));
    String cols = quotedList(columns.stream().map(Column::name).toList());
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE "
              + stg
              + " (LIKE "
              + qualified(t)
              + " INCLUDING DEFAULTS) ON COMMIT DROP");
    }
    byte[] csv = csv(columns, rows);
    try {
      long n =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY " + stg + " (" + cols + ") FROM STDIN (FORMAT csv)",
                  new ByteArrayInputStream(csv));
      if (n != rows.size()) throw new SQLException("COPY loaded " + n + " rows of " + rows.size());
    } catch (IOException e) {
      throw new SQLException("COPY stream failed: " + e.getMessage(), "08006", e);
    }
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(qualified(t))
            .append(" AS t (")
            .append(cols)
            .append(") SELECT ")
            .append(cols)
            .append(" FROM ")
            .append(stg)
            .append(" ON CONFLICT (")
            .append(quotedList(model.naturalKey()))
            .append(") DO ");
    StringJoiner set = new StringJoiner(", ");
    for (Column col : columns) {
      if (!model.naturalKey().contains(col.name()))
        set.add(quote(col.name()) + " = EXCLUDED." + quote(col.name()));
    }
    if (set.length() == 0) {
      sql.append("NOTHING");
    } else {
      sql.append("UPDATE SET ").append(set);
      if (model.versionColumn() != null
          && columns.stream().anyMatch(x -> x.name().equals(model.versionColumn()))) {
        String v = quote(model.versionColumn());
        sql.append(" WHERE t.")
            .append(v)
            .append(" IS NULL OR t.")
            .append(v)
            .append(" <= EXCLUDED.")
            .append(v);
      }
    }
    try (Statement st = c.createStatement()) {
      st.executeUpdate(sql.toString());
    }
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
