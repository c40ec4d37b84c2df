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
//! Columns the policy does not declare are allowed and ignored; a declared column that is
//! missing from the header (CSV) or the schema (Parquet), or a header naming a column twice,
//! stops the run before anything is written. A JSON line lacking a key has that value missing,
//! which rejects the row. Empty lines are skipped in CSV and JSON lines (they still count in
//! line numbers); a leading UTF-8 byte-order mark is skipped. The `line` of a row is its line in
//! the file (CSV: the header is line 1; a quoted field spanning lines gives its first line); for
//! Parquet, where there are no lines, row `i` (from 0) has line `i + 2`, the line it would have
//! in the same table written as CSV.

pub(crate) mod csv;
pub(crate) mod jsonl;
pub(crate) mod mapped;
pub(crate) mod parquet;

use crate::error::RuntimeError;
use pol_compiler::tir::EntitySchema;
use std::borrow::Cow;
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

/// The file name of a path (what `rejects.csv` and diagnostics show).
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned())
}

/// One cell of a row, as byte offsets relative to the row's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CellSpan {
    start: u32,
    end: u32,
}

const MISSING: u32 = u32::MAX;
const NOT_SCALAR: u32 = u32::MAX - 1;

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell<'a> {
    /// Text (not yet checked to be UTF-8 for CSV rows).
    Text(&'a [u8]),
    /// No value: an absent JSON key, a JSON `null`, a Parquet null, a CSV row too short.
    Missing,
    /// A JSON object or array.
    NotScalar,
}

impl CellSpan {
    /// A cell at `start..end` of the row.
    pub(crate) fn text(start: usize, end: usize) -> CellSpan {
        CellSpan { start: u32::try_from(start).unwrap_or(MISSING - 2), end: u32::try_from(end).unwrap_or(MISSING - 2) }
    }

    /// A missing value.
    pub(crate) const MISSING: CellSpan = CellSpan { start: 0, end: MISSING };

    /// A JSON object or array.
    pub(crate) const NOT_SCALAR: CellSpan = CellSpan { start: 0, end: NOT_SCALAR };

    /// The byte range of a text cell within its row.
    pub(crate) fn range(self) -> Option<(usize, usize)> {
        (self.end < NOT_SCALAR).then_some((self.start as usize, self.end as usize))
    }

    /// The cell within `row` (the row's bytes).
    pub(crate) fn get(self, row: &[u8]) -> Cell<'_> {
        match self.end {
            MISSING => Cell::Missing,
            NOT_SCALAR => Cell::NotScalar,
            end => row.get(self.start as usize..end as usize).map_or(Cell::Missing, Cell::Text),
        }
    }
}

/// One row of a [`RawTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawRow {
    /// Its bytes are `bytes[start..end]`.
    pub start: usize,
    /// End of its bytes.
    pub end: usize,
    /// Its line in the file.
    pub line: u64,
    /// Index into [`RawTable::problems`] of a problem found while reading (malformed JSON), or
    /// [`NO_PROBLEM`].
    pub problem: u32,
    /// Whether a CSV record may hold a `"` (false: certainly none, no unquoting needed).
    pub quoted: bool,
}

/// [`RawRow::problem`] of a row read without problem.
pub(crate) const NO_PROBLEM: u32 = u32::MAX;

/// Rows of one entity, as text: CSV rows as their raw record bytes (split into fields by the
/// worker that types them), JSON-lines and Parquet rows as one [`CellSpan`] per schema column.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawTable {
    /// The rows' bytes, one after the other.
    pub bytes: Vec<u8>,
    /// The rows.
    pub rows: Vec<RawRow>,
    /// For pre-split rows: `n_columns` cells per row, relative to the row's start.
    pub cells: Vec<CellSpan>,
    /// Cells per row (0 for CSV records).
    pub n_cells: usize,
    /// Problems of rows (see [`RawRow::problem`]).
    pub problems: Vec<String>,
}

impl RawTable {
    /// An empty table whose rows have `n_cells` cells each (0 for CSV records).
    pub(crate) fn new(n_cells: usize) -> RawTable {
        RawTable { n_cells, ..RawTable::default() }
    }

    /// How many rows and bytes the table holds (to make room for as many in the next one).
    pub(crate) fn size(&self) -> TableSize {
        TableSize { rows: self.rows.len(), bytes: self.bytes.len() }
    }

    /// Makes room for `size` more rows and bytes.
    pub(crate) fn reserve(&mut self, size: TableSize) {
        self.bytes.reserve(size.bytes);
        self.rows.reserve(size.rows);
        self.cells.reserve(size.rows * self.n_cells);
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Removes every row, keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
        self.cells.clear();
        self.problems.clear();
    }

    /// The bytes of row `index`.
    pub(crate) fn row_bytes(&self, index: usize) -> &[u8] {
        self.rows.get(index).and_then(|row| self.bytes.get(row.start..row.end)).unwrap_or(&[])
    }

    /// The pre-split cells of row `index` (empty for CSV records).
    pub(crate) fn row_cells(&self, index: usize) -> &[CellSpan] {
        let start = index.saturating_mul(self.n_cells);
        self.cells.get(start..start.saturating_add(self.n_cells)).unwrap_or(&[])
    }

    /// The problem found while reading row `index`, if any.
    pub(crate) fn row_problem(&self, index: usize) -> Option<&str> {
        let row = self.rows.get(index)?;
        self.problems.get(row.problem as usize).map(String::as_str)
    }

    /// Appends a row from its bytes (and, for pre-split tables, its cells).
    pub(crate) fn push(&mut self, bytes: &[u8], cells: &[CellSpan], line: u64, problem: Option<&str>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        let problem = match problem {
            Some(text) => {
                self.problems.push(text.to_string());
                u32::try_from(self.problems.len() - 1).unwrap_or(NO_PROBLEM)
            }
            None => NO_PROBLEM,
        };
        self.rows.push(RawRow { start, end: self.bytes.len(), line, problem, quoted: true });
        if self.n_cells > 0 {
            for index in 0..self.n_cells {
                self.cells.push(cells.get(index).copied().unwrap_or(CellSpan::MISSING));
            }
        }
    }

    /// Appends row `index` of `other` (a table of the same layout).
    pub(crate) fn push_from(&mut self, other: &RawTable, index: usize) {
        let Some(row) = other.rows.get(index) else { return };
        let bytes = other.bytes.get(row.start..row.end).unwrap_or(&[]);
        self.push(bytes, other.row_cells(index), row.line, other.row_problem(index));
        if let Some(last) = self.rows.last_mut() {
            last.quoted = row.quoted;
        }
    }

    /// Whether row `index` may hold a `"`.
    pub(crate) fn row_quoted(&self, index: usize) -> bool {
        self.rows.get(index).is_none_or(|row| row.quoted)
    }

    /// Removes the last row and returns it as a one-row table.
    pub(crate) fn pop_into(&mut self, target: &mut RawTable) {
        let Some(last) = self.rows.len().checked_sub(1) else { return };
        target.push_from(self, last);
        if let Some(row) = self.rows.pop() {
            self.bytes.truncate(row.start);
            self.cells.truncate(self.rows.len() * self.n_cells);
            if row.problem != NO_PROBLEM {
                self.problems.truncate(row.problem as usize);
            }
        }
    }
}

/// The number of rows and bytes of a [`RawTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TableSize {
    /// Rows.
    pub rows: usize,
    /// Bytes of the rows.
    pub bytes: usize,
}

impl TableSize {
    /// An eighth more: room enough for a chunk like the last one to be read without growing
    /// (and copying) its buffers.
    pub(crate) fn with_margin(self) -> TableSize {
        TableSize { rows: self.rows + self.rows / 8, bytes: self.bytes + self.bytes / 8 }
    }
}

/// How the schema's columns are found in a file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// CSV records: schema column `c` is field `positions[c]`; rows have `header.len()` fields.
    Csv {
        /// Field position of each schema column.
        positions: Vec<usize>,
        /// The header's names.
        header: Vec<String>,
    },
    /// Pre-split rows: cell `c` is schema column `c`.
    Cells,
}

/// A reader of one input file's rows.
pub(crate) trait RecordSource: Send {
    /// Appends the next row to `table`; returns `false` at the end of the file.
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError>;

    /// Bytes (CSV, JSON lines) or rows (Parquet) consumed so far, for progress.
    fn position(&self) -> u64;
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
}

/// Opens an input file for `schema` and checks its header: every declared column present,
/// no column named twice. Nothing is read beyond the header (Parquet: the footer).
pub(crate) fn open(path: &Path, schema: &EntitySchema) -> Result<OpenedInput, RuntimeError> {
    let format = InputFormat::of_path(path)?;
    let file_name = file_name(path);
    let file = std::fs::File::open(path).map_err(|error| RuntimeError::read(path, &error))?;
    let total = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    match format {
        InputFormat::Csv => {
            let (source, layout) = csv::CsvSource::open(file, path, &file_name, schema)?;
            Ok(OpenedInput { source: Box::new(source), layout, file_name, total })
        }
        InputFormat::Jsonl => {
            let source = jsonl::JsonlSource::new(file, path, schema);
            Ok(OpenedInput { source: Box::new(source), layout: Layout::Cells, file_name, total })
        }
        InputFormat::Parquet => {
            let (source, rows) = parquet::ParquetSource::open(file, &file_name, schema)?;
            Ok(OpenedInput { source: Box::new(source), layout: Layout::Cells, file_name, total: rows })
        }
    }
}

/// Reusable buffers to split CSV records into fields.
#[derive(Debug, Default)]
pub(crate) struct Splitter {
    /// Field spans of the last split record, relative to its base.
    pub fields: Vec<(usize, usize)>,
    /// Unquoted copy of the last record when it had quotes.
    pub scratch: Vec<u8>,
    /// Schema-ordered cells of the last row.
    pub cells: Vec<CellSpan>,
}

/// The schema-ordered cells of one row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowCells<'a> {
    /// The bytes cells point into.
    pub base: &'a [u8],
    /// One cell per schema column.
    pub cells: &'a [CellSpan],
    /// For CSV rows: the number of fields, when it differs from the header's.
    pub width_mismatch: Option<(usize, usize)>,
}

impl<'a> RowCells<'a> {
    /// Cell `column`.
    pub(crate) fn get(&self, column: usize) -> Cell<'a> {
        self.cells.get(column).map_or(Cell::Missing, |span| span.get(self.base))
    }
}

impl Layout {
    /// The cells of row `index` of `table`, split with `splitter`'s buffers.
    pub(crate) fn cells<'a>(&self, table: &'a RawTable, index: usize, splitter: &'a mut Splitter) -> RowCells<'a> {
        let row = table.row_bytes(index);
        match self {
            Layout::Cells => RowCells { base: row, cells: table.row_cells(index), width_mismatch: None },
            Layout::Csv { positions, header } => {
                let uses_scratch =
                    csv::split_record(row, table.row_quoted(index), &mut splitter.fields, &mut splitter.scratch);
                splitter.cells.clear();
                for position in positions {
                    let cell = splitter
                        .fields
                        .get(*position)
                        .map_or(CellSpan::MISSING, |(start, end)| CellSpan::text(*start, *end));
                    splitter.cells.push(cell);
                }
                let width = splitter.fields.len();
                let width_mismatch = (width != header.len()).then_some((width, header.len()));
                let base = if uses_scratch { splitter.scratch.as_slice() } else { row };
                RowCells { base, cells: &splitter.cells, width_mismatch }
            }
        }
    }

    /// The text of one schema column of row `index` (for keys), if present.
    pub(crate) fn cell_text<'a>(&self, table: &'a RawTable, index: usize, column: usize) -> Option<Cow<'a, [u8]>> {
        let row = table.row_bytes(index);
        match self {
            Layout::Cells => match table.row_cells(index).get(column)?.get(row) {
                Cell::Text(text) => Some(Cow::Borrowed(text)),
                Cell::Missing | Cell::NotScalar => None,
            },
            Layout::Csv { positions, .. } => csv::field(row, *positions.get(column)?, table.row_quoted(index)),
        }
    }
}

/// The position in `header` of each schema column. Fails on a name that appears twice and on a
/// declared column that is absent (suggesting the nearest unknown header name).
pub(crate) fn header_positions(
    header: &[String],
    file_name: &str,
    schema: &EntitySchema,
) -> Result<Vec<usize>, RuntimeError> {
    for (position, name) in header.iter().enumerate() {
        if header.iter().take(position).any(|earlier| earlier == name) {
            return Err(RuntimeError::DuplicateColumn { file: file_name.to_string(), column: name.clone() });
        }
    }
    let mut positions = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        match header.iter().position(|name| *name == column.name) {
            Some(position) => positions.push(position),
            None => {
                let unknown = header.iter().filter(|name| !schema.columns.iter().any(|column| column.name == **name));
                let nearest = unknown
                    .map(|name| (edit_distance(name, &column.name), name))
                    .filter(|(distance, name)| {
                        *distance <= (name.chars().count().max(column.name.chars().count()) / 3).max(1)
                    })
                    .min_by_key(|(distance, _)| *distance)
                    .map(|(_, name)| name.clone());
                let help = match nearest {
                    Some(name) => format!("the header has `{name}`: rename it `{}`", column.name),
                    None => format!("add a column `{}` to `{file_name}`", column.name),
                };
                return Err(RuntimeError::MissingColumn {
                    file: file_name.to_string(),
                    column: column.name.clone(),
                    help,
                    declared: Some(column.span.into()),
                    span: Some(column.span),
                });
            }
        }
    }
    Ok(positions)
}

/// The Levenshtein distance between two names, counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = substitution.min(deletion).min(insertion);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}
