//! Checking expressions: names, literals, `if`, and the bidirectional plumbing.
//!
//! Naming convention: `infer(expr, hint)` gives an expression its own type, using `hint` (the
//! type the context would like) only where the expression cannot decide alone: an untyped
//! number, a bare enum variant. `check(expr, want)` infers with `want` as hint and reports a
//! mismatch. Both return `None` after reporting an error, and callers that get `None` report
//! nothing more about that operand (no cascades).

use super::context::{Checker, konst};
use super::error::{TypeError, elsewhere, same_file};
use super::resolve::{MAX_DEPTH, Resolved, Scope};
use super::types::{did_you_mean, period_name};
use crate::tir::{self, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, BinaryOp, Currency, ExprKind, NumberUnit, Path, Period, UnaryOp};

impl Checker<'_> {
    /// Checks a root expression (a rule body, a value, a condition) in `scope`.
    pub(super) fn check_root(
        &mut self,
        scope: Scope,
        expr: &ast::Expr,
        want: Option<Ty>,
        because: Option<Span>,
    ) -> Option<tir::Expr> {
        self.scope = scope;
        self.depth = 0;
        self.too_deep = false;
        match want {
            Some(ty) => self.check(expr, ty, because),
            None => self.infer(expr, None),
        }
    }

    /// Infers a root expression in `scope` with a hint only (no mismatch is reported).
    pub(super) fn infer_root(&mut self, scope: Scope, expr: &ast::Expr, hint: Option<Ty>) -> Option<tir::Expr> {
        self.scope = scope;
        self.depth = 0;
        self.too_deep = false;
        self.infer(expr, hint)
    }

    /// Infers `expr` with `want` as hint and reports a mismatch; `because` is what expected it.
    pub(super) fn check(&mut self, expr: &ast::Expr, want: Ty, because: Option<Span>) -> Option<tir::Expr> {
        let typed = self.infer(expr, Some(want))?;
        if typed.ty == want {
            return Some(typed);
        }
        self.mismatch(want, typed.ty, expr, because);
        None
    }

    /// Infers the type of `expr`; see the module documentation.
    pub(super) fn infer(&mut self, expr: &ast::Expr, hint: Option<Ty>) -> Option<tir::Expr> {
        if self.depth >= MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.error(expr.span, TypeError::TooDeep { span: expr.span, limit: MAX_DEPTH });
            }
            return None;
        }
        self.depth += 1;
        let typed = self.infer_kind(expr, hint);
        self.depth -= 1;
        typed
    }

    fn infer_kind(&mut self, expr: &ast::Expr, hint: Option<Ty>) -> Option<tir::Expr> {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Number(number, unit) => self.number(number, *unit, hint, span),
            ExprKind::Bool(value) => Some(konst(Word::from(*value), Ty::Bool, span)),
            ExprKind::Date(date) => self.date(date, span),
            ExprKind::Text(text) => Some(konst(self.texts.word(text), Ty::Text, span)),
            ExprKind::AsOf => self.as_of(span),
            ExprKind::Path(path) => self.path(path, hint, span),
            ExprKind::Unary(op, operand) => self.unary(*op, operand, hint, span),
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, hint, span),
            ExprKind::In(operand, set) => self.in_set(operand, set, span),
            ExprKind::As(operand, target) => self.conversion(operand, target, span),
            ExprKind::If(cond, then, otherwise) => self.if_else(cond, then, otherwise, hint, span),
            ExprKind::Match(scrutinee, arms) => self.match_arms(scrutinee, arms, hint, span),
            ExprKind::Call(name, args) => self.call(name, args, hint, span),
            ExprKind::Aggregate { kind, kind_span, filter, value } => {
                self.aggregate(*kind, *kind_span, filter.as_deref(), value.as_deref(), hint, span)
            }
            ExprKind::Paren(inner) => self.infer(inner, hint),
            ExprKind::ScaleLit(_) => {
                self.error(span, TypeError::ScaleMisplaced { span });
                None
            }
        }
    }

    /// Whether `expr` takes its type from its context: an untyped number or a bare variant (or
    /// arithmetic, `if` or `match` made only of those).
    pub(super) fn needs_context(&self, expr: &ast::Expr) -> bool {
        self.needs_context_at(expr, 0)
    }

    fn needs_context_at(&self, expr: &ast::Expr, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let needs = |child: &ast::Expr| self.needs_context_at(child, depth + 1);
        match &expr.kind {
            ExprKind::Number(_, NumberUnit::None) => true,
            ExprKind::Unary(UnaryOp::Neg, operand) | ExprKind::Paren(operand) => needs(operand),
            ExprKind::Path(path) => path.parts.len() == 1 && self.decls.lookup(self.scope, path).is_none(),
            ExprKind::If(_, then, otherwise) => needs(then) && needs(otherwise),
            ExprKind::Match(_, arms) => !arms.is_empty() && arms.iter().all(|arm| needs(&arm.value)),
            ExprKind::Binary(BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div, left, right) => {
                needs(left) && needs(right)
            }
            _ => false,
        }
    }

    /// Infers expressions that must share one type (branches, arms, `min`/`max` arguments). The
    /// first that does not need context leads; the others get its type as hint.
    pub(super) fn infer_same(&mut self, exprs: &[&ast::Expr], hint: Option<Ty>) -> Option<(Vec<tir::Expr>, Ty)> {
        let lead = exprs.iter().position(|expr| !self.needs_context(expr)).unwrap_or(0);
        let lead_expr = *exprs.get(lead)?;
        let lead_typed = self.infer(lead_expr, hint);
        let lead_ty = lead_typed.as_ref().map(|typed| typed.ty);
        let mut typed = Vec::with_capacity(exprs.len());
        let mut failed = lead_typed.is_none();
        for (index, expr) in exprs.iter().enumerate() {
            if index == lead {
                typed.extend(lead_typed.clone());
                continue;
            }
            let result = match lead_ty {
                Some(ty) => self.check(expr, ty, Some(lead_expr.span)),
                None if self.needs_context(expr) => None,
                None => self.infer(expr, hint),
            };
            failed |= result.is_none();
            typed.extend(result);
        }
        if failed { None } else { Some((typed, lead_ty?)) }
    }

    /// Reports that `expr` has type `found` where `want` is needed.
    pub(super) fn mismatch(&mut self, want: Ty, found: Ty, expr: &ast::Expr, because: Option<Span>) {
        let span = expr.span;
        let (expected, found_name) = (self.ty_name(want), self.ty_name(found));
        let related = because.and_then(|because| {
            let label = match (want, found) {
                (Ty::Money(_), Ty::Money(_)) => format!("this is `{expected}`"),
                _ => "expected because of this".to_string(),
            };
            elsewhere(span, because, label)
        });
        let because = because.and_then(|because| same_file(span, because));
        let error = match (want, found) {
            (Ty::Money(want_period), Ty::Money(found_period)) => TypeError::PeriodMismatch {
                expected,
                found: found_name,
                span,
                because,
                help: Some(conversion_help(expr, self.decls.currency, found_period, want_period)),
            },
            _ => {
                let help = match (want, found) {
                    (Ty::Ratio, Ty::Int) => Some(format!("convert with `{} as ratio`", describe(expr))),
                    (Ty::Money(period), Ty::Int | Ty::Ratio) if self.needs_context(expr) => Some(format!(
                        "write the amount with its unit, e.g. `100 {}`",
                        period_name(self.decls.currency, period)
                    )),
                    _ => None,
                };
                TypeError::Mismatch { expected: format!("`{expected}`"), found: found_name, span, because, help }
            }
        };
        self.error_with(span, error, related);
    }

    fn date(&mut self, date: &ast::DateLit, span: Span) -> Option<tir::Expr> {
        let Some(day) = crate::date::from_ymd(i64::from(date.year), date.month, date.day) else {
            let message = format!("the parser accepted the date {}-{}-{}", date.year, date.month, date.day);
            self.error(span, TypeError::Internal { message, span: Some(span) });
            return None;
        };
        Some(konst(day, Ty::Date, span))
    }

    fn as_of(&mut self, span: Span) -> Option<tir::Expr> {
        if !matches!(self.scope, Scope::Entity(_)) {
            let help = Some("`as_of` is the date of a run; parameters take their value on it".into());
            self.error(span, TypeError::NotAllowed { what: "`as_of`".into(), place: self.scope.place(), span, help });
            return None;
        }
        Some(tir::Expr { kind: tir::ExprKind::AsOf, ty: Ty::Date, span })
    }

    fn if_else(
        &mut self,
        cond: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        hint: Option<Ty>,
        span: Span,
    ) -> Option<tir::Expr> {
        let cond = self.check(cond, Ty::Bool, None);
        let (mut branches, ty) = self.infer_same(&[then, otherwise], hint)?;
        let otherwise = branches.pop()?;
        let then = branches.pop()?;
        let kind = tir::ExprKind::If(Box::new(cond?), Box::new(then), Box::new(otherwise));
        Some(tir::Expr { kind, ty, span })
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, hint: Option<Ty>, span: Span) -> Option<tir::Expr> {
        if op == UnaryOp::Not {
            let operand = self.check(operand, Ty::Bool, None)?;
            return Some(tir::Expr {
                kind: tir::ExprKind::Unary(tir::UnOp::Not, Box::new(operand)),
                ty: Ty::Bool,
                span,
            });
        }
        let typed = self.infer(operand, hint)?;
        if !super::types::is_numeric(typed.ty) {
            let help = Some("only numbers and money can be negated".into());
            let error = TypeError::BadUnary { op: "-", ty: self.ty_name(typed.ty), span: operand.span, help };
            self.error(operand.span, error);
            return None;
        }
        if let tir::ExprKind::Const(word) = typed.kind {
            let Some(negated) = word.checked_neg() else {
                self.error(span, TypeError::LiteralOverflow { ty: self.ty_name(typed.ty), span });
                return None;
            };
            return Some(konst(negated, typed.ty, span));
        }
        let ty = typed.ty;
        Some(tir::Expr { kind: tir::ExprKind::Unary(tir::UnOp::Neg, Box::new(typed)), ty, span })
    }

    /// A name: a column, rule, parameter, `county.X` or variant.
    fn path(&mut self, path: &Path, hint: Option<Ty>, span: Span) -> Option<tir::Expr> {
        if let [part] = path.parts.as_slice()
            && part.name == "members"
        {
            self.error(span, TypeError::MembersOutsideAggregate { span });
            return None;
        }
        match self.decls.lookup(self.scope, path) {
            Some(found) => self.resolved(found, path, span),
            None if self.decls.scale_by_name.contains_key(&path.dotted()) => {
                self.error(span, TypeError::ScaleAsValue { name: path.dotted(), span });
                None
            }
            None => self.variant_or_unknown(path, hint, span),
        }
    }

    /// The node for a resolved name, if the scope allows it.
    fn resolved(&mut self, found: Resolved, path: &Path, span: Span) -> Option<tir::Expr> {
        let allowed = matches!(
            (found, self.scope),
            (Resolved::Variant(..), _)
                | (_, Scope::Entity(_))
                | (Resolved::Param(_), Scope::ParamValue | Scope::ParamRequire)
                | (Resolved::Attr(_), Scope::County)
        );
        if !allowed {
            self.not_allowed(found, path, span);
            return None;
        }
        if matches!(found, Resolved::Rule(_) | Resolved::Column(..))
            && !self.direct_read_allowed(found, &path.dotted(), span)
        {
            return None;
        }
        let (kind, ty) = match found {
            Resolved::Column(entity, column) => return self.column(entity, column, span),
            Resolved::Rule(rule) => (tir::ExprKind::Rule(rule), *self.rule_types.get(rule.0 as usize)?),
            Resolved::Param(param) => (tir::ExprKind::Param(param), self.decls.params.get(param.0 as usize)?.ty),
            Resolved::Attr(attr) => {
                (tir::ExprKind::CountyAttr(attr), Some(self.decls.schema.attrs.get(attr.0 as usize)?.ty))
            }
            Resolved::Variant(id, index) => (tir::ExprKind::Const(Word::from(index)), Some(Ty::Enum(id))),
        };
        Some(tir::Expr { kind, ty: ty?, span })
    }

    /// A column read. A `county` column reads as the county's code (`county.KEY`), so that it
    /// compares with text and prints as the code.
    pub(super) fn column(&mut self, entity: ast::EntityKind, column: tir::ColumnId, span: Span) -> Option<tir::Expr> {
        let info = self.decls.entities.get(super::decls::entity_index(entity))?;
        let ty = info.schema.columns.get(column.0 as usize)?.ty;
        if ty == tir::ColumnTy::County {
            let key = self.decls.schema.key.as_ref().and_then(|key| self.decls.attr_by_name.get(key));
            if let Some(attr) = key {
                return Some(tir::Expr { kind: tir::ExprKind::CountyAttr(*attr), ty: Ty::Text, span });
            }
        }
        Some(tir::Expr { kind: tir::ExprKind::Column(entity, column), ty: ty.value_ty(), span })
    }

    fn not_allowed(&mut self, found: Resolved, path: &Path, span: Span) {
        let name = path.dotted();
        let what = match found {
            Resolved::Column(..) => format!("the column `{name}`"),
            Resolved::Rule(_) => format!("the rule `{name}`"),
            Resolved::Param(_) => format!("the parameter `{name}`"),
            Resolved::Attr(_) => format!("`{name}`"),
            Resolved::Variant(..) => format!("`{name}`"),
        };
        let help = Some(
            match self.scope {
                Scope::ParamValue | Scope::ParamRequire => {
                    "a parameter may use only other parameters and literal values"
                }
                Scope::County => "a report filter may use only `county.X` attributes and literal values",
                Scope::Literal(_) | Scope::Entity(_) => {
                    "write a literal value: a number, a date, a text or an enum variant"
                }
            }
            .to_string(),
        );
        self.error(span, TypeError::NotAllowed { what, place: self.scope.place(), span, help });
    }

    /// A name that resolves to nothing in scope: a bare variant of the expected enum, or an error.
    fn variant_or_unknown(&mut self, path: &Path, hint: Option<Ty>, span: Span) -> Option<tir::Expr> {
        let [part] = path.parts.as_slice() else {
            self.unknown_dotted(path, span);
            return None;
        };
        let name = part.name.as_str();
        if let Some(Ty::Enum(id)) = hint
            && let Some(index) = self.decls.variant_index(id, name)
        {
            return Some(konst(Word::from(index), Ty::Enum(id), span));
        }
        if !matches!(self.scope, Scope::Entity(_))
            && let Some(found) = self.decls.lookup_anywhere(name)
        {
            self.not_allowed(found, path, span);
            return None;
        }
        let owners = self.decls.enums_with_variant(name);
        if !owners.is_empty() {
            let spellings: Vec<String> =
                owners.iter().map(|id| format!("`{}.{name}`", self.ty_name(Ty::Enum(*id)))).collect();
            let help = Some(format!("write the variant with its enum: {}", spellings.join(" or ")));
            self.error(span, TypeError::NoEnumContext { name: name.into(), span, help });
            return None;
        }
        let names = self.decls.names_in_scope(self.scope, hint);
        let help = did_you_mean(name, names.iter().map(String::as_str));
        let expected = self.decls.expected_in_scope(self.scope, hint);
        self.error(span, TypeError::UnknownName { what: "name", name: name.into(), span, expected, help });
        None
    }

    fn unknown_dotted(&mut self, path: &Path, span: Span) {
        let name = path.dotted();
        let decls = self.decls;
        let (what, expected, candidates): (&'static str, String, Vec<&str>) = match path.parts.as_slice() {
            [first, _] if first.name == "county" => {
                let candidates = decls.schema.attrs.iter().map(|attr| attr.name.as_str()).collect();
                ("county attribute", "a column of the `jurisdictions` block".into(), candidates)
            }
            [enum_name, _] if decls.enum_by_name.contains_key(&enum_name.name) => {
                let id = decls.enum_by_name.get(&enum_name.name);
                let def = id.and_then(|id| decls.enums.get(id.0 as usize));
                let candidates = def.map(|def| def.variants.iter().map(String::as_str).collect()).unwrap_or_default();
                ("variant", format!("a variant of `{}`", enum_name.name), candidates)
            }
            _ => ("parameter", "a parameter".into(), decls.param_by_name.keys().map(String::as_str).collect()),
        };
        let last = path.parts.last().map_or(name.as_str(), |part| part.name.as_str());
        let help = match what {
            "parameter" => did_you_mean(&name, candidates.into_iter()),
            _ => did_you_mean(last, candidates.into_iter()),
        };
        self.error(span, TypeError::UnknownName { what, name, span, expected, help });
    }
}

/// How to convert money of one period to another, as help text.
pub(super) fn conversion_help(expr: &ast::Expr, currency: Currency, from: Period, to: Period) -> String {
    match (from, to) {
        (Period::Lump, _) | (_, Period::Lump) => {
            "a lump sum (`元`) has no period and cannot be converted; declare the value with the period it has".into()
        }
        _ => format!("convert with `{} as {}`", describe(expr), period_name(currency, to)),
    }
}

/// A short spelling of an expression for help texts: its name, its number, else `(…)`.
pub(super) fn describe(expr: &ast::Expr) -> String {
    match &expr.kind {
        ExprKind::Path(path) => path.dotted(),
        ExprKind::Number(number, NumberUnit::None) => super::literal::number_text(number),
        _ => "(…)".into(),
    }
}
