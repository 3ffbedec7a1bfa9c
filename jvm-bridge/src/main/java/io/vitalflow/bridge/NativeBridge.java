package io.vitalflow.bridge;

/**
 * The library's identity and the calls that measure or test the bridge itself. Loading this class
 * loads the native library.
 */
public final class NativeBridge {
  /** When {@code true}, {@link #panicForTest} may panic the native side. */
  public static final String TESTING_PROPERTY = "vitalflow.bridge.testing";

  static {
    NativeLibrary.load();
  }

  private NativeBridge() {}

  /**
   * Makes sure the native library is loaded (throws {@link UnsatisfiedLinkError} if it cannot be).
   */
  public static void ensureLoaded() {
    // the static initializer did the work
  }

  /** The version of the loaded native library. */
  public static String version() {
    return version0();
  }

  /**
   * How many HL7 messages the native library has parsed since it loaded, by every entry point (the
   * Flink job reads each message once: {@link MessageView}).
   */
  public static long messageParses() {
    return messageParses0();
  }

  private static native long messageParses0();

  /** An empty native call: the pure cost of crossing JNI (for benchmarks). */
  public static native void noop();

  /**
   * An empty call through the same shell as the real entry points (attach guard, panic guard, error
   * policy) that only reads the array length: the fixed cost every real call pays.
   */
  public static native int noopGuarded(byte[] message);

  /**
   * Test native: writes with the Rust envelope encoder the values a script lists (an envelope of
   * kind 1: the output kind, then tagged values; {@code native/jni/src/test_natives.rs}), so a test
   * can read Rust's bytes back with {@link Envelope}.
   */
  static byte[] rewriteEnvelope(byte[] script) {
    return rewriteEnvelope0(script);
  }

  private static native byte[] rewriteEnvelope0(byte[] script);

  /** Copies {@code data} through the native input and output buffers. */
  public static byte[] echo(byte[] data) {
    return echo0(data);
  }

  /**
   * Makes the native side panic with {@code message}, which must come back as a {@link
   * RuntimeException} carrying the Rust backtrace. Refused unless the system property {@value
   * #TESTING_PROPERTY} is {@code true}.
   */
  static String panicForTest(String message) {
    if (!Boolean.getBoolean(TESTING_PROPERTY)) {
      throw new IllegalStateException(
          "set -D" + TESTING_PROPERTY + "=true to enable the test panic");
    }
    return panic0(message);
  }

  /**
   * Runs the batch work for {@code messages} (extract and encode each) {@code rounds} times inside
   * Rust with one JNI call, returning the bytes encoded: the core's own time, for benchmarks.
   */
  public static long coreLoop(java.util.List<byte[]> messages, int rounds) {
    int[] ends = new int[messages.size()];
    int total = 0;
    for (int i = 0; i < ends.length; i++) {
      total += messages.get(i).length;
      ends[i] = total;
    }
    byte[] data = new byte[total];
    int at = 0;
    for (byte[] m : messages) {
      System.arraycopy(m, 0, data, at, m.length);
      at += m.length;
    }
    return coreLoop0(data, ends, rounds);
  }

  static native long coreLoop0(byte[] data, int[] ends, int rounds);

  private static native String version0();

  private static native byte[] echo0(byte[] data);

  private static native String panic0(String message);
}
