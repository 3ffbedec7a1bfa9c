package io.vitalflow.flink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops resends: passes the first message with a given (MSH-3, MSH-4, MSH-10) and drops later ones
 * while that id is remembered (map state with a TTL per entry). Keyed by patient (see {@link
 * #key}), so that a patient's messages keep their order on the way to the per-patient rules; the
 * ids live in a map per patient.
 *
 * <p>An id is remembered for the TTL (processing time) from when it passed: a purge timer per
 * patient forgets older ones (see {@link #onTimer}).
 *
 * <p>An id is remembered as a 128-bit digest (SHA-256 of the id, truncated), kept as two {@code
 * long}s: the map's key is the first half, its value the second. Strings made every checkpoint copy
 * the whole map (the heap backend snapshots it in full), and a string id took about six times the
 * bytes and serialised a character at a time; two longs per id keep the snapshot small and cheap.
 * Two different ids of one patient within the TTL would have to agree in all 128 bits to be taken
 * for each other.
 */
class ResendFilter extends KeyedProcessFunction<String, Parsed, Parsed> {
  private static final long serialVersionUID = 1L;
  private final Duration ttl;

  /** Digest's first half -> {second half, when the id passed (processing time, ms)}. */
  private transient MapState<Long, long[]> seen;

  /** When this patient's purge timer fires, if one is set. */
  private transient ValueState<Long> purgeAt;

  private transient MessageDigest sha256;
  private transient Counter resends;

  ResendFilter(Duration ttl) {
    this.ttl = ttl;
  }

  @Override
  public void open(OpenContext openContext) {
    seen =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "seen-message-id-digests-with-time",
                    Types.LONG,
                    PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    purgeAt = getRuntimeContext().getState(new ValueStateDescriptor<>("purge-at", Types.LONG));
    sha256 = newSha256();
    resends = getRuntimeContext().getMetricGroup().counter("resendsDropped");
  }

  @Override
  public void processElement(Parsed p, Context ctx, Collector<Parsed> out) throws Exception {
    ByteBuffer digest = ByteBuffer.wrap(digest(sha256, p.resendKey()));
    long high = digest.getLong();
    long low = digest.getLong();
    long now = ctx.timerService().currentProcessingTime();
    long[] remembered = seen.get(high);
    if (remembered != null && remembered[0] == low && !expired(remembered[1], now)) {
      resends.inc();
      return;
    }
    seen.put(high, new long[] {low, now});
    if (purgeAt.value() == null) schedulePurge(ctx.timerService(), now + ttl.toMillis());
    out.collect(p);
  }

  /**
   * Forgets this patient's ids older than the TTL, and sets the next purge for when the oldest
   * remaining one expires (none when nothing is left, so an idle patient costs nothing). Flink's
   * own state TTL was used before: with the heap backend its incremental cleanup copied the whole
   * map of five patients on every access, 15 % of the TaskManager's CPU in the pipeline benchmark.
   * Here each id is looked at once more, when it expires.
   */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Parsed> out) throws Exception {
    long oldest = Long.MAX_VALUE;
    Iterator<Map.Entry<Long, long[]>> it = seen.iterator();
    while (it.hasNext()) {
      long at = it.next().getValue()[1];
      if (expired(at, timestamp)) it.remove();
      else oldest = Math.min(oldest, at);
    }
    if (oldest == Long.MAX_VALUE) {
      purgeAt.clear();
      seen.clear();
    } else {
      schedulePurge(ctx.timerService(), oldest + ttl.toMillis());
    }
  }

  private void schedulePurge(TimerService timers, long at) throws Exception {
    timers.registerProcessingTimeTimer(at);
    purgeAt.update(at);
  }

  /** As Flink's state TTL: an id passed at {@code at} is forgotten from {@code at + ttl} on. */
  private boolean expired(long at, long now) {
    return now - at >= ttl.toMillis();
  }

  /** The key: the patient (PID-3-1); messages without one (or unparseable) by their own id. */
  static String key(Parsed p) {
    if (p.error != null) return "\u0000invalid";
    if (p.patientId != null && !p.patientId.isEmpty()) return "P\u0001" + p.patientId;
    return "M\u0001" + p.resendKey();
  }

  /** The SHA-256 of the resend id's UTF-8 bytes (the first 16 bytes are kept). */
  static byte[] digest(MessageDigest sha256, String resendKey) {
    return sha256.digest(resendKey.getBytes(StandardCharsets.UTF_8));
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
