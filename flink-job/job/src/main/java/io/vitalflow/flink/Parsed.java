package io.vitalflow.flink;

import java.io.Serializable;

/**
 * One hl7.raw record after parsing: the message, what the job routes on, and its event time. A
 * message that could not be parsed carries {@link #error}.
 */
public class Parsed implements Serializable {
  private static final long serialVersionUID = 1L;

  public byte[] key;
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

  public String error;

  public Parsed() {}

  /** The resend key: MSH-3, MSH-4, MSH-10. */
  public String resendKey() {
    return sendingApplication + '\u0001' + sendingFacility + '\u0001' + controlId;
  }

  /** A copy for one patient's step (shares the message bytes). */
  public Parsed forPatient(String pid) {
    Parsed c = new Parsed();
    c.key = key;
    c.message = message;
    c.controlId = controlId;
    c.sendingApplication = sendingApplication;
    c.sendingFacility = sendingFacility;
    c.messageType = messageType;
    c.triggerEvent = triggerEvent;
    c.patientId = pid;
    c.rowPatientIds = new String[] {pid};
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
