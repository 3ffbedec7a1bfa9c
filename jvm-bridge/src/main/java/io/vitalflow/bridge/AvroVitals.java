package io.vitalflow.bridge;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Vital-sign rows as Avro records of the contract's {@code VitalSign} schema ({@code
 * schemas/VitalSign.avsc}), encoded in Rust by apache-avro: ready to be the value of a {@code
 * vitals.observations} record, keyed by {@link Encoded#patientId()}. Thread-safe.
 */
public final class AvroVitals {
  static {
    NativeBridge.ensureLoaded();
  }

  private AvroVitals() {}

  /**
   * One encoded row.
   *
   * @param patientId PID-3-1, the Kafka key
   * @param messageControlId MSH-10
   * @param obxIndex position of the OBX in the message (with the control id, the natural key)
   * @param value the Avro binary datum, or the Confluent wire format (magic byte 0, 4-byte schema
   *     id, datum)
   */
  public record Encoded(String patientId, String messageControlId, int obxIndex, byte[] value) {}

  /**
   * Extracts the rows of {@code message} and encodes each in the Confluent wire format with {@code
   * schemaId} (the id the registry gave {@code vitals.observations-value}).
   *
   * @throws Hl7Exception if the message cannot be parsed
   * @throws IllegalStateException if a row lacks a field the schema requires (patient id, time)
   */
  public static List<Encoded> encodeConfluent(byte[] message, int schemaId) {
    if (schemaId < 0) {
      throw new IllegalArgumentException("schema id must be >= 0");
    }
    return encode(message, ExtractOptions.DEFAULT, schemaId);
  }

  /** As {@link #encodeConfluent(byte[], int)}, but bare Avro binary datums without framing. */
  public static List<Encoded> encodeDatums(byte[] message) {
    return encode(message, ExtractOptions.DEFAULT, -1);
  }

  /**
   * Extracts and encodes with a zone for timestamps without an offset; {@code schemaId < 0}: bare
   * datums.
   */
  public static List<Encoded> encode(byte[] message, ZoneId zone, int schemaId) {
    return encode(message, ExtractOptions.zone(zone), schemaId);
  }

  /**
   * Extracts with {@code options} (zone, site codes) and encodes; {@code schemaId < 0}: bare
   * datums.
   */
  public static List<Encoded> encode(byte[] message, ExtractOptions options, int schemaId) {
    return encode(message, options, schemaId, null);
  }

  /**
   * {@link #encode(byte[], ExtractOptions, int)} for a message received at {@code receivedAt} (the
   * {@code hl7.received_at} header; null: MSH-7 stands in): each row carries it, and a row observed
   * more than the site's clock tolerance after it is flagged {@code clock_error}.
   */
  public static List<Encoded> encode(
      byte[] message, ExtractOptions options, int schemaId, java.time.Instant receivedAt) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(options, "options");
    long received = receivedAt == null ? Long.MIN_VALUE : receivedAt.toEpochMilli();
    RowDecoder d = new RowDecoder(encode0(message, options.id(), schemaId, received));
    int n = (int) d.varint();
    List<Encoded> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String patient = d.str();
      String control = d.str();
      int obx = (int) d.varint();
      out.add(new Encoded(patient, control, obx, d.bytes((int) d.varint())));
    }
    return Collections.unmodifiableList(out);
  }

  private static native byte[] encode0(
      byte[] message, long options, int schemaId, long receivedAtMillis);
}
