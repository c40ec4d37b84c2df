//! `pol test DIR`: run every `test` block of the policy on the interpreter and the JIT, and
//! print `N passed, N failed`.

use super::render::lang;
use super::{EngineChoice, EngineUse, ErrorFormat, Status, load_with_scenario, make_engines};
use pol_compiler::diagnostic::{Diagnostic, Sources};
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::i18n::line;
use pol_compiler::policy::Policy;
use pol_compiler::testing::{TestFailure, run_test};
use pol_compiler::tir::{Program, Word};
use pol_grammar::Span;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A failed expectation, shown at its `expect` line (or the test's declaration).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("test `{test}` failed on the {engine} engine: {summary}")]
#[diagnostic(code(pol::test::failed))]
struct TestFailed {
    test: String,
    engine: &'static str,
    summary: String,
    #[label("{label}")]
    span: miette::SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

/// The program in force on a test's as-of date and its county table (or why there is none).
type DatedSetup = (Program, Result<CountyTable, String>);

/// Options of `pol test`.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Run only tests whose name contains this.
    pub filter: Option<String>,
    /// Which engines.
    pub engine: EngineChoice,
    /// The as-of date for tests that do not give one.
    pub default_as_of: Word,
    /// A parameter-only scenario layered over the policy's values (`--scenario S.toml`).
    pub scenario: Option<std::path::PathBuf>,
}

/// Runs the policy's tests; prints one line per test and the totals.
pub fn test(
    dir: &Path,
    options: &TestOptions,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let (sources, policy) = match load_with_scenario(dir, options.scenario.as_deref(), format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    // The program in force on each as-of date, and its engines, compiled once per stretch of
    // dates on which the same rule versions are in force (once for a policy without them). A
    // policy with periods has a program per date (its instances depend on the month and year).
    let periodic = pol_compiler::dated::unroll::has_periods(&policy.program);
    let version_days = pol_compiler::dated::version_days(&policy.program);
    let mut programs: BTreeMap<Word, Option<DatedSetup>> = BTreeMap::new();
    let mut engines_by_stretch: BTreeMap<(usize, Word), Vec<Box<dyn Engine>>> = BTreeMap::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for test in &policy.program.tests {
        if options.filter.as_ref().is_some_and(|filter| !test.name.contains(filter.as_str())) {
            continue;
        }
        let as_of = test.as_of.unwrap_or(options.default_as_of);
        // One evaluation per date: the test's as-of date, then each period an `expect` names
        // (`expect x 2017-01 = …` is computed as of that period's first day).
        let mut diagnostics = Vec::new();
        for (date, part) in pol_compiler::testing::test_parts(test, as_of) {
            let setup = programs.entry(date).or_insert_with(|| {
                let program = policy.program.on(date).ok()?;
                let table = county_table(&sources, &policy, &program, date);
                Some((program, table))
            });
            let demand;
            let (program, table, engines) = match setup.as_ref() {
                Some((program, table)) => {
                    let stretch =
                        if periodic { (0, date) } else { (version_days.partition_point(|day| *day <= date), 0) };
                    let engines = match engines_by_stretch.entry(stretch) {
                        std::collections::btree_map::Entry::Occupied(found) => found.into_mut(),
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            match make_engines(program, options.engine, EngineUse::AllRules) {
                                Ok(engines) => slot.insert(engines),
                                Err(report) => {
                                    super::render::print_report(err, format, report);
                                    return Status::Error;
                                }
                            }
                        }
                    };
                    (program, table, &*engines)
                }
                // Something in force on this date reads something that is not: the part computes
                // only what it expects and gives (`Program::on_reading`), on engines of its own,
                // as OpenFisca's tests do.
                None => match policy.program.on_reading(date, &pol_compiler::dated::test_roots(&part)) {
                    Ok(program) => match make_engines(&program, options.engine, EngineUse::AllRules) {
                        Ok(engines) => {
                            let table = county_table(&sources, &policy, &program, date);
                            demand = (program, table, engines);
                            (&demand.0, &demand.1, &demand.2)
                        }
                        Err(report) => {
                            super::render::print_report(err, format, report);
                            return Status::Error;
                        }
                    },
                    Err(reads) => {
                        // What the part needs reads something not in force: it cannot run.
                        diagnostics.extend(reads);
                        continue;
                    }
                },
            };
            let mut part_diagnostics = pol_compiler::dated::check_test(&policy.program, &part, date);
            let expects_in_force = part_diagnostics.is_empty();
            diagnostics.append(&mut part_diagnostics);
            // A test that gives computed rules' values runs on its own program and engines
            // (`testing::given_program`); the others share the stretch's.
            let given = if part.given.is_empty() {
                None
            } else {
                match pol_compiler::testing::given_program(program, &part) {
                    Ok(given_program) => match make_engines(&given_program, options.engine, EngineUse::AllRules) {
                        Ok(given_engines) => Some(Ok((given_program, given_engines))),
                        Err(report) => {
                            super::render::print_report(err, format, report);
                            return Status::Error;
                        }
                    },
                    Err(message) => Some(Err(message)),
                }
            };
            let (run_program, run_engines) = match &given {
                Some(Ok((given_program, given_engines))) => (given_program, given_engines),
                Some(Err(_)) | None => (program, engines),
            };
            for engine in run_engines.iter().filter(|_| expects_in_force) {
                let failures = match (table, &given) {
                    (_, Some(Err(message))) => vec![TestFailure::Setup(message.clone())],
                    (Ok(table), _) => run_test(run_program, &part, table, engine.as_ref()),
                    (Err(message), _) => vec![TestFailure::Setup(message.clone())],
                };
                diagnostics.extend(
                    failures
                        .into_iter()
                        .map(|failure| failure_diagnostic(&policy, &test.name, test.span, engine.name(), failure)),
                );
            }
        }
        if diagnostics.is_empty() {
            passed += 1;
            let _ = writeln!(out, "{}", line(lang(), "line-test-ok", &[("name", &test.name)]));
        } else {
            failed += 1;
            let _ = writeln!(out, "{}", line(lang(), "line-test-failed", &[("name", &test.name)]));
            for diagnostic in diagnostics {
                super::render::print_diagnostic(err, format, &sources, diagnostic);
            }
        }
    }
    // Read by CI tooling: English in every language.
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    if failed == 0 { Status::Success } else { Status::Failure }
}

/// The county table of `program`, the policy's program in force on `as_of`.
fn county_table(sources: &Sources, policy: &Policy, program: &Program, as_of: Word) -> Result<CountyTable, String> {
    policy.params.county_table(program, &policy.jurisdictions, as_of).map_err(|diagnostic| {
        let rendered = pol_compiler::diagnostic::render_plain(sources, diagnostic);
        rendered.trim_end().to_string()
    })
}

fn failure_diagnostic(
    policy: &Policy,
    test: &str,
    test_span: Span,
    engine: &'static str,
    failure: TestFailure,
) -> Diagnostic {
    let (span, summary, label, help) = match failure {
        TestFailure::Mismatch { span, what, expected, actual } => (
            span,
            format!("{what} is {actual}, expected {expected}"),
            format!("expected {expected}, got {actual}"),
            None,
        ),
        TestFailure::Rejected { message } => (
            test_span,
            format!("the household was rejected: {message}"),
            "this household fails a validation".to_string(),
            Some("add `expect rejected` if the rejection is intended".to_string()),
        ),
        TestFailure::Error(error) => {
            let rule = policy.program.rule(error.rule).map_or("?", |rule| rule.name.as_str());
            (
                error.span,
                format!("evaluation error in `{rule}`: {:?}", error.kind),
                "evaluation failed here".to_string(),
                Some("add `expect error` if the error is intended".to_string()),
            )
        }
        TestFailure::NotRejected { span, actual } => (
            span,
            format!("expected a rejection, the household was {actual}"),
            "expected a rejection".to_string(),
            None,
        ),
        TestFailure::NoError { span } => {
            (span, "expected an evaluation error, there was none".to_string(), "expected an error".to_string(), None)
        }
        TestFailure::Setup(message) => {
            (test_span, "its parameters could not be resolved".to_string(), "this test".to_string(), Some(message))
        }
    };
    Diagnostic::new(Some(span), TestFailed { test: test.to_string(), engine, summary, span: span.into(), label, help })
}
