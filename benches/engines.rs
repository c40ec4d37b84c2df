//! Compute throughput of the Shaanxi policy: households per second for the interpreter, the
//! JIT (one thread, and two threads with rayon over chunks) and the hand-written oracle, the
//! speed-of-light baseline.
//!
//! Only evaluation is timed: the batches are built in memory beforehand. The data is the seeded
//! Shaanxi-shaped output of `pol_testkit::synth` (100,000 households by default; set
//! `POL_BENCH_HOUSEHOLDS=1000000` for the 1M figure), read from CSV and typed as `pol run` types it, cut into chunks of
//! [`CHUNK_HOUSEHOLDS`] households. Every engine evaluates the same chunks; the oracle evaluates
//! the same households converted into its own `Input`, and also decides the approval level of
//! each temporary-assistance case, as the policy's case rules do. Before timing, the setup
//! checks that the interpreter and the JIT give identical results, that every household comes
//! out `Ok`, and that `total_monthly` matches the oracle's to the fen for every household.
//!
//! ```text
//! cargo bench --bench engines
//! POL_BENCH_HOUSEHOLDS=1000000 cargo bench --bench engines
//! ```

mod support;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pol_compiler::engine::{Batch, BatchResult, Engine, Outcome};
use pol_compiler::interp::Interpreter;
use pol_compiler::jit::JitEngine;
use pol_grammar::ast::EntityKind;
use pol_testkit::shaanxi_oracle as oracle;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;
use support::{HouseholdRows, Shaanxi, parse_decimal};

/// Households per batch: small enough for two threads to share 100,000 households evenly
/// (25 chunks), large enough that the per-call overhead is negligible.
const CHUNK_HOUSEHOLDS: usize = 4_096;

/// One chunk for the oracle: its input and, per case, the household's county and the amount.
struct OracleChunk {
    input: oracle::Input,
    cases: Vec<(oracle::CountyIdx, oracle::Fen)>,
}

/// Everything the timed loops read.
struct Workload {
    shaanxi: Shaanxi,
    batches: Vec<Batch>,
    oracle_chunks: Vec<OracleChunk>,
    params: oracle::ParamTable,
    n_households: u64,
}

fn workload() -> Workload {
    let n_households = support::bench_households();
    let shaanxi = Shaanxi::load();
    let data = support::generate_csv(n_households);
    let jurisdictions =
        std::fs::read_to_string(support::shaanxi_dir().join("jurisdictions.csv")).expect("jurisdictions.csv");
    let params =
        oracle::resolve_params(&jurisdictions, oracle::DEFAULT_AS_OF).expect("the oracle resolves its parameters");
    let mut batches = Vec::new();
    let mut oracle_chunks = Vec::new();
    support::for_each_chunk(&data, CHUNK_HOUSEHOLDS, |group| {
        batches.push(shaanxi.batch(&data, group));
        oracle_chunks.push(oracle_chunk(&data, group, &params));
    });
    eprintln!(
        "engines: {n_households} households, {} persons, {} cases in {} chunks of {CHUNK_HOUSEHOLDS}",
        data.n_persons,
        data.n_cases,
        batches.len()
    );
    let workload = Workload { shaanxi, batches, oracle_chunks, params, n_households };
    check_agreement(&workload);
    workload
}

/// Converts one group into the oracle's input (the oracle's own reading of the input formats).
fn oracle_chunk(data: &support::Csv, group: &[HouseholdRows], params: &oracle::ParamTable) -> OracleChunk {
    let n_persons = group.iter().map(|household| household.persons.len()).sum();
    let mut chunk = OracleChunk { input: oracle::Input::with_capacity(group.len(), n_persons), cases: Vec::new() };
    let field = |header: &csv::StringRecord, record: &csv::StringRecord, name: &str| -> String {
        let position = header.iter().position(|column| column == name).unwrap_or_else(|| panic!("no column {name}"));
        record.get(position).unwrap_or_else(|| panic!("no field {name}")).to_string()
    };
    let boolean = |text: String| match text.as_str() {
        "true" => true,
        "false" => false,
        other => panic!("bad boolean {other}"),
    };
    let money = |text: String| parse_decimal(&text, 2).unwrap_or_else(|| panic!("bad amount {text}"));
    let integer = |text: String| parse_decimal(&text, 0).unwrap_or_else(|| panic!("bad integer {text}"));
    for household in group {
        let (header, row) = (&data.household_header, &household.household);
        let county = params.county_index(&field(header, row, "county_code")).expect("a known county");
        let facts = oracle::HouseholdFacts {
            county,
            annual_income: money(field(header, row, "annual_income")),
            registered_poor: boolean(field(header, row, "registered_poor")),
            poverty_exited: boolean(field(header, row, "poverty_exited")),
            on_dibao: boolean(field(header, row, "on_dibao")),
            prev_dibao_monthly: money(field(header, row, "prev_dibao_monthly")),
            income_unstable: boolean(field(header, row, "income_unstable")),
            months_over_standard: integer(field(header, row, "months_over_standard")),
            exited_dibao_within_12m: boolean(field(header, row, "exited_dibao_within_12m")),
            rejected_within_12m: boolean(field(header, row, "rejected_within_12m")),
        };
        let persons = household.persons.iter().map(|row| {
            let header = &data.person_header;
            let text = |name: &str| field(header, row, name);
            oracle::PersonFacts {
                birth_date: oracle::Date::parse(&text("birth_date")).expect("a birth date"),
                disability_grade: u8::try_from(integer(text("disability_grade"))).expect("a grade"),
                serious_illness: boolean(text("serious_illness")),
                labor_capacity: match text("labor_capacity").as_str() {
                    "full" => oracle::LaborCapacity::Full,
                    "partial" => oracle::LaborCapacity::Partial,
                    _ => oracle::LaborCapacity::None,
                },
                self_care: match text("self_care").as_str() {
                    "full" => oracle::SelfCare::Full,
                    "semi" => oracle::SelfCare::Semi,
                    _ => oracle::SelfCare::None,
                },
                has_income_source: boolean(text("has_income_source")),
                has_capable_supporter: boolean(text("has_capable_supporter")),
                lactating: boolean(text("lactating")),
                single_parent_minor: boolean(text("single_parent_minor")),
                non_compulsory_student: boolean(text("non_compulsory_student")),
                orphan_status: match text("orphan_status").as_str() {
                    "none" => oracle::OrphanStatus::None,
                    "orphan" => oracle::OrphanStatus::Orphan,
                    _ => oracle::OrphanStatus::DeFacto,
                },
                placement: match text("placement").as_str() {
                    "home" => oracle::Placement::Home,
                    _ => oracle::Placement::Institution,
                },
                left_behind: boolean(text("left_behind")),
            }
        });
        chunk.input.push_household(facts, persons);
        for case in &household.cases {
            chunk.cases.push((county, money(field(&data.case_header, case, "amount_requested"))));
        }
    }
    chunk
}

/// The oracle's work on one chunk: every household, then the approval level of every case.
fn run_oracle(
    chunk: &OracleChunk,
    params: &oracle::ParamTable,
) -> (Vec<Result<oracle::HouseholdOut, oracle::EvalError>>, Vec<oracle::ApprovalLevel>) {
    let mut out = OracleOut::default();
    run_oracle_into(chunk, params, &mut out);
    (out.households, out.cases)
}

/// The oracle's results for a chunk, in buffers reused from chunk to chunk.
#[derive(Default)]
struct OracleOut {
    households: Vec<Result<oracle::HouseholdOut, oracle::EvalError>>,
    cases: Vec<oracle::ApprovalLevel>,
}

fn run_oracle_into(chunk: &OracleChunk, params: &oracle::ParamTable, out: &mut OracleOut) {
    oracle::evaluate_into(&chunk.input, params, &mut out.households);
    out.cases.clear();
    out.cases.extend(chunk.cases.iter().map(|(county, amount)| {
        oracle::approval_level(*amount, &params.county(*county).expect("a known county").rates)
    }));
}

/// Stops the bench unless the interpreter and the JIT agree word for word, every household is
/// `Ok`, and `total_monthly` equals the oracle's for every household.
fn check_agreement(workload: &Workload) {
    let program = &workload.shaanxi.policy.program;
    let counties = &workload.shaanxi.counties;
    let total_slot = program
        .rules
        .iter()
        .find(|rule| rule.entity == EntityKind::Household && rule.name == "total_monthly")
        .expect("a household rule `total_monthly`")
        .slot as usize;
    let interp = Interpreter::new(program);
    let jit = JitEngine::compile(program).expect("the JIT compiles the policy");
    let (mut checked, mut given_up) = (0_u64, 0);
    for (batch, chunk) in workload.batches.iter().zip(&workload.oracle_chunks) {
        let mut by_jit = BatchResult::default();
        given_up += jit.evaluate_counted(batch, counties, &mut by_jit);
        let by_interp = interp.evaluate(batch, counties);
        assert!(by_jit == by_interp, "the JIT and the interpreter disagree");
        assert!(by_jit.outcomes.iter().all(|outcome| *outcome == Outcome::Ok), "a generated household is not Ok");
        let (by_oracle, _) = run_oracle(chunk, &workload.params);
        let totals = by_jit.household.get(total_slot).expect("the total column");
        for (household, (total, expected)) in totals.iter().zip(&by_oracle).enumerate() {
            let expected = expected.as_ref().expect("the oracle evaluates every generated household").total_monthly;
            assert_eq!(*total, expected, "total_monthly of household {household} of a chunk differs from the oracle");
            checked += 1;
        }
    }
    assert_eq!(checked, workload.n_households, "every household was compared");
    eprintln!("engines: interpreter = JIT on every word; total_monthly = oracle on {checked} households");
    // Every generated household is valid, so the generated code should finish every one itself.
    assert_eq!(given_up, 0, "households the JIT handed to the interpreter");
}

fn engines(c: &mut Criterion) {
    let workload = workload();
    let program = &workload.shaanxi.policy.program;
    let counties = &workload.shaanxi.counties;
    let interp = Interpreter::new(program);
    let jit = JitEngine::compile(program).expect("the JIT compiles the policy");
    let jit_outputs = JitEngine::compile_for_outputs(program).expect("the JIT compiles the policy");
    let two_threads = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a rayon pool of 2 threads");

    let mut group = c.benchmark_group("engines");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(workload.n_households));
    let n = workload.n_households;
    // Every engine writes into buffers reused from chunk to chunk, as `pol run`'s workers do.
    group.bench_function(BenchmarkId::new("oracle_1thread", n), |b| {
        let mut out = OracleOut::default();
        b.iter(|| {
            for chunk in &workload.oracle_chunks {
                run_oracle_into(chunk, &workload.params, &mut out);
                black_box(&out);
            }
        });
    });
    for (name, engine) in [("jit_1thread", &jit), ("jit_outputs_1thread", &jit_outputs)] {
        group.bench_function(BenchmarkId::new(name, n), |b| {
            let mut result = BatchResult::default();
            b.iter(|| {
                for batch in &workload.batches {
                    engine.evaluate_into(batch, counties, &mut result);
                    black_box(&result);
                }
            });
        });
    }
    group.bench_function(BenchmarkId::new("jit_outputs_2threads", n), |b| {
        b.iter(|| {
            two_threads.install(|| {
                workload.batches.par_iter().for_each_init(BatchResult::default, |result, batch| {
                    jit_outputs.evaluate_into(batch, counties, result);
                    black_box(&*result);
                });
            });
        });
    });
    group.bench_function(BenchmarkId::new("interp_1thread", n), |b| {
        let mut result = BatchResult::default();
        b.iter(|| {
            for batch in &workload.batches {
                interp.evaluate_into(batch, counties, &mut result);
                black_box(&result);
            }
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: they add nothing to the numbers in BENCHMARKS.md and fail with --discard-baseline.
    config = Criterion::default().without_plots();
    targets = engines
}
criterion_main!(benches);
