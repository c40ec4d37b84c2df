//! The Shaanxi policy of `policies/shaanxi`: it checks, and its tests pass on the interpreter
//! with the TIR the checker produces.

use pol_compiler::diagnostic::{Diagnostic, SourceKind, Sources, render_plain};
use pol_compiler::interp::Interpreter;
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{Program, RuleRole};
use pol_grammar::{SourceId, parse_file};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/shaanxi");

/// The files of a directory with an extension, sorted, with their text.
fn files(dir: &str, extension: &str) -> Vec<(String, String)> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            Some((path.file_name()?.to_string_lossy().into_owned(), std::fs::read_to_string(&path).ok()?))
        })
        .collect()
}

fn render(sources: &Sources, diagnostics: Vec<Diagnostic>) -> String {
    diagnostics.into_iter().map(|diagnostic| render_plain(sources, diagnostic)).collect()
}

/// The checked Shaanxi program, its county table and sources.
fn shaanxi() -> Result<(Program, JurisdictionTable, Sources), String> {
    let mut sources = Sources::default();
    let mut parsed = Vec::new();
    for (name, text) in files(&format!("{DIR}/2019"), "pol") {
        let id = sources.add(format!("2019/{name}"), text.clone(), SourceKind::Pol);
        let file = parse_file(id, &text).map_err(|errors| format!("{name}: {} parse errors", errors.len()))?;
        parsed.push((id, file));
    }
    let csv = std::fs::read_to_string(format!("{DIR}/jurisdictions.csv")).map_err(|error| error.to_string())?;
    let csv_id = sources.add("jurisdictions.csv", csv.clone(), SourceKind::Jurisdictions);
    match pol_compiler::check::ast_to_tir(&parsed, Some((csv_id, &csv))) {
        Ok((program, table)) => Ok((program, table, sources)),
        Err(diagnostics) => Err(render(&sources, diagnostics)),
    }
}

#[test]
fn checks_with_validations_first_and_every_rule_ordered_once() -> Result<(), String> {
    let (program, table, _) = shaanxi()?;
    assert_eq!(table.counties.len(), 107);
    assert!(!program.tests.is_empty());
    let mut seen = vec![false; program.rules.len()];
    for id in &program.order {
        let index = id.0 as usize;
        assert!(!seen.get(index).copied().unwrap_or(true), "rule {index} ordered twice");
        if let Some(flag) = seen.get_mut(index) {
            *flag = true;
        }
    }
    assert!(seen.iter().all(|flag| *flag), "every rule is in the order");
    let n_validations = program.rules.iter().filter(|rule| matches!(rule.role, RuleRole::Validation { .. })).count();
    assert!(n_validations > 0);
    let first: Vec<bool> = program
        .order
        .iter()
        .take(n_validations)
        .map(|id| matches!(program.rules.get(id.0 as usize).map(|rule| &rule.role), Some(RuleRole::Validation { .. })))
        .collect();
    assert!(first.iter().all(|is_validation| *is_validation), "validations come first");
    Ok(())
}

#[test]
fn its_tests_pass_on_the_interpreter() -> Result<(), String> {
    let (program, table, mut sources) = shaanxi()?;
    let params: Vec<(SourceId, String)> = files(&format!("{DIR}/params"), "toml")
        .into_iter()
        .map(|(name, text)| (sources.add(format!("params/{name}"), text.clone(), SourceKind::Params), text))
        .collect();
    let refs: Vec<(SourceId, &str)> = params.iter().map(|(id, text)| (*id, text.as_str())).collect();
    let set = pol_compiler::params::load(&program, &table, &refs).map_err(|errors| render(&sources, errors))?;
    let engine = Interpreter::new(&program);
    let default_as_of = pol_compiler::date::from_ymd(2019, 7, 1).unwrap_or_default();
    let mut failures = Vec::new();
    for test in &program.tests {
        let as_of = test.as_of.unwrap_or(default_as_of);
        let counties = set.county_table(&program, &table, as_of).map_err(|error| render(&sources, vec![error]))?;
        let failed = pol_compiler::testing::run_test(&program, test, &counties, &engine);
        if !failed.is_empty() {
            failures.push(format!("{}: {failed:?}", test.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} tests fail:\n{}", failures.len(), program.tests.len(), failures.join("\n"));
    Ok(())
}
