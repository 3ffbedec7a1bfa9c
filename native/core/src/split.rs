//! Splitting a file or stream into messages.
//!
//! - MLLP-framed input (first non-blank byte `0x0B`): one message per frame.
//! - Otherwise a message starts at each segment `MSH`; the batch envelope
//!   segments `FHS`, `BHS`, `BTS` and `FTS` are recognised and skipped.
//!
//! Text before the first message that is not an envelope or blank is reported
//! as an error with its offset, and splitting goes on.
//!
//! ```
//! use vitalflow_core::split::messages;
//! let file = b"FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\rBTS|2\rFTS|1\r";
//! let msgs: Vec<_> = messages(file).map(Result::unwrap).collect();
//! assert_eq!(msgs.len(), 2);
//! assert_eq!(msgs[0], (18, &b"MSH|^~\\&|A\rPID|1\r"[..]));
//! assert_eq!(msgs[1].1, b"MSH|^~\\&|B\r");
//! ```

use crate::error::{ErrorKind, Hl7Error};
use crate::mllp;

/// One message of a stream: its byte offset in the stream and its bytes.
pub type Split<'a> = (usize, &'a [u8]);

/// The messages of a file or stream, in order.
pub fn messages(stream: &[u8]) -> Box<dyn Iterator<Item = Result<Split<'_>, Hl7Error>> + '_> {
    let first = stream.iter().position(|b| !b.is_ascii_whitespace());
    match first {
        Some(i) if stream[i] == mllp::START => Box::new(mllp::frames(stream).flat_map(
            |f| -> Box<dyn Iterator<Item = _>> {
                match f {
                    // A frame may itself hold a batch.
                    Ok((off, payload)) => Box::new(lines(payload).map(move |r| match r {
                        Ok((o, m)) => Ok((o + off, m)),
                        Err(e) => Err(e.shifted(off)),
                    })),
                    Err((off, e)) => Box::new(std::iter::once(Err(Hl7Error::new(
                        ErrorKind::MllpFraming(e.to_string()),
                    )
                    .at(off)))),
                }
            },
        )),
        _ => Box::new(lines(stream)),
    }
}

fn is_envelope(line: &[u8]) -> bool {
    matches!(line.get(..3), Some(b"FHS" | b"BHS" | b"BTS" | b"FTS"))
}

fn is_msh(line: &[u8]) -> bool {
    line.starts_with(b"MSH")
}

/// Line-oriented splitting of unframed text.
fn lines(stream: &[u8]) -> impl Iterator<Item = Result<Split<'_>, Hl7Error>> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let mut current: Option<usize> = None; // start of the message being collected
        let mut last_end = 0usize; // end of its last line (with terminator)
        let mut junk: Option<usize> = None;
        while pos < stream.len() {
            let end = memchr::memchr2(b'\r', b'\n', &stream[pos..])
                .map(|i| pos + i)
                .unwrap_or(stream.len());
            let line = &stream[pos..end];
            let line_start = pos;
            let next = (end + 1).min(stream.len()).max(end);
            let blank = line.iter().all(u8::is_ascii_whitespace);
            if is_msh(line) || is_envelope(line) {
                if let Some(j) = junk {
                    // Report the junk before this line; resume here next time.
                    pos = line_start;
                    return Some(Err(Hl7Error::new(ErrorKind::MissingMsh).at(j)));
                }
                if let Some(s) = current {
                    pos = line_start;
                    return Some(Ok((s, &stream[s..last_end])));
                }
                if is_msh(line) {
                    current = Some(line_start);
                    last_end = next;
                }
            } else if current.is_some() {
                // Empty lines are the second half of a `\r\n`: keep them with the message.
                if !blank || (line.is_empty() && last_end == line_start) {
                    last_end = next;
                }
            } else if !blank && junk.is_none() {
                junk = Some(line_start);
            }
            pos = if end < stream.len() {
                end + 1
            } else {
                stream.len()
            };
        }
        if let Some(j) = junk {
            return Some(Err(Hl7Error::new(ErrorKind::MissingMsh).at(j)));
        }
        current.map(|s| Ok((s, &stream[s..last_end.min(stream.len())])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stream: &[u8]) -> Vec<Split<'_>> {
        messages(stream).map(Result::unwrap).collect()
    }

    #[test]
    fn terminators() {
        for t in ["\r", "\n", "\r\n"] {
            let s = format!("MSH|^~\\&|A{t}PID|1{t}MSH|^~\\&|B{t}OBX|1");
            let m = ok(s.as_bytes());
            assert_eq!(m.len(), 2, "{t:?}");
            assert!(
                m[0].1.starts_with(b"MSH|^~\\&|A")
                    && m[0].1.ends_with(format!("PID|1{t}").as_bytes()),
                "{t:?}"
            );
            assert_eq!(m[1].1, format!("MSH|^~\\&|B{t}OBX|1").as_bytes());
        }
    }

    #[test]
    fn junk_before_a_message_is_reported_and_skipped() {
        let s = b"hello\rworld\rMSH|^~\\&|A\r";
        let r: Vec<_> = messages(s).collect();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].as_ref().unwrap_err().offset, Some(0));
        assert_eq!(r[1].as_ref().unwrap().0, 12);
    }

    #[test]
    fn mllp_frames_with_offsets() {
        let mut s = mllp::encode(b"MSH|^~\\&|A\rPID|1\r");
        s.extend(mllp::encode(b"MSH|^~\\&|B\r"));
        let m = ok(&s);
        assert_eq!(
            m,
            vec![
                (1, &b"MSH|^~\\&|A\rPID|1\r"[..]),
                (21, &b"MSH|^~\\&|B\r"[..])
            ]
        );
    }

    #[test]
    fn empty_and_blank_input() {
        assert!(ok(b"").is_empty());
        assert!(ok(b"\r\n\r\n").is_empty());
    }
}
