package io.vitalflow.connect.warehouse.model;

import java.util.regex.Pattern;

/** Identifiers from the config (schema, table prefix) and from record schemas (column names). */
public final class Identifiers {
  /** PostgreSQL truncates at 63 bytes; Redshift allows 127. The stricter one. */
  public static final int MAX_LENGTH = 63;

  private static final Pattern SIMPLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private Identifiers() {}

  /** Why {@code s} is not acceptable as an identifier (or prefix), or null when it is. */
  public static String problem(String s, boolean prefix) {
    if (s == null || s.isEmpty()) return "must not be empty";
    if (s.length() > MAX_LENGTH) return "longer than " + MAX_LENGTH + " characters";
    if (!(prefix ? PREFIX : SIMPLE).matcher(s).matches()) {
      return "only letters, digits and underscores, not starting with a digit";
    }
    return null;
  }

  /**
   * {@code s} as a column name: lower case; the Avro field names are already simple identifiers.
   */
  public static String column(String s) {
    String p = problem(s, false);
    if (p != null)
      throw new IllegalArgumentException("field name '" + s + "' cannot be a column: " + p);
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  /** A double-quoted identifier (embedded quotes doubled), valid in PostgreSQL and Redshift. */
  public static String quote(String s) {
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
