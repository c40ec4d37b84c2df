//! Property tests.
//!
//! - Printing a generated tree and parsing the text gives the tree back (spans aside).
//! - Formatting the realistic file with comments and blank lines inserted at random places is
//!   idempotent, keeps every comment in order and does not change the tree.
//! - No input, however broken or deeply nested, makes the parser or the formatter panic or
//!   overflow the stack.
//!
//! Case counts are small: CI has two cores.

use pol_grammar::ast::*;
use pol_grammar::{SourceId, Span, format_source, parse_file, print_file};
use proptest::prelude::*;

use super::common::{REALISTIC, blank_offsets, comments, without_spans};

// ----------------------------------------------------------------------------------- trees

/// Words that generated names avoid besides the keywords ([`pol_grammar::KEYWORDS`]): words
/// with a meaning in one place (`city` as a column type, the report lines) that would read back
/// differently.
const AVOID: [&str; 9] = ["city", "province", "count", "sum", "budget", "rate", "below", "元", "_"];

/// Whether a generated name must not be used.
fn avoided(word: &str) -> bool {
    pol_grammar::KEYWORDS.contains(&word) || AVOID.contains(&word)
}

fn span() -> Span {
    Span::default()
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "低保标准",
            "年龄",
            "dibao_standard",
            "gap",
            "_x1",
            "n2",
            "标准_月",
            "income",
            "notable"
        ])
        .prop_map(String::from),
        "[a-z][a-z0-9_]{0,6}".prop_filter("not reserved", |word| !avoided(word)),
    ]
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident { name, span: span() })
}

fn path() -> impl Strategy<Value = Path> {
    let county = prop::collection::vec(ident(), 1..3).prop_map(|mut parts| {
        parts.insert(0, Ident { name: "county".into(), span: span() });
        parts
    });
    prop_oneof![3 => prop::collection::vec(ident(), 1..4), 1 => county].prop_map(|parts| Path { parts, span: span() })
}

fn plain_path() -> impl Strategy<Value = Path> {
    prop::collection::vec(ident(), 1..3).prop_map(|parts| Path { parts, span: span() })
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![Just(Period::Lump), Just(Period::Month), Just(Period::Year)]
}

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![Just(Currency::Yuan), Just(Currency::Code(*b"EUR"))]
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    prop_oneof![
        (period(), currency()).prop_map(|(period, currency)| TypeExpr::Money(period, currency, span())),
        Just(TypeExpr::Ratio(span())),
        Just(TypeExpr::Int(span())),
        Just(TypeExpr::Bool(span())),
        Just(TypeExpr::Date(span())),
        Just(TypeExpr::Text(span())),
        ident().prop_map(TypeExpr::Named),
    ]
}

fn number() -> impl Strategy<Value = ExprKind> {
    let unit = prop_oneof![
        Just(NumberUnit::None),
        Just(NumberUnit::Percent),
        (period(), currency()).prop_map(|(period, currency)| NumberUnit::Money(period, currency))
    ];
    (unit, "[0-9]{1,6}", "[0-9]{0,9}").prop_map(|(unit, whole, fraction)| {
        let decimals = match unit {
            NumberUnit::None => 9,
            NumberUnit::Percent => 7,
            NumberUnit::Money(..) => 2,
        };
        let fraction: String = fraction.chars().take(decimals).collect();
        ExprKind::Number(Number { digits: format!("{whole}{fraction}"), scale: fraction.len() as u32 }, unit)
    })
}

fn date() -> impl Strategy<Value = DateLit> {
    (1..=9999i32, 1..=12u32, 1..=28u32).prop_map(|(year, month, day)| DateLit { year, month, day, span: span() })
}

fn text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec!['"', '\\', '\n', '\t', '\r', '\u{0}', '低', '保', '{', '/', ' ']);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..8).prop_map(|chars| chars.into_iter().collect())
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        number(),
        any::<bool>().prop_map(ExprKind::Bool),
        date().prop_map(ExprKind::Date),
        text().prop_map(ExprKind::Text),
        Just(ExprKind::AsOf),
        path().prop_map(ExprKind::Path),
    ]
    .prop_map(|kind| Expr { kind, span: span() })
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    use BinaryOp as B;
    prop::sample::select(vec![B::Or, B::And, B::Eq, B::Ne, B::Lt, B::Le, B::Gt, B::Ge, B::Add, B::Sub, B::Mul, B::Div])
}

fn pattern() -> impl Strategy<Value = Pattern> {
    prop_oneof![
        Just(Pattern::Wildcard(span())),
        path().prop_map(Pattern::Variant),
        (0..1000i64).prop_map(|value| Pattern::Int(value, span())),
        (0..100i64, prop::option::of(0..200i64)).prop_map(|(low, high)| Pattern::Range(low, high, span())),
    ]
}

fn aggregate(inner: impl Strategy<Value = Expr> + Clone) -> impl Strategy<Value = ExprKind> {
    use AggregateKind as A;
    let kind = prop::sample::select(vec![A::Count, A::Sum, A::Any, A::All, A::Max, A::Min, A::First]);
    (kind, prop::option::of(inner.clone()), inner).prop_flat_map(|(kind, filter, value)| {
        let value = match kind {
            A::Count => Just(None).boxed(),
            A::Any => prop::option::of(Just(value)).boxed(),
            _ => Just(Some(value)).boxed(),
        };
        value.prop_map(move |value| ExprKind::Aggregate {
            kind,
            kind_span: span(),
            filter: filter.clone().map(Box::new),
            value: value.map(Box::new),
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf()
        .prop_recursive(4, 40, 4, |inner| {
            let set = prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(low, high)| InSet::Range(Box::new(low), Box::new(high))),
                prop::collection::vec(inner.clone(), 0..3).prop_map(InSet::List),
            ];
            let arm = (pattern(), inner.clone()).prop_map(|(pattern, value)| MatchArm { pattern, value, span: span() });
            prop_oneof![
                (prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)], inner.clone())
                    .prop_map(|(op, operand)| ExprKind::Unary(op, Box::new(operand))),
                (binary_op(), inner.clone(), inner.clone()).prop_map(|(op, lhs, rhs)| ExprKind::Binary(
                    op,
                    Box::new(lhs),
                    Box::new(rhs)
                )),
                (inner.clone(), set).prop_map(|(operand, set)| ExprKind::In(Box::new(operand), set)),
                (inner.clone(), type_expr()).prop_map(|(operand, ty)| ExprKind::As(Box::new(operand), ty)),
                (inner.clone(), inner.clone(), inner.clone()).prop_map(|(cond, then, otherwise)| ExprKind::If(
                    Box::new(cond),
                    Box::new(then),
                    Box::new(otherwise)
                )),
                (inner.clone(), prop::collection::vec(arm, 1..4))
                    .prop_map(|(scrutinee, arms)| ExprKind::Match(Box::new(scrutinee), arms)),
                (ident(), prop::collection::vec(inner.clone(), 0..3))
                    .prop_map(|(name, args)| ExprKind::Call(name, args)),
                aggregate(inner.clone()),
                inner.prop_map(|inner| ExprKind::Paren(Box::new(inner))),
            ]
            .prop_map(|kind| Expr { kind, span: span() })
        })
        .prop_map(parenthesise)
}

/// The precedence of an expression's top operator, loosest first (docs/language.md).
fn precedence(expr: &Expr) -> u8 {
    use BinaryOp as B;
    match &expr.kind {
        ExprKind::Binary(B::Or, ..) => 1,
        ExprKind::Binary(B::And, ..) => 2,
        ExprKind::Unary(UnaryOp::Not, _) => 3,
        ExprKind::Binary(B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge, ..) | ExprKind::In(..) => 4,
        ExprKind::Binary(B::Add | B::Sub, ..) => 5,
        ExprKind::Binary(B::Mul | B::Div, ..) => 6,
        ExprKind::Unary(UnaryOp::Neg, _) => 7,
        ExprKind::As(..) => 8,
        _ => 9,
    }
}

/// Wraps `expr` in parentheses if its precedence is below `min`.
fn wrap(expr: Expr, min: u8) -> Box<Expr> {
    Box::new(if precedence(&expr) < min { Expr { kind: ExprKind::Paren(Box::new(expr)), span: span() } } else { expr })
}

/// Adds the parentheses that the source text of a tree needs (the parser keeps them as `Paren`),
/// so that the tree is one the parser can produce.
fn parenthesise(expr: Expr) -> Expr {
    let kind = match expr.kind {
        ExprKind::Unary(op, operand) => {
            let min = if op == UnaryOp::Not { 3 } else { 7 };
            ExprKind::Unary(op, wrap(parenthesise(*operand), min))
        }
        ExprKind::Binary(op, lhs, rhs) => {
            let level = precedence(&Expr { kind: ExprKind::Binary(op, lhs.clone(), rhs.clone()), span: span() });
            ExprKind::Binary(op, wrap(parenthesise(*lhs), level), wrap(parenthesise(*rhs), level + 1))
        }
        ExprKind::In(operand, set) => {
            let set = match set {
                InSet::Range(low, high) => InSet::Range(range_bound(*low), range_bound(*high)),
                InSet::List(items) => InSet::List(items.into_iter().map(parenthesise).collect()),
            };
            ExprKind::In(wrap(parenthesise(*operand), 4), set)
        }
        ExprKind::As(operand, ty) => ExprKind::As(wrap(parenthesise(*operand), 8), ty),
        ExprKind::If(cond, then, otherwise) => ExprKind::If(
            Box::new(parenthesise(*cond)),
            Box::new(parenthesise(*then)),
            Box::new(parenthesise(*otherwise)),
        ),
        ExprKind::Match(scrutinee, arms) => ExprKind::Match(
            Box::new(parenthesise(*scrutinee)),
            arms.into_iter().map(|arm| MatchArm { value: parenthesise(arm.value), ..arm }).collect(),
        ),
        ExprKind::Call(name, args) => ExprKind::Call(name, args.into_iter().map(parenthesise).collect()),
        ExprKind::Aggregate { kind, kind_span, filter, value } => ExprKind::Aggregate {
            kind,
            kind_span,
            filter: filter.map(|filter| Box::new(parenthesise(*filter))),
            value: value.map(|value| Box::new(parenthesise(*value))),
        },
        ExprKind::Paren(inner) => ExprKind::Paren(Box::new(parenthesise(*inner))),
        leaf => leaf,
    };
    Expr { kind, span: expr.span }
}

/// A range bound is a primary or `-` and a primary.
fn range_bound(bound: Expr) -> Box<Expr> {
    let bound = parenthesise(bound);
    match &bound.kind {
        ExprKind::Unary(UnaryOp::Neg, operand) if precedence(operand) == 9 => Box::new(bound),
        _ => wrap(bound, 9),
    }
}

fn doc() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z 低保。]{0,12}".prop_map(|line| line.trim_end().to_string()), 0..3)
}

fn string_lit() -> impl Strategy<Value = StringLit> {
    text().prop_map(|value| StringLit { value, span: span() })
}

fn column() -> impl Strategy<Value = ColumnDecl> {
    let ty = prop_oneof![
        Just(ColumnType::Key(span())),
        Just(ColumnType::County(span())),
        Just(ColumnType::HouseholdRef(span())),
        Just(ColumnType::City(span())),
        (type_expr(), prop::option::of((any::<i64>(), any::<i64>()))).prop_map(|(ty, range)| {
            let range = if matches!(ty, TypeExpr::Int(_)) { range } else { None };
            ColumnType::Value(ty, range)
        }),
    ];
    (doc(), ident(), ty, prop::option::of(expr()), any::<bool>()).prop_map(|(doc, name, ty, default, per)| ColumnDecl {
        doc,
        name,
        ty,
        per: per.then(span),
        default,
        span: span(),
    })
}

fn require() -> impl Strategy<Value = Require> {
    (expr(), prop::option::of(string_lit())).prop_map(|(cond, message)| Require { cond, message, span: span() })
}

fn entity_kind() -> impl Strategy<Value = EntityKind> {
    prop_oneof![Just(EntityKind::Household), Just(EntityKind::Person), Just(EntityKind::Case)]
}

fn column_name() -> impl Strategy<Value = Ident> {
    prop_oneof![4 => ident(), 1 => Just(Ident { name: "members".into(), span: span() })]
}

fn report_entry() -> impl Strategy<Value = ReportEntry> {
    let level = prop_oneof![Just(ReportLevel::County), Just(ReportLevel::City), Just(ReportLevel::Province)];
    let names = || prop::collection::vec(column_name(), 1..4);
    prop_oneof![
        prop::collection::vec(level.prop_map(|level| (level, span())), 1..4)
            .prop_map(|levels| ReportEntry::By(levels, span())),
        names().prop_map(|names| ReportEntry::Count(names, span())),
        names().prop_map(|names| ReportEntry::Sum(names, span())),
        (column_name(), string_lit(), expr()).prop_map(|(column, label, amount)| ReportEntry::Budget {
            column,
            label,
            amount,
            span: span()
        }),
        (ident(), column_name(), column_name(), prop::option::of(expr()), prop::option::of(expr())).prop_map(
            |(name, numerator, denominator, filter, below)| ReportEntry::Rate {
                name,
                numerator,
                denominator,
                filter,
                below,
                span: span()
            }
        ),
    ]
}

fn expectation() -> impl Strategy<Value = Expectation> {
    let target = prop_oneof![
        Just(ExpectTarget::Household),
        any::<u32>().prop_map(|index| ExpectTarget::Person(index, span())),
        any::<u32>().prop_map(|index| ExpectTarget::Case(index, span())),
    ];
    prop_oneof![
        (target, ident(), prop::option::of(period_lit()), expr(), prop::option::of(expr())).prop_map(
            |(target, name, period, value, tolerance)| {
                Expectation::Value { target, name, period, value, tolerance, span: span() }
            }
        ),
        prop::option::of(string_lit()).prop_map(|message| Expectation::Rejected(message, span())),
        Just(Expectation::Error(span())),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let level = prop_oneof![Just(Level::Province), Just(Level::City), Just(Level::County)];
    let dated = (prop::option::of(date()), prop::option::of(expr())).prop_map(|(from, value)| DatedValue {
        from,
        value,
        span: span(),
    });
    let version = (date(), prop::option::of(expr())).prop_map(|(from, value)| DatedValue {
        from: Some(from),
        value,
        span: span(),
    });
    let periodic = prop::collection::vec((ident(), period_lit(), expr()), 0..2);
    let record = (entity_kind(), prop::collection::vec((ident(), expr()), 0..3), periodic)
        .prop_map(|(kind, fields, periodic)| RecordLit { kind, fields, periodic, span: span() });
    let output_column =
        (column_name(), prop::option::of(expr())).prop_map(|(name, value)| OutputColumn { name, value, span: span() });
    prop_oneof![
        (doc(), ident(), prop::collection::vec(ident(), 1..4)).prop_map(|(doc, name, variants)| Item::Enum(EnumDecl {
            doc,
            name,
            variants,
            span: span()
        })),
        (doc(), prop::collection::vec(column(), 0..3))
            .prop_map(|(doc, columns)| Item::Jurisdictions(JurisdictionsDecl { doc, columns, span: span() })),
        (doc(), entity_kind(), prop::collection::vec(column(), 0..3), prop::collection::vec(require(), 0..2)).prop_map(
            |(doc, kind, columns, requires)| Item::Entity(EntityDecl {
                doc,
                kind,
                kind_span: span(),
                columns,
                requires,
                roles: Vec::new(),
                span: span()
            })
        ),
        (
            doc(),
            plain_path(),
            type_expr(),
            prop::collection::vec(level.prop_map(|level| (level, span())), 0..3),
            prop::collection::vec(dated, 0..3),
            prop::collection::vec(require(), 0..2)
        )
            .prop_map(|(doc, name, ty, set_by, values, requires)| Item::Param(ParamDecl {
                doc,
                name,
                ty,
                set_by,
                values,
                requires,
                span: span()
            })),
        (doc(), entity_kind(), ident(), prop::option::of(type_expr()), expr()).prop_map(
            |(doc, entity, name, ty, body)| {
                let values = vec![DatedValue { from: None, value: Some(body), span: span() }];
                Item::Rule(RuleDecl { doc, entity, name, ty, per: None, values, span: span() })
            }
        ),
        (doc(), entity_kind(), ident(), type_expr(), prop::collection::vec(version, 1..4), prop::option::of(per()))
            .prop_map(|(doc, entity, name, ty, values, per)| Item::Rule(RuleDecl {
                doc,
                entity,
                name,
                ty: Some(ty),
                per: per.map(|per| (per, span())),
                values,
                span: span()
            })),
        (doc(), ident(), entity_kind(), prop::option::of(expr()), prop::collection::vec(output_column, 0..3)).prop_map(
            |(doc, name, entity, filter, columns)| Item::Output(OutputDecl {
                doc,
                name,
                entity,
                filter,
                columns,
                span: span()
            })
        ),
        (doc(), ident(), prop::collection::vec(report_entry(), 0..4))
            .prop_map(|(doc, table, entries)| Item::Report(ReportDecl { doc, table, entries, span: span() })),
        (doc(), ident(), string_lit(), prop::collection::vec(ident(), 1..4))
            .prop_map(|(doc, id, name, rules)| Item::Program(ProgramDecl { doc, id, name, rules, span: span() })),
        (doc(), ident()).prop_map(|(doc, rule)| Item::Visit(VisitDecl { doc, rule, span: span() })),
        (
            doc(),
            string_lit(),
            prop::option::of(date()),
            prop::collection::vec(record, 0..3),
            prop::collection::vec(expectation(), 0..3),
            prop::option::of(expr())
        )
            .prop_map(|(doc, name, as_of, records, expectations, tolerance)| Item::Test(TestDecl {
                doc,
                name,
                as_of,
                as_of_month: false,
                records,
                expectations,
                tolerance,
                span: span()
            })),
    ]
}

fn per() -> impl Strategy<Value = Per> {
    prop_oneof![Just(Per::Month), Just(Per::Year)]
}

fn period_lit() -> impl Strategy<Value = PeriodLit> {
    (1900i32..2100, prop::option::of(1u32..=12)).prop_map(|(year, month)| PeriodLit { year, month, span: span() })
}

fn file() -> impl Strategy<Value = File> {
    prop::collection::vec(item(), 0..5).prop_map(|items| File { items })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    /// `parse(print_file(tree)) == tree`, spans aside.
    #[test]
    fn printing_then_parsing_gives_the_tree_back(file in file()) {
        let printed = print_file(&file);
        let parsed = parse_file(SourceId(0), &printed);
        prop_assert!(parsed.is_ok(), "printed text does not parse:\n{printed}\n{parsed:?}");
        let parsed = parsed.unwrap_or(File { items: Vec::new() });
        prop_assert_eq!(without_spans(&parsed), without_spans(&file), "printed:\n{}", printed);
        // And the printed text is already formatted.
        let formatted = format_source(SourceId(0), &printed);
        prop_assert_eq!(formatted.as_deref().ok(), Some(printed.as_str()));
    }
}

// --------------------------------------------------------------------------- formatting

/// What to insert at a blank of the realistic file.
#[derive(Debug, Clone)]
enum Insertion {
    /// ` // N` and a line break: a trailing comment.
    Trailing,
    /// A line break, `// N` and a line break: a comment on its own line.
    OwnLine,
    /// Two line breaks.
    BlankLine,
}

fn insertions() -> impl Strategy<Value = Vec<(prop::sample::Index, Insertion)>> {
    let insertion = prop_oneof![Just(Insertion::Trailing), Just(Insertion::OwnLine), Just(Insertion::BlankLine)];
    prop::collection::vec((any::<prop::sample::Index>(), insertion), 0..12)
}

/// `text` with the insertions made at blanks (outside strings and comments).
fn insert(text: &str, insertions: &[(prop::sample::Index, Insertion)]) -> String {
    let blanks = blank_offsets(text);
    let mut at: Vec<(usize, String)> = insertions
        .iter()
        .enumerate()
        .map(|(number, (index, insertion))| {
            let offset = blanks.get(index.index(blanks.len())).copied().unwrap_or(0);
            let inserted = match insertion {
                Insertion::Trailing => format!(" // 注{number}\n"),
                Insertion::OwnLine => format!("\n// note {number}\n"),
                Insertion::BlankLine => "\n\n".to_string(),
            };
            (offset, inserted)
        })
        .collect();
    at.sort_by_key(|(offset, _)| std::cmp::Reverse(*offset));
    let mut out = text.to_string();
    for (offset, inserted) in at {
        out.insert_str(offset, &inserted);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 500, ..ProptestConfig::default() })]

    /// Formatting is idempotent, keeps every comment in order, and does not change the tree.
    #[test]
    fn formatting_is_stable_and_keeps_comments(insertions in insertions()) {
        let text = insert(REALISTIC, &insertions);
        let formatted = format_source(SourceId(0), &text);
        prop_assert!(formatted.is_ok(), "does not format:\n{text}");
        let formatted = formatted.unwrap_or_default();
        let again = format_source(SourceId(0), &formatted).unwrap_or_default();
        prop_assert_eq!(&again, &formatted, "not idempotent; input:\n{}", text);
        prop_assert_eq!(comments(&formatted), comments(&text));
        let before = parse_file(SourceId(0), &text).map(|file| without_spans(&file));
        let after = parse_file(SourceId(0), &formatted).map(|file| without_spans(&file));
        prop_assert_eq!(after.ok(), before.ok());
    }
}

// ------------------------------------------------------------------------------ robustness

/// Arbitrary text: pieces of `.pol` syntax, ASCII, Chinese and punctuation.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "household ",
            "person ",
            "param ",
            "enum ",
            "test ",
            "output ",
            "report ",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "=",
            "==",
            "=>",
            ":",
            ",",
            "..",
            ".",
            "/",
            "//",
            "///",
            "\"",
            "\\",
            "\n",
            " ",
            "元/月",
            "元",
            "%",
            "-",
            "not ",
            "and ",
            "if ",
            "else ",
            "match ",
            "2019-02-30",
            "1.234",
            "members",
            "where",
            "as ",
            "in ",
            "低保",
            "×",
            "（",
            "_",
            "0",
            "9",
        ])
        .prop_map(String::from),
        "[a-z0-9 ]{1,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// A random slice of the realistic file with random bytes replaced: mostly valid text.
fn mangled() -> impl Strategy<Value = String> {
    (any::<prop::sample::Index>(), any::<prop::sample::Index>(), noise()).prop_map(|(start, length, noise)| {
        let chars: Vec<char> = REALISTIC.chars().collect();
        let start = start.index(chars.len());
        let end = (start + length.index(400)).min(chars.len());
        let mut text: String = chars.get(start..end).unwrap_or(&[]).iter().collect();
        let middle = text.char_indices().nth(text.chars().count() / 2).map_or(0, |(index, _)| index);
        text.insert_str(middle, &noise);
        text
    })
}

/// Parsing and formatting return (`Ok` or `Err`) without panicking; errors point inside the
/// text.
fn survives(text: &str) {
    let parsed = parse_file(SourceId(0), text);
    if let Err(errors) = &parsed {
        assert!(!errors.is_empty());
        for error in errors {
            assert!(error.span().end as usize <= text.len() && error.span().start <= error.span().end);
            assert!(text.is_char_boundary(error.span().start as usize));
            assert!(text.is_char_boundary(error.span().end as usize));
        }
    }
    let formatted = format_source(SourceId(0), text);
    assert_eq!(formatted.is_ok(), parsed.is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 1000, ..ProptestConfig::default() })]

    #[test]
    fn no_text_makes_the_parser_panic(text in prop_oneof![noise(), mangled()]) {
        survives(&text);
    }
}

/// Nesting through brackets is cut off before pest runs, so it is tested at 100,000 levels;
/// long flat chains are parsed in full (slowly in a debug build), so 3,000 operators are
/// enough: a recursive fold of them would overflow a 2 MiB test thread.
#[test]
fn deep_nesting_gives_an_error_not_a_stack_overflow() {
    let (deep, long) = (100_000, 3_000);
    let inputs = [
        "(".repeat(deep),
        "{".repeat(deep),
        format!("household x = {}", "(".repeat(deep)),
        format!("household x = {}1{}", "(".repeat(deep), ")".repeat(deep)),
        format!("household x = {}a{}", "f(".repeat(deep), ")".repeat(deep)),
        format!("household x = {}1{}", "[".repeat(deep), "]".repeat(deep)),
        format!("household x = {}", "match a { _ => ".repeat(deep)),
        format!("household x = {}1", "-".repeat(long)),
        format!("household x = {}a", "not ".repeat(long)),
        format!("household x = a{}", " == not a".repeat(long)),
        format!("household x = 1{}", " + 1".repeat(long)),
        format!("household x = a{}", " as int".repeat(long)),
        format!("household x = a{}", " in [a]".repeat(long)),
        format!("household x = if a {{ 1 }}{} else {{ 2 }}", " else if a { 1 }".repeat(long)),
        "enum E { a }\n".repeat(long),
        format!("test \"t\" {{ {} }}", "household { a: 1 } ".repeat(long)),
    ];
    for input in inputs {
        survives(&input);
    }
}
