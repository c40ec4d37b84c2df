//! Who reads what: the references of every rule and parameter, taken from the checked IR, and
//! the tests that check each rule with their results on the interpreter.

use pol_compiler::engine::CountyTable;
use pol_compiler::interp::Interpreter;
use pol_compiler::policy::Policy;
use pol_compiler::testing::{TestFailure, run_test};
use pol_compiler::tir::{self, ExprKind, RuleRole, Ty, ValueSource, Word};
use pol_grammar::ast::{self, EntityKind};
use std::collections::{BTreeMap, BTreeSet};

/// Something a page can link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ref {
    /// A rule, by index in `Program::rules`.
    Rule(usize),
    /// A parameter, by index in `Program::params`.
    Param(usize),
    /// An input column of an entity.
    Column(EntityKind, usize),
    /// A jurisdiction attribute (`county.X`).
    Attr(usize),
    /// An enum, by index in `Program::enums`.
    Enum(usize),
}

/// A test's place in the site and its result.
pub(super) struct TestInfo {
    /// The page of its file.
    pub page: String,
    /// Its anchor there.
    pub anchor: String,
    /// The declaration, for printing.
    pub decl: ast::TestDecl,
    /// Failures on the interpreter (empty: it passes); `None` if it could not run.
    pub failures: Result<Vec<TestFailure>, String>,
}

/// The reference tables of a site.
pub(super) struct Refs {
    /// What each rule reads.
    pub rule_reads: Vec<BTreeSet<Ref>>,
    /// What each parameter's values and constraints read.
    pub param_reads: Vec<BTreeSet<Ref>>,
    /// The named rules and parameters reading each thing.
    pub read_by: BTreeMap<Ref, BTreeSet<Ref>>,
    /// The tests, in program order.
    pub tests: Vec<TestInfo>,
    /// Indices into `tests` of the tests that check each rule.
    pub tests_of_rule: BTreeMap<usize, Vec<usize>>,
    /// The declaration span of each test, by index into `tests` (matched to the AST).
    pub test_of_span: BTreeMap<(u32, u32, u32), usize>,
}

impl Refs {
    pub(super) fn build(policy: &Policy, files: &[(&str, &ast::File)], as_of: Word) -> Refs {
        let program = &policy.program;
        let rule_reads: Vec<BTreeSet<Ref>> =
            program.rules.iter().map(|rule| reads_of(&rule.definitions().collect::<Vec<_>>())).collect();
        let param_reads: Vec<BTreeSet<Ref>> = program
            .params
            .iter()
            .enumerate()
            .map(|(index, param)| {
                let mut exprs: Vec<&tir::Expr> = param.values.iter().map(|(_, expr)| expr).collect();
                exprs.extend(param.requires.iter().map(|require| &require.cond));
                let mut reads = reads_of(&exprs);
                reads.remove(&Ref::Param(index));
                reads
            })
            .collect();
        let mut read_by: BTreeMap<Ref, BTreeSet<Ref>> = BTreeMap::new();
        for (index, reads) in rule_reads.iter().enumerate() {
            let named = program.rules.get(index).is_some_and(|rule| rule.role == RuleRole::Named);
            for read in reads.iter().filter(|_| named) {
                read_by.entry(*read).or_default().insert(Ref::Rule(index));
            }
        }
        for (index, reads) in param_reads.iter().enumerate() {
            for read in reads {
                read_by.entry(*read).or_default().insert(Ref::Param(index));
            }
        }
        let (tests, tests_of_rule, test_of_span) = tests_of(policy, files, as_of);
        Refs { rule_reads, param_reads, read_by, tests, tests_of_rule, test_of_span }
    }
}

/// Everything the expressions read, in one preorder walk each.
fn reads_of(exprs: &[&tir::Expr]) -> BTreeSet<Ref> {
    let mut reads = BTreeSet::new();
    for expr in exprs {
        for node in expr.preorder() {
            if let Ty::Enum(id) = node.ty {
                reads.insert(Ref::Enum(id.0 as usize));
            }
            match &node.kind {
                ExprKind::Column(entity, column) => {
                    reads.insert(Ref::Column(*entity, column.0 as usize));
                }
                ExprKind::Rule(rule) => {
                    reads.insert(Ref::Rule(rule.0 as usize));
                }
                ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => {
                    reads.insert(Ref::Param(param.0 as usize));
                }
                ExprKind::CountyAttr(attr) => {
                    reads.insert(Ref::Attr(attr.0 as usize));
                }
                ExprKind::Const(_)
                | ExprKind::AsOf
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
        }
    }
    reads
}

type TestTables = (Vec<TestInfo>, BTreeMap<usize, Vec<usize>>, BTreeMap<(u32, u32, u32), usize>);

/// The tests matched to their declarations, run on the interpreter, and the rules each checks.
fn tests_of(policy: &Policy, files: &[(&str, &ast::File)], as_of: Word) -> TestTables {
    let program = &policy.program;
    let mut decls = BTreeMap::new();
    for (page, file) in files {
        for item in &file.items {
            if let ast::Item::Test(decl) = item {
                decls.insert(span_key(decl.span), (page.to_string(), decl));
            }
        }
    }
    // Per as-of date: the interpreter of the program in force that day and its county table.
    let mut tables: Tables = BTreeMap::new();
    let (mut tests, mut tests_of_rule, mut test_of_span) = (Vec::new(), BTreeMap::new(), BTreeMap::new());
    for test in &program.tests {
        let Some((page, decl)) = decls.get(&span_key(test.span)) else { continue };
        // One evaluation per date (`expect x 2017-01 = …` as of that period's first day).
        let mut failures = Ok(Vec::new());
        for (day, part) in pol_compiler::testing::test_parts(test, test.as_of.unwrap_or(as_of)) {
            let part_failures = run_part(policy, &mut tables, &part, day);
            failures = match (failures, part_failures) {
                (Ok(mut all), Ok(found)) => {
                    all.extend(found);
                    Ok(all)
                }
                (Err(message), _) | (Ok(_), Err(message)) => Err(message),
            };
        }
        let index = tests.len();
        let anchor = super::html::anchor("test", &index.to_string());
        tests.push(TestInfo { page: page.clone(), anchor, decl: (*decl).clone(), failures });
        test_of_span.insert(span_key(test.span), index);
        let mut checked = BTreeSet::new();
        for expectation in &test.expectations {
            if let tir::Expectation::Value { source: ValueSource::Rule(rule), .. } = expectation {
                checked.insert(rule.0 as usize);
            }
        }
        for rule in checked {
            tests_of_rule.entry(rule).or_insert_with(Vec::new).push(index);
        }
    }
    (tests, tests_of_rule, test_of_span)
}

/// Interpreter and county table per as-of date.
type Tables = BTreeMap<Word, Result<(Interpreter, CountyTable), String>>;

/// One evaluation of a test (see `testing::test_parts`) on the interpreter of `day`.
fn run_part(
    policy: &pol_compiler::policy::Policy,
    tables: &mut Tables,
    test: &tir::Test,
    day: Word,
) -> Result<Vec<pol_compiler::testing::TestFailure>, String> {
    let table = tables.entry(day).or_insert_with(|| match policy.on(day) {
        Ok((dated, counties)) => Ok((Interpreter::new(&dated.program), counties)),
        Err(diagnostics) => {
            let messages: Vec<String> = diagnostics.iter().map(|diagnostic| diagnostic.error.to_string()).collect();
            Err(messages.join("; "))
        }
    });
    let not_in_force = pol_compiler::dated::check_test(&policy.program, test, day);
    match table {
        Ok(_) if !not_in_force.is_empty() => {
            let messages: Vec<String> = not_in_force.iter().map(|diagnostic| diagnostic.error.to_string()).collect();
            Err(messages.join("; "))
        }
        Ok((interpreter, table)) if test.given.is_empty() => {
            Ok(run_test(interpreter.program(), test, table, interpreter))
        }
        // A test giving rules' values runs on its own program (`testing::given_program`).
        Ok((interpreter, table)) => pol_compiler::testing::given_program(interpreter.program(), test).map(|given| {
            let given_interpreter = Interpreter::new(&given);
            run_test(&given, test, table, &given_interpreter)
        }),
        Err(message) => Err(message.clone()),
    }
}

/// A span as a map key: source, start, end.
pub(super) fn span_key(span: pol_grammar::Span) -> (u32, u32, u32) {
    (span.source.0, span.start, span.end)
}
