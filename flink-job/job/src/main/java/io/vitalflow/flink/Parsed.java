package io.vitalflow.flink;

import java.io.Serializable;

/**
 * One hl7.raw record after its one read ({@link io.vitalflow.bridge.MessageView}): what the job
 * routes on, its event time, and what the operators after need, so that none reads the message
 * again: the observations' Avro datums, each patient's part for the rules, an ADT's patient fields.
 * The message bytes travel on only where they are written as they came (to the dead letters, with
 * {@link #error}) or an ADT's record may need them refused; an ORU read without error leaves them.
 */
public class Parsed implements Serializable {
  private static final long serialVersionUID = 1L;

  public byte[] key;

  /** The message as it came; null for an ORU read without error (nothing needs it after). */
  public byte[] message;

  public String controlId;
  public String sendingApplication;
  public String sendingFacility;

  /** MSH-9-1, e.g. ORU or ADT. */
  public String messageType;

  /** MSH-9-2, e.g. R01 or A08. */
  public String triggerEvent;

  /** PID-3-1 of the message (the first PID). */
  public String patientId;

  /**
   * The distinct patient ids of the vital-sign rows, in order of first appearance (one step each).
   */
  public String[] rowPatientIds = new String[0];

  /**
   * Event time, epoch ms: the receipt time ({@link #receivedAt}). Never a device's clock:
   * watermarks only drive housekeeping, and a device with a wrong clock must not move them.
   */
  public long eventTime;

  /** The hl7.raw record's timestamp (for the end-to-end latency). */
  public long kafkaTimestamp;

  /**
   * When vitalflow received the message, epoch ms: the hl7.received_at header, else the record's
   * timestamp. The trusted clock (device clocks are not): the job's event time.
   */
  public long receivedAt;

  /** The newest observation time of the vital-sign rows, epoch ms (Long.MIN_VALUE: none). */
  public long newestObservation = Long.MIN_VALUE;

  /** MSH-11-1, the processing id (P, T, D), or null. */
  public String processingId;

  /** Number of vital-sign rows. */
  public int rows;

  /**
   * Each patient's part of the rows ({@link io.vitalflow.bridge.PatientStream#stepRows}), aligned
   * with {@link #rowPatientIds}.
   */
  public byte[][] patientRows = new byte[0][];

  /** Each row's key (its PID-3-1, or null) on vitals.observations. */
  public String[] observationKeys = new String[0];

  /** Each row's Avro datum of schemas/VitalSign.avsc, bare (the router frames it). */
  public byte[][] observations = new byte[0][];

  /** An ADT's patient fields, in the order of {@link Records#PATIENT_PATHS}; null otherwise. */
  public String[] patientFields;

  public String error;

  public Parsed() {}

  /** The resend key: MSH-3, MSH-4, MSH-10. */
  public String resendKey() {
    return sendingApplication + '\u0001' + sendingFacility + '\u0001' + controlId;
  }

  /**
   * A copy for the step of patient {@code i} of {@link #rowPatientIds}: that patient's part and
   * what the rules count by, without the message or the other patients' rows.
   */
  public Parsed forPatient(int i) {
    Parsed c = new Parsed();
    c.key = key;
    c.controlId = controlId;
    c.sendingApplication = sendingApplication;
    c.sendingFacility = sendingFacility;
    c.messageType = messageType;
    c.triggerEvent = triggerEvent;
    c.patientId = rowPatientIds[i];
    c.rowPatientIds = new String[] {rowPatientIds[i]};
    c.patientRows = new byte[][] {patientRows[i]};
    c.eventTime = eventTime;
    c.kafkaTimestamp = kafkaTimestamp;
    c.receivedAt = receivedAt;
    c.newestObservation = newestObservation;
    c.processingId = processingId;
    c.rows = rows;
    c.error = error;
    return c;
  }

  public boolean isOru() {
    return "ORU".equals(messageType);
  }
}
