//! What every reader produces: a [`RawTable`] of rows (bytes, line numbers, cells still text),
//! read by a [`RecordSource`]. A leaf: the readers and the layout use it, it uses none of them.

use crate::error::RuntimeError;
use std::path::Path;

/// The file name of a path (what `rejects.csv` and diagnostics show).
pub fn file_name(path: &Path) -> String {
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
    /// Rows without bytes or cells on consecutive lines (the first line, how many), not stored
    /// one by one: what [`RawTable::push_lines`] makes of an empty table (the rows of Arrow
    /// arrays, which only need their lines). `rows` is then empty; any other push stores them
    /// as rows first.
    pub consecutive: Option<(u64, usize)>,
}

impl RawTable {
    /// An empty table whose rows have `n_cells` cells each (0 for CSV records).
    pub(crate) fn new(n_cells: usize) -> RawTable {
        RawTable { n_cells, ..RawTable::default() }
    }

    /// How many rows and bytes the table holds (to make room for as many in the next one).
    pub(crate) fn size(&self) -> TableSize {
        TableSize { rows: self.len(), bytes: self.bytes.len() }
    }

    /// Makes room for `size` more rows and bytes.
    pub(crate) fn reserve(&mut self, size: TableSize) {
        self.bytes.reserve(size.bytes);
        self.rows.reserve(size.rows);
        self.cells.reserve(size.rows * self.n_cells);
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len() + self.consecutive.map_or(0, |(_, count)| count)
    }

    /// Removes every row, keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
        self.cells.clear();
        self.problems.clear();
        self.consecutive = None;
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

    /// The line of row `index` in its file.
    pub(crate) fn line(&self, index: usize) -> Result<u64, RuntimeError> {
        // INVARIANT: callers ask for rows below `len()`.
        if let Some((first, count)) = self.consecutive
            && index < count
        {
            return Ok(first + index as u64);
        }
        self.rows.get(index).map(|row| row.line).ok_or_else(|| RuntimeError::internal(format!("no row {index}")))
    }

    /// The problem found while reading row `index`, if any.
    pub(crate) fn row_problem(&self, index: usize) -> Option<&str> {
        let row = self.rows.get(index)?;
        self.problems.get(row.problem as usize).map(String::as_str)
    }

    /// Appends a row from its bytes (and, for pre-split tables, its cells).
    pub(crate) fn push(&mut self, bytes: &[u8], cells: &[CellSpan], line: u64, problem: Option<&str>) {
        if self.consecutive.is_some() {
            self.store_consecutive();
        }
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

    /// Appends rows without bytes or cells (rows whose cells are elsewhere, in Arrow arrays),
    /// one on each line of `lines`.
    pub(crate) fn push_lines(&mut self, lines: std::ops::Range<u64>) {
        let count = usize::try_from(lines.end.saturating_sub(lines.start)).unwrap_or(usize::MAX);
        // Kept as a range while the lines follow on from the table's (an empty table's first).
        match self.consecutive {
            None if self.rows.is_empty() => {
                self.consecutive = Some((lines.start, count));
                return;
            }
            Some((first, held)) if first + held as u64 == lines.start => {
                self.consecutive = Some((first, held + count));
                return;
            }
            _ => {}
        }
        self.store_consecutive();
        let start = self.bytes.len();
        self.rows.extend(lines.map(|line| RawRow { start, end: start, line, problem: NO_PROBLEM, quoted: true }));
    }

    /// Stores the rows of `consecutive` one by one.
    fn store_consecutive(&mut self) {
        if let Some((first, count)) = self.consecutive.take() {
            let start = self.bytes.len();
            self.rows.extend((first..first + count as u64).map(|line| RawRow {
                start,
                end: start,
                line,
                problem: NO_PROBLEM,
                quoted: true,
            }));
        }
    }

    /// Appends row `index` of `other` (a table of the same layout).
    pub(crate) fn push_from(&mut self, other: &RawTable, index: usize) {
        if let Some((first, count)) = other.consecutive
            && index < count
        {
            self.push(&[], &[], first + index as u64, None);
            return;
        }
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

/// A reader of one input file's rows.
pub(crate) trait RecordSource: Send {
    /// Appends the next row to `table`; returns `false` at the end of the file.
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError>;

    /// Bytes (CSV, JSON lines) or rows (Parquet) consumed so far, for progress.
    fn position(&self) -> u64;
}
