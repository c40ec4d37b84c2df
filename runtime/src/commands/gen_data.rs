//! `pol gen DIR --households N`: seeded synthetic households, persons and cases for any policy,
//! drawn from its declarations and accepted by its own validation ([`crate::generate`]), as CSV
//! files with the headers `pol run` reads.

use super::{ErrorFormat, Status, load_for_date, print_diagnostics, render};
use crate::generate::{GenerateConfig, GenerateCounts, GenerateError, Sink, Sinks, generate};
use pol_compiler::diagnostic::{Diagnostic, Sources};
use pol_compiler::policy::Policy;
use pol_compiler::tir::Word;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The arguments of `pol gen`.
#[derive(Debug, Clone)]
pub struct GenCommand {
    /// The policy directory.
    pub policy: PathBuf,
    /// How many households.
    pub households: u64,
    /// The random seed.
    pub seed: u64,
    /// Share of households written with one malformed cell.
    pub bad_rate: f64,
    /// The as-of date: parameters in force and ages on that day.
    pub as_of: Word,
    /// Output directory.
    pub out: PathBuf,
}

/// Writes `households.csv`, `persons.csv` (and `cases.csv` when the policy declares cases) into
/// the output directory; prints the row counts.
pub fn gen_data(command: &GenCommand, format: ErrorFormat, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    let (sources, policy, counties) = match load_for_date(&command.policy, None, command.as_of, format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let config = GenerateConfig { households: command.households, seed: command.seed, bad_row_rate: command.bad_rate };
    match write_files(&policy, &counties, &config, &command.out) {
        Ok(counts) => {
            let lang = super::render::lang();
            let (households, persons, cases) =
                (counts.households.to_string(), counts.persons.to_string(), counts.cases.to_string());
            let dir = command.out.display().to_string();
            let mut args =
                vec![("households", households.as_str()), ("persons", persons.as_str()), ("dir", dir.as_str())];
            let id = if policy.program.case.declared {
                args.push(("cases", cases.as_str()));
                "line-gen-wrote-with-cases"
            } else {
                "line-gen-wrote"
            };
            let _ = writeln!(out, "{}", pol_compiler::i18n::line(lang, id, &args));
            if counts.bad_households > 0 {
                let (bad, persons, cases) = (
                    counts.bad_households.to_string(),
                    counts.rejected_persons.to_string(),
                    counts.rejected_cases.to_string(),
                );
                let args = [("bad", bad.as_str()), ("persons", persons.as_str()), ("cases", cases.as_str())];
                let _ = writeln!(out, "{}", pol_compiler::i18n::line(lang, "line-gen-malformed", &args));
            }
            Status::Success
        }
        Err(error) => {
            // The policy or the arguments cannot give data (1); the files cannot be written (2).
            let status = match error {
                GenerateError::Write { .. } | GenerateError::Internal { .. } => Status::Error,
                GenerateError::Unsatisfiable { .. }
                | GenerateError::Evaluation { .. }
                | GenerateError::UnwritableColumn { .. }
                | GenerateError::NoCounty { .. }
                | GenerateError::BadRate { .. }
                | GenerateError::NoBadField => Status::Failure,
            };
            print_error(&sources, error, format, err);
            status
        }
    }
}

/// Creates the files and generates into them.
fn write_files(
    policy: &Policy,
    counties: &pol_compiler::engine::CountyTable,
    config: &GenerateConfig,
    dir: &Path,
) -> Result<GenerateCounts, GenerateError> {
    let io_error = |path: &Path, error: std::io::Error| GenerateError::Write {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|error| io_error(dir, error))?;
    let create = |name: &str| -> Result<(PathBuf, BufWriter<File>), GenerateError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|error| io_error(&path, error))?;
        Ok((path, BufWriter::with_capacity(1 << 16, file)))
    };
    let (households_path, mut households) = create("households.csv")?;
    let (persons_path, mut persons) = create("persons.csv")?;
    let mut cases = if policy.program.case.declared { Some(create("cases.csv")?) } else { None };
    let sinks = Sinks {
        households: Sink { path: &households_path, writer: &mut households },
        persons: Sink { path: &persons_path, writer: &mut persons },
        cases: cases.as_mut().map(|(path, writer)| Sink { path, writer }),
    };
    generate(&policy.program, &policy.jurisdictions, counties, config, sinks)
}

fn print_error(sources: &Sources, error: GenerateError, format: ErrorFormat, err: &mut dyn Write) {
    match error.span() {
        Some(span) => print_diagnostics(sources, vec![Diagnostic::new(Some(span), error)], format, err),
        None => render::print_report(err, format, miette::Report::new(error)),
    }
}
