//! Character sets named in MSH-18.
//!
//! vitalflow decodes ASCII, UTF-8 and ISO 8859-1 (Latin-1). Where MSH-18 is
//! empty or names ASCII/UTF-8, bytes that are not valid UTF-8 are read as
//! Latin-1, which is what real feeds that omit MSH-18 usually send.

use std::borrow::Cow;

use crate::error::ErrorKind;

/// The character set of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// UTF-8 (also ASCII and an empty MSH-18), falling back to Latin-1 for
    /// bytes that are not UTF-8.
    #[default]
    Utf8,
    /// ISO 8859-1.
    Latin1,
}

impl Charset {
    /// Reads the first repetition of MSH-18 (HL7 table 0211).
    ///
    /// ```
    /// use vitalflow_core::charset::Charset;
    /// assert_eq!(Charset::from_msh18(b"UNICODE UTF-8").unwrap(), Charset::Utf8);
    /// assert_eq!(Charset::from_msh18(b"8859/1").unwrap(), Charset::Latin1);
    /// assert!(Charset::from_msh18(b"ISO IR87").is_err());
    /// ```
    pub fn from_msh18(value: &[u8]) -> Result<Charset, ErrorKind> {
        let v = trim_ascii(value);
        // Upper-cased on the stack: every name below is shorter than 16 bytes.
        let mut buf = [0u8; 16];
        let upper: &[u8] = match buf.get_mut(..v.len()) {
            Some(b) => {
                b.copy_from_slice(v);
                b.make_ascii_uppercase();
                b
            }
            None => b"?",
        };
        match upper {
            b"" | b"ASCII" | b"ISO IR6" | b"UNICODE UTF-8" | b"UNICODE" | b"UTF-8" | b"UTF8"
            | b"ISO IR192" => Ok(Charset::Utf8),
            b"8859/1" | b"ISO IR100" | b"ISO-8859-1" | b"ISO8859-1" | b"LATIN1" | b"LATIN-1" => {
                Ok(Charset::Latin1)
            }
            _ => Err(ErrorKind::UnsupportedCharset(
                String::from_utf8_lossy(v).into_owned(),
            )),
        }
    }

    /// Decodes bytes of this character set into a string, borrowing when the
    /// bytes are already valid UTF-8 (ASCII always is).
    ///
    /// ```
    /// use vitalflow_core::charset::Charset;
    /// assert_eq!(Charset::Latin1.decode(b"M\xfcller"), "Müller");
    /// assert_eq!(Charset::Utf8.decode("Müller".as_bytes()), "Müller");
    /// assert_eq!(Charset::Utf8.decode(b"M\xfcller"), "Müller"); // Latin-1 fallback
    /// ```
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self {
            // One pass: ASCII is valid UTF-8.
            Charset::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => Cow::Owned(latin1(bytes)),
            },
            // ASCII is identical in Latin-1.
            Charset::Latin1 if bytes.is_ascii() => match std::str::from_utf8(bytes) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => unreachable_ascii(),
            },
            Charset::Latin1 => Cow::Owned(latin1(bytes)),
        }
    }

    /// Like [`Charset::decode`] for owned bytes.
    pub fn decode_owned(self, bytes: Vec<u8>) -> String {
        match self {
            Charset::Utf8 => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => latin1(e.as_bytes()),
            },
            Charset::Latin1 => {
                if bytes.is_ascii() {
                    String::from_utf8(bytes).unwrap_or_default()
                } else {
                    latin1(&bytes)
                }
            }
        }
    }
}

#[cold]
fn unreachable_ascii() -> Cow<'static, str> {
    Cow::Borrowed("")
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

pub(crate) fn trim_ascii(mut v: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = v {
        if first.is_ascii_whitespace() {
            v = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = v {
        if last.is_ascii_whitespace() {
            v = rest;
        } else {
            break;
        }
    }
    v
}

/// The same as [`str::trim`] (Unicode `White_Space` at both ends), with a fast path for the
/// common case: values end in ASCII. ASCII whitespace is trimmed byte by byte; only when a
/// character that may be other whitespace (a non-ASCII one, or U+000B, which `str::trim` trims
/// and `u8::is_ascii_whitespace` does not) is left at an end does the Unicode trim run.
///
/// ```
/// use vitalflow_core::charset::trim_text;
/// assert_eq!(trim_text(" 72 "), "72");
/// assert_eq!(trim_text("\u{a0}72\u{b}"), "72");
/// assert_eq!(trim_text("°C"), "°C");
/// ```
pub fn trim_text(s: &str) -> &str {
    let t = s.trim_ascii();
    let may_be_other_space = |b: u8| b >= 0x80 || b == 0x0b;
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if may_be_other_space(f) || may_be_other_space(l) => t.trim(),
        _ => t,
    }
}

#[cfg(test)]
mod trim_tests {
    use super::trim_text;

    #[test]
    fn trim_text_is_str_trim() {
        let samples = [
            "",
            " ",
            "72",
            " 72",
            "72 ",
            "\t72\r\n",
            "\u{a0}72",
            "72\u{a0}",
            "\u{b}72\u{b}",
            "\u{3000} 72 \u{2028}",
            "°C",
            " °C ",
            "℃\u{85}",
            "\u{1c}72",
            "a b",
            "\u{b}",
            "\u{a0}",
            " \u{a0} ",
            "é",
            "\u{200a}x\u{202f}",
        ];
        for s in samples {
            assert_eq!(trim_text(s), s.trim(), "{s:?}");
        }
        // every single character, alone and around a value
        for c in (0..0x3100u32).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("{c}7{c}"), format!(" {c}7 ")] {
                assert_eq!(trim_text(&s), s.trim(), "{s:?}");
            }
        }
    }
}
