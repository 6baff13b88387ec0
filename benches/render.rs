//! Throughput of reading pages: HTML and markdown, rendered alone and cleaned whole.
//!
//! `cargo bench --bench render`: bytes per second on one thread, over the dev pages of
//! `readability` and `fundus` in `../shared/data` when it is there (each page its own
//! document), else over `samples/html/`. The markdown pages are the same pages as
//! dechaff writes them in markdown (every line kept).
//!
//! - `html/render`: `render::html::render`, HTML to lines;
//! - `html/clean`: rendering and labelling with the embedded HTML model;
//! - `markdown/render` and `markdown/clean`: the same for markdown.

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dechaff::render::{html, markdown};
use dechaff::{Cleaner, InputKind, OutputFormat};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SOURCES: [&str; 2] = ["readability", "fundus"];

/// The dev pages of [`SOURCES`], by the data's manifest.
fn data_pages() -> Vec<Vec<u8>> {
    let data = Path::new(ROOT).join("../shared/data");
    let Ok(manifest) = std::fs::read_to_string(data.join("manifest.tsv")) else {
        return Vec::new();
    };
    manifest
        .lines()
        .skip(1)
        .filter_map(|row| {
            let f: Vec<&str> = row.split('\t').collect();
            (f.len() > 9 && SOURCES.contains(&f[1]) && f[2] == "dev").then(|| data.join(f[9]))
        })
        .filter_map(|p| {
            let mut page = Vec::new();
            flate2::read::GzDecoder::new(std::fs::File::open(p).ok()?)
                .read_to_end(&mut page)
                .ok()?;
            Some(page)
        })
        .collect()
}

fn sample_pages() -> Vec<Vec<u8>> {
    let dir = Path::new(ROOT).join("samples/html");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("sample page"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut pages = data_pages();
    let what = if pages.is_empty() {
        pages = sample_pages();
        "samples"
    } else {
        "data_dev"
    };
    eprintln!("pages: {what}");
    let markdown_pages: Vec<Vec<u8>> = pages.iter().map(|p| as_markdown(p)).collect();
    for (kind, pages) in [
        (InputKind::Html, &pages),
        (InputKind::Markdown, &markdown_pages),
    ] {
        let bytes: usize = pages.iter().map(Vec::len).sum();
        let mut g = c.benchmark_group(kind.name());
        g.throughput(Throughput::Bytes(bytes as u64));
        g.measurement_time(Duration::from_secs(10));
        g.bench_function("render", |b| {
            b.iter(|| {
                for p in pages.iter() {
                    black_box(dechaff::render::render(black_box(p), kind));
                }
            })
        });
        let cleaner = Cleaner::for_input(kind);
        g.bench_function("clean", |b| {
            b.iter(|| {
                for p in pages.iter() {
                    black_box(cleaner.clean_bytes(black_box(p), OutputFormat::Text));
                }
            })
        });
        g.finish();
    }
}

/// An HTML page as markdown, every line kept.
fn as_markdown(page: &[u8]) -> Vec<u8> {
    markdown::write_page(&html::render(page)).into_bytes()
}

criterion_group!(benches, bench);
criterion_main!(benches);
