//! Arrow-native evaluation: Arrow record batches in, Arrow record batches and rejects out,
//! without files (issue 14, step 1; the Python package and the Spark/Ray examples build on it).
//!
//! An [`Evaluator`] holds a compiled policy, its county table for one as-of date, an engine and
//! a thread pool; it is `Send + Sync` and evaluates any number of batches, from any thread:
//! - [`Evaluator::evaluate_nested`]: one row per household, its members in a `persons` column of
//!   type `list<struct<…person columns…>>` (and its cases in `cases`, when the policy has cases);
//!   the person struct may leave out the household reference column (it is the household's id);
//! - [`Evaluator::evaluate_grouped`]: flat household, person (and case) batches, as the flat files
//!   of `pol run` hold them.
//!
//! Cells are read as `pol run` reads Parquet files (the same accepted Arrow types, the same text
//! of each value, `crate::input`), then typed, validated and evaluated by the workers of `pol run`
//! (`crate::pipeline::memory`), in chunks on all the pool's threads. Row `i` of a batch has line
//! `i + 2` in rejects, as the same table written as CSV would; the persons (cases) of a nested
//! batch are numbered in order across households. The outputs are the batches
//! `pol run --output-format parquet` writes (same schema, same values, same row order), and the
//! rejects are `rejects.csv`'s rows.

use crate::error::RuntimeError;
use crate::input::{CellSpan, RawTable, arrow_type_supported, header_positions, write_arrow_cell};
use crate::pipeline::RowCounts;
use crate::pipeline::memory::{self, MemoryInput};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StructArray};
use arrow::datatypes::{DataType, Fields};
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{EntitySchema, Program};

/// Households per chunk of parallel work.
pub const CHUNK_HOUSEHOLDS: usize = 8192;

/// The header of [`Evaluated::rejects_csv`].
pub const REJECTS_HEADER: &str = "file,line,household_id,field,reason\n";

/// A compiled policy ready to evaluate Arrow batches.
pub struct Evaluator {
    program: Program,
    jurisdictions: JurisdictionTable,
    counties: CountyTable,
    engine: Box<dyn Engine>,
    pool: rayon::ThreadPool,
    chunk_households: usize,
    file_names: [String; 3],
}

/// The results of one evaluation.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// Each output table (name, rows), in the policy's order.
    pub tables: Vec<(String, RecordBatch)>,
    /// `rejects.csv`'s rows without its header: households, then persons, then cases.
    pub rejects: Vec<u8>,
    /// Households, persons and cases read, accepted and rejected.
    pub counts: [RowCounts; 3],
}

impl Evaluated {
    /// The output table `name`.
    pub fn table(&self, name: &str) -> Option<&RecordBatch> {
        self.tables.iter().find(|(table, _)| table == name).map(|(_, batch)| batch)
    }

    /// The whole `rejects.csv` text, header included.
    pub fn rejects_csv(&self) -> String {
        format!("{REJECTS_HEADER}{}", String::from_utf8_lossy(&self.rejects))
    }
}

impl Evaluator {
    /// An evaluator of `program` with the county table of an as-of date, `engine` and
    /// `threads` worker threads.
    pub fn new(
        program: Program,
        jurisdictions: JurisdictionTable,
        counties: CountyTable,
        engine: Box<dyn Engine>,
        threads: usize,
    ) -> Result<Evaluator, RuntimeError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        Ok(Evaluator {
            program,
            jurisdictions,
            counties,
            engine,
            pool,
            chunk_households: CHUNK_HOUSEHOLDS,
            file_names: ["households".to_string(), "persons".to_string(), "cases".to_string()],
        })
    }

    /// The names rejects give the households', persons' and cases' rows (by default
    /// `households`, `persons`, `cases`; `pol run` gives the file names).
    pub fn with_file_names(mut self, households: &str, persons: &str, cases: &str) -> Evaluator {
        self.file_names = [households.to_string(), persons.to_string(), cases.to_string()];
        self
    }

    /// The same evaluator with other reject names (see [`Evaluator::with_file_names`]), for one
    /// evaluation: the policy and the engine are shared, not copied.
    pub fn with_file_names_ref<'a>(&'a self, households: &str, persons: &str, cases: &str) -> Named<'a> {
        Named { evaluator: self, file_names: [households.to_string(), persons.to_string(), cases.to_string()] }
    }

    /// The policy.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Evaluates households whose members are in a `persons` (and `cases`) list column.
    pub fn evaluate_nested(&self, households: &RecordBatch) -> Result<Evaluated, RuntimeError> {
        let input = nested_input(&self.program, households, &self.file_names)?;
        self.evaluate(&input)
    }

    /// Evaluates flat batches; persons (and cases) name their household by its id.
    pub fn evaluate_grouped(
        &self,
        households: &RecordBatch,
        persons: &RecordBatch,
        cases: Option<&RecordBatch>,
    ) -> Result<Evaluated, RuntimeError> {
        let [household_file, person_file, case_file] = &self.file_names;
        let program = &self.program;
        let input = MemoryInput {
            households: flat_table(households, household_file, &program.household)?,
            persons: flat_table(persons, person_file, &program.person)?,
            cases: cases.map(|cases| flat_table(cases, case_file, &program.case)).transpose()?,
            file_names: self.file_names.clone(),
        };
        self.evaluate(&input)
    }

    fn evaluate(&self, input: &MemoryInput) -> Result<Evaluated, RuntimeError> {
        let output = memory::evaluate(
            &self.program,
            &self.counties,
            &self.jurisdictions,
            self.engine.as_ref(),
            &self.pool,
            self.chunk_households,
            input,
        )?;
        Ok(Evaluated { tables: output.tables, rejects: output.rejects, counts: output.counts })
    }
}

/// An [`Evaluator`] borrowed with other reject names.
pub struct Named<'a> {
    evaluator: &'a Evaluator,
    file_names: [String; 3],
}

impl Named<'_> {
    /// [`Evaluator::evaluate_nested`] with these names.
    pub fn evaluate_nested(&self, households: &RecordBatch) -> Result<Evaluated, RuntimeError> {
        let input = nested_input(&self.evaluator.program, households, &self.file_names)?;
        self.evaluator.evaluate(&input)
    }
}

/// The rows of a nested household batch as cell tables.
pub(crate) fn nested_input(
    program: &Program,
    households: &RecordBatch,
    file_names: &[String; 3],
) -> Result<MemoryInput, RuntimeError> {
    let [household_file, person_file, case_file] = file_names;
    let household_table = flat_table(households, household_file, &program.household)?;
    let key = program.household.key.map(|key| key.0 as usize);
    let ids: Vec<Option<String>> = (0..household_table.len())
        .map(|row| {
            key.and_then(|key| crate::input::Layout::Cells.cell_text(&household_table, row, key))
                .map(|text| String::from_utf8_lossy(&text).into_owned())
        })
        .collect();
    let persons = member_table(households, "persons", household_file, person_file, &program.person, &ids)?
        .ok_or_else(|| missing_list(household_file, "persons"))?;
    let cases = if program.case.declared {
        member_table(households, "cases", household_file, case_file, &program.case, &ids)?
    } else {
        None
    };
    Ok(MemoryInput { households: household_table, persons, cases, file_names: file_names.clone() })
}

fn missing_list(file: &str, column: &str) -> RuntimeError {
    RuntimeError::MissingColumn {
        file: file.to_string(),
        column: column.to_string(),
        help: format!("give each household its members in a `{column}` column of type list<struct<…>>"),
        span: None,
        header: None,
        header_at: None,
    }
}

/// The members in list column `column` of `households`, one row per member in order, or
/// `None` when there is no such column.
fn member_table(
    households: &RecordBatch,
    column: &str,
    household_file: &str,
    file_name: &str,
    schema: &EntitySchema,
    ids: &[Option<String>],
) -> Result<Option<RawTable>, RuntimeError> {
    let Some(list) = households.column_by_name(column) else { return Ok(None) };
    let wrong_type = || RuntimeError::ColumnType {
        file: household_file.to_string(),
        column: column.to_string(),
        data_type: list.data_type().to_string(),
    };
    let (offsets, values): (Vec<(usize, usize)>, ArrayRef) = match list.data_type() {
        DataType::List(_) => {
            let list = list.as_list::<i32>();
            (ranges(list, list.value_offsets().iter().map(|offset| *offset as usize)), list.values().clone())
        }
        DataType::LargeList(_) => {
            let list = list.as_list::<i64>();
            (ranges(list, list.value_offsets().iter().map(|offset| *offset as usize)), list.values().clone())
        }
        _ => return Err(wrong_type()),
    };
    let Some(members) = values.as_struct_opt() else { return Err(wrong_type()) };
    let household_ref = schema.household_ref.map(|column| column.0 as usize);
    let columns = schema_columns(members.fields(), members.columns(), file_name, schema, household_ref)?;
    let mut table = RawTable::new(schema.columns.len());
    let mut bytes = Vec::new();
    let mut cells = Vec::new();
    let mut line = 2;
    for (household, (start, end)) in offsets.into_iter().enumerate() {
        let id = ids.get(household).and_then(Option::as_deref);
        for member in start..end {
            push_row(&mut table, &mut bytes, &mut cells, &columns, members, member, line, id);
            line += 1;
        }
    }
    Ok(Some(table))
}

/// The `(start, end)` of each list (empty for a null list).
fn ranges(list: &dyn Array, offsets: impl Iterator<Item = usize>) -> Vec<(usize, usize)> {
    let offsets: Vec<usize> = offsets.collect();
    offsets
        .windows(2)
        .enumerate()
        .map(|(row, pair)| match pair {
            [start, end] if !list.is_null(row) => (*start, *end),
            _ => (0, 0),
        })
        .collect()
}

/// The rows of a flat batch as a cell table.
fn flat_table(batch: &RecordBatch, file_name: &str, schema: &EntitySchema) -> Result<RawTable, RuntimeError> {
    let columns = schema_columns(batch.schema().fields(), batch.columns(), file_name, schema, None)?;
    let mut table = RawTable::new(schema.columns.len());
    let mut bytes = Vec::new();
    let mut cells = Vec::new();
    for row in 0..batch.num_rows() {
        push_row(&mut table, &mut bytes, &mut cells, &columns, &NoNulls, row, row as u64 + 2, None);
    }
    Ok(table)
}

/// Where the rows are null as a whole (a null member struct).
trait RowNulls {
    fn row_is_null(&self, row: usize) -> bool;
}

struct NoNulls;

impl RowNulls for NoNulls {
    fn row_is_null(&self, _row: usize) -> bool {
        false
    }
}

impl RowNulls for StructArray {
    fn row_is_null(&self, row: usize) -> bool {
        self.is_null(row)
    }
}

/// Appends row `row`: each schema column's cell from its array, or `fill` where the batch has
/// no such column (the household reference of a nested member).
#[expect(clippy::too_many_arguments, reason = "the context of one evaluation, passed as it is")]
fn push_row(
    table: &mut RawTable,
    bytes: &mut Vec<u8>,
    cells: &mut Vec<CellSpan>,
    columns: &[Option<ArrayRef>],
    nulls: &dyn RowNulls,
    row: usize,
    line: u64,
    fill: Option<&str>,
) {
    bytes.clear();
    cells.clear();
    let whole_null = nulls.row_is_null(row);
    for column in columns {
        let start = bytes.len();
        let present = match column {
            _ if whole_null => false,
            Some(array) => write_arrow_cell(array.as_ref(), row, bytes),
            None => match fill {
                Some(text) => {
                    bytes.extend_from_slice(text.as_bytes());
                    true
                }
                None => false,
            },
        };
        cells.push(if present { CellSpan::text(start, bytes.len()) } else { CellSpan::MISSING });
    }
    table.push(bytes, cells, line, None);
}

/// The array of each schema column (`None` for `optional`, the one column that may be absent),
/// checked as `pol run` checks a Parquet file's schema.
fn schema_columns(
    fields: &Fields,
    arrays: &[ArrayRef],
    file_name: &str,
    schema: &EntitySchema,
    optional: Option<usize>,
) -> Result<Vec<Option<ArrayRef>>, RuntimeError> {
    let mut header: Vec<String> = fields.iter().map(|field| field.name().clone()).collect();
    let n_fields = header.len();
    if let Some(column) = optional.and_then(|column| schema.columns.get(column))
        && !header.contains(&column.name)
    {
        header.push(column.name.clone());
    }
    let positions = header_positions(&header, file_name, schema)?;
    let mut columns = Vec::with_capacity(positions.len());
    for position in positions {
        if position >= n_fields {
            columns.push(None);
            continue;
        }
        let (Some(field), Some(array)) = (fields.get(position), arrays.get(position)) else {
            return Err(RuntimeError::internal("a column position beyond the batch"));
        };
        if !arrow_type_supported(field.data_type()) {
            return Err(RuntimeError::ColumnType {
                file: file_name.to_string(),
                column: field.name().clone(),
                data_type: field.data_type().to_string(),
            });
        }
        let array = if matches!(array.data_type(), DataType::Dictionary(..)) {
            arrow::compute::cast(array, &DataType::Utf8)
                .map_err(|error| RuntimeError::Parquet { file: file_name.to_string(), message: error.to_string() })?
        } else {
            array.clone()
        };
        columns.push(Some(array));
    }
    Ok(columns)
}
