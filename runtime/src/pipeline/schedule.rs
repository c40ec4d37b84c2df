//! What every kind of pass shares: the reader → workers → ordered writer loop ([`pipeline`]),
//! settling a first pass from its id hashes ([`settle`]), and the checks and helpers around
//! them. `pol run` (`mod.rs`) and `pol diff` (`diff.rs`) each build their own workers and
//! writer on these.

use super::duplicates::{Duplicates, confirm_duplicates};
use super::messages::RawChunk;
use super::options::{RunOptions, Timings};
use super::plan::Mode;
use super::reader::{ChunkReader, GroupedReader, ReaderInput, UngroupedReader};
use crate::error::{InputExcerpt, RuntimeError};
use crate::hash::HashCollector;
use crate::input;
use pol_compiler::tir::{ExprKind, Program};
use pol_grammar::ast::EntityKind;
use std::collections::BTreeMap;
use std::time::Instant;

/// What a first pass's id hashes say.
pub(crate) enum Settled {
    /// The pass stands: no id repeats and the persons were grouped.
    Stands,
    /// Run again knowing the duplicated ids; `ungrouped`: the persons were not grouped.
    Again {
        /// Read the persons from an index of the whole file.
        ungrouped: bool,
    },
}

/// How a pass ended.
pub(crate) enum PassEnd<P> {
    /// The pass ran to the end.
    Done(Box<P>),
    /// The persons are not grouped: the pass stopped early.
    Ungrouped(Timings),
}

/// What the pass loop reads of a finished pass.
pub(crate) trait FinishedPass {
    /// The pass's timings.
    fn timings(&self) -> &Timings;
    /// The ids a first pass collected (`None` for a pass that collected none).
    fn take_hashes(&mut self) -> Option<PassHashes>;
}

/// The pass that stands, and how it was reached.
pub(crate) struct Passes<P> {
    pub pass: P,
    /// How the standing pass matched persons with households.
    pub mode: Mode,
    /// How many passes ran.
    pub count: u32,
    /// The heap bytes of the first pass's id hashes.
    pub hash_bytes: usize,
}

/// Runs `pass` until one stands: a pass that finds the persons not grouped is run again
/// ungrouped, and a first pass whose ids repeat (or whose persons were not grouped) is run
/// again knowing the duplicated ids. The same loop for `pol run` and `pol diff`; `program` and
/// `options` are the side whose ids are settled.
pub(crate) fn run_passes<P: FinishedPass>(
    pool: &rayon::ThreadPool,
    program: &Program,
    options: &RunOptions<'_>,
    timings: &mut Timings,
    duplicates: &mut Duplicates,
    mut pass: impl FnMut(Mode, &Duplicates, bool) -> Result<PassEnd<P>, RuntimeError>,
) -> Result<Passes<P>, RuntimeError> {
    let mut mode = Mode::Grouped;
    let mut collect = true;
    let mut count = 0;
    let mut hash_bytes = 0;
    loop {
        count += 1;
        let mut finished = match pass(mode, duplicates, collect)? {
            PassEnd::Done(finished) => *finished,
            PassEnd::Ungrouped(times) => {
                add_times(timings, &times);
                ensure_rereadable(options, "persons not grouped by household")?;
                mode = Mode::Ungrouped;
                continue;
            }
        };
        add_times(timings, finished.timings());
        let Some(hashes) = finished.take_hashes() else {
            return Ok(Passes { pass: finished, mode, count, hash_bytes });
        };
        let (settled, memory) = settle(pool, program, options, hashes, timings, duplicates)?;
        hash_bytes = memory;
        match settled {
            Settled::Stands => return Ok(Passes { pass: finished, mode, count, hash_bytes }),
            Settled::Again { ungrouped } => {
                drop(finished);
                if ungrouped {
                    mode = Mode::Ungrouped;
                }
                collect = false;
            }
        }
    }
}

/// Decides whether a first pass stands, from its id hashes: repeated hashes are confirmed by a
/// scan of the id columns into `duplicates`. Returns the hashes' memory with the decision.
pub(crate) fn settle(
    pool: &rayon::ThreadPool,
    program: &Program,
    options: &RunOptions<'_>,
    mut hashes: PassHashes,
    timings: &mut Timings,
    duplicates: &mut Duplicates,
) -> Result<(Settled, usize), RuntimeError> {
    let hash_memory = hashes.households.heap_bytes() + hashes.persons.heap_bytes();
    let ids_started = Instant::now();
    let (repeated_households, repeated_persons) = pool.install(|| {
        hashes.households.sort();
        (hashes.households.repeated(), std::mem::take(&mut hashes.persons).into_repeated())
    });
    timings.ids += ids_started.elapsed();
    if !repeated_households.is_empty() || !repeated_persons.is_empty() {
        ensure_rereadable(options, "ids that occur more than once")?;
        let confirm_started = Instant::now();
        *duplicates = confirm_duplicates(program, options, &repeated_households, &repeated_persons)?;
        timings.confirm += confirm_started.elapsed();
    }
    let grouped_ok =
        hashes.deferred.iter().all(|hash| !hashes.households.contains(*hash) || duplicates.has_household_hash(*hash));
    if duplicates.is_empty() && grouped_ok {
        return Ok((Settled::Stands, hash_memory));
    }
    if !grouped_ok {
        ensure_rereadable(options, "persons not grouped by household")?;
    }
    Ok((Settled::Again { ungrouped: !grouped_ok }, hash_memory))
}

/// Fails when an input cannot be read again (a pipe) and `reason` needs another pass: reading
/// a pipe again would wait forever for a writer.
pub(crate) fn ensure_rereadable(options: &RunOptions<'_>, reason: &str) -> Result<(), RuntimeError> {
    for (flag, path) in [("--households", &options.households), ("--persons", &options.persons)] {
        let Some(kind) = input::not_rereadable(path)? else { continue };
        let file = input::file_name(path);
        let text = format!("{flag} {file}");
        return Err(RuntimeError::NotRereadable {
            reason: reason.to_string(),
            at: (flag.len() + 1, file.len()).into(),
            argument: InputExcerpt::new("arguments", text, 1),
            kind: kind.to_string(),
            file,
        });
    }
    Ok(())
}

pub(crate) fn add_times(timings: &mut Timings, pass: &Timings) {
    timings.read += pass.read;
    timings.parse += pass.parse;
    timings.evaluate += pass.evaluate;
    timings.format += pass.format;
    timings.write += pass.write;
}

/// Fails when the schemas lack what a run needs.
pub(crate) fn check_schemas(program: &Program, options: &RunOptions<'_>) -> Result<(), RuntimeError> {
    check_entities(program, options.cases.is_some())
}

/// Fails when the schemas lack what a run needs (`has_cases`: cases are given).
pub(crate) fn check_entities(program: &Program, has_cases: bool) -> Result<(), RuntimeError> {
    if program.household.key.is_none() {
        return Err(RuntimeError::Schema {
            entity: "household",
            what: "`key`",
            help: "declare the household id column as `household_id: key`",
        });
    }
    if program.household.county.is_none() && !program.without_jurisdictions() {
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
    if has_cases {
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
    for expr in program.rules.iter().flat_map(|rule| rule.definitions()).flat_map(|body| body.preorder()) {
        if let ExprKind::Column(entity, column) = &expr.kind {
            let columns = match entity {
                EntityKind::Household => used.get_mut(0),
                EntityKind::Person => used.get_mut(1),
                EntityKind::Case => used.get_mut(2),
            };
            // The checker only makes references to declared columns; were one outside its
            // schema, marking nothing leaves the engines' batch-shape check to report it.
            if let Some(flag) = columns.and_then(|columns| columns.get_mut(column.0 as usize)) {
                *flag = true;
            }
        }
    }
    used
}

/// The id hashes of a first pass.
pub(crate) struct PassHashes {
    pub households: HashCollector,
    /// Hashes of the person ids.
    pub persons: HashCollector,
    /// References of orphan candidates.
    pub deferred: Vec<u64>,
}

/// The reader of a pass: households and persons in lockstep ([`Mode::Grouped`]), or the persons
/// indexed whole first ([`Mode::Ungrouped`]); the same for `pol run` and `pol diff`.
pub(crate) fn open_reader(
    mode: Mode,
    households: ReaderInput,
    persons: ReaderInput,
    program: &Program,
    chunk_size: usize,
    collect: bool,
    progress: &indicatif::ProgressBar,
) -> Result<ChunkReader, RuntimeError> {
    Ok(match mode {
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
    })
}

pub(crate) fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
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
pub(crate) fn pipeline<O: Send>(
    pool: &rayon::ThreadPool,
    max_in_flight: usize,
    reader: &mut ChunkReader,
    process: &(dyn Fn(&RawChunk) -> Result<O, RuntimeError> + Sync),
    write: &mut dyn FnMut(O) -> Result<(), RuntimeError>,
) -> Result<(), RuntimeError> {
    let (result_tx, result_rx) = std::sync::mpsc::channel::<(usize, Result<O, RuntimeError>)>();
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
                                let output = process(&chunk);
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
            let mut pending: BTreeMap<usize, Result<O, RuntimeError>> = BTreeMap::new();
            let mut next = 0usize;
            'receive: for (index, output) in result_rx.iter() {
                pending.insert(index, output);
                while let Some(output) = pending.remove(&next) {
                    let written = output.and_then(&mut *write);
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
