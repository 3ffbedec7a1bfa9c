package io.vitalflow.flink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
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
 * while that id is remembered. Keyed by patient (see {@link #key}), so that a patient's messages
 * keep their order on the way to the per-patient rules; each patient has its own memory of ids.
 *
 * <p>An id is remembered for the TTL (processing time) from when it passed, and among the patient's
 * last {@code maxPerPatient} ids: a resend comes soon after its original (a sender resends what got
 * no ACK, after its ACK timeout or a reconnect), so the newest ids are the ones a resend can match.
 * The bound keeps the state a fixed size per patient whatever the rate: with the TTL alone, 2,000
 * messages/s for 24 h would be 170 million ids, and every checkpoint of the heap backend writes the
 * whole state (the pipeline benchmark's checkpoints grew by 3.7 MB per 100,000 messages).
 *
 * <p>A patient's ids are one {@code long[]}: {@code [count, (high, low, time) x count, spare...]},
 * oldest first, where {@code high} and {@code low} are a 128-bit digest of the id (SHA-256,
 * truncated) and {@code time} is when it passed. One array per patient is written to a checkpoint
 * as a block of longs, instead of an entry at a time. It is changed in place and then given back
 * with {@code update}: the heap backend copies a value that a running snapshot still reads before
 * handing it out (copy on write), and RocksDB stores what {@code update} is given. A purge timer
 * per patient, set for when its oldest id expires, forgets expired ids of patients that send
 * nothing more.
 */
class ResendFilter extends KeyedProcessFunction<String, Parsed, Parsed> {
  private static final long serialVersionUID = 1L;

  /** Longs per remembered id: digest high, digest low, time. */
  private static final int ENTRY = 3;

  /** Ids a patient's array holds before it grows (it doubles up to {@code maxPerPatient}). */
  private static final int INITIAL = 8;

  private final Duration ttl;
  private final int maxPerPatient;

  /** The patient's remembered ids (see the class comment for the layout). */
  private transient ValueState<long[]> recent;

  /** When this patient's purge timer fires, if one is set. */
  private transient ValueState<Long> purgeAt;

  private transient MessageDigest sha256;
  private transient Counter resends;

  ResendFilter(Duration ttl, int maxPerPatient) {
    if (maxPerPatient < 1)
      throw new IllegalArgumentException(
          JobOptions.DEDUP_MAX_PER_PATIENT.key() + " must be at least 1, got " + maxPerPatient);
    this.ttl = ttl;
    this.maxPerPatient = maxPerPatient;
  }

  @Override
  public void open(OpenContext openContext) {
    recent =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "recent-message-id-digests",
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
    long[] ids = recent.value();
    if (ids != null) {
      dropExpired(ids, now);
      int n = (int) ids[0];
      for (int i = 1; i <= n * ENTRY; i += ENTRY) {
        if (ids[i] == high && ids[i + 1] == low) {
          resends.inc();
          recent.update(ids);
          return;
        }
      }
    }
    recent.update(append(ids, high, low, now));
    if (purgeAt.value() == null) schedulePurge(ctx.timerService(), now + ttl.toMillis());
    out.collect(p);
  }

  /**
   * Forgets this patient's ids older than the TTL, and sets the next purge for when the oldest
   * remaining one expires (none when nothing is left, so an idle patient costs nothing).
   */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Parsed> out) throws Exception {
    long[] ids = recent.value();
    if (ids != null) dropExpired(ids, timestamp);
    if (ids == null || ids[0] == 0) {
      recent.clear();
      purgeAt.clear();
    } else {
      recent.update(ids);
      schedulePurge(ctx.timerService(), timeOf(ids, 0) + ttl.toMillis());
    }
  }

  /** Removes the expired ids at the front (the array is oldest first). */
  private void dropExpired(long[] ids, long now) {
    int n = (int) ids[0];
    int expiredCount = 0;
    while (expiredCount < n && expired(timeOf(ids, expiredCount), now)) expiredCount++;
    if (expiredCount == 0) return;
    System.arraycopy(ids, 1 + expiredCount * ENTRY, ids, 1, (n - expiredCount) * ENTRY);
    ids[0] = n - expiredCount;
  }

  /** When the {@code i}-th remembered id (0: the oldest) passed. */
  private static long timeOf(long[] ids, int i) {
    return ids[1 + i * ENTRY + 2];
  }

  /** Adds an id at the end: grows the array up to the bound, then forgets the oldest. */
  private long[] append(long[] ids, long high, long low, long now) {
    if (ids == null) ids = new long[1 + Math.min(INITIAL, maxPerPatient) * ENTRY];
    int n = (int) ids[0];
    int capacity = (ids.length - 1) / ENTRY;
    if (n == capacity) {
      if (capacity < maxPerPatient) {
        ids = Arrays.copyOf(ids, 1 + Math.min(capacity * 2, maxPerPatient) * ENTRY);
      } else {
        System.arraycopy(ids, 1 + ENTRY, ids, 1, (n - 1) * ENTRY);
        n--;
      }
    }
    int at = 1 + n * ENTRY;
    ids[at] = high;
    ids[at + 1] = low;
    ids[at + 2] = now;
    ids[0] = n + 1;
    return ids;
  }

  private void schedulePurge(TimerService timers, long at) throws Exception {
    timers.registerProcessingTimeTimer(at);
    purgeAt.update(at);
  }

  /** An id passed at {@code at} is forgotten from {@code at + ttl} on. */
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
