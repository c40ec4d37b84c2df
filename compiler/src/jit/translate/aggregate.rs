//! Aggregates over a household's persons: a loop in person scope.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, InstBuilder, Value};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

use super::{FunctionTranslator, Scope};
use crate::jit::codes;
use crate::jit::error::JitError;
use crate::tir::{AggKind, Expr};

impl FunctionTranslator<'_, '_> {
    /// An aggregate over the household's persons: a loop in person scope, leaving early for
    /// `any`, `all` and `first` once the answer is known.
    pub(super) fn translate_aggregate(
        &mut self,
        kind: AggKind,
        filter: Option<&Expr>,
        value: Option<&Expr>,
        span: Span,
    ) -> Result<Value, JitError> {
        let (start, end) = self.member_range(EntityKind::Person);
        let index = self.builder.declare_var(I64);
        let accumulator = self.builder.declare_var(I64);
        let found = self.builder.declare_var(I64);
        let initial = self.builder.ins().iconst(I64, i64::from(kind == AggKind::All));
        let zero = self.builder.ins().iconst(I64, 0);
        self.builder.def_var(index, start);
        self.builder.def_var(accumulator, initial);
        self.builder.def_var(found, zero);
        let loop_blocks = AggregateBlocks {
            header: self.builder.create_block(),
            body: self.builder.create_block(),
            next: self.builder.create_block(),
            exit: self.builder.create_block(),
        };
        self.builder.ins().jump(loop_blocks.header, &[]);
        self.builder.switch_to_block(loop_blocks.header);
        let row = self.builder.use_var(index);
        let more = self.builder.ins().icmp(IntCC::SignedLessThan, row, end);
        self.builder.ins().brif(more, loop_blocks.body, &[], loop_blocks.exit, &[]);
        self.builder.switch_to_block(loop_blocks.body);
        let outer = self.scope;
        self.scope = Scope { entity: EntityKind::Person, row };
        if let Some(filter) = filter {
            let passes = self.translate(filter)?;
            let pass = self.builder.create_block();
            self.builder.ins().brif(passes, pass, &[], loop_blocks.next, &[]);
            self.builder.switch_to_block(pass);
        }
        let vars = AggregateVars { accumulator, found };
        self.emit_accumulate(kind, value, vars, &loop_blocks, span)?;
        self.scope = outer;
        self.builder.switch_to_block(loop_blocks.next);
        let row = self.builder.use_var(index);
        let next_row = self.builder.ins().iadd_imm_u(row, 1);
        self.builder.def_var(index, next_row);
        self.builder.ins().jump(loop_blocks.header, &[]);
        self.builder.switch_to_block(loop_blocks.exit);
        if let AggKind::Max | AggKind::Min | AggKind::First = kind {
            let seen = self.builder.use_var(found);
            let empty = self.builder.ins().icmp_imm_s(IntCC::Equal, seen, 0);
            self.fail_if(empty, codes::EMPTY_AGGREGATE, span)?;
        }
        Ok(self.builder.use_var(accumulator))
    }

    /// The body of an aggregate for one member that passed the filter; ends with a jump to
    /// `next` or (when the answer is known) `exit`.
    fn emit_accumulate(
        &mut self,
        kind: AggKind,
        value: Option<&Expr>,
        vars: AggregateVars,
        blocks: &AggregateBlocks,
        span: Span,
    ) -> Result<(), JitError> {
        let AggregateVars { accumulator, found } = vars;
        // Like the interpreter: the value is evaluated whenever it is present (even for
        // `count`); without one, `any` holds at the first member and the others skip it.
        let item = match value {
            Some(value) => Some(self.translate(value)?),
            None => None,
        };
        let one = self.builder.ins().iconst(I64, 1);
        match (kind, item) {
            (AggKind::Count, _) => {
                let count = self.builder.use_var(accumulator);
                let count = self.builder.ins().iadd(count, one);
                self.builder.def_var(accumulator, count);
                self.builder.ins().jump(blocks.next, &[]);
            }
            (AggKind::Any, None) => {
                self.builder.def_var(accumulator, one);
                self.builder.ins().jump(blocks.exit, &[]);
            }
            (_, None) => {
                self.builder.ins().jump(blocks.next, &[]);
            }
            (AggKind::Sum, Some(item)) => {
                let sum = self.builder.use_var(accumulator);
                let (sum, overflow) = self.builder.ins().sadd_overflow(sum, item);
                self.fail_if(overflow, codes::OVERFLOW, span)?;
                self.builder.def_var(accumulator, sum);
                self.builder.ins().jump(blocks.next, &[]);
            }
            (AggKind::Any | AggKind::All, Some(item)) => {
                self.emit_decide(kind == AggKind::Any, item, accumulator, blocks)
            }
            (AggKind::First, Some(item)) => {
                self.builder.def_var(accumulator, item);
                self.builder.def_var(found, one);
                self.builder.ins().jump(blocks.exit, &[]);
            }
            (AggKind::Max | AggKind::Min, Some(item)) => {
                let best = self.builder.use_var(accumulator);
                let seen = self.builder.use_var(found);
                let better = if kind == AggKind::Max {
                    self.builder.ins().smax(best, item)
                } else {
                    self.builder.ins().smin(best, item)
                };
                let best = self.builder.ins().select(seen, better, item);
                self.builder.def_var(accumulator, best);
                self.builder.def_var(found, one);
                self.builder.ins().jump(blocks.next, &[]);
            }
        }
        Ok(())
    }

    /// `any` leaves with 1 at the first member whose value holds; `all` with 0 at the first
    /// whose value does not.
    fn emit_decide(
        &mut self,
        is_any: bool,
        item: Value,
        accumulator: cranelift_frontend::Variable,
        blocks: &AggregateBlocks,
    ) {
        let decided = self.builder.create_block();
        let (then_block, else_block) = if is_any { (decided, blocks.next) } else { (blocks.next, decided) };
        self.builder.ins().brif(item, then_block, &[], else_block, &[]);
        self.builder.switch_to_block(decided);
        let answer = self.builder.ins().iconst(I64, i64::from(is_any));
        self.builder.def_var(accumulator, answer);
        self.builder.ins().jump(blocks.exit, &[]);
    }
}

/// The blocks of an aggregate loop.
struct AggregateBlocks {
    header: Block,
    body: Block,
    next: Block,
    exit: Block,
}

/// The variables of an aggregate loop.
#[derive(Clone, Copy)]
struct AggregateVars {
    accumulator: cranelift_frontend::Variable,
    found: cranelift_frontend::Variable,
}
