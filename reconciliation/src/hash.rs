//! A small, fast hasher for the id maps of a run.
//!
//! A run hashes a few million short ids (bank transaction ids, references, order ids). std's
//! SipHash defends against flooding by untrusted keys, which costs several times more per key;
//! here the keys come from the bank's signed statement and PayHub's own database, so speed wins.
//!
//! The word step is FxHash's (rotate, xor, multiply). FxHash alone leaves the low bits of the hash
//! blind to the high bytes of the last word, and sequential ids such as `FT26150000000123`
//! differ exactly there, so `finish` adds a murmur3-style finaliser before hashbrown takes its
//! bucket index from the low bits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash word step with a finaliser; see the module docs for why.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunk of 8")));
        }
        // The tail is read with fixed-size loads: copying it into a buffer compiles to a
        // variable-length memcpy whose store-forwarding stall tripled the cost of a map insert.
        let mut rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = (rest.len() as u64) << 59;
            let mut shift = 0;
            if let Some((four, tail)) = rest.split_first_chunk::<4>() {
                word ^= u64::from(u32::from_le_bytes(*four));
                (rest, shift) = (tail, 32);
            }
            if let Some((two, tail)) = rest.split_first_chunk::<2>() {
                word ^= u64::from(u16::from_le_bytes(*two)) << shift;
                (rest, shift) = (tail, shift + 16);
            }
            if let Some(&one) = rest.first() {
                word ^= u64::from(one) << shift;
            }
            self.add(word);
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// A `HashMap` using [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// An empty [`IdMap`] with room for `n` entries.
pub(crate) fn id_map<K, V>(n: usize) -> IdMap<K, V> {
    IdMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn sequential_bank_ids_spread_over_the_low_bits() {
        let build = BuildHasherDefault::<IdHasher>::default();
        let buckets: HashSet<u64> = (0..4096)
            .map(|i| build.hash_one(format!("FT2615{i:010}")) & 0xfff)
            .collect();
        // A uniform hash fills about 63% of 4096 buckets with 4096 keys; FxHash alone fills a handful.
        assert!(buckets.len() > 2400, "only {} buckets used", buckets.len());
    }
}
