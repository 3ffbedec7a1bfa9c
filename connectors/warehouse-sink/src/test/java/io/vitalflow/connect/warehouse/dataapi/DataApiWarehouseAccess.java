package io.vitalflow.connect.warehouse.dataapi;

import io.vitalflow.connect.warehouse.model.Column;
import java.util.List;

/** Test access to package-private parts of the Data API warehouse. */
public final class DataApiWarehouseAccess {
  private DataApiWarehouseAccess() {}

  /** Whether task {@code task}'s warehouse takes {@code name} for one of its staging tables. */
  public static boolean ownsStagingTable(int task, String name) {
    return new DataApiWarehouse(0, "public", task).isOwnStagingTable(name);
  }

  public static String tuple(Object[] row, List<Column> columns, int first, List<String> params) {
    return DataApiWarehouse.tuple(row, columns, first, params);
  }
}
