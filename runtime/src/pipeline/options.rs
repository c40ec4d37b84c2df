//! The public face of a run: what to run on ([`RunOptions`]) and what it did ([`RunSummary`],
//! [`RowCounts`], [`Timings`]). A leaf: every stage may use these types, none of them is used
//! here.

use crate::error::{InputExcerpt, RuntimeError};
use crate::output::OutputFormat;
use crate::reconcile::Reconcile;
use crate::reconcile::summary::ReconcileSummary;
use pol_compiler::diagnostic::Sources;
use pol_compiler::tir::Word;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
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
    /// The policy's name shown in `report.html` (`pol run` gives its directory's name).
    pub policy_name: Option<String>,
    /// `pol reconcile`: the roster to compare each accepted household with; the run then
    /// also writes `reconcile.csv` and `reconcile_summary.md`/`.json`.
    pub reconcile: Option<&'a Reconcile>,
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
            policy_name: None,
            reconcile: None,
        }
    }
}

/// The most worker threads a run accepts: 1,024. More threads than cores only adds switching,
/// and each in-flight chunk holds memory (a run keeps `threads + 2` chunks in flight).
pub const MAX_THREADS: usize = 1_024;

impl RunOptions<'_> {
    /// The worker threads to run on: `threads`, or every core when it is `None` (2 when the
    /// number of cores cannot be known). Fails on 0 and on more than [`MAX_THREADS`].
    pub fn worker_threads(&self) -> Result<usize, RuntimeError> {
        let Some(requested) = self.threads else {
            // The number of cores is unknown only on unusual systems: two threads is a safe guess.
            return Ok(std::thread::available_parallelism().map_or(2, usize::from));
        };
        let why = match requested {
            0 => "a run needs at least one thread".to_string(),
            1..=MAX_THREADS => return Ok(requested),
            _ => format!("at most {MAX_THREADS}"),
        };
        let number = requested.to_string();
        let text = format!("--threads {number}");
        Err(RuntimeError::Threads {
            requested,
            max: MAX_THREADS,
            at: (text.len() - number.len(), number.len()).into(),
            argument: InputExcerpt::new("arguments", text, 1),
            why,
        })
    }
}

/// The default number of households per chunk.
pub const DEFAULT_CHUNK_HOUSEHOLDS: usize = 8_192;

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
    /// Adds `other`'s rows.
    pub(crate) fn add(&mut self, other: RowCounts) {
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
    /// `pol reconcile`'s summary, when the run compared a roster.
    pub reconcile: Option<ReconcileSummary>,
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
