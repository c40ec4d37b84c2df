//! The formatter: canonical layout, comments kept in place, idempotence, and `print_file`.

use pol_grammar::{SourceId, format_source, print_file};

use super::common::{REALISTIC, comments, parse_ok, without_spans};
use super::parse::collect_pol_files;

fn format(text: &str) -> String {
    match format_source(SourceId(0), text) {
        Ok(formatted) => formatted,
        Err(errors) => panic!("cannot format:\n{text}\n{errors:#?}"),
    }
}

/// Formats `text`, checks that formatting again changes nothing, that every comment is kept in
/// order, and that the tree is unchanged; returns the formatted text.
fn format_checked(text: &str) -> String {
    let formatted = format(text);
    assert_eq!(format(&formatted), formatted, "formatting is not idempotent for:\n{text}");
    assert_eq!(comments(&formatted), comments(text), "comments changed in:\n{formatted}");
    assert_eq!(without_spans(&parse_ok(&formatted)), without_spans(&parse_ok(text)));
    formatted
}

#[test]
fn realistic_file_layout() {
    insta::assert_snapshot!("realistic_formatted", format_checked(REALISTIC));
}

#[test]
fn print_file_round_trips_the_realistic_file() {
    let file = parse_ok(REALISTIC);
    let printed = print_file(&file);
    assert_eq!(without_spans(&parse_ok(&printed)), without_spans(&file));
    assert!(comments(&printed).iter().all(|comment| comment.starts_with("///")), "only doc comments are printed");
}

#[test]
fn the_shaanxi_policy_formats_stably() {
    let mut files = Vec::new();
    collect_pol_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        format_checked(&text);
    }
}

#[test]
fn reform_items_format_stably() {
    let text = "// 改革\nreform   of \"../..\"\n/// 儿童\nreplace   person topup:ratio=15%\nreplace param p:ratio{=15%}\nremove household x instead=0元/月\nremove person y\n";
    let formatted = format_checked(text);
    assert_eq!(
        formatted,
        "// 改革\nreform of \"../..\"\n\n/// 儿童\nreplace person topup: ratio = 15%\n\nreplace param p: ratio {\n  = 15%\n}\n\nremove household x instead = 0 元/月\n\nremove person y\n"
    );
    let printed = print_file(&parse_ok(text));
    assert_eq!(without_spans(&parse_ok(&printed)), without_spans(&parse_ok(text)));
}

#[test]
fn layout_cases() {
    let cases = [
        // Units attached with one space, `yuan` spelled `元`, one space around operators.
        ("household x=80元/月*2+3218 yuan/year as yuan/month", "household x = 80 元/月 * 2 + 3218 元/年 as 元/月\n"),
        // One entry per line; blank lines between declarations.
        (
            "case { case_id: key, urgent: bool = false }\nhousehold a = 1\nhousehold b = 2",
            "case {\n  case_id: key\n  urgent: bool = false\n}\n\nhousehold a = 1\n\nhousehold b = 2\n",
        ),
        // Empty blocks stay on one line.
        ("output t for household {\n}\nreport for t {}", "output t for household {}\n\nreport for t {}\n"),
        // Enums and records stay on one line while they fit.
        ("enum E {\n  a\n  b\n}", "enum E { a, b }\n"),
        ("test \"t\" { person {\n name: \"a\"\n } }", "test \"t\" {\n  person { name: \"a\" }\n}\n"),
        // Short `if`s stay on one line; `match` is one arm per line.
        (
            "household x = if a { 1 } else if b { 2 } else { 3 }",
            "household x = if a { 1 } else if b { 2 } else { 3 }\n",
        ),
        (
            "household x = match g { 1 => a, 2..3 => b, 4.. => c, _ => d }",
            "household x = match g {\n  1 => a\n  2..3 => b\n  4.. => c\n  _ => d\n}\n",
        ),
        // Entries in blocks keep their order; one blank line is kept, more are merged.
        (
            "param p: int {\n  require p > 0\n\n\n  set by city\n  = 1\n}",
            "param p: int {\n  require p > 0\n\n  set by city\n  = 1\n}\n",
        ),
        // Blank lines right inside braces are dropped.
        ("household {\n\n  a: int\n\n}", "household {\n  a: int\n}\n"),
        // A dated rule: one version per line, `= none` as written; a parameter's end likewise.
        (
            "household b: 元/月 { from 2019-01-01 = x*2, from 2023-01-01 = none }",
            "household b: 元/月 {\n  from 2019-01-01 = x * 2\n  from 2023-01-01 = none\n}\n",
        ),
        (
            "param p: int { from 2019-01-01 = 1\nfrom 2020-01-01=none }",
            "param p: int {\n  from 2019-01-01 = 1\n  from 2020-01-01 = none\n}\n",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(format_checked(input), expected, "for input:\n{input}");
    }
}

#[test]
fn long_lines_are_broken() {
    let chain = "person tekun: bool = labor_capacity == LaborCapacity.none and not has_income_source and not has_capable_supporter and not is_orphan";
    assert_eq!(
        format_checked(chain),
        "person tekun: bool =\n  labor_capacity == LaborCapacity.none\n  and not has_income_source\n  and not has_capable_supporter\n  and not is_orphan\n"
    );
    let call = "person topup_ratio: ratio = max(if age_years >= 70 { topup.elderly70 } else { 0% }, if age_years < 18 { topup.child } else { 0% })";
    assert_eq!(
        format_checked(call),
        "person topup_ratio: ratio = max(\n  if age_years >= 70 { topup.elderly70 } else { 0% },\n  if age_years < 18 { topup.child } else { 0% }\n)\n"
    );
    let long_if = "household gradual_exit_limit: int = if any(members where disabled) { gradual_exit_months_disabled } else { gradual_exit_months }";
    assert_eq!(
        format_checked(long_if),
        "household gradual_exit_limit: int =\n  if any(members where disabled) { gradual_exit_months_disabled } else { gradual_exit_months }\n"
    );
    let longer_if = "household gradual_exit_limit: int = if any(members where disabled and registered_poor) { gradual_exit_months_disabled } else { gradual_exit_months }";
    assert_eq!(
        format_checked(longer_if),
        "household gradual_exit_limit: int =\n  if any(members where disabled and registered_poor) {\n    gradual_exit_months_disabled\n  } else {\n    gradual_exit_months\n  }\n"
    );
    // A long message does not break the condition of a `require`.
    let require = "param topup.child: ratio {\n  require topup.child <= 100% \"增发比例不高于100%(按照当地低保标准的一定比例增发低保金)\"\n}";
    assert_eq!(format_checked(require), format!("{require}\n"));
}

#[test]
fn comments_stay_where_they_are() {
    let cases = [
        // Trailing comments stay at the end of their line, with one space before them.
        ("household {\n  a: int      // 一\n  b: text   // 二\n}", "household {\n  a: int // 一\n  b: text // 二\n}\n"),
        // A comment after `{` stays on the header line; one before `}` stays inside.
        ("param p: int { // 头\n  = 1\n  // 尾\n}", "param p: int { // 头\n  = 1\n  // 尾\n}\n"),
        // A comment inside what becomes one line goes to its end (not above it: that would
        // separate the declaration from its doc comment).
        ("/// 文档\nhousehold x = not   // 注\n  b", "/// 文档\nhousehold x = not b // 注\n"),
        ("household x = not // 一\n a // 二\nhousehold y = 1", "household x = not a // 一\n// 二\n\nhousehold y = 1\n"),
        // Comments between the parts of an enum or record keep it broken.
        (
            "enum SelfCare {\n  full // 全自理\n  semi, none\n}",
            "enum SelfCare {\n  full // 全自理\n  semi\n  none\n}\n",
        ),
        (
            "test \"t\" {\n  household { county_code: \"610802\", // 榆林\n annual_income: 0 }\n}",
            "test \"t\" {\n  household {\n    county_code: \"610802\" // 榆林\n    annual_income: 0\n  }\n}\n",
        ),
        // And between the operands of a chain.
        ("household x = a // 甲\n  and b", "household x =\n  a // 甲\n  and b\n"),
        ("household x = a +   // 注\n  b", "household x =\n  a // 注\n  + b\n"),
        // Header comments, doc comments and the comment at the end of the file.
        ("// 文件头\n\n/// 文档\nhousehold x = 1\n// 结尾\n", "// 文件头\n\n/// 文档\nhousehold x = 1\n// 结尾\n"),
        // A comment-only file.
        ("// 只有注释\n\n// 第二段\n", "// 只有注释\n\n// 第二段\n"),
    ];
    for (input, expected) in cases {
        assert_eq!(format_checked(input), expected, "for input:\n{input}");
    }
}

#[test]
fn formatting_a_file_that_does_not_parse_gives_its_errors() {
    let errors = format_source(SourceId(0), "household x = (").err().unwrap_or_default();
    assert_eq!(errors.len(), 1);
}

#[test]
fn empty_file() {
    assert_eq!(format(""), "");
    assert_eq!(format("\n\n  \n"), "");
    assert_eq!(print_file(&parse_ok("")), "");
}

#[test]
fn roles_and_tolerances_keep_their_layout() {
    let text = "household {\n  id: key\n  role   at  most 2 parent,child\n  role other // a third\n}\ntest \"t\" {\n  tolerance   0.01\n  household { id: \"h\" }\n  expect x = 1.5   ±  0.5\n}\n";
    assert_eq!(
        format_checked(text),
        "household {\n  id: key\n  role at most 2 parent, child, other // a third\n}\n\ntest \"t\" {\n  tolerance 0.01\n  household { id: \"h\" }\n  expect x = 1.5 ± 0.5\n}\n"
    );
}
