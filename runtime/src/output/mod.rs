//! Output tables: rows formatted by the workers, written in order by the writer, committed
//! atomically.
//!
//! Each table of [`Program::outputs`](pol_compiler::tir::Program::outputs) is written as `NAME.csv` (UTF-8, no BOM, a header row),
//! `NAME.jsonl` (one object per row, keys in column order; ints as JSON numbers, booleans as
//! JSON booleans, everything else — money, ratios, dates, enums, text — as JSON strings, so that
//! amounts stay exact) or `NAME.parquet` (ints `int64`, booleans `boolean`, money
//! `decimal(19,2)`, ratios `decimal(19,9)`, dates `date32`, enums and text `utf8`), by
//! [`OutputFormat`]. `rejects.csv` is always CSV.
//!
//! Workers format their chunk's rows into a [`TablePart`]; the writer appends parts in chunk
//! order. Tables whose rows do not come in file order (cases, and persons when the persons file
//! is not grouped by household) carry a sort key per row (the row's line) and are sorted once at
//! the end.
//!
//! Everything is written into a staging directory inside the output directory and put in place
//! only when the whole run succeeded, as a set: a failure or a crash during the commit leaves the
//! whole previous set or the whole new set, outputs of the other formats are removed with the
//! commit, and the output directory is locked against another run (`staging.rs` has the
//! protocol). A failed run removes its staging directory and leaves no half-written file.
//!
//! A text cell of a CSV output that starts like a spreadsheet formula gets a leading `'`
//! (`text_rules.rs`).

mod csv;
mod jsonl;
mod parquet;
mod part;
mod plan;
mod sink;
mod staging;

pub(crate) use csv::push_cell as push_csv_cell;
pub(crate) use parquet::sorted_batches;
pub(crate) use part::PartBuilder;
pub use plan::OutputFormat;
pub(crate) use plan::{ColumnPlan, TablePart, TablePlan, sorted_text_rows, word_at};
pub(crate) use sink::TableSink;
pub(crate) use staging::{OutputDir, Staging};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// One output table evaluated in memory: its rows in record batches, in the table's row order
/// (the order `pol run` writes), each of `schema`. The batches are the chunks' own, not joined
/// into one (a copy of every column that no Arrow consumer needs: a pyarrow `Table`, Spark's and
/// Ray's batches and a Parquet writer all take rows batch by batch); [`OutputTable::concat`]
/// joins them for a caller that wants one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputTable {
    /// The table's name (`household_results`).
    pub name: String,
    /// The columns and types `pol run --output-format parquet` writes.
    pub schema: SchemaRef,
    /// The rows, in order; no batch is empty.
    pub batches: Vec<RecordBatch>,
}

impl OutputTable {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The rows in one batch.
    pub fn concat(&self) -> Result<RecordBatch, crate::error::RuntimeError> {
        arrow::compute::concat_batches(&self.schema, &self.batches)
            .map_err(|error| crate::error::RuntimeError::internal(error.to_string()))
    }
}
