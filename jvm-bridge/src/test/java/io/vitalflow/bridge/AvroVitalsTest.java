package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/** Rust-encoded Avro, read back by the Java Avro implementation with the contract's schema. */
class AvroVitalsTest {
  static Schema schema() throws Exception {
    return new Schema.Parser()
        .parse(
            Paths.get(System.getProperty("vitalflow.schemas", "../schemas"), "VitalSign.avsc")
                .toFile());
  }

  static GenericRecord read(Schema schema, byte[] datum, int offset) throws Exception {
    return new GenericDatumReader<GenericRecord>(schema)
        .read(null, DecoderFactory.get().binaryDecoder(datum, offset, datum.length - offset, null));
  }

  @Test
  void datumsMatchTheRowsAndTheSchema() throws Exception {
    Schema schema = schema();
    List<VitalSign> rows = Vitals.extract(Messages.monitor());
    List<AvroVitals.Encoded> encoded = AvroVitals.encodeDatums(Messages.monitor());
    assertEquals(rows.size(), encoded.size());
    for (int i = 0; i < rows.size(); i++) {
      VitalSign v = rows.get(i);
      AvroVitals.Encoded e = encoded.get(i);
      assertEquals(v.patientId(), e.patientId());
      assertEquals(v.obxIndex(), e.obxIndex());
      GenericRecord r = read(schema, e.value(), 0);
      assertEquals(v.messageControlId(), r.get("message_control_id").toString());
      assertEquals(v.obxIndex(), r.get("obx_index"));
      assertEquals(v.kind().name(), r.get("kind").toString());
      assertEquals(v.code(), r.get("code").toString());
      assertEquals(v.value(), r.get("value"));
      assertEquals(v.normalizedValue(), r.get("normalized_value"));
      assertEquals(v.observedAtMicros(), r.get("observed_at"));
      assertEquals(v.location(), r.get("location") == null ? null : r.get("location").toString());
      assertEquals(v.text(), r.get("text") == null ? null : r.get("text").toString());
      assertNull(r.get("glucose_status"));
    }
  }

  @Test
  void confluentWireFormat() throws Exception {
    List<AvroVitals.Encoded> plain = AvroVitals.encodeDatums(Messages.monitor());
    List<AvroVitals.Encoded> framed = AvroVitals.encodeConfluent(Messages.monitor(), 258);
    byte[] f = framed.get(0).value();
    assertEquals(0, f[0]);
    assertEquals(258, ByteBuffer.wrap(f, 1, 4).getInt());
    assertEquals(ByteBuffer.wrap(plain.get(0).value()), ByteBuffer.wrap(f, 5, f.length - 5));
    assertEquals("12345", read(schema(), f, 5).get("patient_id").toString());
  }

  @Test
  void errors() {
    assertThrows(
        Hl7Exception.class,
        () -> AvroVitals.encodeDatums("nonsense".getBytes(StandardCharsets.US_ASCII)));
    byte[] noPatient =
        Messages.MONITOR
            .replace("PID|1||12345^^^HOSP^MR~998877^^^NHS^NH", "PID|1||")
            .getBytes(StandardCharsets.UTF_8);
    assertThrows(
        IllegalArgumentException.class, () -> AvroVitals.encodeConfluent(Messages.monitor(), -1));
  }

  @Test
  void rowsWithoutAPatientEncodeWithANullPatientIdAndCarryTheSender() throws Exception {
    byte[] noPatient =
        Messages.MONITOR
            .replace("PID|1||12345^^^HOSP^MR~998877^^^NHS^NH", "PID|1||")
            .getBytes(StandardCharsets.UTF_8);
    List<VitalSign> rows = Vitals.extract(noPatient);
    List<AvroVitals.Encoded> encoded = AvroVitals.encodeDatums(noPatient);
    assertEquals(rows.size(), encoded.size());
    assertTrue(!rows.isEmpty());
    for (int i = 0; i < rows.size(); i++) {
      assertNull(rows.get(i).patientId());
      assertNull(encoded.get(i).patientId());
      GenericRecord r = read(schema(), encoded.get(i).value(), 0);
      assertNull(r.get("patient_id"));
      assertEquals(rows.get(i).sendingApplication(), r.get("sending_application").toString());
      assertEquals(rows.get(i).sendingFacility(), r.get("sending_facility").toString());
    }
  }
}
