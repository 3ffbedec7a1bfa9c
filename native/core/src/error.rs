//! Errors with a position: byte offset, segment and field.

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
    /// Anything else, with the reason.
    Other(String),
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
            ErrorKind::Other(s) => f.write_str(s),
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
