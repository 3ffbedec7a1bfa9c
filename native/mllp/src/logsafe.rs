//! Text a peer chose (a control id, MSH-10 after escape decoding) as it may
//! reach a log line: every control character and backslash escaped, so a line
//! feed in MSH-10 cannot forge a second log line, and capped, so a 1 MiB control
//! id cannot fill the log.

use std::fmt;

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
}
