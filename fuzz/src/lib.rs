//! The checks behind the fuzz targets, one function per target.
//!
//! Each takes the fuzzer's bytes and panics when dechaff panics or breaks one of its
//! guarantees. The targets in `fuzz_targets/` call them, and `tests/fuzz_regressions.rs`
//! includes this file to replay the saved inputs under plain `cargo test`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use dechaff::batch::{self, Options};
use dechaff::document::{is_blank, split_lines, LineSpan};
use dechaff::features::{self, DocFeatures, Extractor};
use dechaff::model::file;
use dechaff::{Cleaner, Label, LabelSet, LineLabel};
use serde_json::value::RawValue;
use xxhash_rust::xxh3::xxh3_64;

/// The default cleaner, loaded once.
fn cleaner() -> &'static Cleaner {
    static CLEANER: OnceLock<Cleaner> = OnceLock::new();
    CLEANER.get_or_init(Cleaner::default)
}

thread_local! {
    static FEATURES: RefCell<(Extractor, DocFeatures)> = RefCell::new(Default::default());
}

/// What to keep, from a byte: bits 0–3 pick the labels, bit 4 turns on a threshold of
/// bits 5–6 over 3 (0, 1/3, 2/3, 1).
fn keep_from(selector: u8) -> (LabelSet, Option<f32>) {
    let mut labels = LabelSet::EMPTY;
    for (i, label) in Label::ALL.into_iter().enumerate() {
        if selector & (1 << i) != 0 {
            labels = labels.with(label);
        }
    }
    let threshold = (selector & 0x10 != 0).then(|| f32::from((selector >> 5) & 3) / 3.0);
    (labels, threshold)
}

fn spans_of(text: &str) -> Vec<LineSpan> {
    let mut spans = Vec::new();
    split_lines(text, &mut spans);
    spans
}

/// The texts of the non-blank lines of `text`.
fn nonblank_lines(text: &str) -> Vec<&str> {
    spans_of(text)
        .into_iter()
        .map(|s| s.text(text))
        .filter(|t| !is_blank(t))
        .collect()
}

/// `lines`: the first byte chooses what to keep (see [`keep_from`]) and, by its top
/// bit, whether to clean or annotate; the rest is the document, decoded lossily as the
/// command line does. Checks that the lines tile the text, that the features cover
/// exactly the non-blank lines with finite values, that every non-blank line gets one
/// label with finite probabilities summing to 1, and then either that the cleaned text
/// is exactly the kept lines in order, or that annotating writes one line per input
/// line, each labelled as `classify` says. (One of the two per input: each runs the
/// whole model again.)
pub fn lines(data: &[u8]) {
    let (selector, body) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(body);
    let text: &str = &text;

    // Lines tile the text, each ending in \n, \r\n or \r (only the last in nothing).
    let spans = spans_of(text);
    let mut at = 0;
    for (i, s) in spans.iter().enumerate() {
        assert_eq!(s.start, at, "line {i} does not start where the last ended");
        assert!(s.start <= s.end && s.end <= s.next, "line {i}: {s:?}");
        let line = s.text(text);
        assert!(!line.contains(['\n', '\r']), "line {i} holds a line break");
        let ending = s.ending(text);
        let last = i + 1 == spans.len();
        assert!(
            matches!(ending, "\n" | "\r\n" | "\r") || (last && ending.is_empty()),
            "line {i} ends in {ending:?}"
        );
        at = s.next;
    }
    assert_eq!(at, text.len(), "the lines do not cover the text");
    let nonblank: Vec<usize> = (0..spans.len())
        .filter(|&i| !is_blank(spans[i].text(text)))
        .collect();

    // Features: one row per non-blank line, finite, buckets in range.
    FEATURES.with(|f| {
        let (extractor, feats) = &mut *f.borrow_mut();
        extractor.extract(text, &spans, None, feats);
        assert_eq!(feats.line_index, nonblank);
        assert_eq!(feats.len(), nonblank.len());
        for i in 0..feats.len() {
            let dense = feats.dense_row(i);
            assert_eq!(dense.len(), features::dense_len());
            if let Some(j) = dense.iter().position(|x| !x.is_finite()) {
                panic!("line {i}: dense feature {j} is {}", dense[j]);
            }
            for &(b, v) in feats.sparse_row(i) {
                assert!(
                    (b as usize) < features::HASH_BUCKETS,
                    "line {i}: bucket {b}"
                );
                assert!(v.is_finite(), "line {i}: sparse value {v}");
            }
        }
    });

    // Classification: one label per non-blank line, in order, on its span.
    let (labels_kept, threshold) = keep_from(selector);
    let c = cleaner().clone().keep(labels_kept).threshold(threshold);
    let labels = c.classify(text);
    assert_eq!(labels.len(), nonblank.len());
    for (l, &i) in labels.iter().zip(&nonblank) {
        assert_eq!(l.line, i);
        assert_eq!(l.span, spans[i].start..spans[i].end);
        assert!(l.probs.iter().all(|p| p.is_finite() && *p >= 0.0), "{l:?}");
        let sum: f32 = l.probs.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-3,
            "probabilities sum to {sum}: {l:?}"
        );
    }

    if selector & 0x80 == 0 {
        check_clean(&c, text, &labels, labels_kept, threshold);
    } else {
        check_annotate(&c, text, &spans, &labels);
    }
}

/// Cleaning keeps exactly the lines the labels say, verbatim and in order, and never
/// starts or ends with a blank line.
fn check_clean(
    c: &Cleaner,
    text: &str,
    labels: &[LineLabel],
    labels_kept: LabelSet,
    threshold: Option<f32>,
) {
    let kept: Vec<&str> = labels
        .iter()
        .filter(|l| match threshold {
            Some(t) => labels_kept.iter().map(|k| l.probs[k.index()]).sum::<f32>() >= t,
            None => labels_kept.contains(l.label),
        })
        .map(|l| &text[l.span.clone()])
        .collect();
    let cleaned = c.clean(text);
    assert_eq!(nonblank_lines(&cleaned), kept);
    let out_spans = spans_of(&cleaned);
    if let (Some(first), Some(last)) = (out_spans.first(), out_spans.last()) {
        assert!(
            !is_blank(first.text(&cleaned)),
            "output starts with a blank line"
        );
        assert!(
            !is_blank(last.text(&cleaned)),
            "output ends with a blank line"
        );
    }
}

/// Annotation: one output line per input line, the label and the line verbatim.
fn check_annotate(c: &Cleaner, text: &str, spans: &[LineSpan], labels: &[LineLabel]) {
    let mut annotated = String::new();
    c.annotate_into(text, &mut annotated);
    let out_spans = spans_of(&annotated);
    assert_eq!(
        out_spans.len(),
        spans.len(),
        "annotation changes the line count"
    );
    let mut next = labels.iter();
    for (s, o) in spans.iter().zip(&out_spans) {
        let got = o.text(&annotated);
        if is_blank(s.text(text)) {
            assert_eq!(got, "");
        } else {
            let l = next.next().expect("a label per non-blank line");
            assert_eq!(got, format!("{}\t{}", l.label.name(), s.text(text)));
        }
    }
}

/// The embedded default model, as a model file.
static REAL_MODEL: &[u8] = include_bytes!("../../models/default.bin");

/// `payload` behind the header a model file of this build has: the magic, version and
/// fingerprint of the default model, then the payload's length and checksum.
fn with_header(payload: &[u8]) -> Vec<u8> {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        // Otherwise every wrapped input would only test the checksum.
        let rewrapped = with_header_unchecked(&REAL_MODEL[36..]);
        assert_eq!(
            rewrapped, REAL_MODEL,
            "the header layout or checksum changed"
        );
    });
    with_header_unchecked(payload)
}

fn with_header_unchecked(payload: &[u8]) -> Vec<u8> {
    let mut out = REAL_MODEL[..20].to_vec();
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxh3_64(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// `model_file`: the bytes as a model file; as a model file of this build, their first
/// 20 bytes overwritten with its magic, version and feature-set fingerprint (so that
/// the length and checksum checks are reached, whatever the fingerprint is now); and
/// as the payload of a file with a valid header (so that mutations get past the
/// checksum to the decoder and the shape checks). Loading may succeed or fail, never
/// panic; a model that loads must label a short page.
pub fn model_file(data: &[u8]) {
    let raw = file::from_bytes(data);
    let patched = (data.len() >= 20).then(|| {
        let mut v = data.to_vec();
        v[..20].copy_from_slice(&REAL_MODEL[..20]);
        file::from_bytes(&v)
    });
    let wrapped = file::from_bytes(&with_header(data));
    for model in [Some(raw), patched, Some(wrapped)]
        .into_iter()
        .flatten()
        .flatten()
    {
        assert!(model.check_shape().is_ok());
        let c = Cleaner::with_model(std::sync::Arc::new(model));
        let page = "Home | News\n\nThe council voted on Tuesday to expand the bus network.\n";
        assert_eq!(c.classify(page).len(), 2);
    }
}

/// `jsonl`: the bytes as a JSON Lines stream, cleaned through
/// [`batch::clean_jsonl`] on one thread. The first byte picks the chunk size, so that
/// records straddle chunks. Checks that every input line gives one output line, that
/// lines that are not records with a string `text` field are copied byte for byte, and
/// that a cleaned record keeps every other member byte for byte and its text keeps only
/// lines of the input text, in order.
pub fn jsonl(data: &[u8]) {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a thread pool")
    });
    let (selector, input) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let options = Options {
        chunk_bytes: 1 + usize::from(selector) * 16,
        ..Options::default()
    };
    let mut out = Vec::new();
    let stats = pool
        .install(|| batch::clean_jsonl(cleaner(), input, &mut out, &options))
        .expect("reading from a slice and writing to a Vec cannot fail");

    let ins: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    let outs: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
    assert_eq!(outs.len(), ins.len(), "line count changed");
    let records = ins
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(stats.records, records as u64);
    let mut cleaned = 0;
    for (i, (a, b)) in ins.iter().zip(&outs).enumerate() {
        if a == b {
            continue;
        }
        // Changed: it must have been a record with a string text field.
        let before = members(a).unwrap_or_else(|| panic!("line {i}: not a record, yet changed"));
        let after = members(b).unwrap_or_else(|| panic!("line {i}: output is not a record"));
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "line {i}: members changed"
        );
        for (k, v) in &before {
            if k != "text" {
                assert_eq!(v.get(), after[k].get(), "line {i}: member {k} changed");
            }
        }
        let text_in: String = serde_json::from_str(before["text"].get())
            .unwrap_or_else(|e| panic!("line {i}: input text is not a string: {e}"));
        let text_out: String = serde_json::from_str(after["text"].get())
            .unwrap_or_else(|e| panic!("line {i}: output text is not a string: {e}"));
        let lines_in = nonblank_lines(&text_in);
        let mut rest = lines_in.iter();
        for line in nonblank_lines(&text_out) {
            assert!(
                rest.any(|l| *l == line),
                "line {i}: cleaned text holds {line:?}, not a line of the input in order"
            );
        }
        cleaned += 1;
    }
    assert!(stats.documents >= cleaned, "{stats:?}");
    assert!(stats.records_malformed + stats.records_without_field <= stats.records);
}

/// The members of a JSON object, as raw values, the last of each name winning.
fn members(line: &[u8]) -> Option<BTreeMap<String, &RawValue>> {
    serde_json::from_slice(line).ok()
}

/// `render_html`: any bytes render without panicking, and the result holds together:
/// one markup per line of the text, ranges inside their buffers, blank lines bare.
pub fn render_html(data: &[u8]) {
    let r = dechaff::render::html::render(data);
    let mut spans = Vec::new();
    split_lines(&r.text, &mut spans);
    assert_eq!(spans.len(), r.lines.len(), "lines and markup disagree");
    assert!(!r.text.contains('\r'));
    for (i, (span, m)) in spans.iter().zip(&r.lines).enumerate() {
        assert!(
            m.md.start <= m.md.end && r.md.get(m.md.start as usize..m.md.end as usize).is_some()
        );
        assert!(m.tokens.start <= m.tokens.end && m.tokens.end as usize <= r.tokens.len());
        assert!(r.line_tokens(i).len() <= 32);
        let text = span.text(&r.text);
        if text.is_empty() {
            assert!(m.md.is_empty() && m.link_chars == 0 && m.tags == 0);
            assert!(i > 0 && i + 1 < r.lines.len(), "a blank line at an end");
        } else {
            assert_eq!(text, text.trim(), "untrimmed line");
            assert!(!r.line_md(i).is_empty());
        }
    }
    let _ = dechaff::render::html::looks_like_html(data);
}
