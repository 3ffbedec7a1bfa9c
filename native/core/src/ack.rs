//! Original-mode acknowledgements: ACK (`AA`) and NAK (`AE`, `AR`) with an
//! ERR segment that locates the fault.
//!
//! Sender and receiver are swapped, MSH-10 is fresh, MSA-2 echoes the original
//! MSH-10, and the reply uses the original message's delimiters.
//!
//! ```
//! use vitalflow_core::{ack, Message};
//! let msg = Message::parse(b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01|C42|P|2.5\rPID|1\r").unwrap();
//! let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T06:00:01Z").unwrap().to_utc();
//! let reply = ack::build(&msg, ack::AckCode::AA, None, "A1", now);
//! assert_eq!(String::from_utf8(reply).unwrap(),
//!     "MSH|^~\\&|VF|HOSP|MON|ICU|20261120060001+0000||ACK^R01^ACK|A1|P|2.5\rMSA|AA|C42\r");
//! ```

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::error::{ErrorKind, Hl7Error};
use crate::escape::escape;
use crate::message::{Delimiters, Message};

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Application accept.
    AA,
    /// Application error: the message was understood but could not be processed.
    AE,
    /// Application reject: the message is malformed or not supported.
    AR,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::AA => "AA",
            AckCode::AE => "AE",
            AckCode::AR => "AR",
        }
    }

    /// Reads MSA-1, accepting the enhanced-mode codes CA/CE/CR as well.
    pub fn parse(s: &str) -> Option<AckCode> {
        match s.trim() {
            "AA" | "CA" => Some(AckCode::AA),
            "AE" | "CE" => Some(AckCode::AE),
            "AR" | "CR" => Some(AckCode::AR),
            _ => None,
        }
    }
}

/// An error to report in the ERR segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckError {
    /// HL7 table 0357 condition code, e.g. 100 segment sequence error,
    /// 101 required field missing, 102 data type error, 207 application internal error.
    pub code: u16,
    /// What went wrong, in words (no patient data).
    pub text: String,
    pub segment: Option<String>,
    pub segment_index: Option<usize>,
    pub field: Option<usize>,
}

impl AckError {
    /// The table 0357 description of `code`.
    pub fn code_text(code: u16) -> &'static str {
        match code {
            0 => "Message accepted",
            100 => "Segment sequence error",
            101 => "Required field missing",
            102 => "Data type error",
            103 => "Table value not found",
            200 => "Unsupported message type",
            201 => "Unsupported event code",
            202 => "Unsupported processing id",
            203 => "Unsupported version id",
            206 => "Application record locked",
            _ => "Application internal error",
        }
    }
}

impl From<&Hl7Error> for AckError {
    fn from(e: &Hl7Error) -> Self {
        // the one table of crate::error (ERROR_CODES), never the message text
        let code = e.kind.code().hl7_err_code();
        AckError {
            code,
            text: e.to_string(),
            segment: e.segment.clone(),
            segment_index: e.segment_index,
            field: e.field,
        }
    }
}

/// HL7 DTM with an explicit UTC offset.
pub fn hl7_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%d%H%M%S+0000").to_string()
}

/// Builds the acknowledgement of a parsed message.
pub fn build(
    original: &Message<'_>,
    code: AckCode,
    error: Option<&AckError>,
    control_id: &str,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let msh = original.segment(b"MSH", 1);
    let raw = |n: usize| -> String {
        msh.and_then(|s| s.field(n))
            .map(|f| String::from_utf8_lossy(f.raw()).into_owned())
            .unwrap_or_default()
    };
    let trigger = msh
        .and_then(|s| s.field(9))
        .and_then(|f| f.component(2))
        .map(|c| String::from_utf8_lossy(c.raw()).into_owned())
        .unwrap_or_default();
    let header = Header {
        delimiters: *original.delimiters(),
        encoding: raw(2),
        sending_app: raw(5),
        sending_facility: raw(6),
        receiving_app: raw(3),
        receiving_facility: raw(4),
        trigger,
        processing_id: raw(11),
        version: raw(12),
        original_control_id: raw(10),
    };
    header.render(code, error, control_id, now)
}

/// Builds a NAK (`AR`) for input that could not be parsed as a message,
/// reading whatever of its MSH can be read so the sender can match it.
pub fn reject_unparseable(
    input: &[u8],
    error: &Hl7Error,
    control_id: &str,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let body = &input[start..];
    let line = &body[..memchr::memchr2(b'\r', b'\n', body).unwrap_or(body.len())];
    let mut delimiters = Delimiters::default();
    let mut fields: Vec<&[u8]> = Vec::new();
    if line.starts_with(b"MSH") && line.len() > 4 && line[3].is_ascii_punctuation() {
        let sep = line[3];
        fields = line[4..].split(|&b| b == sep).collect();
        // Only trust the declared delimiters if they are usable (what the
        // parser accepts, with an escape character); else fall back. The reply
        // repeats MSH-2, so it is written with these delimiters.
        let enc = fields.first().copied().unwrap_or(b"");
        match Delimiters::from_msh(sep, enc) {
            Ok(d) if enc.len() >= 4 => delimiters = d,
            _ => fields.clear(),
        }
    }
    // fields[0] is MSH-2, so MSH-n is fields[n-2].
    let get = |n: usize| -> String {
        fields
            .get(n - 2)
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .filter(|s| !s.contains(['\r', '\n']))
            .unwrap_or_default()
    };
    let trigger = get(9)
        .split(|c: char| c as u32 == u32::from(delimiters.component))
        .nth(1)
        .unwrap_or("")
        .to_string();
    let header = Header {
        delimiters,
        encoding: if fields.is_empty() {
            "^~\\&".into()
        } else {
            get(2)
        },
        sending_app: get(5),
        sending_facility: get(6),
        receiving_app: get(3),
        receiving_facility: get(4),
        trigger: escape(&trigger, &delimiters),
        processing_id: get(11),
        version: get(12),
        original_control_id: get(10),
    };
    header.render(AckCode::AR, Some(&AckError::from(error)), control_id, now)
}

struct Header {
    delimiters: Delimiters,
    encoding: String,
    sending_app: String,
    sending_facility: String,
    receiving_app: String,
    receiving_facility: String,
    trigger: String,
    processing_id: String,
    version: String,
    original_control_id: String,
}

impl Header {
    fn render(
        &self,
        code: AckCode,
        error: Option<&AckError>,
        control_id: &str,
        now: DateTime<Utc>,
    ) -> Vec<u8> {
        let d = &self.delimiters;
        let f = d.field as char;
        let c = d.component as char;
        let s = d.subcomponent.map(|s| s as char).unwrap_or(c);
        let version = if self.version.is_empty() {
            "2.5".to_string()
        } else {
            self.version.clone()
        };
        let processing = if self.processing_id.is_empty() {
            "P".to_string()
        } else {
            self.processing_id.clone()
        };
        let message_type = if self.trigger.is_empty() {
            "ACK".to_string()
        } else {
            format!("ACK{c}{}{c}ACK", self.trigger)
        };
        let mut out = String::with_capacity(256);
        let _ = write!(
            out,
            "MSH{f}{}{f}{}{f}{}{f}{}{f}{}{f}{}{f}{f}{}{f}{}{f}{}{f}{}\r",
            self.encoding,
            self.sending_app,
            self.sending_facility,
            self.receiving_app,
            self.receiving_facility,
            escape(&hl7_timestamp(now), d),
            message_type,
            escape(control_id, d),
            processing,
            version
        );
        let _ = write!(
            out,
            "MSA{f}{}{f}{}",
            code.as_str(),
            self.original_control_id
        );
        if let Some(e) = error {
            // MSA-3 (text message) is deprecated since 2.4 but still read by many engines.
            let _ = write!(out, "{f}{}", escape(&e.text, d));
        }
        out.push('\r');
        if let Some(e) = error {
            let seg = e
                .segment
                .as_deref()
                .map(|x| escape(x, d))
                .unwrap_or_default();
            let seq = e.segment_index.map(|n| n.to_string()).unwrap_or_default();
            let fld = e.field.map(|n| n.to_string()).unwrap_or_default();
            let code_text = AckError::code_text(e.code);
            // ERR-1 (v2.3/2.4 error code and location), ERR-2 location, ERR-3 code,
            // ERR-4 severity, ERR-8 user message.
            let _ = write!(
                out,
                "ERR{f}{seg}{c}{seq}{c}{fld}{c}{code}{s}{code_text}{s}HL70357{f}{seg}{c}{seq}{c}{fld}{f}{code}{c}{code_text}{c}HL70357{f}E{f}{f}{f}{f}{text}\r",
                code = e.code,
                text = escape(&e.text, d)
            );
        }
        out.into_bytes()
    }
}

/// Reads MSA-1 and MSA-2 of an acknowledgement.
pub fn read_ack(reply: &[u8]) -> Result<(AckCode, String), Hl7Error> {
    let msg = Message::parse(reply)?;
    let msa = msg.segment(b"MSA", 1).ok_or_else(|| {
        Hl7Error::new(ErrorKind::MissingSegment(
            "the reply has no MSA segment".into(),
        ))
    })?;
    let code_el = msa.field(1);
    let code_text = code_el
        .map(|f| f.decoded().into_owned())
        .unwrap_or_default();
    let code = AckCode::parse(&code_text).ok_or_else(|| {
        Hl7Error::new(ErrorKind::UnknownCode(format!(
            "MSA-1 {code_text:?} is not an acknowledgement code"
        )))
        .at(code_el.map(|f| f.offset()).unwrap_or(msa.offset()))
        .in_segment("MSA", msa.index())
        .in_field(1)
    })?;
    let control = msa
        .field(2)
        .map(|f| f.decoded().into_owned())
        .unwrap_or_default();
    Ok((code, control))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T06:00:01Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn nak_locates_the_fault_with_the_original_delimiters() {
        let input = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01|C7|P|2.6\rOBX|1|NM|8867-4^HR^LN||abc|/min\r";
        let msg = Message::parse(input).unwrap();
        let err = crate::vitals::extract(input, &Default::default()).unwrap_err();
        let reply = build(&msg, AckCode::AE, Some(&AckError::from(&err)), "A2", now());
        let ack = Message::parse(&reply).unwrap();
        assert_eq!(ack.query("MSA-1").unwrap().unwrap(), "AE");
        assert_eq!(ack.query("MSA-2").unwrap().unwrap(), "C7");
        assert_eq!(ack.query("MSH-10").unwrap().unwrap(), "A2");
        assert_eq!(ack.query("MSH-9-1").unwrap().unwrap(), "ACK");
        assert_eq!(ack.query("ERR-2-1").unwrap().unwrap(), "OBX");
        assert_eq!(ack.query("ERR-2-2").unwrap().unwrap(), "2");
        assert_eq!(ack.query("ERR-2-3").unwrap().unwrap(), "5");
        assert_eq!(ack.query("ERR-3-1").unwrap().unwrap(), "102");
        assert_eq!(ack.query("ERR-4").unwrap().unwrap(), "E");
        assert!(ack
            .query("ERR-8")
            .unwrap()
            .unwrap()
            .contains("not an HL7 number"));
        assert_eq!(read_ack(&reply).unwrap(), (AckCode::AE, "C7".to_string()));
    }

    #[test]
    fn custom_delimiters_are_kept() {
        let input = b"MSH#!@%$#MON#ICU#VF#HOSP#20261120060000##ORU!R01#C8#P#2.7\r";
        let msg = Message::parse(input).unwrap();
        let reply = String::from_utf8(build(&msg, AckCode::AA, None, "A3", now())).unwrap();
        assert!(reply.starts_with("MSH#!@%$#VF#HOSP#MON#ICU#"), "{reply}");
        assert!(
            reply.contains("#ACK!R01!ACK#A3#P#2.7\rMSA#AA#C8\r"),
            "{reply}"
        );
    }

    #[test]
    fn reject_of_garbage_still_parses() {
        for input in [
            &b"\x00\x01garbage"[..],
            b"MSH",
            b"MSH|",
            b"MSH|^~\\&|A|B|C|D|2026||ORU^R01|C9|P|2.5\rP\x00D|1\r",
        ] {
            let err = Message::parse(input)
                .err()
                .unwrap_or_else(|| Hl7Error::new(ErrorKind::BadNumber("x".into())));
            let reply = reject_unparseable(input, &err, "A4", now());
            let (code, ctrl) = read_ack(&reply).unwrap();
            assert_eq!(code, AckCode::AR);
            if input.len() > 20 {
                assert_eq!(ctrl, "C9");
            }
        }
    }
}
