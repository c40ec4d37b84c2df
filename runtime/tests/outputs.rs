//! The output tables, the report and the closing lines of a small run, snapshotted whole.

use crate::support::*;

pub const HOUSEHOLDS: &str = "\
household_id,county_code,village,income,flag,months,kind
H1,610102,东村,100,false,0,plain
H2,610802,西村,2000.5,true,3,special
H3,610103,\"南村,二组\",0,false,12,plain
H4,610103,北村,0.05,false,1,special
";

pub const PERSONS: &str = "\
person_id,household_id,name,is_head,birth_date,grade,share
P1,H1,王建国,true,1970-03-01,0,0.5
P2,H1,李四,false,2010-05-06,1,0
P3,H2,张三,true,1950-01-01,0,1
P4,H3,\"Smith, \"\"J\"\"\",true,2001-07-01,4,0.000000001
P5,H3,赵,false,2001-07-02,2,0
P6,H4,钱七,true,1999-02-28,0,0
";

pub const CASES: &str = "\
case_id,household_id,amount,urgent
C1,H2,800,true
C2,H1,1500,false
C3,H1,1000,false
";

#[test]
fn outputs_report_and_counts() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS);
    inputs.write("persons.csv", PERSONS);
    inputs.write("cases.csv", CASES);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary = run_ok(&compiled, &options);
    assert_eq!(
        summary.to_string(),
        "read 4 households: 4 accepted, 0 rejected\nread 6 persons: 6 accepted, 0 rejected\nread 3 cases: 3 accepted, 0 rejected\n"
    );
    let names: Vec<String> = dir_files(&inputs.path("out")).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "case_results.csv",
            "household_results.csv",
            "paid_only.csv",
            "people.csv",
            "rejects.csv",
            "report.html",
            "report.json",
            "report.md"
        ]
    );
    let mut text = String::new();
    for name in ["household_results.csv", "paid_only.csv", "people.csv", "case_results.csv", "rejects.csv"] {
        text.push_str(&format!("== {name}\n{}", inputs.read(&format!("out/{name}"))));
    }
    insta::assert_snapshot!("small_outputs", text);
    insta::assert_snapshot!("small_report_md", inputs.read("out/report.md"));
    insta::assert_snapshot!("small_report_json", inputs.read("out/report.json"));
}
