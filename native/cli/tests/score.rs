//! `vitalflow score`: a feed through the shared streaming rules.

use std::io::Write;
use std::process::{Command, Stdio};

#[allow(clippy::too_many_arguments)] // one argument per vital sign reads best here
fn message(
    ctrl: &str,
    time: &str,
    rr: u32,
    spo2: u32,
    sbp: u32,
    hr: u32,
    avpu: &str,
    temp: f64,
) -> String {
    format!(
        "MSH|^~\\&|MON|ICU|VF|HOSP|{time}||ORU^R01|{ctrl}|P|2.5\r\
PID|1||P1^^^HOSP^MR\r\
OBR|1|||VITALS|||{time}\r\
OBX|1|NM|9279-1^RR^LN||{rr}|/min|||||F\r\
OBX|2|NM|59408-5^SpO2^LN||{spo2}|%|||||F\r\
OBX|3|NM|3150-0^FiO2^LN||21|%|||||F\r\
OBX|4|NM|8480-6^SBP^LN||{sbp}|mm[Hg]|||||F\r\
OBX|5|NM|8867-4^HR^LN||{hr}|/min|||||F\r\
OBX|6|ST|ACVPU^ACVPU^L||{avpu}||||||F\r\
OBX|7|NM|8310-5^Temp^LN||{temp}|Cel|||||F\r"
    )
}

fn run(args: &[&str], stdin: &str) -> (i32, Vec<serde_json::Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vitalflow"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), lines)
}

#[test]
fn escalation_scores_and_alerts_once() {
    let feed = [
        message("C1", "20261120060000", 16, 97, 125, 72, "A", 36.8),
        // RR 26 (3), SpO2 90 (3), SBP 95 (2), HR 118 (2), A (0), 38.4 (1): 11, HIGH
        message("C2", "20261120061500", 26, 90, 95, 118, "A", 38.4),
        message("C3", "20261120063000", 26, 90, 95, 118, "A", 38.4),
    ]
    .concat();
    let (code, lines) = run(&["score"], &feed);
    assert_eq!(code, 0);
    let scores: Vec<_> = lines.iter().filter(|l| l["type"] == "score").collect();
    assert_eq!(scores[0]["score"]["total"], 0);
    assert_eq!(scores[0]["score"]["band"], "LOW");
    assert_eq!(scores[1]["score"]["total"], 11);
    assert_eq!(scores[1]["score"]["band"], "HIGH");
    assert_eq!(scores[1]["message_control_id"], "C2");
    let escalations: Vec<_> = lines
        .iter()
        .filter(|l| l["type"] == "alert" && l["alert"]["kind"] == "BAND_ESCALATION")
        .collect();
    assert_eq!(escalations.len(), 1, "{lines:#?}");
    assert_eq!(escalations[0]["message_control_id"], "C2");
    // The third, identical reading raises nothing new.
    assert!(lines
        .iter()
        .all(|l| l["message_control_id"] != "C3" || l["type"] != "alert"));

    let (code, summary) = run(&["score", "--summary"], &feed);
    assert_eq!(code, 0);
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["patient_id"], "P1");
    assert_eq!(summary[0]["band"], "HIGH");
}

#[test]
fn a_bad_obx_fails_the_run_but_keeps_the_rest() {
    let feed = message("C1", "20261120060000", 16, 97, 125, 72, "A", 36.8)
        .replace("||16|/min", "||1x|/min");
    let (code, lines) = run(&["score"], &feed);
    assert_eq!(code, 1);
    // RR is missing from the set, the other six parameters are scored.
    assert_eq!(
        lines[0]["score"]["missing"],
        serde_json::json!(["resp_rate"])
    );
}

/// A message with the given OBX rows `(code, value, unit)`; `pid` None: no PID segment.
fn obx_message(ctrl: &str, time: &str, pid: Option<&str>, rows: &[(&str, &str, &str)]) -> String {
    let mut m = format!("MSH|^~\\&|MON|ICU|VF|HOSP|{time}||ORU^R01|{ctrl}|P|2.5\r");
    if let Some(pid) = pid {
        m += &format!("PID|1||{pid}^^^HOSP^MR\r");
    }
    m += &format!("OBR|1|||VITALS|||{time}\r");
    for (i, (code, value, unit)) in rows.iter().enumerate() {
        let vt = if *code == "ACVPU" { "ST" } else { "NM" };
        m += &format!("OBX|{}|{vt}|{code}^X^LN||{value}|{unit}|||||F\r", i + 1);
    }
    m
}

#[test]
fn a_late_message_is_scored_at_the_patient_clock() {
    let normal = [
        ("9279-1", "16", "/min"),
        ("59408-5", "97", "%"),
        ("3150-0", "21", "%"),
        ("8480-6", "120", "mm[Hg]"),
        ("8867-4", "70", "/min"),
        ("ACVPU", "A", ""),
        ("8310-5", "37.0", "Cel"),
    ];
    let feed = [
        obx_message("C1", "20261120060000", Some("P1"), &normal),
        obx_message(
            "C2",
            "20261120063000",
            Some("P1"),
            &[("8310-5", "37.1", "Cel")],
        ),
        // Observed at 06:15, delivered after 06:30: RR 26 scores 3.
        obx_message(
            "C3",
            "20261120061500",
            Some("P1"),
            &[("9279-1", "26", "/min")],
        ),
    ]
    .concat();
    let (code, lines) = run(&["score"], &feed);
    assert_eq!(code, 0);
    let brief: Vec<String> = lines
        .iter()
        .map(|l| {
            let what = if l["type"] == "score" {
                format!("score {}", l["score"]["total"])
            } else {
                l["alert"]["kind"].as_str().unwrap().to_string()
            };
            format!(
                "{} {} {what}",
                l["message_control_id"].as_str().unwrap(),
                l["at"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            "C1 2026-11-20T06:00:00Z score 0",
            "C2 2026-11-20T06:30:00Z score 0",
            "C3 2026-11-20T06:30:00Z score 3",
            "C3 2026-11-20T06:30:00Z BAND_ESCALATION",
            "C3 2026-11-20T06:15:00Z SINGLE_PARAMETER_3",
            "C3 2026-11-20T06:30:00Z NEWS2_RISE",
        ]
    );
    assert_eq!(lines[3]["alert"]["at"], 1_795_156_200_000i64);
}

#[test]
fn rows_without_a_patient_are_not_scored_and_not_an_error() {
    let feed = [
        obx_message("C1", "20261120060000", None, &[("8867-4", "135", "/min")]),
        obx_message(
            "C2",
            "20261120060500",
            Some("P2"),
            &[("2339-0", "50", "mg/dL")],
        ),
    ]
    .concat();
    let (code, lines) = run(&["score"], &feed);
    assert_eq!(code, 0);
    let kinds: Vec<_> = lines
        .iter()
        .map(|l| (l["patient_id"].clone(), l["alert"]["kind"].clone()))
        .collect();
    // 50 mg/dL entering an episode is one event: HYPO_L2 alone.
    assert_eq!(
        kinds,
        [(
            serde_json::json!("P2"),
            serde_json::json!("GLUCOSE_HYPO_L2")
        )]
    );
}

#[test]
fn receipts_flag_a_fast_device_clock_and_training_messages_are_not_scored() {
    // C1 is stamped 14:00 but was received at 08:00 (a monitor 6 h fast): it
    // is scored at 08:00. C2, a correct clock at 08:15, is then fresh and
    // scored, where a 14:00 clock would have left it stale.
    let feed = [
        message("C1", "20261120140000", 16, 97, 125, 72, "A", 36.8),
        message("C2", "20261120081500", 16, 97, 125, 135, "A", 36.8),
        message("C3", "20261120083000", 26, 97, 125, 72, "A", 36.8).replace("|C3|P|", "|C3|T|"),
    ]
    .concat();
    let dir = std::env::temp_dir().join(format!("vf-receipts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let receipts = dir.join("receipts.tsv");
    std::fs::write(
        &receipts,
        "C1\t2026-11-20T08:00:00Z\nMON\tICU\tC2\t2026-11-20T08:15:00Z\nC3\t2026-11-20T08:30:00Z\n",
    )
    .unwrap();
    let r = receipts.to_str().unwrap();
    let (code, lines) = run(&["score", "--receipts", r], &feed);
    assert_eq!(code, 0);
    let scores: Vec<_> = lines
        .iter()
        .filter(|l| l["type"] == "score")
        .map(|l| (l["at"].clone(), l["score"]["total"].clone()))
        .collect();
    assert_eq!(
        scores,
        [
            (
                serde_json::json!("2026-11-20T08:00:00Z"),
                serde_json::json!(0)
            ),
            (
                serde_json::json!("2026-11-20T08:15:00Z"),
                serde_json::json!(3)
            ),
        ],
        "the training message C3 (RR 26) is not scored"
    );
    // Without receipts MSH-7 is the receipt: C1's clock runs 6 h ahead and
    // C2 is stale when it arrives (what a fast clock did before issue 23).
    let (_, lines) = run(&["score"], &feed);
    assert_eq!(lines.iter().filter(|l| l["type"] == "score").count(), 1);
    // --score-training scores C3.
    let (_, lines) = run(&["score", "--receipts", r, "--score-training"], &feed);
    assert_eq!(lines.iter().filter(|l| l["type"] == "score").count(), 3);
    let _ = std::fs::remove_dir_all(dir);
}
