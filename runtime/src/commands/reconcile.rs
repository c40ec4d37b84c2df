//! `pol reconcile DIR --households F --persons F [--cases F] --roster R`: `pol run` over the
//! files, with each accepted household's programs compared with what the roster says was paid
//! in the as-of month (see [`crate::reconcile`]).

use super::run::{RunCommand, run_with_roster};
use super::{ErrorFormat, Status};
use std::io::Write;
use std::path::PathBuf;

/// The arguments of `pol reconcile`.
#[derive(Debug, Clone)]
pub struct ReconcileCommand {
    /// What `pol run` would be given.
    pub run: RunCommand,
    /// The roster: `household_id,program,month,amount` (CSV, JSON lines or Parquet).
    pub roster: PathBuf,
}

/// Runs the policy over the files and compares with the roster; prints the row counts and the
/// findings.
pub fn reconcile(command: &ReconcileCommand, format: ErrorFormat, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    run_with_roster(&command.run, Some(&command.roster), format, out, err)
}
