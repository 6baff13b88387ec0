//! Stage-2 inputs: the stage-1 probabilities around a line.

use super::Scores;
use crate::label::N_LABELS;

/// Offsets of the neighbours whose probabilities are inputs of their own.
const OFFSETS: [isize; 6] = [-3, -2, -1, 1, 2, 3];
/// Half-widths of the windows whose mean probabilities are inputs.
const WINDOWS: [usize; 3] = [2, 5, 12];

/// Number of stage-2 inputs added to the dense features.
pub const fn len() -> usize {
    // own log-probabilities, each neighbour (+ present flag), each window, the document
    N_LABELS + OFFSETS.len() * (N_LABELS + 1) + WINDOWS.len() * N_LABELS + N_LABELS
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
    names
}

/// Mean probabilities over a document's lines.
pub fn mean(p: &[Scores]) -> Scores {
    let mut mean = [0.0; N_LABELS];
    for q in p {
        for k in 0..N_LABELS {
            mean[k] += q[k];
        }
    }
    mean.map(|m| m / p.len().max(1) as f32)
}

/// Writes the stage-2 inputs of line `i` into `out` (`len()` values); `doc_mean` is
/// [`mean`] of `p`.
pub fn write(p: &[Scores], i: usize, doc_mean: &Scores, out: &mut [f32]) {
    let mut at = 0;
    let mut put = |v: f32| {
        out[at] = v;
        at += 1;
    };
    for v in p[i] {
        put(v.max(1e-6).ln() / 5.0);
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
        let (lo, hi) = (i.saturating_sub(w), (i + w + 1).min(p.len()));
        mean(&p[lo..hi]).iter().for_each(|m| put(*m));
    }
    doc_mean.iter().for_each(|m| put(*m));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_input() {
        let p = vec![[0.7, 0.1, 0.1, 0.1]; 5];
        let mut out = vec![f32::NAN; len()];
        write(&p, 0, &mean(&p), &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
        assert_eq!(names().len(), len());
    }
}
