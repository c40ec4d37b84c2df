//! `pol gen`'s generator on policies other than Shaanxi: every household it writes is one `pol
//! run` accepts, bad rows are exactly the rejected ones, the same seed gives the same bytes, and
//! the errors are diagnostics pointing into the policy.

use crate::support::*;
use pol_compiler::diagnostic::{Diagnostic, render_plain};
use pol_runtime::generate::{GenerateConfig, GenerateCounts, GenerateError, Sink, Sinks, generate};
use std::path::Path;

/// The three tables, as text (cases `None` when the policy declares none).
struct Tables {
    households: String,
    persons: String,
    cases: Option<String>,
    counts: GenerateCounts,
}

fn generate_tables(compiled: &Compiled, config: &GenerateConfig) -> Result<Tables, GenerateError> {
    let (mut households, mut persons, mut cases) = (Vec::new(), Vec::new(), Vec::new());
    let declared = compiled.program.case.declared;
    let sinks = Sinks {
        households: Sink { path: Path::new("households.csv"), writer: &mut households },
        persons: Sink { path: Path::new("persons.csv"), writer: &mut persons },
        cases: declared.then_some(Sink { path: Path::new("cases.csv"), writer: &mut cases }),
    };
    let counts = generate(&compiled.program, &compiled.jurisdictions, &compiled.counties, config, sinks)?;
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    Ok(Tables { households: text(households), persons: text(persons), cases: declared.then(|| text(cases)), counts })
}

fn config(households: u64, seed: u64, bad_row_rate: f64) -> GenerateConfig {
    GenerateConfig { households, seed, bad_row_rate }
}

/// Writes the tables into `inputs` and runs the policy over them.
fn run_tables(compiled: &Compiled, tables: &Tables) -> (Inputs, pol_runtime::RunSummary) {
    let inputs = Inputs::new();
    inputs.write("households.csv", &tables.households);
    inputs.write("persons.csv", &tables.persons);
    if let Some(cases) = &tables.cases {
        inputs.write("cases.csv", cases);
    }
    let cases = tables.cases.as_ref().map(|_| "cases.csv");
    let summary = run_ok(compiled, &options(compiled, &inputs, "households.csv", "persons.csv", cases, "out"));
    (inputs, summary)
}

fn data_rows(text: &str) -> u64 {
    text.lines().count() as u64 - 1
}

#[test]
fn every_generated_household_is_accepted_by_pol_run() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let tables = generate_tables(&compiled, &config(700, 5, 0.0)).unwrap();
    assert_eq!(
        tables.households.lines().next(),
        Some("household_id,county_code,village,income,flag,months,kind"),
        "the header names the declared columns in order"
    );
    assert_eq!(tables.persons.lines().next(), Some("person_id,household_id,name,is_head,birth_date,grade,share"));
    assert_eq!(
        tables.cases.as_deref().and_then(|cases| cases.lines().next()),
        Some("case_id,household_id,amount,urgent")
    );
    let (_inputs, summary) = run_tables(&compiled, &tables);
    assert_eq!(summary.households.read, 700);
    assert_eq!(summary.households.rejected + summary.persons.rejected + summary.cases.rejected, 0, "{summary}");
    assert_eq!(summary.persons.read, tables.counts.persons);
    assert_eq!(summary.cases.read, tables.counts.cases);
    assert!(tables.counts.cases > 0, "some households have cases");
    // `weight = 1 / (grade - 3)` divides by zero for grade 3: such persons were redrawn.
    assert!(!tables.persons.lines().any(|line| line.split(',').nth(5) == Some("3")), "no person of grade 3");
    for grade in ["0", "1", "2", "4"] {
        assert!(tables.persons.lines().any(|line| line.split(',').nth(5) == Some(grade)), "grade {grade} occurs");
    }
}

#[test]
fn bad_rows_are_exactly_the_rejected_ones() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let tables = generate_tables(&compiled, &config(1_000, 9, 0.1)).unwrap();
    let counts = &tables.counts;
    assert!((60..=140).contains(&counts.bad_households), "{counts:?}");
    let (inputs, summary) = run_tables(&compiled, &tables);
    assert_eq!(summary.households.rejected, counts.bad_households, "{summary}");
    assert_eq!(summary.persons.rejected, counts.rejected_persons, "{summary}");
    assert_eq!(summary.cases.rejected, counts.rejected_cases, "{summary}");
    let rejects = inputs.read("out/rejects.csv");
    assert_eq!(
        data_rows(&rejects),
        counts.bad_households + counts.rejected_persons + counts.rejected_cases,
        "one rejects.csv row per rejected row"
    );
    assert!(rejects.contains("?`"), "the reasons quote the malformed cells:\n{rejects}");
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let first = generate_tables(&compiled, &config(600, 7, 0.05)).unwrap();
    let again = generate_tables(&compiled, &config(600, 7, 0.05)).unwrap();
    let other = generate_tables(&compiled, &config(600, 8, 0.05)).unwrap();
    assert_eq!((&first.households, &first.persons, &first.cases), (&again.households, &again.persons, &again.cases));
    assert_ne!(first.households, other.households);
    // Bad rows are drawn on a stream of their own: without them, the households are the same.
    let clean = generate_tables(&compiled, &config(600, 7, 0.0)).unwrap();
    let strip = |text: &str| text.replace('?', "");
    assert_eq!(strip(&first.households), clean.households);
    assert_eq!(strip(&first.persons), clean.persons);
    assert_eq!(data_rows(&clean.households), 600);
}

/// Generates for a variant of the small policy and renders the error.
fn error_of(pol: &str, jurisdictions: &str, config: &GenerateConfig) -> String {
    let compiled = compile_text(pol, jurisdictions);
    let error = match generate_tables(&compiled, config) {
        Ok(tables) => panic!("generating should fail, got {:?}", tables.counts),
        Err(error) => error,
    };
    match error.span() {
        Some(span) => render_plain(&compiled.sources, Diagnostic::new(Some(span), error)),
        None => render_plain(&compiled.sources, Diagnostic::new(None, error)),
    }
}

#[test]
fn a_require_no_household_meets_is_named() {
    let pol = SMALL_POL.replace(
        r#"require count(members) > 0 "户内没有成员""#,
        r#"require count(members) > 0 "户内没有成员"
  require count(members) > 12 "至少十三人""#,
    );
    insta::assert_snapshot!("generate_unsatisfiable", error_of(&pol, SMALL_JURISDICTIONS, &config(5, 1, 0.0)));
}

#[test]
fn an_evaluation_that_always_fails_is_named() {
    let pol = SMALL_POL.replace(
        "household n: int = count(members)",
        "household n: int = count(members)\nhousehold oldest_unborn: date = first(members where birth_date > as_of, birth_date)",
    );
    insta::assert_snapshot!("generate_evaluation", error_of(&pol, SMALL_JURISDICTIONS, &config(5, 1, 0.0)));
}

#[test]
fn a_bad_rate_outside_0_to_1_is_refused() {
    insta::assert_snapshot!("generate_bad_rate", error_of(SMALL_POL, SMALL_JURISDICTIONS, &config(5, 1, 1.5)));
}

#[test]
fn bad_rows_need_a_typed_column() {
    let pol = r#"
jurisdictions {
  county_code: key
  city_code: city
}
household {
  household_id: key
  note: text
}
person {
  person_id: key
  household_id: household
  name: text
}
household members_n: int = count(members)
output results for household {
  household_id
  members_n
}
"#;
    let rendered = error_of(pol, "county_code,city_code\n610102,610100\n", &config(5, 1, 0.5));
    insta::assert_snapshot!("generate_no_bad_field", rendered);
    // Without bad rows, the same policy generates.
    let compiled = compile_text(pol, "county_code,city_code\n610102,610100\n");
    let tables = generate_tables(&compiled, &config(5, 1, 0.0)).unwrap();
    assert_eq!(data_rows(&tables.households), 5);
    assert!(tables.cases.is_none(), "no cases declared, no cases table");
}

#[test]
fn an_int_column_with_only_negative_values_cannot_be_written() {
    let pol = SMALL_POL.replace("  months: int = 0\n", "  months: int = 0\n  debt: int -5..-1\n");
    insta::assert_snapshot!("generate_unwritable_column", error_of(&pol, SMALL_JURISDICTIONS, &config(5, 1, 0.0)));
}

#[test]
fn a_county_column_needs_a_county() {
    let jurisdictions = "county_code,county_name,city_code,city_name,deep\n";
    insta::assert_snapshot!("generate_no_county", error_of(SMALL_POL, jurisdictions, &config(5, 1, 0.0)));
}
