package io.vitalflow.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.stack.Alerts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MLLP -> MLLP source connector -> hl7.raw -> Flink job -> vitals.* / patients -> warehouse sink ->
 * PostgreSQL, on the local stack's real services, deployed by {@code scripts/pipeline.sh up}.
 *
 * <p>Each test sends its own simulated ward (its own seed, so its own control ids and patients)
 * with the vitalflow CLI and compares the warehouse with the offline computation of the same rules
 * ({@code vitalflow vitals}, {@code vitalflow score}): exactly once, nothing lost, nothing twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {
  static Pipeline pipeline;
  static final long RUN = System.currentTimeMillis() % 1_000_000L;

  @BeforeAll
  static void up() throws Exception {
    pipeline = new Pipeline(Path.of("target", "e2e").toAbsolutePath());
  }

  /**
   * The chaos ward's pace: its 31,600 messages take about 80 s to send, longer than the faults take
   * to inject, so that every fault meets a sender at work whatever the machine's speed (unpaced, a
   * fast machine sent the whole ward in 15 s, before the broker was killed). A slower machine is
   * below this pace anyway.
   */
  static final double CHAOS_RATE = 400;

  /**
   * Sends a feed over MLLP (paced at {@code rate} messages/s if above 0); returns the control ids
   * that got AA.
   */
  static Set<String> send(
      Pipeline p,
      Pipeline.Feed f,
      String name,
      int connections,
      double rate,
      java.util.function.Consumer<Process> during)
      throws Exception {
    File acks = p.work.resolve(name + "-acks.txt").toFile();
    File log = p.work.resolve(name + "-send.log").toFile();
    Process sender = p.send(f, name, connections, "10m", rate);
    during.accept(sender);
    assertTrue(sender.waitFor(30, TimeUnit.MINUTES), "the sender finished");
    String summary = Files.readString(log.toPath());
    System.err.println("e2e: " + summary.lines().reduce((a, b) -> b).orElse(""));
    assertEquals(0, sender.exitValue(), "every message accepted: " + tail(summary));
    Set<String> accepted = new HashSet<>();
    for (String l : Files.readAllLines(acks.toPath())) {
      String[] parts = l.split(" ");
      if (parts.length == 2 && parts[1].equals("AA")) accepted.add(parts[0]);
    }
    return accepted;
  }

  static String tail(String s) {
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }

  static void assertExactlyOnce(Pipeline.Feed f, Set<String> accepted, Pipeline.Loaded l) {
    assertEquals(new HashSet<>(f.controlIds()), accepted, "every message got an AA");
    assertEquals(f.vitalRows(), l.distinctObservations(), "every observation of the feed loaded");
    assertEquals(l.distinctObservations(), l.observations(), "no observation twice");
    assertEquals(f.patients().size(), l.patients(), "every admitted patient in dim_patient");
    assertEquals(f.scores().size(), l.scores().size(), "NEWS2 scores: as many as offline");
    assertEquals(f.scores(), l.scores(), "NEWS2 scores: the same as offline");
    assertEquals(f.alerts(), l.alerts(), "alerts: the same as offline");
  }

  /**
   * Issue 24's first fault: an ad-hoc batch SELECT over a Kafka table whose topic does not exist,
   * given up and cancelled after a minute (the cancellation that brought the only TaskManager down,
   * with the alerting job on it). It runs on the SQL session cluster, so the job keeps its id,
   * stays RUNNING, and its TaskManager is the same process.
   */
  void aFailingSqlQueryBesideTheJob() throws Exception {
    String job = pipeline.lastJobId();
    String tm = pipeline.pid("flink-taskmanager");
    assertEquals("RUNNING", pipeline.jobState(job), "the job before the query");
    Path sql = pipeline.work.resolve("missing-topic.sql");
    Files.writeString(
        sql,
        String.join(
            "\n",
            "SET 'execution.runtime-mode' = 'batch';",
            "SET 'sql-client.execution.result-mode' = 'tableau';",
            "CREATE TABLE missing_topic (v BYTES) WITH ('connector' = 'kafka',"
                + " 'topic' = 'no.such.topic."
                + RUN
                + "',"
                + " 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',"
                + " 'properties.group.id' = 'e2e-missing-topic',"
                + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
                + " 'format' = 'raw');",
            "SELECT count(*) FROM missing_topic;",
            ""));
    // the query waits for a topic that never comes: the user gives up after a minute
    int rc =
        pipeline.run(
            List.of("timeout", "-k", "20", "60", "tests/stack/stack.sh", "sql", sql.toString()),
            3,
            "sql missing topic",
            pipeline.work.resolve("missing-topic.out").toFile(),
            false);
    assertTrue(rc != 0, "the query over a missing topic did not complete (exit " + rc + ")");
    Thread.sleep(5000);
    assertEquals(job, pipeline.lastJobId(), "the same job");
    assertEquals("RUNNING", pipeline.jobState(job), "the job after the query was given up");
    assertEquals(
        tm, pipeline.pid("flink-taskmanager"), "the job's TaskManager is the same process");
    System.err.println(
        "e2e: a failing SQL query on the SQL cluster left the job RUNNING (" + job + ")");
  }

  @Test
  @Order(1)
  void fiftyThousandMessagesExactlyOnce() throws Exception {
    Pipeline.Feed f = pipeline.simulate("once", 0xE2E000L + RUN, 500, "24h", true);
    assertTrue(f.controlIds().size() >= 50_000, "50,000 messages: " + f.controlIds().size());
    // beside the ward, on the SQL cluster: a query that fails (issue 24)
    java.util.concurrent.CompletableFuture<Void> sqlQuery =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              try {
                aFailingSqlQueryBesideTheJob();
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    long start = System.nanoTime();
    Set<String> accepted = send(pipeline, f, "once", 8, 0, sender -> {});
    double sendS = (System.nanoTime() - start) / 1e9;
    sqlQuery.join();
    Pipeline.Loaded l = pipeline.awaitLoaded(f, 900);
    System.err.printf(
        "e2e: exactly once: %d messages, all AA in %.1fs (%.0f msg/s); %d observations, %d scores,"
            + " %d alerts loaded, each once%n",
        accepted.size(),
        sendS,
        accepted.size() / sendS,
        l.observations(),
        l.scores().size(),
        l.alerts().size());
    assertExactlyOnce(f, accepted, l);
  }

  /**
   * During a run: kill -9 the Connect worker, kill the Flink TaskManager, kill -9 and restart the
   * broker, restart PostgreSQL, kill -9 the JobManager and let the stack's supervisor bring it and
   * the job (from its retained checkpoint) back. The sender resends what got no AA. Afterwards
   * nothing is lost and nothing is duplicated.
   */
  @Test
  @Order(2)
  void chaos() throws Exception {
    Pipeline.Feed f = pipeline.simulate("chaos", 0xC4A000L + RUN, 300, "24h", true);
    List<String> done = new ArrayList<>();
    Set<String> accepted =
        send(
            pipeline,
            f,
            "chaos",
            4,
            CHAOS_RATE,
            sender -> {
              try {
                Thread.sleep(5000);
                pipeline.kill9("connect");
                String when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(2000);
                pipeline.stack("restart", "connect");
                done.add("Connect worker killed" + when + " and restarted");
                Thread.sleep(5000);
                pipeline.kill9("flink-taskmanager");
                when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(2000);
                pipeline.stack("flink-tm-start");
                done.add("TaskManager killed" + when + " and restarted");
                Thread.sleep(5000);
                pipeline.kill9("kafka");
                when = sender.isAlive() ? " while sending" : " after sending";
                Thread.sleep(3000);
                pipeline.stack("up");
                done.add("broker killed" + when + " and restarted");
                Thread.sleep(5000);
                when = sender.isAlive() ? " while sending" : " after sending";
                pipeline.stack("restart", "postgres");
                done.add("PostgreSQL restarted" + when);
                // the JobManager killed, nothing else done: the stack's supervisor starts it
                // again, and, since a session cluster without HA lost the job with it, resumes
                // the job from its retained checkpoint (scripts/pipeline.sh resume)
                Thread.sleep(5000);
                String job = pipeline.lastJobId();
                when = sender.isAlive() ? " while sending" : " after sending";
                pipeline.killUnheld("flink-jobmanager");
                assertTrue(
                    Pipeline.await(240, () -> !pipeline.lastJobIdOrEmpty().equals(job)),
                    "the supervisor resumed the job after the JobManager came back");
                done.add("JobManager killed" + when + ", the job resumed by the supervisor");
              } catch (Exception e) {
                throw new AssertionError("chaos step failed after " + done, e);
              }
            });
    assertEquals(5, done.size(), "every fault was injected: " + done);
    Outage b = longOutages(done);
    Pipeline.Loaded l = pipeline.awaitLoaded(f, 900);
    System.err.printf(
        "e2e: chaos (%s): %d messages AA; %d observations loaded (%d expected, %d lost, %d"
            + " duplicated), %d scores (%d expected), %d alerts (%d expected)%n",
        String.join(", ", done),
        accepted.size(),
        l.distinctObservations(),
        f.vitalRows(),
        f.vitalRows() - l.distinctObservations(),
        l.observations() - l.distinctObservations(),
        l.scores().size(),
        f.scores().size(),
        l.alerts().size(),
        f.alerts().size());
    assertExactlyOnce(f, accepted, l);
    Pipeline.Loaded lb = pipeline.awaitLoaded(b.feed, 900);
    System.err.printf(
        "e2e: long outages: %d messages AA; %d observations (%d expected), %d scores (%d"
            + " expected), %d alerts (%d expected); alerts fired: %s%n",
        b.accepted.size(),
        lb.distinctObservations(),
        b.feed.vitalRows(),
        lb.scores().size(),
        b.feed.scores().size(),
        lb.alerts().size(),
        b.feed.alerts().size(),
        b.fired);
    assertExactlyOnce(b.feed, b.accepted, lb);
    assertEquals(b.job, pipeline.lastJobId(), "the same job came back after the long outages");
    assertEquals("RUNNING", pipeline.jobState(b.job), "the job after the long outages");
  }

  /** The long outages' ward, what got AA, the job, and the alerts that fired. */
  record Outage(Pipeline.Feed feed, Set<String> accepted, String job, List<String> fired) {}

  /**
   * The outages' ward's pace: its ~4,300 messages in about 110 s, so that the job has made more
   * than 5,000 warehouse rows that cannot be loaded before its TaskManager goes, and then more than
   * 1,000 messages of lag on hl7.raw.
   */
  static final double OUTAGE_RATE = 40;

  /**
   * Issue 24's long outages, overlapping, while a second ward is sent at {@link #OUTAGE_RATE}:
   * PostgreSQL down 5 minutes (from 0 s), the TaskManager kill -9'd and held down from 30 s (later
   * if the warehouse sink is not yet 5,000 rows behind, the times below shifting with it) until the
   * no-checkpoint alert fires (about 5 minutes, at least 3), then started again by the stack's
   * supervisor while the registry is still down (from 200 s, at least 2 minutes): the job restarts
   * without its registry until it is back. Meanwhile every pipeline alert rule fires, seen through
   * Prometheus's own API, and scripts/pipeline.sh status names them and exits 1. Afterwards the
   * ward is loaded exactly once, with the scores and alerts {@code vitalflow score} computes, by
   * the same job.
   */
  Outage longOutages(List<String> done) throws Exception {
    Pipeline.Feed g = pipeline.simulate("outage", 0x0A7A6EL + RUN, 80, "12h", true);
    String job = pipeline.lastJobId();
    List<String> fired = new ArrayList<>();
    java.time.Duration m = java.time.Duration.ofMinutes(1);
    Set<String> accepted =
        send(
            pipeline,
            g,
            "outage",
            4,
            OUTAGE_RATE,
            sender -> {
              try {
                long t0 = System.nanoTime();
                pipeline.kill9("postgres");
                Thread.sleep(30_000);
                // the TaskManager goes once the warehouse sink is more than the rule's 5,000 rows
                // behind (its alert pending), not at a fixed time: a job still catching up after
                // the chaos above (a slow machine) has made fewer rows by 30 s, and the sink-lag
                // alert then had nothing to fire on
                Alerts.awaitState(
                    "VitalflowSinkLag",
                    m.multipliedBy(3),
                    false,
                    "consumergroup=connect-vitalflow-warehouse-sink");
                pipeline.kill9("flink-taskmanager");
                long tmDown = System.nanoTime();
                // the schedule below counts from 30 s before the TaskManager went
                long base = tmDown - 30_000_000_000L;
                fired.add(Alerts.awaitFiring("VitalflowJobRestarting", m.multipliedBy(2)).name());
                fired.add(Alerts.awaitFiring("VitalflowJobNotRunning", m.multipliedBy(3)).name());
                fired.add(
                    Alerts.awaitFiring(
                            "VitalflowMetricsDown", m.multipliedBy(3), "component=taskmanager")
                        .name());
                fired.add(
                    Alerts.awaitFiring(
                            "VitalflowSinkLag",
                            m.multipliedBy(4),
                            "consumergroup=connect-vitalflow-warehouse-sink")
                        .name());
                fired.add(
                    Alerts.awaitFiring(
                            "VitalflowSenderSilent",
                            m.multipliedBy(4),
                            "sender=MONITOR_VITALFLOW_SIM")
                        .name());
                sleepUntil(base, 200);
                pipeline.kill9("registry");
                long registryDown = System.nanoTime();
                fired.add(
                    Alerts.awaitFiring(
                            "VitalflowIngestLag",
                            m.multipliedBy(5),
                            "consumergroup=vitalflow-flink")
                        .name());
                fired.add(Alerts.awaitFiring("VitalflowNoCheckpoint", m.multipliedBy(7)).name());
                var status = pipeline.pipelineStatus();
                assertEquals(1, status.getKey(), "pipeline-status exits 1 while alerts fire");
                for (String a : fired)
                  assertTrue(
                      status.getValue().contains("ALERT " + a),
                      "pipeline-status names " + a + ":\n" + status.getValue());
                for (String patient : g.patients())
                  assertTrue(
                      !status.getValue().contains(patient), "no patient id in pipeline-status");
                assertTrue(
                    System.nanoTime() - tmDown >= java.time.Duration.ofMinutes(3).toNanos(),
                    "the TaskManager was down 3 minutes");
                // the supervisor starts it; the job restarts while the registry is still away
                pipeline.stack("release", "flink-taskmanager");
                Thread.sleep(30_000);
                sleepUntil(base, 300);
                pipeline.stack("release", "postgres");
                sleepUntil(registryDown, 120);
                pipeline.stack("release", "registry");
                done.add(
                    "long outages while sending (PostgreSQL "
                        + (System.nanoTime() - t0) / 1_000_000_000L
                        + " s, TaskManager "
                        + (System.nanoTime() - tmDown) / 1_000_000_000L
                        + " s, registry "
                        + (System.nanoTime() - registryDown) / 1_000_000_000L
                        + " s)");
              } catch (Exception | AssertionError e) {
                // what this step held down comes back, so that the tests after it meet a whole
                // stack rather than failing on the same outage
                for (String service : List.of("postgres", "flink-taskmanager", "registry")) {
                  try {
                    pipeline.stack("release", service);
                  } catch (Exception r) {
                    e.addSuppressed(r);
                  }
                }
                throw new AssertionError("long outages failed after " + fired, e);
              }
            });
    return new Outage(g, accepted, job, fired);
  }

  static void sleepUntil(long startNanos, int seconds) throws InterruptedException {
    long left = startNanos + seconds * 1_000_000_000L - System.nanoTime();
    if (left > 0) Thread.sleep(left / 1_000_000L + 1);
  }

  /**
   * Issue 23 through MLLP, Kafka, Flink and the warehouse: a 6-hour backlog replayed over 8
   * connections at full speed while a live ward keeps flowing, a monitor with its clock 6 hours
   * ahead followed by a correct reading of the same patient, and a glucometer docked 3 hours late.
   * Every message is ACKed and scored: the warehouse's scores and alerts equal {@code vitalflow
   * score} over the same per-patient order with the receipt times the pipeline recorded. Meanwhile
   * the job is upgraded ({@code make pipeline-upgrade}: stop with a savepoint, resume from it).
   */
  @Test
  @Order(3)
  void aBacklogAFastClockAndALateGlucometerAreAllScored() throws Exception {
    java.time.Instant now =
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Pipeline.Feed backlog =
        pipeline.simulate(
            "backlog", 0xB4C000L + RUN, 60, "6h", true, now.minus(java.time.Duration.ofHours(8)));
    Pipeline.Feed live =
        pipeline.simulate(
            "live", 0x11FE00L + RUN, 20, "2h", true, now.minus(java.time.Duration.ofMinutes(135)));
    for (String p : live.patients()) {
      assertTrue(!backlog.patients().contains(p), "the two wards share a patient " + p);
    }
    // a monitor 6 h fast, then the same patient's monitor with a correct clock (one connection, in
    // order); the patient is new to the warehouse
    String fastPatient = "FASTCLK" + RUN;
    String fastTag = "FAST" + RUN;
    java.nio.file.Path fastFile = pipeline.work.resolve("fast.hl7");
    Files.writeString(
        fastFile,
        oru(
                fastTag + "-1",
                "MON_FAST",
                fastPatient,
                now.plus(java.time.Duration.ofHours(6)),
                "8867-4",
                "72")
            + oru(fastTag + "-2", "MON_OK", fastPatient, now, "8867-4", "135"));
    // a glucometer docked 3 h 5 min late for a backlog patient, sent after the backlog
    String gluPatient = backlog.patients().get(0);
    java.nio.file.Path gluFile = pipeline.work.resolve("glucose.hl7");
    java.time.Instant gluAt = now.minus(java.time.Duration.ofMinutes(185));
    Files.writeString(
        gluFile, oru(fastTag + "-G", "GLUCOMETER", gluPatient, gluAt, "2339-0", "45"));

    Set<String> accepted = new HashSet<>();
    long paced = Math.max(1, live.controlIds().size() / 60); // about a minute of live traffic
    Pipeline.Feed fast =
        new Pipeline.Feed(
            fastFile,
            fastTag,
            List.of(fastTag + "-1", fastTag + "-2"),
            2,
            List.of(fastPatient),
            List.of(),
            List.of());
    Pipeline.Feed glu =
        new Pipeline.Feed(
            gluFile,
            fastTag,
            List.of(fastTag + "-G"),
            1,
            List.of(gluPatient),
            List.of(),
            List.of());
    Process liveSender = pipeline.send(live, "live", 2, "10m", (double) paced);
    // make pipeline-upgrade under that load (issue 24): the job stopped with a savepoint and
    // submitted again from it, while the backlog and the live ward arrive. Its state is kept: the
    // comparison with vitalflow score below fails on any alert raised again or missed.
    String jobBefore = pipeline.lastJobId();
    java.util.concurrent.CompletableFuture<Void> upgrade =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              try {
                Thread.sleep(3000);
                pipeline.run(List.of("scripts/pipeline.sh", "upgrade"), 10, "pipeline.sh upgrade");
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    accepted.addAll(send(pipeline, backlog, "backlog", 8, 0, p -> {}));
    upgrade.get(10, TimeUnit.MINUTES);
    String jobAfter = pipeline.lastJobId();
    assertTrue(!jobAfter.equals(jobBefore), "the upgrade submitted a new job: " + jobAfter);
    assertTrue(
        Files.readString(pipeline.work.resolve("pipeline.sh_upgrade.log")).contains("savepoint"),
        "the upgrade went through a savepoint");
    accepted.addAll(send(pipeline, fast, "fast", 1, 0, p -> {}));
    accepted.addAll(send(pipeline, glu, "glucose", 1, 0, p -> {}));
    assertTrue(liveSender.waitFor(20, TimeUnit.MINUTES), "the live sender finished");
    assertEquals(0, liveSender.exitValue(), "every live message accepted");
    for (String l : Files.readAllLines(pipeline.work.resolve("live-acks.txt"))) {
      String[] parts = l.split(" ");
      if (parts.length == 2 && parts[1].equals("AA")) accepted.add(parts[0]);
    }
    List<String> all = new ArrayList<>();
    for (Pipeline.Feed f : List.of(backlog, live, fast, glu)) all.addAll(f.controlIds());
    assertEquals(new HashSet<>(all), accepted, "every message got an AA");

    // the rows are in the warehouse: then the receipt times the pipeline gave them
    pipeline.awaitLoaded(backlog, 600);
    pipeline.awaitLoaded(live, 600);
    assertTrue(
        Pipeline.await(
            300,
            () -> {
              try {
                return pipeline
                        .receipts(List.of(fastTag + "-1", fastTag + "-2", fastTag + "-G"))
                        .size()
                    == 3;
              } catch (java.sql.SQLException e) {
                return false;
              }
            }),
        "the fast monitor's and the glucometer's rows are loaded");
    java.util.Map<String, java.time.Instant> receipts = pipeline.receipts(all);
    assertTrue(receipts.containsKey(fastTag + "-1"), "the fast monitor's rows are loaded");
    long[] fastRows = pipeline.clockErrorRows(fastTag + "-1");
    assertEquals(1, fastRows[0], "the fast monitor's row is stored as sent");
    assertEquals(1, fastRows[1], "and flagged clock_error");
    assertEquals(0, pipeline.clockErrorRows(fastTag + "-2")[1], "the correct clock is no error");
    // and the operators are told, through Prometheus (issue 24): the shipped rule fires for the
    // fast monitor's sender (MSH-3^MSH-4, written by Flink's reporter with _ for ^)
    Alerts.awaitFiring(
        "VitalflowDeviceClockErrors", java.time.Duration.ofSeconds(90), "sender=MON_FAST_WARD");
    assertTrue(
        pipeline.pipelineStatus().getValue().contains("ALERT VitalflowDeviceClockErrors"),
        "pipeline-status names the clock errors");
    StringBuilder tsv = new StringBuilder();
    receipts.forEach((id, at) -> tsv.append(id).append('\t').append(at).append('\n'));
    java.nio.file.Path receiptFile = pipeline.work.resolve("timing-receipts.tsv");
    Files.writeString(receiptFile, tsv.toString());
    List<String> scores = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    pipeline.offline(
        "timing",
        List.of(backlog.file(), gluFile, live.file(), fastFile),
        List.of("--receipts", receiptFile.toString()),
        scores,
        alerts);
    // the situations are in the expectation
    String fastAlert = Pipeline.key(fastPatient, now, "SINGLE_PARAMETER_3");
    assertTrue(
        alerts.contains(fastAlert), "the correct reading after the fast one alerts: " + fastAlert);
    String gluAlert = Pipeline.key(gluPatient, gluAt, "GLUCOSE_HYPO_L2");
    assertTrue(alerts.contains(gluAlert), "the late glucometer alerts: " + gluAlert);

    List<String> patients = new ArrayList<>(backlog.patients());
    patients.addAll(live.patients());
    patients.add(fastPatient);
    List<List<String>> got = List.of(List.of(), List.of());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < end) {
      got = pipeline.scoresAndAlerts(patients);
      if (got.get(0).size() >= scores.size() && got.get(1).size() >= alerts.size()) break;
      Thread.sleep(2000);
    }
    Thread.sleep(5000);
    got = pipeline.scoresAndAlerts(patients);
    System.err.printf(
        "e2e: timing: %d messages AA (backlog %d over 8 connections, live %d paced, a fast clock,"
            + " a late glucometer); %d scores and %d alerts loaded, %d and %d offline%n",
        accepted.size(),
        backlog.controlIds().size(),
        live.controlIds().size(),
        got.get(0).size(),
        got.get(1).size(),
        scores.size(),
        alerts.size());
    assertEquals(scores, got.get(0), "scores: every message scored, as offline");
    assertEquals(alerts, got.get(1), "alerts: as offline");
  }

  static String oru(
      String control,
      String app,
      String patient,
      java.time.Instant observed,
      String loinc,
      String value) {
    String t =
        java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(java.time.ZoneOffset.UTC)
            .format(observed);
    String unit = loinc.equals("2339-0") ? "mg/dL" : "/min";
    return "MSH|^~\\&|"
        + app
        + "|WARD|VITALFLOW|HOSPITAL|"
        + t
        + "||ORU^R01|"
        + control
        + "|P|2.6\rPID|1||"
        + patient
        + "^^^HOSP^MR\rPV1|1|I|WARD^1^1\rOBR|1||||||"
        + t
        + "\rOBX|1|NM|"
        + loinc
        + "^^LN||"
        + value
        + "|"
        + unit
        + "|||||F|||"
        + t
        + "\r";
  }
}
