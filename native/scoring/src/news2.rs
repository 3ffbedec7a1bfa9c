//! NEWS2 (Royal College of Physicians, 2017) scoring.
//!
//! The types below are the contract shared by the CLI, the JNI bridge and the
//! Flink job. [`score`] implements the chart of the contract (docs/contract.md,
//! "Scoring"):
//!
//! | parameter | 3 | 2 | 1 | 0 | 1 | 2 | 3 |
//! |---|---|---|---|---|---|---|---|
//! | respiration rate /min | ≤8 | | 9–11 | 12–20 | | 21–24 | ≥25 |
//! | SpO2 scale 1 % | ≤91 | 92–93 | 94–95 | ≥96 | | | |
//! | SpO2 scale 2 % | ≤83 | 84–85 | 86–87 | 88–92, or ≥93 on air | 93–94 on O2 | 95–96 on O2 | ≥97 on O2 |
//! | air or oxygen | | oxygen | | air | | | |
//! | systolic BP mmHg | ≤90 | 91–100 | 101–110 | 111–219 | | | ≥220 |
//! | pulse /min | ≤40 | | 41–50 | 51–90 | 91–110 | 111–130 | ≥131 |
//! | consciousness | | | | A | | | C, V, P or U |
//! | temperature °C | ≤35.0 | | 35.1–36.0 | 36.1–38.0 | 38.1–39.0 | ≥39.1 | |
//!
//! Before banding, temperature is rounded to 0.1 °C and every other parameter
//! to a whole number, half away from zero. Rounding is decimal: a value is
//! rounded as the shortest decimal that denotes it (`38.05` rounds to `38.1`
//! even though the nearest binary double is slightly below 38.05).
//!
//! Values outside any physiological range are still scored by the chart
//! (a negative pulse scores 3 like any pulse ≤ 40); NaN and infinite values
//! count as missing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// ACVPU level of consciousness, and the error of parsing it or a
/// [`Spo2Scale`]: defined in `vitalflow-core` (extraction reads ACVPU codes)
/// and re-exported here.
pub use vitalflow_core::consciousness::{Consciousness, ParseError};

/// Which SpO2 scale applies to a patient (a per-patient clinical decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Spo2Scale {
    #[default]
    Scale1,
    Scale2,
}

impl Spo2Scale {
    /// The scale from its number, 1 or 2.
    pub fn from_number(n: u8) -> Option<Spo2Scale> {
        match n {
            1 => Some(Spo2Scale::Scale1),
            2 => Some(Spo2Scale::Scale2),
            _ => None,
        }
    }

    /// The scale's number, 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            Spo2Scale::Scale1 => 1,
            Spo2Scale::Scale2 => 2,
        }
    }
}

impl fmt::Display for Spo2Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl FromStr for Spo2Scale {
    type Err = ParseError;

    /// Parses `1` or `2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1" => Ok(Spo2Scale::Scale1),
            "2" => Ok(Spo2Scale::Scale2),
            _ => Err(ParseError(format!("spo2 scale must be 1 or 2, not {s:?}"))),
        }
    }
}

/// The NEWS2 parameters, each optional. Values are as measured (before rounding).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct News2Input {
    pub resp_rate: Option<f64>,
    pub spo2: Option<f64>,
    pub spo2_scale: Spo2Scale,
    /// `Some(true)` on supplemental oxygen, `Some(false)` on air, `None` unknown.
    pub oxygen: Option<bool>,
    pub systolic: Option<f64>,
    pub pulse: Option<f64>,
    pub consciousness: Option<Consciousness>,
    /// Degrees Celsius.
    pub temperature: Option<f64>,
}

/// Clinical risk band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Band {
    Low,
    LowMedium,
    Medium,
    High,
}

impl Band {
    /// The contract name: `LOW`, `LOW_MEDIUM`, `MEDIUM`, `HIGH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "LOW",
            Band::LowMedium => "LOW_MEDIUM",
            Band::Medium => "MEDIUM",
            Band::High => "HIGH",
        }
    }

    /// The band of a total, given whether any single parameter scored 3.
    pub fn of(total: u8, any_three: bool) -> Band {
        if total >= 7 {
            Band::High
        } else if total >= 5 {
            Band::Medium
        } else if any_three {
            Band::LowMedium
        } else {
            Band::Low
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One NEWS2 parameter, named as in the contract's `subscores` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    RespRate,
    Spo2,
    Oxygen,
    Systolic,
    Pulse,
    Consciousness,
    Temperature,
}

impl Parameter {
    /// All parameters, in contract order.
    pub const ALL: [Parameter; 7] = [
        Parameter::RespRate,
        Parameter::Spo2,
        Parameter::Oxygen,
        Parameter::Systolic,
        Parameter::Pulse,
        Parameter::Consciousness,
        Parameter::Temperature,
    ];

    /// The contract key, e.g. `resp_rate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Parameter::RespRate => "resp_rate",
            Parameter::Spo2 => "spo2",
            Parameter::Oxygen => "oxygen",
            Parameter::Systolic => "systolic",
            Parameter::Pulse => "pulse",
            Parameter::Consciousness => "consciousness",
            Parameter::Temperature => "temperature",
        }
    }

    /// A human label, e.g. `respiration rate`.
    pub fn label(self) -> &'static str {
        match self {
            Parameter::RespRate => "respiration rate",
            Parameter::Spo2 => "SpO2",
            Parameter::Oxygen => "supplemental oxygen",
            Parameter::Systolic => "systolic blood pressure",
            Parameter::Pulse => "pulse",
            Parameter::Consciousness => "consciousness",
            Parameter::Temperature => "temperature",
        }
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-parameter scores; `None` where the parameter is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscores {
    pub resp_rate: Option<u8>,
    pub spo2: Option<u8>,
    pub oxygen: Option<u8>,
    pub systolic: Option<u8>,
    pub pulse: Option<u8>,
    pub consciousness: Option<u8>,
    pub temperature: Option<u8>,
}

impl Subscores {
    /// The subscore of one parameter.
    pub fn get(&self, p: Parameter) -> Option<u8> {
        match p {
            Parameter::RespRate => self.resp_rate,
            Parameter::Spo2 => self.spo2,
            Parameter::Oxygen => self.oxygen,
            Parameter::Systolic => self.systolic,
            Parameter::Pulse => self.pulse,
            Parameter::Consciousness => self.consciousness,
            Parameter::Temperature => self.temperature,
        }
    }

    /// `(parameter, subscore)` for every parameter, in contract order.
    pub fn iter(&self) -> impl Iterator<Item = (Parameter, Option<u8>)> + '_ {
        Parameter::ALL.into_iter().map(move |p| (p, self.get(p)))
    }
}

/// The result of [`score`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct News2Score {
    pub total: u8,
    pub band: Band,
    pub subscores: Subscores,
    pub missing: Vec<Parameter>,
    pub complete: bool,
}

impl News2Score {
    /// The parameters that scored 3, in contract order.
    pub fn threes(&self) -> Vec<Parameter> {
        self.subscores
            .iter()
            .filter(|(_, s)| *s == Some(3))
            .map(|(p, _)| p)
            .collect()
    }
}

/// A finite value, or `None` (NaN and infinities count as missing).
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Rounds to a whole number, half away from zero. `f64::round` is exact here:
/// every `n + 0.5` is a binary double, so no decimal/binary mismatch arises.
fn whole(x: f64) -> i64 {
    // Clamped so that the cast never saturates surprisingly; the clamp does
    // not change any band.
    x.clamp(-1e9, 1e9).round() as i64
}

/// Temperature in tenths of a degree, rounded half away from zero on the
/// shortest decimal representation of `x` (so `38.05` gives 381 and `38.04`
/// gives 380, whatever their binary approximations are).
pub fn round_tenths(x: f64) -> i64 {
    let x = x.clamp(-1e9, 1e9);
    // `Display` of f64 is the shortest decimal that round-trips, never in
    // exponent notation.
    let s = format!("{}", x.abs());
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    let int: i64 = int_part.parse().unwrap_or(0);
    let mut digits = frac_part.bytes().map(|b| i64::from(b.wrapping_sub(b'0')));
    let tenth = digits.next().unwrap_or(0);
    let hundredth = digits.next().unwrap_or(0);
    let mut tenths = int * 10 + tenth;
    if hundredth >= 5 {
        tenths += 1;
    }
    if x < 0.0 {
        -tenths
    } else {
        tenths
    }
}

/// Respiration rate subscore (measured breaths/min, before rounding).
pub fn resp_rate_subscore(v: f64) -> u8 {
    match whole(v) {
        ..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        _ => 3,
    }
}

/// SpO2 subscore. `oxygen` is `Some(true)` on supplemental oxygen; on scale 2
/// an unknown oxygen (`None`) is scored as air. Scale 1 ignores `oxygen`.
pub fn spo2_subscore(v: f64, scale: Spo2Scale, oxygen: Option<bool>) -> u8 {
    let v = whole(v);
    match scale {
        Spo2Scale::Scale1 => match v {
            ..=91 => 3,
            92..=93 => 2,
            94..=95 => 1,
            _ => 0,
        },
        Spo2Scale::Scale2 => match v {
            ..=83 => 3,
            84..=85 => 2,
            86..=87 => 1,
            88..=92 => 0,
            _ if oxygen != Some(true) => 0,
            93..=94 => 1,
            95..=96 => 2,
            _ => 3,
        },
    }
}

/// Air-or-oxygen subscore: 2 on supplemental oxygen, 0 on air.
pub fn oxygen_subscore(on_oxygen: bool) -> u8 {
    if on_oxygen {
        2
    } else {
        0
    }
}

/// Whether a patient is on supplemental oxygen, from an inspired oxygen
/// fraction in % (FiO2 > 21 %) or an oxygen flow in L/min (flow > 0).
/// `None` when neither is known (non-finite values count as unknown).
pub fn on_oxygen(fio2_percent: Option<f64>, o2_flow_l_min: Option<f64>) -> Option<bool> {
    let by_fio2 = finite(fio2_percent).map(|f| f > 21.0);
    let by_flow = finite(o2_flow_l_min).map(|f| f > 0.0);
    match (by_fio2, by_flow) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
    }
}

/// Systolic blood pressure subscore (mmHg).
pub fn systolic_subscore(v: f64) -> u8 {
    match whole(v) {
        ..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        _ => 3,
    }
}

/// Pulse subscore (beats/min).
pub fn pulse_subscore(v: f64) -> u8 {
    match whole(v) {
        ..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        _ => 3,
    }
}

/// Consciousness subscore: A scores 0, new confusion, V, P or U score 3.
pub fn consciousness_subscore(c: Consciousness) -> u8 {
    match c {
        Consciousness::A => 0,
        _ => 3,
    }
}

/// Temperature subscore (°C, rounded to 0.1 before banding).
pub fn temperature_subscore(v: f64) -> u8 {
    match round_tenths(v) {
        ..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        _ => 2,
    }
}

/// Scores one set of observations.
///
/// Missing parameters (and NaN or infinite values) score nothing, are listed
/// in `missing` in [`Parameter`] order, and make `complete` false. On SpO2
/// scale 2 with oxygen unknown, SpO2 is scored as on air.
///
/// ```
/// use vitalflow_scoring::news2::{score, Band, Consciousness, News2Input, Parameter};
///
/// let s = score(&News2Input {
///     resp_rate: Some(22.0),   // 2
///     spo2: Some(95.0),        // 1 (scale 1)
///     oxygen: None,            // missing
///     systolic: Some(105.0),   // 1
///     pulse: Some(88.0),       // 0
///     consciousness: Some(Consciousness::A), // 0
///     temperature: Some(38.05), // rounds to 38.1: 1
///     ..Default::default()
/// });
/// assert_eq!(s.total, 5);
/// assert_eq!(s.band, Band::Medium);
/// assert_eq!(s.missing, vec![Parameter::Oxygen]);
/// assert!(!s.complete);
/// ```
pub fn score(input: &News2Input) -> News2Score {
    let subscores = Subscores {
        resp_rate: finite(input.resp_rate).map(resp_rate_subscore),
        spo2: finite(input.spo2).map(|v| spo2_subscore(v, input.spo2_scale, input.oxygen)),
        oxygen: input.oxygen.map(oxygen_subscore),
        systolic: finite(input.systolic).map(systolic_subscore),
        pulse: finite(input.pulse).map(pulse_subscore),
        consciousness: input.consciousness.map(consciousness_subscore),
        temperature: finite(input.temperature).map(temperature_subscore),
    };
    let total = subscores.iter().filter_map(|(_, s)| s).sum::<u8>();
    let any_three = subscores.iter().any(|(_, s)| s == Some(3));
    let missing: Vec<Parameter> = subscores
        .iter()
        .filter(|(_, s)| s.is_none())
        .map(|(p, _)| p)
        .collect();
    News2Score {
        total,
        band: Band::of(total, any_three),
        subscores,
        complete: missing.is_empty(),
        missing,
    }
}

/// One line of the CLI's JSON Lines input (`vitalflow news2`): an object with
/// any of these keys; absent keys and `null` are missing parameters. Unknown
/// keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct News2Json {
    pub resp_rate: Option<f64>,
    pub spo2: Option<f64>,
    /// 1 or 2 (a JSON number); absent means scale 1.
    pub spo2_scale: Option<f64>,
    /// `true` on supplemental oxygen, `false` on air.
    pub oxygen: Option<bool>,
    pub systolic: Option<f64>,
    pub pulse: Option<f64>,
    /// An ACVPU letter, case-insensitive.
    pub consciousness: Option<String>,
    /// Degrees Celsius.
    pub temperature: Option<f64>,
}

impl News2Json {
    /// Validates into a [`News2Input`]: `spo2_scale` must be 1 or 2 and
    /// `consciousness` one of A, C, V, P, U.
    pub fn into_input(self) -> Result<News2Input, String> {
        let spo2_scale = match self.spo2_scale {
            None => Spo2Scale::Scale1,
            Some(1.0) => Spo2Scale::Scale1,
            Some(2.0) => Spo2Scale::Scale2,
            Some(n) => return Err(format!("spo2_scale must be 1 or 2, not {n}")),
        };
        let consciousness = self
            .consciousness
            .as_deref()
            .map(str::parse::<Consciousness>)
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(News2Input {
            resp_rate: self.resp_rate,
            spo2: self.spo2,
            spo2_scale,
            oxygen: self.oxygen,
            systolic: self.systolic,
            pulse: self.pulse,
            consciousness,
            temperature: self.temperature,
        })
    }
}
