//! Cue phrases, found as the line scan reads each word (see [`super::line::scan`]).
//!
//! A phrase counts only on word boundaries, so where one starts, the line holds its first
//! word whole, as the scan reads words. Each word the scan reads is looked up among the
//! phrases' first words, by the hash the scan has already taken, in a table small enough
//! to stay in the cache; only the phrases that begin with that word are compared with
//! the line. An Aho-Corasick automaton stepped every byte through a table too large for
//! the first-level cache, a tenth of the labelling time.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::line::is_cjk;
use super::tables::{CUES, N_CUES};
use super::vocab::{hash_word, lowercase_into};

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
    /// Open-addressed table of the phrases' first words, by the hash of the word
    /// lower-cased as the scan hashes words: the slot holds the hash's low half, made odd
    /// (0 marks an empty slot). Four bytes a word keep the table in the first-level cache;
    /// the rare word that shares a slot and a half-hash with a first word costs a
    /// comparison that fails, and nothing else.
    words: Vec<u32>,
    /// The phrases that begin with the word in the same slot: `phrases[from..to]`.
    ranges: Vec<(u32, u32)>,
    mask: usize,
    /// The phrases that begin with a mark, not a word ("% off"), by their first byte.
    by_mark: [(u32, u32); 256],
    /// Each phrase and its cue kind.
    phrases: Vec<(&'static str, u8)>,
}

/// What a slot of [`CueMatcher`] keeps of a word hash: its low half, which the slot's
/// place does not tell, never 0.
fn tag(hash: u64) -> u32 {
    hash as u32 | 1
}

/// The first word of `phrase` as the scan reads words: one CJK character, or a run of
/// other letters and digits; `None` when the phrase begins with a mark.
fn first_word(phrase: &str) -> Option<&str> {
    let first = phrase.chars().next()?;
    if is_cjk(first) {
        return Some(&phrase[..first.len_utf8()]);
    }
    let end = phrase
        .find(|c: char| !c.is_alphanumeric() || is_cjk(c))
        .unwrap_or(phrase.len());
    (end > 0).then(|| &phrase[..end])
}

impl CueMatcher {
    /// The shared matcher, built on first use.
    pub fn get() -> &'static CueMatcher {
        static MATCHER: OnceLock<CueMatcher> = OnceLock::new();
        MATCHER.get_or_init(|| {
            let phrases: Vec<(&'static str, u8)> = CUES
                .iter()
                .flat_map(|(kind, list)| list.iter().map(|p| (*p, *kind as u8)))
                .collect();
            CueMatcher::new(&phrases)
        })
    }

    /// Compiles `list` (phrases, each with its cue kind), matched ASCII-case-insensitively.
    pub(crate) fn new(list: &[(&'static str, u8)]) -> CueMatcher {
        let mut by_word: HashMap<u64, Vec<(&'static str, u8)>> = HashMap::new();
        let mut by_mark = vec![Vec::new(); 256];
        let mut buf = Vec::new();
        for &(phrase, kind) in list {
            assert!(
                phrase.starts_with(|c: char| !c.is_whitespace()),
                "cue phrase {phrase:?} is empty or starts with white space"
            );
            match first_word(phrase) {
                Some(word) => {
                    lowercase_into(word, &mut buf);
                    by_word
                        .entry(hash_word(&buf))
                        .or_default()
                        .push((phrase, kind));
                }
                None => by_mark[phrase.as_bytes()[0] as usize].push((phrase, kind)),
            }
        }
        let mut hashes: Vec<u64> = by_word.keys().copied().collect();
        hashes.sort_unstable();
        let size = (4 * hashes.len()).next_power_of_two().max(16);
        let mut m = CueMatcher {
            words: vec![0; size],
            ranges: vec![(0, 0); size],
            mask: size - 1,
            by_mark: [(0, 0); 256],
            phrases: Vec::new(),
        };
        for h in hashes {
            let mut at = m.slot(h);
            while m.words[at] != 0 {
                at = (at + 1) & m.mask;
            }
            let from = m.phrases.len() as u32;
            m.phrases.extend(&by_word[&h]);
            m.words[at] = tag(h);
            m.ranges[at] = (from, m.phrases.len() as u32);
        }
        for (b, list) in by_mark.iter().enumerate() {
            let from = m.phrases.len() as u32;
            m.phrases.extend(list);
            m.by_mark[b] = (from, m.phrases.len() as u32);
        }
        m
    }

    /// Where the probe for a word hash starts: the hashes are uniform, any bits will do.
    fn slot(&self, hash: u64) -> usize {
        (hash >> 32) as usize & self.mask
    }

    /// Credits to `hits` the phrases found at byte `start` of `line`, where a word hashed
    /// `word` begins.
    #[inline(always)]
    pub fn word(&self, line: &str, start: usize, word: u64, hits: &mut CueHits) {
        let (mut at, tag) = (self.slot(word), tag(word));
        loop {
            match self.words[at] {
                0 => return,
                t if t == tag => {
                    let (from, to) = self.ranges[at];
                    return self.credit(line, start, from, to, hits);
                }
                _ => at = (at + 1) & self.mask,
            }
        }
    }

    /// Credits to `hits` the phrases found at byte `start` of `line`, where a mark is.
    #[inline(always)]
    pub fn mark(&self, line: &str, start: usize, hits: &mut CueHits) {
        let (from, to) = self.by_mark[line.as_bytes()[start] as usize];
        if from < to {
            self.credit(line, start, from, to, hits);
        }
    }

    /// Credits to `hits` those of `phrases[from..to]` that `line` holds at byte `start`,
    /// on word boundaries. Kept out of the scan, which it would otherwise crowd.
    #[inline(never)]
    fn credit(&self, line: &str, start: usize, from: u32, to: u32, hits: &mut CueHits) {
        // After a letter or digit (a word begins after a CJK character), no phrase starts.
        if line[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            return;
        }
        let at_start = line[..start].trim_end().is_empty();
        for &(phrase, kind) in &self.phrases[from as usize..to as usize] {
            if !holds_at(line, start, phrase) {
                continue;
            }
            let kind = kind as usize;
            hits.counts[kind] = hits.counts[kind].saturating_add(1);
            if at_start {
                hits.at_start |= 1 << kind;
            }
            hits.longest = hits.longest.max(phrase.len() as u32);
        }
    }

    /// The phrases `line` holds, each with its cue kind, in the order they start: the
    /// phrases behind the counts of [`CueHits`], for `dechaff explain`. Tries every
    /// phrase where any could start, far slower than the scan's lookup.
    pub fn phrases_in(&self, line: &str) -> Vec<(&'static str, usize)> {
        let mut found = Vec::new();
        let mut before = None;
        for (start, c) in line.char_indices() {
            // As in `credit`: no phrase starts right after a letter or digit.
            if !before.is_some_and(char::is_alphanumeric) {
                found.extend(
                    self.phrases
                        .iter()
                        .filter(|(phrase, _)| holds_at(line, start, phrase))
                        .map(|&(phrase, kind)| (phrase, kind as usize)),
                );
            }
            before = Some(c);
        }
        found
    }
}

/// Whether `line` holds `phrase`, ASCII-case-insensitively, at byte `start`, ending on a
/// word boundary.
#[inline(always)]
fn holds_at(line: &str, start: usize, phrase: &str) -> bool {
    let end = start + phrase.len();
    match line.as_bytes().get(start..end) {
        Some(found) if found.eq_ignore_ascii_case(phrase.as_bytes()) => {}
        _ => return false,
    }
    // Phrases that end in punctuation ("said:") carry their own boundary.
    let ends_in_word = phrase
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    !(ends_in_word
        && line[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::line::{scan, Scratch, WordHashes};
    use crate::features::tables::Cue;

    fn hits_with(matcher: &CueMatcher, line: &str) -> CueHits {
        scan(
            line,
            &mut Scratch::default(),
            matcher,
            &mut WordHashes::default(),
        )
        .cues
    }

    fn hits(text: &str) -> Vec<CueHits> {
        text.lines()
            .map(|line| hits_with(CueMatcher::get(), line))
            .collect()
    }

    #[test]
    fn names_the_phrases_it_counts() {
        let line = "Posted by Jane | Share this: comments";
        let found = CueMatcher::get().phrases_in(line);
        for (phrase, kind) in [
            ("posted by", Cue::Byline),
            ("by", Cue::Byline),
            ("share this", Cue::Share),
            ("comments", Cue::Comment),
        ] {
            assert!(
                found.contains(&(phrase, kind as usize)),
                "{phrase} in {found:?}"
            );
        }
        let counts = hits(line)[0].counts;
        for (kind, n) in counts.iter().enumerate() {
            let named = found.iter().filter(|(_, k)| *k == kind).count();
            assert_eq!(named, *n as usize, "kind {kind}");
        }
        assert!(CueMatcher::get().phrases_in("abyss").is_empty());
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

    /// Whether bytes `start..end` of `text` stand on word boundaries: no letter or digit
    /// before them, and none after them unless they end in punctuation.
    fn on_word_boundary(text: &str, start: usize, end: usize) -> bool {
        let inner = |c: char| c.is_alphanumeric();
        let before = text[..start].chars().next_back().is_some_and(inner);
        let ends_in_word = text[..end].chars().next_back().is_some_and(inner);
        let after = text[end..].chars().next().is_some_and(inner);
        !before && (!ends_in_word || !after)
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
                    || !text.is_char_boundary(start)
                    || !on_word_boundary(text, start, end)
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
        // Phrases that share first words, phrases inside phrases, a phrase listed twice,
        // phrases that begin or end with a mark, words in other scripts.
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
            ("% off", 9),
            ("à la une", 10),
            ("up-to-date", 11),
            ("新闻", 12),
            ("straße", 13),
        ];
        let matcher = CueMatcher::new(&phrases);
        let lines = [
            "ushers",
            "She said: HE, his, hers and SHERS",
            "Sign up — sign upfront; sign up",
            "© 2024 his © his ©his a©",
            "h",
            "ßhe she",
            "a longer line that says she is his and hers, and then says sign up",
            "50% off, 50 % OFF, 50 %off",
            "À LA UNE, à la une, À la une, àla une",
            "up-to-date up-to-dates UP-TO-DATE: up",
            "supercalifragilisticexpialidocious he",
            "he\u{e9} h\u{e9}e he\u{2019}s",
            "新闻 今日新闻 新闻he 他新闻",
            "STRASSE Straße STRAßE straßen",
        ];
        for line in lines {
            let got = hits_with(&matcher, line);
            let want = naive(&phrases, line);
            assert_eq!(got.counts, want.counts, "{line:?}");
            assert_eq!(got.at_start, want.at_start, "{line:?}");
            assert_eq!(got.longest, want.longest, "{line:?}");
        }
    }
}
