//! In-process Arrow → Arrow evaluation (`pol_runtime::arrow_eval`): generated Shaanxi households
//! in the nested layout (one row per household, members in `persons` and `cases` list columns,
//! every column a string column as read from CSV), evaluated by the JIT on 2 threads into
//! `pol run --output-format parquet`'s batches and rejects. Households per second, cell reading,
//! typing, validation, evaluation and output batches included; building the input batch is not.
//!
//! ```text
//! cargo bench --bench arrow
//! POL_BENCH_HOUSEHOLDS=1000000 cargo bench --bench arrow
//! ```

mod support;

use arrow::array::{ArrayRef, ListArray, RecordBatch, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pol_compiler::jit::JitEngine;
use pol_runtime::arrow_eval::Evaluator;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// The rows of a CSV text (header first).
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    reader.records().map(|record| record.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

/// String columns of `rows` (below the header `header`).
fn strings(header: &[String], rows: &[&Vec<String>]) -> Vec<(String, ArrayRef)> {
    header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let values: Vec<Option<&str>> = rows.iter().map(|row| row.get(index).map(String::as_str)).collect();
            (name.clone(), Arc::new(StringArray::from(values)) as ArrayRef)
        })
        .collect()
}

/// The generated data as one nested household batch.
fn nested(data: &support::Csv) -> RecordBatch {
    let households = rows(&data.households);
    let (header, households) = households.split_first().expect("a header");
    let index: HashMap<&str, usize> =
        households.iter().enumerate().map(|(row, household)| (household[0].as_str(), row)).collect();
    let mut columns = strings(header, &households.iter().collect::<Vec<_>>());
    for (name, bytes) in [("persons", &data.persons), ("cases", &data.cases)] {
        let members = rows(bytes);
        let (member_header, members) = members.split_first().expect("a header");
        let reference = member_header.iter().position(|column| column == "household_id").expect("household_id");
        let mut lists: Vec<Vec<&Vec<String>>> = vec![Vec::new(); households.len()];
        for member in members {
            if let Some(household) = index.get(member[reference].as_str()) {
                lists[*household].push(member);
            }
        }
        let flat: Vec<&Vec<String>> = lists.iter().flatten().copied().collect();
        let member_columns = strings(member_header, &flat);
        let fields: Vec<Field> =
            member_columns.iter().map(|(name, _)| Field::new(name.clone(), DataType::Utf8, true)).collect();
        let values =
            StructArray::new(fields.clone().into(), member_columns.into_iter().map(|(_, a)| a).collect(), None);
        let item = Arc::new(Field::new("item", DataType::Struct(fields.into()), true));
        let list = ListArray::new(item, OffsetBuffer::from_lengths(lists.iter().map(Vec::len)), Arc::new(values), None);
        columns.push((name.to_string(), Arc::new(list)));
    }
    RecordBatch::try_from_iter(columns).expect("a nested batch")
}

fn arrow_eval(c: &mut Criterion) {
    let n_households = support::bench_households();
    let shaanxi = support::Shaanxi::load();
    let batch = nested(&support::generate_csv(n_households));
    let program = shaanxi.policy.program.clone();
    let engine = JitEngine::compile_for_outputs(&program).expect("the JIT compiles Shaanxi");
    let evaluator =
        Evaluator::new(program, shaanxi.policy.jurisdictions.clone(), shaanxi.counties.clone(), Box::new(engine), 2)
            .expect("an evaluator on 2 threads");
    let check = evaluator.evaluate_nested(&batch).expect("the nested batch evaluates");
    assert_eq!(check.counts[0].accepted, n_households, "clean data: every household is accepted");
    let mut group = c.benchmark_group("arrow");
    group.throughput(Throughput::Elements(n_households));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("nested_jit_2_threads", |b| {
        b.iter(|| black_box(evaluator.evaluate_nested(black_box(&batch)).expect("evaluates")))
    });
    group.finish();
}

criterion_group!(benches, arrow_eval);
criterion_main!(benches);
