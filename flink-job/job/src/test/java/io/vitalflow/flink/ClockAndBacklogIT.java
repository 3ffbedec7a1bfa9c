package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.bridge.Hl7;
import io.vitalflow.stack.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 on the real broker and registry, the job in a MiniCluster: what clinical feeds do to
 * timing. At once, into one job:
 *
 * <ul>
 *   <li>a <b>live ward</b> (the last two hours, sent paced) keeps flowing;
 *   <li>a <b>6-hour backlog</b> of another ward is replayed by 8 producers at full speed (an
 *       interface engine's queue after an outage, split by patient as its connections are);
 *   <li>a <b>monitor with its clock 6 hours ahead</b> sends a reading for a live patient;
 *   <li>a <b>glucometer docked 3 hours late</b> uploads a 45 mg/dL taken three hours before.
 * </ul>
 *
 * Every message carries the {@code hl7.received_at} header the ingest writes. The job's scores and
 * alerts must equal {@code vitalflow score} on the same per-patient arrival order with the same
 * receipt times ({@code --receipts}), each once; the counters are read from Flink's REST API, as an
 * operator reads them.
 */
class ClockAndBacklogIT {
  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(3)
              .build());

  static final DateTimeFormatter HL7 =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  /** Receipt times by MSH-10, as the job saw them in the header. */
  private final Map<String, Instant> receipts = new ConcurrentHashMap<>();

  @Test
  void aFastClockABacklogAndALateGlucometerAreAllScoredAsOffline(@TempDir Path dir)
      throws Exception {
    LocalStack stack = LocalStack.get();
    String bootstrap = stack.kafkaBootstrap();
    String registryUrl = stack.registryUrl();
    String prefix = "it23-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> topics = VitalsJobIT.freshTopics(bootstrap, registryUrl, prefix);
    Path cli = VitalsJobIT.cli();

    Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    Path backlogFeed = dir.resolve("backlog.hl7");
    Path liveFeed = dir.resolve("live.hl7");
    VitalsJobIT.run(
        cli.toString(),
        "simulate",
        "--patients",
        "16",
        "--seed",
        "2323",
        "--start",
        now.minus(8, ChronoUnit.HOURS).toString(),
        "--duration",
        "6h",
        "--framing",
        "mllp",
        "--out",
        backlogFeed.toString());
    VitalsJobIT.run(
        cli.toString(),
        "simulate",
        "--patients",
        "6",
        "--seed",
        "2324",
        "--start",
        now.minus(135, ChronoUnit.MINUTES).toString(),
        "--duration",
        "2h",
        "--framing",
        "mllp",
        "--out",
        liveFeed.toString());
    List<byte[]> backlog = VitalsJobIT.mllp(Files.readAllBytes(backlogFeed));
    List<byte[]> live = VitalsJobIT.mllp(Files.readAllBytes(liveFeed));
    Map<String, List<byte[]>> backlogByPatient = byPatient(backlog);
    Map<String, List<byte[]>> liveByPatient = byPatient(live);
    for (String p : liveByPatient.keySet()) {
      assertTrue(!backlogByPatient.containsKey(p), "the two wards share a patient; change a seed");
    }
    String livePatient = liveByPatient.keySet().iterator().next();
    // a monitor 6 h fast: pulse 135 (a single-parameter 3 that must fire at its receipt time)
    byte[] fast =
        oru("FAST-1", "MON_FAST", livePatient, now.plus(6, ChronoUnit.HOURS), "8867-4", "135");
    // a glucometer docked 3 h 5 min late: 45 mg/dL (HYPO_L2 at the reading's own time)
    String backlogPatient = backlogByPatient.keySet().iterator().next();
    byte[] glucose =
        oru(
            "GLU-LATE-1",
            "GLUCOMETER",
            backlogPatient,
            now.minus(185, ChronoUnit.MINUTES),
            "2339-0",
            "45");

    Configuration conf = VitalsJobIT.jobConf(bootstrap, registryUrl, topics, prefix);
    conf.set(JobOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(2));
    conf.set(JobOptions.PARALLELISM, 2);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(VitalsJob.engineConfig(conf));
    VitalsJob.build(env, conf);
    JobClient job = env.executeAsync("vitalflow clock and backlog IT");
    // the per-patient order the job sees: each patient's messages are sent by one producer, in
    // order, so the offline feed is each patient's messages in that order
    Map<String, List<byte[]>> sentByPatient = new ConcurrentHashMap<>();
    try {
      Thread.sleep(5000);
      String raw = topics.get("hl7.raw");
      ExecutorService pool = Executors.newFixedThreadPool(9);
      List<Future<?>> running = new ArrayList<>();
      // the live ward, paced (about 10 s), with the fast monitor in its middle
      List<byte[]> liveSends = new ArrayList<>(live);
      liveSends.add(live.size() / 2, fast);
      running.add(pool.submit(() -> send(bootstrap, raw, liveSends, 10_000, sentByPatient)));
      // the backlog: 8 producers at full speed, split by patient, the late glucose among them
      List<List<byte[]>> connections = new ArrayList<>();
      for (int i = 0; i < 8; i++) connections.add(new ArrayList<>());
      int i = 0;
      for (List<byte[]> msgs : backlogByPatient.values()) connections.get(i++ % 8).addAll(msgs);
      connections.get(0).add(glucose);
      for (List<byte[]> c : connections) {
        running.add(pool.submit(() -> send(bootstrap, raw, c, 0, sentByPatient)));
      }
      for (Future<?> f : running) f.get(120, TimeUnit.SECONDS);
      pool.shutdown();

      // offline: the same messages, per patient in arrival order, with the same receipt times
      Path offline = dir.resolve("arrival-order.hl7");
      try (var out = Files.newOutputStream(offline)) {
        for (List<byte[]> msgs : sentByPatient.values()) {
          for (byte[] m : msgs) {
            out.write(0x0b);
            out.write(m);
            out.write(new byte[] {0x1c, 0x0d});
          }
        }
      }
      Path receiptFile = dir.resolve("receipts.tsv");
      StringBuilder tsv = new StringBuilder();
      receipts.forEach((id, at) -> tsv.append(id).append('\t').append(at).append('\n'));
      Files.writeString(receiptFile, tsv.toString());
      List<String> expectedScores = new ArrayList<>();
      List<String> expectedAlerts = new ArrayList<>();
      VitalsJobIT.expected(
          offline,
          List.of(),
          List.of("--receipts", receiptFile.toString()),
          expectedScores,
          expectedAlerts);
      // the situations are in the expectation: the fast monitor's pulse alerts at its receipt time,
      // the late glucose alerts at its own time
      long fastAt = receipts.get("FAST-1").toEpochMilli() * 1000L;
      assertTrue(
          expectedAlerts.contains(livePatient + " SINGLE_PARAMETER_3 " + fastAt),
          "the fast monitor's alert at its receipt time: " + expectedAlerts);
      long glucoseAt = now.minus(185, ChronoUnit.MINUTES).toEpochMilli() * 1000L;
      assertTrue(
          expectedAlerts.contains(backlogPatient + " GLUCOSE_HYPO_L2 " + glucoseAt),
          "the late glucose's alert: " + expectedAlerts);
      assertTrue(expectedScores.size() > 300, "scores: " + expectedScores.size());

      List<String> scores = new ArrayList<>();
      List<String> alerts = new ArrayList<>();
      int observations =
          VitalsJobIT.readCommitted(
              bootstrap,
              registryUrl,
              topics,
              expectedScores.size(),
              expectedAlerts.size(),
              scores,
              alerts);
      Collections.sort(expectedScores);
      Collections.sort(scores);
      Collections.sort(expectedAlerts);
      Collections.sort(alerts);
      assertEquals(expectedAlerts, alerts, "alerts, each once");
      assertEquals(expectedScores, scores, "scores, each once");
      assertTrue(observations > scores.size(), "observations: " + observations);

      // the counters, through Flink's REST API
      Map<String, Long> m =
          restCounters(
              job.getJobID().toString(),
              List.of("clockErrors", "lateMessages", "notScoredProcessingId", "scoresEmitted"));
      assertEquals(1L, m.get("clockErrors"), "clockErrors: the fast monitor's one row " + m);
      assertEquals(1L, m.get("sender.MON_FAST^WARD.clockErrors"), "per sender: " + m);
      assertTrue(
          m.get("lateMessages") >= backlog.size() / 2,
          "the backlog arrived hours late and was scored: " + m);
      assertEquals(0L, m.get("notScoredProcessingId"), m.toString());
      assertEquals((long) expectedScores.size(), m.get("scoresEmitted"), m.toString());
    } finally {
      job.cancel().get(60, TimeUnit.SECONDS);
    }
  }

  private static Map<String, List<byte[]>> byPatient(List<byte[]> messages) {
    Map<String, List<byte[]>> m = new LinkedHashMap<>();
    for (byte[] msg : messages) {
      m.computeIfAbsent(Hl7.query(msg, "PID-3-1"), k -> new ArrayList<>()).add(msg);
    }
    return m;
  }

  private static byte[] oru(
      String control, String app, String patient, Instant observed, String loinc, String value) {
    String t = HL7.format(observed);
    String unit = loinc.equals("2339-0") ? "mg/dL" : "/min";
    return ("MSH|^~\\&|"
            + app
            + "|WARD|VITALFLOW|HOSPITAL|"
            + t
            + "||ORU^R01|"
            + control
            + "|P|2.6\rPID|1||"
            + patient
            + "^^^HOSP^MR\rOBR|1||||||"
            + t
            + "\rOBX|1|NM|"
            + loinc
            + "^^LN||"
            + value
            + "|"
            + unit
            + "|||||F|||"
            + t
            + "\r")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Sends with the hl7.received_at header, {@code overMillis} spread (0: at once). */
  private void send(
      String bootstrap,
      String topic,
      List<byte[]> messages,
      long overMillis,
      Map<String, List<byte[]>> sentByPatient) {
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("acks", "all");
    pp.put("enable.idempotence", "true");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = System.nanoTime();
      int n = 0;
      for (byte[] m : messages) {
        String pid = Hl7.query(m, "PID-3-1");
        String control = Hl7.query(m, "MSH-10");
        Instant received = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertTrue(receipts.put(control, received) == null, "control id twice: " + control);
        ProducerRecord<byte[], byte[]> r =
            new ProducerRecord<>(topic, pid.getBytes(StandardCharsets.UTF_8), m);
        r.headers().add("hl7.received_at", received.toString().getBytes(StandardCharsets.UTF_8));
        // acks=all, one at a time: the order per patient is the send order
        producer.send(r).get();
        sentByPatient.computeIfAbsent(pid, k -> new ArrayList<>()).add(m);
        n++;
        if (overMillis > 0) {
          long due = start + TimeUnit.MILLISECONDS.toNanos(overMillis) * n / messages.size();
          long wait = due - System.nanoTime();
          if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Pattern METRIC =
      Pattern.compile("\\{\"id\":\"([^\"]+)\",\"value\":\"([^\"]*)\"}");

  /**
   * Counters summed over every vertex and subtask, by metric name (and by {@code sender.<s>.<name>}
   * for per-sender counters), from {@code GET /jobs/<id>/vertices/<v>/metrics}.
   */
  private static Map<String, Long> restCounters(String jobId, List<String> names) throws Exception {
    Configuration client = FLINK.getClientConfiguration();
    String base = "http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT);
    HttpClient http = HttpClient.newHttpClient();
    String job = get(http, base + "/jobs/" + jobId);
    Map<String, Long> sums = new LinkedHashMap<>();
    for (String n : names) sums.put(n, 0L);
    Matcher v = Pattern.compile("\"id\":\"([0-9a-f]{32})\"").matcher(job);
    List<String> vertices = new ArrayList<>();
    while (v.find()) if (!vertices.contains(v.group(1))) vertices.add(v.group(1));
    for (String vertex : vertices) {
      String list = get(http, base + "/jobs/" + jobId + "/vertices/" + vertex + "/metrics");
      Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(list);
      List<String> wanted = new ArrayList<>();
      while (id.find()) {
        String metric = id.group(1);
        if (metric.endsWith(".clockErrors")
            || names.stream().anyMatch(n -> metric.endsWith("." + n))) {
          wanted.add(metric);
        }
      }
      if (wanted.isEmpty()) continue;
      String values =
          get(
              http,
              base
                  + "/jobs/"
                  + jobId
                  + "/vertices/"
                  + vertex
                  + "/metrics?get="
                  + java.net.URLEncoder.encode(String.join(",", wanted), StandardCharsets.UTF_8));
      Matcher x = METRIC.matcher(values);
      while (x.find()) {
        String metric = x.group(1);
        long value = (long) Double.parseDouble(x.group(2));
        int sender = metric.indexOf(".sender.");
        if (sender >= 0) {
          String key = metric.substring(sender + 1);
          sums.merge(key, value, Long::sum);
        }
        for (String n : names) {
          if (metric.endsWith("." + n) && sender < 0) sums.merge(n, value, Long::sum);
        }
      }
    }
    return sums;
  }

  private static String get(HttpClient http, String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }
}
