//! Periods (docs/language.md#periods): a rule is computed `per month` (the default) or `per
//! year`, an input column may vary by month (`per month`). A rule reads rules and columns of its
//! own period directly; another period only through the cross-period forms checked here
//! (`this_year`, `first_month`, `sum_months`, `average_months`, `sum_last_12_months`,
//! `average_last_12_months`), which become [`tir::ExprKind::Periodic`] nodes that
//! [`crate::tir::Program::on`] unrolls into reads of instances.

use super::context::Checker;
use super::error::TypeError;
use super::resolve::{Resolved, Scope};
use super::types::{push, ty_name};
use crate::diagnostic::Diagnostic;
use crate::tir::{self, Per, PeriodRead, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{self, Currency, ExprKind, Ident, Period};

/// The cross-period functions, by name.
pub(super) const PERIOD_FUNCTIONS: [(&str, PeriodRead); 6] = [
    ("this_year", PeriodRead::ThisYear),
    ("first_month", PeriodRead::FirstMonth),
    ("sum_months", PeriodRead::SumMonths),
    ("average_months", PeriodRead::AverageMonths),
    ("sum_last_12_months", PeriodRead::SumLast12Months),
    ("average_last_12_months", PeriodRead::AverageLast12Months),
];

/// `per month`, `per year` (translated as 按月, 按年).
fn per_phrase(per: Per) -> &'static str {
    match per {
        Per::Month => "per month",
        Per::Year => "per year",
    }
}

/// The period a money unit means, when it means one.
fn unit_period(period: Period) -> Option<Per> {
    match period {
        Period::Month => Some(Per::Month),
        Period::Year => Some(Per::Year),
        Period::Lump => None,
    }
}

/// Reports a money type whose unit contradicts the declared period (`per year` with `元/月`).
pub(super) fn check_unit(name: &str, per: Per, ty: Ty, currency: Currency, span: Span, diags: &mut Vec<Diagnostic>) {
    let Ty::Money(period) = ty else { return };
    let Some(meant) = unit_period(period) else { return };
    if meant == per {
        return;
    }
    let want = currency.unit(match per {
        Per::Month => Period::Month,
        Per::Year => Period::Year,
    });
    let error = TypeError::PeriodUnit {
        name: name.to_string(),
        per: per_phrase(per),
        unit: ty_name(&[], currency, ty),
        other: per_phrase(meant),
        want,
        other_decl: per_phrase(meant),
        span,
    };
    push(diags, span, error);
}

/// What a name read across periods is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadPeriod {
    /// A rule or a monthly column of this period.
    Of(Per),
    /// A constant column.
    Constant,
}

impl Checker<'_> {
    /// The period of the rule being checked (an output's hidden rule is monthly).
    fn reader_period(&self) -> Per {
        self.period.as_ref().map_or(Per::Month, |(per, _)| *per)
    }

    /// What a resolved rule or column is computed per.
    fn read_period(&self, found: Resolved) -> Option<ReadPeriod> {
        match found {
            Resolved::Rule(rule) => {
                let plan = self.decls.rules.get(rule.0 as usize)?;
                Some(ReadPeriod::Of(plan.per.map_or(Per::Month, |(per, _)| per)))
            }
            Resolved::Column(entity, column) => {
                let info = self.decls.entities.get(super::decls::entity_index(entity))?;
                let column = info.schema.columns.get(column.0 as usize)?;
                Some(if column.periodic { ReadPeriod::Of(Per::Month) } else { ReadPeriod::Constant })
            }
            Resolved::Param(_) | Resolved::Attr(_) | Resolved::Variant(..) => None,
        }
    }

    /// Whether the rule being checked may read `found` (named `name`) directly: a rule or a
    /// monthly column of its own period, or a constant column. Reports the mismatch.
    pub(super) fn direct_read_allowed(&mut self, found: Resolved, name: &str, span: Span) -> bool {
        let Some((per, reader)) = self.period.clone() else { return true };
        let Some(ReadPeriod::Of(other)) = self.read_period(found) else { return true };
        if other == per {
            return true;
        }
        let help = match per {
            Per::Month => format!("write `this_year({name})`: its value for the year of the month"),
            Per::Year => format!(
                "write `first_month({name})` for January's value, or `sum_months({name})` for the sum of the year's months"
            ),
        };
        let error = TypeError::CrossPeriodRead {
            reader,
            per: per_phrase(per),
            name: name.to_string(),
            other: per_phrase(other),
            span,
            help,
        };
        self.error(span, error);
        false
    }

    /// A cross-period read, `this_year(x)`, `sum_months(x)`, …
    pub(super) fn period_call(
        &mut self,
        read: PeriodRead,
        name: &Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<tir::Expr> {
        let function = read.name();
        if !matches!(self.scope, Scope::Entity(_)) {
            let help = Some("a value of another period is read in a rule".into());
            let what = format!("`{function}`");
            self.error(span, TypeError::NotAllowed { what, place: self.scope.place(), span, help });
            return None;
        }
        let per = self.reader_period();
        if read.reader() != per {
            let help = match per {
                Per::Year => {
                    "in a rule computed per year, read months with `first_month`, `sum_months` or `average_months`"
                }
                Per::Month => {
                    "in a rule computed per month, read a yearly rule with `this_year`, and past months with `sum_last_12_months` or `average_last_12_months`"
                }
            };
            let error = TypeError::PeriodCall {
                function,
                per: per_phrase(per),
                need: per_phrase(read.reader()),
                span: name.span,
                help: help.to_string(),
            };
            self.error(name.span, error);
            return None;
        }
        let found = match args {
            [arg] => match &arg.kind {
                ExprKind::Path(path) => self
                    .decls
                    .lookup(self.scope, path)
                    .filter(|found| self.read_period(*found).is_some())
                    .map(|found| (found, path.dotted(), arg.span)),
                _ => None,
            },
            _ => None,
        };
        let Some((found, read_name, arg_span)) = found else {
            let found = super::calls::plural(args.len(), "argument");
            let help = Some(format!("write `{function}(x)` with the name of a rule or a `per month` column"));
            let error = TypeError::Arity {
                name: function.to_string(),
                expected: "the name of a rule or column",
                span,
                found,
                help,
            };
            self.error(span, error);
            return None;
        };
        let read_period = self.read_period(found)?;
        if read_period != ReadPeriod::Of(read.read()) {
            let (found_text, help) = match read_period {
                ReadPeriod::Constant => {
                    ("a constant column", "a constant column is read directly in any rule".to_string())
                }
                ReadPeriod::Of(Per::Month) => {
                    ("computed per month", format!("read `{read_name}` directly in a rule computed per month"))
                }
                ReadPeriod::Of(Per::Year) => (
                    "computed per year",
                    format!(
                        "read `{read_name}` directly in a rule computed per year, or with `this_year({read_name})` in a rule computed per month"
                    ),
                ),
            };
            let error = TypeError::NotPeriodic {
                function,
                name: read_name,
                expect: per_phrase(read.read()),
                found: found_text,
                span: arg_span,
                help,
            };
            self.error(arg_span, error);
            return None;
        }
        let inner = match found {
            Resolved::Rule(rule) => {
                let ty = (*self.rule_types.get(rule.0 as usize)?)?;
                tir::Expr { kind: tir::ExprKind::Rule(rule), ty, span: arg_span }
            }
            Resolved::Column(entity, column) => self.column(entity, column, arg_span)?,
            Resolved::Param(_) | Resolved::Attr(_) | Resolved::Variant(..) => return None,
        };
        let ty = match read {
            PeriodRead::ThisYear | PeriodRead::FirstMonth => Some(inner.ty),
            PeriodRead::SumMonths | PeriodRead::SumLast12Months => match inner.ty {
                Ty::Money(Period::Month) => Some(Ty::Money(Period::Year)),
                Ty::Money(_) | Ty::Int | Ty::Ratio => Some(inner.ty),
                Ty::Bool | Ty::Date | Ty::Text | Ty::Enum(_) => None,
            },
            PeriodRead::AverageMonths | PeriodRead::AverageLast12Months => match inner.ty {
                Ty::Money(_) | Ty::Ratio => Some(inner.ty),
                Ty::Int => Some(Ty::Ratio),
                Ty::Bool | Ty::Date | Ty::Text | Ty::Enum(_) => None,
            },
        };
        let Some(ty) = ty else {
            let found = self.ty_name(inner.ty);
            let error = TypeError::Mismatch {
                expected: "a number or money".into(),
                found,
                span: arg_span,
                because: None,
                help: None,
            };
            self.error(arg_span, error);
            return None;
        };
        Some(tir::Expr { kind: tir::ExprKind::Periodic(read, Box::new(inner)), ty, span })
    }
}

/// Whether `name` is a cross-period function.
pub(super) fn period_function(name: &str) -> Option<PeriodRead> {
    PERIOD_FUNCTIONS.iter().find(|(function, _)| *function == name).map(|(_, read)| *read)
}
