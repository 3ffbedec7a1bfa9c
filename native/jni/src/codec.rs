//! The compact binary form in which rows cross JNI: one `byte[]` per call that
//! `io.vitalflow.bridge.RowDecoder` reads, instead of thousands of JNI object
//! constructions. Little-endian; `varint` is unsigned LEB128.
//!
//! ```text
//! rows      := varint count, row*
//! row       := varint obx_index, u8 kind, u8 flags, u8 glucose_status,
//!              [f64 value] [f64 normalized_value] [i64 observed_at_micros],
//!              column message_control_id, set_id, patient_id, patient_id_authority,
//!                  encounter_id, location, code, code_system, comparator, text,
//!                  unit, normalized_unit, status, device_id,
//!                  sending_application, sending_facility
//! flags     := bit 0 value present, bit 1 normalized_value, bit 2 observed_at
//! glucose   := 0 absent, 1 + ordinal of GlucoseStatus
//! column    := varint 0 = null
//!              | 1 = same as this column in the previous row of the message
//!              | 2 + 2i = entry i of the buffer's dictionary
//!              | 3 + 4n then n bytes of UTF-8, which become the dictionary's next entry
//!              | 5 + 4n then n bytes of UTF-8, not added to the dictionary
//! str       := varint 0 = null | n >= 2 then n - 2 bytes of UTF-8
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
//! sender, patient, encounter, location) between the rows of one message.
//!
//! The dictionary (a [`Dictionary`]) belongs to the whole buffer: one message
//! (`extract0`), a batch or a stream. It starts empty; every `3 + 4n` literal
//! appends an entry, so entry `i` is the `i`-th such literal in the buffer,
//! whatever its column. A value seen before anywhere in the buffer (a code, a
//! unit, a status, a set id, a sender, a patient, a location...) is written as
//! a reference, so the Java side builds each distinct `String` once per buffer
//! and a repeat costs it an array index, no hashing. The control id (unique per
//! message) is never added; the dictionary holds at most [`DICTIONARY_LIMIT`]
//! entries, of which the per-patient columns (patient, authority, encounter,
//! location, device) may fill only half, so that a long stream of many patients
//! leaves room for codes and units; past the limit values are `5 + 4n` literals.
//! References take the short codes (one byte up to entry 62).

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

/// Ordinal of a kind in the Java enum `io.vitalflow.bridge.VitalKind`: both
/// enums are generated from the symbols of `schemas/VitalSign.avsc`, in order.
pub fn kind_ordinal(kind: VitalKind) -> u8 {
    // The core's build script refuses a schema with more than 255 kinds.
    kind.index() as u8
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

/// Most entries a buffer's [`Dictionary`] holds.
pub const DICTIONARY_LIMIT: usize = 4096;

/// Longest string that goes into the dictionary (longer ones are written once
/// each, so that a long text is not hashed).
pub const DICTIONARY_MAX_LEN: usize = 255;

/// `column` codes: `2 + 2i` reference, `3 + 4n` kept literal, `5 + 4n` literal.
pub const COLUMN_REF: u64 = 2;
pub const COLUMN_KEPT: u64 = 3;
pub const COLUMN_ONCE: u64 = 5;

/// Which share of the dictionary a column may fill.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Never added (the control id, unique per message).
    Never,
    /// Added while the dictionary is less than half full (per-patient columns).
    Half,
    /// Added while the dictionary is not full (codes, units, statuses...).
    Full,
}

/// Per column, in the order of `row`.
const KEEP: [Keep; STRING_COLUMNS] = [
    Keep::Never, // message_control_id
    Keep::Full,  // set_id
    Keep::Half,  // patient_id
    Keep::Half,  // patient_id_authority
    Keep::Half,  // encounter_id
    Keep::Half,  // location
    Keep::Full,  // code
    Keep::Full,  // code_system
    Keep::Full,  // comparator
    Keep::Full,  // text
    Keep::Full,  // unit
    Keep::Full,  // normalized_unit
    Keep::Full,  // status
    Keep::Half,  // device_id
    Keep::Full,  // sending_application
    Keep::Full,  // sending_facility
];

/// The strings written so far into one buffer, so that a repeat is written as
/// a reference: an open-addressing table keyed by a cheap multiplicative hash
/// (no SipHash), whose entries point at the literal's bytes already in the
/// output buffer (no copies, no lifetimes). Use one per output `Vec` and only
/// with that `Vec`.
pub struct Dictionary {
    limit: usize,
    /// Per entry: hash, offset of its bytes in the buffer, length, and its first 8 bytes
    /// (zero-padded), so that a string of up to 8 bytes is compared without reading the buffer.
    entries: Vec<(u32, u32, u32, u64)>,
    /// 0 empty, else entry index + 1; a power of two long (or empty).
    slots: Vec<u32>,
}

impl Default for Dictionary {
    fn default() -> Self {
        Self::new()
    }
}

impl Dictionary {
    pub fn new() -> Self {
        Self::with_limit(DICTIONARY_LIMIT)
    }

    /// A dictionary of at most `limit` entries (tests use small ones).
    pub fn with_limit(limit: usize) -> Self {
        Dictionary {
            limit: limit.min(u32::MAX as usize / 2),
            entries: Vec::new(),
            slots: Vec::new(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first 8 bytes of `b`, zero-padded.
    fn prefix(b: &[u8]) -> u64 {
        let mut t = [0u8; 8];
        let n = b.len().min(8);
        t[..n].copy_from_slice(&b[..n]);
        u64::from_le_bytes(t)
    }

    fn hash(b: &[u8]) -> u32 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = b.len() as u64;
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let r = chunks.remainder();
        if !r.is_empty() {
            let mut t = [0u8; 8];
            t[..r.len()].copy_from_slice(r);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(t)).wrapping_mul(K);
        }
        (h >> 32) as u32
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(128);
        self.slots = vec![0; n];
        let mask = n - 1;
        for (i, &(h, _, _, _)) in self.entries.iter().enumerate() {
            let mut at = h as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = i as u32 + 1;
        }
    }

    /// Writes `s` as a `column` (not null, not "same as previous").
    fn put(&mut self, out: &mut Vec<u8>, s: &str, keep: Keep) {
        let cap = match keep {
            Keep::Never => 0,
            Keep::Half => self.limit / 2,
            Keep::Full => self.limit,
        };
        let b = s.as_bytes();
        if keep == Keep::Never || b.len() > DICTIONARY_MAX_LEN {
            put_literal(out, b, COLUMN_ONCE);
            return;
        }
        let h = Self::hash(b);
        let prefix = Self::prefix(b);
        let mut free = None;
        if !self.slots.is_empty() {
            let mask = self.slots.len() - 1;
            let mut at = h as usize & mask;
            loop {
                let e = self.slots[at];
                if e == 0 {
                    free = Some(at);
                    break;
                }
                let (eh, off, len, first) = self.entries[e as usize - 1];
                if eh == h
                    && len as usize == b.len()
                    && first == prefix
                    && (b.len() <= 8 || out[off as usize + 8..off as usize + b.len()] == b[8..])
                {
                    put_varint(out, COLUMN_REF + 2 * u64::from(e - 1));
                    return;
                }
                at = (at + 1) & mask;
            }
        }
        if self.entries.len() >= cap || out.len() + b.len() + 10 > u32::MAX as usize {
            put_literal(out, b, COLUMN_ONCE);
            return;
        }
        put_varint(out, COLUMN_KEPT + 4 * b.len() as u64);
        let off = out.len() as u32;
        out.extend_from_slice(b);
        if self.entries.capacity() == 0 {
            // one message's distinct values fit: two allocations per call, not a series
            self.entries.reserve(64);
        }
        self.entries.push((h, off, b.len() as u32, prefix));
        let index = self.entries.len() as u32;
        match free {
            Some(at) if self.entries.len() * 2 <= self.slots.len() => self.slots[at] = index,
            _ => self.grow(),
        }
    }
}

fn put_literal(out: &mut Vec<u8>, b: &[u8], code: u64) {
    put_varint(out, code + 4 * b.len() as u64);
    out.extend_from_slice(b);
}

#[inline(always)] // 16 calls per row: the call itself cost as much as the work
fn put_column<'a>(
    out: &mut Vec<u8>,
    dict: &mut Dictionary,
    prev: &mut Option<Option<&'a str>>,
    s: Option<&'a str>,
    keep: Keep,
) {
    match s {
        None => {
            put_varint(out, 0);
            *prev = Some(None);
        }
        Some(v) => {
            // A message's header columns are the same slice in every row: compare the pointers
            // first, the bytes only when they differ.
            let same = match *prev {
                Some(Some(p)) => (p.as_ptr() == v.as_ptr() && p.len() == v.len()) || p == v,
                _ => false,
            };
            if same {
                put_varint(out, 1);
            } else {
                dict.put(out, v, keep);
                *prev = Some(s);
            }
        }
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

fn put_rows_of<'r>(
    out: &mut Vec<u8>,
    dict: &mut Dictionary,
    count: usize,
    rows: impl Iterator<Item = RowParts<'r>>,
) {
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
        for ((p, s), keep) in prev.iter_mut().zip(r.columns).zip(KEEP) {
            put_column(out, dict, p, s, keep);
        }
    }
}

/// Appends `rows` (one message's rows, owned), sharing strings through `dict`
/// (the dictionary of the buffer `out`).
pub fn put_rows(out: &mut Vec<u8>, dict: &mut Dictionary, rows: &[VitalSign]) {
    put_rows_of(
        out,
        dict,
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
pub fn put_message_rows(
    out: &mut Vec<u8>,
    dict: &mut Dictionary,
    header: &MessageHeader<'_>,
    rows: &[ObxRow<'_>],
) {
    let h = header;
    put_rows_of(
        out,
        dict,
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
pub fn put_result(
    out: &mut Vec<u8>,
    dict: &mut Dictionary,
    result: &Result<Vec<VitalSign>, Hl7Error>,
) {
    match result {
        Ok(rows) => {
            out.push(TAG_OK);
            put_rows(out, dict, rows);
        }
        Err(e) => {
            out.push(TAG_ERROR);
            put_error(out, e);
        }
    }
}

/// Appends one message's outcome from a lenient extraction: the rows, and the
/// first error when some OBX could not be read (the other rows still count).
pub fn put_extraction(
    out: &mut Vec<u8>,
    dict: &mut Dictionary,
    result: &Result<MessageRows<'_>, Hl7Error>,
) {
    match result {
        Ok(x) if x.errors.is_empty() => {
            out.push(TAG_OK);
            put_message_rows(out, dict, &x.header, &x.rows);
        }
        Ok(x) => {
            out.push(TAG_PARTIAL);
            put_message_rows(out, dict, &x.header, &x.rows);
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
    dictionary: Vec<&'a str>,
}

/// A `column` as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column<'a> {
    Null,
    SameAsPrevious,
    /// Entry `.0` of the dictionary, whose value is `.1`.
    Ref(usize, &'a str),
    /// A literal added to the dictionary.
    Kept(&'a str),
    /// A literal not added.
    Once(&'a str),
}

impl<'a> Column<'a> {
    /// The string, unless null or "same as previous".
    pub fn value(self) -> Option<&'a str> {
        match self {
            Column::Null | Column::SameAsPrevious => None,
            Column::Ref(_, s) | Column::Kept(s) | Column::Once(s) => Some(s),
        }
    }
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            dictionary: Vec::new(),
        }
    }
    /// A row's string column, resolving dictionary references.
    pub fn column(&mut self) -> Column<'a> {
        let n = self.varint();
        if n < COLUMN_REF {
            return if n == 0 {
                Column::Null
            } else {
                Column::SameAsPrevious
            };
        }
        let v = n - COLUMN_REF;
        if v % 2 == 0 {
            let i = (v / 2) as usize;
            return Column::Ref(i, self.dictionary[i]);
        }
        let len = (v / 4) as usize;
        let s = std::str::from_utf8(&self.buf[self.pos..self.pos + len]).expect("utf-8");
        self.pos += len;
        if COLUMN_REF + v % 4 == COLUMN_KEPT {
            self.dictionary.push(s);
            Column::Kept(s)
        } else {
            Column::Once(s)
        }
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
            processing_id: Some("P".into()),
            received_at: None,
            clock_error: false,
        }
    }

    #[test]
    fn rows_round_trip_with_shared_columns() {
        let mut out = Vec::new();
        let mut dict = Dictionary::new();
        put_result(&mut out, &mut dict, &Ok(vec![row(1), row(2)]));
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
            let cols: Vec<_> = (0..STRING_COLUMNS).map(|_| r.column()).collect();
            if i == 1 {
                assert_eq!(cols[0], Column::Once("CTRL1"), "control id never kept");
                assert_eq!(cols[5], Column::Kept("ICU^1^A"));
                assert_eq!(cols[10], Column::Kept("/min"));
                assert_eq!(
                    cols[11],
                    Column::Ref(dict_index(&cols, "/min"), "/min"),
                    "normalized unit = unit, another column"
                );
                assert_eq!(cols[14], Column::Kept("MON"));
            } else {
                assert_eq!(cols[0], Column::SameAsPrevious, "control id shared");
                assert_eq!(cols[1], Column::Kept("2"), "set id differs");
                assert_eq!(cols[14], Column::SameAsPrevious, "sender shared");
            }
            assert_eq!(cols[4], Column::Null, "null stays null");
            assert_eq!(cols[15], Column::Null, "null stays null");
        }
        assert!(r.at_end());
    }

    /// The dictionary index of the first kept literal `s` among `cols`.
    fn dict_index(cols: &[Column<'_>], s: &str) -> usize {
        cols.iter()
            .filter(|c| matches!(c, Column::Kept(_)))
            .position(|c| *c == Column::Kept(s))
            .expect("kept")
    }

    /// Reads a `rows` and returns every row's columns.
    fn read_rows<'a>(r: &mut Reader<'a>) -> Vec<Vec<Column<'a>>> {
        let n = r.varint();
        (0..n)
            .map(|_| {
                r.varint();
                r.u8();
                let flags = r.u8();
                r.u8();
                for bit in [FLAG_VALUE, FLAG_NORMALIZED_VALUE, FLAG_OBSERVED_AT] {
                    if flags & bit != 0 {
                        r.i64();
                    }
                }
                (0..STRING_COLUMNS).map(|_| r.column()).collect()
            })
            .collect()
    }

    #[test]
    fn repeats_across_messages_are_references() {
        let mut out = Vec::new();
        let mut dict = Dictionary::new();
        let mut b = row(1);
        b.message_control_id = "CTRL2".into();
        b.code = "9279-1".into();
        b.set_id = Some("1".into());
        b.comparator = Some(">".into());
        put_result(&mut out, &mut dict, &Ok(vec![row(1)]));
        put_result(&mut out, &mut dict, &Ok(vec![b]));
        let mut r = Reader::new(&out);
        assert_eq!(r.u8(), TAG_OK);
        let first = read_rows(&mut r).remove(0);
        assert_eq!(r.u8(), TAG_OK);
        let second = read_rows(&mut r).remove(0);
        assert!(r.at_end());
        assert_eq!(second[0], Column::Once("CTRL2"), "distinct, never kept");
        assert_eq!(second[6], Column::Kept("9279-1"), "distinct code: literal");
        assert_eq!(second[8], Column::Kept(">"), "distinct comparator: literal");
        assert_eq!(second[4], Column::Null, "null");
        for c in [1, 2, 3, 5, 7, 10, 11, 12, 14] {
            let want = first[c].value().unwrap();
            match second[c] {
                Column::Ref(i, s) => {
                    assert_eq!(s, want, "column {c}");
                    assert_eq!(dict_index(&first, want), i, "column {c}");
                }
                other => panic!("column {c}: {other:?} is not a reference"),
            }
        }
        assert_eq!(
            dict.len(),
            11,
            "9 distinct kept in the first row, 2 in the second"
        );
    }

    #[test]
    fn a_full_dictionary_writes_literals_and_keeps_its_references() {
        let mut out = Vec::new();
        let mut dict = Dictionary::with_limit(4);
        let rows: Vec<VitalSign> = (1..=3).map(row).collect();
        put_result(&mut out, &mut dict, &Ok(rows.clone()));
        put_result(&mut out, &mut dict, &Ok(rows));
        assert_eq!(dict.len(), 4);
        let mut r = Reader::new(&out);
        assert_eq!(r.u8(), TAG_OK);
        let m1 = read_rows(&mut r);
        assert_eq!(r.u8(), TAG_OK);
        let m2 = read_rows(&mut r);
        assert!(r.at_end());
        // first row: set id "1" (0), then the per-patient columns may fill only
        // half (2 entries): patient "12345" (1) kept, authority and location not;
        // code (2) and code system (3) fill it.
        assert_eq!(m1[0][1], Column::Kept("1"));
        assert_eq!(m1[0][2], Column::Kept("12345"));
        assert_eq!(m1[0][3], Column::Once("HOSP"), "half full: per-patient");
        assert_eq!(m1[0][5], Column::Once("ICU^1^A"));
        assert_eq!(m1[0][6], Column::Kept("8867-4"));
        assert_eq!(m1[0][7], Column::Kept("LN"));
        assert_eq!(m1[0][10], Column::Once("/min"), "full");
        assert_eq!(m1[0][11], Column::Once("/min"), "full");
        assert_eq!(m1[1][1], Column::Once("2"), "full");
        assert_eq!(m1[1][6], Column::SameAsPrevious);
        assert_eq!(m2[0][1], Column::Ref(0, "1"));
        assert_eq!(m2[0][2], Column::Ref(1, "12345"));
        assert_eq!(m2[0][3], Column::Once("HOSP"));
        assert_eq!(m2[0][6], Column::Ref(2, "8867-4"));
        assert_eq!(m2[0][7], Column::Ref(3, "LN"));
        assert_eq!(m2[0][10], Column::Once("/min"));
        assert_eq!(m2[2][1], Column::Once("3"));
    }

    #[test]
    fn the_dictionary_grows_past_its_first_table() {
        let mut out = Vec::new();
        let mut dict = Dictionary::new();
        let values: Vec<String> = (0..1000).map(|i| format!("v{i}")).collect();
        for round in 0..2 {
            for v in &values {
                dict.put(&mut out, v, Keep::Full);
            }
            assert_eq!(dict.len(), 1000, "round {round}");
        }
        let long = "x".repeat(DICTIONARY_MAX_LEN + 1);
        dict.put(&mut out, &long, Keep::Full);
        let mut r = Reader::new(&out);
        for (i, v) in values.iter().enumerate() {
            assert_eq!(r.column(), Column::Kept(v));
            assert_eq!(i, r.dictionary.len() - 1);
        }
        for (i, v) in values.iter().enumerate() {
            assert_eq!(r.column(), Column::Ref(i, v));
        }
        assert_eq!(r.column(), Column::Once(&long), "too long to keep");
        assert!(r.at_end());
    }

    #[test]
    fn errors_carry_their_position() {
        let e = Hl7Error::new(ErrorKind::BadSegmentId("ob1".into()))
            .at(40)
            .in_segment("OB1", 3);
        let mut out = Vec::new();
        put_result(&mut out, &mut Dictionary::new(), &Err(e));
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
