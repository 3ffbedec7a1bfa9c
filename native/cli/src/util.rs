//! Small shared pieces: the failure type and argument parsers.

use chrono::{DateTime, Duration, Utc};

/// A command that failed: an optional message for standard error and the exit code.
#[derive(Debug)]
pub struct Failed {
    pub message: Option<String>,
    pub code: u8,
}

impl Failed {
    /// A failure with a message, exit code 1.
    pub fn msg(m: impl Into<String>) -> Failed {
        Failed {
            message: Some(m.into()),
            code: 1,
        }
    }
    /// A usage error (bad argument), exit code 2 like clap's own.
    pub fn usage(m: impl Into<String>) -> Failed {
        Failed {
            message: Some(m.into()),
            code: 2,
        }
    }
    /// A failure already reported on standard error, exit code 1.
    pub fn quiet() -> Failed {
        Failed {
            message: None,
            code: 1,
        }
    }
}

/// Parses a duration: a number with a unit `ms`, `s`, `m`, `h` or `d` (`90s`, `15m`,
/// `1.5h`); a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (try 30s, 15m, 2h, 1d)"))?;
    let ms_per = match unit.trim() {
        "ms" => 1.0,
        "" | "s" | "sec" => 1_000.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        u => {
            return Err(format!(
                "unknown unit {u:?} in {s:?} (use ms, s, m, h or d)"
            ))
        }
    };
    let ms = n * ms_per;
    if !ms.is_finite() || ms > 1e15 {
        return Err(format!("duration out of range: {s:?}"));
    }
    Ok(Duration::milliseconds(ms.round() as i64))
}

/// Parses a start time: RFC 3339, or `now` (truncated to the second).
pub fn parse_start(s: &str) -> Result<DateTime<Utc>, String> {
    if s.eq_ignore_ascii_case("now") {
        let now = Utc::now();
        return Ok(now - Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos())));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}): {s:?}, e.g. 2026-11-20T06:00:00Z or now"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::minutes(15));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::minutes(90));
        assert_eq!(
            parse_duration("250ms").unwrap(),
            Duration::milliseconds(250)
        );
        assert_eq!(parse_duration("10").unwrap(), Duration::seconds(10));
        assert_eq!(parse_duration("2d").unwrap(), Duration::days(2));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn starts() {
        assert_eq!(
            parse_start("2026-11-20T06:00:00Z").unwrap().to_rfc3339(),
            "2026-11-20T06:00:00+00:00"
        );
        assert_eq!(
            parse_start("2026-11-20T07:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-20T06:00:00+00:00"
        );
        assert!(parse_start("now").is_ok());
        assert!(parse_start("yesterday").is_err());
    }
}
