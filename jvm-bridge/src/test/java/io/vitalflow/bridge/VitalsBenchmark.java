package io.vitalflow.bridge;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HAPI against the bridge on the same {@value #BATCH} messages (8 OBX each, HL7 2.5 and 2.5.1).
 * HAPI's main row is its typed model ({@code hapiPipeParserTyped}); Terser rows are extra. Scores
 * of the per-message benchmarks are per message ({@code @OperationsPerInvocation}). Many short
 * iterations, so that the report can use the best iteration when the machine is shared.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 20, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class VitalsBenchmark {
  public static final int BATCH = 64;

  List<byte[]> messages;
  String[] er7;
  HapiVitals hapiPipe;
  HapiVitals hapiGeneric;
  HapiVitals hapiTyped;
  byte[] data;
  int[] ends;
  byte[] encodedBatch;

  /** The benchmark messages: generated vital-sign feeds, half declared 2.5 and half 2.5.1. */
  public static List<byte[]> messages() {
    List<byte[]> out = new ArrayList<>();
    for (byte[] m : Messages.randomBatch(42, BATCH, 8)) {
      String s = new String(m, StandardCharsets.UTF_8);
      if (out.size() % 2 == 0) {
        s = s.replace("|P|2.5.1\r", "|P|2.5\r");
      }
      out.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Setup(Level.Trial)
  public void setup() throws Exception {
    messages = messages();
    er7 = new String[BATCH];
    for (int i = 0; i < BATCH; i++) {
      er7[i] = new String(messages.get(i), StandardCharsets.UTF_8);
    }
    ends = new int[BATCH];
    int total = 0;
    for (int i = 0; i < BATCH; i++) {
      total += messages.get(i).length;
      ends[i] = total;
    }
    data = new byte[total];
    for (int i = 0, at = 0; i < BATCH; at += messages.get(i).length, i++) {
      System.arraycopy(messages.get(i), 0, data, at, messages.get(i).length);
    }
    encodedBatch = Vitals.extractBatch0(data, ends, 0L);
    HapiContext ctx = new DefaultHapiContext();
    ctx.setValidationContext(ValidationContextFactory.noValidation());
    hapiPipe = new HapiVitals(ctx.getPipeParser());
    hapiGeneric = new HapiVitals(ctx.getGenericParser());
    HapiContext typed = new DefaultHapiContext(new CanonicalModelClassFactory("2.5.1"));
    typed.setValidationContext(ValidationContextFactory.noValidation());
    hapiTyped = new HapiVitals(typed.getPipeParser());
    // Same rows from both sides, or the comparison means nothing.
    for (int i = 0; i < BATCH; i++) {
      List<HapiVitals.Row> h = hapiPipe.extract(er7[i]);
      List<HapiVitals.Row> typedRows = hapiTyped.extractTyped(er7[i]);
      if (!h.equals(typedRows)) {
        throw new IllegalStateException(
            "message " + i + ": HAPI Terser " + h + " vs HAPI typed model " + typedRows);
      }
      List<VitalSign> v = Vitals.extract(messages.get(i));
      if (h.size() != v.size()) {
        throw new IllegalStateException(
            "message " + i + ": HAPI " + h.size() + " rows, bridge " + v.size());
      }
      for (int r = 0; r < h.size(); r++) {
        HapiVitals.Row a = h.get(r);
        VitalSign b = v.get(r);
        if (a.obxIndex() != b.obxIndex()
            || !a.kind().equals(b.kind().name())
            || Math.abs(a.normalized() - b.normalizedValue()) > 1e-6
            || !a.observedAt().equals(b.observedAt())
            || !a.patientId().equals(b.patientId())) {
          throw new IllegalStateException(
              "message " + i + " row " + r + ": HAPI " + a + " vs bridge " + b);
        }
      }
    }
  }

  /** The main baseline: HAPI's fastest idiomatic path, PipeParser and the typed v2.5.1 model. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void hapiPipeParserTyped(Blackhole bh) throws Exception {
    for (String m : er7) {
      bh.consume(hapiTyped.extractTyped(m));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void hapiPipeParserTerser(Blackhole bh) throws Exception {
    for (String m : er7) {
      bh.consume(hapiPipe.extract(m));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void hapiGenericParserTerser(Blackhole bh) throws Exception {
    for (String m : er7) {
      bh.consume(hapiGeneric.extract(m));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void jniPerMessage(Blackhole bh) {
    for (byte[] m : messages) {
      bh.consume(Vitals.extract(m));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void jniBatch64(Blackhole bh) {
    List<ExtractResult> r = Vitals.extractBatch(messages);
    bh.consume(r);
  }

  /**
   * Breakdown: the batch call with the messages already concatenated, without decoding the result.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] jniBatch64NoDecode() {
    return Vitals.extractBatch0(data, ends, 0L);
  }

  /** Breakdown: decoding a batch result into {@code VitalSign} records, in Java only. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public List<ExtractResult> javaDecodeBatch64() {
    return new RowDecoder(encodedBatch).batch();
  }

  /** The core's own time for the same work (split, extract, encode) with no JNI transfer. */
  @Benchmark
  @OperationsPerInvocation(BATCH * CORE_ROUNDS)
  public long rustCoreOnly() {
    return NativeBridge.coreLoop(messages, CORE_ROUNDS);
  }

  static final int CORE_ROUNDS = 200;

  @Benchmark
  public void jniEmptyCall() {
    NativeBridge.noop();
  }

  @Benchmark
  public int jniEmptyGuardedCall() {
    return NativeBridge.noopGuarded(er7Bytes0());
  }

  private byte[] er7Bytes0() {
    return messages.get(0);
  }
}
