//! The `score` command: runs a feed through the same per-patient streaming
//! rules as the Flink job (`vitalflow_scoring::alerts`), and prints the NEWS2
//! scores and alerts it raises as JSON Lines.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use vitalflow_core::ExtractOptions;
use vitalflow_scoring::alerts::{self, Alert, PatientState, StreamConfig};
use vitalflow_scoring::news2::{News2Score, Spo2Scale};

use crate::input::{self, for_each_message};
use crate::util::{parse_duration, Failed};

#[derive(Debug, Args)]
#[command(after_help = "\
Messages are taken in file order; each message's vital signs are applied to its patient's state \
as one step, at the message's newest observation time. Output, one JSON object per line:
  {\"type\":\"score\",\"patient_id\":..,\"message_control_id\":..,\"at\":..,\"score\":{NEWS2 as in `news2`}}
  {\"type\":\"alert\",\"patient_id\":..,\"message_control_id\":..,\"alert\":{kind, severity, band, total, ...}}
With --summary, one line per patient at the end instead: the last score and the alerts raised.

Examples:
  vitalflow simulate --patients 8 --duration 6h | vitalflow score
  vitalflow score --summary --scale2 P0003 feed.hl7")]
pub struct ScoreArgs {
    /// Input files (plain, batch or MLLP-framed); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
    /// IANA time zone for HL7 timestamps that carry no offset.
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    pub zone: chrono_tz::Tz,
    /// How long a value stays in the scored set.
    #[arg(long, default_value = "60m", value_parser = parse_duration, value_name = "DURATION")]
    pub freshness: chrono::TimeDelta,
    /// Patients (PID-3-1) on SpO2 scale 2; may repeat.
    #[arg(long = "scale2", value_name = "PATIENT_ID")]
    pub scale2: Vec<String>,
    /// Print one line per patient at the end instead of every score and alert.
    #[arg(long)]
    pub summary: bool,
}

#[derive(Default)]
struct Patient {
    state: Option<PatientState>,
    last: Option<News2Score>,
    alerts: Vec<Alert>,
}

pub fn run(a: &ScoreArgs) -> Result<(), Failed> {
    let options = ExtractOptions {
        zone: a.zone,
        ..Default::default()
    };
    let config = StreamConfig {
        freshness_ms: a.freshness.num_milliseconds(),
        ..Default::default()
    };
    let mut patients: BTreeMap<String, Patient> = BTreeMap::new();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = |v: serde_json::Value| -> Result<(), input::Error> {
        writeln!(out, "{v}").map_err(|_| input::Error::Stop)
    };
    let errors = for_each_message(&a.files, |m| {
        let x =
            vitalflow_core::vitals::extract_lenient(m.bytes, &options).map_err(|e| m.error(e))?;
        let observations: Vec<_> = x
            .rows
            .iter()
            .filter_map(alerts::Observation::from_vital_sign)
            .collect();
        let (Some(row), false) = (x.rows.first(), observations.is_empty()) else {
            return x
                .errors
                .into_iter()
                .next()
                .map_or(Ok(()), |e| Err(m.error(e)));
        };
        let Some(pid) = row.patient_id.clone() else {
            return Err(input::Error::Message(
                "vital signs without a patient id (PID-3-1)".into(),
            ));
        };
        let now = observations
            .iter()
            .map(|o| o.observed_at)
            .max()
            .unwrap_or_default();
        let p = patients.entry(pid.clone()).or_default();
        let scale = if a.scale2.contains(&pid) {
            Spo2Scale::Scale2
        } else {
            Spo2Scale::Scale1
        };
        let state = p.state.get_or_insert_with(|| PatientState::new(scale));
        let update = alerts::apply_all(state, &observations, now, &config);
        let at = chrono::DateTime::from_timestamp_millis(now)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        if let Some(score) = update.score {
            if !a.summary {
                write(
                    serde_json::json!({"type": "score", "patient_id": pid, "message_control_id": row.message_control_id, "at": at, "score": score}),
                )?;
            }
            p.last = Some(score);
        }
        for alert in update.alerts {
            if !a.summary {
                write(
                    serde_json::json!({"type": "alert", "patient_id": pid, "message_control_id": row.message_control_id, "alert": alert}),
                )?;
            }
            p.alerts.push(alert);
        }
        x.errors
            .into_iter()
            .next()
            .map_or(Ok(()), |e| Err(m.error(e)))
    });
    if a.summary {
        for (pid, p) in &patients {
            let kinds: Vec<&str> = p.alerts.iter().map(|x| x.kind.as_str()).collect();
            let line = serde_json::json!({
                "patient_id": pid,
                "total": p.last.as_ref().map(|s| s.total),
                "band": p.last.as_ref().map(|s| s.band),
                "complete": p.last.as_ref().map(|s| s.complete),
                "alerts": kinds,
            });
            if write(line).is_err() {
                break;
            }
        }
    }
    let _ = out.flush();
    if errors > 0 {
        Err(Failed::quiet())
    } else {
        Ok(())
    }
}
