//! Evaluation of rows already in memory (Arrow record batches turned into cell tables by
//! `crate::arrow_eval`): the same workers as `pol run` ([`super::worker::process`]) over chunks
//! of the households, in parallel, with the whole input's facts (duplicated ids, orphans) known
//! up front, so one pass suffices. Output tables come back as Arrow batches built by the
//! Parquet writer's column builders, rejects as `rejects.csv` rows.

use super::cases::CaseStore;
use super::duplicates::Duplicates;
use super::messages::{CaseDecision, KeyList, ORPHAN, RawChunk};
use super::options::RowCounts;
use super::plan::Shared;
use super::reader::EntityPlan;
use super::rejects::case_rejects;
use super::{check_entities, used_columns, worker};
use crate::error::RuntimeError;
use crate::fields::FieldTyper;
use crate::input::{Layout, RawTable};
use crate::output::{OutputFormat, TablePart, TablePlan, sorted_batch, sorted_text_rows};
use arrow::array::RecordBatch;
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{ColumnId, Program};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;

/// Rows in memory, as pre-split cells (one cell per schema column).
#[derive(Debug)]
pub(crate) struct MemoryInput {
    /// Household rows.
    pub households: RawTable,
    /// Person rows.
    pub persons: RawTable,
    /// Case rows, when there are cases.
    pub cases: Option<RawTable>,
    /// The names `rejects.csv` gives the households', persons' and cases' rows.
    pub file_names: [String; 3],
}

/// What [`evaluate`] returns.
#[derive(Debug)]
pub(crate) struct MemoryOutput {
    /// One batch per output table, in the policy's order, with its name.
    pub tables: Vec<(String, RecordBatch)>,
    /// `rejects.csv` rows (without the header): households, then persons, then cases.
    pub rejects: Vec<u8>,
    /// Row counts of households, persons and cases.
    pub counts: [RowCounts; 3],
}

/// Evaluates `input` on `pool` in chunks of `chunk_households` households.
pub(crate) fn evaluate(
    program: &Program,
    counties: &CountyTable,
    jurisdictions: &JurisdictionTable,
    engine: &dyn Engine,
    pool: &rayon::ThreadPool,
    chunk_households: usize,
    input: &MemoryInput,
) -> Result<MemoryOutput, RuntimeError> {
    check_entities(program, input.cases.is_some())?;
    let typer = FieldTyper::new(program, jurisdictions);
    let used = used_columns(program);
    let [household_file, person_file, case_file] = &input.file_names;
    let cases = match &input.cases {
        Some(table) => CaseStore::from_table(table, &Layout::Cells, case_file, program, &typer, &used[2])?,
        None => CaseStore::empty(&program.case),
    };
    let household_key = column(program.household.key)?;
    let person_ref = column(program.person.household_ref)?;
    let household_ids = keys(&input.households, household_key)?;
    let person_refs = keys(&input.persons, person_ref)?;
    let duplicates = Duplicates::new(
        repeated(&input.households, &household_ids)?,
        match program.person.key {
            Some(key) => repeated(&input.persons, &keys(&input.persons, key.0 as usize)?)?,
            None => HashMap::new(),
        },
    );
    // The household of each person: the first household with its id (a duplicated id rejects
    // them all, persons included).
    let mut index: HashMap<&[u8], usize> = HashMap::with_capacity(household_ids.len());
    for household in (0..household_ids.len()).rev() {
        if let Some(key) = household_ids.get(household) {
            index.insert(key, household);
        }
    }
    let size = chunk_households.max(1);
    let n_chunks = input.households.len().div_ceil(size);
    let mut chunks: Vec<RawChunk> = (0..=n_chunks)
        .map(|chunk| RawChunk {
            index: chunk,
            persons: RawTable::new(program.person.columns.len()),
            households: RawTable::new(program.household.columns.len()),
            ..RawChunk::default()
        })
        .collect();
    for household in 0..input.households.len() {
        let Some(chunk) = chunks.get_mut(household / size) else { continue };
        chunk.households.push_from(&input.households, household);
        chunk.household_keys.push(household_ids.get(household));
    }
    for person in 0..input.persons.len() {
        let reference = person_refs.get(person);
        let household = reference.and_then(|key| index.get(key).copied());
        let (chunk, within) = match household {
            Some(household) => (household / size, (household % size) as u32),
            None => (n_chunks, ORPHAN),
        };
        let Some(chunk) = chunks.get_mut(chunk) else { continue };
        chunk.persons.push_from(&input.persons, person);
        chunk.person_refs.push(reference);
        chunk.person_household.push(within);
    }
    let plan_of = |file_name: &String, used: &Vec<bool>| EntityPlan {
        file_name: file_name.clone(),
        layout: Layout::Cells,
        used: used.clone(),
    };
    let household_plan = plan_of(household_file, &used[0]);
    let person_plan = plan_of(person_file, &used[1]);
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
        batches: Mutex::new(Vec::new()),
        results: Mutex::new(Vec::new()),
    };
    let outputs = pool.install(|| {
        chunks.par_iter().map(|chunk| worker::process(&shared, chunk)).collect::<Result<Vec<_>, RuntimeError>>()
    })?;
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
    let mut batches = Vec::with_capacity(tables.len());
    for (plan, parts) in tables.iter().zip(parts) {
        let batch = if plan.keyed {
            sorted_batch(plan, parts)?
        } else {
            let mut batches = Vec::with_capacity(parts.len());
            for part in parts {
                let TablePart::Arrow { batch, .. } = part else {
                    return Err(RuntimeError::internal("an output part of the wrong format"));
                };
                batches.push(batch);
            }
            arrow::compute::concat_batches(&plan.schema, &batches)
                .map_err(|error| RuntimeError::internal(error.to_string()))?
        };
        batches.push((plan.name.clone(), batch));
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

/// The text of column `column` of every row.
fn keys(table: &RawTable, column: usize) -> Result<KeyList, RuntimeError> {
    let mut keys = KeyList::with_capacity(table.len(), table.len() * 12);
    for row in 0..table.len() {
        keys.push(Layout::Cells.cell_text(table, row, column).as_deref());
    }
    Ok(keys)
}

/// The ids that occur more than once, with their lines.
fn repeated(table: &RawTable, ids: &KeyList) -> Result<HashMap<Vec<u8>, Vec<u64>>, RuntimeError> {
    let mut lines: HashMap<&[u8], Vec<u64>> = HashMap::with_capacity(ids.len());
    for row in 0..ids.len() {
        if let Some(id) = ids.get(row) {
            lines.entry(id).or_default().push(table.line(row)?);
        }
    }
    Ok(lines.into_iter().filter(|(_, lines)| lines.len() > 1).map(|(id, lines)| (id.to_vec(), lines)).collect())
}
