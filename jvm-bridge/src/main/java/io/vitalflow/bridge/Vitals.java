package io.vitalflow.bridge;

import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * Vital-sign extraction: one {@link VitalSign} per OBX that carries a recognised vital sign.
 * Thread-safe. Timestamps without an offset are read in UTC unless a zone is given.
 */
public final class Vitals {
  static {
    NativeBridge.ensureLoaded();
  }

  private Vitals() {}

  /**
   * The rows of one message.
   *
   * @throws Hl7Exception if the message cannot be parsed
   */
  public static List<VitalSign> extract(byte[] message) {
    return extract(message, ExtractOptions.DEFAULT);
  }

  /**
   * The rows of one message, reading timestamps without an offset in {@code zone} (null: UTC).
   *
   * @throws Hl7Exception if the message cannot be parsed
   */
  public static List<VitalSign> extract(byte[] message, ZoneId zone) {
    return extract(message, ExtractOptions.zone(zone));
  }

  /**
   * The rows of one message with {@code options} (zone, site codes).
   *
   * @throws Hl7Exception if the message cannot be parsed
   */
  public static List<VitalSign> extract(byte[] message, ExtractOptions options) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(options, "options");
    return new RowDecoder(extract0(message, options.id())).rows();
  }

  /**
   * Extracts many messages with one JNI call. A message that cannot be parsed yields a result with
   * its {@link Hl7Exception}; the others are unaffected.
   */
  public static List<ExtractResult> extractBatch(List<byte[]> messages) {
    return extractBatch(messages, ExtractOptions.DEFAULT);
  }

  /** {@link #extractBatch(List)} with a zone for timestamps without an offset (null: UTC). */
  public static List<ExtractResult> extractBatch(List<byte[]> messages, ZoneId zone) {
    return extractBatch(messages, ExtractOptions.zone(zone));
  }

  /** {@link #extractBatch(List)} with {@code options} (zone, site codes). */
  public static List<ExtractResult> extractBatch(List<byte[]> messages, ExtractOptions options) {
    Objects.requireNonNull(messages, "messages");
    Objects.requireNonNull(options, "options");
    int n = messages.size();
    int[] ends = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      byte[] m = Objects.requireNonNull(messages.get(i), "message");
      total += m.length;
      if (total > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("batch larger than 2 GiB; split it");
      }
      ends[i] = (int) total;
    }
    byte[] data = new byte[(int) total];
    int at = 0;
    for (int i = 0; i < n; i++) {
      byte[] m = messages.get(i);
      System.arraycopy(m, 0, data, at, m.length);
      at += m.length;
    }
    return new RowDecoder(extractBatch0(data, ends, options.id())).batch();
  }

  /**
   * Splits a file or stream that holds many messages (plain, with batch envelope segments {@code
   * FHS/BHS/BTS/FTS}, or MLLP-framed) and extracts each, with one JNI call. Each result's {@link
   * ExtractResult#offset()} is the message's byte offset in {@code stream}; error offsets are
   * offsets into {@code stream} too.
   */
  public static List<ExtractResult> extractStream(byte[] stream) {
    return extractStream(stream, ExtractOptions.DEFAULT);
  }

  /** {@link #extractStream(byte[])} with a zone for timestamps without an offset (null: UTC). */
  public static List<ExtractResult> extractStream(byte[] stream, ZoneId zone) {
    return extractStream(stream, ExtractOptions.zone(zone));
  }

  /** {@link #extractStream(byte[])} with {@code options} (zone, site codes). */
  public static List<ExtractResult> extractStream(byte[] stream, ExtractOptions options) {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(options, "options");
    return new RowDecoder(extractStream0(stream, options.id())).stream();
  }

  static native byte[] extract0(byte[] message, long options);

  private static native byte[] extractStream0(byte[] stream, long options);

  static native byte[] extractBatch0(byte[] data, int[] ends, long options);
}
