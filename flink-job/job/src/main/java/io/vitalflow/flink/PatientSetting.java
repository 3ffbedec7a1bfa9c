package io.vitalflow.flink;

import java.io.Serializable;

/** A patients.settings record: the patient's SpO2 scale, and when it was set. */
public class PatientSetting implements Serializable {
  private static final long serialVersionUID = 1L;

  public String patientId;
  public int spo2Scale;

  /** PatientSettings.updated_at, microseconds since the epoch (UTC). */
  public long updatedAt;

  public PatientSetting() {}

  public PatientSetting(String patientId, int spo2Scale, long updatedAt) {
    this.patientId = patientId;
    this.spo2Scale = spo2Scale;
    this.updatedAt = updatedAt;
  }
}
