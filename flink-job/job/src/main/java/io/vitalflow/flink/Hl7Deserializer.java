package io.vitalflow.flink;

import io.vitalflow.bridge.ExtractOptions;
import io.vitalflow.bridge.Hl7;
import io.vitalflow.bridge.Hl7Exception;
import io.vitalflow.bridge.VitalSign;
import io.vitalflow.bridge.Vitals;
import java.time.ZoneId;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * hl7.raw records to {@link Parsed}: MSH fields, patient and times through the Rust core. The event
 * time is the receipt time (the hl7.received_at header the MLLP source and the gateway write, else
 * the record's timestamp), never a device clock. A message that cannot be parsed is passed on with
 * its error (to the DLQ), never dropped.
 */
class Hl7Deserializer implements KafkaRecordDeserializationSchema<Parsed> {
  private static final long serialVersionUID = 1L;

  /** What the job routes on, read with one parse: see {@link #parse}. */
  private static final String[] HEADER_PATHS = {
    "MSH-10", "MSH-3-1", "MSH-4-1", "MSH-9-1", "MSH-9-2", "PID-3-1", "MSH-7", "MSH-11-1"
  };

  /** The header the ingest writes with the receipt time (RFC 3339). */
  static final String RECEIVED_AT_HEADER = "hl7.received_at";

  private final String zone;
  private transient ZoneId zoneId;
  private transient ExtractOptions options;

  Hl7Deserializer(String zone) {
    this.zone = zone;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    zoneId = ZoneId.of(zone);
    options = ExtractOptions.zone(zoneId);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Parsed> out) {
    out.collect(parse(record.key(), record.value(), record.timestamp(), receivedAt(record)));
  }

  /** The hl7.received_at header in epoch ms; null when absent or unreadable. */
  static Long receivedAt(ConsumerRecord<byte[], byte[]> record) {
    org.apache.kafka.common.header.Header h = record.headers().lastHeader(RECEIVED_AT_HEADER);
    if (h == null || h.value() == null) return null;
    try {
      return java.time.Instant.parse(
              new String(h.value(), java.nio.charset.StandardCharsets.UTF_8).trim())
          .toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  Parsed parse(byte[] key, byte[] message, long kafkaTimestamp) {
    return parse(key, message, kafkaTimestamp, null);
  }

  Parsed parse(byte[] key, byte[] message, long kafkaTimestamp, Long receivedAt) {
    if (options == null) open(null);
    Parsed p = new Parsed();
    p.key = key;
    p.message = message;
    p.kafkaTimestamp = kafkaTimestamp;
    p.receivedAt = receivedAt != null ? receivedAt : kafkaTimestamp;
    p.eventTime = p.receivedAt;
    if (message == null || message.length == 0) {
      p.error = "empty record";
      return p;
    }
    try {
      String[] f = Hl7.fields(message, HEADER_PATHS);
      p.controlId = f[0];
      p.sendingApplication = f[1];
      p.sendingFacility = f[2];
      p.messageType = f[3];
      p.triggerEvent = f[4];
      p.patientId = f[5];
      if (p.controlId == null || p.controlId.isEmpty()) {
        p.error = "MSH-10 (message control id) missing";
        return p;
      }
      p.processingId = f[7];
      if (p.isOru()) {
        List<VitalSign> rows = Vitals.extract(message, options);
        p.rows = rows.size();
        long newest = Long.MIN_VALUE;
        java.util.LinkedHashSet<String> pids = new java.util.LinkedHashSet<>();
        for (VitalSign v : rows) {
          if (v.observedAt() != null) newest = Math.max(newest, v.observedAt().toEpochMilli());
          if (v.patientId() != null && !v.patientId().isEmpty()) pids.add(v.patientId());
        }
        p.rowPatientIds = pids.toArray(new String[0]);
        p.newestObservation = newest;
      }
    } catch (Hl7Exception e) {
      p.error = e.kindName() + ": " + e.getMessage();
    }
    return p;
  }

  @Override
  public TypeInformation<Parsed> getProducedType() {
    return TypeInformation.of(Parsed.class);
  }
}
