//! `vitalflow-mllp`: the one MLLP server behind `vitalflow gateway` (which
//! writes with rdkafka) and the MLLP source connector (whose Kafka Connect task
//! drives it over JNI through a [`QueueSink`]).
//!
//! The promise: **AA means the message is durable** in the [`Sink`] (for
//! Kafka: acknowledged with `acks=all`). The server hands every frame to the
//! sink at once and answers when the sink completes the message's
//! [`Delivery`]:
//!
//! - a message that parses and has MSH-10: to the main topic; AA once
//!   durable, AE (ERR 207, "please resend") if the write fails or is not
//!   durable within the ACK timeout;
//! - anything else (unparseable, no MSH-10, a half frame, the head of an
//!   oversize frame): to the invalid topic with the reason in `hl7.error`;
//!   AR with an ERR segment once kept there, AE if even that write failed;
//! - replies on one connection go out in the order the messages arrived
//!   (a message is never answered before the one sent before it), while up to
//!   `max_in_flight` messages of that connection are written concurrently;
//! - with a dedupe window, an exact resend (same MSH-3, MSH-4, MSH-10 and
//!   bytes) shares the first write's outcome and is not written again.
//!
//! Why tokio and not a thread per connection: senders hold many mostly idle
//! connections open for hours; each connection needs a reader and a writer
//! that waits on ACK deadlines, and TLS (tokio-rustls) fits the same model;
//! one small runtime (2 worker threads by default) does all of that.
//!
//! Logs name control ids and peers, never patient data.

pub mod config;
mod dedupe;
pub mod error;
pub mod framing;
pub mod inbound;
pub mod logsafe;
pub mod server;
pub mod sink;
pub mod tls;

pub use config::{KeyStrategy, ServerConfig, TlsFiles};
pub use error::MllpError;
pub use inbound::{header, Inbound};
pub use server::{Server, Stats, StatsSnapshot};
pub use sink::{Delivery, Outcome, QueueSink, Sink};
