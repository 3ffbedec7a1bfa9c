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
use vitalflow_scoring::observation::{message_steps, PatientStep};

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
Receipt times: a row observed more than --clock-tolerance after its message was received has a \
wrong device clock and is scored at the receipt time. The receipt time is MSH-7 unless \
--receipts gives it (a tab-separated file, one line per message: MSH-10 and an RFC 3339 time, or \
MSH-3, MSH-4, MSH-10 and the time). Only messages whose MSH-11 is P (or T with --score-training) \
are scored; the others are counted on standard error.
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
    /// When each message was received: MSH-10<TAB>RFC 3339 time, or
    /// MSH-3<TAB>MSH-4<TAB>MSH-10<TAB>time, one per line. Without it, MSH-7.
    #[arg(long, value_name = "FILE")]
    pub receipts: Option<PathBuf>,
    /// How far after its receipt an observation time may be before it is a
    /// device clock error.
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub clock_tolerance: chrono::TimeDelta,
    /// Score MSH-11 `T` (training) messages as well as `P`.
    #[arg(long)]
    pub score_training: bool,
    /// Hypoglycaemia level 1 below this many mg/dL.
    #[arg(long, default_value_t = 70.0, value_name = "MG_DL")]
    pub hypo_l1_mg_dl: f64,
    /// Hypoglycaemia level 2 below this many mg/dL.
    #[arg(long, default_value_t = 54.0, value_name = "MG_DL")]
    pub hypo_l2_mg_dl: f64,
    /// Hypoglycaemia level 1 below this many mmol/L (JBDS: 4.0).
    #[arg(long, default_value_t = 3.9, value_name = "MMOL_L")]
    pub hypo_l1_mmol_l: f64,
    /// Hypoglycaemia level 2 below this many mmol/L.
    #[arg(long, default_value_t = 3.0, value_name = "MMOL_L")]
    pub hypo_l2_mmol_l: f64,
}

/// Receipt times by (MSH-3, MSH-4, MSH-10), or by MSH-10 alone.
#[derive(Default)]
struct Receipts {
    by_sender: std::collections::HashMap<(String, String, String), chrono::DateTime<chrono::Utc>>,
    by_control_id: std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>,
}

impl Receipts {
    fn read(path: &std::path::Path) -> Result<Receipts, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut r = Receipts::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let bad = || {
                format!("{}:{}: expected MSH-10 and a time, or MSH-3, MSH-4, MSH-10 and a time, tab-separated", path.display(), n + 1)
            };
            let time = |s: &str| {
                chrono::DateTime::parse_from_rfc3339(s.trim())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|e| {
                        format!("{}:{}: not an RFC 3339 time ({e})", path.display(), n + 1)
                    })
            };
            match cols.as_slice() {
                [id, t] => {
                    r.by_control_id.insert(id.to_string(), time(t)?);
                }
                [app, fac, id, t] => {
                    r.by_sender
                        .insert((app.to_string(), fac.to_string(), id.to_string()), time(t)?);
                }
                _ => return Err(bad()),
            }
        }
        Ok(r)
    }

    fn of(&self, bytes: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
        if self.by_sender.is_empty() && self.by_control_id.is_empty() {
            return None;
        }
        let msg = vitalflow_core::Message::parse(bytes).ok()?;
        let get = |p: &str| {
            msg.query(p)
                .ok()
                .flatten()
                .map(|v| v.into_owned())
                .unwrap_or_default()
        };
        let id = get("MSH-10");
        self.by_sender
            .get(&(get("MSH-3-1"), get("MSH-4-1"), id.clone()))
            .or_else(|| self.by_control_id.get(&id))
            .copied()
    }
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
    let glucose = vitalflow_core::glucose::GlucoseThresholds {
        hypo_l1_mg_dl: a.hypo_l1_mg_dl,
        hypo_l2_mg_dl: a.hypo_l2_mg_dl,
        hypo_l1_mmol_l: a.hypo_l1_mmol_l,
        hypo_l2_mmol_l: a.hypo_l2_mmol_l,
    };
    glucose.validate().map_err(Failed::usage)?;
    let options = ExtractOptions {
        zone: a.zone,
        clock_tolerance: a.clock_tolerance,
        glucose,
        ..Default::default()
    };
    let mut scored_processing_ids = vec!["P".to_string()];
    if a.score_training {
        scored_processing_ids.push("T".to_string());
    }
    let config = StreamConfig {
        freshness_ms: a.freshness.num_milliseconds(),
        glucose,
        scored_processing_ids,
        ..Default::default()
    };
    let receipts = match &a.receipts {
        Some(p) => Receipts::read(p).map_err(Failed::usage)?,
        None => Receipts::default(),
    };
    let (mut not_scored, mut clock_errors) = (0usize, 0usize);
    let mut patients: BTreeMap<String, Patient> = BTreeMap::new();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut write = |v: serde_json::Value| -> Result<(), input::Error> {
        writeln!(out, "{v}").map_err(|_| input::Error::Stop)
    };
    let errors = for_each_message(&a.files, |m| {
        let x = vitalflow_core::vitals::extract_lenient_received(
            m.bytes,
            &options,
            receipts.of(m.bytes),
        )
        .map_err(|e| m.error(e))?;
        // One step per patient in the message, in order of first appearance
        // (the same function the Flink job calls).
        let steps = message_steps(&x.rows, &config);
        not_scored += usize::from(steps.not_scored_processing_id);
        clock_errors += steps.clock_errors;
        let control_id = x.rows.first().map(|r| r.message_control_id.clone());
        for PatientStep {
            patient_id: pid,
            observations,
        } in steps.steps
        {
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
    if not_scored > 0 {
        eprintln!(
            "vitalflow score: {not_scored} message(s) not scored: MSH-11 is not {}",
            config.scored_processing_ids.join(" or ")
        );
    }
    if clock_errors > 0 {
        eprintln!(
            "vitalflow score: {clock_errors} row(s) with a device clock error, scored at their receipt time"
        );
    }
    if errors > 0 {
        Err(Failed::quiet())
    } else {
        Ok(())
    }
}
