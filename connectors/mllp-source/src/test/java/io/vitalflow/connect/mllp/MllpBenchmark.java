package io.vitalflow.connect.mllp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Not a test: the benchmark behind docs/benchmarks.md ("MLLP ingest"). Messages/s and ACK latency
 * at 1, 8 and 32 connections (each waits for its ACK before sending the next), through the
 * connector and the gateway, beside kafka-producer-perf-test (ProducerPerformance, acks=all, same
 * record size) on the same broker in the same run. Run explicitly: {@code mvn -B -pl
 * connectors/mllp-source -am -Pintegration verify -Dcargo.skip=true -Dit.test=MllpBenchmark
 * -Dfailsafe.failIfNoSpecifiedTests=false}; the table goes to target/mllp-benchmark.md.
 */
class MllpBenchmark {
  @Test
  void ingest() throws Exception {
    MllpSourceIT.deployConnector();
    Path cli = Paths.get(System.getProperty("vitalflow.cli", "../../target/release/vitalflow"));
    int gwPort = MllpSourceIT.freePort();
    Process gw =
        new ProcessBuilder(
                cli.toString(),
                "gateway",
                "--listen",
                MllpSourceIT.HOST + ":" + gwPort,
                "--bootstrap",
                MllpSourceIT.BOOTSTRAP)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    StringBuilder table = new StringBuilder();
    try {
      MllpSourceIT.waitForPort(gwPort, Duration.ofSeconds(30));
      int size = MllpLoad.message("BENCH-0-0000", MllpLoad.patient("BENCH", 0, 0), 1).length;
      table
          .append("| path | connections | messages | msgs/s | ACK p50 ms | ACK p99 ms |\n")
          .append("|---|---|---|---|---|---|\n");
      // warm-up
      MllpLoad.run(
          MllpSourceIT.HOST, MllpSourceIT.connectorPort, "W" + MllpSourceIT.RUN, 4, 250, 4);
      MllpLoad.run(MllpSourceIT.HOST, gwPort, "WG" + MllpSourceIT.RUN, 4, 250, 4);
      table.insert(0, "load average (1/5/15 min) at the start: " + loadAverage() + "\n\n");
      progress(table);
      for (int conns : new int[] {1, 8, 32}) {
        int per = conns == 1 ? 1000 : conns == 8 ? 500 : 200;
        for (String path : new String[] {"connector", "gateway"}) {
          int port = path.equals("connector") ? MllpSourceIT.connectorPort : gwPort;
          String tag = (path.equals("connector") ? "K" : "Y") + conns + MllpSourceIT.RUN;
          MllpLoad.Outcome o = MllpLoad.run(MllpSourceIT.HOST, port, tag, conns, per, 4);
          if (!o.notAccepted().isEmpty()) {
            throw new AssertionError(
                path
                    + " "
                    + conns
                    + ": not accepted "
                    + o.notAccepted().subList(0, Math.min(3, o.notAccepted().size())));
          }
          table.append(
              String.format(
                  "| %s | %d | %d | %.0f | %.2f | %.2f |%n",
                  path,
                  conns,
                  conns * per,
                  o.perSecond(),
                  o.percentileMillis(50),
                  o.percentileMillis(99)));
          progress(table);
        }
      }
      int partitions = benchTopic();
      String perf = producerPerf(size);
      table
          .append("\nkafka-producer-perf-test (ProducerPerformance, acks=all, record size ")
          .append(size)
          .append(" B, ")
          .append(PERF_RECORDS)
          .append(" records, unthrottled, same broker, topic hl7.bench with ")
          .append(partitions)
          .append(" partitions like hl7.raw):\n\n    ")
          .append(perf)
          .append("\n\nload average (1/5/15 min) at the end: ")
          .append(loadAverage())
          .append('\n');
    } finally {
      gw.destroy();
      gw.waitFor();
      MllpSourceIT.removeConnector();
    }
    System.out.println(table);
    Files.writeString(
        Paths.get("target", "mllp-benchmark.md"), table.toString(), StandardCharsets.UTF_8);
  }

  static final int PERF_RECORDS = 100_000;

  static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** Writes what is measured so far (a later failure keeps the earlier rows). */
  static void progress(StringBuilder table) throws java.io.IOException {
    Files.writeString(
        Paths.get("target", "mllp-benchmark.md"), table.toString(), StandardCharsets.UTF_8);
  }

  /**
   * Creates hl7.bench (the broker does not auto-create topics) with hl7.raw's partition count;
   * returns that count.
   */
  static int benchTopic() throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", MllpSourceIT.BOOTSTRAP);
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(p)) {
      int partitions =
          admin
              .describeTopics(List.of("hl7.raw"))
              .allTopicNames()
              .get()
              .get("hl7.raw")
              .partitions()
              .size();
      if (!admin.listTopics().names().get().contains("hl7.bench")) {
        admin
            .createTopics(
                List.of(
                    new org.apache.kafka.clients.admin.NewTopic(
                        "hl7.bench", partitions, (short) 1)))
            .all()
            .get();
      }
      return partitions;
    }
  }

  static String producerPerf(int size) throws Exception {
    Path libs =
        io.vitalflow.stack.LocalStack.get()
            .stackDir()
            .resolve("dist")
            .resolve("kafka-" + System.getProperty("kafka.version", "4.1.1"))
            .resolve("libs");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "java",
                "-cp",
                libs + "/*",
                "org.apache.kafka.tools.ProducerPerformance",
                "--topic",
                "hl7.bench",
                "--num-records",
                Integer.toString(PERF_RECORDS),
                "--record-size",
                Integer.toString(size),
                "--throughput",
                "-1",
                "--producer-props",
                "bootstrap.servers=" + MllpSourceIT.BOOTSTRAP,
                "acks=all"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    java.util.concurrent.CompletableFuture<String> output =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (java.io.IOException e) {
                return e.toString();
              }
            });
    if (!p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("ProducerPerformance did not finish in 5 minutes");
    }
    String out = output.get();
    String last = "";
    for (String line : out.split("\n")) {
      if (line.contains("records sent")) {
        last = line.trim();
      }
    }
    if (last.isEmpty()) {
      throw new AssertionError("ProducerPerformance: " + out);
    }
    return last;
  }
}
