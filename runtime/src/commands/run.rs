//! `pol run DIR --households F --persons F [--cases F]`: the main job. Compiles the policy,
//! resolves its parameters for the as-of date and hands the files to [`crate::pipeline::run`].

use super::{EngineChoice, EngineUse, ErrorFormat, Status, load_for_date, make_engines};
use crate::error::RuntimeError;
pub use crate::output::OutputFormat;
use crate::pipeline::RunOptions;
use crate::reconcile::Reconcile;
use crate::reconcile::summary::ReconcileSummary;
use pol_compiler::tir::Word;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The arguments of `pol run`.
#[derive(Debug, Clone)]
pub struct RunCommand {
    /// The policy directory.
    pub policy: PathBuf,
    /// Households file.
    pub households: PathBuf,
    /// Persons file; `None` when the households file (Parquet) holds them in a `persons` list
    /// column.
    pub persons: Option<PathBuf>,
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
    run_with_roster(command, None, format, out, err)
}

/// [`run`], comparing each accepted household with `roster` when it is given (`pol reconcile`):
/// the roster's header is checked first, its rows are read and validated while the households
/// are (its errors come before the pass's), and the run also writes
/// `reconcile.csv` and `reconcile_summary.md`/`.json`, and prints the roster's counts.
pub(crate) fn run_with_roster(
    command: &RunCommand,
    roster: Option<&Path>,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let (sources, policy, counties) =
        match load_for_date(&command.policy, command.scenario.as_deref(), command.as_of, format, err) {
            Ok(loaded) => loaded,
            Err(status) => return status,
        };
    let (persons, cases) = match nested_inputs(command, &policy.program) {
        Ok(inputs) => inputs,
        Err(error) => {
            super::render::print_report(err, format, miette::Report::new(error));
            return Status::Failure;
        }
    };
    let mut options = RunOptions::new(command.households.clone(), persons, command.out.clone(), command.as_of);
    options.cases = cases;
    options.output_format = command.output_format;
    options.threads = command.threads;
    options.progress = std::io::stderr().is_terminal();
    options.timings = command.timings;
    options.sources = Some(&sources);
    options.policy_name = policy_name(&command.policy);
    // A bad `--threads` is reported by the pipeline, after the roster's errors as it always
    // was; the roster is then checked on one thread.
    let roster_threads = options.worker_threads().unwrap_or(1);
    let engine_choice = if command.engine == EngineChoice::Both { EngineChoice::Jit } else { command.engine };
    let (program, jurisdictions) = (&policy.program, &policy.jurisdictions);
    let reconcile = match roster
        .map(|_| Reconcile::new((command.policy.as_path(), &sources), program, jurisdictions, command.as_of))
    {
        Some(Ok(reconcile)) => Some(reconcile),
        Some(Err(error)) => return report_roster_error(err, format, &sources, error),
        None => None,
    };
    // The roster's header is checked before anything is written.
    let roster_file = match roster.map(Reconcile::open_roster).transpose() {
        Ok(file) => file,
        Err(error) => return report_roster_error(err, format, &sources, error),
    };
    let out_existed = command.out.exists();
    options.reconcile = reconcile.as_ref();
    // The roster is read on its own thread while the engine is compiled and the households
    // are read and evaluated: the workers compare a chunk once the roster is read, and the
    // writer compares the chunks that came before. The roster's errors come first.
    let (roster_read, finished) = std::thread::scope(|scope| {
        let reading = match (roster_file, reconcile.as_ref()) {
            (Some(file), Some(reconcile)) => {
                Some(scope.spawn(move || reconcile.read_roster(file, program, jurisdictions, roster_threads)))
            }
            _ => None,
        };
        let finished = match make_engines(program, engine_choice, EngineUse::Outputs) {
            Ok(mut engines) if !engines.is_empty() => {
                let engine = engines.remove(0);
                Ok(crate::pipeline::run(program, &counties, jurisdictions, &options, engine.as_ref()))
            }
            Ok(_) => Err(None),
            Err(report) => Err(Some(report)),
        };
        let roster_read = reading
            .map(|handle| handle.join().unwrap_or_else(|_| Err(RuntimeError::internal("the roster's reader stopped"))));
        (roster_read, finished)
    });
    if let Some(Err(error)) = roster_read {
        // The pass stopped and removed what it staged; an output directory it made is left
        // empty, and is removed (a directory that held anything is kept).
        if !out_existed {
            let _ = std::fs::remove_dir(&command.out);
        }
        return report_roster_error(err, format, &sources, error);
    }
    let finished = match finished {
        Ok(finished) => finished,
        Err(None) => return Status::Error,
        Err(Some(report)) => {
            super::render::print_report(err, format, report);
            return Status::Error;
        }
    };
    match finished {
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
            if let Some(summary) = &summary.reconcile {
                print_reconcile_lines(summary, out);
            }
            if command.timings {
                let _ = write!(err, "{}", summary.timings);
            }
            Status::Success
        }
        Err(error) => report_error(err, format, error),
    }
}

/// Prints `error`; a policy or data error is a failure, anything else an error.
fn report_error(err: &mut dyn Write, format: ErrorFormat, error: RuntimeError) -> Status {
    let status = if error.is_policy_or_data_error() { Status::Failure } else { Status::Error };
    super::render::print_report(err, format, miette::Report::new(error));
    status
}

/// Prints a roster's or the programs' `error` through the policy's sources (a missing program
/// points into a `.pol` file, a roster's header is shown); a policy or data error is a failure.
fn report_roster_error(
    err: &mut dyn Write,
    format: ErrorFormat,
    sources: &pol_compiler::diagnostic::Sources,
    error: RuntimeError,
) -> Status {
    let status = if error.is_policy_or_data_error() { Status::Failure } else { Status::Error };
    super::render::print_diagnostic(err, format, sources, error.into_diagnostic());
    status
}

/// The policy's name for `report.html`: its directory's name (`policies/shaanxi` → `shaanxi`).
/// The persons and cases files: as given, or else the households file itself when it is a
/// Parquet file in the nested layout (members in `persons` and `cases` list columns).
fn nested_inputs(
    command: &RunCommand,
    program: &pol_compiler::tir::Program,
) -> Result<(std::path::PathBuf, Option<std::path::PathBuf>), crate::RuntimeError> {
    if let Some(persons) = &command.persons {
        return Ok((persons.clone(), command.cases.clone()));
    }
    let (persons, cases) = crate::input::nested_columns(&command.households)?;
    if !persons {
        return Err(crate::RuntimeError::NoPersons { file: crate::input::file_name(&command.households) });
    }
    let cases = match &command.cases {
        Some(cases) => Some(cases.clone()),
        None => (cases && program.case.declared).then(|| command.households.clone()),
    };
    Ok((command.households.clone(), cases))
}

fn policy_name(policy: &std::path::Path) -> Option<String> {
    let path = if policy.file_name().is_some() { policy.to_path_buf() } else { policy.canonicalize().ok()? };
    path.file_name().map(|name| name.to_string_lossy().into_owned())
}

/// `read N roster rows: A accepted, R rejected` and the findings of the compared month.
fn print_reconcile_lines(summary: &ReconcileSummary, out: &mut dyn Write) {
    let roster = summary.roster;
    let _ =
        writeln!(out, "read {} roster rows: {} accepted, {} rejected", roster.read, roster.accepted, roster.rejected);
    let mut counts: Vec<String> = Vec::new();
    if let Some(first) = summary.province.programs.first() {
        for (index, finding) in first.findings.iter().enumerate() {
            let total: u64 = summary
                .province
                .programs
                .iter()
                .filter_map(|program| program.findings.get(index))
                .map(|finding| finding.count)
                .sum();
            counts.push(format!("{} {total}", finding.finding));
        }
    }
    let _ = writeln!(
        out,
        "compared {}: {} roster rows ({} of other months not compared); {}",
        summary.month,
        roster.compared,
        roster.other_months,
        counts.join(", ")
    );
}
