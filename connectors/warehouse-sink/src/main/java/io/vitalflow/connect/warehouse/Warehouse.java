package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.dialect.DatabaseDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import java.util.List;

/**
 * A session with the warehouse: DDL, and the transactional upsert of a batch. Implemented over JDBC
 * ({@link JdbcWarehouse}) and over the Redshift Data API ({@code dataapi.DataApiWarehouse}).
 * Failures are {@link WarehouseException}s that say whether they are connectivity failures.
 */
public interface Warehouse extends AutoCloseable {

  /** Rows for one table, with the columns of the record schema they came from. */
  record TableBatch(TableId table, TableModel model, List<Column> columns, List<Object[]> rows) {}

  DatabaseDialect dialect();

  /** Lower-case column names of {@code t}; empty when it does not exist. */
  List<String> columnsOf(TableId t);

  /** Runs DDL statements, each in its own transaction. */
  void executeDdl(List<String> statements);

  /** Stages and upserts every batch, all in ONE transaction, and commits it. */
  void upsert(List<TableBatch> batches);

  @Override
  void close();

  /**
   * A warehouse failure; {@code connectivity} = retry (never the DLQ), else a data or SQL problem.
   */
  class WarehouseException extends RuntimeException {
    private final boolean connectivity;

    public WarehouseException(String message, Throwable cause, boolean connectivity) {
      super(message, cause);
      this.connectivity = connectivity;
    }

    public boolean connectivity() {
      return connectivity;
    }
  }
}
