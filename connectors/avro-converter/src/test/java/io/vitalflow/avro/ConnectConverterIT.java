package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import io.vitalflow.stack.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The Connect worker of the local stack reads Avro from vitals.observations through {@code
 * RegistryAvroConverter}: a real sink connector (FileStreamSink) gets the record as a Struct.
 */
class ConnectConverterIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void sinkConnectorReceivesStructsThroughTheConverter() throws Exception {
    LocalStack stack = LocalStack.get();
    String patient = "P-CONNECT-" + UUID.randomUUID();
    VitalSign v =
        VitalSign.newBuilder(TestRecords.vitalSign(Instant.parse("2026-11-22T08:00:00Z")))
            .setPatientId(patient)
            .build();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, RegistryAvroSerializer.class.getName());
    p.put("schema.registry.url", stack.registryUrl());
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
      producer
          .send(new ProducerRecord<>("vitals.observations", patient, v))
          .get(30, TimeUnit.SECONDS);
    }

    Path out = Files.createTempFile("connect-sink", ".txt");
    String name = "it-file-sink-" + UUID.randomUUID();
    Map<String, Object> config =
        Map.of(
            "name",
            name,
            "config",
            Map.of(
                "connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max", "1",
                "topics", "vitals.observations",
                "file", out.toString(),
                "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                "value.converter", "io.vitalflow.avro.connect.RegistryAvroConverter",
                "value.converter.schema.registry.url", stack.registryUrl()));
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.connectUrl() + "/connectors"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new ObjectMapper().writeValueAsString(config)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(201, created.statusCode(), created.body());
    try {
      String line = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (line == null && System.nanoTime() < deadline) {
        line =
            Files.readAllLines(out).stream()
                .filter(l -> l.contains(patient))
                .findFirst()
                .orElse(null);
        if (line == null) Thread.sleep(500);
      }
      String status =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(stack.connectUrl() + "/connectors/" + name + "/status"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertNotNull(line, "the sink did not write the record within 90 s; status " + status);
      assertTrue(line.startsWith("Struct{"), line);
      assertTrue(line.contains("kind=GLUCOSE"), line);
      assertTrue(line.contains("glucose_status=HYPO_L1"), line);
      assertTrue(line.contains("normalized_unit=mg/dL"), line);
    } finally {
      http.send(
          HttpRequest.newBuilder(URI.create(stack.connectUrl() + "/connectors/" + name))
              .DELETE()
              .build(),
          HttpResponse.BodyHandlers.discarding());
      Files.deleteIfExists(out);
    }
  }
}
