//! Parquet: the declared columns read as text cells, whatever their physical type.
//!
//! Accepted column types: strings (`utf8`, `large_utf8`, `utf8_view`, dictionary-encoded
//! strings), integers of any width (written in decimal), booleans (`true`/`false`), `date32`
//! (`YYYY-MM-DD`) and `decimal128` with scale 0–9 (written with exactly `scale` decimals, so
//! `decimal(10,2)` 4500 is `4500.00`). Floating-point columns are refused: a float cannot hold
//! an amount in fen exactly. A null is a missing value, which rejects its row.

use super::header::header_positions;
use super::table::{CellSpan, RawTable, RecordSource};
use crate::error::RuntimeError;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use pol_compiler::tir::EntitySchema;

/// Rows decoded per Parquet batch.
const BATCH_ROWS: usize = 8192;

/// A Parquet file's rows.
pub(crate) struct ParquetSource {
    reader: ParquetRecordBatchReader,
    file_name: String,
    /// The schema columns' names, in schema order.
    names: Vec<String>,
    batch: Option<(RecordBatch, Vec<ArrayRef>)>,
    row: usize,
    rows_read: u64,
    bytes: Vec<u8>,
    cells: Vec<CellSpan>,
}

impl ParquetSource {
    /// Opens a Parquet file, checks its schema, and returns the reader and the number of rows.
    pub(crate) fn open(
        file: std::fs::File,
        file_name: &str,
        schema: &EntitySchema,
    ) -> Result<(ParquetSource, u64), RuntimeError> {
        let parquet_error = |error: parquet::errors::ParquetError| RuntimeError::Parquet {
            file: file_name.to_string(),
            message: error.to_string(),
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_error)?;
        let arrow_schema = builder.schema().clone();
        let header: Vec<String> = arrow_schema.fields().iter().map(|field| field.name().clone()).collect();
        let positions = header_positions(&header, file_name, schema)?;
        for position in &positions {
            let Some(field) = arrow_schema.fields().get(*position) else { continue };
            if !supported(field.data_type()) {
                return Err(RuntimeError::ColumnType {
                    file: file_name.to_string(),
                    column: field.name().clone(),
                    data_type: field.data_type().to_string(),
                });
            }
        }
        let total = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let mut roots = positions.clone();
        roots.sort_unstable();
        roots.dedup();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(parquet_error)?;
        let source = ParquetSource {
            reader,
            file_name: file_name.to_string(),
            names: schema.columns.iter().map(|column| column.name.clone()).collect(),
            batch: None,
            row: 0,
            rows_read: 0,
            bytes: Vec::new(),
            cells: Vec::new(),
        };
        Ok((source, total))
    }

    /// Makes sure a batch with an unread row is loaded; `false` at the end.
    fn load(&mut self) -> Result<bool, RuntimeError> {
        loop {
            if let Some((batch, _)) = &self.batch
                && self.row < batch.num_rows()
            {
                return Ok(true);
            }
            let Some(next) = self.reader.next() else { return Ok(false) };
            let batch = next
                .map_err(|error| RuntimeError::Parquet { file: self.file_name.clone(), message: error.to_string() })?;
            let mut columns = Vec::with_capacity(self.names.len());
            for name in &self.names {
                let column = batch
                    .column_by_name(name)
                    .ok_or_else(|| RuntimeError::internal(format!("column `{name}` vanished from a Parquet batch")))?;
                let column = if matches!(column.data_type(), DataType::Dictionary(..)) {
                    arrow::compute::cast(column, &DataType::Utf8).map_err(|error| RuntimeError::Parquet {
                        file: self.file_name.clone(),
                        message: error.to_string(),
                    })?
                } else {
                    column.clone()
                };
                columns.push(column);
            }
            self.batch = Some((batch, columns));
            self.row = 0;
        }
    }
}

impl RecordSource for ParquetSource {
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError> {
        if !self.load()? {
            return Ok(false);
        }
        let Some((_, columns)) = &self.batch else { return Ok(false) };
        self.bytes.clear();
        self.cells.clear();
        for column in columns {
            let start = self.bytes.len();
            let cell = if write_cell(column.as_ref(), self.row, &mut self.bytes) {
                CellSpan::text(start, self.bytes.len())
            } else {
                CellSpan::MISSING
            };
            self.cells.push(cell);
        }
        let line = self.rows_read + 2;
        table.push(&self.bytes, &self.cells, line, None);
        self.row += 1;
        self.rows_read += 1;
        Ok(true)
    }

    fn position(&self) -> u64 {
        self.rows_read
    }
}

/// Whether a column of this type can be read exactly.
pub(crate) fn supported(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Date32 => true,
        DataType::Decimal128(_, scale) => (0..=9).contains(scale),
        DataType::Dictionary(_, values) => matches!(values.as_ref(), DataType::Utf8 | DataType::LargeUtf8),
        _ => false,
    }
}

/// Appends the text of `array[row]`; `false` for a null.
pub(crate) fn write_cell(array: &dyn Array, row: usize, out: &mut Vec<u8>) -> bool {
    if array.is_null(row) {
        return false;
    }
    let mut integer = itoa::Buffer::new();
    match array.data_type() {
        DataType::Utf8 => out.extend_from_slice(array.as_string::<i32>().value(row).as_bytes()),
        DataType::LargeUtf8 => out.extend_from_slice(array.as_string::<i64>().value(row).as_bytes()),
        DataType::Utf8View => out.extend_from_slice(array.as_string_view().value(row).as_bytes()),
        DataType::Boolean => out.extend_from_slice(if array.as_boolean().value(row) { b"true" } else { b"false" }),
        DataType::Int8 => out.extend_from_slice(integer.format(array.as_primitive::<Int8Type>().value(row)).as_bytes()),
        DataType::Int16 => {
            out.extend_from_slice(integer.format(array.as_primitive::<Int16Type>().value(row)).as_bytes())
        }
        DataType::Int32 => {
            out.extend_from_slice(integer.format(array.as_primitive::<Int32Type>().value(row)).as_bytes())
        }
        DataType::Int64 => {
            out.extend_from_slice(integer.format(array.as_primitive::<Int64Type>().value(row)).as_bytes())
        }
        DataType::UInt8 => {
            out.extend_from_slice(integer.format(array.as_primitive::<UInt8Type>().value(row)).as_bytes())
        }
        DataType::UInt16 => {
            out.extend_from_slice(integer.format(array.as_primitive::<UInt16Type>().value(row)).as_bytes())
        }
        DataType::UInt32 => {
            out.extend_from_slice(integer.format(array.as_primitive::<UInt32Type>().value(row)).as_bytes())
        }
        DataType::UInt64 => {
            out.extend_from_slice(integer.format(array.as_primitive::<UInt64Type>().value(row)).as_bytes())
        }
        DataType::Date32 => crate::format::write_date(out, i64::from(array.as_primitive::<Date32Type>().value(row))),
        DataType::Decimal128(_, scale) => {
            let value = array.as_primitive::<Decimal128Type>().value(row);
            // `supported` admits only scales 0 to 9.
            let decimals = scale.unsigned_abs();
            write_decimal(out, value, decimals);
        }
        _ => return false,
    }
    true
}

/// Appends `value / 10^decimals` with exactly `decimals` decimals.
fn write_decimal(out: &mut Vec<u8>, value: i128, decimals: u8) {
    if value < 0 {
        out.push(b'-');
    }
    let magnitude = value.unsigned_abs();
    let scale = 10u128.pow(u32::from(decimals));
    let mut integer = itoa::Buffer::new();
    out.extend_from_slice(integer.format(magnitude / scale).as_bytes());
    if decimals > 0 {
        out.push(b'.');
        let fraction = integer.format(magnitude % scale).as_bytes().to_vec();
        out.extend(std::iter::repeat_n(b'0', usize::from(decimals).saturating_sub(fraction.len())));
        out.extend_from_slice(&fraction);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale() {
        let mut out = Vec::new();
        write_decimal(&mut out, 450_000, 2);
        out.push(b' ');
        write_decimal(&mut out, 5, 2);
        out.push(b' ');
        write_decimal(&mut out, -150_000_000, 9);
        out.push(b' ');
        write_decimal(&mut out, 42, 0);
        assert_eq!(String::from_utf8(out).unwrap_or_default(), "4500.00 0.05 -0.150000000 42");
    }
}
