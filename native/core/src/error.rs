//! Errors with a position: byte offset, segment and field.
//!
//! [`ErrorKind`] is a closed set. Each kind has a stable numeric [`ErrorCode`]
//! (what crosses JNI to `io.vitalflow.bridge.Hl7Exception.Kind`) and, by the
//! one table [`ERROR_CODES`], the HL7 v2 table 0357 code an ACK's ERR carries.
//! Nothing is chosen from message text.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is empty or holds only whitespace.
    Empty,
    /// The message does not start with an `MSH` segment.
    MissingMsh,
    /// MSH-1/MSH-2 do not declare usable encoding characters.
    BadEncodingCharacters(String),
    /// A segment id is not three upper-case letters or digits.
    BadSegmentId(String),
    /// A path does not follow `SEG[(n)]-F[(r)][-C[-S]]`.
    BadPath(String),
    /// A timestamp is not a valid HL7 DTM.
    BadTimestamp(String),
    /// A number is not a valid NM/SN value.
    BadNumber(String),
    /// MSH-18 names a character set this library does not decode.
    UnsupportedCharset(String),
    /// A field the message needs is absent or empty (e.g. MSH-9, MSH-10).
    MissingRequiredField(String),
    /// A segment the message needs is absent (e.g. MSA in an acknowledgement).
    MissingSegment(String),
    /// A coded value is not in the table it must come from (an ACVPU code, an
    /// acknowledgement code).
    UnknownCode(String),
    /// MLLP framing: a frame that is malformed or larger than the limit.
    MllpFraming(String),
    /// The message was received but not stored durably (e.g. Kafka did not
    /// confirm the write in time); the sender should resend it.
    NotStored(String),
}

/// The stable numeric code of an [`ErrorKind`]: never renumbered, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    Empty = 1,
    MissingMsh = 2,
    BadEncodingCharacters = 3,
    BadSegmentId = 4,
    BadPath = 5,
    BadTimestamp = 6,
    BadNumber = 7,
    UnsupportedCharset = 8,
    MissingRequiredField = 9,
    MissingSegment = 10,
    UnknownCode = 11,
    MllpFraming = 12,
    NotStored = 13,
}

/// HL7 v2 table 0357 (message error condition codes) used in ACKs.
pub mod hl7_err {
    pub const SEGMENT_SEQUENCE_ERROR: u16 = 100;
    pub const REQUIRED_FIELD_MISSING: u16 = 101;
    pub const DATA_TYPE_ERROR: u16 = 102;
    pub const TABLE_VALUE_NOT_FOUND: u16 = 103;
    pub const UNSUPPORTED_MESSAGE_TYPE: u16 = 200;
    pub const APPLICATION_INTERNAL_ERROR: u16 = 207;
}

/// The one table: code, stable name (the Java `Hl7Exception.Kind` constant)
/// and HL7 table 0357 code, in code order.
pub const ERROR_CODES: [(ErrorCode, &str, u16); 13] = {
    use hl7_err::*;
    [
        (ErrorCode::Empty, "EMPTY", SEGMENT_SEQUENCE_ERROR),
        (ErrorCode::MissingMsh, "MISSING_MSH", SEGMENT_SEQUENCE_ERROR),
        (
            ErrorCode::BadEncodingCharacters,
            "BAD_ENCODING_CHARACTERS",
            DATA_TYPE_ERROR,
        ),
        (
            ErrorCode::BadSegmentId,
            "BAD_SEGMENT_ID",
            SEGMENT_SEQUENCE_ERROR,
        ),
        (ErrorCode::BadPath, "BAD_PATH", APPLICATION_INTERNAL_ERROR),
        (ErrorCode::BadTimestamp, "BAD_TIMESTAMP", DATA_TYPE_ERROR),
        (ErrorCode::BadNumber, "BAD_NUMBER", DATA_TYPE_ERROR),
        (
            ErrorCode::UnsupportedCharset,
            "UNSUPPORTED_CHARSET",
            DATA_TYPE_ERROR,
        ),
        (
            ErrorCode::MissingRequiredField,
            "MISSING_REQUIRED_FIELD",
            REQUIRED_FIELD_MISSING,
        ),
        (
            ErrorCode::MissingSegment,
            "MISSING_SEGMENT",
            SEGMENT_SEQUENCE_ERROR,
        ),
        (
            ErrorCode::UnknownCode,
            "UNKNOWN_CODE",
            TABLE_VALUE_NOT_FOUND,
        ),
        (
            ErrorCode::MllpFraming,
            "MLLP_FRAMING",
            APPLICATION_INTERNAL_ERROR,
        ),
        (
            ErrorCode::NotStored,
            "NOT_STORED",
            APPLICATION_INTERNAL_ERROR,
        ),
    ]
};

impl ErrorCode {
    fn row(self) -> &'static (ErrorCode, &'static str, u16) {
        &ERROR_CODES[self as usize - 1]
    }

    /// The stable number (1-based).
    pub fn number(self) -> u16 {
        self as u16
    }

    /// The stable upper-snake name, e.g. `MISSING_REQUIRED_FIELD`.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The HL7 v2 table 0357 code of the ACK's ERR-3.
    pub fn hl7_err_code(self) -> u16 {
        self.row().2
    }

    /// The code of a number, if there is one.
    pub fn from_number(n: u16) -> Option<ErrorCode> {
        ERROR_CODES
            .iter()
            .find(|(c, _, _)| c.number() == n)
            .map(|(c, _, _)| *c)
    }
}

impl ErrorKind {
    /// The stable code of this kind.
    pub fn code(&self) -> ErrorCode {
        match self {
            ErrorKind::Empty => ErrorCode::Empty,
            ErrorKind::MissingMsh => ErrorCode::MissingMsh,
            ErrorKind::BadEncodingCharacters(_) => ErrorCode::BadEncodingCharacters,
            ErrorKind::BadSegmentId(_) => ErrorCode::BadSegmentId,
            ErrorKind::BadPath(_) => ErrorCode::BadPath,
            ErrorKind::BadTimestamp(_) => ErrorCode::BadTimestamp,
            ErrorKind::BadNumber(_) => ErrorCode::BadNumber,
            ErrorKind::UnsupportedCharset(_) => ErrorCode::UnsupportedCharset,
            ErrorKind::MissingRequiredField(_) => ErrorCode::MissingRequiredField,
            ErrorKind::MissingSegment(_) => ErrorCode::MissingSegment,
            ErrorKind::UnknownCode(_) => ErrorCode::UnknownCode,
            ErrorKind::MllpFraming(_) => ErrorCode::MllpFraming,
            ErrorKind::NotStored(_) => ErrorCode::NotStored,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty message"),
            ErrorKind::MissingMsh => f.write_str("message does not start with an MSH segment"),
            ErrorKind::BadEncodingCharacters(s) => write!(f, "bad encoding characters: {s}"),
            ErrorKind::BadSegmentId(s) => write!(f, "bad segment id {s:?}"),
            ErrorKind::BadPath(s) => write!(f, "bad path: {s}"),
            ErrorKind::BadTimestamp(s) => write!(f, "bad HL7 timestamp {s:?}"),
            ErrorKind::BadNumber(s) => write!(f, "bad number: {s}"),
            ErrorKind::UnsupportedCharset(s) => write!(f, "unsupported character set {s:?}"),
            ErrorKind::MissingRequiredField(s)
            | ErrorKind::MissingSegment(s)
            | ErrorKind::UnknownCode(s)
            | ErrorKind::MllpFraming(s)
            | ErrorKind::NotStored(s) => f.write_str(s),
        }
    }
}

/// An error located in the input: byte offset, segment (id and 1-based
/// position in the message) and field (1-based), where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hl7Error {
    pub kind: ErrorKind,
    /// Byte offset into the input the caller passed, if the error is in the input.
    pub offset: Option<usize>,
    /// Segment id, e.g. `OBX`.
    pub segment: Option<String>,
    /// 1-based position of the segment within the message.
    pub segment_index: Option<usize>,
    /// 1-based field number (HL7 numbering, so MSH-1 is the field separator).
    pub field: Option<usize>,
}

impl Hl7Error {
    pub fn new(kind: ErrorKind) -> Self {
        Hl7Error {
            kind,
            offset: None,
            segment: None,
            segment_index: None,
            field: None,
        }
    }
    pub fn at(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }
    pub fn in_segment(mut self, id: &str, index: usize) -> Self {
        self.segment = Some(id.to_string());
        self.segment_index = Some(index);
        self
    }
    pub fn in_field(mut self, field: usize) -> Self {
        self.field = Some(field);
        self
    }
    /// Shifts the offset, for errors found in a message that sits inside a larger stream.
    pub fn shifted(mut self, by: usize) -> Self {
        self.offset = self.offset.map(|o| o + by);
        self
    }
}

impl fmt::Display for Hl7Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        let mut sep = " (";
        if let Some(o) = self.offset {
            write!(f, "{sep}at byte {o}")?;
            sep = ", ";
        }
        if let Some(s) = &self.segment {
            match self.segment_index {
                Some(i) => write!(f, "{sep}segment {s} #{i}")?,
                None => write!(f, "{sep}segment {s}")?,
            }
            sep = ", ";
        }
        if let Some(fl) = self.field {
            write!(f, "{sep}field {fl}")?;
            sep = ", ";
        }
        if sep == ", " {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Hl7Error {}

impl From<ErrorKind> for Hl7Error {
    fn from(kind: ErrorKind) -> Self {
        Hl7Error::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_code_order_with_unique_names() {
        for (i, (code, name, hl7)) in ERROR_CODES.iter().enumerate() {
            assert_eq!(usize::from(code.number()), i + 1, "{name}");
            assert_eq!(ErrorCode::from_number(code.number()), Some(*code));
            assert_eq!(code.name(), *name);
            assert!(
                [100, 101, 102, 103, 200, 207].contains(hl7),
                "{name}: {hl7}"
            );
            assert_eq!(
                ERROR_CODES.iter().filter(|(_, n, _)| n == name).count(),
                1,
                "{name}"
            );
        }
        assert_eq!(ErrorCode::from_number(0), None);
        assert_eq!(ErrorCode::from_number(14), None);
    }

    #[test]
    fn required_fields_map_to_101_and_unknown_codes_to_103() {
        let k = ErrorKind::MissingRequiredField("MSH-10".into());
        assert_eq!(k.code().hl7_err_code(), 101);
        assert_eq!(
            ErrorKind::UnknownCode("x".into()).code().hl7_err_code(),
            103
        );
        assert_eq!(ErrorKind::MissingMsh.code().hl7_err_code(), 100);
        assert_eq!(ErrorKind::BadNumber("x".into()).code().hl7_err_code(), 102);
        assert_eq!(ErrorKind::NotStored("x".into()).code().hl7_err_code(), 207);
    }
}
