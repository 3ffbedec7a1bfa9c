package io.vitalflow.connect.warehouse.model;

/**
 * A warehouse column: its name (the record field's, nested fields joined by '_'), its type, and for
 * strings the most characters it holds.
 *
 * @param path for nested record fields, the field names from the top record down
 */
public record Column(String name, Type type, int length, boolean key, java.util.List<String> path) {

  public enum Type {
    STRING,
    INT,
    BIGINT,
    REAL,
    DOUBLE,
    BOOLEAN,
    TIMESTAMPTZ,
    DATE
  }

  public Column {
    path = java.util.List.copyOf(path);
  }

  public static Column of(String name, Type type, int length, boolean key) {
    return new Column(name, type, length, key, java.util.List.of(name));
  }
}
