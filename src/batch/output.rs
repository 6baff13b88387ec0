//! Output files that appear whole or not at all.
//!
//! Each output is written to a hidden temporary file beside it,
//! `.NAME.dechaff-tmp-PID-N`, and renamed to its name once complete. A failed output
//! removes its temporary file; [`remove_temporaries`] removes those still being
//! written, for a handler of Ctrl-C or `kill` to call before the process exits. Only
//! an uncatchable kill (`kill -9`, a crash) can leave a temporary file behind, never a
//! partial output under the real name, and the next run into the same folders removes
//! it (`sweep_stale`).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// Temporary files being written, by every batch of the process.
static LIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
static NEXT: AtomicU64 = AtomicU64::new(0);

fn live() -> MutexGuard<'static, Option<HashSet<PathBuf>>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What temporary files are named with, after the output's own name.
pub const TEMP_MARK: &str = ".dechaff-tmp-";

/// Removes every temporary output file still being written, and keeps any other from
/// being renamed into place afterwards. For a signal handler that then exits.
pub fn remove_temporaries() {
    let mut guard = live();
    if let Some(set) = guard.as_mut() {
        for path in set.drain() {
            let _ = fs::remove_file(path);
        }
    }
    // Leave the lock held: a worker finishing now must not rename a file into place.
    std::mem::forget(guard);
}

/// Removes the temporary files in `dir` of processes that no longer run: what a killed
/// run left. Those of running processes, this one's included, stay. Returns how many
/// were removed. Where no `/proc` tells which processes run, it removes nothing.
pub(crate) fn sweep_stale(dir: &Path) -> usize {
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        let running = Path::new("/proc").join(pid.to_string()).exists();
        if !running && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in the name of a temporary file, `.NAME.dechaff-tmp-PID-N`.
fn temp_owner(name: &str) -> Option<u32> {
    let (before, after) = name.rsplit_once(TEMP_MARK)?;
    let (pid, n) = after.split_once('-')?;
    let well_formed = before.starts_with('.') && n.bytes().all(|b| b.is_ascii_digit());
    well_formed.then(|| pid.parse().ok()).flatten()
}

/// An output being written.
pub(crate) struct AtomicFile {
    temp: PathBuf,
    dest: PathBuf,
    file: Option<File>,
    written: u64,
}

impl AtomicFile {
    /// Creates the temporary file for `dest`, and the directories above it.
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir)?;
        let name = dest.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "output has no file name")
        })?;
        let temp = dir.join(format!(
            ".{}{TEMP_MARK}{}-{}",
            name.to_string_lossy(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut guard = live();
        let file = File::options().write(true).create_new(true).open(&temp)?;
        guard.get_or_insert_with(HashSet::new).insert(temp.clone());
        Ok(AtomicFile {
            temp,
            dest: dest.to_path_buf(),
            file: Some(file),
            written: 0,
        })
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Renames the complete file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file.take().expect("not yet committed");
        drop(file);
        let mut guard = live();
        let set = guard.get_or_insert_with(HashSet::new);
        if !set.contains(&self.temp) {
            return Err(io::Error::other("interrupted"));
        }
        let result = fs::rename(&self.temp, &self.dest);
        if result.is_ok() {
            set.remove(&self.temp);
        }
        result
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.as_mut().expect("not yet committed").write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("not yet committed")
            .write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("not yet committed").flush()
    }
}

impl Drop for AtomicFile {
    /// An output dropped before its commit is removed.
    fn drop(&mut self) {
        self.file.take();
        let mut guard = live();
        if let Some(set) = guard.as_mut() {
            if set.remove(&self.temp) {
                let _ = fs::remove_file(&self.temp);
            }
        }
    }
}

/// Whether `output` exists and was modified no earlier than `input`.
pub(crate) fn up_to_date(input: &Path, output: &Path) -> bool {
    fn modified(p: &Path) -> Option<SystemTime> {
        fs::metadata(p).ok()?.modified().ok()
    }
    match (modified(input), modified(output)) {
        (Some(i), Some(o)) => o >= i,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sub/out.txt");
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"hello").unwrap();
        assert!(!dest.exists());
        assert_eq!(names(&dir.path().join("sub")).len(), 1);
        assert_eq!(f.written(), 5);
        f.commit().unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"hello");
        assert_eq!(names(&dir.path().join("sub")), ["out.txt"]);

        let other = dir.path().join("sub/other.txt");
        let mut f = AtomicFile::create(&other).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert_eq!(names(&dir.path().join("sub")), ["out.txt"]);
    }

    #[test]
    fn sweeps_the_temporaries_of_dead_processes_only() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        // No process has an id this large (Linux caps them at 2^22).
        let dead = u32::MAX - 7;
        for name in [
            format!(".a.txt{TEMP_MARK}{dead}-0"),
            format!(".b.txt{TEMP_MARK}{me}-3"),
            format!("c.txt{TEMP_MARK}{dead}-0"),
            format!(".d.txt{TEMP_MARK}{dead}-x"),
            "e.txt".to_string(),
        ] {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        let removed = sweep_stale(dir.path());
        if !Path::new("/proc/self").exists() {
            assert_eq!(removed, 0);
            return;
        }
        assert_eq!(removed, 1);
        assert_eq!(
            names(dir.path()),
            [
                format!(".b.txt{TEMP_MARK}{me}-3"),
                format!(".d.txt{TEMP_MARK}{dead}-x"),
                format!("c.txt{TEMP_MARK}{dead}-0"),
                "e.txt".to_string(),
            ]
        );
    }
}
