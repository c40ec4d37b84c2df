//! Number literals to words, and literal values for defaults, test records and expectations.
//!
//! A number is kept exact as written (digits and a scale) until its type is known: money is
//! counted in fen (2 decimals at most), a ratio in 10⁻⁹ (9 decimals; a percentage 7), an int in
//! units (no decimals: `1.5` where an int is wanted is a ratio, reported as a mismatch).

use super::context::{Checker, konst};
use super::error::TypeError;
use super::resolve::Scope;
use super::types::nearest;
use crate::tir::{self, Column, ColumnTy, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, ExprKind, Number, NumberUnit};

/// How a number written as `digits` with `scale` decimals reads in a unit with `decimals`
/// decimals (`percent` divides by 100 first). `Err(None)` when it has too many decimals,
/// `Err(Some(()))` when it does not fit.
pub(super) fn number_word(number: &Number, decimals: u32, percent: bool) -> Result<Word, Option<()>> {
    let decimals = if percent { decimals.checked_sub(2).ok_or(None)? } else { decimals };
    if number.scale > decimals {
        return Err(None);
    }
    let mut value: i128 = 0;
    for digit in number.digits.chars() {
        let digit = digit.to_digit(10).ok_or(Some(()))?;
        value = value.checked_mul(10).and_then(|value| value.checked_add(i128::from(digit))).ok_or(Some(()))?;
    }
    let factor = 10_i128.checked_pow(decimals - number.scale).ok_or(Some(()))?;
    let scaled = value.checked_mul(factor).ok_or(Some(()))?;
    Word::try_from(scaled).map_err(|_| Some(()))
}

/// A number as written, for messages: `387.50`.
pub(super) fn number_text(number: &Number) -> String {
    let scale = number.scale as usize;
    if scale == 0 || scale > number.digits.len() {
        return number.digits.clone();
    }
    let (whole, fraction) = number.digits.split_at(number.digits.len() - scale);
    format!("{}.{fraction}", if whole.is_empty() { "0" } else { whole })
}

impl Checker<'_> {
    /// A number literal: its unit if written, else the one the context needs, else int (or
    /// ratio when it has decimals).
    pub(super) fn number(
        &mut self,
        number: &Number,
        unit: NumberUnit,
        hint: Option<Ty>,
        span: Span,
    ) -> Option<tir::Expr> {
        let ty = match (unit, hint) {
            (NumberUnit::Money(period, currency), _) => {
                if currency != self.decls.currency {
                    self.error(span, super::types::wrong_currency(currency, self.decls.currency, period, span));
                    return None;
                }
                Ty::Money(period)
            }
            (NumberUnit::Percent, _) => Ty::Ratio,
            (NumberUnit::None, Some(Ty::Money(period))) => Ty::Money(period),
            (NumberUnit::None, Some(Ty::Ratio)) => Ty::Ratio,
            (NumberUnit::None, _) if number.scale == 0 => Ty::Int,
            (NumberUnit::None, _) => Ty::Ratio,
        };
        let percent = unit == NumberUnit::Percent;
        let (decimals, kind, help) = match ty {
            Ty::Money(_) => (2, "money amount", "money is exact to the fen (0.01 元)"),
            Ty::Ratio if percent => (9, "percentage", "a ratio is exact to 9 decimals, a percentage to 7"),
            Ty::Ratio => (9, "ratio", "a ratio is exact to 9 decimals"),
            _ => (0, "whole number", "an int has no decimals"),
        };
        match number_word(number, decimals, percent) {
            Ok(word) => Some(konst(word, ty, span)),
            Err(None) => {
                let max = if percent { decimals - 2 } else { decimals };
                let help = match (ty, self.decls.currency) {
                    (Ty::Money(_), code @ pol_grammar::ast::Currency::Code(_)) => {
                        format!("money is exact to the cent (0.01 `{}`)", code.name())
                    }
                    _ => help.into(),
                };
                let error = TypeError::Precision { kind, max, span, found: number.scale, help: Some(help) };
                self.error(span, error);
                None
            }
            Err(Some(())) => {
                self.error(span, TypeError::LiteralOverflow { ty: self.ty_name(ty), span });
                None
            }
        }
    }

    /// The word of a literal value of type `ty` (a default, a test value, an expectation).
    pub(super) fn literal_value(
        &mut self,
        place: &'static str,
        expr: &ast::Expr,
        ty: Ty,
        because: Option<Span>,
    ) -> Option<Word> {
        let typed = self.check_root(Scope::Literal(place), expr, Some(ty), because)?;
        match typed.kind {
            tir::ExprKind::Const(word) => Some(word),
            _ => {
                self.error(expr.span, TypeError::NotConstant { place, span: expr.span });
                None
            }
        }
    }

    /// The word of a literal value for an input column: text for keys, the county's index for
    /// a county code, a checked value (within the column's range) otherwise.
    pub(super) fn column_value(&mut self, place: &'static str, column: &Column, expr: &ast::Expr) -> Option<Word> {
        let word = match column.ty {
            ColumnTy::Key | ColumnTy::HouseholdRef => self.literal_value(place, expr, Ty::Text, Some(column.span))?,
            ColumnTy::County => return self.county_code(place, column, expr),
            ColumnTy::Value(ty) => self.literal_value(place, expr, ty, Some(column.span))?,
        };
        if let Some((low, high)) = column.range
            && !(low..=high).contains(&word)
        {
            let error = TypeError::OutOfRange { column: column.name.clone(), value: word, span: expr.span, low, high };
            self.error(expr.span, error);
            return None;
        }
        Some(word)
    }

    /// `word`, a value of `column`, as a data file's cell holding it is written (`4500.00`,
    /// `0.150000000`, `true`, `2019-01-01`, a variant's name, a county code, the text itself).
    pub(super) fn cell_text(&self, column: &Column, word: Word) -> Option<String> {
        let decimals = |scale: u32| {
            let unit = 10_i128.pow(scale);
            let value = i128::from(word);
            let sign = if value < 0 { "-" } else { "" };
            let (whole, part) =
                (value.unsigned_abs() / unit.unsigned_abs(), value.unsigned_abs() % unit.unsigned_abs());
            format!("{sign}{whole}.{part:0width$}", width = scale as usize)
        };
        match column.ty {
            ColumnTy::Key | ColumnTy::HouseholdRef | ColumnTy::Value(Ty::Text) => {
                let index = crate::text::TextHandle::from_word(word).index as usize;
                self.texts.texts.get(index).cloned()
            }
            ColumnTy::County => self.table.counties.get(usize::try_from(word).ok()?).map(|county| county.code.clone()),
            ColumnTy::Value(Ty::Money(_)) => Some(decimals(2)),
            ColumnTy::Value(Ty::Ratio) => Some(decimals(9)),
            ColumnTy::Value(Ty::Int) => Some(word.to_string()),
            ColumnTy::Value(Ty::Bool) => Some(if word == 0 { "false" } else { "true" }.to_string()),
            ColumnTy::Value(Ty::Date) => Some(crate::date::format_iso(word)),
            ColumnTy::Value(Ty::Enum(id)) => {
                self.decls.enums.get(id.0 as usize)?.variants.get(usize::try_from(word).ok()?).cloned()
            }
        }
    }

    /// A county code (a text literal) as the county's index in the jurisdictions table.
    fn county_code(&mut self, place: &'static str, column: &Column, expr: &ast::Expr) -> Option<Word> {
        let mut inner = expr;
        while let ExprKind::Paren(next) = &inner.kind {
            inner = next;
        }
        let ExprKind::Text(code) = &inner.kind else {
            self.literal_value(place, expr, Ty::Text, Some(column.span))?;
            return None;
        };
        if let Some(index) = self.table.index_of(code) {
            return Some(index as Word);
        }
        let codes = self.table.counties.iter().map(|county| county.code.as_str());
        let help = match nearest(code, codes) {
            Some(near) => Some(format!("did you mean `{near}`?")),
            None if self.table.counties.is_empty() => {
                Some("no jurisdictions.csv was given, so no county code is known".into())
            }
            None => Some("use a county code of jurisdictions.csv".into()),
        };
        self.error(expr.span, TypeError::UnknownCounty { code: code.clone(), span: expr.span, help });
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(digits: &str, scale: u32) -> Number {
        Number { digits: digits.into(), scale }
    }

    #[test]
    fn literals_scale_exactly() {
        assert_eq!(number_word(&number("15", 0), 9, true), Ok(150_000_000));
        assert_eq!(number_word(&number("8000", 0), 2, false), Ok(800_000));
        assert_eq!(number_word(&number("39667", 2), 2, false), Ok(39_667));
        assert_eq!(number_word(&number("13", 1), 9, false), Ok(1_300_000_000));
        assert_eq!(number_word(&number("125", 1), 9, true), Ok(125_000_000));
        assert_eq!(number_word(&number("1234", 3), 2, false), Err(None));
        assert_eq!(number_word(&number("99999999999999999999", 0), 2, false), Err(Some(())));
        assert_eq!(number_text(&number("38750", 2)), "387.50");
        assert_eq!(number_text(&number("5", 1)), "0.5");
    }
}
