//! What the pages read: the policy's `.pol` files parsed again, the sources, and the reference
//! tables; and the text helpers every page uses (file page names, seed passages).

use super::refs::Refs;
use pol_compiler::diagnostic::Sources;
use pol_compiler::policy::Policy;
use pol_compiler::tir::Word;
use pol_grammar::SourceId;
use pol_grammar::ast;

/// A `.pol` file of the policy, parsed again for its declarations in source order.
pub(super) struct PolFile<'a> {
    pub(super) id: SourceId,
    pub(super) name: &'a str,
    pub(super) text: &'a str,
    pub(super) page: String,
    pub(super) ast: ast::File,
}

/// Everything the pages read.
pub(super) struct Site<'a> {
    pub(super) sources: &'a Sources,
    pub(super) policy: &'a Policy,
    pub(super) files: Vec<PolFile<'a>>,
    pub(super) title: &'a str,
    pub(super) as_of: Word,
    pub(super) refs: Refs,
}

impl Site<'_> {
    /// The page of the `.pol` file `source`.
    pub(super) fn page_of(&self, source: SourceId) -> Option<&str> {
        self.files.iter().find(|file| file.id == source).map(|file| file.page.as_str())
    }

    /// The source text of a span, empty if it is out of range.
    pub(super) fn text_of(&self, span: pol_grammar::Span) -> &str {
        self.sources
            .get(span.source)
            .and_then(|file| file.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// The display name of a source file.
    pub(super) fn source_name(&self, source: SourceId) -> &str {
        self.sources.get(source).map_or("", |file| file.name.as_str())
    }
}

/// `2019/20_dibao.pol` → `file-2019-20_dibao.html`.
pub(super) fn file_page_name(name: &str) -> String {
    let stem = name.strip_suffix(".pol").unwrap_or(name);
    let cleaned: String =
        stem.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' { ch } else { '-' }).collect();
    format!("file-{cleaned}.html")
}

/// The seed passage and the drafter's notes of a declaration starting at `start`: the block of
/// `//` comment lines right above it (its `///` doc lines skipped). The passage is the lines from
/// one starting with `"` to the one ending with `"`; the other lines are notes.
pub(super) fn seed_and_notes(text: &str, start: usize) -> (Vec<String>, Vec<String>) {
    let before = text.get(..start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let before = before.get(..line_start).unwrap_or("");
    let mut block = Vec::new();
    for line in before.lines().rev() {
        let trimmed = line.trim();
        if trimmed.starts_with("///") {
            continue;
        }
        match trimmed.strip_prefix("//") {
            Some(comment) if !comment.starts_with("---") => block.push(comment.strip_prefix(' ').unwrap_or(comment)),
            _ => break,
        }
    }
    block.reverse();
    let (mut seed, mut notes) = (Vec::new(), Vec::new());
    let mut in_quote = false;
    for line in block {
        if !in_quote && line.starts_with('"') {
            in_quote = true;
        }
        if in_quote {
            let content = line.trim();
            in_quote = !(content.ends_with('"') && content != "\"");
            seed.push(content.to_string());
        } else {
            notes.push(line.to_string());
        }
    }
    (seed, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_pages_are_named_after_the_file() {
        assert_eq!(file_page_name("2019/20_dibao.pol"), "file-2019-20_dibao.html");
    }

    #[test]
    fn the_seed_is_the_quoted_passage_above_the_doc_comment() {
        let text = "x\n\n// \"第一行\n//  第二行\"\n// A note.\n/// 文档\nperson a: int = 1\n";
        let (seed, notes) = seed_and_notes(text, text.len() - "person a: int = 1\n".len());
        assert_eq!(seed, vec!["\"第一行".to_string(), "第二行\"".to_string()]);
        assert_eq!(notes, vec!["A note.".to_string()]);
    }

    #[test]
    fn a_blank_line_ends_the_block() {
        let text = "// \"不属于\"\n\nperson a: int = 1\n";
        assert_eq!(seed_and_notes(text, text.len() - "person a: int = 1\n".len()), (Vec::new(), Vec::new()));
    }
}
