//! The pol runtime: reading input files, validating rows, evaluating batches in parallel,
//! writing output tables, `rejects.csv` and the report — `pol run` — and loading policy
//! directories.
//!
//! The entry points are [`load::load_policy_dir`] (a policy directory into
//! [`pol_compiler::diagnostic::Sources`]) and [`pipeline::run`] (a checked program over households,
//! persons and cases files). The design of the batch scheduler is described in [`pipeline`]; input
//! formats in [`input`]; field rules in `fields`; output formats in [`output`]; the report in
//! [`report`] (and as a page people look at, `report.html`, in [`html_report`]); comparing
//! computed amounts with a roster of what was paid (`pol reconcile`) in [`reconcile`]; synthetic
//! data for any policy (`pol gen`) in [`generate`]; the policy as a static
//! site (`pol doc`) in [`doc`].
//!
//! This crate does not parse or check policies (that is `pol-compiler`) and does not parse
//! command lines (that is the `pol` binary). Tests: unit tests beside each module, integration
//! tests in `runtime/tests/` (one binary, `main.rs`). No feature flags.

pub mod arrow_eval;
pub mod commands;
mod decimal;
pub mod doc;
pub mod error;
mod fields;
pub mod format;
pub mod generate;
mod hash;
pub mod html_report;
pub mod impact;
pub mod input;
pub mod load;
pub mod lsp;
pub mod output;
pub mod pipeline;
pub mod reconcile;
pub mod report;
pub mod single;
mod text_rules;
mod word_loads;

pub use error::RuntimeError;
pub use input::InputFormat;
pub use output::OutputFormat;
pub use pipeline::{RowCounts, RunOptions, RunSummary, Timings, run};
