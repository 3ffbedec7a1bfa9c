package io.vitalflow.connect.warehouse.dialect;

/** A schema-qualified table or view name; both parts validated identifiers. */
public record TableId(String schema, String table) {
  @Override
  public String toString() {
    return schema + "." + table;
  }
}
