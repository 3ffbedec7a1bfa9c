//! Throughput of the Rust core on two ORU^R01 messages, against a memchr floor
//! and the `hl7-parser` crate. See docs/benchmarks.md, "Rust core (criterion)".
//!
//! Every benchmark reports `Throughput::Bytes` of the HL7 payload it handles,
//! so criterion prints MB/s; messages/s is 1 / (time per message).
//!
//! - `memchr_floor`: counts `\r` and `|` with `memchr2_iter`, i.e. one
//!   vectorised pass over the bytes that finds what a parser must find at
//!   the least. Nothing can parse faster than this.
//! - `count_floor`: the same count as a branch-free filter over the bytes,
//!   which the compiler vectorises; with `|` every few bytes the memchr
//!   iterator stops at each match, so this is the lower of the two floors.
//! - `parse`: `Message::parse` (segment spans, MSH-1/2, MSH-18) and then, for
//!   every segment, field 3 located (raw bytes, no unescaping).
//! - `hl7_parser`: `hl7_parser::Message::parse` (which eagerly splits the whole
//!   message into segments, fields, repeats, components and subcomponents)
//!   and then, for every segment, field 3 read (raw). It takes `&str`, so the
//!   UTF-8 check of the bytes is included (negligible next to the parse).
//! - `parse_extract`: `vitals::extract` (parse, one owned row per vital-sign
//!   OBX with units normalised and times in UTC); `parse_extract_rows`: the
//!   same rows borrowed from the message (`vitals::extract_rows`). `parse_extract_score` (the same
//!   plus NEWS2) is in `vitalflow-scoring`'s `extract_score` bench: the core
//!   does not depend on scoring.
//! - `mllp`: 100 messages framed with `mllp::encode` and decoded by
//!   `mllp::Decoder` fed in 8 KiB reads (`encode_decode`), or the decoding
//!   alone of the pre-framed buffer (`decode`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vitalflow_core::mllp::{self, Decoder};
use vitalflow_core::vitals::{extract, extract_rows, ExtractOptions, VitalKind};
use vitalflow_core::Message;

const LARGE: &[u8] = include_bytes!("data/oru_large.hl7");
const SMALL: &[u8] = include_bytes!("data/oru_small.hl7");
const MESSAGES: [(&str, &[u8]); 2] = [("oru_large", LARGE), ("oru_small", SMALL)];

/// Frames per MLLP benchmark iteration.
const FRAMES: usize = 100;
/// Size of one simulated socket read for the MLLP decoder.
const READ: usize = 8 * 1024;

fn memchr_floor(bytes: &[u8]) -> usize {
    memchr::memchr2_iter(b'\r', b'|', bytes).count()
}

/// The same count without stopping at each match (the compiler vectorises
/// it): what one pass over the bytes costs when nothing is done per match.
fn count_floor(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\r' || b == b'|').count()
}

fn parse_touch(bytes: &[u8]) -> usize {
    let msg = Message::parse(bytes).expect("bench message parses");
    msg.segments()
        .map(|s| s.field(3).map_or(0, |f| f.raw().len()))
        .sum()
}

fn hl7_parser_touch(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("bench message is UTF-8");
    let msg = hl7_parser::Message::parse(text).expect("hl7-parser parses the bench message");
    msg.segments()
        .map(|s| s.field(3).map_or(0, |f| f.raw_value().len()))
        .sum()
}

fn frame_all(msg: &[u8]) -> Vec<u8> {
    let mut wire = Vec::with_capacity(FRAMES * (msg.len() + 3));
    for _ in 0..FRAMES {
        wire.extend_from_slice(&mllp::encode(msg));
    }
    wire
}

fn decode_all(wire: &[u8]) -> usize {
    let mut d = Decoder::new(mllp::DEFAULT_MAX_FRAME);
    let mut bytes = 0;
    for chunk in wire.chunks(READ) {
        d.feed(chunk);
        while let Some(frame) = d.next_frame() {
            bytes += frame.expect("well-formed frame").len();
        }
    }
    bytes
}

fn config() -> Criterion {
    // A 2-core machine shared with other builds: short, repeated samples.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(60)
        .noise_threshold(0.05)
}

fn check_inputs() {
    let options = ExtractOptions::default();
    let large = extract(LARGE, &options).unwrap();
    let small = extract(SMALL, &options).unwrap();
    // 12 OBX; not a vital sign in the code table: 150488 (perfusion index).
    assert_eq!(large.len(), 11, "oru_large: 11 vital-sign OBX of 12");
    assert_eq!(small.len(), 4, "oru_small: 4 vital-sign OBX");
    assert!(large.iter().any(|r| r.kind == VitalKind::Consciousness));
    assert_eq!(memchr_floor(LARGE), count_floor(LARGE));
    assert_eq!(parse_touch(LARGE), hl7_parser_touch(LARGE));
    assert_eq!(parse_touch(SMALL), hl7_parser_touch(SMALL));
    assert_eq!(decode_all(&frame_all(LARGE)), FRAMES * LARGE.len());
}

fn bench_messages(c: &mut Criterion) {
    check_inputs();
    let options = ExtractOptions::default();
    for (name, bytes) in MESSAGES {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("memchr_floor", |b| {
            b.iter(|| memchr_floor(black_box(bytes)))
        });
        g.bench_function("count_floor", |b| b.iter(|| count_floor(black_box(bytes))));
        g.bench_function("parse", |b| b.iter(|| parse_touch(black_box(bytes))));
        g.bench_function("hl7_parser", |b| {
            b.iter(|| hl7_parser_touch(black_box(bytes)))
        });
        g.bench_function("parse_extract", |b| {
            b.iter(|| extract(black_box(bytes), &options).map(|rows| rows.len()))
        });
        g.bench_function("parse_extract_rows", |b| {
            b.iter(|| {
                let msg = Message::parse(black_box(bytes)).expect("bench message parses");
                extract_rows(&msg, &options).map(|x| x.rows.len())
            })
        });
        g.finish();
    }
}

fn bench_mllp(c: &mut Criterion) {
    let mut g = c.benchmark_group("mllp");
    for (name, msg) in MESSAGES {
        g.throughput(Throughput::Bytes((FRAMES * msg.len()) as u64));
        g.bench_with_input(
            BenchmarkId::new("encode_decode_x100", name),
            msg,
            |b, msg| b.iter(|| decode_all(&frame_all(black_box(msg)))),
        );
        let wire = frame_all(msg);
        g.bench_with_input(BenchmarkId::new("decode_x100", name), &wire, |b, wire| {
            b.iter(|| decode_all(black_box(wire)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_messages, bench_mllp
}
criterion_main!(benches);
