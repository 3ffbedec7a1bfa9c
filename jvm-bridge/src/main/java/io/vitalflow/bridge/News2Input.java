package io.vitalflow.bridge;

/**
 * The NEWS2 parameters as measured, each null when missing.
 *
 * @param respRate respiration rate, /min
 * @param spo2 SpO2, %
 * @param spo2Scale 1, or 2 for patients set to SpO2 scale 2
 * @param oxygen true on supplemental oxygen, false on air, null unknown
 * @param systolic systolic blood pressure, mmHg
 * @param pulse pulse, /min
 * @param consciousness ACVPU
 * @param temperature degrees Celsius
 */
public record News2Input(
    Double respRate,
    Double spo2,
    int spo2Scale,
    Boolean oxygen,
    Double systolic,
    Double pulse,
    News2.Consciousness consciousness,
    Double temperature) {

  public News2Input {
    if (spo2Scale != 1 && spo2Scale != 2) {
      throw new IllegalArgumentException("spo2Scale must be 1 or 2, not " + spo2Scale);
    }
  }

  /**
   * An input with every parameter missing, on SpO2 scale 1; fill it with the {@code with*} methods.
   */
  public static News2Input empty() {
    return new News2Input(null, null, 1, null, null, null, null, null);
  }

  public News2Input withRespRate(Double v) {
    return new News2Input(v, spo2, spo2Scale, oxygen, systolic, pulse, consciousness, temperature);
  }

  public News2Input withSpo2(Double v) {
    return new News2Input(
        respRate, v, spo2Scale, oxygen, systolic, pulse, consciousness, temperature);
  }

  public News2Input withSpo2Scale(int v) {
    return new News2Input(respRate, spo2, v, oxygen, systolic, pulse, consciousness, temperature);
  }

  public News2Input withOxygen(Boolean v) {
    return new News2Input(
        respRate, spo2, spo2Scale, v, systolic, pulse, consciousness, temperature);
  }

  public News2Input withSystolic(Double v) {
    return new News2Input(respRate, spo2, spo2Scale, oxygen, v, pulse, consciousness, temperature);
  }

  public News2Input withPulse(Double v) {
    return new News2Input(
        respRate, spo2, spo2Scale, oxygen, systolic, v, consciousness, temperature);
  }

  public News2Input withConsciousness(News2.Consciousness v) {
    return new News2Input(respRate, spo2, spo2Scale, oxygen, systolic, pulse, v, temperature);
  }

  public News2Input withTemperature(Double v) {
    return new News2Input(respRate, spo2, spo2Scale, oxygen, systolic, pulse, consciousness, v);
  }
}
