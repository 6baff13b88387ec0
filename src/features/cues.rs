//! Cue phrases: one Aho-Corasick automaton finds them all in one pass over each line.

use std::sync::OnceLock;

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

/// The compiled phrase lists: an Aho-Corasick automaton as a flat table of transitions,
/// stepped a byte at a time with no call per byte and no return per match (short
/// phrases such as "ad" match inside many words).
pub struct CueMatcher {
    /// Equivalence class of each byte: bytes that no phrase holds (in either case) all
    /// share class 0.
    class: [u8; 256],
    classes: usize,
    /// `next[state * classes + class]`: the next state, times `classes`, with
    /// [`MATCH`] set when it ends phrases.
    next: Vec<u32>,
    /// The phrases each state ends, as (length in bytes, cue kind): those of state `s`
    /// are `ends[ends_at[s]..ends_at[s + 1]]`.
    ends: Vec<(u32, u8)>,
    ends_at: Vec<u32>,
}

/// Marks a state that ends at least one phrase.
const MATCH: u32 = 1 << 31;

impl CueMatcher {
    /// The shared matcher, built on first use.
    pub fn get() -> &'static CueMatcher {
        static MATCHER: OnceLock<CueMatcher> = OnceLock::new();
        MATCHER.get_or_init(|| {
            let phrases: Vec<(&str, u8)> = CUES
                .iter()
                .flat_map(|(kind, list)| list.iter().map(|p| (*p, *kind as u8)))
                .collect();
            CueMatcher::new(&phrases)
        })
    }

    /// Compiles `phrases` (each with its cue kind), matched ASCII-case-insensitively.
    fn new(phrases: &[(&str, u8)]) -> CueMatcher {
        let mut class = [0u8; 256];
        let mut classes = 1;
        for b in phrases.iter().flat_map(|(p, _)| p.bytes()) {
            let b = b.to_ascii_lowercase();
            if class[b as usize] == 0 {
                assert!(classes < 256, "too many distinct bytes in the cue phrases");
                class[b as usize] = classes as u8;
                class[b.to_ascii_uppercase() as usize] = classes as u8;
                classes += 1;
            }
        }
        // The trie of the phrases: `child[state * classes + class]`, 0 for none (the root
        // is nobody's child), and the phrases ending at each state.
        let mut child = vec![0u32; classes];
        let mut own: Vec<Vec<(u32, u8)>> = vec![Vec::new()];
        for &(phrase, kind) in phrases {
            let mut s = 0;
            for b in phrase.bytes() {
                let at = s * classes + class[b as usize] as usize;
                if child[at] == 0 {
                    child[at] = own.len() as u32;
                    child.resize(child.len() + classes, 0);
                    own.push(Vec::new());
                }
                s = child[at] as usize;
            }
            own[s].push((phrase.len() as u32, kind));
        }
        // Breadth first, each state's missing transitions are those of its failure state
        // (the longest proper suffix that is a trie state), already complete, and it ends
        // the phrases its failure state ends.
        let n = own.len();
        let mut next = vec![0u32; n * classes];
        let mut fail = vec![0usize; n];
        let mut ends_of = own;
        let mut queue = std::collections::VecDeque::from([0usize]);
        while let Some(s) = queue.pop_front() {
            for c in 0..classes {
                let t = child[s * classes + c] as usize;
                if t == 0 {
                    next[s * classes + c] = if s == 0 {
                        0
                    } else {
                        next[fail[s] * classes + c]
                    };
                    continue;
                }
                next[s * classes + c] = t as u32;
                fail[t] = if s == 0 {
                    0
                } else {
                    next[fail[s] * classes + c] as usize
                };
                let inherited = ends_of[fail[t]].clone();
                ends_of[t].extend(inherited);
                queue.push_back(t);
            }
        }
        let (mut ends, mut ends_at) = (Vec::new(), Vec::new());
        for e in &ends_of {
            ends_at.push(ends.len() as u32);
            ends.extend_from_slice(e);
        }
        ends_at.push(ends.len() as u32);
        assert!(next.len() < MATCH as usize, "cue automaton too large");
        for t in &mut next {
            let s = *t as usize;
            *t = (s * classes) as u32 | if ends_of[s].is_empty() { 0 } else { MATCH };
        }
        CueMatcher {
            class,
            classes,
            next,
            ends,
            ends_at,
        }
    }

    /// Finds the cues of the lines `lines` of `text`, writing one [`CueHits`] per line
    /// into `out`.
    pub fn scan(&self, text: &str, lines: &[LineSpan], out: &mut Vec<CueHits>) {
        out.clear();
        out.extend(lines.iter().map(|line| self.line(text, line)));
    }

    /// The cues of one line: every phrase found inside it, on word boundaries.
    fn line(&self, text: &str, line: &LineSpan) -> CueHits {
        let mut hits = CueHits::default();
        let mut state = 0u32;
        for (i, &b) in text.as_bytes()[line.start..line.end].iter().enumerate() {
            state = self.next[(state & !MATCH) as usize + self.class[b as usize] as usize];
            if state & MATCH != 0 {
                self.credit(text, line, state & !MATCH, line.start + i + 1, &mut hits);
            }
        }
        hits
    }

    /// Credits the phrases that `state` ends at byte `end` to `hits`. Kept out of the
    /// byte loop, which it would otherwise crowd.
    #[inline(never)]
    fn credit(&self, text: &str, line: &LineSpan, state: u32, end: usize, hits: &mut CueHits) {
        let s = state as usize / self.classes;
        for &(len, kind) in &self.ends[self.ends_at[s] as usize..self.ends_at[s + 1] as usize] {
            let start = end - len as usize;
            if !on_word_boundary(text, text.as_bytes(), start, end) {
                continue;
            }
            let kind = kind as usize;
            hits.counts[kind] = hits.counts[kind].saturating_add(1);
            if text[line.start..start].trim_end().is_empty() {
                hits.at_start |= 1 << kind;
            }
            hits.longest = hits.longest.max(len);
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

    /// Every occurrence of every phrase, found by comparing at each position.
    fn naive(phrases: &[(&str, u8)], text: &str) -> CueHits {
        let mut hits = CueHits::default();
        let bytes = text.as_bytes();
        for &(phrase, kind) in phrases {
            let p = phrase.as_bytes();
            for start in 0..=bytes.len().saturating_sub(p.len()) {
                let end = start + p.len();
                if end > bytes.len()
                    || !bytes[start..end].eq_ignore_ascii_case(p)
                    || !on_word_boundary(text, bytes, start, end)
                {
                    continue;
                }
                let kind = kind as usize;
                hits.counts[kind] += 1;
                if text[..start].trim_end().is_empty() {
                    hits.at_start |= 1 << kind;
                }
                hits.longest = hits.longest.max(p.len() as u32);
            }
        }
        hits
    }

    #[test]
    fn finds_what_a_naive_search_finds() {
        // Phrases that share prefixes and suffixes, so that the failure links matter.
        let phrases = [
            ("he", 0),
            ("she", 1),
            ("his", 2),
            ("hers", 3),
            ("sign up", 4),
            ("up", 5),
            ("©", 6),
            ("said:", 7),
            ("hers", 8),
        ];
        let matcher = CueMatcher::new(&phrases);
        let texts = [
            "ushers",
            "She said: HE, his, hers and SHERS",
            "Sign up — sign upfront; sign up",
            "© 2024 his © his",
            "h",
            "ßhe she",
            "a longer line that says she is his and hers, and then says sign up",
        ];
        // Lines are walked in pairs of unequal lengths, and the last one alone.
        let text = texts.join("\n");
        let mut spans = Vec::new();
        split_lines(&text, &mut spans);
        let mut got = Vec::new();
        matcher.scan(&text, &spans, &mut got);
        assert_eq!(got.len(), texts.len());
        for ((line, got), span) in texts.iter().zip(&got).zip(&spans) {
            let want = naive(&phrases, line);
            assert_eq!(&text[span.start..span.end], *line);
            assert_eq!(got.counts, want.counts, "{line:?}");
            assert_eq!(got.at_start, want.at_start, "{line:?}");
            assert_eq!(got.longest, want.longest, "{line:?}");
        }
    }
}
