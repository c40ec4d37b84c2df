//! Dated rules and lazy parameters end to end, on `tests/policies/child_allowance`: a policy
//! whose rules have versions by date and whose bonus (a rule and a parameter) stops in 2023.

use crate::cli::{Run, pol, pol_with_env};
use crate::support::{TempDir, child_allowance_dir, copy_dir, read_text};
use std::path::Path;

/// A temporary copy of the policy as `child_allowance/`, with `edit` applied to its `.pol` text.
fn policy_copy(label: &str, edit: impl FnOnce(String) -> String) -> TempDir {
    let tmp = TempDir::new(label);
    let dir = tmp.path().join("child_allowance");
    copy_dir(&child_allowance_dir(), &dir);
    let pol = dir.join("allowance.pol");
    let text = edit(read_text(&pol));
    std::fs::write(&pol, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", pol.display()));
    tmp
}

/// The policy with three reads of what stops in 2023 by what does not: the total reads the
/// bonus rule, an output shows it, and a new rule reads the abolished parameter.
fn with_reads_not_in_force(text: String) -> String {
    let edited = text
        .replace(
            "household total_monthly: 元/月 {\n  from 2019-01-01 = allowance + bonus\n  from 2023-01-01 = allowance\n}",
            "household total_monthly: 元/月 = allowance + bonus\n\n/// Twice the bonus.\nhousehold double_bonus: 元/月 = no_income_bonus * 2",
        )
        .replace("  n_children\n  total_monthly\n}", "  n_children\n  bonus\n  total_monthly\n}");
    assert_ne!(edited, text, "the policy text changed; update the edit");
    edited
}

fn write_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
    let households = "household_id,county_code,monthly_income\nH1,990101,0\nH2,990201,0\nH3,990102,900\n";
    let persons = "person_id,household_id,birth_date\n\
                   P1,H1,1980-02-01\nP2,H1,2004-03-01\nP3,H1,2012-05-06\n\
                   P4,H2,1975-01-01\nP5,H2,2008-09-09\n\
                   P6,H3,2011-11-11\n";
    for (name, text) in [("households.csv", households), ("persons.csv", persons)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }
}

fn run_on(dir: &Path, as_of: &str, engine: &str, out: &str) -> Run {
    let args = [
        "run",
        "child_allowance",
        "--households",
        "data/households.csv",
        "--persons",
        "data/persons.csv",
        "--as-of",
        as_of,
        "--engine",
        engine,
        "--out",
        out,
    ];
    pol(dir, &args)
}

/// `pol check`, `pol test` (both engines), `pol fmt --check` pass; `pol run` on dates in each
/// stretch of versions writes the same table with either engine, and each date's own versions.
#[test]
fn a_dated_policy_checks_tests_and_runs_each_dates_versions_on_both_engines() {
    let tmp = policy_copy("dated_ok", |text| text);
    for args in
        [&["check", "child_allowance"][..], &["test", "child_allowance"], &["fmt", "--check", "child_allowance"]]
    {
        let run = pol(tmp.path(), args);
        assert_eq!(run.code, 0, "{}", run.render());
    }
    write_data(&tmp.path().join("data"));
    let mut tables = Vec::new();
    for as_of in ["2020-07-01", "2021-07-01", "2023-07-01"] {
        let mut by_engine = Vec::new();
        for engine in ["interp", "jit"] {
            let out = format!("out-{as_of}-{engine}");
            let run = run_on(tmp.path(), as_of, engine, &out);
            assert_eq!(run.code, 0, "{}", run.render());
            by_engine.push(read_text(&tmp.path().join(out).join("allowances.csv")));
        }
        assert_eq!(by_engine.first(), by_engine.last(), "{as_of}: the engines differ");
        tables.push(format!("=== as of {as_of}\n{}", by_engine.first().map_or("", String::as_str)));
    }
    // 2020: under 16 (P2 is 16: no child); 100 each, bonus 50 without income.
    // 2021: under 18 (P2 is 17: a child); 990100's 130 each; the province's 120 in 990201.
    // 2023: no bonus any more.
    insta::assert_snapshot!(tables.join(""));
}

/// `pol check` reports every read of something not in force, on every date the policy covers,
/// all at once, sorted, each once with its date ranges, in English and in Chinese.
#[test]
fn check_reports_every_read_not_in_force_at_once() {
    let tmp = policy_copy("dated_check", with_reads_not_in_force);
    let english = pol(tmp.path(), &["check", "--error-format", "plain", "child_allowance"]);
    assert_eq!(english.code, 1, "{}", english.render());
    assert_eq!(english.stderr.matches("pol::dated::not_in_force").count(), 3, "{}", english.render());
    let chinese =
        pol_with_env(tmp.path(), &["check", "--error-format", "plain", "child_allowance"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(chinese.code, 1, "{}", chinese.render());
    insta::assert_snapshot!(format!("{}\n{}", english.render(), chinese.render()));
}

/// `pol run --as-of` on a date where something in force reads something that is not: the
/// diagnostics with both places, nothing evaluated, nothing written; a date before the bonus
/// ends runs.
#[test]
fn run_on_a_date_with_a_read_not_in_force_evaluates_nothing() {
    let tmp = policy_copy("dated_run", with_reads_not_in_force);
    write_data(&tmp.path().join("data"));
    let before = run_on(tmp.path(), "2022-12-31", "jit", "out-2022");
    assert_eq!(before.code, 0, "{}", before.render());
    let after = run_on(tmp.path(), "2023-01-01", "jit", "out-2023");
    assert_eq!(after.code, 1, "{}", after.render());
    assert!(!tmp.path().join("out-2023").exists(), "nothing is written");
    let test = pol(tmp.path(), &["test", "--error-format", "plain", "child_allowance"]);
    assert_eq!(test.code, 1, "{}", test.render());
    insta::assert_snapshot!(format!("{}\n{}", after.render(), test.render()));
}

/// A local file may not give a parameter a value on a date on which it is not in force.
#[test]
fn a_local_value_before_a_parameter_is_in_force_is_rejected() {
    let tmp = policy_copy("dated_local", |text| text);
    let file = tmp.path().join("child_allowance").join("params").join("990100.toml");
    let text = "# Before the allowance exists.\njurisdiction = \"990100\"\n\n[2018-06-01]\nchild_allowance = 90\n\n[2021-01-01]\nchild_allowance = 130\n";
    std::fs::write(&file, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", file.display()));
    let english = pol(tmp.path(), &["check", "--error-format", "plain", "child_allowance"]);
    assert_eq!(english.code, 1, "{}", english.render());
    let chinese =
        pol_with_env(tmp.path(), &["check", "--error-format", "plain", "child_allowance"], &[("LANG", "zh_CN.UTF-8")]);
    insta::assert_snapshot!(format!("{}\n{}", english.render(), chinese.render()));
}

/// `pol explain` shows the versions in force on the test's date and leaves out what is not in
/// force (the abolished bonus); `pol doc` lists a rule's versions and a parameter's end by
/// date; `pol gen` draws data the policy in force accepts whole.
#[test]
fn explain_doc_and_gen_use_the_versions_in_force() {
    let tmp = policy_copy("dated_tools", |text| text);
    let explain = pol(tmp.path(), &["explain", "child_allowance", "--test", "2023: the bonus"]);
    assert_eq!(explain.code, 0, "{}", explain.render());
    assert!(!explain.stdout.contains("\n  bonus "), "{}", explain.render());
    assert!(
        explain.stdout.contains("total_monthly                      120.00 元/月  = allowance  //"),
        "{}",
        explain.render()
    );
    let doc = pol(tmp.path(), &["doc", "child_allowance", "--out", "site"]);
    assert_eq!(doc.code, 0, "{}", doc.render());
    let page = read_text(&tmp.path().join("site").join("file-allowance.html"));
    assert!(page.contains("<p class=\"label\">各版本</p>"), "the rule page lists versions");
    assert!(page.contains("<tr><td>2023-01-01</td><td>不再生效</td></tr>"), "the bonus ends in 2023");
    assert!(page.contains("<tr><td>2021-01-01</td><td><code>age_years &lt; 18</code></td></tr>"), "is_child from 2021");
    let params = read_text(&tmp.path().join("site").join("params.html"));
    assert!(params.contains("<tr><td>2023-01-01</td><td><code>none</code></td><td>不再生效</td></tr>"), "{params}");
    let generate = pol(
        tmp.path(),
        &["gen", "child_allowance", "--households", "300", "--seed", "5", "--as-of", "2021-07-01", "--out", "data"],
    );
    assert_eq!(generate.code, 0, "{}", generate.render());
    let run = run_on(tmp.path(), "2021-07-01", "jit", "out");
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.contains("read 300 households: 300 accepted, 0 rejected"), "{}", run.render());
    insta::assert_snapshot!(explain.render());
}
