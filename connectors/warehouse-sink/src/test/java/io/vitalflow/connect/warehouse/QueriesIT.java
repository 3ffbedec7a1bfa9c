package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * docs/queries.sql and the views on data loaded by the sink through the worker: all four topics of
 * a small, known ward (3 patients), every query run, every answer checked.
 */
class QueriesIT {
  static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

  /** 2026-11-20T06:00:00Z */
  static final Instant T6 = Instant.parse("2026-11-20T06:00:00Z");

  static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  static Instant at(int hour, int minute) {
    return T6.plusSeconds((hour - 6) * 3600L + minute * 60L);
  }

  @Test
  void everyQueryAnswersRightOnLoadedData() throws Exception {
    StackClient stack = StackClient.get();
    String obs = "it.q.obs." + RUN,
        scores = "it.q.scores." + RUN,
        alerts = "it.q.alerts." + RUN,
        pats = "it.q.patients." + RUN;
    String schema = "it_q_" + RUN, name = "it-q-" + RUN;
    stack.createTopics(3, obs, scores, alerts, pats);
    Schema vs = TestData.vitalSign(),
        ss = TestData.schema("VitalsScore.avsc"),
        as = TestData.schema("VitalsAlert.avsc"),
        ps = TestData.schema("Patient.avsc");
    int vid = stack.register(obs + "-value", vs),
        sid = stack.register(scores + "-value", ss),
        aid = stack.register(alerts + "-value", as),
        pid = stack.register(pats + "-value", ps);
    try (KafkaProducer<String, byte[]> p = stack.producer()) {
      // patients: an older record of P1 first (another ward), then the current one
      send(stack, p, pats, pid, ps, patient(ps, "P1", "WARD-B^9^Z", at(5, 0)));
      send(stack, p, pats, pid, ps, patient(ps, "P1", "WARD-A^1^A", at(5, 30)));
      send(stack, p, pats, pid, ps, patient(ps, "P2", "WARD-A^2^B", at(5, 30)));
      send(stack, p, pats, pid, ps, patient(ps, "P3", "WARD-B^1^A", at(5, 30)));
      // observations
      int m = 0;
      send(stack, p, obs, vid, vs, vital(vs, "P1", "M" + m++, "HEART_RATE", 80, at(6, 0), null));
      send(stack, p, obs, vid, vs, vital(vs, "P1", "M" + m++, "HEART_RATE", 90, at(6, 30), null));
      send(stack, p, obs, vid, vs, vital(vs, "P1", "M" + m++, "HEART_RATE", 100, at(7, 10), null));
      send(stack, p, obs, vid, vs, vital(vs, "P1", "M" + m++, "SPO2", 95, at(7, 10), null));
      send(stack, p, obs, vid, vs, vital(vs, "P2", "M" + m++, "GLUCOSE", 50, at(6, 0), "HYPO_L2"));
      send(stack, p, obs, vid, vs, vital(vs, "P2", "M" + m++, "GLUCOSE", 65, at(6, 20), "HYPO_L1"));
      send(stack, p, obs, vid, vs, vital(vs, "P2", "M" + m++, "GLUCOSE", 120, at(6, 40), "NORMAL"));
      send(
          stack,
          p,
          obs,
          vid,
          vs,
          vital(vs, "P3", "M" + m++, "GLUCOSE", 300, at(7, 0), "HYPER_SEVERE"));
      // scores: P1 rises 1 -> 5, P2 falls 3 -> 2, P3 has one score
      send(stack, p, scores, sid, ss, score(ss, "P1", at(6, 0), 1, "LOW"));
      send(stack, p, scores, sid, ss, score(ss, "P1", at(7, 0), 5, "MEDIUM"));
      send(stack, p, scores, sid, ss, score(ss, "P2", at(6, 0), 3, "LOW_MEDIUM"));
      send(stack, p, scores, sid, ss, score(ss, "P2", at(7, 0), 2, "LOW"));
      send(stack, p, scores, sid, ss, score(ss, "P3", at(6, 0), 0, "LOW"));
      // alerts: P1 band escalation (open), P2 two hypos (resolved by a NORMAL reading), P3 single
      // parameter (open)
      send(stack, p, alerts, aid, as, alert(as, "A1", "P1", "BAND_ESCALATION", at(7, 0)));
      send(stack, p, alerts, aid, as, alert(as, "A2", "P2", "GLUCOSE_HYPO_L2", at(6, 0)));
      send(stack, p, alerts, aid, as, alert(as, "A3", "P2", "GLUCOSE_HYPO_L1", at(6, 20)));
      send(stack, p, alerts, aid, as, alert(as, "A4", "P3", "SINGLE_PARAMETER_3", at(6, 30)));
      p.flush();
    }
    Map<String, String> cfg =
        WarehouseSinkIT.connectorConfigFor(
            stack,
            obs + "," + scores + "," + alerts + "," + pats,
            obs
                + ":fact_vital_sign,"
                + scores
                + ":fact_news2_score,"
                + alerts
                + ":fact_alert,"
                + pats
                + ":dim_patient",
            schema,
            "it.dlq.q." + RUN);
    cfg.put("tasks.max", "1");
    stack.createConnector(name, cfg);
    StackClient.await(
        "all loaded",
        Duration.ofMinutes(3),
        () ->
            stack.count("SELECT count(*) FROM \"" + schema + "\".fact_vital_sign") == 8
                && stack.count("SELECT count(*) FROM \"" + schema + "\".fact_news2_score") == 5
                && stack.count("SELECT count(*) FROM \"" + schema + "\".fact_alert") == 4
                && stack.count("SELECT count(*) FROM \"" + schema + "\".dim_patient") == 3
                && stack.count(
                        "SELECT count(*) FROM information_schema.views WHERE table_schema = '"
                            + schema
                            + "'")
                    == 4);
    stack.deleteConnector(name);

    Map<String, String> queries = queries();
    assertEquals(
        List.of(
            "trend_per_patient",
            "latest_vitals_of_patient",
            "deteriorating_now",
            "glucose_excursions",
            "alert_load_per_ward"),
        List.copyOf(queries.keySet()));
    try (Connection c = stack.db()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET search_path TO \"" + schema + "\"");
      }
      assertEquals(
          List.of(
              List.of("HEART_RATE", "2026-11-20 06:00:00+00", "2", "80.0", "85.0", "90.0", "/min"),
              List.of(
                  "HEART_RATE", "2026-11-20 07:00:00+00", "1", "100.0", "100.0", "100.0", "/min"),
              List.of("SPO2", "2026-11-20 07:00:00+00", "1", "95.0", "95.0", "95.0", "%")),
          run(c, queries.get("trend_per_patient"), "P1"));
      assertEquals(
          List.of(List.of("HEART_RATE", "100.0"), List.of("SPO2", "95.0")),
          firstColumns(run(c, queries.get("latest_vitals_of_patient"), "P1"), 2));
      assertEquals(
          List.of(List.of("P1", "WARD-A", "1", "5", "4", "MEDIUM", "2026-11-20 07:00:00+00")),
          run(c, queries.get("deteriorating_now")));
      assertEquals(
          List.of(
              List.of(
                  "P2",
                  "2",
                  "1",
                  "0",
                  "50.0",
                  "65.0",
                  "2026-11-20 06:00:00+00",
                  "2026-11-20 06:20:00+00"),
              List.of(
                  "P3",
                  "0",
                  "0",
                  "1",
                  "300.0",
                  "300.0",
                  "2026-11-20 07:00:00+00",
                  "2026-11-20 07:00:00+00")),
          run(c, queries.get("glucose_excursions")));
      assertEquals(
          List.of(List.of("WARD-A", "3", "1", "2"), List.of("WARD-B", "1", "1", "1")),
          run(c, queries.get("alert_load_per_ward")));
      // the open alerts view itself: the NORMAL glucose at 06:40 closed A2 and A3
      List<List<String>> open = run(c, "SELECT alert_id FROM open_alerts ORDER BY alert_id");
      assertEquals(List.of(List.of("A1"), List.of("A4")), open);
    }
  }

  static List<List<String>> firstColumns(List<List<String>> rows, int n) {
    List<List<String>> out = new ArrayList<>();
    for (List<String> r : rows) out.add(r.subList(0, n));
    return out;
  }

  /** docs/queries.sql split at "-- name:" lines. */
  static Map<String, String> queries() throws Exception {
    String text = Files.readString(StackClient.ROOT.resolve("docs/queries.sql"));
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^-- name: (\\w+)\\s*$").matcher(text);
    List<int[]> starts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    while (m.find()) {
      starts.add(new int[] {m.end()});
      names.add(m.group(1));
    }
    for (int i = 0; i < names.size(); i++) {
      int end =
          i + 1 < names.size()
              ? text.lastIndexOf("-- name:", text.indexOf("-- name: " + names.get(i + 1)))
              : text.length();
      String body = text.substring(starts.get(i)[0], end).replaceAll("(?m)^--.*$", "").trim();
      if (body.endsWith(";")) body = body.substring(0, body.length() - 1);
      out.put(names.get(i), body);
    }
    return out;
  }

  /** Runs a query with its :named parameters bound in order; rows as strings. */
  static List<List<String>> run(Connection c, String sql, String... params) throws Exception {
    String jdbcSql = sql.replaceAll("(?<!:):[a-z_]+", "?");
    try (PreparedStatement ps = c.prepareStatement(jdbcSql)) {
      for (int i = 0; i < params.length; i++) ps.setString(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        List<List<String>> rows = new ArrayList<>();
        while (rs.next()) {
          List<String> row = new ArrayList<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            Object o = rs.getObject(i);
            row.add(
                o == null
                    ? null
                    : o instanceof java.sql.Timestamp ? rs.getString(i) : o.toString());
          }
          rows.add(row);
        }
        return rows;
      }
    }
  }

  static void send(
      StackClient stack,
      KafkaProducer<String, byte[]> p,
      String topic,
      int id,
      Schema s,
      GenericRecord r) {
    stack.send(p, topic, r.get("patient_id").toString(), StackClient.frame(id, s, r));
  }

  static GenericRecord patient(Schema s, String id, String location, Instant updated) {
    return new GenericRecordBuilder(s)
        .set("patient_id", id)
        .set("location", location)
        .set("updated_at", micros(updated))
        .set("family_name", "Name-" + id)
        .set("event_type", "A08")
        .build();
  }

  static GenericRecord vital(
      Schema s,
      String patient,
      String control,
      String kind,
      double value,
      Instant t,
      String glucose) {
    GenericRecordBuilder b =
        new GenericRecordBuilder(s)
            .set("message_control_id", control)
            .set("obx_index", 1)
            .set("patient_id", patient)
            .set("kind", new GenericData.EnumSymbol(s.getField("kind").schema(), kind))
            .set("code", "c")
            .set("value", value)
            .set("normalized_value", value)
            .set(
                "normalized_unit",
                switch (kind) {
                  case "HEART_RATE" -> "/min";
                  case "SPO2" -> "%";
                  default -> "mg/dL";
                })
            .set("observed_at", micros(t))
            .set("sending_application", "MON")
            .set("sending_facility", "HOSP");
    if (glucose != null) {
      Schema gs = s.getField("glucose_status").schema().getTypes().get(1);
      b.set("glucose_status", new GenericData.EnumSymbol(gs, glucose));
    }
    return b.build();
  }

  static GenericRecord score(Schema s, String patient, Instant t, int total, String band) {
    Schema subs = s.getField("subscores").schema();
    return new GenericRecordBuilder(s)
        .set("score_id", patient + "@" + micros(t))
        .set("patient_id", patient)
        .set("scored_at", micros(t))
        .set("total", total)
        .set("band", new GenericData.EnumSymbol(s.getField("band").schema(), band))
        .set("complete", true)
        .set("missing", List.of())
        .set("subscores", new GenericRecordBuilder(subs).set("pulse", 1).build())
        .set("pulse", 90.0)
        .build();
  }

  static GenericRecord alert(Schema s, String id, String patient, String kind, Instant t) {
    return new GenericRecordBuilder(s)
        .set("alert_id", id)
        .set("patient_id", patient)
        .set("kind", new GenericData.EnumSymbol(s.getField("kind").schema(), kind))
        .set("raised_at", micros(t))
        .set("message", kind + " for " + patient)
        .build();
  }

  static void assertHas(String s, String part) {
    assertTrue(s.contains(part), s);
  }
}
