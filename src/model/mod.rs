//! The trained model: two linear stages and a label-transition table.
//!
//! Stage 1 scores each line from its own features (dense statistics and hashed words).
//! Stage 2 rescores it from the same dense features plus the stage-1 probabilities of
//! its neighbours and of the stretches around it, so that a teaser headline that reads
//! like a sentence is still seen in the list it sits in. Decoding (see [`crate::decode`])
//! then picks the most likely label sequence for the whole document.

pub mod file;
pub mod gru;
pub mod hidden;
mod predict;
pub mod stack;

use serde::{Deserialize, Serialize};

use crate::features::{self, DocFeatures};
use crate::label::N_LABELS;
use crate::render::InputKind;
use gru::BiGru;
use hidden::Hidden;
pub use predict::{Predictor, Scratch};

/// Scores for the four labels of one line.
pub type Scores = [f32; N_LABELS];

/// A linear layer over dense inputs and, optionally, hashed sparse inputs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Linear {
    /// Dense weights, `N_LABELS` per input, input-major.
    pub dense: Vec<f32>,
    /// Hashed weights, `N_LABELS` per bucket (empty for a layer without sparse input).
    pub hashed: Vec<f32>,
}

impl Linear {
    /// A zero layer with `n_dense` dense inputs and `n_hashed` buckets.
    pub fn zeros(n_dense: usize, n_hashed: usize) -> Linear {
        Linear {
            dense: vec![0.0; n_dense * N_LABELS],
            hashed: vec![0.0; n_hashed * N_LABELS],
        }
    }

    /// Number of dense inputs.
    pub fn n_dense(&self) -> usize {
        self.dense.len() / N_LABELS
    }

    /// The layer's scores for one input.
    #[inline]
    pub fn score(&self, dense: &[f32], sparse: &[(u32, f32)]) -> Scores {
        debug_assert_eq!(dense.len(), self.n_dense());
        let mut out = [0.0f32; N_LABELS];
        self.add_dense(dense, &mut out);
        for &(b, v) in sparse {
            let w = &self.hashed[b as usize * N_LABELS..(b as usize + 1) * N_LABELS];
            for k in 0..N_LABELS {
                out[k] += v * w[k];
            }
        }
        out
    }

    /// Adds the scores of the dense inputs `dense` to `out`.
    #[inline]
    pub fn add_dense(&self, dense: &[f32], out: &mut Scores) {
        // No test for zero inputs: the branch-free loop vectorises and never mispredicts.
        for (x, w) in dense.iter().zip(self.dense.chunks_exact(N_LABELS)) {
            for k in 0..N_LABELS {
                out[k] += x * w[k];
            }
        }
    }
}

/// Turns scores into probabilities in place.
pub fn softmax(s: &mut Scores) {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in s.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in s.iter_mut() {
        *v /= sum;
    }
}

/// Probabilities of every line of `f` under a stage-1 layer.
pub fn stage1_probs(stage1: &Linear, f: &DocFeatures, out: &mut Vec<Scores>) {
    out.clear();
    out.extend((0..f.len()).map(|i| {
        let mut s = stage1.score(f.dense_row(i), f.sparse_row(i));
        softmax(&mut s);
        s
    }));
}

/// Everything a trained model holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Model {
    /// Stage 1: line features and hashed words.
    pub stage1: Linear,
    /// Stage 2: line features plus the neighbourhood of stage-1 probabilities.
    pub stage2: Linear,
    /// Stage 2's hidden units, added to its linear scores.
    pub stage2_hidden: Hidden,
    /// Stage 2's sequence layer: reads the document's lines in both directions and adds
    /// its scores to the others.
    pub stage2_seq: BiGru,
    /// Log-weight of moving from label `a` to label `b` between consecutive lines.
    pub transitions: [[f32; N_LABELS]; N_LABELS],
    /// How much the transitions count against the per-line probabilities.
    pub transition_weight: f32,
    /// What the model reads: the features of rendered HTML or markdown differ from those
    /// of plain text, so each kind has its own model.
    pub input: InputKind,
    /// What the model was trained on, for `dechaff eval` and the README.
    pub provenance: String,
}

impl Model {
    /// An untrained model of the current feature set.
    pub fn zeros() -> Model {
        let d = features::dense_len();
        Model {
            stage1: Linear::zeros(d, features::HASH_BUCKETS),
            stage2: Linear::zeros(d + stack::len(), 0),
            stage2_hidden: Hidden::random(d + stack::len(), || 0.0),
            stage2_seq: BiGru::zeros(d + stack::len()),
            transitions: [[0.0; N_LABELS]; N_LABELS],
            transition_weight: 0.0,
            input: InputKind::Text,
            provenance: String::new(),
        }
    }

    /// Checks that the weights fit the current feature set.
    pub fn check_shape(&self) -> Result<(), String> {
        let d = features::dense_len();
        let want = [
            ("stage 1 dense", self.stage1.dense.len(), d * N_LABELS),
            (
                "stage 1 hashed",
                self.stage1.hashed.len(),
                features::HASH_BUCKETS * N_LABELS,
            ),
            (
                "stage 2 dense",
                self.stage2.dense.len(),
                (d + stack::len()) * N_LABELS,
            ),
            ("stage 2 hashed", self.stage2.hashed.len(), 0),
            (
                "stage 2 hidden",
                self.stage2_hidden.w1.len(),
                (d + stack::len()) * hidden::UNITS,
            ),
            (
                "stage 2 hidden bias",
                self.stage2_hidden.b1.len(),
                hidden::UNITS,
            ),
            (
                "stage 2 hidden output",
                self.stage2_hidden.w2.len(),
                hidden::UNITS * N_LABELS,
            ),
        ];
        for (what, got, expected) in want {
            if got != expected {
                return Err(format!("{what} weights: {got} values, expected {expected}"));
            }
        }
        // Matrix by matrix: the labelling code indexes each by its own shape.
        let seq = BiGru::zeros(d + stack::len());
        for (k, (got, expected)) in self
            .stage2_seq
            .slices()
            .iter()
            .zip(seq.slices())
            .enumerate()
        {
            if got.len() != expected.len() {
                return Err(format!(
                    "stage 2 sequence layer, matrix {} of 12: {} values, expected {}",
                    k + 1,
                    got.len(),
                    expected.len()
                ));
            }
        }
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        if !(finite(&self.stage1.dense)
            && finite(&self.stage1.hashed)
            && finite(&self.stage2.dense)
            && finite(&self.stage2_hidden.w1)
            && finite(&self.stage2_hidden.b1)
            && finite(&self.stage2_hidden.w2)
            && self.stage2_seq.slices().iter().all(|s| finite(s))
            && self.transitions.iter().all(|r| finite(r))
            && self.transition_weight.is_finite())
        {
            return Err("weights hold non-finite values".to_string());
        }
        Ok(())
    }
}
