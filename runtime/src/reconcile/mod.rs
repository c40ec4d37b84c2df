//! `pol reconcile`: the computed monthly amount of each program against what a roster says
//! was paid, household by household (七项机制(三) "人户、表册、系统数据相一致").
//!
//! # Design
//!
//! The roster's header is checked first; its rows are read and validated ([`roster`]) on a
//! thread of their own while the households go through the same pipeline as `pol run` (one
//! pass, the same outputs): every row, whatever its month, is checked (program declared, month
//! `YYYY-MM`, amount in the money pattern, no second row for one household, program and month),
//! the accepted rows are indexed by household. The worker that evaluates a chunk records each
//! accepted household's program amounts from the engine's result columns, added with `arith`
//! ([`Reconcile::record`]), and compares them with the household's roster rows of the as-of
//! month if the roster is read by then ([`Reconcile::compare_if_ready`]); the writer takes the
//! chunks' [`ReconcilePart`]s (`reconcile.csv` rows, findings, visit-list rows) in chunk order,
//! and those that came before the roster wait until it is read, then are compared on the pool
//! ([`ReconcileTotals::settle`]), so `reconcile.csv` follows the households' input order
//! whatever the threads and whenever the roster arrives. At the end the roster rows of the month
//! whose household was not accepted are written as `无此户` in roster order, and the summary is
//! rendered ([`summary`]). An error reading the roster is reported before any error of the pass.
//!
//! Memory: the roster index (about 100 bytes a row, measured), the households of chunks that
//! wait for the roster (about 80 bytes each: id, hash, county and one amount per program) and,
//! per finding on the visit list, one entry; no household is held after its chunk is written.
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
use roster::{Month, Roster, RosterFile};
use std::path::Path;
use std::sync::OnceLock;

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

/// A reconciliation's fixed inputs: the programs' result columns, the as-of month, the
/// counties, and the roster once it is read. Built before the household pass, read by every
/// worker; the roster is read on its own thread while the pass runs ([`Reconcile::read_roster`]).
#[derive(Debug)]
pub struct Reconcile {
    /// The roster once read; `None` once reading it failed (the reading thread returns why).
    roster: OnceLock<Option<Roster>>,
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
    /// A reconciliation of `program`'s programs for the month of `as_of`, its roster not read
    /// yet. Fails when the policy declares no program (at the first item of `sources`' first
    /// `.pol` file).
    pub fn new(
        (policy_dir, sources): (&Path, &Sources),
        program: &Program,
        jurisdictions: &JurisdictionTable,
        as_of: Word,
    ) -> Result<Reconcile, RuntimeError> {
        if program.programs.is_empty() {
            return Err(RuntimeError::NoPrograms {
                policy: policy_dir.display().to_string(),
                span: first_item(sources),
            });
        }
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
            roster: OnceLock::new(),
            programs,
            visit,
            month: roster::month_of(as_of),
            counties: county_names(program, jurisdictions),
        })
    }

    /// Opens the roster at `path` and checks its header, before anything else is done.
    pub(crate) fn open_roster(path: &Path) -> Result<RosterFile, RuntimeError> {
        RosterFile::open(path)
    }

    /// Reads the rows of the roster `file` for `program`'s programs, checking them on
    /// `threads` threads, and hands the roster to the workers and the writer; on failure they
    /// are told it failed and the error is returned here. Called once, on a thread of its own,
    /// while the households are read and evaluated.
    pub(crate) fn read_roster(
        &self,
        file: RosterFile,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        threads: usize,
    ) -> Result<(), RuntimeError> {
        /// Settles the roster as failed unless it was set, even when reading panics, so the
        /// writer waiting for it never waits forever.
        struct Settle<'a>(&'a OnceLock<Option<Roster>>);
        impl Drop for Settle<'_> {
            fn drop(&mut self) {
                let _ = self.0.set(None);
            }
        }
        let _settle = Settle(&self.roster);
        let typer = FieldTyper::new(program, jurisdictions);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        let mut roster = Roster::read(file, &program.programs, &typer, &pool)?;
        roster.index_month(self.month)?;
        let _ = self.roster.set(Some(roster));
        Ok(())
    }

    /// The roster, if it is read by now (never waits).
    fn roster_now(&self) -> Option<&Roster> {
        self.roster.get().and_then(Option::as_ref)
    }

    /// The roster, waiting until it is read; fails when reading it failed (the reading thread
    /// returns why, and that error is the one reported).
    pub(crate) fn wait_roster(&self) -> Result<&Roster, RuntimeError> {
        self.roster.wait().as_ref().ok_or_else(|| RuntimeError::internal("the roster could not be read"))
    }

    /// Whether reading the roster failed (never waits).
    pub(crate) fn roster_failed(&self) -> bool {
        matches!(self.roster.get(), Some(None))
    }

    /// The compared month as `YYYY-MM`.
    pub fn month_text(&self) -> String {
        roster::month_text(self.month)
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
            matched: Vec::new(),
            visits: Vec::new(),
            csv: Vec::new(),
            waiting: Vec::new(),
        }
    }

    /// Records accepted household `id` (of hash `hash`, in county `county`) at `row` of the
    /// engine's household result `columns` in `part`, to be compared: each program's computed
    /// amount (its rules' result columns added with `arith`) and whether it is on the visit
    /// list. Needs no roster.
    pub(crate) fn record(
        &self,
        part: &mut ReconcilePart,
        (id, hash): (&[u8], u64),
        county: usize,
        columns: &[Vec<Word>],
        row: usize,
    ) -> Result<(), RuntimeError> {
        let cell = |slot: usize| {
            columns
                .get(slot)
                .and_then(|column| column.get(row))
                .copied()
                .ok_or_else(|| RuntimeError::internal("a program's result column is missing"))
        };
        for (program_id, _, slots) in &self.programs {
            let mut computed: Word = 0;
            for slot in slots {
                computed = arith::add(computed, cell(*slot)?).map_err(|_| RuntimeError::AmountOverflow {
                    household: String::from_utf8_lossy(id).into_owned(),
                    program: program_id.clone(),
                })?;
            }
            part.computed.push(computed);
        }
        let on_list = match self.visit {
            Some(slot) => cell(slot)? != 0,
            None => false,
        };
        part.ids.extend_from_slice(id);
        let county = u32::try_from(county).map_err(|_| RuntimeError::internal("a county index beyond 32 bits"))?;
        part.waiting.push(Waiting { id_end: part.ids.len(), hash, county, on_list });
        Ok(())
    }

    /// Compares the households recorded in `part` now, if the roster is read by now; otherwise
    /// the writer compares them once it is.
    pub(crate) fn compare_if_ready(&self, part: &mut ReconcilePart) -> Result<(), RuntimeError> {
        match self.roster_now() {
            Some(roster) => self.compare(part, roster),
            None => Ok(()),
        }
    }

    /// Compares each household recorded in `part` with its roster rows of the month, in order:
    /// `reconcile.csv` rows, findings and visit-list rows.
    fn compare(&self, part: &mut ReconcilePart, roster: &Roster) -> Result<(), RuntimeError> {
        let n_programs = self.programs.len();
        let waiting = std::mem::take(&mut part.waiting);
        let ids = std::mem::take(&mut part.ids);
        let computed = std::mem::take(&mut part.computed);
        let mut id_start = 0;
        // Households are usually listed in the roster's order: the one after the last match
        // is tried first.
        let mut hint = 0u32;
        for (index, household) in waiting.iter().enumerate() {
            let id =
                ids.get(id_start..household.id_end).ok_or_else(|| RuntimeError::internal("a lost household id"))?;
            id_start = household.id_end;
            let amounts = computed
                .get(index * n_programs..(index + 1) * n_programs)
                .ok_or_else(|| RuntimeError::internal("a household's computed amounts are missing"))?;
            part.paid.iter_mut().for_each(|paid| *paid = None);
            if let Some(found) = roster.find_from(id, household.hash, hint) {
                hint = found.saturating_add(1);
                part.matched.push(found);
                for (program, amount) in roster.month_rows(found) {
                    if let Some(slot) = part.paid.get_mut(program as usize) {
                        *slot = Some(amount);
                    }
                }
            }
            let county = household.county as usize;
            let county_code = self.counties.get(county).map_or("", |names| names.code.as_str());
            let mut findings = Vec::new();
            for (program_index, ((program_id, _, _), computed)) in self.programs.iter().zip(amounts).enumerate() {
                let paid = part.paid.get(program_index).copied().flatten();
                let Some((finding, amount)) = compare_amounts(*computed, paid) else { continue };
                write_row(&mut part.csv, id, county_code, program_id, Some(*computed), paid, finding);
                part.findings.push((household.county, program_index as u16, finding, amount));
                if household.on_list {
                    findings.push(VisitFinding { program: program_index as u16, finding, computed: *computed, paid });
                }
            }
            if !findings.is_empty() {
                part.visits.push(VisitRow { household_id: String::from_utf8_lossy(id).into_owned(), county, findings });
            }
        }
        part.compared = true;
        Ok(())
    }

    /// `reconcile.csv`'s `无此户` rows: the roster rows of the month whose household was not
    /// matched, in roster order; counted into `totals`.
    pub(crate) fn unmatched_rows(&self, roster: &Roster, totals: &mut ReconcileTotals) -> Vec<u8> {
        let mut out = Vec::new();
        for paid in roster.rows.iter().filter(|paid| paid.month == self.month) {
            if totals.matched.get(paid.household as usize).copied().unwrap_or(false) {
                continue;
            }
            let program_id = self.programs.get(paid.program as usize).map_or("", |(id, _, _)| id.as_str());
            let id = roster.household_id(paid.household);
            write_row(&mut out, id, "", program_id, None, Some(paid.amount), Finding::NoHousehold);
            if let Some(cell) = totals.no_household.get_mut(paid.program as usize) {
                cell.add(paid.amount);
            }
        }
        out
    }

    /// The accepted roster rows of the compared month and of other months.
    fn month_counts(&self, roster: &Roster) -> (u64, u64) {
        let of_month = roster.rows.iter().filter(|paid| paid.month == self.month).count() as u64;
        (of_month, roster.rows.len() as u64 - of_month)
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
        let texts = TextTables {
            literals: &program.texts,
            batch: &pol_compiler::text::NO_TEXTS,
            jurisdiction: &jurisdictions.texts,
        };
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

/// A household recorded by a worker, waiting to be compared.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    /// The end of its id in [`ReconcilePart::ids`] (it starts where the previous one ends).
    id_end: usize,
    /// The [`crate::hash::hash_bytes`] of its id.
    hash: u64,
    /// Its county.
    county: u32,
    /// Whether it is on the visit list.
    on_list: bool,
}

/// What a worker found in one chunk: its households recorded ([`Reconcile::record`]), then,
/// once the roster is read, compared ([`Reconcile::compare_if_ready`], or the writer).
#[derive(Debug, Default)]
pub(crate) struct ReconcilePart {
    /// The recorded households' ids, one after another.
    ids: Vec<u8>,
    /// The recorded households not compared yet, in the chunk's order.
    waiting: Vec<Waiting>,
    /// Each recorded household's computed amount per program.
    computed: Vec<Word>,
    /// Whether the recorded households were compared.
    compared: bool,
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
    /// Roster households matched so far (sized once the roster is read).
    matched: Vec<bool>,
    visits: Vec<VisitRow>,
    /// `reconcile.csv` rows not yet written.
    pub csv: Vec<u8>,
    /// Parts that arrived, in order, before the roster was read.
    waiting: Vec<ReconcilePart>,
}

impl ReconcileTotals {
    /// Adds one chunk's part (chunks in order). Before the roster is read the part waits;
    /// once it is, the waiting parts are compared (on `pool`) and added first, in order.
    pub(crate) fn add(
        &mut self,
        plan: &Reconcile,
        part: ReconcilePart,
        pool: &rayon::ThreadPool,
    ) -> Result<(), RuntimeError> {
        self.waiting.push(part);
        match plan.roster_now() {
            Some(roster) => self.settle(plan, roster, pool),
            // The thread that read the roster reports why it failed.
            None if plan.roster_failed() => Err(RuntimeError::internal("the roster could not be read")),
            None => Ok(()),
        }
    }

    /// Compares the waiting parts with `roster` (in parallel on `pool`) and adds them in order.
    pub(crate) fn settle(
        &mut self,
        plan: &Reconcile,
        roster: &Roster,
        pool: &rayon::ThreadPool,
    ) -> Result<(), RuntimeError> {
        use rayon::prelude::*;
        if self.matched.len() != roster.n_households() {
            self.matched.resize(roster.n_households(), false);
        }
        let mut waiting = std::mem::take(&mut self.waiting);
        if waiting.iter().filter(|part| !part.compared).nth(1).is_some() {
            pool.install(|| {
                waiting.par_iter_mut().filter(|part| !part.compared).try_for_each(|part| plan.compare(part, roster))
            })?;
        }
        for mut part in waiting {
            if !part.compared {
                plan.compare(&mut part, roster)?;
            }
            self.merge(part)?;
        }
        Ok(())
    }

    /// Adds one compared part.
    fn merge(&mut self, part: ReconcilePart) -> Result<(), RuntimeError> {
        let n_programs = self.n_programs;
        for (county, program, finding, amount) in part.findings {
            let index = (county as usize * n_programs + program as usize) * Finding::ALL.len() + finding.index();
            let cell =
                self.cells.get_mut(index).ok_or_else(|| RuntimeError::internal("a finding of an unknown county"))?;
            cell.add(amount);
        }
        for household in part.matched {
            let flag = self
                .matched
                .get_mut(household as usize)
                .ok_or_else(|| RuntimeError::internal("a matched household the roster does not have"))?;
            *flag = true;
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

    /// Chunks recorded before the roster is read wait in the writer and are compared once it
    /// is, in order, before the chunks compared by the workers: the same `reconcile.csv` rows,
    /// findings and matches as comparing every chunk after the roster is read.
    #[test]
    fn chunks_recorded_before_the_roster_is_read_give_what_chunks_compared_after_give() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/shaanxi");
        let as_of = pol_compiler::date::parse_iso("2019-07-01").unwrap_or_default();
        let mut err = Vec::new();
        let Ok((_, policy, _)) =
            crate::commands::load_for_date(&dir, None, as_of, crate::commands::ErrorFormat::Plain, &mut err)
        else {
            panic!("the Shaanxi policy loads: {}", String::from_utf8_lossy(&err));
        };
        let (program, jurisdictions) = (&policy.program, &policy.jurisdictions);
        let county_code = |county: usize| jurisdictions.counties[county].code.clone();
        // Six households, one result row each: every program's rules get `100 × household`
        // fen; household 3 is not on the roster, household 5 is paid a yuan less of the first
        // program, and the roster has `ZZ`, which no household is.
        let n_slots = program.rules.iter().map(|rule| rule.slot as usize + 1).max().unwrap_or(0);
        let columns: Vec<Vec<Word>> =
            (0..n_slots).map(|_| (1..=6).map(|household| household * 100).collect()).collect();
        let first = &program.programs[0];
        let per_rule = |household: i64| household * 100 * first.rules.len() as i64;
        let mut roster_text = String::from("household_id,program,month,amount\n");
        for household in [1i64, 2, 4, 5, 6] {
            let paid = if household == 5 { per_rule(household) - 100 } else { per_rule(household) };
            roster_text.push_str(&format!("H{household},{},2019-07,{}.{:02}\n", first.id, paid / 100, paid % 100));
        }
        roster_text.push_str(&format!("ZZ,{},2019-07,1.00\n", first.id));
        let file = tempfile::Builder::new().suffix(".csv").tempfile().expect("a temporary file");
        std::fs::write(file.path(), roster_text).expect("the roster is written");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
        let record = |plan: &Reconcile, households: std::ops::Range<usize>| {
            let mut part = plan.part();
            for row in households {
                let id = format!("H{}", row + 1);
                let hash = crate::hash::hash_bytes(id.as_bytes());
                plan.record(&mut part, (id.as_bytes(), hash), row % 3, &columns, row).expect("recorded");
            }
            part
        };
        let reconcile = |early: bool| {
            let plan = Reconcile::new((&dir, &Sources::default()), program, jurisdictions, as_of)
                .expect("the policy has programs");
            let mut totals = plan.totals();
            if early {
                // Two chunks arrive before the roster is read: they wait.
                for households in [0..2, 2..4] {
                    totals.add(&plan, record(&plan, households), &pool).expect("added");
                }
                assert_eq!(totals.waiting.len(), 2);
                assert!(totals.csv.is_empty());
            }
            let opened = Reconcile::open_roster(file.path()).expect("the roster opens");
            plan.read_roster(opened, program, jurisdictions, 1).expect("the roster is read");
            let chunks: &[std::ops::Range<usize>] = if early { &[4..6] } else { &[0..2, 2..4, 4..6] };
            for households in chunks {
                let mut part = record(&plan, households.clone());
                plan.compare_if_ready(&mut part).expect("compared");
                assert!(part.compared);
                totals.add(&plan, part, &pool).expect("added");
            }
            assert!(totals.waiting.is_empty());
            let roster = plan.wait_roster().expect("read");
            let unmatched = plan.unmatched_rows(roster, &mut totals);
            (
                String::from_utf8_lossy(&totals.csv).into_owned(),
                String::from_utf8_lossy(&unmatched).into_owned(),
                totals.cells,
                totals.matched,
            )
        };
        let early = reconcile(true);
        assert_eq!(early, reconcile(false));
        let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
        let expected_csv = format!(
            "H3,{},{},{},,漏保\nH5,{},{},{},{},少发\n",
            county_code(2),
            first.id,
            yuan(per_rule(3)),
            county_code(1),
            first.id,
            yuan(per_rule(5)),
            yuan(per_rule(5) - 100)
        );
        let first_program: String = early
            .0
            .lines()
            .filter(|line| line.split(',').nth(2) == Some(first.id.as_str()))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(first_program, expected_csv);
        assert_eq!(early.1, format!("ZZ,,{},,1.00,无此户\n", first.id));
        assert_eq!(early.3, [true, true, true, true, true, false]);
    }

    #[test]
    fn the_words_of_reconcile_csv() {
        let words: Vec<&str> = Finding::ALL.iter().map(|finding| finding.word()).collect();
        assert_eq!(words, ["漏保", "错保", "少发", "多发", "无此户"]);
    }

    #[test]
    fn months_are_exactly_yyyy_mm() {
        assert_eq!(parse_month(b"2019-07"), Some(2019 * 12 + 6));
        for bad in ["2019-7", "2019-13", "2019-00", "0000-01", "2019/07", "2019-07-01", " 2019-07", "２０１９-07", ""]
        {
            assert_eq!(parse_month(bad.as_bytes()), None, "{bad}");
        }
        let day = pol_compiler::date::parse_iso("2019-07-31").unwrap_or_default();
        assert_eq!(month_text(month_of(day)), "2019-07");
        assert_eq!(month_text(parse_month(b"0001-12").unwrap_or_default()), "0001-12");
    }
}
