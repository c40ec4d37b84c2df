//! `test` blocks: rows, generated keys, counties, expectations, and their errors.

use super::{errors_of, program_of};
use insta::assert_snapshot;
use pol_compiler::text::{TextHandle, TextOrigin};
use pol_compiler::tir::{Expectation, Program, ValueSource, Word};
use pol_grammar::ast::EntityKind;

const SCHEMA: &str = r#"
enum LaborCapacity { full, partial, none }
jurisdictions {
  county_code: key
  city_code: city
  deep_poverty: bool
}
household {
  household_id: key
  county_code: county
  annual_income: 元/年
  on_dibao: bool = false
}
person {
  person_id: key
  household_id: household
  name: text = "张三"
  grade: int 0..4 = 0
  labor_capacity: LaborCapacity = full
  birth_date: date
}
case {
  case_id: key
  household_id: household
  amount_requested: 元
}
household n: int = count(members)
person weak: bool = labor_capacity != full
"#;

const CSV: &str = "county_code,city_code,deep_poverty\n610802,610800,false\n610881,610800,true\n";

/// The handle of a text literal of the program.
fn literal(program: &Program, text: &str) -> Word {
    let index = program.texts.iter().position(|known| known == text).unwrap_or(usize::MAX);
    TextHandle::new(TextOrigin::Literal, index as u32).to_word()
}

fn text_of(program: &Program, word: Word) -> Option<&str> {
    let handle = TextHandle::from_word(word);
    assert_eq!(handle.origin, TextOrigin::Literal);
    program.texts.get(handle.index as usize).map(String::as_str)
}

#[test]
fn records_become_rows_with_defaults_keys_and_counties() -> Result<(), String> {
    let test = r#"
test "两口之家" {
  as_of 2019-07-01
  household { county_code: "610881", annual_income: 1200.5 }
  person { name: "王建国", birth_date: 1970-03-01, labor_capacity: none }
  person { birth_date: 1972-05-06, grade: 2 }
  case { amount_requested: 800 }
  expect n = 2
  expect person 1 weak = true
  expect person 2 labor_capacity = full
  expect rejected "没有户主"
  expect error
}"#;
    let program = program_of(&[SCHEMA, test], Some(CSV))?;
    let [test] = program.tests.as_slice() else { return Err("one test".into()) };
    assert_eq!(test.name, "两口之家");
    assert_eq!(test.as_of, pol_compiler::date::from_ymd(2019, 7, 1));
    let [household_id, county, income, on_dibao] = test.household.as_slice() else { return Err("4 columns".into()) };
    assert_eq!(text_of(&program, *household_id), Some("两口之家#H"));
    assert_eq!((*county, *income, *on_dibao), (1, 120_050, 0));
    let text = |value: &str| literal(&program, value);
    let born = |year, month, day| pol_compiler::date::from_ymd(year, month, day).unwrap_or_default();
    let persons = vec![
        vec![text("两口之家#P1"), *household_id, text("王建国"), 0, 2, born(1970, 3, 1)],
        vec![text("两口之家#P2"), *household_id, text("张三"), 2, 0, born(1972, 5, 6)],
    ];
    assert_eq!(test.persons, persons);
    assert_eq!(test.cases, vec![vec![text("两口之家#C1"), *household_id, 80_000]]);
    let expectations: Vec<String> = test.expectations.iter().map(|e| describe(&program, e)).collect();
    assert_eq!(
        expectations,
        vec![
            "household 0 rule n = 2",
            "person 0 rule weak = 1",
            "person 1 column labor_capacity = 0",
            "rejected 没有户主",
            "error"
        ]
    );
    Ok(())
}

fn describe(program: &Program, expectation: &Expectation) -> String {
    match expectation {
        Expectation::Value { entity, index, source, expected, .. } => {
            let source = match source {
                ValueSource::Rule(rule) => {
                    format!("rule {}", program.rule(*rule).map_or("?", |rule| rule.name.as_str()))
                }
                ValueSource::Column(column) => {
                    format!(
                        "column {}",
                        program.schema(*entity).columns.get(column.0 as usize).map_or("?", |c| c.name.as_str())
                    )
                }
            };
            format!("{} {index} {source} = {expected}", entity.keyword())
        }
        Expectation::Rejected(message, _) => format!("rejected {}", message.clone().unwrap_or_default()),
        Expectation::Error(_) => "error".into(),
    }
}

#[test]
fn a_written_household_key_links_the_members() -> Result<(), String> {
    let test = "test \"t\" {\n  household { household_id: \"H1\", county_code: \"610802\", annual_income: 0 }\n  person { birth_date: 2000-01-01 }\n}";
    let program = program_of(&[SCHEMA, test], Some(CSV))?;
    let test = program.tests.first().ok_or("a test")?;
    let key = test.household.first().copied().ok_or("a household key")?;
    assert_eq!(text_of(&program, key), Some("H1"));
    assert_eq!(test.persons.first().and_then(|row| row.get(1)).copied(), Some(key));
    assert_eq!(program.schema(EntityKind::Household).columns.len(), test.household.len());
    Ok(())
}

#[test]
fn record_errors() {
    let test = r#"
test "坏记录" {
  household { county_code: "610803", annual_incme: 0 }
  person { household_id: "x", grade: 7, birth_date: 1970-01-01, birth_date: 1970-01-02 }
  person { labor_capacity: partail }
  household { annual_income: 0, county_code: "610802" }
  expect person 3 weak = true
  expect case 1 amount_requested = 100
  expect dibao = 1
  expect n = true
}"#;
    assert_snapshot!(errors_of(&[test, SCHEMA], Some(CSV)));
}

#[test]
fn county_codes_without_a_csv() {
    let test = "test \"t\" {\n  household { county_code: \"610802\", annual_income: 0 }\n  person { birth_date: 1970-01-01 }\n}";
    assert_snapshot!(errors_of(&[test, SCHEMA], None));
}

#[test]
fn tolerance_errors() {
    let test = r#"
test "容差" {
  tolerance 1%
  household { county_code: "610802", annual_income: 0 }
  person { birth_date: 1970-01-01 }
  expect n = 1 ± -1
  expect person 1 weak = false ± 1
  expect annual_income = 0 ± 0.01
}"#;
    assert_snapshot!(errors_of(&[test, SCHEMA], Some(CSV)));
}

#[test]
fn tolerances_are_words_of_the_expectations_type() -> Result<(), String> {
    let test = r#"
test "容差" {
  tolerance 0.015
  household { county_code: "610802", annual_income: 0 }
  person { birth_date: 1970-01-01 }
  expect n = 1
  expect annual_income = 0 ± 2.5
  expect person 1 weak = false
}"#;
    let program = program_of(&[test, SCHEMA], Some(CSV))?;
    let tolerances: Vec<Option<Word>> = program.tests[0]
        .expectations
        .iter()
        .map(|expectation| match expectation {
            Expectation::Value { tolerance, .. } => *tolerance,
            Expectation::Rejected(..) | Expectation::Error(_) => None,
        })
        .collect();
    // int: 0.015 rounds down to 0; money: 2.5 is 250 fen; a bool is compared exactly.
    assert_eq!(tolerances, [Some(0), Some(250), None]);
    Ok(())
}

#[test]
fn a_test_without_persons_has_one_default_member() -> Result<(), String> {
    let schema = SCHEMA.replace("  birth_date: date\n", "  birth_date: date = 1980-01-01\n");
    let test = r#"
test "一人户" {
  household { county_code: "610802", annual_income: 0 }
  expect n = 1
  expect person 1 weak = false
  expect person 1 name = "张三"
}
test "无成员户" {
  household { county_code: "610802", annual_income: 0 }
  expect rejected
}"#;
    let program = program_of(&[test, &schema], Some(CSV))?;
    assert_eq!(program.tests[0].persons.len(), 1);
    assert_eq!(program.tests[1].persons.len(), 0, "a test expecting a rejection keeps no member");
    let person = &program.tests[0].persons[0];
    assert_eq!(text_of(&program, person[0]), Some("一人户#P1"));
    Ok(())
}

#[test]
fn a_default_member_needs_every_default() {
    let test = r#"
test "一人户" {
  household { county_code: "610802", annual_income: 0 }
  expect n = 1
}"#;
    assert_snapshot!(errors_of(&[test, SCHEMA], Some(CSV)));
}

#[test]
fn a_test_gives_computed_values() -> Result<(), String> {
    let test = r#"
test "给定" {
  household { county_code: "610802", annual_income: 0, n: 3 }
  person { birth_date: 1970-01-01 }
  person { birth_date: 1970-01-01, weak: true }
  expect n = 3
}"#;
    let program = program_of(&[test, SCHEMA], Some(CSV))?;
    let given: Vec<(EntityKind, usize, &str, Word)> = program.tests[0]
        .given
        .iter()
        .map(|given| (given.entity, given.index, program.rules[given.rule.0 as usize].name.as_str(), given.value))
        .collect();
    assert_eq!(given, [(EntityKind::Household, 0, "n", 3), (EntityKind::Person, 1, "weak", 1)]);
    Ok(())
}

#[test]
fn a_given_value_of_the_wrong_type() {
    let test = r#"
test "给定" {
  household { county_code: "610802", annual_income: 0, n: true }
  person { birth_date: 1970-01-01, weak: 1 }
}"#;
    assert_snapshot!(errors_of(&[test, SCHEMA], Some(CSV)));
}
