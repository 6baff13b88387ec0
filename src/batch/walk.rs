//! Which files to clean, and where each one's output goes.
//!
//! A directory is walked recursively, following symbolic links (a link back to an
//! ancestor is reported once and skipped, so loops end). Hidden files and directories
//! are skipped, and so is the output directory when it lies inside the input. Files
//! named on their own are always taken.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::stats::Failure;
use crate::error::{Error, Result};

/// One input file and the path of its output under the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Job {
    pub input: PathBuf,
    pub relative: PathBuf,
    pub size: u64,
}

/// Builds the matcher of `--glob` patterns; none means every file.
pub(crate) fn globs(patterns: &[String]) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| Error::Invalid(format!("--glob '{p}': {e}")))?;
        b.add(glob);
        // `*.txt` should also match at the top, where there is no directory: it does
        // already, `*` crossing `/`; `dir/**` needs nothing either.
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::Invalid(format!("--glob: {e}")))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with('.') && n != "." && n != "..")
}

/// What walking found: the jobs, the inputs that could not be read, and notes such as
/// skipped symbolic-link loops.
#[derive(Default)]
pub(crate) struct Found {
    pub jobs: Vec<Job>,
    pub failures: Vec<Failure>,
    pub warnings: Vec<(PathBuf, String)>,
}

/// Lists the files of `inputs` (files or directories) to write under `out_dir`.
pub(crate) fn collect(
    inputs: &[PathBuf],
    out_dir: Option<&Path>,
    globs: Option<&GlobSet>,
) -> Found {
    let mut found = Found::default();
    let out_canon = out_dir.and_then(|d| d.canonicalize().ok());
    let mut taken: HashSet<PathBuf> = HashSet::new();
    let mut add = |found: &mut Found, job: Job| {
        if taken.insert(job.relative.clone()) {
            found.jobs.push(job);
        } else {
            found.failures.push(Failure {
                path: job.input.clone(),
                error: format!(
                    "another input is also written to {}; skipped",
                    job.relative.display()
                ),
            });
        }
    };
    for input in inputs {
        let meta = match std::fs::metadata(input) {
            Ok(m) => m,
            Err(e) => {
                found.failures.push(Failure {
                    path: input.clone(),
                    error: Error::io(input, e).to_string(),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            let Some(name) = input.file_name() else {
                found.failures.push(Failure {
                    path: input.clone(),
                    error: "not a file name".into(),
                });
                continue;
            };
            add(
                &mut found,
                Job {
                    input: input.clone(),
                    relative: PathBuf::from(name),
                    size: meta.len(),
                },
            );
            continue;
        }
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if is_hidden(e.file_name()) {
                    return false;
                }
                if e.file_type().is_dir() {
                    if let Some(out) = &out_canon {
                        if e.path().canonicalize().ok().as_ref() == Some(out) {
                            return false;
                        }
                    }
                }
                true
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(input).to_path_buf();
                    if let Some(ancestor) = e.loop_ancestor() {
                        found.warnings.push((
                            path,
                            format!("symbolic link loop back to {}; skipped", ancestor.display()),
                        ));
                    } else {
                        let error = match e.into_io_error() {
                            Some(io) => io.to_string(),
                            None => "cannot be read".to_string(),
                        };
                        found.failures.push(Failure { path, error });
                    }
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(input)
                .expect("walked paths are under the root")
                .to_path_buf();
            if let Some(g) = globs {
                if !g.is_match(&relative) {
                    continue;
                }
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            add(
                &mut found,
                Job {
                    input: entry.into_path(),
                    relative,
                    size,
                },
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn rel(found: &Found) -> Vec<String> {
        found
            .jobs
            .iter()
            .map(|j| j.relative.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn walks_skipping_hidden_and_output() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            "a.txt",
            "sub/b.jsonl",
            "sub/deep/c.txt.gz",
            ".hidden/x.txt",
            "sub/.y.txt",
            "out/old.txt",
        ] {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let out = root.join("out");
        let found = collect(&[root.to_path_buf()], Some(&out), None);
        assert_eq!(rel(&found), ["a.txt", "sub/b.jsonl", "sub/deep/c.txt.gz"]);
        assert!(found.failures.is_empty());

        let g = globs(&["*.txt".into(), "**/*.gz".into()]).unwrap();
        let found = collect(&[root.to_path_buf()], Some(&out), g.as_ref());
        assert_eq!(rel(&found), ["a.txt", "sub/deep/c.txt.gz"]);
        assert!(globs(&["[".into()]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("a/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
        let found = collect(&[root.to_path_buf()], None, None);
        assert_eq!(rel(&found), ["a/f.txt"]);
        assert_eq!(found.warnings.len(), 1);
    }

    #[test]
    fn clashing_outputs_fail() {
        let d = tempfile::tempdir().unwrap();
        for f in ["x/same.txt", "y/same.txt"] {
            let p = d.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let found = collect(
            &[d.path().join("x/same.txt"), d.path().join("y/same.txt")],
            None,
            None,
        );
        assert_eq!(found.jobs.len(), 1);
        assert_eq!(found.failures.len(), 1);
        let missing = collect(&[d.path().join("nope")], None, None);
        assert!(missing.failures[0].error.contains("nope"));
    }
}
