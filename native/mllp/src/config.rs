//! Server settings.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Which value becomes a record's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyStrategy {
    /// PID-3-1 (the patient id): all of a patient's messages land on one
    /// partition, in order. Messages without one get no key.
    #[default]
    PatientId,
    /// MSH-10, the message control id.
    ControlId,
    /// No key.
    None,
}

impl FromStr for KeyStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "patient_id" => Ok(KeyStrategy::PatientId),
            "control_id" => Ok(KeyStrategy::ControlId),
            "none" => Ok(KeyStrategy::None),
            other => Err(format!(
                "unknown key strategy {other:?}: expected patient_id, control_id or none"
            )),
        }
    }
}

/// TLS from PEM files. With `client_ca`, clients must present a certificate
/// signed by it (mutual TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain, leaf first.
    pub cert_chain: PathBuf,
    /// The server's private key (PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub private_key: PathBuf,
    /// CA certificates that client certificates must chain to.
    pub client_ca: Option<PathBuf>,
}

/// Everything the server needs; [`ServerConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `HOST:PORT` to listen on (port 0 picks a free port).
    pub listen: String,
    /// Largest frame payload accepted, in bytes.
    pub max_frame: usize,
    /// A connection that sends nothing for this long is closed (after its
    /// pending ACKs are sent).
    pub idle_timeout: Duration,
    /// A message whose write is not durable this long after it arrived is
    /// answered AE.
    pub ack_timeout: Duration,
    /// Exact resends (same MSH-3, MSH-4, MSH-10 and bytes) within this window
    /// are answered from the first write and not written again; zero turns it off.
    pub dedupe_window: Duration,
    /// Messages a connection may have awaiting their ACK (pipelining); the
    /// server stops reading that connection while this many wait.
    pub max_in_flight: usize,
    /// Connections served at once; more are accepted and closed at once.
    pub max_connections: usize,
    pub tls: Option<TlsFiles>,
    /// Topic for messages that parse.
    pub topic: String,
    /// Topic for messages that do not (with the reason in `hl7.error`).
    pub invalid_topic: String,
    /// Value of the `hl7.source` header.
    pub source: String,
    pub key_strategy: KeyStrategy,
    /// Runtime worker threads.
    pub threads: usize,
}

impl ServerConfig {
    pub fn new(listen: impl Into<String>) -> ServerConfig {
        ServerConfig {
            listen: listen.into(),
            max_frame: vitalflow_core::mllp::DEFAULT_MAX_FRAME,
            idle_timeout: Duration::from_secs(600),
            ack_timeout: Duration::from_secs(30),
            dedupe_window: Duration::ZERO,
            max_in_flight: 256,
            max_connections: 1024,
            tls: None,
            topic: vitalflow_schemas::topics::HL7_RAW.into(),
            invalid_topic: vitalflow_schemas::topics::HL7_INVALID.into(),
            source: "vitalflow".into(),
            key_strategy: KeyStrategy::PatientId,
            threads: 2,
        }
    }

    /// Checks the values that cannot work.
    pub fn validate(&self) -> Result<(), crate::MllpError> {
        self.check().map_err(crate::MllpError::Config)
    }

    fn check(&self) -> Result<(), String> {
        if self.max_frame == 0 {
            return Err("max frame must be positive".into());
        }
        if self.ack_timeout.is_zero() {
            return Err("ACK timeout must be positive".into());
        }
        if self.idle_timeout.is_zero() {
            return Err("idle timeout must be positive".into());
        }
        if self.max_in_flight == 0 || self.max_connections == 0 || self.threads == 0 {
            return Err("max in-flight, max connections and threads must be positive".into());
        }
        if self.topic.is_empty() || self.invalid_topic.is_empty() {
            return Err("topic names must not be empty".into());
        }
        Ok(())
    }
}
