//! Writes Shaanxi-shaped synthetic data: what `pol gen` wrote before it became general, byte for
//! byte, for the benchmarks and `examples/`.
//!
//! ```text
//! cargo run -p pol-testkit --bin gen-shaanxi -- POLICY_DIR [--households N] [--seed S] [--bad-rate R] [--out DIR]
//! ```
//!
//! Defaults: 1,000 households, seed 2019, no bad rows, `data/`. The county codes come from
//! `POLICY_DIR/jurisdictions.csv`; the rest of the shape (headers, standards, calendar) is the
//! Shaanxi 2019 spec's, built into [`pol_testkit::synth`].

use pol_testkit::synth::{SynthConfig, SynthCounts, county_codes_from_csv, generate};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The command line, parsed.
struct Args {
    policy: PathBuf,
    config: SynthConfig,
    out: PathBuf,
}

const USAGE: &str = "usage: gen-shaanxi POLICY_DIR [--households N] [--seed S] [--bad-rate R] [--out DIR]";

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match write_files(&args.policy, &args.config, &args.out) {
        Ok(counts) => {
            println!(
                "wrote {} households, {} persons, {} cases to {}",
                counts.households,
                counts.persons,
                counts.cases,
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: could not generate data into {}: {error}", args.out.display());
            ExitCode::from(2)
        }
    }
}

fn write_files(policy: &Path, config: &SynthConfig, out: &Path) -> std::io::Result<SynthCounts> {
    let jurisdictions = std::fs::read_to_string(policy.join("jurisdictions.csv"))?;
    let codes = county_codes_from_csv(&jurisdictions);
    std::fs::create_dir_all(out)?;
    generate(
        config,
        &codes,
        File::create(out.join("households.csv"))?,
        File::create(out.join("persons.csv"))?,
        File::create(out.join("cases.csv"))?,
    )
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut policy = None;
    let mut config = SynthConfig { households: 1000, ..SynthConfig::default() };
    let mut out = PathBuf::from("data");
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("`{name}` needs a value"));
        match arg.as_str() {
            "--households" => config.households = number(&value("--households")?)?,
            "--seed" => config.seed = number(&value("--seed")?)?,
            "--bad-rate" => {
                let text = value("--bad-rate")?;
                config.bad_row_rate = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
            }
            "--out" => out = PathBuf::from(value("--out")?),
            _ if arg.starts_with("--") => return Err(format!("unknown option `{arg}`")),
            _ if policy.is_none() => policy = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let policy = policy.ok_or("the policy directory is missing")?;
    Ok(Args { policy, config, out })
}

fn number(text: &str) -> Result<u64, String> {
    text.replace('_', "").parse().map_err(|_| format!("`{text}` is not a whole number"))
}
