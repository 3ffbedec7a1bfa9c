//! The `gateway` command: the MLLP server of `vitalflow-mllp` in front of a
//! Kafka producer (rdkafka: idempotent, `acks=all`, `linger.ms=0`). Each
//! message is sent at once and answered on its delivery report: AA once the
//! broker has it on all in-sync replicas, AE when the write failed or was not
//! durable within the ACK timeout, AR (with ERR) for invalid input, which is
//! kept on the invalid topic with the reason.
//!
//! Logs name control ids, never patient data.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use vitalflow_mllp::{Delivery, Inbound, KeyStrategy, Server, ServerConfig, Sink, TlsFiles};
use vitalflow_schemas::topics;

use crate::util::{parse_duration, Failed};

#[derive(Debug, Args)]
#[command(after_help = "\
Every message is written to Kafka before it is acknowledged: AA after the broker acknowledged the \
write to all in-sync replicas, AE when the write failed or was not durable within --ack-timeout \
(the sender should resend), AR for invalid input (it is kept on the invalid topic with the reason \
in the hl7.error header). Replies on a connection keep the order of its messages. Logs on standard \
error name control ids, never patient data.

Examples:
  vitalflow gateway --listen 127.0.0.1:2575 --bootstrap 127.0.0.1:9092
  vitalflow gateway --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem
  vitalflow gateway --dedupe-window 10m --producer-property compression.type=zstd")]
pub struct GatewayArgs {
    /// Address to listen on for MLLP connections.
    #[arg(long, default_value = "127.0.0.1:2575", value_name = "HOST:PORT")]
    pub listen: String,
    /// Kafka bootstrap servers.
    #[arg(
        long,
        default_value = "127.0.0.1:9092",
        env = "VITALFLOW_BOOTSTRAP",
        value_name = "HOST:PORT,..."
    )]
    pub bootstrap: String,
    /// Topic for messages that parse.
    #[arg(long, default_value = topics::HL7_RAW)]
    pub topic: String,
    /// Topic for invalid input (the dead-letter topic).
    #[arg(long, default_value = topics::HL7_INVALID)]
    pub invalid_topic: String,
    /// Value of the hl7.source header (which gateway or feed a message came through).
    #[arg(long, default_value = "vitalflow-gateway")]
    pub source: String,
    /// Record key: patient_id (PID-3-1), control_id (MSH-10) or none.
    #[arg(long, default_value = "patient_id", value_parser = parse_key)]
    pub key: KeyStrategy,
    /// Largest MLLP frame accepted, in bytes.
    #[arg(long, default_value_t = vitalflow_core::mllp::DEFAULT_MAX_FRAME, value_name = "BYTES")]
    pub max_frame: usize,
    /// How long a write may take before the message is answered AE.
    #[arg(
        long,
        visible_alias = "delivery-timeout",
        default_value = "30s",
        value_parser = parse_duration,
        value_name = "DURATION"
    )]
    pub ack_timeout: chrono::TimeDelta,
    /// A connection silent this long is closed.
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub idle_timeout: chrono::TimeDelta,
    /// Answer exact resends (same MSH-3, MSH-4, MSH-10 and bytes) within this window
    /// from the first write instead of writing them again; 0 turns it off.
    #[arg(long, default_value = "0", value_parser = parse_duration, value_name = "DURATION")]
    pub dedupe_window: chrono::TimeDelta,
    /// Messages a connection may have awaiting their ACK (pipelining).
    #[arg(long, default_value_t = 256)]
    pub max_in_flight: usize,
    /// TLS: the server certificate chain (PEM, leaf first).
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// TLS: the server private key (PEM, unencrypted).
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: clients must present a certificate signed by one of these CAs (PEM).
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_client_ca: Option<PathBuf>,
    /// Extra librdkafka producer setting; may repeat (e.g. compression.type=zstd).
    #[arg(long = "producer-property", value_name = "KEY=VALUE")]
    pub producer_properties: Vec<String>,
    /// Log each accepted message's control id too (debug level).
    #[arg(long)]
    pub verbose: bool,
}

fn parse_key(s: &str) -> Result<KeyStrategy, String> {
    s.parse()
}

fn to_std(d: chrono::TimeDelta, flag: &str) -> Result<Duration, Failed> {
    d.to_std()
        .map_err(|_| Failed::usage(format!("{flag} must not be negative")))
}

impl GatewayArgs {
    /// The server settings these arguments give.
    pub fn server_config(&self) -> Result<ServerConfig, Failed> {
        let mut c = ServerConfig::new(&self.listen);
        c.topic = self.topic.clone();
        c.invalid_topic = self.invalid_topic.clone();
        c.source = self.source.clone();
        c.key_strategy = self.key;
        c.max_frame = self.max_frame;
        c.ack_timeout = to_std(self.ack_timeout, "--ack-timeout")?;
        c.idle_timeout = to_std(self.idle_timeout, "--idle-timeout")?;
        c.dedupe_window = to_std(self.dedupe_window, "--dedupe-window")?;
        c.max_in_flight = self.max_in_flight;
        c.tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert_chain: cert.clone(),
                private_key: key.clone(),
                client_ca: self.tls_client_ca.clone(),
            }),
            _ => None,
        };
        c.validate().map_err(|e| Failed::usage(e.to_string()))?;
        Ok(c)
    }
}

/// The producer settings: ours first, then the user's `KEY=VALUE` overrides,
/// except that `acks` and idempotence cannot be weakened (AA means acks=all).
pub fn producer_config(
    bootstrap: &str,
    ack_timeout: Duration,
    extra: &[String],
) -> Result<rdkafka::ClientConfig, String> {
    let mut config = rdkafka::ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("client.id", "vitalflow-gateway")
        // Sent at once: the sender is waiting on this write.
        .set("linger.ms", "0")
        .set(
            "message.timeout.ms",
            ack_timeout.as_millis().max(1).to_string(),
        );
    for kv in extra {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--producer-property {kv:?}: expected KEY=VALUE"))?;
        let (k, v) = (k.trim(), v.trim());
        let weakens = match k {
            "acks" | "request.required.acks" => !matches!(v, "all" | "-1"),
            "enable.idempotence" => v != "true",
            _ => false,
        };
        if weakens {
            return Err(format!(
                "--producer-property {k}={v}: the gateway ACKs only what Kafka has with acks=all and idempotence"
            ));
        }
        config.set(k, v);
    }
    config.set("acks", "all").set("enable.idempotence", "true");
    Ok(config)
}

/// Completes each message's [`Delivery`] from its delivery report.
pub struct DeliveryReports;

impl rdkafka::ClientContext for DeliveryReports {}

impl rdkafka::producer::ProducerContext for DeliveryReports {
    type DeliveryOpaque = Box<Delivery>;
    fn delivery(&self, result: &rdkafka::message::DeliveryResult<'_>, delivery: Box<Delivery>) {
        delivery.complete(result.as_ref().map(|_| ()).map_err(|(e, _)| e.to_string()));
    }
}

/// Kafka as the server's durable sink.
pub struct KafkaSink {
    producer: ThreadedProducer<DeliveryReports>,
}

impl KafkaSink {
    pub fn new(config: &rdkafka::ClientConfig) -> Result<KafkaSink, String> {
        let producer = config
            .create_with_context(DeliveryReports)
            .map_err(|e| format!("Kafka producer: {e}"))?;
        Ok(KafkaSink { producer })
    }
}

impl Sink for KafkaSink {
    fn submit(&self, message: Inbound, delivery: Delivery) {
        let mut headers = OwnedHeaders::new_with_capacity(message.headers.len());
        for (k, v) in &message.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v.as_slice()),
            });
        }
        let mut record: BaseRecord<'_, [u8], [u8], Box<Delivery>> =
            BaseRecord::with_opaque_to(&message.topic, Box::new(delivery))
                .payload(&message.value[..])
                .headers(headers);
        if let Some(k) = &message.key {
            record = record.key(&k[..]);
        }
        if let Err((e, record)) = self.producer.send(record) {
            record
                .delivery_opaque
                .complete(Err(format!("not queued: {e}")));
        }
    }
}

impl Drop for KafkaSink {
    fn drop(&mut self) {
        let _ = self.producer.flush(Duration::from_secs(5));
    }
}

/// Writes messages one at a time as the gateway would (same topic choice,
/// key and headers), each awaited until durable: `simulate --kafka`.
pub struct DirectWriter {
    sink: KafkaSink,
    config: ServerConfig,
    next_id: std::sync::atomic::AtomicU64,
}

impl DirectWriter {
    pub fn new(bootstrap: &str, topic: &str, source: &str) -> Result<DirectWriter, String> {
        let mut config = ServerConfig::new("unused:0");
        config.topic = topic.into();
        config.source = source.into();
        let producer = producer_config(bootstrap, config.ack_timeout, &[])?;
        Ok(DirectWriter {
            sink: KafkaSink::new(&producer)?,
            config,
            next_id: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// Ok once durable on the main topic; Err for invalid input or a failed write.
    pub fn write(&self, bytes: &[u8]) -> Result<(), String> {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let c = vitalflow_mllp::inbound::classify(
            bytes.to_vec(),
            &self.config,
            id,
            "VFSIM",
            chrono::Utc::now(),
        );
        if let Some(e) = c.inbound.error.clone() {
            return Err(format!("invalid message: {e}"));
        }
        let (delivery, mut outcome) = Delivery::detached();
        self.sink.submit(c.inbound, delivery);
        let settled = futures_executor::block_on(outcome.wait_for(Option::is_some))
            .map(|v| v.clone())
            .map_err(|_| "no delivery report".to_string())?;
        settled.unwrap_or(Err("no delivery report".into()))
    }
}

/// Log lines on standard error: `gateway: LEVEL message`.
struct StderrLog(log::LevelFilter);

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= self.0 && m.target().starts_with("vitalflow")
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("gateway: {} {}", r.level(), r.args());
        }
    }
    fn flush(&self) {}
}

pub fn run(a: &GatewayArgs) -> Result<(), Failed> {
    let level = if a.verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Info
    };
    if log::set_boxed_logger(Box::new(StderrLog(level))).is_ok() {
        log::set_max_level(level);
    }
    let config = a.server_config()?;
    // With a dedupe window the producer keeps trying a write for that long (not only the ACK
    // timeout): a message answered AE at the ACK timeout whose write did land is then known as
    // written, and the sender's resend is answered from it instead of being written twice.
    let write_timeout = config.ack_timeout.max(config.dedupe_window);
    let producer = producer_config(&a.bootstrap, write_timeout, &a.producer_properties)
        .map_err(Failed::usage)?;
    let sink = KafkaSink::new(&producer).map_err(Failed::usage)?;
    let server = Server::start(config, sink).map_err(|e| Failed::msg(e.to_string()))?;
    eprintln!(
        "gateway: listening on {}, writing to {} at {}",
        server.local_addr(),
        a.topic,
        a.bootstrap
    );
    server.wait();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GatewayArgs,
    }

    fn args(extra: &[&str]) -> GatewayArgs {
        Cli::try_parse_from(std::iter::once("gateway").chain(extra.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn arguments_become_the_server_config() {
        let a = args(&[
            "--listen",
            "127.0.0.1:2600",
            "--key",
            "control_id",
            "--ack-timeout",
            "2s",
            "--idle-timeout",
            "5m",
            "--dedupe-window",
            "10m",
            "--max-frame",
            "4096",
            "--tls-cert",
            "s.pem",
            "--tls-key",
            "s.key",
            "--tls-client-ca",
            "ca.pem",
        ]);
        let c = a.server_config().unwrap();
        assert_eq!(c.listen, "127.0.0.1:2600");
        assert_eq!(c.key_strategy, KeyStrategy::ControlId);
        assert_eq!(c.ack_timeout, Duration::from_secs(2));
        assert_eq!(c.idle_timeout, Duration::from_secs(300));
        assert_eq!(c.dedupe_window, Duration::from_secs(600));
        assert_eq!(c.max_frame, 4096);
        let tls = c.tls.unwrap();
        assert_eq!(
            tls.client_ca.as_deref(),
            Some(std::path::Path::new("ca.pem"))
        );
        // Defaults: the contract's topics, patient id keys, dedupe off, no TLS.
        let c = args(&[]).server_config().unwrap();
        assert_eq!(
            (c.topic.as_str(), c.invalid_topic.as_str()),
            ("hl7.raw", "hl7.invalid")
        );
        assert_eq!(c.key_strategy, KeyStrategy::PatientId);
        assert!(c.dedupe_window.is_zero() && c.tls.is_none());
        // The old flag name still works.
        let c = args(&["--delivery-timeout", "3s"]).server_config().unwrap();
        assert_eq!(c.ack_timeout, Duration::from_secs(3));
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(Cli::try_parse_from(["gateway", "--key", "pid"]).is_err());
        assert!(Cli::try_parse_from(["gateway", "--tls-cert", "a.pem"]).is_err());
        assert!(args(&["--max-frame", "0"]).server_config().is_err());
    }

    #[test]
    fn the_producer_sends_at_once_with_acks_all_and_cannot_be_weakened() {
        let c = producer_config(
            "127.0.0.1:9092",
            Duration::from_secs(30),
            &["compression.type=zstd".into()],
        )
        .unwrap();
        assert_eq!(c.get("acks"), Some("all"));
        assert_eq!(c.get("enable.idempotence"), Some("true"));
        assert_eq!(c.get("linger.ms"), Some("0"));
        assert_eq!(c.get("message.timeout.ms"), Some("30000"));
        assert_eq!(c.get("compression.type"), Some("zstd"));
        let c = producer_config("b", Duration::from_secs(1), &["linger.ms=1".into()]).unwrap();
        assert_eq!(c.get("linger.ms"), Some("1"));
        for weak in ["acks=1", "acks=0", "enable.idempotence=false"] {
            let e = producer_config("b", Duration::from_secs(1), &[weak.into()]).unwrap_err();
            assert!(e.contains(weak.split('=').next().unwrap()), "{e}");
        }
        assert!(producer_config("b", Duration::from_secs(1), &["nonsense".into()]).is_err());
    }
}
