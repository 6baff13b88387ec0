//! A small hidden layer beside stage 2's linear scores.
//!
//! The linear part weighs each input alone. Some evidence only counts together — short
//! lines are content on a listing page and chrome on an article — and the hidden units
//! learn such combinations: `scores += W2 · relu(W1 · x + b1)`.

use serde::{Deserialize, Serialize};

use super::Scores;
use crate::label::N_LABELS;

/// Hidden units of stage 2.
pub const UNITS: usize = 16;

/// The layer's weights.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Hidden {
    /// `UNITS` weights per input, input-major.
    pub w1: Vec<f32>,
    /// `UNITS` biases.
    pub b1: Vec<f32>,
    /// `N_LABELS` weights per unit, unit-major.
    pub w2: Vec<f32>,
}

impl Hidden {
    /// A layer over `n_in` inputs with weights drawn by `draw` (uniform in -1..1), scaled
    /// for the number of inputs.
    pub fn random(n_in: usize, mut draw: impl FnMut() -> f32) -> Hidden {
        let scale = (6.0 / (n_in as f32).max(1.0)).sqrt() * 0.5;
        Hidden {
            w1: (0..n_in * UNITS).map(|_| draw() * scale).collect(),
            b1: vec![0.0; UNITS],
            w2: (0..UNITS * N_LABELS).map(|_| draw() * 0.1).collect(),
        }
    }

    /// Number of inputs.
    pub fn n_in(&self) -> usize {
        self.w1.len() / UNITS
    }

    /// Computes the unit activations of `x` into `h` and adds the layer's scores to `out`.
    #[inline]
    pub fn forward(&self, x: &[f32], h: &mut [f32; UNITS], out: &mut Scores) {
        h.copy_from_slice(&self.b1);
        // Most inputs are zero (one-hot bins, absent cues), but which ones varies from
        // line to line: a test for zero would mispredict often. Each input costs a few
        // vector instructions instead.
        for (v, w) in x.iter().zip(self.w1.chunks_exact(UNITS)) {
            for u in 0..UNITS {
                h[u] += v * w[u];
            }
        }
        self.output(h, out);
    }

    /// Adds the scores of the unit pre-activations `h` to `out`, rectifying `h` in place.
    #[inline]
    pub fn output(&self, h: &mut [f32; UNITS], out: &mut Scores) {
        for (u, a) in h.iter_mut().enumerate() {
            *a = a.max(0.0);
            if *a > 0.0 {
                let w = &self.w2[u * N_LABELS..(u + 1) * N_LABELS];
                for k in 0..N_LABELS {
                    out[k] += *a * w[k];
                }
            }
        }
    }
}
