//! Integration tests of the runtime: `pol run` over small policies and files.

#![expect(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests fail loudly")]

#[path = "../../tests/support/shaanxi_oracle.rs"]
#[expect(dead_code, reason = "the oracle's file driver is used, not all of it")]
mod shaanxi_oracle;

mod atomicity;
mod diagnostics;
mod formats;
mod invariance;
mod modules;
mod outputs;
mod shaanxi;
mod support;
mod validation;
