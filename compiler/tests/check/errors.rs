//! Snapshots of every kind of checker error: the input, then each diagnostic as rendered.

use super::{codes, errors, errors_of, errors_of_zh, errors_with_body};
use insta::assert_snapshot;
use pol_grammar::ast::{Expr, ExprKind, Ident, Path};

/// The declarations most tests use, as a second file.
const SCHEMA: &str = r#"
enum LaborCapacity { full, partial, none }
enum Status { none, full, gradual_exit }
household {
  household_id: key
  annual_income: 元/年
  on_dibao: bool = false
}
person {
  person_id: key
  household_id: household
  grade: int 0..4 = 0
  labor_capacity: LaborCapacity = full
  birth_date: date
}
param dibao_standard: 元/年 { = 4860 }
param topup.child: ratio { = 10% }
"#;

fn with_schema(pol: &str) -> String {
    errors_of(&[pol, SCHEMA], None)
}

// ---------------------------------------------------------------------------------- names

#[test]
fn unknown_name_suggests_the_nearest() {
    assert_snapshot!(with_schema("household monthly: 元/月 = dibao_standrd as 元/月"));
}

#[test]
fn unknown_name_lists_what_was_expected() {
    assert_snapshot!(with_schema("person needs_help: bool = has_capable_supporter"));
}

#[test]
fn unknown_dotted_parameter_and_county_attribute() {
    assert_snapshot!(with_schema(
        "jurisdictions {\n  county_code: key\n  deep_poverty: bool\n}\nhousehold r1: ratio = topup.chld\nhousehold r2: bool = county.deep_povrty"
    ));
}

#[test]
fn duplicate_rules_point_at_both() {
    assert_snapshot!(with_schema("household gap: int = 1\nhousehold gap: int = 2"));
}

#[test]
fn duplicate_across_files_says_so() {
    assert_snapshot!(errors_of(&["household gap: int = 1", "household gap: int = 2"], None));
}

#[test]
fn rule_named_like_a_column_of_its_entity() {
    assert_snapshot!(with_schema("household annual_income: 元/年 = 0"));
}

#[test]
fn bare_variant_without_an_enum_type() {
    assert_snapshot!(with_schema("household status = full"));
}

#[test]
fn unknown_variant_of_the_expected_enum() {
    assert_snapshot!(with_schema("person weak: bool = labor_capacity == LaborCapacity.partail"));
}

#[test]
fn members_outside_an_aggregate() {
    // The parser rejects this itself; the checker still guards the tree it is given.
    assert_snapshot!(errors_with_body("household n: int = count(members)", |body| {
        let ident = Ident { name: "members".into(), span: body.span };
        let path = Path { parts: vec![ident], span: body.span };
        Expr { kind: ExprKind::Path(path), span: body.span }
    }));
}

#[test]
fn unknown_function() {
    assert_snapshot!(with_schema("household m: 元/年 = mx(annual_income, dibao_standard)"));
}

#[test]
fn unknown_type() {
    assert_snapshot!(with_schema("household s: Statuss = none"));
}

// ---------------------------------------------------------------------------------- units

#[test]
fn money_of_two_periods_cannot_be_subtracted() {
    assert_snapshot!(with_schema(
        "household monthly: 元/月 = dibao_standard as 元/月\nhousehold gap = monthly - annual_income"
    ));
}

#[test]
fn declared_period_differs_from_the_body() {
    assert_snapshot!(with_schema("household monthly: 元/月 = dibao_standard"));
}

#[test]
fn comparing_money_of_two_periods() {
    assert_snapshot!(with_schema("household poor: bool = annual_income < 400 元/月"));
}

#[test]
fn a_lump_sum_has_no_period() {
    assert_snapshot!(with_schema("household grant: 元 = 1000 元\nhousehold monthly: 元/月 = grant as 元/月"));
}

// ---------------------------------------------------------------------------------- types

#[test]
fn condition_must_be_bool() {
    assert_snapshot!(with_schema("household x: int = if annual_income { 1 } else { 2 }"));
}

#[test]
fn branches_must_agree() {
    assert_snapshot!(with_schema("household x = if on_dibao { 100 元/月 } else { true }"));
}

#[test]
fn money_times_money() {
    assert_snapshot!(with_schema("household x = annual_income * dibao_standard"));
}

#[test]
fn int_plus_ratio_needs_a_conversion() {
    assert_snapshot!(with_schema("person x = grade + topup.child"));
}

#[test]
fn enums_are_not_ordered() {
    assert_snapshot!(with_schema(
        "person x: bool = labor_capacity < none\nperson y: bool = labor_capacity in full..partial"
    ));
}

#[test]
fn conversion_that_does_not_exist() {
    assert_snapshot!(with_schema("person x = grade as 元/月"));
}

#[test]
fn sum_of_bools_is_not_a_number() {
    assert_snapshot!(with_schema("household n = sum(members, grade > 0)"));
}

#[test]
fn negating_a_bool_and_not_a_number() {
    assert_snapshot!(with_schema("household x = -on_dibao\nhousehold y: bool = not annual_income"));
}

#[test]
fn min_needs_two_values() {
    assert_snapshot!(with_schema("household m = min(annual_income)"));
}

// ---------------------------------------------------------------------------------- literals

#[test]
fn money_literal_with_three_decimals() {
    assert_snapshot!(with_schema("household x: 元/月 = 387.505"));
}

#[test]
fn an_int_compared_with_a_decimal() {
    assert_snapshot!(with_schema("person x: bool = grade > 1.5"));
}

#[test]
fn literal_too_large() {
    assert_snapshot!(with_schema("household x: 元/月 = 999999999999999999"));
}

// ---------------------------------------------------------------------------------- match

#[test]
fn enum_match_without_every_variant() {
    assert_snapshot!(with_schema("person care: ratio = match labor_capacity { full => 10%, partial => 15% }"));
}

#[test]
fn int_match_without_the_values_below() {
    assert_snapshot!(with_schema("person band: int = match grade + 1 { 1..2 => 1, 5.. => 3 }"));
}

#[test]
fn arm_after_wildcard_is_never_used() {
    assert_snapshot!(with_schema("person band: int = match grade { _ => 0, 1 => 1 }"));
}

#[test]
fn pattern_of_the_wrong_type_and_empty_range() {
    assert_snapshot!(with_schema(
        "person a: int = match grade { full => 1, _ => 0 }\nperson b: int = match grade { 3..1 => 1, _ => 0 }"
    ));
}

// ---------------------------------------------------------------------------------- rules and params

#[test]
fn rules_in_a_cycle() {
    assert_snapshot!(with_schema("household a: int = b + 1\nhousehold b: int = c * 2\nhousehold c: int = a"));
}

#[test]
fn rule_using_itself_through_an_aggregate() {
    assert_snapshot!(with_schema("person weak: bool = count(members where weak) > 1"));
}

#[test]
fn parameters_following_each_other() {
    assert_snapshot!(errors("param a: int { = b }\nparam b: int { from 2019-01-01 = a }"));
}

#[test]
fn what_a_parameter_may_not_use() {
    assert_snapshot!(with_schema(
        "param p1: 元/年 { = annual_income }\nparam p2: bool { = count(members) > 0 }\nparam p3: date { = as_of }\nparam p4: 元/年 { = last_year(p4) }"
    ));
}

#[test]
fn duplicate_parameter_date() {
    assert_snapshot!(errors("param line: 元/年 {\n  from 2019-01-01 = 3100\n  from 2019-01-01 = 3218\n}"));
}

#[test]
fn expression_nested_too_deeply_is_reported_not_walked() {
    // 200 nested parentheses around `1`, built directly (the parser stops at 64 levels).
    assert_snapshot!(errors_with_body("household x: int = (1)", |body| {
        (0..200).fold(body, |inner, _| Expr { span: inner.span, kind: ExprKind::Paren(Box::new(inner)) })
    }));
}

// ---------------------------------------------------------------------------------- schema, outputs, report

#[test]
fn column_types_that_do_not_belong() {
    assert_snapshot!(errors(
        "household {\n  id: key\n  home: household\n}\nperson {\n  id: key\n  where_: county\n  city_code: city\n}"
    ));
}

#[test]
fn defaults_must_be_literals_and_keys_have_none() {
    assert_snapshot!(with_schema(
        "case {\n  case_id: key = \"c\"\n  household_id: household\n  amount: 元 = dibao_standard\n  urgent: bool = 1 > 0\n}"
    ));
}

#[test]
fn output_filter_must_be_bool_and_report_columns_must_fit() {
    assert_snapshot!(with_schema(
        "household n: int = count(members)\noutput results for household where n {\n  household_id\n  n\n  income = annual_income\n}\nreport for results {\n  count income\n  sum household_id, nn\n  budget n \"预算\" 100 元/年\n}"
    ));
}

#[test]
fn outputs_named_like_the_files_pol_run_writes_itself() {
    assert_snapshot!(with_schema(
        "output rejects for household { household_id }\noutput Report for person { person_id }\noutput reports for household { household_id }"
    ));
}

#[test]
fn report_over_a_person_table_or_no_table() {
    assert_snapshot!(with_schema("output people for person { person_id }\nreport for people { sum grade }"));
    assert_snapshot!(with_schema("output people for person { person_id }\nreport for peple { sum grade }"));
}

#[test]
fn jurisdictions_block_without_a_key() {
    assert_snapshot!(errors("jurisdictions {\n  code: text\n  city_code: city\n}"));
}

// ---------------------------------------------------------------------------------- every error, no cascade

#[test]
fn every_error_once_and_no_cascade() {
    let pol = "household a: 元/月 = dibao_standrd + 1\nhousehold b: bool = a > 0 and nope\nhousehold c: 元/月 = 1.555";
    assert_eq!(
        codes(&format!("{SCHEMA}\n{pol}")),
        vec!["pol::name::unknown", "pol::name::unknown", "pol::literal::precision"]
    );
    assert_snapshot!(with_schema(pol));
}

/// A cycle through 10,000 rules is one error, found and rendered in time linear in the rules
/// (finding it took seconds when each step searched the path walked so far).
#[test]
fn a_cycle_through_ten_thousand_rules_is_one_error() {
    let n_rules = 10_000;
    let mut pol = String::from("household {\n  household_id: key\n}\n");
    for index in 0..n_rules {
        pol.push_str(&format!("household r{index}: int = r{} + 1\n", (index + 1) % n_rules));
    }
    let started = std::time::Instant::now();
    let checked = super::check_files(&[&pol], None);
    let checking = started.elapsed();
    let codes: Vec<String> = match &checked.result {
        Ok(Err(diagnostics)) => diagnostics.iter().filter_map(pol_compiler::diagnostic::Diagnostic::code).collect(),
        Ok(Ok(_)) | Err(_) => Vec::new(),
    };
    assert_eq!(codes, vec!["pol::rule::cycle".to_string()]);
    let Ok(Err(diagnostics)) = checked.result else { return };
    let rendered = super::render_all(&checked.sources, diagnostics);
    eprintln!("a {n_rules}-rule cycle: checked in {checking:?}, rendered in {:?}", started.elapsed() - checking);
    assert!(rendered.contains("depends on itself: `r0` → `r1` → `r2`"), "{rendered}");
    assert!(rendered.contains("`r11` → … 9987 more … → `r9999` → `r0`"), "{rendered}");
    assert!(rendered.len() < 10_000, "{rendered}");
}

// ---------------------------------------------------------------------------- programs

/// Household money rules a program may add, and one that is not money per month.
const PROGRAM_RULES: &str = r#"
household dibao_monthly: 元/月 = dibao_standard as 元/月
household dibao_yearly: 元/年 = dibao_standard
household needs_visit: bool = on_dibao
person child_topup: 元/月 = 10.00
"#;

#[test]
fn a_program_adding_an_unknown_or_person_rule() {
    assert_snapshot!(errors_of(
        &["program dibao \"农村最低生活保障\" = dibao_monthly + dibao_montly + child_topup", PROGRAM_RULES, SCHEMA],
        None
    ));
}

#[test]
fn a_program_adding_money_per_year() {
    assert_snapshot!(errors_of(&["program dibao \"农村最低生活保障\" = dibao_yearly", PROGRAM_RULES, SCHEMA], None));
}

#[test]
fn a_program_id_declared_twice() {
    assert_snapshot!(errors_of(
        &["program dibao \"低保\" = dibao_monthly\nprogram dibao \"低保金\" = dibao_monthly", PROGRAM_RULES, SCHEMA],
        None
    ));
}

#[test]
fn a_visit_list_that_is_not_a_household_bool_rule_or_declared_twice() {
    assert_snapshot!(errors_of(
        &["visit = dibao_monthly\nvisit = needs_visit\nvisit = needs_vist", PROGRAM_RULES, SCHEMA],
        None
    ));
}

// ------------------------------------------------------------------------------ dated rules

/// Every version of a dated rule has the rule's declared type; two versions may not share a
/// date (as a parameter's values may not).
#[test]
fn dated_rule_versions_have_the_declared_type_and_distinct_dates() {
    assert_snapshot!(with_schema(
        "household topup: 元/月 {\n  from 2019-01-01 = dibao_standard as 元/月\n  from 2021-01-01 = topup.child\n  from 2021-01-01 = none\n}"
    ));
}

/// `none` after `=` is the end of a rule; the enum variant named `none` is written qualified.
#[test]
fn dated_rule_none_is_the_end_and_a_variant_is_qualified() {
    assert_snapshot!(with_schema(
        "household status: Status {\n  from 2019-01-01 = Status.none\n  from 2020-01-01 = if on_dibao { full } else { none }\n  from 2023-01-01 = none\n}"
    ));
}

// ------------------------------------------------------------------ policies without jurisdictions

#[test]
fn local_levels_in_a_policy_without_jurisdictions() {
    assert_snapshot!(errors_of(
        &[r#"
household {
  household_id: key
  rent: 元/月 = 0
}
person {
  person_id: key
  household_id: household
}
param basic: 元/月 {
  set by city, county
  = 600
}
household benefit: 元/月 = basic + rent
output household_results for household { household_id, benefit }
report for household_results {
  by county, city, province
  sum benefit
}
"#],
        None
    ));
}

// ----------------------------------------------------------------------------------- currency

#[test]
fn money_in_another_currency_than_the_policys() {
    assert_snapshot!(errors_of(
        &["param basic: EUR/月 { = 600 }\nhousehold benefit: 元/月 = 600 EUR/月", "household { household_id: key }"],
        None
    ));
}

#[test]
fn a_declared_currency_holds_every_unit() {
    assert_snapshot!(errors_of(
        &[
            "currency EUR\n\nparam basic: EUR/月 { = 600 }\nhousehold benefit: EUR/月 = basic + 100 元/月\nhousehold rent: 元/年 = 0",
            "household { household_id: key }"
        ],
        None
    ));
}

#[test]
fn a_currency_declared_twice() {
    assert_snapshot!(errors_of(&["currency EUR\ncurrency USD\nhousehold { household_id: key }"], None));
}

#[test]
fn a_precision_that_is_not_a_fraction_of_the_cent() {
    let pol = "currency EUR precision 0.05\nhousehold { household_id: key }";
    assert_snapshot!(format!("{}\n{}", errors_of(&[pol], None), errors_of_zh(&[pol], None)));
}

// ------------------------------------------------------------------------------------- scales

#[test]
fn province_and_last_year_of_a_scale_are_for_requires_only() {
    let pol = "param bands: scale(int, 元/月) {\n  = [80: 50]\n}\nparam floor: 元/月 {\n  = bracket(province(bands), 80)\n}\n";
    assert_eq!(codes(pol), ["pol::scope::not_allowed"]);
    assert_snapshot!(errors(pol));
}

/// A scale of rates over yearly income and one of amounts over ages, for the scale tests.
const SCALES: &str = r#"
param tax: scale(元/年, ratio) {
  from 2019-01-01 = [0: 3%, 12000: 10%]
}
param bands: scale(int, 元/月) {
  = [80: 100, 90: 200]
}
"#;

#[test]
fn scale_thresholds_must_increase() {
    assert_snapshot!(errors_of(
        &[
            "param tax: scale(元/年, ratio) {\n  from 2019-01-01 = [0: 3%, 12000: 10%, 12000: 20%]\n  from 2020-01-01 = [5000: 3%, 100: 10%]\n}",
            SCHEMA
        ],
        None
    ));
}

#[test]
fn scale_brackets_are_all_rates_or_all_amounts() {
    assert_snapshot!(errors_of(
        &[
            "param tax: scale(元/年, ratio) { = [0: 3%, 12000: 500 元/年] }\nparam bands: scale(int, 元/月) { = [80: 100, 90: 15%] }",
            SCHEMA
        ],
        None
    ));
}

#[test]
fn scale_thresholds_and_values_carry_their_units() {
    assert_snapshot!(errors_of(
        &[
            "param tax: scale(元/年, ratio) { = [0: 3%, 1000 元/月: 10%] }\nparam bands: scale(date, 元/月) { = [80: 100] }\nparam empty: scale(int, 元/月) { = [] }\nparam plain: scale(int, 元/月) { = 100 }",
            SCHEMA
        ],
        None
    ));
}

#[test]
fn a_scale_where_a_number_is_expected() {
    assert_snapshot!(errors_of(
        &[
            "household t: 元/年 = tax\nhousehold b: 元/年 = annual_income * bands\nhousehold x: 元/年 = marginal(dibao_standard, annual_income)",
            SCALES,
            SCHEMA
        ],
        None
    ));
}

#[test]
fn marginal_needs_rates_over_money_and_the_thresholds_unit() {
    let pols = [
        "person m: 元/月 = marginal(bands, grade)\nhousehold t: 元/年 = marginal(tax, annual_income as 元/月)\nhousehold n: ratio = bracket(tax)\nparam by_grade: scale(int, ratio) { = [1: 5%] }\nperson g: int = marginal(by_grade, grade)",
        SCALES,
        SCHEMA,
    ];
    assert_snapshot!(errors_of(&pols, None));
    assert_snapshot!("marginal_needs_rates_over_money_and_the_thresholds_unit_zh", super::errors_of_zh(&pols, None));
}

#[test]
fn a_scale_set_by_a_city_with_a_require_checks_but_is_no_rule_type() {
    assert_snapshot!(errors_of(
        &[
            "jurisdictions { county_code: key, city_code: city }\nparam tax: scale(元/年, ratio) {\n  set by city\n  = [0: 3%]\n  require 1 > 0\n}\nhousehold r: scale(元/年, ratio) = 0",
            SCHEMA
        ],
        None
    ));
}

#[test]
fn a_euro_amount_with_three_decimals() {
    assert_snapshot!(errors_of(
        &["currency EUR\nparam basic: EUR/月 { = 600.125 }", "household { household_id: key }"],
        None
    ));
}
