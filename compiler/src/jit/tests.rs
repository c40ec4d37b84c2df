//! The JIT against the interpreter: every node and operator on hand-built programs (with the
//! expected words worked out by hand), then random programs and batches (`generated`).
//!
//! Every check goes through [`agree`], which evaluates with both engines and asserts that the
//! whole [`BatchResult`] is the same: outcomes, and every rule column of every household.

mod generated;
mod periods;
mod scales;
mod shaanxi;

use std::sync::atomic::{AtomicU32, Ordering};

use pol_grammar::ast::{EntityKind, Period};
use pol_grammar::{SourceId, Span};

use super::{JitEngine, JitError};
use crate::engine::{Batch, BatchResult, Columns, CountyTable, Engine, EvalError, EvalErrorKind, Outcome};
use crate::interp::Interpreter;
use crate::text::{MASK_BIT, TextHandle, TextOrigin};
use crate::tir::{
    AggKind, Attr, AttrId, BinOp, Column, ColumnId, ColumnTy, EntitySchema, Expr, ExprKind, JurisdictionSchema,
    ParamDef, ParamId, Pat, Program, RATIO_SCALE, Rule, RuleId, RuleRole, RuleVersion, Ty, UnOp, Word,
};

// ---- building programs ----------------------------------------------------------------------

static NEXT_SPAN: AtomicU32 = AtomicU32::new(100);

/// A fresh span, so that every node of a test is told apart by its span.
fn fresh_span() -> Span {
    let start = NEXT_SPAN.fetch_add(2, Ordering::Relaxed);
    Span { start, end: start + 1, source: SourceId(0) }
}

fn node(kind: ExprKind) -> Expr {
    Expr { kind, ty: Ty::Int, span: fresh_span() }
}

fn k(word: Word) -> Expr {
    node(ExprKind::Const(word))
}

fn bin(op: BinOp, left: Expr, right: Expr) -> Expr {
    node(ExprKind::Binary(op, Box::new(left), Box::new(right)))
}

fn un(op: UnOp, operand: Expr) -> Expr {
    node(ExprKind::Unary(op, Box::new(operand)))
}

fn if_(cond: Expr, then: Expr, otherwise: Expr) -> Expr {
    node(ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise)))
}

fn agg(kind: AggKind, filter: Option<Expr>, value: Option<Expr>) -> Expr {
    node(ExprKind::Aggregate { kind, filter: filter.map(Box::new), value: value.map(Box::new) })
}

/// Household column `index` (see [`schema`]).
fn hcol(index: u32) -> Expr {
    node(ExprKind::Column(EntityKind::Household, ColumnId(index)))
}

/// Person column `index`.
fn pcol(index: u32) -> Expr {
    node(ExprKind::Column(EntityKind::Person, ColumnId(index)))
}

/// Case column `index`.
fn ccol(index: u32) -> Expr {
    node(ExprKind::Column(EntityKind::Case, ColumnId(index)))
}

fn column(name: &str, ty: ColumnTy) -> Column {
    Column {
        name: name.into(),
        ty,
        range: None,
        default: None,
        default_cell: None,
        periodic: false,
        month: None,
        span: fresh_span(),
    }
}

fn value_columns(names: &[(&str, Ty)]) -> Vec<Column> {
    names.iter().map(|(name, ty)| column(name, ColumnTy::Value(*ty))).collect()
}

/// Household: 0 n int, 1 income 元/年, 2 r ratio, 3 flag bool, 4 day date, 5 county, 6 village text.
/// Person: 0 n int, 1 income 元, 2 r ratio, 3 flag bool, 4 birth date, 5 name text, 6 grade enum.
/// Case: 0 n int, 1 amount 元.
/// Parameters: 0 int, 1 money, 2 ratio. Attributes: 0 int, 1 bool, 2 text.
fn schema() -> Program {
    let money = Ty::Money(Period::Year);
    let mut household_columns =
        value_columns(&[("n", Ty::Int), ("income", money), ("r", Ty::Ratio), ("flag", Ty::Bool), ("day", Ty::Date)]);
    household_columns.push(column("county", ColumnTy::County));
    household_columns.push(column("village", ColumnTy::Value(Ty::Text)));
    let entity =
        |kind, columns| EntitySchema { kind, columns, key: None, household_ref: None, county: None, declared: true };
    let mut household = entity(EntityKind::Household, household_columns);
    household.county = Some(ColumnId(5));
    let param = |name: &str, ty| ParamDef {
        on: None,
        name: name.into(),
        ty,
        set_by: Vec::new(),
        values: Vec::new(),
        ends: Vec::new(),
        requires: Vec::new(),
        doc: Vec::new(),
        span: fresh_span(),
    };
    let attr = |name: &str, ty| Attr { name: name.into(), ty, span: fresh_span() };
    Program {
        enums: Vec::new(),
        jurisdiction: JurisdictionSchema {
            key: None,
            city: None,
            attrs: vec![attr("tier", Ty::Int), attr("deep", Ty::Bool), attr("name", Ty::Text)],
        },
        household,
        person: entity(
            EntityKind::Person,
            value_columns(&[
                ("n", Ty::Int),
                ("income", Ty::Money(Period::Lump)),
                ("r", Ty::Ratio),
                ("flag", Ty::Bool),
                ("birth", Ty::Date),
                ("name", Ty::Text),
                ("grade", Ty::Int),
            ]),
        ),
        case: entity(EntityKind::Case, value_columns(&[("n", Ty::Int), ("amount", Ty::Money(Period::Lump))])),
        params: vec![param("p_int", Ty::Int), param("p_money", money), param("p_ratio", Ty::Ratio)],
        rules: Vec::new(),
        order: Vec::new(),
        outputs: Vec::new(),
        report: None,
        programs: Vec::new(),
        visit: None,
        tests: Vec::new(),
        texts: vec!["王建国".into(), "王**".into(), "李四".into()],
        currency: Default::default(),
        money_decimals: crate::tir::CENT_DECIMALS,
        fine_factor: 1,
        scales: Vec::new(),
    }
}

/// The schema with these rules (entity, body, role); slots are given in rule order and the
/// order puts validations first, then the rules as listed.
fn program_with(rules: Vec<(EntityKind, Expr, RuleRole)>) -> Program {
    let mut program = schema();
    let mut slots = [0u32; 3];
    for (index, (entity, body, role)) in rules.into_iter().enumerate() {
        let slot_index = match entity {
            EntityKind::Household => 0,
            EntityKind::Person => 1,
            EntityKind::Case => 2,
        };
        let slot = slots.get_mut(slot_index).map_or(0, |slot| std::mem::replace(slot, *slot + 1));
        program.rules.push(Rule {
            name: format!("rule{index}"),
            entity,
            slot,
            ty: body.ty,
            body,
            versions: Vec::new(),
            role,
            period: crate::tir::Per::Month,
            doc: Vec::new(),
            span: fresh_span(),
        });
    }
    let ids = (0..program.rules.len()).map(|index| RuleId(index as u32));
    let (mut order, rest): (Vec<RuleId>, Vec<RuleId>) =
        ids.partition(|id| matches!(program.rule(*id).map(|rule| &rule.role), Some(RuleRole::Validation { .. })));
    order.extend(rest);
    program.order = order;
    program
}

fn validation() -> RuleRole {
    RuleRole::Validation { message: None, field: None }
}

// ---- building batches -----------------------------------------------------------------------

/// One household: its 7 columns, its persons' 7 columns and its cases' 2.
struct Household {
    columns: [Word; 7],
    persons: Vec<[Word; 7]>,
    cases: Vec<[Word; 2]>,
}

/// A household of county 0 with these persons and no case; other columns 0.
fn household(persons: Vec<[Word; 7]>) -> Household {
    Household { columns: [0; 7], persons, cases: Vec::new() }
}

/// Batch texts: 0 "王建国", 1 "王**", 2 "李四", 3 "王建国" (again), 4 "".
fn batch(households: &[Household]) -> Batch {
    let mut batch = Batch {
        households: Columns::with_columns(7),
        persons: Columns::with_columns(7),
        cases: Columns::with_columns(2),
        person_offsets: vec![0],
        case_offsets: vec![0],
        texts: ["王建国", "王**", "李四", "王建国", ""].into_iter().collect(),
    };
    for household in households {
        batch.households.push_row(&household.columns);
        for person in &household.persons {
            batch.persons.push_row(person);
        }
        for case in &household.cases {
            batch.cases.push_row(case);
        }
        assert!(batch.end_household().is_ok());
    }
    batch
}

/// Three counties: params (int, money, ratio) then attrs (int, bool, text).
fn counties() -> CountyTable {
    let jurisdiction = |index| TextHandle::new(TextOrigin::Jurisdiction, index).to_word();
    CountyTable {
        width: 6,
        words: vec![
            10,
            476_000,
            150_000_000,
            1,
            0,
            jurisdiction(0), //
            20,
            486_000,
            200_000_000,
            2,
            1,
            jurisdiction(1), //
            Word::MAX,
            Word::MIN,
            RATIO_SCALE,
            3,
            1,
            jurisdiction(2),
        ],
        texts: ["神木县", "府谷县", "王建国"].map(String::from).to_vec(),
        as_of: date("2019-07-01"),
        scales: Vec::new(),
    }
}

fn date(text: &str) -> Word {
    crate::date::parse_iso(text).unwrap_or(Word::MIN)
}

fn batch_text(index: u32) -> Word {
    TextHandle::new(TextOrigin::Batch, index).to_word()
}

fn literal(index: u32) -> Word {
    TextHandle::new(TextOrigin::Literal, index).to_word()
}

// ---- running both engines -------------------------------------------------------------------

/// Evaluates with both engines, asserts the results are identical, and returns them.
fn agree(program: &Program, batch: &Batch, counties: &CountyTable) -> BatchResult {
    let jit = match JitEngine::compile(program) {
        Ok(jit) => jit,
        Err(error) => return failed(format!("compile: {error:?}")),
    };
    agree_on(&jit, batch, counties)
}

/// [`agree`] with a compiled engine.
fn agree_on(jit: &JitEngine, batch: &Batch, counties: &CountyTable) -> BatchResult {
    let expected = Interpreter::new(jit.program()).evaluate(batch, counties);
    let actual = jit.evaluate(batch, counties);
    assert_eq!(actual, expected, "the JIT disagrees with the interpreter");
    actual
}

fn failed(message: String) -> BatchResult {
    assert!(message.is_empty(), "{message}");
    BatchResult::default()
}

/// One household rule with this body over one household: (outcome, value).
fn household_value(body: Expr, household: Household) -> (Outcome, Word) {
    household_values(body, vec![household]).into_iter().next().unwrap_or((Outcome::Ok, Word::MIN))
}

/// One household rule with this body over these households.
fn household_values(body: Expr, households: Vec<Household>) -> Vec<(Outcome, Word)> {
    let program = program_with(vec![(EntityKind::Household, body, RuleRole::Named)]);
    let result = agree(&program, &batch(&households), &counties());
    let values = result.household.first().cloned().unwrap_or_default();
    result.outcomes.into_iter().zip(values).collect()
}

/// The value of an expression with no input.
fn value_of(body: Expr) -> Word {
    let (outcome, value) = household_value(body, household(Vec::new()));
    assert_eq!(outcome, Outcome::Ok);
    value
}

/// The error kind of an expression with no input (`None` when it does not fail).
fn error_of(body: Expr) -> Option<EvalErrorKind> {
    error_at(body, household(Vec::new()))
}

/// The error kind an expression fails with on one household.
fn error_at(body: Expr, household: Household) -> Option<EvalErrorKind> {
    match household_value(body, household).0 {
        Outcome::Error(error) => Some(error.kind),
        _ => None,
    }
}

/// A binary operation on two constants.
fn op(op: BinOp, a: Word, b: Word) -> Result<Word, EvalErrorKind> {
    let (outcome, value) = household_value(bin(op, k(a), k(b)), household(Vec::new()));
    match outcome {
        Outcome::Ok => Ok(value),
        Outcome::Error(error) => Err(error.kind),
        Outcome::Invalid { .. } => Err(EvalErrorKind::MalformedBatch),
    }
}

// ---- arithmetic -----------------------------------------------------------------------------

#[test]
fn checked_add_sub_mul_and_neg() {
    assert_eq!(op(BinOp::Add, 2, 3), Ok(5));
    assert_eq!(op(BinOp::Add, Word::MAX, 1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Add, Word::MIN, -1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Add, Word::MAX, Word::MIN), Ok(-1));
    assert_eq!(op(BinOp::Sub, Word::MIN, 1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Sub, 0, Word::MIN), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Sub, -1, Word::MIN), Ok(Word::MAX));
    assert_eq!(op(BinOp::Mul, Word::MAX / 2, 3), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Mul, Word::MIN, -1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::Mul, Word::MIN, 1), Ok(Word::MIN));
    assert_eq!(op(BinOp::Mul, -7, 6), Ok(-42));
    assert_eq!(value_of(un(UnOp::Neg, k(Word::MAX))), -Word::MAX);
    assert_eq!(error_of(un(UnOp::Neg, k(Word::MIN))), Some(EvalErrorKind::Overflow));
}

#[test]
fn div_round_ties_signs_and_failures() {
    assert_eq!(op(BinOp::DivRound, 5, 2), Ok(3));
    assert_eq!(op(BinOp::DivRound, -5, 2), Ok(-3));
    assert_eq!(op(BinOp::DivRound, 5, -2), Ok(-3));
    assert_eq!(op(BinOp::DivRound, -5, -2), Ok(3));
    assert_eq!(op(BinOp::DivRound, 4, 3), Ok(1));
    assert_eq!(op(BinOp::DivRound, -4, 3), Ok(-1));
    assert_eq!(op(BinOp::DivRound, 476_000, 12), Ok(39_667));
    assert_eq!(op(BinOp::DivRound, 1, 0), Err(EvalErrorKind::DivisionByZero));
    assert_eq!(op(BinOp::DivRound, Word::MIN, -1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::DivRound, Word::MIN, 1), Ok(Word::MIN));
    assert_eq!(op(BinOp::DivRound, Word::MAX, -1), Ok(-Word::MAX));
    assert_eq!(op(BinOp::DivRound, Word::MIN, Word::MIN), Ok(1));
    assert_eq!(op(BinOp::DivRound, Word::MAX, Word::MIN), Ok(-1));
    assert_eq!(op(BinOp::DivRound, Word::MIN / 2, Word::MIN), Ok(1));
    assert_eq!(op(BinOp::DivRound, Word::MIN, 2), Ok(Word::MIN / 2));
    assert_eq!(op(BinOp::DivRound, Word::MAX, 2), Ok(Word::MAX / 2 + 1));
    // A divisor that is not a constant: the zero and MIN/-1 tests are emitted.
    let household = |n: Word| Household { columns: [n, 7, 0, 0, 0, 0, 0], persons: Vec::new(), cases: Vec::new() };
    let divide = || bin(BinOp::DivRound, hcol(1), hcol(0));
    assert_eq!(household_value(divide(), household(2)).1, 4);
    assert_eq!(error_at(divide(), household(0)), Some(EvalErrorKind::DivisionByZero));
    let min_household = Household { columns: [-1, Word::MIN, 0, 0, 0, 0, 0], persons: Vec::new(), cases: Vec::new() };
    assert_eq!(error_at(divide(), min_household), Some(EvalErrorKind::Overflow));
}

#[test]
fn mul_scaled_rounds_and_takes_the_wide_path() {
    let percent = |p: Word| p * RATIO_SCALE / 100;
    // 387.50 × 15% = 58.125 → 58.13; 396.67 × 15% = 59.5005 → 59.50.
    assert_eq!(op(BinOp::MulScaled, 38_750, percent(15)), Ok(5_813));
    assert_eq!(op(BinOp::MulScaled, 39_667, percent(15)), Ok(5_950));
    assert_eq!(op(BinOp::MulScaled, -38_750, percent(15)), Ok(-5_813));
    assert_eq!(op(BinOp::MulScaled, 1, RATIO_SCALE / 2), Ok(1));
    assert_eq!(op(BinOp::MulScaled, -1, RATIO_SCALE / 2), Ok(-1));
    assert_eq!(op(BinOp::MulScaled, 1, RATIO_SCALE / 2 - 1), Ok(0));
    // a × b beyond 64 bits, result within: the helper.
    assert_eq!(op(BinOp::MulScaled, Word::MAX, RATIO_SCALE), Ok(Word::MAX));
    assert_eq!(op(BinOp::MulScaled, Word::MIN, RATIO_SCALE), Ok(Word::MIN));
    assert_eq!(op(BinOp::MulScaled, Word::MAX, RATIO_SCALE / 2), Ok(Word::MAX / 2 + 1));
    assert_eq!(op(BinOp::MulScaled, Word::MAX, 2 * RATIO_SCALE), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::MulScaled, Word::MIN, -RATIO_SCALE), Err(EvalErrorKind::Overflow));
}

#[test]
fn div_scaled_checks_zero_first_and_takes_the_wide_path() {
    // 1 ÷ 3 = 0.333333333; 2 ÷ 3 = 0.666666667; money ÷ money.
    assert_eq!(op(BinOp::DivScaled, 1, 3), Ok(333_333_333));
    assert_eq!(op(BinOp::DivScaled, 2, 3), Ok(666_666_667));
    assert_eq!(op(BinOp::DivScaled, -2, 3), Ok(-666_666_667));
    assert_eq!(op(BinOp::DivScaled, 1, -2_000_000_000), Ok(-1));
    assert_eq!(op(BinOp::DivScaled, 0, 0), Err(EvalErrorKind::DivisionByZero));
    assert_eq!(op(BinOp::DivScaled, Word::MAX, 0), Err(EvalErrorKind::DivisionByZero));
    assert_eq!(op(BinOp::DivScaled, Word::MAX, RATIO_SCALE), Ok(Word::MAX));
    assert_eq!(op(BinOp::DivScaled, Word::MIN, -RATIO_SCALE), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::DivScaled, Word::MAX, 1), Err(EvalErrorKind::Overflow));
    assert_eq!(op(BinOp::DivScaled, Word::MIN, Word::MIN), Ok(RATIO_SCALE));
    assert_eq!(op(BinOp::DivScaled, 9_223_372_036, -1), Ok(-9_223_372_036 * RATIO_SCALE));
}

#[test]
fn min_max_and_comparisons() {
    assert_eq!(op(BinOp::Min, Word::MIN, Word::MAX), Ok(Word::MIN));
    assert_eq!(op(BinOp::Max, Word::MIN, Word::MAX), Ok(Word::MAX));
    assert_eq!(op(BinOp::Max, -3, -4), Ok(-3));
    let cases = [
        (BinOp::Eq, [0, 1, 0]),
        (BinOp::Ne, [1, 0, 1]),
        (BinOp::Lt, [1, 0, 0]),
        (BinOp::Le, [1, 1, 0]),
        (BinOp::Gt, [0, 0, 1]),
        (BinOp::Ge, [0, 1, 1]),
    ];
    for (operator, expected) in cases {
        let pairs = [(Word::MIN, Word::MAX), (-1, -1), (Word::MAX, Word::MIN)];
        for ((a, b), expected) in pairs.into_iter().zip(expected) {
            assert_eq!(op(operator, a, b), Ok(expected), "{operator:?} {a} {b}");
        }
    }
}

// ---- control flow ---------------------------------------------------------------------------

/// An expression that fails with a division by zero.
fn boom() -> Expr {
    bin(BinOp::DivRound, k(1), k(0))
}

#[test]
fn and_or_short_circuit_and_give_0_or_1() {
    assert_eq!(value_of(bin(BinOp::And, k(0), boom())), 0);
    assert_eq!(value_of(bin(BinOp::Or, k(1), boom())), 1);
    assert_eq!(value_of(bin(BinOp::Or, k(7), boom())), 1);
    assert_eq!(value_of(bin(BinOp::And, k(1), k(5))), 1);
    assert_eq!(value_of(bin(BinOp::And, k(5), k(0))), 0);
    assert_eq!(value_of(bin(BinOp::Or, k(0), k(-3))), 1);
    assert_eq!(value_of(bin(BinOp::Or, k(0), k(0))), 0);
    assert_eq!(error_of(bin(BinOp::And, k(1), boom())), Some(EvalErrorKind::DivisionByZero));
    assert_eq!(value_of(un(UnOp::Not, k(0))), 1);
    assert_eq!(value_of(un(UnOp::Not, k(5))), 0);
}

#[test]
fn if_evaluates_only_the_branch_taken() {
    assert_eq!(value_of(if_(k(1), k(10), boom())), 10);
    assert_eq!(value_of(if_(k(0), boom(), k(20))), 20);
    assert_eq!(value_of(if_(k(-1), k(10), boom())), 10);
    assert_eq!(error_of(if_(k(0), k(10), boom())), Some(EvalErrorKind::DivisionByZero));
}

#[test]
fn the_first_failure_in_evaluation_order_wins_with_its_span() {
    let left = bin(BinOp::Add, k(Word::MAX), k(1));
    let right = boom();
    let (left_span, whole) = (left.span, bin(BinOp::Sub, left, right));
    match household_value(whole, household(Vec::new())).0 {
        Outcome::Error(error) => {
            assert_eq!(error.kind, EvalErrorKind::Overflow);
            assert_eq!(error.span, left_span);
        }
        outcome => assert_eq!(outcome, Outcome::Ok, "expected an overflow"),
    }
}

fn match_(scrutinee: Expr, arms: Vec<(Pat, Expr)>) -> Expr {
    node(ExprKind::Match(Box::new(scrutinee), arms))
}

#[test]
fn match_tries_arms_in_order_and_fails_without_one() {
    let arms = || {
        vec![
            (Pat::Eq(3), k(30)),
            (Pat::Range(1, Some(5)), k(15)),
            (Pat::Range(100, None), k(100)),
            (Pat::Range(Word::MIN, Some(-1)), k(-1)),
        ]
    };
    let household = |n: Word| Household { columns: [n, 0, 0, 0, 0, 0, 0], persons: Vec::new(), cases: Vec::new() };
    let values = household_values(
        match_(hcol(0), arms()),
        [3, 1, 5, 100, Word::MAX, Word::MIN, -1].into_iter().map(household).collect(),
    );
    let words: Vec<Word> = values.iter().map(|(_, word)| *word).collect();
    assert_eq!(words, vec![30, 15, 15, 100, 100, -1, -1]);
    let (outcome, _) = household_value(match_(hcol(0), arms()), household(0));
    assert!(matches!(outcome, Outcome::Error(EvalError { kind: EvalErrorKind::NoMatchingArm, .. })));
    let mut with_default = arms();
    with_default.push((Pat::Any, k(0)));
    with_default.push((Pat::Eq(0), boom()));
    assert_eq!(household_value(match_(hcol(0), with_default), household(0)).1, 0);
    // The scrutinee is evaluated once, before any arm.
    assert_eq!(error_of(match_(boom(), vec![(Pat::Any, k(1))])), Some(EvalErrorKind::DivisionByZero));
}

// ---- reads ----------------------------------------------------------------------------------

#[test]
fn columns_rules_params_attributes_and_as_of() {
    let program = program_with(vec![
        // 0 household: n + income
        (EntityKind::Household, bin(BinOp::Add, hcol(0), hcol(1)), RuleRole::Named),
        // 1 person: own n + household rule 0 + household column n
        (
            EntityKind::Person,
            bin(BinOp::Add, bin(BinOp::Add, pcol(0), node(ExprKind::Rule(RuleId(0)))), hcol(0)),
            RuleRole::Named,
        ),
        // 2 person: rule 1 of the same person × param int
        (
            EntityKind::Person,
            bin(BinOp::Mul, node(ExprKind::Rule(RuleId(1))), node(ExprKind::Param(ParamId(0)))),
            RuleRole::Named,
        ),
        // 3 case: amount + param money + attribute int + as_of
        (
            EntityKind::Case,
            bin(
                BinOp::Add,
                bin(BinOp::Add, ccol(1), node(ExprKind::Param(ParamId(1)))),
                bin(BinOp::Add, node(ExprKind::CountyAttr(AttrId(0))), node(ExprKind::AsOf)),
            ),
            RuleRole::Named,
        ),
        // 4 household: sum over persons of rule 2
        (EntityKind::Household, agg(AggKind::Sum, None, Some(node(ExprKind::Rule(RuleId(2))))), RuleRole::Named),
    ]);
    let households = [
        Household {
            columns: [1, 100, 0, 0, 0, 0, 0],
            persons: vec![[5, 0, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0]],
            cases: vec![[0, 7]],
        },
        Household {
            columns: [2, 200, 0, 0, 0, 1, 0],
            persons: vec![[7, 0, 0, 0, 0, 0, 0]],
            cases: vec![[0, 8], [0, 9]],
        },
    ];
    let result = agree(&program, &batch(&households), &counties());
    assert_eq!(result.outcomes, vec![Outcome::Ok, Outcome::Ok]);
    assert_eq!(result.household.first(), Some(&vec![101, 202]));
    assert_eq!(result.person.first(), Some(&vec![107, 108, 211]));
    assert_eq!(result.person.get(1), Some(&vec![1_070, 1_080, 4_220]));
    let as_of = date("2019-07-01");
    assert_eq!(result.case.first(), Some(&vec![476_008 + as_of, 486_010 + as_of, 486_011 + as_of]));
    assert_eq!(result.household.get(1), Some(&vec![2_150, 4_220]));
}

#[test]
fn extreme_parameters_of_one_county_fail_only_its_households() {
    let body = bin(BinOp::Add, node(ExprKind::Param(ParamId(0))), k(1));
    let households = [0, 2, 1].map(|county| Household {
        columns: [0, 0, 0, 0, 0, county, 0],
        persons: Vec::new(),
        cases: Vec::new(),
    });
    let values = household_values(body, households.into_iter().collect());
    assert_eq!(values.first(), Some(&(Outcome::Ok, 11)));
    assert!(matches!(values.get(1), Some((Outcome::Error(EvalError { kind: EvalErrorKind::Overflow, .. }), _))));
    assert_eq!(values.get(2), Some(&(Outcome::Ok, 21)));
}

// ---- aggregates -----------------------------------------------------------------------------

fn person(n: Word, flag: Word) -> [Word; 7] {
    [n, 0, 0, flag, 0, 0, 0]
}

#[test]
fn aggregates_over_members_with_filters() {
    let flagged = || Some(pcol(3));
    let members = vec![person(5, 1), person(-2, 0), person(9, 1), person(1, 1)];
    let cases: Vec<(Expr, Word)> = vec![
        (agg(AggKind::Count, None, None), 4),
        (agg(AggKind::Count, flagged(), None), 3),
        (agg(AggKind::Sum, None, Some(pcol(0))), 13),
        (agg(AggKind::Sum, flagged(), Some(pcol(0))), 15),
        (agg(AggKind::Any, None, Some(bin(BinOp::Lt, pcol(0), k(0)))), 1),
        (agg(AggKind::Any, flagged(), Some(bin(BinOp::Lt, pcol(0), k(0)))), 0),
        (agg(AggKind::Any, flagged(), None), 1),
        (agg(AggKind::All, None, Some(pcol(3))), 0),
        (agg(AggKind::All, flagged(), Some(bin(BinOp::Gt, pcol(0), k(0)))), 1),
        (agg(AggKind::Max, None, Some(pcol(0))), 9),
        (agg(AggKind::Min, None, Some(pcol(0))), -2),
        (agg(AggKind::Min, flagged(), Some(pcol(0))), 1),
        (agg(AggKind::First, None, Some(pcol(0))), 5),
        (agg(AggKind::First, Some(un(UnOp::Not, pcol(3))), Some(pcol(0))), -2),
        // A nested aggregate: members with n above the average of flags × 2.
        (agg(AggKind::Count, Some(bin(BinOp::Gt, pcol(0), agg(AggKind::Count, flagged(), None))), None), 2),
    ];
    for (body, expected) in cases {
        let (outcome, value) = household_value(body, household(members.clone()));
        assert_eq!((outcome, value), (Outcome::Ok, expected));
    }
}

#[test]
fn aggregates_over_no_member() {
    let empty = || household(Vec::new());
    assert_eq!(household_value(agg(AggKind::Count, None, None), empty()).1, 0);
    assert_eq!(household_value(agg(AggKind::Sum, None, Some(pcol(0))), empty()).1, 0);
    assert_eq!(household_value(agg(AggKind::Any, None, Some(pcol(3))), empty()).1, 0);
    assert_eq!(household_value(agg(AggKind::All, None, Some(pcol(3))), empty()).1, 1);
    for kind in [AggKind::Max, AggKind::Min, AggKind::First] {
        assert_eq!(error_at(agg(kind, None, Some(pcol(0))), empty()), Some(EvalErrorKind::EmptyAggregate));
        // All filtered out is empty too.
        let members = household(vec![person(1, 0)]);
        assert_eq!(error_at(agg(kind, Some(pcol(3)), Some(pcol(0))), members), Some(EvalErrorKind::EmptyAggregate));
    }
}

#[test]
fn aggregates_stop_early_and_fail_in_member_order() {
    // `any` stops at the first member for which the value holds: member 1 would divide by zero.
    let value = || bin(BinOp::Gt, bin(BinOp::DivRound, k(10), pcol(0)), k(0));
    let members = || household(vec![person(1, 0), person(0, 0)]);
    assert_eq!(household_value(agg(AggKind::Any, None, Some(value())), members()).1, 1);
    assert_eq!(error_at(agg(AggKind::All, None, Some(value())), members()), Some(EvalErrorKind::DivisionByZero));
    assert_eq!(household_value(agg(AggKind::First, None, Some(value())), members()).1, 1);
    // A sum that overflows fails at the aggregate.
    let sum = agg(AggKind::Sum, None, Some(pcol(0)));
    let sum_span = sum.span;
    match household_value(sum, household(vec![person(Word::MAX, 0), person(1, 0)])).0 {
        Outcome::Error(error) => assert_eq!((error.kind, error.span), (EvalErrorKind::Overflow, sum_span)),
        outcome => assert_eq!(outcome, Outcome::Ok, "expected an overflow"),
    }
    // `count` with a value still evaluates it.
    assert_eq!(error_at(agg(AggKind::Count, None, Some(value())), members()), Some(EvalErrorKind::DivisionByZero));
}

// ---- text and dates -------------------------------------------------------------------------

#[test]
fn mask_sets_the_bit_once() {
    assert_eq!(value_of(node(ExprKind::Mask(Box::new(k(literal(0)))))), literal(0) | MASK_BIT);
    let twice = node(ExprKind::Mask(Box::new(node(ExprKind::Mask(Box::new(k(batch_text(2))))))));
    assert_eq!(value_of(twice), batch_text(2) | MASK_BIT);
}

#[test]
fn text_equality_compares_rendered_texts() {
    let masked = |word| node(ExprKind::Mask(Box::new(k(word))));
    let cases: Vec<(Expr, Expr, Word)> = vec![
        (k(batch_text(0)), k(batch_text(0)), 1),
        (k(batch_text(0)), k(batch_text(3)), 1),
        (k(batch_text(0)), k(literal(0)), 1),
        (k(batch_text(0)), k(batch_text(2)), 0),
        (masked(batch_text(0)), k(literal(1)), 1),
        (masked(batch_text(0)), k(batch_text(1)), 1),
        (masked(batch_text(0)), k(batch_text(0)), 0),
        (k(TextHandle::new(TextOrigin::Jurisdiction, 2).to_word()), k(literal(0)), 1),
        (node(ExprKind::CountyAttr(AttrId(2))), k(literal(0)), 0),
        (k(batch_text(4)), k(batch_text(99)), 1),
        (masked(batch_text(4)), k(batch_text(4)), 1),
    ];
    for (left, right, expected) in cases {
        assert_eq!(value_of(bin(BinOp::TextEq, left.clone(), right.clone())), expected);
        assert_eq!(value_of(bin(BinOp::TextNe, left, right)), 1 - expected);
    }
}

#[test]
fn years_between_counts_29_february_on_1_march() {
    let years = |from: &str, to: &str| value_of(bin(BinOp::YearsBetween, k(date(from)), k(date(to))));
    assert_eq!(years("2002-07-01", "2019-06-30"), 16);
    assert_eq!(years("2002-07-01", "2019-07-01"), 17);
    assert_eq!(years("2016-02-29", "2018-02-28"), 1);
    assert_eq!(years("2016-02-29", "2018-03-01"), 2);
    assert_eq!(years("2016-02-29", "2020-02-29"), 4);
    assert_eq!(years("2016-02-29", "2020-02-28"), 3);
    assert_eq!(years("2019-07-01", "2002-07-01"), -17);
    assert_eq!(years("0001-01-01", "9999-12-31"), 9998);
    // `age(birth)` as the checker writes it: from the birth date to as_of.
    let age = agg(AggKind::First, None, Some(bin(BinOp::YearsBetween, pcol(4), node(ExprKind::AsOf))));
    let born = |text: &str| [0, 0, 0, 0, date(text), 0, 0];
    assert_eq!(household_value(age, household(vec![born("1949-07-02")])).1, 69);
}

// ---- validation, outcomes, malformed batches --------------------------------------------------

#[test]
fn validation_rejects_with_the_first_failing_member_and_skips_the_rest() {
    let program = program_with(vec![
        (EntityKind::Household, bin(BinOp::Gt, agg(AggKind::Count, None, None), k(0)), validation()),
        (EntityKind::Person, bin(BinOp::Ge, pcol(0), k(0)), validation()),
        (EntityKind::Household, bin(BinOp::DivRound, k(100), hcol(0)), RuleRole::Named),
        (EntityKind::Person, bin(BinOp::DivRound, k(100), pcol(0)), RuleRole::Named),
    ]);
    let households = [
        household(Vec::new()),
        household(vec![person(1, 0), person(-1, 0), person(-2, 0)]),
        Household { columns: [0; 7], persons: vec![person(1, 0)], cases: Vec::new() },
        Household { columns: [3, 0, 0, 0, 0, 0, 0], persons: vec![person(4, 0), person(0, 0)], cases: Vec::new() },
        Household { columns: [3, 0, 0, 0, 0, 0, 0], persons: vec![person(4, 0), person(8, 0)], cases: Vec::new() },
    ];
    let result = agree(&program, &batch(&households), &counties());
    let rule = |index: u32| program.rules.get(index as usize).map_or(Span::default(), |rule| rule.body.span);
    let error = |kind, span, rule, member| Outcome::Error(EvalError { kind, span, rule: RuleId(rule), member });
    assert_eq!(
        result.outcomes,
        vec![
            Outcome::Invalid { rule: RuleId(0), member: 0 },
            Outcome::Invalid { rule: RuleId(1), member: 1 },
            error(EvalErrorKind::DivisionByZero, rule(2), 2, 0),
            error(EvalErrorKind::DivisionByZero, rule(3), 3, 1),
            Outcome::Ok,
        ]
    );
    assert_eq!(result.person.get(1).and_then(|column| column.get(6..8)), Some(&[25, 13][..]));
}

#[test]
fn case_rules_report_the_case_row() {
    let program = program_with(vec![(EntityKind::Case, bin(BinOp::DivRound, ccol(1), ccol(0)), RuleRole::Named)]);
    let households = [
        Household { columns: [0; 7], persons: Vec::new(), cases: vec![[2, 5], [4, 10]] },
        Household { columns: [0; 7], persons: Vec::new(), cases: vec![[1, 5], [1, 6], [0, 7]] },
    ];
    let result = agree(&program, &batch(&households), &counties());
    assert_eq!(result.outcomes.first(), Some(&Outcome::Ok));
    assert!(matches!(result.outcomes.get(1), Some(Outcome::Error(EvalError { member: 2, .. }))));
    assert_eq!(result.case.first().and_then(|column| column.get(..2)), Some(&[3, 3][..]));
}

#[test]
fn an_order_with_unknown_or_repeated_rules_is_followed_like_the_interpreter() {
    let mut program = program_with(vec![
        (EntityKind::Household, bin(BinOp::Add, hcol(0), k(1)), RuleRole::Named),
        (EntityKind::Person, bin(BinOp::Add, pcol(0), node(ExprKind::Rule(RuleId(0)))), RuleRole::Named),
    ]);
    program.order = vec![RuleId(0), RuleId(7), RuleId(1), RuleId(0), RuleId(1)];
    let households = [Household { columns: [5, 0, 0, 0, 0, 0, 0], persons: vec![person(1, 0)], cases: Vec::new() }];
    let result = agree(&program, &batch(&households), &counties());
    assert_eq!(result.household.first(), Some(&vec![6]));
    assert_eq!(result.person.first(), Some(&vec![7]));
}

#[test]
fn malformed_batches_evaluate_nothing() {
    let program = program_with(vec![(EntityKind::Household, hcol(0), RuleRole::Named)]);
    let mut bad = batch(&[household(vec![person(1, 0)])]);
    bad.person_offsets = vec![0, 5];
    let result = agree(&program, &bad, &counties());
    assert!(matches!(
        result.outcomes.first(),
        Some(Outcome::Error(EvalError { kind: EvalErrorKind::MalformedBatch, .. }))
    ));
    let mut out_of_range =
        batch(&[Household { columns: [0, 0, 0, 0, 0, 3, 0], persons: Vec::new(), cases: Vec::new() }]);
    let result = agree(&program, &out_of_range, &counties());
    assert!(matches!(
        result.outcomes.first(),
        Some(Outcome::Error(EvalError { kind: EvalErrorKind::MalformedBatch, .. }))
    ));
    out_of_range.households.columns.pop();
    let result = agree(&program, &out_of_range, &counties());
    assert!(matches!(
        result.outcomes.first(),
        Some(Outcome::Error(EvalError { kind: EvalErrorKind::MalformedBatch, .. }))
    ));
}

#[test]
fn no_county_column_reads_row_0_or_zeros() {
    let mut program = program_with(vec![(EntityKind::Household, node(ExprKind::Param(ParamId(1))), RuleRole::Named)]);
    program.household.county = None;
    let households = batch(&[Household { columns: [0, 0, 0, 0, 0, 2, 0], persons: Vec::new(), cases: Vec::new() }]);
    assert_eq!(agree(&program, &households, &counties()).household.first(), Some(&vec![476_000]));
    let empty = CountyTable { width: 6, words: Vec::new(), texts: Vec::new(), as_of: 0, scales: Vec::new() };
    assert_eq!(agree(&program, &households, &empty).household.first(), Some(&vec![0]));
}

// ---- compile errors -------------------------------------------------------------------------

#[test]
fn a_case_column_read_for_a_person_is_an_internal_error() {
    let text = "person bad: int = case.n\n";
    let span = Span { start: 18, end: 24, source: SourceId(0) };
    let read = Expr { span, ..ccol(0) };
    let program = program_with(vec![(EntityKind::Person, read, RuleRole::Named)]);
    let error = JitEngine::compile(&program).err();
    assert_eq!(error, Some(JitError::Untranslatable { what: "a case value read for a person".into(), span }));
    let mut sources = crate::diagnostic::Sources::default();
    sources.add("policy.pol", text, crate::diagnostic::SourceKind::Pol);
    let rendered = error
        .map(|error| crate::diagnostic::render_plain(&sources, crate::diagnostic::Diagnostic::new(Some(span), error)));
    insta::assert_snapshot!(format!("{text}\n{}", rendered.unwrap_or_default()));
}

#[test]
fn an_engine_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<JitEngine>();
    let program = program_with(vec![(EntityKind::Household, hcol(0), RuleRole::Named)]);
    let engine = JitEngine::compile(&program).map_err(|error| format!("{error:?}"));
    assert_eq!(engine.as_ref().map(|engine| engine.name()), Ok("jit"));
}
