package io.vitalflow.bridge;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the Flink job's operators call per message, before and after issue 31's parse-once (the same
 * messages as {@link VitalsBenchmark}, whose HAPI anchor runs beside it):
 *
 * <ul>
 *   <li>{@code readThreeTimes}: the earlier job: {@code Hl7.fields} of the header, {@code
 *       Vitals.extract} (decoded into Java objects to count rows and find the patients), {@code
 *       AvroVitals.encode}, and a {@code PatientStream.step} of the whole message per patient;
 *   <li>{@code readOnce}: {@code MessageView.parse}, then {@code PatientStream.stepRows} of each
 *       patient's part.
 * </ul>
 *
 * Each step starts from no state, as a patient's first message (the state codec is measured apart,
 * native/scoring/benches/state_codec.rs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ParseOnceBenchmark {
  static final String[] HEADER = MessageViewTest.PATHS;
  static final MessageView.Paths PATHS = MessageViewTest.VIEW_PATHS;
  static final Duration FRESH = Duration.ofHours(1);

  @Param({VitalsBenchmark.GENERATED, VitalsBenchmark.WARD})
  public String workload;

  List<byte[]> messages;
  ExtractOptions options;
  Instant received;

  @Setup(Level.Trial)
  public void setup() {
    messages = VitalsBenchmark.messages(workload);
    options = ExtractOptions.create(java.time.ZoneId.of("UTC"), null, null);
    received = Instant.parse("2026-11-20T06:00:00Z");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    options.close();
  }

  @Benchmark
  @OperationsPerInvocation(VitalsBenchmark.BATCH)
  public void readThreeTimes(Blackhole bh) {
    for (byte[] m : messages) {
      bh.consume(Hl7.fields(m, HEADER));
      java.util.LinkedHashSet<String> pids = new java.util.LinkedHashSet<>();
      for (VitalSign v : Vitals.extract(m, options)) {
        if (v.patientId() != null) pids.add(v.patientId());
      }
      bh.consume(AvroVitals.encode(m, options, 1, received));
      for (String pid : pids) {
        bh.consume(PatientStream.step(null, m, pid, 1, FRESH, options, received, false));
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(VitalsBenchmark.BATCH)
  public void readOnce(Blackhole bh) {
    for (byte[] m : messages) {
      MessageView v = MessageView.parse(m, options, received.toEpochMilli(), -1, PATHS);
      String[] pids = v.patients();
      for (int i = 0; i < pids.length; i++) {
        bh.consume(
            PatientStream.stepRows(null, v.patientRows(i), pids[i], 1, FRESH, options, false));
      }
      bh.consume(v);
    }
  }
}
