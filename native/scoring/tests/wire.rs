//! The binary state and rows of `vitalflow_scoring::wire`: states from real
//! feeds round-trip, a JSON state of an earlier version is read, and damaged
//! bytes are an error, never a panic or a wrong state.

use proptest::prelude::*;
use vitalflow_scoring::alerts::{
    step, Observation, PatientState, Reading, StreamConfig, MINUTE_MS,
};
use vitalflow_scoring::news2::{Consciousness, Spo2Scale};
use vitalflow_scoring::wire::{read_rows, write_rows, PatientRows};

fn reading(k: usize, f: f64) -> Reading {
    match k {
        0 => Reading::RespRate(5.0 + f * 25.0),
        1 => Reading::Spo2(85.0 + f * 15.0),
        2 => Reading::Oxygen(f > 0.5),
        3 => Reading::Fio2(21.0 + f * 40.0),
        4 => Reading::O2Flow(f * 6.0),
        5 => Reading::Systolic(80.0 + f * 150.0),
        6 => Reading::Pulse(35.0 + f * 110.0),
        7 => Reading::Consciousness(if f > 0.8 {
            Consciousness::V
        } else {
            Consciousness::A
        }),
        8 => Reading::Temperature(34.5 + f * 5.5),
        9 => Reading::GlucoseMgDl(40.0 + f * 200.0),
        _ => Reading::GlucoseMmolL(2.0 + f * 10.0),
    }
}

fn feed() -> impl Strategy<Value = Vec<Vec<(usize, f64, i64, bool)>>> {
    proptest::collection::vec(
        proptest::collection::vec((0usize..11, 0.0f64..1.0, -30i64..40, any::<bool>()), 1..6),
        1..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn states_of_a_feed_and_its_rows_round_trip(feed in feed()) {
        let cfg = StreamConfig::default();
        let mut state = PatientState::new(Spo2Scale::Scale2);
        let mut t = 1_795_000_000_000i64;
        for message in feed {
            let mut obs = Vec::new();
            for (k, f, dt, clock_error) in message {
                t += dt * MINUTE_MS / 4;
                let o = Observation::new(reading(k, f), t).received(t + 5_000);
                obs.push(if clock_error { o.with_clock_error() } else { o });
            }
            let rows = PatientRows {
                processing_id: Some("P".into()),
                observations: obs.clone(),
                clock_errors: 2,
            };
            let mut b = Vec::new();
            write_rows(&mut b, &rows);
            prop_assert_eq!(read_rows(&b).unwrap(), rows);
            step(&mut state, &obs, &cfg);
            let mut bytes = Vec::new();
            state.to_bytes(&mut bytes);
            prop_assert_eq!(&PatientState::from_bytes(&bytes).unwrap(), &state);
            // smaller than the JSON it replaces
            prop_assert!(bytes.len() < state.to_json().len());
            // a truncated state is an error
            let cut = bytes.len() / 2;
            prop_assert!(PatientState::from_bytes(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn damaged_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 4..300)) {
        bytes[..4].copy_from_slice(b"VF\x01\x04");
        let _ = PatientState::from_bytes(&bytes);
        bytes[3] = 3;
        let _ = read_rows(&bytes);
    }
}

#[test]
fn a_json_state_of_an_earlier_version_is_read() {
    // written by PatientState::to_json before the binary form (what a savepoint holds)
    let json = br#"{"resp_rate":{"value":26.0,"at":1795154400000},"spo2_scale":"Scale1","clock":1795154400000}"#;
    let s = PatientState::from_bytes(json).unwrap();
    assert_eq!(s.resp_rate.unwrap().value, 26.0);
    assert_eq!(s.clock, Some(1_795_154_400_000));
}

#[test]
fn another_envelope_version_is_refused_by_name() {
    let mut bytes = Vec::new();
    PatientState::default().to_bytes(&mut bytes);
    bytes[2] = 9;
    let e = PatientState::from_bytes(&bytes).unwrap_err();
    assert!(e.contains("version 9"), "{e}");
}
