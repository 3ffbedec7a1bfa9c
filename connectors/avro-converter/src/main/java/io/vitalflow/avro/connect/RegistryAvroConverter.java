package io.vitalflow.avro.connect;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.ConfluentWire;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import io.vitalflow.avro.registry.RegistryException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Kafka Connect converter between Connect data and Avro in the Confluent wire format, over a schema
 * registry's Confluent-compatible REST API (Apicurio at {@code /apis/ccompat/v7}). Confluent's
 * AvroConverter is not available from the registries this project uses, and Apicurio's 3.x
 * converter depends on serde artifacts that are not published there either; this one is small and
 * does what the vitalflow topics need.
 *
 * <ul>
 *   <li>{@code toConnectData}: the writer schema is fetched by the id in the record; records become
 *       Structs, {@code ["null", T]} unions optional fields, enums strings, {@code
 *       timestamp-micros} and {@code timestamp-millis} Connect {@code Timestamp}s (millisecond
 *       precision), {@code date} Connect {@code Date}s.
 *   <li>{@code fromConnectData}: the value is written with the latest schema registered under
 *       {@code <topic>-value} (or {@code -key}); Struct fields are matched by name, so the Connect
 *       schema needs the Avro field names. Schemas are never registered by the converter.
 * </ul>
 *
 * <p>Errors: when the registry cannot answer (I/O error or timeout, HTTP 5xx, 408, 429) both
 * directions throw Connect's {@link RetriableException}, so that the worker retries the record
 * (with {@code errors.retry.timeout} set on the connector) instead of reporting it to the dead
 * letter queue or failing the task; a registry refusal (4xx, e.g. an unknown schema id or subject)
 * and undecodable bytes throw {@link DataException}, which is about the record itself.
 *
 * <p>Config: {@code schema.registry.url}.
 */
public class RegistryAvroConverter implements Converter {
  public static final String REGISTRY_URL = "schema.registry.url";

  private CcompatClient registry;
  private boolean isKey;
  private final Map<Integer, Schema> connectSchemas = new ConcurrentHashMap<>();

  /**
   * One reader per writer schema id: a new {@code GenericDatumReader} per record rebuilt Avro's
   * resolving reader for every record (a tenth of a Connect worker's CPU under the pipeline
   * benchmark). A reader caches that work after its first record and is safe to share.
   */
  private final Map<Integer, GenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

  @Override
  public ConfigDef config() {
    return new ConfigDef()
        .define(
            REGISTRY_URL,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigDef.Importance.HIGH,
            "Base URL of the Confluent-compatible registry API, e.g. http://127.0.0.1:8081/apis/ccompat/v7");
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object url = configs.get(REGISTRY_URL);
    if (url == null)
      throw new org.apache.kafka.common.config.ConfigException(REGISTRY_URL + " is required");
    this.registry = new CcompatClient(url.toString());
    this.isKey = isKey;
  }

  /** For tests: a converter over an existing client. */
  public void configure(CcompatClient client, boolean isKey) {
    this.registry = client;
    this.isKey = isKey;
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    if (value == null) return null;
    String subject = topic + (isKey ? "-key" : "-value");
    Map.Entry<Integer, org.apache.avro.Schema> latest;
    try {
      latest = registry.latest(subject);
    } catch (RegistryException e) {
      throw registryFailure("the latest schema of " + subject, e);
    }
    Object datum = toAvro(latest.getValue(), value, subject);
    return ConfluentWire.frame(
        latest.getKey(), RegistryAvroSerializer.encode(latest.getValue(), datum));
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) return SchemaAndValue.NULL;
    try {
      int id = ConfluentWire.schemaId(value);
      org.apache.avro.Schema writer = registry.schemaById(id);
      Object datum =
          readers
              .computeIfAbsent(id, i -> new GenericDatumReader<>(writer))
              .read(
                  null,
                  DecoderFactory.get()
                      .binaryDecoder(
                          value, ConfluentWire.HEADER, value.length - ConfluentWire.HEADER, null));
      Schema cs = connectSchemas.computeIfAbsent(id, i -> toConnectSchema(writer, false));
      return new SchemaAndValue(cs, toConnect(cs, writer, datum));
    } catch (DataException e) {
      throw e;
    } catch (RegistryException e) {
      throw registryFailure("the writer schema of a record of " + topic, e);
    } catch (Exception e) {
      throw new DataException(
          "cannot convert record of " + topic + " from Avro: " + e.getMessage(), e);
    }
  }

  /**
   * A registry that cannot answer now (down, overloaded, timing out) is retriable: the record is
   * fine and a later attempt may succeed. A refusal (4xx) is a data error of this record.
   */
  static RuntimeException registryFailure(String what, RegistryException e) {
    if (e.isTransient()) {
      return new RetriableException(
          "schema registry unavailable while fetching " + what + ": " + e.getMessage(), e);
    }
    return new DataException("schema registry refused " + what + ": " + e.getMessage(), e);
  }

  // ------------------------------------------------------------------ Avro -> Connect

  static Schema toConnectSchema(org.apache.avro.Schema s, boolean optional) {
    SchemaBuilder b;
    LogicalType lt = s.getLogicalType();
    switch (s.getType()) {
      case UNION -> {
        org.apache.avro.Schema inner = nonNull(s);
        return toConnectSchema(inner, true);
      }
      case RECORD -> {
        b = SchemaBuilder.struct().name(s.getFullName());
        for (org.apache.avro.Schema.Field f : s.getFields())
          b.field(f.name(), toConnectSchema(f.schema(), false));
      }
      case ENUM -> {
        b =
            SchemaBuilder.string()
                .parameter("io.vitalflow.avro.enum", s.getFullName())
                .parameter("io.vitalflow.avro.symbols", String.join(",", s.getEnumSymbols()));
      }
      case ARRAY -> b = SchemaBuilder.array(toConnectSchema(s.getElementType(), false));
      case MAP ->
          b = SchemaBuilder.map(Schema.STRING_SCHEMA, toConnectSchema(s.getValueType(), false));
      case STRING -> b = SchemaBuilder.string();
      case BOOLEAN -> b = SchemaBuilder.bool();
      case INT -> b = lt instanceof LogicalTypes.Date ? Date.builder() : SchemaBuilder.int32();
      case LONG ->
          b =
              (lt instanceof LogicalTypes.TimestampMicros
                      || lt instanceof LogicalTypes.TimestampMillis)
                  ? Timestamp.builder()
                  : SchemaBuilder.int64();
      case FLOAT -> b = SchemaBuilder.float32();
      case DOUBLE -> b = SchemaBuilder.float64();
      case BYTES, FIXED -> b = SchemaBuilder.bytes();
      default -> throw new DataException("unsupported Avro type " + s.getType());
    }
    if (s.getDoc() != null && s.getType() == org.apache.avro.Schema.Type.RECORD) b.doc(s.getDoc());
    if (optional) b.optional();
    return b.build();
  }

  private static org.apache.avro.Schema nonNull(org.apache.avro.Schema union) {
    List<org.apache.avro.Schema> types = union.getTypes();
    if (types.size() == 2 && types.get(0).getType() == org.apache.avro.Schema.Type.NULL)
      return types.get(1);
    if (types.size() == 2 && types.get(1).getType() == org.apache.avro.Schema.Type.NULL)
      return types.get(0);
    throw new DataException("only unions of null and one type are supported: " + union);
  }

  static Object toConnect(Schema cs, org.apache.avro.Schema s, Object v) {
    if (v == null) return null;
    if (s.getType() == org.apache.avro.Schema.Type.UNION) s = nonNull(s);
    LogicalType lt = s.getLogicalType();
    switch (s.getType()) {
      case RECORD -> {
        GenericRecord r = (GenericRecord) v;
        Struct st = new Struct(cs);
        for (org.apache.avro.Schema.Field f : s.getFields()) {
          st.put(f.name(), toConnect(cs.field(f.name()).schema(), f.schema(), r.get(f.pos())));
        }
        return st;
      }
      case ENUM, STRING -> {
        return v.toString();
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (Object e : (Collection<?>) v)
          out.add(toConnect(cs.valueSchema(), s.getElementType(), e));
        return out;
      }
      case MAP -> {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet())
          out.put(
              e.getKey().toString(), toConnect(cs.valueSchema(), s.getValueType(), e.getValue()));
        return out;
      }
      case INT -> {
        if (lt instanceof LogicalTypes.Date)
          return new java.util.Date((long) (Integer) v * 86_400_000L);
        return v;
      }
      case LONG -> {
        if (lt instanceof LogicalTypes.TimestampMicros)
          return new java.util.Date(Math.floorDiv((Long) v, 1000L));
        if (lt instanceof LogicalTypes.TimestampMillis) return new java.util.Date((Long) v);
        return v;
      }
      case BYTES -> {
        ByteBuffer bb = ((ByteBuffer) v).duplicate();
        byte[] b = new byte[bb.remaining()];
        bb.get(b);
        return b;
      }
      case FIXED -> {
        return ((GenericData.Fixed) v).bytes();
      }
      default -> {
        return v;
      }
    }
  }

  // ------------------------------------------------------------------ Connect -> Avro

  static Object toAvro(org.apache.avro.Schema s, Object v, String where) {
    if (s.getType() == org.apache.avro.Schema.Type.UNION) {
      if (v == null) return null;
      s = nonNull(s);
    }
    if (v == null) throw new DataException(where + ": null for non-nullable " + s.getType());
    LogicalType lt = s.getLogicalType();
    switch (s.getType()) {
      case RECORD -> {
        GenericData.Record r = new GenericData.Record(s);
        for (org.apache.avro.Schema.Field f : s.getFields()) {
          Object fv = fieldOf(v, f.name());
          if (fv == null && f.hasDefaultValue()) {
            r.put(f.pos(), GenericData.get().getDefaultValue(f));
          } else {
            r.put(f.pos(), toAvro(f.schema(), fv, where + "." + f.name()));
          }
        }
        return r;
      }
      case ENUM -> {
        String sym = v.toString();
        if (!s.hasEnumSymbol(sym))
          throw new DataException(where + ": " + sym + " is not a symbol of " + s.getFullName());
        return new GenericData.EnumSymbol(s, sym);
      }
      case STRING -> {
        return v.toString();
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (Object e : (Collection<?>) v) out.add(toAvro(s.getElementType(), e, where + "[]"));
        return out;
      }
      case MAP -> {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet())
          out.put(e.getKey().toString(), toAvro(s.getValueType(), e.getValue(), where + "{}"));
        return out;
      }
      case INT -> {
        if (lt instanceof LogicalTypes.Date && v instanceof java.util.Date d)
          return (int) Math.floorDiv(d.getTime(), 86_400_000L);
        return ((Number) v).intValue();
      }
      case LONG -> {
        if (v instanceof java.util.Date d) {
          return lt instanceof LogicalTypes.TimestampMicros ? d.getTime() * 1000L : d.getTime();
        }
        return ((Number) v).longValue();
      }
      case FLOAT -> {
        return ((Number) v).floatValue();
      }
      case DOUBLE -> {
        return ((Number) v).doubleValue();
      }
      case BOOLEAN -> {
        return v;
      }
      case BYTES -> {
        return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
      }
      default -> throw new DataException(where + ": unsupported Avro type " + s.getType());
    }
  }

  private static Object fieldOf(Object v, String name) {
    if (v instanceof Struct st) {
      Field f = st.schema().field(name);
      return f == null ? null : st.get(f);
    }
    if (v instanceof Map<?, ?> m) return m.get(name);
    if (v instanceof GenericRecord gr) return gr.hasField(name) ? gr.get(name) : null;
    throw new DataException(
        "expected a Struct or a Map for a record, got " + v.getClass().getName());
  }

  @SuppressWarnings("unused")
  private static boolean isEnum(Object v) {
    return v instanceof GenericEnumSymbol<?>;
  }
}
