//! Parameters: province values and local parameter files, layered and checked.
//!
//! # Design
//!
//! A parameter has three layers. The policy (`param` declarations, checked into
//! [`tir::ParamDef`](crate::tir::ParamDef)) gives the province's values, each in force from a
//! day on (`from 2019-01-01 = 3218`) or from the beginning (`= dibao_min_standard`). A city may
//! publish a TOML file with its own dated values; so may a county-level unit, which then overrides
//! its city. The value of `p` for jurisdiction `J` on day `d` is:
//!
//! 1. `J`'s own file's latest value of `p` dated on or before `d`, if `J` is a county with a file;
//! 2. else its city's file's latest such value;
//! 3. else the province's value in force on `d`, *evaluated in `J` on `d`*: a default such as
//!    `dibao_standard = dibao_min_standard` follows whatever `dibao_min_standard` is for `J` on
//!    `d`, so a city that raises a parameter raises everything defined from it.
//!
//! ```toml
//! jurisdiction = "610800"     # 榆林市
//!
//! [2018-01-01]
//! dibao_standard = 4500
//!
//! [2019-01-01]
//! dibao_standard = "4860 元/年"
//! ```
//!
//! With this file, a county of 榆林 with no file of its own (榆阳区), or with one that does not
//! set `dibao_standard`, gets 4,860.00 on 2019-07-01 and 4,500.00 on 2018-07-01; 神木, whose own
//! file sets 5,880 from 2019-01-01, gets 5,880.00; a county of a city without a file gets the
//! province's value, `dibao_min_standard` on that day.
//!
//! ## Loading
//!
//! [`load`] reads every file with `toml_edit`, keeping spans, and reports *every* mistake of every
//! file, each at its TOML line: syntax; a missing or unknown `jurisdiction`; two files for one
//! jurisdiction; a table header that is not a real day; an unknown parameter (with the nearest
//! name); a parameter the file's level may not set (`set by`); a value of another unit or type, or
//! with more decimals than its type holds. Numbers are read from their decimal text, never through
//! `f64`: money becomes fen, ratios ×10⁹ words, as in the language. A file with a syntax error or
//! no valid jurisdiction is left out; a bad entry is left out of an otherwise good file, so that
//! the constraint check still runs on the rest.
//!
//! ## Constraints
//!
//! Every `require` of every parameter is checked for the province and for each jurisdiction
//! that has a file, on each day on which a value it depends on takes effect there: a dated value
//! of a parameter it reads, or that their province values read, in the province or in the
//! jurisdiction's files. A day on which a parameter it reads has no value yet is skipped.
//! `last_year(p)` is `p` in the same jurisdiction one year earlier (29 February → 28 February),
//! and the check is skipped when there was none; `province(p)` is the province's value that day.
//! A constraint that depends on a value a file meant to set but could not (a bad unit, a bad date
//! header) is not checked where that file applies: the mistake is reported once, not again as
//! the breach its absence causes. A broken constraint is reported once per offending value, with
//! its numbers, e.g.
//!
//! ```text
//! breaks rule "提高不低于8%": `dibao_standard` must be at least 1.08 × 2018's 4,500.00 元/年
//! (= 4,860.00) but is 4,815.00
//! ```
//!
//! at the line that set the value (a county inheriting its city's value is reported at the
//! city's line; a province default that follows a local value, at that value's line; a broken
//! province value, in the policy), with the `require` in the help: a diagnostic labels one file
//! only.
//!
//! ## Resolution
//!
//! Values are computed lazily by a small evaluator over parameter expressions (constants,
//! parameters, unary and binary operations with [`crate::arith`]'s exact rounding, `if`,
//! `match`, `min`/`max`; `last_year` and `province` in constraints), memoised per
//! (jurisdiction chain, day, parameter). A value that depends on itself is reported as
//! `pol::params::cycle`, not followed forever (the checker reports such cycles first). A
//! parameter not in force on a day (before its first value, after `from DATE = none`) has no
//! value there, which is an error only where something in force reads it ([`crate::dated`]).
//!
//! [`ParamSet::county_table`] resolves every parameter for every county on one as-of day into
//! the engines' [`CountyTable`]; [`ParamSet::value`] and [`ParamSet::explain`] answer for one
//! parameter, the latter with the file and line (or the province's value) it comes from.
//!
//! ## Rejected alternatives
//!
//! - Deserialising with serde into a fixed struct: the set of keys is the policy's, and serde
//!   loses the raw text of decimals.
//! - Evaluating province defaults once, at the province: `dibao_standard = dibao_min_standard`
//!   would then ignore a city's own `dibao_min_standard` (were it settable), and a chain of
//!   defaults would not follow a local change.
//! - Stopping at the first error of a file: drafters fix files in one round trip.

mod brackets;
mod constraint;
mod error;
mod file;
pub(crate) mod literal;
mod resolve;
pub mod scenario;

pub use error::ParamsError;

use crate::date;
use crate::diagnostic::{self, Diagnostic};
use crate::engine::CountyTable;
use crate::jurisdictions::{County, JurisdictionTable};
use crate::tir::{Bracket, ParamId, Program, ScaleId, Word};
use file::{Item, LocalFile, Reader};
use pol_grammar::ast::Level;
use pol_grammar::names::edit_distance;
use pol_grammar::{SourceId, Span};
use resolve::{Chain, Env, Fail, OriginRef};

/// The loaded, checked local parameter files of a policy; resolves any parameter for any
/// jurisdiction on any day. Build it with [`load`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSet {
    /// The files, in the order given (one per jurisdiction).
    files: Vec<LocalFile>,
    /// The jurisdiction texts followed by the text values of local files; local text handles
    /// index this table.
    texts: Vec<String>,
}

/// Where a parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A value of a local parameter file.
    Local {
        /// The TOML file.
        source: SourceId,
        /// The file's `jurisdiction` code.
        jurisdiction: String,
        /// Whether it is a city's or a county's file.
        level: Level,
        /// The date table it is under.
        from: Word,
        /// The value as written in the file.
        span: Span,
    },
    /// The province's value, in the policy.
    Province {
        /// `from DATE`, or `None` for a value in force from the beginning.
        from: Option<Word>,
        /// The value's expression in the `.pol` file.
        span: Span,
    },
}

/// A parameter's value for one jurisdiction on one day, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The value.
    pub word: Word,
    /// Its origin (for a province value that follows other parameters: the province's value
    /// itself, not theirs).
    pub origin: Origin,
}

/// A loaded local file, as listed by [`ParamSet::local_files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalFileInfo<'a> {
    /// The TOML file.
    pub source: SourceId,
    /// Its `jurisdiction` code.
    pub jurisdiction: &'a str,
    /// Whether it is a city's or a county's file.
    pub level: Level,
}

/// One dated value a local file sets, as listed by [`ParamSet::local_values`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSetting {
    /// The day from which it is in force (the file's date table).
    pub from: Word,
    /// The value.
    pub word: Word,
    /// The value as written in the TOML file.
    pub span: Span,
}

/// One dated list of brackets a local file sets for a scale, as listed by
/// [`ParamSet::local_scales`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalScaleSetting {
    /// The day from which it is in force (the file's date table).
    pub from: Word,
    /// The brackets.
    pub brackets: Vec<Bracket>,
    /// The value as written in the TOML file.
    pub span: Span,
}

/// Reads and checks the local parameter files of a policy (TOML texts, with the source ids the
/// caller gave them) against the checked program and its jurisdictions. Returns every error of
/// every file, and every broken constraint, sorted by file and position.
pub fn load(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    files: &[(SourceId, &str)],
) -> Result<ParamSet, Vec<Diagnostic>> {
    load_layers(program, jurisdictions, &Layers { files: files.to_vec(), ..Layers::default() })
}

/// The local parameter texts of a policy, in layers: the policy's own files, a reform's files
/// over them, and a scenario over both (its city and county tables; its province values are
/// added to the program first, by [`scenario::apply_province`]).
#[derive(Debug, Clone, Default)]
pub struct Layers<'a> {
    /// The policy's files, one per jurisdiction.
    pub files: Vec<(SourceId, &'a str)>,
    /// A reform's files, one per jurisdiction: a value replaces the policy file's value of the
    /// same parameter and day; other values of that file stay.
    pub overlays: Vec<(SourceId, &'a str)>,
    /// A scenario file, layered over both in the same way.
    pub scenario: Option<(SourceId, &'a str)>,
}

/// [`load`] with a reform's files and a scenario layered over the policy's files; every value
/// and constraint is checked on the layered result.
pub fn load_layers(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    layers: &Layers<'_>,
) -> Result<ParamSet, Vec<Diagnostic>> {
    let mut reader = Reader::new(program, jurisdictions);
    let mut errors = Vec::new();
    let mut loaded = read_layer(&mut reader, &layers.files, &mut errors);
    for file in read_layer(&mut reader, &layers.overlays, &mut errors) {
        overlay(&mut loaded, file);
    }
    if let Some((source, text)) = layers.scenario {
        for file in scenario::read_locals(&mut reader, source, text, &mut errors) {
            overlay(&mut loaded, file);
        }
    }
    for file in &mut loaded {
        values_not_in_force(program, file, &mut errors);
    }
    let mut texts = jurisdictions.texts.clone();
    texts.append(&mut reader.texts);
    let mut env = Env::new(program, &loaded, &texts);
    errors.extend(constraint::check_all(program, jurisdictions, &mut env));
    if errors.is_empty() {
        Ok(ParamSet { files: loaded, texts })
    } else {
        diagnostic::sort(&mut errors);
        Err(errors)
    }
}

/// Reports, and leaves out, the values a local file gives on dates on which their parameter is
/// not in force (before its first value, or after a `from DATE = none`).
fn values_not_in_force(program: &Program, file: &mut LocalFile, errors: &mut Vec<Diagnostic>) {
    for (def, values) in program.params.iter().zip(file.values.iter_mut()) {
        values.retain(|value| {
            let why = match crate::dated::param_in_force(def, Some(value.from)) {
                Ok(_) => return true,
                Err(why) => why,
            };
            let date = format!("`{}`", date::format_iso(value.from));
            let error =
                crate::dated::DatedError::LocalValueNotInForce { name: def.name.clone(), date, span: value.span };
            let (span, label) = crate::dated::why_label(&def.name, why);
            errors.push(error.into_diagnostic().with_related(span, label));
            false
        });
    }
    for (def, lists) in program.scales.iter().zip(file.scales.iter_mut()) {
        lists.retain(|list| {
            if def.version_on(list.from).is_some_and(|version| version.brackets.is_some()) {
                return true;
            }
            let date = format!("`{}`", date::format_iso(list.from));
            let error =
                crate::dated::DatedError::LocalValueNotInForce { name: def.name.clone(), date, span: list.span };
            let why = match def.version_on(list.from) {
                Some(version) => crate::dated::NotInForce::Ended(version.span),
                None => crate::dated::NotInForce::NotYet(def.versions.first().map_or(def.span, |version| version.span)),
            };
            let (span, label) = crate::dated::why_label(&def.name, why);
            errors.push(error.into_diagnostic().with_related(span, label));
            false
        });
    }
}

/// Reads one layer's files; two files for one jurisdiction are reported.
fn read_layer(reader: &mut Reader<'_>, files: &[(SourceId, &str)], errors: &mut Vec<Diagnostic>) -> Vec<LocalFile> {
    let mut loaded: Vec<LocalFile> = Vec::new();
    for (source, text) in files {
        let Some(file) = reader.read(*source, text, errors) else { continue };
        if let Some(first) = loaded.iter().find(|other| other.code == file.code) {
            let error = ParamsError::DuplicateJurisdiction {
                code: file.code.clone(),
                span: file.code_span,
                first: first.code_span,
            };
            file::push(errors, error);
            continue;
        }
        loaded.push(file);
    }
    loaded
}

/// Layers `file` over the loaded file of the same jurisdiction (a value of the same parameter
/// and day replaces the loaded one), or adds it.
fn overlay(loaded: &mut Vec<LocalFile>, file: LocalFile) {
    let Some(base) = loaded.iter_mut().find(|other| other.code == file.code) else {
        loaded.push(file);
        return;
    };
    for (list, extra) in base.values.iter_mut().zip(file.values) {
        for value in extra {
            list.retain(|old| old.from != value.from);
            list.push(value);
        }
        list.sort_by_key(|value| value.from);
    }
    for (lists, extra) in base.scales.iter_mut().zip(file.scales) {
        for list in extra {
            lists.retain(|old| old.from != list.from);
            lists.push(list);
        }
        lists.sort_by_key(|list| list.from);
    }
    base.rejected.extend(file.rejected);
    base.rejected.sort_unstable();
    base.rejected.dedup();
}

/// The errors of the local parameter files that need no checked program: their TOML syntax.
/// [`crate::policy::compile`] reports them when the `.pol` files have errors, so that a broken
/// `.pol` file does not hide a broken parameter file; [`load`] reports the same errors itself.
pub fn syntax_errors(files: &[(SourceId, &str)]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (source, text) in files {
        let _ = file::parse_document(*source, text, &mut errors);
    }
    errors
}

/// The parameter names a local file sets, each with its key's span (a dotted key's whole span),
/// in document order, flattened as [`load`] reads them; empty for a file with a syntax error.
/// For editors: going from a key to its `param` declaration, and renaming.
pub fn parameter_keys(source: SourceId, text: &str) -> Vec<(String, Span)> {
    let mut errors = Vec::new();
    let Some(document) = file::parse_document(source, text, &mut errors) else { return Vec::new() };
    let mut keys = Vec::new();
    for (_, item) in document.iter() {
        if let toml_edit::Item::Table(table) = item {
            keys.extend(file::flatten(table, source).into_iter().map(|entry| (entry.name, entry.key_span)));
        }
    }
    keys
}

impl ParamSet {
    /// Every parameter resolved for every county on `as_of`, then the county's attributes: the
    /// table both engines read. `jurisdictions` must be the table given to [`load`]. A parameter
    /// with no value on `as_of` (not in force, or following one that is not) is no error here:
    /// it is one only where something in force reads it, which [`Program::on`] reports; its word
    /// is left 0 and read by nothing.
    pub fn county_table(
        &self,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        as_of: Word,
    ) -> Result<CountyTable, Diagnostic> {
        let mut env = Env::new(program, &self.files, &self.texts);
        let width = program.params.len() + program.jurisdiction.attrs.len();
        let mut words = Vec::with_capacity(width.saturating_mul(jurisdictions.counties.len().max(1)));
        if program.without_jurisdictions() {
            // A policy without jurisdictions has one row: the province's own values, which
            // every household reads (it has no county column to choose another).
            self.push_row(program, &mut env, Chain::PROVINCE, "the province", as_of, &mut words)?;
            let scales = vec![scale_row(program, &env, Chain::PROVINCE, as_of)];
            return Ok(CountyTable { width, words, texts: self.texts.clone(), as_of, scales });
        }
        let mut scales = Vec::with_capacity(jurisdictions.counties.len());
        for county in &jurisdictions.counties {
            let chain = chain_of_county(&self.files, county);
            scales.push(scale_row(program, &env, chain, as_of));
            self.push_row(program, &mut env, chain, &format!("`{}`", county.code), as_of, &mut words)?;
            if county.attrs.len() != program.jurisdiction.attrs.len() {
                let message = format!(
                    "county `{}` has {} attributes, not {}",
                    county.code,
                    county.attrs.len(),
                    program.jurisdiction.attrs.len()
                );
                return Err(ParamsError::Internal { message, span: None }.into_diagnostic());
            }
            words.extend_from_slice(&county.attrs);
        }
        Ok(CountyTable { width, words, texts: self.texts.clone(), as_of, scales })
    }

    /// Pushes every parameter of `program` resolved for `chain` on `as_of` (`who` names the
    /// jurisdiction in an error).
    fn push_row(
        &self,
        program: &Program,
        env: &mut Env<'_>,
        chain: Chain,
        who: &str,
        as_of: Word,
        words: &mut Vec<Word>,
    ) -> Result<(), Diagnostic> {
        for (param_index, def) in program.params.iter().enumerate() {
            // A parameter instance of a program with periods is resolved on its own day.
            let (param, day) = def.on.unwrap_or((ParamId(param_index as u32), as_of));
            match env.resolve(chain, Some(day), param) {
                Ok(found) => words.push(found.word),
                // Not in force on `as_of`, or computed from something not in force: nothing
                // the program in force on `as_of` evaluates reads it (`Program::on` checks
                // that before any evaluation), so its word is never read.
                Err(Fail::Missing(_) | Fail::MissingScale(_)) => words.push(0),
                Err(fail) => return Err(self.resolution_error(program, param, who, day, fail)),
            }
        }
        Ok(())
    }

    /// The value of `param` for a county or city (by code) on `date`; `None` before its first
    /// value. An unknown code or a value that cannot be computed is an error.
    pub fn value(
        &self,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        param: ParamId,
        jurisdiction_code: &str,
        date: Word,
    ) -> Result<Option<Word>, Diagnostic> {
        Ok(self.explain(program, jurisdictions, param, jurisdiction_code, date)?.map(|resolved| resolved.word))
    }

    /// The province's own value of `param` on `date`; `None` before its first value.
    pub fn province_value(&self, program: &Program, param: ParamId, date: Word) -> Result<Option<Word>, Diagnostic> {
        Ok(self.resolve(program, param, Chain::PROVINCE, "the province", date)?.map(|resolved| resolved.word))
    }

    /// The value of `param` for a county or city on `date` with where it comes from (a file's
    /// line or the province's value), for `pol explain`.
    pub fn explain(
        &self,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        param: ParamId,
        jurisdiction_code: &str,
        date: Word,
    ) -> Result<Option<Resolved>, Diagnostic> {
        let Some(chain) = chain_of_code(&self.files, jurisdictions, jurisdiction_code) else {
            return Err(ParamsError::UnknownPlace { code: jurisdiction_code.to_string() }.into_diagnostic());
        };
        self.resolve(program, param, chain, &format!("`{jurisdiction_code}`"), date)
    }

    /// The loaded files, in the order given to [`load`].
    pub fn local_files(&self) -> impl Iterator<Item = LocalFileInfo<'_>> {
        self.files.iter().map(|file| LocalFileInfo { source: file.source, jurisdiction: &file.code, level: file.level })
    }

    /// The values each local file sets for `param`, in date order, for the files that set it
    /// (in the order given to [`load`]).
    pub fn local_values(&self, param: ParamId) -> Vec<(LocalFileInfo<'_>, Vec<LocalSetting>)> {
        let mut found = Vec::new();
        for file in &self.files {
            let Some(values) = file.values.get(param.0 as usize) else { continue };
            if values.is_empty() {
                continue;
            }
            let info = LocalFileInfo { source: file.source, jurisdiction: &file.code, level: file.level };
            let settings =
                values.iter().map(|value| LocalSetting { from: value.from, word: value.word, span: value.span });
            found.push((info, settings.collect()));
        }
        found
    }

    /// The brackets each local file sets for `scale`, in date order, for the files that set
    /// it (in the order given to [`load`]).
    pub fn local_scales(&self, scale: ScaleId) -> Vec<(LocalFileInfo<'_>, Vec<LocalScaleSetting>)> {
        let mut found = Vec::new();
        for file in &self.files {
            let Some(lists) = file.scales.get(scale.0 as usize) else { continue };
            if lists.is_empty() {
                continue;
            }
            let info = LocalFileInfo { source: file.source, jurisdiction: &file.code, level: file.level };
            let settings = lists.iter().map(|list| LocalScaleSetting {
                from: list.from,
                brackets: list.brackets.clone(),
                span: list.span,
            });
            found.push((info, settings.collect()));
        }
        found
    }

    /// The brackets of `scale` for a county or city (by code) on `date`, with where they come
    /// from (a file's line or the province's version), for `pol explain`; `None` when the
    /// scale is not in force then.
    pub fn explain_scale(
        &self,
        program: &Program,
        jurisdictions: &JurisdictionTable,
        scale: ScaleId,
        jurisdiction_code: &str,
        date: Word,
    ) -> Result<Option<(Vec<Bracket>, Origin)>, Diagnostic> {
        let Some(chain) = chain_of_code(&self.files, jurisdictions, jurisdiction_code) else {
            return Err(ParamsError::UnknownPlace { code: jurisdiction_code.to_string() }.into_diagnostic());
        };
        let env = Env::new(program, &self.files, &self.texts);
        Ok(env
            .scale(chain, Some(date), scale)
            .ok()
            .and_then(|(brackets, origin)| self.origin(program, origin).map(|origin| (brackets.to_vec(), origin))))
    }

    /// The text table a local value of type `text` indexes as its jurisdiction table (the
    /// jurisdiction texts, then the local files' texts), for formatting values.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// Resolves in a chain; `place` names it in errors (`` `610802` `` or `the province`).
    fn resolve(
        &self,
        program: &Program,
        param: ParamId,
        chain: Chain,
        place: &str,
        date: Word,
    ) -> Result<Option<Resolved>, Diagnostic> {
        let mut env = Env::new(program, &self.files, &self.texts);
        match env.resolve(chain, Some(date), param) {
            Ok(found) => Ok(self.origin(program, found.origin).map(|origin| Resolved { word: found.word, origin })),
            Err(Fail::Missing(_) | Fail::MissingScale(_)) => Ok(None),
            Err(fail) => Err(self.resolution_error(program, param, place, date, fail)),
        }
    }

    fn origin(&self, program: &Program, origin: OriginRef) -> Option<Origin> {
        match origin {
            OriginRef::Local(local) => {
                let file = self.files.get(local.file)?;
                let (from, span) = match local.item {
                    Item::Param(param) => {
                        let value = file.values.get(param.0 as usize)?.get(local.index)?;
                        (value.from, value.span)
                    }
                    Item::Scale(scale) => {
                        let list = file.scales.get(scale.0 as usize)?.get(local.index)?;
                        (list.from, list.span)
                    }
                };
                Some(Origin::Local {
                    source: span.source,
                    jurisdiction: file.code.clone(),
                    level: file.level,
                    from,
                    span,
                })
            }
            OriginRef::ProvinceScale(scale, index) => {
                let version = program.scales.get(scale.0 as usize)?.versions.get(index)?;
                Some(Origin::Province { from: version.from, span: version.span })
            }
            OriginRef::Province(param, index) => {
                let (from, expr) = program.params.get(param.0 as usize)?.values.get(index)?;
                Some(Origin::Province { from: *from, span: expr.span })
            }
        }
    }

    /// An error resolving `param` (overflow, a cycle, …). A parameter with no value on the day
    /// is no error here: `county_table` leaves it unset and `value`/`explain` answer `None`;
    /// [`crate::tir::Program::on`] reports where something in force reads it.
    fn resolution_error(&self, program: &Program, param: ParamId, place: &str, date: Word, fail: Fail) -> Diagnostic {
        let name = program.params.get(param.0 as usize).map_or("?", |def| def.name.as_str());
        let day = date::format_iso(date);
        constraint::fail_to_error(program, name, &format!(" for {place} on {day}"), fail).into_diagnostic()
    }
}

/// The brackets of every scale of `program` for `chain` on `as_of` (empty for a scale not in
/// force then): a county table's row of scales.
fn scale_row(program: &Program, env: &Env<'_>, chain: Chain, as_of: Word) -> Vec<Vec<Bracket>> {
    (0..program.scales.len())
        .map(|index| {
            env.scale(chain, Some(as_of), ScaleId(index as u32))
                .map_or_else(|_| Vec::new(), |(brackets, _)| brackets.to_vec())
        })
        .collect()
}

/// The chain of a county: its own file, then its city's.
fn chain_of_county(files: &[LocalFile], county: &County) -> Chain {
    Chain { county: find_file(files, &county.code, Level::County), city: find_file(files, &county.city, Level::City) }
}

/// The chain of a file's jurisdiction.
pub(crate) fn chain_of_file(files: &[LocalFile], jurisdictions: &JurisdictionTable, index: usize) -> Chain {
    match files.get(index) {
        Some(file) if file.level == Level::County => {
            let city = jurisdictions
                .index_of(&file.code)
                .and_then(|county| jurisdictions.counties.get(county))
                .and_then(|county| find_file(files, &county.city, Level::City));
            Chain { county: Some(index), city }
        }
        Some(_) => Chain { county: None, city: Some(index) },
        None => Chain::PROVINCE,
    }
}

/// The chain of a city or county code (a city first, as the files' `jurisdiction` is read).
fn chain_of_code(files: &[LocalFile], jurisdictions: &JurisdictionTable, code: &str) -> Option<Chain> {
    if jurisdictions.is_city(code) {
        return Some(Chain { county: None, city: find_file(files, code, Level::City) });
    }
    let county = jurisdictions.counties.get(jurisdictions.index_of(code)?)?;
    Some(chain_of_county(files, county))
}

fn find_file(files: &[LocalFile], code: &str, level: Level) -> Option<usize> {
    files.iter().position(|file| file.level == level && file.code == code)
}

/// The candidate nearest to `name` by edit distance, if near enough to be a likely typo.
pub(crate) fn nearest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names() {
        let names = ["dibao_standard", "dibao_min_standard", "poverty_line", "topup.child"];
        assert_eq!(nearest("dibao_standerd", names.iter().copied()), Some("dibao_standard"));
        assert_eq!(nearest("topup.chlid", names.iter().copied()), Some("topup.child"));
        assert_eq!(nearest("unrelated", names.iter().copied()), None);
        assert_eq!(edit_distance("低保标准", "低保标"), 1);
    }
}
