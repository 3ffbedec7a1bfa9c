//! The `score` command: runs a feed through the per-patient streaming rules
//! (`vitalflow_scoring::alerts`, the one implementation the Flink job calls
//! too), and prints the NEWS2 scores and alerts it raises as JSON Lines.

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
Messages are taken in file order; each message's vital signs for one patient are applied to \
that patient's state as one step. The patient's clock is the newest observation time seen so far \
(a late message does not move it back); rows without a patient id are not scored. Output, one \
JSON object per line:
  {\"type\":\"score\",\"patient_id\":..,\"message_control_id\":..,\"at\":..,\"score\":{NEWS2 as in `news2`}}
  {\"type\":\"alert\",\"patient_id\":..,\"message_control_id\":..,\"at\":..,\"alert\":{kind, severity, band, total, ...}}
A score's `at` is the patient's clock; an alert's `at` is the clock for band escalations and \
NEWS2 rises, the reading's time for a single-parameter 3 and for glucose.
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

fn rfc3339(millis: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
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
        // One step per patient in the message, in order of first appearance.
        // Rows without a patient id are stored elsewhere, never scored.
        let mut steps: Vec<(&str, Vec<alerts::Observation>)> = Vec::new();
        for row in &x.rows {
            let (Some(pid), Some(obs)) = (
                row.patient_id.as_deref(),
                alerts::Observation::from_vital_sign(row),
            ) else {
                continue;
            };
            match steps.iter_mut().find(|(p, _)| *p == pid) {
                Some((_, rows)) => rows.push(obs),
                None => steps.push((pid, vec![obs])),
            }
        }
        let control_id = x.rows.first().map(|r| r.message_control_id.clone());
        for (pid, observations) in steps {
            let p = patients.entry(pid.to_string()).or_default();
            let scale = if a.scale2.iter().any(|s| s == pid) {
                Spo2Scale::Scale2
            } else {
                Spo2Scale::Scale1
            };
            let state = p.state.get_or_insert_with(|| PatientState::new(scale));
            let update = alerts::step(state, &observations, &config);
            if let Some(score) = update.score {
                if !a.summary {
                    let at = update.clock.and_then(rfc3339);
                    write(
                        serde_json::json!({"type": "score", "patient_id": pid, "message_control_id": control_id, "at": at, "score": score}),
                    )?;
                }
                p.last = Some(score);
            }
            for alert in update.alerts {
                if !a.summary {
                    write(
                        serde_json::json!({"type": "alert", "patient_id": pid, "message_control_id": control_id, "at": rfc3339(alert.at), "alert": alert}),
                    )?;
                }
                p.alerts.push(alert);
            }
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
