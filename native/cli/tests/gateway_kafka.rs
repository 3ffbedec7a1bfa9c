//! `vitalflow gateway` against the real broker of the local stack: messages
//! are ACKed AA only once they are on `hl7.raw`, with the contract's key and
//! headers; an unparseable one is answered AR and kept on `hl7.invalid`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message as _};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use vitalflow_core::ack::{read_ack, AckCode};
use vitalflow_core::mllp;
use vitalflow_schemas::topics;

struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn exchange(port: u16, frames: &[Vec<u8>]) -> Vec<(AckCode, String)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut c = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("gateway did not listen: {e}"),
        }
    };
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut out = Vec::new();
    let mut d = mllp::Decoder::new(1 << 20);
    let mut buf = [0u8; 8192];
    for f in frames {
        c.write_all(&mllp::encode(f)).unwrap();
        loop {
            if let Some(frame) = d.next_frame() {
                out.push(read_ack(&frame.unwrap()).unwrap());
                break;
            }
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "gateway closed the connection");
            d.feed(&buf[..n]);
        }
    }
    out
}

/// Everything on `topic` from the current end offsets on, until `want` records arrive.
fn end_offsets(bootstrap: &str, topic: &str) -> (BaseConsumer, TopicPartitionList) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("gateway-it-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in md.topics()[0].partitions() {
        let (_, high) = consumer
            .fetch_watermarks(topic, p.id(), Duration::from_secs(10))
            .unwrap();
        tpl.add_partition_offset(topic, p.id(), Offset::Offset(high))
            .unwrap();
    }
    (consumer, tpl)
}

type Record = (Option<Vec<u8>>, Vec<u8>, Vec<(String, String)>);

/// Records from the given offsets on that `keep` accepts, until `want` of them
/// arrived (other tests may write to the same topic at the same time).
fn read(
    consumer: &BaseConsumer,
    tpl: &TopicPartitionList,
    want: usize,
    keep: impl Fn(&Record) -> bool,
) -> Vec<Record> {
    consumer.assign(tpl).unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < want && Instant::now() < deadline {
        if let Some(m) = consumer.poll(Duration::from_millis(500)) {
            let m = m.unwrap();
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|x| {
                            (
                                x.key.to_string(),
                                String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let r = (
                m.key().map(<[u8]>::to_vec),
                m.payload().unwrap_or_default().to_vec(),
                headers,
            );
            if keep(&r) {
                got.push(r);
            }
        }
    }
    got
}

#[test]
#[ignore = "needs the local stack (tests/stack/stack.sh up)"]
fn messages_are_acked_after_kafka_has_them() {
    let stack = vitalflow_test_support::stack::ensure().expect("local stack");
    let port = free_port();
    let run_id = format!("{}{}", std::process::id(), port);
    let (raw_consumer, raw_tpl) = end_offsets(&stack.kafka_bootstrap, topics::HL7_RAW);
    let (bad_consumer, bad_tpl) = end_offsets(&stack.kafka_bootstrap, topics::HL7_INVALID);
    let _gw = Gateway(
        Command::new(env!("CARGO_BIN_EXE_vitalflow"))
            .args([
                "gateway",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--bootstrap",
                &stack.kafka_bootstrap,
                "--source",
                "it",
            ])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let good = |n: u32| {
        format!(
            "MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01^ORU_R01|GW{run_id}-{n}|P|2.6\rPID|1||PAT{n}^^^HOSP^MR\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r"
        )
        .into_bytes()
    };
    let bad =
        format!("MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01|GW{run_id}-BAD|P|2.6\rpid|1\r")
            .into_bytes();
    let acks = exchange(port, &[good(1), good(2), bad.clone(), good(3)]);
    let codes: Vec<_> = acks.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        vec![AckCode::AA, AckCode::AA, AckCode::AR, AckCode::AA]
    );
    assert_eq!(acks[1].1, format!("GW{run_id}-2"));

    // Every AA'd message is on hl7.raw, keyed by patient, with the contract's headers.
    let tag = format!("GW{run_id}-");
    let mine = read(&raw_consumer, &raw_tpl, 3, |(_, v, _)| {
        String::from_utf8_lossy(v).contains(&tag)
    });
    assert_eq!(mine.len(), 3, "3 accepted messages on hl7.raw");
    // Records of different patients sit on different partitions: match by
    // control id, not by order.
    for n in 1..=3u32 {
        let ctrl = format!("GW{run_id}-{n}");
        let (key, value, headers) = mine
            .iter()
            .find(|(_, _, h)| h.iter().any(|(k, v)| k == "hl7.control_id" && *v == ctrl))
            .unwrap_or_else(|| panic!("{ctrl} not on hl7.raw"));
        assert_eq!(key.as_deref(), Some(format!("PAT{n}").as_bytes()));
        assert_eq!(value, &good(n));
        let h = |k: &str| {
            headers
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("hl7.message_type"), Some("ORU^R01^ORU_R01"));
        assert_eq!(h("hl7.source"), Some("it"));
        assert!(h("hl7.received_at").is_some_and(|t| t.ends_with('Z')));
    }
    // The rejected one is kept, with its reason.
    let invalid = read(&bad_consumer, &bad_tpl, 1, |(_, v, _)| v == &bad);
    let kept = invalid.first().expect("rejected message on hl7.invalid");
    assert!(
        kept.2
            .iter()
            .any(|(k, v)| k == "hl7.error" && v.contains("bad segment id")),
        "{:?}",
        kept.2
    );
}

#[test]
#[ignore = "needs the local stack (tests/stack/stack.sh up)"]
fn simulate_writes_to_kafka_as_the_gateway_would() {
    let stack = vitalflow_test_support::stack::ensure().expect("local stack");
    let args = [
        "simulate",
        "--patients",
        "3",
        "--count",
        "2",
        "--seed",
        "11",
    ];
    let file = Command::new(env!("CARGO_BIN_EXE_vitalflow"))
        .args(args)
        .output()
        .unwrap();
    assert!(file.status.success());
    let expected: Vec<Vec<u8>> = vitalflow_core::split::messages(&file.stdout)
        .map(|m| m.unwrap().1.to_vec())
        .collect();
    assert!(expected.len() >= 6, "{}", expected.len());
    let (consumer, tpl) = end_offsets(&stack.kafka_bootstrap, topics::HL7_RAW);
    let st = Command::new(env!("CARGO_BIN_EXE_vitalflow"))
        .args(args)
        .args(["--kafka", &stack.kafka_bootstrap])
        .status()
        .unwrap();
    assert!(st.success());
    let got = read(&consumer, &tpl, expected.len(), |(_, v, _)| {
        expected.contains(v)
    });
    assert_eq!(got.len(), expected.len());
    for want in &expected {
        let rec = got
            .iter()
            .find(|(_, v, _)| v == want)
            .expect("each simulated message is on hl7.raw");
        let pid = vitalflow_core::query(want, "PID-3-1").unwrap().unwrap();
        assert_eq!(rec.0.as_deref(), Some(pid.as_bytes()));
        assert!(rec
            .2
            .iter()
            .any(|(k, v)| k == "hl7.source" && v == "vitalflow-simulate"));
    }
}
