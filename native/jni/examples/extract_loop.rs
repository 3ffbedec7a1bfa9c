//! Loops extraction over a file of messages, for instruction counts under
//! callgrind, which load on the machine does not change (docs/benchmarks.md,
//! "Rust core"): per message = (Ir at 3 N loops − Ir at N loops) / (2 N × messages).
//!
//! ```sh
//! cargo build --release -p vitalflow-jni --example extract_loop
//! valgrind --tool=callgrind target/release/examples/extract_loop FILE rows|batch|each|parse LOOPS
//! ```
//!
//! - `rows`: `Message::parse` and `vitals::extract_rows` (borrowed rows), per message;
//! - `batch`: the JNI batch path without the JVM (`batch::extract_batch`: every message
//!   extracted and encoded into one result buffer);
//! - `each`: the JNI per-message path without the JVM (what `Vitals.extract0` runs for each
//!   message: parse, extract, and encode into its own result buffer with its own dictionary);
//! - `parse`: `Message::parse` and a walk over the segments.

use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, mode, loops] = &args[..] else {
        eprintln!("usage: extract_loop FILE rows|batch|each|parse LOOPS");
        std::process::exit(2);
    };
    let loops: usize = loops.parse().expect("LOOPS is a number");
    let data = std::fs::read(path).expect("FILE is readable");
    let messages: Vec<&[u8]> = vitalflow_core::split::messages(&data)
        .map(|m| m.expect("FILE holds messages").1)
        .collect();
    let options = vitalflow_core::ExtractOptions::default();
    let mut joined = Vec::new();
    let mut ends = Vec::new();
    for m in &messages {
        joined.extend_from_slice(m);
        ends.push(i32::try_from(joined.len()).expect("FILE is below 2 GiB"));
    }
    let mut out = Vec::with_capacity(1 << 20);
    let mut n = 0usize;
    for _ in 0..loops {
        match mode.as_str() {
            "rows" => {
                for m in &messages {
                    let msg = vitalflow_core::Message::parse(black_box(m)).expect("parses");
                    let rows = vitalflow_core::vitals::extract_rows(&msg, &options).expect("rows");
                    n += rows.rows.len();
                }
            }
            "batch" => {
                out.clear();
                vitalflow_jni::batch::extract_batch(black_box(&joined), &ends, &options, &mut out)
                    .expect("batch");
                n += out.len();
            }
            "each" => {
                for m in &messages {
                    out.clear();
                    let msg = vitalflow_core::Message::parse(black_box(m)).expect("parses");
                    let rows = vitalflow_core::vitals::extract_rows(&msg, &options).expect("rows");
                    vitalflow_jni::codec::put_message_rows(
                        &mut out,
                        &mut vitalflow_jni::codec::Dictionary::new(),
                        &rows.header,
                        &rows.rows,
                    );
                    n += out.len();
                }
            }
            "parse" => {
                for m in &messages {
                    let msg = vitalflow_core::Message::parse(black_box(m)).expect("parses");
                    n += msg.segments().count();
                }
            }
            other => panic!("unknown mode {other}"),
        }
    }
    println!("{} messages, {n}", messages.len());
}
