//! Natives of `io.vitalflow.bridge.ExtractOptions`: registering a zone and a
//! site's code table once, to be referred to by id in later calls.

use jni::objects::{JClass, JString};
use jni::sys::jlong;
use jni::EnvUnowned;

use crate::error::ThrowJava;
use crate::{options, BridgeError};
use vitalflow_ffi::convert;

/// `static native long create0(String zone, String siteCodesTsv, String settingsJson)`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_ExtractOptions_create0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    zone: JString<'caller>,
    site_codes: JString<'caller>,
    settings: JString<'caller>,
) -> jlong {
    env.with_env(|env| -> Result<jlong, BridgeError> {
        let zone = convert::opt_string(env, &zone)?;
        let site_codes = convert::opt_string(env, &site_codes)?;
        let settings = convert::opt_string(env, &settings)?;
        options::register_with(zone.as_deref(), site_codes.as_deref(), settings.as_deref())
    })
    .resolve::<ThrowJava>()
}

/// `static native void release0(long id)`.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_ExtractOptions_release0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    id: jlong,
) {
    env.with_env(|_env| -> Result<(), BridgeError> {
        options::release(id);
        Ok(())
    })
    .resolve::<ThrowJava>()
}
