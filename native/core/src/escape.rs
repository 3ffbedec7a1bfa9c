//! HL7 escape sequences, decoded on read.
//!
//! `\F\` field, `\S\` component, `\T\` subcomponent, `\R\` repetition,
//! `\E\` escape, `\P\` truncation (v2.7), `\Xhh..\` bytes in hex (in the
//! message's character set), `\.br\` a line break. Highlighting (`\H\`, `\N\`)
//! and other formatting commands are dropped; an unknown or unterminated
//! sequence is kept as sent.

use std::borrow::Cow;

use crate::message::Delimiters;

/// Decodes the escape sequences of `raw`, borrowing when there are none.
///
/// ```
/// use vitalflow_core::escape::unescape;
/// use vitalflow_core::message::Delimiters;
/// let d = Delimiters::default();
/// assert_eq!(&*unescape(br"Smith\T\Jones\F\\S\\R\\E\", &d), b"Smith&Jones|^~\\");
/// assert_eq!(&*unescape(br"caf\XC3A9\", &d), "café".as_bytes());
/// assert_eq!(&*unescape(b"plain", &d), b"plain");
/// ```
pub fn unescape<'a>(raw: &'a [u8], d: &Delimiters) -> Cow<'a, [u8]> {
    let Some(esc) = d.escape else {
        return Cow::Borrowed(raw);
    };
    let Some(first) = crate::message::find_byte(esc, raw) else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..first]);
    let mut i = first;
    while i < raw.len() {
        let b = raw[i];
        if b != esc {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(len) = memchr::memchr(esc, &raw[i + 1..]) else {
            // Unterminated: keep the rest as sent.
            out.extend_from_slice(&raw[i..]);
            break;
        };
        let body = &raw[i + 1..i + 1 + len];
        if !decode_sequence(body, d, &mut out) {
            out.extend_from_slice(&raw[i..i + len + 2]);
        }
        i += len + 2;
    }
    Cow::Owned(out)
}

/// Appends the decoded form of one sequence; false if it is not one we know.
fn decode_sequence(body: &[u8], d: &Delimiters, out: &mut Vec<u8>) -> bool {
    match body {
        b"F" => out.push(d.field),
        b"S" => out.push(d.component),
        b"T" => match d.subcomponent {
            Some(c) => out.push(c),
            None => return false,
        },
        b"R" => match d.repetition {
            Some(c) => out.push(c),
            None => return false,
        },
        b"E" => match d.escape {
            Some(c) => out.push(c),
            None => return false,
        },
        b"P" => match d.truncation {
            Some(c) => out.push(c),
            None => return false,
        },
        b"H" | b"N" => {}
        b".br" => out.push(b'\n'),
        [b'X', hex @ ..] if !hex.is_empty() && hex.len() % 2 == 0 => {
            let start = out.len();
            for pair in hex.chunks_exact(2) {
                match (hex_val(pair[0]), hex_val(pair[1])) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => {
                        out.truncate(start);
                        return false;
                    }
                }
            }
        }
        [b'.', ..] => {} // other formatting commands (.sp, .fi, .in ...) carry no text
        _ => return false,
    }
    true
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Escapes text for use inside a field with the given delimiters (the reverse
/// of [`unescape`] for the delimiter characters).
///
/// ```
/// use vitalflow_core::escape::escape;
/// use vitalflow_core::message::Delimiters;
/// assert_eq!(escape("a|b^c&d~e\\f", &Delimiters::default()), r"a\F\b\S\c\T\d\R\e\E\f");
/// ```
pub fn escape(text: &str, d: &Delimiters) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let seq = if !ch.is_ascii() {
            None
        } else {
            let b = ch as u8;
            if b == d.field {
                Some('F')
            } else if b == d.component {
                Some('S')
            } else if Some(b) == d.subcomponent {
                Some('T')
            } else if Some(b) == d.repetition {
                Some('R')
            } else if Some(b) == d.escape {
                Some('E')
            } else if Some(b) == d.truncation {
                Some('P')
            } else {
                None
            }
        };
        match (seq, d.escape) {
            (Some(s), Some(e)) => {
                out.push(e as char);
                out.push(s);
                out.push(e as char);
            }
            (Some(_), None) => out.push(' '),
            (None, _) if ch == '\r' || ch == '\n' => out.push(' '),
            (None, _) => out.push(ch),
        }
    }
    out
}
