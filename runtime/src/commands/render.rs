//! Printing diagnostics: graphical (with or without colour) or JSON lines.

use pol_compiler::diagnostic::{Diagnostic, Sources, render_plain};
use pol_compiler::i18n::{Lang, localize, localize_diagnostic};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether diagnostics and person-facing lines are printed in Chinese. The CLI sets it once,
/// from `--lang` or the environment, before running a command; it is process-wide like the
/// terminal it describes, and English unless set.
static CHINESE: AtomicBool = AtomicBool::new(false);

/// Sets the language everything printed for a person is in.
pub fn set_lang(lang: Lang) {
    CHINESE.store(lang == Lang::Zh, Ordering::Relaxed);
}

/// The language set by [`set_lang`] (English by default).
pub fn lang() -> Lang {
    if CHINESE.load(Ordering::Relaxed) { Lang::Zh } else { Lang::En }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    /// Graphical, with colour when the terminal supports it.
    #[default]
    Human,
    /// Graphical without colour (what snapshots store).
    Plain,
    /// One JSON object per line.
    Json,
}

/// Prints one diagnostic of a policy's sources.
pub fn print_diagnostic(out: &mut dyn Write, format: ErrorFormat, sources: &Sources, diagnostic: Diagnostic) {
    let diagnostic = localize_diagnostic(lang(), diagnostic);
    match format {
        ErrorFormat::Plain => {
            let _ = write!(out, "{}", render_plain(sources, diagnostic));
        }
        ErrorFormat::Json => {
            let value = diagnostic_json(sources, &diagnostic);
            let _ = writeln!(out, "{value}");
        }
        ErrorFormat::Human => {
            let _ = write!(out, "{}", pol_compiler::diagnostic::render(sources, diagnostic, &graphical(format)));
        }
    }
}

/// Prints a report that is not tied to a policy's sources (IO errors and the like).
pub fn print_report(out: &mut dyn Write, format: ErrorFormat, report: miette::Report) {
    let report = match lang() {
        Lang::En => report,
        Lang::Zh => {
            let error: Box<dyn miette::Diagnostic + Send + Sync + 'static> = report.into();
            miette::Report::new_boxed(localize(Lang::Zh, error))
        }
    };
    match format {
        ErrorFormat::Json => {
            let value = serde_json::json!({
                "code": report.code().map(|code| code.to_string()),
                "severity": "error",
                "message": report.to_string(),
                "help": report.help().map(|help| help.to_string()),
                "labels": [],
                "related": [],
            });
            let _ = writeln!(out, "{value}");
        }
        ErrorFormat::Human | ErrorFormat::Plain => {
            let handler = graphical(format);
            let mut text = String::new();
            if handler.render_report(&mut text, report.as_ref()).is_err() {
                text = format!("error: {report}\n");
            }
            let _ = write!(out, "{text}");
        }
    }
}

/// `(line, column)`, 1-based, of a label in the excerpt an error carries itself (a roster's
/// header line); the column in characters.
fn excerpt_line_col(error: &dyn miette::Diagnostic, label: &miette::LabeledSpan) -> Option<(usize, usize)> {
    let contents = error.source_code()?.read_span(label.inner(), 0, 0).ok()?;
    let data = std::str::from_utf8(contents.data()).ok()?;
    // The excerpt's data starts at its line's start; the label's offset is within the excerpt.
    let within = label.offset().checked_sub(contents.span().offset())?;
    let column = data.get(..within).map_or(0, |before| before.chars().count());
    Some((contents.line() + 1, column + 1))
}

/// The graphical renderer of `format`: with colour for `Human` on a terminal.
fn graphical(format: ErrorFormat) -> miette::GraphicalReportHandler {
    let colour = format == ErrorFormat::Human && std::io::stderr().is_terminal();
    let theme = if colour { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    miette::GraphicalReportHandler::new_themed(theme)
}

/// The JSON form of a diagnostic: code, message, help, file and the labels with 1-based lines
/// and columns (columns in characters) and byte offsets, then the related places in other files,
/// each with its file (a related place in the diagnostic's own file is one more label, as in the
/// rendered form). `docs/language.md` documents the shape.
pub fn diagnostic_json(sources: &Sources, diagnostic: &Diagnostic) -> serde_json::Value {
    let error = &diagnostic.error;
    let file = diagnostic.source.and_then(|id| sources.get(id));
    let (here, elsewhere) = diagnostic.split_related();
    let mut all_labels: Vec<miette::LabeledSpan> = error.labels().into_iter().flatten().collect();
    all_labels.extend(
        here.iter().map(|related| miette::LabeledSpan::new_with_span(Some(related.label.clone()), related.span)),
    );
    // miette marks a label primary only when asked to; the first label is the primary one.
    let any_primary = all_labels.iter().any(miette::LabeledSpan::primary);
    let labels: Vec<serde_json::Value> = all_labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            let start = label.offset() as u32;
            let (line, column) = match diagnostic.source {
                Some(id) => sources.line_col(id, start),
                None => excerpt_line_col(error.as_ref(), label).unwrap_or((0, 0)),
            };
            serde_json::json!({
                "label": label.label(),
                "line": line,
                "column": column,
                "start": label.offset(),
                "end": label.offset() + label.len(),
                "primary": label.primary() || (!any_primary && index == 0),
            })
        })
        .collect();
    let related: Vec<serde_json::Value> = elsewhere
        .iter()
        .map(|related| {
            let (line, column) = sources.line_col(related.span.source, related.span.start);
            serde_json::json!({
                "file": sources.get(related.span.source).map(|file| file.name.clone()),
                "label": related.label,
                "line": line,
                "column": column,
                "start": related.span.start,
                "end": related.span.end,
            })
        })
        .collect();
    // An error about a file that is not the policy's (a roster) carries that file's excerpt.
    let excerpt_name = || {
        let label = all_labels.first()?;
        let contents = error.source_code()?.read_span(label.inner(), 0, 0).ok()?;
        contents.name().map(str::to_string)
    };
    serde_json::json!({
        "code": error.code().map(|code| code.to_string()),
        "severity": "error",
        "message": error.to_string(),
        "help": error.help().map(|help| help.to_string()),
        "file": file.map(|file| file.name.clone()).or_else(excerpt_name),
        "labels": labels,
        "related": related,
    })
}
