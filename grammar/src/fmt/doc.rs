//! A small Wadler-style document: text, possible line breaks, indentation and groups that are
//! laid out flat when they fit in the width and broken otherwise. Rendered to [`Line`]s that
//! remember which source bytes their text came from.

use super::layout::Line;

/// The target width in display columns (a CJK character counts two).
pub(super) const WIDTH: usize = 100;

/// A document.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    /// Text, with the source bytes it came from (when formatting a source).
    Text(String, Option<(usize, usize)>),
    /// Text that does not count when deciding whether what precedes it fits (the message
    /// after a `require` condition: a long message should not break the condition).
    Unmeasured(String, Option<(usize, usize)>),
    /// Text written only when its group is flat (the `,` between enum variants).
    FlatOnly(&'static str),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// Always a line break; its groups are broken.
    HardLine,
    /// Line breaks inside are indented two more spaces.
    Indent(Vec<Doc>),
    /// Flat if it fits (and is not forced to break), else broken.
    Group(Vec<Doc>, bool),
    /// A sequence.
    Seq(Vec<Doc>),
    /// The next line starts a declaration (a blank line goes before it).
    ItemStart,
}

impl Doc {
    /// Plain text.
    pub(super) fn text(text: impl Into<String>) -> Doc {
        Doc::Text(text.into(), None)
    }

    /// A group, broken if `force` or if it contains a line break that is always taken.
    pub(super) fn group(docs: Vec<Doc>, force: bool) -> Doc {
        let force = force || docs.iter().any(Doc::must_break);
        Doc::Group(docs, force)
    }

    /// Whether the document always breaks the line (so enclosing groups cannot be flat).
    fn must_break(&self) -> bool {
        match self {
            Doc::HardLine => true,
            Doc::Group(_, force) => *force,
            Doc::Indent(docs) | Doc::Seq(docs) => docs.iter().any(Doc::must_break),
            _ => false,
        }
    }
}

/// The display width of text: East Asian wide characters count two columns.
pub(super) fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Whether a character is displayed two columns wide (CJK, fullwidth forms, Hangul).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

/// Flat or broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// Lays a document out as lines.
pub(super) fn render(doc: &Doc) -> Vec<Line> {
    let mut renderer = Renderer { lines: Vec::new(), line: Line::new(0), column: 0 };
    let mut stack: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Break, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(text, src) | Doc::Unmeasured(text, src) => renderer.text(text, *src),
            Doc::FlatOnly(text) => {
                if mode == Mode::Flat {
                    renderer.text(text, None);
                }
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if matches!(doc, Doc::Line) {
                    renderer.text(" ", None);
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine => renderer.newline(indent),
            Doc::Indent(docs) => stack.extend(docs.iter().rev().map(|doc| (indent + 2, mode, doc))),
            Doc::Seq(docs) => stack.extend(docs.iter().rev().map(|doc| (indent, mode, doc))),
            Doc::Group(docs, force) => {
                let flat = mode == Mode::Flat || (!force && fits(WIDTH.saturating_sub(renderer.column), docs, &stack));
                let mode = if flat { Mode::Flat } else { Mode::Break };
                stack.extend(docs.iter().rev().map(|doc| (indent, mode, doc)));
            }
            Doc::ItemStart => renderer.line.item_start = true,
        }
    }
    if !renderer.line.text.is_empty() {
        renderer.lines.push(renderer.line);
    }
    renderer.lines
}

/// Whether `docs`, laid out flat, and what follows them up to the next line break fit in
/// `width` columns.
fn fits(width: usize, docs: &[Doc], rest: &[(usize, Mode, &Doc)]) -> bool {
    let mut remaining = width;
    let mut stack: Vec<(Mode, &Doc)> = docs.iter().rev().map(|doc| (Mode::Flat, doc)).collect();
    let mut rest = rest.iter().rev();
    loop {
        let (mode, doc) = match stack.pop() {
            Some(next) => next,
            None => match rest.next() {
                Some(&(_, mode, doc)) => (mode, doc),
                None => return true,
            },
        };
        let used = match doc {
            Doc::Text(text, _) => display_width(text),
            Doc::FlatOnly(text) if mode == Mode::Flat => display_width(text),
            Doc::Line if mode == Mode::Flat => 1,
            Doc::Line | Doc::SoftLine | Doc::HardLine if mode == Mode::Break => return true,
            Doc::HardLine => return true,
            Doc::Indent(docs) | Doc::Seq(docs) => {
                stack.extend(docs.iter().rev().map(|doc| (mode, doc)));
                0
            }
            Doc::Group(docs, force) => {
                let mode = if *force { Mode::Break } else { mode };
                stack.extend(docs.iter().rev().map(|doc| (mode, doc)));
                0
            }
            _ => 0,
        };
        remaining = match remaining.checked_sub(used) {
            Some(remaining) => remaining,
            None => return false,
        };
    }
}

/// The lines being produced.
struct Renderer {
    lines: Vec<Line>,
    line: Line,
    column: usize,
}

impl Renderer {
    fn text(&mut self, text: &str, src: Option<(usize, usize)>) {
        self.line.text.push_str(text);
        self.column += display_width(text);
        if let Some((start, end)) = src {
            self.line.src = Some(match self.line.src {
                None => (start, end),
                Some((first, last)) => (first.min(start), last.max(end)),
            });
        }
    }

    fn newline(&mut self, indent: usize) {
        self.column = indent;
        if self.line.text.is_empty() {
            self.line.indent = indent;
            return;
        }
        let done = std::mem::replace(&mut self.line, Line::new(indent));
        self.lines.push(done);
    }
}
