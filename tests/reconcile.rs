//! `pol reconcile`, run as a process on the Shaanxi policy:
//!
//! - hand-computed households, one per finding (漏保 without a row and with a paid 0, 错保, 少发,
//!   多发, 无此户 for an unknown and for a rejected household), whose `reconcile.csv` is written
//!   out in full here, in CSV and in JSON lines;
//! - bad roster rows, each rejected with its reason (snapshot);
//! - a policy without programs (snapshot);
//! - a roster not UTF-8 far into the file (read while the households are): the error, and the
//!   outputs as they were;
//! - generated data: a roster made from `pol run`'s own `household_results.csv`, with known
//!   errors injected (rows dropped, paid less, paid more, zeroed, unknown households, other
//!   months, a duplicate), must give exactly those findings, and the summary's totals must be
//!   theirs.

use crate::support::{TempDir, copy_dir, read_text, repo_root, shaanxi_dir};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// What one `pol` process printed, and how it ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn render(&self, args: &[&str]) -> String {
        format!(
            "$ pol {}\nexit code: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

fn pol(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap_or_else(|error| panic!("cannot run pol {args:?}: {error}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The Shaanxi policy as `shaanxi/` in a temporary directory.
fn shaanxi_copy(label: &str) -> TempDir {
    let tmp = TempDir::new(label);
    copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
    tmp
}

const HOUSEHOLD_HEADER: &str = "household_id,county_code,village,annual_income,registered_poor,poverty_exited,on_dibao,\
prev_dibao_monthly,income_unstable,months_over_standard,exited_dibao_within_12m,rejected_within_12m\n";
const PERSON_HEADER: &str = "person_id,household_id,name,is_head,birth_date,disability_grade,serious_illness,\
labor_capacity,self_care,has_income_source,has_capable_supporter,lactating,single_parent_minor,\
non_compulsory_student,orphan_status,placement,left_behind,privacy_protected\n";

/// Five households computed by hand (as of 2019-07-01), and one rejected:
/// - A1, D1, E1: 紫阳县 (610924, 安康 standard 342.50/month), a head of 50 without income → 低保
///   full, gap 342.50 × 1 − 0 = 342.50, no top-up; on the visit list (status full).
/// - B1: 榆林 610802, income 100,000/year → no dibao; nothing else; not on the visit list.
/// - C1: 紫阳县, a head of 64 without labour capacity, income source or supporter, needing full
///   care → 特困: basic round_fen(342.50 × 1.3) = 445.25, care round_fen(1,600 × 25%) = 400.00,
///   tekun 845.25; no dibao member; on the visit list (a 特困 member).
/// - R1: `annual_income` `abc` → rejected with its person.
fn write_hand_households(dir: &Path) {
    let household = |id: &str, county: &str, income: &str| {
        format!("{id},{county},村,{income},false,false,false,0,false,0,false,false\n")
    };
    let person = |id: &str, household: &str, birth: &str, labor: &str, care: &str| {
        format!(
            "{id},{household},王某,true,{birth},0,false,{labor},{care},false,false,false,false,false,none,home,false,false\n"
        )
    };
    let households = [
        household("A1", "610924", "0"),
        household("B1", "610802", "100000"),
        household("C1", "610924", "0"),
        household("D1", "610924", "0"),
        household("R1", "610924", "abc"),
        household("E1", "610924", "0"),
    ];
    let persons = [
        person("PA", "A1", "1969-01-01", "full", "full"),
        person("PB", "B1", "1970-01-01", "full", "full"),
        person("PC", "C1", "1955-01-01", "none", "none"),
        person("PD", "D1", "1969-01-01", "full", "full"),
        person("PR", "R1", "1969-01-01", "full", "full"),
        person("PE", "E1", "1969-01-01", "full", "full"),
    ];
    std::fs::write(dir.join("households.csv"), format!("{HOUSEHOLD_HEADER}{}", households.concat())).unwrap();
    std::fs::write(dir.join("persons.csv"), format!("{PERSON_HEADER}{}", persons.concat())).unwrap();
}

/// The roster of the hand-computed households: each row's expected finding in the comment.
const HAND_ROSTER: &str = "household_id,program,month,amount
A1,dibao,2019-07,300.00
A1,dibao,2019-06,342.50
B1,dibao,2019-07,100
D1,dibao,2019-07,400.5
E1,dibao,2019-07,0
E1,tekun,2019-07,0.00
X9,dibao,2019-07,120.00
R1,orphan,2019-07,1000.00
X9,dibao,2019-05,120.00
";
// A1 dibao 2019-07: 300.00 < 342.50 → 少发; A1 2019-06 and X9 2019-05: other months, not compared.
// B1: computed 0, paid 100 → 错保. C1: no tekun row, computed 845.25 → 漏保. D1: 400.50 > 342.50
// → 多发. E1 dibao: paid 0 → 漏保; E1 tekun: 0 against 0 → nothing. X9 (unknown) and R1
// (rejected) → 无此户, in roster order.

/// `reconcile.csv` of the hand-computed households, in full.
const HAND_EXPECTED: &str = "household_id,county_code,program,computed,paid,finding
A1,610924,dibao,342.50,300.00,少发
B1,610802,dibao,0.00,100.00,错保
C1,610924,tekun,845.25,,漏保
D1,610924,dibao,342.50,400.50,多发
E1,610924,dibao,342.50,0.00,漏保
X9,,dibao,,120.00,无此户
R1,,orphan,,1000.00,无此户
";

fn reconcile_args<'a>(roster: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "reconcile",
        "shaanxi",
        "--households",
        "households.csv",
        "--persons",
        "persons.csv",
        "--roster",
        roster,
        "--as-of",
        "2019-07-01",
        "--out",
        out,
        "--threads",
        "2",
    ]
}

#[test]
fn each_finding_on_hand_computed_households() {
    let tmp = shaanxi_copy("reconcile_hand");
    write_hand_households(tmp.path());
    std::fs::write(tmp.path().join("roster.csv"), HAND_ROSTER).unwrap();
    let args = reconcile_args("roster.csv", "out");
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 0, "{}", run.render(&args));
    assert_eq!(read_text(&tmp.path().join("out/reconcile.csv")), HAND_EXPECTED);
    // report.html is in the same output set: the run's figures and then the findings.
    for name in ["reconcile.csv", "reconcile_summary.md", "reconcile_summary.json", "report.md", "report.html"] {
        assert!(tmp.path().join("out").join(name).is_file(), "pol reconcile did not write {name}");
    }
    let html = read_text(&tmp.path().join("out/report.html"));
    let findings = html.find(">比对:全省</h2>").expect("the findings on report.html");
    assert!(html[..findings].contains("<h2 id=\"s1\">"), "the run's figures before the findings");
    assert_eq!(
        run.stdout,
        "read 6 households: 5 accepted, 1 rejected\nread 6 persons: 5 accepted, 1 rejected\n\
         read 0 cases: 0 accepted, 0 rejected\nread 9 roster rows: 9 accepted, 0 rejected\n\
         compared 2019-07: 7 roster rows (2 of other months not compared); 漏保 2, 错保 1, 少发 1, 多发 1, 无此户 2\n"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read_text(&tmp.path().join("out/reconcile_summary.json"))).unwrap();
    let province = &summary["province"]["programs"];
    let cell = |program: usize, finding: usize| {
        let cell = &province[program]["findings"][finding];
        (
            cell["finding"].as_str().unwrap().to_string(),
            cell["count"].as_u64().unwrap(),
            cell["amount"].as_str().unwrap().to_string(),
        )
    };
    // dibao: 漏保 E1 342.50; 错保 B1 100.00; 少发 A1 42.50; 多发 D1 58.00; 无此户 X9 120.00.
    assert_eq!(cell(0, 0), ("漏保".into(), 1, "342.50".into()));
    assert_eq!(cell(0, 1), ("错保".into(), 1, "100.00".into()));
    assert_eq!(cell(0, 2), ("少发".into(), 1, "42.50".into()));
    assert_eq!(cell(0, 3), ("多发".into(), 1, "58.00".into()));
    assert_eq!(cell(0, 4), ("无此户".into(), 1, "120.00".into()));
    assert_eq!(cell(1, 0), ("漏保".into(), 1, "845.25".into()));
    assert_eq!(cell(5, 4), ("无此户".into(), 1, "1000.00".into()));
    // 紫阳县 holds A1, C1, D1, E1; its city 安康 (610900) the same.
    let county = summary["counties"].as_array().unwrap().iter().find(|group| group["code"] == "610924").unwrap();
    assert_eq!(county["name"], "紫阳县");
    assert_eq!(county["programs"][0]["findings"][0]["count"], 1);
    assert_eq!(county["programs"][0]["findings"].as_array().unwrap().len(), 4, "no 无此户 below the province");
    assert_eq!(summary["roster"]["compared"], 7);
    assert_eq!(summary["roster"]["other_months"], 2);
    // The visit list: A1, C1, D1, E1 (B1 has a finding but is not on the list).
    let visits: Vec<&str> =
        summary["visit_first"].as_array().unwrap().iter().map(|row| row["household_id"].as_str().unwrap()).collect();
    assert_eq!(visits, ["A1", "C1", "D1", "E1"]);
    // `pol run`'s outputs are written too, the same as `pol run` writes them.
    let plain_args = ["run", "shaanxi", "--households", "households.csv", "--persons", "persons.csv", "--out", "run"];
    let plain = pol(tmp.path(), &plain_args);
    assert_eq!(plain.code, 0, "{}", plain.render(&plain_args));
    for name in ["household_results.csv", "publication.csv", "report.json"] {
        assert_eq!(
            read_text(&tmp.path().join("out").join(name)),
            read_text(&tmp.path().join("run").join(name)),
            "{name}"
        );
    }
}

#[test]
fn a_roster_in_json_lines_gives_the_same_findings() {
    let tmp = shaanxi_copy("reconcile_jsonl");
    write_hand_households(tmp.path());
    let mut jsonl = String::new();
    for line in HAND_ROSTER.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        jsonl.push_str(&format!(
            "{{\"household_id\":\"{}\",\"program\":\"{}\",\"month\":\"{}\",\"amount\":{}}}\n",
            cells[0], cells[1], cells[2], cells[3]
        ));
    }
    std::fs::write(tmp.path().join("roster.jsonl"), jsonl).unwrap();
    let args = reconcile_args("roster.jsonl", "out");
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 0, "{}", run.render(&args));
    assert_eq!(read_text(&tmp.path().join("out/reconcile.csv")), HAND_EXPECTED);
}

#[test]
fn bad_roster_rows_are_rejected_with_reasons() {
    let tmp = shaanxi_copy("reconcile_bad");
    write_hand_households(tmp.path());
    let roster = "household_id,program,month,amount
A1,dibao,2019-07,342.50
A1,dibao,2019-07,342.50
A1,xiaobao,2019-07,1.00
A1,tekun,2019-7,1.00
A1,tekun,2019-13,1.00
A1,tekun,2019-07,-5
A1,tekun,2019-07,1.234
A1,tekun,2019-07,
,tekun,2019-07,1.00
A1,tekun,2019-07
A1,dibao,2019-06,1.00
A1,dibao,2019-06,2.00
X9,dibao,2019-07,10.00
X9,dibao,2019-07,20.00
";
    std::fs::write(tmp.path().join("roster.csv"), roster).unwrap();
    let args = reconcile_args("roster.csv", "out");
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 0, "{}", run.render(&args));
    let rejects = read_text(&tmp.path().join("out/rejects.csv"));
    let roster_rejects: Vec<&str> = rejects.lines().filter(|line| line.starts_with("roster.csv,")).collect();
    insta::assert_snapshot!(format!(
        "--- roster.csv\n{roster}{}--- rejects.csv (roster rows)\n{}\n--- reconcile.csv\n{}",
        run.render(&args),
        roster_rejects.join("\n"),
        read_text(&tmp.path().join("out/reconcile.csv"))
    ));
}

#[test]
fn a_policy_without_programs_cannot_be_reconciled() {
    let tmp = shaanxi_copy("reconcile_no_programs");
    std::fs::remove_file(tmp.path().join("shaanxi/2019/97_programs.pol")).unwrap();
    write_hand_households(tmp.path());
    std::fs::write(tmp.path().join("roster.csv"), HAND_ROSTER).unwrap();
    let args = reconcile_args("roster.csv", "out");
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 1, "{}", run.render(&args));
    assert!(!tmp.path().join("out").exists(), "nothing is written");
    let mut chinese = args.to_vec();
    chinese.extend(["--lang", "zh"]);
    let run_zh = pol(tmp.path(), &chinese);
    assert_eq!(run_zh.code, 1, "{}", run_zh.render(&chinese));
    assert!(!tmp.path().join("out").exists(), "nothing is written");
    insta::assert_snapshot!(format!("{}── 中文 ──\n{}", run.render(&args), run_zh.render(&chinese)));
}

#[test]
fn a_roster_missing_a_column_stops_before_any_output() {
    let tmp = shaanxi_copy("reconcile_no_column");
    write_hand_households(tmp.path());
    std::fs::write(tmp.path().join("roster.csv"), "household_id,programme,month,amount\nA1,dibao,2019-07,1.00\n")
        .unwrap();
    let args = reconcile_args("roster.csv", "out");
    let run = pol(tmp.path(), &args);
    assert_eq!(run.code, 1, "{}", run.render(&args));
    assert!(!tmp.path().join("out").exists(), "nothing is written");
    let mut chinese = args.to_vec();
    chinese.extend(["--lang", "zh"]);
    let run_zh = pol(tmp.path(), &chinese);
    assert_eq!(run_zh.code, 1, "{}", run_zh.render(&chinese));
    assert!(!tmp.path().join("out").exists(), "nothing is written");
    insta::assert_snapshot!(format!("{}── 中文 ──\n{}", run.render(&args), run_zh.render(&chinese)));
    // The JSON form names the roster and its header line.
    let mut json = args.to_vec();
    json.extend(["--error-format", "json"]);
    let run_json = pol(tmp.path(), &json);
    assert_eq!(run_json.code, 1, "{}", run_json.render(&json));
    let value: serde_json::Value = serde_json::from_str(run_json.stderr.trim())
        .unwrap_or_else(|error| panic!("not one JSON object ({error}):\n{}", run_json.stderr));
    assert_eq!(value["code"], "pol::input::missing_column");
    assert_eq!(value["file"], "roster.csv");
    let label = serde_json::json!({
        "label": "no column `program` in this header",
        "line": 1,
        "column": 1,
        "start": 0,
        "end": "household_id,programme,month,amount".len(),
        "primary": true,
    });
    assert_eq!(value["labels"], serde_json::json!([label]), "{}", run_json.stderr);
}

/// The roster is read while the households are: a roster that turns out not to be UTF-8 far
/// into the file still stops the run with that error, and writes nothing: no output directory
/// when there was none, the previous outputs untouched when there were some.
#[test]
fn a_roster_not_utf8_halfway_stops_the_run_and_leaves_the_outputs_as_they_were() {
    let tmp = shaanxi_copy("reconcile_not_utf8");
    write_hand_households(tmp.path());
    std::fs::write(tmp.path().join("roster.csv"), HAND_ROSTER).unwrap();
    let args = reconcile_args("roster.csv", "out");
    let first = pol(tmp.path(), &args);
    assert_eq!(first.code, 0, "{}", first.render(&args));
    let before: BTreeMap<String, String> = std::fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    let mut bad = b"household_id,program,month,amount\n".to_vec();
    for row in 0..40_000 {
        bad.extend_from_slice(format!("X{row},dibao,2019-06,1.00\n").as_bytes());
    }
    bad.extend_from_slice(b"X-bad,dibao,2019-06,1.0\xff\n");
    std::fs::write(tmp.path().join("bad.csv"), bad).unwrap();
    for out in ["out", "fresh"] {
        let args = reconcile_args("bad.csv", out);
        let run = pol(tmp.path(), &args);
        assert_eq!(run.code, 1, "{}", run.render(&args));
        assert!(run.stderr.contains("`bad.csv` is not UTF-8: line 40002, column `amount`"), "{}", run.render(&args));
        assert!(run.stdout.is_empty(), "{}", run.render(&args));
    }
    assert!(!tmp.path().join("fresh").exists(), "no output directory is made");
    let after: BTreeMap<String, String> = std::fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    assert_eq!(before, after, "the previous outputs are untouched");
}

// ------------------------------------------------------------------------------ generated data

/// The Shaanxi programs and the `household_results` columns whose sum each one is.
const PROGRAMS: [(&str, &[&str]); 6] = [
    ("dibao", &["dibao_monthly"]),
    ("tekun", &["tekun_basic_monthly", "tekun_care_monthly"]),
    ("disability_living", &["disability_living_monthly"]),
    ("disability_nursing", &["disability_nursing_monthly"]),
    ("high_age", &["high_age_monthly"]),
    ("orphan", &["orphan_monthly"]),
];

/// `612.50` → 61250 (fen).
fn fen(text: &str) -> i64 {
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[test]
fn a_roster_from_pol_runs_own_output_with_injected_errors_gives_exactly_those_errors() {
    let tmp = shaanxi_copy("reconcile_generated");
    let dir = tmp.path();
    let generate =
        pol(dir, &["gen", "shaanxi", "--households", "3000", "--seed", "13", "--bad-rate", "0.02", "--out", "."]);
    assert_eq!(generate.code, 0, "{}", generate.stderr);
    let run_args = ["run", "shaanxi", "--households", "households.csv", "--persons", "persons.csv", "--out", "run"];
    let run = pol(dir, &run_args);
    assert_eq!(run.code, 0, "{}", run.render(&run_args));
    let results = read_text(&dir.join("run/household_results.csv"));
    let mut lines = results.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|column| *column == name).unwrap();
    // A household id rejected by validation: its roster row must come out as 无此户.
    let rejects = read_text(&dir.join("run/rejects.csv"));
    let rejected_id = rejects
        .lines()
        .skip(1)
        .filter(|line| line.starts_with("households.csv,"))
        .map(|line| line.split(',').nth(2).unwrap().to_string())
        .find(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .expect("the generated data has rejected households");
    let mut roster = String::from("household_id,program,month,amount\n");
    let mut expected = String::from("household_id,county_code,program,computed,paid,finding\n");
    let mut no_household = String::new();
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut paid_positive = 0usize;
    for (index, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let (id, county) = (cells[column("household_id")], cells[column("county_code")]);
        for (program, columns) in PROGRAMS {
            let computed: i64 = columns.iter().map(|name| fen(cells[column(name)])).sum();
            let mut row = |paid: i64| roster.push_str(&format!("{id},{program},2019-07,{}\n", yuan(paid)));
            let mut finding = |paid: Option<i64>, word: &'static str| {
                let paid = paid.map(yuan).unwrap_or_default();
                expected.push_str(&format!("{id},{county},{program},{},{paid},{word}\n", yuan(computed)));
                *counts.entry((program, word)).or_default() += 1;
            };
            if computed > 0 {
                paid_positive += 1;
                match paid_positive % 50 {
                    // Dropped → 漏保.
                    7 => finding(None, "漏保"),
                    // Zeroed → 漏保 with a paid 0.00.
                    17 => {
                        row(0);
                        finding(Some(0), "漏保");
                    }
                    // Paid a yuan less (at least 0.01) → 少发.
                    27 if computed > 1 => {
                        let paid = (computed - 100).max(1);
                        row(paid);
                        finding(Some(paid), "少发");
                    }
                    // Paid 0.01 more → 多发.
                    37 => {
                        row(computed + 1);
                        finding(Some(computed + 1), "多发");
                    }
                    _ => row(computed),
                }
            } else if index % 97 == 5 {
                // Paid where nothing is due → 错保.
                row(1234);
                finding(Some(1234), "错保");
            } else if index % 89 == 3 {
                // A zero row where nothing is due: no finding.
                row(0);
            }
        }
        if index % 101 == 0 {
            // Another month: counted, never compared.
            roster.push_str(&format!("{id},dibao,2019-06,1.00\n"));
        }
    }
    for (n, id) in ["NOBODY-1", "NOBODY-2", rejected_id.as_str()].iter().enumerate() {
        roster.push_str(&format!("{id},high_age,2019-07,{}.00\n", 50 + n));
        no_household.push_str(&format!("{id},,high_age,,{}.00,无此户\n", 50 + n));
        *counts.entry(("high_age", "无此户")).or_default() += 1;
    }
    // A second row for one household, program and month: rejected, the first one stands.
    let first_row = roster.lines().nth(1).unwrap().to_string();
    roster.push_str(&first_row);
    roster.push('\n');
    expected.push_str(&no_household);
    std::fs::write(dir.join("roster.csv"), &roster).unwrap();
    let args = reconcile_args("roster.csv", "out");
    let reconciled = pol(dir, &args);
    assert_eq!(reconciled.code, 0, "{}", reconciled.render(&args));
    assert_eq!(read_text(&dir.join("out/reconcile.csv")), expected);
    for name in ["household_results.csv", "rejects.csv"] {
        let plain = read_text(&dir.join("run").join(name));
        let with_roster = read_text(&dir.join("out").join(name));
        assert!(with_roster.starts_with(&plain), "{name}: pol run's rows first, unchanged");
    }
    let out_rejects = read_text(&dir.join("out/rejects.csv"));
    let duplicate: Vec<&str> = out_rejects.lines().filter(|line| line.starts_with("roster.csv,")).collect();
    assert_eq!(duplicate.len(), 1, "{duplicate:?}");
    assert!(duplicate[0].contains("already has a"), "{}", duplicate[0]);
    // The summary's province totals are the injected findings.
    let summary: serde_json::Value = serde_json::from_str(&read_text(&dir.join("out/reconcile_summary.json"))).unwrap();
    for program in summary["province"]["programs"].as_array().unwrap() {
        let id = program["program"].as_str().unwrap();
        for cell in program["findings"].as_array().unwrap() {
            let word = cell["finding"].as_str().unwrap();
            let want = counts.get(&(id, word)).copied().unwrap_or(0);
            assert_eq!(cell["count"].as_u64().unwrap(), want, "{id} {word}");
        }
    }
    assert!(counts.values().sum::<u64>() >= 20, "enough injected errors: {counts:?}");
}

#[test]
fn the_example_roster_gives_the_findings_examples_readme_lists() {
    let root = repo_root();
    let tmp = TempDir::new("reconcile_example");
    let out = tmp.path().join("out");
    let out_text = out.display().to_string();
    let args = [
        "reconcile",
        "policies/shaanxi",
        "--households",
        "examples/households.csv",
        "--persons",
        "examples/persons.csv",
        "--cases",
        "examples/cases.csv",
        "--roster",
        "examples/roster.csv",
        "--out",
        out_text.as_str(),
    ];
    let run = pol(root, &args);
    assert_eq!(run.code, 0, "{}", run.render(&args));
    let readme = read_text(&root.join("examples/README.md"));
    let reconcile = read_text(&out.join("reconcile.csv"));
    for line in reconcile.lines() {
        assert!(readme.contains(line), "examples/README.md lists `{line}`");
    }
    assert!(run.stdout.contains("read 1000 households: 981 accepted, 19 rejected"), "{}", run.stdout);
}

/// The roster's rows are checked in parallel pieces of 4,096 rows and accepted in file order:
/// the bad rows of `bad_roster_rows_are_rejected_with_reasons`, repeated 1,000 times (14,000 rows,
/// each repetition with its own household ids), give that test's rejects for every repetition, at
/// its lines, with a repeated row blamed on the later line across every piece boundary.
#[test]
fn a_roster_of_many_pieces_is_rejected_in_file_order() {
    const BLOCK: &str = "A1,dibao,2019-07,342.50
A1,dibao,2019-07,342.50
A1,xiaobao,2019-07,1.00
A1,tekun,2019-7,1.00
A1,tekun,2019-13,1.00
A1,tekun,2019-07,-5
A1,tekun,2019-07,1.234
A1,tekun,2019-07,
,tekun,2019-07,1.00
A1,tekun,2019-07
A1,dibao,2019-06,1.00
A1,dibao,2019-06,2.00
X9,dibao,2019-07,10.00
X9,dibao,2019-07,20.00
";
    const REPEATS: usize = 1_000;
    let rows = BLOCK.lines().count();
    let tmp = shaanxi_copy("reconcile_pieces");
    write_hand_households(tmp.path());
    let roster_rejects = |name: &str, roster: &str| -> Vec<String> {
        std::fs::write(tmp.path().join(name), roster).unwrap();
        let out = format!("out_{name}");
        let args = reconcile_args(name, &out);
        let run = pol(tmp.path(), &args);
        assert_eq!(run.code, 0, "{}", run.render(&args));
        let prefix = format!("{name},");
        read_text(&tmp.path().join(&out).join("rejects.csv"))
            .lines()
            .filter(|line| line.starts_with(&prefix))
            .map(|line| line.strip_prefix(&prefix).unwrap_or(line).to_string())
            .collect()
    };
    let one = roster_rejects("one.csv", &format!("household_id,program,month,amount\n{BLOCK}"));
    assert_eq!(one.len(), 11, "{one:#?}");
    let mut many = String::from("household_id,program,month,amount\n");
    for repeat in 0..REPEATS {
        many.push_str(&BLOCK.replace("A1,", &format!("A1r{repeat},")).replace("X9,", &format!("X9r{repeat},")));
    }
    let got = roster_rejects("many.csv", &many);
    // Repetition `r`'s reject of line `n` is line `n + 14r`, naming `A1r{r}` / `X9r{r}`, and a
    // repeated row's earlier line `(line m)` is `m + 14r`.
    let shift = |reject: &str, repeat: usize| -> String {
        let (line, rest) = reject.split_once(',').unwrap_or((reject, ""));
        let line: usize = line.parse().unwrap_or_else(|_| panic!("a line number: {reject}"));
        let mut rest = rest
            .replacen("A1,", &format!("A1r{repeat},"), 1)
            .replacen("X9,", &format!("X9r{repeat},"), 1)
            .replace("`A1`", &format!("`A1r{repeat}`"))
            .replace("`X9`", &format!("`X9r{repeat}`"));
        if let Some(start) = rest.find("(line ") {
            let digits: String = rest[start + 6..].chars().take_while(char::is_ascii_digit).collect();
            let earlier: usize = digits.parse().unwrap_or_else(|_| panic!("an earlier line: {reject}"));
            rest = rest.replace(&format!("(line {digits})"), &format!("(line {})", earlier + rows * repeat));
        }
        format!("{},{rest}", line + rows * repeat)
    };
    let expected: Vec<String> =
        (0..REPEATS).flat_map(|repeat| one.iter().map(move |reject| shift(reject, repeat))).collect();
    assert_eq!(got.len(), expected.len());
    for (index, (got, expected)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, expected, "roster reject {index}");
    }
}
