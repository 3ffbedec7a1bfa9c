package io.vitalflow.stack;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How Java integration tests find the local stack: runs {@code tests/stack/stack.sh ensure} once
 * per JVM, which checks every service and starts the stack when something is not healthy (unless
 * {@code VITALFLOW_STACK_AUTOSTART=0}), then prints where the services are. Any failure throws, so
 * a test that needs the stack fails when it cannot be had; it never passes quietly.
 *
 * <p>Other modules depend on {@code io.vitalflow:vitalflow-test-support} with scope test.
 */
public final class LocalStack {
  private static Map<String, String> env;

  private final Map<String, String> values;

  private LocalStack(Map<String, String> values) {
    this.values = values;
  }

  /** The running stack (started if needed). */
  public static synchronized LocalStack get() {
    if (env == null) env = ensure();
    return new LocalStack(env);
  }

  public String kafkaBootstrap() {
    return value("VITALFLOW_KAFKA_BOOTSTRAP");
  }

  /** Confluent-compatible registry API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  public String registryUrl() {
    return value("VITALFLOW_REGISTRY_URL");
  }

  public String connectUrl() {
    return value("VITALFLOW_CONNECT_URL");
  }

  public String jdbcUrl() {
    return value("VITALFLOW_PG_URL");
  }

  public String pgUser() {
    return value("VITALFLOW_PG_USER");
  }

  public String pgPassword() {
    return value("VITALFLOW_PG_PASSWORD");
  }

  /** Where the stack keeps its state: {@code run/} (pid files), {@code logs/}, {@code dist/}. */
  public java.nio.file.Path stackDir() {
    return java.nio.file.Path.of(value("VITALFLOW_STACK_DIR"));
  }

  public int topicPartitions() {
    return Integer.parseInt(value("VITALFLOW_TOPIC_PARTITIONS"));
  }

  public String value(String key) {
    String v = values.get(key);
    if (v == null) throw new IllegalStateException("stack.sh env has no " + key + ": " + values);
    return v;
  }

  /**
   * Runs {@code tests/stack/stack.sh} with {@code args} (no stack needed for commands such as
   * {@code topics} or {@code env}); returns its standard output, or throws with its exit status.
   */
  public static String runScript(String... args) {
    return run(java.time.Duration.ofMinutes(2), false, args);
  }

  /**
   * {@link #runScript(String...)} for commands that may take long, such as {@code restart connect}
   * (a worker's plugin scan on a busy machine takes minutes): waits up to {@code timeout}, and
   * gives the script's health checks the same time ({@code STACK_HEALTH_TIMEOUT}, unless set).
   */
  public static String runScript(java.time.Duration timeout, String... args) {
    return run(timeout, true, args);
  }

  private static String run(java.time.Duration timeout, boolean healthTimeout, String... args) {
    Path script = repoRoot().resolve("tests/stack/stack.sh");
    java.util.List<String> cmd =
        new java.util.ArrayList<>(java.util.List.of("bash", script.toString()));
    cmd.addAll(java.util.List.of(args));
    try {
      File out = File.createTempFile("stack-out", ".txt");
      out.deleteOnExit();
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(out)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      if (healthTimeout)
        pb.environment()
            .putIfAbsent("STACK_HEALTH_TIMEOUT", String.valueOf(Math.max(1, timeout.toSeconds())));
      Process proc = pb.start();
      if (!proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        proc.destroyForcibly();
        throw new IllegalStateException(cmd + " did not finish in " + timeout);
      }
      String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
      if (proc.exitValue() != 0)
        throw new IllegalStateException(
            cmd + " failed with exit " + proc.exitValue() + ": " + text);
      return text;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + script, e);
    }
  }

  /**
   * The repository root: -Dvitalflow.repo, else the first parent of the working directory with
   * tests/stack/stack.sh.
   */
  public static Path repoRoot() {
    String p = System.getProperty("vitalflow.repo");
    if (p != null) return Path.of(p).toAbsolutePath().normalize();
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("tests/stack/stack.sh"))) return d;
    }
    throw new IllegalStateException(
        "tests/stack/stack.sh not found above " + Path.of("").toAbsolutePath());
  }

  private static Map<String, String> ensure() {
    Path script = repoRoot().resolve("tests/stack/stack.sh");
    try {
      File out = File.createTempFile("stack-env", ".txt");
      out.deleteOnExit();
      ProcessBuilder pb =
          new ProcessBuilder("bash", script.toString(), "ensure")
              .redirectOutput(out)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      // starting a Connect worker (plugin scan) on a busy 2-core machine can take minutes
      pb.environment().putIfAbsent("STACK_HEALTH_TIMEOUT", "600");
      Process proc = pb.start();
      if (!proc.waitFor(15, TimeUnit.MINUTES)) {
        proc.destroyForcibly();
        throw new IllegalStateException(script + " ensure did not finish in 15 minutes");
      }
      if (proc.exitValue() != 0) {
        throw new IllegalStateException(
            script
                + " ensure failed with exit "
                + proc.exitValue()
                + ": the local stack is not available (see the output above)");
      }
      Map<String, String> m = new LinkedHashMap<>();
      for (String line : Files.readAllLines(out.toPath(), StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
      }
      return m;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + script, e);
    }
  }
}
