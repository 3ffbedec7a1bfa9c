//! The patient rule state's two forms, side by side in one run: the JSON
//! earlier versions kept in Flink state (`PatientState::to_json` /
//! `from_json`) and the envelope that replaced it (`to_bytes` /
//! `from_bytes`). The state is a realistic one: six hours of a ward monitor
//! (every vital sign every 15 minutes, glucose hourly) through the rules.
//! Each round trip is what one step of the Flink job does to the state
//! (read, then write). See docs/benchmarks.md, "Patient rule state".
//!
//! `cargo bench -p vitalflow-scoring --bench state_codec`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use vitalflow_scoring::alerts::{
    step, Observation, PatientState, Reading, StreamConfig, MINUTE_MS,
};
use vitalflow_scoring::news2::Consciousness;

fn ward_state() -> PatientState {
    let cfg = StreamConfig::default();
    let mut st = PatientState::default();
    let t0 = 1_795_000_000_000i64;
    for i in 0..24i64 {
        let t = t0 + i * 15 * MINUTE_MS;
        let f = (i % 5) as f64;
        let mut obs = vec![
            Observation::new(Reading::RespRate(18.0 + f), t),
            Observation::new(Reading::Spo2(96.0 - f), t),
            Observation::new(Reading::O2Flow(if i > 12 { 2.0 } else { 0.0 }), t),
            Observation::new(Reading::Systolic(118.0 - 4.0 * f), t),
            Observation::new(Reading::Pulse(84.0 + 6.0 * f), t),
            Observation::new(Reading::Consciousness(Consciousness::A), t),
            Observation::new(Reading::Temperature(37.1 + 0.3 * f), t),
        ];
        if i % 4 == 0 {
            obs.push(Observation::new(Reading::GlucoseMgDl(64.0 + 10.0 * f), t));
        }
        step(&mut st, &obs, &cfg);
    }
    st
}

fn bench_state(c: &mut Criterion) {
    let st = ward_state();
    let json = st.to_json();
    let mut bin = Vec::new();
    st.to_bytes(&mut bin);
    assert_eq!(PatientState::from_bytes(&bin).unwrap(), st);
    assert_eq!(PatientState::from_json(&json).unwrap(), st);
    eprintln!(
        "state: JSON {} bytes, envelope {} bytes",
        json.len(),
        bin.len()
    );
    let mut g = c.benchmark_group("patient_state");
    g.bench_function("json_read_write", |b| {
        b.iter(|| {
            let s = PatientState::from_json(black_box(&json)).unwrap();
            black_box(s.to_json())
        })
    });
    g.bench_function("envelope_read_write", |b| {
        let mut out = Vec::with_capacity(512);
        b.iter(|| {
            let s = PatientState::from_bytes(black_box(&bin)).unwrap();
            out.clear();
            s.to_bytes(&mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(60)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_state
}
criterion_main!(benches);
