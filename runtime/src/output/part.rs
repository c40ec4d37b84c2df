//! A chunk's rows of one output table, formatted by a worker ([`PartBuilder`]) in the table's
//! format: text for CSV and JSON lines, Arrow columns for Parquet.

use super::plan::{OutputFormat, TablePart, TablePlan};
use super::{csv, jsonl, parquet};
use crate::error::RuntimeError;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Word};

/// Builds one table's rows of a chunk.
#[derive(Debug)]
pub(crate) struct PartBuilder {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    keys: Vec<u64>,
    /// Parquet: the result rows, built column by column at the end.
    rows: Vec<u32>,
    scratch: Vec<u8>,
}

impl PartBuilder {
    /// An empty part for `plan` with room for about `rows` rows.
    pub(crate) fn with_rows(plan: &TablePlan, rows: usize) -> PartBuilder {
        let mut part = PartBuilder {
            bytes: Vec::new(),
            ends: Vec::new(),
            keys: Vec::new(),
            rows: Vec::new(),
            scratch: Vec::new(),
        };
        if plan.format == OutputFormat::Parquet {
            part.rows.reserve(rows);
        } else {
            part.bytes.reserve(rows * (plan.columns.len() * 12 + 2));
        }
        part
    }

    /// Appends a row whose column values are `results[slot][row]`.
    pub(crate) fn push_row(
        &mut self,
        plan: &TablePlan,
        program: &Program,
        texts: &TextTables<'_>,
        results: &[Vec<Word>],
        row: usize,
        key: u64,
    ) -> Result<(), RuntimeError> {
        match plan.format {
            OutputFormat::Csv => csv::push_row(&mut self.bytes, plan, program, texts, results, row)?,
            OutputFormat::Jsonl => {
                jsonl::push_row(&mut self.bytes, &mut self.scratch, plan, program, texts, results, row)?;
            }
            OutputFormat::Parquet => {
                let row = u32::try_from(row).map_err(|_| RuntimeError::internal("a batch row beyond 32 bits"))?;
                self.rows.push(row);
            }
        }
        if plan.keyed {
            self.ends.push(self.bytes.len());
            self.keys.push(key);
        }
        Ok(())
    }

    /// The finished part; `results` are the ones the rows were pushed from.
    pub(crate) fn finish(
        self,
        plan: &TablePlan,
        program: &Program,
        texts: &TextTables<'_>,
        results: &[Vec<Word>],
    ) -> Result<TablePart, RuntimeError> {
        if plan.format != OutputFormat::Parquet {
            return Ok(TablePart::Text { bytes: self.bytes, ends: self.ends, keys: self.keys });
        }
        let batch = parquet::build(plan, program, texts, results, &self.rows)?;
        Ok(TablePart::Arrow { batch, keys: self.keys })
    }
}
