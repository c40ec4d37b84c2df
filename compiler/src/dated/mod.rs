//! Rules and parameters that change by date: the one place that says what is in force on a day.
//!
//! A rule may have dated versions (`from DATE = expr`, `from DATE = none`) and a parameter dated
//! values with an end (`from DATE = none`). On a day, a rule's version in force is its latest
//! version dated on or before the day; it is not in force before its first version and from a
//! `none` version on. A parameter is in force when its latest province entry dated on or before
//! the day is a value (local files may only give values on days on which it is in force).
//!
//! [`Program::on`] builds the program in force on a day, the only program the engines accept
//! (they refuse rules with versions): every dated rule's body becomes its version in force, and
//! a rule not in force keeps the zero word of its type. It first checks that nothing in force
//! reads something that is not: a rule in force, an output, a parameter value or `require` in
//! force reads only rules and parameters in force that day. So `pol run`, `pol test`, `pol
//! explain`, `pol gen` and `pol doc` choose versions here, and the interpreter and the JIT
//! evaluate the same program. [`check_all_dates`] does the same check for every date the policy
//! covers (`pol check`), reporting each use once with the date ranges where it happens.
//!
//! Parameters are resolved lazily in this sense: a parameter that is not in force is an error
//! only where something in force reads it ([`crate::params::ParamSet::county_table`] leaves its
//! word unset).

mod error;
pub mod unroll;

pub use error::DatedError;

use crate::date;
use crate::diagnostic::{self, Diagnostic};
use crate::tir::{
    Expr, ExprKind, OtherBrackets, ParamDef, ParamId, Program, Rule, RuleId, ScaleId, ScaleVersion, Test, Word,
};
use pol_grammar::Span;
use std::collections::BTreeMap;

/// Why a rule or parameter is not in force on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInForce {
    /// Before its first version or value: that version (the declaration when it has none).
    NotYet(Span),
    /// Ended by this `= none` version.
    Ended(Span),
}

/// The definition of `rule` in force on `day`: its body for an undated rule, else its latest
/// version dated on or before `day`.
pub fn rule_in_force(rule: &Rule, day: Word) -> Result<&Expr, NotInForce> {
    if rule.versions.is_empty() {
        return Ok(&rule.body);
    }
    let latest = rule.versions.iter().rev().find(|version| version.from.is_none_or(|from| from <= day));
    match latest {
        None => Err(NotInForce::NotYet(rule.versions.first().map_or(rule.span, |version| version.span))),
        Some(version) => version.body.as_ref().ok_or(NotInForce::Ended(version.span)),
    }
}

/// The province value of `param` in force on `day` (`None`: before every date), with its index
/// in [`ParamDef::values`]: the latest value dated on or before the day, unless a later `none`
/// ends it.
pub fn param_in_force(def: &ParamDef, day: Option<Word>) -> Result<(usize, &Expr), NotInForce> {
    let applies = |from: &Option<Word>| match (from, day) {
        (None, _) => true,
        (Some(from), Some(day)) => *from <= day,
        (Some(_), None) => false,
    };
    let value = def.values.iter().enumerate().rev().find(|(_, (from, _))| applies(from));
    let end = def.ends.iter().rev().find(|(from, _)| applies(from));
    match (value, end) {
        (Some((index, (from, expr))), end) if end.is_none_or(|(ended, _)| ended < from) => Ok((index, expr)),
        (_, Some((_, span))) => Err(NotInForce::Ended(*span)),
        (_, None) => Err(NotInForce::NotYet(def.values.first().map_or(def.span, |(_, first)| first.span))),
    }
}

/// Every day on which something changes: the `from` dates of rule versions and of parameter
/// values and ends, sorted, each once.
pub fn boundaries(program: &Program) -> Vec<Word> {
    let rules = program.rules.iter().flat_map(|rule| rule.versions.iter().filter_map(|version| version.from));
    let values = program.params.iter().flat_map(|param| param.values.iter().filter_map(|(from, _)| *from));
    let ends = program.params.iter().flat_map(|param| param.ends.iter().filter_map(|(from, _)| *from));
    let scales = program.scales.iter().flat_map(|scale| scale.versions.iter().filter_map(|version| version.from));
    let mut days: Vec<Word> = rules.chain(values).chain(ends).chain(scales).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// An inclusive range of days: `None` at the start is before every date, at the end never ends.
type DayRange = (Option<Word>, Option<Word>);

/// The days on which a rule's version changes, sorted, each once: between two of them the
/// program [`Program::on`] builds is the same (parameters change only the county table).
pub fn version_days(program: &Program) -> Vec<Word> {
    // A scale's brackets are part of the program in force (the engines read them from it).
    let scales = program.scales.iter().flat_map(|scale| scale.versions.iter().filter_map(|version| version.from));
    let mut days: Vec<Word> = program
        .rules
        .iter()
        .flat_map(|rule| rule.versions.iter().filter_map(|version| version.from))
        .chain(scales)
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// One read of something not in force by something in force.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Use {
    /// The read.
    span: Span,
    /// The rule or parameter read.
    name: String,
    /// Who reads it.
    reader: String,
    /// Why it is not in force.
    why: WhyKey,
}

/// [`NotInForce`] with an order, for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum WhyKey {
    NotYet(Span),
    Ended(Span),
}

impl From<NotInForce> for WhyKey {
    fn from(why: NotInForce) -> WhyKey {
        match why {
            NotInForce::NotYet(span) => WhyKey::NotYet(span),
            NotInForce::Ended(span) => WhyKey::Ended(span),
        }
    }
}

/// The reads on `day` of rules and parameters not in force by rules, outputs, the report,
/// parameter values and `require`s in force, in no particular order.
fn uses_on(program: &Program, day: Word) -> Vec<Use> {
    let mut uses = Vec::new();
    for rule in &program.rules {
        if let Ok(body) = rule_in_force(rule, day) {
            reads_in(program, day, body, &rule.name, &mut uses);
        }
    }
    uses.extend(uses_outside_rules(program, day));
    uses
}

/// [`uses_on`] for the reads of outputs, the report, parameter values and `require`s alone
/// (the rules of a program with periods are checked per instance, on each instance's day).
fn uses_outside_rules(program: &Program, day: Word) -> Vec<Use> {
    let mut uses = output_uses_on(program, day);
    uses.extend(param_uses_on(program, day));
    uses
}

/// The reads on `day` of parameters and rules not in force by the parameter values and
/// `require`s in force.
fn param_uses_on(program: &Program, day: Word) -> Vec<Use> {
    let mut uses = Vec::new();
    for param in &program.params {
        if let Ok((_, value)) = param_in_force(param, Some(day)) {
            reads_in(program, day, value, &param.name, &mut uses);
            for require in &param.requires {
                reads_in(program, day, &require.cond, &param.name, &mut uses);
            }
        }
    }
    uses
}

/// Whether on `day` the outputs and the report, and every rule they read in turn, read only
/// what is in force.
fn outputs_complete_on(program: &Program, day: Word) -> bool {
    if !output_uses_on(program, day).is_empty() {
        return false;
    }
    let output_rules = program
        .outputs
        .iter()
        .flat_map(|output| output.filter.into_iter().chain(output.columns.iter().map(|(_, rule)| *rule)));
    let report_rules = program.report.iter().flat_map(|report| report.extra_columns.iter().map(|(_, rule)| *rule));
    let roots: Vec<RuleId> = output_rules.chain(report_rules).collect();
    let mut uses = Vec::new();
    for (rule, needed) in program.rules.iter().zip(reachable_on(program, day, &roots)) {
        if let (true, Ok(body)) = (needed, rule_in_force(rule, day)) {
            reads_in(program, day, body, &rule.name, &mut uses);
        }
    }
    uses.is_empty()
}

/// The reads on `day` of rules not in force by the outputs and the report.
fn output_uses_on(program: &Program, day: Word) -> Vec<Use> {
    let mut uses = Vec::new();
    for output in &program.outputs {
        let filter = output.filter.map(|rule| (output.name.clone(), rule, output.span));
        let columns = output.columns.iter().enumerate().map(|(index, (column, rule))| {
            let span = output.column_spans.get(index).copied().unwrap_or(output.span);
            (format!("{}.{column}", output.name), *rule, span)
        });
        for (reader, rule, span) in filter.into_iter().chain(columns) {
            rule_read(program, day, rule, span, &reader, &mut uses);
        }
    }
    if let Some(report) = &program.report {
        let span = program.outputs.get(report.table).map(|output| output.span);
        for (name, rule) in &report.extra_columns {
            // The report's table (an output, by `Program::new`'s invariant), else the rule itself.
            let Some(span) = span.or_else(|| program.rule(*rule).map(|rule| rule.span)) else { continue };
            rule_read(program, day, *rule, span, &format!("report.{name}"), &mut uses);
        }
    }
    uses
}

/// The reads of a test's expectations on its as-of day.
fn test_uses(program: &Program, test: &Test, day: Word) -> Vec<Use> {
    let mut uses = Vec::new();
    for expectation in &test.expectations {
        if let crate::tir::Expectation::Value { source: crate::tir::ValueSource::Rule(rule), span, .. } = expectation {
            rule_read(program, day, *rule, *span, &test.name, &mut uses);
        }
    }
    uses
}

/// The rules and parameters `expr` reads that are not in force on `day` (`last_year` reads
/// the year before and is checked where that value is computed).
fn reads_in(program: &Program, day: Word, expr: &Expr, reader: &str, uses: &mut Vec<Use>) {
    for node in expr.preorder() {
        match &node.kind {
            ExprKind::Rule(rule) => rule_read(program, day, *rule, node.span, reader, uses),
            ExprKind::Param(param) | ExprKind::Province(param) => {
                param_read(program, day, *param, node.span, reader, uses)
            }
            ExprKind::Scale(_, scale, _) | ExprKind::OtherScale(OtherBrackets::Province, _, scale, _) => {
                scale_read(program, day, *scale, node.span, reader, uses)
            }
            ExprKind::OtherScale(OtherBrackets::LastYear, ..) => {}
            ExprKind::Const(_)
            | ExprKind::Column(..)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::LastYear(_)
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::If(..)
            | ExprKind::Match(..)
            | ExprKind::Aggregate { .. }
            | ExprKind::Mask(_)
            | ExprKind::Periodic(..) => {}
        }
    }
}

fn rule_read(program: &Program, day: Word, rule: RuleId, span: Span, reader: &str, uses: &mut Vec<Use>) {
    let Some(read) = program.rule(rule) else { return };
    if let Err(why) = rule_in_force(read, day) {
        uses.push(Use { span, name: read.name.clone(), reader: reader.to_string(), why: why.into() });
    }
}

fn scale_read(program: &Program, day: Word, scale: ScaleId, span: Span, reader: &str, uses: &mut Vec<Use>) {
    let Some(read) = program.scales.get(scale.0 as usize) else { return };
    let why = match read.version_on(day) {
        Some(version) if version.brackets.is_some() => return,
        Some(version) => WhyKey::Ended(version.span),
        None => WhyKey::NotYet(read.versions.first().map_or(read.span, |version| version.span)),
    };
    uses.push(Use { span, name: read.name.clone(), reader: reader.to_string(), why });
}

fn param_read(program: &Program, day: Word, param: ParamId, span: Span, reader: &str, uses: &mut Vec<Use>) {
    let Some(read) = program.params.get(param.0 as usize) else { return };
    if let Err(why) = param_in_force(read, Some(day)) {
        uses.push(Use { span, name: read.name.clone(), reader: reader.to_string(), why: why.into() });
    }
}

impl Program {
    /// The program in force on `day`: each dated rule's body is its version in force (the zero
    /// word of its type when none is), and no rule has versions any more, so the engines accept
    /// it. Fails when something in force on `day` reads something that is not: one diagnostic
    /// per read, with both places, sorted.
    pub fn on(&self, day: Word) -> Result<Program, Vec<Diagnostic>> {
        if unroll::has_periods(self) {
            return self.on_with_periods(day);
        }
        let uses = uses_on(self, day);
        if !uses.is_empty() {
            let dates = format!("`{}`", date::format_iso(day));
            return Err(diagnostics(uses.into_iter().map(|found| (found, dates.clone()))));
        }
        let mut program = self.clone();
        for rule in &mut program.rules {
            if rule.versions.is_empty() {
                continue;
            }
            if let Ok(body) = rule_in_force(rule, day) {
                rule.body = body.clone();
            }
            rule.versions.clear();
        }
        for scale in &mut program.scales {
            // In force wherever something reads it (checked above); one version from the start.
            let brackets = scale.version_on(day).and_then(|version| version.brackets.clone());
            let span = scale.span;
            scale.versions = vec![ScaleVersion { from: None, brackets, span }];
        }
        Ok(program)
    }
}

impl Program {
    /// [`Program::on`] for a program with periods: its instances unrolled ([`unroll`]), each
    /// read of something not in force reported with the days on which it happens.
    fn on_with_periods(&self, day: Word) -> Result<Program, Vec<Diagnostic>> {
        let (flat, found) = unroll::unroll(self, day)?;
        let outside = uses_outside_rules(self, day).into_iter().map(|read| (read, day));
        Self::flat_or_reads(flat, outside.chain(found.uses).collect())
    }

    /// `flat` when nothing read is not in force, else one diagnostic per read with its days.
    fn flat_or_reads(flat: Program, reads: Vec<(Use, Word)>) -> Result<Program, Vec<Diagnostic>> {
        let mut by_read: BTreeMap<Use, Vec<Word>> = BTreeMap::new();
        for (read, read_day) in reads {
            by_read.entry(read).or_default().push(read_day);
        }
        if by_read.is_empty() {
            return Ok(flat);
        }
        Err(diagnostics(by_read.into_iter().map(|(read, mut days)| {
            days.sort_unstable();
            days.dedup();
            let dates: Vec<String> = days.iter().map(|day| format!("`{}`", date::format_iso(*day))).collect();
            (read, dates.join(", "))
        })))
    }
}

impl Program {
    /// The program a test needs on `day` when the whole program is not in force that day
    /// ([`Program::on`] fails): OpenFisca computes what a test asks for and nothing else, and so
    /// does this. Only the reads of `roots` (the rules a test expects or gives), of the rules
    /// they read in turn (through the versions in force on `day`), and of the parameter values
    /// and `require`s in force are checked; a rule outside them whose definition reads something
    /// not in force gets the zero word of its type, which nothing it feeds is read. Outputs are
    /// not written by a test, so they are not checked. Fails with the reads of `roots` as
    /// [`Program::on`] does; `Ok` only when nothing evaluated reads what is not in force.
    pub fn on_reading(&self, day: Word, roots: &[RuleId]) -> Result<Program, Vec<Diagnostic>> {
        if unroll::has_periods(self) {
            // The instances the roots need, and the parameters' own reads (not the outputs').
            let (flat, found) = unroll::unroll_from(self, day, Some(roots))?;
            let param_reads = param_uses_on(self, day).into_iter().map(|read| (read, day));
            return Self::flat_or_reads(flat, param_reads.chain(found.uses).collect());
        }
        let reachable = reachable_on(self, day, roots);
        let mut uses = Vec::new();
        for (rule, needed) in self.rules.iter().zip(&reachable) {
            if !*needed {
                continue;
            }
            // A rule not in force is reported where it is read, or by `check_test` when expected.
            if let Ok(body) = rule_in_force(rule, day) {
                reads_in(self, day, body, &rule.name, &mut uses);
            }
        }
        for param in &self.params {
            if let Ok((_, value)) = param_in_force(param, Some(day)) {
                reads_in(self, day, value, &param.name, &mut uses);
                for require in &param.requires {
                    reads_in(self, day, &require.cond, &param.name, &mut uses);
                }
            }
        }
        let mut program = self.clone();
        for (rule, needed) in program.rules.iter_mut().zip(&reachable) {
            let in_force = rule_in_force(rule, day).ok().cloned();
            let body = match in_force {
                Some(body) if *needed => body,
                Some(body) => {
                    let mut reads = Vec::new();
                    reads_in(self, day, &body, &rule.name, &mut reads);
                    if reads.is_empty() { body } else { zero_or_unchanged(rule, &mut uses) }
                }
                // Not in force: a dated rule's body is already its zero word.
                None => rule.body.clone(),
            };
            rule.body = body;
            rule.versions.clear();
        }
        if !uses.is_empty() {
            let dates = format!("`{}`", date::format_iso(day));
            return Err(diagnostics(uses.into_iter().map(|found| (found, dates.clone()))));
        }
        for scale in &mut program.scales {
            let brackets = scale.version_on(day).and_then(|version| version.brackets.clone());
            let span = scale.span;
            scale.versions = vec![ScaleVersion { from: None, brackets, span }];
        }
        Ok(program)
    }
}

/// The zero word of `rule`'s type as its body (a number, a truth value, a date or an enum
/// word: 0); a text rule has no zero word without the program's texts, so its reads stay and
/// are reported.
fn zero_or_unchanged(rule: &Rule, uses: &mut Vec<Use>) -> Expr {
    match rule.ty {
        crate::tir::Ty::Text => {
            uses.push(Use {
                span: rule.span,
                name: rule.name.clone(),
                reader: rule.name.clone(),
                why: WhyKey::NotYet(rule.span),
            });
            rule.body.clone()
        }
        crate::tir::Ty::Bool
        | crate::tir::Ty::Int
        | crate::tir::Ty::Ratio
        | crate::tir::Ty::Money(_)
        | crate::tir::Ty::Date
        | crate::tir::Ty::Enum(_) => Expr { kind: ExprKind::Const(0), ty: rule.ty, span: rule.span },
    }
}

/// For each rule, whether `roots` read it on `day`, directly or through the definitions in
/// force of the rules they read.
fn reachable_on(program: &Program, day: Word, roots: &[RuleId]) -> Vec<bool> {
    let mut seen = vec![false; program.rules.len()];
    let mut stack: Vec<RuleId> = roots.to_vec();
    while let Some(id) = stack.pop() {
        let Some(flag) = seen.get_mut(id.0 as usize) else { continue };
        if *flag {
            continue;
        }
        *flag = true;
        let Some(rule) = program.rule(id) else { continue };
        let Ok(body) = rule_in_force(rule, day) else { continue };
        for node in body.preorder() {
            if let ExprKind::Rule(read) = node.kind {
                stack.push(read);
            }
        }
    }
    seen
}

/// The rules `test` expects or gives values of: what [`Program::on_reading`] must compute.
pub fn test_roots(test: &Test) -> Vec<RuleId> {
    let expected = test.expectations.iter().filter_map(|expectation| match expectation {
        crate::tir::Expectation::Value { source: crate::tir::ValueSource::Rule(rule), .. } => Some(*rule),
        crate::tir::Expectation::Value { source: crate::tir::ValueSource::Column(_), .. }
        | crate::tir::Expectation::Rejected(..)
        | crate::tir::Expectation::Error(_) => None,
    });
    expected.chain(test.given.iter().map(|given| given.rule)).collect()
}

/// The `expect` lines of `test`, run on `day`, that read a rule not in force that day; the
/// program is the whole policy (the program in force on a day has no versions left).
pub fn check_test(program: &Program, test: &Test, day: Word) -> Vec<Diagnostic> {
    let dates = format!("`{}`", date::format_iso(day));
    diagnostics(test_uses(program, test, day).into_iter().map(|found| (found, dates.clone())))
}

/// Every read of something not in force by something in force, on every date the policy
/// covers (from the first stretch between two `from` dates on which every output column is in
/// force, through each later stretch; every date when it has no dates), each read once with the
/// date ranges where it happens, sorted.
pub fn check_all_dates(program: &Program) -> Vec<Diagnostic> {
    let days = boundaries(program);
    // Segments: [days[i], days[i + 1] - 1], and [last, ∞); one unbounded segment when no dates.
    let segments: Vec<DayRange> = if days.is_empty() {
        vec![(None, None)]
    } else {
        days.iter().enumerate().map(|(index, start)| (Some(*start), days.get(index + 1).map(|next| next - 1))).collect()
    };
    // The policy starts on the first day its outputs can be written: a policy whose parameters
    // start on different days (OpenFisca's country template) is not faulted for the days
    // before it is complete. When no stretch is complete, every stretch is checked.
    let first = segments.iter().position(|(start, _)| outputs_complete_on(program, start.unwrap_or(0))).unwrap_or(0);
    if unroll::has_periods(program) && !days.is_empty() {
        return check_all_dates_with_periods(program, segments.get(first..).unwrap_or_default(), &days);
    }
    let mut found: BTreeMap<Use, Vec<DayRange>> = BTreeMap::new();
    for (start, end) in segments.into_iter().skip(first) {
        // A segment without a start is the only one of a policy with no dates: nothing changes,
        // so any day stands for all of them.
        for read in uses_on(program, start.unwrap_or(0)) {
            let ranges = found.entry(read).or_default();
            match ranges.last_mut() {
                Some((_, last_end)) if last_end.zip(start).is_some_and(|(last, next)| last + 1 == next) => {
                    *last_end = end;
                }
                _ => ranges.push((start, end)),
            }
        }
    }
    diagnostics(merge_reasons(found).map(|(read, mut ranges)| {
        ranges.sort();
        let dates: Vec<String> = ranges.iter().map(|range| format!("`{}`", range_text(*range))).collect();
        (read, dates.join(", "))
    }))
}

/// [`check_all_dates`] for a policy with periods: a run on day D computes instances of other
/// months and years (the last 12 months, the months of D's year, D's year), each on its own
/// day, so what is read changes from month to month, not only at the policy's dates. Each
/// segment is checked on its first day and on the first day of each later month in it, up to
/// two years after the last date (after which every instance's day is past it), as
/// [`Program::on`] does for a run; each read is reported once with the days of the instances
/// that make it (a range when they follow each other month by month).
fn check_all_dates_with_periods(program: &Program, segments: &[DayRange], days: &[Word]) -> Vec<Diagnostic> {
    let last = days.last().copied().unwrap_or(0);
    let horizon = unroll::add_months(unroll::year_start(last), 24);
    let mut run_days = Vec::new();
    for (start, end) in segments {
        let Some(start) = *start else { continue };
        run_days.push(start);
        let mut month = unroll::add_months(unroll::month_start(start), 1);
        while month <= horizon && end.is_none_or(|end| month <= end) {
            run_days.push(month);
            month = unroll::add_months(month, 1);
        }
    }
    let mut found: BTreeMap<Use, std::collections::BTreeSet<Word>> = BTreeMap::new();
    let mut internal = Vec::new();
    for day in run_days {
        match unroll::unroll(program, day) {
            Ok((_, reads)) => {
                let outside = uses_outside_rules(program, day).into_iter().map(|read| (read, day));
                for (read, read_day) in outside.chain(reads.uses) {
                    found.entry(read).or_default().insert(read_day);
                }
            }
            Err(errors) => {
                internal = errors;
                break;
            }
        }
    }
    if !internal.is_empty() {
        return internal;
    }
    diagnostics(merge_reasons(found).map(|(read, read_days)| {
        let mut ranges: Vec<(Word, Word)> = Vec::new();
        for day in read_days {
            match ranges.last_mut() {
                Some((_, end)) if day <= unroll::add_months(unroll::month_start(*end), 1) => *end = day,
                _ => ranges.push((day, day)),
            }
        }
        let dates: Vec<String> =
            ranges.into_iter().map(|(start, end)| format!("`{}`", range_text((Some(start), Some(end))))).collect();
        (read, dates.join(", "))
    }))
}

/// The dates of each read, one entry per read: the same read may be grouped under two reasons
/// (two `none` versions), and gives one diagnostic.
fn merge_reasons<D: Default + Extend<E> + IntoIterator<Item = E>, E>(
    found: BTreeMap<Use, D>,
) -> impl Iterator<Item = (Use, D)> {
    let mut merged: BTreeMap<(Span, String, String), (Use, D)> = BTreeMap::new();
    for (read, dates) in found {
        let key = (read.span, read.name.clone(), read.reader.clone());
        merged.entry(key).or_insert_with(|| (read, D::default())).1.extend(dates);
    }
    merged.into_values()
}

/// `2019-01-01..2020-12-31`, `2023-01-01..`, `..` (every date).
fn range_text((start, end): DayRange) -> String {
    let day = |word: Option<Word>| word.map(date::format_iso).unwrap_or_default();
    if start.is_some() && start == end { day(start) } else { format!("{}..{}", day(start), day(end)) }
}

/// The fix (the version that explains it is labelled, in the read's file or as a related place
/// in its own).
fn help_text(read: &Use) -> String {
    let (name, reader) = (&read.name, &read.reader);
    format!(
        "give `{name}` a version in force on these dates (`from DATE = …`), or change `{reader}` so that it does not read `{name}` on them (a rule may have versions by date too)"
    )
}

/// The label of the version that explains a read: the `none` version that ends it, or its first
/// version (the `.label-2` and `.label-3` texts of `pol::dated::not_in_force`).
pub(crate) fn why_label(name: &str, why: NotInForce) -> (Span, String) {
    match why {
        NotInForce::Ended(span) => (span, format!("`{name}` is not in force from this date on")),
        NotInForce::NotYet(span) => (span, format!("the first version of `{name}` is in force from a later date")),
    }
}

fn diagnostics(uses: impl Iterator<Item = (Use, String)>) -> Vec<Diagnostic> {
    let mut errors: Vec<Diagnostic> = uses
        .map(|(read, dates)| {
            let same_file = |span: Span| (span.source == read.span.source).then_some(span);
            let (ended, declared) = match read.why {
                WhyKey::Ended(span) => (same_file(span), None),
                WhyKey::NotYet(span) => (None, same_file(span)),
            };
            let help = help_text(&read);
            let elsewhere = match read.why {
                WhyKey::Ended(span) => (ended.is_none()).then(|| why_label(&read.name, NotInForce::Ended(span))),
                WhyKey::NotYet(span) => (declared.is_none()).then(|| why_label(&read.name, NotInForce::NotYet(span))),
            };
            let diagnostic = DatedError::NotInForce {
                name: read.name,
                reader: read.reader,
                dates,
                span: read.span,
                ended,
                declared,
                help,
            }
            .into_diagnostic();
            match elsewhere {
                Some((span, label)) => diagnostic.with_related(span, label),
                None => diagnostic,
            }
        })
        .collect();
    diagnostic::sort(&mut errors);
    errors
}

#[cfg(test)]
mod tests;
