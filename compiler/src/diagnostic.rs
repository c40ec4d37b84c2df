//! Diagnostics of every stage, attached to their source file.
//!
//! Stages report errors as their own `thiserror` + `miette::Diagnostic` types holding
//! [`Span`](pol_grammar::Span)s, never source text. A [`Diagnostic`] pairs one such error with the
//! source file its labels point into; [`Sources::reports`] attaches the file's text for rendering.
//!
//! A diagnostic may also point at places in other files ([`Related`]: the base declaration a
//! reform's replacement contradicts, the version that ends a parameter a rule reads). Each is
//! rendered as a snippet of its own file after the main one, with a label saying what that place
//! is; a related place in the diagnostic's own file is one more label of the main snippet.

use pol_grammar::SourceId;

/// What a source file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A `.pol` file.
    Pol,
    /// `jurisdictions.csv`.
    Jurisdictions,
    /// A local parameter file (TOML).
    Params,
    /// A `.pol` file of a reform, applied to the `Pol` files of its base (`crate::reform`).
    ReformPol,
    /// A reform's local parameter file, layered over the base's file of the same jurisdiction.
    ReformParams,
    /// A parameter-only scenario (TOML): dated values per jurisdiction, layered over everything.
    Scenario,
}

/// A source file: its display name (a path relative to the policy directory) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Display name, e.g. `2019/dibao.pol`.
    pub name: String,
    /// Full text.
    pub text: String,
    /// What it is.
    pub kind: SourceKind,
}

/// All source files of a policy; `SourceId(i)` is `files[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The files, in the order they were added.
    pub files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>, kind: SourceKind) -> SourceId {
        let id = SourceId(self.files.len() as u32);
        self.files.push(SourceFile { name: name.into(), text: text.into(), kind });
        id
    }

    /// A file by id.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The files of one kind with their ids.
    pub fn of_kind(&self, kind: SourceKind) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter(move |(_, file)| file.kind == kind)
            .map(|(index, file)| (SourceId(index as u32), file))
    }

    /// Renderable reports: the diagnostic with its file's text attached (its related places in
    /// that file as more labels), then one note per related place in another file, with that
    /// file's text. Rendered one after the other (a blank line between), they read as one
    /// diagnostic; miette's own `related` would prefix each note with an English `Advice:`.
    pub fn reports(&self, diagnostic: Diagnostic) -> Vec<miette::Report> {
        let named = |id: SourceId| {
            self.get(id).map(|file| CharColumns(miette::NamedSource::new(file.name.clone(), file.text.clone())))
        };
        let (here, elsewhere) = diagnostic.split_related();
        let labels = here.iter().map(|related| related.labeled_span()).collect();
        let notes: Vec<miette::Report> = elsewhere
            .iter()
            .map(|related| {
                miette::Report::new(RelatedReport {
                    heading: related.heading.clone(),
                    label: related.labeled_span(),
                    source: named(related.span.source),
                })
            })
            .collect();
        let main = miette::Report::new(Attached {
            source: diagnostic.source.and_then(named),
            labels,
            error: diagnostic.error,
        });
        std::iter::once(main).chain(notes).collect()
    }

    /// `(line, column)` of a byte offset in a file, both 1-based, the column counted in
    /// characters; used for sorting and for JSON output.
    pub fn line_col(&self, id: SourceId, offset: u32) -> (usize, usize) {
        let Some(file) = self.get(id) else { return (0, 0) };
        let offset = (offset as usize).min(file.text.len());
        let before = file.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before.get(line_start..).map_or(0, |text| text.chars().count()) + 1;
        (line, column)
    }
}

/// A named source whose spans report their column in characters, not bytes: miette counts
/// bytes, so the `[file:line:col]` header of a diagnostic on a line with Chinese text before it
/// would name a column three times too far.
#[derive(Debug)]
struct CharColumns(miette::NamedSource<String>);

impl miette::SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self.0.read_span(span, context_lines_before, context_lines_after)?;
        if contents.column() == 0 {
            return Ok(contents);
        }
        // The column is the span's start within its line: count the characters before it.
        let text = self.0.inner().as_str();
        let start = span.offset().min(text.len());
        let before = text.get(..start).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before.get(line_start..).map_or(0, |line| line.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.0.name().to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

/// One error of any stage, with the file its labels point into.
#[derive(Debug)]
pub struct Diagnostic {
    /// The file the labels are spans of (`None` for errors about no file in particular).
    pub source: Option<SourceId>,
    /// Where the error is, for sorting: the primary label's start.
    pub offset: u32,
    /// The error.
    pub error: Box<dyn miette::Diagnostic + Send + Sync + 'static>,
    /// Other places the error involves, each labelled (in any file).
    pub related: Vec<Related>,
}

/// Another place a diagnostic involves, in any file: the base declaration a reform contradicts,
/// the version that ends a parameter, the first of two declarations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The place (its file is `span.source`).
    pub span: pol_grammar::Span,
    /// What the place is, e.g. ``the base declares `gap` as `元/月` here``.
    pub label: String,
    /// The line above its snippet when it is in another file than the diagnostic
    /// ([`RELATED_HEADING`] in English; `i18n::localize_diagnostic` translates both texts).
    pub heading: String,
}

/// The line above a related place's snippet, in English (catalogue id `line-related-heading`).
pub const RELATED_HEADING: &str = "in another file:";

impl Related {
    fn labeled_span(&self) -> miette::LabeledSpan {
        miette::LabeledSpan::new_with_span(Some(self.label.clone()), self.span)
    }
}

impl Diagnostic {
    /// Wraps a stage's error; `span` is its primary label (for sorting).
    pub fn new<E>(span: Option<pol_grammar::Span>, error: E) -> Diagnostic
    where
        E: miette::Diagnostic + Send + Sync + 'static,
    {
        Diagnostic {
            source: span.map(|span| span.source),
            offset: span.map_or(0, |span| span.start),
            error: Box::new(error),
            related: Vec::new(),
        }
    }

    /// The diagnostic with one more related place, labelled `label` (English; the catalogue
    /// translates it as a `.label` or `.related` attribute of the diagnostic's code).
    pub fn with_related(mut self, span: pol_grammar::Span, label: impl Into<String>) -> Diagnostic {
        self.related.push(Related { span, label: label.into(), heading: RELATED_HEADING.to_string() });
        self
    }

    /// The related places in the diagnostic's own file (rendered as labels of its snippet), and
    /// those in other files (rendered as snippets of their own), each in order.
    pub fn split_related(&self) -> (Vec<&Related>, Vec<&Related>) {
        self.related.iter().partition(|related| Some(related.span.source) == self.source)
    }

    /// The stable code, e.g. `pol::type::mismatch`.
    pub fn code(&self) -> Option<String> {
        self.error.code().map(|code| code.to_string())
    }
}

/// A diagnostic with its file's text and its same-file related places as more labels.
#[derive(Debug)]
struct Attached {
    error: Box<dyn miette::Diagnostic + Send + Sync + 'static>,
    source: Option<CharColumns>,
    labels: Vec<miette::LabeledSpan>,
}

impl std::fmt::Display for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Attached {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

impl miette::Diagnostic for Attached {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.error.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match &self.source {
            Some(source) => Some(source),
            None => self.error.source_code(),
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let own = self.error.labels().into_iter().flatten();
        let mut labels = own.chain(self.labels.iter().cloned()).peekable();
        labels.peek().is_some().then(|| Box::new(labels) as Box<dyn Iterator<Item = miette::LabeledSpan>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.error.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn miette::Diagnostic> {
        self.error.diagnostic_source()
    }
}

/// A related place in another file, rendered after the diagnostic as a note (`☞ heading`) with
/// a snippet of its file.
#[derive(Debug)]
struct RelatedReport {
    heading: String,
    label: miette::LabeledSpan,
    source: Option<CharColumns>,
}

impl std::fmt::Display for RelatedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.heading)
    }
}

impl std::error::Error for RelatedReport {}

impl miette::Diagnostic for RelatedReport {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|source| source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        // Without its file's text, a span would be shown in no file (never in another).
        self.source.as_ref().map(|_| Box::new(std::iter::once(self.label.clone())) as Box<dyn Iterator<Item = _>>)
    }
}

/// Renders a diagnostic as plain text (unicode, no colour, 80 columns): the form snapshot tests
/// store and `--error-format plain` prints.
pub fn render_plain(sources: &Sources, diagnostic: Diagnostic) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(80);
    render(sources, diagnostic, &handler)
}

/// Renders a diagnostic with `handler`: the main report, then each note of a related place in
/// another file ([`Sources::reports`]), a blank line between.
pub fn render(sources: &Sources, diagnostic: Diagnostic, handler: &miette::GraphicalReportHandler) -> String {
    let mut out = String::new();
    for (index, report) in sources.reports(diagnostic).into_iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let mut text = String::new();
        if handler.render_report(&mut text, report.as_ref()).is_err() {
            text = format!("{report}\n");
        }
        out.push_str(&text);
    }
    out
}

/// Sorts diagnostics by file and position, as every stage reports them.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|diagnostic| (diagnostic.source, diagnostic.offset));
}
