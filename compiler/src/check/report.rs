//! The `report` block: table and columns to indices, amounts to words.
//!
//! A column the report names is a column of its table or else, as in the language guide's
//! `sum covered_persons`, a household rule the table does not show: such rules are listed in
//! `Report::extra_columns` and numbered after the table's columns.

use super::context::Checker;
use super::decls::entity_index;
use super::error::{TypeError, elsewhere, same_file};
use super::resolve::Scope;
use super::types::{did_you_mean, is_numeric, period_name};
use crate::tir::{self, RuleId, Ty, Word};
use pol_grammar::ast::{self, EntityKind, Ident, Period, ReportEntry, ReportLevel};

/// What a report column is used for.
#[derive(Clone, Copy)]
enum Use {
    /// `count`: a category.
    Count,
    /// `sum`, `rate`: a number.
    Sum,
    /// `budget`: money.
    Budget,
}

impl Checker<'_> {
    /// The report, if one is declared and it checks.
    pub(super) fn build_report(&mut self, outputs: &[tir::Output]) -> Option<tir::Report> {
        let decls = self.decls;
        let mut reports = decls.reports.iter();
        let decl = reports.next()?;
        for extra in reports {
            let error = TypeError::Duplicate {
                name: "report".into(),
                span: extra.span,
                what: "block",
                first: same_file(extra.span, decl.span),
                help: Some("a policy has one report; put every line in it".into()),
            };
            self.error_with(extra.span, error, elsewhere(extra.span, decl.span, "first declared here"));
        }
        let errors_before = self.n_errors();
        let table = self.report_table(&decl.table, outputs);
        let output = table.and_then(|index| outputs.get(index));
        // `table` is set below, once the entries are checked: a report whose table is unknown
        // (reported) is checked for its other mistakes, then dropped.
        let mut report = tir::Report {
            table: usize::MAX,
            levels: Vec::new(),
            counts: Vec::new(),
            sums: Vec::new(),
            budgets: Vec::new(),
            rates: Vec::new(),
            extra_columns: Vec::new(),
        };
        for entry in &decl.entries {
            self.report_entry(entry, output, &mut report);
        }
        report.table = table?;
        (self.n_errors() == errors_before).then_some(report)
    }

    fn report_table(&mut self, name: &Ident, outputs: &[tir::Output]) -> Option<usize> {
        let Some(index) = outputs.iter().position(|output| output.name == name.name) else {
            let help = did_you_mean(&name.name, outputs.iter().map(|output| output.name.as_str()));
            let error = TypeError::UnknownName {
                what: "output table",
                name: name.name.clone(),
                span: name.span,
                expected: "the name of an `output`".into(),
                help,
            };
            self.error(name.span, error);
            return None;
        };
        if outputs.get(index).is_some_and(|output| output.entity != EntityKind::Household) {
            let error = TypeError::Report {
                message: format!("the report summarises `{}`, which is not a household table", name.name),
                span: name.span,
                label: "not `for household`".into(),
                help: Some("a report counts households per county: summarise an `output … for household`".into()),
            };
            self.error(name.span, error);
            return None;
        }
        Some(index)
    }

    fn report_entry(&mut self, entry: &ReportEntry, output: Option<&tir::Output>, report: &mut tir::Report) {
        match entry {
            ReportEntry::By(levels, _) => {
                for (level, span) in levels {
                    let word = match level {
                        ReportLevel::County => "county",
                        ReportLevel::City => "city",
                        ReportLevel::Province => continue,
                    };
                    if self.decls.jurisdictions.is_none() {
                        self.error(*span, TypeError::NoJurisdictions { what: format!("`by {word}`"), span: *span });
                    }
                }
                report.levels.extend(levels.iter().map(|(level, _)| *level));
            }
            ReportEntry::Count(columns, _) => {
                for column in columns {
                    report.counts.extend(self.report_column(output, column, Use::Count, &mut report.extra_columns));
                }
            }
            ReportEntry::Sum(columns, _) => {
                for column in columns {
                    report.sums.extend(self.report_column(output, column, Use::Sum, &mut report.extra_columns));
                }
            }
            ReportEntry::Budget { column, label, amount, .. } => {
                let index = self.report_column(output, column, Use::Budget, &mut report.extra_columns);
                let amount = self.budget_amount(amount);
                if let (Some(index), Some(amount)) = (index, amount) {
                    report.budgets.push((index, label.value.clone(), amount));
                }
            }
            ReportEntry::Rate { name, numerator, denominator, filter, below, .. } => {
                let numerator = self.report_column(output, numerator, Use::Sum, &mut report.extra_columns);
                let denominator = self.report_column(output, denominator, Use::Sum, &mut report.extra_columns);
                let filter = filter.as_ref().map(|filter| self.check_root(Scope::County, filter, Some(Ty::Bool), None));
                let below = below.as_ref().map(|below| self.literal_value("a rate threshold", below, Ty::Ratio, None));
                let (Some(numerator), Some(denominator)) = (numerator, denominator) else { return };
                let (Some(filter), Some(below)) =
                    (filter.map_or(Some(None), |f| f.map(Some)), below.map_or(Some(None), |b| b.map(Some)))
                else {
                    return;
                };
                report.rates.push(tir::Rate { name: name.name.clone(), numerator, denominator, filter, below });
            }
        }
    }

    /// The index of a column the report reads, checked for its use: a column of the table, else
    /// a household rule (added to `extra`).
    fn report_column(
        &mut self,
        output: Option<&tir::Output>,
        column: &Ident,
        used: Use,
        extra: &mut Vec<(String, RuleId)>,
    ) -> Option<usize> {
        let output = output?;
        let (index, rule) = match output.columns.iter().position(|(name, _)| *name == column.name) {
            Some(index) => (index, output.columns.get(index).map(|(_, rule)| *rule)?),
            None => self.extra_column(output, column, extra)?,
        };
        let ty = self.rule_types.get(rule.0 as usize).copied().flatten()?;
        let (fits, wanted) = match used {
            Use::Count => (
                matches!(ty, Ty::Bool | Ty::Int | Ty::Text | Ty::Enum(_)),
                "a category (`bool`, `int`, `text` or an enum)",
            ),
            Use::Sum => (is_numeric(ty), "a number or money"),
            Use::Budget => (matches!(ty, Ty::Money(_)), "money"),
        };
        if !fits {
            let ty_name = self.ty_name(ty);
            let error = TypeError::Report {
                message: format!("the report cannot use `{}` here: it is `{ty_name}`", column.name),
                span: column.span,
                label: format!("expected {wanted}"),
                help: Some("`count` groups by categories; `sum`, `rate` and `budget` add up numbers or money".into()),
            };
            self.error(column.span, error);
            return None;
        }
        Some(index)
    }

    /// A household rule the table does not show, as an extra report column.
    fn extra_column(
        &mut self,
        output: &tir::Output,
        column: &Ident,
        extra: &mut Vec<(String, RuleId)>,
    ) -> Option<(usize, RuleId)> {
        let household = self.decls.entities.get(entity_index(EntityKind::Household))?;
        let Some(rule) = household.rule_by_name.get(&column.name).copied() else {
            let table_columns = output.columns.iter().map(|(name, _)| name.as_str());
            let help =
                did_you_mean(&column.name, table_columns.chain(household.rule_by_name.keys().map(String::as_str)));
            let error = TypeError::UnknownName {
                what: "column",
                name: column.name.clone(),
                span: column.span,
                expected: format!("a column of `{}` or a household rule", output.name),
                help,
            };
            self.error(column.span, error);
            return None;
        };
        let position = match extra.iter().position(|(_, known)| *known == rule) {
            Some(position) => position,
            None => {
                extra.push((column.name.clone(), rule));
                extra.len() - 1
            }
        };
        Some((output.columns.len() + position, rule))
    }

    /// A budget amount as annual fen: `元/年` (or a bare number) and `元` as written, `元/月` × 12.
    fn budget_amount(&mut self, amount: &ast::Expr) -> Option<Word> {
        let typed = self.infer_root(Scope::Literal("a budget amount"), amount, Some(Ty::Money(Period::Year)))?;
        let tir::ExprKind::Const(word) = typed.kind else {
            self.error(amount.span, TypeError::NotConstant { place: "a budget amount", span: amount.span });
            return None;
        };
        let Ty::Money(period) = typed.ty else {
            let error = TypeError::Mismatch {
                expected: "an amount of money".into(),
                found: self.ty_name(typed.ty),
                span: amount.span,
                because: None,
                help: Some("write the annual budget, e.g. `3330000000 元/年`".into()),
            };
            self.error(amount.span, error);
            return None;
        };
        if period != Period::Month {
            return Some(word);
        }
        let annual = word.checked_mul(12);
        if annual.is_none() {
            self.error(
                amount.span,
                TypeError::LiteralOverflow { ty: period_name(self.decls.currency, Period::Year), span: amount.span },
            );
        }
        annual
    }
}
