//! Panics: a hook that keeps the location and backtrace of the last panic on this
//! thread, so that the error policy can put them in the Java exception.
//!
//! The hook is installed once per loaded copy of this library (each copy has its
//! own `std`, hence its own hook); it replaces the default hook, which would
//! print to the JVM's stderr, because the text travels in the exception instead.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs the recording panic hook (idempotent and cheap after the first call).
pub fn install_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_else(|| "<unknown>".to_string());
            let backtrace = Backtrace::force_capture();
            let text = format!("at {location}\nRust backtrace:\n{backtrace}");
            // try_with: the thread-local may already be gone during thread teardown.
            let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(text));
        }));
    });
}

/// What each cdylib's `JNI_OnLoad` does: installs the hook and returns the JNI
/// version the library needs. (The exported symbol itself must be defined in
/// each cdylib.)
pub fn on_load() -> i32 {
    install_hook();
    jni::sys::JNI_VERSION_1_8
}

/// The message of a panic payload.
pub fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// "Rust panic: <message> at <file:line:col>\nRust backtrace: ...": the text of
/// the `RuntimeException` that a panic becomes.
pub fn describe(payload: Box<dyn Any + Send>) -> String {
    let message = payload_message(payload.as_ref());
    // Dropping a payload can itself panic (a Drop impl inside it); never let that
    // escape: leak the payload instead.
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(p);
    }
    let detail = LAST_PANIC
        .try_with(|p| p.borrow_mut().take())
        .ok()
        .flatten();
    match detail {
        Some(d) => format!("Rust panic: {message} {d}"),
        None => format!("Rust panic: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_carries_message_location_and_backtrace() {
        install_hook();
        let payload = std::panic::catch_unwind(|| panic!("boom {}", 42)).unwrap_err();
        let text = describe(payload);
        assert!(text.starts_with("Rust panic: boom 42 at "), "{text}");
        assert!(text.contains("panic.rs"), "{text}");
        assert!(text.contains("Rust backtrace:"), "{text}");
    }
}
