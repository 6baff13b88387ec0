//! Cue phrases: one Aho-Corasick pass over the whole document finds them all, and each
//! match is credited to the line it lies in.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind};

use super::tables::{CUES, N_CUES};
use crate::document::LineSpan;

/// The cue phrases found in one line.
#[derive(Clone, Copy, Debug, Default)]
pub struct CueHits {
    /// Matches per cue kind.
    pub counts: [u8; N_CUES],
    /// Bit `k` set when a phrase of kind `k` starts the line.
    pub at_start: u16,
    /// Length in bytes of the longest phrase found: with the line's length, it tells a
    /// line that *is* a cue ("Advertisement") from one that mentions it.
    pub longest: u32,
}

impl CueHits {
    /// Whether any phrase was found.
    pub fn any(&self) -> bool {
        self.longest > 0
    }
}

/// The compiled phrase lists.
pub struct CueMatcher {
    ac: AhoCorasick,
    kind_of: Vec<u8>,
}

impl CueMatcher {
    /// The shared matcher, built on first use.
    pub fn get() -> &'static CueMatcher {
        static MATCHER: OnceLock<CueMatcher> = OnceLock::new();
        MATCHER.get_or_init(|| {
            let mut phrases = Vec::new();
            let mut kind_of = Vec::new();
            for (kind, list) in CUES {
                for phrase in *list {
                    phrases.push(*phrase);
                    kind_of.push(*kind as u8);
                }
            }
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                // A few hundred phrases make a small DFA: the fastest automaton to run.
                .kind(Some(AhoCorasickKind::DFA))
                .build(&phrases)
                .expect("cue phrases compile");
            CueMatcher { ac, kind_of }
        })
    }

    /// Finds the cues of the lines `lines` of `text` (sorted, non-overlapping), writing
    /// one [`CueHits`] per line into `out`.
    pub fn scan(&self, text: &str, lines: &[LineSpan], out: &mut Vec<CueHits>) {
        out.clear();
        out.resize(lines.len(), CueHits::default());
        let bytes = text.as_bytes();
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            return;
        };
        // Only the stretch the lines cover: a huge text is labelled a piece at a time.
        let input = Input::new(text).range(first.start..last.end);
        for m in self.ac.find_overlapping_iter(input) {
            let (start, end) = (m.start(), m.end());
            if !on_word_boundary(text, bytes, start, end) {
                continue;
            }
            let i = lines.partition_point(|l| l.end < end);
            let Some(line) = lines.get(i) else { continue };
            if start < line.start {
                continue;
            }
            let kind = self.kind_of[m.pattern().as_usize()] as usize;
            let hits = &mut out[i];
            hits.counts[kind] = hits.counts[kind].saturating_add(1);
            if text[line.start..start].trim_end().is_empty() {
                hits.at_start |= 1 << kind;
            }
            hits.longest = hits.longest.max((end - start) as u32);
        }
    }
}

fn on_word_boundary(text: &str, bytes: &[u8], start: usize, end: usize) -> bool {
    let inner = |c: char| c.is_alphanumeric();
    // Phrases that end in punctuation ("said:") carry their own boundary.
    let ends_in_word = bytes[end - 1].is_ascii_alphanumeric() || bytes[end - 1] >= 0x80;
    let before_ok = !text[..start].chars().next_back().is_some_and(inner);
    let after_ok = !ends_in_word || !text[end..].chars().next().is_some_and(inner);
    before_ok && after_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::split_lines;
    use crate::features::tables::Cue;

    fn hits(text: &str) -> Vec<CueHits> {
        let mut spans = Vec::new();
        split_lines(text, &mut spans);
        let mut out = Vec::new();
        CueMatcher::get().scan(text, &spans, &mut out);
        out
    }

    #[test]
    fn credits_matches_to_their_lines() {
        let h = hits("Share this article\nThe reader said yes\nADVERTISEMENT");
        assert!(h[0].counts[Cue::Share as usize] >= 1);
        assert_ne!(h[0].at_start & (1 << Cue::Share as u16), 0);
        assert_eq!(h[1].counts[Cue::Share as usize], 0);
        assert_eq!(h[2].counts[Cue::AdLabel as usize], 1);
        assert_eq!(h[2].longest, 13);
    }

    #[test]
    fn needs_word_boundaries() {
        // "ad" inside "read" and "by" inside "bypass" are not cues.
        let h = hits("I read the bypass plan");
        assert_eq!(h[0].counts[Cue::AdLabel as usize], 0);
        assert_eq!(h[0].counts[Cue::Byline as usize], 0);
        let h = hits("By Natasha Kumar");
        assert_eq!(h[0].counts[Cue::Byline as usize], 1);
    }
}
