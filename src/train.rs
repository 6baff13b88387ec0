//! Training a model from labelled documents, and evaluating one.
//!
//! Stage 1 is a multinomial logistic regression fitted with AdaGrad; stage 2 (linear
//! scores, hidden units and a sequence layer) is fitted as one network by Adam over
//! segments of documents (see `train/joint.rs`). Stage 2 learns
//! from stage-1 probabilities that were predicted out of fold — by stage-1 models that
//! never saw the document — so that it learns how far to trust stage 1 on unseen pages
//! rather than on pages it memorised. Everything is seeded: the same data and seed give
//! the same model, byte for byte.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::data::{LabelledDoc, PageMarkup};
use crate::decode;
use crate::document::split_lines;
use crate::features::{self, DocFeatures, Extractor};
use crate::label::{Label, N_LABELS};
use crate::metrics;
use crate::model::gru::{self, BiGru, GruScratch};
use crate::model::hidden::{Hidden, UNITS};
use crate::model::{self, softmax, stack, Linear, Model, Scores};
use crate::render::InputKind;

mod joint;

/// Settings of a training run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seeds the order in which examples are visited.
    pub seed: u64,
    /// Passes over the data for stage 1.
    pub epochs: usize,
    /// Passes over the data for stage 2.
    pub stage2_epochs: usize,
    /// Adam's step size for stage 2 at its start.
    pub stage2_learning_rate: f32,
    /// Folds for the out-of-fold stage-1 probabilities that stage 2 learns from.
    pub folds: usize,
    /// AdaGrad learning rate of stage 1.
    pub learning_rate: f32,
    /// L2 penalty, applied to a weight whenever it is updated.
    pub l2: f32,
    /// Class weights are `(share of the commonest label / share of the label) ^ this`:
    /// 0 treats every line alike, 1 every label alike.
    pub balance: f32,
    /// What the documents were rendered from, and the model will read.
    pub input: InputKind,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            epochs: 6,
            stage2_epochs: 8,
            stage2_learning_rate: 2e-3,
            folds: 3,
            learning_rate: 0.2,
            l2: 1e-6,
            balance: 0.5,
            input: InputKind::Text,
        }
    }
}

/// Marks the id of a cropped copy.
const CROP_SUFFIX: &str = "#crop";

/// Adds to `docs` a cropped copy of each: for half of them, the content lines with at
/// most a few lines of anything else either side, as in text that was already roughly
/// extracted; for the other half, a short run of lines from anywhere in the page, as in
/// snippets.
///
/// The training pages are whole pages, chrome and all; much of what dechaff cleans has
/// lost most of that chrome already, or is short. Without such copies a model learns
/// that content never starts or ends a document, and that a document is long.
pub fn add_crops(docs: &mut Vec<LabelledDoc>, seed: u64) {
    let mut rng = Rng(seed ^ 0xc409);
    let n = docs.len();
    for d in 0..n {
        let doc = &docs[d];
        let lines: Vec<&str> = doc.text.split('\n').collect();
        let nonblank: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].trim().is_empty())
            .collect();
        if nonblank.len() < 2 {
            continue;
        }
        // Index into `nonblank` of the first and last content line.
        let content = |i: &usize| doc.labels[*i] == Some(Label::Content);
        let (lo, hi) = match (
            nonblank.iter().position(content),
            nonblank.iter().rposition(content),
        ) {
            (Some(first), Some(last)) if rng.next() % 2 == 0 => {
                let before = (rng.next() % 4) as usize;
                let after = (rng.next() % 4) as usize;
                (
                    first.saturating_sub(before),
                    (last + after).min(nonblank.len() - 1),
                )
            }
            _ => {
                let len = 2 + (rng.next() % 9) as usize;
                let start = (rng.next() % nonblank.len() as u64) as usize;
                (start, (start + len - 1).min(nonblank.len() - 1))
            }
        };
        let (from, to) = (nonblank[lo], nonblank[hi] + 1);
        if from == 0 && to == lines.len() {
            continue;
        }
        let crop = LabelledDoc {
            id: format!("{}{CROP_SUFFIX}", doc.id),
            source: doc.source.clone(),
            split: doc.split.clone(),
            site: doc.site.clone().or_else(|| Some(doc.id.clone())),
            page_type: doc.page_type.clone(),
            text: lines[from..to].join("\n"),
            labels: doc.labels[from..to].to_vec(),
            markup: doc.markup.as_ref().map(|m| PageMarkup {
                page: Arc::clone(&m.page),
                first_line: m.first_line + from,
                lost_content: Vec::new(),
            }),
        };
        docs.push(crop);
    }
}

/// Where a document's site falls in [0, 1), by a hash of the site: the documents with a
/// share below `x` are those of about `x` of the sites, and they include those below any
/// smaller share.
pub fn site_share(doc: &LabelledDoc) -> f64 {
    let site = doc.site.as_deref().unwrap_or(&doc.id);
    (xxh3_64(site.as_bytes()) >> 11) as f64 / (1u64 << 53) as f64
}

/// A document with its features and the gold label of each non-blank line.
pub struct Prepared {
    /// The data set it comes from (see [`LabelledDoc::source`]).
    pub source: String,
    /// Documents of one site share a fold, so that out-of-fold means out of site.
    pub site: String,
    /// A cropped copy made by [`add_crops`]: trained on, not used to tune decoding.
    pub is_crop: bool,
    /// The kind of page, where the source says (see [`LabelledDoc::page_type`]).
    pub page_type: Option<String>,
    /// The features of its non-blank lines.
    pub features: DocFeatures,
    /// The gold label of each non-blank line (`None` where the data leaves it undecided).
    pub gold: Vec<Option<Label>>,
    /// Word tokens of each non-blank line, for the content-token scores.
    pub tokens: Vec<u32>,
    /// The words of each non-blank line, for the page metric, then those of the
    /// content lines a rendering lost (see [`crate::data::PageMarkup::lost_content`]).
    pub words: metrics::PageWords,
}

/// Computes the features of `docs`, in parallel.
pub fn prepare(docs: &[LabelledDoc]) -> Vec<Prepared> {
    docs.par_iter()
        .map_init(
            || (Extractor::default(), Vec::new()),
            |(ex, spans), doc| {
                spans.clear();
                split_lines(&doc.text, spans);
                let mut features = DocFeatures::default();
                let markup = doc.markup.as_ref().map(|m| m.of_lines(spans.len()));
                ex.extract(&doc.text, spans, markup, &mut features);
                let gold = features
                    .line_index
                    .iter()
                    .map(|&i| doc.labels.get(i).copied().flatten())
                    .collect();
                let line = |i: &usize| spans[*i].text(&doc.text);
                let tokens = features
                    .line_index
                    .iter()
                    .map(|i| line(i).split_whitespace().count() as u32)
                    .collect();
                let lost = doc.markup.iter().flat_map(|m| &m.lost_content);
                let words = metrics::PageWords::new(
                    features
                        .line_index
                        .iter()
                        .map(line)
                        .chain(lost.map(String::as_str)),
                );
                Prepared {
                    source: doc.source.clone(),
                    site: doc.site.clone().unwrap_or_else(|| doc.id.clone()),
                    is_crop: doc.id.ends_with(CROP_SUFFIX),
                    page_type: doc.page_type.clone(),
                    features,
                    gold,
                    tokens,
                    words,
                }
            },
        )
        .collect()
}

/// SplitMix64: small, seedable, and the same everywhere.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw uniform in -1..1.
    pub(crate) fn uniform(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// One training example.
struct Example<'a> {
    dense: &'a [f32],
    sparse: &'a [(u32, f32)],
    gold: u8,
}

fn class_weights(examples: &[Example], balance: f32) -> Scores {
    let mut counts = [0f32; N_LABELS];
    for e in examples {
        counts[e.gold as usize] += 1.0;
    }
    let max = counts.iter().copied().fold(1.0, f32::max);
    counts.map(|c| (max / c.max(1.0)).powf(balance))
}

/// AdaGrad: each weight's step shrinks with the gradients it has seen.
struct AdaGrad {
    lr: f32,
    l2: f32,
}

impl AdaGrad {
    #[inline]
    fn step(&self, w: &mut f32, g2: &mut f32, g: f32) {
        let g = g + self.l2 * *w;
        *g2 += g * g;
        *w -= self.lr * g / g2.sqrt();
    }
}

/// Fits `layer` to `examples` by AdaGrad on the weighted log-loss.
fn fit(layer: &mut Linear, examples: &[Example], opts: &Options, seed: u64) {
    let weights = class_weights(examples, opts.balance);
    let mut g_dense = vec![1e-8f32; layer.dense.len()];
    let mut g_hashed = vec![1e-8f32; layer.hashed.len()];
    let mut order: Vec<u32> = (0..examples.len() as u32).collect();
    let mut rng = Rng(seed);
    let opt = AdaGrad {
        lr: opts.learning_rate,
        l2: opts.l2,
    };
    for _ in 0..opts.epochs {
        rng.shuffle(&mut order);
        for &e in &order {
            let e = &examples[e as usize];
            let mut p = layer.score(e.dense, e.sparse);
            softmax(&mut p);
            let cw = weights[e.gold as usize];
            let err: Scores =
                std::array::from_fn(|k| cw * (p[k] - if k == e.gold as usize { 1.0 } else { 0.0 }));
            for (d, x) in e.dense.iter().enumerate() {
                if *x != 0.0 {
                    for k in 0..N_LABELS {
                        let i = d * N_LABELS + k;
                        opt.step(&mut layer.dense[i], &mut g_dense[i], x * err[k]);
                    }
                }
            }
            for &(b, v) in e.sparse {
                for k in 0..N_LABELS {
                    let i = b as usize * N_LABELS + k;
                    opt.step(&mut layer.hashed[i], &mut g_hashed[i], v * err[k]);
                }
            }
        }
    }
}

fn stage1_examples<'a>(docs: impl Iterator<Item = &'a Prepared>) -> Vec<Example<'a>> {
    docs.flat_map(|d| {
        d.gold.iter().enumerate().filter_map(move |(i, g)| {
            g.map(|g| Example {
                dense: d.features.dense_row(i),
                sparse: d.features.sparse_row(i),
                gold: g.index() as u8,
            })
        })
    })
    .collect()
}

fn fit_stage1<'a>(docs: impl Iterator<Item = &'a Prepared>, opts: &Options, seed: u64) -> Linear {
    let examples = stage1_examples(docs);
    let mut layer = Linear::zeros(features::dense_len(), features::HASH_BUCKETS);
    fit(&mut layer, &examples, opts, seed);
    layer
}

/// Stage 2's probabilities for a document's written-out inputs `x`, computed as the
/// predictor computes them: linear and hidden scores, then the sequence layer's added.
pub(crate) fn stage2_probs(
    linear: &Linear,
    hidden: &Hidden,
    seq: &BiGru,
    x: &[f32],
    h: &mut [f32; UNITS],
    scratch: &mut GruScratch,
) -> Vec<Scores> {
    let mut out: Vec<Scores> = x
        .chunks_exact(linear.n_dense())
        .map(|row| {
            let mut s = linear.score(row, &[]);
            hidden.forward(row, h, &mut s);
            s
        })
        .collect();
    seq.forward(x, scratch, &mut out);
    out.iter_mut().for_each(softmax);
    out
}

/// Label bigram weights: how much more (or less) likely label `b` follows label `a`
/// than it occurs at all, in log terms.
fn transitions(docs: &[Prepared]) -> [[f32; N_LABELS]; N_LABELS] {
    let mut pair = [[1f64; N_LABELS]; N_LABELS];
    let mut single = [N_LABELS as f64; N_LABELS];
    for d in docs {
        for w in d.gold.windows(2) {
            if let [Some(a), Some(b)] = w {
                pair[a.index()][b.index()] += 1.0;
                single[b.index()] += 1.0;
            }
        }
    }
    let total: f64 = single.iter().sum();
    std::array::from_fn(|a| {
        let row: f64 = pair[a].iter().sum();
        std::array::from_fn(|b| ((pair[a][b] / row) / (single[b] / total)).ln() as f32)
    })
}

/// Trains a model on `docs`, reporting progress through `log`.
pub fn train(
    docs: &[Prepared],
    opts: &Options,
    log: &(dyn Fn(&str) + Sync),
) -> crate::Result<Model> {
    let labelled: usize = docs.iter().map(|d| d.gold.iter().flatten().count()).sum();
    if labelled == 0 {
        return Err(crate::Error::Invalid(
            "no labelled line in the training data".to_string(),
        ));
    }
    let folds = opts.folds.max(2);
    log(&format!(
        "training on {} documents, {labelled} labelled lines, {folds} folds",
        docs.len()
    ));

    // Out-of-fold stage-1 probabilities, and the final stage 1 on everything.
    let fold_of = |i: usize| (xxh3_64(docs[i].site.as_bytes()) % folds as u64) as usize;
    let mut layers: Vec<(usize, Linear)> = (0..=folds)
        .into_par_iter()
        .map(|k| {
            let seed = opts.seed.wrapping_add(k as u64);
            let layer = if k == folds {
                fit_stage1(docs.iter(), opts, seed)
            } else {
                let train = docs.iter().enumerate().filter(|(i, _)| fold_of(*i) != k);
                fit_stage1(train.map(|(_, d)| d), opts, seed)
            };
            (k, layer)
        })
        .collect();
    let stage1 = layers.pop().expect("final stage 1").1;
    log("stage 1 fitted");
    let inputs: Vec<(Vec<Scores>, Vec<f32>)> = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let mut p1 = Vec::new();
            model::stage1_probs(&layers[fold_of(i)].1, &d.features, &mut p1);
            let x = stack::rows(&d.features, &p1);
            (p1, x)
        })
        .collect();
    drop(layers);

    let w = features::dense_len() + stack::len();
    let segments = joint::segments(
        docs.iter()
            .zip(&inputs)
            .map(|(d, (_, x))| (x.as_slice(), d.gold.as_slice())),
        w,
    );
    let mut rng = Rng(opts.seed.wrapping_add(2000));
    let mut draw = || rng.uniform();
    // The markup inputs start from zero weights, and the others are drawn as they were
    // before those inputs existed: a model of plain text, whose markup inputs are all
    // zero, comes out the same whatever markup features are added.
    let (markup, text_w) = (features::markup_len(), w - features::markup_len());
    let at = features::dense_len() - markup;
    let mut hidden = Hidden::random(text_w, &mut draw);
    insert_zero_rows(&mut hidden.w1, at, markup, UNITS);
    let mut seq = BiGru::random(text_w, &mut draw);
    insert_zero_rows(&mut seq.p, at, markup, gru::PROJ);
    let (mut stage2, hidden, seq) = joint::fit(
        &segments,
        w,
        (hidden, seq),
        &joint::JointOptions {
            epochs: opts.stage2_epochs,
            learning_rate: opts.stage2_learning_rate,
            seed: opts.seed.wrapping_add(1000),
        },
        log,
    );
    log("stage 2 fitted");

    // Out-of-fold final probabilities, to choose how much the transitions weigh.
    let probs: Vec<Vec<Scores>> = inputs
        .par_iter()
        .map_init(
            || ([0.0f32; UNITS], GruScratch::default()),
            |(h, scratch), (_, x)| stage2_probs(&stage2, &hidden, &seq, x, h, scratch),
        )
        .collect();
    let table = transitions(docs);
    let (weight, offsets) = tune_decoding(docs, &probs, &table, log);
    for k in 0..N_LABELS {
        // The first dense input is the constant 1: its weights are the labels' biases.
        stage2.dense[k] += offsets[k];
    }
    let mut sources: Vec<&str> = docs.iter().map(|d| d.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(Model {
        stage1,
        stage2,
        stage2_hidden: hidden,
        stage2_seq: seq,
        transitions: table,
        transition_weight: weight,
        input: opts.input,
        provenance: format!(
            "input={}; sources={}; documents={}; labelled lines={labelled}; seed={}",
            opts.input.name(),
            sources.join(","),
            docs.len(),
            opts.seed
        ),
    })
}

/// Scores out-of-fold probabilities decoded with `weight` and label `offsets`: the sum
/// of content F1 and macro-F1 that training aims at.
fn decoding_goal(
    docs: &[Prepared],
    probs: &[Vec<Scores>],
    table: &[[f32; N_LABELS]; N_LABELS],
    weight: f32,
    offsets: &Scores,
) -> (f64, metrics::Scores) {
    let scores = docs
        .par_iter()
        .zip(probs)
        .filter(|(d, _)| !d.is_crop)
        .map_init(
            || (decode::Scratch::default(), Vec::new(), Vec::new()),
            |(scratch, labels, shifted), (d, p)| {
                shifted.clear();
                shifted.extend(p.iter().map(|q| {
                    let mut s: Scores = std::array::from_fn(|k| q[k].max(1e-9).ln() + offsets[k]);
                    softmax(&mut s);
                    s
                }));
                decode::viterbi(shifted, table, weight, scratch, labels);
                let mut s = metrics::Scores::default();
                score_doc(d, labels, &mut s);
                s
            },
        )
        .reduce(metrics::Scores::default, |mut a, b| {
            a.merge(&b);
            a
        });
    (scores.label(Label::Content).f1 + scores.macro_f1(), scores)
}

/// The page metric of one document labelled `labels`.
fn page_scores(d: &Prepared, labels: &[u8]) -> Option<metrics::PageScores> {
    // Lines past the features' are content the rendering lost: gold, never kept.
    d.words.compare(
        |i| d.gold.get(i).is_none_or(|g| *g == Some(Label::Content)),
        |i| {
            labels
                .get(i)
                .is_some_and(|l| Label::from_index(*l as usize) == Label::Content)
        },
    )
}

/// Inserts `rows` rows of zeros of `width` values before row `at` of a row-major matrix.
fn insert_zero_rows(m: &mut Vec<f32>, at: usize, rows: usize, width: usize) {
    let at = at * width;
    m.splice(at..at, std::iter::repeat_n(0.0, rows * width));
}

/// Chooses how much the transitions weigh and how much each label's score is shifted,
/// by coordinate search on out-of-fold probabilities. Class weighting in training buys
/// recall of the rare labels; the shifts trade it back for precision where that pays.
fn tune_decoding(
    docs: &[Prepared],
    probs: &[Vec<Scores>],
    table: &[[f32; N_LABELS]; N_LABELS],
    log: &(dyn Fn(&str) + Sync),
) -> (f32, Scores) {
    let mut weight = 0.0;
    let mut offsets = [0.0f32; N_LABELS];
    let mut best = decoding_goal(docs, probs, table, weight, &offsets).0;
    for _round in 0..2 {
        for w in [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0] {
            let goal = decoding_goal(docs, probs, table, w, &offsets).0;
            if goal > best {
                (best, weight) = (goal, w);
            }
        }
        for k in 1..N_LABELS {
            for step in -8..=8 {
                let mut o = offsets;
                o[k] = step as f32 * 0.25;
                let goal = decoding_goal(docs, probs, table, weight, &o).0;
                if goal > best {
                    (best, offsets) = (goal, o);
                }
            }
        }
    }
    let (_, s) = decoding_goal(docs, probs, table, weight, &offsets);
    log(&format!(
        "decoding: transition weight {weight}, label offsets {offsets:?}: \
         content F1 {:.4}, macro-F1 {:.4} (out of fold)",
        s.label(Label::Content).f1,
        s.macro_f1()
    ));
    (weight, offsets)
}

fn score_doc(d: &Prepared, labels: &[u8], scores: &mut metrics::Scores) {
    for ((g, p), t) in d.gold.iter().zip(labels).zip(&d.tokens) {
        if let Some(g) = g {
            scores.add(*g, Label::from_index(*p as usize), u64::from(*t));
        }
    }
}

/// Copies of `model` with parts switched off, each with its name, for ablation tables:
/// stage 1 alone, and no sequence decoding. (Stage 2's parts are fitted together and
/// lean on one another: switched off one by one they say nothing of what each adds;
/// the table of retrained variants in docs/quality.md does.)
pub fn ablations(model: &Model) -> Vec<(&'static str, Model)> {
    let no_decoding = Model {
        transition_weight: 0.0,
        ..model.clone()
    };
    // Stage 2 weighs the stage-1 log-probabilities of the line itself (scaled down by
    // `stack::OWN_LOG_SCALE`) and nothing else: its softmax gives back stage 1's
    // probabilities exactly.
    let mut stage1_only = no_decoding.clone();
    stage1_only.stage2.dense.iter_mut().for_each(|w| *w = 0.0);
    stage1_only
        .stage2_hidden
        .w2
        .iter_mut()
        .for_each(|w| *w = 0.0);
    stage1_only.stage2_seq.o.iter_mut().for_each(|w| *w = 0.0);
    stage1_only.stage2_seq.b_o.iter_mut().for_each(|w| *w = 0.0);
    let own = features::dense_len();
    for k in 0..N_LABELS {
        stage1_only.stage2.dense[(own + k) * N_LABELS + k] = stack::OWN_LOG_SCALE;
    }
    vec![
        ("stage 1 only", stage1_only),
        (
            "+ stage 2 (linear, hidden units, sequence layer)",
            no_decoding,
        ),
        ("+ Viterbi decoding (the model)", model.clone()),
    ]
}

/// Scores `model` on `docs`, per source.
pub fn evaluate(model: &Model, docs: &[Prepared]) -> BTreeMap<String, metrics::Scores> {
    let mut per_source: BTreeMap<String, metrics::Scores> = BTreeMap::new();
    for (d, s) in docs.iter().zip(score_documents(model, docs)) {
        per_source
            .entry(d.source.clone())
            .or_default()
            .merge(&s.lines);
    }
    per_source
}

/// One document's scores: its lines', and its page's (none for a page without gold
/// content).
#[derive(Clone, Debug, Default)]
pub struct DocScores {
    /// Scores of its lines.
    pub lines: metrics::Scores,
    /// Scores of the page as a whole.
    pub page: Option<metrics::PageScores>,
}

/// Scores `model` on each of `docs`, in order.
pub fn score_documents(model: &Model, docs: &[Prepared]) -> Vec<DocScores> {
    let predictor = model::Predictor::new(Arc::new(model.clone()));
    docs.par_iter()
        .map_init(
            || (model::Scratch::default(), decode::Scratch::default()),
            |(ms, ds), d| {
                let mut probs = Vec::new();
                let mut labels = Vec::new();
                predictor.predict(&d.features, ms, &mut probs);
                decode::viterbi(
                    &probs,
                    &model.transitions,
                    model.transition_weight,
                    ds,
                    &mut labels,
                );
                let mut lines = metrics::Scores::default();
                score_doc(d, &labels, &mut lines);
                let page = page_scores(d, &labels);
                DocScores { lines, page }
            },
        )
        .collect()
}

/// [`metrics::bootstrap`] with 1,000 resamplings under a fixed seed, so that the same
/// scores always give the same interval.
pub fn spread<T: metrics::Pooled>(pairs: &[(T, T)], score: impl Fn(&T) -> f64) -> (f64, f64) {
    let mut rng = Rng(1);
    metrics::bootstrap(pairs, score, 1000, || rng.next())
}
