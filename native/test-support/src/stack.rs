//! How Rust integration tests find the local stack: [`ensure`] runs `tests/stack/stack.sh ensure`,
//! which checks every service and starts the stack when something is not healthy (unless
//! `VITALFLOW_STACK_AUTOSTART=0`), then reads where the services are. It returns an error when the
//! stack cannot be had, so a test that needs it fails instead of passing quietly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Where the services of the running local stack are.
#[derive(Debug, Clone)]
pub struct StackEnv {
    /// Kafka bootstrap servers, e.g. `127.0.0.1:9092`.
    pub kafka_bootstrap: String,
    /// The registry's Confluent-compatible API, e.g. `http://127.0.0.1:8081/apis/ccompat/v7`.
    pub registry_url: String,
    /// Kafka Connect REST, e.g. `http://127.0.0.1:8083`.
    pub connect_url: String,
    /// All `KEY=VALUE` lines of `stack.sh env` (PostgreSQL host, port, user, ...).
    pub vars: BTreeMap<String, String>,
}

/// The repository root: `$VITALFLOW_REPO`, else two levels above this crate.
pub fn repo_root() -> PathBuf {
    match std::env::var_os("VITALFLOW_REPO") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(".."),
    }
}

/// The running stack (started if needed), once per process.
pub fn ensure() -> Result<StackEnv, String> {
    static ENV: OnceLock<Result<StackEnv, String>> = OnceLock::new();
    ENV.get_or_init(run_ensure).clone()
}

fn run_ensure() -> Result<StackEnv, String> {
    let script = repo_root().join("tests/stack/stack.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("ensure")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} ensure failed ({}): the local stack is not available",
            script.display(),
            out.status
        ));
    }
    let vars: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let get = |k: &str| {
        vars.get(k)
            .cloned()
            .ok_or_else(|| format!("stack.sh env has no {k}"))
    };
    Ok(StackEnv {
        kafka_bootstrap: get("VITALFLOW_KAFKA_BOOTSTRAP")?,
        registry_url: get("VITALFLOW_REGISTRY_URL")?,
        connect_url: get("VITALFLOW_CONNECT_URL")?,
        vars,
    })
}
