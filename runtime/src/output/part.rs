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
    arrow: Vec<parquet::ColumnBuilder>,
    scratch: Vec<u8>,
}

impl PartBuilder {
    /// An empty part for `plan`.
    pub(crate) fn new(plan: &TablePlan) -> PartBuilder {
        let arrow = if plan.format == OutputFormat::Parquet { parquet::builders(plan) } else { Vec::new() };
        PartBuilder { bytes: Vec::new(), ends: Vec::new(), keys: Vec::new(), arrow, scratch: Vec::new() }
    }

    /// An empty part for `plan` with room for about `rows` rows.
    pub(crate) fn with_rows(plan: &TablePlan, rows: usize) -> PartBuilder {
        let mut part = PartBuilder::new(plan);
        if plan.format != OutputFormat::Parquet {
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
                parquet::push_row(&mut self.arrow, &mut self.scratch, plan, program, texts, results, row)?;
            }
        }
        if plan.keyed {
            self.ends.push(self.bytes.len());
            self.keys.push(key);
        }
        Ok(())
    }

    /// The finished part.
    pub(crate) fn finish(self, plan: &TablePlan) -> Result<TablePart, RuntimeError> {
        if plan.format != OutputFormat::Parquet {
            return Ok(TablePart::Text { bytes: self.bytes, ends: self.ends, keys: self.keys });
        }
        let batch = parquet::finish(self.arrow, plan)?;
        Ok(TablePart::Arrow { batch, keys: self.keys })
    }
}
