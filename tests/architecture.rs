//! Layering guard: `src/core/` stays pure. It may not name the UI, camera, inference, database or PDF
//! crates, nor touch the file system, threads or the clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "crate::config",
    "egui",
    "eframe",
    "nokhwa",
    "tract",
    "rusqlite",
    "printpdf",
    "std::fs",
    "std::thread",
    "std::time::Instant",
    "std::time::SystemTime",
    "Instant::now",
    "SystemTime::now",
    "std::net",
    "std::process",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code lines only: comments and doc comments may mention anything.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split("//").next().unwrap_or("")))
}

#[test]
fn core_uses_no_io_ui_inference_or_clock() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(
        files.len() >= 3,
        "expected the core module files, found {files:?}"
    );
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line_no, code) in code_lines(&text) {
            for name in FORBIDDEN {
                let hit = code.match_indices(name).any(|(at, _)| {
                    let before = code[..at].chars().next_back();
                    let after = code[at + name.len()..].chars().next();
                    let ident =
                        |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    !ident(before) && !ident(after)
                });
                if hit {
                    violations.push(format!("{}:{line_no}: uses `{name}`", file.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "core must stay pure:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_guard_catches_a_violation() {
    let sample = "use std::fs::read;\n// egui in a comment is fine\nlet x = eframe::run();";
    let hits: Vec<_> = code_lines(sample)
        .filter(|(_, code)| FORBIDDEN.iter().any(|name| code.contains(name)))
        .map(|(line, _)| line)
        .collect();
    assert_eq!(hits, vec![1, 3]);
}
