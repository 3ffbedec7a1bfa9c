//! The contract agreement test: every enum of `schemas/*.avsc` has, in Rust,
//! the same symbols in the same order (ordinals cross JNI: `codec`, `news2`),
//! and the Rust topic table is `schemas/topics.tsv`. Reads the files from the
//! repository at test time, independently of the build-time embedding. The
//! Java half is `jvm-bridge/src/test/java/io/vitalflow/bridge/ContractTest.java`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use vitalflow_core::{GlucoseStatus, VitalKind};
use vitalflow_jni::{codec, news2 as jni_news2};
use vitalflow_schemas::topics::{self, CleanupPolicy, ValueFormat};
use vitalflow_scoring::alerts::AlertKind;
use vitalflow_scoring::news2::Band;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn collect_enums(node: &Value, file: &str, out: &mut BTreeMap<String, (String, Vec<String>)>) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("enum") {
                let name = map["name"].as_str().unwrap().to_string();
                let symbols: Vec<String> = map["symbols"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                if let Some((other, prev)) = out.get(&name) {
                    assert_eq!(
                        prev, &symbols,
                        "enum {name} differs between {other} and {file}"
                    );
                }
                out.insert(name, (file.to_string(), symbols));
            }
            map.values().for_each(|v| collect_enums(v, file, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_enums(v, file, out)),
        _ => {}
    }
}

/// Every named enum of `schemas/*.avsc`: name -> (file, symbols).
fn avsc_enums() -> BTreeMap<String, (String, Vec<String>)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(schemas_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "avsc") {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            collect_enums(&json, &file, &mut out);
        }
    }
    out
}

// One list per enum, checked complete by an exhaustive match: adding a Rust
// variant without adding it here does not compile.

fn vital_kinds() -> Vec<VitalKind> {
    // Generated from the schema, so it is complete by construction; the check
    // below still holds the Rust symbols and the Avro ones to each other.
    VitalKind::ALL.to_vec()
}

fn glucose_statuses() -> Vec<GlucoseStatus> {
    use GlucoseStatus::*;
    let all = vec![HypoL2, HypoL1, Normal, Hyper, HyperSevere];
    for g in &all {
        match g {
            HypoL2 | HypoL1 | Normal | Hyper | HyperSevere => {}
        }
    }
    all
}

fn bands() -> Vec<Band> {
    let all = vec![Band::Low, Band::LowMedium, Band::Medium, Band::High];
    for b in &all {
        match b {
            Band::Low | Band::LowMedium | Band::Medium | Band::High => {}
        }
    }
    all
}

fn alert_kinds() -> Vec<AlertKind> {
    use AlertKind::*;
    let all = vec![
        BandEscalation,
        SingleParameter3,
        GlucoseHypoL1,
        GlucoseHypoL2,
        News2Rise,
    ];
    for a in &all {
        match a {
            BandEscalation | SingleParameter3 | GlucoseHypoL1 | GlucoseHypoL2 | News2Rise => {}
        }
    }
    all
}

/// The serde name of a value (the contract name every Rust enum serialises to).
fn serde_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn symbols(enums: &BTreeMap<String, (String, Vec<String>)>, name: &str) -> Vec<String> {
    enums
        .get(name)
        .unwrap_or_else(|| panic!("no enum {name} in schemas/*.avsc"))
        .1
        .clone()
}

#[test]
fn every_avsc_enum_has_a_rust_enum_with_the_same_symbols_in_the_same_order() {
    let enums = avsc_enums();
    let checked = ["VitalKind", "GlucoseStatus", "News2Band", "AlertKind"];
    let unchecked: Vec<&String> = enums
        .keys()
        .filter(|n| !checked.contains(&n.as_str()))
        .collect();
    assert!(
        unchecked.is_empty(),
        "enums in schemas/*.avsc without a Rust counterpart in this test: {unchecked:?}"
    );

    let kinds = vital_kinds();
    assert_eq!(
        kinds.iter().map(serde_name).collect::<Vec<_>>(),
        symbols(&enums, "VitalKind")
    );
    for (i, k) in kinds.iter().enumerate() {
        assert_eq!(
            usize::from(codec::kind_ordinal(*k)),
            i,
            "JNI ordinal of {k:?}"
        );
    }

    let statuses = glucose_statuses();
    assert_eq!(
        statuses
            .iter()
            .map(|g| g.as_str().to_string())
            .collect::<Vec<_>>(),
        symbols(&enums, "GlucoseStatus")
    );
    assert_eq!(
        statuses.iter().map(serde_name).collect::<Vec<_>>(),
        symbols(&enums, "GlucoseStatus")
    );
    assert_eq!(codec::glucose_code(None), 0);
    for (i, g) in statuses.iter().enumerate() {
        assert_eq!(
            usize::from(codec::glucose_code(Some(*g))),
            i + 1,
            "JNI code of {g:?}"
        );
    }

    let bands = bands();
    assert_eq!(
        bands
            .iter()
            .map(|b| b.as_str().to_string())
            .collect::<Vec<_>>(),
        symbols(&enums, "News2Band")
    );
    assert_eq!(
        bands.iter().map(serde_name).collect::<Vec<_>>(),
        symbols(&enums, "News2Band")
    );
    for (i, b) in bands.iter().enumerate() {
        assert_eq!(usize::from(jni_news2::band_ordinal(*b)), i, "{b:?}");
    }

    let alerts = alert_kinds();
    assert_eq!(
        alerts
            .iter()
            .map(|a| a.as_str().to_string())
            .collect::<Vec<_>>(),
        symbols(&enums, "AlertKind")
    );
    assert_eq!(
        alerts.iter().map(serde_name).collect::<Vec<_>>(),
        symbols(&enums, "AlertKind")
    );
}

#[test]
fn the_rust_topic_table_is_topics_tsv() {
    let text = std::fs::read_to_string(schemas_dir().join("topics.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    assert!(rows.len() >= 7, "topics.tsv lists at least 7 topics");
    assert_eq!(rows.len(), topics::TOPICS.len());
    for (row, t) in rows.iter().zip(topics::TOPICS) {
        assert_eq!(row.len(), 5, "{row:?}");
        assert_eq!(row[0], t.name);
        assert_eq!(row[1].parse::<u32>().unwrap(), t.partitions, "{}", t.name);
        assert_eq!(row[2], t.cleanup_policy.as_str(), "{}", t.name);
        match t.value {
            ValueFormat::Bytes => assert_eq!(row[3], "bytes", "{}", t.name),
            ValueFormat::Avro { file, schema } => {
                assert_eq!(row[3], file, "{}", t.name);
                let on_disk = std::fs::read_to_string(schemas_dir().join(file)).unwrap();
                assert_eq!(schema, on_disk, "{file} embedded as it is on disk");
                assert_eq!(t.value_subject(), Some(format!("{}-value", t.name)));
            }
        }
        assert_eq!(row[4], t.description);
    }
    // the names the code uses are the file's names
    for (konst, name) in [
        (topics::HL7_RAW, "hl7.raw"),
        (topics::HL7_INVALID, "hl7.invalid"),
        (topics::VITALS_OBSERVATIONS, "vitals.observations"),
        (topics::VITALS_SCORES, "vitals.scores"),
        (topics::VITALS_ALERTS, "vitals.alerts"),
        (topics::PATIENTS, "patients"),
        (topics::PATIENTS_SETTINGS, "patients.settings"),
    ] {
        assert_eq!(konst, name);
        assert!(topics::get(name).is_some(), "{name} in topics.tsv");
    }
    assert_eq!(
        topics::get(topics::PATIENTS).unwrap().cleanup_policy,
        CleanupPolicy::Compact
    );
    // the JNI library encodes VitalSign rows with the schema topics.tsv names
    assert_eq!(
        topics::get(topics::VITALS_OBSERVATIONS)
            .unwrap()
            .value_schema(),
        Some(vitalflow_jni::avro::VITAL_SIGN_AVSC)
    );
}

#[test]
fn news2_jni_layout_follows_the_java_enums() {
    use vitalflow_scoring::news2::Parameter;
    // io.vitalflow.bridge.News2Parameter: RESP_RATE, SPO2, OXYGEN, SYSTOLIC, PULSE, CONSCIOUSNESS, TEMPERATURE
    for (i, p) in Parameter::ALL.iter().enumerate() {
        assert_eq!(jni_news2::parameter_bit(*p) as usize, i, "{p:?}");
    }
    assert_eq!(
        Parameter::ALL.map(|p| p.as_str().to_ascii_uppercase()),
        [
            "RESP_RATE",
            "SPO2",
            "OXYGEN",
            "SYSTOLIC",
            "PULSE",
            "CONSCIOUSNESS",
            "TEMPERATURE"
        ]
    );
    // io.vitalflow.bridge.News2.Consciousness: A, C, V, P, U
    let letters: Vec<char> = jni_news2::CONSCIOUSNESS_BY_ORDINAL
        .iter()
        .map(|c| c.letter())
        .collect();
    assert_eq!(letters, ['A', 'C', 'V', 'P', 'U']);
}

/// `Hl7Exception.Kind` in Java: `NAME(code, hl7ErrorCode)` per constant, in
/// declaration order (read from the source, so the two tables cannot drift).
fn java_error_kinds() -> Vec<(String, u16, u16)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../jvm-bridge/src/main/java/io/vitalflow/bridge/Hl7Exception.java");
    let src = std::fs::read_to_string(&path).unwrap();
    let body = &src[src.find("public enum Kind {").expect("enum Kind")..];
    let body = &body[..body.find(';').unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("/**") && !l.starts_with("public enum"))
        .map(|l| {
            let (name, rest) = l.split_once('(').unwrap_or_else(|| panic!("{l}"));
            let nums: Vec<u16> = rest
                .trim_end_matches([',', ')'])
                .trim_end_matches(')')
                .split(',')
                .map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{l}")))
                .collect();
            (name.to_string(), nums[0], nums[1])
        })
        .collect()
}

#[test]
fn java_error_kinds_are_the_core_error_table() {
    use vitalflow_core::error::ERROR_CODES;
    let java = java_error_kinds();
    let rust: Vec<(String, u16, u16)> = ERROR_CODES
        .iter()
        .map(|(code, name, hl7)| (name.to_string(), code.number(), *hl7))
        .collect();
    // Java adds UNKNOWN (code 0) for codes from a newer native library
    assert_eq!(
        java.last(),
        Some(&("UNKNOWN".to_string(), 0, 207)),
        "{java:?}"
    );
    assert_eq!(java[..java.len() - 1], rust[..]);
}
