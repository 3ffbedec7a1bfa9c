package io.vitalflow.bridge;

import java.util.Objects;

/**
 * One read of one HL7 message: the values at the paths asked for, and for an ORU message with an
 * MSH-10 its vital-sign rows as what each consumer needs (the row count and newest observation
 * time, each patient's part for {@link PatientStream#stepRows}, each row's Avro datum), with one
 * native call. The Flink job reads each message once with it; nothing after reads the message
 * again. The native side writes an envelope of kind {@code MESSAGE} (docs/contract.md §5), read
 * here by {@link Envelope}.
 *
 * <p>An HL7 error is part of the view ({@link #errorKind()}, {@link #error()}), never thrown: a
 * message that cannot be parsed, or an ORU with any bad OBX (then whole, with no rows, as {@link
 * Vitals#extract} and {@link AvroVitals#encode} refuse it).
 */
public final class MessageView {
  static {
    NativeLibrary.load();
  }

  /** Paths to read, checked and joined once (see {@link #paths}). */
  public record Paths(String joined, int size) implements java.io.Serializable {}

  /**
   * Paths such as {@code MSH-10} or {@code PID-3-4-1}, in the order {@link #field} numbers them.
   */
  public static Paths paths(String... paths) {
    for (String p : paths) {
      Objects.requireNonNull(p, "path");
      if (p.indexOf('\n') >= 0) throw new IllegalArgumentException("a path with a line break");
    }
    return new Paths(String.join("\n", paths), paths.length);
  }

  private final Hl7Exception.Kind errorKind;
  private final String error;
  private final String[] fields;
  private final int rows;
  private final long newestObservation;
  private final String[] patients;
  private final byte[][] patientRows;
  private final String[] observationKeys;
  private final byte[][] observations;

  private MessageView(Envelope e) {
    int kind = e.i16();
    errorKind = kind == 0 ? null : Hl7Exception.Kind.ofCode(kind);
    error = e.str();
    fields = new String[e.count(4)];
    for (int i = 0; i < fields.length; i++) fields[i] = e.str();
    rows = e.i32();
    newestObservation = e.i64();
    int n = e.count(8);
    patients = new String[n];
    patientRows = new byte[n][];
    for (int i = 0; i < n; i++) {
      patients[i] = e.str();
      patientRows[i] = e.bytes();
    }
    n = e.count(8);
    observationKeys = new String[n];
    observations = new byte[n][];
    for (int i = 0; i < n; i++) {
      observationKeys[i] = e.str();
      observations[i] = e.bytes();
    }
    if (e.remaining() != 0)
      throw new IllegalStateException(e.remaining() + " bytes after the message view");
  }

  /**
   * Reads {@code message} once.
   *
   * @param receivedAtMillis when vitalflow received it (epoch ms; {@code Long.MIN_VALUE}: MSH-7
   *     stands in): rows observed more than the site's clock tolerance after it have a wrong device
   *     clock
   * @param schemaId the registry id to frame each datum with (Confluent wire format); below 0 for
   *     bare datums
   * @throws Hl7Exception only for a bad path
   */
  public static MessageView parse(
      byte[] message, ExtractOptions options, long receivedAtMillis, int schemaId, Paths paths) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(paths, "paths");
    return new MessageView(
        Envelope.open(
            parse0(message, options.id(), receivedAtMillis, schemaId, paths.joined()),
            Envelope.Kind.MESSAGE));
  }

  /** The HL7 error's kind; null when the message was read. */
  public Hl7Exception.Kind errorKind() {
    return errorKind;
  }

  /** The HL7 error's text (what {@link Hl7Exception#getMessage()} would be); null for none. */
  public String error() {
    return error;
  }

  /** The value at path {@code i} of the {@link Paths}, null when absent or unparseable. */
  public String field(int i) {
    return i < fields.length ? fields[i] : null;
  }

  /** The vital-sign rows of an ORU message (0 otherwise, and for an error). */
  public int rows() {
    return rows;
  }

  /** The newest observation time of the rows, epoch ms; {@code Long.MIN_VALUE} for none. */
  public long newestObservation() {
    return newestObservation;
  }

  /** The distinct patient ids (PID-3-1) of the rows, in order of first appearance. */
  public String[] patients() {
    return patients.clone();
  }

  /** Patient {@code i}'s part, for {@link PatientStream#stepRows}. */
  public byte[] patientRows(int i) {
    return patientRows[i];
  }

  /** The number of observation datums (one per row). */
  public int observationCount() {
    return observations.length;
  }

  /** Row {@code i}'s key: its PID-3-1, or null. */
  public String observationKey(int i) {
    return observationKeys[i];
  }

  /** Row {@code i}'s Avro datum of schemas/VitalSign.avsc (framed if a schema id was given). */
  public byte[] observation(int i) {
    return observations[i];
  }

  private static native byte[] parse0(
      byte[] message, long options, long receivedAtMillis, int schemaId, String paths);
}
