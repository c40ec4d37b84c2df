//! Parsing: every construct, precedence, layout freedom, exact spans, doc comments, nesting
//! limits, error recovery, and the Shaanxi policy.

use std::collections::BTreeSet;

use pol_grammar::ast::{self, Expr, ExprKind, Item};
use pol_grammar::{ParseError, SourceId, format_source, parse_file};

use super::common::{REALISTIC, parse_err, parse_ok, without_spans};

/// A compact, fully parenthesised form of an expression: `(+ a (* b c))`.
fn sexpr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(number, unit) => {
            let unit = match unit {
                ast::NumberUnit::None => String::new(),
                ast::NumberUnit::Percent => "%".into(),
                ast::NumberUnit::Money(period, currency) => currency.unit(*period),
            };
            format!("{}e-{}{unit}", number.digits, number.scale)
        }
        ExprKind::Bool(value) => value.to_string(),
        ExprKind::Date(date) => format!("{}-{}-{}", date.year, date.month, date.day),
        ExprKind::Text(text) => format!("{text:?}"),
        ExprKind::AsOf => "as_of".into(),
        ExprKind::Path(path) => path.dotted(),
        ExprKind::Unary(ast::UnaryOp::Not, operand) => format!("(not {})", sexpr(operand)),
        ExprKind::Unary(ast::UnaryOp::Neg, operand) => format!("(neg {})", sexpr(operand)),
        ExprKind::Binary(op, lhs, rhs) => format!("({} {} {})", op.symbol(), sexpr(lhs), sexpr(rhs)),
        ExprKind::In(operand, ast::InSet::Range(low, high)) => {
            format!("(in {} {}..{})", sexpr(operand), sexpr(low), sexpr(high))
        }
        ExprKind::In(operand, ast::InSet::List(items)) => {
            let items: Vec<String> = items.iter().map(sexpr).collect();
            format!("(in {} [{}])", sexpr(operand), items.join(" "))
        }
        ExprKind::As(operand, ty) => format!("(as {} {})", sexpr(operand), type_name(ty)),
        ExprKind::If(cond, then, otherwise) => format!("(if {} {} {})", sexpr(cond), sexpr(then), sexpr(otherwise)),
        ExprKind::Match(scrutinee, arms) => format!("(match {} {})", sexpr(scrutinee), arms.len()),
        ExprKind::Call(name, args) => {
            let args: Vec<String> = args.iter().map(sexpr).collect();
            format!("({} {})", name.name, args.join(" "))
        }
        ExprKind::Aggregate { kind, filter, value, .. } => format!(
            "({kind:?} {} {})",
            filter.as_ref().map_or("-".into(), |filter| sexpr(filter)),
            value.as_ref().map_or("-".into(), |value| sexpr(value))
        ),
        ExprKind::Paren(inner) => format!("[{}]", sexpr(inner)),
        ExprKind::ScaleLit(brackets) => {
            let brackets: Vec<String> =
                brackets.iter().map(|(threshold, value)| format!("{}:{}", sexpr(threshold), sexpr(value))).collect();
            format!("(scale {})", brackets.join(" "))
        }
    }
}

fn type_name(ty: &ast::TypeExpr) -> String {
    match ty {
        ast::TypeExpr::Money(period, ast::Currency::Yuan, _) => format!("{period:?}"),
        ast::TypeExpr::Money(period, currency, _) => format!("{}:{period:?}", currency.name()),
        ast::TypeExpr::Named(name) => name.name.clone(),
        other => format!("{other:?}").split('(').next().unwrap_or("").to_string(),
    }
}

/// The body of the only rule in `text`.
fn rule_body(text: &str) -> Expr {
    let file = parse_ok(text);
    match file.items.as_slice() {
        [Item::Rule(rule)] => rule.undated_body().cloned().unwrap_or_else(|| panic!("expected an undated rule")),
        other => panic!("expected one rule, got {other:#?}"),
    }
}

#[test]
fn precedence_follows_the_language_doc() {
    let cases = [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("not a == b", "(not (== a b))"),
        ("not a and b", "(and (not a) b)"),
        ("a and not b or c", "(or (and a (not b)) c)"),
        ("a == b + c * d", "(== a (+ b (* c d)))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b * c", "(* (/ a b) c)"),
        ("-a * b", "(* (neg a) b)"),
        ("a * -b", "(* a (neg b))"),
        ("a - -b", "(- a (neg b))"),
        ("-x as 元/月", "(neg (as x Month))"),
        ("x as 元/月 * 2", "(* (as x Month) 2e-0)"),
        ("x * 2 as ratio", "(* x (as 2e-0 Ratio))"),
        ("not not x", "(not (not x))"),
        ("grade in 1..3 and ok", "(and (in grade 1e-0..3e-0) ok)"),
        ("a == b in [c, d]", "(in (== a b) [c d])"),
        ("x + 1 in 1..-2", "(in (+ x 1e-0) 1e-0..(neg 2e-0))"),
        ("not x in [a]", "(not (in x [a]))"),
        ("(a or b) and c", "(and [(or a b)] c)"),
        ("a < b == c", "(== (< a b) c)"),
        ("if a { 1 } else if b { 2 } else { 3 } + 1", "(+ (if a 1e-0 (if b 2e-0 3e-0)) 1e-0)"),
        ("min(a, b, c)", "(min a b c)"),
        ("count(members where not tekun)", "(Count (not tekun) -)"),
        ("sum(members where covered, topup * 2)", "(Sum covered (* topup 2e-0))"),
        ("any(members)", "(Any - -)"),
        ("all(members, ok)", "(All - ok)"),
        ("county.deep_poverty and topup.elderly70 > 0%", "(and county.deep_poverty (> topup.elderly70 0e-0%))"),
    ];
    for (source, expected) in cases {
        let body = rule_body(&format!("household x = {source}"));
        assert_eq!(sexpr(&body), expected, "for `{source}`");
    }
}

#[test]
fn number_literals_carry_their_units() {
    let cases = [
        ("3218 元/年", "3218e-0元/年"),
        ("80元/月", "80e-0元/月"),
        ("396.67 元/月", "39667e-2元/月"),
        ("1000 元", "1000e-0元"),
        ("20000元", "20000e-0元"),
        ("100 yuan/month", "100e-0元/月"),
        ("5 yuan", "5e-0元"),
        ("3 yuan/year", "3e-0元/年"),
        ("15%", "15e-0%"),
        ("12.5 %", "125e-1%"),
        ("1.3", "13e-1"),
        ("0.000000001", "0000000001e-9"),
        ("x / 12", "(/ x 12e-0)"),
        ("x/12", "(/ x 12e-0)"),
        ("1000 元 / n", "(/ 1000e-0元 n)"),
        ("80 元/月 / 2", "(/ 80e-0元/月 2e-0)"),
        ("2019-05-01", "2019-5-1"),
        ("2020-02-29", "2020-2-29"),
        ("2019 - 05 - 01", "(- (- 2019e-0 05e-0) 01e-0)"),
        ("\"王建国\\n\\\"\\\\\\t\\u{4E00}\"", "\"王建国\\n\\\"\\\\\\t一\""),
        ("true or false", "(or true false)"),
        ("as_of", "as_of"),
    ];
    for (source, expected) in cases {
        let body = rule_body(&format!("household x = {source}"));
        assert_eq!(sexpr(&body), expected, "for `{source}`");
    }
}

#[test]
fn entries_are_separated_by_newlines_or_commas() {
    let by_lines = "case {\n  case_id: key\n  urgent: bool = false\n  amount: 元\n  require amount > 0 \"正数\"\n}";
    let by_commas = "case { case_id: key, urgent: bool = false, amount: 元, require amount > 0 \"正数\" }";
    let mixed = "case { case_id: key,\n urgent: bool = false\n\n amount: 元, require amount > 0 \"正数\", }";
    let expected = without_spans(&parse_ok(by_lines));
    assert_eq!(without_spans(&parse_ok(by_commas)), expected);
    assert_eq!(without_spans(&parse_ok(mixed)), expected);
    assert_eq!(without_spans(&parse_ok(&by_lines.replace('\n', "\r\n"))), expected);
    assert_eq!(without_spans(&parse_ok(&format!("\u{FEFF}{}", by_lines.replace("  ", "\t")))), expected);

    // A newline ends an entry although newlines are whitespace: the next entry starts with a
    // name or keyword, which no expression can continue with.
    let file = parse_ok("param p: int {\n  = a\n  from 2019-01-01 = b\n  require p > 0\n  require p < 9\n}");
    let Some(Item::Param(param)) = file.items.first() else { panic!("expected a param") };
    assert_eq!(param.values.len(), 2);
    assert_eq!(param.requires.len(), 2);
    assert!(param.requires.iter().all(|require| require.message.is_none()));

    // And an expression may continue on the next line.
    let body = rule_body("household x =\n  a\n  + b\n  * c");
    assert_eq!(sexpr(&body), "(+ a (* b c))");
}

#[test]
fn declarations_follow_each_other_without_separators() {
    let file = parse_ok("household a = 1 household b = a enum E { x } person c: bool = true");
    assert_eq!(file.items.len(), 4);
}

#[test]
fn keywords_are_whole_words() {
    let names =
        ["params", "income", "asset", "notable", "orange", "android", "index", "integer", "textual", "元旦", "yuanbao"];
    for name in names {
        let body = rule_body(&format!("household x = {name} + 1"));
        assert_eq!(sexpr(&body), format!("(+ {name} 1e-0)"));
    }
}

#[test]
fn chinese_names_and_dotted_paths() {
    let file = parse_ok(
        "/// 低保\nparam 低保.标准: 元/年 { = 4860 }\nperson 年龄: int = age(出生日期)\nhousehold _x1 = county.城市",
    );
    let [Item::Param(param), Item::Rule(age), Item::Rule(x)] = file.items.as_slice() else { panic!("three items") };
    assert_eq!(param.name.dotted(), "低保.标准");
    assert_eq!(param.doc, ["低保"]);
    assert_eq!(age.name.name, "年龄");
    assert_eq!(x.name.name, "_x1");
    assert_eq!(x.undated_body().map(sexpr).as_deref(), Some("county.城市"));
}

#[test]
fn doc_comments_attach_to_the_next_declaration_or_column() {
    let text = "\
// a plain comment is not a doc comment
/// first line
///
///   indented
enum A { a }

/// kept across a blank line

enum B { b }

/// not attached: a plain comment follows
// plain
enum C { c }

//// four slashes are a plain comment
enum D { d }

person {
  /// the name
  name: text // trailing, not a doc
  /// a doc comment before a require is just a comment
  require name != \"\"
  age: int
}
";
    let file = parse_ok(text);
    let docs: Vec<Vec<String>> = file
        .items
        .iter()
        .map(|item| match item {
            Item::Enum(decl) => decl.doc.clone(),
            Item::Entity(decl) => decl.columns.iter().flat_map(|column| column.doc.clone()).collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        docs,
        [
            vec!["first line".to_string(), String::new(), "  indented".to_string()],
            vec!["kept across a blank line".to_string()],
            vec![],
            vec![],
            vec!["the name".to_string()],
        ]
    );
}

#[test]
fn spans_are_exact_byte_ranges() {
    let text = "household {\n  annual_income: 元/年 = 0   // trailing\n  name: text // trailing\n}\n\nhousehold 差额: 元/月 = 标准 * 2 - 收入 as 元/月 // c\n";
    let file = parse_ok(text);
    let slice = |span: pol_grammar::Span| &text[span.start as usize..span.end as usize];
    let [Item::Entity(entity), Item::Rule(rule)] = file.items.as_slice() else { panic!("two items") };
    assert_eq!(slice(entity.span), &text[..text.find("}\n").unwrap_or(0) + 1]);
    assert_eq!(slice(entity.kind_span), "household");
    let spans: Vec<&str> = entity.columns.iter().map(|column| slice(column.span)).collect();
    assert_eq!(spans, ["annual_income: 元/年 = 0", "name: text"]);
    assert_eq!(slice(rule.span), "household 差额: 元/月 = 标准 * 2 - 收入 as 元/月");
    assert_eq!(slice(rule.name.span), "差额");
    let Some(body) = rule.undated_body() else { panic!("an undated rule") };
    assert_eq!(slice(body.span), "标准 * 2 - 收入 as 元/月");
    let ExprKind::Binary(_, lhs, rhs) = &body.kind else { panic!("a subtraction") };
    assert_eq!(slice(lhs.span), "标准 * 2");
    assert_eq!(slice(rhs.span), "收入 as 元/月");
    assert!(file.items.iter().all(|item| match item {
        Item::Rule(rule) => rule.span.source == SourceId(0),
        _ => true,
    }));
}

#[test]
fn realistic_file_uses_every_construct() {
    let file = parse_ok(REALISTIC);
    let mut seen = BTreeSet::new();
    for item in &file.items {
        collect_item(item, &mut seen);
    }
    let expected = [
        "aggregate.All",
        "aggregate.Any",
        "aggregate.Count",
        "aggregate.First",
        "aggregate.Max",
        "aggregate.Min",
        "aggregate.Sum",
        "as",
        "as_of",
        "binary.!=",
        "binary.*",
        "binary.+",
        "binary.-",
        "binary./",
        "binary.<",
        "binary.<=",
        "binary.==",
        "binary.>",
        "binary.>=",
        "binary.and",
        "binary.or",
        "bool",
        "call",
        "column.city",
        "column.county",
        "column.default",
        "column.doc",
        "column.household",
        "column.int_range",
        "column.key",
        "date",
        "entity.Case",
        "entity.Household",
        "entity.Person",
        "enum",
        "enum.doc",
        "expect.case",
        "expect.error",
        "expect.household",
        "expect.person",
        "expect.rejected",
        "expect.rejected_message",
        "if",
        "if.else_if",
        "in.list",
        "in.range",
        "jurisdictions",
        "match",
        "money.Lump",
        "money.Month",
        "money.Year",
        "neg",
        "not",
        "number",
        "output",
        "output.value",
        "output.where",
        "param",
        "param.from",
        "param.require",
        "param.set_by",
        "param.value",
        "paren",
        "path",
        "path.dotted",
        "pattern.int_range",
        "pattern.open_range",
        "pattern.qualified",
        "pattern.variant",
        "pattern.wildcard",
        "percent",
        "program",
        "report",
        "report.budget",
        "report.by",
        "report.count",
        "report.rate",
        "report.sum",
        "require.message",
        "rule",
        "rule.typed",
        "rule.untyped",
        "test",
        "test.as_of",
        "text",
        "type.Bool",
        "type.Date",
        "type.Int",
        "type.Money",
        "type.Named",
        "type.Ratio",
        "type.Text",
        "visit",
    ];
    let missing: Vec<&str> = expected.iter().filter(|name| !seen.contains(**name)).copied().collect();
    assert!(missing.is_empty(), "constructs missing from realistic.pol: {missing:?}");
    assert_eq!(file.items.len(), 44);
}

fn collect_item(item: &Item, seen: &mut BTreeSet<String>) {
    let mut add = |name: &str| {
        seen.insert(name.to_string());
    };
    match item {
        Item::Enum(decl) => {
            add("enum");
            if !decl.doc.is_empty() {
                add("enum.doc");
            }
        }
        Item::Jurisdictions(decl) => {
            add("jurisdictions");
            decl.columns.iter().for_each(|column| collect_column(column, seen));
        }
        Item::Entity(decl) => {
            add(&format!("entity.{:?}", decl.kind));
            decl.columns.iter().for_each(|column| collect_column(column, seen));
            for require in &decl.requires {
                collect_expr(&require.cond, seen);
                if require.message.is_some() {
                    seen.insert("require.message".into());
                }
            }
        }
        Item::Param(decl) => {
            add("param");
            if decl.name.parts.len() > 1 {
                add("path.dotted");
            }
            if !decl.set_by.is_empty() {
                add("param.set_by");
            }
            collect_type(&decl.ty, seen);
            for value in &decl.values {
                seen.insert(if value.from.is_some() { "param.from" } else { "param.value" }.into());
                match &value.value {
                    Some(expr) => collect_expr(expr, seen),
                    None => {
                        seen.insert("param.none".into());
                    }
                }
            }
            for require in &decl.requires {
                seen.insert("param.require".into());
                collect_expr(&require.cond, seen);
            }
        }
        Item::Rule(decl) => {
            add("rule");
            add(if decl.ty.is_some() { "rule.typed" } else { "rule.untyped" });
            if let Some(ty) = &decl.ty {
                collect_type(ty, seen);
            }
            if decl.undated_body().is_none() {
                seen.insert("rule.dated".into());
            }
            for value in &decl.values {
                match &value.value {
                    Some(expr) => collect_expr(expr, seen),
                    None => {
                        seen.insert("rule.none".into());
                    }
                }
            }
        }
        Item::Output(decl) => {
            add("output");
            if let Some(filter) = &decl.filter {
                add("output.where");
                collect_expr(filter, seen);
            }
            for column in &decl.columns {
                if let Some(value) = &column.value {
                    seen.insert("output.value".into());
                    collect_expr(value, seen);
                }
            }
        }
        Item::Report(decl) => {
            add("report");
            for entry in &decl.entries {
                let name = match entry {
                    ast::ReportEntry::By(..) => "report.by",
                    ast::ReportEntry::Count(..) => "report.count",
                    ast::ReportEntry::Sum(..) => "report.sum",
                    ast::ReportEntry::Budget { .. } => "report.budget",
                    ast::ReportEntry::Rate { .. } => "report.rate",
                };
                seen.insert(name.into());
            }
        }
        Item::Program(_) => add("program"),
        Item::Visit(_) => add("visit"),
        Item::Test(decl) => {
            add("test");
            if decl.as_of.is_some() {
                add("test.as_of");
            }
            for expectation in &decl.expectations {
                let name = match expectation {
                    ast::Expectation::Value { target: ast::ExpectTarget::Household, .. } => "expect.household",
                    ast::Expectation::Value { target: ast::ExpectTarget::Person(..), .. } => "expect.person",
                    ast::Expectation::Value { target: ast::ExpectTarget::Case(..), .. } => "expect.case",
                    ast::Expectation::Rejected(Some(_), _) => "expect.rejected_message",
                    ast::Expectation::Rejected(None, _) => "expect.rejected",
                    ast::Expectation::Error(_) => "expect.error",
                };
                seen.insert(name.into());
            }
        }
        Item::Reform(_) => add("reform"),
        Item::Currency(_) => add("currency"),
        Item::Replace(decl) => {
            add("replace");
            match &decl.target {
                ast::Replaced::Rule(rule) => rule.exprs().for_each(|expr| collect_expr(expr, seen)),
                ast::Replaced::Param(param) => {
                    param.values.iter().flat_map(|value| &value.value).for_each(|expr| collect_expr(expr, seen))
                }
            }
        }
        Item::Remove(decl) => {
            add("remove");
            if let Some(instead) = &decl.instead {
                collect_expr(instead, seen);
            }
        }
    }
}

/// A reform's items parse into their own AST nodes, and `replace`, `remove`, `of` and
/// `instead` stay usable as names elsewhere.
#[test]
fn reform_items_parse() {
    let text = "reform of \"../..\"\n\n/// 儿童\nreplace person topup: ratio = 15%\n\nreplace param p: ratio {\n  = 15%\n}\n\nremove household x instead = 0 元/月\n\nremove person y\n\nhousehold remove = replace + of + instead\n";
    let file = parse_ok(text);
    let kinds: Vec<&str> = file
        .items
        .iter()
        .map(|item| match item {
            Item::Reform(decl) => {
                assert_eq!(decl.base.value, "../..");
                "reform"
            }
            Item::Replace(ast::ReplaceDecl { target: ast::Replaced::Rule(rule), .. }) => {
                assert_eq!(rule.doc, vec!["儿童".to_string()]);
                "replace rule"
            }
            Item::Replace(ast::ReplaceDecl { target: ast::Replaced::Param(_), .. }) => "replace param",
            Item::Remove(decl) if decl.instead.is_some() => "remove instead",
            Item::Remove(_) => "remove",
            Item::Rule(_) => "rule",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["reform", "replace rule", "replace param", "remove instead", "remove", "rule"]);
}

fn collect_column(column: &ast::ColumnDecl, seen: &mut BTreeSet<String>) {
    let name = match &column.ty {
        ast::ColumnType::Key(_) => "column.key",
        ast::ColumnType::County(_) => "column.county",
        ast::ColumnType::HouseholdRef(_) => "column.household",
        ast::ColumnType::City(_) => "column.city",
        ast::ColumnType::Value(ty, range) => {
            collect_type(ty, seen);
            if range.is_some() {
                seen.insert("column.int_range".into());
            }
            "column.value"
        }
    };
    seen.insert(name.into());
    if !column.doc.is_empty() {
        seen.insert("column.doc".into());
    }
    if let Some(default) = &column.default {
        seen.insert("column.default".into());
        collect_expr(default, seen);
    }
}

fn collect_type(ty: &ast::TypeExpr, seen: &mut BTreeSet<String>) {
    let name = format!("{ty:?}");
    seen.insert(format!("type.{}", name.split('(').next().unwrap_or("")));
}

fn collect_expr(expr: &Expr, seen: &mut BTreeSet<String>) {
    fn add(seen: &mut BTreeSet<String>, name: String) {
        seen.insert(name);
    }
    match &expr.kind {
        ExprKind::Number(_, unit) => add(
            seen,
            match unit {
                ast::NumberUnit::None => "number".into(),
                ast::NumberUnit::Percent => "percent".into(),
                ast::NumberUnit::Money(period, ast::Currency::Yuan) => format!("money.{period:?}"),
                ast::NumberUnit::Money(period, currency) => format!("money.{}.{period:?}", currency.name()),
            },
        ),
        ExprKind::ScaleLit(brackets) => {
            add(seen, "scale".into());
            for (threshold, value) in brackets {
                collect_expr(threshold, seen);
                collect_expr(value, seen);
            }
        }
        ExprKind::Bool(_) => add(seen, "bool".into()),
        ExprKind::Date(_) => add(seen, "date".into()),
        ExprKind::Text(_) => add(seen, "text".into()),
        ExprKind::AsOf => add(seen, "as_of".into()),
        ExprKind::Path(path) => add(seen, if path.parts.len() > 1 { "path.dotted" } else { "path" }.into()),
        ExprKind::Unary(op, operand) => {
            add(seen, if *op == ast::UnaryOp::Not { "not" } else { "neg" }.into());
            collect_expr(operand, seen);
        }
        ExprKind::Binary(op, lhs, rhs) => {
            add(seen, format!("binary.{}", op.symbol()));
            collect_expr(lhs, seen);
            collect_expr(rhs, seen);
        }
        ExprKind::In(operand, set) => {
            collect_expr(operand, seen);
            match set {
                ast::InSet::Range(low, high) => {
                    add(seen, "in.range".into());
                    collect_expr(low, seen);
                    collect_expr(high, seen);
                }
                ast::InSet::List(items) => {
                    add(seen, "in.list".into());
                    items.iter().for_each(|item| collect_expr(item, seen));
                }
            }
        }
        ExprKind::As(operand, ty) => {
            add(seen, "as".into());
            collect_type(ty, seen);
            collect_expr(operand, seen);
        }
        ExprKind::If(cond, then, otherwise) => {
            add(seen, "if".into());
            if matches!(otherwise.kind, ExprKind::If(..)) {
                seen.insert("if.else_if".into());
            }
            [cond, then, otherwise].into_iter().for_each(|part| collect_expr(part, seen));
        }
        ExprKind::Match(scrutinee, arms) => {
            add(seen, "match".into());
            collect_expr(scrutinee, seen);
            for arm in arms {
                let name = match &arm.pattern {
                    ast::Pattern::Wildcard(_) => "pattern.wildcard",
                    ast::Pattern::Variant(path) if path.parts.len() > 1 => "pattern.qualified",
                    ast::Pattern::Variant(_) => "pattern.variant",
                    ast::Pattern::Int(..) => "pattern.int",
                    ast::Pattern::Range(_, Some(_), _) => "pattern.int_range",
                    ast::Pattern::Range(_, None, _) => "pattern.open_range",
                };
                seen.insert(name.into());
                collect_expr(&arm.value, seen);
            }
        }
        ExprKind::Call(_, args) => {
            add(seen, "call".into());
            args.iter().for_each(|arg| collect_expr(arg, seen));
        }
        ExprKind::Aggregate { kind, filter, value, .. } => {
            add(seen, format!("aggregate.{kind:?}"));
            filter.iter().chain(value.iter()).for_each(|part| collect_expr(part, seen));
        }
        ExprKind::Paren(inner) => {
            add(seen, "paren".into());
            collect_expr(inner, seen);
        }
    }
}

/// `depth` nested parentheses around `1`: a tree of height `depth + 1`.
fn nested_parens(depth: usize) -> String {
    format!("household x = {}1{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn nesting_is_limited_to_64_levels() {
    parse_ok(&nested_parens(63));
    assert!(matches!(parse_err(&nested_parens(64)).as_slice(), [ParseError::NestingTooDeep { .. }]));
    // A chain of 64 operands is 64 levels deep; one more is too deep.
    parse_ok(&format!("household x = 1{}", " + 1".repeat(63)));
    assert!(matches!(
        parse_err(&format!("household x = 1{}", " + 1".repeat(64))).as_slice(),
        [ParseError::NestingTooDeep { .. }]
    ));
    // Inside test records and match arms too.
    let deep_field = format!("test \"t\" {{ household {{ a: {}1{} }} }}", "(".repeat(64), ")".repeat(64));
    assert!(matches!(parse_err(&deep_field).as_slice(), [ParseError::NestingTooDeep { .. }]));
    let else_ifs = format!("household x = if a {{ 1 }}{} else {{ 2 }}", " else if a { 1 }".repeat(64));
    assert!(matches!(parse_err(&else_ifs).as_slice(), [ParseError::NestingTooDeep { .. }]));
}

#[test]
fn errors_in_several_declarations_are_all_reported() {
    let text = "\
household a: int = 1 +
household b = 2
enum E {}
param p: int {
  from 2019-02-30 = 1
}
person c: int = (
household ok = 3
household d = 1.234 元
";
    let errors = parse_err(text);
    let kinds: Vec<&str> = errors
        .iter()
        .map(|error| match error {
            ParseError::Unexpected { .. } => "unexpected",
            ParseError::DanglingOperator { .. } => "dangling_operator",
            ParseError::EmptyEnum { .. } => "empty_enum",
            ParseError::BadDate { .. } => "bad_date",
            ParseError::BadNumber { .. } => "bad_number",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["dangling_operator", "empty_enum", "bad_date", "unexpected", "bad_number"]);
    let lines: Vec<usize> =
        errors.iter().map(|error| text[..error.span().start as usize].matches('\n').count() + 1).collect();
    // The dangling `+` is reported where it is, on line 1; the unclosed `(` where the next
    // declaration starts.
    assert_eq!(lines, [1, 3, 5, 8, 9]);
}

#[test]
fn the_shaanxi_policy_parses() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let mut files = Vec::new();
    collect_pol_files(&directory, &mut files);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let parsed = pol_grammar::parse_file(SourceId(0), &text);
        assert!(parsed.is_ok(), "{} does not parse: {:?}", path.display(), parsed.err());
    }
}

/// Every `.pol` file below `directory` (none if it does not exist).
pub fn collect_pol_files(directory: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else { return };
    let mut paths: Vec<_> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_pol_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "pol") {
            files.push(path);
        }
    }
}

/// `= none` alone ends a value or version; `none` in an expression is a name (an enum variant).
#[test]
fn none_alone_is_the_end_and_in_an_expression_a_name() {
    let file = parse_ok("param p: int {\n  from 2019-01-01 = none + 1\n  from 2020-01-01 = none\n}");
    let Some(Item::Param(param)) = file.items.first() else { panic!("expected a param") };
    let values: Vec<Option<String>> = param.values.iter().map(|value| value.value.as_ref().map(sexpr)).collect();
    assert_eq!(values, [Some("(+ none 1e-0)".to_string()), None]);
}

/// `currency EUR` is an item, money units take the code, and `currency` stays usable as a name.
#[test]
fn currency_items_and_units_parse() {
    let text = "currency EUR\n\nparam p: EUR/月 {\n  = 600 EUR/月\n}\n\nhousehold currency: EUR/year = p as EUR/年\n";
    let file = parse_ok(text);
    let Some(Item::Currency(decl)) = file.items.first() else { panic!("no currency item: {file:?}") };
    assert_eq!(decl.currency.name(), "EUR");
    let Some(Item::Rule(rule)) = file.items.get(2) else { panic!("no rule: {file:?}") };
    assert_eq!(rule.name.name, "currency");
    assert!(
        matches!(rule.ty, Some(ast::TypeExpr::Money(ast::Period::Year, ast::Currency::Code(code), _)) if &code == b"EUR")
    );
    assert_eq!(
        format_source(SourceId(0), text).ok().as_deref(),
        Some("currency EUR\n\nparam p: EUR/月 {\n  = 600 EUR/月\n}\n\nhousehold currency: EUR/年 = p as EUR/年\n")
    );
}

/// `scale(T, V)` types and `[threshold: value, …]` brackets parse as a parameter's value, and
/// format back as written.
#[test]
fn scale_parameters_parse_and_format() {
    let text =
        "param tax: scale(元/年, ratio) {\n  from 2019-01-01 = [0: 3%, 12000: 10%]\n  from 2020-01-01 = none\n}\n";
    let file = parse_ok(text);
    let Some(Item::Param(decl)) = file.items.first() else { panic!("no param: {file:?}") };
    assert!(matches!(&decl.ty, ast::TypeExpr::Scale(threshold, value, _)
        if matches!(**threshold, ast::TypeExpr::Money(ast::Period::Year, ast::Currency::Yuan, _))
            && matches!(**value, ast::TypeExpr::Ratio(_))));
    let first = decl.values.first().and_then(|value| value.value.as_ref()).map(sexpr);
    assert_eq!(first.as_deref(), Some("(scale 0e-0:3e-0% 12000e-0:10e-0%)"));
    assert_eq!(format_source(SourceId(0), text).ok().as_deref(), Some(text));
    // A bracket list is only a parameter's value.
    assert!(parse_file(SourceId(0), "household x: int = [0: 1]").is_err());
}
