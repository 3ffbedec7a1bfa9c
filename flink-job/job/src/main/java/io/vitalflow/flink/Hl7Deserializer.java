package io.vitalflow.flink;

import io.vitalflow.bridge.ExtractOptions;
import io.vitalflow.bridge.MessageView;
import java.time.ZoneId;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * hl7.raw records to {@link Parsed}, each message read once ({@link MessageView}, one native call):
 * MSH fields, patient, times, the observations' Avro datums, each patient's part for the rules and
 * an ADT's patient fields, so that no operator after reads the message again. The event time is the
 * receipt time (the hl7.received_at header the MLLP source and the gateway write, else the record's
 * timestamp), never a device clock. A message that cannot be parsed is passed on with its error (to
 * the DLQ), never dropped.
 */
class Hl7Deserializer implements KafkaRecordDeserializationSchema<Parsed> {
  private static final long serialVersionUID = 1L;

  /** What the job routes on, then an ADT's patient fields ({@link Records#PATIENT_PATHS}). */
  private static final String[] HEADER_PATHS = {
    "MSH-10", "MSH-3-1", "MSH-4-1", "MSH-9-1", "MSH-9-2", "PID-3-1", "MSH-7", "MSH-11-1"
  };

  static final MessageView.Paths PATHS =
      MessageView.paths(concat(HEADER_PATHS, Records.PATIENT_PATHS));

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The header the ingest writes with the receipt time (RFC 3339). */
  static final String RECEIVED_AT_HEADER = "hl7.received_at";

  private final String zone;
  private final ExtractOptions.SiteSettings site;
  private transient ExtractOptions options;

  /**
   * @param site the site's clock tolerance (which rows have a wrong device clock) and glucose
   *     thresholds, as the rules use them
   */
  Hl7Deserializer(String zone, ExtractOptions.SiteSettings site) {
    this.zone = zone;
    this.site = site;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    // released by its cleaner when the deserializer goes (the schema has no close)
    options = ExtractOptions.create(ZoneId.of(zone), null, site);
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
    MessageView v = MessageView.parse(message, options, p.receivedAt, -1, PATHS);
    p.controlId = v.field(0);
    p.sendingApplication = v.field(1);
    p.sendingFacility = v.field(2);
    p.messageType = v.field(3);
    p.triggerEvent = v.field(4);
    p.patientId = v.field(5);
    if (v.errorKind() != null) {
      // a message that cannot be parsed, or an ORU with a bad OBX: to the dead letters, whole
      p.error = v.errorKind().name() + ": " + v.error();
      return p;
    }
    if (p.controlId == null || p.controlId.isEmpty()) {
      p.error = "MSH-10 (message control id) missing";
      return p;
    }
    p.processingId = v.field(7);
    if (p.isOru()) {
      p.rows = v.rows();
      p.newestObservation = v.newestObservation();
      String[] pids = v.patients();
      p.rowPatientIds = pids;
      p.patientRows = new byte[pids.length][];
      for (int i = 0; i < pids.length; i++) p.patientRows[i] = v.patientRows(i);
      int n = v.observationCount();
      p.observationKeys = new String[n];
      p.observations = new byte[n][];
      for (int i = 0; i < n; i++) {
        p.observationKeys[i] = v.observationKey(i);
        p.observations[i] = v.observation(i);
      }
      p.message = null; // read: nothing after needs it
    } else {
      int at = HEADER_PATHS.length;
      p.patientFields = new String[Records.PATIENT_PATHS.length];
      for (int i = 0; i < p.patientFields.length; i++) p.patientFields[i] = v.field(at + i);
    }
    return p;
  }

  @Override
  public TypeInformation<Parsed> getProducedType() {
    return TypeInformation.of(Parsed.class);
  }
}
