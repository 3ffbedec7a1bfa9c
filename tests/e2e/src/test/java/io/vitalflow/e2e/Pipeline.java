package io.vitalflow.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.stack.LocalStack;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole pipeline as the tests drive it: {@code scripts/pipeline.sh up}, the vitalflow CLI
 * (simulate, score, send), the stack's services (kill, restart) and the warehouse (PostgreSQL).
 */
final class Pipeline {
  final LocalStack stack = LocalStack.get();
  final Path repo = LocalStack.repoRoot();
  final Path work;
  private final Path cli;

  Pipeline(Path work) throws Exception {
    this.work = work;
    Files.createDirectories(work);
    run(List.of("scripts/pipeline.sh", "up"), 20, "pipeline.sh up");
    // target/debug/vitalflow as `cargo test --workspace` builds it (make check did: a no-op then);
    // `cargo build` would resolve other features and rebuild much of the tree
    // (VITALFLOW_CLI names another binary and skips this)
    String given = env("VITALFLOW_CLI", "");
    if (given.isEmpty()) {
      run(
          List.of("cargo", "test", "--workspace", "--no-run", "--quiet"),
          30,
          "cargo test --no-run");
    }
    cli = given.isEmpty() ? repo.resolve("target/debug/vitalflow") : Path.of(given);
    assertTrue(Files.isExecutable(cli), cli.toString());
  }

  /**
   * The simulated senders' expected interval, as an operator sets it for the job
   * (scripts/pipeline.sh passes it as vitalflow.senders.expected-interval, and resume keeps it):
   * short, so that the chaos scenario's outage makes VitalflowSenderSilent fire. A job already
   * running when the tests start (a local stack that ran the pipeline before) keeps its own, and
   * the chaos test then fails on it.
   */
  static final String SENDER_EXPECTED_INTERVAL = "2 min";

  /** The MLLP listener of the pipeline's source connector. */
  String mllp() {
    return "127.0.0.1:" + env("PIPELINE_MLLP_PORT", "2575");
  }

  static String env(String key, String dflt) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? dflt : v;
  }

  /**
   * Runs a command in the repository: stdout to {@code out} (else to the log), stderr to {@code
   * target/e2e/<what>.log}; with {@code check}, a non-zero exit fails with the log's tail.
   */
  int run(List<String> cmd, int minutes, String what, File out, boolean check) throws Exception {
    File log = work.resolve(what.replaceAll("[^A-Za-z0-9.-]+", "_") + ".log").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile());
    pb.environment().put("PIPELINE_SENDER_EXPECTED_INTERVAL", SENDER_EXPECTED_INTERVAL);
    if (out == null) {
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log));
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.to(out))
          .redirectError(ProcessBuilder.Redirect.to(log));
    }
    Process p = pb.start();
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(what + " did not finish in " + minutes + " min: " + tail(log));
    }
    if (check) assertEquals(0, p.exitValue(), what + " failed: " + cmd + "\n" + tail(log));
    return p.exitValue();
  }

  static String tail(File f) throws IOException {
    List<String> l = Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
    return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
  }

  void run(List<String> cmd, int minutes, String what) throws Exception {
    run(cmd, minutes, what, null, true);
  }

  Process start(List<String> cmd, File out, File err) throws IOException {
    return new ProcessBuilder(cmd)
        .directory(repo.toFile())
        .redirectOutput(ProcessBuilder.Redirect.to(out))
        .redirectError(ProcessBuilder.Redirect.to(err))
        .start();
  }

  String cli() {
    return cli.toString();
  }

  /**
   * Starts {@code vitalflow send} of a feed to the pipeline's MLLP listener over {@code
   * connections}, resending what gets no AA for up to {@code retryFor}: ACK lines to {@code
   * <name>-acks.txt}, the summary to {@code <name>-send.log}.
   */
  Process send(Feed f, String name, int connections, String retryFor) throws IOException {
    return send(f, name, connections, retryFor, 0);
  }

  /** As {@link #send(Feed, String, int, String)}, paced at {@code rate} messages/s if above 0. */
  Process send(Feed f, String name, int connections, String retryFor, double rate)
      throws IOException {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                cli(),
                "send",
                "--mllp",
                mllp(),
                "--connections",
                Integer.toString(connections),
                "--timeout",
                "20s",
                "--retry-for",
                retryFor));
    if (rate > 0) cmd.addAll(List.of("--rate", Double.toString(rate)));
    cmd.add(f.file().toString());
    return start(
        cmd, work.resolve(name + "-acks.txt").toFile(), work.resolve(name + "-send.log").toFile());
  }

  /**
   * A simulated ward written to {@code <name>.hl7}, with what the warehouse must end up holding,
   * computed offline by the same rules ({@code vitalflow score}, {@code vitalflow vitals}).
   */
  Feed simulate(String name, long seed, int patients, String duration) throws Exception {
    return simulate(name, seed, patients, duration, false);
  }

  /**
   * {@link #simulate(String, long, int, String)}, and with {@code newPatients} a ward whose
   * patients the warehouse does not know yet: the simulator draws 7-digit record numbers, so two
   * wards of a few hundred patients share one now and then (about 1.7 % for 500 and 300 on a new
   * stack, more on a stack that kept earlier runs' patients), and a shared patient would carry the
   * earlier ward's scores and rule state into this one's per-patient comparison with {@code
   * vitalflow score}. A ward that shares one is drawn again with another seed.
   */
  Feed simulate(String name, long seed, int patients, String duration, boolean newPatients)
      throws Exception {
    return simulate(name, seed, patients, duration, newPatients, start(duration));
  }

  /** {@link #simulate(String, long, int, String, boolean)} from {@code start}. */
  Feed simulate(
      String name, long seed, int patients, String duration, boolean newPatients, Instant start)
      throws Exception {
    Path feed = work.resolve(name + ".hl7");
    Path roster = work.resolve(name + "-roster.jsonl");
    Matcher m = Pattern.compile("\"patient_id\":\"([^\"]+)\"").matcher("");
    List<String> patientsIds = new ArrayList<>();
    for (int attempt = 0; ; attempt++) {
      run(
          List.of(
              cli(),
              "simulate",
              "--patients",
              Integer.toString(patients),
              "--seed",
              Long.toString(seed + 7919L * attempt),
              "--duration",
              duration,
              "--interval",
              "15m",
              "--adt",
              "--roster",
              roster.toString(),
              "--start",
              start.toString(),
              "--out",
              feed.toString()),
          10,
          "simulate");
      patientsIds.clear();
      for (String l : lines(roster)) if (m.reset(l).find()) patientsIds.add(m.group(1));
      List<String> known = newPatients ? knownPatients(patientsIds) : List.of();
      if (known.isEmpty()) break;
      if (attempt == 49)
        throw new AssertionError(
            "50 seeds in a row drew patients the warehouse already knows; it holds too many"
                + " earlier runs (tests/stack/stack.sh clean starts afresh)");
      System.out.printf(
          "[%s] %d patient(s) of the ward already in the warehouse; drawing it again%n",
          name, known.size());
    }
    File ids = work.resolve(name + "-ids.txt").toFile();
    run(List.of(cli(), "query", "MSH-10", feed.toString()), 10, "query", ids, true);
    File rows = work.resolve(name + "-vitals.jsonl").toFile();
    run(List.of(cli(), "vitals", feed.toString()), 10, "vitals", rows, true);
    List<String> controlIds = Files.readAllLines(ids.toPath());
    long vitalRows = lines(rows.toPath()).size();
    List<String> scores = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    offline(name, List.of(feed), List.of(), scores, alerts);
    String tag = controlIds.get(0).substring(0, 8);
    assertTrue(controlIds.stream().allMatch(c -> c.startsWith(tag)), "one control id tag per feed");
    return new Feed(feed, tag, controlIds, vitalRows, patientsIds, scores, alerts);
  }

  /**
   * What {@code vitalflow score [args] feeds...} computes (the files in order: each patient's
   * messages must be in the order the pipeline received them), as sorted score and alert keys.
   */
  void offline(
      String name, List<Path> feeds, List<String> args, List<String> scores, List<String> alerts)
      throws Exception {
    File expected = work.resolve(name + "-expected.jsonl").toFile();
    List<String> cmd = new ArrayList<>(List.of(cli(), "score"));
    cmd.addAll(args);
    for (Path f : feeds) cmd.add(f.toString());
    run(cmd, 10, "score", expected, true);
    // the warehouse keeps one score per patient and clock time (score_id): of two steps with the
    // same clock time (a clock error scored at its receipt time, then a correct reading), the
    // later score is the one in effect and replaces the earlier (docs/warehouse.md)
    java.util.LinkedHashMap<String, String> byTime = new java.util.LinkedHashMap<>();
    for (String l : lines(expected.toPath())) {
      if (l.contains("\"type\":\"score\"")) {
        String patient = find(l, "\"patient_id\":\"([^\"]+)\"");
        Instant at = Instant.parse(find(l, "\"at\":\"([^\"]+)\""));
        byTime.put(
            patient + " " + at,
            key(patient, at, find(l, "\"total\":(\\d+)"), find(l, "\"band\":\"(\\w+)\"")));
      } else if (l.contains("\"type\":\"alert\"")) {
        alerts.add(
            key(
                find(l, "\"patient_id\":\"([^\"]+)\""),
                Instant.ofEpochMilli(Long.parseLong(find(l, "\"alert\":\\{\"at\":(\\d+)"))),
                find(l, "\"kind\":\"(\\w+)\"")));
      }
    }
    scores.addAll(byTime.values());
    Collections.sort(scores);
    Collections.sort(alerts);
  }

  /** Which of {@code ids} the warehouse already knows (admitted, or scored). */
  List<String> knownPatients(List<String> ids) throws SQLException {
    java.util.TreeSet<String> known = new java.util.TreeSet<>();
    try (Connection c = db()) {
      for (String table : List.of("dim_patient", "fact_news2_score")) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT DISTINCT patient_id FROM " + table + " WHERE patient_id = ANY(?)")) {
          ps.setArray(1, c.createArrayOf("varchar", ids.toArray(String[]::new)));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) known.add(rs.getString(1));
          }
        } catch (SQLException e) {
          if (!"42P01".equals(e.getSQLState())) throw e; // no table yet: no patient in it
        }
      }
    }
    return new ArrayList<>(known);
  }

  /**
   * Where a feed of {@code duration} (e.g. {@code 24h}) starts: so that it ends 10 minutes ago. A
   * feed sent in seconds must not be future-dated: a reading observed after its receipt is a device
   * clock error (docs/contract.md), and the job scores every message in arrival order whatever its
   * age, so a past feed is scored as it is.
   */
  static Instant start(String duration) {
    java.time.Duration d = java.time.Duration.parse("PT" + duration.toUpperCase());
    return Instant.now()
        .minus(d)
        .minusSeconds(600)
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  }

  /** Scores and alerts of these patients in the warehouse, as sorted keys (as {@link #loaded}). */
  List<List<String>> scoresAndAlerts(List<String> patients) throws SQLException {
    // a tag no control id starts with: only the patients count here
    Feed f = new Feed(null, "#none#", List.of(), 0, patients, List.of(), List.of());
    Loaded l = loaded(f);
    return List.of(l.scores(), l.alerts());
  }

  /** The receipt time of each message (MSH-10) the warehouse holds rows of, as the job saw it. */
  java.util.Map<String, Instant> receipts(List<String> controlIds) throws SQLException {
    java.util.Map<String, Instant> out = new java.util.TreeMap<>();
    try (Connection c = db();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT message_control_id, min(received_at) FROM fact_vital_sign"
                    + " WHERE message_control_id = ANY(?) AND received_at IS NOT NULL GROUP BY 1")) {
      ps.setArray(1, c.createArrayOf("varchar", controlIds.toArray(String[]::new)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
        }
      }
    }
    return out;
  }

  /** How many of the message's rows the warehouse holds, and how many flagged clock_error. */
  long[] clockErrorRows(String controlId) throws SQLException {
    try (Connection c = db();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE clock_error) FROM fact_vital_sign"
                    + " WHERE message_control_id = ?")) {
      ps.setString(1, controlId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  static List<String> lines(Path p) throws IOException {
    return Files.readAllLines(p, StandardCharsets.UTF_8);
  }

  private static String find(String line, String regex) {
    Matcher m = Pattern.compile(regex).matcher(line);
    if (!m.find()) throw new AssertionError("no " + regex + " in " + line);
    return m.group(1);
  }

  static String key(Object... parts) {
    StringBuilder b = new StringBuilder();
    for (Object p : parts) b.append(b.length() == 0 ? "" : " ").append(p);
    return b.toString();
  }

  /** A simulated feed and its offline truth. */
  record Feed(
      Path file,
      String tag,
      List<String> controlIds,
      long vitalRows,
      List<String> patients,
      List<String> scores,
      List<String> alerts) {}

  // ------------------------------------------------------------------ the warehouse

  Connection db() throws SQLException {
    return DriverManager.getConnection(stack.jdbcUrl(), stack.pgUser(), stack.pgPassword());
  }

  /** What the warehouse holds of one feed. */
  record Loaded(
      long observations,
      long distinctObservations,
      List<String> scores,
      List<String> alerts,
      long patients) {}

  Loaded loaded(Feed f) throws SQLException {
    try (Connection c = db()) {
      long obs = 0, distinct = 0;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(*), count(DISTINCT (sending_application, sending_facility,"
                  + " message_control_id, obx_index)) FROM fact_vital_sign"
                  + " WHERE message_control_id LIKE ?")) {
        ps.setString(1, f.tag() + "%");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          obs = rs.getLong(1);
          distinct = rs.getLong(2);
        }
      }
      String[] ids = f.patients().toArray(String[]::new);
      List<String> scores = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT patient_id, scored_at, total, band FROM fact_news2_score"
                  + " WHERE patient_id = ANY(?)")) {
        ps.setArray(1, c.createArrayOf("varchar", ids));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next())
            scores.add(
                key(
                    rs.getString(1),
                    rs.getObject(2, OffsetDateTime.class).toInstant(),
                    rs.getInt(3),
                    rs.getString(4)));
        }
      }
      List<String> alerts = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT patient_id, raised_at, kind FROM fact_alert WHERE patient_id = ANY(?)")) {
        ps.setArray(1, c.createArrayOf("varchar", ids));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next())
            alerts.add(
                key(
                    rs.getString(1),
                    rs.getObject(2, OffsetDateTime.class).toInstant(),
                    rs.getString(3)));
        }
      }
      long patients;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT count(*) FROM dim_patient WHERE patient_id = ANY(?)")) {
        ps.setArray(1, c.createArrayOf("varchar", ids));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          patients = rs.getLong(1);
        }
      }
      Collections.sort(scores);
      Collections.sort(alerts);
      return new Loaded(obs, distinct, scores, alerts, patients);
    } catch (SQLException e) {
      // the tables appear with the first rows the sink writes
      if ("42P01".equals(e.getSQLState())) return new Loaded(0, 0, List.of(), List.of(), 0);
      throw e;
    }
  }

  /** Polls until {@code done} or the time is up; true when done. */
  static boolean await(int seconds, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (done.getAsBoolean()) return true;
      Thread.sleep(2000);
    }
    return done.getAsBoolean();
  }

  /**
   * Waits until the warehouse holds the whole feed (or the time is up) and returns what it holds.
   */
  Loaded awaitLoaded(Feed f, int seconds) throws Exception {
    Loaded[] last = {null};
    long start = System.nanoTime();
    await(
        seconds,
        () -> {
          try {
            last[0] = loaded(f);
          } catch (SQLException e) {
            System.err.println("e2e: warehouse not readable now: " + e.getMessage());
            return false;
          }
          return last[0].observations() >= f.vitalRows()
              && last[0].scores().size() >= f.scores().size()
              && last[0].alerts().size() >= f.alerts().size();
        });
    // anything late (a duplicate would be) has had time to arrive
    Thread.sleep(5000);
    Loaded l = loaded(f);
    System.err.printf(
        "e2e: after %ds the warehouse holds %d observations (%d distinct; expected %d), %d scores"
            + " (expected %d), %d alerts (expected %d), %d of %d patients%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
        l.observations(),
        l.distinctObservations(),
        f.vitalRows(),
        l.scores().size(),
        f.scores().size(),
        l.alerts().size(),
        f.alerts().size(),
        l.patients(),
        f.patients().size());
    return l;
  }

  // ------------------------------------------------------------------ the stack's services

  /**
   * kill -9 of a stack service (kafka, connect, flink-taskmanager, ...), held down by the stack's
   * supervisor until {@code stack.sh up}, {@code restart} or {@code flink-tm-start}.
   */
  void kill9(String service) throws Exception {
    stack("kill", service);
    System.err.println("e2e: killed " + service + " with SIGKILL (held down)");
  }

  /** kill -9 of a stack service, nothing else: the stack's supervisor starts it again. */
  void killUnheld(String service) throws Exception {
    String pid = Files.readString(stack.stackDir().resolve("run").resolve(service + ".pid")).trim();
    run(List.of("kill", "-9", pid), 1, "kill -9 " + service);
    System.err.println("e2e: killed " + service + " (pid " + pid + ") with SIGKILL, not held");
  }

  /** The state of a job on the pipeline's Flink cluster (RUNNING, RESTARTING, ...). */
  String jobState(String jobId) throws Exception {
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(stack.value("VITALFLOW_FLINK_URL") + "/jobs/" + jobId))
                    .timeout(java.time.Duration.ofSeconds(10))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    java.util.regex.Matcher m = Pattern.compile("\"state\":\"([A-Z_]+)\"").matcher(r.body());
    return r.statusCode() == 200 && m.find() ? m.group(1) : "HTTP " + r.statusCode();
  }

  /** The pid of a stack service's process, from its pid file. */
  String pid(String service) throws IOException {
    return Files.readString(stack.stackDir().resolve("run").resolve(service + ".pid")).trim();
  }

  /** {@code scripts/pipeline.sh status}: its exit status and its output. */
  java.util.Map.Entry<Integer, String> pipelineStatus() throws Exception {
    File out = work.resolve("pipeline-status.txt").toFile();
    int rc = run(List.of("scripts/pipeline.sh", "status"), 2, "pipeline.sh status", out, false);
    return java.util.Map.entry(rc, Files.readString(out.toPath()));
  }

  String lastJobIdOrEmpty() {
    try {
      return lastJobId();
    } catch (Throwable e) {
      return "";
    }
  }

  /** The id of the Flink job scripts/pipeline.sh submitted last. */
  String lastJobId() throws Exception {
    List<String> ids = Files.readAllLines(stack.stackDir().resolve("run/pipeline-jobs"));
    assertTrue(!ids.isEmpty(), "scripts/pipeline.sh recorded no job");
    return ids.get(ids.size() - 1).trim();
  }

  void stack(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tests/stack/stack.sh"));
    cmd.addAll(List.of(args));
    run(cmd, 10, "stack.sh " + String.join(" ", args));
  }
}
