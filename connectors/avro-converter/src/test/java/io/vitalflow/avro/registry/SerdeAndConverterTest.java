package io.vitalflow.avro.registry;

import static org.junit.jupiter.api.Assertions.*;

import io.vitalflow.avro.Schemas;
import io.vitalflow.avro.TestRecords;
import io.vitalflow.avro.VitalSign;
import io.vitalflow.avro.connect.RegistryAvroConverter;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Wire format, serde and Connect converter against an in-process stub registry (no services). */
class SerdeAndConverterTest {
  private static final String TOPIC = "vitals.observations";
  private StubRegistry stub;
  private int id;

  @BeforeEach
  void start() throws Exception {
    stub = new StubRegistry();
    stub.add("other-value", Schemas.parse("Patient.avsc")); // so the id under test is not 1
    id = stub.add(Schemas.valueSubject(TOPIC), Schemas.forTopic(TOPIC));
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  @Test
  void wireFormatIsMagicByteAndBigEndianId() {
    byte[] f = ConfluentWire.frame(0x01020304, new byte[] {9});
    assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 9}, f);
    assertEquals(0x01020304, ConfluentWire.schemaId(f));
    assertThrows(
        IllegalArgumentException.class, () -> ConfluentWire.schemaId(new byte[] {1, 0, 0, 0, 1}));
    assertThrows(IllegalArgumentException.class, () -> ConfluentWire.schemaId(new byte[] {0, 0}));
  }

  @Test
  void specificRecordRoundTripsThroughTheSerde() {
    Instant t = Instant.parse("2026-11-20T06:00:00.000001Z");
    VitalSign v = TestRecords.vitalSign(t);
    RegistryAvroSerializer ser = new RegistryAvroSerializer();
    ser.configure(Map.of("schema.registry.url", stub.url()), false);
    byte[] bytes = ser.serialize(TOPIC, v);
    assertEquals(id, ConfluentWire.schemaId(bytes));

    RegistryAvroDeserializer specific = new RegistryAvroDeserializer();
    specific.configure(
        Map.of("schema.registry.url", stub.url(), "specific.avro.reader", "true"), false);
    assertEquals(v, specific.deserialize(TOPIC, bytes));

    RegistryAvroDeserializer generic =
        new RegistryAvroDeserializer(new CcompatClient(stub.url()), false);
    GenericRecord g = (GenericRecord) generic.deserialize(TOPIC, bytes);
    assertEquals("P-JAVA", g.get("patient_id").toString());
    assertEquals(t.getEpochSecond() * 1_000_000L + 1, g.get("observed_at"));
    assertEquals("HYPO_L1", g.get("glucose_status").toString());
  }

  @Test
  void unregisteredSchemaIsRefusedWithoutAutoRegister() {
    RegistryAvroSerializer ser = new RegistryAvroSerializer(new CcompatClient(stub.url()), false);
    assertThrows(
        SerializationException.class,
        () -> ser.serialize("vitals.scores", TestRecords.vitalSign(Instant.EPOCH)));
  }

  @Test
  void converterMapsAvroToConnectAndBack() {
    Instant t = Instant.parse("2026-11-20T06:00:00Z");
    byte[] bytes =
        new RegistryAvroSerializer(new CcompatClient(stub.url()), false)
            .serialize(TOPIC, TestRecords.vitalSign(t));
    RegistryAvroConverter conv = new RegistryAvroConverter();
    conv.configure(Map.of("schema.registry.url", stub.url()), false);
    SchemaAndValue sv = conv.toConnectData(TOPIC, bytes);
    Struct s = (Struct) sv.value();
    assertEquals("io.vitalflow.avro.VitalSign", sv.schema().name());
    assertEquals("P-JAVA", s.getString("patient_id"));
    assertEquals("GLUCOSE", s.getString("kind"));
    assertEquals(3.5, s.getFloat64("value"));
    assertNull(s.get("comparator"));
    assertTrue(sv.schema().field("comparator").schema().isOptional());
    assertEquals(Timestamp.LOGICAL_NAME, sv.schema().field("observed_at").schema().name());
    assertEquals(java.util.Date.from(t), s.get("observed_at"));

    byte[] back = conv.fromConnectData(TOPIC, sv.schema(), s);
    assertEquals(id, ConfluentWire.schemaId(back));
    assertArrayEquals(bytes, back);
    assertNull(conv.fromConnectData(TOPIC, null, null));
    assertEquals(SchemaAndValue.NULL, conv.toConnectData(TOPIC, null));
  }
}
