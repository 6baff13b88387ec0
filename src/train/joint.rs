//! Stage 2 fitted as one network over whole stretches of documents.
//!
//! Stage 2's linear scores, hidden units and sequence layer are fitted together by Adam
//! on the log-loss of segments of consecutive lines: the sequence layer needs whole
//! segments, not shuffled lines, and the parts are fitted as one so that each adds to what
//! the others give. The inputs are standardised while fitting — the network then starts
//! from weights of one scale — and the standardisation is folded into the weights at the
//! end, so the model reads the raw inputs.

use rayon::prelude::*;

use crate::label::{Label, N_LABELS};
use crate::model::gru::{self, BiGru, GruGrads, GruScratch};
use crate::model::hidden::{Hidden, UNITS};
use crate::model::{softmax, Linear, Scores};

/// Lines per segment: long enough for the sequence layer to see a page's structure, short
/// enough that segments of similar length batch well.
const SEGMENT: usize = 256;
/// Segments per Adam step.
const BATCH: usize = 32;

/// Settings of the joint fit.
#[derive(Clone, Debug)]
pub struct JointOptions {
    pub epochs: usize,
    /// Adam's step size at the start; it falls linearly to a tenth of this.
    pub learning_rate: f32,
    pub seed: u64,
}

/// One stretch of a document: its stage-2 inputs (`width` per line) and gold labels.
pub struct Segment<'a> {
    pub x: &'a [f32],
    pub gold: &'a [Option<Label>],
}

/// Splits documents into segments of at most [`SEGMENT`] lines.
pub fn segments<'a>(
    docs: impl Iterator<Item = (&'a [f32], &'a [Option<Label>])>,
    width: usize,
) -> Vec<Segment<'a>> {
    let mut out = Vec::new();
    for (x, gold) in docs {
        for (x, gold) in x.chunks(SEGMENT * width).zip(gold.chunks(SEGMENT)) {
            out.push(Segment { x, gold });
        }
    }
    out
}

/// Per-input mean and standard deviation; an input that never varies (the constant 1)
/// is left as it is.
pub struct Standard {
    pub mean: Vec<f32>,
    pub sd: Vec<f32>,
}

impl Standard {
    pub fn of(segments: &[Segment], width: usize) -> Standard {
        let mut sum = vec![0f64; width];
        let mut sq = vec![0f64; width];
        let mut n = 0f64;
        for s in segments {
            for row in s.x.chunks_exact(width) {
                for (d, &v) in row.iter().enumerate() {
                    sum[d] += v as f64;
                    sq[d] += (v as f64) * (v as f64);
                }
                n += 1.0;
            }
        }
        let n = n.max(1.0);
        let (mut mean, mut sd) = (vec![0.0; width], vec![1.0; width]);
        for d in 0..width {
            let m = sum[d] / n;
            let var = (sq[d] / n - m * m).max(0.0);
            if var > 1e-12 {
                mean[d] = m as f32;
                sd[d] = var.sqrt() as f32;
            }
        }
        Standard { mean, sd }
    }

    fn apply(&self, row: &[f32], out: &mut [f32]) {
        for d in 0..row.len() {
            out[d] = (row[d] - self.mean[d]) / self.sd[d];
        }
    }
}

/// The network's weights, over standardised inputs, as one flat vector for Adam.
struct Params {
    width: usize,
    /// Linear scores: `N_LABELS` per input, input-major.
    lin: std::ops::Range<usize>,
    w1: std::ops::Range<usize>,
    b1: std::ops::Range<usize>,
    w2: std::ops::Range<usize>,
    len: usize,
}

impl Params {
    fn new(width: usize) -> Params {
        let mut at = 0;
        let mut take = |n: usize| {
            let r = at..at + n;
            at += n;
            r
        };
        let lin = take(width * N_LABELS);
        let w1 = take(width * UNITS);
        let b1 = take(UNITS);
        let w2 = take(UNITS * N_LABELS);
        Params {
            width,
            lin,
            w1,
            b1,
            w2,
            len: at,
        }
    }

    /// The linear scores and hidden units held in `theta`, as the model holds them.
    fn layers(&self, theta: &[f32]) -> (Linear, Hidden) {
        let lin = Linear {
            dense: theta[self.lin.clone()].to_vec(),
            hashed: Vec::new(),
        };
        let hidden = Hidden {
            w1: theta[self.w1.clone()].to_vec(),
            b1: theta[self.b1.clone()].to_vec(),
            w2: theta[self.w2.clone()].to_vec(),
        };
        (lin, hidden)
    }
}

/// Forward and backward over one segment: adds the gradient of the summed log-loss to
/// `grad` and `gru_grad` (placed in `grad` by `p`), and returns the loss and the number
/// of labelled lines. `lin` and `hidden` hold the current weights.
fn segment_gradient(
    p: &Params,
    (lin, hidden): (&Linear, &Hidden),
    seq: &BiGru,
    std: &Standard,
    seg: &Segment,
    grad: &mut [f32],
    gru_grad: &mut GruGrads,
) -> (f64, usize) {
    let w = p.width;
    let lines = seg.gold.len();
    let mut xs = vec![0.0f32; lines * w];
    for (row, out) in seg.x.chunks_exact(w).zip(xs.chunks_exact_mut(w)) {
        std.apply(row, out);
    }
    let mut scratch = GruScratch::default();
    let mut scores = vec![[0.0f32; N_LABELS]; lines];
    seq.forward(&xs, &mut scratch, &mut scores);
    let mut d_out = vec![[0.0f32; N_LABELS]; lines];
    let (mut loss, mut n) = (0.0f64, 0usize);
    for (t, (x, gold)) in xs.chunks_exact(w).zip(seg.gold).enumerate() {
        let Some(gold) = gold else { continue };
        let mut s = scores[t];
        lin.add_dense(x, &mut s);
        let mut h = [0.0f32; UNITS];
        hidden.forward(x, &mut h, &mut s);
        softmax(&mut s);
        let g = gold.index();
        loss -= (s[g].max(1e-12) as f64).ln();
        n += 1;
        let err: Scores = std::array::from_fn(|k| s[k] - if k == g { 1.0 } else { 0.0 });
        d_out[t] = err;
        let mut dh = [0.0f32; UNITS];
        for u in 0..UNITS {
            if h[u] > 0.0 {
                for k in 0..N_LABELS {
                    grad[p.w2.start + u * N_LABELS + k] += h[u] * err[k];
                    dh[u] += hidden.w2[u * N_LABELS + k] * err[k];
                }
                grad[p.b1.start + u] += dh[u];
            }
        }
        for d in 0..w {
            let v = x[d];
            for k in 0..N_LABELS {
                grad[p.lin.start + d * N_LABELS + k] += v * err[k];
            }
            for u in 0..UNITS {
                grad[p.w1.start + d * UNITS + u] += v * dh[u];
            }
        }
    }
    if n > 0 {
        seq.backward(&xs, &d_out, &mut scratch, gru_grad);
    }
    (loss, n)
}

/// Fits stage 2's linear scores, hidden units and sequence layer on `segments`; returns
/// them over the raw inputs. `hidden` and `seq` hold their starting weights.
pub fn fit(
    segments: &[Segment],
    width: usize,
    (hidden, mut seq): (Hidden, BiGru),
    opts: &JointOptions,
    log: &(dyn Fn(&str) + Sync),
) -> (Linear, Hidden, BiGru) {
    let p = Params::new(width);
    let std = Standard::of(segments, width);
    let mut theta = vec![0.0f32; p.len];
    theta[p.w1.clone()].copy_from_slice(&hidden.w1);
    theta[p.b1.clone()].copy_from_slice(&hidden.b1);
    theta[p.w2.clone()].copy_from_slice(&hidden.w2);
    let mut adam = gru::Adam::with_len(p.len);
    let mut seq_adam = gru::Adam::new(&seq);
    let mut seq_grad = GruGrads::zeros(width);
    // Segments of like length batched together, batches visited in a seeded order.
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| (segments[i].gold.len(), i));
    let mut batches: Vec<&[usize]> = order.chunks(BATCH).collect();
    let mut rng = super::Rng(opts.seed);
    let mut grad = vec![0.0f32; p.len];
    for epoch in 0..opts.epochs {
        let lr = opts.learning_rate * (1.0 - 0.9 * epoch as f32 / (opts.epochs.max(2) - 1) as f32);
        rng.shuffle(&mut batches);
        let mut total = 0.0;
        for batch in &batches {
            let layers = p.layers(&theta);
            // Each segment's gradient apart, then summed in a fixed order: the same
            // seed gives the same weights whatever the number of threads.
            let parts: Vec<(Vec<f32>, GruGrads, f64, usize)> = batch
                .par_iter()
                .map(|&i| {
                    let mut g = vec![0.0f32; p.len];
                    let mut sg = GruGrads::zeros(width);
                    let (l, n) = segment_gradient(
                        &p,
                        (&layers.0, &layers.1),
                        &seq,
                        &std,
                        &segments[i],
                        &mut g,
                        &mut sg,
                    );
                    (g, sg, l, n)
                })
                .collect();
            let lines: usize = parts.iter().map(|x| x.3).sum();
            if lines == 0 {
                continue;
            }
            grad.fill(0.0);
            seq_grad.clear();
            for (g, sg, l, _) in &parts {
                total += l;
                for (a, b) in grad.iter_mut().zip(g) {
                    *a += b;
                }
                for (a, b) in seq_grad.0.slices_mut().into_iter().zip(sg.0.slices()) {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                }
            }
            let scale = 1.0 / lines as f32;
            grad.iter_mut().for_each(|g| *g *= scale);
            for a in seq_grad.0.slices_mut() {
                a.iter_mut().for_each(|g| *g *= scale);
            }
            adam.update(theta.iter_mut(), grad.iter(), lr);
            seq_adam.step(&mut seq, &seq_grad, lr);
        }
        log(&format!("stage 2, epoch {}: loss {total:.0}", epoch + 1));
    }
    let (lin, hidden) = fold(&p, &theta, &std);
    fold_rows(&mut seq.p, &mut seq.b_p, &std);
    (lin, hidden, seq)
}

/// Folds the standardisation into rows of weights over the inputs (one row of
/// `bias.len()` weights per input) and their bias:
/// `w·(x − mean)/sd + b = (w/sd)·x + (b − Σ w·mean/sd)`.
fn fold_rows(rows: &mut [f32], bias: &mut [f32], std: &Standard) {
    let cols = bias.len();
    for (row, (m, s)) in rows
        .chunks_exact_mut(cols)
        .zip(std.mean.iter().zip(&std.sd))
    {
        for (w, b) in row.iter_mut().zip(bias.iter_mut()) {
            *w /= s;
            *b -= *w * m;
        }
    }
}

/// The fitted weights over raw inputs.
fn fold(p: &Params, theta: &[f32], std: &Standard) -> (Linear, Hidden) {
    let (mut lin, mut hidden) = p.layers(theta);
    let mut bias = [0.0f32; N_LABELS];
    fold_rows(&mut lin.dense, &mut bias, std);
    // The first input is the constant 1: its weights are the labels' biases.
    for k in 0..N_LABELS {
        lin.dense[k] += bias[k];
    }
    fold_rows(&mut hidden.w1, &mut hidden.b1, std);
    (lin, hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_weights_on_raw_inputs_match_weights_on_standardised_inputs() {
        let std = Standard {
            mean: vec![0.0, 3.0, -2.0, 0.5],
            sd: vec![1.0, 2.0, 0.25, 4.0],
        };
        let cols = 3;
        let w: Vec<f32> = (0..4 * cols).map(|i| (i as f32 * 0.37).sin()).collect();
        let b = vec![0.1f32, -0.2, 0.3];
        let (mut folded, mut folded_b) = (w.clone(), b.clone());
        fold_rows(&mut folded, &mut folded_b, &std);
        for x in [[1.0f32, 2.0, -1.5, 7.0], [1.0, -4.0, 0.0, 0.25]] {
            let mut z = [0.0f32; 4];
            std.apply(&x, &mut z);
            for c in 0..cols {
                let on_std: f32 = b[c] + (0..4).map(|d| w[d * cols + c] * z[d]).sum::<f32>();
                let on_raw: f32 =
                    folded_b[c] + (0..4).map(|d| folded[d * cols + c] * x[d]).sum::<f32>();
                assert!((on_std - on_raw).abs() < 1e-4, "{on_std} vs {on_raw}");
            }
        }
    }
}
