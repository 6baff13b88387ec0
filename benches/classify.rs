//! Throughput of labelling lines and cost of loading a model.
//!
//! `cargo bench --bench classify`. Two groups:
//! - `classify`: bytes per second of `Cleaner::clean` and `Cleaner::classify` over every
//!   file of `samples/`, each its own document, on one thread with the embedded model;
//!   of the features alone (`features`: splitting lines and describing them, dense rows
//!   written out as training needs them), so that the model's share is the difference;
//!   and of what labelling does before the model (`analyse`: the line scan, word hashing,
//!   the document context, the hashed features; the dense features are computed as the
//!   model weighs them), the least any model over these features can cost;
//! - `load`: reading `models/default.bin`, from bytes already in memory and from the file.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dechaff::document::{split_lines, LineSpan};
use dechaff::features::{DocFeatures, Extractor, Markup};
use dechaff::Cleaner;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
static MODEL_BYTES: &[u8] = include_bytes!("../models/default.bin");

/// The texts of `samples/*.txt`, in name order.
fn samples() -> Vec<String> {
    let dir = Path::new(ROOT).join("samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no samples in {}", dir.display());
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn classify(c: &mut Criterion) {
    let docs = samples();
    let bytes: usize = docs.iter().map(String::len).sum();
    let cleaner = Cleaner::default();
    // Load the embedded model and grow the thread's buffers before measuring.
    for d in &docs {
        black_box(cleaner.clean(d));
    }

    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("clean", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(cleaner.clean(black_box(d)));
            }
        })
    });
    g.bench_function("classify", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(cleaner.classify(black_box(d)));
            }
        })
    });
    let (mut spans, mut f, mut extractor) =
        (Vec::new(), DocFeatures::default(), Extractor::default());
    type Describe = fn(&mut Extractor, &str, &[LineSpan], Option<Markup>, &mut DocFeatures);
    let describe: [(&str, Describe); 2] = [
        ("features", Extractor::extract),
        ("analyse", Extractor::analyse),
    ];
    for (name, describe) in describe {
        g.bench_function(name, |b| {
            b.iter(|| {
                for d in &docs {
                    spans.clear();
                    split_lines(black_box(d), &mut spans);
                    describe(&mut extractor, d, &spans, None, &mut f);
                    black_box(&f);
                }
            })
        });
    }
    g.finish();
}

fn load(c: &mut Criterion) {
    let path = Path::new(ROOT).join("models/default.bin");
    let mut g = c.benchmark_group("load");
    g.sample_size(20);
    g.bench_function("from_bytes", |b| {
        b.iter(|| dechaff::model::file::from_bytes(black_box(MODEL_BYTES)).expect("valid model"))
    });
    g.bench_function("from_model_file", |b| {
        b.iter(|| Cleaner::from_model_file(black_box(&path)).expect("valid model"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = classify, load
}
criterion_main!(benches);
