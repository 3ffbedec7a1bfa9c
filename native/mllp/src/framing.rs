//! A streaming MLLP decoder that, unlike the core's, keeps the bytes of the
//! frames it could not deliver whole (a frame cut short by a new start block,
//! the head of an oversize frame, a frame left open at end of stream), so the
//! server can put them on the invalid topic and answer the sender.

use vitalflow_core::mllp::{CR, END, START};

/// How many leading bytes of an oversize frame are kept: enough for the MSH
/// segment, so the reject can echo the sender's control id.
pub const OVERSIZE_PREFIX: usize = 4096;

/// What the decoder found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A complete frame's payload.
    Frame(Vec<u8>),
    /// A frame not ended before the next start block; its bytes so far.
    Truncated(Vec<u8>),
    /// A frame over the limit: its first bytes and its full length.
    Oversize { head: Vec<u8>, len: usize },
    /// Non-whitespace bytes outside any frame were skipped.
    Garbage(usize),
}

#[derive(Debug)]
enum State {
    /// Looking for a start block.
    Between,
    /// Inside a frame; `buf` holds its payload so far.
    InFrame,
    /// Discarding the rest of an oversize frame.
    Skipping { head: Vec<u8>, len: usize },
}

/// Feed bytes in, take [`FrameEvent`]s out.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// In a frame: how much of `buf` is known to hold no end or start block.
    scanned: usize,
    max_frame: usize,
    state: State,
}

impl FrameDecoder {
    pub fn new(max_frame: usize) -> FrameDecoder {
        FrameDecoder {
            buf: Vec::new(),
            scanned: 0,
            max_frame,
            state: State::Between,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// True while a frame has begun and not ended.
    pub fn in_frame(&self) -> bool {
        !matches!(self.state, State::Between)
    }

    /// At end of stream: the bytes of a frame left open, if any.
    pub fn finish(&mut self) -> Option<FrameEvent> {
        let state = std::mem::replace(&mut self.state, State::Between);
        let rest = std::mem::take(&mut self.buf);
        self.scanned = 0;
        match state {
            State::Between => None,
            State::InFrame => Some(FrameEvent::Truncated(rest)),
            State::Skipping { head, len } => Some(FrameEvent::Oversize {
                head,
                len: len + rest.len(),
            }),
        }
    }

    /// The next event, or `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<FrameEvent> {
        loop {
            match &mut self.state {
                State::Between => {
                    if self.buf.is_empty() {
                        return None;
                    }
                    let start = memchr::memchr(START, &self.buf);
                    let upto = start.unwrap_or(self.buf.len());
                    let garbage = self.buf[..upto]
                        .iter()
                        .filter(|b| !b.is_ascii_whitespace())
                        .count();
                    match start {
                        Some(i) => {
                            self.buf.drain(..=i);
                            self.scanned = 0;
                            self.state = State::InFrame;
                        }
                        None => self.buf.clear(),
                    }
                    if garbage > 0 {
                        return Some(FrameEvent::Garbage(garbage));
                    }
                }
                State::InFrame => match find_boundary(&self.buf, self.scanned) {
                    Some(Boundary::End(i, consumed)) => {
                        let mut frame: Vec<u8> = self.buf.drain(..i + consumed).collect();
                        frame.truncate(i);
                        self.scanned = 0;
                        self.state = State::Between;
                        if frame.len() > self.max_frame {
                            let len = frame.len();
                            frame.truncate(OVERSIZE_PREFIX);
                            return Some(FrameEvent::Oversize { head: frame, len });
                        }
                        return Some(FrameEvent::Frame(frame));
                    }
                    Some(Boundary::Start(i)) => {
                        let part: Vec<u8> = self.buf.drain(..=i).take(i).collect();
                        self.scanned = 0;
                        // Still in a frame: the one the new start block opened.
                        return Some(FrameEvent::Truncated(part));
                    }
                    None => {
                        // Everything but a trailing END (awaiting its CR) is payload.
                        self.scanned = self.buf.len() - usize::from(self.buf.last() == Some(&END));
                        if self.scanned > self.max_frame {
                            let head = self.buf[..OVERSIZE_PREFIX.min(self.buf.len())].to_vec();
                            let n = self.scanned;
                            self.buf.drain(..n);
                            self.scanned = 0;
                            self.state = State::Skipping { head, len: n };
                            continue;
                        }
                        return None;
                    }
                },
                State::Skipping { len, .. } => match find_boundary(&self.buf, 0) {
                    Some(Boundary::End(i, consumed)) => {
                        let total = *len + i;
                        self.buf.drain(..i + consumed);
                        let State::Skipping { head, .. } =
                            std::mem::replace(&mut self.state, State::Between)
                        else {
                            unreachable!()
                        };
                        return Some(FrameEvent::Oversize { head, len: total });
                    }
                    Some(Boundary::Start(i)) => {
                        let total = *len + i;
                        self.buf.drain(..=i);
                        let State::Skipping { head, .. } =
                            std::mem::replace(&mut self.state, State::InFrame)
                        else {
                            unreachable!()
                        };
                        self.scanned = 0;
                        return Some(FrameEvent::Oversize { head, len: total });
                    }
                    None => {
                        let keep = usize::from(self.buf.last() == Some(&END));
                        let n = self.buf.len() - keep;
                        *len += n;
                        self.buf.drain(..n);
                        return None;
                    }
                },
            }
        }
    }
}

enum Boundary {
    /// END at this index; the end block is this many bytes (END, or END CR).
    End(usize, usize),
    /// A start block at this index.
    Start(usize),
}

/// The first end block or start block at or after `from`. END CR ends a
/// frame; so does an END followed by anything but CR (some senders omit the
/// CR); an END that is the last byte so far waits for the next byte.
fn find_boundary(b: &[u8], from: usize) -> Option<Boundary> {
    let i = from + memchr::memchr2(END, START, &b[from..])?;
    if b[i] == START {
        return Some(Boundary::Start(i));
    }
    match b.get(i + 1) {
        Some(&CR) => Some(Boundary::End(i, 2)),
        Some(_) => Some(Boundary::End(i, 1)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitalflow_core::mllp::encode;

    fn all(d: &mut FrameDecoder) -> Vec<FrameEvent> {
        std::iter::from_fn(|| d.next_event()).collect()
    }

    #[test]
    fn frames_garbage_truncation_and_oversize_in_one_stream() {
        let mut d = FrameDecoder::new(16);
        let mut wire = b"  junk".to_vec();
        wire.extend(encode(b"MSH|A"));
        wire.extend(b"\x0bMSH|half");
        wire.extend(encode(b"MSH|B"));
        wire.extend(encode(&[b'x'; 40]));
        wire.extend(encode(b"MSH|C"));
        d.feed(&wire);
        assert_eq!(
            all(&mut d),
            vec![
                FrameEvent::Garbage(4),
                FrameEvent::Frame(b"MSH|A".to_vec()),
                FrameEvent::Truncated(b"MSH|half".to_vec()),
                FrameEvent::Frame(b"MSH|B".to_vec()),
                FrameEvent::Oversize {
                    head: vec![b'x'; 40],
                    len: 40
                },
                FrameEvent::Frame(b"MSH|C".to_vec()),
            ]
        );
        assert!(d.finish().is_none());
    }

    #[test]
    fn byte_by_byte_gives_the_same_frames() {
        let mut wire = encode(b"MSH|one");
        wire.extend(encode(&[b'y'; 100]));
        wire.extend(encode(b"MSH|two"));
        let mut d = FrameDecoder::new(50);
        let mut got = Vec::new();
        for b in &wire {
            d.feed(std::slice::from_ref(b));
            got.extend(all(&mut d));
        }
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], FrameEvent::Frame(b"MSH|one".to_vec()));
        assert_eq!(
            got[1],
            FrameEvent::Oversize {
                head: vec![b'y'; 51],
                len: 100
            }
        );
        assert_eq!(got[2], FrameEvent::Frame(b"MSH|two".to_vec()));
    }

    #[test]
    fn an_open_frame_at_end_of_stream_is_returned_by_finish() {
        let mut d = FrameDecoder::new(1024);
        d.feed(b"\x0bMSH|A\x1c\r\x0bMSH|par");
        assert_eq!(all(&mut d), vec![FrameEvent::Frame(b"MSH|A".to_vec())]);
        assert!(d.in_frame());
        assert_eq!(d.finish(), Some(FrameEvent::Truncated(b"MSH|par".to_vec())));
    }

    #[test]
    fn end_without_cr_still_ends_the_frame() {
        let mut d = FrameDecoder::new(1024);
        d.feed(b"\x0bMSH|A\x1c\x0bMSH|B\x1c\r");
        assert_eq!(
            all(&mut d),
            vec![
                FrameEvent::Frame(b"MSH|A".to_vec()),
                FrameEvent::Frame(b"MSH|B".to_vec())
            ]
        );
    }
}
