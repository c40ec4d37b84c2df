//! The reference interpreter: the semantics of a checked program.
//!
//! # Design
//!
//! The interpreter walks the typed IR directly, one household at a time, and is written for
//! clarity rather than speed: it *is* the definition that the JIT is tested against. What it
//! does, the JIT must do bit for bit:
//!
//! - Rules are evaluated in [`Program::order`]. A household rule is evaluated once; a person
//!   (case) rule once for every person (case) of the household, in row order, before the next
//!   rule. Each value is written to the rule's column of the [`BatchResult`].
//! - A validation rule that is false stops the household with [`Outcome::Invalid`], naming the
//!   first failing member. An arithmetic failure stops it with [`Outcome::Error`]: the first
//!   failure in evaluation order wins, and the household's remaining rules are not evaluated.
//! - Within an expression, operands are evaluated left to right; `and`/`or` short-circuit; `if`
//!   evaluates only the branch taken; a `match` evaluates its scrutinee once and tries the arms
//!   in order. Aggregates visit the household's persons in row order; `any` stops at the first
//!   member for which the value holds and `all` at the first for which it does not, `first` at
//!   the first member passing the filter.
//! - Arithmetic is [`crate::arith`]; dates are [`crate::date`]; text is [`crate::text`].
//!
//! Recursion depth is bounded by the checker's nesting limit on expressions.

use crate::arith::{self, ArithError};
use crate::date;
use crate::engine::{Batch, BatchResult, Columns, CountyTable, Engine, EvalError, EvalErrorKind, Outcome};
use crate::text::{TextTables, mask_word};
use crate::tir::{AggKind, BinOp, ColumnId, Expr, ExprKind, Pat, Program, RuleId, RuleRole, UnOp, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

/// The reference interpreter for one program.
#[derive(Debug, Clone)]
pub struct Interpreter {
    program: Program,
}

impl Interpreter {
    /// An interpreter for a checked program.
    pub fn new(program: &Program) -> Interpreter {
        Interpreter { program: program.clone() }
    }

    /// The program it evaluates.
    pub fn program(&self) -> &Program {
        &self.program
    }
}

impl Engine for Interpreter {
    fn name(&self) -> &'static str {
        "interp"
    }

    fn evaluate_into(&self, batch: &Batch, counties: &CountyTable, result: &mut BatchResult) {
        let program = &self.program;
        result.reset(program, batch);
        if batch.validate(program, counties).is_err() {
            // A malformed batch is an internal error of the caller; no household is evaluated.
            result.outcomes = vec![Outcome::Error(EvalError::malformed_batch()); batch.households.len];
            return;
        }
        for household in 0..batch.households.len {
            let outcome = HouseholdEval::new(program, batch, counties, household).run(result);
            result.outcomes.push(outcome);
        }
    }
}

/// Evaluates household `household` of a batch that passed [`Batch::validate`] again, into a
/// result whose rows for it may hold values from another engine: its rows are zeroed first, so
/// that they end exactly as [`Interpreter`]'s own evaluation leaves them. The JIT calls this for
/// the households its fast path gives up on (see [`crate::jit`]).
pub(crate) fn reevaluate_household(
    program: &Program,
    batch: &Batch,
    counties: &CountyTable,
    household: usize,
    result: &mut BatchResult,
) -> Outcome {
    let evaluation = HouseholdEval::new(program, batch, counties, household);
    let rows = [
        (&mut result.household, household..household + 1),
        (&mut result.person, evaluation.persons.clone()),
        (&mut result.case, evaluation.cases.clone()),
    ];
    for (columns, rows) in rows {
        for column in columns.iter_mut() {
            if let Some(cells) = column.get_mut(rows.clone()) {
                cells.fill(0);
            }
        }
    }
    evaluation.run(result)
}

/// An expression that reads no record: only constants, parameters, jurisdiction attributes,
/// the as-of date and rules made of those (see [`crate::jit`]'s county-level values).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Detached<'e> {
    /// The expression.
    pub expr: &'e Expr,
    /// The entity whose scope it is written in.
    pub entity: EntityKind,
    /// When the expression is a rule's whole body: the rule, whose value later expressions read.
    pub rule: Option<RuleId>,
}

/// The value of each detached expression, in order, for the households of county `county`;
/// `None` when one of them fails (the households of the county then need the full evaluation to
/// tell whether and where they fail). The values are the interpreter's, so they are exact.
pub(crate) fn evaluate_detached(
    program: &Program,
    counties: &CountyTable,
    county: usize,
    items: &[Detached<'_>],
) -> Option<Vec<Word>> {
    // One household with one person and one case, every input 0 but the county: detached
    // expressions read no input, and rules they read are written into row 0 as they come.
    let columns = |n: usize| Columns { len: 1, columns: vec![vec![0]; n] };
    let mut batch = Batch {
        households: columns(program.household.columns.len()),
        persons: columns(program.person.columns.len()),
        person_offsets: vec![0, 1],
        cases: columns(program.case.columns.len()),
        case_offsets: vec![0, 1],
        texts: Vec::new(),
    };
    if let Some(cell) = program
        .household
        .county
        .and_then(|column| batch.households.columns.get_mut(column.0 as usize))
        .and_then(|column| column.first_mut())
    {
        *cell = Word::try_from(county).ok()?;
    }
    let mut result = BatchResult::zeroed(program, &batch);
    let mut values = Vec::with_capacity(items.len());
    let evaluation = HouseholdEval::new(program, &batch, counties, 0);
    for item in items {
        let scope = match item.entity {
            EntityKind::Household => Scope::Household,
            EntityKind::Person => Scope::Person(0),
            EntityKind::Case => Scope::Case(0),
        };
        let value = evaluation.eval(item.expr, scope, &result).ok()?;
        if let Some(rule) = item.rule.and_then(|id| program.rule(id))
            && let Some(cell) = column_mut(&mut result, rule.entity, rule.slot).and_then(|column| column.first_mut())
        {
            *cell = value;
        }
        values.push(value);
    }
    Some(values)
}

/// The record an expression is evaluated for.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// The household.
    Household,
    /// A person row (absolute row in the batch).
    Person(usize),
    /// A case row (absolute row in the batch).
    Case(usize),
}

impl Scope {
    fn entity(self) -> EntityKind {
        match self {
            Scope::Household => EntityKind::Household,
            Scope::Person(_) => EntityKind::Person,
            Scope::Case(_) => EntityKind::Case,
        }
    }
}

/// A failure inside an expression: what and where. The rule and member are added by the caller.
type Fail = (EvalErrorKind, Span);

/// The evaluation of one household.
struct HouseholdEval<'a> {
    program: &'a Program,
    batch: &'a Batch,
    county_row: &'a [Word],
    as_of: Word,
    texts: TextTables<'a>,
    household: usize,
    persons: std::ops::Range<usize>,
    cases: std::ops::Range<usize>,
}

impl<'a> HouseholdEval<'a> {
    fn new(program: &'a Program, batch: &'a Batch, counties: &'a CountyTable, household: usize) -> HouseholdEval<'a> {
        let county =
            program.household.county.and_then(|column| batch.households.get(column.0 as usize, household)).unwrap_or(0);
        let range = |offsets: &[u32]| {
            let start = offsets.get(household).copied().unwrap_or(0) as usize;
            let end = offsets.get(household + 1).copied().unwrap_or(0) as usize;
            start..end.max(start)
        };
        HouseholdEval {
            program,
            batch,
            county_row: counties.row(usize::try_from(county).unwrap_or(0)).unwrap_or(&[]),
            as_of: counties.as_of,
            texts: TextTables { literals: &program.texts, batch: &batch.texts, jurisdiction: &counties.texts },
            household,
            persons: range(&batch.person_offsets),
            cases: range(&batch.case_offsets),
        }
    }

    /// Evaluates every rule in order; stops at the first invalid record or error.
    fn run(&self, result: &mut BatchResult) -> Outcome {
        for &rule_id in &self.program.order {
            let Some(rule) = self.program.rule(rule_id) else { continue };
            let scopes: Vec<(Scope, usize, u32)> = match rule.entity {
                EntityKind::Household => vec![(Scope::Household, self.household, 0)],
                EntityKind::Person => self
                    .persons
                    .clone()
                    .map(|row| (Scope::Person(row), row, (row - self.persons.start) as u32))
                    .collect(),
                EntityKind::Case => {
                    self.cases.clone().map(|row| (Scope::Case(row), row, (row - self.cases.start) as u32)).collect()
                }
            };
            for (scope, row, member) in scopes {
                let value = match self.eval(&rule.body, scope, result) {
                    Ok(value) => value,
                    Err((kind, span)) => return Outcome::Error(EvalError { kind, span, rule: rule_id, member }),
                };
                if let Some(cell) = column_mut(result, rule.entity, rule.slot).and_then(|column| column.get_mut(row)) {
                    *cell = value;
                }
                if matches!(rule.role, RuleRole::Validation { .. }) && value == 0 {
                    return Outcome::Invalid { rule: rule_id, member };
                }
            }
        }
        Outcome::Ok
    }

    fn eval(&self, expr: &Expr, scope: Scope, result: &BatchResult) -> Result<Word, Fail> {
        match &expr.kind {
            ExprKind::Const(word) => Ok(*word),
            ExprKind::Column(entity, column) => Ok(self.column(*entity, *column, scope)),
            ExprKind::Rule(rule) => Ok(self.rule_value(*rule, scope, result)),
            ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => {
                Ok(self.county_row.get(param.0 as usize).copied().unwrap_or(0))
            }
            ExprKind::CountyAttr(attr) => {
                Ok(self.county_row.get(self.program.params.len() + attr.0 as usize).copied().unwrap_or(0))
            }
            ExprKind::AsOf => Ok(self.as_of),
            ExprKind::Unary(op, operand) => {
                let value = self.eval(operand, scope, result)?;
                match op {
                    UnOp::Not => Ok(Word::from(value == 0)),
                    UnOp::Neg => arith::neg(value).map_err(|error| fail(error, expr.span)),
                }
            }
            ExprKind::Binary(op, left, right) => self.eval_binary(*op, left, right, expr.span, scope, result),
            ExprKind::If(cond, then, otherwise) => {
                if self.eval(cond, scope, result)? != 0 {
                    self.eval(then, scope, result)
                } else {
                    self.eval(otherwise, scope, result)
                }
            }
            ExprKind::Match(scrutinee, arms) => {
                let value = self.eval(scrutinee, scope, result)?;
                let arm = arms.iter().find(|(pattern, _)| pattern_matches(*pattern, value));
                match arm {
                    Some((_, arm_value)) => self.eval(arm_value, scope, result),
                    None => Err((EvalErrorKind::NoMatchingArm, expr.span)),
                }
            }
            ExprKind::Aggregate { kind, filter, value } => {
                self.eval_aggregate(*kind, filter.as_deref(), value.as_deref(), expr.span, result)
            }
            ExprKind::Mask(text) => Ok(mask_word(self.eval(text, scope, result)?)),
        }
    }

    fn eval_binary(
        &self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
        span: Span,
        scope: Scope,
        result: &BatchResult,
    ) -> Result<Word, Fail> {
        let a = self.eval(left, scope, result)?;
        match op {
            BinOp::And if a == 0 => return Ok(0),
            BinOp::Or if a != 0 => return Ok(1),
            _ => {}
        }
        let b = self.eval(right, scope, result)?;
        let arithmetic = |value: Result<Word, ArithError>| value.map_err(|error| fail(error, span));
        match op {
            BinOp::Add => arithmetic(arith::add(a, b)),
            BinOp::Sub => arithmetic(arith::sub(a, b)),
            BinOp::Mul => arithmetic(arith::mul(a, b)),
            BinOp::MulScaled => arithmetic(arith::mul_scaled(a, b)),
            BinOp::DivRound => arithmetic(arith::div_round(a, b)),
            BinOp::DivScaled => arithmetic(arith::div_scaled(a, b)),
            BinOp::Min => Ok(a.min(b)),
            BinOp::Max => Ok(a.max(b)),
            BinOp::Eq => Ok(Word::from(a == b)),
            BinOp::Ne => Ok(Word::from(a != b)),
            BinOp::Lt => Ok(Word::from(a < b)),
            BinOp::Le => Ok(Word::from(a <= b)),
            BinOp::Gt => Ok(Word::from(a > b)),
            BinOp::Ge => Ok(Word::from(a >= b)),
            BinOp::TextEq => Ok(Word::from(self.texts.equal(a, b))),
            BinOp::TextNe => Ok(Word::from(!self.texts.equal(a, b))),
            BinOp::And | BinOp::Or => Ok(Word::from(b != 0)),
            BinOp::YearsBetween => Ok(date::years_between(a, b)),
        }
    }

    fn eval_aggregate(
        &self,
        kind: AggKind,
        filter: Option<&Expr>,
        value: Option<&Expr>,
        span: Span,
        result: &BatchResult,
    ) -> Result<Word, Fail> {
        let mut count: Word = 0;
        let mut accumulator: Option<Word> = None;
        for row in self.persons.clone() {
            let scope = Scope::Person(row);
            if let Some(filter) = filter
                && self.eval(filter, scope, result)? == 0
            {
                continue;
            }
            count += 1;
            let Some(value) = value else {
                if kind == AggKind::Any {
                    return Ok(1);
                }
                continue;
            };
            let item = self.eval(value, scope, result)?;
            match kind {
                AggKind::Count => {}
                AggKind::Sum => {
                    let sum = arith::add(accumulator.unwrap_or(0), item).map_err(|error| fail(error, span))?;
                    accumulator = Some(sum);
                }
                AggKind::Any if item != 0 => return Ok(1),
                AggKind::All if item == 0 => return Ok(0),
                AggKind::Any | AggKind::All => {}
                AggKind::Max => accumulator = Some(accumulator.map_or(item, |best| best.max(item))),
                AggKind::Min => accumulator = Some(accumulator.map_or(item, |best| best.min(item))),
                AggKind::First => return Ok(item),
            }
        }
        match kind {
            AggKind::Count => Ok(count),
            AggKind::Sum => Ok(accumulator.unwrap_or(0)),
            AggKind::Any => Ok(0),
            AggKind::All => Ok(1),
            AggKind::Max | AggKind::Min | AggKind::First => accumulator.ok_or((EvalErrorKind::EmptyAggregate, span)),
        }
    }

    /// An input column's word for the scope's record (or its household's).
    fn column(&self, entity: EntityKind, column: ColumnId, scope: Scope) -> Word {
        let (columns, row) = match (entity, scope) {
            (EntityKind::Person, Scope::Person(row)) => (&self.batch.persons, row),
            (EntityKind::Case, Scope::Case(row)) => (&self.batch.cases, row),
            _ => (&self.batch.households, self.household),
        };
        columns.get(column.0 as usize, row).unwrap_or(0)
    }

    /// A rule's word for the scope's record (or its household's).
    fn rule_value(&self, rule_id: RuleId, scope: Scope, result: &BatchResult) -> Word {
        let Some(rule) = self.program.rule(rule_id) else { return 0 };
        let row = match (rule.entity, scope) {
            (EntityKind::Person, Scope::Person(row)) | (EntityKind::Case, Scope::Case(row)) => row,
            _ => self.household,
        };
        debug_assert!(rule.entity == scope.entity() || rule.entity == EntityKind::Household);
        column_ref(result, rule.entity, rule.slot).and_then(|column| column.get(row)).copied().unwrap_or(0)
    }
}

/// Whether a match pattern holds for a word.
pub fn pattern_matches(pattern: Pat, value: Word) -> bool {
    match pattern {
        Pat::Eq(word) => value == word,
        Pat::Range(low, high) => value >= low && high.is_none_or(|high| value <= high),
        Pat::Any => true,
    }
}

fn fail(error: ArithError, span: Span) -> Fail {
    let kind = match error {
        ArithError::Overflow => EvalErrorKind::Overflow,
        ArithError::DivisionByZero => EvalErrorKind::DivisionByZero,
    };
    (kind, span)
}

fn column_ref(result: &BatchResult, entity: EntityKind, slot: u32) -> Option<&Vec<Word>> {
    result.columns(entity).get(slot as usize)
}

fn column_mut(result: &mut BatchResult, entity: EntityKind, slot: u32) -> Option<&mut Vec<Word>> {
    result.columns_mut(entity).get_mut(slot as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tir::{Column, ColumnTy, EntitySchema, JurisdictionSchema, Rule, Ty};
    use pol_grammar::ast::Period;

    fn span(start: u32) -> Span {
        Span { start, end: start + 1, source: pol_grammar::SourceId(0) }
    }

    fn expr(kind: ExprKind, ty: Ty, at: u32) -> Expr {
        Expr { kind, ty, span: span(at) }
    }

    fn schema(kind: EntityKind, columns: &[(&str, Ty)]) -> EntitySchema {
        EntitySchema {
            kind,
            columns: columns
                .iter()
                .map(|(name, ty)| Column {
                    name: (*name).into(),
                    ty: ColumnTy::Value(*ty),
                    range: None,
                    default: None,
                    span: span(0),
                })
                .collect(),
            key: None,
            household_ref: None,
            county: None,
            declared: true,
        }
    }

    fn rule(name: &str, entity: EntityKind, slot: u32, ty: Ty, body: Expr, role: RuleRole) -> Rule {
        Rule { name: name.into(), entity, slot, ty, body, role, doc: Vec::new(), span: span(0) }
    }

    /// Household: income (元/年). Person: grade (int).
    /// rules: 0 person severe = grade in 1..2; 1 household n_severe = count(members where severe);
    /// 2 household monthly = income / 12 rounded; 3 household has_members validation = count > 0;
    /// 4 household per_severe = monthly / n_severe.
    fn program() -> Program {
        let money = Ty::Money(Period::Year);
        let grade = expr(ExprKind::Column(EntityKind::Person, ColumnId(0)), Ty::Int, 10);
        let severe = expr(
            ExprKind::Binary(
                BinOp::And,
                Box::new(expr(
                    ExprKind::Binary(
                        BinOp::Ge,
                        Box::new(grade.clone()),
                        Box::new(expr(ExprKind::Const(1), Ty::Int, 11)),
                    ),
                    Ty::Bool,
                    12,
                )),
                Box::new(expr(
                    ExprKind::Binary(BinOp::Le, Box::new(grade), Box::new(expr(ExprKind::Const(2), Ty::Int, 13))),
                    Ty::Bool,
                    14,
                )),
            ),
            Ty::Bool,
            15,
        );
        let n_severe = expr(
            ExprKind::Aggregate {
                kind: AggKind::Count,
                filter: Some(Box::new(expr(ExprKind::Rule(RuleId(0)), Ty::Bool, 20))),
                value: None,
            },
            Ty::Int,
            21,
        );
        let income = expr(ExprKind::Column(EntityKind::Household, ColumnId(0)), money, 30);
        let monthly = expr(
            ExprKind::Binary(BinOp::DivRound, Box::new(income), Box::new(expr(ExprKind::Const(12), Ty::Int, 31))),
            Ty::Money(Period::Month),
            32,
        );
        let has_members = expr(
            ExprKind::Binary(
                BinOp::Gt,
                Box::new(expr(ExprKind::Aggregate { kind: AggKind::Count, filter: None, value: None }, Ty::Int, 40)),
                Box::new(expr(ExprKind::Const(0), Ty::Int, 41)),
            ),
            Ty::Bool,
            42,
        );
        let per_severe = expr(
            ExprKind::Binary(
                BinOp::DivRound,
                Box::new(expr(ExprKind::Rule(RuleId(2)), Ty::Money(Period::Month), 50)),
                Box::new(expr(ExprKind::Rule(RuleId(1)), Ty::Int, 51)),
            ),
            Ty::Money(Period::Month),
            52,
        );
        Program {
            enums: Vec::new(),
            jurisdiction: JurisdictionSchema::default(),
            household: schema(EntityKind::Household, &[("income", money)]),
            person: schema(EntityKind::Person, &[("grade", Ty::Int)]),
            case: schema(EntityKind::Case, &[]),
            params: Vec::new(),
            rules: vec![
                rule("severe", EntityKind::Person, 0, Ty::Bool, severe, RuleRole::Named),
                rule("n_severe", EntityKind::Household, 0, Ty::Int, n_severe, RuleRole::Named),
                rule("monthly", EntityKind::Household, 1, Ty::Money(Period::Month), monthly, RuleRole::Named),
                rule(
                    "has_members",
                    EntityKind::Household,
                    2,
                    Ty::Bool,
                    has_members,
                    RuleRole::Validation { message: None, field: None },
                ),
                rule("per_severe", EntityKind::Household, 3, Ty::Money(Period::Month), per_severe, RuleRole::Named),
            ],
            order: vec![RuleId(3), RuleId(0), RuleId(1), RuleId(2), RuleId(4)],
            outputs: Vec::new(),
            report: None,
            tests: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// Households given as (income in fen, person grades).
    fn batch(households: &[(Word, &[Word])]) -> Batch {
        let mut batch = Batch {
            households: Columns::with_columns(1),
            persons: Columns::with_columns(1),
            cases: Columns::with_columns(0),
            person_offsets: vec![0],
            case_offsets: vec![0],
            texts: Vec::new(),
        };
        for (income, grades) in households {
            batch.households.push_row(&[*income]);
            for grade in *grades {
                batch.persons.push_row(&[*grade]);
            }
            batch.person_offsets.push(batch.persons.len as u32);
            batch.case_offsets.push(0);
        }
        batch
    }

    fn counties() -> CountyTable {
        CountyTable { width: 0, words: Vec::new(), texts: Vec::new(), as_of: 0 }
    }

    #[test]
    fn evaluates_rules_in_order_with_aggregates() {
        let program = program();
        let result = Interpreter::new(&program).evaluate(&batch(&[(476_000, &[1, 0, 2])]), &counties());
        assert_eq!(result.outcomes, vec![Outcome::Ok]);
        assert_eq!(result.person[0], vec![1, 0, 1]);
        assert_eq!(result.household[0], vec![2]);
        // 4,760 ÷ 12 = 396.666… → 396.67; ÷ 2 = 198.335 → 198.34.
        assert_eq!(result.household[1], vec![39_667]);
        assert_eq!(result.household[3], vec![19_834]);
    }

    #[test]
    fn validation_and_errors_stop_only_their_household() {
        let program = program();
        let result =
            Interpreter::new(&program).evaluate(&batch(&[(100, &[]), (120_000, &[0]), (120_000, &[2])]), &counties());
        assert_eq!(result.outcomes[0], Outcome::Invalid { rule: RuleId(3), member: 0 });
        assert_eq!(
            result.outcomes[1],
            Outcome::Error(EvalError {
                kind: EvalErrorKind::DivisionByZero,
                span: span(52),
                rule: RuleId(4),
                member: 0
            })
        );
        assert_eq!(result.outcomes[2], Outcome::Ok);
        assert_eq!(result.household[3][2], 10_000);
    }

    #[test]
    fn a_malformed_batch_evaluates_nothing() {
        let program = program();
        let mut bad = batch(&[(100, &[1])]);
        bad.person_offsets = vec![0, 5];
        let result = Interpreter::new(&program).evaluate(&bad, &counties());
        assert!(matches!(result.outcomes[0], Outcome::Error(EvalError { kind: EvalErrorKind::MalformedBatch, .. })));
    }
}
