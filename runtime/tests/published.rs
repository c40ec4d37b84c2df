//! Published CSV text is safe to open in a spreadsheet: a text cell that starts like a formula
//! gets a leading `'`; numbers, money and ratios are never altered.

use crate::support::*;

#[test]
fn formula_like_text_cells_get_a_quote_mark_and_numbers_do_not() {
    let compiled = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    let households = "\
household_id,county_code,village,income,flag,months,kind
=H1,610102,\"=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\",100,false,0,plain
H2,610802,+西村,2000.5,true,3,special
H3,610103,-南村,0,false,12,plain
@H4,610103,@北村,oops,false,1,special
";
    let persons = "\
person_id,household_id,name,is_head,birth_date,grade,share
P1,=H1,=1+2,true,1970-03-01,0,0.5
P2,=H1,a=b,false,2010-05-06,1,0
-P3,H2,-张三,true,1950-01-01,0,1
P4,H3,+赵,true,2001-07-01,4,0
P5,@H4,钱,true,1999-02-28,0,0
";
    inputs.write("households.csv", households);
    inputs.write("persons.csv", persons);
    let options = options(&compiled, &inputs, "households.csv", "persons.csv", None, "out");
    let summary = run_ok(&compiled, &options);
    let mut text = format!("== households.csv\n{households}== persons.csv\n{persons}");
    for name in ["household_results.csv", "people.csv", "rejects.csv"] {
        text.push_str(&format!("== {name}\n{}", inputs.read(&format!("out/{name}"))));
    }
    insta::assert_snapshot!("formula_cells", text);
    // The negative amount of H2 is written as a number.
    assert!(inputs.read("out/household_results.csv").contains(",-1500.50,"));
    assert_eq!(summary.households.rejected, 1);
}
