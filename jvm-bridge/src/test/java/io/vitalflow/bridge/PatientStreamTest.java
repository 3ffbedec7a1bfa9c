package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PatientStream} over serialized state gives exactly what {@code vitalflow score} prints for
 * the same feed: the same scores (patient, time, total, band) and the same alerts, in the same
 * order.
 */
class PatientStreamTest {
  private static final Pattern PID = Pattern.compile("\"patient_id\":\"([^\"]*)\"");
  private static final Pattern AT = Pattern.compile("\"at\":\"([^\"]*)\"");
  private static final Pattern TOTAL = Pattern.compile("\"total\":(\\d+)");
  private static final Pattern BAND = Pattern.compile("\"band\":\"(\\w+)\"");
  private static final Pattern KIND = Pattern.compile("\"kind\":\"(\\w+)\"");

  static String first(Pattern p, String s) {
    Matcher m = p.matcher(s);
    assertTrue(m.find(), p + " in " + s);
    return m.group(1);
  }

  /** Splits an MLLP-framed stream into messages. */
  static List<byte[]> mllp(byte[] data) {
    List<byte[]> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == 0x0b) start = i + 1;
      else if (data[i] == 0x1c && start >= 0) {
        byte[] m = new byte[i - start];
        System.arraycopy(data, start, m, 0, m.length);
        out.add(m);
        start = -1;
      }
    }
    return out;
  }

  @Test
  void agreesWithTheCliOnASimulatedWard(@TempDir Path dir) throws Exception {
    Path cli = CliAgreementTest.cli();
    Path feed = dir.resolve("feed.hl7");
    Process sim =
        new ProcessBuilder(
                cli.toString(),
                "simulate",
                "--patients",
                "8",
                "--seed",
                "11",
                "--duration",
                "6h",
                "--framing",
                "mllp",
                "--out",
                feed.toString())
            .inheritIO()
            .start();
    assertEquals(0, sim.waitFor());
    // P-scale-2 patients: take one patient of the feed and put it on scale 2 on both sides
    List<byte[]> messages = mllp(Files.readAllBytes(feed));
    assertTrue(messages.size() > 100, "messages: " + messages.size());
    String scale2 = Hl7.query(messages.get(0), "PID-3-1");

    List<String> expected = new ArrayList<>();
    for (String line : CliAgreementTest.run(cli, feed, "score", "--scale2", scale2).split("\n")) {
      if (line.isBlank()) continue;
      String pid = first(PID, line);
      if (line.contains("\"type\":\"score\"")) {
        expected.add(
            "score "
                + pid
                + " "
                + Instant.parse(first(AT, line)).toEpochMilli()
                + " "
                + first(TOTAL, line)
                + " "
                + first(BAND, line));
      } else {
        expected.add("alert " + pid + " " + first(KIND, line));
      }
    }

    Map<String, byte[]> states = new HashMap<>();
    List<String> actual = new ArrayList<>();
    int alerts = 0;
    for (byte[] m : messages) {
      String pid = Hl7.query(m, "PID-3-1");
      PatientStream.Result r =
          PatientStream.step(
              states.get(pid), m, pid, pid.equals(scale2) ? 2 : 1, PatientStream.DEFAULT_FRESHNESS);
      if (!r.stepped()) continue;
      assertEquals(pid, r.patientId());
      states.put(pid, r.state());
      if (r.score() != null) {
        actual.add(
            "score " + pid + " " + r.clock() + " " + r.score().total() + " " + r.score().band());
        assertEquals(pid.equals(scale2) ? 2 : 1, r.score().spo2Scale());
      }
      for (PatientStream.Alert a : r.alerts()) {
        actual.add("alert " + pid + " " + a.kind());
        assertFalse(a.message().contains(pid), "alert text names the patient");
        alerts++;
      }
    }
    assertTrue(alerts > 0, "the simulated ward raised no alert");
    assertEquals(expected, actual);
  }

  @Test
  void scaleTwoRescoresAndStateRoundTrips() {
    byte[] oru =
        ("MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C1|P|2.6\r"
                + "PID|||P1\rOBR|1||||||20261120060000\r"
                + "OBX|1|NM|9279-1^Resp^LN||18|/min|||||F\r"
                + "OBX|2|NM|59408-5^SpO2^LN||89|%|||||F\r")
            .getBytes(StandardCharsets.US_ASCII);
    PatientStream.Result r =
        PatientStream.step(null, oru, null, 1, PatientStream.DEFAULT_FRESHNESS);
    assertTrue(r.stepped());
    assertNotNull(r.score());
    assertEquals(3, r.score().subscores().get(News2Parameter.SPO2));
    assertEquals(89.0, r.score().spo2());
    assertTrue(r.score().missing().contains(News2Parameter.PULSE));
    assertEquals(Instant.parse("2026-11-20T06:00:00Z").toEpochMilli(), r.clock());
    // the score's natural key comes from the Rust rules: <patient>@<clock in epoch micros>
    assertEquals("P1@" + r.clock() * 1000L, r.score().scoreId());
    for (PatientStream.Alert a : r.alerts()) {
      assertEquals(
          "P1@"
              + a.kind()
              + (a.parameter() == null ? "" : ":" + a.parameter())
              + "@"
              + a.at() * 1000L,
          a.alertId());
      assertEquals(a.band() == null ? null : r.score().scoreId(), a.scoreId());
    }
    assertFalse(r.alerts().isEmpty(), "SpO2 89 on scale 1 raises a single-parameter alert");
    // on scale 2, SpO2 89 on air scores 0: a new score at the patient's clock
    PatientStream.Result s =
        PatientStream.setSpo2Scale(r.state(), 2, PatientStream.DEFAULT_FRESHNESS);
    assertNotNull(s.score());
    assertNull(s.score().scoreId(), "no patient named, no id");
    assertEquals(
        "P1@" + s.clock() * 1000L,
        PatientStream.setSpo2Scale(r.state(), 2, PatientStream.DEFAULT_FRESHNESS, "P1")
            .score()
            .scoreId());
    assertEquals(0, s.score().subscores().get(News2Parameter.SPO2));
    assertEquals(2, s.score().spo2Scale());
    assertEquals(r.clock(), s.clock());
    // the same message again: nothing new
    PatientStream.Result again =
        PatientStream.step(s.state(), oru, "P1", 1, PatientStream.DEFAULT_FRESHNESS);
    assertNull(again.score());
    assertTrue(again.alerts().isEmpty());
    // an hour and a minute later everything has expired: one all-missing score
    PatientStream.Result t =
        PatientStream.tick(
            again.state(), r.clock() + 61 * 60_000L, PatientStream.DEFAULT_FRESHNESS, "P1");
    assertNotNull(t.score());
    assertEquals("P1@" + t.clock() * 1000L, t.score().scoreId());
    assertFalse(t.score().complete());
    assertEquals(0, t.score().total());
  }

  /** An ORU for P1 with one reading, resp rate 26 (subscore 3), observed at {@code time}. */
  private static byte[] highRespAt(String time) {
    return ("MSH|^~\\&|MON|WARD|VF|HOSP|"
            + time
            + "||ORU^R01|C1|P|2.6\r"
            + "PID|||P1\rOBR|1||||||"
            + time
            + "\r"
            + "OBX|1|NM|9279-1^Resp^LN||26|/min|||||F\r")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static long singleParameterAlerts(PatientStream.Result r) {
    return r.alerts().stream().filter(a -> a.kind().equals("SINGLE_PARAMETER_3")).count();
  }

  @Test
  void anIdlePatientStartsOverAndItsStateIsDiscardableAfter24Hours() {
    PatientStream.Result r =
        PatientStream.step(
            null, highRespAt("20261120060000"), "P1", 1, PatientStream.DEFAULT_FRESHNESS);
    assertEquals(1, singleParameterAlerts(r));
    long day = 24 * 3_600_000L;
    assertEquals(r.clock() + day + 1, PatientStream.discardableAfter(r.clock()));
    assertEquals(Long.MIN_VALUE, PatientStream.discardableAfter(Long.MIN_VALUE));
    // a day later the same reading: resp rate 3 is still armed, nothing fires
    PatientStream.Result same =
        PatientStream.step(
            r.state(), highRespAt("20261121060000"), "P1", 1, PatientStream.DEFAULT_FRESHNESS);
    assertTrue(same.alerts().isEmpty(), same.alerts().toString());
    // a day and a second after that: a new patient, whose single-parameter alert fires again
    PatientStream.Result again =
        PatientStream.step(
            same.state(), highRespAt("20261122060001"), "P1", 1, PatientStream.DEFAULT_FRESHNESS);
    assertEquals(1, singleParameterAlerts(again));
  }

  @Test
  void badInputIsAClearError() {
    assertThrows(
        Hl7Exception.class,
        () ->
            PatientStream.step(
                null,
                "not hl7".getBytes(StandardCharsets.US_ASCII),
                null,
                1,
                PatientStream.DEFAULT_FRESHNESS));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PatientStream.step(
                "{bad".getBytes(StandardCharsets.US_ASCII),
                "MSH|^~\\&|A|B|C|D|20261120||ORU^R01|1|P|2.6\r".getBytes(StandardCharsets.US_ASCII),
                null,
                1,
                PatientStream.DEFAULT_FRESHNESS));
    assertThrows(
        IllegalArgumentException.class,
        () -> PatientStream.setSpo2Scale(null, 3, PatientStream.DEFAULT_FRESHNESS));
  }
}
