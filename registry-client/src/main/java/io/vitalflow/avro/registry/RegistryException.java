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

  /**
   * Whether the registry could not answer rather than refused: an I/O failure or timeout (no
   * status), a 5xx, 408 (request timeout) or 429 (too many requests). Trying again later may
   * succeed; a 4xx such as 404 "subject not found" or 409 "incompatible" will not.
   */
  public boolean isTransient() {
    return status == 0 || status >= 500 || status == 408 || status == 429;
  }

  /** The registry's error_code (e.g. 409 incompatible schema), 0 if none. */
  public int errorCode() {
    return errorCode;
  }
}
