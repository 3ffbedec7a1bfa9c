package io.vitalflow.connect.warehouse.dataapi;

/**
 * A failed Data API call, thrown by the native client. Its {@link Kind} arrives as a number from
 * the native side's exception table ({@code vitalflow-redshift-data}'s {@code EXCEPTIONS}), never
 * read from the message: {@link Kind#RETRIABLE} when the service could not be reached, throttled
 * after the SDK's own retries, or the statement timed out; {@link Kind#FAILED} when the statement
 * itself failed (the error text is Redshift's).
 */
public class DataApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, with the stable code the native library passes. */
  public enum Kind {
    RETRIABLE(1),
    FAILED(2);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }

    /** The kind of a native code; a code this version does not know is {@link #FAILED}. */
    public static Kind ofCode(int code) {
      return code == RETRIABLE.code ? RETRIABLE : FAILED;
    }
  }

  private final Kind kind;

  public DataApiException(String message, Kind kind) {
    super(message);
    this.kind = kind;
  }

  /** Called from native code (JNI) with the kind's code. */
  public DataApiException(String message, int code) {
    this(message, Kind.ofCode(code));
  }

  public Kind kind() {
    return kind;
  }

  public boolean retriable() {
    return kind == Kind.RETRIABLE;
  }
}
