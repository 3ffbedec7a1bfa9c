//! Issue 23's scenarios, from HL7 bytes through extraction
//! (`vitalflow_core::vitals::extract_lenient_received`), the one function
//! that turns rows into steps (`observation::message_steps`) and the rules
//! (`alerts::step`): the path `vitalflow score` and the Flink job both take,
//! so one set of scenarios holds both.

use chrono::{DateTime, TimeZone, Utc};
use vitalflow_core::glucose::GlucoseThresholds;
use vitalflow_core::vitals::{extract_lenient_received, ExtractOptions};
use vitalflow_scoring::alerts::{step, Alert, AlertKind, PatientState, StreamConfig, Update};
use vitalflow_scoring::glucose::GlucoseStatus;
use vitalflow_scoring::news2::Band;
use vitalflow_scoring::observation::message_steps;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d%H%M%S").to_string()
}

/// An ORU for patient P1 with the given OBX bodies (`code|value|unit`),
/// observed at `observed`, MSH-11 `processing`.
fn oru(control: &str, observed: DateTime<Utc>, processing: &str, obx: &[&str]) -> Vec<u8> {
    let mut m = format!(
        "MSH|^~\\&|MON|WARD|VF|HOSP|{}||ORU^R01|{control}|{processing}|2.6\rPID|||P1^^^HOSP^MR\rOBR|1||||||{}\r",
        ts(observed),
        ts(observed)
    );
    for (i, o) in obx.iter().enumerate() {
        let parts: Vec<&str> = o.split('|').collect();
        m.push_str(&format!(
            "OBX|{}|{}|{}^^LN||{}|{}|||||F\r",
            i + 1,
            if parts[0] == "ACVPU" { "CWE" } else { "NM" },
            parts[0],
            parts[1],
            parts[2]
        ));
    }
    m.into_bytes()
}

/// Normal vitals except the pulse (70 scores 0): total 0 when A, 37.0.
fn vitals(pulse: u32, consciousness: Option<&str>) -> Vec<String> {
    let mut v = vec![
        "9279-1|16|/min".to_string(),
        "59408-5|97|%".to_string(),
        "8480-6|120|mm[Hg]".to_string(),
        format!("8867-4|{pulse}|/min"),
        "8310-5|37.0|Cel".to_string(),
        "3150-0|21|%".to_string(),
    ];
    if let Some(c) = consciousness {
        v.push(format!("ACVPU|{c}|"));
    }
    v
}

struct Ward {
    state: PatientState,
    options: ExtractOptions,
    config: StreamConfig,
}

impl Ward {
    fn new() -> Ward {
        Ward {
            state: PatientState::default(),
            options: ExtractOptions::default(),
            config: StreamConfig::default(),
        }
    }

    /// Applies one message received at `received`.
    fn send(&mut self, msg: &[u8], received: DateTime<Utc>) -> Update {
        let x = extract_lenient_received(msg, &self.options, Some(received)).unwrap();
        assert!(x.errors.is_empty(), "{:?}", x.errors);
        let steps = message_steps(&x.rows, &self.config);
        let mut out = Update::default();
        for s in steps.steps {
            let u = step(&mut self.state, &s.observations, &self.config);
            out.score = u.score.or(out.score);
            out.clock = u.clock;
            out.alerts.extend(u.alerts);
            out.ignored.extend(u.ignored);
        }
        out
    }
}

fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
    alerts.iter().map(|a| a.kind).collect()
}

fn strs(obx: &[String]) -> Vec<&str> {
    obx.iter().map(String::as_str).collect()
}

#[test]
fn a_monitor_six_hours_fast_neither_moves_the_clock_nor_silences_the_ward() {
    let mut w = Ward::new();
    // Received at 08:00, stamped 14:00: a clock error, scored at 08:00.
    let fast = oru("F1", t(14, 0), "P", &strs(&vitals(70, Some("A"))));
    let x = extract_lenient_received(&fast, &w.options, Some(t(8, 0))).unwrap();
    assert!(x.rows.iter().all(|r| r.clock_error));
    assert!(
        x.rows.iter().all(|r| r.observed_at == Some(t(14, 0))),
        "kept as sent"
    );
    let u = w.send(&fast, t(8, 0));
    assert_eq!(u.clock, Some(t(8, 0).timestamp_millis()));
    // A correct monitor 15 minutes later: pulse 135 scores and alerts.
    let ok = oru("F2", t(8, 15), "P", &strs(&vitals(135, Some("A"))));
    let u = w.send(&ok, t(8, 15));
    assert_eq!(u.clock, Some(t(8, 15).timestamp_millis()));
    let score = u.score.expect("scored");
    assert_eq!(score.total, 3);
    assert!(kinds(&u.alerts).contains(&AlertKind::SingleParameter3));
    // Within the tolerance (5 minutes) is not an error.
    let x = extract_lenient_received(
        &oru("F3", t(8, 20), "P", &["8867-4|70|/min"]),
        &w.options,
        Some(t(8, 16)),
    )
    .unwrap();
    assert!(!x.rows[0].clock_error);
    let steps = message_steps(&x.rows, &w.config);
    assert_eq!(steps.clock_errors, 0);
}

#[test]
fn a_correct_reading_taken_before_a_fast_clocks_receipt_still_replaces_it() {
    let mut w = Ward::new();
    // The fast monitor's message (stamped 14:00) arrives at 08:10: scored at 08:10, pulse 72.
    let fast = oru("F1", t(14, 0), "P", &strs(&vitals(72, Some("A"))));
    let u = w.send(&fast, t(8, 10));
    assert_eq!(u.score.expect("scored").total, 0);
    // A correct monitor's pulse of 135, taken at 08:05 and delivered at 08:12. The fast
    // reading's true time is unknown (08:10 is only when it arrived), so arrival order decides:
    // the correct reading replaces it and alerts, with its own time.
    let ok = oru("F2", t(8, 5), "P", &strs(&vitals(135, Some("A"))));
    let u = w.send(&ok, t(8, 12));
    assert!(u.ignored.is_empty(), "{:?}", u.ignored);
    assert_eq!(
        u.clock,
        Some(t(8, 10).timestamp_millis()),
        "the clock never goes back"
    );
    assert_eq!(u.score.expect("scored").total, 3);
    let sp3: Vec<&Alert> = u
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::SingleParameter3)
        .collect();
    assert_eq!(sp3.len(), 1, "{:?}", u.alerts);
    assert_eq!(sp3[0].at, t(8, 5).timestamp_millis());
    // A second correct reading older than the kept correct one is out of order, as always.
    let older = oru("F3", t(8, 4), "P", &["8867-4|70|/min"]);
    let u = w.send(&older, t(8, 13));
    assert_eq!(u.ignored.len(), 1, "{:?}", u.ignored);
    assert!(u.score.is_none());
}

#[test]
fn acvpu_charted_45_minutes_late_is_scored_and_alerts() {
    let mut w = Ward::new();
    w.send(
        &oru("A1", t(9, 0), "P", &strs(&vitals(70, Some("A")))),
        t(9, 0),
    );
    w.send(
        &oru("A2", t(9, 30), "P", &strs(&vitals(70, None))),
        t(9, 30),
    );
    // New confusion observed at 09:00, charted at 09:45.
    let late = oru("A3", t(9, 0), "P", &["ACVPU|C|"]);
    let x = extract_lenient_received(&late, &w.options, Some(t(9, 45))).unwrap();
    assert!(!x.rows[0].clock_error, "late is not a clock error");
    let u = w.send(&late, t(9, 45));
    // The charted C replaces the older A (both at 09:00: the later row wins)
    // and scores 3.
    let score = u.score.expect("the set changed");
    assert_eq!(score.total, 3);
    assert_eq!(
        kinds(&u.alerts),
        [
            AlertKind::BandEscalation,
            AlertKind::SingleParameter3,
            AlertKind::News2Rise
        ]
    );
    assert_eq!(
        u.alerts[1].at,
        t(9, 0).timestamp_millis(),
        "at the reading's time"
    );
}

#[test]
fn fio2_charted_as_a_fraction_is_oxygen() {
    let mut w = Ward::new();
    let mut obx = vitals(70, Some("A"));
    obx.retain(|o| !o.starts_with("3150-0"));
    obx.push("3150-0|0.40|".to_string());
    let msg = oru("O1", t(10, 0), "P", &strs(&obx));
    let x = extract_lenient_received(&msg, &w.options, Some(t(10, 0))).unwrap();
    let fio2 = x.rows.iter().find(|r| r.code == "3150-0").unwrap();
    assert_eq!(fio2.normalized_value, Some(40.0));
    assert_eq!(fio2.normalized_unit.as_deref(), Some("%"));
    let u = w.send(&msg, t(10, 0));
    let score = u.score.unwrap();
    assert_eq!(score.total, 2, "2 points for oxygen");
    // Unit `1` is a fraction too; an explicit `%` is taken as sent.
    for (unit, want) in [("1", 40.0), ("%", 0.4)] {
        let m = oru("O2", t(10, 5), "P", &[&format!("3150-0|0.40|{unit}")]);
        let r = &extract_lenient_received(&m, &w.options, None).unwrap().rows[0];
        assert!((r.normalized_value.unwrap() - want).abs() < 1e-9, "{unit}");
    }
}

#[test]
fn training_and_debugging_messages_are_stored_but_never_scored() {
    let w = Ward::new();
    for id in ["T", "D"] {
        let msg = oru("T1", t(11, 0), id, &strs(&vitals(135, Some("V"))));
        let x = extract_lenient_received(&msg, &w.options, None).unwrap();
        assert_eq!(x.rows.len(), 7, "rows are still extracted and stored");
        assert!(x
            .rows
            .iter()
            .all(|r| r.processing_id.as_deref() == Some(id)));
        let steps = message_steps(&x.rows, &w.config);
        assert!(steps.not_scored_processing_id);
        assert!(steps.steps.is_empty());
    }
    // A training system allows T; D stays unscored.
    let training = StreamConfig {
        scored_processing_ids: vec!["P".into(), "T".into()],
        ..StreamConfig::default()
    };
    let msg = oru("T2", t(11, 0), "T", &strs(&vitals(135, Some("V"))));
    let x = extract_lenient_received(&msg, &w.options, None).unwrap();
    assert_eq!(message_steps(&x.rows, &training).steps.len(), 1);
    let msg = oru("T3", t(11, 0), "D", &strs(&vitals(135, Some("V"))));
    let x = extract_lenient_received(&msg, &w.options, None).unwrap();
    assert!(message_steps(&x.rows, &training).not_scored_processing_id);
}

#[test]
fn a_first_reading_of_45_mg_dl_raises_hypo_l2_alone() {
    let mut w = Ward::new();
    let u = w.send(&oru("G1", t(9, 0), "P", &["2339-0|45|mg/dL"]), t(9, 1));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
    assert_eq!(u.alerts[0].glucose_status, Some(GlucoseStatus::HypoL2));
    assert_eq!(
        u.alerts[0].message,
        "Glucose 45.0 mg/dL: level 2 hypoglycaemia (< 54 mg/dL)"
    );
}

#[test]
fn a_glucometer_docked_three_hours_late_alerts_at_its_own_time() {
    let mut w = Ward::new();
    // The monitors keep the patient's clock at 12:00.
    w.send(
        &oru("V1", t(12, 0), "P", &strs(&vitals(70, Some("A")))),
        t(12, 0),
    );
    // 45 mg/dL taken at 09:00, uploaded at 12:05.
    let u = w.send(&oru("G1", t(9, 0), "P", &["2339-0|45|mg/dL"]), t(12, 5));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
    let a = &u.alerts[0];
    assert_eq!(a.at, t(9, 0).timestamp_millis());
    assert_eq!(
        a.message,
        "Glucose 45.0 mg/dL: level 2 hypoglycaemia (< 54 mg/dL); taken 2026-11-20T09:00Z, arrived 2026-11-20T12:05Z (185 min late)"
    );
    // The same upload again (a resend): nothing more.
    let u = w.send(&oru("G1", t(9, 0), "P", &["2339-0|45|mg/dL"]), t(12, 6));
    assert!(u.alerts.is_empty());
}

#[test]
fn a_late_glucose_joins_an_episode_and_raises_only_what_it_has_not() {
    let mut w = Ward::new();
    w.send(&oru("G1", t(9, 0), "P", &["2339-0|65|mg/dL"]), t(9, 0));
    // L1 raised at 09:00. A reading of 50 at 08:40 arrives late: same
    // episode (20 minutes apart), which has not reached level 2: HYPO_L2.
    let u = w.send(&oru("G2", t(8, 40), "P", &["2339-0|50|mg/dL"]), t(9, 30));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
    assert_eq!(u.alerts[0].at, t(8, 40).timestamp_millis());
    // Another late one at 08:50 (60): joins, everything raised: nothing.
    let u = w.send(&oru("G3", t(8, 50), "P", &["2339-0|60|mg/dL"]), t(9, 31));
    assert!(u.alerts.is_empty());
    // A late reading two hours before starts its own episode: it alerts.
    let u = w.send(&oru("G4", t(6, 30), "P", &["2339-0|62|mg/dL"]), t(9, 32));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL1]);
    assert_eq!(u.alerts[0].at, t(6, 30).timestamp_millis());
}

#[test]
fn a_resent_glucose_reading_raises_nothing_even_after_a_later_reading_split_its_episode() {
    // Found by props.rs: 50 at 10:00 (HYPO_L2); 65 at 09:25 arrives late and
    // joins that episode (nothing new); 72 at 09:26 arrives and splits it.
    // A resend of the 09:25 message must not now raise a HYPO_L1: what a
    // reading raises is decided when it first arrives.
    let mut w = Ward::new();
    let u = w.send(&oru("G1", t(10, 0), "P", &["2339-0|50|mg/dL"]), t(10, 0));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
    let late = oru("G2", t(9, 25), "P", &["2339-0|65|mg/dL"]);
    assert!(w.send(&late, t(10, 30)).alerts.is_empty());
    let u = w.send(&oru("G3", t(9, 26), "P", &["2339-0|72|mg/dL"]), t(10, 31));
    assert!(u.alerts.is_empty());
    assert!(w.send(&late, t(10, 32)).alerts.is_empty());
    // A corrected value at the same time is a new reading and is judged.
    let u = w.send(&oru("G4", t(9, 25), "P", &["2339-0|48|mg/dL"]), t(10, 33));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
}

#[test]
fn mmol_l_glucose_is_judged_in_mmol_l_by_the_sites_thresholds() {
    // 3.9 mmol/L: NORMAL under ADA (< 3.9), HYPO_L1 under JBDS (< 4.0).
    let msg = oru("M1", t(9, 0), "P", &["14743-9|3.9|mmol/L"]);
    let mut ada = Ward::new();
    let x = extract_lenient_received(&msg, &ada.options, None).unwrap();
    assert_eq!(x.rows[0].glucose_status, Some(GlucoseStatus::Normal));
    assert!(ada.send(&msg, t(9, 0)).alerts.is_empty());

    let jbds = GlucoseThresholds {
        hypo_l1_mmol_l: 4.0,
        ..GlucoseThresholds::default()
    };
    let mut uk = Ward::new();
    uk.options.glucose = jbds;
    uk.config.glucose = jbds;
    let x = extract_lenient_received(&msg, &uk.options, None).unwrap();
    assert_eq!(x.rows[0].glucose_status, Some(GlucoseStatus::HypoL1));
    let u = uk.send(&msg, t(9, 0));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL1]);
    assert_eq!(
        u.alerts[0].message,
        "Glucose 3.9 mmol/L: hypoglycaemia (< 4 mmol/L)"
    );
    // 2.9 mmol/L is level 2 under both.
    let u = ada.send(&oru("M2", t(9, 10), "P", &["14743-9|2.9|mmol/L"]), t(9, 10));
    assert_eq!(kinds(&u.alerts), [AlertKind::GlucoseHypoL2]);
}

#[test]
fn an_alert_stays_open_through_expired_values() {
    // Pulse 135 (3) at 09:00, then only a glucose for 90 minutes: the values
    // expire and the score that says so is LOW but not complete, so it can
    // never close the open alert in the warehouse (open_alerts closes only on
    // a complete score that clears it); nothing re-fires either.
    let mut w = Ward::new();
    let u = w.send(
        &oru("E1", t(9, 0), "P", &strs(&vitals(135, Some("A")))),
        t(9, 0),
    );
    assert_eq!(
        u.score.as_ref().map(|s| (s.total, s.complete)),
        Some((3, true))
    );
    assert!(kinds(&u.alerts).contains(&AlertKind::SingleParameter3));
    let u = w.send(&oru("E2", t(10, 30), "P", &["2339-0|100|mg/dL"]), t(10, 30));
    let s = u.score.expect("the values expired");
    assert_eq!((s.total, s.band, s.complete), (0, Band::Low, false));
    assert!(u.alerts.is_empty());
}
