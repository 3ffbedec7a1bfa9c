package io.vitalflow.connect.warehouse.model;

import java.util.List;
import java.util.Map;

/**
 * What the sink knows about one model table beyond the record schema: the natural key, the Redshift
 * distribution and sort keys, the version column (a newer row wins; null = the last record wins),
 * and the sizes of its string columns.
 *
 * @param keyDefaults key columns that may be null in a record and are stored as '' instead (the
 *     sender fields of fact_vital_sign), so that the key stays NOT NULL
 */
public record TableModel(
    String name,
    List<String> naturalKey,
    List<String> keyDefaults,
    String distKey,
    String sortKey,
    String versionColumn,
    Map<String, Integer> stringSizes) {

  /** Size of a string column without a known size. */
  public static final int DEFAULT_STRING_SIZE = 1024;

  public int stringSize(String column) {
    Integer s = stringSizes.get(column);
    return s == null ? DEFAULT_STRING_SIZE : s;
  }
}
