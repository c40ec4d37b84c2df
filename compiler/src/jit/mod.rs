//! The cranelift JIT: a checked program compiled into a native batch evaluator.
//!
//! # Design
//!
//! [`JitEngine::compile`] turns a [`Program`] into machine code that does exactly what the
//! interpreter ([`crate::interp`]) does, word for word, and [`JitEngine`] runs it over batches
//! through the [`Engine`] trait. The interpreter is the oracle; the tests compare the two on
//! hand-written programs for every node and on random programs and batches.
//!
//! ## Shape of the generated code
//!
//! Rules are compiled in groups: consecutive rules of [`Program::order`] up to
//! `NODES_PER_FUNCTION` (256) expression nodes make one function. One exported driver calls the
//! groups over blocks of `HOUSEHOLDS_PER_BLOCK` (256) households:
//!
//! ```text
//! evaluate_batch(ctx, start, end):                     // the one exported function
//!   for each block first..end of 256 households:
//!     for each group in order: group_k(ctx, first, end)
//!
//! group_k(ctx, first, end):                            // rules r1, r2, … of the order
//!   for h in first..end:
//!     if outcomes[h].code != 0: continue               // failed in an earlier group
//!     county_row = county_words + county[h] × stride   // one pointer per household
//!     r1 (a person rule):
//!       for row in person_offsets[h]..person_offsets[h+1]:
//!         v = <the body, in the scope of this person>
//!         person_results[slot][row] = v
//!         (validation) if v == 0: fail(INVALID)
//!     r2 …
//!   fail(code): outcomes[h] = {code | member << 32, rule}; continue with h + 1
//! ```
//!
//! Households are independent (a rule reads only its own household's rows), so evaluating a
//! block rule group by rule group instead of household by household changes no word and no
//! outcome: each household still sees its rules in order and stops at its first failure. It
//! lets each group stream through consecutive rows of its columns (a block's rows of 100 rule
//! columns fit in L2), and costs one call per group and block.
//!
//! A failure code packs the kind (bits 0–7, see `codes`), a *site* (bits 8–31: the index of
//! the failing operation's span in a table kept beside the code) and the member (bits 32–63).
//! Each operation that can fail branches to its rule's cold failure block.
//!
//! The context (`abi::RawContext`) is one `#[repr(C)]` struct of pointers: column pointer
//! tables for the three entities' inputs and results, the offsets, the county words, the
//! as-of date, the outcome buffer and the text tables. A group function loads every context
//! field and column pointer it uses once, in its entry block; member ranges and the county
//! row once per household.
//!
//! ## Arithmetic
//!
//! - `+ - *` and negation: `sadd/ssub/smul_overflow` and a branch on the flag.
//! - `DivRound`: the divisor is tested for 0 and the pair for `MIN / -1` *before* `sdiv`/`srem`
//!   (cranelift lowers them to `idiv`, which traps; cranelift-jit installs no handler, so a
//!   trap would kill the process). The tests are left out for a constant divisor that cannot
//!   hit them (÷ 12). Rounding half away from zero is branch-free: the truncated quotient
//!   plus `select(2|r| >= |b| unsigned, sign, 0)`.
//! - `MulScaled`, `DivScaled`: the reference's i128 product is needed only when `a × b`
//!   (`a × 10⁹`) does not fit in 64 bits; when it fits, the exact quotient over 64 bits equals
//!   the one over 128, so that path is inline (`smul_overflow`, then the `DivRound` sequence by
//!   the constant 10⁹). Otherwise a cold call to a Rust helper runs [`crate::arith`] itself and
//!   returns a status, the value through a stack slot. Cranelift 0.135's x64 backend has no
//!   lowering for a 128-bit `sdiv`, so an inline wide path would be a hand-written long
//!   division for amounts beyond 92 million yuan; the helper is the reference code instead.
//! - `years_between` and text equality call helpers ([`crate::date::years_between`],
//!   [`crate::text::TextTables::equal`]); text equality first compares the handles inline
//!   (equal handles are equal texts). No helper unwinds: they return statuses, and
//!   `catch_unwind` guards the two that call library code.
//!
//! ## Parameters: loaded, not specialised
//!
//! A parameter is a load from the household's county row (`county_row + 8 × param`), the row
//! pointer computed once per household. Specialising parameters as constants would need one
//! compiled copy per distinct parameter row (jurisdictions differ within one batch: Shaanxi
//! has 107 counties in 14 parameter files) or a dispatch per household, multiplying compile
//! time (15 ms for Shaanxi, below) by up to 107 to save one L1-resident load per use; and the
//! checks that dominate the work do not go away with constant operands (only `÷ constant`
//! does, and that is already specialised). So parameters are loaded.
//!
//! ## Safety
//!
//! All `unsafe` is in the `abi` module: the call into generated code and the helpers' pointer
//! arguments. The evaluator first runs [`Batch::validate`]; the code generator refuses a
//! program whose column, parameter, attribute or slot numbers fall outside its schemas
//! ([`JitError`]), so generated code reads and writes only inside the validated buffers. It
//! contains no trapping instruction.
//!
//! ## Numbers
//!
//! Release build, best of 10 runs, on the 2-core development machine while other builds ran
//! (load average 5–7, so these are upper bounds); printed by the tests in `jit::tests`
//! (`cargo test --release -p pol-compiler --lib jit::tests -- --nocapture`):
//!
//! | what | compile | evaluate, ns/household (JIT vs interpreter) |
//! |---|---|---|
//! | Shaanxi 2019, 56 rules, 372 nodes | 12–15 ms | 290–730 vs 3,900–6,800 (8–14×) |
//! | generated, 100 rules, 1,702 nodes | 39–66 ms | 900–3,500 vs 23,000–36,000 (10–24×) |
//! | 100 trivial rules (`n + k`) | 4.5–7 ms | |
//!
//! The generated program is much denser than a policy (17 nodes a rule, nested aggregates
//! and matches, against Shaanxi's 7), so a real 100-rule policy compiles in about 25 ms.
//!
//! Before rules were grouped, each rule was its own function and cranelift's fixed cost per
//! function (about 0.25 ms: 100 trivial rules took 24 ms, now 3–7 ms) dominated: Shaanxi took
//! 28 ms. Household-at-a-time evaluation (blocks of 1) ran Shaanxi at ~860 ns/household. Of
//! the compile time, the verifier (kept on) is roughly a quarter to a third, the e-graph
//! optimiser and register allocation most of the rest; `opt_level=none` or the single-pass
//! allocator save less than the noise of the machine.

mod abi;
mod codegen;
mod error;
mod translate;

#[cfg(test)]
mod tests;

pub use error::JitError;

use pol_grammar::Span;

use crate::engine::{Batch, BatchResult, CountyTable, Engine, EvalError, EvalErrorKind, Outcome};
use crate::tir::{Program, RuleId};

/// Failure codes generated code writes into outcomes.
pub(crate) mod codes {
    /// A validation rule was false.
    pub const INVALID: i64 = 1;
    /// An arithmetic overflow.
    pub const OVERFLOW: i64 = 2;
    /// A division by zero.
    pub const DIVISION_BY_ZERO: i64 = 3;
    /// `max`, `min` or `first` over no member.
    pub const EMPTY_AGGREGATE: i64 = 4;
    /// A `match` without an arm for the value.
    pub const NO_MATCHING_ARM: i64 = 5;
    /// Where the site index starts.
    pub const SITE_SHIFT: u32 = 8;
    /// Where the member index starts.
    pub const MEMBER_SHIFT: u32 = 32;
    /// How many failure sites fit between the two.
    pub const MAX_SITES: usize = 1 << 24;
}

/// A program compiled to native code; evaluates batches like the interpreter, faster.
pub struct JitEngine {
    /// The program, to validate batches against.
    program: Program,
    /// The code and the module that owns it.
    code: abi::CompiledCode,
    /// The span of each failure site.
    sites: Vec<Span>,
}

impl std::fmt::Debug for JitEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitEngine").field("rules", &self.program.rules.len()).field("sites", &self.sites.len()).finish()
    }
}

impl JitEngine {
    /// Compiles a checked program. Fails only on a bug (a program the checker should not have
    /// produced, or a cranelift failure).
    pub fn compile(program: &Program) -> Result<JitEngine, JitError> {
        JitEngine::compile_with(program, &codegen::SETTINGS)
    }

    /// Compiles with these cranelift settings (tests compare compile times).
    fn compile_with(program: &Program, settings: &[(&str, &str)]) -> Result<JitEngine, JitError> {
        check_slots(program)?;
        let mut codegen = codegen::Codegen::new(program, settings)?;
        // Like the interpreter, an unknown rule in the order is skipped, and one listed twice
        // is evaluated twice.
        let order: Vec<RuleId> = program.order.iter().copied().filter(|rule| program.rule(*rule).is_some()).collect();
        let mut rule_functions = Vec::new();
        for group in rule_groups(program, &order) {
            rule_functions.push(codegen.compile_group(group)?);
        }
        let entry = codegen.compile_driver(&rule_functions)?;
        let (code, sites) = codegen.finish(entry)?;
        Ok(JitEngine { program: program.clone(), code, sites })
    }

    /// The program it evaluates.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The outcome a raw code stands for.
    fn outcome(&self, code: i64, rule: i64) -> Outcome {
        if code == 0 {
            return Outcome::Ok;
        }
        let rule = RuleId(u32::try_from(rule).unwrap_or(u32::MAX));
        let member = (code >> codes::MEMBER_SHIFT) as u32;
        let site = ((code >> codes::SITE_SHIFT) & ((1 << (codes::MEMBER_SHIFT - codes::SITE_SHIFT)) - 1)) as usize;
        let kind = match code & 0xFF {
            codes::INVALID => return Outcome::Invalid { rule, member },
            codes::OVERFLOW => EvalErrorKind::Overflow,
            codes::DIVISION_BY_ZERO => EvalErrorKind::DivisionByZero,
            codes::EMPTY_AGGREGATE => EvalErrorKind::EmptyAggregate,
            _ => EvalErrorKind::NoMatchingArm,
        };
        let span = self.sites.get(site).copied().unwrap_or_default();
        Outcome::Error(EvalError { kind, span, rule, member })
    }
}

/// How many expression nodes a function gets, at most (a rule larger than this gets one of
/// its own): cranelift spends about a quarter of a millisecond per function before any
/// instruction, so rules are compiled a group at a time.
const NODES_PER_FUNCTION: usize = 256;

/// Splits the order into groups of consecutive rules of at most [`NODES_PER_FUNCTION`] nodes.
fn rule_groups<'o>(program: &Program, order: &'o [RuleId]) -> Vec<&'o [RuleId]> {
    let mut groups = Vec::new();
    let (mut start, mut nodes) = (0, 0);
    for (index, rule) in order.iter().enumerate() {
        let size = program.rule(*rule).map_or(1, |rule| count_nodes(&rule.body));
        if index > start && nodes + size > NODES_PER_FUNCTION {
            groups.extend(order.get(start..index));
            (start, nodes) = (index, 0);
        }
        nodes += size;
    }
    groups.extend(order.get(start..).filter(|rest| !rest.is_empty()));
    groups
}

/// The number of nodes of an expression.
fn count_nodes(expr: &crate::tir::Expr) -> usize {
    use crate::tir::ExprKind;
    1 + match &expr.kind {
        ExprKind::Unary(_, operand) | ExprKind::Mask(operand) => count_nodes(operand),
        ExprKind::Binary(_, left, right) => count_nodes(left) + count_nodes(right),
        ExprKind::If(cond, then, otherwise) => count_nodes(cond) + count_nodes(then) + count_nodes(otherwise),
        ExprKind::Match(scrutinee, arms) => {
            count_nodes(scrutinee) + arms.iter().map(|(_, arm)| count_nodes(arm)).sum::<usize>()
        }
        ExprKind::Aggregate { filter, value, .. } => {
            filter.as_deref().map_or(0, count_nodes) + value.as_deref().map_or(0, count_nodes)
        }
        _ => 0,
    }
}

/// Checks that every rule's slot is within its entity's result columns.
fn check_slots(program: &Program) -> Result<(), JitError> {
    for rule in &program.rules {
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

    fn evaluate(&self, batch: &Batch, counties: &CountyTable) -> BatchResult {
        let program = &self.program;
        let mut result = BatchResult::zeroed(program, batch);
        let mut raw = vec![abi::RawOutcome::default(); batch.households.len];
        let results = [&mut result.household, &mut result.person, &mut result.case];
        match self.code.run(program, batch, counties, results, &mut raw) {
            Ok(()) => result.outcomes = raw.iter().map(|outcome| self.outcome(outcome.code, outcome.rule)).collect(),
            Err(_) => {
                // A malformed batch is an internal error of the caller; like the interpreter,
                // evaluate nothing and say so for every household.
                let error = EvalError {
                    kind: EvalErrorKind::MalformedBatch,
                    span: Span::default(),
                    rule: RuleId(0),
                    member: 0,
                };
                result.outcomes = vec![Outcome::Error(error); batch.households.len];
            }
        }
        result
    }
}
