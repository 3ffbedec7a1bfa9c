package io.vitalflow.bridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link VitalsBenchmark} once (both workloads) and writes {@code docs/benchmarks.md} (path
 * from the system property {@code vitalflow.benchmarks.md}) with the scores and the ratios against
 * the goals, per workload.
 *
 * <p>Only its own part of the file is rewritten: the text between {@link #BEGIN} and {@link #END}.
 * Everything before and after those markers is kept as it is (the Rust core's criterion section,
 * the Flink, warehouse, MLLP and end-to-end sections). A file written before the markers existed is
 * read as: this report's part from the top up to the first section marked {@code <!-- NAME: begin
 * ... -->} (or, without one, up to the first {@code ##} heading after "Paired measurement"), then
 * the rest, kept.
 */
public final class BenchReport {
  static final String[] WORKLOADS = {VitalsBenchmark.GENERATED, VitalsBenchmark.WARD};

  static final String BEGIN =
      "<!-- bench-report: begin (written by jvm-bridge BenchReport.java, which rewrites only the text"
          + " between these two markers and keeps the rest of the file) -->";
  static final String END = "<!-- bench-report: end -->";

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
      name = key(r.getParams().getParam("workload"), name.substring(name.lastIndexOf('.') + 1));
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
    Map<String, Paired> paired = new LinkedHashMap<>();
    for (String w : WORKLOADS) {
      paired.put(w, Paired.measure(w));
    }
    String report = render(by) + Paired.render(paired);
    Files.createDirectories(out.toAbsolutePath().getParent());
    String old = Files.exists(out) ? Files.readString(out) : null;
    Files.writeString(out, merge(old, report));
    System.out.println("wrote " + out.toAbsolutePath());
  }

  /** The key of a benchmark's scores: workload and benchmark method. */
  static String key(String workload, String benchmark) {
    return workload + "/" + benchmark;
  }

  /**
   * The new file: {@code report} between the markers, and everything of {@code old} (null: no file
   * yet) that is not this report's previous output, kept as it was.
   */
  static String merge(String old, String report) {
    String body = BEGIN + "\n" + report + (report.endsWith("\n") ? "" : "\n") + END + "\n";
    if (old == null || old.isBlank()) {
      return body;
    }
    int begin = old.indexOf("<!-- bench-report: begin");
    int end = begin < 0 ? -1 : old.indexOf(END, begin);
    if (begin >= 0 && end >= 0) {
      String before = old.substring(0, begin);
      // marked sections that ended up inside the generated part are kept too
      String inner = keptSections(old.substring(begin, end));
      return before + body + inner + old.substring(end + END.length()).replaceFirst("^\n", "");
    }
    if (!old.startsWith("# Benchmarks: HAPI HL7v2")) {
      return body + "\n" + old; // not written by this report: keep all of it
    }
    // written before the markers: this report's part runs up to the first marked section, else to
    // the first section after "Paired measurement"
    Matcher marked = Pattern.compile("(?m)^<!-- [a-z0-9-]+: begin").matcher(old);
    int rest;
    if (marked.find()) {
      rest = marked.start();
    } else {
      int paired = old.indexOf("\n## Paired measurement");
      rest = paired < 0 ? -1 : old.indexOf("\n## ", paired + 1);
      rest = rest < 0 ? old.length() : rest + 1;
    }
    return body + "\n" + old.substring(rest);
  }

  /**
   * The sections of {@code text} that other tools write, between {@code <!-- NAME: begin ... -->}
   * and {@code <!-- NAME: end -->} markers.
   */
  static String keptSections(String text) {
    StringBuilder kept = new StringBuilder();
    Matcher m = Pattern.compile("(?s)<!-- ([a-z0-9-]+): begin.*?<!-- \\1: end -->").matcher(text);
    while (m.find()) {
      if (!m.group(1).equals("bench-report")) {
        kept.append("\n").append(m.group()).append("\n");
      }
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

  /** What the benchmark rows measure, in the order of the tables. */
  static final String[][] ROWS = {
    {
      "hapiPipeParserTyped",
      "HAPI `PipeParser` (`CanonicalModelClassFactory(\"2.5.1\")`) + the typed model (`ORU_R01`,"
          + " `getOBX()`, typed getters), no validation: the main baseline"
    },
    {
      "hapiPipeParserTerser",
      "HAPI `PipeParser` + `Terser` (hapi-base, hapi-structures-v25/v251/v26), no validation"
    },
    {"hapiGenericParserTerser", "HAPI `GenericParser` + `Terser`, no validation"},
    {
      "jniPerMessage",
      "`Vitals.extract`, one JNI call per message, rows decoded into `VitalSign` records"
    },
    {"jniBatch64", "`Vitals.extractBatch`, one JNI call for 64 messages"},
    {"rustCoreOnly", "the same work inside Rust only (extract + encode, no JNI transfer)"},
    {
      "jniBatch64NoDecode",
      "breakdown: the batch native call alone (copy in, core, copy out), no Java decoding"
    },
    {"javaDecodeBatch64", "breakdown: decoding a batch result into `VitalSign` records, Java only"},
    {
      "jniPerMessageNoDecode",
      "breakdown: the per-message native calls alone (copy in, core with a dictionary per message,"
          + " copy out), no Java decoding"
    },
    {
      "javaDecodePerMessage",
      "breakdown: decoding per-message results into `VitalSign` records, Java only"
    },
    {"jniEmptyCall", "an empty `static native void` call (does not depend on the workload)"},
    {
      "jniEmptyGuardedCall",
      "an empty call through the real entry points' shell (attach, panic guard, error policy,"
          + " array length)"
    },
  };

  /** One workload's ratios against the goals. */
  record Goals(
      double perMessageX,
      double batchX,
      double share,
      double empty,
      double guarded,
      double pipe,
      double generic,
      double perMessage,
      double batch,
      double core,
      double noDecode,
      double decode) {
    static Goals of(Map<String, Result<?>> by, String w) {
      double typed = score(by, key(w, "hapiPipeParserTyped"));
      double perMessage = score(by, key(w, "jniPerMessage"));
      double batch = score(by, key(w, "jniBatch64"));
      double core = score(by, key(w, "rustCoreOnly"));
      return new Goals(
          typed / perMessage,
          typed / batch,
          (batch - core) / batch,
          score(by, key(w, "jniEmptyCall")),
          score(by, key(w, "jniEmptyGuardedCall")),
          score(by, key(w, "hapiPipeParserTerser")),
          score(by, key(w, "hapiGenericParserTerser")),
          perMessage,
          batch,
          core,
          score(by, key(w, "jniBatch64NoDecode")),
          score(by, key(w, "javaDecodeBatch64")));
    }
  }

  static String pct(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  static String render(Map<String, Result<?>> by) {
    Map<String, Goals> goals = new LinkedHashMap<>();
    for (String w : WORKLOADS) {
      goals.put(w, Goals.of(by, w));
    }
    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmarks: HAPI HL7v2 and the vitalflow JNI bridge\n\n");
    sb.append("Written by `io.vitalflow.bridge.BenchReport` (JMH; run: ")
        .append("`mvn -pl jvm-bridge -am -Pbench -DskipTests verify`) on ")
        .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE))
        .append(". It rewrites only this part of the file (between its `bench-report` markers);")
        .append(" the sections after it are kept as they are.\n\n");
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
    sb.append("Two workloads of ")
        .append(VitalsBenchmark.BATCH)
        .append(" ORU^R01 messages; every benchmark runs on both (JMH parameter `workload`):\n\n");
    sb.append(
            "| workload | bytes per message (average) | OBX per message | vital-sign rows per message | rows by kind | HL7 versions |\n")
        .append("|---|---:|---:|---:|---|---|\n");
    for (String w : WORKLOADS) {
      sb.append(Workload.of(w).row());
    }
    sb.append("\n- `")
        .append(VitalsBenchmark.GENERATED)
        .append("`: `Messages.randomBatch(42, 64, 8)`, 8 NM OBX per message, every OBX a vital")
        .append(" sign (LOINC and MDC codes, UCUM and MDC units), half declared HL7 2.5 and half")
        .append(" 2.5.1.\n");
    sb.append("- `")
        .append(VitalsBenchmark.WARD)
        .append(
            "`: a simulated ward, `jvm-bridge/src/test/resources/bench/ward64.hl7`, written by `")
        .append(VitalsBenchmark.WARD_COMMAND)
        .append("`: 11 patients (3 deteriorating), IHE PCD-01 monitor messages (HL7 2.6, MDC codes")
        .append(" and units, OBX-14 with an offset, device ids, a device OBX that is not a vital")
        .append(" sign) and LOINC flowsheet messages (HL7 2.5, UCUM units, the time from OBR-7, a")
        .append(
            " pain score that is not a vital sign), nurse-charted FiO2 or oxygen flow and ACVPU")
        .append(" (a letter, or a SNOMED CT code as CWE), point-of-care glucose (mg/dL and")
        .append(" mmol/L).\n\n");
    sb.append(
            "Each side produces the same rows (checked in the benchmark's setup on both workloads,")
        .append(" every field of every row): kind from the LOINC/MDC/site code, value, SN")
        .append(" comparator, ACVPU letter, unit, normalised value and unit, glucose status, time")
        .append(" from OBX-14/OBR-7/MSH-7, sender, patient, encounter, location, status, device.")
        .append(" Average time, 1 fork per workload, 4 x 1 s warm-up, 20 x 0.5 s measurement")
        .append(" iterations. The ratios use each benchmark's best iteration, the estimate least")
        .append(
            " disturbed by other work on a shared machine; the median and the JMH mean with its")
        .append(" error are listed too.\n");

    sb.append("\n## Against the goals\n\n| measure |");
    for (String w : WORKLOADS) {
      sb.append(" `").append(w).append("` |");
    }
    sb.append(" goal | met |\n|---|");
    for (int i = 0; i < WORKLOADS.length; i++) {
      sb.append("---:|");
    }
    sb.append("---:|:---:|\n");
    goals(
        sb,
        goals,
        "HAPI typed model / bridge, per message",
        g -> f(g.perMessageX()) + "x",
        ">= 20x",
        g -> g.perMessageX() >= 20);
    goals(
        sb,
        goals,
        "HAPI typed model / bridge, batched (64)",
        g -> f(g.batchX()) + "x",
        ">= 30x",
        g -> g.batchX() >= 30);
    goals(
        sb,
        goals,
        "JNI share of the time at batches of 64: (batch - core) / batch",
        g -> pct(g.share()),
        "<= 5%",
        g -> g.share() <= 0.05);
    goals(
        sb, goals, "empty JNI call", g -> f(g.empty()) + " ns", "<= 200 ns", g -> g.empty() <= 200);
    goals(
        sb,
        goals,
        "empty call through the entry-point shell",
        g -> f(g.guarded()) + " ns",
        "<= 200 ns",
        g -> g.guarded() <= 200);

    for (String w : WORKLOADS) {
      Goals g = goals.get(w);
      sb.append("\n## Workload `").append(w).append("`\n\n");
      sb.append(
          "| benchmark | what | best ns per message (or call) | median | JMH mean ± 99.9% |\n|---|---|---:|---:|---:|\n");
      for (String[] r : ROWS) {
        row(sb, by, w, r[0], r[1]);
      }
      sb.append("\n| measure | value | goal | met |\n|---|---:|---:|:---:|\n");
      goal(
          sb,
          "HAPI typed model / bridge, per message",
          f(g.perMessageX()) + "x",
          ">= 20x",
          g.perMessageX() >= 20);
      goal(
          sb,
          "HAPI typed model / bridge, batched (64)",
          f(g.batchX()) + "x",
          ">= 30x",
          g.batchX() >= 30);
      goal(
          sb,
          "HAPI PipeParser + Terser / bridge, per message",
          f(g.pipe() / g.perMessage()) + "x",
          "-",
          true);
      goal(
          sb,
          "HAPI PipeParser + Terser / bridge, batched (64)",
          f(g.pipe() / g.batch()) + "x",
          "-",
          true);
      goal(
          sb,
          "HAPI GenericParser / bridge, per message",
          f(g.generic() / g.perMessage()) + "x",
          "-",
          true);
      goal(
          sb,
          "HAPI GenericParser / bridge, batched (64)",
          f(g.generic() / g.batch()) + "x",
          "-",
          true);
      goal(sb, "empty JNI call", f(g.empty()) + " ns", "<= 200 ns", g.empty() <= 200);
      goal(
          sb,
          "empty call through the entry-point shell",
          f(g.guarded()) + " ns",
          "<= 200 ns",
          g.guarded() <= 200);
      goal(
          sb,
          "JNI share of the time at batches of 64: (batch - core) / batch",
          pct(g.share()),
          "<= 5%",
          g.share() <= 0.05);
      goal(
          sb,
          "per-message call overhead: per-message - core",
          f(g.perMessage() - g.core()) + " ns",
          "-",
          true);
      double copies = g.noDecode() - g.core();
      goal(
          sb,
          "batch breakdown: native call beyond the core (copies, call)",
          copies < 0 ? "~0 (" + f(copies) + " ns, within noise)" : f(copies) + " ns",
          "-",
          true);
      goal(sb, "batch breakdown: Java decoding", f(g.decode()) + " ns", "-", true);
    }
    sb.append(
            "\nThe JNI share counts everything the batch path adds to the core's own work: concatenating the ")
        .append(
            "messages in Java, the call, copying the bytes in and the result out, and decoding the rows into ")
        .append("Java records.\n");
    return sb.toString();
  }

  /** A row of the goals table with one value column per workload. */
  static void goals(
      StringBuilder sb,
      Map<String, Goals> goals,
      String what,
      java.util.function.Function<Goals, String> value,
      String goal,
      java.util.function.Predicate<Goals> met) {
    sb.append("| ").append(what).append(" |");
    StringBuilder metCell = new StringBuilder();
    for (Map.Entry<String, Goals> e : goals.entrySet()) {
      sb.append(' ').append(value.apply(e.getValue())).append(" |");
      if (metCell.length() > 0) {
        metCell.append(" / ");
      }
      metCell.append(met.test(e.getValue()) ? "yes" : "**no**");
    }
    sb.append(' ').append(goal).append(" | ").append(metCell).append(" |\n");
  }

  /** What a workload's messages hold, counted with the bridge. */
  record Workload(
      String name,
      double bytes,
      double obx,
      double rows,
      Map<String, Integer> kinds,
      Map<String, Integer> versions) {
    static Workload of(String name) {
      List<byte[]> messages = VitalsBenchmark.messages(name);
      long bytes = 0;
      long obx = 0;
      long rows = 0;
      Map<String, Integer> kinds = new TreeMap<>();
      Map<String, Integer> versions = new TreeMap<>();
      for (byte[] m : messages) {
        bytes += m.length;
        String text = new String(m, StandardCharsets.UTF_8);
        for (String segment : text.split("[\r\n]+")) {
          if (segment.startsWith("OBX|")) {
            obx++;
          } else if (segment.startsWith("MSH|")) {
            String[] fields = segment.split("\\|", -1);
            versions.merge(fields.length > 11 ? fields[11] : "?", 1, Integer::sum);
          }
        }
        for (VitalSign v : Vitals.extract(m)) {
          rows++;
          kinds.merge(v.kind().name(), 1, Integer::sum);
        }
      }
      double n = messages.size();
      return new Workload(name, bytes / n, obx / n, rows / n, kinds, versions);
    }

    String row() {
      StringBuilder k = new StringBuilder();
      kinds.forEach(
          (kind, c) -> k.append(k.length() == 0 ? "" : ", ").append(kind).append(' ').append(c));
      StringBuilder v = new StringBuilder();
      versions.forEach(
          (ver, c) ->
              v.append(v.length() == 0 ? "" : ", ").append(ver).append(" (").append(c).append(')'));
      return "| `" + name + "` | " + f(bytes) + " | " + f(obx) + " | " + f(rows) + " | " + k + " | "
          + v + " |\n";
    }
  }

  static void row(StringBuilder sb, Map<String, Result<?>> by, String w, String name, String what) {
    String key = key(w, name);
    Result<?> r = by.get(key);
    if (r == null) {
      throw new IllegalStateException("no result for " + key + " in " + by.keySet());
    }
    sb.append("| `")
        .append(name)
        .append("` | ")
        .append(what)
        .append(" | ")
        .append(f(BEST.get(key)))
        .append(" | ")
        .append(f(MEDIAN.get(key)))
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
   * (JMH runs one benchmark after another and cannot pair them.) One measurement per workload.
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

    static Paired measure(String workload) throws Exception {
      VitalsBenchmark b = new VitalsBenchmark();
      b.workload = workload;
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

    /** The section for all workloads, one value column per workload. */
    static String render(Map<String, Paired> byWorkload) {
      StringBuilder sb = new StringBuilder();
      sb.append("\n## Paired measurement\n\n");
      sb.append(
              "JMH runs one benchmark after the other, so on a shared machine each row meets different load. ")
          .append(
              "This section times, in every round, HAPI `PipeParser` + typed model, `Vitals.extract` per message, ")
          .append(
              "`Vitals.extractBatch` and the core alone (4 passes inside one native call) back to back on the same ")
          .append(VitalsBenchmark.BATCH)
          .append(" messages of a workload; ")
          .append(ROUNDS)
          .append(" rounds after ")
          .append(WARMUP)
          .append(
              " warm-up rounds per workload, in the report's JVM. Ratios are per round; the table gives their medians.\n\n");
      sb.append("| median per round |");
      for (String w : byWorkload.keySet()) {
        sb.append(" `").append(w).append("` |");
      }
      sb.append(" goal | met |\n|---|");
      for (int i = 0; i < byWorkload.size(); i++) {
        sb.append("---:|");
      }
      sb.append("---:|:---:|\n");
      line(sb, byWorkload, "HAPI typed model ns per message", p -> f(median(p.hapiNs)), "-", null);
      line(
          sb,
          byWorkload,
          "bridge ns per message, one call per message",
          p -> f(median(p.perMessageNs)),
          "-",
          null);
      line(
          sb,
          byWorkload,
          "bridge ns per message, batched (64)",
          p -> f(median(p.batchNs)),
          "-",
          null);
      line(sb, byWorkload, "core alone, ns per message", p -> f(median(p.coreNs)), "-", null);
      line(
          sb,
          byWorkload,
          "HAPI typed model / bridge, per message",
          p -> f(median(p.pipeVsPerMessage)) + "x",
          ">= 20x",
          p -> median(p.pipeVsPerMessage) >= 20);
      line(
          sb,
          byWorkload,
          "HAPI typed model / bridge, batched (64)",
          p -> f(median(p.pipeVsBatch)) + "x",
          ">= 30x",
          p -> median(p.pipeVsBatch) >= 30);
      line(
          sb,
          byWorkload,
          "JNI share at batches of 64: (batch - core) / batch",
          p -> pct(median(p.share)),
          "<= 5%",
          p -> median(p.share) <= 0.05);
      return sb.toString();
    }

    static void line(
        StringBuilder sb,
        Map<String, Paired> byWorkload,
        String what,
        java.util.function.Function<Paired, String> value,
        String goal,
        java.util.function.Predicate<Paired> met) {
      sb.append("| ").append(what).append(" |");
      StringBuilder metCell = new StringBuilder();
      for (Paired p : byWorkload.values()) {
        sb.append(' ').append(value.apply(p)).append(" |");
        if (met != null) {
          metCell.append(metCell.length() == 0 ? "" : " / ").append(met.test(p) ? "yes" : "**no**");
        }
      }
      sb.append(' ').append(goal).append(" | ").append(metCell).append(" |\n");
    }
  }
}
