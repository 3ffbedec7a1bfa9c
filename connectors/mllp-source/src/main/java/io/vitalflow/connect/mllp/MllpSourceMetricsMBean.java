package io.vitalflow.connect.mllp;

/** JMX view of one task's MLLP server (ACK latency: from a frame's arrival to its reply). */
public interface MllpSourceMetricsMBean {
  long getReceived();

  long getAcked();

  long getNaked();

  long getRejected();

  long getErrors();

  long getDuplicates();

  long getBytes();

  long getConnectionsOpen();

  long getUnsettled();

  long getCommitFailures();

  double getAckLatencyAvgMs();

  double getAckLatencyMaxMs();
}
