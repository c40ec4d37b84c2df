//! Spec section 7: every kind of bad input row goes to `rejects.csv`, whole households at a
//! time, with a reason; nothing is dropped silently.

use crate::support::*;

/// Households with one defect each (the `note` column, which the policy does not declare, says
/// which; it is ignored).
const HOUSEHOLDS: &str = "\
note,household_id,county_code,village,income,flag,months,kind
ok,H01,610102,东村,100,false,0,plain
money,H02,610102,东村,4523.456,false,0,plain
money space,H03,610102,东村, 4500,false,0,plain
money empty,H04,610102,东村,,false,0,plain
int,H05,610102,东村,100,false,-3,plain
bool,H06,610102,东村,100,TRUE,0,plain
enum,H07,610102,东村,100,false,0,Plain
county,H08,610100,东村,100,false,0,plain
short row,H09,610102,东村,100,false,0
quoted ok,H10,610103,\"东村,南组\",100.5,true,12,special
no head,H11,610802,西村,0,false,0,plain
two heads,H12,610802,西村,0,false,0,plain
no members,H13,610802,西村,0,false,0,plain
born after as_of,H14,610802,西村,0,false,0,plain
grade out of range,H15,610802,西村,0,false,0,plain
unreal day,H16,610802,西村,0,false,0,plain
division by zero,H17,610802,西村,0,false,0,plain
bad ratio,H18,610802,西村,0,false,0,plain
money too large,H19,610802,西村,92233720368547758.08,false,0,plain
ok,H20,610103,北村,0,false,0,special
";

const PERSONS: &str = "\
person_id,household_id,name,is_head,birth_date,grade,share
P01,H01,王建国,true,1970-03-01,0,0
P02,H01,李四,false,2010-05-06,1,0.25
P03,H02,张三,true,1980-01-01,0,0
P04,H10,\"Smith, J\",true,1980-01-01,0,0
P05,H11,无主,false,1980-01-01,0,0
P06,H12,甲,true,1980-01-01,0,0
P07,H12,乙,true,1980-01-01,0,0
P08,H14,丙,true,1980-01-01,0,0
P09,H14,丙子,false,2019-07-02,0,0
P10,H15,丁,true,1980-01-01,5,0
P11,H16,戊,true,2019-02-29,0,0
P12,H17,己,true,1980-01-01,3,0
P13,H18,庚,true,1980-01-01,0,1.5%
P14,H99,孤,true,1980-01-01,0,0
P15,H20,辛,true,2001-07-01,0,0
P16,H20,壬,false,2001-07-02,0,1
P17,H19,癸,true,1980-01-01,0,0
";

const CASES: &str = "\
case_id,household_id,amount,urgent
C1,H01,800,true
C2,H02,100,false
C3,H98,100,false
C4,H20,1000.5,yes
C5,H20,20000,false
C6,H12,5,false
";

#[test]
fn every_kind_of_bad_row_is_rejected_with_a_reason() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS);
    inputs.write("persons.csv", PERSONS);
    inputs.write("cases.csv", CASES);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary = run_ok(&compiled, &options);
    let snapshot = format!(
        "== households.csv\n{HOUSEHOLDS}== persons.csv\n{PERSONS}== cases.csv\n{CASES}== rejects.csv\n{}== household_results.csv\n{}== case_results.csv\n{}== summary\n{summary}",
        inputs.read("out/rejects.csv"),
        inputs.read("out/household_results.csv"),
        inputs.read("out/case_results.csv"),
    );
    insta::assert_snapshot!("every_kind_of_bad_row", snapshot);
    assert_eq!((summary.households.accepted, summary.households.rejected), (3, 17));
    assert_eq!((summary.persons.accepted, summary.persons.rejected), (5, 12));
    assert_eq!((summary.cases.accepted, summary.cases.rejected), (2, 4));
    assert_eq!(summary.passes, 1);
}

#[test]
fn duplicated_ids_reject_every_household_carrying_them() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    let households = "\
household_id,county_code,village,income,flag,months,kind
H1,610102,甲村,0,false,0,plain
H2,610102,乙村,0,false,0,plain
H1,610103,丙村,0,false,0,plain
H3,610102,丁村,0,false,0,plain
H4,610102,戊村,0,false,0,plain
H5,610102,己村,oops,false,0,plain
H5,610102,庚村,0,false,0,plain
";
    let persons = "\
person_id,household_id,name,is_head,birth_date,grade,share
P1,H1,一,true,1980-01-01,0,0
P2,H2,二,true,1980-01-01,0,0
P3,H1,三,true,1980-01-01,0,0
P4,H3,四,true,1980-01-01,0,0
P2,H4,五,true,1980-01-01,0,0
P5,H5,六,true,1980-01-01,0,0
";
    let cases = "case_id,household_id,amount,urgent\nC1,H1,1,false\nC2,H3,1,false\nC3,H4,1,false\n";
    inputs.write("households.csv", households);
    inputs.write("persons.csv", persons);
    inputs.write("cases.csv", cases);
    let mut options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    options.chunk_households = 2;
    let summary = run_ok(&compiled, &options);
    let snapshot = format!(
        "== households.csv\n{households}== persons.csv\n{persons}== cases.csv\n{cases}== rejects.csv\n{}== household_results.csv\n{}== summary\n{summary}",
        inputs.read("out/rejects.csv"),
        inputs.read("out/household_results.csv"),
    );
    insta::assert_snapshot!("duplicated_ids", snapshot);
    assert_eq!(summary.passes, 2);
    assert_eq!(summary.duplicate_ids, 3);
    assert_eq!(summary.households.accepted, 1);
}

#[test]
fn persons_and_cases_of_missing_households_are_rejected() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write(
        "households.csv",
        "household_id,county_code,village,income,flag,months,kind\nH1,610102,甲村,0,false,0,plain\n",
    );
    inputs.write("persons.csv", "person_id,household_id,name,is_head,birth_date,grade,share\nP0,H0,零,true,1980-01-01,0,0\nP1,H1,一,true,1980-01-01,0,0\nP2,H2,二,true,1980-01-01,0,0\n");
    inputs.write("cases.csv", "case_id,household_id,amount,urgent\nC1,H2,1,false\nC2,H1,1,false\n");
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary = run_ok(&compiled, &options);
    assert_eq!(
        inputs.read("out/rejects.csv"),
        "file,line,household_id,field,reason\n\
         persons.csv,2,H0,household_id,unknown household `H0`\n\
         persons.csv,4,H2,household_id,unknown household `H2`\n\
         cases.csv,2,H2,household_id,unknown household `H2`\n"
    );
    assert_eq!(
        summary.to_string(),
        "read 1 households: 1 accepted, 0 rejected\nread 3 persons: 1 accepted, 2 rejected\nread 2 cases: 1 accepted, 1 rejected\n"
    );
}

#[test]
fn every_case_with_a_duplicated_case_id_is_rejected() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    let cases = "\
case_id,household_id,amount,urgent
C1,H2,800,true
C2,H1,1500,false
C1,H1,1000,false
C3,H4,oops,false
C3,H4,10,false
C4,H3,10,false
";
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", cases);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary = run_ok(&compiled, &options);
    let snapshot = format!(
        "== cases.csv\n{cases}== rejects.csv\n{}== case_results.csv\n{}== summary\n{summary}",
        inputs.read("out/rejects.csv"),
        inputs.read("out/case_results.csv"),
    );
    insta::assert_snapshot!("duplicated_case_ids", snapshot);
    // A duplicated case does not reject its household.
    assert_eq!((summary.households.accepted, summary.cases.accepted, summary.cases.rejected), (4, 2, 4));
}

#[test]
fn control_and_bidirectional_characters_in_text_reject_the_row() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    let households = "household_id,county_code,village,income,flag,months,kind\n\
                      H1,610102,东村,100,false,0,plain\n\
                      H2,610102,西\0村,100,false,0,plain\n\
                      H3,610102,\"南\t村\",100,false,0,plain\n\
                      H4,610102,北村\u{202E}abc,100,false,0,plain\n\
                      H5\u{85},610102,中村,100,false,0,plain\n\
                      H6,610102,\"上\r\n村\",100,false,0,plain\n";
    let persons = "person_id,household_id,name,is_head,birth_date,grade,share\n\
                   P1,H1,王\u{2066}建国\u{2069},true,1970-03-01,0,0\n\
                   P2,H2,李四,true,1970-03-01,0,0\n\
                   P3,H3,张三,true,1970-03-01,0,0\n\
                   P4,H4,赵,true,1970-03-01,0,0\n\
                   P5,H5\u{85},钱,true,1970-03-01,0,0\n\
                   P6,H6,孙,true,1970-03-01,0,0\n\
                   P7\x1b,H6,周,false,1970-03-01,0,0\n";
    let cases = "case_id,household_id,amount,urgent\nC1\x7f,H1,1,false\nC2,H6,1,false\n";
    inputs.write("households.csv", households);
    inputs.write("persons.csv", persons);
    inputs.write("cases.csv", cases);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out");
    let summary = run_ok(&compiled, &options);
    let snapshot = format!(
        "== rejects.csv\n{}== household_results.csv\n{}== summary\n{summary}",
        inputs.read("out/rejects.csv"),
        inputs.read("out/household_results.csv"),
    );
    insta::assert_snapshot!("control_characters", snapshot);
    let rejects = inputs.read("out/rejects.csv");
    assert!(rejects.chars().all(|character| character == '\n' || !character.is_control()), "{rejects:?}");
    assert_eq!(summary.households.accepted, 0);
}
