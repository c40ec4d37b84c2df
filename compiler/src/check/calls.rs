//! Built-in functions and aggregates over a household's members.
//!
//! `min`/`max` fold into nested [`BinOp::Min`]/[`BinOp::Max`]; `age(d)` is
//! `years_between(d, as_of)`; `last_year(p)` and `province(p)` exist only in a parameter's
//! `require`. An aggregate may appear in any entity scope (household, person, case, or inside
//! another aggregate) and always ranges over the persons of the household being evaluated; its
//! filter and value are checked in person scope.

use super::context::{Checker, balanced, binary};
use super::error::TypeError;
use super::resolve::{Resolved, Scope};
use super::types::{did_you_mean, is_numeric};
use crate::tir::{self, AggKind, BinOp, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{self, AggregateKind, EntityKind, ExprKind, Ident};

/// The built-in functions.
const FUNCTIONS: [&str; 15] = [
    "min",
    "max",
    "age",
    "years_between",
    "mask",
    "last_year",
    "province",
    "marginal",
    "bracket",
    "this_year",
    "first_month",
    "sum_months",
    "average_months",
    "sum_last_12_months",
    "average_last_12_months",
];

impl Checker<'_> {
    /// A call of a built-in function.
    pub(super) fn call(&mut self, name: &Ident, args: &[ast::Expr], hint: Option<Ty>, span: Span) -> Option<tir::Expr> {
        match name.name.as_str() {
            "min" | "max" => self.min_max(name, args, hint, span),
            "age" => {
                let [date] = self.arity(name, "one date", args, span)?;
                let date = self.check(date, Ty::Date, None)?;
                let as_of = self.as_of_node(span)?;
                Some(binary(BinOp::YearsBetween, date, as_of, Ty::Int, span))
            }
            "years_between" => {
                let [from, to] = self.arity(name, "two dates", args, span)?;
                let from = self.check(from, Ty::Date, None);
                let to = self.check(to, Ty::Date, None);
                Some(binary(BinOp::YearsBetween, from?, to?, Ty::Int, span))
            }
            "mask" => {
                let [text] = self.arity(name, "one text", args, span)?;
                let text = self.check(text, Ty::Text, None)?;
                Some(tir::Expr { kind: tir::ExprKind::Mask(Box::new(text)), ty: Ty::Text, span })
            }
            "last_year" | "province" => self.param_history(name, args, span),
            "marginal" => self.scale_call(tir::ScaleKind::Marginal, name, args, span),
            "bracket" => self.scale_call(tir::ScaleKind::Bracket, name, args, span),
            other if super::periods::period_function(other).is_some() => {
                let read = super::periods::period_function(other)?;
                self.period_call(read, name, args, span)
            }
            _ => {
                let help = did_you_mean(&name.name, FUNCTIONS.into_iter());
                let expected =
                    "`min`, `max`, `age`, `years_between`, `mask`, `last_year`, `province`, `marginal`, `bracket`, `this_year`, `first_month`, `sum_months`, `average_months`, `sum_last_12_months` or `average_last_12_months`"
                        .to_string();
                let error = TypeError::UnknownName {
                    what: "function",
                    name: name.name.clone(),
                    span: name.span,
                    expected,
                    help,
                };
                self.error(name.span, error);
                None
            }
        }
    }

    /// The arguments when there are exactly `N`; else reports.
    fn arity<'e, const N: usize>(
        &mut self,
        name: &Ident,
        expected: &'static str,
        args: &'e [ast::Expr],
        span: Span,
    ) -> Option<[&'e ast::Expr; N]> {
        let refs: Vec<&ast::Expr> = args.iter().collect();
        match <[&ast::Expr; N]>::try_from(refs) {
            Ok(array) => Some(array),
            Err(_) => {
                let found = plural(args.len(), "argument");
                self.error(span, TypeError::Arity { name: name.name.clone(), expected, span, found, help: None });
                None
            }
        }
    }

    fn as_of_node(&mut self, span: Span) -> Option<tir::Expr> {
        if matches!(self.scope, Scope::Entity(_)) {
            return Some(tir::Expr { kind: tir::ExprKind::AsOf, ty: Ty::Date, span });
        }
        let help = Some("`age` counts years up to the run's as-of date, which only rules have".into());
        self.error(span, TypeError::NotAllowed { what: "`age`".into(), place: self.scope.place(), span, help });
        None
    }

    fn min_max(&mut self, name: &Ident, args: &[ast::Expr], hint: Option<Ty>, span: Span) -> Option<tir::Expr> {
        if args.len() < 2 {
            let found = plural(args.len(), "argument");
            let help = Some(format!("for the {} over members write `{}(members, value)`", name.name, name.name));
            let error = TypeError::Arity { name: name.name.clone(), expected: "two or more values", span, found, help };
            self.error(span, error);
            return None;
        }
        let refs: Vec<&ast::Expr> = args.iter().collect();
        let (typed, ty) = self.infer_same(&refs, hint)?;
        if !is_numeric(ty) {
            self.not_numeric(ty, args.first().map_or(span, |arg| arg.span));
            return None;
        }
        let op = if name.name == "min" { BinOp::Min } else { BinOp::Max };
        balanced(typed, &|left, right| binary(op, left, right, ty, span))
    }

    fn not_numeric(&mut self, ty: Ty, span: Span) {
        let error = TypeError::Mismatch {
            expected: "a number or money".into(),
            found: self.ty_name(ty),
            span,
            because: None,
            help: None,
        };
        self.error(span, error);
    }

    /// `last_year(p)` and `province(p)`, in a parameter's `require` only.
    fn param_history(&mut self, name: &Ident, args: &[ast::Expr], span: Span) -> Option<tir::Expr> {
        if self.scope != Scope::ParamRequire {
            let help = Some(format!("`{}` compares a parameter's values inside its `require` lines", name.name));
            let what = format!("`{}`", name.name);
            self.error(span, TypeError::NotAllowed { what, place: self.scope.place(), span, help });
            return None;
        }
        let [arg] = self.arity(name, "one parameter name", args, span)?;
        let param = match &arg.kind {
            ExprKind::Path(path) => match self.decls.lookup_path(path) {
                Some(Resolved::Param(param)) => Some(param),
                _ => None,
            },
            _ => None,
        };
        let Some(param) = param else {
            let found = "something else".to_string();
            let help = Some(format!("write `{}(dibao_standard)`", name.name));
            let error = TypeError::Arity {
                name: name.name.clone(),
                expected: "one parameter name",
                span: arg.span,
                found,
                help,
            };
            self.error(arg.span, error);
            return None;
        };
        let ty = self.decls.params.get(param.0 as usize)?.ty?;
        let kind =
            if name.name == "last_year" { tir::ExprKind::LastYear(param) } else { tir::ExprKind::Province(param) };
        Some(tir::Expr { kind, ty, span })
    }

    /// `count(members where P)`, `sum(members, V)`, …: filter and value in person scope.
    pub(super) fn aggregate(
        &mut self,
        kind: AggregateKind,
        kind_span: Span,
        filter: Option<&ast::Expr>,
        value: Option<&ast::Expr>,
        hint: Option<Ty>,
        span: Span,
    ) -> Option<tir::Expr> {
        let outer = self.scope;
        if !matches!(outer, Scope::Entity(_)) {
            let help = Some("aggregates are computed per household, in rules".into());
            let what = "an aggregate over `members`".to_string();
            self.error(kind_span, TypeError::NotAllowed { what, place: outer.place(), span: kind_span, help });
            return None;
        }
        self.scope = Scope::Entity(EntityKind::Person);
        let typed_filter = filter.map(|filter| self.check(filter, Ty::Bool, None));
        let typed_value = self.aggregate_value(kind, value, hint, span);
        self.scope = outer;
        let filter = match typed_filter {
            Some(typed) => Some(Box::new(typed?)),
            None => None,
        };
        let (value, ty) = typed_value?;
        let kind = tir::ExprKind::Aggregate { kind: agg_kind(kind), filter, value: value.map(Box::new) };
        Some(tir::Expr { kind, ty, span })
    }

    /// The aggregated value (if any) and the aggregate's type.
    fn aggregate_value(
        &mut self,
        kind: AggregateKind,
        value: Option<&ast::Expr>,
        hint: Option<Ty>,
        span: Span,
    ) -> Option<(Option<tir::Expr>, Ty)> {
        let name = agg_name(kind);
        let missing = |checker: &mut Self, expected: &'static str, found: &str| {
            let help = Some(format!("e.g. `{name}(members where …, value)`"));
            let error = TypeError::Arity { name: name.into(), expected, span, found: found.into(), help };
            checker.error(span, error);
            None
        };
        match (kind, value) {
            (AggregateKind::Count, None) => Some((None, Ty::Int)),
            (AggregateKind::Count, Some(_)) => missing(self, "`members` and an optional `where` filter", "a value"),
            (AggregateKind::Any, None) => Some((None, Ty::Bool)),
            (AggregateKind::Any | AggregateKind::All, Some(value)) => {
                Some((Some(self.check(value, Ty::Bool, None)?), Ty::Bool))
            }
            (_, None) => missing(self, "`members`, an optional `where` filter and a value", "no value"),
            (_, Some(value)) => {
                let typed = self.infer(value, hint)?;
                let ty = typed.ty;
                let allowed = match kind {
                    AggregateKind::Sum => is_numeric(ty),
                    AggregateKind::Max | AggregateKind::Min => is_numeric(ty) || ty == Ty::Date,
                    _ => true,
                };
                if !allowed {
                    self.not_numeric(ty, value.span);
                    return None;
                }
                Some((Some(typed), ty))
            }
        }
    }
}

fn agg_kind(kind: AggregateKind) -> AggKind {
    match kind {
        AggregateKind::Count => AggKind::Count,
        AggregateKind::Sum => AggKind::Sum,
        AggregateKind::Any => AggKind::Any,
        AggregateKind::All => AggKind::All,
        AggregateKind::Max => AggKind::Max,
        AggregateKind::Min => AggKind::Min,
        AggregateKind::First => AggKind::First,
    }
}

fn agg_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Count => "count",
        AggregateKind::Sum => "sum",
        AggregateKind::Any => "any",
        AggregateKind::All => "all",
        AggregateKind::Max => "max",
        AggregateKind::Min => "min",
        AggregateKind::First => "first",
    }
}

/// `1 argument`, `2 arguments`.
pub(super) fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
