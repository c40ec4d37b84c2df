//! The end-to-end tests of `pol`, in one integration test binary (STYLE rule 33).
//!
//! - [`cli`] runs the built `pol` binary on the Shaanxi policy, on temporary copies of it with a
//!   broken local parameter file or `.pol` file, and on generated data, and snapshots what it
//!   prints (machine paths filtered out) with its exit code.
//! - [`oracle`] is the differential test of the whole product: synthetic data sets run through
//!   `pol run` (JIT and interpreter, one and two threads) must give byte-identical output tables
//!   to the independent hand-written oracle `pol_testkit::shaanxi_oracle`, and the same rejects.
//! - [`report`] recomputes every figure of `report.json` (per county, city and province: counts,
//!   sums, annual totals, the rate, the budget line) from the oracle's rows and compares.
//! - [`docs`] checks that the Chinese language reference has every section of the English one,
//!   and runs the Chinese drafting guide's policy, commands and rejected files as the guide shows.
//! - [`lsp`] spawns `pol lsp` on a copy of the Shaanxi policy and speaks JSON-RPC to it over
//!   stdio, one test per feature (diagnostics, hover, definition and references, formatting,
//!   symbols, completion, rename).
//! - [`dated`] runs a policy with dated rules and a parameter that ends
//!   (`tests/policies/child_allowance`) through every command on several dates, both engines, and
//!   snapshots the reads of what is not in force (`pol check` all at once, `pol run --as-of`).
//! - [`reconcile`] runs `pol reconcile` on hand-computed households (one per finding), on bad
//!   roster rows, and on generated data with a roster made from `pol run`'s own output with
//!   known injected errors, which must be found exactly.
//! - [`roles`] runs the policy of household roles (`tests/policies/household_roles`): its tests
//!   on both engines, the canonical layout, and a batch on both engines with a bad role word and
//!   a household over a role's limit in the rejects.
//! - [`openfisca_template`] runs OpenFisca's country template ported to `pol`
//!   (`policies/openfisca_country_template`): its YAML cases as tests on both engines, in the
//!   policy and its reforms, and the batch contract on the example data with OpenFisca's figures.
//! - [`periods`] runs the policy of periods (`tests/policies/periods`): its tests over several
//!   periods on both engines, a batch in the monthly input layout with hand-computed amounts
//!   (both engines, several dates), and the period diagnostics in English and Chinese.
//! - [`support`] holds the helpers (temporary directories, paths).

mod cli;
mod dated;
mod diff;
mod docs;
mod lsp;
mod openfisca_template;
mod oracle;
mod periods;
mod reconcile;
mod reform;
mod report;
mod roles;
mod support;
