//! The error policy of every entry point.
//!
//! Each cdylib has one error enum. It implements [`JavaError`]: every variant
//! has a stable code, and the crate's [`ExceptionClass`] table says, code by
//! code, which Java exception it becomes and how that is built (the model is
//! DataFusion Comet's `errors.rs`). vitalflow's own exceptions receive the code
//! as a constructor argument and map it back to their `Kind` enum, so Java
//! code branches on `kind()` and never on a message's text.
//!
//! [`ThrowJava`] is the one [`ErrorPolicy`]: errors become the table's
//! exception, a panic becomes `java.lang.RuntimeException` carrying the panic's
//! message, location and backtrace ([`crate::panic`]), and the entry point
//! returns the type's default (null, 0), which the JVM ignores because an
//! exception is pending. A Java exception that is already pending (an
//! `OutOfMemoryError` from an allocation, say) always wins.
//!
//! Classes are looked up per throw with JNI `FindClass` (never through the
//! thread's context class loader, and never cached in a `static`), which
//! resolves through the loader of the class that declared the native method:
//! the same library serves bridge copies in several class loaders correctly.

use std::any::Any;
use std::fmt;

use jni::errors::ErrorPolicy;
use jni::objects::{JThrowable, JValue};
use jni::strings::{JNIStr, JNIString};
use jni::{jni_sig, jni_str, Env};

/// How a table's exception is constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctor {
    /// `(String message)`: the JDK's exceptions.
    Message,
    /// `(String message, int code)`: vitalflow's exceptions, whose `kind()` is
    /// the code read back through their `Kind` enum.
    MessageCode,
    /// Built by [`JavaError::build`] (more fields than a message and a code).
    Custom,
}

/// One row of a crate's exception table.
#[derive(Debug, Clone, Copy)]
pub struct ExceptionClass {
    /// The stable code of the error kind (never reused for another kind).
    pub code: i32,
    /// The kind's name, as the Java `Kind` constant spells it.
    pub name: &'static str,
    /// The exception's binary class name, with slashes.
    pub class: &'static JNIStr,
    pub ctor: Ctor,
}

/// A crate's error enum, as it crosses into Java.
pub trait JavaError: fmt::Display {
    /// The crate's exception table: one row per code.
    fn table() -> &'static [ExceptionClass];

    /// This error's code (a row of [`JavaError::table`]).
    fn code(&self) -> i32;

    /// For [`Ctor::Custom`] rows: builds the exception (not thrown yet).
    fn build<'local>(&self, env: &mut Env<'local>) -> jni::errors::Result<JThrowable<'local>> {
        let _ = env;
        Err(jni::errors::Error::JniCall(jni::errors::JniError::Unknown))
    }
}

/// The errors of the shared conversions ([`crate::convert`]); each crate's enum
/// takes them through `From`.
#[derive(Debug)]
pub enum FfiError {
    /// A bad argument from Java (a null array, a null element).
    Argument(String),
    /// A JNI call failed; a Java exception may already be pending.
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for FfiError {
    fn from(e: jni::errors::Error) -> Self {
        FfiError::Jni(e)
    }
}

impl fmt::Display for FfiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FfiError::Argument(m) => f.write_str(m),
            FfiError::Jni(e) => write!(f, "JNI error: {e}"),
        }
    }
}

/// The row of `code` in `table`.
pub fn row(table: &'static [ExceptionClass], code: i32) -> Option<&'static ExceptionClass> {
    table.iter().find(|r| r.code == code)
}

/// Checks a table: codes positive and unique, names unique and upper snake case.
pub fn check_table(table: &[ExceptionClass]) -> Result<(), String> {
    for (i, r) in table.iter().enumerate() {
        if r.code <= 0 {
            return Err(format!("{}: code {} is not positive", r.name, r.code));
        }
        if r.name.is_empty()
            || !r
                .name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!("{:?}: not an upper snake case name", r.name));
        }
        if table[..i]
            .iter()
            .any(|o| o.code == r.code || o.name == r.name)
        {
            return Err(format!("{} ({}): code or name used twice", r.name, r.code));
        }
    }
    Ok(())
}

/// Throws `err` as its table says. Returns once an exception is pending.
pub fn throw<E: JavaError>(env: &mut Env<'_>, err: &E) {
    let code = err.code();
    let outcome = match row(E::table(), code) {
        None => env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            JNIString::from(format!(
                "vitalflow error (code {code} has no exception): {err}"
            )),
        ),
        Some(r) => throw_row(env, r, err),
    };
    // `throw*` report Err(JavaException) once the exception is pending: the
    // intended state. Any other failure (the class missing from the loader, a
    // wrong constructor) must still leave an exception, never a silent default.
    if outcome.is_err() && !env.exception_check() {
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            JNIString::from(format!("vitalflow error (code {code}): {err}")),
        );
    }
}

fn throw_row<E: JavaError>(
    env: &mut Env<'_>,
    r: &ExceptionClass,
    err: &E,
) -> jni::errors::Result<()> {
    match r.ctor {
        Ctor::Message => {
            let class = env.find_class(r.class)?;
            env.throw_new(&class, JNIString::from(err.to_string()))
        }
        Ctor::MessageCode => {
            let class = env.find_class(r.class)?;
            let message = env.new_string(err.to_string())?;
            let obj = env.new_object(
                &class,
                jni_sig!("(Ljava/lang/String;I)V"),
                &[JValue::Object(&message), JValue::Int(r.code)],
            )?;
            let ex = env.cast_local::<JThrowable>(obj)?;
            env.throw(ex)
        }
        Ctor::Custom => {
            let ex = err.build(env)?;
            env.throw(ex)
        }
    }
}

/// The error policy of every entry point of both cdylibs, for any crate error
/// that implements [`JavaError`].
#[derive(Debug, Default)]
pub struct ThrowJava;

impl<T: Default, E: JavaError> ErrorPolicy<T, E> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: E,
    ) -> jni::errors::Result<T> {
        if !env.exception_check() {
            throw(env, &err);
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
            eprintln!("vitalflow native: {text}");
            return Ok(T::default());
        }
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            JNIString::from(text),
        );
        Ok(T::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[ExceptionClass] = &[
        ExceptionClass {
            code: 1,
            name: "ARGUMENT",
            class: jni_str!("java/lang/IllegalArgumentException"),
            ctor: Ctor::Message,
        },
        ExceptionClass {
            code: 2,
            name: "ADDRESS_IN_USE",
            class: jni_str!("io/vitalflow/bridge/MllpServerException"),
            ctor: Ctor::MessageCode,
        },
    ];

    #[test]
    fn tables_are_checked() {
        check_table(GOOD).unwrap();
        assert_eq!(row(GOOD, 2).unwrap().name, "ADDRESS_IN_USE");
        assert!(row(GOOD, 3).is_none());
        let twice = [GOOD[0], GOOD[0]];
        assert!(check_table(&twice).unwrap_err().contains("twice"));
        let zero = [ExceptionClass { code: 0, ..GOOD[0] }];
        assert!(check_table(&zero).is_err());
        let lower = [ExceptionClass {
            name: "argument",
            ..GOOD[0]
        }];
        assert!(check_table(&lower).is_err());
    }
}
