//! The core's modules in layers, each using only its own layer and those before it, so that
//! reading the code bottom up never meets a module that needs a later one. Every `crate::`
//! reference in rust_core/src is checked against the order below; a new top-level module must be
//! given a layer here.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, first to last, and the top-level modules in each.
const LAYERS: &[(&str, &[&str])] = &[
    // What every layer shares: errors, pixels and their geometry, limits, the file's structure,
    // where bytes come from, and what readers and writers of a format both know of it.
    ("foundation", &["errors", "geometry", "limits", "pixels", "orientation", "icc", "structure", "source", "turbo", "cores", "formats"]),
    // Reading: probe -> Structure, read(level, rect) -> Pixels, stored chunks as facts.
    ("codec", &["codec"]),
    ("ops", &["ops"]),
    ("encode", &["encode"]),
    // Deciding: the steps, and whether a stored tile is the answer as it is.
    ("plan", &["plan"]),
    // Carrying out a plan.
    ("pipeline", &["pipeline"]),
    // Python: the only layer that knows it.
    ("bindings", &["bindings"]),
    ("lib", &["lib"]),
];

/// Layers that may use Python (pyo3).
const KNOWS_PYTHON: &[&str] = &["bindings", "lib"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("rust_core/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `codec/tiff/mod.rs` -> codec, `lib.rs` -> lib.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src");
    let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a file names after `crate::`, grouped imports (`crate::{a, b::c}`)
/// included.
fn references(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let macro_crate = rest[..at].ends_with('$');
        rest = &rest[at + "crate::".len()..];
        if macro_crate {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group.find(|c| {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => return true,
                    '}' => depth -= 1,
                    _ => {}
                }
                false
            });
            let inner = &group[..end.unwrap_or(group.len())];
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                        let name: String = inner[i..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        found.push(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            // Prose that names `crate::` itself names no module.
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn every_module_uses_only_its_own_layer_and_earlier_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("rust_core/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} files under {}", files.len(), src.display());
    let mut offences = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let shown = file.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or(file).display().to_string();
        let Some(layer) = layer_of(&module) else {
            offences.push(format!("{shown}: module `{module}` has no layer (add it to LAYERS)"));
            continue;
        };
        let code = fs::read_to_string(file).expect("a readable source file");
        for used in references(&code) {
            match layer_of(&used) {
                None => offences.push(format!("{shown}: `crate::{used}` names a module with no layer")),
                Some(l) if l > layer => offences.push(format!(
                    "{shown}: {module} -> {used} (layer {} may not use the later layer {})",
                    LAYERS[layer].0, LAYERS[l].0
                )),
                Some(_) => {}
            }
        }
        if code.contains("pyo3") && !KNOWS_PYTHON.contains(&LAYERS[layer].0) {
            offences.push(format!("{shown}: {module} uses pyo3, which only {KNOWS_PYTHON:?} may"));
        }
    }
    assert!(offences.is_empty(), "the layering is broken:\n{}", offences.join("\n"));
}

#[test]
fn references_are_read_from_paths_and_groups() {
    let code = "use crate::codec::{jpeg, Codec};\nuse crate::{plan::{self, Plan}, ops};\nmacro_rules! m { () => { $crate::x } }\n//! every `crate::` reference";
    assert_eq!(references(code), ["codec", "plan", "ops"]);
}
