package io.vitalflow.flink.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.data.StringData;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** The functions called directly, as Flink's code generation calls them. */
class UdfTest {
  static final String ORU =
      "MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C1|P|2.6\r"
          + "PID|||P1^^^HOSP^MR\rPV1||I|ICU^B1\rOBR|1||||||20261120060000\r"
          + "OBX|1|NM|9279-1^Resp^LN||26|/min|||||F\r"
          + "OBX|2|NM|8310-5^Temp^LN||100.4|[degF]|||||F\r"
          + "OBX|3|ST|ACVPU^ACVPU^L||V||||||F\r";

  @Test
  void hl7FieldQueriesAndIsNullForAbsentOrBadMessages() {
    Hl7Field f = new Hl7Field();
    assertEquals("P1", f.eval(ORU, "PID-3-1"));
    assertEquals("HOSP", f.eval(ORU, "PID-3-4"));
    assertEquals("26", f.eval(ORU, "OBX(1)-5"));
    assertNull(f.eval(ORU, "PID-5-1"));
    assertNull(f.eval("not hl7", "PID-3-1"));
    assertNull(f.eval((String) null, "PID-3-1"));
    assertThrows(IllegalArgumentException.class, () -> f.eval(ORU, "PID-x"));
  }

  /** HL7_FIELD answers for a message that parses but has no MSH-9 or MSH-10. */
  @Test
  void hl7FieldAnswersWithoutMsh9OrMsh10() {
    Hl7Field f = new Hl7Field();
    String noHeader =
        "MSH|^~\\&|OLDMON|WARD2|VITALFLOW|HOSP|20261120100000||||P|2.4\r"
            + "PID|||MH2001^^^HOSP^MR||Brown^Ada\r";
    assertEquals("MH2001", f.eval(noHeader, "PID-3-1"));
    assertEquals("OLDMON", f.eval(noHeader, "MSH-3"));
    assertEquals("", f.eval(noHeader, "MSH-10"));
  }

  @Test
  void hl7VitalsGivesTheContractRows() {
    Hl7Vitals f = new Hl7Vitals();
    List<Row> rows = new ArrayList<>();
    f.setCollector(
        new Collector<>() {
          @Override
          public void collect(Row r) {
            rows.add(r);
          }

          @Override
          public void close() {}
        });
    f.eval(StringData.fromString(ORU));
    assertEquals(3, rows.size());
    Row resp = rows.get(0);
    assertEquals("C1", resp.getField(0));
    assertEquals("MON", resp.getField(1));
    assertEquals("WARD", resp.getField(2));
    assertEquals(1, resp.getField(3));
    assertEquals("P1", resp.getField(5));
    assertEquals("RESPIRATORY_RATE", resp.getField(9));
    assertEquals(26.0, resp.getField(12));
    assertEquals(Instant.parse("2026-11-20T06:00:00Z"), resp.getField(18));
    Row temp = rows.get(1);
    assertEquals("TEMPERATURE", temp.getField(9));
    assertEquals(38.0, (Double) temp.getField(16), 1e-9);
    assertEquals("Cel", temp.getField(17));
    Row acvpu = rows.get(2);
    assertEquals("CONSCIOUSNESS", acvpu.getField(9));
    assertEquals("V", acvpu.getField(14));
    assertNull(acvpu.getField(12));
    // a bad message gives no rows and no error
    f.eval(StringData.fromString("garbage"));
    f.eval((StringData) null);
    assertEquals(3, rows.size());
    assertEquals(22, Hl7Vitals.ROW_TYPE.split(",").length);
  }

  @Test
  void news2ScoresAndReportsMissing() {
    News2 f = new News2();
    Row r = f.eval(22.0, 93.0, 1, false, 105.0, 115.0, "A", 38.4);
    // 2 + 2 + 0 + 1 + 2 + 0 + 1
    assertEquals(8, r.getField(0));
    assertEquals("HIGH", r.getField(1));
    assertEquals(true, r.getField(2));
    Row partial = f.eval(26.0, null, null, null, null, null, null, null);
    assertEquals(3, partial.getField(0));
    assertEquals("LOW_MEDIUM", partial.getField(1));
    assertEquals(false, partial.getField(2));
    // SpO2 88 is 3 on scale 1, 0 on scale 2 (on air)
    assertEquals(3, f.eval(null, 88.0, 1, false, null, null, null, null).getField(0));
    assertEquals(0, f.eval(null, 88.0, 2, false, null, null, null, null).getField(0));
    assertTrue(f.isDeterministic());
  }
}
