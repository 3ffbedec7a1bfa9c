package io.vitalflow.connect.warehouse.dialect;

import static org.junit.jupiter.api.Assertions.*;

import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.TableModel;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The binary COPY encoding, byte for byte, and the key order of staged rows (no database). */
class PgBinaryCopyTest {

  @Test
  void encodesEveryColumnTypeInPostgresBinaryForm() {
    List<Column> cols =
        List.of(
            Column.of("s", Column.Type.STRING, 10, false),
            Column.of("i", Column.Type.INT, 0, false),
            Column.of("l", Column.Type.BIGINT, 0, false),
            Column.of("r", Column.Type.REAL, 0, false),
            Column.of("d", Column.Type.DOUBLE, 0, false),
            Column.of("b", Column.Type.BOOLEAN, 0, false),
            Column.of("t", Column.Type.TIMESTAMPTZ, 0, false),
            Column.of("dt", Column.Type.DATE, 0, false));
    Date ts = Date.from(Instant.parse("2026-11-20T06:00:00.123Z"));
    Date day = Date.from(Instant.parse("1999-12-31T00:00:00Z"));
    Object[] row = {"é'\"x", 7, -2L, 1.5f, 36.6, true, ts, day};
    Object[] nulls = new Object[8];
    ByteBuffer b = ByteBuffer.wrap(PgBinaryCopy.encode(cols, List.of(row, nulls)));

    byte[] sig = new byte[11];
    b.get(sig);
    assertArrayEquals("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1), sig);
    assertEquals(0, b.getInt()); // flags
    assertEquals(0, b.getInt()); // header extension

    assertEquals(8, b.getShort());
    byte[] s = "é'\"x".getBytes(StandardCharsets.UTF_8);
    assertEquals(s.length, b.getInt());
    byte[] got = new byte[s.length];
    b.get(got);
    assertArrayEquals(s, got);
    assertEquals(4, b.getInt());
    assertEquals(7, b.getInt());
    assertEquals(8, b.getInt());
    assertEquals(-2L, b.getLong());
    assertEquals(4, b.getInt());
    assertEquals(1.5f, b.getFloat());
    assertEquals(8, b.getInt());
    assertEquals(36.6, b.getDouble());
    assertEquals(1, b.getInt());
    assertEquals(1, b.get());
    assertEquals(8, b.getInt());
    // microseconds since 2000-01-01T00:00Z
    long micros = (ts.getTime() - Instant.parse("2000-01-01T00:00:00Z").toEpochMilli()) * 1000;
    assertEquals(micros, b.getLong());
    assertEquals(4, b.getInt());
    assertEquals(-1, b.getInt()); // the day before PostgreSQL's epoch

    assertEquals(8, b.getShort());
    for (int i = 0; i < 8; i++) assertEquals(-1, b.getInt(), "NULL field " + i);
    assertEquals(-1, b.getShort()); // trailer
    assertFalse(b.hasRemaining());
  }

  @Test
  void longAndNonAsciiStringsKeepTheirBytes() {
    String big = "x".repeat(10_000) + "Zürich 東京 \uD83D\uDE00";
    List<Column> cols = List.of(Column.of("s", Column.Type.STRING, 20_000, false));
    ByteBuffer b =
        ByteBuffer.wrap(PgBinaryCopy.encode(cols, List.<Object[]>of(new Object[] {big})));
    b.position(11 + 8 + 2);
    byte[] want = big.getBytes(StandardCharsets.UTF_8);
    assertEquals(want.length, b.getInt());
    byte[] got = new byte[want.length];
    b.get(got);
    assertArrayEquals(want, got);
  }

  @Test
  void rowsAreSortedByNaturalKeyWithoutLosingAny() {
    TableModel m = WarehouseModel.table("fact_vital_sign");
    List<Column> cols =
        List.of(
            Column.of("message_control_id", Column.Type.STRING, 199, true),
            Column.of("obx_index", Column.Type.INT, 0, true),
            Column.of("value", Column.Type.DOUBLE, 0, false),
            Column.of("sending_application", Column.Type.STRING, 227, true),
            Column.of("sending_facility", Column.Type.STRING, 227, true));
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {"MSG10", 2, 1.0, "B", "ICU"});
    rows.add(new Object[] {"MSG10", 1, 2.0, "B", "ICU"});
    rows.add(new Object[] {"MSG9", 1, 3.0, "A", "ICU"});
    rows.add(new Object[] {"MSG1", 1, 4.0, "B", "ICU"});
    List<Object[]> sorted = PostgresDialect.inKeyOrder(rows, cols, m);
    assertEquals(
        List.of("A/MSG9/1", "B/MSG1/1", "B/MSG10/1", "B/MSG10/2"),
        sorted.stream().map(r -> r[3] + "/" + r[0] + "/" + r[1]).toList());
    assertEquals(List.of(3.0, 4.0, 2.0, 1.0), sorted.stream().map(r -> (Double) r[2]).toList());
    assertEquals(4, rows.size()); // the caller's list is not reordered
    assertEquals("MSG10", rows.get(0)[0]);
    assertTrue(Arrays.equals(rows.get(0), new Object[] {"MSG10", 2, 1.0, "B", "ICU"}));
  }
}
