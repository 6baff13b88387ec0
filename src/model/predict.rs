//! Running a model: both stages and the hidden units in one pass over each line's dense
//! features.
//!
//! Stage 1, stage 2's linear part and stage 2's hidden units all weigh the same dense
//! features. Their weights for one feature are laid side by side in one row, and each
//! feature, as it is computed, adds its row to a running sum: the dense features are
//! never written out, and a feature that is zero — most are, being one-hot bins and
//! absent cues — costs a test. The sums are added in the order of the features, as the
//! stages would add them from a written-out row, so the results are the same to the bit.

use std::sync::Arc;

use super::gru::{GruScratch, PROJ};
use super::{hidden, softmax, stack, Model, Scores};
use crate::features::{self, DocFeatures, Sink};
use crate::label::N_LABELS;

/// The weights of one dense feature: stage 1, stage 2 linear, stage 2 hidden units, the
/// sequence layer's projection.
const WIDTH: usize = 2 * N_LABELS + hidden::UNITS + PROJ;
const S2: usize = N_LABELS;
const HIDDEN: usize = 2 * N_LABELS;
const PROJECTION: usize = HIDDEN + hidden::UNITS;
type Row = [f32; WIDTH];
/// Stage 2's weights of one input: linear scores, hidden units, projection.
type Stage2Row = [f32; WIDTH - N_LABELS];

/// A model laid out for labelling.
pub struct Predictor {
    model: Arc<Model>,
    /// One row per dense feature.
    dense: Vec<Row>,
    /// One row per stage-2 input drawn from stage 1's probabilities.
    stack: Vec<Stage2Row>,
}

/// Reusable buffers for [`Predictor::predict`].
#[derive(Default)]
pub struct Scratch {
    stage1: Vec<Scores>,
    /// Each line's stage-2 sums over its dense features: linear scores, hidden units,
    /// projection.
    stage2: Vec<Stage2Row>,
    summary: stack::Summary,
    stack: Vec<f32>,
    /// Each line's projection for the sequence layer.
    projected: Vec<[f32; PROJ]>,
    sequence: GruScratch,
}

impl Predictor {
    /// Lays out `model`, which must fit the current feature set (as every loaded model
    /// does: see [`Model::check_shape`]).
    pub fn new(model: Arc<Model>) -> Predictor {
        let n = features::dense_len();
        let dense = (0..n)
            .map(|j| {
                let mut row = [0.0; WIDTH];
                row[..S2].copy_from_slice(&model.stage1.dense[j * N_LABELS..][..N_LABELS]);
                row[S2..HIDDEN].copy_from_slice(&model.stage2.dense[j * N_LABELS..][..N_LABELS]);
                row[HIDDEN..PROJECTION]
                    .copy_from_slice(&model.stage2_hidden.w1[j * hidden::UNITS..][..hidden::UNITS]);
                row[PROJECTION..].copy_from_slice(&model.stage2_seq.p[j * PROJ..][..PROJ]);
                row
            })
            .collect();
        let stack = (n..n + stack::len())
            .map(|j| {
                let mut row = [0.0; WIDTH - N_LABELS];
                row[..N_LABELS].copy_from_slice(&model.stage2.dense[j * N_LABELS..][..N_LABELS]);
                row[N_LABELS..PROJECTION - N_LABELS]
                    .copy_from_slice(&model.stage2_hidden.w1[j * hidden::UNITS..][..hidden::UNITS]);
                row[PROJECTION - N_LABELS..]
                    .copy_from_slice(&model.stage2_seq.p[j * PROJ..][..PROJ]);
                row
            })
            .collect();
        Predictor {
            model,
            dense,
            stack,
        }
    }

    /// The model.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Final per-line probabilities of the lines of `f`, written to `out`.
    pub fn predict(&self, f: &DocFeatures, scratch: &mut Scratch, out: &mut Vec<Scores>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, as checked just above.
            unsafe { self.predict_avx2(f, scratch, out) };
            return;
        }
        self.predict_portable(f, scratch, out);
    }

    /// [`Predictor::predict`] compiled for AVX2: the rows of weights are added eight
    /// at a time instead of four. Without fused multiply-add, which rounds once where
    /// a multiply and an add round twice, the results stay the same to the bit.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn predict_avx2(&self, f: &DocFeatures, scratch: &mut Scratch, out: &mut Vec<Scores>) {
        self.predict_portable(f, scratch, out);
    }

    #[inline(always)]
    fn predict_portable(&self, f: &DocFeatures, scratch: &mut Scratch, out: &mut Vec<Scores>) {
        let m = &*self.model;
        scratch.stage1.clear();
        scratch.stage2.clear();
        for i in 0..f.len() {
            let mut sum = Accumulate {
                rows: &self.dense,
                at: 0,
                acc: [0.0; WIDTH],
            };
            sum.acc[HIDDEN..PROJECTION].copy_from_slice(&m.stage2_hidden.b1);
            sum.acc[PROJECTION..].copy_from_slice(&m.stage2_seq.b_p);
            f.dense_into(i, &mut sum);
            debug_assert_eq!(sum.at, self.dense.len());
            let mut s1: Scores = sum.acc[..S2].try_into().expect("N_LABELS values");
            for &(b, v) in f.sparse_row(i) {
                let w = &m.stage1.hashed[b as usize * N_LABELS..][..N_LABELS];
                for k in 0..N_LABELS {
                    s1[k] += v * w[k];
                }
            }
            softmax(&mut s1);
            scratch.stage1.push(s1);
            scratch
                .stage2
                .push(sum.acc[S2..].try_into().expect("WIDTH - N_LABELS values"));
        }

        scratch.summary.compute(&scratch.stage1);
        scratch.stack.resize(stack::len(), 0.0);
        scratch.projected.clear();
        out.clear();
        for i in 0..f.len() {
            stack::write(&scratch.stage1, &scratch.summary, i, &mut scratch.stack);
            let mut acc = scratch.stage2[i];
            for (x, row) in scratch.stack.iter().zip(&self.stack) {
                for k in 0..WIDTH - N_LABELS {
                    acc[k] += x * row[k];
                }
            }
            let mut s: Scores = acc[..N_LABELS].try_into().expect("N_LABELS values");
            let mut h: [f32; hidden::UNITS] = acc[N_LABELS..PROJECTION - N_LABELS]
                .try_into()
                .expect("UNITS values");
            m.stage2_hidden.output(&mut h, &mut s);
            out.push(s);
            scratch.projected.push(
                acc[PROJECTION - N_LABELS..]
                    .try_into()
                    .expect("PROJ values"),
            );
        }
        m.stage2_seq
            .forward_projected(&scratch.projected, &mut scratch.sequence, out);
        out.iter_mut().for_each(softmax);
    }
}

/// Adds each dense feature's row, scaled by the feature, to a running sum.
struct Accumulate<'a> {
    rows: &'a [Row],
    at: usize,
    acc: Row,
}

impl Accumulate<'_> {
    #[inline(always)]
    fn add(&mut self, at: usize, value: f32) {
        let row = &self.rows[at];
        for k in 0..WIDTH {
            self.acc[k] += value * row[k];
        }
    }
}

impl Sink for Accumulate<'_> {
    #[inline(always)]
    fn put(&mut self, _: &'static str, value: f32) {
        if value != 0.0 {
            self.add(self.at, value);
        }
        self.at += 1;
    }

    #[inline(always)]
    fn put_nth(&mut self, name: &'static str, _: usize, value: f32) {
        self.put(name, value);
    }

    #[inline(always)]
    fn one_hot(&mut self, _: &'static str, hot: usize, n: usize) {
        self.add(self.at + hot, 1.0);
        self.at += n;
    }

    #[inline(always)]
    fn family(
        &mut self,
        name: &'static str,
        first: usize,
        n: usize,
        any: bool,
        value: impl Fn(usize) -> f32,
    ) {
        if any {
            for k in 0..n {
                self.put_nth(name, first + k, value(k));
            }
        } else {
            self.at += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::split_lines;
    use crate::features::Extractor;
    use crate::model::stage1_probs;

    const PAGE: &str = "Home | World | Sport\n\nCity expands bus network\n\nBy Jane Doe\n\n\
        The council voted on Tuesday to expand the city's bus network, adding four routes \
        that will serve the northern suburbs from March.\n\nShare this article\nFacebook\n\n\
        Advertisement\n\n© 2024 City News\n";

    /// The predictor must give exactly what the stages give from written-out rows, as
    /// training computes them.
    #[test]
    fn matches_the_stages_on_written_rows_to_the_bit() {
        let model = Arc::new(crate::Cleaner::default().model().clone());
        let predictor = Predictor::new(Arc::clone(&model));
        let mut spans = Vec::new();
        split_lines(PAGE, &mut spans);
        let mut f = DocFeatures::default();
        Extractor::default().extract(PAGE, &spans, None, &mut f);
        let mut got = Vec::new();
        predictor.predict(&f, &mut Scratch::default(), &mut got);
        let mut portable = Vec::new();
        predictor.predict_portable(&f, &mut Scratch::default(), &mut portable);
        assert_eq!(
            got, portable,
            "the code for this CPU and the portable code differ"
        );

        let mut p1 = Vec::new();
        stage1_probs(&model.stage1, &f, &mut p1);
        let rows = stack::rows(&f, &p1);
        let want = crate::train::stage2_probs(
            &model.stage2,
            &model.stage2_hidden,
            &model.stage2_seq,
            &rows,
            &mut [0.0; hidden::UNITS],
            &mut GruScratch::default(),
        );
        assert_eq!(got.len(), f.len());
        for (i, (p, s)) in got.iter().zip(&want).enumerate() {
            assert_eq!(p, s, "line {i}");
        }
    }
}
