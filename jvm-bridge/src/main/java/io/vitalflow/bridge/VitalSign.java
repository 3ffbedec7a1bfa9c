package io.vitalflow.bridge;

import java.time.Instant;

/**
 * One vital-sign row: one per OBX that carries a recognised vital sign. The components are the
 * contract's row fields in camelCase; absent values are null.
 *
 * @param messageControlId MSH-10
 * @param obxIndex 1-based position of the OBX in the message
 * @param setId OBX-1
 * @param patientId PID-3-1 of the first repetition; null for a monitor not yet associated with a
 *     patient (such rows are stored, never scored)
 * @param patientIdAuthority PID-3-4-1
 * @param encounterId PV1-19-1
 * @param location PV1-3
 * @param kind the kind of vital sign
 * @param code OBX-3-1
 * @param codeSystem OBX-3-3
 * @param value the number as sent (null for text-valued kinds)
 * @param comparator SN comparator, kept but not used for scoring
 * @param text text value (CONSCIOUSNESS: A, C, V, P or U)
 * @param unit OBX-6-1 as sent
 * @param normalizedValue the value in the canonical unit
 * @param normalizedUnit the canonical (UCUM) unit
 * @param observedAt OBX-14, else OBR-7, else MSH-7
 * @param status OBX-11
 * @param deviceId OBX-18-1
 * @param glucoseStatus GLUCOSE only
 * @param sendingApplication MSH-3-1 (with MSH-4-1 it qualifies the control id, unique only per
 *     sender)
 * @param sendingFacility MSH-4-1
 */
public record VitalSign(
    String messageControlId,
    int obxIndex,
    String setId,
    String patientId,
    String patientIdAuthority,
    String encounterId,
    String location,
    VitalKind kind,
    String code,
    String codeSystem,
    Double value,
    String comparator,
    String text,
    String unit,
    Double normalizedValue,
    String normalizedUnit,
    Instant observedAt,
    String status,
    String deviceId,
    GlucoseStatus glucoseStatus,
    String sendingApplication,
    String sendingFacility) {

  /**
   * {@link #observedAt()} as microseconds since the epoch (the Avro timestamp-micros value), or
   * null.
   */
  public Long observedAtMicros() {
    if (observedAt == null) {
      return null;
    }
    return Math.addExact(
        Math.multiplyExact(observedAt.getEpochSecond(), 1_000_000L), observedAt.getNano() / 1_000L);
  }
}
