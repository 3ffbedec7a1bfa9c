package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.connect.warehouse.dialect.PostgresDialect;
import io.vitalflow.connect.warehouse.dialect.RedshiftDialect;
import io.vitalflow.connect.warehouse.dialect.TableId;
import io.vitalflow.connect.warehouse.model.Column;
import io.vitalflow.connect.warehouse.model.RecordColumns;
import io.vitalflow.connect.warehouse.model.TableModel;
import io.vitalflow.connect.warehouse.model.WarehouseModel;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class ModelTest {
  static final Schema KIND =
      SchemaBuilder.string()
          .parameter(
              "io.vitalflow.avro.symbols",
              "TEMPERATURE,SYSTOLIC_BP,DIASTOLIC_BP,MEAN_BP,HEART_RATE,RESPIRATORY_RATE,SPO2,GLUCOSE,CONSCIOUSNESS,INSPIRED_O2")
          .build();

  /** The Connect schema RegistryAvroConverter makes of (a part of) VitalSign. */
  static Schema vitalSign(boolean withSender) {
    SchemaBuilder b =
        SchemaBuilder.struct()
            .name("io.vitalflow.avro.VitalSign")
            .field("message_control_id", Schema.STRING_SCHEMA)
            .field("obx_index", Schema.INT32_SCHEMA)
            .field("patient_id", Schema.STRING_SCHEMA)
            .field("location", Schema.OPTIONAL_STRING_SCHEMA)
            .field("kind", KIND)
            .field("text", Schema.OPTIONAL_STRING_SCHEMA)
            .field("normalized_value", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("observed_at", Timestamp.SCHEMA);
    if (withSender) {
      b.field("sending_application", Schema.OPTIONAL_STRING_SCHEMA)
          .field("sending_facility", Schema.OPTIONAL_STRING_SCHEMA);
    }
    return b.build();
  }

  @Test
  void columnsFollowTheSchemaWithFittedSizes() {
    TableModel m = WarehouseModel.table("fact_vital_sign");
    List<Column> cols = RecordColumns.of(vitalSign(true), m);
    assertEquals(
        List.of(
            "message_control_id",
            "obx_index",
            "patient_id",
            "location",
            "kind",
            "text",
            "normalized_value",
            "observed_at",
            "sending_application",
            "sending_facility"),
        cols.stream().map(Column::name).toList());
    Column kind = cols.get(4);
    assertEquals(Column.Type.STRING, kind.type());
    assertEquals("RESPIRATORY_RATE".length(), kind.length());
    assertEquals(199, cols.get(0).length());
    assertEquals(Column.Type.TIMESTAMPTZ, cols.get(7).type());
    assertTrue(cols.get(0).key() && cols.get(1).key() && cols.get(8).key() && !cols.get(2).key());
  }

  @Test
  void anOlderSchemaStillHasTheSenderKeyColumns() {
    List<Column> cols = RecordColumns.of(vitalSign(false), WarehouseModel.table("fact_vital_sign"));
    assertEquals("sending_application", cols.get(0).name());
    assertEquals("sending_facility", cols.get(1).name());
    Struct s =
        new Struct(vitalSign(false))
            .put("message_control_id", "M1")
            .put("obx_index", 1)
            .put("patient_id", "P")
            .put("kind", "SPO2")
            .put("observed_at", new java.util.Date(0));
    Object[] row = RecordColumns.row(s, cols, WarehouseModel.table("fact_vital_sign"), false);
    assertEquals("", row[0]);
    assertEquals("", row[1]);
    assertEquals("M1", row[2]);
  }

  @Test
  void nestedRecordsAndArraysFlatten() {
    Schema sub =
        SchemaBuilder.struct()
            .name("Subs")
            .field("resp_rate", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    Schema score =
        SchemaBuilder.struct()
            .name("S")
            .field("score_id", Schema.STRING_SCHEMA)
            .field("missing", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("subscores", sub)
            .build();
    TableModel m = WarehouseModel.table("fact_news2_score");
    List<Column> cols = RecordColumns.of(score, m);
    assertEquals(
        List.of("score_id", "missing", "subscores_resp_rate"),
        cols.stream().map(Column::name).toList());
    Struct v =
        new Struct(score)
            .put("score_id", "P@1")
            .put("missing", List.of("spo2", "pulse"))
            .put("subscores", new Struct(sub).put("resp_rate", 3));
    assertArrayEquals(new Object[] {"P@1", "spo2,pulse", 3}, RecordColumns.row(v, cols, m, false));
  }

  @Test
  void valuesThatDoNotFitAreDataErrors() {
    TableModel m = WarehouseModel.table("fact_vital_sign");
    List<Column> cols = RecordColumns.of(vitalSign(true), m);
    Struct s =
        new Struct(vitalSign(true))
            .put("message_control_id", "M".repeat(200))
            .put("obx_index", 1)
            .put("patient_id", "P")
            .put("kind", "SPO2")
            .put("observed_at", new java.util.Date(0));
    DataException e = assertThrows(DataException.class, () -> RecordColumns.row(s, cols, m, false));
    assertTrue(
        e.getMessage().contains("message_control_id") && e.getMessage().contains("200"),
        e.getMessage());
    s.put("message_control_id", "M\u0000");
    e = assertThrows(DataException.class, () -> RecordColumns.row(s, cols, m, false));
    assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    // Redshift counts bytes: 100 x 'é' is 100 characters but 200 bytes
    s.put("message_control_id", "é".repeat(100));
    RecordColumns.row(s, cols, m, false);
    assertThrows(DataException.class, () -> RecordColumns.row(s, cols, m, true));
  }

  @Test
  void ddlPerDialect() {
    TableModel m = WarehouseModel.table("fact_vital_sign");
    List<Column> cols = RecordColumns.of(vitalSign(true), m);
    TableId t = new TableId("wh", "fact_vital_sign");
    String pg = new PostgresDialect().createTable(t, cols, m);
    assertTrue(pg.startsWith("CREATE TABLE IF NOT EXISTS \"wh\".\"fact_vital_sign\" ("), pg);
    assertTrue(pg.contains("\"observed_at\" TIMESTAMPTZ"), pg);
    assertTrue(pg.contains("\"kind\" VARCHAR(16)"), pg);
    assertTrue(pg.contains("\"sending_application\" VARCHAR(227) NOT NULL DEFAULT ''"), pg);
    assertTrue(
        pg.contains(
            "PRIMARY KEY (\"sending_application\", \"sending_facility\", \"message_control_id\", \"obx_index\")"),
        pg);
    String rs = new RedshiftDialect().createTable(t, cols, m);
    assertTrue(rs.endsWith("DISTKEY(\"patient_id\") SORTKEY(\"observed_at\")"), rs);
    assertTrue(rs.contains("\"text\" VARCHAR(65535)"), rs);
    assertEquals(
        "ALTER TABLE \"wh\".\"fact_vital_sign\" ADD COLUMN \"device_id\" VARCHAR(427)",
        new PostgresDialect().addColumn(t, Column.of("device_id", Column.Type.STRING, 427, false)));
  }

  @Test
  void redshiftMergeDeletesThenInserts() {
    TableModel m = WarehouseModel.table("dim_patient");
    List<Column> cols =
        List.of(
            Column.of("patient_id", Column.Type.STRING, 250, true),
            Column.of("updated_at", Column.Type.TIMESTAMPTZ, 0, false));
    List<String> sql =
        new RedshiftDialect()
            .mergeFromStaging(new TableId("public", "dim_patient"), "\"stg\"", cols, m, null);
    assertEquals(2, sql.size());
    assertTrue(
        sql.get(0).startsWith("DELETE FROM \"public\".\"dim_patient\" USING \"stg\" s WHERE"),
        sql.get(0));
    assertTrue(sql.get(0).contains("<= s.\"updated_at\""), sql.get(0));
    assertTrue(sql.get(1).contains("WHERE NOT EXISTS"), sql.get(1));
  }

  @Test
  void dataApiTuplesBindEveryValue() {
    List<Column> cols =
        List.of(
            Column.of("a", Column.Type.STRING, 10, false),
            Column.of("b", Column.Type.INT, 0, false),
            Column.of("c", Column.Type.STRING, 10, false),
            Column.of("d", Column.Type.TIMESTAMPTZ, 0, false));
    List<String> params = new java.util.ArrayList<>();
    String t =
        io.vitalflow.connect.warehouse.dataapi.DataApiWarehouseAccess.tuple(
            new Object[] {"'); DROP TABLE x; --", null, "", new java.util.Date(0)},
            cols,
            7,
            params);
    assertEquals("(:p7, NULL, '', :p8)", t);
    assertEquals(List.of("p7", "'); DROP TABLE x; --", "p8", "1970-01-01T00:00:00Z"), params);
  }

  @Test
  void aDataApiTaskDropsOnlyItsOwnStagingTables() {
    // a task starting up must not drop the staging table another task is filling
    java.util.function.BiPredicate<Integer, String> owns =
        io.vitalflow.connect.warehouse.dataapi.DataApiWarehouseAccess::ownsStagingTable;
    assertTrue(owns.test(1, "vf_stg_1_fact_vital_sign_00ff00ff00ff00ff"));
    assertTrue(owns.test(1, "vf_stg_1_VF_fact_alert_0123456789abcdef"));
    assertTrue(owns.test(12, "vf_stg_12_fact_alert_0123456789abcdef"));
    assertFalse(owns.test(1, "vf_stg_12_fact_alert_0123456789abcdef"), "task 12's");
    assertFalse(owns.test(1, "vf_stg_0_fact_alert_0123456789abcdef"), "task 0's");
    assertFalse(owns.test(1, "vf_stg_fact_alert_0123456789abcdef"), "no task number");
    assertFalse(owns.test(1, "vf_stg_1_"), "nothing after the prefix");
    assertFalse(owns.test(1, "vf_stg_1_x\"; DROP TABLE t; --"), "not an identifier we write");
    assertFalse(owns.test(1, "fact_vital_sign"));
  }
}
