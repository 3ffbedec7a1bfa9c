package io.vitalflow.connect.warehouse.dialect;

import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Amazon Redshift over JDBC (Amazon's driver): multi-row INSERTs with bound values into a temporary
 * staging table, then Redshift's staging-table recipe: {@code DELETE ... USING} the staged keys and
 * {@code INSERT ... SELECT}, in the caller's transaction. Tables get {@code DISTKEY(patient_id)}
 * and {@code SORTKEY(<time column>)}; VARCHAR lengths are bytes.
 */
public class RedshiftDialect extends PostgresDialect {
  /**
   * Redshift's JDBC driver (and the server protocol) allows at most 32767 bind parameters per
   * statement.
   */
  static final int MAX_PARAMETERS = 32_767;

  /** Rows per staging INSERT (bounded further by MAX_PARAMETERS). */
  static final int ROWS_PER_INSERT = 1_000;

  @Override
  public String name() {
    return "redshift";
  }

  @Override
  public boolean lengthInBytes() {
    return true;
  }

  @Override
  public String createTable(TableId t, List<Column> columns, TableModel model) {
    return "CREATE TABLE IF NOT EXISTS "
        + qualified(t)
        + " ("
        + columnDefinitions(columns, model)
        + ", PRIMARY KEY ("
        + quotedList(model.naturalKey())
        + "))"
        + " DISTKEY("
        + quote(model.distKey())
        + ") SORTKEY("
        + quote(model.sortKey())
        + ")";
  }

  @Override
  public void upsert(
      Connection c, TableId t, List<Column> columns, List<Object[]> rows, TableModel model)
      throws SQLException {
    String stg = quote(stagingName(t));
    try (Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + stg);
      st.execute("CREATE TEMP TABLE " + stg + " (LIKE " + qualified(t) + ")");
    }
    String cols = quotedList(columns.stream().map(Column::name).toList());
    int perInsert = Math.max(1, Math.min(ROWS_PER_INSERT, MAX_PARAMETERS / columns.size()));
    for (int from = 0; from < rows.size(); from += perInsert) {
      List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + perInsert));
      try (PreparedStatement ps =
          c.prepareStatement(multiRowInsert(stg, cols, columns.size(), chunk.size()))) {
        int p = 1;
        for (Object[] row : chunk) {
          for (int i = 0; i < row.length; i++) Values.bind(ps, p++, row[i], columns.get(i));
        }
        ps.executeUpdate();
      }
    }
    try (Statement st = c.createStatement()) {
      for (String sql : mergeFromStaging(t, stg, columns, model, null)) st.executeUpdate(sql);
      st.execute("DROP TABLE " + stg);
    }
  }

  static String multiRowInsert(String stagingQuoted, String cols, int width, int rows) {
    StringBuilder b =
        new StringBuilder("INSERT INTO ")
            .append(stagingQuoted)
            .append(" (")
            .append(cols)
            .append(") VALUES ");
    StringBuilder one = new StringBuilder("(");
    for (int i = 0; i < width; i++) one.append(i == 0 ? "?" : ", ?");
    one.append(')');
    for (int r = 0; r < rows; r++) {
      if (r > 0) b.append(", ");
      b.append(one);
    }
    return b.toString();
  }

  /**
   * The staging-table upsert: delete the target rows whose key is staged (unless the target row is
   * newer by the version column), then insert the staged rows whose key is no longer in the target.
   *
   * @param stagingFilter an extra condition on the staging rows (e.g. a batch id), or null
   */
  public List<String> mergeFromStaging(
      TableId t,
      String stagingQuoted,
      List<Column> columns,
      TableModel model,
      String stagingFilter) {
    String target = qualified(t);
    StringJoiner on = new StringJoiner(" AND ");
    for (String k : model.naturalKey()) on.add(target + "." + quote(k) + " = s." + quote(k));
    String keyMatch = on.toString();
    String filter = stagingFilter == null ? "" : " AND " + stagingFilter;
    String guard = "";
    if (model.versionColumn() != null
        && columns.stream().anyMatch(x -> x.name().equals(model.versionColumn()))) {
      String v = quote(model.versionColumn());
      guard = " AND (" + target + "." + v + " IS NULL OR " + target + "." + v + " <= s." + v + ")";
    }
    String cols = quotedList(columns.stream().map(Column::name).toList());
    StringJoiner sel = new StringJoiner(", ");
    for (Column col : columns) sel.add("s." + quote(col.name()));
    List<String> out = new ArrayList<>();
    out.add(
        "DELETE FROM "
            + target
            + " USING "
            + stagingQuoted
            + " s WHERE "
            + keyMatch
            + filter
            + guard);
    out.add(
        "INSERT INTO "
            + target
            + " ("
            + cols
            + ") SELECT "
            + sel
            + " FROM "
            + stagingQuoted
            + " s WHERE NOT EXISTS (SELECT 1 FROM "
            + target
            + " WHERE "
            + keyMatch
            + ")"
            + filter);
    return out;
  }
}
