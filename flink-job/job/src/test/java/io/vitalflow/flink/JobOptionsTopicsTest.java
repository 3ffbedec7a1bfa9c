package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vitalflow.avro.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job's default topics are those of topics.tsv, the contract's one list of topics. */
class JobOptionsTopicsTest {
  @Test
  void defaultTopicsAreInTopicsTsvWithTheirValueKinds() {
    assertEquals(Topics.BYTES, Topics.get(JobOptions.TOPIC_RAW.defaultValue()).value());
    assertEquals(Topics.BYTES, Topics.get(JobOptions.TOPIC_INVALID.defaultValue()).value());
    assertEquals(
        "VitalSign.avsc", Topics.get(JobOptions.TOPIC_OBSERVATIONS.defaultValue()).value());
    assertEquals("VitalsScore.avsc", Topics.get(JobOptions.TOPIC_SCORES.defaultValue()).value());
    assertEquals("VitalsAlert.avsc", Topics.get(JobOptions.TOPIC_ALERTS.defaultValue()).value());
    assertEquals("Patient.avsc", Topics.get(JobOptions.TOPIC_PATIENTS.defaultValue()).value());
    assertEquals(
        "PatientSettings.avsc", Topics.get(JobOptions.TOPIC_SETTINGS.defaultValue()).value());
    // every topic of topics.tsv is one of the job's
    assertEquals(
        Topics.all().stream().map(Topics.Topic::name).sorted().toList(),
        List.of(
                JobOptions.TOPIC_RAW,
                JobOptions.TOPIC_INVALID,
                JobOptions.TOPIC_OBSERVATIONS,
                JobOptions.TOPIC_SCORES,
                JobOptions.TOPIC_ALERTS,
                JobOptions.TOPIC_PATIENTS,
                JobOptions.TOPIC_SETTINGS)
            .stream()
            .map(o -> o.defaultValue())
            .sorted()
            .toList());
  }
}
