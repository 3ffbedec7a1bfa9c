//! `vitalflow simulate`: realistic ORU^R01 feeds for a ward of synthetic patients.

pub mod hl7;
pub mod physiology;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use clap::{Args, ValueEnum};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::mllp_client::{AckClass, Client, ClientError};
use crate::util::{parse_duration, parse_start, Failed};
use hl7::{AdtEvent, Identity, Style};
use physiology::Patient;

/// Framing of file or standard-output output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Framing {
    /// Messages back to back, segments ended by `\r` (valid HL7 v2).
    Plain,
    /// Each message in an MLLP frame (0x0B ... 0x1C 0x0D).
    Mllp,
    /// Segments ended by `\n`, a blank line between messages: for reading in a terminal.
    Lines,
}

/// Message style of the simulated feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StyleChoice {
    /// Each patient gets one style at random (about half each).
    Mixed,
    /// IHE PCD-01 (MDC codes and units, device ids, OBX-14 with offset).
    Pcd01,
    /// LOINC codes and UCUM units, local time without offset.
    Loinc,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each patient has a baseline, random-walk drift and measurement noise; deteriorating patients \
follow a sepsis-like course (rising respiratory rate, pulse and temperature, falling SpO2 and \
systolic pressure, oxygen started, new confusion late). About a third of patients have \
point-of-care glucose (mg/dL or mmol/L, some hypoglycaemic). The same --seed and options \
always give the same messages.

Live output (--mllp, --kafka) is never dated in the future: a feed that would end more than a \
minute after now is refused unless --real-time sends each message when its time comes (a device \
clock ahead of the receiver is what the pipeline flags as a clock error). --end now simulates \
the past instead.

Examples:
  vitalflow simulate --patients 20 --duration 6h --interval 15m --out feed.hl7
  vitalflow simulate --seed 7 --count 4 | vitalflow vitals
  vitalflow simulate --patients 5 --end now --duration 4h --mllp 127.0.0.1:2575   # the past 4 hours
  vitalflow simulate --patients 5 --start now --real-time --mllp 127.0.0.1:2575   # a live ward")]
pub struct SimulateArgs {
    /// Random seed: the same seed gives the same feed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of patients.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub patients: u32,
    /// Fraction of patients who deteriorate (at least one when > 0).
    #[arg(long, default_value_t = 0.3, value_parser = parse_fraction)]
    pub deteriorating: f64,
    /// Readings per patient.
    #[arg(long, conflicts_with = "duration", value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
    /// Simulated time span, e.g. 90m, 12h, 2d (readings = duration / interval). Default: 12 readings.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Time between a patient's readings, e.g. 15m, 30s.
    #[arg(long, default_value = "15m", value_parser = parse_duration)]
    pub interval: Duration,
    /// Time of the first reading: RFC 3339 (2026-11-20T06:00:00Z), or `now`.
    /// Default: 2026-11-20T06:00:00Z.
    #[arg(long, value_name = "TIME", value_parser = parse_start, conflicts_with = "end")]
    pub start: Option<DateTime<Utc>>,
    /// Simulate the span that ends at TIME instead (RFC 3339, or `now`): it starts --duration
    /// (or --count readings) before, earlier if needed so that no message is dated after TIME.
    /// `--end now --duration 4h` is the past 4 hours.
    #[arg(long, value_name = "TIME", value_parser = parse_start)]
    pub end: Option<DateTime<Utc>>,
    /// Local zone of LOINC-style feeds (their timestamps carry no offset).
    #[arg(long, default_value = "UTC")]
    pub zone: Tz,
    /// Message style.
    #[arg(long, value_enum, default_value_t = StyleChoice::Mixed)]
    pub style: StyleChoice,
    /// Write to this file instead of standard output.
    #[arg(long, conflicts_with = "mllp")]
    pub out: Option<PathBuf>,
    /// Framing of file or standard-output output.
    #[arg(long, value_enum, default_value_t = Framing::Plain)]
    pub framing: Framing,
    /// Send to an MLLP listener at HOST:PORT, waiting for each ACK.
    #[arg(long, value_name = "HOST:PORT")]
    pub mllp: Option<String>,
    /// Write to Kafka at these bootstrap servers instead, as the gateway would:
    /// hl7.raw keyed by patient with the hl7.* headers, acks=all.
    #[arg(long, value_name = "HOST:PORT,...", conflicts_with_all = ["mllp", "out"])]
    pub kafka: Option<String>,
    /// With --kafka: the topic.
    #[arg(long, default_value = vitalflow_schemas::topics::HL7_RAW, requires = "kafka")]
    pub topic: String,
    /// With --mllp: how long to wait for each ACK, e.g. 10s.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Also write the ground truth, one JSON object per patient (id, style, deteriorating,
    /// SpO2 scale, oxygen, glucose), to this file.
    #[arg(long)]
    pub roster: Option<PathBuf>,
    /// Pace the output in step with the simulated clock, SPEED times faster than real time
    /// (1 = real time, 60 = an hour a minute). Default: as fast as possible.
    #[arg(long, value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Send (or write) each message when the wall clock reaches its time (MSH-7), as the device
    /// would: with --start now a live ward. Messages already due are sent at once.
    #[arg(long, conflicts_with = "speed")]
    pub real_time: bool,
    /// Also send the EHR's ADT feed: an A01 admission before each patient's first reading,
    /// an A08 update halfway for every fifth patient and an A03 discharge after the last
    /// reading for every fourth patient who is not deteriorating.
    #[arg(long)]
    pub adt: bool,
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

/// Holds each message back until its simulated time, scaled by `--speed`, or until the wall
/// clock reaches its MSH-7 with `--real-time`.
struct Pacer {
    speed: Option<f64>,
    real_time: bool,
    start: DateTime<Utc>,
    wall: std::time::Instant,
}

impl Pacer {
    fn new(args: &SimulateArgs, sim: &Simulation) -> Pacer {
        Pacer {
            speed: args.speed,
            real_time: args.real_time,
            start: sim.start,
            wall: std::time::Instant::now(),
        }
    }

    /// Sleeps until `m` is due; returns whether it paced (then output should be flushed).
    fn wait(&self, m: &SimMessage) -> bool {
        if self.real_time {
            // The wall clock itself, not an Instant: the message is due at its own time.
            while let Ok(left) = (m.sent - Utc::now()).to_std() {
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left);
            }
            return true;
        }
        let at = m.at;
        let Some(speed) = self.speed else {
            return false;
        };
        let offset = (at - self.start)
            .to_std()
            .unwrap_or_default()
            .div_f64(speed);
        let due = self.wall + offset;
        let now = std::time::Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        true
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("not a number: {s}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1".into())
    }
}

/// One generated message.
#[derive(Debug, Clone, PartialEq)]
pub struct SimMessage {
    pub control_id: String,
    /// The observation (or ADT event) time.
    pub at: DateTime<Utc>,
    /// When the sender sends it: its MSH-7.
    pub sent: DateTime<Utc>,
    pub bytes: Vec<u8>,
}

/// The first reading's time when neither --start nor --end is given.
pub const DEFAULT_START: &str = "2026-11-20T06:00:00Z";

/// How far ahead of the wall clock a live feed may be dated (the run's own start-up, rounding).
const FUTURE_ALLOWANCE_S: i64 = 60;

const FAMILY: [&str; 12] = [
    "TESTPATIENT",
    "SAMPLE",
    "EXAMPLE",
    "DUMMY",
    "SYNTHETIC",
    "FAKEPERSON",
    "MOCKINGTON",
    "PLACEHOLDER",
    "SIMULATO",
    "NOTREAL",
    "DEMOPATIENT",
    "FICTIONAL",
];
const GIVEN: [&str; 12] = [
    "ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL", "INDIA", "JULIET",
    "KILO", "LIMA",
];
const UNITS: [&str; 4] = ["ICU", "HDU", "WARD7", "AMU"];

/// The simulation: patients and their identities, then messages in time order.
pub struct Simulation {
    pub identities: Vec<Identity>,
    pub patients: Vec<Patient>,
    /// Each patient's offset within an interval, so feeds interleave.
    phases: Vec<Duration>,
    order: Vec<usize>,
    readings: u32,
    interval: Duration,
    start: DateTime<Utc>,
    zone: Tz,
    tag: String,
    seq: u64,
    adt: bool,
}

impl Simulation {
    pub fn new(args: &SimulateArgs) -> Simulation {
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
        let n = args.patients as usize;
        let readings = match (args.count, args.duration) {
            (Some(c), _) => c,
            (None, Some(d)) => {
                let ms = args.interval.num_milliseconds().max(1);
                u32::try_from(d.num_milliseconds() / ms)
                    .unwrap_or(u32::MAX)
                    .max(1)
            }
            (None, None) => 12,
        };
        // Which patients deteriorate: a fixed number, chosen at random.
        let k = if args.deteriorating > 0.0 {
            ((n as f64 * args.deteriorating).round() as usize).max(1)
        } else {
            0
        };
        let mut idx: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            idx.swap(i, j);
        }
        let mut deteriorating = vec![false; n];
        for &i in idx.iter().take(k) {
            deteriorating[i] = true;
        }
        let authority = "VFSIM";
        let mut identities = Vec::with_capacity(n);
        let mut patients = Vec::with_capacity(n);
        let mut phases = Vec::with_capacity(n);
        let spread = (args.interval.num_seconds() / 2).max(1);
        // A medical record number names one patient: drawn again on a repeat (at most 100,000
        // patients among 9,000,000 numbers), so a feed without repeats is the same as before.
        let mut mrns = std::collections::HashSet::with_capacity(n);
        for (i, &det) in deteriorating.iter().enumerate() {
            let seed: u64 = rng.random();
            let style = match args.style {
                StyleChoice::Pcd01 => Style::Pcd01,
                StyleChoice::Loinc => Style::Loinc,
                StyleChoice::Mixed => {
                    if rng.random_bool(0.5) {
                        Style::Pcd01
                    } else {
                        Style::Loinc
                    }
                }
            };
            let unit = UNITS[i % UNITS.len()];
            let mrn = loop {
                let m = 1_000_000 + rng.random_range(0..9_000_000u32);
                if mrns.insert(m) {
                    break m;
                }
            };
            identities.push(Identity {
                mrn: mrn.to_string(),
                authority: authority.into(),
                family: FAMILY[rng.random_range(0..FAMILY.len())].into(),
                given: GIVEN[rng.random_range(0..GIVEN.len())].into(),
                birth_date: format!(
                    "{:04}{:02}{:02}",
                    rng.random_range(1930..2006),
                    rng.random_range(1..13),
                    rng.random_range(1..29)
                ),
                sex: if rng.random_bool(0.5) { "F" } else { "M" },
                unit: unit.into(),
                bed: format!("BED{:02}", i / UNITS.len() + 1),
                visit: format!("V{}", 10_000_000 + rng.random_range(0..90_000_000u32)),
                style,
                monitor: format!("0050C2FFFE{:06X}", rng.random_range(0..0x100_0000u32)),
                glucometer: format!("GLM{:05}", rng.random_range(0..100_000u32)),
                fahrenheit: rng.random_bool(if style == Style::Loinc { 0.3 } else { 0.1 }),
                snomed_acvpu: rng.random_bool(0.25),
            });
            patients.push(Patient::new(seed, det));
            phases.push(Duration::seconds(rng.random_range(0..spread)));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (phases[i], i));
        let mut sim = Simulation {
            identities,
            patients,
            phases,
            order,
            readings,
            interval: args.interval,
            start: args.start.unwrap_or_else(|| {
                DEFAULT_START
                    .parse()
                    .expect("the default start is RFC 3339")
            }),
            zone: args.zone,
            tag: format!("VF{:06X}", args.seed & 0xFF_FFFF),
            seq: 0,
            adt: args.adt,
        };
        if let Some(end) = args.end {
            let span = args
                .duration
                .unwrap_or_else(|| sim.interval * i32::try_from(readings).unwrap_or(i32::MAX));
            let start = (end - span).min(end - sim.last_sent_offset());
            // Whole seconds, as `now` is: HL7 times have no fraction, and earlier is never later.
            sim.start = start - Duration::nanoseconds(i64::from(start.timestamp_subsec_nanos()));
        }
        sim
    }

    pub fn readings(&self) -> u32 {
        self.readings
    }

    /// The first reading's time.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// An upper bound of the last MSH-7 of the feed, after the first reading's time (start):
    /// the last reading plus the latest a message of that tick can be sent (a glucose reading 20 s
    /// later, sent 5 s after that; an ADT discharge 5 minutes after the reading).
    fn last_sent_offset(&self) -> Duration {
        let last_tick = self.interval * i32::try_from(self.readings - 1).unwrap_or(i32::MAX);
        let after = (0..self.patients.len())
            .map(|i| {
                let mut after = Duration::seconds(hl7::VITALS_SENT_AFTER_S);
                if self.patients[i].profile.glucose.is_some() {
                    after = after.max(Duration::seconds(20 + hl7::GLUCOSE_SENT_AFTER_S));
                }
                if self.adt && i % 4 == 0 && self.patients[i].profile.deterioration.is_none() {
                    after = after.max(Duration::minutes(5));
                }
                self.phases[i] + after
            })
            .max()
            .unwrap_or_default();
        last_tick + after
    }

    /// An upper bound of the feed's last MSH-7: no message is dated later.
    pub fn last_sent(&self) -> DateTime<Utc> {
        self.start + self.last_sent_offset()
    }

    fn next_control_id(&mut self) -> String {
        self.seq += 1;
        format!("{}{:08}", self.tag, self.seq)
    }

    /// All messages of reading `tick` (0-based), in time order.
    pub fn tick(&mut self, tick: u32) -> Vec<SimMessage> {
        let progress = if self.readings <= 1 {
            0.0
        } else {
            f64::from(tick) / f64::from(self.readings - 1)
        };
        let mut out = Vec::new();
        let base = self.start + self.interval * i32::try_from(tick).unwrap_or(i32::MAX);
        for k in 0..self.order.len() {
            let i = self.order[k];
            let at = base + self.phases[i];
            if self.adt && tick == 0 {
                out.push(self.adt_message(i, AdtEvent::Admit, at - Duration::minutes(5)));
            }
            if self.adt && i % 5 == 0 && self.readings > 2 && tick == self.readings / 2 {
                out.push(self.adt_message(i, AdtEvent::Update, at - Duration::minutes(1)));
            }
            let reading = self.patients[i].step(progress);
            let control_id = self.next_control_id();
            let bytes =
                hl7::vitals_message(&self.identities[i], &control_id, at, self.zone, &reading);
            out.push(SimMessage {
                control_id,
                at,
                sent: at + Duration::seconds(hl7::VITALS_SENT_AFTER_S),
                bytes,
            });
            if let (Some(g), Some(profile)) = (reading.glucose, self.patients[i].profile.glucose) {
                let control_id = self.next_control_id();
                let at = at + Duration::seconds(20);
                let bytes = hl7::glucose_message(
                    &self.identities[i],
                    profile.unit,
                    &control_id,
                    at,
                    self.zone,
                    g,
                );
                out.push(SimMessage {
                    control_id,
                    at,
                    sent: at + Duration::seconds(hl7::GLUCOSE_SENT_AFTER_S),
                    bytes,
                });
            }
            let stable = self.patients[i].profile.deterioration.is_none();
            if self.adt && stable && i % 4 == 0 && tick + 1 == self.readings {
                out.push(self.adt_message(i, AdtEvent::Discharge, at + Duration::minutes(5)));
            }
        }
        out
    }

    fn adt_message(&mut self, i: usize, event: AdtEvent, at: DateTime<Utc>) -> SimMessage {
        let control_id = self.next_control_id();
        let bytes = hl7::adt_message(&self.identities[i], event, &control_id, at, self.zone);
        SimMessage {
            control_id,
            at,
            sent: at,
            bytes,
        }
    }

    /// One JSON object per patient: the ground truth behind the feed.
    pub fn roster(&self) -> Vec<serde_json::Value> {
        self.identities
            .iter()
            .zip(&self.patients)
            .map(|(id, p)| {
                let pr = &p.profile;
                serde_json::json!({
                    "patient_id": id.mrn,
                    "patient_id_authority": id.authority,
                    "encounter_id": id.visit,
                    "location": format!("{}^{}^1", id.unit, id.bed),
                    "style": match id.style { Style::Pcd01 => "PCD01", Style::Loinc => "LOINC" },
                    "deteriorating": pr.deterioration.is_some(),
                    "spo2_scale": if pr.spo2_scale2 { 2 } else { 1 },
                    "oxygen_at_start": pr.oxygen.is_some(),
                    "glucose": pr.glucose.map(|g| match g.unit {
                        physiology::GlucoseUnit::MgDl => "mg/dL",
                        physiology::GlucoseUnit::MmolL => "mmol/L",
                    }),
                    "hypo_prone": pr.glucose.is_some_and(|g| g.hypo_prone),
                })
            })
            .collect()
    }
}

fn frame(framing: Framing, msg: &[u8], out: &mut dyn Write) -> io::Result<()> {
    match framing {
        Framing::Plain => out.write_all(msg),
        Framing::Mllp => out.write_all(&vitalflow_core::mllp::encode(msg)),
        Framing::Lines => {
            let text: Vec<u8> = msg
                .iter()
                .map(|&b| if b == b'\r' { b'\n' } else { b })
                .collect();
            out.write_all(&text)?;
            out.write_all(b"\n")
        }
    }
}

/// A feed must not be dated ahead of the wall clock when it goes out live (--mllp, --kafka):
/// that is a device clock error to the receiver. Refused unless it is paced so that no message
/// goes out before its time (--real-time, or --speed 1 or slower from a start that is not in
/// the future); a file or standard output only gets a warning.
fn check_not_ahead(
    args: &SimulateArgs,
    sim: &Simulation,
    now: DateTime<Utc>,
) -> Result<(), Failed> {
    let allowance = Duration::seconds(FUTURE_ALLOWANCE_S);
    let last = sim.last_sent();
    if last <= now + allowance {
        return Ok(());
    }
    let never_early = args.real_time
        || args
            .speed
            .is_some_and(|s| s <= 1.0 && sim.start() <= now + allowance);
    if never_early {
        return Ok(());
    }
    let ahead = fmt_span(last - now);
    let last = last.format("%Y-%m-%dT%H:%M:%SZ");
    let live = if args.mllp.is_some() {
        Some("--mllp")
    } else if args.kafka.is_some() {
        Some("--kafka")
    } else {
        None
    };
    match live {
        Some(flag) => Err(Failed::usage(format!(
            "simulate: the feed runs until {last}, {ahead} after now; sent live ({flag}) it \
             would be dated ahead of its receipt, which the pipeline takes for a device clock \
             error. Use --end now to simulate the past instead (--end now --duration 4h: the \
             last 4 hours), or --real-time to send each message when its time comes"
        ))),
        None => {
            eprintln!(
                "vitalflow simulate: warning: the feed runs until {last}, {ahead} after now; \
                 sent live before then it is dated ahead of its receipt (a device clock error \
                 to the pipeline). --end now simulates the past instead"
            );
            Ok(())
        }
    }
}

/// A positive span for messages: `4h 0m`, `12m`, `45s`.
fn fmt_span(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 3600, s % 3600 / 60) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m}m"),
    }
}

pub fn run(args: &SimulateArgs) -> Result<(), Failed> {
    if args.interval <= Duration::zero() {
        return Err(Failed::usage("--interval must be positive"));
    }
    let mut sim = Simulation::new(args);
    if let Some(path) = &args.roster {
        let mut f =
            File::create(path).map_err(|e| Failed::msg(format!("{}: {e}", path.display())))?;
        for p in sim.roster() {
            writeln!(f, "{p}").map_err(|e| Failed::msg(format!("{}: {e}", path.display())))?;
        }
    }
    let total = sim.readings();
    check_not_ahead(args, &sim, Utc::now())?;
    if let Some(bootstrap) = &args.kafka {
        let writer =
            crate::gateway::DirectWriter::new(bootstrap, &args.topic, "vitalflow-simulate")
                .map_err(Failed::usage)?;
        let pacer = Pacer::new(args, &sim);
        let mut sent = 0u64;
        for t in 0..total {
            for m in sim.tick(t) {
                pacer.wait(&m);
                writer
                    .write(&m.bytes)
                    .map_err(|e| Failed::msg(format!("{}: {e}", m.control_id)))?;
                sent += 1;
            }
        }
        eprintln!(
            "vitalflow simulate: {sent} messages written to {} at {bootstrap}",
            args.topic
        );
        return Ok(());
    }
    if let Some(addr) = &args.mllp {
        let timeout = args
            .timeout
            .to_std()
            .map_err(|_| Failed::usage("--timeout must be positive"))?;
        let mut client =
            Client::connect(addr, timeout).map_err(|e| Failed::msg(format!("{addr}: {e}")))?;
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let (mut sent, mut rejected) = (0u64, 0u64);
        let pacer = Pacer::new(args, &sim);
        for t in 0..total {
            for m in sim.tick(t) {
                pacer.wait(&m);
                let ack = match client.send(&m.bytes) {
                    // Paced in real time, the connection may have idled for minutes and been
                    // closed by the listener (idle timeout): the message did not reach it, so
                    // it is sent once more on a new connection.
                    Err(ClientError::Closed | ClientError::Io(_)) if args.real_time => {
                        client = Client::connect(addr, timeout)
                            .map_err(|e| Failed::msg(format!("{addr}: {e}")))?;
                        client.send(&m.bytes)
                    }
                    r => r,
                }
                .map_err(|e| Failed::msg(format!("{}: {e}", m.control_id)))?;
                sent += 1;
                let _ = writeln!(out, "{} {}", m.control_id, ack.code);
                if ack.class() != AckClass::Accepted {
                    rejected += 1;
                    eprintln!(
                        "vitalflow: {}: {}{}",
                        m.control_id,
                        ack.code,
                        ack.text.map(|t| format!(" {t}")).unwrap_or_default()
                    );
                }
            }
        }
        eprintln!("vitalflow simulate: {sent} messages sent to {addr}, {rejected} not accepted");
        return if rejected > 0 {
            Err(Failed::quiet())
        } else {
            Ok(())
        };
    }
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).map_err(|e| Failed::msg(format!("{}: {e}", p.display())))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let pacer = Pacer::new(args, &sim);
    for t in 0..total {
        for m in sim.tick(t) {
            let paced = pacer.wait(&m);
            match frame(args.framing, &m.bytes, &mut out).and_then(|()| {
                if paced {
                    out.flush()
                } else {
                    Ok(())
                }
            }) {
                Ok(()) => {}
                // A closed pipe (`| head`) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                Err(e) => return Err(Failed::msg(format!("write: {e}"))),
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failed::msg(format!("write: {e}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: SimulateArgs,
    }

    fn args(extra: &[&str]) -> SimulateArgs {
        T::parse_from(std::iter::once("t").chain(extra.iter().copied())).a
    }

    fn all(args: &SimulateArgs) -> Vec<SimMessage> {
        let mut sim = Simulation::new(args);
        (0..sim.readings()).flat_map(|t| sim.tick(t)).collect()
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = all(&args(&["--seed", "9", "--patients", "6"]));
        let b = all(&args(&["--seed", "9", "--patients", "6"]));
        assert_eq!(a, b);
        let c = all(&args(&["--seed", "10", "--patients", "6"]));
        assert_ne!(a, c);
    }

    #[test]
    fn medical_record_numbers_unique_within_a_feed() {
        // 20,000 draws among 9,000,000 numbers repeat about 22 times (birthday bound); each
        // repeat would merge two simulated patients into one.
        let sim = Simulation::new(&args(&["--seed", "5", "--patients", "20000"]));
        let mut mrns: Vec<&str> = sim.identities.iter().map(|i| i.mrn.as_str()).collect();
        assert_eq!(mrns.len(), 20_000);
        mrns.sort_unstable();
        mrns.dedup();
        assert_eq!(mrns.len(), 20_000);
        assert!(mrns.iter().all(|m| m.len() == 7));
    }

    #[test]
    fn control_ids_unique_and_time_ordered_per_patient() {
        let msgs = all(&args(&["--patients", "30", "--count", "10"]));
        let mut ids: Vec<&str> = msgs.iter().map(|m| m.control_id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(n >= 300);
        for m in &msgs {
            assert!(m.bytes.starts_with(b"MSH|^~\\&|"));
            assert!(m.bytes.ends_with(b"\r"));
            assert!(!m.bytes.contains(&b'\n'));
        }
    }

    #[test]
    fn adt_feed_admits_before_the_first_reading_and_discharges_stable_patients() {
        let plain = all(&args(&["--seed", "3", "--patients", "8", "--count", "4"]));
        assert!(plain
            .iter()
            .all(|m| !m.bytes.windows(4).any(|w| w == b"ADT^")));
        let msgs = all(&args(&[
            "--seed",
            "3",
            "--patients",
            "8",
            "--count",
            "4",
            "--adt",
        ]));
        let text: Vec<String> = msgs
            .iter()
            .map(|m| String::from_utf8_lossy(&m.bytes).into_owned())
            .collect();
        let of = |ev: &str| {
            text.iter()
                .filter(|t| t.contains(&format!("|ADT^{ev}^")))
                .count()
        };
        assert_eq!(of("A01"), 8, "one admission per patient");
        assert_eq!(of("A08"), 2, "patients 0 and 5 are updated");
        let sim = Simulation::new(&args(&["--seed", "3", "--patients", "8", "--adt"]));
        let stable_fourth = (0..8)
            .filter(|i| i % 4 == 0 && sim.patients[*i].profile.deterioration.is_none())
            .count();
        assert_eq!(of("A03"), stable_fourth);
        // Each patient's admission comes before that patient's first ORU.
        for t in text.iter().filter(|t| t.contains("|ADT^A01^")) {
            let mrn = vitalflow_core::query(t.as_bytes(), "PID-3-1")
                .unwrap()
                .unwrap();
            let first_oru = text
                .iter()
                .position(|u| u.contains("|ORU^R01") && u.contains(&format!("|{mrn}^^^")))
                .unwrap();
            let admit = text.iter().position(|u| u == t).unwrap();
            assert!(admit < first_oru);
            assert!(t.contains("\rEVN|A01|"));
        }
    }

    #[test]
    fn end_now_dates_nothing_after_now() {
        for extra in [
            &["--duration", "4h"][..],
            &["--duration", "4h", "--adt"],
            &["--count", "3", "--interval", "30s", "--adt"],
            &["--count", "1", "--adt"],
            &["--duration", "10m", "--interval", "1m"],
        ] {
            let mut a = vec!["--end", "now", "--patients", "40", "--seed", "4"];
            a.extend_from_slice(extra);
            let msgs = all(&args(&a));
            let now = Utc::now();
            assert!(!msgs.is_empty());
            for m in &msgs {
                assert!(
                    m.at <= now && m.sent <= now,
                    "{extra:?}: {} after {now}",
                    m.sent
                );
            }
        }
        // The past 4 hours: the first reading 4 hours ago.
        let sim = Simulation::new(&args(&["--end", "now", "--duration", "4h"]));
        let ago = Utc::now() - sim.start();
        assert!(ago >= Duration::hours(4) && ago < Duration::hours(4) + Duration::seconds(5));
    }

    #[test]
    fn end_is_the_same_feed_as_its_start() {
        // The demo's ward: --end T --duration 8h is --start T-8h, message for message.
        let by_end = all(&args(&[
            "--seed",
            "2026",
            "--patients",
            "200",
            "--duration",
            "8h",
            "--adt",
            "--end",
            "2026-11-20T14:00:00Z",
        ]));
        let by_start = all(&args(&[
            "--seed",
            "2026",
            "--patients",
            "200",
            "--duration",
            "8h",
            "--adt",
        ]));
        assert_eq!(by_end, by_start);
    }

    #[test]
    fn last_sent_bounds_every_message() {
        for extra in [
            &["--count", "5"][..],
            &["--count", "4", "--interval", "30s", "--adt"],
            &["--count", "1", "--adt"],
        ] {
            let mut a = vec!["--patients", "60", "--seed", "8"];
            a.extend_from_slice(extra);
            let a = args(&a);
            let last = Simulation::new(&a).last_sent();
            let msgs = all(&a);
            let latest = msgs.iter().map(|m| m.sent).max().unwrap();
            assert!(latest <= last, "{extra:?}");
            assert!(
                last - latest <= Duration::minutes(6),
                "{extra:?}: a loose bound"
            );
        }
    }

    #[test]
    fn a_future_live_feed_is_refused_unless_paced_in_real_time() {
        let check = |extra: &[&str]| {
            let a = args(extra);
            check_not_ahead(&a, &Simulation::new(&a), Utc::now()).map_err(|f| {
                assert_eq!(f.code, 2);
                f.message.unwrap()
            })
        };
        let future = ["--start", "now", "--duration", "4h"];
        let with =
            |more: &[&'static str]| -> Vec<&str> { future.iter().chain(more).copied().collect() };
        let e = check(&with(&["--mllp", "127.0.0.1:2575"])).unwrap_err();
        assert!(e.contains("--end now") && e.contains("--mllp"), "{e}");
        let e = check(&with(&["--kafka", "127.0.0.1:9092"])).unwrap_err();
        assert!(e.contains("--end now") && e.contains("--kafka"), "{e}");
        check(&with(&["--mllp", "127.0.0.1:2575", "--speed", "60"])).unwrap_err();
        // Never sent before its time: real time, or --speed 1 from now.
        check(&with(&["--mllp", "127.0.0.1:2575", "--real-time"])).unwrap();
        check(&with(&["--kafka", "127.0.0.1:9092", "--speed", "1"])).unwrap();
        // A file only gets a warning; the past and the default start are fine.
        check(&with(&["--out", "feed.hl7"])).unwrap();
        check(&[
            "--end",
            "now",
            "--duration",
            "4h",
            "--mllp",
            "127.0.0.1:2575",
        ])
        .unwrap();
        check(&["--mllp", "127.0.0.1:2575", "--adt"]).unwrap();
        // A minute's allowance: a feed that ends 30 s from now is not refused.
        check(&[
            "--start",
            "now",
            "--count",
            "1",
            "--interval",
            "30s",
            "--mllp",
            "127.0.0.1:2575",
        ])
        .unwrap();
    }

    #[test]
    fn count_and_duration() {
        let s = Simulation::new(&args(&["--duration", "6h", "--interval", "30m"]));
        assert_eq!(s.readings(), 12);
        let s = Simulation::new(&args(&["--count", "3"]));
        assert_eq!(s.readings(), 3);
        let s = Simulation::new(&args(&["--patients", "10", "--deteriorating", "0.3"]));
        assert_eq!(
            s.patients
                .iter()
                .filter(|p| p.profile.deterioration.is_some())
                .count(),
            3
        );
    }
}
