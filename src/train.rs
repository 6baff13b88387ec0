//! Training a model from labelled documents, and evaluating one.
//!
//! Both stages are multinomial logistic regressions fitted with AdaGrad. Stage 2 learns
//! from stage-1 probabilities that were predicted out of fold — by stage-1 models that
//! never saw the document — so that it learns how far to trust stage 1 on unseen pages
//! rather than on pages it memorised. Everything is seeded: the same data and seed give
//! the same model, byte for byte.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::data::LabelledDoc;
use crate::decode;
use crate::document::split_lines;
use crate::features::{self, DocFeatures, Extractor};
use crate::label::{Label, N_LABELS};
use crate::metrics;
use crate::model::{self, softmax, stack, Linear, Model, Scores};

/// Settings of a training run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seeds the order in which examples are visited.
    pub seed: u64,
    /// Passes over the data per stage.
    pub epochs: usize,
    /// Folds for the out-of-fold stage-1 probabilities that stage 2 learns from.
    pub folds: usize,
    /// AdaGrad learning rate.
    pub learning_rate: f32,
    /// L2 penalty, applied to a weight whenever it is updated.
    pub l2: f32,
    /// Class weights are `(share of the commonest label / share of the label) ^ this`:
    /// 0 treats every line alike, 1 every label alike.
    pub balance: f32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            epochs: 6,
            folds: 3,
            learning_rate: 0.2,
            l2: 1e-6,
            balance: 0.5,
        }
    }
}

/// A document with its features and the gold label of each non-blank line.
pub struct Prepared {
    pub source: String,
    pub features: DocFeatures,
    pub gold: Vec<Option<Label>>,
    /// Word tokens of each non-blank line, for the content-token scores.
    pub tokens: Vec<u32>,
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
                ex.extract(&doc.text, spans, &mut features);
                let gold = features
                    .line_index
                    .iter()
                    .map(|&i| doc.labels.get(i).copied().flatten())
                    .collect();
                let tokens = features
                    .line_index
                    .iter()
                    .map(|&i| spans[i].text(&doc.text).split_whitespace().count() as u32)
                    .collect();
                Prepared {
                    source: doc.source.clone(),
                    features,
                    gold,
                    tokens,
                }
            },
        )
        .collect()
}

/// SplitMix64: small, seedable, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
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

/// Fits `layer` to `examples` by AdaGrad on the weighted log-loss.
fn fit(layer: &mut Linear, examples: &[Example], opts: &Options, seed: u64) {
    let weights = class_weights(examples, opts.balance);
    let mut g_dense = vec![1e-8f32; layer.dense.len()];
    let mut g_hashed = vec![1e-8f32; layer.hashed.len()];
    let mut order: Vec<u32> = (0..examples.len() as u32).collect();
    let mut rng = Rng(seed);
    let (lr, l2) = (opts.learning_rate, opts.l2);
    let step = |w: &mut f32, g2: &mut f32, g: f32| {
        let g = g + l2 * *w;
        *g2 += g * g;
        *w -= lr * g / g2.sqrt();
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
                        step(&mut layer.dense[i], &mut g_dense[i], x * err[k]);
                    }
                }
            }
            for &(b, v) in e.sparse {
                for k in 0..N_LABELS {
                    let i = b as usize * N_LABELS + k;
                    step(&mut layer.hashed[i], &mut g_hashed[i], v * err[k]);
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

/// Stage-2 inputs of every line of a document, given its stage-1 probabilities.
fn stage2_inputs(f: &DocFeatures, p1: &[Scores]) -> Vec<f32> {
    let d = features::dense_len();
    let w = d + stack::len();
    let mut out = vec![0.0; f.len() * w];
    let mean = stack::mean(p1);
    for (i, row) in out.chunks_exact_mut(w).enumerate() {
        row[..d].copy_from_slice(f.dense_row(i));
        stack::write(p1, i, &mean, &mut row[d..]);
    }
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
    let fold_of = |i: usize| i % folds;
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
            let x = stage2_inputs(&d.features, &p1);
            (p1, x)
        })
        .collect();
    drop(layers);

    let w = features::dense_len() + stack::len();
    let examples: Vec<Example> = docs
        .iter()
        .zip(&inputs)
        .flat_map(|(d, (_, x))| {
            d.gold.iter().enumerate().filter_map(move |(i, g)| {
                g.map(|g| Example {
                    dense: &x[i * w..(i + 1) * w],
                    sparse: &[],
                    gold: g.index() as u8,
                })
            })
        })
        .collect();
    let mut stage2 = Linear::zeros(w, 0);
    fit(&mut stage2, &examples, opts, opts.seed.wrapping_add(1000));
    log("stage 2 fitted");

    // Out-of-fold final probabilities, to choose how much the transitions weigh.
    let probs: Vec<Vec<Scores>> = inputs
        .par_iter()
        .map(|(_, x)| {
            x.chunks_exact(w)
                .map(|row| {
                    let mut s = stage2.score(row, &[]);
                    softmax(&mut s);
                    s
                })
                .collect()
        })
        .collect();
    let table = transitions(docs);
    let mut best = (f64::NEG_INFINITY, 0.0);
    for weight in [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0] {
        let mut scores = metrics::Scores::default();
        let mut scratch = decode::Scratch::default();
        let mut labels = Vec::new();
        for (d, p) in docs.iter().zip(&probs) {
            decode::viterbi(p, &table, weight, &mut scratch, &mut labels);
            score_doc(d, &labels, &mut scores);
        }
        let goal = scores.label(Label::Content).f1 + scores.macro_f1();
        log(&format!(
            "transition weight {weight}: content F1 {:.4}, macro-F1 {:.4} (out of fold)",
            scores.label(Label::Content).f1,
            scores.macro_f1()
        ));
        if goal > best.0 {
            best = (goal, weight);
        }
    }
    let mut sources: Vec<&str> = docs.iter().map(|d| d.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(Model {
        stage1,
        stage2,
        transitions: table,
        transition_weight: best.1,
        provenance: format!(
            "sources={}; documents={}; labelled lines={labelled}; seed={}",
            sources.join(","),
            docs.len(),
            opts.seed
        ),
    })
}

fn score_doc(d: &Prepared, labels: &[u8], scores: &mut metrics::Scores) {
    for ((g, p), t) in d.gold.iter().zip(labels).zip(&d.tokens) {
        if let Some(g) = g {
            scores.add(*g, Label::from_index(*p as usize), u64::from(*t));
        }
    }
}

/// Scores `model` on `docs`, per source.
pub fn evaluate(model: &Model, docs: &[Prepared]) -> BTreeMap<String, metrics::Scores> {
    docs.par_iter()
        .map_init(
            || (model::Scratch::default(), decode::Scratch::default()),
            |(ms, ds), d| {
                let mut probs = Vec::new();
                let mut labels = Vec::new();
                model.predict(&d.features, ms, &mut probs);
                decode::viterbi(
                    &probs,
                    &model.transitions,
                    model.transition_weight,
                    ds,
                    &mut labels,
                );
                let mut s = metrics::Scores::default();
                score_doc(d, &labels, &mut s);
                (d.source.clone(), s)
            },
        )
        .fold(
            BTreeMap::new,
            |mut acc: BTreeMap<String, metrics::Scores>, (src, s)| {
                acc.entry(src).or_default().merge(&s);
                acc
            },
        )
        .reduce(BTreeMap::new, |mut a, b| {
            for (k, v) in b {
                a.entry(k).or_default().merge(&v);
            }
            a
        })
}
