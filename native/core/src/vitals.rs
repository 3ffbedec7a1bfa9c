//! Vital-sign extraction: one [`VitalSign`] per OBX that carries a recognised
//! vital sign.

use crate::charset::trim_text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use crate::codes::{CodeEntry, CodeTable};
use crate::consciousness::Consciousness;
use crate::error::{ErrorKind, Hl7Error};
use crate::glucose::GlucoseStatus;
use crate::message::{Element, Message};
use crate::time::parse_hl7_time;
use crate::units::{convert, Unit};

include!(concat!(env!("OUT_DIR"), "/vital_kind.rs"));

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
    /// GLUCOSE only: the status by the site's thresholds, in the unit sent.
    pub glucose_status: Option<GlucoseStatus>,
    /// MSH-11-1, the processing id: `P` production, `T` training, `D`
    /// debugging. Only production messages are scored (see the contract).
    #[serde(default)]
    pub processing_id: Option<String>,
    /// When vitalflow received the message (the `hl7.received_at` header in
    /// the pipeline; MSH-7 when nothing else says), in UTC.
    #[serde(default, with = "rfc3339_opt")]
    pub received_at: Option<DateTime<Utc>>,
    /// The device clock is wrong: `observed_at` is more than the clock
    /// tolerance (5 minutes by default) after `received_at`. The row keeps
    /// the time as sent; the rules score it at `received_at`.
    #[serde(default)]
    pub clock_error: bool,
}

impl VitalSign {
    /// The time the streaming rules use for this row: `observed_at`, or
    /// `received_at` when the device clock is wrong (a reading cannot have
    /// been taken after it arrived).
    pub fn scored_at(&self) -> Option<DateTime<Utc>> {
        match (self.clock_error, self.received_at) {
            (true, Some(r)) => Some(r),
            _ => self.observed_at,
        }
    }
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
    /// How far after its receipt an observation time may be before it is a
    /// clock error (default 5 minutes).
    pub clock_tolerance: chrono::TimeDelta,
    /// The site's hypoglycaemia thresholds (default ADA).
    pub glucose: crate::glucose::GlucoseThresholds,
}

/// The default of [`ExtractOptions::clock_tolerance`]: 5 minutes.
pub const CLOCK_TOLERANCE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            zone: chrono_tz::UTC,
            codes: crate::codes::CodeTable::builtin(),
            clock_tolerance: CLOCK_TOLERANCE,
            glucose: crate::glucose::GlucoseThresholds::default(),
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
/// The extract entry points: [`extract`] (owned rows, the first bad OBX fails
/// the message), [`extract_lenient`] (owned rows and one error per bad OBX)
/// and [`extract_rows`] (the same as `extract_lenient`, over a parsed message,
/// with rows that borrow from the message and share its header; the other two
/// are built on it).
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
    extract_rows(&msg, options)?.into_result()
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
    Ok(extract_rows(&msg, options)?.into_extraction())
}

/// [`extract_lenient`] for a message received at `received_at` (see
/// [`extract_rows_received`]).
pub fn extract_lenient_received(
    message: &[u8],
    options: &ExtractOptions,
    received_at: Option<DateTime<Utc>>,
) -> Result<Extraction, Hl7Error> {
    let msg = Message::parse(message)?;
    Ok(extract_rows_received(&msg, options, received_at)?.into_extraction())
}

/// What every row of a message shares (MSH, PID and PV1 fields), borrowed
/// from the message unless unescaping or decoding made new text.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageHeader<'a> {
    /// MSH-10.
    pub message_control_id: Cow<'a, str>,
    /// MSH-3-1.
    pub sending_application: Option<Cow<'a, str>>,
    /// MSH-4-1.
    pub sending_facility: Option<Cow<'a, str>>,
    /// PID-3-1 of the first repetition.
    pub patient_id: Option<Cow<'a, str>>,
    /// PID-3-4-1.
    pub patient_id_authority: Option<Cow<'a, str>>,
    /// PV1-19-1.
    pub encounter_id: Option<Cow<'a, str>>,
    /// PV1-3 as sent (unescaped).
    pub location: Option<Cow<'a, str>>,
    /// MSH-11-1.
    pub processing_id: Option<Cow<'a, str>>,
    /// The receipt time: given by the caller, else MSH-7.
    pub received_at: Option<DateTime<Utc>>,
}

/// One vital-sign OBX, borrowing from the message; the message-level columns
/// of a [`VitalSign`] are in the [`MessageHeader`]. Field meanings as in
/// [`VitalSign`].
#[derive(Debug, Clone, PartialEq)]
pub struct ObxRow<'a> {
    pub obx_index: u32,
    pub set_id: Option<Cow<'a, str>>,
    pub kind: VitalKind,
    pub code: Cow<'a, str>,
    pub code_system: Option<Cow<'a, str>>,
    pub value: Option<f64>,
    pub comparator: Option<Cow<'a, str>>,
    pub text: Option<&'static str>,
    pub unit: Option<Cow<'a, str>>,
    pub normalized_value: Option<f64>,
    pub normalized_unit: Option<&'static str>,
    pub observed_at: DateTime<Utc>,
    pub status: Option<Cow<'a, str>>,
    pub device_id: Option<Cow<'a, str>>,
    pub glucose_status: Option<GlucoseStatus>,
    pub clock_error: bool,
}

impl ObxRow<'_> {
    /// The owned row, with the header's columns copied in.
    pub fn to_vital_sign(&self, header: &MessageHeader<'_>) -> VitalSign {
        let own = |s: &Option<Cow<'_, str>>| s.as_deref().map(str::to_owned);
        VitalSign {
            message_control_id: header.message_control_id.clone().into_owned(),
            sending_application: own(&header.sending_application),
            sending_facility: own(&header.sending_facility),
            obx_index: self.obx_index,
            set_id: own(&self.set_id),
            patient_id: own(&header.patient_id),
            patient_id_authority: own(&header.patient_id_authority),
            encounter_id: own(&header.encounter_id),
            location: own(&header.location),
            kind: self.kind,
            code: self.code.clone().into_owned(),
            code_system: own(&self.code_system),
            value: self.value,
            comparator: own(&self.comparator),
            text: self.text.map(str::to_owned),
            unit: own(&self.unit),
            normalized_value: self.normalized_value,
            normalized_unit: self.normalized_unit.map(str::to_owned),
            observed_at: Some(self.observed_at),
            status: own(&self.status),
            device_id: own(&self.device_id),
            glucose_status: self.glucose_status,
            processing_id: own(&header.processing_id),
            received_at: header.received_at,
            clock_error: self.clock_error,
        }
    }
}

/// The rows of one message, borrowing from it: what [`extract_rows`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRows<'a> {
    pub header: MessageHeader<'a>,
    /// One row per vital-sign OBX that could be read, in message order.
    pub rows: Vec<ObxRow<'a>>,
    /// One error per vital-sign OBX that could not be read, in message order.
    pub errors: Vec<Hl7Error>,
}

impl MessageRows<'_> {
    /// Owned rows.
    pub fn to_vital_signs(&self) -> Vec<VitalSign> {
        self.rows
            .iter()
            .map(|r| r.to_vital_sign(&self.header))
            .collect()
    }

    /// Owned rows and the errors.
    pub fn into_extraction(self) -> Extraction {
        Extraction {
            rows: self.to_vital_signs(),
            errors: self.errors,
        }
    }

    /// Owned rows, or the first bad OBX's error ([`extract`]'s result).
    pub fn into_result(mut self) -> Result<Vec<VitalSign>, Hl7Error> {
        match self.errors.is_empty() {
            true => Ok(self.to_vital_signs()),
            false => Err(self.errors.swap_remove(0)),
        }
    }
}

/// The letter of an ACVPU level as text.
fn acvpu_text(c: Consciousness) -> &'static str {
    match c {
        Consciousness::A => "A",
        Consciousness::C => "C",
        Consciousness::V => "V",
        Consciousness::P => "P",
        Consciousness::U => "U",
    }
}

/// [`extract_lenient`] over a message already parsed, with rows that borrow
/// from it. Errors in the message as a whole (no MSH-10) fail the call.
///
/// ```
/// use vitalflow_core::vitals::{extract_rows, ExtractOptions};
/// use vitalflow_core::Message;
/// let msg = Message::parse(b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|C1|P|2.6\r\
/// OBX|1|NM|8867-4^HR^LN||72|/min|||||F\r\
/// OBX|2|NM|9279-1^RR^LN||18|/min|||||F\r").unwrap();
/// let x = extract_rows(&msg, &ExtractOptions::default()).unwrap();
/// assert_eq!(x.header.message_control_id, "C1");
/// assert_eq!((x.rows.len(), &*x.rows[1].code), (2, "9279-1"));
/// ```
pub fn extract_rows<'a>(
    msg: &Message<'a>,
    options: &ExtractOptions,
) -> Result<MessageRows<'a>, Hl7Error> {
    extract_rows_received(msg, options, None)
}

/// [`extract_rows`] for a message received at `received_at` (the
/// `hl7.received_at` header; `None`: MSH-7 stands in). A row whose
/// observation time is more than [`ExtractOptions::clock_tolerance`] after
/// the receipt has `clock_error` set (docs/contract.md, "Device clocks").
pub fn extract_rows_received<'a>(
    msg: &Message<'a>,
    options: &ExtractOptions,
    received_at: Option<DateTime<Utc>>,
) -> Result<MessageRows<'a>, Hl7Error> {
    let (mut header, ctx) = read_header(msg, options)?;
    header.received_at = received_at.or(ctx.sent_at);
    let latest_plausible = header
        .received_at
        .and_then(|r| r.checked_add_signed(options.clock_tolerance));
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(msg.segments().filter(|s| s.id() == b"OBX").count());
    // The governing OBR's OBR-7: (element, segment index, readable time).
    let mut obr_time: Option<(Element<'a, '_>, usize, Option<DateTime<Utc>>)> = None;
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
                let fields = seg.fields_upto::<19>();
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
                // Components 1-6 of the value, found once.
                let parts = value.components::<6>();
                let part = |n: usize| parts[n - 1];
                let mut row_value = None;
                let mut comparator = None;
                let mut text_value = None;
                if entry.kind == VitalKind::Consciousness {
                    let code = part(1).map(|c| c.decoded()).unwrap_or_default();
                    let sys = part(3).map(|c| c.decoded()).unwrap_or_default();
                    let letter = options.codes.consciousness(&sys, &code).or_else(|| {
                        // CWE alternate coding (components 4-6)
                        let alt = part(4).map(|c| c.decoded())?;
                        let alt_sys = part(6).map(|c| c.decoded()).unwrap_or_default();
                        options.codes.consciousness(&alt_sys, &alt)
                    });
                    match letter {
                        Some(l) => text_value = Some(acvpu_text(l)),
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
                        .and_then(|f| f.components::<1>()[0])
                        .filter(|c| !c.is_empty())
                        .map_or(ValueType::Unset, |c| ValueType::of(&c.decoded()));
                    match read_number(&value, &parts, value_type) {
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

                let unit_parts = field(6)
                    .filter(|f| !f.is_empty())
                    .map(|f| f.components::<4>());
                let unit = unit_parts.as_ref().and_then(|p| component_text(p, 1));
                let (normalized_value, normalized_unit, unit_read) = match row_value {
                    Some(v) => normalize(v, unit_parts.as_ref(), entry),
                    None => (None, None, None),
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
                    .or(ctx.sent_at)
                else {
                    let shown = |f: Option<Element<'_, '_>>| match f {
                        Some(f) => format!("{:?}", f.decoded()),
                        None => "absent".to_string(),
                    };
                    let why = format!(
                        "no readable observation time: OBX-14 {}, OBR-7 {}, MSH-7 {}",
                        shown(obx14),
                        shown(obr_time.map(|(f, _, _)| f)),
                        shown(ctx.msh7),
                    );
                    let at = obx14.map_or(seg.offset() + seg.raw().len(), |f| f.offset());
                    errors.push(located(ErrorKind::MissingRequiredField(why), 14, at));
                    continue;
                };

                // Classified in the unit sent, by the site's thresholds.
                let glucose_status = match (entry.kind, row_value, unit_read) {
                    (VitalKind::Glucose, Some(v), Some(Unit::MmolPerL)) => Some(
                        options
                            .glucose
                            .classify(v, crate::glucose::GlucoseUnit::MmolL),
                    ),
                    (VitalKind::Glucose, Some(_), Some(_)) => normalized_value.map(|mg| {
                        options
                            .glucose
                            .classify(mg, crate::glucose::GlucoseUnit::MgDl)
                    }),
                    _ => None,
                };
                let clock_error = latest_plausible.is_some_and(|l| observed_at > l);
                rows.push(ObxRow {
                    obx_index,
                    set_id: text(field(1)),
                    kind: entry.kind,
                    code,
                    code_system: system,
                    value: row_value,
                    comparator,
                    text: text_value,
                    unit,
                    normalized_value,
                    normalized_unit,
                    observed_at,
                    status,
                    device_id: field(18).and_then(|f| component_text(&f.components::<1>(), 1)),
                    glucose_status,
                    clock_error,
                });
            }
            _ => {}
        }
    }
    Ok(MessageRows {
        header,
        rows,
        errors,
    })
}

/// A timestamp element read in the configured zone; `None` when it is not a
/// readable HL7 timestamp (e.g. `APERIODIC`), which counts as absent.
fn readable_time(f: &Element<'_, '_>, options: &ExtractOptions) -> Option<DateTime<Utc>> {
    parse_hl7_time(&f.decoded(), options.zone).ok()
}

/// The header's timestamp (MSH-7) for rows without OBX-14 and OBR-7.
struct HeaderTime<'a, 'm> {
    msh7: Option<Element<'a, 'm>>,
    sent_at: Option<DateTime<Utc>>,
}

/// The first `N` fields of a segment, found in one pass (`[n]` is field `n`).
fn first_fields<'a, 'm, const N: usize>(
    seg: Option<crate::message::Segment<'a, 'm>>,
) -> [Option<Element<'a, 'm>>; N] {
    seg.map_or([None; N], |s| s.fields_upto::<N>())
}

/// Reads the header; MSH-10 is required (rows are keyed by it).
fn read_header<'a, 'm>(
    msg: &'m Message<'a>,
    options: &ExtractOptions,
) -> Result<(MessageHeader<'a>, HeaderTime<'a, 'm>), Hl7Error> {
    let msh = msg.segment(b"MSH", 1);
    let msh_fields = first_fields::<12>(msh);
    let msh_text = |n: usize| msh_fields[n].and_then(|f| component_text(&f.components::<1>(), 1));
    let Some(control_id) = msh_text(10) else {
        let f = msh_fields[10];
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
    let msh7 = msh_fields[7].filter(|f| !f.is_empty() && !f.is_hl7_null());
    let pid3 = msg
        .segment(b"PID", 1)
        .and_then(|s| s.field(3))
        .and_then(|f| f.repetition(1))
        .map(|r| r.components::<4>());
    let pv1 = first_fields::<20>(msg.segment(b"PV1", 1));
    let header = MessageHeader {
        message_control_id: control_id,
        sending_application: msh_text(3),
        sending_facility: msh_text(4),
        patient_id: pid3.as_ref().and_then(|p| component_text(p, 1)),
        patient_id_authority: pid3
            .and_then(|p| p[3])
            .and_then(|c| c.subcomponent(1))
            .filter(|s| !s.is_empty())
            .map(|s| s.decoded()),
        encounter_id: pv1[19].and_then(|f| component_text(&f.components::<1>(), 1)),
        location: pv1[3]
            .and_then(|f| f.repetition(1))
            .filter(|f| !f.is_empty())
            .map(|f| f.decoded()),
        processing_id: msh_text(11),
        received_at: None,
    };
    let time = HeaderTime {
        msh7,
        sent_at: msh7.and_then(|f| readable_time(&f, options)),
    };
    Ok((header, time))
}

/// Text of component `n` of a split element, `None` when absent or empty
/// (what [`Element::component_text`] gives).
fn component_text<'a, const N: usize>(
    parts: &[Option<Element<'a, '_>>; N],
    n: usize,
) -> Option<Cow<'a, str>> {
    parts[n - 1].filter(|c| !c.is_empty()).map(|c| c.decoded())
}

/// Finds the code of OBX-3 in the table: the primary coding (components 1-3),
/// then the CWE alternate coding (components 4-6).
#[allow(clippy::type_complexity)]
fn recognise<'a, 't>(
    field: &Element<'a, '_>,
    codes: &'t CodeTable,
) -> Option<(&'t CodeEntry, Cow<'a, str>, Option<Cow<'a, str>>)> {
    let parts = field.components::<6>();
    for (c, s) in [(1, 3), (4, 6)] {
        let Some(code) = component_text(&parts, c) else {
            continue;
        };
        let system = component_text(&parts, s);
        if let Some(entry) = codes.lookup(system.as_deref().unwrap_or(""), &code) {
            return Some((entry, code, system));
        }
    }
    None
}

fn text<'a>(f: Option<Element<'a, '_>>) -> Option<Cow<'a, str>> {
    f.filter(|f| !f.is_empty()).map(|f| f.decoded())
}

/// OBX-2 (component 1, trimmed, case-insensitive), as far as reading OBX-5
/// depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueType {
    Unset,
    Nm,
    Sn,
    St,
    Other,
}

impl ValueType {
    fn of(text: &str) -> ValueType {
        let t = trim_text(text);
        match t.len() {
            0 => ValueType::Unset,
            2 if t.eq_ignore_ascii_case("NM") => ValueType::Nm,
            2 if t.eq_ignore_ascii_case("SN") => ValueType::Sn,
            2 if t.eq_ignore_ascii_case("ST") => ValueType::St,
            _ => ValueType::Other,
        }
    }
}

/// Reads OBX-5 (its first repetition, `parts` its components 1-6) as OBX-2
/// says: NM (`120`, `-1.5`, `+3`, `.5`), SN (`>^120`, `^98`), ST when it is a
/// plain decimal number; an empty OBX-2 by the value's shape. `Ok(None)`: no
/// row and no error (an empty number, an ST that is not a number, any other
/// value type).
#[allow(clippy::type_complexity)]
fn read_number<'a>(
    first: &Element<'a, '_>,
    parts: &[Option<Element<'a, '_>>; 6],
    value_type: ValueType,
) -> Result<Option<(f64, Option<Cow<'a, str>>)>, String> {
    let as_sn = match value_type {
        // An SN sent without its separator (`98`) is read as the number it is.
        ValueType::Sn => parts[1].is_some(),
        ValueType::Nm => false,
        ValueType::Unset => parts[1].is_some(),
        ValueType::St => {
            // Only a plain decimal number; any other text is not a reading.
            let t = first.decoded();
            return Ok(parse_nm(&t).ok().map(|v| (v, None)));
        }
        ValueType::Other => return Ok(None),
    };
    let shown_type = || match value_type {
        ValueType::Sn => "SN",
        ValueType::Nm => "NM",
        _ if as_sn => "unset, read as SN",
        _ => "unset, read as NM",
    };
    if as_sn {
        let cmp = component_text(parts, 1);
        let num = component_text(parts, 2);
        let sep = component_text(parts, 3);
        if sep.is_some() {
            return Err(format!(
                "OBX-5 (value type {}) {:?} is a ratio or range, not one number",
                shown_type(),
                first.decoded()
            ));
        }
        if let Some(c) = &cmp {
            if !matches!(&**c, "<" | ">" | "<=" | ">=" | "=" | "<>") {
                return Err(format!(
                    "OBX-5 (value type {}) comparator {c:?} is not one of < > <= >= = <>",
                    shown_type()
                ));
            }
        }
        return match num {
            None => Ok(None),
            Some(n) => parse_nm(&n).map(|v| Some((v, cmp))).map_err(|_| {
                format!(
                    "OBX-5 (value type {}) {:?} is not an HL7 number",
                    shown_type(),
                    first.decoded()
                )
            }),
        };
    }
    let t = first.decoded();
    if trim_text(&t).is_empty() {
        return Ok(None);
    }
    parse_nm(&t).map(|v| Some((v, None))).map_err(|_| {
        format!(
            "OBX-5 (value type {}) {:?} is not an HL7 number",
            shown_type(),
            trim_text(&t)
        )
    })
}

/// HL7 NM: optional sign, digits, optional decimal point. No exponent.
pub fn parse_nm(s: &str) -> Result<f64, String> {
    let t = trim_text(s);
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

/// The value in the kind's canonical unit, the canonical unit and the unit
/// the value was read in. An FiO2 of at most 1 with an empty OBX-6 is a
/// fraction (`0.40` is 40 %): no one breathes under 1 % oxygen.
fn normalize(
    value: f64,
    unit_parts: Option<&[Option<Element<'_, '_>>; 4]>,
    entry: &CodeEntry,
) -> (Option<f64>, Option<&'static str>, Option<Unit>) {
    let Some(target) = entry.unit else {
        return (None, None, None);
    };
    let from = match unit_parts {
        Some(p) => unit_of(p),
        None if entry.kind == VitalKind::InspiredO2
            && entry.implied_unit == Some(Unit::Percent)
            && (0.0..=1.0).contains(&value) =>
        {
            Some(Unit::Fraction)
        }
        None => entry.implied_unit,
    };
    match from.and_then(|u| convert(value, u, target).map(|v| (v, u))) {
        Some((v, u)) => (Some(v), Some(target.ucum()), Some(u)),
        None => (None, None, None),
    }
}

/// The unit of a non-empty OBX-6 (`p`: its components 1-4): OBX-6-1 when it
/// is known; else an MDC unit mnemonic in OBX-6-2 (devices send
/// `268224^MDC_DIM_FAHR^MDC`); else the text or alternate code (OBX-6-2,
/// OBX-6-4) when it is a known unit. `None` (the value stays un-normalised)
/// when none of them is known.
fn unit_of(p: &[Option<Element<'_, '_>>; 4]) -> Option<Unit> {
    let part = |c: usize| component_text(p, c);
    part(1)
        .and_then(|t| Unit::parse(&t))
        .or_else(|| part(2).and_then(|t| Unit::from_mdc_mnemonic(&t)))
        .or_else(|| {
            [2, 4]
                .iter()
                .find_map(|&c| part(c).and_then(|t| Unit::parse(&t)))
        })
}
