package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.ConfluentWire;
import io.vitalflow.avro.registry.RegistryAvroDeserializer;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import io.vitalflow.stack.LocalStack;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rust and Java agree on the wire, through the real broker and registry of the local stack:
 * Rust-encoded bytes ({@code schema_registry_converter}) decode with the Java deserializer (schema
 * fetched by id), and Java-encoded bytes decode in Rust. The Rust side is {@code
 * examples/avro_interop.rs} of whichever workspace crate has it (the Rust test-support crate,
 * native/test-support, since the reshape), found with {@code cargo metadata} and built here with
 * cargo.
 */
class CrossLanguageIT {
  static final String TOPIC = "vitals.observations";

  /** The Rust example that encodes and decodes through the registry. */
  static final String EXAMPLE = "avro_interop";

  static LocalStack stack;
  static Path interop;

  @BeforeAll
  static void setUp() throws Exception {
    stack = LocalStack.get();
    Path repo = LocalStack.repoRoot();
    String pkg = packageWithExample(repo, EXAMPLE);
    run(repo, List.of("cargo", "build", "-q", "-p", pkg, "--example", EXAMPLE), null);
    String targetDir =
        System.getenv().getOrDefault("CARGO_TARGET_DIR", repo.resolve("target").toString());
    interop = Path.of(targetDir).resolve("debug/examples/" + EXAMPLE);
    assertTrue(Files.isExecutable(interop), interop + " was not built");
  }

  @Test
  void rustEncodedRecordDecodesWithTheJavaDeserializer() throws Exception {
    byte[] bytes =
        HexFormat.of()
            .parseHex(
                run(null, List.of(interop.toString(), "encode", stack.registryUrl()), null).trim());
    int id = new CcompatClient(stack.registryUrl()).latest(TOPIC + "-value").getKey();
    assertEquals(
        id,
        ConfluentWire.schemaId(bytes),
        "Rust wrote the registry's id of vitals.observations-value");

    byte[] consumed = throughKafka("P-RUST", bytes);
    assertArrayEquals(bytes, consumed);

    RegistryAvroDeserializer specific = new RegistryAvroDeserializer();
    specific.configure(
        Map.of("schema.registry.url", stack.registryUrl(), "specific.avro.reader", "true"), false);
    VitalSign v = (VitalSign) specific.deserialize(TOPIC, consumed);
    assertEquals("MSG-RUST-1", v.getMessageControlId());
    assertEquals(2, v.getObxIndex());
    assertEquals("P-RUST", v.getPatientId());
    assertEquals("WARD7^12^A", v.getLocation());
    assertEquals(VitalKind.TEMPERATURE, v.getKind());
    assertEquals(101.3, v.getValue());
    assertEquals("[degF]", v.getUnit());
    assertEquals(38.5, v.getNormalizedValue());
    assertEquals("Cel", v.getNormalizedUnit());
    assertEquals(Instant.parse("2026-11-20T06:00:00.000123Z"), v.getObservedAt());
    assertNull(v.getComparator());
    assertNull(v.getGlucoseStatus());

    GenericRecord g =
        (GenericRecord)
            new RegistryAvroDeserializer(new CcompatClient(stack.registryUrl()), false)
                .deserialize(TOPIC, consumed);
    assertEquals(1_795_154_400_000_123L, g.get("observed_at"));
  }

  @Test
  void javaEncodedRecordDecodesInRust() throws Exception {
    Instant t = Instant.parse("2026-11-21T07:30:15.654321Z");
    VitalSign v = TestRecords.vitalSign(t);
    Properties p = producerProps();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, RegistryAvroSerializer.class.getName());
    p.put("schema.registry.url", stack.registryUrl());
    RecordMetadata md;
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
      md =
          producer.send(new ProducerRecord<>(TOPIC, v.getPatientId(), v)).get(30, TimeUnit.SECONDS);
    }
    byte[] consumed = consume(md);

    String out =
        run(
            null,
            List.of(interop.toString(), "decode", stack.registryUrl()),
            HexFormat.of().formatHex(consumed));
    JsonNode n = new ObjectMapper().readTree(out);
    assertEquals(
        new CcompatClient(stack.registryUrl()).latest(TOPIC + "-value").getKey(),
        n.get("schema_id").asInt());
    assertEquals("io.vitalflow.avro.VitalSign", n.get("name").asText());
    JsonNode r = n.get("record");
    assertEquals("MSG-JAVA-1", r.get("message_control_id").asText());
    assertEquals(3, r.get("obx_index").asInt());
    assertEquals("P-JAVA", r.get("patient_id").asText());
    assertEquals("GLUCOSE", r.get("kind").asText());
    assertEquals(3.5, r.get("value").asDouble());
    assertEquals(63.056, r.get("normalized_value").asDouble());
    assertEquals(
        t.getEpochSecond() * 1_000_000L + t.getNano() / 1000, r.get("observed_at").asLong());
    assertEquals("HYPO_L1", r.get("glucose_status").asText());
    assertTrue(r.get("comparator").isNull());
  }

  // ------------------------------------------------------------------ helpers

  /** The workspace package that has example {@code example}; fails when none or several do. */
  static String packageWithExample(Path repo, String example) throws Exception {
    String json =
        run(
            repo,
            List.of("cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"),
            null);
    List<String> found = new java.util.ArrayList<>();
    for (JsonNode p : new ObjectMapper().readTree(json).get("packages")) {
      for (JsonNode t : p.get("targets")) {
        boolean isExample = false;
        for (JsonNode k : t.get("kind")) isExample |= k.asText().equals("example");
        if (isExample && t.get("name").asText().equals(example)) found.add(p.get("name").asText());
      }
    }
    assertEquals(1, found.size(), "workspace packages with example " + example + ": " + found);
    return found.get(0);
  }

  private Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  /** Produces {@code value} with key {@code key} and reads the same record back from the broker. */
  private byte[] throughKafka(String key, byte[] value) throws Exception {
    Properties p = producerProps();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      return consume(
          producer.send(new ProducerRecord<>(TOPIC, key, value)).get(30, TimeUnit.SECONDS));
    }
  }

  private byte[] consume(RecordMetadata md) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "cross-language-it-" + UUID.randomUUID());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    TopicPartition tp = new TopicPartition(md.topic(), md.partition());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seek(tp, md.offset());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() == md.offset()) return r.value();
        }
      }
    }
    throw new AssertionError("record at " + tp + "@" + md.offset() + " not consumed within 30 s");
  }

  /**
   * Runs a command, feeding {@code stdin}; returns its standard output; fails on a non-zero exit.
   */
  private static String run(Path dir, List<String> cmd, String stdin) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    if (dir != null) pb.directory(dir.toFile());
    File out = File.createTempFile("interop", ".out");
    out.deleteOnExit();
    pb.redirectOutput(out);
    Process proc = pb.start();
    try (var in = proc.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!proc.waitFor(10, TimeUnit.MINUTES)) {
      proc.destroyForcibly();
      throw new AssertionError(cmd + " did not finish");
    }
    String s = Files.readString(out.toPath());
    assertEquals(0, proc.exitValue(), cmd + " failed: " + s);
    return s;
  }
}
