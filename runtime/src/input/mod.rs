//! Input files as rows of text cells: CSV, JSON lines and Parquet, chosen by file extension.
//!
//! CSV and JSON-lines files are mapped into memory when they can be ([`mapped`]), so records
//! are found in the page cache rather than in a copy of it.
//!
//! Every reader turns its file into the same thing, a [`RawTable`]: the rows' bytes and line
//! numbers, with each cell still text. Typing a cell (money, dates, enums…) is one function for
//! every format ([`crate::fields`]), so a value is accepted or rejected the same way whatever
//! file it came in.
//!
//! | extension | format | what a cell is |
//! |---|---|---|
//! | `.csv` | RFC 4180 CSV, UTF-8, `,`-separated, `\n` or `\r\n` line ends, a header row | the field's text after CSV unquoting (`"a,b"` is `a,b`); nothing is trimmed |
//! | `.jsonl`, `.ndjson` | one JSON object per line, keys are column names | a string's contents; a number's literal text as written (`4500.5`, not `4500.50`); `true`/`false`; `null` or an absent key is a missing value |
//! | `.parquet` | Parquet, columns named as in the policy | strings as they are; integers in decimal; booleans `true`/`false`; `date32` as `YYYY-MM-DD`; decimals with their scale's digits (`decimal(10,2)` 4500 → `4500.00`); a null is a missing value |
//!
//! Columns the policy does not declare are allowed and ignored. A declared column with a
//! default that the file lacks (the header, the Parquet schema, a JSON line's keys) gives every
//! such row the default's text ([`pol_compiler::tir::Column::default_cell`]), typed as a cell
//! holding it would be. A declared column without a default that is missing from the header
//! (CSV) or the schema (Parquet), or a header naming a column twice, stops the run before
//! anything is written; a JSON line lacking such a key has that value missing, which rejects
//! the row. Empty lines are skipped in CSV and JSON lines (they still count in
//! line numbers); a leading UTF-8 byte-order mark is skipped. The `line` of a row is its line in
//! the file (CSV: the header is line 1; a quoted field spanning lines gives its first line); for
//! Parquet, where there are no lines, row `i` (from 0) has line `i + 2`, the line it would have
//! in the same table written as CSV.
//!
//! Limits (README, "Input limits"): a CSV record or JSON line is at most 1 MiB
//! ([`csv::MAX_RECORD_BYTES`]) and a quoted CSV field spans at most 1,000 lines
//! ([`csv::MAX_RECORD_LINES`]); beyond them, or at a quote still open at the end of the file,
//! the run stops with a diagnostic naming the file and the line. An input that is not a regular
//! file (a pipe) can be read only once ([`not_rereadable`]).

mod arrow_rows;
pub(crate) mod csv;
pub(crate) use arrow_rows::{ArrowColumn, ArrowRows, Floats, flat_rows, flatten_members};
mod header;
mod jsonl;
mod layout;
mod mapped;
mod parquet;
pub(crate) use arrow_rows::write_cell as write_arrow_cell;
mod table;

pub(crate) use header::ABSENT;
pub(crate) use layout::{Layout, RowCells, Splitter};
pub use table::file_name;
pub(crate) use table::{Cell, CellSpan, RawTable, RecordSource, TableSize};

use crate::error::RuntimeError;
use pol_compiler::tir::EntitySchema;
use std::path::Path;

/// The format of an input file, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// `.csv`
    Csv,
    /// `.jsonl` or `.ndjson`
    Jsonl,
    /// `.parquet`
    Parquet,
}

impl InputFormat {
    /// The format of `path`, by its extension (case-insensitive).
    pub fn of_path(path: &Path) -> Result<InputFormat, RuntimeError> {
        let extension = path.extension().map(|ext| ext.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv") => Ok(InputFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
            Some("parquet") => Ok(InputFormat::Parquet),
            _ => Err(RuntimeError::UnknownFormat { file: file_name(path) }),
        }
    }
}

/// An opened input file: its reader, layout and name.
pub(crate) struct OpenedInput {
    /// Reads the rows.
    pub source: Box<dyn RecordSource>,
    /// Where the schema's columns are.
    pub layout: Layout,
    /// The file name (for `rejects.csv` and diagnostics).
    pub file_name: String,
    /// Total bytes (CSV, JSON lines) or rows (Parquet), for progress.
    pub total: u64,
    /// The schema columns whose header holds a year's money total (`salary@2017` read for the
    /// month column `salary@2017-03`): each word is divided by 12 after typing.
    pub spread: Vec<usize>,
}

/// What `path` is when it is not a regular file (`a pipe`, `a character device`, …): such an
/// input can be read only once.
pub(crate) fn not_rereadable(path: &Path) -> Result<Option<&'static str>, RuntimeError> {
    let file_type = std::fs::metadata(path).map_err(|error| RuntimeError::read(path, &error))?.file_type();
    if file_type.is_file() {
        return Ok(None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return Ok(Some("a pipe"));
        }
        if file_type.is_char_device() {
            return Ok(Some("a character device"));
        }
        if file_type.is_socket() {
            return Ok(Some("a socket"));
        }
    }
    Ok(Some(if file_type.is_dir() { "a directory" } else { "not a regular file" }))
}

/// Which of the nested layout's list columns (`persons`, `cases`) a households file has: a
/// Parquet file may hold each household's members (`pol run` then needs no persons file).
pub fn nested_columns(path: &Path) -> Result<(bool, bool), RuntimeError> {
    if InputFormat::of_path(path)? != InputFormat::Parquet {
        return Ok((false, false));
    }
    let file = std::fs::File::open(path).map_err(|error| RuntimeError::read(path, &error))?;
    let builder = ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|error| RuntimeError::Parquet { file: file_name(path), message: error.to_string() })?;
    let has = |name: &str| builder.schema().fields().find(name).is_some();
    Ok((has("persons"), has("cases")))
}

/// The first line of a CSV file (a regular file, read again: this is an error's path) as an
/// excerpt named `name`, and its text; `None` for another format or a line that is not UTF-8
/// within its first 64 KiB.
pub(crate) fn header_line(path: &Path, name: &str) -> Option<(crate::error::InputExcerpt, String)> {
    use std::io::{BufRead, Read};
    if InputFormat::of_path(path).ok()? != InputFormat::Csv || !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::new(file.take(64 * 1024));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let line = line.trim_end_matches(['\n', '\r']);
    let line = line.strip_prefix('\u{feff}').unwrap_or(line).to_string();
    Some((crate::error::InputExcerpt::new(name, line.clone(), 1), line))
}

/// A column named twice in a CSV header: the header line, with both names labelled.
fn at_header(path: &Path, error: RuntimeError) -> RuntimeError {
    match error {
        RuntimeError::DuplicateColumn { file, column, .. } => {
            let header = header_line(path, &file);
            // The header's fields at commas (a quoted name is compared without its quotes).
            let mut places = Vec::new();
            if let Some((_, line)) = &header {
                let mut start = 0;
                for field in line.split(',') {
                    if field.trim_matches('"') == column {
                        places.push(miette::SourceSpan::from((start, field.len())));
                    }
                    start += field.len() + 1;
                }
            }
            let (first, again) = match places.as_slice() {
                [first, .., again] => (Some(*first), Some(*again)),
                _ => (None, None),
            };
            let header = header.filter(|_| again.is_some()).map(|(excerpt, _)| excerpt);
            RuntimeError::DuplicateColumn { file, column, header, again, first }
        }
        RuntimeError::PeriodColumn { file, column, reason, help, .. } => {
            let header = header_line(path, &file);
            let mut at = None;
            if let Some((_, line)) = &header {
                let mut start = 0;
                for field in line.split(',') {
                    if field.trim_matches('"') == column && at.is_none() {
                        at = Some(miette::SourceSpan::from((start, field.len())));
                    }
                    start += field.len() + 1;
                }
            }
            let header = header.filter(|_| at.is_some()).map(|(excerpt, _)| excerpt);
            RuntimeError::PeriodColumn { file, column, reason, help, header, at }
        }
        other => other,
    }
}

/// Opens an input file for `schema` and checks its header: every declared column present,
/// no column named twice. Nothing is read beyond the header (Parquet: the footer).
pub(crate) fn open(path: &Path, schema: &EntitySchema) -> Result<OpenedInput, RuntimeError> {
    let format = InputFormat::of_path(path)?;
    let file_name = file_name(path);
    let file = std::fs::File::open(path).map_err(|error| RuntimeError::read(path, &error))?;
    let total = file.metadata().map_err(|error| RuntimeError::read(path, &error))?.len();
    match format {
        InputFormat::Csv => {
            let (source, positions, header) =
                csv::CsvSource::open(file, path, &file_name, schema).map_err(|error| at_header(path, error))?;
            let absent = positions
                .iter()
                .zip(&schema.columns)
                .enumerate()
                .filter(|(_, (position, _))| **position == header::ABSENT)
                .filter_map(|(index, (_, column))| Some((index, column.default_cell.clone()?)))
                .collect();
            let spread = header::spread_columns(&header, schema);
            let layout = Layout::Csv { positions, header, absent };
            Ok(OpenedInput { source: Box::new(source), layout, file_name, total, spread })
        }
        InputFormat::Jsonl => {
            let source = jsonl::JsonlSource::new(file, path, schema);
            Ok(OpenedInput { source: Box::new(source), layout: Layout::Cells, file_name, total, spread: Vec::new() })
        }
        InputFormat::Parquet => {
            let (source, rows) = parquet::ParquetSource::open(file, &file_name, schema)?;
            let spread = source.spread.clone();
            Ok(OpenedInput { source: Box::new(source), layout: Layout::Cells, file_name, total: rows, spread })
        }
    }
}
