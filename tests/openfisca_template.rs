//! OpenFisca's country template 8.2.0 ported to `pol` (`policies/openfisca_country_template`):
//! the policy checks, its 38 YAML cases (as 48 tests: a YAML case over several households is one
//! test per household) pass on both engines in the policy and its reforms, the layout is
//! canonical, and the batch contract of issue 12 runs on the shipped example data on both
//! engines with the figures OpenFisca 8.2.0 gives for them (computed with
//! `tests/openfisca/bench.py`; `tests/openfisca/compare.py` compares on generated data).

use crate::cli::{assert_canonical, assert_checks_and_passes_on_both_engines, pol, run_policy_ok};
use crate::support::{TempDir, copy_dir, openfisca_country_template_dir, read_text};

/// The policy's own tests and each reform's, with how many each has.
const TESTS: [(&str, usize); 7] = [
    ("openfisca_country_template", 41),
    ("openfisca_country_template/reforms/add_dynamic_variable", 1),
    ("openfisca_country_template/reforms/add_inline_parametric_reform", 1),
    ("openfisca_country_template/reforms/add_new_tax", 2),
    ("openfisca_country_template/reforms/modify_social_security_taxation", 3),
    ("openfisca_country_template/reforms/flat_social_security_contribution", 0),
    ("openfisca_country_template/reforms/removal_basic_income", 0),
];

#[test]
fn the_template_checks_and_its_yaml_cases_pass_on_both_engines() {
    let tmp = TempDir::new("openfisca-tests");
    copy_dir(&openfisca_country_template_dir(), &tmp.path().join("openfisca_country_template"));
    for (dir, count) in TESTS {
        assert_checks_and_passes_on_both_engines(tmp.path(), dir, count);
    }
    assert_canonical(tmp.path(), "openfisca_country_template");
}

/// `pol run` on `data/` in January 2017 (the 2016-12 basic income, the 2017 scale, the yearly
/// housing tax read in January) and in November 2016 (the housing allowance's last month).
/// H4's disposable income in January 2017 is 350.50 + 600 − (52.575 + 7.01) = 890.915 exactly,
/// which the policy (computed to the millionth, `precision`) rounds once to 890.92; adding the
/// taxes rounded to the cent first would give 890.91 (in November 2016, 350.50 − (52.575 +
/// 14.02) = 283.905: 283.91, not 283.90).
const EXPECTED: [(&str, &str, &str); 2] = [
    (
        "2017-01-01",
        "household_id,housing_allowance,parenting_allowance,housing_tax,total_benefits,total_taxes,disposable_income
H1,0.00,0.00,800.00,1200.00,410.32,2840.68
H2,0.00,0.00,455.00,600.00,479.92,2720.08
H3,0.00,0.00,0.00,0.00,0.00,0.00
H4,0.00,0.00,0.00,600.00,59.59,890.92
H5,0.00,0.00,1200.00,1200.00,3502.00,16218.00
H6,0.00,600.00,380.00,600.00,99.67,1500.33
",
        "person_id,age,basic_income,pension,income_tax,social_security_contribution
P1,66,600.00,1.00,37.65,0.00
P2,60,600.00,0.00,270.00,36.00
P3,28,600.00,0.00,390.00,52.00
P4,4,0.00,0.00,0.00,0.00
P5,0,0.00,0.00,0.00,0.00
P6,17,0.00,0.00,0.00,0.00
P7,42,600.00,0.00,52.58,7.01
P8,36,600.00,0.00,918.00,120.00
P9,34,600.00,0.00,1860.00,504.00
P10,7,0.00,0.00,0.00,0.00
P11,24,600.00,0.00,60.00,8.00
P12,2,0.00,0.00,0.00,0.00
",
    ),
    (
        "2016-11-01",
        "household_id,housing_allowance,parenting_allowance,housing_tax,total_benefits,total_taxes,disposable_income
H1,0.00,0.00,800.00,600.00,446.32,2204.68
H2,175.00,0.00,455.00,175.00,531.92,2243.08
H3,0.00,0.00,0.00,0.00,0.00,0.00
H4,0.00,0.00,0.00,0.00,66.60,283.91
H5,300.00,0.00,1200.00,300.00,3622.00,15198.00
H6,112.50,600.00,380.00,112.50,107.67,1004.83
",
        "person_id,age,basic_income,pension,income_tax,social_security_contribution
P1,66,600.00,1.00,37.65,0.00
P2,60,0.00,0.00,270.00,72.00
P3,28,0.00,0.00,390.00,104.00
P4,4,0.00,0.00,0.00,0.00
P5,0,0.00,0.00,0.00,0.00
P6,16,0.00,0.00,0.00,0.00
P7,41,0.00,0.00,52.58,14.02
P8,36,0.00,0.00,918.00,240.00
P9,34,0.00,0.00,1860.00,504.00
P10,6,0.00,0.00,0.00,0.00
P11,24,0.00,0.00,60.00,16.00
P12,2,0.00,0.00,0.00,0.00
",
    ),
];

#[test]
fn the_batch_contract_runs_on_the_example_data_on_both_engines() {
    let tmp = TempDir::new("openfisca-run");
    copy_dir(&openfisca_country_template_dir(), &tmp.path().join("openfisca_country_template"));
    for (as_of, households, persons) in EXPECTED {
        for engine in ["interp", "jit"] {
            let out = format!("out-{as_of}-{engine}");
            let (_, dir) = run_policy_ok(
                tmp.path(),
                "openfisca_country_template",
                ["openfisca_country_template/data/households.csv", "openfisca_country_template/data/persons.csv"],
                as_of,
                engine,
                &out,
            );
            assert_eq!(read_text(&dir.join("household_results.csv")), households, "{as_of} on {engine}");
            assert_eq!(read_text(&dir.join("person_results.csv")), persons, "{as_of} on {engine}");
            assert_eq!(read_text(&dir.join("rejects.csv")), "file,line,household_id,field,reason\n");
        }
    }
    // Before the parenting allowance's parameters (2015-12-01) the table cannot be written, as
    // OpenFisca cannot compute it then.
    let before = pol(
        tmp.path(),
        &[
            "run",
            "openfisca_country_template",
            "--households",
            "openfisca_country_template/data/households.csv",
            "--persons",
            "openfisca_country_template/data/persons.csv",
            "--as-of",
            "2015-11-01",
            "--out",
            "out-before",
        ],
    );
    assert_eq!(before.code, 1, "{}", before.render());
    assert!(
        before.stderr.contains("`benefits.parenting_allowance.amount` is not in force on `2015-11-01`"),
        "{}",
        before.render()
    );
}

/// `pol explain` says that the amounts it shows are rounded from amounts computed finer, so
/// that a reader adding H4's taxes (52.58 + 7.01) to its income does not expect 890.91.
#[test]
fn explain_says_the_amounts_shown_are_rounded_from_finer_ones() {
    let tmp = TempDir::new("openfisca-explain");
    copy_dir(&openfisca_country_template_dir(), &tmp.path().join("openfisca_country_template"));
    let args = [
        "explain",
        "openfisca_country_template",
        "--household",
        "H4",
        "--households",
        "openfisca_country_template/data/households.csv",
        "--persons",
        "openfisca_country_template/data/persons.csv",
        "--as-of",
        "2017-01-01",
    ];
    let explained = pol(tmp.path(), &args);
    assert_eq!(explained.code, 0, "{}", explained.render());
    let lines: Vec<&str> = explained.stdout.lines().collect();
    assert_eq!(
        lines.get(1).copied(),
        Some(
            "amounts are computed to 0.000001 EUR and each is shown rounded to the cent, so a total may differ by a few cents from the sum of the amounts shown"
        )
    );
    assert!(lines.iter().any(|line| line.starts_with("  disposable_income ") && line.contains("890.92 EUR/月")));
    assert!(lines.iter().any(|line| line.starts_with("  income_tax ") && line.contains("52.58 EUR/月")));
}

/// A bad amount in the template's data is rejected with a reason in euros (Shaanxi's say yuan).
#[test]
fn a_bad_amount_is_rejected_with_its_currency() {
    let tmp = TempDir::new("openfisca-bad-amount");
    copy_dir(&openfisca_country_template_dir(), &tmp.path().join("openfisca_country_template"));
    let persons = read_text(&tmp.path().join("openfisca_country_template/data/persons.csv"))
        .replace("P7,H4,adult,1975-01-01,350.50,0", "P7,H4,adult,1975-01-01,350.505,0");
    std::fs::write(tmp.path().join("persons.csv"), persons).unwrap_or_else(|error| panic!("{error}"));
    let args = [
        "run",
        "openfisca_country_template",
        "--households",
        "openfisca_country_template/data/households.csv",
        "--persons",
        "persons.csv",
        "--as-of",
        "2017-01-01",
        "--out",
        "out",
    ];
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 0, "{}", run.render());
    let rejects = read_text(&tmp.path().join("out/rejects.csv"));
    assert!(
        rejects.contains(
            "persons.csv,8,H4,salary,bad salary: `350.505` is not an amount in EUR with at most two decimals"
        ),
        "{rejects}"
    );
}
