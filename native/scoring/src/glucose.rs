//! Glucose classification on mg/dL (ADA levels).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GlucoseStatus {
    HypoL2,
    HypoL1,
    Normal,
    Hyper,
    HyperSevere,
}

/// Classifies a glucose value in mg/dL.
pub fn classify(_mg_dl: f64) -> GlucoseStatus {
    todo!("implemented by the scoring work")
}
