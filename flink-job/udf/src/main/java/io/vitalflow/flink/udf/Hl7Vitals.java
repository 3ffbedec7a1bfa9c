package io.vitalflow.flink.udf;

import io.vitalflow.bridge.Hl7Exception;
import io.vitalflow.bridge.VitalSign;
import io.vitalflow.bridge.Vitals;
import java.util.List;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.types.Row;

/**
 * {@code HL7_VITALS(message STRING)}: a table function with one row per vital-sign OBX, the row
 * fields of the contract (the same as {@code vitalflow vitals}), extracted by the Rust core. A
 * message that cannot be parsed gives no rows (use {@code HL7_FIELD} or the job's DLQ to find such
 * messages).
 *
 * <pre>
 * CREATE FUNCTION HL7_VITALS AS 'io.vitalflow.flink.udf.Hl7Vitals' USING JAR '/path/vitalflow-flink-udf.jar';
 * SELECT v.patient_id, v.kind, v.normalized_value
 *   FROM raw_hl7, LATERAL TABLE(HL7_VITALS(message)) AS v;
 * </pre>
 */
@FunctionHint(output = @DataTypeHint(Hl7Vitals.ROW_TYPE))
public class Hl7Vitals extends TableFunction<Row> {
  private static final long serialVersionUID = 1L;

  /** The row type; field names as in the contract. */
  public static final String ROW_TYPE =
      "ROW<"
          + "message_control_id STRING, sending_application STRING, sending_facility STRING, obx_index INT, "
          + "set_id STRING, patient_id STRING, patient_id_authority STRING, encounter_id STRING, location STRING, "
          + "kind STRING, code STRING, code_system STRING, `value` DOUBLE, comparator STRING, text STRING, "
          + "unit STRING, normalized_value DOUBLE, normalized_unit STRING, observed_at TIMESTAMP_LTZ(6), "
          + "status STRING, device_id STRING, glucose_status STRING>";

  @Override
  public void open(FunctionContext context) {
    NativeCheck.ensureLoaded();
  }

  /**
   * A {@code STRING} argument, taken in Flink's internal form: its UTF-8 bytes go to the core as
   * they are, without being decoded into a Java {@code String} and encoded again.
   */
  public void eval(
      @DataTypeHint(value = "STRING", bridgedTo = StringData.class) StringData message) {
    if (message == null) return;
    eval(message.toBytes());
  }

  public void eval(byte[] message) {
    if (message == null) return;
    List<VitalSign> rows;
    try {
      rows = Vitals.extract(message);
    } catch (Hl7Exception e) {
      return;
    }
    // one native call per message: the rows carry MSH-3-1 and MSH-4-1 themselves (a query per
    // field would parse the message again for each)
    for (VitalSign v : rows) {
      collect(
          Row.of(
              v.messageControlId(),
              v.sendingApplication(),
              v.sendingFacility(),
              v.obxIndex(),
              v.setId(),
              v.patientId(),
              v.patientIdAuthority(),
              v.encounterId(),
              v.location(),
              v.kind().name(),
              v.code(),
              v.codeSystem(),
              v.value(),
              v.comparator(),
              v.text(),
              v.unit(),
              v.normalizedValue(),
              v.normalizedUnit(),
              v.observedAt(),
              v.status(),
              v.deviceId(),
              v.glucoseStatus() == null ? null : v.glucoseStatus().name()));
    }
  }

  @Override
  public boolean isDeterministic() {
    return true;
  }
}
