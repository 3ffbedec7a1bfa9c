package io.vitalflow.bridge;

/**
 * An MLLP server that could not start. Its {@link Kind} arrives as a number from the bridge's
 * exception table ({@code vitalflow-jni}'s {@code error::EXCEPTIONS}, the Rust enum {@code
 * vitalflow_mllp::MllpError}), so a caller tells a busy port from a bad certificate without reading
 * the message. An {@link IllegalArgumentException}, as {@link MllpServer#start} has always
 * declared.
 */
public class MllpServerException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, with the stable code of the native table. */
  public enum Kind {
    /** A setting that cannot work; the message names it. */
    CONFIG(11),
    /** The address is held by another socket (an earlier instance still stopping?): retry. */
    ADDRESS_IN_USE(12),
    /** Any other failure to open the listener (no such address, no permission). */
    LISTEN(13),
    /** The TLS files are missing, unreadable or do not match; the message names the file. */
    TLS(14),
    /** The server's threads could not start. */
    RUNTIME(15),
    /** A code this version of the Java side does not know (a newer native library). */
    UNKNOWN(0);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }

    /** The kind with this stable number, or {@link #UNKNOWN}. */
    public static Kind ofCode(int code) {
      for (Kind k : values()) {
        if (k.code == code && k != UNKNOWN) {
          return k;
        }
      }
      return UNKNOWN;
    }
  }

  private final Kind kind;

  /** Called from native code with the kind's code. */
  public MllpServerException(String message, int code) {
    super(message);
    this.kind = Kind.ofCode(code);
  }

  public Kind kind() {
    return kind;
  }
}
