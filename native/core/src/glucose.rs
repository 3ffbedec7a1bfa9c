//! Glucose classification on mg/dL (ADA levels). Lives in the core because
//! extraction classifies every glucose row; `vitalflow_scoring::glucose`
//! re-exports it.
//!
//! `HYPO_L2` < 54; `HYPO_L1` 54 to < 70; `NORMAL` 70–180; `HYPER` > 180 to
//! 250; `HYPER_SEVERE` > 250. Values are classified as given (no rounding):
//! 53.9 is `HYPO_L2`, 180.1 is `HYPER`.

use std::fmt;

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

impl GlucoseStatus {
    /// The contract name, e.g. `HYPO_L1`.
    pub fn as_str(self) -> &'static str {
        match self {
            GlucoseStatus::HypoL2 => "HYPO_L2",
            GlucoseStatus::HypoL1 => "HYPO_L1",
            GlucoseStatus::Normal => "NORMAL",
            GlucoseStatus::Hyper => "HYPER",
            GlucoseStatus::HyperSevere => "HYPER_SEVERE",
        }
    }

    /// Whether this is a level 1 or level 2 hypoglycaemia.
    pub fn is_hypo(self) -> bool {
        matches!(self, GlucoseStatus::HypoL1 | GlucoseStatus::HypoL2)
    }
}

impl fmt::Display for GlucoseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a glucose value in mg/dL.
///
/// A NaN has no class; `classify` puts it in `HYPER_SEVERE` only because it
/// must return something, so callers that may see NaN should use
/// [`try_classify`]. Infinities classify by sign.
///
/// ```
/// use vitalflow_core::glucose::{classify, GlucoseStatus};
///
/// assert_eq!(classify(53.9), GlucoseStatus::HypoL2);
/// assert_eq!(classify(54.0), GlucoseStatus::HypoL1);
/// assert_eq!(classify(70.0), GlucoseStatus::Normal);
/// assert_eq!(classify(180.0), GlucoseStatus::Normal);
/// assert_eq!(classify(180.1), GlucoseStatus::Hyper);
/// assert_eq!(classify(250.1), GlucoseStatus::HyperSevere);
/// ```
pub fn classify(mg_dl: f64) -> GlucoseStatus {
    if mg_dl < 54.0 {
        GlucoseStatus::HypoL2
    } else if mg_dl < 70.0 {
        GlucoseStatus::HypoL1
    } else if mg_dl <= 180.0 {
        GlucoseStatus::Normal
    } else if mg_dl <= 250.0 {
        GlucoseStatus::Hyper
    } else {
        GlucoseStatus::HyperSevere
    }
}

/// Like [`classify`], but `None` for NaN.
///
/// ```
/// use vitalflow_core::glucose::{try_classify, GlucoseStatus};
///
/// assert_eq!(try_classify(f64::NAN), None);
/// assert_eq!(try_classify(69.9), Some(GlucoseStatus::HypoL1));
/// ```
pub fn try_classify(mg_dl: f64) -> Option<GlucoseStatus> {
    (!mg_dl.is_nan()).then(|| classify(mg_dl))
}
