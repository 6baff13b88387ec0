//! What a batch run did: counts, failures, time; as a summary for people and as JSON.

use std::fmt;
use std::path::PathBuf;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::jsonl::Outcome;
use crate::label::{Label, N_LABELS};
use crate::LineCounts;

/// An input that could not be cleaned, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The input.
    pub path: PathBuf,
    /// The error, as shown to the user.
    pub error: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Errors of the library already start with the path they concern.
        let shown = self.path.display().to_string();
        if self.error.starts_with(&shown) {
            f.write_str(&self.error)
        } else {
            write!(f, "{shown}: {}", self.error)
        }
    }
}

/// Lines seen per label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelCounts(pub [u64; N_LABELS]);

impl LabelCounts {
    /// Lines labelled `label`.
    pub fn get(&self, label: Label) -> u64 {
        self.0[label.index()]
    }

    /// Lines of every label.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for LabelCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(N_LABELS))?;
        for label in Label::ALL {
            map.serialize_entry(label.name(), &self.get(label))?;
        }
        map.end()
    }
}

/// Counts of a batch run. Byte counts are of decompressed text unless they say
/// otherwise.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Files cleaned and written.
    pub files: u64,
    /// Files left alone by `resume` because their output was up to date.
    pub files_skipped: u64,
    /// Files that failed (see `failures`).
    pub files_failed: u64,
    /// Documents cleaned: plain-text files plus cleaned JSON Lines records.
    pub documents: u64,
    /// JSON Lines records read (blank lines are not records).
    pub records: u64,
    /// Records that were not valid JSON, copied unchanged.
    pub records_malformed: u64,
    /// Valid records without a string text field, copied unchanged.
    pub records_without_field: u64,
    /// Bytes of input text.
    pub bytes_in: u64,
    /// Bytes of output text.
    pub bytes_out: u64,
    /// Bytes read from input files as stored (compressed or not).
    pub bytes_read: u64,
    /// Bytes written to output files as stored.
    pub bytes_written: u64,
    /// Non-blank lines per decoded label.
    pub lines: LabelCounts,
    /// Lines written out.
    pub lines_kept: u64,
    /// Inputs that failed, in the order they failed.
    pub failures: Vec<Failure>,
    /// Wall time of the run, in seconds.
    pub seconds: f64,
    /// Input text per second, in MB (10^6 bytes).
    pub mb_per_s: f64,
}

impl Stats {
    /// Whether nothing failed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.files_failed == 0
    }

    /// Adds the counts of `other` (not its time).
    pub fn merge(&mut self, other: &Stats) {
        self.files += other.files;
        self.files_skipped += other.files_skipped;
        self.files_failed += other.files_failed;
        self.documents += other.documents;
        self.records += other.records;
        self.records_malformed += other.records_malformed;
        self.records_without_field += other.records_without_field;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.bytes_read += other.bytes_read;
        self.bytes_written += other.bytes_written;
        for i in 0..N_LABELS {
            self.lines.0[i] += other.lines.0[i];
        }
        self.lines_kept += other.lines_kept;
        self.failures.extend(other.failures.iter().cloned());
    }

    /// Records a failed input.
    pub fn fail(&mut self, failure: Failure) {
        self.files_failed += 1;
        self.failures.push(failure);
    }

    /// Sets the wall time and the throughput it gives.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = seconds;
        self.mb_per_s = if seconds > 0.0 {
            self.bytes_in as f64 / 1e6 / seconds
        } else {
            0.0
        };
    }

    pub(crate) fn count_record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Cleaned => {
                self.records += 1;
                self.documents += 1;
            }
            Outcome::Malformed => {
                self.records += 1;
                self.records_malformed += 1;
            }
            Outcome::NoField => {
                self.records += 1;
                self.records_without_field += 1;
            }
            Outcome::Blank => {}
        }
    }

    pub(crate) fn add_counts(&mut self, counts: &LineCounts) {
        for i in 0..N_LABELS {
            self.lines.0[i] += counts.labels[i];
        }
        self.lines_kept += counts.written;
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("stats serialise")
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in the largest unit that leaves a number of at least 1 (powers of 1000).
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.2} {}", UNITS[unit])
    }
}

impl fmt::Display for Stats {
    /// A few lines for people: what was read and written, the lines per label, what
    /// failed, the time and the throughput.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} files", thousands(self.files))?;
        if self.files_skipped > 0 {
            write!(f, ", {} up to date", thousands(self.files_skipped))?;
        }
        write!(f, ", {} failed", thousands(self.files_failed))?;
        write!(f, "; {} documents", thousands(self.documents))?;
        if self.records > 0 {
            write!(
                f,
                "; {} records ({} malformed, {} without the field)",
                thousands(self.records),
                thousands(self.records_malformed),
                thousands(self.records_without_field)
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "text: {} in, {} out; stored: {} read, {} written",
            bytes(self.bytes_in),
            bytes(self.bytes_out),
            bytes(self.bytes_read),
            bytes(self.bytes_written)
        )?;
        write!(f, "lines:")?;
        for label in Label::ALL {
            write!(f, " {} {}", label.name(), thousands(self.lines.get(label)))?;
        }
        writeln!(
            f,
            "; kept {} of {}",
            thousands(self.lines_kept),
            thousands(self.lines.total())
        )?;
        write!(
            f,
            "time: {:.2} s, {:.1} MB/s of text",
            self.seconds, self.mb_per_s
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(2_500_000), "2.50 MB");
    }

    #[test]
    fn json_names_each_label() {
        let mut s = Stats::default();
        s.lines.0[Label::Bio.index()] = 3;
        s.fail(Failure {
            path: "a/b.txt".into(),
            error: "a/b.txt: denied".into(),
        });
        let v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(v["lines"]["bio"], 3);
        assert_eq!(v["lines"]["content"], 0);
        assert_eq!(v["files_failed"], 1);
        assert_eq!(v["failures"][0]["path"], "a/b.txt");
        assert_eq!(s.failures[0].to_string(), "a/b.txt: denied");
    }
}
