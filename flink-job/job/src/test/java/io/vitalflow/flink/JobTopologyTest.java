package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * What a restore depends on: the operator uids (a savepoint's state is matched to operators by uid,
 * so a changed uid silently starts that operator with empty state) and the engine settings the job
 * carries itself (restart strategy, retained checkpoints).
 */
class JobTopologyTest {
  static final Path UIDS = Path.of("src/test/resources/operator-uids.txt");

  /** Every stream node's uid, for both alert delivery modes (built, not run). */
  static TreeSet<String> uids() {
    TreeSet<String> out = new TreeSet<>();
    for (String[] args :
        List.of(new String[0], new String[] {"--alerts.delivery-guarantee", "at-least-once"})) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      VitalsJob.build(env, JobOptions.fromArgs(args));
      for (StreamNode n : env.getStreamGraph().getStreamNodes()) {
        assertTrue(
            n.getTransformationUID() != null && !n.getTransformationUID().isBlank(),
            "operator without a uid: " + n.getOperatorName());
        out.add(n.getTransformationUID());
      }
    }
    return out;
  }

  @Test
  void operatorUidsAreTheCheckedInOnes() throws Exception {
    List<String> expected =
        Files.readAllLines(UIDS, StandardCharsets.UTF_8).stream()
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .collect(Collectors.toList());
    assertEquals(
        expected,
        List.copyOf(uids()),
        "an operator uid changed, was added or removed: a savepoint of the running job would not"
            + " restore that operator's state. Keep the uid; if the change is meant, say in"
            + " docs/flink.md (Faults, restarts and state) what state it drops and update "
            + UIDS);
  }

  @Test
  void theJobNeverGivesUpAndKeepsItsCheckpoints() {
    Configuration c = VitalsJob.engineConfig(JobOptions.fromArgs(new String[0]));
    assertEquals("exponential-delay", c.get(RestartStrategyOptions.RESTART_STRATEGY));
    assertEquals(
        Integer.MAX_VALUE,
        c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS));
    assertEquals(
        Duration.ofSeconds(1),
        c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF));
    assertEquals(
        Duration.ofSeconds(30),
        c.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF));
    assertEquals(
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
        c.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
    Configuration tuned =
        VitalsJob.engineConfig(
            JobOptions.fromArgs(new String[] {"--restart.max-backoff", "2 min"}));
    assertEquals(
        Duration.ofMinutes(2),
        tuned.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF));
  }
}
