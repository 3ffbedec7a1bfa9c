package io.vitalflow.connect.warehouse;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** tests/redshift-data-api/DataApiServer.java as a child process on a free loopback port. */
final class DataApiEndpoint implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAVITALFLOWTEST01";
  static final String SECRET_KEY = "vitalflow-local-secret-key-for-sigv4";

  final Process process;
  final int port;

  DataApiEndpoint(StackClient stack, int throttleEvery) throws Exception {
    String pgJar =
        Path.of(
                org.postgresql.Driver.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI())
            .toString();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                pgJar,
                StackClient.ROOT.resolve("tests/redshift-data-api/DataApiServer.java").toString(),
                "--port",
                "0",
                "--jdbc",
                stack.local.jdbcUrl(),
                "--user",
                stack.local.pgUser(),
                "--password",
                stack.local.pgPassword(),
                "--access-key",
                ACCESS_KEY,
                "--secret-key",
                SECRET_KEY,
                "--throttle-every",
                Integer.toString(throttleEvery)));
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    if (line == null || !line.startsWith("listening on ")) {
      process.destroyForcibly();
      throw new IllegalStateException("Data API endpoint did not start: " + line);
    }
    port = Integer.parseInt(line.substring("listening on ".length()).trim());
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  String stats(StackClient stack) throws Exception {
    return stack.http("GET", url() + "/stats", null).body();
  }

  static long stat(String json, String key) {
    return Long.parseLong(json.replaceAll(".*\"" + key + "\":(\\d+).*", "$1"));
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
