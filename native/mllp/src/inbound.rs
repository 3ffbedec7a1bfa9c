//! What a received frame becomes: a record for the sink (topic, key,
//! value, headers) and the replies to send once its write is settled.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use vitalflow_core::ack::{self, AckCode, AckError};
use vitalflow_core::{ErrorKind, Hl7Error, Message};

use crate::config::{KeyStrategy, ServerConfig};

/// Header names on the records.
pub mod header {
    pub const CONTROL_ID: &str = "hl7.control_id";
    pub const MESSAGE_TYPE: &str = "hl7.message_type";
    pub const RECEIVED_AT: &str = "hl7.received_at";
    pub const SOURCE: &str = "hl7.source";
    pub const SENDING_APPLICATION: &str = "hl7.sending_application";
    pub const SENDING_FACILITY: &str = "hl7.sending_facility";
    /// MSH-11-1: P production, T training, D debugging (the job scores P only
    /// by default; see docs/contract.md, Test traffic).
    pub const PROCESSING_ID: &str = "hl7.processing_id";
    pub const ERROR: &str = "hl7.error";
}

/// One message for the sink: write `value` to `topic` with `key` and
/// `headers`, then complete its [`crate::Delivery`].
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Server-wide sequence number, unique per server.
    pub id: u64,
    pub topic: Arc<str>,
    /// The message bytes exactly as received (for an oversize frame: its head).
    pub value: Arc<[u8]>,
    pub key: Option<Vec<u8>>,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    /// MSH-10 (may be empty for invalid input); the only message detail that is logged.
    pub control_id: String,
    /// Why the message is invalid; `None` for a message bound for the main topic.
    pub error: Option<String>,
    pub received_at: DateTime<Utc>,
}

impl Inbound {
    pub fn is_invalid(&self) -> bool {
        self.error.is_some()
    }

    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// The fields resends are matched on: MSH-3, MSH-4, MSH-10 and a hash of the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey {
    pub sending_application: String,
    pub sending_facility: String,
    pub control_id: String,
    pub len: usize,
    pub digest: u64,
}

/// A frame, classified.
pub struct Classified {
    pub inbound: Inbound,
    /// The reply once the write is durable: AA for a valid message, AR for an invalid one.
    pub on_success: Vec<u8>,
    pub dedupe: Option<DedupeKey>,
}

/// Why a frame is not a message, when the framing already says so.
pub enum FrameProblem {
    Truncated,
    Oversize { len: usize, limit: usize },
    OpenAtClose,
}

impl FrameProblem {
    fn describe(&self) -> String {
        match self {
            FrameProblem::Truncated => {
                "MLLP frame not ended before the next start block (half frame)".into()
            }
            FrameProblem::Oversize { len, limit } => {
                format!("MLLP frame of {len} bytes is larger than the limit of {limit} bytes; only its first bytes are kept")
            }
            FrameProblem::OpenAtClose => {
                "connection closed or idle inside an MLLP frame (half frame)".into()
            }
        }
    }
}

fn timestamp(now: DateTime<Utc>) -> Vec<u8> {
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
        .into_bytes()
}

fn field(msg: &Message<'_>, n: usize) -> String {
    msg.segment(b"MSH", 1)
        .and_then(|s| s.field(n))
        .map(|f| f.decoded().into_owned())
        .unwrap_or_default()
}

/// MSH-11-1, the processing id (empty when absent).
fn processing_id(msg: &Message<'_>) -> String {
    msg.query("MSH-11-1")
        .ok()
        .flatten()
        .map(|p| p.into_owned())
        .unwrap_or_default()
}

/// Classifies a complete frame.
pub fn classify(
    frame: Vec<u8>,
    config: &ServerConfig,
    id: u64,
    reply_id: &str,
    now: DateTime<Utc>,
) -> Classified {
    let value: Arc<[u8]> = frame.into();
    let parsed = Message::parse(&value);
    let msg = match parsed {
        Ok(m) => m,
        Err(e) => return invalid(value.clone(), &e, config, id, reply_id, now),
    };
    let control_id = field(&msg, 10);
    if control_id.trim().is_empty() {
        let e = AckError {
            code: 101,
            text: "required field MSH-10 (message control id) is missing".into(),
            segment: Some("MSH".into()),
            segment_index: Some(1),
            field: Some(10),
        };
        let reply = ack::build(&msg, AckCode::AR, Some(&e), reply_id, now);
        let mut c = invalid_record(value.clone(), e.text, config, id, now);
        add_msh_headers(&mut c.headers, &msg);
        return Classified {
            inbound: c,
            on_success: reply,
            dedupe: None,
        };
    }
    let message_type = msg
        .segment(b"MSH", 1)
        .and_then(|s| s.field(9))
        .map(|f| String::from_utf8_lossy(f.raw()).into_owned())
        .unwrap_or_default();
    let sending_application = field(&msg, 3);
    let sending_facility = field(&msg, 4);
    let key = match config.key_strategy {
        KeyStrategy::PatientId => msg
            .query("PID-3-1")
            .ok()
            .flatten()
            .filter(|p| !p.is_empty())
            .map(|p| p.into_owned().into_bytes()),
        KeyStrategy::ControlId => Some(control_id.clone().into_bytes()),
        KeyStrategy::None => None,
    };
    let headers = vec![
        (header::CONTROL_ID, control_id.clone().into_bytes()),
        (header::MESSAGE_TYPE, message_type.into_bytes()),
        (header::RECEIVED_AT, timestamp(now)),
        (header::SOURCE, config.source.clone().into_bytes()),
        (
            header::SENDING_APPLICATION,
            sending_application.clone().into_bytes(),
        ),
        (
            header::SENDING_FACILITY,
            sending_facility.clone().into_bytes(),
        ),
        (header::PROCESSING_ID, processing_id(&msg).into_bytes()),
    ];
    let on_success = ack::build(&msg, AckCode::AA, None, reply_id, now);
    let dedupe = (!config.dedupe_window.is_zero()).then(|| DedupeKey {
        sending_application,
        sending_facility,
        control_id: control_id.clone(),
        len: value.len(),
        digest: digest(&value),
    });
    drop(msg);
    Classified {
        inbound: Inbound {
            id,
            topic: config.topic.as_str().into(),
            value,
            key,
            headers,
            control_id,
            error: None,
            received_at: now,
        },
        on_success,
        dedupe,
    }
}

/// Classifies bytes the framing could not deliver as a message.
pub fn classify_problem(
    bytes: Vec<u8>,
    problem: FrameProblem,
    config: &ServerConfig,
    id: u64,
    reply_id: &str,
    now: DateTime<Utc>,
) -> Classified {
    let e = Hl7Error::new(ErrorKind::MllpFraming(problem.describe()));
    invalid(bytes.into(), &e, config, id, reply_id, now)
}

fn invalid(
    value: Arc<[u8]>,
    e: &Hl7Error,
    config: &ServerConfig,
    id: u64,
    reply_id: &str,
    now: DateTime<Utc>,
) -> Classified {
    let reply = ack::reject_unparseable(&value, e, reply_id, now);
    let mut inbound = invalid_record(value, e.to_string(), config, id, now);
    // What the reject could read of MSH (sender and control id) is worth keeping.
    if let Ok(msg) = Message::parse(&reply) {
        inbound.control_id = msg
            .query("MSA-2")
            .ok()
            .flatten()
            .map(|c| c.into_owned())
            .unwrap_or_default();
        if !inbound.control_id.is_empty() {
            inbound
                .headers
                .push((header::CONTROL_ID, inbound.control_id.clone().into_bytes()));
        }
    }
    Classified {
        inbound,
        on_success: reply,
        dedupe: None,
    }
}

fn invalid_record(
    value: Arc<[u8]>,
    error: String,
    config: &ServerConfig,
    id: u64,
    now: DateTime<Utc>,
) -> Inbound {
    Inbound {
        id,
        topic: config.invalid_topic.as_str().into(),
        value,
        key: None,
        headers: vec![
            (header::ERROR, error.clone().into_bytes()),
            (header::RECEIVED_AT, timestamp(now)),
            (header::SOURCE, config.source.clone().into_bytes()),
        ],
        control_id: String::new(),
        error: Some(error),
        received_at: now,
    }
}

fn add_msh_headers(headers: &mut Vec<(&'static str, Vec<u8>)>, msg: &Message<'_>) {
    for (name, n) in [
        (header::MESSAGE_TYPE, 9),
        (header::SENDING_APPLICATION, 3),
        (header::SENDING_FACILITY, 4),
    ] {
        headers.push((name, field(msg, n).into_bytes()));
    }
    headers.push((header::PROCESSING_ID, processing_id(msg).into_bytes()));
}

/// A 64-bit FNV-1a digest of the bytes (stable across runs and processes).
pub fn digest(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The reply when the write did not become durable: AE with an ERR segment
/// (code 207) asking the sender to resend.
pub fn not_stored_reply(original: &[u8], why: &str, reply_id: &str, now: DateTime<Utc>) -> Vec<u8> {
    let text = format!("not stored, please resend: {why}");
    match Message::parse(original) {
        Ok(msg) => {
            let e = AckError {
                code: 207,
                text,
                segment: None,
                segment_index: None,
                field: None,
            };
            ack::build(&msg, AckCode::AE, Some(&e), reply_id, now)
        }
        Err(_) => {
            // The bytes do not parse, so the reply is built from what can be read of MSH;
            // NotStored's row in the error table gives ERR 207 (application internal error).
            let e = Hl7Error::new(ErrorKind::NotStored(text));
            with_code(
                &ack::reject_unparseable(original, &e, reply_id, now),
                AckCode::AE,
            )
        }
    }
}

/// Rewrites MSA-1 of a reply built by this crate.
fn with_code(reply: &[u8], code: AckCode) -> Vec<u8> {
    let mut out = reply.to_vec();
    if let Some(at) = memchr::memmem::find(&out, b"\rMSA") {
        let code_at = at + 5;
        if out.len() >= code_at + 2 {
            out[code_at..code_at + 2].copy_from_slice(code.as_str().as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01^ORU_R01|CTRL-7|P|2.6\rPID|1||P123^^^HOSP^MR||Doe^Jane\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn h(i: &Inbound, k: &str) -> String {
        String::from_utf8(i.header(k).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn a_valid_message_keeps_its_bytes_and_gets_key_and_headers() {
        let mut cfg = ServerConfig::new("x");
        cfg.source = "feed-1".into();
        let c = classify(MSG.to_vec(), &cfg, 5, "R1", now());
        let i = &c.inbound;
        assert_eq!((&*i.topic, &*i.value, i.id), ("hl7.raw", MSG, 5));
        assert_eq!(i.key.as_deref(), Some(&b"P123"[..]));
        assert_eq!(h(i, header::CONTROL_ID), "CTRL-7");
        assert_eq!(h(i, header::MESSAGE_TYPE), "ORU^R01^ORU_R01");
        assert_eq!(h(i, header::SOURCE), "feed-1");
        assert_eq!(h(i, header::SENDING_APPLICATION), "MON");
        assert_eq!(h(i, header::SENDING_FACILITY), "ICU");
        assert_eq!(h(i, header::PROCESSING_ID), "P");
        assert_eq!(h(i, header::RECEIVED_AT), "2026-11-29T08:00:00.000Z");
        assert_eq!(
            ack::read_ack(&c.on_success).unwrap(),
            (AckCode::AA, "CTRL-7".into())
        );
        assert!(c.dedupe.is_none(), "dedupe is off by default");
    }

    #[test]
    fn the_processing_id_header_is_msh_11_1() {
        let cfg = ServerConfig::new("x");
        let training = std::str::from_utf8(MSG)
            .unwrap()
            .replace("|CTRL-7|P|", "|CTRL-7|T^A|");
        let c = classify(training.into_bytes(), &cfg, 1, "R1", now());
        assert_eq!(h(&c.inbound, header::PROCESSING_ID), "T");
        let none = std::str::from_utf8(MSG)
            .unwrap()
            .replace("|CTRL-7|P|", "|CTRL-7||");
        let c = classify(none.into_bytes(), &cfg, 2, "R1", now());
        assert_eq!(h(&c.inbound, header::PROCESSING_ID), "");
        // an invalid message (no MSH-10) keeps it too
        let bad = std::str::from_utf8(MSG)
            .unwrap()
            .replace("|CTRL-7|P|", "||D|");
        let c = classify(bad.into_bytes(), &cfg, 3, "R1", now());
        assert!(c.inbound.is_invalid());
        assert_eq!(h(&c.inbound, header::PROCESSING_ID), "D");
    }

    #[test]
    fn key_strategies() {
        let mut cfg = ServerConfig::new("x");
        cfg.key_strategy = KeyStrategy::ControlId;
        let c = classify(MSG.to_vec(), &cfg, 1, "R", now());
        assert_eq!(c.inbound.key.as_deref(), Some(&b"CTRL-7"[..]));
        cfg.key_strategy = KeyStrategy::None;
        assert!(classify(MSG.to_vec(), &cfg, 1, "R", now())
            .inbound
            .key
            .is_none());
        assert_eq!("NONE".parse::<KeyStrategy>(), Ok(KeyStrategy::None));
        assert!("pid".parse::<KeyStrategy>().unwrap_err().contains("pid"));
    }

    #[test]
    fn no_control_id_is_rejected_with_err_101() {
        let m = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01||P|2.6\rPID|1||P9\r";
        let c = classify(m.to_vec(), &ServerConfig::new("x"), 1, "R", now());
        assert_eq!(&*c.inbound.topic, "hl7.invalid");
        assert!(h(&c.inbound, header::ERROR).contains("MSH-10"));
        assert!(c.inbound.key.is_none());
        let ackm = Message::parse(&c.on_success).unwrap();
        assert_eq!(ackm.query("MSA-1").unwrap().unwrap(), "AR");
        assert_eq!(ackm.query("ERR-3-1").unwrap().unwrap(), "101");
    }

    #[test]
    fn unparseable_is_rejected_and_an_unstored_one_gets_ae() {
        let bad = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01|C8|P|2.6\rob x|1\r";
        let c = classify(bad.to_vec(), &ServerConfig::new("x"), 1, "R", now());
        assert_eq!(&*c.inbound.topic, "hl7.invalid");
        assert_eq!(c.inbound.control_id, "C8");
        assert!(h(&c.inbound, header::ERROR).contains("bad segment id"));
        assert_eq!(
            ack::read_ack(&c.on_success).unwrap(),
            (AckCode::AR, "C8".into())
        );
        let ae = not_stored_reply(bad, "broker down", "R2", now());
        assert_eq!(ack::read_ack(&ae).unwrap(), (AckCode::AE, "C8".into()));
        let text = String::from_utf8_lossy(&ae);
        assert!(text.contains("\rERR|"), "{text}");
        assert!(text.contains("207^"), "{text}");
        let ae = not_stored_reply(MSG, "broker down", "R3", now());
        let m = Message::parse(&ae).unwrap();
        assert_eq!(m.query("MSA-1").unwrap().unwrap(), "AE");
        assert_eq!(m.query("ERR-3-1").unwrap().unwrap(), "207");
        assert!(!String::from_utf8_lossy(&ae).contains("P123"));
    }

    #[test]
    fn frame_problems_name_themselves() {
        let c = classify_problem(
            MSG[..40].to_vec(),
            FrameProblem::Truncated,
            &ServerConfig::new("x"),
            1,
            "R",
            now(),
        );
        assert!(h(&c.inbound, header::ERROR).contains("half frame"));
        assert_eq!(ack::read_ack(&c.on_success).unwrap().0, AckCode::AR);
        let c = classify_problem(
            MSG.to_vec(),
            FrameProblem::Oversize {
                len: 9999,
                limit: 100,
            },
            &ServerConfig::new("x"),
            1,
            "R",
            now(),
        );
        assert!(h(&c.inbound, header::ERROR).contains("9999"));
        assert_eq!(
            ack::read_ack(&c.on_success).unwrap(),
            (AckCode::AR, "CTRL-7".into())
        );
    }
}
