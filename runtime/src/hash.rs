//! 64-bit hashes of ids, and finding the hashes that occur more than once.
//!
//! A run must know every duplicated `household_id` and `person_id` before it writes the first
//! row, but keeping millions of ids as strings would cost gigabytes. So a run keeps one 64-bit
//! hash per id (8 bytes a row), finds the hashes that occur twice, and confirms those exactly
//! with a second look at the ids that have them (see `run.rs`). Hashes are spread over
//! [`N_BUCKETS`] buckets by their top bits, each sorted on its own.

use crate::word_loads::{tail_word, word_at};
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
    // The bytes after the last full word, in one word (every byte is still read, and the
    // length is in the state).
    if let Some(tail) = tail_word(bytes, 0) {
        state = (state ^ tail ^ 0xFF).wrapping_mul(K).rotate_left(29);
    }
    fmix64(state)
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
    /// Full segments per bucket.
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

/// The hashes that occur more than once among the hashes of `parts` (`hashes_of(part)`, each
/// part's hashes; every part is read twice), each once, in no particular order that depends on
/// anything but the hashes: for hashes all in memory (in-process evaluation), on the current
/// rayon pool's threads. The parts are split among the threads; each thread sorts its hashes
/// into [`N_BUCKETS`] buckets by their top bits (counted, then placed: one array, no growing
/// segments), and then each bucket, the threads' pieces of it together, is checked on its own
/// with a small table that stays in the processor's cache.
pub(crate) fn repeated_hashes<'p, P, I>(parts: &'p [P], hashes_of: impl Fn(&'p P) -> I + Sync) -> Vec<u64>
where
    P: Sync,
    I: Iterator<Item = u64> + 'p,
{
    let groups = rayon::current_num_threads().max(1);
    let per_group = parts.len().div_ceil(groups).max(1);
    // Each group's hashes placed bucket by bucket, with where each bucket starts.
    let placed: Vec<(Vec<u64>, Vec<usize>)> = parts
        .par_chunks(per_group)
        .map(|group| {
            let mut starts = vec![0usize; N_BUCKETS + 1];
            for part in group {
                for hash in hashes_of(part) {
                    if let Some(count) = starts.get_mut(bucket_of(hash) + 1) {
                        *count += 1;
                    }
                }
            }
            for bucket in 1..=N_BUCKETS {
                let before = starts.get(bucket - 1).copied().unwrap_or(0);
                if let Some(start) = starts.get_mut(bucket) {
                    *start += before;
                }
            }
            let mut next = starts.clone();
            let mut hashes = vec![0u64; starts.last().copied().unwrap_or(0)];
            for part in group {
                for hash in hashes_of(part) {
                    if let Some(at) = next.get_mut(bucket_of(hash))
                        && let Some(slot) = hashes.get_mut(*at)
                    {
                        *slot = hash;
                        *at += 1;
                    }
                }
            }
            (hashes, starts)
        })
        .collect();
    let per_bucket: Vec<Vec<u64>> = (0..N_BUCKETS)
        .into_par_iter()
        .map_init(Vec::new, |table, bucket| {
            let pieces = placed.iter().filter_map(|(hashes, starts)| {
                let (start, end) = (*starts.get(bucket)?, *starts.get(bucket + 1)?);
                hashes.get(start..end)
            });
            repeats_in_bucket(pieces, table)
        })
        .collect();
    per_bucket.concat()
}

/// The bucket of a hash: its top bits.
#[inline(always)]
fn bucket_of(hash: u64) -> usize {
    (hash >> 54) as usize
}

/// The hashes that occur more than once in `pieces` (of one bucket), each once, using `table`
/// (reused from bucket to bucket) as an open-addressing set: a slot holds a hash and whether it
/// was already reported; 0 marks an empty slot, so the hash 0 is counted on its own.
fn repeats_in_bucket<'a>(pieces: impl Iterator<Item = &'a [u64]> + Clone, table: &mut Vec<(u64, bool)>) -> Vec<u64> {
    let len: usize = pieces.clone().map(<[u64]>::len).sum();
    let size = (len * 2).next_power_of_two().max(16);
    table.clear();
    table.resize(size, (0, false));
    let mask = size - 1;
    let mut repeated = Vec::new();
    let mut zeros = 0usize;
    for hash in pieces.flatten() {
        if *hash == 0 {
            zeros += 1;
            if zeros == 2 {
                repeated.push(0);
            }
            continue;
        }
        // The low bits place the hash (the top ones are the bucket's, the same for all).
        let mut at = (*hash as usize) & mask;
        while let Some(slot) = table.get_mut(at) {
            match slot {
                (0, _) => {
                    *slot = (*hash, false);
                    break;
                }
                (held, reported) if *held == *hash => {
                    if !*reported {
                        *reported = true;
                        repeated.push(*hash);
                    }
                    break;
                }
                _ => at = (at + 1) & mask,
            }
        }
    }
    repeated
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
        // The same repeats found among hashes all in memory, split in parts.
        let hashes: Vec<u64> = ids.iter().map(|id| hash_bytes(id.as_bytes())).collect();
        let mut parts: Vec<Vec<u64>> = hashes.chunks(7_777).map(<[u64]>::to_vec).collect();
        parts.push(vec![hash_bytes(b"H0000042"), hash_bytes(b"H0099999"), hash_bytes(b"H0099999")]);
        let mut repeated = repeated_hashes(&parts, |part| part.iter().copied());
        repeated.sort_unstable();
        let mut expected = vec![hash_bytes(b"H0000042"), hash_bytes(b"H0099999")];
        expected.sort_unstable();
        assert_eq!(repeated, expected);
        assert!(repeated_hashes(&parts[..1], |part| part.iter().copied()).is_empty());
        // Hashes sharing a bucket and their low bits, and the hash 0, counted exactly.
        let crowded: Vec<u64> = (0..5_000u64).flat_map(|index| [index << 20, index << 20]).chain([0, 0, 0]).collect();
        let mut repeated = repeated_hashes(&[crowded], |part| part.iter().copied());
        repeated.sort_unstable();
        assert_eq!(repeated, (0..5_000u64).map(|index| index << 20).collect::<Vec<_>>());
        assert!(collector.heap_bytes() >= 800_008);
    }
}
