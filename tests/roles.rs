//! Household roles end to end, on `tests/policies/household_roles`: parents (at most two) and
//! children, read from the persons' `role` column.

use crate::cli::{assert_canonical, assert_checks_and_passes_on_both_engines, pol, run_policy_ok};
use crate::support::{TempDir, copy_dir, household_roles_dir, read_text};

#[test]
fn the_roles_policy_checks_tests_on_both_engines_and_is_formatted() {
    let tmp = TempDir::new("roles-tests");
    copy_dir(&household_roles_dir(), &tmp.path().join("household_roles"));
    assert_checks_and_passes_on_both_engines(tmp.path(), "household_roles", 6);
    assert_canonical(tmp.path(), "household_roles");
}

const HOUSEHOLDS: &str = "household_id,county_code,rent\nH1,990101,800\nH2,990101,900\nH3,990102,1000\nH4,990201,600\n";
const PERSONS: &str = "person_id,household_id,birth_date,salary,role\n\
                       P1,H1,1980-01-01,100,parent\nP2,H1,2015-01-01,0,child\n\
                       P3,H2,1980-01-01,0,parnt\n\
                       P4,H3,1980-01-01,0,parent\nP5,H3,1981-01-01,0,parent\nP6,H3,1982-01-01,0,parent\n\
                       P7,H4,1980-01-01,2000,parent\nP8,H4,1981-01-01,1500,parent\nP9,H4,2000-01-01,300,child\n";

/// Both engines give the same tables; a word that is not a role and a third parent reject
/// their households with the reasons below; a file without the `role` column cannot run.
#[test]
fn a_batch_rejects_a_bad_role_and_a_household_over_a_limit() {
    let tmp = TempDir::new("roles-run");
    copy_dir(&household_roles_dir(), &tmp.path().join("household_roles"));
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap_or_else(|error| panic!("cannot create data: {error}"));
    for (name, text) in [("households.csv", HOUSEHOLDS), ("persons.csv", PERSONS)] {
        std::fs::write(data.join(name), text).unwrap_or_else(|error| panic!("cannot write {name}: {error}"));
    }
    let mut outputs = Vec::new();
    for engine in ["interp", "jit"] {
        let out = format!("out-{engine}");
        let (_, dir) = run_policy_ok(
            tmp.path(),
            "household_roles",
            ["data/households.csv", "data/persons.csv"],
            "2024-01-01",
            engine,
            &out,
        );
        outputs.push((read_text(&dir.join("benefits.csv")), read_text(&dir.join("rejects.csv"))));
    }
    let (benefits, rejects) = &outputs[0];
    assert_eq!(outputs[0], outputs[1], "the interpreter and the JIT differ");
    assert_eq!(
        benefits,
        "household_id,n_parents,parents_salary,working_child,parenting_allowance,rent_help,total_benefits\n\
         H1,1,100.00,false,200.00,200.00,400.00\n\
         H4,2,3500.00,true,0.00,0.00,0.00\n"
    );
    assert_eq!(
        rejects,
        "file,line,household_id,field,reason\n\
         households.csv,3,H2,role,household rejected: person P3 bad role\n\
         households.csv,4,H3,role,more than 2 members with role parent\n\
         persons.csv,4,H2,role,\"bad role: `parnt` is not one of `parent`, `child`\"\n\
         persons.csv,5,H3,role,household rejected: more than 2 members with role parent\n\
         persons.csv,6,H3,role,household rejected: more than 2 members with role parent\n\
         persons.csv,7,H3,role,household rejected: more than 2 members with role parent\n"
    );
    let without_role: String =
        PERSONS.lines().map(|line| format!("{}\n", line.rsplit_once(',').map_or(line, |(head, _)| head))).collect();
    std::fs::write(data.join("persons.csv"), without_role).unwrap_or_else(|error| panic!("cannot write: {error}"));
    let args = [
        "run",
        "household_roles",
        "--households",
        "data/households.csv",
        "--persons",
        "data/persons.csv",
        "--as-of",
        "2024-01-01",
        "--out",
        "out-none",
    ];
    let run = pol(tmp.path(), &args);
    assert_ne!(run.code, 0, "{}", run.render());
    assert!(run.stderr.contains("pol::input::missing_column"), "{}", run.render());
}

/// Role aggregations (`count`/`sum`/`any` over members with a role) on generated households:
/// the interpreter and the JIT write identical tables, and every generated household is
/// accepted (its roles within their limits).
#[test]
fn generated_households_give_the_same_tables_on_both_engines() {
    let tmp = TempDir::new("roles-gen");
    copy_dir(&household_roles_dir(), &tmp.path().join("household_roles"));
    let generate = pol(tmp.path(), &["gen", "household_roles", "--households", "2000", "--seed", "5", "--out", "data"]);
    assert_eq!(generate.code, 0, "{}", generate.render());
    let mut tables = Vec::new();
    for engine in ["interp", "jit"] {
        let out = format!("out-{engine}");
        let (run, dir) = run_policy_ok(
            tmp.path(),
            "household_roles",
            ["data/households.csv", "data/persons.csv"],
            "2024-01-01",
            engine,
            &out,
        );
        assert!(run.stdout.contains("read 2000 households: 2000 accepted, 0 rejected"), "{}", run.render());
        tables.push(read_text(&dir.join("benefits.csv")));
    }
    assert_eq!(tables[0], tables[1], "the interpreter and the JIT differ");
    let parents: Vec<&str> = tables[0].lines().skip(1).filter_map(|line| line.split(',').nth(1)).collect();
    for n in ["0", "1", "2"] {
        assert!(parents.contains(&n), "no household with {n} parents");
    }
}

/// `pol explain` shows a test that gives computed values as `pol test` runs it.
#[test]
fn explain_uses_the_values_a_test_gives() {
    let tmp = TempDir::new("roles-explain");
    copy_dir(&household_roles_dir(), &tmp.path().join("household_roles"));
    let explain = pol(tmp.path(), &["explain", "household_roles", "--test", "computed values given as inputs"]);
    assert_eq!(explain.code, 0, "{}", explain.render());
    let line = |name: &str| {
        explain.stdout.lines().find(|line| line.trim_start().starts_with(name)).map(|line| line.to_string())
    };
    let n_parents = line("n_parents ").unwrap_or_default();
    assert!(n_parents.split_whitespace().nth(1) == Some("1"), "{}", explain.render());
    let rent_help = line("rent_help ").unwrap_or_default();
    assert!(rent_help.contains("250.00"), "{}", explain.render());
}
