package io.vitalflow.connect.mllp;

import io.vitalflow.bridge.MllpServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns a received message into a {@link SourceRecord}: value the message bytes unchanged (BYTES),
 * key per the key strategy (OPTIONAL_BYTES), the server's headers as strings. The message id rides
 * in the source offset so that {@code commitRecord} can release its ACK.
 */
final class RecordBuilder {
  static final String PARTITION_KEY = "mllp.listener";
  static final String OFFSET_KEY = "mllp.message.id";

  private final Map<String, String> partition;

  RecordBuilder(String host, int port) {
    this.partition = Map.of(PARTITION_KEY, host + ":" + port);
  }

  SourceRecord build(MllpServer.Received m) {
    ConnectHeaders headers = new ConnectHeaders();
    for (Map.Entry<String, byte[]> h : m.headers().entrySet()) {
      headers.addString(h.getKey(), new String(h.getValue(), StandardCharsets.UTF_8));
    }
    return new SourceRecord(
        partition,
        Map.of(OFFSET_KEY, m.id()),
        m.topic(),
        null,
        Schema.OPTIONAL_BYTES_SCHEMA,
        m.key(),
        Schema.BYTES_SCHEMA,
        m.value(),
        m.receivedAt().toEpochMilli(),
        headers);
  }

  /** The message id of a record built here, or -1. */
  static long messageId(SourceRecord r) {
    Map<String, ?> offset = r.sourceOffset();
    Object id = offset == null ? null : offset.get(OFFSET_KEY);
    return id instanceof Long l ? l : -1;
  }
}
