package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.dialect.PostgresDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.dialect.Values;
import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.RecordColumns;
import io.vitalflow.connect.warehouse.model.TableModel;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import io.vitalflow.stack.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Rows/s into PostgreSQL: the sink's write path ({@link PostgresDialect#upsert}, one transaction
 * per batch) beside what generic JDBC sinks do (one parameterised upsert per row, JDBC-batched, one
 * transaction per batch), on the same rows in the same run, in alternating order; the sink's time
 * split by phase; then a replay of the same rows (every key exists). Checks the counts and that
 * both paths stored the same values. Not a test: run it with the stack's PostgreSQL up
 * (docs/benchmarks.md):
 *
 * <pre>
 * mvn -B -ntp -q -pl connectors/warehouse-sink -am test-compile dependency:build-classpath \
 *     -Dcargo.skip=true -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * W=connectors/warehouse-sink
 * java -cp $W/target/test-classes:$W/target/classes:$(cat $W/target/test.classpath) \
 *     io.vitalflow.connect.warehouse.LoadBenchmark 200000 10000 3   # rows, batch, rounds
 * </pre>
 */
public final class LoadBenchmark {
  private LoadBenchmark() {}

  static Schema vitalSignSchema() {
    Schema kind =
        SchemaBuilder.string()
            .parameter(
                "io.vitalflow.avro.symbols",
                "TEMPERATURE,SYSTOLIC_BP,DIASTOLIC_BP,MEAN_BP,HEART_RATE,RESPIRATORY_RATE,SPO2,GLUCOSE,CONSCIOUSNESS,INSPIRED_O2")
            .build();
    Schema glucose =
        SchemaBuilder.string()
            .optional()
            .parameter("io.vitalflow.avro.symbols", "HYPO_L2,HYPO_L1,NORMAL,HYPER,HYPER_SEVERE")
            .build();
    SchemaBuilder b =
        SchemaBuilder.struct()
            .name("io.vitalflow.avro.VitalSign")
            .field("message_control_id", Schema.STRING_SCHEMA)
            .field("obx_index", Schema.INT32_SCHEMA)
            .field("set_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("patient_id", Schema.STRING_SCHEMA)
            .field("patient_id_authority", Schema.OPTIONAL_STRING_SCHEMA)
            .field("encounter_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("location", Schema.OPTIONAL_STRING_SCHEMA)
            .field("kind", kind)
            .field("code", Schema.STRING_SCHEMA)
            .field("code_system", Schema.OPTIONAL_STRING_SCHEMA)
            .field("value", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("comparator", Schema.OPTIONAL_STRING_SCHEMA)
            .field("text", Schema.OPTIONAL_STRING_SCHEMA)
            .field("unit", Schema.OPTIONAL_STRING_SCHEMA)
            .field("normalized_value", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("normalized_unit", Schema.OPTIONAL_STRING_SCHEMA)
            .field("observed_at", Timestamp.SCHEMA)
            .field("status", Schema.OPTIONAL_STRING_SCHEMA)
            .field("device_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("glucose_status", glucose)
            .field("sending_application", Schema.OPTIONAL_STRING_SCHEMA)
            .field("sending_facility", Schema.OPTIONAL_STRING_SCHEMA);
    return b.build();
  }

  static List<Object[]> rows(int n, Schema s, List<Column> cols, TableModel m) {
    String[] kinds = {"HEART_RATE", "RESPIRATORY_RATE", "SPO2", "TEMPERATURE", "SYSTOLIC_BP"};
    List<Object[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int msg = i / 5;
      Struct v =
          new Struct(s)
              .put("message_control_id", "MSG" + msg)
              .put("obx_index", i % 5 + 1)
              .put("set_id", "1")
              .put("patient_id", "P" + (msg % 997))
              .put("patient_id_authority", "HOSP")
              .put("encounter_id", "E" + (msg % 997))
              .put("location", "WARD" + (msg % 4) + "^" + (msg % 20) + "^A")
              .put("kind", kinds[i % 5])
              .put("code", "8867-4")
              .put("code_system", "LN")
              .put("value", 60.0 + i % 40)
              .put("unit", "/min")
              .put("normalized_value", 60.0 + i % 40)
              .put("normalized_unit", "/min")
              .put("observed_at", new java.util.Date(1_795_154_400_000L + msg * 1000L))
              .put("status", "F")
              .put("device_id", "MON-" + (msg % 50))
              .put("sending_application", "MONITOR")
              .put("sending_facility", "ICU");
      out.add(RecordColumns.row(v, cols, m, false));
    }
    return out;
  }

  /** The stack's PostgreSQL from {@code stack.sh env} (only PostgreSQL needs to run). */
  static Connection connect() throws Exception {
    Map<String, String> env = new HashMap<>();
    for (String line : LocalStack.runScript("env").split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1).trim());
    }
    return DriverManager.getConnection(
        env.get("VITALFLOW_PG_URL"),
        env.get("VITALFLOW_PG_USER"),
        env.get("VITALFLOW_PG_PASSWORD"));
  }

  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "?";
    }
  }

  static long count(Connection c, String table) throws Exception {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Args: rows (200000), batch size (10000), measured rounds (3). Each round loads the same rows
   * into empty tables both ways, in alternating order; then the sink's path replays the same rows
   * (every key exists).
   */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    TableModel m = WarehouseModel.table("fact_vital_sign");
    Schema s = vitalSignSchema();
    List<Column> cols = RecordColumns.of(s, m);
    List<Object[]> rows = rows(n, s, cols, m);
    PostgresDialect d = new PostgresDialect();
    TableId ours = new TableId("bench", "fact_vital_sign"),
        generic = new TableId("bench", "fact_vital_sign_rowwise");
    try (Connection c = connect()) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA IF NOT EXISTS bench");
        st.execute("DROP TABLE IF EXISTS bench.fact_vital_sign, bench.fact_vital_sign_rowwise");
        st.execute(d.createTable(ours, cols, m));
        st.execute(d.createTable(generic, cols, m));
      }
      c.setAutoCommit(false);
      System.out.printf(
          "rows=%d batch=%d rounds=%d (a %d-row warm-up round of each first)%n",
          n, batch, rounds, Math.min(n, 20_000));
      List<Double> ratios = new ArrayList<>(),
          sinks = new ArrayList<>(),
          rowwises = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) {
        try (Statement st = c.createStatement()) {
          st.execute("TRUNCATE bench.fact_vital_sign, bench.fact_vital_sign_rowwise");
          st.execute("CHECKPOINT");
        } catch (java.sql.SQLException e) {
          c.rollback(); // CHECKPOINT needs a superuser: without it only the TRUNCATE matters
          try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE bench.fact_vital_sign, bench.fact_vital_sign_rowwise");
          }
        }
        c.commit();
        int size = round == 0 ? Math.min(n, 20_000) : n;
        List<Object[]> data = rows.subList(0, size);
        PostgresDialect.LoadTimings tm = new PostgresDialect.LoadTimings();
        d.timings(tm);
        double sink = 0, rowwise = 0;
        long commitNanos = 0;
        for (int order = 0; order < 2; order++) {
          boolean sinkNow = (order == 0) == (round % 2 == 1);
          long t0 = System.nanoTime();
          if (sinkNow) {
            for (int from = 0; from < size; from += batch) {
              d.upsert(c, ours, cols, data.subList(from, Math.min(size, from + batch)), m);
              long tc = System.nanoTime();
              c.commit();
              commitNanos += System.nanoTime() - tc;
            }
            sink = size / ((System.nanoTime() - t0) / 1e9);
          } else {
            rowAtATime(c, generic, cols, m, data, batch);
            rowwise = size / ((System.nanoTime() - t0) / 1e9);
          }
        }
        d.timings(null);
        if (count(c, "bench.fact_vital_sign") != size
            || count(c, "bench.fact_vital_sign_rowwise") != size) {
          throw new IllegalStateException("row counts differ from " + size);
        }
        // both paths stored the same values (the generic path binds JDBC parameters)
        long differ =
            count(
                c,
                "(SELECT * FROM bench.fact_vital_sign EXCEPT SELECT * FROM"
                    + " bench.fact_vital_sign_rowwise) d");
        if (differ != 0) throw new IllegalStateException(differ + " rows differ between the paths");
        c.commit();
        if (round == 0) continue;
        sinks.add(sink);
        rowwises.add(rowwise);
        ratios.add(sink / rowwise);
        System.out.printf(
            "round %d (%s first): sink %,.0f rows/s, row-at-a-time %,.0f rows/s, ratio %.1fx;"
                + " sink phases: rows->COPY bytes %d ms, COPY %d ms, INSERT %d ms, commit %d ms"
                + " (direct COPY %d, plain INSERT %d, fallback %d, ON CONFLICT %d batches); load %s%n",
            round,
            round % 2 == 1 ? "sink" : "row-at-a-time",
            sink,
            rowwise,
            sink / rowwise,
            tm.convertNanos / 1_000_000,
            tm.copyNanos / 1_000_000,
            tm.mergeNanos / 1_000_000,
            commitNanos / 1_000_000,
            tm.directCopies,
            tm.plainInserts,
            tm.conflictFallbacks,
            tm.onConflictUpserts,
            load());
      }
      // replay: the same rows again into the full table (every key exists)
      PostgresDialect replay = new PostgresDialect();
      PostgresDialect.LoadTimings tm = new PostgresDialect.LoadTimings();
      replay.timings(tm);
      long t0 = System.nanoTime();
      for (int from = 0; from < n; from += batch) {
        replay.upsert(c, ours, cols, rows.subList(from, Math.min(n, from + batch)), m);
        c.commit();
      }
      double replayRate = n / ((System.nanoTime() - t0) / 1e9);
      if (count(c, "bench.fact_vital_sign") != n) throw new IllegalStateException("replay count");
      c.commit();
      // a replayed row that changed is updated (unchanged ones are skipped)
      Object[] changed = rows.get(n - 1).clone();
      int valueAt =
          cols.indexOf(cols.stream().filter(x -> x.name().equals("value")).findFirst().get());
      changed[valueAt] = -1.0;
      replay.upsert(c, ours, cols, List.<Object[]>of(changed), m);
      c.commit();
      if (count(c, "bench.fact_vital_sign WHERE value = -1") != 1
          || count(c, "bench.fact_vital_sign") != n) {
        throw new IllegalStateException("a changed row was not updated");
      }
      System.out.printf(
          "replay of the same %d rows (keys exist): sink %,.0f rows/s (direct COPY %d, plain INSERT %d,"
              + " fallback %d, ON CONFLICT %d batches); load %s%n",
          n,
          replayRate,
          tm.directCopies,
          tm.plainInserts,
          tm.conflictFallbacks,
          tm.onConflictUpserts,
          load());
      System.out.printf(
          "median of %d rounds: sink %,.0f rows/s, row-at-a-time %,.0f rows/s, ratio %.1fx%n",
          rounds, median(sinks), median(rowwises), median(ratios));
    }
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    java.util.Collections.sort(s);
    int k = s.size();
    return k % 2 == 1 ? s.get(k / 2) : (s.get(k / 2 - 1) + s.get(k / 2)) / 2;
  }

  /**
   * What generic JDBC sinks do in upsert mode: one INSERT ... ON CONFLICT per row,
   * addBatch/executeBatch.
   */
  static void rowAtATime(
      Connection c, TableId t, List<Column> cols, TableModel m, List<Object[]> rows, int batch)
      throws Exception {
    PostgresDialect d = new PostgresDialect();
    StringJoiner names = new StringJoiner(", "),
        marks = new StringJoiner(", "),
        set = new StringJoiner(", ");
    for (Column col : cols) {
      names.add(d.quote(col.name()));
      marks.add("?");
      if (!m.naturalKey().contains(col.name()))
        set.add(d.quote(col.name()) + " = EXCLUDED." + d.quote(col.name()));
    }
    StringJoiner keys = new StringJoiner(", ");
    for (String k : m.naturalKey()) keys.add(d.quote(k));
    String sql =
        "INSERT INTO "
            + d.qualified(t)
            + " ("
            + names
            + ") VALUES ("
            + marks
            + ") ON CONFLICT ("
            + keys
            + ") DO UPDATE SET "
            + set;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int inBatch = 0;
      for (Object[] row : rows) {
        for (int i = 0; i < row.length; i++) Values.bind(ps, i + 1, row[i], cols.get(i));
        ps.addBatch();
        if (++inBatch == batch) {
          ps.executeBatch();
          c.commit();
          inBatch = 0;
        }
      }
      if (inBatch > 0) {
        ps.executeBatch();
        c.commit();
      }
    }
  }
}
