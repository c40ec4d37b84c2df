//! The rules for text that `pol run` publishes: which characters an input text cell may hold,
//! and how a text cell of a CSV output is made safe to open in a spreadsheet.
//!
//! **Input.** A text cell (a `key`, a `household` reference or a `text` column) may not hold a
//! control character (U+0000–U+001F, U+007F, U+0080–U+009F: NUL, tab, line breaks, escape, …)
//! or a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which make a
//! published name read differently from what it holds. Such a row is rejected at validation with
//! the reason [`text_problem`] gives and listed in `rejects.csv`; nothing is silently altered.
//! `rejects.csv` itself shows such a character of a rejected row's id or value as `<U+XXXX>`
//! ([`show_forbidden`]), so that it too holds none.
//!
//! **CSV output.** A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some
//! also after a leading tab or carriage return) as a formula, so a household named
//! `=HYPERLINK("http://x","a")` would become a link. Following OWASP's advice on CSV injection,
//! every *text-typed* cell of every CSV output (the output tables and `rejects.csv`'s id
//! column) that starts with one of those characters is written with a leading `'`
//! ([`neutralise_csv_tail`]); the spreadsheet shows the text and runs nothing. Numbers, money,
//! ratios and dates are never altered: `-12.50` is an amount, written as is. JSON lines and
//! Parquet outputs hold typed values and are written as they are.
//!
//! A leaf module: it imports nothing from the crate but `word_loads`.

use crate::word_loads::{tail_word, word_at};

/// Why a text cell is rejected, or `None` when every character is allowed. Inlined: the usual
/// cell is settled by the word scan alone.
#[inline]
pub(crate) fn text_problem(text: &[u8]) -> Option<String> {
    if !may_hold_forbidden(text) {
        return None;
    }
    exact_problem(text)
}

/// [`text_problem`] for a cell the word scan flagged: decoded and checked character by
/// character.
#[inline(never)]
fn exact_problem(text: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    let bad = text.chars().find(|character| is_forbidden(*character))?;
    let what = if character_is_bidi(bad) { "a bidirectional control character" } else { "a control character" };
    Some(format!("holds {what} (U+{:04X})", u32::from(bad)))
}

/// Whether `text` holds a byte that starts or is part of a forbidden character's UTF-8 form: a
/// byte below 0x20, 0x7F, 0xC2 (U+0080–U+009F) or 0xE2 (U+202A–U+2069). Most cells hold none,
/// and are scanned eight bytes at a time without decoding; a cell that does (Chinese
/// punctuation such as `“` starts with 0xE2) is then decoded and checked exactly.
#[inline]
fn may_hold_forbidden(text: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bits set where a byte of `word` is below `n` (n ≤ 0x80; exact as a whole: some byte
    // is below `n` iff a high bit is set); `below(word ^ ONES * b, 1)` finds the byte `b`.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word;
    let flagged = |word: u64| {
        (below(word, 0x20)
            | below(word ^ (ONES * 0x7F), 1)
            | below(word ^ (ONES * 0xC2), 1)
            | below(word ^ (ONES * 0xE2), 1))
            & HIGHS
            != 0
    };
    if text.chunks_exact(8).any(|chunk| flagged(word_at(chunk, 0))) {
        return true;
    }
    // The last 1–7 bytes as one more word (some bytes checked twice, which changes nothing),
    // padded with spaces, which no check flags.
    tail_word(text, u64::from_le_bytes([b' '; 8])).is_some_and(flagged)
}

/// `text` with each forbidden character written as `<U+XXXX>`, for `rejects.csv`, which
/// lists the rejected rows' ids and values as they were given.
pub(crate) fn show_forbidden(text: &str) -> std::borrow::Cow<'_, str> {
    if text_problem(text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_forbidden(character) {
            shown.push_str(&format!("<U+{:04X}>", u32::from(character)));
        } else {
            shown.push(character);
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// Whether `character` may not appear in an input text cell.
fn is_forbidden(character: char) -> bool {
    character.is_control() || character_is_bidi(character)
}

/// The bidirectional embeddings, overrides and isolates.
fn character_is_bidi(character: char) -> bool {
    matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a CSV text cell starting with `first` would be run by a spreadsheet as a formula.
fn starts_formula(first: u8) -> bool {
    matches!(first, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// Puts a `'` before the text cell written (unquoted) at `out[start..]` when it starts like a
/// formula. Call it before quoting the cell.
#[inline]
pub(crate) fn neutralise_csv_tail(out: &mut Vec<u8>, start: usize) {
    if out.get(start).copied().is_some_and(starts_formula) {
        out.insert(start, b'\'');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_every_flagged_byte_at_every_position() {
        for length in 0..20 {
            let clean = vec![b'a'; length];
            assert!(!may_hold_forbidden(&clean), "{length}");
            let chinese = "赵家渠村".repeat(length);
            assert!(!may_hold_forbidden(chinese.as_bytes()), "{length}");
            for position in 0..length {
                for flagged in [0x00, 0x09, 0x1F, 0x7F, 0xC2, 0xE2] {
                    let mut bytes = clean.clone();
                    if let Some(byte) = bytes.get_mut(position) {
                        *byte = flagged;
                    }
                    assert!(may_hold_forbidden(&bytes), "{length} {position} {flagged:#x}");
                }
                for allowed in [0x20, 0x7E, 0x80, 0xC3, 0xE1, 0xE3, 0xFF] {
                    let mut bytes = clean.clone();
                    if let Some(byte) = bytes.get_mut(position) {
                        *byte = allowed;
                    }
                    assert!(!may_hold_forbidden(&bytes), "{length} {position} {allowed:#x}");
                }
            }
        }
    }

    #[test]
    fn control_and_bidi_characters_are_named() {
        assert_eq!(text_problem("王建国".as_bytes()), None);
        assert_eq!(text_problem("Smith, \"J\" — 东村…".as_bytes()), None);
        assert_eq!(text_problem(b"a\0b").as_deref(), Some("holds a control character (U+0000)"));
        assert_eq!(text_problem(b"a\tb").as_deref(), Some("holds a control character (U+0009)"));
        assert_eq!(text_problem(b"a\x7f").as_deref(), Some("holds a control character (U+007F)"));
        assert_eq!(text_problem("a\u{85}".as_bytes()).as_deref(), Some("holds a control character (U+0085)"));
        assert_eq!(
            text_problem("abc\u{202E}fed".as_bytes()).as_deref(),
            Some("holds a bidirectional control character (U+202E)")
        );
        assert_eq!(
            text_problem("\u{2066}x\u{2069}".as_bytes()).as_deref(),
            Some("holds a bidirectional control character (U+2066)")
        );
        // Neighbours of the forbidden ranges are allowed.
        assert_eq!(text_problem("\u{A0}\u{2029}\u{202F}\u{2065}\u{206A}".as_bytes()), None);
    }

    #[test]
    fn forbidden_characters_are_shown_by_code_point() {
        assert_eq!(show_forbidden("H1"), "H1");
        assert_eq!(show_forbidden("H\u{0}1\u{202E}"), "H<U+0000>1<U+202E>");
    }

    #[test]
    fn formula_starts_get_a_quote_mark_and_nothing_else_changes() {
        for (text, expected) in [
            ("=HYPERLINK(\"http://x\",\"a\")", "'=HYPERLINK(\"http://x\",\"a\")"),
            ("+1", "'+1"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=b", "a=b"),
            ("王", "王"),
            ("", ""),
        ] {
            let mut out = b"x,".to_vec();
            out.extend_from_slice(text.as_bytes());
            neutralise_csv_tail(&mut out, 2);
            assert_eq!(String::from_utf8_lossy(&out), format!("x,{expected}"));
        }
    }
}
