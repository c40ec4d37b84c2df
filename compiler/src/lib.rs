//! The pol compiler: type checking, the typed IR, the reference interpreter and the cranelift
//! JIT.
//!
//! Pipeline (see ARCHITECTURE.md): `.pol` text → [`pol_grammar::ast::File`] → [`check`] →
//! [`tir::Program`] → [`interp`] (the semantics) or [`jit`] (the same, compiled). Local parameter
//! files are validated by [`params`] against the program's constraints; [`policy::compile`] runs
//! it all over a policy's sources.
//!
//! This crate does no IO: it takes source texts and returns values or diagnostics. Files,
//! columns, environment and exit codes belong to `pol-runtime` and the CLI.
//!
//! Tests: unit tests beside each module; snapshots of every diagnostic in `tests/`.

pub mod arith;
pub mod check;
pub mod date;
pub mod dated;
pub mod diagnostic;
pub mod engine;
pub mod format;
pub mod i18n;
pub mod index;
pub mod interp;
pub mod jit;
pub mod jurisdictions;
pub mod ops;
pub mod params;
pub mod policy;
pub mod precision;
pub mod reform;
pub mod testing;
pub mod text;
pub mod tir;
