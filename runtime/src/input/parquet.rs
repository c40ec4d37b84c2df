//! Parquet: the declared columns read as text cells, whatever their physical type.
//!
//! Accepted column types: strings (`utf8`, `large_utf8`, `utf8_view`, dictionary-encoded
//! strings), integers of any width (written in decimal), booleans (`true`/`false`), `date32`
//! (`YYYY-MM-DD`) and `decimal128` with scale 0–9 (written with exactly `scale` decimals, so
//! `decimal(10,2)` 4500 is `4500.00`). Floating-point columns are refused: a float cannot hold
//! an amount in fen exactly (the in-process evaluator accepts `float64` as its shortest text,
//! `arrow_rows::Floats`). A null is a missing value, which rejects its row. In the nested
//! layout the members are flattened by `arrow_rows::flatten_members`: a null list has no
//! members, a null member is a row whose every value is missing (rejected, not skipped).

use super::arrow_rows::{ArrowRows, Floats, flat_rows, flatten_members, supported};
use super::header::header_positions;
use super::table::{CellSpan, RawTable, RecordSource};
use crate::error::RuntimeError;
use arrow::datatypes::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use pol_compiler::tir::EntitySchema;
use pol_grammar::ast::EntityKind;

/// Rows decoded per Parquet batch.
const BATCH_ROWS: usize = 8192;

/// A Parquet file's rows.
pub(crate) struct ParquetSource {
    reader: ParquetRecordBatchReader,
    file_name: String,
    /// The entity's schema (the batches are checked against it).
    schema: EntitySchema,
    /// The loaded batch's rows.
    batch: Option<ArrowRows>,
    /// Reading the members in a list column of a households file (the nested layout).
    members: Option<Members>,
    row: usize,
    rows_read: u64,
    bytes: Vec<u8>,
    cells: Vec<CellSpan>,
    /// The schema columns holding a year's money total (`header::spread_columns`).
    pub(crate) spread: Vec<usize>,
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
        if let Some(list) = member_column(schema.kind)
            && let Ok((index, field)) = arrow_schema.fields().find(list).ok_or(())
        {
            return ParquetSource::open_members(builder, index, field.clone(), file_name, schema);
        }
        let header: Vec<String> = arrow_schema.fields().iter().map(|field| field.name().clone()).collect();
        let positions = header_positions(&header, file_name, schema)?;
        let spread = super::header::spread_columns(&header, schema);
        for position in positions.iter().filter(|position| **position != super::header::ABSENT) {
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
        let mut roots: Vec<usize> =
            positions.iter().copied().filter(|position| *position != super::header::ABSENT).collect();
        roots.sort_unstable();
        roots.dedup();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(parquet_error)?;
        let source = ParquetSource {
            reader,
            file_name: file_name.to_string(),
            schema: schema.clone(),
            batch: None,
            members: None,
            row: 0,
            rows_read: 0,
            bytes: Vec::new(),
            cells: Vec::new(),
            spread,
        };
        Ok((source, total))
    }

    /// Opens the members (persons or cases) in list column `index` of a households file.
    fn open_members(
        builder: ParquetRecordBatchReaderBuilder<std::fs::File>,
        index: usize,
        field: arrow::datatypes::FieldRef,
        file_name: &str,
        schema: &EntitySchema,
    ) -> Result<(ParquetSource, u64), RuntimeError> {
        let parquet_error = |error: parquet::errors::ParquetError| RuntimeError::Parquet {
            file: file_name.to_string(),
            message: error.to_string(),
        };
        let wrong_type = || RuntimeError::ColumnType {
            file: file_name.to_string(),
            column: field.name().clone(),
            data_type: field.data_type().to_string(),
        };
        let item = match field.data_type() {
            DataType::List(item) | DataType::LargeList(item) => item,
            _ => return Err(wrong_type()),
        };
        let DataType::Struct(fields) = item.data_type() else { return Err(wrong_type()) };
        let mut header: Vec<String> = fields.iter().map(|field| field.name().clone()).collect();
        let reference = schema.household_ref.and_then(|column| schema.columns.get(column.0 as usize));
        if let Some(column) = reference
            && !header.contains(&column.name)
        {
            header.push(column.name.clone());
        }
        let positions = header_positions(&header, file_name, schema)?;
        let spread = super::header::spread_columns(&header, schema);
        for position in &positions {
            let Some(member) = fields.get(*position) else { continue };
            if !supported(member.data_type()) {
                return Err(RuntimeError::ColumnType {
                    file: file_name.to_string(),
                    column: format!("{}.{}", field.name(), member.name()),
                    data_type: member.data_type().to_string(),
                });
            }
        }
        // The household id fills a reference the members leave out.
        let household_key = reference
            .and_then(|column| builder.schema().fields().find(&column.name))
            .map(|(key, field)| (key, field.name().clone()));
        let mut roots = vec![index];
        roots.extend(household_key.as_ref().map(|(key, _)| *key));
        let household_key = household_key.map(|(_, name)| name);
        roots.sort_unstable();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(parquet_error)?;
        let members = Members { list: field.name().clone(), household_key };
        let source = ParquetSource {
            reader,
            file_name: file_name.to_string(),
            schema: schema.clone(),
            batch: None,
            members: Some(members),
            row: 0,
            rows_read: 0,
            bytes: Vec::new(),
            cells: Vec::new(),
            spread,
        };
        // The members' number is known only by reading: progress counts households.
        Ok((source, 0))
    }

    /// Makes sure a batch with an unread row is loaded; `false` at the end.
    fn load(&mut self) -> Result<bool, RuntimeError> {
        loop {
            if let Some(rows) = &self.batch
                && self.row < rows.len
            {
                return Ok(true);
            }
            let Some(next) = self.reader.next() else { return Ok(false) };
            let batch = next
                .map_err(|error| RuntimeError::Parquet { file: self.file_name.clone(), message: error.to_string() })?;
            let rows = match &self.members {
                Some(members) => {
                    let flattened = flatten_members(
                        &batch,
                        &members.list,
                        &self.file_name,
                        &self.file_name,
                        &self.schema,
                        members.household_key.as_deref(),
                        Floats::Refused,
                    )?;
                    flattened.map(|members| members.rows).ok_or_else(|| {
                        RuntimeError::internal(format!("column `{}` vanished from a Parquet batch", members.list))
                    })?
                }
                None => flat_rows(&batch, &self.file_name, &self.schema, Floats::Refused)?,
            };
            self.batch = Some(rows);
            self.row = 0;
        }
    }
}

impl RecordSource for ParquetSource {
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError> {
        if !self.load()? {
            return Ok(false);
        }
        let Some(rows) = &self.batch else { return Ok(false) };
        rows.push_row(table, &mut self.bytes, &mut self.cells, self.row, self.rows_read + 2);
        self.row += 1;
        self.rows_read += 1;
        Ok(true)
    }

    fn position(&self) -> u64 {
        self.rows_read
    }
}

/// The list column holding an entity's rows in the nested layout: `persons` or `cases`.
pub(crate) fn member_column(kind: EntityKind) -> Option<&'static str> {
    match kind {
        EntityKind::Household => None,
        EntityKind::Person => Some("persons"),
        EntityKind::Case => Some("cases"),
    }
}

/// How the members of a nested households file are read.
struct Members {
    /// The list column.
    list: String,
    /// The household id column's name.
    household_key: Option<String>,
}
