//! What devices and EHRs actually send (issue 13): MDC units and codes, value
//! types, unreadable or coarse times, messages missing header fields or a
//! patient, composite elements in queries. Plus a property test: changing a
//! vital-sign OBX's OBX-2 to a non-numeric type removes exactly that row and
//! adds no error.

use proptest::prelude::*;
use vitalflow_core::vitals::{extract, extract_lenient, ExtractOptions, VitalKind, VitalSign};
use vitalflow_core::Consciousness;
use vitalflow_core::{query, ErrorKind, Message};

const MSH: &str = "MSH|^~\\&|MON-A|ICU-EAST|VF|HOSP|20261120060000||ORU^R01^ORU_R01|CTL1|P|2.6\r";
const PID: &str = "PID|1||P77^^^HOSP^MR||Doe^Jane\r";
const OBR: &str = "OBR|1|||VITALS|||20261120055000\r";

fn with(header: &str, obx: &[&str]) -> Vec<u8> {
    let mut m = String::from(header);
    for o in obx {
        m.push_str(o);
        m.push('\r');
    }
    m.into_bytes()
}

fn msg(obx: &[&str]) -> Vec<u8> {
    with(&format!("{MSH}{PID}{OBR}"), obx)
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

fn time(r: &VitalSign) -> String {
    r.observed_at
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[test]
fn mdc_150303_cuff_mean_is_mean_bp() {
    let r = one("OBX|1|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.1.1.3|93|266016^MDC_DIM_MMHG^MDC|||||R");
    assert_eq!(r.kind, VitalKind::MeanBp);
    assert!(close(r.normalized_value, 93.0));
}

#[test]
fn mdc_temperature_units() {
    // 266560 MDC_DIM_FAHR is °F.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||98.6|266560^MDC_DIM_FAHR^MDC|||||R");
    assert!(close(r.normalized_value, 37.0), "{r:?}");
    assert_eq!(r.unit.as_deref(), Some("266560"));
    // 268192 MDC_DIM_DEGC is °C.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||37.2|268192^MDC_DIM_DEGC^MDC|||||R");
    assert!(close(r.normalized_value, 37.2));
    // 268160 is not °F: alone it is an unknown unit, so a row without a normalized value.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||100.4|268160|||||R");
    assert_eq!((r.value, r.normalized_value), (Some(100.4), None));
    assert_eq!(r.normalized_unit, None);
    // An unknown code with a known mnemonic: the mnemonic decides.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||98.6|268224^MDC_DIM_FAHR^MDC|||||R");
    assert!(close(r.normalized_value, 37.0));
    assert_eq!(r.normalized_unit.as_deref(), Some("Cel"));
    // A known code wins over a contradicting mnemonic.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||37.0|268192^MDC_DIM_FAHR^MDC|||||R");
    assert!(close(r.normalized_value, 37.0));
    // A wholly unknown unit: row, null normalized value, never a guess.
    let r = one("OBX|1|NM|150364^MDC_TEMP_BODY^MDC||37.0|268224^MDC_DIM_WHATEVER^MDC|||||R");
    assert_eq!((r.value, r.normalized_value), (Some(37.0), None));
    let r = one("OBX|1|NM|8867-4^HR^LN||72|furlongs|||||F");
    assert_eq!((r.value, r.normalized_value), (Some(72.0), None));
}

#[test]
fn common_unit_spellings() {
    for (obx, want) in [
        ("OBX|1|NM|8310-5^T^LN||37.5|C|||||F", 37.5),
        ("OBX|1|NM|8310-5^T^LN||37.5|degC|||||F", 37.5),
        ("OBX|1|NM|8310-5^T^LN||37.5|°C|||||F", 37.5),
        ("OBX|1|NM|8310-5^T^LN||99.5|F|||||F", 37.5),
        ("OBX|1|NM|8310-5^T^LN||99.5|°F|||||F", 37.5),
        ("OBX|1|NM|8867-4^HR^LN||72|beats/min|||||F", 72.0),
        ("OBX|1|NM|9279-1^RR^LN||18|breaths/min|||||F", 18.0),
        ("OBX|1|NM|8480-6^SBP^LN||120|mm Hg|||||F", 120.0),
        ("OBX|1|NM|2339-0^Glu^LN||99|mg/dl|||||F", 99.0),
        ("OBX|1|NM|2339-0^Glu^LN||5.5|mmol/l|||||F", 99.088),
    ] {
        let r = one(obx);
        assert!(close(r.normalized_value, want), "{obx}: {r:?}");
    }
}

#[test]
fn obx2_decides_how_obx5_is_read() {
    // ST that is a plain decimal number is read as NM.
    let r = one("OBX|1|ST|8867-4^HR^LN||72|/min|||||F");
    assert_eq!(r.value, Some(72.0));
    // Any other value type on a numeric kind: no row, no error.
    for obx in [
        "OBX|1|NA|8867-4^HR^LN||72^73^71^70|/min|||||F",
        "OBX|1|RP|8867-4^HR^LN||http://pacs/wave/1^URI^text^plain|/min|||||F",
        "OBX|1|ED|8867-4^HR^LN||MON^AP^octet-stream^Base64^QUJD|/min|||||F",
        "OBX|1|CWE|8867-4^HR^LN||72^Seventy-two^L|/min|||||F",
        "OBX|1|TX|8867-4^HR^LN||about seventy|/min|||||F",
        "OBX|1|ST|8867-4^HR^LN||seventy|/min|||||F",
        "OBX|1|ST|8867-4^HR^LN||>120|/min|||||F",
    ] {
        let x = extract_lenient(&msg(&[obx]), &ExtractOptions::default()).unwrap();
        assert!(x.rows.is_empty() && x.errors.is_empty(), "{obx}: {x:?}");
    }
    // SN as before; NM with components is an error naming NM, not SN.
    let r = one("OBX|1|SN|8480-6^SBP^LN||98|mm[Hg]|||||F");
    assert_eq!((r.value, r.comparator.as_deref()), (Some(98.0), None));
    let r = one("OBX|1|SN|8480-6^SBP^LN||>^250|mm[Hg]|||||F");
    assert_eq!((r.value, r.comparator.as_deref()), (Some(250.0), Some(">")));
    let e = extract(
        &msg(&["OBX|1|NM|8480-6^SBP^LN||>^250|mm[Hg]|||||F"]),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::BadNumber(_)));
    let text = e.to_string();
    assert!(text.contains("OBX-5 (value type NM)"), "{text}");
    assert!(!text.contains("SN"), "{text}");
    assert_eq!(e.field, Some(5));
    let e = extract(
        &msg(&["OBX|1|SN|8480-6^SBP^LN||>^abc|mm[Hg]|||||F"]),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("OBX-5 (value type SN)"), "{e}");
    // Consciousness reads its coded value whatever the type.
    let r = one("OBX|1|CWE|ACVPU^ACVPU^L||V^Voice^L||||||F");
    assert_eq!(r.text.as_deref(), Some("V"));
}

#[test]
fn first_repetition_of_obx5_is_the_value() {
    let r = one("OBX|1|NM|8867-4^HR^LN||72~75~80|/min|||||F");
    assert_eq!(r.value, Some(72.0));
    let r = one("OBX|1|SN|8867-4^HR^LN||<^40~^50|/min|||||F");
    assert_eq!((r.value, r.comparator.as_deref()), (Some(40.0), Some("<")));
}

#[test]
fn empty_obx6_takes_the_implied_unit() {
    let r = one("OBX|1|NM|59408-5^SpO2^LN||96||||||F");
    assert_eq!(
        (r.unit.as_deref(), r.normalized_unit.as_deref()),
        (None, Some("%"))
    );
    assert!(close(r.normalized_value, 96.0));
    // Glucose by its LOINC property: mass codes mg/dL, molar codes mmol/L.
    let r = one("OBX|1|NM|2339-0^Glu^LN||99||||||F");
    assert!(close(r.normalized_value, 99.0));
    let r = one("OBX|1|NM|14743-9^Glu^LN||5.5||||||F");
    assert!(close(r.normalized_value, 99.088), "{r:?}");
    // No implied unit: temperature, MDC glucose.
    let r = one("OBX|1|NM|8310-5^T^LN||37.0||||||F");
    assert_eq!((r.value, r.normalized_value), (Some(37.0), None));
    let r = one("OBX|1|NM|160184^MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD^MDC||99||||||F");
    assert_eq!(
        (r.value, r.normalized_value, r.glucose_status),
        (Some(99.0), None, None)
    );
}

#[test]
fn unreadable_timestamps_count_as_absent() {
    // OBX-14 APERIODIC -> OBR-7.
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||APERIODIC");
    assert_eq!(time(&r), "2026-11-20T05:50:00Z");
    // OBX-14 and OBR-7 unreadable -> MSH-7.
    let m = with(
        &format!("{MSH}{PID}OBR|1|||VITALS|||UNKNOWN\r"),
        &["OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||APERIODIC"],
    );
    let r = extract(&m, &ExtractOptions::default()).unwrap();
    assert_eq!(time(&r[0]), "2026-11-20T06:00:00Z");
}

#[test]
fn reduced_precision_timestamps() {
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||2026112015");
    assert_eq!(time(&r), "2026-11-20T15:00:00Z");
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||202611201530+0100");
    assert_eq!(time(&r), "2026-11-20T14:30:00Z");
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||20261120");
    assert_eq!(time(&r), "2026-11-20T00:00:00Z");
}

#[test]
fn no_readable_time_is_an_error_for_that_obx_only() {
    let m = with(
        "MSH|^~\\&|MON|ICU|||NOW||ORU^R01|CTL2|P|2.6\rPID|1||P1\r",
        &[
            "OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||20261120055900",
            "OBX|2|NM|9279-1^RR^LN||18|/min|||||F|||APERIODIC",
            "OBX|3|NM|59408-5^SpO2^LN||97|%|||||F",
        ],
    );
    let x = extract_lenient(&m, &ExtractOptions::default()).unwrap();
    assert_eq!(x.rows.len(), 1);
    assert_eq!(x.rows[0].obx_index, 1);
    assert_eq!(x.errors.len(), 2);
    for (e, seg) in x.errors.iter().zip([4, 5]) {
        assert!(matches!(e.kind, ErrorKind::MissingRequiredField(_)), "{e}");
        assert_eq!(
            (e.segment.as_deref(), e.segment_index, e.field),
            (Some("OBX"), Some(seg), Some(14))
        );
        assert!(
            e.to_string().contains("no readable observation time"),
            "{e}"
        );
    }
    assert!(x.errors[0].to_string().contains("\"APERIODIC\""));
    assert!(x.errors[1].to_string().contains("MSH-7 \"NOW\""));
    // The strict form reports the first.
    assert_eq!(
        extract(&m, &ExtractOptions::default()).unwrap_err(),
        x.errors[0]
    );
}

#[test]
fn messages_without_a_patient_still_give_rows() {
    let m = with(
        "MSH|^~\\&|MINDRAY_D-SERIES^00A037009A0053DE^EUI-64|MINDRAY|||20261120060000+0000||ORU^R01^ORU_R01|91|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r\
PID|||^^^Hospital^PI||^^^^^^L\r\
PV1||I|ICU-2^^BED07\r\
OBR|1||91^MINDRAY_D-SERIES^00A037009A0053DE^EUI-64|182777000^monitoring of patient^SNOMED-CT|||20261120060000+0000\r",
        &["OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.7.4.150456|97|262688^MDC_DIM_PERCENT^MDC|||||R|||20261120060000+0000||||00A037009A0053DE^^00A037009A0053DE^EUI-64"],
    );
    let x = extract_lenient(&m, &ExtractOptions::default()).unwrap();
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    assert_eq!(x.rows.len(), 1);
    let r = &x.rows[0];
    assert_eq!(r.patient_id, None);
    assert_eq!(r.patient_id_authority.as_deref(), Some("Hospital"));
    assert_eq!(r.location.as_deref(), Some("ICU-2^^BED07"));
    assert_eq!(r.device_id.as_deref(), Some("00A037009A0053DE"));
    assert_eq!(r.sending_application.as_deref(), Some("MINDRAY_D-SERIES"));
    assert_eq!(r.sending_facility.as_deref(), Some("MINDRAY"));
    // Stored, never scored: scoring skips rows without a patient (vitalflow-scoring, CLI `score`).
    let json = serde_json::to_value(r).unwrap();
    assert!(json["patient_id"].is_null());
    // Without any PID segment, too.
    let m = with(
        "MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C3|P|2.6\r",
        &["OBX|1|NM|8867-4^HR^LN||72|/min|||||F"],
    );
    let r = extract(&m, &ExtractOptions::default()).unwrap();
    assert_eq!((r.len(), r[0].patient_id.as_deref()), (1, None));
}

#[test]
fn sending_application_and_facility_are_on_every_row() {
    let r = one("OBX|1|NM|8867-4^HR^LN||72|/min|||||F");
    assert_eq!(r.sending_application.as_deref(), Some("MON-A"));
    assert_eq!(r.sending_facility.as_deref(), Some("ICU-EAST"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["sending_application"], "MON-A");
    assert_eq!(json["sending_facility"], "ICU-EAST");
    // HD with namespace, universal id and type: the namespace only.
    let m = with(
        "MSH|^~\\&|GW^1.2.3^ISO|WARD\\T\\3^4.5.6^ISO|||20261120060000||ORU^R01|C4|P|2.5\rPID|1||P1\r",
        &["OBX|1|NM|8867-4^HR^LN||72|/min|||||F"],
    );
    let r = extract(&m, &ExtractOptions::default()).unwrap();
    assert_eq!(r[0].sending_application.as_deref(), Some("GW"));
    assert_eq!(r[0].sending_facility.as_deref(), Some("WARD&3"));
    // Absent: null.
    let m = with(
        "MSH|^~\\&||||||ORU^R01|C5|P|2.5\rPID|1||P1\rOBR|1|||V|||20261120060000\r",
        &["OBX|1|NM|8867-4^HR^LN||72|/min|||||F"],
    );
    let r = extract(&m, &ExtractOptions::default()).unwrap();
    assert_eq!(
        (
            r[0].sending_application.as_deref(),
            r[0].sending_facility.as_deref()
        ),
        (None, None)
    );
}

#[test]
fn snomed_consciousness_codes() {
    let r = one("OBX|1|CWE|ACVPU^ACVPU^L||130987000^Acute confusion^SCT||||||F");
    assert_eq!(r.text.as_deref(), Some("C"));
    let r = one("OBX|1|CWE|ACVPU^ACVPU^L||300202002^Responds to voice^SCT||||||F");
    assert_eq!(r.text.as_deref(), Some("V"));
    assert_eq!(
        r.text.as_deref().unwrap().parse::<Consciousness>().ok(),
        Some(Consciousness::V)
    );
}

#[test]
fn query_answers_without_msh9_or_msh10() {
    let m = b"MSH|^~\\&|MON|ICU|||20261120060000|||||2.6\rPID|1||P9\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";
    let parsed = Message::parse(m).unwrap();
    assert_eq!(query(m, "MSH-3").unwrap().as_deref(), Some("MON"));
    assert_eq!(query(m, "MSH-9").unwrap().as_deref(), Some(""));
    assert_eq!(query(m, "MSH-10").unwrap().as_deref(), Some(""));
    assert_eq!(query(m, "PID-3-1").unwrap().as_deref(), Some("P9"));
    // Extraction needs MSH-10; ingestion needs MSH-9 and MSH-10.
    let e = extract(m, &ExtractOptions::default()).unwrap_err();
    assert_eq!((e.segment.as_deref(), e.field), (Some("MSH"), Some(10)));
    assert_eq!(parsed.require_header().unwrap_err().field, Some(9));
    // A header cut off before MSH-9 is still queryable.
    let m = b"MSH|^~\\&|MON|ICU|||2026112006";
    assert_eq!(query(m, "MSH-7").unwrap().as_deref(), Some("2026112006"));
    assert_eq!(query(m, "MSH-9").unwrap(), None);
}

#[test]
fn composite_elements_are_returned_as_sent() {
    let m = b"MSH|^~\\&|EHR|HOSP|||20261120060000||ADT^A08|C1|P|2.5\rPID|1||P1^^^H&1.2&ISO||DOE^JOHN\\S\\X^Q\r";
    assert_eq!(
        query(m, "PID-5").unwrap().as_deref(),
        Some("DOE^JOHN\\S\\X^Q")
    );
    assert_eq!(query(m, "PID-5-2").unwrap().as_deref(), Some("JOHN^X"));
    assert_eq!(query(m, "PID-5-1").unwrap().as_deref(), Some("DOE"));
    assert_eq!(query(m, "PID-3-4").unwrap().as_deref(), Some("H&1.2&ISO"));
    assert_eq!(query(m, "PID-3-4-2").unwrap().as_deref(), Some("1.2"));
    assert_eq!(query(m, "MSH-9").unwrap().as_deref(), Some("ADT^A08"));
}

#[test]
fn msh2_of_three_characters() {
    // No subcomponent separator declared: `&` is plain text.
    let m = b"MSH|^~\\|MON|A&B|||20261120060000||ORU^R01|C1|P|2.3\rPID|1||P1^^^H&X\rOBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";
    assert_eq!(query(m, "MSH-2").unwrap().as_deref(), Some("^~\\"));
    assert_eq!(query(m, "MSH-3").unwrap().as_deref(), Some("MON"));
    assert_eq!(query(m, "MSH-4").unwrap().as_deref(), Some("A&B"));
    let r = extract(m, &ExtractOptions::default()).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].patient_id_authority.as_deref(), Some("H&X"));
}

// ------------------------------------------------------------------ property

/// Numeric vital-sign OBX as (code^text^system, value, unit).
const VITALS: &[(&str, &str, &str)] = &[
    ("8867-4^HR^LN", "72", "/min"),
    ("9279-1^RR^LN", "18", "/min"),
    ("59408-5^SpO2^LN", "97", "%"),
    ("8480-6^SBP^LN", "120", "mm[Hg]"),
    ("8310-5^Temp^LN", "37.2", "Cel"),
    ("2339-0^Glucose^LN", "99", "mg/dL"),
    (
        "150456^MDC_PULS_OXIM_SAT_O2^MDC",
        "96",
        "262688^MDC_DIM_PERCENT^MDC",
    ),
    (
        "150303^MDC_PRESS_CUFF_MEAN^MDC",
        "93",
        "266016^MDC_DIM_MMHG^MDC",
    ),
    (
        "150364^MDC_TEMP_BODY^MDC",
        "98.6",
        "268224^MDC_DIM_FAHR^MDC",
    ),
    ("3150-0^FiO2^LN", "28", "%"),
];

/// Value types that are not numeric.
const OTHER_TYPES: &[&str] = &[
    "NA", "RP", "ED", "CWE", "CE", "TX", "FT", "DT", "TS", "CF", "MA",
];

fn obx_line(i: usize, vt: &str, v: (usize, bool)) -> String {
    let (code, value, unit) = VITALS[v.0];
    let value = if v.1 {
        format!("=^{value}")
    } else {
        value.to_string()
    };
    let vt = if v.1 && vt == "NM" { "SN" } else { vt };
    format!("OBX|{i}|{vt}|{code}||{value}|{unit}|||||F")
}

proptest! {
    #[test]
    fn a_non_numeric_value_type_removes_exactly_that_row(
        obx in prop::collection::vec((0..VITALS.len(), any::<bool>()), 1..8),
        noise in prop::collection::vec(any::<bool>(), 8),
        pick in any::<prop::sample::Index>(),
        other in prop::sample::select(OTHER_TYPES),
    ) {
        // Vital-sign OBX, with a non-vital OBX (sodium) sprinkled in between.
        let build = |changed: Option<usize>| -> Vec<u8> {
            let mut lines = Vec::new();
            for (k, v) in obx.iter().enumerate() {
                if noise[k] {
                    lines.push("OBX|1|NM|2951-2^Sodium^LN||140|mmol/L|||||F".to_string());
                }
                let vt = if changed == Some(k) { other } else { "NM" };
                lines.push(obx_line(k + 1, vt, *v));
            }
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            msg(&refs)
        };
        let k = pick.index(obx.len());
        let before = extract_lenient(&build(None), &ExtractOptions::default()).unwrap();
        let after = extract_lenient(&build(Some(k)), &ExtractOptions::default()).unwrap();
        prop_assert!(before.errors.is_empty());
        prop_assert_eq!(before.rows.len(), obx.len());
        prop_assert!(after.errors.is_empty(), "{:?}", after.errors);
        let removed = before.rows[k].obx_index;
        let expected: Vec<VitalSign> =
            before.rows.iter().filter(|r| r.obx_index != removed).cloned().collect();
        prop_assert_eq!(after.rows, expected);
    }
}
