//! Compact building blocks for the index: rows grouped by owner without a vector per owner,
//! a fast non-cryptographic hasher for the id maps, and keyword signals as a bit set.

use crate::domain::SignalKind;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher (the "Fx" scheme): several times faster than SipHash on short
/// ids. The keys are the organisation's own record ids, so flooding is not a concern.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FastHasher {
    hash: u64,
}

const MULTIPLIER: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (which pick the bucket) weakly mixed; fold the high
        // bits down so similar ids ("deal-000001", "deal-000002") spread across buckets.
        let mut x = self.hash;
        x ^= x >> 32;
        x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 29)
    }
}

/// A hash map for internal lookups only: never iterated into output.
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Positions of rows grouped by an owner position (compressed rows: one offsets vector and
/// one items vector instead of a vector per owner).
#[derive(Debug, Clone, Default)]
pub(super) struct Grouped {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Grouped {
    /// Groups `(owner, item)` pairs; items keep the order of `pairs` within an owner.
    pub(super) fn build(owners: usize, pairs: &[(u32, u32)]) -> Self {
        let mut offsets = vec![0u32; owners + 1];
        for (owner, _) in pairs {
            if let Some(count) = offsets.get_mut(*owner as usize + 1) {
                *count += 1;
            }
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut items = vec![0u32; pairs.len()];
        for (owner, item) in pairs {
            if let Some(slot) = next.get_mut(*owner as usize) {
                if let Some(target) = items.get_mut(*slot as usize) {
                    *target = *item;
                }
                *slot += 1;
            }
        }
        Self { offsets, items }
    }

    pub(super) fn of(&self, owner: usize) -> &[u32] {
        match (self.offsets.get(owner), self.offsets.get(owner + 1)) {
            (Some(&start), Some(&end)) => self.items.get(start as usize..end as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Sorts each owner's items by `key`, skipping owners already in order (data loaded from
    /// the store arrives sorted, so this is usually a single check per owner).
    pub(super) fn sort_each_by_key<K: Ord>(&mut self, key: impl Fn(u32) -> K) {
        for owner in 0..self.offsets.len().saturating_sub(1) {
            let (start, end) = (self.offsets[owner] as usize, self.offsets[owner + 1] as usize);
            if let Some(slice) = self.items.get_mut(start..end) {
                if !slice.windows(2).all(|w| key(w[0]) <= key(w[1])) {
                    slice.sort_by_key(|&item| key(item));
                }
            }
        }
    }
}

/// Keyword signals of one activity as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignalSet(u8);

impl SignalSet {
    fn bit(kind: SignalKind) -> u8 {
        match kind {
            SignalKind::PricingDiscussed => 1,
            SignalKind::CompetitorNamed => 2,
            SignalKind::LegalInvolved => 4,
            SignalKind::ProcurementInvolved => 8,
            SignalKind::RedFlag => 16,
        }
    }

    pub fn has(self, kind: SignalKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    pub fn insert(&mut self, kind: SignalKind) {
        self.0 |= Self::bit(kind);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn grouping_keeps_every_pair_once() {
        let pairs = vec![(2, 10), (0, 11), (2, 12), (1, 13)];
        let mut grouped = Grouped::build(4, &pairs);
        assert_eq!(grouped.of(0), &[11]);
        assert_eq!(grouped.of(1), &[13]);
        assert_eq!(grouped.of(2), &[10, 12]);
        assert!(grouped.of(3).is_empty());
        assert!(grouped.of(99).is_empty());
        grouped.sort_each_by_key(std::cmp::Reverse);
        assert_eq!(grouped.of(2), &[12, 10]);
    }

    #[test]
    fn equal_keys_hash_equally() {
        let map: FastMap<&str, u32> = [("sim:deal-000001", 1), ("sim:deal-000002", 2)].into_iter().collect();
        assert_eq!(map.get("sim:deal-000002"), Some(&2));
        assert_eq!(map.get("sim:deal-00000"), None);
    }
}
