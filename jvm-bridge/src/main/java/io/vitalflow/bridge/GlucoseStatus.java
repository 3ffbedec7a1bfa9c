package io.vitalflow.bridge;

/** Glucose level on mg/dL (ADA): below 54, 54 to below 70, 70-180, above 180 to 250, above 250. */
public enum GlucoseStatus {
  HYPO_L2,
  HYPO_L1,
  NORMAL,
  HYPER,
  HYPER_SEVERE
}
