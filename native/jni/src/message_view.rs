//! Natives of `io.vitalflow.bridge.MessageView`: one read of one message gives
//! everything the Flink job routes, stores and scores, so that no later
//! operator reads the message again (docs/contract.md §5, envelope kind 1).
//!
//! # The view (an envelope of kind 1, `Message`; `vitalflow-envelope`)
//!
//! ```text
//! i16  error kind      0: none; else the Hl7Exception.Kind code (the core's ErrorKind number)
//! str  error           the error's text (null: none); never patient data beyond the core's
//! list fields          str each: the value at each path asked for (null: absent); empty when
//!                      the message could not be parsed at all
//! i32  rows            the vital-sign rows of an ORU message (0 otherwise)
//! i64  newest          the newest observation time of those rows, epoch ms (i64::MIN: none)
//! list patients        each: str patient id (PID-3-1), bytes that patient's part (an envelope
//!                      of kind 3, `vitalflow_scoring::wire::write_rows`), in order of first
//!                      appearance
//! list observations    each: str key (the row's PID-3-1, null: none), bytes the row's Avro
//!                      datum of schemas/VitalSign.avsc (Confluent-framed when a schema id
//!                      is given)
//! ```
//!
//! Rows are read only for an ORU message with an MSH-10 (what the job stores and
//! scores); any bad OBX makes the whole message an error with no rows, as
//! `Vitals.extract` and `AvroVitals.encode` treat it, so it goes to the dead
//! letters whole rather than in part.

use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jint, jlong};
use jni::{Env, EnvUnowned};

use vitalflow_core::{Hl7Error, Path};
use vitalflow_envelope::{Kind, Writer};
use vitalflow_scoring::observation::patient_rows;
use vitalflow_scoring::wire::write_rows;

use crate::error::{kind_code, ThrowJava};
use crate::{avro, options, BridgeError};
use vitalflow_ffi::convert;

/// `static native byte[] parse0(byte[] message, long options, long
/// receivedAtMillis, int schemaId, String paths)`: the view of one message
/// (see the module), `paths` separated by `\n` (checked before the message is
/// read), `receivedAtMillis` `Long.MIN_VALUE` for none (MSH-7 stands in),
/// `schemaId < 0` for bare datums.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_MessageView_parse0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    options: jlong,
    received_at_millis: jlong,
    schema_id: jint,
    paths: JString<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| {
        parse_impl(
            env,
            &message,
            options,
            received_at_millis,
            schema_id,
            &paths,
        )
    })
    .resolve::<ThrowJava>()
}

fn parse_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    options: jlong,
    received_at_millis: jlong,
    schema_id: jint,
    paths: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    let paths = convert::opt_string(env, paths)?
        .ok_or_else(|| BridgeError::Argument("paths is null".into()))?;
    let paths = parse_paths(&paths)?;
    let received = crate::patient_stream::received_at(received_at_millis);
    let schema_id = u32::try_from(schema_id).ok();
    convert::transform(env, message, "message", |m, out| {
        write_view(out, m, &paths, &options, received, schema_id)
    })
}

/// The paths of a `\n`-separated list (none for an empty string).
pub fn parse_paths(paths: &str) -> Result<Vec<Path>, BridgeError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    Ok(paths
        .split('\n')
        .map(str::parse::<Path>)
        .collect::<Result<Vec<_>, _>>()?)
}

/// MSH-9-1 and MSH-10, which decide whether the rows are read.
fn header_paths() -> &'static [Path; 2] {
    static PATHS: std::sync::OnceLock<[Path; 2]> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        ["MSH-9-1", "MSH-10"].map(|p| p.parse().unwrap_or_else(|e| panic!("path {p}: {e}")))
    })
}

fn write_error(out: &mut Vec<u8>, e: &Hl7Error) {
    let kind = i16::try_from(kind_code(e)).unwrap_or(i16::MAX);
    let mut w = Writer::new(out, Kind::Message);
    w.i16(kind).str(Some(&e.to_string())).count(0);
    no_rows(&mut w);
}

/// The view's tail when no rows were read: no rows, no time, no patients, no datums.
fn no_rows(w: &mut Writer<'_>) {
    w.i32(0).i64(i64::MIN).count(0).count(0);
}

/// Appends the view of `message` (see the module) to `out`. HL7 errors are
/// part of the view, never `Err`: only an Avro encoding failure (a bug) is.
pub fn write_view(
    out: &mut Vec<u8>,
    message: &[u8],
    paths: &[Path],
    options: &vitalflow_core::ExtractOptions,
    received: Option<chrono::DateTime<chrono::Utc>>,
    schema_id: Option<u32>,
) -> Result<(), BridgeError> {
    let msg = match crate::parse_message(message) {
        Ok(m) => m,
        Err(e) => {
            write_error(out, &e);
            return Ok(());
        }
    };
    let value = |p: &Path| msg.get(p).map(|v| v.value());
    let fields: Vec<_> = paths.iter().map(value).collect();
    let [type_path, control_id_path] = header_paths();
    let is_oru = value(type_path).is_some_and(|t| t == "ORU");
    let has_control_id = value(control_id_path).is_some_and(|c| !c.is_empty());
    let rows = if is_oru && has_control_id {
        match vitalflow_core::vitals::extract_rows_received(&msg, options, received) {
            Ok(mut x) if !x.errors.is_empty() => Err(x.errors.swap_remove(0)),
            other => other.map(Some),
        }
    } else {
        Ok(None)
    };
    let (kind, error) = match &rows {
        Err(e) => (
            i16::try_from(kind_code(e)).unwrap_or(i16::MAX),
            Some(e.to_string()),
        ),
        Ok(_) => (0, None),
    };
    let mut w = Writer::new(out, Kind::Message);
    w.i16(kind).str(error.as_deref()).count(fields.len());
    for f in &fields {
        w.str(f.as_deref());
    }
    let Ok(Some(x)) = rows else {
        no_rows(&mut w);
        return Ok(());
    };
    let newest = x
        .rows
        .iter()
        .map(|r| r.observed_at.timestamp_millis())
        .max()
        .unwrap_or(i64::MIN);
    w.i32(i32::try_from(x.rows.len()).unwrap_or(i32::MAX))
        .i64(newest);
    let owned = x.to_vital_signs();
    let parts = patient_rows(&owned);
    w.count(parts.len());
    for (pid, part) in &parts {
        w.str(Some(pid)).bytes_with(|b| write_rows(b, part));
    }
    w.count(x.rows.len());
    let mut datum = Vec::with_capacity(256);
    for row in &x.rows {
        datum.clear();
        avro::put_row_datum(&mut datum, &x.header, row, schema_id)?;
        w.str(x.header.patient_id.as_deref()).bytes(Some(&datum));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patient_stream::{step, step_rows};
    use vitalflow_envelope::{EnvelopeError, Reader};
    use vitalflow_scoring::alerts::{PatientState, StreamConfig};
    use vitalflow_scoring::news2::Spo2Scale;
    use vitalflow_scoring::wire::read_rows;

    /// The view, read back.
    #[derive(Debug)]
    struct View {
        kind: i16,
        error: Option<String>,
        fields: Vec<Option<String>>,
        rows: i32,
        newest: i64,
        patients: Vec<(String, Vec<u8>)>,
        observations: Vec<(Option<String>, Vec<u8>)>,
    }

    fn read(b: &[u8]) -> Result<View, EnvelopeError> {
        let mut r = Reader::open(b, Kind::Message)?;
        let kind = r.i16()?;
        let error = r.str()?.map(str::to_owned);
        let fields = r.list(4, |r| Ok(r.str()?.map(str::to_owned)))?;
        let rows = r.i32()?;
        let newest = r.i64()?;
        let patients = r.list(8, |r| {
            Ok((
                r.str()?.unwrap_or_default().to_owned(),
                r.bytes()?.unwrap_or_default().to_vec(),
            ))
        })?;
        let observations = r.list(8, |r| {
            Ok((
                r.str()?.map(str::to_owned),
                r.bytes()?.unwrap_or_default().to_vec(),
            ))
        })?;
        assert_eq!(r.remaining(), 0, "nothing after the view");
        Ok(View {
            kind,
            error,
            fields,
            rows,
            newest,
            patients,
            observations,
        })
    }

    fn view(m: &[u8], paths: &str, received: Option<i64>) -> View {
        let mut out = Vec::new();
        let received = received.and_then(chrono::DateTime::from_timestamp_millis);
        write_view(
            &mut out,
            m,
            &parse_paths(paths).unwrap(),
            &vitalflow_core::ExtractOptions::default(),
            received,
            Some(7),
        )
        .unwrap();
        read(&out).unwrap()
    }

    const ORU: &[u8] = b"MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C1|P|2.6\r\
PID|||P1\r\
OBR|1||||||20261120060000\r\
OBX|1|NM|9279-1^Resp^LN||26|/min|||||F\r\
OBX|2|NM|59408-5^SpO2^LN||90|%|||||F\r\
OBX|3|NM|8462-4^DBP^LN||80|mm[Hg]|||||F\r";

    #[test]
    fn one_read_gives_the_fields_the_rows_each_patients_part_and_the_datums() {
        // (the parse count is asserted where one thread parses: VitalsJobIT)
        let v = view(ORU, "MSH-10\nPID-3-1\nPV1-19-1", None);
        assert_eq!((v.kind, v.error.as_deref()), (0, None));
        assert_eq!(
            v.fields,
            vec![Some("C1".to_string()), Some("P1".to_string()), None]
        );
        assert_eq!(v.rows, 3);
        assert_eq!(v.newest, 1_795_154_400_000);
        // the datums are AvroVitals.encode's, framed with the id given
        let rows = vitalflow_core::vitals::extract(ORU, &vitalflow_core::ExtractOptions::default())
            .unwrap();
        assert_eq!(v.observations.len(), 3);
        for (row, (key, datum)) in rows.iter().zip(&v.observations) {
            assert_eq!(key.as_deref(), Some("P1"));
            assert_eq!(datum, &avro::encode(row, Some(7)).unwrap());
        }
        // the patient's part steps the rules exactly as the message does
        assert_eq!(v.patients.len(), 1);
        let (pid, part) = &v.patients[0];
        assert_eq!(pid, "P1");
        let cfg = StreamConfig::default();
        let mut by_rows = PatientState::new(Spo2Scale::Scale1);
        let mut by_message = by_rows.clone();
        let a = step_rows(&mut by_rows, &read_rows(part).unwrap(), pid, &cfg);
        let b = step(
            &mut by_message,
            ORU,
            Some("P1"),
            None,
            &vitalflow_core::ExtractOptions::default(),
            &cfg,
        )
        .unwrap();
        assert!(a.stepped);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(by_rows, by_message);
    }

    #[test]
    fn each_patient_of_the_rows_gets_a_part_and_a_fast_clock_is_counted_in_it() {
        // the rows are the message's patient's (the first PID), one of them with its device
        // clock 6 h ahead
        let m = b"MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C2|P|2.6\r\
PID|||P2\r\
OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||20261120060000\r\
PID|||P1\r\
OBX|2|NM|8867-4^HR^LN||140|/min|||||F|||20261120120000\r";
        let received = 1_795_154_400_000; // 2026-11-20T06:00Z
        let v = view(m, "", Some(received));
        assert!(v.fields.is_empty());
        let rows = vitalflow_core::vitals::extract_rows_received(
            &vitalflow_core::Message::parse(m).unwrap(),
            &vitalflow_core::ExtractOptions::default(),
            chrono::DateTime::from_timestamp_millis(received),
        )
        .unwrap()
        .into_extraction()
        .rows;
        let ids: Vec<_> = rows.iter().map(|r| r.patient_id.clone().unwrap()).collect();
        let parts: Vec<_> = v.patients.iter().map(|(p, _)| p.clone()).collect();
        let mut distinct = ids.clone();
        distinct.dedup();
        assert_eq!(
            parts, distinct,
            "one part per patient, in order of first appearance"
        );
        for (pid, part) in &v.patients {
            let part = read_rows(part).unwrap();
            let errors = rows
                .iter()
                .filter(|r| r.patient_id.as_deref() == Some(pid.as_str()) && r.clock_error)
                .count();
            assert_eq!(part.clock_errors as usize, errors, "{pid}");
        }
        let errors: Vec<_> = v
            .patients
            .iter()
            .map(|(p, r)| (p.as_str(), read_rows(r).unwrap().clock_errors))
            .collect();
        assert_eq!(errors, vec![("P2", 1)]);
    }

    #[test]
    fn a_bad_obx_makes_the_whole_message_an_error_with_its_fields_and_no_rows() {
        let m = b"MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C3|P|2.6\r\
PID|||P1\r\
OBX|1|NM|8867-4^HR^LN||7O|/min|||||F\r\
OBX|2|NM|9279-1^RR^LN||18|/min|||||F\r";
        let v = view(m, "MSH-10", None);
        let strict = vitalflow_core::vitals::extract(m, &vitalflow_core::ExtractOptions::default())
            .unwrap_err();
        assert_eq!(v.kind, i16::try_from(kind_code(&strict)).unwrap());
        assert_eq!(v.error, Some(strict.to_string()));
        assert_eq!(v.fields, vec![Some("C3".to_string())]);
        assert_eq!((v.rows, v.newest), (0, i64::MIN));
        assert!(v.patients.is_empty() && v.observations.is_empty());
    }

    #[test]
    fn what_is_not_an_hl7_message_is_an_error_and_an_adt_reads_no_rows() {
        let v = view(b"not hl7", "MSH-10", None);
        assert_ne!(v.kind, 0);
        assert!(v.error.is_some() && v.fields.is_empty());
        let adt = b"MSH|^~\\&|EHR|HOSP|VF|HOSP|20261120060000||ADT^A01|A1|P|2.6\r\
PID|||P1||Doe^Jane\r\
OBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";
        let v = view(adt, "MSH-9-2\nPID-5-1", None);
        assert_eq!(v.kind, 0);
        assert_eq!(
            v.fields,
            vec![Some("A01".to_string()), Some("Doe".to_string())]
        );
        assert_eq!(v.rows, 0);
        assert!(v.patients.is_empty() && v.observations.is_empty());
        // an ORU without MSH-10 reads no rows either (the job refuses it by its id)
        let no_id = b"MSH|^~\\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01||P|2.6\r\
PID|||P1\r\
OBX|1|NM|8867-4^HR^LN||72|/min|||||F\r";
        let v = view(no_id, "MSH-10", None);
        assert_eq!((v.kind, v.rows), (0, 0));
        assert_eq!(v.fields, vec![Some(String::new())]);
    }

    #[test]
    fn a_bad_path_is_refused_before_the_message_is_read() {
        assert!(matches!(
            parse_paths("MSH-10\nnot a path"),
            Err(BridgeError::Hl7(_))
        ));
        assert!(parse_paths("").unwrap().is_empty());
    }
}
