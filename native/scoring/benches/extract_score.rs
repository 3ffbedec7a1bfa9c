//! `parse_extract_score` on the two ORU^R01 messages of the core's `pipeline`
//! bench (same data, same group names): `Message::parse` and
//! `vitals::extract_rows` (one row per vital-sign OBX with units normalised
//! and times in UTC, borrowing from the message, as the JNI path uses it)
//! then a `News2Input` from the latest row of each kind and `news2::score`. See
//! docs/benchmarks.md, "Rust core (criterion)".
//!
//! `cargo bench -p vitalflow-scoring --bench extract_score`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vitalflow_core::vitals::{extract, extract_rows, ExtractOptions, ObxRow, VitalKind};
use vitalflow_core::Message;
use vitalflow_scoring::news2::{self, Consciousness, News2Input};

const LARGE: &[u8] = include_bytes!("../../core/benches/data/oru_large.hl7");
const SMALL: &[u8] = include_bytes!("../../core/benches/data/oru_small.hl7");
const MESSAGES: [(&str, &[u8]); 2] = [("oru_large", LARGE), ("oru_small", SMALL)];

/// The NEWS2 input from the latest row of each parameter (by `observed_at`,
/// a later OBX winning a tie).
fn news2_input(rows: &[ObxRow<'_>]) -> News2Input {
    #[derive(Clone, Copy)]
    enum Slot {
        Resp,
        Spo2,
        Systolic,
        Pulse,
        Consciousness,
        Temperature,
        Fio2,
        O2Flow,
    }
    let mut latest: [Option<&ObxRow<'_>>; 8] = [None; 8];
    for r in rows {
        let slot = match r.kind {
            VitalKind::RespiratoryRate => Slot::Resp,
            VitalKind::Spo2 => Slot::Spo2,
            VitalKind::SystolicBp => Slot::Systolic,
            VitalKind::HeartRate => Slot::Pulse,
            VitalKind::Consciousness => Slot::Consciousness,
            VitalKind::Temperature => Slot::Temperature,
            VitalKind::InspiredO2 if r.normalized_unit == Some("%") => Slot::Fio2,
            VitalKind::InspiredO2 => Slot::O2Flow,
            _ => continue,
        };
        let cur = &mut latest[slot as usize];
        if cur.is_none_or(|c| r.observed_at >= c.observed_at) {
            *cur = Some(r);
        }
    }
    let num = |s: Slot| latest[s as usize].and_then(|r| r.normalized_value.or(r.value));
    News2Input {
        resp_rate: num(Slot::Resp),
        spo2: num(Slot::Spo2),
        spo2_scale: Default::default(),
        oxygen: news2::on_oxygen(num(Slot::Fio2), num(Slot::O2Flow)),
        systolic: num(Slot::Systolic),
        pulse: num(Slot::Pulse),
        consciousness: latest[Slot::Consciousness as usize]
            .and_then(|r| r.text)
            .and_then(|t| t.parse::<Consciousness>().ok()),
        temperature: num(Slot::Temperature),
    }
}

fn parse_extract_score(bytes: &[u8], options: &ExtractOptions) -> news2::News2Score {
    let msg = Message::parse(bytes).expect("bench message parses");
    let x = extract_rows(&msg, options).expect("bench message extracts");
    news2::score(&news2_input(&x.rows))
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
    let large_msg = Message::parse(LARGE).unwrap();
    let small_msg = Message::parse(SMALL).unwrap();
    let large = extract_rows(&large_msg, &options).unwrap();
    let small = extract_rows(&small_msg, &options).unwrap();
    // The borrowed rows are the owned ones.
    assert_eq!(large.to_vital_signs(), extract(LARGE, &options).unwrap());
    assert_eq!(large.rows.len(), 11);
    let large_input = news2_input(&large.rows);
    assert_eq!(large_input.oxygen, Some(true));
    assert_eq!(large_input.consciousness, Some(Consciousness::A));
    assert_eq!(large_input.temperature, Some(37.8));
    let score = news2::score(&large_input);
    assert!(score.complete, "{score:?}");
    assert!(!news2::score(&news2_input(&small.rows)).complete);
}

fn bench_messages(c: &mut Criterion) {
    check_inputs();
    let options = ExtractOptions::default();
    for (name, bytes) in MESSAGES {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        // The same floor as vitalflow-core's pipeline bench, in the same run, so that the ratio
        // parse_extract_score / memchr_floor is not skewed by the machine between two runs.
        g.bench_function("memchr_floor", |b| {
            b.iter(|| memchr::memchr2_iter(b'\r', b'|', black_box(bytes)).count())
        });
        g.bench_function("parse_extract_score", |b| {
            b.iter(|| parse_extract_score(black_box(bytes), &options))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_messages
}
criterion_main!(benches);
