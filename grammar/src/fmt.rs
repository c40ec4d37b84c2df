//! The canonical layout of `.pol` files: `pol fmt` ([`format_source`]) and the AST
//! pretty-printer ([`print_file`]).
//!
//! Layout: two-space indentation; declarations separated by one blank line; one entry per
//! line inside declaration blocks, in source order; one space around binary operators; money
//! written `80 元/月` (`yuan/month` becomes `元/月`); names, strings and Chinese text as written.
//! Lines aim at 100 columns (a CJK character counts two): what does not fit is broken, in this
//! order of preference: after the `=` of a rule or entry (the value goes on the next line,
//! indented); before each operator of a long `and`/`or`/arithmetic chain; between the
//! arguments of a call or list (one per line); `if c { a } else { b }` over several lines.
//! `match` is always one arm per line; an enum or a test record stays on one line while it
//! fits. Anything containing a comment between its parts is broken, so that the comment keeps
//! its place.
//!
//! Comments: the document is first rendered to lines, each knowing the source bytes its tokens
//! came from ([`doc`]); then every comment is placed by position ([`layout`]): after the last
//! token of a line it stays at the end of that line; otherwise it goes on its own line before
//! the first line that comes after it. A comment inside what became one line goes to the end
//! of that line (or on its own line after it, if that place is taken): never above it, where
//! it would come between a declaration and its doc comment. One blank line is kept where the
//! source has one or more. Formatting a formatted file changes nothing, comments keep their
//! order, and the tree (doc comments included) is unchanged.
//!
//! Naming: `x_doc` builds the document of an `x` node.

mod doc;
mod layout;

use crate::ast::{self, Expr, ExprKind};
use crate::error::ParseError;
use crate::lex::Lexed;
use crate::span::{SourceId, Span};

use doc::Doc;

/// Formats a `.pol` file in the canonical layout, keeping every comment.
///
/// Fails with the parse errors if the file does not parse.
pub fn format_source(source: SourceId, text: &str) -> Result<String, Vec<ParseError>> {
    let (file, lexed) = crate::parse::parse_with_comments(source, text)?;
    let printer = Printer { lexed: Some(&lexed) };
    let lines = doc::render(&printer.file_doc(&file));
    Ok(layout::render(&lines, Some((text, lexed.comments.as_slice()))))
}

/// Prints a syntax tree in the canonical layout, with its doc comments (the tree holds no
/// other comments). Parsing the result gives the same tree, spans aside.
pub fn print_file(file: &ast::File) -> String {
    let printer = Printer { lexed: None };
    let lines = doc::render(&printer.file_doc(file));
    layout::render(&lines, None)
}

/// Precedence levels, loosest first (docs/language.md): a child printed where a tighter one
/// is required gets parentheses.
mod prec {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const COMPARE: u8 = 4;
    pub const ADD: u8 = 5;
    pub const MUL: u8 = 6;
    pub const NEG: u8 = 7;
    pub const AS: u8 = 8;
    pub const PRIMARY: u8 = 9;
}

/// The precedence of an expression's top operator.
fn precedence(expr: &Expr) -> u8 {
    use ast::BinaryOp as B;
    match &expr.kind {
        ExprKind::Binary(B::Or, ..) => prec::OR,
        ExprKind::Binary(B::And, ..) => prec::AND,
        ExprKind::Unary(ast::UnaryOp::Not, _) => prec::NOT,
        ExprKind::Binary(B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge, ..) | ExprKind::In(..) => prec::COMPARE,
        ExprKind::Binary(B::Add | B::Sub, ..) => prec::ADD,
        ExprKind::Binary(B::Mul | B::Div, ..) => prec::MUL,
        ExprKind::Unary(ast::UnaryOp::Neg, _) => prec::NEG,
        ExprKind::As(..) => prec::AS,
        _ => prec::PRIMARY,
    }
}

/// One entry of a declaration block, for printing entries in source order.
enum Entry<'f> {
    Column(&'f ast::ColumnDecl),
    Require(&'f ast::Require),
    Roles(&'f [ast::RoleDecl]),
    SetBy(&'f [(ast::Level, Span)]),
    Value(&'f ast::DatedValue),
    AsOf(&'f ast::DateLit, bool),
    Tolerance(&'f ast::Expr),
    Record(&'f ast::RecordLit),
    Expect(&'f ast::Expectation),
}

/// Builds documents; `lexed` is the pre-scan of the source when formatting one.
struct Printer<'a> {
    lexed: Option<&'a Lexed>,
}

impl Printer<'_> {
    // ------------------------------------------------------------------------------ helpers

    /// Text that came from `span`.
    fn at(&self, text: impl Into<String>, span: Span) -> Doc {
        Doc::Text(text.into(), self.lexed.map(|_| (span.start as usize, span.end as usize)))
    }

    /// A keyword written at `start`.
    fn keyword(&self, keyword: &str, start: u32) -> Doc {
        let start = start as usize;
        Doc::Text(keyword.to_string(), self.lexed.map(|_| (start, start + keyword.len())))
    }

    /// The source offset of the first `bracket` at or after `from`, when formatting.
    fn bracket(&self, from: u32, bracket: u8) -> Option<usize> {
        self.lexed?.bracket_at_or_after(from as usize, bracket)
    }

    /// A bracket written at `offset`.
    fn bracket_doc(&self, bracket: &str, offset: Option<usize>) -> Doc {
        Doc::Text(bracket.to_string(), offset.map(|offset| (offset, offset + 1)))
    }

    /// The closing bracket that ends `span`.
    fn last_byte(&self, span: Span) -> Option<usize> {
        self.lexed.map(|_| (span.end as usize).saturating_sub(1))
    }

    /// Whether a comment lies between two consecutive parts (byte ranges, in source order):
    /// then the group holding them must break there to keep it.
    fn comment_between_parts(&self, parts: &[(usize, usize)]) -> bool {
        let Some(lexed) = self.lexed else { return false };
        parts.windows(2).any(|pair| match pair {
            [(_, end), (start, _)] => {
                lexed.comments.iter().any(|comment| comment.start >= *end && comment.start < *start)
            }
            _ => false,
        })
    }

    /// `/// line` for each doc line (only when printing a tree: formatting keeps the comments
    /// themselves).
    fn doc_lines(&self, doc: &[String], out: &mut Vec<Doc>) {
        if self.lexed.is_some() {
            return;
        }
        for line in doc {
            let text = if line.is_empty() { "///".to_string() } else { format!("/// {line}") };
            out.push(Doc::text(text));
            out.push(Doc::HardLine);
        }
    }

    /// `PREFIX VALUE`, breaking after the prefix (`name =`, `70..79 =>`) when it does not fit;
    /// a `match` or a call stays on the prefix's line and breaks inside instead.
    fn assign(&self, mut prefix: Vec<Doc>, prefix_end: u32, value: &Expr) -> Doc {
        let value_doc = self.expr_doc(value);
        if matches!(value.kind, ExprKind::Match(..) | ExprKind::Call(..)) {
            prefix.push(Doc::text(" "));
            prefix.push(value_doc);
            return Doc::Seq(prefix);
        }
        let force = self.comment_between_parts(&[(0, prefix_end as usize), span_range(value.span)]);
        prefix.push(Doc::Indent(vec![Doc::Line, value_doc]));
        Doc::group(prefix, force)
    }

    /// `header {` entries `}` (one per line) or `header {}`.
    fn block(&self, mut header: Vec<Doc>, header_end: u32, entries: Vec<Doc>, whole: Span) -> Doc {
        let open = self.bracket(header_end, b'{');
        if entries.is_empty() {
            header.push(Doc::Text(" {}".into(), open.map(|open| (open, open + 2))));
            return Doc::Seq(header);
        }
        header.push(Doc::text(" "));
        header.push(self.bracket_doc("{", open));
        let mut body = Vec::with_capacity(entries.len() * 2);
        for entry in entries {
            body.push(Doc::HardLine);
            body.push(entry);
        }
        header.push(Doc::Indent(body));
        header.push(Doc::HardLine);
        header.push(self.bracket_doc("}", self.last_byte(whole)));
        Doc::Seq(header)
    }

    /// `{ a, b }` flat, or one part per line: enum variants and record fields.
    fn brace_list(&self, parts: Vec<(Doc, Span)>, open: Option<usize>, close: Option<usize>) -> Doc {
        let mut ranges = vec![(0, open.map_or(0, |open| open + 1))];
        ranges.extend(parts.iter().map(|(_, span)| span_range(*span)));
        ranges.push((close.unwrap_or(0), 0));
        let force = open.is_some() && self.comment_between_parts(&ranges);
        let mut inner = Vec::new();
        for (index, (part, _)) in parts.into_iter().enumerate() {
            if index > 0 {
                inner.push(Doc::FlatOnly(","));
            }
            inner.push(Doc::Line);
            inner.push(part);
        }
        Doc::group(
            vec![self.bracket_doc("{", open), Doc::Indent(inner), Doc::Line, self.bracket_doc("}", close)],
            force,
        )
    }

    // -------------------------------------------------------------------------------- items

    fn file_doc(&self, file: &ast::File) -> Doc {
        let mut docs = Vec::new();
        for (index, item) in file.items.iter().enumerate() {
            if index > 0 {
                docs.push(Doc::ItemStart);
            }
            docs.push(self.item_doc(item));
            docs.push(Doc::HardLine);
        }
        Doc::Seq(docs)
    }

    fn item_doc(&self, item: &ast::Item) -> Doc {
        match item {
            ast::Item::Enum(decl) => self.enum_doc(decl),
            ast::Item::Jurisdictions(decl) => {
                let mut header = Vec::new();
                self.doc_lines(&decl.doc, &mut header);
                header.push(self.keyword("jurisdictions", decl.span.start));
                let entries = decl.columns.iter().map(|column| self.column_doc(column)).collect();
                self.block(header, decl.span.start, entries, decl.span)
            }
            ast::Item::Entity(decl) => {
                let mut header = Vec::new();
                self.doc_lines(&decl.doc, &mut header);
                header.push(self.at(decl.kind.keyword(), decl.kind_span));
                let mut entries: Vec<_> =
                    decl.columns.iter().map(|column| (column.span.start, Entry::Column(column))).collect();
                entries.extend(decl.requires.iter().map(|require| (require.span.start, Entry::Require(require))));
                // Every role in one `role` line, where the first was written.
                if let Some(first) = decl.roles.first() {
                    entries.push((first.span.start, Entry::Roles(&decl.roles)));
                    entries.sort_by_key(|(start, _)| *start);
                }
                self.block(header, decl.kind_span.end, self.entries_docs(entries), decl.span)
            }
            ast::Item::Param(decl) => self.param_doc(decl),
            ast::Item::Rule(decl) => self.rule_doc(decl),
            ast::Item::Output(decl) => self.output_doc(decl),
            ast::Item::Report(decl) => self.report_doc(decl),
            ast::Item::Program(decl) => self.program_doc(decl),
            ast::Item::Visit(decl) => {
                let mut docs = Vec::new();
                self.doc_lines(&decl.doc, &mut docs);
                docs.push(self.keyword("visit", decl.span.start));
                docs.push(Doc::text(" = "));
                docs.push(self.at(decl.rule.name.clone(), decl.rule.span));
                Doc::Seq(docs)
            }
            ast::Item::Test(decl) => self.test_doc(decl),
            ast::Item::Currency(decl) => {
                let mut docs = Vec::new();
                self.doc_lines(&decl.doc, &mut docs);
                docs.push(self.keyword("currency", decl.span.start));
                docs.push(Doc::text(" "));
                docs.push(self.at(decl.currency.name(), decl.code_span));
                if let Some((precision, precision_span)) = &decl.precision {
                    docs.push(Doc::text(" precision "));
                    docs.push(self.at(precision.clone(), *precision_span));
                }
                Doc::Seq(docs)
            }
            ast::Item::Reform(decl) => {
                let mut docs = Vec::new();
                self.doc_lines(&decl.doc, &mut docs);
                docs.push(self.keyword("reform", decl.span.start));
                docs.push(Doc::text(" of "));
                docs.push(self.at(quote(&decl.base.value), decl.base.span));
                Doc::Seq(docs)
            }
            ast::Item::Replace(decl) => {
                let mut docs = Vec::new();
                let inner = match &decl.target {
                    ast::Replaced::Rule(rule) => {
                        self.doc_lines(&rule.doc, &mut docs);
                        self.rule_doc(&ast::RuleDecl { doc: Vec::new(), ..rule.clone() })
                    }
                    ast::Replaced::Param(param) => {
                        self.doc_lines(&param.doc, &mut docs);
                        self.param_doc(&ast::ParamDecl { doc: Vec::new(), ..param.clone() })
                    }
                };
                docs.push(self.keyword("replace", decl.keyword.start));
                docs.push(Doc::text(" "));
                docs.push(inner);
                Doc::Seq(docs)
            }
            ast::Item::Remove(decl) => {
                let mut docs = Vec::new();
                self.doc_lines(&decl.doc, &mut docs);
                let mut prefix = vec![self.keyword("remove", decl.span.start)];
                prefix.push(Doc::text(format!(" {} ", decl.entity.keyword())));
                prefix.push(self.at(decl.name.name.clone(), decl.name.span));
                match &decl.instead {
                    Some(instead) => {
                        prefix.push(Doc::text(" instead ="));
                        docs.push(self.assign(prefix, decl.name.span.end, instead));
                    }
                    None => docs.extend(prefix),
                }
                Doc::Seq(docs)
            }
        }
    }

    fn rule_doc(&self, decl: &ast::RuleDecl) -> Doc {
        let mut docs = Vec::new();
        self.doc_lines(&decl.doc, &mut docs);
        let mut prefix = vec![self.keyword(decl.entity.keyword(), decl.span.start)];
        prefix.push(Doc::text(" "));
        prefix.push(self.at(decl.name.name.clone(), decl.name.span));
        let mut prefix_end = decl.name.span.end;
        if let Some(ty) = &decl.ty {
            prefix.push(Doc::text(": "));
            prefix.push(self.type_doc(ty));
            prefix_end = ty.span().end;
        }
        if let Some((per, span)) = decl.per {
            prefix.push(Doc::text(" "));
            prefix.push(self.at(format!("per {}", per.word()), span));
            prefix_end = span.end;
        }
        match decl.undated_body() {
            Some(body) => {
                prefix.push(Doc::text(" ="));
                docs.push(self.assign(prefix, prefix_end, body));
            }
            None => {
                let entries = decl.values.iter().map(|value| (value.span.start, Entry::Value(value))).collect();
                docs.push(self.block(prefix, prefix_end, self.entries_docs(entries), decl.span));
            }
        }
        Doc::Seq(docs)
    }

    fn enum_doc(&self, decl: &ast::EnumDecl) -> Doc {
        let mut docs = Vec::new();
        self.doc_lines(&decl.doc, &mut docs);
        docs.push(self.keyword("enum", decl.span.start));
        docs.push(Doc::text(" "));
        docs.push(self.at(decl.name.name.clone(), decl.name.span));
        docs.push(Doc::text(" "));
        let variants =
            decl.variants.iter().map(|variant| (self.at(variant.name.clone(), variant.span), variant.span)).collect();
        docs.push(self.brace_list(variants, self.bracket(decl.name.span.end, b'{'), self.last_byte(decl.span)));
        Doc::Seq(docs)
    }

    fn param_doc(&self, decl: &ast::ParamDecl) -> Doc {
        let mut header = Vec::new();
        self.doc_lines(&decl.doc, &mut header);
        header.push(self.keyword("param", decl.span.start));
        header.push(Doc::text(" "));
        header.push(self.path_doc(&decl.name));
        header.push(Doc::text(": "));
        header.push(self.type_doc(&decl.ty));
        let mut entries = Vec::new();
        if let Some((_, first)) = decl.set_by.first() {
            entries.push((first.start, Entry::SetBy(&decl.set_by)));
        }
        entries.extend(decl.values.iter().map(|value| (value.span.start, Entry::Value(value))));
        entries.extend(decl.requires.iter().map(|require| (require.span.start, Entry::Require(require))));
        self.block(header, decl.ty.span().end, self.entries_docs(entries), decl.span)
    }

    fn output_doc(&self, decl: &ast::OutputDecl) -> Doc {
        let mut header = Vec::new();
        self.doc_lines(&decl.doc, &mut header);
        header.push(self.keyword("output", decl.span.start));
        header.push(Doc::text(" "));
        header.push(self.at(decl.name.name.clone(), decl.name.span));
        header.push(Doc::text(format!(" for {}", decl.entity.keyword())));
        let mut header_end = decl.name.span.end;
        if let Some(filter) = &decl.filter {
            header.push(Doc::text(" where "));
            header.push(Doc::Indent(vec![self.expr_doc(filter)]));
            header_end = filter.span.end;
        }
        let entries = decl
            .columns
            .iter()
            .map(|column| {
                let name = self.at(column.name.name.clone(), column.name.span);
                match &column.value {
                    Some(value) => self.assign(vec![name, Doc::text(" =")], column.name.span.end, value),
                    None => name,
                }
            })
            .collect();
        self.block(header, header_end, entries, decl.span)
    }

    fn program_doc(&self, decl: &ast::ProgramDecl) -> Doc {
        let mut docs = Vec::new();
        self.doc_lines(&decl.doc, &mut docs);
        docs.push(self.keyword("program", decl.span.start));
        docs.push(Doc::text(" "));
        docs.push(self.at(decl.id.name.clone(), decl.id.span));
        docs.push(Doc::text(" "));
        docs.push(self.at(quote(&decl.name.value), decl.name.span));
        docs.push(Doc::text(" = "));
        for (index, rule) in decl.rules.iter().enumerate() {
            if index > 0 {
                docs.push(Doc::text(" + "));
            }
            docs.push(self.at(rule.name.clone(), rule.span));
        }
        Doc::Seq(docs)
    }

    fn report_doc(&self, decl: &ast::ReportDecl) -> Doc {
        let mut header = Vec::new();
        self.doc_lines(&decl.doc, &mut header);
        header.push(self.keyword("report", decl.span.start));
        header.push(Doc::text(" for "));
        header.push(self.at(decl.table.name.clone(), decl.table.span));
        let entries = decl.entries.iter().map(|entry| self.report_entry_doc(entry)).collect();
        self.block(header, decl.table.span.end, entries, decl.span)
    }

    fn report_entry_doc(&self, entry: &ast::ReportEntry) -> Doc {
        let mut docs = Vec::new();
        match entry {
            ast::ReportEntry::By(levels, span) => {
                docs.push(self.keyword("by", span.start));
                for (index, (level, level_span)) in levels.iter().enumerate() {
                    docs.push(Doc::text(if index == 0 { " " } else { ", " }));
                    let word = match level {
                        ast::ReportLevel::County => "county",
                        ast::ReportLevel::City => "city",
                        ast::ReportLevel::Province => "province",
                    };
                    docs.push(self.at(word, *level_span));
                }
            }
            ast::ReportEntry::Count(columns, span) | ast::ReportEntry::Sum(columns, span) => {
                let keyword = if matches!(entry, ast::ReportEntry::Count(..)) { "count" } else { "sum" };
                docs.push(self.keyword(keyword, span.start));
                docs.push(Doc::text(" "));
                let mut names = Vec::new();
                for (index, column) in columns.iter().enumerate() {
                    if index > 0 {
                        names.push(Doc::text(","));
                        names.push(Doc::Line);
                    }
                    names.push(self.at(column.name.clone(), column.span));
                }
                let parts: Vec<_> = columns.iter().map(|column| span_range(column.span)).collect();
                docs.push(Doc::group(vec![Doc::Indent(names)], self.comment_between_parts(&parts)));
            }
            ast::ReportEntry::Budget { column, label, amount, span } => {
                docs.push(self.keyword("budget", span.start));
                docs.push(Doc::text(" "));
                docs.push(self.at(column.name.clone(), column.span));
                docs.push(Doc::text(" "));
                docs.push(self.at(quote(&label.value), label.span));
                docs.push(Doc::text(" "));
                docs.push(self.expr_doc(amount));
            }
            ast::ReportEntry::Rate { name, numerator, denominator, filter, below, span } => {
                docs.push(self.keyword("rate", span.start));
                docs.push(Doc::text(" "));
                docs.push(self.at(name.name.clone(), name.span));
                docs.push(Doc::text(" = "));
                docs.push(self.at(numerator.name.clone(), numerator.span));
                docs.push(Doc::text(" / "));
                docs.push(self.at(denominator.name.clone(), denominator.span));
                if let Some(filter) = filter {
                    docs.push(Doc::text(" where "));
                    docs.push(Doc::Indent(vec![self.expr_doc(filter)]));
                }
                if let Some(below) = below {
                    docs.push(Doc::text(" below "));
                    docs.push(self.expr_doc(below));
                }
            }
        }
        Doc::Seq(docs)
    }

    fn test_doc(&self, decl: &ast::TestDecl) -> Doc {
        let mut header = Vec::new();
        self.doc_lines(&decl.doc, &mut header);
        header.push(self.keyword("test", decl.span.start));
        header.push(Doc::text(" "));
        header.push(self.at(quote(&decl.name.value), decl.name.span));
        let mut entries = Vec::new();
        if let Some(as_of) = &decl.as_of {
            entries.push((as_of.span.start, Entry::AsOf(as_of, decl.as_of_month)));
        }
        if let Some(tolerance) = &decl.tolerance {
            entries.push((tolerance.span.start, Entry::Tolerance(tolerance)));
        }
        entries.extend(decl.records.iter().map(|record| (record.span.start, Entry::Record(record))));
        entries.extend(decl.expectations.iter().map(|expect| (expectation_span(expect).start, Entry::Expect(expect))));
        self.block(header, decl.name.span.end, self.entries_docs(entries), decl.span)
    }

    /// The entries of a block in source order (a tree without spans keeps the given order).
    fn entries_docs(&self, mut entries: Vec<(u32, Entry<'_>)>) -> Vec<Doc> {
        entries.sort_by_key(|(start, _)| *start);
        entries.into_iter().map(|(_, entry)| self.entry_doc(entry)).collect()
    }

    fn entry_doc(&self, entry: Entry<'_>) -> Doc {
        match entry {
            Entry::Column(column) => self.column_doc(column),
            Entry::Require(require) => {
                let mut docs = vec![self.keyword("require", require.span.start), Doc::text(" ")];
                docs.push(Doc::Indent(vec![self.expr_doc(&require.cond)]));
                if let Some(message) = &require.message {
                    let text = format!(" {}", quote(&message.value));
                    docs.push(Doc::Unmeasured(text, self.lexed.map(|_| span_range(message.span))));
                }
                Doc::Seq(docs)
            }
            Entry::Roles(roles) => {
                let mut docs = vec![Doc::text("role")];
                for (index, role) in roles.iter().enumerate() {
                    docs.push(Doc::text(if index == 0 { " " } else { ", " }));
                    if let Some((limit, span)) = role.at_most {
                        docs.push(Doc::text("at most "));
                        docs.push(self.at(limit.to_string(), span));
                        docs.push(Doc::text(" "));
                    }
                    docs.push(self.at(role.name.name.clone(), role.name.span));
                }
                Doc::Seq(docs)
            }
            Entry::SetBy(levels) => {
                let mut docs = vec![Doc::text("set by")];
                for (index, (level, span)) in levels.iter().enumerate() {
                    docs.push(Doc::text(if index == 0 { " " } else { ", " }));
                    let word = match level {
                        ast::Level::Province => "province",
                        ast::Level::City => "city",
                        ast::Level::County => "county",
                    };
                    docs.push(self.at(word, *span));
                }
                Doc::Seq(docs)
            }
            Entry::Value(value) => {
                let (mut prefix, prefix_end) = match &value.from {
                    Some(from) => (
                        vec![
                            self.keyword("from", value.span.start),
                            Doc::text(" "),
                            self.date_doc(from),
                            Doc::text(" ="),
                        ],
                        from.span.end,
                    ),
                    None => (vec![self.keyword("=", value.span.start)], value.span.start + 1),
                };
                match &value.value {
                    Some(expr) => self.assign(prefix, prefix_end, expr),
                    None => {
                        prefix.push(Doc::text(" none"));
                        Doc::Seq(prefix)
                    }
                }
            }
            Entry::AsOf(date, false) => Doc::Seq(vec![Doc::text("as_of "), self.date_doc(date)]),
            Entry::AsOf(date, true) => {
                Doc::Seq(vec![Doc::text("as_of "), self.at(format!("{:04}-{:02}", date.year, date.month), date.span)])
            }
            Entry::Tolerance(amount) => Doc::Seq(vec![Doc::text("tolerance "), self.expr_doc(amount)]),
            Entry::Record(record) => self.record_doc(record),
            Entry::Expect(expectation) => self.expectation_doc(expectation),
        }
    }

    fn column_doc(&self, column: &ast::ColumnDecl) -> Doc {
        let mut lines = Vec::new();
        self.doc_lines(&column.doc, &mut lines);
        let mut docs = vec![self.at(column.name.name.clone(), column.name.span)];
        docs.push(Doc::text(": "));
        let type_end = match &column.ty {
            ast::ColumnType::Key(span) => self.word_and_end(&mut docs, "key", *span),
            ast::ColumnType::County(span) => self.word_and_end(&mut docs, "county", *span),
            ast::ColumnType::HouseholdRef(span) => self.word_and_end(&mut docs, "household", *span),
            ast::ColumnType::City(span) => self.word_and_end(&mut docs, "city", *span),
            ast::ColumnType::Value(ty, range) => {
                docs.push(self.type_doc(ty));
                if let Some((low, high)) = range {
                    docs.push(Doc::text(format!(" {low}..{high}")));
                }
                ty.span().end
            }
        };
        let type_end = match column.per {
            Some(span) => {
                docs.push(Doc::text(" "));
                docs.push(self.at("per month", span));
                span.end
            }
            None => type_end,
        };
        match &column.default {
            Some(default) => {
                docs.push(Doc::text(" ="));
                lines.push(self.assign(docs, type_end, default));
            }
            None => lines.extend(docs),
        }
        Doc::Seq(lines)
    }

    /// Pushes a word from `span` and returns the span's end.
    fn word_and_end(&self, docs: &mut Vec<Doc>, word: &str, span: Span) -> u32 {
        docs.push(self.at(word, span));
        span.end
    }

    fn record_doc(&self, record: &ast::RecordLit) -> Doc {
        let keyword = self.keyword(record.kind.keyword(), record.span.start);
        let open = self.bracket(record.span.start, b'{');
        if record.fields.is_empty() && record.periodic.is_empty() {
            return Doc::Seq(vec![keyword, Doc::Text(" {}".into(), open.map(|open| (open, open + 2)))]);
        }
        let plain = record.fields.iter().map(|(name, value)| (name, None, value));
        let periodic = record.periodic.iter().map(|(name, period, value)| (name, Some(period), value));
        let mut all: Vec<_> = plain.chain(periodic).collect();
        all.sort_by_key(|(name, _, _)| name.span.start);
        let fields = all
            .into_iter()
            .map(|(name, period, value)| {
                let mut prefix = vec![self.at(name.name.clone(), name.span)];
                let mut end = name.span.end;
                if let Some(period) = period {
                    prefix.push(Doc::text(" "));
                    prefix.push(self.period_doc(period));
                    end = period.span.end;
                }
                prefix.push(Doc::text(":"));
                (self.assign(prefix, end, value), name.span.to(value.span))
            })
            .collect();
        Doc::Seq(vec![keyword, Doc::text(" "), self.brace_list(fields, open, self.last_byte(record.span))])
    }

    fn expectation_doc(&self, expectation: &ast::Expectation) -> Doc {
        let span = expectation_span(expectation);
        let mut docs = vec![self.keyword("expect", span.start)];
        match expectation {
            ast::Expectation::Value { target, name, period, value, tolerance, .. } => {
                match target {
                    ast::ExpectTarget::Household => {}
                    ast::ExpectTarget::Person(index, span) => docs.push(self.at(format!(" person {index}"), *span)),
                    ast::ExpectTarget::Case(index, span) => docs.push(self.at(format!(" case {index}"), *span)),
                }
                docs.push(Doc::text(" "));
                docs.push(self.at(name.name.clone(), name.span));
                let mut end = name.span.end;
                if let Some(period) = period {
                    docs.push(Doc::text(" "));
                    docs.push(self.period_doc(period));
                    end = period.span.end;
                }
                docs.push(Doc::text(" ="));
                let assigned = self.assign(docs, end, value);
                match tolerance {
                    Some(amount) => Doc::Seq(vec![assigned, Doc::text(" ± "), self.expr_doc(amount)]),
                    None => assigned,
                }
            }
            ast::Expectation::Rejected(message, _) => {
                docs.push(Doc::text(" rejected"));
                if let Some(message) = message {
                    docs.push(Doc::text(" "));
                    docs.push(self.at(quote(&message.value), message.span));
                }
                Doc::Seq(docs)
            }
            ast::Expectation::Error(span) => {
                docs.push(self.at(" error", *span));
                Doc::Seq(docs)
            }
        }
    }

    // -------------------------------------------------------------------------- expressions

    fn expr_doc(&self, expr: &Expr) -> Doc {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Number(number, unit) => self.at(number_text(number, *unit), span),
            ExprKind::Bool(value) => self.at(if *value { "true" } else { "false" }, span),
            ExprKind::Date(date) => self.date_doc(date),
            ExprKind::Text(text) => self.at(quote(text), span),
            ExprKind::AsOf => self.at("as_of", span),
            ExprKind::Path(path) => self.path_doc(path),
            ExprKind::Unary(op, operand) => {
                let (symbol, level) = match op {
                    ast::UnaryOp::Not => ("not", prec::NOT),
                    ast::UnaryOp::Neg => ("-", prec::NEG),
                };
                let mut docs = vec![self.keyword(symbol, span.start)];
                if *op == ast::UnaryOp::Not {
                    docs.push(Doc::text(" "));
                }
                docs.push(self.operand_doc(operand, level));
                Doc::Seq(docs)
            }
            ExprKind::Binary(..) => self.chain_doc(expr),
            ExprKind::In(operand, set) => {
                let mut docs = vec![self.operand_doc(operand, prec::COMPARE), Doc::text(" in ")];
                match set {
                    ast::InSet::Range(low, high) => {
                        docs.push(self.range_bound_doc(low));
                        docs.push(Doc::text(".."));
                        docs.push(self.range_bound_doc(high));
                    }
                    ast::InSet::List(items) => {
                        let open = self.bracket(operand.span.end, b'[');
                        docs.push(self.list_doc("[", open, items, "]", self.last_byte(span)));
                    }
                }
                Doc::Seq(docs)
            }
            ExprKind::As(operand, ty) => {
                Doc::Seq(vec![self.operand_doc(operand, prec::AS), Doc::text(" as "), self.type_doc(ty)])
            }
            ExprKind::If(..) => self.if_doc(expr),
            ExprKind::Match(scrutinee, arms) => self.match_doc(scrutinee, arms, span),
            ExprKind::Call(name, args) => {
                let open = self.bracket(name.span.end, b'(');
                let name = self.at(name.name.clone(), name.span);
                Doc::Seq(vec![name, self.list_doc("(", open, args, ")", self.last_byte(span))])
            }
            ExprKind::Aggregate { kind, kind_span, filter, value } => {
                let mut docs = vec![self.at(aggregate_name(*kind), *kind_span), Doc::text("(members")];
                if let Some(filter) = filter {
                    docs.push(Doc::text(" where "));
                    docs.push(Doc::Indent(vec![self.expr_doc(filter)]));
                }
                if let Some(value) = value {
                    docs.push(Doc::text(", "));
                    docs.push(Doc::Indent(vec![self.expr_doc(value)]));
                }
                docs.push(self.bracket_doc(")", self.last_byte(span)));
                Doc::Seq(docs)
            }
            ExprKind::Paren(inner) => Doc::Seq(vec![
                self.bracket_doc("(", self.lexed.map(|_| span.start as usize)),
                Doc::Indent(vec![self.expr_doc(inner)]),
                self.bracket_doc(")", self.last_byte(span)),
            ]),
            ExprKind::ScaleLit(brackets) => {
                let mut docs = vec![self.bracket_doc("[", self.lexed.map(|_| span.start as usize))];
                for (index, (threshold, value)) in brackets.iter().enumerate() {
                    if index > 0 {
                        docs.push(Doc::text(", "));
                    }
                    docs.push(self.expr_doc(threshold));
                    docs.push(Doc::text(": "));
                    docs.push(self.expr_doc(value));
                }
                docs.push(self.bracket_doc("]", self.last_byte(span)));
                Doc::Seq(docs)
            }
        }
    }

    /// An operand where precedence `min` is required: in parentheses if its own is lower
    /// (only for trees the parser cannot produce: it keeps parentheses as `Paren`).
    fn operand_doc(&self, expr: &Expr, min: u8) -> Doc {
        if precedence(expr) < min {
            Doc::Seq(vec![Doc::text("("), Doc::Indent(vec![self.expr_doc(expr)]), Doc::text(")")])
        } else {
            self.expr_doc(expr)
        }
    }

    /// A chain of binary operators of one precedence, `a and b and c`: flat, or broken before
    /// each operator.
    fn chain_doc(&self, expr: &Expr) -> Doc {
        let level = precedence(expr);
        let mut rest = Vec::new();
        let mut first = expr;
        while let ExprKind::Binary(op, lhs, rhs) = &first.kind {
            if precedence(first) != level {
                break;
            }
            rest.push((*op, rhs.as_ref()));
            first = lhs;
        }
        rest.reverse();
        let mut parts = vec![span_range(first.span)];
        parts.extend(rest.iter().map(|(_, rhs)| span_range(rhs.span)));
        let force = self.comment_between_parts(&parts);
        let mut docs = vec![self.operand_doc(first, level)];
        for (op, rhs) in rest {
            docs.push(Doc::Line);
            docs.push(Doc::text(format!("{} ", op.symbol())));
            docs.push(self.operand_doc(rhs, level + 1));
        }
        Doc::group(docs, force)
    }

    /// `open items close`: flat, or one item per line.
    fn list_doc(
        &self,
        open: &str,
        open_at: Option<usize>,
        items: &[Expr],
        close: &str,
        close_at: Option<usize>,
    ) -> Doc {
        let open_doc = self.bracket_doc(open, open_at);
        let close_doc = self.bracket_doc(close, close_at);
        if items.is_empty() {
            return Doc::Seq(vec![open_doc, close_doc]);
        }
        let mut ranges = vec![(0, open_at.map_or(0, |open| open + 1))];
        ranges.extend(items.iter().map(|item| span_range(item.span)));
        ranges.push((close_at.unwrap_or(0), 0));
        let force = open_at.is_some() && self.comment_between_parts(&ranges);
        let mut inner = vec![Doc::SoftLine];
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                inner.push(Doc::text(","));
                inner.push(Doc::Line);
            }
            inner.push(self.expr_doc(item));
        }
        Doc::group(vec![open_doc, Doc::Indent(inner), Doc::SoftLine, close_doc], force)
    }

    /// A range bound: a primary, or `-` and a primary; anything else in parentheses.
    fn range_bound_doc(&self, bound: &Expr) -> Doc {
        match &bound.kind {
            ExprKind::Unary(ast::UnaryOp::Neg, operand) => {
                Doc::Seq(vec![self.keyword("-", bound.span.start), self.operand_doc(operand, prec::PRIMARY)])
            }
            _ => self.operand_doc(bound, prec::PRIMARY),
        }
    }

    /// `if c { a } else if d { b } else { e }`, flat or one branch per line.
    fn if_doc(&self, expr: &Expr) -> Doc {
        let mut docs = Vec::new();
        let mut parts = Vec::new();
        let mut current = expr;
        while let ExprKind::If(cond, then, otherwise) = &current.kind {
            if !docs.is_empty() {
                docs.push(Doc::text(" else "));
            }
            docs.push(self.keyword("if", current.span.start));
            docs.push(Doc::text(" "));
            docs.push(Doc::Indent(vec![self.expr_doc(cond)]));
            docs.push(Doc::text(" "));
            docs.push(self.bracket_doc("{", self.bracket(cond.span.end, b'{')));
            docs.push(Doc::Indent(vec![Doc::Line, self.expr_doc(then)]));
            docs.push(Doc::Line);
            docs.push(self.bracket_doc("}", self.bracket(then.span.end, b'}')));
            parts.push(span_range(cond.span));
            parts.push(span_range(then.span));
            current = otherwise;
        }
        docs.push(Doc::text(" else "));
        let else_open = parts
            .last()
            .and_then(|&(_, then_end)| self.bracket(then_end as u32, b'}'))
            .and_then(|close| self.bracket(close as u32 + 1, b'{'));
        docs.push(self.bracket_doc("{", else_open));
        docs.push(Doc::Indent(vec![Doc::Line, self.expr_doc(current)]));
        docs.push(Doc::Line);
        docs.push(self.bracket_doc("}", self.last_byte(expr.span)));
        parts.push(span_range(current.span));
        let force = self.comment_between_parts(&parts);
        Doc::group(docs, force)
    }

    /// `match x {` one arm per line `}`.
    fn match_doc(&self, scrutinee: &Expr, arms: &[ast::MatchArm], span: Span) -> Doc {
        let mut docs =
            vec![self.keyword("match", span.start), Doc::text(" "), self.expr_doc(scrutinee), Doc::text(" ")];
        docs.push(self.bracket_doc("{", self.bracket(scrutinee.span.end, b'{')));
        let mut body = Vec::new();
        for arm in arms {
            body.push(Doc::HardLine);
            let pattern = self.pattern_doc(&arm.pattern);
            body.push(self.assign(vec![pattern, Doc::text(" =>")], pattern_span(&arm.pattern).end, &arm.value));
        }
        docs.push(Doc::Indent(body));
        docs.push(Doc::HardLine);
        docs.push(self.bracket_doc("}", self.last_byte(span)));
        Doc::Seq(docs)
    }

    fn pattern_doc(&self, pattern: &ast::Pattern) -> Doc {
        match pattern {
            ast::Pattern::Wildcard(span) => self.at("_", *span),
            ast::Pattern::Variant(path) => self.path_doc(path),
            ast::Pattern::Int(value, span) => self.at(value.to_string(), *span),
            ast::Pattern::Range(low, high, span) => {
                let high = high.map(|high| high.to_string()).unwrap_or_default();
                self.at(format!("{low}..{high}"), *span)
            }
        }
    }

    fn path_doc(&self, path: &ast::Path) -> Doc {
        self.at(path.dotted(), path.span)
    }

    fn type_doc(&self, ty: &ast::TypeExpr) -> Doc {
        let text = match ty {
            ast::TypeExpr::Money(period, currency, _) => return self.at(currency.unit(*period), ty.span()),
            ast::TypeExpr::Scale(threshold, value, span) => {
                return Doc::Seq(vec![
                    self.keyword("scale", span.start),
                    Doc::text("("),
                    self.type_doc(threshold),
                    Doc::text(", "),
                    self.type_doc(value),
                    Doc::text(")"),
                ]);
            }
            ast::TypeExpr::Ratio(_) => "ratio",
            ast::TypeExpr::Int(_) => "int",
            ast::TypeExpr::Bool(_) => "bool",
            ast::TypeExpr::Date(_) => "date",
            ast::TypeExpr::Text(_) => "text",
            ast::TypeExpr::Named(name) => &name.name,
        };
        self.at(text, ty.span())
    }

    fn period_doc(&self, period: &ast::PeriodLit) -> Doc {
        let text = match period.month {
            Some(month) => format!("{:04}-{month:02}", period.year),
            None => format!("{:04}", period.year),
        };
        self.at(text, period.span)
    }

    fn date_doc(&self, date: &ast::DateLit) -> Doc {
        self.at(format!("{:04}-{:02}-{:02}", date.year, date.month, date.day), date.span)
    }
}

/// A span as a byte range.
fn span_range(span: Span) -> (usize, usize) {
    (span.start as usize, span.end as usize)
}

/// The span of a pattern.
fn pattern_span(pattern: &ast::Pattern) -> Span {
    match pattern {
        ast::Pattern::Wildcard(span) | ast::Pattern::Int(_, span) | ast::Pattern::Range(_, _, span) => *span,
        ast::Pattern::Variant(path) => path.span,
    }
}

/// The span of an `expect` line.
fn expectation_span(expectation: &ast::Expectation) -> Span {
    match expectation {
        ast::Expectation::Value { span, .. } | ast::Expectation::Rejected(_, span) | ast::Expectation::Error(span) => {
            *span
        }
    }
}

/// The name of an aggregate.
fn aggregate_name(kind: ast::AggregateKind) -> &'static str {
    use ast::AggregateKind as A;
    match kind {
        A::Count => "count",
        A::Sum => "sum",
        A::Any => "any",
        A::All => "all",
        A::Max => "max",
        A::Min => "min",
        A::First => "first",
    }
}

/// A number as written: `387.50`, `15%`, `80 元/月`.
fn number_text(number: &ast::Number, unit: ast::NumberUnit) -> String {
    let scale = number.scale as usize;
    let digits = if number.digits.len() <= scale {
        format!("{}{}", "0".repeat(scale + 1 - number.digits.len()), number.digits)
    } else {
        number.digits.clone()
    };
    let point = digits.len() - scale;
    let mut text = match (digits.get(..point), digits.get(point..)) {
        (Some(whole), Some(fraction)) if scale > 0 => format!("{whole}.{fraction}"),
        _ => digits.clone(),
    };
    match unit {
        ast::NumberUnit::None => {}
        ast::NumberUnit::Percent => text.push('%'),
        ast::NumberUnit::Money(period, currency) => {
            text.push(' ');
            text.push_str(&currency.unit(period));
        }
    }
    text
}

/// A string literal with `"`, `\` and control characters escaped.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
