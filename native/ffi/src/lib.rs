//! `vitalflow-ffi`: the one seam between Rust and the JVM. Both cdylibs
//! (`vitalflow-jni`, the bridge of the job, the connectors and the UDFs, and
//! `vitalflow-redshift-data`, the sink's Data API client) use it, and nothing else
//! in the workspace defines an error policy, a panic hook or a handle table.
//!
//! | module      | what it holds                                                          |
//! |-------------|------------------------------------------------------------------------|
//! | [`error`]   | [`JavaError`] (a crate's error enum with stable codes and its explicit exception table) and [`ThrowJava`], the error policy of every entry point |
//! | [`panic`]   | the panic hook that keeps a panic's location and backtrace for the exception |
//! | [`handles`] | [`HandleTable`]: ids, never pointers, cross JNI                         |
//! | [`convert`] | Java arrays and strings to Rust and back, through per-thread buffers   |
//!
//! The error kind always travels as a number (`ExceptionClass::code`, read by the
//! Java exception's `kind()`), never as text to be parsed.

pub mod convert;
pub mod error;
pub mod handles;
pub mod panic;

pub use error::{Ctor, ExceptionClass, FfiError, JavaError, ThrowJava};
pub use handles::HandleTable;
