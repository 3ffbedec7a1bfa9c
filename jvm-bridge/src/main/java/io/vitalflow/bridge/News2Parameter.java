package io.vitalflow.bridge;

/** The NEWS2 parameters; {@link #key()} is the contract's {@code subscores} key. */
public enum News2Parameter {
  RESP_RATE,
  SPO2,
  OXYGEN,
  SYSTOLIC,
  PULSE,
  CONSCIOUSNESS,
  TEMPERATURE;

  /** The snake_case key used in JSON ({@code resp_rate}, {@code spo2}, ...). */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
