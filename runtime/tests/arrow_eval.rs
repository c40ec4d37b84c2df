//! Arrow-native evaluation (`pol_runtime::arrow_eval`): the CSV inputs turned into Arrow
//! batches, flat (grouped by household) or nested (members in list columns), evaluate to exactly
//! the tables `pol run --output-format parquet` writes, row by row, and the same rejects.

use crate::support::*;
use arrow::array::{ArrayRef, ListArray, RecordBatch, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields};
use pol_compiler::interp::Interpreter;
use pol_runtime::OutputFormat;
use pol_runtime::arrow_eval::{Evaluated, Evaluator};
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
    let mut options = options(compiled, inputs, "households.csv", persons, Some(cases), out);
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
    for ((name, batch), file) in evaluated.tables.iter().zip(&expected.0) {
        assert_eq!(batch.num_rows(), file.num_rows(), "{name}");
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
        let flat: Vec<Vec<String>> = lists.iter().flatten().cloned().collect();
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

/// Both layouts against `pol run` on the CSV texts in `inputs`.
fn check_layouts(compiled: &Compiled, inputs: &Inputs) {
    let households = inputs.read("households.csv");
    let persons = inputs.read("persons.csv");
    let cases = inputs.read("cases.csv");
    let evaluator = evaluator(compiled, 2);
    let grouped = evaluator
        .evaluate_grouped(&csv_batch(&households), &csv_batch(&persons), Some(&csv_batch(&cases)))
        .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    assert_same(compiled, &grouped, &pol_run(compiled, inputs, "persons.csv", "cases.csv", "flat"));
    for drop_reference in [false, true] {
        let (nested, nested_persons, nested_cases) = nest(&households, &persons, &cases, drop_reference);
        inputs.write("nested_persons.csv", nested_persons);
        inputs.write("nested_cases.csv", nested_cases);
        let expected = pol_run(compiled, inputs, "nested_persons.csv", "nested_cases.csv", "nested");
        let evaluated = evaluator
            .with_file_names_ref("households.csv", "nested_persons.csv", "nested_cases.csv")
            .evaluate_nested(&nested)
            .unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
        assert_same(compiled, &evaluated, &expected);
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
