package io.vitalflow.bridge;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * NEWS2 (Royal College of Physicians, 2017) scoring in the Rust core. Thread-safe, allocation-free
 * across JNI.
 */
public final class News2 {
  static {
    NativeBridge.ensureLoaded();
  }

  private static final Band[] BANDS = Band.values();
  private static final News2Parameter[] PARAMETERS = News2Parameter.values();

  private News2() {}

  /** Scores one set of observations; missing parameters are null in {@code input}. */
  public static News2Score score(News2Input input) {
    Objects.requireNonNull(input, "input");
    long packed =
        score0(
            nan(input.respRate()),
            nan(input.spo2()),
            input.spo2Scale(),
            input.oxygen() == null ? -1 : input.oxygen() ? 1 : 0,
            nan(input.systolic()),
            nan(input.pulse()),
            input.consciousness() == null ? -1 : input.consciousness().ordinal(),
            nan(input.temperature()));
    return unpack(packed);
  }

  /**
   * Scores one set of observations given as nullable values (the shape of the {@code NEWS2} SQL
   * function). {@code consciousness} is one of A, C, V, P, U or null; {@code spo2Scale} null means
   * 1.
   */
  public static News2Score score(
      Double respRate,
      Double spo2,
      Integer spo2Scale,
      Boolean oxygen,
      Double systolic,
      Double pulse,
      String consciousness,
      Double temperature) {
    return score(
        new News2Input(
            respRate,
            spo2,
            spo2Scale == null ? 1 : spo2Scale,
            oxygen,
            systolic,
            pulse,
            consciousness == null
                ? null
                : Consciousness.valueOf(consciousness.trim().toUpperCase(java.util.Locale.ROOT)),
            temperature));
  }

  private static double nan(Double d) {
    return d == null ? Double.NaN : d;
  }

  static News2Score unpack(long v) {
    int total = (int) (v & 0xff);
    Band band = BANDS[(int) ((v >>> 8) & 0xff)];
    Map<News2Parameter, Integer> subscores = new EnumMap<>(News2Parameter.class);
    for (int i = 0; i < PARAMETERS.length; i++) {
      int nibble = (int) ((v >>> (16 + 4 * i)) & 0xf);
      subscores.put(PARAMETERS[i], nibble == 15 ? null : nibble);
    }
    Set<News2Parameter> missing = EnumSet.noneOf(News2Parameter.class);
    for (int i = 0; i < PARAMETERS.length; i++) {
      if (((v >>> (44 + i)) & 1) != 0) {
        missing.add(PARAMETERS[i]);
      }
    }
    boolean complete = ((v >>> 51) & 1) != 0;
    return new News2Score(total, band, subscores, missing, complete);
  }

  private static native long score0(
      double respRate,
      double spo2,
      int spo2Scale,
      int oxygen,
      double systolic,
      double pulse,
      int consciousness,
      double temperature);

  /** ACVPU level of consciousness. */
  public enum Consciousness {
    /** Alert. */
    A,
    /** New confusion. */
    C,
    /** Responds to voice. */
    V,
    /** Responds to pain. */
    P,
    /** Unresponsive. */
    U
  }

  /** Clinical risk band. */
  public enum Band {
    LOW,
    LOW_MEDIUM,
    MEDIUM,
    HIGH
  }
}
