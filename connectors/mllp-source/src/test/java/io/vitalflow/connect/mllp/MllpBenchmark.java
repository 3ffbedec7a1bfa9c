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
 * connectors/mllp-source -am -Pintegration verify -Dit.test=MllpBenchmark}.
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
        }
      }
      String perf = producerPerf(size);
      table
          .append("\nkafka-producer-perf-test (ProducerPerformance, acks=all, record size ")
          .append(size)
          .append(" B, 100000 records, unthrottled, same broker):\n\n    ")
          .append(perf)
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
                "200000",
                "--record-size",
                Integer.toString(size),
                "--throughput",
                "-1",
                "--producer-props",
                "bootstrap.servers=" + MllpSourceIT.BOOTSTRAP,
                "acks=all"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
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
