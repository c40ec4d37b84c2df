//! Evaluation of rows already in memory (Arrow record batches, `crate::arrow_eval`): the same
//! workers as `pol run` ([`super::worker::process`]) over chunks of the households, in
//! parallel, with the whole input's facts (duplicated ids, orphans) known up front, so one pass
//! suffices. Rows stay in their Arrow arrays: a chunk is a slice of them (or, for persons not
//! grouped by household, the rows taken in order), typed from the arrays by
//! `super::arrow_typing`. Output tables come back as Arrow batches built by the Parquet
//! writer's column builders, rejects as `rejects.csv` rows.

use super::cases::CaseStore;
use super::duplicates::Duplicates;
use super::messages::{ArrowChunk, CaseDecision, KeyList, ORPHAN, RawChunk};
use super::options::RowCounts;
use super::plan::Shared;
use super::reader::EntityPlan;
use super::rejects::case_rejects;
use super::{check_entities, used_columns, worker};
use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::hash::{BuildIdentity, repeated_hashes};
use crate::input::{ArrowColumn, ArrowRows, Layout, RawTable, TableSize};
use crate::output::{OutputFormat, OutputTable, TablePart, TablePlan, sorted_batches, sorted_text_rows};
use arrow::array::{Array, AsArray, UInt32Array};
use arrow::datatypes::ArrowNativeType;
use pol_compiler::engine::{Batch, BatchResult, CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{ColumnId, Program};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Rows in memory, in Arrow arrays (one per schema column).
#[derive(Debug)]
pub(crate) struct MemoryInput {
    /// Household rows (row `i` on line `i + 2`).
    pub households: ArrowRows,
    /// Person rows (row `i` on line `i + 2`).
    pub persons: ArrowRows,
    /// For the members of a nested batch: `offsets[h]..offsets[h + 1]` are household `h`'s
    /// persons (in order).
    pub person_offsets: Option<Vec<usize>>,
    /// Whether the persons' household references were filled from their households' ids (so
    /// they need no check against them).
    pub references_filled: bool,
    /// Case rows, as text cells, when there are cases.
    pub cases: Option<RawTable>,
    /// The case columns read from a year's money total ([`ArrowRows::spread`]).
    pub case_spread: Vec<usize>,
    /// The names `rejects.csv` gives the households', persons' and cases' rows.
    pub file_names: [String; 3],
}

/// What [`evaluate`] returns.
#[derive(Debug)]
pub(crate) struct MemoryOutput {
    /// The output tables, in the policy's order.
    pub tables: Vec<OutputTable>,
    /// `rejects.csv` rows (without the header): households, then persons, then cases.
    pub rejects: Vec<u8>,
    /// Row counts of households, persons and cases.
    pub counts: [RowCounts; 3],
}

/// Persons per piece when their ids and references are read in parallel.
const PIECE: usize = 1 << 16;

/// Where the persons of each chunk are.
enum PersonPlace<'i> {
    /// Persons `offsets[h]..offsets[h + 1]` belong to household `h` (a nested batch).
    Nested(&'i [usize]),
    /// The persons of each chunk in order (the last list: persons of no household) with the
    /// row of their household in the chunk, and each person's reference (by piece).
    Matched(Vec<Vec<(u32, u32)>>, Vec<KeyList>),
}

/// Batches and results kept from one evaluation to the next (their columns and text tables
/// keep their allocations), shared by the evaluations of one evaluator.
#[derive(Debug, Default)]
pub(crate) struct Recycled {
    batches: Mutex<Vec<Batch>>,
    results: Mutex<Vec<BatchResult>>,
}

/// Evaluates `input` on `pool` in chunks of `chunk_households` households, reusing the batches
/// and results of `recycled` (and leaving this evaluation's there).
#[expect(clippy::too_many_arguments, reason = "the evaluator's parts, passed apart")]
pub(crate) fn evaluate(
    program: &Program,
    counties: &CountyTable,
    jurisdictions: &JurisdictionTable,
    engine: &dyn Engine,
    pool: &rayon::ThreadPool,
    chunk_households: usize,
    input: &MemoryInput,
    recycled: &Recycled,
) -> Result<MemoryOutput, RuntimeError> {
    check_entities(program, input.cases.is_some())?;
    let typer = FieldTyper::new(program, jurisdictions);
    let used = used_columns(program);
    let [household_file, person_file, case_file] = &input.file_names;
    let household_key = column(program.household.key)?;
    let person_ref = column(program.person.household_ref)?;
    let size = chunk_households.max(1);
    let n_households = input.households.len;
    let n_persons = input.persons.len;
    let n_chunks = n_households.div_ceil(size);
    // The cases are typed (on one thread) while the ids are listed.
    let case_store = || match &input.cases {
        Some(table) => {
            CaseStore::from_table(table, &Layout::Cells, case_file, program, &typer, &used[2], &input.case_spread)
        }
        None => Ok(CaseStore::empty(&program.case)),
    };
    let (cases, (household_keys, place, person_keys)) = pool.install(|| {
        rayon::join(case_store, || {
            // Each chunk's household ids, each piece's person ids (and references).
            let household_keys: Vec<KeyList> = (0..n_chunks)
                .into_par_iter()
                .map(|chunk| key_list(&input.households, household_key, chunk * size, size))
                .collect();
            // Each chunk's person ids when the persons are nested (the worker then reads them from
            // here, not from the arrays again), else each piece's.
            let person_keys: Vec<(usize, Arc<KeyList>)> = match (program.person.key, &input.person_offsets) {
                (Some(key), Some(offsets)) => (0..n_chunks)
                    .into_par_iter()
                    .map(|chunk| {
                        let from = offsets.get(chunk * size).copied().unwrap_or(n_persons);
                        let to = offsets.get(((chunk + 1) * size).min(n_households)).copied().unwrap_or(n_persons);
                        (from, Arc::new(key_list(&input.persons, key.0 as usize, from, to.saturating_sub(from))))
                    })
                    .collect(),
                (Some(key), None) => (0..n_persons.div_ceil(PIECE))
                    .into_par_iter()
                    .map(|piece| {
                        (piece * PIECE, Arc::new(key_list(&input.persons, key.0 as usize, piece * PIECE, PIECE)))
                    })
                    .collect(),
                (None, _) => Vec::new(),
            };
            let nested = input.person_offsets.as_ref().filter(|offsets| {
                input.references_filled || references_match(input, offsets, &household_keys, person_ref, size)
            });
            let place = match nested {
                Some(offsets) => PersonPlace::Nested(offsets),
                None => {
                    let references: Vec<KeyList> = (0..n_persons.div_ceil(PIECE))
                        .into_par_iter()
                        .map(|piece| key_list(&input.persons, person_ref, piece * PIECE, PIECE))
                        .collect();
                    let index = HouseholdIndex::new(&household_keys, size);
                    let households: Vec<Option<usize>> = references
                        .par_iter()
                        .flat_map_iter(|keys| (0..keys.len()).map(|row| index.find(keys, row)))
                        .collect();
                    let mut per_chunk: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n_chunks + 1];
                    for (person, household) in households.into_iter().enumerate() {
                        let (chunk, within) = match household {
                            Some(household) => (household / size, (household % size) as u32),
                            None => (n_chunks, ORPHAN),
                        };
                        if let Some(list) = per_chunk.get_mut(chunk) {
                            list.push((person as u32, within));
                        }
                    }
                    PersonPlace::Matched(per_chunk, references)
                }
            };
            (household_keys, place, person_keys)
        })
    });
    let cases = cases?;
    let household_lists: Vec<(usize, &KeyList)> =
        household_keys.iter().enumerate().map(|(chunk, keys)| (chunk * size, keys)).collect();
    let person_lists: Vec<(usize, &KeyList)> =
        person_keys.iter().map(|(first, keys)| (*first, keys.as_ref())).collect();
    // The nested persons' ids, by chunk, for the workers.
    let chunk_person_ids = matches!(place, PersonPlace::Nested(_)) && input.person_offsets.is_some();
    // The duplicated ids are found while the chunks are cut (neither needs the other).
    let (duplicates, chunks) = pool.install(|| {
        rayon::join(
            || {
                let (households, persons) = rayon::join(|| repeated(&household_lists), || repeated(&person_lists));
                Duplicates::new(households, persons)
            },
            || {
                (0..=n_chunks)
                    .into_par_iter()
                    .map(|chunk| {
                        let person_ids =
                            if chunk_person_ids { person_keys.get(chunk).map(|(_, keys)| keys.clone()) } else { None };
                        build_chunk(input, &household_keys, &place, size, n_chunks, chunk, person_ids)
                    })
                    .collect::<Result<Vec<RawChunk>, RuntimeError>>()
            },
        )
    });
    let chunks = chunks?;
    let plan_of = |file_name: &String, used: &Vec<bool>, rows: &ArrowRows| EntityPlan {
        file_name: file_name.clone(),
        layout: Layout::Cells,
        used: used.clone(),
        spread: rows.spread.clone(),
    };
    let household_plan = plan_of(household_file, &used[0], &input.households);
    let person_plan = plan_of(person_file, &used[1], &input.persons);
    // Persons are keyed by line: their rows and rejects come back in input order.
    let tables = TablePlan::of_program(program, OutputFormat::Parquet, true)?;
    let shared = Shared {
        program,
        counties,
        engine,
        sources: None,
        typer: &typer,
        households: &household_plan,
        persons: &person_plan,
        cases: &cases,
        duplicates: &duplicates,
        tables: &tables,
        report: None,
        reconcile: None,
        persons_keyed: true,
        collect_person_hashes: false,
        batches: Mutex::new(recycled.batches.lock().map(|mut pool| std::mem::take(&mut *pool)).unwrap_or_default()),
        results: Mutex::new(recycled.results.lock().map(|mut pool| std::mem::take(&mut *pool)).unwrap_or_default()),
    };
    let outputs = pool.install(|| {
        chunks.par_iter().map(|chunk| worker::process(&shared, chunk)).collect::<Result<Vec<_>, RuntimeError>>()
    });
    // The batches and results go back for the next evaluation (a poisoned lock: not kept).
    if let (Ok(mut kept), Ok(batches)) = (recycled.batches.lock(), shared.batches.into_inner()) {
        *kept = batches;
    }
    if let (Ok(mut kept), Ok(results)) = (recycled.results.lock(), shared.results.into_inner()) {
        *kept = results;
    }
    // The chunks (their lines and id lists) are freed on the pool's threads, not one by one
    // here.
    pool.install(|| chunks.into_par_iter().for_each(drop));
    let outputs = outputs?;
    let mut counts = [RowCounts::default(); 3];
    let mut parts: Vec<Vec<TablePart>> = tables.iter().map(|_| Vec::new()).collect();
    let mut rejects = Vec::new();
    let mut person_rejects = Vec::new();
    let mut decisions: Vec<Option<CaseDecision>> = vec![None; cases.len()];
    for output in outputs {
        add(&mut counts[0], output.households);
        add(&mut counts[1], output.persons);
        rejects.extend_from_slice(&output.household_rejects);
        person_rejects.push(output.person_rejects);
        for (case, decision) in output.case_decisions {
            if let Some(slot) = decisions.get_mut(case as usize) {
                *slot = Some(decision);
            }
        }
        for (table, part) in parts.iter_mut().zip(output.tables) {
            table.push(part);
        }
    }
    for (_, row) in sorted_text_rows(&person_rejects, "person rejects")? {
        rejects.extend_from_slice(row);
    }
    let (case_counts, case_rows) = case_rejects(program, &cases, &decisions);
    counts[2] = case_counts;
    rejects.extend_from_slice(&case_rows);
    // Each table's parts in order, as they are (a keyed table whose parts come out of order is
    // sorted into one batch, its columns on the pool's threads).
    let mut batches = Vec::with_capacity(tables.len());
    for (plan, parts) in tables.iter().zip(parts) {
        let parts = if plan.keyed {
            pool.install(|| sorted_batches(plan, parts))?
        } else {
            let mut batches = Vec::with_capacity(parts.len());
            for part in parts {
                let TablePart::Arrow { batch, .. } = part else {
                    return Err(RuntimeError::internal("an output part of the wrong format"));
                };
                batches.push(batch);
            }
            batches
        };
        batches.push(OutputTable {
            name: plan.name.clone(),
            schema: plan.schema.clone(),
            batches: parts.into_iter().filter(|batch| batch.num_rows() > 0).collect(),
        });
    }
    Ok(MemoryOutput { tables: batches, rejects, counts })
}

fn add(total: &mut RowCounts, counts: RowCounts) {
    total.read += counts.read;
    total.accepted += counts.accepted;
    total.rejected += counts.rejected;
}

/// A column the run needs (checked by `check_entities`).
fn column(column: Option<ColumnId>) -> Result<usize, RuntimeError> {
    column
        .map(|column| column.0 as usize)
        .ok_or_else(|| RuntimeError::internal("a key column the schema check let pass"))
}

/// The text of column `column` of rows `first..first + count` (fewer at the end): a string
/// column's rows where they lie, other columns' cells written as text.
fn key_list(rows: &ArrowRows, column: usize, first: usize, count: usize) -> KeyList {
    let end = rows.len.min(first + count);
    // A string column (the usual id column): its values are the texts.
    if let Some(ArrowColumn::Array(array)) = rows.columns.get(column)
        && let Some(strings) = array.as_string_opt::<i32>()
        && end <= strings.len()
    {
        let first = first.min(end);
        return KeyList::of_strings(strings.slice(first, end - first));
    }
    let mut keys = KeyList::with_capacity(end.saturating_sub(first), end.saturating_sub(first) * 12);
    let mut text = Vec::new();
    for row in first..end {
        text.clear();
        let present = rows.write_text(column, row, &mut text);
        keys.push(present.then_some(text.as_slice()));
    }
    keys
}

/// Whether every member of a nested batch names, as its household, the household it is listed
/// under (then each member's household is its row's, as when the references are filled).
fn references_match(
    input: &MemoryInput,
    offsets: &[usize],
    household_keys: &[KeyList],
    person_ref: usize,
    size: usize,
) -> bool {
    // A string column (the usual reference column) is compared where it lies: its bytes and
    // offsets read directly, its nulls only when it has some.
    let strings = match input.persons.columns.get(person_ref) {
        Some(ArrowColumn::Array(array)) => {
            array.as_string_opt::<i32>().filter(|strings| strings.len() == input.persons.len)
        }
        _ => None,
    };
    let raw = strings.map(|strings| {
        (strings.value_offsets(), strings.values().as_slice(), strings.nulls().filter(|nulls| nulls.null_count() > 0))
    });
    household_keys.par_iter().enumerate().all(|(chunk, keys)| {
        let mut text = Vec::new();
        (0..keys.len()).all(|row| {
            let household = chunk * size + row;
            let (Some(from), Some(to)) = (offsets.get(household), offsets.get(household + 1)) else { return false };
            let key = keys.get(row);
            (*from..*to).all(|person| match raw {
                Some((offsets, values, nulls)) => {
                    let reference = match (offsets.get(person), offsets.get(person + 1)) {
                        _ if nulls.is_some_and(|nulls| person >= nulls.len() || nulls.is_null(person)) => None,
                        (Some(start), Some(end)) => values.get(start.as_usize()..end.as_usize()),
                        _ => return false,
                    };
                    key == reference
                }
                None => {
                    text.clear();
                    let present = input.persons.write_text(person_ref, person, &mut text);
                    key == present.then_some(text.as_slice())
                }
            })
        })
    })
}

/// The ids that occur more than once among `lists` (row `i` of a list `(first, keys)` is row
/// `first + i`, on line row + 2), with their lines: the hashes that repeat are found
/// ([`repeated_hashes`], on the pool's threads), then confirmed on the ids that have them.
fn repeated(lists: &[(usize, &KeyList)]) -> HashMap<Vec<u8>, Vec<u64>> {
    let repeated: HashSet<u64, BuildIdentity> =
        repeated_hashes(lists, |(_, keys)| keys.present_hashes()).into_iter().collect();
    if repeated.is_empty() {
        return HashMap::new();
    }
    let mut lines: HashMap<Vec<u8>, Vec<u64>> = HashMap::new();
    for (first, keys) in lists {
        for row in 0..keys.len() {
            if let Some(key) = keys.get(row)
                && repeated.contains(&keys.hash(row))
            {
                lines.entry(key.to_vec()).or_default().push((first + row) as u64 + 2);
            }
        }
    }
    lines.retain(|_, lines| lines.len() > 1);
    lines
}

/// The first household with each id.
struct HouseholdIndex<'k> {
    /// By the id's hash: the chunk of the household and its row in the chunk.
    first: HashMap<u64, (usize, usize), BuildIdentity>,
    /// Ids whose hash another id has.
    collided: HashMap<&'k [u8], (usize, usize)>,
    keys: &'k [KeyList],
    size: usize,
}

impl<'k> HouseholdIndex<'k> {
    /// The index of the ids of chunks of `size` households.
    fn new(keys: &'k [KeyList], size: usize) -> HouseholdIndex<'k> {
        let total = keys.iter().map(KeyList::len).sum();
        let mut first: HashMap<u64, (usize, usize), BuildIdentity> =
            HashMap::with_capacity_and_hasher(total, BuildIdentity::default());
        let mut collided = HashMap::new();
        for (chunk, list) in keys.iter().enumerate() {
            for row in 0..list.len() {
                let Some(key) = list.get(row) else { continue };
                match first.get(&list.hash(row)) {
                    None => {
                        first.insert(list.hash(row), (chunk, row));
                    }
                    Some((other_chunk, other_row)) => {
                        let same = keys.get(*other_chunk).and_then(|other| other.get(*other_row)) == Some(key);
                        if !same {
                            collided.entry(key).or_insert((chunk, row));
                        }
                    }
                }
            }
        }
        HouseholdIndex { first, collided, keys, size }
    }

    /// The household (global index) whose id is reference `row` of `references`.
    fn find(&self, references: &KeyList, row: usize) -> Option<usize> {
        let key = references.get(row)?;
        let (chunk, at) = *self.first.get(&references.hash(row))?;
        if self.keys.get(chunk).and_then(|list| list.get(at)) == Some(key) {
            return Some(chunk * self.size + at);
        }
        self.collided.get(key).map(|(chunk, at)| chunk * self.size + at)
    }
}

/// Chunk `chunk` of the run (chunk `n_chunks` holds the persons of no household).
fn build_chunk(
    input: &MemoryInput,
    household_keys: &[KeyList],
    place: &PersonPlace<'_>,
    size: usize,
    n_chunks: usize,
    chunk: usize,
    person_ids: Option<Arc<KeyList>>,
) -> Result<RawChunk, RuntimeError> {
    let first = chunk * size;
    let households_here = input.households.len.saturating_sub(first).min(size);
    let households =
        if chunk < n_chunks { input.households.slice(first, households_here) } else { input.households.slice(0, 0) };
    // The households' lines follow on: held as one range, not row by row.
    let mut household_lines = RawTable::new(0);
    household_lines.push_lines(first as u64 + 2..(first + households.len) as u64 + 2);
    let household_keys = household_keys.get(chunk).cloned().unwrap_or_default();
    let n_members = match place {
        PersonPlace::Nested(offsets) => {
            let from = offsets.get(first).copied().unwrap_or(0);
            offsets.get(first + households_here).copied().unwrap_or(from).saturating_sub(from)
        }
        PersonPlace::Matched(per_chunk, _) => per_chunk.get(chunk).map_or(0, Vec::len),
    };
    let nested = matches!(place, PersonPlace::Nested(_));
    let mut person_lines = RawTable::new(0);
    if !nested {
        person_lines.reserve(TableSize { rows: n_members, bytes: 0 });
    }
    let mut person_refs = if nested { KeyList::default() } else { KeyList::with_capacity(n_members, n_members * 12) };
    let mut person_household = Vec::with_capacity(n_members);
    let persons = match place {
        PersonPlace::Nested(offsets) if chunk < n_chunks => {
            let start = offsets.get(first).copied().unwrap_or(0);
            for household in 0..households_here {
                let (Some(from), Some(to)) = (offsets.get(first + household), offsets.get(first + household + 1))
                else {
                    return Err(RuntimeError::internal("member offsets shorter than the households"));
                };
                // Their references are their household's id (`RawChunk::person_ref`).
                let key = household_keys.get(household);
                person_lines.push_lines(*from as u64 + 2..*to as u64 + 2);
                let owner = if key.is_some() { household as u32 } else { ORPHAN };
                person_household.extend(std::iter::repeat_n(owner, to.saturating_sub(*from)));
            }
            input.persons.slice(start, person_lines.len())
        }
        PersonPlace::Nested(_) => input.persons.slice(0, 0),
        PersonPlace::Matched(per_chunk, references) => {
            let members = per_chunk.get(chunk).map_or(&[][..], Vec::as_slice);
            for (person, within) in members {
                let person = *person as usize;
                person_lines.push(&[], &[], person as u64 + 2, None);
                let reference = references.get(person / PIECE);
                let row = person % PIECE;
                person_refs
                    .push_hashed(reference.and_then(|keys| keys.get(row)), reference.map_or(0, |keys| keys.hash(row)));
                person_household.push(*within);
            }
            let contiguous = members.windows(2).all(|pair| matches!(pair, [(a, _), (b, _)] if a + 1 == *b));
            match members.first() {
                Some((start, _)) if contiguous => input.persons.slice(*start as usize, members.len()),
                Some(_) => {
                    input.persons.take(&UInt32Array::from_iter_values(members.iter().map(|(person, _)| *person)))?
                }
                None => input.persons.slice(0, 0),
            }
        }
    };
    Ok(RawChunk {
        index: chunk,
        households: household_lines,
        household_keys,
        persons: person_lines,
        person_refs,
        person_household,
        arrow: Some(ArrowChunk { households, persons, person_ids, listed_under_households: nested }),
    })
}
