//! What the generated code computes, and where: the household's rules in an order of *steps*
//! that fuses every person rule and every aggregate it can into as few loops over the members as
//! the dependencies allow, and the *county-level values* computed once per county instead of
//! once per household.
//!
//! Both are free to depart from the interpreter's order because the generated code is a fast
//! path that gives up on a household at its first failure (see [`super`]): the reordering can
//! change which operation fails first, never a value.
//!
//! # Steps
//!
//! Each rule and each aggregate gets a *time*: household rules even times, loops over the
//! members odd times. A household rule comes no earlier than the household rules it reads, and
//! after every aggregate it reads; a person rule no earlier than the person rules it reads and
//! after the household rules and aggregates it reads; an aggregate no earlier than the person
//! rules it reads and after the household rules and aggregates it reads. Each gets the earliest
//! time allowed. Within one time, rules keep the order of [`Program::order`] (a topological
//! order). Case rules, which nothing but case rules reads, come last in one loop over the cases.
//!
//! For the Shaanxi policy this makes three loops where the interpreter makes 42 (one per person
//! or case rule, one per aggregate): the household rules that read no member, one loop computing
//! 16 person rules and 16 aggregates, the household rules deciding the dibao status, one loop
//! for the 2 person rules that depend on it and 4 sums, the totals, then one loop over the cases
//! for the 4 case rules (`jit::tests::shaanxi` checks the shape).
//!
//! # County-level values
//!
//! An expression that reads no record (only constants, parameters, jurisdiction attributes,
//! the as-of date and rules made of those) has one value per county. The largest such
//! subexpressions that do more than read one word (`dibao_standard as 元/月`,
//! `monthly_standard * tekun_basic_ratio`) are evaluated per county by the interpreter itself
//! ([`crate::interp::evaluate_detached`]), and generated code loads them.

use std::collections::{HashMap, HashSet};

use pol_grammar::ast::EntityKind;

use super::error::JitError;
use crate::text::{TextHandle, TextOrigin};
use crate::tir::{BinOp, Expr, ExprKind, Program, Rule, RuleId};

/// The identity of an expression node of the program being compiled: its address. Valid while
/// the program is borrowed, which is the whole of a compilation.
pub(super) type NodeKey = usize;

/// The key of a node.
pub(super) fn node_key(expr: &Expr) -> NodeKey {
    std::ptr::from_ref(expr) as usize
}

/// One step of a household's evaluation.
#[derive(Debug)]
pub(super) enum Step<'p> {
    /// A household rule.
    Household(RuleId, &'p Rule),
    /// One loop over the household's persons (or cases): these rules for each member in order,
    /// then one accumulation of each aggregate.
    Members {
        /// Person or case.
        entity: EntityKind,
        /// The rules, in the program's order.
        rules: Vec<(RuleId, &'p Rule)>,
        /// The aggregates (over persons) accumulated in the loop.
        aggregates: Vec<&'p Expr>,
    },
}

/// A county-level expression, evaluated per county before any household.
#[derive(Debug, Clone)]
pub(super) struct CountyItem {
    /// The expression.
    pub expr: Expr,
    /// The entity whose scope it is written in.
    pub entity: EntityKind,
    /// The rule whose whole body it is, if any.
    pub rule: Option<RuleId>,
    /// Its word in a county's row of values, if generated code loads it (the row's word 0 says
    /// whether every item of the county was evaluated without failure).
    pub slot: Option<usize>,
}

/// The plan of a program.
#[derive(Debug)]
pub(super) struct Plan<'p> {
    /// The steps, in evaluation order.
    pub steps: Vec<Step<'p>>,
    /// The county-level expressions, in an order where every rule comes before its readers.
    pub county_items: Vec<CountyItem>,
    /// The slot of each county-level node generated code loads.
    pub county_slots: HashMap<NodeKey, usize>,
    /// Whether some rule computes an age on the as-of date (then a per-date table of ages
    /// replaces most calls of the date helper).
    pub ages_on_as_of: bool,
    /// The rules whose values generated code stores in their result columns: the rules asked
    /// for, and the person and case rules a later step reads back.
    pub stored: HashSet<RuleId>,
}

impl<'p> Plan<'p> {
    /// The plan of a program whose order reads every rule after computing it, storing the
    /// values of the rules in `keep` (of every rule when `None`).
    pub(super) fn new(program: &'p Program, keep: Option<&HashSet<RuleId>>) -> Result<Plan<'p>, JitError> {
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        // Like the interpreter, an unknown rule in the order is skipped; a rule listed twice
        // computes the same value twice, so once is enough.
        for id in &program.order {
            if let Some(rule) = program.rule(*id)
                && seen.insert(*id)
            {
                order.push((*id, rule));
            }
        }
        let mut timer =
            Timer { program, rule_times: HashMap::new(), aggregates: Vec::new(), aggregate_times: HashMap::new() };
        let mut timed = Vec::new();
        let mut cases = Vec::new();
        for (id, rule) in &order {
            let time = match rule.entity {
                EntityKind::Household => round_up(timer.bound(&rule.body, EntityKind::Household)?, 0),
                EntityKind::Person => round_up(timer.bound(&rule.body, EntityKind::Person)?, 1),
                EntityKind::Case => {
                    timer.bound(&rule.body, EntityKind::Case)?;
                    cases.push((*id, *rule));
                    CASE_TIME
                }
            };
            timer.rule_times.insert(*id, time);
            if rule.entity != EntityKind::Case {
                timed.push((time, *id, *rule));
            }
        }
        let mut steps = Vec::new();
        let last = timed.iter().map(|(time, ..)| *time).chain(timer.aggregates.iter().map(|(time, _)| *time));
        // No timed rule or aggregate: the single time 0 has no step.
        let last = last.max().unwrap_or(0);
        for time in 0..=last {
            if time % 2 == 0 {
                steps.extend(
                    timed.iter().filter(|(at, ..)| *at == time).map(|(_, id, rule)| Step::Household(*id, rule)),
                );
                continue;
            }
            let rules: Vec<_> = timed.iter().filter(|(at, ..)| *at == time).map(|(_, id, rule)| (*id, *rule)).collect();
            let aggregates: Vec<_> =
                timer.aggregates.iter().filter(|(at, _)| *at == time).map(|(_, expr)| *expr).collect();
            if !rules.is_empty() || !aggregates.is_empty() {
                steps.push(Step::Members { entity: EntityKind::Person, rules, aggregates });
            }
        }
        if !cases.is_empty() {
            steps.push(Step::Members { entity: EntityKind::Case, rules: cases, aggregates: Vec::new() });
        }
        let (county_items, county_slots) = county_level(&order);
        let ages_on_as_of = order.iter().any(|(_, rule)| ages_on_as_of(&rule.body));
        let mut stored: HashSet<RuleId> = match keep {
            Some(keep) => order.iter().map(|(id, _)| *id).filter(|id| keep.contains(id)).collect(),
            None => order.iter().map(|(id, _)| *id).collect(),
        };
        for (id, rule) in &order {
            let time = timer.rule_times.get(id).copied().unwrap_or(CASE_TIME);
            timer.read_back(&rule.body, time, &mut stored);
        }
        Ok(Plan { steps, county_items, county_slots, ages_on_as_of, stored })
    }

    /// How many words a county's row of values has: the failure flag, then one per slot.
    pub(super) fn county_width(&self) -> usize {
        1 + self.county_slots.len()
    }
}

/// The time of every case rule: after everything else.
const CASE_TIME: u32 = u32::MAX;

/// The smallest time at least `bound` with the parity of `parity` (0: household, 1: members).
fn round_up(bound: u32, parity: u32) -> u32 {
    if bound % 2 == parity { bound } else { bound + 1 }
}

/// Assigns times (see the module documentation).
struct Timer<'p> {
    program: &'p Program,
    rule_times: HashMap<RuleId, u32>,
    /// Every aggregate with its time, inner ones first.
    aggregates: Vec<(u32, &'p Expr)>,
    aggregate_times: HashMap<NodeKey, u32>,
}

impl<'p> Timer<'p> {
    /// The earliest time an expression read in the scope of `reader` can be evaluated at;
    /// registers the aggregates in it.
    fn bound(&mut self, expr: &'p Expr, reader: EntityKind) -> Result<u32, JitError> {
        let own = match &expr.kind {
            ExprKind::Rule(id) => {
                let rule = self
                    .program
                    .rule(*id)
                    .ok_or_else(|| JitError::untranslatable(format!("rule {}", id.0), expr.span))?;
                let Some(&time) = self.rule_times.get(id) else {
                    return Err(JitError::untranslatable(
                        format!("rule `{}` read before it is computed", rule.name),
                        expr.span,
                    ));
                };
                match (rule.entity, reader) {
                    (read, reader) if read == reader => time,
                    (EntityKind::Household, EntityKind::Person) => time + 1,
                    (EntityKind::Household, EntityKind::Case) => 0,
                    _ => {
                        let what = format!("a {} rule read for a {}", rule.entity.keyword(), reader.keyword());
                        return Err(JitError::untranslatable(what, expr.span));
                    }
                }
            }
            ExprKind::Aggregate { filter, value, .. } => {
                let mut inner = 0;
                for part in filter.iter().chain(value.iter()) {
                    inner = inner.max(self.bound(part, EntityKind::Person)?);
                }
                let time = round_up(inner, 1);
                self.aggregates.push((time, expr));
                self.aggregate_times.insert(node_key(expr), time);
                return Ok(if reader == EntityKind::Case { 0 } else { time + 1 });
            }
            ExprKind::Const(_)
            | ExprKind::Column(..)
            | ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::If(..)
            | ExprKind::Match(..)
            | ExprKind::Mask(_)
            | ExprKind::Scale(..)
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => 0,
            ExprKind::Periodic(read, _) => {
                let what = format!("`{}` before `Program::on` unrolls it", read.name());
                return Err(JitError::untranslatable(what, expr.span));
            }
            ExprKind::OtherScale(..) => {
                return Err(JitError::untranslatable("another jurisdiction's or year's scale", expr.span));
            }
        };
        let mut bound = own;
        for child in expr.children() {
            bound = bound.max(self.bound(child, reader)?);
        }
        Ok(bound)
    }
}

impl Timer<'_> {
    /// Adds to `stored` the member rules an expression evaluated at `time` reads from an
    /// earlier step (from their result column).
    fn read_back(&self, expr: &Expr, time: u32, stored: &mut HashSet<RuleId>) {
        let time = match &expr.kind {
            ExprKind::Rule(id) => {
                let entity = self.program.rule(*id).map(|rule| rule.entity);
                if entity != Some(EntityKind::Household) && self.rule_times.get(id) != Some(&time) {
                    stored.insert(*id);
                }
                time
            }
            ExprKind::Aggregate { .. } => self.aggregate_times.get(&node_key(expr)).copied().unwrap_or(time),
            ExprKind::Const(_)
            | ExprKind::Column(..)
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
            | ExprKind::Province(_) => time,
        };
        for child in expr.children() {
            self.read_back(child, time, stored);
        }
    }
}

/// Whether an expression computes an age on the as-of date somewhere.
fn ages_on_as_of(expr: &Expr) -> bool {
    expr.preorder()
        .any(|node| matches!(&node.kind, ExprKind::Binary(BinOp::YearsBetween, _, to) if to.kind == ExprKind::AsOf))
}

/// The county-level expressions and the slots of those generated code loads.
fn county_level(order: &[(RuleId, &Rule)]) -> (Vec<CountyItem>, HashMap<NodeKey, usize>) {
    let mut level = CountyLevel { rules: HashSet::new(), items: Vec::new(), slots: HashMap::new() };
    for (id, rule) in order {
        if level.is_county_level(&rule.body) {
            level.rules.insert(*id);
            let slot = (!is_leaf(&rule.body)).then(|| level.slot(&rule.body));
            level.items.push(CountyItem { expr: rule.body.clone(), entity: rule.entity, rule: Some(*id), slot });
        } else {
            level.collect(&rule.body, rule.entity);
        }
    }
    (level.items, level.slots)
}

/// Finds county-level expressions (see [`county_level`]).
struct CountyLevel {
    /// Rules whose body is county-level.
    rules: HashSet<RuleId>,
    items: Vec<CountyItem>,
    slots: HashMap<NodeKey, usize>,
}

impl CountyLevel {
    /// Whether an expression reads no record.
    fn is_county_level(&self, expr: &Expr) -> bool {
        match &expr.kind {
            ExprKind::Column(..) | ExprKind::Aggregate { .. } => false,
            // A word that could be read as a handle to a batch's text: its text comparisons
            // depend on the batch (only hand-built programs have such constants).
            ExprKind::Const(word) => TextHandle::from_word(*word).origin != TextOrigin::Batch,
            ExprKind::Rule(id) => self.rules.contains(id),
            ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::If(..)
            | ExprKind::Match(..)
            | ExprKind::Mask(_)
            | ExprKind::Scale(..)
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => expr.children().into_iter().all(|child| self.is_county_level(child)),
            ExprKind::Periodic(..) | ExprKind::OtherScale(..) => false,
        }
    }

    /// A new slot for a node.
    fn slot(&mut self, expr: &Expr) -> usize {
        let slot = self.slots.len();
        self.slots.insert(node_key(expr), slot);
        slot
    }

    /// Registers the largest county-level subexpressions of an expression that are not leaves.
    fn collect(&mut self, expr: &Expr, scope: EntityKind) {
        if self.is_county_level(expr) {
            if !is_leaf(expr) {
                let slot = self.slot(expr);
                self.items.push(CountyItem { expr: expr.clone(), entity: scope, rule: None, slot: Some(slot) });
            }
            return;
        }
        let inner = if let ExprKind::Aggregate { .. } = expr.kind { EntityKind::Person } else { scope };
        for child in expr.children() {
            self.collect(child, inner);
        }
    }
}

/// Whether an expression is a single read (a constant, a parameter, an attribute, the as-of date,
/// a rule): as cheap to read where it is as from a county's row of values.
fn is_leaf(expr: &Expr) -> bool {
    expr.children().is_empty() && !matches!(expr.kind, ExprKind::Aggregate { .. })
}
