//! The pol grammar: `.pol` source text to an owned, spanned syntax tree, and back.
//!
//! This crate holds the pest grammar (`src/pol.pest`), the syntax tree ([`ast`]), the parse
//! errors ([`error`]) and the formatter used by `pol fmt` ([`fmt`]). pest types never leave
//! it: callers see [`parse_file`], [`ast::File`], [`ParseError`] and [`format_source`].
//!
//! It does no IO and knows nothing of types: that is `pol-compiler`'s job. No input can make
//! it panic or overflow the stack: nesting is limited (see [`ParseError::NestingTooDeep`]).
//!
//! Tests: `tests/main.rs` (parsing a file with every construct, a snapshot of every error
//! kind, formatter round trips, and property tests). No feature flags.

pub mod ast;
pub mod error;
pub mod fmt;
mod lex;
pub mod names;
mod parse;
pub mod span;

pub use error::ParseError;
pub use fmt::{format_source, print_file};
pub use parse::{KEYWORDS, parse_file};
pub use span::{SourceId, Span};
