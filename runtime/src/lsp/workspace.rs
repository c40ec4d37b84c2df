//! The policy directory in memory: its texts (from disk at start, then the client's versions)
//! and the analysis of the whole policy, recomputed on every change.

use super::convert;
use crate::error::RuntimeError;
use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};
use pol_compiler::diagnostic::{Diagnostic, SourceFile, SourceKind, Sources};
use pol_compiler::engine::CountyTable;
use pol_compiler::i18n::{Lang, localize_diagnostic};
use pol_compiler::index::NameIndex;
use pol_compiler::policy::Policy;
use pol_compiler::tir::Word;
use pol_grammar::{SourceId, ast};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The server's settings, fixed at initialize.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The language of messages.
    pub lang: Lang,
    /// The as-of date of parameter values shown on hover.
    pub as_of: Word,
}

/// The policy directory's files and their analysis.
pub struct Workspace {
    /// The policy directory (canonical).
    pub dir: PathBuf,
    /// The settings.
    pub settings: Settings,
    /// The files in the order `load_policy_dir` gives them.
    pub sources: Sources,
    /// The latest analysis of `sources`.
    pub analysis: Analysis,
}

/// What the latest compilation found.
pub struct Analysis {
    /// Names and where they are used.
    pub index: NameIndex,
    /// The compiled policy, when it has no error.
    pub policy: Option<Policy>,
    /// Its parameters on the as-of date, when they resolve.
    pub counties: Option<CountyTable>,
    /// The diagnostics per file, as LSP diagnostics.
    pub diagnostics: BTreeMap<SourceId, Vec<LspDiagnostic>>,
    /// How long compiling took.
    pub elapsed: std::time::Duration,
}

impl Workspace {
    /// Reads the policy directory and analyses it.
    pub fn open(dir: &Path, settings: Settings) -> Result<Workspace, RuntimeError> {
        let dir = dir.canonicalize().map_err(|error| RuntimeError::read(dir, &error))?;
        let sources = crate::load::load_policy_dir(&dir)?;
        let analysis = analyse(&dir, &sources, settings);
        Ok(Workspace { dir, settings, sources, analysis })
    }

    /// The file of a URI, if it belongs to the policy.
    pub fn source_of_uri(&self, uri: &str) -> Option<SourceId> {
        let name = self.name_of_uri(uri)?;
        let index = self.sources.files.iter().position(|file| file.name == name)?;
        Some(SourceId(u32::try_from(index).ok()?))
    }

    /// The URI of a file.
    pub fn uri_of(&self, source: SourceId) -> Option<lsp_types::Uri> {
        let file = self.sources.get(source)?;
        lsp_types::Uri::from_str(&convert::uri_of_path(&self.dir.join(&file.name))).ok()
    }

    /// The text of a file.
    pub fn text(&self, source: SourceId) -> &str {
        self.sources.get(source).map_or("", |file| file.text.as_str())
    }

    /// Sets a file's text (a new file of the policy is added) and analyses the policy again.
    /// Returns whether the URI belongs to the policy.
    pub fn set_text(&mut self, uri: &str, text: String) -> bool {
        let Some(name) = self.name_of_uri(uri) else { return false };
        if let Some(file) = self.sources.files.iter_mut().find(|file| file.name == name) {
            file.text = text;
        } else {
            let Some(mut kind) = kind_of_name(&name) else { return false };
            // In a reform's workspace, a new file belongs to the reform (the base lies outside it).
            if self.sources.of_kind(SourceKind::ReformPol).next().is_some() {
                kind = match kind {
                    SourceKind::Pol => SourceKind::ReformPol,
                    SourceKind::Params => SourceKind::ReformParams,
                    other => other,
                };
            }
            let mut files = std::mem::take(&mut self.sources.files);
            files.push(SourceFile { name, text, kind });
            files.sort_by(|a, b| (kind_rank(a.kind), &a.name).cmp(&(kind_rank(b.kind), &b.name)));
            self.sources.files = files;
        }
        self.analysis = analyse(&self.dir, &self.sources, self.settings);
        true
    }

    /// Reads a file's text from disk again (when the client closes it, its text is the saved
    /// one) and analyses the policy again. Returns whether the file was read.
    pub fn reload(&mut self, uri: &str) -> bool {
        let Some(path) = convert::path_of_uri(uri) else { return false };
        match std::fs::read_to_string(path) {
            Ok(text) => self.set_text(uri, text),
            Err(_) => false,
        }
    }

    /// A location of a span.
    pub fn location(&self, span: pol_grammar::Span) -> Option<Location> {
        let uri = self.uri_of(span.source)?;
        let text = self.text(span.source);
        Some(Location { uri, range: convert::range_of(text, span.start as usize, span.end as usize) })
    }

    fn name_of_uri(&self, uri: &str) -> Option<String> {
        let path = convert::path_of_uri(uri)?;
        let path = path.canonicalize().unwrap_or(path);
        let relative = path.strip_prefix(&self.dir).ok()?;
        let parts: Vec<String> =
            relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
        Some(parts.join("/"))
    }
}

/// What a file of the policy directory is, by its relative name.
fn kind_of_name(name: &str) -> Option<SourceKind> {
    if name.ends_with(".pol") {
        Some(SourceKind::Pol)
    } else if name == "jurisdictions.csv" {
        Some(SourceKind::Jurisdictions)
    } else if name.starts_with("params/") && name.ends_with(".toml") {
        Some(SourceKind::Params)
    } else {
        None
    }
}

/// The loader's order of kinds: `.pol` files, then `jurisdictions.csv`, then parameter files.
fn kind_rank(kind: SourceKind) -> u8 {
    match kind {
        SourceKind::Pol => 0,
        SourceKind::ReformPol => 1,
        SourceKind::Jurisdictions => 2,
        SourceKind::Params => 3,
        SourceKind::ReformParams => 4,
        SourceKind::Scenario => 5,
    }
}

/// Compiles the whole policy and indexes its names.
fn analyse(dir: &Path, sources: &Sources, settings: Settings) -> Analysis {
    let started = std::time::Instant::now();
    // A reform's names resolve to its base's declarations: index both.
    let files: Vec<(SourceId, ast::File)> = sources
        .of_kind(SourceKind::Pol)
        .chain(sources.of_kind(SourceKind::ReformPol))
        .filter_map(|(id, file)| pol_grammar::parse_file(id, &file.text).ok().map(|ast| (id, ast)))
        .collect();
    let refs: Vec<(SourceId, &ast::File)> = files.iter().map(|(id, file)| (*id, file)).collect();
    let index = NameIndex::build(&refs);
    let mut diagnostics: BTreeMap<SourceId, Vec<LspDiagnostic>> = BTreeMap::new();
    let mut add = |diagnostic: Diagnostic| {
        let source = diagnostic.source.unwrap_or(SourceId(0));
        // The message, labels and help in the client's language, from the one catalogue.
        let diagnostic = localize_diagnostic(settings.lang, diagnostic);
        let converted = to_lsp(dir, sources, &diagnostic, settings.lang);
        diagnostics.entry(source).or_default().push(converted);
    };
    let (policy, counties) = match pol_compiler::policy::compile(sources) {
        Ok(policy) => {
            // As `pol check`: reads of what is not in force, on every date the policy covers;
            // then, if there are none, on the as-of date (which may come before them all).
            let on_every_date = pol_compiler::dated::check_all_dates(&policy.program);
            let clean = on_every_date.is_empty();
            on_every_date.into_iter().for_each(&mut add);
            match policy.on(settings.as_of) {
                Ok((_, counties)) => (Some(policy), Some(counties)),
                Err(errors) => {
                    if clean {
                        errors.into_iter().for_each(&mut add);
                    }
                    (Some(policy), None)
                }
            }
        }
        Err(errors) => {
            errors.into_iter().for_each(add);
            (None, None)
        }
    };
    Analysis { index, policy, counties, diagnostics, elapsed: started.elapsed() }
}

/// One diagnostic for the editor: its range is the primary label's (or the first label's),
/// its code the stable `pol::…` code, other labels and the related places (in any file) related
/// information.
fn to_lsp(dir: &Path, sources: &Sources, diagnostic: &Diagnostic, lang: Lang) -> LspDiagnostic {
    let text = diagnostic.source.and_then(|id| sources.get(id)).map_or("", |file| file.text.as_str());
    let labels: Vec<miette::LabeledSpan> = diagnostic.error.labels().map(Iterator::collect).unwrap_or_default();
    let primary = labels
        .iter()
        .find(|label| label.primary())
        .or_else(|| labels.iter().find(|label| label.offset() == diagnostic.offset as usize))
        .or_else(|| labels.first());
    let (start, end) = primary.map_or((diagnostic.offset as usize, diagnostic.offset as usize), |label| {
        (label.offset(), label.offset() + label.len())
    });
    let mut message = convert::diagnostic_text(diagnostic, lang);
    if let Some(label) = primary.and_then(|label| label.label()) {
        message = format!("{message}\n({label})");
    }
    let uri = diagnostic.source.and_then(|id| sources.get(id)).map(|file| convert::uri_of_path(&dir.join(&file.name)));
    let related: Vec<DiagnosticRelatedInformation> = labels
        .iter()
        .filter(|label| Some(*label) != primary)
        .filter_map(|label| {
            let uri = lsp_types::Uri::from_str(uri.as_deref()?).ok()?;
            let range = convert::range_of(text, label.offset(), label.offset() + label.len());
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: label.label().unwrap_or("").to_string(),
            })
        })
        .chain(diagnostic.related.iter().filter_map(|related| {
            let file = sources.get(related.span.source)?;
            let uri = lsp_types::Uri::from_str(&convert::uri_of_path(&dir.join(&file.name))).ok()?;
            let range = convert::range_of(&file.text, related.span.start as usize, related.span.end as usize);
            Some(DiagnosticRelatedInformation { location: Location { uri, range }, message: related.label.clone() })
        }))
        .collect();
    LspDiagnostic {
        range: convert::range_of(text, start, end),
        severity: Some(DiagnosticSeverity::ERROR),
        code: diagnostic.code().map(NumberOrString::String),
        source: Some("pol".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..LspDiagnostic::default()
    }
}
