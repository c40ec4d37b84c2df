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
//! directory and put in place, as a set, only when the run succeeded; a failed run (a bad
//! header, a file that is not UTF-8 found halfway, a full disk) removes the staging directory
//! and leaves the output directory as it was, and a crash during the commit leaves the previous
//! set or the new one. The output directory is locked for the whole run
//! (`output/staging.rs` has the protocol).
//!
//! **Typing** is column at a time over blocks of 64 rows (see `pipeline/typing.rs`): a block's cells are
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
//! # The folder
//!
//! Each stage is a module, and the messages between them are a module of their own, so no two
//! modules import each other (checked by `runtime/tests/modules.rs`):
//!
//! | module | stage | reads | hands on |
//! |---|---|---|---|
//! | `reader` | reader thread: households a chunk at a time, persons in lockstep or from an index | input files | `RawChunk` |
//! | `worker` | a rayon worker: type (`typing`), reject, build the batch, evaluate, format | `RawChunk`, `Shared` | `ChunkOutput` |
//! | `writer` | the calling thread: append in chunk order, merge counts and report totals | `ChunkOutput` | output files, `rejects.csv` (via `rejects`), the report |
//! | `rejects` | `rejects.csv` rows (workers) and the file (writer) | reasons | `rejects.csv` |
//! | `messages` | `RawChunk`, `ChunkOutput` and what they carry | | |
//! | `plan` | what a pass shares: `PassContext`, `Mode`, `Shared` | | |
//! | `cases`, `duplicates` | the cases file, read whole first; the exactly duplicated ids | files | `CaseStore`, `Duplicates` |
//! | `rows`, `options` | leaves: a row's `Problem`; `RunOptions` and `RunSummary` | | |
//!
//! This module holds only the scheduler: [`run`] (passes until the first pass is confirmed) and
//! the reader → workers → writer loop of one pass.
//!
//! # Example
//!
//! ```text
//! let summary = run(&program, &counties, &jurisdictions, &RunOptions::new(households, persons, out, as_of), &engine)?;
//! print!("{summary}");   // read 3 households: 2 accepted, 1 rejected …
//! ```

mod arrow_typing;
mod cases;
mod diff;
mod duplicates;
pub(crate) mod memory;
mod messages;
mod options;
mod plan;
mod reader;
mod rejects;
mod rows;
mod schedule;
mod typing;
mod worker;
mod writer;

pub use diff::{COMPARED_TABLE, DiffSide, DiffSummary, diff};
pub use options::{DEFAULT_CHUNK_HOUSEHOLDS, MAX_THREADS, RowCounts, RunOptions, RunSummary, Timings};

use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::output::{OutputDir, Staging, TablePlan};
use crate::report::ReportPlan;
use cases::CaseStore;
use duplicates::Duplicates;
use plan::{Mode, PassContext, Shared};
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::Program;
use reader::{ChunkReader, open_input};
use schedule::{
    FinishedPass, PassEnd, PassHashes, Passes, check_entities, check_schemas, open_reader, pipeline, progress_bar,
    run_passes, used_columns,
};
use std::sync::Mutex;
use std::time::Instant;
use writer::Writer;
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
    let threads = options.worker_threads()?;
    check_schemas(program, options)?;
    let typer = FieldTyper::new(program, jurisdictions);
    let used = used_columns(program);
    let cases = match &options.cases {
        Some(path) => CaseStore::read(path, program, &typer, &used[2])?,
        None => CaseStore::empty(&program.case),
    };
    let report = ReportPlan::of_program(program)?;
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
    let mut duplicates = Duplicates::default();
    let mut timings = Timings::default();
    // Locked from the first pass's staging until this function returns.
    let mut out_dir = OutputDir::new(&options.out_dir);
    let Passes { pass: finished, mode, count: passes, hash_bytes: hash_memory } =
        run_passes(&pool, program, options, &mut timings, &mut duplicates, |mode, duplicates, collect| {
            run_pass(&context, &mut out_dir, mode, duplicates, collect)
        })?;
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
        reconcile: finished.reconcile,
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

/// A finished pass: its staged files and counts.
struct PassResult {
    staging: Staging,
    households: RowCounts,
    persons: RowCounts,
    cases: RowCounts,
    hashes: Option<PassHashes>,
    timings: Timings,
    reconcile: Option<crate::reconcile::summary::ReconcileSummary>,
}

impl FinishedPass for PassResult {
    fn timings(&self) -> &Timings {
        &self.timings
    }

    fn take_hashes(&mut self) -> Option<PassHashes> {
        self.hashes.take()
    }
}

fn run_pass(
    context: &PassContext<'_>,
    out_dir: &mut OutputDir,
    mode: Mode,
    duplicates: &Duplicates,
    collect: bool,
) -> Result<PassEnd<PassResult>, RuntimeError> {
    let program = context.program;
    let options = context.options;
    let households = open_input(&options.households, &program.household, program.household.key)?;
    let persons = open_input(&options.persons, &program.person, program.person.household_ref)?;
    let household_plan = households.plan(&context.used[0]);
    let person_plan = persons.plan(&context.used[1]);
    let mut staging = out_dir.stage()?;
    let tables = TablePlan::of_program(program, options.output_format, mode == Mode::Ungrouped)?;
    let mut writer = Writer::create(&mut staging, &tables, context, mode, None)?;
    let progress = progress_bar(options.progress, households.opened.total);
    let chunk_size = options.chunk_households.max(1);
    let mut reader = open_reader(mode, households, persons, program, chunk_size, collect, &progress)?;
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
        reconcile: options.reconcile,
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
    let outcome =
        pipeline(context.pool, threads + 2, &mut reader, &|chunk| worker::process(&shared, chunk), &mut |output| {
            writer.write_chunk(output, context)
        });
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
        reconcile: writer.reconcile_summary.take(),
    })))
}
