//! Natives of `io.vitalflow.bridge.Hl7`.

use jni::objects::{JByteArray, JClass, JObject, JString};
use jni::{Env, EnvUnowned};

use crate::error::ThrowJava;
use crate::{io, BridgeError};

/// `static native String query0(byte[] message, String path)`: the value at
/// `path` (a leaf unescaped, a composite element as sent), null when absent.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Hl7_query0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    path: JString<'caller>,
) -> JObject<'caller> {
    env.with_env(|env| query_impl(env, &message, &path))
        .resolve::<ThrowJava>()
}

fn query_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    path: &JString<'_>,
) -> Result<JObject<'local>, BridgeError> {
    let path =
        io::opt_string(env, path)?.ok_or_else(|| BridgeError::Argument("path is null".into()))?;
    let value = io::with_bytes(env, message, "message", |m| {
        Ok(vitalflow_core::query(m, &path)?)
    })?;
    match value {
        Some(v) => Ok(JObject::from(env.new_string(v)?)),
        None => Ok(JObject::null()),
    }
}
