//! The `query`, `vitals` and `news2` commands.

use std::io::{self, BufRead, BufWriter, StdoutLock, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgGroup, Args};
use vitalflow_core::codes::CodeTable;
use vitalflow_core::{ExtractOptions, Message, Path};
use vitalflow_scoring::news2::{score, Consciousness, News2Input, News2Json, Spo2Scale};

use crate::input::{self, for_each_message};
use crate::util::Failed;

/// Buffered standard output; a closed pipe ends the command quietly.
struct Out(BufWriter<StdoutLock<'static>>);

impl Out {
    fn new() -> Out {
        Out(BufWriter::new(io::stdout().lock()))
    }
    fn line(&mut self, s: &str) -> Result<(), input::Error> {
        writeln!(self.0, "{s}").map_err(write_error)
    }
    fn finish(mut self) -> Result<(), Failed> {
        match self.0.flush() {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err(Failed::msg(format!("write: {e}")))
            }
            _ => Ok(()),
        }
    }
}

fn write_error(e: io::Error) -> input::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        input::Error::Stop
    } else {
        eprintln!("vitalflow: write: {e}");
        input::Error::Stop
    }
}

fn done(out: Out, errors: usize) -> Result<(), Failed> {
    out.finish()?;
    if errors > 0 {
        Err(Failed::quiet())
    } else {
        Ok(())
    }
}

#[derive(Debug, Args)]
#[command(after_help = "\
PATH is SEG[(n)]-F[(r)][-C[-S]], 1-based: PID-3-1, PID-3(2)-1 (second repetition), OBX(3)-5 \
(third OBX), PID-3-4-2 (subcomponent). MSH-1 is the field separator, so MSH-3 is the sending \
application. Values are printed unescaped; an absent element prints an empty line (null with \
--json), a present but empty one an empty line (\"\" with --json). A message that does not parse \
is reported on standard error, prints an empty line (null) to keep lines aligned with messages, \
and makes the exit code 1.

Examples:
  vitalflow query MSH-10 feed.hl7
  vitalflow query --json 'OBX(2)-5' feed.hl7
  cat feed.hl7 | vitalflow query PID-3-1")]
pub struct QueryArgs {
    /// Print each value as a JSON string, or null when absent.
    #[arg(long)]
    pub json: bool,
    /// The path to read, e.g. PID-3-1 or OBX(2)-5.
    pub path: String,
    /// Input files (plain, batch or MLLP-framed); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
}

pub fn query(a: &QueryArgs) -> Result<(), Failed> {
    let path: Path = a.path.parse().map_err(|e| Failed::usage(format!("{e}")))?;
    let mut out = Out::new();
    let render = |v: Option<&str>| -> String {
        match (a.json, v) {
            (true, Some(s)) => serde_json::Value::from(s).to_string(),
            (true, None) => "null".into(),
            (false, v) => v.unwrap_or("").replace(['\r', '\n'], " "),
        }
    };
    let errors = for_each_message(&a.files, |m| match Message::parse(m.bytes) {
        Ok(msg) => {
            let v = msg.get(&path).map(|e| e.value().into_owned());
            out.line(&render(v.as_deref()))
        }
        Err(e) => {
            out.line(&render(None))?;
            Err(m.error(e))
        }
    });
    done(out, errors)
}

#[derive(Debug, Args)]
#[command(after_help = "\
Prints one JSON object per OBX that carries a recognised vital sign (see docs/contract.md, Vital signs): \
message_control_id, obx_index, set_id, patient_id, patient_id_authority, encounter_id, location, \
kind, code, code_system, value, comparator, text, unit, normalized_value, normalized_unit, \
observed_at, status, device_id, glucose_status. A message that does not parse is reported on \
standard error (file, message number, byte offset and where in the message) and makes the exit \
code 1; the other messages are still extracted.

Examples:
  vitalflow vitals feed.hl7
  vitalflow vitals --zone Europe/London --codes site_codes.tsv feed.hl7
  vitalflow simulate | vitalflow vitals")]
pub struct VitalsArgs {
    /// IANA time zone for HL7 timestamps that carry no offset.
    #[arg(long, default_value = "UTC")]
    pub zone: chrono_tz::Tz,
    /// A site's extra codes: tab-separated rows of system, code, kind, unit[, implied unit,
    /// description], as in the built-in vital_codes.tsv.
    #[arg(long, value_name = "FILE")]
    pub codes: Option<PathBuf>,
    /// Input files (plain, batch or MLLP-framed); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
}

pub fn vitals(a: &VitalsArgs) -> Result<(), Failed> {
    let codes: Arc<CodeTable> = match &a.codes {
        Some(p) => CodeTable::builtin_with_file(p).map_err(Failed::usage)?,
        None => CodeTable::builtin(),
    };
    let options = ExtractOptions {
        zone: a.zone,
        codes,
        ..Default::default()
    };
    let mut out = Out::new();
    let errors = for_each_message(&a.files, |m| {
        // The good rows of a message are printed even when one OBX is bad;
        // each bad OBX is reported with its position and fails the run.
        let x =
            vitalflow_core::vitals::extract_lenient(m.bytes, &options).map_err(|e| m.error(e))?;
        for row in x.rows {
            let json =
                serde_json::to_string(&row).map_err(|e| input::Error::Message(e.to_string()))?;
            out.line(&json)?;
        }
        let mut bad = x.errors.into_iter();
        match (bad.next(), bad.len()) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(m.error(first)),
            (Some(first), more) => Err(input::Error::Message(format!(
                "{} (and {more} more bad OBX)",
                first.shifted(m.offset)
            ))),
        }
    });
    done(out, errors)
}

#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("air_or_oxygen").args(["oxygen", "air"])),
    after_help = "\
With any parameter flag, prints one score. With none, reads JSON Lines on standard input, each \
an object with any of resp_rate, spo2, spo2_scale (1 or 2), oxygen (true/false), systolic, \
pulse, consciousness (\"A\", \"C\", \"V\", \"P\" or \"U\") and temperature (°C), and prints one \
score per line. Blank lines are skipped; a bad line is reported on standard error with its line \
number, prints nothing, and makes the exit code 1.

Output: {\"total\":..,\"band\":\"LOW|LOW_MEDIUM|MEDIUM|HIGH\",\"subscores\":{\"resp_rate\":..,\"spo2\":..,\
\"oxygen\":..,\"systolic\":..,\"pulse\":..,\"consciousness\":..,\"temperature\":..},\"missing\":[..],\
\"complete\":..}; a missing parameter's subscore is null.

Examples:
  vitalflow news2 --resp-rate 22 --spo2 93 --air --systolic 105 --pulse 112 --consciousness A --temperature 38.4
  echo '{\"resp_rate\":26,\"spo2\":90,\"oxygen\":true}' | vitalflow news2"
)]
pub struct News2Args {
    /// Respiration rate, breaths per minute.
    #[arg(long, value_name = "N")]
    pub resp_rate: Option<f64>,
    /// SpO2, percent.
    #[arg(long, value_name = "N")]
    pub spo2: Option<f64>,
    /// SpO2 scale: 1, or 2 for patients with hypercapnic respiratory failure.
    #[arg(long, value_name = "1|2", value_parser = clap::value_parser!(u8).range(1..=2))]
    pub spo2_scale: Option<u8>,
    /// On supplemental oxygen.
    #[arg(long)]
    pub oxygen: bool,
    /// On air.
    #[arg(long)]
    pub air: bool,
    /// Systolic blood pressure, mmHg.
    #[arg(long, value_name = "N")]
    pub systolic: Option<f64>,
    /// Pulse, beats per minute.
    #[arg(long, value_name = "N")]
    pub pulse: Option<f64>,
    /// Level of consciousness (ACVPU).
    #[arg(long, value_name = "A|C|V|P|U", value_parser = parse_consciousness)]
    pub consciousness: Option<Consciousness>,
    /// Temperature, °C.
    #[arg(long, value_name = "N")]
    pub temperature: Option<f64>,
}

fn parse_consciousness(s: &str) -> Result<Consciousness, String> {
    s.parse::<Consciousness>()
        .map_err(|_| format!("{s:?} is not one of A, C, V, P, U"))
}

impl News2Args {
    fn input(&self) -> Option<News2Input> {
        let any = self.resp_rate.is_some()
            || self.spo2.is_some()
            || self.spo2_scale.is_some()
            || self.oxygen
            || self.air
            || self.systolic.is_some()
            || self.pulse.is_some()
            || self.consciousness.is_some()
            || self.temperature.is_some();
        any.then(|| News2Input {
            resp_rate: self.resp_rate,
            spo2: self.spo2,
            spo2_scale: if self.spo2_scale == Some(2) {
                Spo2Scale::Scale2
            } else {
                Spo2Scale::Scale1
            },
            oxygen: match (self.oxygen, self.air) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            systolic: self.systolic,
            pulse: self.pulse,
            consciousness: self.consciousness,
            temperature: self.temperature,
        })
    }
}

fn check_finite(input: &News2Input) -> Result<(), String> {
    let values = [
        ("resp_rate", input.resp_rate),
        ("spo2", input.spo2),
        ("systolic", input.systolic),
        ("pulse", input.pulse),
        ("temperature", input.temperature),
    ];
    for (name, v) in values {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(format!("{name} is not a finite number"));
        }
    }
    Ok(())
}

pub fn news2(a: &News2Args) -> Result<(), Failed> {
    let mut out = Out::new();
    if let Some(input) = a.input() {
        check_finite(&input).map_err(Failed::usage)?;
        let json = serde_json::to_string(&score(&input)).map_err(|e| Failed::msg(e.to_string()))?;
        let _ = out.line(&json);
        return out.finish();
    }
    let mut errors = 0;
    for (i, line) in io::stdin().lock().lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| Failed::msg(format!("standard input: line {n}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let input = serde_json::from_str::<News2Json>(&line)
            .map_err(|e| e.to_string())
            .and_then(News2Json::into_input)
            .and_then(|input| check_finite(&input).map(|()| input));
        match input {
            Ok(input) => {
                let json = serde_json::to_string(&score(&input))
                    .map_err(|e| Failed::msg(e.to_string()))?;
                // One score per line as it comes (`tail -f ... | vitalflow news2`).
                if out.line(&json).is_err() || out.0.flush().is_err() {
                    break;
                }
            }
            Err(e) => {
                eprintln!("vitalflow: standard input: line {n}: {e}");
                errors += 1;
            }
        }
    }
    done(out, errors)
}
