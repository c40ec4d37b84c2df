//! Typed expressions to cranelift IR: the [`FunctionTranslator`], with one `translate_<node>`
//! method per expression kind or operator family, and `emit_<part>` methods (in `household`)
//! for the parts of the function that are not expressions (loops, stores, the way out).
//!
//! Every value is an `i64` cranelift value holding the word. Control flow (`if`, `match`,
//! `and`/`or`) uses merge blocks with one block parameter; loop counters and accumulators are
//! frontend [`Variable`](cranelift_frontend::Variable)s. An operation that fails branches to the
//! household's cold *give-up* block, which marks the household for the interpreter.

use std::collections::HashMap;
use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

mod aggregate;
mod arithmetic;
mod household;

use super::abi::{self, RawContext};
use super::error::JitError;
use super::plan::{NodeKey, Plan, node_key};
use crate::text::MASK_BIT;
use crate::tir::{
    AttrId, BinOp, Bracket, ColumnId, Expr, ExprKind, ParamId, Pat, Program, RuleId, ScaleId, ScaleKind, UnOp, Word,
};

/// The helpers a function may call, imported into it.
pub(super) struct HelperRefs {
    /// `pol_jit_mul_scaled(a, b, out) -> status`.
    pub mul_scaled: FuncRef,
    /// `pol_jit_div_scaled(a, b, out) -> status`.
    pub div_scaled: FuncRef,
    /// `pol_jit_years_between(from, to) -> years`.
    pub years_between: FuncRef,
    /// `pol_jit_text_eq(texts, a, b) -> 0 | 1`.
    pub text_eq: FuncRef,
    /// `pol_jit_scale(kind, brackets, len, x, out) -> status`.
    pub scale: FuncRef,
    /// `pol_jit_county_scale(counties, county, scale, kind, factor, x, out) -> status`.
    pub county_scale: FuncRef,
}

/// The record an expression is evaluated for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope {
    /// Its entity.
    pub entity: EntityKind,
    /// Its row in the entity's columns.
    pub row: Value,
}

/// The parameters of the function: `fn(ctx, start, end)` evaluates households `start..end`.
#[derive(Debug, Clone, Copy)]
pub(super) struct FunctionParams {
    /// `*const RawContext`.
    pub ctx: Value,
    /// The first household.
    pub start: Value,
    /// One past the last household.
    pub end: Value,
}

/// An aggregate's result after its loop: the value, and for `max`, `min` and `first` whether
/// some member passed the filter (the value is an error otherwise).
#[derive(Debug, Clone, Copy)]
struct AggregateValue {
    value: Value,
    found: Option<Value>,
}

/// Translates a planned program into the body of its function.
pub(super) struct FunctionTranslator<'a, 'f> {
    builder: FunctionBuilder<'f>,
    program: &'a Program,
    plan: &'a Plan<'a>,
    helpers: HelperRefs,
    /// Each scale's brackets in force, owned by the engine.
    scales: &'a [Vec<Bracket>],
    pointer: Type,
    params: FunctionParams,
    /// The household being computed (a value of the household loop's body).
    household: Value,
    /// Its county row (parameters, then attributes), when the program reads one.
    county_row: Option<Value>,
    /// Its county's row of county-level values, when the plan has any.
    county_values: Option<Value>,
    /// The record being visited (changes inside member loops).
    scope: Scope,
    /// The household's give-up block.
    give_up: Option<Block>,
    /// Values loaded once in the entry block, or once per household (see
    /// [`FunctionTranslator::emit_preloads`]).
    preloaded: HashMap<Preload, Value>,
    /// The household's rules computed so far in this household's iteration.
    household_values: HashMap<RuleId, Value>,
    /// The member rules computed so far for the member being visited, in the current loop.
    member_values: HashMap<RuleId, Value>,
    /// The aggregates accumulated so far in this household's iteration.
    aggregates: HashMap<NodeKey, AggregateValue>,
    /// While translating an operand the interpreter might not evaluate (a branch computed
    /// without branching): the `i8` condition under which the interpreter does evaluate it.
    /// A failure there gives the household up only when it holds.
    predicate: Option<Value>,
}

/// A load hoisted into the entry block of the function (or the start of a household).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Preload {
    /// A field of the context, by byte offset.
    Field(usize),
    /// Column pointer `index` of the table in context field `field`.
    Column(usize, usize),
    /// The household's first row of an entity (`person_offsets[h]`).
    RangeStart(EntityKind),
    /// The household's end row of an entity.
    RangeEnd(EntityKind),
    /// The household's county row (per household; the marker that the program needs it).
    CountyRow,
}

/// Flags for loads of the context and its pointer tables: valid, aligned, never written during
/// a call. Not `can_move`: letting the optimiser hoist them to the function's entry lengthened
/// their live ranges into spills (callgrind: 2.6% more instructions in the generated code).
fn table_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}

/// Flags for input columns, county words and tables: valid, aligned, never written during a call.
fn input_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}

/// The byte offset of word `index`, as a load offset.
fn word_offset(index: usize) -> Result<i32, JitError> {
    index
        .checked_mul(8)
        .and_then(|offset| i32::try_from(offset).ok())
        .ok_or_else(|| JitError::codegen("offset beyond 2 GiB"))
}

/// The context field holding an entity's input column pointers.
fn columns_field(entity: EntityKind) -> usize {
    match entity {
        EntityKind::Household => offset_of!(RawContext, household_columns),
        EntityKind::Person => offset_of!(RawContext, person_columns),
        EntityKind::Case => offset_of!(RawContext, case_columns),
    }
}

/// The context field holding an entity's result column pointers.
fn results_field(entity: EntityKind) -> usize {
    match entity {
        EntityKind::Household => offset_of!(RawContext, household_results),
        EntityKind::Person => offset_of!(RawContext, person_results),
        EntityKind::Case => offset_of!(RawContext, case_results),
    }
}

/// The comparison a binary operator performs, if it is one.
fn comparison(op: BinOp) -> Option<IntCC> {
    Some(match op {
        BinOp::Eq => IntCC::Equal,
        BinOp::Ne => IntCC::NotEqual,
        BinOp::Lt => IntCC::SignedLessThan,
        BinOp::Le => IntCC::SignedLessThanOrEqual,
        BinOp::Gt => IntCC::SignedGreaterThan,
        BinOp::Ge => IntCC::SignedGreaterThanOrEqual,
        _ => return None,
    })
}

impl<'a, 'f> FunctionTranslator<'a, 'f> {
    /// A translator positioned in the entry block (already filled with nothing but its
    /// parameters).
    pub(super) fn new(
        builder: FunctionBuilder<'f>,
        program: &'a Program,
        plan: &'a Plan<'a>,
        helpers: HelperRefs,
        params: FunctionParams,
        scales: &'a [Vec<Bracket>],
    ) -> Self {
        let household = params.start;
        let scope = Scope { entity: EntityKind::Household, row: household };
        FunctionTranslator {
            builder,
            program,
            plan,
            helpers,
            scales,
            pointer: I64,
            params,
            household,
            county_row: None,
            county_values: None,
            scope,
            give_up: None,
            preloaded: HashMap::new(),
            household_values: HashMap::new(),
            member_values: HashMap::new(),
            aggregates: HashMap::new(),
            predicate: None,
        }
    }

    /// The builder, to finish the function.
    pub(super) fn into_builder(self) -> FunctionBuilder<'f> {
        self.builder
    }

    // ---- failures and memory --------------------------------------------------------------

    /// Gives up on the household when `failed` (an `i8` condition) holds (and the predicate,
    /// if there is one).
    pub(super) fn give_up_if(&mut self, failed: Value) -> Result<(), JitError> {
        let give_up = self.give_up.ok_or_else(|| JitError::codegen("a failure outside a household"))?;
        let failed = match self.predicate {
            Some(predicate) => self.builder.ins().band(failed, predicate),
            None => failed,
        };
        let next = self.builder.create_block();
        self.builder.ins().brif(failed, give_up, &[], next, &[]);
        self.builder.switch_to_block(next);
        Ok(())
    }

    /// Ends the current block by giving up on the household, or (under a predicate) by giving
    /// it up when the predicate holds and otherwise jumping to `merge` with 0.
    fn give_up_always(&mut self, merge: Block) -> Result<(), JitError> {
        let give_up = self.give_up.ok_or_else(|| JitError::codegen("a failure outside a household"))?;
        if self.predicate.is_some() {
            let always = self.builder.ins().iconst(cranelift_codegen::ir::types::I8, 1);
            self.give_up_if(always)?;
            let zero = self.builder.ins().iconst(I64, 0);
            self.builder.ins().jump(merge, &[BlockArg::Value(zero)]);
        } else {
            self.builder.ins().jump(give_up, &[]);
        }
        Ok(())
    }

    /// Translates an expression the interpreter evaluates only when `condition` (a word) is
    /// not 0: its failures count only then.
    pub(super) fn translate_when(&mut self, condition: Value, expr: &Expr) -> Result<Value, JitError> {
        let holds = self.builder.ins().icmp_imm_s(IntCC::NotEqual, condition, 0);
        self.translate_under(holds, expr)
    }

    /// Translates an expression whose failures count only when `holds` (an `i8` condition).
    fn translate_under(&mut self, holds: Value, expr: &Expr) -> Result<Value, JitError> {
        let outer = self.predicate;
        let predicate = match outer {
            Some(outer) => self.builder.ins().band(outer, holds),
            None => holds,
        };
        self.predicate = Some(predicate);
        let value = self.translate(expr);
        self.predicate = outer;
        value
    }

    /// A field of the context.
    fn load_context(&mut self, field: usize, ty: Type) -> Value {
        if let Some(value) = self.preloaded.get(&Preload::Field(field)) {
            return *value;
        }
        let offset = abi::field_offset(field);
        self.builder.ins().load(ty, table_flags(), self.params.ctx, offset)
    }

    /// The pointer to column `index` of the pointer table in context field `field`.
    fn column_pointer(&mut self, field: usize, index: usize) -> Result<Value, JitError> {
        if let Some(value) = self.preloaded.get(&Preload::Column(field, index)) {
            return Ok(*value);
        }
        let table = self.load_context(field, self.pointer);
        let offset = word_offset(index)?;
        Ok(self.builder.ins().load(self.pointer, table_flags(), table, offset))
    }

    /// One word of a column.
    fn load_cell(&mut self, column: Value, row: Value, flags: MemFlagsData) -> Value {
        let offset = self.builder.ins().ishl_imm_u(row, 3);
        let address = self.builder.ins().iadd(column, offset);
        self.builder.ins().load(I64, flags, address, 0)
    }

    /// The row of `entity` seen from the current scope: the scope's own row, or its household's.
    fn row_of(&self, entity: EntityKind, span: Span) -> Result<Value, JitError> {
        if entity == self.scope.entity {
            Ok(self.scope.row)
        } else if entity == EntityKind::Household {
            Ok(self.household)
        } else {
            let what = format!("a {} value read for a {}", entity.keyword(), self.scope.entity.keyword());
            Err(JitError::untranslatable(what, span))
        }
    }

    // ---- expressions ----------------------------------------------------------------------

    /// The word an expression computes.
    pub(super) fn translate(&mut self, expr: &Expr) -> Result<Value, JitError> {
        if let Some(slot) = self.plan.county_slots.get(&node_key(expr)) {
            return self.load_county_value(*slot);
        }
        match &expr.kind {
            ExprKind::Const(word) => Ok(self.builder.ins().iconst(I64, *word)),
            ExprKind::Column(entity, column) => self.translate_column(*entity, *column, expr.span),
            ExprKind::Rule(rule) => self.translate_rule(*rule, expr.span),
            // `last_year` and `province` only occur in parameter constraints; like the
            // interpreter, read them as the parameter.
            ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => {
                self.translate_param(*param, expr.span)
            }
            ExprKind::CountyAttr(attr) => self.translate_county_attr(*attr, expr.span),
            ExprKind::AsOf => Ok(self.load_context(offset_of!(RawContext, as_of), I64)),
            ExprKind::Unary(op, operand) => self.translate_unary(*op, operand),
            ExprKind::Binary(op, left, right) => self.translate_binary(*op, left, right, expr.span),
            ExprKind::If(cond, then, otherwise) => self.translate_if(cond, then, otherwise),
            ExprKind::Match(scrutinee, arms) => self.translate_match(scrutinee, arms),
            ExprKind::Aggregate { kind, .. } => self.translate_aggregate(expr, *kind),
            ExprKind::Mask(text) => self.translate_mask(text),
            ExprKind::Scale(kind, scale, operand) => self.translate_scale(*kind, *scale, operand, expr.span),
            ExprKind::Periodic(read, _) => {
                Err(JitError::untranslatable(format!("`{}` before `Program::on` unrolls it", read.name()), expr.span))
            }
            ExprKind::OtherScale(..) => {
                Err(JitError::untranslatable("another jurisdiction's or year's scale (only in a `require`)", expr.span))
            }
        }
    }

    /// `marginal(scale, x)` calls the interpreter's function through a helper, with the
    /// scale's bracket table (owned by the engine); `bracket(scale, x)` selects, bracket by
    /// bracket, the value of the last one whose threshold is at most `x` (0 below the first).
    /// A local scale's brackets differ by county: a helper reads the household's county's from
    /// the county table and applies them, as the interpreter does.
    fn translate_scale(
        &mut self,
        kind: ScaleKind,
        scale: ScaleId,
        operand: &Expr,
        span: Span,
    ) -> Result<Value, JitError> {
        let x = self.translate(operand)?;
        let def = self
            .program
            .scales
            .get(scale.0 as usize)
            .ok_or_else(|| JitError::untranslatable(format!("scale {}", scale.0), span))?;
        let kind_code = self.builder.ins().iconst(I64, abi::scale_kind_code(kind));
        if def.is_local() {
            let counties = self.load_context(offset_of!(RawContext, counties), self.pointer);
            let county = self.county_index()?;
            let scale_index = self.builder.ins().iconst(I64, i64::from(scale.0));
            let factor = self.builder.ins().iconst(I64, self.program.threshold_factor(scale));
            let (slot, out) = self.result_slot();
            let arguments = [counties, county, scale_index, kind_code, factor, x, out];
            let call = self.builder.ins().call(self.helpers.county_scale, &arguments);
            return self.helper_result(call, slot);
        }
        let brackets = self
            .scales
            .get(scale.0 as usize)
            .ok_or_else(|| JitError::untranslatable(format!("scale {}", scale.0), span))?;
        match kind {
            ScaleKind::Bracket => {
                let mut result = self.builder.ins().iconst(I64, 0);
                for bracket in brackets {
                    let reached = self.builder.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, x, bracket.threshold);
                    let value = self.builder.ins().iconst(I64, bracket.value);
                    result = self.builder.ins().select(reached, value, result);
                }
                Ok(result)
            }
            ScaleKind::Marginal | ScaleKind::MarginalAmount => {
                let len = i64::try_from(brackets.len()).map_err(|_| JitError::untranslatable("a scale", span))?;
                let table = self.builder.ins().iconst(I64, brackets.as_ptr() as i64);
                let len = self.builder.ins().iconst(I64, len);
                let (slot, out) = self.result_slot();
                let call = self.builder.ins().call(self.helpers.scale, &[kind_code, table, len, x, out]);
                self.helper_result(call, slot)
            }
        }
    }

    /// An 8-byte stack slot for a helper's result, and its address.
    fn result_slot(&mut self) -> (cranelift_codegen::ir::StackSlot, Value) {
        let slot = self.builder.create_sized_stack_slot(cranelift_codegen::ir::StackSlotData::new(
            cranelift_codegen::ir::StackSlotKind::ExplicitSlot,
            8,
            3,
        ));
        let out = self.builder.ins().stack_addr(self.pointer, slot, 0);
        (slot, out)
    }

    /// The value a helper wrote into `slot`, giving the household up when its status is not OK.
    fn helper_result(
        &mut self,
        call: cranelift_codegen::ir::Inst,
        slot: cranelift_codegen::ir::StackSlot,
    ) -> Result<Value, JitError> {
        let status = self.first_result(call)?;
        let failed = self.builder.ins().icmp_imm_s(IntCC::NotEqual, status, i64::from(abi::HELPER_OK));
        self.give_up_if(failed)?;
        Ok(self.builder.ins().stack_load(self.pointer, I64, slot, 0))
    }

    /// An input column of the scope's record or its household.
    fn translate_column(&mut self, entity: EntityKind, column: ColumnId, span: Span) -> Result<Value, JitError> {
        let row = self.row_of(entity, span)?;
        if column.0 as usize >= self.program.schema(entity).columns.len() {
            return Err(JitError::untranslatable(format!("column {} of the {}", column.0, entity.keyword()), span));
        }
        let pointer = self.column_pointer(columns_field(entity), column.0 as usize)?;
        Ok(self.load_cell(pointer, row, input_flags()))
    }

    /// A rule's value for the scope's record or its household: the value computed in this
    /// household's iteration (household rules, and member rules of the same loop), else the
    /// one stored by an earlier loop.
    fn translate_rule(&mut self, id: RuleId, span: Span) -> Result<Value, JitError> {
        let Some(rule) = self.program.rule(id) else {
            return Err(JitError::untranslatable(format!("rule {}", id.0), span));
        };
        let row = self.row_of(rule.entity, span)?;
        let computed = if rule.entity == EntityKind::Household { &self.household_values } else { &self.member_values };
        if let Some(value) = computed.get(&id) {
            return Ok(*value);
        }
        if rule.entity == EntityKind::Household {
            return Err(JitError::untranslatable(format!("rule `{}` read before it is computed", rule.name), span));
        }
        let pointer = self.column_pointer(results_field(rule.entity), rule.slot as usize)?;
        Ok(self.load_cell(pointer, row, MemFlagsData::trusted()))
    }

    /// A parameter: word `param` of the household's county row.
    fn translate_param(&mut self, param: ParamId, span: Span) -> Result<Value, JitError> {
        if param.0 as usize >= self.program.params.len() {
            return Err(JitError::untranslatable(format!("parameter {}", param.0), span));
        }
        self.load_county_word(param.0 as usize)
    }

    /// A jurisdiction attribute: the words after the parameters in the county row.
    fn translate_county_attr(&mut self, attr: AttrId, span: Span) -> Result<Value, JitError> {
        if attr.0 as usize >= self.program.jurisdiction.attrs.len() {
            return Err(JitError::untranslatable(format!("jurisdiction attribute {}", attr.0), span));
        }
        self.load_county_word(self.program.params.len() + attr.0 as usize)
    }

    /// Slot `slot` of the household's county's row of county-level values (after the flag).
    fn load_county_value(&mut self, slot: usize) -> Result<Value, JitError> {
        let offset = word_offset(slot + 1)?;
        let row = self.county_values.ok_or_else(|| JitError::codegen("a county-level value without its row"))?;
        Ok(self.builder.ins().load(I64, input_flags(), row, offset))
    }

    /// Word `index` of the household's county row.
    fn load_county_word(&mut self, index: usize) -> Result<Value, JitError> {
        let offset = word_offset(index)?;
        let row = self.county_row.ok_or_else(|| JitError::codegen("a county read the rule was not scanned for"))?;
        Ok(self.builder.ins().load(I64, input_flags(), row, offset))
    }

    /// `not x` (1 when the word is 0) and checked `-x`.
    fn translate_unary(&mut self, op: UnOp, operand: &Expr) -> Result<Value, JitError> {
        let value = self.translate(operand)?;
        match op {
            UnOp::Not => {
                let is_false = self.builder.ins().icmp_imm_s(IntCC::Equal, value, 0);
                Ok(self.builder.ins().uextend(I64, is_false))
            }
            UnOp::Neg => {
                let zero = self.builder.ins().iconst(I64, 0);
                let (negated, overflow) = self.builder.ins().ssub_overflow(zero, value);
                self.give_up_if(overflow)?;
                Ok(negated)
            }
        }
    }

    /// `mask(t)`: the handle with its masked bit set.
    fn translate_mask(&mut self, text: &Expr) -> Result<Value, JitError> {
        let handle = self.translate(text)?;
        Ok(self.builder.ins().bor_imm_s(handle, MASK_BIT))
    }

    /// A binary operation: `and`/`or` short-circuit, every other evaluates left then right.
    fn translate_binary(&mut self, op: BinOp, left: &Expr, right: &Expr, span: Span) -> Result<Value, JitError> {
        if let BinOp::And | BinOp::Or = op {
            return self.translate_logic(op == BinOp::And, left, right);
        }
        let a = self.translate(left)?;
        let b = self.translate(right)?;
        if let Some(condition) = comparison(op) {
            let holds = self.builder.ins().icmp(condition, a, b);
            return Ok(self.builder.ins().uextend(I64, holds));
        }
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul => self.translate_checked(op, a, b),
            BinOp::MulScaled => self.translate_mul_scaled(a, b),
            BinOp::DivRound => self.translate_div_round(a, b, constant(right)),
            BinOp::DivScaled => self.translate_div_scaled(a, b),
            BinOp::Min => Ok(self.builder.ins().smin(a, b)),
            BinOp::Max => Ok(self.builder.ins().smax(a, b)),
            BinOp::TextEq => Ok(self.translate_text_eq(a, b)),
            BinOp::TextNe => {
                let equal = self.translate_text_eq(a, b);
                Ok(self.builder.ins().bxor_imm_u(equal, 1))
            }
            BinOp::YearsBetween => Ok(self.translate_years_between(a, b, right.kind == ExprKind::AsOf)),
            _ => Err(JitError::untranslatable(format!("the operator {op:?}"), span)),
        }
    }

    /// Text equality: equal handles are equal texts; otherwise the helper renders both.
    fn translate_text_eq(&mut self, a: Value, b: Value) -> Value {
        let same = self.builder.ins().icmp(IntCC::Equal, a, b);
        let (slow, merge) = (self.builder.create_block(), self.builder.create_block());
        let result = self.builder.append_block_param(merge, I64);
        let one = self.builder.ins().iconst(I64, 1);
        self.builder.ins().brif(same, merge, &[BlockArg::Value(one)], slow, &[]);
        self.builder.switch_to_block(slow);
        let texts = self.load_context(offset_of!(RawContext, texts), self.pointer);
        let call = self.builder.ins().call(self.helpers.text_eq, &[texts, a, b]);
        let equal = self.builder.inst_results(call).first().copied().unwrap_or(one);
        let equal = self.builder.ins().uextend(I64, equal);
        self.builder.ins().jump(merge, &[BlockArg::Value(equal)]);
        self.builder.switch_to_block(merge);
        result
    }

    /// Full years between two dates. To the as-of date, the age of a date up to 200 years back
    /// is one byte of the table of ages for the as-of date (built from the same helper, so it is
    /// the same number); any other pair of dates calls the helper.
    fn translate_years_between(&mut self, from: Value, to: Value, to_as_of: bool) -> Value {
        let merge = self.builder.create_block();
        let result = self.builder.append_block_param(merge, I64);
        if to_as_of && self.plan.ages_on_as_of {
            let (days, overflow) = self.builder.ins().ssub_overflow(to, from);
            let table_days = self.load_context(offset_of!(RawContext, age_days), I64);
            let in_table = self.builder.ins().icmp(IntCC::UnsignedLessThan, days, table_days);
            let exact = self.builder.ins().icmp_imm_s(IntCC::Equal, overflow, 0);
            let in_table = self.builder.ins().band(in_table, exact);
            let (table_block, helper_block) = (self.builder.create_block(), self.builder.create_block());
            self.builder.set_cold_block(helper_block);
            self.builder.ins().brif(in_table, table_block, &[], helper_block, &[]);
            self.builder.switch_to_block(table_block);
            let table = self.load_context(offset_of!(RawContext, age_table), self.pointer);
            let address = self.builder.ins().iadd(table, days);
            let age = self.builder.ins().uload8(I64, input_flags(), address, 0);
            self.builder.ins().jump(merge, &[BlockArg::Value(age)]);
            self.builder.switch_to_block(helper_block);
        }
        let call = self.builder.ins().call(self.helpers.years_between, &[from, to]);
        let years = self.builder.inst_results(call).first().copied().unwrap_or(from);
        self.builder.ins().jump(merge, &[BlockArg::Value(years)]);
        self.builder.switch_to_block(merge);
        result
    }

    /// `a and b` is 0 when `a` does not hold, else whether `b` holds (0 or 1); `a or b` is 1
    /// when `a` holds, else whether `b` holds.
    fn translate_logic(&mut self, is_and: bool, left: &Expr, right: &Expr) -> Result<Value, JitError> {
        let a = self.translate(left)?;
        if self.speculable(right) {
            // Branch-free: `b` is evaluated whatever `a`, its failures counting only when the
            // interpreter evaluates it.
            let a_holds = self.builder.ins().icmp_imm_s(IntCC::NotEqual, a, 0);
            let evaluated = if is_and { a_holds } else { self.builder.ins().icmp_imm_s(IntCC::Equal, a, 0) };
            let b = self.translate_under(evaluated, right)?;
            let b_holds = self.builder.ins().icmp_imm_s(IntCC::NotEqual, b, 0);
            let holds = if is_and {
                self.builder.ins().band(a_holds, b_holds)
            } else {
                self.builder.ins().bor(a_holds, b_holds)
            };
            return Ok(self.builder.ins().uextend(I64, holds));
        }
        let (rhs, merge) = (self.builder.create_block(), self.builder.create_block());
        let result = self.builder.append_block_param(merge, I64);
        if is_and {
            let zero = self.builder.ins().iconst(I64, 0);
            self.builder.ins().brif(a, rhs, &[], merge, &[BlockArg::Value(zero)]);
        } else {
            let one = self.builder.ins().iconst(I64, 1);
            self.builder.ins().brif(a, merge, &[BlockArg::Value(one)], rhs, &[]);
        }
        self.builder.switch_to_block(rhs);
        let b = self.translate(right)?;
        let holds = self.builder.ins().icmp_imm_s(IntCC::NotEqual, b, 0);
        let holds = self.builder.ins().uextend(I64, holds);
        self.builder.ins().jump(merge, &[BlockArg::Value(holds)]);
        self.builder.switch_to_block(merge);
        Ok(result)
    }

    /// `if c { a } else { b }`: only the taken branch runs.
    fn translate_if(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr) -> Result<Value, JitError> {
        let condition = self.translate(cond)?;
        if self.speculable(then) && self.speculable(otherwise) {
            // Branch-free: both branches computed, each failing only when taken.
            let taken = self.builder.ins().icmp_imm_s(IntCC::NotEqual, condition, 0);
            let then_value = self.translate_under(taken, then)?;
            let not_taken = self.builder.ins().icmp_imm_s(IntCC::Equal, condition, 0);
            let else_value = self.translate_under(not_taken, otherwise)?;
            return Ok(self.builder.ins().select(condition, then_value, else_value));
        }
        let (then_block, else_block, merge) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        let result = self.builder.append_block_param(merge, I64);
        self.builder.ins().brif(condition, then_block, &[], else_block, &[]);
        self.builder.switch_to_block(then_block);
        let value = self.translate(then)?;
        self.builder.ins().jump(merge, &[BlockArg::Value(value)]);
        self.builder.switch_to_block(else_block);
        let value = self.translate(otherwise)?;
        self.builder.ins().jump(merge, &[BlockArg::Value(value)]);
        self.builder.switch_to_block(merge);
        Ok(result)
    }

    /// A match: the scrutinee once, then each arm's pattern in order; no arm holding is a
    /// failure (the checker rules it out), so the household is given up.
    fn translate_match(&mut self, scrutinee: &Expr, arms: &[(Pat, Expr)]) -> Result<Value, JitError> {
        let value = self.translate(scrutinee)?;
        if arms.iter().all(|(_, arm)| self.speculable(arm)) {
            return self.translate_match_select(value, arms);
        }
        let merge = self.builder.create_block();
        let result = self.builder.append_block_param(merge, I64);
        let mut exhaustive = false;
        for (pattern, arm) in arms {
            if *pattern == Pat::Any {
                let arm_value = self.translate(arm)?;
                self.builder.ins().jump(merge, &[BlockArg::Value(arm_value)]);
                exhaustive = true;
                break;
            }
            let holds = self.pattern_holds(value, *pattern);
            let (body, next) = (self.builder.create_block(), self.builder.create_block());
            self.builder.ins().brif(holds, body, &[], next, &[]);
            self.builder.switch_to_block(body);
            let arm_value = self.translate(arm)?;
            self.builder.ins().jump(merge, &[BlockArg::Value(arm_value)]);
            self.builder.switch_to_block(next);
        }
        if !exhaustive {
            self.give_up_always(merge)?;
        }
        self.builder.switch_to_block(merge);
        Ok(result)
    }

    /// A match whose arms cannot fail, branch-free: every arm's value, the first whose pattern
    /// holds selected; no pattern holding gives the household up.
    fn translate_match_select(&mut self, value: Value, arms: &[(Pat, Expr)]) -> Result<Value, JitError> {
        let mut chosen = Vec::with_capacity(arms.len());
        let mut exhaustive = false;
        let mut none_earlier = self.builder.ins().iconst(cranelift_codegen::ir::types::I8, 1);
        for (pattern, arm) in arms {
            let holds = self.pattern_holds(value, *pattern);
            // The arm is the interpreter's when its pattern holds and no earlier one does.
            let taken = self.builder.ins().band(holds, none_earlier);
            let arm_value = self.translate_under(taken, arm)?;
            let not_holds = self.builder.ins().icmp_imm_s(IntCC::Equal, holds, 0);
            none_earlier = self.builder.ins().band(none_earlier, not_holds);
            chosen.push((holds, arm_value));
            if *pattern == Pat::Any {
                exhaustive = true;
                break;
            }
        }
        if !exhaustive {
            let mut any = self.builder.ins().iconst(cranelift_codegen::ir::types::I8, 0);
            for (holds, _) in &chosen {
                any = self.builder.ins().bor(any, *holds);
            }
            let none = self.builder.ins().icmp_imm_s(IntCC::Equal, any, 0);
            self.give_up_if(none)?;
        }
        let Some(((_, last_value), earlier)) = chosen.split_last() else {
            // No arm: the household was given up just above.
            return Ok(self.builder.ins().iconst(I64, 0));
        };
        let mut result = *last_value;
        for (holds, arm_value) in earlier.iter().rev() {
            result = self.builder.ins().select(*holds, *arm_value, result);
        }
        Ok(result)
    }

    /// Whether an expression can be evaluated where the interpreter would not evaluate it,
    /// its failures (an empty `max`, a `match` without an arm) predicated on the interpreter
    /// evaluating it: it is small, does no arithmetic that can fail and calls no helper.
    pub(super) fn speculable(&self, expr: &Expr) -> bool {
        self.speculation_cost(expr).is_some_and(|cost| cost <= SPECULATION_BUDGET)
    }

    /// The number of operations of evaluating an expression speculatively; `None` for one
    /// that must not be.
    fn speculation_cost(&self, expr: &Expr) -> Option<u32> {
        if self.plan.county_slots.contains_key(&node_key(expr)) {
            return Some(1);
        }
        let own = match &expr.kind {
            // Arithmetic that can fail costs more to compute on both sides of a branch than the
            // branches it saves (measured with callgrind's branch simulation on the Shaanxi
            // policy: 100 more instructions a household for 0.8 fewer mispredicted branches).
            ExprKind::Unary(UnOp::Neg, _)
            | ExprKind::Binary(
                BinOp::Add
                | BinOp::Sub
                | BinOp::Mul
                | BinOp::MulScaled
                | BinOp::DivRound
                | BinOp::DivScaled
                | BinOp::TextEq
                | BinOp::TextNe
                | BinOp::YearsBetween,
                ..,
            ) => return None,
            ExprKind::Match(_, arms) if !arms.iter().any(|(pattern, _)| *pattern == Pat::Any) => return None,
            // `marginal`, and any scale of a county's own, call a helper that can fail.
            ExprKind::Scale(kind, scale, _)
                if *kind != ScaleKind::Bracket
                    || self.program.scales.get(scale.0 as usize).is_none_or(|def| def.is_local()) =>
            {
                return None;
            }
            ExprKind::Periodic(..) | ExprKind::OtherScale(..) => return None,
            // The value was accumulated already; reading it costs nothing.
            ExprKind::Aggregate { .. } => return Some(1),
            ExprKind::Const(_)
            | ExprKind::Column(..)
            | ExprKind::Rule(_)
            | ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::Unary(UnOp::Not, _)
            | ExprKind::Binary(..)
            | ExprKind::If(..)
            | ExprKind::Match(..)
            | ExprKind::Mask(_)
            | ExprKind::Scale(..)
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => 1,
        };
        let mut cost = own;
        for child in expr.children() {
            cost += self.speculation_cost(child)?;
        }
        Some(cost)
    }

    /// Whether a pattern holds for a word (an `i8` condition).
    fn pattern_holds(&mut self, value: Value, pattern: Pat) -> Value {
        match pattern {
            Pat::Eq(word) => self.builder.ins().icmp_imm_s(IntCC::Equal, value, word),
            Pat::Range(low, high) => {
                let above = self.builder.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, value, low);
                match high {
                    Some(high) => {
                        let below = self.builder.ins().icmp_imm_s(IntCC::SignedLessThanOrEqual, value, high);
                        self.builder.ins().band(above, below)
                    }
                    None => above,
                }
            }
            Pat::Any => self.builder.ins().iconst(cranelift_codegen::ir::types::I8, 1),
        }
    }
}

/// The most operations a branch may cost to be evaluated unconditionally (see
/// [`FunctionTranslator::speculable`]).
const SPECULATION_BUDGET: u32 = 8;

/// The word of a constant expression.
fn constant(expr: &Expr) -> Option<Word> {
    match expr.kind {
        ExprKind::Const(word) => Some(word),
        _ => None,
    }
}
