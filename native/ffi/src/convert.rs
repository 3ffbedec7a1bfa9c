//! Moving bytes across JNI: Java arrays are copied into a per-thread scratch
//! buffer (no allocation per call, no critical section that would hold up the
//! GC while the core parses), and results leave through a per-thread output
//! buffer copied into one new `byte[]`.

use std::cell::RefCell;

use jni::objects::{JByteArray, JIntArray, JObjectArray, JString};
use jni::Env;

use crate::FfiError;

/// A failed JNI call as the caller's error.
fn jni<E: From<FfiError>>(e: jni::errors::Error) -> E {
    E::from(FfiError::Jni(e))
}

/// A bad argument as the caller's error.
fn argument<E: From<FfiError>>(m: String) -> E {
    E::from(FfiError::Argument(m))
}

/// Scratch buffers above this size are released after use, so that one huge
/// batch does not pin memory on a thread forever.
const KEEP_CAPACITY: usize = 1 << 20;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn trim(buf: &mut Vec<u8>) {
    buf.clear();
    if buf.capacity() > KEEP_CAPACITY {
        *buf = Vec::new();
    }
}

/// Runs `f` on the thread's scratch buffer in `cell`, empty on entry and
/// trimmed on exit. A nested call on the same thread (not done today) would
/// find the buffer borrowed: it gets a fresh one instead of a panic.
fn with_scratch<R>(
    cell: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    cell.with(|cell| {
        let mut fresh = Vec::new();
        let mut guard = cell.try_borrow_mut();
        let buf: &mut Vec<u8> = match guard.as_deref_mut() {
            Ok(b) => b,
            Err(_) => &mut fresh,
        };
        buf.clear();
        let r = f(buf);
        trim(buf);
        r
    })
}

/// Runs `f` over the contents of a Java `byte[]` (which must not be null).
pub fn with_bytes<R, E: From<FfiError>>(
    env: &Env<'_>,
    array: &JByteArray<'_>,
    what: &str,
    f: impl FnOnce(&[u8]) -> Result<R, E>,
) -> Result<R, E> {
    if array.is_null() {
        return Err(argument(format!("{what} is null")));
    }
    let len = array.len(env).map_err(jni)?;
    with_scratch(&INPUT, |buf| {
        buf.resize(len, 0);
        array.get_region(env, 0, as_jbytes(buf)).map_err(jni)?;
        f(buf)
    })
}

/// Reads a Java `int[]` (which must not be null).
pub fn ints(env: &Env<'_>, array: &JIntArray<'_>, what: &str) -> Result<Vec<i32>, FfiError> {
    if array.is_null() {
        return Err(FfiError::Argument(format!("{what} is null")));
    }
    let mut v = vec![0i32; array.len(env)?];
    array.get_region(env, 0, &mut v)?;
    Ok(v)
}

/// Reads a Java `String`; `None` for null.
pub fn opt_string(env: &Env<'_>, s: &JString<'_>) -> Result<Option<String>, FfiError> {
    if s.is_null() {
        Ok(None)
    } else {
        Ok(Some(s.try_to_string(env)?))
    }
}

/// Lets `f` fill the per-thread output buffer, then copies it into a new `byte[]`.
pub fn new_byte_array<'local, E: From<FfiError>>(
    env: &mut Env<'local>,
    f: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
) -> Result<JByteArray<'local>, E> {
    with_scratch(&OUTPUT, |buf| {
        f(buf).and_then(|()| env.byte_array_from_slice(buf).map_err(jni))
    })
}

/// Reads a Java `byte[]` into the input buffer, lets `f` write the output buffer
/// from it, and returns the output as a new `byte[]`: the whole path of a call,
/// with no allocation on the Rust side once the buffers have grown.
pub fn transform<'local, E: From<FfiError>>(
    env: &mut Env<'local>,
    array: &JByteArray<'_>,
    what: &str,
    f: impl FnOnce(&[u8], &mut Vec<u8>) -> Result<(), E>,
) -> Result<JByteArray<'local>, E> {
    with_scratch(&OUTPUT, |out| {
        with_bytes(env, array, what, |input| f(input, out))
            .and_then(|()| env.byte_array_from_slice(out).map_err(jni))
    })
}

/// Reads a Java `String[]` (null: empty); a null element is an argument error.
pub fn strings(
    env: &mut Env<'_>,
    array: &JObjectArray<'_, JString<'_>>,
    what: &str,
) -> Result<Vec<String>, FfiError> {
    if array.is_null() {
        return Ok(Vec::new());
    }
    let n = array.len(env)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let s: JString = array.get_element(env, i)?;
        if s.is_null() {
            return Err(FfiError::Argument(format!("{what}: element {i} is null")));
        }
        out.push(s.try_to_string(env)?);
    }
    Ok(out)
}

/// `&mut [u8]` as the `&mut [i8]` (`jbyte`) that JNI copies into.
fn as_jbytes(buf: &mut [u8]) -> &mut [i8] {
    #[allow(unsafe_code)]
    // SAFETY: u8 and i8 have the same size and alignment and every bit pattern is
    // valid for both; the returned slice borrows `buf` exclusively for its lifetime.
    unsafe {
        std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<i8>(), buf.len())
    }
}
