//! 64-bit hashes of ids, and finding the hashes that occur more than once.
//!
//! A run must know every duplicated `household_id` and `person_id` before it writes the first
//! row, but keeping millions of ids as strings would cost gigabytes. So a run keeps one 64-bit
//! hash per id (8 bytes a row), finds the hashes that occur twice, and confirms those exactly
//! with a second look at the ids that have them (see `run.rs`). Hashes are spread over
//! [`N_BUCKETS`] buckets by their top bits, each sorted on its own.

use rayon::prelude::*;
use std::hash::{BuildHasherDefault, Hasher};

/// A well-mixed 64-bit hash of a byte string (not cryptographic; collisions are confirmed
/// exactly by the caller).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let len = bytes.len();
    let mut state: u64 = (len as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        state = (state ^ word_at(chunk, 0)).wrapping_mul(K).rotate_left(29);
    }
    // The bytes after the last full word, read with loads that may overlap bytes already read
    // (every byte is still read, and the length is in the state), not one byte at a time.
    let tail = match chunks.remainder().len() {
        0 => None,
        _ if len >= 8 => Some(word_at(bytes, len - 8)),
        4.. => Some(u64::from(half_at(bytes, 0)) | (u64::from(half_at(bytes, len - 4)) << 32)),
        _ => {
            let byte = |index: usize| u64::from(bytes.get(index).copied().unwrap_or(0));
            Some(byte(0) | (byte(len / 2) << 8) | (byte(len - 1) << 16))
        }
    };
    if let Some(tail) = tail {
        state = (state ^ tail ^ 0xFF).wrapping_mul(K).rotate_left(29);
    }
    fmix64(state)
}

/// The 8 bytes of `bytes` from `at` as a little-endian word (0 if there are not 8).
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(array_at(bytes, at))
}

/// The 4 bytes of `bytes` from `at` as a little-endian word (0 if there are not 4).
#[inline(always)]
fn half_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(array_at(bytes, at))
}

/// The `N` bytes of `bytes` from `at` (zeros if there are not `N`).
#[inline(always)]
fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut array = [0u8; N];
    if let Some(source) = bytes.get(at..at + N) {
        array.copy_from_slice(source);
    }
    array
}

/// MurmurHash3's finaliser: every input bit affects every output bit.
fn fmix64(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    value ^= value >> 33;
    value = value.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    value ^ (value >> 33)
}

/// A hasher for keys that already are hashes.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A `HashMap`/`HashSet` hasher for `u64` hashes.
pub(crate) type BuildIdentity = BuildHasherDefault<IdentityHasher>;

/// Number of buckets of a [`HashCollector`].
pub(crate) const N_BUCKETS: usize = 1024;

/// Hashes per segment of a bucket while collecting.
const SEGMENT: usize = 1024;

/// Every hash of one id column, in buckets by top bits. While collecting, a bucket is a list of
/// fixed-size segments, so memory never exceeds the hashes plus one partial segment per bucket
/// (no doubling growth); [`HashCollector::sort`] joins and sorts each bucket.
#[derive(Debug, Clone)]
pub(crate) struct HashCollector {
    /// Full segments per bucket (and the last segments of absorbed collectors, shorter).
    segments: Vec<Vec<Box<[u64]>>>,
    /// The segment being filled, per bucket.
    open: Vec<Vec<u64>>,
    /// Sorted buckets (after `sort`).
    sorted: Vec<Vec<u64>>,
}

impl Default for HashCollector {
    fn default() -> Self {
        HashCollector { segments: vec![Vec::new(); N_BUCKETS], open: vec![Vec::new(); N_BUCKETS], sorted: Vec::new() }
    }
}

impl HashCollector {
    /// Adds one hash.
    pub(crate) fn push(&mut self, hash: u64) {
        let bucket = (hash >> 54) as usize;
        let (Some(open), Some(segments)) = (self.open.get_mut(bucket), self.segments.get_mut(bucket)) else { return };
        if open.capacity() == 0 {
            open.reserve_exact(SEGMENT);
        }
        open.push(hash);
        if open.len() == SEGMENT {
            segments.push(std::mem::take(open).into_boxed_slice());
        }
    }

    /// Adds many hashes.
    pub(crate) fn extend(&mut self, hashes: &[u64]) {
        for hash in hashes {
            self.push(*hash);
        }
    }

    /// Adds every hash of `other` (its segments are moved, not copied): collectors filled on
    /// several threads become one.
    pub(crate) fn absorb(&mut self, other: HashCollector) {
        let HashCollector { segments, open, .. } = other;
        for ((mine, theirs), open) in self.segments.iter_mut().zip(segments).zip(open) {
            mine.extend(theirs);
            if !open.is_empty() {
                mine.push(open.into_boxed_slice());
            }
        }
    }

    /// Bytes held, for measurements.
    pub(crate) fn heap_bytes(&self) -> usize {
        let segments: usize =
            self.segments.iter().map(|bucket| bucket.iter().map(|segment| segment.len() * 8).sum::<usize>()).sum();
        let open: usize = self.open.iter().map(|bucket| bucket.capacity() * 8).sum();
        let sorted: usize = self.sorted.iter().map(|bucket| bucket.capacity() * 8).sum();
        segments + open + sorted
    }

    /// Joins and sorts the buckets; afterwards [`HashCollector::contains`] and
    /// [`HashCollector::repeated`] work.
    pub(crate) fn sort(&mut self) {
        self.sorted = self
            .segments
            .par_iter_mut()
            .zip(self.open.par_iter_mut())
            .map(|(segments, open)| sorted_bucket(segments, open))
            .collect();
    }

    /// The hashes that occur more than once (after [`HashCollector::sort`]).
    pub(crate) fn repeated(&self) -> Vec<u64> {
        let mut repeated = Vec::new();
        for bucket in &self.sorted {
            push_repeated(bucket, &mut repeated);
        }
        repeated
    }

    /// The hashes that occur more than once, for a collector no longer needed: each bucket is
    /// sorted, scanned and freed in turn, so that memory never holds a second copy of the hashes
    /// (as [`HashCollector::sort`] does while it joins the buckets).
    pub(crate) fn into_repeated(mut self) -> Vec<u64> {
        let per_bucket: Vec<Vec<u64>> = self
            .segments
            .par_iter_mut()
            .zip(self.open.par_iter_mut())
            .map(|(segments, open)| {
                let mut repeated = Vec::new();
                push_repeated(&sorted_bucket(segments, open), &mut repeated);
                repeated
            })
            .collect();
        per_bucket.concat()
    }

    /// Whether `hash` was collected (after [`HashCollector::sort`]).
    pub(crate) fn contains(&self, hash: u64) -> bool {
        self.sorted.get((hash >> 54) as usize).is_some_and(|bucket| bucket.binary_search(&hash).is_ok())
    }
}

/// A bucket's segments and open segment joined (and emptied) into one sorted vector.
fn sorted_bucket(segments: &mut Vec<Box<[u64]>>, open: &mut Vec<u64>) -> Vec<u64> {
    let held: usize = segments.iter().map(|segment| segment.len()).sum();
    let mut bucket = Vec::with_capacity(held + open.len());
    for segment in segments.drain(..) {
        bucket.extend_from_slice(&segment);
    }
    bucket.append(open);
    *open = Vec::new();
    bucket.sort_unstable();
    bucket
}

/// Appends the values a sorted bucket holds more than once, each once.
fn push_repeated(bucket: &[u64], repeated: &mut Vec<u64>) {
    for pair in bucket.windows(2) {
        if let [a, b] = pair
            && a == b
            && repeated.last() != Some(a)
        {
            repeated.push(*a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_differ_for_near_ids() {
        let ids: Vec<String> = (0..100_000).map(|index| format!("H{index:07}")).collect();
        let mut collector = HashCollector::default();
        for id in &ids {
            collector.push(hash_bytes(id.as_bytes()));
        }
        collector.push(hash_bytes(b"H0000042"));
        assert_eq!(collector.clone().into_repeated(), vec![hash_bytes(b"H0000042")]);
        collector.sort();
        assert_eq!(collector.repeated(), vec![hash_bytes(b"H0000042")]);
        assert!(collector.contains(hash_bytes(b"H0099999")));
        assert!(!collector.contains(hash_bytes(b"H0100000")));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        // Every length of tail (no full word, a short tail, an overlapping last word) tells
        // ids apart that differ in any one byte.
        let base = b"P0000000123456789";
        for len in 0..=base.len() {
            let id = &base[..len];
            let mut seen = std::collections::HashSet::new();
            assert!(seen.insert(hash_bytes(id)));
            for position in 0..len {
                let mut other = id.to_vec();
                other[position] ^= 1;
                assert!(seen.insert(hash_bytes(&other)), "{len} {position}");
            }
        }
        assert_eq!(collector.sorted.iter().map(Vec::len).sum::<usize>(), 100_001);
        assert!(collector.heap_bytes() >= 800_008);
    }
}
