//! The pre-scan: one pass over the text before pest runs.
//!
//! It finds what pest would report badly or not survive: unterminated strings (pest would
//! complain about the line after), brackets nested so deep that the recursive-descent parser
//! would exhaust its stack, and it collects every comment with its position, for doc comments
//! and for the formatter. Strings and comments are skipped exactly as the grammar does, so a `{`
//! or `//` inside a string is not a bracket or a comment.

use crate::error::ParseError;
use crate::parse::MAX_NESTING;
use crate::span::{SourceId, Span};

/// Brackets may nest this deep: an expression's nesting limit plus the two block levels that
/// can surround an expression (`test { household { f: ... } }`). Deeper input is reported
/// before pest sees it.
const MAX_BRACKET_DEPTH: usize = MAX_NESTING as usize + 2;

/// A `//` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// The byte offset of the first `/`.
    pub start: usize,
    /// One past the last byte of the comment (before the line break; trailing blanks excluded).
    pub end: usize,
    /// Only blanks precede it on its line.
    pub own_line: bool,
}

impl Comment {
    /// The comment's text including the slashes, without trailing blanks.
    pub(crate) fn text<'t>(&self, text: &'t str) -> &'t str {
        // Comments are found in `text` itself, so the range is always in it; empty text keeps a
        // comment of another text from panicking the formatter.
        text.get(self.start..self.end).unwrap_or("")
    }

    /// Whether it is a doc comment: `///` but not `////`, alone on its line.
    pub(crate) fn is_doc(&self, text: &str) -> bool {
        let body = self.text(text);
        self.own_line && body.starts_with("///") && !body.starts_with("////")
    }
}

/// What the pre-scan found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexed {
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
    /// The byte offset of every bracket outside strings and comments, with the bracket.
    pub brackets: Vec<(usize, u8)>,
}

impl Lexed {
    /// The first bracket `kind` at or after `from`.
    pub(crate) fn bracket_at_or_after(&self, from: usize, kind: u8) -> Option<usize> {
        let first = self.brackets.partition_point(|&(offset, _)| offset < from);
        self.brackets.get(first..)?.iter().find(|&&(_, bracket)| bracket == kind).map(|&(offset, _)| offset)
    }

    /// The doc comment lines directly above `start` (only blanks and other doc lines between),
    /// without the slashes and one following space.
    pub(crate) fn doc_before(&self, text: &str, start: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let mut boundary = start;
        let before = self.comments.partition_point(|comment| comment.start < start);
        for comment in self.comments.get(..before).unwrap_or(&[]).iter().rev() {
            let between = text.get(comment.end..boundary).unwrap_or("x");
            if !comment.is_doc(text) || !between.chars().all(is_blank_or_newline) {
                break;
            }
            let body = comment.text(text).get(3..).unwrap_or("");
            lines.push(body.strip_prefix(' ').unwrap_or(body).to_string());
            boundary = comment.start;
        }
        lines.reverse();
        lines
    }
}

/// Whether `c` is whitespace to the grammar.
pub(crate) fn is_blank_or_newline(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{3000}' | '\u{FEFF}')
}

/// Scans `text`; errors are unterminated strings and too-deep nesting.
pub(crate) fn scan(source: SourceId, text: &str) -> Result<Lexed, Vec<ParseError>> {
    let bytes = text.as_bytes();
    let mut lexed = Lexed::default();
    let mut errors = Vec::new();
    let mut depth = 0usize;
    let mut only_blanks = true;
    let mut index = 0usize;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\n' => {
                index += 1;
                only_blanks = true;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                index += 1;
                continue;
            }
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                let end = line_end(bytes, index);
                let trimmed = text.get(index..end).map_or(0, |body| body.trim_end().len());
                lexed.comments.push(Comment { start: index, end: index + trimmed, own_line: only_blanks });
                index = end;
                continue;
            }
            b'"' => match string_end(bytes, index) {
                Ok(end) => index = end,
                Err(end) => {
                    let span = Span::new(source, index, end);
                    errors.push(ParseError::UnterminatedString { span });
                    index = end;
                }
            },
            b'(' | b'[' | b'{' => {
                depth += 1;
                lexed.brackets.push((index, byte));
                if depth > MAX_BRACKET_DEPTH {
                    errors.push(ParseError::NestingTooDeep { span: Span::new(source, index, index + 1) });
                    return Err(errors);
                }
                index += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                lexed.brackets.push((index, byte));
                index += 1;
            }
            _ => {
                // Ideographic space and BOM are blanks too; anything else is code.
                let blank = text.get(index..).and_then(|rest| rest.chars().next()).is_some_and(is_blank_or_newline);
                index += text.get(index..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
                if blank {
                    continue;
                }
            }
        }
        only_blanks = false;
    }
    if errors.is_empty() { Ok(lexed) } else { Err(errors) }
}

/// The offset of the `\n` ending the line that contains `from`, or the end of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or(&[]);
    rest.iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |offset| from + offset)
}

/// One past the closing quote of the string opening at `open`, or `Err(end of line)` if the
/// line (or the text) ends first.
fn string_end(bytes: &[u8], open: usize) -> Result<usize, usize> {
    let mut index = open + 1;
    loop {
        match bytes.get(index) {
            None => return Err(index),
            Some(b'"') => return Ok(index + 1),
            Some(b'\n') => return Err(trim_cr(bytes, open, index)),
            Some(b'\\') => match bytes.get(index + 1) {
                None => return Err(index + 1),
                Some(b'\n') => return Err(trim_cr(bytes, open, index + 1)),
                Some(_) => index += 2,
            },
            Some(_) => index += 1,
        }
    }
}

/// `end`, moved before a `\r` that precedes it (but not before `open`).
fn trim_cr(bytes: &[u8], open: usize, end: usize) -> usize {
    if end > open + 1 && bytes.get(end - 1) == Some(&b'\r') { end - 1 } else { end }
}
