//! ACVPU level of consciousness: the vocabulary extraction reads from OBX
//! codes and NEWS2 scores (re-exported as `vitalflow_scoring::news2::Consciousness`).

use std::fmt;
use std::str::FromStr;

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

impl Consciousness {
    /// The ACVPU letter.
    pub fn letter(self) -> char {
        match self {
            Consciousness::A => 'A',
            Consciousness::C => 'C',
            Consciousness::V => 'V',
            Consciousness::P => 'P',
            Consciousness::U => 'U',
        }
    }
}

impl fmt::Display for Consciousness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// Error of parsing a clinical code from text: [`Consciousness::from_str`] here,
/// and `vitalflow_scoring::news2::Spo2Scale::from_str`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Consciousness {
    type Err = ParseError;

    /// Parses an ACVPU letter, case-insensitive, surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(Consciousness::A),
            "C" => Ok(Consciousness::C),
            "V" => Ok(Consciousness::V),
            "P" => Ok(Consciousness::P),
            "U" => Ok(Consciousness::U),
            _ => Err(ParseError(format!(
                "consciousness must be one of A, C, V, P, U, not {s:?}"
            ))),
        }
    }
}
