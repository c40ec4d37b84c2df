//! `pol run` CSV to CSV: reading the three input files, typing, validating, evaluating and
//! writing every output table, the rejects and the report.
//!
//! The data is the seeded Shaanxi-shaped output of `pol_testkit::synth` (what the `gen-shaanxi`
//! binary writes; 100,000 households by default, about 355,000 persons; `POL_BENCH_HOUSEHOLDS`
//! overrides), written once into a fresh directory under the system's temporary directory. Two ways of running it are timed:
//!
//! - `binary_jit_{1,2}threads`: the built `pol` binary as a user runs it, process start, policy
//!   compilation and JIT included (`pol run policies/shaanxi … --engine jit --threads N`);
//! - `library_{jit,interp}_{1,2}threads`: `pol_runtime::pipeline::run` in-process with the policy
//!   and the engine prepared beforehand, so only the data pass is timed;
//! - `binary_diff_jit_2threads`: `pol diff policies/shaanxi --base-as-of 2018-12-01 --as-of
//!   2019-07-01` on the same files, to set beside `binary_jit_2threads` (the target: at most
//!   1.6× the whole `pol run`).
//!
//! The 1M and 5M figures of BENCHMARKS.md are manual runs of the release binary under
//! `/usr/bin/time -v` (see there for the commands).
//!
//! ```text
//! cargo bench --bench end_to_end
//! ```

mod support;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pol_compiler::engine::Engine;
use pol_compiler::interp::Interpreter;
use pol_compiler::jit::JitEngine;
use pol_runtime::RunOptions;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{ScratchDir, Shaanxi};

/// Runs the `pol` binary on the data in `data` with `threads` workers, writing into `out`.
fn run_binary(data: &Path, out: &Path, threads: usize) {
    let status = Command::new(env!("CARGO_BIN_EXE_pol"))
        .arg("run")
        .arg(support::shaanxi_dir())
        .arg("--households")
        .arg(data.join("households.csv"))
        .arg("--persons")
        .arg(data.join("persons.csv"))
        .arg("--cases")
        .arg(data.join("cases.csv"))
        .arg("--out")
        .arg(out)
        .args(["--engine", "jit", "--threads", &threads.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the pol binary starts");
    assert!(status.success(), "pol run failed: {status}");
}

/// Runs `pol diff` of the 2018 and 2019 standards on the data in `data`, writing into `out`.
fn diff_binary(data: &Path, out: &Path, threads: usize) {
    let status = Command::new(env!("CARGO_BIN_EXE_pol"))
        .arg("diff")
        .arg(support::shaanxi_dir())
        .args(["--base-as-of", "2018-12-01", "--as-of", "2019-07-01"])
        .arg("--households")
        .arg(data.join("households.csv"))
        .arg("--persons")
        .arg(data.join("persons.csv"))
        .arg("--cases")
        .arg(data.join("cases.csv"))
        .arg("--out")
        .arg(out)
        .args(["--engine", "jit", "--threads", &threads.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the pol binary starts");
    assert!(status.success(), "pol diff failed: {status}");
}

fn end_to_end(c: &mut Criterion) {
    let n_households = support::bench_households();
    let shaanxi = Shaanxi::load();
    let scratch = ScratchDir::new("e2e");
    let data_dir = scratch.0.join("data");
    let out_dir = scratch.0.join("out");
    let generated = support::generate_csv(n_households);
    support::write_csv(&generated, &data_dir);
    let input_bytes = generated.households.len() + generated.persons.len() + generated.cases.len();
    eprintln!(
        "end_to_end: {n_households} households, {} persons, {} cases, {:.1} MB of CSV",
        generated.n_persons,
        generated.n_cases,
        input_bytes as f64 / 1e6
    );
    drop(generated);

    let program = &shaanxi.policy.program;
    let jit = JitEngine::compile(program).expect("the JIT compiles the policy");
    let interp = Interpreter::new(program);
    let run_library = |engine: &dyn Engine, threads: usize| {
        let mut options = RunOptions::new(
            data_dir.join("households.csv"),
            data_dir.join("persons.csv"),
            out_dir.clone(),
            support::as_of_word(),
        );
        options.cases = Some(data_dir.join("cases.csv"));
        options.threads = Some(threads);
        options.sources = Some(&shaanxi.sources);
        let summary = pol_runtime::run(program, &shaanxi.counties, &shaanxi.policy.jurisdictions, &options, engine)
            .expect("pol run succeeds");
        assert_eq!(summary.households.accepted, n_households, "every generated household is accepted");
        black_box(summary)
    };
    // One untimed pass of each kind first: it checks the run and warms the page cache.
    run_binary(&data_dir, &out_dir, 2);
    eprint!("end_to_end: library JIT, 2 threads:\n{}", run_library(&jit, 2).timings);

    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(n_households));
    for threads in [1, 2] {
        group.bench_function(BenchmarkId::new(format!("binary_jit_{threads}threads"), n_households), |b| {
            b.iter(|| run_binary(&data_dir, &out_dir, threads));
        });
        group.bench_function(BenchmarkId::new(format!("library_jit_{threads}threads"), n_households), |b| {
            b.iter(|| run_library(&jit, threads));
        });
    }
    group.bench_function(BenchmarkId::new("library_interp_2threads", n_households), |b| {
        b.iter(|| run_library(&interp, 2));
    });
    let diff_dir = scratch.0.join("diff");
    group.bench_function(BenchmarkId::new("binary_diff_jit_2threads", n_households), |b| {
        b.iter(|| diff_binary(&data_dir, &diff_dir, 2));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: they add nothing to the numbers in BENCHMARKS.md and fail with --discard-baseline.
    config = Criterion::default().without_plots();
    targets = end_to_end
}
criterion_main!(benches);
