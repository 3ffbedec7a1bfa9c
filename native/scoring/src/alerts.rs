//! The streaming NEWS2 and glucose alert rules, per patient, in arrival order.
//!
//! This module is the one implementation of the rules of the contract
//! ("Streaming (contract)" in the design): `vitalflow score` and the Flink job
//! (over JNI, keeping a [`PatientState`] as JSON bytes) both call it, so they
//! cannot drift. Everything is a pure function of the state and the step.
//!
//! # The streaming API
//!
//! - [`PatientState::new`], [`PatientState::to_json`],
//!   [`PatientState::from_json`]: the serialisable per-patient state.
//! - [`step`]: applies one message's rows for one patient (one **step**) and
//!   returns the [`Update`]: the score, if the scored set changed, and the
//!   alerts that fired. This is the whole contract.
//! - [`set_spo2_scale`]: the patient's SpO2 scale setting changed.
//! - [`tick`]: moves the clock forward without a reading (a timer), so that
//!   values expire. Not part of the contract's stepping; see its docs.
//! - [`apply_all`] and [`apply`]: the older entry points, kept as thin
//!   wrappers of [`step`] with an extra lower bound for the clock.
//!
//! # Rules
//!
//! - **Step and clock.** A step is one message's rows for one patient,
//!   applied together. The patient's clock is the newest observation time
//!   seen so far (epoch milliseconds); it never goes back, so a late message
//!   is applied at the clock, not at its own time.
//! - **Latest value.** Per parameter the state keeps the value with the
//!   newest observation time. A late reading never replaces a newer one
//!   ([`Ignored::OutOfOrder`]); of two readings with the same time the later
//!   row wins (in row order within a message, in arrival order across
//!   messages). FiO2 (> 21 % is oxygen), O2 flow (> 0 L/min is oxygen) and
//!   [`Reading::Oxygen`] share one slot: oxygen comes from the newest of them.
//! - **Freshness.** A value is fresh while `clock - observed_at <=
//!   freshness_ms` (default 60 min); a stale value leaves the set. A reading
//!   already stale when its step is applied is ignored ([`Ignored::Stale`]),
//!   as is a NaN or infinite value ([`Ignored::NotFinite`]).
//! - **Scored set and scores.** The scored set is every fresh NEWS2
//!   parameter's value (oxygen as air or oxygen) with the patient's SpO2
//!   scale. A score is emitted when the set differs from the last scored set
//!   (a value changes, appears or expires); re-measuring the same values
//!   emits nothing. When everything has expired, one all-missing score
//!   (total 0, `complete` false) is emitted. A score carries the clock time
//!   ([`Update::clock`]).
//! - **Alerts** fire when their condition becomes true and re-arm only when
//!   it is seen false. The NEWS2 conditions are evaluated on each emitted
//!   score, the glucose rule on each glucose reading and step:
//!   - [`AlertKind::BandEscalation`], an event without arming: every score
//!     whose band is above the previous score's band (the first score is
//!     compared with `LOW`); `LOW` → `MEDIUM` → `HIGH` is two alerts. Carries
//!     the clock time.
//!   - [`AlertKind::SingleParameter3`]: per parameter, its subscore became
//!     3; re-armed when it scores below 3; a missing value neither clears nor
//!     fires it. Carries the time of the reading that scored 3.
//!   - [`AlertKind::News2Rise`]: `total - baseline >= rise_threshold`
//!     (default 2), where the baseline is the lowest *complete* total in
//!     effect at any instant of the last `rise_window_ms` (default 60 min). A
//!     score is in effect from its time until the next score, exclusive, so a
//!     score replaced 60 or more minutes ago is out, and one replaced at its
//!     own time was never in effect. No complete score in the window: no
//!     baseline, the condition is false. Carries the clock time.
//!   - [`AlertKind::GlucoseHypoL1`] / [`AlertKind::GlucoseHypoL2`]: judged on
//!     the glucose readings alone, in observation-time order (the clock and
//!     the freshness window play no part). An episode is a run of readings
//!     below the site's level 1 threshold (in the reading's unit) with none at
//!     or above it between them and at most `hypo_episode_gap_ms` (60 min)
//!     between neighbours. Entering an episode raises `HYPO_L2` alone if the
//!     reading is below level 2, otherwise `HYPO_L1`; `HYPO_L2` follows when
//!     the episode first reaches level 2; each at most once per episode. A
//!     late reading is placed by its time: it raises only what its episode
//!     has not raised, and one that starts an episode alerts however late.
//!     Carries the glucose reading's time; the text says when it was taken
//!     and when it arrived if it came more than `late_arrival_ms` late.
//!
//! - **Idle patients.** A step whose newest observation time is more than
//!   `idle_reset_ms` (default 24 h) after the patient's clock starts the
//!   patient over: the kept values, the last score, the rise baseline, the
//!   alert arming and the glucose history are dropped before the step is
//!   applied, so its score is compared with `LOW` and its alerts fire as for a
//!   new patient. The SpO2 scale, a clinical setting, is kept. Every value
//!   had left the set long before (the freshness window is far shorter); what
//!   the reset changes is that an alert still armed from the earlier stay
//!   fires again. A stream processor may therefore discard a patient's state
//!   once its event time passes [`PatientState::discardable_after`].
//!
//! Within an [`Update`] the alerts come in this order: band escalation,
//! single parameter 3 (in contract parameter order), NEWS2 rise, glucose.
//! Alert messages name values and scores, never the patient.
//!
//! Redelivering a message (a resend after a lost ACK) changes nothing: its
//! readings are either older than the kept ones or the same readings again,
//! and its times do not move the clock. The one exception is the contract's
//! "later row wins": if another message carried a *different* value for the
//! same parameter and time, a resend of the first re-applies its value.

use serde::{Deserialize, Serialize};

use crate::glucose::GlucoseStatus;
use crate::news2::{
    on_oxygen, score, Band, Consciousness, News2Input, News2Score, Parameter, Spo2Scale,
};
use vitalflow_core::glucose::{GlucoseThresholds, GlucoseUnit};

/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;

/// The default of [`StreamConfig::idle_reset_ms`]: 24 hours.
pub const IDLE_RESET_MS: i64 = 24 * 60 * MINUTE_MS;

/// Tuning of the streaming rules. The defaults are the contract's; unknown
/// JSON fields are ignored and missing ones take their default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// How long a value stays fresh, inclusive (default 60 min).
    pub freshness_ms: i64,
    /// The window of [`AlertKind::News2Rise`] (default 60 min).
    pub rise_window_ms: i64,
    /// The rise that alerts (default 2).
    pub rise_threshold: u8,
    /// Two hypoglycaemic readings at most this far apart (by observation
    /// time) are one episode (default 60 min).
    pub hypo_episode_gap_ms: i64,
    /// A patient whose step comes more than this after the clock starts over
    /// (default 24 h): see "Idle patients" in the [module rules](self).
    pub idle_reset_ms: i64,
    /// The site's hypoglycaemia thresholds, compared in the unit of the
    /// reading (default ADA: 70 and 54 mg/dL, 3.9 and 3.0 mmol/L).
    pub glucose: GlucoseThresholds,
    /// A reading that arrives more than this after it was taken is late: its
    /// glucose alert says when it was taken and when it arrived (default 10
    /// min).
    pub late_arrival_ms: i64,
    /// MSH-11 processing ids that are scored (default `P`; a training system
    /// adds `T`). A message without MSH-11 is scored (the reading that does
    /// not miss an alert).
    pub scored_processing_ids: Vec<String>,
}

/// How many glucose readings a patient's state keeps at most (the last 24 h
/// are kept, up to this many): a glucometer every 5 minutes is 288 a day.
pub const GLUCOSE_HISTORY_MAX: usize = 512;

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            freshness_ms: 60 * MINUTE_MS,
            rise_window_ms: 60 * MINUTE_MS,
            rise_threshold: 2,
            hypo_episode_gap_ms: 60 * MINUTE_MS,
            idle_reset_ms: IDLE_RESET_MS,
            glucose: GlucoseThresholds::default(),
            late_arrival_ms: 10 * MINUTE_MS,
            scored_processing_ids: vec!["P".to_string()],
        }
    }
}

impl StreamConfig {
    /// Whether a message with this MSH-11-1 is scored (see
    /// [`StreamConfig::scored_processing_ids`]).
    pub fn scores_processing_id(&self, id: Option<&str>) -> bool {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            None => true,
            Some(id) => self
                .scored_processing_ids
                .iter()
                .any(|p| p.eq_ignore_ascii_case(id)),
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
    /// Glucose in mmol/L, as sent (judged on the site's mmol/L thresholds).
    GlucoseMmolL(f64),
}

impl Reading {
    /// A glucose reading's value as sent and its unit.
    pub fn glucose(self) -> Option<(f64, GlucoseUnit)> {
        match self {
            Reading::GlucoseMgDl(v) => Some((v, GlucoseUnit::MgDl)),
            Reading::GlucoseMmolL(v) => Some((v, GlucoseUnit::MmolL)),
            _ => None,
        }
    }
}

/// A reading and when it was observed (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub reading: Reading,
    /// The time the rules use: the observation time, or the receipt time
    /// when the device clock was wrong.
    pub observed_at: i64,
    /// When the reading arrived (epoch ms), if known: a glucose alert on a
    /// reading that arrived late says so.
    #[serde(default)]
    pub received_at: Option<i64>,
    /// The device clock was wrong and `observed_at` is the receipt time: the
    /// reading's true time is unknown, so a reading with a trustworthy time
    /// that arrives after it replaces it whatever their times (a wrong clock
    /// never silences a correct reading).
    #[serde(default)]
    pub clock_error: bool,
}

impl Observation {
    pub fn new(reading: Reading, observed_at: i64) -> Observation {
        Observation {
            reading,
            observed_at,
            received_at: None,
            clock_error: false,
        }
    }

    /// The observation, from a device whose clock was wrong: `observed_at`
    /// is then its receipt time.
    pub fn with_clock_error(self) -> Observation {
        Observation {
            clock_error: true,
            ..self
        }
    }

    /// The observation, received at `received_at`.
    pub fn received(self, received_at: i64) -> Observation {
        Observation {
            received_at: Some(received_at),
            ..self
        }
    }
}

/// A value and its observation time (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timed<T> {
    pub value: T,
    pub at: i64,
    /// `at` is a receipt time because the device clock was wrong.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clock_error: bool,
}

/// A complete score that may still be the baseline of the rise rule: in
/// effect from `at` until `until` (exclusive; `None` while it is the latest
/// score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub at: i64,
    pub until: Option<i64>,
    pub total: u8,
}

/// Which alerts have fired and not re-armed. (Band escalation is an event
/// and has no arming; a state written by an earlier version may still carry
/// its flag, which is ignored.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActiveAlerts {
    pub single_parameter_3: Vec<Parameter>,
    pub news2_rise: bool,
}

/// One glucose reading kept for the hypoglycaemia rule, in observation-time
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GlucoseEntry {
    /// Observation time (epoch ms).
    pub at: i64,
    /// 0 not hypoglycaemic, 1 level 1, 2 level 2 (by the site's thresholds in
    /// the reading's unit).
    pub level: u8,
}

/// A hypoglycaemia alert raised, by the time of the reading that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypoRaised {
    pub at: i64,
    pub level2: bool,
}

/// Everything the rules remember about one patient. Serialisable, so a
/// stream processor can keep it as state: [`PatientState::to_json`] and
/// [`PatientState::from_json`] round-trip exactly (serde_json is built with
/// `float_roundtrip`; without it a 17-digit value can come back one ulp off,
/// which a value at a rounding boundary would notice).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// The newest observation time seen (or later, after [`tick`]).
    pub clock: Option<i64>,
    /// The set of the last emitted score.
    pub last_input: Option<News2Input>,
    pub last_score: Option<News2Score>,
    /// Complete scores that may still be the rise baseline, oldest first,
    /// totals strictly increasing (a later, lower total makes an earlier
    /// one irrelevant).
    pub baseline: Vec<BaselineEntry>,
    pub active: ActiveAlerts,
    /// The glucose readings of the last 24 hours (by observation time, at
    /// most [`GLUCOSE_HISTORY_MAX`]), oldest first.
    pub glucose_history: Vec<GlucoseEntry>,
    /// The hypoglycaemia alerts raised on those readings, oldest first.
    pub hypo_raised: Vec<HypoRaised>,
}

/// Why an observation changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Ignored {
    /// Older than the value already kept.
    OutOfOrder,
    /// Already outside the freshness window at the step's clock.
    Stale,
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
    /// The contract's name (`LOW`, `MEDIUM`, `HIGH`), the same as the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
        }
    }

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
    /// For [`AlertKind::News2Rise`]: total minus baseline.
    pub rise: Option<u8>,
    /// For [`AlertKind::News2Rise`]: the baseline total.
    #[serde(default)]
    pub baseline: Option<u8>,
    /// For glucose alerts.
    pub glucose_mg_dl: Option<f64>,
    /// For glucose alerts: the status of the reading.
    pub glucose_status: Option<GlucoseStatus>,
    /// The time the alert carries (contract): the clock for band escalation
    /// and rise, the reading's time for single parameter 3 and glucose.
    pub at: i64,
    /// When the triggering value was observed: the reading for single
    /// parameter 3 and glucose, the newest value of the set for band
    /// escalation and rise.
    pub observed_at: i64,
    /// A human message without patient identifiers.
    pub message: String,
}

/// The result of one step of the rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// A new score, when the scored set changed.
    pub score: Option<News2Score>,
    /// The patient's clock after the step: the time [`Update::score`]
    /// carries. `None` only before any observation.
    #[serde(default)]
    pub clock: Option<i64>,
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

    /// Reads a state written by [`PatientState::to_json`]. Missing fields
    /// take their defaults.
    pub fn from_json(bytes: &[u8]) -> Result<PatientState, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("bad patient state: {e}"))
    }

    /// The fresh values at `clock`, as a scoring input.
    pub fn scored_set(&self, clock: i64, config: &StreamConfig) -> News2Input {
        let fresh = |at: i64| clock.saturating_sub(at) <= config.freshness_ms;
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

    /// The time from which this state can no longer affect anything: a step
    /// at or after it starts the patient over (see "Idle patients" in the
    /// [module rules](self)), keeping only the SpO2 scale. `None` before the
    /// first observation.
    pub fn discardable_after(&self, config: &StreamConfig) -> Option<i64> {
        self.clock
            .map(|c| c.saturating_add(config.idle_reset_ms).saturating_add(1))
    }

    /// The earliest time after which a kept value stops being fresh (for a
    /// stream processor's timer: call [`tick`] then). `None` when there is
    /// nothing to expire. (Hypoglycaemia episodes are judged on the glucose
    /// readings alone and never expire by the clock.)
    pub fn next_expiry(&self, config: &StreamConfig) -> Option<i64> {
        let clock = self.clock.unwrap_or(i64::MIN);
        Parameter::ALL
            .iter()
            .filter_map(|&p| self.observed_at(p))
            .map(|at| at.saturating_add(config.freshness_ms).saturating_add(1))
            .filter(|&t| t > clock)
            .min()
    }
}

/// Stores `value` at `at` unless a newer value is kept. A kept value from a
/// wrong device clock has no trustworthy time: a reading with a trustworthy
/// time that arrives after it replaces it, whatever `at` is.
fn put<T>(slot: &mut Option<Timed<T>>, value: T, at: i64, clock_error: bool) -> Option<Ignored> {
    // a trustworthy reading after a clock error's value replaces it
    let supersedes = |kept: &Timed<T>| kept.clock_error && !clock_error;
    match slot {
        Some(t) if t.at > at && !supersedes(t) => Some(Ignored::OutOfOrder),
        _ => {
            *slot = Some(Timed {
                value,
                at,
                clock_error,
            });
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

/// Stores one NEWS2 observation; `Some(reason)` when it was ignored.
/// Glucose is handled by [`glucose_reading`].
fn store(state: &mut PatientState, obs: &Observation) -> Option<Ignored> {
    let (at, ce) = (obs.observed_at, obs.clock_error);
    let result = (|| -> Result<Option<Ignored>, Ignored> {
        Ok(match obs.reading {
            Reading::RespRate(v) => put(&mut state.resp_rate, finite(v)?, at, ce),
            Reading::Spo2(v) => put(&mut state.spo2, finite(v)?, at, ce),
            Reading::Oxygen(b) => put(&mut state.oxygen, b, at, ce),
            Reading::Fio2(v) => put(
                &mut state.oxygen,
                on_oxygen(Some(finite(v)?), None) == Some(true),
                at,
                ce,
            ),
            Reading::O2Flow(v) => put(
                &mut state.oxygen,
                on_oxygen(None, Some(finite(v)?)) == Some(true),
                at,
                ce,
            ),
            Reading::Systolic(v) => put(&mut state.systolic, finite(v)?, at, ce),
            Reading::Pulse(v) => put(&mut state.pulse, finite(v)?, at, ce),
            Reading::Consciousness(c) => put(&mut state.consciousness, c, at, ce),
            Reading::Temperature(v) => put(&mut state.temperature, finite(v)?, at, ce),
            Reading::GlucoseMgDl(_) | Reading::GlucoseMmolL(_) => None,
        })
    })();
    result.unwrap_or_else(Some)
}

/// Applies one step: one message's rows for one patient, in row order.
///
/// The clock becomes the newest of the clock and the rows' observation
/// times; the rows update the latest values; then the scored set is
/// compared with the last one (a score when it changed, with the NEWS2
/// alerts) and the glucose rows run the hypoglycaemia rule. An empty step
/// changes nothing. See the [module rules](self).
pub fn step(state: &mut PatientState, rows: &[Observation], config: &StreamConfig) -> Update {
    step_from(state, rows, None, config)
}

/// [`step`], with the clock first moved to at least `now_millis`. The
/// contract's clock is the newest observation time: a caller that passes the
/// step's newest observation time (as `vitalflow score` did) gets exactly
/// [`step`]; a later `now_millis` is a [`tick`] and a step together.
pub fn apply_all(
    state: &mut PatientState,
    observations: &[Observation],
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    step_from(state, observations, Some(now_millis), config)
}

/// [`apply_all`] for a single observation (a step of one row).
pub fn apply(
    state: &mut PatientState,
    obs: &Observation,
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    apply_all(state, std::slice::from_ref(obs), now_millis, config)
}

/// Moves the clock to `now_millis` (if later) without a reading: values
/// that are no longer fresh leave the set (a score when the set changes,
/// with its NEWS2 alerts) and an episode whose last glucose is too old ends.
/// For a stream processor's timer, see [`PatientState::next_expiry`].
///
/// The contract's clock only moves with observations, and `vitalflow score`
/// never ticks; a consumer that must reproduce it exactly must not tick
/// either (a tick can emit an extra score, which then is the "previous
/// score" of the band rule and in effect for the rise rule).
pub fn tick(state: &mut PatientState, now_millis: i64, config: &StreamConfig) -> Update {
    step_from(state, &[], Some(now_millis), config)
}

/// Sets the patient's SpO2 scale (a per-patient setting); a change of the
/// scored set emits a score at the clock. `now_millis` moves the clock as
/// [`tick`] does; pass `i64::MIN` to leave the clock where it is (the
/// contract's event-time clock).
pub fn set_spo2_scale(
    state: &mut PatientState,
    scale: Spo2Scale,
    now_millis: i64,
    config: &StreamConfig,
) -> Update {
    state.spo2_scale = scale;
    let floor = Some(now_millis).filter(|&t| t > i64::MIN);
    step_from(state, &[], floor, config)
}

fn step_from(
    state: &mut PatientState,
    rows: &[Observation],
    floor: Option<i64>,
    config: &StreamConfig,
) -> Update {
    let newest = rows.iter().map(|o| o.observed_at).chain(floor).max();
    // An idle patient starts over (only a step with rows: a tick or a setting never resets).
    if let (Some(at), Some(from)) = (
        rows.iter().map(|o| o.observed_at).max(),
        state.discardable_after(config),
    ) {
        if at >= from {
            *state = PatientState::new(state.spo2_scale);
        }
    }
    let Some(clock) = state.clock.max(newest) else {
        return Update::default();
    };
    state.clock = Some(clock);

    let mut update = Update {
        clock: Some(clock),
        ..Update::default()
    };
    let mut glucose_alerts = Vec::new();
    for obs in rows {
        // Glucose is judged on the glucose readings alone, however late.
        let ignored = if let Some((value, unit)) = obs.reading.glucose() {
            glucose_reading(state, value, unit, obs, config, &mut glucose_alerts)
        } else if clock.saturating_sub(obs.observed_at) > config.freshness_ms {
            Some(Ignored::Stale)
        } else {
            store(state, obs)
        };
        update.ignored.extend(ignored);
    }

    let input = state.scored_set(clock, config);
    let changed = match &state.last_input {
        Some(last) => *last != input,
        None => !is_empty(&input),
    };
    if changed {
        let s = score(&input);
        news2_alerts(state, &s, clock, config, &mut update.alerts);
        state.last_input = Some(input);
        state.last_score = Some(s.clone());
        update.score = Some(s);
    }
    update.alerts.append(&mut glucose_alerts);
    update
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

fn news2_alerts(
    state: &mut PatientState,
    s: &News2Score,
    clock: i64,
    config: &StreamConfig,
    alerts: &mut Vec<Alert>,
) {
    let newest = Parameter::ALL
        .iter()
        .filter(|p| s.subscores.get(**p).is_some())
        .filter_map(|&p| state.observed_at(p))
        .max()
        .unwrap_or(clock);
    let base = |kind| Alert {
        kind,
        severity: Severity::Medium.max(Severity::of_band(s.band)),
        band: Some(s.band),
        total: Some(s.total),
        parameter: None,
        rise: None,
        baseline: None,
        glucose_mg_dl: None,
        glucose_status: None,
        at: clock,
        observed_at: newest,
        message: String::new(),
    };

    // Band escalation, an event: every score whose band is above the
    // previous score's band (LOW -> MEDIUM -> HIGH is two alerts).
    let previous = state.last_score.as_ref().map_or(Band::Low, |p| p.band);
    if s.band > previous {
        alerts.push(Alert {
            message: format!(
                "NEWS2 band escalated from {previous} to {} (total {})",
                s.band, s.total
            ),
            ..base(AlertKind::BandEscalation)
        });
    }

    // Single parameter 3, per parameter; a missing value changes nothing.
    for p in Parameter::ALL {
        match s.subscores.get(p) {
            Some(3) if state.active.single_parameter_3.contains(&p) => {}
            Some(3) => {
                state.active.single_parameter_3.push(p);
                let at = state.observed_at(p).unwrap_or(clock);
                alerts.push(Alert {
                    parameter: Some(p),
                    at,
                    observed_at: at,
                    message: format!(
                        "{} scored 3 (NEWS2 total {}, {})",
                        capitalise(p.label()),
                        s.total,
                        s.band
                    ),
                    ..base(AlertKind::SingleParameter3)
                });
            }
            Some(_) => state.active.single_parameter_3.retain(|q| *q != p),
            None => {}
        }
    }

    // NEWS2 rise over the lowest complete total in effect in the window.
    let history = &mut state.baseline;
    if let Some(last) = history.last_mut() {
        if last.until.is_none() {
            last.until = Some(clock);
            if last.at >= clock {
                // Replaced at its own time: never in effect.
                history.pop();
            }
        }
    }
    // The latest entry's interval is now known; earlier entries with a total
    // no lower end sooner, so they can never be the lowest again.
    if let Some((&last, earlier)) = history.split_last() {
        let mut kept: Vec<BaselineEntry> = earlier
            .iter()
            .copied()
            .filter(|e| e.total < last.total)
            .collect();
        kept.push(last);
        *history = kept;
    }
    history.retain(|e| {
        e.until
            .is_none_or(|until| clock.saturating_sub(until) < config.rise_window_ms)
    });
    let baseline = history.iter().map(|e| e.total).min();
    let rise = baseline.map(|b| i16::from(s.total) - i16::from(b));
    match (baseline, rise) {
        (Some(b), Some(rise)) if rise >= i16::from(config.rise_threshold) => {
            if !state.active.news2_rise {
                state.active.news2_rise = true;
                let minutes = config.rise_window_ms / MINUTE_MS;
                let rise = u8::try_from(rise).unwrap_or(u8::MAX);
                alerts.push(Alert {
                    rise: Some(rise),
                    baseline: Some(b),
                    message: format!(
                        "NEWS2 rose by {rise} within {minutes} min (from {b} to {}, {})",
                        s.total, s.band
                    ),
                    ..base(AlertKind::News2Rise)
                });
            }
        }
        _ => state.active.news2_rise = false,
    }
    if s.complete {
        history.push(BaselineEntry {
            at: clock,
            until: None,
            total: s.total,
        });
    }
}

/// Applies one glucose reading to the latest glucose and to the
/// hypoglycaemia rule, which sees the glucose readings alone, in
/// observation-time order:
///
/// - an episode is a run of readings below the level 1 threshold with no
///   reading at or above it between them and at most
///   [`StreamConfig::hypo_episode_gap_ms`] between neighbours;
/// - entering an episode raises `HYPO_L2` alone if the reading is below the
///   level 2 threshold, otherwise `HYPO_L1`; `HYPO_L2` follows when the
///   episode first reaches level 2; each at most once per episode;
/// - a reading that arrives out of order is placed by its time: joining an
///   episode that has alerted, it raises only what the episode has not; one
///   that starts an episode alerts however late, at its own time.
fn glucose_reading(
    state: &mut PatientState,
    value: f64,
    unit: GlucoseUnit,
    obs: &Observation,
    config: &StreamConfig,
    alerts: &mut Vec<Alert>,
) -> Option<Ignored> {
    let value = match finite(value) {
        Ok(v) => v,
        Err(e) => return Some(e),
    };
    let at = obs.observed_at;
    let mg_dl = match unit {
        GlucoseUnit::MgDl => value,
        GlucoseUnit::MmolL => value * vitalflow_core::units::GLUCOSE_MG_DL_PER_MMOL_L,
    };
    // The latest glucose (an older reading does not replace it, but is
    // still judged below).
    let _ = put(&mut state.glucose, mg_dl, at, obs.clock_error);
    let status = config.glucose.classify(value, unit);
    let level = match status {
        GlucoseStatus::HypoL2 => 2,
        GlucoseStatus::HypoL1 => 1,
        _ => 0,
    };

    // Place the reading by its time (same time: the later row wins).
    let history = &mut state.glucose_history;
    let i = history.partition_point(|e| e.at < at);
    if history.get(i).is_some_and(|e| e.at == at) {
        if history[i].level == level {
            // The same reading again (a resend after a lost ACK, a replay):
            // what it raised, or did not, was decided when it first arrived.
            return None;
        }
        history[i].level = level;
    } else {
        history.insert(i, GlucoseEntry { at, level });
    }
    // Bounded: the last 24 hours of readings, at most GLUCOSE_HISTORY_MAX.
    let newest = history.last().map_or(at, |e| e.at);
    let horizon = newest.saturating_sub(config.idle_reset_ms);
    let old = history.partition_point(|e| e.at < horizon);
    let excess = history.len().saturating_sub(GLUCOSE_HISTORY_MAX);
    let drop = old.max(excess).min(i);
    if drop > 0 {
        history.drain(..drop);
        let first = history[0].at;
        state.hypo_raised.retain(|r| r.at >= first);
    }
    let i = i - drop;

    if level == 0 {
        return None;
    }
    // The episode around the reading.
    let joined = |a: &GlucoseEntry, b: &GlucoseEntry| {
        a.level > 0 && b.level > 0 && b.at.saturating_sub(a.at) <= config.hypo_episode_gap_ms
    };
    let mut lo = i;
    while lo > 0 && joined(&history[lo - 1], &history[lo]) {
        lo -= 1;
    }
    let mut hi = i;
    while hi + 1 < history.len() && joined(&history[hi], &history[hi + 1]) {
        hi += 1;
    }
    let (from, to) = (history[lo].at, history[hi].at);
    let raised: Vec<HypoRaised> = state
        .hypo_raised
        .iter()
        .copied()
        .filter(|r| r.at >= from && r.at <= to)
        .collect();
    let kind = match level {
        2 if !raised.iter().any(|r| r.level2) => AlertKind::GlucoseHypoL2,
        1 if raised.is_empty() => AlertKind::GlucoseHypoL1,
        _ => return None,
    };
    let level2 = kind == AlertKind::GlucoseHypoL2;
    let threshold = config.glucose.hypo_threshold(level2, unit);
    let u = unit.as_str();
    let what = if level2 {
        "level 2 hypoglycaemia"
    } else {
        "hypoglycaemia"
    };
    let mut message = format!("Glucose {value:.1} {u}: {what} (< {threshold} {u})");
    if let Some(received) = obs.received_at {
        let late = received.saturating_sub(at);
        if late > config.late_arrival_ms {
            message.push_str(&format!(
                "; taken {}, arrived {} ({} min late)",
                clock_text(at),
                clock_text(received),
                late / MINUTE_MS
            ));
        }
    }
    let r = HypoRaised { at, level2 };
    let k = state.hypo_raised.partition_point(|x| x.at <= at);
    state.hypo_raised.insert(k, r);
    alerts.push(Alert {
        kind,
        severity: if level2 {
            Severity::High
        } else {
            Severity::Medium
        },
        band: None,
        total: None,
        parameter: None,
        rise: None,
        baseline: None,
        glucose_mg_dl: Some(mg_dl),
        glucose_status: Some(status),
        at,
        observed_at: at,
        message,
    });
    None
}

/// `2026-11-20T09:00Z`, for alert texts (UTC, to the minute).
fn clock_text(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string())
        .unwrap_or_else(|| millis.to_string())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
