//! The meaning of the IR's operators on words, defined once: the interpreter, parameter
//! resolution (`params`) and everything that evaluates an expression outside a household (a
//! report rate's `where`) call these. The JIT translates the same operators into machine code and
//! is tested against the interpreter, which calls these.
//!
//! Evaluation order and short-circuiting are the caller's: [`short_circuit`] says when `and` /
//! `or` is decided by its left operand, and only otherwise does the caller evaluate the right
//! one and call [`eval_binary`].

use crate::arith::{self, ArithError};
use crate::date;
use crate::text::TextTables;
use crate::tir::{BinOp, Bracket, Pat, ScaleKind, UnOp, Word};

/// A scale applied to `x`: `marginal` of rates sums rate × the part of `x` in each bracket
/// ([`arith::marginal`], rounded once); `marginal` of amounts sums the amounts of the brackets
/// whose threshold is strictly below `x` ([`arith::marginal_amount`]); `bracket` is the value of
/// the highest bracket whose threshold is at most `x` (thresholds inclusive, as OpenFisca's), 0
/// below the first.
pub fn apply_scale(kind: ScaleKind, brackets: &[Bracket], x: Word) -> Result<Word, ArithError> {
    match kind {
        ScaleKind::Marginal => arith::marginal(brackets, x),
        ScaleKind::MarginalAmount => arith::marginal_amount(brackets, x),
        ScaleKind::Bracket => {
            Ok(brackets.iter().rev().find(|bracket| bracket.threshold <= x).map_or(0, |bracket| bracket.value))
        }
    }
}

/// The value of a unary operation.
pub fn eval_unary(op: UnOp, operand: Word) -> Result<Word, ArithError> {
    match op {
        UnOp::Not => Ok(Word::from(operand == 0)),
        UnOp::Neg => arith::neg(operand),
    }
}

/// The value of `left op …` when the left operand decides it alone (`false and …`, `true or
/// …`): the right operand is then not evaluated.
pub fn short_circuit(op: BinOp, left: Word) -> Option<Word> {
    match op {
        BinOp::And if left == 0 => Some(0),
        BinOp::Or if left != 0 => Some(1),
        BinOp::Add
        | BinOp::Sub
        | BinOp::Mul
        | BinOp::MulScaled
        | BinOp::DivRound
        | BinOp::DivScaled
        | BinOp::Min
        | BinOp::Max
        | BinOp::Eq
        | BinOp::Ne
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::TextEq
        | BinOp::TextNe
        | BinOp::And
        | BinOp::Or
        | BinOp::YearsBetween => None,
    }
}

/// The value of a binary operation on two evaluated operands. For `and` / `or` it is the value
/// when [`short_circuit`] did not decide: the right operand's truth.
pub fn eval_binary(op: BinOp, left: Word, right: Word, texts: &TextTables<'_>) -> Result<Word, ArithError> {
    match op {
        BinOp::Add => arith::add(left, right),
        BinOp::Sub => arith::sub(left, right),
        BinOp::Mul => arith::mul(left, right),
        BinOp::MulScaled => arith::mul_scaled(left, right),
        BinOp::DivRound => arith::div_round(left, right),
        BinOp::DivScaled => arith::div_scaled(left, right),
        BinOp::Min => Ok(left.min(right)),
        BinOp::Max => Ok(left.max(right)),
        BinOp::Eq => Ok(Word::from(left == right)),
        BinOp::Ne => Ok(Word::from(left != right)),
        BinOp::Lt => Ok(Word::from(left < right)),
        BinOp::Le => Ok(Word::from(left <= right)),
        BinOp::Gt => Ok(Word::from(left > right)),
        BinOp::Ge => Ok(Word::from(left >= right)),
        BinOp::TextEq => Ok(Word::from(texts.equal(left, right))),
        BinOp::TextNe => Ok(Word::from(!texts.equal(left, right))),
        BinOp::And | BinOp::Or => Ok(Word::from(right != 0)),
        BinOp::YearsBetween => Ok(date::years_between(left, right)),
    }
}

/// Whether a match arm's pattern holds for a word.
pub fn pattern_matches(pattern: Pat, value: Word) -> bool {
    match pattern {
        Pat::Eq(word) => value == word,
        Pat::Range(low, high) => value >= low && high.is_none_or(|high| value <= high),
        Pat::Any => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> TextTables<'static> {
        TextTables { literals: &[], batch: &crate::text::NO_TEXTS, jurisdiction: &[] }
    }

    #[test]
    fn and_or_decide_on_the_left_only_when_they_can() {
        assert_eq!(short_circuit(BinOp::And, 0), Some(0));
        assert_eq!(short_circuit(BinOp::And, 1), None);
        assert_eq!(short_circuit(BinOp::Or, 1), Some(1));
        assert_eq!(short_circuit(BinOp::Or, 0), None);
        assert_eq!(short_circuit(BinOp::Add, 0), None);
        assert_eq!(eval_binary(BinOp::And, 1, 0, &texts()), Ok(0));
        assert_eq!(eval_binary(BinOp::Or, 0, 7, &texts()), Ok(1));
    }

    #[test]
    fn arithmetic_is_the_checked_arith_module() {
        assert_eq!(eval_binary(BinOp::DivRound, 476_000, 12, &texts()), Ok(39_667));
        assert_eq!(eval_binary(BinOp::DivScaled, 1, 0, &texts()), Err(ArithError::DivisionByZero));
        assert_eq!(eval_binary(BinOp::Add, Word::MAX, 1, &texts()), Err(ArithError::Overflow));
        assert_eq!(eval_unary(UnOp::Neg, Word::MIN), Err(ArithError::Overflow));
        assert_eq!(eval_unary(UnOp::Not, 0), Ok(1));
        assert_eq!(eval_binary(BinOp::Min, -3, 2, &texts()), Ok(-3));
        assert_eq!(eval_binary(BinOp::Ge, 2, 2, &texts()), Ok(1));
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches(Pat::Eq(3), 3));
        assert!(!pattern_matches(Pat::Eq(3), 4));
        assert!(pattern_matches(Pat::Range(1, Some(2)), 2));
        assert!(!pattern_matches(Pat::Range(1, Some(2)), 3));
        assert!(pattern_matches(Pat::Range(1, None), Word::MAX));
        assert!(pattern_matches(Pat::Any, Word::MIN));
    }
}
