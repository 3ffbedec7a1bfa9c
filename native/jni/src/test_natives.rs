//! Test and benchmark natives of `io.vitalflow.bridge.NativeBridge`, compiled
//! only with the cargo feature `test-natives`: the shipped library (the one in
//! the jar) does not export them, and calling them there throws
//! `UnsatisfiedLinkError`. The Java tests and the JMH benchmark load a library
//! built with the feature (`-Dvitalflow.native.path`).

use jni::objects::{JByteArray, JClass, JObject, JString};
use jni::sys::jint;
use jni::{Env, EnvUnowned};

use crate::error::ThrowJava;
use crate::BridgeError;
use vitalflow_ffi::convert;

/// `static native void noop()`: the cost of crossing JNI and nothing else. Raw,
/// no `Env` upgrade: it must stay an empty call.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_noop<'caller>(
    _env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) {
}

/// `static native int noopGuarded(byte[] message)`: an empty call that goes
/// through the same `with_env` + error policy shell as the real entry points
/// and reads the array length, i.e. the fixed cost every real call pays.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_noopGuarded<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
) -> jint {
    env.with_env(|env| -> Result<jint, BridgeError> {
        if message.is_null() {
            return Ok(-1);
        }
        Ok(message.len(env)? as jint)
    })
    .resolve::<ThrowJava>()
}

/// `static native String panic0(String message)`: panics with `message`.
/// Test-only: `NativeBridge.panicForTest` refuses unless the system property
/// `vitalflow.bridge.testing` is `true`; it exists to prove that a panic
/// arrives in Java as a `RuntimeException` and the JVM lives on.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_panic0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JString<'caller>,
) -> JObject<'caller> {
    env.with_env(|env| panic_impl(env, &message))
        .resolve::<ThrowJava>()
}

fn panic_impl<'local>(
    env: &mut Env<'local>,
    message: &JString<'_>,
) -> Result<JObject<'local>, BridgeError> {
    let message = convert::opt_string(env, message)?.unwrap_or_default();
    deliberately_panic(&message)
}

#[inline(never)]
fn deliberately_panic(message: &str) -> Result<JObject<'static>, BridgeError> {
    panic!("{message}")
}

/// `static native byte[] echo0(byte[] data)`: returns a copy through the same
/// input/output buffers as the real calls (tests the plumbing, benchmarks the
/// copy cost).
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_echo0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    data: JByteArray<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| -> Result<JByteArray<'caller>, BridgeError> {
        convert::transform(env, &data, "data", |d, out| {
            out.extend_from_slice(d);
            Ok(())
        })
    })
    .resolve::<ThrowJava>()
}

/// `static native long coreLoop0(byte[] data, int[] ends, int rounds)`: runs the
/// batch work (extract and encode every message) `rounds` times inside Rust and
/// returns the bytes encoded, so a benchmark can tell the core's time from the
/// cost of crossing JNI and decoding in Java.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_coreLoop0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    data: JByteArray<'caller>,
    ends: jni::objects::JIntArray<'caller>,
    rounds: jint,
) -> jni::sys::jlong {
    env.with_env(|env| -> Result<jni::sys::jlong, BridgeError> {
        let ends = convert::ints(env, &ends, "ends")?;
        let options = crate::options::for_zone(None)?;
        convert::with_bytes(env, &data, "data", |d| {
            let mut total = 0i64;
            let mut out = Vec::new();
            for _ in 0..rounds.max(0) {
                out.clear();
                crate::batch::extract_batch(d, &ends, &options, &mut out)?;
                total += out.len() as i64;
            }
            Ok(total)
        })
    })
    .resolve::<ThrowJava>()
}

/// The value tags of [`rewrite_script`]'s scripts.
const TAG_U8: u8 = 0;
const TAG_BOOL: u8 = 1;
const TAG_I16: u8 = 2;
const TAG_I32: u8 = 3;
const TAG_I64: u8 = 4;
const TAG_F64: u8 = 5;
const TAG_OPT_F64: u8 = 6;
const TAG_STR: u8 = 7;
const TAG_BYTES: u8 = 8;
const TAG_COUNT: u8 = 9;

/// Writes with the one Rust encoder what a script lists. The script is an
/// envelope of kind 1: `u8 kind` of the output, `count`, then per value its
/// tag (above) and the value. The output is an envelope of that kind with the
/// values alone, which Java's `Envelope` then reads back (`EnvelopeTest`).
pub fn rewrite_script(script: &[u8], out: &mut Vec<u8>) -> Result<(), BridgeError> {
    use vitalflow_envelope::{Kind, Reader, Writer};
    let bad = |e: vitalflow_envelope::EnvelopeError| BridgeError::Argument(format!("script: {e}"));
    let mut r = Reader::open(script, Kind::Message).map_err(bad)?;
    let kind = r.u8().map_err(bad)?;
    let kind = Kind::from_number(kind)
        .ok_or_else(|| BridgeError::Argument(format!("script: no kind {kind}")))?;
    let n = r.count(2).map_err(bad)?;
    let mut w = Writer::new(out, kind);
    for _ in 0..n {
        match r.u8().map_err(bad)? {
            TAG_U8 => w.u8(r.u8().map_err(bad)?),
            TAG_BOOL => w.bool(r.bool().map_err(bad)?),
            TAG_I16 => w.i16(r.i16().map_err(bad)?),
            TAG_I32 => w.i32(r.i32().map_err(bad)?),
            TAG_I64 => w.i64(r.i64().map_err(bad)?),
            TAG_F64 => w.f64(r.f64().map_err(bad)?),
            TAG_OPT_F64 => w.opt_f64(r.opt_f64().map_err(bad)?),
            TAG_STR => w.str(r.str().map_err(bad)?),
            TAG_BYTES => w.bytes(r.bytes().map_err(bad)?),
            TAG_COUNT => w.count(r.count(0).map_err(bad)?),
            t => return Err(BridgeError::Argument(format!("script: no tag {t}"))),
        };
    }
    Ok(())
}

/// `static native byte[] rewriteEnvelope0(byte[] script)`: see [`rewrite_script`].
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_rewriteEnvelope0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    script: JByteArray<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| -> Result<JByteArray<'caller>, BridgeError> {
        convert::transform(env, &script, "script", rewrite_script)
    })
    .resolve::<ThrowJava>()
}
