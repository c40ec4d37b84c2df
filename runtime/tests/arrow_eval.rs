//! Arrow-native evaluation (`pol_runtime::arrow_eval`): the CSV inputs turned into Arrow
//! batches, flat (grouped by household) or nested (members in list columns), evaluate to exactly
//! the tables `pol run --output-format parquet` writes, row by row, and the same rejects.

use crate::support::*;
use arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields};
use pol_compiler::interp::Interpreter;
use pol_runtime::OutputFormat;
use pol_runtime::arrow_eval::{CHUNK_HOUSEHOLDS, Evaluated, Evaluator};
use std::collections::HashMap;
use std::sync::Arc;

/// The rows of a CSV text (header first).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|record| record.unwrap().iter().map(str::to_string).collect()).collect()
}

/// Rows as a batch of string columns.
fn string_batch(header: &[String], rows: &[Vec<String>]) -> RecordBatch {
    let columns: Vec<(String, ArrayRef)> = header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let values: Vec<Option<String>> = rows.iter().map(|row| row.get(index).cloned()).collect();
            (name.clone(), Arc::new(StringArray::from(values)) as ArrayRef)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap()
}

fn csv_batch(text: &str) -> RecordBatch {
    let rows = csv_rows(text);
    string_batch(&rows[0], &rows[1..])
}

fn evaluator(compiled: &Compiled, threads: usize) -> Evaluator {
    let engine = Box::new(Interpreter::new(&compiled.program));
    Evaluator::new(compiled.program.clone(), compiled.jurisdictions.clone(), compiled.counties.clone(), engine, threads)
        .unwrap()
        .with_file_names("households.csv", "persons.csv", "cases.csv")
}

/// Runs `pol run --output-format parquet` over the CSV files of `inputs` (persons from
/// `persons`, cases from `cases`) and returns each output table as one batch, and rejects.csv.
fn pol_run(compiled: &Compiled, inputs: &Inputs, persons: &str, cases: &str, out: &str) -> (Vec<RecordBatch>, String) {
    pol_run_on(compiled, inputs, "households.csv", persons, cases, out)
}

/// [`pol_run`] with the households from `households`.
fn pol_run_on(
    compiled: &Compiled,
    inputs: &Inputs,
    households: &str,
    persons: &str,
    cases: &str,
    out: &str,
) -> (Vec<RecordBatch>, String) {
    let mut options = options(compiled, inputs, households, persons, Some(cases), out);
    options.output_format = OutputFormat::Parquet;
    options.chunk_households = 100;
    run_ok(compiled, &options);
    let mut tables = Vec::new();
    for output in &compiled.program.outputs {
        let file = std::fs::File::open(inputs.path(&format!("{out}/{}.parquet", output.name))).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let schema = reader.schema().clone();
        let batches: Vec<RecordBatch> = reader.build().unwrap().map(Result::unwrap).collect();
        tables.push(arrow::compute::concat_batches(&schema, &batches).unwrap());
    }
    (tables, inputs.read(&format!("{out}/rejects.csv")))
}

/// The evaluated tables equal `pol run`'s, column by column and row by row.
fn assert_same(compiled: &Compiled, evaluated: &Evaluated, expected: &(Vec<RecordBatch>, String)) {
    assert_eq!(evaluated.tables.len(), compiled.program.outputs.len());
    assert_eq!(evaluated.rejects_csv(), expected.1);
    for (table, file) in evaluated.tables.iter().zip(&expected.0) {
        let name = &table.name;
        assert!(table.batches.iter().all(|batch| batch.schema() == table.schema && batch.num_rows() > 0), "{name}");
        let batch = table.concat().unwrap();
        assert_eq!(batch.num_rows(), file.num_rows(), "{name}");
        assert_eq!(table.num_rows(), file.num_rows(), "{name}");
        let fields: Vec<(String, DataType)> =
            batch.schema().fields().iter().map(|field| (field.name().clone(), field.data_type().clone())).collect();
        let file_fields: Vec<(String, DataType)> =
            file.schema().fields().iter().map(|field| (field.name().clone(), field.data_type().clone())).collect();
        assert_eq!(fields, file_fields, "{name}");
        for (column, (ours, theirs)) in batch.columns().iter().zip(file.columns()).enumerate() {
            assert_eq!(ours.to_data(), theirs.to_data(), "{name} column {column}");
        }
    }
    assert_eq!(evaluated.rejects_csv(), expected.1);
}

/// Persons (and cases) under their household: a `list<struct>` column each. Members whose
/// household is not among the households are left out (they cannot be nested); the members
/// kept, in nested order, are returned as CSV texts for `pol run`.
fn nest(households: &str, persons: &str, cases: &str, drop_reference: bool) -> (RecordBatch, String, String) {
    nest_moving(households, persons, cases, drop_reference, false)
}

/// [`nest`], and when `moved`, the first person listed names the last household as its own.
fn nest_moving(
    households: &str,
    persons: &str,
    cases: &str,
    drop_reference: bool,
    moved: bool,
) -> (RecordBatch, String, String) {
    let household_rows = csv_rows(households);
    let mut batch = csv_batch(households);
    let mut first: HashMap<String, usize> = HashMap::new();
    for (index, row) in household_rows[1..].iter().enumerate() {
        first.entry(row[0].clone()).or_insert(index);
    }
    let mut texts = Vec::new();
    for (name, members) in [("persons", persons), ("cases", cases)] {
        let rows = csv_rows(members);
        let header = rows[0].clone();
        let reference = header.iter().position(|column| column == "household_id").unwrap();
        let mut lists: Vec<Vec<Vec<String>>> = vec![Vec::new(); household_rows.len() - 1];
        for row in &rows[1..] {
            if let Some(household) = first.get(&row[reference]) {
                lists[*household].push(row.clone());
            }
        }
        let mut flat: Vec<Vec<String>> = lists.iter().flatten().cloned().collect();
        if moved && name == "persons" {
            flat[0][reference] = household_rows.last().unwrap()[0].clone();
        }
        let mut text = csv::Writer::from_writer(Vec::new());
        text.write_record(&header).unwrap();
        for row in &flat {
            text.write_record(row).unwrap();
        }
        texts.push(String::from_utf8(text.into_inner().unwrap()).unwrap());
        let mut struct_batch = string_batch(&header, &flat);
        if drop_reference && name == "persons" {
            struct_batch.remove_column(reference);
        }
        let fields: Fields = struct_batch.schema().fields().clone();
        let values = StructArray::new(fields.clone(), struct_batch.columns().to_vec(), None);
        let offsets = OffsetBuffer::from_lengths(lists.iter().map(Vec::len));
        let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
        let list = ListArray::new(item.clone(), offsets, Arc::new(values), None);
        let mut columns: Vec<(String, ArrayRef)> = batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| (field.name().clone(), column.clone()))
            .collect();
        columns.push((name.to_string(), Arc::new(list)));
        batch = RecordBatch::try_from_iter(columns).unwrap();
    }
    let cases_text = texts.pop().unwrap();
    let persons_text = texts.pop().unwrap();
    (batch, persons_text, cases_text)
}

/// Both layouts against `pol run` on the CSV texts in `inputs`, by an evaluator of the default
/// chunk size and by one of chunks of 97 households (outputs in many batches).
fn check_layouts(compiled: &Compiled, inputs: &Inputs) {
    let households = inputs.read("households.csv");
    let persons = inputs.read("persons.csv");
    let cases = inputs.read("cases.csv");
    let evaluators = [evaluator(compiled, 2), evaluator(compiled, 2).with_chunk_households(97)];
    let flat = pol_run(compiled, inputs, "persons.csv", "cases.csv", "flat");
    for evaluator in &evaluators {
        let grouped = evaluator
            .evaluate_grouped(&csv_batch(&households), &csv_batch(&persons), Some(&csv_batch(&cases)))
            .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
        assert_same(compiled, &grouped, &flat);
    }
    for drop_reference in [false, true] {
        let (nested, nested_persons, nested_cases) = nest(&households, &persons, &cases, drop_reference);
        inputs.write("nested_persons.csv", nested_persons);
        inputs.write("nested_cases.csv", nested_cases);
        let expected = pol_run(compiled, inputs, "nested_persons.csv", "nested_cases.csv", "nested");
        for (evaluator, chunk) in evaluators.iter().zip([CHUNK_HOUSEHOLDS, 97]) {
            let evaluated = evaluator
                .with_file_names_ref("households.csv", "nested_persons.csv", "nested_cases.csv")
                .evaluate_nested(&nested)
                .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
            assert_same(compiled, &evaluated, &expected);
            // The chunks' batches come back as they are: one per chunk with rows.
            let results = evaluated.table("household_results").unwrap();
            assert!(results.batches.iter().all(|batch| batch.num_rows() <= chunk));
            assert_eq!(results.batches.len() > 1, results.num_rows() > chunk);
        }
    }
}

#[test]
fn arrow_batches_evaluate_as_pol_run_on_the_examples() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for name in ["households", "persons", "cases"] {
        inputs.write(&format!("{name}.csv"), std::fs::read(examples.join(format!("{name}.csv"))).unwrap());
    }
    check_layouts(&compiled, &inputs);
}

#[test]
fn a_nested_member_naming_another_household_belongs_to_that_household() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 300, 0.0, 21);
    let (households, persons, cases) =
        (inputs.read("households.csv"), inputs.read("persons.csv"), inputs.read("cases.csv"));
    let (nested, nested_persons, nested_cases) = nest_moving(&households, &persons, &cases, false, true);
    inputs.write("nested_persons.csv", nested_persons);
    inputs.write("nested_cases.csv", nested_cases);
    let expected = pol_run(&compiled, &inputs, "nested_persons.csv", "nested_cases.csv", "nested");
    let evaluated = evaluator(&compiled, 2)
        .with_file_names_ref("households.csv", "nested_persons.csv", "nested_cases.csv")
        .evaluate_nested(&nested)
        .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    assert_same(&compiled, &evaluated, &expected);
}

#[test]
fn arrow_batches_evaluate_as_pol_run_on_generated_data_with_bad_rows() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 1_500, 0.05, 14);
    check_layouts(&compiled, &inputs);
}

fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    bytes
}

/// `pol run` over `households` (with `persons`, `cases` when given) into `out`: status, stderr.
fn cli_run(
    inputs: &Inputs,
    households: &str,
    persons: Option<&str>,
    cases: Option<&str>,
    out: &str,
) -> (pol_runtime::commands::Status, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let command = pol_runtime::commands::run::RunCommand {
        policy: root.join("policies/shaanxi"),
        households: inputs.path(households),
        persons: persons.map(|name| inputs.path(name)),
        cases: cases.map(|name| inputs.path(name)),
        as_of: as_of(),
        out: inputs.path(out),
        engine: pol_runtime::commands::EngineChoice::Jit,
        threads: Some(2),
        timings: false,
        output_format: OutputFormat::Csv,
        scenario: None,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status =
        pol_runtime::commands::run::run(&command, pol_runtime::commands::ErrorFormat::Plain, &mut stdout, &mut stderr);
    (status, String::from_utf8_lossy(&stderr).into_owned())
}

#[test]
fn pol_run_reads_the_nested_layout_as_the_flat_files() {
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 1_200, 0.05, 7);
    let (households, persons, cases) =
        (inputs.read("households.csv"), inputs.read("persons.csv"), inputs.read("cases.csv"));
    for drop_reference in [false, true] {
        let (nested, nested_persons, nested_cases) = nest(&households, &persons, &cases, drop_reference);
        inputs.write("nested.parquet", parquet_bytes(&nested));
        inputs.write("nested_persons.csv", nested_persons);
        inputs.write("nested_cases.csv", nested_cases);
        let (status, stderr) =
            cli_run(&inputs, "households.csv", Some("nested_persons.csv"), Some("nested_cases.csv"), "flat");
        assert_eq!(status, pol_runtime::commands::Status::Success, "{stderr}");
        let (status, stderr) = cli_run(&inputs, "nested.parquet", None, None, "nested");
        assert_eq!(status, pol_runtime::commands::Status::Success, "{stderr}");
        let flat = dir_files(&inputs.path("flat"));
        let nested = dir_files(&inputs.path("nested"));
        assert_eq!(flat.len(), nested.len());
        for ((name, flat), (nested_name, nested)) in flat.iter().zip(&nested) {
            assert_eq!(name, nested_name);
            let (flat, nested) = (String::from_utf8_lossy(flat), String::from_utf8_lossy(nested));
            if name == "rejects.csv" {
                // The rows are the same; members are named after the file that holds them.
                let renamed = flat
                    .replace("households.csv,", "nested.parquet,")
                    .replace("nested_persons.csv,", "nested.parquet,")
                    .replace("nested_cases.csv,", "nested.parquet,");
                assert_eq!(renamed, nested, "{name}");
            } else if name.ends_with(".csv") {
                assert_eq!(flat, nested, "{name}");
            }
        }
    }
}

#[test]
fn pol_run_without_persons_on_a_flat_households_file_says_how_to_fix_it() {
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 20, 0.0, 7);
    let (status, stderr) = cli_run(&inputs, "households.csv", None, None, "out");
    assert_eq!(status, pol_runtime::commands::Status::Failure);
    insta::assert_snapshot!("no_persons", stderr);
}

// ---- Typed columns ----------------------------------------------------------------------------

/// A small seeded generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One typed cell, as a data platform would hold it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Text(String),
    Int(i64),
    /// A decimal: the unscaled value and the scale.
    Decimal(i128, i8),
    Float(f64),
    Bool(bool),
    Day(i32),
}

impl Value {
    /// The cell's text as the file readers make it (the test's own rendering: decimals with
    /// exactly their scale's digits, floats as their shortest text, days `YYYY-MM-DD`).
    fn text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Text(text) => text.clone(),
            Value::Int(value) => value.to_string(),
            Value::Decimal(value, scale) => {
                let scale = u32::try_from(*scale).unwrap();
                let magnitude = value.unsigned_abs();
                let unit = 10u128.pow(scale);
                let sign = if *value < 0 { "-" } else { "" };
                if scale == 0 {
                    format!("{sign}{magnitude}")
                } else {
                    format!("{sign}{}.{:0width$}", magnitude / unit, magnitude % unit, width = scale as usize)
                }
            }
            Value::Float(value) => format!("{value}"),
            Value::Bool(value) => value.to_string(),
            Value::Day(days) => pol_compiler::date::format_iso(i64::from(*days)),
        })
    }
}

/// The Arrow type a generated column is held in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Held {
    Utf8,
    LargeUtf8,
    Dictionary,
    Int64,
    Int32,
    Decimal(i8),
    Float64,
    Boolean,
    Date32,
}

/// A typed column: its values and how it is held.
fn typed_array(held: Held, values: &[Value]) -> ArrayRef {
    use arrow::array::*;
    let text = |value: &Value| value.text();
    match held {
        Held::Utf8 => Arc::new(StringArray::from(values.iter().map(text).collect::<Vec<_>>())),
        Held::LargeUtf8 => Arc::new(LargeStringArray::from(values.iter().map(text).collect::<Vec<_>>())),
        Held::Dictionary => {
            let texts: Vec<Option<String>> = values.iter().map(text).collect();
            Arc::new(texts.iter().map(Option::as_deref).collect::<DictionaryArray<arrow::datatypes::Int32Type>>())
        }
        Held::Int64 | Held::Int32 => {
            let ints: Vec<Option<i64>> = values
                .iter()
                .map(|value| match value {
                    Value::Int(value) => Some(*value),
                    _ => None,
                })
                .collect();
            match held {
                Held::Int64 => Arc::new(Int64Array::from(ints)),
                Held::Int32 => Arc::new(Int32Array::from(
                    ints.iter().map(|v| v.map(|v| i32::try_from(v).unwrap())).collect::<Vec<_>>(),
                )),
                _ => Arc::new(Int32Array::from(
                    ints.iter().map(|v| v.map(|v| i32::try_from(v).unwrap())).collect::<Vec<_>>(),
                )),
            }
        }
        Held::Decimal(scale) => Arc::new(
            Decimal128Array::from(
                values
                    .iter()
                    .map(|value| match value {
                        Value::Decimal(value, _) => Some(*value),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
            .with_precision_and_scale(20, scale)
            .unwrap(),
        ),
        Held::Float64 => Arc::new(Float64Array::from(
            values
                .iter()
                .map(|value| match value {
                    Value::Float(value) => Some(*value),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Held::Boolean => Arc::new(BooleanArray::from(
            values
                .iter()
                .map(|value| match value {
                    Value::Bool(value) => Some(*value),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Held::Date32 => Arc::new(Date32Array::from(
            values
                .iter()
                .map(|value| match value {
                    Value::Day(days) => Some(*days),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
    }
}

/// A generated table: its header, how each column is held, and its rows of values.
struct TypedTable {
    header: Vec<String>,
    held: Vec<Held>,
    rows: Vec<Vec<Value>>,
}

impl TypedTable {
    /// The CSV rows typed by `schema`'s declarations, each column held in a type chosen by
    /// `rng`; about `bad` of the rows get one bad value a typed column can hold (a negative
    /// amount, a float amount with three decimals, an integer out of range, a null where a value
    /// is required, a word no enum has, a control character in a text, a date outside
    /// 0000–9999).
    fn from_csv(text: &str, schema: &pol_compiler::tir::EntitySchema, rng: &mut Rng, bad: f64) -> TypedTable {
        use pol_compiler::tir::{ColumnTy, Ty};
        let rows = csv_rows(text);
        let header = rows[0].clone();
        let declared: Vec<Option<&pol_compiler::tir::Column>> =
            header.iter().map(|name| schema.columns.iter().find(|column| column.name == *name)).collect();
        let held: Vec<Held> = declared
            .iter()
            .map(|column| match column.map(|column| column.ty) {
                Some(ColumnTy::Value(Ty::Money(_))) => {
                    [Held::Decimal(2), Held::Float64, Held::Decimal(1)][rng.below(3) as usize]
                }
                Some(ColumnTy::Value(Ty::Ratio)) => Held::Decimal(9),
                Some(ColumnTy::Value(Ty::Int)) => [Held::Int64, Held::Int32][rng.below(2) as usize],
                Some(ColumnTy::Value(Ty::Bool)) => Held::Boolean,
                Some(ColumnTy::Value(Ty::Date)) => Held::Date32,
                Some(ColumnTy::Value(Ty::Enum(_))) => [Held::Utf8, Held::Dictionary][rng.below(2) as usize],
                Some(ColumnTy::County) => [Held::Utf8, Held::LargeUtf8, Held::Int64][rng.below(3) as usize],
                _ => [Held::Utf8, Held::LargeUtf8][rng.below(2) as usize],
            })
            .collect();
        let mut typed_rows = Vec::new();
        for row in &rows[1..] {
            let mut values: Vec<Value> = row
                .iter()
                .zip(&held)
                .map(|(cell, held)| match held {
                    Held::Decimal(scale) => {
                        let fen = money_fen(cell);
                        // Scale 1 holds whole jiao only: round to it (the value differs, the
                        // text path and the typed path see the same one).
                        match scale {
                            1 => Value::Decimal(fen / 10, 1),
                            9 => Value::Decimal(fen * 10_000_000, 9),
                            _ => Value::Decimal(fen, 2),
                        }
                    }
                    Held::Float64 => Value::Float(cell.parse().unwrap()),
                    Held::Int64 | Held::Int32 => Value::Int(cell.parse().unwrap()),
                    Held::Boolean => Value::Bool(cell == "true"),
                    Held::Date32 => Value::Day(i32::try_from(pol_compiler::date::parse_iso(cell).unwrap()).unwrap()),
                    Held::Utf8 | Held::LargeUtf8 | Held::Dictionary => Value::Text(cell.clone()),
                })
                .collect();
            if (rng.below(10_000) as f64) < bad * 10_000.0 {
                let column = rng.below(values.len() as u64) as usize;
                let range = declared[column].and_then(|column| column.range);
                values[column] = match (&values[column], rng.below(3)) {
                    (_, 0) => Value::Null,
                    (Value::Decimal(value, scale), 1) => Value::Decimal(-value - 1, *scale),
                    (Value::Decimal(value, scale), _) => Value::Decimal(-value, *scale),
                    (Value::Float(value), 1) => Value::Float(-value - 0.5),
                    (Value::Float(value), _) => Value::Float(value + 0.125),
                    (Value::Int(_), 1) => Value::Int(-1),
                    (Value::Int(_), _) => Value::Int(range.map_or(i64::from(i32::MAX), |(_, high)| high + 1)),
                    (Value::Day(_), 1) => Value::Day(-800_000),
                    (Value::Day(days), _) => Value::Day(days + 30_000),
                    (Value::Text(_), 1) => Value::Text("unknown".to_string()),
                    (Value::Text(text), _) => Value::Text(format!("{text}\u{7}")),
                    (Value::Bool(value), _) => Value::Bool(!value),
                    (Value::Null, _) => Value::Null,
                };
            }
            typed_rows.push(values);
        }
        TypedTable { header, held, rows: typed_rows }
    }

    fn column_values(&self, column: usize) -> Vec<Value> {
        self.rows.iter().map(|row| row[column].clone()).collect()
    }

    fn batch(&self) -> RecordBatch {
        let columns: Vec<(String, ArrayRef)> = (0..self.header.len())
            .map(|column| (self.header[column].clone(), typed_array(self.held[column], &self.column_values(column))))
            .collect();
        RecordBatch::try_from_iter(columns).unwrap()
    }

    /// The rows as JSON lines: each cell its text as a string, a null as `null`. An empty
    /// first line puts row `i` on line `i + 2`, where a batch's row `i` is.
    fn jsonl(&self) -> String {
        let mut out = String::from("\n");
        for row in &self.rows {
            let object: serde_json::Map<String, serde_json::Value> = self
                .header
                .iter()
                .zip(row)
                .map(|(name, value)| {
                    (name.clone(), value.text().map_or(serde_json::Value::Null, serde_json::Value::String))
                })
                .collect();
            out.push_str(&serde_json::Value::Object(object).to_string());
            out.push('\n');
        }
        out
    }
}

/// A CSV amount in fen.
fn money_fen(text: &str) -> i128 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = format!("{fraction:0<2}");
    whole.parse::<i128>().unwrap() * 100 + fraction.parse::<i128>().unwrap()
}

/// Typed household, person and case batches (flat and nested) evaluate to `pol run`'s tables
/// and rejects on the same values written as text (JSON lines), bad values included.
fn check_typed(seed: u64, households: u64, bad: f64) -> String {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, households, 0.0, seed);
    let mut rng = Rng(seed);
    let program = &compiled.program;
    let tables = [
        TypedTable::from_csv(&inputs.read("households.csv"), &program.household, &mut rng, bad),
        TypedTable::from_csv(&inputs.read("persons.csv"), &program.person, &mut rng, bad),
        TypedTable::from_csv(&inputs.read("cases.csv"), &program.case, &mut rng, bad),
    ];
    for (table, name) in tables.iter().zip(["households.jsonl", "persons.jsonl", "cases.jsonl"]) {
        inputs.write(name, table.jsonl());
    }
    let expected = pol_run_on(&compiled, &inputs, "households.jsonl", "persons.jsonl", "cases.jsonl", "typed");
    let evaluator = evaluator(&compiled, 2);
    let named = evaluator.with_file_names_ref("households.jsonl", "persons.jsonl", "cases.jsonl");
    let [households, persons, cases] = tables.each_ref().map(TypedTable::batch);
    let evaluated = named
        .evaluate_grouped(&households, &persons, Some(&cases))
        .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    assert!(expected.1.lines().count() > 1 || bad == 0.0, "some rows are rejected");
    assert_same(&compiled, &evaluated, &expected);
    // The same rows nested: members in list columns, with or without their household_id.
    let index: HashMap<String, usize> = tables[0]
        .rows
        .iter()
        .enumerate()
        .rev()
        .filter_map(|(row, values)| values[0].text().map(|id| (id, row)))
        .collect();
    let mut nested_columns: Vec<(String, ArrayRef)> = households
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .zip(households.columns().to_vec())
        .collect();
    let mut texts = Vec::new();
    for (table, name) in [(&tables[1], "persons"), (&tables[2], "cases")] {
        let reference = table.header.iter().position(|column| column == "household_id").unwrap();
        let mut lists: Vec<Vec<Vec<Value>>> = vec![Vec::new(); tables[0].rows.len()];
        for row in &table.rows {
            if let Some(household) = row[reference].text().and_then(|id| index.get(&id)) {
                lists[*household].push(row.clone());
            }
        }
        let flat = TypedTable {
            header: table.header.clone(),
            held: table.held.clone(),
            rows: lists.iter().flatten().cloned().collect(),
        };
        texts.push(flat.jsonl());
        let members = flat.batch();
        let fields: Fields = members.schema().fields().clone();
        let values = StructArray::new(fields.clone(), members.columns().to_vec(), None);
        let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
        let list = ListArray::new(item, OffsetBuffer::from_lengths(lists.iter().map(Vec::len)), Arc::new(values), None);
        nested_columns.push((name.to_string(), Arc::new(list)));
    }
    inputs.write("nested_persons.jsonl", &texts[0]);
    inputs.write("nested_cases.jsonl", &texts[1]);
    let nested = RecordBatch::try_from_iter(nested_columns).unwrap();
    let expected =
        pol_run_on(&compiled, &inputs, "households.jsonl", "nested_persons.jsonl", "nested_cases.jsonl", "nested");
    // Also in chunks of 61 households: each chunk's typed arrays are slices at an offset (bits
    // of booleans not starting a byte, nulls included).
    for evaluator in [evaluator, crate::arrow_eval::evaluator(&compiled, 2).with_chunk_households(61)] {
        let evaluated = evaluator
            .with_file_names_ref("households.jsonl", "nested_persons.jsonl", "nested_cases.jsonl")
            .evaluate_nested(&nested)
            .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
        assert_same(&compiled, &evaluated, &expected);
    }
    expected.1
}

#[test]
fn typed_batches_evaluate_as_pol_run_on_the_same_values_as_text() {
    let rejects = check_typed(3, 400, 0.0);
    assert_eq!(rejects.lines().count(), 1, "clean data: {rejects}");
}

#[test]
fn typed_batches_with_bad_values_reject_as_pol_run_does_on_generated_data() {
    let mut rejects = String::new();
    for seed in [11, 12, 13, 14] {
        rejects.push_str(&check_typed(seed, 500, 0.08));
    }
    // Every kind of bad value a typed column can hold came up, with the text path's reason.
    for reason in [
        "is not an amount in yuan with at most two decimals",
        "is not a whole number from",
        "` is not a whole number\n",
        ": missing",
        "is not one of",
        "is not a real day written YYYY-MM-DD",
        "is not a county of jurisdictions.csv",
    ] {
        assert!(rejects.contains(reason), "no reject says `{reason}`");
    }
}

#[test]
fn rejects_come_back_as_a_batch_with_the_columns_of_rejects_csv() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 300, 0.1, 5);
    let evaluated = evaluator(&compiled, 2)
        .evaluate_grouped(
            &csv_batch(&inputs.read("households.csv")),
            &csv_batch(&inputs.read("persons.csv")),
            Some(&csv_batch(&inputs.read("cases.csv"))),
        )
        .unwrap();
    let batch = evaluated.rejects_batch().unwrap();
    let names: Vec<String> = batch.schema().fields().iter().map(|field| field.name().clone()).collect();
    assert_eq!(names, ["file", "line", "household_id", "field", "reason"]);
    assert_eq!(batch.schema().field(1).data_type(), &DataType::UInt64);
    let rows = csv_rows(&evaluated.rejects_csv());
    assert!(rows.len() > 10, "the generated data has bad rows");
    assert_eq!(batch.num_rows(), rows.len() - 1);
    for (index, row) in rows[1..].iter().enumerate() {
        for (column, cell) in row.iter().enumerate() {
            let value = match column {
                1 => batch
                    .column(1)
                    .as_any()
                    .downcast_ref::<arrow::array::UInt64Array>()
                    .unwrap()
                    .value(index)
                    .to_string(),
                _ => batch.column(column).as_any().downcast_ref::<StringArray>().unwrap().value(index).to_string(),
            };
            assert_eq!(&value, cell, "row {index} column {column}");
        }
    }
}

/// A `float64` amount is read as its shortest text and typed as that text would be; a
/// `decimal128` with more than two decimals is refused as `4500.000` would be.
#[test]
fn float_and_decimal_amounts_follow_the_text_rules() {
    use arrow::array::{Decimal128Array, Float64Array};
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 6, 0.0, 9);
    let households = csv_batch(&inputs.read("households.csv"));
    let persons = csv_batch(&inputs.read("persons.csv"));
    let cases = csv_batch(&inputs.read("cases.csv"));
    let replace = |batch: &RecordBatch, name: &str, array: ArrayRef| {
        let columns: Vec<(String, ArrayRef)> = batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| {
                let column = if field.name() == name { array.clone() } else { column.clone() };
                (field.name().clone(), column)
            })
            .collect();
        RecordBatch::try_from_iter(columns).unwrap()
    };
    let incomes = Float64Array::from(vec![4500.5, 0.1 + 0.2, 4500.0, f64::NAN, -1.5, 1e21]);
    let floats = replace(&households, "annual_income", Arc::new(incomes));
    let evaluator = evaluator(&compiled, 2);
    let evaluated = evaluator.evaluate_grouped(&floats, &persons, Some(&cases)).unwrap();
    let rejects = evaluated.rejects_csv();
    for reason in [
        "H0000002,annual_income,bad annual_income: `0.30000000000000004` is not an amount in yuan with at most two decimals",
        "H0000004,annual_income,bad annual_income: `NaN` is not an amount in yuan with at most two decimals",
        "H0000005,annual_income,bad annual_income: `-1.5` is not an amount in yuan with at most two decimals",
        "H0000006,annual_income,bad annual_income: `1000000000000000000000` is too large",
    ] {
        assert!(rejects.contains(reason), "no reject says `{reason}`:\n{rejects}");
    }
    // 4500.5 and 4500 are amounts (¥4,500.50 and ¥4,500.00).
    assert_eq!(evaluated.counts[0].accepted, 2, "{rejects}");
    assert!(!rejects.contains("H0000001,") && !rejects.contains("H0000003,"), "{rejects}");
    // Three decimals are refused whatever the value, as the text `0.000` is.
    let previous = Decimal128Array::from(vec![0, 1000, 2500, 0, 0, 0]).with_precision_and_scale(12, 3).unwrap();
    let decimals = replace(&households, "prev_dibao_monthly", Arc::new(previous));
    let evaluated = evaluator.evaluate_grouped(&decimals, &persons, Some(&cases)).unwrap();
    let rejects = evaluated.rejects_csv();
    for reason in ["`0.000` is not an amount", "`1.000` is not an amount", "`2.500` is not an amount"] {
        assert!(rejects.contains(&format!("bad prev_dibao_monthly: {reason}")), "{reason}:\n{rejects}");
    }
    assert_eq!(evaluated.counts[0].accepted, 0, "{rejects}");
}

/// A year's money total (`salary@2019`) in a batch evaluated in memory is divided into each
/// month's share as in files: the same tables as the twelfths given month by month, flat and
/// nested, on the periods fixture (whose rules read months of 2019 and 2018).
#[test]
fn a_years_total_in_a_batch_is_its_twelfths() {
    let compiled = crate::formats::periods_compiled();
    let evaluator = evaluator(&compiled, 2);
    let households = csv_batch("household_id,accommodation_size,rent\nh1,50,700\nh2,40,0\n");
    let yearly = csv_batch(
        "person_id,household_id,birth,salary,salary@2019\np1,h1,1980-03-15,1000,14400\n\
         p2,h1,2010-06-01,0,1000.01\np3,h2,1950-01-01,500,0\n",
    );
    let months: Vec<String> = (1..=12).map(|month| format!("salary@2019-{month:02}")).collect();
    // The three persons with the same salary in each month of 2019.
    let every_month = |p1: &str, p2: &str, p3: &str| {
        csv_batch(&format!(
            "person_id,household_id,birth,salary,{}\np1,h1,1980-03-15,1000,{}\np2,h1,2010-06-01,0,{}\n\
             p3,h2,1950-01-01,500,{}\n",
            months.join(","),
            [p1; 12].join(","),
            [p2; 12].join(","),
            [p3; 12].join(",")
        ))
    };
    let monthly = every_month("1200.00", "83.33", "0");
    let by_year = evaluator.evaluate_grouped(&households, &yearly, None).unwrap();
    let by_month = evaluator.evaluate_grouped(&households, &monthly, None).unwrap();
    assert_eq!(by_year.rejects_csv(), by_month.rejects_csv());
    assert_eq!(by_year.counts, by_month.counts);
    for (ours, theirs) in by_year.tables.iter().zip(&by_month.tables) {
        assert_eq!(ours, theirs, "{}: a year's total is its twelfths", ours.name);
    }
    // Without the division the year's total would be each month's value.
    let undivided = every_month("14400", "1000.01", "0");
    let undivided = evaluator.evaluate_grouped(&households, &undivided, None).unwrap();
    assert_ne!(by_year.tables, undivided.tables);
}

/// A null `persons` list hides its members, which stay in the list's child array: the batch
/// evaluates as the same batch with that list empty and those members gone, with the members
/// after them numbered alike, in one chunk or many.
#[test]
fn a_null_members_list_is_an_empty_one() {
    let compiled = crate::shaanxi::shaanxi();
    let inputs = Inputs::new();
    crate::shaanxi::synthesize(&inputs, 200, 0.0, 31);
    let (households, persons, cases) =
        (inputs.read("households.csv"), inputs.read("persons.csv"), inputs.read("cases.csv"));
    let (nested, _, _) = nest(&households, &persons, &cases, false);
    let position = nested.schema().index_of("persons").unwrap();
    let lists = nested.column(position).as_list::<i32>().clone();
    let hidden: Vec<usize> =
        (0..lists.len()).filter(|household| household % 7 == 3 && lists.value_length(*household) > 0).collect();
    assert!(hidden.len() > 10);
    let valid: Vec<bool> = (0..lists.len()).map(|household| !hidden.contains(&household)).collect();
    let field = Arc::new(Field::new("item", lists.value_type(), true));
    let with_nulls =
        ListArray::new(field.clone(), lists.offsets().clone(), lists.values().clone(), Some(valid.clone().into()));
    let kept: Vec<u32> = (0..lists.len())
        .filter(|household| valid[*household])
        .flat_map(|household| {
            let start = lists.value_offsets()[household] as u32;
            start..start + lists.value_length(household) as u32
        })
        .collect();
    let values = arrow::compute::take(lists.values().as_ref(), &arrow::array::UInt32Array::from(kept), None).unwrap();
    let lengths =
        (0..lists.len()).map(|household| if valid[household] { lists.value_length(household) as usize } else { 0 });
    let emptied = ListArray::new(field, OffsetBuffer::from_lengths(lengths), values, None);
    let with_column = |list: ListArray| {
        let mut columns: Vec<(String, ArrayRef)> =
            nested.schema().fields().iter().map(|field| field.name().clone()).zip(nested.columns().to_vec()).collect();
        columns[position].1 = Arc::new(list);
        RecordBatch::try_from_iter(columns).unwrap()
    };
    let (with_nulls, emptied) = (with_column(with_nulls), with_column(emptied));
    for evaluator in [evaluator(&compiled, 2), evaluator(&compiled, 2).with_chunk_households(61)] {
        let ours = evaluator.evaluate_nested(&with_nulls).unwrap();
        let theirs = evaluator.evaluate_nested(&emptied).unwrap();
        assert_eq!(ours.rejects_csv(), theirs.rejects_csv());
        assert_eq!(ours.counts, theirs.counts);
        for (ours, theirs) in ours.tables.iter().zip(&theirs.tables) {
            assert_eq!(ours.concat().unwrap(), theirs.concat().unwrap(), "{}", ours.name);
        }
    }
}
