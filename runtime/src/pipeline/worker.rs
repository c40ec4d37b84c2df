//! The work on one chunk, done by a worker thread: type the rows, decide which households are
//! rejected, build the [`Batch`], evaluate it, and format the chunk's output rows, rejects and
//! report totals. Chunks are independent, so any number of them run at once; the writer puts
//! their results back in order.
//!
//! Within a chunk, a household is rejected, first reason first:
//! 1. its row is malformed (wrong number of CSV fields, a JSON line that is not an object);
//! 2. a field of its own is bad (the first bad column in declaration order);
//! 3. its `household_id` occurs twice in the file;
//! 4. one of its persons has a problem of its own (first such person in file order): a bad row
//!    or field, or a `person_id` that occurs twice;
//! 5. the engine says so: a validation rule failed ([`Outcome::Invalid`]) or the evaluation
//!    failed ([`Outcome::Error`]).
//!
//! The row that caused the rejection gets the precise reason (`bad birth_date: `2019-02-30` is
//! not a real day written YYYY-MM-DD`); every other row of the household (its own row, its
//! persons, its cases) gets `household rejected: person P0001 bad birth_date`. A person whose
//! household does not exist gets `unknown household `H9``.

use super::arrow_typing::type_rows;
use super::messages::{CaseDecision, ChunkOutput, KeyList, ORPHAN, RawChunk, StageTimes};
use super::options::RowCounts;
use super::plan::Shared;
use super::reader::EntityPlan;
use super::rejects::{RejectRows, write_reject};
use super::rows::{Problem, is_text, unused_text};
use super::typing::{TextSink, type_table};
use crate::error::RuntimeError;
use crate::input::{ArrowRows, RawTable};
use crate::output::PartBuilder;
use crate::report::ReportAcc;
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{Batch, BatchResult, EvalError, EvalErrorKind, Outcome};
use pol_compiler::text::TextTables;
use pol_compiler::tir::{EntitySchema, Program, RuleId, RuleRole, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;
use std::sync::Arc;
use std::time::Instant;
/// Why a household is rejected.
#[derive(Debug, Clone)]
struct Cause {
    field: String,
    /// Reason on the household's own row.
    own: String,
    /// The rest of the reason of the household's other rows, after `household rejected: `.
    summary: String,
    /// A person or case row that gets its own reason.
    member: Option<(EntityKind, usize, String)>,
}

impl Cause {
    fn from_problem(problem: &Problem) -> Cause {
        Cause {
            field: problem.field.clone(),
            own: problem.reason.clone(),
            summary: problem.short.clone(),
            member: None,
        }
    }
}

/// The typed rows of a chunk and the households' causes of rejection.
#[derive(Debug, Clone)]
struct TypedChunk {
    causes: Vec<Option<Box<Cause>>>,
    person_problems: Vec<Option<Box<Problem>>>,
    /// The persons' ids (shared with the chunk when they were read before it).
    person_ids: Arc<KeyList>,
    person_hashes: Vec<u64>,
}

/// Where the chunk's rows are in the batch.
#[derive(Debug, Clone, Default)]
struct Placement {
    /// Batch row of each household, or `u32::MAX`.
    batch_of_household: Vec<u32>,
    /// Chunk index of each batch household.
    accepted: Vec<usize>,
    /// Batch row of each person, or `u32::MAX`.
    batch_of_person: Vec<u32>,
    /// Chunk index of each batch person.
    person_at_row: Vec<u32>,
    /// Case row (in the case store) of each batch case.
    case_at_row: Vec<u32>,
}

/// A chunk typed, placed and evaluated with one side's engine: what [`output`] formats, and
/// what `pol diff` compares between two sides.
pub(crate) struct Evaluated {
    typed: TypedChunk,
    placement: Placement,
    /// The batch the engine evaluated.
    pub batch: Batch,
    /// The engine's results.
    pub result: BatchResult,
    parse: std::time::Duration,
    evaluate: std::time::Duration,
}

impl Evaluated {
    /// The batch row of chunk household `index` when it is accepted (no cause of rejection, the
    /// engine's outcome included), else `None`.
    pub(crate) fn accepted_row(&self, index: usize) -> Option<usize> {
        if self.typed.causes.get(index).is_none_or(Option::is_some) {
            return None;
        }
        let row = *self.placement.batch_of_household.get(index)?;
        (row != u32::MAX).then_some(row as usize)
    }
}

/// Processes one chunk.
pub(crate) fn process(shared: &Shared<'_>, chunk: &RawChunk) -> Result<ChunkOutput, RuntimeError> {
    let mut evaluated = evaluate(shared, chunk)?;
    let output = output(shared, chunk, &mut evaluated);
    recycle(shared, evaluated);
    output
}

/// A chunk typed and placed into its batch, not yet evaluated.
pub(crate) struct Prepared {
    typed: TypedChunk,
    placement: Placement,
    batch: Batch,
    parse: std::time::Duration,
}

impl Prepared {
    /// A copy for a second engine that reads the same batch (`pol diff` when both sides type
    /// the input alike), without the person-id hashes, which one side returns for both.
    pub(crate) fn duplicate(&self) -> Prepared {
        let typed = TypedChunk {
            causes: self.typed.causes.clone(),
            person_problems: self.typed.person_problems.clone(),
            person_ids: self.typed.person_ids.clone(),
            person_hashes: Vec::new(),
        };
        Prepared { typed, placement: self.placement.clone(), batch: self.batch.clone(), parse: self.parse }
    }
}

/// Types the chunk's rows, builds the batch, evaluates it and records each household's cause
/// of rejection, the engine's included.
pub(crate) fn evaluate(shared: &Shared<'_>, chunk: &RawChunk) -> Result<Evaluated, RuntimeError> {
    let prepared = prepare(shared, chunk)?;
    evaluate_prepared(shared, prepared)
}

/// Types the chunk's rows and builds the batch.
pub(crate) fn prepare(shared: &Shared<'_>, chunk: &RawChunk) -> Result<Prepared, RuntimeError> {
    let started = Instant::now();
    let pooled = shared.batches.lock().ok().and_then(|mut pool| pool.pop());
    let mut batch = pooled.unwrap_or_else(|| Batch::empty(shared.program));
    reset_batch(&mut batch, shared.program);
    let mut texts = std::mem::take(&mut batch.texts);
    let mut sink = TextSink::new(&mut texts);
    let typed = type_chunk(shared, chunk, &mut batch, &mut sink)?;
    let placement = build_batch(shared, chunk, &typed, &mut batch, &mut sink)?;
    batch.texts = texts;
    Ok(Prepared { typed, placement, batch, parse: started.elapsed() })
}

/// Evaluates a prepared chunk and records each household's cause of rejection, the engine's
/// included.
pub(crate) fn evaluate_prepared(shared: &Shared<'_>, prepared: Prepared) -> Result<Evaluated, RuntimeError> {
    let Prepared { mut typed, placement, batch, parse } = prepared;
    let parsed = Instant::now();

    let mut result = shared.results.lock().ok().and_then(|mut pool| pool.pop()).unwrap_or_default();
    if placement.accepted.is_empty() {
        result.outcomes.clear();
    } else {
        shared.engine.evaluate_into(&batch, shared.counties, &mut result);
        if result.outcomes.len() != placement.accepted.len() {
            let message = format!(
                "the {} engine returned {} outcomes for {} households",
                shared.engine.name(),
                result.outcomes.len(),
                placement.accepted.len()
            );
            return Err(RuntimeError::internal(message));
        }
    }
    let evaluated = Instant::now();
    for (batch_index, outcome) in result.outcomes.iter().enumerate() {
        let Some(household) = placement.accepted.get(batch_index) else {
            return Err(RuntimeError::internal("an outcome for a batch row no household was placed in"));
        };
        let members =
            Members { shared, batch: &batch, placement: &placement, person_ids: &typed.person_ids, batch_index };
        let cause = match outcome {
            Outcome::Ok => continue,
            Outcome::Invalid { rule, member } => members.invalid_cause(*rule, *member as usize),
            Outcome::Error(error) => members.error_cause(error)?,
        };
        if let Some(slot) = typed.causes.get_mut(*household) {
            *slot = Some(Box::new(cause));
        }
    }
    Ok(Evaluated { typed, placement, batch, result, parse, evaluate: evaluated - parsed })
}

/// Formats an evaluated chunk's output rows, rejects and report totals.
pub(crate) fn output(
    shared: &Shared<'_>,
    chunk: &RawChunk,
    evaluated: &mut Evaluated,
) -> Result<ChunkOutput, RuntimeError> {
    let started = Instant::now();
    let Evaluated { typed, placement, batch, result, .. } = evaluated;
    let mut output = emit(shared, chunk, typed, placement, batch, result)?;
    output.person_hashes = std::mem::take(&mut typed.person_hashes);
    output.times = StageTimes { parse: evaluated.parse, evaluate: evaluated.evaluate, format: started.elapsed() };
    Ok(output)
}

/// Gives the chunk's batch and results back for the next chunk to reuse.
pub(crate) fn recycle(shared: &Shared<'_>, evaluated: Evaluated) {
    if let Ok(mut pool) = shared.batches.lock() {
        pool.push(evaluated.batch);
    }
    if let Ok(mut pool) = shared.results.lock() {
        pool.push(evaluated.result);
    }
}

/// Gives the chunk's results back for the next chunk to reuse, and drops its batch: for an
/// evaluation of a [`Prepared::duplicate`], whose batch was not taken from the pool (keeping it
/// would grow the pool by a batch a chunk).
pub(crate) fn recycle_result(shared: &Shared<'_>, evaluated: Evaluated) {
    if let Ok(mut pool) = shared.results.lock() {
        pool.push(evaluated.result);
    }
}

/// The lengths of the `spread` columns before a chunk is typed into them.
fn column_lengths(spread: &[usize], columns: &[Vec<Word>]) -> Vec<usize> {
    spread.iter().map(|column| columns.get(*column).map_or(0, Vec::len)).collect()
}

/// Divides the words typed since `starts` of each column holding a year's money total by 12,
/// rounded half away from zero to the fen: the month's share (docs/language.md#periods, "The input layout of monthly columns").
fn spread_years(spread: &[usize], starts: &[usize], columns: &mut [Vec<Word>]) -> Result<(), RuntimeError> {
    for (column, start) in spread.iter().zip(starts) {
        let Some(words) = columns.get_mut(*column).and_then(|words| words.get_mut(*start..)) else { continue };
        for word in words {
            *word = crate::decimal::month_share(*word)?;
        }
    }
    Ok(())
}

/// Types every household and person row into the batch's columns (in chunk order) and finds
/// the households' own causes of rejection.
fn type_chunk(
    shared: &Shared<'_>,
    chunk: &RawChunk,
    batch: &mut Batch,
    sink: &mut TextSink<'_>,
) -> Result<TypedChunk, RuntimeError> {
    let program = shared.program;
    let n_households = chunk.households.len();
    let household_problems = type_entity(
        shared,
        &program.household,
        shared.households,
        &chunk.households,
        chunk.arrow.as_ref().map(|arrow| &arrow.households),
        &mut batch.households.columns,
        sink,
        None,
    )?;
    let mut causes: Vec<Option<Box<Cause>>> = Vec::with_capacity(n_households);
    for (index, problem) in household_problems.iter().enumerate() {
        let mut cause = problem.as_deref().map(Cause::from_problem);
        if cause.is_none()
            && let Some(key) = chunk.household_keys.get(index)
            && let Some(lines) = shared.duplicates.household(chunk.household_keys.hash(index), key)
        {
            let name = key_name(&program.household);
            cause = Some(Cause {
                field: name.clone(),
                own: format!("duplicate {name} `{}` (lines {})", String::from_utf8_lossy(key), join_lines(lines)),
                summary: format!("duplicate {name}"),
                member: None,
            });
        }
        causes.push(cause.map(Box::new));
    }
    batch.households.len = n_households;
    let n_persons = chunk.persons.len();
    // Ids read before (shared, not copied), or read here: a tenth of the rows' bytes is room
    // enough for them.
    let known_ids =
        chunk.arrow.as_ref().and_then(|arrow| arrow.person_ids.clone()).filter(|ids| ids.len() == n_persons);
    let mut read_ids = match known_ids {
        Some(_) => KeyList::default(),
        None => KeyList::with_capacity(n_persons, chunk.persons.bytes.len() / 10 + 8 * n_persons),
    };
    let mut person_problems = type_entity(
        shared,
        &program.person,
        shared.persons,
        &chunk.persons,
        chunk.arrow.as_ref().map(|arrow| &arrow.persons),
        &mut batch.persons.columns,
        sink,
        known_ids.is_none().then_some(&mut read_ids),
    )?;
    let person_ids = known_ids.unwrap_or_else(|| Arc::new(read_ids));
    let mut person_hashes = Vec::new();
    for (index, slot) in person_problems.iter_mut().enumerate() {
        if let Some(id) = person_ids.get(index) {
            let hash = person_ids.hash(index);
            if shared.collect_person_hashes {
                person_hashes.push(hash);
            }
            if slot.is_none()
                && let Some(lines) = shared.duplicates.person(hash, id)
            {
                let name = key_name(&program.person);
                let reason =
                    format!("duplicate {name} `{}` (lines {})", String::from_utf8_lossy(id), join_lines(lines));
                *slot = Some(Box::new(Problem { field: name.clone(), reason, short: format!("duplicate {name}") }));
            }
        }
        if let Some(problem) = slot.as_deref()
            && let Some(household) = chunk.person_household.get(index).filter(|household| **household != ORPHAN)
            && let Some(cause) = causes.get_mut(*household as usize)
            && cause.is_none()
        {
            let summary = format!("person {} {}", person_ids.text(index), problem.short);
            *cause = Some(Box::new(Cause {
                field: problem.field.clone(),
                own: format!("household rejected: {summary}"),
                summary,
                member: None,
            }));
        }
    }
    batch.persons.len = n_persons;
    Ok(TypedChunk { causes, person_problems, person_ids, person_hashes })
}

/// Types the rows of one entity into `columns`: from the chunk's Arrow arrays when it has them
/// (`arrow`), else from its table of cells; then divides the columns holding a year's money
/// total by 12. Returns each row's own problem; the key column's texts go to `keys` when given.
#[expect(clippy::too_many_arguments, reason = "the chunk's rows, where they go, and what is read of them")]
fn type_entity(
    shared: &Shared<'_>,
    schema: &EntitySchema,
    plan: &EntityPlan,
    table: &RawTable,
    arrow: Option<&ArrowRows>,
    columns: &mut [Vec<Word>],
    sink: &mut TextSink<'_>,
    keys: Option<&mut KeyList>,
) -> Result<Vec<Option<Box<Problem>>>, RuntimeError> {
    let starts = column_lengths(&plan.spread, columns);
    let problems = match arrow {
        Some(rows) => type_rows(shared.typer, schema, &plan.used, rows, columns, sink, keys),
        None => {
            type_table(shared.typer, schema, &plan.layout, &plan.file_name, &plan.used, table, columns, sink, keys)?
        }
    };
    spread_years(&plan.spread, &starts, columns)?;
    Ok(problems)
}

/// Keeps `indices` of every column, in that order.
fn gather(columns: &mut [Vec<Word>], indices: &[u32], scratch: &mut Vec<Word>) -> Result<(), RuntimeError> {
    for column in columns {
        scratch.clear();
        for index in indices {
            // INVARIANT: `indices` are rows typed into every column of this chunk.
            let word = column
                .get(*index as usize)
                .ok_or_else(|| RuntimeError::internal("a gathered row beyond its column"))?;
            scratch.push(*word);
        }
        std::mem::swap(column, scratch);
    }
    Ok(())
}

/// Keeps in the batch the households not rejected so far, their persons (grouped, in file
/// order within a household) and their cases. The columns were typed in chunk order; in the
/// usual case (every household kept, persons already grouped in order) nothing moves.
fn build_batch(
    shared: &Shared<'_>,
    chunk: &RawChunk,
    typed: &TypedChunk,
    batch: &mut Batch,
    sink: &mut TextSink<'_>,
) -> Result<Placement, RuntimeError> {
    let program = shared.program;
    let n_households = typed.causes.len();
    let mut placement = Placement { batch_of_household: vec![u32::MAX; n_households], ..Placement::default() };
    for (index, cause) in typed.causes.iter().enumerate() {
        if cause.is_none() {
            if let Some(slot) = placement.batch_of_household.get_mut(index) {
                *slot = placement.accepted.len() as u32;
            }
            placement.accepted.push(index);
        }
    }
    // Persons: counted per batch household, then placed (stable: file order within a household).
    let n_persons = chunk.persons.len();
    let batch_household_of = |person: usize| -> Option<usize> {
        let household = *chunk.person_household.get(person)?;
        let row = *placement.batch_of_household.get(household as usize)?;
        (row != u32::MAX).then_some(row as usize)
    };
    let mut offsets = vec![0u32; placement.accepted.len() + 1];
    for person in 0..n_persons {
        if let Some(row) = batch_household_of(person)
            && let Some(count) = offsets.get_mut(row + 1)
        {
            *count += 1;
        }
    }
    let mut running = 0;
    for slot in &mut offsets {
        running += *slot;
        *slot = running;
    }
    let n_batch_persons = running as usize;
    let mut next_slot = offsets.clone();
    let mut batch_of_person = vec![u32::MAX; n_persons];
    let mut person_at_row = vec![0u32; n_batch_persons];
    for (person, row_of_person) in batch_of_person.iter_mut().enumerate() {
        if let Some(row) = batch_household_of(person)
            && let Some(slot) = next_slot.get_mut(row)
        {
            if let Some(at) = person_at_row.get_mut(*slot as usize) {
                *at = person as u32;
            }
            *row_of_person = *slot;
            *slot += 1;
        }
    }
    let mut scratch = Vec::new();
    if placement.accepted.len() != n_households {
        let kept: Vec<u32> = placement.accepted.iter().map(|index| *index as u32).collect();
        gather(&mut batch.households.columns, &kept, &mut scratch)?;
    }
    batch.households.len = placement.accepted.len();
    let in_place =
        n_batch_persons == n_persons && person_at_row.iter().enumerate().all(|(row, person)| *person as usize == row);
    if !in_place {
        gather(&mut batch.persons.columns, &person_at_row, &mut scratch)?;
    }
    batch.persons.len = n_batch_persons;
    batch.person_offsets = offsets;
    placement.batch_of_person = batch_of_person;
    placement.person_at_row = person_at_row;
    // Cases of each batch household, in file order.
    batch.case_offsets.push(0);
    for household in &placement.accepted {
        if let Some(key) = chunk.household_keys.get(*household) {
            for case in shared.cases.of_household(chunk.household_keys.hash(*household), key) {
                if shared.cases.has_problem(case) {
                    continue;
                }
                let words = shared.cases.row_words(case);
                for (column_index, column) in batch.cases.columns.iter_mut().enumerate() {
                    // INVARIANT: a case row has one word and one text flag per case column.
                    let (Some(word), Some(keep_text)) =
                        (words.get(column_index).copied(), shared.cases.text_columns.get(column_index).copied())
                    else {
                        return Err(RuntimeError::internal("a case row shorter than its schema"));
                    };
                    let word = if keep_text {
                        sink.push(shared.cases.text_cell(word))
                    } else if program.case.columns.get(column_index).is_some_and(|column| is_text(column.ty)) {
                        unused_text()
                    } else {
                        word
                    };
                    column.push(word);
                }
                placement.case_at_row.push(case);
            }
        }
        batch.case_offsets.push(placement.case_at_row.len() as u32);
    }
    batch.cases.len = placement.case_at_row.len();
    Ok(placement)
}

/// Formats the chunk's output rows, rejects and report totals.
fn emit(
    shared: &Shared<'_>,
    chunk: &RawChunk,
    typed: &TypedChunk,
    placement: &Placement,
    batch: &Batch,
    result: &BatchResult,
) -> Result<ChunkOutput, RuntimeError> {
    let program = shared.program;
    let text_tables =
        TextTables { literals: &program.texts, batch: &batch.texts, jurisdiction: &shared.counties.texts };
    let mut parts: Vec<PartBuilder> = shared
        .tables
        .iter()
        .map(|plan| match plan.entity {
            EntityKind::Household => PartBuilder::with_rows(plan, placement.accepted.len()),
            EntityKind::Person => PartBuilder::with_rows(plan, placement.person_at_row.len()),
            EntityKind::Case => PartBuilder::with_rows(plan, placement.case_at_row.len()),
        })
        .collect();
    let mut report = shared.report.map(|plan| ReportAcc::new(plan, shared.counties.len()));
    let mut reconcile = shared.reconcile.map(|plan| (plan, plan.part()));
    let mut household_counts = RowCounts { read: chunk.households.len() as u64, ..RowCounts::default() };
    let mut household_rejects = Vec::new();
    let county_column = program.household.county.map(|column| column.0 as usize);
    let report_plan = shared
        .report
        .filter(|plan| shared.tables.get(plan.table).is_some_and(|table| table.entity == EntityKind::Household));
    for (index, cause) in typed.causes.iter().enumerate() {
        let line = chunk.households.line(index)?;
        if let Some(cause) = cause {
            household_counts.rejected += 1;
            write_reject(
                &mut household_rejects,
                &shared.households.file_name,
                line,
                &chunk.household_keys.text(index),
                &cause.field,
                &cause.own,
            );
            continue;
        }
        household_counts.accepted += 1;
        let Some(row) = placement.batch_of_household.get(index).map(|row| *row as usize) else {
            return Err(RuntimeError::internal("an accepted household has no row in the batch"));
        };
        for (plan, part) in shared.tables.iter().zip(parts.iter_mut()) {
            if plan.entity == EntityKind::Household && passes(&result.household, plan.filter, row) {
                part.push_row(plan, program, &text_tables, &result.household, row, line)?;
            }
        }
        if let (Some(plan), Some(report)) = (report_plan, report.as_mut())
            && passes(&result.household, plan.filter, row)
        {
            // A policy without jurisdictions adds every household under its one county row.
            let county = match county_column {
                None if program.without_jurisdictions() => Some(0),
                _ => county_column
                    .and_then(|column| batch.households.get(column, row))
                    .and_then(|word| usize::try_from(word).ok()),
            };
            report.add(plan, county, &result.household, row, &text_tables);
        }
        if let Some((plan, part)) = reconcile.as_mut() {
            let key = chunk
                .household_keys
                .get(index)
                .ok_or_else(|| RuntimeError::internal("an accepted household has no id"))?;
            let county = county_column
                .and_then(|column| batch.households.get(column, row))
                .and_then(|word| usize::try_from(word).ok())
                .ok_or_else(|| RuntimeError::internal("an accepted household has no county"))?;
            plan.record(part, (key, chunk.household_keys.hash(index)), county, &result.household, row)?;
        }
    }
    let mut person_counts = RowCounts { read: chunk.persons.len() as u64, ..RowCounts::default() };
    let mut person_rejects = RejectRows::new(shared.persons_keyed);
    for person in 0..chunk.persons.len() {
        let line = chunk.persons.line(person)?;
        if let Some((field, reason)) = person_rejection(shared, chunk, typed, person) {
            person_counts.rejected += 1;
            let reference =
                chunk.person_ref(person).0.map_or_else(String::new, |id| String::from_utf8_lossy(id).into_owned());
            person_rejects.push(&shared.persons.file_name, line, &reference, &field, &reason);
            continue;
        }
        person_counts.accepted += 1;
        let Some(row) = placement.batch_of_person.get(person).map(|row| *row as usize) else {
            return Err(RuntimeError::internal("an accepted person has no row in the batch"));
        };
        for (plan, part) in shared.tables.iter().zip(parts.iter_mut()) {
            if plan.entity == EntityKind::Person && passes(&result.person, plan.filter, row) {
                part.push_row(plan, program, &text_tables, &result.person, row, line)?;
            }
        }
    }
    // Cases: every case of the chunk's households is decided here, in the batch's order.
    let mut case_decisions = Vec::new();
    let mut case_row = 0usize;
    for (household, cause) in typed.causes.iter().enumerate() {
        let Some(key) = chunk.household_keys.get(household) else { continue };
        let in_batch = placement.batch_of_household.get(household).is_some_and(|row| *row != u32::MAX);
        for case in shared.cases.of_household(chunk.household_keys.hash(household), key) {
            if shared.cases.has_problem(case) {
                continue;
            }
            let row = in_batch.then_some(case_row);
            if in_batch {
                case_row += 1;
            }
            let Some(cause) = cause else {
                case_decisions.push((case, CaseDecision::Accepted));
                let Some(row) = row else { continue };
                for (plan, part) in shared.tables.iter().zip(parts.iter_mut()) {
                    if plan.entity == EntityKind::Case && passes(&result.case, plan.filter, row) {
                        part.push_row(plan, program, &text_tables, &result.case, row, u64::from(case))?;
                    }
                }
                continue;
            };
            let (field, reason) = match (
                &cause.member,
                duplicate_household(shared, &program.case, chunk.household_keys.hash(household), key),
            ) {
                (_, Some(rejection)) => rejection,
                (Some((EntityKind::Case, member, reason)), None) if *member == case as usize => {
                    (cause.field.clone(), reason.clone())
                }
                _ => (cause.field.clone(), format!("household rejected: {}", cause.summary)),
            };
            case_decisions.push((case, CaseDecision::Rejected { field, reason }));
        }
    }
    if let Some((plan, part)) = reconcile.as_mut() {
        plan.compare_if_ready(part)?;
    }
    let mut tables = Vec::with_capacity(parts.len());
    for (part, plan) in parts.into_iter().zip(shared.tables) {
        let results = match plan.entity {
            EntityKind::Household => &result.household,
            EntityKind::Person => &result.person,
            EntityKind::Case => &result.case,
        };
        tables.push(part.finish(plan, program, &text_tables, results)?);
    }
    debug_assert_eq!(household_counts.read, household_counts.accepted + household_counts.rejected);
    debug_assert_eq!(person_counts.read, person_counts.accepted + person_counts.rejected);
    Ok(ChunkOutput {
        households: household_counts,
        persons: person_counts,
        household_rejects,
        person_rejects: person_rejects.finish(),
        case_decisions,
        tables,
        report,
        reconcile: reconcile.map(|(_, part)| part),
        person_hashes: Vec::new(),
        times: StageTimes::default(),
    })
}

/// The rejection of a person or case row (of `schema`) whose household id is duplicated.
fn duplicate_household(
    shared: &Shared<'_>,
    schema: &EntitySchema,
    hash: u64,
    reference: &[u8],
) -> Option<(String, String)> {
    shared.duplicates.household(hash, reference)?;
    Some((household_ref_name(schema), format!("household rejected: duplicate {}", key_name(&shared.program.household))))
}

/// Why person `person` is rejected, if it is: its own problem, an unknown household, or its
/// household's rejection.
fn person_rejection(
    shared: &Shared<'_>,
    chunk: &RawChunk,
    typed: &TypedChunk,
    person: usize,
) -> Option<(String, String)> {
    if let Some(problem) = typed.person_problems.get(person).and_then(Option::as_ref) {
        return Some((problem.field.clone(), problem.reason.clone()));
    }
    // A person of a duplicated household id is rejected for that, whichever of the households
    // carrying the id it was matched with.
    // (Without duplicated households, the usual case, a person's reference is read only when
    // it is rejected.)
    if shared.duplicates.has_households() {
        let (reference, hash) = chunk.person_ref(person);
        if let Some(rejection) = duplicate_household(shared, &shared.program.person, hash, reference.unwrap_or(&[])) {
            return Some(rejection);
        }
    }
    let household = chunk.person_household.get(person).copied().unwrap_or(ORPHAN);
    if household == ORPHAN {
        let field = household_ref_name(&shared.program.person);
        let reference = chunk.person_ref(person).0.unwrap_or(&[]);
        return Some((field, format!("unknown household `{}`", String::from_utf8_lossy(reference))));
    }
    let cause = typed.causes.get(household as usize)?.as_ref()?;
    Some(match &cause.member {
        Some((EntityKind::Person, member, reason)) if *member == person => (cause.field.clone(), reason.clone()),
        _ => (cause.field.clone(), format!("household rejected: {}", cause.summary)),
    })
}

/// Empties a (recycled) batch for `program`'s schemas, keeping its allocations.
fn reset_batch(batch: &mut Batch, program: &Program) {
    for (columns, schema) in [
        (&mut batch.households, &program.household),
        (&mut batch.persons, &program.person),
        (&mut batch.cases, &program.case),
    ] {
        columns.columns.resize_with(schema.columns.len(), Vec::new);
        for column in &mut columns.columns {
            column.clear();
        }
        columns.len = 0;
    }
    batch.person_offsets.clear();
    batch.case_offsets.clear();
}

/// Whether row `row` passes an output's filter (a bool rule's column).
fn passes(results: &[Vec<Word>], filter: Option<usize>, row: usize) -> bool {
    match filter {
        Some(slot) => results.get(slot).and_then(|column| column.get(row)).is_some_and(|word| *word != 0),
        None => true,
    }
}

/// The name of an entity's key column (`id` if it has none).
fn key_name(schema: &EntitySchema) -> String {
    schema
        .key
        .and_then(|key| schema.columns.get(key.0 as usize))
        .map_or_else(|| "id".to_string(), |column| column.name.clone())
}

fn household_ref_name(schema: &EntitySchema) -> String {
    schema
        .household_ref
        .and_then(|column| schema.columns.get(column.0 as usize))
        .map_or_else(|| "household_id".to_string(), |column| column.name.clone())
}

/// `4, 5`.
fn join_lines(lines: &[u64]) -> String {
    lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// One evaluated household's members, to name the member a failed rule points at.
struct Members<'m> {
    shared: &'m Shared<'m>,
    batch: &'m Batch,
    placement: &'m Placement,
    person_ids: &'m KeyList,
    batch_index: usize,
}

impl Members<'_> {
    /// The member row (person or case) of a rule of `entity`, as (kind, chunk person index or
    /// case row, its id).
    fn member(&self, entity: EntityKind, member: usize) -> Option<(EntityKind, usize, String)> {
        match entity {
            EntityKind::Household => None,
            EntityKind::Person => {
                let row = *self.batch.person_offsets.get(self.batch_index)? as usize + member;
                let person = *self.placement.person_at_row.get(row)? as usize;
                Some((EntityKind::Person, person, self.person_ids.text(person)))
            }
            EntityKind::Case => {
                let row = *self.batch.case_offsets.get(self.batch_index)? as usize + member;
                let case = *self.placement.case_at_row.get(row)? as usize;
                Some((EntityKind::Case, case, self.shared.cases.id(case).to_string()))
            }
        }
    }

    /// The cause of a failed validation rule.
    fn invalid_cause(&self, rule_id: RuleId, member: usize) -> Cause {
        let rule = self.shared.program.rule(rule_id);
        let (message, field) = match rule.map(|rule| &rule.role) {
            Some(RuleRole::Validation { message, field }) => (message.clone(), field.clone()),
            // Only a validation rule makes a household invalid; the others are named by the rule.
            Some(RuleRole::Named | RuleRole::Hidden) | None => (None, None),
        };
        let message =
            message.unwrap_or_else(|| format!("`{}` does not hold", rule.map_or("", |rule| rule.name.as_str())));
        // A validation without `field` names no column in `rejects.csv`.
        let field = field.unwrap_or_default();
        let entity = rule.map_or(EntityKind::Household, |rule| rule.entity);
        match self.member(entity, member) {
            Some((kind, index, id)) => {
                let summary = format!("{} {id} {message}", kind.keyword());
                Cause {
                    field,
                    own: format!("household rejected: {summary}"),
                    summary,
                    member: Some((kind, index, message)),
                }
            }
            None => Cause { field, own: message.clone(), summary: message, member: None },
        }
    }

    /// The cause of an evaluation error: the rule, the policy location and the error.
    fn error_cause(&self, error: &EvalError) -> Result<Cause, RuntimeError> {
        let shared = self.shared;
        let what = match error.kind {
            EvalErrorKind::Overflow => "a result beyond the 64-bit range",
            EvalErrorKind::DivisionByZero => "a division by zero",
            EvalErrorKind::EmptyAggregate => "`max`, `min` or `first` over no member",
            EvalErrorKind::NoMatchingArm => "a `match` with no arm for the value",
            EvalErrorKind::MalformedBatch => {
                return Err(RuntimeError::internal(format!(
                    "the {} engine rejected a batch as malformed",
                    shared.engine.name()
                )));
            }
        };
        let rule = shared.program.rule(error.rule);
        let rule_name = rule.map_or("", |rule| rule.name.as_str());
        let entity = rule.map_or(EntityKind::Household, |rule| rule.entity);
        let mut reason =
            format!("evaluation error: {what} in `{rule_name}` at {}", location(shared.sources, error.span));
        if let Some((kind, _, id)) = self.member(entity, error.member as usize) {
            reason.push_str(&format!(" for {} {id}", kind.keyword()));
        }
        Ok(Cause { field: rule_name.to_string(), own: reason.clone(), summary: reason, member: None })
    }
}

/// `file:line:column` of a span in the policy.
fn location(sources: Option<&Sources>, span: Span) -> String {
    match sources.and_then(|sources| Some((sources.get(span.source)?, sources.line_col(span.source, span.start)))) {
        Some((file, (line, column))) => format!("{}:{line}:{column}", file.name),
        None => format!("byte {} of source {}", span.start, span.source.0),
    }
}
