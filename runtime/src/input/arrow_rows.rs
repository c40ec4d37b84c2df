//! Rows held in Arrow arrays, one per schema column (a leaf): what a Parquet file's batch and an
//! in-process record batch both become, and the one function that flattens the members of a
//! nested households batch (`persons`/`cases` as `list<struct<…>>`) for both of them.
//!
//! A schema column is an Arrow array of the batch, the default's text of a column the batch
//! lacks ([`pol_compiler::tir::Column::default_cell`], as for a file lacking the column), or,
//! for the household reference a nested member leaves out, the household's id taken from the
//! household's row. Arrow types accepted are those of [`supported`]; a dictionary of strings is
//! read as its strings. A cell's text, where one is needed, is [`write_cell`]'s: the text the
//! Parquet reader gives every cell and the text `arrow_eval`'s reasons quote.

use super::header::{ABSENT, header_positions};
use super::table::{CellSpan, RawTable};
use crate::error::RuntimeError;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, UInt32Array};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Fields, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use pol_compiler::tir::EntitySchema;

/// Where a schema column's cells come from.
#[derive(Debug, Clone)]
pub(crate) enum ArrowColumn {
    /// A column of the batch (strings from a dictionary already decoded).
    Array(ArrayRef),
    /// The default's text, for a column the batch lacks.
    Default(String),
}

/// Whether `float64` columns are accepted (besides the [`supported`] types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Floats {
    /// Refused, as `pol run` refuses them in a Parquet file.
    Refused,
    /// Accepted, each value read as its shortest text (Rust's `{}`: the shortest decimal that
    /// reads back as the same float, never in exponent form), which is then typed as any cell:
    /// `4500.5` is 4500.50 yuan, `0.30000000000000004` is not an amount with two decimals.
    ShortestText,
}

impl Floats {
    fn accepts(self, data_type: &DataType) -> bool {
        supported(data_type) || (self == Floats::ShortestText && *data_type == DataType::Float64)
    }
}

/// Rows as one [`ArrowColumn`] per schema column.
#[derive(Debug, Clone)]
pub(crate) struct ArrowRows {
    /// One per schema column, in schema order.
    pub columns: Vec<ArrowColumn>,
    /// Number of rows.
    pub len: usize,
    /// The schema columns read from a year's money total (`salary@2017` for the month column
    /// `salary@2017-03`), which typing divides into the month's share, as for files.
    pub spread: Vec<usize>,
}

impl ArrowRows {
    /// Rows `offset..offset + len` (no copy).
    pub(crate) fn slice(&self, offset: usize, len: usize) -> ArrowRows {
        let columns = self
            .columns
            .iter()
            .map(|column| match column {
                ArrowColumn::Array(array) => ArrowColumn::Array(array.slice(offset, len)),
                ArrowColumn::Default(text) => ArrowColumn::Default(text.clone()),
            })
            .collect();
        ArrowRows { columns, len, spread: self.spread.clone() }
    }

    /// The rows at `indices`, in that order.
    pub(crate) fn take(&self, indices: &UInt32Array) -> Result<ArrowRows, RuntimeError> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            columns.push(match column {
                ArrowColumn::Array(array) => ArrowColumn::Array(
                    arrow::compute::take(array.as_ref(), indices, None)
                        .map_err(|error| RuntimeError::internal(error.to_string()))?,
                ),
                ArrowColumn::Default(text) => ArrowColumn::Default(text.clone()),
            });
        }
        Ok(ArrowRows { columns, len: indices.len(), spread: self.spread.clone() })
    }

    /// Appends the text of column `column` of row `row` as a file reader would read it;
    /// `false` for a missing value.
    pub(crate) fn write_text(&self, column: usize, row: usize, out: &mut Vec<u8>) -> bool {
        match self.columns.get(column) {
            Some(ArrowColumn::Array(array)) => row < array.len() && write_cell(array.as_ref(), row, out),
            Some(ArrowColumn::Default(text)) => {
                out.extend_from_slice(text.as_bytes());
                true
            }
            None => false,
        }
    }

    /// The rows as a table of text cells (row `i` on line `first_line + i`), as a file reader
    /// makes them.
    pub(crate) fn to_raw_table(&self, first_line: u64) -> RawTable {
        let mut table = RawTable::new(self.columns.len());
        let mut bytes = Vec::new();
        let mut cells = Vec::with_capacity(self.columns.len());
        for row in 0..self.len {
            self.push_row(&mut table, &mut bytes, &mut cells, row, first_line + row as u64);
        }
        table
    }

    /// Appends row `row` to `table` as text cells, on line `line`.
    pub(crate) fn push_row(
        &self,
        table: &mut RawTable,
        bytes: &mut Vec<u8>,
        cells: &mut Vec<CellSpan>,
        row: usize,
        line: u64,
    ) {
        bytes.clear();
        cells.clear();
        for column in 0..self.columns.len() {
            let start = bytes.len();
            let present = self.write_text(column, row, bytes);
            cells.push(if present { CellSpan::text(start, bytes.len()) } else { CellSpan::MISSING });
        }
        table.push(bytes, cells, line, None);
    }
}

/// The rows of a flat batch for `schema`, its schema checked as a file's header is: every
/// declared column present or defaulted, none twice, each of a [`supported`] type.
pub(crate) fn flat_rows(
    batch: &RecordBatch,
    file_name: &str,
    schema: &EntitySchema,
    floats: Floats,
) -> Result<ArrowRows, RuntimeError> {
    let (columns, spread) =
        schema_columns(batch.schema().fields(), batch.columns(), file_name, "", schema, None, floats)?;
    let columns = columns.into_iter().map(|column| column.ok_or_else(vanished)).collect::<Result<_, _>>()?;
    Ok(ArrowRows { columns, len: batch.num_rows(), spread })
}

fn vanished() -> RuntimeError {
    RuntimeError::internal("a declared column without a default passed the header check")
}

/// The offsets of a list column's lists into its values.
enum Bounds<'a> {
    Narrow(&'a [i32]),
    Wide(&'a [i64]),
}

impl Bounds<'_> {
    /// Offset `index` (a negative one: none).
    fn get(&self, index: usize) -> Option<usize> {
        match self {
            Bounds::Narrow(offsets) => usize::try_from(*offsets.get(index)?).ok(),
            Bounds::Wide(offsets) => usize::try_from(*offsets.get(index)?).ok(),
        }
    }
}

/// The members (persons or cases) of a nested households batch.
#[derive(Debug, Clone)]
pub(crate) struct Members {
    /// The members in order, household by household.
    pub rows: ArrowRows,
    /// `offsets[h]..offsets[h + 1]` are household `h`'s members in `rows`.
    pub offsets: Vec<usize>,
    /// Whether the household reference was filled from the household ids (the members leave it
    /// out), so each member's household is the row it is listed in.
    pub reference_filled: bool,
}

/// The members in list column `list` (`persons`, `cases`) of a households batch, or `None`
/// when there is no such column. Members come in order, household by household; a null list
/// has no members; a null member (a null struct in a list) is a row whose every value is
/// missing, so it is rejected, not lost. The household reference, when the member struct
/// leaves it out, is the household's id (`household_key`, the households' key column).
pub(crate) fn flatten_members(
    households: &RecordBatch,
    list: &str,
    household_file: &str,
    member_file: &str,
    schema: &EntitySchema,
    household_key: Option<&str>,
    floats: Floats,
) -> Result<Option<Members>, RuntimeError> {
    let Some(column) = households.column_by_name(list) else { return Ok(None) };
    let wrong_type = || RuntimeError::ColumnType {
        file: household_file.to_string(),
        column: list.to_string(),
        data_type: column.data_type().to_string(),
    };
    let (bounds, values): (Bounds<'_>, ArrayRef) = match column.data_type() {
        DataType::List(_) => {
            let array = column.as_list::<i32>();
            (Bounds::Narrow(array.value_offsets()), array.values().clone())
        }
        DataType::LargeList(_) => {
            let array = column.as_list::<i64>();
            (Bounds::Wide(array.value_offsets()), array.values().clone())
        }
        _ => return Err(wrong_type()),
    };
    let Some(structs) = values.as_struct_opt() else { return Err(wrong_type()) };
    let reference = schema.household_ref.map(|column| column.0 as usize);
    let (columns, spread) =
        schema_columns(structs.fields(), structs.columns(), member_file, list, schema, reference, floats)?;
    // Each household's member range (empty for a null list), checked against the members.
    let n_households = households.num_rows();
    let null_lists = column.logical_nulls().filter(|nulls| nulls.null_count() > 0);
    let range = |household: usize| -> Result<(usize, usize), RuntimeError> {
        let (Some(start), Some(end)) = (bounds.get(household), bounds.get(household + 1)) else {
            return Err(wrong_type());
        };
        if start > end || end > structs.len() {
            return Err(wrong_type());
        }
        Ok(if null_lists.as_ref().is_some_and(|nulls| nulls.is_null(household)) {
            (start, start)
        } else {
            (start, end)
        })
    };
    // `offsets[h]..offsets[h + 1]` are household h's members among the members kept; they are
    // contiguous (one slice of the struct's columns) unless a null list hides members.
    let mut offsets = Vec::with_capacity(n_households + 1);
    offsets.push(0);
    let mut total = 0;
    let mut contiguous = true;
    let mut previous_end = None;
    for household in 0..n_households {
        let (start, end) = range(household)?;
        contiguous &= previous_end.is_none_or(|previous| previous == start);
        previous_end = Some(end);
        total += end - start;
        offsets.push(total);
    }
    let first = if n_households == 0 { 0 } else { range(0)?.0 };
    let internal = |error: arrow::error::ArrowError| RuntimeError::internal(error.to_string());
    // Members listed out of order (a null list hides members): taken by index.
    let indices = if contiguous {
        None
    } else {
        let mut indices = Vec::with_capacity(total);
        for household in 0..n_households {
            let (start, end) = range(household)?;
            indices.extend((start..end).map(|member| u32::try_from(member).unwrap_or(u32::MAX)));
        }
        Some(UInt32Array::from(indices))
    };
    let member_nulls = structs.nulls().filter(|nulls| nulls.null_count() > 0).map(|nulls| {
        let valid = BooleanArray::new(nulls.inner().clone(), None);
        match &indices {
            Some(indices) => arrow::compute::take(&valid, indices, None),
            None => Ok(std::sync::Arc::new(valid.slice(first, total)) as ArrayRef),
        }
    });
    let member_nulls = match member_nulls {
        Some(nulls) => Some(arrow::compute::not(nulls.map_err(internal)?.as_boolean()).map_err(internal)?),
        None => None,
    };
    let mut flat = Vec::with_capacity(columns.len());
    let mut reference_filled = false;
    for (index, column) in columns.into_iter().enumerate() {
        let column = match column {
            Some(ArrowColumn::Array(array)) => {
                let array = match &indices {
                    Some(indices) => arrow::compute::take(array.as_ref(), indices, None).map_err(internal)?,
                    None => array.slice(first, total),
                };
                let array = match &member_nulls {
                    Some(nulls) => arrow::compute::nullif(array.as_ref(), nulls).map_err(internal)?,
                    None => array,
                };
                ArrowColumn::Array(array)
            }
            Some(ArrowColumn::Default(text)) => ArrowColumn::Default(text),
            None if Some(index) == reference => {
                // The household reference the members leave out: their household's id.
                reference_filled = true;
                let ids = household_key.and_then(|key| households.column_by_name(key)).ok_or_else(vanished)?;
                let ids = decoded(ids, household_file)?;
                let owners = UInt32Array::from_iter_values(
                    offsets
                        .windows(2)
                        .enumerate()
                        .flat_map(|(household, pair)| match pair {
                            [start, end] => std::iter::repeat_n(household, end - start),
                            _ => std::iter::repeat_n(household, 0),
                        })
                        .map(|household| u32::try_from(household).unwrap_or(u32::MAX)),
                );
                let array = arrow::compute::take(ids.as_ref(), &owners, None).map_err(internal)?;
                let array = match &member_nulls {
                    Some(nulls) => arrow::compute::nullif(array.as_ref(), nulls).map_err(internal)?,
                    None => array,
                };
                ArrowColumn::Array(array)
            }
            None => return Err(vanished()),
        };
        flat.push(column);
    }
    Ok(Some(Members { rows: ArrowRows { columns: flat, len: total, spread }, offsets, reference_filled }))
}

/// The cells of each schema column (`None` for `optional`, the one column that may be absent
/// with no default), checked as `pol run` checks a file's header. `prefix` names a nested list
/// column in a type error (`persons.birth_date`).
fn schema_columns(
    fields: &Fields,
    arrays: &[ArrayRef],
    file_name: &str,
    prefix: &str,
    schema: &EntitySchema,
    optional: Option<usize>,
    floats: Floats,
) -> Result<(Vec<Option<ArrowColumn>>, Vec<usize>), RuntimeError> {
    let mut header: Vec<String> = fields.iter().map(|field| field.name().clone()).collect();
    let n_fields = header.len();
    let optional_name = optional.and_then(|column| schema.columns.get(column)).map(|column| column.name.clone());
    if let Some(name) = &optional_name
        && !header.contains(name)
    {
        header.push(name.clone());
    }
    let positions = header_positions(&header, file_name, schema)?;
    // A year's money total (`salary@2017`) is divided into each month's share after typing.
    let spread = super::header::spread_columns(&header, schema);
    let mut columns = Vec::with_capacity(positions.len());
    for (position, column) in positions.into_iter().zip(&schema.columns) {
        if position == ABSENT {
            let default = column.default_cell.clone().ok_or_else(vanished)?;
            columns.push(Some(ArrowColumn::Default(default)));
            continue;
        }
        if position >= n_fields {
            columns.push(None);
            continue;
        }
        let (Some(field), Some(array)) = (fields.get(position), arrays.get(position)) else {
            return Err(RuntimeError::internal("a column position beyond the batch"));
        };
        if !floats.accepts(field.data_type()) {
            let column = if prefix.is_empty() { field.name().clone() } else { format!("{prefix}.{}", field.name()) };
            return Err(RuntimeError::ColumnType {
                file: file_name.to_string(),
                column,
                data_type: field.data_type().to_string(),
            });
        }
        columns.push(Some(ArrowColumn::Array(decoded(array, file_name)?)));
    }
    Ok((columns, spread))
}

/// A dictionary of strings decoded to its strings; any other array as it is.
fn decoded(array: &ArrayRef, file_name: &str) -> Result<ArrayRef, RuntimeError> {
    if matches!(array.data_type(), DataType::Dictionary(..)) {
        arrow::compute::cast(array, &DataType::Utf8)
            .map_err(|error| RuntimeError::Parquet { file: file_name.to_string(), message: error.to_string() })
    } else {
        Ok(array.clone())
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
        DataType::Float64 => {
            use std::io::Write as _;
            // The shortest text that reads back as the same float (accepted only by
            // `arrow_rows::Floats::ShortestText`); writing to a vector cannot fail.
            let _ = write!(out, "{}", array.as_primitive::<Float64Type>().value(row));
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
