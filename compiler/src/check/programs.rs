//! The `program` declarations and the `visit` list: names to household rules, checked to be
//! money per month (programs) and `bool` (the visit list). What `pol reconcile` reads.

use super::context::Checker;
use super::decls::entity_index;
use super::error::{TypeError, elsewhere, same_file};
use crate::tir::{self, RuleId, Ty};
use pol_grammar::Span;
use pol_grammar::ast::{EntityKind, Ident, Period};
use std::collections::HashMap;

/// The checked programs and visit list; `None` for a part that failed (and was reported).
pub(super) type CheckedPrograms = (Option<Vec<tir::PaidProgram>>, Option<Option<RuleId>>);

impl Checker<'_> {
    /// The programs in declaration order and the visit list, if declared.
    pub(super) fn build_programs(&mut self, rules: &[Option<tir::Rule>]) -> CheckedPrograms {
        let decls = self.decls;
        let mut programs = Vec::with_capacity(decls.programs.len());
        let mut failed = false;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for decl in &decls.programs {
            if let Some(first) = seen.get(decl.id.name.as_str()) {
                let error = TypeError::ProgramDuplicate {
                    id: decl.id.name.clone(),
                    span: decl.id.span,
                    first: same_file(decl.id.span, *first),
                };
                self.error_with(decl.id.span, error, elsewhere(decl.id.span, *first, "first declared here"));
                failed = true;
                continue;
            }
            seen.insert(&decl.id.name, decl.id.span);
            let mut ids = Vec::with_capacity(decl.rules.len());
            for name in &decl.rules {
                match self.program_rule(&decl.id.name, name, rules) {
                    Some(id) => ids.push(id),
                    None => failed = true,
                }
            }
            programs.push(tir::PaidProgram {
                id: decl.id.name.clone(),
                name: decl.name.value.clone(),
                rules: ids,
                span: decl.span,
            });
        }
        let visit = self.build_visit(rules);
        ((!failed).then_some(programs), visit)
    }

    /// The household rule `name` of program `id`, when it is money per month.
    fn program_rule(&mut self, id: &str, name: &Ident, rules: &[Option<tir::Rule>]) -> Option<RuleId> {
        let Some(rule_id) = self.household_rule(name) else {
            let error = TypeError::ProgramUnknownRule { id: id.to_string(), rule: name.name.clone(), span: name.span };
            self.error(name.span, error);
            return None;
        };
        // A rule whose body failed to check was reported already.
        let ty = rules.get(rule_id.0 as usize)?.as_ref()?.ty;
        if ty != Ty::Money(Period::Month) {
            let error = TypeError::ProgramNotMonthly {
                id: id.to_string(),
                rule: name.name.clone(),
                ty: self.ty_name(ty),
                span: name.span,
            };
            self.error(name.span, error);
            return None;
        }
        Some(rule_id)
    }

    /// The visit list: `Some(None)` when none is declared.
    fn build_visit(&mut self, rules: &[Option<tir::Rule>]) -> Option<Option<RuleId>> {
        let decls = self.decls;
        let mut visits = decls.visits.iter();
        let Some(decl) = visits.next() else { return Some(None) };
        let mut failed = false;
        for extra in visits {
            let error = TypeError::VisitTwice { span: extra.span, first: same_file(extra.span, decl.span) };
            self.error_with(extra.span, error, elsewhere(extra.span, decl.span, "first declared here"));
            failed = true;
        }
        let rule = self.household_rule(&decl.rule);
        let ty = rule.and_then(|id| rules.get(id.0 as usize)).map(|rule| rule.as_ref().map(|rule| rule.ty));
        match ty {
            // The rule's body failed to check: reported already.
            Some(None) => return None,
            Some(Some(Ty::Bool)) => {}
            Some(Some(_)) | None => {
                let error = TypeError::VisitNotBool { rule: decl.rule.name.clone(), span: decl.rule.span };
                self.error(decl.rule.span, error);
                return None;
            }
        }
        (!failed).then_some(rule)
    }

    /// A named household rule.
    fn household_rule(&self, name: &Ident) -> Option<RuleId> {
        let info = self.decls.entities.get(entity_index(EntityKind::Household))?;
        info.rule_by_name.get(&name.name).copied()
    }
}
