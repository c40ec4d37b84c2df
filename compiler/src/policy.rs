//! The whole pipeline over a policy's sources: parse every `.pol` file, check them as one
//! program, read `jurisdictions.csv`, load and check the local parameter files.
//!
//! ```text
//! Sources ──parse──▶ Vec<ast::File> ──check──▶ (tir::Program, JurisdictionTable)
//!         ──params──▶ ParamSet ──county_table(as_of)──▶ engine::CountyTable
//! Policy ──on(as_of)──▶ (the program in force on as_of, engine::CountyTable)
//! ```
//!
//! Each stage runs only when the one before it succeeded, but reports every error it finds; when
//! the `.pol` files have errors, the parameter files are still checked as far as they can be.

use crate::diagnostic::{self, Diagnostic, SourceKind, Sources};
use crate::engine::CountyTable;
use crate::jurisdictions::JurisdictionTable;
use crate::params::{self, ParamSet};
use crate::tir::{Program, Word};
use pol_grammar::ast;

/// A checked policy with its jurisdictions and parameters: everything needed to evaluate it.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The checked program.
    pub program: Program,
    /// The counties.
    pub jurisdictions: JurisdictionTable,
    /// Province values and local parameter files.
    pub params: ParamSet,
}

/// Parses, checks and loads a policy; on failure, every diagnostic found, sorted.
///
/// When the `.pol` files have errors, the parameter files are still checked as far as they can
/// be: against the parameters alone when every parameter declaration checked (so an error in a
/// rule does not hide a file's broken floor), else for their TOML syntax.
///
/// With [`SourceKind::ReformPol`] files, the sources are a reform: its base (the `Pol`,
/// `Jurisdictions` and `Params` files) is checked alone, the reform's items are applied to it
/// ([`crate::reform`]) and the result is checked as one policy, with the reform's parameter files
/// layered over the base's. A [`SourceKind::Scenario`] file's values are layered over
/// everything ([`params::scenario`]).
pub fn compile(sources: &Sources) -> Result<Policy, Vec<Diagnostic>> {
    let texts = |kind| sources.of_kind(kind).map(|(id, file)| (id, file.text.as_str())).collect::<Vec<_>>();
    let layers = params::Layers {
        files: texts(SourceKind::Params),
        overlays: texts(SourceKind::ReformParams),
        scenario: sources.of_kind(SourceKind::Scenario).next().map(|(id, file)| (id, file.text.as_str())),
    };
    let with_param_syntax = |mut errors: Vec<Diagnostic>| {
        let all: Vec<_> = layers.files.iter().chain(&layers.overlays).chain(&layers.scenario).copied().collect();
        errors.extend(params::syntax_errors(&all));
        diagnostic::sort(&mut errors);
        errors
    };
    let files = parse_all(sources, SourceKind::Pol).map_err(with_param_syntax)?;
    let jurisdictions_csv =
        sources.of_kind(SourceKind::Jurisdictions).next().map(|(id, file)| (id, file.text.as_str()));
    let reform = if sources.of_kind(SourceKind::ReformPol).next().is_some() {
        let reform_files = parse_all(sources, SourceKind::ReformPol).map_err(with_param_syntax)?;
        let nested = crate::reform::nested(&files);
        if !nested.is_empty() {
            return Err(with_param_syntax(nested));
        }
        let (base, _) = crate::check::ast_to_tir(&files, jurisdictions_csv).map_err(with_param_syntax)?;
        let (merged, mut errors) = crate::reform::merge(&files, &reform_files, &base);
        if let Some(probe_files) = &merged.probe_files
            && let Ok((probe, _)) = crate::check::ast_to_tir(probe_files, jurisdictions_csv)
        {
            errors.extend(crate::reform::probe_types(&merged, &probe, &base));
        }
        if !errors.is_empty() {
            return Err(with_param_syntax(errors));
        }
        Some((base, merged))
    } else {
        None
    };
    let files = match &reform {
        Some((_, merged)) => &merged.files,
        None => &files,
    };
    let (program, jurisdictions) = match crate::check::ast_to_tir_or_params(files, jurisdictions_csv) {
        Ok(checked) => checked,
        Err(crate::check::Failed { diags, params_only: Some(params_only) }) => {
            let (program, jurisdictions) = *params_only;
            let mut errors = diags;
            if let Err(param_errors) = load_params(&program, &jurisdictions, &layers) {
                errors.extend(param_errors);
            }
            diagnostic::sort(&mut errors);
            return Err(errors);
        }
        Err(crate::check::Failed { diags, params_only: None }) => return Err(with_param_syntax(diags)),
    };
    if let Some((base, merged)) = &reform {
        let errors = crate::reform::check_types(merged, &program, base);
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    let (program, params) = load_params(&program, &jurisdictions, &layers)?;
    Ok(Policy { program, jurisdictions, params })
}

/// The program with a scenario's province values, and the layered local values.
fn load_params(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    layers: &params::Layers<'_>,
) -> Result<(Program, ParamSet), Vec<Diagnostic>> {
    let (program, mut errors) = match layers.scenario {
        Some((source, text)) => params::scenario::apply_province(program, jurisdictions, source, text),
        None => (program.clone(), Vec::new()),
    };
    match params::load_layers(&program, jurisdictions, layers) {
        Ok(params) if errors.is_empty() => Ok((program, params)),
        Ok(_) => Err(errors),
        Err(param_errors) => {
            errors.extend(param_errors);
            diagnostic::sort(&mut errors);
            Err(errors)
        }
    }
}

/// Parses every `.pol` file of one kind, collecting the errors of all of them.
fn parse_all(sources: &Sources, kind: SourceKind) -> Result<Vec<(pol_grammar::SourceId, ast::File)>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (id, file) in sources.of_kind(kind) {
        match pol_grammar::parse_file(id, &file.text) {
            Ok(ast) => files.push((id, ast)),
            Err(parse_errors) => {
                errors.extend(parse_errors.into_iter().map(|error| Diagnostic::new(Some(error.span()), error)))
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        diagnostic::sort(&mut errors);
        Err(errors)
    }
}

impl Policy {
    /// Parameter values and jurisdiction attributes of every county on `as_of`.
    pub fn county_table(&self, as_of: Word) -> Result<CountyTable, Diagnostic> {
        self.params.county_table(&self.program, &self.jurisdictions, as_of)
    }

    /// The policy in force on `as_of` ([`Program::on`]: each dated rule's version in force,
    /// checked that nothing in force reads something that is not) and its county table: what
    /// every consumer that evaluates (`pol run`, `explain`, `gen`, the LSP) hands the engines.
    pub fn on(&self, as_of: Word) -> Result<(Policy, CountyTable), Vec<Diagnostic>> {
        let program = self.program.on(as_of)?;
        // The county table of the program in force: with periods, it has parameter instances.
        let counties =
            self.params.county_table(&program, &self.jurisdictions, as_of).map_err(|diagnostic| vec![diagnostic])?;
        Ok((Policy { program, jurisdictions: self.jurisdictions.clone(), params: self.params.clone() }, counties))
    }
}
