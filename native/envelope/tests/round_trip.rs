//! Property tests of the envelope: every sequence of values written reads back
//! the same, and no byte string makes the reader panic, loop or allocate more
//! than the input (the fuzz target `fuzz_reader` runs the same decoder longer).

use proptest::prelude::*;
use vitalflow_envelope::{Kind, Reader, Writer};

#[derive(Debug, Clone, PartialEq)]
enum Value {
    U8(u8),
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F64(Option<f64>),
    Str(Option<String>),
    Bytes(Option<Vec<u8>>),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u8>().prop_map(Value::U8),
        any::<bool>().prop_map(Value::Bool),
        any::<i16>().prop_map(Value::I16),
        any::<i32>().prop_map(Value::I32),
        any::<i64>().prop_map(Value::I64),
        proptest::option::of(any::<f64>().prop_filter("NaN is missing", |v| !v.is_nan()))
            .prop_map(Value::F64),
        proptest::option::of(".{0,40}").prop_map(Value::Str),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)).prop_map(Value::Bytes),
    ]
}

/// The tag of each value is written before it, so that the reader knows what to read.
fn write(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out, Kind::Message);
    w.count(values.len());
    for v in values {
        match v {
            Value::U8(x) => w.u8(0).u8(*x),
            Value::Bool(x) => w.u8(1).bool(*x),
            Value::I16(x) => w.u8(2).i16(*x),
            Value::I32(x) => w.u8(3).i32(*x),
            Value::I64(x) => w.u8(4).i64(*x),
            Value::F64(x) => w.u8(5).opt_f64(*x),
            Value::Str(x) => w.u8(6).str(x.as_deref()),
            Value::Bytes(x) => w.u8(7).bytes(x.as_deref()),
        };
    }
    out
}

fn read(buf: &[u8]) -> Result<Vec<Value>, vitalflow_envelope::EnvelopeError> {
    let mut r = Reader::open(buf, Kind::Message)?;
    let n = r.count(2)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(match r.u8()? {
            0 => Value::U8(r.u8()?),
            1 => Value::Bool(r.bool()?),
            2 => Value::I16(r.i16()?),
            3 => Value::I32(r.i32()?),
            4 => Value::I64(r.i64()?),
            5 => Value::F64(r.opt_f64()?),
            6 => Value::Str(r.str()?.map(str::to_owned)),
            7 => Value::Bytes(r.bytes()?.map(<[u8]>::to_vec)),
            _ => return Err(vitalflow_envelope::EnvelopeError::BadValue(r.position())),
        });
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn every_value_reads_back(values in proptest::collection::vec(value(), 0..40)) {
        let bytes = write(&values);
        prop_assert_eq!(read(&bytes).unwrap(), values);
    }

    #[test]
    fn a_truncated_envelope_is_an_error_never_a_panic(
        values in proptest::collection::vec(value(), 1..20),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = write(&values);
        let at = cut.index(bytes.len());
        prop_assert!(read(&bytes[..at]).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = read(&bytes);
        if bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"VF\x01\x01");
        }
        let _ = read(&bytes);
    }
}
