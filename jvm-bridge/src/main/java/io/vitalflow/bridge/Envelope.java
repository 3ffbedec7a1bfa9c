package io.vitalflow.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Java reader of the one envelope format that crosses the seam (docs/contract.md §5, "The
 * envelope"; written by the Rust crate {@code vitalflow-envelope}): {@code V}, {@code F}, the
 * format version, the kind, then little-endian values. A version or kind this reader does not know,
 * and a length or count the rest of the buffer cannot hold, are refused with {@link
 * IllegalStateException} before anything is allocated.
 */
public final class Envelope {
  /** The format version this reader reads. */
  public static final int VERSION = 1;

  /** The kinds (the numbers are the contract's). */
  public enum Kind {
    MESSAGE(1),
    STEP_RESULT(2),
    PATIENT_ROWS(3),
    PATIENT_STATE(4),
    MLLP_BATCH(5),
    MLLP_STATS(6);

    final int number;

    Kind(int number) {
      this.number = number;
    }
  }

  private final ByteBuffer b;

  private Envelope(ByteBuffer b) {
    this.b = b;
  }

  /**
   * Opens {@code bytes} as an envelope of {@code kind}.
   *
   * @throws IllegalStateException if it is not one, or of another version or kind
   */
  public static Envelope open(byte[] bytes, Kind kind) {
    if (bytes == null || bytes.length < 4 || bytes[0] != 'V' || bytes[1] != 'F')
      throw new IllegalStateException("not a vitalflow envelope");
    if (bytes[2] != VERSION)
      throw new IllegalStateException(
          "envelope version " + (bytes[2] & 0xff) + ", this reader reads " + VERSION);
    if (bytes[3] != kind.number)
      throw new IllegalStateException(
          "envelope kind " + (bytes[3] & 0xff) + ", expected " + kind + " (" + kind.number + ")");
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.position(4);
    return new Envelope(b);
  }

  /** Bytes not read yet. */
  public int remaining() {
    return b.remaining();
  }

  private void need(int n) {
    if (n > b.remaining())
      throw new IllegalStateException(
          "envelope truncated at byte " + b.position() + ": " + n + " more needed");
  }

  public int u8() {
    need(1);
    return b.get() & 0xff;
  }

  public boolean bool() {
    int v = u8();
    if (v > 1) throw new IllegalStateException("bad bool " + v + " at " + (b.position() - 1));
    return v == 1;
  }

  public short i16() {
    need(2);
    return b.getShort();
  }

  public int i32() {
    need(4);
    return b.getInt();
  }

  public long i64() {
    need(8);
    return b.getLong();
  }

  public double f64() {
    need(8);
    return b.getDouble();
  }

  /** An optional number: NaN is none. */
  public Double optF64() {
    double d = f64();
    return Double.isNaN(d) ? null : d;
  }

  /**
   * A count of entries, each at least {@code minEntryLength} bytes: refused when the rest cannot
   * hold them.
   */
  public int count(int minEntryLength) {
    int at = b.position();
    int n = i32();
    if (n < 0 || (long) n * Math.max(1, minEntryLength) > b.remaining())
      throw new IllegalStateException("bad count " + n + " at byte " + at);
    return n;
  }

  /** A byte string; null when written as none. */
  public byte[] bytes() {
    int n = length();
    if (n == -1) return null;
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  /** A UTF-8 string; null when written as none. */
  public String str() {
    int n = length();
    if (n == -1) return null;
    String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }

  /** The length of a byte string or string: -1 for none, else one the rest can hold. */
  private int length() {
    int at = b.position();
    int n = i32();
    if (n < -1 || n > b.remaining())
      throw new IllegalStateException("bad length " + n + " at byte " + at);
    return n;
  }
}
