package io.vitalflow.bridge;

/** The vital-sign kinds of the contract; the names are the JSON and Avro values. */
public enum VitalKind {
  TEMPERATURE,
  SYSTOLIC_BP,
  DIASTOLIC_BP,
  MEAN_BP,
  HEART_RATE,
  RESPIRATORY_RATE,
  SPO2,
  GLUCOSE,
  CONSCIOUSNESS,
  INSPIRED_O2
}
