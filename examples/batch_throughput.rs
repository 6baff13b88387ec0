//! End-to-end throughput of the batch runner (read, decompress, clean, compress, write)
//! on a generated corpus, with 1 and 2 threads.
//!
//! ```text
//! cargo run --release --example batch_throughput -- [--mb 2048] [--dir /tmp/dechaff-bench]
//!     [--threads 1,2] [--keep]
//! ```
//!
//! Builds under `--dir`, from the pages of `samples/`:
//! - `corpus.jsonl`: `--mb` megabytes of JSON Lines records (`id`, `url`, `text`,
//!   `fetched`), each text a shuffle of paragraphs of the sample pages;
//! - `corpus.jsonl.gz`: the same, gzip'd;
//! - `text/`: plain-text files of about 40 kB each, a quarter of `--mb` in all.
//!
//! Then cleans each into `--dir/out` with each thread count through
//! [`dechaff::batch::Batch::clean_tree`], the same call as `dechaff clean IN -o OUT`,
//! and prints MB/s of (decompressed) input text, with the CPU time used and its share
//! of the wall time of each thread (below 100% when other programs took the cores); then, on one thread, the JSON Lines
//! runs again with a field that no record has, which measures everything but the
//! model (read, decompress, parse, compress, write). The corpus is deleted at the end
//! unless `--keep`. Peak memory is measured on the command line instead, where nothing
//! else shares the process:
//!
//! ```text
//! /usr/bin/time -v target/release/dechaff clean --threads 2 DIR/corpus.jsonl -o DIR/out
//! ```

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use dechaff::batch::{compress_into, Batch, Compression, Options, Stats};
use dechaff::Cleaner;
use rayon::prelude::*;

struct Args {
    mb: u64,
    dir: PathBuf,
    threads: Vec<usize>,
    keep: bool,
}

fn args() -> Args {
    let mut a = Args {
        mb: 2048,
        dir: std::env::temp_dir().join("dechaff-bench"),
        threads: vec![1, 2],
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--mb" => a.mb = value().parse().expect("--mb N"),
            "--dir" => a.dir = PathBuf::from(value()),
            "--threads" => {
                a.threads = value()
                    .split(',')
                    .map(|t| t.parse().expect("--threads 1,2"))
                    .collect()
            }
            "--keep" => a.keep = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// A small, fast, reproducible generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Paragraphs (runs of non-blank lines) of every sample page.
fn paragraphs() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("samples/")
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = fs::read_to_string(&p).unwrap();
        for para in text.split("\n\n") {
            if !para.trim().is_empty() {
                out.push(para.trim_matches('\n').to_string());
            }
        }
    }
    assert!(!out.is_empty(), "no sample text");
    out
}

/// A page of 6 to 30 paragraphs, the first few kept in order as a header.
fn page(rng: &mut Rng, paras: &[String], out: &mut String) {
    out.clear();
    let n = 6 + rng.below(25);
    for i in 0..n {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&paras[rng.below(paras.len())]);
    }
    out.push('\n');
}

/// Writes `mb` megabytes of records, and the same gzip'd (compressed in parallel, as
/// concatenated members).
fn make_jsonl(dir: &Path, mb: u64, paras: &[String]) -> (PathBuf, PathBuf) {
    let plain = dir.join("corpus.jsonl");
    let gz = dir.join("corpus.jsonl.gz");
    let mut p = BufWriter::with_capacity(1 << 20, fs::File::create(&plain).unwrap());
    let mut g = BufWriter::with_capacity(1 << 20, fs::File::create(&gz).unwrap());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    let target = mb * 1_000_000;
    let mut written = 0u64;
    let mut id = 0u64;
    while written < target {
        // 64 MB at a time: records in order, then gzip'd in parallel pieces.
        let mut block = Vec::with_capacity(64 << 20);
        while block.len() < 64 << 20 && written + (block.len() as u64) < target {
            page(&mut rng, paras, &mut text);
            let rec = serde_json::json!({
                "id": id,
                "url": format!("https://example.com/news/{id:08}"),
                "text": text,
                "fetched": "2024-06-20T12:00:00Z",
            });
            serde_json::to_writer(&mut block, &rec).unwrap();
            block.push(b'\n');
            id += 1;
        }
        p.write_all(&block).unwrap();
        written += block.len() as u64;
        let packed: Vec<Vec<u8>> = block
            .par_chunks(4 << 20)
            .map(|piece| {
                let mut out = Vec::new();
                compress_into(Compression::Gzip, piece, &mut out).unwrap();
                out
            })
            .collect();
        for piece in packed {
            g.write_all(&piece).unwrap();
        }
    }
    p.flush().unwrap();
    g.flush().unwrap();
    (plain, gz)
}

/// Writes plain-text files of about 40 kB, `mb` megabytes in all, 500 to a folder.
fn make_text(dir: &Path, mb: u64, paras: &[String]) -> PathBuf {
    let root = dir.join("text");
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut text = String::new();
    let mut doc = String::new();
    let mut written = 0u64;
    let mut n = 0;
    while written < mb * 1_000_000 {
        doc.clear();
        while doc.len() < 40_000 {
            page(&mut rng, paras, &mut text);
            doc.push_str(&text);
            doc.push('\n');
        }
        let sub = root.join(format!("{:04}", n / 500));
        if n % 500 == 0 {
            fs::create_dir_all(&sub).unwrap();
        }
        fs::write(sub.join(format!("{n:06}.txt")), &doc).unwrap();
        written += doc.len() as u64;
        n += 1;
    }
    root
}

/// CPU seconds (user and system) this process has used so far, from /proc on Linux;
/// 0 elsewhere. Beside wall time, it shows when other programs took the cores.
fn cpu_seconds() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn run(input: &Path, out: &Path, threads: usize, options: &Options) -> (Stats, f64) {
    let _ = fs::remove_dir_all(out);
    let cpu = cpu_seconds();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let batch = Batch::new(&Cleaner::default(), options.clone());
    let stats = pool
        .install(|| batch.clean_tree(&[input.to_path_buf()], out))
        .unwrap();
    assert!(stats.ok(), "{:?}", stats.failures);
    let cpu = cpu_seconds() - cpu;
    let _ = fs::remove_dir_all(out);
    (stats, cpu)
}

fn main() {
    let a = args();
    fs::create_dir_all(&a.dir).unwrap();
    let paras = paragraphs();
    let t = Instant::now();
    let (plain, gz) = make_jsonl(&a.dir, a.mb, &paras);
    let text = make_text(&a.dir, (a.mb / 4).max(1), &paras);
    let size = |p: &Path| fs::metadata(p).unwrap().len() as f64 / 1e6;
    println!(
        "corpus in {}: {:.0} MB JSON Lines, {:.0} MB gzip'd, {} MB of text files; made in {:.1} s",
        a.dir.display(),
        size(&plain),
        size(&gz),
        (a.mb / 4).max(1),
        t.elapsed().as_secs_f64()
    );
    // Warm the model and the page cache before measuring.
    let _ = Cleaner::default().clean("warm up");

    let out = a.dir.join("out");
    println!(
        "{:<22} {:>7} {:>10} {:>10} {:>10} {:>8} {:>8} {:>9}",
        "input", "threads", "seconds", "MB/s", "records", "speedup", "cpu s", "cpu/core"
    );
    for (name, input) in [("jsonl", &plain), ("jsonl.gz", &gz), ("text files", &text)] {
        let mut first = None;
        for &threads in &a.threads {
            let (s, cpu) = run(input, &out, threads, &Options::default());
            let base = *first.get_or_insert(s.mb_per_s);
            println!(
                "{:<22} {:>7} {:>10.2} {:>10.1} {:>10} {:>7.2}x {:>8.1} {:>8.0}%",
                name,
                threads,
                s.seconds,
                s.mb_per_s,
                s.records.max(s.documents),
                s.mb_per_s / base,
                cpu,
                100.0 * cpu / s.seconds / threads as f64
            );
        }
    }
    // The same runs with a field no record has: every record is read, parsed, and
    // written unchanged, but none is cleaned. What is left is the cost of the batch
    // runner itself: reading, decompressing, JSON, compressing, writing.
    let plumbing = Options {
        field: "no-such-field".into(),
        ..Options::default()
    };
    for (name, input) in [
        ("jsonl, no cleaning", &plain),
        ("jsonl.gz, no cleaning", &gz),
    ] {
        let (s, cpu) = run(input, &out, 1, &plumbing);
        println!(
            "{:<22} {:>7} {:>10.2} {:>10.1} {:>10} {:>8} {:>8.1} {:>8.0}%",
            name,
            1,
            s.seconds,
            s.mb_per_s,
            s.records,
            "",
            cpu,
            100.0 * cpu / s.seconds
        );
    }
    if !a.keep {
        fs::remove_dir_all(&a.dir).unwrap();
    }
}
