//! Word hashing and the word lists looked up by hash.
//!
//! Words are hashed with xxh3 under a fixed seed: its output is specified and the same on
//! every platform and version, so a saved model's hashed weights mean the same thing
//! wherever it is loaded.

use std::collections::HashMap;
use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::tables::{MONTHS, STOPWORDS};

const SEED: u64 = 0x6465_6368_6166_6621; // "dechaff!"

/// Hashes an already lower-cased word.
pub fn hash_word(lower: &[u8]) -> u64 {
    xxh3_64_with_seed(lower, SEED)
}

/// Lower-cases `word` into `buf` (cleared first) without allocating once `buf` has grown;
/// returns the word's length in characters.
pub fn lowercase_into(word: &str, buf: &mut Vec<u8>) -> usize {
    buf.clear();
    if word.is_ascii() {
        buf.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
        word.len()
    } else {
        let mut tmp = [0u8; 4];
        let mut n = 0;
        for c in word.chars() {
            n += 1;
            for l in c.to_lowercase() {
                buf.extend_from_slice(l.encode_utf8(&mut tmp).as_bytes());
            }
        }
        n
    }
}

/// What the word lists say of a word.
pub mod kind {
    /// On a stop-word list.
    pub const STOPWORD: u8 = 1;
    /// The name of a month or a weekday.
    pub const MONTH: u8 = 2;
}

/// The word lists, by word hash: one lookup tells every list a word is on.
///
/// Every word of every line is looked up, and few are on a list: an open-addressed table
/// a quarter full answers nearly every lookup with one probe, and its hashes, kept apart
/// from the kinds, take half the cache lines that (hash, kinds) pairs padded to 16 bytes
/// took.
pub struct Vocab {
    /// Hashes of the listed words; 0 marks an empty slot.
    hashes: Vec<u64>,
    /// The kinds of the word in the same slot.
    kinds: Vec<u8>,
    mask: usize,
}

impl Vocab {
    /// The shared word lists, built on first use.
    pub fn get() -> &'static Vocab {
        static VOCAB: OnceLock<Vocab> = OnceLock::new();
        VOCAB.get_or_init(|| {
            let mut kinds: HashMap<u64, u8> = HashMap::new();
            let mut buf = Vec::new();
            for (list, k) in [(STOPWORDS, kind::STOPWORD), (MONTHS, kind::MONTH)] {
                for w in list {
                    lowercase_into(w, &mut buf);
                    *kinds.entry(hash_word(&buf)).or_insert(0) |= k;
                }
            }
            let size = (kinds.len() * 4).next_power_of_two();
            let mut vocab = Vocab {
                hashes: vec![0; size],
                kinds: vec![0; size],
                mask: size - 1,
            };
            for (hash, k) in kinds {
                assert_ne!(hash, 0, "a listed word hashes to the empty-slot marker");
                let mut at = vocab.slot(hash);
                while vocab.hashes[at] != 0 {
                    at = (at + 1) & vocab.mask;
                }
                vocab.hashes[at] = hash;
                vocab.kinds[at] = k;
            }
            vocab
        })
    }

    /// Where the probe for `hash` starts: the hashes are uniform, any bits will do.
    fn slot(&self, hash: u64) -> usize {
        (hash >> 32) as usize & self.mask
    }

    /// The [`kind`] flags of the word with this hash (0 for a word on no list).
    #[inline]
    pub fn kinds(&self, hash: u64) -> u8 {
        let mut at = self.slot(hash);
        loop {
            match self.hashes[at] {
                h if h == hash => return self.kinds[at],
                0 => return 0,
                _ => at = (at + 1) & self.mask,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_fixed_across_builds() {
        // A saved model depends on these exact values: a change of hash function or seed
        // must fail here, not silently in every model file.
        assert_eq!(hash_word(b"the"), 10412147734415975835);
        assert_eq!(hash_word("über".as_bytes()), 12499602718636616152);
    }

    #[test]
    fn lists_are_case_insensitive() {
        let kinds = |word: &str| {
            let mut buf = Vec::new();
            lowercase_into(word, &mut buf);
            Vocab::get().kinds(hash_word(&buf))
        };
        assert_eq!(kinds("The"), kind::STOPWORD);
        assert_eq!(kinds("MÄRZ"), kind::MONTH);
        assert_eq!(kinds("treaty"), 0);
    }
}
