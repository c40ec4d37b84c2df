//! `.pol` text to [`ast::File`]: the pre-scan, pest, error recovery, and the AST build.
//!
//! ```text
//! text ──lex::scan──▶ comments, brackets ──pest (pol.pest)──▶ pairs ──build──▶ ast::File
//! ```
//!
//! Error recovery: when pest fails, the error is recorded and the failing declaration is
//! blanked out (replaced by spaces, newlines kept, so every byte offset stays valid) from its
//! first line to the next line that starts, in column 0, with a declaration keyword; then the
//! file is parsed again. Errors found while building the AST (bad dates, numbers, units...) are
//! added to the pest errors, and all are returned sorted by position.
//!
//! Naming: `build_x` turns an `x` pair into its AST node; the builders of declarations take
//! `&mut Builder` and record their errors, the expression builders in [`expr`] return
//! `Result` (pest's Pratt parser threads values, not a mutable builder).

mod expected;
mod expr;

pub use expected::KEYWORDS;

use std::num::NonZeroUsize;

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast;
use crate::error::ParseError;
use crate::lex::{self, Lexed};
use crate::span::{SourceId, Span};

/// The pest parser generated from `pol.pest`. Private: no pest type leaves the crate.
#[derive(pest_derive::Parser)]
#[grammar = "pol.pest"]
struct PolParser;

/// Expressions may nest this many levels deep (counting every operator, call, parenthesis and
/// branch); deeper ones are reported as [`ParseError::NestingTooDeep`].
pub(crate) const MAX_NESTING: u32 = 64;

/// Stop after this many syntax errors in one file.
const MAX_ERRORS: usize = 20;

/// pest's budget of rule calls per parse: a backstop against runaway backtracking, far above
/// what any real policy needs (about 100 calls per byte).
const CALL_LIMIT: usize = 200_000_000;

/// Parses one `.pol` file.
///
/// `source` is stored in every span. On failure the errors (at least one) are sorted by
/// position.
pub fn parse_file(source: SourceId, text: &str) -> Result<ast::File, Vec<ParseError>> {
    parse_with_comments(source, text).map(|(file, _)| file)
}

/// Parses one file and also returns what the pre-scan found (comments, brackets), for the
/// formatter.
pub(crate) fn parse_with_comments(source: SourceId, text: &str) -> Result<(ast::File, Lexed), Vec<ParseError>> {
    let lexed = lex::scan(source, text)?;
    pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    let mut errors: Vec<ParseError> = Vec::new();
    let mut working: Option<String> = None;
    let mut last_error_at: Option<usize> = None;
    loop {
        let input = working.as_deref().unwrap_or(text);
        match PolParser::parse(Rule::file, input) {
            Ok(mut pairs) => {
                let mut builder = Builder { cx: Ctx { source, text, lexed: &lexed }, errors: Vec::new() };
                let file = match pairs.next() {
                    Some(pair) => builder.build_file(pair),
                    None => ast::File { items: Vec::new() },
                };
                errors.extend(builder.errors);
                if errors.is_empty() {
                    return Ok((file, lexed));
                }
                break;
            }
            Err(error) => {
                let error = expected::convert(source, input, &error);
                let position = error.span().start as usize;
                let fatal = matches!(error, ParseError::TooComplex { .. });
                errors.push(error);
                if fatal || errors.len() >= MAX_ERRORS || last_error_at.is_some_and(|last| position <= last) {
                    break;
                }
                last_error_at = Some(position);
                let Some((start, end)) = resync_region(input, position) else { break };
                working = Some(blank(input, start, end));
            }
        }
    }
    errors.sort_by_key(|error| (error.span().start, error.span().end));
    errors.dedup();
    Err(errors)
}

/// The words that start a declaration; recovery resumes at a line starting with one.
pub(crate) const ITEM_KEYWORDS: [&str; 12] = [
    "enum",
    "jurisdictions",
    "household",
    "person",
    "case",
    "param",
    "output",
    "report",
    "test",
    "reform",
    "replace",
    "remove",
];

/// The byte range to blank out after an error at `position`: from the start of the failing
/// declaration to the start of the next one, or `None` if that would not make progress.
fn resync_region(text: &str, position: usize) -> Option<(usize, usize)> {
    let starts = item_line_starts(text);
    if starts.contains(&position) {
        // The error is at the start of a declaration: the one before it did not end.
        let start = starts.iter().rev().find(|&&start| start < position).copied().unwrap_or(0);
        return (start < position).then_some((start, position));
    }
    let start = starts.iter().rev().find(|&&start| start <= position).copied().unwrap_or(0);
    let end = starts.iter().find(|&&start| start > position).copied().unwrap_or(text.len());
    (start < end).then_some((start, end))
}

/// Offsets of the lines that start, in column 0, with a declaration keyword.
fn item_line_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let word_end = line.find(|c: char| !unicode_ident_char(c)).unwrap_or(line.len());
        if line.get(..word_end).is_some_and(|word| ITEM_KEYWORDS.contains(&word)) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// Close enough to XID_Continue for finding keywords at line starts.
fn unicode_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with every character in `start..end` except newlines replaced by spaces (one per
/// byte, so offsets are unchanged).
fn blank(text: &str, start: usize, end: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (offset, c) in text.char_indices() {
        if offset < start || offset >= end || c == '\n' {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out
}

/// What every builder needs: the file, its id and the pre-scan.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'t> {
    /// Stored in every span.
    pub source: SourceId,
    /// The original text (never the blanked copy: doc comments are read from it).
    pub text: &'t str,
    /// Comments, for doc comments.
    pub lexed: &'t Lexed,
}

impl Ctx<'_> {
    /// The span of a pair, without the whitespace and comments pest may leave at its end (a
    /// rule ending in an optional part keeps the blanks skipped before trying it).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.source, span.start(), self.trim_end(span.start(), span.end()))
    }

    /// The text of a pair, trimmed like [`Self::span`].
    fn text_of<'p>(&self, pair: &Pair<'p, Rule>) -> &'p str {
        let span = pair.as_span();
        let end = self.trim_end(span.start(), span.end());
        span.as_str().get(..end - span.start()).unwrap_or(span.as_str())
    }

    /// `end` moved back over blanks and comments, but not before `start`.
    fn trim_end(&self, start: usize, mut end: usize) -> usize {
        loop {
            let trimmed =
                self.text.get(start..end).map_or(0, |text| text.trim_end_matches(lex::is_blank_or_newline).len());
            end = start + trimmed;
            let comments = &self.lexed.comments;
            match comments.binary_search_by_key(&end, |comment| comment.end) {
                Ok(index) => match comments.get(index) {
                    Some(comment) if comment.start >= start && comment.start < end => end = comment.start,
                    _ => return end,
                },
                Err(_) => return end,
            }
        }
    }

    /// An identifier pair (or any one-word pair) as an [`ast::Ident`].
    fn ident(&self, pair: &Pair<'_, Rule>) -> ast::Ident {
        ast::Ident { name: pair.as_str().to_string(), span: self.span(pair) }
    }

    /// The doc comment lines directly above a pair.
    fn doc(&self, pair: &Pair<'_, Rule>) -> Vec<String> {
        self.lexed.doc_before(self.text, pair.as_span().start())
    }

    /// An internal error: the grammar and the builder disagree.
    fn internal(&self, span: Span, detail: &str) -> ParseError {
        ParseError::Internal { detail: detail.to_string(), span }
    }
}

/// Whether a rule is punctuation, which the builders skip.
fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::colon
            | Rule::eq_sign
            | Rule::arrow
            | Rule::dotdot
            | Rule::slash
            | Rule::EOI
    )
}

/// The children of a pair without punctuation.
fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|child| !is_punctuation(child.as_rule()))
}

/// Builds declarations, recording every error.
struct Builder<'t> {
    cx: Ctx<'t>,
    errors: Vec<ParseError>,
}

/// The entity of a `kw_household` / `kw_person` / `kw_case` pair.
fn entity_kind(rule: Rule) -> Option<ast::EntityKind> {
    match rule {
        Rule::kw_household => Some(ast::EntityKind::Household),
        Rule::kw_person => Some(ast::EntityKind::Person),
        Rule::kw_case => Some(ast::EntityKind::Case),
        _ => None,
    }
}

impl Builder<'_> {
    /// Records an error and returns `None`.
    fn fail<T>(&mut self, error: ParseError) -> Option<T> {
        self.errors.push(error);
        None
    }

    /// Unwraps a result, recording its error.
    fn ok<T>(&mut self, result: Result<T, ParseError>) -> Option<T> {
        result.map_err(|error| self.errors.push(error)).ok()
    }

    fn build_file(&mut self, pair: Pair<'_, Rule>) -> ast::File {
        let items = children(pair)
            .filter(|child| child.as_rule() == Rule::item)
            .filter_map(|item| self.build_item(item))
            .collect();
        ast::File { items }
    }

    fn build_item(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Item> {
        let span = self.cx.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return self.fail(self.cx.internal(span, "empty item"));
        };
        match inner.as_rule() {
            Rule::enum_decl => self.build_enum(inner).map(ast::Item::Enum),
            Rule::jurisdictions_decl => self.build_jurisdictions(inner).map(ast::Item::Jurisdictions),
            Rule::entity_decl => self.build_entity(inner).map(ast::Item::Entity),
            Rule::rule_decl => self.build_rule(inner).map(ast::Item::Rule),
            Rule::param_decl => self.build_param(inner).map(ast::Item::Param),
            Rule::output_decl => self.build_output(inner).map(ast::Item::Output),
            Rule::report_decl => self.build_report(inner).map(ast::Item::Report),
            Rule::program_decl => self.build_program(inner).map(ast::Item::Program),
            Rule::visit_decl => self.build_visit(inner).map(ast::Item::Visit),
            Rule::test_decl => self.build_test(inner).map(ast::Item::Test),
            Rule::reform_decl => self.build_reform(inner).map(ast::Item::Reform),
            Rule::currency_decl => self.build_currency(inner).map(ast::Item::Currency),
            Rule::replace_decl => self.build_replace(inner).map(ast::Item::Replace),
            Rule::remove_decl => self.build_remove(inner).map(ast::Item::Remove),
            other => self.fail(self.cx.internal(span, &format!("unknown item {other:?}"))),
        }
    }

    fn build_currency(&mut self, pair: Pair<'_, Rule>) -> Option<ast::CurrencyDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let code = children(pair.clone()).find(|child| child.as_rule() == Rule::currency_code)?;
        let code_span = self.cx.span(&code);
        let Some(currency) = ast::Currency::of_unit(code.as_str()) else {
            return self.fail(self.cx.internal(code_span, "a currency code that is not three capitals"));
        };
        let precision = children(pair)
            .find(|child| child.as_rule() == Rule::decimal)
            .map(|decimal| (decimal.as_str().to_string(), self.cx.span(&decimal)));
        Some(ast::CurrencyDecl { doc, currency, code_span, precision, span })
    }

    fn build_reform(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ReformDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let path = children(pair).find(|child| child.as_rule() == Rule::string)?;
        let base = self.ok(expr::build_string_lit(&self.cx, path))?;
        Some(ast::ReformDecl { doc, base, span })
    }

    fn build_replace(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ReplaceDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair);
        let keyword = self.cx.span(&parts.next()?);
        let inner = parts.next()?;
        let target = match inner.as_rule() {
            Rule::param_decl => ast::Replaced::Param(ast::ParamDecl { doc, ..self.build_param(inner)? }),
            _ => ast::Replaced::Rule(ast::RuleDecl { doc, ..self.build_rule(inner)? }),
        };
        Some(ast::ReplaceDecl { keyword, target, span })
    }

    fn build_remove(&mut self, pair: Pair<'_, Rule>) -> Option<ast::RemoveDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(1);
        let entity = entity_kind(parts.next()?.as_rule())?;
        let name = self.cx.ident(&parts.next()?);
        let instead = match parts.nth(1) {
            Some(value) => Some(self.ok(expr::build_expr(&self.cx, value))?),
            None => None,
        };
        Some(ast::RemoveDecl { doc, entity, name, instead, span })
    }

    fn build_enum(&mut self, pair: Pair<'_, Rule>) -> Option<ast::EnumDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut idents = children(pair).filter(|child| child.as_rule() == Rule::ident);
        let name = self.cx.ident(&idents.next()?);
        let variants: Vec<ast::Ident> = idents.map(|variant| self.cx.ident(&variant)).collect();
        if variants.is_empty() {
            return self.fail(ParseError::EmptyEnum { name: name.name, span });
        }
        Some(ast::EnumDecl { doc, name, variants, span })
    }

    fn build_jurisdictions(&mut self, pair: Pair<'_, Rule>) -> Option<ast::JurisdictionsDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut columns = Vec::new();
        let mut failed = false;
        for column in children(pair).filter(|child| child.as_rule() == Rule::column) {
            match self.build_column(column) {
                Some(column) => columns.push(column),
                None => failed = true,
            }
        }
        (!failed).then_some(ast::JurisdictionsDecl { doc, columns, span })
    }

    fn build_entity(&mut self, pair: Pair<'_, Rule>) -> Option<ast::EntityDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair);
        let keyword = parts.next()?;
        let kind = entity_kind(keyword.as_rule())?;
        let kind_span = self.cx.span(&keyword);
        let (mut columns, mut requires, mut failed) = (Vec::new(), Vec::new(), false);
        let mut roles = Vec::new();
        for entry in parts {
            let Some(inner) = entry.into_inner().next() else { continue };
            match inner.as_rule() {
                Rule::column => match self.build_column(inner) {
                    Some(column) => columns.push(column),
                    None => failed = true,
                },
                Rule::roles_decl => {
                    for item in children(inner).filter(|child| child.as_rule() == Rule::role_item) {
                        match self.build_role(item) {
                            Some(role) => roles.push(role),
                            None => failed = true,
                        }
                    }
                }
                _ => match self.build_require(inner) {
                    Some(require) => requires.push(require),
                    None => failed = true,
                },
            }
        }
        (!failed).then_some(ast::EntityDecl { doc, kind, kind_span, columns, requires, roles, span })
    }

    /// `child` or `at most 2 parent`.
    fn build_role(&mut self, pair: Pair<'_, Rule>) -> Option<ast::RoleDecl> {
        let span = self.cx.span(&pair);
        let mut at_most = None;
        let mut name = None;
        for part in children(pair) {
            match part.as_rule() {
                Rule::uint => {
                    let value = self.ok(expr::build_i64(&self.cx, &part))?;
                    let Ok(value) = u32::try_from(value) else {
                        return self.fail(ParseError::BadNumber {
                            text: part.as_str().to_string(),
                            reason: "too large for a number of members".into(),
                            help: "write a number of members below 4294967296".into(),
                            span: self.cx.span(&part),
                        });
                    };
                    at_most = Some((value, self.cx.span(&part)));
                }
                Rule::ident => name = Some(self.cx.ident(&part)),
                _ => {}
            }
        }
        Some(ast::RoleDecl { name: name?, at_most, span })
    }

    fn build_column(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ColumnDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair);
        let name = self.cx.ident(&parts.next()?);
        let ty = self.build_column_type(parts.next()?)?;
        let mut next = parts.next();
        let per = match &next {
            Some(part) if part.as_rule() == Rule::column_per => {
                let per = self.cx.span(part);
                next = parts.next();
                Some(per)
            }
            _ => None,
        };
        let default = match next {
            Some(value) => Some(self.ok(expr::build_expr(&self.cx, value))?),
            None => None,
        };
        Some(ast::ColumnDecl { doc, name, ty, per, default, span })
    }

    fn build_column_type(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ColumnType> {
        let inner = pair.into_inner().next()?;
        let span = self.cx.span(&inner);
        match inner.as_rule() {
            Rule::kw_key => Some(ast::ColumnType::Key(span)),
            Rule::kw_county => Some(ast::ColumnType::County(span)),
            Rule::kw_household => Some(ast::ColumnType::HouseholdRef(span)),
            Rule::kw_city => Some(ast::ColumnType::City(span)),
            Rule::int_type => {
                let mut parts = inner.into_inner();
                let int_span = self.cx.span(&parts.next()?);
                let range = match parts.next() {
                    Some(range) => Some(self.build_int_range(range)?),
                    None => None,
                };
                Some(ast::ColumnType::Value(ast::TypeExpr::Int(int_span), range))
            }
            _ => {
                let ty = self.ok(expr::build_type(&self.cx, inner))?;
                Some(ast::ColumnType::Value(ty, None))
            }
        }
    }

    fn build_int_range(&mut self, pair: Pair<'_, Rule>) -> Option<(i64, i64)> {
        let mut bounds = children(pair);
        let low = self.ok(expr::build_i64(&self.cx, &bounds.next()?))?;
        let high = self.ok(expr::build_i64(&self.cx, &bounds.next()?))?;
        Some((low, high))
    }

    fn build_require(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Require> {
        let span = self.cx.span(&pair);
        let mut parts = children(pair).skip(1);
        let cond = self.ok(expr::build_expr(&self.cx, parts.next()?))?;
        let message = match parts.next() {
            Some(message) => Some(self.ok(expr::build_string_lit(&self.cx, message))?),
            None => None,
        };
        Some(ast::Require { cond, message, span })
    }

    fn build_rule(&mut self, pair: Pair<'_, Rule>) -> Option<ast::RuleDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair);
        let entity = entity_kind(parts.next()?.as_rule())?;
        let name = self.cx.ident(&parts.next()?);
        let mut next = parts.next()?;
        let ty = if next.as_rule() == Rule::type_expr {
            let ty = self.ok(expr::build_type(&self.cx, next))?;
            next = parts.next()?;
            Some(ty)
        } else {
            None
        };
        let per = if next.as_rule() == Rule::per_clause {
            let per_span = self.cx.span(&next);
            let per = if children(next).any(|part| part.as_rule() == Rule::kw_year) {
                ast::Per::Year
            } else {
                ast::Per::Month
            };
            next = parts.next()?;
            Some((per, per_span))
        } else {
            None
        };
        let values = if next.as_rule() == Rule::rule_versions {
            let mut values = Vec::new();
            for version in next.into_inner().filter(|part| part.as_rule() == Rule::dated_value) {
                values.push(self.build_dated_value(version)?);
            }
            values
        } else {
            let value = self.ok(expr::build_expr(&self.cx, next))?;
            let span = value.span;
            vec![ast::DatedValue { from: None, value: Some(value), span }]
        };
        Some(ast::RuleDecl { doc, entity, name, ty, per, values, span })
    }

    fn build_param(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ParamDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(1);
        let name = expr::build_path(&self.cx, parts.next()?);
        let ty = self.ok(expr::build_type(&self.cx, parts.next()?))?;
        let (mut set_by, mut values, mut requires, mut failed) = (Vec::new(), Vec::new(), Vec::new(), false);
        for entry in parts {
            let Some(inner) = entry.into_inner().next() else { continue };
            match inner.as_rule() {
                Rule::set_by => set_by.extend(inner.into_inner().filter_map(|level| self.build_level(&level))),
                Rule::dated_value => match self.build_dated_value(inner) {
                    Some(value) => values.push(value),
                    None => failed = true,
                },
                _ => match self.build_require(inner) {
                    Some(require) => requires.push(require),
                    None => failed = true,
                },
            }
        }
        (!failed).then_some(ast::ParamDecl { doc, name, ty, set_by, values, requires, span })
    }

    fn build_level(&self, pair: &Pair<'_, Rule>) -> Option<(ast::Level, Span)> {
        let level = match pair.as_rule() {
            Rule::kw_province => ast::Level::Province,
            Rule::kw_city => ast::Level::City,
            Rule::kw_county => ast::Level::County,
            _ => return None,
        };
        Some((level, self.cx.span(pair)))
    }

    fn build_dated_value(&mut self, pair: Pair<'_, Rule>) -> Option<ast::DatedValue> {
        let span = self.cx.span(&pair);
        let mut parts = children(pair);
        let mut next = parts.next()?;
        let from = if next.as_rule() == Rule::kw_from {
            let date = self.ok(expr::build_date(&self.cx, &parts.next()?))?;
            next = parts.next()?;
            Some(date)
        } else {
            None
        };
        let value = match next.as_rule() {
            Rule::not_in_force => None,
            Rule::scale_lit => {
                let lit_span = self.cx.span(&next);
                let mut brackets = Vec::new();
                for bracket in children(next).filter(|part| part.as_rule() == Rule::scale_bracket) {
                    let mut exprs = children(bracket).filter(|part| part.as_rule() == Rule::expr);
                    let threshold = self.ok(expr::build_expr(&self.cx, exprs.next()?))?;
                    let value = self.ok(expr::build_expr(&self.cx, exprs.next()?))?;
                    brackets.push((threshold, value));
                }
                Some(ast::Expr { kind: ast::ExprKind::ScaleLit(brackets), span: lit_span })
            }
            _ => Some(self.ok(expr::build_expr(&self.cx, next))?),
        };
        Some(ast::DatedValue { from, value, span })
    }

    fn build_output(&mut self, pair: Pair<'_, Rule>) -> Option<ast::OutputDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(1);
        let name = self.cx.ident(&parts.next()?);
        let entity = entity_kind(parts.nth(1)?.as_rule())?;
        let (mut filter, mut columns, mut failed) = (None, Vec::new(), false);
        while let Some(part) = parts.next() {
            match part.as_rule() {
                Rule::kw_where => filter = Some(self.ok(expr::build_expr(&self.cx, parts.next()?))?),
                _ => match self.build_output_column(part) {
                    Some(column) => columns.push(column),
                    None => failed = true,
                },
            }
        }
        (!failed).then_some(ast::OutputDecl { doc, name, entity, filter, columns, span })
    }

    fn build_output_column(&mut self, pair: Pair<'_, Rule>) -> Option<ast::OutputColumn> {
        let span = self.cx.span(&pair);
        let mut parts = children(pair);
        let name = self.cx.ident(&parts.next()?);
        let value = match parts.next() {
            Some(value) => Some(self.ok(expr::build_expr(&self.cx, value))?),
            None => None,
        };
        Some(ast::OutputColumn { name, value, span })
    }

    fn build_program(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ProgramDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(1);
        let id = self.cx.ident(&parts.next()?);
        let name = self.ok(expr::build_string_lit(&self.cx, parts.next()?))?;
        let rules: Vec<ast::Ident> =
            parts.filter(|part| part.as_rule() == Rule::ident).map(|part| self.cx.ident(&part)).collect();
        if rules.is_empty() {
            return self.fail(self.cx.internal(span, "a program without rules"));
        }
        Some(ast::ProgramDecl { doc, id, name, rules, span })
    }

    fn build_visit(&mut self, pair: Pair<'_, Rule>) -> Option<ast::VisitDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let rule = self.cx.ident(&children(pair).find(|part| part.as_rule() == Rule::ident)?);
        Some(ast::VisitDecl { doc, rule, span })
    }

    fn build_report(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ReportDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(2);
        let table = self.cx.ident(&parts.next()?);
        let (mut entries, mut failed) = (Vec::new(), false);
        for entry in parts {
            let Some(inner) = entry.into_inner().next() else { continue };
            match self.build_report_entry(inner) {
                Some(entry) => entries.push(entry),
                None => failed = true,
            }
        }
        (!failed).then_some(ast::ReportDecl { doc, table, entries, span })
    }

    fn build_report_entry(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ReportEntry> {
        let span = self.cx.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair).skip(1);
        match rule {
            Rule::report_by => {
                let levels = parts
                    .map(|level| {
                        let value = match level.as_rule() {
                            Rule::kw_county => ast::ReportLevel::County,
                            Rule::kw_city => ast::ReportLevel::City,
                            _ => ast::ReportLevel::Province,
                        };
                        (value, self.cx.span(&level))
                    })
                    .collect();
                Some(ast::ReportEntry::By(levels, span))
            }
            Rule::report_count => Some(ast::ReportEntry::Count(parts.map(|name| self.cx.ident(&name)).collect(), span)),
            Rule::report_sum => Some(ast::ReportEntry::Sum(parts.map(|name| self.cx.ident(&name)).collect(), span)),
            Rule::report_budget => {
                let column = self.cx.ident(&parts.next()?);
                let label = self.ok(expr::build_string_lit(&self.cx, parts.next()?))?;
                let amount = self.ok(expr::build_expr(&self.cx, parts.next()?))?;
                Some(ast::ReportEntry::Budget { column, label, amount, span })
            }
            _ => {
                let name = self.cx.ident(&parts.next()?);
                let numerator = self.cx.ident(&parts.next()?);
                let denominator = self.cx.ident(&parts.next()?);
                let (mut filter, mut below) = (None, None);
                while let Some(keyword) = parts.next() {
                    let value = self.ok(expr::build_expr(&self.cx, parts.next()?))?;
                    if keyword.as_rule() == Rule::kw_where {
                        filter = Some(value);
                    } else {
                        below = Some(value);
                    }
                }
                Some(ast::ReportEntry::Rate { name, numerator, denominator, filter, below, span })
            }
        }
    }

    fn build_test(&mut self, pair: Pair<'_, Rule>) -> Option<ast::TestDecl> {
        let (span, doc) = (self.cx.span(&pair), self.cx.doc(&pair));
        let mut parts = children(pair).skip(1);
        let name = self.ok(expr::build_string_lit(&self.cx, parts.next()?))?;
        let (mut as_of, mut records, mut expectations, mut failed) =
            (None::<ast::DateLit>, Vec::new(), Vec::new(), false);
        let mut as_of_month = false;
        let mut tolerance: Option<ast::Expr> = None;
        for entry in parts {
            let Some(inner) = entry.into_inner().next() else { continue };
            match inner.as_rule() {
                Rule::as_of_entry => {
                    let Some(date) = inner.into_inner().nth(1) else { continue };
                    let is_month = date.as_rule() == Rule::month_lit;
                    let built = if is_month {
                        expr::build_period_lit(&self.cx, &date).map(|period| ast::DateLit {
                            year: period.year,
                            month: period.month.unwrap_or(1),
                            day: 1,
                            span: period.span,
                        })
                    } else {
                        expr::build_date(&self.cx, &date)
                    };
                    let Some(date) = self.ok(built) else {
                        failed = true;
                        continue;
                    };
                    if as_of.is_none() {
                        as_of_month = is_month;
                    }
                    if let Some(first) = as_of {
                        failed = true;
                        self.errors.push(ParseError::Duplicate {
                            what: "as_of".into(),
                            span: date.span,
                            first: first.span,
                        });
                    } else {
                        as_of = Some(date);
                    }
                }
                Rule::tolerance_entry => {
                    let Some(value) = children(inner).nth(1) else { continue };
                    let Some(value) = self.ok(expr::build_expr(&self.cx, value)) else {
                        failed = true;
                        continue;
                    };
                    if let Some(first) = &tolerance {
                        failed = true;
                        let first = first.span;
                        self.errors.push(ParseError::Duplicate { what: "tolerance".into(), span: value.span, first });
                    } else {
                        tolerance = Some(value);
                    }
                }
                Rule::record => match self.build_record(inner) {
                    Some(record) => records.push(record),
                    None => failed = true,
                },
                _ => match self.build_expect(inner) {
                    Some(expectation) => expectations.push(expectation),
                    None => failed = true,
                },
            }
        }
        (!failed).then_some(ast::TestDecl { doc, name, as_of, as_of_month, records, expectations, tolerance, span })
    }

    fn build_record(&mut self, pair: Pair<'_, Rule>) -> Option<ast::RecordLit> {
        let span = self.cx.span(&pair);
        let mut parts = children(pair);
        let kind = entity_kind(parts.next()?.as_rule())?;
        let (mut fields, mut periodic) = (Vec::new(), Vec::new());
        let mut failed = false;
        for field in parts {
            let mut field_parts = children(field).filter(|part| part.as_rule() != Rule::colon);
            let (Some(name), Some(mut value)) = (field_parts.next(), field_parts.next()) else { continue };
            let name = self.cx.ident(&name);
            let period = if value.as_rule() == Rule::period_lit {
                let Some(lit) = value.clone().into_inner().next() else { continue };
                let Some(next) = field_parts.next() else { continue };
                value = next;
                match self.ok(expr::build_period_lit(&self.cx, &lit)) {
                    Some(period) => Some(period),
                    None => {
                        failed = true;
                        continue;
                    }
                }
            } else {
                None
            };
            match (self.ok(expr::build_expr(&self.cx, value)), period) {
                (Some(value), None) => fields.push((name, value)),
                (Some(value), Some(period)) => periodic.push((name, period, value)),
                (None, _) => failed = true,
            }
        }
        (!failed).then_some(ast::RecordLit { kind, fields, periodic, span })
    }

    fn build_expect(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expectation> {
        let span = self.cx.span(&pair);
        let inner = children(pair).nth(1)?;
        match inner.as_rule() {
            Rule::expect_error => Some(ast::Expectation::Error(span)),
            Rule::expect_rejected => {
                let message = match children(inner).nth(1) {
                    Some(message) => Some(self.ok(expr::build_string_lit(&self.cx, message))?),
                    None => None,
                };
                Some(ast::Expectation::Rejected(message, span))
            }
            _ => {
                let mut parts = children(inner);
                let mut next = parts.next()?;
                let target = if next.as_rule() == Rule::expect_target {
                    let target = self.build_expect_target(next)?;
                    next = parts.next()?;
                    target
                } else {
                    ast::ExpectTarget::Household
                };
                let name = self.cx.ident(&next);
                let mut next = parts.next()?;
                let period = if next.as_rule() == Rule::period_lit {
                    let lit = next.clone().into_inner().next()?;
                    next = parts.next()?;
                    Some(self.ok(expr::build_period_lit(&self.cx, &lit))?)
                } else {
                    None
                };
                let value = self.ok(expr::build_expr(&self.cx, next))?;
                let tolerance = match parts.find(|part| part.as_rule() == Rule::expr) {
                    Some(tolerance) => Some(self.ok(expr::build_expr(&self.cx, tolerance))?),
                    None => None,
                };
                Some(ast::Expectation::Value { target, name, period, value, tolerance, span })
            }
        }
    }

    fn build_expect_target(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ExpectTarget> {
        let span = self.cx.span(&pair);
        let mut parts = children(pair);
        let entity = parts.next()?.as_rule();
        let number = parts.next()?;
        let Ok(index) = number.as_str().parse::<u32>() else {
            return self.fail(ParseError::BadNumber {
                text: number.as_str().to_string(),
                reason: "too large for a record number".into(),
                help: "records are numbered from 1 in the order the test writes them".into(),
                span: self.cx.span(&number),
            });
        };
        Some(if entity == Rule::kw_person {
            ast::ExpectTarget::Person(index, span)
        } else {
            ast::ExpectTarget::Case(index, span)
        })
    }
}
