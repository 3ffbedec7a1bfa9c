//! Properties of the scoring and of the streaming rules.

use proptest::prelude::*;
use vitalflow_scoring::alerts::{
    apply, step, tick, Observation, PatientState, Reading, StreamConfig, MINUTE_MS,
};
use vitalflow_scoring::news2::{
    round_tenths, score, Band, Consciousness, News2Input, Parameter, Spo2Scale,
};

fn consciousness() -> impl Strategy<Value = Consciousness> {
    prop_oneof![
        Just(Consciousness::A),
        Just(Consciousness::C),
        Just(Consciousness::V),
        Just(Consciousness::P),
        Just(Consciousness::U),
    ]
}

fn input() -> impl Strategy<Value = News2Input> {
    (
        proptest::option::of(0.0f64..70.0),
        proptest::option::of(60.0f64..100.0),
        prop_oneof![Just(Spo2Scale::Scale1), Just(Spo2Scale::Scale2)],
        proptest::option::of(any::<bool>()),
        proptest::option::of(50.0f64..260.0),
        proptest::option::of(20.0f64..200.0),
        proptest::option::of(consciousness()),
        proptest::option::of(30.0f64..43.0),
    )
        .prop_map(
            |(resp_rate, spo2, spo2_scale, oxygen, systolic, pulse, consciousness, temperature)| {
                News2Input {
                    resp_rate,
                    spo2,
                    spo2_scale,
                    oxygen,
                    systolic,
                    pulse,
                    consciousness,
                    temperature,
                }
            },
        )
}

fn with(p: Parameter, v: f64) -> News2Input {
    let mut i = News2Input::default();
    match p {
        Parameter::RespRate => i.resp_rate = Some(v),
        Parameter::Systolic => i.systolic = Some(v),
        Parameter::Pulse => i.pulse = Some(v),
        Parameter::Temperature => i.temperature = Some(v),
        _ => unreachable!(),
    }
    i
}

fn sub(p: Parameter, v: f64) -> u8 {
    score(&with(p, v)).subscores.get(p).unwrap()
}

proptest! {
    #[test]
    fn total_is_sum_and_band_follows_rules(i in input()) {
        let s = score(&i);
        let sum: u32 = s.subscores.iter().filter_map(|(_, v)| v).map(u32::from).sum();
        prop_assert_eq!(u32::from(s.total), sum);
        let any_three = s.subscores.iter().any(|(_, v)| v == Some(3));
        let expected = if s.total >= 7 {
            Band::High
        } else if s.total >= 5 {
            Band::Medium
        } else if any_three {
            Band::LowMedium
        } else {
            Band::Low
        };
        prop_assert_eq!(s.band, expected);
        let missing: Vec<Parameter> =
            s.subscores.iter().filter(|(_, v)| v.is_none()).map(|(p, _)| p).collect();
        prop_assert_eq!(&s.missing, &missing);
        prop_assert_eq!(s.complete, missing.is_empty());
        for (p, v) in s.subscores.iter() {
            prop_assert!(v.is_none_or(|v| v <= 3), "{} = {:?}", p, v);
        }
        // Serialises and reads back.
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<vitalflow_scoring::news2::News2Score>(&json).unwrap(), s);
    }

    #[test]
    fn adding_a_parameter_never_lowers_total_or_band(i in input(), c in consciousness()) {
        let mut fuller = i.clone();
        if fuller.consciousness.is_none() {
            fuller.consciousness = Some(c);
        }
        let (a, b) = (score(&i), score(&fuller));
        prop_assert!(b.total >= a.total);
        prop_assert!(b.band >= a.band);
    }

    #[test]
    fn monotone_away_from_normal(
        (p, centre, lo, hi) in prop_oneof![
            Just((Parameter::RespRate, 16.0, 0.0, 70.0)),
            Just((Parameter::Systolic, 150.0, 40.0, 300.0)),
            Just((Parameter::Pulse, 70.0, 20.0, 250.0)),
            Just((Parameter::Temperature, 37.0, 30.0, 45.0)),
        ],
        f1 in 0.0f64..1.0,
        f2 in 0.0f64..1.0,
    ) {
        // Two values on the same side of the normal centre: the one further
        // away never scores less.
        let (a, b) = (lo + (centre - lo) * f1, lo + (centre - lo) * f2);
        let (near, far) = if a > b { (a, b) } else { (b, a) };
        prop_assert!(sub(p, far) >= sub(p, near), "{} {} vs {}", p, far, near);
        let (a, b) = (centre + (hi - centre) * f1, centre + (hi - centre) * f2);
        let (near, far) = if a < b { (a, b) } else { (b, a) };
        prop_assert!(sub(p, far) >= sub(p, near), "{} {} vs {}", p, far, near);
    }

    #[test]
    fn spo2_monotone(a in 50.0f64..100.0, b in 50.0f64..100.0, oxygen in proptest::option::of(any::<bool>())) {
        let (low, high) = if a < b { (a, b) } else { (b, a) };
        let s = |v, scale| score(&News2Input { spo2: Some(v), spo2_scale: scale, oxygen, ..Default::default() }).subscores.spo2.unwrap();
        // Scale 1: lower saturation never scores less.
        prop_assert!(s(low, Spo2Scale::Scale1) >= s(high, Spo2Scale::Scale1));
        if oxygen == Some(true) {
            // Scale 2 on oxygen: away from 88-92 in either direction.
            if high <= 90.0 { prop_assert!(s(low, Spo2Scale::Scale2) >= s(high, Spo2Scale::Scale2)); }
            if low >= 90.0 { prop_assert!(s(high, Spo2Scale::Scale2) >= s(low, Spo2Scale::Scale2)); }
        } else {
            prop_assert!(s(low, Spo2Scale::Scale2) >= s(high, Spo2Scale::Scale2));
        }
    }

    #[test]
    fn temperature_rounds_half_away_on_the_decimal(n in -500i64..500, up in any::<bool>()) {
        // n tenths written as a decimal, and that decimal plus 0.05 / 0.04.
        let sign = if n < 0 { "-" } else { "" };
        let a = n.unsigned_abs();
        let exact: f64 = format!("{sign}{}.{}", a / 10, a % 10).parse().unwrap();
        prop_assert_eq!(round_tenths(exact), n);
        let digit = if up { 5 } else { 4 };
        let nudged: f64 = format!("{sign}{}.{}{digit}", a / 10, a % 10).parse().unwrap();
        let expected = match (up, sign.is_empty()) {
            (false, _) => n,
            (true, true) => n + 1,
            (true, false) => n - 1,
        };
        prop_assert_eq!(round_tenths(nudged), expected, "{}", nudged);
    }

    #[test]
    fn latest_value_wins_whatever_the_arrival_order(
        values in proptest::collection::vec((0usize..4, 30.0f64..140.0), 1..20),
        order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
    ) {
        let cfg = StreamConfig::default();
        let base = 1_795_000_000_000i64;
        let obs: Vec<Observation> = values.iter().enumerate().map(|(i, &(k, v))| {
            let reading = match k {
                0 => Reading::RespRate(v / 4.0),
                1 => Reading::Pulse(v),
                2 => Reading::Systolic(v + 50.0),
                _ => Reading::Temperature(30.0 + v / 10.0),
            };
            Observation::new(reading, base + i as i64 * 1000)
        }).collect();
        let now = base + 60_000;
        let mut in_order = PatientState::default();
        for o in &obs { apply(&mut in_order, o, now, &cfg); }
        // A deterministic shuffle from the seed.
        let mut shuffled = obs.clone();
        let mut seed = order;
        for i in (1..shuffled.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let mut any_order = PatientState::default();
        for o in &shuffled { apply(&mut any_order, o, now, &cfg); }
        prop_assert_eq!(in_order.scored_set(now, &cfg), any_order.scored_set(now, &cfg));
        prop_assert_eq!(&in_order.last_score, &any_order.last_score);
        prop_assert_eq!(in_order.last_score.clone(), Some(score(&in_order.scored_set(now, &cfg))));
    }

    #[test]
    fn emitted_scores_match_the_set_and_state_round_trips(
        steps in proptest::collection::vec((0usize..8, 0.0f64..1.0, 0i64..40), 1..40),
    ) {
        let cfg = StreamConfig::default();
        let mut state = PatientState::default();
        let mut t = 1_795_000_000_000i64;
        for (k, f, dt) in steps {
            t += dt * MINUTE_MS / 4;
            let reading = match k {
                0 => Reading::RespRate(5.0 + f * 25.0),
                1 => Reading::Spo2(85.0 + f * 15.0),
                2 => Reading::Oxygen(f > 0.5),
                3 => Reading::Systolic(80.0 + f * 150.0),
                4 => Reading::Pulse(35.0 + f * 110.0),
                5 => Reading::Consciousness(if f > 0.8 { Consciousness::V } else { Consciousness::A }),
                6 => Reading::Temperature(34.5 + f * 5.5),
                _ => Reading::GlucoseMgDl(40.0 + f * 200.0),
            };
            let u = apply(&mut state, &Observation::new(reading, t), t, &cfg);
            if let Some(s) = &u.score {
                prop_assert_eq!(s, &score(&state.scored_set(t, &cfg)));
            }
            // An alert kind never fires twice for the same parameter in one update.
            let mut seen: Vec<_> = u.alerts.iter().map(|a| (a.kind, a.parameter)).collect();
            let n = seen.len();
            seen.sort_by_key(|(k, p)| (k.as_str(), *p));
            seen.dedup();
            prop_assert_eq!(seen.len(), n);
            let mut back = PatientState::from_json(&state.to_json()).unwrap();
            prop_assert_eq!(&back, &state);
            // The binary form (what the job keeps) round-trips exactly too, and reads the JSON.
            let mut bytes = Vec::new();
            state.to_bytes(&mut bytes);
            prop_assert_eq!(&PatientState::from_bytes(&bytes).unwrap(), &state);
            prop_assert_eq!(&PatientState::from_bytes(&state.to_json()).unwrap(), &state);
            // A restored state sees no change by itself.
            prop_assert_eq!(tick(&mut back, t, &cfg).score, None);
        }
    }
}

/// One message of a generated feed: minutes after the previous message's
/// time (negative: a late message) and its readings, at most one per slot.
fn message() -> impl Strategy<Value = (i64, Vec<Reading>)> {
    let reading = (0usize..9, 0usize..4).prop_map(|(k, i)| match k {
        0 => Reading::RespRate([16.0, 10.0, 22.0, 26.0][i]),
        1 => Reading::Spo2([97.0, 95.0, 93.0, 90.0][i]),
        2 => match i {
            0 => Reading::Fio2(21.0),
            1 => Reading::Fio2(35.0),
            2 => Reading::O2Flow(0.0),
            _ => Reading::O2Flow(2.0),
        },
        3 => Reading::Systolic([120.0, 105.0, 95.0, 85.0][i]),
        4 => Reading::Pulse([70.0, 95.0, 115.0, 135.0][i]),
        5 => Reading::Consciousness(
            [
                Consciousness::A,
                Consciousness::A,
                Consciousness::C,
                Consciousness::V,
            ][i],
        ),
        6 => Reading::Temperature([37.0, 38.5, 39.5, 34.5][i]),
        _ => Reading::GlucoseMgDl([120.0, 65.0, 50.0, 72.0][i]),
    });
    (
        -90i64..45,
        proptest::collection::vec(reading, 1..8).prop_map(|mut rows| {
            // One row per slot (oxygen and glucose kinds share a slot).
            let slot = |r: &Reading| match r {
                Reading::RespRate(_) => 0,
                Reading::Spo2(_) => 1,
                Reading::Fio2(_) | Reading::O2Flow(_) | Reading::Oxygen(_) => 2,
                Reading::Systolic(_) => 3,
                Reading::Pulse(_) => 4,
                Reading::Consciousness(_) => 5,
                Reading::Temperature(_) => 6,
                Reading::GlucoseMgDl(_) | Reading::GlucoseMmolL(_) => 7,
            };
            let mut seen = Vec::new();
            rows.retain(|r| {
                let s = slot(r);
                !seen.contains(&s) && {
                    seen.push(s);
                    true
                }
            });
            rows
        }),
    )
}

/// The scores (with their clock) and alerts of a feed, one step per message.
fn outcomes(feed: &[Vec<Observation>]) -> (Vec<String>, PatientState) {
    let cfg = StreamConfig::default();
    let mut state = PatientState::default();
    let mut out = Vec::new();
    for rows in feed {
        let u = step(&mut state, rows, &cfg);
        if let Some(s) = &u.score {
            out.push(format!(
                "{:?} {}",
                u.clock,
                serde_json::to_string(s).unwrap()
            ));
        }
        out.extend(u.alerts.iter().map(|a| serde_json::to_string(a).unwrap()));
    }
    (out, state)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A feed, and the same feed with any messages delivered a second time
    /// (right after, or later, as a resend after a lost ACK would), give the
    /// same scores and alerts. Messages have distinct times, so no two
    /// messages carry different values for the same parameter and time (the
    /// one case where the contract's "later row wins" lets a resend count).
    #[test]
    fn redelivered_messages_change_no_score_or_alert(
        messages in proptest::collection::vec(message(), 1..40),
        dups in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..6), 0..12),
    ) {
        let mut t = 1_795_000_000_000i64;
        let feed: Vec<Vec<Observation>> = messages
            .iter()
            .enumerate()
            .map(|(i, (dt, rows))| {
                t += dt * MINUTE_MS;
                // Distinct times: a message's index in milliseconds.
                let at = t + i as i64;
                rows.iter().map(|r| Observation::new(*r, at)).collect()
            })
            .collect();
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); feed.len()];
        for (j, extra) in &dups {
            let j = j.index(feed.len());
            after[(j + extra).min(feed.len() - 1)].push(j);
        }
        let mut with_dups = Vec::new();
        for (k, rows) in feed.iter().enumerate() {
            with_dups.push(rows.clone());
            with_dups.extend(after[k].iter().map(|&j| feed[j].clone()));
        }
        let (once, state_once) = outcomes(&feed);
        let (twice, state_twice) = outcomes(&with_dups);
        prop_assert_eq!(once, twice);
        prop_assert_eq!(state_once, state_twice);
    }
}
