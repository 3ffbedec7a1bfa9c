package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.connect.warehouse.dialect.DatabaseDialect;
import io.vitalflow.connect.warehouse.dialect.PostgresDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The task's write logic over an in-memory warehouse (no database). */
class WarehouseSinkTaskTest {

  /** Records what the task asks for; fails on demand. */
  static final class FakeWarehouse implements Warehouse {
    final Map<String, List<String>> tables = new HashMap<>();
    final List<List<TableBatch>> transactions = new ArrayList<>();
    final List<String> ddl = new ArrayList<>();
    int connectivityFailures;
    String refuseControlId;

    @Override
    public DatabaseDialect dialect() {
      return new PostgresDialect();
    }

    @Override
    public List<String> columnsOf(TableId t) {
      return tables.getOrDefault(t.table(), List.of());
    }

    @Override
    public void executeDdl(List<String> statements) {
      for (String s : statements) {
        ddl.add(s);
        if (s.startsWith("CREATE TABLE")) {
          String name = s.replaceAll(".*\\.\"(\\w+)\" \\(.*", "$1");
          List<String> cols = new ArrayList<>();
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("(?:\\(|, )\"(\\w+)\" [A-Z]").matcher(s);
          while (m.find()) cols.add(m.group(1));
          tables.put(name, cols);
        } else if (s.startsWith("ALTER TABLE")) {
          String name = s.replaceAll(".*\\.\"(\\w+)\" ADD.*", "$1");
          List<String> cols = new ArrayList<>(tables.get(name));
          cols.add(s.replaceAll(".*ADD COLUMN \"(\\w+)\".*", "$1"));
          tables.put(name, cols);
        }
      }
    }

    @Override
    public void upsert(List<TableBatch> batches) {
      if (connectivityFailures > 0) {
        connectivityFailures--;
        throw new WarehouseException("connection refused", null, true);
      }
      for (TableBatch b : batches) {
        for (Object[] row : b.rows()) {
          for (Object v : row) {
            if (refuseControlId != null && refuseControlId.equals(v)) {
              throw new WarehouseException("value refused by a check constraint", null, false);
            }
          }
        }
      }
      transactions.add(batches);
    }

    @Override
    public void close() {}

    long rows() {
      return transactions.stream().flatMap(List::stream).mapToLong(b -> b.rows().size()).sum();
    }
  }

  static final class Reporter implements ErrantRecordReporter {
    final List<String> reasons = new ArrayList<>();

    @Override
    public Future<Void> report(SinkRecord record, Throwable error) {
      reasons.add(record.kafkaOffset() + ": " + error.getMessage());
      return CompletableFuture.completedFuture(null);
    }
  }

  static final Schema SCHEMA = ModelTest.vitalSign(true);

  static SinkRecord record(long offset, String control, int obx, String sender) {
    Struct v =
        new Struct(SCHEMA)
            .put("message_control_id", control)
            .put("obx_index", obx)
            .put("patient_id", "P1")
            .put("kind", "SPO2")
            .put("normalized_value", 97.0)
            .put("observed_at", new java.util.Date(offset * 1000))
            .put("sending_application", sender)
            .put("sending_facility", "F");
    return new SinkRecord("obs", 0, Schema.STRING_SCHEMA, "P1", SCHEMA, v, offset);
  }

  static WarehouseSinkTask task(FakeWarehouse w, Reporter r, Map<String, String> extra) {
    Map<String, String> p =
        new HashMap<>(
            Map.of(
                "connection.url",
                "jdbc:postgresql://x/y",
                "table.mapping",
                "obs:fact_vital_sign",
                "retry.backoff.ms",
                "0",
                "max.retries",
                "2"));
    p.putAll(extra);
    WarehouseSinkTask t = new WarehouseSinkTask();
    t.start(new WarehouseSinkConfig(p), w, r);
    return t;
  }

  @Test
  void oneTransactionPerBatchDeduplicatedByNaturalKeyAndBadRecordsToTheDlq() {
    FakeWarehouse w = new FakeWarehouse();
    Reporter r = new Reporter();
    WarehouseSinkTask t = task(w, r, Map.of("batch.size", "4"));
    t.put(
        List.of(
            record(0, "M1", 1, "A"),
            record(1, "M1", 1, "B"),
            record(2, "M1", 1, "A"),
            record(3, "X".repeat(300), 1, "A"),
            record(4, "M2", 1, null),
            record(5, "M3", 1, "A")));
    assertEquals(2, w.transactions.size(), "6 records, batch.size 4");
    // batch 1: M1/A twice (one row), M1/B, and a record too long for its column (DLQ)
    assertEquals(2, w.transactions.get(0).get(0).rows().size());
    assertEquals(
        List.of("3: field message_control_id is 300 characters long; the column holds 199"),
        r.reasons);
    assertEquals(4, w.rows());
    assertTrue(
        w.ddl.get(0).startsWith("CREATE TABLE IF NOT EXISTS \"public\".\"fact_vital_sign\""),
        w.ddl.get(0));
    TopicPartition tp = new TopicPartition("obs", 0);
    assertEquals(6, t.preCommit(Map.of(tp, new OffsetAndMetadata(6))).get(tp).offset());
  }

  @Test
  void connectivityFailuresRetryAndNeverReachTheDlq() {
    FakeWarehouse w = new FakeWarehouse();
    Reporter r = new Reporter();
    WarehouseSinkTask t = task(w, r, Map.of("batch.size", "2"));
    t.put(List.of(record(0, "M0", 1, "A"), record(1, "M1", 1, "A")));
    w.connectivityFailures = 1;
    List<SinkRecord> next =
        List.of(record(2, "M2", 1, "A"), record(3, "M3", 1, "A"), record(4, "M4", 1, "A"));
    assertThrows(RetriableException.class, () -> t.put(next));
    TopicPartition tp = new TopicPartition("obs", 0);
    // while the batch waits for its retry, only what committed is offered for commit
    assertEquals(2, t.preCommit(Map.of(tp, new OffsetAndMetadata(2))).get(tp).offset());
    t.put(next); // the framework redelivers the same records
    assertEquals(5, w.rows());
    assertEquals(List.of(), r.reasons);
    assertEquals(5, t.preCommit(Map.of(tp, new OffsetAndMetadata(5))).get(tp).offset());
    w.connectivityFailures = 10;
    assertThrows(RetriableException.class, () -> t.put(next));
    assertThrows(RetriableException.class, () -> t.put(next));
    var e = assertThrows(org.apache.kafka.connect.errors.ConnectException.class, () -> t.put(next));
    assertTrue(
        !(e instanceof RetriableException) && e.getMessage().contains("after 2 retries"),
        e.getMessage());
  }

  @Test
  void aRowTheDatabaseRefusesIsFoundBySplittingAndGoesToTheDlqAlone() {
    FakeWarehouse w = new FakeWarehouse();
    w.refuseControlId = "BAD";
    Reporter r = new Reporter();
    WarehouseSinkTask t = task(w, r, Map.of());
    List<SinkRecord> records = new ArrayList<>();
    for (int i = 0; i < 9; i++) records.add(record(i, i == 6 ? "BAD" : "M" + i, 1, "A"));
    t.put(records);
    assertEquals(8, w.rows());
    assertEquals(1, r.reasons.size());
    assertTrue(r.reasons.get(0).startsWith("6: the warehouse refused the row"), r.reasons.get(0));
  }

  @Test
  void aNewFieldBecomesAColumn() {
    FakeWarehouse w = new FakeWarehouse();
    WarehouseSinkTask t = task(w, new Reporter(), Map.of());
    t.put(List.of(record(0, "M0", 1, "A")));
    Schema v2 =
        org.apache.kafka.connect.data.SchemaBuilder.struct()
            .name("io.vitalflow.avro.VitalSign")
            .field("message_control_id", Schema.STRING_SCHEMA)
            .field("obx_index", Schema.INT32_SCHEMA)
            .field("observed_at", org.apache.kafka.connect.data.Timestamp.SCHEMA)
            .field("device_model", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    Struct v =
        new Struct(v2)
            .put("message_control_id", "M9")
            .put("obx_index", 1)
            .put("observed_at", new java.util.Date(0))
            .put("device_model", "MX800");
    t.put(List.of(new SinkRecord("obs", 0, Schema.STRING_SCHEMA, "P1", v2, v, 1)));
    assertTrue(
        w.ddl.contains(
            "ALTER TABLE \"public\".\"fact_vital_sign\" ADD COLUMN \"device_model\" VARCHAR(1024)"),
        w.ddl.toString());
    assertEquals(2, w.rows());
    var e =
        assertThrows(
            org.apache.kafka.connect.errors.ConnectException.class,
            () -> {
              WarehouseSinkTask strict = task(w, new Reporter(), Map.of("auto.evolve", "false"));
              Schema v3 =
                  org.apache.kafka.connect.data.SchemaBuilder.struct()
                      .name("V3")
                      .field("message_control_id", Schema.STRING_SCHEMA)
                      .field("obx_index", Schema.INT32_SCHEMA)
                      .field("observed_at", org.apache.kafka.connect.data.Timestamp.SCHEMA)
                      .field("ward_name", Schema.OPTIONAL_STRING_SCHEMA)
                      .build();
              strict.put(
                  List.of(
                      new SinkRecord(
                          "obs",
                          0,
                          Schema.STRING_SCHEMA,
                          "P1",
                          v3,
                          new Struct(v3)
                              .put("message_control_id", "M")
                              .put("obx_index", 1)
                              .put("observed_at", new java.util.Date(0)),
                          2)));
            });
    assertTrue(e.getMessage().contains("auto.evolve"), e.getMessage());
  }
}
