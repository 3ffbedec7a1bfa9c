//! Natives of `io.vitalflow.bridge.AvroVitals`: vital-sign rows as Avro datums of
//! the contract's schema (`schemas/VitalSign.avsc`, embedded at build time), the
//! bytes produced by `apache-avro`, optionally in the Confluent wire format
//! (magic byte 0, 4-byte big-endian schema id, datum).
//!
//! The schema text comes from `vitalflow-schemas` (embedded there once) and so
//! does the Confluent header; no registry client is linked into this library.
//!
//! Output of `encode0`: `varint count, (str patient_id, str message_control_id,
//! varint obx_index, varint length, bytes)*` (strings as in [`crate::codec`]).

use std::sync::OnceLock;

use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::Schema;
use jni::objects::{JByteArray, JClass};
use jni::sys::jint;
use jni::{Env, EnvUnowned};
use vitalflow_core::VitalSign;

use crate::error::ThrowJava;
use crate::{codec, io, options, BridgeError};

/// The contract's schema text (the single source is `schemas/VitalSign.avsc`).
pub use vitalflow_schemas::avsc::VITAL_SIGN_AVSC;

/// The parsed `VitalSign` schema.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::parse_str(VITAL_SIGN_AVSC).expect("schemas/VitalSign.avsc parses (tested)")
    })
}

fn opt_str(v: &Option<String>) -> Value {
    match v {
        Some(s) => Value::Union(1, Box::new(Value::String(s.clone()))),
        None => Value::Union(0, Box::new(Value::Null)),
    }
}

fn opt_f64(v: Option<f64>) -> Value {
    match v {
        Some(d) => Value::Union(1, Box::new(Value::Double(d))),
        None => Value::Union(0, Box::new(Value::Null)),
    }
}

fn kind_symbol(row: &VitalSign) -> Value {
    let ordinal = codec::kind_ordinal(row.kind);
    let name = [
        "TEMPERATURE",
        "SYSTOLIC_BP",
        "DIASTOLIC_BP",
        "MEAN_BP",
        "HEART_RATE",
        "RESPIRATORY_RATE",
        "SPO2",
        "GLUCOSE",
        "CONSCIOUSNESS",
        "INSPIRED_O2",
    ][ordinal as usize];
    Value::Enum(u32::from(ordinal), name.to_string())
}

fn glucose(row: &VitalSign) -> Value {
    const NAMES: [&str; 5] = ["HYPO_L2", "HYPO_L1", "NORMAL", "HYPER", "HYPER_SEVERE"];
    match codec::glucose_code(row.glucose_status) {
        0 => Value::Union(0, Box::new(Value::Null)),
        c => Value::Union(
            1,
            Box::new(Value::Enum(
                u32::from(c - 1),
                NAMES[usize::from(c - 1)].to_string(),
            )),
        ),
    }
}

/// The Avro value of a row. `observed_at` is required by the schema: a row
/// without it is an encoding error. `patient_id` may be null (a monitor not
/// yet associated with a patient).
pub fn to_value(row: &VitalSign) -> Result<Value, BridgeError> {
    let observed_at = row.observed_at.ok_or_else(|| {
        BridgeError::Encoding(format!(
            "OBX #{} of message {}: no observation time, which the VitalSign schema requires",
            row.obx_index, row.message_control_id
        ))
    })?;
    let obx_index = i32::try_from(row.obx_index)
        .map_err(|_| BridgeError::Encoding("obx_index out of range".into()))?;
    Ok(Value::Record(vec![
        (
            "message_control_id".into(),
            Value::String(row.message_control_id.clone()),
        ),
        ("obx_index".into(), Value::Int(obx_index)),
        ("set_id".into(), opt_str(&row.set_id)),
        ("patient_id".into(), opt_str(&row.patient_id)),
        (
            "patient_id_authority".into(),
            opt_str(&row.patient_id_authority),
        ),
        ("encounter_id".into(), opt_str(&row.encounter_id)),
        ("location".into(), opt_str(&row.location)),
        ("kind".into(), kind_symbol(row)),
        ("code".into(), Value::String(row.code.clone())),
        ("code_system".into(), opt_str(&row.code_system)),
        ("value".into(), opt_f64(row.value)),
        ("comparator".into(), opt_str(&row.comparator)),
        ("text".into(), opt_str(&row.text)),
        ("unit".into(), opt_str(&row.unit)),
        ("normalized_value".into(), opt_f64(row.normalized_value)),
        ("normalized_unit".into(), opt_str(&row.normalized_unit)),
        (
            "observed_at".into(),
            Value::TimestampMicros(observed_at.timestamp_micros()),
        ),
        ("status".into(), opt_str(&row.status)),
        ("device_id".into(), opt_str(&row.device_id)),
        ("glucose_status".into(), glucose(row)),
        (
            "sending_application".into(),
            opt_str(&row.sending_application),
        ),
        ("sending_facility".into(), opt_str(&row.sending_facility)),
    ]))
}

fn writer() -> &'static GenericDatumWriter<'static> {
    static WRITER: OnceLock<GenericDatumWriter<'static>> = OnceLock::new();
    WRITER.get_or_init(|| {
        GenericDatumWriter::builder(schema())
            .build()
            .expect("the VitalSign schema resolves (tested)")
    })
}

/// One row as an Avro datum (validated against the schema); with `schema_id`, in
/// the Confluent wire format.
pub fn encode(row: &VitalSign, schema_id: Option<u32>) -> Result<Vec<u8>, BridgeError> {
    let value = to_value(row)?;
    let mut out = Vec::with_capacity(160);
    if let Some(id) = schema_id {
        vitalflow_schemas::framing::write_header(&mut out, id);
    }
    writer()
        .write_value_ref(&mut out, &value)
        .map_err(|e| BridgeError::Encoding(format!("Avro: {e}")))?;
    Ok(out)
}

/// Appends the `encode0` output for `rows`.
pub fn put_encoded(
    out: &mut Vec<u8>,
    rows: &[VitalSign],
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    codec::put_varint(out, rows.len() as u64);
    for row in rows {
        let bytes = encode(row, schema_id)?;
        codec::put_str(out, row.patient_id.as_deref());
        codec::put_str(out, Some(&row.message_control_id));
        codec::put_varint(out, u64::from(row.obx_index));
        codec::put_varint(out, bytes.len() as u64);
        out.extend_from_slice(&bytes);
    }
    Ok(())
}

/// `static native byte[] encode0(byte[] message, long options, int schemaId)`:
/// extracts the message's rows and encodes each; `schemaId < 0` gives bare datums.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_AvroVitals_encode0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    options: jni::sys::jlong,
    schema_id: jint,
) -> JByteArray<'caller> {
    env.with_env(|env| encode_impl(env, &message, options, schema_id))
        .resolve::<ThrowJava>()
}

fn encode_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    options: jni::sys::jlong,
    schema_id: jint,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    let schema_id = u32::try_from(schema_id).ok();
    let rows = io::with_bytes(env, message, "message", |m| {
        Ok(vitalflow_core::vitals::extract(m, &options)?)
    })?;
    io::new_byte_array(env, |out| put_encoded(out, &rows, schema_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use apache_avro::reader::datum::GenericDatumReader;
    use vitalflow_core::ExtractOptions;

    fn from_avro_datum(
        schema: &Schema,
        bytes: &mut &[u8],
        _reader: Option<&Schema>,
    ) -> apache_avro::AvroResult<Value> {
        GenericDatumReader::builder(schema)
            .build()?
            .read_value(bytes)
    }

    const MSG: &[u8] = b"MSH|^~\\&|MON|ICU|EHR|HOSP|20261120060000||ORU^R01|CTRL1|P|2.5.1\r\
PID|1||12345^^^HOSP^MR\r\
OBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F|||20261120055800\r\
OBX|2|NM|2339-0^Glucose^LN||50|mg/dL|||||F\r";

    #[test]
    fn rows_encode_to_the_contract_schema_and_read_back() {
        let rows = vitalflow_core::vitals::extract(MSG, &ExtractOptions::default()).unwrap();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            let bytes = encode(row, None).unwrap();
            let back = from_avro_datum(schema(), &mut &bytes[..], None).unwrap();
            assert_eq!(
                back.resolve(schema()).unwrap(),
                to_value(row).unwrap().resolve(schema()).unwrap()
            );
        }
        let Value::Record(fields) =
            from_avro_datum(schema(), &mut &encode(&rows[1], None).unwrap()[..], None).unwrap()
        else {
            panic!("record")
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("kind"), Value::Enum(7, "GLUCOSE".into()));
        assert_eq!(
            get("glucose_status"),
            Value::Union(1, Box::new(Value::Enum(0, "HYPO_L2".into())))
        );
        assert_eq!(
            get("observed_at"),
            Value::TimestampMicros(1_795_154_400_000_000)
        );
    }

    #[test]
    fn confluent_framing() {
        let rows = vitalflow_core::vitals::extract(MSG, &ExtractOptions::default()).unwrap();
        let framed = encode(&rows[0], Some(0x01020304)).unwrap();
        assert_eq!(&framed[..5], &[0, 1, 2, 3, 4]);
        assert_eq!(&framed[5..], &encode(&rows[0], None).unwrap()[..]);
    }

    #[test]
    fn a_row_without_patient_encodes_with_a_null_patient_id() {
        let mut rows = vitalflow_core::vitals::extract(MSG, &ExtractOptions::default()).unwrap();
        rows[0].patient_id = None;
        let bytes = encode(&rows[0], None).unwrap();
        let Value::Record(fields) = from_avro_datum(schema(), &mut &bytes[..], None).unwrap()
        else {
            panic!("record")
        };
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("patient_id"), Value::Union(0, Box::new(Value::Null)));
        assert_eq!(
            get("sending_application"),
            Value::Union(1, Box::new(Value::String("MON".into())))
        );
        assert_eq!(
            get("sending_facility"),
            Value::Union(1, Box::new(Value::String("ICU".into())))
        );
        rows[0].observed_at = None;
        assert!(matches!(
            encode(&rows[0], None),
            Err(BridgeError::Encoding(_))
        ));
    }
}
