//! Natives of `io.vitalflow.bridge.PatientStream`: the per-patient streaming
//! rules of `vitalflow-scoring` (`alerts::apply_all`, `tick`, `set_spo2_scale`)
//! over a patient state that the caller keeps as bytes (the binary form of
//! `vitalflow_scoring::wire`, which also reads the JSON earlier versions kept),
//! e.g. in Flink keyed state.
//!
//! The rules run here, in Rust, exactly as `vitalflow score` runs them: a
//! message's vital-sign rows become observations, applied as one step at the
//! message's newest observation time. Java only stores the state and reads the
//! result.
//!
//! # Result encoding (an envelope of kind 2, `StepResult`; `vitalflow-envelope`)
//!
//! After the envelope's header (`V`, `F`, version 1, kind 2), in this order:
//!
//! ```text
//! u8  stepped       1 when the rules ran (0: no scoreable row or no patient id)
//! i64 now           the patient's clock after the step (i64::MIN when none)
//! str patient_id    the message's PID-3-1 (null for tick/scale calls)
//! i32 len, bytes    the new state (`PatientState::to_bytes`, an envelope of kind 4)
//! u8  has_score     then, when 1:
//!     u8 total, str band, u8 complete, 7 x u8 subscores (255 missing), u8 missing mask,
//!     f64 resp_rate, f64 spo2, u8 spo2_scale, i8 oxygen (-1 unknown), f64 systolic,
//!     f64 pulse, str consciousness, f64 temperature          (NaN / null when missing)
//!     str score_id      (vitalflow_scoring::ids; null without a patient key)
//! i32 alert count, each:
//!     str kind, str severity, str band, i16 total (-1), str parameter, i16 rise (-1),
//!     f64 glucose_mg_dl (NaN), str glucose_status, i64 at, i64 observed_at, str message,
//!     str alert_id, str score_id (of the score that raised it; null for glucose alerts)
//! i32 ignored observations
//! i32 out-of-order readings (older than the value kept: changed nothing)
//! i32 stale readings (already outside the freshness window: changed nothing)
//! u8  not scored     1 when MSH-11 is a processing id the rules do not score
//! i32 clock errors   rows scored at their receipt time (wrong device clock)
//! ```
//! `str` and the state's bytes are an i32 byte length (-1 for null) and the bytes
//! (the envelope's `str` and `bytes`); counts are the envelope's `count`.

use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jint, jlong};
use jni::{Env, EnvUnowned};
use vitalflow_envelope::{Kind, Writer};
use vitalflow_scoring::alerts::{self, Ignored, PatientState, StreamConfig, Update};
use vitalflow_scoring::ids;
use vitalflow_scoring::news2::{Parameter, Spo2Scale};
use vitalflow_scoring::observation::patient_rows;
use vitalflow_scoring::wire::{self, PatientRows};

use crate::error::ThrowJava;
use crate::{options, BridgeError};
use vitalflow_ffi::convert;

/// `static native byte[] step0(byte[] state, byte[] message, String patientId,
/// int spo2Scale, long freshnessMs, long options, long receivedAtMillis,
/// boolean scoreTraining)`: applies one message's rows of one patient (null:
/// the first patient), received at `receivedAtMillis` (`Long.MIN_VALUE`: MSH-7
/// stands in). `state` null starts a patient on `spo2Scale`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_PatientStream_step0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    state: JByteArray<'caller>,
    message: JByteArray<'caller>,
    patient: JString<'caller>,
    spo2_scale: jint,
    freshness_ms: jlong,
    options: jlong,
    received_at_millis: jlong,
    score_training: jni::sys::jboolean,
) -> JByteArray<'caller> {
    env.with_env(|env| {
        step_impl(
            env,
            &state,
            &message,
            &patient,
            spo2_scale,
            freshness_ms,
            options,
            received_at_millis,
            score_training,
        )
    })
    .resolve::<ThrowJava>()
}

/// `static native byte[] stepRows0(byte[] state, byte[] rows, String patientId,
/// int spo2Scale, long freshnessMs, long options, boolean scoreTraining)`: one
/// patient's part of a message as `MessageView` gave it (an envelope of kind 3,
/// `vitalflow_scoring::wire::write_rows`), applied by [`step_rows`] without
/// reading the message again. Same result as `step0`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_PatientStream_stepRows0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    state: JByteArray<'caller>,
    rows: JByteArray<'caller>,
    patient: JString<'caller>,
    spo2_scale: jint,
    freshness_ms: jlong,
    options: jlong,
    score_training: jni::sys::jboolean,
) -> JByteArray<'caller> {
    env.with_env(|env| {
        step_rows_impl(
            env,
            &state,
            &rows,
            &patient,
            spo2_scale,
            freshness_ms,
            options,
            score_training,
        )
    })
    .resolve::<ThrowJava>()
}

#[allow(clippy::too_many_arguments)] // mirrors the Java signature
fn step_rows_impl<'local>(
    env: &mut Env<'local>,
    state: &JByteArray<'_>,
    rows: &JByteArray<'_>,
    patient: &JString<'_>,
    spo2_scale: i32,
    freshness_ms: i64,
    options: i64,
    score_training: bool,
) -> Result<JByteArray<'local>, BridgeError> {
    let scale = scale(spo2_scale)?;
    let options = options::by_id(options)?;
    let config = site_config(freshness_ms, &options, score_training)?;
    let patient = convert::opt_string(env, patient)?
        .ok_or_else(|| BridgeError::Argument("patientId is null".into()))?;
    let rows = convert::with_bytes(env, rows, "rows", |b| {
        wire::read_rows(b).map_err(BridgeError::Argument)
    })?;
    let mut st = read_state(env, state, scale)?;
    let result = step_rows(&mut st, &rows, &patient, &config);
    convert::new_byte_array(env, |out| {
        put_result(out, &result, &st);
        Ok(())
    })
}

/// `static native byte[] setScale0(byte[] state, int spo2Scale, long freshnessMs,
/// String patientId)`: sets the patient's SpO2 scale at the patient's own clock
/// (no clock: just stored for the first step). `patientId` (the stream's key;
/// null: none) names the ids of what it emits.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_PatientStream_setScale0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    state: JByteArray<'caller>,
    spo2_scale: jint,
    freshness_ms: jlong,
    patient: JString<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| set_scale_impl(env, &state, spo2_scale, freshness_ms, &patient))
        .resolve::<ThrowJava>()
}

/// `static native byte[] tick0(byte[] state, long nowMillis, long freshnessMs,
/// String patientId)`: re-evaluates at `nowMillis` without an observation
/// (values expire); `patientId` as for `setScale0`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_PatientStream_tick0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    state: JByteArray<'caller>,
    now_millis: jlong,
    freshness_ms: jlong,
    patient: JString<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| tick_impl(env, &state, now_millis, freshness_ms, &patient))
        .resolve::<ThrowJava>()
}

/// `static native long discardableAfter0(long clock)`: the event time from which
/// a state whose clock is `clock` can no longer affect anything (a step at or
/// after it starts the patient over: `PatientState::discardable_after`);
/// `Long.MIN_VALUE` for a state without a clock.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_PatientStream_discardableAfter0<'caller>(
    _env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    clock: jlong,
) -> jlong {
    discardable_after(clock)
}

/// [`Java_io_vitalflow_bridge_PatientStream_discardableAfter0`] (no JNI calls, cannot fail).
pub fn discardable_after(clock: i64) -> i64 {
    let state = PatientState {
        clock: Some(clock).filter(|&c| c != i64::MIN),
        ..PatientState::default()
    };
    state
        .discardable_after(&StreamConfig::default())
        .unwrap_or(i64::MIN)
}

/// A receipt time from Java: `Long.MIN_VALUE` is none.
pub fn received_at(millis: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    if millis == i64::MIN {
        return None;
    }
    chrono::DateTime::from_timestamp_millis(millis)
}

/// The rules' configuration for a site (`options`: its glucose thresholds).
fn site_config(
    freshness_ms: i64,
    options: &vitalflow_core::ExtractOptions,
    score_training: bool,
) -> Result<StreamConfig, BridgeError> {
    let mut c = config(freshness_ms)?;
    c.glucose = options.glucose;
    if score_training {
        c.scored_processing_ids.push("T".to_string());
    }
    Ok(c)
}

fn config(freshness_ms: i64) -> Result<StreamConfig, BridgeError> {
    if freshness_ms <= 0 {
        return Err(BridgeError::Argument(format!(
            "freshness must be positive, not {freshness_ms} ms"
        )));
    }
    Ok(StreamConfig {
        freshness_ms,
        ..StreamConfig::default()
    })
}

fn scale(n: i32) -> Result<Spo2Scale, BridgeError> {
    u8::try_from(n)
        .ok()
        .and_then(Spo2Scale::from_number)
        .ok_or_else(|| BridgeError::Argument(format!("SpO2 scale must be 1 or 2, not {n}")))
}

fn read_state(
    env: &Env<'_>,
    state: &JByteArray<'_>,
    default_scale: Spo2Scale,
) -> Result<PatientState, BridgeError> {
    if state.is_null() {
        return Ok(PatientState::new(default_scale));
    }
    convert::with_bytes(env, state, "state", |b| {
        // the binary state (vitalflow_scoring::wire), or the JSON that versions before it kept
        PatientState::from_bytes(b).map_err(BridgeError::Argument)
    })
}

#[allow(clippy::too_many_arguments)] // mirrors the Java signature
fn step_impl<'local>(
    env: &mut Env<'local>,
    state: &JByteArray<'_>,
    message: &JByteArray<'_>,
    patient: &JString<'_>,
    spo2_scale: i32,
    freshness_ms: i64,
    options: i64,
    received_at_millis: i64,
    score_training: bool,
) -> Result<JByteArray<'local>, BridgeError> {
    let scale = scale(spo2_scale)?;
    let options = options::by_id(options)?;
    let config = site_config(freshness_ms, &options, score_training)?;
    let patient = convert::opt_string(env, patient)?;
    let mut st = read_state(env, state, scale)?;
    let received = received_at(received_at_millis);
    let result = convert::with_bytes(env, message, "message", |m| {
        Ok::<_, BridgeError>(step(
            &mut st,
            m,
            patient.as_deref(),
            received,
            &options,
            &config,
        )?)
    })?;
    convert::new_byte_array(env, |out| {
        put_result(out, &result, &st);
        Ok(())
    })
}

/// What one message did to a patient.
#[derive(Debug, Default)]
pub struct Step {
    pub stepped: bool,
    pub patient_id: Option<String>,
    /// The stream's key for this patient, which the ids of the emitted score and
    /// alerts name (`vitalflow_scoring::ids`); None: no ids.
    pub key: Option<String>,
    pub update: Update,
    /// The message's MSH-11 is not scored (training or debugging).
    pub not_scored_processing_id: bool,
    /// The patient's rows scored at their receipt time (wrong device clock).
    pub clock_errors: usize,
}

/// Applies one message's rows for one patient to `state`, as `vitalflow score`
/// does: that patient's rows (PID-3-1; `patient` None: the first patient with
/// a scoreable row) become observations ([`patient_rows`], the grouping the
/// parse-once view hands the job too), applied as one step by [`step_rows`].
/// A row with a wrong device clock is scored at `received` (None: MSH-7). A
/// message without a scoreable row for the patient, or whose MSH-11 is not
/// scored, changes nothing.
pub fn step(
    state: &mut PatientState,
    message: &[u8],
    patient: Option<&str>,
    received: Option<chrono::DateTime<chrono::Utc>>,
    options: &vitalflow_core::vitals::ExtractOptions,
    config: &StreamConfig,
) -> Result<Step, vitalflow_core::Hl7Error> {
    let msg = crate::parse_message(message)?;
    let x =
        vitalflow_core::vitals::extract_rows_received(&msg, options, received)?.into_extraction();
    let parts = patient_rows(&x.rows);
    let found = match patient {
        Some(p) => parts.iter().find(|(id, _)| *id == p),
        None => parts.iter().find(|(_, rows)| !rows.observations.is_empty()),
    };
    match found {
        Some((pid, rows)) => Ok(step_rows(state, rows, pid, config)),
        // not scored whatever the patient: the message's MSH-11 decides
        None => Ok(Step {
            not_scored_processing_id: x
                .rows
                .first()
                .is_some_and(|r| !config.scores_processing_id(r.processing_id.as_deref())),
            ..Step::default()
        }),
    }
}

/// Applies one patient's part of one message (`rows`, as
/// [`patient_rows`] made it at parse time: no message is read here) to
/// `state`, the patient being `patient` (the stream's key): one step of
/// `alerts::step`. Rows whose MSH-11 is not scored, or that score nothing,
/// change nothing.
pub fn step_rows(
    state: &mut PatientState,
    rows: &PatientRows,
    patient: &str,
    config: &StreamConfig,
) -> Step {
    if !config.scores_processing_id(rows.processing_id.as_deref()) {
        return Step {
            not_scored_processing_id: true,
            ..Step::default()
        };
    }
    if rows.observations.is_empty() {
        return Step::default();
    }
    let update = alerts::step(state, &rows.observations, config);
    Step {
        stepped: true,
        patient_id: Some(patient.to_string()),
        // the rows are this patient's (PID-3-1, the stream's key)
        key: Some(patient.to_string()),
        update,
        not_scored_processing_id: false,
        clock_errors: usize::try_from(rows.clock_errors).unwrap_or(usize::MAX),
    }
}

fn set_scale_impl<'local>(
    env: &mut Env<'local>,
    state: &JByteArray<'_>,
    spo2_scale: i32,
    freshness_ms: i64,
    patient: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let key = convert::opt_string(env, patient)?;
    let config = config(freshness_ms)?;
    let scale = scale(spo2_scale)?;
    let mut st = read_state(env, state, scale)?;
    let update = match st.clock {
        // nothing measured yet: the scale is kept for the first step
        None => {
            st.spo2_scale = scale;
            Update::default()
        }
        Some(clock) => alerts::set_spo2_scale(&mut st, scale, clock, &config),
    };
    let result = Step {
        stepped: true,
        patient_id: None,
        key,
        update,
        ..Step::default()
    };
    convert::new_byte_array(env, |out| {
        put_result(out, &result, &st);
        Ok(())
    })
}

fn tick_impl<'local>(
    env: &mut Env<'local>,
    state: &JByteArray<'_>,
    now_millis: i64,
    freshness_ms: i64,
    patient: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let key = convert::opt_string(env, patient)?;
    let config = config(freshness_ms)?;
    let mut st = read_state(env, state, Spo2Scale::Scale1)?;
    let update = alerts::tick(&mut st, now_millis, &config);
    let result = Step {
        stepped: true,
        patient_id: None,
        key,
        update,
        ..Step::default()
    };
    convert::new_byte_array(env, |out| {
        put_result(out, &result, &st);
        Ok(())
    })
}

fn param_bit(p: Parameter) -> u8 {
    let i = Parameter::ALL.iter().position(|q| *q == p).unwrap_or(0);
    1u8 << i
}

/// Encodes a step's result and the new state (see the module docs).
pub fn put_result(out: &mut Vec<u8>, step: &Step, state: &PatientState) {
    let key = step.key.as_deref();
    // only when something is emitted that carries it: most steps emit nothing
    let emits_score_id =
        step.update.score.is_some() || step.update.alerts.iter().any(|a| a.band.is_some());
    let score_id = key
        .zip(state.clock)
        .filter(|_| emits_score_id)
        .map(|(k, c)| ids::score_id(k, c));
    let mut w = Writer::new(out, Kind::StepResult);
    w.bool(step.stepped)
        .i64(state.clock.unwrap_or(i64::MIN))
        .str(step.patient_id.as_deref())
        .bytes_with(|b| state.to_bytes(b));
    match (&step.update.score, &state.last_input) {
        (Some(s), Some(input)) => {
            w.bool(true)
                .u8(s.total)
                .str(Some(s.band.as_str()))
                .bool(s.complete);
            for p in Parameter::ALL {
                w.u8(s.subscores.get(p).unwrap_or(u8::MAX));
            }
            let letter = input.consciousness.map(|c| c.letter().to_string());
            w.u8(s.missing.iter().fold(0u8, |m, p| m | param_bit(*p)))
                .opt_f64(input.resp_rate)
                .opt_f64(input.spo2)
                .u8(input.spo2_scale.number())
                .u8(match input.oxygen {
                    None => u8::MAX,
                    Some(false) => 0,
                    Some(true) => 1,
                })
                .opt_f64(input.systolic)
                .opt_f64(input.pulse)
                .str(letter.as_deref())
                .opt_f64(input.temperature)
                .str(score_id.as_deref());
        }
        _ => {
            w.bool(false);
        }
    }
    w.count(step.update.alerts.len());
    for a in &step.update.alerts {
        w.str(Some(a.kind.as_str()))
            .str(Some(a.severity.as_str()))
            .str(a.band.map(|b| b.as_str()))
            .i16(a.total.map_or(-1i16, i16::from))
            .str(a.parameter.map(|p| p.as_str()))
            .i16(a.rise.map_or(-1i16, i16::from))
            .opt_f64(a.glucose_mg_dl)
            .str(a.glucose_status.map(|g| g.as_str()))
            .i64(a.at)
            .i64(a.observed_at)
            .str(Some(&a.message))
            .str(key.map(|k| ids::alert_id(k, a)).as_deref())
            .str(a.band.and(score_id.as_deref()));
    }
    let count = |why: Ignored| step.update.ignored.iter().filter(|i| **i == why).count();
    let n = |c: usize| i32::try_from(c).unwrap_or(i32::MAX);
    w.i32(n(step.update.ignored.len()))
        .i32(n(count(Ignored::OutOfOrder)))
        .i32(n(count(Ignored::Stale)))
        .bool(step.not_scored_processing_id)
        .i32(n(step.clock_errors));
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORU: &[u8] = b"MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C1|P|2.6\r\
PID|||P1\r\
OBR|1||||||20261120060000\r\
OBX|1|NM|9279-1^Resp^LN||26|/min|||||F\r\
OBX|2|NM|59408-5^SpO2^LN||90|%|||||F\r";

    #[test]
    fn a_state_is_discardable_24_hours_and_1_ms_after_its_clock() {
        assert_eq!(discardable_after(1_000), 1_000 + 24 * 3_600_000 + 1);
        assert_eq!(discardable_after(i64::MIN), i64::MIN);
        assert_eq!(discardable_after(i64::MAX), i64::MAX);
    }

    #[test]
    fn a_message_steps_the_rules_and_the_state_round_trips() {
        let mut st = PatientState::new(Spo2Scale::Scale1);
        let opts = vitalflow_core::vitals::ExtractOptions::default();
        let cfg = StreamConfig::default();
        let s = step(&mut st, ORU, None, None, &opts, &cfg).unwrap();
        assert!(s.stepped);
        assert_eq!(s.patient_id.as_deref(), Some("P1"));
        let score = s.update.score.clone().expect("a first score");
        // resp 26 -> 3, SpO2 90 on scale 1 -> 3
        assert_eq!(score.total, 6);
        assert!(!s.update.alerts.is_empty());
        let mut out = Vec::new();
        put_result(&mut out, &s, &st);
        assert_eq!(&out[..4], b"VF\x01\x02", "a step result envelope");
        assert_eq!(out[4], 1);
        let back = PatientState::from_json(&st.to_json()).unwrap();
        assert_eq!(back, st);
        // the state in the result is the binary form, which reads back the same
        let p = 4 + 1 + 8 + 4 + 2 + 4; // header, stepped, now, patient_id "P1" (i32 + 2 bytes), length
        let len = i32::from_le_bytes(out[p - 4..p].try_into().unwrap()) as usize;
        assert_eq!(&out[p..p + 2], b"VF");
        assert_eq!(PatientState::from_bytes(&out[p..p + len]).unwrap(), st);
        // the same message again changes nothing
        let again = step(&mut st, ORU, Some("P1"), None, &opts, &cfg).unwrap();
        assert!(again.update.score.is_none());
        assert!(again.update.alerts.is_empty());
    }

    #[test]
    fn a_message_without_vitals_does_not_step() {
        let mut st = PatientState::new(Spo2Scale::Scale1);
        let adt = b"MSH|^~\\&|EHR|HOSP|VF|HOSP|20261120060000||ADT^A01|C2|P|2.6\rPID|||P1\r";
        let s = step(
            &mut st,
            adt,
            None,
            None,
            &vitalflow_core::vitals::ExtractOptions::default(),
            &StreamConfig::default(),
        )
        .unwrap();
        assert!(!s.stepped);
        assert_eq!(st, PatientState::new(Spo2Scale::Scale1));
    }
}
