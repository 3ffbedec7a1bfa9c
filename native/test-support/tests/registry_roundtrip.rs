//! Against the real registry of the local stack (tests/stack/stack.sh): Rust encodes and decodes
//! in the Confluent wire format with `schema_registry_converter`, and the registry refuses an
//! incompatible change. The Java side of the cross-language check is
//! the Java `CrossLanguageIT` (it drives this crate's `examples/avro_interop.rs`).

use apache_avro::types::Value;
use vitalflow_schemas::avsc::VITAL_SIGN_AVSC;
use vitalflow_schemas::topics::{self, value_subject};
use vitalflow_test_support::registry::{
    get_schema_by_subject, post_schema, AvroDecoder, AvroEncoder, SchemaType, SrSettings,
    SubjectNameStrategy, SuppliedSchema,
};
use vitalflow_test_support::{samples, stack};

const NEEDS_STACK: &str = "needs the local stack (tests/stack/stack.sh up)";

fn settings() -> SrSettings {
    let env = stack::ensure().unwrap_or_else(|e| panic!("{NEEDS_STACK}: {e}"));
    SrSettings::new(env.registry_url)
}

fn supplied(schema: String) -> SuppliedSchema {
    SuppliedSchema::new(None, SchemaType::Avro, schema)
}

#[test]
#[ignore = "needs the local stack (tests/stack/stack.sh up)"]
fn every_schema_is_registered_under_its_topic_value_subject() {
    let sr = settings();
    for t in topics::avro() {
        let (topic, text) = (t.name, t.value_schema().unwrap());
        let strategy = SubjectNameStrategy::TopicNameStrategy(topic.to_string(), false);
        let registered =
            get_schema_by_subject(&sr, &strategy).unwrap_or_else(|e| panic!("{topic}: {e}"));
        let ours = apache_avro::Schema::parse_str(text).unwrap();
        let theirs = apache_avro::Schema::parse_str(&registered.schema).unwrap();
        assert_eq!(
            ours.canonical_form(),
            theirs.canonical_form(),
            "{topic} under {}",
            value_subject(topic)
        );
    }
}

#[test]
#[ignore = "needs the local stack (tests/stack/stack.sh up)"]
fn vital_sign_round_trips_in_confluent_wire_format() {
    let sr = settings();
    let strategy =
        SubjectNameStrategy::TopicNameStrategy(topics::VITALS_OBSERVATIONS.into(), false);
    let id = get_schema_by_subject(&sr, &strategy).unwrap().id;
    let bytes = AvroEncoder::new(sr.clone())
        .encode(samples::vital_sign(), &strategy)
        .unwrap();
    assert_eq!(bytes[0], 0, "magic byte");
    assert_eq!(
        u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]),
        id,
        "schema id"
    );

    let decoded = AvroDecoder::new(sr).decode(Some(&bytes)).unwrap();
    assert_eq!(
        decoded.name.unwrap().fullname(None),
        "io.vitalflow.avro.VitalSign"
    );
    let Value::Record(fields) = decoded.value else {
        panic!("not a record")
    };
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        get("patient_id"),
        Value::Union(1, Box::new(Value::String("P-RUST".into())))
    );
    assert_eq!(get("kind"), Value::Enum(0, "TEMPERATURE".into()));
    assert_eq!(
        get("observed_at"),
        Value::TimestampMicros(samples::OBSERVED_AT_MICROS)
    );
    assert_eq!(
        get("normalized_value"),
        Value::Union(1, Box::new(Value::Double(38.5)))
    );
    assert_eq!(
        get("glucose_status"),
        Value::Union(0, Box::new(Value::Null))
    );
}

#[test]
#[ignore = "needs the local stack (tests/stack/stack.sh up)"]
fn registry_refuses_an_incompatible_change() {
    let sr = settings();
    // a new required field without a default: data written with the old schema cannot be read
    let incompatible = VITAL_SIGN_AVSC.replacen(
        "\"fields\": [",
        "\"fields\": [{\"name\": \"ward_required\", \"type\": \"string\", \"doc\": \"no default\"},",
        1,
    );
    let err = post_schema(
        &sr,
        value_subject(topics::VITALS_OBSERVATIONS),
        supplied(incompatible),
    )
    .expect_err("the registry must refuse an incompatible schema under BACKWARD");
    let msg = err.to_string();
    assert!(
        msg.contains("409") || msg.to_lowercase().contains("incompatible"),
        "refusal: {msg}"
    );
}
