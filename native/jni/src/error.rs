//! The bridge's one error enum, its stable codes and the explicit table that
//! maps each code to a Java exception ([`vitalflow_ffi::JavaError`]; the error
//! policy itself, [`ThrowJava`], lives in `vitalflow-ffi` and serves both
//! cdylibs).
//!
//! | code | kind                  | Java                                              |
//! |------|-----------------------|---------------------------------------------------|
//! | 1    | `HL7`                 | `io.vitalflow.bridge.Hl7Exception` (its own `Kind` code, offset, segment, field) |
//! | 2    | `ARGUMENT`            | `java.lang.IllegalArgumentException`              |
//! | 3    | `ENCODING`            | `java.lang.IllegalStateException`                 |
//! | 4    | `JNI`                 | the pending Java exception, else `RuntimeException` |
//! | 11   | `MLLP_CONFIG`         | `io.vitalflow.bridge.MllpServerException` (kind `CONFIG`) |
//! | 12   | `MLLP_ADDRESS_IN_USE` | `MllpServerException` (kind `ADDRESS_IN_USE`)      |
//! | 13   | `MLLP_LISTEN`         | `MllpServerException` (kind `LISTEN`)              |
//! | 14   | `MLLP_TLS`            | `MllpServerException` (kind `TLS`)                 |
//! | 15   | `MLLP_RUNTIME`        | `MllpServerException` (kind `RUNTIME`)             |
//! | a panic |                    | `java.lang.RuntimeException` ("Rust panic: ...", with the backtrace) |
//!
//! `MllpServerException` extends `IllegalArgumentException`, as `MllpServer.start`
//! has always declared.

use std::fmt;

use jni::objects::{JObject, JThrowable, JValue};
use jni::{jni_sig, jni_str, Env};
use vitalflow_core::Hl7Error;
use vitalflow_ffi::{Ctor, ExceptionClass, FfiError, JavaError};
use vitalflow_mllp::MllpError;

pub use vitalflow_ffi::ThrowJava;

/// Everything an entry point can fail with.
#[derive(Debug)]
pub enum BridgeError {
    /// Bad HL7 input or a bad path: becomes `Hl7Exception` with the position.
    Hl7(Hl7Error),
    /// A bad argument from Java (null message, unknown zone, ...).
    Argument(String),
    /// Encoding output failed (Avro schema mismatch and the like).
    Encoding(String),
    /// A JNI call failed; a Java exception may already be pending.
    Jni(jni::errors::Error),
    /// An MLLP server could not start.
    Mllp(MllpError),
}

const MLLP_SERVER_EXCEPTION: &jni::strings::JNIStr =
    jni_str!("io/vitalflow/bridge/MllpServerException");

/// The exception table, code by code (see the module's documentation).
pub const EXCEPTIONS: &[ExceptionClass] = &[
    ExceptionClass {
        code: 1,
        name: "HL7",
        class: jni_str!("io/vitalflow/bridge/Hl7Exception"),
        ctor: Ctor::Custom,
    },
    ExceptionClass {
        code: 2,
        name: "ARGUMENT",
        class: jni_str!("java/lang/IllegalArgumentException"),
        ctor: Ctor::Message,
    },
    ExceptionClass {
        code: 3,
        name: "ENCODING",
        class: jni_str!("java/lang/IllegalStateException"),
        ctor: Ctor::Message,
    },
    ExceptionClass {
        code: 4,
        name: "JNI",
        class: jni_str!("java/lang/RuntimeException"),
        ctor: Ctor::Message,
    },
    ExceptionClass {
        code: 11,
        name: "MLLP_CONFIG",
        class: MLLP_SERVER_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 12,
        name: "MLLP_ADDRESS_IN_USE",
        class: MLLP_SERVER_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 13,
        name: "MLLP_LISTEN",
        class: MLLP_SERVER_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 14,
        name: "MLLP_TLS",
        class: MLLP_SERVER_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 15,
        name: "MLLP_RUNTIME",
        class: MLLP_SERVER_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
];

impl JavaError for BridgeError {
    fn table() -> &'static [ExceptionClass] {
        EXCEPTIONS
    }

    fn code(&self) -> i32 {
        match self {
            BridgeError::Hl7(_) => 1,
            BridgeError::Argument(_) => 2,
            BridgeError::Encoding(_) => 3,
            BridgeError::Jni(_) => 4,
            BridgeError::Mllp(e) => 10 + i32::from(e.code()),
        }
    }

    fn build<'local>(&self, env: &mut Env<'local>) -> jni::errors::Result<JThrowable<'local>> {
        match self {
            BridgeError::Hl7(e) => new_hl7_exception(env, e),
            // Only HL7 is a Ctor::Custom row.
            _ => Err(jni::errors::Error::JniCall(jni::errors::JniError::Unknown)),
        }
    }
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeError::Hl7(e) => write!(f, "{e}"),
            BridgeError::Argument(m) => write!(f, "{m}"),
            BridgeError::Encoding(m) => write!(f, "{m}"),
            BridgeError::Jni(e) => write!(f, "vitalflow JNI error: {e}"),
            BridgeError::Mllp(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BridgeError {}

impl From<Hl7Error> for BridgeError {
    fn from(e: Hl7Error) -> Self {
        BridgeError::Hl7(e)
    }
}

impl From<jni::errors::Error> for BridgeError {
    fn from(e: jni::errors::Error) -> Self {
        BridgeError::Jni(e)
    }
}

impl From<FfiError> for BridgeError {
    fn from(e: FfiError) -> Self {
        match e {
            FfiError::Argument(m) => BridgeError::Argument(m),
            FfiError::Jni(e) => BridgeError::Jni(e),
        }
    }
}

impl From<MllpError> for BridgeError {
    fn from(e: MllpError) -> Self {
        BridgeError::Mllp(e)
    }
}

/// The stable number of an error's kind (`vitalflow_core::error::ERROR_CODES`),
/// which Java maps to `Hl7Exception.Kind` by number.
pub fn kind_code(e: &Hl7Error) -> u16 {
    e.kind.code().number()
}

/// Converts an optional `usize` position to the `-1`-for-absent convention of the
/// Java side.
pub fn pos(v: Option<usize>) -> i64 {
    v.and_then(|v| i64::try_from(v).ok()).unwrap_or(-1)
}

/// Builds an `io.vitalflow.bridge.Hl7Exception` (not thrown yet).
pub fn new_hl7_exception<'local>(
    env: &mut Env<'local>,
    e: &Hl7Error,
) -> jni::errors::Result<JThrowable<'local>> {
    let message = env.new_string(e.to_string())?;
    let segment = match &e.segment {
        Some(s) => JObject::from(env.new_string(s)?),
        None => JObject::null(),
    };
    // `Env::find_class` is JNI `FindClass`, which resolves through the loader of the
    // class that declared the running native method.
    let class = env.find_class(EXCEPTIONS[0].class)?;
    let obj = env.new_object(
        &class,
        jni_sig!("(Ljava/lang/String;IJLjava/lang/String;II)V"),
        &[
            JValue::Object(&message),
            JValue::Int(i32::from(kind_code(e))),
            JValue::Long(pos(e.offset)),
            JValue::Object(&segment),
            JValue::Int(pos(e.segment_index).clamp(-1, i32::MAX as i64) as i32),
            JValue::Int(pos(e.field).clamp(-1, i32::MAX as i64) as i32),
        ],
    )?;
    env.cast_local::<JThrowable>(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitalflow_core::ErrorKind;

    #[test]
    fn kind_codes_are_the_core_table() {
        assert_eq!(kind_code(&Hl7Error::new(ErrorKind::Empty)), 1);
        assert_eq!(kind_code(&Hl7Error::new(ErrorKind::MissingMsh)), 2);
        assert_eq!(kind_code(&Hl7Error::new(ErrorKind::BadPath("x".into()))), 5);
    }

    #[test]
    fn positions_use_minus_one_for_absent() {
        assert_eq!(pos(None), -1);
        assert_eq!(pos(Some(7)), 7);
    }

    #[test]
    fn every_error_has_a_row_of_the_table() {
        vitalflow_ffi::error::check_table(EXCEPTIONS).unwrap();
        let io = || std::io::Error::from(std::io::ErrorKind::Other);
        let all = [
            BridgeError::Hl7(Hl7Error::new(ErrorKind::Empty)),
            BridgeError::Argument("a".into()),
            BridgeError::Encoding("e".into()),
            BridgeError::Jni(jni::errors::Error::NullPtr("x")),
            BridgeError::Mllp(MllpError::Config("c".into())),
            BridgeError::Mllp(MllpError::AddressInUse {
                addr: "a".into(),
                source: io(),
            }),
            BridgeError::Mllp(MllpError::Listen {
                addr: "a".into(),
                source: io(),
            }),
            BridgeError::Mllp(MllpError::Tls("t".into())),
            BridgeError::Mllp(MllpError::Runtime(io())),
        ];
        let mut codes: Vec<i32> = all.iter().map(JavaError::code).collect();
        for (e, c) in all.iter().zip(&codes) {
            let r = vitalflow_ffi::error::row(EXCEPTIONS, *c)
                .unwrap_or_else(|| panic!("{e:?}: code {c} has no row"));
            assert_eq!(r.ctor == Ctor::Custom, matches!(e, BridgeError::Hl7(_)));
        }
        codes.dedup();
        assert_eq!(
            codes.len(),
            EXCEPTIONS.len(),
            "one row per kind, none unused"
        );
        assert_eq!(
            vitalflow_ffi::error::row(EXCEPTIONS, 12).unwrap().name,
            "MLLP_ADDRESS_IN_USE"
        );
    }
}
