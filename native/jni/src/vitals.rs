//! Natives of `io.vitalflow.bridge.Vitals`: rows leave in the compact form of
//! [`crate::codec`].

use jni::objects::{JByteArray, JClass, JIntArray, JString};
use jni::{Env, EnvUnowned};

use crate::error::ThrowJava;
use crate::{batch, codec, io, options, panic, BridgeError};

/// `static native byte[] extract0(byte[] message, String zone)`: the `rows` of
/// one message; an HL7 error is thrown as `Hl7Exception`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extract0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    zone: JString<'caller>,
) -> JByteArray<'caller> {
    panic::install_hook();
    env.with_env(|env| extract_impl(env, &message, &zone))
        .resolve::<ThrowJava>()
}

fn extract_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    zone: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::for_zone(io::opt_string(env, zone)?.as_deref())?;
    io::transform(env, message, "message", |m, out| {
        codec::put_rows(out, &vitalflow_core::vitals::extract(m, &options)?);
        Ok(())
    })
}

/// `static native byte[] extractBatch0(byte[] data, int[] ends, String zone)`:
/// the `batch` encoding, one result per message.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extractBatch0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    data: JByteArray<'caller>,
    ends: JIntArray<'caller>,
    zone: JString<'caller>,
) -> JByteArray<'caller> {
    panic::install_hook();
    env.with_env(|env| extract_batch_impl(env, &data, &ends, &zone))
        .resolve::<ThrowJava>()
}

fn extract_batch_impl<'local>(
    env: &mut Env<'local>,
    data: &JByteArray<'_>,
    ends: &JIntArray<'_>,
    zone: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::for_zone(io::opt_string(env, zone)?.as_deref())?;
    let ends = io::ints(env, ends, "ends")?;
    io::transform(env, data, "data", |d, out| {
        batch::extract_batch(d, &ends, &options, out)
    })
}

/// `static native byte[] extractStream0(byte[] stream, String zone)`: splits a
/// file or stream (plain, batch or MLLP) and returns the `stream` encoding.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Vitals_extractStream0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    stream: JByteArray<'caller>,
    zone: JString<'caller>,
) -> JByteArray<'caller> {
    panic::install_hook();
    env.with_env(|env| extract_stream_impl(env, &stream, &zone))
        .resolve::<ThrowJava>()
}

fn extract_stream_impl<'local>(
    env: &mut Env<'local>,
    stream: &JByteArray<'_>,
    zone: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let options = options::for_zone(io::opt_string(env, zone)?.as_deref())?;
    io::transform(env, stream, "stream", |s, out| {
        batch::extract_stream(s, &options, out);
        Ok(())
    })
}
