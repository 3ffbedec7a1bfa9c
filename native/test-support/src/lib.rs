//! Test plumbing for vitalflow's Rust integration tests, used only as a
//! dev-dependency (and by the `avro_interop` example that the Java
//! cross-language test drives):
//!
//! - [`stack`]: finds the local stack (`tests/stack/stack.sh ensure`);
//! - [`samples`]: fixed records both languages check;
//! - [`registry`]: the Schema Registry client (`schema_registry_converter`,
//!   blocking HTTP), kept here so no HTTP client reaches the JNI library.

pub mod stack;

pub mod registry {
    //! The registry client the integration tests use, re-exported from
    //! `schema_registry_converter`, and the settings for the local stack.
    pub use schema_registry_converter::blocking::avro::{AvroDecoder, AvroEncoder};
    pub use schema_registry_converter::blocking::schema_registry::{
        get_schema_by_subject, post_schema, SrSettings,
    };
    pub use schema_registry_converter::schema_registry_common::{
        SchemaType, SubjectNameStrategy, SuppliedSchema,
    };

    /// Settings for the registry of the running local stack (started if needed).
    pub fn local_settings() -> Result<SrSettings, String> {
        crate::stack::ensure().map(|env| SrSettings::new(env.registry_url))
    }
}

/// A fixed `VitalSign` used by the cross-language tests (the Java side checks these values).
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
