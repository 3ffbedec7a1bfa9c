//! Many messages per JNI crossing. The Java side concatenates the messages into
//! one `byte[]` and passes the end offset of each; one `byte[]` of results comes
//! back (see [`crate::codec`]). Per-message HL7 errors are results, not
//! exceptions, so one bad message does not cost the batch; and one bad OBX
//! does not cost its message the other rows (a partial result).

use vitalflow_core::ExtractOptions;

use crate::codec;
use crate::BridgeError;

/// Splits `data` at `ends` (exclusive end offset of each message, ascending).
pub fn slices<'a>(data: &'a [u8], ends: &[i32]) -> Result<Vec<&'a [u8]>, BridgeError> {
    let mut start = 0usize;
    let mut out = Vec::with_capacity(ends.len());
    for (i, &end) in ends.iter().enumerate() {
        let end = usize::try_from(end)
            .map_err(|_| BridgeError::Argument(format!("negative end offset at {i}")))?;
        if end < start || end > data.len() {
            return Err(BridgeError::Argument(format!(
                "end offset {end} of message {i} is outside {start}..={}",
                data.len()
            )));
        }
        out.push(&data[start..end]);
        start = end;
    }
    Ok(out)
}

/// Extracts every message of a batch and appends the `batch` encoding to `out`.
pub fn extract_batch(
    data: &[u8],
    ends: &[i32],
    options: &ExtractOptions,
    out: &mut Vec<u8>,
) -> Result<(), BridgeError> {
    let messages = slices(data, ends)?;
    codec::put_varint(out, messages.len() as u64);
    let mut dict = codec::Dictionary::new();
    for m in messages {
        let rows = crate::parse_message(m)
            .and_then(|msg| vitalflow_core::vitals::extract_rows(&msg, options));
        codec::put_extraction(out, &mut dict, &rows);
    }
    Ok(())
}

/// Splits a file or stream (plain, batch-enveloped or MLLP-framed) into messages
/// and appends the `stream` encoding: per message its byte offset and result.
/// Error offsets are shifted to be offsets into the stream.
pub fn extract_stream(stream: &[u8], options: &ExtractOptions, out: &mut Vec<u8>) {
    let mut body = Vec::new();
    let mut dict = codec::Dictionary::new();
    let mut count = 0u64;
    for item in vitalflow_core::split::messages(stream) {
        count += 1;
        match item {
            Ok((offset, message)) => {
                codec::put_varint(&mut body, offset as u64);
                let result = crate::parse_message(message)
                    .and_then(|msg| vitalflow_core::vitals::extract_rows(&msg, options))
                    .map(|mut x| {
                        x.errors = x.errors.into_iter().map(|e| e.shifted(offset)).collect();
                        x
                    })
                    .map_err(|e| e.shifted(offset));
                codec::put_extraction(&mut body, &mut dict, &result);
            }
            Err(e) => {
                codec::put_varint(&mut body, e.offset.unwrap_or(0) as u64);
                codec::put_result(&mut body, &mut dict, &Err(e));
            }
        }
    }
    codec::put_varint(out, count);
    out.extend_from_slice(&body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_split_and_offsets_kept() {
        let file =
            b"FHS|^~\\&\rMSH|^~\\&|A||||||X^Y|1|P|2.5\rPID|1\rMSH|^~\\&|B||||||X^Y|2|P|2.5\r";
        let mut out = Vec::new();
        extract_stream(file, &ExtractOptions::default(), &mut out);
        let mut r = codec::Reader::new(&out);
        assert_eq!(r.varint(), 2);
        assert_eq!(r.varint(), 9);
        assert_eq!(r.u8(), codec::TAG_OK);
        assert_eq!(r.varint(), 0);
        assert_eq!(r.varint(), 43);
    }

    #[test]
    fn a_bad_obx_gives_a_partial_result_with_the_other_rows() {
        let file = b"MSH|^~\\&|A||||20261120060000||ORU^R01|1|P|2.5\rPID|1||P1\r\
OBX|1|NM|8867-4^HR^LN||7O|/min|||||F\rOBX|2|NM|9279-1^RR^LN||18|/min|||||F\r";
        let mut out = Vec::new();
        extract_stream(file, &ExtractOptions::default(), &mut out);
        let mut r = codec::Reader::new(&out);
        assert_eq!(r.varint(), 1);
        assert_eq!(r.varint(), 0);
        assert_eq!(r.u8(), codec::TAG_PARTIAL);
        assert_eq!(r.varint(), 1, "one row");
        assert_eq!(r.varint(), 2, "obx_index of the good OBX");
        let _kind = r.u8();
        let flags = r.u8();
        let _glucose = r.u8();
        for bit in [
            codec::FLAG_VALUE,
            codec::FLAG_NORMALIZED_VALUE,
            codec::FLAG_OBSERVED_AT,
        ] {
            if flags & bit != 0 {
                r.f64();
            }
        }
        for _ in 0..codec::STRING_COLUMNS {
            r.column();
        }
        assert_eq!(
            r.varint(),
            u64::from(vitalflow_core::ErrorCode::BadNumber as u16)
        );
        let message = r.str().unwrap().unwrap();
        assert!(message.contains("value type NM"), "{message}");
        let at = r.varint() - 1;
        assert_eq!(&file[at as usize..at as usize + 2], b"7O");
    }

    #[test]
    fn slices_follow_end_offsets() {
        let data = b"aaabbc";
        let s = slices(data, &[3, 5, 6]).unwrap();
        assert_eq!(s, vec![&b"aaa"[..], &b"bb"[..], &b"c"[..]]);
        assert!(slices(data, &[]).unwrap().is_empty());
    }

    #[test]
    fn bad_end_offsets_are_argument_errors() {
        assert!(matches!(
            slices(b"abc", &[4]),
            Err(BridgeError::Argument(_))
        ));
        assert!(matches!(
            slices(b"abc", &[2, 1]),
            Err(BridgeError::Argument(_))
        ));
        assert!(matches!(
            slices(b"abc", &[-1]),
            Err(BridgeError::Argument(_))
        ));
    }
}
