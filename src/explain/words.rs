//! The words behind hashed features.
//!
//! The model keeps only hashes of a line's words, and the labelling keeps no word of the
//! text. To name a hashed feature, `explain` hashes every word it can see in the line
//! and matches the hashes up: any split the line scan may make of a token (the whole
//! token, without its punctuation, its runs of letters and digits, each CJK character)
//! is tried, as the scan's own rules are not worth repeating here.

use std::collections::HashMap;

use crate::features::line::is_cjk;
use crate::features::vocab::{hash_word, lowercase_into};

/// The words of one line by their hash, lower-cased as the model reads them.
pub(super) struct Words(HashMap<u64, String>);

impl Words {
    pub(super) fn of(line: &str) -> Words {
        let mut words = HashMap::new();
        let mut buf = Vec::new();
        let mut add = |w: &str| {
            if w.is_empty() {
                return;
            }
            lowercase_into(w, &mut buf);
            if let Ok(lower) = std::str::from_utf8(&buf) {
                words
                    .entry(hash_word(&buf))
                    .or_insert_with(|| lower.to_string());
            }
        };
        for token in line.split_whitespace() {
            add(token);
            add(token.trim_matches(|c: char| !c.is_alphanumeric()));
            for run in token.split(|c: char| !c.is_alphanumeric() || is_cjk(c)) {
                add(run);
            }
            for (at, c) in token.char_indices().filter(|(_, c)| is_cjk(*c)) {
                add(&token[at..at + c.len_utf8()]);
            }
        }
        Words(words)
    }

    /// The word hashed `hash`, if the line holds it.
    pub(super) fn get(&self, hash: u64) -> Option<&str> {
        self.0.get(&hash).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(w: &str) -> u64 {
        hash_word(w.as_bytes())
    }

    #[test]
    fn finds_words_as_the_scan_hashes_them() {
        let w = Words::of("Posted by JANE-Doe, (Reuters) 北朝鮮 x2");
        for word in ["posted", "by", "jane", "doe", "reuters", "北", "鮮", "x2"] {
            assert_eq!(w.get(hash(word)), Some(word));
        }
        assert_eq!(w.get(hash("smith")), None);
    }
}
