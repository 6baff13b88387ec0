//! The page metric: how much of the kept text is the article, judged as users judge a
//! cleaner, page by page.
//!
//! It is the measure of the public article-extraction benchmarks: the kept text and the
//! gold text are cut into word tokens (runs of letters, digits and `_`, case kept), each
//! into the multiset of its word 4-grams ("shingles"), and a page's precision and recall
//! count the shingles the two share. Precision and recall are averaged over pages and F1
//! is taken of the averages, so a long listing page weighs no more than a short article.
//! The gold text of a page is its content lines; a page without one is not scored.

use std::collections::HashMap;

use xxhash_rust::xxh3::xxh3_64;

/// Words in a shingle.
const SHINGLE: usize = 4;

/// The word tokens of a page's non-blank lines, hashed, in order.
#[derive(Clone, Debug, Default)]
pub struct PageWords {
    hashes: Vec<u64>,
    /// Where each line's words end in `hashes`.
    line_ends: Vec<u32>,
}

impl PageWords {
    /// The words of each of `lines`.
    pub fn new<'a>(lines: impl IntoIterator<Item = &'a str>) -> PageWords {
        let mut words = PageWords::default();
        for line in lines {
            for token in line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|t| !t.is_empty())
            {
                words.hashes.push(xxh3_64(token.as_bytes()));
            }
            words.line_ends.push(words.hashes.len() as u32);
        }
        words
    }

    /// Lines held.
    pub fn lines(&self) -> usize {
        self.line_ends.len()
    }

    fn line(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.line_ends[i - 1] };
        &self.hashes[start as usize..self.line_ends[i] as usize]
    }

    /// The words of the lines `pick` chooses, as one text.
    fn text(&self, pick: &dyn Fn(usize) -> bool, out: &mut Vec<u64>) {
        out.clear();
        for i in (0..self.lines()).filter(|&i| pick(i)) {
            out.extend_from_slice(self.line(i));
        }
    }

    /// Compares the lines `kept` chooses with the lines `gold` says are content; `None`
    /// when no line is gold content.
    pub fn compare(
        &self,
        gold: impl Fn(usize) -> bool,
        kept: impl Fn(usize) -> bool,
    ) -> Option<PageScores> {
        if !(0..self.lines()).any(&gold) {
            return None;
        }
        let mut words = Vec::new();
        self.text(&gold, &mut words);
        let mut want: HashMap<u64, u32> = HashMap::new();
        let mut gold_n = 0u64;
        shingles(&words, |s| {
            *want.entry(s).or_default() += 1;
            gold_n += 1;
        });
        self.text(&kept, &mut words);
        let (mut both, mut kept_n) = (0u64, 0u64);
        shingles(&words, |s| {
            kept_n += 1;
            if let Some(n) = want.get_mut(&s).filter(|n| **n > 0) {
                *n -= 1;
                both += 1;
            }
        });
        Some(PageScores::page(both, kept_n - both, gold_n - both))
    }
}

/// Calls `each` with the hash of every word 4-gram of `words`; a text of fewer words is
/// one shingle of them all, and one of none has no shingle.
fn shingles(words: &[u64], mut each: impl FnMut(u64)) {
    if words.is_empty() {
        return;
    }
    for w in words.windows(SHINGLE.min(words.len())) {
        let mut h = 0u64;
        for &x in w {
            h = (h.rotate_left(17) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        each(h);
    }
}

/// Page scores summed over pages: the mean precision and recall, and F1 of the means.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PageScores {
    /// Pages scored.
    pub pages: u64,
    precision_sum: f64,
    recall_sum: f64,
}

impl PageScores {
    /// One page from its shingles kept and gold, kept only and gold only. Nothing to
    /// find and nothing kept is perfect; nothing right is zero.
    fn page(both: u64, kept_only: u64, gold_only: u64) -> PageScores {
        let (p, r) = if kept_only == 0 && gold_only == 0 {
            (1.0, 1.0)
        } else if both == 0 {
            (0.0, 0.0)
        } else {
            let both = both as f64;
            (
                both / (both + kept_only as f64),
                both / (both + gold_only as f64),
            )
        };
        PageScores {
            pages: 1,
            precision_sum: p,
            recall_sum: r,
        }
    }

    /// Adds the pages of `other`.
    pub fn merge(&mut self, other: &PageScores) {
        self.pages += other.pages;
        self.precision_sum += other.precision_sum;
        self.recall_sum += other.recall_sum;
    }

    /// Mean precision over the pages (0 for none).
    pub fn precision(&self) -> f64 {
        if self.pages == 0 {
            0.0
        } else {
            self.precision_sum / self.pages as f64
        }
    }

    /// Mean recall over the pages (0 for none).
    pub fn recall(&self) -> f64 {
        if self.pages == 0 {
            0.0
        } else {
            self.recall_sum / self.pages as f64
        }
    }

    /// F1 of the mean precision and the mean recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lines: &[&str]) -> PageWords {
        PageWords::new(lines.iter().copied())
    }

    const PAGE: [&str; 4] = [
        "Home | News | Sport",
        "The quick brown fox jumps over the lazy dog.",
        "It ran away, far away.",
        "Share this story",
    ];

    #[test]
    fn tokens_are_runs_of_word_characters() {
        let w = words(&["Don't stop—now! snake_case 42", "", "日本語 text"]);
        assert_eq!(w.lines(), 3);
        assert_eq!(w.line(0).len(), 6); // Don, t, stop, now, snake_case, 42
        assert_eq!(w.line(0)[0], xxh3_64(b"Don"));
        assert_eq!(w.line(1).len(), 0);
        assert_eq!(w.line(2), &[xxh3_64("日本語".as_bytes()), xxh3_64(b"text")]);
    }

    #[test]
    fn keeping_exactly_the_content_is_perfect() {
        let w = words(&PAGE);
        let gold = |i: usize| i == 1 || i == 2;
        let s = w.compare(gold, gold).unwrap();
        assert_eq!((s.precision(), s.recall(), s.f1()), (1.0, 1.0, 1.0));
    }

    #[test]
    fn hand_counted_page() {
        // Gold: lines 1 and 2, 9 + 5 = 14 words, so 11 shingles. Kept: lines 1 and 3,
        // 9 + 3 = 12 words, 9 shingles; the 6 within line 1 are gold, the 3 that run
        // from "lazy dog" into "Share this story" are not.
        let w = words(&PAGE);
        let s = w
            .compare(|i| i == 1 || i == 2, |i| i == 1 || i == 3)
            .unwrap();
        assert!((s.precision() - 6.0 / 9.0).abs() < 1e-12, "{s:?}");
        assert!((s.recall() - 6.0 / 11.0).abs() < 1e-12, "{s:?}");
        let f1 = 2.0 * (6.0 / 9.0) * (6.0 / 11.0) / (6.0 / 9.0 + 6.0 / 11.0);
        assert!((s.f1() - f1).abs() < 1e-12);
    }

    #[test]
    fn shingles_are_counted_as_a_multiset() {
        // The gold holds "a b c d" once; keeping it twice finds it only once.
        let w = words(&["a b c d", "a b c d"]);
        let s = w.compare(|i| i == 0, |_| true).unwrap();
        // Kept: a b c d a b c d, 5 shingles, one of them gold.
        assert!((s.precision() - 1.0 / 5.0).abs() < 1e-12);
        assert_eq!(s.recall(), 1.0);
    }

    #[test]
    fn short_texts_are_one_shingle() {
        let w = words(&["Short title", "Other"]);
        let s = w.compare(|i| i == 0, |i| i == 0).unwrap();
        assert_eq!(s.f1(), 1.0);
        let s = w.compare(|i| i == 0, |_| true).unwrap();
        assert_eq!((s.precision(), s.recall()), (0.0, 0.0));
    }

    #[test]
    fn edge_pages() {
        let w = words(&PAGE);
        // No gold content: not scored.
        assert!(w.compare(|_| false, |_| true).is_none());
        // Nothing kept: nothing right.
        let s = w.compare(|i| i == 1, |_| false).unwrap();
        assert_eq!((s.precision(), s.recall()), (0.0, 0.0));
        // Content of punctuation only, nothing kept: nothing to find, nothing kept.
        let w = words(&["—", "Menu"]);
        let s = w.compare(|i| i == 0, |_| false).unwrap();
        assert_eq!((s.precision(), s.recall()), (1.0, 1.0));
    }

    #[test]
    fn pages_are_averaged_before_f1() {
        // One page P 1 R 0.5, one P 0.5 R 1: means 0.75 / 0.75, F1 0.75 — not the F1 of
        // pooled counts, nor the mean of the pages' F1 (2/3).
        let mut all = PageScores::default();
        all.merge(&PageScores::page(2, 0, 2));
        all.merge(&PageScores::page(2, 2, 0));
        assert_eq!(all.pages, 2);
        assert!((all.precision() - 0.75).abs() < 1e-12);
        assert!((all.recall() - 0.75).abs() < 1e-12);
        assert!((all.f1() - 0.75).abs() < 1e-12);
        assert_eq!(PageScores::default().f1(), 0.0);
    }
}
