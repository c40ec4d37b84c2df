//! `pol diff`'s impact summary (`summary.md`, `summary.json`): what changes between two sides,
//! per county, per city and for the province. A leaf: the diff's workers add households to an
//! [`ImpactAcc`], the writer merges the accumulators and renders an [`ImpactSummary`].
//!
//! What it computes (the specification is `docs/language.md`, "`pol diff`"): over the
//! households accepted on both sides, whose county is the reform side's,
//! - `households` and `changed` (some compared column's text differs);
//! - for every column of enum type both sides' `household_results` have (`dibao_status`): the
//!   transition matrix, base value × reform value, and the households whose value changed;
//! - for every money column both have: households gaining, losing and unchanged, the sums on
//!   each side and their difference, for money per month also as annual totals (× 12,
//!   [`arith::monthly_to_annual`]); the provincial share is such a column;
//! - for every `int` column the report of the reform side sums, `members` excepted, that the
//!   base side's report table or report also has (`covered_persons`, the persons the policy
//!   covers, as the report counts them; `tekun_members`): the persons newly counted and no
//!   longer counted, each household's increase or decrease added up;
//! - the distribution of the per-household change of [`TOTAL_COLUMN`] over [`HISTOGRAM_BINS`].
//!
//! Every figure adds up the engines' result words; nothing here evaluates a rule.

use crate::error::RuntimeError;
use crate::format;
use crate::output::{ColumnPlan, TablePlan, word_at};
use pol_compiler::arith;
use pol_compiler::date;
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};
use pol_grammar::ast::{EntityKind, Period};
use serde::Serialize;
use std::fmt::Write as _;

/// The money column whose per-household monthly change the histogram shows.
pub const TOTAL_COLUMN: &str = "total_monthly";

/// The histogram's bins of a per-household change, in fen: `(-∞, -500.00)`, `[-500.00,
/// -200.00)`, `[-200.00, -100.00)`, `[-100.00, -50.00)`, `[-50.00, -10.00)`, `[-10.00, 0)`,
/// `0`, `(0, 10.00]`, `(10.00, 50.00]`, `(50.00, 100.00]`, `(100.00, 200.00]`, `(200.00,
/// 500.00]`, `(500.00, +∞)`: symmetric around no change, which has a bin of its own.
pub const HISTOGRAM_BINS: [&str; 13] = [
    "< -500.00",
    "-500.00 to < -200.00",
    "-200.00 to < -100.00",
    "-100.00 to < -50.00",
    "-50.00 to < -10.00",
    "-10.00 to < 0",
    "0",
    "> 0 to 10.00",
    "> 10.00 to 50.00",
    "> 50.00 to 100.00",
    "> 100.00 to 200.00",
    "> 200.00 to 500.00",
    "> 500.00",
];

/// The bin edges in fen, for the magnitude of a change.
const EDGES: [i128; 5] = [1_000, 5_000, 10_000, 20_000, 50_000];

/// The bin of a change in fen (see [`HISTOGRAM_BINS`]).
fn bin_of(change: i128) -> usize {
    let beyond = EDGES.iter().filter(|edge| change.abs() > **edge).count();
    match change.signum() {
        0 => 6,
        1 => 7 + beyond,
        _ => 5 - beyond,
    }
}

/// A column both sides' `household_results` have, compared between them.
#[derive(Debug, Clone)]
pub(crate) struct DiffColumn {
    /// The header name.
    pub name: String,
    /// The column on the base side.
    pub base: ColumnPlan,
    /// The column on the reform side.
    pub reform: ColumnPlan,
}

#[derive(Debug, Clone)]
struct StatusPlan {
    column: usize,
    label: Option<String>,
    base_values: Vec<String>,
    reform_values: Vec<String>,
}

#[derive(Debug, Clone)]
struct MoneyPlan {
    column: usize,
    label: Option<String>,
    period: Period,
}

/// An `int` column the report sums, read on both sides from the engines' result columns.
#[derive(Debug, Clone)]
struct CountPlan {
    name: String,
    label: Option<String>,
    base_slot: usize,
    reform_slot: usize,
}

/// What `pol diff` compares: the columns of `household_results` both sides have, in the
/// reform's header order, and what the summary adds up.
#[derive(Debug, Clone)]
pub(crate) struct ImpactPlan {
    /// Compared columns.
    pub columns: Vec<DiffColumn>,
    /// Columns only the base side has, in its order.
    pub only_base: Vec<String>,
    /// Columns only the reform side has, in its order.
    pub only_reform: Vec<String>,
    statuses: Vec<StatusPlan>,
    money: Vec<MoneyPlan>,
    counts: Vec<CountPlan>,
    /// Index in `money` of [`TOTAL_COLUMN`].
    total: Option<usize>,
}

impl ImpactPlan {
    /// The plan for two sides' `household_results` tables.
    pub(crate) fn new(
        base_program: &Program,
        base_table: &TablePlan,
        reform_program: &Program,
        reform_table: &TablePlan,
    ) -> ImpactPlan {
        let mut columns = Vec::new();
        let mut only_reform = Vec::new();
        for reform in &reform_table.columns {
            match base_table.columns.iter().find(|base| base.name == reform.name) {
                Some(base) => {
                    columns.push(DiffColumn { name: reform.name.clone(), base: base.clone(), reform: reform.clone() })
                }
                None => only_reform.push(reform.name.clone()),
            }
        }
        let only_base = base_table
            .columns
            .iter()
            .filter(|base| !reform_table.columns.iter().any(|reform| reform.name == base.name))
            .map(|base| base.name.clone())
            .collect();
        let label = |name: &str| column_label(reform_program, reform_table, name);
        let mut statuses = Vec::new();
        let mut money = Vec::new();
        let mut counts = Vec::new();
        for (index, column) in columns.iter().enumerate() {
            match (column.base.ty, column.reform.ty) {
                (Ty::Enum(base), Ty::Enum(reform)) => statuses.push(StatusPlan {
                    column: index,
                    label: label(&column.name),
                    base_values: base_program
                        .enums
                        .get(base.0 as usize)
                        .map(|def| def.variants.clone())
                        .unwrap_or_default(),
                    reform_values: reform_program
                        .enums
                        .get(reform.0 as usize)
                        .map(|def| def.variants.clone())
                        .unwrap_or_default(),
                }),
                (Ty::Money(base), Ty::Money(reform)) if base == reform => {
                    money.push(MoneyPlan { column: index, label: label(&column.name), period: reform })
                }
                _ => {}
            }
        }
        for name in report_sums(reform_program, &reform_table.name) {
            if name == "members" {
                continue;
            }
            let (Some((reform_slot, Ty::Int, label)), Some((base_slot, Ty::Int, _))) =
                (report_column(reform_program, &name), report_column(base_program, &name))
            else {
                continue;
            };
            counts.push(CountPlan { name, label, base_slot, reform_slot });
        }
        let total = money.iter().position(|plan| {
            columns.get(plan.column).is_some_and(|column| column.name == TOTAL_COLUMN) && plan.period == Period::Month
        });
        ImpactPlan { columns, only_base, only_reform, statuses, money, counts, total }
    }
}

/// The title of a column's rule's doc comment (its first line up to a colon), as the report
/// labels its columns.
fn column_label(program: &Program, table: &TablePlan, name: &str) -> Option<String> {
    let output = program.outputs.iter().find(|output| output.name == table.name)?;
    let (_, rule) = output.columns.iter().find(|(column, _)| column == name)?;
    doc_title(&program.rule(*rule)?.doc)
}

/// The names of the columns the program's report sums, when the report is over `table`.
fn report_sums(program: &Program, table: &str) -> Vec<String> {
    let Some(report) = &program.report else { return Vec::new() };
    let Some(output) = program.outputs.get(report.table).filter(|output| output.name == table) else {
        return Vec::new();
    };
    report
        .sums
        .iter()
        .filter_map(|index| {
            output.columns.get(*index).or_else(|| report.extra_columns.get(index.checked_sub(output.columns.len())?))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The slot, type and label of a column of the program's report table or of its report, by
/// name: a column the engines store for `pol run` (`JitEngine::compile_for_outputs`).
fn report_column(program: &Program, name: &str) -> Option<(usize, Ty, Option<String>)> {
    let report = program.report.as_ref()?;
    let output = program.outputs.get(report.table)?;
    let (_, rule) = output.columns.iter().chain(&report.extra_columns).find(|(column, _)| column == name)?;
    let rule = program.rule(*rule)?;
    Some((rule.slot as usize, rule.ty, doc_title(&rule.doc)))
}

/// The title of a doc comment: its first line up to a colon (`基本低保金:整户为差额…`).
fn doc_title(doc: &[String]) -> Option<String> {
    let line = doc.iter().map(|line| line.trim()).find(|line| !line.is_empty())?;
    let title = line.split([':', '：']).next().unwrap_or(line).trim();
    Some(if title.is_empty() { line.to_string() } else { title.to_string() })
}

/// One county's figures so far.
#[derive(Debug, Clone)]
struct CountyAcc {
    households: u64,
    changed: u64,
    /// Per status column, `base_values × reform_values` counts, row by row.
    transitions: Vec<Vec<u64>>,
    /// Per money column: gaining, losing, unchanged, base sum, reform sum.
    money: Vec<(u64, u64, u64, i128, i128)>,
    /// Per counted column: increases, decreases, base sum, reform sum.
    counts: Vec<(i128, i128, i128, i128)>,
    histogram: [u64; 13],
}

impl CountyAcc {
    fn new(plan: &ImpactPlan) -> CountyAcc {
        CountyAcc {
            households: 0,
            changed: 0,
            transitions: plan
                .statuses
                .iter()
                .map(|status| vec![0; status.base_values.len() * status.reform_values.len()])
                .collect(),
            money: vec![(0, 0, 0, 0, 0); plan.money.len()],
            counts: vec![(0, 0, 0, 0); plan.counts.len()],
            histogram: [0; 13],
        }
    }

    fn merge(&mut self, other: &CountyAcc) {
        self.households += other.households;
        self.changed += other.changed;
        for (mine, theirs) in self.transitions.iter_mut().zip(&other.transitions) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (a, b) in self.money.iter_mut().zip(&other.money) {
            *a = (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3, a.4 + b.4);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3);
        }
        for (a, b) in self.histogram.iter_mut().zip(other.histogram) {
            *a += b;
        }
    }
}

/// Households read, compared and rejected (on the base side, the reform side, either).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HouseholdTally {
    /// Household rows read.
    pub read: u64,
    /// Accepted on both sides (compared).
    pub compared: u64,
    /// Rejected by the base side.
    pub rejected_base: u64,
    /// Rejected by the reform side.
    pub rejected_reform: u64,
    /// Rejected by either side (not compared).
    pub rejected_either: u64,
    /// Accepted on both sides but left out of `household_results` by its `where` on a side.
    pub outside_table: u64,
}

/// The summary's totals so far, per county of the reform side's jurisdictions.
#[derive(Debug, Clone)]
pub(crate) struct ImpactAcc {
    counties: Vec<CountyAcc>,
    /// Households read, compared and rejected.
    pub tally: HouseholdTally,
}

/// One side's values of one household: its result columns and row, and how to render texts.
pub(crate) struct SideRow<'a> {
    /// The side's result columns.
    pub results: &'a [Vec<Word>],
    /// The household's row in them.
    pub row: usize,
}

impl ImpactAcc {
    /// Empty totals for `n_counties` counties.
    pub(crate) fn new(plan: &ImpactPlan, n_counties: usize) -> ImpactAcc {
        ImpactAcc { counties: vec![CountyAcc::new(plan); n_counties], tally: HouseholdTally::default() }
    }

    /// Adds one household accepted on both sides, of county `county` (an index into the reform
    /// side's jurisdictions); `changed`: some compared column's text differs.
    pub(crate) fn add(
        &mut self,
        plan: &ImpactPlan,
        county: usize,
        base: &SideRow<'_>,
        reform: &SideRow<'_>,
        changed: bool,
    ) -> Result<(), RuntimeError> {
        let acc = self
            .counties
            .get_mut(county)
            .ok_or_else(|| RuntimeError::internal("a household of a county beyond the jurisdictions"))?;
        let words = |index: usize| -> Result<(Word, Word), RuntimeError> {
            let column =
                plan.columns.get(index).ok_or_else(|| RuntimeError::internal("a summary column not compared"))?;
            Ok((
                word_at(base.results, column.base.slot, base.row)?,
                word_at(reform.results, column.reform.slot, reform.row)?,
            ))
        };
        acc.households += 1;
        acc.changed += u64::from(changed);
        for (status, cells) in plan.statuses.iter().zip(acc.transitions.iter_mut()) {
            let (from, to) = words(status.column)?;
            let cell = usize::try_from(from)
                .ok()
                .filter(|from| *from < status.base_values.len())
                .zip(usize::try_from(to).ok().filter(|to| *to < status.reform_values.len()))
                .and_then(|(from, to)| cells.get_mut(from * status.reform_values.len() + to))
                .ok_or_else(|| RuntimeError::internal("an enum value beyond its variants"))?;
            *cell += 1;
        }
        for (money, sums) in plan.money.iter().zip(acc.money.iter_mut()) {
            let (from, to) = words(money.column)?;
            match to.cmp(&from) {
                std::cmp::Ordering::Greater => sums.0 += 1,
                std::cmp::Ordering::Less => sums.1 += 1,
                std::cmp::Ordering::Equal => sums.2 += 1,
            }
            sums.3 += i128::from(from);
            sums.4 += i128::from(to);
        }
        for (count, sums) in plan.counts.iter().zip(acc.counts.iter_mut()) {
            let from = word_at(base.results, count.base_slot, base.row)?;
            let to = word_at(reform.results, count.reform_slot, reform.row)?;
            let change = i128::from(to) - i128::from(from);
            sums.0 += change.max(0);
            sums.1 += (-change).max(0);
            sums.2 += i128::from(from);
            sums.3 += i128::from(to);
        }
        if let Some(money) = plan.total.and_then(|total| plan.money.get(total)) {
            let (from, to) = words(money.column)?;
            if let Some(slot) = acc.histogram.get_mut(bin_of(i128::from(to) - i128::from(from))) {
                *slot += 1;
            }
        }
        Ok(())
    }

    /// Adds another accumulator's totals (sums of integers: the order does not matter).
    pub(crate) fn merge(&mut self, other: &ImpactAcc) {
        for (mine, theirs) in self.counties.iter_mut().zip(&other.counties) {
            mine.merge(theirs);
        }
        let (a, b) = (&mut self.tally, other.tally);
        a.read += b.read;
        a.compared += b.compared;
        a.rejected_base += b.rejected_base;
        a.rejected_reform += b.rejected_reform;
        a.rejected_either += b.rejected_either;
        a.outside_table += b.outside_table;
    }
}

/// One side of a diff, as the summary names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideInfo {
    /// `base` or `reform`.
    pub side: String,
    /// The policy directory as given.
    pub policy: String,
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: String,
}

/// What changed, for a whole run: the data structure behind `summary.md` and `summary.json`
/// (an HTML page can be rendered from it as well).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactSummary {
    /// The base side.
    pub base: SideInfo,
    /// The reform side.
    pub reform: SideInfo,
    /// Households read, compared and rejected.
    pub households: HouseholdTally,
    /// Columns of `household_results` only the base side has.
    pub columns_only_in_base: Vec<String>,
    /// Columns of `household_results` only the reform side has.
    pub columns_only_in_reform: Vec<String>,
    /// The column of the histogram (when both sides have it) and its bins.
    pub histogram: Option<HistogramInfo>,
    /// The province, then its cities, then its counties.
    pub groups: Vec<GroupSummary>,
}

/// The histogram's column and bins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistogramInfo {
    /// The column, [`TOTAL_COLUMN`].
    pub column: String,
    /// Its label.
    pub label: Option<String>,
    /// The bins' labels ([`HISTOGRAM_BINS`]).
    pub bins: Vec<String>,
}

/// The figures of one group: a county, a city or the province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    /// `province`, `city` or `county`.
    pub level: String,
    /// Its code (empty for the province).
    pub code: String,
    /// Its name (empty when the jurisdictions have no name column).
    pub name: String,
    /// Households accepted on both sides.
    pub households: u64,
    /// Of those, households with some compared column changed.
    pub changed: u64,
    /// Transition matrices.
    pub transitions: Vec<Transition>,
    /// Money columns.
    pub money: Vec<MoneyChange>,
    /// Persons counted by the report's `int` sums.
    pub persons: Vec<PersonsChange>,
    /// Households per bin of the change of [`TOTAL_COLUMN`].
    pub histogram: Option<Vec<u64>>,
}

/// The transition matrix of one enum column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The column.
    pub column: String,
    /// Its label.
    pub label: Option<String>,
    /// Row values (base side).
    pub base_values: Vec<String>,
    /// Column values (reform side).
    pub reform_values: Vec<String>,
    /// `counts[i][j]`: households with base value `i` and reform value `j`.
    pub counts: Vec<Vec<u64>>,
    /// Households whose value changed (by name).
    pub changed: u64,
}

/// The change of one money column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyChange {
    /// The column.
    pub column: String,
    /// Its label.
    pub label: Option<String>,
    /// `month`, `year` or `lump`.
    pub period: String,
    /// Households whose amount rose.
    pub gaining: u64,
    /// Households whose amount fell.
    pub losing: u64,
    /// Households whose amount stayed.
    pub unchanged: u64,
    /// The base side's sum (per the column's period), exact.
    pub base: String,
    /// The reform side's sum.
    pub reform: String,
    /// `reform − base`.
    pub change: String,
    /// Annual totals (money per month × 12, money per year as is; none for a lump sum).
    pub base_annual: Option<String>,
    /// The reform side's annual total.
    pub reform_annual: Option<String>,
    /// Its change.
    pub change_annual: Option<String>,
}

/// The change of one count of persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonsChange {
    /// The column (`covered_persons`).
    pub column: String,
    /// Its label.
    pub label: Option<String>,
    /// Persons newly counted: the households' increases added up.
    pub newly: i128,
    /// Persons no longer counted: the households' decreases added up.
    pub no_longer: i128,
    /// The base side's sum.
    pub base: i128,
    /// The reform side's sum.
    pub reform: i128,
}

/// The groups of the summary: the province, each city (in order of first appearance), each
/// county (in file order), as (level, code, name, counties).
fn groups(program: &Program, jurisdictions: &JurisdictionTable) -> Vec<(&'static str, String, String, Vec<usize>)> {
    let texts = TextTables {
        literals: &program.texts,
        batch: &pol_compiler::text::NO_TEXTS,
        jurisdiction: &jurisdictions.texts,
    };
    let attr = |name: &str| program.jurisdiction.attrs.iter().position(|attr| attr.name == name && attr.ty == Ty::Text);
    let (county_name, city_name) = (attr("county_name"), attr("city_name"));
    let name_of = |county: usize, attr: Option<usize>| -> String {
        let word = jurisdictions.counties.get(county).and_then(|county| county.attrs.get(attr?).copied());
        word.map(|word| texts.render(word).into_owned()).unwrap_or_default()
    };
    if program.without_jurisdictions() {
        // One county row, the province's: the province's totals only.
        return vec![("province", String::new(), String::new(), vec![0])];
    }
    let all: Vec<usize> = (0..jurisdictions.counties.len()).collect();
    let mut groups = vec![("province", String::new(), String::new(), all)];
    let mut cities: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, county) in jurisdictions.counties.iter().enumerate() {
        match cities.iter_mut().find(|(code, _)| *code == county.city) {
            Some((_, members)) => members.push(index),
            None => cities.push((county.city.clone(), vec![index])),
        }
    }
    for (code, members) in cities {
        let name = members.first().map(|first| name_of(*first, city_name)).unwrap_or_default();
        groups.push(("city", code, name, members));
    }
    for (index, county) in jurisdictions.counties.iter().enumerate() {
        groups.push(("county", county.code.clone(), name_of(index, county_name), vec![index]));
    }
    groups
}

/// The summary of the totals `acc`.
pub(crate) fn summarise(
    plan: &ImpactPlan,
    acc: &ImpactAcc,
    reform_program: &Program,
    jurisdictions: &JurisdictionTable,
    sides: (SideInfo, SideInfo),
) -> Result<ImpactSummary, RuntimeError> {
    let mut summaries = Vec::new();
    for (level, code, name, members) in groups(reform_program, jurisdictions) {
        let mut total = CountyAcc::new(plan);
        for county in members {
            let county =
                acc.counties.get(county).ok_or_else(|| RuntimeError::internal("a summary group names no county"))?;
            total.merge(county);
        }
        summaries.push(group_summary(plan, &total, level, code, name)?);
    }
    let histogram = plan.total.and_then(|total| plan.money.get(total)).map(|money| HistogramInfo {
        column: TOTAL_COLUMN.to_string(),
        label: money.label.clone(),
        bins: HISTOGRAM_BINS.iter().map(|bin| (*bin).to_string()).collect(),
    });
    Ok(ImpactSummary {
        base: sides.0,
        reform: sides.1,
        households: acc.tally,
        columns_only_in_base: plan.only_base.clone(),
        columns_only_in_reform: plan.only_reform.clone(),
        histogram,
        groups: summaries,
    })
}

fn group_summary(
    plan: &ImpactPlan,
    total: &CountyAcc,
    level: &str,
    code: String,
    name: String,
) -> Result<GroupSummary, RuntimeError> {
    let column_name = |index: usize| plan.columns.get(index).map(|column| column.name.clone()).unwrap_or_default();
    let mut transitions = Vec::new();
    for (status, cells) in plan.statuses.iter().zip(&total.transitions) {
        let width = status.reform_values.len().max(1);
        let counts: Vec<Vec<u64>> = cells.chunks(width).map(<[u64]>::to_vec).collect();
        let mut changed = 0;
        for (from, row) in status.base_values.iter().zip(&counts) {
            for (to, count) in status.reform_values.iter().zip(row) {
                if from != to {
                    changed += count;
                }
            }
        }
        transitions.push(Transition {
            column: column_name(status.column),
            label: status.label.clone(),
            base_values: status.base_values.clone(),
            reform_values: status.reform_values.clone(),
            counts,
            changed,
        });
    }
    let mut money = Vec::new();
    for (plan_money, (gaining, losing, unchanged, base, reform)) in plan.money.iter().zip(&total.money) {
        let annual = |sum: i128| -> Result<Option<i128>, RuntimeError> {
            match plan_money.period {
                Period::Month => arith::monthly_to_annual(sum)
                    .map(Some)
                    .map_err(|_| RuntimeError::internal("an annual total beyond the 128-bit range")),
                Period::Year => Ok(Some(sum)),
                Period::Lump => Ok(None),
            }
        };
        let (base_annual, reform_annual) = (annual(*base)?, annual(*reform)?);
        money.push(MoneyChange {
            column: column_name(plan_money.column),
            label: plan_money.label.clone(),
            period: period_name(plan_money.period).to_string(),
            gaining: *gaining,
            losing: *losing,
            unchanged: *unchanged,
            base: format::money_to_string(*base),
            reform: format::money_to_string(*reform),
            change: format::money_to_string(reform - base),
            base_annual: base_annual.map(format::money_to_string),
            reform_annual: reform_annual.map(format::money_to_string),
            change_annual: base_annual.zip(reform_annual).map(|(base, reform)| format::money_to_string(reform - base)),
        });
    }
    let persons = plan
        .counts
        .iter()
        .zip(&total.counts)
        .map(|(count, (newly, no_longer, base, reform))| PersonsChange {
            column: count.name.clone(),
            label: count.label.clone(),
            newly: *newly,
            no_longer: *no_longer,
            base: *base,
            reform: *reform,
        })
        .collect();
    Ok(GroupSummary {
        level: level.to_string(),
        code,
        name,
        households: total.households,
        changed: total.changed,
        transitions,
        money,
        persons,
        histogram: plan.total.map(|_| total.histogram.to_vec()),
    })
}

fn period_name(period: Period) -> &'static str {
    match period {
        Period::Month => "month",
        Period::Year => "year",
        Period::Lump => "lump",
    }
}

/// `summary.json`: the summary, pretty-printed, with a final newline.
pub(crate) fn to_json(summary: &ImpactSummary) -> Result<String, RuntimeError> {
    let mut text = serde_json::to_string_pretty(summary).map_err(|error| RuntimeError::internal(error.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// A column's heading: `label (name)`, or the name alone.
fn heading(column: &str, label: &Option<String>) -> String {
    match label {
        Some(label) => format!("{label} (`{column}`)"),
        None => format!("`{column}`"),
    }
}

/// `summary.md`: the province in full, then one table per level with a row per city or county.
pub(crate) fn to_markdown(summary: &ImpactSummary) -> String {
    let mut md = String::new();
    let (base, reform) = (&summary.base, &summary.reform);
    let _ = writeln!(md, "# 政策变化影响汇总 Impact of the change\n");
    let _ = writeln!(md, "- 基准 base: `{}`, {}", base.policy, base.as_of);
    let _ = writeln!(md, "- 改革 reform: `{}`, {}", reform.policy, reform.as_of);
    let tally = &summary.households;
    let _ = writeln!(
        md,
        "- 家庭 households: {} read, {} compared; rejected: {} base, {} reform, {} either (not compared, listed in `rejects.csv`)",
        tally.read, tally.compared, tally.rejected_base, tally.rejected_reform, tally.rejected_either
    );
    for (which, columns) in [("base", &summary.columns_only_in_base), ("reform", &summary.columns_only_in_reform)] {
        if !columns.is_empty() {
            let names: Vec<String> = columns.iter().map(|name| format!("`{name}`")).collect();
            let _ = writeln!(md, "- columns only in {which} (not compared): {}", names.join(", "));
        }
    }
    md.push('\n');
    if let Some(province) = summary.groups.iter().find(|group| group.level == "province") {
        group_markdown(&mut md, province, summary.histogram.as_ref());
    }
    for (level, title) in [("city", "## 各市 By city"), ("county", "## 各县(区) By county")] {
        let rows: Vec<&GroupSummary> = summary.groups.iter().filter(|group| group.level == level).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(md, "{title}\n");
        level_table(&mut md, &rows);
    }
    md
}

fn group_markdown(md: &mut String, group: &GroupSummary, histogram: Option<&HistogramInfo>) {
    let _ = writeln!(md, "## 全省 Province\n");
    let _ = writeln!(md, "Households compared: {}; with some column changed: {}\n", group.households, group.changed);
    for transition in &group.transitions {
        let _ =
            writeln!(md, "### {} — {} changed\n", heading(&transition.column, &transition.label), transition.changed);
        let _ = writeln!(md, "| base \\ reform | {} |", transition.reform_values.join(" | "));
        let _ = writeln!(md, "|---|{}", "---:|".repeat(transition.reform_values.len()));
        for (value, row) in transition.base_values.iter().zip(&transition.counts) {
            let cells: Vec<String> = row.iter().map(u64::to_string).collect();
            let _ = writeln!(md, "| {value} | {} |", cells.join(" | "));
        }
        md.push('\n');
    }
    if !group.money.is_empty() {
        let _ = writeln!(md, "### 资金 Money\n");
        let _ = writeln!(
            md,
            "| column | gaining | losing | unchanged | base | reform | change | base annual | reform annual | annual change |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for money in &group.money {
            let dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".to_string());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                heading(&money.column, &money.label),
                money.gaining,
                money.losing,
                money.unchanged,
                money.base,
                money.reform,
                money.change,
                dash(&money.base_annual),
                dash(&money.reform_annual),
                dash(&money.change_annual)
            );
        }
        md.push('\n');
    }
    if !group.persons.is_empty() {
        let _ = writeln!(md, "### 人数 Persons\n");
        let _ = writeln!(md, "| column | newly | no longer | base | reform |");
        let _ = writeln!(md, "|---|---:|---:|---:|---:|");
        for persons in &group.persons {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                heading(&persons.column, &persons.label),
                persons.newly,
                persons.no_longer,
                persons.base,
                persons.reform
            );
        }
        md.push('\n');
    }
    if let (Some(info), Some(counts)) = (histogram, &group.histogram) {
        let _ =
            writeln!(md, "### 每户月变化分布 Per-household monthly change of {}\n", heading(&info.column, &info.label));
        let _ = writeln!(md, "| change (元/月) | households |");
        let _ = writeln!(md, "|---|---:|");
        for (bin, count) in info.bins.iter().zip(counts) {
            let _ = writeln!(md, "| {bin} | {count} |");
        }
        md.push('\n');
    }
}

fn level_table(md: &mut String, rows: &[&GroupSummary]) {
    let Some(first) = rows.first() else { return };
    let mut header = String::from("| code | name | households | changed |");
    let mut rule = String::from("|---|---|---:|---:|");
    for transition in &first.transitions {
        header.push_str(&format!(" `{}` changed |", transition.column));
        rule.push_str("---:|");
    }
    for money in &first.money {
        header.push_str(&format!(" `{}` change |", money.column));
        rule.push_str("---:|");
    }
    for persons in &first.persons {
        header.push_str(&format!(" `{}` +/− |", persons.column));
        rule.push_str("---:|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for group in rows {
        let mut line = format!("| {} | {} | {} | {} |", group.code, group.name, group.households, group.changed);
        for transition in &group.transitions {
            line.push_str(&format!(" {} |", transition.changed));
        }
        for money in &group.money {
            line.push_str(&format!(" {} |", money.change));
        }
        for persons in &group.persons {
            line.push_str(&format!(" +{} / −{} |", persons.newly, persons.no_longer));
        }
        let _ = writeln!(md, "{line}");
    }
    md.push('\n');
}

/// `YYYY-MM-DD` of a date word.
pub(crate) fn date_text(day: Word) -> String {
    date::format_iso(day)
}

/// Whether a table is a household table (the one `pol diff` compares must be).
pub(crate) fn is_household_table(table: &TablePlan) -> bool {
    table.entity == EntityKind::Household
}

#[cfg(test)]
mod tests {
    use super::bin_of;

    #[test]
    fn bins_are_symmetric_and_zero_has_its_own() {
        let cases = [
            (-50_001, 0),
            (-50_000, 1),
            (-20_001, 1),
            (-20_000, 2),
            (-1_001, 4),
            (-1_000, 5),
            (-1, 5),
            (0, 6),
            (1, 7),
            (1_000, 7),
            (1_001, 8),
            (50_000, 11),
            (50_001, 12),
        ];
        for (change, bin) in cases {
            assert_eq!(bin_of(change), bin, "change {change}");
        }
    }
}
