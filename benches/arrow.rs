//! In-process Arrow → Arrow evaluation (`pol_runtime::arrow_eval`): generated Shaanxi households
//! in the nested layout (one row per household, members in `persons` and `cases` list columns),
//! evaluated by the JIT on 2 threads into `pol run --output-format parquet`'s batches and
//! rejects. Two forms of the same data: every column a string column (as read from CSV,
//! `nested_strings`), and typed columns as a data platform holds them (`nested_typed`: money
//! `decimal128(18, 2)`, integers `int64`, dates `date32`, booleans `boolean`, ids, codes, enums
//! and texts `utf8`). Households per second, cell reading, typing, validation, evaluation and
//! output batches included; building the input batch is not.
//!
//! ```text
//! cargo bench --bench arrow
//! POL_BENCH_HOUSEHOLDS=1000000 cargo bench --bench arrow
//! ```

mod support;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pol_compiler::jit::JitEngine;
use pol_compiler::tir::{ColumnTy, EntitySchema, Ty};
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

/// Columns of `rows` (below the header `header`): strings, or typed by `schema`'s declarations.
fn arrays(header: &[String], rows: &[&Vec<String>], schema: Option<&EntitySchema>) -> Vec<(String, ArrayRef)> {
    header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let values: Vec<Option<&str>> = rows.iter().map(|row| row.get(index).map(String::as_str)).collect();
            let ty = schema.and_then(|schema| schema.columns.iter().find(|column| column.name == *name)).map(|c| c.ty);
            let array: ArrayRef = match ty {
                Some(ColumnTy::Value(Ty::Money(_))) => Arc::new(
                    Decimal128Array::from(
                        values
                            .iter()
                            .map(|value| value.map(|text| i128::from(support::parse_decimal(text, 2).expect("money"))))
                            .collect::<Vec<_>>(),
                    )
                    .with_precision_and_scale(18, 2)
                    .expect("decimal(18, 2)"),
                ),
                Some(ColumnTy::Value(Ty::Int)) => Arc::new(Int64Array::from(
                    values
                        .iter()
                        .map(|value| value.map(|text| text.parse::<i64>().expect("an int")))
                        .collect::<Vec<_>>(),
                )),
                Some(ColumnTy::Value(Ty::Bool)) => Arc::new(BooleanArray::from(
                    values.iter().map(|value| value.map(|text| text == "true")).collect::<Vec<_>>(),
                )),
                Some(ColumnTy::Value(Ty::Date)) => Arc::new(Date32Array::from(
                    values
                        .iter()
                        .map(|value| {
                            value.map(|text| {
                                i32::try_from(pol_compiler::date::parse_iso(text).expect("a day")).expect("days")
                            })
                        })
                        .collect::<Vec<_>>(),
                )),
                _ => Arc::new(StringArray::from(values)),
            };
            (name.clone(), array)
        })
        .collect()
}

/// The generated data as one nested household batch, with string or typed columns.
fn nested(data: &support::Csv, typed: Option<&support::Shaanxi>) -> RecordBatch {
    let program = typed.map(|shaanxi| &shaanxi.policy.program);
    let households = rows(&data.households);
    let (header, households) = households.split_first().expect("a header");
    let index: HashMap<&str, usize> =
        households.iter().enumerate().map(|(row, household)| (household[0].as_str(), row)).collect();
    let mut columns = arrays(header, &households.iter().collect::<Vec<_>>(), program.map(|p| &p.household));
    for (name, bytes, schema) in
        [("persons", &data.persons, program.map(|p| &p.person)), ("cases", &data.cases, program.map(|p| &p.case))]
    {
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
        let member_columns = arrays(member_header, &flat, schema);
        let fields: Vec<Field> = member_columns
            .iter()
            .map(|(name, array)| Field::new(name.clone(), array.data_type().clone(), true))
            .collect();
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
    let data = support::generate_csv(n_households);
    let strings = nested(&data, None);
    let typed = nested(&data, Some(&shaanxi));
    drop(data);
    let program = shaanxi.policy.program.clone();
    let engine = JitEngine::compile_for_outputs(&program).expect("the JIT compiles Shaanxi");
    let evaluator =
        Evaluator::new(program, shaanxi.policy.jurisdictions.clone(), shaanxi.counties.clone(), Box::new(engine), 2)
            .expect("an evaluator on 2 threads");
    // `POL_BENCH_PROFILE=typed` (or `strings`): one evaluation of that batch, then stop
    // without criterion, for an instruction count under callgrind (BENCHMARKS.md §9b);
    // `none`: no evaluation, the setup alone (subtracted from the others' counts).
    if let Ok(which) = std::env::var("POL_BENCH_PROFILE") {
        let batch = match which.as_str() {
            "none" => return,
            "strings" => &strings,
            _ => &typed,
        };
        // `POL_BENCH_PROFILE_RUNS` evaluations (default 1): the difference between 2 and 1 is
        // an evaluation by an evaluator that has evaluated before (its batches reused).
        let runs: usize = std::env::var("POL_BENCH_PROFILE_RUNS").ok().and_then(|runs| runs.parse().ok()).unwrap_or(1);
        for run in 1..=runs {
            let started = std::time::Instant::now();
            black_box(evaluator.evaluate_nested(black_box(batch)).expect("evaluates"));
            eprintln!("evaluation {run}: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        return;
    }
    for batch in [&strings, &typed] {
        let check = evaluator.evaluate_nested(batch).expect("the nested batch evaluates");
        assert_eq!(check.counts[0].accepted, n_households, "clean data: every household is accepted");
    }
    let mut group = c.benchmark_group("arrow");
    group.throughput(Throughput::Elements(n_households));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (name, batch) in [("nested_strings_jit_2_threads", &strings), ("nested_typed_jit_2_threads", &typed)] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(evaluator.evaluate_nested(black_box(batch)).expect("evaluates")))
        });
    }
    group.finish();
    // The machine is shared: beside criterion's wall times, the process's CPU time per
    // evaluation (all threads, from /proc/self/stat), which other jobs disturb far less.
    for (name, batch) in [("nested_strings", &strings), ("nested_typed", &typed)] {
        let runs = 5;
        let (cpu_before, wall_before) = (cpu_seconds(), std::time::Instant::now());
        for run in 1..=runs {
            let started = std::time::Instant::now();
            black_box(evaluator.evaluate_nested(black_box(batch)).expect("evaluates"));
            eprintln!("evaluation {run}: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        let (cpu, wall) = (cpu_seconds() - cpu_before, wall_before.elapsed().as_secs_f64());
        let per_run = cpu / f64::from(runs);
        println!(
            "cpu {name}: {per_run:.3} CPU-s per evaluation of {n_households} households, {:.0} households per CPU-second \
             ({:.0}/s on 2 fully available cores); wall {:.3} s per evaluation",
            n_households as f64 / per_run,
            2.0 * n_households as f64 / per_run,
            wall / f64::from(runs),
        );
    }
}

/// User + system CPU time of the whole process so far, in seconds (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

criterion_group!(benches, arrow_eval);
criterion_main!(benches);
