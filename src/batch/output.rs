//! Output files that appear whole or not at all.
//!
//! Each output is written to a hidden temporary file beside it,
//! `.NAME.dechaff-tmp-PID-N`, and renamed to its name once complete. A failed output
//! removes its temporary file; [`remove_temporaries`] removes those still being
//! written, for a handler of Ctrl-C or `kill` to call before the process exits. Only
//! an uncatchable kill (`kill -9`, a crash) can leave a temporary file behind, never a
//! partial output under the real name.

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
}
