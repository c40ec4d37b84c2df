//! Words shown as text: the one formatting of values used by outputs, reports, tests and
//! `pol explain`.

use crate::date;
use crate::text::TextTables;
use crate::tir::{Program, RATIO_SCALE, Ty, Word};
use std::fmt::Write as _;

/// Writes a word of type `ty` as the outputs show it: money in yuan with exactly two decimals,
/// ratios as the shortest exact decimal, ints plainly, booleans `true`/`false`, dates
/// `YYYY-MM-DD`, enum variants by name, text as shown (masked when masked).
pub fn write_word(out: &mut String, program: &Program, texts: &TextTables<'_>, ty: Ty, word: Word) {
    match ty {
        Ty::Money(_) => write_fixed(out, word, 100, 2),
        Ty::Ratio => write_ratio(out, word),
        Ty::Int => {
            let _ = write!(out, "{word}");
        }
        Ty::Bool => out.push_str(if word != 0 { "true" } else { "false" }),
        Ty::Date => out.push_str(&date::format_iso(word)),
        Ty::Enum(id) => {
            let variant = program
                .enums
                .get(id.0 as usize)
                .and_then(|def| usize::try_from(word).ok().and_then(|index| def.variants.get(index)));
            match variant {
                Some(name) => out.push_str(name),
                None => {
                    let _ = write!(out, "#{word}");
                }
            }
        }
        Ty::Text => out.push_str(&texts.render(word)),
    }
}

/// A word as a new string; see [`write_word`].
pub fn word_to_string(program: &Program, texts: &TextTables<'_>, ty: Ty, word: Word) -> String {
    let mut out = String::new();
    write_word(&mut out, program, texts, ty, word);
    out
}

/// `value / scale` with exactly `decimals` decimals (scale = 10^decimals).
fn write_fixed(out: &mut String, value: Word, scale: u64, decimals: usize) {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:0decimals$}", magnitude / scale, magnitude % scale);
}

/// A ratio word as the shortest exact decimal: `0.15`, `1.3`, `1`.
fn write_ratio(out: &mut String, word: Word) {
    let sign = if word < 0 { "-" } else { "" };
    let magnitude = word.unsigned_abs();
    let scale = RATIO_SCALE.unsigned_abs();
    let whole = magnitude / scale;
    let fraction = magnitude % scale;
    let _ = write!(out, "{sign}{whole}");
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(value: Word) -> String {
        let mut out = String::new();
        write_fixed(&mut out, value, 100, 2);
        out
    }

    fn ratio(value: Word) -> String {
        let mut out = String::new();
        write_ratio(&mut out, value);
        out
    }

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(fixed(0), "0.00");
        assert_eq!(fixed(5), "0.05");
        assert_eq!(fixed(-5), "-0.05");
        assert_eq!(fixed(123_450), "1234.50");
        assert_eq!(fixed(Word::MIN), "-92233720368547758.08");
    }

    #[test]
    fn ratios_are_shortest_exact() {
        assert_eq!(ratio(150_000_000), "0.15");
        assert_eq!(ratio(1_300_000_000), "1.3");
        assert_eq!(ratio(1_000_000_000), "1");
        assert_eq!(ratio(-1), "-0.000000001");
    }
}
