//! Exact arithmetic on words, defined once for both engines.
//!
//! Every function returns an error when the result does not fit in an `i64` or a divisor is zero;
//! the caller turns that into an evaluation error naming the household. Rounding is always half
//! away from zero (四舍五入) on the exact `i128` quotient.

use crate::tir::{Bracket, RATIO_SCALE, Word};

/// Why an operation has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithError {
    /// The result does not fit in 64 bits.
    Overflow,
    /// A division by zero.
    DivisionByZero,
}

/// `round(numerator / denominator)`, half away from zero, exact.
pub fn div_round_i128(numerator: i128, denominator: i128) -> Result<Word, ArithError> {
    if denominator == 0 {
        return Err(ArithError::DivisionByZero);
    }
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    // |remainder| * 2 >= |denominator| rounds away from zero. No overflow: |remainder| < |denominator| <= 2^64.
    let rounded = if remainder.unsigned_abs() * 2 >= denominator.unsigned_abs() {
        if (numerator < 0) != (denominator < 0) { quotient - 1 } else { quotient + 1 }
    } else {
        quotient
    };
    Word::try_from(rounded).map_err(|_| ArithError::Overflow)
}

/// Checked `a + b`.
pub fn add(a: Word, b: Word) -> Result<Word, ArithError> {
    a.checked_add(b).ok_or(ArithError::Overflow)
}

/// Checked `a - b`.
pub fn sub(a: Word, b: Word) -> Result<Word, ArithError> {
    a.checked_sub(b).ok_or(ArithError::Overflow)
}

/// Checked `a * b`.
pub fn mul(a: Word, b: Word) -> Result<Word, ArithError> {
    a.checked_mul(b).ok_or(ArithError::Overflow)
}

/// Checked `-a`.
pub fn neg(a: Word) -> Result<Word, ArithError> {
    a.checked_neg().ok_or(ArithError::Overflow)
}

/// `round(a × b / 10⁹)`: money × ratio rounded to the fen; ratio × ratio rounded to 9 decimals.
pub fn mul_scaled(a: Word, b: Word) -> Result<Word, ArithError> {
    div_round_i128(i128::from(a) * i128::from(b), i128::from(RATIO_SCALE))
}

/// `round(a / b)`: money ÷ int rounded to the fen.
pub fn div_round(a: Word, b: Word) -> Result<Word, ArithError> {
    div_round_i128(i128::from(a), i128::from(b))
}

/// `round(a × 10⁹ / b)`: money ÷ ratio, money ÷ money, int ÷ int.
pub fn div_scaled(a: Word, b: Word) -> Result<Word, ArithError> {
    div_round_i128(i128::from(a) * i128::from(RATIO_SCALE), i128::from(b))
}

/// A marginal-rate scale applied to `x`: Σ rate × (the part of `x` between a bracket's
/// threshold and the next one's), summed exactly in `i128` and rounded once, half away from zero
/// (`brackets` have increasing thresholds; their values are rates, ratio words). Nothing of
/// `x` at or below the first threshold is taxed, so `x` below it gives 0.
pub fn marginal(brackets: &[Bracket], x: Word) -> Result<Word, ArithError> {
    let mut total: i128 = 0;
    for (index, bracket) in brackets.iter().enumerate() {
        if x <= bracket.threshold {
            break;
        }
        let upper = brackets.get(index + 1).map_or(x, |next| x.min(next.threshold));
        let part = i128::from(upper) - i128::from(bracket.threshold);
        let taxed = part.checked_mul(i128::from(bracket.value)).ok_or(ArithError::Overflow)?;
        total = total.checked_add(taxed).ok_or(ArithError::Overflow)?;
    }
    div_round_i128(total, i128::from(RATIO_SCALE))
}

/// A marginal-amount scale applied to `x` (OpenFisca's "marginal amount"): the sum of the
/// amounts of every bracket whose threshold is strictly below `x` (`brackets` have increasing
/// thresholds; their values are amounts). `x` at or below the first threshold gives 0; a sum
/// beyond 64 bits is an overflow. Amounts are added exactly: there is nothing to round.
pub fn marginal_amount(brackets: &[Bracket], x: Word) -> Result<Word, ArithError> {
    let mut total: Word = 0;
    for bracket in brackets.iter().take_while(|bracket| bracket.threshold < x) {
        total = add(total, bracket.value)?;
    }
    Ok(total)
}

/// Months in a year: a monthly amount's annual total is 12 times it.
pub const MONTHS_PER_YEAR: i64 = 12;

/// The annual total of an exact sum of monthly amounts: × [`MONTHS_PER_YEAR`], exact.
pub fn monthly_to_annual(total: i128) -> Result<i128, ArithError> {
    total.checked_mul(i128::from(MONTHS_PER_YEAR)).ok_or(ArithError::Overflow)
}

/// A ratio of two exact sums (a report's rate): `round(numerator × 10⁹ / denominator)`, half
/// away from zero, as a ratio word: the same rounding as every division of the language.
pub fn ratio_of_sums(numerator: i128, denominator: i128) -> Result<Word, ArithError> {
    let scaled = numerator.checked_mul(i128::from(RATIO_SCALE)).ok_or(ArithError::Overflow)?;
    div_round_i128(scaled, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brackets from (threshold, value) pairs.
    fn brackets(pairs: &[(Word, Word)]) -> Vec<Bracket> {
        pairs.iter().map(|(threshold, value)| Bracket { threshold: *threshold, value: *value }).collect()
    }

    /// Fen and ratio words for readable tests.
    fn ratio(percent_times_100: i64) -> Word {
        percent_times_100 * RATIO_SCALE / 10_000
    }

    #[test]
    fn spec_rounding_examples() {
        // 387.50 × 15% = 58.125 → 58.13
        assert_eq!(mul_scaled(38_750, ratio(1_500)), Ok(5_813));
        // 4,760 ÷ 12 = 396.666… → 396.67
        assert_eq!(div_round(476_000, 12), Ok(39_667));
        // 396.67 × 15% = 59.5005 → 59.50
        assert_eq!(mul_scaled(39_667, ratio(1_500)), Ok(5_950));
    }

    #[test]
    fn rounds_half_away_from_zero_both_signs() {
        assert_eq!(div_round(5, 2), Ok(3));
        assert_eq!(div_round(-5, 2), Ok(-3));
        assert_eq!(div_round(5, -2), Ok(-3));
        assert_eq!(div_round(-5, -2), Ok(3));
        assert_eq!(div_round(4, 3), Ok(1));
        assert_eq!(div_round(-4, 3), Ok(-1));
    }

    #[test]
    fn report_totals_and_rates() {
        assert_eq!(monthly_to_annual(39_667), Ok(476_004));
        assert_eq!(monthly_to_annual(i128::MAX / 2), Err(ArithError::Overflow));
        // 2 ÷ 3 = 0.666666666|67 → 0.666666667; −2 ÷ 3 rounds away from zero too.
        assert_eq!(ratio_of_sums(2, 3), Ok(666_666_667));
        assert_eq!(ratio_of_sums(-2, 3), Ok(-666_666_667));
        assert_eq!(ratio_of_sums(1, 0), Err(ArithError::DivisionByZero));
        assert_eq!(ratio_of_sums(i128::MAX, 1), Err(ArithError::Overflow));
    }

    #[test]
    fn marginal_amount_adds_the_amounts_of_the_brackets_strictly_below() {
        // OpenFisca's country template, parameters/benefits/swimming_pool_access_cost_increase.yaml
        // and tests/swimming_pool_access.yaml: 0:0, 249:1, 499:1, 999:2 (amounts in fen here).
        let scale = brackets(&[(0, 0), (24_900, 100), (49_900, 100), (99_900, 200)]);
        let incomes = [0, 24_900, 25_000, 49_900, 50_000, 100_000];
        let expected = [0, 0, 100, 100, 200, 400];
        for (income, amount) in incomes.into_iter().zip(expected) {
            assert_eq!(marginal_amount(&scale, income), Ok(amount), "income {income}");
        }
        assert_eq!(marginal_amount(&scale, -5), Ok(0));
        assert_eq!(marginal_amount(&brackets(&[(10, 7)]), 10), Ok(0));
        assert_eq!(marginal_amount(&brackets(&[(10, 7)]), 11), Ok(7));
        assert_eq!(marginal_amount(&brackets(&[(0, Word::MAX), (1, 1)]), 5), Err(ArithError::Overflow));
    }

    #[test]
    fn marginal_sums_each_bracket_and_rounds_once() {
        // OpenFisca's social security contribution of 2017: 2% from 0, 6% from 6,000, 12% from 12,400.
        let scale = brackets(&[(0, ratio(200)), (600_000, ratio(600)), (1_240_000, ratio(1_200))]);
        assert_eq!(marginal(&scale, 0), Ok(0));
        assert_eq!(marginal(&scale, -100), Ok(0));
        assert_eq!(marginal(&scale, 600_000), Ok(12_000));
        assert_eq!(marginal(&scale, 1_240_000), Ok(12_000 + 38_400));
        assert_eq!(marginal(&scale, 2_000_000), Ok(12_000 + 38_400 + 91_200));
        // 0.01 at 2% and 0.01 at 6%: 0.0002 + … each rounds to 0 alone, the sum rounds once.
        let halves = brackets(&[(0, RATIO_SCALE / 4), (1, RATIO_SCALE / 4)]);
        assert_eq!(marginal(&halves, 2), Ok(1));
        assert_eq!(marginal(&brackets(&[(0, RATIO_SCALE)]), Word::MAX), Ok(Word::MAX));
        assert_eq!(marginal(&brackets(&[(-1, 2 * RATIO_SCALE)]), Word::MAX), Err(ArithError::Overflow));
        // Below a first threshold above zero nothing is taxed.
        assert_eq!(marginal(&brackets(&[(100, RATIO_SCALE)]), 50), Ok(0));
        assert_eq!(marginal(&brackets(&[(100, RATIO_SCALE)]), 150), Ok(50));
    }

    #[test]
    fn overflow_and_zero_are_errors() {
        assert_eq!(add(Word::MAX, 1), Err(ArithError::Overflow));
        assert_eq!(mul(Word::MAX / 2, 3), Err(ArithError::Overflow));
        assert_eq!(div_round(1, 0), Err(ArithError::DivisionByZero));
        assert_eq!(div_scaled(Word::MAX, 1), Err(ArithError::Overflow));
        assert_eq!(neg(Word::MIN), Err(ArithError::Overflow));
        assert_eq!(div_round(Word::MIN, -1), Err(ArithError::Overflow));
    }
}
