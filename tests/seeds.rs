//! The embedded model on the project's seed texts (`samples/00*.txt`): the bylines and
//! credits that LABELS.md gives as its examples of `bio` are labelled so.

use dechaff::{Cleaner, Label};

const SEED: &str = include_str!("../samples/003_425b0b231f649cf8.txt");

/// The label of the first line of `text` that reads `line`.
fn label_of(labels: &[(String, Label)], line: &str) -> Label {
    labels
        .iter()
        .find(|(t, _)| t == line)
        .unwrap_or_else(|| panic!("no line {line:?} in the seed"))
        .1
}

#[test]
fn seed_credits_and_author_notes_are_bio() {
    let cleaner = Cleaner::default();
    let labels: Vec<(String, Label)> = cleaner
        .classify(SEED)
        .into_iter()
        .map(|l| (SEED[l.span].to_string(), l.label))
        .collect();
    for line in [
        "Prepared by: Sergey Daga",
        "Natasha Kumar",
        "By Natasha Kumar",
        "Photo: Vladimir Putin and Kim Jong-un",
    ] {
        assert_eq!(label_of(&labels, line), Label::Bio, "{line}");
    }
    let note = labels
        .iter()
        .find(|(t, _)| t.starts_with("Natasha Kumar has been a reporter"))
        .expect("the author note");
    assert_eq!(note.1, Label::Bio);
    // The article around them stays content.
    let body = labels
        .iter()
        .find(|(t, _)| t.starts_with("Against the backdrop of worsening confrontation"))
        .expect("a paragraph of the article");
    assert_eq!(body.1, Label::Content);
}
