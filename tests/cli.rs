//! The `pol` command line, run as a process: what it prints and its exit code, snapshotted.
//!
//! Every command runs with its working directory set to the repository root or to a temporary
//! directory holding a copy of the policy, and is given relative paths, so what it prints names
//! no machine path; [`Run::render`] also replaces the repository root and the temporary directory
//! by `[REPO]` and `[TMP]`, should one slip through. Diagnostics are printed with
//! `--error-format plain` (no colour), the format the snapshots store.

use crate::support::{
    TempDir, copy_dir, eur_no_jurisdictions_dir, local_scales_dir, pension_topup_dir, read_text, repo_root, shaanxi_dir,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one `pol` process printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) args: Vec<String>,
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The temporary directory it ran in, if any (filtered out of the rendering).
    tmp: Option<PathBuf>,
}

impl Run {
    /// The command line, exit code, stdout and stderr as one text for a snapshot.
    pub(crate) fn render(&self) -> String {
        let text = format!(
            "$ pol {}\nexit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
        self.filter(&text)
    }

    /// Only the last line of stdout and the exit code, for long outputs.
    fn render_last_line(&self) -> String {
        let last = self.stdout.lines().last().unwrap_or("");
        self.filter(&format!("$ pol {}\nexit code: {}\nlast line: {last}\n", self.args.join(" "), self.code))
    }

    fn filter(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(tmp) = &self.tmp {
            text = text.replace(&tmp.display().to_string(), "[TMP]");
        }
        text.replace(&repo_root().display().to_string(), "[REPO]")
    }
}

/// Runs the built `pol` binary in `dir` with `args`.
pub(crate) fn pol(dir: &Path, args: &[&str]) -> Run {
    pol_with_env(dir, args, &[])
}

/// `pol check POLICY` accepts the policy directory `policy` (relative to `dir`), and `pol test`
/// passes its `passed` tests on the interpreter and on the JIT.
pub(crate) fn assert_checks_and_passes_on_both_engines(dir: &Path, policy: &str, passed: usize) {
    let check = pol(dir, &["check", policy]);
    assert_eq!(check.code, 0, "{}", check.render());
    for engine in ["interp", "jit"] {
        let test = pol(dir, &["test", "--engine", engine, policy]);
        assert_eq!(test.code, 0, "{}", test.render());
        assert!(test.stdout.contains(&format!("{passed} passed, 0 failed")), "{}", test.render());
    }
}

/// `pol run POLICY --households H --persons P --as-of D --engine E --out OUT` in `dir`, which
/// must succeed: the run (for its messages) and the output directory.
pub(crate) fn run_policy_ok(
    dir: &Path,
    policy: &str,
    [households, persons]: [&str; 2],
    as_of: &str,
    engine: &str,
    out: &str,
) -> (Run, PathBuf) {
    let args = [
        "run",
        policy,
        "--households",
        households,
        "--persons",
        persons,
        "--as-of",
        as_of,
        "--engine",
        engine,
        "--out",
        out,
    ];
    let run = pol(dir, &args);
    assert_eq!(run.code, 0, "{}", run.render());
    (run, dir.join(out))
}

/// `pol fmt --check POLICY` finds the policy in the canonical layout.
pub(crate) fn assert_canonical(dir: &Path, policy: &str) {
    let fmt = pol(dir, &["fmt", "--check", policy]);
    assert_eq!(fmt.code, 0, "the policy is in the canonical layout\n{}", fmt.render());
}

/// [`pol`] with environment variables set (after the locale variables are cleared).
pub(crate) fn pol_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // English unless a test asks for Chinese: the machine's locale must not change the snapshots.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("cannot run pol {args:?}: {error}"));
    Run {
        args: args.iter().map(|arg| arg.to_string()).collect(),
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        tmp: (dir != repo_root()).then(|| dir.to_path_buf()),
    }
}

/// A temporary directory holding a copy of the Shaanxi policy as `shaanxi/`.
fn shaanxi_copy(label: &str) -> TempDir {
    let tmp = TempDir::new(label);
    copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
    tmp
}

// ---------------------------------------------------------------------------------------------
// pol check

#[test]
fn check_shaanxi_passes() {
    let run = pol(repo_root(), &["check", "policies/shaanxi"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

/// What a broken fixture's header comment says: the file it stands in for and the line the
/// diagnostic must point at.
#[derive(Debug)]
struct FixtureHeader {
    /// E.g. `params/610881_shenmu.toml`.
    replaces: String,
    /// The 1-based line of the offending value in the fixture.
    line: usize,
}

/// Reads `stands in for params/X.toml` and `(line N)` from a fixture's header comment.
fn fixture_header(text: &str) -> FixtureHeader {
    let replaces = text
        .split("stands in for ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `stands in for` in the header:\n{text}"))
        .to_string();
    let line = text
        .split("(line ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no `(line N)` in the header:\n{text}"));
    FixtureHeader { replaces, line }
}

/// The broken local parameter files of `tests/fixtures/params/`, sorted by name.
fn param_fixtures() -> Vec<PathBuf> {
    let dir = repo_root().join("tests").join("fixtures").join("params");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    fixtures.sort();
    fixtures
}

/// A copy of the policy with the fixture in place of the file it stands in for.
fn policy_with_fixture(fixture: &Path) -> (TempDir, FixtureHeader, String) {
    let stem = fixture.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let text = read_text(fixture);
    let header = fixture_header(&text);
    let tmp = shaanxi_copy(&stem);
    let target = tmp.path().join("shaanxi").join(&header.replaces);
    assert!(target.is_file(), "{stem}: {} is not a file of the policy", header.replaces);
    std::fs::write(&target, &text).unwrap_or_else(|error| panic!("cannot write {}: {error}", target.display()));
    (tmp, header, stem)
}

/// Every broken local file: exit 1, one diagnostic at the line its header names, snapshotted.
#[test]
fn check_rejects_each_broken_param_file() {
    let fixtures = param_fixtures();
    assert!(fixtures.len() >= 16, "expected the 16 broken fixtures, found {}", fixtures.len());
    for fixture in &fixtures {
        let (tmp, header, stem) = policy_with_fixture(fixture);
        let run = pol(tmp.path(), &["check", "--error-format", "plain", "shaanxi"]);
        let rendered = run.render();
        assert_eq!(run.code, 1, "{stem}: expected exit 1\n{rendered}");
        let location = format!("[{}:{}:", header.replaces, header.line);
        assert!(run.stderr.contains(&location), "{stem}: the diagnostic should point at {location}\n{rendered}");
        assert!(run.stderr.contains("error: 1 error found"), "{stem}: expected exactly one error\n{rendered}");
        insta::with_settings!({ description => format!("tests/fixtures/params/{stem}.toml in place of {}", header.replaces) }, {
            insta::assert_snapshot!(format!("check_param_{stem}"), rendered);
        });
    }
}

/// The JSON form of one parameter diagnostic: one object per line with file, code and the
/// label's 1-based line.
#[test]
fn check_broken_param_file_as_json() {
    let fixture = repo_root().join("tests/fixtures/params/dibao_rise_7_percent.toml");
    let (tmp, header, _) = policy_with_fixture(&fixture);
    let run = pol(tmp.path(), &["check", "--error-format", "json", "shaanxi"]);
    assert_eq!(run.code, 1, "{}", run.render());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object per diagnostic:\n{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(lines.first().copied().unwrap_or(""))
        .unwrap_or_else(|error| panic!("not JSON ({error}):\n{}", run.stderr));
    assert_eq!(value["file"], header.replaces.as_str());
    assert_eq!(value["code"], "pol::params::constraint");
    assert_eq!(value["labels"][0]["line"], header.line);
    insta::assert_snapshot!(run.render());
}

/// A policy broken three ways, one per stage that stops checking: a parse error, a type error
/// (each in an extra `.pol` file) and a parameter file below the provincial floor.
fn broken_three_ways(label: &str) -> Vec<(&'static str, TempDir)> {
    let parse = shaanxi_copy(&format!("{label}_parse"));
    let extra = |tmp: &TempDir, text: &str| {
        let path = tmp.path().join("shaanxi").join("2019").join("99_extra.pol");
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    };
    extra(
        &parse,
        "/// 未写完的规则\nhousehold unfinished: 元/月 = monthly_standard *\n\nhousehold next_rule: int = 1\n",
    );
    let types = shaanxi_copy(&format!("{label}_type"));
    extra(&types, "// 月标准与年标准相加:单位不同\nhousehold wrong_sum: 元/月 = monthly_standard + dibao_standard\n");
    let fixture = repo_root().join("tests/fixtures/params/dibao_below_min_standard.toml");
    let (params, _, _) = policy_with_fixture(&fixture);
    vec![("parse error", parse), ("type error", types), ("parameter below the floor", params)]
}

/// `LANG=zh_CN.UTF-8 pol check` prints every diagnostic in Chinese (names and values quoted
/// from the policy stay in backticks), with the same codes and places as in English.
#[test]
fn check_in_chinese_from_lang() {
    let mut rendered = String::new();
    for (what, tmp) in broken_three_ways("zh") {
        let run =
            pol_with_env(tmp.path(), &["check", "--error-format", "plain", "shaanxi"], &[("LANG", "zh_CN.UTF-8")]);
        assert_eq!(run.code, 1, "{}", run.render());
        assert!(run.stderr.contains("错误：发现"), "{}", run.render());
        rendered.push_str(&format!("=== {what}\n{}", run.render()));
    }
    insta::assert_snapshot!(rendered);
}

/// `--lang en` overrides a Chinese locale; the output is the English one, byte for byte.
#[test]
fn check_lang_en_overrides_a_chinese_locale() {
    for (what, tmp) in broken_three_ways("en") {
        let english = pol(tmp.path(), &["check", "--error-format", "plain", "shaanxi"]);
        let forced = pol_with_env(
            tmp.path(),
            &["check", "--error-format", "plain", "--lang", "en", "shaanxi"],
            &[("LC_ALL", "zh_CN.UTF-8")],
        );
        assert_eq!(forced.stderr, english.stderr, "{what}");
        assert!(english.stderr.contains("error: 1 error found"), "{}", english.render());
    }
}

/// `--lang zh --error-format json` keeps the stable codes and the places (columns counted in
/// characters) and carries the Chinese message, labels and help.
#[test]
fn check_json_in_chinese() {
    let mut rendered = String::new();
    for (what, tmp) in broken_three_ways("json") {
        let run = pol(tmp.path(), &["check", "--error-format", "json", "--lang", "zh", "shaanxi"]);
        assert_eq!(run.code, 1, "{}", run.render());
        rendered.push_str(&format!("=== {what}\n{}", run.render()));
    }
    assert!(rendered.contains("\"code\":\"pol::unit::mismatch\""), "{rendered}");
    assert!(rendered.contains("\"column\":47,"), "the type error's column in characters:\n{rendered}");
    insta::assert_snapshot!(rendered);
}

/// Writes `text` as an extra `.pol` file into a copy of the policy and checks it.
fn check_with_extra_pol(label: &str, text: &str) -> Run {
    let tmp = shaanxi_copy(label);
    let path = tmp.path().join("shaanxi").join("2019").join("99_extra.pol");
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    let run = pol(tmp.path(), &["check", "--error-format", "plain", "shaanxi"]);
    drop(tmp);
    run
}

/// Adding money per month to money per year is a type error, pointed at in the `.pol` file.
#[test]
fn check_reports_a_unit_mismatch() {
    let source = "\
// 月标准与年标准相加:单位不同
household wrong_sum: 元/月 = monthly_standard + dibao_standard
";
    let run = check_with_extra_pol("unit_mismatch", source);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stderr.contains("[2019/99_extra.pol:2:"), "{}", run.render());
    insta::assert_snapshot!(format!("--- 2019/99_extra.pol\n{source}{}", run.render()));
}

/// A type error in a rule does not hide a local file's broken floor: `pol check` reports both.
#[test]
fn check_reports_a_rule_error_and_a_broken_floor_together() {
    let source = "\
// 月标准与年标准相加:单位不同
household wrong_sum: 元/月 = monthly_standard + dibao_standard
";
    let tmp = shaanxi_copy("rule_and_floor");
    let dir = tmp.path().join("shaanxi");
    std::fs::write(dir.join("2019/99_extra.pol"), source).unwrap_or_else(|error| panic!("{error}"));
    let yulin = dir.join("params/610800_yulin.toml");
    let text = read_text(&yulin).replace("dibao_standard = 4860", "dibao_standard = 4000");
    std::fs::write(&yulin, text).unwrap_or_else(|error| panic!("{error}"));
    let run = pol(tmp.path(), &["check", "--error-format", "plain", "shaanxi"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stderr.contains("pol::unit::mismatch"), "{}", run.render());
    assert!(run.stderr.contains("pol::params::constraint"), "{}", run.render());
    insta::assert_snapshot!(format!("--- 2019/99_extra.pol\n{source}{}", run.render()));
}

/// A syntax error is reported at its place, with exit code 1.
#[test]
fn check_reports_a_parse_error() {
    let source = "\
/// 未写完的规则
household unfinished: 元/月 = monthly_standard *

household next_rule: int = 1
";
    let run = check_with_extra_pol("parse_error", source);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(run.stderr.contains("2019/99_extra.pol:"), "{}", run.render());
    insta::assert_snapshot!(format!("--- 2019/99_extra.pol\n{source}{}", run.render()));
}

#[test]
fn check_of_a_missing_directory_cannot_run() {
    let run = pol(repo_root(), &["check", "--error-format", "plain", "policies/no_such_policy"]);
    assert_eq!(run.code, 2, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

// ---------------------------------------------------------------------------------------------
// pol test, pol explain

#[test]
fn test_runs_all_84_policy_tests() {
    let run = pol(repo_root(), &["test", "policies/shaanxi"]);
    assert_eq!(run.stdout.lines().last(), Some("84 passed, 0 failed"), "{}", run.render());
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(run.stdout.lines().filter(|line| line.ends_with(" ... ok")).count(), 84, "{}", run.render());
    insta::assert_snapshot!(run.render_last_line());
}

#[test]
fn explain_a_policy_test() {
    let run = pol(repo_root(), &["explain", "policies/shaanxi", "--test", "两口之家无收入,整户纳入低保"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

/// `pol explain --household` on the shipped example data.
fn explain_example_household(households: &Path, persons: &Path, cases: &Path, id: &str) -> Run {
    explain_example_household_with_env(households, persons, cases, id, &[])
}

/// [`explain_example_household`] with environment variables (a locale) set.
fn explain_example_household_with_env(
    households: &Path,
    persons: &Path,
    cases: &Path,
    id: &str,
    env: &[(&str, &str)],
) -> Run {
    let (households, persons, cases) =
        (households.to_string_lossy(), persons.to_string_lossy(), cases.to_string_lossy());
    let args = [
        "explain",
        "policies/shaanxi",
        "--household",
        id,
        "--households",
        &households,
        "--persons",
        &persons,
        "--cases",
        &cases,
    ];
    pol_with_env(repo_root(), &args, env)
}

/// The example files, as they ship.
fn example_files() -> [std::path::PathBuf; 3] {
    ["households", "persons", "cases"].map(|name| repo_root().join(format!("examples/{name}.csv")))
}

#[test]
fn explain_a_household_of_a_data_file() {
    let [households, persons, cases] = example_files();
    let run = explain_example_household(&households, &persons, &cases, "H0000001");
    assert_eq!(run.code, 0, "{}", run.render());
    assert!(run.stdout.contains("household `H0000001`"), "{}", run.render());
    insta::assert_snapshot!(run.render());
}

/// `pol explain` in Chinese: its headings and fixed words from the catalogue; rule names, values
/// and definitions as written. A policy test's household and a data file's.
#[test]
fn explain_in_chinese() {
    let zh = [("LANG", "zh_CN.UTF-8")];
    let test =
        pol_with_env(repo_root(), &["explain", "policies/shaanxi", "--test", "两口之家无收入,整户纳入低保"], &zh);
    assert_eq!(test.code, 0, "{}", test.render());
    assert!(test.stdout.contains("现行参数"), "{}", test.render());
    let [households, persons, cases] = example_files();
    let household = explain_example_household_with_env(&households, &persons, &cases, "H0000001", &zh);
    assert_eq!(household.code, 0, "{}", household.render());
    insta::assert_snapshot!(format!("{}===\n{}", test.render(), household.render()));
}

/// JSON lines (every value a string) explain the same household the same way as CSV.
#[test]
fn explain_reads_json_lines_like_csv() {
    let tmp = TempDir::new("explain_jsonl");
    let mut jsonl = Vec::new();
    for path in example_files() {
        let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|error| panic!("{error}"));
        let header = reader.headers().unwrap_or_else(|error| panic!("{error}")).clone();
        let mut text = String::new();
        for record in reader.records() {
            let record = record.unwrap_or_else(|error| panic!("{error}"));
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(record.iter())
                .map(|(name, value)| (name.to_string(), serde_json::Value::String(value.to_string())))
                .collect();
            text.push_str(&serde_json::Value::Object(object).to_string());
            text.push('\n');
        }
        let target = tmp.path().join(path.with_extension("jsonl").file_name().unwrap_or_default());
        std::fs::write(&target, text).unwrap_or_else(|error| panic!("{error}"));
        jsonl.push(target);
    }
    let [households, persons, cases] = example_files();
    let from_csv = explain_example_household(&households, &persons, &cases, "H0000002");
    let from_jsonl = explain_example_household(&jsonl[0], &jsonl[1], &jsonl[2], "H0000002");
    assert_eq!(from_csv.code, 0, "{}", from_csv.render());
    assert_eq!(from_jsonl.code, 0, "{}", from_jsonl.render());
    assert_eq!(from_jsonl.stdout, from_csv.stdout);
}

#[test]
fn explain_an_unknown_household() {
    let [households, persons, cases] = example_files();
    let run = explain_example_household(&households, &persons, &cases, "H9999999");
    assert_eq!(run.code, 2, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

#[test]
fn explain_an_unknown_test() {
    let run = pol(repo_root(), &["explain", "policies/shaanxi", "--test", "整户"]);
    assert_eq!(run.code, 2, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

// ---------------------------------------------------------------------------------------------
// pol fmt

/// A small file in the canonical layout (it is `pol fmt`'s own output, checked below to be a
/// fixed point) and the same policy written carelessly.
const WELL_FORMATTED: &str = "\
// 临时救助审批权限

/// 审批层级
enum Level { township, district, joint_meeting }

/// 乡镇审批额度
param limit: 元 {
  = 1000
  require limit >= 0 \"额度不低于0\"
}
";

const BADLY_FORMATTED: &str = "\
// 临时救助审批权限

/// 审批层级
enum   Level {township,district,   joint_meeting}
/// 乡镇审批额度
param limit : 元 {
      = 1000
  require limit>=0    \"额度不低于0\"
}
";

#[test]
fn fmt_check_accepts_a_formatted_file() {
    let tmp = TempDir::new("fmt_ok");
    std::fs::write(tmp.path().join("ok.pol"), WELL_FORMATTED).unwrap_or_else(|error| panic!("{error}"));
    let run = pol(tmp.path(), &["fmt", "--check", "ok.pol"]);
    assert_eq!(run.code, 0, "{}", run.render());
    insta::assert_snapshot!(run.render());
}

/// `--check` reports a badly laid-out file and leaves it alone; `pol fmt` then rewrites it into
/// the canonical layout (comments kept), after which `--check` passes.
#[test]
fn fmt_check_reports_then_fmt_fixes_a_badly_formatted_file() {
    let tmp = TempDir::new("fmt_bad");
    let path = tmp.path().join("bad.pol");
    std::fs::write(&path, BADLY_FORMATTED).unwrap_or_else(|error| panic!("{error}"));
    let check = pol(tmp.path(), &["fmt", "--check", "bad.pol"]);
    assert_eq!(check.code, 1, "{}", check.render());
    assert_eq!(read_text(&path), BADLY_FORMATTED, "--check must not rewrite the file");
    let fix = pol(tmp.path(), &["fmt", "bad.pol"]);
    assert_eq!(fix.code, 0, "{}", fix.render());
    let formatted = read_text(&path);
    let again = pol(tmp.path(), &["fmt", "--check", "bad.pol"]);
    assert_eq!(again.code, 0, "formatting must be a fixed point\n{}\n{formatted}", again.render());
    assert_eq!(formatted, WELL_FORMATTED, "the canonical layout of the careless file");
    insta::assert_snapshot!(format!("{}\n{}\n--- bad.pol after `pol fmt`\n{formatted}", check.render(), fix.render()));
}

// ---------------------------------------------------------------------------------------------
// pol gen, pol run

/// The numbers of a `read N households: A accepted, R rejected` line.
fn read_counts(stdout: &str, table: &str) -> (u64, u64, u64) {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("read ") && line.contains(&format!(" {table}: ")))
        .unwrap_or_else(|| panic!("no `read N {table}` line in:\n{stdout}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap_or(u64::MAX))
        .collect();
    match numbers.as_slice() {
        [read, accepted, rejected] => (*read, *accepted, *rejected),
        _ => panic!("cannot read the counts of `{line}`"),
    }
}

/// Number of data rows (header excluded) of a CSV file.
fn data_rows(path: &Path) -> u64 {
    let text = read_text(path);
    text.lines().count().saturating_sub(1) as u64
}

/// The numbers of `pol gen`'s `N households carry a malformed cell: … P persons and C cases`
/// line, `(0, 0, 0)` without one.
fn malformed_counts(stdout: &str) -> (u64, u64, u64) {
    let Some(line) = stdout.lines().find(|line| line.contains("carry a malformed cell")) else {
        return (0, 0, 0);
    };
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap_or(u64::MAX))
        .collect();
    match numbers.as_slice() {
        [households, persons, cases] => (*households, *persons, *cases),
        _ => panic!("cannot read the counts of `{line}`"),
    }
}

/// `pol run POLICY` over `data/` (with `data/cases.csv` when `cases`), into `out/`.
/// `pol test` in Chinese: each test's line and the failure details from the catalogue; the
/// closing `N passed, N failed` line stays English (CI tooling reads it). English beside it.
#[test]
fn test_failures_in_chinese_and_english() {
    let tmp = TempDir::new("test_zh");
    let dir = tmp.path().join("pension_topup");
    copy_dir(&pension_topup_dir(), &dir);
    let path = dir.join("pension.pol");
    let source = read_text(&path)
        .replace("expect person 1 age_years = 69", "expect person 1 age_years = 70")
        .replace("expect topup_monthly = 600.00", "expect topup_monthly = 601.00");
    std::fs::write(&path, source).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    let mut rendered = String::new();
    for lang in ["zh_CN.UTF-8", "en_US.UTF-8"] {
        let run = pol_with_env(
            tmp.path(),
            &["test", "--error-format", "plain", "--engine", "interp", "pension_topup"],
            &[("LANG", lang)],
        );
        assert_eq!(run.code, 1, "{}", run.render());
        assert_eq!(run.stdout.lines().last(), Some("4 passed, 1 failed"), "{}", run.render());
        rendered.push_str(&format!("=== LANG={lang}\n{}", run.render()));
    }
    insta::assert_snapshot!(rendered);
}

fn run_generated(dir: &Path, policy: &str, cases: bool) -> Run {
    let mut args = vec!["run", policy, "--households", "data/households.csv", "--persons", "data/persons.csv"];
    if cases {
        args.extend(["--cases", "data/cases.csv"]);
    }
    args.extend(["--out", "out", "--threads", "2"]);
    pol(dir, &args)
}

/// The test of `pol gen` on a policy that is not Shaanxi's: `pol check` and `pol test`
/// pass on it, `pol gen` writes its two tables (it declares no cases) with its own headers, and
/// `pol run` accepts every row.
#[test]
fn a_second_policy_checks_tests_generates_and_runs_with_no_reject() {
    let tmp = TempDir::new("pension");
    copy_dir(&pension_topup_dir(), &tmp.path().join("pension_topup"));
    let check = pol(tmp.path(), &["check", "pension_topup"]);
    assert_eq!(check.code, 0, "{}", check.render());
    let test = pol(tmp.path(), &["test", "pension_topup"]);
    assert_eq!(test.code, 0, "{}", test.render());
    let fmt = pol(tmp.path(), &["fmt", "--check", "pension_topup"]);
    assert_eq!(fmt.code, 0, "the policy is in the canonical layout\n{}", fmt.render());
    let generate = pol(tmp.path(), &["gen", "pension_topup", "--households", "2000", "--seed", "11", "--out", "data"]);
    assert_eq!(generate.code, 0, "{}", generate.render());
    let data = tmp.path().join("data");
    assert!(!data.join("cases.csv").exists(), "the policy declares no cases");
    let households = read_text(&data.join("households.csv"));
    assert_eq!(households.lines().next(), Some("household_id,county_code,residence,monthly_income,owns_home"));
    let persons = read_text(&data.join("persons.csv"));
    assert_eq!(
        persons.lines().next(),
        Some("person_id,household_id,name,is_applicant,birth_date,marital,years_contributed")
    );
    let run = run_generated(tmp.path(), "pension_topup", false);
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(read_counts(&run.stdout, "households"), (2000, 2000, 0), "{}", run.render());
    let (persons_read, _, persons_rejected) = read_counts(&run.stdout, "persons");
    assert_eq!((persons_read, persons_rejected), (data_rows(&data.join("persons.csv")), 0));
    let out = tmp.path().join("out");
    assert_eq!(data_rows(&out.join("rejects.csv")), 0);
    assert_eq!(data_rows(&out.join("topups.csv")), 2000);
    // The drawn values reach the policy's branches: some households are paid, some are not.
    let topups = read_text(&out.join("topups.csv"));
    let paid = topups.lines().skip(1).filter(|line| !line.ends_with(",0.00")).count();
    assert!((200..=1800).contains(&paid), "{paid} of 2000 households paid");
    insta::assert_snapshot!(format!("{}\n{}\n{}\n{}", check.render(), test.render(), generate.render(), run.render()));
}

/// The general generator on Shaanxi: its households, persons and cases all pass `pol run`
/// (one head each, no birth after as_of, every evaluation defined).
#[test]
fn gen_on_shaanxi_writes_data_pol_run_accepts_whole() {
    let tmp = shaanxi_copy("gen_clean");
    let generate = pol(tmp.path(), &["gen", "shaanxi", "--households", "1500", "--seed", "5", "--out", "data"]);
    assert_eq!(generate.code, 0, "{}", generate.render());
    let run = run_generated(tmp.path(), "shaanxi", true);
    assert_eq!(run.code, 0, "{}", run.render());
    for (table, file) in [("households", "households.csv"), ("persons", "persons.csv"), ("cases", "cases.csv")] {
        let (read, _, rejected) = read_counts(&run.stdout, table);
        assert_eq!(read, data_rows(&tmp.path().join("data").join(file)), "{table}: every row read");
        assert_eq!(rejected, 0, "{table}: no row rejected\n{}", run.render());
    }
    assert_eq!(read_counts(&run.stdout, "households").0, 1500);
    assert!(read_counts(&run.stdout, "cases").0 > 0, "some households have cases");
    assert_eq!(data_rows(&tmp.path().join("out").join("rejects.csv")), 0);
}

#[test]
fn gen_then_run_writes_six_files_and_counts_every_row() {
    let tmp = shaanxi_copy("gen_run");
    let generate = pol(
        tmp.path(),
        &["gen", "shaanxi", "--households", "400", "--seed", "3", "--bad-rate", "0.05", "--out", "data"],
    );
    assert_eq!(generate.code, 0, "{}", generate.render());
    let run = pol(
        tmp.path(),
        &[
            "run",
            "shaanxi",
            "--households",
            "data/households.csv",
            "--persons",
            "data/persons.csv",
            "--cases",
            "data/cases.csv",
            "--out",
            "out",
            "--threads",
            "2",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let out = tmp.path().join("out");
    for name in [
        "household_results.csv",
        "case_results.csv",
        "publication.csv",
        "rejects.csv",
        "report.md",
        "report.json",
        "report.html",
    ] {
        assert!(out.join(name).is_file(), "pol run did not write {name}\n{}", run.render());
    }
    let mut rejected_rows = 0;
    for (table, file) in [("households", "households.csv"), ("persons", "persons.csv"), ("cases", "cases.csv")] {
        let (read, accepted, rejected) = read_counts(&run.stdout, table);
        assert_eq!(accepted + rejected, read, "{table}: A + R = N\n{}", run.render());
        assert_eq!(read, data_rows(&tmp.path().join("data").join(file)), "{table}: every row read");
        rejected_rows += rejected;
    }
    assert!(read_counts(&run.stdout, "households").2 > 0, "bad rows at 5% should be rejected");
    let (bad_households, bad_persons, bad_cases) = malformed_counts(&generate.stdout);
    assert_eq!(
        [bad_households, bad_persons, bad_cases],
        ["households", "persons", "cases"].map(|table| read_counts(&run.stdout, table).2),
        "pol run rejects exactly the rows pol gen made malformed\n{}\n{}",
        generate.render(),
        run.render()
    );
    assert_eq!(data_rows(&out.join("rejects.csv")), rejected_rows, "one rejects.csv row per rejected row");
    assert_eq!(
        data_rows(&out.join("household_results.csv")),
        read_counts(&run.stdout, "households").1,
        "one household_results row per accepted household"
    );
    let report: serde_json::Value = serde_json::from_str(&read_text(&out.join("report.json")))
        .unwrap_or_else(|error| panic!("report.json is not JSON: {error}"));
    assert!(report.is_object(), "report.json: {report}");
    insta::assert_snapshot!(format!("{}\n{}", generate.render(), run.render()));
}

// ---------------------------------------------------------------------------------------------
// Exit codes of pol run: 1 for errors in the policy or the data, 2 when the command cannot run

#[test]
fn run_exit_codes_tell_bad_data_from_a_command_that_cannot_run() {
    let tmp = TempDir::new("exit-codes");
    let [households, persons, _] = example_files();
    let text = std::fs::read_to_string(&households).unwrap_or_else(|error| panic!("{error}"));
    // An open quote on the third household: the data is wrong (1).
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(index, line)| if index == 3 { line.replacen(',', ",\"", 1) } else { line.to_string() })
        .collect();
    let broken_path = tmp.path().join("households.csv");
    std::fs::write(&broken_path, broken.join("\n") + "\n").unwrap_or_else(|error| panic!("{error}"));
    let policy = shaanxi_dir();
    let (policy, broken_path, persons) =
        (policy.to_str().unwrap_or(""), broken_path.to_str().unwrap_or(""), persons.to_str().unwrap_or(""));
    let bad_data = pol(tmp.path(), &["run", policy, "--households", broken_path, "--persons", persons, "--out", "o1"]);
    assert_eq!(bad_data.code, 1, "{}", bad_data.render());
    assert!(bad_data.stderr.contains("pol::input::unterminated_quote"), "{}", bad_data.render());

    // A missing input file and an absurd thread count: the command cannot run (2).
    let missing = pol(tmp.path(), &["run", policy, "--households", "absent.csv", "--persons", persons, "--out", "o2"]);
    assert_eq!(missing.code, 2, "{}", missing.render());
    let households = households.to_str().unwrap_or("");
    let threads = pol(
        tmp.path(),
        &["run", policy, "--households", households, "--persons", persons, "--threads", "100000", "--out", "o3"],
    );
    assert_eq!(threads.code, 2, "{}", threads.render());
    assert!(threads.stderr.contains("pol::run::threads"), "{}", threads.render());
}

// ---------------------------------------------------------------------------------------------
// pol doc (the site itself is tested in runtime/tests/doc.rs)

/// `pol doc` writes one page per `.pol` file and four more, for Shaanxi and for a second policy.
#[test]
fn doc_writes_a_site_for_each_policy() {
    for (label, policy, n_pages) in [("doc_shaanxi", shaanxi_dir(), 16), ("doc_pension", pension_topup_dir(), 5)] {
        let tmp = TempDir::new(label);
        let policy = policy.display().to_string();
        let run = pol(tmp.path(), &["doc", &policy, "--out", "site"]);
        assert_eq!(run.code, 0, "{}", run.render());
        assert_eq!(run.stdout, format!("wrote {n_pages} pages to site\n"), "{}", run.render());
        let index = read_text(&tmp.path().join("site").join("index.html"));
        assert!(index.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"), "{index}");
        let default_title = if label == "doc_shaanxi" { "shaanxi 政策文档" } else { "pension_topup 政策文档" };
        assert!(index.contains(&format!("<h1>{default_title}</h1>")), "{index}");
        assert_eq!(std::fs::read_dir(tmp.path().join("site")).map(Iterator::count).ok(), Some(n_pages));
    }
}

/// A policy with an error gets its diagnostics, exit code 1, and no site.
#[test]
fn doc_of_a_broken_policy_reports_and_writes_nothing() {
    let tmp = shaanxi_copy("doc_broken");
    let path = tmp.path().join("shaanxi").join("2019").join("99_extra.pol");
    std::fs::write(&path, "household wrong_sum: 元/月 = monthly_standard + dibao_standard\n")
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    let run = pol(tmp.path(), &["doc", "--error-format", "plain", "shaanxi", "--out", "site"]);
    assert_eq!(run.code, 1, "{}", run.render());
    assert!(
        run.stderr.contains("2019/99_extra.pol:1:") && run.stderr.ends_with("error: 1 error found\n"),
        "{}",
        run.render()
    );
    assert!(!tmp.path().join("site").exists());
}

/// `--title` names the site on every page.
#[test]
fn doc_takes_a_title() {
    let tmp = TempDir::new("doc_title");
    let policy = shaanxi_dir().display().to_string();
    let run = pol(tmp.path(), &["doc", &policy, "--out", "site", "--title", "陕西省农村低保 <2019>"]);
    assert_eq!(run.code, 0, "{}", run.render());
    let index = read_text(&tmp.path().join("site").join("index.html"));
    assert!(index.contains("<h1>陕西省农村低保 &lt;2019&gt;</h1>"), "{index}");
    let params = read_text(&tmp.path().join("site").join("params.html"));
    assert!(params.contains("<title>参数 · 陕西省农村低保 &lt;2019&gt;</title>"), "{params}");
}

/// In Chinese, `report.md` labels its columns with their rules' doc comments (`/// 基本低保金…`);
/// every figure is the English report's, and the English report is unchanged by the option.
#[test]
fn report_in_chinese_labels_columns_with_doc_comments() {
    let root = repo_root();
    let tmp = TempDir::new("report_zh");
    let run_in = |lang: &str, out: &Path| {
        let out = out.to_string_lossy().into_owned();
        let args = [
            "run",
            "policies/shaanxi",
            "--households",
            "examples/households.csv",
            "--persons",
            "examples/persons.csv",
            "--cases",
            "examples/cases.csv",
            "--out",
            out.as_str(),
            "--lang",
            lang,
        ];
        let run = pol(root, &args);
        assert_eq!(run.code, 0, "{}", run.render());
        read_text(&Path::new(&out).join("report.md"))
    };
    let english = run_in("en", &tmp.path().join("en"));
    let chinese = run_in("zh", &tmp.path().join("zh"));
    assert!(english.contains("| dibao_monthly (monthly) |"), "{english}");
    assert!(!english.contains("基本低保金"), "{english}");
    let header = chinese
        .lines()
        .find(|line| line.starts_with("| county | name | dibao_base_monthly") || line.contains("基本低保金"));
    assert!(header.is_some_and(|line| line.contains("基本低保金")), "{chinese}");
    // The same lines, and the same figures on every line that is not a header.
    assert_eq!(english.lines().count(), chinese.lines().count());
    let (mut differing, mut rows) = (0, 0);
    for (en_line, zh_line) in english.lines().zip(chinese.lines()) {
        if en_line != zh_line {
            differing += 1;
            let cells = |line: &str| line.split('|').count();
            assert_eq!(cells(en_line), cells(zh_line), "{en_line}\n{zh_line}");
            assert!(
                en_line.starts_with("| county |")
                    || en_line.starts_with("| city |")
                    || en_line.starts_with("| province |"),
                "only headers differ:\n{en_line}\n{zh_line}"
            );
        } else if en_line.starts_with("| ") {
            rows += 1;
        }
    }
    assert!(differing > 0 && rows > 0);
}

/// `pol gen` says what it wrote in the chosen language; the files are the same.
#[test]
fn gen_reports_in_chinese() {
    let tmp = shaanxi_copy("gen_zh");
    let args = |out: &'static str, lang: &'static str| {
        ["gen", "shaanxi", "--households", "40", "--seed", "5", "--bad-rate", "0.1", "--out", out, "--lang", lang]
    };
    let english = pol(tmp.path(), &args("en", "en"));
    let chinese = pol(tmp.path(), &args("zh", "zh"));
    assert_eq!((english.code, chinese.code), (0, 0), "{}\n{}", english.render(), chinese.render());
    insta::assert_snapshot!(format!("{}{}", english.render(), chinese.render()));
    for file in ["households.csv", "persons.csv", "cases.csv"] {
        assert_eq!(
            read_text(&tmp.path().join("en").join(file)),
            read_text(&tmp.path().join("zh").join(file)),
            "{file}"
        );
    }
}

/// A policy in euros without jurisdictions (issue 12): `pol check`, `pol test` and `pol fmt`
/// pass; `pol run` reads households without a county column (and without the defaulted `rent`
/// column), applies the scales of the as-of date and writes province totals only.
#[test]
fn a_policy_in_euros_without_jurisdictions_checks_tests_and_runs() {
    let tmp = TempDir::new("eur_no_jurisdictions");
    let dir = tmp.path().join("eur");
    copy_dir(&eur_no_jurisdictions_dir(), &dir);
    for (args, what) in [(["check", "eur"], "check"), (["test", "eur"], "test"), (["fmt", "--check"], "fmt")] {
        let args: Vec<&str> = if what == "fmt" { vec!["fmt", "--check", "eur"] } else { args.to_vec() };
        let outcome = pol(tmp.path(), &args);
        assert_eq!(outcome.code, 0, "{what}: {}", outcome.render());
    }
    let run = pol(
        tmp.path(),
        &[
            "run",
            "eur",
            "--households",
            "eur/households.csv",
            "--persons",
            "eur/persons.csv",
            "--as-of",
            "2017-03-01",
            "--out",
            "out",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    let out = tmp.path().join("out");
    assert_eq!(
        read_text(&out.join("household_results.csv")),
        "household_id,total_benefits,total_taxes,disposable_income\n\
         h1,1320.00,340.00,2980.00\n\
         h2,600.00,3066.00,12534.00\n\
         h3,1450.50,3384.00,16466.51\n"
    );
    assert_eq!(
        read_text(&out.join("person_results.csv")),
        "person_id,income_tax,social_security_contribution,basic_income,supplement\n\
         p1,300.00,40.00,600.00,0.00\n\
         p2,0.00,0.00,600.00,120.00\n\
         p3,2250.00,816.00,600.00,0.00\n\
         p4,900.00,120.00,600.00,50.00\n\
         p5,0.00,0.00,0.00,0.00\n\
         p6,1860.00,504.00,600.00,200.50\n"
    );
    assert_eq!(data_rows(&out.join("rejects.csv")), 0);
    let report = read_text(&out.join("report.md"));
    assert!(
        report.contains("| province |  | 3370.50 | 40446.00 | 6790.00 | 81480.00 | 31980.51 | 383766.12 |"),
        "{report}"
    );
    assert!(!report.contains("## County") && !report.contains("## City"), "{report}");
    // In 2014 the scale of 2014 applies (3% to 12,100, then 10%), and no basic income yet.
    let early = pol(
        tmp.path(),
        &[
            "run",
            "eur",
            "--households",
            "eur/households.csv",
            "--persons",
            "eur/persons.csv",
            "--as-of",
            "2014-06-01",
            "--out",
            "out2",
        ],
    );
    assert_eq!(early.code, 0, "{}", early.render());
    let persons = read_text(&tmp.path().join("out2").join("person_results.csv"));
    assert!(persons.contains("p3,2100.00,653.00,0.00,0.00\n"), "{persons}");
    // A reform replacing the scale (the template's modify_social_security_taxation), compared
    // by `pol diff` with province totals only.
    let diff = pol(
        tmp.path(),
        &[
            "diff",
            "eur",
            "eur/reforms/contribution",
            "--households",
            "eur/households.csv",
            "--persons",
            "eur/persons.csv",
            "--as-of",
            "2017-03-01",
            "--out",
            "diff",
        ],
    );
    assert_eq!(diff.code, 0, "{}", diff.render());
    assert_eq!(
        read_text(&tmp.path().join("diff").join("changes.csv")),
        "household_id,column,base,reform\n\
         h1,total_taxes,340.00,300.00\n\
         h1,disposable_income,2980.00,3020.00\n\
         h2,total_taxes,3066.00,3846.00\n\
         h2,disposable_income,12534.00,11754.00\n\
         h3,total_taxes,3384.00,3784.00\n\
         h3,disposable_income,16466.51,16066.51\n"
    );
    let summary = read_text(&tmp.path().join("diff").join("summary.md"));
    assert!(summary.contains("## 全省 Province") && !summary.contains("County"), "{summary}");
    // `pol gen` draws households without a county, and `pol run` accepts every one.
    let generate = pol(
        tmp.path(),
        &["gen", "eur", "--households", "300", "--seed", "7", "--as-of", "2017-03-01", "--out", "data"],
    );
    assert_eq!(generate.code, 0, "{}", generate.render());
    assert_eq!(read_text(&tmp.path().join("data").join("households.csv")).lines().next(), Some("household_id,rent"));
    let run = pol(
        tmp.path(),
        &[
            "run",
            "eur",
            "--households",
            "data/households.csv",
            "--persons",
            "data/persons.csv",
            "--as-of",
            "2017-03-01",
            "--out",
            "out3",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.render());
    assert_eq!(read_counts(&run.stdout, "households"), (300, 300, 0), "{}", run.render());
}

/// Scales set by cities and counties (issue 12, item 2): `pol check` and `pol test` pass on both
/// engines; `pol run` gives each county its own brackets (its city's file, its own file, or the
/// province's), the same on both engines; a scenario adds a province version and sets a city's
/// brackets; a city file breaking a scale's `require` is rejected at its line.
#[test]
fn scales_set_by_cities_give_each_county_its_brackets_on_both_engines() {
    let tmp = TempDir::new("local_scales");
    copy_dir(&local_scales_dir(), &tmp.path().join("scales"));
    let check = pol(tmp.path(), &["check", "scales"]);
    assert_eq!(check.code, 0, "{}", check.render());
    for engine in ["interp", "jit"] {
        let test = pol(tmp.path(), &["test", "--engine", engine, "scales"]);
        assert_eq!(test.code, 0, "{}", test.render());
    }
    let run = |engine: &str, out: &str, scenario: Option<&str>| {
        let mut args = vec![
            "run",
            "scales",
            "--households",
            "scales/data/households.csv",
            "--persons",
            "scales/data/persons.csv",
            "--as-of",
            "2020-07-01",
            "--engine",
            engine,
            "--out",
            out,
        ];
        if let Some(scenario) = scenario {
            args.extend(["--scenario", scenario]);
        }
        let run = pol(tmp.path(), &args);
        assert_eq!(run.code, 0, "{}", run.render());
        let dir = tmp.path().join(out);
        (read_text(&dir.join("household_results.csv")), read_text(&dir.join("person_results.csv")))
    };
    // 990101 and 990102 follow their city's file, 990201 its own (its city's supplement is the
    // province's), 990202 the province's brackets.
    let expected = (
        "household_id,county_code,total\n\
         h1,990101,105.00\n\
         h2,990102,120.00\n\
         h3,990201,600.00\n\
         h4,990202,410.00\n"
            .to_string(),
        "person_id,allowance,heating\n\
         p1,60.00,45.00\n\
         p2,120.00,0.00\n\
         p3,80.00,20.00\n\
         p4,500.00,0.00\n\
         p5,50.00,20.00\n\
         p6,300.00,40.00\n"
            .to_string(),
    );
    assert_eq!(run("jit", "out_jit", None), expected);
    assert_eq!(run("interp", "out_interp", None), expected);
    // The scenario's province version reaches 990202 (and 990101's city keeps its own); 990200's
    // supplement reaches both of its counties.
    let scenario_persons = "person_id,allowance,heating\n\
         p1,60.00,45.00\n\
         p2,120.00,0.00\n\
         p3,80.00,30.00\n\
         p4,500.00,0.00\n\
         p5,70.00,30.00\n\
         p6,400.00,30.00\n";
    for engine in ["jit", "interp"] {
        let (_, persons) = run(engine, &format!("out_scenario_{engine}"), Some("scales/scenario.toml"));
        assert_eq!(persons, scenario_persons, "{engine}");
    }
    // `pol explain` shows the brackets of the household's county and where they come from.
    let explain = pol(
        tmp.path(),
        &[
            "explain",
            "scales",
            "--households",
            "scales/data/households.csv",
            "--persons",
            "scales/data/persons.csv",
            "--household",
            "h3",
            "--as-of",
            "2020-07-01",
        ],
    );
    assert_eq!(explain.code, 0, "{}", explain.render());
    assert!(
        explain.stdout.contains(
            "  high_age_allowance                 [80: 80.00, 90: 160.00, 100: 500.00]  params/990201.toml:5 (local file of 990201, from 2020-01-01)\n"
        ),
        "{}",
        explain.stdout
    );
    assert!(
        explain.stdout.contains("  heating_supplement                 [0.00: 0.00, 1000.00: 10.00, 2000.00: 10.00, 4000.00: 20.00]  policy.pol:46 (province, always)\n"),
        "{}",
        explain.stdout
    );
    // A city's brackets that break the scale's `require`s: rejected at the file's line.
    let path = tmp.path().join("scales").join("params").join("990100.toml");
    let broken = read_text(&path).replace("[80: 60, 90: 120, 100: 400]", "[80: 40, 90: 120, 100: 100]");
    std::fs::write(&path, broken).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    let check = pol(tmp.path(), &["check", "--error-format", "plain", "scales"]);
    assert_eq!(check.code, 1, "{}", check.render());
    insta::assert_snapshot!(check.render());
}
