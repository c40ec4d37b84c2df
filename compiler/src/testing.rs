//! Running a policy's `test` blocks on an engine: one household built from literals, evaluated,
//! compared with what the test expects. No IO: the caller resolves the county table for the
//! test's as-of date and prints the results.

use crate::engine::{Batch, BatchResult, BatchShapeError, CountyTable, Engine, EvalError, Outcome};
use crate::format::word_to_string;
use crate::text::TextTables;
use crate::tir::{BinOp, Expectation, Expr, ExprKind, Program, RuleRole, Test, Ty, ValueSource, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

/// Why a test failed.
#[derive(Debug, Clone, PartialEq)]
pub enum TestFailure {
    /// A value differs.
    Mismatch {
        /// The `expect` line.
        span: Span,
        /// What was read, e.g. ``person 2 `topup` ``.
        what: String,
        /// The expected value as shown.
        expected: String,
        /// The value computed, as shown.
        actual: String,
    },
    /// The household failed a validation the test did not expect.
    Rejected {
        /// The validation's message.
        message: String,
    },
    /// Evaluation failed although the test expected values.
    Error(EvalError),
    /// The test expected a rejection (with this message) and got none or another.
    NotRejected {
        /// The `expect rejected` line.
        span: Span,
        /// What happened instead.
        actual: String,
    },
    /// The test expected an evaluation error and got none.
    NoError {
        /// The `expect error` line.
        span: Span,
    },
    /// The test could not run: its parameters could not be resolved.
    Setup(String),
}

/// The household batch a test describes (an error only for a test of 2³² persons or more).
/// For a program in force on a day with periods, a monthly column has one column per month
/// read ([`crate::tir::Column::month`]): each holds the value the test gives for that month,
/// else for its year (a money total spread as `total / 12`, rounded to the fen), else the
/// record's constant value (written or the default).
pub fn test_batch(program: &Program, test: &Test) -> Result<Batch, BatchShapeError> {
    let mut batch = Batch::empty(program);
    let household = period_row(program, test, EntityKind::Household, 0, &test.household)?;
    let persons = test
        .persons
        .iter()
        .enumerate()
        .map(|(index, row)| period_row(program, test, EntityKind::Person, index, row))
        .collect::<Result<Vec<_>, _>>()?;
    let cases = test
        .cases
        .iter()
        .enumerate()
        .map(|(index, row)| period_row(program, test, EntityKind::Case, index, row))
        .collect::<Result<Vec<_>, _>>()?;
    batch.push_household(&household, persons.iter().map(Vec::as_slice), cases.iter().map(Vec::as_slice))?;
    Ok(batch)
}

/// One record's row for `program`'s schema: the checked row, with a value for every month's
/// column of a monthly column.
fn period_row(
    program: &Program,
    test: &Test,
    entity: EntityKind,
    index: usize,
    row: &[Word],
) -> Result<Vec<Word>, BatchShapeError> {
    let schema = program.schema(entity);
    if schema.columns.iter().all(|column| column.month.is_none()) {
        return Ok(row.to_vec());
    }
    let declared = schema.columns.get(..row.len()).unwrap_or(&schema.columns);
    schema
        .columns
        .iter()
        .enumerate()
        .map(|(position, column)| {
            let base = match column.month {
                None => position,
                Some(_) => {
                    declared.iter().position(|declared| declared.name == column.base_name()).ok_or_else(|| {
                        BatchShapeError(format!("the monthly column `{}` has no declared column", column.name))
                    })?
                }
            };
            let constant = row
                .get(base)
                .copied()
                .ok_or_else(|| BatchShapeError(format!("the test's row has no column `{}`", column.name)))?;
            let Some(month) = column.month else { return Ok(constant) };
            let given = |year: bool, from: Word| {
                test.periodic.iter().find(|value| {
                    value.entity == entity
                        && value.index == index
                        && value.column.0 as usize == base
                        && value.year == year
                        && value.from == from
                })
            };
            if let Some(value) = given(false, month) {
                return Ok(value.value);
            }
            if let Some(value) = given(true, crate::dated::unroll::year_start(month)) {
                return match column.ty.value_ty() {
                    Ty::Money(_) => crate::arith::div_round(value.value, 12).map_err(|error| {
                        BatchShapeError(format!("`{}` spread over 12 months: {error:?}", column.name))
                    }),
                    Ty::Bool | Ty::Int | Ty::Ratio | Ty::Date | Ty::Text | Ty::Enum(_) => Ok(value.value),
                };
            }
            Ok(constant)
        })
        .collect()
}

/// A test split into its evaluations: one per date, the test's as-of date `as_of` first (with
/// the expectations without a period, `expect rejected` and `expect error`), then the first day
/// of each period an `expect NAME PERIOD = …` names (with those expectations), in order. Each
/// part's `as_of` is its date.
pub fn test_parts(test: &Test, as_of: Word) -> Vec<(Word, Test)> {
    let mut dates = vec![as_of];
    for expectation in &test.expectations {
        if let Expectation::Value { at: Some(at), .. } = expectation
            && !dates.contains(at)
        {
            dates.push(*at);
        }
    }
    dates
        .into_iter()
        .map(|date| {
            let expectations = test
                .expectations
                .iter()
                .filter(|expectation| match expectation {
                    Expectation::Value { at, .. } => at.unwrap_or(as_of) == date,
                    Expectation::Rejected(..) | Expectation::Error(_) => date == as_of,
                })
                .cloned()
                .collect();
            (date, Test { expectations, as_of: Some(date), ..test.clone() })
        })
        .collect()
}

/// The program a test runs on when it gives computed rules' values (`person { pension: 50 }`):
/// `program` itself when it gives none. Each given rule's body becomes the given value for the
/// records that give it and stays the rule for the others: the household's rule becomes the
/// constant; a person's or case's becomes `if key == "<its key>" { value } else { <body> }`, one
/// branch per record that gives it. The engines evaluate this program like any other, so the
/// JIT honours a given value exactly as the interpreter does, with no second evaluator; rules
/// that read the given rule see the given value. Fails (with why) only for persons or cases
/// without a `key` column, whose records cannot be told apart.
pub fn given_program(program: &Program, test: &Test) -> Result<Program, String> {
    if test.given.is_empty() {
        return Ok(program.clone());
    }
    let mut given_program = program.clone();
    for given in &test.given {
        // A value given for one period is its instance's (`x@2017-01`, or `x` itself when that
        // is the run's month or year); an instance the program does not have is read by nothing.
        let target = match (given.at, program.rule(given.rule)) {
            (Some(from), Some(rule)) => {
                let instance = format!("{}@{}", rule.name, crate::dated::unroll::period_label(rule.period, from));
                match program.rules.iter().position(|candidate| candidate.name == instance) {
                    Some(index) => crate::tir::RuleId(index as u32),
                    None if main_start(program, test, rule.period) == Some(from) => given.rule,
                    None => continue,
                }
            }
            (None, _) | (_, None) => given.rule,
        };
        let Some(rule) = given_program.rules.get_mut(target.0 as usize) else {
            return Err(format!(
                "internal error: a given value names rule {} of no rule; please report this",
                given.rule.0
            ));
        };
        let value = Expr { kind: ExprKind::Const(given.value), ty: rule.ty, span: rule.span };
        rule.versions.clear();
        rule.body = match given.entity {
            EntityKind::Household => value,
            EntityKind::Person | EntityKind::Case => {
                let (rows, schema) = match given.entity {
                    EntityKind::Person => (&test.persons, &program.person),
                    EntityKind::Household | EntityKind::Case => (&test.cases, &program.case),
                };
                let Some(key) = schema.key else {
                    return Err(format!(
                        "`{}` is given for one {} but the {} block has no `key` column to tell records apart",
                        rule.name,
                        given.entity.keyword(),
                        given.entity.keyword()
                    ));
                };
                let Some(key_word) = rows.get(given.index).and_then(|row| row.get(key.0 as usize)).copied() else {
                    return Err(format!(
                        "internal error: the test has no {} {}; please report this",
                        given.entity.keyword(),
                        given.index + 1
                    ));
                };
                let span = rule.span;
                let column = Expr { kind: ExprKind::Column(given.entity, key), ty: Ty::Text, span };
                let key_const = Expr { kind: ExprKind::Const(key_word), ty: Ty::Text, span };
                let is_record = Expr {
                    kind: ExprKind::Binary(BinOp::TextEq, Box::new(column), Box::new(key_const)),
                    ty: Ty::Bool,
                    span,
                };
                let otherwise = std::mem::replace(&mut rule.body, Expr { kind: ExprKind::Const(0), ty: rule.ty, span });
                Expr {
                    kind: ExprKind::If(Box::new(is_record), Box::new(value), Box::new(otherwise)),
                    ty: rule.ty,
                    span,
                }
            }
        };
    }
    Ok(given_program)
}

/// The first day of the run's month or year for a rule of period `per`: of the test's as-of date
/// (each of [`test_parts`] has its evaluation's date), else of the month of the program's
/// monthly columns; `None` when neither says.
fn main_start(program: &Program, test: &Test, per: crate::tir::Per) -> Option<Word> {
    let month = match test.as_of {
        Some(day) => crate::dated::unroll::month_start(day),
        None => [&program.household, &program.person, &program.case]
            .iter()
            .flat_map(|schema| schema.columns.iter())
            .find_map(|column| column.month.filter(|_| !column.name.contains('@')))?,
    };
    Some(match per {
        crate::tir::Per::Month => month,
        crate::tir::Per::Year => crate::dated::unroll::year_start(month),
    })
}

/// Runs one test on an engine with the county table for the test's as-of date; an empty list
/// means it passed.
pub fn run_test(program: &Program, test: &Test, counties: &CountyTable, engine: &dyn Engine) -> Vec<TestFailure> {
    let batch = match test_batch(program, test) {
        Ok(batch) => batch,
        Err(error) => return vec![TestFailure::Setup(error.to_string())],
    };
    let result = engine.evaluate(&batch, counties);
    let texts = TextTables { literals: &program.texts, batch: &batch.texts, jurisdiction: &counties.texts };
    // INVARIANT: an engine returns one outcome per household of the batch, here one.
    let Some(outcome) = result.outcomes.first().copied() else {
        let message = format!("internal error: the {} engine returned no outcome; please report this", engine.name());
        return vec![TestFailure::Setup(message)];
    };
    let mut failures = Vec::new();
    let expects_rejection = test.expectations.iter().any(|e| matches!(e, Expectation::Rejected(..)));
    let expects_error = test.expectations.iter().any(|e| matches!(e, Expectation::Error(_)));
    match outcome {
        Outcome::Invalid { rule, .. } if !expects_rejection => {
            failures.push(TestFailure::Rejected { message: validation_message(program, rule) });
        }
        Outcome::Error(error) if !expects_error => failures.push(TestFailure::Error(error)),
        _ => {}
    }
    for expectation in &test.expectations {
        if let Some(failure) = check_expectation(program, &texts, (&batch, &result), outcome, expectation) {
            failures.push(failure);
        }
    }
    failures
}

fn validation_message(program: &Program, rule: crate::tir::RuleId) -> String {
    match program.rule(rule).map(|rule| (&rule.role, &rule.name)) {
        Some((RuleRole::Validation { message: Some(message), .. }, _)) => message.clone(),
        Some((_, name)) => format!("`{name}` does not hold"),
        None => "a validation failed".into(),
    }
}

fn check_expectation(
    program: &Program,
    texts: &TextTables<'_>,
    (batch, result): (&Batch, &BatchResult),
    outcome: Outcome,
    expectation: &Expectation,
) -> Option<TestFailure> {
    match expectation {
        Expectation::Rejected(message, span) => {
            let actual = match outcome {
                Outcome::Invalid { rule, .. } => validation_message(program, rule),
                Outcome::Ok => return Some(TestFailure::NotRejected { span: *span, actual: "accepted".into() }),
                Outcome::Error(_) => {
                    return Some(TestFailure::NotRejected { span: *span, actual: "evaluation error".into() });
                }
            };
            match message {
                Some(expected) if *expected != actual => {
                    Some(TestFailure::NotRejected { span: *span, actual: format!("rejected: {actual}") })
                }
                _ => None,
            }
        }
        Expectation::Error(span) => match outcome {
            Outcome::Error(_) => None,
            _ => Some(TestFailure::NoError { span: *span }),
        },
        Expectation::Value { entity, index, source, expected, tolerance, ty, span, at: _ } => {
            if outcome != Outcome::Ok {
                return None; // Already reported as Rejected or Error.
            }
            let actual = read_value(program, batch, result, *entity, *index, *source)?;
            let same = match (ty, tolerance) {
                (Ty::Text, _) => texts.equal(actual, *expected),
                // Words are i64; their difference is taken in i128 so that it cannot overflow.
                (_, Some(tolerance)) => (i128::from(actual) - i128::from(*expected)).abs() <= i128::from(*tolerance),
                (_, None) => actual == *expected,
            };
            if same {
                return None;
            }
            let mut shown = word_to_string(program, texts, *ty, *expected);
            if let Some(tolerance) = tolerance {
                shown = format!("{shown} ± {}", word_to_string(program, texts, *ty, *tolerance));
            }
            Some(TestFailure::Mismatch {
                span: *span,
                what: describe(program, *entity, *index, *source),
                expected: shown,
                actual: word_to_string(program, texts, *ty, actual),
            })
        }
    }
}

fn read_value(
    program: &Program,
    batch: &Batch,
    result: &BatchResult,
    entity: EntityKind,
    index: usize,
    source: ValueSource,
) -> Option<Word> {
    match source {
        ValueSource::Rule(rule) => {
            let rule = program.rule(rule)?;
            result.columns(rule.entity).get(rule.slot as usize)?.get(index).copied()
        }
        ValueSource::Column(column) => {
            let columns = match entity {
                EntityKind::Household => &batch.households,
                EntityKind::Person => &batch.persons,
                EntityKind::Case => &batch.cases,
            };
            columns.get(column.0 as usize, index)
        }
    }
}

fn describe(program: &Program, entity: EntityKind, index: usize, source: ValueSource) -> String {
    let name = match source {
        ValueSource::Rule(rule) => program.rule(rule).map_or("?", |rule| rule.name.as_str()),
        ValueSource::Column(column) => {
            program.schema(entity).columns.get(column.0 as usize).map_or("?", |c| c.name.as_str())
        }
    };
    match entity {
        EntityKind::Household => format!("`{name}`"),
        EntityKind::Person => format!("person {} `{name}`", index + 1),
        EntityKind::Case => format!("case {} `{name}`", index + 1),
    }
}
