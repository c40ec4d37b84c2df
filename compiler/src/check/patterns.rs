//! `match`: patterns, unreachable arms and exhaustiveness.
//!
//! Every pattern covers an interval of words: a variant its index, an int itself, a range its
//! bounds, `_` everything. An arm whose interval the arms above already cover is an error (it
//! would never be used), and so is a match whose arms leave some value of the scrutinee's domain
//! uncovered, so that matching can never fail at run time. The domain is the enum's variants,
//! `false`/`true`, the declared range of an int column matched directly (`int 0..4`), or every
//! int.

use super::context::Checker;
use super::error::{TypeError, elsewhere, same_file};
use super::types::did_you_mean;
use crate::tir::{self, Pat, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, MatchArm, Path, Pattern};

/// Covered words: sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Debug, Default)]
struct Coverage(Vec<(Word, Word)>);

impl Coverage {
    /// Whether every word of `low..=high` is covered.
    fn covers(&self, low: Word, high: Word) -> bool {
        self.0.iter().any(|(start, end)| *start <= low && high <= *end)
    }

    /// Covers `low..=high` too.
    fn add(&mut self, low: Word, high: Word) {
        self.0.push((low, high));
        self.0.sort_unstable();
        let mut merged: Vec<(Word, Word)> = Vec::with_capacity(self.0.len());
        for (start, end) in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        self.0 = merged;
    }

    /// The uncovered intervals of `low..=high`.
    fn gaps(&self, low: Word, high: Word) -> Vec<(Word, Word)> {
        let mut gaps = Vec::new();
        let mut next = Some(low);
        for (start, end) in &self.0 {
            let Some(from) = next else { break };
            if *end < from {
                continue;
            }
            if *start > from {
                gaps.push((from, (*start - 1).min(high)));
            }
            next = end.checked_add(1);
        }
        if let Some(from) = next {
            gaps.push((from, high));
        }
        gaps.retain(|(start, end)| start <= end && *start <= high);
        gaps
    }
}

impl Checker<'_> {
    /// `match scrutinee { pattern => value, … }`.
    pub(super) fn match_arms(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[MatchArm],
        hint: Option<Ty>,
        span: Span,
    ) -> Option<tir::Expr> {
        let typed_scrutinee = self.infer(scrutinee, None);
        let values: Vec<&ast::Expr> = arms.iter().map(|arm| &arm.value).collect();
        let typed_values = if values.is_empty() { None } else { self.infer_same(&values, hint) };
        let typed_scrutinee = typed_scrutinee?;
        let patterns = self.patterns(&typed_scrutinee, scrutinee.span, arms)?;
        let (typed_values, ty) = typed_values?;
        let arms = patterns.into_iter().zip(typed_values).collect();
        Some(tir::Expr { kind: tir::ExprKind::Match(Box::new(typed_scrutinee), arms), ty, span })
    }

    /// The arms' patterns, checked against the scrutinee and for coverage.
    fn patterns(&mut self, scrutinee: &tir::Expr, scrutinee_span: Span, arms: &[MatchArm]) -> Option<Vec<Pat>> {
        let mut coverage = Coverage::default();
        let mut patterns = Vec::with_capacity(arms.len());
        let mut failed = false;
        for arm in arms {
            let Some((pattern, low, high)) = self.pattern(scrutinee.ty, &arm.pattern, scrutinee_span) else {
                failed = true;
                continue;
            };
            if coverage.covers(low, high) {
                let span = pattern_span(&arm.pattern);
                self.error(span, TypeError::UnreachableArm { span });
                failed = true;
            }
            coverage.add(low, high);
            patterns.push(pattern);
        }
        if failed {
            return None;
        }
        let (low, high) = self.domain(scrutinee);
        let gaps = coverage.gaps(low, high);
        if gaps.is_empty() {
            return Some(patterns);
        }
        let missing = self.describe_gaps(scrutinee.ty, &gaps);
        let help = Some("add arms for them, or end the match with `_ => …`".into());
        self.error(scrutinee_span, TypeError::NonExhaustive { missing, span: scrutinee_span, help });
        None
    }

    /// The words the scrutinee can take.
    fn domain(&self, scrutinee: &tir::Expr) -> (Word, Word) {
        match scrutinee.ty {
            Ty::Enum(id) => match self.decls.enums.get(id.0 as usize) {
                Some(def) => (0, def.variants.len() as Word - 1),
                // An enum the checker did not declare (a broken invariant): the widest domain, so
                // that no match over it passes as exhaustive.
                None => (Word::MIN, Word::MAX),
            },
            Ty::Bool => (0, 1),
            Ty::Int => self.column_range(scrutinee).unwrap_or((Word::MIN, Word::MAX)),
            _ => (Word::MIN, Word::MAX),
        }
    }

    /// A pattern's matcher and the interval it covers.
    fn pattern(&mut self, ty: Ty, pattern: &Pattern, scrutinee_span: Span) -> Option<(Pat, Word, Word)> {
        match (pattern, ty) {
            (Pattern::Wildcard(_), _) => Some((Pat::Any, Word::MIN, Word::MAX)),
            (Pattern::Int(value, _), Ty::Int) => Some((Pat::Eq(*value), *value, *value)),
            (Pattern::Range(low, high, span), Ty::Int) => {
                if let Some(high) = high.filter(|high| high < low) {
                    self.error(*span, TypeError::EmptyRange { low: *low, high, span: *span });
                    return None;
                }
                Some((Pat::Range(*low, *high), *low, high.unwrap_or(Word::MAX)))
            }
            (Pattern::Variant(path), Ty::Enum(id)) => {
                let index = self.variant_pattern(id, path)?;
                Some((Pat::Eq(Word::from(index)), Word::from(index), Word::from(index)))
            }
            (Pattern::Variant(path), _) => {
                let found = self.variant_owner(path);
                self.pattern_mismatch(ty, found, path.span, scrutinee_span)
            }
            (Pattern::Int(_, span) | Pattern::Range(_, _, span), _) => {
                self.pattern_mismatch(ty, "int".into(), *span, scrutinee_span)
            }
        }
    }

    fn pattern_mismatch(
        &mut self,
        ty: Ty,
        found: String,
        span: Span,
        scrutinee_span: Span,
    ) -> Option<(Pat, Word, Word)> {
        let expected = format!("a pattern for `{}`", self.ty_name(ty));
        let because = same_file(span, scrutinee_span);
        let help = Some(
            "an enum is matched by its variants, an int by numbers and ranges `70..79`, `100..`; `_` matches anything"
                .into(),
        );
        let related = elsewhere(span, scrutinee_span, "expected because of this");
        self.error_with(span, TypeError::Mismatch { expected, found, span, because, help }, related);
        None
    }

    /// The enum a variant pattern seems to belong to, for messages.
    fn variant_owner(&self, path: &Path) -> String {
        let last = path.parts.last().map_or("", |part| part.name.as_str());
        let owner = match path.parts.as_slice() {
            [enum_name, _] if self.decls.enum_by_name.contains_key(&enum_name.name) => Some(enum_name.name.clone()),
            _ => self.decls.enums_with_variant(last).first().map(|id| self.ty_name(Ty::Enum(*id))),
        };
        owner.unwrap_or_else(|| "enum variant".into())
    }

    /// The index of a variant pattern (`none` or `E.none`) of enum `id`.
    fn variant_pattern(&mut self, id: tir::EnumId, path: &Path) -> Option<u32> {
        let enum_name = self.ty_name(Ty::Enum(id));
        let variant = match path.parts.as_slice() {
            [variant] => variant,
            [qualifier, variant] if qualifier.name == enum_name => variant,
            _ => {
                let found = self.variant_owner(path);
                let expected = format!("a variant of `{enum_name}`");
                let error = TypeError::Mismatch { expected, found, span: path.span, because: None, help: None };
                self.error(path.span, error);
                return None;
            }
        };
        if let Some(index) = self.decls.variant_index(id, &variant.name) {
            return Some(index);
        }
        let variants = self.decls.enums.get(id.0 as usize).map(|def| def.variants.clone()).unwrap_or_default();
        let help = did_you_mean(&variant.name, variants.iter().map(String::as_str));
        let expected = format!("a variant of `{enum_name}`");
        let error =
            TypeError::UnknownName { what: "variant", name: variant.name.clone(), span: variant.span, expected, help };
        self.error(variant.span, error);
        None
    }

    /// The uncovered values, for the message.
    fn describe_gaps(&self, ty: Ty, gaps: &[(Word, Word)]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (low, high) in gaps {
            match ty {
                Ty::Enum(id) => {
                    let def = self.decls.enums.get(id.0 as usize);
                    let names = (*low..=*high)
                        .filter_map(|index| def.and_then(|def| def.variants.get(usize::try_from(index).ok()?)));
                    parts.extend(names.map(|name| format!("`{name}`")));
                }
                Ty::Bool => parts.extend((*low..=*high).map(|value| format!("`{}`", value != 0))),
                Ty::Int => parts.push(describe_int_gap(*low, *high)),
                _ => parts.push("every value".into()),
            }
        }
        if parts.len() > 4 {
            parts.truncate(4);
            parts.push("…".into());
        }
        parts.join(", ")
    }
}

fn describe_int_gap(low: Word, high: Word) -> String {
    match (low, high) {
        (Word::MIN, Word::MAX) => "any value".into(),
        (Word::MIN, _) => format!("values below {}", high.saturating_add(1)),
        (_, Word::MAX) => format!("values above {}", low.saturating_sub(1)),
        _ if low == high => format!("`{low}`"),
        _ => format!("`{low}..{high}`"),
    }
}

fn pattern_span(pattern: &Pattern) -> Span {
    match pattern {
        Pattern::Wildcard(span) | Pattern::Int(_, span) | Pattern::Range(_, _, span) => *span,
        Pattern::Variant(path) => path.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_merges_and_finds_gaps() {
        let mut coverage = Coverage::default();
        coverage.add(0, 17);
        coverage.add(60, Word::MAX);
        assert_eq!(coverage.gaps(0, Word::MAX), vec![(18, 59)]);
        coverage.add(18, 59);
        assert!(coverage.covers(0, Word::MAX));
        assert_eq!(coverage.gaps(Word::MIN, Word::MAX), vec![(Word::MIN, -1)]);
        assert_eq!(coverage.gaps(0, 4), Vec::<(Word, Word)>::new());
        let mut variants = Coverage::default();
        variants.add(2, 2);
        assert_eq!(variants.gaps(0, 2), vec![(0, 1)]);
        assert!(!variants.covers(Word::MIN, Word::MAX));
    }
}
