//! Household roles: what they become (an enum, a person column, limits as `require`s) and their
//! errors.

use super::{errors, errors_of, program};
use insta::assert_snapshot;
use pol_compiler::tir::{ColumnTy, RuleRole, Ty};

const ROLES: &str = r#"
household {
  household_id: key
  role at most 2 parent, child
}
person {
  person_id: key
  household_id: household
  salary: 元/月 = 0
}
household n_children: int = count(members where role == child)
household parents_salary: 元/月 = sum(members where role == parent, salary)
person is_parent: bool = role == parent
"#;

#[test]
fn roles_become_an_enum_a_person_column_and_a_limit() -> Result<(), String> {
    let program = program(ROLES)?;
    let role_enum = program.enums.iter().find(|def| def.name == "Role").ok_or("no Role enum")?;
    assert_eq!(role_enum.variants, ["parent", "child"]);
    let column = program.person.columns.iter().find(|column| column.name == "role").ok_or("no role column")?;
    assert!(matches!(column.ty, ColumnTy::Value(Ty::Enum(_))), "{:?}", column.ty);
    // Tests default to the first role; data files must have the column.
    assert_eq!(column.default, Some(0));
    assert_eq!(column.default_cell, None);
    let limits: Vec<_> = program
        .rules
        .iter()
        .filter_map(|rule| match &rule.role {
            RuleRole::Validation { message, .. } => message.clone(),
            RuleRole::Named | RuleRole::Hidden => None,
        })
        .collect();
    assert_eq!(limits, ["more than 2 members with role parent"]);
    Ok(())
}

#[test]
fn unknown_role_name() {
    let pol = ROLES.replace("role == child", "role == chlid");
    assert_snapshot!(errors(&pol));
}

#[test]
fn role_outside_the_household() {
    let pol = r#"
household {
  household_id: key
}
person {
  person_id: key
  household_id: household
  role parent, child
}
"#;
    assert_snapshot!(errors(pol));
}

#[test]
fn role_column_declared_beside_roles() {
    let pol = ROLES.replace("salary: 元/月 = 0", "salary: 元/月 = 0\n  role: text = \"x\"");
    assert_snapshot!(errors(&pol));
}

#[test]
fn a_role_declared_twice() {
    let pol = ROLES.replace("role at most 2 parent, child", "role parent, child, parent");
    assert_snapshot!(errors(&pol));
}

#[test]
fn a_test_over_a_role_limit() {
    let test = r#"
test "three parents" {
  household { }
  person { role: parent }
  person { }
  person { role: parent }
  person { role: child }
  expect n_children = 1
}
test "three parents, rejected" {
  household { }
  person { }
  person { }
  person { }
  expect rejected "more than 2 members with role parent"
}
test "a word that is not a role" {
  household { }
  person { role: parnet }
}
"#;
    assert_snapshot!(errors_of(&[test, ROLES], None));
}
