//! Parquet output tables: ints `int64`, booleans `boolean`, money `decimal(19,2)`, ratios
//! `decimal(19,9)`, dates `date32`, enums and text `utf8` (see [`super::plan`] for the schema).
//! A chunk's rows are built column by column into one Arrow record batch.

use super::plan::{TablePart, TablePlan};
use crate::error::RuntimeError;
use crate::format;
use arrow::array::{ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringBuilder};
use parquet::arrow::ArrowWriter;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// The rows `rows` (indices into each result column, in output order) of `plan`'s columns as
/// one record batch, built column by column: each column's words are read in one pass over
/// `rows` (a plain copy when they are `0..n`), texts and enum names appended straight from the
/// tables that hold them.
pub(crate) fn build(
    plan: &TablePlan,
    program: &Program,
    texts: &TextTables<'_>,
    results: &[Vec<Word>],
    rows: &[u32],
) -> Result<RecordBatch, RuntimeError> {
    let in_order = rows.iter().enumerate().all(|(at, row)| *row as usize == at);
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(plan.columns.len());
    let mut gathered: Vec<Word> = Vec::new();
    for column in &plan.columns {
        // INVARIANT: a plan's slots are its entity's rules (`TablePlan::of_program`) and the
        // engine returns one value per batch row in each of them; `rows` are batch rows.
        // A chunk with no row in the batch has no result columns (nothing was evaluated).
        let values = match results.get(column.slot) {
            Some(values) => values.as_slice(),
            None if rows.is_empty() => &[],
            None => return Err(RuntimeError::internal(format!("no result column in slot {}", column.slot))),
        };
        let short = || RuntimeError::internal(format!("a result column shorter than its rows (slot {})", column.slot));
        // Rows in order are read where they lie; others gathered into a reused buffer.
        let words: &[Word] = if in_order {
            values.get(..rows.len()).ok_or_else(short)?
        } else {
            gathered.clear();
            for row in rows {
                gathered.push(*values.get(*row as usize).ok_or_else(short)?);
            }
            &gathered
        };
        arrays.push(array(program, texts, column.ty, words)?);
    }
    RecordBatch::try_new(plan.schema.clone(), arrays).map_err(|error| RuntimeError::internal(error.to_string()))
}

/// One output column of words of type `ty`, as Parquet writes it.
/// Each array is built in one pass over the words.
fn array(program: &Program, texts: &TextTables<'_>, ty: Ty, words: &[Word]) -> Result<ArrayRef, RuntimeError> {
    let internal = |error: arrow::error::ArrowError| RuntimeError::internal(error.to_string());
    Ok(match ty {
        // Packed 64 values at a time.
        Ty::Bool => Arc::new(BooleanArray::new(
            arrow::buffer::BooleanBuffer::collect_bool(words.len(), |row| {
                words.get(row).is_some_and(|word| *word != 0)
            }),
            None,
        )),
        Ty::Int => Arc::new(Int64Array::from(words.to_vec())),
        Ty::Money(_) => Arc::new(
            Decimal128Array::from_iter_values(words.iter().map(|word| i128::from(*word)))
                .with_precision_and_scale(19, 2)
                .map_err(internal)?,
        ),
        Ty::Ratio => Arc::new(
            Decimal128Array::from_iter_values(words.iter().map(|word| i128::from(*word)))
                .with_precision_and_scale(19, 9)
                .map_err(internal)?,
        ),
        // INVARIANT: dates come from input days, parameters and as_of, all within 0001–9999.
        Ty::Date => Arc::new(Date32Array::from(
            words
                .iter()
                .map(|word| i32::try_from(*word).map_err(|_| RuntimeError::internal(format!("a date of {word} days"))))
                .collect::<Result<Vec<i32>, RuntimeError>>()?,
        )),
        Ty::Text => {
            let bytes: usize = words.iter().map(|word| texts.raw(*word).len()).sum();
            let mut builder = StringBuilder::with_capacity(words.len(), bytes);
            for word in words {
                builder.append_value(texts.render(*word));
            }
            Arc::new(builder.finish())
        }
        Ty::Enum(id) => {
            let mut builder = StringBuilder::with_capacity(words.len(), words.len() * 8);
            let variants = program.enums.get(id.0 as usize).map_or(&[][..], |def| def.variants.as_slice());
            let mut scratch = Vec::new();
            for &word in words {
                // A variant's name straight from the policy; any other word as `write_word`
                // writes it (`#N`, valid UTF-8).
                match usize::try_from(word).ok().and_then(|index| variants.get(index)) {
                    Some(name) => builder.append_value(name),
                    None => {
                        scratch.clear();
                        format::write_word(&mut scratch, program, texts, ty, word);
                        builder.append_value(std::str::from_utf8(&scratch).unwrap_or_default());
                    }
                }
            }
            Arc::new(builder.finish())
        }
    })
}

/// A Parquet writer of `plan`'s schema into `file` (at `path`).
pub(crate) fn writer(file: File, path: &Path, plan: &TablePlan) -> Result<ArrowWriter<File>, RuntimeError> {
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    ArrowWriter::try_new(file, plan.schema.clone(), Some(properties)).map_err(|error| RuntimeError::write(path, &error))
}

/// Writes keyed parts into `file` sorted by key (stable: equal keys keep their order). The
/// writer gathers the batches into its row groups, so the file is the same however the rows
/// come batched.
pub(crate) fn write_sorted(
    file: File,
    path: &Path,
    plan: &TablePlan,
    parts: Vec<TablePart>,
) -> Result<(), RuntimeError> {
    let sorted = sorted_batches(plan, parts)?;
    let mut writer = writer(file, path, plan)?;
    for batch in sorted.iter().filter(|batch| batch.num_rows() > 0) {
        writer.write(batch).map_err(|error| RuntimeError::write(path, &error))?;
    }
    writer.close().map_err(|error| RuntimeError::write(path, &error))?;
    Ok(())
}

/// Keyed parts as batches sorted by key (stable: equal keys keep their order). Parts whose
/// keys already come in order (the usual case: chunks in order, rows in order within each) are
/// returned as they are, neither joined nor copied; otherwise the rows are joined into one
/// batch and reordered.
pub(crate) fn sorted_batches(plan: &TablePlan, parts: Vec<TablePart>) -> Result<Vec<RecordBatch>, RuntimeError> {
    let mut batches = Vec::new();
    let mut keys = Vec::new();
    for part in parts {
        let TablePart::Arrow { batch, keys: part_keys } = part else {
            return Err(RuntimeError::internal("an output part of the wrong format"));
        };
        batches.push(batch);
        keys.extend(part_keys);
    }
    if keys.windows(2).all(|pair| matches!(pair, [a, b] if a <= b)) {
        return Ok(batches);
    }
    let all = concat(plan, &batches)?;
    let mut order = Vec::with_capacity(keys.len());
    for (row, key) in keys.iter().enumerate() {
        let row = u32::try_from(row).map_err(|_| RuntimeError::internal("more than 4 billion sorted rows"))?;
        order.push((*key, row));
    }
    order.sort_by_key(|(key, _)| *key);
    let indices = arrow::array::UInt32Array::from_iter_values(order.into_iter().map(|(_, row)| row));
    let sorted =
        arrow::compute::take_record_batch(&all, &indices).map_err(|error| RuntimeError::internal(error.to_string()))?;
    Ok(vec![sorted])
}

/// `batches` (of `plan`'s schema) joined into one, each column joined on its own thread (of
/// the current rayon pool).
fn concat(plan: &TablePlan, batches: &[RecordBatch]) -> Result<RecordBatch, RuntimeError> {
    use rayon::prelude::*;
    let internal = |error: arrow::error::ArrowError| RuntimeError::internal(error.to_string());
    let n_columns = plan.schema.fields().len();
    if batches.len() < 2 || n_columns == 0 {
        return arrow::compute::concat_batches(&plan.schema, batches).map_err(internal);
    }
    let columns = (0..n_columns)
        .into_par_iter()
        .map(|column| {
            let arrays: Vec<&dyn arrow::array::Array> =
                batches.iter().filter_map(|batch| batch.columns().get(column)).map(|array| array.as_ref()).collect();
            if arrays.len() != batches.len() {
                return Err(RuntimeError::internal("an output part with fewer columns than its table"));
            }
            arrow::compute::concat(&arrays).map_err(internal)
        })
        .collect::<Result<Vec<ArrayRef>, RuntimeError>>()?;
    RecordBatch::try_new(plan.schema.clone(), columns).map_err(internal)
}
