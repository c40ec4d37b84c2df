//! The pol grammar: `.pol` source text to an owned, spanned syntax tree.
//!
//! This crate holds the pest grammar (`src/pol.pest`), the syntax tree ([`ast`]), the parse
//! errors ([`error`]) and the pretty-printer used by `pol fmt` ([`fmt`]). pest types never leave
//! it: callers see [`parse_file`], [`ast::File`] and [`error::ParseError`].
//!
//! It does no IO and knows nothing of types: that is `pol-compiler`'s job.

pub mod ast;
pub mod span;

pub use span::{SourceId, Span};
