//! Compiling the Shaanxi policy, stage by stage and whole.
//!
//! - `load`: reading `policies/shaanxi` from disk into `Sources` (11 `.pol` files,
//!   `jurisdictions.csv`, 14 parameter files);
//! - `parse`: every `.pol` file into its AST;
//! - `check`: the ASTs and `jurisdictions.csv` into the typed program (`check::ast_to_tir`);
//! - `params`: loading and checking the local parameter files (`params::load`);
//! - `policy_compile`: the three together (`policy::compile`, sources already in memory);
//! - `jit_compile`: the checked program into machine code (`JitEngine::compile`: lowering to
//!   cranelift IR, cranelift's compilation, linking);
//! - `policy_compile_and_jit`: everything `pol run` does before reading data, minus the disk
//!   read: `policy::compile` then `JitEngine::compile`.
//!
//! The target (issue): under 50 ms for check + lower + JIT.
//!
//! ```text
//! cargo bench --bench compile
//! ```

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use pol_compiler::diagnostic::SourceKind;
use pol_compiler::jit::JitEngine;
use std::hint::black_box;
use std::time::Duration;
use support::Shaanxi;

fn compile(c: &mut Criterion) {
    let shaanxi = Shaanxi::load();
    let sources = &shaanxi.sources;
    let program = &shaanxi.policy.program;
    eprintln!(
        "compile: {} rules, {} .pol files, {} parameter files",
        program.rules.len(),
        sources.of_kind(SourceKind::Pol).count(),
        sources.of_kind(SourceKind::Params).count()
    );
    let parse = || {
        sources
            .of_kind(SourceKind::Pol)
            .map(|(id, file)| {
                (id, pol_grammar::parse_file(id, &file.text).unwrap_or_else(|_| panic!("{} parses", file.name)))
            })
            .collect::<Vec<_>>()
    };
    let files = parse();
    let jurisdictions_csv =
        sources.of_kind(SourceKind::Jurisdictions).next().map(|(id, file)| (id, file.text.as_str()));
    let param_files: Vec<_> = sources.of_kind(SourceKind::Params).map(|(id, file)| (id, file.text.as_str())).collect();

    let mut group = c.benchmark_group("compile");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    group.bench_function("load", |b| {
        b.iter(|| black_box(pol_runtime::load::load_policy_dir(&support::shaanxi_dir()).expect("loads")));
    });
    group.bench_function("parse", |b| b.iter(|| black_box(parse())));
    group.bench_function("check", |b| {
        b.iter(|| {
            black_box(pol_compiler::check::ast_to_tir(&files, jurisdictions_csv).unwrap_or_else(|_| panic!("checks")))
        });
    });
    group.bench_function("params", |b| {
        b.iter(|| {
            black_box(
                pol_compiler::params::load(program, &shaanxi.policy.jurisdictions, &param_files)
                    .unwrap_or_else(|_| panic!("parameters load")),
            )
        });
    });
    group.bench_function("policy_compile", |b| {
        b.iter(|| black_box(pol_compiler::policy::compile(sources).unwrap_or_else(|_| panic!("compiles"))));
    });
    group.bench_function("jit_compile", |b| {
        b.iter(|| black_box(JitEngine::compile(program).expect("JIT compiles")));
    });
    group.bench_function("policy_compile_and_jit", |b| {
        b.iter(|| {
            let policy = pol_compiler::policy::compile(sources).unwrap_or_else(|_| panic!("compiles"));
            black_box(JitEngine::compile(&policy.program).expect("JIT compiles"))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: they add nothing to the numbers in BENCHMARKS.md and fail with --discard-baseline.
    config = Criterion::default().without_plots();
    targets = compile
}
criterion_main!(benches);
