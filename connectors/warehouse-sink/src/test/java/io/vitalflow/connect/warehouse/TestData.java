package io.vitalflow.connect.warehouse;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The contract's schemas (schemas/*.avsc) and records built from them. */
final class TestData {
  static final String[] KINDS = {
    "HEART_RATE", "RESPIRATORY_RATE", "SPO2", "TEMPERATURE", "SYSTOLIC_BP"
  };
  static final double[] VALUES = {72, 16, 97, 37.0, 120};
  static final String[] UNITS = {"/min", "/min", "%", "Cel", "mm[Hg]"};

  /** 2026-11-20T06:00:00Z */
  static final long BASE_MICROS = 1_795_154_400_000_000L;

  private TestData() {}

  static Schema schema(String file) throws IOException {
    return new Schema.Parser()
        .parse(Files.readString(StackClient.ROOT.resolve("schemas").resolve(file)));
  }

  /**
   * VitalSign with the sender fields (MSH-3, MSH-4) at the end, as issue 10 adds them (nullable,
   * default null: a BACKWARD-compatible change); the file itself when it already has them.
   */
  static Schema vitalSign() throws IOException {
    Schema s = schema("VitalSign.avsc");
    return withNullableStrings(s, "sending_application", "sending_facility");
  }

  /** {@code s} plus nullable string fields (default null) at the end, for those it lacks. */
  static Schema withNullableStrings(Schema s, String... names) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : s.getFields()) fields.add(new Schema.Field(f, f.schema()));
    for (String n : names) {
      if (s.getField(n) != null) continue;
      fields.add(
          new Schema.Field(
              n,
              Schema.createUnion(
                  Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
              "added by the test",
              JsonProperties.NULL_VALUE));
    }
    return Schema.createRecord(s.getName(), s.getDoc(), s.getNamespace(), false, fields);
  }

  /**
   * Observation {@code i}: 5 OBX per message; messages alternate between two senders that count
   * control ids the same way, so sender + control id + OBX index is unique and control id + OBX
   * index is not.
   */
  static GenericRecord observation(Schema s, long i) {
    long m = i / 5;
    int obx = (int) (i % 5);
    GenericRecord r = new GenericData.Record(s);
    boolean a = m % 2 == 0;
    r.put("message_control_id", "MSG" + (m / 2));
    r.put("obx_index", obx + 1);
    r.put("patient_id", patient(m));
    r.put("location", "WARD" + (m % 4) + "^" + (m % 20) + "^A");
    r.put("kind", new GenericData.EnumSymbol(s.getField("kind").schema(), KINDS[obx]));
    r.put("code", "code" + obx);
    r.put("value", VALUES[obx] + (m % 7));
    r.put("unit", UNITS[obx]);
    r.put("normalized_value", VALUES[obx] + (m % 7));
    r.put("normalized_unit", UNITS[obx]);
    r.put("observed_at", BASE_MICROS + m * 1_000_000L);
    r.put("status", "F");
    r.put("sending_application", a ? "MONITOR-A" : "MONITOR-B");
    r.put("sending_facility", a ? "ICU" : "WARD3");
    return r;
  }

  static String patient(long message) {
    return "P" + (message % 997);
  }
}
