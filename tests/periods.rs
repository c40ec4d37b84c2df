//! Periods end to end, on `tests/policies/periods`: yearly and monthly rules, monthly inputs
//! given per month and per year, and the reads across periods (docs/language.md#periods).

use crate::cli::{assert_canonical, assert_checks_and_passes_on_both_engines, pol, pol_with_env, run_policy_ok};
use crate::support::{TempDir, copy_dir, periods_dir, read_text};

#[test]
fn the_periods_policy_checks_tests_on_both_engines_and_is_formatted() {
    let tmp = TempDir::new("periods-tests");
    copy_dir(&periods_dir(), &tmp.path().join("periods"));
    assert_checks_and_passes_on_both_engines(tmp.path(), "periods", 6);
    assert_canonical(tmp.path(), "periods");
}

/// A test whose expectation at another period is wrong fails at that `expect` line, on both
/// engines: each period is its own evaluation.
#[test]
fn a_wrong_value_at_another_period_fails_its_expect_line() {
    let tmp = TempDir::new("periods-failing");
    copy_dir(&periods_dir(), &tmp.path().join("periods"));
    let path = tmp.path().join("periods").join("policy.pol");
    let text = read_text(&path).replace("expect housing_tax 2016 = 500", "expect housing_tax 2016 = 501");
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("cannot write: {error}"));
    let test = pol(tmp.path(), &["test", "--error-format", "plain", "periods"]);
    assert_eq!(test.code, 1, "{}", test.render());
    assert!(test.stdout.contains("5 passed, 1 failed"), "{}", test.render());
    for engine in ["interp", "jit"] {
        assert!(test.stderr.contains(&format!("failed on the {engine} engine")), "{}", test.render());
    }
    assert_eq!(test.stderr.matches("expected 501.00, got 500.00").count(), 2, "{}", test.render());
}

/// The amounts of `households.csv` and `persons.csv` (monthly columns given per month, per year
/// and for every month), computed by hand in the comments of the expected rows.
const HOUSEHOLDS_2017_03: &str = "household_id,housing_tax,total_taxes,poor,yearly_rent\n\
    h1,960.00,380.00,true,12000.00\n\
    h2,480.00,90.00,true,0.00\n";
// p1: salary 1000 for every month, 24000 for 2017 (2000 a month), 3000 in 2017-03, 6000 for
// 2016 (500 a month). 2017: 11 × 2000 + 3000 = 25000; tax 10% to June, 20% from July:
// (5 × 2000 + 3000) × 10% + 6 × 2000 × 20% = 3700; average 25000 / 12 = 2083.33, × 12 =
// 24999.96; the last 12 months to 2017-03: 9 × 500 + 2000 + 2000 + 3000 = 11500, / 12 = 958.33.
// p3: 6000.06 for 2017 is 500.01 a month (rounded half away from zero), 500 in 2017-03.
const PERSONS_2017_03: &str = "person_id,age,income_tax,yearly_income_tax,yearly_salary,average_salary,salary_last_12\n\
    p1,37,300.00,3700.00,25000.00,24999.96,958.33\n\
    p2,6,0.00,0.00,0.00,0.00,0.00\n\
    p3,67,50.00,900.00,6000.11,6000.12,125.00\n";

fn run(tmp: &TempDir, engine: &str, as_of: &str) -> (String, String, String) {
    let out = format!("out-{engine}-{as_of}");
    let (_, dir) =
        run_policy_ok(tmp.path(), "periods", ["periods/households.csv", "periods/persons.csv"], as_of, engine, &out);
    (
        read_text(&dir.join("household_results.csv")),
        read_text(&dir.join("person_results.csv")),
        read_text(&dir.join("rejects.csv")),
    )
}

#[test]
fn a_batch_in_the_monthly_layout_gives_the_hand_computed_amounts_on_both_engines() {
    let tmp = TempDir::new("periods-run");
    copy_dir(&periods_dir(), &tmp.path().join("periods"));
    for engine in ["interp", "jit"] {
        let (households, persons, rejects) = run(&tmp, engine, "2017-03-20");
        assert_eq!(households, HOUSEHOLDS_2017_03, "{engine}");
        assert_eq!(persons, PERSONS_2017_03, "{engine}");
        assert_eq!(rejects, "file,line,household_id,field,reason\n", "{engine}");
    }
    // Other months and years: the same tables from both engines.
    for as_of in ["2016-01-01", "2016-12-31", "2017-01-01", "2017-07-01", "2018-02-28"] {
        assert_eq!(run(&tmp, "interp", as_of), run(&tmp, "jit", as_of), "{as_of}");
    }
}

/// The new diagnostics in English and Chinese: a money unit against the period, direct reads
/// of another period, a cross-period read in the wrong rule or of the wrong thing, test periods.
const BROKEN: &str = r#"currency EUR
household {
  household_id: key
  size: int per month = 0
  code: text = "a"
}
household tax: EUR/月 per year = 10 EUR/月
household yearly: EUR/年 per year = size * 10 EUR/年
household monthly: EUR/月 per month = yearly as EUR/月
household a: EUR/年 per year = this_year(yearly)
household b: EUR/月 per month = this_year(monthly)
household c: int per year = sum_months(code)
test "t" {
  household { code 2017-01: "x" }
  expect monthly 2017 = 0
}
"#;

#[test]
fn period_diagnostics_in_english_and_chinese() {
    let tmp = TempDir::new("periods-broken");
    let dir = tmp.path().join("broken");
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create: {error}"));
    std::fs::write(dir.join("policy.pol"), BROKEN).unwrap_or_else(|error| panic!("cannot write: {error}"));
    let en = pol(tmp.path(), &["check", "--error-format", "plain", "broken"]);
    assert_eq!(en.code, 1, "{}", en.render());
    insta::assert_snapshot!("period_diagnostics_en", en.render());
    let zh = pol_with_env(tmp.path(), &["check", "--error-format", "plain", "broken"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(zh.code, 1, "{}", zh.render());
    insta::assert_snapshot!("period_diagnostics_zh", zh.render());
}

#[test]
fn a_header_naming_no_monthly_column_is_refused_in_english_and_chinese() {
    let tmp = TempDir::new("periods-header");
    copy_dir(&periods_dir(), &tmp.path().join("periods"));
    let households = "household_id,accommodation_size,code@2017,rent@2017-13\nh1,50,1,0\n";
    std::fs::write(tmp.path().join("households.csv"), households).unwrap_or_else(|error| panic!("{error}"));
    let args = [
        "run",
        "--error-format",
        "plain",
        "periods",
        "--households",
        "households.csv",
        "--persons",
        "periods/persons.csv",
        "--out",
        "out",
    ];
    let en = pol(tmp.path(), &args);
    assert_eq!(en.code, 1, "{}", en.render());
    insta::assert_snapshot!("period_header_en", en.render());
    let zh = pol_with_env(tmp.path(), &args, &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(zh.code, 1, "{}", zh.render());
    insta::assert_snapshot!("period_header_zh", zh.render());
    let bad_month = "household_id,accommodation_size,rent@2017-13\nh1,50,0\n";
    std::fs::write(tmp.path().join("households.csv"), bad_month).unwrap_or_else(|error| panic!("{error}"));
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stderr.contains("`2017-13` is not a month `YYYY-MM` or a year `YYYY`"), "{}", run.render());
}

/// A monthly amount that starts in 2017, averaged over the last 12 months: `pol check` reports
/// the months before 2017 that a run from 2017 on reads (as `pol run` refuses those runs), with
/// the instances' days; a run on a day whose 12 months are all in force passes.
const LAST_12_MONTHS_BEFORE_THE_START: &str = r#"currency EUR
household {
  household_id: key
}
person {
  person_id: key
  household_id: household
}
param amount: EUR/月 {
  from 2017-01-01 = 100
}
household paid: EUR/月 per month = amount
household average_paid: EUR/月 per month = average_last_12_months(paid)
output household_results for household {
  household_id
  average_paid
}
"#;

#[test]
fn check_reports_what_runs_read_in_other_months_not_in_force() {
    let tmp = TempDir::new("periods-check-instances");
    let dir = tmp.path().join("policy");
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create: {error}"));
    std::fs::write(dir.join("policy.pol"), LAST_12_MONTHS_BEFORE_THE_START)
        .unwrap_or_else(|error| panic!("cannot write: {error}"));
    let en = pol(tmp.path(), &["check", "--error-format", "plain", "policy"]);
    assert_eq!(en.code, 1, "{}", en.render());
    insta::assert_snapshot!("period_check_instances_en", en.render());
    let zh = pol_with_env(tmp.path(), &["check", "--error-format", "plain", "policy"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(zh.code, 1, "{}", zh.render());
    insta::assert_snapshot!("period_check_instances_zh", zh.render());
    // `pol run` agrees: refused in 2017-06, computed from 2017-12 on.
    std::fs::write(tmp.path().join("households.csv"), "household_id\nh1\n").unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(tmp.path().join("persons.csv"), "person_id,household_id\np1,h1\n")
        .unwrap_or_else(|error| panic!("{error}"));
    let run = |as_of: &str| {
        let args = [
            "run",
            "policy",
            "--households",
            "households.csv",
            "--persons",
            "persons.csv",
            "--as-of",
            as_of,
            "--out",
            "out",
        ];
        pol(tmp.path(), &args)
    };
    assert_eq!(run("2017-06-01").code, 1);
    let ok = run("2017-12-01");
    assert_eq!(ok.code, 0, "{}", ok.render());
}
