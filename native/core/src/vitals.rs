//! Vital-sign extraction: one [`VitalSign`] per OBX that carries a recognised
//! vital sign.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use crate::codes::{CodeEntry, CodeTable};
use crate::error::{ErrorKind, Hl7Error};
use crate::glucose::GlucoseStatus;
use crate::message::{Element, Message};
use crate::time::parse_hl7_time;
use crate::units::{convert, Unit};

/// The kinds of vital sign vitalflow recognises (docs/contract.md "Vital signs").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VitalKind {
    Temperature,
    SystolicBp,
    DiastolicBp,
    MeanBp,
    HeartRate,
    RespiratoryRate,
    Spo2,
    Glucose,
    Consciousness,
    InspiredO2,
}

/// One row per recognised OBX. Field names are the contract's (JSON and Avro).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalSign {
    /// MSH-10.
    pub message_control_id: String,
    /// MSH-3-1, the sending application (with MSH-4 it qualifies the
    /// control id, which is unique only per sender).
    pub sending_application: Option<String>,
    /// MSH-4-1, the sending facility.
    pub sending_facility: Option<String>,
    /// 1-based position of the OBX among the message's OBX segments.
    pub obx_index: u32,
    /// OBX-1.
    pub set_id: Option<String>,
    /// PID-3-1 of the first repetition; `None` for a monitor not yet
    /// associated with a patient (such rows are stored, never scored).
    pub patient_id: Option<String>,
    /// PID-3-4-1.
    pub patient_id_authority: Option<String>,
    /// PV1-19-1.
    pub encounter_id: Option<String>,
    /// PV1-3, as sent (components joined by the component separator, unescaped).
    pub location: Option<String>,
    pub kind: VitalKind,
    /// OBX-3-1.
    pub code: String,
    /// OBX-3-3.
    pub code_system: Option<String>,
    /// The number as sent; `None` for text-valued kinds.
    pub value: Option<f64>,
    /// SN comparator (`<`, `>`, `<=`, `>=`, `=`, `<>`), kept but ignored for scoring.
    pub comparator: Option<String>,
    /// Text value for text-valued kinds (CONSCIOUSNESS: A, C, V, P or U).
    pub text: Option<String>,
    /// OBX-6-1, as sent.
    pub unit: Option<String>,
    /// The value in the canonical unit.
    pub normalized_value: Option<f64>,
    /// The canonical unit (UCUM), e.g. `Cel`, `mm[Hg]`.
    pub normalized_unit: Option<String>,
    /// OBX-14, else OBR-7, else MSH-7, in UTC (an unreadable timestamp
    /// counts as absent). Always set on an extracted row.
    #[serde(with = "rfc3339_opt")]
    pub observed_at: Option<DateTime<Utc>>,
    /// OBX-11.
    pub status: Option<String>,
    /// OBX-18-1.
    pub device_id: Option<String>,
    /// GLUCOSE only.
    pub glucose_status: Option<GlucoseStatus>,
}

mod rfc3339_opt {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

/// How to extract: the zone for timestamps without an offset, and the code table.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Zone for HL7 timestamps that carry no offset (default UTC).
    pub zone: chrono_tz::Tz,
    /// The vital-sign code table (built-in codes plus a site's own).
    pub codes: std::sync::Arc<crate::codes::CodeTable>,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            zone: chrono_tz::UTC,
            codes: crate::codes::CodeTable::builtin(),
        }
    }
}

/// Extracts one [`VitalSign`] per OBX that carries a recognised vital sign.
///
/// OBX-2 decides how OBX-5 is read: NM and SN as numbers; ST when it is a
/// plain decimal number; an empty OBX-2 by the value's shape (components: SN,
/// else NM). A numeric kind with any other value type (NA, RP, ED, CWE, ...)
/// gives no row and no error. When OBX-5 repeats, the first repetition is the
/// value.
///
/// Skipped, without error: OBX whose code is not in the table, OBX-11 status
/// `X`, `D` or `W`, an empty value, the HL7 null `""`, and the IEEE 11073
/// special values (8388607 "not a number" and its neighbours NRes, ±INF).
/// A vital-sign OBX whose NM or SN value is not a number, or that has no
/// readable time in OBX-14, OBR-7 or MSH-7, is an error that names the
/// segment, the field and the value type. A message without MSH-10 is an
/// error as a whole (its rows could not be keyed); one without PID-3-1 gives
/// rows with `patient_id` null.
///
/// ```
/// use vitalflow_core::vitals::{extract, ExtractOptions, VitalKind};
/// let msg = b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C1|P|2.6\r\
/// PID|1||123^^^HOSP^MR\r\
/// OBX|1|NM|8310-5^Body temperature^LN||100.4|[degF]|||||F|||20261120055900\r\
/// OBX|2|NM|2951-2^Sodium^LN||140|mmol/L|||||F\r";
/// let rows = extract(msg, &ExtractOptions::default()).unwrap();
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].kind, VitalKind::Temperature);
/// assert!((rows[0].normalized_value.unwrap() - 38.0).abs() < 1e-9);
/// assert_eq!(rows[0].observed_at.unwrap().to_rfc3339(), "2026-11-20T05:59:00+00:00");
/// ```
pub fn extract(message: &[u8], options: &ExtractOptions) -> Result<Vec<VitalSign>, Hl7Error> {
    let msg = Message::parse(message)?;
    extract_parsed(&msg, options)
}

/// [`extract`] over a message already parsed.
pub fn extract_parsed(
    msg: &Message<'_>,
    options: &ExtractOptions,
) -> Result<Vec<VitalSign>, Hl7Error> {
    let Extraction { rows, mut errors } = extract_all(msg, options)?;
    match errors.is_empty() {
        true => Ok(rows),
        false => Err(errors.swap_remove(0)),
    }
}

/// The rows of a message together with the OBX that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// Every vital sign that could be read.
    pub rows: Vec<VitalSign>,
    /// One error per vital-sign OBX that could not be read (bad number,
    /// unknown ACVPU value, no readable time), in message order.
    pub errors: Vec<Hl7Error>,
}

/// Like [`extract`], but one bad OBX does not cost the message its other
/// rows: the good rows come back with an error for each bad OBX, so a caller
/// can load the rows and dead-letter the message with the reasons. Errors in
/// the message as a whole (no MSH-10, or a message that does not parse)
/// still fail the call.
///
/// ```
/// use vitalflow_core::vitals::{extract_lenient, ExtractOptions};
/// let msg = b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C1|P|2.6\r\
/// OBX|1|NM|8867-4^HR^LN||7O|/min|||||F\r\
/// OBX|2|NM|9279-1^RR^LN||18|/min|||||F\r";
/// let x = extract_lenient(msg, &ExtractOptions::default()).unwrap();
/// assert_eq!((x.rows.len(), x.errors.len()), (1, 1));
/// assert_eq!(x.errors[0].segment_index, Some(2));
/// ```
pub fn extract_lenient(message: &[u8], options: &ExtractOptions) -> Result<Extraction, Hl7Error> {
    let msg = Message::parse(message)?;
    extract_all(&msg, options)
}

/// [`extract_lenient`] over a message already parsed.
pub fn extract_all(msg: &Message<'_>, options: &ExtractOptions) -> Result<Extraction, Hl7Error> {
    let header = Header::read(msg, options)?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(msg.segments().filter(|s| s.id() == b"OBX").count());
    // The governing OBR's OBR-7: (element, segment index, readable time).
    let mut obr_time: Option<(Element<'_, '_>, usize, Option<DateTime<Utc>>)> = None;
    let mut obx_index = 0u32;
    let mut last_time: Option<(&[u8], Option<DateTime<Utc>>)> = None;
    for seg in msg.segments() {
        match seg.id() {
            b"OBR" => {
                obr_time = seg
                    .field(7)
                    .filter(|f| !f.is_empty() && !f.is_hl7_null())
                    .map(|f| (f, seg.index(), readable_time(&f, options)))
            }
            b"OBX" => {
                obx_index += 1;
                // OBX-1 to OBX-18, found in one pass over the segment.
                let mut fields = [None; 19];
                for (slot, f) in fields.iter_mut().skip(1).zip(seg.fields()) {
                    *slot = Some(f);
                }
                let field = |n: usize| fields[n];
                let code_field = match field(3) {
                    Some(f) => f,
                    None => continue,
                };
                let Some((entry, code, system)) = recognise(&code_field, &options.codes) else {
                    continue;
                };
                let status = text(field(11));
                if status
                    .as_deref()
                    .is_some_and(|s| ["X", "D", "W"].iter().any(|x| s.eq_ignore_ascii_case(x)))
                {
                    continue;
                }
                let Some(value_field) = field(5) else {
                    continue;
                };
                // When OBX-5 repeats, the first repetition is the value.
                let value = value_field.repetition(1).unwrap_or(value_field);
                if value.is_empty() || value.is_hl7_null() {
                    continue;
                }
                let located = |kind: ErrorKind, field: usize, at: usize| {
                    Hl7Error::new(kind)
                        .at(at)
                        .in_segment("OBX", seg.index())
                        .in_field(field)
                };
                let mut row_value = None;
                let mut comparator = None;
                let mut text_value = None;
                if entry.kind == VitalKind::Consciousness {
                    let code = value.component(1).map(|c| c.decoded()).unwrap_or_default();
                    let sys = value.component(3).map(|c| c.decoded()).unwrap_or_default();
                    let letter = options.codes.consciousness(&sys, &code).or_else(|| {
                        // CWE alternate coding (components 4-6)
                        let alt = value.component(4).map(|c| c.decoded())?;
                        let alt_sys = value.component(6).map(|c| c.decoded()).unwrap_or_default();
                        options.codes.consciousness(&alt_sys, &alt)
                    });
                    match letter {
                        Some(l) => text_value = Some(format!("{l:?}")),
                        None => {
                            errors.push(located(
                                ErrorKind::UnknownCode(format!(
                                    "OBX-5 {:?} is not an ACVPU level (A, C, V, P, U or a known code)",
                                    code
                                )),
                                5,
                                value.offset(),
                            ));
                            continue;
                        }
                    }
                } else {
                    let value_type = field(2)
                        .and_then(|f| f.component_text(1))
                        .map(|t| t.trim().to_ascii_uppercase())
                        .unwrap_or_default();
                    match read_number(&value, &value_type) {
                        Ok(Some((v, cmp))) => {
                            if is_mdc_special(v) {
                                continue;
                            }
                            row_value = Some(v);
                            comparator = cmp;
                        }
                        Ok(None) => continue,
                        Err(why) => {
                            errors.push(located(ErrorKind::BadNumber(why), 5, value.offset()));
                            continue;
                        }
                    }
                }

                let unit_field = field(6).filter(|f| !f.is_empty());
                let unit = unit_field
                    .as_ref()
                    .and_then(|f| f.component_text(1))
                    .map(|u| u.into_owned());
                let (normalized_value, normalized_unit) = match row_value {
                    Some(v) => normalize(v, unit_field.as_ref(), entry),
                    None => (None, None),
                };

                // OBX-14, else OBR-7, else MSH-7; an unreadable one counts as absent.
                let obx14 = field(14).filter(|f| !f.is_empty() && !f.is_hl7_null());
                let obx_time = match obx14 {
                    // OBX of one message mostly share a time: parse it once.
                    Some(f) if last_time.is_some_and(|(raw, _)| raw == f.raw()) => {
                        last_time.and_then(|(_, t)| t)
                    }
                    Some(f) => {
                        let t = readable_time(&f, options);
                        last_time = Some((f.raw(), t));
                        t
                    }
                    None => None,
                };
                let Some(observed_at) = obx_time
                    .or(obr_time.and_then(|(_, _, t)| t))
                    .or(header.sent_at)
                else {
                    let shown = |f: Option<Element<'_, '_>>| match f {
                        Some(f) => format!("{:?}", f.decoded()),
                        None => "absent".to_string(),
                    };
                    let why = format!(
                        "no readable observation time: OBX-14 {}, OBR-7 {}, MSH-7 {}",
                        shown(obx14),
                        shown(obr_time.map(|(f, _, _)| f)),
                        shown(header.msh7),
                    );
                    let at = obx14.map_or(seg.offset() + seg.raw().len(), |f| f.offset());
                    errors.push(located(ErrorKind::MissingRequiredField(why), 14, at));
                    continue;
                };

                let glucose_status = match (entry.kind, normalized_value) {
                    (VitalKind::Glucose, Some(mg)) => Some(crate::glucose::classify(mg)),
                    _ => None,
                };
                rows.push(VitalSign {
                    message_control_id: header.control_id.clone(),
                    sending_application: header.sending_application.clone(),
                    sending_facility: header.sending_facility.clone(),
                    obx_index,
                    set_id: text(field(1)).map(Cow::into_owned),
                    patient_id: header.patient_id.clone(),
                    patient_id_authority: header.patient_id_authority.clone(),
                    encounter_id: header.encounter_id.clone(),
                    location: header.location.clone(),
                    kind: entry.kind,
                    code,
                    code_system: system,
                    value: row_value,
                    comparator,
                    text: text_value,
                    unit,
                    normalized_value,
                    normalized_unit,
                    observed_at: Some(observed_at),
                    status: status.map(Cow::into_owned),
                    device_id: field(18)
                        .and_then(|f| f.component_text(1))
                        .map(Cow::into_owned),
                    glucose_status,
                });
            }
            _ => {}
        }
    }
    Ok(Extraction { rows, errors })
}

/// A timestamp element read in the configured zone; `None` when it is not a
/// readable HL7 timestamp (e.g. `APERIODIC`), which counts as absent.
fn readable_time(f: &Element<'_, '_>, options: &ExtractOptions) -> Option<DateTime<Utc>> {
    parse_hl7_time(&f.decoded(), options.zone).ok()
}

/// What every row of a message shares.
struct Header<'a, 'm> {
    control_id: String,
    sending_application: Option<String>,
    sending_facility: Option<String>,
    msh7: Option<Element<'a, 'm>>,
    sent_at: Option<DateTime<Utc>>,
    patient_id: Option<String>,
    patient_id_authority: Option<String>,
    encounter_id: Option<String>,
    location: Option<String>,
}

impl<'a, 'm> Header<'a, 'm> {
    /// Reads the header; MSH-10 is required (rows are keyed by it).
    fn read(msg: &'m Message<'a>, options: &ExtractOptions) -> Result<Self, Hl7Error> {
        let msh = msg.segment(b"MSH", 1);
        let msh_text = |n: usize| {
            msh.and_then(|s| s.field(n))
                .and_then(|f| f.component_text(1))
                .map(Cow::into_owned)
        };
        let Some(control_id) = msh_text(10) else {
            let f = msh.and_then(|s| s.field(10));
            let at = match (f, msh) {
                (Some(f), _) => f.offset(),
                (None, Some(s)) => s.offset() + s.raw().len(),
                (None, None) => 0,
            };
            return Err(Hl7Error::new(ErrorKind::MissingRequiredField(
                "MSH-10 (message control id) is required to extract vital signs".into(),
            ))
            .at(at)
            .in_segment("MSH", 1)
            .in_field(10));
        };
        let msh7 = msh
            .and_then(|s| s.field(7))
            .filter(|f| !f.is_empty() && !f.is_hl7_null());
        let pid3 = msg
            .segment(b"PID", 1)
            .and_then(|s| s.field(3))
            .and_then(|f| f.repetition(1));
        let pv1 = msg.segment(b"PV1", 1);
        Ok(Header {
            control_id,
            sending_application: msh_text(3),
            sending_facility: msh_text(4),
            msh7,
            sent_at: msh7.and_then(|f| readable_time(&f, options)),
            patient_id: pid3.and_then(|r| r.component_text(1)).map(Cow::into_owned),
            patient_id_authority: pid3
                .and_then(|r| r.component(4))
                .and_then(|c| c.subcomponent(1))
                .filter(|s| !s.is_empty())
                .map(|s| s.decoded().into_owned()),
            encounter_id: pv1
                .and_then(|s| s.field(19))
                .and_then(|f| f.component_text(1))
                .map(Cow::into_owned),
            location: pv1
                .and_then(|s| s.field(3))
                .and_then(|f| f.repetition(1))
                .filter(|f| !f.is_empty())
                .map(|f| f.decoded().into_owned()),
        })
    }
}

/// Finds the code of OBX-3 in the table: the primary coding (components 1-3),
/// then the CWE alternate coding (components 4-6).
fn recognise<'t>(
    field: &Element<'_, '_>,
    codes: &'t CodeTable,
) -> Option<(&'t CodeEntry, String, Option<String>)> {
    for (c, s) in [(1, 3), (4, 6)] {
        let Some(code) = field.component_text(c) else {
            continue;
        };
        let system = field.component_text(s);
        if let Some(entry) = codes.lookup(system.as_deref().unwrap_or(""), &code) {
            return Some((entry, code.into_owned(), system.map(Cow::into_owned)));
        }
    }
    None
}

fn text<'a>(f: Option<Element<'a, '_>>) -> Option<Cow<'a, str>> {
    f.filter(|f| !f.is_empty()).map(|f| f.decoded())
}

/// Reads OBX-5 (its first repetition) as OBX-2 says: NM (`120`, `-1.5`,
/// `+3`, `.5`), SN (`>^120`, `^98`), ST when it is a plain decimal number; an
/// empty OBX-2 by the value's shape. `Ok(None)`: no row and no error (an
/// empty number, an ST that is not a number, any other value type).
fn read_number(
    first: &Element<'_, '_>,
    value_type: &str,
) -> Result<Option<(f64, Option<String>)>, String> {
    let as_sn = match value_type {
        // An SN sent without its separator (`98`) is read as the number it is.
        "SN" => first.component(2).is_some(),
        "NM" => false,
        "" => first.component(2).is_some(),
        "ST" => {
            // Only a plain decimal number; any other text is not a reading.
            let t = first.decoded();
            return Ok(parse_nm(&t).ok().map(|v| (v, None)));
        }
        _ => return Ok(None),
    };
    let shown_type = if value_type.is_empty() {
        "unset, read as ".to_string() + if as_sn { "SN" } else { "NM" }
    } else {
        value_type.to_string()
    };
    if as_sn {
        let cmp = first.component_text(1).map(Cow::into_owned);
        let num = first.component_text(2);
        let sep = first.component_text(3);
        if sep.is_some() {
            return Err(format!(
                "OBX-5 (value type {shown_type}) {:?} is a ratio or range, not one number",
                first.decoded()
            ));
        }
        if let Some(c) = &cmp {
            if !matches!(c.as_str(), "<" | ">" | "<=" | ">=" | "=" | "<>") {
                return Err(format!(
                    "OBX-5 (value type {shown_type}) comparator {c:?} is not one of < > <= >= = <>"
                ));
            }
        }
        return match num {
            None => Ok(None),
            Some(n) => parse_nm(&n).map(|v| Some((v, cmp))).map_err(|_| {
                format!(
                    "OBX-5 (value type {shown_type}) {:?} is not an HL7 number",
                    first.decoded()
                )
            }),
        };
    }
    let t = first.decoded();
    if t.trim().is_empty() {
        return Ok(None);
    }
    parse_nm(&t).map(|v| Some((v, None))).map_err(|_| {
        format!(
            "OBX-5 (value type {shown_type}) {:?} is not an HL7 number",
            t.trim()
        )
    })
}

/// HL7 NM: optional sign, digits, optional decimal point. No exponent.
pub fn parse_nm(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let ok = !digits.is_empty()
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return Err(format!("{t:?} is not an HL7 number"));
    }
    t.parse::<f64>()
        .map_err(|_| format!("{t:?} is not an HL7 number"))
}

/// IEEE 11073-20601 FLOAT special values as sent by PCD-01 devices:
/// NaN (8388607), NRes (8388608), +INF (8388606), reserved (8388609), -INF (8388610).
fn is_mdc_special(v: f64) -> bool {
    (8_388_606.0..=8_388_610.0).contains(&v) && v.fract() == 0.0
}

fn normalize(
    value: f64,
    unit_field: Option<&Element<'_, '_>>,
    entry: &CodeEntry,
) -> (Option<f64>, Option<String>) {
    let Some(target) = entry.unit else {
        return (None, None);
    };
    let from = match unit_field {
        Some(f) => unit_of(f),
        None => entry.implied_unit,
    };
    match from.and_then(|u| convert(value, u, target)) {
        Some(v) => (Some(v), Some(target.ucum().to_string())),
        None => (None, None),
    }
}

/// The unit of a non-empty OBX-6: OBX-6-1 when it is known; else an MDC
/// unit mnemonic in OBX-6-2 (devices send `268224^MDC_DIM_FAHR^MDC`); else
/// the text or alternate code (OBX-6-2, OBX-6-4) when it is a known unit.
/// `None` (the value stays un-normalised) when none of them is known.
fn unit_of(f: &Element<'_, '_>) -> Option<Unit> {
    let part = |c: usize| f.component_text(c);
    part(1)
        .and_then(|t| Unit::parse(&t))
        .or_else(|| part(2).and_then(|t| Unit::from_mdc_mnemonic(&t)))
        .or_else(|| {
            [2, 4]
                .iter()
                .find_map(|&c| part(c).and_then(|t| Unit::parse(&t)))
        })
}
