//! Helpers shared by the test modules.

use pol_grammar::{ParseError, SourceId, ast};

/// The file with every construct.
pub const REALISTIC: &str = include_str!("../data/realistic.pol");

/// Renders an error as the CLI's plain format does (unicode, no colour, 80 columns), with the
/// file attached under `name`.
pub fn render(name: &str, text: &str, error: &ParseError) -> String {
    let report = miette::Report::new(error.clone()).with_source_code(miette::NamedSource::new(name, text.to_string()));
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut out = String::new();
    handler.render_report(&mut out, report.as_ref()).expect("rendering to a String cannot fail");
    out
}

/// Parses `text`, failing the test with the rendered errors if it does not parse.
pub fn parse_ok(text: &str) -> ast::File {
    match pol_grammar::parse_file(SourceId(0), text) {
        Ok(file) => file,
        Err(errors) => {
            let rendered: Vec<String> = errors.iter().map(|error| render("test.pol", text, error)).collect();
            panic!("expected the text to parse:\n{text}\n{}", rendered.join("\n"))
        }
    }
}

/// Parses `text`, failing the test if it parses.
pub fn parse_err(text: &str) -> Vec<ParseError> {
    match pol_grammar::parse_file(SourceId(0), text) {
        Ok(file) => panic!("expected errors for:\n{text}\ngot {file:#?}"),
        Err(errors) => errors,
    }
}

/// The `Debug` form of a value with every span replaced by `_`: compares trees regardless of
/// where they were written.
pub fn without_spans(value: &impl std::fmt::Debug) -> String {
    let debug = format!("{value:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(index) = rest.find("Span { start: ") {
        out.push_str(&rest[..index]);
        let after = &rest[index..];
        let end = after.find(") }").map_or(after.len(), |end| end + 3);
        out.push('_');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The `//` comments of a text in order (text from `//` to the end of the line, trimmed), found
/// by a scanner independent of the crate's: strings are skipped.
pub fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek().is_some_and(|&(_, next)| next == '/') => {
                let end = text[index..].find('\n').map_or(text.len(), |end| index + end);
                found.push(text[index..end].trim_end().to_string());
                while chars.peek().is_some_and(|&(next, _)| next < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    found
}

/// Offsets where a comment or a line break may be inserted without changing the meaning: blanks
/// outside strings and comments.
pub fn blank_offsets(text: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    let mut previous = ' ';
    for (index, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
        } else if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '/' && previous == '/' {
            in_comment = true;
        } else if c == ' ' || c == '\n' {
            offsets.push(index);
        }
        previous = c;
    }
    offsets
}
