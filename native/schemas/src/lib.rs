//! The vitalflow contract for Rust, from the repository's `schemas/` directory
//! (shared with the Java module `schemas/`):
//!
//! - [`avsc`]: every `schemas/*.avsc`, embedded once at build time;
//! - [`topics`]: `schemas/topics.tsv`, parsed at build time into one constant
//!   per topic name and a table of partitions, cleanup policies and value
//!   formats; a topic's registry subject is `<topic>-value`;
//! - [`framing`]: the Confluent wire format (magic byte 0, 4-byte big-endian
//!   schema id, Avro datum).
//!
//! No HTTP client and no registry client: this crate goes into the JNI library
//! that Kafka Connect and Flink load. The registry round trip lives in
//! `vitalflow-test-support`.
//!
//! ```
//! use vitalflow_schemas::topics::{self, ValueFormat};
//! assert_eq!(topics::VITALS_OBSERVATIONS, "vitals.observations");
//! let t = topics::get(topics::VITALS_OBSERVATIONS).unwrap();
//! assert_eq!(t.value_subject().as_deref(), Some("vitals.observations-value"));
//! assert!(matches!(t.value, ValueFormat::Avro { file: "VitalSign.avsc", .. }));
//! assert_eq!(topics::get(topics::HL7_RAW).unwrap().value_subject(), None);
//! ```

use apache_avro::Schema;

/// The `schemas/*.avsc` files, one constant each (`VitalSign.avsc` is
/// [`avsc::VITAL_SIGN_AVSC`]), and [`avsc::AVSC_FILES`].
pub mod avsc {
    include!(concat!(env!("OUT_DIR"), "/avsc.rs"));

    /// The text of `schemas/<file>`, if there is such a file.
    pub fn by_file(file: &str) -> Option<&'static str> {
        AVSC_FILES.iter().find(|(f, _)| *f == file).map(|(_, t)| *t)
    }
}

pub mod topics {
    //! The topics of `schemas/topics.tsv`: one constant per topic name
    //! (`hl7.raw` is [`HL7_RAW`]) and [`TOPICS`], the table in file order.

    include!(concat!(env!("OUT_DIR"), "/topics.rs"));

    /// The `cleanup.policy` of a topic.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum CleanupPolicy {
        Delete,
        Compact,
    }

    impl CleanupPolicy {
        /// The Kafka config value: `delete` or `compact`.
        pub fn as_str(self) -> &'static str {
            match self {
                CleanupPolicy::Delete => "delete",
                CleanupPolicy::Compact => "compact",
            }
        }
    }

    /// What a topic's record values are.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ValueFormat {
        /// Raw bytes (HL7 v2 messages as received).
        Bytes,
        /// Avro in the Confluent wire format, with the schema of `schemas/<file>`.
        Avro {
            file: &'static str,
            schema: &'static str,
        },
    }

    /// One row of `schemas/topics.tsv`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Topic {
        pub name: &'static str,
        pub partitions: u32,
        pub cleanup_policy: CleanupPolicy,
        pub value: ValueFormat,
        pub description: &'static str,
    }

    impl Topic {
        /// The registry subject of the topic's values, `<topic>-value`, for Avro topics.
        pub fn value_subject(&self) -> Option<String> {
            match self.value {
                ValueFormat::Avro { .. } => Some(value_subject(self.name)),
                ValueFormat::Bytes => None,
            }
        }

        /// The value schema text, for Avro topics.
        pub fn value_schema(&self) -> Option<&'static str> {
            match self.value {
                ValueFormat::Avro { schema, .. } => Some(schema),
                ValueFormat::Bytes => None,
            }
        }
    }

    /// The topic named `name`, if `topics.tsv` lists it.
    pub fn get(name: &str) -> Option<&'static Topic> {
        TOPICS.iter().find(|t| t.name == name)
    }

    /// The Avro topics, in file order.
    pub fn avro() -> impl Iterator<Item = &'static Topic> {
        TOPICS
            .iter()
            .filter(|t| matches!(t.value, ValueFormat::Avro { .. }))
    }

    /// The registry subject of a topic's values: `<topic>-value` (TopicNameStrategy).
    pub fn value_subject(topic: &str) -> String {
        format!("{topic}-value")
    }
}

pub mod framing {
    //! The Confluent wire format: magic byte 0, the schema id as a 4-byte
    //! big-endian integer, then the Avro datum.
    //!
    //! ```
    //! use vitalflow_schemas::framing;
    //! let mut out = Vec::new();
    //! framing::write_header(&mut out, 7);
    //! out.extend_from_slice(b"datum");
    //! assert_eq!(framing::split(&out), Ok((7, &b"datum"[..])));
    //! assert!(framing::split(&[1, 0, 0, 0, 7]).is_err());
    //! ```

    use std::fmt;

    /// The first byte of every framed record.
    pub const MAGIC: u8 = 0;
    /// Magic byte and schema id.
    pub const HEADER_LEN: usize = 5;

    /// Appends the 5-byte header for `schema_id`.
    pub fn write_header(out: &mut Vec<u8>, schema_id: u32) {
        out.push(MAGIC);
        out.extend_from_slice(&schema_id.to_be_bytes());
    }

    /// Why bytes are not a framed record.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum FramingError {
        /// Fewer than [`HEADER_LEN`] bytes.
        TooShort(usize),
        /// The first byte is not [`MAGIC`].
        BadMagic(u8),
    }

    impl fmt::Display for FramingError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                FramingError::TooShort(n) => write!(
                    f,
                    "{n} bytes: a Confluent-framed record has at least {HEADER_LEN}"
                ),
                FramingError::BadMagic(b) => {
                    write!(
                        f,
                        "magic byte {b}, expected {MAGIC} (Confluent wire format)"
                    )
                }
            }
        }
    }

    impl std::error::Error for FramingError {}

    /// The schema id and the datum of a framed record.
    pub fn split(bytes: &[u8]) -> Result<(u32, &[u8]), FramingError> {
        if bytes.len() < HEADER_LEN {
            return Err(FramingError::TooShort(bytes.len()));
        }
        if bytes[0] != MAGIC {
            return Err(FramingError::BadMagic(bytes[0]));
        }
        let id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        Ok((id, &bytes[HEADER_LEN..]))
    }
}

/// The namespace of every record.
pub const NAMESPACE: &str = "io.vitalflow.avro";

/// The parsed value schema of a topic, if it is an Avro topic.
pub fn schema(topic: &str) -> Option<Schema> {
    topics::get(topic)
        .and_then(topics::Topic::value_schema)
        .map(|s| Schema::parse_str(s).expect("embedded schemas parse (tested)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use apache_avro::types::{Record, Value};

    #[test]
    fn all_schemas_parse_with_their_names() {
        let mut seen = 0;
        for (file, text) in avsc::AVSC_FILES {
            let name = file.trim_end_matches(".avsc");
            let s = Schema::parse_str(text).unwrap();
            seen += 1;
            match &s {
                Schema::Record(r) => {
                    assert_eq!(r.name.name(), name);
                    assert_eq!(r.name.namespace(), Some(NAMESPACE));
                    assert!(r.doc.is_some(), "{name} has a doc");
                    for f in &r.fields {
                        assert!(f.doc.is_some(), "{name}.{} has a doc", f.name);
                    }
                }
                other => panic!("{file}: not a record: {other:?}"),
            }
        }
        assert_eq!(seen, 5, "the five schemas/*.avsc files");
        for t in topics::avro() {
            assert_eq!(t.value_subject(), Some(format!("{}-value", t.name)));
            assert!(schema(t.name).is_some());
        }
        assert!(schema(topics::HL7_RAW).is_none());
    }

    #[test]
    fn vital_sign_round_trips_through_avro_binary() {
        let s = schema(topics::VITALS_OBSERVATIONS).unwrap();
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
