package io.vitalflow.flink;

import io.vitalflow.avro.Schemas;
import io.vitalflow.bridge.News2Parameter;
import io.vitalflow.bridge.PatientStream;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The Avro records the job writes, built from the bridge's results (schemas from schemas/*.avsc).
 */
final class Records {
  static final Schema SCORE = Schemas.parse("VitalsScore.avsc");
  static final Schema ALERT = Schemas.parse("VitalsAlert.avsc");
  static final Schema PATIENT = Schemas.parse("Patient.avsc");

  private Records() {}

  static GenericRecord score(String patientId, long atMillis, PatientStream.Score s) {
    GenericRecord r = new GenericData.Record(SCORE);
    r.put("score_id", s.scoreId()); // computed by the Rust rules (vitalflow_scoring::ids)
    r.put("patient_id", patientId);
    r.put("scored_at", atMillis * 1000L);
    r.put("total", s.total());
    r.put("band", new GenericData.EnumSymbol(SCORE.getField("band").schema(), s.band()));
    r.put("complete", s.complete());
    List<String> missing = new ArrayList<>();
    for (News2Parameter p : s.missing()) missing.add(p.key());
    r.put("missing", missing);
    Schema subSchema = SCORE.getField("subscores").schema();
    GenericRecord sub = new GenericData.Record(subSchema);
    for (News2Parameter p : News2Parameter.values()) sub.put(p.key(), s.subscores().get(p));
    r.put("subscores", sub);
    r.put("resp_rate", s.respRate());
    r.put("spo2", s.spo2());
    r.put("oxygen", s.oxygen());
    r.put("systolic", s.systolic());
    r.put("pulse", s.pulse());
    r.put("consciousness", s.consciousness());
    r.put("temperature", s.temperature());
    r.put("spo2_scale", s.spo2Scale());
    return r;
  }

  static GenericRecord alert(String patientId, PatientStream.Alert a) {
    GenericRecord r = new GenericData.Record(ALERT);
    r.put("alert_id", a.alertId()); // computed by the Rust rules (vitalflow_scoring::ids)
    r.put("patient_id", patientId);
    r.put("kind", new GenericData.EnumSymbol(ALERT.getField("kind").schema(), a.kind()));
    // the contract's alert time: the clock for band escalation and rise, the reading's time for a
    // single parameter 3 and glucose (the Rust rules decide it)
    r.put("raised_at", a.at() * 1000L);
    if (a.band() != null) {
      Schema bandSchema = ALERT.getField("band").schema().getTypes().get(1);
      r.put("band", new GenericData.EnumSymbol(bandSchema, a.band()));
    }
    r.put("total", a.total());
    r.put(
        "parameter",
        a.parameter() != null ? a.parameter() : a.glucoseMgDl() != null ? "glucose" : null);
    r.put("score_id", a.scoreId());
    r.put("message", a.message());
    return r;
  }

  /** The fields of a Patient record, read with the message's one read (Hl7Deserializer). */
  static final String[] PATIENT_PATHS = {
    "PID-3-4-1", "PV1-19-1", "PV1-3", "EVN-2", "MSH-7", "PID-5-1", "PID-5-2", "PID-7", "PID-8"
  };

  /**
   * A Patient record from an ADT message's fields ({@link Parsed#patientFields}); null without
   * PID-3-1.
   */
  static GenericRecord patient(Parsed p, ZoneId zone) {
    String pid = p.patientId;
    if (pid == null || pid.isEmpty() || p.patientFields == null) return null;
    GenericRecord r = new GenericData.Record(PATIENT);
    r.put("patient_id", pid);
    String[] f = p.patientFields;
    r.put("patient_id_authority", f[0]);
    r.put("encounter_id", f[1]);
    r.put("location", f[2]);
    Long at = Hl7Time.millis(f[3], zone);
    if (at == null) at = Hl7Time.millis(f[4], zone);
    if (at == null) at = p.kafkaTimestamp;
    r.put("updated_at", at * 1000L);
    r.put("message_control_id", p.controlId);
    r.put("event_type", p.triggerEvent);
    r.put("family_name", f[5]);
    r.put("given_name", f[6]);
    Long birth = Hl7Time.millis(f[7], java.time.ZoneOffset.UTC);
    r.put(
        "birth_date",
        birth == null
            ? null
            : (int)
                java.time.Instant.ofEpochMilli(birth)
                    .atZone(java.time.ZoneOffset.UTC)
                    .toLocalDate()
                    .toEpochDay());
    r.put("sex", f[8]);
    return r;
  }
}
