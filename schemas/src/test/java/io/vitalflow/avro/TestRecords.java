package io.vitalflow.avro;

import java.time.Instant;

/**
 * Records used by the tests: the same values as the Rust interop example (examples/avro_interop.rs,
 * which CrossLanguageIT finds in the Cargo workspace).
 */
public final class TestRecords {
  private TestRecords() {}

  public static VitalSign vitalSign(Instant observedAt) {
    return VitalSign.newBuilder()
        .setMessageControlId("MSG-JAVA-1")
        .setObxIndex(3)
        .setSetId("3")
        .setPatientId("P-JAVA")
        .setPatientIdAuthority("HOSP")
        .setEncounterId("E-77")
        .setLocation("ICU^01^B")
        .setKind(VitalKind.GLUCOSE)
        .setCode("2339-0")
        .setCodeSystem("LN")
        .setValue(3.5)
        .setComparator(null)
        .setText(null)
        .setUnit("mmol/L")
        .setNormalizedValue(63.056)
        .setNormalizedUnit("mg/dL")
        .setObservedAt(observedAt)
        .setStatus("F")
        .setDeviceId("GLUCO-9")
        .setGlucoseStatus(GlucoseStatus.HYPO_L1)
        .build();
  }
}
