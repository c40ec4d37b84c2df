//! The library side of each `pol` subcommand: the CLI parses arguments and calls one function
//! here per subcommand; these do the IO, call the compiler and the runtime, and print.
//!
//! Every function writes human output to the writers it is given (so tests can capture it) and
//! returns a [`Status`], which the CLI turns into the exit code: 0 success, 1 the policy or data
//! has errors (diagnostics, failed tests), 2 the command could not run (unreadable paths).

pub mod check;
pub mod diff;
pub mod doc;
pub mod explain;
pub mod fmt;
pub mod gen_data;
pub mod reconcile;
pub mod render;
pub mod run;
pub mod test;

pub use render::ErrorFormat;

use pol_compiler::diagnostic::{Diagnostic, Sources};
use pol_compiler::engine::CountyTable;
use pol_compiler::policy::Policy;
use pol_compiler::tir::Word;
use std::io::Write;
use std::path::Path;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything passed.
    Success,
    /// The input has errors (reported).
    Failure,
    /// The command could not run (reported).
    Error,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Error => 2,
        }
    }
}

/// Loads and compiles the policy in `dir`, printing diagnostics on failure.
pub fn load_and_compile(dir: &Path, format: ErrorFormat, err: &mut dyn Write) -> Result<(Sources, Policy), Status> {
    load_with_scenario(dir, None, format, err)
}

/// [`load_and_compile`] with a parameter-only scenario (`--scenario S.toml`) layered over the
/// policy's values (`pol_compiler::params::scenario`).
pub fn load_with_scenario(
    dir: &Path,
    scenario: Option<&Path>,
    format: ErrorFormat,
    err: &mut dyn Write,
) -> Result<(Sources, Policy), Status> {
    let loaded = crate::load::load_policy_dir(dir).and_then(|mut sources| {
        if let Some(path) = scenario {
            crate::load::add_scenario(&mut sources, path)?;
        }
        Ok(sources)
    });
    let sources = match loaded {
        Ok(sources) => sources,
        Err(error) => {
            render::print_report(err, format, miette::Report::new(error));
            return Err(Status::Error);
        }
    };
    match pol_compiler::policy::compile(&sources) {
        Ok(policy) => Ok((sources, policy)),
        Err(diagnostics) => {
            print_diagnostics(&sources, diagnostics, format, err);
            Err(Status::Failure)
        }
    }
}

/// [`load_and_compile`], then the policy in force on `as_of` (each dated rule's version) and
/// the parameters for every county ([`Policy::on`]); something in force that reads something
/// not in force, or a parameter that cannot be resolved, is printed as a diagnostic.
pub fn load_for_date(
    dir: &Path,
    scenario: Option<&Path>,
    as_of: Word,
    format: ErrorFormat,
    err: &mut dyn Write,
) -> Result<(Sources, Policy, CountyTable), Status> {
    let (sources, policy) = load_with_scenario(dir, scenario, format, err)?;
    match policy.on(as_of) {
        Ok((policy, counties)) => Ok((sources, policy, counties)),
        Err(diagnostics) => {
            print_diagnostics(&sources, diagnostics, format, err);
            Err(Status::Failure)
        }
    }
}

/// Prints diagnostics and a closing count line (`error: could not check … due to N errors`).
pub fn print_diagnostics(sources: &Sources, diagnostics: Vec<Diagnostic>, format: ErrorFormat, err: &mut dyn Write) {
    let count = diagnostics.len();
    for diagnostic in diagnostics {
        render::print_diagnostic(err, format, sources, diagnostic);
    }
    if format != ErrorFormat::Json {
        let id = if count == 1 { "line-errors-found-one" } else { "line-errors-found" };
        let _ = writeln!(err, "{}", pol_compiler::i18n::line(render::lang(), id, &[("count", &count.to_string())]));
    }
}

/// Which engine evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// The cranelift JIT.
    Jit,
    /// The reference interpreter.
    Interp,
    /// Both (tests only): every test must pass on each.
    #[default]
    Both,
}

/// What the engines' results are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineUse {
    /// Every rule's value (tests read any rule).
    AllRules,
    /// The outputs and the report only (`pol run`): the JIT stores nothing else.
    Outputs,
}

/// The engines for a choice, interpreter first.
pub fn make_engines(
    program: &pol_compiler::tir::Program,
    choice: EngineChoice,
    engine_use: EngineUse,
) -> Result<Vec<Box<dyn pol_compiler::engine::Engine>>, miette::Report> {
    let mut engines: Vec<Box<dyn pol_compiler::engine::Engine>> = Vec::new();
    if matches!(choice, EngineChoice::Interp | EngineChoice::Both) {
        engines.push(Box::new(pol_compiler::interp::Interpreter::new(program)));
    }
    if matches!(choice, EngineChoice::Jit | EngineChoice::Both) {
        let jit = match engine_use {
            EngineUse::AllRules => pol_compiler::jit::JitEngine::compile(program),
            EngineUse::Outputs => pol_compiler::jit::JitEngine::compile_for_outputs(program),
        };
        engines.push(Box::new(jit.map_err(miette::Report::new)?));
    }
    Ok(engines)
}
