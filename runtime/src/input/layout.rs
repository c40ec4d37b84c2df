//! Where the schema's columns are in a file's rows ([`Layout`]), and finding a row's cells:
//! CSV records are split at their commas here, when a worker types them; other formats come
//! split.

use super::csv;
use super::table::{Cell, CellSpan, RawTable};
use std::borrow::Cow;

/// How the schema's columns are found in a file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// CSV records: schema column `c` is field `positions[c]`; rows have `header.len()` fields.
    Csv {
        /// Field position of each schema column (`header::ABSENT` for a defaulted column the
        /// file lacks).
        positions: Vec<usize>,
        /// The header's names.
        header: Vec<String>,
        /// The columns the file lacks, with the text of their default.
        absent: Vec<(usize, String)>,
    },
    /// Pre-split rows: cell `c` is schema column `c`.
    Cells,
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
            Layout::Csv { positions, header, absent } => {
                let mut uses_scratch =
                    csv::split_record(row, table.row_quoted(index), &mut splitter.fields, &mut splitter.scratch);
                if !absent.is_empty() && !uses_scratch {
                    // The defaults are appended to a copy of the record, where the fields keep
                    // their offsets.
                    splitter.scratch.clear();
                    splitter.scratch.extend_from_slice(row);
                    uses_scratch = true;
                }
                splitter.cells.clear();
                for position in positions {
                    let cell = splitter
                        .fields
                        .get(*position)
                        .map_or(CellSpan::MISSING, |(start, end)| CellSpan::text(*start, *end));
                    splitter.cells.push(cell);
                }
                for (column, text) in absent {
                    let start = splitter.scratch.len();
                    splitter.scratch.extend_from_slice(text.as_bytes());
                    if let Some(cell) = splitter.cells.get_mut(*column) {
                        *cell = CellSpan::text(start, splitter.scratch.len());
                    }
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
