//! `vitalflow-redshift-data`: the Redshift Data API client of the warehouse sink connector, a
//! cdylib (`libvitalflow_redshift_data.so`) that only the sink's plugin carries and loads. It is
//! deliberately not part of `libvitalflow_jni`: the Flink job and the MLLP source connector never
//! load the AWS SDK or its async runtime.
//!
//! Java side: `io.vitalflow.connect.warehouse.dataapi.RedshiftDataNative`.
//!
//! | native            | Data API calls                                                    |
//! |-------------------|-------------------------------------------------------------------|
//! | `open0(settings)` | none (builds the SDK client: region, endpoint override, credentials) |
//! | `execute0`        | ExecuteStatement, DescribeStatement until done, GetStatementResult |
//! | `batch0`          | BatchExecuteStatement (one transaction), DescribeStatement until done |
//! | `close0`          | none                                                              |
//!
//! Errors become `DataApiException` (message prefixed `R:` retriable or `F:` failed); a panic
//! becomes a `RuntimeException` and never unwinds into the JVM.

pub mod client;

use std::any::Any;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use jni::errors::ErrorPolicy;
use jni::objects::{JClass, JObject, JObjectArray, JString};
use jni::sys::jlong;
use jni::{jni_str, Env, EnvUnowned};

use client::{DataApi, Settings};

/// What an entry point fails with.
#[derive(Debug)]
enum NativeError {
    Api(client::Error),
    Argument(String),
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for NativeError {
    fn from(e: jni::errors::Error) -> Self {
        NativeError::Jni(e)
    }
}

impl From<client::Error> for NativeError {
    fn from(e: client::Error) -> Self {
        NativeError::Api(e)
    }
}

/// Typed Java exceptions for errors, `RuntimeException` for panics.
#[derive(Debug, Default)]
struct ThrowJava;

impl<T: Default> ErrorPolicy<T, NativeError> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: NativeError,
    ) -> jni::errors::Result<T> {
        if env.exception_check() {
            return Ok(T::default());
        }
        // `throw_new` reports Err(JavaException) once the exception is pending: intended.
        match err {
            NativeError::Api(e) => {
                let text = format!("{}{}", if e.retriable { "R:" } else { "F:" }, e.message);
                let _ = env.throw_new(
                    jni_str!("io/vitalflow/connect/warehouse/dataapi/DataApiException"),
                    jni::strings::JNIString::from(text),
                );
            }
            NativeError::Argument(m) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/IllegalArgumentException"),
                    jni::strings::JNIString::from(m),
                );
            }
            NativeError::Jni(e) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/RuntimeException"),
                    jni::strings::JNIString::from(format!(
                        "vitalflow-redshift-data JNI error: {e}"
                    )),
                );
            }
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic payload".to_string()
        };
        if !env.exception_check() {
            let _ = env.throw_new(
                jni_str!("java/lang/RuntimeException"),
                jni::strings::JNIString::from(format!(
                    "Rust panic in vitalflow-redshift-data: {message}"
                )),
            );
        }
        Ok(T::default())
    }
}

static NEXT_HANDLE: AtomicI64 = AtomicI64::new(1);

fn strings(
    env: &mut Env<'_>,
    array: &JObjectArray<'_, JString<'_>>,
) -> Result<Vec<String>, NativeError> {
    if array.is_null() {
        return Ok(Vec::new());
    }
    let n = array.len(env)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let s: JString = array.get_element(env, i)?;
        if s.is_null() {
            return Err(NativeError::Argument(format!("element {i} is null")));
        }
        out.push(s.try_to_string(env)?);
    }
    Ok(out)
}

fn client(handle: jlong) -> Result<Arc<DataApi>, NativeError> {
    client::registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&handle)
        .cloned()
        .ok_or_else(|| NativeError::Argument(format!("no open Data API client {handle}")))
}

/// `static native long open0(String[] settings)`
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_connect_warehouse_dataapi_RedshiftDataNative_open0<
    'caller,
>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    settings: JObjectArray<'caller, JString<'caller>>,
) -> jlong {
    env.with_env(|env| -> Result<jlong, NativeError> {
        let flat = strings(env, &settings)?;
        let settings = Settings::from_pairs(&client::pairs(&flat)?)?;
        let api = DataApi::new(settings)?;
        let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
        client::registry()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(handle, Arc::new(api));
        Ok(handle)
    })
    .resolve::<ThrowJava>()
}

/// `static native String[] execute0(long handle, String sql, String[] params)`
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_connect_warehouse_dataapi_RedshiftDataNative_execute0<
    'caller,
>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    handle: jlong,
    sql: JString<'caller>,
    params: JObjectArray<'caller, JString<'caller>>,
) -> JObjectArray<'caller, JString<'caller>> {
    env.with_env(
        |env| -> Result<JObjectArray<'caller, JString<'caller>>, NativeError> {
            if sql.is_null() {
                return Err(NativeError::Argument("sql is null".into()));
            }
            let sql = sql.try_to_string(env)?;
            let params = client::pairs(&strings(env, &params)?)?;
            let api = client(handle)?;
            let result = api.execute(&sql, &params)?;
            let flat = client::flatten(&result);
            let array = JObjectArray::<JString>::new(env, flat.len(), JString::null())?;
            for (i, v) in flat.iter().enumerate() {
                if let Some(v) = v {
                    let s = env.new_string(v)?;
                    array.set_element(env, i, &s)?;
                }
            }
            Ok(array)
        },
    )
    .resolve::<ThrowJava>()
}

/// `static native String batch0(long handle, String[] sqls)`
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_connect_warehouse_dataapi_RedshiftDataNative_batch0<
    'caller,
>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    handle: jlong,
    sqls: JObjectArray<'caller, JString<'caller>>,
) -> JObject<'caller> {
    env.with_env(|env| -> Result<JObject<'caller>, NativeError> {
        let sqls = strings(env, &sqls)?;
        if sqls.is_empty() {
            return Err(NativeError::Argument("no statements".into()));
        }
        let id = client(handle)?.batch(&sqls)?;
        Ok(JObject::from(env.new_string(id)?))
    })
    .resolve::<ThrowJava>()
}

/// `static native void close0(long handle)`
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_connect_warehouse_dataapi_RedshiftDataNative_close0<
    'caller,
>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    handle: jlong,
) {
    env.with_env(|_env| -> Result<(), NativeError> {
        client::registry()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&handle);
        Ok(())
    })
    .resolve::<ThrowJava>()
}

/// `static native String version0()`
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_connect_warehouse_dataapi_RedshiftDataNative_version0<
    'caller,
>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JObject<'caller> {
    env.with_env(|env| -> Result<JObject<'caller>, NativeError> {
        Ok(JObject::from(env.new_string(env!("CARGO_PKG_VERSION"))?))
    })
    .resolve::<ThrowJava>()
}
