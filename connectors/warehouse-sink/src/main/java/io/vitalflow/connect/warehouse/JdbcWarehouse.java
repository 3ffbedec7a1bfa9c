package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.dialect.DatabaseDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * {@link Warehouse} over one JDBC connection (PostgreSQL or Redshift), reopened after a failure.
 */
public class JdbcWarehouse implements Warehouse {
  private final DatabaseDialect dialect;
  private final String url;
  private final Properties props = new Properties();
  private Connection connection;

  public JdbcWarehouse(DatabaseDialect dialect, String url, String user, String password) {
    this.dialect = dialect;
    this.url = url;
    if (user != null) props.setProperty("user", user);
    if (password != null) props.setProperty("password", password);
    props.setProperty("ApplicationName", "vitalflow-warehouse-sink");
    // fail fast on a dead server instead of hanging the task
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "300");
    // pgjdbc puts the server's DETAIL ("Failing row contains (...)": the row's values, patient
    // data) into every exception message, which reaches the log, the DLQ headers and Connect's
    // REST status; without it the message keeps the error and the constraint, not the values
    props.setProperty("logServerErrorDetail", "false");
  }

  @Override
  public DatabaseDialect dialect() {
    return dialect;
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      // the plugin's class loader has the drivers; DriverManager may not see them through the TCCL
      ensureDrivers();
      connection = DriverManager.getConnection(url, props);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  private static volatile boolean driversLoaded;

  private static void ensureDrivers() {
    if (driversLoaded) return;
    for (String d : new String[] {"org.postgresql.Driver", "com.amazon.redshift.jdbc.Driver"}) {
      try {
        Class.forName(d, true, JdbcWarehouse.class.getClassLoader());
      } catch (ClassNotFoundException ignored) {
        // a driver that is not packaged is simply not available
      }
    }
    driversLoaded = true;
  }

  private WarehouseException failure(String what, SQLException e) {
    boolean connectivity = dialect.isConnectivityFailure(e);
    if (connectivity) closeQuietly();
    else rollbackQuietly();
    return new WarehouseException(
        what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e, connectivity);
  }

  @Override
  public List<String> columnsOf(TableId t) {
    try {
      Connection c = connection();
      List<String> cols = dialect.columnsOf(c, t);
      c.commit();
      return cols;
    } catch (SQLException e) {
      throw failure("reading the columns of " + t, e);
    }
  }

  @Override
  public void executeDdl(List<String> statements) {
    for (String sql : statements) {
      try {
        Connection c = connection();
        try (Statement st = c.createStatement()) {
          st.execute(sql);
        }
        c.commit();
      } catch (SQLException e) {
        throw failure("DDL failed [" + sql + "]", e);
      }
    }
  }

  @Override
  public void upsert(List<TableBatch> batches) {
    try {
      Connection c = connection();
      for (TableBatch b : batches) {
        dialect.upsert(c, b.table(), b.columns(), b.rows(), b.model());
      }
      c.commit();
    } catch (SQLException e) {
      throw failure("upsert failed", e);
    } catch (RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  private void rollbackQuietly() {
    try {
      if (connection != null && !connection.isClosed()) connection.rollback();
    } catch (SQLException e) {
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      if (connection != null) connection.close();
    } catch (SQLException ignored) {
      // already broken
    }
    connection = null;
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
