package io.vitalflow.flink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
  private transient MapState<Long, Long> seen;
  private transient MessageDigest sha256;
  private transient Counter resends;

  ResendFilter(Duration ttl) {
    this.ttl = ttl;
  }

  @Override
  public void open(OpenContext openContext) {
    MapStateDescriptor<Long, Long> d =
        new MapStateDescriptor<>("seen-message-id-digests", Long.class, Long.class);
    d.enableTimeToLive(
        StateTtlConfig.newBuilder(ttl)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    seen = getRuntimeContext().getMapState(d);
    sha256 = newSha256();
    resends = getRuntimeContext().getMetricGroup().counter("resendsDropped");
  }

  @Override
  public void processElement(Parsed p, Context ctx, Collector<Parsed> out) throws Exception {
    ByteBuffer digest = ByteBuffer.wrap(digest(sha256, p.resendKey()));
    Long high = digest.getLong();
    long low = digest.getLong();
    Long remembered = seen.get(high);
    if (remembered != null && remembered == low) {
      resends.inc();
      return;
    }
    seen.put(high, low);
    out.collect(p);
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
