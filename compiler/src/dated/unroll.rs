//! Periods unrolled into instances (docs/language.md#periods): the program in force on a day,
//! for a policy with periods, as a flat program the engines evaluate like any other.
//!
//! A run on day D computes the month of D for monthly rules and the year of D for yearly ones.
//! Each rule `x` at a period P is an *instance*: its own [`Rule`], whose body is the version of
//! `x` in force on P's date with parameters and scales resolved on that date. The instance of
//! D's month (of a monthly rule) and of D's year (of a yearly rule) keep the rule's id and name,
//! so outputs, tests and reports read them as before; the other instances are added after the
//! rules, named `x@2017-01` or `x@2017`, only when something needed reads them. A monthly column
//! likewise gets one input column per month read (`salary@2017-01`, the column `salary` itself
//! holding D's month). The dates: D's month is evaluated on D itself, any other month on its
//! first day, a year on its 1 January. A parameter read on another day than D becomes a
//! parameter instance ([`ParamDef::on`]), which the county table resolves on that day; a scale
//! read on another day, a scale holding that day's brackets; `as_of` on another day, that day.
//!
//! The reads across periods become reads of instances: `this_year(x)` the instance of the
//! month's year, `first_month(x)` January's, `sum_months(x)` the exact sum of the twelve months'
//! instances, `average_months(x)` that sum divided by 12 (rounded half away from zero, to the fen
//! for money, to the ratio's scale for a ratio; an `int`'s average is a ratio), and the
//! `last_12_months` forms the same over the twelve months ending with the month. A policy with
//! no yearly rule, no monthly column and no read across periods is left exactly as it is.

use super::{Use, WhyKey, param_in_force, rule_in_force};
use crate::date;
use crate::diagnostic::Diagnostic;
use crate::tir::{
    BinOp, Column, ColumnId, EntitySchema, Expr, ExprKind, ParamDef, ParamId, Per, PeriodRead, Program, Rule, RuleId,
    ScaleDef, ScaleId, ScaleVersion, Ty, Word,
};
use pol_grammar::Span;
use pol_grammar::ast::{EntityKind, Period};
use std::collections::HashMap;

/// The first day of the month of `day`.
pub fn month_start(day: Word) -> Word {
    let (year, month, _) = date::to_ymd(day);
    date::from_ymd(year, month, 1).unwrap_or(day)
}

/// The 1 January of the year of `day`.
pub fn year_start(day: Word) -> Word {
    let (year, _, _) = date::to_ymd(day);
    date::from_ymd(year, 1, 1).unwrap_or(day)
}

/// The first day of the month `offset` months after the month starting on `start`.
pub fn add_months(start: Word, offset: i64) -> Word {
    let (year, month, _) = date::to_ymd(start);
    let index = year * 12 + i64::from(month) - 1 + offset;
    let month = u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1;
    date::from_ymd(index.div_euclid(12), month, 1).unwrap_or(start)
}

/// `2017-01` for a month, `2017` for a year.
pub fn period_label(per: Per, start: Word) -> String {
    let (year, month, _) = date::to_ymd(start);
    match per {
        Per::Month => format!("{year:04}-{month:02}"),
        Per::Year => format!("{year:04}"),
    }
}

/// A read across periods that must be reported (the reads of things not in force).
pub(super) struct Found {
    /// The read.
    pub uses: Vec<(Use, Word)>,
}

/// The state of unrolling one program on one day.
struct Unroll<'p> {
    program: &'p Program,
    /// The run's day.
    day: Word,
    main_month: Word,
    main_year: Word,
    rules: Vec<Rule>,
    /// Instances by (rule, period start).
    instances: HashMap<(RuleId, Word), RuleId>,
    /// Instances to build: the rule, its period start, its id.
    queue: Vec<(RuleId, Word, RuleId)>,
    /// The instances added for each rule, in creation order.
    added: Vec<Vec<RuleId>>,
    slots: [u32; 3],
    schemas: [EntitySchema; 3],
    columns: HashMap<(EntityKind, ColumnId, Word), ColumnId>,
    params: Vec<ParamDef>,
    param_instances: HashMap<(ParamId, Word), ParamId>,
    scales: Vec<ScaleDef>,
    scale_instances: HashMap<(ScaleId, Word), ScaleId>,
    uses: Vec<(Use, Word)>,
    /// For each rule at its main period: not built (yet), because no root needs it so far.
    unbuilt: Vec<bool>,
}

fn entity_index(entity: EntityKind) -> usize {
    match entity {
        EntityKind::Household => 0,
        EntityKind::Person => 1,
        EntityKind::Case => 2,
    }
}

/// The flat program of `program` (already given its scales in force on `day` for the reads on
/// `day`) on `day`, and the reads of things not in force that instances make.
pub(super) fn unroll(program: &Program, day: Word) -> Result<(Program, Found), Vec<Diagnostic>> {
    unroll_from(program, day, None)
}

/// [`unroll`] of what `roots` need (`Program::on_reading`: the rules a test expects or gives),
/// or of every rule (`None`). A rule at its main period that nothing built reads is not built:
/// its body is the zero word of its type (a text rule is always built, having no zero word
/// here), so what it would read is neither read nor reported.
pub(super) fn unroll_from(
    program: &Program,
    day: Word,
    roots: Option<&[RuleId]>,
) -> Result<(Program, Found), Vec<Diagnostic>> {
    let mut state = Unroll {
        program,
        day,
        main_month: month_start(day),
        main_year: year_start(day),
        rules: program.rules.clone(),
        instances: HashMap::new(),
        queue: Vec::new(),
        added: vec![Vec::new(); program.rules.len()],
        slots: [
            program.n_rules(EntityKind::Household) as u32,
            program.n_rules(EntityKind::Person) as u32,
            program.n_rules(EntityKind::Case) as u32,
        ],
        schemas: [program.household.clone(), program.person.clone(), program.case.clone()],
        columns: HashMap::new(),
        params: program.params.clone(),
        param_instances: HashMap::new(),
        scales: program.scales.clone(),
        scale_instances: HashMap::new(),
        uses: Vec::new(),
        unbuilt: vec![false; program.rules.len()],
    };
    for schema in &mut state.schemas {
        for column in schema.columns.iter_mut().filter(|column| column.periodic) {
            column.month = Some(state.main_month);
        }
    }
    // Every rule at its main period keeps its id; with roots, only they (and text rules) are
    // built from the start, the others when something built reads them.
    for (index, rule) in program.rules.iter().enumerate() {
        let id = RuleId(index as u32);
        let start = state.main_start(rule.period);
        state.instances.insert((id, start), id);
        let seeded = roots.is_none_or(|roots| roots.contains(&id)) || rule.ty == Ty::Text;
        if seeded {
            state.queue.push((id, start, id));
        } else if let Some(flag) = state.unbuilt.get_mut(index) {
            *flag = true;
        }
    }
    while let Some((rule, start, id)) = state.queue.pop() {
        state.build(rule, start, id);
    }
    for (rule, unbuilt) in state.rules.iter_mut().zip(&state.unbuilt) {
        if *unbuilt {
            rule.body = Expr { kind: ExprKind::Const(0), ty: rule.ty, span: rule.span };
            rule.versions.clear();
        }
    }
    let mut order = Vec::with_capacity(state.rules.len());
    for id in &program.order {
        order.push(*id);
        if let Some(added) = state.added.get(id.0 as usize) {
            order.extend(added.iter().copied());
        }
    }
    let [household, person, case] = state.schemas;
    let parts = Program {
        household,
        person,
        case,
        params: state.params,
        scales: state
            .scales
            .into_iter()
            .enumerate()
            .map(|(index, scale)| {
                if index >= program.scales.len() {
                    return scale;
                }
                // In force wherever something on the run's day reads it (checked); one version.
                let brackets = scale.version_on(day).and_then(|version| version.brackets.clone());
                let span = scale.span;
                ScaleDef { versions: vec![ScaleVersion { from: None, brackets, span }], ..scale }
            })
            .collect(),
        rules: state.rules,
        order,
        ..program.clone()
    };
    let flat = Program::new(parts).map_err(|error| {
        let message = format!("unrolling periods: {}", error.0);
        vec![crate::diagnostic::Diagnostic::new(None, crate::check::error::TypeError::Internal { message, span: None })]
    })?;
    Ok((flat, Found { uses: state.uses }))
}

impl Unroll<'_> {
    /// The start of the period a rule of `per` is computed for in the run.
    fn main_start(&self, per: Per) -> Word {
        match per {
            Per::Month => self.main_month,
            Per::Year => self.main_year,
        }
    }

    /// The day an instance of a period is evaluated on.
    fn date_of(&self, per: Per, start: Word) -> Word {
        match per {
            Per::Month if start == self.main_month => self.day,
            Per::Month | Per::Year => start,
        }
    }

    /// Builds the body of instance `id` of `rule` for the period starting on `start`.
    fn build(&mut self, rule: RuleId, start: Word, id: RuleId) {
        let Some(def) = self.program.rule(rule) else { return };
        let day = self.date_of(def.period, start);
        // Reads are reported under the rule's name, each once with every day it happens on.
        let reader = def.name.clone();
        let source = match rule_in_force(def, day) {
            Ok(body) => body,
            // Not in force on that day: the zero of its type, which nothing in force reads (each
            // read of it is reported).
            Err(_) => &def.body,
        };
        let body = self.expr(source, def.period, start, day, &reader);
        if let Some(target) = self.rules.get_mut(id.0 as usize) {
            target.body = body;
            target.versions.clear();
        }
    }

    /// The instance of `rule` for the period starting on `start`, added when new; a read of it
    /// by `reader` at `span` is reported when it is not in force on its day.
    fn instance(&mut self, rule: RuleId, start: Word, span: Span, reader: &str) -> RuleId {
        let Some(def) = self.program.rule(rule) else { return rule };
        let day = self.date_of(def.period, start);
        if let Err(why) = rule_in_force(def, day) {
            let found = Use { span, name: def.name.clone(), reader: reader.to_string(), why: WhyKey::from(why) };
            self.uses.push((found, day));
        }
        if let Some(id) = self.instances.get(&(rule, start)) {
            let id = *id;
            // A main-period rule not built yet (`unroll_from` with roots): built now.
            if let Some(flag) = self.unbuilt.get_mut(id.0 as usize)
                && *flag
            {
                *flag = false;
                self.queue.push((rule, start, id));
            }
            return id;
        }
        let index = entity_index(def.entity);
        let slot = self.slots.get(index).copied().unwrap_or(0);
        if let Some(next) = self.slots.get_mut(index) {
            *next += 1;
        }
        let id = RuleId(self.rules.len() as u32);
        let mut instance = def.clone();
        instance.name = format!("{}@{}", def.name, period_label(def.period, start));
        instance.slot = slot;
        instance.versions.clear();
        self.rules.push(instance);
        self.instances.insert((rule, start), id);
        if let Some(added) = self.added.get_mut(rule.0 as usize) {
            added.push(id);
        }
        self.queue.push((rule, start, id));
        id
    }

    /// The input column of a monthly column for the month starting on `month`.
    fn column(&mut self, entity: EntityKind, column: ColumnId, month: Word) -> ColumnId {
        let index = entity_index(entity);
        let Some(schema) = self.schemas.get_mut(index) else { return column };
        let Some(base) = schema.columns.get(column.0 as usize) else { return column };
        if !base.periodic || month == self.main_month {
            return column;
        }
        if let Some(id) = self.columns.get(&(entity, column, month)) {
            return *id;
        }
        let instance = Column {
            name: format!("{}@{}", base.name, period_label(Per::Month, month)),
            month: Some(month),
            ..base.clone()
        };
        let id = ColumnId(schema.columns.len() as u32);
        schema.columns.push(instance);
        self.columns.insert((entity, column, month), id);
        id
    }

    /// The parameter read on `day`: itself on the run's day, else an instance resolved on `day`.
    fn param(&mut self, param: ParamId, day: Word, span: Span, reader: &str) -> ParamId {
        let Some(def) = self.program.params.get(param.0 as usize) else { return param };
        if let Err(why) = param_in_force(def, Some(day)) {
            let found = Use { span, name: def.name.clone(), reader: reader.to_string(), why: WhyKey::from(why) };
            self.uses.push((found, day));
        }
        if day == self.day {
            return param;
        }
        if let Some(id) = self.param_instances.get(&(param, day)) {
            return *id;
        }
        let id = ParamId(self.params.len() as u32);
        let mut instance = def.clone();
        instance.name = format!("{}@{}", def.name, date::format_iso(day));
        instance.on = Some((param, day));
        self.params.push(instance);
        self.param_instances.insert((param, day), id);
        id
    }

    /// The scale read on `day`: itself on the run's day, else one holding that day's brackets.
    fn scale(&mut self, scale: ScaleId, day: Word, span: Span, reader: &str) -> ScaleId {
        let Some(def) = self.program.scales.get(scale.0 as usize) else { return scale };
        let version = def.version_on(day);
        let why = match version {
            Some(version) if version.brackets.is_some() => None,
            Some(version) => Some(WhyKey::Ended(version.span)),
            None => Some(WhyKey::NotYet(def.versions.first().map_or(def.span, |version| version.span))),
        };
        if let Some(why) = why {
            self.uses.push((Use { span, name: def.name.clone(), reader: reader.to_string(), why }, day));
        }
        if day == self.day {
            return scale;
        }
        if let Some(id) = self.scale_instances.get(&(scale, day)) {
            return *id;
        }
        let id = ScaleId(self.scales.len() as u32);
        let brackets = version.and_then(|version| version.brackets.clone());
        let instance = ScaleDef {
            name: format!("{}@{}", def.name, date::format_iso(day)),
            versions: vec![ScaleVersion { from: None, brackets, span: def.span }],
            ..def.clone()
        };
        self.scales.push(instance);
        self.scale_instances.insert((scale, day), id);
        id
    }

    /// A read of rule or column `read` (a [`ExprKind::Rule`] or [`ExprKind::Column`] node) at
    /// the period of `per` starting on `start`.
    fn read_at(&mut self, read: &Expr, per: Per, start: Word, reader: &str) -> Expr {
        let kind = match &read.kind {
            ExprKind::Rule(rule) => ExprKind::Rule(self.instance(*rule, start, read.span, reader)),
            ExprKind::Column(entity, column) => match per {
                Per::Month => ExprKind::Column(*entity, self.column(*entity, *column, start)),
                // The checker lets a yearly rule read only constant columns directly.
                Per::Year => ExprKind::Column(*entity, *column),
            },
            other => other.clone(),
        };
        Expr { kind, ty: read.ty, span: read.span }
    }

    /// `expr` of an instance of period `per` starting on `start`, evaluated on `day`.
    fn expr(&mut self, expr: &Expr, per: Per, start: Word, day: Word, reader: &str) -> Expr {
        let span = expr.span;
        let kind = match &expr.kind {
            ExprKind::Rule(rule) => {
                let read_per = self.program.rule(*rule).map_or(per, |read| read.period);
                // A rule of another period read directly (an output's hidden rule): the run's
                // instance of it.
                let read_start = if read_per == per { start } else { self.main_start(read_per) };
                ExprKind::Rule(self.instance(*rule, read_start, span, reader))
            }
            ExprKind::Column(entity, column) => {
                let month = match per {
                    Per::Month => start,
                    Per::Year => self.main_month,
                };
                ExprKind::Column(*entity, self.column(*entity, *column, month))
            }
            ExprKind::Param(param) => ExprKind::Param(self.param(*param, day, span, reader)),
            ExprKind::AsOf if day != self.day => ExprKind::Const(day),
            ExprKind::Scale(kind, scale, operand) => {
                let scale = self.scale(*scale, day, span, reader);
                ExprKind::Scale(*kind, scale, Box::new(self.expr(operand, per, start, day, reader)))
            }
            ExprKind::Periodic(read, operand) => return self.periodic(*read, operand, expr.ty, start, reader, span),
            ExprKind::Const(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::LastYear(_)
            | ExprKind::Province(_)
            | ExprKind::OtherScale(..) => expr.kind.clone(),
            ExprKind::Unary(op, operand) => ExprKind::Unary(*op, Box::new(self.expr(operand, per, start, day, reader))),
            ExprKind::Binary(op, left, right) => ExprKind::Binary(
                *op,
                Box::new(self.expr(left, per, start, day, reader)),
                Box::new(self.expr(right, per, start, day, reader)),
            ),
            ExprKind::If(cond, then, otherwise) => ExprKind::If(
                Box::new(self.expr(cond, per, start, day, reader)),
                Box::new(self.expr(then, per, start, day, reader)),
                Box::new(self.expr(otherwise, per, start, day, reader)),
            ),
            ExprKind::Match(scrutinee, arms) => ExprKind::Match(
                Box::new(self.expr(scrutinee, per, start, day, reader)),
                arms.iter().map(|(pattern, arm)| (*pattern, self.expr(arm, per, start, day, reader))).collect(),
            ),
            ExprKind::Aggregate { kind, filter, value } => ExprKind::Aggregate {
                kind: *kind,
                filter: filter.as_ref().map(|filter| Box::new(self.expr(filter, per, start, day, reader))),
                value: value.as_ref().map(|value| Box::new(self.expr(value, per, start, day, reader))),
            },
            ExprKind::Mask(text) => ExprKind::Mask(Box::new(self.expr(text, per, start, day, reader))),
        };
        Expr { kind, ty: expr.ty, span }
    }

    /// A read across periods from the instance of the period starting on `start`.
    fn periodic(&mut self, read: PeriodRead, operand: &Expr, ty: Ty, start: Word, reader: &str, span: Span) -> Expr {
        let months = |first: Word| -> Vec<Word> { (0..12).map(|offset| add_months(first, offset)).collect() };
        match read {
            PeriodRead::ThisYear => self.read_at(operand, Per::Year, year_start(start), reader),
            PeriodRead::FirstMonth => self.read_at(operand, Per::Month, year_start(start), reader),
            PeriodRead::SumMonths => self.sum(operand, &months(year_start(start)), ty, reader, span),
            PeriodRead::SumLast12Months => self.sum(operand, &months(add_months(start, -11)), ty, reader, span),
            PeriodRead::AverageMonths => {
                let sum_ty = sum_type(operand.ty);
                let sum = self.sum(operand, &months(year_start(start)), sum_ty, reader, span);
                average(sum, ty, span)
            }
            PeriodRead::AverageLast12Months => {
                let sum_ty = sum_type(operand.ty);
                let sum = self.sum(operand, &months(add_months(start, -11)), sum_ty, reader, span);
                average(sum, ty, span)
            }
        }
    }

    /// The exact sum of the reads of `operand` in `months`, as a balanced tree of additions.
    fn sum(&mut self, operand: &Expr, months: &[Word], ty: Ty, reader: &str, span: Span) -> Expr {
        let mut terms: Vec<Expr> =
            months.iter().map(|month| self.read_at(operand, Per::Month, *month, reader)).collect();
        while terms.len() > 1 {
            let mut next = Vec::with_capacity(terms.len().div_ceil(2));
            let mut pending = terms.into_iter();
            while let Some(left) = pending.next() {
                match pending.next() {
                    Some(right) => next.push(Expr {
                        kind: ExprKind::Binary(BinOp::Add, Box::new(left), Box::new(right)),
                        ty,
                        span,
                    }),
                    None => next.push(left),
                }
            }
            terms = next;
        }
        terms.pop().unwrap_or(Expr { kind: ExprKind::Const(0), ty, span })
    }
}

/// The type of a sum of twelve months of values of `ty` (`元/月` adds up to `元/年`).
fn sum_type(ty: Ty) -> Ty {
    match ty {
        Ty::Money(Period::Month) => Ty::Money(Period::Year),
        other => other,
    }
}

/// A sum of twelve months divided by 12: money and ratios rounded half away from zero (to the
/// fen, to the ratio's scale), an `int` sum as a ratio.
fn average(sum: Expr, ty: Ty, span: Span) -> Expr {
    let twelve = Box::new(Expr { kind: ExprKind::Const(12), ty: Ty::Int, span });
    let op = if sum.ty == Ty::Int { BinOp::DivScaled } else { BinOp::DivRound };
    Expr { kind: ExprKind::Binary(op, Box::new(sum), twelve), ty, span }
}

/// Whether the program has periods to unroll: a yearly rule, a monthly column or a read across
/// periods.
pub fn has_periods(program: &Program) -> bool {
    let yearly = program.rules.iter().any(|rule| rule.period == Per::Year);
    let monthly_column = [&program.household, &program.person, &program.case]
        .iter()
        .any(|schema| schema.columns.iter().any(|column| column.periodic));
    let reads = program.rules.iter().any(|rule| {
        rule.definitions().any(|body| body.preorder().any(|node| matches!(node.kind, ExprKind::Periodic(..))))
    });
    yearly || monthly_column || reads
}
