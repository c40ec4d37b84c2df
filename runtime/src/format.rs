//! Words written as output text, fast: money in yuan with exactly two decimals (`-0.05`,
//! `1234.50`), ratios as the shortest exact decimal (`0.15`, `1.3`, `1`), ints plainly,
//! booleans `true`/`false`, dates `YYYY-MM-DD`, enum values by variant name, text as shown
//! (masked handles masked).
//!
//! The result is the same text as [`pol_compiler::format::write_word`] (a property test checks
//! it); this module writes bytes into a reused buffer without allocating, for millions of rows.
//! Naming: `write_*` appends one value to a `Vec<u8>`; `*_to_string` returns a new string.
//! CSV quoting and JSON escaping of a value already written are [`write_csv_field`] and
//! [`write_json_string`].

use pol_compiler::date;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, RATIO_SCALE, Ty, Word};

/// Appends `word` of type `ty` as the outputs show it (unquoted, unescaped).
pub fn write_word(out: &mut Vec<u8>, program: &Program, texts: &TextTables<'_>, ty: Ty, word: Word) {
    match ty {
        Ty::Money(_) => write_money(out, word),
        Ty::Ratio => write_ratio(out, word),
        Ty::Int => write_int(out, word),
        Ty::Bool => write_bool(out, word),
        Ty::Date => write_date(out, word),
        Ty::Enum(id) => {
            let variant = program
                .enums
                .get(id.0 as usize)
                .and_then(|def| usize::try_from(word).ok().and_then(|index| def.variants.get(index)));
            match variant {
                Some(name) => out.extend_from_slice(name.as_bytes()),
                None => {
                    out.push(b'#');
                    write_int(out, word);
                }
            }
        }
        Ty::Text => out.extend_from_slice(texts.render(word).as_bytes()),
    }
}

/// A word as a new string; see [`write_word`].
pub fn word_to_string(program: &Program, texts: &TextTables<'_>, ty: Ty, word: Word) -> String {
    let mut out = Vec::new();
    write_word(&mut out, program, texts, ty, word);
    String::from_utf8_lossy(&out).into_owned()
}

/// Appends an integer.
#[inline]
pub fn write_int(out: &mut Vec<u8>, value: Word) {
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(value).as_bytes());
}

/// Appends an integer of 128 bits (report sums).
pub fn write_i128(out: &mut Vec<u8>, value: i128) {
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(value).as_bytes());
}

/// Appends `true` or `false` (any non-zero word is true).
#[inline]
pub fn write_bool(out: &mut Vec<u8>, word: Word) {
    // Two copies of a known length, which compile to plain stores (one copy of a length known
    // only at run time is a call to `memcpy`).
    if word != 0 {
        out.extend_from_slice(b"true");
    } else {
        out.extend_from_slice(b"false");
    }
}

/// Appends fen as yuan with exactly two decimals.
#[inline]
pub fn write_money(out: &mut Vec<u8>, fen: Word) {
    // Most amounts of most households are 0.
    if fen == 0 {
        out.extend_from_slice(b"0.00");
        return;
    }
    if fen < 0 {
        out.push(b'-');
    }
    let magnitude = fen.unsigned_abs();
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(magnitude / 100).as_bytes());
    let cents = (magnitude % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
}

/// Appends a 128-bit amount of fen as yuan with exactly two decimals (report sums).
pub fn write_money_i128(out: &mut Vec<u8>, fen: i128) {
    if fen < 0 {
        out.push(b'-');
    }
    let magnitude = fen.unsigned_abs();
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(magnitude / 100).as_bytes());
    let cents = (magnitude % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
}

/// Appends a ratio word (× 10⁹) as the shortest exact decimal.
pub fn write_ratio(out: &mut Vec<u8>, word: Word) {
    write_scaled(out, i128::from(word), RATIO_SCALE.unsigned_abs().into(), 9);
}

/// Appends `value / 10^decimals` (`scale` = 10^decimals) as the shortest exact decimal.
pub fn write_scaled(out: &mut Vec<u8>, value: i128, scale: u128, decimals: usize) {
    if value < 0 {
        out.push(b'-');
    }
    let magnitude = value.unsigned_abs();
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(magnitude / scale).as_bytes());
    let mut fraction = magnitude % scale;
    if fraction == 0 {
        return;
    }
    let mut digits = [b'0'; 38];
    let decimals = decimals.min(digits.len());
    for slot in digits.iter_mut().take(decimals).rev() {
        *slot = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    // `decimals` is at most the length of `digits`, so the slices exist; trailing zeros go.
    let used = digits.get(..decimals).unwrap_or(&digits);
    let n_kept = used.iter().rposition(|digit| *digit != b'0').map_or(0, |last| last + 1);
    let trimmed = used.get(..n_kept).unwrap_or(used);
    out.push(b'.');
    out.extend_from_slice(trimmed);
}

/// Appends a day number as `YYYY-MM-DD`.
pub fn write_date(out: &mut Vec<u8>, days: Word) {
    let (year, month, day) = date::to_ymd(days);
    if (0..=9999).contains(&year) {
        let year = year as u32;
        out.extend_from_slice(&[
            b'0' + (year / 1000) as u8,
            b'0' + (year / 100 % 10) as u8,
            b'0' + (year / 10 % 10) as u8,
            b'0' + (year % 10) as u8,
            b'-',
            b'0' + (month / 10) as u8,
            b'0' + (month % 10) as u8,
            b'-',
            b'0' + (day / 10) as u8,
            b'0' + (day % 10) as u8,
        ]);
    } else {
        out.extend_from_slice(date::format_iso(days).as_bytes());
    }
}

/// Money as a new string.
pub fn money_to_string(fen: i128) -> String {
    let mut out = Vec::new();
    write_money_i128(&mut out, fen);
    String::from_utf8_lossy(&out).into_owned()
}

/// A ratio word as a new string.
pub fn ratio_to_string(word: Word) -> String {
    let mut out = Vec::new();
    write_ratio(&mut out, word);
    String::from_utf8_lossy(&out).into_owned()
}

/// A ratio word as a percentage, the shortest exact decimal (`0.5` → `50%`, `1/3` → `33.3333333%`).
pub fn percent_to_string(word: Word) -> String {
    let mut out = Vec::new();
    write_scaled(&mut out, i128::from(word), 10_000_000, 7);
    out.push(b'%');
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a CSV field must be quoted: it holds a comma, a quote or a line break, or starts or
/// ends with a space the reader must keep.
fn needs_quotes(field: &[u8]) -> bool {
    field.iter().any(|byte| matches!(byte, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends `field` as one CSV field: as is, or quoted with inner quotes doubled when it holds a
/// comma, a quote or a line break.
pub fn write_csv_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &byte in field {
        if byte == b'"' {
            out.push(b'"');
        }
        out.push(byte);
    }
    out.push(b'"');
}

/// Quotes, in place, the CSV field written at `out[start..]` if it needs quoting.
#[inline]
pub fn quote_csv_tail(out: &mut Vec<u8>, start: usize) {
    let needs = out.get(start..).is_some_and(needs_quotes);
    if needs {
        let field = out.split_off(start);
        write_csv_field(out, &field);
    }
}

/// Appends `text` as a JSON string literal.
pub fn write_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for &byte in text.as_bytes() {
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'));
                out.push(HEX.get(usize::from(byte & 15)).copied().unwrap_or(b'0'));
            }
            _ => out.push(byte),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn money_has_exactly_two_decimals() {
        assert_eq!(text(|out| write_money(out, 0)), "0.00");
        assert_eq!(text(|out| write_money(out, -5)), "-0.05");
        assert_eq!(text(|out| write_money(out, 123_450)), "1234.50");
        assert_eq!(text(|out| write_money(out, Word::MIN)), "-92233720368547758.08");
    }

    #[test]
    fn ratios_and_percentages_are_shortest_exact() {
        assert_eq!(ratio_to_string(150_000_000), "0.15");
        assert_eq!(ratio_to_string(1_300_000_000), "1.3");
        assert_eq!(ratio_to_string(1_000_000_000), "1");
        assert_eq!(ratio_to_string(-1), "-0.000000001");
        assert_eq!(percent_to_string(500_000_000), "50%");
        assert_eq!(percent_to_string(333_333_333), "33.3333333%");
        assert_eq!(percent_to_string(1), "0.0000001%");
    }

    #[test]
    fn dates_are_iso() {
        for day in ["1970-01-01", "2019-07-01", "2000-02-29", "0001-01-01", "9999-12-31"] {
            let word = date::parse_iso(day).unwrap_or(Word::MIN);
            assert_eq!(text(|out| write_date(out, word)), day);
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(text(|out| write_csv_field(out, b"plain")), "plain");
        assert_eq!(text(|out| write_csv_field(out, b"a,b")), "\"a,b\"");
        assert_eq!(text(|out| write_csv_field(out, b"say \"hi\"")), "\"say \"\"hi\"\"\"");
        let mut out = b"x,".to_vec();
        out.extend_from_slice(b"line\nbreak");
        quote_csv_tail(&mut out, 2);
        assert_eq!(String::from_utf8_lossy(&out).into_owned(), "x,\"line\nbreak\"");
    }

    /// Reads back a decimal text (with optional sign) scaled by `10^decimals`.
    fn read_back(text: &str, decimals: u32) -> Option<i128> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if fraction.len() > decimals as usize || fraction.ends_with('0') && decimals == 9 {
            return None;
        }
        let mut value: i128 = whole.parse().ok()?;
        for index in 0..decimals as usize {
            let digit = fraction.as_bytes().get(index).map_or(0, |byte| i128::from(byte - b'0'));
            value = value * 10 + digit;
        }
        Some(if negative { -value } else { value })
    }

    proptest::proptest! {
        #[test]
        fn money_reads_back(fen in proptest::prelude::any::<i64>()) {
            let text = text(|out| write_money(out, fen));
            proptest::prop_assert_eq!(read_back(&text, 2), Some(i128::from(fen)));
            proptest::prop_assert_eq!(text.split_once('.').map(|(_, cents)| cents.len()), Some(2));
            proptest::prop_assert_eq!(money_to_string(i128::from(fen)), text);
        }

        #[test]
        fn ratios_read_back_shortest(word in proptest::prelude::any::<i64>()) {
            let text = ratio_to_string(word);
            proptest::prop_assert_eq!(read_back(&text, 9), Some(i128::from(word)));
        }

        #[test]
        fn dates_read_back(days in -719_162i64..2_932_896) {
            let text = text(|out| write_date(out, days));
            proptest::prop_assert_eq!(date::parse_iso(&text), Some(days));
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(text(|out| write_json_string(out, "王\"\\\n\u{1}")), "\"王\\\"\\\\\\n\\u0001\"");
    }
}
