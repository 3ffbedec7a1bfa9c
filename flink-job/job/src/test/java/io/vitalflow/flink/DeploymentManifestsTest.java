package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes manifests in ops/kubernetes say what the job and the local stack do: the job's
 * FlinkDeployment carries the restart and retention settings the job sets itself
 * (VitalsJob.engineConfig, from the job's own arguments in the manifest), upgrades with a
 * savepoint, recovers through HA and reports to Prometheus; SQL has a session cluster of its own.
 */
class DeploymentManifestsTest {
  static final Path DIR = Path.of("../../ops/kubernetes");

  @SuppressWarnings("unchecked")
  static Map<String, Object> load(String file) throws Exception {
    return (Map<String, Object>)
        new Load(LoadSettings.builder().build())
            .loadFromString(Files.readString(DIR.resolve(file)));
  }

  @SuppressWarnings("unchecked")
  static <T> T at(Map<String, Object> m, String... path) {
    Object o = m;
    for (String p : path) {
      assertTrue(o instanceof Map, String.join(".", path));
      o = ((Map<String, Object>) o).get(p);
    }
    return (T) o;
  }

  static final List<ConfigOption<?>> ENGINE =
      List.of(
          StateBackendOptions.STATE_BACKEND,
          RestartStrategyOptions.RESTART_STRATEGY,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
          CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
          CheckpointingOptions.MAX_RETAINED_CHECKPOINTS);

  @Test
  void theJobsDeploymentCarriesTheSettingsTheJobSetsItself() throws Exception {
    Map<String, Object> d = load("vitalflow-job.yaml");
    assertEquals("FlinkDeployment", d.get("kind"));
    List<String> args = at(d, "spec", "job", "args");
    Configuration jobConf = JobOptions.fromArgs(args.toArray(new String[0]));
    Configuration engine = VitalsJob.engineConfig(jobConf);
    Map<String, String> flink = new HashMap<>();
    Map<String, Object> raw = at(d, "spec", "flinkConfiguration");
    raw.forEach((k, v) -> flink.put(k, String.valueOf(v)));
    Configuration manifest = Configuration.fromMap(flink);
    for (ConfigOption<?> o : ENGINE) {
      assertTrue(flink.containsKey(o.key()), "the manifest does not set " + o.key());
      assertEquals(engine.get(o), manifest.get(o), o.key());
    }
    assertEquals("savepoint", at(d, "spec", "job", "upgradeMode"), "upgrades keep the state");
    assertEquals("running", at(d, "spec", "job", "state"));
    assertEquals("io.vitalflow.flink.VitalsJob", at(d, "spec", "job", "entryClass"));
    assertEquals("kubernetes", flink.get("high-availability.type"), "a lost JobManager recovers");
    assertFalse(flink.getOrDefault("high-availability.storageDir", "").isBlank());
    assertFalse(flink.getOrDefault("execution.checkpointing.dir", "").isBlank());
    // the metrics the shipped alert rules read
    assertEquals(
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
        flink.get("metrics.reporter.prom.factory.class"));
    assertEquals("STATE", flink.get("metrics.job.status.enable"));
    // every job argument is one of the job's options (docs/flink-job-config.md)
    assertTrue(args.contains("--kafka.bootstrap") && args.contains("--registry.url"), "" + args);
    Set<String> known = new HashSet<>();
    for (ConfigOption<?> o : JobOptionsReferenceTest.options()) known.add(o.key());
    for (String key : jobConf.keySet()) {
      assertTrue(
          known.contains(key), "the manifest passes an option the job does not have: " + key);
    }
  }

  @Test
  void sqlHasASessionClusterOfItsOwn() throws Exception {
    Map<String, Object> sql = load("flink-sql-session.yaml");
    Map<String, Object> job = load("vitalflow-job.yaml");
    assertEquals("FlinkDeployment", sql.get("kind"));
    assertEquals((Object) null, at(sql, "spec", "job"), "a session cluster runs no job of its own");
    assertTrue(!at(sql, "metadata", "name").equals(at(job, "metadata", "name")));
  }

  @Test
  void connectRunsTwoWorkersInOneGroupWithBothArchivesAndItsMetrics() throws Exception {
    Map<String, Object> c = load("kafka-connect.yaml");
    assertEquals("KafkaConnect", c.get("kind"));
    assertTrue(((Number) at(c, "spec", "replicas")).intValue() >= 2, "a lost worker's tasks move");
    List<Map<String, Object>> plugins = at(c, "spec", "build", "plugins");
    assertEquals(
        List.of("vitalflow-mllp-source", "vitalflow-warehouse-sink"),
        plugins.stream().map(p -> p.get("name")).toList());
    assertEquals("jmxPrometheusExporter", at(c, "spec", "metricsConfig", "type"));
    assertTrue(
        Files.exists(
            DIR.resolveSibling("prometheus")
                .resolve(
                    (String)
                        at(c, "spec", "metricsConfig", "valueFrom", "configMapKeyRef", "key"))),
        "the JMX exporter rules the manifest names are the stack's");
  }
}
