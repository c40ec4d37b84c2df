//! Operators: the type and unit table of the language, `in`, and `as` conversions.
//!
//! | operands | result | operation |
//! |---|---|---|
//! | int `+ - *` int | int | `Add` `Sub` `Mul` |
//! | money `+ -` money (same period), ratio `+ -` ratio | same | `Add` `Sub` |
//! | money `*` int, int `*` money | money | `Mul` |
//! | money `*` ratio, ratio `*` money, ratio `*` ratio | money, ratio | `MulScaled` |
//! | int `*` ratio, ratio `*` int | ratio | `Mul` |
//! | money `/` int, ratio `/` int | money, ratio | `DivRound` |
//! | money `/` ratio, money `/` money, int `/` int, ratio `/` ratio | money, ratio | `DivScaled` |
//!
//! Anything else is an error; money of two periods is a unit error (`pol::unit::mismatch`).

use super::context::{Checker, balanced, binary, konst};
use super::error::{TypeError, elsewhere, same_file};
use super::expr::{conversion_help, describe};
use super::types::{is_numeric, period_name, resolve_type};
use crate::tir::{self, BinOp, RATIO_SCALE, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{self, BinaryOp, Currency, InSet, Period, TypeExpr};

/// Why two operand types do not combine.
enum OpError {
    /// Money of two periods.
    Periods,
    /// Types the operator does not take, with a hint.
    Types(Option<String>),
}

impl Checker<'_> {
    /// A binary operation.
    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        hint: Option<Ty>,
        span: Span,
    ) -> Option<tir::Expr> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let left = self.check(left, Ty::Bool, None);
                let right = self.check(right, Ty::Bool, None);
                let op = if op == BinaryOp::And { BinOp::And } else { BinOp::Or };
                Some(binary(op, left?, right?, Ty::Bool, span))
            }
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let (typed_left, typed_right) = self.operands(left, right, None, &|other| other);
                self.compare(op, (typed_left?, left), (typed_right?, right), span)
            }
            BinaryOp::Add | BinaryOp::Sub => {
                let (typed_left, typed_right) = self.operands(left, right, hint, &|other| other.or(hint));
                self.arithmetic(op, (typed_left?, left), (typed_right?, right), span)
            }
            BinaryOp::Mul => {
                let scaled = scaled_hint(hint);
                let first_hint = if self.needs_context(left) && self.needs_context(right) { scaled } else { None };
                let follow = |other: Option<Ty>| if matches!(other, Some(Ty::Money(_))) { None } else { scaled };
                let (typed_left, typed_right) = self.operands(left, right, first_hint, &follow);
                self.arithmetic(op, (typed_left?, left), (typed_right?, right), span)
            }
            BinaryOp::Div => {
                let (typed_left, typed_right) = self.dividend_divisor(left, right, hint);
                self.arithmetic(op, (typed_left?, left), (typed_right?, right), span)
            }
        }
    }

    /// Infers two operands. The one needing context (a bare number or variant) goes second,
    /// with `follow(type of the first)` as hint; the first gets `first_hint`. When the first
    /// fails, a second that needs context is not checked (it could only fail for lack of it).
    fn operands(
        &mut self,
        left: &ast::Expr,
        right: &ast::Expr,
        first_hint: Option<Ty>,
        follow: &dyn Fn(Option<Ty>) -> Option<Ty>,
    ) -> (Option<tir::Expr>, Option<tir::Expr>) {
        let swap = self.needs_context(left) && !self.needs_context(right);
        let (first, second) = if swap { (right, left) } else { (left, right) };
        let typed_first = self.infer(first, first_hint);
        let typed_second = match &typed_first {
            None if self.needs_context(second) => None,
            typed => {
                let hint = follow(typed.as_ref().map(|typed| typed.ty));
                self.infer(second, hint)
            }
        };
        if swap { (typed_second, typed_first) } else { (typed_first, typed_second) }
    }

    /// Operands of `/`: a bare number as dividend takes the context's money or ratio type; as
    /// divisor it keeps its own (`x / 12` divides by the int 12).
    fn dividend_divisor(
        &mut self,
        left: &ast::Expr,
        right: &ast::Expr,
        hint: Option<Ty>,
    ) -> (Option<tir::Expr>, Option<tir::Expr>) {
        let scaled = scaled_hint(hint);
        if self.needs_context(left) && !self.needs_context(right) {
            let typed_right = self.infer(right, None);
            let typed_left = self.infer(left, scaled);
            return (typed_left, typed_right);
        }
        let left_hint = if self.needs_context(left) { scaled } else { None };
        let typed_left = self.infer(left, left_hint);
        let typed_right = match typed_left {
            None if self.needs_context(right) => None,
            _ => self.infer(right, None),
        };
        (typed_left, typed_right)
    }

    /// `+ - * /` on typed operands.
    fn arithmetic(
        &mut self,
        op: BinaryOp,
        left: (tir::Expr, &ast::Expr),
        right: (tir::Expr, &ast::Expr),
        span: Span,
    ) -> Option<tir::Expr> {
        let ((typed_left, left_expr), (typed_right, right_expr)) = (left, right);
        match arithmetic_rule(self.decls.currency, op, typed_left.ty, typed_right.ty) {
            Ok((bin_op, ty)) => Some(binary(bin_op, typed_left, typed_right, ty, span)),
            Err(error) => {
                self.operator_error(op, error, (typed_left.ty, left_expr), (typed_right.ty, right_expr));
                None
            }
        }
    }

    /// A comparison of typed operands; text compares by content.
    pub(super) fn compare(
        &mut self,
        op: BinaryOp,
        left: (tir::Expr, &ast::Expr),
        right: (tir::Expr, &ast::Expr),
        span: Span,
    ) -> Option<tir::Expr> {
        let ((typed_left, left_expr), (typed_right, right_expr)) = (left, right);
        match comparison_rule(op, typed_left.ty, typed_right.ty) {
            Ok(bin_op) => Some(binary(bin_op, typed_left, typed_right, Ty::Bool, span)),
            Err(error) => {
                self.operator_error(op, error, (typed_left.ty, left_expr), (typed_right.ty, right_expr));
                None
            }
        }
    }

    fn operator_error(&mut self, op: BinaryOp, error: OpError, left: (Ty, &ast::Expr), right: (Ty, &ast::Expr)) {
        let ((left_ty, left_expr), (right_ty, right_expr)) = (left, right);
        let right_span = right_expr.span;
        let left_span = left_expr.span;
        let (left_name, right_name) = (self.ty_name(left_ty), self.ty_name(right_ty));
        let related = elsewhere(right_span, left_span, format!("this is `{left_name}`"));
        let left_span = same_file(right_span, left_span);
        let error = match (error, left_ty, right_ty) {
            (OpError::Periods, Ty::Money(left_period), Ty::Money(right_period)) => TypeError::UnitMismatch {
                verb: verb(op),
                left: left_name,
                right: right_name,
                right_span,
                left_span,
                help: Some(if describe(right_expr) == "(…)" && describe(left_expr) != "(…)" {
                    conversion_help(left_expr, self.decls.currency, left_period, right_period)
                } else {
                    conversion_help(right_expr, self.decls.currency, right_period, left_period)
                }),
            },
            (error, ..) => {
                let help = match error {
                    OpError::Types(help) => help,
                    OpError::Periods => None,
                };
                TypeError::BadOperands {
                    op: op.symbol(),
                    left: left_name,
                    right: right_name,
                    right_span,
                    left_span,
                    help,
                }
            }
        };
        self.error_with(right_span, error, related);
    }

    /// `x in a..b` (both ends included) and `x in [a, b]`, desugared to comparisons.
    pub(super) fn in_set(&mut self, operand: &ast::Expr, set: &InSet, span: Span) -> Option<tir::Expr> {
        let typed = self.infer(operand, None);
        let hint = typed.as_ref().map(|typed| typed.ty);
        let items: Vec<&ast::Expr> = match set {
            InSet::Range(low, high) => vec![low, high],
            InSet::List(items) => items.iter().collect(),
        };
        let mut typed_items = Vec::with_capacity(items.len());
        for item in &items {
            let skip = hint.is_none() && self.needs_context(item);
            typed_items.push(if skip { None } else { self.infer(item, hint) });
        }
        let typed = typed?;
        if matches!(set, InSet::Range(..)) && !(is_numeric(typed.ty) || typed.ty == Ty::Date) {
            let help =
                Some("a range `a..b` holds numbers, money or dates; list the values instead: `in [a, b]`".into());
            let error = TypeError::BadUnary { op: "in a..b", ty: self.ty_name(typed.ty), span: operand.span, help };
            self.error(operand.span, error);
            return None;
        }
        let mut comparisons = Vec::with_capacity(items.len());
        let ops: Vec<BinaryOp> = match set {
            InSet::Range(..) => vec![BinaryOp::Ge, BinaryOp::Le],
            InSet::List(_) => vec![BinaryOp::Eq; items.len()],
        };
        let mut failed = false;
        for ((item, typed_item), op) in items.iter().zip(typed_items).zip(ops) {
            let Some(typed_item) = typed_item else {
                failed = true;
                continue;
            };
            let comparison = self.compare(op, (typed.clone(), operand), (typed_item, item), span);
            failed |= comparison.is_none();
            comparisons.extend(comparison);
        }
        if failed {
            return None;
        }
        let join = if matches!(set, InSet::Range(..)) { BinOp::And } else { BinOp::Or };
        let joined = balanced(comparisons, &|left, right| binary(join, left, right, Ty::Bool, span));
        Some(joined.unwrap_or_else(|| konst(0, Ty::Bool, span)))
    }

    /// `x as T`: `元/年` → `元/月` divides by 12 to the fen; `元/月` → `元/年` multiplies by 12;
    /// `int` → `ratio` scales. Converting to the type it already has changes nothing.
    pub(super) fn conversion(&mut self, operand: &ast::Expr, target: &TypeExpr, span: Span) -> Option<tir::Expr> {
        let target_ty = resolve_type(&self.decls.enum_by_name, self.decls.currency, target, &mut self.diags);
        let typed = self.infer(operand, None)?;
        let target_ty = target_ty?;
        let twelve = || konst(12, Ty::Int, span);
        match (typed.ty, target_ty) {
            (from, to) if from == to => Some(typed),
            (Ty::Money(Period::Year), Ty::Money(Period::Month)) => {
                Some(binary(BinOp::DivRound, typed, twelve(), target_ty, span))
            }
            (Ty::Money(Period::Month), Ty::Money(Period::Year)) => {
                Some(binary(BinOp::Mul, typed, twelve(), target_ty, span))
            }
            (Ty::Int, Ty::Ratio) => Some(binary(BinOp::Mul, typed, konst(RATIO_SCALE, Ty::Int, span), Ty::Ratio, span)),
            (from, to) => {
                let help = Some(match (from, to) {
                    (Ty::Money(Period::Lump), Ty::Money(_)) | (Ty::Money(_), Ty::Money(Period::Lump)) => {
                        "a lump sum (`元`) has no period, so it cannot be converted to or from `元/月` or `元/年`".to_string()
                    }
                    _ => "`as` converts `元/年` to `元/月` (÷ 12, to the fen), `元/月` to `元/年` (× 12), and `int` to `ratio`".into(),
                });
                let error = TypeError::BadConversion { from: self.ty_name(from), to: self.ty_name(to), span, help };
                self.error(span, error);
                None
            }
        }
    }
}

/// The hint passed to a bare number multiplied or divided: only money and ratio carry over.
fn scaled_hint(hint: Option<Ty>) -> Option<Ty> {
    hint.filter(|ty| matches!(ty, Ty::Money(_) | Ty::Ratio))
}

fn verb(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "subtract",
        BinaryOp::Mul => "multiply",
        BinaryOp::Div => "divide",
        _ => "compare",
    }
}

/// The operation and result type of `+ - * /`.
fn arithmetic_rule(currency: Currency, op: BinaryOp, left: Ty, right: Ty) -> Result<(BinOp, Ty), OpError> {
    use Ty::{Int, Money, Ratio};
    let periods_differ = matches!((left, right), (Money(a), Money(b)) if a != b);
    match op {
        BinaryOp::Add | BinaryOp::Sub => {
            let bin_op = if op == BinaryOp::Add { BinOp::Add } else { BinOp::Sub };
            match (left, right) {
                _ if periods_differ => Err(OpError::Periods),
                (Int, Int) | (Ratio, Ratio) | (Money(_), Money(_)) => Ok((bin_op, left)),
                _ => Err(OpError::Types(additive_help(currency, left, right))),
            }
        }
        BinaryOp::Mul => match (left, right) {
            (Int, Int) => Ok((BinOp::Mul, Int)),
            (Money(period), Int) | (Int, Money(period)) => Ok((BinOp::Mul, Money(period))),
            (Money(period), Ratio) | (Ratio, Money(period)) => Ok((BinOp::MulScaled, Money(period))),
            (Ratio, Ratio) => Ok((BinOp::MulScaled, Ratio)),
            (Int, Ratio) | (Ratio, Int) => Ok((BinOp::Mul, Ratio)),
            (Money(_), Money(_)) => {
                Err(OpError::Types(Some("money can be multiplied by an `int` or a `ratio`, not by money".into())))
            }
            _ => Err(OpError::Types(Some("`*` multiplies numbers and money".into()))),
        },
        BinaryOp::Div => match (left, right) {
            _ if periods_differ => Err(OpError::Periods),
            (Money(period), Int) => Ok((BinOp::DivRound, Money(period))),
            (Ratio, Int) => Ok((BinOp::DivRound, Ratio)),
            (Money(period), Ratio) => Ok((BinOp::DivScaled, Money(period))),
            (Money(_), Money(_)) | (Int, Int) | (Ratio, Ratio) => Ok((BinOp::DivScaled, Ratio)),
            (Int, Ratio) => Err(OpError::Types(Some("convert the `int` with `as ratio` first".into()))),
            (Int | Ratio, Money(_)) => Err(OpError::Types(Some("only money can be divided by money".into()))),
            _ => Err(OpError::Types(Some("`/` divides numbers and money".into()))),
        },
        _ => Err(OpError::Types(None)),
    }
}

fn additive_help(currency: Currency, left: Ty, right: Ty) -> Option<String> {
    use Ty::{Date, Int, Money, Ratio};
    Some(match (left, right) {
        (Int, Ratio) | (Ratio, Int) => "convert the `int` with `as ratio` first".to_string(),
        (Money(period), Int | Ratio) | (Int | Ratio, Money(period)) => {
            format!(
                "only money can be added to money; write an amount with its unit, e.g. `100 {}`",
                period_name(currency, period)
            )
        }
        (Date, _) | (_, Date) => "dates cannot be added or subtracted; use `years_between(a, b)` or `age(d)`".into(),
        _ => "`+` and `-` combine two numbers of one type, or money of one period".into(),
    })
}

/// The operation of a comparison.
fn comparison_rule(op: BinaryOp, left: Ty, right: Ty) -> Result<BinOp, OpError> {
    if let (Ty::Money(a), Ty::Money(b)) = (left, right)
        && a != b
    {
        return Err(OpError::Periods);
    }
    if left != right {
        let help = match (left, right) {
            (Ty::Int, Ty::Ratio) | (Ty::Ratio, Ty::Int) => "convert the `int` with `as ratio` first",
            _ => "both sides of a comparison must have the same type",
        };
        return Err(OpError::Types(Some(help.into())));
    }
    let equality = matches!(op, BinaryOp::Eq | BinaryOp::Ne);
    match op {
        BinaryOp::Eq if left == Ty::Text => Ok(BinOp::TextEq),
        BinaryOp::Ne if left == Ty::Text => Ok(BinOp::TextNe),
        BinaryOp::Eq => Ok(BinOp::Eq),
        BinaryOp::Ne => Ok(BinOp::Ne),
        _ if !(equality || is_numeric(left) || left == Ty::Date) => {
            Err(OpError::Types(Some("only numbers, money and dates can be ordered; use `==` or `!=`".into())))
        }
        BinaryOp::Lt => Ok(BinOp::Lt),
        BinaryOp::Le => Ok(BinOp::Le),
        BinaryOp::Gt => Ok(BinOp::Gt),
        BinaryOp::Ge => Ok(BinOp::Ge),
        _ => Err(OpError::Types(None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_operations_follow_the_table() {
        let month = Ty::Money(Period::Month);
        assert!(
            matches!(arithmetic_rule(Currency::Yuan, BinaryOp::Mul, Ty::Ratio, month), Ok((BinOp::MulScaled, ty)) if ty == month)
        );
        assert!(
            matches!(arithmetic_rule(Currency::Yuan, BinaryOp::Mul, Ty::Int, month), Ok((BinOp::Mul, ty)) if ty == month)
        );
        assert!(
            matches!(arithmetic_rule(Currency::Yuan, BinaryOp::Div, month, Ty::Int), Ok((BinOp::DivRound, ty)) if ty == month)
        );
        assert!(
            matches!(arithmetic_rule(Currency::Yuan, BinaryOp::Div, month, Ty::Ratio), Ok((BinOp::DivScaled, ty)) if ty == month)
        );
        assert!(matches!(
            arithmetic_rule(Currency::Yuan, BinaryOp::Div, month, month),
            Ok((BinOp::DivScaled, Ty::Ratio))
        ));
        assert!(matches!(
            arithmetic_rule(Currency::Yuan, BinaryOp::Div, Ty::Int, Ty::Int),
            Ok((BinOp::DivScaled, Ty::Ratio))
        ));
        assert!(matches!(
            arithmetic_rule(Currency::Yuan, BinaryOp::Add, month, Ty::Money(Period::Year)),
            Err(OpError::Periods)
        ));
        assert!(matches!(arithmetic_rule(Currency::Yuan, BinaryOp::Mul, month, month), Err(OpError::Types(_))));
        assert!(matches!(comparison_rule(BinaryOp::Eq, Ty::Text, Ty::Text), Ok(BinOp::TextEq)));
        assert!(matches!(comparison_rule(BinaryOp::Lt, Ty::Bool, Ty::Bool), Err(OpError::Types(_))));
    }
}
