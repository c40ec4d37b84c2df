//! Versions in force, lazy parameters, the all-dates check, and both engines on dated programs.

use super::*;
use crate::diagnostic::{SourceKind, Sources, render_plain};
use crate::engine::{BatchResult, Engine};
use crate::interp::Interpreter;
use crate::jit::JitEngine;
use crate::policy::{Policy, compile};
use crate::tir::{ExprKind, Ty};
use pol_grammar::SourceId;

const CHILD_ALLOWANCE: &str = include_str!("../../../tests/policies/child_allowance/allowance.pol");
const JURISDICTIONS: &str = include_str!("../../../tests/policies/child_allowance/jurisdictions.csv");
const CITY_FILE: &str = include_str!("../../../tests/policies/child_allowance/params/990100.toml");

fn day(text: &str) -> Word {
    date::parse_iso(text).unwrap_or_else(|| panic!("not a date: {text}"))
}

/// The policy of `pol` text with the child-allowance jurisdictions and city file, and its
/// sources; panics with the rendered diagnostics when it does not compile.
fn policy_of(pol: &str) -> (Sources, Policy) {
    let mut sources = Sources::default();
    sources.add("policy.pol", pol, SourceKind::Pol);
    sources.add("jurisdictions.csv", JURISDICTIONS, SourceKind::Jurisdictions);
    sources.add("params/990100.toml", CITY_FILE, SourceKind::Params);
    match compile(&sources) {
        Ok(policy) => (sources, policy),
        Err(errors) => {
            let rendered: Vec<String> = errors.into_iter().map(|error| render_plain(&sources, error)).collect();
            panic!("the policy does not compile:\n{}", rendered.join("\n"))
        }
    }
}

/// Each diagnostic's code, message and labels, one line each (not wrapped, unlike a rendering).
fn rendered(_sources: &Sources, errors: Vec<Diagnostic>) -> String {
    let mut lines = Vec::new();
    for error in errors {
        lines.push(format!("{}: {}", error.code().unwrap_or_default(), error.error));
        let labels: Vec<String> = error
            .error
            .labels()
            .map(|labels| labels.filter_map(|label| label.label().map(str::to_string)).collect())
            .unwrap_or_default();
        lines.extend(labels.into_iter().map(|label| format!("  label: {label}")));
    }
    lines.join("\n")
}

fn rule<'p>(program: &'p Program, name: &str) -> &'p Rule {
    program.rules.iter().find(|rule| rule.name == name).unwrap_or_else(|| panic!("no rule {name}"))
}

fn param<'p>(program: &'p Program, name: &str) -> &'p ParamDef {
    program.params.iter().find(|param| param.name == name).unwrap_or_else(|| panic!("no parameter {name}"))
}

#[test]
fn a_rule_is_in_force_from_its_first_version_until_a_none() {
    let (_, policy) = policy_of(CHILD_ALLOWANCE);
    let bonus = rule(&policy.program, "bonus");
    assert_eq!(bonus.versions.len(), 2);
    assert!(matches!(rule_in_force(bonus, day("2018-12-31")), Err(NotInForce::NotYet(_))));
    let first = rule_in_force(bonus, day("2019-01-01")).map(|body| body.span);
    assert_eq!(first.ok(), bonus.versions.first().and_then(|version| version.body.as_ref()).map(|body| body.span));
    assert!(rule_in_force(bonus, day("2022-12-31")).is_ok());
    let ended = bonus.versions.get(1).map(|version| version.span);
    assert_eq!(rule_in_force(bonus, day("2023-01-01")).err(), ended.map(NotInForce::Ended));
    // An undated rule is in force on every date.
    let allowance = rule(&policy.program, "allowance");
    assert!(allowance.versions.is_empty());
    assert!(rule_in_force(allowance, day("1900-01-01")).is_ok());
}

#[test]
fn a_parameter_ends_with_none_and_may_come_back() {
    let pol = CHILD_ALLOWANCE.replace(
        "  from 2023-01-01 = none\n}\n\n/// Full years",
        "  from 2023-01-01 = none\n  from 2025-01-01 = 60\n}\n\n/// Full years",
    );
    let (_, policy) = policy_of(&pol);
    let bonus = param(&policy.program, "no_income_bonus");
    assert!(matches!(param_in_force(bonus, Some(day("2018-06-01"))), Err(NotInForce::NotYet(_))));
    assert!(matches!(param_in_force(bonus, None), Err(NotInForce::NotYet(_))));
    assert_eq!(param_in_force(bonus, Some(day("2022-12-31"))).map(|(index, _)| index).ok(), Some(0));
    assert!(matches!(param_in_force(bonus, Some(day("2024-06-30"))), Err(NotInForce::Ended(_))));
    assert_eq!(param_in_force(bonus, Some(day("2025-01-01"))).map(|(index, _)| index).ok(), Some(1));
    let undated = param(&policy.program, "child_allowance");
    assert!(param_in_force(undated, Some(day("2021-01-01"))).is_ok());
    assert_eq!(boundaries(&policy.program), ["2019-01-01", "2021-01-01", "2023-01-01", "2025-01-01"].map(day).to_vec());
    // Only rules' versions change the program; 2025 is a parameter's date alone.
    assert_eq!(version_days(&policy.program), ["2019-01-01", "2021-01-01", "2023-01-01"].map(day).to_vec());
    // A value the province no longer has is no value for a county either, and no error in the
    // county table: nothing in force reads it.
    let id = ParamId(policy.program.params.iter().position(|def| def.name == "no_income_bonus").unwrap_or(0) as u32);
    let value = policy.params.value(&policy.program, &policy.jurisdictions, id, "990101", day("2024-01-01"));
    assert_eq!(value.ok(), Some(None));
    assert!(policy.county_table(day("2024-01-01")).is_ok());
}

#[test]
fn the_program_on_a_day_has_each_rules_version_and_no_versions() {
    let (_, policy) = policy_of(CHILD_ALLOWANCE);
    let on_2023 = policy.program.on(day("2023-07-01"));
    let Ok(on_2023) = on_2023 else { panic!("the program in force on 2023-07-01") };
    assert!(on_2023.rules.iter().all(|rule| rule.versions.is_empty()));
    // `total_monthly` is `allowance` from 2023; `bonus` is not in force: the zero word.
    let total = rule(&on_2023, "total_monthly");
    let allowance = policy.program.rules.iter().position(|rule| rule.name == "allowance");
    assert_eq!(total.body.kind, ExprKind::Rule(RuleId(allowance.unwrap_or(0) as u32)));
    let bonus = rule(&on_2023, "bonus");
    assert_eq!(
        (bonus.body.kind.clone(), bonus.body.ty),
        (ExprKind::Const(0), Ty::Money(pol_grammar::ast::Period::Month))
    );
    // Everything else is the same program.
    assert_eq!(on_2023.order, policy.program.order);
    assert_eq!(on_2023.outputs, policy.program.outputs);
}

#[test]
fn something_in_force_reading_something_not_in_force_is_an_error_on_that_day() {
    let pol = CHILD_ALLOWANCE.replace(
        "household total_monthly: 元/月 {\n  from 2019-01-01 = allowance + bonus\n  from 2023-01-01 = allowance\n}",
        "household total_monthly: 元/月 = allowance + bonus",
    );
    let (sources, policy) = policy_of(&pol);
    assert!(policy.program.on(day("2022-12-31")).is_ok());
    let errors = policy.program.on(day("2023-01-01")).err().unwrap_or_default();
    assert_eq!(errors.len(), 1);
    let text = rendered(&sources, errors);
    assert!(text.contains("`bonus` is not in force on `2023-01-01`, but `total_monthly` reads it"), "{text}");
    assert!(text.contains("`bonus` is not in force from this date on"), "{text}");
    // The same read, once, for every date it happens.
    let all = rendered(&sources, check_all_dates(&policy.program));
    assert!(all.contains("`bonus` is not in force on `2023-01-01..`, but `total_monthly` reads it"), "{all}");
    assert_eq!(all.matches("pol::dated::not_in_force").count(), 1, "{all}");
}

#[test]
fn the_all_dates_check_names_closed_and_open_ranges() {
    // The bonus comes back in 2025, and the undated total reads it: not in force 2023–2024.
    let pol = CHILD_ALLOWANCE
        .replace(
            "household total_monthly: 元/月 {\n  from 2019-01-01 = allowance + bonus\n  from 2023-01-01 = allowance\n}",
            "household total_monthly: 元/月 = allowance + bonus",
        )
        .replace(
            "  from 2023-01-01 = none\n}\n\n/// Full years",
            "  from 2023-01-01 = none\n  from 2025-01-01 = 60\n}\n\n/// Full years",
        )
        .replace(
            "  from 2023-01-01 = none\n}\n\n/// What",
            "  from 2023-01-01 = none\n  from 2025-01-01 = no_income_bonus\n}\n\n/// What",
        );
    let (sources, policy) = policy_of(&pol);
    let all = rendered(&sources, check_all_dates(&policy.program));
    assert!(all.contains("on `2023-01-01..2024-12-31`, but `total_monthly` reads it"), "{all}");
    assert_eq!(all.matches("pol::dated::not_in_force").count(), 1, "{all}");
    assert!(policy.program.on(day("2025-03-01")).is_ok());
}

#[test]
fn a_test_may_not_expect_a_rule_not_in_force() {
    let (sources, policy) = policy_of(CHILD_ALLOWANCE);
    let Some(test) = policy.program.tests.iter().find(|test| test.name.starts_with("2022")) else {
        panic!("no 2022 test")
    };
    assert!(check_test(&policy.program, test, day("2022-12-31")).is_empty());
    let text = rendered(&sources, check_test(&policy.program, test, day("2023-02-01")));
    assert!(text.contains("`bonus` is not in force on `2023-02-01`, but `2022: income, no bonus` reads it"), "{text}");
}

#[test]
fn engines_refuse_a_program_whose_versions_are_not_chosen() {
    let (_, policy) = policy_of(CHILD_ALLOWANCE);
    assert!(JitEngine::compile(&policy.program).is_err());
    let Some(test) = policy.program.tests.first() else { panic!("no test") };
    let batch = crate::testing::test_batch(&policy.program, test).unwrap_or_else(|error| panic!("{error}"));
    let counties = policy.county_table(day("2020-07-01")).unwrap_or_else(|error| panic!("{}", error.error));
    let result = Interpreter::new(&policy.program).evaluate(&batch, &counties);
    assert!(result.outcomes.iter().all(|outcome| matches!(outcome, crate::engine::Outcome::Error(_))));
}

/// Both engines give the same words and outcomes for every test household, on dates in every
/// stretch of versions (and the program's own tests pass on both).
#[test]
fn interpreter_and_jit_agree_on_dated_rules_on_every_date() {
    let (_, policy) = policy_of(CHILD_ALLOWANCE);
    let days = ["2019-01-01", "2020-12-31", "2021-01-01", "2022-06-15", "2022-12-31", "2023-01-01", "2030-02-28"];
    for text in days {
        let (dated, counties) = policy.on(day(text)).unwrap_or_else(|errors| panic!("{text}: {} errors", errors.len()));
        let interp = Interpreter::new(&dated.program);
        let jit = JitEngine::compile(&dated.program).unwrap_or_else(|error| panic!("{text}: {error}"));
        for test in &dated.program.tests {
            let batch = crate::testing::test_batch(&dated.program, test).unwrap_or_else(|error| panic!("{error}"));
            let expected = interp.evaluate(&batch, &counties);
            let mut compiled = BatchResult::default();
            jit.evaluate_into(&batch, &counties, &mut compiled);
            assert_eq!(compiled, expected, "{text}, test {:?}", test.name);
        }
    }
    for test in &policy.program.tests {
        let as_of = test.as_of.unwrap_or(0);
        let (dated, counties) = policy.on(as_of).unwrap_or_else(|errors| panic!("{} errors", errors.len()));
        let jit = JitEngine::compile(&dated.program).unwrap_or_else(|error| panic!("{error}"));
        for engine in [&Interpreter::new(&dated.program) as &dyn Engine, &jit] {
            let failures = crate::testing::run_test(&dated.program, test, &counties, engine);
            assert!(failures.is_empty(), "{} on {}: {failures:?}", test.name, engine.name());
        }
    }
    // Before the first version nothing is in force that the rules could read.
    assert!(policy.on(day("2018-12-31")).is_err());
}

#[test]
fn a_local_value_on_a_day_not_in_force_is_an_error() {
    let mut sources = Sources::default();
    sources.add("policy.pol", CHILD_ALLOWANCE, SourceKind::Pol);
    sources.add("jurisdictions.csv", JURISDICTIONS, SourceKind::Jurisdictions);
    let file = "jurisdiction = \"990100\"\n\n[2018-06-01]\nchild_allowance = 90\n";
    let id = sources.add("params/990100.toml", file, SourceKind::Params);
    let errors = compile(&sources).err().unwrap_or_default();
    assert_eq!(errors.first().map(|error| error.source), Some(Some(id)));
    let text = rendered(&sources, errors);
    assert!(text.contains("pol::dated::local_value_not_in_force"), "{text}");
    assert!(text.contains("`child_allowance` is not in force on `2018-06-01`"), "{text}");
    assert_eq!(SourceId(2), id);
}

/// When the `none` version is in another file than the read, it is a related place of the
/// diagnostic: a second snippet, of its own file, labelled; in English and in Chinese.
#[test]
fn an_end_in_another_file_is_a_related_place() {
    let params_start = CHILD_ALLOWANCE.find("/// The monthly allowance per child.").unwrap_or(0);
    let rules_start = CHILD_ALLOWANCE.find("/// Full years on the as-of date.").unwrap_or(0);
    let params = CHILD_ALLOWANCE.get(params_start..rules_start).unwrap_or("");
    let rest = format!(
        "{}{}\n/// Twice the bonus.\nhousehold double_bonus: 元/月 = no_income_bonus * 2\n",
        CHILD_ALLOWANCE.get(..params_start).unwrap_or(""),
        CHILD_ALLOWANCE.get(rules_start..).unwrap_or("")
    );
    let mut sources = Sources::default();
    let params_id = sources.add("params.pol", params, SourceKind::Pol);
    let rules_id = sources.add("rules.pol", rest, SourceKind::Pol);
    sources.add("jurisdictions.csv", JURISDICTIONS, SourceKind::Jurisdictions);
    let policy = compile(&sources).unwrap_or_else(|errors| panic!("{}", rendered(&sources, errors)));
    let errors = check_all_dates(&policy.program);
    assert_eq!(errors.len(), 1);
    for error in &errors {
        let left = crate::i18n::english_left_in_chinese_diagnostic(error, crate::i18n::ALLOWED_ENGLISH);
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(error.source, Some(rules_id));
        let related: Vec<(SourceId, &str)> =
            error.related.iter().map(|related| (related.span.source, related.label.as_str())).collect();
        assert_eq!(related, [(params_id, "`no_income_bonus` is not in force from this date on")]);
        // The read is the one label in the read's file: the end is not a label of that snippet.
        assert_eq!(error.error.labels().map(Iterator::count), Some(1));
    }
    let english: Vec<String> = errors.into_iter().map(|error| render_plain(&sources, error)).collect();
    let chinese: Vec<String> = check_all_dates(&policy.program)
        .into_iter()
        .map(|error| render_plain(&sources, crate::i18n::localize_diagnostic(crate::i18n::Lang::Zh, error)))
        .collect();
    insta::assert_snapshot!(format!("{}\n{}", english.join("\n"), chinese.join("\n")));
}

/// A policy whose parameters start on different days (as OpenFisca's country template's do):
/// `age_years` reads nothing dated, `taxed` a rate that starts in 2012, and the output shows
/// both. A test of `age_years` in 1990 computes only what it needs; `pol check` starts on the
/// first day the output can be written.
const STAGGERED: &str = "currency EUR
household {
  household_id: key
}
person {
  person_id: key
  household_id: household
  birth: date = 1970-01-01
  salary: EUR/月 = 0
}
param age_limit: int {
  from 1945-01-01 = 21
}
param rate: ratio {
  from 2012-01-01 = 15%
}
person age_years: int = age(birth)
person adult: bool = age_years >= age_limit
person taxed: EUR/月 = salary * rate
output person_results for person {
  person_id
  adult
  taxed
}
test \"1990\" {
  as_of 1990-01-01
  person { birth: 1960-06-01 }
  expect person 1 age_years = 29
  expect person 1 adult = true
}
";

#[test]
fn a_test_computes_what_it_needs_and_the_check_starts_when_the_outputs_can_be_written() {
    let mut sources = Sources::default();
    sources.add("policy.pol", STAGGERED, SourceKind::Pol);
    let policy = compile(&sources).unwrap_or_else(|errors| panic!("{}", rendered(&sources, errors)));
    // The whole program is not in force in 1990 (`taxed` reads `rate`); what the test needs is.
    let Err(errors) = policy.program.on(day("1990-01-01")) else { panic!("`rate` starts in 2012") };
    assert!(rendered(&sources, errors).contains("`rate` is not in force on `1990-01-01`, but `taxed` reads it"));
    let Some(test) = policy.program.tests.first() else { panic!("no test") };
    let roots = test_roots(test);
    let needed = policy.program.on_reading(day("1990-01-01"), &roots);
    let Ok(needed) = needed else { panic!("what the test needs is in force") };
    // `taxed` is not needed: the zero word; `adult` keeps its definition.
    assert_eq!(rule(&needed, "taxed").body.kind, ExprKind::Const(0));
    assert_eq!(rule(&needed, "adult").body, rule(&policy.program, "adult").body);
    let table = policy.county_table(day("1990-01-01")).unwrap_or_else(|error| panic!("{}", error.error));
    let jit = JitEngine::compile(&needed).unwrap_or_else(|error| panic!("{error}"));
    for engine in [&Interpreter::new(&needed) as &dyn Engine, &jit] {
        let failures = crate::testing::run_test(&needed, test, &table, engine);
        assert!(failures.is_empty(), "{}: {failures:?}", engine.name());
    }
    // A test that expects `taxed` in 1990 still reads `rate`, which is not in force.
    let taxed = policy.program.rules.iter().position(|rule| rule.name == "taxed").unwrap_or(0);
    let errors = policy.program.on_reading(day("1990-01-01"), &[RuleId(taxed as u32)]).err().unwrap_or_default();
    assert_eq!(errors.len(), 1);
    // The output can be written from 2012 on: nothing before is checked, and nothing is wrong.
    assert!(check_all_dates(&policy.program).is_empty());
    // An end after that day is still reported.
    let ended = STAGGERED.replace("  from 2012-01-01 = 15%\n", "  from 2012-01-01 = 15%\n  from 2020-01-01 = none\n");
    let mut sources = Sources::default();
    sources.add("policy.pol", ended.as_str(), SourceKind::Pol);
    let policy = compile(&sources).unwrap_or_else(|errors| panic!("{}", rendered(&sources, errors)));
    let all = rendered(&sources, check_all_dates(&policy.program));
    assert!(all.contains("`rate` is not in force on `2020-01-01..`, but `taxed` reads it"), "{all}");
}
