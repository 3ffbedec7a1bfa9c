package io.vitalflow.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link VitalsBenchmark} once and writes {@code docs/benchmarks.md} (path from the system
 * property {@code vitalflow.benchmarks.md}) with the scores and the ratios against the goals.
 */
public final class BenchReport {
  public static void main(String[] args) throws Exception {
    Path out = Paths.get(System.getProperty("vitalflow.benchmarks.md", "../docs/benchmarks.md"));
    // the forked benchmark JVM loads the test build (it has noop/noopGuarded/coreLoop0)
    OptionsBuilder builder = new OptionsBuilder();
    builder.include(VitalsBenchmark.class.getName());
    String nativePath = System.getProperty(NativeLibrary.PATH_PROPERTY);
    if (nativePath != null) {
      builder.jvmArgsAppend("-D" + NativeLibrary.PATH_PROPERTY + "=" + nativePath);
    }
    Options opts = builder.build();
    Collection<RunResult> results = new Runner(opts).run();
    Map<String, Result<?>> by = new LinkedHashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      by.put(name, r.getPrimaryResult());
      double min = Double.MAX_VALUE;
      double[] all =
          r.getBenchmarkResults().stream()
              .flatMap(b -> b.getIterationResults().stream())
              .mapToDouble(i -> i.getPrimaryResult().getScore())
              .sorted()
              .toArray();
      for (double d : all) {
        min = Math.min(min, d);
      }
      BEST.put(name, min);
      MEDIAN.put(name, all.length == 0 ? Double.NaN : all[all.length / 2]);
    }
    Paired paired = Paired.measure();
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, render(by) + paired.render() + keptSections(out));
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /**
   * The sections of the existing file that other tools write (the criterion numbers of the Rust
   * core), between {@code <!-- NAME: begin ... -->} and {@code <!-- NAME: end -->} markers: kept as
   * they are when this report rewrites the file.
   */
  static String keptSections(Path out) throws java.io.IOException {
    if (!Files.exists(out)) {
      return "";
    }
    String old = Files.readString(out);
    StringBuilder kept = new StringBuilder();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?s)<!-- ([a-z0-9-]+): begin.*?<!-- \\1: end -->")
            .matcher(old);
    while (m.find()) {
      kept.append("\n").append(m.group()).append("\n");
    }
    return kept.toString();
  }

  static final Map<String, Double> BEST = new LinkedHashMap<>();
  static final Map<String, Double> MEDIAN = new LinkedHashMap<>();

  /**
   * The best (lowest) iteration: the estimate least disturbed by other work on a shared machine.
   */
  static double score(Map<String, Result<?>> by, String name) {
    Double best = BEST.get(name);
    if (best == null) {
      throw new IllegalStateException("no result for " + name + " in " + by.keySet());
    }
    return best;
  }

  static String f(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%,.1f", v);
  }

  static String cpu() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  static String loadAverage() {
    try {
      return Files.readString(Paths.get("/proc/loadavg")).trim().split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  static String render(Map<String, Result<?>> by) {
    double typed = score(by, "hapiPipeParserTyped");
    double pipe = score(by, "hapiPipeParserTerser");
    double generic = score(by, "hapiGenericParserTerser");
    double perMessage = score(by, "jniPerMessage");
    double batch = score(by, "jniBatch64");
    double core = score(by, "rustCoreOnly");
    double empty = score(by, "jniEmptyCall");
    double guarded = score(by, "jniEmptyGuardedCall");
    double noDecode = score(by, "jniBatch64NoDecode");
    double decode = score(by, "javaDecodeBatch64");
    double perMessageX = typed / perMessage;
    double batchX = typed / batch;
    double share = (batch - core) / batch;

    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmarks: HAPI HL7v2 and the vitalflow JNI bridge\n\n");
    sb.append("Written by `io.vitalflow.bridge.BenchReport` (JMH; run: ")
        .append("`mvn -pl jvm-bridge -am -Pbench -DskipTests verify`) on ")
        .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE))
        .append(".\n\n");
    sb.append("Machine: ")
        .append(cpu())
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores; ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append("; native library ")
        .append(NativeBridge.version())
        .append(" (release profile); 1-minute load average at the end of the run ")
        .append(loadAverage())
        .append(" (other work on the machine inflates every row alike; compare the ratios).\n\n");
    sb.append("Workload: the same ")
        .append(VitalsBenchmark.BATCH)
        .append(
            " ORU^R01 messages in every benchmark (8 OBX each, half declared HL7 2.5 and half 2.5.1, ~")
        .append(avgSize())
        .append(" bytes), every OBX a vital sign. Each side produces the same rows (checked in ")
        .append(
            "the benchmark's setup): kind from the LOINC/MDC code, value, normalised value and unit, ")
        .append("time from OBX-14/OBR-7/MSH-7, patient, encounter, location, status, device. ")
        .append(
            "Average time, 1 fork, 4 x 1 s warm-up, 20 x 0.5 s measurement iterations. The ratios below use ")
        .append(
            "each benchmark's best iteration, the estimate least disturbed by other work on a shared machine; ")
        .append("the JMH mean and its error are listed too.\n\n");
    sb.append(
        "| benchmark | what | best ns per message (or call) | median | JMH mean ± 99.9% |\n|---|---|---:|---:|---:|\n");
    row(
        sb,
        by,
        "hapiPipeParserTyped",
        "HAPI `PipeParser` (`CanonicalModelClassFactory(\"2.5.1\")`) + the typed model (`ORU_R01`, `getOBX()`, typed getters), no validation: the main baseline");
    row(
        sb,
        by,
        "hapiPipeParserTerser",
        "HAPI `PipeParser` + `Terser` (hapi-base, hapi-structures-v25/v251), no validation");
    row(sb, by, "hapiGenericParserTerser", "HAPI `GenericParser` + `Terser`, no validation");
    row(
        sb,
        by,
        "jniPerMessage",
        "`Vitals.extract`, one JNI call per message, rows decoded into `VitalSign` records");
    row(sb, by, "jniBatch64", "`Vitals.extractBatch`, one JNI call for 64 messages");
    row(
        sb,
        by,
        "rustCoreOnly",
        "the same work inside Rust only (extract + encode, no JNI transfer)");
    row(
        sb,
        by,
        "jniBatch64NoDecode",
        "breakdown: the batch native call alone (copy in, core, copy out), no Java decoding");
    row(
        sb,
        by,
        "javaDecodeBatch64",
        "breakdown: decoding a batch result into `VitalSign` records, Java only");
    row(sb, by, "jniEmptyCall", "an empty `static native void` call");
    row(
        sb,
        by,
        "jniEmptyGuardedCall",
        "an empty call through the real entry points' shell (attach, panic guard, error policy, array length)");
    sb.append(
        "\n## Against the goals\n\n| measure | value | goal | met |\n|---|---:|---:|:---:|\n");
    goal(
        sb,
        "HAPI typed model / bridge, per message",
        f(perMessageX) + "x",
        ">= 20x",
        perMessageX >= 20);
    goal(sb, "HAPI typed model / bridge, batched (64)", f(batchX) + "x", ">= 30x", batchX >= 30);
    goal(
        sb,
        "HAPI PipeParser + Terser / bridge, per message",
        f(pipe / perMessage) + "x",
        "-",
        true);
    goal(sb, "HAPI PipeParser + Terser / bridge, batched (64)", f(pipe / batch) + "x", "-", true);
    goal(sb, "HAPI GenericParser / bridge, per message", f(generic / perMessage) + "x", "-", true);
    goal(sb, "HAPI GenericParser / bridge, batched (64)", f(generic / batch) + "x", "-", true);
    goal(sb, "empty JNI call", f(empty) + " ns", "<= 200 ns", empty <= 200);
    goal(
        sb,
        "empty call through the entry-point shell",
        f(guarded) + " ns",
        "<= 200 ns",
        guarded <= 200);
    goal(
        sb,
        "JNI share of the time at batches of 64: (batch - core) / batch",
        String.format(Locale.ROOT, "%.1f%%", share * 100),
        "<= 5%",
        share <= 0.05);
    goal(
        sb,
        "per-message call overhead: per-message - core",
        f(perMessage - core) + " ns",
        "-",
        true);
    goal(
        sb,
        "batch breakdown: native call beyond the core (copies, call)",
        noDecode - core < 0
            ? "~0 (" + f(noDecode - core) + " ns, within noise)"
            : f(noDecode - core) + " ns",
        "-",
        true);
    goal(sb, "batch breakdown: Java decoding", f(decode) + " ns", "-", true);
    sb.append(
            "\nThe JNI share counts everything the batch path adds to the core's own work: concatenating the ")
        .append(
            "messages in Java, the call, copying the bytes in and the result out, and decoding the rows into ")
        .append("Java records.\n");
    return sb.toString();
  }

  static int avgSize() {
    return (int) VitalsBenchmark.messages().stream().mapToInt(m -> m.length).average().orElse(0);
  }

  static void row(StringBuilder sb, Map<String, Result<?>> by, String name, String what) {
    Result<?> r = by.get(name);
    sb.append("| `")
        .append(name)
        .append("` | ")
        .append(what)
        .append(" | ")
        .append(f(BEST.get(name)))
        .append(" | ")
        .append(f(MEDIAN.get(name)))
        .append(" | ")
        .append(f(r.getScore()))
        .append(" ± ")
        .append(Double.isNaN(r.getScoreError()) ? "-" : f(r.getScoreError()))
        .append(" |\n");
  }

  static void goal(StringBuilder sb, String what, String value, String goal, boolean met) {
    sb.append("| ")
        .append(what)
        .append(" | ")
        .append(value)
        .append(" | ")
        .append(goal)
        .append(" | ")
        .append(goal.equals("-") ? "" : met ? "yes" : "**no**")
        .append(" |\n");
  }

  /**
   * Paired, interleaved measurement: every round times HAPI, the bridge per message, the bridge
   * batched and the core alone back to back on the same messages, so that load from other work on
   * the machine hits all of them alike; the ratios are taken per round and their median reported.
   * (JMH runs one benchmark after another and cannot pair them.)
   */
  static final class Paired {
    static final int WARMUP = 150;
    static final int ROUNDS = 300;
    static final int CORE_ROUNDS = 4;
    final double[] pipeVsPerMessage = new double[ROUNDS];
    final double[] pipeVsBatch = new double[ROUNDS];
    final double[] share = new double[ROUNDS];
    final double[] perMessageNs = new double[ROUNDS];
    final double[] batchNs = new double[ROUNDS];
    final double[] coreNs = new double[ROUNDS];
    final double[] hapiNs = new double[ROUNDS];

    static Paired measure() throws Exception {
      VitalsBenchmark b = new VitalsBenchmark();
      b.setup();
      Paired p = new Paired();
      long sink = 0;
      for (int r = -WARMUP; r < ROUNDS; r++) {
        long t0 = System.nanoTime();
        for (String m : b.er7) {
          sink += b.hapiTyped.extractTyped(m).size();
        }
        long t1 = System.nanoTime();
        for (byte[] m : b.messages) {
          sink += Vitals.extract(m).size();
        }
        long t2 = System.nanoTime();
        sink += Vitals.extractBatch(b.messages).size();
        long t3 = System.nanoTime();
        sink += NativeBridge.coreLoop0(b.data, b.ends, CORE_ROUNDS);
        long t4 = System.nanoTime();
        if (r >= 0) {
          double n = VitalsBenchmark.BATCH;
          p.hapiNs[r] = (t1 - t0) / n;
          p.perMessageNs[r] = (t2 - t1) / n;
          p.batchNs[r] = (t3 - t2) / n;
          p.coreNs[r] = (t4 - t3) / n / CORE_ROUNDS;
          p.pipeVsPerMessage[r] = p.hapiNs[r] / p.perMessageNs[r];
          p.pipeVsBatch[r] = p.hapiNs[r] / p.batchNs[r];
          p.share[r] = (p.batchNs[r] - p.coreNs[r]) / p.batchNs[r];
        }
      }
      if (sink == 42) {
        System.out.println(sink);
      }
      return p;
    }

    static double median(double[] a) {
      double[] c = a.clone();
      java.util.Arrays.sort(c);
      return c[c.length / 2];
    }

    String render() {
      double x1 = median(pipeVsPerMessage);
      double x2 = median(pipeVsBatch);
      double sh = median(share);
      StringBuilder sb = new StringBuilder();
      sb.append("\n## Paired measurement\n\n");
      sb.append(
              "JMH runs one benchmark after the other, so on a shared machine each row meets different load. ")
          .append(
              "This section times, in every round, HAPI `PipeParser` + typed model, `Vitals.extract` per message, ")
          .append(
              "`Vitals.extractBatch` and the core alone (4 passes inside one native call) back to back on the same ")
          .append(VitalsBenchmark.BATCH)
          .append(" messages; ")
          .append(ROUNDS)
          .append(" rounds after ")
          .append(WARMUP)
          .append(
              " warm-up rounds, in the report's JVM. Ratios are per round; the table gives their medians.\n\n");
      sb.append("| median per round | value | goal | met |\n|---|---:|---:|:---:|\n");
      goal(sb, "HAPI typed model ns per message", f(median(hapiNs)), "-", true);
      goal(sb, "bridge ns per message, one call per message", f(median(perMessageNs)), "-", true);
      goal(sb, "bridge ns per message, batched (64)", f(median(batchNs)), "-", true);
      goal(sb, "core alone, ns per message", f(median(coreNs)), "-", true);
      goal(sb, "HAPI typed model / bridge, per message", f(x1) + "x", ">= 20x", x1 >= 20);
      goal(sb, "HAPI typed model / bridge, batched (64)", f(x2) + "x", ">= 30x", x2 >= 30);
      goal(
          sb,
          "JNI share at batches of 64: (batch - core) / batch",
          String.format(Locale.ROOT, "%.1f%%", sh * 100),
          "<= 5%",
          sh <= 0.05);
      return sb.toString();
    }
  }
}
