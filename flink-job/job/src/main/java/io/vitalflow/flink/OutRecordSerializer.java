package io.vitalflow.flink;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** {@link OutRecord}s as they are: each names its topic, key and value bytes. */
class OutRecordSerializer implements KafkaRecordSerializationSchema<OutRecord> {
  private static final long serialVersionUID = 1L;

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      OutRecord r, KafkaSinkContext context, Long timestamp) {
    RecordHeaders headers = new RecordHeaders();
    if (r.headerName != null) headers.add(new RecordHeader(r.headerName, r.headerValue));
    return new ProducerRecord<>(r.topic, null, r.timestamp, r.key, r.value, headers);
  }
}
