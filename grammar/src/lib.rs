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

/// The base a `.pol` text names when it starts (after blanks and comments) with
/// `reform of "PATH"`: the path as written, escapes not resolved. A cheap look at the first words
/// only, so that a loader can tell a reform from a policy without parsing; the parser checks
/// the header fully.
pub fn reform_header(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{FEFF}');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        match rest.strip_prefix("//") {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, after)| after),
            None => break,
        }
    }
    let after = rest.strip_prefix("reform")?;
    let after = after.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let after = after.strip_prefix("of")?;
    let after = after.strip_prefix(|c: char| c.is_whitespace())?.trim_start();
    let quoted = after.strip_prefix('"')?;
    let end = quoted.find(['"', '\n'])?;
    quoted.get(..end).filter(|_| quoted.get(end..).is_some_and(|tail| tail.starts_with('"')))
}

#[cfg(test)]
mod reform_header_tests {
    use super::reform_header;

    #[test]
    fn finds_the_header_after_comments() {
        assert_eq!(reform_header("// 改革\n/// doc\nreform of \"../..\"\n"), Some("../.."));
        assert_eq!(reform_header("reform   of\n  \"base\""), Some("base"));
        assert_eq!(reform_header("household x = 1\nreform of \"a\""), None);
        assert_eq!(reform_header("reformed of \"a\""), None);
        assert_eq!(reform_header("reform of \"unterminated\n\""), None);
        assert_eq!(reform_header(""), None);
    }
}
