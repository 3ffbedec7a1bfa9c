//! MLLP framing (HL7 v2 Minimal Lower Layer Protocol): `0x0B` message
//! `0x1C 0x0D`.
//!
//! [`Decoder`] is a sans-I/O streaming decoder: feed it bytes as they arrive
//! and take frames out. It enforces a maximum frame size (an oversize frame is
//! reported and skipped, the stream stays usable) and resynchronises on the
//! next start byte after garbage between frames.
//!
//! ```
//! use vitalflow_core::mllp::{encode, Decoder, MllpError};
//! let mut d = Decoder::new(1024);
//! let mut wire = b"noise".to_vec();
//! wire.extend(encode(b"MSH|^~\\&|A"));
//! wire.extend(encode(b"MSH|^~\\&|B"));
//! d.feed(&wire);
//! assert!(matches!(d.next_frame(), Some(Err(MllpError::Garbage { bytes: 5 }))));
//! assert_eq!(d.next_frame().unwrap().unwrap(), b"MSH|^~\\&|A");
//! assert_eq!(d.next_frame().unwrap().unwrap(), b"MSH|^~\\&|B");
//! assert!(d.next_frame().is_none());
//! ```

use std::fmt;

/// Start block.
pub const START: u8 = 0x0B;
/// End block.
pub const END: u8 = 0x1C;
/// Carriage return after the end block.
pub const CR: u8 = 0x0D;

/// Default maximum frame size: 1 MiB.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// Frames a message.
pub fn encode(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.push(END);
    out.push(CR);
    out
}

/// A problem in the byte stream; the decoder has already recovered from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MllpError {
    /// Bytes outside any frame (other than whitespace) were skipped.
    Garbage { bytes: usize },
    /// A frame grew past the limit; its bytes up to the next end block were skipped.
    Oversize { limit: usize, skipped: usize },
    /// A start block arrived inside a frame: the unfinished frame was dropped.
    Truncated { bytes: usize },
}

impl fmt::Display for MllpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MllpError::Garbage { bytes } => {
                write!(f, "skipped {bytes} bytes outside an MLLP frame")
            }
            MllpError::Oversize { limit, skipped } => {
                write!(
                    f,
                    "MLLP frame larger than the limit of {limit} bytes; skipped {skipped} bytes"
                )
            }
            MllpError::Truncated { bytes } => {
                write!(f, "MLLP frame of {bytes} bytes was not ended before the next start block; dropped")
            }
        }
    }
}

impl std::error::Error for MllpError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames.
    Idle,
    /// Skipping an oversize frame, with the count skipped so far.
    Skipping(usize),
}

/// A streaming MLLP decoder.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Where to resume the search for the end block in `buf`.
    scanned: usize,
    max_frame: usize,
    state: State,
}

impl Decoder {
    /// A decoder that accepts frames of up to `max_frame` bytes of payload.
    pub fn new(max_frame: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            scanned: 0,
            max_frame,
            state: State::Idle,
        }
    }

    /// Adds bytes read from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame's payload, a recovered error, or `None` when
    /// more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, MllpError>> {
        loop {
            if let State::Skipping(skipped) = self.state {
                // Drop bytes up to and including the next end block; a start
                // block seen first begins a new frame.
                match find_end_or_start(&self.buf) {
                    Some((i, true)) => {
                        self.buf.drain(..i + 2);
                        self.scanned = 0;
                        self.state = State::Idle;
                        return Some(Err(MllpError::Oversize {
                            limit: self.max_frame,
                            skipped: skipped + i + 2,
                        }));
                    }
                    Some((i, false)) => {
                        self.buf.drain(..i);
                        self.scanned = 0;
                        self.state = State::Idle;
                        return Some(Err(MllpError::Oversize {
                            limit: self.max_frame,
                            skipped: skipped + i,
                        }));
                    }
                    None => {
                        // Keep a trailing END in case its CR comes next.
                        let keep = usize::from(self.buf.last() == Some(&END));
                        let n = self.buf.len() - keep;
                        self.buf.drain(..n);
                        self.state = State::Skipping(skipped + n);
                        return None;
                    }
                }
            }
            if self.buf.is_empty() {
                return None;
            }
            if self.buf[0] != START {
                let start = memchr::memchr(START, &self.buf).unwrap_or(self.buf.len());
                let garbage = self.buf[..start]
                    .iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .count();
                self.buf.drain(..start);
                self.scanned = 0;
                if garbage > 0 {
                    return Some(Err(MllpError::Garbage { bytes: start }));
                }
                continue;
            }
            // In a frame: look for END CR (or a new START) after what was scanned.
            let from = self.scanned.max(1);
            match find_end_or_start(&self.buf[from..]) {
                Some((i, true)) => {
                    let end = from + i;
                    if end - 1 > self.max_frame {
                        self.buf.drain(..end + 2);
                        self.scanned = 0;
                        return Some(Err(MllpError::Oversize {
                            limit: self.max_frame,
                            skipped: end + 2,
                        }));
                    }
                    let frame = self.buf[1..end].to_vec();
                    self.buf.drain(..end + 2);
                    self.scanned = 0;
                    return Some(Ok(frame));
                }
                Some((i, false)) => {
                    let next = from + i;
                    self.buf.drain(..next);
                    self.scanned = 0;
                    return Some(Err(MllpError::Truncated { bytes: next }));
                }
                None => {
                    let payload = self.buf.len() - 1;
                    if payload > self.max_frame + 1 {
                        let keep = usize::from(self.buf.last() == Some(&END));
                        let n = self.buf.len() - keep;
                        self.buf.drain(..n);
                        self.scanned = 0;
                        self.state = State::Skipping(n);
                        continue;
                    }
                    // Resume just before the last byte (it may be an END awaiting its CR).
                    self.scanned = self.buf.len().saturating_sub(1).max(1);
                    return None;
                }
            }
        }
    }
}

/// The first end block `END CR` (true) or start block (false) in `b`.
fn find_end_or_start(b: &[u8]) -> Option<(usize, bool)> {
    let mut from = 0;
    while let Some(i) = memchr::memchr2(END, START, &b[from..]) {
        let at = from + i;
        if b[at] == START {
            return Some((at, false));
        }
        match b.get(at + 1) {
            Some(&CR) => return Some((at, true)),
            Some(_) => from = at + 1, // a stray END inside a frame is data
            None => return None,
        }
    }
    None
}

/// Splits a whole MLLP-framed buffer into frames, with the byte offset of
/// each payload. Garbage between frames is skipped and reported.
pub fn frames(stream: &[u8]) -> impl Iterator<Item = Result<(usize, &[u8]), (usize, MllpError)>> {
    let mut pos = 0usize;
    std::iter::from_fn(move || loop {
        if pos >= stream.len() {
            return None;
        }
        let rest = &stream[pos..];
        if rest[0] != START {
            let start = memchr::memchr(START, rest).unwrap_or(rest.len());
            let garbage = rest[..start].iter().any(|b| !b.is_ascii_whitespace());
            let at = pos;
            pos += start;
            if garbage {
                return Some(Err((at, MllpError::Garbage { bytes: start })));
            }
            continue;
        }
        match find_end_or_start(&rest[1..]) {
            Some((i, true)) => {
                let payload = (pos + 1, &rest[1..1 + i]);
                pos += i + 3;
                return Some(Ok(payload));
            }
            Some((i, false)) => {
                let at = pos;
                pos += i + 1;
                return Some(Err((at, MllpError::Truncated { bytes: i + 1 })));
            }
            None => {
                // Unterminated final frame: take what is there (files often lack the trailer).
                let payload = (pos + 1, &rest[1..]);
                let payload = (payload.0, trim_trailer(payload.1));
                pos = stream.len();
                return Some(Ok(payload));
            }
        }
    })
}

fn trim_trailer(b: &[u8]) -> &[u8] {
    b.strip_suffix(&[END]).unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(d: &mut Decoder) -> Vec<Result<Vec<u8>, MllpError>> {
        std::iter::from_fn(|| d.next_frame()).collect()
    }

    #[test]
    fn byte_by_byte_feeding_gives_the_same_frames() {
        let mut wire = encode(b"MSH|one");
        wire.extend(b"\r\n");
        wire.extend(encode(b"MSH|two\x1cnot-end"));
        let mut d = Decoder::new(100);
        let mut out = vec![];
        for b in &wire {
            d.feed(std::slice::from_ref(b));
            out.extend(drain(&mut d));
        }
        assert_eq!(
            out,
            vec![Ok(b"MSH|one".to_vec()), Ok(b"MSH|two\x1cnot-end".to_vec())]
        );
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn oversize_frame_is_skipped_and_the_stream_recovers() {
        let mut wire = encode(&[b'x'; 50]);
        wire.extend(encode(b"MSH|ok"));
        // All at once.
        let mut d = Decoder::new(10);
        d.feed(&wire);
        let out = drain(&mut d);
        assert!(
            matches!(out[0], Err(MllpError::Oversize { limit: 10, .. })),
            "{out:?}"
        );
        assert_eq!(out[1], Ok(b"MSH|ok".to_vec()));
        // In small chunks, so the decoder has to skip across feeds.
        let mut d = Decoder::new(10);
        let mut out = vec![];
        for chunk in wire.chunks(7) {
            d.feed(chunk);
            out.extend(drain(&mut d));
        }
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(
            matches!(
                out[0],
                Err(MllpError::Oversize {
                    limit: 10,
                    skipped: 53
                })
            ),
            "{out:?}"
        );
        assert_eq!(out[1], Ok(b"MSH|ok".to_vec()));
        assert!(d.buffered() == 0);
    }

    #[test]
    fn truncated_frame_then_new_frame() {
        let mut wire = vec![START];
        wire.extend(b"MSH|lost");
        wire.extend(encode(b"MSH|kept"));
        let mut d = Decoder::new(100);
        d.feed(&wire);
        assert_eq!(
            drain(&mut d),
            vec![
                Err(MllpError::Truncated { bytes: 9 }),
                Ok(b"MSH|kept".to_vec())
            ]
        );
    }

    #[test]
    fn frames_of_a_file() {
        let mut wire = encode(b"A");
        wire.extend(b"junk");
        wire.extend(encode(b"B"));
        wire.extend([START]);
        wire.extend(b"C\x1c");
        let got: Vec<_> = frames(&wire).collect();
        assert_eq!(got[0], Ok((1, &b"A"[..])));
        assert!(matches!(got[1], Err((4, MllpError::Garbage { bytes: 4 }))));
        assert_eq!(got[2], Ok((9, &b"B"[..])));
        assert_eq!(got[3], Ok((13, &b"C"[..])));
    }
}
