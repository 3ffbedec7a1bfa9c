//! `vitalflow-jni`: the one cdylib the JVM loads. It exposes the Rust core
//! (`vitalflow-core`) to the Java API in package `io.vitalflow.bridge`.
//!
//! Layout (one Rust file per Java class that declares natives):
//!
//! | Java class                          | Rust module        |
//! |-------------------------------------|--------------------|
//! | `io.vitalflow.bridge.Hl7`           | [`hl7`]            |
//! | `io.vitalflow.bridge.Vitals`        | [`vitals`]         |
//! | `io.vitalflow.bridge.News2`         | [`news2`]          |
//! | `io.vitalflow.bridge.AvroVitals`    | [`avro`]           |
//! | `io.vitalflow.bridge.ExtractOptions`| [`extract_options`]|
//! | `io.vitalflow.bridge.NativeBridge`  | [`native_bridge`] (and `test_natives` with the feature `test-natives`) |
//! | `io.vitalflow.bridge.PatientStream` | [`patient_stream`] |
//! | `io.vitalflow.bridge.MllpServer`    | [`mllp_server`]    |
//! | `io.vitalflow.bridge.MessageView`   | [`message_view`]   |
//!
//! Every `extern "system"` entry point is a thin shell: it upgrades the
//! `EnvUnowned` the JVM passed, calls a `*_impl` function that returns
//! `Result<_, BridgeError>`, and resolves the outcome with `vitalflow-ffi`'s
//! `ThrowJava`, which turns errors into the Java exceptions of the table in
//! [`error`] and panics into `java.lang.RuntimeException` carrying the Rust
//! backtrace. `with_env` runs the closure under `catch_unwind`, so a panic never
//! unwinds into the JVM. The panic hook, the handle table and the array
//! conversions are `vitalflow-ffi`'s too, shared with `vitalflow-redshift-data`.
//!
//! The pure-Rust parts (the row codec, the batch runner, the NEWS2 packing) live
//! in [`codec`] and [`batch`] and are tested without a JVM.

pub mod avro;
pub mod batch;
pub mod codec;
pub mod error;
pub mod extract_options;
pub mod hl7;
pub mod message_view;
pub mod mllp_server;
pub mod native_bridge;
pub mod news2;
pub mod options;
pub mod patient_stream;
#[cfg(feature = "test-natives")]
pub mod test_natives;
pub mod vitals;

pub use error::BridgeError;

/// HL7 messages this library has parsed since it loaded: every entry point
/// that reads a message parses it through [`parse_message`], which counts. The
/// Flink job's claim of one read per message is measured with it
/// (`NativeBridge.messageParses()`).
static MESSAGE_PARSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// [`vitalflow_core::Message::parse`], counted in [`message_parses`].
pub fn parse_message(m: &[u8]) -> Result<vitalflow_core::Message<'_>, vitalflow_core::Hl7Error> {
    MESSAGE_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    vitalflow_core::Message::parse(m)
}

/// How many messages [`parse_message`] has parsed since the library loaded.
pub fn message_parses() -> u64 {
    MESSAGE_PARSES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Called by the JVM once when it loads this library (each loaded copy has its
/// own): installs the panic hook that keeps each panic's location and
/// backtrace for the `RuntimeException` it becomes. Entry points do not install
/// it themselves.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn JNI_OnLoad(
    _vm: *mut jni::sys::JavaVM,
    _reserved: *mut std::ffi::c_void,
) -> jni::sys::jint {
    vitalflow_ffi::panic::on_load()
}
