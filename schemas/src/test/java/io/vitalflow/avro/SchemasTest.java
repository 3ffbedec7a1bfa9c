package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** The schema files: documented, evolvable, and the same as the generated classes. */
class SchemasTest {
  @Test
  void everyTopicHasItsRecord() {
    assertEquals(
        Map.of(
            "vitals.observations",
            "VitalSign",
            "vitals.scores",
            "VitalsScore",
            "vitals.alerts",
            "VitalsAlert",
            "patients",
            "Patient",
            "patients.settings",
            "PatientSettings"),
        Map.of(
            "vitals.observations",
            Schemas.forTopic("vitals.observations").getName(),
            "vitals.scores",
            Schemas.forTopic("vitals.scores").getName(),
            "vitals.alerts",
            Schemas.forTopic("vitals.alerts").getName(),
            "patients",
            Schemas.forTopic("patients").getName(),
            "patients.settings",
            Schemas.forTopic("patients.settings").getName()));
  }

  @Test
  void everyFieldHasADocAndNullablesDefaultToNull() {
    for (String file : Schemas.TOPIC_FILES.values()) checkRecord(file, Schemas.parse(file));
  }

  private static void checkRecord(String file, Schema s) {
    assertEquals("io.vitalflow.avro", s.getNamespace(), file);
    assertNotNull(s.getDoc(), file + " " + s.getName());
    for (Schema.Field f : s.getFields()) {
      String where = file + " " + s.getName() + "." + f.name();
      assertNotNull(f.doc(), where + " has no doc");
      assertFalse(f.doc().isBlank(), where);
      Schema t = f.schema();
      if (t.getType() == Schema.Type.UNION) {
        assertEquals(
            Schema.Type.NULL, t.getTypes().get(0).getType(), where + ": null must come first");
        assertTrue(
            f.hasDefaultValue() && f.defaultVal() == org.apache.avro.JsonProperties.NULL_VALUE,
            where + ": default null");
        t = t.getTypes().get(1);
      }
      if (t.getType() == Schema.Type.RECORD) checkRecord(file, t);
      // every time is UTC microseconds, one convention across the schemas
      if (f.name().endsWith("_at")) {
        assertNotNull(t.getLogicalType(), where + " has no logical type");
        assertEquals("timestamp-micros", t.getLogicalType().getName(), where);
      }
    }
  }

  @Test
  void vitalSignHasTheSpecRowFields() {
    List<String> spec =
        List.of(
            "message_control_id",
            "obx_index",
            "set_id",
            "patient_id",
            "patient_id_authority",
            "encounter_id",
            "location",
            "kind",
            "code",
            "code_system",
            "value",
            "unit",
            "normalized_value",
            "normalized_unit",
            "observed_at",
            "status",
            "device_id",
            "glucose_status",
            "text");
    Schema s = Schemas.parse("VitalSign.avsc");
    for (String f : spec) assertNotNull(s.getField(f), f);
    // The spec's kinds, in their order, first: kinds are only ever appended (an index is the
    // Avro enum index that every stored record and the JNI codec use), so a new kind comes after.
    List<String> specKinds =
        List.of(
            "TEMPERATURE",
            "SYSTOLIC_BP",
            "DIASTOLIC_BP",
            "MEAN_BP",
            "HEART_RATE",
            "RESPIRATORY_RATE",
            "SPO2",
            "GLUCOSE",
            "CONSCIOUSNESS",
            "INSPIRED_O2");
    List<String> kinds = s.getField("kind").schema().getEnumSymbols();
    assertTrue(kinds.size() >= specKinds.size(), kinds.toString());
    assertEquals(specKinds, kinds.subList(0, specKinds.size()));
  }

  @Test
  void generatedClassesMatchTheFiles() {
    assertEquals(
        SchemaNormalization.parsingFingerprint64(Schemas.parse("VitalSign.avsc")),
        SchemaNormalization.parsingFingerprint64(VitalSign.getClassSchema()));
    assertEquals(
        SchemaNormalization.parsingFingerprint64(Schemas.parse("VitalsScore.avsc")),
        SchemaNormalization.parsingFingerprint64(VitalsScore.getClassSchema()));
    assertEquals(
        SchemaNormalization.parsingFingerprint64(Schemas.parse("VitalsAlert.avsc")),
        SchemaNormalization.parsingFingerprint64(VitalsAlert.getClassSchema()));
    assertEquals(
        SchemaNormalization.parsingFingerprint64(Schemas.parse("Patient.avsc")),
        SchemaNormalization.parsingFingerprint64(Patient.getClassSchema()));
    assertEquals(
        SchemaNormalization.parsingFingerprint64(Schemas.parse("PatientSettings.avsc")),
        SchemaNormalization.parsingFingerprint64(PatientSettings.getClassSchema()));
  }

  @Test
  void addingARequiredFieldIsNotBackwardCompatible() {
    Schema old = Schemas.parse("VitalSign.avsc");
    Schema bad =
        new Schema.Parser()
            .parse(
                Schemas.text("VitalSign.avsc")
                    .replaceFirst(
                        "\"fields\": \\[",
                        "\"fields\": [{\"name\": \"ward\", \"type\": \"string\", \"doc\": \"required, no default\"},"));
    Schema good =
        new Schema.Parser()
            .parse(
                Schemas.text("VitalSign.avsc")
                    .replaceFirst(
                        "\"fields\": \\[",
                        "\"fields\": [{\"name\": \"ward\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"optional\"},"));
    // BACKWARD: the new schema (reader) must read data written with the old one (writer)
    assertEquals(
        SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(bad, old).getType());
    assertEquals(
        SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(good, old).getType());
  }

  @Test
  void timestampsAreMicroseconds() {
    Instant t = Instant.parse("2026-11-20T06:00:00.123456Z");
    VitalSign v = TestRecords.vitalSign(t);
    assertEquals(t, v.getObservedAt());
  }
}
