//! Natives of `io.vitalflow.bridge.AvroVitals`: vital-sign rows as Avro datums of
//! the contract's schema (`schemas/VitalSign.avsc`, embedded at build time),
//! optionally in the Confluent wire format (magic byte 0, 4-byte big-endian
//! schema id, datum).
//!
//! The datums are written directly from the (borrowed) rows, field by field in
//! the order the parsed schema gives, with each field's type checked against
//! what the writer writes ([`plan`]). Building `apache-avro`'s generic `Value`
//! per row and validating it cost about a quarter of the Flink job's CPU (an
//! async-profiler profile of the TaskManager); `apache-avro` stays the
//! reference the bytes are tested against.
//!
//! The schema text comes from `vitalflow-schemas` (embedded there once) and so
//! does the Confluent header; no registry client is linked into this library.
//!
//! Output of `encode0`: `varint count, (str patient_id, str message_control_id,
//! varint obx_index, varint length, bytes)*` (strings as in [`crate::codec`]).

use std::sync::OnceLock;

use apache_avro::types::Value;
use apache_avro::Schema;
use jni::objects::{JByteArray, JClass};
use jni::sys::jint;
use jni::{Env, EnvUnowned};
use vitalflow_core::vitals::{MessageHeader, ObxRow};
use vitalflow_core::{VitalKind, VitalSign};

use crate::error::ThrowJava;
use crate::{codec, options, BridgeError};
use vitalflow_ffi::convert;

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
    Value::Enum(
        u32::from(ordinal),
        VitalKind::SYMBOLS[usize::from(ordinal)].to_string(),
    )
}

fn glucose(row: &VitalSign) -> Value {
    match codec::glucose_code(row.glucose_status) {
        0 => Value::Union(0, Box::new(Value::Null)),
        c => Value::Union(
            1,
            Box::new(Value::Enum(
                u32::from(c - 1),
                GLUCOSE_SYMBOLS[usize::from(c - 1)].to_string(),
            )),
        ),
    }
}

/// The Avro value of a row, as `apache-avro`'s generic model: the reference
/// the direct writer ([`encode`]) is tested against. `observed_at` is required by the schema: a row
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
        ("processing_id".into(), opt_str(&row.processing_id)),
        (
            "received_at".into(),
            match row.received_at {
                None => Value::Union(0, Box::new(Value::Null)),
                Some(t) => Value::Union(1, Box::new(Value::TimestampMicros(t.timestamp_micros()))),
            },
        ),
        (
            "clock_error".into(),
            Value::Union(1, Box::new(Value::Boolean(row.clock_error))),
        ),
    ]))
}

/// The columns the writer knows, by their field names in `schemas/VitalSign.avsc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    MessageControlId,
    ObxIndex,
    SetId,
    PatientId,
    PatientIdAuthority,
    EncounterId,
    Location,
    Kind,
    Code,
    CodeSystem,
    Value,
    Comparator,
    Text,
    Unit,
    NormalizedValue,
    NormalizedUnit,
    ObservedAt,
    Status,
    DeviceId,
    GlucoseStatus,
    SendingApplication,
    SendingFacility,
    ProcessingId,
    ReceivedAt,
    ClockError,
}

const GLUCOSE_SYMBOLS: [&str; 5] = ["HYPO_L2", "HYPO_L1", "NORMAL", "HYPER", "HYPER_SEVERE"];

/// The Avro type a column is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    String,
    OptionalString,
    Int,
    OptionalDouble,
    KindEnum,
    OptionalGlucoseEnum,
    TimestampMicros,
    OptionalTimestampMicros,
    OptionalBoolean,
}

impl Column {
    fn by_name(name: &str) -> Option<(Column, Shape)> {
        use Column::*;
        Some(match name {
            "message_control_id" => (MessageControlId, Shape::String),
            "obx_index" => (ObxIndex, Shape::Int),
            "set_id" => (SetId, Shape::OptionalString),
            "patient_id" => (PatientId, Shape::OptionalString),
            "patient_id_authority" => (PatientIdAuthority, Shape::OptionalString),
            "encounter_id" => (EncounterId, Shape::OptionalString),
            "location" => (Location, Shape::OptionalString),
            "kind" => (Kind, Shape::KindEnum),
            "code" => (Code, Shape::String),
            "code_system" => (CodeSystem, Shape::OptionalString),
            "value" => (Value, Shape::OptionalDouble),
            "comparator" => (Comparator, Shape::OptionalString),
            "text" => (Text, Shape::OptionalString),
            "unit" => (Unit, Shape::OptionalString),
            "normalized_value" => (NormalizedValue, Shape::OptionalDouble),
            "normalized_unit" => (NormalizedUnit, Shape::OptionalString),
            "observed_at" => (ObservedAt, Shape::TimestampMicros),
            "status" => (Status, Shape::OptionalString),
            "device_id" => (DeviceId, Shape::OptionalString),
            "glucose_status" => (GlucoseStatus, Shape::OptionalGlucoseEnum),
            "sending_application" => (SendingApplication, Shape::OptionalString),
            "sending_facility" => (SendingFacility, Shape::OptionalString),
            "processing_id" => (ProcessingId, Shape::OptionalString),
            "received_at" => (ReceivedAt, Shape::OptionalTimestampMicros),
            "clock_error" => (ClockError, Shape::OptionalBoolean),
            _ => return None,
        })
    }
}

fn shape_matches(shape: Shape, schema: &Schema) -> bool {
    let symbols_are = |s: &Schema, want: &[&str]| matches!(s, Schema::Enum(e) if e.symbols.iter().map(String::as_str).eq(want.iter().copied()));
    let optional = |s: &Schema, inner: &dyn Fn(&Schema) -> bool| match s {
        Schema::Union(u) => {
            let v = u.variants();
            v.len() == 2 && v[0] == Schema::Null && inner(&v[1])
        }
        _ => false,
    };
    match shape {
        Shape::String => *schema == Schema::String,
        Shape::Int => *schema == Schema::Int,
        Shape::TimestampMicros => *schema == Schema::TimestampMicros,
        Shape::KindEnum => symbols_are(schema, &VitalKind::SYMBOLS),
        Shape::OptionalString => optional(schema, &|s| *s == Schema::String),
        Shape::OptionalDouble => optional(schema, &|s| *s == Schema::Double),
        Shape::OptionalGlucoseEnum => optional(schema, &|s| symbols_are(s, &GLUCOSE_SYMBOLS)),
        Shape::OptionalTimestampMicros => optional(schema, &|s| *s == Schema::TimestampMicros),
        Shape::OptionalBoolean => optional(schema, &|s| *s == Schema::Boolean),
    }
}

/// The order in which the writer puts the columns: the schema's field order,
/// read from the schema once. Every field must be one the writer knows, with the
/// type it writes, or encoding fails with the field's name (tested, so a schema
/// change that the writer does not follow fails the build's tests).
fn plan() -> Result<&'static [Column], BridgeError> {
    static PLAN: OnceLock<Result<Vec<Column>, String>> = OnceLock::new();
    PLAN.get_or_init(|| plan_of(schema()))
        .as_deref()
        .map_err(|e| BridgeError::Encoding(e.clone()))
}

fn plan_of(schema: &Schema) -> Result<Vec<Column>, String> {
    let Schema::Record(record) = schema else {
        return Err("schemas/VitalSign.avsc is not a record".into());
    };
    record
        .fields
        .iter()
        .map(|f| match Column::by_name(&f.name) {
            Some((column, shape)) if shape_matches(shape, &f.schema) => Ok(column),
            Some((_, shape)) => Err(format!(
                "schemas/VitalSign.avsc: field {} is not the {shape:?} the Avro writer writes",
                f.name
            )),
            None => Err(format!(
                "schemas/VitalSign.avsc: field {} is unknown to the Avro writer",
                f.name
            )),
        })
        .collect()
}

/// One row's values, borrowed: from an owned [`VitalSign`] or from a message's
/// header and one of its [`ObxRow`]s.
struct RowView<'r> {
    message_control_id: &'r str,
    obx_index: u32,
    set_id: Option<&'r str>,
    patient_id: Option<&'r str>,
    patient_id_authority: Option<&'r str>,
    encounter_id: Option<&'r str>,
    location: Option<&'r str>,
    kind: vitalflow_core::VitalKind,
    code: &'r str,
    code_system: Option<&'r str>,
    value: Option<f64>,
    comparator: Option<&'r str>,
    text: Option<&'r str>,
    unit: Option<&'r str>,
    normalized_value: Option<f64>,
    normalized_unit: Option<&'r str>,
    observed_at_micros: Option<i64>,
    status: Option<&'r str>,
    device_id: Option<&'r str>,
    glucose_status: Option<vitalflow_core::glucose::GlucoseStatus>,
    sending_application: Option<&'r str>,
    sending_facility: Option<&'r str>,
    processing_id: Option<&'r str>,
    received_at_micros: Option<i64>,
    clock_error: bool,
}

impl<'r> RowView<'r> {
    fn of_owned(r: &'r VitalSign) -> Self {
        RowView {
            message_control_id: &r.message_control_id,
            obx_index: r.obx_index,
            set_id: r.set_id.as_deref(),
            patient_id: r.patient_id.as_deref(),
            patient_id_authority: r.patient_id_authority.as_deref(),
            encounter_id: r.encounter_id.as_deref(),
            location: r.location.as_deref(),
            kind: r.kind,
            code: &r.code,
            code_system: r.code_system.as_deref(),
            value: r.value,
            comparator: r.comparator.as_deref(),
            text: r.text.as_deref(),
            unit: r.unit.as_deref(),
            normalized_value: r.normalized_value,
            normalized_unit: r.normalized_unit.as_deref(),
            observed_at_micros: r.observed_at.map(|t| t.timestamp_micros()),
            status: r.status.as_deref(),
            device_id: r.device_id.as_deref(),
            glucose_status: r.glucose_status,
            sending_application: r.sending_application.as_deref(),
            sending_facility: r.sending_facility.as_deref(),
            processing_id: r.processing_id.as_deref(),
            received_at_micros: r.received_at.map(|t| t.timestamp_micros()),
            clock_error: r.clock_error,
        }
    }

    fn of_borrowed(h: &'r MessageHeader<'_>, r: &'r ObxRow<'_>) -> Self {
        RowView {
            message_control_id: &h.message_control_id,
            obx_index: r.obx_index,
            set_id: r.set_id.as_deref(),
            patient_id: h.patient_id.as_deref(),
            patient_id_authority: h.patient_id_authority.as_deref(),
            encounter_id: h.encounter_id.as_deref(),
            location: h.location.as_deref(),
            kind: r.kind,
            code: &r.code,
            code_system: r.code_system.as_deref(),
            value: r.value,
            comparator: r.comparator.as_deref(),
            text: r.text,
            unit: r.unit.as_deref(),
            normalized_value: r.normalized_value,
            normalized_unit: r.normalized_unit,
            observed_at_micros: Some(r.observed_at.timestamp_micros()),
            status: r.status.as_deref(),
            device_id: r.device_id.as_deref(),
            glucose_status: r.glucose_status,
            sending_application: h.sending_application.as_deref(),
            sending_facility: h.sending_facility.as_deref(),
            processing_id: h.processing_id.as_deref(),
            received_at_micros: h.received_at.map(|t| t.timestamp_micros()),
            clock_error: r.clock_error,
        }
    }
}

/// Avro's `long`/`int` encoding: zig-zag, then unsigned LEB128.
fn put_long(out: &mut Vec<u8>, n: i64) {
    codec::put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    put_long(out, s.len() as i64);
    out.extend_from_slice(s.as_bytes());
}

/// A `["null", T]` union: branch 0 (null) or branch 1 then the value.
fn put_optional<T>(out: &mut Vec<u8>, v: Option<T>, put: impl FnOnce(&mut Vec<u8>, T)) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(2);
            put(out, v);
        }
    }
}

/// Writes one row as an Avro binary datum of `schemas/VitalSign.avsc`, field by
/// field in the schema's order (the bytes `apache-avro`'s generic writer gives
/// for [`to_value`], without building the generic value: tested).
fn put_datum(out: &mut Vec<u8>, plan: &[Column], r: &RowView<'_>) -> Result<(), BridgeError> {
    let s = |out: &mut Vec<u8>, v: Option<&str>| put_optional(out, v, put_string);
    let d = |out: &mut Vec<u8>, v: Option<f64>| {
        put_optional(out, v, |o, v: f64| o.extend_from_slice(&v.to_le_bytes()))
    };
    for column in plan {
        match column {
            Column::MessageControlId => put_string(out, r.message_control_id),
            Column::ObxIndex => {
                let i = i32::try_from(r.obx_index)
                    .map_err(|_| BridgeError::Encoding("obx_index out of range".into()))?;
                put_long(out, i64::from(i));
            }
            Column::SetId => s(out, r.set_id),
            Column::PatientId => s(out, r.patient_id),
            Column::PatientIdAuthority => s(out, r.patient_id_authority),
            Column::EncounterId => s(out, r.encounter_id),
            Column::Location => s(out, r.location),
            Column::Kind => put_long(out, i64::from(codec::kind_ordinal(r.kind))),
            Column::Code => put_string(out, r.code),
            Column::CodeSystem => s(out, r.code_system),
            Column::Value => d(out, r.value),
            Column::Comparator => s(out, r.comparator),
            Column::Text => s(out, r.text),
            Column::Unit => s(out, r.unit),
            Column::NormalizedValue => d(out, r.normalized_value),
            Column::NormalizedUnit => s(out, r.normalized_unit),
            Column::ObservedAt => {
                let micros = r.observed_at_micros.ok_or_else(|| {
                    BridgeError::Encoding(format!(
                        "OBX #{} of message {}: no observation time, which the VitalSign schema requires",
                        r.obx_index, r.message_control_id
                    ))
                })?;
                put_long(out, micros);
            }
            Column::Status => s(out, r.status),
            Column::DeviceId => s(out, r.device_id),
            Column::GlucoseStatus => match codec::glucose_code(r.glucose_status) {
                0 => out.push(0),
                c => {
                    out.push(2);
                    put_long(out, i64::from(c - 1));
                }
            },
            Column::SendingApplication => s(out, r.sending_application),
            Column::SendingFacility => s(out, r.sending_facility),
            Column::ProcessingId => s(out, r.processing_id),
            Column::ReceivedAt => put_optional(out, r.received_at_micros, put_long),
            Column::ClockError => {
                put_optional(out, Some(r.clock_error), |o, b| o.push(u8::from(b)))
            }
        }
    }
    Ok(())
}

/// One row as an Avro datum of the contract's schema; with `schema_id`, in
/// the Confluent wire format.
pub fn encode(row: &VitalSign, schema_id: Option<u32>) -> Result<Vec<u8>, BridgeError> {
    let plan = plan()?;
    let mut out = Vec::with_capacity(160);
    if let Some(id) = schema_id {
        vitalflow_schemas::framing::write_header(&mut out, id);
    }
    put_datum(&mut out, plan, &RowView::of_owned(row))?;
    Ok(out)
}

/// Appends one borrowed row's Avro datum to `out`: bare, or with `schema_id` in
/// the Confluent wire format (the same bytes as [`encode`] of the owned row).
pub fn put_row_datum(
    out: &mut Vec<u8>,
    header: &MessageHeader<'_>,
    row: &ObxRow<'_>,
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    if let Some(id) = schema_id {
        vitalflow_schemas::framing::write_header(out, id);
    }
    put_datum(out, plan()?, &RowView::of_borrowed(header, row))
}

/// Appends one `encode0` entry per row: the row's keys, then its datum with its
/// length in front (written in place, then the length moved before it).
fn put_entries<'r>(
    out: &mut Vec<u8>,
    count: usize,
    rows: impl Iterator<Item = RowView<'r>>,
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    let plan = plan()?;
    codec::put_varint(out, count as u64);
    let mut datum = Vec::with_capacity(256);
    for row in rows {
        datum.clear();
        if let Some(id) = schema_id {
            vitalflow_schemas::framing::write_header(&mut datum, id);
        }
        put_datum(&mut datum, plan, &row)?;
        codec::put_str(out, row.patient_id);
        codec::put_str(out, Some(row.message_control_id));
        codec::put_varint(out, u64::from(row.obx_index));
        codec::put_varint(out, datum.len() as u64);
        out.extend_from_slice(&datum);
    }
    Ok(())
}

/// Appends the `encode0` output for `rows`.
pub fn put_encoded(
    out: &mut Vec<u8>,
    rows: &[VitalSign],
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    put_entries(
        out,
        rows.len(),
        rows.iter().map(RowView::of_owned),
        schema_id,
    )
}

/// Appends the `encode0` output for one message's rows as
/// [`vitalflow_core::vitals::extract_rows`] gives them (borrowed, never made
/// into owned rows): the same bytes as [`put_encoded`] of the owned rows.
pub fn put_encoded_rows(
    out: &mut Vec<u8>,
    header: &MessageHeader<'_>,
    rows: &[ObxRow<'_>],
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    put_entries(
        out,
        rows.len(),
        rows.iter().map(|r| RowView::of_borrowed(header, r)),
        schema_id,
    )
}

/// `static native byte[] encode0(byte[] message, long options, int schemaId,
/// long receivedAtMillis)`: extracts the message's rows and encodes each;
/// `schemaId < 0` gives bare datums; `receivedAtMillis` `Long.MIN_VALUE`: no
/// receipt time (MSH-7 stands in).
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_AvroVitals_encode0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    options: jni::sys::jlong,
    schema_id: jint,
    received_at_millis: jni::sys::jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| encode_impl(env, &message, options, schema_id, received_at_millis))
        .resolve::<ThrowJava>()
}

fn encode_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    options: jni::sys::jlong,
    schema_id: jint,
    received_at_millis: jni::sys::jlong,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    let schema_id = u32::try_from(schema_id).ok();
    let received = crate::patient_stream::received_at(received_at_millis);
    convert::transform(env, message, "message", |m, out| {
        let msg = crate::parse_message(m)?;
        let mut x = vitalflow_core::vitals::extract_rows_received(&msg, &options, received)?;
        if !x.errors.is_empty() {
            return Err(x.errors.swap_remove(0).into());
        }
        put_encoded_rows(out, &x.header, &x.rows, schema_id)
    })
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

    /// Every message of the project's fixtures and benchmark data, and the rows
    /// that extract gives (leniently: the good rows of messages with a bad OBX).
    fn corpus() -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        for dir in ["tests/fixtures", "native/core/benches/data"] {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
                .collect();
            paths.sort();
            for p in paths {
                let bytes = std::fs::read(&p).unwrap();
                // a file may hold several messages, each starting with MSH
                let text = bytes.as_slice();
                let mut starts: Vec<usize> = (0..text.len())
                    .filter(|&i| {
                        text[i..].starts_with(b"MSH")
                            && (i == 0 || matches!(text[i - 1], b'\r' | b'\n'))
                    })
                    .collect();
                starts.push(text.len());
                for w in starts.windows(2) {
                    out.push(text[w[0]..w[1]].to_vec());
                }
            }
        }
        out
    }

    fn generic_bytes(row: &VitalSign) -> Vec<u8> {
        let mut out = Vec::new();
        apache_avro::writer::datum::GenericDatumWriter::builder(schema())
            .build()
            .unwrap()
            .write_value_ref(&mut out, &to_value(row).unwrap())
            .unwrap();
        out
    }

    #[test]
    fn the_direct_writer_gives_apache_avros_bytes_for_every_row_of_the_corpus() {
        let options = ExtractOptions::default();
        let (mut messages, mut rows_seen) = (0, 0);
        for m in corpus() {
            let Ok(msg) = vitalflow_core::Message::parse(&m) else {
                continue;
            };
            let Ok(x) = vitalflow_core::vitals::extract_rows(&msg, &options) else {
                continue;
            };
            messages += 1;
            let owned = x.to_vital_signs();
            for row in &owned {
                assert_eq!(encode(row, None).unwrap(), generic_bytes(row), "{row:?}");
                rows_seen += 1;
            }
            // the borrowed path writes the same entries as the owned one
            let (mut a, mut b) = (Vec::new(), Vec::new());
            put_encoded(&mut a, &owned, Some(7)).unwrap();
            put_encoded_rows(&mut b, &x.header, &x.rows, Some(7)).unwrap();
            assert_eq!(a, b);
        }
        assert!(
            messages >= 20 && rows_seen >= 100,
            "{messages} messages, {rows_seen} rows"
        );
    }

    #[test]
    fn odd_values_give_apache_avros_bytes_too() {
        let mut row =
            vitalflow_core::vitals::extract(MSG, &ExtractOptions::default()).unwrap()[1].clone();
        for (value, text) in [
            (Some(-0.0), Some("")),
            (Some(f64::NAN), Some("ünïcödé \u{1F600}")),
            (Some(-1e300), None),
            (None, Some(&"x".repeat(300)[..])),
        ] {
            row.value = value;
            row.normalized_value = value.map(|v| v * 2.0);
            row.text = text.map(str::to_owned);
            row.obx_index = 70_000;
            row.observed_at = Some(chrono::DateTime::from_timestamp_micros(-1_234_567).unwrap());
            assert_eq!(encode(&row, None).unwrap(), generic_bytes(&row));
        }
    }

    #[test]
    fn the_writer_follows_the_schema_and_refuses_what_it_cannot_write() {
        let plan = plan().unwrap();
        let Schema::Record(r) = schema() else {
            panic!("record")
        };
        assert_eq!(plan.len(), r.fields.len());
        let avsc: serde_json::Value = serde_json::from_str(VITAL_SIGN_AVSC).unwrap();
        let with = |f: &dyn Fn(&mut Vec<serde_json::Value>)| {
            let mut v = avsc.clone();
            f(v["fields"].as_array_mut().unwrap());
            Schema::parse_str(&v.to_string()).unwrap()
        };
        // a field the writer does not know
        let extra = with(&|fs| {
            fs.push(serde_json::json!({"name": "ward_bed", "type": ["null", "string"], "default": null}))
        });
        assert!(plan_of(&extra).unwrap_err().contains("ward_bed"));
        // a known field with another type
        let retyped = with(&|fs| fs[1]["type"] = serde_json::json!("long"));
        assert!(plan_of(&retyped).unwrap_err().contains("obx_index"));
        // the order is the schema's
        let reversed = with(&|fs| fs.reverse());
        let p = plan_of(&reversed).unwrap();
        assert_eq!(p.first(), Some(&Column::ClockError));
        assert_eq!(p.last(), Some(&Column::MessageControlId));
        assert_eq!(p, plan.iter().rev().copied().collect::<Vec<_>>());
    }
}
