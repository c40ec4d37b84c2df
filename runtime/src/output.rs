//! Output tables: rows formatted by the workers, written in order by the writer, committed
//! atomically.
//!
//! Each table of [`Program::outputs`] is written as `NAME.csv` (UTF-8, no BOM, a header row),
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
//! Everything is written into a staging directory inside the output directory and renamed into
//! place only when the whole run succeeded ([`Staging`]); a failed run removes it and leaves no
//! half-written file.

use crate::error::RuntimeError;
use crate::format;
use arrow::array::{ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};
use pol_grammar::ast::EntityKind;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The format of the output tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// `NAME.csv`.
    #[default]
    Csv,
    /// `NAME.jsonl`.
    Jsonl,
    /// `NAME.parquet`.
    Parquet,
}

impl OutputFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Parquet => "parquet",
        }
    }
}

/// One column of an output table.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    /// Header name.
    pub name: String,
    /// The rule's slot in its entity's result columns.
    pub slot: usize,
    /// The rule's type.
    pub ty: Ty,
    /// `"name":` for JSON lines.
    json_key: Vec<u8>,
}

/// How one output table is written.
#[derive(Debug, Clone)]
pub(crate) struct TablePlan {
    /// Table name.
    pub name: String,
    /// Entity of its rows.
    pub entity: EntityKind,
    /// Slot of the filter rule.
    pub filter: Option<usize>,
    /// Columns.
    pub columns: Vec<ColumnPlan>,
    /// Whether rows carry sort keys (written sorted at the end).
    pub keyed: bool,
    /// The format.
    pub format: OutputFormat,
    /// Arrow schema (Parquet).
    schema: SchemaRef,
}

impl TablePlan {
    /// The plans of every output of `program`; person tables are keyed when `persons_keyed`.
    pub(crate) fn of_program(
        program: &Program,
        format: OutputFormat,
        persons_keyed: bool,
    ) -> Result<Vec<TablePlan>, RuntimeError> {
        let mut plans = Vec::with_capacity(program.outputs.len());
        for output in &program.outputs {
            let slot_of = |rule_id| {
                let rule = program.rule(rule_id).ok_or_else(|| {
                    RuntimeError::internal(format!("output `{}` names a rule that does not exist", output.name))
                })?;
                if rule.entity != output.entity {
                    return Err(RuntimeError::internal(format!(
                        "output `{}` has a column of another entity",
                        output.name
                    )));
                }
                Ok((rule.slot as usize, rule.ty))
            };
            let filter = output.filter.map(slot_of).transpose()?.map(|(slot, _)| slot);
            let mut columns = Vec::with_capacity(output.columns.len());
            for (name, rule) in &output.columns {
                let (slot, ty) = slot_of(*rule)?;
                let mut json_key = Vec::new();
                format::write_json_string(&mut json_key, name);
                json_key.push(b':');
                columns.push(ColumnPlan { name: name.clone(), slot, ty, json_key });
            }
            let fields: Vec<Field> =
                columns.iter().map(|column| Field::new(column.name.clone(), arrow_type(column.ty), false)).collect();
            let keyed = match output.entity {
                EntityKind::Household => false,
                EntityKind::Person => persons_keyed,
                EntityKind::Case => true,
            };
            plans.push(TablePlan {
                name: output.name.clone(),
                entity: output.entity,
                filter,
                columns,
                keyed,
                format,
                schema: Arc::new(Schema::new(fields)),
            });
        }
        Ok(plans)
    }

    /// The file name, e.g. `household_results.csv`.
    pub(crate) fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.format.extension())
    }
}

/// The Arrow type a word type is written as.
fn arrow_type(ty: Ty) -> DataType {
    match ty {
        Ty::Bool => DataType::Boolean,
        Ty::Int => DataType::Int64,
        Ty::Money(_) => DataType::Decimal128(19, 2),
        Ty::Ratio => DataType::Decimal128(19, 9),
        Ty::Date => DataType::Date32,
        Ty::Enum(_) | Ty::Text => DataType::Utf8,
    }
}

/// The rows of one table from one chunk.
#[derive(Debug)]
pub(crate) enum TablePart {
    /// CSV or JSON-lines text; `ends`/`keys` are filled when the table is keyed.
    Text {
        /// Rows, one after the other.
        bytes: Vec<u8>,
        /// End of each row in `bytes` (keyed tables).
        ends: Vec<usize>,
        /// Sort key of each row (keyed tables).
        keys: Vec<u64>,
    },
    /// Parquet columns.
    Arrow {
        /// The rows.
        batch: RecordBatch,
        /// Sort key of each row (keyed tables).
        keys: Vec<u64>,
    },
}

/// One Arrow column being built.
#[derive(Debug)]
enum ColumnBuilder {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Decimal(Vec<i128>, u8, i8),
    Date(Vec<i32>),
    Text(StringBuilder),
}

/// Builds one table's rows of a chunk.
#[derive(Debug)]
pub(crate) struct PartBuilder {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    keys: Vec<u64>,
    arrow: Vec<ColumnBuilder>,
    scratch: Vec<u8>,
}

impl PartBuilder {
    /// An empty part for `plan`.
    pub(crate) fn new(plan: &TablePlan) -> PartBuilder {
        let arrow = if plan.format == OutputFormat::Parquet {
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
        } else {
            Vec::new()
        };
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
    ) {
        let word = |slot: usize| results.get(slot).and_then(|column| column.get(row)).copied().unwrap_or(0);
        match plan.format {
            OutputFormat::Csv => {
                let out = &mut self.bytes;
                for (index, column) in plan.columns.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    let value = word(column.slot);
                    // The usual column types are written here, without a call to the general
                    // `write_word` (whose entry and exit cost more than writing `0.00`).
                    match column.ty {
                        Ty::Money(_) => format::write_money(out, value),
                        Ty::Bool => format::write_bool(out, value),
                        Ty::Int => format::write_int(out, value),
                        Ty::Text => {
                            let start = out.len();
                            out.extend_from_slice(texts.render(value).as_bytes());
                            format::quote_csv_tail(out, start);
                        }
                        ty => format::write_word(out, program, texts, ty, value),
                    }
                }
                out.push(b'\n');
            }
            OutputFormat::Jsonl => {
                self.bytes.push(b'{');
                for (index, column) in plan.columns.iter().enumerate() {
                    if index > 0 {
                        self.bytes.push(b',');
                    }
                    self.bytes.extend_from_slice(&column.json_key);
                    let value = word(column.slot);
                    match column.ty {
                        Ty::Int => format::write_int(&mut self.bytes, value),
                        Ty::Bool => format::write_bool(&mut self.bytes, value),
                        ty => {
                            self.scratch.clear();
                            format::write_word(&mut self.scratch, program, texts, ty, value);
                            let text = String::from_utf8_lossy(&self.scratch);
                            format::write_json_string(&mut self.bytes, &text);
                        }
                    }
                }
                self.bytes.extend_from_slice(b"}\n");
            }
            OutputFormat::Parquet => {
                for (builder, column) in self.arrow.iter_mut().zip(&plan.columns) {
                    let value = word(column.slot);
                    match builder {
                        ColumnBuilder::Bool(values) => values.push(value != 0),
                        ColumnBuilder::Int(values) => values.push(value),
                        ColumnBuilder::Decimal(values, _, _) => values.push(i128::from(value)),
                        // Dates come from input days, parameters and as_of: all within 0001–9999.
                        ColumnBuilder::Date(values) => values.push(i32::try_from(value).unwrap_or(i32::MAX)),
                        ColumnBuilder::Text(values) => {
                            self.scratch.clear();
                            format::write_word(&mut self.scratch, program, texts, column.ty, value);
                            values.append_value(String::from_utf8_lossy(&self.scratch));
                        }
                    }
                }
            }
        }
        if plan.keyed {
            self.ends.push(self.bytes.len());
            self.keys.push(key);
        }
    }

    /// The finished part.
    pub(crate) fn finish(self, plan: &TablePlan) -> Result<TablePart, RuntimeError> {
        if plan.format != OutputFormat::Parquet {
            return Ok(TablePart::Text { bytes: self.bytes, ends: self.ends, keys: self.keys });
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.arrow.len());
        for builder in self.arrow {
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
        let batch = RecordBatch::try_new(plan.schema.clone(), arrays)
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        Ok(TablePart::Arrow { batch, keys: self.keys })
    }
}

/// Where one output table goes.
pub(crate) struct TableSink {
    path: PathBuf,
    kind: SinkKind,
    rows: u64,
}

enum SinkKind {
    Text(BufWriter<File>),
    Parquet(Box<ArrowWriter<File>>),
    Sorted(Vec<TablePart>),
}

/// Size of output buffers.
const WRITE_BUFFER: usize = 1 << 20;

impl TableSink {
    /// Creates the table's file at `path` and writes its header.
    pub(crate) fn create(path: PathBuf, plan: &TablePlan) -> Result<TableSink, RuntimeError> {
        if plan.keyed {
            return Ok(TableSink { path, kind: SinkKind::Sorted(Vec::new()), rows: 0 });
        }
        let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
        let kind = match plan.format {
            OutputFormat::Csv | OutputFormat::Jsonl => {
                let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
                if plan.format == OutputFormat::Csv {
                    writer.write_all(&csv_header(plan)).map_err(|error| RuntimeError::write(&path, &error))?;
                }
                SinkKind::Text(writer)
            }
            OutputFormat::Parquet => {
                let writer = ArrowWriter::try_new(file, plan.schema.clone(), Some(parquet_properties()))
                    .map_err(|error| RuntimeError::write(&path, &error))?;
                SinkKind::Parquet(Box::new(writer))
            }
        };
        Ok(TableSink { path, kind, rows: 0 })
    }

    /// Appends a chunk's rows.
    pub(crate) fn append(&mut self, part: TablePart) -> Result<(), RuntimeError> {
        match (&mut self.kind, part) {
            (SinkKind::Sorted(parts), part) => parts.push(part),
            (SinkKind::Text(writer), TablePart::Text { bytes, .. }) => {
                writer.write_all(&bytes).map_err(|error| RuntimeError::write(&self.path, &error))?;
            }
            (SinkKind::Parquet(writer), TablePart::Arrow { batch, .. }) => {
                self.rows += batch.num_rows() as u64;
                if batch.num_rows() > 0 {
                    writer.write(&batch).map_err(|error| RuntimeError::write(&self.path, &error))?;
                }
            }
            _ => return Err(RuntimeError::internal("an output part of the wrong format")),
        }
        Ok(())
    }

    /// Writes what is buffered (sorted tables: every row, by key) and closes the file.
    pub(crate) fn finish(self, plan: &TablePlan) -> Result<(), RuntimeError> {
        let path = self.path;
        match self.kind {
            SinkKind::Text(mut writer) => writer.flush().map_err(|error| RuntimeError::write(&path, &error)),
            SinkKind::Parquet(writer) => writer.close().map(|_| ()).map_err(|error| RuntimeError::write(&path, &error)),
            SinkKind::Sorted(parts) => write_sorted(&path, plan, parts),
        }
    }
}

/// The CSV header of a table.
fn csv_header(plan: &TablePlan) -> Vec<u8> {
    let mut header = Vec::new();
    for (index, column) in plan.columns.iter().enumerate() {
        if index > 0 {
            header.push(b',');
        }
        format::write_csv_field(&mut header, column.name.as_bytes());
    }
    header.push(b'\n');
    header
}

fn parquet_properties() -> parquet::file::properties::WriterProperties {
    parquet::file::properties::WriterProperties::builder().set_compression(parquet::basic::Compression::SNAPPY).build()
}

/// Writes keyed parts sorted by key (stable: equal keys keep their order).
fn write_sorted(path: &Path, plan: &TablePlan, parts: Vec<TablePart>) -> Result<(), RuntimeError> {
    let file = File::create(path).map_err(|error| RuntimeError::write(path, &error))?;
    if plan.format == OutputFormat::Parquet {
        let mut batches = Vec::new();
        let mut keys = Vec::new();
        for part in parts {
            if let TablePart::Arrow { batch, keys: part_keys } = part {
                batches.push(batch);
                keys.extend(part_keys);
            }
        }
        let all = arrow::compute::concat_batches(&plan.schema, &batches)
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        let mut order: Vec<u32> = (0..u32::try_from(keys.len()).unwrap_or(u32::MAX)).collect();
        order.sort_by_key(|row| keys.get(*row as usize).copied().unwrap_or(u64::MAX));
        let indices = arrow::array::UInt32Array::from(order);
        let sorted = arrow::compute::take_record_batch(&all, &indices)
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        let mut writer = ArrowWriter::try_new(file, plan.schema.clone(), Some(parquet_properties()))
            .map_err(|error| RuntimeError::write(path, &error))?;
        if sorted.num_rows() > 0 {
            writer.write(&sorted).map_err(|error| RuntimeError::write(path, &error))?;
        }
        writer.close().map_err(|error| RuntimeError::write(path, &error))?;
        return Ok(());
    }
    let mut rows: Vec<(u64, &[u8])> = Vec::new();
    for part in &parts {
        if let TablePart::Text { bytes, ends, keys } = part {
            let mut start = 0;
            for (end, key) in ends.iter().zip(keys) {
                rows.push((*key, bytes.get(start..*end).unwrap_or(&[])));
                start = *end;
            }
        }
    }
    rows.sort_by_key(|(key, _)| *key);
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
    let result = (|| {
        if plan.format == OutputFormat::Csv {
            writer.write_all(&csv_header(plan))?;
        }
        for (_, row) in rows {
            writer.write_all(row)?;
        }
        writer.flush()
    })();
    result.map_err(|error| RuntimeError::write(path, &error))
}

/// A staging directory inside the output directory: files are written there and renamed into
/// the output directory by [`Staging::commit`]. Dropped without commit, it removes itself.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    files: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Creates `out_dir` if needed and a fresh staging directory in it.
    pub(crate) fn create(out_dir: &Path) -> Result<Staging, RuntimeError> {
        std::fs::create_dir_all(out_dir).map_err(|error| RuntimeError::write(out_dir, &error))?;
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
        let dir = out_dir.join(format!(".pol-run-{}-{stamp}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|error| RuntimeError::write(&dir, &error))?;
        Ok(Staging { dir, out_dir: out_dir.to_path_buf(), files: Vec::new(), committed: false })
    }

    /// The staging path of an output file named `name`; the file is committed with the others.
    pub(crate) fn file(&mut self, name: &str) -> PathBuf {
        if !self.files.iter().any(|file| file == name) {
            self.files.push(name.to_string());
        }
        self.dir.join(name)
    }

    /// A scratch file in the staging directory that is not committed.
    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves every output file into the output directory and removes the staging directory;
    /// returns the final paths.
    pub(crate) fn commit(mut self) -> Result<Vec<PathBuf>, RuntimeError> {
        let mut paths = Vec::with_capacity(self.files.len());
        for name in &self.files {
            let target = self.out_dir.join(name);
            std::fs::rename(self.dir.join(name), &target).map_err(|error| RuntimeError::write(&target, &error))?;
            paths.push(target);
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(paths)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
