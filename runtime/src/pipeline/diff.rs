//! `pol diff`: two compiled sides (a base and a reform, each a [`DiffSide`]: a program, its
//! county table for its as-of date, its engine) evaluated in one pass over the input.
//!
//! # Design
//!
//! The reader reads each chunk once, with the reform's schema for the ids (both sides must
//! name the same key columns, `pol::diff::keys`). A worker types the chunk and builds the batch
//! once per side, with that side's columns, defaults and engine ([`worker::evaluate`]), so sides
//! that read different input columns or give them different defaults each see their own; with
//! JSON lines or Parquet the rows come split in the reader's schema, so there the two sides must
//! declare the same columns (`pol::diff::columns`). Then, for each household accepted on both
//! sides, every column of `household_results` that both sides have is formatted as `pol run`
//! writes it (`output::push_csv_cell`) and compared as text; a difference is a `changes.csv` row,
//! and the household's result words are added to the summary ([`crate::impact`]). Each side's
//! rejects and counts are `pol run`'s own ([`worker::output`] with no table and no report, into
//! a [`Writer`] per side); `rejects.csv` is both sides' rows, base first, each with its side.
//!
//! Duplicated ids and persons not grouped by household are settled as in `pol run`
//! ([`schedule::settle`]): the ids are the same on both sides, so one pass decides for both.
//!
//! Cost: both engines and twice the typing of a `pol run`, but one read and, instead of every
//! output table, only the changed cells: the target is at most 1.6× `pol run`.

use super::cases::CaseStore;
use super::duplicates::Duplicates;
use super::messages::{ChunkOutput, RawChunk};
use super::options::{RowCounts, RunOptions, Timings};
use super::plan::{Mode, PassContext, Shared};
use super::reader::{ChunkReader, EntityPlan, open_input};
use super::rejects;
use super::schedule::{
    FinishedPass, PassEnd, PassHashes, Passes, add_times, check_schemas, ensure_rereadable, open_reader, pipeline,
    progress_bar, run_passes, used_columns,
};
use super::worker::{self, Evaluated};
use super::writer::Writer;
use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::format;
use crate::impact::{self, ImpactAcc, ImpactPlan, ImpactSummary, SideInfo, SideRow};
use crate::input::{InputFormat, Layout};
use crate::output::{OutputDir, OutputFormat, Staging, TablePlan, push_csv_cell, word_at};
use crate::text_rules;
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{ColumnId, ColumnTy, EntitySchema, Program, Ty, Word};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The name of the table `pol diff` compares.
pub const COMPARED_TABLE: &str = "household_results";

/// One side of a diff: a compiled policy, resolved for its as-of date, and its engine.
pub struct DiffSide<'a> {
    /// How the summary names the side (the policy directory as given).
    pub label: String,
    /// The program.
    pub program: &'a Program,
    /// Its county table for `as_of`.
    pub counties: &'a CountyTable,
    /// Its jurisdictions.
    pub jurisdictions: &'a JurisdictionTable,
    /// Its engine.
    pub engine: &'a dyn Engine,
    /// Its sources, for the locations of evaluation errors.
    pub sources: Option<&'a Sources>,
    /// The as-of date `counties` was resolved for.
    pub as_of: Word,
}

/// What a diff did.
#[derive(Debug, Clone)]
pub struct DiffSummary {
    /// The base side's households, persons and cases, as `pol run` counts them.
    pub base: [RowCounts; 3],
    /// The reform side's.
    pub reform: [RowCounts; 3],
    /// The impact summary written as `summary.md` and `summary.json`.
    pub impact: ImpactSummary,
    /// The files written.
    pub outputs: Vec<PathBuf>,
    /// Time per stage (both sides added up).
    pub timings: Timings,
}

/// Evaluates both sides over the input files of `options` (whose `as_of` and `sources` are
/// ignored: each side has its own) in one pass, and writes `changes.csv`, `rejects.csv`,
/// `summary.md` and `summary.json` into `options.out_dir`, atomically.
pub fn diff(base: &DiffSide<'_>, reform: &DiffSide<'_>, options: &RunOptions<'_>) -> Result<DiffSummary, RuntimeError> {
    let started = Instant::now();
    let threads = options.worker_threads()?;
    check_schemas(base.program, options)?;
    check_schemas(reform.program, options)?;
    check_keys(base.program, reform.program)?;
    check_columns(base.program, reform.program, options)?;
    // Each side reads the files' headers with its own schema: a pipe would lose its first rows.
    ensure_rereadable(options, "the two sides of `pol diff`")?;
    let base_table = compared_table(base.program, "base")?;
    let reform_table = compared_table(reform.program, "reform")?;
    let plan = ImpactPlan::new(base.program, &base_table, reform.program, &reform_table);
    let base_options = side_options(options, base);
    let reform_options = side_options(options, reform);
    let base_typer = FieldTyper::new(base.program, base.jurisdictions);
    let reform_typer = FieldTyper::new(reform.program, reform.jurisdictions);
    let base_used = used_columns(base.program);
    let reform_used = used_columns(reform.program);
    let base_cases = case_store(base.program, options, &base_typer, &base_used)?;
    let reform_cases = case_store(reform.program, options, &reform_typer, &reform_used)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|error| RuntimeError::internal(error.to_string()))?;
    let sides = Sides {
        base: pass_context(&pool, base, &base_options, &base_typer, &base_used, &base_cases),
        reform: pass_context(&pool, reform, &reform_options, &reform_typer, &reform_used, &reform_cases),
        base_table: &base_table,
        reform_table: &reform_table,
        plan: &plan,
    };
    let mut duplicates = Duplicates::default();
    let mut timings = Timings::default();
    let mut out_dir = OutputDir::new(&options.out_dir);
    let Passes { pass: finished, .. } = run_passes(
        &pool,
        reform.program,
        &reform_options,
        &mut timings,
        &mut duplicates,
        |mode, duplicates, collect| diff_pass(&sides, &mut out_dir, mode, duplicates, collect),
    )?;
    let DiffPass { mut staging, base: base_counts, reform: reform_counts, impact: acc, .. } = finished;
    let side_info = |side: &DiffSide<'_>, name: &str| SideInfo {
        side: name.to_string(),
        policy: side.label.clone(),
        as_of: impact::date_text(side.as_of),
    };
    let summary = impact::summarise(
        &plan,
        &acc,
        reform.program,
        reform.jurisdictions,
        (side_info(base, "base"), side_info(reform, "reform")),
    )?;
    let html = crate::html_report::render_diff_page(&crate::html_report::from_impact(&summary));
    for (name, text) in [
        ("summary.md", impact::to_markdown(&summary)),
        ("summary.json", impact::to_json(&summary)?),
        ("report.html", html),
    ] {
        let path = staging.file(name);
        std::fs::write(&path, text).map_err(|error| RuntimeError::write(&path, &error))?;
    }
    let outputs = staging.commit()?;
    timings.wall = started.elapsed();
    Ok(DiffSummary { base: base_counts, reform: reform_counts, impact: summary, outputs, timings })
}

/// A side's share of a pass: its program, counties, engine, typing and cases; no report.
fn pass_context<'a>(
    pool: &'a rayon::ThreadPool,
    side: &DiffSide<'a>,
    options: &'a RunOptions<'a>,
    typer: &'a FieldTyper<'a>,
    used: &'a [Vec<bool>; 3],
    cases: &'a CaseStore,
) -> PassContext<'a> {
    PassContext {
        pool,
        program: side.program,
        counties: side.counties,
        jurisdictions: side.jurisdictions,
        options,
        engine: side.engine,
        typer,
        used,
        cases,
        report: None,
    }
}

/// What a side's workers share in a pass.
fn side_shared<'a>(
    context: &PassContext<'a>,
    households: &'a EntityPlan,
    persons: &'a EntityPlan,
    duplicates: &'a Duplicates,
    mode: Mode,
    collect_person_hashes: bool,
) -> Shared<'a> {
    Shared {
        program: context.program,
        counties: context.counties,
        engine: context.engine,
        sources: context.options.sources,
        typer: context.typer,
        households,
        persons,
        cases: context.cases,
        duplicates,
        tables: &[],
        report: None,
        reconcile: None,
        persons_keyed: mode == Mode::Ungrouped,
        collect_person_hashes,
        batches: Mutex::new(Vec::new()),
        results: Mutex::new(Vec::new()),
    }
}

/// Each side's run options: the files and output of `options`, the side's date and sources.
fn side_options<'a>(options: &RunOptions<'a>, side: &DiffSide<'a>) -> RunOptions<'a> {
    let mut side_options = options.clone();
    side_options.as_of = side.as_of;
    side_options.sources = side.sources;
    // The diff shows one progress bar, the reader's.
    side_options
}

fn case_store(
    program: &Program,
    options: &RunOptions<'_>,
    typer: &FieldTyper<'_>,
    used: &[Vec<bool>; 3],
) -> Result<CaseStore, RuntimeError> {
    match &options.cases {
        Some(path) => CaseStore::read(path, program, typer, &used[2]),
        None => Ok(CaseStore::empty(&program.case)),
    }
}

/// The `household_results` table of a side.
fn compared_table(program: &Program, side: &'static str) -> Result<TablePlan, RuntimeError> {
    TablePlan::of_program(program, OutputFormat::Csv, false)?
        .into_iter()
        .find(|table| table.name == COMPARED_TABLE && impact::is_household_table(table))
        .ok_or(RuntimeError::DiffTable { side })
}

/// The name of a column, if declared.
fn column_name(schema: &EntitySchema, column: Option<ColumnId>) -> Option<String> {
    column.and_then(|column| schema.columns.get(column.0 as usize)).map(|column| column.name.clone())
}

/// Fails when the sides name a key column differently: the reader reads ids once for both.
fn check_keys(base: &Program, reform: &Program) -> Result<(), RuntimeError> {
    let pairs = [
        (
            "household",
            "key",
            column_name(&base.household, base.household.key),
            column_name(&reform.household, reform.household.key),
        ),
        ("person", "key", column_name(&base.person, base.person.key), column_name(&reform.person, reform.person.key)),
        (
            "person",
            "household reference",
            column_name(&base.person, base.person.household_ref),
            column_name(&reform.person, reform.person.household_ref),
        ),
        ("case", "key", column_name(&base.case, base.case.key), column_name(&reform.case, reform.case.key)),
        (
            "case",
            "household reference",
            column_name(&base.case, base.case.household_ref),
            column_name(&reform.case, reform.case.household_ref),
        ),
    ];
    for (entity, role, base, reform) in pairs {
        if base != reform {
            let none = || "(none)".to_string();
            return Err(RuntimeError::DiffKeys {
                entity,
                role,
                base: base.unwrap_or_else(none),
                reform: reform.unwrap_or_else(none),
            });
        }
    }
    Ok(())
}

/// Fails when an input that comes split in the reader's schema (JSON lines, Parquet) is read
/// for sides whose columns differ.
fn check_columns(base: &Program, reform: &Program, options: &RunOptions<'_>) -> Result<(), RuntimeError> {
    let names = |schema: &EntitySchema| schema.columns.iter().map(|column| column.name.clone()).collect::<Vec<_>>();
    for (entity, path, base, reform) in [
        ("household", &options.households, &base.household, &reform.household),
        ("person", &options.persons, &base.person, &reform.person),
    ] {
        if InputFormat::of_path(path)? != InputFormat::Csv && names(base) != names(reform) {
            return Err(RuntimeError::DiffColumns { entity, file: crate::input::file_name(path) });
        }
    }
    Ok(())
}

/// What every pass of a diff shares.
struct Sides<'a> {
    base: PassContext<'a>,
    reform: PassContext<'a>,
    base_table: &'a TablePlan,
    reform_table: &'a TablePlan,
    plan: &'a ImpactPlan,
}

/// What every worker of a diff pass shares.
struct DiffShared<'a> {
    base: Shared<'a>,
    reform: Shared<'a>,
    base_table: &'a TablePlan,
    reform_table: &'a TablePlan,
    plan: &'a ImpactPlan,
    /// Whether both sides type the input into the same batch ([`same_input`]).
    same_input: bool,
    /// The reform side's county column (`None` for a policy without jurisdictions).
    county: Option<usize>,
    n_counties: usize,
}

/// A worker's result for a chunk.
struct DiffOutput {
    base: ChunkOutput,
    reform: ChunkOutput,
    changes: Vec<u8>,
    impact: ImpactAcc,
}

/// A finished diff pass.
struct DiffPass {
    staging: Staging,
    base: [RowCounts; 3],
    reform: [RowCounts; 3],
    impact: ImpactAcc,
    hashes: Option<PassHashes>,
    timings: Timings,
}

impl FinishedPass for DiffPass {
    fn timings(&self) -> &Timings {
        &self.timings
    }

    fn take_hashes(&mut self) -> Option<PassHashes> {
        self.hashes.take()
    }
}

/// The header of `changes.csv`.
const CHANGES_HEADER: &[u8] = b"household_id,column,base,reform\n";

/// One pass over the input for both sides.
fn diff_pass(
    sides: &Sides<'_>,
    out_dir: &mut OutputDir,
    mode: Mode,
    duplicates: &Duplicates,
    collect: bool,
) -> Result<PassEnd<DiffPass>, RuntimeError> {
    let reform = &sides.reform;
    let options = reform.options;
    let program = reform.program;
    let households = open_input(&options.households, &program.household, program.household.key)?;
    let persons = open_input(&options.persons, &program.person, program.person.household_ref)?;
    let reform_households = households.plan(&reform.used[0]);
    let reform_persons = persons.plan(&reform.used[1]);
    let base = &sides.base;
    let base_households =
        side_plan(&households.opened.layout, &options.households, &base.program.household, &base.used[0])?;
    let base_persons = side_plan(&persons.opened.layout, &options.persons, &base.program.person, &base.used[1])?;
    let base_households = base_households.unwrap_or_else(|| households.plan(&base.used[0]));
    let base_persons = base_persons.unwrap_or_else(|| persons.plan(&base.used[1]));
    let mut staging = out_dir.stage()?;
    let mut base_writer = Writer::create(&mut staging, &[], base, mode, Some("base"))?;
    let mut reform_writer = Writer::create(&mut staging, &[], reform, mode, Some("reform"))?;
    let changes_path = staging.file("changes.csv");
    let changes_file = File::create(&changes_path).map_err(|error| RuntimeError::write(&changes_path, &error))?;
    let mut changes = BufWriter::with_capacity(1 << 20, changes_file);
    changes.write_all(CHANGES_HEADER).map_err(|error| RuntimeError::write(&changes_path, &error))?;
    let progress = progress_bar(options.progress, households.opened.total);
    let chunk_size = options.chunk_households.max(1);
    let mut reader = open_reader(mode, households, persons, program, chunk_size, collect, &progress)?;
    // A policy without jurisdictions has no county column: every household is under its one
    // county row, the province's.
    let county = program.household.county.map(|column| column.0 as usize);
    if county.is_none() && !program.without_jurisdictions() {
        return Err(RuntimeError::internal("a diff without a county column"));
    }
    let shared = DiffShared {
        // The ids are the same on both sides: the reform side's person-id hashes stand for both.
        base: side_shared(base, &base_households, &base_persons, duplicates, mode, false),
        reform: side_shared(reform, &reform_households, &reform_persons, duplicates, mode, collect),
        base_table: sides.base_table,
        reform_table: sides.reform_table,
        plan: sides.plan,
        same_input: same_input(base, reform)
            && base_households.layout == reform_households.layout
            && base_persons.layout == reform_persons.layout,
        county,
        n_counties: if program.without_jurisdictions() { 1 } else { reform.jurisdictions.counties.len() },
    };
    let mut impact = ImpactAcc::new(sides.plan, shared.n_counties);
    let threads = reform.pool.current_num_threads();
    let outcome = pipeline(reform.pool, threads + 2, &mut reader, &|chunk| process(&shared, chunk), &mut |output| {
        base_writer.write_chunk(output.base, base)?;
        reform_writer.write_chunk(output.reform, reform)?;
        changes.write_all(&output.changes).map_err(|error| RuntimeError::write(&changes_path, &error))?;
        impact.merge(&output.impact);
        Ok(())
    });
    progress.finish_and_clear();
    let read_time = reader.read_time();
    outcome?;
    if reader.gave_up() {
        let mut timings = reform_writer.timings;
        add_times(&mut timings, &base_writer.timings);
        timings.read = read_time;
        return Ok(PassEnd::Ungrouped(timings));
    }
    let write_started = Instant::now();
    changes.flush().map_err(|error| RuntimeError::write(&changes_path, &error))?;
    drop(changes);
    let base_cases = base_writer.finish(&mut staging, &[], base)?;
    let reform_cases = reform_writer.finish(&mut staging, &[], reform)?;
    write_rejects(&mut staging, &[("base", base_writer.rejects_path()), ("reform", reform_writer.rejects_path())])?;
    let mut timings = reform_writer.timings;
    add_times(&mut timings, &base_writer.timings);
    timings.write += write_started.elapsed();
    timings.read = read_time;
    let hashes = match reader {
        ChunkReader::Grouped(grouped) if collect => {
            let grouped = *grouped;
            Some(PassHashes {
                households: grouped.household_hashes,
                persons: std::mem::take(&mut reform_writer.person_hashes),
                deferred: grouped.deferred,
            })
        }
        ChunkReader::Ungrouped(ungrouped) if collect => Some(PassHashes {
            households: ungrouped.household_hashes,
            persons: std::mem::take(&mut reform_writer.person_hashes),
            deferred: Vec::new(),
        }),
        _ => None,
    };
    Ok(PassEnd::Done(Box::new(DiffPass {
        staging,
        base: [base_writer.households, base_writer.persons, base_cases],
        reform: [reform_writer.households, reform_writer.persons, reform_cases],
        impact,
        hashes,
        timings,
    })))
}

/// The base side's plan of a CSV file whose header the reader opened with the reform's schema:
/// the file's header read again with the base's schema. `None` for pre-split formats, whose
/// cells are in the reader's schema (the same columns on both sides, `check_columns`).
fn side_plan(
    layout: &Layout,
    path: &Path,
    schema: &EntitySchema,
    used: &[bool],
) -> Result<Option<EntityPlan>, RuntimeError> {
    if *layout == Layout::Cells {
        return Ok(None);
    }
    let opened = crate::input::open(path, schema)?;
    Ok(Some(EntityPlan {
        file_name: opened.file_name.clone(),
        layout: opened.layout.clone(),
        used: used.to_vec(),
        spread: opened.spread.clone(),
    }))
}

/// Evaluates one chunk on both sides and compares them.
fn process(shared: &DiffShared<'_>, chunk: &RawChunk) -> Result<DiffOutput, RuntimeError> {
    let (mut base, mut reform) = if shared.same_input {
        // Both sides would type the rows into the same batch: typed once, evaluated twice.
        let prepared = worker::prepare(&shared.reform, chunk)?;
        let copy = prepared.duplicate();
        (worker::evaluate_prepared(&shared.base, copy)?, worker::evaluate_prepared(&shared.reform, prepared)?)
    } else {
        (worker::evaluate(&shared.base, chunk)?, worker::evaluate(&shared.reform, chunk)?)
    };
    let compared = Instant::now();
    let (changes, impact) = compare(shared, chunk, &base, &reform)?;
    let compare_time = compared.elapsed();
    let base_output = worker::output(&shared.base, chunk, &mut base)?;
    let mut reform_output = worker::output(&shared.reform, chunk, &mut reform)?;
    reform_output.times.format += compare_time;
    if shared.same_input {
        worker::recycle_result(&shared.base, base);
    } else {
        worker::recycle(&shared.base, base);
    }
    worker::recycle(&shared.reform, reform);
    Ok(DiffOutput { base: base_output, reform: reform_output, changes, impact })
}

/// The chunk's `changes.csv` rows and summary totals.
fn compare(
    shared: &DiffShared<'_>,
    chunk: &RawChunk,
    base: &Evaluated,
    reform: &Evaluated,
) -> Result<(Vec<u8>, ImpactAcc), RuntimeError> {
    let plan = shared.plan;
    let mut impact = ImpactAcc::new(plan, shared.n_counties);
    let mut changes = Vec::new();
    let (base_program, reform_program) = (shared.base.program, shared.reform.program);
    let base_texts = TextTables {
        literals: &base_program.texts,
        batch: &base.batch.texts,
        jurisdiction: &shared.base.counties.texts,
    };
    let reform_texts = TextTables {
        literals: &reform_program.texts,
        batch: &reform.batch.texts,
        jurisdiction: &shared.reform.counties.texts,
    };
    let (mut base_cell, mut reform_cell) = (Vec::new(), Vec::new());
    for index in 0..chunk.households.len() {
        impact.tally.read += 1;
        let (Some(base_row), Some(reform_row)) = (base.accepted_row(index), reform.accepted_row(index)) else {
            impact.tally.rejected_base += u64::from(base.accepted_row(index).is_none());
            impact.tally.rejected_reform += u64::from(reform.accepted_row(index).is_none());
            impact.tally.rejected_either += 1;
            continue;
        };
        if !in_table(shared.base_table, &base.result.household, base_row)
            || !in_table(shared.reform_table, &reform.result.household, reform_row)
        {
            impact.tally.outside_table += 1;
            continue;
        }
        impact.tally.compared += 1;
        let mut changed = false;
        for column in &plan.columns {
            let from = word_at(&base.result.household, column.base.slot, base_row)?;
            let to = word_at(&reform.result.household, column.reform.slot, reform_row)?;
            // Words of a type written from the word alone give the same text when equal.
            let plain = matches!(column.reform.ty, Ty::Bool | Ty::Int | Ty::Ratio | Ty::Money(_) | Ty::Date);
            if plain && column.base.ty == column.reform.ty && from == to {
                continue;
            }
            base_cell.clear();
            reform_cell.clear();
            push_csv_cell(&mut base_cell, base_program, &base_texts, column.base.ty, from);
            push_csv_cell(&mut reform_cell, reform_program, &reform_texts, column.reform.ty, to);
            if base_cell == reform_cell {
                continue;
            }
            changed = true;
            let start = changes.len();
            changes.extend_from_slice(&chunk.household_keys.get(index).map(<[u8]>::to_vec).unwrap_or_default());
            text_rules::neutralise_csv_tail(&mut changes, start);
            format::quote_csv_tail(&mut changes, start);
            changes.push(b',');
            format::write_csv_field(&mut changes, column.name.as_bytes());
            changes.push(b',');
            changes.extend_from_slice(&base_cell);
            changes.push(b',');
            changes.extend_from_slice(&reform_cell);
            changes.push(b'\n');
        }
        let county = match shared.county {
            None => 0,
            Some(column) => reform
                .batch
                .households
                .get(column, reform_row)
                .and_then(|word| usize::try_from(word).ok())
                .ok_or_else(|| RuntimeError::internal("an accepted household without a county"))?,
        };
        impact.add(
            plan,
            county,
            &SideRow { results: &base.result.household, row: base_row },
            &SideRow { results: &reform.result.household, row: reform_row },
            changed,
        )?;
    }
    Ok((changes, impact))
}

/// Whether both sides type every input row into the same batch: the same columns (names,
/// types, ranges, defaults, roles; enums with the same variants), the same columns read by
/// some rule, and the same county codes. Then a chunk is typed once and evaluated twice; a
/// policy at two dates, or a copy with other parameters, is such a pair.
fn same_input(base: &PassContext<'_>, reform: &PassContext<'_>) -> bool {
    let (base_program, reform_program) = (base.program, reform.program);
    let same_ty = |a: ColumnTy, b: ColumnTy| match (a, b) {
        (ColumnTy::Value(Ty::Enum(a)), ColumnTy::Value(Ty::Enum(b))) => {
            variants_of(base_program, a).is_some_and(|variants| Some(variants) == variants_of(reform_program, b))
        }
        (a, b) => a == b,
    };
    let same_schema = |a: &EntitySchema, b: &EntitySchema| {
        a.kind == b.kind
            && a.key == b.key
            && a.household_ref == b.household_ref
            && a.county == b.county
            && a.declared == b.declared
            && a.columns.len() == b.columns.len()
            && a.columns
                .iter()
                .zip(&b.columns)
                .all(|(a, b)| a.name == b.name && same_ty(a.ty, b.ty) && a.range == b.range && a.default == b.default)
    };
    let codes = |table: &JurisdictionTable| table.counties.iter().map(|county| county.code.clone()).collect::<Vec<_>>();
    same_schema(&base_program.household, &reform_program.household)
        && same_schema(&base_program.person, &reform_program.person)
        && same_schema(&base_program.case, &reform_program.case)
        && base.used == reform.used
        && codes(base.jurisdictions) == codes(reform.jurisdictions)
}

fn variants_of(program: &Program, id: pol_compiler::tir::EnumId) -> Option<Vec<String>> {
    program.enums.get(id.0 as usize).map(|def| def.variants.clone())
}

/// Whether a row passes a table's filter.
fn in_table(table: &TablePlan, results: &[Vec<Word>], row: usize) -> bool {
    match table.filter {
        Some(slot) => results.get(slot).and_then(|column| column.get(row)).is_some_and(|word| *word != 0),
        None => true,
    }
}

/// Writes `rejects.csv`: `side,` and `pol run`'s header, then each side's rows (from its
/// scratch file, header left out) with the side in front, base first.
fn write_rejects(staging: &mut Staging, sides: &[(&str, &Path)]) -> Result<(), RuntimeError> {
    let path = staging.file("rejects.csv");
    let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let write_error = |error: std::io::Error| RuntimeError::write(&path, &error);
    out.write_all(b"side,").map_err(write_error)?;
    out.write_all(rejects::HEADER).map_err(write_error)?;
    for (side, part) in sides {
        let file = File::open(part).map_err(|error| RuntimeError::read(part, &error))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut records = RecordPrefixer {
            prefix: format!("{side},").into_bytes(),
            at_start: true,
            in_quotes: false,
            in_header: true,
        };
        loop {
            let block = reader.fill_buf().map_err(|error| RuntimeError::read(part, &error))?;
            if block.is_empty() {
                break;
            }
            let n = block.len();
            records.copy(block, &mut out).map_err(write_error)?;
            reader.consume(n);
        }
        let _ = std::fs::remove_file(part);
    }
    out.flush().map_err(write_error)
}

/// Copies CSV records (RFC 4180: a newline inside quotes is part of the field) with a prefix in
/// front of each, leaving out the first record (the header); blocks may end anywhere.
struct RecordPrefixer {
    prefix: Vec<u8>,
    at_start: bool,
    in_quotes: bool,
    in_header: bool,
}

impl RecordPrefixer {
    fn copy(&mut self, block: &[u8], out: &mut impl Write) -> std::io::Result<()> {
        let mut from = 0;
        for (offset, byte) in block.iter().enumerate() {
            if self.at_start && !self.in_header {
                out.write_all(block.get(from..offset).unwrap_or_default())?;
                out.write_all(&self.prefix)?;
                from = offset;
            }
            self.at_start = false;
            match byte {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => {
                    if self.in_header {
                        self.in_header = false;
                        from = offset + 1;
                    }
                    self.at_start = true;
                }
                _ => {}
            }
        }
        if !self.in_header {
            out.write_all(block.get(from..).unwrap_or_default())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RecordPrefixer;

    #[test]
    fn every_record_gets_the_prefix_and_a_quoted_newline_is_not_a_record() {
        let text = b"file,line\nh.csv,2,\"a\nb\"\np.csv,3\n";
        for split in 0..text.len() {
            let mut records =
                RecordPrefixer { prefix: b"base,".to_vec(), at_start: true, in_quotes: false, in_header: true };
            let mut out = Vec::new();
            let (first, second) = text.split_at(split);
            records.copy(first, &mut out).unwrap_or_default();
            records.copy(second, &mut out).unwrap_or_default();
            assert_eq!(String::from_utf8_lossy(&out), "base,h.csv,2,\"a\nb\"\nbase,p.csv,3\n", "split at {split}");
        }
    }
}
