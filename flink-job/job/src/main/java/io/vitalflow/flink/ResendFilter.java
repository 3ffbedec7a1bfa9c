package io.vitalflow.flink;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by (MSH-3, MSH-4, MSH-10): passes the first message with a key and drops resends of it while the
 * key is remembered (state with a TTL).
 */
class ResendFilter extends KeyedProcessFunction<String, Parsed, Parsed> {
    private static final long serialVersionUID = 1L;
    private final Duration ttl;
    private transient ValueState<Boolean> seen;
    private transient Counter resends;

    ResendFilter(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> d = new ValueStateDescriptor<>("seen", Boolean.class);
        d.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        seen = getRuntimeContext().getState(d);
        resends = getRuntimeContext().getMetricGroup().counter("resendsDropped");
    }

    @Override
    public void processElement(Parsed p, Context ctx, Collector<Parsed> out) throws Exception {
        if (seen.value() != null) {
            resends.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(p);
    }
}
