//! The checker's state while it walks expressions: declarations (read-only), diagnostics, text
//! literals, rule types found so far, and the current scope and nesting depth.

use super::decls::Decls;
use super::error::TypeError;
use super::resolve::Scope;
use super::types::{push, ty_name};
use crate::diagnostic::Diagnostic;
use crate::jurisdictions::JurisdictionTable;
use crate::text::{TextHandle, TextOrigin};
use crate::tir::{self, Ty, Word};
use pol_grammar::Span;
use std::collections::HashMap;

/// The expression checker.
pub(super) struct Checker<'d> {
    /// Every declaration, collected beforehand.
    pub decls: &'d Decls<'d>,
    /// Errors so far.
    pub diags: Vec<Diagnostic>,
    /// Text literals of the program.
    pub texts: Interner,
    /// The counties, for test county codes.
    pub table: JurisdictionTable,
    /// The type of each rule when known: declared, or inferred once its body is checked.
    pub rule_types: Vec<Option<Ty>>,
    /// The scope of the expression being checked.
    pub scope: Scope,
    /// Current nesting depth.
    pub depth: u32,
    /// Whether the current root expression was already reported as too deep.
    pub too_deep: bool,
    /// The period and name of the rule being checked, when its direct reads must be of its
    /// own period (named and validation rules; `None` elsewhere).
    pub period: Option<(tir::Per, String)>,
}

/// Text literals, each stored once; a literal's word is its handle.
#[derive(Debug, Default)]
pub(super) struct Interner {
    /// The texts in order of first use.
    pub texts: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    /// The handle word of a text literal.
    pub(super) fn word(&mut self, text: &str) -> Word {
        let index = match self.index.get(text) {
            Some(index) => *index,
            None => {
                let index = self.texts.len() as u32;
                self.texts.push(text.to_string());
                self.index.insert(text.to_string(), index);
                index
            }
        };
        TextHandle::new(TextOrigin::Literal, index).to_word()
    }
}

impl<'d> Checker<'d> {
    /// A checker over collected declarations.
    pub(super) fn new(decls: &'d Decls<'d>, table: JurisdictionTable, diags: Vec<Diagnostic>) -> Checker<'d> {
        let rule_types = decls
            .rules
            .iter()
            .map(|plan| match plan.ty {
                super::decls::PlanTy::Declared(ty) => Some(ty),
                _ => None,
            })
            .collect();
        Checker {
            decls,
            diags,
            texts: Interner::default(),
            table,
            rule_types,
            scope: Scope::Literal("a literal value"),
            depth: 0,
            too_deep: false,
            period: None,
        }
    }

    /// Records an error whose primary label is `span`.
    pub(super) fn error(&mut self, span: Span, error: TypeError) {
        push(&mut self.diags, span, error);
    }

    /// [`Self::error`] with a related place in another file (`super::error::elsewhere`).
    pub(super) fn error_with(&mut self, span: Span, error: TypeError, related: Option<(Span, String)>) {
        super::types::push_with(&mut self.diags, span, error, related);
    }

    /// A type's name as written.
    pub(super) fn ty_name(&self, ty: Ty) -> String {
        ty_name(&self.decls.enums, self.decls.currency, ty)
    }

    /// The number of errors so far (to tell whether a step added any).
    pub(super) fn n_errors(&self) -> usize {
        self.diags.len()
    }

    /// The declared range of an int column read directly, for `match` exhaustiveness.
    pub(super) fn column_range(&self, expr: &tir::Expr) -> Option<(i64, i64)> {
        let tir::ExprKind::Column(entity, column) = expr.kind else { return None };
        let info = self.decls.entities.get(super::decls::entity_index(entity))?;
        info.schema.columns.get(column.0 as usize)?.range
    }
}

/// A constant node.
pub(super) fn konst(word: Word, ty: Ty, span: Span) -> tir::Expr {
    tir::Expr { kind: tir::ExprKind::Const(word), ty, span }
}

/// Joins expressions pairwise into a balanced tree (left to right), so that a long `in` list
/// or `min` adds only logarithmic depth; `None` for no expression.
pub(super) fn balanced(
    mut exprs: Vec<tir::Expr>,
    join: &dyn Fn(tir::Expr, tir::Expr) -> tir::Expr,
) -> Option<tir::Expr> {
    if exprs.len() <= 1 {
        return exprs.pop();
    }
    let right = exprs.split_off(exprs.len() / 2);
    Some(join(balanced(exprs, join)?, balanced(right, join)?))
}

/// A binary node.
pub(super) fn binary(op: tir::BinOp, left: tir::Expr, right: tir::Expr, ty: Ty, span: Span) -> tir::Expr {
    tir::Expr { kind: tir::ExprKind::Binary(op, Box::new(left), Box::new(right)), ty, span }
}
