//! NEWS2 (Royal College of Physicians, 2017) scoring.
//!
//! Implementation: see the helper's work; the types below are the contract
//! shared by the CLI, the JNI bridge and the Flink job.

use serde::{Deserialize, Serialize};

/// ACVPU level of consciousness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Consciousness {
    /// Alert.
    A,
    /// New confusion.
    C,
    /// Responds to voice.
    V,
    /// Responds to pain.
    P,
    /// Unresponsive.
    U,
}

/// Which SpO2 scale applies to a patient (a per-patient clinical decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Spo2Scale {
    #[default]
    Scale1,
    Scale2,
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

/// The result of [`score`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct News2Score {
    pub total: u8,
    pub band: Band,
    pub subscores: Subscores,
    pub missing: Vec<Parameter>,
    pub complete: bool,
}

/// Scores one set of observations.
pub fn score(_input: &News2Input) -> News2Score {
    todo!("implemented by the scoring work")
}
