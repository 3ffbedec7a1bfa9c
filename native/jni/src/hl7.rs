//! Natives of `io.vitalflow.bridge.Hl7`.

use jni::objects::{JByteArray, JClass, JObject, JString};
use jni::{Env, EnvUnowned};

use vitalflow_core::Path;

use crate::error::ThrowJava;
use crate::{codec, BridgeError};
use vitalflow_ffi::convert;

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
    let path = convert::opt_string(env, path)?
        .ok_or_else(|| BridgeError::Argument("path is null".into()))?;
    let value = convert::with_bytes(env, message, "message", |m| {
        let path: vitalflow_core::Path = path.parse()?;
        let msg = crate::parse_message(m)?;
        Ok::<_, BridgeError>(msg.get(&path).map(|v| v.value().into_owned()))
    })?;
    match value {
        Some(v) => Ok(JObject::from(env.new_string(v)?)),
        None => Ok(JObject::null()),
    }
}

/// `static native byte[] fields0(byte[] message, String paths)`: the values at
/// each of `paths` (separated by `\n`), with one parse of the message; coded as
/// the row codec's strings (`codec::put_str`: 0 for null, else length + 2 and
/// the UTF-8 bytes), in the order of the paths.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_Hl7_fields0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    message: JByteArray<'caller>,
    paths: JString<'caller>,
) -> JByteArray<'caller> {
    env.with_env(|env| fields_impl(env, &message, &paths))
        .resolve::<ThrowJava>()
}

fn fields_impl<'local>(
    env: &mut Env<'local>,
    message: &JByteArray<'_>,
    paths: &JString<'_>,
) -> Result<JByteArray<'local>, BridgeError> {
    let paths = convert::opt_string(env, paths)?
        .ok_or_else(|| BridgeError::Argument("paths is null".into()))?;
    // every path is checked before the message is read, as query does
    let paths = paths
        .split('\n')
        .map(str::parse::<Path>)
        .collect::<Result<Vec<_>, _>>()?;
    convert::transform(env, message, "message", |m, out| {
        let msg = crate::parse_message(m)?;
        for path in &paths {
            codec::put_str(out, msg.get(path).map(|v| v.value()).as_deref());
        }
        Ok(())
    })
}
