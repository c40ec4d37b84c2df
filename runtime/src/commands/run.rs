//! `pol run DIR --households F --persons F [--cases F]`: the main job. Compiles the policy,
//! resolves its parameters for the as-of date and hands the files to [`crate::pipeline::run`].

use super::{EngineChoice, EngineUse, ErrorFormat, Status, load_for_date, make_engines};
pub use crate::output::OutputFormat;
use crate::pipeline::RunOptions;
use pol_compiler::tir::Word;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The arguments of `pol run`.
#[derive(Debug, Clone)]
pub struct RunCommand {
    /// The policy directory.
    pub policy: PathBuf,
    /// Households file.
    pub households: PathBuf,
    /// Persons file.
    pub persons: PathBuf,
    /// Cases file.
    pub cases: Option<PathBuf>,
    /// The evaluation date.
    pub as_of: Word,
    /// Output directory.
    pub out: PathBuf,
    /// Which engine (Jit or Interp).
    pub engine: EngineChoice,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Print stage timings.
    pub timings: bool,
    /// Output table format.
    pub output_format: OutputFormat,
    /// A parameter-only scenario layered over the policy's values (`--scenario S.toml`).
    pub scenario: Option<PathBuf>,
}

/// Runs the policy over the files; prints the row counts (and timings when asked).
pub fn run(command: &RunCommand, format: ErrorFormat, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    let (sources, policy, counties) =
        match load_for_date(&command.policy, command.scenario.as_deref(), command.as_of, format, err) {
            Ok(loaded) => loaded,
            Err(status) => return status,
        };
    let engine_choice = if command.engine == EngineChoice::Both { EngineChoice::Jit } else { command.engine };
    let engine = match make_engines(&policy.program, engine_choice, EngineUse::Outputs) {
        Ok(mut engines) if !engines.is_empty() => engines.remove(0),
        Ok(_) => return Status::Error,
        Err(report) => {
            super::render::print_report(err, format, report);
            return Status::Error;
        }
    };
    let mut options =
        RunOptions::new(command.households.clone(), command.persons.clone(), command.out.clone(), command.as_of);
    options.cases = command.cases.clone();
    options.output_format = command.output_format;
    options.threads = command.threads;
    options.progress = std::io::stderr().is_terminal();
    options.timings = command.timings;
    options.sources = Some(&sources);
    match crate::pipeline::run(&policy.program, &counties, &policy.jurisdictions, &options, engine.as_ref()) {
        Ok(summary) => {
            for (name, counts) in
                [("households", summary.households), ("persons", summary.persons), ("cases", summary.cases)]
            {
                let _ = writeln!(
                    out,
                    "read {} {name}: {} accepted, {} rejected",
                    counts.read, counts.accepted, counts.rejected
                );
            }
            if command.timings {
                let _ = write!(err, "{}", summary.timings);
            }
            Status::Success
        }
        Err(error) => {
            let status = if error.is_policy_or_data_error() { Status::Failure } else { Status::Error };
            super::render::print_report(err, format, miette::Report::new(error));
            status
        }
    }
}
