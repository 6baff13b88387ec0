//! Stage-2 inputs: the stage-1 probabilities around a line and across its document.
//!
//! Stage 1 judges each line nearly alone. These inputs let stage 2 see the list a teaser
//! sits in (its neighbours' probabilities), the stretch around it (window means), and
//! where the document's content lies as stage 1 sees it: how much content comes before
//! and after the line, and whether the line falls inside the densest run of content.

use super::Scores;
use crate::features::{self, DocFeatures};
use crate::label::N_LABELS;

/// Offsets of the neighbours whose probabilities are inputs of their own.
const OFFSETS: [isize; 6] = [-3, -2, -1, 1, 2, 3];
/// Half-widths of the windows whose mean probabilities are inputs.
const WINDOWS: [usize; 4] = [2, 5, 12, 30];
/// Distance bins, in lines, to the content run.
pub(crate) const DISTANCES: [usize; 5] = [1, 3, 10, 30, usize::MAX];
/// The line's own stage-1 probabilities enter as `ln(p) / OWN_LOG_SCALE`, of the scale of
/// the other inputs.
pub(crate) const OWN_LOG_SCALE: f32 = 5.0;

/// The probability behind a line's own stage-1 input `input`.
pub(crate) fn own_probability(input: f32) -> f32 {
    (input * OWN_LOG_SCALE).exp()
}

/// Number of stage-2 inputs added to the dense features.
pub const fn len() -> usize {
    N_LABELS // own log-probabilities
        + OFFSETS.len() * (N_LABELS + 1) // each neighbour, with a presence flag
        + WINDOWS.len() * N_LABELS
        + N_LABELS // document mean
        + 2 // content mass before and after
        + 1 + 2 * DISTANCES.len() // inside the content run, or how far before / after
}

/// Names of the stage-2 inputs, in order.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = (0..N_LABELS).map(|k| format!("s1.self#{k}")).collect();
    for o in OFFSETS {
        names.push(format!("s1.at{o:+}"));
        names.extend((0..N_LABELS).map(|k| format!("s1.at{o:+}#{k}")));
    }
    for w in WINDOWS {
        names.extend((0..N_LABELS).map(|k| format!("s1.win{w}#{k}")));
    }
    names.extend((0..N_LABELS).map(|k| format!("s1.doc#{k}")));
    names.push("s1.content_before".into());
    names.push("s1.content_after".into());
    names.push("s1.run.inside".into());
    for side in ["before", "after"] {
        names.extend((0..DISTANCES.len()).map(|k| format!("s1.run.{side}#{k}")));
    }
    names
}

/// Document-wide sums of stage-1 probabilities that every line's inputs draw on.
#[derive(Default)]
pub struct Summary {
    /// `prefix[i]` sums the probabilities of lines `0..i`.
    prefix: Vec<Scores>,
    /// The densest run of content: lines `run.0..run.1`.
    run: (usize, usize),
}

impl Summary {
    /// Summarises the stage-1 probabilities `p` of a document, reusing buffers.
    pub fn compute(&mut self, p: &[Scores]) {
        self.prefix.clear();
        let mut acc = [0.0f32; N_LABELS];
        self.prefix.push(acc);
        for q in p {
            for k in 0..N_LABELS {
                acc[k] += q[k];
            }
            self.prefix.push(acc);
        }
        // Kadane over content probability minus one half.
        let (mut best, mut best_run) = (0.0f32, (0, 0));
        let (mut sum, mut from) = (0.0f32, 0);
        for (i, q) in p.iter().enumerate() {
            if sum <= 0.0 {
                sum = 0.0;
                from = i;
            }
            sum += q[0] - 0.5;
            if sum > best {
                best = sum;
                best_run = (from, i + 1);
            }
        }
        self.run = best_run;
    }

    fn mean(&self, lo: usize, hi: usize) -> Scores {
        let n = (hi - lo).max(1) as f32;
        std::array::from_fn(|k| (self.prefix[hi][k] - self.prefix[lo][k]) / n)
    }
}

/// Writes the stage-2 inputs of line `i` into `out` (`len()` values); `summary` is
/// [`Summary::compute`] of `p`.
pub fn write(p: &[Scores], summary: &Summary, i: usize, out: &mut [f32]) {
    let n = p.len();
    let mut at = 0;
    let mut put = |v: f32| {
        out[at] = v;
        at += 1;
    };
    for v in p[i] {
        put(v.max(1e-6).ln() / OWN_LOG_SCALE);
    }
    for o in OFFSETS {
        match i.checked_add_signed(o).and_then(|j| p.get(j)) {
            Some(q) => {
                put(1.0);
                q.iter().for_each(|v| put(*v));
            }
            None => (0..=N_LABELS).for_each(|_| put(0.0)),
        }
    }
    for w in WINDOWS {
        let m = summary.mean(i.saturating_sub(w), (i + w + 1).min(n));
        m.iter().for_each(|v| put(*v));
    }
    summary.mean(0, n).iter().for_each(|v| put(*v));
    let total = summary.prefix[n][0].max(1e-6);
    put(summary.prefix[i][0] / total);
    put((summary.prefix[n][0] - summary.prefix[i + 1][0]) / total);
    let (a, b) = summary.run;
    put(if (a..b).contains(&i) { 1.0 } else { 0.0 });
    let before = a.saturating_sub(i);
    let after = if i >= b && b > a { i + 1 - b } else { 0 };
    for d in [before, after] {
        let bin = DISTANCES.iter().position(|e| d <= *e);
        for k in 0..DISTANCES.len() {
            put(if d > 0 && bin == Some(k) { 1.0 } else { 0.0 });
        }
    }
    debug_assert_eq!(at, len());
}

/// Every stage-2 input of every line of a document, written out: each line's dense
/// features, then the inputs [`write()`] draws from the stage-1 probabilities `p1`.
pub fn rows(f: &DocFeatures, p1: &[Scores]) -> Vec<f32> {
    let d = features::dense_len();
    let w = d + len();
    let mut out = vec![0.0; f.len() * w];
    let mut summary = Summary::default();
    summary.compute(p1);
    for (i, row) in out.chunks_exact_mut(w).enumerate() {
        row[..d].copy_from_slice(f.dense_row(i));
        write(p1, &summary, i, &mut row[d..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_input() {
        let p = vec![[0.7, 0.1, 0.1, 0.1]; 5];
        let mut s = Summary::default();
        s.compute(&p);
        let mut out = vec![f32::NAN; len()];
        for i in 0..p.len() {
            write(&p, &s, i, &mut out);
            assert!(out.iter().all(|v| v.is_finite()));
        }
        assert_eq!(names().len(), len());
    }

    #[test]
    fn finds_the_content_run() {
        let nav = [0.1, 0.9, 0.0, 0.0];
        let content = [0.95, 0.05, 0.0, 0.0];
        let p = vec![nav, nav, content, content, nav, content, nav, nav, nav];
        let mut s = Summary::default();
        s.compute(&p);
        assert_eq!(s.run, (2, 6));
    }
}
