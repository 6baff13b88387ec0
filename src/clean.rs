//! The public cleaner: a model plus what to keep.

use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::decode;
use crate::document::{split_lines, LineSpan};
use crate::error::{Error, Result};
use crate::features::{DocFeatures, Extractor, Markup};
use crate::label::{Label, LabelSet, N_LABELS};
use crate::model::{self, file, Model, Predictor, Scores};
use crate::render::{self, markdown, InputKind, Rendered};

/// The default models, one per input kind, trained on the permissively licensed sources
/// of the project's data (see docs/model.md for the commands that rebuild them).
static TEXT_MODEL: &[u8] = include_bytes!("../models/default.bin");
static HTML_MODEL: &[u8] = include_bytes!("../models/html.bin");
static MARKDOWN_MODEL: &[u8] = include_bytes!("../models/markdown.bin");

/// How kept lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// The lines' text.
    #[default]
    Text,
    /// The lines as markdown: links, headings, list items and quotes kept. Text input
    /// is written as it stands.
    Markdown,
}

/// The label of one non-blank line.
#[derive(Clone, Debug, PartialEq)]
pub struct LineLabel {
    /// Index of the line in the document, from 0, counting blank lines.
    pub line: usize,
    /// Byte range of the line in the document, without its ending.
    pub span: Range<usize>,
    /// The decoded label.
    pub label: Label,
    /// Probability of each label, indexed by [`Label::index`].
    pub probs: [f32; N_LABELS],
}

impl LineLabel {
    /// Probability of the decoded label.
    pub fn confidence(&self) -> f32 {
        self.probs[self.label.index()]
    }
}

/// How many non-blank lines of a text had each label, and how many were written out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Lines per label, indexed by [`Label::index`].
    pub labels: [u64; N_LABELS],
    /// Lines written: the kept ones, or with [`Cleaner::annotate_into`], every non-blank
    /// line.
    pub written: u64,
}

impl LineCounts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &LineCounts) {
        for (a, b) in self.labels.iter_mut().zip(other.labels) {
            *a += b;
        }
        self.written += other.written;
    }

    fn of_labels(labels: &[u8]) -> LineCounts {
        let mut counts = LineCounts::default();
        for &l in labels {
            counts.labels[l as usize] += 1;
        }
        counts
    }
}

/// Labels lines with a trained model and keeps the ones asked for.
///
/// ```
/// use dechaff::{Cleaner, Label, LabelSet};
///
/// let page = "Skip to content\n\
///             City expands bus network\n\n\
///             By Jane Doe\n\n\
///             The council voted on Tuesday to expand the city's bus network, adding four \
///             routes that will serve the northern suburbs from March.\n\n\
///             The new routes will run every ten minutes at peak times, the transport \
///             committee said, and fares will stay the same.\n\n\
///             Share this article\nFacebook\nTwitter\n\n\
///             Advertisement\n\n\
///             © 2024 City News\n";
/// let cleaner = Cleaner::default();
/// let labels = cleaner.classify(page);
/// assert_eq!(labels.len(), 10); // one per non-blank line
/// assert_eq!(labels[3].label, Label::Content);
/// assert_eq!(labels[8].label, Label::Advertisement);
///
/// let kept = cleaner.clean(page);
/// assert!(kept.contains("fares will stay the same."));
/// assert!(!kept.contains("Share this article"));
///
/// // Keep the byline too.
/// let with_bio = cleaner.clone().keep(LabelSet::default().with(Label::Bio));
/// assert!(with_bio.clean(page).contains("By Jane Doe"));
/// ```
#[derive(Clone)]
pub struct Cleaner {
    predictor: Arc<Predictor>,
    keep: LabelSet,
    threshold: Option<f32>,
}

impl Default for Cleaner {
    /// The cleaner with the embedded model for plain text, keeping content.
    fn default() -> Cleaner {
        Cleaner::for_input(InputKind::Text)
    }
}

/// Buffers reused across documents on one thread, so that cleaning allocates per
/// document at most, never per line.
#[derive(Default)]
struct Work {
    spans: Vec<LineSpan>,
    extractor: Extractor,
    features: DocFeatures,
    model: model::Scratch,
    decode: decode::Scratch,
    chunk_probs: Vec<Scores>,
    chunk_labels: Vec<u8>,
    /// For each non-blank line of the whole text: its line index, probabilities, label.
    line_index: Vec<usize>,
    probs: Vec<Scores>,
    labels: Vec<u8>,
}

/// Lines per piece a huge text is labelled in. A document's features take about a
/// kilobyte per line; labelling a gigabyte of short lines whole would take tens of
/// gigabytes. Past this many lines, pages are long over: each piece is still a whole
/// document's worth of context.
const MAX_LINES_AT_ONCE: usize = 50_000;

thread_local! {
    static WORK: RefCell<Work> = RefCell::new(Work::default());
}

impl Cleaner {
    /// The cleaner with the embedded model for pages of `kind`, keeping content.
    pub fn for_input(kind: InputKind) -> Cleaner {
        static PREDICTORS: [OnceLock<Arc<Predictor>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let (slot, bytes) = match kind {
            InputKind::Text => (&PREDICTORS[0], TEXT_MODEL),
            InputKind::Html => (&PREDICTORS[1], HTML_MODEL),
            InputKind::Markdown => (&PREDICTORS[2], MARKDOWN_MODEL),
        };
        let predictor = slot.get_or_init(|| {
            let model = file::from_bytes(bytes).expect("the embedded models are valid");
            Arc::new(Predictor::new(Arc::new(model)))
        });
        Cleaner {
            predictor: Arc::clone(predictor),
            keep: LabelSet::default(),
            threshold: None,
        }
    }

    /// A cleaner over `model`, keeping content.
    pub fn with_model(model: Arc<Model>) -> Cleaner {
        Cleaner {
            predictor: Arc::new(Predictor::new(model)),
            keep: LabelSet::default(),
            threshold: None,
        }
    }

    /// Loads a model file written by `dechaff train`.
    pub fn from_model_file(path: impl AsRef<Path>) -> Result<Cleaner> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let model = file::from_bytes(&bytes).map_err(|source| Error::Model {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Cleaner::with_model(Arc::new(model)))
    }

    /// Keeps the lines with these labels (default: content).
    pub fn keep(mut self, labels: LabelSet) -> Cleaner {
        self.keep = labels;
        self
    }

    /// Keeps a line when the probability that it has a kept label is at least `t`,
    /// instead of when its decoded label is kept. Lower keeps more (recall), higher
    /// keeps less (precision).
    pub fn threshold(mut self, t: Option<f32>) -> Cleaner {
        self.threshold = t;
        self
    }

    /// The labels this cleaner keeps.
    pub fn kept_labels(&self) -> LabelSet {
        self.keep
    }

    /// The model.
    pub fn model(&self) -> &Model {
        self.predictor.model()
    }

    /// What the model reads: the kind of page [`Cleaner::render`] expects.
    pub fn input(&self) -> InputKind {
        self.model().input
    }

    /// Renders a page of the kind the model reads (see [`render::render`]).
    pub fn render(&self, bytes: &[u8]) -> Rendered {
        render::render(bytes, self.input())
    }

    /// The markup the model reads of `page`: that of the kind of page it was trained
    /// on; none for plain text, or for a page of another kind, whose lines it reads as
    /// text.
    pub(crate) fn markup_of<'a>(&self, page: &'a Rendered) -> Option<Markup<'a>> {
        (self.input() != InputKind::Text && page.kind == self.input()).then(|| Markup::of(page))
    }

    /// Runs the model over `text`, then hands `f` the lines, their probabilities and
    /// decoded labels.
    fn run<R>(&self, text: &str, markup: Option<Markup>, f: impl FnOnce(&Work) -> R) -> R {
        WORK.with(|w| {
            let mut guard = w.borrow_mut();
            let w = &mut *guard;
            w.spans.clear();
            split_lines(text, &mut w.spans);
            w.line_index.clear();
            w.probs.clear();
            w.labels.clear();
            for (piece, spans) in w.spans.chunks(MAX_LINES_AT_ONCE).enumerate() {
                let offset = piece * MAX_LINES_AT_ONCE;
                // A page whose markup does not cover its lines is read as plain text
                // rather than misread.
                let markup = markup
                    .filter(|m| m.lines.len() == w.spans.len())
                    .map(|m| m.slice(offset..offset + spans.len()));
                w.extractor.analyse(text, spans, markup, &mut w.features);
                self.predictor
                    .predict(&w.features, &mut w.model, &mut w.chunk_probs);
                let model = self.model();
                decode::viterbi(
                    &w.chunk_probs,
                    &model.transitions,
                    model.transition_weight,
                    &mut w.decode,
                    &mut w.chunk_labels,
                );
                w.line_index
                    .extend(w.features.line_index.iter().map(|i| i + offset));
                w.probs.extend_from_slice(&w.chunk_probs);
                w.labels.extend_from_slice(&w.chunk_labels);
            }
            f(w)
        })
    }

    fn is_kept(&self, label: u8, probs: &Scores) -> bool {
        match self.threshold {
            Some(t) => self.keep.iter().map(|l| probs[l.index()]).sum::<f32>() >= t,
            None => self.keep.contains(Label::from_index(label as usize)),
        }
    }

    /// Labels every non-blank line of `text`.
    pub fn classify(&self, text: &str) -> Vec<LineLabel> {
        self.classify_marked(text, None)
    }

    /// Labels every non-blank line of a rendered page; spans are into `page.text`.
    pub fn classify_page(&self, page: &Rendered) -> Vec<LineLabel> {
        self.classify_marked(&page.text, self.markup_of(page))
    }

    pub(crate) fn classify_marked(&self, text: &str, markup: Option<Markup>) -> Vec<LineLabel> {
        self.run(text, markup, |w| {
            w.line_index
                .iter()
                .enumerate()
                .map(|(i, &line)| {
                    let span = w.spans[line];
                    LineLabel {
                        line,
                        span: span.start..span.end,
                        label: Label::from_index(w.labels[i] as usize),
                        probs: w.probs[i],
                    }
                })
                .collect()
        })
    }

    /// The kept lines of `text`, each with its own line ending; one blank line stands
    /// where the input had blank lines between two kept lines.
    pub fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() / 2);
        self.clean_into(text, &mut out);
        out
    }

    /// Appends the kept lines of `text` to `out` (see [`Cleaner::clean`]) and says how
    /// many lines had each label and how many were kept.
    pub fn clean_into(&self, text: &str, out: &mut String) -> LineCounts {
        self.clean_with(text, None, None, out)
    }

    /// Renders a page of the kind the model reads and returns its kept lines, as
    /// [`Cleaner::clean`] does for text.
    pub fn clean_bytes(&self, page: &[u8], format: OutputFormat) -> String {
        let page = self.render(page);
        let mut out = String::with_capacity(page.text.len() / 2);
        self.clean_page_into(&page, format, &mut out);
        out
    }

    /// Appends the kept lines of a rendered page to `out`, in `format`, and says how
    /// many lines had each label and how many were kept.
    pub fn clean_page_into(
        &self,
        page: &Rendered,
        format: OutputFormat,
        out: &mut String,
    ) -> LineCounts {
        let markdown =
            (format == OutputFormat::Markdown && page.kind != InputKind::Text).then_some(page);
        self.clean_with(&page.text, self.markup_of(page), markdown, out)
    }

    fn clean_with(
        &self,
        text: &str,
        markup: Option<Markup>,
        markdown: Option<&Rendered>,
        out: &mut String,
    ) -> LineCounts {
        self.run(text, markup, |w| {
            let mut counts = LineCounts::of_labels(&w.labels);
            let mut next_nonblank = 0;
            let mut pending_break: Option<&str> = None;
            let mut wrote = false;
            for (line, span) in w.spans.iter().enumerate() {
                let nonblank = w.line_index.get(next_nonblank) == Some(&line);
                if !nonblank {
                    if wrote && pending_break.is_none() {
                        pending_break = Some(span.ending(text));
                    }
                    continue;
                }
                let i = next_nonblank;
                next_nonblank += 1;
                if !self.is_kept(w.labels[i], &w.probs[i]) {
                    continue;
                }
                if let Some(ending) = pending_break.take() {
                    push_blank_line(out, ending);
                }
                match markdown {
                    Some(page) => {
                        markdown::write_line(page, line, page.kind == InputKind::Markdown, out)
                    }
                    None => out.push_str(span.text(text)),
                }
                out.push_str(span.ending(text));
                wrote = true;
                counts.written += 1;
            }
            counts
        })
    }

    /// Appends one line per input line to `out`: `LABEL<TAB>line` for non-blank lines,
    /// an empty line for blank ones, each with the input line's ending (`\n` for a last
    /// line that had none; `\r` for an empty line after a line ending in a lone `\r`,
    /// which would otherwise read back as one `\r\n`). Says how many lines had each label.
    pub fn annotate_into(&self, text: &str, out: &mut String) -> LineCounts {
        self.annotate_with(text, None, out)
    }

    /// [`Cleaner::annotate_into`] for a rendered page: one line per line of `page.text`.
    pub fn annotate_page_into(&self, page: &Rendered, out: &mut String) -> LineCounts {
        self.annotate_with(&page.text, self.markup_of(page), out)
    }

    fn annotate_with(&self, text: &str, markup: Option<Markup>, out: &mut String) -> LineCounts {
        self.run(text, markup, |w| {
            let mut next_nonblank = 0;
            for (line, span) in w.spans.iter().enumerate() {
                let ending = span.ending(text);
                if w.line_index.get(next_nonblank) == Some(&line) {
                    out.push_str(Label::from_index(w.labels[next_nonblank] as usize).name());
                    out.push('\t');
                    out.push_str(span.text(text));
                    out.push_str(if ending.is_empty() { "\n" } else { ending });
                    next_nonblank += 1;
                } else {
                    push_blank_line(out, ending);
                }
            }
            let mut counts = LineCounts::of_labels(&w.labels);
            counts.written = w.labels.len() as u64;
            counts
        })
    }
}

/// Writes an empty line ending in `ending` (`\n` when it has none). Right after a line
/// that ended in a lone `\r`, a `\n` would merge with it into one `\r\n` ending and the
/// empty line would vanish: there the empty line ends in `\r` too.
pub(crate) fn push_blank_line(out: &mut String, ending: &str) {
    let ending = if ending.is_empty() { "\n" } else { ending };
    if out.ends_with('\r') && ending.starts_with('\n') {
        out.push('\r');
    } else {
        out.push_str(ending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_loads() {
        assert!(Cleaner::default().model().check_shape().is_ok());
    }

    #[test]
    fn sequence_weights_moved_between_matrices_are_refused() {
        // The same number of weights in all, so only a matrix-by-matrix check sees it.
        let mut model = Cleaner::default().model().clone();
        let moved = model.stage2_seq.fwd.w_h.pop().expect("weights");
        model.stage2_seq.bwd.w_h.push(moved);
        let err = model.check_shape().unwrap_err();
        assert!(err.contains("sequence layer, matrix 5 of 12"), "{err}");
    }

    #[test]
    fn keeping_everything_folds_only_blank_runs() {
        let c = Cleaner::default().keep(LabelSet::ALL);
        let text = "\n\nOne\r\nTwo\n\n\n\nThree\rFour";
        assert_eq!(c.clean(text), "One\r\nTwo\n\nThree\rFour");
    }

    #[test]
    fn keeping_nothing_writes_nothing() {
        let c = Cleaner::default().keep(LabelSet::EMPTY);
        assert_eq!(c.clean("One\n\nTwo\n"), "");
        let c = Cleaner::default().threshold(Some(1.01));
        assert_eq!(c.clean("One\n\nTwo\n"), "");
    }

    #[test]
    fn counts_every_label_and_the_lines_written() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/news_with_chrome.txt"
        ))
        .expect("sample");
        let labels = Cleaner::default().classify(&text);
        let mut want = [0u64; N_LABELS];
        for l in &labels {
            want[l.label.index()] += 1;
        }
        for keep in [LabelSet::default(), LabelSet::ALL, LabelSet::EMPTY] {
            let c = Cleaner::default().keep(keep);
            let mut out = String::new();
            let counts = c.clean_into(&text, &mut out);
            assert_eq!(counts.labels, want);
            let written = out.lines().filter(|l| !l.trim().is_empty()).count() as u64;
            assert_eq!(counts.written, written, "{keep:?}");
            let kept: u64 = keep.iter().map(|l| want[l.index()]).sum();
            assert_eq!(counts.written, kept);
        }
        let counts = Cleaner::default().annotate_into(&text, &mut String::new());
        assert_eq!(counts.labels, want);
        assert_eq!(counts.written, labels.len() as u64);
    }

    #[test]
    fn annotate_writes_one_line_per_input_line() {
        let c = Cleaner::default();
        let mut out = String::new();
        c.annotate_into("A line\n\n  \nB line", &mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].ends_with("\tA line"));
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "");
        assert!(lines[3].ends_with("\tB line"));
    }

    #[test]
    fn huge_texts_are_labelled_in_pieces_without_losing_lines() {
        let lines = MAX_LINES_AT_ONCE + 1234;
        let text: String = (0..lines)
            .map(|i| {
                if i % 3 == 2 {
                    "\n".to_string()
                } else {
                    format!("Line {i} of the text\n")
                }
            })
            .collect();
        let labels = Cleaner::default().classify(&text);
        assert_eq!(labels.len(), lines - lines / 3);
        assert!(labels.windows(2).all(|p| p[0].line < p[1].line));
        assert_eq!(
            labels.last().unwrap().line,
            lines - 1 - usize::from((lines - 1) % 3 == 2)
        );
        let mut out = String::new();
        Cleaner::default().annotate_into(&text, &mut out);
        assert_eq!(out.lines().count(), lines);
    }

    #[test]
    fn empty_text_gives_nothing() {
        let c = Cleaner::default();
        assert!(c.classify("").is_empty());
        assert_eq!(c.clean(""), "");
    }
}
