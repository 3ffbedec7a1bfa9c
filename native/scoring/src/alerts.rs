//! Alert rules applied per patient by the streaming job (and the CLI).
//!
//! Everything here is a pure function of a [`PatientState`], an
//! [`Observation`] and the caller's clock, so that the Flink job (over JNI,
//! keeping the state as serialised bytes) and the CLI behave identically.
//!
//! # Scored set
//!
//! - The state keeps, per NEWS2 parameter, the **latest** value and its
//!   observation time (epoch milliseconds). A reading older than the one kept
//!   never replaces it (out-of-order delivery); one with the same time does
//!   (the later delivery wins, so a redelivered duplicate changes nothing).
//! - A value is **fresh** while `now - observed_at <= freshness_ms` (default
//!   60 min). The fresh values, with the patient's SpO2 scale, form the
//!   scored set. FiO2 > 21 % or an O2 flow > 0 L/min means "on oxygen".
//! - Readings that are already stale on arrival, dated more than
//!   `max_future_ms` after `now` (a device clock gone wrong would otherwise
//!   block every later reading), or not finite are ignored, and
//!   [`Update::ignored`] says why.
//! - The caller's clock never goes backwards: the state remembers the latest
//!   `now` and uses the later of the two.
//! - A score is emitted when the scored set (the fresh values and the scale)
//!   differs from the last scored set. A value expiring is a change, so when
//!   everything has expired an all-missing score (total 0, `complete` false)
//!   is emitted once, and all NEWS2 alerts re-arm.
//!
//! # Alerts
//!
//! Each alert fires once when its condition becomes true and re-arms when
//! the condition is seen false again. A condition whose data has gone
//! missing is *not* seen false (a value expiring must not re-fire the alert
//! when the same value is measured again); it re-arms once its data has been
//! missing for `rearm_after_ms` (default 60 min) beyond the freshness window.
//! NEWS2 alerts are evaluated whenever a score is emitted, glucose alerts on
//! every update.
//!
//! - [`AlertKind::BandEscalation`]: the band rose above the reference band
//!   (initially `LOW`). The reference then follows the band; it comes down
//!   with a lower band only when that score lost no parameter relative to
//!   the reference (a band that drops because values expired is not an
//!   improvement), or after the reference has been unconfirmed for
//!   `rearm_after_ms`.
//! - [`AlertKind::SingleParameter3`]: a parameter scored 3; re-arms when that
//!   parameter scores below 3.
//! - [`AlertKind::News2Rise`]: the score rose by at least `rise_threshold`
//!   (default 2) compared with a score that was current at some time within
//!   the last `rise_window_ms` (default 60 min): one emitted in the window,
//!   or the one in effect when the window began (a score that held steady
//!   for hours and then jumps is a rise). The rise is measured **like for
//!   like**, over the parameters present in both scores, so that values
//!   arriving one by one, or expiring and coming back, are not a rise.
//!   Re-arms when a score shows no such rise.
//! - [`AlertKind::GlucoseHypoL1`] / [`AlertKind::GlucoseHypoL2`]: the latest
//!   fresh glucose is < 70 / < 54 mg/dL. A reading that goes straight to
//!   level 2 raises only the level 2 alert (level 1 is then armed off as
//!   well). Re-arm when a glucose ≥ 70 / ≥ 54 is read.
//!
//! Alert messages name values and scores, never the patient.

use serde::{Deserialize, Serialize};

use crate::glucose::{classify, GlucoseStatus};
use crate::news2::{
    on_oxygen, score, Band, Consciousness, News2Input, News2Score, Parameter, Spo2Scale, Subscores,
};

/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;

/// Tuning of the streaming rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// How long a value stays in the scored set (default 60 min).
    pub freshness_ms: i64,
    /// The window of [`AlertKind::News2Rise`] (default 60 min).
    pub rise_window_ms: i64,
    /// The rise that alerts (default 2).
    pub rise_threshold: u8,
    /// How long an alert's data must be missing, beyond the freshness
    /// window, before the alert re-arms (default 60 min).
    pub rearm_after_ms: i64,
    /// Readings dated further than this after `now` are ignored (default 5 min).
    pub max_future_ms: i64,
    /// Most scores kept for the rise rule (default 1024).
    pub max_history: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            freshness_ms: 60 * MINUTE_MS,
            rise_window_ms: 60 * MINUTE_MS,
            rise_threshold: 2,
            rearm_after_ms: 60 * MINUTE_MS,
            max_future_ms: 5 * MINUTE_MS,
            max_history: 1024,
        }
    }
}

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Reading {
    /// Breaths per minute.
    RespRate(f64),
    /// SpO2 in %.
    Spo2(f64),
    /// `true` on supplemental oxygen, `false` on air.
    Oxygen(bool),
    /// Inspired oxygen fraction in %: on oxygen when > 21.
    Fio2(f64),
    /// Oxygen flow in L/min: on oxygen when > 0.
    O2Flow(f64),
    /// Systolic blood pressure in mmHg.
    Systolic(f64),
    /// Pulse in beats per minute.
    Pulse(f64),
    /// ACVPU.
    Consciousness(Consciousness),
    /// Degrees Celsius.
    Temperature(f64),
    /// Glucose in mg/dL.
    GlucoseMgDl(f64),
}

/// A reading and when it was observed (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub reading: Reading,
    pub observed_at: i64,
}

impl Observation {
    pub fn new(reading: Reading, observed_at: i64) -> Observation {
        Observation {
            reading,
            observed_at,
        }
    }
}

/// A value and its observation time (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timed<T> {
    pub value: T,
    pub at: i64,
}

/// A score kept for the rise rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub total: u8,
    pub subscores: Subscores,
}

/// The reference of the band escalation rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandReference {
    pub band: Band,
    /// The parameters missing from the score that set or last confirmed it.
    pub missing: Vec<Parameter>,
    /// When a score last set or confirmed it.
    pub at: i64,
}

/// Which alerts have fired and not re-armed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveAlerts {
    /// `None`: reference band `LOW`.
    pub band: Option<BandReference>,
    pub single_parameter_3: Vec<Parameter>,
    pub news2_rise: bool,
    pub glucose_hypo_l1: bool,
    pub glucose_hypo_l2: bool,
}

/// Everything the rules remember about one patient. Serialisable, so a
/// stream processor can keep it as state: [`PatientState::to_json`] and
/// [`PatientState::from_json`] round-trip exactly (serde_json is built with
/// `float_roundtrip`; without it a 17-digit value can come back one ulp off,
/// which a value at a rounding boundary would notice).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatientState {
    pub resp_rate: Option<Timed<f64>>,
    pub spo2: Option<Timed<f64>>,
    pub oxygen: Option<Timed<bool>>,
    pub systolic: Option<Timed<f64>>,
    pub pulse: Option<Timed<f64>>,
    pub consciousness: Option<Timed<Consciousness>>,
    pub temperature: Option<Timed<f64>>,
    pub glucose: Option<Timed<f64>>,
    /// The patient's SpO2 scale (a clinical setting, it does not expire).
    pub spo2_scale: Spo2Scale,
    /// The latest `now` seen.
    pub clock: Option<i64>,
    /// The set of the last emitted score.
    pub last_input: Option<News2Input>,
    pub last_score: Option<News2Score>,
    /// Scores emitted within the rise window, oldest first.
    pub history: Vec<HistoryEntry>,
    pub active: ActiveAlerts,
}

/// Why an observation changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Ignored {
    /// Older than the value already kept.
    OutOfOrder,
    /// Already outside the freshness window.
    Stale,
    /// Dated too far after `now`.
    Future,
    /// NaN or infinite.
    NotFinite,
}

/// The kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertKind {
    BandEscalation,
    #[serde(rename = "SINGLE_PARAMETER_3")]
    SingleParameter3,
    #[serde(rename = "GLUCOSE_HYPO_L1")]
    GlucoseHypoL1,
    #[serde(rename = "GLUCOSE_HYPO_L2")]
    GlucoseHypoL2,
    #[serde(rename = "NEWS2_RISE")]
    News2Rise,
}

impl AlertKind {
    /// The contract name, e.g. `BAND_ESCALATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::BandEscalation => "BAND_ESCALATION",
            AlertKind::SingleParameter3 => "SINGLE_PARAMETER_3",
            AlertKind::GlucoseHypoL1 => "GLUCOSE_HYPO_L1",
            AlertKind::GlucoseHypoL2 => "GLUCOSE_HYPO_L2",
            AlertKind::News2Rise => "NEWS2_RISE",
        }
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    fn of_band(band: Band) -> Severity {
        match band {
            Band::Low => Severity::Low,
            Band::LowMedium | Band::Medium => Severity::Medium,
            Band::High => Severity::High,
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// `HIGH` for a `HIGH` band or a level 2 hypo; `MEDIUM` otherwise.
    pub severity: Severity,
    /// The band of the current NEWS2 score; `None` for glucose alerts.
    pub band: Option<Band>,
    /// The total of the current NEWS2 score; `None` for glucose alerts.
    pub total: Option<u8>,
    /// For [`AlertKind::SingleParameter3`].
    pub parameter: Option<Parameter>,
    /// For [`AlertKind::News2Rise`]: the like-for-like rise.
    pub rise: Option<u8>,
    /// For glucose alerts.
    pub glucose_mg_dl: Option<f64>,
    /// For glucose alerts.
    pub glucose_status: Option<GlucoseStatus>,
    /// When the rule fired (the effective `now`).
    pub at: i64,
    /// When the triggering value was observed (the newest value of the set
    /// for band and rise alerts).
    pub observed_at: i64,
    /// A human message without patient identifiers.
    pub message: String,
}

/// The result of one step of the rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// A new score, when the scored set changed.
    pub score: Option<News2Score>,
    pub alerts: Vec<Alert>,
    /// Observations that changed nothing, and why (for metrics).
    pub ignored: Vec<Ignored>,
}

impl PatientState {
    /// A new state for a patient on the given SpO2 scale.
    pub fn new(spo2_scale: Spo2Scale) -> PatientState {
        PatientState {
            spo2_scale,
            ..PatientState::default()
        }
    }

    /// The state as JSON bytes (for a stream processor's state backend).
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising these plain types (string keys, finite floats) cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a state written by [`PatientState::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<PatientState, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("bad patient state: {e}"))
    }

    /// The fresh values at `now`, as a scoring input.
    pub fn scored_set(&self, now: i64, config: &StreamConfig) -> News2Input {
        let fresh = |at: i64| now.saturating_sub(at) <= config.freshness_ms;
        fn take<T: Copy>(v: &Option<Timed<T>>, fresh: &dyn Fn(i64) -> bool) -> Option<T> {
            v.as_ref().filter(|t| fresh(t.at)).map(|t| t.value)
        }
        News2Input {
            resp_rate: take(&self.resp_rate, &fresh),
            spo2: take(&self.spo2, &fresh),
            spo2_scale: self.spo2_scale,
            oxygen: take(&self.oxygen, &fresh),
            systolic: take(&self.systolic, &fresh),
            pulse: take(&self.pulse, &fresh),
            consciousness: take(&self.consciousness, &fresh),
            temperature: take(&self.temperature, &fresh),
        }
    }

    /// The observation time of a NEWS2 parameter's latest value.
    pub fn observed_at(&self, p: Parameter) -> Option<i64> {
        match p {
            Parameter::RespRate => self.resp_rate.map(|t| t.at),
            Parameter::Spo2 => self.spo2.map(|t| t.at),
            Parameter::Oxygen => self.oxygen.map(|t| t.at),
            Parameter::Systolic => self.systolic.map(|t| t.at),
            Parameter::Pulse => self.pulse.map(|t| t.at),
            Parameter::Consciousness => self.consciousness.map(|t| t.at),
            Parameter::Temperature => self.temperature.map(|t| t.at),
        }
    }

    /// The earliest time after which a kept value stops being fresh (for a
    /// stream processor's timer: call [`tick`] then). `None` when nothing
    /// fresh is kept.
    pub fn next_expiry(&self, config: &StreamConfig) -> Option<i64> {
        let clock = self.clock.unwrap_or(i64::MIN);
        Parameter::ALL
            .iter()
            .filter_map(|&p| self.observed_at(p))
            .chain(self.glucose.map(|g| g.at))
            .map(|at| at.saturating_add(config.freshness_ms).saturating_add(1))
            .filter(|&t| t > clock)
            .min()
    }
}

/// Stores `value` at `at` unless a newer value is kept.
fn put<T>(slot: &mut Option<Timed<T>>, value: T, at: i64) -> Option<Ignored> {
    match slot {
        Some(t) if t.at > at => Some(Ignored::OutOfOrder),
        _ => {
            *slot = Some(Timed { value, at });
            None
        }
    }
}

fn finite(v: f64) -> Result<f64, Ignored> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Ignored::NotFinite)
    }
}

/// Stores one observation; `Some(reason)` when it was ignored.
fn store(
    state: &mut PatientState,
    obs: &Observation,
    now: i64,
    config: &StreamConfig,
) -> Option<Ignored> {
    let at = obs.observed_at;
    if at > now.saturating_add(config.max_future_ms) {
        return Some(Ignored::Future);
    }
    if now.saturating_sub(at) > config.freshness_ms {
        return Some(Ignored::Stale);
    }
    let result = (|| -> Result<Option<Ignored>, Ignored> {
        Ok(match obs.reading {
            Reading::RespRate(v) => put(&mut state.resp_rate, finite(v)?, at),
            Reading::Spo2(v) => put(&mut state.spo2, finite(v)?, at),
            Reading::Oxygen(b) => put(&mut state.oxygen, b, at),
            Reading::Fio2(v) => put(
                &mut state.oxygen,
                on_oxygen(Some(finite(v)?), None) == Some(true),
                at,
            ),
            Reading::O2Flow(v) => put(
                &mut state.oxygen,
                on_oxygen(None, Some(finite(v)?)) == Some(true),
                at,
            ),
            Reading::Systolic(v) => put(&mut state.systolic, finite(v)?, at),
            Reading::Pulse(v) => put(&mut state.pulse, finite(v)?, at),
            Reading::Consciousness(c) => put(&mut state.consciousness, c, at),
            Reading::Temperature(v) => put(&mut state.temperature, finite(v)?, at),
            Reading::GlucoseMgDl(v) => put(&mut state.glucose, finite(v)?, at),
        })
    })();
    result.unwrap_or_else(Some)
}

/// Applies one observation at the caller's time `now_millis` (epoch
/// milliseconds; the CLI uses the observation time, a stream processor its
/// processing time or watermark). Returns the new score, if the scored set
/// changed, and the alerts that fired. See the [module rules](self).
pub fn apply(
    state: &mut PatientState,
    obs: &Observation,
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    apply_all(state, std::slice::from_ref(obs), now_millis, config)
}

/// Applies several observations (e.g. all the OBX of one message) as one
/// step: at most one score is emitted for them.
pub fn apply_all(
    state: &mut PatientState,
    observations: &[Observation],
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    let now = advance_clock(state, now_millis);
    let ignored = observations
        .iter()
        .filter_map(|obs| store(state, obs, now, config))
        .collect();
    let mut update = evaluate(state, now, config);
    update.ignored = ignored;
    update
}

/// Re-evaluates without an observation: values that expired drop out of the
/// set (which emits a score) and alerts re-arm. For stream-processor timers,
/// see [`PatientState::next_expiry`].
pub fn tick(state: &mut PatientState, now_millis: i64, config: &StreamConfig) -> Update {
    let now = advance_clock(state, now_millis);
    evaluate(state, now, config)
}

/// Sets the patient's SpO2 scale; a change re-scores the set.
pub fn set_spo2_scale(
    state: &mut PatientState,
    scale: Spo2Scale,
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    let now = advance_clock(state, now_millis);
    state.spo2_scale = scale;
    evaluate(state, now, config)
}

fn advance_clock(state: &mut PatientState, now: i64) -> i64 {
    let now = state.clock.map_or(now, |c| c.max(now));
    state.clock = Some(now);
    now
}

fn is_empty(input: &News2Input) -> bool {
    input.resp_rate.is_none()
        && input.spo2.is_none()
        && input.oxygen.is_none()
        && input.systolic.is_none()
        && input.pulse.is_none()
        && input.consciousness.is_none()
        && input.temperature.is_none()
}

fn evaluate(state: &mut PatientState, now: i64, config: &StreamConfig) -> Update {
    let mut update = Update::default();
    let input = state.scored_set(now, config);
    let changed = match &state.last_input {
        Some(last) => *last != input,
        None => !is_empty(&input),
    };
    if changed {
        let s = score(&input);
        news2_alerts(state, &s, &input, now, config, &mut update.alerts);
        state.last_input = Some(input);
        state.last_score = Some(s.clone());
        update.score = Some(s);
    }
    glucose_alerts(state, now, config, &mut update.alerts);
    update
}

/// Like-for-like difference of `new` over `old`: over the parameters present in both.
fn like_for_like(new: &Subscores, old: &Subscores) -> i16 {
    new.iter()
        .zip(old.iter())
        .filter_map(|((_, n), (_, o))| Some(i16::from(n?) - i16::from(o?)))
        .sum()
}

fn news2_alerts(
    state: &mut PatientState,
    s: &News2Score,
    input: &News2Input,
    now: i64,
    config: &StreamConfig,
    alerts: &mut Vec<Alert>,
) {
    if is_empty(input) {
        // Nothing current: every NEWS2 alert re-arms, the trend restarts.
        state.active.band = None;
        state.active.single_parameter_3.clear();
        state.active.news2_rise = false;
        state.history.clear();
        return;
    }
    let newest = Parameter::ALL
        .iter()
        .filter(|p| s.subscores.get(**p).is_some())
        .filter_map(|&p| state.observed_at(p))
        .max()
        .unwrap_or(now);
    let base = |kind, severity: Severity| Alert {
        kind,
        severity: severity.max(Severity::of_band(s.band)),
        band: Some(s.band),
        total: Some(s.total),
        parameter: None,
        rise: None,
        glucose_mg_dl: None,
        glucose_status: None,
        at: now,
        observed_at: newest,
        message: String::new(),
    };

    // Band escalation.
    let fresh_reference = || BandReference {
        band: s.band,
        missing: s.missing.clone(),
        at: now,
    };
    let reference = state.active.band.take();
    let from = reference.as_ref().map_or(Band::Low, |r| r.band);
    if s.band > from {
        alerts.push(Alert {
            message: format!(
                "NEWS2 band escalated from {from} to {} (total {})",
                s.band, s.total
            ),
            ..base(AlertKind::BandEscalation, Severity::Medium)
        });
    }
    state.active.band = match reference {
        // Lower band: an improvement only if no parameter was lost, or
        // once the reference has gone unconfirmed for long enough.
        Some(r) if s.band < r.band => {
            let lost = s.missing.iter().any(|p| !r.missing.contains(p));
            let unconfirmed = now.saturating_sub(r.at) > config.rearm_after_ms;
            if lost && !unconfirmed {
                Some(r)
            } else {
                Some(fresh_reference())
            }
        }
        _ => Some(fresh_reference()),
    }
    .filter(|r| r.band != Band::Low);

    // Single parameter 3.
    for p in Parameter::ALL {
        let active = state.active.single_parameter_3.contains(&p);
        match s.subscores.get(p) {
            Some(3) if !active => {
                state.active.single_parameter_3.push(p);
                alerts.push(Alert {
                    parameter: Some(p),
                    observed_at: state.observed_at(p).unwrap_or(now),
                    message: format!(
                        "{} scored 3 (NEWS2 total {}, {})",
                        capitalise(p.label()),
                        s.total,
                        s.band
                    ),
                    ..base(AlertKind::SingleParameter3, Severity::Medium)
                });
            }
            Some(3) => {}
            Some(_) => state.active.single_parameter_3.retain(|q| *q != p),
            None => {
                let missing_long = state.observed_at(p).is_none_or(|at| {
                    now.saturating_sub(at)
                        > config.freshness_ms.saturating_add(config.rearm_after_ms)
                });
                if missing_long {
                    state.active.single_parameter_3.retain(|q| *q != p);
                }
            }
        }
    }

    // Rise within the window, like for like.
    // A score counts while it was current at some time within the window:
    // those emitted in it and the one in effect when it started.
    let window_start = now.saturating_sub(config.rise_window_ms);
    if let Some(i) = state.history.iter().rposition(|h| h.at < window_start) {
        state.history.drain(..i);
    }
    let best = state
        .history
        .iter()
        .map(|h| (like_for_like(&s.subscores, &h.subscores), h))
        .max_by_key(|(d, h)| (*d, h.at));
    match best {
        Some((rise, h)) if rise >= i16::from(config.rise_threshold) => {
            if !state.active.news2_rise {
                state.active.news2_rise = true;
                let minutes = config.rise_window_ms / MINUTE_MS;
                let rise = u8::try_from(rise).unwrap_or(u8::MAX);
                alerts.push(Alert {
                    rise: Some(rise),
                    message: format!(
                        "NEWS2 rose by {rise} within {minutes} min (from {} to {}, {})",
                        h.total, s.total, s.band
                    ),
                    ..base(AlertKind::News2Rise, Severity::Medium)
                });
            }
        }
        _ => state.active.news2_rise = false,
    }
    state.history.retain(|h| h.subscores != s.subscores);
    state.history.push(HistoryEntry {
        at: now,
        total: s.total,
        subscores: s.subscores,
    });
    if state.history.len() > config.max_history.max(1) {
        let excess = state.history.len() - config.max_history.max(1);
        state.history.drain(..excess);
    }
}

fn glucose_alerts(
    state: &mut PatientState,
    now: i64,
    config: &StreamConfig,
    alerts: &mut Vec<Alert>,
) {
    let Some(g) = state.glucose else { return };
    let age = now.saturating_sub(g.at);
    if age > config.freshness_ms {
        if age > config.freshness_ms.saturating_add(config.rearm_after_ms) {
            state.active.glucose_hypo_l1 = false;
            state.active.glucose_hypo_l2 = false;
        }
        return;
    }
    let status = classify(g.value);
    let (l1, l2) = (g.value < 70.0, g.value < 54.0);
    let alert = |kind, severity, text: &str| Alert {
        kind,
        severity,
        band: None,
        total: None,
        parameter: None,
        rise: None,
        glucose_mg_dl: Some(g.value),
        glucose_status: Some(status),
        at: now,
        observed_at: g.at,
        message: format!("Glucose {:.1} mg/dL: {text}", g.value),
    };
    if l2 && !state.active.glucose_hypo_l2 {
        alerts.push(alert(
            AlertKind::GlucoseHypoL2,
            Severity::High,
            "level 2 hypoglycaemia (< 54 mg/dL)",
        ));
        state.active.glucose_hypo_l2 = true;
        state.active.glucose_hypo_l1 = true;
    } else if l1 && !state.active.glucose_hypo_l1 {
        alerts.push(alert(
            AlertKind::GlucoseHypoL1,
            Severity::Medium,
            "level 1 hypoglycaemia (54 to < 70 mg/dL)",
        ));
        state.active.glucose_hypo_l1 = true;
    }
    if !l2 {
        state.active.glucose_hypo_l2 = false;
    }
    if !l1 {
        state.active.glucose_hypo_l1 = false;
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
