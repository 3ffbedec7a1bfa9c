//! Whatever bytes reach an envelope reader (a Flink state restored from a
//! damaged savepoint, a patient's rows handed back across JNI), the reader
//! must return an error or a value and never panic, allocate beyond the input,
//! or read a value it cannot write back: anything it accepts is written again
//! and read again to the same bytes.
//!
//! Per input: the bytes as the rule state (kind 4, or the JSON earlier versions
//! kept), as one patient's rows (kind 3), and through the generic reader as a
//! walk of primitives chosen by the input itself.
//!
//! Run: `cd native/fuzz && cargo +nightly fuzz run envelope`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vitalflow_envelope::{Kind, Reader};
use vitalflow_scoring::alerts::PatientState;
use vitalflow_scoring::wire::{read_rows, write_rows};

fuzz_target!(|data: &[u8]| {
    if let Ok(state) = PatientState::from_bytes(data) {
        let mut once = Vec::new();
        state.to_bytes(&mut once);
        let again = PatientState::from_bytes(&once).expect("a written state reads back");
        let mut twice = Vec::new();
        again.to_bytes(&mut twice);
        assert_eq!(once, twice, "state: write(read(write(s))) != write(s)");
    }

    if let Ok(rows) = read_rows(data) {
        let mut once = Vec::new();
        write_rows(&mut once, &rows);
        let again = read_rows(&once).expect("written rows read back");
        let mut twice = Vec::new();
        write_rows(&mut twice, &again);
        assert_eq!(once, twice, "rows: write(read(write(r))) != write(r)");
    }

    // The generic reader: the first byte picks the kind, the rest is read as a
    // sequence of primitives chosen by the bytes after the header.
    let Some((&k, rest)) = data.split_first() else { return };
    let Some(kind) = Kind::from_number(k % 8) else { return };
    let Ok(mut r) = Reader::open(rest, kind) else { return };
    let mut ops = rest.iter().rev().copied();
    for _ in 0..64 {
        let before = r.remaining();
        let ok = match ops.next().map(|o| o % 9) {
            Some(0) => r.u8().is_ok(),
            Some(1) => r.bool().is_ok(),
            Some(2) => r.i16().is_ok(),
            Some(3) => r.i32().is_ok(),
            Some(4) => r.i64().is_ok(),
            Some(5) => r.f64().is_ok(),
            Some(6) => r.opt_f64().is_ok(),
            Some(7) => r.str().is_ok(),
            Some(8) => r.bytes().is_ok(),
            _ => break,
        };
        assert!(r.remaining() <= before, "a read moved backwards");
        if !ok {
            break;
        }
    }
});
