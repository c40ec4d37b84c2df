//! Reading one household, with its persons and cases, from CSV data files: what `pol explain
//! --household ID` evaluates. The rows are typed exactly as `pol run` types them
//! ([`crate::fields`]); a bad field is an error naming the file, line and column instead of a
//! reject, since the user asked about this household in particular.

use crate::fields::{FieldTyper, Typed};
use crate::input::Cell;
use pol_compiler::engine::{Batch, Columns};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::{TextHandle, TextOrigin};
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
    /// A file could not be read as CSV.
    #[error("cannot read `{file}`: {message}")]
    #[diagnostic(code(pol::explain::read), help("`pol explain --household` reads CSV files with a header row"))]
    Read {
        /// The file.
        file: String,
        /// The reason.
        message: String,
    },
    /// A column the policy declares is missing.
    #[error("`{file}` has no column `{column}`")]
    #[diagnostic(code(pol::explain::missing_column), help("the header must name every column the policy declares"))]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: String,
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
    let mut batch = Batch { person_offsets: vec![0], case_offsets: vec![0], ..Batch::default() };
    let household_key = program.household.key.map(|key| key.0 as usize);
    batch.households = read_rows(&typer, &program.household, households, household_key, id, &mut batch.texts)?;
    if batch.households.len == 0 {
        return Err(SingleError::NotFound { id: id.to_string(), file: households.display().to_string() });
    }
    batch.households = first_row(batch.households);
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
fn first_row(columns: Columns) -> Columns {
    let mut first = Columns::with_columns(columns.columns.len());
    let row: Vec<Word> = columns.columns.iter().map(|column| column.first().copied().unwrap_or(0)).collect();
    first.push_row(&row);
    first
}

/// The rows of `path` whose `link` column equals `id`, typed against `schema`.
fn read_rows(
    typer: &FieldTyper<'_>,
    schema: &EntitySchema,
    path: &Path,
    link: Option<usize>,
    id: &str,
    texts: &mut Vec<String>,
) -> Result<Columns, SingleError> {
    let file = path.display().to_string();
    let read_error = |error: csv::Error| SingleError::Read { file: file.clone(), message: error.to_string() };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path).map_err(read_error)?;
    let header = reader.byte_headers().map_err(read_error)?.clone();
    let positions = schema
        .columns
        .iter()
        .map(|column| {
            header
                .iter()
                .position(|name| name == column.name.as_bytes())
                .ok_or_else(|| SingleError::MissingColumn { file: file.clone(), column: column.name.clone() })
        })
        .collect::<Result<Vec<usize>, SingleError>>()?;
    let link_position = link.and_then(|link| positions.get(link).copied());
    let mut columns = Columns::with_columns(schema.columns.len());
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(read_error)? {
        if link_position.and_then(|position| record.get(position)) != Some(id.as_bytes()) {
            continue;
        }
        let line = record.position().map_or(0, |position| position.line());
        let mut row = Vec::with_capacity(schema.columns.len());
        for (column, position) in schema.columns.iter().zip(&positions) {
            let cell = record.get(*position).map_or(Cell::Missing, Cell::Text);
            let bad = |reason: String| SingleError::BadField {
                file: file.clone(),
                line,
                column: column.name.clone(),
                reason,
            };
            let word = match typer.type_cell(column, cell).map_err(bad)? {
                Typed::Word(word) => word,
                Typed::Text => {
                    let bytes = record.get(*position).unwrap_or_default();
                    let text = std::str::from_utf8(bytes).map_err(|_| SingleError::BadField {
                        file: file.clone(),
                        line,
                        column: column.name.clone(),
                        reason: "not UTF-8".into(),
                    })?;
                    texts.push(text.to_string());
                    TextHandle::new(TextOrigin::Batch, (texts.len() - 1) as u32).to_word()
                }
            };
            row.push(word);
        }
        columns.push_row(&row);
    }
    Ok(columns)
}
