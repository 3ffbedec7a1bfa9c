package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The VitalSign schema of issue 13 (patient_id nullable, sending_application and sending_facility
 * added) is a BACKWARD-compatible change of the one before it, by Avro's own SchemaCompatibility:
 * the new schema reads data written with the old one.
 */
class VitalSignEvolutionTest {
  /** The VitalSign schema before issue 13 (a copy kept as a test resource). */
  static Schema previous() {
    return resource("/evolution/VitalSign-v1.avsc");
  }

  /** The VitalSign schema before issue 23 (a copy kept as a test resource). */
  static Schema beforeIssue23() {
    return resource("/evolution/VitalSign-v2.avsc");
  }

  static Schema resource(String path) {
    try (InputStream in = VitalSignEvolutionTest.class.getResourceAsStream(path)) {
      return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Schema current() {
    return Schemas.parse("VitalSign.avsc");
  }

  static SchemaCompatibilityType readerReadsWriter(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
  }

  @Test
  void theNewSchemaReadsTheOld() {
    assertEquals(SchemaCompatibilityType.COMPATIBLE, readerReadsWriter(current(), previous()));
  }

  @Test
  void theNewSchemaReadsTheOneBeforeIssue23() {
    assertEquals(SchemaCompatibilityType.COMPATIBLE, readerReadsWriter(current(), beforeIssue23()));
    Set<String> before =
        beforeIssue23().getFields().stream().map(Schema.Field::name).collect(Collectors.toSet());
    List<String> added =
        current().getFields().stream()
            .map(Schema.Field::name)
            .filter(n -> !before.contains(n))
            .toList();
    assertEquals(List.of("processing_id", "received_at", "clock_error"), added);
    for (String f : added) {
      Schema.Field field = current().getField(f);
      assertEquals(Schema.Type.UNION, field.schema().getType(), f);
      assertEquals(Schema.Type.NULL, field.schema().getTypes().get(0).getType(), f);
      assertEquals(org.apache.avro.JsonProperties.NULL_VALUE, field.defaultVal(), f);
    }
  }

  @Test
  void theChangeIsWhatIssue13Asks() {
    Schema now = beforeIssue23();
    Set<String> before =
        previous().getFields().stream().map(Schema.Field::name).collect(Collectors.toSet());
    List<String> added =
        now.getFields().stream().map(Schema.Field::name).filter(n -> !before.contains(n)).toList();
    assertEquals(List.of("sending_application", "sending_facility"), added);
    for (String f : List.of("sending_application", "sending_facility", "patient_id")) {
      Schema.Field field = now.getField(f);
      assertEquals(
          Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
          field.schema(),
          f);
      assertEquals(org.apache.avro.JsonProperties.NULL_VALUE, field.defaultVal(), f);
    }
  }

  @Test
  void aRequiredSenderWouldNotBeBackwardCompatible() {
    // The check can fail: the same fields without defaults could not read the old data.
    String text =
        Schemas.text("VitalSign.avsc")
            .replace(
                "\"name\": \"sending_application\",\n      \"type\": [\n        \"null\",\n        \"string\"\n      ],\n      \"default\": null,",
                "\"name\": \"sending_application\",\n      \"type\": \"string\",");
    Schema required = new Schema.Parser().parse(text);
    assertEquals(Schema.Type.STRING, required.getField("sending_application").schema().getType());
    assertEquals(SchemaCompatibilityType.INCOMPATIBLE, readerReadsWriter(required, previous()));
  }

  @Test
  void aRecordWrittenWithTheOldSchemaReadsWithTheNew() throws Exception {
    Schema old = previous();
    GenericRecord r = new GenericData.Record(old);
    for (Schema.Field f : old.getFields()) {
      if (f.hasDefaultValue()) {
        r.put(f.name(), GenericData.get().getDefaultValue(f));
      }
    }
    r.put("message_control_id", "C1");
    r.put("obx_index", 3);
    r.put("patient_id", "P1");
    r.put("kind", new GenericData.EnumSymbol(old.getField("kind").schema(), "HEART_RATE"));
    r.put("code", "8867-4");
    r.put("observed_at", 1_795_154_400_000_000L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(old).write(r, enc);
    enc.flush();

    GenericRecord back =
        new GenericDatumReader<GenericRecord>(old, current())
            .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    assertEquals("P1", back.get("patient_id").toString());
    assertEquals(3, back.get("obx_index"));
    assertNull(back.get("sending_application"));
    assertNull(back.get("sending_facility"));
  }
}
