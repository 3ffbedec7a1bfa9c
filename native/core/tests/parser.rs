//! Parser, path and escape behaviour on hand-written messages, plus a property
//! test: values written with random encoding characters come back unchanged.

use proptest::prelude::*;
use vitalflow_core::escape::escape;
use vitalflow_core::message::Delimiters;
use vitalflow_core::{query, ErrorKind, Message};

const ADT: &[u8] = b"MSH|^~\\&|EHR|HOSP|VF|HOSP|20261120060000||ADT^A01^ADT_A01|CTRL-1|P|2.5.1||||||UNICODE UTF-8\r\
PID|1||MRN123^^^HOSP&1.2.3&ISO^MR~NHS999^^^NHS^NH||M\xc3\xbcller^J\\S\\rg^^^Dr||19700101|F|||Main St\\F\\1^^Town\r\
PV1|1|I|ICU^BED01^1||||||||||||||||VN-77\r\
ZPI|custom|x&y\r";

fn q(msg: &[u8], path: &str) -> Option<String> {
    query(msg, path).unwrap()
}

#[test]
fn msh_fields_are_numbered_as_in_the_standard() {
    assert_eq!(q(ADT, "MSH-1").as_deref(), Some("|"));
    assert_eq!(q(ADT, "MSH-2").as_deref(), Some("^~\\&"));
    assert_eq!(q(ADT, "MSH-3").as_deref(), Some("EHR"));
    assert_eq!(q(ADT, "MSH-9-2").as_deref(), Some("A01"));
    assert_eq!(q(ADT, "MSH-10").as_deref(), Some("CTRL-1"));
    assert_eq!(q(ADT, "MSH-18").as_deref(), Some("UNICODE UTF-8"));
}

#[test]
fn repetitions_components_subcomponents() {
    assert_eq!(
        q(ADT, "PID-3").as_deref(),
        Some("MRN123^^^HOSP&1.2.3&ISO^MR")
    );
    assert_eq!(q(ADT, "PID-3-1").as_deref(), Some("MRN123"));
    assert_eq!(q(ADT, "PID-3(2)-1").as_deref(), Some("NHS999"));
    assert_eq!(q(ADT, "PID-3(2)-4").as_deref(), Some("NHS"));
    assert_eq!(q(ADT, "PID-3-4-1").as_deref(), Some("HOSP"));
    assert_eq!(q(ADT, "PID-3-4-2").as_deref(), Some("1.2.3"));
    assert_eq!(q(ADT, "PID-3-4-3").as_deref(), Some("ISO"));
    assert_eq!(q(ADT, "PID-3-4-4"), None);
    assert_eq!(q(ADT, "PID-3(3)-1"), None);
    assert_eq!(q(ADT, "ZPI-2-1-2").as_deref(), Some("y"));
    assert_eq!(q(ADT, "PV1-3").as_deref(), Some("ICU^BED01^1"));
    assert_eq!(q(ADT, "PV1-19").as_deref(), Some("VN-77"));
}

#[test]
fn absent_is_distinct_from_empty() {
    // PID-2 is there but empty; PID-99 is not there at all.
    assert_eq!(q(ADT, "PID-2").as_deref(), Some(""));
    assert_eq!(q(ADT, "PID-99"), None);
    assert_eq!(q(ADT, "PID-5-3").as_deref(), Some(""));
    assert_eq!(q(ADT, "PID-5-9"), None);
    assert_eq!(q(ADT, "OBX-1"), None);
    assert_eq!(q(ADT, "PID(2)-1"), None);
    assert_eq!(q(ADT, "ZPI-1").as_deref(), Some("custom"));
}

#[test]
fn escapes_and_utf8_are_decoded() {
    assert_eq!(q(ADT, "PID-5-1").as_deref(), Some("Müller"));
    assert_eq!(q(ADT, "PID-5-2").as_deref(), Some("J^rg"));
    assert_eq!(q(ADT, "PID-11-1").as_deref(), Some("Main St|1"));
}

#[test]
fn latin1_by_msh18_and_by_fallback() {
    let declared =
        b"MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.4||||||8859/1\rPID|1||1||M\xfcller^Ren\xe9e\r";
    assert_eq!(q(declared, "PID-5-1").as_deref(), Some("Müller"));
    assert_eq!(q(declared, "PID-5-2").as_deref(), Some("Renée"));
    let undeclared = b"MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.4\rPID|1||1||M\xfcller\r";
    assert_eq!(q(undeclared, "PID-5-1").as_deref(), Some("Müller"));
    // \X..\ bytes are in the message's character set.
    let hex = b"MSH|^~\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.4||||||8859/1\rPID|1||1||M\\XFC\\ller\r";
    assert_eq!(q(hex, "PID-5-1").as_deref(), Some("Müller"));
}

#[test]
fn truncation_character_and_other_delimiters() {
    let m = b"MSH|^~\\&#|A|B|C|D|20261120||ORU^R01|C1|P|2.7\rNTE|1||50\\P\\ off#\r";
    assert_eq!(q(m, "MSH-2").as_deref(), Some("^~\\&#"));
    assert_eq!(q(m, "NTE-3").as_deref(), Some("50# off#"));
    let m = b"MSH*@!/%*A*B*C*D*20261120**ORU@R01*C1*P*2.5\rPID*1**X1@@@AUTH%9!X2*\r";
    assert_eq!(q(m, "MSH-2").as_deref(), Some("@!/%"));
    assert_eq!(q(m, "MSH-9-2").as_deref(), Some("R01"));
    assert_eq!(q(m, "PID-3-4-2").as_deref(), Some("9"));
    assert_eq!(q(m, "PID-3(2)").as_deref(), Some("X2"));
}

#[test]
fn terminators_with_and_without_a_final_one() {
    for t in ["\r", "\n", "\r\n"] {
        for last in ["", t] {
            let m = format!(
                "MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C1|P|2.5{t}PID|1||P1{t}OBX|1|NM|x||5{last}"
            );
            assert_eq!(
                q(m.as_bytes(), "OBX-5").as_deref(),
                Some("5"),
                "{t:?} {last:?}"
            );
            assert_eq!(
                q(m.as_bytes(), "PID-3").as_deref(),
                Some("P1"),
                "{t:?} {last:?}"
            );
        }
    }
}

#[test]
fn errors_say_where_and_why() {
    let e = query(b"PID|1||x\r", "PID-3").unwrap_err();
    assert_eq!(e.kind, ErrorKind::MissingMsh);
    assert_eq!(e.offset, Some(0));

    let m = b"MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C1|P|2.5\rPID|1\rob x|1\r";
    let e = query(m, "PID-1").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::BadSegmentId(_)), "{e}");
    assert_eq!(e.offset, Some(50));
    assert_eq!(e.segment_index, Some(3));
    assert!(e.to_string().contains("at byte 50"), "{e}");

    let e = query(b"MSH|^^\\&|A\r", "MSH-3").unwrap_err();
    assert!(matches!(e.kind, ErrorKind::BadEncodingCharacters(_)), "{e}");
    assert_eq!((e.segment.as_deref(), e.field), (Some("MSH"), Some(2)));

    let e = query(
        b"MSH|^~\\&|A|B|C|D|2026||ADT^A01|C|P|2.5||||||ISO IR87\r",
        "MSH-3",
    )
    .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::UnsupportedCharset(_)), "{e}");
    assert_eq!(e.field, Some(18));

    assert!(matches!(
        query(b"", "MSH-3").unwrap_err().kind,
        ErrorKind::Empty
    ));
    assert!(matches!(
        query(ADT, "PID-x").unwrap_err().kind,
        ErrorKind::BadPath(_)
    ));
}

#[test]
fn segments_iterate_in_order_with_positions() {
    let msg = Message::parse(ADT).unwrap();
    let ids: Vec<_> = msg.segments().map(|s| s.id_str().to_string()).collect();
    assert_eq!(ids, ["MSH", "PID", "PV1", "ZPI"]);
    let pv1 = msg.segment(b"PV1", 1).unwrap();
    assert_eq!(pv1.index(), 3);
    assert_eq!(&ADT[pv1.offset()..pv1.offset() + 4], b"PV1|");
}

// ---- property test ----------------------------------------------------------

/// Five distinct delimiter characters (field, component, repetition, escape,
/// subcomponent) drawn from the printable symbols.
fn delimiters() -> impl Strategy<Value = Delimiters> {
    let symbols: Vec<u8> = b"|^~\\&#!@$%*+/:;=?_`{}".to_vec();
    Just(symbols).prop_shuffle().prop_map(|s| Delimiters {
        field: s[0],
        component: s[1],
        repetition: Some(s[2]),
        escape: Some(s[3]),
        subcomponent: Some(s[4]),
        truncation: None,
    })
}

/// Text with letters, digits, spaces, non-ASCII letters and every symbol, so
/// delimiters show up in values and must be escaped.
fn value() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 äöüéßŻ|^~\\\\&#!@$%*+/:;=?_`{}]{0,12}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn query_returns_what_was_written(d in delimiters(), values in proptest::collection::vec(value(), 6), terminator in prop::sample::select(vec!["\r", "\n", "\r\n"])) {
        let (f, c, r, s) = (d.field as char, d.component as char, d.repetition.unwrap() as char, d.subcomponent.unwrap() as char);
        let e = |v: &str| escape(v, &d);
        let enc: String = [d.component, d.repetition.unwrap(), d.escape.unwrap(), d.subcomponent.unwrap()].iter().map(|&b| b as char).collect();
        let msg = format!(
            "MSH{f}{enc}{f}APP{f}FAC{f}{f}{f}20261120060000{f}{f}ORU{c}R01{f}C{cid}{f}P{f}2.5{t}PID{f}1{f}{f}{id1}{c}{c}{c}{auth}{s}{sub2}{r}{id2}{f}{f}{name}{t}ZXX{f}{z}",
            cid = e(&values[0]), id1 = e(&values[1]), auth = e(&values[2]), sub2 = e(&values[3]), id2 = e(&values[4]), name = e(&values[5]), z = e(&values[0]), t = terminator,
        );
        let m = msg.as_bytes();
        prop_assert_eq!(q(m, "MSH-10").unwrap(), format!("C{}", values[0]));
        prop_assert_eq!(q(m, "PID-3-1").unwrap(), values[1].clone());
        prop_assert_eq!(q(m, "PID-3-4-1").unwrap(), values[2].clone());
        prop_assert_eq!(q(m, "PID-3-4-2").unwrap(), values[3].clone());
        prop_assert_eq!(q(m, "PID-3(2)").unwrap(), values[4].clone());
        prop_assert_eq!(q(m, "PID-5").unwrap(), values[5].clone());
        prop_assert_eq!(q(m, "ZXX-1").unwrap(), values[0].clone());
        prop_assert_eq!(q(m, "MSH-1").unwrap(), f.to_string());
        prop_assert_eq!(q(m, "MSH-2").unwrap(), enc);
        prop_assert_eq!(q(m, "PID-3(3)"), None);
    }

    /// `fields_upto` (a word-at-a-time scan) finds the same fields as the field iterator, for any
    /// field separator (ASCII punctuation) and any bytes, at every length around the 8-byte words.
    #[test]
    fn fields_upto_agrees_with_the_field_iterator(
        sep in prop::sample::select(b"|!#$%*+/:;=?@_`".to_vec()),
        body in proptest::collection::vec(prop_oneof![4 => any::<u8>(), 3 => Just(0u8)], 0..120),
    ) {
        let mut input = vec![b'M', b'S', b'H', sep, b'^', b'~', b'\\', b'&', sep, b'A', b'\r', b'O', b'B', b'X'];
        // zeros stand for the separator, so that segments hold many of them; \r and \n end the segment
        input.push(sep);
        input.extend(body.iter().map(|&b| match b { 0 => sep, b'\r' | b'\n' => b'x', b => b }));
        let msg = Message::parse(&input).unwrap();
        let obx = msg.segment(b"OBX", 1).unwrap();
        let upto = obx.fields_upto::<40>();
        let all: Vec<_> = obx.fields().collect();
        prop_assert!(upto[0].is_none());
        for (n, field) in upto.iter().enumerate().skip(1) {
            let a = field.map(|f| (f.offset(), f.raw()));
            let b = all.get(n - 1).map(|f| (f.offset(), f.raw()));
            prop_assert_eq!(a, b, "field {}", n);
            let c = obx.field(n).map(|f| (f.offset(), f.raw()));
            prop_assert_eq!(c, b, "field({})", n);
        }
        // MSH numbers its fields from the separator itself (MSH-1)
        let mut header = vec![b'M', b'S', b'H', sep, b'^', b'~', b'\\', b'&', sep];
        header.extend(body.iter().map(|&b| match b { 0 => sep, b'\r' | b'\n' => b'x', b => b }));
        // at most 17 fields, so that the random bytes are never read as MSH-18 (character set)
        if let Some((cut, _)) = header.iter().enumerate().filter(|&(_, &b)| b == sep).nth(16) {
            header.truncate(cut);
        }
        let msg = Message::parse(&header).unwrap();
        let msh = msg.segment(b"MSH", 1).unwrap();
        let all: Vec<_> = msh.fields().collect();
        for n in 1..40 {
            let a = msh.field(n).map(|f| (f.offset(), f.raw()));
            let b = all.get(n - 1).map(|f| (f.offset(), f.raw()));
            prop_assert_eq!(a, b, "MSH-{}", n);
        }
    }

    /// `components` (a word-at-a-time scan) finds the same components as `component(n)`, for a
    /// field and for its repetitions, with any bytes around the separators.
    #[test]
    fn components_agree_with_component(
        body in proptest::collection::vec(prop_oneof![4 => any::<u8>(), 2 => Just(b'^'), 1 => Just(b'~'), 1 => Just(b'&')], 0..60),
    ) {
        let mut input = b"MSH|^~\\&|A\rOBX|".to_vec();
        input.extend(body.iter().map(|&b| match b { b'|' | b'\r' | b'\n' => b'x', b => b }));
        let msg = Message::parse(&input).unwrap();
        let field = msg.segment(b"OBX", 1).unwrap().field(1).unwrap();
        let mut elements = vec![field];
        elements.extend((1..4).filter_map(|r| field.repetition(r)));
        for e in elements {
            let parts = e.components::<12>();
            for (n, part) in parts.iter().enumerate() {
                let a = part.map(|c| (c.offset(), c.raw()));
                let b = e.component(n + 1).map(|c| (c.offset(), c.raw()));
                prop_assert_eq!(a, b, "component {}", n + 1);
            }
        }
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), path in "[A-Z]{3}(\\([1-3]\\))?-[1-9](\\([1-2]\\))?(-[1-4]){0,2}") {
        let mut input = b"MSH|^~\\&|".to_vec();
        input.extend(bytes);
        let _ = query(&input, &path);
        let _ = vitalflow_core::vitals::extract(&input, &Default::default());
    }
}
