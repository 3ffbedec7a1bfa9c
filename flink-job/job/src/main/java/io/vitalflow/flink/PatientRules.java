package io.vitalflow.flink;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryAvroSerializer;
import io.vitalflow.bridge.ExtractOptions;
import io.vitalflow.bridge.PatientStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by patient: the streaming rules of the Rust core ({@link PatientStream}) over the patient's
 * state, kept as bytes in Flink keyed state. Input 1 is the patient's ORU messages (one element per
 * patient of a message), input 2 the patients.settings records (SpO2 scale). Emits a vitals.scores
 * record when the scored set changes and each alert once to vitals.alerts.
 *
 * <p>Every message is applied, in the patient's arrival order (the order on its Kafka partition),
 * exactly as {@code vitalflow score} applies a feed: no watermark decides whether a message is
 * scored. Thousands of device clocks feed one job and none is trusted, so a global event-time
 * watermark would let one fast clock make a whole ward "late" (docs/design.md). What is not scored
 * is counted: {@code notScoredProcessingId} (MSH-11 training or debugging), {@code
 * outOfOrderReadings} and {@code staleReadings} (older than the value kept, or already expired);
 * {@code clockErrors} (in total and per sender, MSH-3^MSH-4) counts rows scored at their receipt
 * time because the device clock was ahead; {@code lateMessages} counts messages that arrived more
 * than 10 minutes after they were observed (scored all the same); the gauge {@code receiptLagMs} is
 * how far behind the wall clock the last message's receipt time is (a backlog).
 *
 * <p>A patient's rule state is dropped when the receipt-time watermark reaches {@link
 * PatientStream#discardableAfter} of the later of its clock and its last message's receipt time (24
 * hours without a message, and 24 hours past the clock): a later message observed more than 24
 * hours after the clock starts the patient over anyway (the contract's idle rule, in the Rust
 * rules), so dropping it keeps the state proportional to the patients seen in the last day. Taking
 * the receipt time too keeps the state of a backlog replayed more than a day late, whose clock is
 * already a day behind the watermark. The SpO2 scale setting is kept.
 */
class PatientRules extends KeyedCoProcessFunction<String, Parsed, PatientSetting, OutRecord> {
  private static final long serialVersionUID = 1L;

  /** A message observed more than this before its receipt counts as late (still scored). */
  static final long LATE_ARRIVAL_MS = Duration.ofMinutes(10).toMillis();

  /** At most this many senders get a clockErrors counter of their own (the rest: "other"). */
  static final int MAX_SENDER_METRICS = 500;

  private final String registryUrl;
  private final boolean autoRegister;
  private final String scoresTopic;
  private final String alertsTopic;
  private final Duration freshness;
  private final String zone;
  private final ExtractOptions.SiteSettings site;
  private final boolean scoreTraining;

  private transient ValueState<byte[]> state;
  private transient ValueState<PatientSetting> setting;

  /** The event time of the timer that drops {@link #state} (see the class comment). */
  private transient ValueState<Long> discardAt;

  private transient RegistryAvroSerializer avro;
  private transient ExtractOptions options;
  private transient Counter scores;
  private transient Counter alerts;
  private transient Counter late;
  private transient Counter discarded;
  private transient Counter outOfOrder;
  private transient Counter stale;
  private transient Counter clockErrors;
  private transient Counter notScored;
  private transient java.util.Map<String, SenderClock> clockErrorsBySender;
  private transient volatile long lastReceivedAt;

  PatientRules(
      String registryUrl,
      boolean autoRegister,
      String scoresTopic,
      String alertsTopic,
      Duration freshness,
      String zone,
      ExtractOptions.SiteSettings site,
      boolean scoreTraining) {
    this.registryUrl = registryUrl;
    this.autoRegister = autoRegister;
    this.scoresTopic = scoresTopic;
    this.alertsTopic = alertsTopic;
    this.freshness = freshness;
    this.zone = zone;
    this.site = site;
    this.scoreTraining = scoreTraining;
  }

  @Override
  public void open(OpenContext openContext) {
    state =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "patient-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    setting =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("patient-setting", PatientSetting.class));
    discardAt =
        getRuntimeContext().getState(new ValueStateDescriptor<>("patient-discard-at", Long.class));
    avro = new RegistryAvroSerializer(new CcompatClient(registryUrl), autoRegister);
    options = ExtractOptions.create(ZoneId.of(zone), null, site);
    org.apache.flink.metrics.MetricGroup m = getRuntimeContext().getMetricGroup();
    scores = m.counter("scoresEmitted");
    alerts = m.counter("alertsEmitted");
    late = m.counter("lateMessages");
    discarded = m.counter("idlePatientsDiscarded");
    outOfOrder = m.counter("outOfOrderReadings");
    stale = m.counter("staleReadings");
    clockErrors = m.counter("clockErrors");
    notScored = m.counter("notScoredProcessingId");
    clockErrorsBySender = new java.util.HashMap<>();
    lastReceivedAt = Long.MIN_VALUE;
    m.gauge(
        "receiptLagMs",
        () -> lastReceivedAt == Long.MIN_VALUE ? 0L : System.currentTimeMillis() - lastReceivedAt);
  }

  @Override
  public void close() throws Exception {
    if (options != null) options.close();
    super.close();
  }

  /**
   * Counts a message's clock errors under its sender (MSH-3^MSH-4; device names, never patient
   * data): counter clockErrors and gauge lastClockErrorSeconds (the receipt time of the sender's
   * latest clock error, from ingest's clock), which the VitalflowDeviceClockErrors alert reads.
   */
  private void senderClockErrors(Parsed p, int n) {
    String sender =
        (p.sendingApplication == null ? "" : p.sendingApplication)
            + "^"
            + (p.sendingFacility == null ? "" : p.sendingFacility);
    SenderClock c = clockErrorsBySender.get(sender);
    if (c == null) {
      if (clockErrorsBySender.size() >= MAX_SENDER_METRICS) sender = "other";
      c =
          clockErrorsBySender.computeIfAbsent(
              sender,
              s -> {
                org.apache.flink.metrics.MetricGroup g =
                    getRuntimeContext().getMetricGroup().addGroup("sender", s);
                SenderClock made = new SenderClock(g.counter("clockErrors"));
                g.gauge("lastClockErrorSeconds", () -> made.lastAt / 1000L);
                return made;
              });
    }
    c.errors.inc(n);
    if (p.receivedAt > c.lastAt) c.lastAt = p.receivedAt;
  }

  /** A sender's clock-error metrics. */
  private static final class SenderClock {
    final Counter errors;
    volatile long lastAt;

    SenderClock(Counter errors) {
      this.errors = errors;
    }
  }

  @Override
  public void processElement1(Parsed p, Context ctx, Collector<OutRecord> out) throws Exception {
    lastReceivedAt = p.receivedAt;
    PatientSetting s = setting.value();
    PatientStream.Result r =
        PatientStream.stepRows(
            state.value(),
            p.patientRows[0], // this patient's part, from the message's one read
            ctx.getCurrentKey(),
            s == null ? 1 : s.spo2Scale,
            freshness,
            options,
            scoreTraining);
    if (r.notScoredProcessingId()) {
      notScored.inc();
      return;
    }
    if (!r.stepped()) return;
    if (p.newestObservation != Long.MIN_VALUE
        && p.receivedAt - p.newestObservation > LATE_ARRIVAL_MS) {
      late.inc();
    }
    outOfOrder.inc(r.outOfOrder());
    stale.inc(r.stale());
    if (r.clockErrors() > 0) {
      clockErrors.inc(r.clockErrors());
      senderClockErrors(p, r.clockErrors());
    }
    state.update(r.state());
    // 24 hours after both the clock and this receipt: a backlog replayed more than a day after it
    // was observed must keep its state between two messages of one patient
    scheduleDiscard(Math.max(r.clock(), p.receivedAt), ctx);
    emit(ctx.getCurrentKey(), r, out);
  }

  /** Keeps one event-time timer per patient, at the time its state stops mattering. */
  private void scheduleDiscard(long clock, Context ctx) throws Exception {
    long at = PatientStream.discardableAfter(clock);
    if (at == Long.MIN_VALUE || at == Long.MAX_VALUE) return;
    Long current = discardAt.value();
    if (current != null && current == at) return;
    if (current != null) ctx.timerService().deleteEventTimeTimer(current);
    ctx.timerService().registerEventTimeTimer(at);
    discardAt.update(at);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<OutRecord> out)
      throws Exception {
    Long current = discardAt.value();
    if (current == null || current != timestamp) return;
    state.clear();
    discardAt.clear();
    discarded.inc();
  }

  @Override
  public void processElement2(PatientSetting s, Context ctx, Collector<OutRecord> out)
      throws Exception {
    PatientSetting current = setting.value();
    if (current != null && current.updatedAt > s.updatedAt) return; // older than the one in effect
    setting.update(s);
    if (s.spo2Scale != 1 && s.spo2Scale != 2) return;
    PatientStream.Result r =
        PatientStream.setSpo2Scale(state.value(), s.spo2Scale, freshness, ctx.getCurrentKey());
    state.update(r.state());
    emit(ctx.getCurrentKey(), r, out);
  }

  private void emit(String patientId, PatientStream.Result r, Collector<OutRecord> out) {
    byte[] key = patientId.getBytes(StandardCharsets.UTF_8);
    if (r.score() != null) {
      out.collect(
          new OutRecord(
              scoresTopic,
              key,
              avro.serialize(scoresTopic, Records.score(patientId, r.clock(), r.score())),
              null));
      scores.inc();
    }
    for (PatientStream.Alert a : r.alerts()) {
      out.collect(
          new OutRecord(
              alertsTopic, key, avro.serialize(alertsTopic, Records.alert(patientId, a)), null));
      alerts.inc();
    }
  }
}
