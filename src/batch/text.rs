//! One document: its kept lines (or its annotation), counting the lines of each label.
//!
//! [`Cleaner::clean_into`] does not say which labels it saw, and the batch summary
//! counts them; running the model twice would halve throughput. So this module runs
//! [`Cleaner::classify`] once and writes the same output as `clean_into` and
//! `annotate_into` from its labels (the tests check that the outputs agree).

use std::cell::RefCell;

use crate::clean::push_blank_line;
use crate::document::{split_lines, LineSpan};
use crate::label::{Label, LabelSet, N_LABELS};
use crate::{Cleaner, LineLabel};

/// What to keep and how to write it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keep {
    pub labels: LabelSet,
    pub threshold: Option<f32>,
    pub annotate: bool,
}

impl Keep {
    /// The same rule as the cleaner's: the decoded label is kept, or with a
    /// threshold, the summed probability of the kept labels reaches it.
    fn keeps(&self, line: &LineLabel) -> bool {
        match self.threshold {
            Some(t) => {
                self.labels
                    .iter()
                    .map(|l| line.probs[l.index()])
                    .sum::<f32>()
                    >= t
            }
            None => self.labels.contains(line.label),
        }
    }
}

/// Lines seen per label, and how many were kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub labels: [u64; N_LABELS],
    pub kept: u64,
}

thread_local! {
    static SPANS: RefCell<Vec<LineSpan>> = const { RefCell::new(Vec::new()) };
}

/// Appends the output for `text` to `out` and counts its lines into `counts`.
pub(crate) fn transform(
    cleaner: &Cleaner,
    keep: &Keep,
    text: &str,
    out: &mut String,
    counts: &mut Counts,
) {
    let labels = cleaner.classify(text);
    for l in &labels {
        counts.labels[l.label.index()] += 1;
    }
    SPANS.with(|spans| {
        let mut spans = spans.borrow_mut();
        spans.clear();
        split_lines(text, &mut spans);
        if keep.annotate {
            annotate(text, &spans, &labels, out);
            counts.kept += labels.len() as u64;
        } else {
            counts.kept += clean(keep, text, &spans, &labels, out);
        }
    });
}

/// As [`Cleaner::clean_into`]: kept lines with their endings, one blank line where
/// blank lines stood between two kept lines. Returns how many lines were kept.
fn clean(
    keep: &Keep,
    text: &str,
    spans: &[LineSpan],
    labels: &[LineLabel],
    out: &mut String,
) -> u64 {
    let mut kept = 0;
    let mut next = 0;
    let mut pending_break: Option<&str> = None;
    let mut wrote = false;
    for (line, span) in spans.iter().enumerate() {
        let nonblank = labels.get(next).map(|l| l.line) == Some(line);
        if !nonblank {
            if wrote && pending_break.is_none() {
                pending_break = Some(span.ending(text));
            }
            continue;
        }
        let l = &labels[next];
        next += 1;
        if !keep.keeps(l) {
            continue;
        }
        if let Some(ending) = pending_break.take() {
            push_blank_line(out, ending);
        }
        out.push_str(span.text(text));
        out.push_str(span.ending(text));
        wrote = true;
        kept += 1;
    }
    kept
}

/// As [`Cleaner::annotate_into`]: `LABEL<TAB>line` per non-blank line, empty lines for
/// blank ones.
fn annotate(text: &str, spans: &[LineSpan], labels: &[LineLabel], out: &mut String) {
    let mut next = 0;
    for (line, span) in spans.iter().enumerate() {
        let ending = span.ending(text);
        if let Some(l) = labels.get(next).filter(|l| l.line == line) {
            out.push_str(Label::name(l.label));
            out.push('\t');
            out.push_str(span.text(text));
            out.push_str(if ending.is_empty() { "\n" } else { ending });
            next += 1;
        } else {
            push_blank_line(out, ending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Vec<String> {
        let mut texts: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples"))
                .map(|d| {
                    d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                        .collect()
                })
                .unwrap_or_default();
        texts.extend(
            [
                "",
                "\n\n",
                "Home | News | Sport\r\n\r\nThe council voted on Tuesday to expand the city's bus \
                 network.\r\n\n  \nShare this article\rAdvertisement\rSubscribe now",
                "One line without an ending",
                "Menu\n\n\n\nBy Jane Doe, staff writer\n\nA long paragraph of reporting that says \
                 what happened, where, and why it matters to the readers of this page.\n\n",
            ]
            .map(String::from),
        );
        texts
    }

    #[test]
    fn same_output_as_the_cleaner() {
        let keeps = [
            (LabelSet::default(), None),
            (LabelSet::ALL, None),
            (LabelSet::EMPTY, None),
            (LabelSet::only(Label::Navigation).with(Label::Bio), None),
            (LabelSet::default(), Some(0.3)),
            (LabelSet::default(), Some(0.9)),
        ];
        for text in texts() {
            for (labels, threshold) in keeps {
                let cleaner = Cleaner::default().keep(labels).threshold(threshold);
                for annotate in [false, true] {
                    let keep = Keep {
                        labels,
                        threshold,
                        annotate,
                    };
                    let mut want = String::from("prefix|");
                    if annotate {
                        cleaner.annotate_into(&text, &mut want);
                    } else {
                        cleaner.clean_into(&text, &mut want);
                    }
                    let mut got = String::from("prefix|");
                    let mut counts = Counts::default();
                    transform(&cleaner, &keep, &text, &mut got, &mut counts);
                    assert_eq!(got, want, "{labels:?} {threshold:?} annotate={annotate}");
                    let n = cleaner.classify(&text).len() as u64;
                    assert_eq!(counts.labels.iter().sum::<u64>(), n);
                    assert!(counts.kept <= n);
                }
            }
        }
    }
}
