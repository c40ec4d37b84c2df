//! Expressions, types and literals: pairs to AST nodes.
//!
//! Operators are folded by pest's [`PrattParser`] from the flat `expr` sequence, with the
//! precedence of docs/language.md (loosest first): `or`; `and`; `not`; comparisons and `in`;
//! `+ -`; `* /`; unary `-`; `as`.
//!
//! Nesting is bounded so that no input can overflow the stack, here or in later stages: every
//! node's height is tracked, and an expression whose tree is deeper than [`MAX_NESTING`] is
//! [`ParseError::NestingTooDeep`]. The builders recurse only through brackets and keywords
//! (`(`, calls, `if`, `match`, lists), each time one level deeper, and give up past the limit.
//! Prefix operators count as levels before the fold, because the Pratt parser recurses once for
//! each of them.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Ctx, MAX_NESTING, Rule, children};
use crate::ast::{self, Expr, ExprKind};
use crate::error::ParseError;
use crate::names::edit_distance;
use crate::span::Span;

/// The operator table; each `op` call is one precedence level, loosest first.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    let left = |rule| Op::infix(rule, Assoc::Left);
    PrattParser::new()
        .op(left(Rule::op_or))
        .op(left(Rule::op_and))
        .op(Op::prefix(Rule::op_not))
        .op(left(Rule::op_eq)
            | left(Rule::op_ne)
            | left(Rule::op_lt)
            | left(Rule::op_le)
            | left(Rule::op_gt)
            | left(Rule::op_ge)
            | Op::postfix(Rule::in_suffix))
        .op(left(Rule::op_add) | left(Rule::op_sub))
        .op(left(Rule::op_mul) | left(Rule::op_div))
        .op(Op::prefix(Rule::op_neg))
        .op(Op::postfix(Rule::as_suffix))
});

/// An expression with its height (a leaf is 1).
type Node = (Expr, u32);

/// Builds a top-level expression (a rule body, a default, a parameter value...).
pub(super) fn build_expr(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> Result<Expr, ParseError> {
    expr_at(cx, pair, 1).map(|(expr, _)| expr)
}

/// A node at depth `level` (1 = a top-level expression's root) of height `height`, or an error
/// if the tree it belongs to is deeper than the limit.
fn node(kind: ExprKind, span: Span, height: u32, level: u32) -> Result<Node, ParseError> {
    blaming(kind, span, height, level, span)
}

/// [`node`], with the error pointing at `blame` (an operator rather than a whole long chain).
fn blaming(kind: ExprKind, span: Span, height: u32, level: u32, blame: Span) -> Result<Node, ParseError> {
    if level.saturating_sub(1).saturating_add(height) > MAX_NESTING {
        return Err(ParseError::NestingTooDeep { span: blame });
    }
    Ok((Expr { kind, span }, height))
}

/// Builds an `expr` pair whose root is at depth `level`.
fn expr_at(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    if level > MAX_NESTING {
        return Err(ParseError::NestingTooDeep { span });
    }
    let mut flat = Vec::new();
    let mut primary_levels = Vec::new();
    let mut prefixes = 0u32;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::prefix_op | Rule::infix_op | Rule::postfix_op => {
                if child.as_rule() == Rule::prefix_op {
                    prefixes += 1;
                    if level + prefixes > MAX_NESTING {
                        return Err(ParseError::NestingTooDeep { span: cx.span(&child) });
                    }
                }
                let op = child.into_inner().next().ok_or_else(|| cx.internal(span, "empty operator"))?;
                flat.push(op);
            }
            _ => {
                primary_levels.push(level + prefixes);
                flat.push(child);
            }
        }
    }
    let mut primary_levels = primary_levels.into_iter();
    PRATT
        .map_primary(|primary| build_primary(cx, primary, primary_levels.next().unwrap_or(level)))
        .map_prefix(|op, operand| {
            let (operand, height) = operand?;
            let op_kind = if op.as_rule() == Rule::op_not { ast::UnaryOp::Not } else { ast::UnaryOp::Neg };
            let span = cx.span(&op).to(operand.span);
            blaming(ExprKind::Unary(op_kind, Box::new(operand)), span, height + 1, level, cx.span(&op))
        })
        .map_infix(|lhs, op, rhs| {
            let ((lhs, lhs_height), (rhs, rhs_height)) = (lhs?, rhs?);
            let blame = cx.span(&op).to(rhs.span);
            let op = binary_op(op.as_rule()).ok_or_else(|| cx.internal(cx.span(&op), "unknown operator"))?;
            let (span, height) = (lhs.span.to(rhs.span), lhs_height.max(rhs_height) + 1);
            blaming(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span, height, level, blame)
        })
        .map_postfix(|operand, op| build_postfix(cx, operand?, op, level))
        .parse(flat.into_iter())
}

/// The binary operator of an `op_*` rule.
fn binary_op(rule: Rule) -> Option<ast::BinaryOp> {
    use ast::BinaryOp as B;
    Some(match rule {
        Rule::op_or => B::Or,
        Rule::op_and => B::And,
        Rule::op_eq => B::Eq,
        Rule::op_ne => B::Ne,
        Rule::op_lt => B::Lt,
        Rule::op_le => B::Le,
        Rule::op_gt => B::Gt,
        Rule::op_ge => B::Ge,
        Rule::op_add => B::Add,
        Rule::op_sub => B::Sub,
        Rule::op_mul => B::Mul,
        Rule::op_div => B::Div,
        _ => return None,
    })
}

/// `x as T` or `x in ...`.
fn build_postfix(cx: &Ctx<'_>, (operand, height): Node, op: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let blame = cx.span(&op);
    let span = operand.span.to(blame);
    let rule = op.as_rule();
    let Some(set) = children(op).nth(1) else {
        return Err(cx.internal(span, "empty suffix"));
    };
    if rule == Rule::as_suffix {
        let ty = build_type(cx, set)?;
        return blaming(ExprKind::As(Box::new(operand), ty), span, height + 1, level, blame);
    }
    let (set, set_height) = if set.as_rule() == Rule::in_range {
        let mut bounds = children(set);
        let (Some(low), Some(high)) = (bounds.next(), bounds.next()) else {
            return Err(cx.internal(span, "range without bounds"));
        };
        let (low, low_height) = build_range_bound(cx, low, level + 1)?;
        let (high, high_height) = build_range_bound(cx, high, level + 1)?;
        (ast::InSet::Range(Box::new(low), Box::new(high)), low_height.max(high_height))
    } else {
        let mut items = Vec::new();
        let mut max_height = 0;
        for item in children(set) {
            let (item, item_height) = expr_at(cx, item, level + 1)?;
            max_height = max_height.max(item_height);
            items.push(item);
        }
        (ast::InSet::List(items), max_height)
    };
    blaming(ExprKind::In(Box::new(operand), set), span, height.max(set_height) + 1, level, blame)
}

/// A range bound: a primary with an optional `-`.
fn build_range_bound(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    let mut parts = pair.into_inner();
    let first = parts.next().ok_or_else(|| cx.internal(span, "empty range bound"))?;
    if first.as_rule() != Rule::op_neg {
        return build_primary(cx, first, level);
    }
    let primary = parts.next().ok_or_else(|| cx.internal(span, "`-` without operand"))?;
    let (operand, height) = build_primary(cx, primary, level + 1)?;
    node(ExprKind::Unary(ast::UnaryOp::Neg, Box::new(operand)), span, height + 1, level)
}

/// A `primary` pair at depth `level`.
fn build_primary(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    if level > MAX_NESTING {
        return Err(ParseError::NestingTooDeep { span });
    }
    let inner = pair.into_inner().next().ok_or_else(|| cx.internal(span, "empty primary"))?;
    let leaf = |kind| node(kind, span, 1, level);
    match inner.as_rule() {
        Rule::paren => {
            let expr = children(inner).next().ok_or_else(|| cx.internal(span, "empty parentheses"))?;
            let (expr, height) = expr_at(cx, expr, level + 1)?;
            let open = Span::new(cx.source, span.start as usize, span.start as usize + 1);
            blaming(ExprKind::Paren(Box::new(expr)), span, height + 1, level, open)
        }
        Rule::if_expr => build_if(cx, inner, level),
        Rule::match_expr => build_match(cx, inner, level),
        Rule::aggregate => build_aggregate(cx, inner, level),
        Rule::call => {
            let mut parts = children(inner);
            let name = cx.ident(&parts.next().ok_or_else(|| cx.internal(span, "call without name"))?);
            let mut args = Vec::new();
            let mut max_height = 0;
            for arg in parts {
                let (arg, height) = expr_at(cx, arg, level + 1)?;
                max_height = max_height.max(height);
                args.push(arg);
            }
            node(ExprKind::Call(name, args), span, max_height + 1, level)
        }
        Rule::date => leaf(ExprKind::Date(build_date(cx, &inner)?)),
        Rule::number => {
            let (number, unit) = build_number(cx, inner)?;
            leaf(ExprKind::Number(number, unit))
        }
        Rule::string => leaf(ExprKind::Text(build_string_lit(cx, inner)?.value)),
        Rule::kw_true => leaf(ExprKind::Bool(true)),
        Rule::kw_false => leaf(ExprKind::Bool(false)),
        Rule::kw_as_of => leaf(ExprKind::AsOf),
        Rule::path => leaf(ExprKind::Path(build_path(cx, inner))),
        other => Err(cx.internal(span, &format!("unknown primary {other:?}"))),
    }
}

/// The expression inside a `block` pair (`{ expr }`).
fn build_block(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    let expr = children(pair).next().ok_or_else(|| cx.internal(span, "empty block"))?;
    expr_at(cx, expr, level)
}

/// `if c { a } else if d { b } else { e }`: `else if` nests in the else branch.
fn build_if(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    let missing = || cx.internal(span, "incomplete if");
    let mut parts = children(pair).skip(1);
    let (cond, cond_height) = expr_at(cx, parts.next().ok_or_else(missing)?, level + 1)?;
    let (then, then_height) = build_block(cx, parts.next().ok_or_else(missing)?, level + 1)?;
    let mut else_ifs = Vec::new();
    let mut otherwise = None;
    for part in parts {
        match part.as_rule() {
            Rule::else_if => {
                if else_ifs.len() as u32 + level >= MAX_NESTING {
                    return Err(ParseError::NestingTooDeep { span: cx.span(&part) });
                }
                let mut branch = children(part).skip(1);
                let start = branch.next().ok_or_else(missing)?.as_span().start();
                let else_if_cond = expr_at(cx, branch.next().ok_or_else(missing)?, level + 1)?;
                let else_if_then = build_block(cx, branch.next().ok_or_else(missing)?, level + 1)?;
                else_ifs.push((start, else_if_cond, else_if_then));
            }
            Rule::block => otherwise = Some(build_block(cx, part, level + 1)?),
            _ => {}
        }
    }
    let (mut otherwise, mut otherwise_height) = otherwise.ok_or_else(missing)?;
    for (index, (start, (cond, cond_height), (then, then_height))) in else_ifs.into_iter().enumerate().rev() {
        let height = cond_height.max(then_height).max(otherwise_height) + 1;
        let nested_span = Span::new(cx.source, start, span.end as usize);
        let kind = ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise));
        (otherwise, otherwise_height) = node(kind, nested_span, height, level + index as u32 + 1)?;
    }
    let height = cond_height.max(then_height).max(otherwise_height) + 1;
    node(ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise)), span, height, level)
}

/// `match x { PATTERN => VALUE, ... }`.
fn build_match(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    let span = cx.span(&pair);
    let mut parts = children(pair).skip(1);
    let scrutinee = parts.next().ok_or_else(|| cx.internal(span, "match without scrutinee"))?;
    let (scrutinee, mut height) = expr_at(cx, scrutinee, level + 1)?;
    let mut arms = Vec::new();
    for arm in parts {
        let arm_span = cx.span(&arm);
        let mut arm_parts = children(arm);
        let (Some(pattern), Some(value)) = (arm_parts.next(), arm_parts.next()) else {
            return Err(cx.internal(arm_span, "incomplete arm"));
        };
        let pattern = build_pattern(cx, pattern)?;
        let (value, value_height) = expr_at(cx, value, level + 1)?;
        height = height.max(value_height);
        arms.push(ast::MatchArm { pattern, value, span: arm_span });
    }
    node(ExprKind::Match(Box::new(scrutinee), arms), span, height + 1, level)
}

/// A `pattern` pair.
fn build_pattern(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> Result<ast::Pattern, ParseError> {
    let span = cx.span(&pair);
    let inner = pair.into_inner().next().ok_or_else(|| cx.internal(span, "empty pattern"))?;
    match inner.as_rule() {
        Rule::wildcard => Ok(ast::Pattern::Wildcard(span)),
        Rule::path => Ok(ast::Pattern::Variant(build_path(cx, inner))),
        _ => {
            let mut parts = inner.into_inner();
            let low = parts.next().ok_or_else(|| cx.internal(span, "empty number pattern"))?;
            let low = build_i64(cx, &low)?;
            match (parts.next(), parts.next()) {
                (None, _) => Ok(ast::Pattern::Int(low, span)),
                (Some(_), None) => Ok(ast::Pattern::Range(low, None, span)),
                (Some(_), Some(high)) => Ok(ast::Pattern::Range(low, Some(build_i64(cx, &high)?), span)),
            }
        }
    }
}

/// `count(members where P)`, `sum(members where P, V)`, ...
fn build_aggregate(cx: &Ctx<'_>, pair: Pair<'_, Rule>, level: u32) -> Result<Node, ParseError> {
    use ast::AggregateKind as A;
    let span = cx.span(&pair);
    let mut parts = children(pair);
    let name = parts.next().ok_or_else(|| cx.internal(span, "aggregate without name"))?;
    let kind_span = cx.span(&name);
    let name = name.as_str();
    let kind = match name {
        "count" => A::Count,
        "sum" => A::Sum,
        "any" => A::Any,
        "all" => A::All,
        "max" => A::Max,
        "min" => A::Min,
        "first" => A::First,
        _ => {
            return Err(ParseError::BadAggregate {
                message: format!("`{name}` is not an aggregate over `members`"),
                help: "the aggregates are `count`, `sum`, `any`, `all`, `max`, `min` and `first`".into(),
                span: kind_span,
            });
        }
    };
    let (mut filter, mut value, mut height) = (None, None, 0);
    while let Some(part) = parts.next() {
        match part.as_rule() {
            Rule::kw_members => {}
            Rule::kw_where => {
                let cond = parts.next().ok_or_else(|| cx.internal(span, "`where` without condition"))?;
                let (cond, cond_height) = expr_at(cx, cond, level + 1)?;
                height = height.max(cond_height);
                filter = Some(Box::new(cond));
            }
            _ => {
                let (aggregated, value_height) = expr_at(cx, part, level + 1)?;
                height = height.max(value_height);
                value = Some(Box::new(aggregated));
            }
        }
    }
    check_aggregate_arguments(name, kind, value.is_some(), span)?;
    node(ExprKind::Aggregate { kind, kind_span, filter, value }, span, height + 1, level)
}

/// `count` takes no value; `any` may take one; the others need one.
fn check_aggregate_arguments(
    name: &str,
    kind: ast::AggregateKind,
    has_value: bool,
    span: Span,
) -> Result<(), ParseError> {
    use ast::AggregateKind as A;
    match (kind, has_value) {
        (A::Count, true) => Err(ParseError::BadAggregate {
            message: "`count` takes no value".into(),
            help: "count the members that satisfy a condition with `count(members where CONDITION)`".into(),
            span,
        }),
        (A::Sum | A::All | A::Max | A::Min | A::First, false) => Err(ParseError::BadAggregate {
            message: format!("`{name}` needs a value"),
            help: format!("write the value after a comma: `{name}(members where CONDITION, VALUE)`"),
            span,
        }),
        _ => Ok(()),
    }
}

/// A `path` or `param_name` pair: dotted names.
pub(super) fn build_path(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> ast::Path {
    let span = cx.span(&pair);
    let parts = pair.into_inner().map(|part| cx.ident(&part)).collect();
    ast::Path { parts, span }
}

/// A `type_expr` pair.
pub(super) fn build_type(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> Result<ast::TypeExpr, ParseError> {
    let span = cx.span(&pair);
    let inner = pair.into_inner().next().ok_or_else(|| cx.internal(span, "empty type"))?;
    let span = cx.span(&inner);
    Ok(match inner.as_rule() {
        Rule::money_type => ast::TypeExpr::Money(build_period(cx, &inner)?, build_currency(cx, &inner)?, span),
        Rule::kw_ratio => ast::TypeExpr::Ratio(span),
        Rule::kw_int => ast::TypeExpr::Int(span),
        Rule::kw_bool => ast::TypeExpr::Bool(span),
        Rule::kw_date => ast::TypeExpr::Date(span),
        Rule::kw_text => ast::TypeExpr::Text(span),
        Rule::scale_type => {
            let mut types = inner.into_inner().filter(|part| part.as_rule() == Rule::type_expr);
            let threshold = build_type(cx, types.next().ok_or_else(|| cx.internal(span, "scale without types"))?)?;
            let value = build_type(cx, types.next().ok_or_else(|| cx.internal(span, "scale without a value type"))?)?;
            ast::TypeExpr::Scale(Box::new(threshold), Box::new(value), span)
        }
        _ => ast::TypeExpr::Named(cx.ident(&inner)),
    })
}

/// The currency of a `money_type` pair: `元`/`yuan` or a three-letter code.
fn build_currency(cx: &Ctx<'_>, pair: &Pair<'_, Rule>) -> Result<ast::Currency, ParseError> {
    ast::Currency::of_unit(pair.as_str()).ok_or_else(|| cx.internal(cx.span(pair), "a money unit without a currency"))
}

/// The period of a `money_type` pair: `元`, `元/月`, `yuan/year`, ...
fn build_period(cx: &Ctx<'_>, pair: &Pair<'_, Rule>) -> Result<ast::Period, ParseError> {
    let unit = pair.as_str();
    let Some((_, per)) = unit.split_once('/') else {
        return Ok(ast::Period::Lump);
    };
    match per {
        "月" | "month" => Ok(ast::Period::Month),
        "年" | "year" => Ok(ast::Period::Year),
        _ => {
            let mut help = String::from(
                "money is written `元`, `元/月` or `元/年` (or `yuan`, `yuan/month`, `yuan/year`); \
                 to divide, put spaces around `/`",
            );
            if let Some(near) = ["month", "year"].into_iter().find(|word| edit_distance(word, per) <= 2) {
                help = format!("did you mean `yuan/{near}`? {help}");
            }
            Err(ParseError::UnknownUnit { unit: unit.to_string(), help, span: cx.span(pair) })
        }
    }
}

/// A `number` pair: digits, optional fraction, optional unit; checked against the unit's
/// precision.
fn build_number(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> Result<(ast::Number, ast::NumberUnit), ParseError> {
    let span = cx.span(&pair);
    let text = cx.text_of(&pair).to_string();
    let mut parts = pair.into_inner();
    let decimal = parts.next().ok_or_else(|| cx.internal(span, "number without digits"))?;
    let (whole, fraction) = decimal.as_str().split_once('.').unwrap_or((decimal.as_str(), ""));
    let number = ast::Number { digits: format!("{whole}{fraction}"), scale: fraction.len() as u32 };
    let unit = match parts.next() {
        None => ast::NumberUnit::None,
        Some(unit) if unit.as_rule() == Rule::percent => ast::NumberUnit::Percent,
        Some(unit) => ast::NumberUnit::Money(build_period(cx, &unit)?, build_currency(cx, &unit)?),
    };
    let bad =
        |reason: &str, help: String| ParseError::BadNumber { text: text.clone(), reason: reason.into(), help, span };
    if number.digits.trim_start_matches('0').len() > 18 {
        return Err(bad("too many digits", "numbers have at most 18 significant digits".into()));
    }
    match unit {
        ast::NumberUnit::Money(..) if number.scale > 2 => Err(bad(
            "money has at most two decimals (fen)",
            match round_to_fen(whole, fraction, unit) {
                Some(rounded) => format!("round the amount to the fen: `{rounded}`"),
                None => "round the amount to the fen (two decimals)".into(),
            },
        )),
        ast::NumberUnit::Percent if number.scale > 7 => Err(bad(
            "a percentage has at most seven decimals",
            "ratios are exact to nine decimals: round the percentage to seven".into(),
        )),
        ast::NumberUnit::None if number.scale > 9 => Err(bad(
            "a number has at most nine decimals",
            "ratios are exact to nine decimals: round the number to nine".into(),
        )),
        _ => Ok((number, unit)),
    }
}

/// A money literal rounded to two decimals, half away from zero: `1.005 元` → `1.01 元`; `None`
/// when the whole part is not a number of at most 38 digits.
fn round_to_fen(whole: &str, fraction: &str, unit: ast::NumberUnit) -> Option<String> {
    // A missing digit of the fraction is a 0 by definition (`1.5` is `1.50`).
    let digit = |index: usize| fraction.as_bytes().get(index).map_or(0, |byte| u128::from(byte.wrapping_sub(b'0')));
    let whole: u128 = whole.parse().ok()?;
    let mut fen = whole * 100 + digit(0) * 10 + digit(1);
    if digit(2) >= 5 {
        fen += 1;
    }
    let unit = match unit {
        ast::NumberUnit::Money(period, currency) => format!(" {}", currency.unit(period)),
        _ => " 元".into(),
    };
    Some(format!("{}.{:02}{unit}", fen / 100, fen % 100))
}

/// A `signed_int` or `uint` pair as an `i64`.
pub(super) fn build_i64(cx: &Ctx<'_>, pair: &Pair<'_, Rule>) -> Result<i64, ParseError> {
    pair.as_str().parse::<i64>().map_err(|_| ParseError::BadNumber {
        text: pair.as_str().to_string(),
        reason: "too large for a whole number".into(),
        help: "whole numbers lie between -9223372036854775808 and 9223372036854775807".into(),
        span: cx.span(pair),
    })
}

/// English month names, for date errors.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A `date` pair, checked to be a real day written `YYYY-MM-DD`.
pub(super) fn build_date(cx: &Ctx<'_>, pair: &Pair<'_, Rule>) -> Result<ast::DateLit, ParseError> {
    let span = cx.span(pair);
    let text = pair.as_str();
    let bad = |reason: String| ParseError::BadDate { text: text.to_string(), reason, span };
    let mut fields = text.split('-');
    let (Some(year), Some(month), Some(day)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(bad("not a date".into()));
    };
    if month.len() != 2 || day.len() != 2 {
        return Err(bad("month and day take two digits each".into()));
    }
    let (Ok(year_number), Ok(month_number), Ok(day_number)) =
        (year.parse::<i32>(), month.parse::<u32>(), day.parse::<u32>())
    else {
        return Err(bad("not a date".into()));
    };
    if year_number == 0 {
        return Err(bad("there is no year 0".into()));
    }
    let Some(month_name) = month_number.checked_sub(1).and_then(|index| MONTHS.get(index as usize)) else {
        return Err(bad(format!("there is no month {month_number}")));
    };
    let days = days_in_month(year_number, month_number);
    if day_number == 0 || day_number > days {
        return Err(bad(format!("{month_name} {year_number} has {days} days")));
    }
    Ok(ast::DateLit { year: year_number, month: month_number, day: day_number, span })
}

/// A period of a test, `2017-01` (a month, two digits) or `2017` (a year), from a `month_lit`
/// or `year_lit`.
pub(super) fn build_period_lit(cx: &Ctx<'_>, pair: &Pair<'_, Rule>) -> Result<ast::PeriodLit, ParseError> {
    let span = cx.span(pair);
    let text = pair.as_str();
    let bad = |reason: String| ParseError::BadDate { text: text.to_string(), reason, span };
    let (year, month) = match text.split_once('-') {
        Some((year, month)) => (year, Some(month)),
        None => (text, None),
    };
    let Ok(year_number) = year.parse::<i32>() else { return Err(bad("not a period".into())) };
    if year_number == 0 {
        return Err(bad("there is no year 0".into()));
    }
    let month = match month {
        None => None,
        Some(month) if month.len() != 2 => return Err(bad("the month takes two digits".into())),
        Some(month) => {
            let Ok(number) = month.parse::<u32>() else { return Err(bad("not a month".into())) };
            if !(1..=12).contains(&number) {
                return Err(bad(format!("there is no month {number}")));
            }
            Some(number)
        }
    };
    Ok(ast::PeriodLit { year: year_number, month, span })
}

/// The number of days in a month (1–12) of the proleptic Gregorian calendar.
fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A `string` pair with its escapes resolved.
pub(super) fn build_string_lit(cx: &Ctx<'_>, pair: Pair<'_, Rule>) -> Result<ast::StringLit, ParseError> {
    let span = cx.span(&pair);
    let body = pair.into_inner().next().ok_or_else(|| cx.internal(span, "string without body"))?;
    let value = unescape(cx, body.as_str(), body.as_span().start())?;
    Ok(ast::StringLit { value, span })
}

/// Resolves `\" \\ \n \t \r \u{...}`; `offset` is where `body` starts in the file.
fn unescape(cx: &Ctx<'_>, body: &str, offset: usize) -> Result<String, ParseError> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next();
        let resolved = match escaped {
            Some((_, '"')) => Some('"'),
            Some((_, '\\')) => Some('\\'),
            Some((_, 'n')) => Some('\n'),
            Some((_, 't')) => Some('\t'),
            Some((_, 'r')) => Some('\r'),
            Some((_, 'u')) => unicode_escape(&mut chars),
            _ => None,
        };
        match resolved {
            Some(resolved) => out.push(resolved),
            None => {
                let end = chars.peek().map_or(body.len(), |&(index, _)| index);
                let end = match escaped {
                    Some((index, e)) if e != 'u' => index + e.len_utf8(),
                    _ => end,
                };
                let escape = body.get(start..end).unwrap_or("\\").to_string();
                return Err(ParseError::BadEscape { escape, span: Span::new(cx.source, offset + start, offset + end) });
            }
        }
    }
    Ok(out)
}

/// The rest of `\u{XXXX}` after the `u`: one to six hex digits in braces naming a character.
fn unicode_escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<char> {
    chars.next_if(|&(_, c)| c == '{')?;
    let mut hex = String::new();
    while let Some((_, digit)) = chars.next_if(|&(_, c)| c.is_ascii_hexdigit()) {
        hex.push(digit);
    }
    chars.next_if(|&(_, c)| c == '}')?;
    if hex.is_empty() || hex.len() > 6 {
        return None;
    }
    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
}
