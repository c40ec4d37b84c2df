//! Typing a chunk's rows into batch columns.
//!
//! Rows are typed 64 at a time. A block of rows is first split into cells (CSV records at
//! their commas, eight bytes at a time; quoted records unquoted into the block's own buffer;
//! JSON-lines and Parquet rows come split), column by column. Then each schema column is typed
//! over the block's rows in one loop, so the branch on the column's type is taken the same way
//! for 64 cells in a row, and booleans and enum variants are matched by their first eight bytes
//! without branching on the value ([`FieldTyper::word`]). A row's first bad column, in
//! declaration order, is its problem, with the reason [`FieldTyper::type_cell`] gives (the same
//! for every input format); the words of a row with a problem are 0.
//!
//! (An earlier design typed each unquoted CSV record in one pass, field after field: the type
//! of the next field was then a different indirect branch each time, and column-at-a-time
//! typing executes 14% fewer instructions, callgrind, 20k households.)

use super::messages::KeyList;
use super::rows::{Problem, check_utf8, unused_text, width_problem};
use crate::error::RuntimeError;
use crate::fields::{ColumnKind, FieldTyper, head_word};
use crate::input::{Cell, CellSpan, Layout, RawTable, Splitter, csv};
use crate::text_rules::text_problem;
use pol_compiler::text::TextTable;
use pol_compiler::tir::{EntitySchema, Word};

/// Batch texts being filled (a recycled batch's table, emptied, keeps its room).
pub(crate) struct TextSink<'b> {
    /// The batch's text table.
    texts: &'b mut TextTable,
}

impl<'b> TextSink<'b> {
    /// A sink into `texts`, emptied first.
    pub(crate) fn new(texts: &'b mut TextTable) -> TextSink<'b> {
        texts.clear();
        TextSink { texts }
    }

    /// Stores a text and returns its handle.
    pub(crate) fn push(&mut self, text: &str) -> Word {
        self.texts.push_handle(text)
    }
}

/// Rows typed together: small enough that a block's bytes and cells stay in the processor's
/// cache while each column is typed over it.
const BLOCK: usize = 64;

/// A cell of a block: byte offsets into the table's bytes, or (with [`UNQUOTED`] set in
/// `start`) into the block's unquoted copies of quoted CSV records; `end` may be [`MISSING`] or
/// [`NOT_SCALAR`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// The bytes the cell lies in (`table`, or with [`UNQUOTED`] set the block's `unquoted`
    /// copies) and where in them it starts.
    #[inline(always)]
    fn locate<'a>(self, table: &'a [u8], unquoted: &'a [u8]) -> (&'a [u8], usize) {
        match self.start & UNQUOTED {
            0 => (table, self.start),
            _ => (unquoted, self.start & !UNQUOTED),
        }
    }
}

const UNQUOTED: usize = 1 << (usize::BITS - 1);
const MISSING: usize = usize::MAX;
const NOT_SCALAR: usize = usize::MAX - 1;

/// The rows being typed and how to find their cells.
#[derive(Clone, Copy)]
struct Source<'s> {
    table: &'s RawTable,
    layout: &'s Layout,
    schema: &'s EntitySchema,
    /// The schema column of each CSV field.
    columns_of_field: &'s [Option<usize>],
    /// Schema columns (second) read from the field of an earlier column (first).
    shared: &'s [(usize, usize)],
}

/// The cells of a block of rows, column by column (`spans[column * rows + row]`).
#[derive(Default)]
struct Block {
    spans: Vec<Span>,
    /// For each CSV field, where its row-0 cell is in `spans`.
    field_slots: Vec<usize>,
    unquoted: Vec<u8>,
    rows: usize,
    splitter: Splitter,
}

impl Block {
    #[inline]
    fn get<'a>(&'a self, table: &'a RawTable, row: usize, column: usize) -> Cell<'a> {
        let Some(span) = self.spans.get(column * self.rows + row) else { return Cell::Missing };
        match span.end {
            MISSING => Cell::Missing,
            NOT_SCALAR => Cell::NotScalar,
            end => {
                let (base, start) = span.locate(&table.bytes, &self.unquoted);
                base.get(start..end).map_or(Cell::Missing, Cell::Text)
            }
        }
    }

    /// The text of a cell as `&str`, without checking UTF-8 again when `all` (the table's
    /// bytes, already checked) or `unquoted_text` (this block's unquoted bytes) holds it.
    #[inline]
    fn text<'a>(
        &'a self,
        all: Option<&'a str>,
        unquoted_text: Option<&'a str>,
        row: usize,
        column: usize,
    ) -> Option<&'a str> {
        let span = self.spans.get(column * self.rows + row)?;
        if span.end >= NOT_SCALAR {
            return None;
        }
        if span.start & UNQUOTED != 0 {
            unquoted_text?.get(span.start & !UNQUOTED..span.end)
        } else {
            all?.get(span.start..span.end)
        }
    }

    /// Splits rows `first..first + rows` of `table` into cells; records rows whose reading
    /// found a problem (a malformed row).
    fn split(&mut self, source: &Source<'_>, first: usize, rows: usize, problems: &mut [Option<Box<Problem>>]) {
        let Source { table, layout, schema, columns_of_field, .. } = *source;
        let n_columns = schema.columns.len();
        self.rows = rows;
        self.spans.clear();
        self.spans.resize(rows * n_columns, Span { start: 0, end: MISSING });
        self.unquoted.clear();
        // The defaults of columns the file lacks, once per block, in the unquoted bytes.
        let mut defaults: Vec<(usize, Span)> = Vec::new();
        if let Layout::Csv { absent, .. } = layout {
            for (column, text) in absent {
                let start = self.unquoted.len();
                self.unquoted.extend_from_slice(text.as_bytes());
                defaults.push((*column, Span { start: start | UNQUOTED, end: self.unquoted.len() }));
            }
        }
        // Where field `f` of row 0 goes in `spans` (past the end for fields no column reads).
        self.field_slots.clear();
        self.field_slots.extend(columns_of_field.iter().map(|column| column.map_or(usize::MAX / 2, |c| c * rows)));
        for offset in 0..rows {
            let index = first + offset;
            let Some(row) = table.rows.get(index) else { break };
            match layout {
                Layout::Cells => {
                    for (column, cell) in table.row_cells(index).iter().enumerate() {
                        let span = match cell.range() {
                            Some((start, end)) => Span { start: row.start + start, end: row.start + end },
                            None if *cell == CellSpan::NOT_SCALAR => Span { start: 0, end: NOT_SCALAR },
                            None => Span { start: 0, end: MISSING },
                        };
                        if let Some(slot) = self.spans.get_mut(column * rows + offset) {
                            *slot = span;
                        }
                    }
                    if let (Some(problem), Some(slot)) = (table.row_problem(index), problems.get_mut(index)) {
                        *slot = Some(Box::new(Problem::bad_row("", problem.to_string())));
                    }
                }
                Layout::Csv { header, .. } => {
                    let record = table.bytes.get(row.start..row.end).unwrap_or(&[]);
                    let spans = &mut self.spans;
                    let field_slots = &self.field_slots;
                    let mut place = |field: usize, start: usize, end: usize| {
                        let slot = field_slots.get(field).map_or(usize::MAX / 2, |slot| slot + offset);
                        if let Some(span) = spans.get_mut(slot) {
                            *span = Span { start, end };
                        }
                    };
                    let mut width = 0;
                    if !row.quoted || memchr::memchr(b'"', record).is_none() {
                        let mut start = 0;
                        csv::for_each_comma(record, |comma| {
                            place(width, row.start + start, row.start + comma);
                            width += 1;
                            start = comma + 1;
                        });
                        place(width, row.start + start, row.end);
                        width += 1;
                    } else {
                        let splitter = &mut self.splitter;
                        csv::split_record(record, true, &mut splitter.fields, &mut splitter.scratch);
                        let base = self.unquoted.len();
                        self.unquoted.extend_from_slice(&splitter.scratch);
                        for (field, (start, end)) in splitter.fields.iter().enumerate() {
                            place(field, (base + start) | UNQUOTED, base + end);
                        }
                        width = splitter.fields.len();
                    }
                    for (column, span) in &defaults {
                        if let Some(slot) = self.spans.get_mut(column * rows + offset) {
                            *slot = *span;
                        }
                    }
                    if width != header.len()
                        && let (Some(problem), Some(slot)) =
                            (width_problem(layout, schema, Some((width, header.len()))), problems.get_mut(index))
                    {
                        *slot = Some(Box::new(problem));
                    }
                }
            }
        }
        // Columns read from a field another column reads too (the months of a monthly column
        // given once for every month): the same cells.
        for (from, to) in source.shared {
            for offset in 0..rows {
                let span = self.spans.get(from * rows + offset).copied();
                if let (Some(span), Some(slot)) = (span, self.spans.get_mut(to * rows + offset)) {
                    *slot = span;
                }
            }
        }
    }
}

/// The table's bytes as text when every row is UTF-8, checked in one pass over all its bytes:
/// the rows lie end to end, so they are all UTF-8 when the whole is and each starts on a
/// character boundary.
fn all_utf8(table: &RawTable) -> Option<&str> {
    let boundary = |byte: &u8| !(0x80..0xC0).contains(byte);
    let text = simdutf8::basic::from_utf8(&table.bytes).ok()?;
    table.rows.iter().all(|row| table.bytes.get(row.start).is_none_or(boundary)).then_some(text)
}

/// Types every row of `table` into `columns` (one word per row in each; 0 where the row has a
/// problem), storing read texts in `texts` and the key column's text of each row in `keys`.
/// Returns each row's own problem. Fails only on bytes that are not UTF-8.
#[expect(clippy::too_many_arguments, reason = "one call site; the arguments are the chunk's parts")]
pub(crate) fn type_table(
    typer: &FieldTyper<'_>,
    schema: &EntitySchema,
    layout: &Layout,
    file_name: &str,
    used: &[bool],
    table: &RawTable,
    columns: &mut [Vec<Word>],
    texts: &mut TextSink<'_>,
    keys: Option<&mut KeyList>,
) -> Result<Vec<Option<Box<Problem>>>, RuntimeError> {
    let n_rows = table.len();
    let all = all_utf8(table);
    if all.is_none() && matches!(layout, Layout::Csv { .. }) {
        for index in 0..n_rows {
            check_utf8(layout, table, index, file_name)?;
        }
    }
    let mut problems: Vec<Option<Box<Problem>>> = vec![None; n_rows];
    for column in columns.iter_mut() {
        column.reserve(n_rows);
    }
    let kinds: Vec<ColumnKind> = schema.columns.iter().map(ColumnKind::of).collect();
    let columns_of_field: Vec<Option<usize>> = match layout {
        Layout::Csv { positions, header, .. } => {
            (0..header.len()).map(|field| positions.iter().position(|position| *position == field)).collect()
        }
        Layout::Cells => Vec::new(),
    };
    let shared: Vec<(usize, usize)> = match layout {
        Layout::Csv { positions, .. } => positions
            .iter()
            .enumerate()
            .filter(|(_, position)| **position != crate::input::ABSENT)
            .filter_map(|(column, position)| {
                let first = columns_of_field.get(*position).copied().flatten()?;
                (first != column).then_some((first, column))
            })
            .collect(),
        Layout::Cells => Vec::new(),
    };
    let source = Source { table, layout, schema, columns_of_field: &columns_of_field, shared: &shared };
    let mut block = Block::default();
    let mut keys = keys;
    let mut failed = Vec::new();
    for first in (0..n_rows).step_by(BLOCK) {
        let rows = BLOCK.min(n_rows - first);
        block.split(&source, first, rows, &mut problems);
        if let Some(keys) = keys.as_deref_mut() {
            for row in 0..rows {
                match schema.key.map(|column| block.get(table, row, column.0 as usize)) {
                    Some(Cell::Text(text)) => keys.push(Some(text)),
                    _ => keys.push(None),
                };
            }
        }
        let unquoted_text = std::str::from_utf8(&block.unquoted).ok();
        let block_problems = problems.get_mut(first..first + rows).unwrap_or(&mut []);
        let mut any_problem = block_problems.iter().any(Option::is_some);
        for (column_index, ((column, out), kind)) in
            schema.columns.iter().zip(columns.iter_mut()).zip(&kinds).enumerate()
        {
            let start = out.len();
            out.resize(start + rows, 0);
            let words = out.get_mut(start..).unwrap_or(&mut []);
            let keep_text = used.get(column_index).copied().unwrap_or(false);
            failed.clear();
            let cells = Cells { block: &block, table, all, unquoted_text, column: column_index };
            cells.type_into(typer, *kind, keep_text, words, texts, &mut failed);
            // The first bad column of a row, in declaration order, is its problem.
            for row in &failed {
                if let Some(problem) = block_problems.get_mut(*row)
                    && problem.is_none()
                {
                    let reason = typer
                        .type_cell(column, block.get(table, *row, column_index))
                        .err()
                        .unwrap_or_else(|| "not a value of its type".to_string());
                    *problem = Some(Box::new(Problem::bad_field(&column.name, &reason)));
                    any_problem = true;
                }
            }
        }
        if any_problem {
            for (row, problem) in block_problems.iter().enumerate() {
                if problem.is_some() {
                    for column in columns.iter_mut() {
                        if let Some(word) = column.get_mut(first + row) {
                            *word = 0;
                        }
                    }
                }
            }
        }
    }
    Ok(problems)
}

/// One column of a split block, typed over all the block's rows in one loop.
struct Cells<'a> {
    block: &'a Block,
    table: &'a RawTable,
    all: Option<&'a str>,
    unquoted_text: Option<&'a str>,
    column: usize,
}

impl Cells<'_> {
    /// Writes the word of each row's cell into `words`, and the rows whose cell is not a value
    /// of `kind` into `failed`. Texts the policy reads (`keep_text`) go into `texts`.
    fn type_into(
        &self,
        typer: &FieldTyper<'_>,
        kind: ColumnKind,
        keep_text: bool,
        words: &mut [Word],
        texts: &mut TextSink<'_>,
        failed: &mut Vec<usize>,
    ) {
        let Block { spans, unquoted, rows, .. } = self.block;
        let spans = spans.get(self.column * rows..(self.column + 1) * rows).unwrap_or(&[]);
        let cells = spans.iter().zip(words.iter_mut()).enumerate();
        let base = Bases { table: &self.table.bytes, unquoted };
        match kind {
            ColumnKind::Text if keep_text => {
                for (row, (_, word)) in cells {
                    let text = match self.block.text(self.all, self.unquoted_text, row, self.column) {
                        Some(text) => Some(text),
                        None => match self.block.get(self.table, row, self.column) {
                            Cell::Text(text) => Some(std::str::from_utf8(text).unwrap_or("")),
                            Cell::Missing | Cell::NotScalar => None,
                        },
                    };
                    match text {
                        Some(text) if text_problem(text.as_bytes()).is_none() => *word = texts.push(text),
                        Some(_) | None => failed.push(row),
                    }
                }
            }
            ColumnKind::Text => {
                let unused = unused_text();
                for (row, (span, word)) in cells {
                    *word = unused;
                    let (bytes, start) = span.locate(base.table, base.unquoted);
                    if span.end >= NOT_SCALAR
                        || bytes.get(start..span.end).is_some_and(|text| text_problem(text).is_some())
                    {
                        failed.push(row);
                    }
                }
            }
            // One loop per kind, each with its own copy of `FieldTyper::word` for that kind (the
            // compiler does not take the `match` out of the loop by itself).
            ColumnKind::Bool => typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Bool, head, text)),
            ColumnKind::Enum(id) => {
                typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Enum(id), head, text));
            }
            ColumnKind::Date => typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Date, head, text)),
            ColumnKind::Money => {
                typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Money, head, text))
            }
            ColumnKind::Ratio => {
                typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Ratio, head, text))
            }
            ColumnKind::Int(range) => {
                typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::Int(range), head, text));
            }
            ColumnKind::County => {
                typed_loop(cells, base, failed, |head, text| typer.word(ColumnKind::County, head, text));
            }
        }
    }
}

/// The bytes a [`Span`] points into (see [`Span::locate`]).
#[derive(Clone, Copy)]
struct Bases<'a> {
    table: &'a [u8],
    unquoted: &'a [u8],
}

/// Types each cell with `word` (given the cell's [`head_word`] and text), writing the words and
/// the rows that fail.
#[inline(always)]
fn typed_loop<'c>(
    cells: impl Iterator<Item = (usize, (&'c Span, &'c mut Word))>,
    bases: Bases<'_>,
    failed: &mut Vec<usize>,
    word: impl Fn(u64, &[u8]) -> Option<Word>,
) {
    for (row, (span, slot)) in cells {
        let (base, start) = span.locate(bases.table, bases.unquoted);
        match base.get(start..span.end).and_then(|text| word(head_word(base, start, span.end), text)) {
            Some(typed) => *slot = typed,
            None => failed.push(row),
        }
    }
}
