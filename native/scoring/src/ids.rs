//! The natural keys of scores and alerts, the one definition (the Flink job's
//! records carry what this computes; the warehouse upserts by them, so a replay
//! or a restart writes the same ids and duplicates nothing).
//!
//! - `score_id`: `<patient>@<clock in epoch microseconds>`: one score per patient
//!   and clock time;
//! - `alert_id`: `<patient>@<kind>[:<parameter>]@<raised at, epoch microseconds>`.
//!
//! The patient is the stream's key (the patient id of `docs/contract.md`). The
//! formats are part of the warehouse's contract: changing one would make a replay
//! after an upgrade write a second row for every score and alert.

use crate::alerts::Alert;

/// Epoch milliseconds as the microseconds of the Avro `timestamp-micros` fields
/// (wrapping as the JVM's `long` arithmetic does, so ids never differ from the
/// ones written before this function existed).
fn micros(millis: i64) -> i64 {
    millis.wrapping_mul(1000)
}

/// The `score_id` of the score a patient's rules emit at `clock_millis`.
pub fn score_id(patient_id: &str, clock_millis: i64) -> String {
    format!("{patient_id}@{}", micros(clock_millis))
}

/// The `alert_id` of `alert`, raised for `patient_id`.
pub fn alert_id(patient_id: &str, alert: &Alert) -> String {
    match alert.parameter {
        Some(p) => format!(
            "{patient_id}@{}:{}@{}",
            alert.kind.as_str(),
            p.as_str(),
            micros(alert.at)
        ),
        None => format!("{patient_id}@{}@{}", alert.kind.as_str(), micros(alert.at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{AlertKind, Severity};
    use crate::news2::Parameter;

    fn alert(kind: AlertKind, parameter: Option<Parameter>) -> Alert {
        Alert {
            kind,
            severity: Severity::High,
            band: None,
            total: None,
            parameter,
            rise: None,
            baseline: None,
            glucose_mg_dl: None,
            glucose_status: None,
            at: 1_700_000_000_123,
            observed_at: 1_700_000_000_000,
            message: String::new(),
        }
    }

    #[test]
    fn the_formats_are_the_warehouse_keys() {
        assert_eq!(score_id("MRN1", 1_700_000_000_123), "MRN1@1700000000123000");
        assert_eq!(
            alert_id("MRN1", &alert(AlertKind::BandEscalation, None)),
            "MRN1@BAND_ESCALATION@1700000000123000"
        );
        let single = alert(AlertKind::SingleParameter3, Some(Parameter::RespRate));
        assert_eq!(
            alert_id("MRN1", &single),
            format!(
                "MRN1@SINGLE_PARAMETER_3:{}@1700000000123000",
                Parameter::RespRate.as_str()
            )
        );
    }
}
