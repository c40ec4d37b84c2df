//! Types as the drafter writes them, written types to [`Ty`], and nearest-name suggestions.

use super::error::TypeError;
use crate::diagnostic::Diagnostic;
use crate::tir::{EnumDef, EnumId, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{Currency, Period, TypeExpr};
use pol_grammar::names::edit_distance;
use std::collections::HashMap;

/// Adds a checker error to a list of diagnostics, `span` being its primary label.
pub(super) fn push(diags: &mut Vec<Diagnostic>, span: Span, error: TypeError) {
    diags.push(Diagnostic::new(Some(span), error));
}

/// [`push`] with the related places in other files (`super::error::elsewhere`).
pub(super) fn push_with(
    diags: &mut Vec<Diagnostic>,
    span: Span,
    error: TypeError,
    related: impl IntoIterator<Item = (Span, String)>,
) {
    let diagnostic = related
        .into_iter()
        .fold(Diagnostic::new(Some(span), error), |diagnostic, (place, label)| diagnostic.with_related(place, label));
    diags.push(diagnostic);
}

/// `元`, `元/月`, `元/年` (`EUR/月` in a policy whose currency is `EUR`).
pub(crate) fn period_name(currency: Currency, period: Period) -> String {
    currency.unit(period)
}

/// A type as written in a policy: `元/月`, `ratio`, `LaborCapacity`.
pub(crate) fn ty_name(enums: &[EnumDef], currency: Currency, ty: Ty) -> String {
    match ty {
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Ratio => "ratio".into(),
        Ty::Money(period) => period_name(currency, period),
        Ty::Date => "date".into(),
        Ty::Text => "text".into(),
        Ty::Enum(id) => enums.get(id.0 as usize).map_or_else(|| "enum".into(), |def| def.name.clone()),
    }
}

/// Whether values of the type can be added, summed and ordered as numbers.
pub(super) fn is_numeric(ty: Ty) -> bool {
    matches!(ty, Ty::Int | Ty::Ratio | Ty::Money(_))
}

/// The type a written type names; an unknown enum name is reported and gives `None`.
pub(super) fn resolve_type(
    enum_by_name: &HashMap<String, EnumId>,
    currency: Currency,
    written: &TypeExpr,
    diags: &mut Vec<Diagnostic>,
) -> Option<Ty> {
    Some(match written {
        TypeExpr::Money(period, written_currency, span) => {
            if *written_currency != currency {
                push(diags, *span, wrong_currency(*written_currency, currency, *period, *span));
                return None;
            }
            Ty::Money(*period)
        }
        TypeExpr::Ratio(_) => Ty::Ratio,
        TypeExpr::Int(_) => Ty::Int,
        TypeExpr::Bool(_) => Ty::Bool,
        TypeExpr::Date(_) => Ty::Date,
        TypeExpr::Text(_) => Ty::Text,
        TypeExpr::Scale(_, _, span) => {
            push(diags, *span, TypeError::ScaleMisplaced { span: *span });
            return None;
        }
        TypeExpr::Named(ident) => {
            if let Some(id) = enum_by_name.get(&ident.name) {
                return Some(Ty::Enum(*id));
            }
            let suggestion = nearest(&ident.name, enum_by_name.keys().map(String::as_str));
            let help = Some(match suggestion {
                Some(near) => format!("did you mean `{near}`?"),
                None => "declare it with `enum NAME { a, b }`, or use `元`, `元/月`, `元/年`, `ratio`, `int`, `bool`, `date` or `text`".into(),
            });
            let error = TypeError::UnknownName {
                what: "type",
                name: ident.name.clone(),
                span: ident.span,
                expected: "a unit or an enum".into(),
                help,
            };
            push(diags, ident.span, error);
            return None;
        }
    })
}

/// The candidate nearest to `name`, if near enough to be a likely typo (a third of its length,
/// at least one edit). Ties go to the alphabetically first, so suggestions are deterministic.
pub(super) fn nearest<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|candidate| *candidate != name)
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` for the nearest candidate.
pub(super) fn did_you_mean<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Option<String> {
    nearest(name, candidates).map(|near| format!("did you mean `{near}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_code_points() {
        assert_eq!(edit_distance("dibao_standard", "dibao_standrd"), 1);
        assert_eq!(edit_distance("低保标准", "低保标准"), 0);
        assert_eq!(edit_distance("低保标准", "低保准"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggests_only_near_names() {
        let names = ["dibao_standard", "poverty_line", "gap"];
        assert_eq!(nearest("dibao_standrd", names.into_iter()), Some("dibao_standard"));
        assert_eq!(nearest("gp", names.into_iter()), Some("gap"));
        assert_eq!(nearest("income", names.into_iter()), None);
    }
}

/// A money unit written in another currency than the policy's.
pub(super) fn wrong_currency(written: Currency, currency: Currency, period: Period, span: Span) -> TypeError {
    let help = match currency {
        Currency::Yuan => {
            "this policy declares no `currency`, so its money is in `元`: write `{unit}`, or declare `currency {written}` once in the policy"
        }
        Currency::Code(_) => "a policy has one currency, declared by its `currency` line: write `{unit}`",
    };
    let help = help.replace("{unit}", &currency.unit(period)).replace("{written}", &written.name());
    TypeError::WrongCurrency { unit: written.unit(period), currency: currency.name(), span, help }
}
