//! Measures `pol run` on the Shaanxi policy over synthetic data.
//!
//! ```text
//! cargo run --release -p pol-runtime --example run_shaanxi -- HOUSEHOLDS THREADS [jit|interp] [DATA_DIR] [BAD_RATE] [ungrouped]
//! ```
//! Generates `DATA_DIR/{households,persons,cases}.csv` once (if absent), compiles
//! `policies/shaanxi`, runs, and prints the closing lines, the timings and the peak RSS.

#![expect(clippy::unwrap_used, clippy::panic, reason = "a measuring tool")]

use pol_compiler::diagnostic::{SourceKind, Sources, render_plain};
use pol_compiler::engine::Engine;
use pol_testkit::synth::{SynthConfig, county_codes_from_csv, generate};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let households: u64 = args.get(1).and_then(|text| text.parse().ok()).unwrap_or(100_000);
    let threads: usize = args.get(2).and_then(|text| text.parse().ok()).unwrap_or(2);
    let engine_name = args.get(3).cloned().unwrap_or_else(|| "jit".into());
    let data = PathBuf::from(args.get(4).cloned().unwrap_or_else(|| format!("/tmp/pol-bench-{households}")));
    let bad_rate: f64 = args.get(5).and_then(|text| text.parse().ok()).unwrap_or(0.0);
    let ungrouped = args.get(6).is_some_and(|text| text == "ungrouped");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/shaanxi");
    let jurisdictions = std::fs::read_to_string(policy.join("jurisdictions.csv")).unwrap();
    if !data.join("households.csv").exists() {
        std::fs::create_dir_all(&data).unwrap();
        let started = Instant::now();
        let config = SynthConfig { households, bad_row_rate: bad_rate, ..SynthConfig::default() };
        let open = |name: &str| BufWriter::with_capacity(1 << 20, std::fs::File::create(data.join(name)).unwrap());
        let counts = generate(
            &config,
            &county_codes_from_csv(&jurisdictions),
            open("households.csv"),
            open("persons.csv"),
            open("cases.csv"),
        )
        .unwrap();
        eprintln!("generated {counts:?} in {:.1} s", started.elapsed().as_secs_f64());
    }
    let persons_file = if ungrouped {
        let shuffled = data.join("persons_shuffled.csv");
        if !shuffled.exists() {
            let text = std::fs::read_to_string(data.join("persons.csv")).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            let header = lines.remove(0);
            // A deterministic interleaving: odd lines first, then even lines.
            let mut out = String::with_capacity(text.len());
            out.push_str(header);
            out.push('\n');
            for line in lines.iter().step_by(2).chain(lines.iter().skip(1).step_by(2)) {
                out.push_str(line);
                out.push('\n');
            }
            std::fs::write(&shuffled, out).unwrap();
        }
        shuffled
    } else {
        data.join("persons.csv")
    };
    let sources = pol_runtime::load::load_policy_dir(&policy).unwrap();
    let (program, table, counties) = compile(&sources);
    let started = Instant::now();
    let engine: Box<dyn Engine> = if engine_name == "interp" {
        Box::new(pol_compiler::interp::Interpreter::new(&program))
    } else {
        Box::new(pol_compiler::jit::JitEngine::compile(&program).unwrap_or_else(|error| panic!("{error}")))
    };
    eprintln!("engine {} ready in {:.3} s", engine.name(), started.elapsed().as_secs_f64());
    let mut options =
        pol_runtime::RunOptions::new(data.join("households.csv"), persons_file, data.join("out"), counties.as_of);
    options.cases = Some(data.join("cases.csv"));
    options.threads = Some(threads);
    options.sources = Some(&sources);
    options.progress = true;
    if let Some(chunk) = std::env::var("POL_CHUNK").ok().and_then(|text| text.parse().ok()) {
        options.chunk_households = chunk;
    }
    let summary = pol_runtime::run(&program, &counties, &table, &options, engine.as_ref())
        .unwrap_or_else(|error| panic!("{}", render_plain(&sources, error.into_diagnostic())));
    print!("{summary}");
    print!("{}", summary.timings);
    println!(
        "passes {}, grouped {}, duplicate ids {}, id hashes {} MiB",
        summary.passes,
        summary.persons_grouped,
        summary.duplicate_ids,
        summary.hash_bytes >> 20
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines().filter(|line| line.starts_with("VmHWM") || line.starts_with("VmRSS")) {
        println!("{line}");
    }
}

fn compile(
    sources: &Sources,
) -> (pol_compiler::tir::Program, pol_compiler::jurisdictions::JurisdictionTable, pol_compiler::engine::CountyTable) {
    let fail = |diagnostics: Vec<pol_compiler::diagnostic::Diagnostic>| -> ! {
        for diagnostic in diagnostics {
            eprintln!("{}", render_plain(sources, diagnostic));
        }
        panic!("the policy does not compile");
    };
    let mut files = Vec::new();
    for (id, file) in sources.of_kind(SourceKind::Pol) {
        match pol_grammar::parse_file(id, &file.text) {
            Ok(ast) => files.push((id, ast)),
            Err(errors) => fail(
                errors
                    .into_iter()
                    .map(|error| pol_compiler::diagnostic::Diagnostic::new(Some(error.span()), error))
                    .collect(),
            ),
        }
    }
    let csv = sources.of_kind(SourceKind::Jurisdictions).next().map(|(id, file)| (id, file.text.as_str()));
    let (program, table) = pol_compiler::check::ast_to_tir(&files, csv).unwrap_or_else(|diagnostics| fail(diagnostics));
    let params: Vec<_> = sources.of_kind(SourceKind::Params).map(|(id, file)| (id, file.text.as_str())).collect();
    let set = pol_compiler::params::load(&program, &table, &params).unwrap_or_else(|diagnostics| fail(diagnostics));
    let as_of = pol_compiler::date::parse_iso("2019-07-01").unwrap();
    let counties = set.county_table(&program, &table, as_of).unwrap_or_else(|diagnostic| fail(vec![diagnostic]));
    (program, table, counties)
}
