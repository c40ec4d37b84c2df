//! The cases file, read whole before the households: a small table (a few percent of the
//! households) that every chunk looks up by household id.
//!
//! Each case row is typed once here. A case with a bad field is rejected on its own (it does not
//! reject its household); the others are attached to their household's batch by the worker that
//! evaluates it. A case whose household never shows up is rejected at the end as an unknown
//! household. Every case whose `key` (`case_id`) occurs more than once in the file is rejected,
//! as duplicated household and person ids are. Texts are kept in one buffer and cases of a household are chained, so a case costs
//! about 60 bytes of memory plus its texts.

use super::rows::{Problem, check_utf8, is_text, width_problem};
use crate::error::RuntimeError;
use crate::fields::{FieldTyper, Typed};
use crate::hash::{BuildIdentity, hash_bytes};
use crate::input::{self, Cell, Layout, RawTable, Splitter};
use pol_compiler::tir::{ColumnId, EntitySchema, Program, Word};
use std::collections::HashMap;
use std::path::Path;

/// No next case in a household's chain.
const END: u32 = u32::MAX;

/// One case row.
#[derive(Debug, Clone)]
pub(crate) struct CaseRow {
    /// Its line in the file.
    pub line: u64,
    /// Its `household` column's text, as a range of [`CaseStore::text`].
    household: (u32, u32),
    /// Its key column's text.
    id: (u32, u32),
    /// Why the row is rejected on its own, if it is.
    pub problem: Option<Box<Problem>>,
}

/// Every case of the run.
#[derive(Debug, Default)]
pub(crate) struct CaseStore {
    /// The file's name.
    pub file_name: String,
    /// Case columns.
    pub n_columns: usize,
    /// Rows in file order.
    pub rows: Vec<CaseRow>,
    /// `n_columns` words per row; a used text column's word indexes `text_cells`.
    words: Vec<Word>,
    /// Every stored text, end to end.
    text: String,
    /// Used text cells, as ranges of `text`.
    text_cells: Vec<(u32, u32)>,
    /// Which columns hold an index into `text_cells`.
    pub text_columns: Vec<bool>,
    /// The first case of each household-id hash…
    first: HashMap<u64, u32, BuildIdentity>,
    /// …and the next case with the same hash, in file order.
    next: Vec<u32>,
}

impl CaseStore {
    /// An empty store (no cases file).
    pub(crate) fn empty(schema: &EntitySchema) -> CaseStore {
        CaseStore {
            n_columns: schema.columns.len(),
            text_columns: vec![false; schema.columns.len()],
            ..CaseStore::default()
        }
    }

    /// Reads and types every case of `path`; `used[c]` says whether rules read column `c`.
    pub(crate) fn read(
        path: &Path,
        program: &Program,
        typer: &FieldTyper<'_>,
        used: &[bool],
    ) -> Result<CaseStore, RuntimeError> {
        let schema = &program.case;
        let opened = input::open(path, schema)?;
        let mut source = opened.source;
        let n_cells = if opened.layout == Layout::Cells { schema.columns.len() } else { 0 };
        let mut table = RawTable::new(n_cells);
        while source.next_into(&mut table)? {}
        CaseStore::from_table(&table, &opened.layout, &opened.file_name, program, typer, used, &opened.spread)
    }

    /// Types every case of `table` (read from `file_name` with `layout`); `used[c]` says whether
    /// rules read column `c`; the columns of `spread` hold a year's money total, divided into the
    /// month's share as the household and person rows' are. (Arrow evaluation hands its case rows
    /// here too.)
    pub(crate) fn from_table(
        table: &RawTable,
        layout: &Layout,
        file_name: &str,
        program: &Program,
        typer: &FieldTyper<'_>,
        used: &[bool],
        spread: &[usize],
    ) -> Result<CaseStore, RuntimeError> {
        let schema = &program.case;
        let mut store = CaseStore::empty(schema);
        store.file_name = file_name.to_string();
        for (index, (column, slot)) in schema.columns.iter().zip(store.text_columns.iter_mut()).enumerate() {
            // INVARIANT: `used` has one flag per case column (`used_columns`).
            let is_used =
                used.get(index).copied().ok_or_else(|| RuntimeError::internal("a case column without its use flag"))?;
            *slot = is_text(column.ty) && is_used;
        }
        let mut last: HashMap<u64, u32, BuildIdentity> = HashMap::default();
        let mut splitter = Splitter::default();
        for index in 0..table.len() {
            let line = table.line(index)?;
            if *layout != Layout::Cells {
                check_utf8(layout, table, index, file_name)?;
            }
            let cells = layout.cells(table, index, &mut splitter);
            // A missing id or household reference is stored empty: the row is rejected for it.
            let text_of = |column: Option<ColumnId>| match column.map(|column| cells.get(column.0 as usize)) {
                Some(Cell::Text(text)) => utf8(text),
                _ => Ok(""),
            };
            let household = store.store_text(text_of(schema.household_ref)?)?;
            let id = store.store_text(text_of(schema.key)?)?;
            let mut problem = table.row_problem(index).map(|reason| Problem::bad_row("", reason.to_string()));
            if problem.is_none() {
                problem = width_problem(layout, schema, cells.width_mismatch);
            }
            let start = store.words.len();
            store.words.resize(start + schema.columns.len(), 0);
            if problem.is_none() {
                for (column_index, column) in schema.columns.iter().enumerate() {
                    let cell = cells.get(column_index);
                    let word = match typer.type_cell(column, cell) {
                        Ok(Typed::Word(word)) if spread.contains(&column_index) => crate::decimal::month_share(word)?,
                        Ok(Typed::Word(word)) => word,
                        Ok(Typed::Text) if store.text_columns.get(column_index).is_some_and(|keep| *keep) => {
                            let text = match cell {
                                Cell::Text(text) => utf8(text)?,
                                // A text column accepts no missing value: `type_cell` fails first.
                                Cell::Missing | Cell::NotScalar => "",
                            };
                            let range = store.store_text(text)?;
                            store.text_cells.push(range);
                            (store.text_cells.len() - 1) as Word
                        }
                        Ok(Typed::Text) => 0,
                        Err(reason) => {
                            problem = Some(Problem::bad_field(&column.name, &reason));
                            break;
                        }
                    };
                    if let Some(slot) = store.words.get_mut(start + column_index) {
                        *slot = word;
                    }
                }
            }
            let row_index =
                u32::try_from(store.rows.len()).map_err(|_| RuntimeError::internal("more than 4 billion cases"))?;
            store.next.push(END);
            if schema.household_ref.is_some() {
                let hash = hash_bytes(text_of(schema.household_ref)?.as_bytes());
                match last.insert(hash, row_index) {
                    Some(previous) => {
                        if let Some(slot) = store.next.get_mut(previous as usize) {
                            *slot = row_index;
                        }
                    }
                    None => {
                        store.first.insert(hash, row_index);
                    }
                }
            }
            store.rows.push(CaseRow { line, household, id, problem: problem.map(Box::new) });
        }
        if let Some(key) = schema.key.and_then(|key| schema.columns.get(key.0 as usize)) {
            store.reject_duplicated_ids(&key.name);
        }
        Ok(store)
    }

    /// Rejects every case whose id (its `key` column) occurs more than once in the file, as
    /// duplicated household and person ids are: `duplicate case_id `C1` (lines 2, 5)`. A case
    /// rejected for a reason of its own keeps that reason (but its id still counts).
    fn reject_duplicated_ids(&mut self, key_name: &str) {
        let mut lines_of: HashMap<&str, Vec<u64>> = HashMap::new();
        for row in &self.rows {
            lines_of.entry(self.text_of(row.id)).or_default().push(row.line);
        }
        lines_of.retain(|_, lines| lines.len() > 1);
        if lines_of.is_empty() {
            return;
        }
        let problems: Vec<Option<Problem>> = self
            .rows
            .iter()
            .map(|row| {
                let id = self.text_of(row.id);
                let lines = lines_of.get(id).filter(|_| row.problem.is_none())?;
                let lines: Vec<String> = lines.iter().map(u64::to_string).collect();
                Some(Problem {
                    field: key_name.to_string(),
                    reason: format!("duplicate {key_name} `{id}` (lines {})", lines.join(", ")),
                    short: format!("duplicate {key_name}"),
                })
            })
            .collect();
        for (row, problem) in self.rows.iter_mut().zip(problems) {
            if let Some(problem) = problem {
                row.problem = Some(Box::new(problem));
            }
        }
    }

    /// Appends a text to the buffer and returns its range.
    fn store_text(&mut self, text: &str) -> Result<(u32, u32), RuntimeError> {
        let start =
            u32::try_from(self.text.len()).map_err(|_| RuntimeError::internal("more than 4 GiB of case texts"))?;
        self.text.push_str(text);
        let end =
            u32::try_from(self.text.len()).map_err(|_| RuntimeError::internal("more than 4 GiB of case texts"))?;
        Ok((start, end))
    }

    fn text_of(&self, (start, end): (u32, u32)) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// The household id of case `row`.
    pub(crate) fn household(&self, row: usize) -> &str {
        self.rows.get(row).map_or("", |case| self.text_of(case.household))
    }

    /// The id of case `row`.
    pub(crate) fn id(&self, row: usize) -> &str {
        self.rows.get(row).map_or("", |case| self.text_of(case.id))
    }

    /// A used text cell (the word of a text column).
    pub(crate) fn text_cell(&self, word: Word) -> &str {
        usize::try_from(word).ok().and_then(|index| self.text_cells.get(index)).map_or("", |range| self.text_of(*range))
    }

    /// Whether case `row` has a problem of its own.
    pub(crate) fn has_problem(&self, row: u32) -> bool {
        self.rows.get(row as usize).is_some_and(|case| case.problem.is_some())
    }

    /// The cases (row indices, file order) whose household id is `key` (hash `hash`).
    pub(crate) fn of_household<'s>(&'s self, hash: u64, key: &'s [u8]) -> impl Iterator<Item = u32> + 's {
        // No case of this household: the chain is empty.
        let mut next = self.first.get(&hash).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            while next != END {
                let row = next;
                next = self.next.get(row as usize).copied().unwrap_or(END);
                if self.household(row as usize).as_bytes() == key {
                    return Some(row);
                }
            }
            None
        })
    }

    /// The words of case `row`.
    pub(crate) fn row_words(&self, row: u32) -> &[Word] {
        let start = row as usize * self.n_columns;
        self.words.get(start..start + self.n_columns).unwrap_or(&[])
    }

    /// Number of cases.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }
}

/// A cell's text, checked to be UTF-8 before it is typed (CSV rows by `check_utf8`, JSON and
/// Parquet text by their decoders).
fn utf8(text: &[u8]) -> Result<&str, RuntimeError> {
    std::str::from_utf8(text).map_err(|_| RuntimeError::internal("a case cell that is not UTF-8 after the check"))
}
