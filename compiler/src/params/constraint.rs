//! Checking every `require` for the province and every jurisdiction with a file, and saying
//! which value breaks it, with the numbers.
//!
//! A constraint is checked in each *place* (the province, then each file's jurisdiction) on
//! each day on which a value it depends on takes effect in that place's chain: the dated values
//! of the parameters it reads, and of the parameters their province values read, in the
//! province and in the chain's files. A day on which some parameter it reads has no value yet,
//! or on which `last_year` has none, is skipped.
//!
//! A failure is reported once per offending value: at the local line that set the constraint's
//! parameter (a county inheriting its city's value is reported at the city's line), else at the
//! most local value the check read, else at the province's value in the policy.

use super::error::ParamsError;
use super::file::{Item, LocalFile, push};
use super::literal;
use super::resolve::{Chain, Env, Fail, Found, LocalRef, OriginRef, one_year_before};
use crate::arith::ArithError;
use crate::date;
use crate::diagnostic::Diagnostic;
use crate::jurisdictions::JurisdictionTable;
use crate::tir::{
    BinOp, Constraint, Expr, ExprKind, OtherBrackets, ParamId, Program, RATIO_SCALE, ScaleId, ScaleKind, Ty, UnOp, Word,
};
use pol_grammar::Span;
use std::collections::HashSet;

/// Where a constraint is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Province,
    File(usize),
}

/// Checks every constraint of the program in every place; returns the diagnostics.
pub(crate) fn check_all(program: &Program, jurisdictions: &JurisdictionTable, env: &mut Env<'_>) -> Vec<Diagnostic> {
    let files = env.files();
    let places = std::iter::once(Place::Province).chain((0..files.len()).map(Place::File));
    let mut checker = Checker { program, errors: Vec::new(), reported: HashSet::new() };
    for place in places {
        let chain = match place {
            Place::Province => Chain::PROVINCE,
            Place::File(index) => super::chain_of_file(files, jurisdictions, index),
        };
        let params =
            program.params.iter().enumerate().map(|(index, param)| {
                (Item::Param(ParamId(index as u32)), param.name.as_str(), param.requires.as_slice())
            });
        let scales =
            program.scales.iter().enumerate().map(|(index, scale)| {
                (Item::Scale(ScaleId(index as u32)), scale.name.as_str(), scale.requires.as_slice())
            });
        for (subject, name, requires) in params.chain(scales) {
            for (constraint_index, constraint) in requires.iter().enumerate() {
                let check = Check { program, place, chain, subject, name, constraint, constraint_index };
                checker.check(env, &check);
            }
        }
    }
    checker.errors
}

/// One constraint in one place.
struct Check<'p> {
    program: &'p Program,
    place: Place,
    chain: Chain,
    /// The parameter or scale whose `require` it is.
    subject: Item,
    /// Its name.
    name: &'p str,
    constraint: &'p Constraint,
    constraint_index: usize,
}

struct Checker<'p> {
    program: &'p Program,
    errors: Vec<Diagnostic>,
    /// (parameter or scale, constraint, primary span) already reported; evaluation failures by
    /// span, without a subject.
    reported: HashSet<(Option<Item>, usize, Span)>,
}

impl Checker<'_> {
    fn check(&mut self, env: &mut Env<'_>, check: &Check<'_>) {
        let depends_on = depends_on(self.program, check);
        let files = env.files();
        let poisoned = [check.chain.county, check.chain.city]
            .into_iter()
            .flatten()
            .filter_map(|file| files.get(file))
            .any(|file| file.rejected.iter().any(|item| depends_on.contains(item)));
        if poisoned {
            return;
        }
        for day in relevant_days(files, check, &depends_on) {
            let mut blame = None;
            match env.eval(check.chain, day, &check.constraint.cond, &mut blame) {
                Ok(0) => self.violation(env, check, day, blame),
                Ok(_) | Err(Fail::Missing(_) | Fail::MissingScale(_) | Fail::NoLastYear) => {}
                Err(fail) => self.failure(env, check, day, fail),
            }
        }
    }

    fn violation(&mut self, env: &mut Env<'_>, check: &Check<'_>, day: Option<Word>, cond_blame: Option<LocalRef>) {
        let subject = match check.subject {
            Item::Param(param) => env.resolve(check.chain, day, param).ok(),
            Item::Scale(scale) => env.scale(check.chain, day, scale).ok().map(|(_, origin)| {
                let blame = match origin {
                    OriginRef::Local(local) => Some(local),
                    OriginRef::Province(..) | OriginRef::ProvinceScale(..) => None,
                };
                Found { word: 0, origin, blame }
            }),
        };
        let primary = primary(subject, cond_blame);
        let span = match primary {
            Some(OriginRef::Local(local)) => local_span(env.files(), local),
            Some(OriginRef::Province(param, index)) => province_span(self.program, param, index),
            Some(OriginRef::ProvinceScale(scale, index)) => self
                .program
                .scales
                .get(scale.0 as usize)
                .and_then(|def| def.versions.get(index))
                .map(|version| version.span),
            None => None,
        }
        .unwrap_or(check.constraint.span);
        if !self.reported.insert((Some(check.subject), check.constraint_index, span)) {
            return;
        }
        let subject_word = match check.subject {
            Item::Param(_) => subject.map(|found| found.word),
            Item::Scale(_) => None,
        };
        let mut describer =
            Describer { program: self.program, env, chain: check.chain, day, subject: check.subject, percent: None };
        let (numbers, fix) = describer.failure(&check.constraint.cond, subject_word);
        let rule = match &check.constraint.message {
            Some(rule) => format!("breaks rule \"{rule}\""),
            None => format!("breaks a rule of `{}`", check.name),
        };
        let when = match day {
            Some(day) => format!("from {}", date::format_iso(day)),
            None => "from the start".into(),
        };
        let elsewhere = |file: usize| format!(" in `{}`", env_code(env.files(), file));
        let label = match (primary, check.place) {
            (Some(OriginRef::Local(local)), place) => {
                let place = match place {
                    Place::File(file) if file != local.file => elsewhere(file),
                    _ => String::new(),
                };
                if local.item == check.subject {
                    format!("in force{place} {when}")
                } else {
                    format!("`{}` follows this value{place} {when}", check.name)
                }
            }
            (_, Place::File(file)) => format!("the province's value, in force{} {when}", elsewhere(file)),
            (_, Place::Province) => format!("the province's value {when}"),
        };
        let require = format!("`require {}`", render(self.program, &check.constraint.cond, 0, 0));
        let require = match &check.constraint.message {
            Some(rule) => format!("{require} \"{rule}\""),
            None => require,
        };
        let help = match fix {
            Some(fix) => format!("{fix}; the rule is {require} of `param {}`", check.name),
            None => format!("the rule is {require} of `param {}`", check.name),
        };
        let error =
            ParamsError::Constraint { message: format!("{rule}: {numbers}"), span, label, help }.into_diagnostic();
        // The `require` is in the policy; the value that breaks it usually in a local file.
        let rule_span = check.constraint.span;
        self.errors.push(if rule_span.source == span.source {
            error
        } else {
            error.with_related(rule_span, "the rule this value breaks is declared here")
        });
    }

    fn failure(&mut self, env: &mut Env<'_>, check: &Check<'_>, day: Option<Word>, fail: Fail) {
        let place = match check.place {
            Place::Province => String::new(),
            Place::File(file) => format!(" for `{}`", env_code(env.files(), file)),
        };
        let place = match day {
            Some(day) => format!("{place} on {}", date::format_iso(day)),
            None => place,
        };
        let error = fail_to_error(self.program, check.name, &place, fail);
        if let Some(span) = error.primary_span()
            && !self.reported.insert((None, 0, span))
        {
            return;
        }
        push(&mut self.errors, error);
    }
}

/// The value to point at: the subject's own local value, else the most local value it or the
/// condition read, else the subject's province value.
fn primary(subject: Option<Found>, cond_blame: Option<LocalRef>) -> Option<OriginRef> {
    match subject {
        Some(Found { origin: origin @ OriginRef::Local(_), .. }) => Some(origin),
        Some(Found { blame: Some(blame), .. }) => Some(OriginRef::Local(blame)),
        _ if cond_blame.is_some() => cond_blame.map(OriginRef::Local),
        Some(found) => Some(found.origin),
        None => None,
    }
}

fn local_span(files: &[LocalFile], local: LocalRef) -> Option<Span> {
    let file = files.get(local.file)?;
    match local.item {
        Item::Param(param) => Some(file.values.get(param.0 as usize)?.get(local.index)?.span),
        Item::Scale(scale) => Some(file.scales.get(scale.0 as usize)?.get(local.index)?.span),
    }
}

fn province_span(program: &Program, param: ParamId, index: usize) -> Option<Span> {
    Some(program.params.get(param.0 as usize)?.values.get(index)?.1.span)
}

fn env_code(files: &[LocalFile], file: usize) -> &str {
    files.get(file).map_or("?", |file| file.code.as_str())
}

/// A resolution failure as an error naming the parameter (and, in `place`, where and when).
pub(crate) fn fail_to_error(program: &Program, name: &str, place: &str, fail: Fail) -> ParamsError {
    let param_name =
        |param: ParamId| program.params.get(param.0 as usize).map_or_else(|| name.to_string(), |def| def.name.clone());
    match fail {
        Fail::Arith(error, span) => {
            let reason = match error {
                ArithError::Overflow => "the result is too large",
                ArithError::DivisionByZero => "division by zero",
            };
            ParamsError::Eval {
                name: name.to_string(),
                place: place.to_string(),
                reason: reason.into(),
                span,
                help: "check the values this operation uses, in the policy and in the local files".into(),
            }
        }
        Fail::TooDeep(span) => ParamsError::Eval {
            name: name.to_string(),
            place: place.to_string(),
            reason: "values nested too deeply".into(),
            span,
            help: "split the value into smaller parameters".into(),
        },
        Fail::Cycle(param, span) => ParamsError::Cycle {
            name: param_name(param),
            span: span.or_else(|| program.params.get(param.0 as usize).map(|def| def.span)).unwrap_or_default(),
        },
        Fail::Unsupported(span) => ParamsError::Internal {
            message: "a parameter's value reads something other than parameters".into(),
            span: Some(span),
        },
        Fail::Missing(param) => {
            ParamsError::Internal { message: format!("`{}` has no value{place}", param_name(param)), span: None }
        }
        Fail::MissingScale(scale) => {
            let scale_name = program.scales.get(scale.0 as usize).map_or(name, |def| def.name.as_str());
            ParamsError::Internal { message: format!("`{scale_name}` has no brackets{place}"), span: None }
        }
        Fail::NoLastYear => ParamsError::Internal { message: "`last_year` outside a constraint".into(), span: None },
    }
}

/// The parameters and scales a constraint depends on: its own, those its condition reads, and
/// those their province values read, transitively.
fn depends_on(program: &Program, check: &Check<'_>) -> Vec<Item> {
    let mut items = vec![check.subject];
    reads(&check.constraint.cond, &mut items);
    // Close over the province values' references.
    let mut next = 0;
    while let Some(item) = items.get(next).copied() {
        next += 1;
        let Item::Param(param) = item else { continue };
        let mut more = Vec::new();
        for (_, expr) in program.params.get(param.0 as usize).map_or(&[][..], |def| &def.values) {
            reads(expr, &mut more);
        }
        for item in more {
            if !items.contains(&item) {
                items.push(item);
            }
        }
    }
    items
}

/// The days on which to check: every day a value the constraint depends on takes effect in
/// the chain (`None` when one is in force from the start), in order.
fn relevant_days(files: &[LocalFile], check: &Check<'_>, depends_on: &[Item]) -> Vec<Option<Word>> {
    let chain_files =
        || [check.chain.county, check.chain.city].into_iter().flatten().filter_map(|file| files.get(file));
    let mut days = Vec::new();
    for &item in depends_on {
        match item {
            Item::Param(param) => {
                let values = check.program.params.get(param.0 as usize).map_or(&[][..], |def| &def.values[..]);
                days.extend(values.iter().map(|(from, _)| *from));
                for file in chain_files() {
                    if let Some(values) = file.values.get(param.0 as usize) {
                        days.extend(values.iter().map(|value| Some(value.from)));
                    }
                }
            }
            Item::Scale(scale) => {
                let versions = check.program.scales.get(scale.0 as usize).map_or(&[][..], |def| &def.versions[..]);
                days.extend(versions.iter().filter(|version| version.brackets.is_some()).map(|version| version.from));
                for file in chain_files() {
                    if let Some(lists) = file.scales.get(scale.0 as usize) {
                        days.extend(lists.iter().map(|list| Some(list.from)));
                    }
                }
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    days
}

/// Pushes every parameter (directly, through `last_year` or `province`) and scale an
/// expression reads.
fn reads(expr: &Expr, out: &mut Vec<Item>) {
    for node in expr.preorder() {
        match &node.kind {
            ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => {
                out.push(Item::Param(*param))
            }
            ExprKind::Scale(_, scale, _) | ExprKind::OtherScale(_, _, scale, _) => out.push(Item::Scale(*scale)),
            ExprKind::Const(_)
            | ExprKind::Column(..)
            | ExprKind::Rule(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::AsOf
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::If(..)
            | ExprKind::Match(..)
            | ExprKind::Aggregate { .. }
            | ExprKind::Mask(_)
            | ExprKind::Periodic(..) => {}
        }
    }
}

/// Describes a failing condition with the values it read.
struct Describer<'d, 'e> {
    program: &'d Program,
    env: &'d mut Env<'e>,
    chain: Chain,
    day: Option<Word>,
    subject: Item,
    /// How to show ratios: as percentages when one side of the comparison is between 0 and 1,
    /// so that `110%` is compared with `100%`, not `1.1`.
    percent: Option<bool>,
}

impl Describer<'_, '_> {
    /// The failing comparison with its numbers, and the fix when the subject is compared.
    fn failure(&mut self, cond: &Expr, subject_value: Option<Word>) -> (String, Option<String>) {
        let Some((op, left, right)) = self.failing_comparison(cond) else {
            let name = self.subject_name();
            return match (subject_value, self.subject) {
                (Some(word), Item::Param(param)) => {
                    let ty = self.param_ty(param);
                    (format!("`{name}` is {}", literal::format_with_unit(self.program, ty, word)), None)
                }
                _ => (format!("`{name}` breaks it"), None),
            };
        };
        // Put the subject on the left: `0 <= x` reads as `x >= 0`.
        let subject = Item::Param;
        let (op, left, right) = match (&left.kind, &right.kind) {
            (ExprKind::Param(l), ExprKind::Param(r)) if subject(*l) != self.subject && subject(*r) == self.subject => {
                (flip(op), right, left)
            }
            (kind, ExprKind::Param(r)) if !matches!(kind, ExprKind::Param(_)) && subject(*r) == self.subject => {
                (flip(op), right, left)
            }
            _ => (op, left, right),
        };
        if left.ty == Ty::Ratio {
            let in_unit_range = |word: Option<Word>| word.is_some_and(|word| (0..=RATIO_SCALE).contains(&word));
            self.percent = Some(in_unit_range(self.eval(left)) || in_unit_range(self.eval(right)));
        }
        let subject_text = match &left.kind {
            ExprKind::Param(param) => format!("`{}`", self.param_name(*param)),
            ExprKind::Scale(..) => format!("`{}`", render(self.program, left, 0, 0)),
            _ => self.describe(left, 0),
        };
        let bound = self.describe_full(right);
        let actual = self.value_text(left, false);
        let phrase = match op {
            BinOp::Ge => "must be at least",
            BinOp::Gt => "must be more than",
            BinOp::Le => "must be at most",
            BinOp::Lt => "must be less than",
            BinOp::Eq | BinOp::TextEq => "must be",
            _ => "must not be",
        };
        let fix = match &left.kind {
            ExprKind::Param(param) => {
                let target = match op {
                    BinOp::Ge => "at least ",
                    BinOp::Gt => "more than ",
                    BinOp::Le => "at most ",
                    BinOp::Lt => "less than ",
                    BinOp::Eq | BinOp::TextEq => "",
                    _ => "anything but ",
                };
                Some(format!("set `{}` to {target}{}", self.param_name(*param), self.value_text(right, true)))
            }
            _ => None,
        };
        (format!("{subject_text} {phrase} {bound} but is {actual}"), fix)
    }

    /// The false comparison of a condition: itself, or the false side of an `and`.
    fn failing_comparison<'x>(&mut self, cond: &'x Expr) -> Option<(BinOp, &'x Expr, &'x Expr)> {
        let mut cond = cond;
        loop {
            let ExprKind::Binary(op, left, right) = &cond.kind else { return None };
            match op {
                BinOp::And => {
                    cond = if self.eval(left) == Some(0) { left } else { right };
                }
                BinOp::Ge
                | BinOp::Gt
                | BinOp::Le
                | BinOp::Lt
                | BinOp::Eq
                | BinOp::Ne
                | BinOp::TextEq
                | BinOp::TextNe => {
                    return Some((*op, left, right));
                }
                _ => return None,
            }
        }
    }

    fn eval(&mut self, expr: &Expr) -> Option<Word> {
        self.env.eval(self.chain, self.day, expr, &mut None).ok()
    }

    fn value_text(&mut self, expr: &Expr, unit: bool) -> String {
        match self.eval(expr) {
            Some(word) if expr.ty == Ty::Ratio && self.percent.is_some() => {
                literal::format_ratio_as(word, self.percent.unwrap_or(false))
            }
            Some(word) if unit => literal::format_with_unit(self.program, expr.ty, word),
            Some(word) => literal::format_word(self.program, expr.ty, word),
            None => "?".into(),
        }
    }

    /// A bound: its description, followed by its value when it is computed.
    fn describe_full(&mut self, expr: &Expr) -> String {
        let text = self.describe(expr, 0);
        if is_leaf(expr) { text } else { format!("{text} (= {})", self.value_text(expr, false)) }
    }

    /// An expression with the values it reads: `1.08 × 2018's 4,500.00 元/年`.
    fn describe(&mut self, expr: &Expr, depth: u32) -> String {
        if depth > 8 {
            return self.value_text(expr, true);
        }
        match &expr.kind {
            ExprKind::Const(_) => self.value_text(expr, true),
            ExprKind::Param(param) => format!("`{}` ({})", self.param_name(*param), self.value_text(expr, true)),
            ExprKind::LastYear(param) => {
                let year = self.year_before("last year");
                if Item::Param(*param) == self.subject {
                    format!("{year} {}", self.value_text(expr, true))
                } else {
                    format!("{year} `{}` ({})", self.param_name(*param), self.value_text(expr, true))
                }
            }
            ExprKind::Province(param) => {
                if Item::Param(*param) == self.subject {
                    format!("the province's {}", self.value_text(expr, true))
                } else {
                    format!("the province's `{}` ({})", self.param_name(*param), self.value_text(expr, true))
                }
            }
            ExprKind::Scale(..) => {
                format!("`{}` ({})", render(self.program, expr, 0, 0), self.value_text(expr, true))
            }
            ExprKind::OtherScale(other, kind, scale, operand) => {
                let whose = match other {
                    OtherBrackets::Province => "the province's".to_string(),
                    OtherBrackets::LastYear => self.year_before("last year's"),
                };
                // The call as if on the scale itself: "the province's `bracket(s, 90)`".
                let call = scale_call(self.program, *kind, *scale, None, &render(self.program, operand, 0, 0));
                format!("{whose} `{call}` ({})", self.value_text(expr, true))
            }
            ExprKind::Unary(UnOp::Neg, operand) => format!("-{}", self.describe_operand(operand, depth)),
            ExprKind::Binary(op @ (BinOp::Min | BinOp::Max), left, right) => {
                let name = if *op == BinOp::Min { "min" } else { "max" };
                format!("{name}({}, {})", self.describe(left, depth + 1), self.describe(right, depth + 1))
            }
            ExprKind::Binary(op, left, right) if arithmetic_symbol(*op).is_some() => {
                let symbol = arithmetic_symbol(*op).unwrap_or("?");
                format!("{} {symbol} {}", self.describe_operand(left, depth), self.describe_operand(right, depth))
            }
            _ => self.value_text(expr, true),
        }
    }

    fn describe_operand(&mut self, expr: &Expr, depth: u32) -> String {
        let text = self.describe(expr, depth + 1);
        match &expr.kind {
            ExprKind::Binary(op, ..) if arithmetic_symbol(*op).is_some() => format!("({text})"),
            _ => text,
        }
    }

    /// `2019's` for the year before the day checked, else `fallback`.
    fn year_before(&self, fallback: &str) -> String {
        self.day.and_then(one_year_before).map_or_else(|| fallback.into(), |day| format!("{}'s", date::to_ymd(day).0))
    }

    fn subject_name(&self) -> String {
        match self.subject {
            Item::Param(param) => self.param_name(param),
            Item::Scale(scale) => {
                self.program.scales.get(scale.0 as usize).map_or_else(|| "?".into(), |def| def.name.clone())
            }
        }
    }

    fn param_name(&self, param: ParamId) -> String {
        self.program.params.get(param.0 as usize).map_or_else(|| "?".into(), |def| def.name.clone())
    }

    fn param_ty(&self, param: ParamId) -> Ty {
        self.program.params.get(param.0 as usize).map_or(Ty::Int, |def| def.ty)
    }
}

fn is_leaf(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Const(_)
            | ExprKind::Param(_)
            | ExprKind::LastYear(_)
            | ExprKind::Province(_)
            | ExprKind::Scale(..)
            | ExprKind::OtherScale(..)
    )
}

fn arithmetic_symbol(op: BinOp) -> Option<&'static str> {
    match op {
        BinOp::Add => Some("+"),
        BinOp::Sub => Some("-"),
        BinOp::Mul | BinOp::MulScaled => Some("×"),
        BinOp::DivRound | BinOp::DivScaled => Some("÷"),
        _ => None,
    }
}

/// The comparison with its sides swapped.
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Ge => BinOp::Le,
        BinOp::Gt => BinOp::Lt,
        BinOp::Le => BinOp::Ge,
        BinOp::Lt => BinOp::Gt,
        other => other,
    }
}

/// Binding strength of an operator, loosest first, as in the language's precedence table.
fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(BinOp::Or, ..) => 1,
        ExprKind::Binary(BinOp::And, ..) => 2,
        ExprKind::Unary(UnOp::Not, _) => 3,
        ExprKind::Binary(
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::TextEq | BinOp::TextNe,
            ..,
        ) => 4,
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => 5,
        ExprKind::Binary(BinOp::Mul | BinOp::MulScaled | BinOp::DivRound | BinOp::DivScaled, ..) => 6,
        ExprKind::Unary(UnOp::Neg, _) => 7,
        _ => 9,
    }
}

/// An expression written back as `.pol` text (for help): `dibao_standard >= 1.08 * last_year(dibao_standard)`.
pub(crate) fn render(program: &Program, expr: &Expr, min_precedence: u8, depth: u32) -> String {
    if depth > 64 {
        return "…".into();
    }
    let own = precedence(expr);
    let name = |param: &ParamId| program.params.get(param.0 as usize).map_or("?", |def| def.name.as_str());
    let sub = |expr: &Expr, min: u8| render(program, expr, min, depth + 1);
    let text = match &expr.kind {
        ExprKind::Const(word) => literal::literal_text(program, expr.ty, *word),
        ExprKind::Param(param) => name(param).to_string(),
        ExprKind::LastYear(param) => format!("last_year({})", name(param)),
        ExprKind::Province(param) => format!("province({})", name(param)),
        ExprKind::Unary(UnOp::Not, operand) => format!("not {}", sub(operand, own)),
        ExprKind::Unary(UnOp::Neg, operand) => format!("-{}", sub(operand, own)),
        ExprKind::Binary(op @ (BinOp::Min | BinOp::Max), left, right) => {
            let function = if *op == BinOp::Min { "min" } else { "max" };
            format!("{function}({}, {})", sub(left, 0), sub(right, 0))
        }
        ExprKind::Binary(BinOp::YearsBetween, left, right) => {
            format!("years_between({}, {})", sub(left, 0), sub(right, 0))
        }
        ExprKind::Binary(op, left, right) => {
            let symbol = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul | BinOp::MulScaled => "*",
                BinOp::DivRound | BinOp::DivScaled => "/",
                BinOp::Eq | BinOp::TextEq => "==",
                BinOp::Ne | BinOp::TextNe => "!=",
                BinOp::Lt => "<",
                BinOp::Le => "<=",
                BinOp::Gt => ">",
                BinOp::Ge => ">=",
                BinOp::And => "and",
                BinOp::Or => "or",
                BinOp::Min | BinOp::Max | BinOp::YearsBetween => "?",
            };
            // Left-associative: the right operand needs parentheses at equal precedence.
            format!("{} {symbol} {}", sub(left, own), sub(right, own + 1))
        }
        ExprKind::If(cond, then, otherwise) => {
            format!("if {} {{ {} }} else {{ {} }}", sub(cond, 0), sub(then, 0), sub(otherwise, 0))
        }
        ExprKind::Match(scrutinee, _) => format!("match {} {{ … }}", sub(scrutinee, 0)),
        ExprKind::Scale(kind, scale, operand) => scale_call(program, *kind, *scale, None, &sub(operand, 0)),
        ExprKind::OtherScale(other, kind, scale, operand) => {
            scale_call(program, *kind, *scale, Some(*other), &sub(operand, 0))
        }
        ExprKind::Column(..)
        | ExprKind::Rule(_)
        | ExprKind::CountyAttr(_)
        | ExprKind::AsOf
        | ExprKind::Aggregate { .. }
        | ExprKind::Mask(_)
        | ExprKind::Periodic(..) => "…".into(),
    };
    if own < min_precedence { format!("({text})") } else { text }
}

/// `bracket(s, x)`, `marginal(province(s), x)`: a scale applied, as written, with `x` rendered.
fn scale_call(program: &Program, kind: ScaleKind, scale: ScaleId, other: Option<OtherBrackets>, x: &str) -> String {
    let function = match kind {
        ScaleKind::Marginal | ScaleKind::MarginalAmount => "marginal",
        ScaleKind::Bracket => "bracket",
    };
    let name = program.scales.get(scale.0 as usize).map_or("?", |def| def.name.as_str());
    match other {
        Some(other) => format!("{function}({}({name}), {x})", other.function()),
        None => format!("{function}({name}, {x})"),
    }
}
