//! Vital-sign extraction rules (docs/contract.md "Vital signs").

use vitalflow_core::glucose::GlucoseStatus;
use vitalflow_core::vitals::{extract, ExtractOptions, VitalKind, VitalSign};
use vitalflow_core::ErrorKind;

fn msg(obx: &[&str]) -> Vec<u8> {
    let mut m = String::from(
        "MSH|^~\\&|MON|ICU|VF|HOSP|20261120060000||ORU^R01^ORU_R01|CTL9|P|2.6\r\
PID|1||P77^^^HOSP^MR||Doe^Jane\r\
PV1|1|I|ICU^BED04^1||||||||||||||||ENC5\r\
OBR|1|||VITALS|||20261120055000\r",
    );
    for o in obx {
        m.push_str(o);
        m.push('\r');
    }
    m.into_bytes()
}

fn rows(obx: &[&str]) -> Vec<VitalSign> {
    extract(&msg(obx), &ExtractOptions::default()).unwrap()
}

fn one(obx: &str) -> VitalSign {
    let mut r = rows(&[obx]);
    assert_eq!(r.len(), 1, "{obx}");
    r.remove(0)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn row_fields_come_from_the_right_places() {
    let r = one("OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R|||20261120055930+0000||||MON-17^^HOSP");
    assert_eq!(r.message_control_id, "CTL9");
    assert_eq!(r.obx_index, 1);
    assert_eq!(r.set_id.as_deref(), Some("3"));
    assert_eq!(r.patient_id.as_deref(), Some("P77"));
    assert_eq!(r.patient_id_authority.as_deref(), Some("HOSP"));
    assert_eq!(r.encounter_id.as_deref(), Some("ENC5"));
    assert_eq!(r.location.as_deref(), Some("ICU^BED04^1"));
    assert_eq!(r.kind, VitalKind::Spo2);
    assert_eq!(
        (r.code.as_str(), r.code_system.as_deref()),
        ("150456", Some("MDC"))
    );
    assert_eq!((r.value, r.unit.as_deref()), (Some(97.0), Some("262688")));
    assert_eq!(
        (r.normalized_value, r.normalized_unit.as_deref()),
        (Some(97.0), Some("%"))
    );
    assert_eq!(r.status.as_deref(), Some("R"));
    assert_eq!(r.device_id.as_deref(), Some("MON-17"));
    assert_eq!(
        r.observed_at.unwrap().to_rfc3339(),
        "2026-11-20T05:59:30+00:00"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["observed_at"], "2026-11-20T05:59:30Z");
    assert_eq!(json["kind"], "SPO2");
}

#[test]
fn time_precedence_obx14_then_obr7_then_msh7() {
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||20261120055500");
    assert_eq!(
        r.observed_at.unwrap().to_rfc3339(),
        "2026-11-20T05:55:00+00:00"
    );
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F");
    assert_eq!(
        r.observed_at.unwrap().to_rfc3339(),
        "2026-11-20T05:50:00+00:00"
    );
    let no_obr = b"MSH|^~\\&|MON|ICU|||20261120070000+0100||ORU^R01|C1|P|2.5\rPID|1||P1\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";
    let r = extract(no_obr, &ExtractOptions::default()).unwrap();
    assert_eq!(
        r[0].observed_at.unwrap().to_rfc3339(),
        "2026-11-20T06:00:00+00:00"
    );
    // No offset: read in the configured zone.
    let opts = ExtractOptions {
        zone: chrono_tz::America::Chicago,
        ..Default::default()
    };
    let r = extract(
        &msg(&["OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||20261120055500"]),
        &opts,
    )
    .unwrap();
    assert_eq!(
        r[0].observed_at.unwrap().to_rfc3339(),
        "2026-11-20T11:55:00+00:00"
    );
}

#[test]
fn units_are_normalised() {
    let t = one("OBX|1|NM|8310-5^Temp^LN||101.3|[degF]|||||F");
    assert!(close(t.normalized_value, 38.5), "{:?}", t.normalized_value);
    assert_eq!(t.normalized_unit.as_deref(), Some("Cel"));
    assert_eq!(t.unit.as_deref(), Some("[degF]"));
    let t = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||37.2|268192^MDC_DIM_DEGC^MDC|||||F");
    assert!(close(t.normalized_value, 37.2));
    let g = one("OBX|1|NM|14743-9^Glucose^LN||3.2|mmol/L|||||F");
    assert!(close(g.normalized_value, 57.6512));
    assert_eq!(g.normalized_unit.as_deref(), Some("mg/dL"));
    assert_eq!(g.glucose_status, Some(GlucoseStatus::HypoL1));
    let g = one("OBX|1|NM|2339-0^Glucose^LN||45|mg/dL|||||F");
    assert_eq!(g.glucose_status, Some(GlucoseStatus::HypoL2));
    let bp = one("OBX|1|NM|8480-6^SBP^LN||16|kPa|||||F");
    assert!(close(bp.normalized_value, 120.00992));
    assert_eq!(bp.normalized_unit.as_deref(), Some("mm[Hg]"));
    let hr = one("OBX|1|NM|8867-4^HR^LN||88|bpm|||||F");
    assert!(close(hr.normalized_value, 88.0));
    let hr = one("OBX|1|NM|8867-4^HR^LN||88||||||F");
    assert_eq!(
        hr.normalized_unit.as_deref(),
        Some("/min"),
        "implied unit for heart rate"
    );
    // A temperature without a unit cannot be normalised: Cel or [degF] is not guessed.
    let t = one("OBX|1|NM|8310-5^Temp^LN||37.0||||||F");
    assert_eq!((t.value, t.normalized_value), (Some(37.0), None));
    // A unit that does not fit the kind leaves the value un-normalised.
    let t = one("OBX|1|NM|8867-4^HR^LN||37.0|mmHg|||||F");
    assert_eq!(t.normalized_value, None);
    let flow = one("OBX|1|NM|3151-8^O2 flow^LN||2|L/min|||||F");
    assert_eq!(
        (flow.kind, flow.normalized_unit.as_deref()),
        (VitalKind::InspiredO2, Some("L/min"))
    );
}

#[test]
fn sn_values_keep_the_comparator() {
    let r = one("OBX|1|SN|8480-6^SBP^LN||>^220|mm[Hg]|||||F");
    assert_eq!((r.value, r.comparator.as_deref()), (Some(220.0), Some(">")));
    let r = one("OBX|1|SN|8480-6^SBP^LN||^120|mm[Hg]|||||F");
    assert_eq!((r.value, r.comparator), (Some(120.0), None));
}

#[test]
fn exclusions_are_not_errors() {
    let r = rows(&[
        "OBX|1|NM|8867-4^HR^LN||70|/min|||||X",
        "OBX|2|NM|8867-4^HR^LN||71|/min|||||D",
        "OBX|3|NM|8867-4^HR^LN||72|/min|||||W",
        "OBX|4|NM|8867-4^HR^LN|||/min|||||F",
        "OBX|5|NM|8867-4^HR^LN||\"\"|/min|||||F",
        "OBX|6|NM|147842^MDC_ECG_HEART_RATE^MDC||8388607|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F",
        "OBX|7|NM|2951-2^Sodium^LN||140|mmol/L|||||F",
        "OBX|8|NM|8867-4^HR^LN||73|/min|||||F",
    ]);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].obx_index, r[0].value), (8, Some(73.0)));
}

#[test]
fn consciousness_letters_and_snomed() {
    let r = one("OBX|1|ST|ACVPU^Level of consciousness^99LOCAL||V||||||F");
    assert_eq!(
        (r.kind, r.text.as_deref(), r.value),
        (VitalKind::Consciousness, Some("V"), None)
    );
    let r = one("OBX|1|CWE|ACVPU^ACVPU^L||422768004^Unresponsive^SCT||||||F");
    assert_eq!(r.text.as_deref(), Some("U"));
    let e = extract(
        &msg(&["OBX|1|ST|ACVPU^ACVPU^L||sleepy||||||F"]),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        (e.segment.as_deref(), e.segment_index, e.field),
        (Some("OBX"), Some(5), Some(5))
    );
}

#[test]
fn a_bad_number_is_an_error_with_its_position() {
    let m = msg(&["OBX|1|NM|8867-4^HR^LN||7O|/min|||||F"]);
    let e = extract(&m, &ExtractOptions::default()).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::BadNumber(_)), "{e}");
    assert_eq!(
        (e.segment.as_deref(), e.segment_index, e.field),
        (Some("OBX"), Some(5), Some(5))
    );
    assert_eq!(&m[e.offset.unwrap()..e.offset.unwrap() + 2], b"7O");
    // The message names the field and the value type that was read.
    assert!(e.to_string().contains("OBX-5 (value type NM)"), "{e}");
    // An unreadable OBX-14 counts as absent: the time comes from OBR-7.
    let r = one("OBX|1|NM|8867-4^HR^LN||70|/min|||||F|||2026-11-20");
    assert_eq!(
        r.observed_at.unwrap().to_rfc3339(),
        "2026-11-20T05:50:00+00:00"
    );
}

#[test]
fn site_codes_extend_the_table_without_a_rebuild() {
    let codes = vitalflow_core::codes::CodeTable::builtin()
        .with_site_codes("99ICU\tRR-IMP\tRESPIRATORY_RATE\t/min\t/min\tImpedance RR\n")
        .unwrap();
    let opts = ExtractOptions {
        codes,
        ..Default::default()
    };
    let r = extract(&msg(&["OBX|1|NM|RR-IMP^Resp^99ICU||18|/min|||||F"]), &opts).unwrap();
    assert_eq!(r[0].kind, VitalKind::RespiratoryRate);
    assert!(extract(
        &msg(&["OBX|1|NM|RR-IMP^Resp^99ICU||18|/min|||||F"]),
        &ExtractOptions::default()
    )
    .unwrap()
    .is_empty());
}
