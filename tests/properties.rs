//! Properties of cleaning over arbitrary text, checked with proptest.
//!
//! Two kinds of input: arbitrary Unicode (control characters and stray `\r`/`\n`
//! included), and pages assembled from realistic web lines — menus, share bars, ad
//! slots, bylines, long sentences, blank and whitespace-only lines — with `\n`, `\r\n`
//! and `\r` endings mixed. As in `tests/cli.rs`, nothing here depends on a particular
//! model's judgement: `classify` is the oracle for which lines `clean` keeps.
//!
//! The rule for keeping every label, which docs/guarantees.md states for
//! `--keep content,navigation,advertisement,bio`:
//!
//! > With [`LabelSet::ALL`], `clean` returns the input with leading and trailing blank
//! > lines dropped and each run of blank lines between two non-blank lines folded to one
//! > empty line carrying the ending of the run's first blank line (its white space is
//! > dropped). Every non-blank line is kept verbatim with its own ending — the last one
//! > too, whose ending may be empty.
//!
//! One exception keeps lines apart: after a line ending in a lone `\r`, an empty line
//! that would end in `\n` ends in `\r` instead, or the two endings would read back as
//! one `\r\n` (the tests at the end).

use std::sync::OnceLock;

use dechaff::document::{is_blank, split_lines, LineSpan};
use dechaff::{Cleaner, Label, LabelSet, LineLabel};
use proptest::prelude::*;
use proptest::sample::select;
use rayon::prelude::*;

const LABELS: [&str; 4] = ["content", "navigation", "advertisement", "bio"];

/// Realistic short lines of scraped pages.
const VOCAB: &[&str] = &[
    "Home",
    "Search",
    "Menu",
    "Skip to content",
    "Home | World | Business | Sport | Culture",
    "Share this article",
    "Facebook",
    "Twitter",
    "Advertisement",
    "Sponsored content",
    "Subscribe to our newsletter for $1 a week",
    "By Jane Doe",
    "Jane Doe is a senior reporter covering transport and city hall.",
    "Photo: Reuters",
    "Updated 12:30, 18 July 2024",
    "Related stories",
    "© 2024 The City Paper. All rights reserved.",
    "Council backs four new bus routes for the northern suburbs",
    "https://example.com/news/2024/07/18/bus-routes?utm_source=feed",
    "\u{feff}Title with a byte-order mark",
    "مجلس المدينة يوافق على أربعة خطوط حافلات جديدة",
    "העירייה אישרה ארבעה קווי אוטובוס חדשים",
    "市议会批准了四条新的公交线路，将于三月开通。",
];

const WORDS: &[&str] = &[
    "the",
    "council",
    "voted",
    "on",
    "Tuesday",
    "to",
    "expand",
    "city's",
    "bus",
    "network",
    "adding",
    "four",
    "routes",
    "that",
    "will",
    "serve",
    "northern",
    "suburbs",
    "from",
    "March",
    "after",
    "a",
    "year",
    "of",
    "consultation",
    "with",
    "residents,",
    "officials",
    "said.",
];

/// Lines that hold only white space (including Unicode spaces), so count as blank.
const BLANKS: &[&str] = &["", " ", "\t", "  \t ", "\u{a0}", "\u{3000}"];

const ENDINGS: &[&str] = &["\n", "\r\n", "\r"];

fn sentence() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(WORDS), 8..40).prop_map(|w| {
        let mut s = w.join(" ");
        s.push('.');
        s
    })
}

fn web_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(VOCAB).prop_map(str::to_string),
        2 => sentence(),
        3 => select(BLANKS).prop_map(str::to_string),
        1 => "[a-zA-Z0-9 .,|:/-]{1,30}",
    ]
}

/// A page of realistic lines with mixed endings; the last line may have none.
fn web_page() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((web_line(), select(ENDINGS)), 0..30),
        any::<bool>(),
    )
        .prop_map(|(lines, last_ending)| {
            let mut text = String::new();
            let n = lines.len();
            for (i, (line, ending)) in lines.into_iter().enumerate() {
                text.push_str(&line);
                if i + 1 < n || last_ending {
                    text.push_str(ending);
                }
            }
            text
        })
}

/// Arbitrary Unicode, with line endings common enough to make several lines.
fn unicode_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => any::<char>().prop_map(String::from),
            1 => select(ENDINGS).prop_map(str::to_string),
            1 => select(BLANKS).prop_map(str::to_string),
        ],
        0..120,
    )
    .prop_map(|parts| parts.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => web_page(), 1 => unicode_text()]
}

fn keep_set() -> impl Strategy<Value = LabelSet> {
    (1u8..16).prop_map(|bits| {
        Label::ALL
            .into_iter()
            .filter(|l| bits & (1 << l.index()) != 0)
            .fold(LabelSet::EMPTY, LabelSet::with)
    })
}

fn lines(text: &str) -> Vec<LineSpan> {
    let mut spans = Vec::new();
    split_lines(text, &mut spans);
    spans
}

/// Each line of `text` as (text, ending).
fn line_pairs(text: &str) -> Vec<(&str, &str)> {
    lines(text)
        .into_iter()
        .map(|s| (s.text(text), s.ending(text)))
        .collect()
}

/// The rule for [`LabelSet::ALL`] stated in the module documentation.
fn keep_all_expected(text: &str) -> String {
    let mut out = String::new();
    let mut pending: Option<&str> = None;
    let mut wrote = false;
    for (line, ending) in line_pairs(text) {
        if is_blank(line) {
            if wrote && pending.is_none() {
                pending = Some(ending);
            }
            continue;
        }
        if let Some(sep) = pending.take() {
            out.push_str(if out.ends_with('\r') && sep.starts_with('\n') {
                "\r"
            } else {
                sep
            });
        }
        out.push_str(line);
        out.push_str(ending);
        wrote = true;
    }
    out
}

/// `cases` cases, unless the `PROPTEST_CASES` environment variable asks for more or fewer.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        [1, 2].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a thread pool")
        })
    });
    &pools[threads - 1]
}

proptest! {
    #![proptest_config(config(256))]

    /// `clean` never panics, and what it writes reads back as input lines, in order and
    /// unchanged (text and ending), with at most single empty separator lines between
    /// them where the input had blank lines, never first or last.
    #[test]
    fn clean_output_is_a_subsequence_of_input_lines(text in any_text(), keep in keep_set()) {
        let cleaner = Cleaner::default().keep(keep);
        let labels = cleaner.classify(&text);
        let out = cleaner.clean(&text);

        let input = line_pairs(&text);
        let output = line_pairs(&out);
        // The input lines classify says to keep, in order: the oracle.
        let kept: Vec<usize> = labels
            .iter()
            .filter(|l| keep.contains(l.label))
            .map(|l| l.line)
            .collect();
        let mut j = 0; // next kept line expected
        let mut prev_out_blank = false;
        for (k, &(line, ending)) in output.iter().enumerate() {
            if line.is_empty() {
                prop_assert!(j > 0 && !prev_out_blank, "separator first or doubled at output line {}", k);
                prop_assert!(!ending.is_empty());
                prev_out_blank = true;
                continue;
            }
            prop_assert!(j < kept.len(), "output line {} {:?} beyond the kept lines", k, line);
            let i = kept[j];
            prop_assert_eq!((line, ending), input[i], "output line {} against input line {}", k, i);
            // A separator stands exactly where the input had blank lines between two
            // kept lines.
            if j > 0 {
                let gap_has_blank = input[kept[j - 1] + 1..i].iter().any(|(t, _)| is_blank(t));
                prop_assert_eq!(prev_out_blank, gap_has_blank, "separator before output line {}", k);
            }
            j += 1;
            prev_out_blank = false;
        }
        prop_assert!(!prev_out_blank, "separator last in output");
        prop_assert_eq!(j, kept.len(), "kept lines missing from the output");
    }

    /// `annotate_into` writes one line per input line: `LABEL<TAB>line` for a non-blank
    /// line, an empty line for a blank one, each with its input ending (`\n` for a last
    /// line without one, `\r` for an empty line after a lone `\r`).
    #[test]
    fn annotate_writes_one_line_per_input_line(text in any_text()) {
        let mut out = String::new();
        Cleaner::default().annotate_into(&text, &mut out);
        let input = line_pairs(&text);
        let output = line_pairs(&out);
        prop_assert_eq!(output.len(), input.len());
        for (i, (&(inp, in_end), &(outp, out_end))) in input.iter().zip(&output).enumerate() {
            let mut want_end = if in_end.is_empty() { "\n" } else { in_end };
            // An empty line after a lone `\r` ends in `\r`: see the module documentation.
            if is_blank(inp) && i > 0 && output[i - 1].1 == "\r" && want_end.starts_with('\n') {
                want_end = "\r";
            }
            prop_assert_eq!(out_end, want_end, "ending of line {}", i);
            if is_blank(inp) {
                prop_assert_eq!(outp, "", "blank line {}", i);
            } else {
                let (label, rest) = outp.split_once('\t').expect("a tab after the label");
                prop_assert!(LABELS.contains(&label), "label {:?} on line {}", label, i);
                prop_assert_eq!(rest, inp, "text of line {}", i);
            }
        }
    }

    /// Keeping every label gives back the input by the rule in the module documentation.
    #[test]
    fn keeping_every_label_folds_blank_runs_only(text in any_text()) {
        let out = Cleaner::default().keep(LabelSet::ALL).clean(&text);
        prop_assert_eq!(out, keep_all_expected(&text));
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Classification is the same sequentially and on 1- and 2-thread pools.
    #[test]
    fn classification_does_not_depend_on_threads(
        docs in proptest::collection::vec(any_text(), 1..8),
    ) {
        let cleaner = Cleaner::default();
        let sequential: Vec<Vec<LineLabel>> = docs.iter().map(|d| cleaner.classify(d)).collect();
        for threads in [1, 2] {
            let parallel: Vec<Vec<LineLabel>> = pool(threads)
                .install(|| docs.par_iter().map(|d| cleaner.classify(d)).collect());
            prop_assert_eq!(&parallel, &sequential, "{} threads", threads);
        }
    }
}

#[test]
fn clean_separator_after_a_cr_line_stays_a_line() {
    let text = "First line of the text\r \nSecond line of the text";
    let out = Cleaner::default().keep(LabelSet::ALL).clean(text);
    // Three lines: the first, an empty separator, the second.
    assert_eq!(
        line_pairs(&out),
        vec![
            ("First line of the text", "\r"),
            ("", "\r"),
            ("Second line of the text", "")
        ],
        "output {out:?}"
    );
}

#[test]
fn annotate_blank_after_a_cr_line_stays_a_line() {
    for text in ["First line\r \nSecond line", "First line\r ", "\r "] {
        let mut out = String::new();
        Cleaner::default().annotate_into(text, &mut out);
        assert_eq!(
            lines(&out).len(),
            lines(text).len(),
            "input {text:?}, output {out:?}"
        );
    }
}
