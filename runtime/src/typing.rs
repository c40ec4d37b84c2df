//! Typing a chunk's rows into batch columns.
//!
//! A CSV record that is not quoted is typed in one pass ([`RecordTyper`]): its fields are found
//! (eight bytes at a time) and typed in the order they come, into a block of rows that is moved
//! into the columns 64 rows at a time. Any other row (quoted, of the wrong width, with a field
//! that is not a value of its column's type), and every JSON-lines and Parquet row, goes the
//! general way: rows are split into cells, then each schema column is typed over the block's
//! rows in one loop. A row's first bad column, in declaration order, is its problem; later
//! columns of that row are not typed. Problem texts come from [`FieldTyper::type_cell`], the
//! same for every input format; both ways give the same words (the general way is what a
//! record the one-pass typer refuses gets, so rejects are decided by one code path).

use crate::chunk::{KeyList, Problem, unused_text, width_problem};
use crate::error::RuntimeError;
use crate::fields::{ColumnKind, FieldTyper};
use crate::input::{Cell, CellSpan, Layout, RawTable, Splitter, csv};
use pol_compiler::text::{TextHandle, TextOrigin};
use pol_compiler::tir::{EntitySchema, Word};

/// Batch texts being filled, reusing the strings of a recycled batch.
pub(crate) struct TextSink<'b> {
    /// The batch's text table.
    pub texts: &'b mut Vec<String>,
    /// Entries used so far.
    pub len: usize,
}

impl TextSink<'_> {
    /// Stores a text and returns its handle.
    pub(crate) fn push(&mut self, text: &str) -> Word {
        let index = self.len;
        match self.texts.get_mut(index) {
            Some(slot) => {
                slot.clear();
                slot.push_str(text);
            }
            None => self.texts.push(text.to_string()),
        }
        self.len += 1;
        TextHandle::new(TextOrigin::Batch, u32::try_from(index).unwrap_or(u32::MAX)).to_word()
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
}

/// The cells of a block of rows, column by column (`spans[column * rows + row]`).
#[derive(Default)]
struct Block {
    spans: Vec<Span>,
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
            end if span.start & UNQUOTED != 0 => {
                self.unquoted.get(span.start & !UNQUOTED..end).map_or(Cell::Missing, Cell::Text)
            }
            end => table.bytes.get(span.start..end).map_or(Cell::Missing, Cell::Text),
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
        let Source { table, layout, schema, columns_of_field } = *source;
        let n_columns = schema.columns.len();
        self.rows = rows;
        self.spans.clear();
        self.spans.resize(rows * n_columns, Span { start: 0, end: MISSING });
        self.unquoted.clear();
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
                    let mut place = |field: usize, start: usize, end: usize| {
                        if let Some(Some(column)) = columns_of_field.get(field)
                            && let Some(slot) = spans.get_mut(column * rows + offset)
                        {
                            *slot = Span { start, end };
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
                    if width != header.len()
                        && let (Some(problem), Some(slot)) =
                            (width_problem(layout, schema, Some((width, header.len()))), problems.get_mut(index))
                    {
                        *slot = Some(Box::new(problem));
                    }
                }
            }
        }
    }
}

/// Types CSV records in one pass each: the fields are found and typed in the order they come.
/// A record it cannot type whole (quoted, of the wrong width, with a field that is not a value
/// of its column's type) is left to the block typing, which finds its problem.
struct RecordTyper<'t> {
    typer: &'t FieldTyper<'t>,
    /// For each field of the header: its schema column, the column's kind, and whether its text
    /// is kept (for text columns the policy reads).
    fields: Vec<Option<(usize, ColumnKind, bool)>>,
    /// The field holding the key column, if any.
    key_field: Option<usize>,
    /// The table's bytes as text.
    all: &'t str,
}

impl<'t> RecordTyper<'t> {
    /// A typer for records whose field `f` is schema column `columns_of_field[f]`, the key
    /// column being field `key_field`.
    fn new(
        typer: &'t FieldTyper<'t>,
        kinds: &[ColumnKind],
        used: &[bool],
        columns_of_field: &[Option<usize>],
        key_field: Option<usize>,
        all: &'t str,
    ) -> RecordTyper<'t> {
        let fields = columns_of_field
            .iter()
            .map(|column| {
                let column = (*column)?;
                Some((column, *kinds.get(column)?, used.get(column).copied().unwrap_or(false)))
            })
            .collect();
        RecordTyper { typer, fields, key_field, all }
    }

    /// Types row `index` into `words` (one per schema column), its kept texts into `texts` and
    /// its key into `keys`; `false` (and nothing kept) when the row needs the block typing.
    fn type_row(
        &self,
        table: &RawTable,
        index: usize,
        words: &mut [Word],
        texts: &mut TextSink<'_>,
        keys: Option<&mut KeyList>,
    ) -> bool {
        let Some(row) = table.rows.get(index) else { return false };
        let Some(record) = table.bytes.get(row.start..row.end) else { return false };
        if row.quoted && memchr::memchr(b'"', record).is_some() {
            return false;
        }
        let texts_before = texts.len;
        let (mut field, mut start, mut ok, mut key) = (0, 0, true, None);
        let mut take = |field: usize, start: usize, end: usize| {
            let Some(Some((column, kind, keep))) = self.fields.get(field) else { return };
            let word = match kind {
                ColumnKind::Text if *keep => {
                    self.all.get(row.start + start..row.start + end).map(|text| texts.push(text))
                }
                ColumnKind::Text => Some(unused_text()),
                kind => record.get(start..end).and_then(|text| self.typer.word(*kind, text)),
            };
            match (word, words.get_mut(*column)) {
                (Some(word), Some(slot)) => *slot = word,
                _ => ok = false,
            }
            if Some(field) == self.key_field {
                key = Some((start, end));
            }
        };
        csv::for_each_comma(record, |comma| {
            take(field, start, comma);
            field += 1;
            start = comma + 1;
        });
        take(field, start, record.len());
        if !ok || field + 1 != self.fields.len() {
            texts.len = texts_before;
            return false;
        }
        if let Some(keys) = keys {
            keys.push(key.and_then(|(start, end)| record.get(start..end)));
        }
        true
    }
}

/// The table's bytes as text when every row is UTF-8, checked in one pass over all its bytes:
/// the rows lie end to end, so they are all UTF-8 when the whole is and each starts on a
/// character boundary.
fn all_utf8(table: &RawTable) -> Option<&str> {
    let boundary = |byte: &u8| !(0x80..0xC0).contains(byte);
    let text = std::str::from_utf8(&table.bytes).ok()?;
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
            crate::chunk::check_utf8(layout, table, index, file_name)?;
        }
    }
    let mut problems: Vec<Option<Box<Problem>>> = vec![None; n_rows];
    for column in columns.iter_mut() {
        column.reserve(n_rows);
    }
    let kinds: Vec<ColumnKind> = schema.columns.iter().map(ColumnKind::of).collect();
    let columns_of_field: Vec<Option<usize>> = match layout {
        Layout::Csv { positions, header } => {
            (0..header.len()).map(|field| positions.iter().position(|position| *position == field)).collect()
        }
        Layout::Cells => Vec::new(),
    };
    let unused = unused_text();
    let mut block = Block::default();
    let mut keys = keys;
    let fast = match (layout, all) {
        (Layout::Csv { positions, .. }, Some(all)) => {
            let key_field = schema.key.and_then(|key| positions.get(key.0 as usize).copied());
            Some(RecordTyper::new(typer, &kinds, used, &columns_of_field, key_field, all))
        }
        _ => None,
    };
    // Rows typed by the record typer, row by row, moved into the columns a block at a time
    // (each column then takes a run of consecutive words).
    let width = schema.columns.len();
    let mut pending = RowBlock { words: vec![0; width * BLOCK], rows: 0, width };
    let mut next = 0;
    while next < n_rows {
        // The usual row: one pass over the record types it whole.
        if let Some(fast) = &fast
            && let Some(words) = pending.next_row()
            && fast.type_row(table, next, words, texts, keys.as_deref_mut())
        {
            pending.rows += 1;
            if pending.rows == BLOCK {
                pending.flush(columns);
            }
            next += 1;
            continue;
        }
        pending.flush(columns);
        // Any other row (quoted, malformed, or with a bad field), or every row when the input
        // is not CSV: typed in blocks, column by column, finding the row's first problem.
        let first = next;
        let rows = if fast.is_some() { 1 } else { BLOCK.min(n_rows - first) };
        next += rows;
        block.split(&Source { table, layout, schema, columns_of_field: &columns_of_field }, first, rows, &mut problems);
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
        for (column_index, ((column, out), kind)) in
            schema.columns.iter().zip(columns.iter_mut()).zip(&kinds).enumerate()
        {
            let keep_text = used.get(column_index).copied().unwrap_or(false);
            for (row, problem) in block_problems.iter_mut().enumerate() {
                if problem.is_some() {
                    out.push(0);
                    continue;
                }
                let cell = block.get(table, row, column_index);
                let word = match (*kind, cell) {
                    (ColumnKind::Text, Cell::Text(text)) if keep_text => {
                        let text = match block.text(all, unquoted_text, row, column_index) {
                            Some(text) => text,
                            None => std::str::from_utf8(text).unwrap_or(""),
                        };
                        Some(texts.push(text))
                    }
                    (ColumnKind::Text, Cell::Text(_)) => Some(unused),
                    (kind, Cell::Text(text)) => typer.word(kind, text),
                    (_, Cell::Missing | Cell::NotScalar) => None,
                };
                match word {
                    Some(word) => out.push(word),
                    None => {
                        out.push(0);
                        let reason = typer
                            .type_cell(column, cell)
                            .err()
                            .unwrap_or_else(|| "not a value of its type".to_string());
                        *problem = Some(Box::new(Problem::bad_field(&column.name, &reason)));
                    }
                }
            }
        }
    }
    pending.flush(columns);
    Ok(problems)
}

/// Rows of words, row after row, waiting to be moved into their columns.
struct RowBlock {
    words: Vec<Word>,
    rows: usize,
    width: usize,
}

impl RowBlock {
    /// The words of the next row, if the block has room.
    fn next_row(&mut self) -> Option<&mut [Word]> {
        let start = self.rows * self.width;
        self.words.get_mut(start..start + self.width)
    }

    /// Appends the rows to the columns, column by column, and empties the block.
    fn flush(&mut self, columns: &mut [Vec<Word>]) {
        let rows = self.words.get(..self.rows * self.width).unwrap_or(&[]);
        for (index, column) in columns.iter_mut().enumerate() {
            // `chunks_exact` knows its length, so `extend` reserves once and writes in a loop.
            column.extend(rows.chunks_exact(self.width.max(1)).map(|row| row.get(index).copied().unwrap_or(0)));
        }
        self.rows = 0;
    }
}
