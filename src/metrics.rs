//! Measuring a labelling against gold labels: per-label precision, recall and F1, the
//! confusion matrix, how much of the content's text the kept lines hold, and the page
//! metric of article-extraction benchmarks ([`PageScores`]).

use std::fmt::Write;

use crate::label::{Label, N_LABELS};

mod page;

pub use page::{PageScores, PageWords};

/// Scores that add up over documents, so that they can be pooled and resampled.
pub trait Pooled: Default {
    /// Adds the counts of `other`.
    fn merge(&mut self, other: &Self);
}

impl Pooled for Scores {
    fn merge(&mut self, other: &Self) {
        Scores::merge(self, other)
    }
}

impl Pooled for PageScores {
    fn merge(&mut self, other: &Self) {
        PageScores::merge(self, other)
    }
}

/// Counts from comparing predicted with gold labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// `confusion[gold][predicted]` in lines.
    pub confusion: [[u64; N_LABELS]; N_LABELS],
    /// Word tokens of lines that are gold content and kept.
    pub content_tokens_both: u64,
    /// Word tokens of kept lines.
    pub content_tokens_kept: u64,
    /// Word tokens of gold content lines.
    pub content_tokens_gold: u64,
}

/// Precision, recall and F1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prf {
    /// Share of the predicted that is right.
    pub precision: f64,
    /// Share of the right that is predicted.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Prf {
    fn from_counts(both: u64, predicted: u64, gold: u64) -> Prf {
        let div = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (p, r) = (div(both, predicted), div(both, gold));
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        Prf {
            precision: p,
            recall: r,
            f1,
        }
    }
}

impl Scores {
    /// Adds one line: its gold label, the predicted one, and its number of word tokens.
    pub fn add(&mut self, gold: Label, predicted: Label, tokens: u64) {
        self.confusion[gold.index()][predicted.index()] += 1;
        let (g, p) = (gold == Label::Content, predicted == Label::Content);
        if g && p {
            self.content_tokens_both += tokens;
        }
        if p {
            self.content_tokens_kept += tokens;
        }
        if g {
            self.content_tokens_gold += tokens;
        }
    }

    /// Adds all counts of `other`.
    pub fn merge(&mut self, other: &Scores) {
        for g in 0..N_LABELS {
            for p in 0..N_LABELS {
                self.confusion[g][p] += other.confusion[g][p];
            }
        }
        self.content_tokens_both += other.content_tokens_both;
        self.content_tokens_kept += other.content_tokens_kept;
        self.content_tokens_gold += other.content_tokens_gold;
    }

    /// Lines scored.
    pub fn lines(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }

    /// Line-level scores of one label.
    pub fn label(&self, l: Label) -> Prf {
        let k = l.index();
        let both = self.confusion[k][k];
        let predicted = (0..N_LABELS).map(|g| self.confusion[g][k]).sum();
        let gold = self.confusion[k].iter().sum();
        Prf::from_counts(both, predicted, gold)
    }

    /// Mean F1 over the four labels.
    pub fn macro_f1(&self) -> f64 {
        Label::ALL.iter().map(|l| self.label(*l).f1).sum::<f64>() / N_LABELS as f64
    }

    /// Token-level scores of the kept text against the gold content.
    pub fn content_tokens(&self) -> Prf {
        Prf::from_counts(
            self.content_tokens_both,
            self.content_tokens_kept,
            self.content_tokens_gold,
        )
    }

    /// A readable report: per-label table, macro-F1, content tokens and confusion matrix.
    pub fn report(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== {title} ({} lines)", self.lines());
        let _ = writeln!(
            s,
            "{:<14} {:>9} {:>9} {:>9} {:>9}",
            "label", "precision", "recall", "f1", "gold"
        );
        for l in Label::ALL {
            let prf = self.label(l);
            let gold: u64 = self.confusion[l.index()].iter().sum();
            let _ = writeln!(
                s,
                "{:<14} {:>9.3} {:>9.3} {:>9.3} {:>9}",
                l.name(),
                prf.precision,
                prf.recall,
                prf.f1,
                gold
            );
        }
        let t = self.content_tokens();
        let _ = writeln!(s, "macro-F1 {:.3}", self.macro_f1());
        let _ = writeln!(
            s,
            "content tokens: precision {:.3} recall {:.3} f1 {:.3}",
            t.precision, t.recall, t.f1
        );
        let _ = writeln!(s, "confusion (rows gold, columns predicted):");
        let _ = writeln!(
            s,
            "{:<14} {:>9} {:>9} {:>9} {:>9}",
            "", "content", "navig.", "advert.", "bio"
        );
        for g in Label::ALL {
            let row = &self.confusion[g.index()];
            let _ = writeln!(
                s,
                "{:<14} {:>9} {:>9} {:>9} {:>9}",
                g.name(),
                row[0],
                row[1],
                row[2],
                row[3]
            );
        }
        s
    }
}

/// The middle 95 % of `score(pooled a) - score(pooled b)` over `rounds` resamplings of the
/// documents, with replacement: pairs `(a, b)` hold one document's scores under two models
/// (or one model and `Scores::default()`, to bound one model's score). A dev figure rests
/// on a few hundred pages, some of them large, so a difference smaller than this spread
/// says little. `next` supplies random numbers.
pub fn bootstrap<T: Pooled>(
    pairs: &[(T, T)],
    score: impl Fn(&T) -> f64,
    rounds: usize,
    mut next: impl FnMut() -> u64,
) -> (f64, f64) {
    if pairs.is_empty() || rounds == 0 {
        return (0.0, 0.0);
    }
    let mut diffs: Vec<f64> = (0..rounds)
        .map(|_| {
            let (mut a, mut b) = (T::default(), T::default());
            for _ in 0..pairs.len() {
                let (x, y) = &pairs[(next() % pairs.len() as u64) as usize];
                Pooled::merge(&mut a, x);
                Pooled::merge(&mut b, y);
            }
            score(&a) - score(&b)
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    let at = |q: f64| diffs[((rounds - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(right: u64, wrong: u64) -> Scores {
        let mut s = Scores::default();
        (0..right).for_each(|_| s.add(Label::Content, Label::Content, 1));
        (0..wrong).for_each(|_| s.add(Label::Content, Label::Navigation, 1));
        (0..wrong).for_each(|_| s.add(Label::Navigation, Label::Content, 1));
        s
    }

    #[test]
    fn bootstrap_brackets_the_score_and_widens_with_uneven_pages() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let f1 = |s: &Scores| s.label(Label::Content).f1;
        // Alike pages: every resampling gives the same score.
        let even = vec![(doc(8, 2), Scores::default()); 20];
        let (lo, hi) = bootstrap(&even, f1, 200, &mut next);
        assert!(
            (lo - 0.8).abs() < 1e-9 && (hi - 0.8).abs() < 1e-9,
            "{lo} {hi}"
        );
        // Pages that disagree: the interval holds the pooled score and has width.
        let mut uneven: Vec<_> = (0..19).map(|_| (doc(9, 1), Scores::default())).collect();
        uneven.push((doc(10, 90), Scores::default()));
        let mut pooled = Scores::default();
        uneven.iter().for_each(|(a, _)| pooled.merge(a));
        let (lo, hi) = bootstrap(&uneven, f1, 200, &mut next);
        assert!(lo < f1(&pooled) && f1(&pooled) < hi, "{lo} {hi}");
        assert!(hi - lo > 0.1, "{lo} {hi}");
        // The same model on both sides differs by nothing.
        let same: Vec<_> = uneven.iter().map(|(a, _)| (a.clone(), a.clone())).collect();
        assert_eq!(bootstrap(&same, f1, 50, &mut next), (0.0, 0.0));
    }

    #[test]
    fn scores_add_up() {
        let mut s = Scores::default();
        s.add(Label::Content, Label::Content, 10);
        s.add(Label::Content, Label::Navigation, 5);
        s.add(Label::Navigation, Label::Content, 2);
        s.add(Label::Bio, Label::Bio, 2);
        let c = s.label(Label::Content);
        assert!((c.precision - 0.5).abs() < 1e-9);
        assert!((c.recall - 0.5).abs() < 1e-9);
        assert_eq!(s.label(Label::Bio).f1, 1.0);
        assert_eq!(s.label(Label::Advertisement).f1, 0.0);
        let t = s.content_tokens();
        assert!((t.precision - 10.0 / 12.0).abs() < 1e-9);
        assert!((t.recall - 10.0 / 15.0).abs() < 1e-9);
        let mut m = Scores::default();
        m.merge(&s);
        m.merge(&s);
        assert_eq!(m.lines(), 8);
        assert!(s.report("t").contains("macro-F1"));
    }
}
