package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on the stack's Flink session cluster, submitted with {@code tests/stack/stack.sh
 * flink-run}:
 *
 * <ul>
 *   <li>cancelled and resubmitted 5 times on the same TaskManager: each submission (a new user
 *       class loader, a new copy of the native library) scores its ward exactly as the CLI does.
 * </ul>
 *
 * <p>The TaskManager killed with {@code kill -9} and started again by the stack's supervisor, the
 * same job recovering from its checkpoint exactly once, is PipelineIT.chaos's (its long outages
 * hold the TaskManager down about 5 minutes under load, then the supervisor brings it back): one
 * stack for the faults rather than one per fault.
 */
class SessionClusterIT {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static Path root() {
    return Paths.get(System.getProperty("vitalflow.root", "../.."));
  }

  static Path jobJar() {
    Path p = Paths.get(System.getProperty("vitalflow.job.jar", "target/vitalflow-flink-job.jar"));
    assertTrue(Files.isRegularFile(p), "the job jar is not built: " + p);
    return p;
  }

  static String stackEnv(String key) throws Exception {
    for (String l :
        VitalsJobIT.run(root().resolve("tests/stack/stack.sh").toString(), "ensure").split("\n")) {
      if (l.startsWith(key + "=")) return l.substring(key.length() + 1);
    }
    throw new AssertionError(key + " not in stack.sh env");
  }

  static String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  static String jobState(String flink, String job) throws Exception {
    Matcher m = Pattern.compile("\"state\":\"(\\w+)\"").matcher(get(flink + "/jobs/" + job));
    assertTrue(m.find());
    return m.group(1);
  }

  static void waitState(String flink, String job, String state, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String s = null;
    while (System.nanoTime() < deadline) {
      s = jobState(flink, job);
      if (s.equals(state)) return;
      Thread.sleep(500);
    }
    throw new AssertionError(
        "job " + job + " is " + s + ", not " + state + " after " + seconds + " s");
  }

  static void cancel(String flink, String job) throws Exception {
    HTTP.send(
        HttpRequest.newBuilder(URI.create(flink + "/jobs/" + job + "?mode=cancel"))
            .method("PATCH", HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
    waitState(flink, job, "CANCELED", 60);
  }

  static List<String> taskManagers(String flink) throws Exception {
    List<String> ids = new ArrayList<>();
    Matcher m = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(get(flink + "/taskmanagers"));
    while (m.find()) ids.add(m.group(1));
    return ids;
  }

  /** Submits the job for these topics; returns the job id. */
  static String submit(String bootstrap, String registry, Map<String, String> topics, String prefix)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                root().resolve("tests/stack/stack.sh").toString(),
                "flink-run",
                jobJar().toAbsolutePath().toString(),
                "--kafka.bootstrap",
                bootstrap,
                "--registry.url",
                registry,
                "--kafka.group-id",
                prefix + "job",
                "--kafka.transactional-id-prefix",
                prefix + "tx",
                "--checkpoint-interval",
                "2 s",
                "--parallelism",
                "2",
                "--state-backend",
                "rocksdb"));
    for (Map.Entry<String, String> t :
        Map.of(
                "raw",
                "hl7.raw",
                "invalid",
                "hl7.invalid",
                "observations",
                "vitals.observations",
                "scores",
                "vitals.scores",
                "alerts",
                "vitals.alerts",
                "patients",
                "patients",
                "settings",
                "patients.settings")
            .entrySet()) {
      cmd.add("--topic." + t.getKey());
      cmd.add(topics.get(t.getValue()));
    }
    String out = VitalsJobIT.run(cmd.toArray(String[]::new));
    Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
    assertTrue(m.find(), "no job id in: " + out);
    return m.group(1);
  }

  record Ward(List<byte[]> messages, List<String> scores, List<String> alerts) {}

  static Ward ward(Path dir, int patients, String duration, int seed) throws Exception {
    Path feed = dir.resolve("ward-" + seed + ".hl7");
    VitalsJobIT.run(
        VitalsJobIT.cli().toString(),
        "simulate",
        "--patients",
        String.valueOf(patients),
        "--seed",
        String.valueOf(seed),
        "--duration",
        duration,
        "--framing",
        "mllp",
        "--out",
        feed.toString());
    List<String> scores = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    VitalsJobIT.expected(feed, List.of(), scores, alerts);
    Collections.sort(scores);
    Collections.sort(alerts);
    return new Ward(VitalsJobIT.mllp(Files.readAllBytes(feed)), scores, alerts);
  }

  static void assertExactlyOnce(
      String bootstrap, String registry, Map<String, String> topics, Ward w) throws Exception {
    List<String> scores = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    VitalsJobIT.readCommitted(
        bootstrap, registry, topics, w.scores().size(), w.alerts().size(), scores, alerts);
    Collections.sort(scores);
    Collections.sort(alerts);
    assertEquals(w.scores().size(), scores.size(), "number of scores");
    assertEquals(w.scores(), scores);
    assertEquals(w.alerts(), alerts);
  }

  @Test
  void cancelAndResubmitFiveTimesOnTheSameTaskManager(@TempDir Path dir) throws Exception {
    String bootstrap = stackEnv("VITALFLOW_KAFKA_BOOTSTRAP");
    String registry = stackEnv("VITALFLOW_REGISTRY_URL");
    String flink = stackEnv("VITALFLOW_FLINK_URL");
    List<String> tms = taskManagers(flink);
    assertEquals(1, tms.size(), "task managers: " + tms);
    for (int round = 1; round <= 5; round++) {
      String prefix = "it9r" + round + "-" + UUID.randomUUID().toString().substring(0, 6) + ".";
      Map<String, String> topics = VitalsJobIT.freshTopics(bootstrap, registry, prefix);
      Ward w = ward(dir, 3, "2h", 100 + round);
      String job = submit(bootstrap, registry, topics, prefix);
      waitState(flink, job, "RUNNING", 60);
      VitalsJobIT.produce(bootstrap, topics.get("hl7.raw"), w.messages(), 0);
      assertExactlyOnce(bootstrap, registry, topics, w);
      cancel(flink, job);
      assertEquals(tms, taskManagers(flink), "round " + round + ": the same TaskManager");
    }
  }
}
