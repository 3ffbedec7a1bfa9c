//! The seam is one: these checks read the sources of the repository and fail when
//! a second error policy, panic hook or handle table appears beside
//! `vitalflow-ffi`'s, or when code anywhere chooses an error's kind from its text.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Files under `dir` ending in `ext`, skipping build output.
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                files(&p, ext, out);
            }
        } else if name.ends_with(ext) {
            out.push(p);
        }
    }
}

/// `(file, line number, line)` of every line of the Rust sources outside
/// `native/ffi` (the fuzz crate and the CLI binary included) that matches.
fn rust_lines_outside_ffi(matches: impl Fn(&str) -> bool) -> Vec<String> {
    let mut rs = Vec::new();
    files(&root().join("native"), ".rs", &mut rs);
    let ffi = root().join("native/ffi");
    let mut hits = Vec::new();
    for f in rs.iter().filter(|f| !f.starts_with(&ffi)) {
        let text = fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if matches(code) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn one_error_policy() {
    let hits = rust_lines_outside_ffi(|l| l.contains("ErrorPolicy<"));
    assert!(
        hits.is_empty(),
        "an ErrorPolicy outside vitalflow-ffi: {hits:#?}"
    );
}

#[test]
fn one_panic_hook_in_the_libraries_the_jvm_loads() {
    // The CLI is a program, not a library the JVM loads: its own hook prints for a terminal.
    let cli = root().join("native/cli");
    let hits: Vec<_> = rust_lines_outside_ffi(|l| l.contains("set_hook("))
        .into_iter()
        .filter(|h| !h.starts_with(&cli.display().to_string()))
        .collect();
    assert!(
        hits.is_empty(),
        "a panic hook outside vitalflow-ffi: {hits:#?}"
    );
}

#[test]
fn one_handle_table() {
    let hits =
        rust_lines_outside_ffi(|l| l.contains("HashMap<i64") || l.contains("AtomicI64::new(1)"));
    assert!(
        hits.is_empty(),
        "an id-to-object table outside vitalflow-ffi: {hits:#?}"
    );
}

#[test]
fn both_cdylibs_use_the_seam() {
    for krate in ["native/jni", "native/redshift-data"] {
        let toml = fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
        assert!(toml.contains("cdylib"), "{krate} is a cdylib");
        assert!(
            toml.contains("vitalflow-ffi.workspace = true"),
            "{krate} must depend on vitalflow-ffi"
        );
        let mut rs = Vec::new();
        files(&root().join(krate).join("src"), ".rs", &mut rs);
        let uses = rs
            .iter()
            .any(|f| fs::read_to_string(f).unwrap().contains("ThrowJava"));
        assert!(uses, "{krate} resolves its entry points with ThrowJava");
    }
}

/// Java and Rust code that reads an error's kind out of its message.
fn chooses_from_text(line: &str) -> bool {
    let line = line.split("//").next().unwrap_or("");
    let predicates = [
        ".contains(",
        ".startsWith(",
        ".endsWith(",
        ".matches(",
        ".equals(",
    ];
    let reads_message = ["getMessage()", "getLocalizedMessage()", ".to_string()"];
    reads_message.iter().any(|m| {
        line.find(m).is_some_and(|at| {
            let rest = &line[at + m.len()..];
            let rest = rest.trim_start_matches(')');
            predicates.iter().any(|p| rest.starts_with(p))
        })
    }) || line.contains("\"R:\"")
        || line.contains("\"F:\"")
}

#[test]
fn the_check_itself_sees_the_old_patterns() {
    assert!(chooses_from_text(
        "if (String.valueOf(e.getMessage()).contains(OTHER_LOADER)) {"
    ));
    assert!(chooses_from_text("boolean r = encoded.startsWith(\"R:\");"));
    assert!(chooses_from_text(
        "if err.to_string().contains(\"in use\") {"
    ));
    assert!(!chooses_from_text(
        "throw new ConnectException(\"x: \" + e.getMessage(), e);"
    ));
}

#[test]
fn no_error_kind_is_chosen_from_text() {
    let mut sources = Vec::new();
    for dir in ["jvm-bridge", "connectors", "flink-job", "schemas"] {
        files(&root().join(dir), ".java", &mut sources);
    }
    // Production code only: tests read messages to check what a user is told.
    sources.retain(|f| f.components().all(|c| c.as_os_str() != "test"));
    let mut rust = Vec::new();
    files(&root().join("native"), ".rs", &mut rust);
    rust.retain(|f| {
        f.components()
            .all(|c| c.as_os_str() != "tests" && c.as_os_str() != "benches")
    });
    assert!(
        sources.len() > 50 && rust.len() > 30,
        "the walk found the sources"
    );
    let mut hits = Vec::new();
    for f in sources.iter().chain(&rust) {
        let text = fs::read_to_string(f).unwrap();
        // Rust unit tests sit at the end of a file, after `#[cfg(test)]`.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in text.lines().enumerate() {
            if f != &root().join("native/ffi/tests/one_seam.rs") && chooses_from_text(line) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(hits.is_empty(), "an error kind chosen from text: {hits:#?}");
}
