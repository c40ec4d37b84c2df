//! Diagnostics of every stage, attached to their source file.
//!
//! Stages report errors as their own `thiserror` + `miette::Diagnostic` types holding
//! [`Span`](pol_grammar::Span)s, never source text. A [`Diagnostic`] pairs one such error with the
//! source file its labels point into; [`Sources::report`] attaches the file's text for rendering.

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

    /// A renderable report: the diagnostic with its file's text attached.
    pub fn report(&self, diagnostic: Diagnostic) -> miette::Report {
        let source = diagnostic.source.and_then(|id| self.get(id));
        let report = miette::Report::new_boxed(diagnostic.error);
        match source {
            Some(file) => {
                report.with_source_code(CharColumns(miette::NamedSource::new(file.name.clone(), file.text.clone())))
            }
            None => report,
        }
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
        }
    }

    /// The stable code, e.g. `pol::type::mismatch`.
    pub fn code(&self) -> Option<String> {
        self.error.code().map(|code| code.to_string())
    }
}

/// Renders a diagnostic as plain text (unicode, no colour, 80 columns): the form snapshot tests
/// store and `--error-format plain` prints.
pub fn render_plain(sources: &Sources, diagnostic: Diagnostic) -> String {
    let report = sources.report(diagnostic);
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{report}");
    }
    out
}

/// Sorts diagnostics by file and position, as every stage reports them.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|diagnostic| (diagnostic.source, diagnostic.offset));
}
