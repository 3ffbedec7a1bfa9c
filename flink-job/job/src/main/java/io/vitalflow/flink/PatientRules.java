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
import org.apache.flink.util.OutputTag;

/**
 * Keyed by patient: the streaming rules of the Rust core ({@link PatientStream}) over the patient's
 * state, kept as bytes in Flink keyed state. Input 1 is the patient's ORU messages (one element per
 * patient of a message), input 2 the patients.settings records (SpO2 scale). Emits a vitals.scores
 * record when the scored set changes and each alert once to vitals.alerts; a message behind the
 * watermark goes to the {@link #LATE} side output, counted, and is not scored.
 *
 * <p>A patient's rule state is dropped when the watermark reaches {@link
 * PatientStream#discardableAfter} of its clock (24 hours of event time without a message): any
 * later message that is not late would start the patient over anyway (the contract's idle rule, in
 * the Rust rules), so dropping it changes no output and keeps the state proportional to the
 * patients seen in the last day, not to every patient ever seen. The SpO2 scale setting is kept.
 */
class PatientRules extends KeyedCoProcessFunction<String, Parsed, PatientSetting, OutRecord> {
  private static final long serialVersionUID = 1L;
  static final OutputTag<Parsed> LATE =
      new OutputTag<>(
          "late-messages", org.apache.flink.api.common.typeinfo.TypeInformation.of(Parsed.class));

  private final String registryUrl;
  private final boolean autoRegister;
  private final String scoresTopic;
  private final String alertsTopic;
  private final Duration freshness;
  private final String zone;

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

  PatientRules(
      String registryUrl,
      boolean autoRegister,
      String scoresTopic,
      String alertsTopic,
      Duration freshness,
      String zone) {
    this.registryUrl = registryUrl;
    this.autoRegister = autoRegister;
    this.scoresTopic = scoresTopic;
    this.alertsTopic = alertsTopic;
    this.freshness = freshness;
    this.zone = zone;
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
    options = ExtractOptions.zone(ZoneId.of(zone));
    scores = getRuntimeContext().getMetricGroup().counter("scoresEmitted");
    alerts = getRuntimeContext().getMetricGroup().counter("alertsEmitted");
    late = getRuntimeContext().getMetricGroup().counter("lateMessages");
    discarded = getRuntimeContext().getMetricGroup().counter("idlePatientsDiscarded");
  }

  @Override
  public void processElement1(Parsed p, Context ctx, Collector<OutRecord> out) throws Exception {
    Long ts = ctx.timestamp();
    if (ts != null && ts < ctx.timerService().currentWatermark()) {
      late.inc();
      ctx.output(LATE, p);
      return;
    }
    PatientSetting s = setting.value();
    PatientStream.Result r =
        PatientStream.step(
            state.value(),
            p.message,
            ctx.getCurrentKey(),
            s == null ? 1 : s.spo2Scale,
            freshness,
            options);
    if (!r.stepped()) return;
    state.update(r.state());
    scheduleDiscard(r.clock(), ctx);
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
    PatientStream.Result r = PatientStream.setSpo2Scale(state.value(), s.spo2Scale, freshness);
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
              alertsTopic,
              key,
              avro.serialize(alertsTopic, Records.alert(patientId, r.clock(), a)),
              null));
      alerts.inc();
    }
  }
}
