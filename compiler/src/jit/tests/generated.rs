//! Random programs and batches: the JIT must agree with the interpreter on all of them.
//!
//! A program and a batch are each built from a *tape* of random choices (`Vec<u32>`), read
//! one choice at a time; an exhausted tape reads 0, and choice 0 is always the simplest (a
//! constant leaf, an empty household), so proptest shrinks a failure to a small program by
//! shrinking the tape. Programs are well typed over the fixture schema of the parent module
//! (int, money, ratio, bool, date, enum-like grade and text columns; three parameters and
//! three attributes); rules read columns, parameters, attributes, `as_of` and earlier rules,
//! with `if`, `match`, every operator and every aggregate (nested too). Words include the
//! boundaries near `i64::MIN` and `i64::MAX`, so overflow, division by zero, empty aggregates
//! and unmatched arms all happen.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::tir::ScaleKind;

/// The types rules and expressions are generated at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gty {
    Int,
    Money,
    Ratio,
    Bool,
    Date,
    Grade,
    Text,
}

const RULE_TYPES: [Gty; 7] = [Gty::Int, Gty::Money, Gty::Ratio, Gty::Bool, Gty::Date, Gty::Grade, Gty::Text];

/// Reads choices from a tape.
struct Tape<'a> {
    choices: &'a [u32],
    at: usize,
}

impl Tape<'_> {
    /// A choice below `n` (0 once the tape is exhausted).
    fn pick(&mut self, n: usize) -> usize {
        let choice = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        choice as usize % n.max(1)
    }

    /// One of `options` (the first once the tape is exhausted).
    fn one_of<T: Copy>(&mut self, options: &[T], fallback: T) -> T {
        let index = self.pick(options.len());
        options.get(index).copied().unwrap_or(fallback)
    }

    /// A word of a type: mostly ordinary values, sometimes a boundary.
    fn word(&mut self, ty: Gty, tame: bool) -> Word {
        let boundary = [Word::MAX, Word::MIN, Word::MAX - 1, Word::MIN + 1, Word::MAX / 2, Word::MIN / 2];
        let raw = self.choices.get(self.at).copied().unwrap_or(0);
        match ty {
            Gty::Int | Gty::Money | Gty::Ratio if !tame && self.pick(6) == 5 => self.one_of(&boundary, 0),
            Gty::Int => self.one_of(&[0, 1, 2, 3, -1, 12, 100, Word::from(raw % 1000) - 500], 0),
            Gty::Money => self.one_of(&[0, 100, 476_000, 39_667, -5, 1 << 40, Word::from(raw) - (1 << 31)], 0),
            Gty::Ratio => self.one_of(
                &[0, RATIO_SCALE, RATIO_SCALE / 2, 150_000_000, -RATIO_SCALE, 333_333_333, Word::from(raw) * 7],
                0,
            ),
            Gty::Bool => self.one_of(&[0, 1], 0),
            Gty::Date => self.one_of(
                &[
                    date("2019-07-01"),
                    date("2016-02-29"),
                    date("1949-03-01"),
                    date("2000-02-29"),
                    date("2019-02-28"),
                    0,
                    date("0001-01-01") + Word::from(raw % 3_600_000),
                ],
                0,
            ),
            Gty::Grade => self.one_of(&[0, 1, 2, 3], 0),
            Gty::Text => {
                let handle = self.one_of(
                    &[literal(0), literal(1), literal(2), batch_text(0), batch_text(1), batch_text(2), batch_text(3)],
                    0,
                );
                if self.pick(4) == 3 { handle | MASK_BIT } else { handle }
            }
        }
    }
}

/// The scales of generated programs: 0, rates over money (thresholds around zero and the
/// boundaries of the generated words; rates within 0–100%, so `marginal` stays within its
/// argument), 1, amounts over ints (a threshold at `i64::MIN`).
fn fixture_scales() -> Vec<crate::tir::ScaleDef> {
    use crate::tir::{Bracket, ScaleDef, ScaleVersion};
    let bracket = |threshold, value| Bracket { threshold, value };
    let version = |brackets| vec![ScaleVersion { from: None, brackets: Some(brackets), span: fresh_span() }];
    let rates = vec![
        bracket(-5, RATIO_SCALE / 10),
        bracket(0, 150_000_000),
        bracket(39_667, RATIO_SCALE / 3),
        bracket(476_000, RATIO_SCALE / 2),
        bracket(1 << 40, RATIO_SCALE),
    ];
    let amounts = vec![bracket(Word::MIN, -100), bracket(0, 5_000), bracket(3, 10_000), bracket(100, 20_050)];
    let scale = |name: &str, threshold_ty, value_ty, brackets| ScaleDef {
        name: name.into(),
        threshold_ty,
        value_ty,
        versions: version(brackets),
        set_by: Vec::new(),
        requires: Vec::new(),
        doc: Vec::new(),
        span: fresh_span(),
    };
    vec![
        scale("rates", Ty::Money(Period::Year), Ty::Ratio, rates),
        scale("amounts", Ty::Int, Ty::Money(Period::Year), amounts),
    ]
}

/// `marginal` or `bracket` of one of [`fixture_scales`].
fn scale(kind: ScaleKind, index: u32, x: Expr) -> Expr {
    let ty = match (kind, index) {
        (ScaleKind::Bracket, 0) => Ty::Ratio,
        _ => Ty::Money(Period::Year),
    };
    Expr { kind: ExprKind::Scale(kind, crate::tir::ScaleId(index), Box::new(x)), ty, span: fresh_span() }
}

/// Builds a program from a tape.
struct ProgramGen<'a> {
    tape: Tape<'a>,
    /// Earlier rules: entity and type.
    rules: Vec<(EntityKind, Gty)>,
    tame: bool,
}

impl ProgramGen<'_> {
    /// `min_rules`–`max_rules` rules; up to two validations first (none when tame).
    fn program(&mut self, min_rules: usize, max_rules: usize) -> Program {
        let n_validations = if self.tame { 0 } else { self.tape.pick(3) };
        let n_rules = min_rules + self.tape.pick(max_rules + 1 - min_rules);
        let mut rules = Vec::with_capacity(n_validations + n_rules);
        for _ in 0..n_validations {
            let entity = self.tape.one_of(&[EntityKind::Household, EntityKind::Person], EntityKind::Household);
            let body = self.expr(Gty::Bool, entity, 1);
            rules.push((entity, body, validation()));
            self.rules.push((entity, Gty::Bool));
        }
        for _ in 0..n_rules {
            let entity =
                self.tape.one_of(&[EntityKind::Household, EntityKind::Person, EntityKind::Case], EntityKind::Household);
            let ty = self.tape.one_of(&RULE_TYPES, Gty::Int);
            let ty = if entity == EntityKind::Case && ty == Gty::Grade { Gty::Int } else { ty };
            let body = self.expr(ty, entity, 4);
            rules.push((entity, body, RuleRole::Named));
            self.rules.push((entity, ty));
        }
        let mut program = program_with(rules);
        program.scales = fixture_scales();
        program
    }

    /// An expression of `ty` in `scope`, at most `depth` deep.
    fn expr(&mut self, ty: Gty, scope: EntityKind, depth: u32) -> Expr {
        if depth == 0 || self.tape.pick(3) == 0 {
            return self.leaf(ty, scope);
        }
        let depth = depth - 1;
        match self.tape.pick(4) {
            0 => self.if_expr(ty, scope, depth),
            1 if ty != Gty::Bool => self.match_expr(ty, scope, depth),
            2 => self.aggregate(ty, depth),
            _ => self.operation(ty, scope, depth),
        }
    }

    /// A constant, a column, a parameter, an attribute, `as_of` or an earlier rule.
    fn leaf(&mut self, ty: Gty, scope: EntityKind) -> Expr {
        let mut candidates = vec![k(self.tape.word(ty, self.tame))];
        for entity in [scope, EntityKind::Household] {
            candidates.extend(columns(entity, ty).iter().map(|index| read_column(entity, *index)));
        }
        let county = match ty {
            Gty::Int => vec![ExprKind::Param(ParamId(0)), ExprKind::CountyAttr(AttrId(0))],
            Gty::Money => vec![ExprKind::Param(ParamId(1))],
            Gty::Ratio => vec![ExprKind::Param(ParamId(2))],
            Gty::Bool => vec![ExprKind::CountyAttr(AttrId(1))],
            Gty::Text => vec![ExprKind::CountyAttr(AttrId(2))],
            Gty::Date => vec![ExprKind::AsOf],
            Gty::Grade => Vec::new(),
        };
        candidates.extend(county.into_iter().map(node));
        for (index, (entity, rule_ty)) in self.rules.iter().enumerate() {
            if *rule_ty == ty && (*entity == scope || *entity == EntityKind::Household) {
                candidates.push(node(ExprKind::Rule(RuleId(index as u32))));
            }
        }
        let index = self.tape.pick(candidates.len());
        if index < candidates.len() { candidates.swap_remove(index) } else { k(0) }
    }

    fn if_expr(&mut self, ty: Gty, scope: EntityKind, depth: u32) -> Expr {
        let cond = self.expr(Gty::Bool, scope, depth);
        if_(cond, self.expr(ty, scope, depth), self.expr(ty, scope, depth))
    }

    fn match_expr(&mut self, ty: Gty, scope: EntityKind, depth: u32) -> Expr {
        let scrutinee_ty = self.tape.one_of(&[Gty::Grade, Gty::Int], Gty::Grade);
        let scrutinee = self.expr(scrutinee_ty, scope, depth);
        let n_arms = 1 + self.tape.pick(4);
        let bounds = [0, 1, 2, 3, -1, 12, 100, Word::MIN, Word::MAX];
        let mut arms = Vec::with_capacity(n_arms + 1);
        for _ in 0..n_arms {
            let low = self.tape.one_of(&bounds, 0);
            let pattern = match self.tape.pick(3) {
                0 => Pat::Eq(low),
                1 => Pat::Range(low, Some(self.tape.one_of(&bounds, 0))),
                _ => Pat::Range(low, None),
            };
            arms.push((pattern, self.expr(ty, scope, depth)));
        }
        if self.tame || self.tape.pick(4) != 3 {
            arms.push((Pat::Any, self.expr(ty, scope, depth)));
        }
        match_(scrutinee, arms)
    }

    /// An aggregate of the right type; its filter and value are in person scope.
    fn aggregate(&mut self, ty: Gty, depth: u32) -> Expr {
        let filter = if self.tape.pick(2) == 1 { Some(self.expr(Gty::Bool, EntityKind::Person, depth)) } else { None };
        let kinds: &[AggKind] = match ty {
            // Tame programs avoid aggregates that fail on no member.
            Gty::Int | Gty::Money | Gty::Ratio if self.tame => &[AggKind::Count, AggKind::Sum],
            Gty::Bool if self.tame => &[AggKind::Any, AggKind::All],
            Gty::Date | Gty::Grade | Gty::Text if self.tame => return self.leaf(ty, EntityKind::Household),
            Gty::Int => &[AggKind::Count, AggKind::Sum, AggKind::Max, AggKind::Min, AggKind::First],
            Gty::Money | Gty::Ratio => &[AggKind::Sum, AggKind::Max, AggKind::Min, AggKind::First],
            Gty::Bool => &[AggKind::Any, AggKind::All, AggKind::First],
            Gty::Date | Gty::Grade | Gty::Text => &[AggKind::First],
        };
        let kind = self.tape.one_of(kinds, AggKind::First);
        let value = match kind {
            AggKind::Count => None,
            AggKind::Any if self.tape.pick(2) == 0 => None,
            _ => Some(self.expr(ty, EntityKind::Person, depth)),
        };
        agg(kind, filter, value)
    }

    /// An operator producing `ty`.
    fn operation(&mut self, ty: Gty, scope: EntityKind, depth: u32) -> Expr {
        let sub = |this: &mut Self, ty| this.expr(ty, scope, depth);
        match ty {
            Gty::Int => match self.tape.pick(6) {
                0 => {
                    let op =
                        self.tape.one_of(&[BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Min, BinOp::Max], BinOp::Add);
                    bin(op, sub(self, Gty::Int), sub(self, Gty::Int))
                }
                1 => un(UnOp::Neg, sub(self, Gty::Int)),
                2 => bin(BinOp::YearsBetween, sub(self, Gty::Date), sub(self, Gty::Date)),
                3 if !self.tame => bin(BinOp::DivRound, sub(self, Gty::Int), sub(self, Gty::Int)),
                4 => bin(BinOp::DivRound, sub(self, Gty::Int), k(self.tape.one_of(&[12, 2, -1, 3], 12))),
                _ => bin(BinOp::Mul, sub(self, Gty::Int), sub(self, Gty::Int)),
            },
            Gty::Money => match self.tape.pick(7) {
                0 => {
                    let op = self.tape.one_of(&[BinOp::Add, BinOp::Sub, BinOp::Min, BinOp::Max], BinOp::Add);
                    bin(op, sub(self, Gty::Money), sub(self, Gty::Money))
                }
                1 => bin(BinOp::Mul, sub(self, Gty::Money), sub(self, Gty::Int)),
                2 => bin(BinOp::MulScaled, sub(self, Gty::Money), sub(self, Gty::Ratio)),
                3 if self.tame => bin(BinOp::DivRound, sub(self, Gty::Money), k(self.tape.one_of(&[12, 2, 3], 12))),
                3 => bin(BinOp::DivRound, sub(self, Gty::Money), sub(self, Gty::Int)),
                4 if self.tame => bin(BinOp::DivScaled, sub(self, Gty::Money), k(3 * RATIO_SCALE / 2)),
                4 => bin(BinOp::DivScaled, sub(self, Gty::Money), sub(self, Gty::Ratio)),
                5 if self.tape.pick(2) == 1 => scale(ScaleKind::Marginal, 0, sub(self, Gty::Money)),
                5 if self.tape.pick(2) == 1 => scale(ScaleKind::MarginalAmount, 1, sub(self, Gty::Int)),
                5 => scale(ScaleKind::Bracket, 1, sub(self, Gty::Int)),
                _ => un(UnOp::Neg, sub(self, Gty::Money)),
            },
            Gty::Ratio => match self.tape.pick(5) {
                0 => {
                    let op = self.tape.one_of(&[BinOp::Add, BinOp::Sub, BinOp::Min, BinOp::Max], BinOp::Add);
                    bin(op, sub(self, Gty::Ratio), sub(self, Gty::Ratio))
                }
                1 => bin(BinOp::MulScaled, sub(self, Gty::Ratio), sub(self, Gty::Ratio)),
                2 if !self.tame => bin(BinOp::DivScaled, sub(self, Gty::Money), sub(self, Gty::Money)),
                3 if !self.tame => bin(BinOp::DivScaled, sub(self, Gty::Int), sub(self, Gty::Int)),
                4 => scale(ScaleKind::Bracket, 0, sub(self, Gty::Money)),
                _ => bin(BinOp::MulScaled, sub(self, Gty::Ratio), k(RATIO_SCALE / 3)),
            },
            Gty::Bool => self.condition(scope, depth),
            Gty::Text => node(ExprKind::Mask(Box::new(sub(self, Gty::Text)))),
            Gty::Date | Gty::Grade => self.if_expr(ty, scope, depth),
        }
    }

    /// A comparison, a logical operation or a text comparison.
    fn condition(&mut self, scope: EntityKind, depth: u32) -> Expr {
        let sub = |this: &mut Self, ty| this.expr(ty, scope, depth);
        match self.tape.pick(5) {
            0 => {
                let ty = self.tape.one_of(&[Gty::Int, Gty::Money, Gty::Ratio, Gty::Date, Gty::Grade], Gty::Int);
                let op =
                    self.tape.one_of(&[BinOp::Eq, BinOp::Ne, BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge], BinOp::Eq);
                bin(op, sub(self, ty), sub(self, ty))
            }
            1 => {
                let op = self.tape.one_of(&[BinOp::And, BinOp::Or], BinOp::And);
                bin(op, sub(self, Gty::Bool), sub(self, Gty::Bool))
            }
            2 => un(UnOp::Not, sub(self, Gty::Bool)),
            3 => {
                let op = self.tape.one_of(&[BinOp::TextEq, BinOp::TextNe], BinOp::TextEq);
                bin(op, sub(self, Gty::Text), sub(self, Gty::Text))
            }
            _ => bin(BinOp::Gt, sub(self, Gty::Money), k(0)),
        }
    }
}

/// The columns of an entity holding a type (see the fixture schema).
fn columns(entity: EntityKind, ty: Gty) -> &'static [u32] {
    match (entity, ty) {
        (EntityKind::Household, Gty::Int) => &[0],
        (EntityKind::Household, Gty::Money) => &[1],
        (EntityKind::Household, Gty::Ratio) => &[2],
        (EntityKind::Household, Gty::Bool) => &[3],
        (EntityKind::Household, Gty::Date) => &[4],
        (EntityKind::Household, Gty::Text) => &[6],
        (EntityKind::Person, Gty::Int) => &[0],
        (EntityKind::Person, Gty::Money) => &[1],
        (EntityKind::Person, Gty::Ratio) => &[2],
        (EntityKind::Person, Gty::Bool) => &[3],
        (EntityKind::Person, Gty::Date) => &[4],
        (EntityKind::Person, Gty::Text) => &[5],
        (EntityKind::Person, Gty::Grade) => &[6],
        (EntityKind::Case, Gty::Int) => &[0],
        (EntityKind::Case, Gty::Money) => &[1],
        _ => &[],
    }
}

fn read_column(entity: EntityKind, index: u32) -> Expr {
    node(ExprKind::Column(entity, ColumnId(index)))
}

/// The types of the fixture's columns, in order.
const HOUSEHOLD_TYPES: [Gty; 7] = [Gty::Int, Gty::Money, Gty::Ratio, Gty::Bool, Gty::Date, Gty::Grade, Gty::Text];
const PERSON_TYPES: [Gty; 7] = [Gty::Int, Gty::Money, Gty::Ratio, Gty::Bool, Gty::Date, Gty::Text, Gty::Grade];
const CASE_TYPES: [Gty; 2] = [Gty::Int, Gty::Money];

/// A batch of 1–6 households (0–4 persons, 0–2 cases each) and a county table of 3 counties.
fn batch_from(choices: &[u32], tame: bool) -> (Batch, CountyTable) {
    let mut tape = Tape { choices, at: 0 };
    let n_households = 1 + tape.pick(6);
    let mut households = Vec::with_capacity(n_households);
    for _ in 0..n_households {
        let mut columns = HOUSEHOLD_TYPES.map(|ty| tape.word(ty, tame));
        columns[5] = tape.pick(3) as Word;
        let persons = (0..tape.pick(5)).map(|_| PERSON_TYPES.map(|ty| tape.word(ty, tame))).collect();
        let cases = (0..tape.pick(3)).map(|_| CASE_TYPES.map(|ty| tape.word(ty, tame))).collect();
        households.push(Household { columns, persons, cases });
    }
    let mut counties = counties();
    for county in counties.words.chunks_mut(6) {
        for (word, ty) in county.iter_mut().zip([Gty::Int, Gty::Money, Gty::Ratio, Gty::Int, Gty::Bool]) {
            *word = tape.word(ty, tame);
        }
    }
    counties.as_of = tape.word(Gty::Date, tame);
    (batch(&households), counties)
}

/// A program of `min_rules`–`max_rules` rules (+ up to 2 validations) from a tape.
fn program_from(choices: &[u32], (min_rules, max_rules): (usize, usize), tame: bool) -> Program {
    ProgramGen { tape: Tape { choices, at: 0 }, rules: Vec::new(), tame }.program(min_rules, max_rules)
}

/// The days of the versions [`dated_program_from`] gives rules: 2019-01-01, 2021-01-01 and
/// 2023-01-01 (an end, for some rules).
const VERSION_DAYS: [Word; 3] = [17_897, 18_628, 19_358];

/// A dated program: the rules of [`program_from`] over `choices`, where each named rule has,
/// as the tape chooses, versions from 2019 (its generated body) and 2021 (its generated body
/// over `second_choices`, a different expression of the same type reading the same earlier
/// rules), and for some an end in 2023.
fn dated_program_from(choices: &[u32], second_choices: &[u32], n_rules: (usize, usize)) -> Program {
    let mut program = program_from(choices, n_rules, false);
    // The fixture's parameters get a value in force on every date (the engines read theirs from
    // the county table), so that only the rules' versions decide what is in force.
    for param in &mut program.params {
        param.values = vec![(None, Expr { kind: ExprKind::Const(0), ty: param.ty, span: param.span })];
    }
    let mut second = ProgramGen { tape: Tape { choices: second_choices, at: 0 }, rules: Vec::new(), tame: false };
    let mut pick = Tape { choices: second_choices, at: 0 };
    let mut earlier: Vec<(EntityKind, Gty)> = Vec::new();
    for rule in &mut program.rules {
        let ty = gty_of(rule.ty);
        if rule.role == RuleRole::Named && pick.pick(3) != 0 {
            second.rules.clone_from(&earlier);
            let later = second.expr(ty, rule.entity, 4);
            let zero = Expr { kind: ExprKind::Const(0), ty: rule.ty, span: rule.body.span };
            let first = std::mem::replace(&mut rule.body, zero);
            let [d2019, d2021, d2023] = VERSION_DAYS;
            rule.versions = vec![
                RuleVersion { from: Some(d2019), body: Some(first), span: rule.span },
                RuleVersion { from: Some(d2021), body: Some(later), span: rule.span },
            ];
            if pick.pick(4) == 0 {
                rule.versions.push(RuleVersion { from: Some(d2023), body: None, span: rule.span });
            }
        }
        earlier.push((rule.entity, ty));
    }
    program
}

/// The generator's type of a rule's type.
fn gty_of(ty: Ty) -> Gty {
    match ty {
        Ty::Int => Gty::Int,
        Ty::Money(_) => Gty::Money,
        Ty::Ratio => Gty::Ratio,
        Ty::Bool => Gty::Bool,
        Ty::Date => Gty::Date,
        Ty::Enum(_) => Gty::Grade,
        Ty::Text => Gty::Text,
    }
}

proptest! {
    // 96 cases by default (each compiles a program; debug cranelift is slow); set
    // POL_JIT_PROPTEST_CASES for a longer run.
    #![proptest_config(ProptestConfig { cases: proptest_cases(), ..ProptestConfig::default() })]

    /// The JIT and the interpreter give the same outcomes and rule columns, also computed finer
    /// than the cent (`precision`, docs/language.md#precision), fine twins included.
    #[test]
    fn jit_agrees_with_the_interpreter(
        program_tape in vec(any::<u32>(), 0..400),
        batch_tape in vec(any::<u32>(), 0..400),
        money_decimals in prop_oneof![Just(2u32), 3u32..=6],
    ) {
        let mut program = program_from(&program_tape, (1, 12), false);
        program.money_decimals = money_decimals;
        let (batch, counties) = batch_from(&batch_tape, false);
        agree(&program, &batch, &counties);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases() / 2, ..ProptestConfig::default() })]

    /// Dated rules: on a day before, between and after the versions, the program in force
    /// (`Program::on`) gives the same outcomes and rule columns on both engines; a day on which
    /// a rule in force reads one that is not is refused, never evaluated.
    #[test]
    fn jit_agrees_with_the_interpreter_on_dated_rules(
        program_tape in vec(any::<u32>(), 0..400),
        second_tape in vec(any::<u32>(), 0..400),
        batch_tape in vec(any::<u32>(), 0..400),
        day_index in 0usize..5,
    ) {
        let program = dated_program_from(&program_tape, &second_tape, (1, 10));
        let (batch, mut counties) = batch_from(&batch_tape, false);
        let days = [17_000, VERSION_DAYS[0], 18_000, VERSION_DAYS[1] + 5, VERSION_DAYS[2] + 400];
        let day = days.get(day_index).copied().unwrap_or(17_000);
        counties.as_of = day;
        if let Ok(on_day) = program.on(day) {
            prop_assert!(on_day.rules.iter().all(|rule| rule.versions.is_empty()));
            agree(&on_day, &batch, &counties);
        } else {
            let dated = program.rules.iter().any(|rule| crate::dated::rule_in_force(rule, day).is_err());
            prop_assert!(dated, "refused although every rule is in force");
        }
    }
}

/// The program's scales made local (`set by city`), and per county of the batch's table its
/// own brackets drawn from a tape: 1 to 4 brackets of increasing thresholds, rates within
/// 0–100% for the rate scale, amounts of any size for the amount scale.
fn with_local_scales(program: &mut Program, counties: &mut CountyTable, choices: &[u32]) {
    let mut tape = Tape { choices, at: 0 };
    for scale in &mut program.scales {
        scale.set_by = vec![pol_grammar::ast::Level::City];
    }
    let n_counties = counties.len().max(1);
    counties.scales = (0..n_counties)
        .map(|_| {
            program
                .scales
                .iter()
                .map(|scale| {
                    let n = 1 + tape.pick(4);
                    let threshold_ty = gty_of(scale.threshold_ty);
                    let mut thresholds: Vec<Word> = (0..n).map(|_| tape.word(threshold_ty, false)).collect();
                    thresholds.sort_unstable();
                    thresholds.dedup();
                    thresholds
                        .into_iter()
                        .map(|threshold| {
                            let value = if scale.value_ty == Ty::Ratio {
                                tape.word(Gty::Int, true).rem_euclid(RATIO_SCALE + 1)
                            } else {
                                tape.word(gty_of(scale.value_ty), false)
                            };
                            crate::tir::Bracket { threshold, value }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
}

/// Appends rules applying each scale in each way to a column, so that every program of the
/// local-scale property reads the county table's brackets, in household and member loops.
fn with_scale_rules(program: &mut Program) {
    let applications = [
        (EntityKind::Person, ScaleKind::MarginalAmount, 1, Gty::Int),
        (EntityKind::Person, ScaleKind::Bracket, 1, Gty::Int),
        (EntityKind::Person, ScaleKind::Marginal, 0, Gty::Money),
        (EntityKind::Household, ScaleKind::Bracket, 0, Gty::Money),
        (EntityKind::Household, ScaleKind::MarginalAmount, 1, Gty::Int),
    ];
    for (entity, kind, index, x_ty) in applications {
        let column = columns(entity, x_ty).first().copied().unwrap_or(0);
        let body = scale(kind, index, read_column(entity, column));
        let id = RuleId(program.rules.len() as u32);
        program.rules.push(Rule {
            name: format!("scale_rule{}", id.0),
            entity,
            slot: program.n_rules(entity) as u32,
            ty: body.ty,
            body,
            versions: Vec::new(),
            role: RuleRole::Named,
            period: crate::tir::Per::Month,
            doc: Vec::new(),
            span: fresh_span(),
        });
        program.order.push(id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases() / 2, ..ProptestConfig::default() })]

    /// Scales set by cities: each county's brackets come from the county table, on both
    /// engines (the JIT through its county-scale helper), and give the same outcomes and rule
    /// columns, also in a program computed finer than the cent (thresholds read in cents and
    /// scaled, `Program::threshold_factor`).
    #[test]
    fn jit_agrees_with_the_interpreter_on_local_scales(
        program_tape in vec(any::<u32>(), 0..400),
        batch_tape in vec(any::<u32>(), 0..400),
        scales_tape in vec(any::<u32>(), 0..200),
        money_decimals in prop_oneof![Just(2u32), 3u32..=6],
    ) {
        let mut program = program_from(&program_tape, (1, 12), false);
        program.money_decimals = money_decimals;
        with_scale_rules(&mut program);
        let (batch, mut counties) = batch_from(&batch_tape, false);
        with_local_scales(&mut program, &mut counties, &scales_tape);
        agree(&program, &batch, &counties);
    }
}

/// How many random programs the property test tries.
fn proptest_cases() -> u32 {
    std::env::var("POL_JIT_PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(96)
}

/// A deterministic tape: xorshift from a seed.
fn pseudo_random_tape(seed: u64, len: usize) -> Vec<u32> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u32
        })
        .collect()
}

/// A generated program of 100 rules (20 in a debug build, where cranelift itself is slow),
/// with ordinary values (few failures).
fn large_program() -> Program {
    let n_rules = if cfg!(debug_assertions) { 20 } else { 100 };
    program_from(&pseudo_random_tape(0x5eed, 60_000), (n_rules, n_rules), true)
}

#[test]
fn the_generator_makes_programs_that_evaluate() {
    // The generator is not degenerate: over a few seeds, households come out ok, invalid and
    // failed, and programs use aggregates and every entity.
    let mut outcomes = [0usize; 3];
    for seed in 1..40u64 {
        let program = program_from(&pseudo_random_tape(seed, 400), (1, 12), false);
        let (batch, counties) = batch_from(&pseudo_random_tape(seed + 1000, 400), false);
        for outcome in agree(&program, &batch, &counties).outcomes {
            let index = match outcome {
                Outcome::Ok => 0,
                Outcome::Invalid { .. } => 1,
                Outcome::Error(_) => 2,
            };
            if let Some(count) = outcomes.get_mut(index) {
                *count += 1;
            }
        }
    }
    println!("ok / invalid / error households: {outcomes:?}");
    assert!(outcomes.iter().all(|count| *count > 0), "{outcomes:?}");
    // Both scale applications occur in the programs of these seeds.
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 1..40u64 {
        let program = program_from(&pseudo_random_tape(seed, 400), (1, 12), false);
        for rule in &program.rules {
            for node in rule.body.preorder() {
                if let ExprKind::Scale(kind, ..) = node.kind {
                    kinds.insert(format!("{kind:?}"));
                }
            }
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["Bracket", "Marginal"]);
}

#[test]
fn batches_of_many_households_agree() {
    // Hundreds of households with every kind of outcome mixed in: households the generated
    // code finishes and households it hands to the interpreter alternate.
    for seed in 1..4u64 {
        let program = program_from(&pseudo_random_tape(seed * 77, 400), (4, 12), false);
        let tapes: Vec<Vec<u32>> = (0..200).map(|index| pseudo_random_tape(seed * 1_000 + index, 200)).collect();
        let batches: Vec<(Batch, CountyTable)> = tapes.iter().map(|tape| batch_from(tape, false)).collect();
        let all: Vec<&Batch> = batches.iter().map(|(batch, _)| batch).collect();
        let batch = concat(&all);
        assert!(batch.is_some() && !batches.is_empty());
        let (Some(batch), Some((_, counties))) = (batch, batches.first()) else { return };
        assert!(batch.households.len > 500);
        let result = agree(&program, &batch, counties);
        assert_eq!(result.outcomes.len(), batch.households.len);
    }
}

#[test]
fn compile_time_of_a_generated_program() {
    let program = large_program();
    let (best, compiled) = best_time(|| JitEngine::compile(&program));
    let n_nodes: usize = program.rules.iter().map(|rule| count_nodes(&rule.body)).sum();
    println!(
        "compiled {} rules ({n_nodes} expression nodes) in {best:.1} ms (best of {TIMING_RUNS}, {} build)",
        program.rules.len(),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    assert!(compiled.is_ok(), "{:?}", compiled.as_ref().err());
    assert!(program.rules.len() >= 20);
    let Ok(jit) = compiled else { return };
    let (batch, counties) = batch_from(&pseudo_random_tape(7, 4_000), true);
    agree_on(&jit, &batch, &counties);
}

/// Where compile time goes, with other settings for comparison; printed, not asserted.
#[test]
fn compile_time_breakdown() {
    let program = large_program();
    let variants: [(&str, &[(&str, &str)]); 4] = [
        ("verifier off", &[("enable_verifier", "false")]),
        ("opt_level none", &[("opt_level", "none")]),
        ("single-pass regalloc", &[("regalloc_algorithm", "single_pass")]),
        ("default", &[]),
    ];
    for (name, overrides) in variants {
        let mut settings: Vec<(&str, &str)> = super::super::codegen::SETTINGS.to_vec();
        settings.extend_from_slice(overrides);
        let (best, compiled) = best_time(|| {
            let _ = cranelift_codegen::timing::take_current();
            JitEngine::compile_with(&program, None, &settings)
        });
        assert!(compiled.is_ok());
        println!("{name}: {best:.1} ms (best of {TIMING_RUNS})");
    }
    println!("{}", cranelift_codegen::timing::take_current());
}

/// How often a timing is repeated (the best run is reported): the machine is shared.
const TIMING_RUNS: usize = if cfg!(debug_assertions) { 1 } else { 10 };

/// The best wall time of [`TIMING_RUNS`] runs, in ms, and the last result.
pub(super) fn best_time<T>(mut run: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut result = run();
    for _ in 0..TIMING_RUNS {
        let started = std::time::Instant::now();
        result = run();
        best = best.min(started.elapsed().as_secs_f64() * 1e3);
    }
    (best, result)
}

/// Evaluation speed of both engines on the large program over many households; printed, not
/// asserted (meaningful only in a release build).
#[test]
fn throughput_of_a_generated_program() {
    let program = large_program();
    let compiled = JitEngine::compile(&program);
    assert!(compiled.is_ok(), "{:?}", compiled.as_ref().err());
    let Ok(jit) = compiled else { return };
    let n_copies = if cfg!(debug_assertions) { 20 } else { 2_000 };
    let (batch, counties) = batch_from(&pseudo_random_tape(11, 4_000), true);
    compare_speed("generated", &program, &jit, &repeat(&batch, n_copies), &counties);
}

/// The batch repeated `n` times.
fn repeat(batch: &Batch, n: usize) -> Batch {
    match concat(&vec![batch; n]) {
        Some(batch) => batch,
        None => batch.clone(),
    }
}

/// Batches one after the other (the texts of the first: callers pass batches sharing them), or
/// `None` for no batch.
pub(super) fn concat(batches: &[&Batch]) -> Option<Batch> {
    let first = batches.first()?;
    let mut out = Batch {
        households: Columns::with_columns(first.households.columns.len()),
        persons: Columns::with_columns(first.persons.columns.len()),
        cases: Columns::with_columns(first.cases.columns.len()),
        person_offsets: vec![0],
        case_offsets: vec![0],
        texts: first.texts.clone(),
    };
    for batch in batches {
        let entities = [
            (&mut out.households, &batch.households),
            (&mut out.persons, &batch.persons),
            (&mut out.cases, &batch.cases),
        ];
        for (target, source) in entities {
            for (column, source) in target.columns.iter_mut().zip(&source.columns) {
                column.extend_from_slice(source);
            }
            target.len += source.len;
        }
        // INVARIANT: `out` starts with the offsets `[0]` and only grows.
        let persons = out.person_offsets.last().copied()?;
        let cases = out.case_offsets.last().copied()?;
        out.person_offsets.extend(batch.person_offsets.iter().skip(1).map(|offset| offset + persons));
        out.case_offsets.extend(batch.case_offsets.iter().skip(1).map(|offset| offset + cases));
    }
    Some(out)
}

/// Times both engines on a batch (best of [`TIMING_RUNS`]), checks they agree, prints ns per
/// household.
pub(super) fn compare_speed(name: &str, program: &Program, jit: &JitEngine, batch: &Batch, counties: &CountyTable) {
    let interp = Interpreter::new(program);
    let time = |engine: &dyn Engine| best_time(|| engine.evaluate(batch, counties));
    let (interp_ms, expected) = time(&interp);
    let (jit_ms, actual) = time(jit);
    assert_eq!(actual, expected);
    let n = batch.households.len.max(1) as f64;
    let ok = actual.outcomes.iter().filter(|outcome| **outcome == Outcome::Ok).count();
    println!(
        "{name}: {} households ({ok} ok), {} persons: interp {:.0} ns/household, jit {:.0} ns/household ({:.1}×, {} build)",
        batch.households.len,
        batch.persons.len,
        interp_ms * 1e6 / n,
        jit_ms * 1e6 / n,
        interp_ms / jit_ms.max(1e-9),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
}

pub(super) fn count_nodes(expr: &Expr) -> usize {
    expr.preorder().count()
}

#[test]
fn compile_time_of_trivial_rules() {
    for n in [1usize, 10, 100] {
        let rules = (0..n)
            .map(|index| (EntityKind::Household, bin(BinOp::Add, hcol(0), k(index as Word)), RuleRole::Named))
            .collect();
        let program = program_with(rules);
        let (best, compiled) = best_time(|| JitEngine::compile(&program));
        assert!(compiled.is_ok());
        println!("{n} trivial rules: {best:.2} ms (best of {TIMING_RUNS})");
    }
}

/// The fast path is what runs: over random programs, the generated code finishes by itself
/// nearly every household the interpreter finds `Ok`, and gives up every one it does not.
/// (It may give up an `Ok` household whose extra work fails, such as an aggregate under a
/// branch not taken overflowing; with tame values that is rare.)
#[test]
fn the_generated_code_finishes_the_households_that_do_not_fail() {
    let (mut ok, mut ok_given_up) = (0, 0);
    for seed in 1..200u64 {
        let program = program_from(&pseudo_random_tape(seed * 31, 400), (4, 12), true);
        let Ok(jit) = JitEngine::compile(&program) else { continue };
        let (batch, counties) = batch_from(&pseudo_random_tape(seed * 7_919, 400), true);
        let expected = Interpreter::new(&program).evaluate(&batch, &counties);
        let mut actual = BatchResult::default();
        let given_up = jit.evaluate_counted(&batch, &counties, &mut actual);
        assert_eq!(actual, expected, "seed {seed}");
        let failed = expected.outcomes.iter().filter(|outcome| **outcome != Outcome::Ok).count();
        assert!(given_up >= failed, "seed {seed}: {given_up} given up, {failed} failing");
        ok += expected.outcomes.len() - failed;
        ok_given_up += given_up - failed;
    }
    println!("{ok} households Ok, {ok_given_up} of them given up by the generated code");
    assert!(ok > 300, "{ok}");
    assert!(ok_given_up * 100 <= ok, "{ok_given_up} of {ok}");
}

/// The table of ages, filled run by run, is the reference function day by day.
#[test]
fn the_age_table_is_the_date_function_day_by_day() {
    let as_ofs = [
        date("2019-07-01"),
        date("2020-02-29"),
        date("2021-03-01"),
        date("1900-03-01"),
        date("0001-01-01"),
        0,
        -1_000_000_001,
        1_000_000_001,
        Word::MIN,
        Word::MIN + 100,
    ];
    for as_of in as_ofs {
        let expected: Vec<u8> = (0..super::super::AGE_TABLE_DAYS)
            .map_while(|days| u8::try_from(crate::date::years_between(as_of.checked_sub(days)?, as_of)).ok())
            .collect();
        assert_eq!(super::super::age_table(as_of), expected, "as of {as_of}");
    }
}
