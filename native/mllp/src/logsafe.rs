//! Text a peer chose (a control id, MSH-10 after escape decoding) as it may
//! reach a log line: every control character and backslash escaped, so a line
//! feed in MSH-10 cannot forge a second log line, and capped, so a 1 MiB control
//! id cannot fill the log.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many characters of the text are written, then `…`.
pub const MAX_CHARS: usize = 64;

/// `Display`s its text escaped and capped (see the module documentation).
pub struct LogSafe<'a>(pub &'a str);

impl fmt::Display for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == MAX_CHARS {
                return f.write_str("…");
            }
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
                c => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

/// Lets one log line through per interval, and counts the ones it held back,
/// so a peer that sends garbage or empty frames in a loop cannot flood the log
/// while an operator still sees that it happens, and how often.
pub struct LogLimiter {
    interval: Duration,
    last: Mutex<Option<Instant>>,
    held_back: AtomicU64,
}

impl LogLimiter {
    pub fn new(interval: Duration) -> LogLimiter {
        LogLimiter {
            interval,
            last: Mutex::new(None),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(n)` when a line may be written now, `n` being how many were held
    /// back since the last one; `None` (counted) otherwise.
    pub fn admit(&self) -> Option<u64> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match *last {
            Some(t) if now.saturating_duration_since(t) < self.interval => {
                self.held_back.fetch_add(1, Ordering::Relaxed);
                None
            }
            _ => {
                *last = Some(now);
                Some(self.held_back.swap(0, Ordering::Relaxed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_cannot_forge_a_log_line() {
        let forged = "C1\r\n2026-12-07 INFO everything is fine";
        let shown = LogSafe(forged).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown}");
        assert!(shown.starts_with("C1\\r\\n2026"), "{shown}");
        assert_eq!(LogSafe("a\\b\u{7}").to_string(), "a\\\\b\\u{7}");
        assert_eq!(LogSafe("MSG00001").to_string(), "MSG00001");
    }

    #[test]
    fn long_ids_are_capped() {
        let long = "x".repeat(1 << 20);
        let shown = LogSafe(&long).to_string();
        assert_eq!(shown.chars().count(), MAX_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(
            LogSafe(&"y".repeat(MAX_CHARS)).to_string(),
            "y".repeat(MAX_CHARS)
        );
    }

    #[test]
    fn the_limiter_lets_one_line_through_per_interval_and_counts_the_rest() {
        let l = LogLimiter::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(l.admit_at(t0), Some(0));
        for s in 1..=5 {
            assert_eq!(l.admit_at(t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(l.admit_at(t0 + Duration::from_secs(10)), Some(5));
        assert_eq!(l.admit_at(t0 + Duration::from_secs(11)), None);
        assert_eq!(l.admit_at(t0 + Duration::from_secs(25)), Some(1));
    }
}
