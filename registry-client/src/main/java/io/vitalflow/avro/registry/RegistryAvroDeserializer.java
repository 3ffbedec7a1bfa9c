package io.vitalflow.avro.registry;

import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer of Confluent-wire-format Avro: reads the schema id, fetches the writer schema
 * from the registry (ccompat API, cached) and decodes.
 *
 * <p>Configs: {@code schema.registry.url} (required); {@code specific.avro.reader} (default {@code
 * false}): {@code true} yields the generated classes (io.vitalflow.avro.*), resolving the writer
 * schema to the class's schema; {@code false} yields {@code GenericRecord}s in the writer schema.
 */
public class RegistryAvroDeserializer implements Deserializer<Object> {
  private CcompatClient registry;
  private boolean specific;

  /** One reader per writer schema id (a reader caches its resolution work after one record). */
  private final Map<Integer, org.apache.avro.io.DatumReader<Object>> readers =
      new java.util.concurrent.ConcurrentHashMap<>();

  public RegistryAvroDeserializer() {}

  public RegistryAvroDeserializer(CcompatClient registry, boolean specific) {
    this.registry = registry;
    this.specific = specific;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object url = configs.get("schema.registry.url");
    if (url == null) throw new IllegalArgumentException("schema.registry.url is required");
    this.registry = new CcompatClient(url.toString());
    this.specific = Boolean.parseBoolean(String.valueOf(configs.get("specific.avro.reader")));
  }

  private org.apache.avro.io.DatumReader<Object> readerFor(Schema writer) {
    Class<?> cls = specific ? SpecificData.get().getClass(writer) : null;
    if (cls != null) return new SpecificDatumReader<>(writer, SpecificData.get().getSchema(cls));
    return new GenericDatumReader<>(writer);
  }

  @Override
  public Object deserialize(String topic, byte[] data) {
    if (data == null) return null;
    try {
      int id = ConfluentWire.schemaId(data);
      Schema writer = registry.schemaById(id);
      BinaryDecoder dec =
          DecoderFactory.get()
              .binaryDecoder(data, ConfluentWire.HEADER, data.length - ConfluentWire.HEADER, null);
      return readers.computeIfAbsent(id, i -> readerFor(writer)).read(null, dec);
    } catch (Exception e) {
      throw new SerializationException(
          "cannot decode "
              + data.length
              + " bytes from "
              + topic
              + " (head "
              + Arrays.toString(Arrays.copyOf(data, Math.min(5, data.length)))
              + "): "
              + e.getMessage(),
          e);
    }
  }
}
