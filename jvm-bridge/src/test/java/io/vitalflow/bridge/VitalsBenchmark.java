package io.vitalflow.bridge;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HAPI against the bridge on the same {@value #BATCH} messages, on two workloads (the JMH parameter
 * {@code workload}, so that every benchmark runs on both):
 *
 * <ul>
 *   <li>{@code generated64}: {@link Messages#randomBatch} (8 NM OBX each, every OBX a vital sign,
 *       HL7 2.5 and 2.5.1), about 620 bytes per message;
 *   <li>{@code ward64}: a simulated ward, {@code src/test/resources/bench/ward64.hl7}, written by
 *       {@value #WARD_COMMAND} (11 patients, 3 of them deteriorating; IHE PCD-01 monitor messages
 *       in HL7 2.6 with MDC codes and units, LOINC flowsheet messages in HL7 2.5, nurse-charted
 *       FiO2 or oxygen flow and ACVPU as a letter or a SNOMED CT code, point-of-care glucose in
 *       mg/dL and mmol/L; OBX that are not vital signs too), about 1.5 KB and 8.3 rows per message.
 * </ul>
 *
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

  public static final String GENERATED = "generated64";
  public static final String WARD = "ward64";

  /** The fixture of {@link #WARD}, a test resource. */
  public static final String WARD_RESOURCE = "/bench/ward64.hl7";

  /**
   * How {@link #WARD_RESOURCE} was made, from the repository's root, with the release CLI of this
   * repository (vitalflow 0.1.0, the simulator as of commit b70ccca; the same simulator gives the
   * same bytes): 11 patients x 5 readings 4 h apart plus their point-of-care glucose, 64 ORU^R01 in
   * all.
   */
  // vitalflow simulate --seed 1 --patients 11 --count 5 --interval 4h --start 2026-11-20T06:00:00Z
  // --out jvm-bridge/src/test/resources/bench/ward64.hl7
  public static final String WARD_COMMAND =
      "vitalflow simulate --seed 1 --patients 11 --count 5 --interval 4h"
          + " --start 2026-11-20T06:00:00Z --out jvm-bridge/src/test/resources/bench/ward64.hl7";

  @Param({GENERATED, WARD})
  public String workload;

  List<byte[]> messages;
  String[] er7;
  HapiVitals hapiPipe;
  HapiVitals hapiGeneric;
  HapiVitals hapiTyped;
  byte[] data;
  int[] ends;
  byte[] encodedBatch;
  byte[][] encodedEach;

  /** The messages of a workload ({@link #GENERATED} or {@link #WARD}). */
  public static List<byte[]> messages(String workload) {
    List<byte[]> out =
        switch (workload) {
          case GENERATED -> generated();
          case WARD -> ward();
          default -> throw new IllegalArgumentException("unknown workload " + workload);
        };
    if (out.size() != BATCH) {
      throw new IllegalStateException(workload + ": " + out.size() + " messages, not " + BATCH);
    }
    return out;
  }

  /** Generated vital-sign feeds, half declared 2.5 and half 2.5.1. */
  static List<byte[]> generated() {
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

  /**
   * The simulated ward: the simulator's plain output (messages back to back, segments ended by
   * {@code \r}), split where a segment starts with {@code MSH|}.
   */
  static List<byte[]> ward() {
    byte[] all;
    try (InputStream in = VitalsBenchmark.class.getResourceAsStream(WARD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + WARD_RESOURCE);
      }
      all = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i + 4 <= all.length; i++) {
      if ((all[i - 1] == '\r' || all[i - 1] == '\n')
          && all[i] == 'M'
          && all[i + 1] == 'S'
          && all[i + 2] == 'H'
          && all[i + 3] == '|') {
        out.add(Arrays.copyOfRange(all, start, i));
        start = i;
      }
    }
    if (start < all.length) {
      out.add(Arrays.copyOfRange(all, start, all.length));
    }
    return out;
  }

  @Setup(Level.Trial)
  public void setup() throws Exception {
    messages = messages(workload);
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
    encodedEach = new byte[BATCH][];
    for (int i = 0; i < BATCH; i++) {
      encodedEach[i] = Vitals.extract0(messages.get(i), 0L);
    }
    HapiContext ctx = new DefaultHapiContext();
    ctx.setValidationContext(ValidationContextFactory.noValidation());
    hapiPipe = new HapiVitals(ctx.getPipeParser());
    hapiGeneric = new HapiVitals(ctx.getGenericParser());
    HapiContext typed = new DefaultHapiContext(new CanonicalModelClassFactory("2.5.1"));
    typed.setValidationContext(ValidationContextFactory.noValidation());
    hapiTyped = new HapiVitals(typed.getPipeParser());
    checkSameRows();
  }

  /**
   * Same rows from every side, or the comparison means nothing: HAPI Terser (PipeParser and
   * GenericParser) == HAPI typed model == the bridge per message == the bridge batched, every field
   * of every row (a null normalised value, as for consciousness, only where both sides have it).
   */
  void checkSameRows() throws Exception {
    List<ExtractResult> batch = Vitals.extractBatch(messages);
    if (batch.size() != BATCH) {
      throw new IllegalStateException(workload + ": batch gave " + batch.size() + " results");
    }
    int rows = 0;
    for (int i = 0; i < BATCH; i++) {
      String where = workload + " message " + i;
      List<HapiVitals.Row> h = hapiPipe.extract(er7[i]);
      List<HapiVitals.Row> typedRows = hapiTyped.extractTyped(er7[i]);
      if (!h.equals(typedRows)) {
        throw new IllegalStateException(
            where + ": HAPI Terser " + h + " vs HAPI typed model " + typedRows);
      }
      List<HapiVitals.Row> generic = hapiGeneric.extract(er7[i]);
      if (!h.equals(generic)) {
        throw new IllegalStateException(
            where + ": HAPI PipeParser Terser " + h + " vs GenericParser Terser " + generic);
      }
      List<VitalSign> v = Vitals.extract(messages.get(i));
      if (!v.equals(batch.get(i).vitalsOrThrow())) {
        throw new IllegalStateException(
            where + ": bridge per message " + v + " vs batched " + batch.get(i).vitals());
      }
      if (h.size() != v.size()) {
        throw new IllegalStateException(
            where + ": HAPI " + h.size() + " rows, bridge " + v.size() + ": " + h + " vs " + v);
      }
      for (int r = 0; r < h.size(); r++) {
        String field = differingField(h.get(r), v.get(r));
        if (field != null) {
          throw new IllegalStateException(
              where
                  + " row "
                  + r
                  + ": "
                  + field
                  + " differs: HAPI "
                  + h.get(r)
                  + " vs bridge "
                  + v.get(r));
        }
      }
      rows += h.size();
    }
    if (rows == 0) {
      throw new IllegalStateException(workload + ": no rows");
    }
  }

  /** The first field in which a HAPI row and a bridge row differ, or null when they agree. */
  static String differingField(HapiVitals.Row a, VitalSign b) {
    if (!Objects.equals(a.controlId(), b.messageControlId())) {
      return "messageControlId";
    } else if (!Objects.equals(a.sendingApplication(), b.sendingApplication())) {
      return "sendingApplication";
    } else if (!Objects.equals(a.sendingFacility(), b.sendingFacility())) {
      return "sendingFacility";
    } else if (a.obxIndex() != b.obxIndex()) {
      return "obxIndex";
    } else if (!Objects.equals(a.setId(), b.setId())) {
      return "setId";
    } else if (!Objects.equals(a.patientId(), b.patientId())) {
      return "patientId";
    } else if (!Objects.equals(a.authority(), b.patientIdAuthority())) {
      return "patientIdAuthority";
    } else if (!Objects.equals(a.encounter(), b.encounterId())) {
      return "encounterId";
    } else if (!Objects.equals(a.location(), b.location())) {
      return "location";
    } else if (b.kind() == null || !a.kind().equals(b.kind().name())) {
      return "kind";
    } else if (!Objects.equals(a.code(), b.code())) {
      return "code";
    } else if (!Objects.equals(a.system(), b.codeSystem())) {
      return "codeSystem";
    } else if (!same(a.value(), b.value())) {
      return "value";
    } else if (!Objects.equals(a.comparator(), b.comparator())) {
      return "comparator";
    } else if (!Objects.equals(a.text(), b.text())) {
      return "text";
    } else if (!Objects.equals(a.unit(), b.unit())) {
      return "unit";
    } else if (!same(a.normalized(), b.normalizedValue())) {
      return "normalizedValue";
    } else if (!Objects.equals(a.normalizedUnit(), b.normalizedUnit())) {
      return "normalizedUnit";
    } else if (a.observedAt() == null || !a.observedAt().equals(b.observedAt())) {
      return "observedAt";
    } else if (!Objects.equals(a.status(), b.status())) {
      return "status";
    } else if (!Objects.equals(a.device(), b.deviceId())) {
      return "deviceId";
    } else if (!Objects.equals(
        a.glucoseStatus(), b.glucoseStatus() == null ? null : b.glucoseStatus().name())) {
      return "glucoseStatus";
    }
    return null;
  }

  /** Both null, or both numbers within 1e-9 (relative). */
  private static boolean same(Double a, Double b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
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

  /** Breakdown: the per-message native call alone (copy in, core, copy out), no Java decoding. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void jniPerMessageNoDecode(Blackhole bh) {
    for (byte[] m : messages) {
      bh.consume(Vitals.extract0(m, 0L));
    }
  }

  /** Breakdown: decoding per-message results into {@code VitalSign} records, in Java only. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void javaDecodePerMessage(Blackhole bh) {
    for (byte[] e : encodedEach) {
      bh.consume(new RowDecoder(e).rows());
    }
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
