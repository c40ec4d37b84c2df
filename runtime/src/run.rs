//! `pol run`: the batch scheduler that reads households, persons and cases, validates them,
//! evaluates them in parallel and writes the outputs, the rejects and the report.
//!
//! # Design
//!
//! The job is millions of households (the target: 5 million households and 17 million persons,
//! CSV to CSV, in 10 seconds on 2 cores with less than 512 MiB of memory), so nothing holds the
//! whole input: the files stream through an ordered pipeline.
//!
//! ```text
//!  reader thread            rayon workers (--threads)             writer (calling thread)
//!  ─────────────            ─────────────────────────             ───────────────────────
//!  households ─┐            split, type, validate   ┐             reorder by chunk index,
//!              ├─ RawChunk ─▶ build Batch           ├─ ChunkOutput ─▶ append to the output
//!  persons ────┘  (8 Ki      engine.evaluate         │             files, merge report totals,
//!                 households) format rows, rejects, ┘             return a token to the reader
//!                             report totals
//! ```
//!
//! **Chunks.** The reader takes 8,192 households (`RunOptions::chunk_households`) and the
//! persons that belong to them, and hands the raw bytes to a worker: it only finds record ends
//! and reads the household id of each household and the household reference of each person.
//! Splitting fields, typing them, validating, building the columnar [`Batch`], evaluating and
//! formatting output rows all happen in the workers, in parallel. The writer writes chunk
//! results strictly in chunk order, so the output is identical byte for byte whatever the number
//! of threads. At most `threads + 2` chunks are in flight (a token channel between writer and
//! reader), which bounds memory.
//!
//! **Lockstep reading.** The usual export lists persons grouped by household, in the
//! households' order. The reader walks both files together: a person joins the current chunk's
//! household with its id (searched from the last match), and a person of the next chunk's
//! households closes the current chunk. A person whose household is in neither chunk is kept as
//! an orphan candidate (rejected as `unknown household`) and its reference's hash is kept.
//! Within a chunk persons may come in any order (they are grouped per household when the batch
//! is built, and their output rows keep file order).
//!
//! **Whole-file facts.** Three things need the whole files before the first row may be final:
//! duplicated ids (a `household_id` or `person_id` that occurs twice rejects every household
//! carrying it), whether an orphan candidate's household really does not exist, and hence
//! whether the persons really were grouped. Rather than reading everything twice, a run is
//! *optimistic*: the first pass writes everything into a staging directory and keeps a 64-bit
//! hash of every household id and person id (8 bytes a row, in 1,024 buckets; see
//! [`crate::hash`]). At its end the hashes are sorted. If no hash repeats and no orphan
//! candidate's reference is the hash of an existing household, the first pass was right and
//! its files are committed. Otherwise the repeated hashes are confirmed exactly by a scan of the
//! id columns (hash collisions are not duplicates), and the run is done again knowing the exact
//! duplicated ids (and, if persons turned out not to be grouped, in the ungrouped mode). Clean
//! data costs one pass; data with duplicates costs two passes and a scan of the id columns.
//!
//! **Ungrouped persons.** When persons are not grouped, the reader loads the whole persons file
//! into memory (its bytes plus about 80 bytes a person for the row, reference and index),
//! builds a hash index of household references, and hands each household chunk its persons from
//! there; persons never claimed are orphans. Person output rows and person rejects then carry
//! their line as a sort key and are written sorted at the end. A pass that meets more than
//! 65,536 orphan candidates stops early and starts over in this mode.
//!
//! **Cases** are a small file: read and typed whole before the households, indexed by household
//! id, attached to their household's batch by the worker, decided (accepted, or rejected with
//! their household), and written sorted by line at the end; cases never claimed are rejected as
//! `unknown household`.
//!
//! **Rejects.** `rejects.csv` lists households, then persons, then cases, each in line order;
//! household rejects stream straight into it, person rejects into a scratch file appended at
//! the end, case rejects are sorted at the end.
//!
//! **Atomic outputs.** Every file is written in a staging directory inside the output
//! directory and renamed into place only when the run succeeded; a failed run (a bad header, a
//! file that is not UTF-8 found halfway, a full disk) removes the staging directory and leaves
//! the output directory as it was.
//!
//! **Typing** is column at a time over blocks of 64 rows (see `typing.rs`): a block's cells are
//! found once (commas located 8 bytes at a time), then each column is typed over the block
//! with its kind resolved once; UTF-8 is checked once per chunk, so text cells are sliced
//! without a second check. Batches, their text tables and chunk buffers are reused.
//!
//! **Measured** (release build, Shaanxi policy, JIT, 2 threads, on the 2-core development
//! machine while other jobs ran on it): 5,000,000 households / 17,904,830 persons / 274,862
//! cases, CSV to CSV: 12.7–14.2 s wall, 23–25 s CPU, peak RSS 466 MB (181 MB of it the id
//! hashes); the 10 s target needs about a fifth less CPU (next: hand the reader's file blocks
//! to chunks without copying records). 1,000,000 households: 2.9 s clean; 6.2 s with 1% bad
//! rows (two passes); 6.5 s and 845 MB with the persons file shuffled (ungrouped).
//!
//! Rejected alternatives: a pre-pass over the id columns (costs a full read of 2.4 GB on every
//! run, clean or not); holding all ids as strings (gigabytes); sorting persons on disk (the usual
//! export is already grouped); writing rows from the workers directly (output order would depend
//! on scheduling).
//!
//! # Example
//!
//! ```text
//! let summary = run(&program, &counties, &jurisdictions, &RunOptions::new(households, persons, out, as_of), &engine)?;
//! print!("{summary}");   // read 3 households: 2 accepted, 1 rejected …
//! ```

use crate::cases::CaseStore;
use crate::chunk::{
    self, CaseDecision, ChunkOutput, Duplicates, EntityPlan, KeyList, ORPHAN, RawChunk, Shared, StageTimes,
};
use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::hash::{HashCollector, hash_bytes};
use crate::input::{self, Layout, OpenedInput, RawTable, TableSize};
use crate::output::{OutputFormat, Staging, TablePart, TablePlan, TableSink};
use crate::report::{ReportAcc, ReportPlan};
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{EntitySchema, Expr, ExprKind, Program, Word};
use pol_grammar::ast::EntityKind;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to run on.
#[derive(Debug, Clone)]
pub struct RunOptions<'a> {
    /// The households file (`.csv`, `.jsonl`/`.ndjson` or `.parquet`).
    pub households: PathBuf,
    /// The persons file.
    pub persons: PathBuf,
    /// The cases file, if any.
    pub cases: Option<PathBuf>,
    /// The evaluation date (the county table must be resolved for it).
    pub as_of: Word,
    /// The output directory (created if needed).
    pub out_dir: PathBuf,
    /// The format of the output tables (`rejects.csv` and the report are always as named).
    pub output_format: OutputFormat,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
    /// Kept for the CLI (`--timings`): timings are always measured and returned in
    /// [`RunSummary::timings`]; the CLI prints them when asked.
    pub timings: bool,
    /// Households per chunk (the unit of parallel work); 8,192 by default.
    pub chunk_households: usize,
    /// The policy's sources, to name the policy location of evaluation errors.
    pub sources: Option<&'a Sources>,
}

impl<'a> RunOptions<'a> {
    /// Options with the defaults: CSV outputs, every core, no progress bar.
    pub fn new(households: PathBuf, persons: PathBuf, out_dir: PathBuf, as_of: Word) -> RunOptions<'a> {
        RunOptions {
            households,
            persons,
            cases: None,
            as_of,
            out_dir,
            output_format: OutputFormat::Csv,
            threads: None,
            progress: false,
            timings: false,
            chunk_households: DEFAULT_CHUNK_HOUSEHOLDS,
            sources: None,
        }
    }
}

/// The default number of households per chunk.
pub const DEFAULT_CHUNK_HOUSEHOLDS: usize = 8_192;

/// Orphan candidates beyond which a grouped pass gives up and the run starts over ungrouped.
const MAX_DEFERRED: usize = 65_536;

/// Rows of one input file: read = accepted + rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Data rows read.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows rejected (one `rejects.csv` row each).
    pub rejected: u64,
}

impl RowCounts {
    fn add(&mut self, other: RowCounts) {
        self.read += other.read;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
    }
}

/// Time spent per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Reading files and finding records (the reader thread).
    pub read: Duration,
    /// Splitting, typing, validating and building batches (summed over workers).
    pub parse: Duration,
    /// The engine (summed over workers).
    pub evaluate: Duration,
    /// Formatting output rows, rejects and report totals (summed over workers).
    pub format: Duration,
    /// Writing files, sorting keyed tables, the report (the writer).
    pub write: Duration,
    /// Finding the id hashes that repeat, after the first pass.
    pub ids: Duration,
    /// Confirming duplicated ids (only when hashes repeat).
    pub confirm: Duration,
    /// The whole run.
    pub wall: Duration,
}

impl fmt::Display for Timings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = |duration: Duration| duration.as_secs_f64();
        writeln!(formatter, "read    {:8.3} s (reader thread)", seconds(self.read))?;
        writeln!(formatter, "parse   {:8.3} s (summed over workers)", seconds(self.parse))?;
        writeln!(formatter, "eval    {:8.3} s (summed over workers)", seconds(self.evaluate))?;
        writeln!(formatter, "format  {:8.3} s (summed over workers)", seconds(self.format))?;
        writeln!(formatter, "write   {:8.3} s (writer)", seconds(self.write))?;
        if !self.ids.is_zero() {
            writeln!(formatter, "ids     {:8.3} s (finding repeated ids)", seconds(self.ids))?;
        }
        if !self.confirm.is_zero() {
            writeln!(formatter, "confirm {:8.3} s (duplicate ids)", seconds(self.confirm))?;
        }
        writeln!(formatter, "wall    {:8.3} s", seconds(self.wall))
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Household rows.
    pub households: RowCounts,
    /// Person rows.
    pub persons: RowCounts,
    /// Case rows.
    pub cases: RowCounts,
    /// The files written, in the output directory.
    pub outputs: Vec<PathBuf>,
    /// Time per stage.
    pub timings: Timings,
    /// Whether persons were read in lockstep with their households (false: indexed in memory).
    pub persons_grouped: bool,
    /// Passes over the input (1 for clean data; 2 with duplicated ids or ungrouped persons).
    pub passes: u32,
    /// Duplicated household ids and person ids found.
    pub duplicate_ids: usize,
    /// Bytes held by the id hashes of the first pass, for measurements.
    pub hash_bytes: usize,
}

impl fmt::Display for RunSummary {
    /// The closing lines of a run: `read N households: A accepted, R rejected`, and likewise for
    /// persons and cases.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, counts) in [("households", self.households), ("persons", self.persons), ("cases", self.cases)] {
            writeln!(
                formatter,
                "read {} {name}: {} accepted, {} rejected",
                counts.read, counts.accepted, counts.rejected
            )?;
        }
        Ok(())
    }
}

/// Runs `program` over the input files of `options` with `engine`, writing every output table,
/// `rejects.csv`, and the report (if declared) into `options.out_dir`.
///
/// `counties` is the county table resolved for `options.as_of`; `jurisdictions` supplies county
/// codes, cities and names. Returns the row counts (the CLI prints them with `{summary}`), or an
/// error — a file that cannot be read, a header missing a column, bytes that are not UTF-8 —
/// in which case no output file was written or changed.
pub fn run(
    program: &Program,
    counties: &CountyTable,
    jurisdictions: &JurisdictionTable,
    options: &RunOptions<'_>,
    engine: &dyn Engine,
) -> Result<RunSummary, RuntimeError> {
    let started = Instant::now();
    check_schemas(program, options)?;
    let typer = FieldTyper::new(program, jurisdictions);
    let used = used_columns(program);
    let cases = match &options.cases {
        Some(path) => CaseStore::read(path, program, &typer, &used[2])?,
        None => CaseStore::empty(&program.case),
    };
    let report = ReportPlan::of_program(program)?;
    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from)).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|error| RuntimeError::internal(error.to_string()))?;
    let context = PassContext {
        pool: &pool,
        program,
        counties,
        jurisdictions,
        options,
        engine,
        typer: &typer,
        used: &used,
        cases: &cases,
        report: report.as_ref(),
    };
    let mut mode = Mode::Grouped;
    let mut duplicates = Duplicates::default();
    let mut collect = true;
    let mut passes = 0;
    let mut timings = Timings::default();
    let mut hash_memory = 0;
    let finished = loop {
        passes += 1;
        let pass = match run_pass(&context, mode, &duplicates, collect)? {
            PassEnd::Done(pass) => *pass,
            PassEnd::Ungrouped(times) => {
                add_times(&mut timings, &times);
                mode = Mode::Ungrouped;
                continue;
            }
        };
        let mut pass = pass;
        add_times(&mut timings, &pass.timings);
        let Some(mut hashes) = pass.hashes.take() else { break pass };
        hash_memory = hashes.households.heap_bytes() + hashes.persons.heap_bytes();
        let ids_started = Instant::now();
        let (repeated_households, repeated_persons) = pool.install(|| {
            hashes.households.sort();
            (hashes.households.repeated(), std::mem::take(&mut hashes.persons).into_repeated())
        });
        timings.ids += ids_started.elapsed();
        if !repeated_households.is_empty() || !repeated_persons.is_empty() {
            let confirm_started = Instant::now();
            duplicates = confirm_duplicates(program, options, &repeated_households, &repeated_persons)?;
            timings.confirm += confirm_started.elapsed();
        }
        let grouped_ok = hashes
            .deferred
            .iter()
            .all(|hash| !hashes.households.contains(*hash) || duplicates.has_household_hash(*hash));
        if duplicates.is_empty() && grouped_ok {
            break pass;
        }
        drop(pass);
        if !grouped_ok {
            mode = Mode::Ungrouped;
        }
        collect = false;
    };
    let outputs = finished.staging.commit()?;
    timings.wall = started.elapsed();
    let summary = RunSummary {
        households: finished.households,
        persons: finished.persons,
        cases: finished.cases,
        outputs,
        timings,
        persons_grouped: mode == Mode::Grouped,
        passes,
        duplicate_ids: duplicates.households.len() + duplicates.persons.len(),
        hash_bytes: hash_memory,
    };
    for counts in [summary.households, summary.persons, summary.cases] {
        debug_assert_eq!(counts.read, counts.accepted + counts.rejected);
        if counts.read != counts.accepted + counts.rejected {
            return Err(RuntimeError::internal(format!(
                "{} rows read but {} accepted and {} rejected",
                counts.read, counts.accepted, counts.rejected
            )));
        }
    }
    Ok(summary)
}

fn add_times(timings: &mut Timings, pass: &Timings) {
    timings.read += pass.read;
    timings.parse += pass.parse;
    timings.evaluate += pass.evaluate;
    timings.format += pass.format;
    timings.write += pass.write;
}

/// Fails when the schemas lack what a run needs.
fn check_schemas(program: &Program, options: &RunOptions<'_>) -> Result<(), RuntimeError> {
    if program.household.key.is_none() {
        return Err(RuntimeError::Schema {
            entity: "household",
            what: "`key`",
            help: "declare the household id column as `household_id: key`",
        });
    }
    if program.household.county.is_none() {
        return Err(RuntimeError::Schema {
            entity: "household",
            what: "`county`",
            help: "declare the county column as `county_code: county`",
        });
    }
    if program.person.household_ref.is_none() {
        return Err(RuntimeError::Schema {
            entity: "person",
            what: "`household`",
            help: "declare the person's household as `household_id: household`",
        });
    }
    if options.cases.is_some() {
        if !program.case.declared {
            return Err(RuntimeError::UndeclaredEntity { entity: "case" });
        }
        if program.case.household_ref.is_none() {
            return Err(RuntimeError::Schema {
                entity: "case",
                what: "`household`",
                help: "declare the case's household as `household_id: household`",
            });
        }
    }
    Ok(())
}

/// Whether each column of each entity (household, person, case) is read by some rule.
pub(crate) fn used_columns(program: &Program) -> [Vec<bool>; 3] {
    let mut used = [
        vec![false; program.household.columns.len()],
        vec![false; program.person.columns.len()],
        vec![false; program.case.columns.len()],
    ];
    let mut stack: Vec<&Expr> = program.rules.iter().map(|rule| &rule.body).collect();
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Column(entity, column) => {
                let slot = match entity {
                    EntityKind::Household => used.get_mut(0),
                    EntityKind::Person => used.get_mut(1),
                    EntityKind::Case => used.get_mut(2),
                };
                if let Some(flag) = slot.and_then(|columns| columns.get_mut(column.0 as usize)) {
                    *flag = true;
                }
            }
            ExprKind::Unary(_, operand) | ExprKind::Mask(operand) => stack.push(operand),
            ExprKind::Binary(_, left, right) => {
                stack.push(left);
                stack.push(right);
            }
            ExprKind::If(cond, then, otherwise) => stack.extend([cond.as_ref(), then.as_ref(), otherwise.as_ref()]),
            ExprKind::Match(scrutinee, arms) => {
                stack.push(scrutinee);
                stack.extend(arms.iter().map(|(_, body)| body));
            }
            ExprKind::Aggregate { filter, value, .. } => {
                stack.extend(filter.as_deref());
                stack.extend(value.as_deref());
            }
            ExprKind::Const(_)
            | ExprKind::Rule(_)
            | ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => {}
        }
    }
    used
}

/// How persons are matched with their households.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// In lockstep with the households file.
    Grouped,
    /// From an in-memory index of the whole persons file.
    Ungrouped,
}

/// What every pass shares.
struct PassContext<'a> {
    /// The workers (`--threads`).
    pool: &'a rayon::ThreadPool,
    program: &'a Program,
    counties: &'a CountyTable,
    jurisdictions: &'a JurisdictionTable,
    options: &'a RunOptions<'a>,
    engine: &'a dyn Engine,
    typer: &'a FieldTyper<'a>,
    used: &'a [Vec<bool>; 3],
    cases: &'a CaseStore,
    report: Option<&'a ReportPlan>,
}

/// The id hashes of a first pass.
struct PassHashes {
    households: HashCollector,
    persons: HashCollector,
    /// References of orphan candidates.
    deferred: Vec<u64>,
}

/// A finished pass: its staged files and counts.
struct PassResult {
    staging: Staging,
    households: RowCounts,
    persons: RowCounts,
    cases: RowCounts,
    hashes: Option<PassHashes>,
    timings: Timings,
}

enum PassEnd {
    /// The pass ran to the end.
    Done(Box<PassResult>),
    /// The persons are not grouped: the pass stopped early.
    Ungrouped(Timings),
}

/// An opened input with the column the reader needs.
struct ReaderInput {
    opened: OpenedInput,
    /// The key column (households) or household reference column (persons).
    key_column: usize,
    /// The size of the last chunk's table, to make room for as much in the next.
    last: TableSize,
}

impl ReaderInput {
    fn plan(&self, used: &[bool]) -> EntityPlan {
        EntityPlan { file_name: self.opened.file_name.clone(), layout: self.opened.layout.clone(), used: used.to_vec() }
    }

    fn table(&self, schema: &EntitySchema) -> RawTable {
        RawTable::new(if self.opened.layout == Layout::Cells { schema.columns.len() } else { 0 })
    }
}

fn open_input(
    path: &Path,
    schema: &EntitySchema,
    key_column: Option<pol_compiler::tir::ColumnId>,
) -> Result<ReaderInput, RuntimeError> {
    let opened = input::open(path, schema)?;
    Ok(ReaderInput { opened, key_column: key_column.map_or(0, |column| column.0 as usize), last: TableSize::default() })
}

/// One pass over the input: everything written into a new staging directory.
fn run_pass(
    context: &PassContext<'_>,
    mode: Mode,
    duplicates: &Duplicates,
    collect: bool,
) -> Result<PassEnd, RuntimeError> {
    let program = context.program;
    let options = context.options;
    let households = open_input(&options.households, &program.household, program.household.key)?;
    let persons = open_input(&options.persons, &program.person, program.person.household_ref)?;
    let household_plan = households.plan(&context.used[0]);
    let person_plan = persons.plan(&context.used[1]);
    let mut staging = Staging::create(&options.out_dir)?;
    let tables = TablePlan::of_program(program, options.output_format, mode == Mode::Ungrouped)?;
    let mut writer = Writer::create(&mut staging, &tables, context, mode)?;
    let progress = progress_bar(options.progress, households.opened.total);
    let chunk_size = options.chunk_households.max(1);
    let mut reader = match mode {
        Mode::Grouped => ChunkReader::Grouped(Box::new(GroupedReader::new(
            households,
            persons,
            program,
            chunk_size,
            collect,
            progress.clone(),
        ))),
        Mode::Ungrouped => ChunkReader::Ungrouped(Box::new(UngroupedReader::new(
            households,
            persons,
            program,
            chunk_size,
            collect,
            progress.clone(),
        )?)),
    };
    let shared = Shared {
        program,
        counties: context.counties,
        engine: context.engine,
        sources: options.sources,
        typer: context.typer,
        households: &household_plan,
        persons: &person_plan,
        cases: context.cases,
        duplicates,
        tables: &tables,
        report: context.report,
        persons_keyed: mode == Mode::Ungrouped,
        collect_person_hashes: collect,
        batches: Mutex::new(Vec::new()),
        results: Mutex::new(Vec::new()),
    };
    let threads = context.pool.current_num_threads();
    // One chunk being read beyond those the workers hold is not enough: a token comes back only
    // when the next chunk *in order* is written, so a chunk finished early holds its token, and
    // with `threads + 1` a worker then waits for the reader (5M households, 2 threads, four
    // alternated rounds: 7.0-8.2 s with `threads + 2` against 7.7-8.7 s, for 5 MiB more).
    let outcome = pipeline(context.pool, threads + 2, &mut reader, &shared, &mut writer);
    progress.finish_and_clear();
    let read_time = reader.read_time();
    outcome?;
    if reader.gave_up() {
        let mut timings = writer.timings;
        timings.read = read_time;
        return Ok(PassEnd::Ungrouped(timings));
    }
    let write_started = Instant::now();
    let cases = writer.finish(&mut staging, &tables, context)?;
    let mut timings = writer.timings;
    timings.write += write_started.elapsed();
    timings.read = read_time;
    let hashes = match reader {
        ChunkReader::Grouped(grouped) if collect => {
            let grouped = *grouped;
            Some(PassHashes {
                households: grouped.household_hashes,
                persons: writer.person_hashes,
                deferred: grouped.deferred,
            })
        }
        ChunkReader::Ungrouped(ungrouped) if collect => Some(PassHashes {
            households: ungrouped.household_hashes,
            persons: writer.person_hashes,
            deferred: Vec::new(),
        }),
        _ => None,
    };
    Ok(PassEnd::Done(Box::new(PassResult {
        staging,
        households: writer.households,
        persons: writer.persons,
        cases,
        hashes,
        timings,
    })))
}

fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent}% households read")
    {
        bar.set_style(style);
    }
    bar
}

/// Reader thread → workers → ordered writer, with at most `max_in_flight` chunks in flight.
fn pipeline(
    pool: &rayon::ThreadPool,
    max_in_flight: usize,
    reader: &mut ChunkReader,
    shared: &Shared<'_>,
    writer: &mut Writer,
) -> Result<(), RuntimeError> {
    let (result_tx, result_rx) = std::sync::mpsc::channel::<(usize, Result<ChunkOutput, RuntimeError>)>();
    let (token_tx, token_rx) = std::sync::mpsc::sync_channel::<()>(max_in_flight);
    for _ in 0..max_in_flight {
        token_tx.send(()).map_err(|_| RuntimeError::internal("token channel closed"))?;
    }
    let mut failure = None;
    pool.in_place_scope(|scope| {
        std::thread::scope(|threads| {
            threads.spawn(move || {
                let mut next_index = 0;
                loop {
                    if token_rx.recv().is_err() {
                        break;
                    }
                    match reader.next_chunk(next_index) {
                        Ok(Some(chunk)) => {
                            next_index += 1;
                            let sender = result_tx.clone();
                            scope.spawn(move |_| {
                                let index = chunk.index;
                                let output = chunk::process(shared, &chunk);
                                drop(chunk);
                                let _ = sender.send((index, output));
                            });
                        }
                        Ok(None) => break,
                        Err(error) => {
                            let _ = result_tx.send((next_index, Err(error)));
                            break;
                        }
                    }
                }
            });
            let mut pending: BTreeMap<usize, Result<ChunkOutput, RuntimeError>> = BTreeMap::new();
            let mut next = 0usize;
            'receive: for (index, output) in result_rx.iter() {
                pending.insert(index, output);
                while let Some(output) = pending.remove(&next) {
                    let written = output.and_then(|output| writer.write_chunk(output));
                    if let Err(error) = written {
                        failure = Some(error);
                        break 'receive;
                    }
                    next += 1;
                    // The reader may have finished (and dropped its end): that is no error.
                    let _ = token_tx.send(());
                }
            }
            drop(token_tx);
            if failure.is_none()
                && let Some((_, Err(error))) = pending.pop_first()
            {
                failure = Some(error);
            }
        });
    });
    match failure {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Produces chunks in order.
enum ChunkReader {
    Grouped(Box<GroupedReader>),
    Ungrouped(Box<UngroupedReader>),
}

impl ChunkReader {
    fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let started = Instant::now();
        let chunk = match self {
            ChunkReader::Grouped(reader) => reader.next_chunk(index),
            ChunkReader::Ungrouped(reader) => reader.next_chunk(index),
        };
        match self {
            ChunkReader::Grouped(reader) => reader.time += started.elapsed(),
            ChunkReader::Ungrouped(reader) => reader.time += started.elapsed(),
        }
        chunk
    }

    fn read_time(&self) -> Duration {
        match self {
            ChunkReader::Grouped(reader) => reader.time,
            ChunkReader::Ungrouped(reader) => reader.time,
        }
    }

    fn gave_up(&self) -> bool {
        matches!(self, ChunkReader::Grouped(reader) if reader.gave_up)
    }
}

/// Reads the next household chunk (up to `size` households) into a new chunk.
fn read_households(
    input: &mut ReaderInput,
    schema: &EntitySchema,
    size: usize,
    hashes: Option<&mut HashCollector>,
) -> Result<RawChunk, RuntimeError> {
    let mut households = input.table(schema);
    households.reserve(input.last.with_margin());
    let household_keys = KeyList::with_capacity(size, input.last.rows * 16);
    let mut chunk = RawChunk { households, household_keys, ..RawChunk::default() };
    let mut hashes = hashes;
    while chunk.households.len() < size {
        if !input.opened.source.next_into(&mut chunk.households)? {
            break;
        }
        let last = chunk.households.len() - 1;
        let key = input.opened.layout.cell_text(&chunk.households, last, input.key_column);
        let hash = chunk.household_keys.push(key.as_deref());
        if let (Some(collector), Some(_)) = (hashes.as_deref_mut(), key) {
            collector.push(hash);
        }
    }
    input.last = chunk.households.size();
    Ok(chunk)
}

/// The lockstep reader for persons grouped by household (see the module documentation).
struct GroupedReader {
    households: ReaderInput,
    persons: ReaderInput,
    household_schema: EntitySchema,
    chunk_size: usize,
    started: bool,
    current: Option<RawChunk>,
    next: Option<RawChunk>,
    cursor: usize,
    households_done: bool,
    persons_done: bool,
    /// The size of the last emitted chunk's persons, to make room for as many in the next.
    person_hint: TableSize,
    /// Cells per person row (0 for CSV records).
    person_n_cells: usize,
    household_hashes: HashCollector,
    collect: bool,
    deferred: Vec<u64>,
    gave_up: bool,
    progress: indicatif::ProgressBar,
    time: Duration,
}

impl GroupedReader {
    fn new(
        households: ReaderInput,
        persons: ReaderInput,
        program: &Program,
        chunk_size: usize,
        collect: bool,
        progress: indicatif::ProgressBar,
    ) -> GroupedReader {
        let person_n_cells = if persons.opened.layout == Layout::Cells { program.person.columns.len() } else { 0 };
        GroupedReader {
            households,
            persons,
            household_schema: program.household.clone(),
            chunk_size,
            started: false,
            current: None,
            next: None,
            cursor: 0,
            households_done: false,
            persons_done: false,
            person_hint: TableSize::default(),
            person_n_cells,
            household_hashes: HashCollector::default(),
            collect,
            deferred: Vec::new(),
            gave_up: false,
            progress,
            time: Duration::ZERO,
        }
    }

    /// A chunk without households (for persons after the last household).
    fn empty_chunk(&self) -> RawChunk {
        let mut chunk = RawChunk::default();
        self.make_room_for_persons(&mut chunk);
        chunk
    }

    /// Gives `chunk` an empty persons table, and lists, with room for as many persons as the
    /// last emitted chunk had.
    fn make_room_for_persons(&self, chunk: &mut RawChunk) {
        let room = self.person_hint.with_margin();
        chunk.persons = RawTable::new(self.person_n_cells);
        chunk.persons.reserve(room);
        chunk.person_refs = KeyList::with_capacity(room.rows, room.rows * 12);
        chunk.person_household = Vec::with_capacity(room.rows);
    }

    /// Reads a chunk of households; marks the households done when it is not full.
    fn read_chunk(&mut self) -> Result<RawChunk, RuntimeError> {
        let hashes = if self.collect { Some(&mut self.household_hashes) } else { None };
        let mut chunk = read_households(&mut self.households, &self.household_schema, self.chunk_size, hashes)?;
        self.make_room_for_persons(&mut chunk);
        if chunk.households.len() < self.chunk_size {
            self.households_done = true;
        }
        self.progress.set_position(self.households.opened.source.position());
        Ok(chunk)
    }

    /// The chunk after the current one, if households remain.
    fn read_next(&mut self) -> Result<Option<RawChunk>, RuntimeError> {
        if self.households_done { Ok(None) } else { self.read_chunk().map(Some) }
    }

    fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        if self.gave_up {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            self.current = Some(self.read_chunk()?);
            self.next = self.read_next()?;
        }
        let cap = self.chunk_size.saturating_mul(16).max(1024);
        while !self.persons_done {
            let Some(current) = self.current.as_mut() else { break };
            if !self.persons.opened.source.next_into(&mut current.persons)? {
                self.persons_done = true;
                break;
            }
            let last = current.persons.len() - 1;
            // The reference is read in place (no copy); it is used before the row may move.
            let reference = self.persons.opened.layout.cell_text(&current.persons, last, self.persons.key_column);
            if let Some(key) = reference.as_deref() {
                let hash = hash_bytes(key);
                if let Some(found) = find_household(current, self.cursor, hash, key) {
                    current.person_refs.push_hashed(Some(key), hash);
                    current.person_household.push(found as u32);
                    self.cursor = found;
                    drop(reference);
                    if current.persons.len() >= cap {
                        return self.emit(index);
                    }
                    continue;
                }
                if let Some(next) = self.next.as_mut()
                    && let Some(found) = find_household(next, 0, hash, key)
                {
                    next.person_refs.push_hashed(Some(key), hash);
                    next.person_household.push(found as u32);
                    drop(reference);
                    current.persons.pop_into(&mut next.persons);
                    let emitted = self.emit(index)?;
                    self.cursor = found;
                    return Ok(emitted);
                }
                current.person_refs.push_hashed(Some(key), hash);
                self.deferred.push(hash);
                if self.deferred.len() > MAX_DEFERRED {
                    self.gave_up = true;
                    return Ok(None);
                }
            } else {
                current.person_refs.push(None);
            }
            current.person_household.push(ORPHAN);
            if current.persons.len() >= cap {
                return self.emit(index);
            }
        }
        // Persons are done: emit the chunks left.
        loop {
            let Some(current) = self.current.take() else { return Ok(None) };
            self.current = self.next.take();
            self.next = if self.current.is_some() { self.read_next()? } else { None };
            if current.households.len() > 0 || current.persons.len() > 0 {
                return Ok(Some(RawChunk { index, ..current }));
            }
        }
    }

    /// Emits the current chunk and moves on to the next.
    fn emit(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let current = self.current.take();
        if let Some(chunk) = &current {
            self.person_hint = chunk.persons.size();
        }
        self.current = Some(match self.next.take() {
            Some(next) => next,
            None => self.empty_chunk(),
        });
        self.next = self.read_next()?;
        self.cursor = 0;
        Ok(current.map(|chunk| RawChunk { index, ..chunk }))
    }
}

/// The household of `chunk` with id `key`, searched from `cursor` on and then from the start.
fn find_household(chunk: &RawChunk, cursor: usize, hash: u64, key: &[u8]) -> Option<usize> {
    let keys = &chunk.household_keys;
    let is_it = |index: usize| keys.hash(index) == hash && keys.get(index) == Some(key);
    // Grouped persons name the household at the cursor, or else the one after it: both are
    // looked at first, in the order the full search below takes, so the result is the same.
    if is_it(cursor) {
        return Some(cursor);
    }
    if is_it(cursor + 1) {
        return Some(cursor + 1);
    }
    let n = keys.len();
    (cursor..n).chain(0..cursor.min(n)).find(|index| is_it(*index))
}

/// The reader for persons in any order: the whole persons file indexed in memory.
struct UngroupedReader {
    households: ReaderInput,
    household_schema: EntitySchema,
    persons: RawTable,
    references: KeyList,
    /// (reference hash, person row), sorted.
    index: Vec<(u64, u32)>,
    claimed: Vec<bool>,
    chunk_size: usize,
    households_done: bool,
    orphans_from: Option<usize>,
    household_hashes: HashCollector,
    collect: bool,
    progress: indicatif::ProgressBar,
    time: Duration,
}

impl UngroupedReader {
    fn new(
        households: ReaderInput,
        mut persons_input: ReaderInput,
        program: &Program,
        chunk_size: usize,
        collect: bool,
        progress: indicatif::ProgressBar,
    ) -> Result<UngroupedReader, RuntimeError> {
        let started = Instant::now();
        let mut persons = persons_input.table(&program.person);
        if persons_input.opened.layout != Layout::Cells {
            // The whole file is about to be held: size the buffer once instead of doubling it.
            persons.bytes.reserve(usize::try_from(persons_input.opened.total).unwrap_or(0));
        }
        let mut references = KeyList::default();
        let mut index = Vec::new();
        while persons_input.opened.source.next_into(&mut persons)? {
            let last = persons.len() - 1;
            let reference = persons_input.opened.layout.cell_text(&persons, last, persons_input.key_column);
            let hash = references.push(reference.as_deref());
            if reference.is_some() {
                index.push((
                    hash,
                    u32::try_from(last).map_err(|_| RuntimeError::internal("more than 4 billion persons"))?,
                ));
            }
        }
        index.sort_unstable();
        let claimed = vec![false; persons.len()];
        Ok(UngroupedReader {
            households,
            household_schema: program.household.clone(),
            persons,
            references,
            index,
            claimed,
            chunk_size,
            households_done: false,
            orphans_from: None,
            household_hashes: HashCollector::default(),
            collect,
            progress,
            time: started.elapsed(),
        })
    }

    fn next_chunk(&mut self, index: usize) -> Result<Option<RawChunk>, RuntimeError> {
        let n_cells = self.persons.n_cells;
        if !self.households_done {
            let hashes = if self.collect { Some(&mut self.household_hashes) } else { None };
            let mut chunk = read_households(&mut self.households, &self.household_schema, self.chunk_size, hashes)?;
            self.progress.set_position(self.households.opened.source.position());
            if chunk.households.len() < self.chunk_size {
                self.households_done = true;
            }
            chunk.persons = RawTable::new(n_cells);
            for household in 0..chunk.household_keys.len() {
                let Some(key) = chunk.household_keys.get(household) else { continue };
                let hash = chunk.household_keys.hash(household);
                let start = self.index.partition_point(|(candidate, _)| *candidate < hash);
                for (candidate, person) in self.index.get(start..).unwrap_or(&[]) {
                    if *candidate != hash {
                        break;
                    }
                    let person = *person as usize;
                    let unclaimed = self.claimed.get(person).is_some_and(|claimed| !claimed);
                    if unclaimed && self.references.get(person) == Some(key) {
                        if let Some(flag) = self.claimed.get_mut(person) {
                            *flag = true;
                        }
                        chunk.persons.push_from(&self.persons, person);
                        chunk.person_refs.push_hashed(Some(key), hash);
                        chunk.person_household.push(household as u32);
                    }
                }
            }
            if chunk.households.len() > 0 {
                return Ok(Some(RawChunk { index, ..chunk }));
            }
        }
        // Orphans, in pieces.
        let mut from = self.orphans_from.unwrap_or(0);
        let mut chunk = RawChunk { persons: RawTable::new(n_cells), ..RawChunk::default() };
        while from < self.claimed.len() && chunk.persons.len() < self.chunk_size.saturating_mul(4) {
            if !self.claimed.get(from).copied().unwrap_or(true) {
                chunk.persons.push_from(&self.persons, from);
                chunk.person_refs.push(self.references.get(from));
                chunk.person_household.push(ORPHAN);
            }
            from += 1;
        }
        self.orphans_from = Some(from);
        Ok((chunk.persons.len() > 0).then_some(RawChunk { index, ..chunk }))
    }
}

/// Confirms the repeated hashes: scans the id columns and keeps the ids that really occur more
/// than once, with their lines.
fn confirm_duplicates(
    program: &Program,
    options: &RunOptions<'_>,
    households: &[u64],
    persons: &[u64],
) -> Result<Duplicates, RuntimeError> {
    let scan =
        |path: &Path, schema: &EntitySchema, candidates: &[u64]| -> Result<HashMap<Vec<u8>, Vec<u64>>, RuntimeError> {
            let mut found: HashMap<Vec<u8>, Vec<u64>> = HashMap::new();
            if candidates.is_empty() {
                return Ok(found);
            }
            let candidates: HashSet<u64> = candidates.iter().copied().collect();
            let mut input = open_input(path, schema, schema.key)?;
            let mut table = input.table(schema);
            loop {
                table.clear();
                if !input.opened.source.next_into(&mut table)? {
                    break;
                }
                if let Some(key) = input.opened.layout.cell_text(&table, 0, input.key_column)
                    && candidates.contains(&hash_bytes(&key))
                {
                    let line = table.rows.first().map_or(0, |row| row.line);
                    found.entry(key.into_owned()).or_default().push(line);
                }
            }
            found.retain(|_, lines| lines.len() > 1);
            Ok(found)
        };
    let household_ids = scan(&options.households, &program.household, households)?;
    let person_ids = scan(&options.persons, &program.person, persons)?;
    Ok(Duplicates::new(household_ids, person_ids))
}

impl Duplicates {
    /// Whether some duplicated household id has this hash.
    fn has_household_hash(&self, hash: u64) -> bool {
        self.households.keys().any(|key| hash_bytes(key) == hash)
    }
}

/// The writer's side of a pass: files being written and totals being merged.
struct Writer {
    sinks: Vec<TableSink>,
    rejects: BufWriter<File>,
    rejects_path: PathBuf,
    person_rejects: PersonRejects,
    case_decisions: Vec<Option<CaseDecision>>,
    report: Option<ReportAcc>,
    households: RowCounts,
    persons: RowCounts,
    person_hashes: HashCollector,
    timings: Timings,
}

enum PersonRejects {
    /// Streamed into a scratch file, appended to `rejects.csv` at the end.
    File(BufWriter<File>, PathBuf),
    /// Keyed rows, sorted at the end.
    Sorted(Vec<TablePart>),
}

impl Writer {
    fn create(
        staging: &mut Staging,
        tables: &[TablePlan],
        context: &PassContext<'_>,
        mode: Mode,
    ) -> Result<Writer, RuntimeError> {
        let mut sinks = Vec::with_capacity(tables.len());
        for plan in tables {
            sinks.push(TableSink::create(staging.file(&plan.file_name()), plan)?);
        }
        let rejects_path = staging.file("rejects.csv");
        let file = File::create(&rejects_path).map_err(|error| RuntimeError::write(&rejects_path, &error))?;
        let mut rejects = BufWriter::with_capacity(1 << 20, file);
        rejects
            .write_all(b"file,line,household_id,field,reason\n")
            .map_err(|error| RuntimeError::write(&rejects_path, &error))?;
        let person_rejects = match mode {
            Mode::Grouped => {
                let path = staging.scratch("rejects-persons.part");
                let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
                PersonRejects::File(BufWriter::with_capacity(1 << 20, file), path)
            }
            Mode::Ungrouped => PersonRejects::Sorted(Vec::new()),
        };
        Ok(Writer {
            sinks,
            rejects,
            rejects_path,
            person_rejects,
            case_decisions: vec![None; context.cases.len()],
            report: context.report.map(|plan| ReportAcc::new(plan, context.counties.len())),
            households: RowCounts::default(),
            persons: RowCounts::default(),
            person_hashes: HashCollector::default(),
            timings: Timings::default(),
        })
    }

    /// Appends one chunk's results (chunks arrive in order).
    fn write_chunk(&mut self, output: ChunkOutput) -> Result<(), RuntimeError> {
        let started = Instant::now();
        let ChunkOutput {
            households,
            persons,
            household_rejects,
            person_rejects,
            case_decisions,
            tables,
            report,
            person_hashes,
            times,
            ..
        } = output;
        add_stage_times(&mut self.timings, times);
        self.households.add(households);
        self.persons.add(persons);
        self.rejects.write_all(&household_rejects).map_err(|error| RuntimeError::write(&self.rejects_path, &error))?;
        match (&mut self.person_rejects, person_rejects) {
            (PersonRejects::File(file, path), TablePart::Text { bytes, .. }) => {
                file.write_all(&bytes).map_err(|error| RuntimeError::write(path, &error))?
            }
            (PersonRejects::Sorted(parts), part) => parts.push(part),
            _ => return Err(RuntimeError::internal("person rejects of the wrong kind")),
        }
        for (case, decision) in case_decisions {
            if let Some(slot) = self.case_decisions.get_mut(case as usize)
                && slot.is_none()
            {
                *slot = Some(decision);
            }
        }
        for (sink, part) in self.sinks.iter_mut().zip(tables) {
            sink.append(part)?;
        }
        if let (Some(total), Some(part)) = (self.report.as_mut(), report.as_ref()) {
            total.merge(part);
        }
        self.person_hashes.extend(&person_hashes);
        self.timings.write += started.elapsed();
        Ok(())
    }

    /// Writes the cases' rejects, the persons' rejects, the sorted tables and the report;
    /// returns the case counts.
    fn finish(
        &mut self,
        staging: &mut Staging,
        tables: &[TablePlan],
        context: &PassContext<'_>,
    ) -> Result<RowCounts, RuntimeError> {
        let rejects_error = |error: std::io::Error| RuntimeError::write(&self.rejects_path, &error);
        match std::mem::replace(&mut self.person_rejects, PersonRejects::Sorted(Vec::new())) {
            PersonRejects::File(file, path) => {
                file.into_inner().map_err(|error| RuntimeError::write(&path, error.error()))?;
                let mut part = File::open(&path).map_err(|error| RuntimeError::read(&path, &error))?;
                std::io::copy(&mut part, &mut self.rejects).map_err(rejects_error)?;
                let _ = std::fs::remove_file(&path);
            }
            PersonRejects::Sorted(parts) => {
                let mut rows: Vec<(u64, &[u8])> = Vec::new();
                for part in &parts {
                    if let TablePart::Text { bytes, ends, keys } = part {
                        let mut start = 0;
                        for (end, key) in ends.iter().zip(keys) {
                            rows.push((*key, bytes.get(start..*end).unwrap_or(&[])));
                            start = *end;
                        }
                    }
                }
                rows.sort_by_key(|(key, _)| *key);
                for (_, row) in rows {
                    self.rejects.write_all(row).map_err(rejects_error)?;
                }
            }
        }
        let mut cases = RowCounts::default();
        let mut case_rows = Vec::new();
        let household_ref = context
            .program
            .case
            .household_ref
            .and_then(|column| context.program.case.columns.get(column.0 as usize))
            .map_or("household_id", |column| column.name.as_str());
        for (index, (row, decision)) in context.cases.rows.iter().zip(&self.case_decisions).enumerate() {
            cases.read += 1;
            let household = context.cases.household(index);
            let rejection = match (&row.problem, decision) {
                (Some(problem), _) => Some((problem.field.clone(), problem.reason.clone())),
                (None, Some(CaseDecision::Accepted)) => None,
                (None, Some(CaseDecision::Rejected { field, reason })) => Some((field.clone(), reason.clone())),
                (None, None) => Some((household_ref.to_string(), format!("unknown household `{household}`"))),
            };
            match rejection {
                Some((field, reason)) => {
                    cases.rejected += 1;
                    chunk::write_reject(&mut case_rows, &context.cases.file_name, row.line, household, &field, &reason);
                }
                None => cases.accepted += 1,
            }
        }
        self.rejects.write_all(&case_rows).map_err(rejects_error)?;
        self.rejects.flush().map_err(rejects_error)?;
        for (sink, plan) in std::mem::take(&mut self.sinks).into_iter().zip(tables) {
            sink.finish(plan)?;
        }
        if let (Some(plan), Some(total)) = (context.report, self.report.as_ref()) {
            let rendered = crate::report::render(
                plan,
                total,
                context.program,
                context.jurisdictions,
                context.counties,
                context.options.as_of,
            )?;
            for (name, text) in [("report.md", rendered.markdown), ("report.json", rendered.json)] {
                let path = staging.file(name);
                std::fs::write(&path, text).map_err(|error| RuntimeError::write(&path, &error))?;
            }
        }
        Ok(cases)
    }
}

fn add_stage_times(timings: &mut Timings, times: StageTimes) {
    timings.parse += times.parse;
    timings.evaluate += times.evaluate;
    timings.format += times.format;
}
