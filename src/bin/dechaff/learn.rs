//! `dechaff train` and `dechaff eval`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use dechaff::metrics::Scores;
use dechaff::{data, model, train, Error, Label};

use crate::args::{EvalArgs, TrainArgs, ALL_SOURCES, DEFAULT_DATA_DIR, SHIPPABLE_SOURCES};

/// The data files named with `--data`, or those of `sources` in the default folder.
fn data_files(given: &[PathBuf], sources: &[&str]) -> dechaff::Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = Path::new(DEFAULT_DATA_DIR);
    if !dir.is_dir() {
        let here = std::env::current_dir()
            .map(|d| format!(" (from {})", d.display()))
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "no --data given and the default data folder {DEFAULT_DATA_DIR} is absent{here}; \
             name the labelled JSON Lines files with --data, or run dechaff from the \
             project folder"
        )));
    }
    Ok(sources
        .iter()
        .map(|s| dir.join(format!("{s}.jsonl.gz")))
        .collect())
}

/// Reads the documents of `split` from `files`; none at all is an error.
fn load(files: &[PathBuf], split: &str) -> dechaff::Result<Vec<data::LabelledDoc>> {
    let mut docs = Vec::new();
    for f in files {
        docs.extend(data::read(f, Some(split))?);
    }
    if docs.is_empty() {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        return Err(Error::Invalid(format!(
            "no document of split '{split}' in {}; choose another with --split",
            names.join(", ")
        )));
    }
    Ok(docs)
}

/// Checks before training that the model can be written to `out`, so that a typo is
/// caught before the work rather than after it.
fn check_out(out: &Path) -> dechaff::Result<()> {
    let refuse = |why: &str| {
        Err(Error::Io {
            path: out.to_path_buf(),
            source: io::Error::other(why.to_string()),
        })
    };
    if out.is_dir() {
        return refuse("is a folder; name the model file to write");
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return refuse("its folder does not exist; create it first");
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: through a temporary file beside it,
/// renamed into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> dechaff::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    })
}

pub fn train(a: &TrainArgs) -> dechaff::Result<bool> {
    check_out(&a.out)?;
    let files = data_files(&a.data, &SHIPPABLE_SOURCES)?;
    let mut docs = load(&files, &a.split)?;
    train::add_crops(&mut docs, a.seed);
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
    write_atomically(&a.out, &bytes)?;
    log(&format!(
        "wrote {} ({} bytes)",
        a.out.display(),
        bytes.len()
    ));
    Ok(true)
}

/// Prints pooled content F1 and macro-F1 of the model with parts switched off.
fn print_ablations(model: &model::Model, prepared: &[train::Prepared]) {
    println!("ablation (pooled over all sources scored):");
    println!("{:<34} {:>10} {:>9}", "variant", "content F1", "macro-F1");
    for (name, variant) in train::ablations(model) {
        let mut pooled = Scores::default();
        for s in train::evaluate(&variant, prepared).values() {
            pooled.merge(s);
        }
        println!(
            "{:<34} {:>10.3} {:>9.3}",
            name,
            pooled.label(Label::Content).f1,
            pooled.macro_f1()
        );
    }
    println!();
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
    let want = match &a.check {
        Some(path) => Some(read_record(path)?),
        None => None,
    };
    let baseline = match &a.baseline {
        Some(path) => Some(crate::load_model(path)?),
        None => None,
    };
    let files = data_files(&a.data, &ALL_SOURCES)?;
    let docs = load(&files, &a.split)?;
    let prepared = train::prepare(&docs);
    drop(docs);
    let per_doc = train::score_documents(cleaner.model(), &prepared);
    let mut per_source: BTreeMap<&str, Scores> = BTreeMap::new();
    for (d, s) in prepared.iter().zip(&per_doc) {
        per_source.entry(&d.source).or_default().merge(s);
    }
    if a.ablate {
        print_ablations(cleaner.model(), &prepared);
    }
    let trained_on: Vec<String> = cleaner
        .model()
        .provenance
        .split(';')
        .find_map(|p| p.trim().strip_prefix("sources="))
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_default();

    let mut out = String::new();
    let _ = writeln!(out, "model: {}", cleaner.model().provenance);
    let _ = writeln!(out, "split: {}\n", a.split);
    let mut pooled = Scores::default();
    let mut pooled_all = Scores::default();
    let _ = writeln!(
        out,
        "{:<16} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "source", "lines", "content F1", "nav F1", "ad F1", "bio F1", "macro-F1", "tokens F1"
    );
    for (source, s) in &per_source {
        let f = |l: Label| s.label(l).f1;
        let _ = writeln!(
            out,
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
        if trained_on.iter().any(|t| t == source) {
            pooled.merge(s);
        }
    }
    out.push('\n');
    for (source, s) in &per_source {
        let _ = writeln!(out, "{}", s.report(source));
    }
    if pooled.lines() > 0 {
        let title = format!("pooled over training sources ({})", trained_on.join(", "));
        let _ = writeln!(out, "{}", pooled.report(&title));
    }
    let _ = writeln!(
        out,
        "{}",
        pooled_all.report("pooled over all sources scored")
    );
    // Each document of the training sources, with its scores under the model and under
    // the baseline (none when there is no baseline).
    let baseline = baseline.map(|b| train::score_documents(b.model(), &prepared));
    let pairs: Vec<(Scores, Scores)> = prepared
        .iter()
        .enumerate()
        .filter(|(_, d)| trained_on.contains(&d.source))
        .map(|(i, _)| {
            let base = baseline.as_ref().map(|b| b[i].clone()).unwrap_or_default();
            (per_doc[i].clone(), base)
        })
        .collect();
    if !pairs.is_empty() {
        write_spread(&mut out, &pairs, a.baseline.as_deref());
    }

    let record = Record {
        sources: trained_on,
        split: a.split.clone(),
        content_f1: pooled.label(Label::Content).f1,
        macro_f1: pooled.macro_f1(),
    };
    let mut ok = true;
    if let (Some(path), Some(want)) = (&a.check, &want) {
        ok = record.content_f1 >= want.content_f1 - 0.01 && record.macro_f1 >= want.macro_f1 - 0.01;
        let _ = writeln!(
            out,
            "quality check against {}: content F1 {:.4} (recorded {:.4}), macro-F1 {:.4} \
             (recorded {:.4}): {}",
            path.display(),
            record.content_f1,
            want.content_f1,
            record.macro_f1,
            want.macro_f1,
            if ok {
                "ok"
            } else {
                "FAILED (more than 0.01 below the record)"
            }
        );
    }
    crate::print(&out)?;
    if let Some(path) = &a.record {
        let json = serde_json::to_string_pretty(&record).expect("a record serialises") + "\n";
        write_atomically(path, json.as_bytes())?;
    }
    Ok(ok)
}

/// A pooled score of a model.
type Measure = fn(&Scores) -> f64;

/// How far the pooled scores over the training sources move when other pages of the same
/// sources are drawn: the middle 95 % over resamplings of the documents, for the model's
/// scores or, with a baseline, for the differences.
fn write_spread(out: &mut String, pairs: &[(Scores, Scores)], baseline: Option<&Path>) {
    let (mut model, mut base) = (Scores::default(), Scores::default());
    for (m, b) in pairs {
        model.merge(m);
        base.merge(b);
    }
    let measures: [(&str, Measure); 2] = [
        ("content F1", |s| s.label(Label::Content).f1),
        ("macro-F1", Scores::macro_f1),
    ];
    let _ = match baseline {
        None => writeln!(
            out,
            "over {} documents of the training sources, 95 % of resamplings of them give:",
            pairs.len()
        ),
        Some(path) => writeln!(
            out,
            "against {} on {} documents of the training sources (95 % of resamplings):",
            path.display(),
            pairs.len()
        ),
    };
    for (name, score) in measures {
        let (lo, hi) = train::spread(pairs, score);
        let _ = match baseline {
            None => writeln!(out, "  {name} {:.4}: {lo:.4} to {hi:.4}", score(&model)),
            Some(_) => writeln!(
                out,
                "  {name} {:.4} vs {:.4}: difference {:+.4}, {lo:+.4} to {hi:+.4}",
                score(&model),
                score(&base),
                score(&model) - score(&base)
            ),
        };
    }
}

fn read_record(path: &Path) -> dechaff::Result<Record> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: e.line(),
        message: format!("not a score record written by `dechaff eval --record`: {e}"),
    })
}
