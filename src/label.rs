//! The four line labels and sets of them.

use std::fmt;
use std::str::FromStr;

/// What a non-blank line of a scraped document is (see the project's LABELS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// The piece the page exists to publish.
    Content,
    /// Site chrome: menus, link lists, teasers, share bars, comments, legal lines.
    Navigation,
    /// Anything paid for or selling: ad slots, sponsored teasers, pitches.
    Advertisement,
    /// Who made it: bylines, author notes, photo credits.
    Bio,
}

/// Number of labels; model outputs and probability arrays have this length.
pub const N_LABELS: usize = 4;

impl Label {
    /// All labels, in index order.
    pub const ALL: [Label; N_LABELS] = [
        Label::Content,
        Label::Navigation,
        Label::Advertisement,
        Label::Bio,
    ];

    /// The label's index into probability arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label with index `i` (panics when `i >= 4`).
    pub fn from_index(i: usize) -> Label {
        Label::ALL[i]
    }

    /// The lower-case name used on the command line and in data files.
    pub fn name(self) -> &'static str {
        match self {
            Label::Content => "content",
            Label::Navigation => "navigation",
            Label::Advertisement => "advertisement",
            Label::Bio => "bio",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Label {
    type Err = String;

    fn from_str(s: &str) -> Result<Label, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "content" => Ok(Label::Content),
            "navigation" | "nav" => Ok(Label::Navigation),
            "advertisement" | "ad" | "ads" => Ok(Label::Advertisement),
            "bio" => Ok(Label::Bio),
            other => Err(format!(
                "unknown label '{other}' (expected content, navigation, advertisement or bio)"
            )),
        }
    }
}

/// A set of labels, such as the ones a cleaner keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LabelSet(u8);

impl LabelSet {
    /// No label.
    pub const EMPTY: LabelSet = LabelSet(0);
    /// Every label.
    pub const ALL: LabelSet = LabelSet(0b1111);

    /// The set holding only `label`.
    pub fn only(label: Label) -> LabelSet {
        LabelSet(1 << label.index())
    }

    /// This set with `label` added.
    pub fn with(self, label: Label) -> LabelSet {
        LabelSet(self.0 | (1 << label.index()))
    }

    /// Whether `label` is in the set.
    pub fn contains(self, label: Label) -> bool {
        self.0 & (1 << label.index()) != 0
    }

    /// The labels in the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = Label> {
        Label::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

impl Default for LabelSet {
    /// Content only: what a cleaner keeps unless told otherwise.
    fn default() -> LabelSet {
        LabelSet::only(Label::Content)
    }
}

impl FromStr for LabelSet {
    type Err = String;

    /// Parses a comma-separated list such as `content,bio`.
    fn from_str(s: &str) -> Result<LabelSet, String> {
        let mut set = LabelSet::EMPTY;
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            set = set.with(part.parse()?);
        }
        if set == LabelSet::EMPTY {
            return Err("no label given (expected e.g. content,bio)".to_string());
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for l in Label::ALL {
            assert_eq!(l.name().parse::<Label>().unwrap(), l);
            assert_eq!(Label::from_index(l.index()), l);
        }
    }

    #[test]
    fn label_set_parses_lists() {
        let set: LabelSet = "content, bio".parse().unwrap();
        assert!(set.contains(Label::Content) && set.contains(Label::Bio));
        assert!(!set.contains(Label::Navigation));
        assert_eq!(set.iter().count(), 2);
        assert!("content,spam".parse::<LabelSet>().is_err());
        assert!("".parse::<LabelSet>().is_err());
    }
}
