package io.vitalflow.connect.warehouse;

import io.vitalflow.connect.warehouse.Warehouse.TableBatch;
import io.vitalflow.connect.warehouse.Warehouse.WarehouseException;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.RecordColumns;
import io.vitalflow.connect.warehouse.model.TableModel;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records to the warehouse. Per put(), in batches of {@code batch.size}: records become rows
 * (a record that cannot goes to the DLQ with the reason), rows are deduplicated by natural key,
 * then staged in bulk and upserted in one transaction. Offsets are handed to the framework
 * (preCommit) only for records whose transaction committed. A connectivity failure throws
 * RetriableException with backoff (the framework redelivers the same records); a database error
 * that is not about connectivity splits the batch to find the record(s) at fault, which go to the
 * DLQ.
 */
public class WarehouseSinkTask extends SinkTask {
  private static final Logger log = LoggerFactory.getLogger(WarehouseSinkTask.class);
  private static final long MAX_BACKOFF_MS = 30_000;

  private WarehouseSinkConfig config;
  private Warehouse warehouse;
  private ErrantRecordReporter reporter;
  private final Map<TopicPartition, OffsetAndMetadata> flushed = new HashMap<>();

  /** table -> its column names in the database (absent = not looked at yet) */
  private final Map<String, Set<String>> tableColumns = new HashMap<>();

  private final Map<String, IdentityHashMap<Schema, List<Column>>> schemaColumns = new HashMap<>();

  /**
   * records already sent to the DLQ and not yet flushed (a retried batch must not report them
   * twice)
   */
  private final Set<String> reported = new HashSet<>();

  private boolean viewsCreated;
  private int retries;

  @Override
  public String version() {
    return WarehouseSinkConnector.VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    config = new WarehouseSinkConfig(props);
    warehouse = Warehouses.open(config);
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      reporter = null; // a worker older than Kafka 2.6
    }
    log.info(
        "warehouse sink task started: dialect {}, schema {}, batch.size {}",
        config.dialect.configValue,
        config.schemaName(),
        config.batchSize());
  }

  /** For tests: a task over a given warehouse. */
  void start(WarehouseSinkConfig config, Warehouse warehouse, ErrantRecordReporter reporter) {
    this.config = config;
    this.warehouse = warehouse;
    this.reporter = reporter;
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (records.isEmpty()) return;
    List<SinkRecord> all = new ArrayList<>(records);
    int n = config.batchSize();
    try {
      for (int from = 0; from < all.size(); from += n) {
        List<SinkRecord> chunk = all.subList(from, Math.min(all.size(), from + n));
        write(chunk);
        for (SinkRecord r : chunk) markFlushed(r);
      }
      retries = 0;
      reported.clear();
    } catch (WarehouseException e) {
      if (!e.connectivity()) throw new ConnectException(e.getMessage(), e);
      retries++;
      tableColumns.clear(); // the database may have been replaced; look again
      viewsCreated = false;
      if (config.maxRetries() >= 0 && retries > config.maxRetries()) {
        throw new ConnectException(
            "warehouse unreachable after " + config.maxRetries() + " retries: " + e.getMessage(),
            e);
      }
      long backoff = Math.min(MAX_BACKOFF_MS, config.retryBackoffMs() << Math.min(20, retries - 1));
      log.warn(
          "warehouse connectivity failure (retry {} of {} in {} ms): {}",
          retries,
          config.maxRetries() < 0 ? "unlimited" : String.valueOf(config.maxRetries()),
          backoff,
          e.getMessage());
      if (context != null) context.timeout(backoff);
      throw new RetriableException(e.getMessage(), e);
    }
  }

  private void markFlushed(SinkRecord r) {
    TopicPartition tp = new TopicPartition(r.originalTopic(), r.originalKafkaPartition());
    OffsetAndMetadata prev = flushed.get(tp);
    long next = r.originalKafkaOffset() + 1;
    if (prev == null || prev.offset() < next) flushed.put(tp, new OffsetAndMetadata(next));
  }

  /**
   * One chunk: rows, DDL, one transaction; on a non-connectivity SQL failure, halves until the bad
   * record is alone.
   */
  private void write(List<SinkRecord> chunk) {
    Map<String, Map<List<Column>, Map<List<Object>, Object[]>>> byTable = new LinkedHashMap<>();
    Map<String, TableModel> models = new HashMap<>();
    List<SinkRecord> rowsOf = new ArrayList<>();
    for (SinkRecord r : chunk) {
      if (r.value() == null) continue; // tombstone: the model keeps the last known row
      String table = config.topicTables.get(r.topic());
      if (table == null) {
        report(
            r,
            new DataException(
                "topic " + r.topic() + " has no table in " + WarehouseSinkConfig.TABLE_MAPPING));
        continue;
      }
      TableModel model = WarehouseModel.table(table);
      try {
        if (!(r.value() instanceof Struct s))
          throw new DataException("record value is not a Struct");
        List<Column> cols = columnsFor(table, model, r.valueSchema());
        Object[] row = RecordColumns.row(s, cols, model, warehouse.dialect().lengthInBytes());
        List<Object> key = new ArrayList<>(model.naturalKey().size());
        for (String k : model.naturalKey()) key.add(row[indexOf(cols, k)]);
        Map<List<Object>, Object[]> rows =
            byTable
                .computeIfAbsent(config.tablePrefix() + table, x -> new LinkedHashMap<>())
                .computeIfAbsent(cols, x -> new LinkedHashMap<>());
        Object[] prev = rows.get(key);
        if (prev == null || newerOrSame(row, prev, cols, model)) {
          rows.remove(key); // keep the order of the last occurrence
          rows.put(key, row);
        }
        models.put(config.tablePrefix() + table, model);
        rowsOf.add(r);
      } catch (DataException e) {
        report(r, e);
      }
    }
    if (byTable.isEmpty()) return;
    List<TableBatch> batches = new ArrayList<>();
    for (var te : byTable.entrySet()) {
      TableModel model = models.get(te.getKey());
      TableId id = new TableId(config.schemaName(), te.getKey());
      for (var ce : te.getValue().entrySet()) {
        ensureTable(id, model, ce.getKey());
        batches.add(
            new TableBatch(id, model, ce.getKey(), new ArrayList<>(ce.getValue().values())));
      }
    }
    ensureViews();
    try {
      warehouse.upsert(batches);
    } catch (WarehouseException e) {
      if (e.connectivity()) throw e;
      if (rowsOf.size() == 1) {
        report(
            rowsOf.get(0),
            new DataException("the warehouse refused the row: " + e.getMessage(), e));
        return;
      }
      log.warn(
          "batch of {} records failed ({}); splitting it to find the record at fault",
          rowsOf.size(),
          e.getMessage());
      int half = rowsOf.size() / 2;
      write(rowsOf.subList(0, half));
      write(rowsOf.subList(half, rowsOf.size()));
    }
  }

  private static boolean newerOrSame(
      Object[] row, Object[] prev, List<Column> cols, TableModel model) {
    if (model.versionColumn() == null) return true;
    int i = indexOf(cols, model.versionColumn());
    if (i < 0 || row[i] == null || prev[i] == null) return true;
    return ((java.util.Date) row[i]).compareTo((java.util.Date) prev[i]) >= 0;
  }

  private static int indexOf(List<Column> cols, String name) {
    for (int i = 0; i < cols.size(); i++) if (cols.get(i).name().equals(name)) return i;
    return -1;
  }

  private List<Column> columnsFor(String table, TableModel model, Schema schema) {
    return schemaColumns
        .computeIfAbsent(table, t -> new IdentityHashMap<>())
        .computeIfAbsent(schema, s -> RecordColumns.of(s, model));
  }

  /** Creates the table, or adds the columns it lacks (auto.create, auto.evolve). */
  private void ensureTable(TableId id, TableModel model, List<Column> cols) {
    Set<String> existing = tableColumns.get(id.table());
    if (existing == null) {
      existing = new HashSet<>(warehouse.columnsOf(id));
      tableColumns.put(id.table(), existing);
    }
    if (existing.isEmpty()) {
      if (!config.autoCreate())
        throw new ConnectException("table " + id + " does not exist and auto.create is false");
      List<String> ddl = new ArrayList<>();
      if (!"public".equals(id.schema())) {
        try {
          warehouse.executeDdl(List.of(warehouse.dialect().createSchema(id.schema())));
        } catch (WarehouseException e) {
          // another task may have created it at the same moment (IF NOT EXISTS is not atomic);
          // if it really failed, CREATE TABLE says so next
          if (e.connectivity()) throw e;
        }
      }
      ddl.add(warehouse.dialect().createTable(id, cols, model));
      ddlAllowingRace(id, ddl, cols);
      log.info("created table {}", id);
      existing.addAll(warehouse.columnsOf(id));
      viewsCreated = false;
      return;
    }
    List<String> ddl = new ArrayList<>();
    List<String> added = new ArrayList<>();
    for (Column c : cols) {
      if (!existing.contains(c.name())) {
        ddl.add(warehouse.dialect().addColumn(id, c));
        added.add(c.name());
      }
    }
    if (ddl.isEmpty()) return;
    if (!config.autoEvolve()) {
      throw new ConnectException(
          "table " + id + " lacks columns " + added + " and auto.evolve is false");
    }
    ddlAllowingRace(id, ddl, cols);
    log.info("added columns {} to {}", added, id);
    existing.addAll(added);
  }

  /** Runs DDL; when it fails because another task did the same meanwhile, that is fine. */
  private void ddlAllowingRace(TableId id, List<String> ddl, List<Column> cols) {
    try {
      warehouse.executeDdl(ddl);
    } catch (WarehouseException e) {
      if (e.connectivity()) throw e;
      Set<String> now = new HashSet<>(warehouse.columnsOf(id));
      for (Column c : cols) if (!now.contains(c.name())) throw e;
      log.info("table {} was created or evolved concurrently ({})", id, e.getMessage());
    }
  }

  private void ensureViews() {
    if (viewsCreated || !config.autoCreate()) return;
    for (String t : WarehouseModel.TABLES.keySet()) {
      String name = config.tablePrefix() + t;
      Set<String> cols = tableColumns.get(name);
      if (cols == null) {
        cols = new HashSet<>(warehouse.columnsOf(new TableId(config.schemaName(), name)));
        if (!cols.isEmpty()) tableColumns.put(name, cols);
      }
      if (cols.isEmpty()) return; // the views need every table
    }
    try {
      warehouse.executeDdl(
          warehouse.dialect().createViews(config.schemaName(), config.tablePrefix()));
    } catch (WarehouseException e) {
      if (e.connectivity()) throw e;
      log.warn(
          "creating the views failed (another task may be creating them; tried again with the next batch): {}",
          e.getMessage());
      return;
    }
    viewsCreated = true;
    log.info("analyst views created in schema {}", config.schemaName());
  }

  private void report(SinkRecord r, Exception reason) {
    String id =
        r.originalTopic() + "/" + r.originalKafkaPartition() + "@" + r.originalKafkaOffset();
    if (reporter == null) {
      throw new ConnectException(
          "record " + id + " cannot be written and no DLQ is configured: " + reason.getMessage(),
          reason);
    }
    if (reported.add(id)) {
      log.warn("record {} sent to the DLQ: {}", id, reason.getMessage());
      reporter.report(r, reason);
    }
  }

  /**
   * Offsets to commit: only those of records whose transaction committed. put() writes
   * synchronously, so after a put() that returned normally every record the framework handed over
   * is in the warehouse, and the framework's {@code currentOffsets} (which also cover records it
   * dropped itself, e.g. converter failures sent to the DLQ under errors.tolerance=all, which never
   * reach put()) are all flushed. While a batch waits for a retry, only the offsets recorded as
   * flushed are returned.
   */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    if (retries == 0) return currentOffsets;
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (TopicPartition tp : currentOffsets.keySet()) {
      OffsetAndMetadata f = flushed.get(tp);
      OffsetAndMetadata c = currentOffsets.get(tp);
      if (f != null) out.put(tp, f.offset() <= c.offset() ? f : c);
    }
    return out;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) flushed.remove(tp);
  }

  @Override
  public void stop() {
    if (warehouse != null) warehouse.close();
  }
}
