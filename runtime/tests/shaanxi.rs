//! End to end on the Shaanxi 2019 policy: synthetic data through `pol run`, compared with the
//! independent hand-written oracle of the spec, to the byte.

use crate::support::*;
use pol_testkit::shaanxi_oracle;
use pol_testkit::synth::{SynthConfig, county_codes_from_csv, generate};
use std::path::Path;

pub fn shaanxi() -> Compiled {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/shaanxi");
    let sources = pol_runtime::load::load_policy_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
    compile(sources, as_of())
}

fn jurisdictions_csv() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/shaanxi/jurisdictions.csv");
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Writes synthetic households, persons and cases into `inputs`.
pub fn synthesize(inputs: &Inputs, households: u64, bad_row_rate: f64, seed: u64) -> pol_testkit::synth::SynthCounts {
    let config = SynthConfig { households, seed, bad_row_rate, ..SynthConfig::default() };
    let codes = county_codes_from_csv(&jurisdictions_csv());
    let (mut h, mut p, mut c) = (Vec::new(), Vec::new(), Vec::new());
    let counts = generate(&config, &codes, &mut h, &mut p, &mut c).unwrap_or_else(|error| panic!("synth: {error}"));
    inputs.write("households.csv", h);
    inputs.write("persons.csv", p);
    inputs.write("cases.csv", c);
    counts
}

fn oracle(inputs: &Inputs) -> shaanxi_oracle::RunOutput {
    let read = |name: &str| std::fs::read(inputs.path(name)).unwrap_or_default();
    let (h, p, c) = (read("households.csv"), read("persons.csv"), read("cases.csv"));
    let as_of = shaanxi_oracle::Date::parse("2019-07-01").unwrap_or_else(|error| panic!("{error}"));
    shaanxi_oracle::run_tables(
        &jurisdictions_csv(),
        shaanxi_oracle::CsvSource { file_name: "households.csv", bytes: &h },
        shaanxi_oracle::CsvSource { file_name: "persons.csv", bytes: &p },
        Some(shaanxi_oracle::CsvSource { file_name: "cases.csv", bytes: &c }),
        as_of,
    )
    .unwrap_or_else(|error| panic!("oracle: {error}"))
}

#[test]
fn clean_data_matches_the_oracle_to_the_byte() {
    let compiled = shaanxi();
    let inputs = Inputs::new();
    let counts = synthesize(&inputs, 3_000, 0.0, 2019);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary =
        run_with(&compiled, &options).unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    let expected = oracle(&inputs);
    assert_eq!(summary.households.read, counts.households);
    assert_eq!(summary.persons.read, counts.persons);
    assert_eq!(summary.passes, 1);
    assert_eq!(inputs.read("out/household_results.csv"), expected.household_results);
    assert_eq!(inputs.read("out/case_results.csv"), expected.case_results);
    assert_eq!(inputs.read("out/publication.csv"), expected.publication);
}

#[test]
fn bad_rows_are_rejected_like_the_oracle_rejects_them() {
    let compiled = shaanxi();
    let inputs = Inputs::new();
    let counts = synthesize(&inputs, 3_000, 0.08, 7);
    let mut options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    options.chunk_households = 257;
    let summary =
        run_with(&compiled, &options).unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    let expected = oracle(&inputs);
    if summary.households.rejected != counts.expected_rejected_households {
        let ours = inputs.read("out/rejects.csv");
        let ours: std::collections::BTreeSet<&str> = ours.lines().collect();
        let theirs: std::collections::BTreeSet<&str> = expected.rejects.lines().collect();
        for line in theirs.difference(&ours).take(20) {
            println!("oracle only: {line}");
        }
        for line in ours.difference(&theirs).take(20) {
            println!("ours only:   {line}");
        }
        println!("{summary:?}");
    }
    assert_eq!(summary.households.rejected, counts.expected_rejected_households);
    assert_eq!(summary.persons.rejected, counts.expected_rejected_persons);
    assert_eq!(summary.cases.rejected, counts.expected_rejected_cases);
    assert_eq!(summary.households.read, expected.counts.households.read as u64);
    assert_eq!(summary.households.rejected, expected.counts.households.rejected as u64);
    assert_eq!(summary.persons.rejected, expected.counts.persons.rejected as u64);
    assert_eq!(summary.cases.rejected, expected.counts.cases.rejected as u64);
    assert_eq!(inputs.read("out/household_results.csv"), expected.household_results);
    assert_eq!(inputs.read("out/case_results.csv"), expected.case_results);
    assert_eq!(inputs.read("out/publication.csv"), expected.publication);
    // The same rows are rejected, with the same fields, in the same order.
    let rows = |text: &str| -> Vec<(String, String, String, String)> {
        text.lines()
            .skip(1)
            .map(|line| {
                let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
                let record = reader.records().next().and_then(Result::ok).unwrap_or_default();
                let field = |index: usize| record.get(index).unwrap_or("").to_string();
                (field(0), field(1), field(2), field(3))
            })
            .collect()
    };
    let ours = rows(&inputs.read("out/rejects.csv"));
    let theirs = rows(&expected.rejects);
    let ours_keys: Vec<_> = ours.iter().map(|(file, line, id, _)| (file.clone(), line.clone(), id.clone())).collect();
    let theirs_keys: Vec<_> =
        theirs.iter().map(|(file, line, id, _)| (file.clone(), line.clone(), id.clone())).collect();
    assert_eq!(ours_keys, theirs_keys);
}
