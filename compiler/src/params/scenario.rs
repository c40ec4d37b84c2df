//! Parameter-only scenarios: dated values per jurisdiction in one TOML file, layered over the
//! policy's own values, with no `.pol` file.
//!
//! ```toml
//! [province."2019-01-01"]
//! "topup.child" = "15%"          # the province's value from that day (any parameter)
//!
//! ["610700"."2019-01-01"]
//! dibao_standard = 4400          # 汉中市, as in its own file (only what `set by` allows)
//! ```
//!
//! Each top-level table is a jurisdiction: `province`, or a city or county code as in a local
//! file's `jurisdiction` (a county only when it sets its own parameters); each table inside it is
//! a day, and its entries are written exactly as in local files. A province value is added to the
//! parameter's dated values in the policy (replacing one of the same day); a city's or county's
//! values are layered over that jurisdiction's file (a value of the same day replaces the file's).
//! Every value and every `require` is then checked as for local files, the scenario's mistakes
//! reported at its own lines.

use super::error::ParamsError;
use super::file::{self, LocalFile, Reader, Setting, Tables, flatten, push};
use crate::diagnostic::Diagnostic;
use crate::jurisdictions::JurisdictionTable;
use crate::text::{TextHandle, TextOrigin};
use crate::tir::{Bracket, Expr, ExprKind, ParamId, Program, ScaleId, ScaleVersion, Ty, Word};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// The name of the province's table.
pub const PROVINCE: &str = "province";

/// A scenario's mistake that local files cannot make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ScenarioError {
    /// A top-level key that is not a table of dates.
    #[error("`{key}` must be a table of dates")]
    #[diagnostic(
        code(pol::scenario::not_a_table),
        help(
            "a scenario's tables are a jurisdiction and a day: write `[province.\"2019-01-01\"]` or `[\"610700\".\"2019-01-01\"]`, then `name = value` lines"
        )
    )]
    NotATable {
        /// The key.
        key: String,
        /// The key.
        #[label("not a jurisdiction's table")]
        span: Span,
    },
}

/// The scenario's top-level tables: (key, key span, table).
fn top_tables<'d>(
    document: &'d toml_edit::Document<&str>,
    source: SourceId,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(&'d str, Span, &'d toml_edit::Table)> {
    let span = |range: std::ops::Range<usize>| Span::new(source, range.start, range.end);
    let mut found = Vec::new();
    for (key, item) in document.iter() {
        let key_span = document.key(key).and_then(toml_edit::Key::span).map_or_else(|| span(0..0), span);
        match item {
            toml_edit::Item::Table(table) => found.push((key, key_span, table)),
            toml_edit::Item::Value(_) | toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::None => {
                let error = ScenarioError::NotATable { key: key.to_string(), span: key_span };
                errors.push(Diagnostic::new(Some(key_span), error));
            }
        }
    }
    found
}

/// The date tables of one jurisdiction's table, as `Reader::read_tables` takes them; a value
/// outside a date table is reported.
fn date_tables<'d>(
    table: &'d toml_edit::Table,
    source: SourceId,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(&'d str, Span, Span, &'d toml_edit::Table)> {
    let span = |range: std::ops::Range<usize>| Span::new(source, range.start, range.end);
    let mut tables = Vec::new();
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(toml_edit::Key::span).map_or_else(|| span(0..0), span);
        match item {
            toml_edit::Item::Table(inner) => tables.push((key, inner.span().map_or(key_span, span), key_span, inner)),
            toml_edit::Item::Value(_) => {
                push(errors, ParamsError::UndatedValue { name: key.to_string(), span: key_span });
            }
            toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::None => {
                push(errors, file::bad_date(key, key_span));
            }
        }
    }
    tables
}

/// The program with the scenario's province values added to its parameters' dated values, and
/// the mistakes of the scenario's syntax, its top-level shape and its province entries (the
/// good entries are applied all the same, so that the constraints are still checked).
pub fn apply_province(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    source: SourceId,
    text: &str,
) -> (Program, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let Some(document) = file::parse_document(source, text, &mut errors) else { return (program.clone(), errors) };
    let mut added: Vec<(ParamId, Word, Word, Span)> = Vec::new();
    let mut added_scales: Vec<(ScaleId, Word, Vec<Bracket>, Span)> = Vec::new();
    let mut texts: Vec<(usize, String)> = Vec::new();
    {
        let mut reader = Reader::new(program, jurisdictions);
        for (key, _, table) in top_tables(&document, source, &mut errors) {
            if key != PROVINCE {
                continue;
            }
            for (header, header_span, key_span, day_table) in date_tables(table, source, &mut errors) {
                let from = crate::date::parse_iso(header);
                if from.is_none() {
                    let report_span = if day_table.is_implicit() { key_span } else { header_span };
                    push(&mut errors, file::bad_date(header, report_span));
                }
                let mut seen: HashMap<file::Item, Span> = HashMap::new();
                for entry in flatten(day_table, source) {
                    let Ok((setting, span)) = reader.entry(&entry, None, source, text, &mut errors) else {
                        continue;
                    };
                    if let Some(first) = seen.insert(setting.item(), entry.key_span) {
                        let error = ParamsError::DuplicateValue {
                            name: entry.name,
                            date: header.to_string(),
                            span: entry.key_span,
                            first,
                        };
                        push(&mut errors, error);
                        continue;
                    }
                    let (param, word) = match setting {
                        Setting::Param(param, word) => (param, word),
                        Setting::Scale(scale, brackets) => {
                            if let Some(from) = from {
                                added_scales.push((scale, from, brackets, span));
                            }
                            continue;
                        }
                    };
                    if program.params.get(param.0 as usize).is_some_and(|def| def.ty == Ty::Text) {
                        let index = TextHandle::from_word(word).index as usize;
                        let first_local = reader.text_base;
                        if let Some(text) = index.checked_sub(first_local).and_then(|at| reader.texts.get(at)) {
                            texts.push((added.len(), text.clone()));
                        }
                    }
                    if let Some(from) = from {
                        added.push((param, from, word, span));
                    }
                }
            }
        }
    }
    let mut program = program.clone();
    // A text value becomes a literal of the program, as if the policy had written it.
    let mut literal_words: HashMap<usize, Word> = HashMap::new();
    for (index, text) in texts {
        let Ok(at) = u32::try_from(program.texts.len()) else { continue };
        let handle = TextHandle::new(TextOrigin::Literal, at);
        program.texts.push(text);
        literal_words.insert(index, handle.to_word());
    }
    for (index, (param, from, word, span)) in added.into_iter().enumerate() {
        let Some(def) = program.params.get_mut(param.0 as usize) else { continue };
        let word = literal_words.get(&index).copied().unwrap_or(word);
        let value = Expr { kind: ExprKind::Const(word), ty: def.ty, span };
        match def.values.iter().position(|(day, _)| *day == Some(from)) {
            Some(at) => {
                if let Some(slot) = def.values.get_mut(at) {
                    *slot = (Some(from), value);
                }
            }
            None => {
                let at = def.values.iter().position(|(day, _)| day.is_some_and(|day| day > from));
                def.values.insert(at.unwrap_or(def.values.len()), (Some(from), value));
            }
        }
    }
    // A scale's brackets become a version of the scale, as if the policy had written it.
    for (scale, from, brackets, span) in added_scales {
        let Some(def) = program.scales.get_mut(scale.0 as usize) else { continue };
        let version = ScaleVersion { from: Some(from), brackets: Some(brackets), span };
        def.versions.retain(|other| other.from != Some(from));
        let at = def.versions.iter().position(|other| other.from.is_some_and(|day| day > from));
        def.versions.insert(at.unwrap_or(def.versions.len()), version);
    }
    (program, errors)
}

/// The scenario's city and county tables as local files (to layer over the policy's), read with
/// the reader of the policy's own files. Syntax and shape errors are reported by
/// [`apply_province`], not again here.
pub(super) fn read_locals(
    reader: &mut Reader<'_>,
    source: SourceId,
    text: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<LocalFile> {
    let mut ignored = Vec::new();
    let Some(document) = file::parse_document(source, text, &mut ignored) else { return Vec::new() };
    let mut files = Vec::new();
    for (key, key_span, table) in top_tables(&document, source, &mut ignored) {
        if key == PROVINCE {
            continue;
        }
        let jurisdiction = reader.jurisdiction_code(Some(key), key_span, errors);
        let level = jurisdiction.as_ref().map(|(_, level, _)| *level);
        let tables = date_tables(table, source, errors);
        let Tables { values, scales, rejected } = reader.read_tables(source, text, level, tables, errors);
        if let Some((code, level, code_span)) = jurisdiction {
            files.push(LocalFile { source, code, level, code_span, values, scales, rejected });
        }
    }
    files
}
