//! The pol runtime: columnar batches, readers and writers, parallel execution, reports.
pub mod synth;
