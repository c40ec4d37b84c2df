//! Reading one household, with its persons and cases, from data files (CSV, JSON lines or
//! Parquet, by extension, read by the same readers as `pol run`): what `pol explain --household
//! ID` evaluates. The rows are typed exactly as `pol run` types them ([`crate::fields`]); a bad
//! field is an error naming the file, line and column instead of a reject, since the user asked
//! about this household in particular.

use crate::error::RuntimeError;
use crate::fields::{FieldTyper, Typed};
use crate::input::{self, Cell, RawTable, Splitter};
use pol_compiler::engine::{Batch, Columns};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::TextTable;
use pol_compiler::tir::{EntitySchema, Program, Word};
use std::path::Path;

/// Why a household could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SingleError {
    /// The household id is not in the households file.
    #[error("no household `{id}` in `{file}`")]
    #[diagnostic(code(pol::explain::not_found), help("check the id; ids are compared exactly, without trimming"))]
    NotFound {
        /// The id looked for.
        id: String,
        /// The households file.
        file: String,
    },
    /// A file could not be opened or read (unknown extension, missing column, not UTF-8, …):
    /// the same diagnostic `pol run` gives.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(Box<RuntimeError>),
    /// A row of the household could not be split into its fields.
    #[error("`{file}` line {line}: {message}")]
    #[diagnostic(code(pol::explain::bad_row), help("`pol run` would reject this household; fix the row to explain it"))]
    BadRow {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field of the household's rows is malformed.
    #[error("`{file}` line {line}: bad `{column}`: {reason}")]
    #[diagnostic(
        code(pol::explain::bad_field),
        help("`pol run` would reject this household; fix the field to explain it")
    )]
    BadField {
        /// The file.
        file: String,
        /// The line (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// Why.
        reason: String,
    },
}

/// Reads household `id` and its persons and cases into a one-household batch.
pub fn read_household(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    id: &str,
    households: &Path,
    persons: &Path,
    cases: Option<&Path>,
) -> Result<Batch, SingleError> {
    let typer = FieldTyper::new(program, jurisdictions);
    let mut batch = Batch::empty(program);
    let household_key = program.household.key.map(|key| key.0 as usize);
    batch.households = read_rows(&typer, &program.household, households, household_key, id, &mut batch.texts)?;
    if batch.households.len == 0 {
        return Err(SingleError::NotFound { id: id.to_string(), file: households.display().to_string() });
    }
    batch.households = first_row(batch.households).map_err(|error| SingleError::Input(Box::new(error)))?;
    let person_link = program.person.household_ref.map(|column| column.0 as usize);
    batch.persons = read_rows(&typer, &program.person, persons, person_link, id, &mut batch.texts)?;
    batch.person_offsets.push(batch.persons.len as u32);
    batch.cases = match (cases, program.case.household_ref) {
        (Some(path), Some(link)) => {
            read_rows(&typer, &program.case, path, Some(link.0 as usize), id, &mut batch.texts)?
        }
        _ => Columns::with_columns(program.case.columns.len()),
    };
    batch.case_offsets.push(batch.cases.len as u32);
    Ok(batch)
}

/// Keeps only the first row (a duplicated id is `pol run`'s business).
fn first_row(columns: Columns) -> Result<Columns, RuntimeError> {
    let mut first = Columns::with_columns(columns.columns.len());
    // INVARIANT: the caller found at least one row, so every column has a first word.
    let row: Option<Vec<Word>> = columns.columns.iter().map(|column| column.first().copied()).collect();
    first.push_row(&row.ok_or_else(|| RuntimeError::internal("a household column without a first row"))?);
    Ok(first)
}

/// The rows of `path` whose `link` column equals `id`, typed against `schema`.
fn read_rows(
    typer: &FieldTyper<'_>,
    schema: &EntitySchema,
    path: &Path,
    link: Option<usize>,
    id: &str,
    texts: &mut TextTable,
) -> Result<Columns, SingleError> {
    let file = path.display().to_string();
    let mut opened = input::open(path, schema).map_err(|error| SingleError::Input(Box::new(error)))?;
    let n_cells = if opened.layout == input::Layout::Cells { schema.columns.len() } else { 0 };
    let mut table = RawTable::new(n_cells);
    let mut splitter = Splitter::default();
    let mut columns = Columns::with_columns(schema.columns.len());
    loop {
        table.clear();
        if !opened.source.next_into(&mut table).map_err(|error| SingleError::Input(Box::new(error)))? {
            break;
        }
        let key = link.and_then(|link| opened.layout.cell_text(&table, 0, link));
        if key.as_deref() != Some(id.as_bytes()) {
            continue;
        }
        let line = table.line(0).map_err(|error| SingleError::Input(Box::new(error)))?;
        let bad_row = |message: String| SingleError::BadRow { file: file.clone(), line, message };
        if let Some(problem) = table.row_problem(0) {
            return Err(bad_row(problem.to_string()));
        }
        let cells = opened.layout.cells(&table, 0, &mut splitter);
        if let Some((found, expected)) = cells.width_mismatch {
            return Err(bad_row(format!("{found} fields where the header has {expected}")));
        }
        let mut row = Vec::with_capacity(schema.columns.len());
        for (index, column) in schema.columns.iter().enumerate() {
            let cell = cells.get(index);
            let bad = |reason: String| SingleError::BadField {
                file: file.clone(),
                line,
                column: column.name.clone(),
                reason,
            };
            let word = match typer.type_cell(column, cell).map_err(bad)? {
                Typed::Word(word) => word,
                Typed::Text => {
                    let bytes = match cell {
                        Cell::Text(bytes) => bytes,
                        Cell::Missing | Cell::NotScalar => &[],
                    };
                    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?;
                    texts.push_handle(text)
                }
            };
            // A year's money total read for one month: its twelfth, as `pol run` types it.
            let word = if opened.spread.contains(&index) {
                pol_compiler::arith::div_round(word, 12).map_err(|error| bad(format!("{error:?}")))?
            } else {
                word
            };
            row.push(word);
        }
        columns.push_row(&row);
    }
    Ok(columns)
}
