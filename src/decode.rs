//! Sequence decoding: the most likely labels for a whole document (Viterbi).
//!
//! Per-line probabilities say what each line looks like; the transition table says how
//! labels follow each other on real pages (content runs on, menus cluster). Decoding
//! weighs both, so a lone line is pulled towards its neighbours' label unless its own
//! evidence is strong — the role jusText's context smoothing plays, learnt instead of set.

use crate::label::N_LABELS;
use crate::model::Scores;

/// Reusable buffers for [`viterbi`].
#[derive(Default)]
pub struct Scratch {
    back: Vec<[u8; N_LABELS]>,
}

/// Writes into `out` the label indices maximising the sum of `ln p(label | line)` and
/// `weight * transitions[previous][label]`.
pub fn viterbi(
    probs: &[Scores],
    transitions: &[[f32; N_LABELS]; N_LABELS],
    weight: f32,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) {
    out.clear();
    if probs.is_empty() {
        return;
    }
    let back = &mut scratch.back;
    back.clear();
    let ln = |p: f32| p.max(1e-9).ln();
    let mut score: Scores = probs[0].map(ln);
    back.push([0; N_LABELS]);
    for p in &probs[1..] {
        let mut next = [f32::NEG_INFINITY; N_LABELS];
        let mut from = [0u8; N_LABELS];
        for b in 0..N_LABELS {
            for a in 0..N_LABELS {
                let s = score[a] + weight * transitions[a][b];
                if s > next[b] {
                    next[b] = s;
                    from[b] = a as u8;
                }
            }
            next[b] += ln(p[b]);
        }
        score = next;
        back.push(from);
    }
    let mut best = (0..N_LABELS)
        .max_by(|a, b| score[*a].total_cmp(&score[*b]))
        .unwrap_or(0) as u8;
    out.resize(probs.len(), 0);
    for i in (0..probs.len()).rev() {
        out[i] = best;
        best = back[i][best as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_transitions_takes_each_argmax() {
        let p = [
            [0.6, 0.4, 0.0, 0.0],
            [0.1, 0.2, 0.7, 0.0],
            [0.0, 0.0, 0.1, 0.9],
        ];
        let mut out = Vec::new();
        viterbi(&p, &[[0.0; 4]; 4], 0.0, &mut Scratch::default(), &mut out);
        assert_eq!(out, vec![0, 2, 3]);
    }

    #[test]
    fn strong_transitions_smooth_a_lone_line() {
        let p = [
            [0.9, 0.1, 0.0, 0.0],
            [0.45, 0.55, 0.0, 0.0],
            [0.9, 0.1, 0.0, 0.0],
        ];
        let mut t = [[-2.0; 4]; 4];
        for (k, row) in t.iter_mut().enumerate() {
            row[k] = 0.0;
        }
        let mut out = Vec::new();
        viterbi(&p, &t, 1.0, &mut Scratch::default(), &mut out);
        assert_eq!(out, vec![0, 0, 0]);
    }
}
