//! Written values to words, exactly, and words back to text for messages.
//!
//! A number is read from its decimal text (never through `f64`): `4860.50` is the digits `486050`
//! with 2 decimals. [`Decimal::scaled`] turns it into a word with a given number of decimals (2 for
//! fen, 9 for ratios, 0 for ints), refusing any digit it would have to drop.

use crate::date;
use crate::tir::{Program, RATIO_SCALE, Ty, Word};
use pol_grammar::ast::{Currency, Period};

/// An exact decimal number as written: `-12.50` is `{ negative, digits: 1250, decimals: 2 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// A leading `-`.
    pub negative: bool,
    /// The digits without the point.
    pub digits: u128,
    /// How many digits follow the point.
    pub decimals: u32,
}

impl std::fmt::Display for Decimal {
    /// The number as written, without `_` separators.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        let magnitude = i128::try_from(self.digits).unwrap_or(i128::MAX);
        let text = decimal_text(magnitude, self.decimals);
        // `decimal_text` drops trailing zeros; keep the decimals as written.
        let text = match text.split_once('.') {
            Some((whole, fraction)) => format!("{whole}.{fraction:0<width$}", width = self.decimals as usize),
            None if self.decimals > 0 => format!("{text}.{}", "0".repeat(self.decimals as usize)),
            None => text,
        };
        write!(formatter, "{sign}{text}")
    }
}

/// The unit written after a number in a string value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `%`.
    Percent,
    /// `元`, `元/月`, `元/年` and the `yuan` spellings; `EUR/月` and the like.
    Money(Period, Currency),
}

/// Why a decimal does not become a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScaleError {
    /// More decimals than the target holds.
    TooPrecise,
    /// Beyond the 64-bit range.
    TooLarge,
}

impl Decimal {
    /// Parses `[+-]digits[.digits]`, with `_` between digits as TOML allows. Anything else
    /// (exponents, `inf`, a lone point) is `None`.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, text.get(1..)?),
            Some(b'+') => (false, text.get(1..)?),
            _ => (false, text),
        };
        let (whole, fraction) = match rest.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (rest, None),
        };
        let whole_digits = digits_of(whole)?;
        let mut digits = whole_digits.0;
        let mut decimals = 0;
        if let Some(fraction) = fraction {
            let (fraction_digits, count) = digits_of(fraction)?;
            decimals = count;
            digits = digits.checked_mul(10u128.checked_pow(count)?)?.checked_add(fraction_digits)?;
        }
        Some(Decimal { negative, digits, decimals })
    }

    /// A whole number.
    pub fn from_int(value: i64) -> Decimal {
        Decimal { negative: value < 0, digits: u128::from(value.unsigned_abs()), decimals: 0 }
    }

    /// The word `self × 10^scale`, exact.
    pub fn scaled(self, scale: u32) -> Result<Word, ScaleError> {
        if self.decimals > scale {
            // Trailing zeros written beyond the scale are still too many decimals: a money
            // literal has at most two, as in the language.
            return Err(ScaleError::TooPrecise);
        }
        let factor = 10u128.checked_pow(scale - self.decimals).ok_or(ScaleError::TooLarge)?;
        let magnitude = self.digits.checked_mul(factor).ok_or(ScaleError::TooLarge)?;
        let magnitude = i128::try_from(magnitude).map_err(|_| ScaleError::TooLarge)?;
        let signed = if self.negative { -magnitude } else { magnitude };
        Word::try_from(signed).map_err(|_| ScaleError::TooLarge)
    }
}

/// The value of a run of ASCII digits with single `_` between digits, and its length in digits.
fn digits_of(text: &str) -> Option<(u128, u32)> {
    if text.is_empty() || text.starts_with('_') || text.ends_with('_') || text.contains("__") {
        return None;
    }
    let mut value: u128 = 0;
    let mut count = 0u32;
    for byte in text.bytes() {
        match byte {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(u128::from(byte - b'0'))?;
                count += 1;
            }
            b'_' => {}
            _ => return None,
        }
    }
    Some((value, count))
}

/// Splits a string value into its number and unit: `"4860 元/年"`, `"12%"`, `"1.5"`.
/// Spaces around the number and between number and unit are allowed. `None` when the number or
/// the unit cannot be read.
pub(crate) fn split_unit(text: &str) -> Option<(Decimal, Option<Unit>)> {
    let text = text.trim();
    let number_end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '+')))
        .map_or(text.len(), |(index, _)| index);
    let number = Decimal::parse(text.get(..number_end)?)?;
    let unit_text = text.get(number_end..)?.trim_start();
    let unit = match unit_text {
        "" => None,
        "%" => Some(Unit::Percent),
        _ => {
            let currency = Currency::of_unit(unit_text)?;
            let period = match unit_text.split_once('/').map(|(_, per)| per) {
                None => Period::Lump,
                Some("月" | "month") => Period::Month,
                Some("年" | "year") => Period::Year,
                Some(_) => return None,
            };
            Some(Unit::Money(period, currency))
        }
    };
    Some((number, unit))
}

/// A percentage as a ratio word: `12.5%` is 0.125 × 10⁹.
pub(crate) fn percent_to_ratio(percent: Decimal) -> Result<Word, ScaleError> {
    // p% × 10⁹ = p × 10⁷: a percentage holds two decimals fewer than a ratio.
    percent.scaled(7)
}

/// The name of a type as a drafter writes it: `元/年`, `ratio`, an enum's name.
pub(crate) fn type_name(program: &Program, ty: Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Ratio => "ratio".into(),
        Ty::Money(period) => period_unit(program.currency, period),
        Ty::Date => "date".into(),
        Ty::Text => "text".into(),
        Ty::Enum(id) => program.enums.get(id.0 as usize).map_or_else(|| "enum".into(), |def| def.name.clone()),
    }
}

/// `元`, `元/月` or `元/年` (`EUR/月` in a policy whose currency is `EUR`).
pub(crate) fn period_unit(currency: Currency, period: Period) -> String {
    currency.unit(period)
}

/// A word as shown in a message: money `4,860.00`, ratios `15%` or `1.08`, dates ISO.
pub(crate) fn format_word(program: &Program, ty: Ty, word: Word) -> String {
    match ty {
        Ty::Bool => if word != 0 { "true" } else { "false" }.into(),
        Ty::Int => word.to_string(),
        Ty::Money(_) => format_money(word),
        Ty::Ratio => format_ratio(word),
        Ty::Date => date::format_iso(word),
        Ty::Text => "(text)".into(),
        Ty::Enum(id) => program
            .enums
            .get(id.0 as usize)
            .and_then(|def| def.variants.get(usize::try_from(word).ok()?))
            .map_or_else(|| word.to_string(), Clone::clone),
    }
}

/// [`format_word`] followed by the unit for money: `4,500.00 元/年`.
pub(crate) fn format_with_unit(program: &Program, ty: Ty, word: Word) -> String {
    match ty {
        Ty::Money(period) => format!("{} {}", format_money(word), period_unit(program.currency, period)),
        _ => format_word(program, ty, word),
    }
}

/// Fen as yuan with thousands separators and two decimals: `486000` → `4,860.00`.
pub(crate) fn format_money(fen: Word) -> String {
    let magnitude = fen.unsigned_abs();
    let yuan = group_thousands(magnitude / 100);
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{yuan}.{:02}", magnitude % 100)
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A ratio as a percentage (`110%`) or as a decimal (`1.1`), without trailing zeros.
pub(crate) fn format_ratio_as(word: Word, percent: bool) -> String {
    if percent { format!("{}%", decimal_text(i128::from(word), 7)) } else { decimal_text(i128::from(word), 9) }
}

/// What a value of a type is, for messages: `an amount in 元/年`, `a ratio`, `a whole number`.
pub(crate) fn type_phrase(program: &Program, ty: Ty) -> String {
    match ty {
        Ty::Money(period) => format!("an amount in {}", period_unit(program.currency, period)),
        Ty::Ratio => "a ratio".into(),
        Ty::Int => "a whole number".into(),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Date => "a date".into(),
        Ty::Text => "a text in quotes".into(),
        Ty::Enum(_) => format!("a value of `{}`", type_name(program, ty)),
    }
}

/// A ratio word between 0 and 1 as a percentage (`0.15` → `15%`), any other as a decimal
/// (`1.08`), without trailing zeros.
pub(crate) fn format_ratio(word: Word) -> String {
    format_ratio_as(word, (0..=RATIO_SCALE).contains(&word))
}

/// `value / 10^scale` in decimal without trailing zeros.
fn decimal_text(value: i128, scale: u32) -> String {
    let Some(divisor) = 10u128.checked_pow(scale) else { return value.to_string() };
    let magnitude = value.unsigned_abs();
    let whole = magnitude / divisor;
    let fraction = magnitude % divisor;
    let sign = if value < 0 { "-" } else { "" };
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = format!("{fraction:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", fraction.trim_end_matches('0'))
}

/// Fen as a plain yuan literal: `486000` → `4860`, `486050` → `4860.50`.
pub(crate) fn literal_text_money(fen: Word) -> String {
    let text = decimal_text(i128::from(fen), 2);
    match text.split_once('.') {
        Some((whole, fraction)) if fraction.len() == 1 => format!("{whole}.{fraction}0"),
        _ => text,
    }
}

/// A word written as a `.pol` literal would be (used to render constraints): money `4860` or
/// `4860.50`, ratios as in [`format_ratio`].
pub(crate) fn literal_text(program: &Program, ty: Ty, word: Word) -> String {
    match ty {
        Ty::Money(_) => literal_text_money(word),
        _ => format_word(program, ty, word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or(Decimal { negative: true, digits: 999, decimals: 99 })
    }

    #[test]
    fn decimals_scale_exactly() {
        assert_eq!(decimal("4860.50").scaled(2), Ok(486_050));
        assert_eq!(decimal("4860").scaled(2), Ok(486_000));
        assert_eq!(decimal("-0.05").scaled(2), Ok(-5));
        assert_eq!(decimal("1_000.5").scaled(2), Ok(100_050));
        assert_eq!(decimal("4860.505").scaled(2), Err(ScaleError::TooPrecise));
        assert_eq!(decimal("0.123456789").scaled(9), Ok(123_456_789));
        assert_eq!(decimal("0.1234567891").scaled(9), Err(ScaleError::TooPrecise));
        assert_eq!(decimal("99999999999999999999").scaled(2), Err(ScaleError::TooLarge));
        assert_eq!(Decimal::from_int(-7).scaled(2), Ok(-700));
        assert_eq!(Decimal::from_int(i64::MIN).scaled(0), Ok(i64::MIN));
        for bad in ["", "1e3", "inf", "nan", ".5", "5.", "1__0", "_1", "1.2.3", "+-1"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn units_split() {
        assert_eq!(split_unit("4860 元/年"), Some((decimal("4860"), Some(Unit::Money(Period::Year, Currency::Yuan)))));
        assert_eq!(
            split_unit("405yuan/month"),
            Some((decimal("405"), Some(Unit::Money(Period::Month, Currency::Yuan))))
        );
        assert_eq!(split_unit("12%"), Some((decimal("12"), Some(Unit::Percent))));
        assert_eq!(split_unit("1.5"), Some((decimal("1.5"), None)));
        assert_eq!(split_unit("12 个月"), None);
        assert_eq!(split_unit("abc"), None);
        assert_eq!(percent_to_ratio(decimal("12.5")), Ok(125_000_000));
    }

    #[test]
    fn words_format_for_messages() {
        assert_eq!(format_money(486_000), "4,860.00");
        assert_eq!(format_money(-5), "-0.05");
        assert_eq!(format_money(123_456_789), "1,234,567.89");
        assert_eq!(format_ratio(150_000_000), "15%");
        assert_eq!(format_ratio(125_000_000), "12.5%");
        assert_eq!(format_ratio(1_080_000_000), "1.08");
        assert_eq!(format_ratio(RATIO_SCALE), "100%");
        assert_eq!(format_ratio(-500_000_000), "-0.5");
        assert_eq!(format_ratio_as(1_100_000_000, true), "110%");
        assert_eq!(format_ratio_as(100_000_000, false), "0.1");
    }
}
