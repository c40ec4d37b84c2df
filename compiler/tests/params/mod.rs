//! Local parameter files: loading, every diagnostic kind, layering county → city → province,
//! dated values, constraints, and the spec's broken files.

#![expect(clippy::panic, clippy::indexing_slicing, reason = "a test fails by panicking")]

mod errors;
mod layering;
mod scales;
mod spec_files;
mod support;
