//! Counts by 64-bit hash, for the document-wide tallies of lines and words.
//!
//! The keys are hashes already, uniform in every bit, so a table probed from a few of
//! their bits needs no hashing of its own; kept at most half full, nearly every lookup
//! takes one probe.

/// A count per hash.
#[derive(Default)]
pub struct Counts {
    /// (hash, count) slots; an empty slot holds count 0, as no stored count is 0.
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl Counts {
    /// Empties the table, sized for up to `n` distinct hashes.
    pub fn reset(&mut self, n: usize) {
        let size = (2 * n).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, (0, 0));
        self.mask = size - 1;
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

    /// Adds one to the count of `hash`, which must be one of the `n` given to
    /// [`Counts::reset`].
    #[inline]
    pub fn add(&mut self, hash: u64) {
        let at = self.find(hash);
        self.slots[at] = (hash, self.slots[at].1 + 1);
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
}
