//! Aggregates over a household's persons, accumulated in the loop over the persons the plan
//! puts them in (see [`crate::jit::plan`]) and read where they occur.
//!
//! The loop visits every member: `any`, `all` and `first` do not stop early, and an aggregate
//! under a branch not taken is computed all the same. Both only add work the interpreter does
//! not do, never change a value: a failure in that extra work gives the household up, and the
//! interpreter then says whether it fails.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::Variable;

use super::{AggregateValue, FunctionTranslator};
use crate::jit::error::JitError;
use crate::jit::plan::node_key;
use crate::tir::{AggKind, Expr, ExprKind};

/// The variables of one aggregate's accumulation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Accumulator {
    kind: AggKind,
    value: Variable,
    /// Whether a member passed the filter (`max`, `min`, `first`).
    found: Variable,
}

/// The parts of an aggregate node.
fn parts(expr: &Expr) -> Result<(AggKind, Option<&Expr>, Option<&Expr>), JitError> {
    match &expr.kind {
        ExprKind::Aggregate { kind, filter, value } => Ok((*kind, filter.as_deref(), value.as_deref())),
        _ => Err(JitError::codegen("an aggregate step that is not an aggregate")),
    }
}

impl FunctionTranslator<'_, '_> {
    /// An aggregate where it occurs: its accumulated value; `max`, `min` and `first` over no
    /// member give the household up.
    pub(super) fn translate_aggregate(&mut self, expr: &Expr, kind: AggKind) -> Result<Value, JitError> {
        let Some(aggregate) = self.aggregates.get(&node_key(expr)).copied() else {
            return Err(JitError::untranslatable(format!("the {kind:?} aggregate outside its loop"), expr.span));
        };
        if let Some(found) = aggregate.found {
            let empty = self.builder.ins().icmp_imm_s(IntCC::Equal, found, 0);
            self.give_up_if(empty)?;
        }
        Ok(aggregate.value)
    }

    /// Before a member loop: an accumulator for an aggregate, at its initial value.
    pub(super) fn start_aggregate(&mut self, expr: &Expr) -> Result<Accumulator, JitError> {
        let (kind, ..) = parts(expr)?;
        let accumulator =
            Accumulator { kind, value: self.builder.declare_var(I64), found: self.builder.declare_var(I64) };
        let initial = self.builder.ins().iconst(I64, i64::from(kind == AggKind::All));
        let zero = self.builder.ins().iconst(I64, 0);
        self.builder.def_var(accumulator.value, initial);
        self.builder.def_var(accumulator.found, zero);
        Ok(accumulator)
    }

    /// In the loop's body, for the member in scope: the filter, then the value (evaluated
    /// whenever present, as the interpreter does, even for `count`), folded into the accumulator.
    pub(super) fn accumulate(&mut self, expr: &Expr, accumulator: Accumulator) -> Result<(), JitError> {
        let (kind, filter, value) = parts(expr)?;
        let after = self.builder.create_block();
        // When the value cannot fail, it is computed for every member and the filter selects
        // whether the accumulator takes it: no branch on the filter to mispredict.
        let branch_free = value.is_none_or(|value| self.speculable(value));
        let mut gate = None;
        if let Some(filter) = filter {
            let passes = self.translate(filter)?;
            if branch_free {
                gate = Some(passes);
            } else {
                let pass = self.builder.create_block();
                self.builder.ins().brif(passes, pass, &[], after, &[]);
                self.builder.switch_to_block(pass);
            }
        }
        let item = match (value, gate) {
            (Some(value), Some(passes)) => Some(self.translate_when(passes, value)?),
            (Some(value), None) => Some(self.translate(value)?),
            (None, _) => None,
        };
        // A sum adds 0 for a member the filter leaves out (so it cannot overflow on its account).
        let item = match (kind, item, gate) {
            (AggKind::Sum, Some(item), Some(passes)) => {
                let zero = self.builder.ins().iconst(I64, 0);
                Some(self.builder.ins().select(passes, item, zero))
            }
            (_, item, _) => item,
        };
        let one = self.builder.ins().iconst(I64, 1);
        let current = self.builder.use_var(accumulator.value);
        let found = self.builder.use_var(accumulator.found);
        let next = match (kind, item) {
            (AggKind::Count, _) => Some(self.builder.ins().iadd(current, one)),
            (AggKind::Any, None) => Some(one),
            // Without a value, `sum` stays 0 and `all` true; `max`, `min` and `first` find
            // nothing (an error where read).
            (_, None) => None,
            (AggKind::Sum, Some(item)) => {
                let (sum, overflow) = self.builder.ins().sadd_overflow(current, item);
                self.give_up_if(overflow)?;
                Some(sum)
            }
            (AggKind::Any | AggKind::All, Some(item)) => {
                let holds = self.builder.ins().icmp_imm_s(IntCC::NotEqual, item, 0);
                let holds = self.builder.ins().uextend(I64, holds);
                Some(if kind == AggKind::Any {
                    self.builder.ins().bor(current, holds)
                } else {
                    self.builder.ins().band(current, holds)
                })
            }
            (AggKind::First, Some(item)) => Some(self.builder.ins().select(found, current, item)),
            (AggKind::Max | AggKind::Min, Some(item)) => {
                let better = if kind == AggKind::Max {
                    self.builder.ins().smax(current, item)
                } else {
                    self.builder.ins().smin(current, item)
                };
                Some(self.builder.ins().select(found, better, item))
            }
        };
        if let Some(next) = next {
            let next = match gate {
                Some(passes) => self.builder.ins().select(passes, next, current),
                None => next,
            };
            self.builder.def_var(accumulator.value, next);
            if let (AggKind::Max | AggKind::Min | AggKind::First, Some(_)) = (kind, item) {
                let now_found = match gate {
                    Some(passes) => self.builder.ins().select(passes, one, found),
                    None => one,
                };
                self.builder.def_var(accumulator.found, now_found);
            }
        }
        self.builder.ins().jump(after, &[]);
        self.builder.switch_to_block(after);
        Ok(())
    }

    /// After the loop: the aggregate's result, for the expressions that read it.
    pub(super) fn finish_aggregate(&mut self, expr: &Expr, accumulator: Accumulator) {
        let value = self.builder.use_var(accumulator.value);
        let found = match accumulator.kind {
            AggKind::Max | AggKind::Min | AggKind::First => Some(self.builder.use_var(accumulator.found)),
            _ => None,
        };
        self.aggregates.insert(node_key(expr), AggregateValue { value, found });
    }
}
