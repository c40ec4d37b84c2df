//! `pol reconcile` against `pol run` on the same households: the target is at most 1.3× the
//! run's time (issue 13), with a roster of 1.5 rows per household.
//!
//! The data is the seeded Shaanxi-shaped output of `pol_testkit::synth` (100,000 households by
//! default; `POL_BENCH_HOUSEHOLDS` overrides). The roster is made from `pol run`'s own
//! `household_results.csv`: a July 2019 row for every household and program with a non-zero
//! amount, one in fifty paid a yuan less (at least 0.01), then June rows until there are 1.5 rows per household
//! (other months are validated and counted, not compared). Both commands run the built binary
//! with the JIT on two threads; the 1M figure of BENCHMARKS.md is a manual run of the release
//! binary under `/usr/bin/time -v`.
//!
//! ```text
//! cargo bench --bench reconcile
//! ```

mod support;

use support::ScratchDir;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs `pol run` (no roster) or `pol reconcile` (a roster) on the data in `data`.
fn run_binary(data: &Path, out: &Path, roster: Option<&Path>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pol"));
    command.arg(if roster.is_some() { "reconcile" } else { "run" }).arg(support::shaanxi_dir());
    for (flag, file) in [("--households", "households.csv"), ("--persons", "persons.csv"), ("--cases", "cases.csv")] {
        command.arg(flag).arg(data.join(file));
    }
    if let Some(roster) = roster {
        command.arg("--roster").arg(roster);
    }
    let status = command
        .arg("--out")
        .arg(out)
        .args(["--engine", "jit", "--threads", "2"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the pol binary starts");
    assert!(status.success(), "pol failed: {status}");
}

/// The Shaanxi programs and the `household_results` columns whose sum each one is.
const PROGRAMS: [(&str, &[&str]); 6] = [
    ("dibao", &["dibao_monthly"]),
    ("tekun", &["tekun_basic_monthly", "tekun_care_monthly"]),
    ("disability_living", &["disability_living_monthly"]),
    ("disability_nursing", &["disability_nursing_monthly"]),
    ("high_age", &["high_age_monthly"]),
    ("orphan", &["orphan_monthly"]),
];

fn fen(text: &str) -> i64 {
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    whole.parse::<i64>().expect("yuan") * 100 + cents.parse::<i64>().expect("fen")
}

/// A roster of `1.5 × households` rows from `pol run`'s `household_results.csv`.
fn write_roster(results: &Path, roster: &Path, n_households: u64) -> usize {
    let text = std::fs::read_to_string(results).expect("household_results.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = |name: &str| header.iter().position(|column| *column == name).expect("a column");
    let columns: Vec<(&str, Vec<usize>)> =
        PROGRAMS.iter().map(|(id, names)| (*id, names.iter().map(|name| column(name)).collect())).collect();
    let id_column = column("household_id");
    let mut july = String::from("household_id,program,month,amount\n");
    let mut june = String::new();
    let (mut n_rows, target) = (0usize, (n_households * 3 / 2) as usize);
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for (program, indices) in &columns {
            let amount: i64 = indices.iter().map(|index| fen(cells[*index])).sum();
            if amount == 0 {
                continue;
            }
            let paid = if n_rows % 50 == 7 && amount > 1 { (amount - 100).max(1) } else { amount };
            let _ = writeln!(july, "{},{program},2019-07,{}.{:02}", cells[id_column], paid / 100, paid % 100);
            let _ = writeln!(june, "{},{program},2019-06,{}.{:02}", cells[id_column], amount / 100, amount % 100);
            n_rows += 1;
        }
    }
    let june_rows: Vec<&str> = june.lines().take(target.saturating_sub(n_rows)).collect();
    n_rows += june_rows.len();
    july.push_str(&june_rows.join("\n"));
    july.push('\n');
    std::fs::write(roster, july).expect("the roster is written");
    n_rows
}

fn reconcile(c: &mut Criterion) {
    let n_households = support::bench_households();
    let scratch = ScratchDir::new("reconcile");
    let data_dir = scratch.0.join("data");
    let out_dir = scratch.0.join("out");
    let generated = support::generate_csv(n_households);
    support::write_csv(&generated, &data_dir);
    drop(generated);
    run_binary(&data_dir, &out_dir, None);
    let roster = data_dir.join("roster.csv");
    let n_rows = write_roster(&out_dir.join("household_results.csv"), &roster, n_households);
    eprintln!("reconcile: {n_households} households, a roster of {n_rows} rows");
    run_binary(&data_dir, &out_dir, Some(&roster));

    let mut group = c.benchmark_group("reconcile");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(n_households));
    group.bench_function(BenchmarkId::new("run_jit_2threads", n_households), |b| {
        b.iter(|| run_binary(&data_dir, &out_dir, None));
    });
    group.bench_function(BenchmarkId::new("reconcile_jit_2threads", n_households), |b| {
        b.iter(|| run_binary(&data_dir, &out_dir, Some(&roster)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = reconcile
}
criterion_main!(benches);
