//! The decimal pattern of input cells, a leaf both the typer (`fields`) and the readers that
//! turn a cell's text into another (`input::jsonl`: a year's total into a month's share) use:
//! `^[0-9]+(\.[0-9]{1,d})?$` scaled by `10^d`, nothing else (no sign, no exponent, no spaces).

use crate::error::RuntimeError;
use pol_compiler::tir::Word;

/// A month's share of a year's money total (`salary@2017`): the total's fen divided by 12,
/// rounded half away from zero to the fen (docs/language.md#periods), for every reader of year
/// totals. A division by 12 cannot fail; an error would be a bug, reported as one.
pub(crate) fn month_share(total: Word) -> Result<Word, RuntimeError> {
    pol_compiler::arith::div_round(total, 12).map_err(|_| RuntimeError::internal("a year's total divided by 12"))
}

/// The result of reading `^[0-9]+(\.[0-9]{1,d})?$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decimal {
    /// The number × 10^d.
    Value(Word),
    /// The text does not have the pattern.
    Shape,
    /// It has the pattern but does not fit in 64 bits.
    TooLarge,
}

impl Decimal {
    /// The value, if the text is one.
    #[inline(always)]
    pub(crate) fn value(self) -> Option<Word> {
        match self {
            Decimal::Value(value) => Some(value),
            Decimal::Shape | Decimal::TooLarge => None,
        }
    }
}

/// The fen of a money cell's text when it is one (the pattern `fields::FieldTyper::type_cell` accepts),
/// else `None`, leaving the reason to `type_cell`.
pub(crate) fn money_fen(text: &[u8]) -> Option<Word> {
    parse_decimal(text, 2).value()
}

/// Reads `^[0-9]+(\.[0-9]{1,decimals})?$` scaled by `10^decimals` (`decimals` = 0: no point).
pub(crate) fn parse_decimal(text: &[u8], decimals: u32) -> Decimal {
    let (whole, fraction) = match text.iter().position(|byte| *byte == b'.') {
        Some(point) if decimals > 0 => (text.get(..point).unwrap_or(&[]), Some(text.get(point + 1..).unwrap_or(&[]))),
        _ => (text, None),
    };
    if whole.is_empty() || !whole.iter().all(u8::is_ascii_digit) {
        return Decimal::Shape;
    }
    if let Some(fraction) = fraction
        && (fraction.is_empty() || fraction.len() > decimals as usize || !fraction.iter().all(u8::is_ascii_digit))
    {
        return Decimal::Shape;
    }
    let mut value: Word = 0;
    for digit in whole {
        match value.checked_mul(10).and_then(|value| value.checked_add(Word::from(digit - b'0'))) {
            Some(next) => value = next,
            None => return Decimal::TooLarge,
        }
    }
    let fraction = fraction.unwrap_or(&[]);
    for index in 0..decimals as usize {
        let digit = fraction.get(index).map_or(0, |digit| Word::from(digit - b'0'));
        match value.checked_mul(10).and_then(|value| value.checked_add(digit)) {
            Some(next) => value = next,
            None => return Decimal::TooLarge,
        }
    }
    Decimal::Value(value)
}
