//! `vitalflow send`: an MLLP sender that behaves like an interface engine's outbound queue.
//!
//! Each connection sends one message and waits for its ACK before the next, so order holds per
//! connection. With `--connections N` the feed is split over N connections by patient (PID-3-1),
//! so order still holds per patient. With `--retry-for`, a message that got AE/CE, no ACK in time
//! or a broken connection is sent again (on a new connection when needed) until it is accepted or
//! the time is up; AR/CR is a rejection of the message itself and is never resent.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Args;
use vitalflow_core::{Message, Path};

use crate::input::{self, for_each_message};
use crate::mllp_client::{Ack, AckClass, Client};
use crate::util::{parse_duration, Failed};

#[derive(Debug, Args)]
#[command(after_help = "\
Sends each message in an MLLP frame (0x0B ... 0x1C 0x0D) and waits for its ACK before sending the \
next on that connection. Prints `CONTROL_ID ACK_CODE` per message on standard output (the sent \
MSH-10, `-` if it has none, and the final MSA-1) and a summary on standard error. AA and CA count \
as accepted; on AE/CE or AR/CR the ACK's text (MSA-3 or ERR) goes to standard error and sending \
goes on.

Without --retry-for, a timeout, a closed connection or a connection failure stops. With \
--retry-for DURATION, a message that got AE/CE, no ACK in time, or lost its connection is sent \
again (reconnecting with a back-off of 100 ms doubling to 2 s) until it is accepted or DURATION has \
passed since its first failure; only then is it reported as failed. AR/CR is never resent: the \
receiver refused the message itself. A resent message that the receiver had already stored is \
its problem to deduplicate (vitalflow does: same MSH-3, MSH-4, MSH-10).

--connections N splits the feed over N connections by patient (PID-3-1; messages without one go \
by control id), so each patient's messages keep their order. Output lines of different \
connections interleave.

--rate N paces the feed at N messages per second in total, as a replay of a real feed at its own \
speed would (for a load test at a steady, known rate). A connection still waits for each ACK, so \
a receiver slower than N makes the feed fall behind the pace; the summary says so.

Exit code 0 when every message was accepted, 1 otherwise.

Examples:
  vitalflow send --mllp 127.0.0.1:2575 feed.hl7
  vitalflow simulate --count 3 | vitalflow send --mllp localhost:2575 --timeout 30s
  vitalflow send --mllp 127.0.0.1:2575 --connections 8 --retry-for 5m ward.hl7
  vitalflow send --mllp 127.0.0.1:2575 --connections 16 --rate 500 ward.hl7")]
pub struct SendArgs {
    /// The listener, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", required = true)]
    pub mllp: String,
    /// How long to wait for each ACK (and for the connection), e.g. 10s, 500ms.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: chrono::Duration,
    /// Connections to send over, the feed split by patient.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub connections: usize,
    /// Resend a message that got AE, no ACK or a broken connection, for up to this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry_for: Option<chrono::Duration>,
    /// Send at most N messages per second in total, evenly paced.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Input files (plain, batch or MLLP-framed); `-` or none reads standard input.
    pub files: Vec<PathBuf>,
}

/// One message to send.
struct Job {
    control_id: String,
    locate: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Counts {
    sent: AtomicUsize,
    accepted: AtomicUsize,
    errored: AtomicUsize,
    rejected: AtomicUsize,
    resent: AtomicUsize,
    failed: AtomicUsize,
}

struct Shared {
    addr: String,
    timeout: Duration,
    retry_for: Option<Duration>,
    counts: Counts,
    /// Set when a message failed for good without --retry-for: everything stops, as before.
    stop: AtomicBool,
    out: Mutex<AckLines>,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

pub fn send(a: &SendArgs) -> Result<(), Failed> {
    let timeout = a
        .timeout
        .to_std()
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| Failed::usage("--timeout must be positive"))?;
    if a.connections == 0 || a.connections > 1024 {
        return Err(Failed::usage("--connections must be between 1 and 1024"));
    }
    let retry_for = match a.retry_for {
        None => None,
        Some(d) => Some(
            d.to_std()
                .ok()
                .filter(|t| !t.is_zero())
                .ok_or_else(|| Failed::usage("--retry-for must be positive"))?,
        ),
    };
    let pace = match a.rate {
        None => None,
        Some(r) if r.is_finite() && r > 0.0 && r <= 1e7 => Some(Pace::new(r)),
        Some(_) => {
            return Err(Failed::usage(
                "--rate must be a number of messages per second, above 0",
            ))
        }
    };
    let shared = Arc::new(Shared {
        addr: a.mllp.clone(),
        timeout,
        retry_for,
        counts: Counts::default(),
        stop: AtomicBool::new(false),
        out: Mutex::new(AckLines::new()),
    });
    // Connect once up front, so that a listener that is not there is reported at once (and, with
    // --retry-for, waited for like any other failure).
    let first = connect_with_retry(&shared)?;

    let mut senders = Vec::with_capacity(a.connections);
    let mut workers = Vec::with_capacity(a.connections);
    let mut first = Some(first);
    for _ in 0..a.connections {
        let (tx, rx) = mpsc::sync_channel::<Job>(256);
        let shared = Arc::clone(&shared);
        let client = first.take();
        senders.push(tx);
        workers.push(thread::spawn(move || worker(&shared, client, rx)));
    }

    let control_id_path: Path = "MSH-10".parse().map_err(|e| Failed::msg(format!("{e}")))?;
    let patient_path: Path = "PID-3-1".parse().map_err(|e| Failed::msg(format!("{e}")))?;
    let mut pace = pace;
    let errors = for_each_message(&a.files, |m| {
        if let Some(p) = pace.as_mut() {
            p.wait();
        }
        if shared.stop.load(Ordering::Relaxed) {
            return Err(input::Error::Stop);
        }
        let parsed = Message::parse(m.bytes).ok();
        let get = |p: &Path| {
            parsed
                .as_ref()
                .and_then(|msg| msg.get(p).map(|e| e.decoded().into_owned()))
                .filter(|s| !s.is_empty())
        };
        let control_id = get(&control_id_path).unwrap_or_else(|| "-".into());
        let route = get(&patient_path).unwrap_or_else(|| control_id.clone());
        let i = (fnv1a(route.as_bytes()) % senders.len() as u64) as usize;
        let job = Job {
            control_id,
            locate: m.locate(),
            bytes: m.bytes.to_vec(),
        };
        // A worker that stopped has dropped its receiver: stop reading too.
        senders[i].send(job).map_err(|_| input::Error::Stop)
    });
    drop(senders);
    for w in workers {
        if w.join().is_err() {
            shared.stop.store(true, Ordering::Relaxed);
        }
    }
    shared.out.lock().unwrap_or_else(|p| p.into_inner()).flush();
    let behind = pace.as_ref().map(Pace::behind);
    let c = &shared.counts;
    let fatal = shared.stop.load(Ordering::Relaxed);
    let (sent, accepted, errored, rejected, resent, failed) = (
        c.sent.load(Ordering::Relaxed),
        c.accepted.load(Ordering::Relaxed),
        c.errored.load(Ordering::Relaxed),
        c.rejected.load(Ordering::Relaxed),
        c.resent.load(Ordering::Relaxed),
        c.failed.load(Ordering::Relaxed),
    );
    eprintln!(
        "vitalflow send: {sent} sent to {} over {} connection{}, {accepted} accepted, {errored} AE, \
         {rejected} AR{}{}{}",
        a.mllp,
        a.connections,
        if a.connections == 1 { "" } else { "s" },
        if resent > 0 { format!(", {resent} resends") } else { String::new() },
        if failed > 0 { format!(", {failed} without an ACK") } else { String::new() },
        if fatal { ", stopped on error" } else { "" }
    );
    if let (Some(rate), Some(behind)) = (a.rate, behind) {
        if behind > PACE_SLACK {
            eprintln!(
                "vitalflow send: the last ACK came {:.1} s after the pace of {rate} messages/s \
                 (the receiver acknowledged more slowly)",
                behind.as_secs_f64()
            );
        }
    }
    if errors + errored + rejected + failed > 0 || fatal {
        Err(Failed::quiet())
    } else {
        Ok(())
    }
}

/// The `CONTROL_ID ACK_CODE` lines on standard output. On a terminal each line is written as it
/// comes; otherwise (a file or a pipe) lines are buffered and written with the first ACK that comes
/// 100 ms or more after the last write, and all at exit. A reader following the file (as `make
/// demo` does for its progress) stays current without a write per ACK; while no ACK comes at all,
/// up to 100 ms of lines wait in the buffer. A closed standard output (`| head`) stops nothing: the
/// ACKs still count.
struct AckLines {
    out: io::Stdout,
    buffer: Vec<u8>,
    terminal: bool,
    flushed: Instant,
}

const ACK_LINES_FLUSH: Duration = Duration::from_millis(100);

impl AckLines {
    fn new() -> AckLines {
        let out = io::stdout();
        let terminal = io::IsTerminal::is_terminal(&out);
        AckLines {
            out,
            buffer: Vec::with_capacity(64 * 1024),
            terminal,
            flushed: Instant::now(),
        }
    }

    fn line(&mut self, control_id: &str, code: &str) {
        self.buffer.extend_from_slice(control_id.as_bytes());
        self.buffer.push(b' ');
        self.buffer.extend_from_slice(code.as_bytes());
        self.buffer.push(b'\n');
        if self.terminal || self.flushed.elapsed() >= ACK_LINES_FLUSH || self.buffer.len() >= 60_000
        {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.buffer.is_empty() {
            let mut out = self.out.lock();
            let _ = out.write_all(&self.buffer).and_then(|()| out.flush());
            self.buffer.clear();
        }
        self.flushed = Instant::now();
    }
}

/// How far behind its schedule a paced feed may fall before the summary mentions it.
const PACE_SLACK: Duration = Duration::from_millis(100);

/// The shortest wait [`Pace`] sleeps for.
const PACE_GRAIN: Duration = Duration::from_millis(1);

/// Evenly paced dispatch: message k is handed to its connection no earlier than start + k / rate.
/// Falling behind (a connection's queue full because the receiver is slower) is not made up with
/// a burst beyond the queues; the schedule just stays in the past.
struct Pace {
    start: Instant,
    interval: f64,
    sent: u64,
}

impl Pace {
    fn new(rate: f64) -> Pace {
        Pace {
            start: Instant::now(),
            interval: 1.0 / rate,
            sent: 0,
        }
    }

    fn due(&self, k: u64) -> Instant {
        self.start + Duration::from_secs_f64(k as f64 * self.interval)
    }

    /// Sleeps until message `sent` is due, if it is at least [`PACE_GRAIN`] away: shorter waits
    /// are not worth a sleep (a system call and a wake-up), so messages go out in small bursts of
    /// at most that length, on schedule on average.
    fn wait(&mut self) {
        let due = self.due(self.sent);
        let now = Instant::now();
        if due >= now + PACE_GRAIN {
            thread::sleep(due - now);
        }
        self.sent += 1;
    }

    /// How long after the last message's due time it is now (call when every ACK is in).
    fn behind(&self) -> Duration {
        Instant::now().saturating_duration_since(self.due(self.sent.saturating_sub(1)))
    }
}

/// FNV-1a: a stable hash, so a patient always goes over the same connection.
fn fnv1a(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn connect_with_retry(s: &Shared) -> Result<Client, Failed> {
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    loop {
        match Client::connect(&s.addr, s.timeout) {
            Ok(c) => return Ok(c),
            Err(e) => match s.retry_for {
                Some(limit) if started.elapsed() + backoff < limit => {
                    thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                _ => return Err(Failed::msg(format!("cannot connect to {}: {e}", s.addr))),
            },
        }
    }
}

fn worker(s: &Shared, mut client: Option<Client>, rx: mpsc::Receiver<Job>) {
    for job in rx {
        if s.stop.load(Ordering::Relaxed) {
            return;
        }
        match deliver(s, &mut client, &job) {
            Some(ack) => report(s, &job, &ack),
            None => {
                s.counts.failed.fetch_add(1, Ordering::Relaxed);
                if s.retry_for.is_none() {
                    s.stop.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    }
}

/// Sends `job` until it gets a final ACK: AA/CA or AR/CR at once, AE/CE when resending is off or
/// its time is up. None: no ACK at all (the failure is already on standard error).
fn deliver(s: &Shared, client: &mut Option<Client>, job: &Job) -> Option<Ack> {
    let mut first_failure: Option<Instant> = None;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let failure = match client.as_mut().map(|c| c.send(&job.bytes)) {
            Some(Ok(ack)) => {
                s.counts.sent.fetch_add(1, Ordering::Relaxed);
                if ack.class() != AckClass::Error {
                    return Some(ack);
                }
                Failure::Ack(ack)
            }
            Some(Err(e)) => {
                // The connection's state is unknown after a timeout or an I/O error: a late ACK
                // must not be taken for the next message's.
                *client = None;
                Failure::Transport(e.to_string())
            }
            None => match Client::connect(&s.addr, s.timeout) {
                Ok(c) => {
                    *client = Some(c);
                    continue;
                }
                Err(e) => Failure::Transport(format!("cannot connect to {}: {e}", s.addr)),
            },
        };
        let since = *first_failure.get_or_insert_with(Instant::now);
        let within = s
            .retry_for
            .is_some_and(|limit| since.elapsed() + backoff < limit);
        match failure {
            Failure::Ack(ack) if !within => return Some(ack),
            Failure::Transport(e) if !within => {
                eprintln!("vitalflow: {}: {}: {e}", job.locate, job.control_id);
                return None;
            }
            Failure::Ack(ack) => {
                log::debug!("{}: {}, resending", job.control_id, ack.code);
            }
            Failure::Transport(e) => log::debug!("{}: {e}, resending", job.control_id),
        }
        s.counts.resent.fetch_add(1, Ordering::Relaxed);
        thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Failure {
    Ack(Ack),
    Transport(String),
}

fn report(s: &Shared, job: &Job, ack: &Ack) {
    let control_id = &job.control_id;
    {
        let mut out = s.out.lock().unwrap_or_else(|p| p.into_inner());
        out.line(control_id, &ack.code);
    }
    if ack
        .control_id
        .as_deref()
        .is_some_and(|c| c != control_id && control_id != "-")
    {
        eprintln!(
            "vitalflow: {control_id}: ACK is for {:?}",
            ack.control_id.as_deref().unwrap_or_default()
        );
    }
    let text = ack
        .text
        .as_deref()
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    match ack.class() {
        AckClass::Accepted => {
            s.counts.accepted.fetch_add(1, Ordering::Relaxed);
        }
        AckClass::Error => {
            s.counts.errored.fetch_add(1, Ordering::Relaxed);
            eprintln!("vitalflow: {control_id}: {}{text}", ack.code);
        }
        AckClass::Rejected => {
            s.counts.rejected.fetch_add(1, Ordering::Relaxed);
            eprintln!("vitalflow: {control_id}: {}{text}", ack.code);
        }
    }
}
