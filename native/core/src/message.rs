//! Zero-copy HL7 v2 message model.
//!
//! [`Message::parse`] finds the segments and the encoding characters and keeps
//! spans into the caller's bytes; fields, repetitions, components and
//! subcomponents are located on access, and values are unescaped and decoded
//! from the message's character set only when asked for.
//!
//! ```
//! use vitalflow_core::Message;
//! let msg = Message::parse(b"MSH|^~\\&|MON||||20261120||ORU^R01|C1|P|2.5\nPID|1||A1~B2^^^H&1.2&ISO||Doe^Jane\n").unwrap();
//! let pid = msg.segment(b"PID", 1).unwrap();
//! assert_eq!(pid.field(3).unwrap().repetition(2).unwrap().component(4).unwrap().subcomponent(2).unwrap().decoded(), "1.2");
//! assert_eq!(msg.segment(b"MSH", 1).unwrap().field(9).unwrap().component(2).unwrap().decoded(), "R01");
//! ```

use std::borrow::Cow;

use crate::charset::{trim_ascii, Charset};
use crate::error::{ErrorKind, Hl7Error};
use crate::escape::unescape;
use crate::path::Path;

/// The delimiters a message declares in MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub field: u8,
    pub component: u8,
    pub repetition: Option<u8>,
    pub escape: Option<u8>,
    pub subcomponent: Option<u8>,
    /// The v2.7 truncation character (5th encoding character), if declared.
    pub truncation: Option<u8>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: b'|',
            component: b'^',
            repetition: Some(b'~'),
            escape: Some(b'\\'),
            subcomponent: Some(b'&'),
            truncation: None,
        }
    }
}

impl Delimiters {
    /// Reads MSH-1 (`field`) and MSH-2 (`encoding`).
    pub(crate) fn from_msh(field: u8, encoding: &[u8]) -> Result<Delimiters, String> {
        if encoding.is_empty() || encoding.len() > 5 {
            return Err(format!(
                "MSH-2 must hold 1 to 5 encoding characters, found {}",
                encoding.len()
            ));
        }
        // At most 6 characters (MSH-1 and 5 of MSH-2): no allocation.
        let mut seen = [field; 6];
        for (seen_len, &c) in (1..).zip(encoding) {
            if c.is_ascii_alphanumeric()
                || c.is_ascii_whitespace()
                || c.is_ascii_control()
                || !c.is_ascii()
            {
                return Err(format!(
                    "encoding character {:?} is not a printable symbol",
                    c as char
                ));
            }
            if seen[..seen_len].contains(&c) {
                return Err(format!(
                    "encoding character {:?} is declared twice",
                    c as char
                ));
            }
            seen[seen_len] = c;
        }
        if !field.is_ascii_punctuation() {
            return Err(format!(
                "field separator {:?} is not a printable symbol",
                field as char
            ));
        }
        Ok(Delimiters {
            field,
            component: encoding[0],
            repetition: encoding.get(1).copied(),
            escape: encoding.get(2).copied(),
            subcomponent: encoding.get(3).copied(),
            truncation: encoding.get(4).copied(),
        })
    }
}

/// Where a segment sits in the input.
#[derive(Debug, Clone, Copy)]
struct SegmentSpan {
    id: [u8; 3],
    start: usize,
    end: usize,
}

/// A parsed message: spans into the caller's bytes.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    input: &'a [u8],
    delimiters: Delimiters,
    charset: Charset,
    segments: Vec<SegmentSpan>,
    /// Facts about the whole input, found in one pass the first time a value is decoded.
    text: std::sync::OnceLock<TextView<'a>>,
}

/// The whole input read once: as text when it is valid in the message's character set without
/// conversion (UTF-8, or ASCII under Latin-1), and whether it holds the escape character at all.
/// Values are then slices of that text (delimiters are ASCII, so every element starts and ends on
/// a character boundary) instead of being validated and searched for escapes one by one.
#[derive(Debug, Clone, Copy)]
struct TextView<'a> {
    text: Option<&'a str>,
    has_escape: bool,
}

impl<'a> Message<'a> {
    fn text_view(&self) -> &TextView<'a> {
        self.text.get_or_init(|| {
            let text = match self.charset {
                Charset::Utf8 => std::str::from_utf8(self.input).ok(),
                Charset::Latin1 if self.input.is_ascii() => std::str::from_utf8(self.input).ok(),
                Charset::Latin1 => None,
            };
            // MSH-2 declares the escape character itself: look after it.
            let after_msh2 = self.segments.first().map_or(0, |msh| {
                let from = (msh.start + 4).min(self.input.len());
                find_byte(self.delimiters.field, &self.input[from..]).map_or(from, |i| from + i)
            });
            let has_escape = self
                .delimiters
                .escape
                .is_some_and(|e| find_byte(e, &self.input[after_msh2..]).is_some());
            TextView { text, has_escape }
        })
    }

    /// Finds the segments and reads MSH-1, MSH-2 and MSH-18. Segment
    /// terminators may be `\r`, `\n` or `\r\n`; blank lines are skipped.
    pub fn parse(input: &'a [u8]) -> Result<Message<'a>, Hl7Error> {
        let start = input
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or_else(|| Hl7Error::new(ErrorKind::Empty))?;
        let body = &input[start..];
        if !body.starts_with(b"MSH") {
            return Err(Hl7Error::new(ErrorKind::MissingMsh).at(start));
        }
        let Some(&field) = body.get(3) else {
            return Err(Hl7Error::new(ErrorKind::BadEncodingCharacters(
                "MSH ends before MSH-1".into(),
            ))
            .at(start + 3)
            .in_segment("MSH", 1)
            .in_field(1));
        };
        if !field.is_ascii_punctuation() {
            return Err(Hl7Error::new(ErrorKind::BadEncodingCharacters(format!(
                "MSH-1 (the field separator) must be a printable symbol, found {:?}",
                field as char
            )))
            .at(start + 3)
            .in_segment("MSH", 1)
            .in_field(1));
        }
        let line_end = memchr::memchr2(b'\r', b'\n', body).unwrap_or(body.len());
        let enc_end = memchr::memchr(field, &body[4..line_end])
            .map(|i| i + 4)
            .unwrap_or(line_end);
        let delimiters = Delimiters::from_msh(field, &body[4..enc_end]).map_err(|why| {
            Hl7Error::new(ErrorKind::BadEncodingCharacters(why))
                .at(start + 4)
                .in_segment("MSH", 1)
                .in_field(2)
        })?;

        // Sized for a typical segment length, so that growing is rare.
        let mut segments = Vec::with_capacity(16.max(input.len() / 40));
        let mut pos = start;
        while pos < input.len() {
            let end = memchr::memchr2(b'\r', b'\n', &input[pos..])
                .map(|i| pos + i)
                .unwrap_or(input.len());
            let line = &input[pos..end];
            if !trim_ascii(line).is_empty() {
                let index = segments.len() + 1;
                let ok_id = line.len() >= 3
                    && line[..3]
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    && (line.len() == 3 || line[3] == field);
                if !ok_id {
                    let shown = &line[..line.len().min(3)];
                    return Err(Hl7Error::new(ErrorKind::BadSegmentId(
                        String::from_utf8_lossy(shown).into_owned(),
                    ))
                    .at(pos)
                    .in_segment(&String::from_utf8_lossy(shown), index));
                }
                segments.push(SegmentSpan {
                    id: [line[0], line[1], line[2]],
                    start: pos,
                    end,
                });
            }
            pos = end + 1;
        }

        let mut msg = Message {
            input,
            delimiters,
            charset: Charset::Utf8,
            segments,
            text: std::sync::OnceLock::new(),
        };
        if let Some(cs) = msg
            .segment(b"MSH", 1)
            .and_then(|s| s.field(18))
            .and_then(|f| f.repetition(1))
        {
            msg.charset = Charset::from_msh18(cs.raw()).map_err(|k| {
                Hl7Error::new(k)
                    .at(cs.offset())
                    .in_segment("MSH", 1)
                    .in_field(18)
            })?;
        }
        Ok(msg)
    }

    /// Checks the header fields that routing and acknowledging need: MSH-9
    /// (message type) and MSH-10 (message control id). [`Message::parse`]
    /// reads any structurally sound message so that queries answer on it;
    /// ingestion calls this to refuse (NAK) a message that lacks them.
    ///
    /// ```
    /// use vitalflow_core::Message;
    /// let msg = Message::parse(b"MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01||P|2.6\r").unwrap();
    /// assert_eq!(msg.query("MSH-9-1").unwrap().as_deref(), Some("ORU"));
    /// let err = msg.require_header().unwrap_err();
    /// assert_eq!(err.field, Some(10));
    /// ```
    pub fn require_header(&self) -> Result<(), Hl7Error> {
        let Some(msh) = self.segment(b"MSH", 1) else {
            return Err(Hl7Error::new(ErrorKind::MissingMsh));
        };
        for (n, what) in [
            (9, "MSH-9 (message type)"),
            (10, "MSH-10 (message control id)"),
        ] {
            let f = msh.field(n);
            if f.is_none_or(|f| f.component(1).is_none_or(|c| c.is_empty())) {
                let at = f
                    .map(|f| f.offset())
                    .unwrap_or(msh.offset() + msh.raw().len());
                return Err(Hl7Error::new(ErrorKind::MissingRequiredField(format!(
                    "required field {what} is missing"
                )))
                .at(at)
                .in_segment("MSH", 1)
                .in_field(n));
            }
        }
        Ok(())
    }

    /// The bytes this message was parsed from.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// All segments in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a, '_>> + '_ {
        self.segments
            .iter()
            .enumerate()
            .map(move |(i, s)| self.segment_at(i, s))
    }

    /// The `n`-th (1-based) segment with this id.
    pub fn segment(&self, id: &[u8], n: usize) -> Option<Segment<'a, '_>> {
        if n == 0 {
            return None;
        }
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.id == id)
            .nth(n - 1)
            .map(|(i, s)| self.segment_at(i, s))
    }

    fn segment_at(&self, i: usize, s: &SegmentSpan) -> Segment<'a, '_> {
        Segment {
            msg: self,
            index: i + 1,
            id: s.id,
            start: s.start,
            line: &self.input[s.start..s.end],
        }
    }

    /// The element at `path`, `None` when it is absent.
    pub fn get(&self, path: &Path) -> Option<Element<'a, '_>> {
        let seg = self.segment(&path.segment, path.segment_index)?;
        let field = seg.field(path.field)?;
        let rep = field.repetition(path.repetition)?;
        let Some(c) = path.component else {
            return Some(rep);
        };
        let comp = rep.component(c)?;
        match path.subcomponent {
            None => Some(comp),
            Some(s) => comp.subcomponent(s),
        }
    }

    /// Shorthand for [`Message::get`] with a path string: a leaf unescaped,
    /// an element with parts below it as sent ([`Element::value`]).
    pub fn query(&self, path: &str) -> Result<Option<Cow<'a, str>>, Hl7Error> {
        let path: Path = path.parse()?;
        Ok(self.get(&path).map(|e| e.value()))
    }
}

/// One segment of a message.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a, 'm> {
    msg: &'m Message<'a>,
    /// 1-based position in the message.
    index: usize,
    id: [u8; 3],
    start: usize,
    line: &'a [u8],
}

impl<'a, 'm> Segment<'a, 'm> {
    pub fn id(&self) -> &[u8; 3] {
        &self.id
    }

    /// The segment id as text.
    pub fn id_str(&self) -> &str {
        std::str::from_utf8(&self.id).unwrap_or("???")
    }

    /// 1-based position of the segment in the message.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Byte offset of the segment in the input.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// The raw bytes of the segment, without its terminator.
    pub fn raw(&self) -> &'a [u8] {
        self.line
    }

    fn is_msh(&self) -> bool {
        &self.id == b"MSH"
    }

    /// Field `n`, numbered as in HL7 (so `MSH-1` is the field separator and
    /// `MSH-2` the encoding characters). `None` when the segment is shorter.
    pub fn field(&self, n: usize) -> Option<Element<'a, 'm>> {
        if n == 0 {
            return None;
        }
        let d = &self.msg.delimiters;
        if self.is_msh() && n <= 2 {
            // A later segment may be a bare `MSH`, without MSH-1.
            if self.line.len() < 4 {
                return None;
            }
            let (s, e) = if n == 1 {
                (3, 4)
            } else {
                let enc_end = memchr::memchr(d.field, &self.line[4..])
                    .map(|i| i + 4)
                    .unwrap_or(self.line.len());
                (4, enc_end)
            };
            return Some(self.element(s, e, Level::Literal));
        }
        // Field k starts after the k-th separator (MSH counts its MSH-1 as field 1).
        let k = if self.is_msh() { n - 1 } else { n };
        let line = self.line;
        if line.len() <= 3 || line[3] != d.field {
            return None;
        }
        // Field k starts after the k-th separator, the one at index 3 being the first.
        let start = match k {
            1 => 4,
            _ => 4 + nth_byte(d.field, &line[4..], k - 2)? + 1,
        };
        let end = find_byte(d.field, &line[start..]).map_or(line.len(), |x| start + x);
        Some(self.element(start, end, Level::Field))
    }

    /// All fields from field 1 on (for MSH: MSH-1, MSH-2, MSH-3, ...).
    pub fn fields(&self) -> Fields<'a, 'm> {
        Fields {
            seg: *self,
            next: 1,
            sep_pos: 3,
        }
    }

    /// Fields 1 to `N - 1` in one pass over the bytes (`[n]` is field `n`,
    /// `[0]` always `None`): what [`Segment::fields`] gives, found with one
    /// byte loop instead of one search per field.
    ///
    /// ```
    /// use vitalflow_core::Message;
    /// let msg = Message::parse(b"MSH|^~\\&|A\rOBX|1|NM|8867-4^HR^LN||72\r").unwrap();
    /// let f = msg.segment(b"OBX", 1).unwrap().fields_upto::<8>();
    /// assert_eq!(f[3].unwrap().raw(), b"8867-4^HR^LN");
    /// assert_eq!((f[4].unwrap().raw(), f[5].unwrap().raw()), (&b""[..], &b"72"[..]));
    /// assert!(f[0].is_none() && f[6].is_none());
    /// ```
    pub fn fields_upto<const N: usize>(&self) -> [Option<Element<'a, 'm>>; N] {
        let mut out = [None; N];
        if self.is_msh() {
            for (slot, f) in out.iter_mut().skip(1).zip(self.fields()) {
                *slot = Some(f);
            }
            return out;
        }
        let line = self.line;
        let sep = self.msg.delimiters.field;
        if N < 2 || line.len() <= 3 || line[3] != sep {
            return out;
        }
        let mut start = 4;
        let mut n = 1;
        // Whole words eight bytes at a time (a word's separators become set bits, visited in
        // order), then the last bytes one by one.
        let mut at = 4;
        let mut words = line[4..].chunks_exact(8);
        for word in &mut words {
            let mut found = word_mask(le_word(word), sep);
            while found != 0 {
                let i = at + (found.trailing_zeros() / 8) as usize;
                out[n] = Some(self.element(start, i, Level::Field));
                n += 1;
                if n == N {
                    return out;
                }
                start = i + 1;
                found &= found - 1;
            }
            at += 8;
        }
        for (i, &b) in words.remainder().iter().enumerate() {
            if b == sep {
                out[n] = Some(self.element(start, at + i, Level::Field));
                n += 1;
                if n == N {
                    return out;
                }
                start = at + i + 1;
            }
        }
        out[n] = Some(self.element(start, line.len(), Level::Field));
        out
    }

    fn element(&self, s: usize, e: usize, level: Level) -> Element<'a, 'm> {
        Element {
            msg: self.msg,
            raw: &self.line[s..e],
            offset: self.start + s,
            level,
        }
    }
}

/// The index of the `n`-th (0-based) `needle` in `hay`: whole words are skipped by counting
/// their matches, so a field far into a long segment costs about one step per 8 bytes.
fn nth_byte(needle: u8, hay: &[u8], mut n: usize) -> Option<usize> {
    let mut words = hay.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut found = word_mask(le_word(word), needle);
        let count = found.count_ones() as usize;
        if n < count {
            for _ in 0..n {
                found &= found - 1;
            }
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        n -= count;
        at += 8;
    }
    words
        .remainder()
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == needle)
        .nth(n)
        .map(|(i, _)| at + i)
}

/// An 8-byte chunk (from `chunks_exact(8)`) as a little-endian word: its first byte lowest.
#[inline]
fn le_word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

/// The bytes of `word` equal to `needle`, as the high bit of each such byte. Exact: no carry
/// crosses a byte, so there are no false matches next to a true one.
#[inline]
fn word_mask(word: u64, needle: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(needle) * 0x0101_0101_0101_0101);
    // per byte y: ((y & 0x7f) + 0x7f) | y has its high bit set unless y is 0
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The first `needle` in `hay`. Fields and components are mostly a few bytes
/// long, where a plain loop beats a call into `memchr` (whose set-up costs
/// more than the search); a longer run falls through to `memchr`.
#[inline]
pub(crate) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    let head = &hay[..hay.len().min(SHORT)];
    if let Some(i) = head.iter().position(|&b| b == needle) {
        return Some(i);
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr::memchr(needle, &hay[SHORT..]).map(|i| i + SHORT)
}

/// Iterator over the fields of a segment, in one pass over its bytes
/// (`fields().nth(n - 1)` is [`Segment::field`]`(n)`).
pub struct Fields<'a, 'm> {
    seg: Segment<'a, 'm>,
    next: usize,
    /// Where the separator before the next field should be.
    sep_pos: usize,
}

impl<'a, 'm> Iterator for Fields<'a, 'm> {
    type Item = Element<'a, 'm>;
    fn next(&mut self) -> Option<Self::Item> {
        let seg = &self.seg;
        if seg.is_msh() && self.next <= 2 {
            let f = seg.field(self.next)?;
            self.next += 1;
            if self.next == 3 {
                // MSH-2 ends where the separator before MSH-3 is.
                self.sep_pos = f.offset() - seg.start + f.raw().len();
            }
            return Some(f);
        }
        let line = seg.line;
        let sep = seg.msg.delimiters.field;
        if self.sep_pos >= line.len() || line[self.sep_pos] != sep {
            return None;
        }
        let start = self.sep_pos + 1;
        let end = find_byte(sep, &line[start..]).map_or(line.len(), |x| start + x);
        self.sep_pos = end;
        self.next += 1;
        Some(seg.element(start, end, Level::Field))
    }
}

/// The level of an element, which decides how it may be split further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// MSH-1 and MSH-2: taken as they are, never split or unescaped.
    Literal,
    Field,
    Repetition,
    Component,
    Subcomponent,
}

/// One element (field, repetition, component or subcomponent) of a message.
/// Its value is unescaped and decoded on demand.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a, 'm> {
    msg: &'m Message<'a>,
    raw: &'a [u8],
    offset: usize,
    level: Level,
}

impl<'a, 'm> Element<'a, 'm> {
    /// The bytes as sent (escaped, in the message's character set).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Byte offset of the element in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The HL7 null `""`: an explicit "no value".
    pub fn is_hl7_null(&self) -> bool {
        self.raw == b"\"\""
    }

    /// The value unescaped and decoded to text.
    pub fn decoded(&self) -> Cow<'a, str> {
        let view = self.msg.text_view();
        if self.level == Level::Literal || !view.has_escape {
            return self.as_sent(view);
        }
        match unescape(self.raw, &self.msg.delimiters) {
            Cow::Borrowed(_) => self.as_sent(view),
            Cow::Owned(v) => Cow::Owned(self.msg.charset.decode_owned(v)),
        }
    }

    /// The bytes as sent, decoded from the character set only: a slice of the message's text
    /// when it has one, else decoded on their own.
    fn as_sent(&self, view: &TextView<'a>) -> Cow<'a, str> {
        if let Some(text) = view.text {
            let end = self.offset + self.raw.len();
            let same = self.msg.input.get(self.offset..end).map(<[u8]>::as_ptr);
            if same == Some(self.raw.as_ptr()) {
                if let Some(s) = text.get(self.offset..end) {
                    return Cow::Borrowed(s);
                }
            }
        }
        self.msg.charset.decode(self.raw)
    }

    /// Whether the element has parts below it (components, subcomponents or,
    /// for a whole field, repetitions): then it is not a leaf.
    pub fn is_composite(&self) -> bool {
        let d = &self.msg.delimiters;
        let has = |c: Option<u8>| c.is_some_and(|c| self.raw.contains(&c));
        match self.level {
            Level::Literal | Level::Subcomponent => false,
            Level::Field => has(Some(d.component)) || has(d.repetition) || has(d.subcomponent),
            Level::Repetition => has(Some(d.component)) || has(d.subcomponent),
            Level::Component => has(d.subcomponent),
        }
    }

    /// The value as a path query returns it (SPEC "Paths"): a leaf unescaped
    /// and decoded; an element with parts below it as sent, separators and
    /// escape sequences kept (decoded from the character set only), since an
    /// unescaped `\S\` could no longer be told from a real separator.
    ///
    /// ```
    /// use vitalflow_core::Message;
    /// let msg = Message::parse(b"MSH|^~\\&|A||||2026||ADT^A08|C1|P|2.5\rPID|1||7||DOE^JOHN\\S\\X^Q\r").unwrap();
    /// assert_eq!(msg.query("PID-5").unwrap().as_deref(), Some("DOE^JOHN\\S\\X^Q"));
    /// assert_eq!(msg.query("PID-5-2").unwrap().as_deref(), Some("JOHN^X"));
    /// ```
    pub fn value(&self) -> Cow<'a, str> {
        if self.is_composite() {
            self.as_sent(self.msg.text_view())
        } else {
            self.decoded()
        }
    }

    fn part(&self, sep: Option<u8>, n: usize, level: Level) -> Option<Element<'a, 'm>> {
        if n == 0 {
            return None;
        }
        let Some(sep) = sep else {
            return (n == 1).then_some(Element { level, ..*self });
        };
        let mut start = 0usize;
        for i in 1..=n {
            let end = find_byte(sep, &self.raw[start..]).map(|x| start + x);
            if i == n {
                let end = end.unwrap_or(self.raw.len());
                return Some(Element {
                    msg: self.msg,
                    raw: &self.raw[start..end],
                    offset: self.offset + start,
                    level,
                });
            }
            start = end? + 1;
        }
        None
    }

    /// Repetition `n` (1-based) of a field.
    pub fn repetition(&self, n: usize) -> Option<Element<'a, 'm>> {
        match self.level {
            Level::Literal => (n == 1).then_some(*self),
            Level::Field => self.part(self.msg.delimiters.repetition, n, Level::Repetition),
            _ => (n == 1).then_some(*self),
        }
    }

    /// All repetitions of a field.
    pub fn repetitions(&self) -> impl Iterator<Item = Element<'a, 'm>> + '_ {
        (1..).map_while(move |n| self.repetition(n))
    }

    /// Component `n` (1-based). On a field this means the first repetition's.
    pub fn component(&self, n: usize) -> Option<Element<'a, 'm>> {
        match self.level {
            Level::Literal => (n == 1).then_some(*self),
            Level::Field => self.repetition(1)?.component(n),
            Level::Repetition => {
                self.part(Some(self.msg.delimiters.component), n, Level::Component)
            }
            Level::Component | Level::Subcomponent => (n == 1).then_some(*self),
        }
    }

    /// Subcomponent `n` (1-based) of a component.
    pub fn subcomponent(&self, n: usize) -> Option<Element<'a, 'm>> {
        match self.level {
            Level::Literal | Level::Subcomponent => (n == 1).then_some(*self),
            Level::Field | Level::Repetition => self.component(1)?.subcomponent(n),
            Level::Component => self.part(self.msg.delimiters.subcomponent, n, Level::Subcomponent),
        }
    }

    /// Components 1 to `N` (of the first repetition, on a field), found in
    /// one pass over the bytes: `components::<N>()[n - 1]` is
    /// [`Element::component`]`(n)` for every `n` up to `N`, without walking the
    /// element again for each component.
    ///
    /// ```
    /// use vitalflow_core::Message;
    /// let msg = Message::parse(b"MSH|^~\\&|A\rOBX|1|NM|8867-4^HR^LN~X^Y\r").unwrap();
    /// let f = msg.segment(b"OBX", 1).unwrap().field(3).unwrap();
    /// let [code, _, system, alt] = f.components::<4>();
    /// assert_eq!((code.unwrap().raw(), system.unwrap().raw()), (&b"8867-4"[..], &b"LN"[..]));
    /// assert!(alt.is_none());
    /// ```
    pub fn components<const N: usize>(&self) -> [Option<Element<'a, 'm>>; N] {
        let mut out = [None; N];
        if N == 0 {
            return out;
        }
        let d = &self.msg.delimiters;
        let stop = match self.level {
            Level::Field => d.repetition,
            Level::Repetition => None,
            // Not split into components: the element is its own first one.
            Level::Literal | Level::Component | Level::Subcomponent => {
                out[0] = Some(*self);
                return out;
            }
        };
        let raw = self.raw;
        let mut start = 0usize;
        let mut n = 0usize;
        // Whole words eight bytes at a time (the component separators and the repetition
        // separator become set bits, visited in order), then the last bytes one by one.
        let mut at = 0usize;
        let mut end = None;
        let mut words = raw.chunks_exact(8);
        'words: for word in &mut words {
            let word = le_word(word);
            let mut found = word_mask(word, d.component) | stop.map_or(0, |s| word_mask(word, s));
            while found != 0 {
                let i = at + (found.trailing_zeros() / 8) as usize;
                if Some(raw[i]) == stop {
                    end = Some(i);
                    break 'words;
                }
                out[n] = Some(self.sub(start, i, Level::Component));
                n += 1;
                if n == N {
                    return out;
                }
                start = i + 1;
                found &= found - 1;
            }
            at += 8;
        }
        if end.is_none() {
            for (i, &b) in words.remainder().iter().enumerate() {
                if Some(b) == stop {
                    end = Some(at + i);
                    break;
                }
                if b == d.component {
                    out[n] = Some(self.sub(start, at + i, Level::Component));
                    n += 1;
                    if n == N {
                        return out;
                    }
                    start = at + i + 1;
                }
            }
        }
        out[n] = Some(self.sub(start, end.unwrap_or(raw.len()), Level::Component));
        out
    }

    fn sub(&self, start: usize, end: usize, level: Level) -> Element<'a, 'm> {
        Element {
            msg: self.msg,
            raw: &self.raw[start..end],
            offset: self.offset + start,
            level,
        }
    }

    /// Text of component `n` (first repetition), `None` when absent or empty.
    pub fn component_text(&self, n: usize) -> Option<Cow<'a, str>> {
        self.component(n)
            .filter(|c| !c.is_empty())
            .map(|c| c.decoded())
    }
}
