package io.vitalflow.connect.warehouse.dialect;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Calendar;
import java.util.TimeZone;

/** Binding and text forms of row values (see RecordColumns.row for the Java types). */
public final class Values {
  private static final ThreadLocal<Calendar> UTC =
      ThreadLocal.withInitial(() -> Calendar.getInstance(TimeZone.getTimeZone("UTC")));

  private Values() {}

  public static void bind(
      PreparedStatement ps, int index, Object v, io.vitalflow.connect.warehouse.model.Column c)
      throws SQLException {
    if (v == null) {
      ps.setNull(
          index,
          switch (c.type()) {
            case STRING -> Types.VARCHAR;
            case INT -> Types.INTEGER;
            case BIGINT -> Types.BIGINT;
            case REAL -> Types.REAL;
            case DOUBLE -> Types.DOUBLE;
            case BOOLEAN -> Types.BOOLEAN;
            case TIMESTAMPTZ -> Types.TIMESTAMP_WITH_TIMEZONE;
            case DATE -> Types.DATE;
          });
      return;
    }
    switch (c.type()) {
      case TIMESTAMPTZ ->
          ps.setTimestamp(index, new java.sql.Timestamp(((java.util.Date) v).getTime()), UTC.get());
      case DATE -> ps.setDate(index, java.sql.Date.valueOf(localDate((java.util.Date) v)));
      case STRING -> ps.setString(index, v.toString());
      case INT -> ps.setInt(index, ((Number) v).intValue());
      case BIGINT -> ps.setLong(index, ((Number) v).longValue());
      case REAL -> ps.setFloat(index, ((Number) v).floatValue());
      case DOUBLE -> ps.setDouble(index, ((Number) v).doubleValue());
      case BOOLEAN -> ps.setBoolean(index, (Boolean) v);
    }
  }

  static LocalDate localDate(java.util.Date d) {
    return Instant.ofEpochMilli(d.getTime()).atZone(ZoneOffset.UTC).toLocalDate();
  }

  /** The text form of a non-null value, as PostgreSQL's and Redshift's input functions read it. */
  public static String text(Object v, io.vitalflow.connect.warehouse.model.Column c) {
    return switch (c.type()) {
      case TIMESTAMPTZ -> Instant.ofEpochMilli(((java.util.Date) v).getTime()).toString();
      case DATE -> localDate((java.util.Date) v).toString();
      case BOOLEAN -> ((Boolean) v) ? "true" : "false";
      default -> v.toString();
    };
  }
}
