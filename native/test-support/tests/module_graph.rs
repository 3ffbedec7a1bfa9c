//! `docs/design.md`'s table of Rust crates is the module graph a reader sees; this
//! test holds it to the manifests: every workspace member has a row with its path,
//! and each row's "depends on" cell lists exactly the crate's own `vitalflow-*`
//! dependencies (normal ones; dev-dependencies are not part of the graph).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The workspace members listed in the root Cargo.toml.
fn members() -> Vec<String> {
    let toml = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let start = toml.find("members = [").expect("a members list");
    let end = start + toml[start..].find(']').unwrap();
    toml[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The package name and the `vitalflow-*` crates of `[dependencies]`.
fn manifest(path: &str) -> (String, BTreeSet<String>) {
    let toml = fs::read_to_string(root().join(path).join("Cargo.toml")).unwrap();
    let mut section = String::new();
    let mut name = None;
    let mut deps = BTreeSet::new();
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section == "[package]" && line.starts_with("name") {
            name = line.split('"').nth(1).map(str::to_string);
        }
        if section == "[dependencies]" && line.starts_with("vitalflow-") {
            let dep: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            deps.insert(dep);
        }
    }
    (name.expect("a package name"), deps)
}

/// The rows of design.md's crate table: (crate, path, dependencies).
fn design_rows() -> Vec<(String, String, BTreeSet<String>)> {
    let design = fs::read_to_string(root().join("docs/design.md")).unwrap();
    let start = design
        .find("| crate | path | depends on (vitalflow crates) | role |")
        .expect("the crate table of docs/design.md");
    design[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let ticked = |s: &str| -> Vec<String> {
                s.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect()
            };
            let name = ticked(cells[0]).first().cloned().unwrap_or_default();
            let path = ticked(cells[1]).first().cloned().unwrap_or_default();
            (name, path, ticked(cells[2]).into_iter().collect())
        })
        .collect()
}

#[test]
fn the_design_table_is_the_workspace() {
    let rows = design_rows();
    let members = members();
    assert!(members.len() >= 9, "{members:?}");
    for path in &members {
        let (name, deps) = manifest(path);
        let row = rows
            .iter()
            .find(|(_, p, _)| p == path)
            .unwrap_or_else(|| panic!("docs/design.md has no row for {path} ({name})"));
        assert_eq!(row.0, name, "the row of {path} names its package");
        assert_eq!(
            row.2, deps,
            "docs/design.md: the dependencies of {name} are those of {path}/Cargo.toml"
        );
    }
    let listed: BTreeSet<_> = members.iter().cloned().collect();
    for (name, path, _) in &rows {
        assert!(
            listed.contains(path) || path == "native/fuzz",
            "docs/design.md lists {name} at {path}, which is not a workspace member"
        );
    }
}

#[test]
fn the_design_lists_every_maven_module() {
    let pom = fs::read_to_string(root().join("pom.xml")).unwrap();
    let design = fs::read_to_string(root().join("docs/design.md")).unwrap();
    let start = design
        .find("### Maven modules")
        .expect("the Maven table of docs/design.md");
    let table: Vec<&str> = design[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let modules: Vec<&str> = pom
        .split("<module>")
        .skip(1)
        .map(|m| m.split("</module>").next().unwrap())
        .collect();
    assert!(modules.len() >= 9, "{modules:?}");
    for m in modules {
        let path = m.trim_end_matches('/');
        let listed = table.iter().any(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            cells.len() > 1 && cells[1].trim_matches('`').trim_end_matches('/') == path
        }) || table.iter().any(|row| row.contains(&format!("`{path}/`")));
        assert!(
            listed,
            "docs/design.md's Maven table has no row for the module {path}"
        );
    }
}
