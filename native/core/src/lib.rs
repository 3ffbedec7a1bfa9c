//! vitalflow's core: HL7 v2 parsing, vital-sign extraction (with the
//! vocabulary it needs: [`VitalKind`], [`Consciousness`], [`GlucoseStatus`]),
//! units, code tables, ACK building and MLLP framing.
//!
//! Clinical rules (NEWS2, alerting) live in `vitalflow-scoring`, which depends
//! on this crate; this crate never depends on it.
//!
//! This crate has no JNI and no I/O beyond what callers hand it; the CLI, the
//! JNI bridge, the Kafka Connect connectors and the Flink job all call into it.
//!
//! ```
//! let msg = b"MSH|^~\\&|MON|ICU|EHR|HOSP|20261120060000||ORU^R01|CTRL1|P|2.5\rPID|1||12345^^^HOSP^MR\r";
//! assert_eq!(vitalflow_core::query(msg, "PID-3-1").unwrap().as_deref(), Some("12345"));
//! assert_eq!(vitalflow_core::query(msg, "PID-3-4").unwrap().as_deref(), Some("HOSP"));
//! assert_eq!(vitalflow_core::query(msg, "PID-5").unwrap(), None);
//! ```

pub mod ack;
pub mod charset;
pub mod codes;
pub mod consciousness;
pub mod error;
pub mod escape;
pub mod glucose;
pub mod message;
pub mod mllp;
pub mod path;
pub mod split;
pub mod time;
pub mod units;
pub mod vitals;

pub use consciousness::Consciousness;
pub use error::{ErrorCode, ErrorKind, Hl7Error};
pub use glucose::GlucoseStatus;
pub use message::Message;
pub use path::Path;
pub use vitals::{ExtractOptions, VitalKind, VitalSign};

/// Parses `message` and returns the value at `path` (a leaf unescaped, an
/// element with parts below it as sent), `None` when the element is absent
/// and `Some("")` when it is present but empty. Answers for any message that
/// parses structurally, even one without MSH-9 or MSH-10.
pub fn query(message: &[u8], path: &str) -> Result<Option<String>, Hl7Error> {
    let path: Path = path.parse()?;
    let msg = Message::parse(message)?;
    Ok(msg.get(&path).map(|v| v.value().into_owned()))
}
