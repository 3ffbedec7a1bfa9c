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
//! Errors become the exceptions of [`EXCEPTIONS`] through `vitalflow-ffi`'s `ThrowJava`: a
//! `DataApiException` carries its kind (retriable or failed) as a code, never in its text. A panic
//! becomes a `RuntimeException` with the Rust backtrace and never unwinds into the JVM.

pub mod client;

use std::fmt;
use std::sync::Arc;

use jni::objects::{JClass, JObject, JObjectArray, JString};
use jni::sys::jlong;
use jni::{jni_str, EnvUnowned};
use vitalflow_ffi::{convert, Ctor, ExceptionClass, FfiError, HandleTable, JavaError, ThrowJava};

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

impl From<FfiError> for NativeError {
    fn from(e: FfiError) -> Self {
        match e {
            FfiError::Argument(m) => NativeError::Argument(m),
            FfiError::Jni(e) => NativeError::Jni(e),
        }
    }
}

impl From<client::Error> for NativeError {
    fn from(e: client::Error) -> Self {
        NativeError::Api(e)
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NativeError::Api(e) => f.write_str(&e.message),
            NativeError::Argument(m) => f.write_str(m),
            NativeError::Jni(e) => write!(f, "vitalflow-redshift-data JNI error: {e}"),
        }
    }
}

const DATA_API_EXCEPTION: &jni::strings::JNIStr =
    jni_str!("io/vitalflow/connect/warehouse/dataapi/DataApiException");

/// The exception table. `DataApiException.Kind` reads codes 1 and 2.
///
/// | code | kind        | Java                                    |
/// |------|-------------|-----------------------------------------|
/// | 1    | `RETRIABLE` | `DataApiException` (kind `RETRIABLE`): unreachable, throttled, timed out |
/// | 2    | `FAILED`    | `DataApiException` (kind `FAILED`): the statement failed |
/// | 3    | `ARGUMENT`  | `java.lang.IllegalArgumentException`    |
/// | 4    | `JNI`       | the pending exception, else `RuntimeException` |
const EXCEPTIONS: &[ExceptionClass] = &[
    ExceptionClass {
        code: 1,
        name: "RETRIABLE",
        class: DATA_API_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 2,
        name: "FAILED",
        class: DATA_API_EXCEPTION,
        ctor: Ctor::MessageCode,
    },
    ExceptionClass {
        code: 3,
        name: "ARGUMENT",
        class: jni_str!("java/lang/IllegalArgumentException"),
        ctor: Ctor::Message,
    },
    ExceptionClass {
        code: 4,
        name: "JNI",
        class: jni_str!("java/lang/RuntimeException"),
        ctor: Ctor::Message,
    },
];

impl JavaError for NativeError {
    fn table() -> &'static [ExceptionClass] {
        EXCEPTIONS
    }

    fn code(&self) -> i32 {
        match self {
            NativeError::Api(e) if e.retriable => 1,
            NativeError::Api(_) => 2,
            NativeError::Argument(_) => 3,
            NativeError::Jni(_) => 4,
        }
    }
}

/// Open clients by handle.
static CLIENTS: HandleTable<DataApi> = HandleTable::new();

fn client(handle: jlong) -> Result<Arc<DataApi>, NativeError> {
    CLIENTS
        .get(handle)
        .ok_or_else(|| NativeError::Argument(format!("no open Data API client {handle}")))
}

/// Called by the JVM once when it loads this library: installs the panic hook
/// that keeps each panic's location and backtrace for the exception it becomes.
#[allow(unsafe_code)] // exported JNI symbol
#[unsafe(no_mangle)]
pub extern "system" fn JNI_OnLoad(
    _vm: *mut jni::sys::JavaVM,
    _reserved: *mut std::ffi::c_void,
) -> jni::sys::jint {
    vitalflow_ffi::panic::on_load()
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
        let flat = convert::strings(env, &settings, "settings")?;
        let settings = Settings::from_pairs(&client::pairs(&flat)?)?;
        let api = DataApi::new(settings)?;
        Ok(CLIENTS.insert(api))
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
            let params = client::pairs(&convert::strings(env, &params, "params")?)?;
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
        let sqls = convert::strings(env, &sqls, "sqls")?;
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
        CLIENTS.remove(handle);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_row_of_the_table() {
        vitalflow_ffi::error::check_table(EXCEPTIONS).unwrap();
        let api = |retriable| {
            NativeError::Api(client::Error {
                retriable,
                message: "m".into(),
            })
        };
        for (e, name) in [
            (api(true), "RETRIABLE"),
            (api(false), "FAILED"),
            (NativeError::Argument("a".into()), "ARGUMENT"),
            (NativeError::Jni(jni::errors::Error::NullPtr("x")), "JNI"),
        ] {
            assert_eq!(
                vitalflow_ffi::error::row(EXCEPTIONS, e.code())
                    .unwrap()
                    .name,
                name
            );
        }
    }
}
