//! Little-endian 64-bit words read from byte strings, for the scans that look at a text eight
//! bytes at a time (`hash::hash_bytes`, `text_rules::text_problem`). A leaf module.

/// The 8 bytes of `bytes` from `at` as a little-endian word (0 if there are not 8).
#[inline(always)]
pub(crate) fn word_at(bytes: &[u8], at: usize) -> u64 {
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

/// The bytes after the last whole word of `bytes` (its length is not a multiple of 8) as one
/// word, read with loads that may overlap bytes already read, not one byte at a time: the last
/// eight bytes; or, in a text of 4–7 bytes, its first and last four; or, in a text of 1–3
/// bytes, its first, middle and last byte (all of its bytes), the five upper bytes of the word
/// taken from `pad`. Every byte is in the word (some twice). `None` when the length is a
/// multiple of 8.
#[inline(always)]
pub(crate) fn tail_word(bytes: &[u8], pad: u64) -> Option<u64> {
    let len = bytes.len();
    match len % 8 {
        0 => None,
        _ if len >= 8 => Some(word_at(bytes, len - 8)),
        4.. => Some(u64::from(half_at(bytes, 0)) | (u64::from(half_at(bytes, len - 4)) << 32)),
        _ => {
            let byte = |index: usize| u64::from(bytes.get(index).copied().unwrap_or(0));
            Some(byte(0) | (byte(len / 2) << 8) | (byte(len - 1) << 16) | (pad & !0xFF_FFFF))
        }
    }
}
