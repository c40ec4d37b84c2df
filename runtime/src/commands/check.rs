//! `pol check DIR`: parse and type-check every `.pol` file, read the jurisdictions, check
//! every local parameter file against the policy's constraints, and check that nothing in force
//! reads something not in force on any date the policy covers.

use super::{ErrorFormat, Status, load_with_scenario};
use pol_compiler::diagnostic::SourceKind;
use std::io::Write;
use std::path::Path;

/// Checks the policy in `dir`; prints a one-line summary on success, diagnostics otherwise.
pub fn check(dir: &Path, format: ErrorFormat, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    check_scenario(dir, None, format, out, err)
}

/// [`check`] with a parameter-only scenario layered over the policy (`--scenario S.toml`): its
/// values are checked as local files are.
pub fn check_scenario(
    dir: &Path,
    scenario: Option<&Path>,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let (sources, policy) = match load_with_scenario(dir, scenario, format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    // Reads of rules and parameters not in force, on every date the policy covers, all at once.
    let not_in_force = pol_compiler::dated::check_all_dates(&policy.program);
    if !not_in_force.is_empty() {
        super::print_diagnostics(&sources, not_in_force, format, err);
        return Status::Failure;
    }
    // A reform's files count with its base's.
    let n_pol = sources.of_kind(SourceKind::Pol).count() + sources.of_kind(SourceKind::ReformPol).count();
    let n_params = sources.of_kind(SourceKind::Params).count() + sources.of_kind(SourceKind::ReformParams).count();
    let program = &policy.program;
    if format != ErrorFormat::Json {
        let rules = program.rules.iter().filter(|rule| rule.role == pol_compiler::tir::RuleRole::Named).count();
        let args = [
            ("dir", dir.display().to_string()),
            ("pol", n_pol.to_string()),
            ("rules", rules.to_string()),
            // Scale parameters are parameters too (`param p: scale(…)`).
            ("params", (program.params.len() + program.scales.len()).to_string()),
            ("counties", policy.jurisdictions.counties.len().to_string()),
            ("local", n_params.to_string()),
            ("tests", program.tests.len().to_string()),
        ];
        let args: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let _ = writeln!(out, "{}", pol_compiler::i18n::line(super::render::lang(), "line-checked", &args));
    }
    Status::Success
}
