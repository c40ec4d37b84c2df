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
use super::file::{LocalFile, push};
use super::literal;
use super::resolve::{Chain, Env, Fail, Found, LocalRef, OriginRef, one_year_before};
use crate::arith::ArithError;
use crate::date;
use crate::diagnostic::Diagnostic;
use crate::jurisdictions::JurisdictionTable;
use crate::tir::{
    BinOp, Constraint, Expr, ExprKind, ParamDef, ParamId, Program, RATIO_SCALE, ScaleKind, Ty, UnOp, Word,
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
        for (param_index, param) in program.params.iter().enumerate() {
            for (constraint_index, constraint) in param.requires.iter().enumerate() {
                let subject = ParamId(param_index as u32);
                let check = Check { program, place, chain, subject, param, constraint, constraint_index };
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
    subject: ParamId,
    param: &'p ParamDef,
    constraint: &'p Constraint,
    constraint_index: usize,
}

struct Checker<'p> {
    program: &'p Program,
    errors: Vec<Diagnostic>,
    /// (parameter, constraint, primary span) already reported; evaluation failures by span.
    reported: HashSet<(u32, usize, Span)>,
}

impl Checker<'_> {
    fn check(&mut self, env: &mut Env<'_>, check: &Check<'_>) {
        let depends_on = depends_on(self.program, check);
        let files = env.files();
        let poisoned = [check.chain.county, check.chain.city]
            .into_iter()
            .flatten()
            .filter_map(|file| files.get(file))
            .any(|file| file.rejected.iter().any(|param| depends_on.contains(param)));
        if poisoned {
            return;
        }
        for day in relevant_days(files, check, &depends_on) {
            let mut blame = None;
            match env.eval(check.chain, day, &check.constraint.cond, &mut blame) {
                Ok(0) => self.violation(env, check, day, blame),
                Ok(_) | Err(Fail::Missing(_) | Fail::NoLastYear) => {}
                Err(fail) => self.failure(env, check, day, fail),
            }
        }
    }

    fn violation(&mut self, env: &mut Env<'_>, check: &Check<'_>, day: Option<Word>, cond_blame: Option<LocalRef>) {
        let subject = env.resolve(check.chain, day, check.subject).ok();
        let primary = primary(subject, cond_blame);
        let span = match primary {
            Some(OriginRef::Local(local)) => local_span(env.files(), local),
            Some(OriginRef::Province(param, index)) => province_span(self.program, param, index),
            None => None,
        }
        .unwrap_or(check.constraint.span);
        if !self.reported.insert((check.subject.0, check.constraint_index, span)) {
            return;
        }
        let mut describer =
            Describer { program: self.program, env, chain: check.chain, day, subject: check.subject, percent: None };
        let (numbers, fix) = describer.failure(&check.constraint.cond, subject.map(|found| found.word));
        let rule = match &check.constraint.message {
            Some(rule) => format!("breaks rule \"{rule}\""),
            None => format!("breaks a rule of `{}`", check.param.name),
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
                if local.param == check.subject {
                    format!("in force{place} {when}")
                } else {
                    format!("`{}` follows this value{place} {when}", check.param.name)
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
            Some(fix) => format!("{fix}; the rule is {require} of `param {}`", check.param.name),
            None => format!("the rule is {require} of `param {}`", check.param.name),
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
        let error = fail_to_error(self.program, &check.param.name, &place, fail);
        if let Some(span) = error.primary_span()
            && !self.reported.insert((u32::MAX, 0, span))
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
    Some(files.get(local.file)?.values.get(local.param.0 as usize)?.get(local.index)?.span)
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
        Fail::NoLastYear => ParamsError::Internal { message: "`last_year` outside a constraint".into(), span: None },
    }
}

/// The parameters a constraint depends on: its own, those its condition reads, and those their
/// province values read, transitively.
fn depends_on(program: &Program, check: &Check<'_>) -> Vec<ParamId> {
    let mut params = vec![check.subject];
    reads(&check.constraint.cond, &mut params);
    // Close over the province values' references.
    let mut next = 0;
    while let Some(param) = params.get(next).copied() {
        next += 1;
        let mut more = Vec::new();
        for (_, expr) in program.params.get(param.0 as usize).map_or(&[][..], |def| &def.values) {
            reads(expr, &mut more);
        }
        for param in more {
            if !params.contains(&param) {
                params.push(param);
            }
        }
    }
    params
}

/// The days on which to check: every day a value the constraint depends on takes effect in
/// the chain (`None` when one is in force from the start), in order.
fn relevant_days(files: &[LocalFile], check: &Check<'_>, depends_on: &[ParamId]) -> Vec<Option<Word>> {
    let program_values =
        |param: ParamId| check.program.params.get(param.0 as usize).map_or(&[][..], |def| &def.values[..]);
    let mut days = Vec::new();
    for &param in depends_on {
        days.extend(program_values(param).iter().map(|(from, _)| *from));
        for file in [check.chain.county, check.chain.city].into_iter().flatten() {
            if let Some(values) = files.get(file).and_then(|file| file.values.get(param.0 as usize)) {
                days.extend(values.iter().map(|value| Some(value.from)));
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    days
}

/// Pushes every parameter an expression reads (directly, through `last_year` or `province`).
fn reads(expr: &Expr, out: &mut Vec<ParamId>) {
    for node in expr.preorder() {
        match &node.kind {
            ExprKind::Param(param) | ExprKind::LastYear(param) | ExprKind::Province(param) => out.push(*param),
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
            | ExprKind::Scale(..)
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
    subject: ParamId,
    /// How to show ratios: as percentages when one side of the comparison is between 0 and 1,
    /// so that `110%` is compared with `100%`, not `1.1`.
    percent: Option<bool>,
}

impl Describer<'_, '_> {
    /// The failing comparison with its numbers, and the fix when the subject is compared.
    fn failure(&mut self, cond: &Expr, subject_value: Option<Word>) -> (String, Option<String>) {
        let Some((op, left, right)) = self.failing_comparison(cond) else {
            let name = self.param_name(self.subject);
            let ty = self.param_ty(self.subject);
            return match subject_value {
                Some(word) => (format!("`{name}` is {}", literal::format_with_unit(self.program, ty, word)), None),
                None => (format!("`{name}` breaks it"), None),
            };
        };
        // Put the subject on the left: `0 <= x` reads as `x >= 0`.
        let (op, left, right) = match (&left.kind, &right.kind) {
            (ExprKind::Param(l), ExprKind::Param(r)) if *l != self.subject && *r == self.subject => {
                (flip(op), right, left)
            }
            (kind, ExprKind::Param(r)) if !matches!(kind, ExprKind::Param(_)) && *r == self.subject => {
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
                let year = self
                    .day
                    .and_then(one_year_before)
                    .map_or_else(|| "last year".into(), |day| format!("{}'s", date::to_ymd(day).0));
                if *param == self.subject {
                    format!("{year} {}", self.value_text(expr, true))
                } else {
                    format!("{year} `{}` ({})", self.param_name(*param), self.value_text(expr, true))
                }
            }
            ExprKind::Province(param) => {
                if *param == self.subject {
                    format!("the province's {}", self.value_text(expr, true))
                } else {
                    format!("the province's `{}` ({})", self.param_name(*param), self.value_text(expr, true))
                }
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

    fn param_name(&self, param: ParamId) -> String {
        self.program.params.get(param.0 as usize).map_or_else(|| "?".into(), |def| def.name.clone())
    }

    fn param_ty(&self, param: ParamId) -> Ty {
        self.program.params.get(param.0 as usize).map_or(Ty::Int, |def| def.ty)
    }
}

fn is_leaf(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Const(_) | ExprKind::Param(_) | ExprKind::LastYear(_) | ExprKind::Province(_))
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
        ExprKind::Scale(kind, scale, operand) => {
            let function = if *kind == ScaleKind::Marginal { "marginal" } else { "bracket" };
            let name = program.scales.get(scale.0 as usize).map_or("?", |def| def.name.as_str());
            format!("{function}({name}, {})", sub(operand, 0))
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
