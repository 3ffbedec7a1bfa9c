package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.dialect.PostgresDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.dialect.Values;
import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.RecordColumns;
import io.vitalflow.connect.warehouse.model.TableModel;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Rows/s into PostgreSQL: the sink's write path (COPY into a staging table + one INSERT ... ON
 * CONFLICT per batch, one transaction per batch) beside what generic JDBC sinks do (one
 * parameterised upsert per row, JDBC-batched, one transaction per batch), on the same rows in the
 * same run. Not a test: run it with the stack up (docs/benchmarks.md):
 *
 * <pre>
 * mvn -B -ntp -pl connectors/warehouse-sink test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.vitalflow.connect.warehouse.LoadBenchmark [-Dexec.args="200000 10000"]
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

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    StackClient stack = StackClient.get();
    TableModel m = WarehouseModel.table("fact_vital_sign");
    Schema s = vitalSignSchema();
    List<Column> cols = RecordColumns.of(s, m);
    List<Object[]> rows = rows(n, s, cols, m);
    PostgresDialect d = new PostgresDialect();
    TableId ours = new TableId("bench", "fact_vital_sign"),
        generic = new TableId("bench", "fact_vital_sign_rowwise");
    try (Connection c = stack.db()) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA IF NOT EXISTS bench");
        st.execute("DROP TABLE IF EXISTS bench.fact_vital_sign, bench.fact_vital_sign_rowwise");
        st.execute(d.createTable(ours, cols, m));
        st.execute(d.createTable(generic, cols, m));
      }
      c.setAutoCommit(false);
      // warm-up on a throwaway table (JIT, plan caches), then both measured runs
      double sink = 0, rowwise = 0;
      for (int round = 0; round < 2; round++) {
        try (Statement st = c.createStatement()) {
          st.execute("TRUNCATE bench.fact_vital_sign, bench.fact_vital_sign_rowwise");
        }
        c.commit();
        int size = round == 0 ? Math.min(n, 20_000) : n;
        long t0 = System.nanoTime();
        for (int from = 0; from < size; from += batch) {
          d.upsert(c, ours, cols, rows.subList(from, Math.min(size, from + batch)), m);
          c.commit();
        }
        sink = size / ((System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        rowAtATime(c, generic, cols, m, rows.subList(0, size), batch);
        rowwise = size / ((System.nanoTime() - t0) / 1e9);
      }
      System.out.printf("rows=%d batch=%d%n", n, batch);
      System.out.printf("warehouse sink (COPY + ON CONFLICT):     %,10.0f rows/s%n", sink);
      System.out.printf("row-at-a-time batched upserts (generic): %,10.0f rows/s%n", rowwise);
      System.out.printf("speed-up: %.1fx%n", sink / rowwise);
      if (stack.count("SELECT count(*) FROM bench.fact_vital_sign") != n
          || stack.count("SELECT count(*) FROM bench.fact_vital_sign_rowwise") != n) {
        throw new IllegalStateException("row counts differ from " + n);
      }
    }
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
