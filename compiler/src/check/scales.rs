//! Scale parameters (`param p: scale(元/年, ratio) { from DATE = [0: 3%, 12000: 10%] }`) and
//! their application (`marginal(p, x)`, `bracket(p, x)`); see docs/language.md, "Scales".
//!
//! A scale's thresholds and values are literals, checked against the declared types; thresholds
//! must increase. Versions are dated like a parameter's values (`from DATE = [...]`, `= none`);
//! [`crate::tir::Program::on`] leaves the version in force, which both engines apply with
//! [`crate::ops::apply_scale`] (the JIT through a helper for `marginal`).

use super::context::Checker;
use super::decls::ScaleInfo;
use super::error::{TypeError, same_file};
use super::resolve::Scope;
use crate::tir::{self, Bracket, Constraint, ScaleDef, ScaleKind, ScaleVersion, Ty, UnOp, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, ExprKind, Ident};

impl Checker<'_> {
    /// Checks every scale parameter; `None` when one failed (and was reported).
    pub(super) fn check_scales(&mut self) -> Option<Vec<ScaleDef>> {
        let decls = self.decls;
        let checked: Vec<Option<ScaleDef>> = decls.scales.iter().map(|info| self.check_scale(info)).collect();
        checked.into_iter().collect()
    }

    fn check_scale(&mut self, info: &ScaleInfo<'_>) -> Option<ScaleDef> {
        let decl = info.decl;
        let errors_before = self.n_errors();
        let set_by = self.levels_below_province(&decl.set_by);
        let requires: Vec<Option<Constraint>> = decl
            .requires
            .iter()
            .map(|require| {
                let cond = self.check_root(Scope::ParamRequire, &require.cond, Some(Ty::Bool), None)?;
                let message = require.message.as_ref().map(|message| message.value.clone());
                Some(Constraint { cond, message, span: require.span })
            })
            .collect();
        let (threshold_ty, value_ty) = (info.threshold_ty?, info.value_ty?);
        let mut versions: Vec<ScaleVersion> = Vec::new();
        let mut seen: Vec<(Option<Word>, Span)> = Vec::new();
        for dated in &decl.values {
            let from = dated.from.and_then(|date| crate::date::from_ymd(i64::from(date.year), date.month, date.day));
            let line = dated.from.map_or(dated.span, |date| date.span);
            if let Some((_, first)) = seen.iter().find(|(seen_from, _)| *seen_from == from) {
                let error = TypeError::Duplicate {
                    name: info.name.clone(),
                    span: line,
                    what: "value",
                    first: same_file(line, *first),
                    help: Some("a scale has one list of brackets per date; remove one of them".into()),
                };
                self.error(line, error);
            }
            seen.push((from, line));
            let brackets = match &dated.value {
                None => None,
                Some(written) => self.brackets(written, threshold_ty, value_ty),
            };
            if dated.value.is_some() && brackets.is_none() {
                continue;
            }
            versions.push(ScaleVersion { from, brackets, span: dated.span });
        }
        if self.n_errors() > errors_before {
            return None;
        }
        versions.sort_by_key(|version| version.from);
        Some(ScaleDef {
            name: info.name.clone(),
            threshold_ty,
            value_ty,
            versions,
            set_by,
            requires: requires.into_iter().collect::<Option<Vec<_>>>()?,
            doc: decl.doc.clone(),
            span: decl.span,
        })
    }

    /// The brackets of one version: `[threshold: value, …]`, thresholds increasing.
    fn brackets(&mut self, written: &ast::Expr, threshold_ty: Ty, value_ty: Ty) -> Option<Vec<Bracket>> {
        let ExprKind::ScaleLit(pairs) = &written.kind else {
            self.error(written.span, TypeError::ScaleValue { span: written.span });
            return None;
        };
        if pairs.is_empty() {
            self.error(written.span, TypeError::ScaleEmpty { span: written.span });
            return None;
        }
        let mut brackets: Vec<Bracket> = Vec::with_capacity(pairs.len());
        let mut previous: Option<(Word, Span)> = None;
        let mut failed = false;
        for (threshold_expr, value_expr) in pairs {
            let threshold = self.scale_literal(threshold_expr, threshold_ty, "a scale's threshold");
            let value = self.bracket_value(value_expr, value_ty);
            let (Some(threshold), Some(value)) = (threshold, value) else {
                failed = true;
                continue;
            };
            if let Some((before, before_span)) = previous
                && threshold <= before
            {
                let error = TypeError::ScaleOrder {
                    threshold: self.threshold_text(threshold_ty, threshold),
                    previous: self.threshold_text(threshold_ty, before),
                    span: threshold_expr.span,
                    before: same_file(threshold_expr.span, before_span),
                };
                self.error(threshold_expr.span, error);
                failed = true;
            }
            previous = Some((threshold, threshold_expr.span));
            brackets.push(Bracket { threshold, value });
        }
        if failed { None } else { Some(brackets) }
    }

    /// A bracket's value: a rate scale's values are rates, an amount scale's amounts of its
    /// unit; a rate among amounts (or the reverse) is reported as mixing them.
    fn bracket_value(&mut self, expr: &ast::Expr, value_ty: Ty) -> Option<Word> {
        if !self.needs_context(expr) {
            self.scope = Scope::ParamValue;
            let errors_before = self.n_errors();
            if let Some(typed) = self.scale_infer(expr) {
                let is_rate = |ty: Ty| ty == Ty::Ratio;
                let is_amount = |ty: Ty| matches!(ty, Ty::Money(_) | Ty::Int);
                if (is_rate(value_ty) && is_amount(typed.ty)) || (is_amount(value_ty) && is_rate(typed.ty)) {
                    let error = TypeError::ScaleMixed {
                        expected: self.ty_name(value_ty),
                        found: self.ty_name(typed.ty),
                        span: expr.span,
                    };
                    self.error(expr.span, error);
                    return None;
                }
            }
            // Errors of the inference are reported again by the check below: drop them.
            self.diags.truncate(errors_before);
        }
        self.scale_literal(expr, value_ty, "a bracket's value")
    }

    /// A literal of type `ty` (a negative number is a literal too).
    fn scale_literal(&mut self, expr: &ast::Expr, ty: Ty, place: &'static str) -> Option<Word> {
        let typed = self.check_root(Scope::ParamValue, expr, Some(ty), None)?;
        match &typed.kind {
            tir::ExprKind::Const(word) => Some(*word),
            tir::ExprKind::Unary(UnOp::Neg, operand) => match operand.kind {
                tir::ExprKind::Const(word) => word.checked_neg(),
                _ => {
                    self.error(expr.span, TypeError::NotConstant { place, span: expr.span });
                    None
                }
            },
            _ => {
                self.error(expr.span, TypeError::NotConstant { place, span: expr.span });
                None
            }
        }
    }

    fn scale_infer(&mut self, expr: &ast::Expr) -> Option<tir::Expr> {
        self.check_root(Scope::ParamValue, expr, None, None)
    }

    /// `marginal(scale, x)` and `bracket(scale, x)`.
    pub(super) fn scale_call(
        &mut self,
        kind: ScaleKind,
        name: &Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<tir::Expr> {
        let [scale_arg, x] = args else {
            let error = TypeError::Arity {
                name: name.name.clone(),
                expected: "a scale and a value",
                span,
                found: super::calls::plural(args.len(), "argument"),
                help: None,
            };
            self.error(span, error);
            return None;
        };
        // `bracket(province(s), x)`, `marginal(last_year(s), x)`: in a `require` only.
        let other_of =
            |function: &Ident| tir::OtherBrackets::ALL.into_iter().find(|other| other.function() == function.name);
        let (scale_name, other) = match &scale_arg.kind {
            ExprKind::Path(path) => (Some(path.dotted()), None),
            ExprKind::Call(function, inner) if other_of(function).is_some() => {
                if self.scope != Scope::ParamRequire {
                    let help = Some(format!(
                        "`{}` compares a scale's brackets with another place's or year's inside its `require` lines",
                        function.name
                    ));
                    let what = format!("`{}`", function.name);
                    let error = TypeError::NotAllowed { what, place: self.scope.place(), span: scale_arg.span, help };
                    self.error(scale_arg.span, error);
                    return None;
                }
                let other = other_of(function);
                match inner.as_slice() {
                    [ast::Expr { kind: ExprKind::Path(path), .. }] => (Some(path.dotted()), other),
                    _ => (None, other),
                }
            }
            _ => (None, None),
        };
        let Some((id, info)) = scale_name.as_ref().and_then(|scale_name| {
            let id = *self.decls.scale_by_name.get(scale_name)?;
            Some((id, self.decls.scales.get(id.0 as usize)?))
        }) else {
            let error = TypeError::NotAScale {
                function: name.name.clone(),
                found: scale_name.unwrap_or_else(|| "this".into()),
                span: scale_arg.span,
            };
            self.error(scale_arg.span, error);
            return None;
        };
        let (threshold_ty, value_ty) = (info.threshold_ty?, info.value_ty?);
        // `marginal` of rates over money sums rate × part; `marginal` of amounts sums the
        // amounts of the brackets below `x` (OpenFisca's "marginal amount").
        let kind = match (kind, value_ty, threshold_ty) {
            (ScaleKind::Marginal, Ty::Ratio, Ty::Money(_)) | (ScaleKind::Bracket, ..) => kind,
            (ScaleKind::Marginal | ScaleKind::MarginalAmount, Ty::Money(_) | Ty::Int, _) => ScaleKind::MarginalAmount,
            (ScaleKind::Marginal | ScaleKind::MarginalAmount, ..) => {
                let error = TypeError::MarginalNeedsRates {
                    name: info.name.clone(),
                    thresholds: self.ty_name(threshold_ty),
                    values: self.ty_name(value_ty),
                    span: scale_arg.span,
                };
                self.error(scale_arg.span, error);
                return None;
            }
        };
        let x = self.check(x, threshold_ty, Some(info.decl.ty.span()))?;
        let ty = match kind {
            ScaleKind::Marginal => threshold_ty,
            ScaleKind::MarginalAmount | ScaleKind::Bracket => value_ty,
        };
        let kind = match other {
            Some(other) => tir::ExprKind::OtherScale(other, kind, id, Box::new(x)),
            None => tir::ExprKind::Scale(kind, id, Box::new(x)),
        };
        Some(tir::Expr { kind, ty, span })
    }

    /// A threshold as written: `12000 元/年`, `80`.
    fn threshold_text(&self, ty: Ty, word: Word) -> String {
        match ty {
            Ty::Money(period) => {
                format!("{} {}", crate::params::literal::literal_text_money(word), self.decls.currency.unit(period))
            }
            Ty::Bool | Ty::Int | Ty::Ratio | Ty::Date | Ty::Text | Ty::Enum(_) => word.to_string(),
        }
    }
}
