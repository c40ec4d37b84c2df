//! Integration tests of the runtime: `pol run` over small policies and files.

#![expect(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly")]

mod arrow_eval;
mod atomicity;
mod diagnostics;
mod diff;
mod doc;
mod formats;
mod generate;
mod invariance;
mod modules;
mod outputs;
mod published;
mod report_html;
mod shaanxi;
mod support;
mod validation;
