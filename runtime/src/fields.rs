//! Typing one input cell by its column's declaration (spec section 7), the same for every input
//! format. Fields must match exactly, with no trimming:
//!
//! | column type | accepted text | word |
//! |---|---|---|
//! | money (`元`, `元/月`, `元/年`) | `^[0-9]+(\.[0-9]{1,2})?$` yuan | fen |
//! | `int` | `^[0-9]+$`, within the declared range (else within 64 bits) | the integer |
//! | `ratio` | `^[0-9]+(\.[0-9]{1,9})?$` | the decimal × 10⁹ |
//! | `bool` | `true` or `false` | 1 or 0 |
//! | `date` | a real day `YYYY-MM-DD` | days since 1970-01-01 |
//! | enum | one of the variant names | the variant's index |
//! | `county` | a county code of `jurisdictions.csv` | the county's index |
//! | `key`, `household`, `text` | any text (empty included) | a text handle |
//!
//! A failure is a reason such as ``` `4500元` is not an amount in yuan with at most two decimals ```,
//! written to `rejects.csv` as `bad annual_income: …`.

use crate::decimal::{Decimal, parse_decimal};
use crate::hash::{BuildIdentity, hash_bytes};
use crate::input::Cell;
use pol_compiler::date;
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{Column, ColumnTy, Program, RATIO_SCALE, Ty, Word};
use std::collections::HashMap;

/// What a well-formed cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typed {
    /// A value.
    Word(Word),
    /// Text (a key, a household reference or a text column): the caller stores it.
    Text,
}

/// Types cells against one program's columns.
#[derive(Debug)]
pub(crate) struct FieldTyper<'p> {
    program: &'p Program,
    /// County index by the hash of its code.
    counties: HashMap<u64, usize, BuildIdentity>,
    codes: Vec<&'p [u8]>,
    /// The variants of each enum of the program, for matching cells.
    variants: Vec<Variants<'p>>,
}

/// The first eight bytes of `base[start..end]` as a little-endian word, zero past the cell's
/// end: one load (and a mask) when `base` has eight bytes from `start`, which it has for every
/// cell but the last few bytes of a table.
#[inline(always)]
pub(crate) fn head_word(base: &[u8], start: usize, end: usize) -> u64 {
    let len = end.saturating_sub(start);
    let word = match base.get(start..start + 8) {
        Some(bytes) => {
            let mut array = [0u8; 8];
            array.copy_from_slice(bytes);
            u64::from_le_bytes(array)
        }
        None => {
            let mut array = [0u8; 8];
            for (slot, byte) in array.iter_mut().zip(base.get(start..end).unwrap_or(&[])) {
                *slot = *byte;
            }
            u64::from_le_bytes(array)
        }
    };
    word & HEAD_MASKS.get(len).copied().unwrap_or(u64::MAX)
}

/// `HEAD_MASKS[n]` keeps the low `n` bytes of a word.
const HEAD_MASKS: [u64; 9] =
    [0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF, 0xFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF, 0xFF_FFFF_FFFF_FFFF, u64::MAX];

const TRUE_WORD: u64 = u64::from_le_bytes(*b"true\0\0\0\0");
const FALSE_WORD: u64 = u64::from_le_bytes(*b"false\0\0\0");

/// `true` → 1 and `false` → 0, from the cell's [`head_word`] and length, without branching on
/// the value.
#[inline(always)]
fn bool_word(head: u64, len: usize) -> Option<Word> {
    let is_true = (head == TRUE_WORD) & (len == 4);
    let is_false = (head == FALSE_WORD) & (len == 5);
    (is_true | is_false).then_some(Word::from(is_true))
}

/// The variant names of one enum, matched by their first eight bytes and length.
#[derive(Debug)]
struct Variants<'p> {
    names: Vec<&'p [u8]>,
    heads: Vec<(u64, usize)>,
    /// Whether no two variants share their length and first eight bytes (so the head decides).
    heads_differ: bool,
}

impl<'p> Variants<'p> {
    fn new(names: Vec<&'p [u8]>) -> Variants<'p> {
        let heads: Vec<(u64, usize)> = names.iter().map(|name| (head_word(name, 0, name.len()), name.len())).collect();
        let heads_differ =
            heads.iter().enumerate().all(|(index, head)| !heads.get(..index).unwrap_or(&[]).contains(head));
        Variants { names, heads, heads_differ }
    }

    /// The index of the variant `text` (whose [`head_word`] is `head`). Every variant is
    /// compared, without an early exit, so the branch does not depend on which variant it is.
    #[inline(always)]
    fn find(&self, head: u64, text: &[u8]) -> Option<Word> {
        if !self.heads_differ {
            return self.names.iter().position(|name| *name == text).map(|index| index as Word);
        }
        let len = text.len();
        let mut found = usize::MAX;
        for (index, (variant_head, variant_len)) in self.heads.iter().enumerate() {
            let hit = (*variant_head == head) & (*variant_len == len);
            found = if hit { index } else { found };
        }
        if found == usize::MAX {
            return None;
        }
        if len > 8 && self.names.get(found)?.get(8..) != text.get(8..) {
            return None;
        }
        Some(found as Word)
    }
}

/// What a column holds, resolved once per column for the typing loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// Any text: a key, a household reference or a text column.
    Text,
    /// A county code.
    County,
    /// Money (fen).
    Money,
    /// A ratio (× 10⁹).
    Ratio,
    /// An integer, with its inclusive range.
    Int(Option<(i64, i64)>),
    /// `true` or `false`.
    Bool,
    /// A day.
    Date,
    /// A variant of an enum (its index in `Program::enums`).
    Enum(usize),
}

impl ColumnKind {
    /// The kind of a column.
    pub(crate) fn of(column: &Column) -> ColumnKind {
        match column.ty {
            ColumnTy::Key | ColumnTy::HouseholdRef | ColumnTy::Value(Ty::Text) => ColumnKind::Text,
            ColumnTy::County => ColumnKind::County,
            ColumnTy::Value(Ty::Money(_)) => ColumnKind::Money,
            ColumnTy::Value(Ty::Ratio) => ColumnKind::Ratio,
            ColumnTy::Value(Ty::Int) => ColumnKind::Int(column.range),
            ColumnTy::Value(Ty::Bool) => ColumnKind::Bool,
            ColumnTy::Value(Ty::Date) => ColumnKind::Date,
            ColumnTy::Value(Ty::Enum(id)) => ColumnKind::Enum(id.0 as usize),
        }
    }
}

impl<'p> FieldTyper<'p> {
    /// The word of a well-formed cell of a column of `kind` (not text) whose first eight bytes
    /// are `head` (see [`head_word`]), or `None` when the cell is not well formed
    /// ([`FieldTyper::type_cell`] then says why). The fast path of typing: callers type a
    /// column at a time, so `kind` is the same from call to call and its branch is predicted.
    #[inline(always)]
    pub(crate) fn word(&self, kind: ColumnKind, head: u64, text: &[u8]) -> Option<Word> {
        match kind {
            ColumnKind::Bool => bool_word(head, text.len()),
            ColumnKind::Enum(id) => self.variants.get(id)?.find(head, text),
            ColumnKind::Money => parse_decimal(text, 2).value(),
            ColumnKind::Ratio => parse_decimal(text, 9).value(),
            ColumnKind::Int(range) => parse_decimal(text, 0)
                .value()
                .filter(|value| range.is_none_or(|(low, high)| (low..=high).contains(value))),
            ColumnKind::Date => parse_day(text),
            ColumnKind::County => {
                let index = *self.counties.get(&hash_bytes(text))?;
                (self.codes.get(index) == Some(&text)).then_some(index as Word)
            }
            ColumnKind::Text => None,
        }
    }

    /// A typer for `program` with the county codes of `jurisdictions`.
    pub(crate) fn new(program: &'p Program, jurisdictions: &'p JurisdictionTable) -> FieldTyper<'p> {
        let mut counties = HashMap::with_capacity_and_hasher(jurisdictions.counties.len(), BuildIdentity::default());
        for (index, county) in jurisdictions.counties.iter().enumerate() {
            counties.entry(hash_bytes(county.code.as_bytes())).or_insert(index);
        }
        let codes = jurisdictions.counties.iter().map(|county| county.code.as_bytes()).collect();
        let variants = program
            .enums
            .iter()
            .map(|def| Variants::new(def.variants.iter().map(|variant| variant.as_bytes()).collect()))
            .collect();
        FieldTyper { program, counties, codes, variants }
    }

    /// Types one cell of `column` (already checked to be UTF-8); the error is the reason.
    pub(crate) fn type_cell(&self, column: &Column, cell: Cell<'_>) -> Result<Typed, String> {
        let text = match cell {
            Cell::Text(text) => text,
            Cell::Missing => return Err("missing".to_string()),
            Cell::NotScalar => return Err("not a string, number or boolean".to_string()),
        };
        let shown = || String::from_utf8_lossy(text);
        match column.ty {
            ColumnTy::Key | ColumnTy::HouseholdRef | ColumnTy::Value(Ty::Text) => {
                crate::text_rules::text_problem(text).map_or(Ok(Typed::Text), Err)
            }
            ColumnTy::County => match self.counties.get(&hash_bytes(text)) {
                Some(index) if self.codes.get(*index) == Some(&text) => Ok(Typed::Word(*index as Word)),
                _ => Err(format!("`{}` is not a county of jurisdictions.csv", shown())),
            },
            ColumnTy::Value(Ty::Money(_)) => match parse_decimal(text, 2) {
                Decimal::Value(fen) => Ok(Typed::Word(fen)),
                Decimal::Shape => {
                    // `yuan` as Shaanxi's reasons have always said it; another currency by its code.
                    let currency = match self.program.currency {
                        pol_grammar::ast::Currency::Yuan => "yuan".to_string(),
                        other @ pol_grammar::ast::Currency::Code(_) => other.name(),
                    };
                    Err(format!("`{}` is not an amount in {currency} with at most two decimals", shown()))
                }
                Decimal::TooLarge => Err(format!("`{}` is too large", shown())),
            },
            ColumnTy::Value(Ty::Ratio) => match parse_decimal(text, 9) {
                Decimal::Value(word) => Ok(Typed::Word(word)),
                Decimal::Shape => Err(format!("`{}` is not a decimal number with at most nine decimals", shown())),
                Decimal::TooLarge => Err(format!("`{}` is too large", shown())),
            },
            ColumnTy::Value(Ty::Int) => match (parse_decimal(text, 0), column.range) {
                (Decimal::Value(value), Some((low, high))) if value < low || value > high => {
                    Err(format!("`{}` is not a whole number from {low} to {high}", shown()))
                }
                (Decimal::Value(value), _) => Ok(Typed::Word(value)),
                (Decimal::TooLarge, Some((low, high))) => {
                    Err(format!("`{}` is not a whole number from {low} to {high}", shown()))
                }
                (Decimal::TooLarge, None) => Err(format!("`{}` is too large", shown())),
                (Decimal::Shape, _) => Err(format!("`{}` is not a whole number", shown())),
            },
            ColumnTy::Value(Ty::Bool) => match text {
                b"true" => Ok(Typed::Word(1)),
                b"false" => Ok(Typed::Word(0)),
                _ => Err(format!("`{}` is not `true` or `false`", shown())),
            },
            ColumnTy::Value(Ty::Date) => parse_day(text)
                .map(Typed::Word)
                .ok_or_else(|| format!("`{}` is not a real day written YYYY-MM-DD", shown())),
            ColumnTy::Value(Ty::Enum(id)) => {
                let variants = self.program.enums.get(id.0 as usize).map_or(&[][..], |def| def.variants.as_slice());
                match variants.iter().position(|variant| variant.as_bytes() == text) {
                    Some(index) => Ok(Typed::Word(index as Word)),
                    None => {
                        let words: Vec<String> = variants.iter().map(|variant| format!("`{variant}`")).collect();
                        Err(format!("`{}` is not one of {}", shown(), words.join(", ")))
                    }
                }
            }
        }
    }
}

/// Reads exactly `YYYY-MM-DD` (a real day), like [`date::parse_iso`], from bytes.
fn parse_day(text: &[u8]) -> Option<Word> {
    let &[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = text else { return None };
    let digit = |byte: u8| byte.is_ascii_digit().then(|| u32::from(byte - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    let month = digit(m1)? * 10 + digit(m2)?;
    let day = digit(d1)? * 10 + digit(d2)?;
    date::from_ymd(i64::from(year), month, day)
}

const _: () = assert!(RATIO_SCALE == 1_000_000_000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_patterns() {
        assert_eq!(parse_decimal(b"4500", 2), Decimal::Value(450_000));
        assert_eq!(parse_decimal(b"4500.5", 2), Decimal::Value(450_050));
        assert_eq!(parse_decimal(b"0.05", 2), Decimal::Value(5));
        for bad in [&b"4523.456"[..], b"-350.00", b" 4500", b"4500 ", b"4500.", b".5", b"", b"1e3", b"4500\xe5\x85\x83"]
        {
            assert_eq!(parse_decimal(bad, 2), Decimal::Shape, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_decimal(b"92233720368547758.07", 2), Decimal::Value(Word::MAX));
        assert_eq!(parse_decimal(b"92233720368547758.08", 2), Decimal::TooLarge);
        assert_eq!(parse_decimal(b"12", 0), Decimal::Value(12));
        assert_eq!(parse_decimal(b"1.0", 0), Decimal::Shape);
        assert_eq!(parse_decimal(b"0.150000000", 9), Decimal::Value(150_000_000));
        assert_eq!(parse_decimal(b"1.3", 9), Decimal::Value(1_300_000_000));
    }

    #[test]
    fn heads_read_eight_bytes_or_fewer_anywhere() {
        let base = b"true,false,institution";
        assert_eq!(head_word(base, 0, 4), u64::from_le_bytes(*b"true\0\0\0\0"));
        assert_eq!(head_word(base, 5, 10), u64::from_le_bytes(*b"false\0\0\0"));
        // The last cell has fewer than eight bytes after its start: read without running over.
        assert_eq!(head_word(base, 19, 22), u64::from_le_bytes(*b"ion\0\0\0\0\0"));
        assert_eq!(head_word(base, 11, 22), u64::from_le_bytes(*b"institut"));
        assert_eq!(head_word(base, 4, 4), 0);
    }

    #[test]
    fn booleans_and_variants_match_exactly() {
        let word = |text: &[u8]| bool_word(head_word(text, 0, text.len()), text.len());
        assert_eq!(word(b"true"), Some(1));
        assert_eq!(word(b"false"), Some(0));
        for bad in [&b"True"[..], b"tru", b"true\0", b"falsey", b"", b"1"] {
            assert_eq!(word(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        let names: Vec<&[u8]> = vec![b"home", b"institution", b"institutional", "集中供养".as_bytes()];
        let variants = Variants::new(names.clone());
        assert!(variants.heads_differ);
        let find = |variants: &Variants<'_>, text: &[u8]| variants.find(head_word(text, 0, text.len()), text);
        for (index, name) in names.iter().enumerate() {
            assert_eq!(find(&variants, name), Some(index as Word));
        }
        for bad in [&b"hom"[..], b"homes", b"institutiom", b"institutionaX", b"", "集中".as_bytes()] {
            assert_eq!(find(&variants, bad), None, "{}", String::from_utf8_lossy(bad));
        }
        // Two variants with the same length and first eight bytes: matched by the whole name.
        let names: Vec<&[u8]> = vec![b"category_a", b"category_b"];
        let variants = Variants::new(names);
        assert!(!variants.heads_differ);
        assert_eq!(find(&variants, b"category_b"), Some(1));
        assert_eq!(find(&variants, b"category_c"), None);
    }

    #[test]
    fn days_parse_like_the_compiler_parses_them() {
        for text in [
            "2019-07-01",
            "2000-02-29",
            "2019-02-29",
            "2019-13-01",
            "2019-7-01",
            " 2019-07-01",
            "2019/07/01",
            "0000-01-01",
            "9999-12-31",
            "2019-04-31",
            "20190701",
            "",
        ] {
            assert_eq!(parse_day(text.as_bytes()), date::parse_iso(text), "{text}");
        }
    }
}
