//! The server over real sockets, with a recording sink whose deliveries the
//! tests complete (at once, late, out of order, never, or with a failure).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vitalflow_core::ack::{read_ack, AckCode};
use vitalflow_core::mllp::{encode, Decoder};
use vitalflow_core::Message;
use vitalflow_mllp::{header, Delivery, Inbound, Server, ServerConfig, Sink, TlsFiles};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Complete each delivery on a helper thread after a pseudo-random delay (0-4 ms).
    Jittered,
    /// Keep deliveries until the test releases them.
    Hold,
    /// Fail every write.
    Fail,
}

struct Recording {
    mode: Mutex<Mode>,
    written: Arc<Mutex<Vec<Inbound>>>,
    held: Mutex<Vec<(Inbound, Delivery)>>,
    seq: AtomicUsize,
}

impl Recording {
    fn new(mode: Mode) -> Arc<Recording> {
        Arc::new(Recording {
            mode: Mutex::new(mode),
            written: Arc::default(),
            held: Mutex::default(),
            seq: AtomicUsize::new(0),
        })
    }

    fn release_all(&self) {
        let held: Vec<_> = self.held.lock().unwrap().drain(..).collect();
        for (m, d) in held {
            self.written.lock().unwrap().push(m);
            d.complete(Ok(()));
        }
    }

    fn written_on(&self, topic: &str) -> Vec<Inbound> {
        self.written
            .lock()
            .unwrap()
            .iter()
            .filter(|m| &*m.topic == topic)
            .cloned()
            .collect()
    }
}

impl Sink for Recording {
    fn submit(&self, message: Inbound, delivery: Delivery) {
        match *self.mode.lock().unwrap() {
            Mode::Fail => delivery.complete(Err("broker unavailable".into())),
            Mode::Hold => self.held.lock().unwrap().push((message, delivery)),
            Mode::Jittered => {
                let n = self.seq.fetch_add(1, Ordering::Relaxed);
                let delay = Duration::from_micros(((n * 7919) % 5) as u64 * 1000);
                let written = Arc::clone(&self.written);
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    written.lock().unwrap().push(message);
                    delivery.complete(Ok(()));
                });
            }
        }
    }
}

fn jittered_written(rec: &Arc<Recording>) -> Vec<Inbound> {
    rec.written.lock().unwrap().clone()
}

fn msg(sender: &str, ctrl: &str, patient: &str) -> Vec<u8> {
    format!("MSH|^~\\&|{sender}|ICU|VF|HOSP|20261129080000||ORU^R01^ORU_R01|{ctrl}|P|2.6\rPID|1||{patient}^^^HOSP^MR||Doe^Jane\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r").into_bytes()
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::new("127.0.0.1:0");
    c.ack_timeout = Duration::from_secs(10);
    c.source = "test".into();
    c
}

struct Client {
    stream: TcpStream,
    decoder: Decoder,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Client {
            stream,
            decoder: Decoder::new(1 << 20),
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn send(&mut self, m: &[u8]) {
        self.send_raw(&encode(m));
    }

    /// The next reply, or None when the server closed the connection.
    fn reply(&mut self) -> Option<Vec<u8>> {
        let mut buf = [0u8; 8192];
        loop {
            if let Some(f) = self.decoder.next_frame() {
                return Some(f.unwrap());
            }
            let n = self.stream.read(&mut buf).ok()?;
            if n == 0 {
                return None;
            }
            self.decoder.feed(&buf[..n]);
        }
    }

    fn ack(&mut self) -> (AckCode, String) {
        read_ack(&self.reply().expect("a reply")).unwrap()
    }
}

#[test]
fn concurrent_pipelined_connections_get_their_acks_in_order() {
    let rec = Recording::new(Mode::Jittered);
    let server = Server::start(config(), Arc::clone(&rec)).unwrap();
    let addr = server.local_addr();
    let clients: Vec<_> = (0..8)
        .map(|c| {
            std::thread::spawn(move || {
                let mut cl = Client::connect(addr);
                // All 100 sent before reading any reply: the replies still come in order.
                for i in 0..100 {
                    cl.send(&msg("MON", &format!("C{c}-{i}"), &format!("P{c}")));
                }
                (0..100)
                    .map(|i| {
                        let (code, ctrl) = cl.ack();
                        assert_eq!((code, ctrl), (AckCode::AA, format!("C{c}-{i}")));
                    })
                    .count()
            })
        })
        .collect();
    let answered: usize = clients.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(answered, 800);
    let written = jittered_written(&rec);
    assert_eq!(written.len(), 800);
    let s = server.stats();
    assert_eq!((s.received, s.accepted, s.errors), (800, 800, 0));
    assert_eq!(s.connections_total, 8);
}

#[test]
fn no_ack_before_the_write_is_durable_and_ae_after_the_ack_timeout() {
    let rec = Recording::new(Mode::Hold);
    let mut cfg = config();
    cfg.ack_timeout = Duration::from_millis(600);
    let server = Server::start(cfg, Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    c.send(&msg("MON", "HELD-1", "P1"));
    // Nothing comes back while the write is pending...
    c.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut probe = [0u8; 16];
    let early = c.stream.read(&mut probe);
    assert!(early.is_err(), "a reply before the write was durable");
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // ...and when the ACK timeout passes, AE (never AA) with ERR 207.
    let started = Instant::now();
    let reply = c.reply().unwrap();
    let ack = Message::parse(&reply).unwrap();
    assert_eq!(ack.query("MSA-1").unwrap().unwrap(), "AE");
    assert_eq!(ack.query("MSA-2").unwrap().unwrap(), "HELD-1");
    assert_eq!(ack.query("ERR-3-1").unwrap().unwrap(), "207");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        !String::from_utf8_lossy(&reply).contains("P1^"),
        "no patient data in the reply"
    );
    // A late completion does not turn into a second reply; the next message is served.
    rec.release_all();
    *rec.mode.lock().unwrap() = Mode::Fail;
    c.send(&msg("MON", "HELD-2", "P1"));
    assert_eq!(c.ack(), (AckCode::AE, "HELD-2".into()));
    assert_eq!(server.stats().errors, 2);
    assert_eq!(server.stats().accepted, 0);
}

#[test]
fn a_held_write_released_in_time_gets_aa_and_later_messages_wait_for_it() {
    let rec = Recording::new(Mode::Hold);
    let server = Server::start(config(), Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    c.send(&msg("MON", "A", "P1"));
    c.send(&msg("MON", "B", "P1"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while rec.held.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Complete B first: its AA still waits for A's.
    let (mb, db) = rec.held.lock().unwrap().remove(1);
    assert_eq!(mb.control_id, "B");
    db.complete(Ok(()));
    c.stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut probe = [0u8; 16];
    assert!(c.stream.read(&mut probe).is_err(), "B answered before A");
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    rec.release_all();
    assert_eq!(c.ack(), (AckCode::AA, "A".into()));
    assert_eq!(c.ack(), (AckCode::AA, "B".into()));
}

#[test]
fn bad_input_is_rejected_kept_with_its_reason_and_the_connection_goes_on() {
    let rec = Recording::new(Mode::Jittered);
    let mut cfg = config();
    cfg.max_frame = 2048;
    let server = Server::start(cfg, Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    let unparseable =
        b"MSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01|BAD-1|P|2.6\rPID|1||P7||Roe^Rich\rob x|1\r"
            .to_vec();
    let no_control_id = b"MSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01||P|2.6\rPID|1||P8\r".to_vec();
    let mut oversize = msg("MON", "BIG-1", "P9");
    oversize.extend(std::iter::repeat_n(b'Z', 5000));
    c.send(&msg("MON", "OK-1", "P1"));
    c.send(&unparseable);
    c.send(&no_control_id);
    c.send(b"\x00\xff garbage inside a frame");
    c.send(&oversize);
    // A half frame: cut short by the next start block.
    c.send_raw(b"\x0bMSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01|HALF-1|P|2.6\rPID|1||P");
    c.send(&msg("MON", "OK-2", "P1"));
    let codes: Vec<_> = (0..7).map(|_| c.ack()).collect();
    assert_eq!(
        codes,
        vec![
            (AckCode::AA, "OK-1".into()),
            (AckCode::AR, "BAD-1".into()),
            (AckCode::AR, String::new()),
            (AckCode::AR, String::new()),
            (AckCode::AR, "BIG-1".into()),
            (AckCode::AR, "HALF-1".into()),
            (AckCode::AA, "OK-2".into()),
        ]
    );
    // Closing inside a frame: its bytes are kept too.
    c.send_raw(b"\x0bMSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01|OPEN-1|P|2.6\rPI");
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(c.ack(), (AckCode::AR, "OPEN-1".into()));
    assert!(c.reply().is_none(), "closed after the last reply");
    drop(server);
    let written = jittered_written(&rec);
    let invalid: Vec<_> = written.iter().filter(|m| m.is_invalid()).collect();
    assert_eq!(invalid.len(), 6);
    assert!(invalid.iter().all(|m| &*m.topic == "hl7.invalid"));
    let reason = |needle: &str| {
        invalid
            .iter()
            .map(|m| String::from_utf8_lossy(m.header(header::ERROR).unwrap()).into_owned())
            .find(|e| e.contains(needle))
            .unwrap_or_else(|| panic!("no invalid record whose reason has {needle:?}"))
    };
    reason("bad segment id");
    reason("MSH-10");
    reason("larger than the limit of 2048");
    reason("next start block");
    reason("closed or idle inside");
    let unparseable_kept = invalid.iter().find(|m| m.control_id == "BAD-1").unwrap();
    assert_eq!(
        &*unparseable_kept.value,
        &unparseable[..],
        "bytes unchanged"
    );
    assert_eq!(written.iter().filter(|m| !m.is_invalid()).count(), 2);
}

#[test]
fn a_failed_dead_letter_write_is_answered_ae_not_ar() {
    let rec = Recording::new(Mode::Fail);
    let server = Server::start(config(), Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    c.send(b"MSH|^~\\&|MON|ICU|VF|HOSP|20261129||ORU^R01|BAD-2|P|2.6\rob x\r");
    assert_eq!(c.ack(), (AckCode::AE, "BAD-2".into()));
}

#[test]
fn exact_resends_within_the_window_are_acked_not_written_twice() {
    let rec = Recording::new(Mode::Hold);
    let mut cfg = config();
    cfg.dedupe_window = Duration::from_secs(60);
    let server = Server::start(cfg, Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    let m = msg("MON", "DUP-1", "P1");
    c.send(&m);
    c.send(&m); // resent while the first is still in flight
    let mut other_bytes = m.clone();
    other_bytes.extend_from_slice(b"NTE|1||changed\r");
    c.send(&other_bytes); // same control id, different bytes: a different message
    c.send(&msg("LAB", "DUP-1", "P1")); // same control id, other sender
    let deadline = Instant::now() + Duration::from_secs(5);
    while rec.held.lock().unwrap().len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    rec.release_all();
    for _ in 0..4 {
        assert_eq!(c.ack(), (AckCode::AA, "DUP-1".into()));
    }
    c.send(&m); // after it is durable
    *rec.mode.lock().unwrap() = Mode::Fail; // would fail if it were written again
    assert_eq!(c.ack(), (AckCode::AA, "DUP-1".into()));
    assert_eq!(rec.written_on("hl7.raw").len(), 3);
    assert_eq!(server.stats().duplicates, 2);
}

#[test]
fn an_idle_connection_is_closed() {
    let rec = Recording::new(Mode::Jittered);
    let mut cfg = config();
    cfg.idle_timeout = Duration::from_millis(300);
    let server = Server::start(cfg, Arc::clone(&rec)).unwrap();
    let mut c = Client::connect(server.local_addr());
    c.send(&msg("MON", "IDLE-1", "P1"));
    assert_eq!(c.ack(), (AckCode::AA, "IDLE-1".into()));
    let started = Instant::now();
    assert!(c.reply().is_none());
    assert!(started.elapsed() < Duration::from_secs(5));
}

mod tls {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

    struct Pki {
        dir: std::path::PathBuf,
        ca_pem: String,
        client_cert_pem: String,
        client_key_pem: String,
    }

    fn pki(name: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("vf-mllp-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(vec![]).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .signed_by(&server_key, &ca_cert, &ca_key)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client_cert = CertificateParams::new(vec!["monitor-gateway".into()])
            .unwrap()
            .signed_by(&client_key, &ca_cert, &ca_key)
            .unwrap();
        std::fs::write(dir.join("server.pem"), server_cert.pem()).unwrap();
        std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
        Pki {
            dir,
            ca_pem: ca_cert.pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        }
    }

    fn client_config(p: &Pki, with_cert: bool) -> Arc<rustls::ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(p.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let b = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        Arc::new(if with_cert {
            b.with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(p.client_cert_pem.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(p.client_key_pem.as_bytes()).unwrap(),
            )
            .unwrap()
        } else {
            b.with_no_client_auth()
        })
    }

    /// Sends one message over TLS and returns the reply's code, or the error.
    fn exchange(
        addr: SocketAddr,
        cfg: Arc<rustls::ClientConfig>,
        ctrl: &str,
    ) -> Result<(AckCode, String), String> {
        let conn = rustls::ClientConnection::new(cfg, ServerName::try_from("localhost").unwrap())
            .map_err(|e| e.to_string())?;
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut s = rustls::StreamOwned::new(conn, tcp);
        s.write_all(&encode(&msg("MON", ctrl, "P1")))
            .map_err(|e| e.to_string())?;
        let mut d = Decoder::new(1 << 16);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(f) = d.next_frame() {
                return read_ack(&f.unwrap()).map_err(|e| e.to_string());
            }
            let n = s.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("closed".into());
            }
            d.feed(&buf[..n]);
        }
    }

    #[test]
    fn tls_and_mutual_tls_from_pem_files() {
        let p = pki("mtls");
        let rec = Recording::new(Mode::Jittered);
        let mut cfg = config();
        cfg.tls = Some(TlsFiles {
            cert_chain: p.dir.join("server.pem"),
            private_key: p.dir.join("server.key"),
            client_ca: None,
        });
        let server = Server::start(cfg.clone(), Arc::clone(&rec)).unwrap();
        assert_eq!(
            exchange(server.local_addr(), client_config(&p, false), "TLS-1"),
            Ok((AckCode::AA, "TLS-1".into()))
        );
        drop(server);

        cfg.tls.as_mut().unwrap().client_ca = Some(p.dir.join("ca.pem"));
        let server = Server::start(cfg, Arc::clone(&rec)).unwrap();
        assert_eq!(
            exchange(server.local_addr(), client_config(&p, true), "MTLS-1"),
            Ok((AckCode::AA, "MTLS-1".into()))
        );
        let refused = exchange(server.local_addr(), client_config(&p, false), "MTLS-2");
        assert!(
            refused.is_err(),
            "a client without a certificate got {refused:?}"
        );
        // A plain-TCP client gets nothing it could mistake for an ACK.
        let mut plain = Client::connect(server.local_addr());
        plain.send(&msg("MON", "PLAIN-1", "P1"));
        let mut answer = Vec::new();
        let _ = plain.stream.read_to_end(&mut answer);
        assert!(
            !String::from_utf8_lossy(&answer).contains("MSA"),
            "{answer:?}"
        );
        let ctrls: Vec<_> = jittered_written(&rec)
            .iter()
            .map(|m| m.control_id.clone())
            .collect();
        assert_eq!(ctrls, vec!["TLS-1", "MTLS-1"]);
    }

    #[test]
    fn bad_tls_files_are_named() {
        let p = pki("bad");
        let mut cfg = config();
        cfg.tls = Some(TlsFiles {
            cert_chain: p.dir.join("server.pem"),
            private_key: p.dir.join("missing.key"),
            client_ca: None,
        });
        let err = Server::start(cfg, Recording::new(Mode::Fail))
            .err()
            .unwrap();
        assert!(matches!(err, vitalflow_mllp::MllpError::Tls(_)), "{err:?}");
        assert!(err.to_string().contains("missing.key"), "{err}");
    }
}
