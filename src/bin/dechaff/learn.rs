//! `dechaff train` and `dechaff eval`.

use std::path::{Path, PathBuf};

use dechaff::metrics::Scores;
use dechaff::{data, model, train, Label};

use crate::args::{EvalArgs, TrainArgs, ALL_SOURCES, DEFAULT_DATA_DIR, SHIPPABLE_SOURCES};

fn default_files(sources: &[&str]) -> dechaff::Result<Vec<PathBuf>> {
    let dir = Path::new(DEFAULT_DATA_DIR);
    if !dir.is_dir() {
        return Err(dechaff::Error::Invalid(format!(
            "no --data given and the default data folder {DEFAULT_DATA_DIR} is absent; \
             name the labelled JSON Lines files with --data"
        )));
    }
    Ok(sources
        .iter()
        .map(|s| dir.join(format!("{s}.jsonl.gz")))
        .collect())
}

fn load(files: &[PathBuf], split: &str) -> dechaff::Result<Vec<data::LabelledDoc>> {
    let mut docs = Vec::new();
    for f in files {
        docs.extend(data::read(f, Some(split))?);
    }
    Ok(docs)
}

pub fn train(a: &TrainArgs) -> dechaff::Result<bool> {
    let files = if a.data.is_empty() {
        default_files(&SHIPPABLE_SOURCES)?
    } else {
        a.data.clone()
    };
    let docs = load(&files, &a.split)?;
    let prepared = train::prepare(&docs);
    drop(docs);
    let opts = train::Options {
        seed: a.seed,
        epochs: a.epochs,
        ..train::Options::default()
    };
    let quiet = a.quiet;
    let log = move |msg: &str| {
        if !quiet {
            eprintln!("dechaff train: {msg}");
        }
    };
    let m = train::train(&prepared, &opts, &log)?;
    let bytes = model::file::to_bytes(&m);
    let tmp = a.out.with_extension("bin.tmp");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, &a.out))
        .map_err(|e| dechaff::Error::Io {
            path: a.out.clone(),
            source: e,
        })?;
    log(&format!(
        "wrote {} ({} bytes)",
        a.out.display(),
        bytes.len()
    ));
    Ok(true)
}

/// Pooled scores recorded for a shipped model.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    sources: Vec<String>,
    split: String,
    content_f1: f64,
    macro_f1: f64,
}

pub fn eval(a: &EvalArgs) -> dechaff::Result<bool> {
    let cleaner = crate::cleaner(&a.model)?;
    let files = if a.data.is_empty() {
        default_files(&ALL_SOURCES)?
    } else {
        a.data.clone()
    };
    let docs = load(&files, &a.split)?;
    let prepared = train::prepare(&docs);
    drop(docs);
    let per_source = train::evaluate(cleaner.model(), &prepared);
    let trained_on: Vec<String> = cleaner
        .model()
        .provenance
        .split(';')
        .find_map(|p| p.trim().strip_prefix("sources="))
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();

    println!("model: {}", cleaner.model().provenance);
    println!("split: {}\n", a.split);
    let mut pooled = Scores::default();
    let mut pooled_all = Scores::default();
    println!(
        "{:<16} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "source", "lines", "content F1", "nav F1", "ad F1", "bio F1", "macro-F1", "tokens F1"
    );
    for (source, s) in &per_source {
        let f = |l: Label| s.label(l).f1;
        println!(
            "{:<16} {:>8} {:>10.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.3}",
            source,
            s.lines(),
            f(Label::Content),
            f(Label::Navigation),
            f(Label::Advertisement),
            f(Label::Bio),
            s.macro_f1(),
            s.content_tokens().f1
        );
        pooled_all.merge(s);
        if trained_on.contains(source) {
            pooled.merge(s);
        }
    }
    println!();
    for (source, s) in &per_source {
        println!("{}", s.report(source));
    }
    if pooled.lines() > 0 {
        println!(
            "{}",
            pooled.report(&format!(
                "pooled over training sources ({})",
                trained_on.join(", ")
            ))
        );
    }
    println!("{}", pooled_all.report("pooled over all sources scored"));

    let record = Record {
        sources: trained_on,
        split: a.split.clone(),
        content_f1: pooled.label(Label::Content).f1,
        macro_f1: pooled.macro_f1(),
    };
    if let Some(path) = &a.record {
        let json = serde_json::to_string_pretty(&record).expect("record serialises");
        std::fs::write(path, json + "\n").map_err(|e| dechaff::Error::Io {
            path: path.clone(),
            source: e,
        })?;
    }
    if let Some(path) = &a.check {
        let text = std::fs::read_to_string(path).map_err(|e| dechaff::Error::Io {
            path: path.clone(),
            source: e,
        })?;
        let want: Record = serde_json::from_str(&text).map_err(|e| dechaff::Error::Data {
            path: path.clone(),
            line: 1,
            message: e.to_string(),
        })?;
        let ok =
            record.content_f1 >= want.content_f1 - 0.01 && record.macro_f1 >= want.macro_f1 - 0.01;
        println!(
            "quality check against {}: content F1 {:.4} (recorded {:.4}), macro-F1 {:.4} (recorded {:.4}): {}",
            path.display(),
            record.content_f1,
            want.content_f1,
            record.macro_f1,
            want.macro_f1,
            if ok { "ok" } else { "FAILED (more than 0.01 below the record)" }
        );
        return Ok(ok);
    }
    Ok(true)
}
