package io.vitalflow.connect.warehouse.dialect;

import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between the warehouses (kafka-connect-jdbc's {@code DatabaseDialect} is the model):
 * quoting, column types, DDL, and the bulk write path (stage, then upsert by natural key in one
 * transaction). Every statement binds its values; identifiers come from validated names and are
 * always quoted.
 */
public interface DatabaseDialect {

  String name();

  /** A quoted identifier. */
  default String quote(String identifier) {
    return io.vitalflow.connect.warehouse.model.Identifiers.quote(identifier);
  }

  default String qualified(TableId t) {
    return quote(t.schema()) + "." + quote(t.table());
  }

  /** The SQL type of a column. */
  String columnType(Column c);

  /** Whether string lengths are counted in UTF-8 bytes (Redshift) rather than characters. */
  boolean lengthInBytes();

  default String createSchema(String schema) {
    return "CREATE SCHEMA IF NOT EXISTS " + quote(schema);
  }

  /**
   * CREATE TABLE of a model table with these columns (the key columns NOT NULL, the natural key as
   * primary key).
   */
  String createTable(TableId t, List<Column> columns, TableModel model);

  default String addColumn(TableId t, Column c) {
    return "ALTER TABLE " + qualified(t) + " ADD COLUMN " + quote(c.name()) + " " + columnType(c);
  }

  /** Lower-case column names of a table, empty when it does not exist. */
  default List<String> columnsOf(Connection c, TableId t) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (var ps =
        c.prepareStatement(
            "SELECT column_name FROM information_schema.columns "
                + "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.table());
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1).toLowerCase(java.util.Locale.ROOT));
      }
    }
    return out;
  }

  /**
   * Stages {@code rows} (values for {@code columns}, at most one per natural key) and upserts them
   * into {@code t} by the model's natural key, in the connection's current transaction; the caller
   * commits.
   */
  void upsert(Connection c, TableId t, List<Column> columns, List<Object[]> rows, TableModel model)
      throws SQLException;

  /**
   * Whether this failure means the database was unreachable or the session broke (retry), rather
   * than bad data.
   */
  default boolean isConnectivityFailure(SQLException e) {
    for (Throwable x = e; x != null; x = x.getCause()) {
      if (x instanceof SQLException s) {
        String state = s.getSQLState();
        // 08: connection exception; 57P: operator intervention (admin shutdown, crash); 53:
        // insufficient resources
        // 40001/40P01: serialization failure / deadlock (a retry resolves them)
        if (state != null
            && (state.startsWith("08")
                || state.startsWith("57P")
                || state.startsWith("53")
                || state.equals("40001")
                || state.equals("40P01"))) {
          return true;
        }
        if (s instanceof java.sql.SQLTransientException
            || s instanceof java.sql.SQLRecoverableException) return true;
      }
      if (x instanceof java.io.IOException) return true;
    }
    return false;
  }

  /** The analyst views (SQL shared by PostgreSQL and Redshift). */
  default List<String> createViews(String schema, String prefix) {
    return Views.create(this, schema, prefix);
  }
}
