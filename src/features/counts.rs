//! Counts by 64-bit hash, for the document-wide tallies of lines and words.
//!
//! The keys are hashes already, uniform in every bit, so a table probed from a few of
//! their bits needs no hashing of its own; kept at most half full, nearly every lookup
//! takes one probe. The table grows with the distinct hashes, not with the words added:
//! a single line of 200 MB of prose repeats a small vocabulary.

/// A count per hash.
#[derive(Default)]
pub struct Counts {
    /// (hash, count) slots; an empty slot holds count 0, as no stored count is 0.
    slots: Vec<(u64, u32)>,
    mask: usize,
    /// Slots in use.
    len: usize,
}

/// The most slots a [`Counts::reset`] sets out with; beyond, the table grows as it fills.
const MAX_START: usize = 1 << 16;

impl Counts {
    /// Empties the table, sized for about `n` distinct hashes.
    pub fn reset(&mut self, n: usize) {
        let size = (2 * n).next_power_of_two().clamp(16, MAX_START);
        self.slots.clear();
        self.slots.resize(size, (0, 0));
        self.mask = size - 1;
        self.len = 0;
    }

    #[inline]
    fn find(&self, hash: u64) -> usize {
        let mut at = (hash >> 32) as usize & self.mask;
        while self.slots[at].1 != 0 && self.slots[at].0 != hash {
            at = (at + 1) & self.mask;
        }
        at
    }

    /// The count of `hash`, 0 when absent.
    #[inline]
    pub fn get(&self, hash: u64) -> u32 {
        self.slots[self.find(hash)].1
    }

    /// Adds one to the count of `hash`.
    #[inline]
    pub fn add(&mut self, hash: u64) {
        let mut at = self.find(hash);
        if self.slots[at].1 == 0 {
            if 2 * (self.len + 1) > self.slots.len() {
                self.grow();
                at = self.find(hash);
            }
            self.len += 1;
        }
        self.slots[at] = (hash, self.slots[at].1 + 1);
    }

    /// Doubles the table, keeping every count.
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![(0, 0); 2 * old.len()];
        self.mask = self.slots.len() - 1;
        for (hash, count) in old.into_iter().filter(|s| s.1 != 0) {
            let at = self.find(hash);
            self.slots[at] = (hash, count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn counts_like_a_map() {
        let mut counts = Counts::default();
        let mut want = HashMap::new();
        // Hashes that share their probe bits, and zero.
        let keys: Vec<u64> = (0..200u64).map(|k| ((k % 37) << 40) | (k % 5)).collect();
        counts.reset(keys.len());
        for &k in &keys {
            counts.add(k);
            *want.entry(k).or_insert(0) += 1;
        }
        for k in 0..300u64 {
            let k = ((k % 53) << 40) | (k % 7);
            assert_eq!(counts.get(k), want.get(&k).copied().unwrap_or(0), "{k:#x}");
        }
        counts.reset(1);
        assert_eq!(counts.get(keys[0]), 0);
    }

    #[test]
    fn grows_past_its_first_size() {
        let mut counts = Counts::default();
        counts.reset(2);
        let keys: Vec<u64> = (0..5000u64)
            .map(|k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        for (i, &k) in keys.iter().enumerate() {
            for _ in 0..=i % 3 {
                counts.add(k);
            }
        }
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(counts.get(k), (i % 3 + 1) as u32, "key {i}");
        }
        assert!(counts.slots.len() >= 2 * keys.len() && counts.slots.len() <= 4 * keys.len());
    }
}
