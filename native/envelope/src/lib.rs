//! `vitalflow-envelope`: the one binary format for what crosses the seam
//! between Rust and the JVM (docs/contract.md, "The envelope").
//!
//! ```text
//! header   u8 'V', u8 'F', u8 version (1), u8 kind
//! body     a sequence of values, in the order the kind's layout lists them:
//!   u8, bool (u8 0/1), i16, i32, i64 (little-endian, two's complement)
//!   f64      IEEE 754 little-endian; NaN stands for "missing"
//!   str      i32 byte length (-1: null), then UTF-8
//!   bytes    i32 length (-1: null), then the bytes
//!   count    i32 number of entries that follow (never negative)
//! ```
//!
//! The version is the format's, not a kind's: a decoder rejects a version it
//! does not know with a clear error, never reads it as another. A kind's layout
//! may grow only by appending values at the end of the body, which an older
//! decoder ignores (it reads what it knows and stops); anything else is a new
//! kind. The Rust side writes with [`Writer`] and reads (its own blobs, tests,
//! fuzzing) with [`Reader`]; the Java side reads with
//! `io.vitalflow.bridge.Envelope`. Kinds are listed in [`Kind`].

use std::fmt;

/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;

/// The two magic bytes every envelope starts with.
pub const MAGIC: [u8; 2] = *b"VF";

/// Length of the header.
pub const HEADER_LEN: usize = 4;

/// What an envelope holds. The numbers are stable (docs/contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A parsed message: `MessageView.parse` (Java), `vitalflow_jni::message_view`.
    Message = 1,
    /// The result of a step of the patient rules: `PatientStream` (Java).
    StepResult = 2,
    /// One patient's observations of one message, the input of a step
    /// (opaque to Java: written and read by Rust).
    PatientRows = 3,
    /// A patient's rule state (opaque to Java, kept in Flink state).
    PatientState = 4,
    /// A batch of messages the MLLP server received: `MllpServer.poll` (Java).
    MllpBatch = 5,
    /// The MLLP server's counters: `MllpServer.stats` (Java).
    MllpStats = 6,
}

impl Kind {
    pub fn from_number(n: u8) -> Option<Kind> {
        match n {
            1 => Some(Kind::Message),
            2 => Some(Kind::StepResult),
            3 => Some(Kind::PatientRows),
            4 => Some(Kind::PatientState),
            5 => Some(Kind::MllpBatch),
            6 => Some(Kind::MllpStats),
            _ => None,
        }
    }
}

/// Why bytes are not a readable envelope (never carries the payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not an envelope: the magic bytes are missing.
    NotAnEnvelope,
    /// A format version this decoder does not read.
    Version(u8),
    /// Another kind than the one expected.
    Kind { expected: u8, found: u8 },
    /// The body ends before a value, at this offset.
    Truncated(usize),
    /// A length or count that is negative or exceeds what is left, at this offset.
    BadLength(usize),
    /// A string that is not UTF-8, at this offset.
    NotUtf8(usize),
    /// A value outside its domain (an unknown enum number), at this offset.
    BadValue(usize),
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeError::NotAnEnvelope => write!(f, "not a vitalflow envelope"),
            EnvelopeError::Version(v) => write!(
                f,
                "envelope version {v}, this library reads version {VERSION}"
            ),
            EnvelopeError::Kind { expected, found } => {
                write!(f, "envelope of kind {found}, expected kind {expected}")
            }
            EnvelopeError::Truncated(at) => write!(f, "envelope truncated at byte {at}"),
            EnvelopeError::BadLength(at) => write!(f, "bad length in envelope at byte {at}"),
            EnvelopeError::NotUtf8(at) => write!(f, "string not UTF-8 in envelope at byte {at}"),
            EnvelopeError::BadValue(at) => write!(f, "value out of range in envelope at byte {at}"),
        }
    }
}

impl std::error::Error for EnvelopeError {}

/// Writes one envelope into a buffer it borrows (the caller's, often a
/// per-thread scratch buffer).
pub struct Writer<'b> {
    out: &'b mut Vec<u8>,
}

impl<'b> Writer<'b> {
    /// Starts an envelope of `kind` at the end of `out`.
    pub fn new(out: &'b mut Vec<u8>, kind: Kind) -> Writer<'b> {
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.push(kind as u8);
        Writer { out }
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.out.push(v);
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.out.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An optional number: NaN for `None`.
    pub fn opt_f64(&mut self, v: Option<f64>) -> &mut Self {
        self.f64(v.unwrap_or(f64::NAN))
    }

    /// A length or count: values above `i32::MAX` cannot be written (nothing
    /// that crosses the seam is that large: a message is at most a few MiB).
    fn len(&mut self, n: usize) -> &mut Self {
        self.i32(i32::try_from(n).unwrap_or(i32::MAX))
    }

    pub fn count(&mut self, n: usize) -> &mut Self {
        self.len(n)
    }

    pub fn str(&mut self, s: Option<&str>) -> &mut Self {
        self.bytes(s.map(str::as_bytes))
    }

    pub fn bytes(&mut self, b: Option<&[u8]>) -> &mut Self {
        match b {
            None => self.i32(-1),
            Some(b) => {
                self.len(b.len());
                self.out.extend_from_slice(b);
                self
            }
        }
    }

    /// Writes a byte string whose content `f` appends in place (a nested
    /// envelope, an Avro datum): no copy.
    pub fn bytes_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        let at = self.out.len();
        self.i32(0);
        let start = self.out.len();
        f(self.out);
        let n = i32::try_from(self.out.len() - start).unwrap_or(i32::MAX);
        self.out[at..at + 4].copy_from_slice(&n.to_le_bytes());
        self
    }
}

/// Reads one envelope.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Checks the header: magic, version and the expected kind.
    pub fn open(buf: &'a [u8], kind: Kind) -> Result<Reader<'a>, EnvelopeError> {
        if buf.len() < HEADER_LEN || buf[..2] != MAGIC {
            return Err(EnvelopeError::NotAnEnvelope);
        }
        if buf[2] != VERSION {
            return Err(EnvelopeError::Version(buf[2]));
        }
        if buf[3] != kind as u8 {
            return Err(EnvelopeError::Kind {
                expected: kind as u8,
                found: buf[3],
            });
        }
        Ok(Reader {
            buf,
            at: HEADER_LEN,
        })
    }

    /// Whether `buf` starts like an envelope (magic bytes).
    pub fn is_envelope(buf: &[u8]) -> bool {
        buf.len() >= HEADER_LEN && buf[..2] == MAGIC
    }

    /// The offset of the next value.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], EnvelopeError> {
        if self.remaining() < n {
            return Err(EnvelopeError::Truncated(self.at));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EnvelopeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, EnvelopeError> {
        Ok(self.take(1)?[0])
    }

    pub fn bool(&mut self) -> Result<bool, EnvelopeError> {
        let at = self.at;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(EnvelopeError::BadValue(at)),
        }
    }

    pub fn i16(&mut self) -> Result<i16, EnvelopeError> {
        Ok(i16::from_le_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32, EnvelopeError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, EnvelopeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn f64(&mut self) -> Result<f64, EnvelopeError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    pub fn opt_f64(&mut self) -> Result<Option<f64>, EnvelopeError> {
        let v = self.f64()?;
        Ok(if v.is_nan() { None } else { Some(v) })
    }

    /// A count of entries, each at least `min_entry_len` bytes long: a count
    /// the rest of the envelope cannot hold is rejected before anything is
    /// allocated for it.
    pub fn count(&mut self, min_entry_len: usize) -> Result<usize, EnvelopeError> {
        let at = self.at;
        let n = self.i32()?;
        let n = usize::try_from(n).map_err(|_| EnvelopeError::BadLength(at))?;
        if n.saturating_mul(min_entry_len.max(1)) > self.remaining() {
            return Err(EnvelopeError::BadLength(at));
        }
        Ok(n)
    }

    /// A counted list (see [`Reader::count`]), each entry read by `entry`.
    pub fn list<T>(
        &mut self,
        min_entry_len: usize,
        mut entry: impl FnMut(&mut Reader<'a>) -> Result<T, EnvelopeError>,
    ) -> Result<Vec<T>, EnvelopeError> {
        let n = self.count(min_entry_len)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(entry(self)?);
        }
        Ok(out)
    }

    pub fn bytes(&mut self) -> Result<Option<&'a [u8]>, EnvelopeError> {
        let at = self.at;
        let n = self.i32()?;
        if n == -1 {
            return Ok(None);
        }
        let n = usize::try_from(n).map_err(|_| EnvelopeError::BadLength(at))?;
        if n > self.remaining() {
            return Err(EnvelopeError::BadLength(at));
        }
        self.take(n).map(Some)
    }

    pub fn str(&mut self) -> Result<Option<&'a str>, EnvelopeError> {
        let at = self.at;
        match self.bytes()? {
            None => Ok(None),
            Some(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| EnvelopeError::NotUtf8(at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_magic_version_kind() {
        let mut out = Vec::new();
        Writer::new(&mut out, Kind::StepResult).i32(7);
        assert_eq!(&out[..4], b"VF\x01\x02");
        let mut r = Reader::open(&out, Kind::StepResult).unwrap();
        assert_eq!(r.i32().unwrap(), 7);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn another_version_or_kind_is_refused_by_name() {
        let mut out = Vec::new();
        Writer::new(&mut out, Kind::Message);
        assert_eq!(
            Reader::open(&out, Kind::StepResult).unwrap_err(),
            EnvelopeError::Kind {
                expected: 2,
                found: 1
            }
        );
        out[2] = 2;
        let e = Reader::open(&out, Kind::Message).unwrap_err();
        assert_eq!(e, EnvelopeError::Version(2));
        assert_eq!(
            e.to_string(),
            "envelope version 2, this library reads version 1"
        );
        assert_eq!(
            Reader::open(b"{\"a\":1}", Kind::Message).unwrap_err(),
            EnvelopeError::NotAnEnvelope
        );
    }

    #[test]
    fn a_count_the_rest_cannot_hold_is_refused_before_allocating() {
        let mut out = Vec::new();
        Writer::new(&mut out, Kind::Message).i32(i32::MAX);
        let mut r = Reader::open(&out, Kind::Message).unwrap();
        assert_eq!(r.count(1).unwrap_err(), EnvelopeError::BadLength(4));
        let mut out = Vec::new();
        Writer::new(&mut out, Kind::Message).i32(-5);
        let mut r = Reader::open(&out, Kind::Message).unwrap();
        assert_eq!(r.bytes().unwrap_err(), EnvelopeError::BadLength(4));
    }

    #[test]
    fn bytes_written_in_place_carry_their_length() {
        let mut out = Vec::new();
        Writer::new(&mut out, Kind::Message)
            .bytes_with(|b| b.extend_from_slice(b"abc"))
            .str(None)
            .str(Some("é"));
        let mut r = Reader::open(&out, Kind::Message).unwrap();
        assert_eq!(r.bytes().unwrap(), Some(&b"abc"[..]));
        assert_eq!(r.str().unwrap(), None);
        assert_eq!(r.str().unwrap(), Some("é"));
    }
}
