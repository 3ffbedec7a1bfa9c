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

/// The unit a glucose reading was sent in, as far as the hypoglycaemia
/// thresholds care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GlucoseUnit {
    /// mg/dL.
    #[serde(rename = "mg/dL")]
    MgDl,
    /// mmol/L.
    #[serde(rename = "mmol/L")]
    MmolL,
}

impl GlucoseUnit {
    /// The UCUM code, `mg/dL` or `mmol/L`.
    pub fn as_str(self) -> &'static str {
        match self {
            GlucoseUnit::MgDl => "mg/dL",
            GlucoseUnit::MmolL => "mmol/L",
        }
    }
}

/// A site's hypoglycaemia thresholds, one pair per unit, compared in the unit
/// the reading was sent in (docs/contract.md, "Glucose status"). The
/// defaults are the ADA levels: level 1 below 70 mg/dL or 3.9 mmol/L, level
/// 2 below 54 mg/dL or 3.0 mmol/L. A UK site following JBDS sets level 1 to
/// 4.0 mmol/L. Hyperglycaemia stays on mg/dL (above 180 and 250).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlucoseThresholds {
    /// Level 1 below this, in mg/dL (default 70).
    pub hypo_l1_mg_dl: f64,
    /// Level 2 below this, in mg/dL (default 54).
    pub hypo_l2_mg_dl: f64,
    /// Level 1 below this, in mmol/L (default 3.9).
    pub hypo_l1_mmol_l: f64,
    /// Level 2 below this, in mmol/L (default 3.0).
    pub hypo_l2_mmol_l: f64,
}

impl Default for GlucoseThresholds {
    fn default() -> Self {
        GlucoseThresholds {
            hypo_l1_mg_dl: 70.0,
            hypo_l2_mg_dl: 54.0,
            hypo_l1_mmol_l: 3.9,
            hypo_l2_mmol_l: 3.0,
        }
    }
}

impl GlucoseThresholds {
    /// Checks that each pair is finite, positive and level 2 below level 1;
    /// the error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        for (name, l1, l2) in [
            ("mg/dL", self.hypo_l1_mg_dl, self.hypo_l2_mg_dl),
            ("mmol/L", self.hypo_l1_mmol_l, self.hypo_l2_mmol_l),
        ] {
            if !(l1.is_finite() && l2.is_finite() && l2 > 0.0 && l2 < l1) {
                return Err(format!(
                    "glucose thresholds in {name}: level 2 ({l2}) must be positive and below level 1 ({l1})"
                ));
            }
        }
        Ok(())
    }

    /// The threshold that a reading in `unit` must be below to be at
    /// `level` (1 or 2).
    pub fn hypo_threshold(&self, level2: bool, unit: GlucoseUnit) -> f64 {
        match (unit, level2) {
            (GlucoseUnit::MgDl, false) => self.hypo_l1_mg_dl,
            (GlucoseUnit::MgDl, true) => self.hypo_l2_mg_dl,
            (GlucoseUnit::MmolL, false) => self.hypo_l1_mmol_l,
            (GlucoseUnit::MmolL, true) => self.hypo_l2_mmol_l,
        }
    }

    /// Classifies `value` as sent in `unit`: the hypoglycaemia levels by this
    /// site's thresholds in that unit, everything else by [`classify`] on
    /// mg/dL.
    ///
    /// ```
    /// use vitalflow_core::glucose::{GlucoseStatus, GlucoseThresholds, GlucoseUnit};
    /// let ada = GlucoseThresholds::default();
    /// assert_eq!(ada.classify(3.9, GlucoseUnit::MmolL), GlucoseStatus::Normal);
    /// let jbds = GlucoseThresholds { hypo_l1_mmol_l: 4.0, ..ada };
    /// assert_eq!(jbds.classify(3.9, GlucoseUnit::MmolL), GlucoseStatus::HypoL1);
    /// assert_eq!(ada.classify(2.9, GlucoseUnit::MmolL), GlucoseStatus::HypoL2);
    /// assert_eq!(ada.classify(69.9, GlucoseUnit::MgDl), GlucoseStatus::HypoL1);
    /// ```
    pub fn classify(&self, value: f64, unit: GlucoseUnit) -> GlucoseStatus {
        if value < self.hypo_threshold(true, unit) {
            return GlucoseStatus::HypoL2;
        }
        if value < self.hypo_threshold(false, unit) {
            return GlucoseStatus::HypoL1;
        }
        let mg_dl = match unit {
            GlucoseUnit::MgDl => value,
            GlucoseUnit::MmolL => value * crate::units::GLUCOSE_MG_DL_PER_MMOL_L,
        };
        match classify(mg_dl) {
            // at or above this site's level 1 threshold: not a hypoglycaemia,
            // whatever the mg/dL conversion says
            s if s.is_hypo() => GlucoseStatus::Normal,
            s => s,
        }
    }
}
