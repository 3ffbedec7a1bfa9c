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
    ///
    /// The time is [`VitalSign::scored_at`]: the observation time, or the
    /// receipt time when the device clock was wrong. The receipt time, when
    /// the row has one, travels as [`Observation::received_at`].
    pub fn from_vital_sign(row: &VitalSign) -> Option<Observation> {
        let at = row.scored_at()?.timestamp_millis();
        let received = row.received_at.map(|t| t.timestamp_millis());
        let clock_error = row.clock_error && received.is_some();
        let with_receipt = |o: Observation| {
            let o = match received {
                Some(r) => o.received(r),
                None => o,
            };
            if clock_error {
                o.with_clock_error()
            } else {
                o
            }
        };
        if row.kind == VitalKind::Consciousness {
            let letter = row.text.as_deref()?.parse().ok()?;
            return Some(with_receipt(Observation::new(
                Reading::Consciousness(letter),
                at,
            )));
        }
        let v = row.normalized_value?;
        let reading = match row.kind {
            VitalKind::RespiratoryRate => Reading::RespRate(v),
            VitalKind::Spo2 => Reading::Spo2(v),
            VitalKind::SystolicBp => Reading::Systolic(v),
            VitalKind::HeartRate => Reading::Pulse(v),
            VitalKind::Temperature => Reading::Temperature(v),
            // Judged in the unit sent: the only conversion to mg/dL is from
            // mmol/L, so a value that normalisation changed was sent in mmol/L.
            VitalKind::Glucose => match row.value {
                Some(sent) if sent != v => Reading::GlucoseMmolL(sent),
                _ => Reading::GlucoseMgDl(v),
            },
            VitalKind::InspiredO2 => match row.normalized_unit.as_deref() {
                Some("%") => Reading::Fio2(v),
                Some("L/min") => Reading::O2Flow(v),
                _ => return None,
            },
            // NEWS2's parameters are fixed by the RCP chart: every other kind
            // (diastolic and mean pressure, and any kind added to the schema
            // later) is stored, never scored.
            _ => return None,
        };
        Some(with_receipt(Observation::new(reading, at)))
    }
}

/// One patient's part of a message: the observations the rules apply as one
/// step.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientStep<'r> {
    pub patient_id: &'r str,
    pub observations: Vec<Observation>,
}

/// What a message gives the rules: one step per patient (in order of first
/// appearance), and why nothing is scored when that is so.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessageSteps<'r> {
    pub steps: Vec<PatientStep<'r>>,
    /// The message is not scored because of its MSH-11 processing id (a
    /// training or debugging message): its rows are stored, never scored.
    pub not_scored_processing_id: bool,
    /// Rows scored at their receipt time because the device clock was wrong.
    pub clock_errors: usize,
}

/// The steps of a message's rows, as `vitalflow score` and the Flink job
/// both apply them: rows without a patient id are never scored; a message
/// whose MSH-11 the configuration does not score gives no step.
pub fn message_steps<'r>(
    rows: &'r [VitalSign],
    config: &crate::alerts::StreamConfig,
) -> MessageSteps<'r> {
    let mut out = MessageSteps {
        clock_errors: rows.iter().filter(|r| r.clock_error).count(),
        ..MessageSteps::default()
    };
    if let Some(first) = rows.first() {
        if !config.scores_processing_id(first.processing_id.as_deref()) {
            out.not_scored_processing_id = true;
            return out;
        }
    }
    for row in rows {
        let (Some(pid), Some(obs)) = (row.patient_id.as_deref(), Observation::from_vital_sign(row))
        else {
            continue;
        };
        match out.steps.iter_mut().find(|s| s.patient_id == pid) {
            Some(s) => s.observations.push(obs),
            None => out.steps.push(PatientStep {
                patient_id: pid,
                observations: vec![obs],
            }),
        }
    }
    out
}

/// Every patient of a message's rows (PID-3-1, in order of first appearance)
/// with that patient's part as a step takes it ([`crate::wire::PatientRows`]):
/// the message's MSH-11, the observations (none when the patient's rows score
/// nothing) and the patient's rows with a wrong device clock. What the Flink
/// job computes once per message and hands to each patient's step, so that
/// the step never reads the message again. Rows without a patient id belong
/// to no one and are never scored (as in [`message_steps`]).
///
/// ```
/// use vitalflow_core::vitals::{extract, ExtractOptions};
/// use vitalflow_scoring::observation::patient_rows;
/// let msg = b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C1|P|2.6\rPID|1||P1\r\
/// OBX|1|NM|8867-4^HR^LN||72|/min|||||F\rOBX|2|NM|8462-4^DBP^LN||80|mm[Hg]|||||F\r";
/// let rows = extract(msg, &ExtractOptions::default()).unwrap();
/// let by_patient = patient_rows(&rows);
/// assert_eq!(by_patient.len(), 1);
/// assert_eq!(by_patient[0].0, "P1");
/// assert_eq!(by_patient[0].1.observations.len(), 1); // diastolic scores nothing
/// assert_eq!(by_patient[0].1.processing_id.as_deref(), Some("P"));
/// ```
pub fn patient_rows(rows: &[VitalSign]) -> Vec<(&str, crate::wire::PatientRows)> {
    let mut out: Vec<(&str, crate::wire::PatientRows)> = Vec::new();
    let processing_id = rows.first().and_then(|r| r.processing_id.clone());
    for row in rows {
        let Some(pid) = row.patient_id.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let at = match out.iter().position(|(p, _)| *p == pid) {
            Some(i) => i,
            None => {
                out.push((
                    pid,
                    crate::wire::PatientRows {
                        processing_id: processing_id.clone(),
                        ..Default::default()
                    },
                ));
                out.len() - 1
            }
        };
        let part = &mut out[at].1;
        if row.clock_error {
            part.clock_errors = part.clock_errors.saturating_add(1);
        }
        if let Some(obs) = Observation::from_vital_sign(row) {
            part.observations.push(obs);
        }
    }
    out
}
