//! The compact binary form in which rows cross JNI: one `byte[]` per call that
//! `io.vitalflow.bridge.RowDecoder` reads, instead of thousands of JNI object
//! constructions. Little-endian; `varint` is unsigned LEB128.
//!
//! ```text
//! rows      := varint count, row*
//! row       := varint obx_index, u8 kind, u8 flags, u8 glucose_status,
//!              [f64 value] [f64 normalized_value] [i64 observed_at_micros],
//!              str message_control_id, set_id, patient_id, patient_id_authority,
//!                  encounter_id, location, code, code_system, comparator, text,
//!                  unit, normalized_unit, status, device_id,
//!                  sending_application, sending_facility
//! flags     := bit 0 value present, bit 1 normalized_value, bit 2 observed_at
//! glucose   := 0 absent, 1 + ordinal of GlucoseStatus
//! str       := varint 0 = null | 1 = same as this column in the previous row
//!              | n >= 2 then n - 2 bytes of UTF-8
//! error     := varint kind code (ERROR_CODES), str message, varint offset+1, str segment,
//!              varint segment_index+1, varint field+1            (0 = absent)
//! result    := u8 0, rows | u8 1, error | u8 2, rows, error
//!              (2: the rows of a message some of whose OBX could not be
//!              read, and the first such OBX's error)
//! batch     := varint count, result*
//! stream    := varint count, (varint byte_offset, result)*
//! ```
//!
//! The "same as previous" code shares the message-level columns (control id,
//! sender, patient, encounter, location) between the rows of one message, so the Java
//! side builds each such `String` once per message.

use vitalflow_core::glucose::GlucoseStatus;
use vitalflow_core::vitals::{MessageHeader, MessageRows, ObxRow};
use vitalflow_core::{Hl7Error, VitalKind, VitalSign};

/// Number of string columns per row.
pub const STRING_COLUMNS: usize = 16;

pub const FLAG_VALUE: u8 = 1;
pub const FLAG_NORMALIZED_VALUE: u8 = 2;
pub const FLAG_OBSERVED_AT: u8 = 4;

pub const TAG_OK: u8 = 0;
pub const TAG_ERROR: u8 = 1;
pub const TAG_PARTIAL: u8 = 2;

/// Ordinal of a kind in the Java enum `io.vitalflow.bridge.VitalKind`.
pub fn kind_ordinal(kind: VitalKind) -> u8 {
    match kind {
        VitalKind::Temperature => 0,
        VitalKind::SystolicBp => 1,
        VitalKind::DiastolicBp => 2,
        VitalKind::MeanBp => 3,
        VitalKind::HeartRate => 4,
        VitalKind::RespiratoryRate => 5,
        VitalKind::Spo2 => 6,
        VitalKind::Glucose => 7,
        VitalKind::Consciousness => 8,
        VitalKind::InspiredO2 => 9,
    }
}

/// 1 + ordinal in the Java enum `io.vitalflow.bridge.GlucoseStatus`; 0 for absent.
pub fn glucose_code(status: Option<GlucoseStatus>) -> u8 {
    match status {
        None => 0,
        Some(GlucoseStatus::HypoL2) => 1,
        Some(GlucoseStatus::HypoL1) => 2,
        Some(GlucoseStatus::Normal) => 3,
        Some(GlucoseStatus::Hyper) => 4,
        Some(GlucoseStatus::HyperSevere) => 5,
    }
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_opt_pos(out: &mut Vec<u8>, v: Option<usize>) {
    put_varint(out, v.map_or(0, |v| v as u64 + 1));
}

/// A string that is never coded as "same as previous".
pub fn put_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 2);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn put_column<'a>(out: &mut Vec<u8>, prev: &mut Option<Option<&'a str>>, s: Option<&'a str>) {
    if *prev == Some(s) && s.is_some() {
        put_varint(out, 1);
    } else {
        put_str(out, s);
        *prev = Some(s);
    }
}

/// The fixed-width part of a row and its string columns.
struct RowParts<'r> {
    obx_index: u32,
    kind: VitalKind,
    value: Option<f64>,
    normalized_value: Option<f64>,
    observed_at_micros: Option<i64>,
    glucose_status: Option<GlucoseStatus>,
    columns: [Option<&'r str>; STRING_COLUMNS],
}

fn put_rows_of<'r>(out: &mut Vec<u8>, count: usize, rows: impl Iterator<Item = RowParts<'r>>) {
    put_varint(out, count as u64);
    let mut prev: [Option<Option<&str>>; STRING_COLUMNS] = [None; STRING_COLUMNS];
    for r in rows {
        put_varint(out, u64::from(r.obx_index));
        out.push(kind_ordinal(r.kind));
        let mut flags = 0;
        if r.value.is_some() {
            flags |= FLAG_VALUE;
        }
        if r.normalized_value.is_some() {
            flags |= FLAG_NORMALIZED_VALUE;
        }
        if r.observed_at_micros.is_some() {
            flags |= FLAG_OBSERVED_AT;
        }
        out.push(flags);
        out.push(glucose_code(r.glucose_status));
        if let Some(v) = r.value {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if let Some(v) = r.normalized_value {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if let Some(t) = r.observed_at_micros {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for (p, s) in prev.iter_mut().zip(r.columns) {
            put_column(out, p, s);
        }
    }
}

/// Appends `rows` (one message's rows, owned).
pub fn put_rows(out: &mut Vec<u8>, rows: &[VitalSign]) {
    put_rows_of(
        out,
        rows.len(),
        rows.iter().map(|r| RowParts {
            obx_index: r.obx_index,
            kind: r.kind,
            value: r.value,
            normalized_value: r.normalized_value,
            observed_at_micros: r.observed_at.map(|t| t.timestamp_micros()),
            glucose_status: r.glucose_status,
            columns: [
                Some(r.message_control_id.as_str()),
                r.set_id.as_deref(),
                r.patient_id.as_deref(),
                r.patient_id_authority.as_deref(),
                r.encounter_id.as_deref(),
                r.location.as_deref(),
                Some(r.code.as_str()),
                r.code_system.as_deref(),
                r.comparator.as_deref(),
                r.text.as_deref(),
                r.unit.as_deref(),
                r.normalized_unit.as_deref(),
                r.status.as_deref(),
                r.device_id.as_deref(),
                r.sending_application.as_deref(),
                r.sending_facility.as_deref(),
            ],
        }),
    );
}

/// Appends one message's rows as [`vitalflow_core::vitals::extract_rows`]
/// gives them (borrowed from the message): the same bytes as [`put_rows`] of
/// the owned rows, without making them.
pub fn put_message_rows(out: &mut Vec<u8>, header: &MessageHeader<'_>, rows: &[ObxRow<'_>]) {
    let h = header;
    put_rows_of(
        out,
        rows.len(),
        rows.iter().map(|r| RowParts {
            obx_index: r.obx_index,
            kind: r.kind,
            value: r.value,
            normalized_value: r.normalized_value,
            observed_at_micros: Some(r.observed_at.timestamp_micros()),
            glucose_status: r.glucose_status,
            columns: [
                Some(&*h.message_control_id),
                r.set_id.as_deref(),
                h.patient_id.as_deref(),
                h.patient_id_authority.as_deref(),
                h.encounter_id.as_deref(),
                h.location.as_deref(),
                Some(&*r.code),
                r.code_system.as_deref(),
                r.comparator.as_deref(),
                r.text,
                r.unit.as_deref(),
                r.normalized_unit,
                r.status.as_deref(),
                r.device_id.as_deref(),
                h.sending_application.as_deref(),
                h.sending_facility.as_deref(),
            ],
        }),
    );
}

/// Appends an error record.
pub fn put_error(out: &mut Vec<u8>, e: &Hl7Error) {
    put_varint(out, u64::from(crate::error::kind_code(e)));
    put_str(out, Some(&e.to_string()));
    put_opt_pos(out, e.offset);
    put_str(out, e.segment.as_deref());
    put_opt_pos(out, e.segment_index);
    put_opt_pos(out, e.field);
}

/// Appends one message's outcome.
pub fn put_result(out: &mut Vec<u8>, result: &Result<Vec<VitalSign>, Hl7Error>) {
    match result {
        Ok(rows) => {
            out.push(TAG_OK);
            put_rows(out, rows);
        }
        Err(e) => {
            out.push(TAG_ERROR);
            put_error(out, e);
        }
    }
}

/// Appends one message's outcome from a lenient extraction: the rows, and the
/// first error when some OBX could not be read (the other rows still count).
pub fn put_extraction(out: &mut Vec<u8>, result: &Result<MessageRows<'_>, Hl7Error>) {
    match result {
        Ok(x) if x.errors.is_empty() => {
            out.push(TAG_OK);
            put_message_rows(out, &x.header, &x.rows);
        }
        Ok(x) => {
            out.push(TAG_PARTIAL);
            put_message_rows(out, &x.header, &x.rows);
            put_error(out, &x.errors[0]);
        }
        Err(e) => {
            out.push(TAG_ERROR);
            put_error(out, e);
        }
    }
}

/// A reader for the format above; the Java decoder is the production reader,
/// this one keeps the Rust tests honest about the layout.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }
    pub fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.u8();
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }
    pub fn f64(&mut self) -> f64 {
        let v = f64::from_le_bytes(
            self.buf[self.pos..self.pos + 8]
                .try_into()
                .expect("8 bytes"),
        );
        self.pos += 8;
        v
    }
    pub fn i64(&mut self) -> i64 {
        let v = i64::from_le_bytes(
            self.buf[self.pos..self.pos + 8]
                .try_into()
                .expect("8 bytes"),
        );
        self.pos += 8;
        v
    }
    /// `None` null, `Some(None)` same as previous, `Some(Some(s))` a string.
    pub fn str(&mut self) -> Option<Option<&'a str>> {
        match self.varint() {
            0 => None,
            1 => Some(None),
            n => {
                let len = n as usize - 2;
                let s = std::str::from_utf8(&self.buf[self.pos..self.pos + len]).expect("utf-8");
                self.pos += len;
                Some(Some(s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use vitalflow_core::ErrorKind;

    fn row(i: u32) -> VitalSign {
        VitalSign {
            message_control_id: "CTRL1".into(),
            sending_application: Some("MON".into()),
            sending_facility: None,
            obx_index: i,
            set_id: Some(i.to_string()),
            patient_id: Some("12345".into()),
            patient_id_authority: Some("HOSP".into()),
            encounter_id: None,
            location: Some("ICU^1^A".into()),
            kind: VitalKind::HeartRate,
            code: "8867-4".into(),
            code_system: Some("LN".into()),
            value: Some(72.0),
            comparator: None,
            text: None,
            unit: Some("/min".into()),
            normalized_value: Some(72.0),
            normalized_unit: Some("/min".into()),
            observed_at: Some(chrono::Utc.with_ymd_and_hms(2026, 11, 20, 6, 0, 0).unwrap()),
            status: Some("F".into()),
            device_id: None,
            glucose_status: None,
        }
    }

    #[test]
    fn rows_round_trip_with_shared_columns() {
        let mut out = Vec::new();
        put_result(&mut out, &Ok(vec![row(1), row(2)]));
        let mut r = Reader::new(&out);
        assert_eq!(r.u8(), TAG_OK);
        assert_eq!(r.varint(), 2);
        for i in 1..=2u64 {
            assert_eq!(r.varint(), i);
            assert_eq!(r.u8(), 4);
            assert_eq!(
                r.u8(),
                FLAG_VALUE | FLAG_NORMALIZED_VALUE | FLAG_OBSERVED_AT
            );
            assert_eq!(r.u8(), 0);
            assert_eq!(r.f64(), 72.0);
            assert_eq!(r.f64(), 72.0);
            assert_eq!(r.i64(), 1_795_154_400_000_000);
            let cols: Vec<_> = (0..STRING_COLUMNS).map(|_| r.str()).collect();
            if i == 1 {
                assert_eq!(cols[0], Some(Some("CTRL1")));
                assert_eq!(cols[5], Some(Some("ICU^1^A")));
                assert_eq!(cols[14], Some(Some("MON")));
            } else {
                assert_eq!(cols[0], Some(None), "control id shared");
                assert_eq!(cols[1], Some(Some("2")), "set id differs");
                assert_eq!(cols[14], Some(None), "sender shared");
            }
            assert_eq!(cols[4], None, "null stays null");
            assert_eq!(cols[15], None, "null stays null");
        }
        assert!(r.at_end());
    }

    #[test]
    fn errors_carry_their_position() {
        let e = Hl7Error::new(ErrorKind::BadSegmentId("ob1".into()))
            .at(40)
            .in_segment("OB1", 3);
        let mut out = Vec::new();
        put_result(&mut out, &Err(e));
        let mut r = Reader::new(&out);
        assert_eq!(r.u8(), TAG_ERROR);
        assert_eq!(r.varint(), 4, "BAD_SEGMENT_ID");
        assert!(r.str().unwrap().unwrap().contains("at byte 40"));
        assert_eq!(r.varint(), 41);
        assert_eq!(r.str(), Some(Some("OB1")));
        assert_eq!(r.varint(), 4);
        assert_eq!(r.varint(), 0);
        assert!(r.at_end());
    }

    #[test]
    fn varints() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(Reader::new(&out).varint(), v);
        }
    }
}
