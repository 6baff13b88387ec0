//! The `dechaff` command, run as a user runs it.
//!
//! Every run goes through [`Cmd::run`], which fails the test when the command panics or
//! outlives its deadline. Behaviour that depends on the model is checked against the
//! command's own other outputs (`--annotate` is the oracle for `--keep`, `--json` for
//! `--threshold`), not against a particular model's judgement.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use dechaff::model::{file, Model};
use tempfile::TempDir;

const LABELS: [&str; 4] = ["content", "navigation", "advertisement", "bio"];

/// A page with every kind of line, blank-line blocks, and a last line without ending.
const PAGE: &str = "\
Home | World | Business | Sport | Culture
Search

Council backs four new bus routes for the northern suburbs
By Natasha Kumar
Updated 12:30, 18 July 2024

The council voted on Tuesday to expand the city's bus network, adding four routes that \
will serve the northern suburbs from March, after a year of consultation with residents.

Officials said the plan would cost less than expected, because the buses are already \
owned by the city and only new drivers need to be hired and trained before the spring.

\"This is the biggest change to the network in a generation,\" the transport chair said.

Advertisement
Subscribe to our newsletter for $1 a week

Related stories
Rail strike called off after late talks
Share this article
© 2024 The City Paper. All rights reserved.";

fn dechaff<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Cmd {
    let mut inner = Command::new(env!("CARGO_BIN_EXE_dechaff"));
    inner.args(args).env_remove("NO_COLOR");
    Cmd {
        inner,
        stdin: Vec::new(),
        close_stdout: false,
    }
}

struct Cmd {
    inner: Command,
    stdin: Vec<u8>,
    close_stdout: bool,
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Long enough for the slowest run (training) in the test profile on a busy machine.
const DEADLINE: Duration = Duration::from_secs(300);

impl Cmd {
    fn arg(mut self, a: impl AsRef<OsStr>) -> Cmd {
        self.inner.arg(a);
        self
    }

    fn args_of<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cmd {
        self.inner.args(args);
        self
    }

    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = bytes.into();
        self
    }

    fn current_dir(mut self, dir: &Path) -> Cmd {
        self.inner.current_dir(dir);
        self
    }

    fn env(mut self, key: &str, value: &str) -> Cmd {
        self.inner.env(key, value);
        self
    }

    /// Closes the reading end of standard output before the command writes to it, as
    /// `| head` does once it has read enough.
    fn closing_stdout(mut self) -> Cmd {
        self.close_stdout = true;
        self
    }

    /// Runs to completion within [`DEADLINE`], feeding standard input from a thread so
    /// that large inputs and outputs cannot deadlock; fails on a panic.
    fn run(self) -> Run {
        self.run_within(DEADLINE)
    }

    fn run_within(mut self, deadline: Duration) -> Run {
        let mut child = self
            .inner
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dechaff starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = std::mem::take(&mut self.stdin);
        let feeder = thread::spawn(move || {
            // The command may rightly stop reading early (a usage error): ignore EPIPE.
            let _ = stdin.write_all(&input);
        });
        let mut stdout_pipe = child.stdout.take().expect("stdout");
        let stdout = if self.close_stdout {
            drop(stdout_pipe);
            thread::spawn(Vec::new)
        } else {
            thread::spawn(move || {
                let mut v = Vec::new();
                stdout_pipe.read_to_end(&mut v).expect("read stdout");
                v
            })
        };
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = thread::spawn(move || {
            let mut v = Vec::new();
            stderr_pipe.read_to_end(&mut v).expect("read stderr");
            v
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if start.elapsed() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("dechaff ran longer than {deadline:?}: {:?}", self.inner);
            }
            thread::sleep(Duration::from_millis(5));
        };
        feeder.join().expect("stdin feeder");
        let run = Run {
            code: status.code(),
            stdout: String::from_utf8(stdout.join().expect("stdout reader"))
                .expect("output is UTF-8"),
            stderr: String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked") && run.code != Some(101),
            "dechaff panicked: {run:?}"
        );
        run
    }
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success: {self:?}");
        self
    }

    #[track_caller]
    fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit status {code}: {self:?}"
        );
        self
    }

    #[track_caller]
    fn stderr_has(self, parts: &[&str]) -> Run {
        for p in parts {
            assert!(
                self.stderr.contains(p),
                "stderr lacks {p:?}: {}",
                self.stderr
            );
        }
        self
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The non-blank lines of a text, trimmed of their endings.
fn non_blank(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Whether `part` is `whole` with some elements left out.
fn is_subsequence(part: &[&str], whole: &[&str]) -> bool {
    let mut it = whole.iter();
    part.iter().all(|p| it.any(|w| w == p))
}

/// `(label, text)` of each non-blank line of `--annotate` output, checking the format.
fn annotations(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (label, text) = l.split_once('\t').expect("LABEL<TAB>line");
            assert!(LABELS.contains(&label), "unknown label in {l:?}");
            (label.to_string(), text.to_string())
        })
        .collect()
}

fn annotate(text: &str) -> Vec<(String, String)> {
    annotations(
        &dechaff(["clean", "--annotate"])
            .stdin(text)
            .run()
            .ok()
            .stdout,
    )
}

// ---------------------------------------------------------------------------------------
// clean: inputs

#[test]
fn clean_keeps_lines_of_the_input_in_order() {
    let r = dechaff(["clean"]).stdin(PAGE).run().ok();
    assert_eq!(r.stderr, "");
    assert!(r.stdout.ends_with('\n'));
    assert!(!r.stdout.contains("\n\n\n"), "blank runs are folded");
    assert!(is_subsequence(&non_blank(&r.stdout), &non_blank(PAGE)));
    // What is kept is what the annotations call content.
    let content: Vec<String> = annotate(PAGE)
        .into_iter()
        .filter(|(l, _)| l == "content")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(non_blank(&r.stdout), content);
}

#[test]
fn stdin_dash_and_a_file_give_the_same_output() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.txt", PAGE);
    let from_file = dechaff(["clean"]).arg(&page).run().ok().stdout;
    let from_stdin = dechaff(["clean"]).stdin(PAGE).run().ok().stdout;
    let from_dash = dechaff(["clean", "-"]).stdin(PAGE).run().ok().stdout;
    assert_eq!(from_file, from_stdin);
    assert_eq!(from_file, from_dash);
    // `-` among files reads standard input there.
    let mixed = dechaff(["clean", "--annotate"])
        .arg(&page)
        .arg("-")
        .stdin("Menu\n")
        .run()
        .ok()
        .stdout;
    let alone = dechaff(["clean", "--annotate"])
        .arg(&page)
        .run()
        .ok()
        .stdout;
    assert!(mixed.starts_with(&alone));
    assert_eq!(annotations(&mixed[alone.len()..]).len(), 1);
}

#[test]
fn several_files_are_cleaned_in_order_each_ending_its_last_line() {
    let dir = TempDir::new().unwrap();
    // No line ending at the end of the first file: its last line must not run into the
    // second file's first line.
    let a = write(dir.path(), "a.txt", PAGE);
    let b = write(dir.path(), "b.txt", format!("{PAGE}\n"));
    let all = "--keep=content,navigation,advertisement,bio";
    let one = dechaff(["clean", all]).arg(&a).run().ok().stdout;
    let two = dechaff(["clean", all]).arg(&b).run().ok().stdout;
    assert!(one.ends_with('\n'));
    let both = dechaff(["clean", all]).arg(&a).arg(&b).run().ok().stdout;
    assert_eq!(both, format!("{one}\n{two}"));
    assert_eq!(non_blank(&both).len(), 2 * non_blank(PAGE).len());
}

#[test]
fn empty_and_blank_inputs_give_empty_output() {
    let dir = TempDir::new().unwrap();
    let empty = write(dir.path(), "empty.txt", "");
    let blank = write(dir.path(), "blank.txt", "\n  \n\t\r\n");
    for mode in [None, Some("--annotate"), Some("--json")] {
        let cmd = || {
            let c = dechaff(["clean"]);
            match mode {
                Some(m) => c.arg(m),
                None => c,
            }
        };
        let r = cmd().arg(&empty).run().ok();
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""), "{mode:?}");
        let r = cmd().stdin("").run().ok();
        assert_eq!(r.stdout, "", "{mode:?}");
        let r = cmd().arg(&blank).run().ok();
        let want = if mode == Some("--annotate") {
            "\n\n\r\n"
        } else {
            ""
        };
        assert_eq!(r.stdout, want, "{mode:?}");
    }
}

#[test]
fn missing_and_unreadable_paths_are_named() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no-such-page.txt");
    let r = dechaff(["clean"])
        .arg(&missing)
        .run()
        .fails(1)
        .stderr_has(&[&missing.display().to_string(), "No such file"]);
    assert_eq!(r.stdout, "");
    // A directory is cleaned into another one (batch mode): without -o it is a usage
    // error that says so.
    dechaff(["clean"])
        .arg(dir.path())
        .run()
        .fails(2)
        .stderr_has(&[&dir.path().display().to_string(), "directory", "-o"]);
}

#[test]
fn binary_files_are_refused_by_name() {
    let dir = TempDir::new().unwrap();
    let bin = write(dir.path(), "image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let r = dechaff(["clean"])
        .arg(&bin)
        .run()
        .fails(1)
        .stderr_has(&[&bin.display().to_string(), "binary"]);
    assert_eq!(r.stdout, "");
    // So is binary standard input, and UTF-16 text, with a hint.
    dechaff(["clean"])
        .stdin(b"a\0b".to_vec())
        .run()
        .fails(1)
        .stderr_has(&["<stdin>", "binary"]);
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("Hello".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let wide = write(dir.path(), "wide.txt", utf16);
    dechaff(["clean"]).arg(&wide).run().fails(1).stderr_has(&[
        &wide.display().to_string(),
        "UTF-16",
        "iconv",
    ]);
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning_naming_the_file() {
    let dir = TempDir::new().unwrap();
    let latin1 = write(
        dir.path(),
        "latin1.txt",
        b"Caf\xe9 owners in the old town say the new bus routes will bring more trade.\n",
    );
    let r = dechaff(["clean", "--annotate"])
        .arg(&latin1)
        .run()
        .ok()
        .stderr_has(&["warning", &latin1.display().to_string(), "UTF-8"]);
    assert!(r.stdout.contains("Caf\u{fffd} owners"), "{}", r.stdout);
    // --quiet drops the warning, not the output.
    let q = dechaff(["clean", "--annotate", "--quiet"])
        .arg(&latin1)
        .run()
        .ok();
    assert_eq!(q.stderr, "");
    assert_eq!(q.stdout, r.stdout);
}

#[test]
fn a_bad_input_does_not_stop_the_others() {
    let dir = TempDir::new().unwrap();
    let good = write(dir.path(), "good.txt", PAGE);
    let missing = dir.path().join("missing.txt");
    let bin = write(dir.path(), "blob.bin", b"\0\x01\x02");
    let latin1 = write(dir.path(), "latin1.txt", b"na\xefve\n");
    let empty = write(dir.path(), "empty.txt", "");
    let alone = dechaff(["clean", "--annotate"])
        .arg(&good)
        .run()
        .ok()
        .stdout;
    let r = dechaff(["clean", "--annotate"])
        .arg(&good)
        .arg(&missing)
        .arg(&bin)
        .arg(&latin1)
        .arg(&empty)
        .arg(&good)
        .run()
        .fails(1);
    for bad in [&missing, &bin, &latin1] {
        let line = r
            .stderr
            .lines()
            .find(|l| l.contains(&*bad.display().to_string()))
            .unwrap_or_else(|| panic!("{} not named: {}", bad.display(), r.stderr));
        assert!(line.starts_with("dechaff: "), "{line}");
    }
    assert_eq!(r.stderr.lines().count(), 3, "{}", r.stderr);
    let latin1_alone = dechaff(["clean", "--annotate", "-q"])
        .arg(&latin1)
        .run()
        .ok()
        .stdout;
    assert!(latin1_alone.ends_with("\tna\u{fffd}ve\n"));
    assert_eq!(r.stdout, format!("{alone}{latin1_alone}{alone}"));
    // --quiet silences the warning, not the errors.
    let q = dechaff(["clean", "-q"])
        .arg(&latin1)
        .arg(&missing)
        .run()
        .fails(1);
    assert_eq!(q.stderr.lines().count(), 1, "{}", q.stderr);
    assert!(q.stderr.contains("missing.txt"));
}

#[test]
fn a_huge_single_line_is_handled_in_linear_time() {
    // 4 MB in one line, with the cues, links, URLs and shapes that the features look
    // for: anything quadratic in the line's length would take hours here.
    let unit = "Advertisement By Natasha Kumar [Home](https://example.com/) \
                https://example.com/a?b=c © 2024 12:30 +1 (555) 123-4567 Share this \
                — the council voted, again, on the “routes”… 北朝鮮 ";
    let line = unit.repeat(4_000_000 / unit.len());
    let r = dechaff(["clean", "--keep", "content,navigation,advertisement,bio"])
        .stdin(line.clone())
        .run_within(Duration::from_secs(120))
        .ok();
    assert_eq!(r.stdout.len(), line.len() + 1);
    assert!(r.stdout == format!("{line}\n"));
}

#[test]
fn a_huge_line_of_cues_after_white_space_is_handled_in_linear_time() {
    // Leading white space then 70,000 cue phrases: looking back to the start of the line
    // for each phrase would take minutes.
    let line = format!(
        "{}{}",
        " ".repeat(1_000_000),
        "Advertisement ".repeat(70_000)
    );
    let r = dechaff(["clean", "--annotate"])
        .stdin(line.clone())
        .run_within(Duration::from_secs(60))
        .ok();
    let (label, text) = r.stdout.split_once('\t').expect("LABEL<TAB>line");
    assert!(LABELS.contains(&label));
    assert!(text == format!("{line}\n"));
}

// ---------------------------------------------------------------------------------------
// clean: flags

#[test]
fn keep_selects_the_lines_annotated_with_those_labels() {
    let labelled = annotate(PAGE);
    for keep in [
        "content",
        "navigation",
        "advertisement",
        "bio",
        "content,bio",
        "nav,ad",
        "content,navigation,advertisement,bio",
    ] {
        let wanted: Vec<dechaff::Label> = keep.split(',').map(|l| l.parse().unwrap()).collect();
        let want: Vec<&str> = labelled
            .iter()
            .filter(|(l, _)| wanted.iter().any(|w| w.name() == l))
            .map(|(_, t)| t.as_str())
            .collect();
        let r = dechaff(["clean", "--keep", keep]).stdin(PAGE).run().ok();
        assert_eq!(non_blank(&r.stdout), want, "--keep {keep}");
    }
    let all = dechaff(["clean", "--keep=content,navigation,advertisement,bio"])
        .stdin(PAGE)
        .run()
        .ok();
    assert_eq!(non_blank(&all.stdout), non_blank(PAGE));
}

#[test]
fn keep_refuses_unknown_or_no_labels() {
    dechaff(["clean", "--keep", "content,spam"])
        .stdin(PAGE)
        .run()
        .fails(2)
        .stderr_has(&[
            "--keep",
            "spam",
            "content, navigation, advertisement or bio",
        ]);
    dechaff(["clean", "--keep", ","])
        .stdin(PAGE)
        .run()
        .fails(2)
        .stderr_has(&["--keep", "no label"]);
}

#[test]
fn threshold_keeps_lines_whose_kept_labels_are_likely_enough() {
    let json = dechaff(["clean", "--json"]).stdin(PAGE).run().ok().stdout;
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let prob = |v: &serde_json::Value, l: &str| v["probs"][l].as_f64().unwrap();
    for (keep, t) in [("content", 0.5), ("content", 0.2), ("content,bio", 0.7)] {
        let out = dechaff(["clean", "--keep", keep, "--threshold", &t.to_string()])
            .stdin(PAGE)
            .run()
            .ok()
            .stdout;
        let kept = non_blank(&out);
        for v in &lines {
            let p: f64 = keep.split(',').map(|l| prob(v, l)).sum();
            if (p - t).abs() < 1e-3 {
                continue; // rounded away in the JSON
            }
            let text = v["text"].as_str().unwrap();
            assert_eq!(kept.contains(&text), p >= t, "{keep} at {t}: {p} {text:?}");
        }
    }
    // 0 keeps every line; a stricter threshold never keeps more.
    let zero = dechaff(["clean", "--threshold", "0"])
        .stdin(PAGE)
        .run()
        .ok();
    assert_eq!(non_blank(&zero.stdout), non_blank(PAGE));
    let mut previous = non_blank(PAGE).len();
    for t in ["0.1", "0.3", "0.6", "0.9", "1"] {
        let out = dechaff(["clean", "--threshold", t])
            .stdin(PAGE)
            .run()
            .ok()
            .stdout;
        let n = non_blank(&out).len();
        assert!(n <= previous, "threshold {t} kept more lines");
        previous = n;
    }
}

#[test]
fn threshold_out_of_range_is_a_usage_error() {
    for bad in ["1.5", "-0.1", "NaN", "inf", "half", ""] {
        let r = dechaff(["clean", "--threshold", bad])
            .stdin(PAGE)
            .run()
            .fails(2)
            .stderr_has(&["--threshold"]);
        assert_eq!(r.stdout, "", "{bad}");
    }
}

#[test]
fn annotate_writes_one_labelled_line_per_input_line() {
    let text = format!("{PAGE}\n\n   \nTabs\tinside\r\nA CRLF line\r\n\n\tIndented last line");
    let out = dechaff(["clean", "--annotate"])
        .stdin(text.clone())
        .run()
        .ok()
        .stdout;
    let input: Vec<&str> = text.lines().collect();
    let output: Vec<&str> = out.lines().collect();
    assert_eq!(output.len(), input.len(), "{out}");
    assert!(out.ends_with('\n'));
    for (i, o) in input.iter().zip(&output) {
        if i.trim().is_empty() {
            assert_eq!(*o, "", "blank line {i:?}");
        } else {
            let (label, line) = o.split_once('\t').expect("LABEL<TAB>line");
            assert!(LABELS.contains(&label), "{o:?}");
            assert_eq!(line, *i);
        }
    }
    // Line endings are the input's.
    assert!(out.contains("\tA CRLF line\r\n"));
}

#[test]
fn annotate_and_json_refuse_flags_they_ignore() {
    for args in [
        ["--annotate", "--json"],
        ["--annotate", "--keep=bio"],
        ["--annotate", "--threshold=0.5"],
        ["--json", "--keep=bio"],
        ["--json", "--threshold=0.5"],
    ] {
        dechaff(["clean"])
            .arg(args[0])
            .arg(args[1])
            .stdin(PAGE)
            .run()
            .fails(2)
            .stderr_has(&["cannot be used with"]);
    }
}

#[test]
fn json_describes_every_non_blank_line() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.txt", PAGE);
    let labelled = annotate(PAGE);
    let input: Vec<&str> = PAGE.lines().collect();
    for (stdin, file) in [(false, page.display().to_string()), (true, "-".to_string())] {
        let cmd = dechaff(["clean", "--json"]);
        let r = if stdin {
            cmd.stdin(PAGE).run().ok()
        } else {
            cmd.arg(&page).run().ok()
        };
        let objs: Vec<serde_json::Value> = r
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect();
        assert_eq!(objs.len(), labelled.len());
        for (v, (label, text)) in objs.iter().zip(&labelled) {
            assert_eq!(v["file"], file.as_str());
            assert_eq!(v["label"], label.as_str());
            assert_eq!(v["text"], text.as_str());
            let line = v["line"].as_u64().unwrap() as usize;
            assert_eq!(input[line - 1], text, "line numbers count from 1");
            let probs = v["probs"].as_object().unwrap();
            assert_eq!(probs.len(), 4);
            let sum: f64 = LABELS.iter().map(|l| probs[*l].as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-3, "{v}");
        }
    }
}

#[test]
fn model_flag_loads_a_model_file() {
    let dir = TempDir::new().unwrap();
    let copy = dir.path().join("copy.bin");
    std::fs::copy(manifest_dir().join("models/default.bin"), &copy).unwrap();
    let embedded = dechaff(["clean", "--annotate"])
        .stdin(PAGE)
        .run()
        .ok()
        .stdout;
    let loaded = dechaff(["clean", "--annotate", "--model"])
        .arg(&copy)
        .stdin(PAGE)
        .run()
        .ok()
        .stdout;
    assert_eq!(loaded, embedded);
    // A model that labels everything bio, written by the library.
    let bio = dir.path().join("bio.bin");
    std::fs::write(&bio, file::to_bytes(&model_of_one_label(3))).unwrap();
    let out = dechaff(["clean", "--annotate", "--model"])
        .arg(&bio)
        .stdin(PAGE)
        .run()
        .ok()
        .stdout;
    let labels = annotations(&out);
    assert_eq!(labels.len(), non_blank(PAGE).len());
    assert!(labels.iter().all(|(l, _)| l == "bio"), "{out}");
    let missing = dir.path().join("missing.bin");
    dechaff(["clean", "--model"])
        .arg(&missing)
        .stdin(PAGE)
        .run()
        .fails(1)
        .stderr_has(&[&missing.display().to_string(), "No such file"]);
}

/// An untrained model whose only weight makes every line label `k`.
fn model_of_one_label(k: usize) -> Model {
    let mut m = Model::zeros();
    let bias = dechaff::features::dense_names()
        .iter()
        .position(|n| n == "bias")
        .expect("a bias feature");
    m.stage2.dense[bias * 4 + k] = 5.0;
    m
}

// ---------------------------------------------------------------------------------------
// models

#[test]
fn embedded_model_cleans_a_sample() {
    let samples = manifest_dir().join("samples");
    let sample = std::fs::read_dir(&samples)
        .expect("samples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("000_") && name.ends_with(".txt")
        })
        .min()
        .expect("samples/000_*.txt exists");
    let text = std::fs::read_to_string(&sample).unwrap();
    let r = dechaff(["clean"]).arg(&sample).run().ok();
    assert_eq!(r.stderr, "");
    let kept = non_blank(&r.stdout);
    assert!(!kept.is_empty(), "nothing kept of {}", sample.display());
    assert!(is_subsequence(&kept, &non_blank(&text)));
    let labelled = annotations(
        &dechaff(["clean", "--annotate"])
            .arg(&sample)
            .run()
            .ok()
            .stdout,
    );
    assert_eq!(labelled.len(), non_blank(&text).len());
    assert!(labelled.iter().any(|(l, _)| l == "content"));
}

/// A copy of the embedded model, damaged by `damage`, and what `clean --model` says.
fn with_damaged_model(damage: impl FnOnce(&mut Vec<u8>)) -> Run {
    let dir = TempDir::new().unwrap();
    let mut bytes = std::fs::read(manifest_dir().join("models/default.bin")).unwrap();
    damage(&mut bytes);
    let path = write(dir.path(), "damaged.bin", &bytes);
    let r = dechaff(["clean", "--model"])
        .arg(&path)
        .stdin(PAGE)
        .run()
        .fails(1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with(&format!("dechaff: {}: ", path.display())),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    r
}

/// Header fields of a model file (see src/model/file.rs).
const VERSION_AT: usize = 8;
const FINGERPRINT_AT: usize = 12;
const PAYLOAD_AT: usize = 36;

#[test]
fn a_damaged_model_file_is_refused_saying_how() {
    with_damaged_model(|b| {
        let mid = PAYLOAD_AT + (b.len() - PAYLOAD_AT) / 2;
        b[mid] ^= 0x55;
    })
    .stderr_has(&["corrupt", "checksum"]);
    with_damaged_model(|b| b.truncate(b.len() / 2)).stderr_has(&["truncated"]);
    with_damaged_model(|b| b.truncate(1000)).stderr_has(&["truncated"]);
    with_damaged_model(|b| b.truncate(20)).stderr_has(&["truncated"]);
    with_damaged_model(|b| b.clear()).stderr_has(&["truncated"]);
    with_damaged_model(|b| b[VERSION_AT] = b[VERSION_AT].wrapping_add(1))
        .stderr_has(&["format version", "retrain"]);
    with_damaged_model(|b| b[FINGERPRINT_AT] ^= 1).stderr_has(&["feature set", "retrain"]);
    with_damaged_model(|b| b[..4].copy_from_slice(b"PK\x03\x04"))
        .stderr_has(&["not a dechaff model file"]);
    with_damaged_model(|b| *b = PAGE.as_bytes().repeat(100)).stderr_has(&["not a dechaff model"]);
    with_damaged_model(|b| b.push(0)).stderr_has(&["corrupt", "trailing"]);
}

#[test]
fn a_model_with_a_valid_checksum_but_bad_weights_is_refused() {
    let dir = TempDir::new().unwrap();
    let mut m = Model::zeros();
    m.stage2.dense[0] = f32::NAN;
    let path = write(dir.path(), "nan.bin", file::to_bytes(&m));
    dechaff(["clean", "--model"])
        .arg(&path)
        .stdin(PAGE)
        .run()
        .fails(1)
        .stderr_has(&[&path.display().to_string(), "corrupt", "non-finite"]);
}

#[test]
fn every_subcommand_refuses_a_bad_model() {
    let dir = TempDir::new().unwrap();
    let bad = write(dir.path(), "bad.bin", "not a model at all");
    let data = write(dir.path(), "data.jsonl", labelled_data());
    for sub in [
        dechaff(["clean", "--model"]).arg(&bad).stdin(PAGE),
        dechaff(["explain", "--model"]).arg(&bad).stdin(PAGE),
        dechaff(["eval", "--model"])
            .arg(&bad)
            .arg("--data")
            .arg(&data),
    ] {
        let r = sub
            .run()
            .fails(1)
            .stderr_has(&["bad.bin", "not a dechaff model"]);
        assert_eq!(r.stdout, "");
    }
    dechaff(["clean", "--model"])
        .arg(dir.path())
        .stdin(PAGE)
        .run()
        .fails(1)
        .stderr_has(&[&dir.path().display().to_string(), "directory"]);
}

// ---------------------------------------------------------------------------------------
// train and eval

/// Labelled documents in the format of the project's data: three in `train`, one in
/// `dev`, every non-blank line labelled.
fn labelled_data() -> String {
    let doc = |id: &str, split: &str, topic: &str| {
        let lines = [
            ("Home | News | Sport | Weather", Some("navigation")),
            ("", None),
            (&*format!("Council backs plan for {topic}"), Some("content")),
            (&*format!("By Reporter {id}"), Some("bio")),
            ("", None),
            (
                &*format!(
                    "The council voted on Tuesday to go ahead with the plan for {topic}, \
                     which officials said would be finished within two years."
                ),
                Some("content"),
            ),
            (
                "Residents who spoke at the meeting said they welcomed the decision, \
                 though some asked for more money to be set aside for repairs.",
                Some("content"),
            ),
            ("", None),
            ("Advertisement", Some("advertisement")),
            ("Subscribe to our newsletter", Some("advertisement")),
            ("", None),
            ("Share this article", Some("navigation")),
            ("© 2024 The Paper", Some("navigation")),
        ];
        let lines: Vec<_> = lines
            .iter()
            .map(|(text, label)| serde_json::json!({"text": text, "label": label}))
            .collect();
        serde_json::json!({"id": id, "source": "test", "split": split, "lines": lines}).to_string()
    };
    [
        doc("a", "train", "new bus routes"),
        doc("b", "train", "a library"),
        doc("c", "train", "cycle lanes"),
        doc("d", "dev", "a park"),
    ]
    .join("\n")
        + "\n"
}

/// Labelled non-blank lines per document of [`labelled_data`].
const LABELLED_PER_DOC: u64 = 9;

fn train(dir: &Path, data: &Path, out: &str, seed: &str) -> Vec<u8> {
    let r = dechaff([
        "train", "--quiet", "--epochs", "2", "--seed", seed, "--data",
    ])
    .arg(data)
    .arg("--out")
    .arg(dir.join(out))
    .run()
    .ok();
    assert_eq!(r.stderr, "", "--quiet prints nothing");
    std::fs::read(dir.join(out)).unwrap()
}

#[test]
fn train_is_deterministic_and_its_model_is_used() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    let a = train(dir.path(), &data, "a.bin", "7");
    let b = train(dir.path(), &data, "b.bin", "7");
    assert!(a == b, "the same seed gave different models");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["a.bin", "b.bin", "data.jsonl"],
        "no temporary file left"
    );
    let c = train(dir.path(), &data, "c.bin", "8");
    assert!(a != c, "the seed changed nothing");
    // The model loads and labels a document; what it learnt is scored in the eval test.
    let doc = "Home | News | Sport | Weather\n\nAdvertisement\nShare this article\n";
    let out = dechaff(["clean", "--annotate", "--model"])
        .arg(dir.path().join("a.bin"))
        .stdin(doc)
        .run()
        .ok()
        .stdout;
    assert_eq!(out.lines().count(), 4);
    assert_eq!(annotations(&out).len(), 3);
    // Progress goes to standard error without --quiet.
    dechaff(["train", "--epochs", "1", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("d.bin"))
        .run()
        .ok()
        .stderr_has(&["dechaff train: ", "wrote"]);
}

#[test]
fn eval_reports_scores_and_the_confusion_matrix() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    train(dir.path(), &data, "m.bin", "1");
    let record = dir.path().join("record.json");
    let r = dechaff(["eval", "--split", "train", "--model"])
        .arg(dir.path().join("m.bin"))
        .arg("--data")
        .arg(&data)
        .arg("--record")
        .arg(&record)
        .run()
        .ok();
    let out = &r.stdout;
    let labelled = 3 * LABELLED_PER_DOC;
    let title = format!("== pooled over all sources scored ({labelled} lines)");
    let report = &out[out.find(&title).unwrap_or_else(|| panic!("{out}"))..];
    for word in ["precision", "recall", "f1", "macro-F1", "confusion"] {
        assert!(report.contains(word), "no {word}: {report}");
    }
    // A row per label in the scores, then in the confusion matrix, which counts every
    // labelled line once.
    let matrix = &report[report.find("confusion").unwrap()..];
    let mut total = 0;
    for label in LABELS {
        assert!(report.lines().any(|l| l.starts_with(label)), "{label}");
        let row = matrix
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no confusion row for {label}: {matrix}"));
        let counts: Vec<u64> = row[label.len()..]
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(counts.len(), 4, "{row}");
        total += counts.iter().sum::<u64>();
    }
    assert_eq!(total, labelled);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(rec["split"], "train");
    assert!(rec["content_f1"].as_f64().unwrap() > 0.5, "{rec}");
    // The dev split by default; --check passes against its own record.
    let r = dechaff(["eval", "--model"])
        .arg(dir.path().join("m.bin"))
        .arg("--data")
        .arg(&data)
        .run()
        .ok();
    assert!(
        r.stdout.contains(&format!("({LABELLED_PER_DOC} lines)")),
        "{}",
        r.stdout
    );
    let r = dechaff(["eval", "--split", "train", "--model"])
        .arg(dir.path().join("m.bin"))
        .arg("--data")
        .arg(&data)
        .arg("--check")
        .arg(&record)
        .run()
        .ok();
    assert!(r.stdout.contains("quality check") && r.stdout.contains(": ok"));
}

#[test]
fn eval_gives_the_spread_over_documents_and_compares_with_a_baseline() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    train(dir.path(), &data, "m.bin", "1");
    let eval = |baseline: Option<&Path>| {
        let mut cmd = dechaff(["eval", "--split", "train", "--model"])
            .arg(dir.path().join("m.bin"))
            .arg("--data")
            .arg(&data);
        if let Some(b) = baseline {
            cmd = cmd.arg("--baseline").arg(b);
        }
        cmd.run().ok().stdout
    };
    let out = eval(None);
    assert!(
        out.contains("over 3 documents of the training sources"),
        "{out}"
    );
    assert!(out.contains("content F1 ") && out.contains(" to "), "{out}");
    // Against itself: no difference in any resampling.
    let out = eval(Some(&dir.path().join("m.bin")));
    assert!(
        out.contains("difference +0.0000, +0.0000 to +0.0000"),
        "{out}"
    );
    // Against a model that finds no content: the whole of the model's content F1.
    let nav = dir.path().join("nav.bin");
    std::fs::write(&nav, file::to_bytes(&model_of_one_label(1))).unwrap();
    let out = eval(Some(&nav));
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("content F1"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("vs 0.0000: difference +"), "{line}");
    // A baseline that cannot be read is named, before any scoring.
    dechaff(["eval", "--data"])
        .arg(&data)
        .arg("--baseline")
        .arg(dir.path().join("absent.bin"))
        .run()
        .fails(1)
        .stderr_has(&["absent.bin"]);
}

#[test]
fn eval_scores_pages_by_their_shingles() {
    let dir = TempDir::new().unwrap();
    // Readability's pages are articles.
    let data = labelled_data().replace(r#""source":"test""#, r#""source":"readability""#);
    let data = write(dir.path(), "data.jsonl", &data);
    let eval = |label: usize| {
        let model = dir.path().join(format!("{label}.bin"));
        std::fs::write(&model, file::to_bytes(&model_of_one_label(label))).unwrap();
        let record = dir.path().join(format!("{label}.json"));
        let out = dechaff(["eval", "--split", "train", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--record")
            .arg(&record)
            .run()
            .ok()
            .stdout;
        let pages = &out[out.find("page metric").unwrap_or_else(|| panic!("{out}"))..];
        let row = |name: &str| -> Vec<f64> {
            let line = pages
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no row {name}: {out}"));
            line[name.len()..]
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect()
        };
        let rec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
        (row("articles "), row("readability "), rec)
    };
    // Keeping every line keeps the chrome too, and the byline between the headline and
    // the body, so the 3 gold shingles that run from the headline into the body are not
    // found. Page a: 54 content words (51 shingles), 72 in all (69); pages b and c: 52
    // and 70 (49 and 67). Precision 48/69, 46/67, 46/67; recall 48/51, 46/49, 46/49.
    let (articles, source, rec) = eval(0);
    assert_eq!(articles, source);
    assert_eq!(articles[0], 3.0, "three pages");
    let p = (48.0 / 69.0 + 2.0 * 46.0 / 67.0) / 3.0;
    let r = (48.0 / 51.0 + 2.0 * 46.0 / 49.0) / 3.0;
    assert!((articles[1] - p).abs() < 0.0005, "{articles:?} {p}");
    assert!((articles[2] - r).abs() < 0.0005, "{articles:?} {r}");
    let f1 = 2.0 * p * r / (p + r);
    assert!((rec["articles_page_f1"].as_f64().unwrap() - f1).abs() < 1e-9);
    // Keeping nothing finds nothing.
    let (articles, _, rec) = eval(1);
    assert_eq!(articles, [3.0, 0.0, 0.0, 0.0]);
    assert_eq!(rec["articles_page_f1"], 0.0);
    // The check guards the articles' figure too.
    let r = dechaff(["eval", "--split", "train", "--model"])
        .arg(dir.path().join("1.bin"))
        .arg("--data")
        .arg(&data)
        .arg("--check")
        .arg(dir.path().join("0.json"))
        .run()
        .fails(1);
    assert!(
        r.stdout
            .contains("articles page F1 0.0000 (recorded 0.7954)"),
        "{}",
        r.stdout
    );
}

#[test]
fn eval_check_fails_below_the_record() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    let high = write(
        dir.path(),
        "high.json",
        r#"{"sources":["test"],"split":"dev","content_f1":1.5,"macro_f1":1.5}"#,
    );
    let model = dir.path().join("bio.bin");
    std::fs::write(&model, file::to_bytes(&model_of_one_label(3))).unwrap();
    let r = dechaff(["eval", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--check")
        .arg(&high)
        .run()
        .fails(1);
    assert!(r.stdout.contains("FAILED"), "{}", r.stdout);
    let garbage = write(dir.path(), "garbage.json", "{");
    dechaff(["eval", "--data"])
        .arg(&data)
        .arg("--check")
        .arg(&garbage)
        .run()
        .fails(1)
        .stderr_has(&["garbage.json", "dechaff eval --record"]);
}

#[test]
fn train_and_eval_say_when_the_default_data_is_absent() {
    let dir = TempDir::new().unwrap();
    // ../shared/data/lines from here is inside the temporary folder, and absent.
    let cwd = dir.path().join("project");
    std::fs::create_dir(&cwd).unwrap();
    for cmd in [dechaff(["train", "--out", "m.bin"]), dechaff(["eval"])] {
        cmd.current_dir(&cwd).run().fails(1).stderr_has(&[
            "../shared/data/lines",
            "absent",
            "--data",
        ]);
    }
    assert!(!cwd.join("m.bin").exists());
}

#[test]
fn train_finds_the_default_data_relative_to_the_current_folder() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path().join("project");
    let lines = dir.path().join("shared/data/lines");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&lines).unwrap();
    // Plain JSON Lines under the .gz names: the reader looks at the bytes.
    for source in ["wcxb", "trafilatura", "readability", "fundus", "zh-news"] {
        write(&lines, &format!("{source}.jsonl.gz"), labelled_data());
    }
    dechaff(["train", "-q", "--epochs", "1", "--out", "m.bin"])
        .current_dir(&cwd)
        .run()
        .ok();
    dechaff(["clean", "--model", "m.bin"])
        .current_dir(&cwd)
        .stdin(PAGE)
        .run()
        .ok();
}

#[test]
fn train_refuses_bad_data_and_outputs_up_front() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    let out = dir.path().join("m.bin");
    let missing = dir.path().join("missing.jsonl");
    dechaff(["train", "--data"])
        .arg(&missing)
        .arg("--out")
        .arg(&out)
        .run()
        .fails(1)
        .stderr_has(&[&missing.display().to_string(), "No such file"]);
    let broken = write(
        dir.path(),
        "broken.jsonl",
        format!("{}{{\"id\": 3\n", labelled_data()),
    );
    dechaff(["train", "--data"])
        .arg(&broken)
        .arg("--out")
        .arg(&out)
        .run()
        .fails(1)
        .stderr_has(&[
            &format!("{}:5: ", broken.display()),
            "not a labelled document",
        ]);
    let wrong_label = write(
        dir.path(),
        "label.jsonl",
        labelled_data().replace("\"bio\"", "\"byline\""),
    );
    dechaff(["train", "--data"])
        .arg(&wrong_label)
        .arg("--out")
        .arg(&out)
        .run()
        .fails(1)
        .stderr_has(&["label.jsonl:1: ", "byline"]);
    dechaff(["train", "--split", "test", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .run()
        .fails(1)
        .stderr_has(&["no document of split 'test'", "data.jsonl", "--split"]);
    dechaff(["eval", "--split", "test", "--data"])
        .arg(&data)
        .run()
        .fails(1)
        .stderr_has(&["no document of split 'test'"]);
    // The output is checked before training, not after.
    let nowhere = dir.path().join("no/such/folder/m.bin");
    dechaff(["train", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&nowhere)
        .run_within(Duration::from_secs(20))
        .fails(1)
        .stderr_has(&[&nowhere.display().to_string(), "folder does not exist"]);
    dechaff(["train", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path())
        .run()
        .fails(1)
        .stderr_has(&["is a folder"]);
    dechaff(["train", "--epochs", "0", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .run()
        .fails(2)
        .stderr_has(&["--epochs"]);
    dechaff(["train", "--data"])
        .arg(&data)
        .run()
        .fails(2)
        .stderr_has(&["--out"]);
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------------------
// explain

/// Columns before the text of a line in `explain` output.
const EXPLAIN_INDENT: usize = 28;

#[test]
fn explain_shows_each_line_its_label_and_strongest_inputs() {
    let labelled = annotate(PAGE);
    let input: Vec<&str> = PAGE.lines().collect();
    let r = dechaff(["explain", "--top", "3"]).stdin(PAGE).run().ok();
    assert!(!r.stdout.contains('\x1b'), "no colour into a pipe");
    let mut headers = Vec::new();
    let mut inputs_of_previous: Vec<usize> = Vec::new();
    let mut effects = Vec::new();
    for line in r.stdout.lines() {
        if let Some(input) = line.strip_prefix(&" ".repeat(EXPLAIN_INDENT)) {
            let (effect, description) = input.split_once("  ").expect("EFFECT  DESCRIPTION");
            assert!(!description.is_empty());
            effects.push(effect.parse::<f32>().expect("a signed number"));
            *inputs_of_previous.last_mut().expect("a line first") += 1;
            continue;
        }
        assert!(effects.windows(2).all(|w| w[0].abs() >= w[1].abs()));
        effects.clear();
        let number: usize = line[..5].trim().parse().expect("a line number");
        headers.push((number, line.to_string()));
        inputs_of_previous.push(0);
    }
    assert!(inputs_of_previous.iter().all(|n| (1..=3).contains(n)));
    assert_eq!(headers.len(), labelled.len());
    for ((number, header), (label, text)) in headers.iter().zip(&labelled) {
        assert_eq!(input[number - 1], text, "line numbers count from 1");
        let fields: Vec<&str> = header.split_whitespace().take(3).collect();
        assert_eq!(fields[1], label);
        let confidence: f32 = fields[2].parse().unwrap();
        assert!((0.25..=1.0).contains(&confidence), "{header}");
        assert_eq!(&header[EXPLAIN_INDENT..], text);
    }
}

#[test]
fn explain_names_inputs_in_words() {
    let page = format!("{PAGE}\n\nPrepared by: Sergey Daga\nLeave a reply\n");
    let out = dechaff(["explain", "--top", "1000"])
        .stdin(page)
        .run()
        .ok()
        .stdout;
    // No input is shown by an id: `cue#10`, `next#209`, `s1.self.bio`.
    for line in out
        .lines()
        .filter(|l| l.starts_with(&" ".repeat(EXPLAIN_INDENT)))
    {
        let ids = line.contains("s1.")
            || line
                .split('#')
                .skip(1)
                .any(|after| after.starts_with(|c: char| c.is_ascii_digit()));
        assert!(!ids, "{line}");
    }
    let inputs_of = |text: &str| -> Vec<&str> {
        let mut lines = out.lines().skip_while(|l| !l.ends_with(text));
        lines.next().expect("the line");
        lines
            .take_while(|l| l.starts_with(&" ".repeat(EXPLAIN_INDENT)))
            .collect()
    };
    let prepared = inputs_of("Prepared by: Sergey Daga");
    assert!(
        prepared
            .iter()
            .any(|l| l.ends_with("  cue \"prepared by\" (byline phrase)")),
        "{prepared:#?}"
    );
    assert!(
        prepared
            .iter()
            .any(|l| l.ends_with("  the lines before and after (sequence layer)")),
        "{prepared:#?}"
    );
    let reply = inputs_of("Leave a reply");
    assert!(reply.iter().any(|l| l.contains("reply\"")), "{reply:#?}");
}

#[test]
fn explain_reads_files_and_honours_top_and_color() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.txt", PAGE);
    let n = non_blank(PAGE).len();
    let none = dechaff(["explain", "--top", "0"])
        .arg(&page)
        .run()
        .ok()
        .stdout;
    assert_eq!(none.lines().count(), n);
    let from_stdin = dechaff(["explain", "-", "--top", "0"])
        .stdin(PAGE)
        .run()
        .ok();
    assert_eq!(from_stdin.stdout, none);
    let always = dechaff(["explain", "--color", "always"])
        .arg(&page)
        .run()
        .ok();
    assert!(always.stdout.contains("\x1b["), "colour asked for");
    let never = dechaff(["explain", "--color", "never"])
        .arg(&page)
        .run()
        .ok();
    assert!(!never.stdout.contains('\x1b'));
    let auto = dechaff(["explain"])
        .arg(&page)
        .env("TERM", "xterm")
        .run()
        .ok();
    assert_eq!(auto.stdout, never.stdout, "no colour into a pipe");
    // Taking the escapes out gives the plain output back.
    let mut plain = String::new();
    let mut rest = always.stdout.as_str();
    while let Some(at) = rest.find('\x1b') {
        plain.push_str(&rest[..at]);
        rest = &rest[at + rest[at..].find('m').unwrap() + 1..];
    }
    plain.push_str(rest);
    assert_eq!(plain, never.stdout);
    dechaff(["explain", "--color", "sometimes"])
        .arg(&page)
        .run()
        .fails(2)
        .stderr_has(&["--color"]);
}

#[test]
fn explain_refuses_bad_inputs_by_name() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.txt");
    dechaff(["explain"])
        .arg(&missing)
        .run()
        .fails(1)
        .stderr_has(&[&missing.display().to_string()]);
    let bin = write(dir.path(), "blob.bin", b"\0\0");
    dechaff(["explain"])
        .arg(&bin)
        .run()
        .fails(1)
        .stderr_has(&[&bin.display().to_string(), "binary"]);
    let empty = write(dir.path(), "empty.txt", "");
    assert_eq!(dechaff(["explain"]).arg(&empty).run().ok().stdout, "");
}

// ---------------------------------------------------------------------------------------
// output and help

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let big = format!("{PAGE}\n\n").repeat(400);
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.jsonl", labelled_data());
    for cmd in [
        dechaff(["clean", "--annotate"]).stdin(big.clone()),
        dechaff(["clean", "--json"]).stdin(big.clone()),
        dechaff(["explain"]).stdin(PAGE),
        dechaff(["eval", "--data"]).arg(&data),
        dechaff(["completions", "bash"]),
        dechaff(["man"]),
    ] {
        let r = cmd.closing_stdout().run().ok();
        assert_eq!(r.stderr, "");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full in this sandbox
    };
    let out = Command::new(env!("CARGO_BIN_EXE_dechaff"))
        .args(["clean", "--annotate"])
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(PAGE.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("<stdout>") && stderr.contains("space"),
        "{stderr}"
    );
}

#[test]
fn help_documents_every_subcommand_and_flag() {
    let top = dechaff(["--help"]).run().ok().stdout;
    for word in [
        "clean",
        "explain",
        "train",
        "eval",
        "Examples:",
        "Exit status",
    ] {
        assert!(top.contains(word), "--help lacks {word}");
    }
    let clean = dechaff(["clean", "--help"]).run().ok().stdout;
    for flag in [
        "--keep",
        "--threshold",
        "--annotate",
        "--json",
        "--quiet",
        "--model",
        "[FILE]...",
    ] {
        assert!(clean.contains(flag), "clean --help lacks {flag}");
    }
    let explain = dechaff(["explain", "--help"]).run().ok().stdout;
    for flag in ["--top", "--color", "--model", "NO_COLOR"] {
        assert!(explain.contains(flag), "explain --help lacks {flag}");
    }
    let train = dechaff(["train", "--help"]).run().ok().stdout;
    for flag in ["--data", "--out", "--seed", "--split", "--epochs"] {
        assert!(train.contains(flag), "train --help lacks {flag}");
    }
    assert!(dechaff(["--version"])
        .run()
        .ok()
        .stdout
        .starts_with("dechaff "));
    dechaff(Vec::<&str>::new()).run().fails(2);
    dechaff(["clean", "--no-such-flag"])
        .stdin(PAGE)
        .run()
        .fails(2)
        .stderr_has(&["--no-such-flag"]);
}

#[test]
fn completions_cover_the_commands_and_their_flags() {
    let bash = dechaff(["completions", "bash"]).run().ok().stdout;
    for word in [
        "clean",
        "explain",
        "train",
        "eval",
        "completions",
        "man",
        "--keep",
        "--threshold",
        "--epochs",
    ] {
        assert!(bash.contains(word), "bash completions lack {word}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = dechaff(["completions", shell]).run().ok().stdout;
        assert!(script.contains("keep"), "{shell} completions lack --keep");
    }
    dechaff(["completions", "tcsh"])
        .run()
        .fails(2)
        .stderr_has(&["tcsh", "bash", "zsh"]);
    dechaff(["completions"])
        .run()
        .fails(2)
        .stderr_has(&["SHELL"]);
}

#[test]
fn man_writes_the_roff_pages_of_dechaff_and_of_each_command() {
    // A page opens with roff requests (clap_mangen's define a quote string), the first
    // of them that names the page being .TH.
    let title = |page: &str| {
        let head: Vec<&str> = page.lines().take_while(|l| l.starts_with('.')).collect();
        let th = head.iter().find(|l| l.starts_with(".TH "));
        th.map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
    };
    let page = dechaff(["man"]).run().ok().stdout;
    assert_eq!(title(&page).as_deref(), Some(".TH dechaff 1"), "{page}");
    for word in ["clean", "explain", "train", "eval", "completions"] {
        assert!(page.contains(word), "man page lacks {word}");
    }
    let clean = dechaff(["man", "clean"]).run().ok().stdout;
    assert_eq!(
        title(&clean).as_deref(),
        Some(".TH dechaff-clean 1"),
        "{clean}"
    );
    for flag in ["keep", "threshold", "annotate", "output"] {
        assert!(clean.contains(flag), "dechaff-clean(1) lacks --{flag}");
    }
    dechaff(["man", "no-such-command"])
        .run()
        .fails(2)
        .stderr_has(&["no-such-command", "clean, explain"]);
}

// ---------------------------------------------------------------------------------------
// clean: HTML and markdown inputs

/// [`PAGE`]'s story as an HTML page: a menu, a headline, a byline, paragraphs with a
/// link, a script and a hidden block that must not show, and a footer.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Bus routes</title>\
<script>var menu = 'Home';</script></head><body>\
<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/world\">World</a></li>\
<li><a href=\"/sport\">Sport</a></li></ul></nav>\
<article><h1>Council backs four new bus routes for the northern suburbs</h1>\
<p class=\"byline\">By Natasha Kumar</p>\
<p>The council voted on Tuesday to expand the city's bus network, adding four routes \
that will serve the northern suburbs from March, after a year of consultation with \
<a href=\"/residents\">residents</a>.</p>\
<p>Officials said the plan would cost less than expected, because the buses are \
already owned by the city and only new drivers need to be hired and trained.</p>\
<div style=\"display: none\">Hidden tracking text</div></article>\
<footer><p>&copy; 2024 The City Paper. All rights reserved.</p></footer></body></html>";

/// The lines the renderer must give [`HTML_PAGE`], in order.
const HTML_LINES: [&str; 8] = [
    "Home",
    "World",
    "Sport",
    "Council backs four new bus routes for the northern suburbs",
    "By Natasha Kumar",
    "The council voted on Tuesday to expand the city's bus network, adding four routes \
     that will serve the northern suburbs from March, after a year of consultation with \
     residents.",
    "Officials said the plan would cost less than expected, because the buses are \
     already owned by the city and only new drivers need to be hired and trained.",
    "© 2024 The City Paper. All rights reserved.",
];

#[test]
fn html_is_rendered_to_its_lines_by_name_and_by_sniffing() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.html", HTML_PAGE);
    let by_name = annotations(
        &dechaff(["clean", "--annotate"])
            .arg(&page)
            .run()
            .ok()
            .stdout,
    );
    let texts: Vec<&str> = by_name.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, HTML_LINES);
    // Standard input and a file without a telling name are sniffed.
    let sniffed = dechaff(["clean", "--annotate"])
        .stdin(HTML_PAGE)
        .run()
        .ok()
        .stdout;
    assert_eq!(annotations(&sniffed), by_name);
    let unnamed = write(dir.path(), "page", HTML_PAGE);
    let out = dechaff(["clean", "--annotate"])
        .arg(&unnamed)
        .run()
        .ok()
        .stdout;
    assert_eq!(annotations(&out), by_name);
    // Kept lines are the content lines of the annotation, as for text.
    let kept = dechaff(["clean"]).arg(&page).run().ok().stdout;
    let content: Vec<&str> = by_name
        .iter()
        .filter(|(l, _)| l == "content")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(non_blank(&kept), content);
    assert!(!kept.contains('<') && !kept.contains("Hidden") && !kept.contains("var menu"));
}

#[test]
fn html_json_describes_rendered_lines() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.htm", HTML_PAGE);
    let out = dechaff(["clean", "--json"]).arg(&page).run().ok().stdout;
    let texts: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(texts, HTML_LINES);
}

#[test]
fn markdown_output_keeps_links_of_kept_lines() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.html", HTML_PAGE);
    let all = ["clean", "--keep", "content,navigation,advertisement,bio"];
    let md = dechaff(all)
        .args_of(["--output-format", "markdown"])
        .arg(&page)
        .run()
        .ok();
    assert!(
        md.stdout.contains("[residents](/residents)"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout.contains("# Council backs four new bus routes"),
        "{}",
        md.stdout
    );
    let text = dechaff(all).arg(&page).run().ok().stdout;
    assert!(text.contains("with residents.") && !text.contains("]("));
}

#[test]
fn markdown_input_is_read_as_its_text() {
    let dir = TempDir::new().unwrap();
    let md = "# Council backs four new bus routes\n\n\
              * [Home](/)\n* [World](/world)\n\n\
              The council voted on **Tuesday** to expand the city's bus network, adding four \
              routes that will serve the [northern suburbs](/north) from March.\n";
    let page = write(dir.path(), "page.md", md);
    let out = annotations(
        &dechaff(["clean", "--annotate"])
            .arg(&page)
            .run()
            .ok()
            .stdout,
    );
    let texts: Vec<&str> = out.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Council backs four new bus routes",
            "Home",
            "World",
            "The council voted on Tuesday to expand the city's bus network, adding four \
             routes that will serve the northern suburbs from March."
        ]
    );
    // With markdown output, a kept line is written as it stood.
    let all = ["clean", "--keep", "content,navigation,advertisement,bio"];
    let kept = dechaff(all)
        .args_of(["--output-format", "markdown"])
        .arg(&page)
        .run()
        .ok();
    assert!(
        kept.stdout.contains("[northern suburbs](/north)"),
        "{}",
        kept.stdout
    );
}

#[test]
fn a_folder_of_every_kind_is_cleaned_to_text_files() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "a.html", HTML_PAGE);
    write(
        &input,
        "b.md",
        "# Title\n\nSome words of a markdown page.\n",
    );
    write(&input, "c.txt", PAGE);
    let out = dir.path().join("out");
    dechaff(["clean", "--quiet", "-o"])
        .arg(&out)
        .arg(&input)
        .run()
        .ok();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt", "c.txt"]);
    let a = std::fs::read_to_string(out.join("a.txt")).unwrap();
    let page = write(dir.path(), "a.html", HTML_PAGE);
    assert_eq!(a, dechaff(["clean"]).arg(&page).run().ok().stdout);
}

#[test]
fn a_json_lines_field_can_hold_html() {
    let dir = TempDir::new().unwrap();
    let record = serde_json::json!({"id": 1, "html": HTML_PAGE}).to_string();
    let shard = write(dir.path(), "shard.jsonl", format!("{record}\n"));
    let out = dechaff(["clean", "--input", "html", "--field", "html", "--annotate"])
        .arg(&shard)
        .run()
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["id"], 1);
    let texts: Vec<String> = annotations(v["html"].as_str().unwrap())
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(texts, HTML_LINES);
}

#[test]
fn html_in_a_legacy_charset_is_decoded_as_it_declares() {
    let dir = TempDir::new().unwrap();
    let mut page = b"<html><head><meta charset=\"windows-1252\"></head><body><p>Caf".to_vec();
    page.extend_from_slice(b"\xe9 au lait, cr\xe8me br\xfbl\xe9e.</p></body></html>");
    let path = write(dir.path(), "legacy.html", page);
    let out = dechaff(["clean", "--annotate"]).arg(&path).run().ok();
    assert!(
        out.stdout.contains("Café au lait, crème brûlée."),
        "{out:?}"
    );
    assert!(!out.stderr.contains("invalid UTF-8"), "{out:?}");
}

#[test]
fn binary_named_html_is_refused_by_name() {
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "image.html", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    dechaff(["clean"])
        .arg(&path)
        .run()
        .fails(1)
        .stderr_has(&["image.html", "binary"]);
}

#[test]
fn explain_reads_html() {
    let dir = TempDir::new().unwrap();
    let page = write(dir.path(), "page.html", HTML_PAGE);
    let out = dechaff(["explain", "--color", "never", "--top", "2"])
        .arg(&page)
        .run()
        .ok();
    assert!(out.stdout.contains("By Natasha Kumar"), "{}", out.stdout);
    assert!(!out.stdout.contains("<p"), "{}", out.stdout);
}

#[test]
fn a_page_and_a_text_file_of_one_name_do_not_share_an_output() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "a.html", HTML_PAGE);
    write(&input, "a.txt", PAGE);
    let out = dir.path().join("out");
    let run = dechaff(["clean", "--quiet", "-o"])
        .arg(&out)
        .arg(&input)
        .run()
        .fails(1)
        .stderr_has(&["a.txt is another input's too"]);
    assert!(out.join("a.txt").is_file(), "{run:?}");
}
