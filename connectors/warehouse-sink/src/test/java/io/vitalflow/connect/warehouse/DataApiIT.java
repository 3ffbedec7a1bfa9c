package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.connect.warehouse.dataapi.DataApiException;
import io.vitalflow.connect.warehouse.dataapi.DataApiWarehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redshift Data API mode: the Rust cdylib (aws-sdk-redshiftdata) against the local Data API
 * endpoint (tests/redshift-data-api) on the stack's PostgreSQL, by endpoint override, so the SDK's
 * request path, SigV4 signing (verified by the endpoint) and retries (injected throttling) all run.
 */
class DataApiIT {
  static StackClient stack;
  static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

  @BeforeAll
  static void nativeLibraryBuilt() throws Exception {
    Path lib = Path.of(System.getProperty("redshift.data.native"));
    assertTrue(
        Files.isRegularFile(lib),
        "build it first: cargo build --release -p vitalflow-redshift-data (" + lib + ")");
    System.setProperty("vitalflow.redshift.data.library", lib.toString());
    stack = StackClient.get();
    // the worker must run the archive that carries the library (stack.sh reinstalls archives on a
    // restart)
    stack.ensureWorkerRunsArchive(Path.of(System.getProperty("vitalflow.plugin.zip")));
    Path installed = stack.stackDir().resolve("connect/plugins");
    try (var files = Files.walk(installed)) {
      assertTrue(
          files.anyMatch(f -> f.getFileName().toString().equals("libvitalflow_redshift_data.so")),
          "the installed plugin archive has no libvitalflow_redshift_data.so under " + installed);
    }
  }

  static Map<String, String> dataApiProps(DataApiEndpoint ep, String secretKey) {
    return new java.util.HashMap<>(
        Map.of(
            "dialect",
            "redshift-data-api",
            "data.api.endpoint.url",
            ep.url(),
            "data.api.region",
            "eu-central-1",
            "data.api.access.key.id",
            DataApiEndpoint.ACCESS_KEY,
            "data.api.secret.access.key",
            secretKey,
            "data.api.database",
            "vitalflow",
            "data.api.poll.interval.ms",
            "10"));
  }

  @Test
  void signingTargetsAndStatementErrorsThroughTheSdk() throws Exception {
    try (DataApiEndpoint ep = new DataApiEndpoint(stack, 0)) {
      // a provisioned cluster with a database user (temporary IAM credentials)
      Map<String, String> p = dataApiProps(ep, DataApiEndpoint.SECRET_KEY);
      p.put("data.api.cluster.identifier", "vitalflow-cluster");
      p.put("data.api.db.user", "awsuser");
      try (DataApiWarehouse w = DataApiWarehouse.open(new WarehouseSinkConfig(p))) {
        assertEquals(
            List.of(),
            w.columnsOf(
                new io.vitalflow.connect.warehouse.dialect.TableId(
                    "public", "no_such_table_" + RUN)));
        w.executeDdl(
            List.of(
                "CREATE TABLE \"public\".\"dapi_"
                    + RUN
                    + "\" (a VARCHAR(10), b INTEGER) DISTKEY(\"a\") SORTKEY(\"b\")"));
        assertEquals(
            List.of("a", "b"),
            w.columnsOf(
                new io.vitalflow.connect.warehouse.dialect.TableId("public", "dapi_" + RUN)));
        // a failed statement: not retriable, with the database's error text
        var e =
            assertThrows(
                Warehouse.WarehouseException.class,
                () -> w.executeDdl(List.of("SELECT * FROM missing_" + RUN)));
        assertTrue(!e.connectivity() && e.getMessage().contains("does not exist"), e.getMessage());
        w.executeDdl(List.of("DROP TABLE \"public\".\"dapi_" + RUN + "\""));
      }
      // a serverless workgroup with a Secrets Manager ARN
      Map<String, String> q = dataApiProps(ep, DataApiEndpoint.SECRET_KEY);
      q.put("data.api.workgroup.name", "vitalflow-wg");
      q.put(
          "data.api.secret.arn",
          "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vitalflow-AbCdEf");
      try (DataApiWarehouse w = DataApiWarehouse.open(new WarehouseSinkConfig(q))) {
        assertTrue(
            w.columnsOf(
                    new io.vitalflow.connect.warehouse.dialect.TableId(
                        "information_schema", "tables"))
                .contains("table_name"));
      }
      assertEquals(0, DataApiEndpoint.stat(ep.stats(stack), "badSignatures"));
      // a wrong secret key: the endpoint rejects the signature, and the client says so
      Map<String, String> bad = dataApiProps(ep, "not-the-secret");
      bad.put("data.api.workgroup.name", "vitalflow-wg");
      try (DataApiWarehouse w = DataApiWarehouse.open(new WarehouseSinkConfig(bad))) {
        var e =
            assertThrows(
                Warehouse.WarehouseException.class,
                () ->
                    w.columnsOf(new io.vitalflow.connect.warehouse.dialect.TableId("public", "x")));
        assertTrue(
            e.getCause() instanceof DataApiException
                && e.getMessage().contains("InvalidSignatureException"),
            e.getMessage());
        // the kind crossed JNI as a code: a rejected signature is not worth retrying
        assertEquals(DataApiException.Kind.FAILED, ((DataApiException) e.getCause()).kind());
        assertFalse(e.connectivity(), "a rejected signature is not retried");
      }
      assertTrue(DataApiEndpoint.stat(ep.stats(stack), "badSignatures") >= 1);
    }
  }

  @Test
  void theWorkerLoadsTheSameDataThroughTheDataApiAsThroughJdbc() throws Exception {
    WarehouseSinkIT.stack = stack;
    String topic = "it.obs.dapi." + RUN,
        jdbcSchema = "it_dapi_jdbc_" + RUN,
        apiSchema = "it_dapi_api_" + RUN;
    stack.createTopics(3, topic);
    long n = WarehouseSinkIT.produceObservations(topic, 0, 20_000);
    try (DataApiEndpoint ep = new DataApiEndpoint(stack, 7)) {
      stack.sql("CREATE SCHEMA IF NOT EXISTS \"" + apiSchema + "\"");
      Map<String, String> api =
          WarehouseSinkIT.connectorConfig(
              topic, topic + ":fact_vital_sign", apiSchema, "it.dlq.dapi." + RUN);
      api.remove("connection.url");
      api.remove("connection.user");
      api.remove("connection.password");
      api.putAll(dataApiProps(ep, DataApiEndpoint.SECRET_KEY));
      api.put("data.api.workgroup.name", "vitalflow-wg");
      api.put("batch.size", "5000");
      Map<String, String> jdbc =
          WarehouseSinkIT.connectorConfig(
              topic, topic + ":fact_vital_sign", jdbcSchema, "it.dlq.dapij." + RUN);
      long t0 = System.nanoTime();
      stack.createConnector("it-dapi-" + RUN, api);
      stack.createConnector("it-dapij-" + RUN, jdbc);
      StackClient.await(
          "both loads",
          Duration.ofMinutes(8),
          () ->
              stack.count("SELECT count(*) FROM \"" + apiSchema + "\".fact_vital_sign") == n
                  && stack.count("SELECT count(*) FROM \"" + jdbcSchema + "\".fact_vital_sign") == n
                  && stack.caughtUp("it-dapi-" + RUN, topic));
      System.out.printf(
          "Data API mode loaded %d observations in %.1f s; endpoint stats %s%n",
          n, (System.nanoTime() - t0) / 1e9, ep.stats(stack));
      assertEquals(WarehouseSinkIT.tableDigest(jdbcSchema), WarehouseSinkIT.tableDigest(apiSchema));
      String stats = ep.stats(stack);
      assertEquals(0, DataApiEndpoint.stat(stats, "badSignatures"), stats);
      assertTrue(
          DataApiEndpoint.stat(stats, "throttled") > 0,
          "no throttled request was retried: " + stats);
      assertTrue(DataApiEndpoint.stat(stats, "batchExecuteStatement") >= 4, stats);
      // no staging table is left behind
      assertEquals(
          0,
          stack.count(
              "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                  + apiSchema
                  + "' AND table_name LIKE 'vf_stg_%'"));
      stack.deleteConnector("it-dapi-" + RUN);
      stack.deleteConnector("it-dapij-" + RUN);
    }
  }
}
