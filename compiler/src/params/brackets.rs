//! A scale's brackets in a local file: `high_age_allowance = "[80: 60, 90: 120, 100: 320]"`,
//! the policy's literal in a string. Each threshold and value is read like a local value of
//! the scale's threshold and value types ([`Reader::number`]); every mistake is labelled at its
//! bracket inside the string when the string holds no escape.

use super::error::ParamsError;
use super::file::{Reader, example, found_label, level_name};
use super::literal;
use crate::tir::{Bracket, Program, ScaleDef, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::Level;

impl Reader<'_> {
    /// A scale's brackets written as the policy writes them, in a string:
    /// `"[80: 60, 90: 120]"`. Each threshold and value is read like a local value of the
    /// scale's threshold and value types; thresholds must increase.
    pub(super) fn scale_value(
        &mut self,
        scale: &ScaleDef,
        value: &toml_edit::Value,
        span: Span,
        text: &str,
    ) -> Result<Vec<Bracket>, ParamsError> {
        let name = &scale.name;
        let example = scale_example(self.program, scale);
        let bad = |label: String, span: Span| ParamsError::BadValue {
            name: name.clone(),
            expected: "a list of brackets".into(),
            span,
            label,
            help: format!("write the brackets in a string, as in the policy: `{name} = \"{example}\"`"),
        };
        let Some(written) = value.as_str() else {
            return Err(bad(found_label(value, "a list of brackets"), span));
        };
        // Where the string's characters are in the file, when it holds no escape: each mistake
        // is then labelled at its own bracket.
        let raw = text.get(span.start as usize..span.end as usize).unwrap_or("");
        let base = (raw.len() >= 2 && raw.get(1..raw.len() - 1) == Some(written)).then_some(span.start as usize + 1);
        let part_span = |part: &str| {
            // `part` is a slice of `written`: its offset there is the difference of addresses.
            let offset = (part.as_ptr() as usize).checked_sub(written.as_ptr() as usize);
            match base.zip(offset) {
                Some((base, offset)) => {
                    let start = base + offset + (part.len() - part.trim_start().len());
                    Span::new(span.source, start, start + part.trim().len().max(1))
                }
                None => span,
            }
        };
        let inner = written.trim().strip_prefix('[').and_then(|rest| rest.strip_suffix(']'));
        let Some(inner) = inner else {
            return Err(bad("not in `[` `]`".into(), span));
        };
        if inner.trim().is_empty() {
            return Err(bad("no bracket".into(), span));
        }
        let mut brackets: Vec<Bracket> = Vec::new();
        for pair in inner.split(',') {
            let Some((threshold_text, value_text)) = pair.split_once(':') else {
                return Err(bad(format!("`{}` is not `THRESHOLD: VALUE`", pair.trim()), part_span(pair)));
            };
            let threshold = self.scale_number(name, scale.threshold_ty, threshold_text, part_span(threshold_text))?;
            let amount = self.scale_number(name, scale.value_ty, value_text, part_span(value_text))?;
            if let Some(previous) = brackets.last()
                && threshold <= previous.threshold
            {
                return Err(ParamsError::BadValue {
                    name: name.clone(),
                    expected: "a list of brackets whose thresholds increase".into(),
                    span: part_span(threshold_text),
                    label: format!(
                        "`{}` is not above `{}`",
                        threshold_text.trim(),
                        literal::literal_text(self.program, scale.threshold_ty, previous.threshold)
                    ),
                    help: "list the brackets from the lowest threshold to the highest, each threshold above the one before"
                        .into(),
                });
            }
            brackets.push(Bracket { threshold, value: amount });
        }
        Ok(brackets)
    }

    /// One threshold or value of a scale's brackets, as a word of `ty`.
    fn scale_number(&self, name: &str, ty: Ty, written: &str, span: Span) -> Result<Word, ParamsError> {
        let Some((number, unit)) = literal::split_unit(written) else {
            let expected = literal::type_phrase(self.program, ty);
            return Err(ParamsError::BadValue {
                name: name.to_string(),
                expected: expected.clone(),
                span,
                label: format!("`{}` is not a number", written.trim()),
                help: format!("write a number, e.g. `{}`", example(self.program.currency, ty).0),
            });
        };
        self.number(name, ty, number, unit, span).map_err(|error| match (error, ty) {
            // A bracket's amount is written in the list, not as `name = amount`.
            (ParamsError::WrongUnit { name, expected, found, span, .. }, Ty::Money(period)) => {
                let unit = literal::period_unit(self.program.currency, period);
                let written = number.to_string();
                let help = format!(
                    "write each amount of the brackets in {unit}, as a plain number (`{written}`) or with its unit (`{written} {unit}`)"
                );
                ParamsError::WrongUnit { name, expected, found, span, help }
            }
            (error, _) => error,
        })
    }
}

/// A scale's brackets set by a level its `set by` does not name.
pub(super) fn scale_not_settable(scale: &ScaleDef, level: Level, span: Span) -> ParamsError {
    let this_level = level_name(level);
    let name = &scale.name;
    if scale.set_by.is_empty() {
        return ParamsError::NotSettable {
            message: format!("`{name}` is set by the province only"),
            span,
            label: format!("set in a {this_level} file"),
            help: format!(
                "`{name}` is a scale the policy gives alone: to let each {this_level} set its brackets, add `set by {this_level}` to its `param` declaration; otherwise remove this line"
            ),
        };
    }
    let allowed: Vec<&str> = scale.set_by.iter().map(|level| level_name(*level)).collect();
    ParamsError::NotSettable {
        message: format!("`{name}` may not be set by a {this_level}"),
        span,
        label: format!("set in a {this_level} file"),
        help: format!("`{name}` is `set by {}`", allowed.join(", ")),
    }
}

/// A scale's brackets as the policy would write them in a local file: the province's first
/// version, else `[0: 10]`.
fn scale_example(program: &Program, scale: &ScaleDef) -> String {
    let brackets = scale.versions.iter().find_map(|version| version.brackets.as_ref());
    match brackets {
        Some(brackets) if !brackets.is_empty() => {
            let pairs: Vec<String> = brackets
                .iter()
                .map(|bracket| {
                    format!(
                        "{}: {}",
                        literal::literal_text(program, scale.threshold_ty, bracket.threshold),
                        literal::literal_text(program, scale.value_ty, bracket.value)
                    )
                })
                .collect();
            format!("[{}]", pairs.join(", "))
        }
        _ => "[0: 10]".into(),
    }
}
