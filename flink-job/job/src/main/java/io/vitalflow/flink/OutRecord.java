package io.vitalflow.flink;

import java.io.Serializable;

/**
 * A record for the transactional Kafka sink: topic, key, value (already serialized), timestamp,
 * header.
 */
public class OutRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  public String topic;
  public byte[] key;
  public byte[] value;

  /** Record timestamp, epoch ms; null: the producer's time. */
  public Long timestamp;

  /** Optional header (name, value), e.g. hl7.error on dead letters. */
  public String headerName;

  public byte[] headerValue;

  public OutRecord() {}

  public OutRecord(String topic, byte[] key, byte[] value, Long timestamp) {
    this.topic = topic;
    this.key = key;
    this.value = value;
    this.timestamp = timestamp;
  }
}
