package io.vitalflow.avro.registry;

/**
 * A schema registry call failed or was refused; {@link #status()} is the HTTP status (0 if none).
 */
public class RegistryException extends RuntimeException {
  private final int status;
  private final int errorCode;

  public RegistryException(String message, int status, int errorCode, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errorCode = errorCode;
  }

  public int status() {
    return status;
  }

  /** The registry's error_code (e.g. 409 incompatible schema), 0 if none. */
  public int errorCode() {
    return errorCode;
  }
}
