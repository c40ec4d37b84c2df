//! Lines to text: placing comments and blank lines (see the module doc of `fmt`).
//!
//! Blank lines: one is written where the source has at least one between two consecutive
//! elements (lines or comments), except right after an opening bracket, right before a
//! closing one, and at the start of the file. A declaration other than the first is preceded
//! by a blank line: if the source has none in the comments above it, the blank line goes before
//! those comments (comments that followed the previous line in the source stay with it).

use crate::lex::{Comment, is_blank_or_newline};

/// One output line.
#[derive(Debug, Clone, Default)]
pub(super) struct Line {
    /// Spaces before the text.
    pub indent: usize,
    /// The text, without indentation or line break.
    pub text: String,
    /// The source bytes its tokens came from (first token's start, last token's end), when
    /// formatting a source.
    pub src: Option<(usize, usize)>,
    /// It starts a declaration other than the first: a blank line goes before it (and before
    /// the comments above it).
    pub item_start: bool,
}

impl Line {
    /// An empty line at `indent`.
    pub(super) fn new(indent: usize) -> Line {
        Line { indent, ..Line::default() }
    }

    /// It ends with a bracket opening a block or a broken list.
    fn opening(&self) -> bool {
        self.text.ends_with(['{', '(', '['])
    }

    /// It starts with a bracket closing a block or a broken list.
    fn closing(&self) -> bool {
        self.text.starts_with(['}', ')', ']'])
    }

    /// The indentation of a comment on its own line just above it.
    fn comment_indent(&self) -> usize {
        if self.closing() { self.indent + 2 } else { self.indent }
    }
}

/// Where a comment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// On its own line before line `n`.
    Before(usize),
    /// At the end of line `n`.
    Trailing(usize),
    /// On its own line right after line `n` (its end was taken by another comment).
    After(usize),
    /// On its own line at the end of the file.
    End,
}

/// The text of `lines` with the comments of `source` (its text and comments) placed.
pub(super) fn render(lines: &[Line], source: Option<(&str, &[Comment])>) -> String {
    let (text, comments) = source.unwrap_or(("", &[]));
    let slots = place(lines, comments, text);
    let in_slot = |wanted: Slot| slots.iter().filter(move |(_, slot)| *slot == wanted).map(|(comment, _)| *comment);
    let mut out = Output { text, out: String::new(), last_end: None, after_opening: false, at_start: true };
    for (index, line) in lines.iter().enumerate() {
        if let Some(previous) = index.checked_sub(1) {
            for comment in in_slot(Slot::After(previous)) {
                out.comment_line(comment, line.comment_indent(), false);
            }
        }
        let above: Vec<&Comment> = in_slot(Slot::Before(index)).collect();
        let mut blanks = out.source_blanks(above.iter().map(|comment| (comment.start, comment.end)), line.src);
        if line.item_start
            && !blanks.contains(&true)
            && let Some(first) = blanks.first_mut()
        {
            *first = true;
        }
        for (comment, blank) in above.iter().zip(&blanks) {
            out.comment_line(comment, line.comment_indent(), *blank);
        }
        let blank = blanks.last().copied().unwrap_or(false);
        out.line(line, blank, in_slot(Slot::Trailing(index)).next());
    }
    if let Some(last) = lines.len().checked_sub(1) {
        for comment in in_slot(Slot::After(last)) {
            out.comment_line(comment, 0, false);
        }
    }
    let at_end: Vec<&Comment> = in_slot(Slot::End).collect();
    let blanks = out.source_blanks(at_end.iter().map(|comment| (comment.start, comment.end)), None);
    for (comment, blank) in at_end.iter().zip(blanks) {
        out.comment_line(comment, 0, blank);
    }
    out.out
}

/// Decides the slot of every comment, in source order.
fn place<'c>(lines: &[Line], comments: &'c [Comment], text: &str) -> Vec<(&'c Comment, Slot)> {
    let mut trailing_taken = vec![false; lines.len()];
    let mut slots = Vec::with_capacity(comments.len());
    for comment in comments {
        let slot = slot_of(lines, comment, text, &trailing_taken);
        if let Slot::Trailing(index) = slot
            && let Some(taken) = trailing_taken.get_mut(index)
        {
            *taken = true;
        }
        slots.push((comment, slot));
    }
    slots
}

/// The slot of one comment.
fn slot_of(lines: &[Line], comment: &Comment, text: &str, trailing_taken: &[bool]) -> Slot {
    let start = comment.start;
    let free = |index: usize| !trailing_taken.get(index).copied().unwrap_or(true);
    // Inside what became one line: at its end, or right after it if a comment is there. Never
    // above it, where it would come between the line and its doc comment.
    if let Some(index) =
        lines.iter().position(|line| line.src.is_some_and(|(first, last)| first < start && start < last))
    {
        return if free(index) { Slot::Trailing(index) } else { Slot::After(index) };
    }
    if !comment.own_line {
        let previous = lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| line.src.map(|(_, last)| (index, last)))
            .filter(|&(_, last)| last <= start)
            .max_by_key(|&(_, last)| last);
        if let Some((index, last)) = previous
            && text.get(last..start).is_some_and(|between| !between.contains('\n'))
        {
            return if free(index) { Slot::Trailing(index) } else { Slot::After(index) };
        }
    }
    match lines.iter().position(|line| line.src.is_some_and(|(first, _)| first > start)) {
        Some(index) => Slot::Before(index),
        None => Slot::End,
    }
}

/// The text being written, with what the blank-line rules need to know.
struct Output<'t> {
    /// The source text ("" when printing a tree).
    text: &'t str,
    out: String,
    /// Where the last written element ended in the source.
    last_end: Option<usize>,
    /// The last line written opened a block.
    after_opening: bool,
    /// Nothing written yet.
    at_start: bool,
}

impl Output<'_> {
    /// For each of the comments `above` and then the line (if it has a source range), whether
    /// the source has an empty line before it.
    fn source_blanks(&self, above: impl Iterator<Item = (usize, usize)>, line: Option<(usize, usize)>) -> Vec<bool> {
        let mut last_end = self.last_end;
        let mut blanks = Vec::new();
        for (start, end) in above.chain(std::iter::once(line.unwrap_or((usize::MAX, usize::MAX)))) {
            let between = last_end.and_then(|last| self.text.get(last..start));
            blanks.push(between.is_some_and(has_empty_line));
            if end != usize::MAX {
                last_end = Some(end);
            }
        }
        blanks
    }

    /// Writes a blank line if wanted and allowed here.
    fn blank_line(&mut self, wanted: bool) {
        if wanted && !self.at_start && !self.after_opening {
            self.out.push('\n');
        }
    }

    fn comment_line(&mut self, comment: &Comment, indent: usize, blank: bool) {
        self.blank_line(blank);
        self.push_indent(indent);
        self.out.push_str(comment.text(self.text));
        self.out.push('\n');
        self.last_end = Some(comment.end);
        self.after_opening = false;
        self.at_start = false;
    }

    fn line(&mut self, line: &Line, blank: bool, trailing: Option<&Comment>) {
        self.blank_line(blank && !line.closing());
        self.push_indent(line.indent);
        self.out.push_str(&line.text);
        if let Some((_, last)) = line.src {
            self.last_end = Some(last);
        }
        if let Some(comment) = trailing {
            self.out.push(' ');
            self.out.push_str(comment.text(self.text));
            self.last_end = Some(comment.end);
        }
        self.out.push('\n');
        self.after_opening = line.opening();
        self.at_start = false;
    }

    fn push_indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }
}

/// Whether the text between two elements contains an empty line.
fn has_empty_line(between: &str) -> bool {
    let pieces: Vec<&str> = between.split('\n').collect();
    pieces.len() > 2
        && pieces
            .get(1..pieces.len() - 1)
            .is_some_and(|inner| inner.iter().any(|piece| piece.chars().all(is_blank_or_newline)))
}
