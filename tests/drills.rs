//! Failure drills for `dechaff clean`: killed with SIGKILL midway and resumed, a full
//! disk, a file-size limit, standard output on `/dev/full`, and permissions that deny
//! reading an input or writing the output. Each checks that dechaff names what failed,
//! exits with status 1, never panics, and leaves only complete outputs: no partial
//! file under an output's name, no temporary file.
//!
//! The tests run the built binary. Drills that need something the machine may not give
//! (mounting a tmpfs, dropping root to another user) print why they were skipped.

#![cfg(unix)]

use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use dechaff::Cleaner;
use serde_json::Value;
use tempfile::TempDir;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_dechaff");

/// What temporary outputs are named with (see `dechaff::batch::output`).
const TEMP_MARK: &str = ".dechaff-tmp-";

/// The user drills that need an unprivileged user run as when the tests run as root.
const NOBODY: u32 = 65534;

/// A page made of the samples from the `i`-th on, `times` times over, headed by its
/// number so that no two pages are the same.
fn page(samples: &[String], i: usize, times: usize) -> String {
    let mut s = format!("Page {i}\n\n");
    for k in 0..samples.len() * times {
        s.push_str(&samples[(i + k) % samples.len()]);
        s.push_str("\n\n");
    }
    s
}

/// One article of `paragraphs` distinct paragraphs: most of it is kept. (The samples
/// repeated in one text would not do: lines that recur throughout a document are
/// boilerplate, and the cleaner drops them.)
fn long_article(paragraphs: usize) -> String {
    let mut s = String::from("Council backs the new bus routes\n\n");
    for k in 0..paragraphs {
        s.push_str(&format!(
            "On day {k} of the hearing, the council heard {} residents describe how the \
             route past stop {} would change their journey to work, and the committee \
             agreed to publish its findings before the vote.\n\n",
            k % 97 + 3,
            k * 7 % 1013
        ));
    }
    s
}

/// JSON Lines records of pages.
fn records(samples: &[String], first: usize, n: usize) -> String {
    let mut s = String::new();
    for i in first..first + n {
        let text = page(samples, i, 1);
        s.push_str(&serde_json::json!({"id": i, "text": text}).to_string());
        s.push('\n');
    }
    s
}

fn write(path: &Path, data: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// Every file under `dir`, hidden ones included, relative to it and sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let Ok(e) = e else { continue };
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn temporaries(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|f| f.contains(TEMP_MARK))
        .collect()
}

fn dechaff<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null());
    c
}

/// What a finished command did.
struct Ran {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `cmd` with its output in files under `dir` (no pipe to fill up), failing the
/// test when it takes longer than `limit`.
fn run_in(mut cmd: Command, dir: &Path, limit: Duration) -> Ran {
    let out = dir.join("stdout");
    let err = dir.join("stderr");
    cmd.stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap());
    let child = cmd.spawn().unwrap();
    let status = finish(child, limit);
    let ran = Ran {
        status,
        stdout: fs::read(&out).unwrap(),
        stderr: String::from_utf8_lossy(&fs::read(&err).unwrap()).into_owned(),
    };
    let _ = fs::remove_file(out);
    let _ = fs::remove_file(err);
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    ran
}

/// Waits for `child`, killing it and failing after `limit`.
fn finish(mut child: Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dechaff took more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The stderr line that names `path`.
fn line_naming<'a>(stderr: &'a str, path: &Path) -> &'a str {
    let shown = path.display().to_string();
    stderr
        .lines()
        .find(|l| l.contains(&shown))
        .unwrap_or_else(|| panic!("{shown} is not named on standard error:\n{stderr}"))
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// --- SIGKILL ----------------------------------------------------------------------------

/// `kill -9` in the middle of a run leaves only complete outputs, and `--resume` then
/// finishes the tree exactly as one uninterrupted run writes it, with no temporary file
/// of the killed run left behind.
#[test]
fn killed_midway_then_resumed() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let samples = common::sample_pages();
    // About 12 MB: a few seconds for an unoptimised build on one thread. The JSON Lines
    // files are the largest, so they come first and are streamed in pieces.
    for i in 0..3 {
        write(
            &input.join(format!("records/part-{i}.jsonl")),
            records(&samples, 100 * i, 200 + 10 * i).as_bytes(),
        );
    }
    for i in 0..240 {
        write(
            &input.join(format!("pages/{:02}/page-{i:03}.txt", i % 7)),
            page(&samples, i, 1 + i % 3).as_bytes(),
        );
    }
    let files = tree(&input).len();

    // The reference: one uninterrupted run.
    let reference = d.path().join("reference");
    let start = Instant::now();
    let r = run_in(
        dechaff([
            "clean".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            reference.as_os_str(),
            "-q".as_ref(),
        ]),
        d.path(),
        Duration::from_secs(300),
    );
    assert!(r.status.success(), "{}", r.stderr);
    assert_eq!(tree(&reference).len(), files);
    eprintln!("reference run: {files} files in {:?}", start.elapsed());

    // Killed once a tenth of the outputs are complete while another is being written.
    let out = d.path().join("out");
    let start = Instant::now();
    let mut child = dechaff([
        "clean".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--threads".as_ref(),
        "1".as_ref(),
        "-q".as_ref(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let found = tree(&out);
        let complete = found.iter().filter(|f| !f.contains(TEMP_MARK)).count();
        if complete >= files / 10 && complete < found.len() {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed: make the corpus larger"
        );
        assert!(Instant::now() < deadline, "no output appeared");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_after = start.elapsed();

    let left = tree(&out);
    let stale = temporaries(&out);
    let complete: Vec<&String> = left.iter().filter(|f| !f.contains(TEMP_MARK)).collect();
    eprintln!(
        "killed after {killed_after:?}: {} of {files} outputs complete, {} temporary file(s): {stale:?}",
        complete.len(),
        stale.len()
    );
    assert!(complete.len() < files, "killed too late to test anything");
    for f in &complete {
        assert!(
            fs::read(out.join(f)).unwrap() == fs::read(reference.join(f)).unwrap(),
            "{f}: an output left by the killed run is not complete"
        );
    }

    // Resumed: the complete outputs are skipped, the rest written.
    let stats = d.path().join("stats.json");
    let start = Instant::now();
    let r = run_in(
        dechaff([
            "clean".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--threads".as_ref(),
            "1".as_ref(),
            "--resume".as_ref(),
            "--stats".as_ref(),
            stats.as_os_str(),
            "-q".as_ref(),
        ]),
        d.path(),
        Duration::from_secs(300),
    );
    assert!(r.status.success(), "{}", r.stderr);
    eprintln!("resumed run: {:?}", start.elapsed());
    let s: Value = serde_json::from_str(&fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(s["files_skipped"], complete.len(), "{s}");
    assert_eq!(s["files"], files - complete.len(), "{s}");
    let outputs: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.contains(TEMP_MARK))
        .collect();
    assert_eq!(outputs, tree(&reference));
    for f in &outputs {
        assert!(
            fs::read(out.join(f)).unwrap() == fs::read(reference.join(f)).unwrap(),
            "{f} differs from the reference run"
        );
    }
    // The killed run's temporary files are its own and stale: the resumed run should
    // sweep them (see the report on `batch::output`).
    assert_eq!(
        temporaries(&out),
        Vec::<String>::new(),
        "temporary files of the killed run are left behind after --resume"
    );
}

// --- Full disk and file-size limits ---------------------------------------------------------

/// Inputs whose outputs are large (`big.txt`, `big.jsonl`) and small (`small.txt`).
fn big_and_small(dir: &Path) -> (String, String) {
    let samples = common::sample_pages();
    let big = long_article(2000);
    let small = samples[0].clone();
    write(&dir.join("big.txt"), big.as_bytes());
    write(&dir.join("big.jsonl"), records(&samples, 0, 400).as_bytes());
    write(&dir.join("small.txt"), small.as_bytes());
    (big, small)
}

/// Checks a run whose big outputs could not be written: status 1, each named on
/// standard error, nothing of them left, and the small output complete.
fn check_big_failed(r: &Ran, out: &Path, small: &str) {
    assert_eq!(r.status.code(), Some(1), "{}", r.stderr);
    for name in ["big.txt", "big.jsonl"] {
        let line = line_naming(&r.stderr, &out.join(name));
        eprintln!("reported: {line}");
    }
    assert_eq!(
        tree(out),
        ["small.txt"],
        "partial or temporary outputs left"
    );
    assert_eq!(
        fs::read_to_string(out.join("small.txt")).unwrap(),
        Cleaner::default().clean(small)
    );
}

/// Unmounts a file system when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A 64 KiB tmpfs fills up: the outputs that do not fit fail and leave nothing, the
/// space of their temporary files is given back, and the one that fits is written.
#[test]
fn full_disk() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let (big, small) = big_and_small(&input);
    assert!(Cleaner::default().clean(&big).len() > 64 << 10);
    let disk = d.path().join("disk");
    fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&disk)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let _unmount = match mounted {
        Ok(o) if o.status.success() => Mounted(disk.clone()),
        Ok(o) => {
            eprintln!(
                "full_disk skipped: cannot mount a tmpfs ({})",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("full_disk skipped: cannot run mount: {e}");
            return;
        }
    };
    let out = disk.join("out");
    let r = run_in(
        dechaff([
            "clean".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--threads".as_ref(),
            "1".as_ref(),
        ]),
        d.path(),
        Duration::from_secs(120),
    );
    check_big_failed(&r, &out, &small);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
}

/// Under a file-size limit (`ulimit -f`, with SIGXFSZ ignored so that writes past it
/// fail with EFBIG): the same as a full disk.
#[test]
fn file_size_limit() {
    let d = TempDir::new().unwrap();
    let input = d.path().join("in");
    let (big, small) = big_and_small(&input);
    // 64 blocks of 512 bytes.
    let limit = 64 * 512;
    assert!(Cleaner::default().clean(&big).len() > limit);
    assert!(Cleaner::default().clean(&small).len() < limit);
    let out = d.path().join("out");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -f 64 && trap '' XFSZ && exec \"$0\" \"$@\"")
        .arg(BIN)
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::null());
    let r = run_in(cmd, d.path(), Duration::from_secs(120));
    check_big_failed(&r, &out, &small);
    assert!(r.stderr.contains("File too large"), "{}", r.stderr);
}

/// Standard output on a full device: a clear error naming standard output, status 1,
/// for plain text from a file and from standard input, and for JSON Lines streamed
/// from standard input.
#[test]
fn standard_output_on_a_full_device() {
    if !Path::new("/dev/full").exists() {
        eprintln!("standard_output_on_a_full_device skipped: no /dev/full");
        return;
    }
    let d = TempDir::new().unwrap();
    let samples = common::sample_pages();
    let text = d.path().join("page.txt");
    write(&text, page(&samples, 0, 1).as_bytes());
    let jsonl = d.path().join("records.jsonl");
    write(&jsonl, records(&samples, 0, 20).as_bytes());
    let cases: [(&str, &[&str], Option<&Path>); 5] = [
        ("a file", &["clean"], None),
        ("standard input", &["clean", "-"], Some(&text)),
        (
            "annotated standard input",
            &["clean", "--annotate"],
            Some(&text),
        ),
        (
            "JSON Lines on standard input",
            &["clean", "--format", "jsonl", "-"],
            Some(&jsonl),
        ),
        ("a JSON Lines file", &["clean"], None),
    ];
    for (what, args, stdin) in cases {
        let mut cmd = dechaff(args);
        match (stdin, what) {
            (Some(path), _) => {
                cmd.stdin(File::open(path).unwrap());
            }
            (None, "a file") => {
                cmd.arg(&text);
            }
            (None, _) => {
                cmd.arg(&jsonl);
            }
        }
        let err = d.path().join("stderr");
        cmd.stdout(File::options().write(true).open("/dev/full").unwrap())
            .stderr(File::create(&err).unwrap());
        let status = finish(cmd.spawn().unwrap(), Duration::from_secs(60));
        let stderr = fs::read_to_string(&err).unwrap();
        assert_eq!(status.code(), Some(1), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(
            stderr.contains("<stdout>") && stderr.contains("No space left on device"),
            "{what}: {stderr}"
        );
    }
}

// --- Permissions ------------------------------------------------------------------------

/// Whether this process runs as root (which reads and writes whatever the mode bits
/// say): `/proc/self` belongs to the process's effective user.
fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Makes `cmd` run as an unprivileged user when the tests run as root.
fn unprivileged(cmd: &mut Command) {
    if is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
}

/// Why the permission drills cannot run here, if they cannot.
fn cannot_drop_privileges() -> Option<String> {
    if !is_root() {
        return None;
    }
    let mut probe = Command::new(BIN);
    probe
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    unprivileged(&mut probe);
    match probe.status() {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("{BIN} --version as uid {NOBODY} exited with {s}")),
        Err(e) => Some(format!("cannot run {BIN} as uid {NOBODY}: {e}")),
    }
}

/// Asserts that the line of `stderr` naming `path` says permission was denied.
fn assert_denied(stderr: &str, path: &Path) {
    let line = line_naming(stderr, path);
    assert!(line.contains("Permission denied"), "{line}");
}

/// A folder tree for the permission drills, readable by the unprivileged user: `in/`
/// with two good pages, an unreadable page and an unreadable folder, and `work/`,
/// which that user owns.
struct PermissionTree {
    dir: TempDir,
    pages: Vec<String>,
}

impl PermissionTree {
    /// The tree, or none (saying why) where `test` cannot run as an unprivileged user.
    fn for_test(test: &str) -> Option<PermissionTree> {
        if let Some(why) = cannot_drop_privileges() {
            eprintln!("{test} skipped: {why}");
            return None;
        }
        Some(PermissionTree::new())
    }

    fn new() -> PermissionTree {
        let dir = TempDir::new().unwrap();
        chmod(dir.path(), 0o755);
        let samples = common::sample_pages();
        let pages = vec![samples[0].clone(), samples[1].clone()];
        let input = dir.path().join("in");
        write(&input.join("a.txt"), pages[0].as_bytes());
        write(&input.join("sub/b.txt"), pages[1].as_bytes());
        write(&input.join("secret.txt"), samples[2].as_bytes());
        write(&input.join("private/c.txt"), samples[3].as_bytes());
        for p in ["in", "in/sub", "in/private"] {
            chmod(&dir.path().join(p), 0o755);
        }
        for p in ["in/a.txt", "in/sub/b.txt", "in/private/c.txt"] {
            chmod(&dir.path().join(p), 0o644);
        }
        chmod(&input.join("secret.txt"), 0o000);
        chmod(&input.join("private"), 0o700);
        let work = dir.path().join("work");
        fs::create_dir(&work).unwrap();
        if is_root() {
            std::os::unix::fs::chown(&work, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        // Owned by the test's user, so not writable by the unprivileged one.
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        chmod(&locked, if is_root() { 0o755 } else { 0o555 });
        PermissionTree { dir, pages }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn clean(&self, output: &Path) -> Ran {
        let mut cmd = dechaff([
            "clean".as_ref(),
            self.path("in").as_os_str(),
            "-o".as_ref(),
            output.as_os_str(),
            "--threads".as_ref(),
            "1".as_ref(),
        ]);
        unprivileged(&mut cmd);
        // Standard output and error go to files in the test's own folder.
        run_in(cmd, self.dir.path(), Duration::from_secs(120))
    }
}

impl Drop for PermissionTree {
    fn drop(&mut self) {
        // Give the modes back, so that the folder can be removed by a non-root user.
        for (p, mode) in [
            ("locked", 0o755),
            ("in/private", 0o755),
            ("in/secret.txt", 0o644),
        ] {
            let _ = fs::set_permissions(self.path(p), fs::Permissions::from_mode(mode));
        }
    }
}

/// An unreadable file and an unreadable folder are reported by path; the other files
/// are cleaned; status 1.
#[test]
fn unreadable_inputs() {
    let Some(t) = PermissionTree::for_test("unreadable_inputs") else {
        return;
    };
    let out = t.path("work/out");
    let r = t.clean(&out);
    assert_eq!(r.status.code(), Some(1), "{}", r.stderr);
    assert_denied(&r.stderr, &t.path("in/secret.txt"));
    assert_denied(&r.stderr, &t.path("in/private"));
    assert_eq!(tree(&out), ["a.txt", "sub/b.txt"]);
    let cleaner = Cleaner::default();
    assert_eq!(
        fs::read_to_string(out.join("a.txt")).unwrap(),
        cleaner.clean(&t.pages[0])
    );
    assert_eq!(
        fs::read_to_string(out.join("sub/b.txt")).unwrap(),
        cleaner.clean(&t.pages[1])
    );
    assert!(r.stdout.is_empty());
}

/// An output folder that exists but cannot be written to, and one that cannot be
/// created: each error names it, status 1, nothing written.
#[test]
fn unwritable_output() {
    let Some(t) = PermissionTree::for_test("unwritable_output") else {
        return;
    };
    let locked = t.path("locked");
    let r = t.clean(&locked);
    assert_eq!(r.status.code(), Some(1), "{}", r.stderr);
    for f in ["a.txt", "sub/b.txt"] {
        assert_denied(&r.stderr, &locked.join(f));
    }
    assert_eq!(tree(&locked), Vec::<String>::new());

    let inside = locked.join("new/out");
    let r = t.clean(&inside);
    assert_eq!(r.status.code(), Some(1), "{}", r.stderr);
    assert_denied(&r.stderr, &inside);
    assert!(!locked.join("new").exists());
}
