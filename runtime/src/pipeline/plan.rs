//! What a pass shares: the run's context ([`PassContext`]), how persons are matched
//! ([`Mode`]), and what every worker reads ([`Shared`]).

use super::cases::CaseStore;
use super::duplicates::Duplicates;
use super::options::RunOptions;
use super::reader::EntityPlan;
use crate::fields::FieldTyper;
use crate::output::TablePlan;
use crate::reconcile::Reconcile;
use crate::report::ReportPlan;
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{Batch, BatchResult, CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::Program;
use std::sync::Mutex;
/// How persons are matched with their households.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// In lockstep with the households file.
    Grouped,
    /// From an in-memory index of the whole persons file.
    Ungrouped,
}

/// What every pass shares.
pub(crate) struct PassContext<'a> {
    /// The workers (`--threads`).
    pub pool: &'a rayon::ThreadPool,
    /// The program.
    pub program: &'a Program,
    /// Parameters and attributes per county.
    pub counties: &'a CountyTable,
    /// County codes, cities and names.
    pub jurisdictions: &'a JurisdictionTable,
    /// What to run on.
    pub options: &'a RunOptions<'a>,
    /// The engine.
    pub engine: &'a dyn Engine,
    /// Field typing.
    pub typer: &'a FieldTyper<'a>,
    /// Whether some rule reads each column of households, persons and cases.
    pub used: &'a [Vec<bool>; 3],
    /// Every case.
    pub cases: &'a CaseStore,
    /// The report.
    pub report: Option<&'a ReportPlan>,
}

/// What every worker shares.
pub(crate) struct Shared<'a> {
    /// The program.
    pub program: &'a Program,
    /// Parameters and attributes per county.
    pub counties: &'a CountyTable,
    /// The engine.
    pub engine: &'a dyn Engine,
    /// The policy's sources, for locations in evaluation errors.
    pub sources: Option<&'a Sources>,
    /// Field typing.
    pub typer: &'a FieldTyper<'a>,
    /// The households file.
    pub households: &'a EntityPlan,
    /// The persons file.
    pub persons: &'a EntityPlan,
    /// Every case.
    pub cases: &'a CaseStore,
    /// Duplicated ids (empty in a first pass).
    pub duplicates: &'a Duplicates,
    /// Output tables.
    pub tables: &'a [TablePlan],
    /// The report.
    pub report: Option<&'a ReportPlan>,
    /// `pol reconcile`'s roster and programs.
    pub reconcile: Option<&'a Reconcile>,
    /// Whether person rows carry sort keys (persons not grouped).
    pub persons_keyed: bool,
    /// Whether to return person-id hashes (first pass).
    pub collect_person_hashes: bool,
    /// Batches to reuse.
    pub batches: Mutex<Vec<Batch>>,
    /// Results no chunk is using, reused by the next (the engine writes into their buffers).
    pub results: Mutex<Vec<BatchResult>>,
}
