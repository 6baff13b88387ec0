//! Replays the inputs saved under `tests/fuzz_regressions/<target>/` through the same
//! checks as the fuzz targets (`fuzz/src/lib.rs`, included here), so that `cargo test`
//! keeps every crash the fuzzers found fixed, and exercises a few of their corpus
//! inputs, without nightly or libFuzzer. See fuzz/README.md.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod checks;

/// Runs `check` over every file of the target's folder, reporting all that fail.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no input in {}", dir.display());
    let mut failed = Vec::new();
    for f in &files {
        let data = fs::read(f).unwrap();
        if panic::catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs fail: {failed:?}",
        failed.len(),
        files.len()
    );
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn lines() {
    replay("lines", checks::lines);
}

#[test]
fn model_file() {
    replay("model_file", checks::model_file);
}

#[test]
fn jsonl() {
    replay("jsonl", checks::jsonl);
}

#[test]
fn render_html() {
    replay("render_html", checks::render_html);
}
