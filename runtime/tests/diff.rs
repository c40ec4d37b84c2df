//! `pol_runtime::pipeline::diff` on the small policy: a hand-computed reform, the same outputs
//! for any number of threads, chunk size and engine, and the errors of sides that cannot be
//! compared (snapshots, in English; the Chinese rendering is checked to leave no English word).

use crate::support::*;
use pol_compiler::engine::Engine;
use pol_compiler::interp::Interpreter;
use pol_compiler::jit::JitEngine;
use pol_runtime::RuntimeError;
use pol_runtime::pipeline::{DiffSide, DiffSummary, diff};

const HOUSEHOLDS: &str = "household_id,county_code,village,income,flag,months,kind,bonus\n\
H1,610102,\"甲,村\",100,false,0,plain,50\n\
H2,610103,乙村,2000,false,0,special,0\n\
H3,610802,丙村,0,false,0,plain,0\n";

const PERSONS: &str = "person_id,household_id,name,is_head,birth_date,grade,share\n\
P1,H1,张三,true,1980-01-01,0,0\n\
P2,H1,李四,false,2010-05-01,1,0\n\
P3,H2,王五,true,1970-01-01,0,0\n\
P4,H3,赵六,true,2030-01-01,0,0\n";

/// The small policy with one text replaced, failing if the text is not there exactly once.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = SMALL_POL.to_string();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "`{from}` is not in the small policy once");
        text = text.replace(from, to);
    }
    text
}

/// The reform: a higher standard, an input column the base does not read (`bonus`, added to
/// `paid`), other rules behind the `village` and `kind` columns, `severe` dropped and `adults`
/// added.
fn reform_text() -> String {
    edited(&[
        ("  = 500\n", "  = 600\n"),
        ("  kind: Kind = plain\n", "  kind: Kind = plain\n  bonus: 元/月 = 0\n"),
        ("paid: 元/月 = max(gap, 0)", "paid: 元/月 = max(gap, 0) + bonus"),
        ("  village\n  n\n", "  village = head_name\n  n\n"),
        ("  paid\n  kind\n", "  paid\n  kind = if paid > 1000 { Kind.special } else { kind }\n"),
        ("  severe\n}", "  adults\n}"),
    ])
}

/// Runs a diff of `base` against `reform` over the inputs, into `out`.
fn run_diff(
    base: &Compiled,
    reform: &Compiled,
    inputs: &Inputs,
    out: &str,
    (threads, chunk, jit): (usize, usize, bool),
) -> Result<DiffSummary, RuntimeError> {
    let engine = |compiled: &Compiled| -> Box<dyn Engine> {
        if jit {
            Box::new(JitEngine::compile_for_outputs(&compiled.program).unwrap())
        } else {
            Box::new(Interpreter::new(&compiled.program))
        }
    };
    let (base_engine, reform_engine) = (engine(base), engine(reform));
    let mut options = options(reform, inputs, "households.csv", "persons.csv", None, out);
    options.threads = Some(threads);
    options.chunk_households = chunk;
    diff(&side(base, "base", base_engine.as_ref()), &side(reform, "reform", reform_engine.as_ref()), &options)
}

/// A side of the diff.
fn side<'a>(compiled: &'a Compiled, label: &str, engine: &'a dyn Engine) -> DiffSide<'a> {
    DiffSide {
        label: label.to_string(),
        program: &compiled.program,
        counties: &compiled.counties,
        jurisdictions: &compiled.jurisdictions,
        engine,
        sources: Some(&compiled.sources),
        as_of: as_of(),
    }
}

fn inputs() -> Inputs {
    let inputs = Inputs::new();
    inputs.write("households.csv", HOUSEHOLDS);
    inputs.write("persons.csv", PERSONS);
    inputs
}

#[test]
fn a_hand_computed_reform() {
    let base = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let reform = compile_text(&reform_text(), SMALL_JURISDICTIONS);
    let inputs = inputs();
    let summary = run_diff(&base, &reform, &inputs, "out", (2, 8192, true)).unwrap();
    // H1: n = 2, gap = 500 × 2 − 100 = 900.00 → 600 × 2 − 100 = 1100.00, paid 900.00 →
    // 1100.00 + 50 = 1150.00, over 1000: `special`; `village` is the head's name on the reform
    // side. H2: gap = 500 − 2000 → 600 − 2000, paid 0.00 on both, `special` on both.
    // H3's head is born after the as-of date: rejected on both sides, not compared.
    assert_eq!(
        inputs.read("out/changes.csv"),
        "household_id,column,base,reform\n\
         H1,village,\"甲,村\",张三\n\
         H1,gap,900.00,1100.00\n\
         H1,paid,900.00,1150.00\n\
         H1,kind,plain,special\n\
         H2,village,乙村,王五\n\
         H2,gap,-1500.00,-1400.00\n"
    );
    // `rejects.csv` is each side's `pol run` rejects with the side in front.
    let mut expected = String::from("side,file,line,household_id,field,reason\n");
    for (side, compiled) in [("base", &base), ("reform", &reform)] {
        run_ok(compiled, &options(compiled, &inputs, "households.csv", "persons.csv", None, side));
        for line in inputs.read(&format!("{side}/rejects.csv")).lines().skip(1) {
            expected.push_str(&format!("{side},{line}\n"));
        }
    }
    assert_eq!(inputs.read("out/rejects.csv"), expected);
    assert_eq!(expected.lines().count(), 5, "H3 and P4 on each side:\n{expected}");

    let impact = &summary.impact;
    assert_eq!(impact.columns_only_in_base, ["severe"]);
    assert_eq!(impact.columns_only_in_reform, ["adults"]);
    assert_eq!((impact.households.read, impact.households.compared, impact.households.rejected_either), (3, 2, 1));
    let province = &impact.groups[0];
    assert_eq!((province.level.as_str(), province.households, province.changed), ("province", 2, 2));
    let kind = &province.transitions[0];
    assert_eq!(kind.column, "kind");
    assert_eq!(kind.counts, [[0, 1], [0, 1]]);
    assert_eq!(kind.changed, 1);
    let money: Vec<_> = province
        .money
        .iter()
        .map(|money| {
            (
                money.column.as_str(),
                (money.gaining, money.losing, money.unchanged),
                money.base.as_str(),
                money.reform.as_str(),
                money.change_annual.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        money,
        [
            ("gap", (2, 0, 0), "-600.00", "-300.00", Some("3600.00")),
            ("paid", (1, 0, 1), "900.00", "1150.00", Some("3000.00")),
        ]
    );
    // The report sums `n`: the same persons on both sides.
    let n = &province.persons[0];
    assert_eq!((n.column.as_str(), n.newly, n.no_longer, n.base, n.reform), ("n", 0, 0, 3, 3));
    // 新城区 (H1) and 碑林区 (H2) in 西安市; 榆阳区 (H3, rejected) compares nobody.
    let households: Vec<(&str, &str, u64)> =
        impact.groups.iter().map(|group| (group.level.as_str(), group.code.as_str(), group.households)).collect();
    assert_eq!(
        households,
        [
            ("province", "", 2),
            ("city", "610100", 2),
            ("city", "610800", 0),
            ("county", "610102", 1),
            ("county", "610103", 1),
            ("county", "610802", 0)
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&inputs.read("out/summary.json")).unwrap();
    assert_eq!(json["groups"][0]["money"][1]["change"], "250.00");
    assert!(inputs.read("out/summary.md").contains("| plain | 0 | 1 |"), "{}", inputs.read("out/summary.md"));
    let names: Vec<String> = dir_files(&inputs.path("out")).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["changes.csv", "rejects.csv", "report.html", "summary.json", "summary.md"]);
}

#[test]
fn the_same_outputs_for_any_threads_chunks_and_engine() {
    let base = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let reform = compile_text(&reform_text(), SMALL_JURISDICTIONS);
    let inputs = inputs();
    run_diff(&base, &reform, &inputs, "first", (1, 8192, true)).unwrap();
    let first = dir_files(&inputs.path("first"));
    for (index, config) in [(2, 1, true), (1, 1, false), (2, 2, false)].into_iter().enumerate() {
        let out = format!("out{index}");
        run_diff(&base, &reform, &inputs, &out, config).unwrap();
        assert_eq!(dir_files(&inputs.path(&out)), first, "{config:?}");
    }
}

/// Runs a diff that must fail before writing anything and renders its error.
fn diff_error(reform_text: &str, households: (&str, &str)) -> String {
    let base = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let reform = compile_text(reform_text, SMALL_JURISDICTIONS);
    let inputs = Inputs::new();
    inputs.write(households.0, households.1);
    inputs.write("persons.csv", PERSONS);
    let engine = Interpreter::new(&base.program);
    let reform_engine = Interpreter::new(&reform.program);
    let options = options(&reform, &inputs, households.0, "persons.csv", None, "out");
    let error = match diff(&side(&base, "policy", &engine), &side(&reform, "policy", &reform_engine), &options) {
        Ok(_) => panic!("the diff should fail"),
        Err(error) => error,
    };
    assert!(dir_files(&inputs.path("out")).is_empty(), "a failed diff leaves no output");
    render_error(&reform.sources, error)
}

#[test]
fn sides_whose_household_key_differs() {
    let reform = SMALL_POL.replace("household_id", "hh_id");
    insta::assert_snapshot!(diff_error(&reform, ("households.csv", HOUSEHOLDS)));
}

#[test]
fn a_side_without_household_results() {
    let reform = SMALL_POL.replace("household_results", "household_rows");
    insta::assert_snapshot!(diff_error(&reform, ("households.csv", HOUSEHOLDS)));
}

#[test]
fn json_lines_for_sides_with_different_columns() {
    let reform = edited(&[("  kind: Kind = plain\n", "  kind: Kind = plain\n  bonus: 元/月 = 0\n")]);
    let households = "{\"household_id\":\"H1\",\"county_code\":\"610102\",\"village\":\"甲村\",\"income\":\"0\"}\n";
    insta::assert_snapshot!(diff_error(&reform, ("households.jsonl", households)));
}

#[test]
fn a_reform_of_a_parameter_alone() {
    // The same columns on both sides: the input is typed once and evaluated by both engines.
    let base = compile_text(SMALL_POL, SMALL_JURISDICTIONS);
    let reform = compile_text(&edited(&[("  = 500\n", "  = 600\n")]), SMALL_JURISDICTIONS);
    let inputs = inputs();
    for (out, config) in [("one", (1, 1, true)), ("two", (2, 8192, false))] {
        run_diff(&base, &reform, &inputs, out, config).unwrap();
        assert_eq!(
            inputs.read(&format!("{out}/changes.csv")),
            "household_id,column,base,reform\n\
             H1,gap,900.00,1100.00\n\
             H1,paid,900.00,1100.00\n\
             H2,gap,-1500.00,-1400.00\n"
        );
        let rejects = inputs.read(&format!("{out}/rejects.csv"));
        let sides: Vec<&str> = rejects.lines().skip(1).map(|line| line.split(',').next().unwrap_or("")).collect();
        assert_eq!(sides, ["base", "base", "reform", "reform"], "{rejects}");
    }
}
