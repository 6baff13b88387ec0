//! `dechaff train` and `dechaff eval`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use dechaff::metrics::{PageScores, Scores};
use dechaff::{data, model, train, Cleaner, Error, InputKind, Label};
use rayon::prelude::*;

use crate::args::{
    EvalArgs, PagesArg, TrainArgs, ALL_SOURCES, DEFAULT_DATA_DIR, SHIPPABLE_SOURCES,
};

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

/// Reads the documents of `split` from `files`, rendered from their pages as `pages`
/// says; none at all is an error.
fn load(
    files: &[PathBuf],
    split: &str,
    pages: &PagesArg,
    kind: InputKind,
) -> dechaff::Result<Vec<data::LabelledDoc>> {
    let mut docs = Vec::new();
    for f in files {
        docs.extend(data::read(f, Some(split))?);
    }
    if kind != InputKind::Text {
        docs = docs
            .par_iter()
            .map(|d| data::rerender(d, &pages.html, kind))
            .collect::<dechaff::Result<_>>()?;
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
    let mut docs = load(&files, &a.split, &a.pages, a.pages.input)?;
    if a.sites < 1.0 {
        docs.retain(|d| train::site_share(d) < a.sites);
    }
    train::add_crops(&mut docs, a.seed);
    let prepared = train::prepare(&docs);
    drop(docs);
    let opts = train::Options {
        seed: a.seed,
        epochs: a.epochs,
        input: a.pages.input,
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
    /// The page metric on article pages ([`is_article`]); absent from older records.
    #[serde(default)]
    articles_page_f1: Option<f64>,
}

/// Whether a page counts among the articles of the page metric: the news and blog pages
/// of the sources made of them, and WCXB's pages of type `article`. Trafilatura's pages
/// are left out (their gold is a few snippets a page), and so are the sources whose pages
/// are of every kind.
fn is_article(source: &str, page_type: Option<&str>) -> bool {
    match source {
        "readability" | "dragnet" | "l3s-gn1" | "cleanportaleval" | "fundus" => true,
        "wcxb" => page_type == Some("article"),
        _ => false,
    }
}

/// The page metric per group of pages: articles, all pages but trafilatura's, each
/// source, and each of WCXB's page types.
fn page_table(prepared: &[train::Prepared], per_doc: &[train::DocScores]) -> String {
    let mut groups: BTreeMap<String, PageScores> = BTreeMap::new();
    let (mut articles, mut all) = (PageScores::default(), PageScores::default());
    for (d, s) in prepared.iter().zip(per_doc) {
        let Some(page) = &s.page else { continue };
        if d.source != "trafilatura" {
            all.merge(page);
        }
        if is_article(&d.source, d.page_type.as_deref()) {
            articles.merge(page);
        }
        groups.entry(d.source.clone()).or_default().merge(page);
        if let Some(t) = d.page_type.as_deref().filter(|_| d.source == "wcxb") {
            groups
                .entry(format!("{} {t}", d.source))
                .or_default()
                .merge(page);
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "page metric (word 4-grams of the kept text against the page's content; precision and \
         recall averaged over pages, F1 of the means; pages without content skipped; \
         trafilatura's pages, whose gold is a few snippets, only in their own row):"
    );
    let _ = writeln!(
        out,
        "{:<22} {:>6} {:>9} {:>7} {:>7}",
        "pages", "count", "precision", "recall", "F1"
    );
    let row = |out: &mut String, name: &str, s: &PageScores| {
        let _ = writeln!(
            out,
            "{:<22} {:>6} {:>9.3} {:>7.3} {:>7.3}",
            name,
            s.pages,
            s.precision(),
            s.recall(),
            s.f1()
        );
    };
    row(&mut out, "articles", &articles);
    row(&mut out, "all pages", &all);
    for (name, s) in &groups {
        row(&mut out, name, s);
    }
    out
}

pub fn eval(a: &EvalArgs) -> dechaff::Result<bool> {
    let cleaner = match &a.model.model {
        Some(path) => crate::load_model(path)?,
        None => Cleaner::for_input(a.pages.input),
    };
    let want = match &a.check {
        Some(path) => Some(read_record(path)?),
        None => None,
    };
    let baseline = match &a.baseline {
        Some(path) => Some(crate::load_model(path)?),
        None => None,
    };
    let files = data_files(&a.data, &ALL_SOURCES)?;
    let docs = load(&files, &a.split, &a.pages, cleaner.input())?;
    let prepared = train::prepare(&docs);
    drop(docs);
    let per_doc = train::score_documents(cleaner.model(), &prepared);
    let mut per_source: BTreeMap<&str, Scores> = BTreeMap::new();
    for (d, s) in prepared.iter().zip(&per_doc) {
        per_source.entry(&d.source).or_default().merge(&s.lines);
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
    let _ = writeln!(out, "{}", page_table(&prepared, &per_doc));
    // Each document of the training sources, with its scores under the model and under
    // the baseline (none when there is no baseline).
    // A baseline that reads another kind of page reads its own rendering of the same
    // documents, in the same order.
    let baseline = match baseline {
        Some(b) if b.input() != cleaner.input() => {
            let docs = load(&files, &a.split, &a.pages, b.input())?;
            Some(train::score_documents(b.model(), &train::prepare(&docs)))
        }
        Some(b) => Some(train::score_documents(b.model(), &prepared)),
        None => None,
    };
    let pair = |i: usize| {
        let base = baseline.as_ref().map(|b| b[i].clone()).unwrap_or_default();
        (per_doc[i].clone(), base)
    };
    let pairs: Vec<(Scores, Scores)> = (0..prepared.len())
        .filter(|&i| trained_on.contains(&prepared[i].source))
        .map(|i| {
            let (m, b) = pair(i);
            (m.lines, b.lines)
        })
        .collect();
    if !pairs.is_empty() {
        write_spread(&mut out, &pairs, a.baseline.as_deref());
    }
    // Each article page, likewise (a baseline that skips a page cannot: both models see
    // the same gold).
    let article_pairs: Vec<(PageScores, PageScores)> = (0..prepared.len())
        .filter(|&i| is_article(&prepared[i].source, prepared[i].page_type.as_deref()))
        .filter_map(|i| {
            let (m, b) = pair(i);
            Some((m.page?, b.page.unwrap_or_default()))
        })
        .collect();
    let mut articles = PageScores::default();
    article_pairs.iter().for_each(|(m, _)| articles.merge(m));
    if !article_pairs.is_empty() {
        write_page_spread(&mut out, &article_pairs, a.baseline.as_deref());
    }

    let record = Record {
        sources: trained_on,
        split: a.split.clone(),
        content_f1: pooled.label(Label::Content).f1,
        macro_f1: pooled.macro_f1(),
        articles_page_f1: (articles.pages > 0).then(|| articles.f1()),
    };
    let mut ok = true;
    if let (Some(path), Some(want)) = (&a.check, &want) {
        let mut checks = vec![
            ("content F1", record.content_f1, want.content_f1),
            ("macro-F1", record.macro_f1, want.macro_f1),
        ];
        if let Some(recorded) = want.articles_page_f1 {
            checks.push((
                "articles page F1",
                record.articles_page_f1.unwrap_or(0.0),
                recorded,
            ));
        }
        let _ = write!(out, "quality check against {}:", path.display());
        for (i, (name, now, recorded)) in checks.iter().enumerate() {
            let _ = write!(
                out,
                "{} {name} {now:.4} (recorded {recorded:.4})",
                if i == 0 { "" } else { "," }
            );
            ok &= *now >= recorded - 0.01;
        }
        let _ = writeln!(
            out,
            ": {}",
            if ok {
                "ok"
            } else {
                "FAILED (more than 0.01 below the record)"
            }
        );
    }
    crate::print(out.as_bytes())?;
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

/// [`write_spread`] for the page metric on article pages.
fn write_page_spread(
    out: &mut String,
    pairs: &[(PageScores, PageScores)],
    baseline: Option<&Path>,
) {
    let (mut model, mut base) = (PageScores::default(), PageScores::default());
    for (m, b) in pairs {
        model.merge(m);
        base.merge(b);
    }
    let (lo, hi) = train::spread(pairs, PageScores::f1);
    let _ = match baseline {
        None => writeln!(
            out,
            "over {} article pages, 95 % of resamplings of them give:\n  articles page F1 \
             {:.4}: {lo:.4} to {hi:.4}",
            pairs.len(),
            model.f1()
        ),
        Some(path) => writeln!(
            out,
            "against {} on {} article pages (95 % of resamplings):\n  articles page F1 \
             {:.4} vs {:.4}: difference {:+.4}, {lo:+.4} to {hi:+.4}",
            path.display(),
            pairs.len(),
            model.f1(),
            base.f1(),
            model.f1() - base.f1()
        ),
    };
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
