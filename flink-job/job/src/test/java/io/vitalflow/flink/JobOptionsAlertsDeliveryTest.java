package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** {@code vitalflow.alerts.delivery-guarantee}: parsing, the refused value, the job's shape. */
class JobOptionsAlertsDeliveryTest {
  @Test
  void exactlyOnceByDefaultAndAtLeastOnceOnRequest() {
    assertEquals(
        DeliveryGuarantee.EXACTLY_ONCE,
        JobOptions.alertsDeliveryGuarantee(JobOptions.fromArgs(new String[0])));
    assertEquals(
        DeliveryGuarantee.AT_LEAST_ONCE,
        JobOptions.alertsDeliveryGuarantee(
            JobOptions.fromArgs(new String[] {"--alerts.delivery-guarantee", "at-least-once"})));
  }

  @Test
  void noneIsRefusedByName() {
    Configuration conf = JobOptions.fromArgs(new String[] {"--alerts.delivery-guarantee", "none"});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> JobOptions.alertsDeliveryGuarantee(conf));
    assertTrue(e.getMessage().contains("vitalflow.alerts.delivery-guarantee"), e.getMessage());
    Configuration typo =
        JobOptions.fromArgs(new String[] {"--alerts.delivery-guarantee", "at-most-once"});
    assertThrows(IllegalArgumentException.class, () -> JobOptions.alertsDeliveryGuarantee(typo));
  }

  @Test
  void atLeastOnceGivesAlertsASinkOfTheirOwn() {
    List<String> exactly = sinks(new String[0]);
    assertTrue(exactly.stream().anyMatch(n -> n.contains("exactly once")), exactly.toString());
    assertFalse(exactly.stream().anyMatch(n -> n.contains("Kafka alerts")), exactly.toString());
    List<String> atLeast = sinks(new String[] {"--alerts.delivery-guarantee", "at-least-once"});
    assertTrue(atLeast.stream().anyMatch(n -> n.contains("exactly once")), atLeast.toString());
    assertTrue(
        atLeast.stream().anyMatch(n -> n.contains("Kafka alerts (at least once")),
        atLeast.toString());
  }

  /** The names of the job graph's Kafka sink nodes for these options (built, not run). */
  private static List<String> sinks(String[] args) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    VitalsJob.build(env, JobOptions.fromArgs(args));
    return env.getStreamGraph().getStreamNodes().stream()
        .map(StreamNode::getOperatorName)
        .filter(n -> n.contains("Kafka"))
        .collect(Collectors.toList());
  }
}
