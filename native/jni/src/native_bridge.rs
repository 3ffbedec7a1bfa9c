//! Natives of `io.vitalflow.bridge.NativeBridge` that production ships: the
//! library's identity. The test and benchmark natives (`noop`, `echo0`,
//! `panic0`, `coreLoop0`, ...) are in [`crate::test_natives`], compiled only
//! with the cargo feature `test-natives`.

use jni::objects::{JClass, JObject};
use jni::EnvUnowned;

use crate::error::ThrowJava;
use crate::BridgeError;

/// `static native String version0()`: the crate version, to check what loaded.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_version0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JObject<'caller> {
    env.with_env(|env| -> Result<JObject<'caller>, BridgeError> {
        Ok(JObject::from(env.new_string(env!("CARGO_PKG_VERSION"))?))
    })
    .resolve::<ThrowJava>()
}

/// `static native long messageParses0()`: how many HL7 messages this library
/// has parsed since it loaded ([`crate::message_parses`]).
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_NativeBridge_messageParses0<'caller>(
    _env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> jni::sys::jlong {
    i64::try_from(crate::message_parses()).unwrap_or(i64::MAX)
}
