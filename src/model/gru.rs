//! A bidirectional GRU over the lines of a document, beside stage 2's other scores.
//!
//! Stage 2 sees its neighbours through fixed windows of stage-1 probabilities. A
//! recurrent layer instead carries what it has read so far down the page, in both
//! directions, so a line can be judged by the run it sits in however long that run is.
//! Each line's inputs `x` (width `D`) are projected to `PROJ` units, a forward GRU
//! reads the projections from the first line to the last and a backward GRU from the
//! last to the first, and the two states of each line give its four logits:
//!
//! ```text
//! p_t  = relu(P x_t + b_p)
//! r    = σ(W_ir p + b_ir + W_hr h + b_hr)
//! z    = σ(W_iz p + b_iz + W_hz h + b_hz)
//! n    = tanh(W_in p + b_in + r ⊙ (W_hn h + b_hn))
//! h'   = (1 − z) ⊙ n + z ⊙ h,           h_0 = 0
//! o_t  = O [hf_t ; hb_t] + b_o
//! ```
//!
//! These are PyTorch's equations (`nn.GRU`, `bidirectional=True`), so a prototype's
//! weights carry over. The logits are added to the caller's, not replacing them.
//!
//! Every matrix is stored input-major — the transpose of PyTorch's `weight` tensors —
//! so that each input adds one contiguous row of weights to a running sum: the inner
//! loops run over contiguous memory, vectorise, and an input that is zero can be
//! skipped, as the predictor does for its other dense weights.

use serde::{Deserialize, Serialize};

use super::Scores;
use crate::label::N_LABELS;

/// Width of the projection of a line's inputs, which both GRUs read.
pub const PROJ: usize = 32;
/// Hidden units of each direction.
pub const HIDDEN: usize = 8;
/// The three gates (r, z, n) of every hidden unit, side by side in PyTorch's order.
const GATES: usize = 3 * HIDDEN;
/// Offsets of the update and candidate gates within a row of `GATES`.
const Z: usize = HIDDEN;
const N: usize = 2 * HIDDEN;

/// The weights of one direction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Gru {
    /// `GATES` weights (r, z, n) per projected input, input-major: `w_i[k * GATES + j]`
    /// is PyTorch's `weight_ih_l0[j][k]`.
    pub w_i: Vec<f32>,
    /// PyTorch's `bias_ih_l0`: r, z, n.
    pub b_i: Vec<f32>,
    /// `GATES` weights (r, z, n) per hidden unit of the previous state, input-major:
    /// `w_h[k * GATES + j]` is PyTorch's `weight_hh_l0[j][k]`.
    pub w_h: Vec<f32>,
    /// PyTorch's `bias_hh_l0`. Kept apart from `b_i` because its candidate part is
    /// gated by `r` together with `W_hn h`.
    pub b_h: Vec<f32>,
}

/// The whole layer: projection, both directions, and output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BiGru {
    /// `PROJ` weights per input, input-major: `p[k * PROJ + j]` is `P[j][k]`.
    pub p: Vec<f32>,
    /// `PROJ` biases of the projection.
    pub b_p: Vec<f32>,
    /// Reads the lines first to last.
    pub fwd: Gru,
    /// Reads the lines last to first.
    pub bwd: Gru,
    /// `N_LABELS` weights per unit of `[hf ; hb]` (forward units first), input-major:
    /// `o[k * N_LABELS + l]` is `O[l][k]`.
    pub o: Vec<f32>,
    /// `N_LABELS` biases of the output.
    pub b_o: Vec<f32>,
}

/// The gradient of a loss with respect to every weight of a [`BiGru`], in a `BiGru` of
/// the same shape.
#[derive(Clone, Debug, PartialEq)]
pub struct GruGrads(pub BiGru);

/// What one step of one direction computed, kept for the gradients.
#[derive(Clone, Copy, Debug, Default)]
struct Step {
    r: [f32; HIDDEN],
    z: [f32; HIDDEN],
    n: [f32; HIDDEN],
    /// `W_hn h + b_hn`, which `r` gates.
    hn: [f32; HIDDEN],
    /// The new state.
    h: [f32; HIDDEN],
}

/// Reusable buffers for [`BiGru::forward`] and [`BiGru::backward`]: once they have held
/// the longest document, no call allocates.
#[derive(Default)]
pub struct GruScratch {
    /// Each line's projection before the ReLU.
    pre: Vec<[f32; PROJ]>,
    /// Each line's step of either direction, indexed by line.
    fwd: Vec<Step>,
    bwd: Vec<Step>,
    /// The loss gradient of each line's projection after the ReLU.
    d_proj: Vec<[f32; PROJ]>,
}

/// `tanh` as a rational function of degree 13 over 6 (the approximation Eigen uses),
/// within a few units in the last place: every line runs `6 * HIDDEN` of these, and the
/// library functions cost more than the rest of the line. No branch and no call, so the
/// loops over the units vectorise; training and labelling both use it, so a model means the
/// same thing in both.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        -2.760_768_5e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297e-8,
        1.485_722_4e-5,
        6.372_619_3e-4,
        4.893_524_6e-3,
    ];
    const BETA: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_6e-3, 4.893_525e-3];
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let p = ALPHA.iter().fold(0.0, |acc, a| acc * x2 + a) * x;
    let q = BETA.iter().fold(0.0, |acc, b| acc * x2 + b);
    p / q
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    0.5 + 0.5 * tanh(0.5 * x)
}

#[inline(always)]
fn relu(pre: &[f32; PROJ]) -> [f32; PROJ] {
    pre.map(|v| v.max(0.0))
}

/// Adds `x[k] * rows[k]` to `acc` for every `k`: a matrix, stored input-major, times `x`.
#[inline(always)]
fn add_rows<const W: usize>(acc: &mut [f32; W], x: &[f32], rows: &[f32]) {
    debug_assert_eq!(rows.len(), x.len() * W);
    for (v, row) in x.iter().zip(rows.chunks_exact(W)) {
        for j in 0..W {
            acc[j] += v * row[j];
        }
    }
}

/// Adds `x[k] * g` to row `k` of `rows`: the gradient of a matrix stored input-major.
#[inline]
fn add_outer(rows: &mut [f32], x: &[f32], g: &[f32]) {
    for (v, row) in x.iter().zip(rows.chunks_exact_mut(g.len())) {
        for (w, d) in row.iter_mut().zip(g) {
            *w += v * d;
        }
    }
}

/// Adds `rows · g` to `acc`: row `k`'s dot product with `g` goes to `acc[k]`. Back
/// through [`add_rows`], from the sum's gradient to its inputs'.
#[inline]
fn add_dots(acc: &mut [f32], rows: &[f32], g: &[f32]) {
    for (a, row) in acc.iter_mut().zip(rows.chunks_exact(g.len())) {
        *a += row.iter().zip(g).map(|(w, d)| w * d).sum::<f32>();
    }
}

fn add(acc: &mut [f32], g: &[f32]) {
    for (a, d) in acc.iter_mut().zip(g) {
        *a += d;
    }
}

impl Gru {
    fn zeros() -> Gru {
        Gru {
            w_i: vec![0.0; PROJ * GATES],
            b_i: vec![0.0; GATES],
            w_h: vec![0.0; HIDDEN * GATES],
            b_h: vec![0.0; GATES],
        }
    }

    /// One step from state `h` on input `p`.
    #[inline(always)]
    fn step(&self, p: &[f32; PROJ], h: &[f32; HIDDEN]) -> Step {
        let mut gi = [0.0; GATES];
        gi.copy_from_slice(&self.b_i);
        add_rows(&mut gi, p, &self.w_i);
        let mut gh = [0.0; GATES];
        gh.copy_from_slice(&self.b_h);
        add_rows(&mut gh, h, &self.w_h);
        let mut s = Step::default();
        for u in 0..HIDDEN {
            s.r[u] = sigmoid(gi[u] + gh[u]);
            s.z[u] = sigmoid(gi[Z + u] + gh[Z + u]);
            s.hn[u] = gh[N + u];
            s.n[u] = tanh(gi[N + u] + s.r[u] * s.hn[u]);
            s.h[u] = (1.0 - s.z[u]) * s.n[u] + s.z[u] * h[u];
        }
        s
    }

    /// Runs over the projections `pre` (before the ReLU) in the order `lines`, which
    /// visits every line once, writing each line's step to `steps`.
    #[inline(always)]
    fn run(&self, pre: &[[f32; PROJ]], lines: impl Iterator<Item = usize>, steps: &mut Vec<Step>) {
        // Every line's step is overwritten below: only a longer document needs more.
        steps.resize(pre.len(), Step::default());
        let mut h = [0.0; HIDDEN];
        for t in lines {
            steps[t] = self.step(&relu(&pre[t]), &h);
            h = steps[t].h;
        }
    }

    /// Back through [`Gru::step`]: given the loss gradient `dh` of the new state `s.h`,
    /// adds the weights' gradients to `g` and the input's to `dp`, and returns the
    /// gradient of the previous state `h`.
    fn step_back(
        &self,
        p: &[f32; PROJ],
        h: &[f32; HIDDEN],
        s: &Step,
        dh: &[f32; HIDDEN],
        dp: &mut [f32; PROJ],
        g: &mut Gru,
    ) -> [f32; HIDDEN] {
        // Gradients of the gates' sums before their squashing: from the input side (gi)
        // and the state side (gh). They agree except for the candidate, whose state
        // side is scaled by r.
        let mut dgi = [0.0; GATES];
        let mut dgh = [0.0; GATES];
        let mut dh_prev = [0.0; HIDDEN];
        for u in 0..HIDDEN {
            let (r, z, n) = (s.r[u], s.z[u], s.n[u]);
            let dn = dh[u] * (1.0 - z) * (1.0 - n * n);
            let dz = dh[u] * (h[u] - n) * z * (1.0 - z);
            let dr = dn * s.hn[u] * r * (1.0 - r);
            dgi[u] = dr;
            dgh[u] = dr;
            dgi[Z + u] = dz;
            dgh[Z + u] = dz;
            dgi[N + u] = dn;
            dgh[N + u] = dn * r;
            dh_prev[u] = dh[u] * z;
        }
        add(&mut g.b_i, &dgi);
        add(&mut g.b_h, &dgh);
        add_outer(&mut g.w_i, p, &dgi);
        add_outer(&mut g.w_h, h, &dgh);
        add_dots(dp, &self.w_i, &dgi);
        add_dots(&mut dh_prev, &self.w_h, &dgh);
        dh_prev
    }

    /// Back through [`Gru::run`], which read the lines in the order `lines` and kept
    /// its `steps`: adds the weights' gradients to `g` and the projections' to `d_proj`,
    /// given the gradients `d_out` of the logits that the states feed through the
    /// output weights `o`.
    #[allow(clippy::too_many_arguments)]
    fn run_back(
        &self,
        pre: &[[f32; PROJ]],
        steps: &[Step],
        lines: impl DoubleEndedIterator<Item = usize>,
        o: &[f32],
        d_out: &[Scores],
        d_proj: &mut [[f32; PROJ]],
        g: &mut Gru,
    ) {
        // The gradient of the state, carried from the step that read it.
        let mut dh = [0.0; HIDDEN];
        // Going back, the next line is the one read before: its state was this step's.
        let mut back = lines.rev().peekable();
        while let Some(t) = back.next() {
            add_dots(&mut dh, o, &d_out[t]);
            let h = back.peek().map_or([0.0; HIDDEN], |&before| steps[before].h);
            dh = self.step_back(&relu(&pre[t]), &h, &steps[t], &dh, &mut d_proj[t], g);
        }
    }

    fn slices(&self) -> [&[f32]; 4] {
        [&self.w_i, &self.b_i, &self.w_h, &self.b_h]
    }

    fn slices_mut(&mut self) -> [&mut [f32]; 4] {
        [&mut self.w_i, &mut self.b_i, &mut self.w_h, &mut self.b_h]
    }
}

impl BiGru {
    /// A zero layer over `d` inputs.
    pub fn zeros(d: usize) -> BiGru {
        BiGru {
            p: vec![0.0; d * PROJ],
            b_p: vec![0.0; PROJ],
            fwd: Gru::zeros(),
            bwd: Gru::zeros(),
            o: vec![0.0; 2 * HIDDEN * N_LABELS],
            b_o: vec![0.0; N_LABELS],
        }
    }

    /// A layer over `d` inputs with weights drawn by `draw` (uniform in -1..1), scaled as
    /// PyTorch initialises its layers: uniform in ±1/√fan_in, biases included, where
    /// the fan-in is `d` for the projection, `HIDDEN` for both GRUs (PyTorch's 1/√H for
    /// their input weights too) and `2 * HIDDEN` for the output. The draws fill the
    /// weights in the order of [`BiGru::slices`].
    pub fn random(d: usize, mut draw: impl FnMut() -> f32) -> BiGru {
        let mut g = BiGru::zeros(d);
        let fan_in = |v: usize| 1.0 / (v.max(1) as f32).sqrt();
        let (proj, gru, out) = (fan_in(d), fan_in(HIDDEN), fan_in(2 * HIDDEN));
        let scales = [proj, proj, gru, gru, gru, gru, gru, gru, gru, gru, out, out];
        for (s, scale) in g.slices_mut().into_iter().zip(scales) {
            for w in s {
                *w = draw() * scale;
            }
        }
        g
    }

    /// Number of inputs of a line.
    pub fn d(&self) -> usize {
        self.p.len() / PROJ
    }

    /// Every weight, a slice per matrix or bias, always in this order: projection (`p`,
    /// `b_p`), forward GRU (`w_i`, `b_i`, `w_h`, `b_h`), backward GRU (the same),
    /// output (`o`, `b_o`).
    pub fn slices(&self) -> [&[f32]; 12] {
        let [a, b, c, d] = self.fwd.slices();
        let [e, f, g, h] = self.bwd.slices();
        [
            &self.p, &self.b_p, a, b, c, d, e, f, g, h, &self.o, &self.b_o,
        ]
    }

    /// [`BiGru::slices`], mutable.
    pub fn slices_mut(&mut self) -> [&mut [f32]; 12] {
        let [a, b, c, d] = self.fwd.slices_mut();
        let [e, f, g, h] = self.bwd.slices_mut();
        [
            &mut self.p,
            &mut self.b_p,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            &mut self.o,
            &mut self.b_o,
        ]
    }

    /// Number of weights.
    pub fn n_params(&self) -> usize {
        self.slices().iter().map(|s| s.len()).sum()
    }

    /// Writes the projection of one line's inputs `x`, before the ReLU, to `pre`:
    /// `b_p`, then each nonzero input's row added in input order. A caller that folds
    /// `P`'s rows into its own rows of weights and adds them the same way (starting
    /// from `b_p`, skipping zeros, in input order) gets the same values to the bit.
    #[inline]
    pub fn project(&self, x: &[f32], pre: &mut [f32; PROJ]) {
        debug_assert_eq!(x.len(), self.d());
        pre.copy_from_slice(&self.b_p);
        // Most inputs are zero; skipping them saves most of the layer's work.
        for (v, row) in x.iter().zip(self.p.chunks_exact(PROJ)) {
            if *v != 0.0 {
                for j in 0..PROJ {
                    pre[j] += v * row[j];
                }
            }
        }
    }

    fn project_all(&self, xs: &[f32], n: usize, pre: &mut Vec<[f32; PROJ]>) {
        let d = self.d();
        assert_eq!(xs.len(), n * d, "{n} lines of {d} inputs");
        pre.clear();
        pre.resize(n, [0.0; PROJ]);
        for (x, p) in xs.chunks_exact(d).zip(pre.iter_mut()) {
            self.project(x, p);
        }
    }

    /// Adds the layer's logits of every line to `out`, from the lines' inputs `xs`: `d`
    /// values per line, `out.len()` lines.
    pub fn forward(&self, xs: &[f32], scratch: &mut GruScratch, out: &mut [Scores]) {
        let mut pre = std::mem::take(&mut scratch.pre);
        self.project_all(xs, out.len(), &mut pre);
        self.forward_projected(&pre, scratch, out);
        scratch.pre = pre;
    }

    /// [`BiGru::forward`] from the lines' projections before the ReLU (`P x_t + b_p`,
    /// see [`BiGru::project`]), for a caller that computes them with its own weights.
    /// Always inlined: the predictor's AVX2 build then compiles it for AVX2 too.
    #[inline(always)]
    pub fn forward_projected(
        &self,
        pre: &[[f32; PROJ]],
        scratch: &mut GruScratch,
        out: &mut [Scores],
    ) {
        assert_eq!(pre.len(), out.len());
        self.run(pre, scratch);
        for (t, o) in out.iter_mut().enumerate() {
            let mut s: Scores = self.b_o.as_slice().try_into().expect("N_LABELS biases");
            add_rows(&mut s, &scratch.fwd[t].h, &self.o[..HIDDEN * N_LABELS]);
            add_rows(&mut s, &scratch.bwd[t].h, &self.o[HIDDEN * N_LABELS..]);
            for k in 0..N_LABELS {
                o[k] += s[k];
            }
        }
    }

    /// Runs both directions over `pre`, keeping every step in `scratch`.
    #[inline(always)]
    fn run(&self, pre: &[[f32; PROJ]], scratch: &mut GruScratch) {
        let n = pre.len();
        self.fwd.run(pre, 0..n, &mut scratch.fwd);
        self.bwd.run(pre, (0..n).rev(), &mut scratch.bwd);
    }

    /// Adds to `grads` the gradient of a loss whose gradient with respect to each line's
    /// logits is `d_out`, for the lines' inputs `xs` (`d` values per line,
    /// `d_out.len()` lines). Adds rather than overwrites, so that the sequences of a
    /// batch sum into one gradient.
    ///
    /// Runs the forward pass again, keeping each step, then goes back through time:
    /// the forward GRU from the last line to the first, the backward GRU from the first
    /// to the last.
    pub fn backward(
        &self,
        xs: &[f32],
        d_out: &[Scores],
        scratch: &mut GruScratch,
        grads: &mut GruGrads,
    ) {
        let n = d_out.len();
        let g = &mut grads.0;
        debug_assert_eq!(g.d(), self.d());
        let mut pre = std::mem::take(&mut scratch.pre);
        self.project_all(xs, n, &mut pre);
        self.run(&pre, scratch);
        let (o_f, o_b) = self.o.split_at(HIDDEN * N_LABELS);

        // Output layer.
        for (t, d) in d_out.iter().enumerate() {
            add(&mut g.b_o, d);
            let (g_f, g_b) = g.o.split_at_mut(HIDDEN * N_LABELS);
            add_outer(g_f, &scratch.fwd[t].h, d);
            add_outer(g_b, &scratch.bwd[t].h, d);
        }

        // Each direction, back through time.
        scratch.d_proj.clear();
        scratch.d_proj.resize(n, [0.0; PROJ]);
        let d_proj = &mut scratch.d_proj;
        (self.fwd).run_back(&pre, &scratch.fwd, 0..n, o_f, d_out, d_proj, &mut g.fwd);
        (self.bwd).run_back(
            &pre,
            &scratch.bwd,
            (0..n).rev(),
            o_b,
            d_out,
            d_proj,
            &mut g.bwd,
        );

        // Projection, through the ReLU. The inputs are mostly zero, and a zero input's
        // row gets nothing.
        let d = self.d();
        for ((x, pre), dp) in xs.chunks_exact(d).zip(&pre).zip(&scratch.d_proj) {
            let mut dpre = *dp;
            for j in 0..PROJ {
                if pre[j] <= 0.0 {
                    dpre[j] = 0.0;
                }
            }
            add(&mut g.b_p, &dpre);
            for (v, row) in x.iter().zip(g.p.chunks_exact_mut(PROJ)) {
                if *v != 0.0 {
                    for j in 0..PROJ {
                        row[j] += v * dpre[j];
                    }
                }
            }
        }
        scratch.pre = pre;
    }
}

impl GruGrads {
    /// A zero gradient for a layer over `d` inputs.
    pub fn zeros(d: usize) -> GruGrads {
        GruGrads(BiGru::zeros(d))
    }

    /// Sets every gradient back to zero.
    pub fn clear(&mut self) {
        for s in self.0.slices_mut() {
            s.fill(0.0);
        }
    }
}

/// Adam (Kingma and Ba), with PyTorch's defaults and its bias correction.
#[derive(Clone, Debug)]
pub struct Adam {
    /// Running means of the gradients and of their squares, one per weight in the order
    /// of [`BiGru::slices`].
    m: Vec<f32>,
    v: Vec<f32>,
    /// Steps taken.
    t: i32,
}

impl Adam {
    const BETA1: f32 = 0.9;
    const BETA2: f32 = 0.999;
    const EPS: f32 = 1e-8;

    /// An optimiser for the weights of `layer`.
    pub fn new(layer: &BiGru) -> Adam {
        Adam::with_len(layer.n_params())
    }

    /// An optimiser for `n` weights held elsewhere, stepped with [`Adam::update`].
    pub fn with_len(n: usize) -> Adam {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// Moves `layer`'s weights one step of size `lr` against `grads`. The gradients are
    /// left as they are: clear them for the next batch.
    pub fn step(&mut self, layer: &mut BiGru, grads: &GruGrads, lr: f32) {
        let weights = layer.slices_mut().into_iter().flat_map(|s| s.iter_mut());
        self.update(weights, grads.0.slices().into_iter().flatten(), lr);
    }

    /// Moves `weights` one step of size `lr` against `grads`, taken in the same order
    /// at every step.
    pub fn update<'a>(
        &mut self,
        weights: impl Iterator<Item = &'a mut f32>,
        grads: impl Iterator<Item = &'a f32>,
        lr: f32,
    ) {
        self.t += 1;
        let c1 = 1.0 - Self::BETA1.powi(self.t);
        let c2 = 1.0 - Self::BETA2.powi(self.t);
        let moments = self.m.iter_mut().zip(self.v.iter_mut());
        for ((w, g), (m, v)) in weights.zip(grads).zip(moments) {
            *m = Self::BETA1 * *m + (1.0 - Self::BETA1) * g;
            *v = Self::BETA2 * *v + (1.0 - Self::BETA2) * g * g;
            *w -= lr * (*m / c1) / ((*v / c2).sqrt() + Self::EPS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::softmax;

    #[test]
    fn tanh_and_sigmoid_are_close_to_the_library_functions() {
        let mut worst = 0f64;
        for i in -20_000..=20_000 {
            let x = i as f32 / 1000.0;
            worst = worst.max((tanh(x) as f64 - (x as f64).tanh()).abs());
            let want = 1.0 / (1.0 + (-(x as f64)).exp());
            worst = worst.max((sigmoid(x) as f64 - want).abs());
        }
        assert!(worst < 1e-6, "worst error {worst}");
        assert_eq!(tanh(0.0), 0.0);
        assert!(tanh(100.0) <= 1.0 && tanh(-100.0) >= -1.0);
    }

    /// Uniform draws in -1..1, seeded.
    fn uniform(seed: u64) -> impl FnMut() -> f32 {
        let mut rng = crate::train::Rng(seed);
        move || rng.uniform()
    }

    /// `n` lines of `d` inputs, about a third of them zero, as the features mostly are.
    fn inputs(n: usize, d: usize, draw: &mut impl FnMut() -> f32) -> Vec<f32> {
        (0..n * d)
            .map(|_| {
                let v = draw();
                if v.abs() < 0.33 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }

    fn logits(g: &BiGru, xs: &[f32]) -> Vec<Scores> {
        let mut out = vec![[0.0; N_LABELS]; xs.len() / g.d()];
        g.forward(xs, &mut GruScratch::default(), &mut out);
        out
    }

    /// The layer's logits from the equations as written, in f64, indexing the weights as
    /// PyTorch's matrices.
    fn reference(g: &BiGru, xs: &[f32]) -> Vec<[f64; N_LABELS]> {
        let d = g.d();
        let n = xs.len() / d;
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        let ps: Vec<Vec<f64>> = (0..n)
            .map(|t| {
                (0..PROJ)
                    .map(|j| {
                        let s: f64 = (0..d)
                            .map(|k| g.p[k * PROJ + j] as f64 * xs[t * d + k] as f64)
                            .sum();
                        (s + g.b_p[j] as f64).max(0.0)
                    })
                    .collect()
            })
            .collect();
        let run = |gru: &Gru, order: Vec<usize>| {
            // Gate `j`'s sum over input `v` with weights `w` (input-major) and bias `b`.
            let affine = |w: &[f32], b: &[f32], v: &[f64], j: usize| {
                b[j] as f64
                    + (0..v.len())
                        .map(|k| w[k * GATES + j] as f64 * v[k])
                        .sum::<f64>()
            };
            let mut hs = vec![vec![0.0; HIDDEN]; n];
            let mut h = vec![0.0; HIDDEN];
            for t in order {
                let p = &ps[t];
                let next: Vec<f64> = (0..HIDDEN)
                    .map(|u| {
                        let r =
                            sig(affine(&gru.w_i, &gru.b_i, p, u)
                                + affine(&gru.w_h, &gru.b_h, &h, u));
                        let z = sig(affine(&gru.w_i, &gru.b_i, p, Z + u)
                            + affine(&gru.w_h, &gru.b_h, &h, Z + u));
                        let c = (affine(&gru.w_i, &gru.b_i, p, N + u)
                            + r * affine(&gru.w_h, &gru.b_h, &h, N + u))
                        .tanh();
                        (1.0 - z) * c + z * h[u]
                    })
                    .collect();
                h = next;
                hs[t] = h.clone();
            }
            hs
        };
        let hf = run(&g.fwd, (0..n).collect());
        let hb = run(&g.bwd, (0..n).rev().collect());
        (0..n)
            .map(|t| {
                let cat: Vec<f64> = hf[t].iter().chain(&hb[t]).copied().collect();
                let mut o = [0.0; N_LABELS];
                for l in 0..N_LABELS {
                    o[l] = g.b_o[l] as f64
                        + (0..2 * HIDDEN)
                            .map(|k| g.o[k * N_LABELS + l] as f64 * cat[k])
                            .sum::<f64>();
                }
                o
            })
            .collect()
    }

    fn assert_close_to_reference(g: &BiGru, xs: &[f32]) {
        let got = logits(g, xs);
        let want = reference(g, xs);
        assert_eq!(got.len(), want.len());
        for (t, (a, b)) in got.iter().zip(&want).enumerate() {
            for l in 0..N_LABELS {
                assert!(
                    (a[l] as f64 - b[l]).abs() < 1e-5,
                    "line {t} label {l}: {} vs {}",
                    a[l],
                    b[l]
                );
            }
        }
    }

    #[test]
    fn follows_the_equations() {
        let mut draw = uniform(1);
        let mut big = || 2.0 * draw();
        let g = BiGru::random(5, &mut big);
        let xs = inputs(7, 5, &mut big);
        assert_close_to_reference(&g, &xs);
    }

    #[test]
    fn a_single_line_follows_the_equations() {
        let mut draw = uniform(2);
        let g = BiGru::random(5, &mut draw);
        let xs = inputs(1, 5, &mut draw);
        assert_close_to_reference(&g, &xs);
        assert_ne!(logits(&g, &xs)[0], [0.0; N_LABELS]);
    }

    #[test]
    fn an_empty_sequence_does_nothing() {
        let mut draw = uniform(3);
        let g = BiGru::random(5, &mut draw);
        let mut scratch = GruScratch::default();
        let mut out: [Scores; 0] = [];
        g.forward(&[], &mut scratch, &mut out);
        g.forward_projected(&[], &mut scratch, &mut out);
        let mut grads = GruGrads::zeros(5);
        g.backward(&[], &[], &mut scratch, &mut grads);
        assert_eq!(grads, GruGrads::zeros(5));
    }

    /// The backward GRU carries the last line's inputs to the first line's logits, the
    /// forward GRU the first line's to the last's.
    #[test]
    fn each_line_sees_both_ends_of_the_document() {
        let mut draw = uniform(4);
        let g = BiGru::random(5, &mut draw);
        let xs = inputs(6, 5, &mut draw);
        let before = logits(&g, &xs);

        let mut last_changed = xs.clone();
        last_changed[5 * 5..].copy_from_slice(&[0.9, -0.8, 0.7, 0.6, -0.5]);
        let after = logits(&g, &last_changed);
        assert_ne!(before[0], after[0]);

        let mut first_changed = xs.clone();
        first_changed[..5].copy_from_slice(&[0.9, -0.8, 0.7, 0.6, -0.5]);
        let after = logits(&g, &first_changed);
        assert_ne!(before[5], after[5]);

        // Without the backward GRU's output weights, the future no longer counts.
        let mut forward_only = g.clone();
        forward_only.o[HIDDEN * N_LABELS..].fill(0.0);
        assert_eq!(
            logits(&forward_only, &xs)[0],
            logits(&forward_only, &last_changed)[0]
        );
    }

    #[test]
    fn forward_and_forward_projected_agree_to_the_bit() {
        let mut draw = uniform(5);
        let g = BiGru::random(9, &mut draw);
        let mut scratch = GruScratch::default();
        // A long document first, so the scratch holds stale steps for the short one.
        for n in [40, 11] {
            let xs = inputs(n, 9, &mut draw);
            let start: Vec<Scores> = (0..n).map(|_| [draw(), draw(), draw(), draw()]).collect();
            let mut a = start.clone();
            g.forward(&xs, &mut scratch, &mut a);

            let pre: Vec<[f32; PROJ]> = xs
                .chunks_exact(9)
                .map(|x| {
                    let mut p = [0.0; PROJ];
                    g.project(x, &mut p);
                    p
                })
                .collect();
            let mut b = start.clone();
            g.forward_projected(&pre, &mut GruScratch::default(), &mut b);
            let bits =
                |v: &[Scores]| -> Vec<u32> { v.iter().flatten().map(|x| x.to_bits()).collect() };
            assert_eq!(bits(&a), bits(&b));

            // The logits are added to what `out` held.
            let mut c = vec![[0.0; N_LABELS]; n];
            g.forward(&xs, &mut scratch, &mut c);
            for t in 0..n {
                for l in 0..N_LABELS {
                    assert_eq!(a[t][l], start[t][l] + c[t][l]);
                }
            }
        }
    }

    /// The loss `Σ_t c_t · o_t`, summed in f64.
    fn linear_loss(g: &BiGru, xs: &[f32], c: &[Scores]) -> f64 {
        logits(g, xs)
            .iter()
            .zip(c)
            .flat_map(|(o, c)| o.iter().zip(c).map(|(a, b)| *a as f64 * *b as f64))
            .sum()
    }

    #[test]
    fn gradients_match_finite_differences() {
        const D: usize = 5;
        const LINES: usize = 7;
        const EPS: f32 = 3e-3;
        let mut draw = uniform(6);
        // Larger weights than a fresh layer's, so that the gates saturate in places.
        let mut big = || 2.5 * draw();
        let mut g = BiGru::random(D, &mut big);
        let xs = inputs(LINES, D, &mut big);
        let c: Vec<Scores> = (0..LINES).map(|_| [big(), big(), big(), big()]).collect();

        // Keep every projection away from the ReLU's kink, farther than a step of EPS in
        // any weight can move it, with some units on and some off on every line: each
        // bias sits in the middle of the widest gap between its unit's values.
        let mut margin = f32::INFINITY;
        let mut on = 0;
        for j in 0..PROJ {
            let mut a: Vec<f32> = (0..LINES)
                .map(|t| (0..D).map(|k| g.p[k * PROJ + j] * xs[t * D + k]).sum())
                .collect();
            a.sort_by(f32::total_cmp);
            let (gap, mid) = a
                .windows(2)
                .map(|w| (w[1] - w[0], (w[0] + w[1]) / 2.0))
                .max_by(|x, y| x.0.total_cmp(&y.0))
                .expect("several lines");
            g.b_p[j] = -mid;
            margin = margin.min(gap / 2.0);
            on += a.iter().filter(|&&v| v > mid).count();
        }
        assert!(margin > 2.0 * EPS, "margin {margin}");
        assert!(on > 0 && on < LINES * PROJ);

        let mut grads = GruGrads::zeros(D);
        g.backward(&xs, &c, &mut GruScratch::default(), &mut grads);

        let names = [
            "p", "b_p", "fwd.w_i", "fwd.b_i", "fwd.w_h", "fwd.b_h", "bwd.w_i", "bwd.b_i",
            "bwd.w_h", "bwd.b_h", "o", "b_o",
        ];
        let analytic = grads.0.slices().map(|s| s.to_vec());
        for (s, name) in names.iter().enumerate() {
            let mut largest = 0.0f64;
            for i in 0..analytic[s].len() {
                let w = g.slices()[s][i];
                g.slices_mut()[s][i] = w + EPS;
                let (up, plus) = (g.slices()[s][i], linear_loss(&g, &xs, &c));
                g.slices_mut()[s][i] = w - EPS;
                let (down, minus) = (g.slices()[s][i], linear_loss(&g, &xs, &c));
                g.slices_mut()[s][i] = w;
                let numeric = (plus - minus) / (up as f64 - down as f64);
                let a = analytic[s][i] as f64;
                let err = (a - numeric).abs() / numeric.abs().max(1.0);
                largest = largest.max(numeric.abs());
                assert!(err <= 5e-3, "{name}[{i}]: analytic {a}, numeric {numeric}");
            }
            // Every matrix takes part, so none is checked vacuously.
            assert!(largest > 1e-2, "{name}: largest gradient {largest}");
        }
    }

    #[test]
    fn backward_adds_to_the_gradients() {
        let mut draw = uniform(7);
        let g = BiGru::random(4, &mut draw);
        let xs = inputs(5, 4, &mut draw);
        let d_out: Vec<Scores> = (0..5).map(|_| [draw(), draw(), draw(), draw()]).collect();
        let mut scratch = GruScratch::default();
        let mut once = GruGrads::zeros(4);
        g.backward(&xs, &d_out, &mut scratch, &mut once);
        let mut twice = GruGrads::zeros(4);
        g.backward(&xs, &d_out, &mut scratch, &mut twice);
        g.backward(&xs, &d_out, &mut scratch, &mut twice);
        for (a, b) in once.0.slices().iter().zip(twice.0.slices()) {
            for (x, y) in a.iter().zip(b) {
                // Not to the bit: one call sums several lines' terms before the next adds.
                assert!((2.0 * x - y).abs() <= 1e-6 * y.abs().max(1.0), "{x} {y}");
            }
        }
        twice.clear();
        assert_eq!(twice, GruGrads::zeros(4));
    }

    #[test]
    fn random_is_scaled_like_pytorch() {
        let g = BiGru::random(9, || 1.0);
        let gru = 1.0 / (HIDDEN as f32).sqrt();
        let bounds = [1.0 / 3.0, 1.0 / 3.0, gru, gru, gru, gru, gru, gru, gru, gru];
        for (s, b) in g.slices().iter().zip(bounds) {
            assert!(s.iter().all(|&w| w == b));
        }
        let out = 1.0 / (2.0 * HIDDEN as f32).sqrt();
        assert!(g.o.iter().chain(&g.b_o).all(|&w| w == out));
        assert_eq!(g.d(), 9);
        assert_eq!(
            g.n_params(),
            9 * PROJ + PROJ + 2 * (PROJ * GATES + HIDDEN * GATES + 2 * GATES) + 2 * HIDDEN * 4 + 4
        );
        assert_eq!(BiGru::random(9, uniform(8)), BiGru::random(9, uniform(8)));
    }

    fn flat(g: &BiGru) -> Vec<f32> {
        g.slices().concat()
    }

    /// Adam on `Σ (w − target)² / 2`, whose gradient is `w − target`.
    #[test]
    fn adam_descends_a_quadratic() {
        let mut draw = uniform(9);
        let target = flat(&BiGru::random(3, &mut draw));
        let mut g = BiGru::zeros(3);
        let loss = |g: &BiGru| -> f32 {
            let d = flat(g).into_iter().zip(&target).map(|(w, t)| w - t);
            d.map(|d| d * d / 2.0).sum()
        };
        let start = loss(&g);
        let mut adam = Adam::new(&g);
        let mut grads = GruGrads::zeros(3);
        for step in 0..200 {
            let before = flat(&g);
            let d = before.iter().zip(&target).map(|(w, t)| w - t);
            for (s, d) in grads.0.slices_mut().into_iter().flatten().zip(d) {
                *s = d;
            }
            adam.step(&mut g, &grads, 0.01);
            if step == 0 {
                // Bias-corrected, the first step moves every weight by the learning rate.
                for ((w, b), t) in flat(&g).iter().zip(&before).zip(&target) {
                    if (b - t).abs() > 1e-2 {
                        assert!(((b - w) * (b - t).signum() - 0.01).abs() < 1e-6);
                    }
                }
            }
        }
        assert!(loss(&g) < start / 100.0, "{start} to {}", loss(&g));
    }

    /// Backward passes and Adam together learn a labelling only the backward GRU can
    /// see: whether the next line's first input is positive.
    #[test]
    fn learns_to_look_ahead() {
        const D: usize = 3;
        const LINES: usize = 12;
        let mut draw = uniform(10);
        let docs: Vec<Vec<f32>> = (0..64).map(|_| inputs(LINES, D, &mut draw)).collect();
        let gold = |xs: &[f32], t: usize| match xs.get((t + 1) * D) {
            Some(&v) if v > 0.0 => 0,
            Some(_) => 1,
            None => 2,
        };
        let mut g = BiGru::random(D, &mut draw);
        let mut adam = Adam::new(&g);
        let mut grads = GruGrads::zeros(D);
        let mut scratch = GruScratch::default();
        let mut mean_loss = |g: &BiGru, grads: &mut GruGrads| {
            let mut total = 0.0;
            for xs in &docs {
                let mut out = vec![[0.0; N_LABELS]; LINES];
                g.forward(xs, &mut scratch, &mut out);
                for (t, o) in out.iter_mut().enumerate() {
                    softmax(o);
                    total -= o[gold(xs, t)].ln();
                    o[gold(xs, t)] -= 1.0;
                }
                g.backward(xs, &out, &mut scratch, grads);
            }
            total / (docs.len() * LINES) as f32
        };
        let start = mean_loss(&g, &mut grads);
        for _ in 0..150 {
            grads.clear();
            mean_loss(&g, &mut grads);
            adam.step(&mut g, &grads, 0.02);
        }
        let end = mean_loss(&g, &mut grads);
        assert!(end < 0.3 * start, "mean loss {start} to {end}");
    }
}
