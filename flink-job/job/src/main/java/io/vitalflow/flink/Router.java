package io.vitalflow.flink;

import io.vitalflow.avro.Schemas;
import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.ConfluentWire;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Routes each message once resends are dropped: ORU rows to vitals.observations (the Avro datums
 * the message's one read made in Rust, Confluent-framed here), ADT A01/A03/A04/A08/A28/A31 to
 * patients, unparseable messages to hl7.invalid with the reason in the hl7.error header. Other
 * message types are counted and skipped ({@code messagesSkipped}), as are ORU messages without a
 * vital-sign row ({@code messagesWithoutVitals}).
 */
class Router extends ProcessFunction<Parsed, OutRecord> {
  private static final long serialVersionUID = 1L;
  static final Set<String> ADT_EVENTS = Set.of("A01", "A03", "A04", "A08", "A28", "A31");

  private final String registryUrl;
  private final boolean autoRegister;
  private final String observationsTopic;
  private final String patientsTopic;
  private final String invalidTopic;
  private final String zone;
  private final long expectedIntervalSeconds;
  private final java.util.Map<String, java.time.Duration> senderIntervals;

  private transient int observationSchemaId;
  private transient RegistryAvroSerializer avro;
  private transient ZoneId zoneId;
  private transient Counter observations;
  private transient Counter invalid;
  private transient Counter skipped;
  private transient Counter withoutVitals;

  /** Per sender (MSH-3^MSH-4), the receipt time of its last message, epoch ms; at most 500. */
  private transient java.util.Map<String, java.util.concurrent.atomic.AtomicLong> lastBySender;

  Router(
      String registryUrl,
      boolean autoRegister,
      String observationsTopic,
      String patientsTopic,
      String invalidTopic,
      String zone,
      java.time.Duration expectedInterval,
      java.util.Map<String, java.time.Duration> senderIntervals) {
    this.expectedIntervalSeconds = expectedInterval.toSeconds();
    this.senderIntervals = new java.util.HashMap<>(senderIntervals);
    this.registryUrl = registryUrl;
    this.autoRegister = autoRegister;
    this.observationsTopic = observationsTopic;
    this.patientsTopic = patientsTopic;
    this.invalidTopic = invalidTopic;
    this.zone = zone;
  }

  @Override
  public void open(OpenContext openContext) {
    CcompatClient registry = new CcompatClient(registryUrl);
    String subject = Schemas.valueSubject(observationsTopic);
    org.apache.avro.Schema schema = Schemas.parse("VitalSign.avsc");
    observationSchemaId =
        autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
    avro = new RegistryAvroSerializer(registry, autoRegister);
    zoneId = ZoneId.of(zone);
    observations = getRuntimeContext().getMetricGroup().counter("observationsEmitted");
    invalid = getRuntimeContext().getMetricGroup().counter("invalidMessages");
    skipped = getRuntimeContext().getMetricGroup().counter("messagesSkipped");
    withoutVitals = getRuntimeContext().getMetricGroup().counter("messagesWithoutVitals");
    lastBySender = new java.util.HashMap<>();
  }

  /**
   * Notes a message of its sender for the silent-sender alert: gauges lastMessageReceivedSeconds
   * (the receipt time of its last message, from ingest's clock, never the device's),
   * expectedIntervalSeconds and silentAtSeconds (their sum) in the metric group sender=MSH-3^MSH-4
   * (device and system names, never patient data). Past 500 senders the others share "other".
   */
  private void heardFrom(Parsed p) {
    String sender =
        (p.sendingApplication == null ? "" : p.sendingApplication)
            + "^"
            + (p.sendingFacility == null ? "" : p.sendingFacility);
    java.util.concurrent.atomic.AtomicLong last = lastBySender.get(sender);
    if (last == null) {
      if (lastBySender.size() >= PatientRules.MAX_SENDER_METRICS) sender = "other";
      last = lastBySender.get(sender);
      if (last == null) {
        java.util.concurrent.atomic.AtomicLong cell =
            new java.util.concurrent.atomic.AtomicLong(p.receivedAt);
        java.time.Duration d = senderIntervals.get(sender);
        long expected = d == null ? expectedIntervalSeconds : d.toSeconds();
        org.apache.flink.metrics.MetricGroup g =
            getRuntimeContext().getMetricGroup().addGroup("sender", sender);
        g.gauge("lastMessageReceivedSeconds", () -> cell.get() / 1000L);
        g.gauge("expectedIntervalSeconds", () -> expected);
        // when the sender counts as silent: one value, so that the alert compares it with the time
        // (kept by Prometheus across the job's restarts) and a changed interval takes effect at
        // once
        g.gauge("silentAtSeconds", () -> cell.get() / 1000L + expected);
        lastBySender.put(sender, cell);
        last = cell;
      }
    }
    last.accumulateAndGet(p.receivedAt, Math::max);
  }

  @Override
  public void processElement(Parsed p, Context ctx, Collector<OutRecord> out) {
    heardFrom(p);
    if (p.error != null) {
      dead(p, p.error, out);
      return;
    }
    if (p.isOru()) {
      if (p.rows == 0) {
        // an ORU with no vital-sign row (a lab panel, a note): nothing to store or score
        withoutVitals.inc();
        return;
      }
      // the datums the message's one read made (Hl7Deserializer), framed with the registry id
      for (int i = 0; i < p.observations.length; i++) {
        String pid = p.observationKeys[i];
        byte[] key = pid == null ? null : pid.getBytes(StandardCharsets.UTF_8);
        out.collect(
            new OutRecord(
                observationsTopic,
                key,
                ConfluentWire.frame(observationSchemaId, p.observations[i]),
                null));
        observations.inc();
      }
    } else if ("ADT".equals(p.messageType) && ADT_EVENTS.contains(p.triggerEvent)) {
      GenericRecord r = Records.patient(p, zoneId);
      if (r == null) {
        dead(p, "ADT without a patient id (PID-3-1)", out);
        return;
      }
      out.collect(
          new OutRecord(
              patientsTopic,
              p.patientId.getBytes(StandardCharsets.UTF_8),
              avro.serialize(patientsTopic, r),
              null));
    } else {
      skipped.inc();
    }
  }

  private void dead(Parsed p, String reason, Collector<OutRecord> out) {
    invalid.inc();
    OutRecord r = new OutRecord(invalidTopic, p.key, p.message, null);
    r.headerName = "hl7.error";
    r.headerValue = reason.getBytes(StandardCharsets.UTF_8);
    out.collect(r);
  }
}
