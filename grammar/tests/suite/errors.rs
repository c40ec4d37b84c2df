//! A snapshot of every parse error kind, rendered as `pol check --error-format plain` shows it
//! (miette's graphical handler, unicode without colour, 80 columns), with the input.

use super::common::{parse_err, render};

/// Parses `input`, which must fail, and snapshots the input with every rendered error.
fn check(name: &str, input: &str) {
    let errors = parse_err(input);
    for error in &errors {
        // In Chinese, no English word is left outside backticks (see `pol_compiler::i18n`).
        let left = pol_compiler::i18n::english_left_in_chinese(error, pol_compiler::i18n::ALLOWED_ENGLISH);
        let help = miette::Diagnostic::help(error).map(|help| help.to_string());
        let labels: Vec<String> = miette::Diagnostic::labels(error)
            .into_iter()
            .flatten()
            .filter_map(|label| label.label().map(str::to_string))
            .collect();
        assert!(left.is_empty(), "{name}: English left in Chinese: {left:?}\n{error}\n{help:?}\n{labels:?}");
    }
    let rendered: Vec<String> = errors.iter().map(|error| render("policy.pol", input, error)).collect();
    insta::assert_snapshot!(name, format!("{input}\n-----\n{}", rendered.join("\n")));
}

#[test]
fn expression_missing_at_end_of_file() {
    check("expression_missing_at_end_of_file", "household gap: 元/月 = monthly_standard *\n");
}

#[test]
fn expression_missing_before_next_declaration() {
    check("expression_missing_before_next_declaration", "household a: int = 1 +\n\nhousehold b: int = 2\n");
}

#[test]
fn operator_dangling_before_a_comment_and_the_next_declaration() {
    check(
        "operator_dangling_before_a_comment_and_the_next_declaration",
        "household a: int = 1 and // 还没写完\n\n// 下一条\nhousehold b: int = 2\n",
    );
}

#[test]
fn block_not_closed() {
    check("block_not_closed", "household {\n  household_id: key\n  village: text\n");
}

#[test]
fn two_values_without_operator() {
    check("two_values_without_operator", "household x: int = a b\n");
}

#[test]
fn unknown_set_by_level() {
    check("unknown_set_by_level", "param dibao_standard: 元/年 {\n  set by town\n  = 4860\n}\n");
}

#[test]
fn bad_column_type() {
    check("bad_column_type", "person {\n  birth_date: 2019\n}\n");
}

#[test]
fn bad_match_arm() {
    check("bad_match_arm", "person band: int = match age {\n  70..79 -> 1\n  _ => 0\n}\n");
}

#[test]
fn unterminated_string() {
    check("unterminated_string", "person {\n  name: text = \"张三\n  age: int\n}\n");
}

#[test]
fn bad_escape() {
    check("bad_escape", "household note: text = \"路径 C:\\dibao\"\n");
}

#[test]
fn date_not_a_real_day() {
    check("date_not_a_real_day", "param poverty_line: 元/年 {\n  from 2019-02-30 = 3218\n}\n");
}

#[test]
fn date_month_out_of_range() {
    check("date_month_out_of_range", "test \"t\" {\n  as_of 2019-13-01\n}\n");
}

#[test]
fn date_without_leading_zeros() {
    check("date_without_leading_zeros", "test \"t\" {\n  as_of 2019-7-1\n}\n");
}

#[test]
fn date_expected() {
    check("date_expected", "param poverty_line: 元/年 {\n  from 2019 = 3218\n}\n");
}

#[test]
fn money_with_three_decimals() {
    check("money_with_three_decimals", "household x: 元/月 = 1.234 元/月\n");
}

#[test]
fn ratio_with_ten_decimals() {
    check("ratio_with_ten_decimals", "household r: ratio = 0.1234567891\n");
}

#[test]
fn number_too_large() {
    check("number_too_large", "household n: int = 12345678901234567890123\n");
}

#[test]
fn keyword_as_rule_name() {
    check("keyword_as_rule_name", "household match: int = 1\n");
}

#[test]
fn keyword_as_column_name() {
    check("keyword_as_column_name", "person {\n  key: text\n}\n");
}

#[test]
fn keyword_as_enum_variant() {
    check("keyword_as_enum_variant", "enum Answer { yes, no, true }\n");
}

#[test]
fn nesting_too_deep() {
    let input = format!("household x: int = {}1{}\n", "(".repeat(70), ")".repeat(70));
    check("nesting_too_deep", &input);
}

#[test]
fn operator_chain_too_deep() {
    let line = format!("  {}\n", "+ 1 ".repeat(10).trim_end());
    let input = format!("household x: int =\n  1\n{}", line.repeat(7));
    check("operator_chain_too_deep", &input);
}

#[test]
fn unknown_unit() {
    check("unknown_unit", "household weekly: 元/周 = 100 元/周\n");
}

#[test]
fn unknown_unit_typo() {
    check("unknown_unit_typo", "household monthly = 100 yuan/mnth\n");
}

#[test]
fn division_written_as_unit() {
    check("division_written_as_unit", "household share = 100元/n\n");
}

#[test]
fn empty_enum() {
    check("empty_enum", "/// 状态\nenum Status {}\n");
}

#[test]
fn count_with_value() {
    check("count_with_value", "household n: int = count(members where adult, age)\n");
}

#[test]
fn sum_without_value() {
    check("sum_without_value", "household total: 元/月 = sum(members where covered)\n");
}

#[test]
fn unknown_aggregate() {
    check("unknown_aggregate", "household mean: int = avg(members, age)\n");
}

#[test]
fn as_of_given_twice() {
    check("as_of_given_twice", "test \"t\" {\n  as_of 2019-07-01\n  as_of 2019-08-01\n}\n");
}

#[test]
fn error_on_a_chinese_line() {
    check("error_on_a_chinese_line", "/// 低保金\nhousehold 低保金: 元/月 = 月标准 × 人数\n");
}

#[test]
fn several_errors_in_one_file() {
    check(
        "several_errors_in_one_file",
        "household a: int = 1 +\nhousehold b: int = 2\nenum E {}\nperson c: 元 = 1.005 元\n",
    );
}

/// Dated versions need the rule's type written: `household x { from … }` is not a rule.
#[test]
fn dated_rule_without_a_type() {
    check("dated_rule_without_a_type", "household bonus {\n  from 2019-01-01 = 50 元/月\n}\n");
}
