//! The `gateway` command: an MLLP listener that writes every message to Kafka
//! and acknowledges it only after Kafka has acknowledged the write
//! (`acks=all`, idempotent producer).
//!
//! - A message that parses goes to `hl7.raw` (key: PID-3-1; headers
//!   `hl7.control_id`, `hl7.message_type`, `hl7.received_at`, `hl7.source`)
//!   and is answered `AA` once the write is durable, `AE` if it is not (the
//!   sender keeps it and retries).
//! - A message that does not parse goes to `hl7.invalid` with the reason in the
//!   `hl7.error` header, and is answered `AR` with an ERR segment.
//! - A frame over `--max-frame` is answered `AR`; the connection stays usable.
//!
//! Logs name control ids, never patient data.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use clap::Args;
use vitalflow_core::ack::{self, AckCode, AckError};
use vitalflow_core::mllp::{self, Decoder, MllpError};
use vitalflow_core::{ErrorKind, Hl7Error, Message};
use vitalflow_schemas::topics;

use crate::util::{parse_duration, Failed};

#[derive(Debug, Args)]
#[command(after_help = "\
Every message is written to Kafka before it is acknowledged: AA after the broker acknowledged the \
write to all in-sync replicas, AE when the write failed or timed out (the sender should resend), \
AR for a message that does not parse (it is kept on the invalid topic with the reason). Logs on \
standard error name control ids, never patient data.

Examples:
  vitalflow gateway --listen 127.0.0.1:2575 --bootstrap 127.0.0.1:9092
  vitalflow gateway --producer-property compression.type=zstd")]
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
    /// Topic for messages that do not parse (the dead-letter topic).
    #[arg(long, default_value = topics::HL7_INVALID)]
    pub invalid_topic: String,
    /// Value of the hl7.source header (which gateway or feed a message came through).
    #[arg(long, default_value = "vitalflow-gateway")]
    pub source: String,
    /// Largest MLLP frame accepted, in bytes.
    #[arg(long, default_value_t = mllp::DEFAULT_MAX_FRAME, value_name = "BYTES")]
    pub max_frame: usize,
    /// How long a write may take before the message is answered AE.
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub delivery_timeout: chrono::TimeDelta,
    /// Extra librdkafka producer setting; may repeat (e.g. compression.type=zstd).
    #[arg(long = "producer-property", value_name = "KEY=VALUE")]
    pub producer_properties: Vec<String>,
    /// Stop after this many connections have been served (for tests and one-shot transfers).
    #[arg(long, hide = true)]
    pub max_connections: Option<usize>,
}

/// Where messages are made durable: Kafka in production, a recording sink in
/// the unit tests.
pub trait Durable: Send + Sync {
    /// Writes one record and returns once it is durable, or why not.
    fn write(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        value: &[u8],
        headers: &[(&str, Vec<u8>)],
    ) -> Result<(), String>;
}

/// What a gateway needs to answer a frame.
pub struct Gateway<D: Durable> {
    pub sink: D,
    pub topic: String,
    pub invalid_topic: String,
    pub source: String,
    counter: AtomicU64,
    prefix: String,
}

impl<D: Durable> Gateway<D> {
    pub fn new(sink: D, topic: &str, invalid_topic: &str, source: &str) -> Self {
        Gateway {
            sink,
            topic: topic.into(),
            invalid_topic: invalid_topic.into(),
            source: source.into(),
            counter: AtomicU64::new(0),
            // A fresh MSH-10 per ACK: start time plus a counter.
            prefix: format!("VFGW{}", Utc::now().format("%y%m%d%H%M%S")),
        }
    }

    fn next_control_id(&self) -> String {
        format!(
            "{}{:06}",
            self.prefix,
            self.counter.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Makes one frame durable and returns the acknowledgement to send, and a
    /// log line (control id and outcome only).
    pub fn handle(&self, frame: &[u8]) -> (Vec<u8>, String) {
        let now = Utc::now();
        let received_at = now
            .to_rfc3339_opts(SecondsFormat::Millis, true)
            .into_bytes();
        let reply_id = self.next_control_id();
        match Message::parse(frame) {
            Ok(msg) => {
                let q = |p: &str| {
                    msg.query(p)
                        .ok()
                        .flatten()
                        .map(|v| v.into_owned())
                        .unwrap_or_default()
                };
                let control_id = q("MSH-10");
                let message_type = msg
                    .segment(b"MSH", 1)
                    .and_then(|s| s.field(9))
                    .map(|f| String::from_utf8_lossy(f.raw()).into_owned())
                    .unwrap_or_default();
                let patient = q("PID-3-1");
                let headers = [
                    ("hl7.control_id", control_id.clone().into_bytes()),
                    ("hl7.message_type", message_type.clone().into_bytes()),
                    ("hl7.received_at", received_at),
                    ("hl7.source", self.source.clone().into_bytes()),
                ];
                let key = (!patient.is_empty()).then_some(patient.as_bytes());
                match self.sink.write(&self.topic, key, frame, &headers) {
                    Ok(()) => (
                        ack::build(&msg, AckCode::AA, None, &reply_id, now),
                        format!("accepted {control_id} ({message_type}) -> {}", self.topic),
                    ),
                    Err(why) => {
                        let err = AckError {
                            code: 207,
                            text: format!("not stored, please resend: {why}"),
                            segment: None,
                            segment_index: None,
                            field: None,
                        };
                        (
                            ack::build(&msg, AckCode::AE, Some(&err), &reply_id, now),
                            format!("AE {control_id}: write to {} failed: {why}", self.topic),
                        )
                    }
                }
            }
            Err(e) => self.reject(frame, &e, received_at, &reply_id, now),
        }
    }

    fn reject(
        &self,
        frame: &[u8],
        e: &Hl7Error,
        received_at: Vec<u8>,
        reply_id: &str,
        now: chrono::DateTime<Utc>,
    ) -> (Vec<u8>, String) {
        let headers = [
            ("hl7.error", e.to_string().into_bytes()),
            ("hl7.received_at", received_at),
            ("hl7.source", self.source.clone().into_bytes()),
        ];
        let stored = match self.sink.write(&self.invalid_topic, None, frame, &headers) {
            Ok(()) => format!("kept on {}", self.invalid_topic),
            Err(why) => format!("NOT kept on {}: {why}", self.invalid_topic),
        };
        (
            ack::reject_unparseable(frame, e, reply_id, now),
            format!("AR for {} bytes: {e}; {stored}", frame.len()),
        )
    }

    /// The answer to a frame that was too large to read.
    pub fn oversize(&self, limit: usize) -> (Vec<u8>, String) {
        let e = Hl7Error::new(ErrorKind::MllpFraming(format!(
            "MLLP frame larger than {limit} bytes"
        )));
        let reply = ack::reject_unparseable(b"", &e, &self.next_control_id(), Utc::now());
        (reply, format!("AR: {e}"))
    }

    /// Serves one connection until the peer closes it.
    pub fn serve(&self, mut stream: TcpStream, max_frame: usize) -> std::io::Result<()> {
        let peer = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut decoder = Decoder::new(max_frame);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            decoder.feed(&buf[..n]);
            while let Some(frame) = decoder.next_frame() {
                let (reply, log) = match frame {
                    Ok(f) => self.handle(&f),
                    Err(MllpError::Oversize { limit, .. }) => self.oversize(limit),
                    Err(other) => {
                        eprintln!("gateway: {peer}: {other}");
                        continue;
                    }
                };
                eprintln!("gateway: {peer}: {log}");
                stream.write_all(&mllp::encode(&reply))?;
            }
        }
    }
}

/// Kafka, through librdkafka: idempotent, `acks=all`, each write awaited
/// through its delivery report.
pub struct KafkaSink {
    producer: rdkafka::producer::ThreadedProducer<DeliveryReports>,
    timeout: Duration,
}

/// Hands each delivery report to the thread waiting for it.
pub struct DeliveryReports;

type Waiter = Box<std::sync::mpsc::SyncSender<Result<(), String>>>;

impl rdkafka::ClientContext for DeliveryReports {}

impl rdkafka::producer::ProducerContext for DeliveryReports {
    type DeliveryOpaque = Waiter;
    fn delivery(&self, result: &rdkafka::message::DeliveryResult<'_>, waiter: Waiter) {
        let outcome = result.as_ref().map(|_| ()).map_err(|(e, _)| e.to_string());
        let _ = waiter.send(outcome);
    }
}

impl KafkaSink {
    pub fn new(bootstrap: &str, timeout: Duration, extra: &[String]) -> Result<KafkaSink, String> {
        let mut config = rdkafka::ClientConfig::new();
        config
            .set("bootstrap.servers", bootstrap)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", timeout.as_millis().to_string())
            .set("client.id", "vitalflow-gateway");
        for kv in extra {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("--producer-property {kv:?}: expected KEY=VALUE"))?;
            config.set(k.trim(), v.trim());
        }
        let producer = config
            .create_with_context(DeliveryReports)
            .map_err(|e| format!("Kafka producer: {e}"))?;
        Ok(KafkaSink { producer, timeout })
    }
}

impl Durable for KafkaSink {
    fn write(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        value: &[u8],
        headers: &[(&str, Vec<u8>)],
    ) -> Result<(), String> {
        use rdkafka::message::{Header, OwnedHeaders};
        use rdkafka::producer::BaseRecord;
        let mut h = OwnedHeaders::new_with_capacity(headers.len());
        for (k, v) in headers {
            h = h.insert(Header {
                key: k,
                value: Some(v.as_slice()),
            });
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let mut record: BaseRecord<'_, [u8], [u8], Waiter> =
            BaseRecord::with_opaque_to(topic, Box::new(tx))
                .payload(value)
                .headers(h);
        if let Some(k) = key {
            record = record.key(k);
        }
        self.producer.send(record).map_err(|(e, _)| e.to_string())?;
        // librdkafka reports every message by message.timeout.ms; the slack
        // covers the report's own trip.
        match rx.recv_timeout(self.timeout + Duration::from_secs(5)) {
            Ok(outcome) => outcome,
            Err(_) => Err("no delivery report in time".into()),
        }
    }
}

pub fn run(a: &GatewayArgs) -> Result<(), Failed> {
    let timeout = a
        .delivery_timeout
        .to_std()
        .map_err(|_| Failed::usage("--delivery-timeout must be positive".to_string()))?;
    let sink =
        KafkaSink::new(&a.bootstrap, timeout, &a.producer_properties).map_err(Failed::usage)?;
    let gateway = Arc::new(Gateway::new(sink, &a.topic, &a.invalid_topic, &a.source));
    let listener = TcpListener::bind(&a.listen)
        .map_err(|e| Failed::msg(format!("listen on {}: {e}", a.listen)))?;
    let local = listener
        .local_addr()
        .map(|x| x.to_string())
        .unwrap_or_default();
    eprintln!(
        "gateway: listening on {local}, writing to {} at {}",
        a.topic, a.bootstrap
    );
    let mut served = 0usize;
    let mut handles = Vec::new();
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                eprintln!("gateway: accept: {e}");
                continue;
            }
        };
        let g = Arc::clone(&gateway);
        let max_frame = a.max_frame;
        handles.push(std::thread::spawn(move || {
            if let Err(e) = g.serve(stream, max_frame) {
                eprintln!("gateway: connection: {e}");
            }
        }));
        served += 1;
        if a.max_connections.is_some_and(|m| served >= m) {
            break;
        }
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// topic, key, value, headers
    type Written = (String, Option<Vec<u8>>, Vec<u8>, Vec<(String, Vec<u8>)>);

    /// Records writes; fails them while `fail` is set.
    #[derive(Default)]
    struct Recording {
        records: Mutex<Vec<Written>>,
        fail: std::sync::atomic::AtomicBool,
    }

    impl Durable for Recording {
        fn write(
            &self,
            topic: &str,
            key: Option<&[u8]>,
            value: &[u8],
            headers: &[(&str, Vec<u8>)],
        ) -> Result<(), String> {
            if self.fail.load(Ordering::SeqCst) {
                return Err("broker unavailable".into());
            }
            let h = headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            self.records.lock().unwrap().push((
                topic.into(),
                key.map(<[u8]>::to_vec),
                value.to_vec(),
                h,
            ));
            Ok(())
        }
    }

    const MSG: &[u8] = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01^ORU_R01|CTRL-7|P|2.6\rPID|1||P123^^^HOSP^MR||Doe^Jane\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";

    fn gateway() -> Gateway<Recording> {
        Gateway::new(
            Recording::default(),
            topics::HL7_RAW,
            topics::HL7_INVALID,
            "test",
        )
    }

    #[test]
    fn aa_only_after_the_write_with_key_and_headers() {
        let g = gateway();
        let (reply, log) = g.handle(MSG);
        let (code, ctrl) = ack::read_ack(&reply).unwrap();
        assert_eq!((code, ctrl.as_str()), (AckCode::AA, "CTRL-7"));
        let recs = g.sink.records.lock().unwrap();
        assert_eq!(recs.len(), 1);
        let (topic, key, value, headers) = &recs[0];
        assert_eq!(
            (topic.as_str(), key.as_deref(), value.as_slice()),
            (topics::HL7_RAW, Some(&b"P123"[..]), MSG)
        );
        let h = |k: &str| {
            headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
        };
        assert_eq!(h("hl7.control_id").as_deref(), Some("CTRL-7"));
        assert_eq!(h("hl7.message_type").as_deref(), Some("ORU^R01^ORU_R01"));
        assert_eq!(h("hl7.source").as_deref(), Some("test"));
        assert!(h("hl7.received_at").unwrap().ends_with('Z'));
        // Logs carry the control id, never the patient.
        assert!(
            log.contains("CTRL-7") && !log.contains("P123") && !log.contains("Doe"),
            "{log}"
        );
    }

    #[test]
    fn a_failed_write_is_answered_ae_and_nothing_is_claimed() {
        let g = gateway();
        g.sink.fail.store(true, Ordering::SeqCst);
        let (reply, log) = g.handle(MSG);
        let ack_msg = Message::parse(&reply).unwrap();
        assert_eq!(ack_msg.query("MSA-1").unwrap().unwrap(), "AE");
        assert_eq!(ack_msg.query("ERR-3-1").unwrap().unwrap(), "207");
        assert!(g.sink.records.lock().unwrap().is_empty());
        assert!(!log.contains("Doe") && !log.contains("P123"), "{log}");
    }

    #[test]
    fn an_unparseable_message_goes_to_the_invalid_topic_with_the_reason() {
        let g = gateway();
        let bad = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01|CTRL-8|P|2.6\rPID|1||P9||Roe^Rich\rob x|1\r";
        let (reply, log) = g.handle(bad);
        let (code, ctrl) = ack::read_ack(&reply).unwrap();
        assert_eq!((code, ctrl.as_str()), (AckCode::AR, "CTRL-8"));
        let recs = g.sink.records.lock().unwrap();
        assert_eq!(recs[0].0, topics::HL7_INVALID);
        assert_eq!(recs[0].2, bad.to_vec());
        let err = recs[0]
            .3
            .iter()
            .find(|(k, _)| k == "hl7.error")
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            .unwrap();
        assert!(
            err.contains("bad segment id") && err.contains("byte"),
            "{err}"
        );
        assert!(!log.contains("Roe"), "{log}");
    }

    #[test]
    fn over_a_socket_with_an_oversize_frame_in_between() {
        let g = Arc::new(gateway());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = {
            let g = Arc::clone(&g);
            std::thread::spawn(move || {
                let (s, _) = listener.accept().unwrap();
                g.serve(s, 1024).unwrap();
            })
        };
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut wire = mllp::encode(MSG);
        wire.extend(mllp::encode(&[b'x'; 4000]));
        wire.extend(mllp::encode(MSG));
        c.write_all(&wire).unwrap();
        let mut d = Decoder::new(1 << 16);
        let mut replies = Vec::new();
        let mut buf = [0u8; 4096];
        while replies.len() < 3 {
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed after {} replies", replies.len());
            d.feed(&buf[..n]);
            while let Some(f) = d.next_frame() {
                replies.push(ack::read_ack(&f.unwrap()).unwrap().0);
            }
        }
        assert_eq!(replies, vec![AckCode::AA, AckCode::AR, AckCode::AA]);
        drop(c);
        server.join().unwrap();
        assert_eq!(g.sink.records.lock().unwrap().len(), 2);
    }
}
