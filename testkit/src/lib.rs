//! Test support for `pol`, compiled once and shared by the root integration tests, the runtime's
//! integration tests and the benches (as a dev-dependency; never published).
//!
//! - [`shaanxi_oracle`]: the independent, hand-written implementation of the Shaanxi 2019 rules
//!   (`policies/shaanxi/README.md`) that `pol run` is compared with to the fen, and the benches'
//!   speed-of-light baseline.
//! - [`synth`]: the Shaanxi-shaped synthetic data generator (realistic household mixes, boundary
//!   incomes, 14 kinds of deliberately bad rows with the exact rejections they must cause). The
//!   `gen-shaanxi` binary writes its files: `cargo run -p pol-testkit --bin gen-shaanxi -- …`.
//!
//! What it deliberately does not do: depend on `pol-compiler` or `pol-runtime`. The oracle is
//! the independent implementation the product is checked against; sharing code with the product
//! would let one bug hide in both. `pol gen` (the general generator, driven by any policy's
//! declarations) lives in the runtime (`pol_runtime::generate`), not here.
//!
//! Tests: the unit tests at the end of each module. No feature flags.

pub mod shaanxi_oracle;
pub mod synth;
