package io.vitalflow.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The per-patient streaming rules of the Rust core (latest values within the freshness window,
 * NEWS2 when the scored set changes, alerts once per condition) over a patient state that the
 * caller keeps as bytes, e.g. in Flink keyed state. The rules run in Rust, the same code as {@code
 * vitalflow score}: there is no Java copy of them.
 *
 * <p>A state of {@code null} is a new patient. Each call returns the new state, which the caller
 * stores in place of the old one. Thread-safe (no shared mutable state).
 */
public final class PatientStream {
  static {
    NativeBridge.ensureLoaded();
  }

  /** The default freshness window of the contract (60 minutes). */
  public static final Duration DEFAULT_FRESHNESS = Duration.ofMinutes(60);

  private static final News2Parameter[] PARAMETERS = News2Parameter.values();

  private PatientStream() {}

  /**
   * Applies one message's rows of one patient as one step, as {@code vitalflow score} does: the
   * patient's vital-sign rows (PID-3-1 = {@code patientId}; null: the first patient with a
   * scoreable row) become observations and the clock moves to their newest observation time. A
   * message without a scoreable row for the patient changes nothing ({@link Result#stepped()}
   * false).
   *
   * @param state the patient's state, null for a new patient
   * @param spo2Scale the scale a new patient starts on (1 or 2); ignored when {@code state} is
   *     given
   * @throws Hl7Exception if the message cannot be parsed
   */
  public static Result step(
      byte[] state,
      byte[] message,
      String patientId,
      int spo2Scale,
      Duration freshness,
      ExtractOptions options) {
    return step(state, message, patientId, spo2Scale, freshness, options, null, false);
  }

  /**
   * {@link #step(byte[], byte[], String, int, Duration, ExtractOptions)} for a message received at
   * {@code receivedAt} (the {@code hl7.received_at} header; null: MSH-7 stands in). A row observed
   * more than the site's clock tolerance after its receipt has a wrong device clock and is scored
   * at the receipt time. Only MSH-11 {@code P} messages are scored, and {@code T} with {@code
   * scoreTraining}; any other gives {@link Result#notScoredProcessingId()}.
   */
  public static Result step(
      byte[] state,
      byte[] message,
      String patientId,
      int spo2Scale,
      Duration freshness,
      ExtractOptions options,
      java.time.Instant receivedAt,
      boolean scoreTraining) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(options, "options");
    long received = receivedAt == null ? Long.MIN_VALUE : receivedAt.toEpochMilli();
    return decode(
        step0(
            state,
            message,
            patientId,
            spo2Scale,
            freshness.toMillis(),
            options.id(),
            received,
            scoreTraining));
  }

  /**
   * One patient's part of a message as {@link MessageView#patientRows} gave it, applied without
   * reading the message again: the same result as {@link #step(byte[], byte[], String, int,
   * Duration, ExtractOptions, java.time.Instant, boolean)} of the message for that patient (the
   * receipt time and the site's clock tolerance were applied when the view was read).
   *
   * @param patientId the patient (PID-3-1, the stream's key); not null
   */
  public static Result stepRows(
      byte[] state,
      byte[] rows,
      String patientId,
      int spo2Scale,
      Duration freshness,
      ExtractOptions options,
      boolean scoreTraining) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(patientId, "patientId");
    Objects.requireNonNull(options, "options");
    return decode(
        stepRows0(
            state, rows, patientId, spo2Scale, freshness.toMillis(), options.id(), scoreTraining));
  }

  /**
   * {@link #step(byte[], byte[], String, int, Duration, ExtractOptions)} with UTC and the built-in
   * codes.
   */
  public static Result step(
      byte[] state, byte[] message, String patientId, int spo2Scale, Duration freshness) {
    return step(state, message, patientId, spo2Scale, freshness, ExtractOptions.DEFAULT);
  }

  /**
   * Sets the patient's SpO2 scale (1 or 2) at the patient's own clock; a change re-scores the set.
   * A patient with nothing measured yet just keeps the scale for its first step.
   */
  public static Result setSpo2Scale(byte[] state, int spo2Scale, Duration freshness) {
    return setSpo2Scale(state, spo2Scale, freshness, null);
  }

  /**
   * {@link #setSpo2Scale(byte[], int, Duration)} for the patient {@code patientId} (the stream's
   * key), which names the {@code scoreId} and {@code alertId} of what it emits (null: no ids).
   */
  public static Result setSpo2Scale(
      byte[] state, int spo2Scale, Duration freshness, String patientId) {
    return decode(setScale0(state, spo2Scale, freshness.toMillis(), patientId));
  }

  /**
   * Re-evaluates at {@code nowMillis} without an observation: values that expired leave the set.
   */
  public static Result tick(byte[] state, long nowMillis, Duration freshness) {
    return tick(state, nowMillis, freshness, null);
  }

  /**
   * {@link #tick(byte[], long, Duration)} for the patient {@code patientId} (the stream's key),
   * which names the ids of what it emits (null: no ids).
   */
  public static Result tick(byte[] state, long nowMillis, Duration freshness, String patientId) {
    Objects.requireNonNull(state, "state");
    return decode(tick0(state, nowMillis, freshness.toMillis(), patientId));
  }

  /**
   * The event time from which a patient state whose clock is {@code clock} can no longer affect
   * anything: a step at or after it starts the patient over, keeping only the SpO2 scale (the
   * contract's idle rule, 24 hours after the clock). A stream processor may drop the state once its
   * watermark reaches this time. {@link Long#MIN_VALUE} for {@code Long.MIN_VALUE} (no clock yet).
   */
  public static long discardableAfter(long clock) {
    return discardableAfter0(clock);
  }

  /**
   * What one call did.
   *
   * @param stepped false when the message had no scoreable row or no patient id (nothing changed)
   * @param clock the patient's clock after the call, epoch ms; {@link Long#MIN_VALUE} when none yet
   * @param patientId the message's PID-3-1 (null for {@code setSpo2Scale} and {@code tick})
   * @param state the new state to store
   * @param score the new score, when the scored set changed; else null
   * @param alerts the alerts that fired, each once
   * @param ignored how many observations changed nothing (out of order, stale, ...)
   * @param outOfOrder of those, how many were older than the value kept
   * @param stale of those, how many were already outside the freshness window
   * @param notScoredProcessingId the message's MSH-11 is not scored (training, debugging)
   * @param clockErrors the patient's rows scored at their receipt time (wrong device clock)
   */
  public record Result(
      boolean stepped,
      long clock,
      String patientId,
      byte[] state,
      Score score,
      List<Alert> alerts,
      int ignored,
      int outOfOrder,
      int stale,
      boolean notScoredProcessingId,
      int clockErrors) {}

  /**
   * A NEWS2 score emitted by the rules, with the scored set it was computed from (null where
   * missing).
   *
   * @param consciousness A, C, V, P or U, or null
   * @param oxygen true on oxygen, false on air, null unknown
   * @param scoreId the score's natural key, computed by the Rust rules ({@code
   *     vitalflow_scoring::ids}): {@code <patient>@<clock, epoch micros>}; null when the call named
   *     no patient
   */
  public record Score(
      int total,
      String band,
      boolean complete,
      Map<News2Parameter, Integer> subscores,
      Set<News2Parameter> missing,
      Double respRate,
      Double spo2,
      int spo2Scale,
      Boolean oxygen,
      Double systolic,
      Double pulse,
      String consciousness,
      Double temperature,
      String scoreId) {}

  /**
   * An alert. {@code kind} is the contract name ({@code BAND_ESCALATION}, {@code
   * SINGLE_PARAMETER_3}, {@code NEWS2_RISE}, {@code GLUCOSE_HYPO_L1}, {@code GLUCOSE_HYPO_L2});
   * {@code band} and {@code total} are null for glucose alerts; {@code parameter} the subscore name
   * for single-parameter alerts. {@code at} is when the rule fired, {@code observedAt} when the
   * triggering value was observed (epoch ms). The message names values, never the patient. {@code
   * alertId} ({@code <patient>@<kind>[:<parameter>]@<at, epoch micros>}) and {@code scoreId} (of
   * the score that raised it; null for glucose alerts) are computed by the Rust rules ({@code
   * vitalflow_scoring::ids}); both null when the call named no patient.
   */
  public record Alert(
      String kind,
      String severity,
      String band,
      Integer total,
      String parameter,
      Integer rise,
      Double glucoseMgDl,
      String glucoseStatus,
      long at,
      long observedAt,
      String message,
      String alertId,
      String scoreId) {}

  static Result decode(byte[] bytes) {
    Envelope b = Envelope.open(bytes, Envelope.Kind.STEP_RESULT);
    boolean stepped = b.bool();
    long clock = b.i64();
    String patientId = b.str();
    byte[] state = b.bytes();
    Score score = null;
    if (b.bool()) {
      int total = b.u8();
      String band = b.str();
      boolean complete = b.bool();
      Map<News2Parameter, Integer> subscores = new EnumMap<>(News2Parameter.class);
      for (News2Parameter p : PARAMETERS) {
        int s = b.u8();
        subscores.put(p, s == 0xff ? null : s);
      }
      int mask = b.u8();
      Set<News2Parameter> missing = EnumSet.noneOf(News2Parameter.class);
      for (int i = 0; i < PARAMETERS.length; i++) {
        if ((mask & (1 << i)) != 0) missing.add(PARAMETERS[i]);
      }
      Double resp = b.optF64();
      Double spo2 = b.optF64();
      int scale = b.u8();
      int oxy = b.u8();
      Boolean oxygen = oxy == 0xff ? null : oxy == 1;
      Double systolic = b.optF64();
      Double pulse = b.optF64();
      String consciousness = b.str();
      Double temperature = b.optF64();
      String scoreId = b.str();
      score =
          new Score(
              total,
              band,
              complete,
              Collections.unmodifiableMap(subscores),
              Collections.unmodifiableSet(missing),
              resp,
              spo2,
              scale,
              oxygen,
              systolic,
              pulse,
              consciousness,
              temperature,
              scoreId);
    }
    int n = b.count(8 * 4 + 2 * 2 + 3 * 8); // 8 strings, 2 i16, an f64 and 2 i64 each
    List<Alert> alerts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String kind = b.str();
      String severity = b.str();
      String band = b.str();
      short total = b.i16();
      String parameter = b.str();
      short rise = b.i16();
      Double glucose = b.optF64();
      String glucoseStatus = b.str();
      long at = b.i64();
      long observedAt = b.i64();
      String message = b.str();
      String alertId = b.str();
      String alertScoreId = b.str();
      alerts.add(
          new Alert(
              kind,
              severity,
              band,
              total < 0 ? null : (int) total,
              parameter,
              rise < 0 ? null : (int) rise,
              glucose,
              glucoseStatus,
              at,
              observedAt,
              message,
              alertId,
              alertScoreId));
    }
    int ignored = b.i32();
    int outOfOrder = b.i32();
    int stale = b.i32();
    boolean notScored = b.bool();
    int clockErrors = b.i32();
    return new Result(
        stepped,
        clock,
        patientId,
        state,
        score,
        Collections.unmodifiableList(alerts),
        ignored,
        outOfOrder,
        stale,
        notScored,
        clockErrors);
  }

  private static native byte[] step0(
      byte[] state,
      byte[] message,
      String patientId,
      int spo2Scale,
      long freshnessMs,
      long options,
      long receivedAtMillis,
      boolean scoreTraining);

  private static native byte[] stepRows0(
      byte[] state,
      byte[] rows,
      String patientId,
      int spo2Scale,
      long freshnessMs,
      long options,
      boolean scoreTraining);

  private static native byte[] setScale0(
      byte[] state, int spo2Scale, long freshnessMs, String patientId);

  private static native long discardableAfter0(long clock);

  private static native byte[] tick0(
      byte[] state, long nowMillis, long freshnessMs, String patientId);
}
