//! `pol diff BASE [REFORM] --households F --persons F [--cases F] [--as-of D] [--base-as-of D]
//! [--scenario S.toml]`:
//! what a change does. Compiles both policies (REFORM defaults to BASE, the base date to the
//! reform's; a scenario is layered over the reform side), resolves each for its date and hands
//! both to [`crate::pipeline::diff`], which evaluates them in one pass and writes `changes.csv`,
//! `rejects.csv`, `summary.md`, `summary.json` and `report.html`.

use super::{EngineChoice, EngineUse, ErrorFormat, Status, load_for_date, make_engines};
use crate::pipeline::{DiffSide, RunOptions};
use pol_compiler::tir::Word;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The arguments of `pol diff`.
#[derive(Debug, Clone)]
pub struct DiffCommand {
    /// The base policy directory.
    pub base: PathBuf,
    /// The reform policy or reform directory (`None`: the base again, usually at another date
    /// or with a scenario).
    pub reform: Option<PathBuf>,
    /// A parameter-only scenario (TOML) layered over the reform side.
    pub scenario: Option<PathBuf>,
    /// Households file.
    pub households: PathBuf,
    /// Persons file.
    pub persons: PathBuf,
    /// Cases file.
    pub cases: Option<PathBuf>,
    /// The reform side's date.
    pub as_of: Word,
    /// The base side's date (`None`: `as_of`).
    pub base_as_of: Option<Word>,
    /// Output directory.
    pub out: PathBuf,
    /// Which engine evaluates both sides (Jit or Interp).
    pub engine: EngineChoice,
    /// Worker threads.
    pub threads: Option<usize>,
}

/// Compares the two sides over the files; prints each side's row counts on `err`, prefixed
/// with the side (`base: read N households: A accepted, R rejected`).
pub fn diff(command: &DiffCommand, format: ErrorFormat, err: &mut dyn Write) -> Status {
    let reform_dir = command.reform.clone().unwrap_or_else(|| command.base.clone());
    let base_as_of = command.base_as_of.unwrap_or(command.as_of);
    let (base_sources, base_policy, base_counties) = match load_for_date(&command.base, None, base_as_of, format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (reform_sources, reform_policy, reform_counties) =
        match load_for_date(&reform_dir, command.scenario.as_deref(), command.as_of, format, err) {
            Ok(loaded) => loaded,
            Err(status) => return status,
        };
    let engine_choice = if command.engine == EngineChoice::Both { EngineChoice::Jit } else { command.engine };
    let mut engines = Vec::with_capacity(2);
    for program in [&base_policy.program, &reform_policy.program] {
        match make_engines(program, engine_choice, EngineUse::Outputs) {
            Ok(mut made) if !made.is_empty() => engines.push(made.remove(0)),
            Ok(_) => return Status::Error,
            Err(report) => {
                super::render::print_report(err, format, report);
                return Status::Error;
            }
        }
    }
    let (Some(base_engine), Some(reform_engine)) = (engines.first(), engines.get(1)) else { return Status::Error };
    let base = DiffSide {
        label: command.base.display().to_string(),
        program: &base_policy.program,
        counties: &base_counties,
        jurisdictions: &base_policy.jurisdictions,
        engine: base_engine.as_ref(),
        sources: Some(&base_sources),
        as_of: base_as_of,
    };
    let reform = DiffSide {
        label: match &command.scenario {
            Some(scenario) => format!("{} + {}", reform_dir.display(), scenario.display()),
            None => reform_dir.display().to_string(),
        },
        program: &reform_policy.program,
        counties: &reform_counties,
        jurisdictions: &reform_policy.jurisdictions,
        engine: reform_engine.as_ref(),
        sources: Some(&reform_sources),
        as_of: command.as_of,
    };
    let mut options =
        RunOptions::new(command.households.clone(), command.persons.clone(), command.out.clone(), command.as_of);
    options.cases = command.cases.clone();
    options.threads = command.threads;
    options.progress = std::io::stderr().is_terminal();
    match crate::pipeline::diff(&base, &reform, &options) {
        Ok(summary) => {
            for (side, counts) in [("base", summary.base), ("reform", summary.reform)] {
                for (name, counts) in ["households", "persons", "cases"].into_iter().zip(counts) {
                    let _ = writeln!(
                        err,
                        "{side}: read {} {name}: {} accepted, {} rejected",
                        counts.read, counts.accepted, counts.rejected
                    );
                }
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
