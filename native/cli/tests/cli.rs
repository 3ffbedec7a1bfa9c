//! Runs the built `vitalflow` binary: every subcommand, its help, its errors,
//! standard input, MLLP-framed and batch input, an MLLP round trip against an
//! in-test listener, and simulate -> vitals.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vitalflow");

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vitalflow");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for vitalflow");
    writer.join().unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A scratch directory for this test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vitalflow-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &std::path::Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

const MSG1: &str = "MSH|^~\\&|MON|ICU|EHR|HOSP|20261120060000||ORU^R01|CTRL1|P|2.5\r\
PID|1||12345^^^HOSP^MR||DOE^JANE\r\
PV1|1|I|ICU^BED01^1||||||||||||||||V77\r\
OBR|1|||vitals|||20261120060000\r\
OBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F\r\
OBX|2|NM|8310-5^Body temperature^LN||98.6|[degF]|||||F\r\
OBX|3|NM|2951-2^Sodium^LN||140|mmol/L|||||F\r";

const MSG2: &str = "MSH|^~\\&|MON|ICU|EHR|HOSP|20261120061500||ORU^R01|CTRL2|P|2.5\r\
PID|1||67890^^^HOSP^MR||ROE^RICHARD\r\
OBR|1|||vitals|||20261120061500\r\
OBX|1|NM|9279-1^Respiratory rate^LN||18|/min|||||F\r";

fn two_messages() -> String {
    format!("{MSG1}{MSG2}")
}

fn mllp(msgs: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.push(0x0B);
        out.extend_from_slice(m.as_bytes());
        out.extend_from_slice(&[0x1C, 0x0D]);
    }
    out
}

// ---------------------------------------------------------------- help

#[test]
fn help_for_every_command() {
    let top = run(&["--help"], b"");
    assert_eq!(code(&top), 0, "{}", stderr(&top));
    for cmd in [
        "query", "vitals", "news2", "simulate", "send", "score", "gateway",
    ] {
        assert!(stdout(&top).contains(cmd), "top-level help lists {cmd}");
        let o = run(&[cmd, "--help"], b"");
        assert_eq!(code(&o), 0, "{cmd} --help: {}", stderr(&o));
        assert!(
            stdout(&o).contains("Usage: vitalflow"),
            "{cmd} --help: {}",
            stdout(&o)
        );
        assert!(
            stdout(&o).contains("Examples:"),
            "{cmd} --help has examples"
        );
    }
    let o = run(&["--version"], b"");
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("vitalflow "));
}

#[test]
fn no_or_unknown_command_is_a_usage_error() {
    assert_eq!(code(&run(&[], b"")), 2);
    let o = run(&["frobnicate"], b"");
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("frobnicate"));
}

// ---------------------------------------------------------------- query

#[test]
fn query_one_line_per_message_from_a_file() {
    let d = scratch("query-file");
    let f = write(&d, "two.hl7", two_messages().as_bytes());
    let o = run(&["query", "PID-3-1", &f], b"");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "12345\n67890\n");
    let o = run(&["query", "MSH-10", &f, &f], b"");
    assert_eq!(stdout(&o), "CTRL1\nCTRL2\nCTRL1\nCTRL2\n");
}

#[test]
fn query_absent_and_empty_and_json() {
    let input = two_messages();
    // PV1 is absent from the second message.
    let o = run(&["query", "PV1-19", "-"], input.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "V77\n\n");
    let o = run(&["query", "--json", "PV1-19"], input.as_bytes());
    assert_eq!(stdout(&o), "\"V77\"\nnull\n");
    // Present but empty: PV1-4 in the first message.
    let o = run(&["query", "--json", "PV1-4"], MSG1.as_bytes());
    assert_eq!(stdout(&o), "\"\"\n");
    let o = run(&["query", "--json", "OBX(2)-6"], MSG1.as_bytes());
    assert_eq!(stdout(&o), "\"[degF]\"\n");
    let o = run(&["query", "MSH-9-2"], MSG1.as_bytes());
    assert_eq!(stdout(&o), "R01\n");
}

#[test]
fn query_unescapes() {
    let m = "MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C9|P|2.5\rNTE|1||pipe \\F\\ caret \\S\\ done\r";
    let o = run(&["query", "--json", "NTE-3"], m.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "\"pipe | caret ^ done\"\n");
}

#[test]
fn query_mllp_framed_and_batch_input() {
    let framed = mllp(&[MSG1, MSG2]);
    let o = run(&["query", "MSH-10"], &framed);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "CTRL1\nCTRL2\n");

    let batch = format!("FHS|^~\\&|A\rBHS|^~\\&|A\r{MSG1}{MSG2}BTS|2\rFTS|1\r");
    let o = run(&["query", "MSH-10"], batch.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "CTRL1\nCTRL2\n");

    // \n and \r\n segment terminators.
    let lf = two_messages().replace('\r', "\n");
    assert_eq!(
        stdout(&run(&["query", "PID-3-1"], lf.as_bytes())),
        "12345\n67890\n"
    );
    let crlf = two_messages().replace('\r', "\r\n");
    assert_eq!(
        stdout(&run(&["query", "PID-3-1"], crlf.as_bytes())),
        "12345\n67890\n"
    );
}

#[test]
fn query_bad_path_is_a_usage_error() {
    for bad in ["PID", "PID-0", "PID-3-", "XY-1", ""] {
        let o = run(&["query", bad], MSG1.as_bytes());
        assert_eq!(code(&o), 2, "path {bad:?}");
        assert!(
            stderr(&o).starts_with("vitalflow:"),
            "{bad:?}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn query_missing_file_reports_and_goes_on() {
    let d = scratch("query-missing");
    let f = write(&d, "one.hl7", MSG1.as_bytes());
    let missing = d.join("nope.hl7");
    let o = run(&["query", "MSH-10", missing.to_str().unwrap(), &f], b"");
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("nope.hl7"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "CTRL1\n");
}

#[test]
fn query_bad_message_is_reported_with_its_position() {
    // Text before the first MSH is not a message.
    let input = format!("this is not HL7\r{MSG1}");
    let o = run(&["query", "MSH-10"], input.as_bytes());
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("byte"), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("CTRL1\n"), "{}", stdout(&o));

    // A message whose encoding characters are unusable.
    let input = format!("MSH|\r{MSG2}");
    let o = run(&["query", "MSH-10"], input.as_bytes());
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stderr(&o).contains("message 1"), "{}", stderr(&o));
    // One line per message, the failed one empty.
    assert_eq!(stdout(&o), "\nCTRL2\n");
}

#[test]
fn query_empty_input_prints_nothing() {
    let o = run(&["query", "MSH-10"], b"");
    assert!(stdout(&o).is_empty());
    assert!(matches!(code(&o), 0 | 1));
}

// ---------------------------------------------------------------- vitals

#[test]
fn vitals_rows_as_json_lines() {
    let o = run(&["vitals"], two_messages().as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 3, "sodium is not a vital sign: {rows:?}");
    let hr = &rows[0];
    assert_eq!(hr["kind"], "HEART_RATE");
    assert_eq!(hr["message_control_id"], "CTRL1");
    assert_eq!(hr["obx_index"], 1);
    assert_eq!(hr["patient_id"], "12345");
    assert_eq!(hr["patient_id_authority"], "HOSP");
    assert_eq!(hr["encounter_id"], "V77");
    assert_eq!(hr["location"], "ICU^BED01^1");
    assert_eq!(hr["value"], 72.0);
    assert_eq!(hr["observed_at"], "2026-11-20T06:00:00Z");
    let t = &rows[1];
    assert_eq!(t["kind"], "TEMPERATURE");
    assert_eq!(t["unit"], "[degF]");
    assert_eq!(t["normalized_unit"], "Cel");
    assert!((t["normalized_value"].as_f64().unwrap() - 37.0).abs() < 1e-9);
    assert_eq!(rows[2]["kind"], "RESPIRATORY_RATE");
    assert_eq!(rows[2]["message_control_id"], "CTRL2");
}

#[test]
fn vitals_zone_for_timestamps_without_offset() {
    let o = run(&["vitals", "--zone", "Europe/Berlin"], MSG1.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json_lines(&o)[0]["observed_at"], "2026-11-20T05:00:00Z");
    let o = run(&["vitals", "--zone", "Mars/Olympus"], MSG1.as_bytes());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("Mars/Olympus"));
}

#[test]
fn vitals_site_codes() {
    let d = scratch("vitals-codes");
    let msg = "MSH|^~\\&|A|B|C|D|20261120060000||ORU^R01|S1|P|2.5\rPID|1||1\r\
OBX|1|NM|HR-MON^Ward HR^LOCAL||88|/min|||||F\r";
    let o = run(&["vitals"], msg.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).is_empty(),
        "unknown local code is not a vital sign"
    );
    let codes = write(
        &d,
        "site.tsv",
        b"# site codes\nLOCAL\tHR-MON\tHEART_RATE\t/min\t/min\tWard monitor heart rate\n",
    );
    let o = run(&["vitals", "--codes", &codes], msg.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "HEART_RATE");
    assert_eq!(rows[0]["code"], "HR-MON");

    let bad = write(&d, "bad.tsv", b"LOCAL\tX\tNOT_A_KIND\t/min\n");
    let o = run(&["vitals", "--codes", &bad], msg.as_bytes());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("NOT_A_KIND"), "{}", stderr(&o));
    let o = run(
        &["vitals", "--codes", d.join("none.tsv").to_str().unwrap()],
        msg.as_bytes(),
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("none.tsv"), "{}", stderr(&o));
}

#[test]
fn vitals_mllp_framed_input_and_bad_message() {
    let framed = mllp(&[MSG1, "garbage that is no message", MSG2]);
    let o = run(&["vitals"], &framed);
    assert_eq!(code(&o), 1);
    assert_eq!(json_lines(&o).len(), 3, "good messages are still extracted");
    // The second frame's payload starts after frame 1 (0x0B, MSG1, 0x1C 0x0D) and its 0x0B.
    let at = format!("byte {}", MSG1.len() + 4);
    assert!(
        stderr(&o).contains(&at),
        "the frame's offset: {}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- news2

#[test]
fn news2_from_flags() {
    let o = run(
        &[
            "news2",
            "--resp-rate",
            "22",
            "--spo2",
            "93",
            "--air",
            "--systolic",
            "105",
            "--pulse",
            "112",
            "--consciousness",
            "A",
            "--temperature",
            "38.4",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = &json_lines(&o)[0];
    // 2 (RR 21-24) + 2 (SpO2 92-93) + 0 (air) + 1 (SBP 101-110) + 2 (pulse 111-130) + 0 + 1 (38.1-39.0)
    assert_eq!(v["total"], 8);
    assert_eq!(v["band"], "HIGH");
    assert_eq!(v["subscores"]["resp_rate"], 2);
    assert_eq!(v["subscores"]["oxygen"], 0);
    assert_eq!(v["complete"], true);
    assert_eq!(v["missing"], serde_json::json!([]));
    let keys: Vec<&str> = v["subscores"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "resp_rate",
        "spo2",
        "oxygen",
        "systolic",
        "pulse",
        "consciousness",
        "temperature",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
}

#[test]
fn news2_partial_flags_list_missing() {
    let o = run(
        &[
            "news2",
            "--pulse",
            "135",
            "--oxygen",
            "--consciousness",
            "c",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = &json_lines(&o)[0];
    assert_eq!(v["total"], 8);
    assert_eq!(v["subscores"]["spo2"], Value::Null);
    assert_eq!(v["complete"], false);
    let missing = v["missing"].as_array().unwrap();
    assert!(
        missing.contains(&Value::from("resp_rate"))
            && missing.contains(&Value::from("temperature"))
    );

    let o = run(
        &["news2", "--spo2", "95", "--spo2-scale", "2", "--oxygen"],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json_lines(&o)[0]["subscores"]["spo2"], 2);
}

#[test]
fn news2_bad_flags_are_usage_errors() {
    for args in [
        &["news2", "--air", "--oxygen"][..],
        &["news2", "--spo2-scale", "3"],
        &["news2", "--consciousness", "X"],
        &["news2", "--pulse", "fast"],
        &["news2", "--pulse", "NaN"],
    ] {
        let o = run(args, b"");
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn news2_json_lines_on_stdin() {
    let input = b"{\"resp_rate\": 26, \"spo2\": 90, \"oxygen\": true, \"systolic\": 88, \"pulse\": 131, \"consciousness\": \"V\", \"temperature\": 39.5}\n\
\n\
{\"resp_rate\": 16, \"spo2\": 97, \"oxygen\": false, \"systolic\": 125, \"pulse\": 70, \"consciousness\": \"A\", \"temperature\": 36.8}\n\
{\"spo2\": 89, \"spo2_scale\": 2}\n";
    let o = run(&["news2"], input);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 3, "blank lines are skipped");
    assert_eq!(rows[0]["total"], 19);
    assert_eq!(rows[0]["band"], "HIGH");
    assert_eq!(rows[1]["total"], 0);
    assert_eq!(rows[1]["band"], "LOW");
    assert_eq!(rows[1]["complete"], true);
    assert_eq!(rows[2]["subscores"]["spo2"], 0);
    assert_eq!(rows[2]["complete"], false);
}

#[test]
fn news2_bad_json_line_names_the_line() {
    let input = b"{\"pulse\": 70}\n{\"pulse\": \n{\"spo2_scale\": 3}\n{\"consciousness\": \"Q\"}\n{\"pulse\": 140}\n";
    let o = run(&["news2"], input);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(!err.contains("line 1:") && !err.contains("line 5"), "{err}");
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 2, "good lines are still scored");
    assert_eq!(rows[1]["subscores"]["pulse"], 3);
}

// ---------------------------------------------------------------- send

/// An MLLP listener on 127.0.0.1 that answers each message with `reply(control_id)`
/// (None: no answer). Returns the address and a handle yielding the control ids received.
fn listener(
    reply: impl Fn(&str) -> Option<String> + Send + 'static,
) -> (String, thread::JoinHandle<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = thread::spawn(move || {
        let Some(mut s) = accept_within(&l, Duration::from_secs(30)) else {
            return Vec::new();
        };
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::new();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            while let Some(end) = buf.windows(2).position(|w| w == [0x1C, 0x0D]) {
                let frame: Vec<u8> = buf.drain(..end + 2).collect();
                let start = frame.iter().position(|&b| b == 0x0B).expect("start block");
                let msg = String::from_utf8_lossy(&frame[start + 1..end]).into_owned();
                let ctrl = msg
                    .split('\r')
                    .next()
                    .unwrap()
                    .split('|')
                    .nth(9)
                    .unwrap_or("")
                    .to_string();
                got.push(ctrl.clone());
                if let Some(ack) = reply(&ctrl) {
                    let mut out = vec![0x0B];
                    out.extend_from_slice(ack.as_bytes());
                    out.extend_from_slice(&[0x1C, 0x0D]);
                    if s.write_all(&out).is_err() {
                        return got;
                    }
                }
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return got,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    });
    (addr, h)
}

/// Accepts one connection, or gives up after `limit` so that a client that never
/// connects fails its test instead of hanging it.
fn accept_within(l: &TcpListener, limit: Duration) -> Option<TcpStream> {
    l.set_nonblocking(true).unwrap();
    let deadline = std::time::Instant::now() + limit;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                return Some(s);
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    && std::time::Instant::now() < deadline =>
            {
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return None,
        }
    }
}

fn ack(code: &str, ctrl: &str) -> String {
    format!("MSH|^~\\&|RCV|HOSP|MON|ICU|20261120060001||ACK^R01^ACK|A-{ctrl}|P|2.5\rMSA|{code}|{ctrl}|{}\r",
        if code == "AA" { "" } else { "rejected for the test" })
}

#[test]
fn send_reports_each_ack() {
    let (addr, h) = listener(|c| Some(ack("AA", c)));
    let d = scratch("send-aa");
    let f = write(&d, "two.hl7", two_messages().as_bytes());
    let o = run(&["send", "--mllp", &addr, &f], b"");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "CTRL1 AA\nCTRL2 AA\n");
    assert!(stderr(&o).contains("2 sent"), "{}", stderr(&o));
    assert_eq!(h.join().unwrap(), ["CTRL1", "CTRL2"]);
}

#[test]
fn send_rate_paces_the_feed() {
    // 5 messages at 20/s: the fifth is due 200 ms after the first, whatever the receiver's speed.
    let (addr, h) = listener(|c| Some(ack("AA", c)));
    let five = mllp(&[MSG1, MSG2, MSG1, MSG2, MSG1]);
    let started = std::time::Instant::now();
    let o = run(&["send", "--mllp", &addr, "--rate", "20"], &five);
    let took = started.elapsed();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 5);
    assert!(took >= Duration::from_millis(200), "paced: took {took:?}");
    h.join().unwrap();

    for bad in ["0", "-3", "fast", "NaN"] {
        let o = run(
            &["send", "--mllp", "127.0.0.1:9", "--rate", bad],
            MSG1.as_bytes(),
        );
        assert_eq!(code(&o), 2, "--rate {bad}: {}", stderr(&o));
    }
}

#[test]
fn send_reads_mllp_framed_stdin() {
    let (addr, h) = listener(|c| Some(ack("CA", c)));
    let o = run(&["send", "--mllp", &addr], &mllp(&[MSG2, MSG1]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "CTRL2 CA\nCTRL1 CA\n");
    assert_eq!(h.join().unwrap(), ["CTRL2", "CTRL1"]);
}

#[test]
fn send_ae_or_ar_exits_non_zero() {
    let (addr, h) = listener(|c| Some(ack(if c == "CTRL1" { "AE" } else { "AA" }, c)));
    let o = run(&["send", "--mllp", &addr], two_messages().as_bytes());
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "CTRL1 AE\nCTRL2 AA\n", "goes on after an AE");
    assert!(
        stderr(&o).contains("rejected for the test"),
        "{}",
        stderr(&o)
    );
    h.join().unwrap();

    let (addr, h) = listener(|c| Some(ack("AR", c)));
    let o = run(&["send", "--mllp", &addr], MSG1.as_bytes());
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "CTRL1 AR\n");
    h.join().unwrap();
}

#[test]
fn send_timeout_exits_non_zero() {
    let (addr, h) = listener(|_| None);
    let o = run(
        &["send", "--mllp", &addr, "--timeout", "300ms"],
        two_messages().as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no ACK within"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert_eq!(h.join().unwrap(), ["CTRL1"], "stops at the first timeout");
}

#[test]
fn send_connection_refused_exits_non_zero() {
    // Bind, learn the port, close: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let o = run(
        &["send", "--mllp", &addr, "--timeout", "2s"],
        MSG1.as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains(&addr), "{}", stderr(&o));
    let o = run(&["send"], MSG1.as_bytes());
    assert_eq!(code(&o), 2, "--mllp is required");
}

#[test]
fn send_connection_closed_by_peer() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = thread::spawn(move || {
        drop(accept_within(&l, Duration::from_secs(30)));
    });
    let o = run(&["send", "--mllp", &addr], MSG1.as_bytes());
    h.join().unwrap();
    assert_eq!(code(&o), 1);
}

/// What a [`serving`] listener does with one received message.
enum Reply {
    Ack(String),
    /// Closes the connection without an answer.
    Close,
}

/// An MLLP listener on 127.0.0.1 that serves any number of connections (a thread each) until the
/// test ends. `reply(control_id, times_seen_before)` decides each answer. Returns the address and
/// the log of (connection number, control id) in arrival order.
#[allow(clippy::type_complexity)]
fn serving(
    reply: impl Fn(&str, usize) -> Reply + Send + Sync + 'static,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(usize, String)>>>,
) {
    use std::sync::{Arc, Mutex};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let log: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let reply = Arc::new(reply);
    let log2 = Arc::clone(&log);
    thread::spawn(move || {
        for (conn, s) in l.incoming().enumerate() {
            let Ok(mut s) = s else { return };
            let (reply, log) = (Arc::clone(&reply), Arc::clone(&log2));
            thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    while let Some(end) = buf.windows(2).position(|w| w == [0x1C, 0x0D]) {
                        let frame: Vec<u8> = buf.drain(..end + 2).collect();
                        let start = frame.iter().position(|&b| b == 0x0B).unwrap();
                        let msg = String::from_utf8_lossy(&frame[start + 1..end]).into_owned();
                        let ctrl = msg
                            .split('\r')
                            .next()
                            .unwrap()
                            .split('|')
                            .nth(9)
                            .unwrap_or("");
                        let seen = {
                            let mut log = log.lock().unwrap();
                            let seen = log.iter().filter(|(_, c)| c == ctrl).count();
                            log.push((conn, ctrl.to_string()));
                            seen
                        };
                        match reply(ctrl, seen) {
                            Reply::Ack(a) => {
                                let mut out = vec![0x0B];
                                out.extend_from_slice(a.as_bytes());
                                out.extend_from_slice(&[0x1C, 0x0D]);
                                if s.write_all(&out).is_err() {
                                    return;
                                }
                            }
                            Reply::Close => return,
                        }
                    }
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (addr, log)
}

#[test]
fn send_retry_resends_after_ae_and_a_dropped_connection() {
    // CTRL1: AE the first time; CTRL2: the connection dies the first time. Both then get AA.
    let (addr, log) = serving(|c, seen| match (c, seen) {
        ("CTRL1", 0) => Reply::Ack(ack("AE", c)),
        ("CTRL2", 0) => Reply::Close,
        _ => Reply::Ack(ack("AA", c)),
    });
    let o = run(
        &[
            "send",
            "--mllp",
            &addr,
            "--timeout",
            "5s",
            "--retry-for",
            "30s",
        ],
        two_messages().as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "CTRL1 AA\nCTRL2 AA\n",
        "only the final ACK is printed"
    );
    assert!(stderr(&o).contains("2 resends"), "{}", stderr(&o));
    let log = log.lock().unwrap().clone();
    let ctrls: Vec<&str> = log.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(ctrls, ["CTRL1", "CTRL1", "CTRL2", "CTRL2"]);
    assert_ne!(
        log[2].0, log[3].0,
        "the resend after a dropped connection uses a new one"
    );
}

#[test]
fn send_retry_gives_up_when_its_time_is_up() {
    let (addr, log) = serving(|c, _| Reply::Ack(ack("AE", c)));
    let o = run(
        &["send", "--mllp", &addr, "--retry-for", "700ms"],
        MSG1.as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "CTRL1 AE\n");
    assert!(
        stderr(&o).contains("rejected for the test"),
        "{}",
        stderr(&o)
    );
    let tries = log.lock().unwrap().len();
    assert!(
        (2..=6).contains(&tries),
        "resent with back-off, then gave up: {tries} tries"
    );
}

#[test]
fn send_never_resends_an_ar() {
    let (addr, log) = serving(|c, _| Reply::Ack(ack("AR", c)));
    let o = run(
        &["send", "--mllp", &addr, "--retry-for", "30s"],
        MSG1.as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "CTRL1 AR\n");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn send_over_connections_keeps_each_patients_order() {
    let mut feed = String::new();
    for n in 0..25 {
        for p in 0..8 {
            feed.push_str(
                &MSG2
                    .replace("CTRL2", &format!("P{p}-{n:02}"))
                    .replace("67890", &format!("PAT{p}")),
            );
        }
    }
    let (addr, log) = serving(|c, _| Reply::Ack(ack("AA", c)));
    let o = run(
        &["send", "--mllp", &addr, "--connections", "4"],
        feed.as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().filter(|l| l.ends_with(" AA")).count(),
        200
    );
    assert!(stderr(&o).contains("over 4 connections"), "{}", stderr(&o));
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 200, "each message once");
    let conns: std::collections::BTreeSet<usize> = log.iter().map(|(c, _)| *c).collect();
    assert!(
        conns.len() > 1,
        "the feed went over several connections: {conns:?}"
    );
    for p in 0..8 {
        let mine: Vec<&(usize, String)> = log
            .iter()
            .filter(|(_, c)| c.starts_with(&format!("P{p}-")))
            .collect();
        assert_eq!(mine.len(), 25);
        assert!(
            mine.iter().all(|(c, _)| *c == mine[0].0),
            "patient {p} on one connection"
        );
        let order: Vec<&str> = mine.iter().map(|(_, c)| c.as_str()).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "patient {p}'s messages in order");
    }
    let o = run(&["send", "--mllp", &addr, "--connections", "0"], b"");
    assert_eq!(code(&o), 2);
}

// ---------------------------------------------------------------- simulate

#[test]
fn simulate_is_deterministic_and_valid() {
    let a = run(
        &["simulate", "--seed", "5", "--patients", "4", "--count", "3"],
        b"",
    );
    assert_eq!(code(&a), 0, "{}", stderr(&a));
    let b = run(
        &["simulate", "--seed", "5", "--patients", "4", "--count", "3"],
        b"",
    );
    assert_eq!(a.stdout, b.stdout);
    let c = run(
        &["simulate", "--seed", "6", "--patients", "4", "--count", "3"],
        b"",
    );
    assert_ne!(a.stdout, c.stdout);
    assert!(a.stdout.starts_with(b"MSH|^~\\&|"));
    assert!(!a.stdout.contains(&b'\n'), "segments end with \\r only");

    let ids = run(&["query", "MSH-10"], &a.stdout);
    assert_eq!(code(&ids), 0, "{}", stderr(&ids));
    let ids: Vec<String> = stdout(&ids).lines().map(String::from).collect();
    assert!(ids.len() >= 12, "4 patients x 3 readings, plus glucose");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "MSH-10 unique");
    for path in ["MSH-9", "MSH-12", "PID-3-4", "PID-3-5", "PV1-3-1"] {
        let o = run(&["query", path], &a.stdout);
        assert!(
            stdout(&o).lines().all(|l| !l.is_empty()),
            "{path} always present"
        );
    }
    assert!(stdout(&run(&["query", "MSH-9"], &a.stdout))
        .lines()
        .all(|l| l == "ORU^R01^ORU_R01"));
}

#[test]
fn simulate_to_vitals_yields_every_kind() {
    let sim = run(
        &[
            "simulate",
            "--seed",
            "11",
            "--patients",
            "20",
            "--count",
            "16",
            "--zone",
            "America/New_York",
        ],
        b"",
    );
    assert_eq!(code(&sim), 0, "{}", stderr(&sim));
    let o = run(&["vitals", "--zone", "America/New_York"], &sim.stdout);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json_lines(&o);
    let kinds: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for k in [
        "TEMPERATURE",
        "SYSTOLIC_BP",
        "DIASTOLIC_BP",
        "MEAN_BP",
        "HEART_RATE",
        "RESPIRATORY_RATE",
        "SPO2",
        "GLUCOSE",
        "CONSCIOUSNESS",
        "INSPIRED_O2",
    ] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
    let has = |f: &dyn Fn(&Value) -> bool| rows.iter().any(f);
    assert!(has(&|r| r["code_system"] == "MDC"), "PCD-01 rows");
    assert!(
        has(&|r| r["code_system"] == "LN" && r["kind"] == "HEART_RATE"),
        "LOINC rows"
    );
    assert!(has(&|r| r["unit"] == "[degF]"), "Fahrenheit temperatures");
    assert!(
        has(&|r| r["unit"] == "mmol/L") && has(&|r| r["unit"] == "mg/dL"),
        "both glucose units"
    );
    assert!(
        has(&|r| r["text"] == "C"),
        "new confusion in some deteriorating patient"
    );
    assert!(has(&|r| r["device_id"].is_string()), "device ids");
    // Every row has a time and an identity, all normalised values plausible.
    for r in &rows {
        assert!(
            r["observed_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-20T"),
            "{r}"
        );
        assert!(
            r["patient_id"].is_string()
                && r["encounter_id"].is_string()
                && r["location"].is_string(),
            "{r}"
        );
        if let Some(v) = r["normalized_value"].as_f64() {
            let ok = match r["kind"].as_str().unwrap() {
                "TEMPERATURE" => (33.0..43.0).contains(&v),
                "SPO2" => (50.0..=100.0).contains(&v),
                "HEART_RATE" => (25.0..230.0).contains(&v),
                "RESPIRATORY_RATE" => (3.0..70.0).contains(&v),
                "GLUCOSE" => (20.0..600.0).contains(&v),
                _ => true,
            };
            assert!(ok, "{r}");
        }
    }
}

#[test]
fn simulate_file_output_with_mllp_framing_and_roster() {
    let d = scratch("sim-file");
    let out = d.join("feed.mllp");
    let roster = d.join("roster.jsonl");
    let o = run(
        &[
            "simulate",
            "--patients",
            "5",
            "--duration",
            "2h",
            "--interval",
            "30m",
            "--framing",
            "mllp",
            "--out",
            out.to_str().unwrap(),
            "--roster",
            roster.to_str().unwrap(),
            "--start",
            "2026-03-01T08:00:00+01:00",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let data = std::fs::read(&out).unwrap();
    assert_eq!(data[0], 0x0B);
    assert!(data.ends_with(&[0x1C, 0x0D]));
    let ids = run(&["query", "MSH-10", out.to_str().unwrap()], b"");
    assert_eq!(code(&ids), 0, "{}", stderr(&ids));
    assert!(
        stdout(&ids).lines().count() >= 20,
        "5 patients x 4 readings"
    );
    let roster: Vec<Value> = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(roster.len(), 5);
    assert_eq!(
        roster.iter().filter(|p| p["deteriorating"] == true).count(),
        2
    );
    let v = run(&["vitals", out.to_str().unwrap()], b"");
    let first = json_lines(&v)
        .into_iter()
        .map(|r| r["observed_at"].as_str().unwrap().to_string())
        .min()
        .unwrap();
    assert!(first.starts_with("2026-03-01T07:0"), "{first}");
}

#[test]
fn simulate_bad_options_are_usage_errors() {
    for args in [
        &["simulate", "--interval", "fast"][..],
        &["simulate", "--interval", "0s"],
        &["simulate", "--patients", "0"],
        &["simulate", "--count", "3", "--duration", "1h"],
        &["simulate", "--deteriorating", "1.5"],
        &["simulate", "--start", "yesterday"],
        &["simulate", "--framing", "smoke"],
        &["simulate", "--out", "x.hl7", "--mllp", "127.0.0.1:1"],
        &["simulate", "--start", "now", "--end", "now"],
        &["simulate", "--end", "soon"],
        &["simulate", "--real-time", "--speed", "2"],
    ] {
        let o = run(args, b"");
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn simulate_to_an_mllp_listener() {
    let (addr, h) = listener(|c| Some(ack("AA", c)));
    let o = run(
        &[
            "simulate",
            "--patients",
            "3",
            "--count",
            "2",
            "--mllp",
            &addr,
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got = h.join().unwrap();
    assert!(got.len() >= 6);
    let reported: Vec<String> = stdout(&o)
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(reported, got);
    assert!(stdout(&o).lines().all(|l| l.ends_with(" AA")));
}

// ---------------------------------------------------------------- fixtures

/// The shared fixtures (tests/fixtures/*.hl7), when present: nothing crashes,
/// every message yields a control-id line, errors are reported, not panicked.
#[test]
fn fixtures_never_crash() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
        .collect();
    files.sort();
    for f in files {
        let f = f.to_str().unwrap();
        for args in [
            &["query", "MSH-10", f][..],
            &["query", "--json", "OBX(1)-5", f],
            &["vitals", f],
        ] {
            let o = run(args, b"");
            let c = code(&o);
            assert!(c == 0 || c == 1, "{args:?} exited {c}: {}", stderr(&o));
            assert!(
                !stderr(&o).contains("internal error"),
                "{args:?}: {}",
                stderr(&o)
            );
            if c == 1 {
                assert!(
                    stderr(&o).contains("vitalflow:"),
                    "{args:?}: failure without a message"
                );
            }
            if args[0] == "vitals" {
                json_lines(&o);
            }
        }
    }
}

#[test]
fn simulate_speed_paces_the_output() {
    // 2 readings 60 s apart at 120x: the second tick is due 0.5 s after the start.
    let t = std::time::Instant::now();
    let o = run(
        &[
            "simulate",
            "--patients",
            "1",
            "--count",
            "2",
            "--interval",
            "60s",
            "--speed",
            "120",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        t.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(code(&run(&["simulate", "--speed", "0"], b"")), 2);
}

/// The `YYYYMMDDHHMMSS` of an HL7 time (the simulator's are UTC: `+0000`, or no offset with
/// the default zone).
fn hl7_seconds(ts: &str) -> String {
    assert!(ts.len() >= 14, "{ts:?}");
    ts[..14].to_string()
}

#[test]
fn simulate_end_now_dates_nothing_after_now() {
    let o = run(
        &[
            "simulate",
            "--end",
            "now",
            "--duration",
            "4h",
            "--patients",
            "20",
            "--adt",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "no warning: {}", stderr(&o));
    let now = chrono::Utc::now();
    let limit = now.format("%Y%m%d%H%M%S").to_string();
    let sent = run(&["query", "MSH-7"], &o.stdout);
    assert_eq!(code(&sent), 0, "{}", stderr(&sent));
    let sent: Vec<String> = stdout(&sent).lines().map(hl7_seconds).collect();
    assert!(sent.len() > 20 * 16);
    assert!(
        sent.iter().all(|t| *t <= limit),
        "{:?} > {limit}",
        sent.iter().max()
    );
    // The past 4 hours: the first reading (not the admissions before it) within them.
    let earliest = (now - chrono::Duration::hours(4) - chrono::Duration::minutes(6))
        .format("%Y%m%d%H%M%S")
        .to_string();
    assert!(
        sent.iter().all(|t| *t >= earliest),
        "{:?}",
        sent.iter().min()
    );
    let rows = run(&["vitals"], &o.stdout);
    assert_eq!(code(&rows), 0, "{}", stderr(&rows));
    for r in json_lines(&rows) {
        let at = chrono::DateTime::parse_from_rfc3339(r["observed_at"].as_str().unwrap()).unwrap();
        assert!(at <= now, "{r}");
    }
}

#[test]
fn simulate_refuses_a_future_live_feed() {
    // Refused before connecting: port 1 would fail with exit code 1.
    for out in [["--mllp", "127.0.0.1:1"], ["--kafka", "127.0.0.1:1"]] {
        let o = run(
            &[
                "simulate",
                "--start",
                "now",
                "--duration",
                "4h",
                out[0],
                out[1],
            ],
            b"",
        );
        assert_eq!(code(&o), 2, "{out:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--end now") && stderr(&o).contains("clock error"),
            "{}",
            stderr(&o)
        );
    }
    // To a file: written, with a warning.
    let d = scratch("sim-future");
    let f = d.join("feed.hl7");
    let o = run(
        &[
            "simulate",
            "--start",
            "now",
            "--count",
            "3",
            "--out",
            f.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(std::fs::metadata(&f).unwrap().len() > 0);
    // The past, sent live: no refusal.
    let (addr, h) = listener(|c| Some(ack("AA", c)));
    let o = run(
        &[
            "simulate",
            "--end",
            "now",
            "--patients",
            "2",
            "--count",
            "2",
            "--mllp",
            &addr,
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(h.join().unwrap().len() >= 4);
}

#[test]
fn simulate_real_time_sends_each_message_at_its_time() {
    // 2 patients (seed 1: no glucometer), 3 readings 2 s apart from now: each message is due at
    // its MSH-7 (2 s after the reading), the last about 4-6 s from the start. A behaviour check,
    // not a benchmark: only a lower bound.
    let t = std::time::Instant::now();
    let o = run(
        &[
            "simulate",
            "--patients",
            "2",
            "--count",
            "3",
            "--interval",
            "2s",
            "--start",
            "now",
            "--real-time",
        ],
        b"",
    );
    let elapsed = t.elapsed();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).is_empty(),
        "a paced feed is not future data: {}",
        stderr(&o)
    );
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    let sent = run(&["query", "MSH-7"], &o.stdout);
    let sent: Vec<String> = stdout(&sent).lines().map(hl7_seconds).collect();
    assert_eq!(sent.len(), 6, "no glucose messages for seed 1");
    let limit = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    assert!(sent.iter().all(|t| *t <= limit));
}

/// The feed for a seed is pinned: a change here means every recorded demo and
/// test feed changes too (a model change, or a rand/ChaCha8 upgrade that is not
/// value-stable). Update the literal only on purpose.
#[test]
fn simulate_golden_seed_42() {
    let o = run(
        &[
            "simulate",
            "--seed",
            "42",
            "--patients",
            "1",
            "--count",
            "1",
            "--style",
            "loinc",
        ],
        b"",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let expected = "\
MSH|^~\\&|EHR_FLOWSHEET|VITALFLOW_SIM|VITALFLOW|HOSPITAL|20261120060613||ORU^R01^ORU_R01|VF00002A00000001|P|2.5\r\
PID|1||2317476^^^VFSIM^MR||FICTIONAL^JULIET^^^^^L||19620518|F\r\
PV1|1|I|ICU^BED01^1||||||||||||||||V67784666^^^VFSIM^VN\r\
OBR|1|VF00002A00000001^VITALFLOW_SIM|VF00002A00000001^VITALFLOW_SIM|34566-0^Vital signs with method details panel^LN|||20261120060611|20261120060611\r\
OBX|1|NM|8867-4^Heart rate^LN||68|/min^per minute^UCUM|||||F\r\
OBX|2|NM|9279-1^Respiratory rate^LN||14|/min^per minute^UCUM|||||F\r\
OBX|3|NM|59408-5^Oxygen saturation in Arterial blood by Pulse oximetry^LN||91|%^percent^UCUM|||||F\r\
OBX|4|NM|8480-6^Systolic blood pressure^LN||128|mm[Hg]^millimeter of mercury^UCUM|||||F\r\
OBX|5|NM|8462-4^Diastolic blood pressure^LN||83|mm[Hg]^millimeter of mercury^UCUM|||||F\r\
OBX|6|NM|8478-0^Mean blood pressure^LN||98|mm[Hg]^millimeter of mercury^UCUM|||||F\r\
OBX|7|NM|8310-5^Body temperature^LN||98.1|[degF]^degree Fahrenheit^UCUM|||||F\r\
OBX|8|NM|72514-3^Pain severity - 0-10 verbal numeric rating^LN||2|{score}^score^UCUM|||||F\r\
OBX|9|NM|3151-8^Inhaled oxygen flow rate^LN||2|L/min^liter per minute^UCUM|||||F\r\
OBX|10|ST|ACVPU^Level of consciousness (ACVPU)^L||A||||||F\r";
    assert_eq!(stdout(&o), expected);
}

/// The shared invalid fixtures (tests/fixtures/invalid/*.hl7), when present: no
/// crash, and a failure (exit code 1) says which file and where. Whether each is
/// an error is the core's contract, tested by its own fixture test.
#[test]
fn invalid_fixtures_fail_with_a_position() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/invalid");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for f in entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
    {
        let f = f.to_str().unwrap();
        for args in [&["vitals", f][..], &["query", "MSH-10", f]] {
            let o = run(args, b"");
            let c = code(&o);
            assert!(c == 0 || c == 1, "{args:?}: {}", stderr(&o));
            assert!(
                !stderr(&o).contains("internal error"),
                "{args:?}: {}",
                stderr(&o)
            );
            if c == 1 {
                assert!(
                    stderr(&o).contains(&format!("vitalflow: {f}")),
                    "{args:?}: {}",
                    stderr(&o)
                );
                assert!(stderr(&o).contains("byte "), "{args:?}: {}", stderr(&o));
            }
        }
    }
}

#[test]
fn simulate_lines_framing_reads_the_same() {
    let plain = run(&["simulate", "--count", "2", "--patients", "3"], b"");
    let lines = run(
        &[
            "simulate",
            "--count",
            "2",
            "--patients",
            "3",
            "--framing",
            "lines",
        ],
        b"",
    );
    assert!(lines.stdout.contains(&b'\n') && !lines.stdout.contains(&b'\r'));
    let a = run(&["vitals"], &plain.stdout);
    let b = run(&["vitals"], &lines.stdout);
    assert_eq!(code(&b), 0, "{}", stderr(&b));
    assert_eq!(a.stdout, b.stdout);
}

/// simulate -> vitals -> news2, with the roster as ground truth: the patients
/// who deteriorate end with a high NEWS2, the others do not.
#[test]
fn simulated_deterioration_shows_in_news2() {
    let d = scratch("sim-news2");
    let roster = d.join("roster.jsonl");
    let sim = run(
        &[
            "simulate",
            "--seed",
            "3",
            "--patients",
            "12",
            "--count",
            "24",
            "--roster",
            roster.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code(&sim), 0, "{}", stderr(&sim));
    let rows = json_lines(&run(&["vitals"], &sim.stdout));
    let roster: Vec<Value> = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    // The latest value of each NEWS2 parameter per patient, from the rows in feed order.
    let mut latest: std::collections::BTreeMap<String, serde_json::Map<String, Value>> =
        Default::default();
    for r in &rows {
        let p = latest
            .entry(r["patient_id"].as_str().unwrap().to_string())
            .or_default();
        let v = r["normalized_value"].clone();
        match r["kind"].as_str().unwrap() {
            "RESPIRATORY_RATE" => drop(p.insert("resp_rate".into(), v)),
            "SPO2" => drop(p.insert("spo2".into(), v)),
            "SYSTOLIC_BP" => drop(p.insert("systolic".into(), v)),
            "HEART_RATE" => drop(p.insert("pulse".into(), v)),
            "TEMPERATURE" => drop(p.insert("temperature".into(), v)),
            "CONSCIOUSNESS" => drop(p.insert("consciousness".into(), r["text"].clone())),
            "INSPIRED_O2" => {
                let x = r["normalized_value"].as_f64().unwrap();
                let on = if r["unit"] == "%" { x > 21.0 } else { x > 0.0 };
                p.insert("oxygen".into(), Value::Bool(on));
            }
            _ => {}
        }
    }
    let mut input = String::new();
    let mut truth = Vec::new();
    for p in &roster {
        let mut obj = latest[p["patient_id"].as_str().unwrap()].clone();
        obj.insert("spo2_scale".into(), p["spo2_scale"].clone());
        input.push_str(&Value::Object(obj).to_string());
        input.push('\n');
        truth.push(p["deteriorating"] == true);
    }
    let o = run(&["news2"], input.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let scores = json_lines(&o);
    assert_eq!(scores.len(), roster.len());
    for (s, deteriorating) in scores.iter().zip(truth) {
        assert_eq!(s["complete"], true, "{s}");
        let total = s["total"].as_u64().unwrap();
        if deteriorating {
            assert!(total >= 7, "deteriorating patient ends at {s}");
        } else {
            assert!(total <= 4, "stable patient ends at {s}");
        }
    }
}
