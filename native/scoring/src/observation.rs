//! From an extracted vital-sign row to the reading the alert rules take.
//!
//! Kept out of `alerts.rs` (the rules) on purpose: this is the seam between
//! extraction (`vitalflow-core`) and scoring.

use vitalflow_core::vitals::{VitalKind, VitalSign};

use crate::alerts::{Observation, Reading};

impl Observation {
    /// The reading `row` contributes to NEWS2 or glucose alerting, with its
    /// observation time in epoch milliseconds; `None` for rows that score
    /// nothing (diastolic and mean pressure) and rows without a normalised
    /// value or time. An SN comparator is ignored for scoring (see
    /// docs/contract.md), so `>^220` scores as 220.
    ///
    /// ```
    /// use vitalflow_core::vitals::{extract, ExtractOptions};
    /// use vitalflow_scoring::alerts::{Observation, Reading};
    /// let msg = b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C1|P|2.6\rOBX|1|NM|8310-5^Temp^LN||100.4|[degF]|||||F\r";
    /// let row = &extract(msg, &ExtractOptions::default()).unwrap()[0];
    /// let obs = Observation::from_vital_sign(row).unwrap();
    /// assert!(matches!(obs.reading, Reading::Temperature(t) if (t - 38.0).abs() < 1e-9));
    /// assert_eq!(obs.observed_at, 1_795_154_400_000);
    /// ```
    pub fn from_vital_sign(row: &VitalSign) -> Option<Observation> {
        let at = row.observed_at?.timestamp_millis();
        if row.kind == VitalKind::Consciousness {
            let letter = row.text.as_deref()?.parse().ok()?;
            return Some(Observation::new(Reading::Consciousness(letter), at));
        }
        let v = row.normalized_value?;
        let reading = match row.kind {
            VitalKind::RespiratoryRate => Reading::RespRate(v),
            VitalKind::Spo2 => Reading::Spo2(v),
            VitalKind::SystolicBp => Reading::Systolic(v),
            VitalKind::HeartRate => Reading::Pulse(v),
            VitalKind::Temperature => Reading::Temperature(v),
            VitalKind::Glucose => Reading::GlucoseMgDl(v),
            VitalKind::InspiredO2 => match row.normalized_unit.as_deref() {
                Some("%") => Reading::Fio2(v),
                Some("L/min") => Reading::O2Flow(v),
                _ => return None,
            },
            VitalKind::DiastolicBp | VitalKind::MeanBp | VitalKind::Consciousness => return None,
        };
        Some(Observation::new(reading, at))
    }
}
