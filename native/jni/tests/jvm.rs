//! Starts a real JVM (the jni crate's `invocation` feature), loads the cdylib
//! that cargo built next to this test through `io.vitalflow.bridge.NativeLibrary`
//! (compiled from `jvm-bridge/src/main/java` with `javac`), and checks that
//! results, HL7 errors and panics all arrive in Java as they should.
//!
//! Needs a JDK (`javac`, and `JAVA_HOME` or `java` on the PATH); there is only
//! one JVM per process, so everything runs in one test.

use std::path::{Path, PathBuf};
use std::process::Command;

use jni::objects::{JByteArray, JObject, JString, JValue};
use jni::{jni_sig, jni_str, Env, InitArgsBuilder, JNIVersion, JavaVM};

const MSG: &[u8] = b"MSH|^~\\&|MON|ICU|EHR|HOSP|20261120060000||ORU^R01|CTRL1|P|2.5.1\r\
PID|1||12345^^^HOSP^MR\r\
OBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F|||20261120055800\r\
OBX|2|NM|9279-1^Resp rate^LN||18|/min|||||F\r";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cdylib, rebuilt now: `cargo test` builds this crate's library only as
/// an rlib, so `target/<profile>/libvitalflow_jni.so` may be stale otherwise.
fn cdylib() -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    build.current_dir(workspace()).args([
        "build",
        "--lib",
        "-p",
        "vitalflow-jni",
        "--features",
        "test-natives",
    ]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    assert!(
        build.status().expect("run cargo").success(),
        "cargo build of the cdylib failed"
    );
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let lib = profile_dir.join(format!(
        "{}vitalflow_jni{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.is_file(), "cdylib not found at {}", lib.display());
    lib
}

/// Compiles the Java API into a fresh directory.
fn java_classes() -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jvm-bridge-classes");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let src = workspace().join("jvm-bridge/src/main/java/io/vitalflow/bridge");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "java"))
        .collect();
    // The enums the Maven build generates from the schema, by the same generator.
    let generated = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jvm-bridge-generated");
    let _ = std::fs::remove_dir_all(&generated);
    let status = Command::new("java")
        .arg(workspace().join("schemas/src/build/GenerateEnums.java"))
        .arg(workspace().join("schemas/VitalSign.avsc"))
        .arg(&generated)
        .args(["io.vitalflow.bridge", "VitalKind", "GlucoseStatus"])
        .status()
        .expect("java on the PATH");
    assert!(status.success(), "GenerateEnums failed");
    for name in ["VitalKind", "GlucoseStatus"] {
        sources.push(generated.join(format!("io/vitalflow/bridge/{name}.java")));
    }
    sources.sort();
    let status = Command::new("javac")
        .args(["-encoding", "UTF-8"])
        .arg("-d")
        .arg(&out)
        .arg("--release")
        .arg("17")
        .args(&sources)
        .status()
        .expect("javac on the PATH");
    assert!(status.success(), "javac failed");
    out
}

/// Takes the pending exception: its class name and message.
fn take_exception(env: &mut Env<'_>) -> (String, String) {
    assert!(env.exception_check(), "expected a pending Java exception");
    let ex = env.exception_occurred().expect("exception");
    env.exception_clear();
    let class = env.get_object_class(&ex).unwrap();
    let name = env
        .call_method(
            &class,
            jni_str!("getName"),
            jni_sig!("()Ljava/lang/String;"),
            &[],
        )
        .unwrap()
        .l()
        .unwrap();
    let name = env
        .cast_local::<JString>(name)
        .unwrap()
        .try_to_string(env)
        .unwrap();
    let msg = env
        .call_method(
            &ex,
            jni_str!("getMessage"),
            jni_sig!("()Ljava/lang/String;"),
            &[],
        )
        .unwrap()
        .l()
        .unwrap();
    let msg = env
        .cast_local::<JString>(msg)
        .unwrap()
        .try_to_string(env)
        .unwrap();
    (name, msg)
}

fn query<'l>(env: &mut Env<'l>, message: &[u8], path: &str) -> jni::errors::Result<Option<String>> {
    let bytes: JByteArray = env.byte_array_from_slice(message)?;
    let path = env.new_string(path)?;
    let v = env
        .call_static_method(
            jni_str!("io/vitalflow/bridge/Hl7"),
            jni_str!("query"),
            jni_sig!("([BLjava/lang/String;)Ljava/lang/String;"),
            &[JValue::Object(&JObject::from(bytes)), JValue::Object(&path)],
        )?
        .l()?;
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(env.cast_local::<JString>(v)?.try_to_string(env)?))
}

#[test]
fn results_errors_and_panics_cross_into_a_real_jvm() {
    let classes = java_classes();
    let lib = cdylib();
    let args = InitArgsBuilder::new()
        .version(JNIVersion::V1_8)
        .option(format!("-Djava.class.path={}", classes.display()))
        .option(format!("-Dvitalflow.native.path={}", lib.display()))
        .option("-Dvitalflow.bridge.testing=true")
        .option("-Xcheck:jni")
        .build()
        .expect("JVM args");
    let jvm = JavaVM::new(args).expect("start a JVM (JAVA_HOME or java on the PATH)");

    jvm.attach_current_thread(|env| -> jni::errors::Result<()> {
        // A value.
        assert_eq!(
            query(env, MSG, "PID-3-1").unwrap().as_deref(),
            Some("12345")
        );
        // Absent is null.
        assert_eq!(query(env, MSG, "PID-30").unwrap(), None);

        // A bad path: Hl7Exception with its kind.
        assert!(query(env, MSG, "not a path").is_err());
        let (class, msg) = take_exception(env);
        assert_eq!(class, "io.vitalflow.bridge.Hl7Exception");
        assert!(msg.contains("path"), "{msg}");

        // A message without MSH: Hl7Exception with a byte offset.
        assert!(query(env, b"PID|1||1\r", "PID-3").is_err());
        assert!(env.exception_check());
        let ex = env.exception_occurred().expect("pending exception");
        env.exception_clear();
        let offset = env
            .call_method(&ex, jni_str!("offset"), jni_sig!("()J"), &[])?
            .j()?;
        assert_eq!(offset, 0);
        let kind = env
            .call_method(
                &ex,
                jni_str!("kindName"),
                jni_sig!("()Ljava/lang/String;"),
                &[],
            )?
            .l()?;
        assert_eq!(
            env.cast_local::<JString>(kind)?.try_to_string(env)?,
            "MISSING_MSH"
        );

        // A panic: RuntimeException with the Rust message, location and backtrace.
        let text = env.new_string("panic from the jvm test")?;
        let r = env.call_static_method(
            jni_str!("io/vitalflow/bridge/NativeBridge"),
            jni_str!("panicForTest"),
            jni_sig!("(Ljava/lang/String;)Ljava/lang/String;"),
            &[JValue::Object(&text)],
        );
        assert!(r.is_err());
        let (class, msg) = take_exception(env);
        assert_eq!(class, "java.lang.RuntimeException");
        assert!(
            msg.starts_with("Rust panic: panic from the jvm test at "),
            "{msg}"
        );
        // the hook that records location and backtrace was installed by JNI_OnLoad:
        // no entry point installs it any more
        assert!(msg.contains("test_natives.rs"), "{msg}");
        assert!(msg.contains("Rust backtrace:"), "{msg}");

        // Vitals through the Java decoder.
        let bytes = env.byte_array_from_slice(MSG)?;
        let list = env
            .call_static_method(
                jni_str!("io/vitalflow/bridge/Vitals"),
                jni_str!("extract"),
                jni_sig!("([B)Ljava/util/List;"),
                &[JValue::Object(&JObject::from(bytes))],
            )?
            .l()?;
        let size = env
            .call_method(&list, jni_str!("size"), jni_sig!("()I"), &[])?
            .i()?;
        assert_eq!(size, 2);

        // The JVM lives on.
        assert_eq!(query(env, MSG, "MSH-10").unwrap().as_deref(), Some("CTRL1"));
        Ok(())
    })
    .expect("JNI calls");
}
