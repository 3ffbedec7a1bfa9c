//! The streaming rules of the contract, one test per rule, each a small
//! hand-written feed whose scores and alerts are spelled out.
//!
//! A feed is a list of messages `(minute, readings)`; every reading of a
//! message carries the message's time unless given with [`at`]. Each message
//! is one [`step`]. Events are rendered as text so the expectations read as a
//! chart: `"<clock min>: score <total> <band>[ incomplete]"` and
//! `"<clock min>: <KIND> <detail> @<alert time min>"`.

use vitalflow_scoring::alerts::{
    apply_all, set_spo2_scale, step, tick, AlertKind, HypoRaised, Ignored, Observation,
    PatientState, Reading, StreamConfig, Update, MINUTE_MS,
};
use vitalflow_scoring::news2::{Band, Consciousness, Parameter, Spo2Scale};

const T0: i64 = 1_795_000_000_000;

fn min(m: i64) -> i64 {
    T0 + m * MINUTE_MS
}

fn minutes(t: i64) -> i64 {
    (t - T0) / MINUTE_MS
}

/// A reading with its own time (minutes), for rows older than their message.
#[derive(Clone, Copy)]
enum Row {
    Now(Reading),
    At(i64, Reading),
}

fn at(m: i64, r: Reading) -> Row {
    Row::At(m, r)
}

fn now(r: Reading) -> Row {
    Row::Now(r)
}

/// A full set of seven NEWS2 readings.
#[allow(clippy::too_many_arguments)] // one argument per parameter reads best here
fn vitals(rr: f64, spo2: f64, o2: bool, sbp: f64, pulse: f64, c: char, temp: f64) -> Vec<Row> {
    let c = c.to_string().parse::<Consciousness>().unwrap();
    [
        Reading::RespRate(rr),
        Reading::Spo2(spo2),
        Reading::Oxygen(o2),
        Reading::Systolic(sbp),
        Reading::Pulse(pulse),
        Reading::Consciousness(c),
        Reading::Temperature(temp),
    ]
    .into_iter()
    .map(now)
    .collect()
}

/// Normal vitals (total 0) with the pulse given: 70 scores 0, 95 scores 1,
/// 115 scores 2, 135 scores 3.
fn pulse_set(pulse: f64) -> Vec<Row> {
    vitals(16.0, 97.0, false, 120.0, pulse, 'A', 37.0)
}

fn observations(m: i64, rows: &[Row]) -> Vec<Observation> {
    rows.iter()
        .map(|r| match *r {
            Row::Now(r) => Observation::new(r, min(m)),
            Row::At(a, r) => Observation::new(r, min(a)),
        })
        .collect()
}

fn render(u: &Update, out: &mut Vec<String>) {
    let clock = u.clock.map(minutes).unwrap_or(i64::MIN);
    if let Some(s) = &u.score {
        let incomplete = if s.complete { "" } else { " incomplete" };
        out.push(format!("{clock}: score {} {}{incomplete}", s.total, s.band));
    }
    for a in &u.alerts {
        let detail = match a.kind {
            AlertKind::BandEscalation => format!("{}", a.band.unwrap()),
            AlertKind::SingleParameter3 => format!("{}", a.parameter.unwrap()),
            AlertKind::News2Rise => {
                format!("{}->{}", a.baseline.unwrap(), a.total.unwrap())
            }
            AlertKind::GlucoseHypoL1 | AlertKind::GlucoseHypoL2 => {
                format!("{}", a.glucose_mg_dl.unwrap())
            }
        };
        out.push(format!("{clock}: {} {detail} @{}", a.kind, minutes(a.at)));
    }
}

/// Runs a feed through one state with the given config; the rendered events.
fn run_with(state: &mut PatientState, cfg: &StreamConfig, feed: &[(i64, Vec<Row>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (m, rows) in feed {
        let u = step(state, &observations(*m, rows), cfg);
        render(&u, &mut out);
    }
    out
}

fn run(feed: &[(i64, Vec<Row>)]) -> Vec<String> {
    run_with(&mut PatientState::default(), &StreamConfig::default(), feed)
}

// ---------------------------------------------------------------- steps ---

#[test]
fn a_message_is_one_step_with_one_score() {
    // Seven rows in one message: one score. The same rows as seven
    // messages: a score at each, as the set grows.
    assert_eq!(run(&[(0, pulse_set(70.0))]), ["0: score 0 LOW"]);
    let one_by_one: Vec<_> = pulse_set(70.0).into_iter().map(|r| (0, vec![r])).collect();
    assert_eq!(
        run(&one_by_one),
        [
            "0: score 0 LOW incomplete",
            "0: score 0 LOW incomplete",
            "0: score 0 LOW incomplete",
            "0: score 0 LOW incomplete",
            "0: score 0 LOW incomplete",
            "0: score 0 LOW incomplete",
            "0: score 0 LOW",
        ]
    );
    // An empty step changes nothing, not even the clock.
    let mut s = PatientState::default();
    assert_eq!(
        step(&mut s, &[], &StreamConfig::default()),
        Update::default()
    );
    assert_eq!(s, PatientState::default());
}

// ---------------------------------------------------------------- clock ---

#[test]
fn the_clock_is_the_newest_observation_and_never_goes_back() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    // A message whose rows have different times: the clock is the newest.
    let u = step(
        &mut s,
        &observations(
            20,
            &[at(10, Reading::Pulse(70.0)), now(Reading::RespRate(16.0))],
        ),
        &cfg,
    );
    assert_eq!(u.clock, Some(min(20)));
    // A late message (observed at 5) does not move the clock back.
    let u = step(
        &mut s,
        &observations(5, &[now(Reading::Systolic(120.0))]),
        &cfg,
    );
    assert_eq!(u.clock, Some(min(20)));
    assert_eq!(s.clock, Some(min(20)));
}

#[test]
fn a_late_message_is_scored_at_the_clock_and_its_escalation_too() {
    // 0: normal set. 30: normal set. Then a message observed at 20 arrives
    // with a pulse 135 that the set at 30 does not have (the 30 message
    // carried no pulse): the score and the band escalation both carry the
    // clock (30), the single-parameter 3 its reading's time (20).
    let mut at30 = pulse_set(70.0);
    at30.retain(|r| !matches!(r, Row::Now(Reading::Pulse(_))));
    let events = run(&[
        (0, pulse_set(70.0)),
        (30, at30),
        (20, vec![now(Reading::Pulse(135.0))]),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW",
            "30: score 3 LOW_MEDIUM",
            "30: BAND_ESCALATION LOW_MEDIUM @30",
            "30: SINGLE_PARAMETER_3 pulse @20",
            "30: NEWS2_RISE 0->3 @30",
        ]
    );
}

// ------------------------------------------------------- latest values ---

#[test]
fn a_late_reading_never_replaces_a_newer_one() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    let events = run_with(
        &mut s,
        &cfg,
        &[
            (10, pulse_set(70.0)),
            // Observed at 5, delivered after the one at 10: ignored.
            (5, vec![now(Reading::Pulse(140.0))]),
            (5, vec![now(Reading::GlucoseMgDl(40.0))]),
            (12, vec![now(Reading::GlucoseMgDl(120.0))]),
            (11, vec![now(Reading::GlucoseMgDl(40.0))]),
        ],
    );
    assert_eq!(
        events,
        [
            "10: score 0 LOW",
            // A first reading at level 2 raises HYPO_L2 alone; the one at
            // 11 joins its episode (6 minutes after it), which has alerted.
            "10: GLUCOSE_HYPO_L2 40 @5",
        ]
    );
    assert_eq!(s.pulse.map(|t| (t.value, minutes(t.at))), Some((70.0, 10)));
    assert_eq!(
        s.glucose.map(|t| (t.value, minutes(t.at))),
        Some((120.0, 12))
    );
    let u = step(
        &mut s,
        &observations(9, &[now(Reading::Pulse(140.0))]),
        &cfg,
    );
    assert_eq!(u.ignored, [Ignored::OutOfOrder]);
}

#[test]
fn a_same_time_duplicate_changes_nothing_and_the_later_row_wins() {
    let events = run(&[
        (0, pulse_set(70.0)),
        // The same message again (a resend after a lost ACK).
        (0, pulse_set(70.0)),
        // Two pulses with the same time in one message: the later row wins.
        (
            10,
            vec![now(Reading::Pulse(135.0)), now(Reading::Pulse(72.0))],
        ),
        // A message with the same time and a new value: the later message wins.
        (10, vec![now(Reading::Pulse(95.0))]),
        // And its resend changes nothing.
        (10, vec![now(Reading::Pulse(95.0))]),
        // Glucose: the same reading twice is one reading.
        (12, vec![now(Reading::GlucoseMgDl(60.0))]),
        (12, vec![now(Reading::GlucoseMgDl(60.0))]),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW",
            "10: score 0 LOW",
            "10: score 1 LOW",
            "12: GLUCOSE_HYPO_L1 60 @12",
        ]
    );
}

// ------------------------------------------------------------ freshness ---

#[test]
fn a_value_is_fresh_for_60_minutes_inclusive_and_configurable() {
    let glucose = |m| (m, vec![now(Reading::GlucoseMgDl(100.0))]);
    // Only glucose moves the clock after 0: the set ages without new vitals.
    let feed = [(0, pulse_set(70.0)), glucose(60), glucose(61), glucose(200)];
    assert_eq!(
        run(&feed),
        // Fresh at exactly 60; gone at 61: one all-missing score, once.
        ["0: score 0 LOW", "61: score 0 LOW incomplete"]
    );
    let cfg = StreamConfig {
        freshness_ms: 30 * MINUTE_MS,
        ..StreamConfig::default()
    };
    let feed = [(0, pulse_set(70.0)), glucose(30), glucose(31)];
    assert_eq!(
        run_with(&mut PatientState::default(), &cfg, &feed),
        ["0: score 0 LOW", "31: score 0 LOW incomplete"]
    );
    // A reading already stale at its step is ignored.
    let mut s = PatientState::default();
    let u = step(
        &mut s,
        &observations(
            100,
            &[at(39, Reading::Pulse(135.0)), now(Reading::RespRate(16.0))],
        ),
        &StreamConfig::default(),
    );
    assert_eq!(u.ignored, [Ignored::Stale]);
    assert_eq!(s.pulse, None);
}

#[test]
fn values_expire_one_by_one() {
    // Pulse 135 at 0, temperature 39.5 at 30: each leaves the set when it
    // is more than 60 minutes older than the clock.
    let events = run(&[
        (0, vec![now(Reading::Pulse(135.0))]),
        (30, vec![now(Reading::Temperature(39.5))]),
        (61, vec![now(Reading::GlucoseMgDl(100.0))]),
        (91, vec![now(Reading::GlucoseMgDl(100.0))]),
        (120, vec![now(Reading::GlucoseMgDl(100.0))]),
    ]);
    assert_eq!(
        events,
        [
            "0: score 3 LOW_MEDIUM incomplete",
            "0: BAND_ESCALATION LOW_MEDIUM @0",
            "0: SINGLE_PARAMETER_3 pulse @0",
            // Above the previous band again: an escalation of its own.
            "30: score 5 MEDIUM incomplete",
            "30: BAND_ESCALATION MEDIUM @30",
            "61: score 2 LOW incomplete",
            "91: score 0 LOW incomplete",
        ]
    );
}

// --------------------------------------------------------------- oxygen ---

#[test]
fn oxygen_comes_from_the_newest_fresh_fio2_or_flow_row() {
    let o2 = |rows: Vec<Row>| rows;
    let events = run(&[
        (0, pulse_set(70.0)),
        // FiO2 28 %: oxygen (+2).
        (5, o2(vec![now(Reading::Fio2(28.0))])),
        // A newer O2 flow of 0: air again, although the FiO2 row is fresh.
        (10, o2(vec![now(Reading::O2Flow(0.0))])),
        // A late FiO2 does not override the newer flow.
        (8, o2(vec![now(Reading::Fio2(40.0))])),
        // Flow 2 L/min, then FiO2 21 % in the same message: the later row wins.
        (
            15,
            o2(vec![now(Reading::O2Flow(2.0)), now(Reading::Fio2(21.0))]),
        ),
        // FiO2 35: oxygen.
        (20, o2(vec![now(Reading::Fio2(35.0))])),
        // FiO2 40: still oxygen, the set is unchanged, no score.
        (25, o2(vec![now(Reading::Fio2(40.0))])),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW",
            "5: score 2 LOW",
            "5: NEWS2_RISE 0->2 @5",
            "10: score 0 LOW",
            "20: score 2 LOW",
            "20: NEWS2_RISE 0->2 @20",
        ]
    );
    // The oxygen row stale, the rest re-measured: oxygen is missing.
    let mut fresh = pulse_set(70.0);
    fresh.retain(|r| !matches!(r, Row::Now(Reading::Oxygen(_))));
    let mut s = PatientState::default();
    run_with(
        &mut s,
        &StreamConfig::default(),
        &[(0, vec![now(Reading::O2Flow(2.0))])],
    );
    let u = step(&mut s, &observations(61, &fresh), &StreamConfig::default());
    let score = u.score.unwrap();
    assert_eq!(score.missing, [Parameter::Oxygen]);
    assert_eq!(score.subscores.oxygen, None);
}

// --------------------------------------------------------------- scores ---

#[test]
fn a_score_only_when_the_scored_set_changes() {
    let events = run(&[
        (0, pulse_set(70.0)),
        // Re-measuring the same values: nothing.
        (15, pulse_set(70.0)),
        // A value changes within its band: a score (the set changed).
        (30, pulse_set(72.0)),
        // Glucose is not part of the set.
        (35, vec![now(Reading::GlucoseMgDl(100.0))]),
    ]);
    assert_eq!(events, ["0: score 0 LOW", "30: score 0 LOW"]);
}

#[test]
fn the_spo2_scale_setting_rescores() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::new(Spo2Scale::Scale1);
    run_with(
        &mut s,
        &cfg,
        &[(
            0,
            vec![now(Reading::Spo2(89.0)), now(Reading::Oxygen(false))],
        )],
    );
    assert_eq!(s.last_score.as_ref().unwrap().subscores.spo2, Some(3));
    // `i64::MIN` leaves the clock where it is: the score carries the clock.
    let u = set_spo2_scale(&mut s, Spo2Scale::Scale2, i64::MIN, &cfg);
    assert_eq!(u.clock, Some(min(0)));
    assert_eq!(u.score.unwrap().subscores.spo2, Some(0));
    assert_eq!(
        set_spo2_scale(&mut s, Spo2Scale::Scale2, i64::MIN, &cfg).score,
        None
    );
    // Before any observation: no clock, no score.
    let mut new = PatientState::default();
    let u = set_spo2_scale(&mut new, Spo2Scale::Scale2, i64::MIN, &cfg);
    assert_eq!(u, Update::default());
    assert_eq!((new.clock, new.spo2_scale), (None, Spo2Scale::Scale2));
}

// ------------------------------------------------------- band escalation ---

#[test]
fn band_escalation_fires_when_the_band_rises_and_rearms_when_it_does_not() {
    let events = run(&[
        // The first score is compared with LOW.
        (0, pulse_set(95.0)),
        // 22 (2) + 95 (1) + SpO2 95 (1) + systolic 105 (1) = 5: MEDIUM.
        (15, vitals(22.0, 95.0, false, 105.0, 95.0, 'A', 37.0)),
        // Still MEDIUM: the condition is false, re-armed.
        (30, vitals(22.0, 95.0, false, 105.0, 96.0, 'A', 37.0)),
        // MEDIUM -> HIGH (+ oxygen 2 = 7): fires.
        (45, vitals(22.0, 95.0, true, 105.0, 96.0, 'A', 37.0)),
        // Down to LOW, then straight to MEDIUM: fires.
        (60, pulse_set(70.0)),
        (75, vitals(22.0, 95.0, false, 105.0, 95.0, 'A', 37.0)),
    ]);
    assert_eq!(
        events,
        [
            "0: score 1 LOW",
            "15: score 5 MEDIUM",
            "15: BAND_ESCALATION MEDIUM @15",
            "15: NEWS2_RISE 1->5 @15",
            "30: score 5 MEDIUM",
            "45: score 7 HIGH",
            "45: BAND_ESCALATION HIGH @45",
            "60: score 0 LOW",
            "75: score 5 MEDIUM",
            "75: BAND_ESCALATION MEDIUM @75",
            "75: NEWS2_RISE 0->5 @75",
        ]
    );
    // A first score in HIGH escalates from LOW.
    let events = run(&[(0, vitals(22.0, 95.0, true, 105.0, 96.0, 'A', 37.0))]);
    assert_eq!(events, ["0: score 7 HIGH", "0: BAND_ESCALATION HIGH @0"]);
}

#[test]
fn low_medium_high_in_thirty_minutes_is_two_band_escalations() {
    // LOW (0) -> MEDIUM (5) -> HIGH (7) in consecutive scores: every score
    // whose band is above the previous score's band raises its own alert. HIGH
    // is the emergency-response threshold and must never be swallowed by the
    // MEDIUM alert before it (issue 23; the contract's earlier "fire when the
    // condition becomes true" wording raised only the first).
    let events = run(&[
        (0, pulse_set(70.0)),
        (15, vitals(22.0, 95.0, false, 105.0, 95.0, 'A', 37.0)),
        (30, vitals(22.0, 95.0, true, 105.0, 95.0, 'A', 37.0)),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW",
            "15: score 5 MEDIUM",
            "15: BAND_ESCALATION MEDIUM @15",
            "15: NEWS2_RISE 0->5 @15",
            "30: score 7 HIGH",
            "30: BAND_ESCALATION HIGH @30",
        ]
    );
    // The issue's own numbers: 0 -> 6 -> 9.
    let events = run(&[
        (0, pulse_set(70.0)),
        // resp 22 (2), SpO2 94 (1), systolic 105 (1), pulse 115 (2) = 6
        (15, vitals(22.0, 94.0, false, 105.0, 115.0, 'A', 37.0)),
        // + oxygen (2) + temperature 38.5 (1) = 9
        (30, vitals(22.0, 94.0, true, 105.0, 115.0, 'A', 38.5)),
    ]);
    let escalations: Vec<&String> = events
        .iter()
        .filter(|e| e.contains("BAND_ESCALATION"))
        .collect();
    assert_eq!(
        escalations,
        [
            "15: BAND_ESCALATION MEDIUM @15",
            "30: BAND_ESCALATION HIGH @30"
        ]
    );
    assert!(
        events.contains(&"30: score 9 HIGH".to_string()),
        "{events:?}"
    );
}

// --------------------------------------------------- single parameter 3 ---

#[test]
fn single_parameter_3_per_parameter_missing_neither_clears_nor_fires() {
    let events = run(&[
        (0, pulse_set(135.0)),
        // Still 3 (another value): nothing.
        (10, pulse_set(140.0)),
        // The pulse is missing (expired): the set changes, nothing fires or
        // re-arms ...
        (71, vec![now(Reading::RespRate(16.0))]),
        // ... so pulse 3 again does not fire.
        (80, vec![now(Reading::Pulse(135.0))]),
        // Below 3 re-arms; 3 again fires, with the reading's time.
        (90, vec![now(Reading::Pulse(120.0))]),
        (
            100,
            vec![at(95, Reading::Pulse(135.0)), now(Reading::RespRate(26.0))],
        ),
    ]);
    assert_eq!(
        events,
        [
            "0: score 3 LOW_MEDIUM",
            "0: BAND_ESCALATION LOW_MEDIUM @0",
            "0: SINGLE_PARAMETER_3 pulse @0",
            "10: score 3 LOW_MEDIUM",
            "71: score 0 LOW incomplete",
            "80: score 3 LOW_MEDIUM incomplete",
            "80: BAND_ESCALATION LOW_MEDIUM @80",
            "90: score 2 LOW incomplete",
            "100: score 6 MEDIUM incomplete",
            "100: BAND_ESCALATION MEDIUM @100",
            "100: SINGLE_PARAMETER_3 resp_rate @100",
            "100: SINGLE_PARAMETER_3 pulse @95",
            // The complete 3 of minute 10 was replaced at 71, 29 minutes ago.
            "100: NEWS2_RISE 3->6 @100",
        ]
    );
}

// --------------------------------------------------------- idle patients ---

#[test]
fn an_idle_patient_starts_over_after_24_hours_keeping_the_spo2_scale() {
    const DAY: i64 = 24 * 60;
    let cfg = StreamConfig::default();
    assert_eq!(cfg.idle_reset_ms, DAY * MINUTE_MS);
    let mut s = PatientState::new(Spo2Scale::Scale2);
    let events = run_with(
        &mut s,
        &cfg,
        &[
            (0, pulse_set(135.0)),
            // Exactly 24 h later: not idle yet. Pulse 3 is still armed and the band is the same.
            (DAY, pulse_set(135.0)),
            (DAY + 10, pulse_set(140.0)),
        ],
    );
    assert_eq!(
        events,
        [
            "0: score 3 LOW_MEDIUM",
            "0: BAND_ESCALATION LOW_MEDIUM @0",
            "0: SINGLE_PARAMETER_3 pulse @0",
            // At DAY the same values as the last scored set: nothing. Then a new value, no alert:
            // the band is the last score's and pulse 3 is still armed.
            &format!("{}: score 3 LOW_MEDIUM", DAY + 10),
        ]
    );
    assert_eq!(s.discardable_after(&cfg), Some(min(2 * DAY + 10) + 1));
    // One millisecond more than 24 h after the clock: a new patient, whose alerts fire again.
    let back = 2 * DAY + 10;
    let rows = observations(back, &pulse_set(135.0));
    let rows: Vec<Observation> = rows
        .into_iter()
        .map(|o| Observation::new(o.reading, o.observed_at + 1))
        .collect();
    let mut out = Vec::new();
    render(&step(&mut s, &rows, &cfg), &mut out);
    assert_eq!(
        out,
        [
            format!("{back}: score 3 LOW_MEDIUM"),
            format!("{back}: BAND_ESCALATION LOW_MEDIUM @{back}"),
            format!("{back}: SINGLE_PARAMETER_3 pulse @{back}"),
        ]
    );
    // The SpO2 scale, a clinical setting, survives the reset.
    assert_eq!(s.spo2_scale, Spo2Scale::Scale2);
    assert_eq!(s.clock, Some(min(back) + 1));
    // A tick never resets (only a step with rows does), and a state with no clock never expires.
    let before = s.clone();
    tick(&mut s, min(5 * DAY), &cfg);
    // (it expires the values: one all-missing score, which re-arms the band rule only)
    assert_eq!(
        s.active.single_parameter_3,
        before.active.single_parameter_3
    );
    assert_eq!(s.clock, Some(min(5 * DAY)));
    assert_eq!(PatientState::default().discardable_after(&cfg), None);
}

// ----------------------------------------------------------- NEWS2 rise ---

/// The issue's first case: 14, replaced by 18 at 11:00 (minute 660), which
/// stays 18. At 12:15 the 14 ended 75 minutes earlier: no rise.
#[test]
fn rise_baseline_excludes_a_score_replaced_more_than_an_hour_ago() {
    // 14 = RR 26 (3) + SpO2 90 (3) + O2 (2) + SBP 95 (2) + pulse 115 (2) + A + 39.5 (2)
    // 18 = the same with SBP 85 (3) and V (3)
    let fourteen = |pulse| vitals(26.0, 90.0, true, 95.0, pulse, 'A', 39.5);
    let eighteen = |pulse| vitals(26.0, 90.0, true, 85.0, pulse, 'V', 39.5);
    let events = run(&[
        (600, fourteen(115.0)),
        (630, fourteen(116.0)),
        (660, eighteen(115.0)),
        (690, eighteen(116.0)),
        (720, eighteen(117.0)),
        (735, eighteen(118.0)),
        // The rise re-armed at 735 (baseline 18); 20 is a rise again.
        (740, vitals(26.0, 90.0, true, 85.0, 135.0, 'V', 34.5)),
    ]);
    assert_eq!(
        events,
        [
            "600: score 14 HIGH",
            "600: BAND_ESCALATION HIGH @600",
            "600: SINGLE_PARAMETER_3 resp_rate @600",
            "600: SINGLE_PARAMETER_3 spo2 @600",
            "630: score 14 HIGH",
            "660: score 18 HIGH",
            "660: SINGLE_PARAMETER_3 systolic @660",
            "660: SINGLE_PARAMETER_3 consciousness @660",
            "660: NEWS2_RISE 14->18 @660",
            "690: score 18 HIGH",
            "720: score 18 HIGH",
            // 735: the 14 was replaced at 660, 75 minutes ago: out.
            "735: score 18 HIGH",
            "740: score 20 HIGH",
            "740: SINGLE_PARAMETER_3 pulse @740",
            "740: SINGLE_PARAMETER_3 temperature @740",
            "740: NEWS2_RISE 18->20 @740",
        ]
    );
}

/// The issue's minimal case: 0, then 1 held for an hour, then 2 at 120. The
/// 0 was replaced exactly 60 minutes before: out. Replaced 59 minutes
/// before: in.
#[test]
fn rise_baseline_window_boundary() {
    let events = run(&[
        (0, pulse_set(70.0)),
        (60, pulse_set(95.0)),
        (120, pulse_set(115.0)),
    ]);
    assert_eq!(
        events,
        ["0: score 0 LOW", "60: score 1 LOW", "120: score 2 LOW"]
    );
    let events = run(&[
        (0, pulse_set(70.0)),
        (61, pulse_set(95.0)),
        (120, pulse_set(115.0)),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW",
            "61: score 1 LOW",
            "120: score 2 LOW",
            "120: NEWS2_RISE 0->2 @120",
        ]
    );
}

#[test]
fn rise_baseline_is_the_lowest_complete_total() {
    let events = run(&[
        // Incomplete scores are never a baseline, however low.
        (0, vec![now(Reading::Pulse(70.0))]),
        (5, pulse_set(95.0)),
        // 3 over the complete 1: a rise, compared with 1 not 0.
        (10, vitals(22.0, 97.0, false, 120.0, 115.0, 'A', 37.0)),
        // Still above 1 by 2 or more: no new alert.
        (20, vitals(22.0, 97.0, false, 120.0, 116.0, 'A', 37.0)),
        // 1 again: re-armed; then 3 again: fires again.
        (30, pulse_set(95.0)),
        (40, vitals(16.0, 97.0, false, 120.0, 115.0, 'A', 38.5)),
        // An incomplete higher score is a rise over the complete baseline.
        (50, pulse_set(95.0)),
        (55, vec![at(50, Reading::Pulse(95.0))]),
        (
            56,
            vec![now(Reading::RespRate(22.0)), now(Reading::Pulse(115.0))],
        ),
    ]);
    assert_eq!(
        events,
        [
            "0: score 0 LOW incomplete",
            "5: score 1 LOW",
            "10: score 4 LOW",
            "10: NEWS2_RISE 1->4 @10",
            "20: score 4 LOW",
            "30: score 1 LOW",
            "40: score 3 LOW",
            "40: NEWS2_RISE 1->3 @40",
            "50: score 1 LOW",
            "56: score 4 LOW",
            "56: NEWS2_RISE 1->4 @56",
        ]
    );
}

#[test]
fn rise_score_replaced_at_its_own_time_was_never_in_effect() {
    // At 30 a score of 0 is replaced at once (a late message at the same
    // clock) by 2: the 0 was in effect at no instant, the baseline is the
    // 2 before it, and 4 is a rise of 2, not 4.
    let mut at30 = pulse_set(70.0);
    at30.retain(|r| !matches!(r, Row::Now(Reading::Pulse(_))));
    let events = run(&[
        (0, pulse_set(115.0)),
        (30, {
            let mut v = at30.clone();
            v.push(now(Reading::Pulse(70.0)));
            v
        }),
        (25, vec![now(Reading::GlucoseMgDl(100.0))]),
        (30, vec![now(Reading::Pulse(115.0))]),
        (40, vitals(22.0, 97.0, false, 120.0, 115.0, 'A', 37.0)),
    ]);
    assert_eq!(
        events,
        [
            "0: score 2 LOW",
            "30: score 0 LOW",
            "30: score 2 LOW",
            "40: score 4 LOW",
            "40: NEWS2_RISE 2->4 @40",
        ]
    );
}

// --------------------------------------------------------- hypoglycaemia ---

fn glucose(m: i64, v: f64) -> (i64, Vec<Row>) {
    (m, vec![now(Reading::GlucoseMgDl(v))])
}

#[test]
fn hypo_episode_l1_on_entering_l2_once_even_l2_l1_l2() {
    let events = run(&[
        glucose(0, 100.0),
        // Entering at level 1: L1.
        glucose(10, 65.0),
        // Level 2 first reached: L2.
        glucose(20, 50.0),
        // L2 -> L1 -> L2 in the same episode: nothing more.
        glucose(30, 60.0),
        glucose(40, 45.0),
        // >= 70 ends the episode; a new one entered straight at level 2
        // raises HYPO_L2 alone (one event, one alert).
        glucose(50, 70.0),
        glucose(60, 52.0),
    ]);
    assert_eq!(
        events,
        [
            "10: GLUCOSE_HYPO_L1 65 @10",
            "20: GLUCOSE_HYPO_L2 50 @20",
            "60: GLUCOSE_HYPO_L2 52 @60",
        ]
    );
}

#[test]
fn hypo_episode_ends_when_the_last_reading_is_more_than_an_hour_old() {
    let events = run(&[
        glucose(0, 60.0),
        // 60 minutes later: still the same episode.
        glucose(60, 62.0),
        // A gap of 61 minutes: a new episode.
        glucose(121, 64.0),
        // Vitals move the clock past the last glucose by more than an hour,
        // but the other vital signs' clock has no part in the glucose rule:
        // a reading dated 49 minutes after the last one joins its episode.
        (183, vec![now(Reading::Pulse(70.0))]),
        glucose(170, 66.0),
        // 61 minutes after the last: a new episode.
        glucose(231, 67.0),
    ]);
    assert_eq!(
        events,
        [
            "0: GLUCOSE_HYPO_L1 60 @0",
            "121: GLUCOSE_HYPO_L1 64 @121",
            "183: score 0 LOW incomplete",
            "231: GLUCOSE_HYPO_L1 67 @231",
        ]
    );
}

#[test]
fn glucose_alerts_carry_the_reading_time_and_no_news2_fields() {
    let mut s = PatientState::default();
    let cfg = StreamConfig::default();
    run_with(&mut s, &cfg, &[(30, vec![now(Reading::Pulse(70.0))])]);
    // A late glucose reading (observed at 20, clock 30).
    let u = step(
        &mut s,
        &observations(20, &[now(Reading::GlucoseMgDl(50.0))]),
        &cfg,
    );
    assert_eq!(u.clock, Some(min(30)));
    let kinds: Vec<_> = u.alerts.iter().map(|a| a.kind).collect();
    // A first reading below 54 is one event: HYPO_L2 alone.
    assert_eq!(kinds, [AlertKind::GlucoseHypoL2]);
    for a in &u.alerts {
        assert_eq!((a.at, a.observed_at), (min(20), min(20)));
        assert_eq!((a.band, a.total, a.parameter), (None, None, None));
        assert_eq!(
            a.glucose_status,
            Some(vitalflow_scoring::glucose::GlucoseStatus::HypoL2)
        );
    }
    assert_eq!(
        u.alerts[0].message,
        "Glucose 50.0 mg/dL: level 2 hypoglycaemia (< 54 mg/dL)"
    );
    assert_eq!(
        u.alerts[0].severity,
        vitalflow_scoring::alerts::Severity::High
    );
}

// ------------------------------------------------------ the streaming API ---

#[test]
fn non_finite_readings_are_ignored() {
    let mut s = PatientState::default();
    let u = step(
        &mut s,
        &observations(
            0,
            &[
                now(Reading::Pulse(f64::NAN)),
                now(Reading::GlucoseMgDl(f64::INFINITY)),
            ],
        ),
        &StreamConfig::default(),
    );
    assert_eq!(u.ignored, [Ignored::NotFinite, Ignored::NotFinite]);
    assert_eq!((s.pulse, s.glucose), (None, None));
}

#[test]
fn tick_expires_values_and_next_expiry_says_when() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::default();
    run_with(
        &mut s,
        &cfg,
        &[
            (0, vec![now(Reading::Pulse(135.0))]),
            (10, vec![now(Reading::GlucoseMgDl(60.0))]),
        ],
    );
    assert_eq!(s.next_expiry(&cfg), Some(min(60) + 1));
    assert_eq!(tick(&mut s, min(60), &cfg).score, None);
    let u = tick(&mut s, min(60) + 1, &cfg);
    let score = u.score.unwrap();
    assert_eq!((score.total, score.missing.len()), (0, 7));
    assert_eq!(u.clock, Some(min(60) + 1));
    // Hypoglycaemia episodes are judged on the glucose readings alone:
    // nothing of them expires with the clock.
    assert_eq!(s.next_expiry(&cfg), None);
    // A missing pulse did not re-arm its single-parameter 3.
    assert_eq!(s.active.single_parameter_3, [Parameter::Pulse]);
}

#[test]
fn apply_all_is_a_step_with_a_clock_floor() {
    let cfg = StreamConfig::default();
    let rows = observations(0, &pulse_set(135.0));
    let (mut a, mut b) = (PatientState::default(), PatientState::default());
    assert_eq!(
        apply_all(&mut a, &rows, min(0), &cfg),
        step(&mut b, &rows, &cfg)
    );
    assert_eq!(a, b);
    // A later `now` moves the clock.
    let u = apply_all(&mut a, &[], min(5), &cfg);
    assert_eq!(u.clock, Some(min(5)));
}

#[test]
fn patient_state_json_round_trip_keeps_behaviour() {
    let cfg = StreamConfig::default();
    let mut s = PatientState::new(Spo2Scale::Scale2);
    run_with(
        &mut s,
        &cfg,
        &[
            (0, pulse_set(70.0)),
            (5, vec![now(Reading::Consciousness(Consciousness::C))]),
            (6, vec![now(Reading::GlucoseMgDl(50.0))]),
            // A value that needs 17 digits (from a unit conversion).
            (
                7,
                vec![
                    now(Reading::RespRate(26.0)),
                    now(Reading::Temperature((100.3 - 32.0) * 5.0 / 9.0 + 1e-13)),
                ],
            ),
        ],
    );
    let mut back = PatientState::from_json(&s.to_json()).unwrap();
    assert_eq!(back, s);
    assert!(PatientState::from_json(b"{").is_err());
    assert_eq!(
        back.hypo_raised,
        [HypoRaised {
            at: min(6),
            level2: true
        }]
    );
    assert_eq!(
        back.active.single_parameter_3,
        [Parameter::Consciousness, Parameter::RespRate]
    );
    assert_eq!(
        back.last_score.as_ref().map(|s| (s.total, s.band)),
        Some((6, Band::Medium))
    );
    // Both copies react identically to the same input.
    let next = observations(
        8,
        &[now(Reading::Pulse(135.0)), now(Reading::GlucoseMgDl(60.0))],
    );
    let a = step(&mut s, &next, &cfg);
    let b = step(&mut back, &next, &cfg);
    assert_eq!(a, b);
    assert!(!a.alerts.is_empty());
    assert_eq!(back, s);
    // An empty object is a new state.
    assert_eq!(
        PatientState::from_json(b"{}").unwrap(),
        PatientState::default()
    );
}

#[test]
fn alerts_serialise_with_contract_names_and_name_no_patient() {
    let mut s = PatientState::default();
    let u = step(
        &mut s,
        &observations(0, &[now(Reading::Systolic(85.0))]),
        &StreamConfig::default(),
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
fn config_defaults_and_partial_json() {
    let c: StreamConfig = serde_json::from_str(r#"{"freshness_ms": 1800000}"#).unwrap();
    assert_eq!(c.freshness_ms, 30 * MINUTE_MS);
    assert_eq!(c.rise_window_ms, 60 * MINUTE_MS);
    assert_eq!(c.rise_threshold, 2);
    assert_eq!(c.hypo_episode_gap_ms, 60 * MINUTE_MS);
}

/// What crosses JNI is `Severity::as_str`; it must be the name the contract (and serde) uses.
#[test]
fn severity_names_are_the_contracts() {
    use vitalflow_scoring::alerts::Severity;
    for (s, name) in [
        (Severity::Low, "LOW"),
        (Severity::Medium, "MEDIUM"),
        (Severity::High, "HIGH"),
    ] {
        assert_eq!(s.as_str(), name);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{name}\""));
    }
}
