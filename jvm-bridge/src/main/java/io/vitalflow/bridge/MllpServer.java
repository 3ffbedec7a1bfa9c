package io.vitalflow.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The native MLLP server (Rust crate {@code vitalflow-mllp}) driven from Java: it accepts MLLP
 * connections, frames and classifies each message, and holds its ACK until Java reports the write
 * durable ({@link #ack}: AA, or AR for invalid input kept on the invalid topic) or failed ({@link
 * #fail}: AE). The ACK timeout answers AE on its own. Replies on a connection keep the order of its
 * messages.
 *
 * <p>Thread-safe. A native handle: {@link #close()} it (no finalizer, no cleaner); closing answers
 * AE for everything unsettled and stops listening. Calls after close throw {@link
 * IllegalArgumentException}.
 */
public final class MllpServer implements AutoCloseable {
  static {
    NativeBridge.ensureLoaded();
  }

  private final long handle;
  private final int port;
  private volatile boolean closed;

  private MllpServer(long handle) {
    this.handle = handle;
    this.port = port0(handle);
  }

  /**
   * Starts a server (listening before this returns).
   *
   * @throws MllpServerException (an {@link IllegalArgumentException}) for a bad setting (the
   *     message names it), a port that cannot be bound, or unreadable TLS files; its {@link
   *     MllpServerException#kind() kind} says which
   */
  public static MllpServer start(Config config) {
    return new MllpServer(start0(config.toText()));
  }

  /** The port listened on (useful with port 0). */
  public int port() {
    return port;
  }

  /**
   * Up to {@code max} received messages, waiting up to {@code timeout} for the first; empty on
   * timeout or once closed.
   */
  public List<Received> pollBatch(int max, Duration timeout) {
    byte[] raw = poll0(handle, max, Math.max(0, timeout.toMillis()));
    return decode(raw);
  }

  /** Message {@code id} is durable: release its ACK. False if it was already settled. */
  public boolean ack(long id) {
    return ack0(handle, id);
  }

  /** Message {@code id} could not be written: answer AE with {@code reason} (no patient data). */
  public boolean fail(long id, String reason) {
    return fail0(handle, id, reason);
  }

  /** The server's counters. */
  public Stats stats() {
    Envelope e = Envelope.open(stats0(handle), Envelope.Kind.MLLP_STATS);
    int n = e.count(8);
    if (n < STATS) {
      throw new IllegalStateException("MLLP stats: " + n + " counters, expected " + STATS);
    }
    long[] v = new long[STATS];
    for (int i = 0; i < v.length; i++) {
      v[i] = e.i64();
    }
    return new Stats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]);
  }

  /** The counters {@link Stats} holds; a newer library may send more, which are ignored. */
  private static final int STATS = 12;

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      close0(handle);
    }
  }

  static List<Received> decode(byte[] raw) {
    Envelope e = Envelope.open(raw, Envelope.Kind.MLLP_BATCH);
    // an entry is at least its two i64s, four lengths, a header count and an error length
    int n = e.count(8 + 8 + 4 * 4 + 4 + 4);
    if (n == 0) {
      return List.of();
    }
    List<Received> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long id = e.i64();
      Instant receivedAt = Instant.ofEpochMilli(e.i64());
      String topic = e.str();
      String controlId = e.str();
      byte[] key = e.bytes();
      byte[] value = e.bytes();
      int h = e.count(4 + 4);
      Map<String, byte[]> headers = new LinkedHashMap<>();
      for (int j = 0; j < h; j++) {
        headers.put(e.str(), e.bytes());
      }
      String error = e.str();
      out.add(
          new Received(
              id,
              receivedAt,
              topic,
              controlId,
              key,
              value,
              Collections.unmodifiableMap(headers),
              error));
    }
    return out;
  }

  /**
   * One received message. {@code value} is the bytes as received; {@code error} is non-null for
   * invalid input (then {@code topic} is the invalid topic). {@code toString} names the control id
   * only, never message content.
   */
  public record Received(
      long id,
      Instant receivedAt,
      String topic,
      String controlId,
      byte[] key,
      byte[] value,
      Map<String, byte[]> headers,
      String error) {
    public boolean invalid() {
      return error != null;
    }

    /** A header as UTF-8 text, or null. */
    public String header(String name) {
      byte[] v = headers.get(name);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "Received[id="
          + id
          + ", controlId="
          + controlId
          + ", topic="
          + topic
          + (error != null ? ", invalid" : "")
          + "]";
    }
  }

  /** Counters since start; ACK latency is from a frame's arrival to its reply. */
  public record Stats(
      long connectionsOpen,
      long connectionsTotal,
      long received,
      long bytes,
      long accepted,
      long rejected,
      long errors,
      long duplicates,
      long ackMicrosTotal,
      long ackCount,
      long ackMicrosMax,
      long unsettled) {}

  /** Server settings; the defaults are the Rust server's. */
  public static final class Config {
    private final Map<String, String> values = new LinkedHashMap<>();

    public Config listen(String host, int port) {
      return set("listen", host + ":" + port);
    }

    public Config maxFrameBytes(long v) {
      return set("max.frame.bytes", Long.toString(v));
    }

    public Config idleTimeout(Duration d) {
      return set("idle.timeout.ms", Long.toString(d.toMillis()));
    }

    public Config ackTimeout(Duration d) {
      return set("ack.timeout.ms", Long.toString(d.toMillis()));
    }

    public Config dedupeWindow(Duration d) {
      return set("dedupe.window.ms", Long.toString(d.toMillis()));
    }

    public Config maxInFlight(int v) {
      return set("max.in.flight", Integer.toString(v));
    }

    public Config maxConnections(int v) {
      return set("max.connections", Integer.toString(v));
    }

    public Config threads(int v) {
      return set("threads", Integer.toString(v));
    }

    public Config topics(String topic, String invalidTopic) {
      set("topic", topic);
      return set("invalid.topic", invalidTopic);
    }

    public Config source(String v) {
      return set("source", v);
    }

    /** {@code patient_id}, {@code control_id} or {@code none}. */
    public Config keyStrategy(String v) {
      return set("key.strategy", v);
    }

    /** TLS from PEM files; {@code clientCa} non-null requires client certificates. */
    public Config tls(String certChain, String privateKey, String clientCa) {
      set("tls.cert.chain", Objects.requireNonNull(certChain, "certChain"));
      set("tls.private.key", Objects.requireNonNull(privateKey, "privateKey"));
      return clientCa == null ? this : set("tls.client.ca", clientCa);
    }

    private Config set(String k, String v) {
      if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
        throw new IllegalArgumentException(k + " must not contain a line break");
      }
      values.put(k, v);
      return this;
    }

    String toText() {
      StringBuilder sb = new StringBuilder();
      values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
      return sb.toString();
    }
  }

  private static native long start0(String config);

  private static native int port0(long handle);

  private static native byte[] poll0(long handle, int max, long timeoutMillis);

  private static native boolean ack0(long handle, long id);

  private static native boolean fail0(long handle, long id, String reason);

  private static native byte[] stats0(long handle);

  private static native void close0(long handle);
}
