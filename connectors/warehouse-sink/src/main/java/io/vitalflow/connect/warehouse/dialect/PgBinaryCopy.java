package io.vitalflow.connect.warehouse.dialect;

import io.vitalflow.connect.warehouse.model.Column;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Rows in PostgreSQL's binary COPY format ({@code COPY ... FROM STDIN (FORMAT binary)}): a header,
 * per row the field count and each field as a length (-1 for NULL) and its value in the type's
 * binary send/receive form, then a trailer. Cheaper than CSV on both sides: no number or timestamp
 * formatting here, no parsing in the server.
 *
 * <p>The value forms are those of the column types {@link PostgresDialect#columnType} declares:
 * VARCHAR as UTF-8 bytes (so the database's encoding must be UTF8), INTEGER int4, BIGINT int8, REAL
 * float4, DOUBLE PRECISION float8, BOOLEAN one byte, TIMESTAMPTZ int8 microseconds since
 * 2000-01-01T00:00Z, DATE int4 days since 2000-01-01. The rows go into a staging table created with
 * exactly these types; the server still checks VARCHAR lengths on receipt.
 */
final class PgBinaryCopy {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0
  };

  /** 2000-01-01T00:00:00Z in Unix milliseconds: PostgreSQL's epoch. */
  static final long PG_EPOCH_MILLIS = 946_684_800_000L;

  private static final long DAY_MILLIS = 86_400_000L;

  private byte[] buf;
  private int pos;

  private PgBinaryCopy(int capacity) {
    buf = new byte[Math.max(64, capacity)];
  }

  static byte[] encode(List<Column> columns, List<Object[]> rows) {
    int ncols = columns.size();
    PgBinaryCopy w = new PgBinaryCopy(32 + rows.size() * (2 + ncols * 12));
    w.bytes(SIGNATURE, SIGNATURE.length);
    w.int32(0); // flags: no OIDs
    w.int32(0); // header extension length
    Column.Type[] types = new Column.Type[ncols];
    for (int i = 0; i < ncols; i++) types[i] = columns.get(i).type();
    for (Object[] row : rows) {
      w.int16(ncols);
      for (int i = 0; i < ncols; i++) {
        Object v = row[i];
        if (v == null) {
          w.int32(-1);
          continue;
        }
        switch (types[i]) {
          case STRING -> w.text(v.toString());
          case INT -> {
            w.int32(4);
            w.int32(((Number) v).intValue());
          }
          case BIGINT -> {
            w.int32(8);
            w.int64(((Number) v).longValue());
          }
          case REAL -> {
            w.int32(4);
            w.int32(Float.floatToIntBits(((Number) v).floatValue()));
          }
          case DOUBLE -> {
            w.int32(8);
            w.int64(Double.doubleToLongBits(((Number) v).doubleValue()));
          }
          case BOOLEAN -> {
            w.int32(1);
            w.ensure(1);
            w.buf[w.pos++] = (byte) (((Boolean) v) ? 1 : 0);
          }
          case TIMESTAMPTZ -> {
            w.int32(8);
            w.int64(Math.multiplyExact(((java.util.Date) v).getTime() - PG_EPOCH_MILLIS, 1000L));
          }
          case DATE -> {
            w.int32(4);
            w.int32(
                (int)
                    (Math.floorDiv(((java.util.Date) v).getTime(), DAY_MILLIS)
                        - PG_EPOCH_MILLIS / DAY_MILLIS));
          }
        }
      }
    }
    w.int16(-1); // trailer
    return Arrays.copyOf(w.buf, w.pos);
  }

  private void ensure(int n) {
    if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
  }

  private void bytes(byte[] b, int n) {
    ensure(n);
    System.arraycopy(b, 0, buf, pos, n);
    pos += n;
  }

  private void int16(int v) {
    ensure(2);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void int32(int v) {
    ensure(4);
    buf[pos++] = (byte) (v >>> 24);
    buf[pos++] = (byte) (v >>> 16);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void int64(long v) {
    int32((int) (v >>> 32));
    int32((int) v);
  }

  /** Length-prefixed UTF-8; ASCII is copied char by char, anything else through the encoder. */
  private void text(String s) {
    int n = s.length();
    ensure(4 + n);
    int lenAt = pos;
    pos += 4;
    int i = 0;
    for (; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80) break;
      buf[pos++] = (byte) ch;
    }
    if (i < n) {
      pos = lenAt + 4;
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      bytes(b, b.length);
    }
    int len = pos - lenAt - 4;
    buf[lenAt] = (byte) (len >>> 24);
    buf[lenAt + 1] = (byte) (len >>> 16);
    buf[lenAt + 2] = (byte) (len >>> 8);
    buf[lenAt + 3] = (byte) len;
  }
}
