package io.vitalflow.flink;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops resends: passes the first message with a given (MSH-3, MSH-4, MSH-10) and drops later ones
 * while that id is remembered (map state with a TTL per entry). Keyed by patient (see {@link
 * #key}), so that a patient's messages keep their order on the way to the per-patient rules; the
 * ids live in a map per patient.
 */
class ResendFilter extends KeyedProcessFunction<String, Parsed, Parsed> {
  private static final long serialVersionUID = 1L;
  private final Duration ttl;
  private transient MapState<String, Boolean> seen;
  private transient Counter resends;

  ResendFilter(Duration ttl) {
    this.ttl = ttl;
  }

  @Override
  public void open(OpenContext openContext) {
    MapStateDescriptor<String, Boolean> d =
        new MapStateDescriptor<>("seen-message-ids", String.class, Boolean.class);
    d.enableTimeToLive(
        StateTtlConfig.newBuilder(ttl)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    seen = getRuntimeContext().getMapState(d);
    resends = getRuntimeContext().getMetricGroup().counter("resendsDropped");
  }

  @Override
  public void processElement(Parsed p, Context ctx, Collector<Parsed> out) throws Exception {
    String id = p.resendKey();
    if (seen.contains(id)) {
      resends.inc();
      return;
    }
    seen.put(id, Boolean.TRUE);
    out.collect(p);
  }

  /** The key: the patient (PID-3-1); messages without one (or unparseable) by their own id. */
  static String key(Parsed p) {
    if (p.error != null) return "\u0000invalid";
    if (p.patientId != null && !p.patientId.isEmpty()) return "P\u0001" + p.patientId;
    return "M\u0001" + p.resendKey();
  }
}
