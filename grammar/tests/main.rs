//! Integration tests of `pol-grammar`: one test binary, modules by topic.
//!
//! - `parse`: a file using every construct, precedence, layout, spans, the Shaanxi corpus.
//! - `errors`: a snapshot of every parse error kind, rendered as the CLI shows it.
//! - `format`: the canonical layout, comments kept, idempotence.
//! - `props`: property tests (printing then parsing gives the tree back; formatting is stable
//!   and keeps comments; no input panics or overflows the stack).

mod suite {
    mod common;
    mod errors;
    mod format;
    mod parse;
    mod props;
}
