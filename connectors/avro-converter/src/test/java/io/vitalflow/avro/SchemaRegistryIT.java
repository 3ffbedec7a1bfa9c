package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryException;
import io.vitalflow.stack.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The running stack: topics, registered schemas with BACKWARD, refusal of an incompatible change,
 * Connect's converter.
 */
class SchemaRegistryIT {
  static LocalStack stack;
  static CcompatClient registry;

  @BeforeAll
  static void stack() {
    stack = LocalStack.get();
    registry = new CcompatClient(stack.registryUrl());
  }

  @Test
  void topicsExistAsTopicsTsvSaysWithPartitionsAndCleanupPolicy() throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    try (Admin admin = Admin.create(p)) {
      List<String> names = Topics.all().stream().map(Topics.Topic::name).toList();
      Map<String, TopicDescription> d =
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      List<ConfigResource> resources =
          names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      var configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      for (Topics.Topic t : Topics.all()) {
        assertEquals(t.partitions(), d.get(t.name()).partitions().size(), t.name());
        assertEquals(
            t.cleanupPolicy(),
            configs
                .get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                .get(TopicConfig.CLEANUP_POLICY_CONFIG)
                .value(),
            t.name());
      }
    }
  }

  @Test
  void onlyTheAvroTopicsOfTopicsTsvHaveValueSubjects() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(stack.registryUrl() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    java.util.Set<String> subjects = new java.util.HashSet<>();
    for (JsonNode n : new ObjectMapper().readTree(r.body())) subjects.add(n.asText());
    for (Topics.Topic t : Topics.all()) {
      assertEquals(t.hasAvroValue(), subjects.contains(t.valueSubject()), t.valueSubject());
    }
  }

  @Test
  void everySchemaIsRegisteredUnderItsTopicWithBackwardCompatibility() {
    for (var e : Schemas.TOPIC_FILES.entrySet()) {
      String subject = Schemas.valueSubject(e.getKey());
      Schema registered = registry.latest(subject).getValue();
      assertEquals(
          SchemaNormalization.parsingFingerprint64(Schemas.parse(e.getValue())),
          SchemaNormalization.parsingFingerprint64(registered),
          subject);
      assertEquals("BACKWARD", registry.compatibility(subject), subject);
    }
  }

  @Test
  void registryRefusesAnIncompatibleChange() {
    String subject = Schemas.valueSubject("vitals.observations");
    int before = registry.latest(subject).getKey();
    // a new required field without a default: the new schema cannot read the existing data
    Schema incompatible =
        new Schema.Parser()
            .parse(
                Schemas.text("VitalSign.avsc")
                    .replaceFirst(
                        "\"fields\": \\[",
                        "\"fields\": [{\"name\": \"ward_required\", \"type\": \"string\", \"doc\": \"no default\"},"));
    // the same field, nullable with default null: allowed (checked, not registered)
    Schema compatible =
        new Schema.Parser()
            .parse(
                Schemas.text("VitalSign.avsc")
                    .replaceFirst(
                        "\"fields\": \\[",
                        "\"fields\": [{\"name\": \"ward_optional\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"optional\"},"));

    assertFalse(registry.isCompatible(subject, incompatible));
    assertTrue(registry.isCompatible(subject, compatible));
    RegistryException refused =
        assertThrows(RegistryException.class, () -> registry.register(subject, incompatible));
    assertEquals(409, refused.status(), refused.getMessage());
    assertEquals(
        before, registry.latest(subject).getKey(), "the refused schema did not become the latest");
  }

  @Test
  void connectWorkerLoadsTheRegistryAvroConverter() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(stack.connectUrl() + "/connector-plugins?connectorsOnly=false"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    boolean found = false;
    for (JsonNode n : new ObjectMapper().readTree(r.body())) {
      found |= n.get("class").asText().equals("io.vitalflow.avro.connect.RegistryAvroConverter");
    }
    assertTrue(found, "RegistryAvroConverter not among the worker's plugins: " + r.body());
  }
}
