//! Inputs found by the `parse_extract_ack` fuzz target (native/fuzz), kept as
//! regression tests: no panic, and every ACK built reads back.

use chrono::{DateTime, Utc};
use vitalflow_core::ack::{self, AckCode, AckError};
use vitalflow_core::{Message, Path};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T06:00:01Z")
        .unwrap()
        .to_utc()
}

/// The NAK of a message whose MSH-2 declares a character twice was written
/// with that MSH-2, so the sender could not parse the NAK
/// (tests/fixtures/invalid/bad_encoding_duplicate.hl7).
#[test]
fn nak_of_a_duplicate_encoding_character_parses() {
    let input =
        b"MSH|^^\\&|MONGW|ICU|VITALFLOW|HOSP|20261124060000||ORU^R01|DUP-0001|P|2.5\rPID|1\r";
    let err = Message::parse(input).unwrap_err();
    let reply = ack::reject_unparseable(input, &err, "R1", now());
    let (code, _) = ack::read_ack(&reply).unwrap_or_else(|e| {
        panic!("{e}: {:?}", String::from_utf8_lossy(&reply));
    });
    assert_eq!(code, AckCode::AR);
    let nak = Message::parse(&reply).unwrap();
    assert_eq!(nak.query("MSH-2").unwrap().as_deref(), Some("^~\\&"));
    assert_eq!(nak.query("MSH-10").unwrap().as_deref(), Some("R1"));
}

/// A NAK for a message with its own (valid) delimiters is written with them
/// throughout, as its MSH-2 declares.
#[test]
fn nak_uses_the_declared_delimiters() {
    let input = b"MSH#!@%$#MON#ICU#VF#HOSP#20261120060000##ORU!R01#C9#P#2.7\rP\x00D#1\r";
    let err = Message::parse(input).unwrap_err();
    let reply = ack::reject_unparseable(input, &err, "R2", now());
    let nak = Message::parse(&reply).unwrap();
    assert_eq!(nak.query("MSH-2").unwrap().as_deref(), Some("!@%$"));
    assert_eq!(nak.query("MSH-9-1").unwrap().as_deref(), Some("ACK"));
    assert_eq!(nak.query("MSH-9-2").unwrap().as_deref(), Some("R01"));
    assert_eq!(nak.query("MSA-1").unwrap().as_deref(), Some("AR"));
    assert_eq!(nak.query("MSA-2").unwrap().as_deref(), Some("C9"));
    assert_eq!(nak.query("ERR-3-1").unwrap().as_deref(), Some("100"));
    assert_eq!(nak.query("ERR-2-1").unwrap().as_deref(), Some("P\u{0}D"));
}

/// A later segment that is a bare `MSH` (no field separator) panicked on
/// MSH-1/MSH-2 access (slice index out of range).
#[test]
fn bare_msh_segment_has_no_fields() {
    let input = b"MSH|^~\\&|A||||||ORU^R01|C1|P|2.5\rMSH\rPID|1\r";
    let msg = Message::parse(input).unwrap();
    let second = msg.segment(b"MSH", 2).unwrap();
    assert!(second.field(1).is_none());
    assert!(second.field(2).is_none());
    assert!(second.field(3).is_none());
    assert_eq!(second.fields().count(), 0);
    for p in ["MSH(2)-1", "MSH(2)-2", "MSH(2)-3"] {
        let path: Path = p.parse().unwrap();
        assert!(msg.get(&path).is_none(), "{p}");
    }
    let reply = ack::build(&msg, AckCode::AA, None, "A1", now());
    assert_eq!(
        ack::read_ack(&reply).unwrap(),
        (AckCode::AA, "C1".to_string())
    );
    let err = AckError {
        code: 207,
        text: "x".into(),
        segment: None,
        segment_index: None,
        field: None,
    };
    let reply = ack::build(&msg, AckCode::AE, Some(&err), "A2", now());
    assert_eq!(ack::read_ack(&reply).unwrap().0, AckCode::AE);
}

/// With `+` as a delimiter, the `+0000` of the ACK's own MSH-7 split the
/// field, so MSH-9 of the ACK was empty and the ACK did not read back
/// (artifact crash-06d78357…, minimised).
#[test]
fn ack_time_offset_is_escaped_when_plus_is_a_delimiter() {
    // Unparseable (bad segment id): a reject with the declared delimiters.
    let input = b"MSH+|^~\\\rOBX rate\r";
    let err = Message::parse(input).unwrap_err();
    let reply = ack::reject_unparseable(input, &err, "R1", now());
    assert_eq!(ack::read_ack(&reply).unwrap().0, AckCode::AR);
    let nak = Message::parse(&reply).unwrap();
    assert_eq!(
        nak.query("MSH-7").unwrap().as_deref(),
        Some("20261120060001+0000")
    );
    assert_eq!(nak.query("MSH-9-1").unwrap().as_deref(), Some("ACK"));
    assert_eq!(nak.query("MSH-10").unwrap().as_deref(), Some("R1"));

    // Parseable: the ACK built from it.
    let input = b"MSH+|^~\\+MON+ICU+VF+HOSP+20261120060000++ORU|R01+C5+P+2.5\rPID+1\r";
    let msg = Message::parse(input).unwrap();
    let reply = ack::build(&msg, AckCode::AA, None, "A5", now());
    assert_eq!(
        ack::read_ack(&reply).unwrap(),
        (AckCode::AA, "C5".to_string())
    );
    let ack_msg = Message::parse(&reply).unwrap();
    assert_eq!(
        ack_msg.query("MSH-7").unwrap().as_deref(),
        Some("20261120060001+0000")
    );
    assert_eq!(ack_msg.query("MSH-9-2").unwrap().as_deref(), Some("R01"));
}

/// `Segment::fields` walks the segment once; it must agree with `field(n)`.
#[test]
fn fields_iterator_agrees_with_field() {
    let input = b"MSH|^~\\&|A|B||D|20261120||ORU^R01|C1|P|2.5|||||\rPID|1||X~Y^^^H&1&ISO||\rPV1\rOBX|||\rMSH|\rZZZ|a|b|c\r";
    let msg = Message::parse(input).unwrap();
    for seg in msg.segments() {
        let all: Vec<_> = seg.fields().collect();
        for n in 1..all.len() + 3 {
            let one = seg.field(n);
            let it = all.get(n - 1);
            assert_eq!(
                one.map(|f| (f.offset(), f.raw())),
                it.map(|f| (f.offset(), f.raw())),
                "{}-{n}",
                seg.id_str()
            );
            if let (Some(a), Some(b)) = (one, it) {
                assert_eq!(a.decoded(), b.decoded());
                assert_eq!(
                    a.component(1).map(|c| c.raw()),
                    b.component(1).map(|c| c.raw())
                );
            }
        }
    }
}

/// Inputs found by the Java fuzz test (jvm-bridge FuzzTest, mutated monitor
/// messages): a unit in OBX-6 with a multi-byte character across byte 8 made
/// the MDC mnemonic check slice inside a character and panic.
#[test]
fn a_multibyte_character_in_a_unit_does_not_panic() {
    for unit in [
        "mm[Hg]1\u{dc}4160000",
        "262688\u{b8}",
        "2026110\u{e1}213900",
    ] {
        let msg = format!(
            "MSH|^~\\&|MON|ICU|||20261120060000||ORU^R01|F1|P|2.6|||||UNICODE UTF-8\r\
PID|1||P1\rOBX|1|NM|8867-4^HR^LN||72|{unit}|||||F\r"
        );
        let x =
            vitalflow_core::vitals::extract_lenient(msg.as_bytes(), &Default::default()).unwrap();
        assert_eq!(x.rows.len(), 1, "{unit}");
        assert_eq!(x.rows[0].normalized_value, None, "{unit}: not a known unit");
    }
}
