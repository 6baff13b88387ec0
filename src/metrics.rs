//! Measuring a labelling against gold labels: per-label precision, recall and F1, the
//! confusion matrix, and how much of the content's text the kept lines hold.

use std::fmt::Write;

use crate::label::{Label, N_LABELS};

/// Counts from comparing predicted with gold labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// `confusion[gold][predicted]` in lines.
    pub confusion: [[u64; N_LABELS]; N_LABELS],
    /// Word tokens of lines that are gold content and kept / kept / gold content.
    pub content_tokens_both: u64,
    pub content_tokens_kept: u64,
    pub content_tokens_gold: u64,
}

/// Precision, recall and F1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
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

#[cfg(test)]
mod tests {
    use super::*;

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
