//! A parameter's value in one jurisdiction on one day: the layering and the small evaluator.
//!
//! A *chain* is the list of local files a jurisdiction reads, most local first: a county's own
//! file and its city's file, a city's file, or none for the province. [`Env::resolve`] looks
//! for the latest value dated on or before the day in each file of the chain, then falls back to
//! the province's value in force, evaluated as an expression over other parameters in the same
//! chain on the same day. Results are memoised per (chain, day, parameter): this keeps the work
//! linear when values refer to each other, and an entry still in progress when it is asked for
//! again is a cycle, reported instead of recursing forever.
//!
//! Besides the word, resolution keeps where the value comes from ([`OriginRef`]) and the most
//! local file value it depends on ([`Found::blame`]): a constraint broken by a province default
//! that follows a city's value is reported at the city's line.

use super::file::{Item, LocalFile};
use crate::arith::ArithError;
use crate::date;
use crate::ops;
use crate::text::TextTables;
use crate::tir::{Bracket, Expr, ExprKind, OtherBrackets, ParamId, Program, ScaleId, Word};
use pol_grammar::Span;
use pol_grammar::ast::Level;
use std::collections::HashMap;

/// Expressions and parameter references nested deeper than this are refused.
const MAX_DEPTH: u32 = 256;

/// The local files a jurisdiction reads, most local first (indices into the loaded files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Chain {
    /// The county's own file.
    pub county: Option<usize>,
    /// The city's file.
    pub city: Option<usize>,
}

impl Chain {
    /// The province: no local file.
    pub const PROVINCE: Chain = Chain { county: None, city: None };
}

/// A value of one local file: file index, parameter or scale, index in its dated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalRef {
    /// Index of the file.
    pub file: usize,
    /// The parameter or scale.
    pub item: Item,
    /// Index in the file's values of the parameter (brackets of the scale).
    pub index: usize,
}

/// Where a resolved value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginRef {
    /// A local file's value.
    Local(LocalRef),
    /// The province's value: the parameter and the index in its `values`.
    Province(ParamId, usize),
    /// The province's brackets: the scale and the index of the version in its `versions`.
    ProvinceScale(ScaleId, usize),
}

/// A resolved value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// The value.
    pub word: Word,
    /// Where it comes from.
    pub origin: OriginRef,
    /// The most local file value it depends on (itself, for a local value).
    pub blame: Option<LocalRef>,
}

/// Why a value could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    /// This parameter has no value on the day.
    Missing(ParamId),
    /// This scale is not in force on the day.
    MissingScale(ScaleId),
    /// `last_year(p)` has no value (or there is no previous year).
    NoLastYear,
    /// Overflow or division by zero at this operation.
    Arith(ArithError, Span),
    /// The parameter's value depends on itself; the reference that closes the loop, once known.
    Cycle(ParamId, Option<Span>),
    /// An expression kind that has no meaning for parameters (the checker lets none through).
    Unsupported(Span),
    /// Nesting beyond [`MAX_DEPTH`].
    TooDeep(Span),
}

enum Slot {
    InProgress,
    Done(Result<Found, Fail>),
}

/// The evaluation environment: the policy, the loaded files and the memo.
pub(crate) struct Env<'a> {
    program: &'a Program,
    files: &'a [LocalFile],
    texts: TextTables<'a>,
    memo: HashMap<(Chain, Option<Word>, ParamId), Slot>,
}

impl<'a> Env<'a> {
    /// An environment over loaded files; `jurisdiction_texts` resolves text handles of local values.
    pub fn new(program: &'a Program, files: &'a [LocalFile], jurisdiction_texts: &'a [String]) -> Env<'a> {
        let texts =
            TextTables { literals: &program.texts, batch: &crate::text::NO_TEXTS, jurisdiction: jurisdiction_texts };
        Env { program, files, texts, memo: HashMap::new() }
    }

    /// The loaded files.
    pub fn files(&self) -> &'a [LocalFile] {
        self.files
    }

    /// The value of `param` in `chain` on `day` (`None`: at the very beginning, before any date).
    pub fn resolve(&mut self, chain: Chain, day: Option<Word>, param: ParamId) -> Result<Found, Fail> {
        self.resolve_at_depth(chain, day, param, 0)
    }

    fn resolve_at_depth(&mut self, chain: Chain, day: Option<Word>, param: ParamId, depth: u32) -> Result<Found, Fail> {
        let key = (chain, day, param);
        match self.memo.get(&key) {
            Some(Slot::InProgress) => return Err(Fail::Cycle(param, None)),
            Some(Slot::Done(result)) => return *result,
            None => {}
        }
        let Some(def) = self.program.params.get(param.0 as usize) else { return Err(Fail::Missing(param)) };
        // Not in force (before its first value, or ended by `none`): no value, local or not.
        let Ok((index, expr)) = crate::dated::param_in_force(def, day) else { return Err(Fail::Missing(param)) };
        if let Some(found) = self.local(chain, day, param) {
            return Ok(found);
        }
        self.memo.insert(key, Slot::InProgress);
        let mut blame = None;
        let result = self.eval_at_depth(chain, day, expr, &mut blame, depth + 1).map(|word| Found {
            word,
            origin: OriginRef::Province(param, index),
            blame,
        });
        self.memo.insert(key, Slot::Done(result));
        result
    }

    /// The chain's most local value of `param` dated on or before `day`.
    fn local(&self, chain: Chain, day: Option<Word>, param: ParamId) -> Option<Found> {
        let day = day?;
        [chain.county, chain.city].into_iter().flatten().find_map(|file_index| {
            let values = self.files.get(file_index)?.values.get(param.0 as usize)?;
            let index = values.iter().rposition(|value| value.from <= day)?;
            let value = values.get(index)?;
            let local = LocalRef { file: file_index, item: Item::Param(param), index };
            Some(Found { word: value.word, origin: OriginRef::Local(local), blame: Some(local) })
        })
    }

    /// The brackets of `scale` in `chain` on `day`, with where they come from: the chain's most
    /// local list dated on or before the day, else the province's version in force. A scale not
    /// in force (before its first version, after `from DATE = none`) has none, local or not.
    pub fn scale(&self, chain: Chain, day: Option<Word>, scale: ScaleId) -> Result<(&'a [Bracket], OriginRef), Fail> {
        let missing = Fail::MissingScale(scale);
        let def = self.program.scales.get(scale.0 as usize).ok_or(missing)?;
        let version_index = match day {
            Some(day) => def.versions.iter().rposition(|version| version.from.is_none_or(|from| from <= day)),
            None => def.versions.iter().position(|version| version.from.is_none()),
        }
        .ok_or(missing)?;
        let version = def.versions.get(version_index).ok_or(missing)?;
        let province = version.brackets.as_deref().ok_or(missing)?;
        if let Some(day) = day {
            for file_index in [chain.county, chain.city].into_iter().flatten() {
                let Some(lists) = self.files.get(file_index).and_then(|file| file.scales.get(scale.0 as usize)) else {
                    continue;
                };
                if let Some(index) = lists.iter().rposition(|list| list.from <= day)
                    && let Some(list) = lists.get(index)
                {
                    let local = LocalRef { file: file_index, item: Item::Scale(scale), index };
                    return Ok((&list.brackets, OriginRef::Local(local)));
                }
            }
        }
        Ok((province, OriginRef::ProvinceScale(scale, version_index)))
    }

    /// Evaluates a parameter expression (a province value or a constraint) in `chain` on `day`.
    /// `blame` collects the most local file value read on that day (not through `last_year` or
    /// `province`).
    pub fn eval(
        &mut self,
        chain: Chain,
        day: Option<Word>,
        expr: &Expr,
        blame: &mut Option<LocalRef>,
    ) -> Result<Word, Fail> {
        self.eval_at_depth(chain, day, expr, blame, 0)
    }

    fn eval_at_depth(
        &mut self,
        chain: Chain,
        day: Option<Word>,
        expr: &Expr,
        blame: &mut Option<LocalRef>,
        depth: u32,
    ) -> Result<Word, Fail> {
        if depth > MAX_DEPTH {
            return Err(Fail::TooDeep(expr.span));
        }
        let depth = depth + 1;
        match &expr.kind {
            ExprKind::Const(word) => Ok(*word),
            ExprKind::Param(param) => {
                let found = self.resolve_at_depth(chain, day, *param, depth).map_err(|fail| match fail {
                    Fail::Cycle(looped, None) => Fail::Cycle(looped, Some(expr.span)),
                    other => other,
                })?;
                self.merge_blame(blame, found.blame);
                Ok(found.word)
            }
            ExprKind::LastYear(param) => {
                let earlier = day.and_then(one_year_before).ok_or(Fail::NoLastYear)?;
                match self.resolve_at_depth(chain, Some(earlier), *param, depth) {
                    Ok(found) => Ok(found.word),
                    Err(Fail::Missing(_) | Fail::MissingScale(_)) => Err(Fail::NoLastYear),
                    Err(other) => Err(other),
                }
            }
            ExprKind::Province(param) => Ok(self.resolve_at_depth(Chain::PROVINCE, day, *param, depth)?.word),
            ExprKind::Unary(op, operand) => {
                let value = self.eval_at_depth(chain, day, operand, blame, depth)?;
                ops::eval_unary(*op, value).map_err(|error| Fail::Arith(error, expr.span))
            }
            ExprKind::Binary(op, left, right) => {
                let a = self.eval_at_depth(chain, day, left, blame, depth)?;
                if let Some(decided) = ops::short_circuit(*op, a) {
                    return Ok(decided);
                }
                let b = self.eval_at_depth(chain, day, right, blame, depth)?;
                ops::eval_binary(*op, a, b, &self.texts).map_err(|error| Fail::Arith(error, expr.span))
            }
            ExprKind::If(cond, then, otherwise) => {
                let taken = if self.eval_at_depth(chain, day, cond, blame, depth)? != 0 { then } else { otherwise };
                self.eval_at_depth(chain, day, taken, blame, depth)
            }
            ExprKind::Match(scrutinee, arms) => {
                let value = self.eval_at_depth(chain, day, scrutinee, blame, depth)?;
                let arm = arms.iter().find(|(pattern, _)| ops::pattern_matches(*pattern, value));
                match arm {
                    Some((_, arm_value)) => self.eval_at_depth(chain, day, arm_value, blame, depth),
                    None => Err(Fail::Unsupported(expr.span)),
                }
            }
            ExprKind::Scale(kind, scale, operand) => {
                let x = self.eval_at_depth(chain, day, operand, blame, depth)?;
                let (brackets, origin) = self.scale(chain, day, *scale)?;
                if let OriginRef::Local(local) = origin {
                    self.merge_blame(blame, Some(local));
                }
                ops::apply_scale(*kind, brackets, x).map_err(|error| Fail::Arith(error, expr.span))
            }
            ExprKind::OtherScale(other, kind, scale, operand) => {
                let x = self.eval_at_depth(chain, day, operand, blame, depth)?;
                let brackets = match other {
                    OtherBrackets::Province => self.scale(Chain::PROVINCE, day, *scale)?.0,
                    OtherBrackets::LastYear => {
                        let earlier = day.and_then(one_year_before).ok_or(Fail::NoLastYear)?;
                        match self.scale(chain, Some(earlier), *scale) {
                            Ok((brackets, _)) => brackets,
                            Err(Fail::MissingScale(_)) => return Err(Fail::NoLastYear),
                            Err(other) => return Err(other),
                        }
                    }
                };
                ops::apply_scale(*kind, brackets, x).map_err(|error| Fail::Arith(error, expr.span))
            }
            ExprKind::Column(..)
            | ExprKind::Rule(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::Aggregate { .. }
            | ExprKind::Mask(_)
            | ExprKind::Periodic(..) => Err(Fail::Unsupported(expr.span)),
        }
    }

    /// Keeps the more local of two blamed values (a county's file before a city's).
    fn merge_blame(&self, blame: &mut Option<LocalRef>, other: Option<LocalRef>) {
        let rank = |local: &LocalRef| match self.files.get(local.file).map(|file| file.level) {
            Some(Level::County) => 2,
            Some(Level::City) => 1,
            _ => 0,
        };
        if let Some(other) = other
            && blame.as_ref().is_none_or(|current| rank(&other) > rank(current))
        {
            *blame = Some(other);
        }
    }
}

/// The same day one year earlier; 29 February becomes 28 February.
pub(crate) fn one_year_before(day: Word) -> Option<Word> {
    let (year, month, day_of_month) = date::to_ymd(day);
    let day_of_month = if month == 2 && day_of_month == 29 { 28 } else { day_of_month };
    date::from_ymd(year - 1, month, day_of_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_year_before_handles_leap_days() {
        let day = |text: &str| date::parse_iso(text).unwrap_or(Word::MIN);
        assert_eq!(one_year_before(day("2019-01-01")), Some(day("2018-01-01")));
        assert_eq!(one_year_before(day("2020-02-29")), Some(day("2019-02-28")));
        assert_eq!(one_year_before(day("2021-03-01")), Some(day("2020-03-01")));
        assert_eq!(one_year_before(day("0001-06-01")), None);
    }
}
