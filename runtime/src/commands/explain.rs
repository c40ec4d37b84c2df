//! `pol explain`: one household's computation, rule by rule, for a drafter or an official who
//! must answer "why does this family get this amount?".
//!
//! It prints the parameters in force for the household's county with the file and line each comes
//! from, then every rule of the household and of each member in evaluation order, with its value,
//! its definition as written and the first line of its doc comment, and finally the outcome.
//! Values come from the reference interpreter: the explanation is the semantics.

use super::{ErrorFormat, Status, load_with_scenario};
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{Batch, BatchResult, CountyTable, Engine, Outcome};
use pol_compiler::format::word_to_string;
use pol_compiler::interp::Interpreter;
use pol_compiler::params::Origin;
use pol_compiler::policy::Policy;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, RuleRole, Ty, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;
use std::io::Write;
use std::path::PathBuf;

/// Which household to explain.
#[derive(Debug, Clone)]
pub enum Target {
    /// The household of a policy test (by name, or a unique part of it).
    Test(String),
    /// A household of data files, by id.
    Household {
        /// Its `household_id`.
        id: String,
        /// Households file.
        households: PathBuf,
        /// Persons file.
        persons: PathBuf,
        /// Cases file.
        cases: Option<PathBuf>,
    },
}

/// Explains one household; `as_of` applies unless the test gives its own; `scenario` is a
/// parameter-only scenario layered over the policy's values (`--scenario S.toml`).
pub fn explain(
    dir: &std::path::Path,
    scenario: Option<&std::path::Path>,
    target: &Target,
    as_of: Word,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let (sources, policy) = match load_with_scenario(dir, scenario, format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (title, as_of, test_index) = match household_of(&policy, target, as_of) {
        Ok(found) => found,
        Err(report) => {
            super::render::print_report(err, format, report);
            return Status::Error;
        }
    };
    // The policy in force on the date: each dated rule's version; nothing in force may read
    // something that is not.
    let not_in_force: Vec<bool> =
        policy.program.rules.iter().map(|rule| pol_compiler::dated::rule_in_force(rule, as_of).is_err()).collect();
    // The program with every dated version, for where a scale's brackets come from.
    let full_program = policy.program.clone();
    let (mut policy, counties) = match policy.on(as_of) {
        Ok(dated) => dated,
        Err(diagnostics) => {
            super::print_diagnostics(&sources, diagnostics, format, err);
            return Status::Failure;
        }
    };
    // A test that gives computed rules' values is explained as `pol test` runs it.
    if let Some(test) = test_index.and_then(|index| policy.program.tests.get(index)) {
        match pol_compiler::testing::given_program(&policy.program, test) {
            Ok(given) => policy.program = given,
            Err(message) => {
                super::render::print_report(err, format, miette::Report::new(crate::RuntimeError::internal(message)));
                return Status::Error;
            }
        }
    }
    // The batch of the program in force: with periods, it has a column per month read.
    let batch = match household_batch(&policy, target, test_index) {
        Ok(batch) => batch,
        Err(report) => {
            super::render::print_report(err, format, report);
            return Status::Error;
        }
    };
    let result = Interpreter::new(&policy.program).evaluate(&batch, &counties);
    let explainer = Explainer {
        sources: &sources,
        policy: &policy,
        batch: &batch,
        counties: &counties,
        result: &result,
        not_in_force: &not_in_force,
        full_program: &full_program,
    };
    let text = explainer.render(&title, as_of);
    let _ = out.write_all(text.as_bytes());
    Status::Success
}

/// No test, or more than one, goes by the name given to `--test`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("no test named `{name}`{}", if self.candidates.is_empty() { "" } else { " (more than one contains it)" })]
#[diagnostic(code(pol::explain::no_test), help("{}", self.help()))]
struct NoSuchTest {
    name: String,
    /// The tests whose names contain it, when more than one does.
    candidates: Vec<String>,
}

impl NoSuchTest {
    fn help(&self) -> String {
        if self.candidates.is_empty() {
            "`pol test` lists the policy's tests; a part of a name that only one test contains is enough".into()
        } else {
            format!("give the whole name of one of: {}", self.candidates.join(", "))
        }
    }
}

/// The household to explain: its title and date, and for a test its index in the program's tests.
type Explained = (String, Word, Option<usize>);

/// The one-household batch of the household to explain, for `policy` in force on its date.
fn household_batch(policy: &Policy, target: &Target, test_index: Option<usize>) -> Result<Batch, miette::Report> {
    match target {
        Target::Test(_) => {
            let test = test_index
                .and_then(|index| policy.program.tests.get(index))
                .ok_or_else(|| crate::RuntimeError::internal("the explained test vanished".to_string()))?;
            Ok(pol_compiler::testing::test_batch(&policy.program, test)
                .map_err(|error| crate::RuntimeError::internal(error.to_string()))?)
        }
        Target::Household { id, households, persons, cases } => Ok(crate::single::read_household(
            &policy.program,
            &policy.jurisdictions,
            id,
            households,
            persons,
            cases.as_deref(),
        )
        .map_err(miette::Report::new)?),
    }
}

/// Finds the household to explain.
fn household_of(policy: &Policy, target: &Target, as_of: Word) -> Result<Explained, miette::Report> {
    match target {
        Target::Test(name) => {
            let tests = &policy.program.tests;
            let test = tests
                .iter()
                .find(|test| test.name == *name)
                .or_else(|| {
                    let mut matching = tests.iter().filter(|test| test.name.contains(name.as_str()));
                    let first = matching.next();
                    if matching.next().is_some() { None } else { first }
                })
                .ok_or_else(|| {
                    let candidates: Vec<String> = tests
                        .iter()
                        .filter(|test| test.name.contains(name.as_str()))
                        .map(|test| test.name.clone())
                        .collect();
                    NoSuchTest { name: name.clone(), candidates }
                })?;
            let index = tests.iter().position(|candidate| std::ptr::eq(candidate, test));
            Ok((say("line-explain-test", &[("name", &test.name)]), test.as_of.unwrap_or(as_of), index))
        }
        Target::Household { id, .. } => Ok((say("line-explain-household-id", &[("id", id)]), as_of, None)),
    }
}

/// A fixed word or line of the explanation in the chosen language (`line-explain-*` entries).
fn say(id: &str, args: &[(&str, &str)]) -> String {
    pol_compiler::i18n::line(super::render::lang(), id, args)
}

/// Everything the rendering reads.
struct Explainer<'a> {
    sources: &'a Sources,
    policy: &'a Policy,
    batch: &'a Batch,
    counties: &'a CountyTable,
    result: &'a BatchResult,
    /// By rule id: the rule is not in force on the date (not shown).
    not_in_force: &'a [bool],
    /// The program before `Policy::on` chose the versions in force: a scale's dated versions.
    full_program: &'a Program,
}

impl Explainer<'_> {
    fn program(&self) -> &Program {
        &self.policy.program
    }

    fn texts(&self) -> TextTables<'_> {
        TextTables { literals: &self.program().texts, batch: &self.batch.texts, jurisdiction: &self.counties.texts }
    }

    fn render(&self, title: &str, as_of: Word) -> String {
        let mut out = String::new();
        let county = self.county_index().and_then(|index| self.policy.jurisdictions.counties.get(index));
        let place = county.map_or_else(String::new, |county| {
            format!(" · {}", say("line-explain-place", &[("county", &county.code), ("city", &county.city)]))
        });
        let date = pol_compiler::date::format_iso(as_of);
        out.push_str(&say("line-explain-title", &[("title", title), ("date", &date)]));
        out.push_str(&format!("{place}\n"));
        let program = self.program();
        if program.money_decimals != pol_compiler::tir::CENT_DECIMALS {
            // Each value below is rounded to the cent from one computed finer: sums of the values
            // shown may differ from the totals shown by a few cents (docs/language.md#precision).
            let unit = format!("0.{:0>width$} {}", 1, program.currency.name(), width = program.money_decimals as usize);
            out.push_str(&say("line-explain-precision", &[("unit", &unit)]));
            out.push('\n');
        }
        if let Some(county) = county {
            self.render_params(&mut out, &county.code, as_of);
        }
        self.render_entity(&mut out, EntityKind::Household, 0, say("line-explain-household", &[]));
        let n_persons = self.batch.persons.len;
        for person in 0..n_persons {
            let number = (person + 1).to_string();
            self.render_entity(
                &mut out,
                EntityKind::Person,
                person,
                say("line-explain-person", &[("number", &number)]),
            );
        }
        for case in 0..self.batch.cases.len {
            let number = (case + 1).to_string();
            self.render_entity(&mut out, EntityKind::Case, case, say("line-explain-case", &[("number", &number)]));
        }
        out.push_str(&format!("\n{}\n", say("line-explain-outcome", &[("outcome", &self.outcome())])));
        out
    }

    fn county_index(&self) -> Option<usize> {
        let column = self.program().household.county?;
        usize::try_from(self.batch.households.get(column.0 as usize, 0)?).ok()
    }

    fn render_params(&self, out: &mut String, code: &str, as_of: Word) {
        out.push_str(&format!("\n{}\n", say("line-explain-parameters", &[])));
        let program = self.program();
        for (index, param) in program.params.iter().enumerate() {
            let id = pol_compiler::tir::ParamId(index as u32);
            let resolved = self.policy.params.explain(program, &self.policy.jurisdictions, id, code, as_of);
            let in_force = pol_compiler::dated::param_in_force(param, Some(as_of)).is_ok();
            let (value, origin) = match resolved {
                Ok(Some(resolved)) => (self.show(param.ty, resolved.word), self.origin(&resolved.origin)),
                Ok(None) if !in_force => ("—".to_string(), say("line-explain-not-in-force", &[])),
                Ok(None) => ("—".to_string(), say("line-explain-no-value", &[])),
                Err(_) => ("—".to_string(), say("line-explain-unresolved", &[])),
            };
            out.push_str(&format!("  {:<34} {:>16}  {origin}\n", param.name, value));
        }
        self.render_scales(out, code, as_of);
    }

    /// Each scale's brackets for the household's county, as the engines read them (the county
    /// table), with the file line or province version they come from.
    fn render_scales(&self, out: &mut String, code: &str, as_of: Word) {
        let program = self.program();
        let Some(county) = self.county_index() else { return };
        for (index, scale) in program.scales.iter().enumerate() {
            let id = pol_compiler::tir::ScaleId(index as u32);
            let brackets = self.counties.brackets(program, county, id).filter(|brackets| !brackets.is_empty());
            let Some(brackets) = brackets else {
                let text = say("line-explain-not-in-force", &[]);
                out.push_str(&format!("  {:<34} {:>16}  {text}\n", scale.name, "—"));
                continue;
            };
            let pairs: Vec<String> = brackets
                .iter()
                .map(|bracket| {
                    let texts = self.texts();
                    let threshold =
                        pol_compiler::format::word_to_string(program, &texts, scale.threshold_ty, bracket.threshold);
                    let value = pol_compiler::format::word_to_string(program, &texts, scale.value_ty, bracket.value);
                    format!("{threshold}: {value}")
                })
                .collect();
            let resolved =
                self.policy.params.explain_scale(self.full_program, &self.policy.jurisdictions, id, code, as_of);
            let origin = match resolved {
                Ok(Some((_, origin))) => self.origin(&origin),
                Ok(None) | Err(_) => say("line-explain-unresolved", &[]),
            };
            out.push_str(&format!("  {:<34} {:>16}  {origin}\n", scale.name, format!("[{}]", pairs.join(", "))));
        }
    }

    fn origin(&self, origin: &Origin) -> String {
        match origin {
            Origin::Local { source, jurisdiction, from, span, .. } => {
                let (location, from) = (self.location(*source, *span), pol_compiler::date::format_iso(*from));
                let args = [("location", location.as_str()), ("jurisdiction", jurisdiction.as_str()), ("date", &from)];
                say("line-explain-origin-local", &args)
            }
            Origin::Province { from, span } => {
                let location = self.location(span.source, *span);
                match from {
                    None => say("line-explain-origin-province-always", &[("location", &location)]),
                    Some(from) => {
                        let date = pol_compiler::date::format_iso(*from);
                        say("line-explain-origin-province-from", &[("location", &location), ("date", &date)])
                    }
                }
            }
        }
    }

    fn location(&self, source: pol_grammar::SourceId, span: Span) -> String {
        let name = self.sources.get(source).map_or("?", |file| file.name.as_str());
        let (line, _) = self.sources.line_col(source, span.start);
        format!("{name}:{line}")
    }

    fn render_entity(&self, out: &mut String, entity: EntityKind, row: usize, heading: String) {
        let program = self.program();
        let person_offset = match entity {
            EntityKind::Household => 0,
            EntityKind::Person | EntityKind::Case => row,
        };
        out.push_str(&format!("\n{heading}\n"));
        for &rule_id in &program.order {
            let Some(rule) = program.rule(rule_id) else { continue };
            let in_force = !self.not_in_force.get(rule_id.0 as usize).copied().unwrap_or(false);
            if rule.entity != entity || rule.role == RuleRole::Hidden || !in_force {
                continue;
            }
            let Some(word) =
                self.result.columns(entity).get(rule.slot as usize).and_then(|column| column.get(person_offset))
            else {
                continue;
            };
            let name = match &rule.role {
                RuleRole::Validation { message, .. } => format!("require {}", message.as_deref().unwrap_or("")),
                _ => rule.name.clone(),
            };
            let definition = self.source_text(rule.body.span);
            let doc = rule.doc.first().map_or(String::new(), |doc| format!("  // {}", doc.trim()));
            out.push_str(&format!("  {:<28} {:>16}  = {definition}{doc}\n", name, self.show(rule.ty, *word)));
        }
    }

    /// A span's source text on one line (runs of white space folded), shortened to 72 characters.
    fn source_text(&self, span: Span) -> String {
        let text = self
            .sources
            .get(span.source)
            .and_then(|file| file.text.get(span.start as usize..span.end as usize))
            .unwrap_or("");
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.chars().count() <= 72 {
            return folded;
        }
        let mut shown: String = folded.chars().take(71).collect();
        shown.push('…');
        shown
    }

    fn show(&self, ty: Ty, word: Word) -> String {
        let value = word_to_string(self.program(), &self.texts(), ty, word);
        match ty {
            Ty::Money(period) => format!("{value} {}", self.program().currency.unit(period)),
            _ => value,
        }
    }

    fn outcome(&self) -> String {
        let program = self.program();
        match self.result.outcomes.first() {
            Some(Outcome::Ok) | None => say("line-explain-ok", &[]),
            Some(Outcome::Invalid { rule, member }) => {
                let message = match program.rule(*rule).map(|rule| &rule.role) {
                    Some(RuleRole::Validation { message: Some(message), .. }) => message.clone(),
                    _ => say("line-explain-a-validation-failed", &[]),
                };
                let member = (member + 1).to_string();
                say("line-explain-rejected", &[("message", &message), ("member", &member)])
            }
            Some(Outcome::Error(error)) => {
                let rule = program.rule(error.rule).map_or("?", |rule| rule.name.as_str());
                let (kind, location) = (format!("{:?}", error.kind), self.location(error.span.source, error.span));
                say("line-explain-evaluation-error", &[("kind", &kind), ("rule", rule), ("location", &location)])
            }
        }
    }
}
