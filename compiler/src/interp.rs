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
//! - Operators are [`crate::ops`] (arithmetic [`crate::arith`], dates [`crate::date`], text
//!   [`crate::text`]), the one definition every evaluator of the IR calls.
//! - A read the batch cannot satisfy (a missing cell, county row or rule column) breaks the
//!   invariant [`Batch::validate`] checked; it is an internal error
//!   ([`EvalErrorKind::MalformedBatch`]), never a made-up word.
//!
//! Recursion depth is bounded by the checker's nesting limit on expressions.

use crate::arith::{self, ArithError};
use crate::engine::{Batch, BatchResult, Columns, CountyTable, Engine, EvalError, EvalErrorKind, Outcome};
use crate::ops;
use crate::text::{TextTables, mask_word};
use crate::tir::{AggKind, BinOp, ColumnId, Expr, ExprKind, Program, RuleId, RuleRole, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

/// The reference interpreter for one program.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The program evaluated: the checked one, computed finely when its policy declares a
    /// `precision` ([`Program::computed_finely`]).
    evaluated: Program,
    /// The program it was made for.
    program: Program,
}

impl Interpreter {
    /// An interpreter for a checked program.
    pub fn new(program: &Program) -> Interpreter {
        Interpreter { evaluated: program.computed_finely(), program: program.clone() }
    }

    /// The program it was made for (whose rules its results hold, by slot).
    pub fn program(&self) -> &Program {
        &self.program
    }
}

impl Engine for Interpreter {
    fn name(&self) -> &'static str {
        "interp"
    }

    fn evaluate_into(&self, batch: &Batch, counties: &CountyTable, result: &mut BatchResult) {
        let program = &self.evaluated;
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

/// Why [`eval_county_expr`] gives no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountyExprError {
    /// The expression reads a record (an input column, a rule or an aggregate at this span),
    /// so it has no value per county.
    ReadsRecord(Span),
    /// The county table has no county with this index.
    NoCounty(usize),
    /// Evaluation failed (overflow, division by zero, a `match` without an arm) at this span.
    Eval(EvalErrorKind, Span),
}

/// The value, for county `county` of `counties`, of an expression that reads no record: only
/// constants, parameters, jurisdiction attributes and the as-of date, such as a report rate's
/// `where`. It is evaluated by the same evaluator as every rule, in the scope of a household of
/// that county, so it means exactly what it would mean in a rule.
pub fn eval_county_expr(
    program: &Program,
    counties: &CountyTable,
    county: usize,
    expr: &Expr,
) -> Result<Word, CountyExprError> {
    if let Some(read) = expr.preorder().find(|node| reads_record(node)) {
        return Err(CountyExprError::ReadsRecord(read.span));
    }
    let county_row = counties.row(county).ok_or(CountyExprError::NoCounty(county))?;
    let batch = detached_batch(program, county).ok_or(CountyExprError::NoCounty(county))?;
    let result = BatchResult::zeroed(program, &batch);
    let mut evaluation = HouseholdEval::new(program, &batch, counties, 0);
    // The county itself, also for a program without a county column.
    evaluation.county_row = Some(county_row);
    evaluation.county = Some(county);
    evaluation.eval(expr, Scope::Household, &result).map_err(|(kind, span)| CountyExprError::Eval(kind, span))
}

/// Whether the node itself reads a household, person or case record.
fn reads_record(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Column(..) | ExprKind::Rule(_) | ExprKind::Aggregate { .. } => true,
        ExprKind::Const(_)
        | ExprKind::Param(_)
        | ExprKind::CountyAttr(_)
        | ExprKind::AsOf
        | ExprKind::Unary(..)
        | ExprKind::Binary(..)
        | ExprKind::If(..)
        | ExprKind::Match(..)
        | ExprKind::Mask(_)
        | ExprKind::Scale(..)
        | ExprKind::OtherScale(..)
        | ExprKind::Periodic(..)
        | ExprKind::LastYear(_)
        | ExprKind::Province(_) => false,
    }
}

/// One household with one person and one case, every input 0 but the household's county
/// (`None` when the county index is no word): the record a detached expression is evaluated in.
fn detached_batch(program: &Program, county: usize) -> Option<Batch> {
    let columns = |n: usize| Columns { len: 1, columns: vec![vec![0]; n] };
    let mut batch = Batch {
        households: columns(program.household.columns.len()),
        persons: columns(program.person.columns.len()),
        person_offsets: vec![0, 1],
        cases: columns(program.case.columns.len()),
        case_offsets: vec![0, 1],
        texts: crate::text::TextTable::new(),
    };
    if let Some(cell) = program
        .household
        .county
        .and_then(|column| batch.households.columns.get_mut(column.0 as usize))
        .and_then(|column| column.first_mut())
    {
        *cell = Word::try_from(county).ok()?;
    }
    Some(batch)
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
    // Detached expressions read no input; rules they read are written into row 0 as they come.
    let batch = detached_batch(program, county)?;
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
    /// The county's parameters then attributes; `None` when the batch names no county of the
    /// table (reading it is then an internal error).
    county_row: Option<&'a [Word]>,
    /// The county's index in the table, for its scales' brackets.
    county: Option<usize>,
    counties: &'a CountyTable,
    as_of: Word,
    texts: TextTables<'a>,
    household: usize,
    persons: std::ops::Range<usize>,
    cases: std::ops::Range<usize>,
    /// Whether the household's member offsets were missing (a batch that skipped
    /// [`Batch::validate`]): the household is then not evaluated.
    malformed: bool,
}

impl<'a> HouseholdEval<'a> {
    fn new(program: &'a Program, batch: &'a Batch, counties: &'a CountyTable, household: usize) -> HouseholdEval<'a> {
        let county = match program.household.county {
            Some(column) => {
                batch.households.get(column.0 as usize, household).and_then(|word| usize::try_from(word).ok())
            }
            // A program without a county column (only hand-built ones) reads the first county.
            None => Some(0),
        };
        let range = |offsets: &[u32]| {
            let start = offsets.get(household).copied()? as usize;
            let end = offsets.get(household + 1).copied()? as usize;
            Some(start..end.max(start))
        };
        let (persons, cases) = (range(&batch.person_offsets), range(&batch.case_offsets));
        HouseholdEval {
            program,
            batch,
            county_row: county.and_then(|county| counties.row(county)),
            county,
            counties,
            as_of: counties.as_of,
            texts: TextTables { literals: &program.texts, batch: &batch.texts, jurisdiction: &counties.texts },
            household,
            malformed: persons.is_none() || cases.is_none(),
            persons: persons.unwrap_or(0..0),
            cases: cases.unwrap_or(0..0),
        }
    }

    /// Evaluates every rule in order; stops at the first invalid record or error.
    fn run(&self, result: &mut BatchResult) -> Outcome {
        if self.malformed {
            return Outcome::Error(EvalError::malformed_batch());
        }
        for &rule_id in &self.program.order {
            let internal = |member| {
                Outcome::Error(EvalError {
                    kind: EvalErrorKind::MalformedBatch,
                    span: Span::default(),
                    rule: rule_id,
                    member,
                })
            };
            // An id that names no rule (only hand-built programs have one) is skipped, as the JIT
            // skips it (`jit::tests::an_order_with_unknown_or_repeated_rules_is_followed_like_the_interpreter`).
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
                match column_mut(result, rule.entity, rule.slot).and_then(|column| column.get_mut(row)) {
                    Some(cell) => *cell = value,
                    None => return internal(member),
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
            ExprKind::Column(entity, column) => self.column(*entity, *column, scope).ok_or_else(|| internal(expr.span)),
            ExprKind::Rule(rule) => self.rule_value(*rule, scope, result).ok_or_else(|| internal(expr.span)),
            ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => {
                self.county_word(param.0 as usize).ok_or_else(|| internal(expr.span))
            }
            ExprKind::CountyAttr(attr) => {
                self.county_word(self.program.params.len() + attr.0 as usize).ok_or_else(|| internal(expr.span))
            }
            ExprKind::AsOf => Ok(self.as_of),
            // Unrolled by `Program::on` into reads of instances: never in a program an engine
            // accepts.
            // Only in `require`s, which the parameters' resolver evaluates.
            ExprKind::Periodic(..) | ExprKind::OtherScale(..) => Err(internal(expr.span)),
            ExprKind::Unary(op, operand) => {
                let value = self.eval(operand, scope, result)?;
                ops::eval_unary(*op, value).map_err(|error| fail(error, expr.span))
            }
            ExprKind::Binary(op, left, right) => self.eval_binary(*op, left, right, expr.span, scope, result),
            ExprKind::Scale(kind, scale, operand) => {
                let value = self.eval(operand, scope, result)?;
                let brackets = self
                    .county
                    .and_then(|county| self.counties.brackets(self.program, county, *scale))
                    .ok_or_else(|| internal(expr.span))?;
                let brackets = crate::precision::scaled_brackets(brackets, self.program.threshold_factor(*scale));
                ops::apply_scale(*kind, &brackets, value).map_err(|error| fail(error, expr.span))
            }
            ExprKind::If(cond, then, otherwise) => {
                if self.eval(cond, scope, result)? != 0 {
                    self.eval(then, scope, result)
                } else {
                    self.eval(otherwise, scope, result)
                }
            }
            ExprKind::Match(scrutinee, arms) => {
                let value = self.eval(scrutinee, scope, result)?;
                let arm = arms.iter().find(|(pattern, _)| ops::pattern_matches(*pattern, value));
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
        if let Some(decided) = ops::short_circuit(op, a) {
            return Ok(decided);
        }
        let b = self.eval(right, scope, result)?;
        ops::eval_binary(op, a, b, &self.texts).map_err(|error| fail(error, span))
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
        // The sum of no member is 0.
        let mut sum: Word = 0;
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
                AggKind::Sum => sum = arith::add(sum, item).map_err(|error| fail(error, span))?,
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
            AggKind::Sum => Ok(sum),
            AggKind::Any => Ok(0),
            AggKind::All => Ok(1),
            AggKind::Max | AggKind::Min | AggKind::First => accumulator.ok_or((EvalErrorKind::EmptyAggregate, span)),
        }
    }

    /// An input column's word for the scope's record (or its household's); `None` when the
    /// batch has no such cell.
    fn column(&self, entity: EntityKind, column: ColumnId, scope: Scope) -> Option<Word> {
        let (columns, row) = match (entity, scope) {
            (EntityKind::Person, Scope::Person(row)) => (&self.batch.persons, row),
            (EntityKind::Case, Scope::Case(row)) => (&self.batch.cases, row),
            (EntityKind::Household | EntityKind::Person | EntityKind::Case, _) => {
                (&self.batch.households, self.household)
            }
        };
        columns.get(column.0 as usize, row)
    }

    /// A rule's word for the scope's record (or its household's); `None` when the result has no
    /// such cell.
    fn rule_value(&self, rule_id: RuleId, scope: Scope, result: &BatchResult) -> Option<Word> {
        let rule = self.program.rule(rule_id)?;
        let row = match (rule.entity, scope) {
            (EntityKind::Person, Scope::Person(row)) | (EntityKind::Case, Scope::Case(row)) => row,
            (EntityKind::Household | EntityKind::Person | EntityKind::Case, _) => self.household,
        };
        debug_assert!(rule.entity == scope.entity() || rule.entity == EntityKind::Household);
        column_ref(result, rule.entity, rule.slot).and_then(|column| column.get(row)).copied()
    }

    /// Word `index` of the household's county row (parameters, then attributes).
    fn county_word(&self, index: usize) -> Option<Word> {
        match self.county_row {
            Some(row) => row.get(index).copied(),
            // A program without a county column and a table without counties (only hand-built
            // ones) reads 0, as the JIT does (`jit::tests::no_county_column_reads_row_0_or_zeros`).
            None if self.program.household.county.is_none() => Some(0),
            None => None,
        }
    }
}

/// A read the batch, county table or result cannot satisfy: a broken invariant.
fn internal(span: Span) -> Fail {
    (EvalErrorKind::MalformedBatch, span)
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
                    default_cell: None,
                    periodic: false,
                    month: None,
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
        Rule {
            name: name.into(),
            entity,
            slot,
            ty,
            body,
            versions: Vec::new(),
            role,
            period: crate::tir::Per::Month,
            doc: Vec::new(),
            span: span(0),
        }
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
            programs: Vec::new(),
            visit: None,
            tests: Vec::new(),
            texts: Vec::new(),
            currency: Default::default(),
            money_decimals: crate::tir::CENT_DECIMALS,
            fine_factor: 1,
            scales: Vec::new(),
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
            texts: crate::text::TextTable::new(),
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
        CountyTable { width: 0, words: Vec::new(), texts: Vec::new(), as_of: 0, scales: Vec::new() }
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
    fn county_expressions_are_evaluated_per_county_by_the_same_eval() {
        let mut program = program();
        program.jurisdiction.attrs = vec![crate::tir::Attr { name: "population".into(), ty: Ty::Int, span: span(0) }];
        let counties = CountyTable { width: 1, words: vec![5, 0], texts: Vec::new(), as_of: 0, scales: Vec::new() };
        let attr = || Box::new(expr(ExprKind::CountyAttr(crate::tir::AttrId(0)), Ty::Int, 60));
        let large =
            expr(ExprKind::Binary(BinOp::Gt, attr(), Box::new(expr(ExprKind::Const(3), Ty::Int, 61))), Ty::Bool, 62);
        assert_eq!(eval_county_expr(&program, &counties, 0, &large), Ok(1));
        assert_eq!(eval_county_expr(&program, &counties, 1, &large), Ok(0));
        let per_head = expr(
            ExprKind::Binary(BinOp::DivScaled, Box::new(expr(ExprKind::Const(1), Ty::Int, 63)), attr()),
            Ty::Ratio,
            64,
        );
        assert_eq!(eval_county_expr(&program, &counties, 0, &per_head), Ok(200_000_000));
        assert_eq!(
            eval_county_expr(&program, &counties, 1, &per_head),
            Err(CountyExprError::Eval(EvalErrorKind::DivisionByZero, span(64)))
        );
        assert_eq!(eval_county_expr(&program, &counties, 2, &large), Err(CountyExprError::NoCounty(2)));
        let reads_income = expr(ExprKind::Column(EntityKind::Household, ColumnId(0)), Ty::Int, 65);
        assert_eq!(
            eval_county_expr(&program, &counties, 0, &reads_income),
            Err(CountyExprError::ReadsRecord(span(65)))
        );
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
