//! The type checker: untyped AST to typed IR, every error reported.
//!
//! # Approach
//!
//! [`ast_to_tir`] reads a policy in passes, each over all files, so that the order of files
//! and declarations never matters:
//!
//! 1. **Collect** (`decls`): every enum, jurisdiction column, entity column, parameter and rule
//!    gets its id and declared type; duplicates are reported pointing at both. The rules of the
//!    future program are planned here: entity `require`s first (validation rules), then named
//!    rules in declaration order, then hidden rules for output columns and filters.
//! 2. **Jurisdictions**: `jurisdictions.csv` is read against the `jurisdictions` block
//!    ([`crate::jurisdictions::parse_csv`]), because test records name counties by code.
//! 3. **Order** (`order`): the names in each rule body are resolved (`resolve`, the same lookup
//!    the checker uses) into a dependency graph. Its topological order is the order rules are
//!    checked in, so a rule without a written type is typed before any rule that uses it, and
//!    it is also [`Program::order`]. What is left over lies on a cycle, reported with its path.
//! 4. **Check** (`expr`, `ops`, `calls`, `patterns`, `literal`): every expression becomes a
//!    typed [`tir::Expr`]; then parameters, outputs, the report, the programs and the visit
//!    list, and tests (`items`, `report`, `programs`, `tests_build`).
//!
//! # Modes
//!
//! Checking is bidirectional. `infer(expr, hint)` computes an expression's own type; the hint
//! (the type the context wants) is used only by what cannot decide alone: an untyped number takes
//! the hinted money period or ratio (`gap > 0`: the `0` is `元/月`), and a bare variant the
//! hinted enum (`labor_capacity == none`). Binary operators infer the operand that can decide
//! first and hint the other with its type. `check(expr, want)` infers with `want` as hint and
//! reports a mismatch. Every scope (`resolve::Scope`) decides what names mean and may be used: an
//! entity's rules (columns, rules, household access, parameters, `county.X`, aggregates), a
//! parameter's values and `require`s (parameters only, plus `last_year`/`province` in
//! `require`), literal values (defaults, test values) and report filters (`county.X` only).
//! Aggregates (`count(members …)`, …) are allowed in every entity scope, household, person,
//! case, and inside another aggregate, and always range over the persons of the household
//! being evaluated; their filter and value are checked in person scope. A `county` column reads
//! as the county's code (`county.KEY`, text), so that it compares with `"610802"` and prints as
//! the code.
//!
//! # Errors
//!
//! An error is recorded and the failing expression becomes `None`; an operation with a `None`
//! operand reports nothing more, so one mistake gives one message, and checking goes on to find
//! the others. A [`Program`] is returned only when there is no error at all, so no error node
//! ever reaches an engine. Expressions nested deeper than 64 levels are reported, not walked.
//!
//! # What is rejected, and why
//!
//! - Money of different periods in one operation (`元/月 + 元/年`): the conversion rounds, so
//!   it must be written (`x as 元/月`), and the reader sees where the fen is rounded.
//! - Money × money, int ÷ ratio, ordering enums or texts: no meaning a drafter would intend.
//! - A `match` that leaves a value without an arm, and an arm that can never be used: the
//!   interpreter then never fails to match, and dead arms are usually typos.
//! - Literals with more decimals than their unit holds (`0.125 元`): money is exact to the fen.
//! - Rules that depend on themselves, directly or through other rules; parameter values that
//!   follow each other in a circle.
//!
//! # Example
//!
//! ```text
//! param dibao_standard: 元/年 { = 4860 }
//! household annual_income: 元/年            (a column)
//! household monthly_standard: 元/月 = dibao_standard as 元/月
//! household gap = monthly_standard - annual_income
//! ```
//!
//! `dibao_standard as 元/月` becomes `DivRound(Param(dibao_standard), Const 12)`: `元/月`. `gap`
//! has no written type, so it is checked after `monthly_standard`, and fails:
//! `cannot subtract 元/月 and 元/年`, with a label on each side and the help
//! ``convert with `annual_income as 元/月` ``.

mod calls;
mod context;
mod decls;
pub mod error;
mod expr;
mod items;
mod literal;
mod ops;
mod order;
mod patterns;
mod periods;
mod programs;
mod report;
mod resolve;
mod roles;
mod scales;
mod tests_build;
mod types;

pub(crate) use roles::{ROLE_COLUMN, ROLE_ENUM};
pub(crate) use types::{period_name, ty_name};

use crate::diagnostic::{self, Diagnostic};
use crate::jurisdictions::{self, JurisdictionTable};
use crate::tir::{self, Program, RuleId};
use context::Checker;
use decls::Decls;
use error::TypeError;
use order::CycleKind;
use pol_grammar::ast;
use pol_grammar::{SourceId, Span};

/// Checks a policy's files as one program, with its `jurisdictions.csv` text if there is one.
///
/// On success, the typed program and the county table; otherwise every error found, sorted by
/// file and position (never an empty list).
pub fn ast_to_tir(
    files: &[(SourceId, ast::File)],
    jurisdictions_csv: Option<(SourceId, &str)>,
) -> Result<(Program, JurisdictionTable), Vec<Diagnostic>> {
    ast_to_tir_or_params(files, jurisdictions_csv).map_err(|failed| failed.diags)
}

/// What [`ast_to_tir_or_params`] gives when checking fails.
#[derive(Debug)]
pub struct Failed {
    /// Every error found, sorted by file and position (never empty).
    pub diags: Vec<Diagnostic>,
    /// When every parameter declaration and the jurisdictions checked, a program of the
    /// declarations and parameters alone (no rules, outputs, report or tests) and the county
    /// table: enough to check the local parameter files against their constraints, so that an
    /// error in a rule does not hide a parameter file's broken floor.
    pub params_only: Option<Box<(Program, JurisdictionTable)>>,
}

/// [`ast_to_tir`], keeping on failure what the parameter files can be checked against.
pub fn ast_to_tir_or_params(
    files: &[(SourceId, ast::File)],
    jurisdictions_csv: Option<(SourceId, &str)>,
) -> Result<(Program, JurisdictionTable), Failed> {
    let mut diags = Vec::new();
    let desugared = roles::desugar(files, &mut diags);
    let files = desugared.as_deref().unwrap_or(files);
    let decls = decls::collect(files, &mut diags);
    let n_before_csv = diags.len();
    let table = read_jurisdictions(&decls, jurisdictions_csv, &mut diags);
    let jurisdictions_ok = diags.len() == n_before_csv;
    let mut checker = Checker::new(&decls, table, diags);
    let (program, params_only) = build_program(&mut checker);
    let Checker { mut diags, table, .. } = checker;
    match program {
        Some(program) if diags.is_empty() => Ok((program, table)),
        _ => {
            if diags.is_empty() {
                let error =
                    TypeError::Internal { message: "a declaration failed without a message".into(), span: None };
                diags.push(Diagnostic::new(None, error));
            }
            diagnostic::sort(&mut diags);
            let params_only = params_only.filter(|_| jurisdictions_ok).map(|program| Box::new((program, table)));
            Err(Failed { diags, params_only })
        }
    }
}

/// The county table: the CSV read against the `jurisdictions` block, or empty without a CSV.
fn read_jurisdictions(
    decls: &Decls<'_>,
    csv: Option<(SourceId, &str)>,
    diags: &mut Vec<Diagnostic>,
) -> JurisdictionTable {
    let Some((source, text)) = csv else { return JurisdictionTable::default() };
    if decls.jurisdictions.is_none() {
        let header_end = text.find('\n').unwrap_or(text.len());
        let span = Span::new(source, 0, header_end);
        diags.push(Diagnostic::new(Some(span), jurisdictions::JurisdictionsError::Undeclared { span }));
        return JurisdictionTable::default();
    }
    match jurisdictions::parse_csv(&decls.schema, &decls.enums, source, text) {
        Ok(table) => table,
        Err(errors) => {
            diags.extend(errors);
            JurisdictionTable::default()
        }
    }
}

/// Every pass after collection: the program, `None` when some part failed (and was reported);
/// when it failed but every parameter checked, a program of the parameters alone.
fn build_program(checker: &mut Checker<'_>) -> (Option<Program>, Option<Program>) {
    let decls = checker.decls;
    let schemas = checker.schemas();
    let graph = order::rule_graph(decls);
    let (order, left) = order::topological(&graph);
    // Graph nodes are indices of `decls.rules` (and of `decls.params` below), so a name is
    // always found; the empty fallback only keeps a broken graph from panicking.
    let rule_name = |id: usize| decls.rules.get(id).map(|plan| (plan.name.clone(), plan.name_span)).unwrap_or_default();
    order::report_cycles(CycleKind::Rule, &graph, &order::cycles(&graph, &left), &rule_name, &mut checker.diags);
    let param_graph = order::param_graph(decls);
    let (_, params_left) = order::topological(&param_graph);
    let param_name =
        |id: usize| decls.params.get(id).map(|info| (info.name.clone(), info.decl.name.span)).unwrap_or_default();
    let param_cycles = order::cycles(&param_graph, &params_left);
    order::report_cycles(CycleKind::Param, &param_graph, &param_cycles, &param_name, &mut checker.diags);

    let check_order: Vec<usize> = order.iter().chain(&left).copied().collect();
    let rules = checker.check_rules(&check_order);
    let params = checker.check_params().into_iter().collect::<Option<Vec<_>>>();
    let scales = checker.check_scales();
    let outputs = checker.build_outputs();
    let report = checker.build_report(&outputs);
    let (programs, visit) = checker.build_programs(&rules);
    let tests = checker.build_tests(&schemas);
    let has_report = !decls.reports.is_empty();
    let [household, person, case] = schemas;
    let parts = |params: Vec<tir::ParamDef>, checker: &mut Checker<'_>| -> Option<Program> {
        Some(Program {
            enums: decls.enums.clone(),
            jurisdiction: decls.schema.clone(),
            household: household.clone(),
            person: person.clone(),
            case: case.clone(),
            params,
            scales: scales.clone()?,
            rules: rules.iter().cloned().collect::<Option<Vec<tir::Rule>>>()?,
            order: order.iter().map(|&id| RuleId(id as u32)).collect(),
            outputs: outputs.clone(),
            report: if has_report { Some(report.clone()?) } else { None },
            programs: programs.clone()?,
            visit: visit?,
            tests: tests.iter().cloned().collect::<Option<Vec<_>>>()?,
            texts: std::mem::take(&mut checker.texts.texts),
            currency: decls.currency,
            money_decimals: decls.money_decimals,
            fine_factor: 1,
        })
    };
    // Parameters that follow each other in a circle were reported; their values cannot be
    // resolved, so the local files are not checked against them.
    let Some(params) = params.filter(|_| params_left.is_empty()) else { return (None, None) };
    let full = if left.is_empty() { parts(params.clone(), checker) } else { None };
    let Some(full) = full else {
        // The parameters alone, for checking the local files: their expressions read
        // parameters and literal texts only.
        let parts = Program {
            enums: decls.enums.clone(),
            jurisdiction: decls.schema.clone(),
            household,
            person,
            case,
            params,
            // Local files may set scales, and `require`s read them; a scale that failed to
            // check was reported (a constraint reading it is then skipped).
            scales: scales.clone().unwrap_or_default(),
            rules: Vec::new(),
            order: Vec::new(),
            outputs: Vec::new(),
            report: None,
            programs: Vec::new(),
            visit: None,
            tests: Vec::new(),
            texts: checker.texts.texts.clone(),
            currency: decls.currency,
            money_decimals: decls.money_decimals,
            fine_factor: 1,
        };
        return (None, Program::new(parts).ok());
    };
    match Program::new(full) {
        Ok(program) => (Some(program), None),
        Err(error) => {
            let error = TypeError::Internal { message: error.to_string(), span: None };
            checker.diags.push(Diagnostic::new(None, error));
            (None, None)
        }
    }
}
