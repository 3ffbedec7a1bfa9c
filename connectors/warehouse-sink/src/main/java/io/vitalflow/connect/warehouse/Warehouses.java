package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.dialect.PostgresDialect;
import io.vitalflow.connect.warehouse.dialect.RedshiftDialect;

/** Opens the {@link Warehouse} the config names. */
final class Warehouses {
  private Warehouses() {}

  static Warehouse open(WarehouseSinkConfig c) {
    return switch (c.dialect) {
      case POSTGRESQL ->
          new JdbcWarehouse(
              new PostgresDialect(),
              c.getString(WarehouseSinkConfig.CONNECTION_URL),
              c.getString(WarehouseSinkConfig.CONNECTION_USER),
              c.password());
      case REDSHIFT ->
          new JdbcWarehouse(
              new RedshiftDialect(),
              c.getString(WarehouseSinkConfig.CONNECTION_URL),
              c.getString(WarehouseSinkConfig.CONNECTION_USER),
              c.password());
      case REDSHIFT_DATA_API -> io.vitalflow.connect.warehouse.dataapi.DataApiWarehouse.open(c);
    };
  }
}
