//! Natives of `io.vitalflow.bridge.MllpServer`: the `vitalflow-mllp` server
//! with a [`QueueSink`], driven from Java (the MLLP source connector's task).
//!
//! Java starts a server from a `key=value` config text and gets a handle id;
//! `poll0` returns a batch of received messages in one `byte[]` (format in
//! [`encode_batch`]); `ack0`/`fail0` release a message's ACK (AA/AR, or AE);
//! `close0` fails what is unsettled and stops the server. Ids, not pointers,
//! cross JNI: a closed or unknown handle is an `IllegalArgumentException`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::EnvUnowned;
use vitalflow_mllp::{Inbound, MllpError, QueueSink, Server, ServerConfig, TlsFiles};

use crate::error::ThrowJava;
use crate::BridgeError;
use vitalflow_envelope::{Kind, Writer};
use vitalflow_ffi::{convert, HandleTable};

/// One running server and the queue its messages wait in.
pub struct Handle {
    server: Mutex<Option<Server>>,
    queue: Arc<QueueSink>,
    port: u16,
}

static HANDLES: HandleTable<Handle> = HandleTable::new();

fn handle(id: i64) -> Result<Arc<Handle>, BridgeError> {
    HANDLES
        .get(id)
        .ok_or_else(|| BridgeError::Argument(format!("MLLP server {id} is closed or unknown")))
}

/// A bad setting: `MllpServerException` of kind `CONFIG`, naming the key.
fn config_error(m: String) -> BridgeError {
    BridgeError::Mllp(MllpError::Config(m))
}

/// Parses the config text: one `key=value` per line. Unknown keys and bad
/// values are argument errors naming the key.
pub fn parse_config(text: &str) -> Result<ServerConfig, BridgeError> {
    let mut c = ServerConfig::new("127.0.0.1:2575");
    let (mut cert, mut key, mut ca) = (None, None, None);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| config_error(format!("config line {line:?}: expected key=value")))?;
        let (k, v) = (k.trim(), v.trim());
        let bad = |why: &str| config_error(format!("{k}={v:?}: {why}"));
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| bad("not a non-negative integer"))
        };
        match k {
            "listen" => c.listen = v.to_string(),
            "max.frame.bytes" => c.max_frame = num(v)? as usize,
            "idle.timeout.ms" => c.idle_timeout = Duration::from_millis(num(v)?),
            "ack.timeout.ms" => c.ack_timeout = Duration::from_millis(num(v)?),
            "dedupe.window.ms" => c.dedupe_window = Duration::from_millis(num(v)?),
            "max.in.flight" => c.max_in_flight = num(v)? as usize,
            "max.connections" => c.max_connections = num(v)? as usize,
            "threads" => c.threads = num(v)? as usize,
            "topic" => c.topic = v.to_string(),
            "invalid.topic" => c.invalid_topic = v.to_string(),
            "source" => c.source = v.to_string(),
            "key.strategy" => c.key_strategy = v.parse().map_err(|e: String| bad(&e))?,
            "tls.cert.chain" => cert = Some(v.into()).filter(|s: &String| !s.is_empty()),
            "tls.private.key" => key = Some(v.into()).filter(|s: &String| !s.is_empty()),
            "tls.client.ca" => ca = Some(v.into()).filter(|s: &String| !s.is_empty()),
            _ => return Err(config_error(format!("unknown MLLP server setting {k:?}"))),
        }
    }
    c.tls = match (cert, key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert_chain: cert.into(),
            private_key: key.into(),
            client_ca: ca.map(Into::into),
        }),
        (None, None) if ca.is_none() => None,
        _ => {
            return Err(config_error(
                "TLS needs both tls.cert.chain and tls.private.key".into(),
            ))
        }
    };
    c.validate()?;
    Ok(c)
}

/// Starts a server; returns its handle id.
pub fn start(config_text: &str) -> Result<i64, BridgeError> {
    let config = parse_config(config_text)?;
    let queue = Arc::new(QueueSink::new());
    let server = Server::start(config, Arc::clone(&queue))?;
    let port = server.local_addr().port();
    Ok(HANDLES.insert(Handle {
        server: Mutex::new(Some(server)),
        queue,
        port,
    }))
}

/// Stops the server `id`: unsettled messages are answered AE. Unknown ids are ignored.
pub fn close(id: i64) {
    if let Some(h) = HANDLES.remove(id) {
        h.queue.close("the connector task is stopping");
        let server = h.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(s) = server {
            s.shutdown(Duration::from_secs(2));
        }
    }
}

/// The batch as Java's `MllpServer` reads it: an envelope of kind 5,
/// `count`, then per message `i64 id`, `i64 received_at` (epoch ms), `str
/// topic`, `str control_id`, `bytes key`, `bytes value`, `count` headers of
/// `str name` and `bytes value`, and `str error` (null when none).
pub fn encode_batch(batch: &[Inbound], out: &mut Vec<u8>) {
    let mut w = Writer::new(out, Kind::MllpBatch);
    w.count(batch.len());
    for m in batch {
        w.i64(m.id as i64)
            .i64(m.received_at.timestamp_millis())
            .str(Some(&m.topic))
            .str(Some(&m.control_id))
            .bytes(m.key.as_deref())
            .bytes(Some(&m.value))
            .count(m.headers.len());
        for (k, v) in &m.headers {
            w.str(Some(k)).bytes(Some(v));
        }
        w.str(m.error.as_deref());
    }
}

/// The counters, in this order, as an envelope of kind 6 (`count`, then one
/// `i64` each; a reader takes the ones it knows and ignores any after them):
/// connections open, connections total, received, bytes, accepted, rejected,
/// errors, duplicates, ACK micros total, ACK count, ACK micros max, unsettled.
pub fn encode_stats(h: &Handle, out: &mut Vec<u8>) {
    let s = h
        .server
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(Server::stats)
        .unwrap_or_default();
    let values = [
        s.connections_open,
        s.connections_total,
        s.received,
        s.bytes,
        s.accepted,
        s.rejected,
        s.errors,
        s.duplicates,
        s.ack_micros_total,
        s.ack_count,
        s.ack_micros_max,
        h.queue.unsettled() as u64,
    ];
    let mut w = Writer::new(out, Kind::MllpStats);
    w.count(values.len());
    for v in values {
        w.i64(i64::try_from(v).unwrap_or(i64::MAX));
    }
}

/// `static native long start0(String config)`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_start0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    config: JString<'caller>,
) -> jlong {
    env.with_env(|env| -> Result<jlong, BridgeError> {
        let text = convert::opt_string(env, &config)?
            .ok_or_else(|| BridgeError::Argument("config is null".into()))?;
        start(&text)
    })
    .resolve::<ThrowJava>()
}

/// `static native int port0(long handle)`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_port0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
) -> jint {
    env.with_env(|_env| -> Result<jint, BridgeError> { Ok(jint::from(handle(id)?.port)) })
        .resolve::<ThrowJava>()
}

/// `static native byte[] poll0(long handle, int max, long timeoutMillis)`:
/// the encoded batch (count 0 on timeout or once closed).
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_poll0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
    max: jint,
    timeout_ms: jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| -> Result<JByteArray<'_>, BridgeError> {
        let h = handle(id)?;
        let max = usize::try_from(max).unwrap_or(0).max(1);
        let timeout = Duration::from_millis(u64::try_from(timeout_ms).unwrap_or(0));
        let batch = h.queue.poll_batch(max, timeout);
        convert::new_byte_array(env, |out| {
            encode_batch(&batch, out);
            Ok(())
        })
    })
    .resolve::<ThrowJava>()
}

/// `static native boolean ack0(long handle, long messageId)`: the message is
/// durable; false when it was already settled (e.g. after close).
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_ack0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
    message: jlong,
) -> jboolean {
    env.with_env(|_env| -> Result<jboolean, BridgeError> {
        Ok(handle(id)?.queue.ack(message as u64))
    })
    .resolve::<ThrowJava>()
}

/// `static native boolean fail0(long handle, long messageId, String reason)`:
/// the write failed; the sender gets AE with `reason`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_fail0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
    message: jlong,
    reason: JString<'caller>,
) -> jboolean {
    env.with_env(|env| -> Result<jboolean, BridgeError> {
        let reason = convert::opt_string(env, &reason)?.unwrap_or_else(|| "write failed".into());
        Ok(handle(id)?.queue.fail(message as u64, &reason))
    })
    .resolve::<ThrowJava>()
}

/// `static native byte[] stats0(long handle)`: see [`encode_stats`].
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_stats0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| -> Result<JByteArray<'_>, BridgeError> {
        let h = handle(id)?;
        convert::new_byte_array(env, |out| {
            encode_stats(&h, out);
            Ok(())
        })
    })
    .resolve::<ThrowJava>()
}

/// `static native void close0(long handle)`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MllpServer_close0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
) {
    env.with_env(|_env| -> Result<(), BridgeError> {
        close(id);
        Ok(())
    })
    .resolve::<ThrowJava>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use vitalflow_envelope::Reader;

    #[test]
    fn config_text_with_every_key_and_errors_naming_the_key() {
        let c = parse_config(
            "listen=127.0.0.1:0\nmax.frame.bytes=4096\nidle.timeout.ms=1000\nack.timeout.ms=500\n\
             dedupe.window.ms=60000\nmax.in.flight=8\nmax.connections=4\nthreads=1\ntopic=t\n\
             invalid.topic=ti\nsource=s\nkey.strategy=control_id\n",
        )
        .unwrap();
        assert_eq!(c.max_frame, 4096);
        assert_eq!(c.ack_timeout, Duration::from_millis(500));
        assert_eq!(c.dedupe_window, Duration::from_secs(60));
        assert_eq!((c.topic.as_str(), c.invalid_topic.as_str()), ("t", "ti"));
        assert_eq!(c.key_strategy, vitalflow_mllp::KeyStrategy::ControlId);
        for (text, names) in [
            ("max.frame.bytes=big", "max.frame.bytes"),
            ("colour=blue", "colour"),
            ("key.strategy=pid", "key.strategy"),
            ("tls.cert.chain=/x.pem", "tls.private.key"),
            ("ack.timeout.ms=0", "ACK timeout"),
        ] {
            let e = parse_config(text).unwrap_err().to_string();
            assert!(e.contains(names), "{text}: {e}");
        }
    }

    #[test]
    fn a_started_server_queues_messages_and_ack_releases_the_aa() {
        let id = start("listen=127.0.0.1:0\nsource=jni-test\n").unwrap();
        let port = handle(id).unwrap().port;
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let msg = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01|J-1|P|2.6\rPID|1||P5\r";
        c.write_all(&vitalflow_core::mllp::encode(msg)).unwrap();
        let h = handle(id).unwrap();
        let batch = h.queue.poll_batch(10, Duration::from_secs(10));
        assert_eq!(batch.len(), 1);
        let mut out = Vec::new();
        encode_batch(&batch, &mut out);
        let mut r = Reader::open(&out, Kind::MllpBatch).unwrap();
        assert_eq!(r.count(1).unwrap(), 1);
        let mid = r.i64().unwrap();
        r.i64().unwrap();
        assert_eq!(r.str().unwrap(), Some("hl7.raw"));
        assert_eq!(r.str().unwrap(), Some("J-1"));
        assert_eq!(r.bytes().unwrap(), Some(&b"P5"[..]));
        assert_eq!(r.bytes().unwrap(), Some(&msg[..]));
        let headers = r.count(1).unwrap();
        let mut names = Vec::new();
        for _ in 0..headers {
            names.push(r.str().unwrap().unwrap().to_owned());
            r.bytes().unwrap();
        }
        assert_eq!(
            names,
            [
                "hl7.control_id",
                "hl7.message_type",
                "hl7.received_at",
                "hl7.source",
                "hl7.sending_application",
                "hl7.sending_facility",
                "hl7.processing_id"
            ]
        );
        assert_eq!(r.str().unwrap(), None);
        assert_eq!(r.remaining(), 0);
        assert!(h.queue.ack(mid as u64));
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).unwrap();
        let reply = &buf[1..n - 2];
        assert_eq!(
            vitalflow_core::ack::read_ack(reply).unwrap(),
            (vitalflow_core::ack::AckCode::AA, "J-1".into())
        );
        let mut stats = Vec::new();
        encode_stats(&h, &mut stats);
        let mut r = Reader::open(&stats, Kind::MllpStats).unwrap();
        assert_eq!(r.count(8).unwrap(), 12);
        let counters: Vec<i64> = (0..12).map(|_| r.i64().unwrap()).collect();
        assert_eq!(counters[1], 1, "connections total");
        assert_eq!(counters[2], 1, "received");
        assert_eq!(counters[4], 1, "accepted");
        assert_eq!(r.remaining(), 0);
        close(id);
        assert!(handle(id).is_err());
    }
}
