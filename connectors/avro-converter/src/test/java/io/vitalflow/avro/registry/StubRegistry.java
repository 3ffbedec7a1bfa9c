package io.vitalflow.avro.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * An in-process stand-in of the ccompat API for unit tests (ids, subjects, latest); no
 * compatibility rules.
 */
final class StubRegistry implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final List<String> schemas = new ArrayList<>();
  private final Map<String, List<Integer>> subjects = new HashMap<>();
  private int failWith;

  /** Every following request is answered with this HTTP status (0: serve normally). */
  synchronized void failWith(int status) {
    failWith = status;
  }

  StubRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
  }

  synchronized int add(String subject, Schema s) {
    long fp = SchemaNormalization.parsingFingerprint64(s);
    for (int i = 0; i < schemas.size(); i++) {
      if (SchemaNormalization.parsingFingerprint64(new Schema.Parser().parse(schemas.get(i)))
          == fp) {
        subjects.computeIfAbsent(subject, k -> new ArrayList<>()).add(i + 1);
        return i + 1;
      }
    }
    schemas.add(s.toString());
    subjects.computeIfAbsent(subject, k -> new ArrayList<>()).add(schemas.size());
    return schemas.size();
  }

  private synchronized void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath().replace("/apis/ccompat/v7", "");
    String[] p = path.split("/");
    int status = 404;
    Object body = Map.of("error_code", 40401, "message", "not found");
    if (failWith != 0) {
      status = failWith;
      body = Map.of("error_code", failWith * 100, "message", "injected by the test");
    } else if (p.length == 4 && p[1].equals("schemas") && p[2].equals("ids")) {
      int id = Integer.parseInt(p[3]);
      if (id >= 1 && id <= schemas.size()) {
        status = 200;
        body = Map.of("schema", schemas.get(id - 1));
      }
    } else if (p.length == 5
        && p[1].equals("subjects")
        && p[4].equals("latest")
        && subjects.containsKey(p[2])) {
      List<Integer> ids = subjects.get(p[2]);
      int id = ids.get(ids.size() - 1);
      status = 200;
      body =
          Map.of("subject", p[2], "version", ids.size(), "id", id, "schema", schemas.get(id - 1));
    } else if (p.length == 4
        && p[1].equals("subjects")
        && p[3].equals("versions")
        && x.getRequestMethod().equals("POST")) {
      JsonNode req = JSON.readTree(x.getRequestBody());
      status = 200;
      body = Map.of("id", add(p[2], new Schema.Parser().parse(req.get("schema").asText())));
    }
    byte[] out = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
    x.sendResponseHeaders(status, out.length);
    x.getResponseBody().write(out);
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
