//! Natives of `io.vitalflow.bridge.Vitals`: rows leave in the compact form of
//! [`crate::codec`].

use jni::objects::{JByteArray, JClass, JIntArray};
use jni::{Env, EnvUnowned};

use crate::error::ThrowJava;
use crate::{batch, codec, options, BridgeError};
use vitalflow_ffi::convert;

/// `static native byte[] extract0(byte[] message, long options)`: the `rows` of
/// one message; an HL7 error is thrown as `Hl7Exception`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extract0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    options: jni::sys::jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| extract_impl(env, &message, options))
        .resolve::<ThrowJava>()
}

fn extract_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    options: jni::sys::jlong,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    convert::transform(env, message, "message", |m, out| {
        let msg = crate::parse_message(m)?;
        let mut x = vitalflow_core::vitals::extract_rows(&msg, &options)?;
        if !x.errors.is_empty() {
            return Err(x.errors.swap_remove(0).into());
        }
        codec::put_message_rows(out, &mut codec::Dictionary::new(), &x.header, &x.rows);
        Ok(())
    })
}

/// `static native byte[] extractBatch0(byte[] data, int[] ends, long options)`:
/// the `batch` encoding, one result per message.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extractBatch0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    data: JByteArray<'caller>,
    ends: JIntArray<'caller>,
    options: jni::sys::jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| extract_batch_impl(env, &data, &ends, options))
        .resolve::<ThrowJava>()
}

fn extract_batch_impl<'local>(
    env: &mut Env<'local>,
    data: &JByteArray<'_>,
    ends: &JIntArray<'_>,
    options: jni::sys::jlong,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    let ends = convert::ints(env, ends, "ends")?;
    convert::transform(env, data, "data", |d, out| {
        batch::extract_batch(d, &ends, &options, out)
    })
}

/// `static native byte[] extractStream0(byte[] stream, long options)`: splits a
/// file or stream (plain, batch or MLLP) and returns the `stream` encoding.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extractStream0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    stream: JByteArray<'caller>,
    options: jni::sys::jlong,
) -> JByteArray<'caller> {
    env.with_env(|env| extract_stream_impl(env, &stream, options))
        .resolve::<ThrowJava>()
}

fn extract_stream_impl<'local>(
    env: &mut Env<'local>,
    stream: &JByteArray<'_>,
    options: jni::sys::jlong,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::by_id(options)?;
    convert::transform(env, stream, "stream", |s, out| {
        batch::extract_stream(s, &options, out);
        Ok(())
    })
}
