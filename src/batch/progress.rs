//! Progress on a terminal, and messages that do not tear it.
//!
//! [`Progress`] is an [`Observer`]: it prints failures (and warnings, unless quiet) on
//! standard error as they happen, and, when enabled, redraws one status line there a
//! few times a second: files done, bytes read, speed and time left.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::stats::{bytes, Failure};
use super::Observer;

/// How often the status line is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// A progress line and message printer on standard error.
pub struct Progress {
    bar: bool,
    quiet: bool,
    start: Instant,
    files_total: AtomicU64,
    bytes_total: AtomicU64,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    records: AtomicU64,
    /// Held while writing to standard error; says whether a status line is shown.
    screen: Mutex<bool>,
    stop: AtomicBool,
    wake: Condvar,
    drawer: Mutex<Option<JoinHandle<()>>>,
}

impl Progress {
    /// A printer of messages, with a status line when `bar` is true and standard
    /// error is a terminal. `quiet` silences warnings (and the bar), not failures.
    pub fn new(bar: bool, quiet: bool) -> Arc<Progress> {
        let bar = bar && !quiet && io::stderr().is_terminal();
        let p = Arc::new(Progress {
            bar,
            quiet,
            start: Instant::now(),
            files_total: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            records: AtomicU64::new(0),
            screen: Mutex::new(false),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
            drawer: Mutex::new(None),
        });
        if bar {
            let weak = Arc::downgrade(&p);
            let handle = std::thread::Builder::new()
                .name("dechaff-progress".into())
                .spawn(move || loop {
                    let Some(p) = weak.upgrade() else { return };
                    let guard = p.screen.lock().unwrap_or_else(|e| e.into_inner());
                    let (mut shown, _) = p
                        .wake
                        .wait_timeout(guard, TICK)
                        .unwrap_or_else(|e| e.into_inner());
                    if p.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    p.draw(&mut shown);
                })
                .ok();
            *p.drawer.lock().unwrap_or_else(|e| e.into_inner()) = handle;
        }
        p
    }

    /// Whether a status line is drawn.
    pub fn shows_bar(&self) -> bool {
        self.bar
    }

    /// Stops redrawing and clears the status line.
    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_all();
        let handle = self.drawer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        let mut shown = self.screen.lock().unwrap_or_else(|e| e.into_inner());
        clear(&mut shown);
    }

    /// Prints a line on standard error without tearing the status line.
    pub fn message(&self, line: &str) {
        let mut shown = self.screen.lock().unwrap_or_else(|e| e.into_inner());
        clear(&mut shown);
        let _ = writeln!(io::stderr().lock(), "{line}");
    }

    fn draw(&self, shown: &mut bool) {
        let line = self.status();
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        *shown = true;
    }

    /// The status line.
    fn status(&self) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let done = self.bytes_done.load(Ordering::Relaxed);
        let total = self.bytes_total.load(Ordering::Relaxed);
        let files = self.files_done.load(Ordering::Relaxed);
        let files_total = self.files_total.load(Ordering::Relaxed);
        let rate = done as f64 / secs;
        let mut s = String::new();
        if total > 0 {
            let frac = (done as f64 / total as f64).min(1.0);
            let width = 24;
            let filled = (frac * width as f64).round() as usize;
            s.push('[');
            s.extend(std::iter::repeat_n('#', filled));
            s.extend(std::iter::repeat_n('.', width - filled));
            s.push_str("] ");
            s.push_str(&format!("{:3.0}%  ", frac * 100.0));
        }
        if files_total > 0 {
            s.push_str(&format!("{files}/{files_total} files  "));
        }
        let records = self.records.load(Ordering::Relaxed);
        if records > 0 {
            s.push_str(&format!("{records} records  "));
        }
        s.push_str(&bytes(done));
        if total > 0 {
            s.push_str(&format!("/{}", bytes(total)));
        }
        s.push_str(&format!("  {:.1} MB/s", rate / 1e6));
        if total > done && rate > 0.0 {
            let left = ((total - done) as f64 / rate) as u64;
            s.push_str(&format!(
                "  ETA {}:{:02}:{:02}",
                left / 3600,
                left / 60 % 60,
                left % 60
            ));
        }
        s
    }
}

fn clear(shown: &mut bool) {
    if *shown {
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
        *shown = false;
    }
}

impl Observer for Progress {
    fn start(&self, files: u64, bytes: u64) {
        self.files_total.fetch_add(files, Ordering::Relaxed);
        self.bytes_total.fetch_add(bytes, Ordering::Relaxed);
    }

    fn read(&self, bytes: u64) {
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
    }

    fn records(&self, n: u64) {
        self.records.fetch_add(n, Ordering::Relaxed);
    }

    fn file_done(&self, _path: &Path) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
    }

    fn failed(&self, failure: &Failure) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.message(&format!("dechaff: {failure}"));
    }

    fn warning(&self, path: &Path, message: &str) {
        if !self.quiet {
            self.message(&format!("dechaff: warning: {}: {message}", path.display()));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_all();
    }
}
