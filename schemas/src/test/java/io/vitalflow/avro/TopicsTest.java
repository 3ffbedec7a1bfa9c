package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Topics as read from the topics.tsv in this jar, and the parser's refusals. */
class TopicsTest {
  @Test
  void readsTheContractFileFromTheJar() {
    List<String> names = Topics.all().stream().map(Topics.Topic::name).toList();
    assertEquals(
        List.of(
            "hl7.raw",
            "hl7.invalid",
            "vitals.observations",
            "vitals.scores",
            "vitals.alerts",
            "patients",
            "patients.settings"),
        names);
    assertEquals("compact", Topics.get("patients").cleanupPolicy());
    assertEquals("delete", Topics.get("hl7.raw").cleanupPolicy());
    assertFalse(Topics.get("hl7.raw").hasAvroValue());
    assertEquals("VitalSign.avsc", Topics.get("vitals.observations").valueSchemaFile());
    assertEquals("vitals.observations-value", Topics.get("vitals.observations").valueSubject());
    assertThrows(IllegalStateException.class, () -> Topics.get("hl7.raw").valueSchemaFile());
    assertThrows(IllegalArgumentException.class, () -> Topics.get("no.such.topic"));
  }

  @Test
  void schemasTopicFilesFollowTopics() {
    assertEquals(Topics.avroValueFiles(), Schemas.TOPIC_FILES);
    assertTrue(Schemas.TOPIC_FILES.containsKey("patients.settings"));
  }

  @Test
  void malformedLinesFailWithTheirLineNumber() {
    var wrongColumns =
        assertThrows(
            IllegalArgumentException.class,
            () -> Topics.parse(new StringReader("# header\na\t3\tdelete\tbytes\n")));
    assertTrue(wrongColumns.getMessage().contains("line 2"), wrongColumns.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Topics.parse(new StringReader("a\tthree\tdelete\tbytes\td\n")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Topics.parse(new StringReader("a\t3\tcompacted\tbytes\td\n")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Topics.parse(new StringReader("a\t3\tdelete\tVitalSign.json\td\n")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Topics.parse(new StringReader("a\t3\tdelete\tbytes\td\na\t3\tdelete\tbytes\td\n")));
  }

  @Test
  void topicNamesAreGeneratedFromTheFileOnePerLine() throws Exception {
    java.util.Map<String, String> constants = new java.util.LinkedHashMap<>();
    for (java.lang.reflect.Field f : TopicNames.class.getFields()) {
      constants.put(f.getName(), (String) f.get(null));
    }
    java.util.List<String> names = Topics.all().stream().map(Topics.Topic::name).toList();
    assertEquals(names, java.util.List.copyOf(constants.values()));
    assertEquals("hl7.raw", TopicNames.HL7_RAW);
    assertEquals("vitals.observations", TopicNames.VITALS_OBSERVATIONS);
    assertEquals("patients.settings", TopicNames.PATIENTS_SETTINGS);
  }
}
