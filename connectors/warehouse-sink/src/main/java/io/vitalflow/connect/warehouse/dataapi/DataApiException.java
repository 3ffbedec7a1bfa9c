package io.vitalflow.connect.warehouse.dataapi;

/**
 * A failed Data API call, thrown by the native client. {@code retriable}: the service could not be
 * reached, throttled after the SDK's own retries, or the statement timed out; otherwise the
 * statement itself failed (the error text is Redshift's).
 */
public class DataApiException extends RuntimeException {
  private final boolean retriable;

  public DataApiException(String message, boolean retriable) {
    super(message);
    this.retriable = retriable;
  }

  /** Called from native code (JNI): "R:" or "F:" prefix = retriable or failed. */
  public DataApiException(String encoded) {
    this(encoded.length() > 2 ? encoded.substring(2) : encoded, encoded.startsWith("R:"));
  }

  public boolean retriable() {
    return retriable;
  }
}
