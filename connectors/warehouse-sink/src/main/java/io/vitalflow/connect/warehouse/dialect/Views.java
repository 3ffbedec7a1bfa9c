package io.vitalflow.connect.warehouse.dialect;

import java.util.List;

/**
 * The analyst's views over the model, in SQL that PostgreSQL and Redshift both run (window
 * functions, no DISTINCT ON, no FILTER clauses). They are (re)created once all four tables exist.
 */
public final class Views {
  public static final String LATEST_VITALS = "latest_vitals";
  public static final String HOURLY_VITALS = "hourly_vitals";
  public static final String DETERIORATING_PATIENTS = "deteriorating_patients";
  public static final String OPEN_ALERTS = "open_alerts";

  private Views() {}

  static List<String> create(DatabaseDialect d, String schema, String prefix) {
    String vs = d.qualified(new TableId(schema, prefix + "fact_vital_sign"));
    String sc = d.qualified(new TableId(schema, prefix + "fact_news2_score"));
    String al = d.qualified(new TableId(schema, prefix + "fact_alert"));
    String pa = d.qualified(new TableId(schema, prefix + "dim_patient"));
    String latest = d.qualified(new TableId(schema, prefix + LATEST_VITALS));
    String hourly = d.qualified(new TableId(schema, prefix + HOURLY_VITALS));
    String det = d.qualified(new TableId(schema, prefix + DETERIORATING_PATIENTS));
    String open = d.qualified(new TableId(schema, prefix + OPEN_ALERTS));
    return List.of(
        // the newest reading of each kind per patient
        "CREATE OR REPLACE VIEW "
            + latest
            + " AS SELECT patient_id, kind, value, unit, normalized_value, "
            + "normalized_unit, text, glucose_status, observed_at, location, message_control_id "
            + "FROM (SELECT v.patient_id, v.kind, v.value, v.unit, v.normalized_value, v.normalized_unit, v.text, "
            + "v.glucose_status, v.observed_at, v.location, v.message_control_id, ROW_NUMBER() OVER "
            + "(PARTITION BY v.patient_id, v.kind ORDER BY v.observed_at DESC, v.sending_application DESC, "
            + "v.sending_facility DESC, v.message_control_id DESC, v.obx_index DESC) AS rn FROM "
            + vs
            + " v WHERE v.patient_id IS NOT NULL) x WHERE rn = 1",
        // per patient, kind and hour (UTC): count, min, mean and max of the normalized value
        "CREATE OR REPLACE VIEW "
            + hourly
            + " AS SELECT patient_id, kind, "
            + "DATE_TRUNC('hour', observed_at) AS hour, COUNT(*) AS readings, MIN(normalized_value) AS min_value, "
            + "AVG(normalized_value) AS avg_value, MAX(normalized_value) AS max_value, MAX(normalized_unit) AS unit "
            + "FROM "
            + vs
            + " WHERE patient_id IS NOT NULL GROUP BY patient_id, kind, DATE_TRUNC('hour', observed_at)",
        // patients whose latest NEWS2 total is higher than their previous one
        "CREATE OR REPLACE VIEW "
            + det
            + " AS SELECT patient_id, scored_at, total, band, previous_total, "
            + "total - previous_total AS rise FROM (SELECT patient_id, scored_at, total, band, "
            + "LAG(total) OVER (PARTITION BY patient_id ORDER BY scored_at) AS previous_total, "
            + "ROW_NUMBER() OVER (PARTITION BY patient_id ORDER BY scored_at DESC) AS rn FROM "
            + sc
            + ") x WHERE rn = 1 AND previous_total IS NOT NULL AND total > previous_total",
        // alerts whose condition has not resolved since: no later complete LOW-band score (NEWS2
        // alerts: a score that is LOW because values expired is not complete and closes nothing),
        // no later glucose reading at or above the hypoglycaemia threshold (glucose alerts); with
        // the patient's ward
        "CREATE OR REPLACE VIEW "
            + open
            + " AS SELECT a.alert_id, a.patient_id, a.kind, a.raised_at, a.band, "
            + "a.total, a.parameter, a.message, p.location FROM "
            + al
            + " a LEFT JOIN "
            + pa
            + " p ON p.patient_id = a.patient_id WHERE (a.kind IN ('GLUCOSE_HYPO_L1', 'GLUCOSE_HYPO_L2') "
            + "AND NOT EXISTS (SELECT 1 FROM "
            + vs
            + " v WHERE v.patient_id = a.patient_id AND v.kind = 'GLUCOSE' "
            + "AND v.observed_at > a.raised_at AND v.glucose_status IN ('NORMAL', 'HYPER', 'HYPER_SEVERE'))) OR (a.kind NOT IN "
            + "('GLUCOSE_HYPO_L1', 'GLUCOSE_HYPO_L2') AND NOT EXISTS (SELECT 1 FROM "
            + sc
            + " s WHERE "
            + "s.patient_id = a.patient_id AND s.scored_at > a.raised_at AND s.band = 'LOW' AND s.complete))");
  }
}
