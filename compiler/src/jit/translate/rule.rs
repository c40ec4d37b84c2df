//! The parts of a group function that are not expressions: the household loop, the member
//! loop, stores, validation, the failure exit, and the loads hoisted out of the loops.

use std::mem::{offset_of, size_of};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, Value};
use pol_grammar::ast::EntityKind;

use super::{FunctionTranslator, Preload, Scope, columns_field, input_flags, outcome_field, results_field};
use crate::jit::abi::{RawContext, RawOutcome};
use crate::jit::codes;
use crate::jit::error::JitError;
use crate::tir::{BinOp, Expr, ExprKind, Program, Rule, RuleId, RuleRole};

impl FunctionTranslator<'_, '_> {
    /// Emits the whole function of a group of consecutive rules of the order: a loop over the
    /// households `first..end`, skipping those whose outcome already says they failed; for the
    /// others, each rule in turn: the value of every record, its store, the validation check,
    /// and a failure exit that writes the household's outcome (`code | member << 32`, the
    /// rule) and goes on with the next household.
    pub(in crate::jit) fn emit_group(&mut self, rules: &[(RuleId, &Rule)]) -> Result<(), JitError> {
        let needed = self.emit_preloads(rules);
        let index = self.builder.declare_var(I64);
        self.builder.def_var(index, self.params.first);
        let [header, body, live, next, exit] = [(); 5].map(|()| self.builder.create_block());
        self.builder.ins().jump(header, &[]);
        self.builder.switch_to_block(header);
        let household = self.builder.use_var(index);
        let more = self.builder.ins().icmp(IntCC::SignedLessThan, household, self.params.end);
        self.builder.ins().brif(more, body, &[], exit, &[]);

        self.builder.switch_to_block(body);
        let household = self.builder.use_var(index);
        self.household = household;
        let outcome = self.outcome_address(household);
        let failed =
            self.builder.ins().load(I64, MemFlagsData::trusted(), outcome, outcome_field(offset_of!(RawOutcome, code)));
        self.builder.ins().brif(failed, next, &[], live, &[]);

        self.builder.switch_to_block(live);
        self.emit_household_preloads(&needed)?;
        let mut exits = Vec::with_capacity(rules.len());
        for (id, rule) in rules {
            let fail = self.builder.create_block();
            self.builder.append_block_param(fail, I64);
            self.builder.append_block_param(fail, I64);
            self.builder.set_cold_block(fail);
            self.fail = Some(fail);
            let start = match rule.entity {
                EntityKind::Household => {
                    self.emit_record(rule, household)?;
                    household
                }
                entity => self.emit_member_loop(rule, entity)?,
            };
            exits.push((fail, *id, start));
        }
        self.builder.ins().jump(next, &[]);
        for (fail, id, start) in exits {
            self.emit_fail_exit(fail, id, outcome, start, next);
        }

        self.builder.switch_to_block(next);
        let household = self.builder.use_var(index);
        let following = self.builder.ins().iadd_imm_u(household, 1);
        self.builder.def_var(index, following);
        self.builder.ins().jump(header, &[]);
        self.builder.switch_to_block(exit);
        self.builder.ins().return_(&[]);
        Ok(())
    }

    /// The address of household `h`'s outcome.
    pub(super) fn outcome_address(&mut self, household: Value) -> Value {
        let outcomes = self.load_context(offset_of!(RawContext, outcomes), self.pointer);
        let offset = self.builder.ins().imul_imm_u(household, size_of::<RawOutcome>() as i64);
        self.builder.ins().iadd(outcomes, offset)
    }

    /// Loops over the household's persons or cases, emitting the record for each; returns the
    /// first row (members are numbered from it).
    pub(super) fn emit_member_loop(&mut self, rule: &Rule, entity: EntityKind) -> Result<Value, JitError> {
        let (start, end) = self.member_range(entity);
        let index = self.builder.declare_var(I64);
        self.builder.def_var(index, start);
        let (header, body, exit) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.ins().jump(header, &[]);
        self.builder.switch_to_block(header);
        let row = self.builder.use_var(index);
        let more = self.builder.ins().icmp(IntCC::SignedLessThan, row, end);
        self.builder.ins().brif(more, body, &[], exit, &[]);
        self.builder.switch_to_block(body);
        let row = self.builder.use_var(index);
        self.emit_record(rule, row)?;
        let next = self.builder.ins().iadd_imm_u(row, 1);
        self.builder.def_var(index, next);
        self.builder.ins().jump(header, &[]);
        self.builder.switch_to_block(exit);
        Ok(start)
    }

    /// The value of the rule for the record at `row`, stored in its result column.
    pub(super) fn emit_record(&mut self, rule: &Rule, row: Value) -> Result<(), JitError> {
        self.scope = Scope { entity: rule.entity, row };
        self.rule_row = row;
        let value = self.translate(&rule.body)?;
        let column = self.column_pointer(results_field(rule.entity), rule.slot as usize)?;
        let offset = self.builder.ins().ishl_imm_u(row, 3);
        let address = self.builder.ins().iadd(column, offset);
        self.builder.ins().store(MemFlagsData::trusted(), value, address, 0);
        if let RuleRole::Validation { .. } = rule.role {
            let invalid = self.builder.ins().icmp_imm_s(IntCC::Equal, value, 0);
            self.fail_if(invalid, codes::INVALID, rule.span)?;
        }
        Ok(())
    }

    /// A rule's failure exit: `outcomes[h] = { code | (row - start) << 32, rule }`, then the
    /// next household. `outcome` and `start` are values of the household's iteration before
    /// the rule, which dominate every failure site of the rule and so its exit.
    fn emit_fail_exit(&mut self, fail: Block, id: RuleId, outcome: Value, start: Value, next: Block) {
        self.builder.switch_to_block(fail);
        let (code, row) = match self.builder.block_params(fail) {
            [code, row] => (*code, *row),
            _ => (start, start),
        };
        let member = self.builder.ins().isub(row, start);
        let shifted = self.builder.ins().ishl_imm_u(member, i64::from(codes::MEMBER_SHIFT));
        let packed = self.builder.ins().bor(code, shifted);
        let rule = self.builder.ins().iconst(I64, i64::from(id.0));
        let flags = MemFlagsData::trusted();
        self.builder.ins().store(flags, packed, outcome, outcome_field(offset_of!(RawOutcome, code)));
        self.builder.ins().store(flags, rule, outcome, outcome_field(offset_of!(RawOutcome, rule)));
        self.builder.ins().jump(next, &[]);
    }

    /// The first row and the end row of the household's persons or cases.
    pub(super) fn member_range(&mut self, entity: EntityKind) -> (Value, Value) {
        if let (Some(start), Some(end)) =
            (self.preloaded.get(&Preload::RangeStart(entity)), self.preloaded.get(&Preload::RangeEnd(entity)))
        {
            return (*start, *end);
        }
        let field = match entity {
            EntityKind::Case => offset_of!(RawContext, case_offsets),
            _ => offset_of!(RawContext, person_offsets),
        };
        let offsets = self.load_context(field, self.pointer);
        let scaled = self.builder.ins().ishl_imm_u(self.household, 2);
        let address = self.builder.ins().iadd(offsets, scaled);
        let start = self.builder.ins().load(I32, input_flags(), address, 0);
        let end = self.builder.ins().load(I32, input_flags(), address, 4);
        (self.builder.ins().uextend(I64, start), self.builder.ins().uextend(I64, end))
    }

    /// Loads, in the entry block, every context field and column pointer the rule uses, so
    /// that each is loaded once per call instead of once per use (fewer instructions for
    /// cranelift to optimise: compile time is the point). Returns what the rule needs, for
    /// [`FunctionTranslator::emit_household_preloads`].
    fn emit_preloads(&mut self, rules: &[(RuleId, &Rule)]) -> Vec<Preload> {
        let mut needed = vec![Preload::Field(offset_of!(RawContext, outcomes))];
        for (_, rule) in rules {
            collect_preloads(self.program, &rule.body, &mut needed);
            needed.push(Preload::Column(results_field(rule.entity), rule.slot as usize));
            if rule.entity != EntityKind::Household {
                needed.push(Preload::RangeStart(rule.entity));
            }
        }
        if needed.contains(&Preload::CountyRow) {
            needed.push(Preload::Field(offset_of!(RawContext, county_words)));
            needed.push(Preload::Field(offset_of!(RawContext, county_stride)));
            if let Some(county) = self.county_column() {
                needed.push(Preload::Column(columns_field(EntityKind::Household), county));
            }
        }
        for preload in &needed {
            match *preload {
                Preload::Field(field) if !self.preloaded.contains_key(preload) => {
                    let value = self.load_context(field, I64);
                    self.preloaded.insert(*preload, value);
                }
                Preload::Column(field, index) if !self.preloaded.contains_key(preload) => {
                    if !self.preloaded.contains_key(&Preload::Field(field)) {
                        let table = self.load_context(field, I64);
                        self.preloaded.insert(Preload::Field(field), table);
                    }
                    if let Ok(value) = self.column_pointer(field, index) {
                        self.preloaded.insert(*preload, value);
                    }
                }
                _ => {}
            }
        }
        needed
    }

    /// Computes, at the start of a household's iteration, its member ranges and county row.
    pub(super) fn emit_household_preloads(&mut self, needed: &[Preload]) -> Result<(), JitError> {
        for entity in [EntityKind::Person, EntityKind::Case] {
            self.preloaded.remove(&Preload::RangeStart(entity));
            self.preloaded.remove(&Preload::RangeEnd(entity));
            if needed.contains(&Preload::RangeStart(entity)) {
                let (start, end) = self.member_range(entity);
                self.preloaded.insert(Preload::RangeStart(entity), start);
                self.preloaded.insert(Preload::RangeEnd(entity), end);
            }
        }
        self.county_row = None;
        if needed.contains(&Preload::CountyRow) {
            self.county_row = Some(self.emit_county_row()?);
        }
        Ok(())
    }

    /// The household county column, if the schema has a valid one.
    pub(super) fn county_column(&self) -> Option<usize> {
        let county = self.program.household.county?.0 as usize;
        (county < self.program.household.columns.len()).then_some(county)
    }

    /// `county_words + county[h] × stride`, or the first row when households have no county
    /// column (which the evaluator backs with a row of zeros when the table has none).
    pub(super) fn emit_county_row(&mut self) -> Result<Value, JitError> {
        let words = self.load_context(offset_of!(RawContext, county_words), self.pointer);
        let Some(county) = self.county_column() else { return Ok(words) };
        let column = self.column_pointer(columns_field(EntityKind::Household), county)?;
        let index = self.load_cell(column, self.household, input_flags());
        let stride = self.load_context(offset_of!(RawContext, county_stride), I64);
        let offset = self.builder.ins().imul(index, stride);
        Ok(self.builder.ins().iadd(words, offset))
    }
}

/// Adds the loads an expression needs to `needed` (in first-use order, for deterministic code).
fn collect_preloads(program: &Program, expr: &Expr, needed: &mut Vec<Preload>) {
    let mut add = |preload: Preload| {
        if !needed.contains(&preload) {
            needed.push(preload);
        }
    };
    match &expr.kind {
        ExprKind::Column(entity, column) if (column.0 as usize) < program.schema(*entity).columns.len() => {
            add(Preload::Column(columns_field(*entity), column.0 as usize));
        }
        ExprKind::Rule(id) => {
            if let Some(rule) = program.rule(*id) {
                add(Preload::Column(results_field(rule.entity), rule.slot as usize));
            }
        }
        ExprKind::AsOf => add(Preload::Field(offset_of!(RawContext, as_of))),
        ExprKind::Binary(BinOp::TextEq | BinOp::TextNe, _, _) => add(Preload::Field(offset_of!(RawContext, texts))),
        ExprKind::Aggregate { .. } => add(Preload::RangeStart(EntityKind::Person)),
        ExprKind::Param(_) | ExprKind::LastYear(_) | ExprKind::Province(_) | ExprKind::CountyAttr(_) => {
            add(Preload::CountyRow);
        }
        _ => {}
    }
    for child in children(expr) {
        collect_preloads(program, child, needed);
    }
}

/// The direct subexpressions of an expression.
fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Unary(_, operand) | ExprKind::Mask(operand) => vec![operand],
        ExprKind::Binary(_, left, right) => vec![left, right],
        ExprKind::If(cond, then, otherwise) => vec![cond, then, otherwise],
        ExprKind::Match(scrutinee, arms) => {
            std::iter::once(&**scrutinee).chain(arms.iter().map(|(_, arm)| arm)).collect()
        }
        ExprKind::Aggregate { filter, value, .. } => filter.iter().chain(value.iter()).map(|expr| &**expr).collect(),
        _ => Vec::new(),
    }
}
