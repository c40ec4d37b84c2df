//! The checker from source text: error snapshots, typed IR of small programs, tests and
//! jurisdictions.
//!
//! Every helper parses `.pol` texts (named `policy.pol`, `policy2.pol`, …) and an optional
//! `jurisdictions.csv`, checks them with `ast_to_tir`, and returns either the program or the
//! rendered diagnostics with the input attached.

mod errors;
mod jurisdictions;
mod programs;
mod roles;
mod shaanxi;
mod tests;

use pol_compiler::check::ast_to_tir;
use pol_compiler::diagnostic::{Diagnostic, SourceKind, Sources, render_plain};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::Program;
use pol_grammar::{ast, parse_file};

/// A checked policy with its sources.
pub struct Checked {
    /// The input files.
    pub sources: Sources,
    /// What the checker said (or the parse errors, rendered, as `Err(Err(text))`).
    pub result: Result<Result<(Program, JurisdictionTable), Vec<Diagnostic>>, String>,
}

/// Parses and checks `.pol` texts with an optional `jurisdictions.csv`.
pub fn check_files(pols: &[&str], csv: Option<&str>) -> Checked {
    let mut sources = Sources::default();
    let mut files = Vec::new();
    let mut parse_errors = String::new();
    for (index, text) in pols.iter().enumerate() {
        let name = if index == 0 { "policy.pol".to_string() } else { format!("policy{}.pol", index + 1) };
        let id = sources.add(name, *text, SourceKind::Pol);
        match parse_file(id, text) {
            Ok(file) => files.push((id, file)),
            Err(errors) => {
                for error in errors {
                    crate::chinese::assert_chinese(&Diagnostic::new(Some(error.span()), error.clone()));
                    parse_errors.push_str(&render_plain(&sources, Diagnostic::new(Some(error.span()), error)));
                }
            }
        }
    }
    let csv = csv.map(|text| (sources.add("jurisdictions.csv", text, SourceKind::Jurisdictions), text));
    if !parse_errors.is_empty() {
        return Checked { sources, result: Err(format!("PARSE ERRORS\n{parse_errors}")) };
    }
    let result = ast_to_tir(&files, csv);
    Checked { sources, result: Ok(result) }
}

/// The checked program of `.pol` texts, or the rendered errors.
pub fn program_of(pols: &[&str], csv: Option<&str>) -> Result<Program, String> {
    let checked = check_files(pols, csv);
    match checked.result? {
        Ok((program, _)) => Ok(program),
        Err(diagnostics) => Err(render_all(&checked.sources, diagnostics)),
    }
}

/// The checked program of one `.pol` text.
pub fn program(pol: &str) -> Result<Program, String> {
    program_of(&[pol], None)
}

/// The snapshot text of a policy that must fail: each input, then every diagnostic rendered.
pub fn errors_of(pols: &[&str], csv: Option<&str>) -> String {
    let checked = check_files(pols, csv);
    let mut out = String::new();
    for file in &checked.sources.files {
        out.push_str(&format!("── {} ──\n{}\n", file.name, file.text.trim_end()));
    }
    out.push_str("── diagnostics ──\n");
    match checked.result {
        Err(parse_errors) => out.push_str(&parse_errors),
        Ok(Ok(_)) => out.push_str("NO ERROR: the policy checked\n"),
        Ok(Err(diagnostics)) => {
            out.push_str(&format!("{} error(s)\n", diagnostics.len()));
            out.push_str(&render_all(&checked.sources, diagnostics));
        }
    }
    out
}

/// The diagnostics of [`errors_of`] rendered in Chinese (as `--lang zh` prints them).
pub fn errors_of_zh(pols: &[&str], csv: Option<&str>) -> String {
    let checked = check_files(pols, csv);
    match checked.result {
        Ok(Err(diagnostics)) => diagnostics
            .into_iter()
            .map(|diagnostic| {
                let localized = pol_compiler::i18n::localize_diagnostic(pol_compiler::i18n::Lang::Zh, diagnostic);
                pol_compiler::diagnostic::render_plain(&checked.sources, localized)
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) | Ok(Ok(_)) => "NO TYPE ERROR\n".into(),
    }
}

/// The snapshot text of one `.pol` text that must fail.
pub fn errors(pol: &str) -> String {
    errors_of(&[pol], None)
}

/// The snapshot text of a one-rule policy whose rule body is replaced before checking by
/// `body(original)`: for what the parser never produces (the parser limits nesting and
/// rejects `members` outside aggregates itself).
pub fn errors_with_body(pol: &str, body: impl FnOnce(ast::Expr) -> ast::Expr) -> String {
    let mut sources = Sources::default();
    let id = sources.add("policy.pol", pol, SourceKind::Pol);
    let mut out = format!("── policy.pol ──\n{}\n── diagnostics ──\n", pol.trim_end());
    let Ok(mut file) = parse_file(id, pol) else { return format!("{out}PARSE ERRORS\n") };
    let Some(ast::Item::Rule(rule)) = file.items.first_mut() else { return format!("{out}NO RULE\n") };
    let Some(Some(written)) = rule.values.first_mut().map(|value| value.value.as_mut()) else {
        return format!("{out}NO BODY\n");
    };
    let placeholder = ast::Expr { kind: ast::ExprKind::Bool(false), span: written.span };
    *written = body(std::mem::replace(written, placeholder));
    match ast_to_tir(&[(id, file)], None) {
        Ok(_) => out.push_str("NO ERROR: the policy checked\n"),
        Err(diagnostics) => {
            out.push_str(&format!("{} error(s)\n", diagnostics.len()));
            out.push_str(&render_all(&sources, diagnostics));
        }
    }
    out
}

/// The codes of the diagnostics of a policy (empty when it checks).
pub fn codes(pol: &str) -> Vec<String> {
    match check_files(&[pol], None).result {
        Ok(Err(diagnostics)) => diagnostics.iter().filter_map(Diagnostic::code).collect(),
        Ok(Ok(_)) => Vec::new(),
        Err(parse_errors) => vec![parse_errors],
    }
}

fn render_all(sources: &Sources, diagnostics: Vec<Diagnostic>) -> String {
    for diagnostic in &diagnostics {
        crate::chinese::assert_chinese(diagnostic);
    }
    diagnostics.into_iter().map(|diagnostic| render_plain(sources, diagnostic)).collect::<Vec<_>>().join("\n")
}
