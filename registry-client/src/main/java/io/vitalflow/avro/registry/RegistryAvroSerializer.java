package io.vitalflow.avro.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer of Avro records (generated {@code SpecificRecord}s or {@code GenericRecord}s) to
 * the Confluent wire format, with the schema id from the registry's ccompat API, subject {@code
 * <topic>-value} (or {@code -key}).
 *
 * <p>Configs: {@code schema.registry.url} (required); {@code auto.register.schemas} (default {@code
 * false}: the schema must already be registered, as stack.sh and deployments do, so a producer
 * cannot change a topic's schema by accident).
 */
public class RegistryAvroSerializer implements Serializer<GenericContainer> {
  private CcompatClient registry;
  private boolean isKey;
  private boolean autoRegister;
  private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();

  public RegistryAvroSerializer() {}

  public RegistryAvroSerializer(CcompatClient registry, boolean autoRegister) {
    this.registry = registry;
    this.autoRegister = autoRegister;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object url = configs.get("schema.registry.url");
    if (url == null) throw new IllegalArgumentException("schema.registry.url is required");
    this.registry = new CcompatClient(url.toString());
    this.isKey = isKey;
    this.autoRegister = Boolean.parseBoolean(String.valueOf(configs.get("auto.register.schemas")));
  }

  @Override
  public byte[] serialize(String topic, GenericContainer record) {
    if (record == null) return null;
    Schema schema = record.getSchema();
    String subject = topic + (isKey ? "-key" : "-value");
    try {
      int id =
          ids.computeIfAbsent(
              schema, s -> autoRegister ? registry.register(subject, s) : idOf(subject, s));
      return ConfluentWire.frame(id, encode(schema, record));
    } catch (RegistryException e) {
      throw new SerializationException(
          "schema of " + schema.getFullName() + " under " + subject + ": " + e.getMessage(), e);
    }
  }

  /**
   * The id of {@code schema} under {@code subject}: an exact lookup, else the latest version when
   * it has the same Parsing Canonical Form (generated classes carry extra properties such as {@code
   * avro.java.string} that the registered text does not).
   */
  private int idOf(String subject, Schema schema) {
    try {
      return registry.lookup(subject, schema);
    } catch (RegistryException e) {
      if (e.status() != 404) throw e;
      Map.Entry<Integer, Schema> latest = registry.latest(subject);
      if (SchemaNormalization.parsingFingerprint64(latest.getValue())
          == SchemaNormalization.parsingFingerprint64(schema)) {
        return latest.getKey();
      }
      throw new RegistryException(
          schema.getFullName()
              + " is not registered under "
              + subject
              + " (and auto.register.schemas is false)",
          404,
          e.errorCode(),
          e);
    }
  }

  /** One writer per schema: a writer holds no per-record state and is safe to share. */
  private static final java.util.Map<Schema, DatumWriter<Object>> WRITERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The Avro binary encoding of {@code datum} (specific, generic and logical-type values). */
  public static byte[] encode(Schema schema, Object datum) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
      DatumWriter<Object> w =
          WRITERS.computeIfAbsent(
              schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
      w.write(datum, enc);
      enc.flush();
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode " + schema.getFullName() + ": " + e, e);
    }
  }
}
