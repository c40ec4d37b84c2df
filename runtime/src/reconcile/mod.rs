//! `pol reconcile`: the computed monthly amount of each program against what a roster says
//! was paid, household by household (七项机制(三) "人户、表册、系统数据相一致").
//!
//! # Design
//!
//! The roster is read and validated first ([`roster`]): every row, whatever its month, is
//! checked (program declared, month `YYYY-MM`, amount in the money pattern, no second row for
//! one household, program and month); the accepted rows are indexed by household. Then the
//! households go through the same pipeline as `pol run` (one pass, the same outputs), with
//! this module's [`Reconcile`] in the run options: the worker that evaluates a chunk compares
//! each accepted household with its roster rows of the as-of month ([`Reconcile::compare`],
//! amounts from the engine's result columns added with `arith`), and hands the writer a
//! [`ReconcilePart`] (`reconcile.csv` rows, findings, visit-list rows); the writer appends
//! them in chunk order, so `reconcile.csv` follows the households' input order whatever the
//! threads. At the end the roster rows of the month whose household was not accepted are
//! written as `无此户` in roster order, and the summary is rendered ([`summary`]).
//!
//! Memory: the roster index (about 100 bytes a row, measured) and, per finding on the visit list, one
//! entry; no household is held after its chunk is written.
//!
//! Findings, with `c` the computed amount (a negative one counts as 0) and `p` the paid one:
//! `c > 0` and no `p` or `p = 0` → 漏保; `c = 0` and `p > 0` → 错保; `0 < p < c` → 少发;
//! `p > c > 0` → 多发; otherwise none. The *amount* of a finding in the summary is the money
//! at stake: `c` for 漏保, `p` for 错保 and 无此户, `c − p` for 少发, `p − c` for 多发.

pub mod roster;
pub mod summary;

use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::format;
use crate::text_rules;
use pol_compiler::arith;
use pol_compiler::diagnostic::{SourceKind, Sources};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Word};
use roster::{Month, Roster, RosterReject};
use std::path::Path;

/// What a household's comparison found for one program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Finding {
    /// Entitled, not paid.
    Missed,
    /// Paid, not entitled.
    Wrongly,
    /// Paid less than the entitlement.
    Under,
    /// Paid more than the entitlement.
    Over,
    /// Paid to a household that is not among the accepted households.
    NoHousehold,
}

impl Finding {
    /// Every finding, in the order of the summary's columns.
    pub const ALL: [Finding; 5] =
        [Finding::Missed, Finding::Wrongly, Finding::Under, Finding::Over, Finding::NoHousehold];

    /// The word written in `reconcile.csv`.
    pub fn word(self) -> &'static str {
        match self {
            Finding::Missed => "漏保",
            Finding::Wrongly => "错保",
            Finding::Under => "少发",
            Finding::Over => "多发",
            Finding::NoHousehold => "无此户",
        }
    }

    /// Its column in [`Finding::ALL`].
    fn index(self) -> usize {
        match self {
            Finding::Missed => 0,
            Finding::Wrongly => 1,
            Finding::Under => 2,
            Finding::Over => 3,
            Finding::NoHousehold => 4,
        }
    }
}

/// The finding for a computed amount `computed` and a paid amount `paid` (`None`: no roster
/// row), with the money at stake; `None` when they agree.
pub fn compare_amounts(computed: Word, paid: Option<Word>) -> Option<(Finding, Word)> {
    // A negative computed amount entitles to nothing.
    let entitled = computed.max(0);
    let paid_or_zero = paid.unwrap_or(0);
    if entitled > 0 && paid_or_zero == 0 {
        return Some((Finding::Missed, entitled));
    }
    if entitled == 0 {
        return (paid_or_zero > 0).then_some((Finding::Wrongly, paid_or_zero));
    }
    if paid_or_zero < entitled {
        return Some((Finding::Under, entitled - paid_or_zero));
    }
    (paid_or_zero > entitled).then_some((Finding::Over, paid_or_zero - entitled))
}

/// The header of `reconcile.csv`.
pub const RECONCILE_HEADER: &str = "household_id,county_code,program,computed,paid,finding\n";

/// A reconciliation's fixed inputs: the roster, the programs' result columns, the as-of month
/// and the counties. Built once, read by every worker.
#[derive(Debug)]
pub struct Reconcile {
    roster: Roster,
    /// Per program: its id, name and the result-column slots added up.
    programs: Vec<(String, String, Vec<usize>)>,
    /// The visit list's result column.
    visit: Option<usize>,
    month: Month,
    /// Per county (its word): code, name, city code, city name.
    counties: Vec<CountyNames>,
}

/// A county's code and names, as the summary shows them.
#[derive(Debug, Clone, Default)]
struct CountyNames {
    code: String,
    name: String,
    city: String,
    city_name: String,
}

/// The first item of the policy's first `.pol` file (the reform's first file, for a reform: the
/// file the drafter edits): its first line that is neither blank nor a comment.
fn first_item(sources: &Sources) -> Option<pol_grammar::Span> {
    let (source, file) =
        sources.of_kind(SourceKind::ReformPol).next().or_else(|| sources.of_kind(SourceKind::Pol).next())?;
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with("//") {
            let start = offset + (line.len() - line.trim_start().len());
            let span = |at: usize| u32::try_from(at).ok();
            return Some(pol_grammar::Span { start: span(start)?, end: span(start + trimmed.len())?, source });
        }
        offset += line.len();
    }
    None
}

impl Reconcile {
    /// Reads the roster at `path` for `program`'s programs, comparing the month of `as_of`,
    /// checking its rows on `threads` threads. Fails when the policy declares no program (at
    /// the first item of `sources`' first `.pol` file).
    pub fn read(
        (policy_dir, sources): (&Path, &Sources),
        path: &Path,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        (as_of, threads): (Word, usize),
    ) -> Result<Reconcile, RuntimeError> {
        if program.programs.is_empty() {
            return Err(RuntimeError::NoPrograms {
                policy: policy_dir.display().to_string(),
                span: first_item(sources),
            });
        }
        let typer = FieldTyper::new(program, jurisdictions);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        let roster = Roster::read(path, &program.programs, &typer, &pool)?;
        let slot = |id: &pol_compiler::tir::RuleId| {
            program
                .rule(*id)
                .map(|rule| rule.slot as usize)
                .ok_or_else(|| RuntimeError::internal("a program names a rule the program does not have"))
        };
        let mut programs = Vec::with_capacity(program.programs.len());
        for paid in &program.programs {
            let slots = paid.rules.iter().map(slot).collect::<Result<Vec<_>, _>>()?;
            programs.push((paid.id.clone(), paid.name.clone(), slots));
        }
        let visit = program.visit.as_ref().map(slot).transpose()?;
        Ok(Reconcile {
            roster,
            programs,
            visit,
            month: roster::month_of(as_of),
            counties: county_names(program, jurisdictions),
        })
    }

    /// The compared month as `YYYY-MM`.
    pub fn month_text(&self) -> String {
        roster::month_text(self.month)
    }

    /// The roster's rejected rows, for `rejects.csv`, in line order.
    pub(crate) fn rejects(&self) -> &[RosterReject] {
        &self.roster.rejects
    }

    /// The roster's file name.
    pub(crate) fn file_name(&self) -> &str {
        &self.roster.file_name
    }

    /// An empty part for a chunk.
    pub(crate) fn part(&self) -> ReconcilePart {
        ReconcilePart { paid: vec![None; self.programs.len()], ..ReconcilePart::default() }
    }

    /// The writer's totals for a pass.
    pub(crate) fn totals(&self) -> ReconcileTotals {
        ReconcileTotals {
            n_programs: self.programs.len(),
            cells: vec![Cell::default(); self.counties.len() * self.programs.len() * Finding::ALL.len()],
            no_household: vec![Cell::default(); self.programs.len()],
            matched: vec![false; self.roster.n_households()],
            visits: Vec::new(),
            csv: Vec::new(),
        }
    }

    /// Compares accepted household `id` (of hash `hash`, in county `county`) at `row` of the
    /// engine's household result `columns`, appending to `part`.
    pub(crate) fn compare(
        &self,
        part: &mut ReconcilePart,
        (id, hash): (&[u8], u64),
        county: usize,
        columns: &[Vec<Word>],
        row: usize,
    ) -> Result<(), RuntimeError> {
        part.paid.iter_mut().for_each(|paid| *paid = None);
        if let Some(household) = self.roster.find(id, hash) {
            part.matched.push(household);
            for paid in self.roster.rows_of(household).filter(|paid| paid.month == self.month) {
                if let Some(slot) = part.paid.get_mut(paid.program as usize) {
                    *slot = Some(paid.amount);
                }
            }
        }
        let cell = |slot: usize| {
            columns
                .get(slot)
                .and_then(|column| column.get(row))
                .copied()
                .ok_or_else(|| RuntimeError::internal("a program's result column is missing"))
        };
        let county_code = self.counties.get(county).map_or("", |names| names.code.as_str());
        let mut findings = Vec::new();
        for (program_index, (program_id, _, slots)) in self.programs.iter().enumerate() {
            let mut computed: Word = 0;
            for slot in slots {
                computed = arith::add(computed, cell(*slot)?).map_err(|_| RuntimeError::AmountOverflow {
                    household: String::from_utf8_lossy(id).into_owned(),
                    program: program_id.clone(),
                })?;
            }
            let paid = part.paid.get(program_index).copied().flatten();
            let Some((finding, amount)) = compare_amounts(computed, paid) else { continue };
            write_row(&mut part.csv, id, county_code, program_id, Some(computed), paid, finding);
            part.findings.push((county as u32, program_index as u16, finding, amount));
            findings.push(VisitFinding { program: program_index as u16, finding, computed, paid });
        }
        let on_list = match self.visit {
            Some(slot) => cell(slot)? != 0,
            None => false,
        };
        if on_list && !findings.is_empty() {
            part.visits.push(VisitRow { household_id: String::from_utf8_lossy(id).into_owned(), county, findings });
        }
        Ok(())
    }

    /// `reconcile.csv`'s `无此户` rows: the roster rows of the month whose household was not
    /// matched, in roster order; counted into `totals`.
    pub(crate) fn unmatched_rows(&self, totals: &mut ReconcileTotals) -> Vec<u8> {
        let mut out = Vec::new();
        for paid in self.roster.rows.iter().filter(|paid| paid.month == self.month) {
            if totals.matched.get(paid.household as usize).copied().unwrap_or(false) {
                continue;
            }
            let program_id = self.programs.get(paid.program as usize).map_or("", |(id, _, _)| id.as_str());
            let id = self.roster.household_id(paid.household);
            write_row(&mut out, id.as_bytes(), "", program_id, None, Some(paid.amount), Finding::NoHousehold);
            if let Some(cell) = totals.no_household.get_mut(paid.program as usize) {
                cell.add(paid.amount);
            }
        }
        out
    }

    /// The accepted roster rows of the compared month and of other months.
    fn month_counts(&self) -> (u64, u64) {
        let of_month = self.roster.rows.iter().filter(|paid| paid.month == self.month).count() as u64;
        (of_month, self.roster.rows.len() as u64 - of_month)
    }

    /// The roster's row counts: read, accepted, rejected.
    pub fn roster_counts(&self) -> (u64, u64, u64) {
        let rejected = self.roster.rejects.len() as u64;
        (self.roster.read, self.roster.read - rejected, rejected)
    }
}

/// A county's names from the jurisdiction attributes `county_name` and `city_name`, when the
/// policy declares them as text.
fn county_names(program: &Program, jurisdictions: &JurisdictionTable) -> Vec<CountyNames> {
    let attr = |name: &str| {
        program.jurisdiction.attrs.iter().position(|attr| attr.name == name && attr.ty == pol_compiler::tir::Ty::Text)
    };
    let (county_attr, city_attr) = (attr("county_name"), attr("city_name"));
    let text = |county: &pol_compiler::jurisdictions::County, attr: Option<usize>| -> String {
        let word = attr.and_then(|attr| county.attrs.get(attr)).copied();
        let texts = TextTables { literals: &program.texts, batch: &[], jurisdiction: &jurisdictions.texts };
        // A policy without the name columns has no names: shown empty.
        word.map(|word| texts.render(word).into_owned()).unwrap_or_default()
    };
    jurisdictions
        .counties
        .iter()
        .map(|county| CountyNames {
            code: county.code.clone(),
            name: text(county, county_attr),
            city: county.city.clone(),
            city_name: text(county, city_attr),
        })
        .collect()
}

/// Appends one `reconcile.csv` row.
fn write_row(
    out: &mut Vec<u8>,
    household_id: &[u8],
    county_code: &str,
    program: &str,
    computed: Option<Word>,
    paid: Option<Word>,
    finding: Finding,
) {
    let start = out.len();
    out.extend_from_slice(text_rules::show_forbidden(&String::from_utf8_lossy(household_id)).as_bytes());
    text_rules::neutralise_csv_tail(out, start);
    format::quote_csv_tail(out, start);
    out.push(b',');
    format::write_csv_field(out, county_code.as_bytes());
    out.push(b',');
    format::write_csv_field(out, program.as_bytes());
    out.push(b',');
    if let Some(computed) = computed {
        format::write_money(out, computed);
    }
    out.push(b',');
    if let Some(paid) = paid {
        format::write_money(out, paid);
    }
    out.push(b',');
    out.extend_from_slice(finding.word().as_bytes());
    out.push(b'\n');
}

/// One program's finding for a household on the visit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VisitFinding {
    program: u16,
    finding: Finding,
    computed: Word,
    paid: Option<Word>,
}

/// A household on the visit list with at least one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VisitRow {
    household_id: String,
    county: usize,
    findings: Vec<VisitFinding>,
}

/// What a worker found in one chunk.
#[derive(Debug, Default)]
pub(crate) struct ReconcilePart {
    /// `reconcile.csv` rows, in the households' order.
    csv: Vec<u8>,
    /// Roster households matched by an accepted household.
    matched: Vec<u32>,
    /// (county, program, finding, amount) per finding.
    findings: Vec<(u32, u16, Finding, Word)>,
    /// Households on the visit list with findings.
    visits: Vec<VisitRow>,
    /// Scratch: the paid amount per program of the household being compared.
    paid: Vec<Option<Word>>,
}

/// A count of findings and their amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    count: u64,
    amount: i128,
}

impl Cell {
    fn add(&mut self, amount: Word) {
        self.count += 1;
        self.amount += i128::from(amount);
    }

    fn merge(&mut self, other: Cell) {
        self.count += other.count;
        self.amount += other.amount;
    }
}

/// The writer's side of a reconciliation: totals per county, program and finding.
#[derive(Debug)]
pub(crate) struct ReconcileTotals {
    n_programs: usize,
    /// county × program × finding.
    cells: Vec<Cell>,
    /// `无此户` per program (no county).
    no_household: Vec<Cell>,
    /// Roster households matched so far.
    matched: Vec<bool>,
    visits: Vec<VisitRow>,
    /// `reconcile.csv` rows not yet written.
    pub csv: Vec<u8>,
}

impl ReconcileTotals {
    /// Adds one chunk's part (chunks in order).
    pub(crate) fn add(&mut self, part: ReconcilePart) -> Result<(), RuntimeError> {
        let n_programs = self.n_programs;
        for (county, program, finding, amount) in part.findings {
            let index = (county as usize * n_programs + program as usize) * Finding::ALL.len() + finding.index();
            let cell =
                self.cells.get_mut(index).ok_or_else(|| RuntimeError::internal("a finding of an unknown county"))?;
            cell.add(amount);
        }
        for household in part.matched {
            if let Some(flag) = self.matched.get_mut(household as usize) {
                *flag = true;
            }
        }
        self.visits.extend(part.visits);
        self.csv.extend_from_slice(&part.csv);
        Ok(())
    }

    /// The cell of a county, program and finding.
    fn cell(&self, n_programs: usize, county: usize, program: usize, finding: Finding) -> Cell {
        let index = (county * n_programs + program) * Finding::ALL.len() + finding.index();
        self.cells.get(index).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::roster::{month_of, month_text, parse_month};
    use super::*;

    #[test]
    fn each_finding_and_its_amount() {
        // 342.50 due: none paid, 0 paid, less, more, the same.
        assert_eq!(compare_amounts(34250, None), Some((Finding::Missed, 34250)));
        assert_eq!(compare_amounts(34250, Some(0)), Some((Finding::Missed, 34250)));
        assert_eq!(compare_amounts(34250, Some(30000)), Some((Finding::Under, 4250)));
        assert_eq!(compare_amounts(34250, Some(34251)), Some((Finding::Over, 1)));
        assert_eq!(compare_amounts(34250, Some(34250)), None);
        // Nothing due: paid, paid 0, no row; a negative amount entitles to nothing.
        assert_eq!(compare_amounts(0, Some(10000)), Some((Finding::Wrongly, 10000)));
        assert_eq!(compare_amounts(0, Some(0)), None);
        assert_eq!(compare_amounts(0, None), None);
        assert_eq!(compare_amounts(-500, None), None);
        assert_eq!(compare_amounts(-500, Some(100)), Some((Finding::Wrongly, 100)));
    }

    #[test]
    fn the_words_of_reconcile_csv() {
        let words: Vec<&str> = Finding::ALL.iter().map(|finding| finding.word()).collect();
        assert_eq!(words, ["漏保", "错保", "少发", "多发", "无此户"]);
    }

    #[test]
    fn months_are_exactly_yyyy_mm() {
        assert_eq!(parse_month("2019-07"), Some(2019 * 12 + 6));
        for bad in ["2019-7", "2019-13", "2019-00", "0000-01", "2019/07", "2019-07-01", " 2019-07", "２０１９-07", ""]
        {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        let day = pol_compiler::date::parse_iso("2019-07-31").unwrap_or_default();
        assert_eq!(month_text(month_of(day)), "2019-07");
        assert_eq!(month_text(parse_month("0001-12").unwrap_or_default()), "0001-12");
    }
}
