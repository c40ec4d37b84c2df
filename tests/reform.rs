//! Reforms and scenarios through the `pol` command line: the shipped Shaanxi reforms check and
//! pass their hand-computed tests on both engines; a reform directory or file is accepted where
//! a policy is; a policy directory leaves its reforms out; and a reform and the scenario that sets
//! the same value give byte-identical `pol run` outputs (one semantics), which differ from the
//! base's where a child is paid.

use crate::support::{TempDir, copy_dir, read_text, repo_root, shaanxi_dir};
use std::path::Path;
use std::process::Command;

/// Runs the built `pol` in `dir`; (exit code, stdout, stderr).
fn pol(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap_or_else(|error| panic!("cannot run pol {args:?}: {error}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const CHILD: &str = "policies/shaanxi/reforms/child_topup_15";
const DEEP: &str = "policies/shaanxi/reforms/deep_poverty_bonus_15pp";

#[test]
fn shipped_reforms_check_and_pass_their_tests_on_both_engines() {
    for (dir, tests) in [(CHILD, 4), (DEEP, 3)] {
        let (code, stdout, stderr) = pol(repo_root(), &["check", dir, "--error-format", "plain"]);
        assert_eq!(code, 0, "pol check {dir}\n{stdout}{stderr}");
        assert!(stdout.contains(&format!("{tests} tests: no errors")), "{stdout}");
        for engine in ["both", "interp", "jit"] {
            let (code, stdout, stderr) = pol(repo_root(), &["test", dir, "--engine", engine]);
            assert_eq!(code, 0, "pol test {dir} --engine {engine}\n{stdout}{stderr}");
            assert_eq!(stdout.lines().last(), Some(format!("{tests} passed, 0 failed").as_str()), "{stdout}");
        }
    }
}

#[test]
fn a_reform_file_is_accepted_where_a_policy_is() {
    let (code, stdout, stderr) = pol(repo_root(), &["test", &format!("{DEEP}/reform.pol")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().last(), Some("3 passed, 0 failed"));
    let (code, stdout, stderr) =
        pol(repo_root(), &["explain", CHILD, "--test", "儿童增发15%:汉中单亲两口之家", "--as-of", "2019-07-01"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("52.75"), "explain shows the reform's top-up:\n{stdout}");
}

#[test]
fn the_policy_leaves_its_reforms_out() {
    let (code, stdout, stderr) = pol(repo_root(), &["test", "policies/shaanxi"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().last(), Some("84 passed, 0 failed"), "no reform test runs with the base");
}

#[test]
fn a_reform_whose_base_is_missing_cannot_run() {
    let tmp = TempDir::new("reform-missing-base");
    std::fs::write(tmp.path().join("r.pol"), "reform of \"no_such_policy\"\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = pol(tmp.path(), &["check", "r.pol", "--error-format", "plain"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("no_such_policy"), "{stderr}");
}

#[test]
fn a_broken_scenario_is_reported_at_its_lines() {
    let tmp = TempDir::new("scenario-broken");
    let scenario = tmp.path().join("s.toml");
    std::fs::write(&scenario, "[province.\"2019-01-01\"]\n\"topup.child\" = \"150%\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let path = scenario.display().to_string();
    let (code, stdout, stderr) =
        pol(repo_root(), &["check", "policies/shaanxi", "--scenario", &path, "--error-format", "plain"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("s.toml:2:17"), "the breach is at the scenario's value:\n{stderr}");
    assert!(stderr.contains("pol::params::constraint"), "{stderr}");
}

/// `pol run` of the child top-up reform, of the base with a scenario setting the same ratio, and
/// of the base alone, on generated households.
#[test]
fn a_reform_and_the_same_scenario_give_identical_outputs() {
    let tmp = TempDir::new("reform-vs-scenario");
    copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
    std::fs::write(tmp.path().join("child15.toml"), "[province.\"2018-01-01\"]\n\"topup.child\" = \"15%\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) =
        pol(tmp.path(), &["gen", "shaanxi", "--households", "600", "--seed", "11", "--out", "data"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let run = |policy: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            policy,
            "--households",
            "data/households.csv",
            "--persons",
            "data/persons.csv",
            "--cases",
            "data/cases.csv",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = pol(tmp.path(), &args);
        assert_eq!(code, 0, "pol {args:?}\n{stdout}{stderr}");
        stdout
    };
    let reform_lines = run("shaanxi/reforms/child_topup_15", "out_reform", &[]);
    let scenario_lines = run("shaanxi", "out_scenario", &["--scenario", "child15.toml", "--engine", "interp"]);
    let base_lines = run("shaanxi", "out_base", &[]);
    assert_eq!(reform_lines, scenario_lines);
    assert_eq!(reform_lines, base_lines, "the same households are accepted");
    for file in ["household_results.csv", "case_results.csv", "publication.csv", "rejects.csv"] {
        let reform = read_text(&tmp.path().join("out_reform").join(file));
        let scenario = read_text(&tmp.path().join("out_scenario").join(file));
        assert!(reform == scenario, "{file} differs between the reform and the scenario");
    }
    let reform = read_text(&tmp.path().join("out_reform/household_results.csv"));
    let base = read_text(&tmp.path().join("out_base/household_results.csv"));
    let changed = reform.lines().zip(base.lines()).filter(|(a, b)| a != b).count();
    assert_eq!(reform.lines().count(), base.lines().count());
    assert!(changed > 0, "some household with a child is paid more under the reform");
}

/// The example CSV as JSON lines (the examples hold no quotes or commas inside fields), every
/// value a JSON string.
fn csv_to_jsonl(text: &str) -> String {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let mut out = String::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let fields: Vec<String> = header
            .iter()
            .zip(line.split(','))
            .map(|(name, value)| format!("\"{name}\":\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        out.push_str(&format!("{{{}}}\n", fields.join(",")));
    }
    out
}

/// A reform adding household columns with defaults runs over the example files, which lack
/// them: the results equal a run over files that carry the columns filled with the defaults,
/// for CSV and JSON lines (Parquet: runtime/tests/formats.rs).
#[test]
fn a_reform_column_with_a_default_may_be_absent_from_the_data() {
    let tmp = TempDir::new("reform-column-default");
    copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
    std::fs::create_dir_all(tmp.path().join("heat")).unwrap_or_else(|e| panic!("{e}"));
    let reform = "reform of \"../shaanxi\"\n\nhousehold {\n  heating_months: int 0..12 = 5\n  \
                  heating_subsidy: 元/月 = 12.5\n  heating_zone: text = \"北区\"\n}\n\n\
                  output household_results for household {\n  heating_months\n  heating_subsidy\n  heating_zone\n}\n";
    std::fs::write(tmp.path().join("heat/reform.pol"), reform).unwrap_or_else(|e| panic!("{e}"));
    let examples = repo_root().join("examples");
    let households = read_text(&examples.join("households.csv"));
    let filled: String = households
        .lines()
        .enumerate()
        .map(|(index, line)| {
            if index == 0 {
                format!("{line},heating_months,heating_subsidy,heating_zone\n")
            } else {
                format!("{line},5,12.50,北区\n")
            }
        })
        .collect();
    let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    write("without.csv", &households);
    write("with.csv", &filled);
    write("without.jsonl", &csv_to_jsonl(&households));
    write("with.jsonl", &csv_to_jsonl(&filled));
    let persons = examples.join("persons.csv").display().to_string();
    let cases = examples.join("cases.csv").display().to_string();
    let run = |households: &str, out: &str| {
        let args = ["run", "heat", "--households", households, "--persons", &persons, "--cases", &cases, "--out", out];
        let (code, stdout, stderr) = pol(tmp.path(), &args);
        assert_eq!(code, 0, "pol {args:?}\n{stdout}{stderr}");
        read_text(&tmp.path().join(out).join("household_results.csv"))
    };
    let expected = run("with.csv", "out_with");
    let header = expected.lines().next().unwrap_or_default();
    assert!(header.ends_with(",heating_months,heating_subsidy,heating_zone"), "{header}");
    let first = expected.lines().nth(1).unwrap_or_default();
    assert!(first.ends_with(",5,12.50,北区"), "{first}");
    assert_eq!(run("without.csv", "out_without"), expected, "CSV without the columns");
    assert_eq!(run("with.jsonl", "out_with_jsonl"), expected, "JSON lines with the columns");
    assert_eq!(run("without.jsonl", "out_without_jsonl"), expected, "JSON lines without the columns");
}

/// `--scenario` on `pol test` and `pol explain` layers the scenario over the policy's values, as
/// on `pol run` and `pol check`: the child top-up at 15% pays 58.13 where the base test expects
/// 38.75, so that test fails, and explain shows the scenario's amount.
#[test]
fn test_and_explain_take_a_scenario() {
    let tmp = TempDir::new("scenario-test-explain");
    let scenario = tmp.path().join("child15.toml");
    std::fs::write(&scenario, "[province.\"2018-01-01\"]\n\"topup.child\" = \"15%\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let scenario = scenario.display().to_string();
    let name = "有收入的三口之家:差额加儿童增发";
    let (code, stdout, stderr) = pol(repo_root(), &["test", "policies/shaanxi", "--filter", name]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed"), "{stdout}");
    let (code, stdout, stderr) =
        pol(repo_root(), &["test", "policies/shaanxi", "--filter", name, "--scenario", &scenario]);
    assert_eq!(code, 1, "the base's expectation breaks under the scenario\n{stdout}{stderr}");
    assert!(format!("{stdout}{stderr}").contains("58.13"), "{stdout}{stderr}");
    let (code, stdout, stderr) = pol(
        repo_root(),
        &["explain", "policies/shaanxi", "--test", name, "--as-of", "2019-07-01", "--scenario", &scenario],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("58.13"), "explain shows the scenario's top-up:\n{stdout}");
    let (code, stdout, stderr) =
        pol(repo_root(), &["explain", "policies/shaanxi", "--test", name, "--as-of", "2019-07-01"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("58.13") && stdout.contains("38.75"), "{stdout}");
}

/// `--error-format json` names a related place in another file with its file, line, column and
/// label: a reform's replacement of another type, and the base declaration it contradicts.
#[test]
fn a_related_place_is_in_the_json_form() {
    let tmp = TempDir::new("reform-related-json");
    copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
    let reform = "reform of \"shaanxi\"\nreplace household gap: 元/年 = 0 元/年\n";
    std::fs::write(tmp.path().join("bad.pol"), reform).unwrap_or_else(|e| panic!("{e}"));
    for (lang, label) in
        [("en", "the base declares `gap` as `元/月` here"), ("zh", "基准政策在这里把 `gap` 声明为 `元/月`")]
    {
        let (code, stdout, stderr) = pol(tmp.path(), &["check", "bad.pol", "--error-format", "json", "--lang", lang]);
        assert_eq!(code, 1, "{stdout}{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one JSON object per diagnostic:\n{stderr}");
        let value: serde_json::Value = serde_json::from_str(lines.first().copied().unwrap_or(""))
            .unwrap_or_else(|error| panic!("not JSON ({error}):\n{stderr}"));
        assert_eq!(value["code"], "pol::reform::type_changed");
        assert_eq!(value["file"], "bad.pol");
        assert_eq!(value["labels"][0]["line"], 2);
        let related = serde_json::json!([{
            "file": "shaanxi/2019/20_dibao.pol",
            "label": label,
            "line": 58,
            "column": 11,
            "start": value["related"][0]["start"].clone(),
            "end": value["related"][0]["end"].clone(),
        }]);
        assert_eq!(value["related"], related, "{stderr}");
        let start = value["related"][0]["start"].as_u64().unwrap_or(0) as usize;
        let text = read_text(&tmp.path().join("shaanxi/2019/20_dibao.pol"));
        assert_eq!(text.get(start..start + "gap".len()), Some("gap"));
    }
}
