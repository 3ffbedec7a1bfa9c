//! Cross-language check helper, driven by the Java integration test
//! the Java `CrossLanguageIT` (`cargo build -p vitalflow-test-support --example avro_interop`):
//!
//! - `avro_interop encode REGISTRY_URL` prints, as hex, the Confluent-wire-format bytes of
//!   `samples::vital_sign()` encoded by `schema_registry_converter` with the latest schema of
//!   `vitals.observations-value`;
//! - `avro_interop decode REGISTRY_URL` reads hex bytes on standard input, decodes them with
//!   `schema_registry_converter` (writer schema fetched by id) and prints the record as JSON.

use std::io::Read;

use vitalflow_schemas::topics;
use vitalflow_test_support::registry::{AvroDecoder, AvroEncoder, SrSettings, SubjectNameStrategy};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (cmd, url) = match args.as_slice() {
        [_, c, u] => (c.as_str(), u.clone()),
        _ => return Err("usage: avro_interop encode|decode REGISTRY_URL".into()),
    };
    let settings = SrSettings::new(url);
    match cmd {
        "encode" => {
            let strategy =
                SubjectNameStrategy::TopicNameStrategy(topics::VITALS_OBSERVATIONS.into(), false);
            let bytes = AvroEncoder::new(settings)
                .encode(vitalflow_test_support::samples::vital_sign(), &strategy)
                .map_err(|e| format!("encode: {e}"))?;
            println!("{}", hex(&bytes));
        }
        "decode" => {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| e.to_string())?;
            let bytes = unhex(&input)?;
            let decoded = AvroDecoder::new(settings)
                .decode(Some(&bytes))
                .map_err(|e| format!("decode: {e}"))?;
            let json =
                serde_json::Value::try_from(decoded.value).map_err(|e| format!("to JSON: {e}"))?;
            let id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
            println!(
                "{}",
                serde_json::json!({ "schema_id": id, "name": decoded.name.map(|n| n.fullname(None)), "record": json })
            );
        }
        other => return Err(format!("unknown command {other}")),
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("avro_interop: {e}");
        std::process::exit(1);
    }
}
