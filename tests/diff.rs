//! `pol diff` against two separate `pol run`s on generated Shaanxi data: the same policy at two
//! dates, and the policy against an edited copy of itself (a provincial parameter changed).
//!
//! For each diff, `changes.csv` must be exactly the cells that differ between the two runs'
//! `household_results.csv` (households accepted by both, in input order, columns in the
//! reform's order), `rejects.csv` each run's rejects with its side in front, the stderr lines
//! each run's counts with the side in front, and the province's figures in `summary.json` the
//! sums, counts and transitions recomputed here from the two runs' rows. The outputs must be
//! byte-identical for one and two threads and for the interpreter.

use crate::support::{TempDir, copy_dir, read_text, shaanxi_dir};
use pol_runtime::commands::{self, EngineChoice, ErrorFormat, Status};
use pol_testkit::synth::{SynthConfig, county_codes_from_csv, generate};
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Generates households, persons and cases into `dir`.
fn generate_data(dir: &Path, seed: u64, households: u64, bad_row_rate: f64) {
    let codes = county_codes_from_csv(&read_text(&shaanxi_dir().join("jurisdictions.csv")));
    let config = SynthConfig { households, seed, as_of: (2019, 7, 1), bad_row_rate, ..SynthConfig::default() };
    let create = |name: &str| {
        let path = dir.join(name);
        File::create(&path).unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()))
    };
    generate(&config, &codes, create("households.csv"), create("persons.csv"), create("cases.csv"))
        .unwrap_or_else(|error| panic!("cannot generate: {error}"));
}

fn day(text: &str) -> i64 {
    pol_compiler::date::parse_iso(text).unwrap_or_else(|| panic!("`{text}` is not a date"))
}

/// `pol run POLICY --as-of DATE` over the data in `dir`, into `out`; returns its stdout.
fn pol_run(dir: &Path, policy: &Path, as_of: &str, out: &Path) -> String {
    let command = commands::run::RunCommand {
        policy: policy.to_path_buf(),
        households: dir.join("households.csv"),
        persons: Some(dir.join("persons.csv")),
        cases: Some(dir.join("cases.csv")),
        as_of: day(as_of),
        out: out.to_path_buf(),
        engine: EngineChoice::Jit,
        threads: Some(2),
        timings: false,
        output_format: commands::run::OutputFormat::Csv,
        scenario: None,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = commands::run::run(&command, ErrorFormat::Plain, &mut stdout, &mut stderr);
    assert_eq!(status, Status::Success, "{}", String::from_utf8_lossy(&stderr));
    String::from_utf8_lossy(&stdout).into_owned()
}

/// A diff's arguments.
struct Diff<'a> {
    base: &'a Path,
    reform: Option<&'a Path>,
    scenario: Option<&'a Path>,
    base_as_of: Option<&'a str>,
    as_of: &'a str,
}

/// `pol diff` over the data in `dir`, into `out`; returns its stderr.
fn pol_diff(dir: &Path, diff: &Diff<'_>, out: &Path, engine: EngineChoice, threads: usize) -> String {
    let command = commands::diff::DiffCommand {
        base: diff.base.to_path_buf(),
        reform: diff.reform.map(Path::to_path_buf),
        scenario: diff.scenario.map(Path::to_path_buf),
        households: dir.join("households.csv"),
        persons: dir.join("persons.csv"),
        cases: Some(dir.join("cases.csv")),
        as_of: day(diff.as_of),
        base_as_of: diff.base_as_of.map(day),
        out: out.to_path_buf(),
        engine,
        threads: Some(threads),
    };
    let mut stderr = Vec::new();
    let status = commands::diff::diff(&command, ErrorFormat::Plain, &mut stderr);
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert_eq!(status, Status::Success, "{stderr}");
    stderr
}

/// A CSV file's header and records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let header = reader.headers().map(|header| header.iter().map(str::to_string).collect()).unwrap_or_default();
    let rows = reader
        .records()
        .map(|record| {
            record
                .unwrap_or_else(|error| panic!("bad CSV in {}: {error}", path.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// `123.45` → 12345 fen.
fn fen(text: &str) -> i128 {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let value: i128 = digits.parse().unwrap_or_else(|_| panic!("`{text}` is not money"));
    if negative { -value } else { value }
}

fn money_text(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// The histogram bin of a change in fen, as `docs/language.md` documents the bins.
fn bin(change: i128) -> usize {
    let edges = [1_000, 5_000, 10_000, 20_000, 50_000];
    let beyond = edges.iter().filter(|edge| change.abs() > **edge).count();
    match change.signum() {
        0 => 6,
        1 => 7 + beyond,
        _ => 5 - beyond,
    }
}

/// Checks the diff in `diff_out` against the two runs in `base_out` and `reform_out`.
fn check_against_runs(label: &str, diff_out: &Path, runs: [(&Path, &str); 2], stderr: &str) {
    let [(base_out, base_stdout), (reform_out, reform_stdout)] = runs;
    // The stderr lines: each run's lines with its side.
    let expected_lines: Vec<String> = [("base", base_stdout), ("reform", reform_stdout)]
        .iter()
        .flat_map(|(side, stdout)| stdout.lines().map(move |line| format!("{side}: {line}")))
        .collect();
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected_lines, "{label}: stderr");

    // changes.csv: the differing cells of the two `household_results.csv`.
    let (base_header, base_rows) = read_csv(&base_out.join("household_results.csv"));
    let (reform_header, reform_rows) = read_csv(&reform_out.join("household_results.csv"));
    let base_by_id: HashMap<&str, &Vec<String>> = base_rows.iter().map(|row| (row[0].as_str(), row)).collect();
    let common: Vec<(usize, usize, &str)> = reform_header
        .iter()
        .enumerate()
        .filter_map(|(reform_index, name)| {
            base_header.iter().position(|base| base == name).map(|base_index| (base_index, reform_index, name.as_str()))
        })
        .collect();
    let mut expected = Vec::new();
    let mut both = Vec::new();
    for reform_row in &reform_rows {
        let Some(base_row) = base_by_id.get(reform_row[0].as_str()) else { continue };
        both.push((*base_row, reform_row));
        for (base_index, reform_index, name) in &common {
            if base_row[*base_index] != reform_row[*reform_index] {
                expected.push(vec![
                    reform_row[0].clone(),
                    (*name).to_string(),
                    base_row[*base_index].clone(),
                    reform_row[*reform_index].clone(),
                ]);
            }
        }
    }
    let (changes_header, changes) = read_csv(&diff_out.join("changes.csv"));
    assert_eq!(changes_header, ["household_id", "column", "base", "reform"]);
    assert!(!expected.is_empty(), "{label}: the two sides should differ");
    assert_eq!(changes.len(), expected.len(), "{label}: changes.csv rows");
    for (index, (actual, expected)) in changes.iter().zip(&expected).enumerate() {
        assert_eq!(actual, expected, "{label}: changes.csv row {}", index + 2);
    }

    // rejects.csv: each run's rejects with its side in front.
    let mut rejects = String::from("side,file,line,household_id,field,reason\n");
    for (side, out) in [("base", base_out), ("reform", reform_out)] {
        for line in read_text(&out.join("rejects.csv")).lines().skip(1) {
            rejects.push_str(&format!("{side},{line}\n"));
        }
    }
    assert_eq!(read_text(&diff_out.join("rejects.csv")), rejects, "{label}: rejects.csv");

    // The province's figures, recomputed from the two runs' rows.
    let summary: Value = serde_json::from_str(&read_text(&diff_out.join("summary.json")))
        .unwrap_or_else(|error| panic!("{label}: summary.json is not JSON: {error}"));
    assert_eq!(summary["households"]["compared"], both.len() as u64, "{label}: compared");
    let province = &summary["groups"][0];
    assert_eq!(province["level"], "province");
    assert_eq!(province["households"], both.len() as u64);
    let column = |header: &[String], name: &str| {
        header.iter().position(|column| column == name).unwrap_or_else(|| panic!("no column `{name}`"))
    };
    let money = province["money"].as_array().unwrap_or_else(|| panic!("{label}: no money"));
    assert!(money.iter().any(|entry| entry["column"] == "provincial_share_monthly"), "{label}: provincial share");
    for entry in money {
        let name = entry["column"].as_str().unwrap_or_default();
        let (base_index, reform_index) = (column(&base_header, name), column(&reform_header, name));
        let (mut base_sum, mut reform_sum, mut counts) = (0i128, 0i128, [0u64; 3]);
        for (base_row, reform_row) in &both {
            let (from, to) = (fen(&base_row[base_index]), fen(&reform_row[reform_index]));
            base_sum += from;
            reform_sum += to;
            counts[if to > from {
                0
            } else if to < from {
                1
            } else {
                2
            }] += 1;
        }
        assert_eq!(entry["base"], money_text(base_sum), "{label}: {name} base");
        assert_eq!(entry["reform"], money_text(reform_sum), "{label}: {name} reform");
        assert_eq!(entry["change"], money_text(reform_sum - base_sum), "{label}: {name} change");
        assert_eq!(entry["change_annual"], money_text((reform_sum - base_sum) * 12), "{label}: {name} annual");
        assert_eq!(
            [&entry["gaining"], &entry["losing"], &entry["unchanged"]],
            counts.map(Value::from).each_ref(),
            "{label}: {name} gaining, losing, unchanged"
        );
    }
    let transition = &province["transitions"][0];
    assert_eq!(transition["column"], "dibao_status");
    let values: Vec<String> = transition["base_values"]
        .as_array()
        .map(|values| values.iter().map(|value| value.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default();
    let mut matrix = vec![vec![0u64; values.len()]; values.len()];
    let (base_status, reform_status) = (column(&base_header, "dibao_status"), column(&reform_header, "dibao_status"));
    let mut histogram = [0u64; 13];
    let (base_total, reform_total) = (column(&base_header, "total_monthly"), column(&reform_header, "total_monthly"));
    for (base_row, reform_row) in &both {
        let index = |value: &str| values.iter().position(|known| known == value).unwrap_or(usize::MAX);
        matrix[index(&base_row[base_status])][index(&reform_row[reform_status])] += 1;
        histogram[bin(fen(&reform_row[reform_total]) - fen(&base_row[base_total]))] += 1;
    }
    assert_eq!(transition["counts"], serde_json::json!(matrix), "{label}: dibao_status transitions");
    assert_eq!(province["histogram"], serde_json::json!(histogram), "{label}: histogram");
    // Persons newly and no longer covered: their difference is the change of the total.
    for persons in province["persons"].as_array().unwrap_or_else(|| panic!("{label}: no persons")) {
        let (newly, no_longer) = (persons["newly"].as_i64().unwrap_or(0), persons["no_longer"].as_i64().unwrap_or(0));
        let (base, reform) = (persons["base"].as_i64().unwrap_or(0), persons["reform"].as_i64().unwrap_or(0));
        assert_eq!(newly - no_longer, reform - base, "{label}: {}", persons["column"]);
    }
    assert!(
        province["persons"].as_array().is_some_and(|persons| persons.iter().any(|p| p["column"] == "covered_persons"))
    );
}

/// Runs both sides with `pol run` and the diff, and compares.
fn diff_against_runs(tmp: &TempDir, label: &str, diff: &Diff<'_>) -> PathBuf {
    let dir = tmp.path();
    let base_out = dir.join(format!("{label}-base"));
    let reform_out = dir.join(format!("{label}-reform"));
    let base_stdout = pol_run(dir, diff.base, diff.base_as_of.unwrap_or(diff.as_of), &base_out);
    let reform_stdout = pol_run(dir, diff.reform.unwrap_or(diff.base), diff.as_of, &reform_out);
    let diff_out = dir.join(format!("{label}-diff"));
    let stderr = pol_diff(dir, diff, &diff_out, EngineChoice::Jit, 2);
    check_against_runs(label, &diff_out, [(&base_out, &base_stdout), (&reform_out, &reform_stdout)], &stderr);
    diff_out
}

#[test]
fn diff_agrees_with_two_runs_of_the_policy_at_two_dates() {
    let tmp = TempDir::new("diff-dates");
    generate_data(tmp.path(), 2019, 3_000, 0.02);
    let policy = shaanxi_dir();
    // The 2019 standards against 2018's; the day the 2019 minimum wages took effect.
    for (label, base_as_of, as_of) in [("2018-2019", "2018-12-01", "2019-07-01"), ("wages", "2019-04-30", "2019-05-01")]
    {
        let diff = Diff { base: &policy, reform: None, scenario: None, base_as_of: Some(base_as_of), as_of };
        diff_against_runs(&tmp, label, &diff);
    }
}

#[test]
fn diff_agrees_with_two_runs_for_an_edited_copy_of_the_policy() {
    let tmp = TempDir::new("diff-edited");
    generate_data(tmp.path(), 11, 3_000, 0.03);
    let reform = tmp.path().join("reform");
    copy_dir(&shaanxi_dir(), &reform);
    let params = reform.join("2019").join("10_params.pol");
    let text = read_text(&params);
    let from = "param provincial_share: ratio {\n  set by city, county\n  = 60%\n";
    assert!(text.contains(from), "the provincial share's declaration moved");
    std::fs::write(&params, text.replace(from, "param provincial_share: ratio {\n  set by city, county\n  = 65%\n"))
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", params.display()));
    let policy = shaanxi_dir();
    let diff = Diff { base: &policy, reform: Some(&reform), scenario: None, base_as_of: None, as_of: "2019-07-01" };
    let diff_out = diff_against_runs(&tmp, "share", &diff);
    let summary: Value = serde_json::from_str(&read_text(&diff_out.join("summary.json"))).unwrap_or(Value::Null);
    let changed: Vec<&str> = summary["groups"][0]["money"]
        .as_array()
        .map(|money| {
            money
                .iter()
                .filter(|entry| entry["change"] != "0.00")
                .filter_map(|entry| entry["column"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(changed, ["provincial_share_monthly"], "only the provincial share changes");
}

#[test]
fn diff_outputs_are_the_same_for_one_and_two_threads_and_the_interpreter() {
    let tmp = TempDir::new("diff-threads");
    // More than one chunk of 8,192 households.
    generate_data(tmp.path(), 5, 9_000, 0.02);
    let policy = shaanxi_dir();
    let diff =
        Diff { base: &policy, reform: None, scenario: None, base_as_of: Some("2018-12-01"), as_of: "2019-07-01" };
    let files = |out: &Path| -> Vec<(String, String)> {
        ["changes.csv", "rejects.csv", "summary.md", "summary.json", "report.html"]
            .iter()
            .map(|name| (name.to_string(), read_text(&out.join(name))))
            .collect()
    };
    let first = tmp.path().join("jit-1");
    pol_diff(tmp.path(), &diff, &first, EngineChoice::Jit, 1);
    for (label, engine, threads) in [("jit-2", EngineChoice::Jit, 2), ("interp-2", EngineChoice::Interp, 2)] {
        let out = tmp.path().join(label);
        pol_diff(tmp.path(), &diff, &out, engine, threads);
        assert!(files(&out) == files(&first), "{label} differs from jit-1");
    }
}

/// A shipped reform directory as REFORM agrees with two runs, and the parameter-only scenario that
/// sets the same ratio (`--scenario`, layered over the reform side, here the base itself) gives the
/// same changes and rejects.
#[test]
fn diff_of_a_reform_directory_and_of_the_same_scenario() {
    let tmp = TempDir::new("diff-reform");
    generate_data(tmp.path(), 23, 3_000, 0.02);
    let policy = shaanxi_dir();
    let reform = policy.join("reforms").join("child_topup_15");
    let diff = Diff { base: &policy, reform: Some(&reform), scenario: None, base_as_of: None, as_of: "2019-07-01" };
    let reform_out = diff_against_runs(&tmp, "child15", &diff);
    let changes = read_text(&reform_out.join("changes.csv"));
    assert!(changes.lines().count() > 1, "a child top-up at 15% changes some household's amounts");
    let scenario = tmp.path().join("child15.toml");
    std::fs::write(&scenario, "[province.\"2018-01-01\"]\n\"topup.child\" = \"15%\"\n")
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", scenario.display()));
    let diff = Diff { base: &policy, reform: None, scenario: Some(&scenario), base_as_of: None, as_of: "2019-07-01" };
    let scenario_out = tmp.path().join("child15-scenario");
    pol_diff(tmp.path(), &diff, &scenario_out, EngineChoice::Jit, 2);
    for file in ["changes.csv", "rejects.csv"] {
        let (from_reform, from_scenario) = (read_text(&reform_out.join(file)), read_text(&scenario_out.join(file)));
        assert!(from_reform == from_scenario, "{file} differs between the reform and the scenario");
    }
}
