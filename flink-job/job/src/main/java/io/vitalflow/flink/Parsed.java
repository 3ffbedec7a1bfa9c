package io.vitalflow.flink;

import java.io.Serializable;

/**
 * One hl7.raw record after parsing: the message, what the job routes on, and its event time. A message
 * that could not be parsed carries {@link #error}.
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
    public String patientId;
    /** Event time, epoch ms: the newest observation of an ORU, else MSH-7, else the Kafka timestamp. */
    public long eventTime;
    /** The hl7.raw record's timestamp (for the end-to-end latency). */
    public long kafkaTimestamp;
    /** Number of vital-sign rows. */
    public int rows;
    public String error;

    public Parsed() {}

    /** The resend key: MSH-3, MSH-4, MSH-10. */
    public String resendKey() {
        return sendingApplication + '\u0001' + sendingFacility + '\u0001' + controlId;
    }

    public boolean isOru() {
        return "ORU".equals(messageType);
    }
}
