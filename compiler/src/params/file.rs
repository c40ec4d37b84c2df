//! One local parameter file: TOML text to dated, typed values, every mistake reported.
//!
//! The reader works on `toml_edit`'s spanned document. Each value is converted from its written
//! text ([`super::literal`]): integers from the parsed `i64`, decimals from their raw text, strings
//! by their unit. Nested tables and dotted keys inside a date table are flattened to dotted names,
//! so `topup.child = "12%"`, `"topup.child" = "12%"` and a `[2019-01-01.topup]` table with
//! `child = "12%"` all set `topup.child`.

use super::error::ParamsError;
use super::literal::{self, Decimal, ScaleError, Unit};
use crate::date;
use crate::diagnostic::Diagnostic;
use crate::jurisdictions::JurisdictionTable;
use crate::text::{TextHandle, TextOrigin};
use crate::tir::{Bracket, OWN_PARAMETERS_ATTR, ParamDef, ParamId, Program, ScaleId, Ty, Word};
use pol_grammar::ast::{Currency, Level, Period};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// A checked local parameter file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LocalFile {
    /// The TOML file.
    pub source: SourceId,
    /// The city or county code of `jurisdiction`.
    pub code: String,
    /// Whether this is a city's or a county's file.
    pub level: Level,
    /// The `jurisdiction` value.
    pub code_span: Span,
    /// Values per parameter (indexed by [`ParamId`]), in date order, at most one per date.
    pub values: Vec<Vec<LocalValue>>,
    /// Brackets per scale (indexed by [`ScaleId`]), in date order, at most one list per date.
    pub scales: Vec<Vec<LocalScale>>,
    /// Parameters and scales with a value this file meant to set but could not (a bad value,
    /// or a table with a bad date): constraints depending on them are not checked where this
    /// file applies, so that one mistake is reported once, not again as the breach its absence
    /// causes.
    pub rejected: Vec<Item>,
}

/// A parameter or a scale: what a local file sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Item {
    /// A parameter of one word.
    Param(ParamId),
    /// A scale's brackets.
    Scale(ScaleId),
}

/// One dated list of brackets of a local file (`high_age_allowance = "[80: 60, 90: 120]"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalScale {
    /// The day from which it is in force.
    pub from: Word,
    /// The brackets, thresholds increasing.
    pub brackets: Vec<Bracket>,
    /// The value as written.
    pub span: Span,
}

/// What one entry of a date table sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Setting {
    /// A parameter's word.
    Param(ParamId, Word),
    /// A scale's brackets.
    Scale(ScaleId, Vec<Bracket>),
}

impl Setting {
    /// What it sets.
    pub fn item(&self) -> Item {
        match self {
            Setting::Param(param, _) => Item::Param(*param),
            Setting::Scale(scale, _) => Item::Scale(*scale),
        }
    }
}

/// The dated values of one jurisdiction's tables, as [`Reader::read_tables`] reads them.
pub(crate) struct Tables {
    /// Values per parameter, in date order.
    pub values: Vec<Vec<LocalValue>>,
    /// Brackets per scale, in date order.
    pub scales: Vec<Vec<LocalScale>>,
    /// What the tables meant to set but could not.
    pub rejected: Vec<Item>,
}

/// One dated value of a local file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalValue {
    /// The day from which it is in force.
    pub from: Word,
    /// The value.
    pub word: Word,
    /// The value as written.
    pub span: Span,
}

/// What the reader needs besides the file: the policy, the jurisdictions, and where text values go.
pub(crate) struct Reader<'a> {
    /// The checked policy.
    pub program: &'a Program,
    /// The jurisdictions.
    pub jurisdictions: &'a JurisdictionTable,
    /// Parameters and scales by name.
    pub by_name: HashMap<&'a str, Item>,
    /// Text values of local files; a handle is `TextOrigin::Jurisdiction` at `text_base + index`.
    pub texts: Vec<String>,
    /// The number of jurisdiction texts before the local ones.
    pub text_base: usize,
}

/// One `name = value` of a date table, flattened.
pub(crate) struct Entry<'d> {
    pub name: String,
    pub key_span: Span,
    value: &'d toml_edit::Value,
}

impl<'a> Reader<'a> {
    /// A reader for a policy and its jurisdictions.
    pub fn new(program: &'a Program, jurisdictions: &'a JurisdictionTable) -> Reader<'a> {
        let params = program
            .params
            .iter()
            .enumerate()
            .map(|(index, param)| (param.name.as_str(), Item::Param(ParamId(index as u32))));
        let scales = program
            .scales
            .iter()
            .enumerate()
            .map(|(index, scale)| (scale.name.as_str(), Item::Scale(ScaleId(index as u32))));
        let by_name = params.chain(scales).collect();
        Reader { program, jurisdictions, by_name, texts: Vec::new(), text_base: jurisdictions.texts.len() }
    }

    /// Reads one file; `None` when it cannot be used (syntax error, no valid jurisdiction). Every
    /// error found is pushed to `errors`, also for a file that is otherwise used.
    pub fn read(&mut self, source: SourceId, text: &str, errors: &mut Vec<Diagnostic>) -> Option<LocalFile> {
        let span = |range: std::ops::Range<usize>| Span::new(source, range.start, range.end);
        let document = parse_document(source, text, errors)?;
        let mut jurisdiction = None;
        let mut found_jurisdiction = false;
        let mut tables = Vec::new();
        for (key, item) in document.iter() {
            let key_span = document.key(key).and_then(toml_edit::Key::span).map_or_else(|| span(0..0), span);
            match item {
                toml_edit::Item::Value(value) if key == "jurisdiction" => {
                    found_jurisdiction = true;
                    jurisdiction = self.jurisdiction(value, value.span().map_or(key_span, span), errors);
                }
                toml_edit::Item::Value(_) => {
                    push(errors, ParamsError::UndatedValue { name: key.to_string(), span: key_span })
                }
                toml_edit::Item::Table(table) => {
                    tables.push((key, table.span().map_or(key_span, span), key_span, table))
                }
                toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::None => push(errors, bad_date(key, key_span)),
            }
        }
        if !found_jurisdiction {
            let first_line = text.find('\n').unwrap_or(text.len());
            push(errors, ParamsError::MissingJurisdiction { span: span(0..first_line) });
        }
        let level = jurisdiction.as_ref().map(|(_, level, _)| *level);
        let Tables { values, scales, rejected } = self.read_tables(source, text, level, tables, errors);
        let (code, level, code_span) = jurisdiction?;
        Some(LocalFile { source, code, level, code_span, values, scales, rejected })
    }

    /// Reads the date tables of one jurisdiction (`header`, its span, its key's span, the table):
    /// the values per parameter and the brackets per scale in date order, and what it could
    /// not set.
    pub(super) fn read_tables(
        &mut self,
        source: SourceId,
        text: &str,
        level: Option<Level>,
        tables: Vec<(&str, Span, Span, &toml_edit::Table)>,
        errors: &mut Vec<Diagnostic>,
    ) -> Tables {
        let mut values = vec![Vec::new(); self.program.params.len()];
        let mut scales = vec![Vec::new(); self.program.scales.len()];
        let mut rejected = Vec::new();
        for (header, header_span, key_span, table) in tables {
            let from = date::parse_iso(header);
            if from.is_none() {
                let report_span = if table.is_implicit() { key_span } else { header_span };
                push(errors, bad_date(header, report_span));
            }
            let mut seen: HashMap<Item, Span> = HashMap::new();
            for entry in flatten(table, source) {
                let (setting, value_span) = match self.entry(&entry, level, source, text, errors) {
                    Ok(value) => value,
                    Err(Some(item)) => {
                        rejected.push(item);
                        continue;
                    }
                    Err(None) => continue,
                };
                let item = setting.item();
                if let Some(first) = seen.insert(item, entry.key_span) {
                    push(
                        errors,
                        ParamsError::DuplicateValue {
                            name: entry.name,
                            date: header.to_string(),
                            span: entry.key_span,
                            first,
                        },
                    );
                    rejected.push(item);
                    continue;
                }
                let Some(from) = from else {
                    rejected.push(item);
                    continue;
                };
                let stored = match setting {
                    Setting::Param(param, word) => values
                        .get_mut(param.0 as usize)
                        .map(|list: &mut Vec<LocalValue>| list.push(LocalValue { from, word, span: value_span })),
                    Setting::Scale(scale, brackets) => scales
                        .get_mut(scale.0 as usize)
                        .map(|list: &mut Vec<LocalScale>| list.push(LocalScale { from, brackets, span: value_span })),
                };
                if stored.is_none() {
                    rejected.push(item);
                }
            }
        }
        for list in &mut values {
            list.sort_by_key(|value| value.from);
        }
        for list in &mut scales {
            list.sort_by_key(|value| value.from);
        }
        rejected.sort_unstable();
        rejected.dedup();
        Tables { values, scales, rejected }
    }

    /// The code and level of a `jurisdiction` value.
    fn jurisdiction(
        &self,
        value: &toml_edit::Value,
        span: Span,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<(String, Level, Span)> {
        self.jurisdiction_code(value.as_str(), span, errors)
    }

    /// The code and level of a jurisdiction's code (`None`: not a string).
    pub(super) fn jurisdiction_code(
        &self,
        code: Option<&str>,
        span: Span,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<(String, Level, Span)> {
        let Some(code) = code else {
            push(
                errors,
                ParamsError::UnknownJurisdiction {
                    message: "`jurisdiction` must be a code in quotes".into(),
                    span,
                    help: "write the city or county code as a string, e.g. `jurisdiction = \"610800\"`".into(),
                },
            );
            return None;
        };
        if self.jurisdictions.is_city(code) {
            return Some((code.to_string(), Level::City, span));
        }
        if let Some(index) = self.jurisdictions.index_of(code) {
            return self.county_sets_own(index, code, span, errors).then(|| (code.to_string(), Level::County, span));
        }
        let mut candidates: Vec<&str> = self
            .jurisdictions
            .counties
            .iter()
            .flat_map(|county| [county.city.as_str(), county.code.as_str()])
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let help = match super::nearest(code, candidates.iter().copied()) {
            Some(near) => format!(
                "did you mean `{near}`? `jurisdiction` must be a city code or a county code of jurisdictions.csv"
            ),
            None => "`jurisdiction` must be a city code or a county code of jurisdictions.csv".into(),
        };
        push(
            errors,
            ParamsError::UnknownJurisdiction { message: format!("unknown jurisdiction `{code}`"), span, help },
        );
        None
    }

    /// Whether the county at `index` may have its own file: always, unless the policy's
    /// jurisdictions declare the attribute [`OWN_PARAMETERS_ATTR`] and it is false for the county
    /// (reported at the file's `jurisdiction`).
    fn county_sets_own(&self, index: usize, code: &str, span: Span, errors: &mut Vec<Diagnostic>) -> bool {
        let Some(attr) = self.program.jurisdiction.own_parameters_attr() else { return true };
        let county = self.jurisdictions.counties.get(index);
        match county.map(|county| (county.attrs.get(attr.0 as usize), county.cells.get(attr.0 as usize))) {
            Some((Some(&sets_own), _)) if sets_own != 0 => true,
            Some((Some(_), cell)) => {
                let attr = OWN_PARAMETERS_ATTR;
                let error = ParamsError::CountyNotOwn { code: code.to_string(), attr, span }.into_diagnostic();
                // The cell that decides is in jurisdictions.csv: a related place.
                errors.push(match cell {
                    Some(cell) => error.with_related(*cell, format!("`{attr}` is false for `{code}` here")),
                    None => error,
                });
                false
            }
            Some((None, _)) | None => {
                let message = format!("county `{code}` has no value of `{OWN_PARAMETERS_ATTR}`");
                push(errors, ParamsError::Internal { message, span: Some(span) });
                false
            }
        }
    }

    /// Checks one entry: a known parameter or scale, settable at this level, with a value of
    /// its type. One that may be set here but whose value is bad is `Err(Some(item))`.
    pub(super) fn entry(
        &mut self,
        entry: &Entry<'_>,
        level: Option<Level>,
        source: SourceId,
        text: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Result<(Setting, Span), Option<Item>> {
        let Some(&item) = self.by_name.get(entry.name.as_str()) else {
            let names = self.program.params.iter().map(|param| param.name.as_str());
            let names = names.chain(self.program.scales.iter().map(|scale| scale.name.as_str()));
            let help = match super::nearest(&entry.name, names) {
                Some(near) => format!("did you mean `{near}`?"),
                None => {
                    "the policy declares no parameter of this name; check the spelling against its `param` declarations"
                        .into()
                }
            };
            push(errors, ParamsError::UnknownParam { name: entry.name.clone(), span: entry.key_span, help });
            return Err(None);
        };
        let value_span = entry.value.span().map_or(entry.key_span, |range| Span::new(source, range.start, range.end));
        let param_id = match item {
            Item::Param(param_id) => param_id,
            Item::Scale(scale_id) => {
                let scale = self.program.scales.get(scale_id.0 as usize).ok_or(None)?;
                if let Some(level) = level
                    && !scale.set_by.contains(&level)
                {
                    push(errors, super::brackets::scale_not_settable(scale, level, entry.key_span));
                    return Err(None);
                }
                return match self.scale_value(scale, entry.value, value_span, text) {
                    Ok(brackets) => Ok((Setting::Scale(scale_id, brackets), value_span)),
                    Err(error) => {
                        push(errors, error);
                        Err(Some(item))
                    }
                };
            }
        };
        let param = self.program.params.get(param_id.0 as usize).ok_or(None)?;
        if let Some(level) = level
            && !param.set_by.contains(&level)
        {
            push(errors, not_settable(param, level, entry.key_span));
            return Err(None);
        }
        match self.convert(param, entry.value, value_span, text) {
            Ok(word) => Ok((Setting::Param(param_id, word), value_span)),
            Err(error) => {
                push(errors, error);
                Err(Some(item))
            }
        }
    }

    /// A TOML value as a word of the parameter's type.
    fn convert(
        &mut self,
        param: &ParamDef,
        value: &toml_edit::Value,
        span: Span,
        text: &str,
    ) -> Result<Word, ParamsError> {
        let name = &param.name;
        let expected = literal::type_phrase(self.program, param.ty);
        let bad = |label: String, help: String| ParamsError::BadValue {
            name: name.clone(),
            expected: expected.clone(),
            span,
            label,
            help,
        };
        let found = found_label(value, &expected);
        match param.ty {
            Ty::Money(_) | Ty::Ratio | Ty::Int => {
                let raw = text.get(span.start as usize..span.end as usize).unwrap_or("");
                let (number, unit) = number_of(value, raw).ok_or_else(|| match value {
                    toml_edit::Value::Float(_) => bad(
                        "not plain decimal digits".into(),
                        format!(
                            "write the exact number in decimal digits, e.g. `{name} = {}`",
                            example(self.program.currency, param.ty).0
                        ),
                    ),
                    _ => {
                        let (plain, with_unit) = example(self.program.currency, param.ty);
                        bad(found, format!("write it as `{name} = {plain}` or `{name} = {with_unit}`"))
                    }
                })?;
                self.number(&param.name, param.ty, number, unit, span)
            }
            Ty::Bool => match (value, value.as_str()) {
                (toml_edit::Value::Boolean(flag), _) => Ok(Word::from(*flag.value())),
                (_, Some("true")) => Ok(1),
                (_, Some("false")) => Ok(0),
                _ => Err(bad(found, format!("write `{name} = true` or `{name} = false`"))),
            },
            Ty::Date => {
                let day = match value {
                    toml_edit::Value::Datetime(datetime) => {
                        let datetime = datetime.value();
                        match (datetime.date, datetime.time, datetime.offset) {
                            (Some(day), None, None) => {
                                date::from_ymd(i64::from(day.year), u32::from(day.month), u32::from(day.day))
                            }
                            _ => None,
                        }
                    }
                    toml_edit::Value::String(string) => date::parse_iso(string.value()),
                    _ => None,
                };
                day.ok_or_else(|| bad(found, format!("write a real day as `{name} = 2019-05-01`")))
            }
            Ty::Enum(enum_id) => {
                let def = self.program.enums.get(enum_id.0 as usize);
                let variants: Vec<&str> =
                    def.map(|def| def.variants.iter().map(String::as_str).collect()).unwrap_or_default();
                let list = variants.iter().map(|variant| format!("`{variant}`")).collect::<Vec<_>>().join(", ");
                let written = value.as_str().map(|written| match def {
                    Some(def) => written.strip_prefix(&format!("{}.", def.name)).unwrap_or(written),
                    None => written,
                });
                let index = written.and_then(|written| variants.iter().position(|variant| *variant == written));
                match index {
                    Some(index) => Ok(index as Word),
                    None => {
                        let help = match written.and_then(|written| super::nearest(written, variants.iter().copied())) {
                            Some(near) => format!("did you mean `\"{near}\"`?"),
                            None => format!(
                                "write one of the variants as a string, e.g. `{name} = \"{}\"`",
                                variants.first().unwrap_or(&"")
                            ),
                        };
                        Err(bad(format!("not one of {list}"), help))
                    }
                }
            }
            Ty::Text => match value.as_str() {
                Some(string) => {
                    // A handle holds a 32-bit index: beyond that, a text could not be told apart.
                    let Ok(index) = u32::try_from(self.text_base + self.texts.len()) else {
                        return Err(bad("one text too many".into(), "parameter files hold at most 2³² texts".into()));
                    };
                    self.texts.push(string.to_string());
                    Ok(TextHandle::new(TextOrigin::Jurisdiction, index).to_word())
                }
                None => Err(bad(found, format!("write `{name} = \"…\"`"))),
            },
        }
    }

    /// A number with its unit as a word of a money, ratio or int parameter (or a scale's
    /// threshold or value) named `name`, of type `ty`.
    pub(super) fn number(
        &self,
        name: &str,
        ty: Ty,
        number: Decimal,
        unit: Option<Unit>,
        span: Span,
    ) -> Result<Word, ParamsError> {
        let param = Named { name, ty };
        let expected = match param.ty {
            Ty::Money(period) => format!("in {}", literal::period_unit(self.program.currency, period)),
            other => literal::type_phrase(self.program, other),
        };
        let wrong_unit = |found: String, help: String| ParamsError::WrongUnit {
            name: param.name.to_string(),
            expected: expected.clone(),
            found,
            span,
            help,
        };
        let (scaled, decimals_allowed) = match (param.ty, unit) {
            (Ty::Money(_), None) => (number.scaled(2), 2),
            (Ty::Money(period), Some(Unit::Money(found, currency)))
                if found == period && currency == self.program.currency =>
            {
                (number.scaled(2), 2)
            }
            (Ty::Money(period), Some(found)) => {
                let currency = self.program.currency;
                return Err(wrong_unit(unit_name(found), money_help(param.name, currency, period, number, found)));
            }
            (Ty::Ratio, None) => (number.scaled(9), 9),
            (Ty::Ratio, Some(Unit::Percent)) => (literal::percent_to_ratio(number), 7),
            (Ty::Ratio, Some(found)) => {
                let help = format!(
                    "a ratio is written as a percentage (`{} = \"12%\"`) or a decimal (`{} = 0.12`)",
                    param.name, param.name
                );
                return Err(wrong_unit(amount_name(found), help));
            }
            (_, None) => (number.scaled(0), 0),
            (_, Some(found)) => {
                let help = format!("write a whole number without a unit, e.g. `{} = 12`", param.name);
                return Err(wrong_unit(amount_name(found), help));
            }
        };
        scaled.map_err(|error| match error {
            ScaleError::TooPrecise => precision(param, number, unit, decimals_allowed, span),
            ScaleError::TooLarge => ParamsError::BadValue {
                name: param.name.to_string(),
                expected: format!("{} within range", literal::type_phrase(self.program, param.ty)),
                span,
                label: "too large".into(),
                help: "amounts are limited to ±92 quadrillion fen; check the number".into(),
            },
        })
    }
}

/// A parameter's (or scale's) name and the type of the number being read.
#[derive(Debug, Clone, Copy)]
struct Named<'n> {
    name: &'n str,
    ty: Ty,
}

fn precision(param: Named<'_>, number: Decimal, unit: Option<Unit>, allowed: u32, span: Span) -> ParamsError {
    let decimals = number.decimals;
    let label = if decimals == 1 { "1 decimal".to_string() } else { format!("{decimals} decimals") };
    match param.ty {
        Ty::Money(_) => ParamsError::Precision {
            message: format!("`{}` has {decimals} decimals but money has at most 2", param.name),
            span,
            label,
            help: "write the amount to the fen, e.g. `4860.50`".into(),
        },
        Ty::Ratio => {
            let what = if unit == Some(Unit::Percent) { "a percentage" } else { "a ratio" };
            ParamsError::Precision {
                message: format!("`{}` has {decimals} decimals but {what} has at most {allowed}", param.name),
                span,
                label,
                help: "ratios are exact to 9 decimals (a percentage to 7); shorten the number".into(),
            }
        }
        _ => ParamsError::Precision {
            message: format!("`{}` must be a whole number", param.name),
            span,
            label: "not a whole number".into(),
            help: format!("`{}` is an int: write it without decimals", param.name),
        },
    }
}

/// The number and unit a value writes, if it is a number or a string holding one.
fn number_of(value: &toml_edit::Value, raw: &str) -> Option<(Decimal, Option<Unit>)> {
    match value {
        toml_edit::Value::Integer(integer) => Some((Decimal::from_int(*integer.value()), None)),
        // The raw text, not the f64: `4860.10` must stay exactly 4860.10.
        toml_edit::Value::Float(_) => Some((Decimal::parse(raw)?, None)),
        toml_edit::Value::String(string) => literal::split_unit(string.value()),
        _ => None,
    }
}

/// Every `name = value` of a date table with its full dotted name, in document order.
pub(super) fn flatten(table: &toml_edit::Table, source: SourceId) -> Vec<Entry<'_>> {
    let span = |key: Option<&toml_edit::Key>| {
        key.and_then(toml_edit::Key::span).map(|range| Span::new(source, range.start, range.end))
    };
    let mut entries = Vec::new();
    // An explicit stack keeps deeply nested tables off the call stack.
    let mut stack: Vec<(String, Option<Span>, &dyn toml_edit::TableLike)> = vec![(String::new(), None, table)];
    while let Some((prefix, prefix_span, table)) = stack.pop() {
        let mut nested = Vec::new();
        for (key, item) in table.iter() {
            let name = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
            let leaf_span = span(table.key(key)).or(prefix_span).unwrap_or_default();
            // A dotted key (`topup.child`) is one span on its line; a sub-table's keys are not.
            let key_span = match prefix_span {
                Some(prefix_span) if table.is_dotted() => prefix_span.to(leaf_span),
                _ => leaf_span,
            };
            match item {
                toml_edit::Item::Value(toml_edit::Value::InlineTable(inline)) => {
                    nested.push((name, Some(key_span), inline as &dyn toml_edit::TableLike))
                }
                toml_edit::Item::Value(value) => entries.push(Entry { name, key_span, value }),
                toml_edit::Item::Table(sub) => nested.push((name, Some(key_span), sub as &dyn toml_edit::TableLike)),
                toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::None => {}
            }
        }
        // Reverse so that tables are visited in document order.
        stack.extend(nested.into_iter().rev());
    }
    entries
}

/// Parses a file's TOML; a syntax error is pushed to `errors` (at the start of the file when
/// TOML gives no place) and gives `None`.
pub(crate) fn parse_document<'t>(
    source: SourceId,
    text: &'t str,
    errors: &mut Vec<Diagnostic>,
) -> Option<toml_edit::Document<&'t str>> {
    match toml_edit::Document::parse(text) {
        Ok(document) => Some(document),
        Err(error) => {
            let range = error.span().unwrap_or(0..0);
            let span = Span::new(source, range.start, range.end);
            push(errors, ParamsError::Syntax { message: error.message().to_string(), span });
            None
        }
    }
}

/// Records an error as a diagnostic.
pub(crate) fn push(errors: &mut Vec<Diagnostic>, error: ParamsError) {
    errors.push(error.into_diagnostic());
}

pub(super) fn bad_date(header: &str, span: Span) -> ParamsError {
    let parts: Vec<&str> = header.split('-').collect();
    let (label, help) = match parts.as_slice() {
        [year, month, day]
            if [year, month, day].iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())) =>
        {
            let year_month = year.parse::<i64>().ok().zip(month.parse::<u32>().ok());
            let days = year_month.and_then(|(year, month)| Some((year, month, date::days_in_month(year, month)?)));
            match days {
                Some((year, month, days)) if header.len() == 10 => (
                    "not a real day".to_string(),
                    format!("{year:04}-{month:02} has {days} days; a table header is the day its values take effect"),
                ),
                Some(_) => (
                    "not written YYYY-MM-DD".into(),
                    "write the day with four-digit year and two-digit month and day, e.g. `[2019-05-01]`".into(),
                ),
                None => (
                    "not a real day".into(),
                    "a month is 01 to 12; a table header is the day its values take effect, e.g. `[2019-05-01]`".into(),
                ),
            }
        }
        _ => (
            "not a date".into(),
            "a table header is the day its values take effect, written `[YYYY-MM-DD]`, e.g. `[2019-01-01]`".into(),
        ),
    };
    ParamsError::BadDate { header: header.to_string(), span, label, help }
}

fn not_settable(param: &ParamDef, level: Level, span: Span) -> ParamsError {
    let this_level = level_name(level);
    if param.set_by.is_empty() || param.set_by == [Level::Province] {
        return ParamsError::NotSettable {
            message: format!("`{}` is set by the province only", param.name),
            span,
            label: format!("set in a {this_level} file"),
            help: format!(
                "remove it from this file: `{}` is `set by province`, only the policy gives its value",
                param.name
            ),
        };
    }
    let allowed: Vec<&str> = param.set_by.iter().map(|level| level_name(*level)).collect();
    let help = if level == Level::County && param.set_by.contains(&Level::City) {
        format!(
            "`{}` is `set by {}`: set it in the city's file, which the county follows",
            param.name,
            allowed.join(", ")
        )
    } else {
        format!("`{}` is `set by {}`", param.name, allowed.join(", "))
    };
    ParamsError::NotSettable {
        message: format!("`{}` may not be set by a {this_level}", param.name),
        span,
        label: format!("set in a {this_level} file"),
        help,
    }
}

/// `city`, `county`, `province`.
pub(crate) fn level_name(level: Level) -> &'static str {
    match level {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
    }
}

/// A unit as a kind of value: `an amount in 元/月`, `a percentage`.
fn amount_name(unit: Unit) -> String {
    match unit {
        Unit::Percent => "a percentage".into(),
        Unit::Money(period, currency) => format!("an amount in {}", literal::period_unit(currency, period)),
    }
}

fn unit_name(unit: Unit) -> String {
    match unit {
        Unit::Percent => "a percentage".into(),
        Unit::Money(period, currency) => format!("in {}", literal::period_unit(currency, period)),
    }
}

fn money_help(name: &str, currency: Currency, period: Period, number: Decimal, found: Unit) -> String {
    let unit = literal::period_unit(currency, period);
    if let (Period::Year, Unit::Money(Period::Month, found_currency), Ok(monthly)) = (period, found, number.scaled(2))
        && found_currency == currency
        && let Some(yearly) = monthly.checked_mul(12)
    {
        let yearly_text = literal::literal_text_money(yearly);
        let (per_month, per_year) = (currency.unit(Period::Month), currency.unit(Period::Year));
        return format!(
            "{} {per_month} is {} {per_year}; write the yearly amount, as a plain number (`{name} = {yearly_text}`) or with its unit (`{name} = \"{yearly_text} {per_year}\"`)",
            literal::format_money(monthly),
            literal::format_money(yearly)
        );
    }
    if found == Unit::Percent {
        return format!(
            "`{name}` is an amount of money, not a share of one: write the amount itself, as a plain number of {unit} or with its unit, e.g. `\"1000 {unit}\"`"
        );
    }
    let written = number.to_string();
    format!(
        "write the amount in {unit}, as a plain number (`{name} = {written}`) or with its unit (`{name} = \"{written} {unit}\"`)"
    )
}

/// Two ways of writing a value of a number type, for help texts.
pub(super) fn example(currency: Currency, ty: Ty) -> (String, String) {
    match ty {
        Ty::Money(period) => ("4860".into(), format!("\"4860 {}\"", literal::period_unit(currency, period))),
        Ty::Ratio => ("0.12".into(), "\"12%\"".into()),
        _ => ("12".into(), "\"12\"".into()),
    }
}

/// What a TOML value is, for a label; `expected` says what it should be.
pub(super) fn found_label(value: &toml_edit::Value, expected: &str) -> String {
    match value {
        toml_edit::Value::String(string) => format!("\"{}\" is not {expected}", string.value()),
        toml_edit::Value::Integer(_) | toml_edit::Value::Float(_) => "a number".into(),
        toml_edit::Value::Boolean(_) => "a boolean".into(),
        toml_edit::Value::Datetime(_) => "a date or time".into(),
        toml_edit::Value::Array(_) => "an array".into(),
        toml_edit::Value::InlineTable(_) => "a table".into(),
    }
}
