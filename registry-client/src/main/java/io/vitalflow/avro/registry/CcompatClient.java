package io.vitalflow.avro.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A small client of the Confluent Schema Registry REST API (as served by Apicurio Registry at
 * {@code /apis/ccompat/v7}, or by a Confluent registry). Schemas by id are cached: an id never
 * changes its schema.
 */
public final class CcompatClient {
  private static final String CT = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final HttpClient http;
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}
   */
  public CcompatClient(String baseUrl) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** Registers {@code schema} under {@code subject} (or finds it there) and returns its id. */
  public int register(String subject, Schema schema) {
    return call("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema))
        .get("id")
        .asInt();
  }

  /** The id of {@code schema} if it is registered under {@code subject}; throws (404) if not. */
  public int lookup(String subject, Schema schema) {
    return call("POST", "/subjects/" + enc(subject), schemaBody(schema)).get("id").asInt();
  }

  /** The schema with this id (cached). */
  public Schema schemaById(int id) {
    return byId.computeIfAbsent(
        id,
        i ->
            new Schema.Parser()
                .parse(call("GET", "/schemas/ids/" + i, null).get("schema").asText()));
  }

  /** Id and schema of the latest version under {@code subject}. */
  public Map.Entry<Integer, Schema> latest(String subject) {
    JsonNode n = call("GET", "/subjects/" + enc(subject) + "/versions/latest", null);
    int id = n.get("id").asInt();
    Schema s = byId.computeIfAbsent(id, i -> new Schema.Parser().parse(n.get("schema").asText()));
    return Map.entry(id, s);
  }

  /**
   * Whether {@code schema} may be registered under {@code subject}, by the subject's compatibility
   * rule.
   */
  public boolean isCompatible(String subject, Schema schema) {
    JsonNode n =
        call(
            "POST",
            "/compatibility/subjects/" + enc(subject) + "/versions/latest",
            schemaBody(schema));
    return n.get("is_compatible").asBoolean();
  }

  /** The compatibility level of {@code subject} (e.g. BACKWARD). */
  public String compatibility(String subject) {
    return call("GET", "/config/" + enc(subject), null).get("compatibilityLevel").asText();
  }

  private static String schemaBody(Schema schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schemaType", "AVRO");
    body.put("schema", schema.toString());
    return body.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private JsonNode call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(15))
            .header("Accept", CT);
    if (body == null) b.method(method, HttpRequest.BodyPublishers.noBody());
    else b.header("Content-Type", CT).method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new RegistryException(method + " " + baseUrl + path + ": " + e, 0, 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(method + " " + baseUrl + path + ": interrupted", 0, 0, e);
    }
    JsonNode n;
    try {
      n = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new RegistryException(
          method + " " + path + " -> " + r.statusCode() + ": not JSON: " + r.body(),
          r.statusCode(),
          0,
          e);
    }
    if (r.statusCode() / 100 != 2) {
      int code = n.path("error_code").asInt(0);
      throw new RegistryException(
          method + " " + path + " -> " + r.statusCode() + ": " + r.body(),
          r.statusCode(),
          code,
          null);
    }
    return n;
  }
}
