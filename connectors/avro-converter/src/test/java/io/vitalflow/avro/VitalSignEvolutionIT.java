package io.vitalflow.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.stack.LocalStack;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * The running registry (Apicurio's ccompat API) accepts the issue-13 VitalSign schema over the one
 * before it under BACKWARD compatibility, on a subject of its own so the stack's subjects are not
 * touched, and refuses a variant that is not backward compatible. (The schemas come from
 * vitalflow-schemas and its test-jar: VitalSignEvolutionTest.)
 */
class VitalSignEvolutionIT {
  static void setBackward(String registryUrl, String subject) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            registryUrl
                                + "/config/"
                                + URLEncoder.encode(subject, StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void theRegistryAcceptsTheNewVitalSignOverTheOldUnderBackward() throws Exception {
    LocalStack stack = LocalStack.get();
    CcompatClient registry = new CcompatClient(stack.registryUrl());
    String subject = "it-vitalsign-evolution-" + System.currentTimeMillis() + "-value";
    Schema old = VitalSignEvolutionTest.previous();
    Schema now = VitalSignEvolutionTest.current();

    int oldId = registry.register(subject, old);
    setBackward(stack.registryUrl(), subject);
    assertEquals("BACKWARD", registry.compatibility(subject));

    // Not backward compatible: a required sending_application the old data does not have.
    Schema required =
        new Schema.Parser()
            .parse(
                Schemas.text("VitalSign.avsc")
                    .replaceFirst(
                        "\"fields\": \\[",
                        "\"fields\": [{\"name\": \"sender_required\", \"type\": \"string\", \"doc\": \"no default\"},"));
    assertFalse(registry.isCompatible(subject, required));

    assertTrue(registry.isCompatible(subject, now));
    int newId = registry.register(subject, now);
    assertNotEquals(oldId, newId);
    var latest = registry.latest(subject);
    assertEquals(newId, latest.getKey());
    assertEquals(
        SchemaNormalization.parsingFingerprint64(now),
        SchemaNormalization.parsingFingerprint64(latest.getValue()));
  }
}
