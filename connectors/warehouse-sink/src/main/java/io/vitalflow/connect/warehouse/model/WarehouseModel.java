package io.vitalflow.connect.warehouse.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warehouse model (docs/contract.md, 9. Warehouse): four tables, their natural keys and the
 * sizes of their string columns, fitted to the HL7 v2 field lengths they come from (v2.5.1 maximum
 * lengths, rounded up), not VARCHAR(256) everywhere. Enum columns get the length of their longest
 * symbol from the schema. Free text (OBX-5 text, alert messages) gets room for 64 KiB.
 */
public final class WarehouseModel {
  public static final String FACT_VITAL_SIGN = "fact_vital_sign";
  public static final String FACT_NEWS2_SCORE = "fact_news2_score";
  public static final String FACT_ALERT = "fact_alert";
  public static final String DIM_PATIENT = "dim_patient";

  /** Redshift's largest VARCHAR (bytes). */
  public static final int TEXT = 65535;

  private static final Map<String, Integer> COMMON =
      Map.ofEntries(
          Map.entry("patient_id", 250), // CX, PID-3
          Map.entry("patient_id_authority", 227), // HD
          Map.entry("encounter_id", 250), // CX, PV1-19
          Map.entry("location", 1024), // PL, PV1-3 (all components as sent)
          Map.entry("message_control_id", 199), // ST, MSH-10 (v2.7: 199)
          Map.entry("sending_application", 227), // HD, MSH-3
          Map.entry("sending_facility", 227)); // HD, MSH-4

  private static Map<String, Integer> sizes(Map<String, Integer> own) {
    Map<String, Integer> m = new LinkedHashMap<>(COMMON);
    m.putAll(own);
    return Map.copyOf(m);
  }

  public static final Map<String, TableModel> TABLES;

  static {
    Map<String, TableModel> t = new LinkedHashMap<>();
    t.put(
        FACT_VITAL_SIGN,
        new TableModel(
            FACT_VITAL_SIGN,
            List.of("sending_application", "sending_facility", "message_control_id", "obx_index"),
            List.of("sending_application", "sending_facility"),
            "patient_id",
            "observed_at",
            null,
            sizes(
                Map.of(
                    "set_id",
                    4,
                    "code",
                    705,
                    "code_system",
                    64,
                    "comparator",
                    2,
                    "text",
                    TEXT,
                    "unit",
                    705,
                    "normalized_unit",
                    16,
                    "status",
                    8,
                    "device_id",
                    427,
                    "processing_id",
                    3)))); // PT, MSH-11-1
    t.put(
        FACT_NEWS2_SCORE,
        new TableModel(
            FACT_NEWS2_SCORE,
            List.of("score_id"),
            List.of(),
            "patient_id",
            "scored_at",
            null,
            sizes(Map.of("score_id", 300, "missing", 128, "consciousness", 1))));
    t.put(
        FACT_ALERT,
        new TableModel(
            FACT_ALERT,
            List.of("alert_id"),
            List.of(),
            "patient_id",
            "raised_at",
            null,
            sizes(Map.of("alert_id", 600, "parameter", 32, "score_id", 300, "message", TEXT))));
    t.put(
        DIM_PATIENT,
        new TableModel(
            DIM_PATIENT,
            List.of("patient_id"),
            List.of(),
            "patient_id",
            "updated_at",
            "updated_at",
            sizes(Map.of("event_type", 8, "family_name", 250, "given_name", 250, "sex", 8))));
    TABLES = java.util.Collections.unmodifiableMap(t);
  }

  private WarehouseModel() {}

  public static TableModel table(String name) {
    TableModel m = TABLES.get(name);
    if (m == null) throw new IllegalArgumentException("unknown model table " + name);
    return m;
  }
}
