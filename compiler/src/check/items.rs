//! Checking declarations: column defaults, rules, parameters and outputs, into typed IR.

use super::context::Checker;
use super::decls::{PlanRole, PlanTy, PlanVersion, entity_index};
use super::error::{TypeError, elsewhere, same_file};
use super::resolve::Scope;
use crate::tir::{self, ColumnTy, Constraint, EntitySchema, ExprKind, ParamDef, RuleRole, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, EntityKind, Level};

impl Checker<'_> {
    /// The entity schemas with their defaults checked and filled in.
    pub(super) fn schemas(&mut self) -> [EntitySchema; 3] {
        let decls = self.decls;
        if let (Some(block), None) = (decls.jurisdictions, &decls.schema.key) {
            self.error(block.span, TypeError::MissingKey { span: block.span });
        }
        [EntityKind::Household, EntityKind::Person, EntityKind::Case].map(|kind| {
            let info = decls.entities.get(entity_index(kind));
            let mut schema = info.map(|info| info.schema.clone()).unwrap_or_else(|| EntitySchema {
                kind,
                columns: Vec::new(),
                key: None,
                household_ref: None,
                county: None,
                declared: false,
            });
            let column_decls = info.and_then(|info| info.decl).map(|decl| decl.columns.as_slice()).unwrap_or_default();
            for column in &mut schema.columns {
                let Some(decl) = column_decls.iter().find(|decl| decl.name.name == column.name) else { continue };
                let Some(default) = &decl.default else { continue };
                if matches!(column.ty, ColumnTy::Key | ColumnTy::HouseholdRef) {
                    let error = TypeError::GeneratedDefault { name: column.name.clone(), span: default.span };
                    self.error(default.span, error);
                    continue;
                }
                column.default = self.column_value("a default", column, default);
                // The roles' column defaults in tests only: a data file must say each
                // person's role (`roles.rs`).
                if super::roles::is_role_column(decl, &self.decls.enums) {
                    continue;
                }
                column.default_cell = column.default.and_then(|word| self.cell_text(column, word));
            }
            schema
        })
    }

    /// Checks every planned rule, in `order` (each rule after the rules it uses).
    pub(super) fn check_rules(&mut self, order: &[usize]) -> Vec<Option<tir::Rule>> {
        let mut rules: Vec<Option<tir::Rule>> = vec![None; self.decls.rules.len()];
        for id in order {
            let rule = self.check_rule(*id);
            if let Some(slot) = rules.get_mut(*id) {
                *slot = rule;
            }
        }
        assign_slots(&mut rules);
        self.period = None;
        rules
    }

    fn check_rule(&mut self, id: usize) -> Option<tir::Rule> {
        let decls = self.decls;
        let plan = decls.rules.get(id)?;
        let want = match plan.ty {
            PlanTy::Declared(ty) => Some(ty),
            PlanTy::Infer | PlanTy::Broken => None,
        };
        // Direct reads of another period are checked in named and validation rules; an output's
        // hidden rule reads every rule at its run's period.
        let period = plan.per.map_or(tir::Per::Month, |(per, _)| per);
        self.period = match plan.role {
            PlanRole::Hidden => None,
            PlanRole::Named | PlanRole::Validation(_) => Some((period, plan.name.clone())),
        };
        if plan.ty == PlanTy::Broken {
            // The type names nothing (reported): check what the bodies can say alone.
            self.scope = Scope::Entity(plan.entity);
            for body in plan.bodies() {
                if !self.needs_context(body) {
                    self.check_root(Scope::Entity(plan.entity), body, None, None);
                }
            }
            return None;
        }
        let (body, versions) = match plan.undated() {
            Some(body) => (self.check_root(Scope::Entity(plan.entity), body, want, plan.ty_span)?, Vec::new()),
            None => {
                // Dated versions: the grammar requires a declared type, which every version has.
                let ty = want?;
                let versions = self.check_versions(plan.entity, &plan.versions, ty, plan.ty_span)?;
                (self.zero_of(ty, plan.span), versions)
            }
        };
        let ty = body.ty;
        if let Some(slot) = self.rule_types.get_mut(id) {
            *slot = Some(ty);
        }
        let role = match &plan.role {
            PlanRole::Named => RuleRole::Named,
            PlanRole::Hidden => RuleRole::Hidden,
            PlanRole::Validation(message) => {
                RuleRole::Validation { message: message.clone(), field: self.first_column(plan.entity, &body) }
            }
        };
        Some(tir::Rule {
            name: plan.name.clone(),
            entity: plan.entity,
            slot: 0,
            ty,
            body,
            versions,
            role,
            period,
            doc: plan.doc.clone(),
            span: plan.span,
        })
    }

    /// A dated rule's versions, each checked to have the rule's type, in date order; two
    /// versions from the same date are an error.
    fn check_versions(
        &mut self,
        entity: EntityKind,
        versions: &[PlanVersion<'_>],
        ty: Ty,
        ty_span: Option<Span>,
    ) -> Option<Vec<tir::RuleVersion>> {
        let errors_before = self.n_errors();
        let mut checked = Vec::new();
        let mut seen: Vec<(Option<Word>, Span)> = Vec::new();
        for version in versions {
            let from = version.from.and_then(|date| crate::date::from_ymd(i64::from(date.year), date.month, date.day));
            let line = version.from.map_or(version.span, |date| date.span);
            self.duplicate_date(&seen, from, version.from, line, "a rule has one version per date; remove one of them");
            seen.push((from, line));
            // Every version is checked, so that each one's errors are reported.
            let body = match &version.body {
                Some(body) => match self.check_root(Scope::Entity(entity), body, Some(ty), ty_span) {
                    Some(checked_body) => Some(checked_body),
                    None => continue,
                },
                None => None,
            };
            checked.push(tir::RuleVersion { from, body, span: version.span });
        }
        checked.sort_by_key(|version| version.from);
        (self.n_errors() == errors_before).then_some(checked)
    }

    /// Reports a second value or version from the same date.
    fn duplicate_date(
        &mut self,
        seen: &[(Option<Word>, Span)],
        from: Option<Word>,
        written: Option<ast::DateLit>,
        line: Span,
        help: &str,
    ) {
        if let Some((_, first)) = seen.iter().find(|(known, _)| *known == from) {
            let name = written.map_or_else(
                || "= …".to_string(),
                |date| format!("from {:04}-{:02}-{:02}", date.year, date.month, date.day),
            );
            let error = TypeError::Duplicate {
                name,
                span: line,
                what: "value",
                first: same_file(line, *first),
                help: Some(help.into()),
            };
            self.error_with(line, error, elsewhere(line, *first, "first declared here"));
        }
    }

    /// The zero word of a type (an empty text for `text`): the body of a rule that is not in
    /// force, which nothing evaluated reads.
    fn zero_of(&mut self, ty: Ty, span: Span) -> tir::Expr {
        let word = match ty {
            Ty::Text => self.texts.word(""),
            Ty::Bool | Ty::Int | Ty::Ratio | Ty::Money(_) | Ty::Date | Ty::Enum(_) => 0,
        };
        super::context::konst(word, ty, span)
    }

    /// The column a failed validation names in `rejects.csv`: the first input column the
    /// condition reads (left to right), else the entity's key column (a condition such as
    /// `count(members) > 0` is about the record as a whole).
    fn first_column(&self, entity: EntityKind, expr: &tir::Expr) -> Option<String> {
        let (entity, column) = first_column_read(expr).or_else(|| {
            let info = self.decls.entities.get(entity_index(entity))?;
            Some((entity, info.schema.key?))
        })?;
        let info = self.decls.entities.get(entity_index(entity))?;
        Some(info.schema.columns.get(column.0 as usize)?.name.clone())
    }

    /// Checks every parameter.
    pub(super) fn check_params(&mut self) -> Vec<Option<ParamDef>> {
        let decls = self.decls;
        decls.params.iter().map(|info| self.check_param(info.decl, info.name.clone(), info.ty)).collect()
    }

    fn check_param(&mut self, decl: &ast::ParamDecl, name: String, ty: Option<Ty>) -> Option<ParamDef> {
        let errors_before = self.n_errors();
        let mut values: Vec<(Option<Word>, tir::Expr)> = Vec::new();
        let mut ends: Vec<(Option<Word>, Span)> = Vec::new();
        let mut seen: Vec<(Option<Word>, Span)> = Vec::new();
        for dated in &decl.values {
            let from = dated.from.and_then(|date| crate::date::from_ymd(i64::from(date.year), date.month, date.day));
            let line = dated.from.map_or(dated.span, |date| date.span);
            self.duplicate_date(
                &seen,
                from,
                dated.from,
                line,
                "a parameter has one value per date; remove one of them",
            );
            seen.push((from, line));
            let Some(written) = &dated.value else {
                ends.push((from, dated.span));
                continue;
            };
            self.scope = Scope::ParamValue;
            let value = if ty.is_none() && self.needs_context(written) {
                None
            } else {
                self.check_root(Scope::ParamValue, written, ty, Some(decl.ty.span()))
            };
            values.extend(value.map(|value| (from, value)));
        }
        values.sort_by_key(|(from, _)| *from);
        ends.sort_by_key(|(from, _)| *from);
        let requires: Vec<Option<Constraint>> = decl
            .requires
            .iter()
            .map(|require| {
                let cond = self.check_root(Scope::ParamRequire, &require.cond, Some(Ty::Bool), None)?;
                let message = require.message.as_ref().map(|message| message.value.clone());
                Some(Constraint { cond, message, span: require.span })
            })
            .collect();
        if self.n_errors() > errors_before {
            return None;
        }
        let set_by = self.levels_below_province(&decl.set_by);
        Some(ParamDef {
            on: None,
            name,
            ty: ty?,
            set_by,
            values,
            ends,
            requires: requires.into_iter().collect::<Option<Vec<_>>>()?,
            doc: decl.doc.clone(),
            span: decl.span,
        })
    }

    /// The outputs; a filter that is a rule must be a `bool` rule.
    /// The levels below the province that a `set by` names, sorted, each once; each is an error
    /// in a policy without jurisdictions (for parameters and scales alike).
    pub(super) fn levels_below_province(&mut self, set_by: &[(Level, Span)]) -> Vec<Level> {
        if self.decls.jurisdictions.is_none() {
            for (level, span) in set_by.iter().filter(|(level, _)| *level != Level::Province) {
                let word = if *level == Level::City { "city" } else { "county" };
                self.error(*span, TypeError::NoJurisdictions { what: format!("`set by {word}`"), span: *span });
            }
        }
        let mut levels: Vec<Level> =
            set_by.iter().map(|(level, _)| *level).filter(|level| *level != Level::Province).collect();
        levels.sort();
        levels.dedup();
        levels
    }

    pub(super) fn build_outputs(&mut self) -> Vec<tir::Output> {
        let decls = self.decls;
        let mut outputs = Vec::with_capacity(decls.outputs.len());
        for plan in &decls.outputs {
            if let (Some(filter), Some(expr)) = (plan.filter, &plan.decl.filter) {
                let ty = self.rule_types.get(filter.0 as usize).copied().flatten();
                if let Some(ty) = ty.filter(|ty| *ty != Ty::Bool) {
                    let error = TypeError::Mismatch {
                        expected: "`bool`".into(),
                        found: self.ty_name(ty),
                        span: expr.span,
                        because: None,
                        help: Some("an output's `where` keeps the rows for which it is true".into()),
                    };
                    self.error(expr.span, error);
                }
            }
            outputs.push(tir::Output {
                name: plan.decl.name.name.clone(),
                entity: plan.decl.entity,
                filter: plan.filter,
                columns: plan.columns.clone(),
                column_spans: plan.decl.columns.iter().map(|column| column.span).collect(),
                span: plan.decl.span,
            });
        }
        outputs
    }
}

/// Numbers the rules of each entity in id order.
fn assign_slots(rules: &mut [Option<tir::Rule>]) {
    let mut next = [0_u32; 3];
    for rule in rules.iter_mut().flatten() {
        if let Some(slot) = next.get_mut(entity_index(rule.entity)) {
            rule.slot = *slot;
            *slot += 1;
        }
    }
}

/// The first input column read by an expression, left to right (operands, then arms).
fn first_column_read(expr: &tir::Expr) -> Option<(EntityKind, tir::ColumnId)> {
    expr.preorder().find_map(|node| match &node.kind {
        ExprKind::Column(entity, column) => Some((*entity, *column)),
        ExprKind::Const(_)
        | ExprKind::Rule(_)
        | ExprKind::Param(_)
        | ExprKind::CountyAttr(_)
        | ExprKind::AsOf
        | ExprKind::LastYear(_)
        | ExprKind::Province(_)
        | ExprKind::Unary(..)
        | ExprKind::Binary(..)
        | ExprKind::If(..)
        | ExprKind::Match(..)
        | ExprKind::Aggregate { .. }
        | ExprKind::Mask(_)
        | ExprKind::Scale(..)
        | ExprKind::OtherScale(..)
        | ExprKind::Periodic(..) => None,
    })
}
