//! The parts of the function that are not expressions: the loop over the households, the
//! plan's steps in each, member loops, stores, validations, the give-up block, and the loads
//! hoisted out of the loops.

use std::mem::{offset_of, size_of};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use pol_grammar::ast::EntityKind;

use super::{FunctionTranslator, Preload, Scope, columns_field, input_flags, results_field};
use crate::jit::abi::{self, RawContext, RawOutcome};
use crate::jit::error::JitError;
use crate::jit::plan::{Plan, Step, node_key};
use crate::tir::{BinOp, Expr, ExprKind, Program, Rule, RuleId, RuleRole};

impl FunctionTranslator<'_, '_> {
    /// Emits the whole function: a loop over the households `start..end`; for each, the plan's
    /// steps in order, and a cold give-up block that sets the household's outcome to 1 (the
    /// evaluator then hands it to the interpreter) and goes on with the next household.
    pub(in crate::jit) fn emit_function(&mut self) -> Result<(), JitError> {
        let needed = self.emit_preloads();
        let index = self.builder.declare_var(I64);
        self.builder.def_var(index, self.params.start);
        let [header, body, give_up, next, exit] = [(); 5].map(|()| self.builder.create_block());
        self.builder.set_cold_block(give_up);
        self.give_up = Some(give_up);
        self.builder.ins().jump(header, &[]);
        self.builder.switch_to_block(header);
        let household = self.builder.use_var(index);
        let more = self.builder.ins().icmp(IntCC::SignedLessThan, household, self.params.end);
        self.builder.ins().brif(more, body, &[], exit, &[]);

        self.builder.switch_to_block(body);
        let household = self.builder.use_var(index);
        self.household = household;
        self.scope = Scope { entity: EntityKind::Household, row: household };
        self.household_values.clear();
        self.aggregates.clear();
        self.emit_household_preloads(&needed)?;
        let plan = self.plan;
        for step in &plan.steps {
            match step {
                Step::Household(id, rule) => {
                    self.scope = Scope { entity: EntityKind::Household, row: household };
                    let value = self.emit_record(*id, rule, household)?;
                    self.household_values.insert(*id, value);
                }
                Step::Members { entity, rules, aggregates } => self.emit_member_loop(*entity, rules, aggregates)?,
            }
        }
        self.builder.ins().jump(next, &[]);

        self.builder.switch_to_block(give_up);
        let household = self.builder.use_var(index);
        let outcome = self.outcome_address(household);
        let one = self.builder.ins().iconst(I64, 1);
        let code = abi::field_offset(offset_of!(RawOutcome, code));
        self.builder.ins().store(MemFlagsData::trusted(), one, outcome, code);
        self.builder.ins().jump(next, &[]);

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
    fn outcome_address(&mut self, household: Value) -> Value {
        let outcomes = self.load_context(offset_of!(RawContext, outcomes), self.pointer);
        let offset = self.builder.ins().imul_imm_u(household, size_of::<RawOutcome>() as i64);
        self.builder.ins().iadd(outcomes, offset)
    }

    /// One loop over the household's persons or cases: for each, the rules in order, then each
    /// aggregate's accumulation; after it, the aggregates' results.
    fn emit_member_loop(
        &mut self,
        entity: EntityKind,
        rules: &[(RuleId, &Rule)],
        aggregates: &[&Expr],
    ) -> Result<(), JitError> {
        let (start, end) = self.member_range(entity);
        let mut accumulators = Vec::with_capacity(aggregates.len());
        for aggregate in aggregates {
            accumulators.push(self.start_aggregate(aggregate)?);
        }
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
        self.member_values.clear();
        for (id, rule) in rules {
            self.scope = Scope { entity, row };
            let value = self.emit_record(*id, rule, row)?;
            self.member_values.insert(*id, value);
        }
        self.scope = Scope { entity: EntityKind::Person, row };
        for (aggregate, accumulator) in aggregates.iter().zip(&accumulators) {
            self.accumulate(aggregate, *accumulator)?;
        }
        // The loop body's values do not reach past the loop.
        self.member_values.clear();
        let next_row = self.builder.ins().iadd_imm_u(row, 1);
        self.builder.def_var(index, next_row);
        self.builder.ins().jump(header, &[]);

        self.builder.switch_to_block(exit);
        self.scope = Scope { entity: EntityKind::Household, row: self.household };
        for (aggregate, accumulator) in aggregates.iter().zip(accumulators) {
            self.finish_aggregate(aggregate, accumulator);
        }
        Ok(())
    }

    /// The value of a rule for the record at `row` (in scope), stored in its result column if
    /// the plan stores it; a false validation gives the household up.
    fn emit_record(&mut self, id: RuleId, rule: &Rule, row: Value) -> Result<Value, JitError> {
        let value = self.translate(&rule.body)?;
        if self.plan.stored.contains(&id) {
            let column = self.column_pointer(results_field(rule.entity), rule.slot as usize)?;
            let offset = self.builder.ins().ishl_imm_u(row, 3);
            let address = self.builder.ins().iadd(column, offset);
            self.builder.ins().store(MemFlagsData::trusted(), value, address, 0);
        }
        if let RuleRole::Validation { .. } = rule.role {
            let invalid = self.builder.ins().icmp_imm_s(IntCC::Equal, value, 0);
            self.give_up_if(invalid)?;
        }
        Ok(value)
    }

    /// The first row and the end row of the household's persons or cases.
    fn member_range(&mut self, entity: EntityKind) -> (Value, Value) {
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

    /// Loads, in the entry block, every context field and column pointer the program uses, so
    /// that each is loaded once per call instead of once per use. Returns what the program
    /// needs, for [`FunctionTranslator::emit_household_preloads`].
    fn emit_preloads(&mut self) -> Vec<Preload> {
        let mut needed = vec![Preload::Field(offset_of!(RawContext, outcomes))];
        for step in &self.plan.steps {
            let rules: Vec<(RuleId, &Rule)> = match step {
                Step::Household(id, rule) => vec![(*id, *rule)],
                Step::Members { entity, rules, aggregates } => {
                    push_new(&mut needed, Preload::RangeStart(*entity));
                    if !aggregates.is_empty() {
                        push_new(&mut needed, Preload::RangeStart(EntityKind::Person));
                    }
                    rules.clone()
                }
            };
            for (id, rule) in rules {
                collect_preloads(self.program, self.plan, &rule.body, &mut needed);
                if self.plan.stored.contains(&id) {
                    push_new(&mut needed, Preload::Column(results_field(rule.entity), rule.slot as usize));
                }
            }
        }
        if self.plan.ages_on_as_of {
            push_new(&mut needed, Preload::Field(offset_of!(RawContext, age_table)));
            push_new(&mut needed, Preload::Field(offset_of!(RawContext, age_days)));
        }
        if !self.plan.county_slots.is_empty() {
            push_new(&mut needed, Preload::Field(offset_of!(RawContext, county_values)));
            push_new(&mut needed, Preload::Field(offset_of!(RawContext, county_values_stride)));
            if let Some(county) = self.county_column() {
                push_new(&mut needed, Preload::Column(columns_field(EntityKind::Household), county));
            }
        }
        if needed.contains(&Preload::CountyRow) {
            needed.push(Preload::Field(offset_of!(RawContext, county_words)));
            needed.push(Preload::Field(offset_of!(RawContext, county_stride)));
            if let Some(county) = self.county_column() {
                push_new(&mut needed, Preload::Column(columns_field(EntityKind::Household), county));
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

    /// Computes, at the start of a household's iteration, its member ranges, its county row and
    /// its county's row of county-level values, giving the household up when one of those
    /// failed for its county.
    fn emit_household_preloads(&mut self, needed: &[Preload]) -> Result<(), JitError> {
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
            let words = self.load_context(offset_of!(RawContext, county_words), self.pointer);
            let stride = self.load_context(offset_of!(RawContext, county_stride), I64);
            self.county_row = Some(self.county_row_of(words, stride)?);
        }
        self.county_values = None;
        if !self.plan.county_slots.is_empty() {
            let values = self.load_context(offset_of!(RawContext, county_values), self.pointer);
            let stride = self.load_context(offset_of!(RawContext, county_values_stride), I64);
            let row = self.county_row_of(values, stride)?;
            let failed = self.builder.ins().load(I64, input_flags(), row, 0);
            self.give_up_if(failed)?;
            self.county_values = Some(row);
        }
        Ok(())
    }

    /// The household county column, if the schema has a valid one.
    fn county_column(&self) -> Option<usize> {
        let county = self.program.household.county?.0 as usize;
        (county < self.program.household.columns.len()).then_some(county)
    }

    /// The household's county index (0 when households have no county column).
    pub(super) fn county_index(&mut self) -> Result<Value, JitError> {
        let Some(county) = self.county_column() else { return Ok(self.builder.ins().iconst(I64, 0)) };
        let column = self.column_pointer(columns_field(EntityKind::Household), county)?;
        Ok(self.load_cell(column, self.household, input_flags()))
    }

    /// `table + county[h] × stride`, or the first row when households have no county column.
    fn county_row_of(&mut self, table: Value, stride: Value) -> Result<Value, JitError> {
        let Some(county) = self.county_column() else { return Ok(table) };
        let column = self.column_pointer(columns_field(EntityKind::Household), county)?;
        let index = self.load_cell(column, self.household, input_flags());
        let offset = self.builder.ins().imul(index, stride);
        Ok(self.builder.ins().iadd(table, offset))
    }
}

/// Adds a preload unless it is there already.
fn push_new(needed: &mut Vec<Preload>, preload: Preload) {
    if !needed.contains(&preload) {
        needed.push(preload);
    }
}

/// Adds the loads an expression needs to `needed` (in first-use order, for deterministic code).
fn collect_preloads(program: &Program, plan: &Plan<'_>, expr: &Expr, needed: &mut Vec<Preload>) {
    if plan.county_slots.contains_key(&node_key(expr)) {
        // Read from the county's row of values instead.
        return;
    }
    match &expr.kind {
        ExprKind::Column(entity, column) if (column.0 as usize) < program.schema(*entity).columns.len() => {
            push_new(needed, Preload::Column(columns_field(*entity), column.0 as usize));
        }
        ExprKind::Rule(id) => {
            if let Some(rule) = program.rule(*id) {
                push_new(needed, Preload::Column(results_field(rule.entity), rule.slot as usize));
            }
        }
        ExprKind::AsOf => push_new(needed, Preload::Field(offset_of!(RawContext, as_of))),
        ExprKind::Binary(BinOp::TextEq | BinOp::TextNe, _, _) => {
            push_new(needed, Preload::Field(offset_of!(RawContext, texts)));
        }
        ExprKind::Param(_) | ExprKind::LastYear(_) | ExprKind::Province(_) | ExprKind::CountyAttr(_) => {
            push_new(needed, Preload::CountyRow);
        }
        ExprKind::Column(..)
        | ExprKind::Const(_)
        | ExprKind::Unary(..)
        | ExprKind::Binary(..)
        | ExprKind::If(..)
        | ExprKind::Match(..)
        | ExprKind::Aggregate { .. }
        | ExprKind::Mask(_)
        | ExprKind::Scale(..)
        | ExprKind::OtherScale(..)
        | ExprKind::Periodic(..) => {}
    }
    for child in expr.children() {
        collect_preloads(program, plan, child, needed);
    }
}
