//! The streaming rules: scored set, freshness, out-of-order, alerts once.

use vitalflow_scoring::alerts::{
    apply, apply_all, set_spo2_scale, tick, AlertKind, Ignored, Observation, PatientState, Reading,
    StreamConfig, Update, MINUTE_MS,
};
use vitalflow_scoring::news2::{Band, Consciousness, Parameter, Spo2Scale};

const T0: i64 = 1_795_000_000_000;

fn min(m: i64) -> i64 {
    T0 + m * MINUTE_MS
}

/// A full set of normal vitals (NEWS2 0) observed at `at`.
fn normal_set(at: i64) -> Vec<Observation> {
    vec![
        Observation::new(Reading::RespRate(16.0), at),
        Observation::new(Reading::Spo2(97.0), at),
        Observation::new(Reading::Oxygen(false), at),
        Observation::new(Reading::Systolic(120.0), at),
        Observation::new(Reading::Pulse(70.0), at),
        Observation::new(Reading::Consciousness(Consciousness::A), at),
        Observation::new(Reading::Temperature(37.0), at),
    ]
}

fn obs(state: &mut PatientState, r: Reading, at: i64) -> Update {
    apply(
        state,
        &Observation::new(r, at),
        at,
        &StreamConfig::default(),
    )
}

fn kinds(u: &Update) -> Vec<AlertKind> {
    u.alerts.iter().map(|a| a.kind).collect()
}

#[test]
fn score_emitted_only_when_set_changes() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    let u = apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);
    let score = u.score.expect("first set is scored");
    assert_eq!(
        (score.total, score.band, score.complete),
        (0, Band::Low, true)
    );
    assert!(u.alerts.is_empty());

    // The same value again (a redelivery): nothing changes.
    let u = obs(&mut s, Reading::Pulse(70.0), min(0));
    assert_eq!(u.score, None);
    // The same value, measured later: still the same set.
    let u = obs(&mut s, Reading::Pulse(70.0), min(5));
    assert_eq!(u.score, None);
    // A new value, same subscore: a new score.
    let u = obs(&mut s, Reading::Pulse(72.0), min(6));
    assert_eq!(u.score.map(|s| s.total), Some(0));
}

#[test]
fn glucose_does_not_emit_a_score() {
    let mut s = PatientState::default();
    let u = obs(&mut s, Reading::GlucoseMgDl(100.0), min(0));
    assert_eq!(u.score, None);
    assert!(u.alerts.is_empty());
}

#[test]
fn band_escalation_fires_once_and_rearms() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);

    // Resp 22 (2), pulse 95 (1), SpO2 95 (1), systolic 105 (1): total 5, MEDIUM.
    let u = apply_all(
        &mut s,
        &[
            Observation::new(Reading::RespRate(22.0), min(10)),
            Observation::new(Reading::Pulse(95.0), min(10)),
            Observation::new(Reading::Spo2(95.0), min(10)),
            Observation::new(Reading::Systolic(105.0), min(10)),
        ],
        min(10),
        &cfg,
    );
    assert_eq!(u.score.as_ref().map(|s| s.band), Some(Band::Medium));
    let esc: Vec<_> = u
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::BandEscalation)
        .collect();
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].band, Some(Band::Medium));
    assert_eq!(esc[0].total, Some(5));
    assert_eq!(esc[0].at, min(10));
    assert!(
        esc[0].message.contains("LOW to MEDIUM"),
        "{}",
        esc[0].message
    );

    // Still MEDIUM on further readings: no new escalation.
    let u = obs(&mut s, Reading::Pulse(96.0), min(12));
    assert_eq!(u.score.as_ref().map(|s| s.band), Some(Band::Medium));
    assert!(!kinds(&u).contains(&AlertKind::BandEscalation));

    // Improves to LOW (all parameters still present): re-arms.
    let u = obs(&mut s, Reading::RespRate(16.0), min(14));
    assert_eq!(
        u.score.as_ref().map(|s| (s.total, s.band)),
        Some((3, Band::Low))
    );
    assert!(u.alerts.is_empty());

    // Back to MEDIUM: fires again.
    let u = obs(&mut s, Reading::RespRate(22.0), min(16));
    assert_eq!(kinds(&u), vec![AlertKind::BandEscalation]);

    // MEDIUM -> HIGH is a further escalation.
    let u = obs(&mut s, Reading::Oxygen(true), min(18));
    assert_eq!(
        u.score.as_ref().map(|s| (s.total, s.band)),
        Some((7, Band::High))
    );
    assert!(kinds(&u).contains(&AlertKind::BandEscalation));
    let a = u
        .alerts
        .iter()
        .find(|a| a.kind == AlertKind::BandEscalation)
        .unwrap();
    assert_eq!(a.severity, vitalflow_scoring::alerts::Severity::High);
}

#[test]
fn band_drop_from_expired_values_does_not_rearm() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    // Temperature 39.5 (2) at t0, pulse 135 (3) measured every 20 min.
    apply_all(
        &mut s,
        &[
            Observation::new(Reading::Temperature(39.5), min(0)),
            Observation::new(Reading::Pulse(135.0), min(0)),
        ],
        min(0),
        &cfg,
    );
    assert_eq!(s.last_score.as_ref().map(|s| s.band), Some(Band::Medium));
    for m in [20, 40, 60] {
        obs(&mut s, Reading::Pulse(135.0 + m as f64 / 20.0), min(m));
    }
    // Temperature expires: band falls to LOW_MEDIUM, not an improvement.
    let u = tick(&mut s, min(61), &cfg);
    assert_eq!(u.score.as_ref().map(|s| s.band), Some(Band::LowMedium));
    // It is measured again at the same value: no second escalation.
    let u = obs(&mut s, Reading::Temperature(39.5), min(70));
    assert_eq!(u.score.as_ref().map(|s| s.band), Some(Band::Medium));
    assert!(
        !kinds(&u).contains(&AlertKind::BandEscalation),
        "{:?}",
        u.alerts
    );
}

#[test]
fn single_parameter_3_fires_once_per_parameter_and_rearms() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);

    let u = obs(&mut s, Reading::Consciousness(Consciousness::V), min(5));
    let threes: Vec<_> = u
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::SingleParameter3)
        .collect();
    assert_eq!(threes.len(), 1);
    assert_eq!(threes[0].parameter, Some(Parameter::Consciousness));
    assert_eq!(threes[0].observed_at, min(5));
    // LOW -> LOW_MEDIUM is also an escalation.
    assert!(kinds(&u).contains(&AlertKind::BandEscalation));

    // Another parameter at 3: its own alert; consciousness does not repeat.
    let u = obs(&mut s, Reading::Systolic(85.0), min(6));
    let params: Vec<_> = u
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::SingleParameter3)
        .map(|a| a.parameter)
        .collect();
    assert_eq!(params, vec![Some(Parameter::Systolic)]);

    // Consciousness U: still 3, no repeat.
    let u = obs(&mut s, Reading::Consciousness(Consciousness::U), min(7));
    assert!(!kinds(&u).contains(&AlertKind::SingleParameter3));

    // Back to A, then V again: fires again.
    obs(&mut s, Reading::Consciousness(Consciousness::A), min(8));
    let u = obs(&mut s, Reading::Consciousness(Consciousness::V), min(9));
    assert!(u
        .alerts
        .iter()
        .any(|a| a.kind == AlertKind::SingleParameter3
            && a.parameter == Some(Parameter::Consciousness)));
}

#[test]
fn single_parameter_3_expiry_and_remeasure_does_not_refire_but_long_absence_rearms() {
    let mut s = PatientState::default();
    obs(&mut s, Reading::Pulse(80.0), min(0));
    let u = obs(&mut s, Reading::RespRate(26.0), min(0));
    assert!(kinds(&u).contains(&AlertKind::SingleParameter3));
    // Pulse is re-measured regularly, resp rate is not.
    for m in [30, 60, 90] {
        obs(&mut s, Reading::Pulse(80.0 + m as f64 / 30.0), min(m));
    }
    assert_eq!(s.last_score.as_ref().unwrap().subscores.resp_rate, None);
    let u = obs(&mut s, Reading::RespRate(27.0), min(95));
    assert!(
        !kinds(&u).contains(&AlertKind::SingleParameter3),
        "{:?}",
        u.alerts
    );

    // Missing for longer than freshness + rearm_after (2 h): re-armed.
    for m in [150, 210, 270, 330] {
        obs(&mut s, Reading::Pulse(80.0 + m as f64 / 30.0), min(m));
    }
    let u = obs(&mut s, Reading::RespRate(27.0), min(340));
    assert!(
        kinds(&u).contains(&AlertKind::SingleParameter3),
        "{:?}",
        u.alerts
    );
}

#[test]
fn news2_rise_within_an_hour_fires_once() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);
    // +1 (pulse 95)
    let u = obs(&mut s, Reading::Pulse(95.0), min(20));
    assert!(u.alerts.is_empty());
    // +1 more (temperature 38.5): rise of 2 over the score at t0.
    let u = obs(&mut s, Reading::Temperature(38.5), min(40));
    assert_eq!(kinds(&u), vec![AlertKind::News2Rise]);
    assert_eq!(u.alerts[0].rise, Some(2));
    assert_eq!(u.alerts[0].total, Some(2));
    assert!(
        u.alerts[0].message.contains("rose by 2"),
        "{}",
        u.alerts[0].message
    );
    // Further rise while active: no repeat.
    let u = obs(&mut s, Reading::Systolic(105.0), min(45));
    assert!(!kinds(&u).contains(&AlertKind::News2Rise));
}

#[test]
fn news2_rise_over_more_than_an_hour_does_not_fire() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);
    // +1 at 10 min (pulse 95), re-measured at 50; +1 more at 80 min.
    let u = obs(&mut s, Reading::Pulse(95.0), min(10));
    assert!(u.alerts.is_empty());
    let mut set = normal_set(min(50));
    set[4] = Observation::new(Reading::Pulse(95.0), min(50));
    let u = apply_all(&mut s, &set, min(50), &cfg);
    assert_eq!(u.score, None, "same values, same set");
    let mut set = normal_set(min(80));
    set[4] = Observation::new(Reading::Pulse(95.0), min(80));
    set[6] = Observation::new(Reading::Temperature(38.5), min(80));
    let u = apply_all(&mut s, &set, min(80), &cfg);
    assert_eq!(u.score.as_ref().map(|s| s.total), Some(2));
    // The 0 was last current at 10 min, 70 min ago.
    assert!(u.alerts.is_empty(), "rise of 2 over 70 min: {:?}", u.alerts);
}

#[test]
fn news2_rise_after_a_long_steady_score_fires() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    // NEWS2 0, re-measured unchanged every 50 min: no new score for hours.
    for m in [0, 50, 100, 150] {
        apply_all(&mut s, &normal_set(min(m)), min(m), &cfg);
    }
    let u = obs(&mut s, Reading::RespRate(22.0), min(160)); // +2
    assert_eq!(kinds(&u), vec![AlertKind::News2Rise]);
    assert_eq!(
        u.alerts[0].message,
        "NEWS2 rose by 2 within 60 min (from 0 to 2, LOW)"
    );
}

#[test]
fn news2_rise_rearms_and_fires_again() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);
    let u = obs(&mut s, Reading::RespRate(22.0), min(10)); // +2
    assert_eq!(kinds(&u), vec![AlertKind::News2Rise]);
    // A stable hour (re-measured at 40 and 75 so nothing expires).
    let mut set = normal_set(min(40));
    set[0] = Observation::new(Reading::RespRate(22.0), min(40));
    apply_all(&mut s, &set, min(40), &cfg);
    let mut set = normal_set(min(75));
    set[0] = Observation::new(Reading::RespRate(23.0), min(75));
    let u = apply_all(&mut s, &set, min(75), &cfg);
    assert!(u.alerts.is_empty());
    assert!(
        !s.active.news2_rise,
        "no rise within the last hour: re-armed"
    );
    let u = obs(&mut s, Reading::Systolic(95.0), min(80)); // +2
    assert_eq!(kinds(&u), vec![AlertKind::News2Rise]);
}

#[test]
fn values_arriving_one_by_one_are_not_a_rise() {
    let mut s = PatientState::default();
    let mut alerts = vec![];
    // A set scoring 1+1+1+1 = 4 arriving one value at a time.
    for (i, r) in [
        Reading::Pulse(95.0),
        Reading::Spo2(95.0),
        Reading::Systolic(105.0),
        Reading::Temperature(38.5),
    ]
    .into_iter()
    .enumerate()
    {
        let u = obs(&mut s, r, min(i as i64));
        alerts.extend(u.alerts);
    }
    assert_eq!(s.last_score.as_ref().map(|s| s.total), Some(4));
    assert!(alerts.is_empty(), "{alerts:?}");
}

#[test]
fn glucose_hypo_l1_and_l2_fire_once() {
    let mut s = PatientState::default();
    let u = obs(&mut s, Reading::GlucoseMgDl(65.0), min(0));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL1]);
    assert_eq!(u.alerts[0].glucose_mg_dl, Some(65.0));
    assert_eq!(u.alerts[0].observed_at, min(0));
    let u = obs(&mut s, Reading::GlucoseMgDl(60.0), min(5));
    assert!(u.alerts.is_empty());
    let u = obs(&mut s, Reading::GlucoseMgDl(50.0), min(10));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL2]);
    assert_eq!(
        u.alerts[0].severity,
        vitalflow_scoring::alerts::Severity::High
    );
    let u = obs(&mut s, Reading::GlucoseMgDl(45.0), min(15));
    assert!(u.alerts.is_empty());
    // Back to level 1: L2 re-arms, L1 stays active.
    let u = obs(&mut s, Reading::GlucoseMgDl(60.0), min(20));
    assert!(u.alerts.is_empty());
    let u = obs(&mut s, Reading::GlucoseMgDl(53.9), min(25));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL2]);
    // Normal: both re-arm.
    let u = obs(&mut s, Reading::GlucoseMgDl(70.0), min(30));
    assert!(u.alerts.is_empty());
    let u = obs(&mut s, Reading::GlucoseMgDl(69.9), min(35));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL1]);
}

#[test]
fn glucose_straight_to_l2_raises_only_l2() {
    let mut s = PatientState::default();
    let u = obs(&mut s, Reading::GlucoseMgDl(40.0), min(0));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL2]);
    let u = obs(&mut s, Reading::GlucoseMgDl(60.0), min(5));
    assert!(
        u.alerts.is_empty(),
        "level 1 was covered by the level 2 alert"
    );
}

#[test]
fn freshness_expiry_changes_the_set() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    obs(&mut s, Reading::Pulse(120.0), min(0)); // 2
    obs(&mut s, Reading::Temperature(39.5), min(30)); // 2
    assert_eq!(s.last_score.as_ref().map(|s| s.total), Some(4));
    // Exactly 60 min old is still fresh.
    let u = tick(&mut s, min(60), &cfg);
    assert_eq!(u.score, None);
    assert_eq!(s.next_expiry(&cfg), Some(min(60) + 1));
    // One millisecond later the pulse has expired.
    let u = tick(&mut s, min(60) + 1, &cfg);
    let score = u.score.expect("expiry is a change");
    assert_eq!(score.total, 2);
    assert!(score.missing.contains(&Parameter::Pulse));
    // And then the temperature: an all-missing score, once.
    let u = tick(&mut s, min(91), &cfg);
    let score = u.score.expect("expiry is a change");
    assert_eq!(
        (score.total, score.band, score.missing.len()),
        (0, Band::Low, 7)
    );
    assert_eq!(tick(&mut s, min(200), &cfg).score, None);
    assert_eq!(s.next_expiry(&cfg), None);
}

#[test]
fn stale_future_and_non_finite_readings_are_ignored() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    let u = apply(
        &mut s,
        &Observation::new(Reading::Pulse(80.0), min(0)),
        min(61),
        &cfg,
    );
    assert_eq!(u.ignored, vec![Ignored::Stale]);
    assert_eq!(u.score, None);
    let u = apply(
        &mut s,
        &Observation::new(Reading::Pulse(80.0), min(100)),
        min(61),
        &cfg,
    );
    assert_eq!(u.ignored, vec![Ignored::Future]);
    assert_eq!(s.pulse, None);
    let u = apply(
        &mut s,
        &Observation::new(Reading::Pulse(f64::NAN), min(61)),
        min(61),
        &cfg,
    );
    assert_eq!(u.ignored, vec![Ignored::NotFinite]);
    assert_eq!(s.pulse, None);
    // A little clock skew is tolerated.
    let u = apply(
        &mut s,
        &Observation::new(Reading::Pulse(80.0), min(63)),
        min(61),
        &cfg,
    );
    assert!(u.ignored.is_empty());
    assert!(u.score.is_some());
}

#[test]
fn out_of_order_reading_does_not_replace_newer() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    obs(&mut s, Reading::Pulse(80.0), min(10));
    // An older reading arrives later.
    let u = apply(
        &mut s,
        &Observation::new(Reading::Pulse(140.0), min(5)),
        min(11),
        &cfg,
    );
    assert_eq!(u.ignored, vec![Ignored::OutOfOrder]);
    assert_eq!(u.score, None);
    assert!(u.alerts.is_empty());
    assert_eq!(s.pulse.map(|t| t.value), Some(80.0));
    // The clock does not go backwards either: a smaller `now` is treated as the latest one.
    let u = apply(
        &mut s,
        &Observation::new(Reading::Temperature(37.0), min(9)),
        min(9),
        &cfg,
    );
    assert!(u.ignored.is_empty());
    assert_eq!(s.clock, Some(min(11)));
    // Out-of-order on glucose too.
    obs(&mut s, Reading::GlucoseMgDl(120.0), min(20));
    let u = apply(
        &mut s,
        &Observation::new(Reading::GlucoseMgDl(40.0), min(15)),
        min(21),
        &cfg,
    );
    assert!(u.alerts.is_empty());
    assert_eq!(u.ignored, vec![Ignored::OutOfOrder]);
}

#[test]
fn fio2_and_flow_set_oxygen() {
    let mut s = PatientState::default();
    let u = obs(&mut s, Reading::Fio2(28.0), min(0));
    assert_eq!(u.score.unwrap().subscores.oxygen, Some(2));
    let u = obs(&mut s, Reading::Fio2(21.0), min(1));
    assert_eq!(u.score.unwrap().subscores.oxygen, Some(0));
    let u = obs(&mut s, Reading::O2Flow(2.0), min(2));
    assert_eq!(u.score.unwrap().subscores.oxygen, Some(2));
    let u = obs(&mut s, Reading::O2Flow(0.0), min(3));
    assert_eq!(u.score.unwrap().subscores.oxygen, Some(0));
}

#[test]
fn spo2_scale_change_rescores() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::new(Spo2Scale::Scale1);
    obs(&mut s, Reading::Spo2(89.0), min(0));
    assert_eq!(s.last_score.as_ref().unwrap().subscores.spo2, Some(3));
    let u = set_spo2_scale(&mut s, Spo2Scale::Scale2, min(1), &cfg);
    assert_eq!(u.score.unwrap().subscores.spo2, Some(0));
    assert_eq!(
        set_spo2_scale(&mut s, Spo2Scale::Scale2, min(2), &cfg).score,
        None
    );
}

#[test]
fn alert_messages_name_no_patient_and_serialise() {
    let mut s = PatientState::default();
    let u = obs(&mut s, Reading::Systolic(85.0), min(0));
    assert_eq!(
        kinds(&u),
        vec![AlertKind::BandEscalation, AlertKind::SingleParameter3]
    );
    let a = &u.alerts[1];
    assert_eq!(
        a.message,
        "Systolic blood pressure scored 3 (NEWS2 total 3, LOW_MEDIUM)"
    );
    let v = serde_json::to_value(a).unwrap();
    assert_eq!(v["kind"], "SINGLE_PARAMETER_3");
    assert_eq!(v["parameter"], "systolic");
    assert_eq!(
        serde_json::to_value([
            AlertKind::BandEscalation,
            AlertKind::GlucoseHypoL1,
            AlertKind::GlucoseHypoL2,
            AlertKind::News2Rise
        ])
        .unwrap(),
        serde_json::json!([
            "BAND_ESCALATION",
            "GLUCOSE_HYPO_L1",
            "GLUCOSE_HYPO_L2",
            "NEWS2_RISE"
        ])
    );
}

#[test]
fn patient_state_serde_round_trip_keeps_behaviour() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::new(Spo2Scale::Scale2);
    apply_all(&mut s, &normal_set(min(0)), min(0), &cfg);
    obs(&mut s, Reading::Consciousness(Consciousness::C), min(5));
    obs(&mut s, Reading::GlucoseMgDl(50.0), min(6));
    obs(&mut s, Reading::RespRate(26.0), min(7));
    // A value that needs 17 digits (from a unit conversion).
    obs(
        &mut s,
        Reading::Temperature((100.3 - 32.0) * 5.0 / 9.0 + 1e-13),
        min(7),
    );
    let json = serde_json::to_string(&s).unwrap();
    let mut back: PatientState = serde_json::from_str(&json).unwrap();
    assert_eq!(PatientState::from_json(&s.to_json()).unwrap(), s);
    assert!(PatientState::from_json(b"{").is_err());
    assert_eq!(back, s);
    assert!(back.active.glucose_hypo_l2);
    assert_eq!(
        back.active.single_parameter_3,
        vec![Parameter::Consciousness, Parameter::RespRate]
    );
    // Both copies react identically to the same input.
    let next = Observation::new(Reading::Pulse(135.0), min(8));
    let a = apply(&mut s, &next, min(8), &cfg);
    let b = apply(&mut back, &next, min(8), &cfg);
    assert_eq!(a, b);
    assert!(!a.alerts.is_empty());
    assert_eq!(back, s);
}

#[test]
fn config_defaults_and_partial_json() {
    let c: StreamConfig = serde_json::from_str(r#"{"freshness_ms": 1800000}"#).unwrap();
    assert_eq!(c.freshness_ms, 30 * MINUTE_MS);
    assert_eq!(c.rise_window_ms, 60 * MINUTE_MS);
    assert_eq!(c.rise_threshold, 2);
}

#[test]
fn glucose_alerts_carry_no_news2_fields() {
    let mut s = PatientState::default();
    obs(&mut s, Reading::Pulse(135.0), min(0));
    let u = obs(&mut s, Reading::GlucoseMgDl(50.0), min(1));
    assert_eq!(kinds(&u), vec![AlertKind::GlucoseHypoL2]);
    let a = &u.alerts[0];
    assert_eq!((a.band, a.total, a.parameter), (None, None, None));
    assert_eq!(
        a.glucose_status,
        Some(vitalflow_scoring::glucose::GlucoseStatus::HypoL2)
    );
    assert_eq!(
        a.message,
        "Glucose 50.0 mg/dL: level 2 hypoglycaemia (< 54 mg/dL)"
    );
}
