//! Whatever bytes arrive, the core must not panic, and every acknowledgement it
//! builds must be a message that parses and echoes the original MSH-10.
//!
//! Per input: split into messages; for each, parse, run a few path queries
//! (fixed ones and one taken from the input), extract vitals, build ACKs (AA,
//! and AE from an extraction error) or, for input that does not parse, a
//! reject (AR), and read every ACK back. The same bytes also go through the
//! streaming MLLP decoder in input-chosen chunks and through `mllp::frames`.
//!
//! Run: `cd native/fuzz && cargo +nightly fuzz run parse_extract_ack`.

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use vitalflow_core::ack::{self, AckCode, AckError};
use vitalflow_core::mllp::{self, Decoder, MllpError};
use vitalflow_core::vitals::{extract_rows, ExtractOptions};
use vitalflow_core::{split, Message, Path};

const PATHS: [&str; 9] = [
    "MSH-1",
    "MSH-2",
    "MSH-9-2",
    "MSH-10",
    "PID-3-1",
    "PID-3(2)-4-2",
    "PV1-3",
    "OBX(2)-5-1",
    "OBX-3-4-1",
];

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_500_000, 0).expect("valid timestamp")
}

/// Reads an ACK back: it must parse, carry `code` in MSA-1 and `control_id`
/// (the ACK's own, fresh id) in MSH-10.
fn check_ack<'r>(reply: &'r [u8], code: AckCode, control_id: &str) -> Message<'r> {
    let (got, _) = ack::read_ack(reply).unwrap_or_else(|e| {
        panic!(
            "built ACK does not read back: {e}\n{:?}",
            String::from_utf8_lossy(reply)
        )
    });
    assert_eq!(got, code, "{:?}", String::from_utf8_lossy(reply));
    let msg = Message::parse(reply).expect("read_ack parsed it");
    if msg.delimiters().escape.is_some() {
        let id = msg.query("MSH-10").expect("valid path");
        assert_eq!(
            id.as_deref(),
            Some(control_id),
            "ACK MSH-10 {:?}",
            String::from_utf8_lossy(reply)
        );
    }
    msg
}

fn one_message(bytes: &[u8], extra_path: Option<&Path>, options: &ExtractOptions) {
    let msg = match Message::parse(bytes) {
        Ok(m) => m,
        Err(e) => {
            let reply = ack::reject_unparseable(bytes, &e, "R1", now());
            check_ack(&reply, AckCode::AR, "R1");
            return;
        }
    };
    for p in PATHS {
        let _ = msg.query(p).expect("fixed paths are valid");
    }
    if let Some(p) = extra_path {
        if let Some(el) = msg.get(p) {
            let _ = el.decoded();
            let _ = el.is_hl7_null();
        }
    }
    for seg in msg.segments() {
        // The one-loop field split agrees with the iterator.
        let upto = seg.fields_upto::<24>();
        for (i, f) in seg.fields().take(23).enumerate() {
            let g = upto[i + 1].expect("field the iterator found");
            assert_eq!((f.offset(), f.raw()), (g.offset(), g.raw()));
        }
        assert_eq!(
            upto.iter().flatten().count(),
            seg.fields().take(23).count()
        );
        // The one-pass field iterator agrees with random access.
        for (i, f) in seg.fields().take(24).enumerate() {
            let g = seg.field(i + 1).expect("field the iterator found");
            assert_eq!((f.offset(), f.raw()), (g.offset(), g.raw()));
            let _ = f.repetitions().take(4).count();
            // The one-pass component split agrees with random access.
            for (n, c) in f.components::<6>().iter().enumerate() {
                let d = f.component(n + 1);
                assert_eq!(
                    c.map(|c| (c.offset(), c.raw())),
                    d.map(|d| (d.offset(), d.raw()))
                );
            }
        }
    }
    let extracted = extract_rows(&msg, options).and_then(|x| {
        // The borrowed rows and the owned ones agree.
        let owned = x.to_vital_signs();
        assert_eq!(owned.len(), x.rows.len());
        x.into_result()
    });

    // The ACK's own control id, made from the input's so escaping is exercised.
    let original_raw = msg
        .segment(b"MSH", 1)
        .and_then(|s| s.field(10))
        .map(|f| f.raw());
    let control_id: String = msg
        .query("MSH-10")
        .ok()
        .flatten()
        .unwrap_or_default()
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .take(40)
        .chain("-A".chars())
        .collect();

    let mut replies = vec![(
        AckCode::AA,
        ack::build(&msg, AckCode::AA, None, &control_id, now()),
    )];
    if let Err(e) = &extracted {
        let err = AckError::from(e);
        replies.push((
            AckCode::AE,
            ack::build(&msg, AckCode::AE, Some(&err), &control_id, now()),
        ));
    }
    for (code, reply) in &replies {
        let ack_msg = check_ack(reply, *code, &control_id);
        // MSA-2 echoes the original MSH-10 as sent, when that was readable text.
        if let Some(raw) = original_raw.filter(|r| std::str::from_utf8(r).is_ok()) {
            let msa2 = ack_msg
                .segment(b"MSA", 1)
                .and_then(|s| s.field(2))
                .map(|f| f.raw())
                .unwrap_or_default();
            assert_eq!(
                msa2,
                raw,
                "MSA-2 != MSH-10 in {:?}",
                String::from_utf8_lossy(reply)
            );
        }
    }
}

fn mllp_in_chunks(data: &[u8]) {
    let chunk = usize::from(data.first().copied().unwrap_or(0) % 61) + 1;
    let max_frame = 64 + usize::from(data.get(1).copied().unwrap_or(0)) * 8;
    let drain = |d: &mut Decoder, out: &mut Vec<Vec<u8>>| {
        while let Some(f) = d.next_frame() {
            match f {
                Ok(frame) => {
                    assert!(frame.len() <= max_frame, "frame over the limit");
                    out.push(frame);
                }
                Err(MllpError::Oversize { limit, .. }) => assert_eq!(limit, max_frame),
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    };
    let mut chunked = Vec::new();
    let mut d = Decoder::new(max_frame);
    for c in data.chunks(chunk) {
        d.feed(c);
        drain(&mut d, &mut chunked);
        // Whatever is buffered is at most one unfinished frame (plus its start
        // byte and a pending end byte) or garbage not yet skipped.
        assert!(d.buffered() <= data.len());
    }
    let mut whole = Vec::new();
    let mut d = Decoder::new(max_frame);
    d.feed(data);
    drain(&mut d, &mut whole);
    assert_eq!(
        chunked, whole,
        "chunk size {chunk} changes the frames (max_frame {max_frame})"
    );
    for (off, payload) in mllp::frames(data).flatten() {
        assert!(off + payload.len() <= data.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let options = ExtractOptions::default();
    // One path from the input: its first line, if that is short text.
    let extra_path = data
        .split(|&b| b == b'\n')
        .next()
        .filter(|l| l.len() <= 24)
        .and_then(|l| std::str::from_utf8(l).ok())
        .and_then(|s| s.parse::<Path>().ok());

    for item in split::messages(data) {
        match item {
            Ok((offset, bytes)) => {
                assert!(offset + bytes.len() <= data.len());
                one_message(bytes, extra_path.as_ref(), &options);
            }
            Err(e) => {
                let _ = e.to_string();
                let reply = ack::reject_unparseable(data, &e, "R2", now());
                check_ack(&reply, AckCode::AR, "R2");
            }
        }
    }
    mllp_in_chunks(data);
});
