//! The batch runner: `dechaff clean` over directories, JSON Lines and compressed files,
//! and the library API behind it.
//!
//! Expected outputs come from the library's own [`Cleaner`] on the same text, so the
//! tests check plumbing (paths, formats, compression, order, counts, failures), not a
//! particular model's judgement.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dechaff::batch::{self, Batch, Compression, Options};
use dechaff::Cleaner;
use serde_json::Value;
use tempfile::TempDir;

mod common;

/// The sample pages shipped with the project, and a few made-up ones.
fn pages() -> Vec<String> {
    let mut pages = common::sample_pages();
    pages.push(
        "Home | World | Sport\n\nThe council voted on Tuesday to expand the city's bus network, \
         adding four routes.\n\nShare this article\n\u{a9} 2024 The City Paper"
            .to_string(),
    );
    pages.push(String::new());
    pages.push("\"Quotes\", back\\slashes, tabs\tand \u{1F600} survive.\r\nSecond line".into());
    pages
}

fn cleaned(text: &str) -> String {
    Cleaner::default().clean(text)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn pack(c: Compression, data: &[u8]) -> Vec<u8> {
    match c {
        Compression::None => data.to_vec(),
        Compression::Gzip => gzip(data),
        Compression::Zstd => zstd(data),
    }
}

/// Reads a file, decompressing it, and says how it was compressed.
fn unpack(path: &Path) -> (Compression, Vec<u8>) {
    let f = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (c, mut r) = batch::decompressed(f).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    (c, out)
}

fn write(path: &Path, data: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// JSON Lines records: an id, the text, and a field after it.
fn records(pages: &[String]) -> String {
    let mut s = String::new();
    for (i, p) in pages.iter().enumerate() {
        let rec = serde_json::json!({"id": i, "text": p, "meta": {"n": [1, 2.5, null]}});
        s.push_str(&rec.to_string());
        s.push('\n');
    }
    s
}

/// Checks a cleaned JSON Lines output against its input, record by record.
fn check_records(input: &str, output: &str) {
    let ins: Vec<&str> = input.lines().collect();
    let outs: Vec<&str> = output.lines().collect();
    assert_eq!(ins.len(), outs.len());
    for (i, o) in ins.iter().zip(&outs) {
        let mut want: Value = serde_json::from_str(i).unwrap();
        let text = want["text"].as_str().unwrap().to_string();
        want["text"] = Value::String(cleaned(&text));
        let got: Value = serde_json::from_str(o).unwrap();
        assert_eq!(got, want);
    }
}

fn dechaff(args: &[&str]) -> Output {
    run(args, None)
}

/// Runs the command, failing the test if it takes more than a minute. Its output is read
/// while it runs: a command whose output fills the pipe waits for a reader.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dechaff"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        let mut w = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&input);
        });
    }
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            pipe.read_to_end(&mut v).unwrap();
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dechaff {args:?} took over a minute");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, as paths relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

fn stats(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn mirrors_the_tree() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let pages = pages();
    write(&input.join("a.txt"), pages[0].as_bytes());
    write(&input.join("sub/b.txt"), pages[1].as_bytes());
    write(&input.join("sub/deep/c.jsonl"), records(&pages).as_bytes());
    write(&input.join("sub/deep/page"), pages[2].as_bytes());
    write(&input.join(".hidden.txt"), b"hidden");
    write(&input.join(".git/x.txt"), b"hidden dir");
    // The output directory lies inside the input, and already holds a file.
    let out = input.join("out");
    write(&out.join("old.txt"), pages[3].as_bytes());
    let stats_file = d.path().join("stats.json");

    let o = dechaff(&[
        "clean",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--stats",
        stats_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        tree(&out),
        [
            "a.txt",
            "old.txt",
            "sub/b.txt",
            "sub/deep/c.jsonl",
            "sub/deep/page"
        ]
    );
    assert_eq!(
        fs::read_to_string(out.join("a.txt")).unwrap(),
        cleaned(&pages[0])
    );
    assert_eq!(
        fs::read_to_string(out.join("sub/b.txt")).unwrap(),
        cleaned(&pages[1])
    );
    assert_eq!(
        fs::read_to_string(out.join("sub/deep/page")).unwrap(),
        cleaned(&pages[2])
    );
    check_records(
        &records(&pages),
        &fs::read_to_string(out.join("sub/deep/c.jsonl")).unwrap(),
    );
    let s = stats(&stats_file);
    assert_eq!(s["files"], 4);
    assert_eq!(s["files_failed"], 0);
    assert_eq!(s["records"], pages.len());
    assert_eq!(s["documents"], 3 + pages.len());
    let lines = &s["lines"];
    let total: u64 = ["content", "navigation", "advertisement", "bio"]
        .iter()
        .map(|l| lines[l].as_u64().unwrap())
        .sum();
    assert!(total > 0 && s["lines_kept"].as_u64().unwrap() <= total);
    // The summary is on standard error.
    assert!(stderr(&o).contains("4 files"), "{}", stderr(&o));
}

#[test]
fn every_format_and_compression_round_trips() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let out = d.path().join("out");
    let pages = pages();
    let text = pages[0].clone();
    let jsonl = records(&pages);
    let mut expected = Vec::new();
    for (c, ext) in [
        (Compression::None, ""),
        (Compression::Gzip, ".gz"),
        (Compression::Zstd, ".zst"),
    ] {
        for (name, body) in [
            ("page.txt", &text),
            ("recs.jsonl", &jsonl),
            ("recs.ndjson", &jsonl),
        ] {
            let name = format!("{name}{ext}");
            write(&input.join(&name), &pack(c, body.as_bytes()));
            expected.push((name, c, body.clone()));
        }
    }
    // Told by its first bytes: gzip data named .txt stays gzip.
    write(&input.join("misnamed.txt"), &gzip(text.as_bytes()));
    expected.push(("misnamed.txt".into(), Compression::Gzip, text.clone()));
    // Several gzip members are all read.
    let mut members = gzip(jsonl.as_bytes());
    members.extend(gzip(jsonl.as_bytes()));
    write(&input.join("members.jsonl.gz"), &members);
    expected.push((
        "members.jsonl.gz".into(),
        Compression::Gzip,
        jsonl.repeat(2),
    ));

    for threads in ["1", "2"] {
        let _ = fs::remove_dir_all(&out);
        let o = dechaff(&[
            "clean",
            "--threads",
            threads,
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        for (name, c, body) in &expected {
            let (found, bytes) = unpack(&out.join(name));
            assert_eq!(found, *c, "{name}");
            let got = String::from_utf8(bytes).unwrap();
            if name.contains("json") {
                check_records(body, &got);
            } else {
                assert_eq!(got, cleaned(body), "{name}");
            }
        }
    }
}

#[test]
fn format_flag_overrides_the_name() {
    let d = TempDir::new().unwrap();
    let pages = pages();
    let f = d.path().join("records.txt");
    write(&f, records(&pages).as_bytes());
    let o = dechaff(&["clean", "--format", "jsonl", "--quiet", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_records(&records(&pages), &String::from_utf8(o.stdout).unwrap());

    // And a .jsonl.gz named on the command line is decompressed to standard output.
    let g = d.path().join("r.jsonl.gz");
    write(&g, &gzip(records(&pages).as_bytes()));
    let o = dechaff(&["clean", "-q", g.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_records(&records(&pages), &String::from_utf8(o.stdout).unwrap());
}

#[test]
fn malformed_records_pass_through_and_are_counted() {
    let d = TempDir::new().unwrap();
    let page = &pages()[0];
    let good = serde_json::json!({"text": page, "n": 1}).to_string();
    let lines = [
        good.clone(),
        "{\"text\": \"unterminated".to_string(),
        "not json at all".to_string(),
        "{\"id\": 7}".to_string(),
        "{\"text\": null, \"id\": 8}".to_string(),
        "[\"text\"]".to_string(),
        "   ".to_string(),
        // Spacing, key order and exact numbers of the other fields are kept.
        format!(
            "{{ \"z\" : 123456789012345678901234567890, \"text\":{}, \"a\":1.50 }}\r",
            serde_json::to_string(page).unwrap()
        ),
    ];
    let input = lines.join("\n") + "\n";
    let f = d.path().join("in/r.jsonl");
    write(&f, input.as_bytes());
    let out = d.path().join("out");
    let stats_file = d.path().join("s.json");
    let o = dechaff(&[
        "clean",
        f.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--stats",
        stats_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = fs::read_to_string(out.join("r.jsonl")).unwrap();
    let got: Vec<&str> = got.split('\n').collect();
    assert_eq!(got.len(), lines.len() + 1);
    for i in 1..7 {
        assert_eq!(got[i], lines[i], "record {i} is copied unchanged");
    }
    let first: Value = serde_json::from_str(got[0]).unwrap();
    assert_eq!(first["text"], cleaned(page));
    assert_eq!(first["n"], 1);
    let last = got[7];
    let want = format!(
        "{{ \"z\" : 123456789012345678901234567890, \"text\":{}, \"a\":1.50 }}\r",
        serde_json::to_string(&cleaned(page)).unwrap()
    );
    assert_eq!(last, want);
    let s = stats(&stats_file);
    assert_eq!(s["records"], 7);
    assert_eq!(s["records_malformed"], 2);
    assert_eq!(s["records_without_field"], 3);
    assert_eq!(s["documents"], 2);
    assert_eq!(s["files_failed"], 0);
}

#[test]
fn other_field_names() {
    let page = &pages()[0];
    let input = serde_json::json!({"text": "left alone", "body": page}).to_string() + "\n";
    let o = run(
        &["clean", "--format", "jsonl", "--field", "body", "-q", "-"],
        Some(input.as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["text"], "left alone");
    assert_eq!(got["body"], cleaned(page));
}

#[test]
fn resume_skips_outputs_that_are_newer() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let out = d.path().join("out");
    let pages = pages();
    for (i, p) in pages.iter().take(3).enumerate() {
        write(&input.join(format!("{i}.txt")), p.as_bytes());
    }
    let args = |stats: &Path| {
        vec![
            "clean".to_string(),
            input.to_str().unwrap().to_string(),
            "-o".into(),
            out.to_str().unwrap().into(),
            "--resume".into(),
            "--stats".into(),
            stats.to_str().unwrap().into(),
        ]
    };
    let s1 = d.path().join("s1.json");
    let a: Vec<String> = args(&s1);
    let o = dechaff(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stats(&s1)["files"], 3);

    // A stale output is left alone when newer than its input, even if wrong.
    fs::write(out.join("0.txt"), "kept by --resume").unwrap();
    // An input changed after its output was written is cleaned again.
    std::thread::sleep(Duration::from_millis(50));
    write(&input.join("1.txt"), pages[4].as_bytes());
    let s2 = d.path().join("s2.json");
    let a: Vec<String> = args(&s2);
    let o = dechaff(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stats(&s2);
    assert_eq!(s["files"], 1);
    assert_eq!(s["files_skipped"], 2);
    assert_eq!(
        fs::read_to_string(out.join("0.txt")).unwrap(),
        "kept by --resume"
    );
    assert_eq!(
        fs::read_to_string(out.join("1.txt")).unwrap(),
        cleaned(&pages[4])
    );
}

#[test]
fn a_failing_file_does_not_stop_the_others() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let out = d.path().join("out");
    let pages = pages();
    write(&input.join("good1.txt"), pages[0].as_bytes());
    write(&input.join("z/good2.jsonl"), records(&pages).as_bytes());
    // Gzip that breaks off after many records: some output was already written.
    let big = records(&pages).repeat(200);
    let mut broken = gzip(big.as_bytes());
    broken.truncate(broken.len() / 2);
    write(&input.join("broken.jsonl.gz"), &broken);
    let mut corrupt = gzip(pages[1].as_bytes());
    let n = corrupt.len();
    corrupt[12..n - 8].iter_mut().for_each(|b| *b = 0xff);
    write(&input.join("corrupt.txt.gz"), &corrupt);
    write(&input.join("binary.txt"), b"PK\x03\x04\x00\x00binary");
    let stats_file = d.path().join("s.json");

    let o = dechaff(&[
        "clean",
        "--threads",
        "2",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--stats",
        stats_file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for name in ["broken.jsonl.gz", "corrupt.txt.gz", "binary.txt"] {
        let line = err
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not reported:\n{err}"));
        assert!(
            line.contains(&input.join(name).display().to_string()),
            "{line}"
        );
    }
    // Only the good outputs exist; nothing partial, no temporary file.
    assert_eq!(tree(&out), ["good1.txt", "z/good2.jsonl"]);
    assert_eq!(
        fs::read_to_string(out.join("good1.txt")).unwrap(),
        cleaned(&pages[0])
    );
    let s = stats(&stats_file);
    assert_eq!(s["files"], 2);
    assert_eq!(s["files_failed"], 3);
    assert_eq!(s["failures"].as_array().unwrap().len(), 3);
}

#[test]
fn unreadable_inputs_are_reported() {
    let d = TempDir::new().unwrap();
    let good = d.path().join("good.txt.gz");
    write(&good, &gzip(pages()[0].as_bytes()));
    let missing = d.path().join("missing.txt");
    let out = d.path().join("out");
    let o = dechaff(&[
        "clean",
        missing.to_str().unwrap(),
        good.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&missing.display().to_string()),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&out), ["good.txt.gz"]);
}

#[test]
fn globs_select_files() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let out = d.path().join("out");
    for f in ["a.txt", "b.md", "sub/c.txt", "sub/d.jsonl"] {
        write(&input.join(f), pages()[0].as_bytes());
    }
    let o = dechaff(&[
        "clean",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--glob",
        "*.txt",
        "--glob",
        "sub/*.md",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tree(&out), ["a.txt", "sub/c.txt"]);
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    write(&input.join("a/page.txt"), pages()[0].as_bytes());
    std::os::unix::fs::symlink("..", input.join("a/loop")).unwrap();
    std::os::unix::fs::symlink(input.join("a/page.txt"), input.join("link.txt")).unwrap();
    let out = d.path().join("out");
    let o = dechaff(&[
        "clean",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("loop"), "{}", stderr(&o));
    assert_eq!(tree(&out), ["a/page.txt", "link.txt"]);
}

#[test]
fn usage_errors() {
    let d = TempDir::new().unwrap();
    let dir = d.path().to_str().unwrap();
    // A directory needs an output directory.
    let o = dechaff(&["clean", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("-o"));
    // The output cannot be the input.
    let o = dechaff(&["clean", dir, "-o", dir]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // --resume only makes sense with -o.
    let o = dechaff(&["clean", "--resume", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A file is never written over itself.
    let page = d.path().join("page.txt");
    write(&page, pages()[0].as_bytes());
    let o = dechaff(&["clean", page.to_str().unwrap(), "-o", dir]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("replace the input"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&page).unwrap(), pages()[0]);
    // --json describes lines of plain text on standard output only.
    let o = dechaff(&["clean", "--json", page.to_str().unwrap(), "-o", dir]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn streams_standard_input() {
    let pages = pages();
    let input = records(&pages).repeat(3);
    let o = run(&["clean", "--format", "jsonl", "-"], Some(input.as_bytes()));
    assert!(o.status.success(), "{}", stderr(&o));
    check_records(&input, &String::from_utf8(o.stdout).unwrap());
    // Compressed standard input is told by its first bytes.
    let o = run(
        &["clean", "--format", "jsonl", "-q", "-"],
        Some(&zstd(input.as_bytes())),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    check_records(&input, &String::from_utf8(o.stdout).unwrap());
}

/// Records come out as they go in: the first record's output is read while standard
/// input is still open.
#[test]
fn streams_without_waiting_for_the_end() {
    let pages = pages();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dechaff"))
        .args(["clean", "--format", "jsonl", "-q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        for _ in 0..2 {
            line.clear();
            stdout.read_line(&mut line).unwrap();
            tx.send(line.clone()).unwrap();
        }
    });
    for page in &pages[..2] {
        let rec = serde_json::json!({"text": page}).to_string() + "\n";
        stdin.write_all(rec.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a record's output before standard input ends");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["text"], cleaned(page));
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Ctrl-C in the middle of a file leaves neither its output nor a temporary file.
#[cfg(unix)]
#[test]
fn interrupted_runs_leave_no_partial_output() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let out = d.path().join("out");
    let big = records(&pages()).repeat(3000);
    write(&input.join("big.jsonl"), big.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dechaff"))
        .args(["clean", "--threads", "1", "-q"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the output is being written.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tree(&out).iter().any(|f| f.contains("dechaff-tmp")) {
        assert!(Instant::now() < deadline, "no temporary output appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(tree(&out), Vec::<String>::new());
}

#[test]
fn library_streams_in_bounded_chunks() {
    let pages = pages();
    let input = records(&pages).repeat(20) + "{\"text\": \"no newline at the end\"}";
    let cleaner = Cleaner::default();
    let whole = {
        let mut out = Vec::new();
        let s =
            batch::clean_jsonl(&cleaner, input.as_bytes(), &mut out, &Options::default()).unwrap();
        assert_eq!(s.records, 20 * pages.len() as u64 + 1);
        out
    };
    assert!(!whole.ends_with(b"\n"));
    check_records(&input, &String::from_utf8(whole.clone()).unwrap());
    // Tiny chunks, on one thread and on two, give the same bytes.
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let options = Options {
            chunk_bytes: 700,
            ..Options::default()
        };
        let mut out = Vec::new();
        pool.install(|| batch::clean_jsonl(&cleaner, input.as_bytes(), &mut out, &options))
            .unwrap();
        assert_eq!(out, whole, "{threads} threads");
    }
}

#[test]
fn library_cleans_a_directory() {
    let d = TempDir::new().unwrap();
    let pages = pages();
    write(&d.path().join("in/x/p.txt.zst"), &zstd(pages[0].as_bytes()));
    write(&d.path().join("in/r.ndjson"), records(&pages).as_bytes());
    let options = Options {
        annotate: true,
        ..Options::default()
    };
    let stats = batch::clean_dir(
        &Cleaner::default(),
        &d.path().join("in"),
        &d.path().join("out"),
        &options,
    )
    .unwrap();
    assert!(stats.ok());
    assert_eq!(stats.files, 2);
    assert_eq!(stats.lines.total(), stats.lines_kept);
    let (c, bytes) = unpack(&d.path().join("out/x/p.txt.zst"));
    assert_eq!(c, Compression::Zstd);
    let mut want = String::new();
    Cleaner::default().annotate_into(&pages[0], &mut want);
    assert_eq!(String::from_utf8(bytes).unwrap(), want);

    // One file, with an observer that hears of it.
    struct Count(std::sync::atomic::AtomicU64);
    impl batch::Observer for Count {
        fn file_done(&self, _: &Path) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let count = std::sync::Arc::new(Count(Default::default()));
    let b = Batch::new(&Cleaner::default(), Options::default()).observer(count.clone());
    let s = b
        .clean_tree(&[d.path().join("in/r.ndjson")], &d.path().join("out2"))
        .unwrap();
    assert_eq!(s.files, 1);
    assert_eq!(count.0.load(std::sync::atomic::Ordering::Relaxed), 1);
    check_records(
        &records(&pages),
        &fs::read_to_string(d.path().join("out2/r.ndjson")).unwrap(),
    );
}
