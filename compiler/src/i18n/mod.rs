//! Diagnostics and person-facing lines in the drafter's language: English or Chinese (zh-CN).
//!
//! One message catalogue per language, embedded with `include_str!` (no run-time file lookup),
//! written in a subset of Fluent: `id = text`, attributes `    .label = text`, `    .help = text`,
//! placeholders `{ $name }` and literals `{"{"}`. A diagnostic's id is its code with `::` and `_`
//! turned into `-` (`pol::name::unknown` → `pol-name-unknown`); a code whose variants print
//! different messages has one entry per variant (`pol-unit-mismatch--2`).
//!
//! English stays on the errors' `thiserror`/`miette` derives, so English output is exactly what it
//! was. The English catalogue holds those derives' texts as templates: to render a diagnostic in
//! Chinese, its English message, labels and help are matched against the templates of its code,
//! which yields the named arguments; the Chinese entry of the same id is filled with them. An
//! argument that is itself an English phrase (a `what`, a computed help) is translated through the
//! `phrase-*` entries the same way. Text that matches no template stays English rather than being
//! guessed, and the tests check that every code has both languages with the same placeholders.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The language of what `pol` prints for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese (zh-CN).
    Zh,
}

impl Lang {
    /// The language the environment asks for: the first non-empty of `LC_ALL`, `LC_MESSAGES`
    /// and `LANG` (as POSIX orders them); a value starting with `zh` is Chinese, anything else
    /// (or nothing) English. The caller reads the environment; this function does no IO.
    pub fn from_env(lc_all: Option<&str>, lc_messages: Option<&str>, lang: Option<&str>) -> Lang {
        let chosen = [lc_all, lc_messages, lang].into_iter().flatten().find(|value| !value.is_empty());
        match chosen {
            Some(value) if value.starts_with("zh") => Lang::Zh,
            Some(_) | None => Lang::En,
        }
    }

    /// `zh` or `en` (also `zh-CN`, `zh_CN.UTF-8`, `en-US`, …); `None` for anything else.
    pub fn parse(text: &str) -> Option<Lang> {
        if text.starts_with("zh") {
            Some(Lang::Zh)
        } else if text.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text.
    Text(String),
    /// A named argument, `{ $name }`.
    Arg(String),
}

/// A message with placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Parses a value of the Fluent subset; `None` when a placeholder is malformed.
    fn parse(text: &str) -> Option<Template> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            literal.push_str(rest.get(..open)?);
            let after = rest.get(open + 1..)?.trim_start();
            if let Some(quoted) = after.strip_prefix('"') {
                // A string literal, `{"{"}`: up to the closing quote, then `}`.
                let end = quoted.find('"')?;
                literal.push_str(quoted.get(..end)?);
                rest = quoted.get(end + 1..)?.trim_start().strip_prefix('}')?;
                continue;
            }
            let close = after.find('}')?;
            let name = after.get(..close)?.trim().strip_prefix('$')?;
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Arg(name.to_string()));
            rest = after.get(close + 1..)?;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Some(Template { parts })
    }

    /// The names of the arguments, in order of appearance, without repeats.
    pub fn args(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for part in &self.parts {
            if let Part::Arg(name) = part
                && !names.contains(&name.as_str())
            {
                names.push(name);
            }
        }
        names
    }

    /// Fills the placeholders; an argument missing from `args` is left as `{ $name }`.
    pub fn render(&self, args: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Arg(name) => match args.get(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push_str("{ $");
                        out.push_str(name);
                        out.push_str(" }");
                    }
                },
            }
        }
        out
    }

    /// The arguments that stand between backticks: code or names quoted from the policy, which
    /// are never translated.
    fn quoted_args(&self) -> Vec<&str> {
        let mut inside = false;
        let mut quoted = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => inside ^= text.matches('`').count() % 2 == 1,
                Part::Arg(name) => {
                    if inside {
                        quoted.push(name.as_str());
                    }
                }
            }
        }
        quoted
    }

    /// The number of characters of literal text.
    fn literal_len(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.chars().count(),
                Part::Arg(_) => 0,
            })
            .sum()
    }

    /// The arguments that make this template render as `text`, if any do (the first split found,
    /// each argument as short as the rest allows, a repeated argument with the same value twice).
    fn match_text(&self, text: &str) -> Option<BTreeMap<String, String>> {
        let mut args = BTreeMap::new();
        match_parts(&self.parts, text, &mut args).then_some(args)
    }
}

/// Backtracking match of `parts` against all of `text`.
fn match_parts(parts: &[Part], text: &str, args: &mut BTreeMap<String, String>) -> bool {
    let Some((first, rest)) = parts.split_first() else { return text.is_empty() };
    match first {
        Part::Text(literal) => text.strip_prefix(literal.as_str()).is_some_and(|after| match_parts(rest, after, args)),
        Part::Arg(name) => {
            if let Some(bound) = args.get(name).cloned() {
                return text.strip_prefix(bound.as_str()).is_some_and(|after| match_parts(rest, after, args));
            }
            let mut ends: Vec<usize> = text.char_indices().map(|(index, _)| index).skip(1).collect();
            ends.push(text.len());
            if rest.is_empty() {
                ends = vec![text.len()];
            }
            for end in ends {
                let (Some(value), Some(after)) = (text.get(..end), text.get(end..)) else { continue };
                args.insert(name.clone(), value.to_string());
                if match_parts(rest, after, args) {
                    return true;
                }
                args.remove(name);
            }
            false
        }
    }
}

/// One catalogue entry: its value and attributes.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The message (`id = …`).
    pub value: Template,
    /// `.label`, `.label-2`, `.help`, … in file order.
    pub attributes: Vec<(String, Template)>,
}

impl Entry {
    /// An attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Template> {
        self.attributes.iter().find(|(attribute, _)| attribute == name).map(|(_, template)| template)
    }
}

/// A malformed catalogue line (a bug in pol's own `.ftl` files; the tests parse them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    /// The 1-based line in the concatenated files.
    pub line: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalogue line {}: {}", self.line, self.reason)
    }
}

/// The entries of one language, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Entries by id.
    pub entries: BTreeMap<String, Entry>,
}

impl Catalogue {
    /// Parses `.ftl` text of the supported subset.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        let mut current: Option<String> = None;
        for (index, line) in text.lines().enumerate() {
            let error = |reason| CatalogueError { line: index + 1, reason };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(attribute) = line.strip_prefix("    .") {
                let (name, value) = attribute.split_once(" = ").ok_or(error("an attribute needs ` = `"))?;
                let template = Template::parse(value).ok_or(error("malformed placeholder"))?;
                let entry = current
                    .as_ref()
                    .and_then(|id| entries.get_mut(id))
                    .ok_or(error("an attribute outside an entry"))?;
                if entry.attribute(name).is_some() {
                    return Err(error("an attribute given twice"));
                }
                entry.attributes.push((name.to_string(), template));
            } else {
                let (id, value) = line.split_once(" = ").ok_or(error("an entry needs ` = `"))?;
                if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || id.is_empty() {
                    return Err(error("an id is letters, digits and `-`"));
                }
                let template = Template::parse(value).ok_or(error("malformed placeholder"))?;
                if entries.insert(id.to_string(), Entry { value: template, attributes: Vec::new() }).is_some() {
                    return Err(error("an id given twice"));
                }
                current = Some(id.to_string());
            }
        }
        Ok(Catalogue { entries })
    }

    /// The catalogue of a language (parsed once). A catalogue that does not parse is empty here,
    /// so every text stays as the derives print it; `catalogues_parse` in the tests catches it.
    pub fn of(lang: Lang) -> &'static Catalogue {
        static EN: OnceLock<Catalogue> = OnceLock::new();
        static ZH: OnceLock<Catalogue> = OnceLock::new();
        let (cell, text) = match lang {
            Lang::En => (&EN, EN_FTL),
            Lang::Zh => (&ZH, ZH_FTL),
        };
        cell.get_or_init(|| Catalogue::parse(&text.concat()).unwrap_or_default())
    }

    /// The ids of one diagnostic code's entries (`pol-x-y`, `pol-x-y--2`, …).
    fn code_ids<'a>(&'a self, code: &str) -> impl Iterator<Item = (&'a String, &'a Entry)> {
        let base = code_id(code);
        self.entries
            .iter()
            .filter(move |(id, _)| **id == base || id.strip_prefix(&base).is_some_and(|rest| rest.starts_with("--")))
    }
}

/// The English catalogue's files.
pub const EN_FTL: [&str; 2] = [include_str!("locales/en/diagnostics.ftl"), include_str!("locales/en/lines.ftl")];
/// The Chinese catalogue's files, the same names as the English ones.
pub const ZH_FTL: [&str; 2] = [include_str!("locales/zh-CN/diagnostics.ftl"), include_str!("locales/zh-CN/lines.ftl")];

/// The catalogue id of a diagnostic code: `pol::name::unknown` → `pol-name-unknown`.
pub fn code_id(code: &str) -> String {
    code.replace("::", "-").replace('_', "-")
}

/// A person-facing line (`line-*` ids) in a language, its arguments filled in; the id itself if
/// the catalogue lacks it (the tests check that every id used exists in both).
pub fn line(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    let args: BTreeMap<String, String> =
        args.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
    match Catalogue::of(lang).entries.get(id) {
        Some(entry) => entry.value.render(&args),
        None => id.to_string(),
    }
}

/// Translates an English text: first as the attribute `attribute` of one of `code`'s entries,
/// then as a `phrase-*` entry; `None` when nothing matches.
fn translate(code: Option<&str>, attribute: Option<&str>, text: &str) -> Option<String> {
    let en = Catalogue::of(Lang::En);
    let zh = Catalogue::of(Lang::Zh);
    let candidates: Vec<(&String, &Entry)> = match code {
        Some(code) => en.code_ids(code).collect(),
        None => {
            // The most specific phrase first (the most literal text), so a general one such as
            // `{ $a }, or { $b }` only takes what no phrase spells out.
            let mut phrases: Vec<(&String, &Entry)> =
                en.entries.iter().filter(|(id, _)| id.starts_with("phrase-")).collect();
            phrases.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.value.literal_len()));
            phrases
        }
    };
    for (id, entry) in candidates {
        let templates: Vec<(Option<&str>, &Template)> = match attribute {
            None => vec![(None, &entry.value)],
            Some(prefix) => entry
                .attributes
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(name, template)| (Some(name.as_str()), template))
                .collect(),
        };
        for (name, template) in templates {
            let Some(args) = template.match_text(text) else { continue };
            let quoted = template.quoted_args();
            let Some(target) = zh.entries.get(id) else { continue };
            let target = match name {
                None => Some(&target.value),
                Some(name) => target.attribute(name),
            };
            let Some(target) = target else { continue };
            let args: BTreeMap<String, String> = args
                .into_iter()
                .map(|(name, value)| {
                    let code = value.is_empty() || quoted.contains(&name.as_str());
                    let translated = if code { None } else { translate(None, None, &value) };
                    (name, translated.unwrap_or(value))
                })
                .collect();
            return Some(target.render(&args));
        }
    }
    if code.is_some() { translate(None, None, text) } else { None }
}

/// A diagnostic with its message, labels and help in another language; everything else (code,
/// spans, source code, severity) is the wrapped diagnostic's.
#[derive(Debug)]
pub struct Localized {
    inner: Box<dyn miette::Diagnostic + Send + Sync + 'static>,
    message: String,
    help: Option<String>,
    labels: Vec<miette::LabeledSpan>,
}

impl fmt::Display for Localized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Localized {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl miette::Diagnostic for Localized {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.inner.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.inner.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn miette::Diagnostic> {
        self.inner.diagnostic_source()
    }
}

/// The texts of a diagnostic in Chinese: its message, help and labels (with their spans).
fn chinese_parts(error: &dyn miette::Diagnostic) -> (String, Option<String>, Vec<miette::LabeledSpan>) {
    let code = error.code().map(|code| code.to_string());
    let code = code.as_deref();
    let english = error.to_string();
    let message = translate(code, None, &english).unwrap_or(english);
    let help = error.help().map(|help| {
        let english = help.to_string();
        translate(code, Some("help"), &english).unwrap_or(english)
    });
    let labels = error
        .labels()
        .into_iter()
        .flatten()
        .map(|label| {
            let text = label
                .label()
                .map(|english| translate(code, Some("label"), english).unwrap_or_else(|| english.to_string()));
            let span = *label.inner();
            if label.primary() {
                miette::LabeledSpan::new_primary_with_span(text, span)
            } else {
                miette::LabeledSpan::new_with_span(text, span)
            }
        })
        .collect();
    (message, help, labels)
}

/// The diagnostic in `lang`: unchanged in English; in Chinese wrapped in a [`Localized`] whose
/// texts come from the catalogue (a text no template matches stays English).
pub fn localize(
    lang: Lang,
    error: Box<dyn miette::Diagnostic + Send + Sync + 'static>,
) -> Box<dyn miette::Diagnostic + Send + Sync + 'static> {
    match lang {
        Lang::En => error,
        Lang::Zh => {
            let (message, help, labels) = chinese_parts(error.as_ref());
            Box::new(Localized { inner: error, message, help, labels })
        }
    }
}

/// A whole diagnostic in `lang`: its error as [`localize`] gives it, and each related place's
/// label and heading from the catalogue (the label as a `.related` or `.label` attribute of the
/// diagnostic's code; text no template matches stays English).
pub fn localize_diagnostic(lang: Lang, diagnostic: crate::diagnostic::Diagnostic) -> crate::diagnostic::Diagnostic {
    let code = diagnostic.code();
    let related = match lang {
        Lang::En => diagnostic.related,
        Lang::Zh => diagnostic.related.into_iter().map(|related| chinese_related(code.as_deref(), related)).collect(),
    };
    crate::diagnostic::Diagnostic { error: localize(lang, diagnostic.error), related, ..diagnostic }
}

/// A related place's texts in Chinese.
fn chinese_related(code: Option<&str>, related: crate::diagnostic::Related) -> crate::diagnostic::Related {
    let label = translate(code, Some("related"), &related.label)
        .or_else(|| translate(code, Some("label"), &related.label))
        .unwrap_or(related.label);
    let heading = if related.heading == crate::diagnostic::RELATED_HEADING {
        line(Lang::Zh, "line-related-heading", &[])
    } else {
        related.heading
    };
    crate::diagnostic::Related { label, heading, ..related }
}

/// [`english_left_in_chinese`] of a whole diagnostic: its error and its related places' labels.
pub fn english_left_in_chinese_diagnostic(diagnostic: &crate::diagnostic::Diagnostic, allowed: &[&str]) -> Vec<String> {
    let mut left = english_left_in_chinese(diagnostic.error.as_ref(), allowed);
    let code = diagnostic.code();
    for related in &diagnostic.related {
        let related = chinese_related(code.as_deref(), related.clone());
        left.extend(english_words(&related.label, allowed));
        left.extend(english_words(&related.heading, allowed));
    }
    left
}

/// English words a Chinese diagnostic may carry outside backticks: `pol`'s own name, file names
/// and formats (`jurisdictions.csv`, UTF-8, TOML) and the literals `true` and `false`.
pub const ALLOWED_ENGLISH: &[&str] =
    &["pol", "UTF", "TOML", "CSV", "JSON", "YYYY", "csv", "jurisdictions", "true", "false"];

/// Words the English leaves in a Chinese rendering of `error` (its message, help and labels):
/// ASCII words of three letters or more outside backticks, minus `allowed` (units, keywords).
/// The tests render every diagnostic they produce through this to keep Chinese output Chinese.
pub fn english_left_in_chinese(error: &dyn miette::Diagnostic, allowed: &[&str]) -> Vec<String> {
    let (message, help, labels) = chinese_parts(error);
    let texts =
        std::iter::once(message).chain(help).chain(labels.iter().filter_map(|label| label.label().map(str::to_string)));
    texts.flat_map(|text| english_words(&text, allowed)).collect()
}

/// The ASCII words of three letters or more outside backticks in `text`, minus `allowed`.
fn english_words(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut left = Vec::new();
    // Outside backticks: the even-numbered pieces between them.
    for (index, piece) in text.split('`').enumerate() {
        if index % 2 == 1 {
            continue;
        }
        for word in piece.split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() >= 3 && !allowed.contains(&word) {
                left.push(word.to_string());
            }
        }
    }
    left
}

#[cfg(test)]
mod tests;
