//! The report (`report.md`, `report.json`) over one household output table, per county, per
//! city and for the province.
//!
//! Workers add each accepted row of the report's table to per-county accumulators
//! ([`ReportAcc`]); the writer merges them (integer sums: the order does not matter, so the report
//! is the same for any thread count); [`render`] turns the totals into the two files.
//!
//! For each group (a county, a city = the counties with that `city` code in `jurisdictions.csv`,
//! cities in order of first appearance, or the province = every county):
//! - `households`: rows of the table; `persons`: the sum of a `members` column when the report
//!   sums one;
//! - `counts`: rows per value of each `count` column (enum variants in declaration order, all of
//!   them; `false` then `true`; other values sorted);
//! - `sums`: each `sum` column's total, exact; money per month also as an annual total (× 12,
//!   [`arith::monthly_to_annual`]);
//! - `rates`: Σ numerator ÷ Σ denominator over the group's counties that pass the rate's `where`
//!   (a county is shown only if it passes), rounded to 9 decimals ([`arith::ratio_of_sums`]),
//!   shown as a percentage, flagged when below the threshold, never flagged (and shown as `—`)
//!   when the denominator is 0;
//! - `budgets` (province only: a budget is a province-wide figure): each budget line beside the
//!   computed annual total of its column.
//!
//! `report.json` holds the same numbers: counts and `households`/`persons` as JSON integers,
//! money and ratios as exact decimal strings.
//!
//! This module evaluates no IR: the household values are the engine's result columns, a rate's
//! `where` is evaluated per county by the interpreter ([`interp::eval_county_expr`]), and every
//! rounding is [`arith`]'s. `docs/language.md` ("What a report computes") is the specification;
//! `tests/report.rs` checks it against the independent oracle.

use crate::error::RuntimeError;
use crate::format;
use crate::html_report::{
    BudgetLine, Figure, FigureColumn, FigureUnit, GroupFigures, LevelFigures, LevelKind, RateFigures, RateRow,
    RunReport,
};
use pol_compiler::arith;
use pol_compiler::date;
use pol_compiler::engine::{CountyTable, EvalErrorKind};
use pol_compiler::interp::{self, CountyExprError};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Expr, Program, RATIO_SCALE, Ty, Word};
use pol_grammar::ast::{Period, ReportLevel};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A counted column.
#[derive(Debug, Clone)]
struct CountPlan {
    name: String,
    /// The column's rule's doc comment (its label in Chinese reports).
    doc: Option<String>,
    slot: usize,
    ty: Ty,
    /// Number of values when they are small indices (enums, booleans).
    dense: Option<usize>,
}

/// A summed column (a `sum` column, or a column a rate or budget needs).
#[derive(Debug, Clone)]
struct SumPlan {
    name: String,
    /// The column's rule's doc comment (its label in Chinese reports).
    doc: Option<String>,
    slot: usize,
    ty: Ty,
    /// Whether the report lists it under `sums`.
    shown: bool,
}

/// A rate indicator.
#[derive(Debug, Clone)]
struct RatePlan {
    name: String,
    numerator: usize,
    denominator: usize,
    filter: Option<Expr>,
    below: Option<Word>,
}

/// The report of a program, resolved against its output table.
#[derive(Debug, Clone)]
pub(crate) struct ReportPlan {
    /// Index of the table in `Program::outputs`.
    pub table: usize,
    /// Slot of the table's filter rule.
    pub filter: Option<usize>,
    levels: Vec<ReportLevel>,
    table_name: String,
    counts: Vec<CountPlan>,
    sums: Vec<SumPlan>,
    budgets: Vec<(usize, String, Word)>,
    rates: Vec<RatePlan>,
    members: Option<usize>,
}

impl ReportPlan {
    /// Sum `index` of the plan.
    fn sum(&self, index: usize) -> Result<&SumPlan, RuntimeError> {
        self.sums.get(index).ok_or_else(|| RuntimeError::internal("the report names a sum it does not plan"))
    }

    /// The plan of `program`'s report, if it declares one.
    pub(crate) fn of_program(program: &Program) -> Result<Option<ReportPlan>, RuntimeError> {
        let Some(report) = &program.report else { return Ok(None) };
        let output = program
            .outputs
            .get(report.table)
            .ok_or_else(|| RuntimeError::internal("the report names no output table"))?;
        // Column `i` is the table's column `i`, or `extra_columns[i - n]` past the table's `n`.
        let column = |index: usize| -> Result<(String, usize, Ty, Option<String>), RuntimeError> {
            let (name, rule) = match output.columns.get(index) {
                Some(column) => column,
                None => report
                    .extra_columns
                    .get(index - output.columns.len())
                    .ok_or_else(|| RuntimeError::internal("the report names a column its table lacks"))?,
            };
            let rule = program.rule(*rule).ok_or_else(|| RuntimeError::internal("a report column names no rule"))?;
            // The doc comment's title: its first line up to a colon (`基本低保金:整户为差额…`).
            let doc = rule.doc.iter().map(|line| line.trim()).find(|line| !line.is_empty()).map(|line| {
                let title = line.split([':', '：']).next().unwrap_or(line).trim();
                if title.is_empty() { line.to_string() } else { title.to_string() }
            });
            Ok((name.clone(), rule.slot as usize, rule.ty, doc))
        };
        let filter = match output.filter {
            Some(rule) => Some(
                program
                    .rule(rule)
                    .ok_or_else(|| RuntimeError::internal("the report table's filter names no rule"))?
                    .slot as usize,
            ),
            None => None,
        };
        let mut counts = Vec::new();
        for index in &report.counts {
            let (name, slot, ty, doc) = column(*index)?;
            let dense = match ty {
                Ty::Bool => Some(2),
                Ty::Enum(id) => program.enums.get(id.0 as usize).map(|def| def.variants.len()),
                _ => None,
            };
            counts.push(CountPlan { name, doc, slot, ty, dense });
        }
        let mut sums: Vec<SumPlan> = Vec::new();
        let sum_index = |index: usize, shown: bool, sums: &mut Vec<SumPlan>| -> Result<usize, RuntimeError> {
            let (name, slot, ty, doc) = column(index)?;
            if let Some(found) = sums.iter().position(|sum| sum.slot == slot && sum.name == name) {
                if let Some(sum) = sums.get_mut(found) {
                    sum.shown |= shown;
                }
                return Ok(found);
            }
            sums.push(SumPlan { name, doc, slot, ty, shown });
            Ok(sums.len() - 1)
        };
        for index in &report.sums {
            sum_index(*index, true, &mut sums)?;
        }
        let mut budgets = Vec::new();
        for (index, label, amount) in &report.budgets {
            budgets.push((sum_index(*index, false, &mut sums)?, label.clone(), *amount));
        }
        let mut rates = Vec::new();
        for rate in &report.rates {
            rates.push(RatePlan {
                name: rate.name.clone(),
                numerator: sum_index(rate.numerator, false, &mut sums)?,
                denominator: sum_index(rate.denominator, false, &mut sums)?,
                filter: rate.filter.clone(),
                below: rate.below,
            });
        }
        let members = sums.iter().position(|sum| sum.shown && sum.name == "members");
        Ok(Some(ReportPlan {
            table: report.table,
            filter,
            levels: report.levels.clone(),
            table_name: output.name.clone(),
            counts,
            sums,
            budgets,
            rates,
            members,
        }))
    }
}

/// A value counted by a `count` column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum CountKey {
    Word(Word),
    Text(String),
}

/// Rows per value of one counted column.
#[derive(Debug, Clone)]
enum CountAcc {
    Dense(Vec<u64>),
    Sparse(BTreeMap<CountKey, u64>),
}

/// The totals of one group of rows.
#[derive(Debug, Clone)]
struct GroupAcc {
    households: u64,
    counts: Vec<CountAcc>,
    sums: Vec<i128>,
}

impl GroupAcc {
    /// The total of sum `index` of the plan.
    fn sum(&self, index: usize) -> Result<i128, RuntimeError> {
        self.sums.get(index).copied().ok_or_else(|| RuntimeError::internal("a report sum has no total"))
    }

    fn new(plan: &ReportPlan) -> GroupAcc {
        GroupAcc {
            households: 0,
            counts: plan
                .counts
                .iter()
                .map(|count| match count.dense {
                    Some(n_values) => CountAcc::Dense(vec![0; n_values]),
                    None => CountAcc::Sparse(BTreeMap::new()),
                })
                .collect(),
            sums: vec![0; plan.sums.len()],
        }
    }

    fn merge(&mut self, other: &GroupAcc) {
        self.households += other.households;
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            match (mine, theirs) {
                (CountAcc::Dense(mine), CountAcc::Dense(theirs)) => {
                    for (a, b) in mine.iter_mut().zip(theirs) {
                        *a += b;
                    }
                }
                (CountAcc::Sparse(mine), CountAcc::Sparse(theirs)) => {
                    for (key, count) in theirs {
                        *mine.entry(key.clone()).or_insert(0) += count;
                    }
                }
                (mine @ CountAcc::Dense(_), CountAcc::Sparse(theirs)) => {
                    // The other side saw an out-of-range word (see `ReportAcc::add`).
                    let mut merged = match mine {
                        CountAcc::Dense(values) => dense_to_sparse(values),
                        CountAcc::Sparse(map) => std::mem::take(map),
                    };
                    for (key, count) in theirs {
                        *merged.entry(key.clone()).or_insert(0) += count;
                    }
                    *mine = CountAcc::Sparse(merged);
                }
                (CountAcc::Sparse(mine), CountAcc::Dense(theirs)) => {
                    for (key, count) in dense_to_sparse(theirs) {
                        *mine.entry(key).or_insert(0) += count;
                    }
                }
            }
        }
        // INVARIANT: each sum adds at most one `i64` word per household; fewer than 2⁶⁴ households
        // cannot overflow an `i128`.
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
    }
}

/// Report totals per county (plus one group for rows without a known county).
#[derive(Debug, Clone)]
pub(crate) struct ReportAcc {
    counties: Vec<GroupAcc>,
    unknown: GroupAcc,
    /// Whether a row lacked a result cell the plan reads (a broken invariant of the engine's
    /// result): rendering then fails with an internal error instead of counting a made-up 0.
    missing_cell: bool,
}

impl ReportAcc {
    /// Empty totals for `n_counties` counties.
    pub(crate) fn new(plan: &ReportPlan, n_counties: usize) -> ReportAcc {
        ReportAcc { counties: vec![GroupAcc::new(plan); n_counties], unknown: GroupAcc::new(plan), missing_cell: false }
    }

    /// Adds one row of the report's table: `results[slot][row]` are its household rule values.
    pub(crate) fn add(
        &mut self,
        plan: &ReportPlan,
        county: Option<usize>,
        results: &[Vec<Word>],
        row: usize,
        texts: &TextTables<'_>,
    ) {
        let group = match county.and_then(|county| self.counties.get_mut(county)) {
            Some(group) => group,
            None => &mut self.unknown,
        };
        let mut missing_cell = false;
        let mut word = |slot: usize| match results.get(slot).and_then(|column| column.get(row)) {
            Some(word) => *word,
            None => {
                missing_cell = true;
                0
            }
        };
        group.households += 1;
        for (acc, count) in group.counts.iter_mut().zip(&plan.counts) {
            let value = word(count.slot);
            match acc {
                CountAcc::Dense(values) => {
                    let slot = usize::try_from(if count.ty == Ty::Bool { Word::from(value != 0) } else { value }).ok();
                    match slot.and_then(|slot| values.get_mut(slot)) {
                        Some(counter) => *counter += 1,
                        None => {
                            // An out-of-range word cannot come from a checked program; keep it visible.
                            *acc = CountAcc::Sparse(dense_to_sparse(values));
                            if let CountAcc::Sparse(map) = acc {
                                *map.entry(CountKey::Word(value)).or_insert(0) += 1;
                            }
                        }
                    }
                }
                CountAcc::Sparse(map) => {
                    let key = if count.ty == Ty::Text {
                        CountKey::Text(texts.render(value).into_owned())
                    } else {
                        CountKey::Word(value)
                    };
                    *map.entry(key).or_insert(0) += 1;
                }
            }
        }
        for (sum, plan) in group.sums.iter_mut().zip(&plan.sums) {
            *sum += i128::from(word(plan.slot));
        }
        self.missing_cell |= missing_cell;
    }

    /// Adds another accumulator's totals.
    pub(crate) fn merge(&mut self, other: &ReportAcc) {
        for (mine, theirs) in self.counties.iter_mut().zip(&other.counties) {
            mine.merge(theirs);
        }
        self.unknown.merge(&other.unknown);
        self.missing_cell |= other.missing_cell;
    }
}

fn dense_to_sparse(values: &[u64]) -> BTreeMap<CountKey, u64> {
    values.iter().enumerate().map(|(index, count)| (CountKey::Word(index as Word), *count)).collect()
}

/// The two report files.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rendered {
    /// `report.md`.
    pub markdown: String,
    /// `report.json`.
    pub json: String,
    /// The figures of `report.html` (the pipeline adds the row counts and renders it).
    pub html: RunReport,
}

/// One group of the report, totals resolved.
struct Group {
    code: String,
    name: String,
    city: Option<String>,
    acc: GroupAcc,
    /// The counties of the group that pass each rate's filter: their totals.
    rates: Vec<Option<(i128, i128)>>,
    is_province: bool,
}

/// Renders the report from the totals; `counties` is the county table the run evaluated with
/// (a rate's `where` is evaluated over it).
pub(crate) fn render(
    plan: &ReportPlan,
    acc: &ReportAcc,
    program: &Program,
    jurisdictions: &JurisdictionTable,
    counties: &CountyTable,
    as_of: Word,
) -> Result<Rendered, RuntimeError> {
    if acc.missing_cell {
        return Err(RuntimeError::internal("a report row lacks a value of its table"));
    }
    let texts = TextTables {
        literals: &program.texts,
        batch: &pol_compiler::text::NO_TEXTS,
        jurisdiction: &jurisdictions.texts,
    };
    let attr = |name: &str| program.jurisdiction.attrs.iter().position(|attr| attr.name == name && attr.ty == Ty::Text);
    let (county_name_attr, city_name_attr) = (attr("county_name"), attr("city_name"));
    let name_of = |county: usize, attr: Option<usize>| -> Option<String> {
        let word = jurisdictions.counties.get(county)?.attrs.get(attr?)?;
        Some(texts.render(*word).into_owned())
    };
    // A policy without jurisdictions has one row in the county table, the province's, under
    // which every household is added (`pipeline::worker`): it has province totals only.
    let n_counties = if program.without_jurisdictions() { 1 } else { jurisdictions.counties.len() };
    // Which counties pass each rate's filter.
    let mut passes: Vec<Vec<bool>> = Vec::with_capacity(plan.rates.len());
    for rate in &plan.rates {
        let mut row = Vec::with_capacity(n_counties);
        for index in 0..n_counties {
            let code = jurisdictions.counties.get(index).map_or("province", |county| county.code.as_str());
            let pass = match &rate.filter {
                Some(filter) => rate_filter(program, counties, index, filter, &rate.name, code)? != 0,
                None => true,
            };
            row.push(pass);
        }
        passes.push(row);
    }
    if acc.counties.len() != n_counties {
        return Err(RuntimeError::internal("the report's totals and the jurisdictions differ in counties"));
    }
    let county_acc = |county: usize| {
        acc.counties.get(county).ok_or_else(|| RuntimeError::internal("a report group names an unknown county"))
    };
    let group_of = |code: String,
                    name: String,
                    city: Option<String>,
                    members: &[usize],
                    is_province: bool|
     -> Result<Group, RuntimeError> {
        let mut total = GroupAcc::new(plan);
        for county in members {
            total.merge(county_acc(*county)?);
        }
        let mut rates = Vec::with_capacity(plan.rates.len());
        for (rate, passes) in plan.rates.iter().zip(&passes) {
            let mut passing = Vec::new();
            for county in members {
                match passes.get(*county) {
                    Some(true) => passing.push(*county),
                    Some(false) => {}
                    None => return Err(RuntimeError::internal("a rate's `where` was not evaluated for a county")),
                }
            }
            if passing.is_empty() {
                rates.push(None);
                continue;
            }
            let mut numerator = 0i128;
            let mut denominator = 0i128;
            for county in passing {
                numerator += county_acc(county)?.sum(rate.numerator)?;
                denominator += county_acc(county)?.sum(rate.denominator)?;
            }
            rates.push(Some((numerator, denominator)));
        }
        Ok(Group { code, name, city, acc: total, rates, is_province })
    };
    let mut levels: Vec<(ReportLevel, Vec<Group>)> = Vec::new();
    for level in &plan.levels {
        let groups = match level {
            ReportLevel::County => jurisdictions
                .counties
                .iter()
                .enumerate()
                .map(|(index, county)| {
                    // A policy without a `county_name` column has no names: shown empty.
                    let name = name_of(index, county_name_attr).unwrap_or_default();
                    group_of(county.code.clone(), name, Some(county.city.clone()), &[index], false)
                })
                .collect::<Result<_, _>>()?,
            ReportLevel::City => {
                let mut cities: Vec<(String, Vec<usize>)> = Vec::new();
                for (index, county) in jurisdictions.counties.iter().enumerate() {
                    match cities.iter_mut().find(|(code, _)| *code == county.city) {
                        Some((_, members)) => members.push(index),
                        None => cities.push((county.city.clone(), vec![index])),
                    }
                }
                cities
                    .into_iter()
                    .map(|(code, members)| {
                        // A policy without a `city_name` column has no names: shown empty.
                        let name =
                            members.first().and_then(|first| name_of(*first, city_name_attr)).unwrap_or_default();
                        group_of(code, name, None, &members, false)
                    })
                    .collect::<Result<_, _>>()?
            }
            ReportLevel::Province => {
                let members: Vec<usize> = (0..n_counties).collect();
                let mut province = group_of(String::new(), String::new(), None, &members, true)?;
                province.acc.merge(&acc.unknown);
                vec![province]
            }
        };
        levels.push((*level, groups));
    }
    let markdown = render_markdown(plan, program, &texts, as_of, &levels)?;
    let json = render_json(plan, program, &texts, as_of, &levels)?;
    let html = html_figures(plan, program, &texts, as_of, &levels)?;
    Ok(Rendered { markdown, json, html })
}

/// A group's labelled counts, per count column.
type GroupCounts = Vec<Vec<(String, u64)>>;

/// The counted values of a level: per count column, the union of the groups' labels in
/// first-seen order; and per group, per count column, its labelled counts.
fn count_table(
    plan: &ReportPlan,
    program: &Program,
    texts: &TextTables<'_>,
    groups: &[Group],
) -> (Vec<Vec<String>>, Vec<GroupCounts>) {
    let entries: Vec<GroupCounts> = groups
        .iter()
        .map(|group| {
            plan.counts
                .iter()
                .zip(&group.acc.counts)
                .map(|(count, acc)| count_entries(count, acc, program, texts))
                .collect()
        })
        .collect();
    let mut labels: Vec<Vec<String>> = vec![Vec::new(); plan.counts.len()];
    for group_entries in &entries {
        for (column_labels, column_entries) in labels.iter_mut().zip(group_entries) {
            for (label, _) in column_entries {
                if !column_labels.contains(label) {
                    column_labels.push(label.clone());
                }
            }
        }
    }
    (labels, entries)
}

/// The labelled values of a count column in display order.
fn count_entries(count: &CountPlan, acc: &CountAcc, program: &Program, texts: &TextTables<'_>) -> Vec<(String, u64)> {
    match acc {
        CountAcc::Dense(values) => values
            .iter()
            .enumerate()
            .map(|(index, n)| (format::word_to_string(program, texts, count.ty, index as Word), *n))
            .collect(),
        CountAcc::Sparse(map) => map
            .iter()
            .map(|(key, n)| {
                let label = match key {
                    CountKey::Word(word) => format::word_to_string(program, texts, count.ty, *word),
                    CountKey::Text(text) => text.clone(),
                };
                (label, *n)
            })
            .collect(),
    }
}

/// A sum as displayed: money with two decimals, others plainly.
fn sum_text(ty: Ty, total: i128) -> String {
    match ty {
        Ty::Money(_) => format::money_to_string(total),
        Ty::Ratio => {
            let mut out = Vec::new();
            format::write_scaled(&mut out, total, RATIO_SCALE.unsigned_abs().into(), 9);
            // The digits, sign and point are ASCII: nothing is lost.
            String::from_utf8_lossy(&out).into_owned()
        }
        Ty::Bool | Ty::Int | Ty::Date | Ty::Text | Ty::Enum(_) => total.to_string(),
    }
}

/// The annual total of a summed money column per month (× 12).
fn monthly_to_annual(total: i128) -> Result<i128, RuntimeError> {
    arith::monthly_to_annual(total).map_err(|_| RuntimeError::internal("a report's annual total overflows"))
}

/// The figure a budget line is compared with: the annual total of its column (money per month
/// × 12, per year as is), or the column's plain total for any other type.
fn budget_total(ty: Ty, total: i128) -> Result<i128, RuntimeError> {
    match ty {
        Ty::Money(Period::Month) => monthly_to_annual(total),
        Ty::Money(Period::Year | Period::Lump) | Ty::Bool | Ty::Int | Ty::Ratio | Ty::Date | Ty::Text | Ty::Enum(_) => {
            Ok(total)
        }
    }
}

/// A rate's value as a ratio word ([`arith::ratio_of_sums`]), `None` when the denominator is 0
/// (the rate is then shown as `—` and never flagged) or the rate does not fit in a word.
fn rate_word(numerator: i128, denominator: i128) -> Option<Word> {
    arith::ratio_of_sums(numerator, denominator).ok()
}

/// Whether county `county` passes a rate's `where`, evaluated by the interpreter.
fn rate_filter(
    program: &Program,
    counties: &CountyTable,
    county: usize,
    filter: &Expr,
    rate: &str,
    code: &str,
) -> Result<Word, RuntimeError> {
    interp::eval_county_expr(program, counties, county, filter).map_err(|error| match error {
        CountyExprError::Eval(kind, span) => {
            let reason = match kind {
                EvalErrorKind::Overflow => "a result beyond the 64-bit range",
                EvalErrorKind::DivisionByZero => "a division by zero",
                EvalErrorKind::EmptyAggregate | EvalErrorKind::NoMatchingArm | EvalErrorKind::MalformedBatch => {
                    return RuntimeError::internal(format!("a rate's `where` failed: {kind:?}"));
                }
            };
            RuntimeError::RateFilter {
                rate: rate.to_string(),
                county: code.to_string(),
                reason,
                label: Some(span.into()),
                span: Some(span),
            }
        }
        CountyExprError::ReadsRecord(_) | CountyExprError::NoCounty(_) => {
            RuntimeError::internal(format!("a rate's `where` cannot be evaluated per county: {error:?}"))
        }
    })
}

fn render_markdown(
    plan: &ReportPlan,
    program: &Program,
    texts: &TextTables<'_>,
    as_of: Word,
    levels: &[(ReportLevel, Vec<Group>)],
) -> Result<String, RuntimeError> {
    // In Chinese, a column is labelled with its rule's doc comment (`/// 月低保金`), else its name.
    let chinese = crate::commands::render::lang() == pol_compiler::i18n::Lang::Zh;
    // The report's own words (level, `name`, `households`, …) in the chosen language.
    let word = |english: &str| -> String {
        if chinese {
            let id = format!("line-report-{}", english.trim_matches(['(', ')']));
            pol_compiler::i18n::line(pol_compiler::i18n::Lang::Zh, &id, &[])
        } else {
            english.to_string()
        }
    };
    // ` (monthly)` after a name in English, `（月）` in Chinese.
    let suffix = |english: &str| -> String { if chinese { word(english) } else { format!(" {english}") } };
    let column_label = |name: &str, doc: &Option<String>| -> String {
        match doc {
            Some(doc) if chinese => doc.clone(),
            Some(_) | None => name.to_string(),
        }
    };
    let mut md = String::new();
    let mut as_of_text = Vec::new();
    format::write_date(&mut as_of_text, as_of);
    let _ = writeln!(md, "# Report on `{}`\n", plan.table_name);
    let _ = writeln!(
        md,
        "As of {}. Each row of `{}` is one household.\n",
        String::from_utf8_lossy(&as_of_text),
        plan.table_name
    );
    for (level, groups) in levels {
        let title = match level {
            ReportLevel::County => "By county",
            ReportLevel::City => "By city",
            ReportLevel::Province => "Province",
        };
        let _ = writeln!(md, "## {title}\n");
        // Households, persons and counts.
        let mut header = vec![word(level_label(*level)), word("name"), word("households")];
        if plan.members.is_some() {
            header.push(word("persons"));
        }
        let (count_labels, group_entries) = count_table(plan, program, texts, groups);
        for (count, labels) in plan.counts.iter().zip(&count_labels) {
            for label in labels {
                header.push(format!("{} = {label}", column_label(&count.name, &count.doc)));
            }
        }
        let mut rows = Vec::new();
        for (group, entries) in groups.iter().zip(&group_entries) {
            let mut row = vec![group_code(group), group.name.clone(), group.acc.households.to_string()];
            if let Some(members) = plan.members {
                row.push(group.acc.sum(members)?.to_string());
            }
            for (entries, labels) in entries.iter().zip(&count_labels) {
                for label in labels {
                    let n = entries.iter().find(|(seen, _)| seen == label).map_or(0, |(_, n)| *n);
                    row.push(n.to_string());
                }
            }
            rows.push(row);
        }
        table(&mut md, &header, &rows);
        // Sums.
        let shown: Vec<(usize, &SumPlan)> =
            plan.sums.iter().enumerate().filter(|(index, sum)| sum.shown && Some(*index) != plan.members).collect();
        if !shown.is_empty() {
            let _ = writeln!(md, "### Sums\n");
            let mut header = vec![word(level_label(*level)), word("name")];
            for (_, sum) in &shown {
                let name = column_label(&sum.name, &sum.doc);
                match sum.ty {
                    Ty::Money(Period::Month) => {
                        header.push(format!("{name}{}", suffix("(monthly)")));
                        header.push(format!("{name}{}", suffix("(annual)")));
                    }
                    Ty::Money(Period::Year) => header.push(format!("{name}{}", suffix("(annual)"))),
                    _ => header.push(name),
                }
            }
            let mut rows: Vec<Vec<String>> = Vec::with_capacity(groups.len());
            for group in groups {
                let mut row = vec![group_code(group), group.name.clone()];
                for (index, sum) in &shown {
                    let total = group.acc.sum(*index)?;
                    row.push(sum_text(sum.ty, total));
                    if sum.ty == Ty::Money(Period::Month) {
                        row.push(sum_text(sum.ty, monthly_to_annual(total)?));
                    }
                }
                rows.push(row);
            }
            table(&mut md, &header, &rows);
        }
        // Rates.
        for (rate_index, rate) in plan.rates.iter().enumerate() {
            let _ = writeln!(md, "### Rate `{}`\n", rate.name);
            let (numerator_sum, denominator_sum) = (plan.sum(rate.numerator)?, plan.sum(rate.denominator)?);
            let (numerator, denominator) = (numerator_sum.name.as_str(), denominator_sum.name.as_str());
            let mut note = format!("Σ `{numerator}` ÷ Σ `{denominator}`");
            if rate.filter.is_some() {
                note.push_str(", over the counties its `where` selects");
            }
            if let Some(below) = rate.below {
                let _ = write!(note, "; flagged below {}", format::percent_to_string(below));
            }
            let _ = writeln!(md, "{note}.\n");
            let header = vec![
                level_label(*level).to_string(),
                "name".to_string(),
                column_label(numerator, &numerator_sum.doc),
                column_label(denominator, &denominator_sum.doc),
                word("rate"),
                word("flag"),
            ];
            let mut rows = Vec::new();
            for group in groups {
                let Some(Some((num, den))) = group.rates.get(rate_index) else { continue };
                let word = rate_word(*num, *den);
                let rate_text = word.map_or_else(|| "—".to_string(), format::percent_to_string);
                let flag = match flagged_below(word, rate.below) {
                    Some(below) => format!("below {}", format::percent_to_string(below)),
                    None => String::new(),
                };
                rows.push(vec![
                    group_code(group),
                    group.name.clone(),
                    sum_text(numerator_sum.ty, *num),
                    sum_text(denominator_sum.ty, *den),
                    rate_text,
                    flag,
                ]);
            }
            if rows.is_empty() {
                let _ = writeln!(md, "No group passes the rate's `where`.\n");
            } else {
                table(&mut md, &header, &rows);
            }
        }
        // Budgets.
        if let Some(province) = groups.iter().find(|group| group.is_province)
            && !plan.budgets.is_empty()
        {
            let _ = writeln!(md, "### Budget lines\n");
            let header = vec![
                "budget line".to_string(),
                "column".to_string(),
                "budget (annual)".to_string(),
                "computed (annual)".to_string(),
                "budget − computed".to_string(),
            ];
            let mut rows: Vec<Vec<String>> = Vec::with_capacity(plan.budgets.len());
            for (sum_index, label, amount) in &plan.budgets {
                let sum = plan.sum(*sum_index)?;
                let computed = budget_total(sum.ty, province.acc.sum(*sum_index)?)?;
                rows.push(vec![
                    label.clone(),
                    format!("`{}`", sum.name),
                    format::money_to_string(i128::from(*amount)),
                    format::money_to_string(computed),
                    format::money_to_string(i128::from(*amount) - computed),
                ]);
            }
            table(&mut md, &header, &rows);
        }
    }
    Ok(md)
}

fn level_label(level: ReportLevel) -> &'static str {
    match level {
        ReportLevel::County => "county",
        ReportLevel::City => "city",
        ReportLevel::Province => "province",
    }
}

fn group_code(group: &Group) -> String {
    if group.is_province { "province".to_string() } else { group.code.clone() }
}

/// Appends a Markdown table (cells escaped for `|`).
fn table(md: &mut String, header: &[String], rows: &[Vec<String>]) {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let line =
        |cells: &[String]| format!("| {} |", cells.iter().map(|text| cell(text)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(md, "{}", line(header));
    let _ = writeln!(md, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(md, "{}", line(row));
    }
    md.push('\n');
}

fn render_json(
    plan: &ReportPlan,
    program: &Program,
    texts: &TextTables<'_>,
    as_of: Word,
    levels: &[(ReportLevel, Vec<Group>)],
) -> Result<String, RuntimeError> {
    let mut root = Map::new();
    root.insert("table".into(), json!(plan.table_name));
    root.insert("as_of".into(), json!(date::format_iso(as_of)));
    for (level, groups) in levels {
        let values: Vec<Value> =
            groups.iter().map(|group| group_json(plan, program, texts, group)).collect::<Result<_, _>>()?;
        match level {
            ReportLevel::County => root.insert("counties".into(), Value::Array(values)),
            ReportLevel::City => root.insert("cities".into(), Value::Array(values)),
            ReportLevel::Province => root.insert("province".into(), values.into_iter().next().unwrap_or(Value::Null)),
        };
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(root))
        .map_err(|error| RuntimeError::internal(error.to_string()))?;
    text.push('\n');
    Ok(text)
}

fn group_json(
    plan: &ReportPlan,
    program: &Program,
    texts: &TextTables<'_>,
    group: &Group,
) -> Result<Value, RuntimeError> {
    let mut object = Map::new();
    if !group.is_province {
        object.insert("code".into(), json!(group.code));
        object.insert("name".into(), json!(group.name));
    }
    if let Some(city) = &group.city {
        object.insert("city".into(), json!(city));
    }
    object.insert("households".into(), json!(group.acc.households));
    if let Some(members) = plan.members {
        object.insert("persons".into(), json_integer(group.acc.sum(members)?));
    }
    let mut counts = Map::new();
    for (count, acc) in plan.counts.iter().zip(&group.acc.counts) {
        let values: Map<String, Value> =
            count_entries(count, acc, program, texts).into_iter().map(|(label, n)| (label, json!(n))).collect();
        counts.insert(count.name.clone(), Value::Object(values));
    }
    object.insert("counts".into(), Value::Object(counts));
    let mut sums = Map::new();
    for (index, sum) in plan.sums.iter().enumerate() {
        if !sum.shown {
            continue;
        }
        let total = group.acc.sum(index)?;
        let value = match sum.ty {
            Ty::Money(Period::Month) => {
                json!({ "monthly": sum_text(sum.ty, total), "annual": sum_text(sum.ty, monthly_to_annual(total)?) })
            }
            Ty::Money(Period::Year) => json!({ "annual": sum_text(sum.ty, total) }),
            Ty::Money(Period::Lump) | Ty::Ratio => json!({ "total": sum_text(sum.ty, total) }),
            Ty::Bool | Ty::Int | Ty::Date | Ty::Text | Ty::Enum(_) => json!({ "total": json_integer(total) }),
        };
        sums.insert(sum.name.clone(), value);
    }
    object.insert("sums".into(), Value::Object(sums));
    let mut rates = Map::new();
    for (rate, value) in plan.rates.iter().zip(&group.rates) {
        let Some((num, den)) = value else { continue };
        let word = rate_word(*num, *den);
        let flagged = flagged_below(word, rate.below).is_some();
        rates.insert(
            rate.name.clone(),
            json!({
                "numerator": sum_text(plan.sum(rate.numerator)?.ty, *num),
                "denominator": sum_text(plan.sum(rate.denominator)?.ty, *den),
                "rate": word.map(format::ratio_to_string),
                "percent": word.map(format::percent_to_string),
                "below": rate.below.map(format::ratio_to_string),
                "flagged": flagged,
            }),
        );
    }
    object.insert("rates".into(), Value::Object(rates));
    if group.is_province && !plan.budgets.is_empty() {
        let mut budgets: Vec<Value> = Vec::with_capacity(plan.budgets.len());
        for (sum_index, label, amount) in &plan.budgets {
            let sum = plan.sum(*sum_index)?;
            let computed = budget_total(sum.ty, group.acc.sum(*sum_index)?)?;
            budgets.push(json!({
                "label": label,
                "column": sum.name,
                "budget_annual": format::money_to_string(i128::from(*amount)),
                "computed_annual": format::money_to_string(computed),
            }));
        }
        object.insert("budgets".into(), Value::Array(budgets));
    }
    Ok(Value::Object(object))
}

/// The figures of `report.html`: the same groups and totals as `report.md`, labelled in Chinese
/// (a column by its rule's doc comment, else its name).
fn html_figures(
    plan: &ReportPlan,
    program: &Program,
    texts: &TextTables<'_>,
    as_of: Word,
    levels: &[(ReportLevel, Vec<Group>)],
) -> Result<RunReport, RuntimeError> {
    let label = |name: &str, doc: &Option<String>| doc.clone().unwrap_or_else(|| name.to_string());
    let figure = |ty: Ty, total: i128| match ty {
        Ty::Money(_) => Figure::Money(total),
        Ty::Ratio => Figure::Text(sum_text(ty, total)),
        Ty::Bool | Ty::Int | Ty::Date | Ty::Text | Ty::Enum(_) => Figure::Integer(total),
    };
    let shown: Vec<(usize, &SumPlan)> =
        plan.sums.iter().enumerate().filter(|(index, sum)| sum.shown && Some(*index) != plan.members).collect();
    let mut figures = Vec::new();
    for (_, sum) in &shown {
        let unit = match sum.ty {
            Ty::Money(Period::Month) => {
                figures.push(FigureColumn { label: label(&sum.name, &sum.doc), unit: FigureUnit::MoneyMonthly });
                FigureUnit::MoneyAnnual
            }
            Ty::Money(Period::Year) => FigureUnit::MoneyAnnual,
            Ty::Money(Period::Lump) => FigureUnit::Money,
            Ty::Bool | Ty::Int | Ty::Ratio | Ty::Date | Ty::Text | Ty::Enum(_) => FigureUnit::Plain,
        };
        figures.push(FigureColumn { label: label(&sum.name, &sum.doc), unit });
    }
    let mut report = RunReport {
        table: plan.table_name.clone(),
        as_of: date::format_iso(as_of),
        currency: program.currency,
        ..RunReport::default()
    };
    for (level, groups) in levels {
        let (count_labels, entries) = count_table(plan, program, texts, groups);
        let count_keys: Vec<(usize, String)> = count_labels
            .into_iter()
            .enumerate()
            .flat_map(|(column, labels)| labels.into_iter().map(move |value| (column, value)))
            .collect();
        let mut level_figures = LevelFigures {
            kind: match level {
                ReportLevel::County => LevelKind::County,
                ReportLevel::City => LevelKind::City,
                ReportLevel::Province => LevelKind::Province,
            },
            has_persons: plan.members.is_some(),
            counts: count_keys
                .iter()
                .filter_map(|(column, value)| {
                    plan.counts.get(*column).map(|count| format!("{}:{value}", label(&count.name, &count.doc)))
                })
                .collect(),
            figures: figures.clone(),
            groups: Vec::with_capacity(groups.len()),
            rates: Vec::new(),
        };
        for (group, group_entries) in groups.iter().zip(&entries) {
            let mut values = Vec::with_capacity(figures.len());
            for (index, sum) in &shown {
                let total = group.acc.sum(*index)?;
                values.push(figure(sum.ty, total));
                if sum.ty == Ty::Money(Period::Month) {
                    values.push(Figure::Money(monthly_to_annual(total)?));
                }
            }
            level_figures.groups.push(GroupFigures {
                code: if group.is_province { String::new() } else { group.code.clone() },
                name: group.name.clone(),
                households: group.acc.households,
                persons: plan.members.map(|members| group.acc.sum(members)).transpose()?,
                counts: count_keys
                    .iter()
                    .map(|(column, value)| {
                        group_entries
                            .get(*column)
                            .and_then(|values| values.iter().find(|(seen, _)| seen == value))
                            .map_or(0, |(_, n)| *n)
                    })
                    .collect(),
                figures: values,
            });
        }
        for (rate_index, rate) in plan.rates.iter().enumerate() {
            let (numerator, denominator) = (plan.sum(rate.numerator)?, plan.sum(rate.denominator)?);
            let (numerator_label, denominator_label) =
                (label(&numerator.name, &numerator.doc), label(&denominator.name, &denominator.doc));
            let mut note = format!("Σ {numerator_label} ÷ Σ {denominator_label}");
            if rate.filter.is_some() {
                note.push_str(",只计入 where 条件选中的县区");
            }
            if let Some(below) = rate.below {
                note.push_str(&format!(";低于 {} 时标记", format::percent_to_string(below)));
            }
            let mut rows = Vec::new();
            for group in groups {
                let Some(Some((num, den))) = group.rates.get(rate_index) else { continue };
                let word = rate_word(*num, *den);
                rows.push(RateRow {
                    code: if group.is_province { String::new() } else { group.code.clone() },
                    name: group.name.clone(),
                    numerator: figure(numerator.ty, *num),
                    denominator: figure(denominator.ty, *den),
                    rate: word.map(|word| (format::percent_to_string(word), i128::from(word))),
                    flag: flagged_below(word, rate.below)
                        .map(|below| format!("低于 {}", format::percent_to_string(below))),
                });
            }
            level_figures.rates.push(RateFigures {
                name: rate.name.clone(),
                note,
                numerator: numerator_label,
                denominator: denominator_label,
                rows,
            });
        }
        if let Some(province) = groups.iter().find(|group| group.is_province) {
            for (sum_index, budget_label, amount) in &plan.budgets {
                let sum = plan.sum(*sum_index)?;
                report.budgets.push(BudgetLine {
                    label: budget_label.clone(),
                    column: label(&sum.name, &sum.doc),
                    budget: i128::from(*amount),
                    computed: budget_total(sum.ty, province.acc.sum(*sum_index)?)?,
                });
            }
        }
        report.levels.push(level_figures);
    }
    Ok(report)
}

/// An exact total as a JSON integer, or as a decimal string when it does not fit in 64 bits.
fn json_integer(total: i128) -> Value {
    i64::try_from(total).map_or_else(|_| json!(total.to_string()), |total| json!(total))
}

/// The threshold a rate is flagged below, if it is: a rate without a value (denominator 0) is
/// never flagged.
fn flagged_below(rate: Option<Word>, below: Option<Word>) -> Option<Word> {
    match (rate, below) {
        (Some(rate), Some(below)) if rate < below => Some(below),
        _ => None,
    }
}
