//! Reforms and parameter-only scenarios through `policy::compile`: what they change (checked on
//! the merged program's tests, on both engines), and a snapshot of every diagnostic only they
//! can produce, each also rendered in Chinese.

use insta::assert_snapshot;
use pol_compiler::diagnostic::{SourceKind, Sources, render_plain};
use pol_compiler::engine::Engine;
use pol_compiler::i18n::{Lang, localize_diagnostic};
use pol_compiler::interp::Interpreter;
use pol_compiler::jit::JitEngine;
use pol_compiler::policy::{self, Policy};
use pol_compiler::testing::run_test;
use pol_compiler::tir::Word;

/// A small base policy: two counties of two cities, a standard and a ratio, rules that read
/// each other, an output and a test (which a reform drops).
const BASE: &str = r#"
jurisdictions {
  county_code: key
  city_code: city
  sets_own_parameters: bool
}
household {
  household_id: key
  county_code: county
  income: 元/月 = 0
}
person {
  person_id: key
  household_id: household
  age: int 0..120 = 40
}
param standard: 元/月 {
  set by city, county
  = 400
  require standard >= 300 "不低于300元"
}
param topup.child: ratio {
  set by city, county
  = 10%
  require topup.child <= 100% "不高于100%"
}
person child: bool = age < 18
person topup: 元/月 = if child { standard * topup.child } else { 0 }
household gap: 元/月 = standard * count(members) - income
household benefit: 元/月 = max(gap, 0) + sum(members, topup)
/// 未被引用的规则
household spare: int = count(members)
output results for household {
  household_id
  benefit
}
test "基准" {
  household { county_code: "610102" }
  person {}
  expect benefit = 400.00
}
"#;

const CSV: &str = "county_code,city_code,sets_own_parameters
610102,610100,false
610702,610700,false
610881,610800,true
";

const CITY_FILE: &str = "jurisdiction = \"610700\"\n\n[2019-01-01]\nstandard = 350\n";

/// The sources of a reform of [`BASE`]: base files named `base/…`, then the reform's.
fn sources(reform: &[&str], reform_params: &[&str], scenario: Option<&str>) -> Sources {
    let mut sources = Sources::default();
    sources.add("base/policy.pol", BASE, SourceKind::Pol);
    sources.add("base/jurisdictions.csv", CSV, SourceKind::Jurisdictions);
    sources.add("base/params/610700.toml", CITY_FILE, SourceKind::Params);
    for (index, text) in reform.iter().enumerate() {
        sources.add(format!("reform{}.pol", index + 1), *text, SourceKind::ReformPol);
    }
    for (index, text) in reform_params.iter().enumerate() {
        sources.add(format!("params/{}.toml", index + 1), *text, SourceKind::ReformParams);
    }
    if let Some(text) = scenario {
        sources.add("scenario.toml", text, SourceKind::Scenario);
    }
    sources
}

/// Compiles the sources; the policy, or the diagnostics rendered (each also in Chinese).
fn compile(sources: &Sources) -> Result<Policy, String> {
    policy::compile(sources).map_err(|diagnostics| {
        let mut out = format!("{} error(s)\n", diagnostics.len());
        for diagnostic in diagnostics {
            crate::chinese::assert_chinese(&diagnostic);
            out.push_str(&render_plain(sources, diagnostic));
        }
        out
    })
}

/// The snapshot of sources that must fail: the reform's inputs, then the diagnostics.
fn errors(sources: &Sources) -> String {
    let mut out = String::new();
    for file in sources.files.iter().filter(|file| !file.name.starts_with("base/")) {
        out.push_str(&format!("── {} ──\n{}\n", file.name, file.text.trim_end()));
    }
    out.push_str("── diagnostics ──\n");
    match compile(sources) {
        Ok(_) => out.push_str("NO ERROR\n"),
        Err(text) => out.push_str(&text),
    }
    out
}

/// Runs every test of the policy on both engines; the names of the tests, each checked to pass.
fn run_tests(policy: &Policy, as_of: Word) -> Vec<String> {
    let counties = policy.county_table(as_of).expect("parameters resolve");
    let interp = Interpreter::new(&policy.program);
    let jit = JitEngine::compile(&policy.program).expect("the JIT compiles the program");
    let engines: [&dyn Engine; 2] = [&interp, &jit];
    let mut names = Vec::new();
    for test in &policy.program.tests {
        for engine in engines {
            let failures = run_test(&policy.program, test, &counties, engine);
            assert!(failures.is_empty(), "test {} failed: {failures:?}", test.name);
        }
        names.push(test.name.clone());
    }
    names
}

fn day(text: &str) -> Word {
    pol_compiler::date::parse_iso(text).expect("a date")
}

// ------------------------------------------------------------------------------ what works

#[test]
fn a_replaced_parameter_and_rule_change_the_values_and_base_tests_are_dropped() {
    let reform = r#"reform of "../base"
replace param topup.child: ratio {
  set by city, county
  = 15%
  require topup.child >= 15% "儿童增发不低于15%"
}
// 610102: child 15% of 400.00 = 60.00; adult 0. gap (replaced below) = (400.00 + 10.00) × 2
// = 820.00; benefit = 820.00 + 60.00 = 880.00.
test "儿童15%" {
  household { county_code: "610102" }
  person {}
  person { age: 10 }
  expect person 2 topup = 60.00
  expect benefit = 880.00
}
// A replaced rule: gap is now the standard per person plus 10 元/月, less income.
replace household gap: 元/月 = (standard + 10 元/月) * count(members) - income
test "差额加10元" {
  household { county_code: "610702", income: 100 }
  person {}
  expect gap = 260.00
  expect benefit = 260.00
}
"#;
    let policy = compile(&sources(&[reform], &[], None)).expect("the reform compiles");
    assert_eq!(run_tests(&policy, day("2019-07-01")), ["儿童15%", "差额加10元"]);
}

#[test]
fn remove_with_instead_gives_readers_the_value_and_additions_are_merged() {
    let reform = r#"reform of "../base"
remove person topup instead = 0 元/月
household {
  disabled_members: int 0..10 = 0
}
household disability_extra: 元/月 = 50 元/月 * disabled_members
replace household benefit: 元/月 = max(gap, 0) + sum(members, topup) + disability_extra
output results for household {
  disability_extra
}
test "删除儿童增发,新增残疾加发" {
  household { county_code: "610102", disabled_members: 2 }
  person {}
  person { age: 10 }
  expect person 2 topup = 0.00
  expect disability_extra = 100.00
  expect benefit = 900.00
}
"#;
    let policy = compile(&sources(&[reform], &[], None)).expect("the reform compiles");
    assert_eq!(run_tests(&policy, day("2019-07-01")), ["删除儿童增发,新增残疾加发"]);
    let output = policy.program.outputs.iter().find(|output| output.name == "results").expect("the output");
    let header: Vec<&str> = output.columns.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(header, ["household_id", "benefit", "disability_extra"]);
    assert!(policy.program.household.columns.iter().any(|column| column.name == "disabled_members"));
}

#[test]
fn a_rule_nobody_reads_can_be_removed_outright() {
    let reform = "reform of \"../base\"\nremove household spare\n";
    let policy = compile(&sources(&[reform], &[], None)).expect("removing an unread rule");
    assert!(!policy.program.rules.iter().any(|rule| rule.name == "spare"));
    assert!(policy.program.rules.iter().any(|rule| rule.name == "benefit"));
}

#[test]
fn reform_files_layer_over_the_base_files_and_a_scenario_over_both() {
    let reform = "reform of \"../base\"\n";
    // The reform's 汉中 file raises the 2019 standard and keeps the base's other days.
    let reform_file = "jurisdiction = \"610700\"\n\n[2019-06-01]\nstandard = 380\n";
    let policy = compile(&sources(&[reform], &[reform_file], None)).expect("layered files");
    let standard = policy.program.params.iter().position(|param| param.name == "standard").expect("standard");
    let value = |policy: &Policy, county: &str, date: &str| {
        let table = policy.county_table(day(date)).expect("resolves");
        let index = policy.jurisdictions.counties.iter().position(|c| c.code == county).expect("county");
        table.words.get(index * table.width + standard).copied()
    };
    assert_eq!(value(&policy, "610702", "2019-03-01"), Some(35_000));
    assert_eq!(value(&policy, "610702", "2019-07-01"), Some(38_000));
    assert_eq!(value(&policy, "610102", "2019-07-01"), Some(40_000));
    let scenario = "[province.\"2019-01-01\"]\nstandard = 420\n\n[\"610700\".\"2019-07-01\"]\nstandard = 390\n";
    let policy = compile(&sources(&[reform], &[reform_file], Some(scenario))).expect("a scenario");
    assert_eq!(value(&policy, "610102", "2018-07-01"), Some(40_000));
    assert_eq!(value(&policy, "610102", "2019-07-01"), Some(42_000));
    assert_eq!(value(&policy, "610702", "2019-06-15"), Some(38_000));
    assert_eq!(value(&policy, "610702", "2019-07-01"), Some(39_000));
}

#[test]
fn a_scenario_needs_no_reform() {
    let mut sources = Sources::default();
    sources.add("policy.pol", BASE, SourceKind::Pol);
    sources.add("jurisdictions.csv", CSV, SourceKind::Jurisdictions);
    sources.add("scenario.toml", "[province.\"2019-01-01\"]\n\"topup.child\" = \"15%\"\n", SourceKind::Scenario);
    let policy = compile(&sources).expect("a scenario over a policy");
    let child = policy.program.params.iter().find(|param| param.name == "topup.child").expect("the ratio");
    assert_eq!(child.values.len(), 2, "the province's value from 2019-01-01 is added: {:?}", child.values);
    // The base's own test still holds (no child), and runs on both engines.
    assert_eq!(run_tests(&policy, day("2019-07-01")), ["基准"]);
}

// ------------------------------------------------------------------------------ diagnostics

#[test]
fn replacing_with_another_written_type() {
    let reform = "reform of \"../base\"\nreplace household gap: 元/年 = standard * 12 as 元/年\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn replacing_with_another_inferred_type() {
    let reform = "reform of \"../base\"\nreplace person child = age\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn removing_with_an_instead_of_another_type() {
    let reform = "reform of \"../base\"\nremove household gap instead = true\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn an_untyped_replacement_with_its_own_error_is_reported_by_the_checker() {
    let reform = "reform of \"../base\"\nreplace household gap = standard + incme\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn replacing_a_parameter_with_another_type() {
    let reform = "reform of \"../base\"\nreplace param topup.child: 元/月 { = 10 }\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn removing_a_rule_that_others_read() {
    let reform = "reform of \"../base\"\nremove household gap\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

/// The diagnostics of sources that must fail, rendered in Chinese as `pol --lang zh` prints them.
fn errors_in_chinese(sources: &Sources) -> String {
    match policy::compile(sources) {
        Ok(_) => "NO ERROR\n".to_string(),
        Err(diagnostics) => diagnostics
            .into_iter()
            .map(|diagnostic| render_plain(sources, localize_diagnostic(Lang::Zh, diagnostic)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The base declaration is a second snippet, of the base's file, in English and in Chinese.
#[test]
fn replacing_with_another_type_shows_the_base_file_in_both_languages() {
    let reform = "reform of \"../base\"\nreplace household benefit: 元/年 = 0 元/年\n";
    let sources = sources(&[reform], &[], None);
    assert_snapshot!(format!("{}── 中文 ──\n{}", errors(&sources), errors_in_chinese(&sources)));
}

/// The removed rule is declared in one file of the base and read in another: the reader's place
/// is a snippet of that other file, in English and in Chinese.
#[test]
fn removing_a_rule_that_another_base_file_reads() {
    let mut sources = Sources::default();
    sources.add("base/policy.pol", BASE, SourceKind::Pol);
    sources.add("base/extra.pol", "/// 备用规则的两倍\nhousehold spare_twice: int = spare * 2\n", SourceKind::Pol);
    sources.add("base/jurisdictions.csv", CSV, SourceKind::Jurisdictions);
    sources.add("reform1.pol", "reform of \"../base\"\nremove household spare\n", SourceKind::ReformPol);
    assert_snapshot!(format!("{}── 中文 ──\n{}", errors(&sources), errors_in_chinese(&sources)));
}

#[test]
fn replacing_or_removing_what_the_base_lacks() {
    let reform = "reform of \"../base\"\nreplace household gapp: 元/月 = 0\nremove person nothing_like_it\nreplace param topup.chld: ratio { = 1% }\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn declaring_again_what_the_base_declares() {
    let reform = "reform of \"../base\"\nhousehold gap: 元/月 = 0\nparam standard: 元/月 { = 1 }\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn changing_one_rule_twice() {
    let reform = "reform of \"../base\"\nreplace household gap: 元/月 = 0\nremove household gap instead = 1 元/月\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn changing_the_rows_of_an_output() {
    let reform = "reform of \"../base\"\noutput results for household where gap > 0 {\n  gap\n}\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

#[test]
fn headers_after_items_and_naming_two_bases() {
    let first = "reform of \"../base\"\nhousehold a: int = 1\nreform of \"../base\"\n";
    let second = "reform of \"../other\"\n";
    assert_snapshot!(errors(&sources(&[first, second], &[], None)));
}

#[test]
fn reform_items_in_a_policy() {
    let mut sources = Sources::default();
    sources.add(
        "policy.pol",
        format!("{BASE}\nreplace household gap: 元/月 = 0\nremove person topup\n"),
        SourceKind::Pol,
    );
    sources.add("jurisdictions.csv", CSV, SourceKind::Jurisdictions);
    assert_snapshot!(errors(&sources));
}

#[test]
fn a_reform_of_a_reform() {
    let mut sources = Sources::default();
    sources.add("base/policy.pol", BASE, SourceKind::Pol);
    sources.add("base/reform.pol", "reform of \"..\"\n", SourceKind::Pol);
    sources.add("base/jurisdictions.csv", CSV, SourceKind::Jurisdictions);
    sources.add("reform.pol", "reform of \"../base\"\n", SourceKind::ReformPol);
    assert_snapshot!(errors(&sources));
}

#[test]
fn scenario_mistakes_are_reported_at_the_scenario_lines() {
    let scenario = r#"standard = 1

[province."2019-01-01"]
"topup.chld" = "15%"
standard = 200

["610700"]
standard = 500

["610702"."2019-01-01"]
standard = 500

["610700"."2019-07-01"]
standard = "350 元/年"
"#;
    assert_snapshot!(errors(&sources(&[], &[], Some(scenario))));
}

#[test]
fn removing_a_rule_that_only_an_output_reads() {
    let reform = "reform of \"../base\"\nremove household benefit\n";
    assert_snapshot!(errors(&sources(&[reform], &[], None)));
}

/// A reform adds a scale that cities set, and its own parameter file sets a city's brackets:
/// the county table holds them for that city's county, the province's elsewhere, and both
/// engines pay them.
#[test]
fn a_reforms_file_sets_a_scale_the_reform_adds() {
    let reform = "reform of \"../base\"\n/// 高龄加发(元/月)\nparam age_bonus: scale(int, 元/月) {\n  set by city\n  = [80: 50, 90: 100]\n  require bracket(age_bonus, 80) >= 50 \"不低于50元\"\n}\nperson bonus: 元/月 = bracket(age_bonus, age)\n";
    let file = "jurisdiction = \"610700\"\n\n[2019-01-01]\nage_bonus = \"[80: 60, 90: 150]\"\n";
    let policy = compile(&sources(&[reform], &[file], None)).unwrap_or_else(|errors| panic!("{errors}"));
    let Ok((on, counties)) = policy.on(pol_compiler::date::parse_iso("2019-07-01").unwrap_or(0)) else {
        panic!("the reform is in force")
    };
    let scale = on.program.scales.iter().position(|scale| scale.name == "age_bonus").unwrap_or(usize::MAX);
    let id = pol_compiler::tir::ScaleId(scale as u32);
    let brackets = |code: &str| {
        let county = on.jurisdictions.index_of(code).unwrap_or(usize::MAX);
        counties
            .brackets(&on.program, county, id)
            .map(|brackets| brackets.iter().map(|b| (b.threshold, b.value)).collect::<Vec<_>>())
    };
    assert_eq!(brackets("610702"), Some(vec![(80, 6_000), (90, 15_000)]));
    assert_eq!(brackets("610102"), Some(vec![(80, 5_000), (90, 10_000)]));
    // A reform file breaking the scale's `require` is rejected at its line.
    let broken = file.replace("[80: 60, 90: 150]", "[80: 40, 90: 150]");
    insta::assert_snapshot!(errors(&sources(&[reform], &[&broken], None)));
}
