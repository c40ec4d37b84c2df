//! Name resolution: what a name means in a scope, and the rules and parameters an expression
//! uses (before it is type checked, to order the checking and find cycles).
//!
//! One lookup function per kind of scope, shared by the dependency walk and the expression
//! checker, so that both always agree on what a name means.
//!
//! A one-part name in a person (case) scope is, in this order: a person (case) column, a person
//! (case) rule, a household column, a household rule, a parameter, and last an enum variant of
//! the expected type. In a household scope the first two steps are skipped. Inside an
//! aggregate the scope is the member visited: a person of the household.

use super::decls::{Decls, entity_index};
use crate::tir::{AttrId, ColumnId, EnumId, ParamId, RuleId, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{EntityKind, Expr, ExprKind, InSet, Path};

/// The nesting limit of expressions: deeper ones are reported, not walked.
pub(super) const MAX_DEPTH: u32 = 64;

/// Where an expression is checked, which decides what it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// A rule, validation or output value of one entity (or a member inside an aggregate).
    Entity(EntityKind),
    /// A parameter's value: parameters and literals.
    ParamValue,
    /// A parameter's `require`: also `last_year(p)` and `province(p)`.
    ParamRequire,
    /// A literal value: a default, a test value, an expected value, a report amount.
    Literal(&'static str),
    /// A report's rate filter: `county.X` attributes and literals.
    County,
}

impl Scope {
    /// How the scope is named in "cannot be used in …".
    pub(super) fn place(self) -> &'static str {
        match self {
            Scope::Entity(_) => "a rule",
            Scope::ParamValue => "a parameter value",
            Scope::ParamRequire => "a parameter's `require`",
            Scope::Literal(place) => place,
            Scope::County => "a report filter",
        }
    }
}

/// What a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolved {
    /// An input column of an entity.
    Column(EntityKind, ColumnId),
    /// A rule.
    Rule(RuleId),
    /// A parameter.
    Param(ParamId),
    /// A jurisdiction attribute, `county.X`.
    Attr(AttrId),
    /// An enum variant, `E.v`.
    Variant(EnumId, u32),
}

impl Decls<'_> {
    /// A one-part name in an entity scope, before parameters and variants.
    pub(super) fn lookup_in_entity(&self, entity: EntityKind, name: &str) -> Option<Resolved> {
        let mut entities = vec![entity];
        if entity != EntityKind::Household {
            entities.push(EntityKind::Household);
        }
        for kind in entities {
            let info = self.entities.get(entity_index(kind))?;
            if let Some(column) = info.column_by_name.get(name) {
                return Some(Resolved::Column(kind, *column));
            }
            if let Some(rule) = info.rule_by_name.get(name) {
                return Some(Resolved::Rule(*rule));
            }
        }
        None
    }

    /// A column or rule of any entity with this name: used to explain why a name cannot be used
    /// in a parameter or literal.
    pub(super) fn lookup_anywhere(&self, name: &str) -> Option<Resolved> {
        [EntityKind::Household, EntityKind::Person, EntityKind::Case]
            .into_iter()
            .find_map(|kind| self.lookup_in_entity(kind, name))
    }

    /// A dotted name: a parameter, `county.X` or `Enum.variant`. `None` when it is none of these
    /// (a one-part name goes through the scope's own lookup first).
    pub(super) fn lookup_path(&self, path: &Path) -> Option<Resolved> {
        let dotted = path.dotted();
        if let Some(param) = self.param_by_name.get(&dotted) {
            return Some(Resolved::Param(*param));
        }
        match path.parts.as_slice() {
            [first, attr] if first.name == "county" => self.attr_by_name.get(&attr.name).map(|id| Resolved::Attr(*id)),
            [enum_name, variant] => {
                let id = *self.enum_by_name.get(&enum_name.name)?;
                self.variant_index(id, &variant.name).map(|index| Resolved::Variant(id, index))
            }
            _ => None,
        }
    }

    /// A name in a scope, without variants of an expected type.
    pub(super) fn lookup(&self, scope: Scope, path: &Path) -> Option<Resolved> {
        if let (Scope::Entity(entity), [part]) = (scope, path.parts.as_slice())
            && let Some(found) = self.lookup_in_entity(entity, &part.name)
        {
            return Some(found);
        }
        self.lookup_path(path)
    }

    /// The index of a variant in an enum.
    pub(super) fn variant_index(&self, id: EnumId, name: &str) -> Option<u32> {
        let def = self.enums.get(id.0 as usize)?;
        def.variants.iter().position(|variant| variant == name).map(|index| index as u32)
    }

    /// The enums having a variant of this name.
    pub(super) fn enums_with_variant(&self, name: &str) -> Vec<EnumId> {
        (0..self.enums.len() as u32).map(EnumId).filter(|id| self.variant_index(*id, name).is_some()).collect()
    }

    /// Every name visible in a scope (for suggestions), with the variants of `hint`'s enum.
    pub(super) fn names_in_scope(&self, scope: Scope, hint: Option<Ty>) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Scope::Entity(entity) = scope {
            let mut kinds = vec![entity];
            if entity != EntityKind::Household {
                kinds.push(EntityKind::Household);
            }
            for kind in kinds {
                let Some(info) = self.entities.get(entity_index(kind)) else { continue };
                names.extend(info.column_by_name.keys().cloned());
                names.extend(info.rule_by_name.keys().cloned());
            }
        }
        if matches!(scope, Scope::Entity(_) | Scope::ParamValue | Scope::ParamRequire) {
            names.extend(self.param_by_name.keys().cloned());
        }
        if let Some(Ty::Enum(id)) = hint {
            names.extend(self.enums.get(id.0 as usize).into_iter().flat_map(|def| def.variants.iter().cloned()));
        }
        names.sort();
        names
    }

    /// What a name could have been in a scope, for "expected …" labels.
    pub(super) fn expected_in_scope(&self, scope: Scope, hint: Option<Ty>) -> String {
        let mut expected = match scope {
            Scope::Entity(EntityKind::Household) => "a household column or rule, or a parameter".to_string(),
            Scope::Entity(entity) => {
                format!("a {0} column or rule, a household column or rule, or a parameter", entity.keyword())
            }
            Scope::ParamValue | Scope::ParamRequire => "a parameter".into(),
            Scope::Literal(_) => "a literal value".into(),
            Scope::County => "a `county.` attribute".into(),
        };
        if let Some(Ty::Enum(id)) = hint
            && let Some(def) = self.enums.get(id.0 as usize)
        {
            expected.push_str(&format!(", or a variant of `{}`", def.name));
        }
        expected
    }

    /// The rules an entity-scope expression uses, with where (aggregates switch to persons).
    pub(super) fn rule_refs(&self, entity: EntityKind, expr: &Expr) -> Vec<(RuleId, Span)> {
        let mut refs = Vec::new();
        self.walk_refs(Scope::Entity(entity), expr, 0, &mut |found, span| {
            if let Resolved::Rule(id) = found {
                refs.push((id, span));
            }
        });
        refs
    }

    /// The parameters a parameter value uses, with where.
    pub(super) fn param_refs(&self, expr: &Expr) -> Vec<(ParamId, Span)> {
        let mut refs = Vec::new();
        self.walk_refs(Scope::ParamValue, expr, 0, &mut |found, span| {
            if let Resolved::Param(id) = found {
                refs.push((id, span));
            }
        });
        refs
    }

    /// Calls `found` for every name of `expr` that resolves in `scope`, left to right. Stops
    /// descending at [`MAX_DEPTH`] (the checker reports such expressions).
    fn walk_refs(&self, scope: Scope, expr: &Expr, depth: u32, found: &mut dyn FnMut(Resolved, Span)) {
        if depth > MAX_DEPTH {
            return;
        }
        let walk = |scope: Scope, child: &Expr, found: &mut dyn FnMut(Resolved, Span)| {
            self.walk_refs(scope, child, depth + 1, found);
        };
        match &expr.kind {
            ExprKind::Path(path) => {
                if let Some(resolved) = self.lookup(scope, path) {
                    found(resolved, path.span);
                }
            }
            ExprKind::Number(..) | ExprKind::Bool(_) | ExprKind::Date(_) | ExprKind::Text(_) | ExprKind::AsOf => {}
            ExprKind::Unary(_, operand) | ExprKind::As(operand, _) | ExprKind::Paren(operand) => {
                walk(scope, operand, found)
            }
            ExprKind::Binary(_, left, right) => {
                walk(scope, left, found);
                walk(scope, right, found);
            }
            ExprKind::ScaleLit(brackets) => {
                for (threshold, value) in brackets {
                    walk(scope, threshold, found);
                    walk(scope, value, found);
                }
            }
            ExprKind::In(operand, set) => {
                walk(scope, operand, found);
                match set {
                    InSet::Range(low, high) => {
                        walk(scope, low, found);
                        walk(scope, high, found);
                    }
                    InSet::List(items) => items.iter().for_each(|item| walk(scope, item, found)),
                }
            }
            ExprKind::If(cond, then, otherwise) => {
                for child in [cond, then, otherwise] {
                    walk(scope, child, found);
                }
            }
            ExprKind::Match(scrutinee, arms) => {
                walk(scope, scrutinee, found);
                arms.iter().for_each(|arm| walk(scope, &arm.value, found));
            }
            // `last_year(p)` and `province(p)` read other values of `p`, not this one's inputs.
            ExprKind::Call(name, _) if matches!(name.name.as_str(), "last_year" | "province") => {}
            ExprKind::Call(_, args) => args.iter().for_each(|arg| walk(scope, arg, found)),
            ExprKind::Aggregate { filter, value, .. } => {
                let member = match scope {
                    Scope::Entity(_) => Scope::Entity(EntityKind::Person),
                    other => other,
                };
                filter.iter().chain(value.iter()).for_each(|child| walk(member, child, found));
            }
        }
    }
}
