//! HL7 timestamps (DTM/TS): `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
//!
//! A timestamp with an offset is converted to UTC; one without an offset is
//! read in the configured zone. Missing parts default to the start of the
//! period (a date alone is midnight). Fractions of a second are kept to the
//! microsecond.
//!
//! ```
//! use vitalflow_core::time::parse_hl7_time;
//! let t = parse_hl7_time("20261120070000+0100", chrono_tz::UTC).unwrap();
//! assert_eq!(t.to_rfc3339(), "2026-11-20T06:00:00+00:00");
//! let t = parse_hl7_time("20261120060000.25", chrono_tz::UTC).unwrap();
//! assert_eq!(t.timestamp_subsec_millis(), 250);
//! let t = parse_hl7_time("202611200700", chrono_tz::Europe::Berlin).unwrap();
//! assert_eq!(t.to_rfc3339(), "2026-11-20T06:00:00+00:00");
//! assert!(parse_hl7_time("20261340", chrono_tz::UTC).is_err());
//! ```

use crate::charset::trim_text;
use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::error::ErrorKind;

/// Parses an HL7 timestamp to UTC. Only the first component is read (the TS
/// data type of v2.3-2.5 may carry a precision in a second component).
pub fn parse_hl7_time(text: &str, zone: Tz) -> Result<DateTime<Utc>, ErrorKind> {
    let bad = || ErrorKind::BadTimestamp(text.to_string());
    let s = trim_text(text);
    // Byte searches: every delimiter here is ASCII, so the slices stay on char boundaries.
    let s = match s.bytes().position(|b| b == b'^') {
        Some(i) => &s[..i],
        None => s,
    };
    let (body, offset) = match s.bytes().position(|b| b == b'+' || b == b'-') {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    let (digits, fraction) = match body.bytes().position(|b| b == b'.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let d = digits.as_bytes();
    if !d.iter().all(u8::is_ascii_digit) || !matches!(d.len(), 4 | 6 | 8 | 10 | 12 | 14) {
        return Err(bad());
    }
    // digits only (checked above): read pairs without going through str::parse
    let pair = |a: usize| u32::from(d[a] - b'0') * 10 + u32::from(d[a + 1] - b'0');
    let num = |a: usize, b: usize, default: u32| -> u32 {
        if d.len() >= b {
            (a..b).step_by(2).fold(0, |acc, i| acc * 100 + pair(i))
        } else {
            default
        }
    };
    let year = num(0, 4, 0) as i32;
    let (month, day, hour, minute, second) = (
        num(4, 6, 1),
        num(6, 8, 1),
        num(8, 10, 0),
        num(10, 12, 0),
        num(12, 14, 0),
    );
    let micros = match fraction {
        None => 0,
        Some(f)
            if digits.len() == 14
                && !f.is_empty()
                && f.len() <= 9
                && f.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let mut padded = f.to_string();
            padded.truncate(6);
            while padded.len() < 6 {
                padded.push('0');
            }
            padded.parse::<u32>().map_err(|_| bad())?
        }
        Some(_) => return Err(bad()),
    };
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)?;
    // HL7 allows second 60 for a leap second; chrono represents it as 59 + 1s of nanos.
    let time = if second == 60 {
        NaiveTime::from_hms_micro_opt(hour, minute, 59, 1_000_000 + micros)
    } else {
        NaiveTime::from_hms_micro_opt(hour, minute, second, micros)
    }
    .ok_or_else(bad)?;
    let naive = NaiveDateTime::new(date, time);
    match offset {
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let o = &o[1..];
            if o.len() != 4 || !o.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let (h, m): (i32, i32) = (
                o[..2].parse().map_err(|_| bad())?,
                o[2..].parse().map_err(|_| bad())?,
            );
            if h > 14 || m > 59 {
                return Err(bad());
            }
            let off = FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)?;
            match off.from_local_datetime(&naive) {
                LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
                _ => Err(bad()),
            }
        }
        None => Ok(local_to_utc(naive, zone)),
    }
}

/// Reads a wall-clock time in `zone`. In the autumn overlap the earlier
/// instant is taken; a time in the spring gap is read with the offset in
/// force before the gap.
fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let before = zone.offset_from_utc_datetime(&(naive - chrono::Duration::hours(3)));
            let off = chrono::Offset::fix(&before);
            Utc.from_utc_datetime(
                &(naive - chrono::Duration::seconds(off.local_minus_utc() as i64)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        parse_hl7_time(s, chrono_tz::UTC)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    #[test]
    fn precisions() {
        assert_eq!(t("2026"), "2026-01-01T00:00:00Z");
        assert_eq!(t("202611"), "2026-11-01T00:00:00Z");
        assert_eq!(t("20261120"), "2026-11-20T00:00:00Z");
        assert_eq!(t("2026112006"), "2026-11-20T06:00:00Z");
        assert_eq!(t("202611200615"), "2026-11-20T06:15:00Z");
        assert_eq!(t("20261120061530"), "2026-11-20T06:15:30Z");
        assert_eq!(t("20261120061530.1234"), "2026-11-20T06:15:30.123400Z");
        assert_eq!(t("20261120061530.5"), "2026-11-20T06:15:30.500Z");
    }

    #[test]
    fn offsets() {
        assert_eq!(t("20261120010000-0500"), "2026-11-20T06:00:00Z");
        assert_eq!(t("20261120063000+0030"), "2026-11-20T06:00:00Z");
        assert_eq!(t("20261120000000+0100"), "2026-11-19T23:00:00Z");
        assert_eq!(t("20261120+0000"), "2026-11-20T00:00:00Z");
        assert_eq!(t("20261120060000^S"), "2026-11-20T06:00:00Z");
    }

    #[test]
    fn zones_and_dst() {
        let ny = chrono_tz::America::New_York;
        // EDT in July (UTC-4), EST in November (UTC-5).
        assert_eq!(
            parse_hl7_time("20260701080000", ny).unwrap().to_rfc3339(),
            "2026-07-01T12:00:00+00:00"
        );
        assert_eq!(
            parse_hl7_time("20261120080000", ny).unwrap().to_rfc3339(),
            "2026-11-20T13:00:00+00:00"
        );
        // 2026-11-01 01:30 happens twice in New York: the earlier (EDT) is taken.
        assert_eq!(
            parse_hl7_time("20261101013000", ny).unwrap().to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        // 2026-03-08 02:30 does not exist in New York: read with EST, the offset before the gap.
        assert_eq!(
            parse_hl7_time("20260308023000", ny).unwrap().to_rfc3339(),
            "2026-03-08T07:30:00+00:00"
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            parse_hl7_time("20261120080000+0000", ny)
                .unwrap()
                .to_rfc3339(),
            "2026-11-20T08:00:00+00:00"
        );
    }

    #[test]
    fn invalid() {
        for bad in [
            "",
            "2026112",
            "20261301",
            "20260230",
            "20261120250000",
            "2026112006000",
            "20261120060000.",
            "20261120+01",
            "20261120+2500",
            "2026-11-20",
            "20261120060000.12a",
            "abcd",
        ] {
            assert!(
                parse_hl7_time(bad, chrono_tz::UTC).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
