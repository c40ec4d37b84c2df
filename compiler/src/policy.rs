//! The whole pipeline over a policy's sources: parse every `.pol` file, check them as one
//! program, read `jurisdictions.csv`, load and check the local parameter files.
//!
//! ```text
//! Sources ──parse──▶ Vec<ast::File> ──check──▶ (tir::Program, JurisdictionTable)
//!         ──params──▶ ParamSet ──county_table(as_of)──▶ engine::CountyTable
//! ```
