//! One error enum for every entry point, and the [`ErrorPolicy`] that maps it to
//! Java exception classes.
//!
//! | Rust                         | Java                                        |
//! |------------------------------|---------------------------------------------|
//! | [`BridgeError::Hl7`]         | `io.vitalflow.bridge.Hl7Exception`          |
//! | [`BridgeError::Argument`]    | `java.lang.IllegalArgumentException`        |
//! | [`BridgeError::Encoding`]    | `java.lang.IllegalStateException`           |
//! | [`BridgeError::Jni`]         | the pending Java exception, else `RuntimeException` |
//! | a panic                      | `java.lang.RuntimeException` ("Rust panic: ...", with the backtrace) |
//!
//! Exception classes are looked up per throw with JNI `FindClass` (never through
//! the thread's context class loader), which resolves through the class loader
//! of the class that declared the native method. Nothing
//! class-related is cached in a `static`, so the same library serves bridge copies
//! in several class loaders correctly.

use std::any::Any;
use std::fmt;

use jni::errors::ErrorPolicy;
use jni::objects::{JObject, JThrowable, JValue};
use jni::{jni_sig, jni_str, Env};
use vitalflow_core::Hl7Error;

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
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeError::Hl7(e) => write!(f, "{e}"),
            BridgeError::Argument(m) => write!(f, "{m}"),
            BridgeError::Encoding(m) => write!(f, "{m}"),
            BridgeError::Jni(e) => write!(f, "JNI error: {e}"),
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
    // class that declared the running native method. (A `&JNIStr` class descriptor
    // would try the thread's context class loader first: the wrong copy of the
    // class when several loaders carry the bridge.)
    let class = env.find_class(jni_str!("io/vitalflow/bridge/Hl7Exception"))?;
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

/// The error policy of every entry point: typed exceptions for errors, a
/// `RuntimeException` with the Rust backtrace for panics, and the type's default
/// (null, 0) as the return value the JVM ignores because an exception is pending.
#[derive(Debug, Default)]
pub struct ThrowJava;

impl<T: Default> ErrorPolicy<T, BridgeError> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: BridgeError,
    ) -> jni::errors::Result<T> {
        if env.exception_check() {
            // A Java exception is already on its way (e.g. OutOfMemoryError from an
            // allocation): it takes precedence.
            return Ok(T::default());
        }
        // `throw*` report `Err(JavaException)` once the exception is pending; that is
        // the intended state here, so those results are deliberately ignored.
        match err {
            BridgeError::Hl7(e) => {
                let ex = new_hl7_exception(env, &e)?;
                let _ = env.throw(ex);
            }
            BridgeError::Argument(m) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/IllegalArgumentException"),
                    jni::strings::JNIString::from(m),
                );
            }
            BridgeError::Encoding(m) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/IllegalStateException"),
                    jni::strings::JNIString::from(m),
                );
            }
            BridgeError::Jni(e) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/RuntimeException"),
                    jni::strings::JNIString::from(format!("vitalflow JNI error: {e}")),
                );
            }
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let text = crate::panic::describe(payload);
        if env.exception_check() {
            // A Java exception was pending when Rust panicked; keep it, and let the
            // panic text still reach stderr so it is not lost.
            eprintln!("vitalflow-jni: {text}");
            return Ok(T::default());
        }
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            jni::strings::JNIString::from(text),
        );
        Ok(T::default())
    }
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
}
