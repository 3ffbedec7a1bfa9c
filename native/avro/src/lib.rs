//! The vitalflow Avro schemas, embedded from `schemas/*.avsc` (the single source, shared with the
//! Java module `schemas/`), and the helper that integration tests use to find the local stack.
//!
//! Records are written in the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
//! Avro binary) with `schema_registry_converter` against the registry's Confluent-compatible API,
//! under the subject `<topic>-value` (see [`value_subject`]).

pub mod stack;

use apache_avro::Schema;

/// `VitalSign`: one vital-sign observation, topic `vitals.observations`.
pub const VITAL_SIGN_AVSC: &str = include_str!("../../../schemas/VitalSign.avsc");
/// `VitalsScore`: a NEWS2 score, topic `vitals.scores`.
pub const VITALS_SCORE_AVSC: &str = include_str!("../../../schemas/VitalsScore.avsc");
/// `VitalsAlert`: a clinical alert, topic `vitals.alerts`.
pub const VITALS_ALERT_AVSC: &str = include_str!("../../../schemas/VitalsAlert.avsc");
/// `Patient`: patient and encounter data from ADT, topic `patients`.
pub const PATIENT_AVSC: &str = include_str!("../../../schemas/Patient.avsc");

/// Topic, record name and schema text of every Avro topic (SPEC.md "Kafka topics and schemas").
pub const TOPIC_SCHEMAS: [(&str, &str, &str); 4] = [
    ("vitals.observations", "VitalSign", VITAL_SIGN_AVSC),
    ("vitals.scores", "VitalsScore", VITALS_SCORE_AVSC),
    ("vitals.alerts", "VitalsAlert", VITALS_ALERT_AVSC),
    ("patients", "Patient", PATIENT_AVSC),
];

/// The namespace of every record.
pub const NAMESPACE: &str = "io.vitalflow.avro";

/// The registry subject of a topic's values: `<topic>-value`.
pub fn value_subject(topic: &str) -> String {
    format!("{topic}-value")
}

/// The schema text of a topic, if it is one of the Avro topics.
pub fn schema_text(topic: &str) -> Option<&'static str> {
    TOPIC_SCHEMAS
        .iter()
        .find(|(t, _, _)| *t == topic)
        .map(|(_, _, s)| *s)
}

/// The parsed schema of a topic, if it is one of the Avro topics.
pub fn schema(topic: &str) -> Option<Schema> {
    schema_text(topic).map(|s| Schema::parse_str(s).expect("embedded schemas parse (tested)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use apache_avro::types::{Record, Value};

    #[test]
    fn all_schemas_parse_with_their_names() {
        for (topic, name, text) in TOPIC_SCHEMAS {
            let s = Schema::parse_str(text).unwrap();
            match &s {
                Schema::Record(r) => {
                    assert_eq!(r.name.name(), name);
                    assert_eq!(r.name.namespace(), Some(NAMESPACE));
                    assert!(r.doc.is_some(), "{name} has a doc");
                    for f in &r.fields {
                        assert!(f.doc.is_some(), "{name}.{} has a doc", f.name);
                    }
                }
                other => panic!("{topic}: not a record: {other:?}"),
            }
            assert_eq!(value_subject(topic), format!("{topic}-value"));
        }
        assert!(schema("hl7.raw").is_none());
    }

    #[test]
    fn vital_sign_round_trips_through_avro_binary() {
        let s = schema("vitals.observations").unwrap();
        let mut r = Record::new(&s).unwrap();
        r.put("message_control_id", "M1");
        r.put("obx_index", 1);
        r.put(
            "set_id",
            Value::Union(1, Box::new(Value::String("1".into()))),
        );
        r.put(
            "patient_id",
            Value::Union(1, Box::new(Value::String("P1".into()))),
        );
        r.put("kind", Value::Enum(6, "SPO2".into()));
        r.put("code", "59408-5");
        r.put("value", Value::Union(1, Box::new(Value::Double(95.0))));
        r.put("observed_at", Value::TimestampMicros(1_795_564_800_000_000));
        for f in [
            "patient_id_authority",
            "encounter_id",
            "location",
            "code_system",
            "comparator",
            "text",
            "unit",
            "normalized_value",
            "normalized_unit",
            "status",
            "device_id",
            "glucose_status",
            "sending_application",
            "sending_facility",
        ] {
            r.put(f, Value::Union(0, Box::new(Value::Null)));
        }
        let bytes = apache_avro::writer::datum::GenericDatumWriter::builder(&s)
            .build()
            .unwrap()
            .write_value_to_vec(r)
            .unwrap();
        let back = apache_avro::reader::datum::GenericDatumReader::builder(&s)
            .build()
            .unwrap()
            .read_value(&mut bytes.as_slice())
            .unwrap();
        let Value::Record(fields) = back else {
            panic!("not a record")
        };
        assert_eq!(
            fields[7],
            ("kind".to_string(), Value::Enum(6, "SPO2".into()))
        );
        assert_eq!(
            fields[16],
            (
                "observed_at".to_string(),
                Value::TimestampMicros(1_795_564_800_000_000)
            )
        );
    }
}

/// A fixed `VitalSign` used by the cross-language tests (the Java side checks these values).
#[doc(hidden)]
pub mod samples {
    use apache_avro::types::Value;

    /// `observed_at` of [`vital_sign`]: 2026-11-20T06:00:00.000123Z in microseconds.
    pub const OBSERVED_AT_MICROS: i64 = 1_795_154_400_000_123;

    /// Field values of a temperature reading of patient `P-RUST`, in schema order.
    pub fn vital_sign() -> Vec<(&'static str, Value)> {
        let s = |v: &str| Value::String(v.to_string());
        // nullable fields are unions ["null", T]: branch 1 holds a value, branch 0 null
        let some = |v: Value| Value::Union(1, Box::new(v));
        let none = || Value::Union(0, Box::new(Value::Null));
        vec![
            ("message_control_id", s("MSG-RUST-1")),
            ("obx_index", Value::Int(2)),
            ("set_id", some(s("2"))),
            ("patient_id", some(s("P-RUST"))),
            ("patient_id_authority", some(s("HOSP"))),
            ("encounter_id", some(s("E-42"))),
            ("location", some(s("WARD7^12^A"))),
            ("kind", Value::Enum(0, "TEMPERATURE".into())),
            ("code", s("8310-5")),
            ("code_system", some(s("LN"))),
            ("value", some(Value::Double(101.3))),
            ("comparator", none()),
            ("text", none()),
            ("unit", some(s("[degF]"))),
            ("normalized_value", some(Value::Double(38.5))),
            ("normalized_unit", some(s("Cel"))),
            ("observed_at", Value::TimestampMicros(OBSERVED_AT_MICROS)),
            ("status", some(s("F"))),
            ("device_id", some(s("MON-0042"))),
            ("glucose_status", none()),
            ("sending_application", some(s("MON-RUST"))),
            ("sending_facility", some(s("ICU"))),
        ]
    }
}
