//! Reading a roster (`household_id,program,month,amount`: what was paid) into a [`Roster`]:
//! every row validated whatever its month (in parallel pieces of a block), the accepted rows
//! indexed by household in file order, then the compared month's amounts indexed by household in
//! one flat array ([`Roster::index_month`]).
//!
//! Memory: a household id is kept once, in one text buffer, found through a map from its 64-bit
//! hash (ids with the same hash are chained and compared exactly; the household after the last
//! one found is tried first, [`Roster::find_from`]); a row costs 32 bytes, a household 40, and
//! a row of the compared month 16 more. A 1.5-million-row roster of a million households took
//! 144–151 MiB of resident memory before the month index and the ids' hashes, and 32 MiB more
//! with them (a run of one household against it, release build: 198 MiB peak against 166).

use crate::error::RuntimeError;
use crate::fields::{FieldTyper, Typed};
use crate::hash::{BuildIdentity, hash_bytes};
use crate::input::{self, Cell, CellSpan, Layout, RawTable, Splitter};
use pol_compiler::date;
use pol_compiler::tir::{Column, ColumnTy, EntitySchema, PaidProgram, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::{EntityKind, Period};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// No next row or household in a chain.
const END: u32 = u32::MAX;

/// The roster's columns, in this order.
pub const ROSTER_COLUMNS: [&str; 4] = ["household_id", "program", "month", "amount"];

/// A month as `year × 12 + (month − 1)`.
pub(crate) type Month = u32;

/// Rows read before the table buffer is emptied.
const READ_BLOCK: usize = 65_536;

/// Rows one thread checks at a time.
const CHECK_PIECE: usize = 4_096;

/// One accepted roster row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PaidRow {
    /// Index of its household in [`Roster::households`].
    pub household: u32,
    /// Index of its program in the policy's programs.
    pub program: u16,
    /// Its month.
    pub month: Month,
    /// The amount paid, in fen.
    pub amount: Word,
    /// Its line in the file.
    pub line: u64,
    /// The next accepted row of the same household, or [`END`].
    next: u32,
}

/// One household of the roster.
#[derive(Debug, Clone, Copy)]
struct PaidHousehold {
    /// Its id, as a range of [`Roster::text`].
    id: (usize, usize),
    /// The [`hash_bytes`] of its id.
    hash: u64,
    /// Its first and last accepted rows.
    first_row: u32,
    last_row: u32,
    /// The next household whose id has the same hash, or [`END`].
    next_same_hash: u32,
}

/// A rejected roster row, for `rejects.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RosterReject {
    /// Its line (the header is line 1).
    pub line: u64,
    /// Its `household_id` cell, as written (empty when missing).
    pub household_id: String,
    /// The column at fault.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// Every row of a roster: the accepted ones indexed by household, the rejected ones with
/// their reasons.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    /// The file's name.
    pub file_name: String,
    /// Accepted rows in file order.
    pub rows: Vec<PaidRow>,
    households: Vec<PaidHousehold>,
    first_of_hash: HashMap<u64, u32, BuildIdentity>,
    text: Vec<u8>,
    /// Rejected rows in file order.
    pub rejects: Vec<RosterReject>,
    /// Data rows read.
    pub read: u64,
    /// Per household, where its rows of the compared month start in [`Roster::month_paid`]
    /// (one more entry at the end); built by [`Roster::index_month`].
    month_start: Vec<u32>,
    /// The (program, amount) of each accepted row of the compared month, by household.
    month_paid: Vec<(u16, Word)>,
    /// The household after the one the last accepted row named: tried first for the next row.
    next_hint: u32,
}

impl Roster {
    /// Reads and validates every row of `path` against the programs, on `pool`: the rows of a
    /// block are checked in parallel pieces ([`check_piece`]), then accepted one by one in file
    /// order, so the rejects and the first-seen rule for a repeated (household, program, month)
    /// are those of reading row by row.
    pub(crate) fn read(
        opened: RosterFile,
        programs: &[PaidProgram],
        typer: &FieldTyper<'_>,
        pool: &rayon::ThreadPool,
    ) -> Result<Roster, RuntimeError> {
        let RosterFile { schema, opened } = opened;
        let mut source = opened.source;
        let n_cells = if opened.layout == Layout::Cells { schema.columns.len() } else { 0 };
        let mut table = RawTable::new(n_cells);
        let mut roster = Roster { file_name: opened.file_name.clone(), ..Roster::default() };
        // The usual CSV roster: exactly the four columns, in order.
        let plain_csv = matches!(&opened.layout, Layout::Csv { positions, header, absent }
            if positions.as_slice() == [0, 1, 2, 3] && header.len() == ROSTER_COLUMNS.len() && absent.is_empty());
        let reading = Reading {
            schema: &schema,
            layout: &opened.layout,
            plain_csv,
            file_name: &opened.file_name,
            programs,
            typer,
        };
        let mut pieces: Vec<Result<CheckedPiece, RuntimeError>> = Vec::new();
        let mut more = true;
        while more {
            table.clear();
            while table.len() < READ_BLOCK {
                more = source.next_into(&mut table)?;
                if !more {
                    break;
                }
            }
            let starts: Vec<usize> = (0..table.len()).step_by(CHECK_PIECE).collect();
            pool.install(|| {
                starts
                    .par_iter()
                    .map(|&start| reading.check_piece(&table, start..(start + CHECK_PIECE).min(table.len())))
                    .collect_into_vec(&mut pieces)
            });
            for piece in pieces.drain(..) {
                // The first error in file order ends the reading, as it would row by row.
                let CheckedPiece { ids, rows } = piece?;
                for row in rows {
                    roster.read += 1;
                    let household_id = ids.get(row.id.0..row.id.1).unwrap_or(b"");
                    match row.checked.and_then(|(program, month, amount)| {
                        roster.accept((household_id, row.hash), program, month, amount, row.line, programs)
                    }) {
                        Ok(()) => {}
                        Err((field, reason)) => roster.rejects.push(RosterReject {
                            line: row.line,
                            household_id: String::from_utf8_lossy(household_id).into_owned(),
                            field,
                            reason,
                        }),
                    }
                }
            }
        }
        Ok(roster)
    }

    /// The household id `household` (an index of the roster's households).
    pub(crate) fn household_id(&self, household: u32) -> &[u8] {
        self.households.get(household as usize).and_then(|paid| self.text.get(paid.id.0..paid.id.1)).unwrap_or(b"")
    }

    /// The number of households the roster names.
    pub(crate) fn n_households(&self) -> usize {
        self.households.len()
    }

    /// The roster's household with id `id` (of hash [`hash_bytes`]`(id)`), if any.
    pub(crate) fn find(&self, id: &[u8], hash: u64) -> Option<u32> {
        let mut at = *self.first_of_hash.get(&hash)?;
        while at != END {
            let household = self.households.get(at as usize)?;
            if self.text.get(household.id.0..household.id.1) == Some(id) {
                return Some(at);
            }
            at = household.next_same_hash;
        }
        None
    }

    /// Indexes the accepted rows of `month` by household, for [`Roster::month_rows`]: one
    /// flat array, each household's rows together (in file order).
    pub(crate) fn index_month(&mut self, month: Month) -> Result<(), RuntimeError> {
        let too_many = || RuntimeError::internal("more than 4 billion roster rows");
        let mut start = vec![0u32; self.households.len() + 1];
        for row in self.rows.iter().filter(|row| row.month == month) {
            let count =
                start.get_mut(row.household as usize + 1).ok_or_else(|| RuntimeError::internal("a lost household"))?;
            *count += 1;
        }
        for index in 1..start.len() {
            let previous = start.get(index - 1).copied().unwrap_or(0);
            if let Some(count) = start.get_mut(index) {
                *count = count.checked_add(previous).ok_or_else(too_many)?;
            }
        }
        let mut next = start.clone();
        let mut paid = vec![(0u16, 0 as Word); start.last().copied().unwrap_or(0) as usize];
        for row in self.rows.iter().filter(|row| row.month == month) {
            let at = next.get_mut(row.household as usize).ok_or_else(|| RuntimeError::internal("a lost household"))?;
            let slot = paid.get_mut(*at as usize).ok_or_else(|| RuntimeError::internal("a lost roster row"))?;
            *slot = (row.program, row.amount);
            *at += 1;
        }
        self.month_start = start;
        self.month_paid = paid;
        Ok(())
    }

    /// The (program, amount) of each accepted row of the compared month of `household`.
    pub(crate) fn month_rows(&self, household: u32) -> impl Iterator<Item = (u16, Word)> + '_ {
        let index = household as usize;
        let start = self.month_start.get(index).copied().unwrap_or(0) as usize;
        let end = self.month_start.get(index + 1).copied().unwrap_or(0) as usize;
        self.month_paid.get(start..end).unwrap_or(&[]).iter().copied()
    }

    /// The roster's row counts: read, accepted, rejected.
    pub(crate) fn counts(&self) -> (u64, u64, u64) {
        let rejected = self.rejects.len() as u64;
        (self.read, self.read - rejected, rejected)
    }

    /// [`Roster::find`], trying household `hint` first: files that list households in the
    /// same order find most of them there, in memory read in order, without a random look-up
    /// in the hash map.
    pub(crate) fn find_from(&self, id: &[u8], hash: u64, hint: u32) -> Option<u32> {
        if let Some(household) = self.households.get(hint as usize)
            && household.hash == hash
            && self.text.get(household.id.0..household.id.1) == Some(id)
        {
            return Some(hint);
        }
        self.find(id, hash)
    }

    /// The accepted rows of `household`, in file order.
    pub(crate) fn rows_of(&self, household: u32) -> impl Iterator<Item = &PaidRow> {
        let first = self.households.get(household as usize).map_or(END, |paid| paid.first_row);
        std::iter::successors(self.rows.get(first as usize), |row| self.rows.get(row.next as usize))
    }

    /// The cells of a row that passed the shape checks: the program's index, the month and the
    /// amount, or the column at fault and why.
    fn check_row(
        schema: &EntitySchema,
        cells: &input::RowCells<'_>,
        programs: &[PaidProgram],
        typer: &FieldTyper<'_>,
        (program, month): (Option<&[u8]>, Option<&[u8]>),
    ) -> Result<(u16, Month, Word), (String, String)> {
        let bad = |column: &str, reason: String| (column.to_string(), format!("bad {column}: {reason}"));
        let id_column = schema.columns.first().ok_or_else(|| bad("household_id", "no column".into()))?;
        match typer.type_cell(id_column, cells.get(0)) {
            Ok(_) if matches!(cells.get(0), Cell::Text(b"")) => return Err(bad("household_id", "empty".into())),
            Ok(_) => {}
            Err(reason) => return Err(bad("household_id", reason)),
        }
        let Some(program) = program else { return Err(bad("program", "missing".into())) };
        let Some(program_index) = programs.iter().position(|declared| declared.id.as_bytes() == program) else {
            let ids: Vec<String> = programs.iter().map(|declared| format!("`{}`", declared.id)).collect();
            let program = String::from_utf8_lossy(program);
            return Err(bad("program", format!("`{program}` is not a program of the policy ({})", ids.join(", "))));
        };
        let program_index = u16::try_from(program_index).map_err(|_| bad("program", "too many programs".into()))?;
        let Some(month_text) = month else { return Err(bad("month", "missing".into())) };
        let Some(month) = parse_month(month_text) else {
            let month_text = String::from_utf8_lossy(month_text);
            return Err(bad("month", format!("`{month_text}` is not a month written YYYY-MM")));
        };
        let amount_column = schema.columns.get(3).ok_or_else(|| bad("amount", "no column".into()))?;
        let amount = match typer.type_cell(amount_column, cells.get(3)) {
            Ok(Typed::Word(fen)) => fen,
            Ok(Typed::Text) => return Err(bad("amount", "not an amount".into())),
            Err(reason) => return Err(bad("amount", reason)),
        };
        Ok((program_index, month, amount))
    }

    /// Adds an accepted row, or fails when its (household, program, month) was already paid.
    fn accept(
        &mut self,
        (household_id, hash): (&[u8], u64),
        program: u16,
        month: Month,
        amount: Word,
        line: u64,
        programs: &[PaidProgram],
    ) -> Result<(), (String, String)> {
        let internal = |what: &str| (String::new(), format!("internal error: {what}; please report this"));
        let household = match self.find_from(household_id, hash, self.next_hint) {
            Some(household) => {
                if let Some(earlier) = self.rows_of(household).find(|row| row.program == program && row.month == month)
                {
                    let earlier_line = earlier.line;
                    let program_id = programs.get(program as usize).map_or("", |declared| declared.id.as_str());
                    let household_id = String::from_utf8_lossy(household_id);
                    return Err((
                        "household_id".to_string(),
                        format!(
                            "household `{household_id}` already has a `{program_id}` row for {} (line {earlier_line})",
                            month_text(month)
                        ),
                    ));
                }
                household
            }
            None => {
                let index =
                    u32::try_from(self.households.len()).map_err(|_| internal("more than 4 billion households"))?;
                let start = self.text.len();
                self.text.extend_from_slice(household_id);
                let next_same_hash = self.first_of_hash.insert(hash, index).unwrap_or(END);
                self.households.push(PaidHousehold {
                    id: (start, self.text.len()),
                    hash,
                    first_row: END,
                    last_row: END,
                    next_same_hash,
                });
                index
            }
        };
        self.next_hint = household.saturating_add(1);
        let row_index = u32::try_from(self.rows.len()).map_err(|_| internal("more than 4 billion roster rows"))?;
        self.rows.push(PaidRow { household, program, month, amount, line, next: END });
        let paid = self.households.get_mut(household as usize).ok_or_else(|| internal("a lost household"))?;
        let last = std::mem::replace(&mut paid.last_row, row_index);
        if last == END {
            paid.first_row = row_index;
        } else if let Some(previous) = self.rows.get_mut(last as usize) {
            previous.next = row_index;
        }
        Ok(())
    }
}

/// A roster file opened and its header checked, its rows not read yet.
pub(crate) struct RosterFile {
    schema: EntitySchema,
    opened: input::OpenedInput,
}

impl RosterFile {
    /// Opens the roster at `path` and checks its header (every column present, none twice).
    pub(crate) fn open(path: &Path) -> Result<RosterFile, RuntimeError> {
        let schema = roster_schema();
        let opened = input::open(path, &schema).map_err(|error| at_roster_header(path, error))?;
        Ok(RosterFile { schema, opened })
    }
}

impl std::fmt::Debug for RosterFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("RosterFile").field("file_name", &self.opened.file_name).finish_non_exhaustive()
    }
}

/// What checking a row needs, shared by the threads that check a block.
struct Reading<'r, 't> {
    schema: &'r EntitySchema,
    layout: &'r Layout,
    /// A CSV file whose header is exactly the four columns in order: a row without quotes
    /// and with three commas is split here ([`Reading::plain_cells`]) rather than by `layout`.
    plain_csv: bool,
    file_name: &'r str,
    programs: &'r [PaidProgram],
    typer: &'r FieldTyper<'t>,
}

/// A checked row, not yet accepted.
struct CheckedRow {
    /// Its line in the file.
    line: u64,
    /// Its `household_id` cell (empty when missing), as a range of [`CheckedPiece::ids`].
    id: (usize, usize),
    /// The [`hash_bytes`] of its household id.
    hash: u64,
    /// Its program, month and amount, or the column at fault and why.
    checked: Result<(u16, Month, Word), (String, String)>,
}

/// The checked rows of a piece of a block, in file order, their household ids in one buffer.
#[derive(Default)]
struct CheckedPiece {
    ids: Vec<u8>,
    rows: Vec<CheckedRow>,
}

impl Reading<'_, '_> {
    /// The cells of row `index` of a plain CSV roster when it has no quote and exactly four
    /// fields (what [`Layout::cells`] would give, without its buffers); `None` otherwise.
    fn plain_cells<'a>(
        &self,
        table: &'a RawTable,
        index: usize,
        spans: &'a mut [CellSpan; ROSTER_COLUMNS.len()],
    ) -> Option<input::RowCells<'a>> {
        if !self.plain_csv || table.row_quoted(index) {
            return None;
        }
        let row = table.row_bytes(index);
        let (mut field, mut start) = (0usize, 0usize);
        input::csv::for_each_comma(row, |comma| {
            if let Some(span) = spans.get_mut(field) {
                *span = CellSpan::text(start, comma);
            }
            field += 1;
            start = comma + 1;
        });
        let last = spans.get_mut(field)?;
        *last = CellSpan::text(start, row.len());
        (field + 1 == ROSTER_COLUMNS.len()).then_some(input::RowCells { base: row, cells: spans, width_mismatch: None })
    }

    /// Checks rows `rows` of `table`; fails on a cell that is not UTF-8.
    fn check_piece(&self, table: &RawTable, rows: std::ops::Range<usize>) -> Result<CheckedPiece, RuntimeError> {
        let mut piece = CheckedPiece { ids: Vec::new(), rows: Vec::with_capacity(rows.len()) };
        let mut splitter = Splitter::default();
        let mut spans = [CellSpan::MISSING; ROSTER_COLUMNS.len()];
        for index in rows {
            let line = table.line(index)?;
            let cells = match self.plain_cells(table, index, &mut spans) {
                Some(cells) => cells,
                None => self.layout.cells(table, index, &mut splitter),
            };
            // A row of ASCII bytes holds only UTF-8 cells; any other row is checked cell by cell.
            if !cells.base.is_ascii() {
                for column in 0..ROSTER_COLUMNS.len() {
                    if let Cell::Text(bytes) = cells.get(column) {
                        std::str::from_utf8(bytes).map_err(|_| RuntimeError::NotUtf8 {
                            file: self.file_name.to_string(),
                            line,
                            place: format!("column `{}`", ROSTER_COLUMNS.get(column).copied().unwrap_or("")),
                        })?;
                    }
                }
            }
            let text = |column: usize| match cells.get(column) {
                Cell::Text(bytes) => Some(bytes),
                Cell::Missing | Cell::NotScalar => None,
            };
            let (program, month) = (text(1), text(2));
            let household_id = text(0).unwrap_or(b"");
            let checked = match (table.row_problem(index), cells.width_mismatch) {
                (Some(problem), _) => Err((String::new(), problem.to_string())),
                (None, Some((width, expected))) => {
                    Err((String::new(), format!("row has {width} fields, header has {expected}")))
                }
                (None, None) => Roster::check_row(self.schema, &cells, self.programs, self.typer, (program, month)),
            };
            let start = piece.ids.len();
            piece.ids.extend_from_slice(household_id);
            piece.rows.push(CheckedRow { line, id: (start, piece.ids.len()), hash: hash_bytes(household_id), checked });
        }
        Ok(piece)
    }
}

/// The roster's schema: four columns, typed by [`FieldTyper`] as text (ids, programs,
/// months) and money (amounts, the money pattern of every input).
fn roster_schema() -> EntitySchema {
    let column = |name: &str, ty: ColumnTy| Column {
        name: name.to_string(),
        ty,
        range: None,
        default: None,
        default_cell: None,
        periodic: false,
        month: None,
        span: Span::default(),
    };
    EntitySchema {
        kind: EntityKind::Household,
        columns: vec![
            column("household_id", ColumnTy::Value(Ty::Text)),
            column("program", ColumnTy::Value(Ty::Text)),
            column("month", ColumnTy::Value(Ty::Text)),
            column("amount", ColumnTy::Value(Ty::Money(Period::Month))),
        ],
        key: None,
        household_ref: None,
        county: None,
        declared: true,
    }
}

/// A missing roster column is not declared in the policy: the error points at no policy span,
/// but at the roster's header line when the roster is a CSV file.
fn at_roster_header(path: &Path, error: RuntimeError) -> RuntimeError {
    match error {
        RuntimeError::MissingColumn { file, column, help, .. } => {
            let header = input::header_line(path, &file);
            let header_at = header.as_ref().map(|(_, line)| miette::SourceSpan::from((0, line.len())));
            let header = header.map(|(excerpt, _)| excerpt);
            RuntimeError::MissingColumn { file, column, help, span: None, header, header_at }
        }
        other => other,
    }
}

/// Reads exactly `YYYY-MM` (year from 0001, month 01 to 12).
pub(crate) fn parse_month(text: &[u8]) -> Option<Month> {
    let &[y1, y2, y3, y4, b'-', m1, m2] = text else { return None };
    let digit = |byte: u8| byte.is_ascii_digit().then_some(u32::from(byte - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    let month = digit(m1)? * 10 + digit(m2)?;
    (year >= 1 && (1..=12).contains(&month)).then_some(year * 12 + month - 1)
}

/// The month of a day.
pub(crate) fn month_of(day: Word) -> Month {
    let (year, month, _) = date::to_ymd(day);
    // Days the policy handles are within years 1 to 9999 (`date` reads four-digit years).
    u32::try_from(year.clamp(1, 9999)).map_or(0, |year| year * 12 + month.saturating_sub(1))
}

/// `YYYY-MM`.
pub(crate) fn month_text(month: Month) -> String {
    format!("{:04}-{:02}", month / 12, month % 12 + 1)
}
