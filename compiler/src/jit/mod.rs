//! The cranelift JIT: a checked program compiled into a native batch evaluator.
//!
//! # Design
//!
//! [`JitEngine::compile`] turns a [`Program`] into machine code that computes what the
//! interpreter ([`crate::interp`]) computes, word for word, and [`JitEngine`] runs it over
//! batches through the [`Engine`] trait. The interpreter is the oracle; the tests compare the
//! two on hand-written programs for every node, on the Shaanxi policy's tests and on random
//! programs and batches.
//!
//! ## A fast path, and the interpreter for the rest
//!
//! The generated code is a *fast path*: it evaluates a household, and at the first operation
//! that fails (an overflow, a division by zero, a false validation, an empty `max`, a `match`
//! without an arm) it *gives the household up*: it marks the household and goes on with the
//! next. After the call, the evaluator runs the interpreter on each household given up, over
//! rows it zeroes first ([`crate::interp::reevaluate_household`]), so that the outcome, its
//! span, rule and member, and every rule value come from the interpreter itself. Failures are
//! rare (bad rows are rejected before evaluation), so this costs nothing in practice, and it
//! frees the fast path from the interpreter's order of evaluation:
//!
//! - the fast path computes the same values as the interpreter whenever it finishes a
//!   household: every expression is pure, and each value it computes has the operands the
//!   interpreter gives it;
//! - it gives up every household the interpreter finds failing: it evaluates every operation
//!   the interpreter evaluates (and possibly more), with the same operands, so the interpreter's
//!   first failure fails here too;
//! - it may give up a household the interpreter does not fail, when extra work fails (an
//!   aggregate under a branch not taken); the interpreter then finishes it correctly.
//!
//! ## Shape of the generated code
//!
//! One function evaluates households `start..end`. For each household it follows the
//! [`plan`]: the household's rules as a few *steps*, each household rule once, and each loop
//! over the members computing every person rule it can and accumulating every aggregate it can:
//!
//! ```text
//! evaluate_batch(ctx, start, end):
//!   for h in start..end:
//!     county_row, county_values = rows of h's county      // once per household
//!     if county_values.failed: give up
//!     household rules of step 0                            // values kept in registers
//!     for row in person_offsets[h]..person_offsets[h+1]:   // step 1
//!       person rules of step 1, stored where read later or asked for
//!       each aggregate of step 1: if filter { acc = acc ⊕ value }
//!     household rules of step 2 …
//!     for row in case_offsets[h]..case_offsets[h+1]: case rules
//!     continue
//!   give up: outcomes[h] = 1; continue
//! ```
//!
//! A household rule's value stays an SSA value for the rest of the household; a member rule's
//! value an SSA value for the rest of its loop body; an aggregate's result an SSA value after
//! its loop. Only person rules read back by a later loop, and the columns asked for, are
//! stored: [`JitEngine::compile`] stores every rule (the [`Engine`] contract),
//! [`JitEngine::compile_for_outputs`] only those the outputs and the report read.
//!
//! Short-circuit operators, `if` and `match` whose skipped operands cannot fail and call no
//! helper, and cost a few operations, are compiled without branches (`band`, `bor`, `select`):
//! evaluating an operand the interpreter skips is harmless when it cannot fail.
//!
//! ## Parameters and county-level values
//!
//! A parameter is a load from the household's county row (`county_row + 8 × param`); the row
//! pointer is computed once per household. Specialising parameters as constants would need one
//! compiled copy per distinct parameter row (jurisdictions differ within one batch: Shaanxi has
//! 107 counties in 14 parameter files). Instead, the larger expressions that read no record
//! (`dibao_standard as 元/月`, `monthly_standard * tekun_basic_ratio`) are *county-level
//! values*: the interpreter computes them once per county ([`crate::interp::evaluate_detached`])
//! before the first batch of a county table, and generated code loads them from the county's row
//! of values. A county where one of them fails is flagged, and its households are given up.
//!
//! A scale the province alone sets is compiled in: `bracket` as a chain of selects over its
//! brackets, `marginal` as a call to the interpreter's function with the address of a bracket
//! table the engine owns. A *local* scale (`set by city`) has each county's brackets in the
//! county table (`CountyTable::scales`): its applications call a helper with the table's
//! address, the household's county and the scale, which applies `CountyTable::county_brackets`
//! with [`crate::ops::apply_scale`], the interpreter's own reading and function.
//!
//! Ages on the as-of date (`age(birth_date)`) read a table, made per county table, of the age
//! on the as-of date of each of the 73,200 days (200 years) before it, computed by
//! [`crate::date::years_between`] itself; other dates call that function.
//!
//! ## Arithmetic
//!
//! - `+ - *` and negation: `sadd/ssub/smul_overflow` and a branch on the flag.
//! - `DivRound`: the divisor is tested for 0 and the pair for `MIN / -1` *before* `sdiv`/`srem`
//!   (cranelift lowers them to `idiv`, which traps; cranelift-jit installs no handler, so a
//!   trap would kill the process). The tests are left out for a constant divisor that cannot
//!   hit them (÷ 12), which cranelift turns into a multiplication. Rounding half away from zero
//!   is branch-free: the truncated quotient plus `select(2|r| >= |b| unsigned, sign, 0)`.
//! - `MulScaled`, `DivScaled`: the reference's i128 product is needed only when `a × b`
//!   (`a × 10⁹`) does not fit in 64 bits; when it fits, the exact quotient over 64 bits equals
//!   the one over 128, so that path is inline (`smul_overflow`, then the `DivRound` sequence by
//!   the constant 10⁹). Otherwise a cold call to a Rust helper runs [`crate::arith`] itself and
//!   returns a status, the value through a stack slot. Cranelift 0.135's x64 backend has no
//!   lowering for a 128-bit `sdiv`; the helper is the reference code instead.
//! - Text equality first compares the handles inline (equal handles are equal texts), then
//!   calls [`crate::text::TextTables::equal`]. No helper unwinds.
//!
//! ## Safety
//!
//! All `unsafe` is in the `abi` module: the call into generated code and the helpers' pointer
//! arguments. The evaluator first runs [`Batch::validate`] and checks the shape of the result
//! columns and of the county-level values; the code generator refuses a program whose column,
//! parameter, attribute or slot numbers fall outside its schemas ([`JitError`]), so generated
//! code reads and writes only inside the validated buffers. It contains no trapping
//! instruction.
//!
//! ## Numbers
//!
//! `BENCHMARKS.md` has the measured figures (criterion, `benches/engines.rs` and
//! `benches/compile.rs`). The tests in `jit::tests` also print rough timings
//! (`cargo test --release -p pol-compiler --lib jit::tests -- --nocapture`).

mod abi;
mod codegen;
mod error;
mod plan;
mod translate;

#[cfg(test)]
mod tests;

pub use error::JitError;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use pol_grammar::ast::EntityKind;

use crate::date;
use crate::engine::{Batch, BatchResult, CountyTable, Engine, EvalError, Outcome};
use crate::interp::{self, Detached};
use crate::tir::{Bracket, Program, RuleId, Word};

/// A program compiled to native code; evaluates batches like the interpreter, faster.
pub struct JitEngine {
    /// The program evaluated (computed finely when its policy declares a `precision`), to
    /// validate batches against and for the interpreter's part.
    program: Program,
    /// The code and the module that owns it.
    code: abi::CompiledCode,
    /// The county-level expressions (see [`plan`]).
    county_items: Vec<plan::CountyItem>,
    /// Whether the code reads the table of ages on the as-of date.
    ages_on_as_of: bool,
    /// The result columns generated code does not write, zeroed before each batch when every
    /// column was asked for.
    unwritten: Vec<(EntityKind, u32)>,
    /// The tables made for the last county table evaluated against.
    prepared: Mutex<Option<Arc<Prepared>>>,
    /// Each scale's brackets in force; generated code holds their addresses (see
    /// `abi::pol_jit_marginal`), so they are never modified and live as long as the code.
    #[expect(dead_code, reason = "read by generated code, through the addresses it was compiled with")]
    scale_tables: Vec<Vec<Bracket>>,
}

/// The tables generated code reads beside a batch, made once per county table: batches of one
/// run share them.
#[derive(Debug)]
struct Prepared {
    /// The county table they were made for.
    counties: CountyTable,
    /// The county-level values, [`abi::CompiledCode::county_width`] words per county row.
    county_values: Vec<Word>,
    /// Ages on the as-of date by days before it, when the code reads them.
    ages: Vec<u8>,
}

/// How many days before the as-of date the table of ages covers: 200 years. An older date's
/// age is the helper's.
const AGE_TABLE_DAYS: Word = 200 * 366;

impl std::fmt::Debug for JitEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitEngine")
            .field("rules", &self.program.rules.len())
            .field("county_values", &self.county_items.len())
            .finish()
    }
}

impl JitEngine {
    /// Compiles a checked program. Fails only on a bug (a program the checker should not have
    /// produced, or a cranelift failure).
    pub fn compile(program: &Program) -> Result<JitEngine, JitError> {
        JitEngine::compile_with(program, None, &codegen::SETTINGS)
    }

    /// Compiles a checked program for its outputs: evaluation computes every rule and gives
    /// every household the interpreter's outcome, but stores only the values of the rules the
    /// outputs and the report read ([`Program::output_rules`]); the other rule columns of a
    /// household that comes out `Ok` are unspecified. What `pol run` needs, with fewer stores.
    pub fn compile_for_outputs(program: &Program) -> Result<JitEngine, JitError> {
        let keep = program.output_rules().into_iter().collect();
        JitEngine::compile_with(program, Some(&keep), &codegen::SETTINGS)
    }

    /// Compiles, storing the rules in `keep` (all when `None`), with these cranelift settings
    /// (tests compare compile times).
    fn compile_with(
        program: &Program,
        keep: Option<&HashSet<RuleId>>,
        settings: &[(&str, &str)],
    ) -> Result<JitEngine, JitError> {
        // A policy computed finer than the cent: the program both engines evaluate.
        let fine = program.computed_finely();
        let program = &fine;
        check_slots(program)?;
        let plan = plan::Plan::new(program, keep)?;
        // Columns of rules the code does not store: zeroed per batch when all were asked for
        // (only rules missing from the order), unspecified otherwise.
        let unwritten = if keep.is_none() {
            program
                .rules
                .iter()
                .enumerate()
                .filter(|(index, _)| !plan.stored.contains(&RuleId(*index as u32)))
                .map(|(_, rule)| (rule.entity, rule.slot))
                .collect()
        } else {
            Vec::new()
        };
        // The bracket tables of the scales in force, owned by the engine: `marginal`'s code
        // passes their addresses to its helper (a `Vec`'s buffer stays put when the engine moves).
        let mut scale_tables = Vec::with_capacity(program.scales.len());
        for scale in &program.scales {
            let brackets = match scale.versions.as_slice() {
                [] => Vec::new(),
                [version] if version.from.is_none() => version.brackets.clone().unwrap_or_default(),
                _ => {
                    let what = format!("scale `{}` with dated versions (compile `Program::on(as_of)`)", scale.name);
                    return Err(JitError::untranslatable(what, scale.span));
                }
            };
            scale_tables.push(brackets);
        }
        let mut codegen = codegen::Codegen::new(program, settings)?;
        let entry = codegen.compile_function(&plan, &scale_tables)?;
        let code = codegen.finish(entry, plan.county_width())?;
        Ok(JitEngine {
            program: program.clone(),
            code,
            county_items: plan.county_items,
            ages_on_as_of: plan.ages_on_as_of,
            unwritten,
            prepared: Mutex::new(None),
            scale_tables,
        })
    }

    /// The program it evaluates.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The tables for a county table: the last ones made when it is the same table.
    fn prepared(&self, counties: &CountyTable) -> Arc<Prepared> {
        let mut cache = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(prepared) = cache.as_ref()
            && prepared.counties == *counties
        {
            return Arc::clone(prepared);
        }
        let prepared = Arc::new(self.prepare(counties));
        *cache = Some(Arc::clone(&prepared));
        prepared
    }

    /// Makes the tables for a county table: every county's county-level values, computed by the
    /// interpreter (a county where one fails gets its flag set, and its households go to the
    /// interpreter), and the age of each day of the 200 years before the as-of date, computed by
    /// the very function the interpreter calls.
    fn prepare(&self, counties: &CountyTable) -> Prepared {
        let width = self.code.county_width();
        let mut county_values = vec![0; counties.len().max(1) * width];
        let items: Vec<Detached<'_>> = self
            .county_items
            .iter()
            .map(|item| Detached { expr: &item.expr, entity: item.entity, rule: item.rule })
            .collect();
        for (county, row) in county_values.chunks_mut(width).enumerate() {
            match interp::evaluate_detached(&self.program, counties, county, &items) {
                Some(words) => {
                    for (item, word) in self.county_items.iter().zip(words) {
                        if let Some(cell) = item.slot.and_then(|slot| row.get_mut(slot + 1)) {
                            *cell = word;
                        }
                    }
                }
                None => {
                    if let Some(flag) = row.first_mut() {
                        *flag = 1;
                    }
                }
            }
        }
        let as_of = counties.as_of;
        let ages = if self.ages_on_as_of { age_table(as_of) } else { Vec::new() };
        Prepared { counties: counties.clone(), county_values, ages }
    }
}

/// The age on `as_of` of each day `d` days before it, for `d` below [`AGE_TABLE_DAYS`] (ending
/// early where a day does not exist or an age does not fit in a byte): `years_between(as_of -
/// d, as_of)`, which never decreases as `d` grows. So the table is filled run by run: each run of
/// one age ends where a binary search over the reference function says, about 200 runs of 9
/// calls instead of a call per day.
fn age_table(as_of: Word) -> Vec<u8> {
    let age = |days: Word| as_of.checked_sub(days).and_then(|day| u8::try_from(date::years_between(day, as_of)).ok());
    let mut table = Vec::with_capacity(AGE_TABLE_DAYS as usize);
    let mut start = 0;
    while start < AGE_TABLE_DAYS {
        let Some(current) = age(start) else { break };
        // The last day of the run: `age(low) == current`, and `age(high)` differs (or is past
        // the table). A run is at most 366 days long, so search within that.
        let (mut low, mut high) = (start, (start + 367).min(AGE_TABLE_DAYS));
        if age(high - 1) == Some(current) {
            low = high - 1;
        } else {
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                if age(middle) == Some(current) { low = middle } else { high = middle }
            }
        }
        table.resize(table.len() + (low + 1 - start) as usize, current);
        start = low + 1;
    }
    table
}

/// Checks that every rule's slot is within its entity's result columns.
fn check_slots(program: &Program) -> Result<(), JitError> {
    for rule in &program.rules {
        if !rule.versions.is_empty() {
            let what = format!("the dated rule `{}` before its version is chosen (`Program::on`)", rule.name);
            return Err(JitError::untranslatable(what, rule.span));
        }
        if rule.slot as usize >= program.n_rules(rule.entity) {
            return Err(JitError::untranslatable(
                format!("result slot {} of rule `{}`", rule.slot, rule.name),
                rule.span,
            ));
        }
    }
    Ok(())
}

impl Engine for JitEngine {
    fn name(&self) -> &'static str {
        "jit"
    }

    fn evaluate_into(&self, batch: &Batch, counties: &CountyTable, result: &mut BatchResult) {
        self.evaluate_counted(batch, counties, result);
    }
}

impl JitEngine {
    /// [`Engine::evaluate_into`], returning how many households the generated code gave up and
    /// the interpreter evaluated (every household that fails, and any that fails only in the
    /// generated code's extra work; see the module documentation).
    pub fn evaluate_counted(&self, batch: &Batch, counties: &CountyTable, result: &mut BatchResult) -> usize {
        let program = &self.program;
        // Generated code writes every word of the columns it stores for the households it
        // finishes; the interpreter zeroes and writes the rows of the others.
        result.reshape(program, batch);
        for (entity, slot) in &self.unwritten {
            if let Some(column) = result.columns_mut(*entity).get_mut(*slot as usize) {
                column.fill(0);
            }
        }
        let mut raw = vec![abi::RawOutcome::default(); batch.households.len];
        let prepared = self.prepared(counties);
        let tables = abi::Tables {
            county_values: &prepared.county_values,
            width: self.code.county_width(),
            ages: &prepared.ages,
        };
        let results = [&mut result.household, &mut result.person, &mut result.case];
        if self.code.run(program, batch, counties, tables, results, &mut raw).is_err() {
            // A malformed batch is an internal error of the caller; like the interpreter,
            // evaluate nothing and say so for every household.
            result.reset(program, batch);
            result.outcomes = vec![Outcome::Error(EvalError::malformed_batch()); batch.households.len];
            return 0;
        }
        let mut given_up = 0;
        for (household, outcome) in raw.iter().enumerate() {
            let outcome = if outcome.code == 0 {
                Outcome::Ok
            } else {
                given_up += 1;
                interp::reevaluate_household(program, batch, counties, household, result)
            };
            result.outcomes.push(outcome);
        }
        given_up
    }
}
