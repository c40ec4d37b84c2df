//! Parquet output tables: ints `int64`, booleans `boolean`, money `decimal(19,2)`, ratios
//! `decimal(19,9)`, dates `date32`, enums and text `utf8` (see [`super::plan`] for the schema).
//! A chunk's rows are built column by column into one Arrow record batch.

use super::plan::{TablePart, TablePlan, word_at};
use crate::error::RuntimeError;
use crate::format;
use arrow::array::{ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringBuilder};
use parquet::arrow::ArrowWriter;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// One Arrow column being built.
#[derive(Debug)]
pub(crate) enum ColumnBuilder {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Decimal(Vec<i128>, u8, i8),
    Date(Vec<i32>),
    Text(StringBuilder),
}

/// Empty column builders for `plan`'s columns.
pub(crate) fn builders(plan: &TablePlan) -> Vec<ColumnBuilder> {
    plan.columns
        .iter()
        .map(|column| match column.ty {
            Ty::Bool => ColumnBuilder::Bool(Vec::new()),
            Ty::Int => ColumnBuilder::Int(Vec::new()),
            Ty::Money(_) => ColumnBuilder::Decimal(Vec::new(), 19, 2),
            Ty::Ratio => ColumnBuilder::Decimal(Vec::new(), 19, 9),
            Ty::Date => ColumnBuilder::Date(Vec::new()),
            Ty::Enum(_) | Ty::Text => ColumnBuilder::Text(StringBuilder::new()),
        })
        .collect()
}

/// Appends row `row` (its values are `results[slot][row]`) to the column builders; `scratch` is
/// a reusable buffer.
#[inline]
pub(crate) fn push_row(
    builders: &mut [ColumnBuilder],
    scratch: &mut Vec<u8>,
    plan: &TablePlan,
    program: &Program,
    texts: &TextTables<'_>,
    results: &[Vec<Word>],
    row: usize,
) -> Result<(), RuntimeError> {
    for (builder, column) in builders.iter_mut().zip(&plan.columns) {
        let value = word_at(results, column.slot, row)?;
        match builder {
            ColumnBuilder::Bool(values) => values.push(value != 0),
            ColumnBuilder::Int(values) => values.push(value),
            ColumnBuilder::Decimal(values, _, _) => values.push(i128::from(value)),
            // INVARIANT: dates come from input days, parameters and as_of, all within 0001–9999.
            ColumnBuilder::Date(values) => values
                .push(i32::try_from(value).map_err(|_| RuntimeError::internal(format!("a date of {value} days")))?),
            ColumnBuilder::Text(values) => {
                scratch.clear();
                format::write_word(scratch, program, texts, column.ty, value);
                values.append_value(String::from_utf8_lossy(scratch));
            }
        }
    }
    Ok(())
}

/// The built columns as one record batch of `plan`'s schema.
pub(crate) fn finish(builders: Vec<ColumnBuilder>, plan: &TablePlan) -> Result<RecordBatch, RuntimeError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(builders.len());
    for builder in builders {
        let array: ArrayRef = match builder {
            ColumnBuilder::Bool(values) => Arc::new(BooleanArray::from(values)),
            ColumnBuilder::Int(values) => Arc::new(Int64Array::from(values)),
            ColumnBuilder::Decimal(values, precision, scale) => Arc::new(
                Decimal128Array::from(values)
                    .with_precision_and_scale(precision, scale)
                    .map_err(|error| RuntimeError::internal(error.to_string()))?,
            ),
            ColumnBuilder::Date(values) => Arc::new(Date32Array::from(values)),
            ColumnBuilder::Text(mut values) => Arc::new(values.finish()),
        };
        arrays.push(array);
    }
    RecordBatch::try_new(plan.schema.clone(), arrays).map_err(|error| RuntimeError::internal(error.to_string()))
}

/// A Parquet writer of `plan`'s schema into `file` (at `path`).
pub(crate) fn writer(file: File, path: &Path, plan: &TablePlan) -> Result<ArrowWriter<File>, RuntimeError> {
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    ArrowWriter::try_new(file, plan.schema.clone(), Some(properties)).map_err(|error| RuntimeError::write(path, &error))
}

/// Writes keyed parts into `file` sorted by key (stable: equal keys keep their order).
pub(crate) fn write_sorted(
    file: File,
    path: &Path,
    plan: &TablePlan,
    parts: Vec<TablePart>,
) -> Result<(), RuntimeError> {
    let sorted = sorted_batch(plan, parts)?;
    let mut writer = writer(file, path, plan)?;
    if sorted.num_rows() > 0 {
        writer.write(&sorted).map_err(|error| RuntimeError::write(path, &error))?;
    }
    writer.close().map_err(|error| RuntimeError::write(path, &error))?;
    Ok(())
}

/// Keyed parts as one batch sorted by key (stable: equal keys keep their order).
pub(crate) fn sorted_batch(plan: &TablePlan, parts: Vec<TablePart>) -> Result<RecordBatch, RuntimeError> {
    let mut batches = Vec::new();
    let mut keys = Vec::new();
    for part in parts {
        let TablePart::Arrow { batch, keys: part_keys } = part else {
            return Err(RuntimeError::internal("an output part of the wrong format"));
        };
        batches.push(batch);
        keys.extend(part_keys);
    }
    let all = arrow::compute::concat_batches(&plan.schema, &batches)
        .map_err(|error| RuntimeError::internal(error.to_string()))?;
    let mut order = Vec::with_capacity(keys.len());
    for (row, key) in keys.iter().enumerate() {
        let row = u32::try_from(row).map_err(|_| RuntimeError::internal("more than 4 billion sorted rows"))?;
        order.push((*key, row));
    }
    order.sort_by_key(|(key, _)| *key);
    let indices = arrow::array::UInt32Array::from_iter_values(order.into_iter().map(|(_, row)| row));
    arrow::compute::take_record_batch(&all, &indices).map_err(|error| RuntimeError::internal(error.to_string()))
}
