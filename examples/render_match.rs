//! How closely the HTML renderer reproduces the lines of the project's data, which the
//! reference renderer (`../shared/tools/html2lines.py`) made from the same pages.
//!
//! ```text
//! cargo run --release --example render_match -- ../shared/data [--min 0.98]
//!     [--source NAME] [--doc ID] [--worst N]
//! ```
//!
//! For each source: the share of the reference's non-blank lines that a rendered line
//! reproduces (same text, lined up by `render::align::align_lines`), and the share with
//! the same `link_chars` and markdown too. `--min` fails below that share of text
//! overall; `--doc` prints one page's lines that differ; `--worst` lists the pages of
//! each source with the most lines missed.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use dechaff::document::split_lines;
use dechaff::render::align::align_lines;
use dechaff::render::html;
use flate2::read::GzDecoder;
use rayon::prelude::*;
use serde::Deserialize;

const SOURCES: [&str; 10] = [
    "cleaneval",
    "cleanportaleval",
    "dragnet",
    "fundus",
    "htmltotext",
    "l3s-gn1",
    "readability",
    "trafilatura",
    "wcxb",
    "zh-news",
];

#[derive(Deserialize)]
struct Doc {
    id: String,
    lines: Vec<RefLine>,
}

#[derive(Deserialize)]
struct RefLine {
    text: String,
    link_chars: u32,
    md: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    docs: usize,
    lines: usize,
    text: usize,
    full: usize,
    bytes: usize,
    time: Duration,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.docs += o.docs;
        self.lines += o.lines;
        self.text += o.text;
        self.full += o.full;
        self.bytes += o.bytes;
        self.time += o.time;
    }
}

struct Args {
    data: PathBuf,
    min: Option<f64>,
    source: Option<String>,
    doc: Option<String>,
    worst: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data: PathBuf::from("../shared/data"),
        min: None,
        source: None,
        doc: None,
        worst: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--min" => args.min = Some(value()?.parse().map_err(|e| format!("--min: {e}"))?),
            "--source" => args.source = Some(value()?),
            "--doc" => args.doc = Some(value()?),
            "--worst" => args.worst = value()?.parse().map_err(|e| format!("--worst: {e}"))?,
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => args.data = PathBuf::from(a),
        }
    }
    Ok(args)
}

fn gunzip(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(File::open(path)?).read_to_end(&mut out)?;
    Ok(out)
}

/// One page's tally, and its differing lines when `show`.
fn compare(data: &Path, source: &str, doc: &Doc, show: bool) -> Tally {
    let page = gunzip(&data.join("html").join(source).join(format!("{}.html.gz", doc.id)))
        .unwrap_or_default();
    let start = Instant::now();
    let r = html::render(&page);
    let time = start.elapsed();
    let mut spans = Vec::new();
    split_lines(&r.text, &mut spans);
    assert_eq!(spans.len(), r.lines.len(), "{}: lines and markup disagree", doc.id);
    let ours: Vec<&str> = spans.iter().map(|s| s.text(&r.text)).collect();
    let theirs: Vec<&str> = doc.lines.iter().map(|l| l.text.as_str()).collect();
    let map = align_lines(&theirs, &ours);
    let mut t = Tally {
        docs: 1,
        lines: theirs.iter().filter(|l| !l.is_empty()).count(),
        bytes: page.len(),
        time,
        ..Tally::default()
    };
    let mut matched = vec![false; theirs.len()];
    for (i, j) in map.iter().enumerate() {
        let Some(j) = *j else { continue };
        if theirs[j].is_empty() {
            continue;
        }
        matched[j] = true;
        t.text += 1;
        let want = &doc.lines[j];
        let md = want.md.as_deref().unwrap_or(&want.text);
        if r.lines[i].link_chars == want.link_chars && r.line_md(i) == md {
            t.full += 1;
        } else if show {
            println!(
                "~ {:?}\n    ours   {} {:?}\n    theirs {} {:?}",
                want.text,
                r.lines[i].link_chars,
                r.line_md(i),
                want.link_chars,
                md
            );
        }
    }
    if show {
        for (i, j) in map.iter().enumerate() {
            if j.is_none() && !ours[i].is_empty() {
                println!("+ {:?}", ours[i]);
            }
        }
        for (j, m) in matched.iter().enumerate() {
            if !m && !theirs[j].is_empty() {
                println!("- {:?}", theirs[j]);
            }
        }
        println!("title: {:?}", r.title);
    }
    t
}

fn docs_of(data: &Path, source: &str) -> Vec<Doc> {
    let path = data.join("lines").join(format!("{source}.jsonl.gz"));
    let Ok(file) = File::open(&path) else {
        return Vec::new();
    };
    BufReader::new(GzDecoder::new(file))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read lines")).expect("parse a doc"))
        .collect()
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        100.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("render_match: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(id) = &args.doc {
        let source = SOURCES
            .iter()
            .filter(|s| id.starts_with(*s))
            .max_by_key(|s| s.len())
            .copied()
            .unwrap_or("");
        let docs = docs_of(&args.data, source);
        let Some(doc) = docs.iter().find(|d| &d.id == id) else {
            eprintln!("render_match: no page {id}");
            return ExitCode::from(2);
        };
        let t = compare(&args.data, source, doc, true);
        println!("{id}: {} of {} lines, {} in full", t.text, t.lines, t.full);
        return ExitCode::SUCCESS;
    }
    println!("| source | docs | lines | text | text+links+md | MB/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut all = Tally::default();
    for source in SOURCES {
        if args.source.as_deref().is_some_and(|s| s != source) {
            continue;
        }
        let docs = docs_of(&args.data, source);
        let tallies: Vec<Tally> = docs
            .par_iter()
            .map(|d| compare(&args.data, source, d, false))
            .collect();
        let mut t = Tally::default();
        tallies.iter().for_each(|x| t.add(x));
        all.add(&t);
        println!(
            "| {source} | {} | {} | {:.2} % | {:.2} % | {:.0} |",
            t.docs,
            t.lines,
            pct(t.text, t.lines),
            pct(t.full, t.lines),
            t.bytes as f64 / 1e6 / t.time.as_secs_f64().max(1e-9)
        );
        if args.worst > 0 {
            let mut order: Vec<usize> = (0..docs.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(tallies[i].lines - tallies[i].text));
            for &i in order.iter().take(args.worst) {
                let x = &tallies[i];
                eprintln!("    {} missed {} of {}", docs[i].id, x.lines - x.text, x.lines);
            }
        }
    }
    let share = pct(all.text, all.lines);
    println!(
        "| **all** | {} | {} | {:.2} % | {:.2} % | {:.0} |",
        all.docs,
        all.lines,
        share,
        pct(all.full, all.lines),
        all.bytes as f64 / 1e6 / all.time.as_secs_f64().max(1e-9)
    );
    if all.docs == 0 {
        eprintln!("render_match: no pages under {}", args.data.display());
        return ExitCode::FAILURE;
    }
    if let Some(min) = args.min {
        if share < 100.0 * min {
            eprintln!("render_match: {share:.2} % of lines reproduced, below the floor of {:.2} %", 100.0 * min);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
