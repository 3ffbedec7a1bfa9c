package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The bridge and the CLI ({@code vitalflow vitals FILE}) agree row for row on every fixture in
 * {@code tests/fixtures/*.hl7}, and on the generated messages.
 */
class CliAgreementTest {
  static Path cli() {
    Path p = Paths.get(System.getProperty("vitalflow.cli", "../target/debug/vitalflow"));
    assertTrue(
        Files.isExecutable(p),
        "the CLI is not built: "
            + p
            + " (the jvm-bridge build makes it: cargo test --workspace --no-run)");
    return p;
  }

  static String run(Path cli, Path file, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(cli.toString());
    cmd.addAll(List.of(args));
    cmd.add(file.toString());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The row as the CLI prints it (contract field names, RFC 3339 time, numbers as doubles). */
  static Map<String, Object> asJson(VitalSign v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("message_control_id", v.messageControlId());
    m.put("obx_index", (double) v.obxIndex());
    m.put("set_id", v.setId());
    m.put("patient_id", v.patientId());
    m.put("patient_id_authority", v.patientIdAuthority());
    m.put("encounter_id", v.encounterId());
    m.put("location", v.location());
    m.put("kind", v.kind().name());
    m.put("code", v.code());
    m.put("code_system", v.codeSystem());
    m.put("value", v.value());
    m.put("comparator", v.comparator());
    m.put("text", v.text());
    m.put("unit", v.unit());
    m.put("normalized_value", v.normalizedValue());
    m.put("normalized_unit", v.normalizedUnit());
    m.put("observed_at", v.observedAt());
    m.put("status", v.status());
    m.put("device_id", v.deviceId());
    m.put("glucose_status", v.glucoseStatus() == null ? null : v.glucoseStatus().name());
    m.put("sending_application", v.sendingApplication());
    m.put("sending_facility", v.sendingFacility());
    return m;
  }

  /** Normalises a CLI row: known fields only (missing = null), observed_at as an Instant. */
  static Map<String, Object> normalise(Map<String, Object> cli) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String k :
        asJson(
                new VitalSign(
                    "",
                    0,
                    null,
                    null,
                    null,
                    null,
                    null,
                    VitalKind.SPO2,
                    "",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null))
            .keySet()) {
      Object v = cli.get(k);
      if (k.equals("observed_at") && v != null) {
        v = Instant.parse((String) v);
      }
      m.put(k, v);
    }
    return m;
  }

  static List<Map<String, Object>> cliRows(String jsonLines) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String line : jsonLines.split("\n")) {
      if (!line.isBlank()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = (Map<String, Object>) Json.parse(line);
        rows.add(normalise(row));
      }
    }
    return rows;
  }

  static List<Map<String, Object>> bridgeRows(byte[] file) {
    List<Map<String, Object>> rows = new ArrayList<>();
    // The CLI prints the rows of a message whose other OBX are errors (SPEC: an OBX error does
    // not cost the message its other rows); so do partial results.
    for (ExtractResult r : Vitals.extractStream(file)) {
      r.vitals().forEach(v -> rows.add(asJson(v)));
    }
    return rows;
  }

  @TestFactory
  Stream<DynamicTest> fixturesAgreeWithTheCli() throws IOException {
    Path dir = Paths.get(System.getProperty("vitalflow.fixtures", "../tests/fixtures"));
    assertTrue(Files.isDirectory(dir), "no fixtures directory " + dir);
    Path cli = cli();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".hl7")).sorted().toList();
    }
    assertTrue(!files.isEmpty(), "no fixtures in " + dir);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> {
                      List<Map<String, Object>> expected = cliRows(run(cli, f, "vitals"));
                      List<Map<String, Object>> actual = bridgeRows(Files.readAllBytes(f));
                      assertEquals(expected, actual, f.toString());
                    }));
  }

  @Test
  void generatedMessagesAgreeWithTheCli() throws Exception {
    Path cli = cli();
    List<byte[]> messages = Messages.randomBatch(5, 100, 8);
    messages.add(Messages.monitor());
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    List<Map<String, Object>> actual = new ArrayList<>();
    for (byte[] m : messages) {
      file.write(m);
      Vitals.extract(m).forEach(v -> actual.add(asJson(v)));
    }
    Path tmp = Files.createTempFile("vitalflow-generated", ".hl7");
    try {
      Files.write(tmp, file.toByteArray());
      assertEquals(cliRows(run(cli, tmp, "vitals")), actual);
      assertEquals(actual, bridgeRows(file.toByteArray()));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
