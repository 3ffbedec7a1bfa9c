package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.Topics;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class WarehouseSinkConfigTest {

  private static Map<String, String> base() {
    Map<String, String> m = new HashMap<>();
    m.put("connection.url", "jdbc:postgresql://127.0.0.1:5432/db");
    return m;
  }

  @Test
  void dialectIsInferredFromTheUrl() {
    assertEquals(WarehouseSinkConfig.Dialect.POSTGRESQL, new WarehouseSinkConfig(base()).dialect);
    Map<String, String> m = base();
    m.put("connection.url", "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev");
    assertEquals(WarehouseSinkConfig.Dialect.REDSHIFT, new WarehouseSinkConfig(m).dialect);
    m.put("dialect", "postgresql");
    assertEquals(WarehouseSinkConfig.Dialect.POSTGRESQL, new WarehouseSinkConfig(m).dialect);
  }

  @Test
  void eachTaskGetsItsNumber() {
    WarehouseSinkConnector c = new WarehouseSinkConnector();
    c.start(base());
    List<Map<String, String>> tasks = c.taskConfigs(3);
    assertEquals(3, tasks.size());
    for (int i = 0; i < 3; i++) {
      WarehouseSinkConfig t = new WarehouseSinkConfig(tasks.get(i));
      assertEquals(i, t.taskNumber());
      assertEquals(base().get("connection.url"), tasks.get(i).get("connection.url"));
    }
    assertEquals(0, new WarehouseSinkConfig(base()).taskNumber(), "a task started by hand");
    Map<String, String> bad = base();
    bad.put(WarehouseSinkConfig.TASK_NUMBER, "-1");
    ConfigException e =
        assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(bad).taskNumber());
    assertTrue(e.getMessage().contains(WarehouseSinkConfig.TASK_NUMBER), e.getMessage());
  }

  @Test
  void anUnknownUrlNamesTheKey() {
    Map<String, String> m = base();
    m.put("connection.url", "jdbc:mysql://x/y");
    ConfigException e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    assertTrue(e.getMessage().contains("connection.url"), e.getMessage());
    m.put("dialect", "oracle");
    e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    assertTrue(e.getMessage().contains("dialect"), e.getMessage());
  }

  @Test
  void identifiersAreValidated() {
    for (String bad : List.of("x\"; DROP TABLE t; --", "1abc", "a b", "x".repeat(64))) {
      Map<String, String> m = base();
      m.put("schema.name", bad);
      ConfigException e =
          assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m), bad);
      assertTrue(e.getMessage().contains("schema.name"), e.getMessage());
      Map<String, String> p = base();
      p.put("table.name.prefix", bad);
      e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(p), bad);
      assertTrue(e.getMessage().contains("table.name.prefix"), e.getMessage());
    }
    Map<String, String> ok = base();
    ok.put("schema.name", "Warehouse_2");
    ok.put("table.name.prefix", "vf_");
    WarehouseSinkConfig c = new WarehouseSinkConfig(ok);
    assertEquals("Warehouse_2", c.schemaName());
    assertEquals("vf_", c.tablePrefix());
  }

  @Test
  void tableMappingNamesModelTables() {
    Map<String, String> m = base();
    m.put("table.mapping", "obs:fact_vital_sign, pts:dim_patient");
    WarehouseSinkConfig c = new WarehouseSinkConfig(m);
    assertEquals(Map.of("obs", "fact_vital_sign", "pts", "dim_patient"), c.topicTables);
    m.put("table.mapping", "obs:vitals");
    ConfigException e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    assertTrue(
        e.getMessage().contains("table.mapping") && e.getMessage().contains("unknown table"),
        e.getMessage());
    m.put("table.mapping", "nocolon");
    assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
  }

  @Test
  void dataApiNeedsExactlyOneTarget() {
    Map<String, String> m = new HashMap<>();
    m.put("dialect", "redshift-data-api");
    ConfigException e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    assertTrue(e.getMessage().contains("data.api.cluster.identifier"), e.getMessage());
    m.put("data.api.workgroup.name", "wg");
    assertEquals(WarehouseSinkConfig.Dialect.REDSHIFT_DATA_API, new WarehouseSinkConfig(m).dialect);
    m.put("data.api.cluster.identifier", "c1");
    assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    m.remove("data.api.workgroup.name");
    e = assertThrows(ConfigException.class, () -> new WarehouseSinkConfig(m));
    assertTrue(e.getMessage().contains("data.api.db.user"), e.getMessage());
    m.put("data.api.secret.arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x");
    assertEquals(WarehouseSinkConfig.Dialect.REDSHIFT_DATA_API, new WarehouseSinkConfig(m).dialect);
  }

  @Test
  void validateReportsPerKeyAndRecommendsDialects() {
    Map<String, String> m = base();
    m.put("batch.size", "0");
    m.put("dialect", "nope");
    Map<String, ConfigValue> v = new HashMap<>();
    for (ConfigValue cv : WarehouseSinkConfig.CONFIG_DEF.validate(m)) v.put(cv.name(), cv);
    assertTrue(!v.get("batch.size").errorMessages().isEmpty());
    assertTrue(!v.get("dialect").errorMessages().isEmpty());
    assertEquals(
        List.of("postgresql", "redshift", "redshift-data-api"),
        v.get("dialect").recommendedValues());
    assertTrue(v.get("connection.url").errorMessages().isEmpty());
  }

  @Test
  void passwordIsHiddenInToString() {
    Map<String, String> m = base();
    m.put("connection.password", "s3cret");
    WarehouseSinkConfig c = new WarehouseSinkConfig(m);
    assertEquals("s3cret", c.password());
    assertTrue(!c.toString().contains("s3cret"));
  }

  /**
   * The default mapping covers exactly the Avro topics of topics.tsv other than the job's own
   * settings topic, each onto a table of the model.
   */
  @Test
  void defaultMappingIsTopicsTsvsAvroTopics() {
    Map<String, String> mapping = new WarehouseSinkConfig(base()).topicTables;
    List<String> avro =
        Topics.all().stream()
            .filter(Topics.Topic::hasAvroValue)
            .map(Topics.Topic::name)
            .filter(t -> !t.equals("patients.settings"))
            .toList();
    assertEquals(avro, List.copyOf(mapping.keySet()));
    for (String table : mapping.values()) {
      assertTrue(WarehouseModel.TABLES.containsKey(table), table);
    }
  }
}
