//! The errors of the runtime: a run stops with one of these before any output is written.
//!
//! Row-level problems (a bad field, an unknown household, a failed validation) are not errors:
//! they reject rows into `rejects.csv` and the run goes on. A [`RuntimeError`] is what makes the
//! whole run impossible: an unreadable file, a missing column, a file that is not UTF-8.

use miette::SourceSpan;
use pol_compiler::diagnostic::Diagnostic;
use pol_grammar::Span;

/// Why a run (or loading a policy directory) stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RuntimeError {
    /// A file or directory could not be read.
    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(code(pol::run::read), help("check that the path exists and is readable"))]
    Read {
        /// The path as given.
        path: String,
        /// The system's reason.
        message: String,
    },

    /// An output file could not be written.
    #[error("cannot write `{path}`: {message}")]
    #[diagnostic(code(pol::run::write), help("check that the output directory is writable and the disk has room"))]
    Write {
        /// The path.
        path: String,
        /// The system's reason.
        message: String,
    },

    /// Another run holds the output directory.
    #[error("another `pol run` is writing into `{dir}`")]
    #[diagnostic(
        code(pol::run::locked),
        help("wait for the other run to finish, or give this run another output directory with `--out`")
    )]
    Locked {
        /// The output directory.
        dir: String,
    },

    /// A directory where an output file must go (or where an output of the other format would
    /// be removed).
    #[error("`{path}` is a directory, where `pol run` writes a file")]
    #[diagnostic(
        code(pol::run::output_target),
        help("remove or rename the directory; the previous outputs were left as they were")
    )]
    OutputTarget {
        /// The path.
        path: String,
    },

    /// A policy file is not UTF-8.
    #[error("`{file}` is not UTF-8")]
    #[diagnostic(code(pol::load::not_utf8), help("save `{file}` as UTF-8 text"))]
    PolicyNotUtf8 {
        /// The file's name relative to the policy directory.
        file: String,
    },

    /// A policy directory without any `.pol` file.
    #[error("no `.pol` file in `{dir}`")]
    #[diagnostic(
        code(pol::load::no_policy),
        help("a policy directory holds `.pol` files (in any subdirectory), `jurisdictions.csv` and `params/*.toml`")
    )]
    NoPolicy {
        /// The directory as given.
        dir: String,
    },

    /// An input file whose format cannot be told from its name.
    #[error("cannot tell the format of `{file}`")]
    #[diagnostic(code(pol::input::format), help("name input files `.csv`, `.jsonl`, `.ndjson` or `.parquet`"))]
    UnknownFormat {
        /// The file's name.
        file: String,
    },

    /// An input file without a header (or, for JSON lines, an unreadable file).
    #[error("`{file}` has no header row")]
    #[diagnostic(code(pol::input::empty), help("the first line of a CSV file names its columns: {expected}"))]
    EmptyFile {
        /// The file's name.
        file: String,
        /// The columns the header must name.
        expected: String,
    },

    /// A column the policy declares is not in the input file.
    #[error("`{file}` has no column `{column}`")]
    #[diagnostic(code(pol::input::missing_column), help("{help}"))]
    MissingColumn {
        /// The file's name.
        file: String,
        /// The missing column.
        column: String,
        /// What to do (with the nearest header name, if one is close).
        help: String,
        /// The column's declaration in the policy.
        #[label("the policy declares `{column}` here")]
        span: Option<Span>,
        /// A file the policy does not declare (the roster): its header line, shown instead.
        #[source_code]
        header: Option<InputExcerpt>,
        /// The header line in `header`.
        #[label("no column `{column}` in this header")]
        header_at: Option<SourceSpan>,
    },

    /// A header name with `@` that names no monthly column's period.
    #[error("`{file}` has a column `{column}` that is not a monthly column's period: {reason}")]
    #[diagnostic(code(pol::input::period_column), help("{help}"))]
    PeriodColumn {
        /// The file's name.
        file: String,
        /// The header name.
        column: String,
        /// Why it is not one.
        reason: Box<str>,
        /// How to name it.
        help: Box<str>,
        /// The header line (a CSV file).
        #[source_code]
        header: Option<InputExcerpt>,
        /// The name in `header`.
        #[label("`{column}` names no monthly column's period")]
        at: Option<SourceSpan>,
    },

    /// A header naming one column twice.
    #[error("`{file}` has two columns named `{column}`")]
    #[diagnostic(code(pol::input::duplicate_column), help("rename or remove one of the two `{column}` columns"))]
    DuplicateColumn {
        /// The file's name.
        file: String,
        /// The column named twice.
        column: String,
        /// The header line (a CSV file).
        #[source_code]
        header: Option<InputExcerpt>,
        /// The second name in `header`.
        #[label(primary, "`{column}` is named again here")]
        again: Option<SourceSpan>,
        /// The first name in `header`.
        #[label("first named here")]
        first: Option<SourceSpan>,
    },

    /// Input bytes that are not UTF-8.
    #[error("`{file}` is not UTF-8: line {line}, {place}")]
    #[diagnostic(code(pol::input::not_utf8), help("convert `{file}` to UTF-8 (for example `iconv -f GBK -t UTF-8`)"))]
    NotUtf8 {
        /// The file's name.
        file: String,
        /// The line (the header is line 1).
        line: u64,
        /// Where in the line: ``column `name` `` (or the byte offset when no column is known).
        place: String,
    },

    /// A Parquet column of a type that cannot hold the column's values exactly.
    #[error("column `{column}` of `{file}` has type {data_type}, which cannot be read exactly")]
    #[diagnostic(
        code(pol::input::column_type),
        help(
            "store text, money and dates as strings, integers as integers, money as decimals with at most 2 decimals, dates as date32, booleans as booleans"
        )
    )]
    ColumnType {
        /// The file's name.
        file: String,
        /// The column.
        column: String,
        /// The Parquet/Arrow type.
        data_type: String,
    },

    /// A Parquet file the reader cannot decode.
    #[error("`{file}` is not a readable Parquet file: {message}")]
    #[diagnostic(code(pol::input::parquet), help("check that the file is complete and was written as Parquet"))]
    Parquet {
        /// The file's name.
        file: String,
        /// The decoder's reason.
        message: String,
    },

    /// An input file for an entity the policy does not declare.
    #[error("the policy declares no `{entity}` entity, but a {entity} file was given")]
    #[diagnostic(
        code(pol::run::undeclared_entity),
        help("declare `{entity} {{ … }}` in the policy, or leave the file out")
    )]
    UndeclaredEntity {
        /// `case` (or `person`).
        entity: &'static str,
    },

    /// An entity schema without a column the runtime needs.
    #[error("the `{entity}` entity declares no {what} column")]
    #[diagnostic(code(pol::run::schema), help("{help}"))]
    Schema {
        /// The entity's keyword.
        entity: &'static str,
        /// Which kind of column, e.g. `key`.
        what: &'static str,
        /// How to declare it.
        help: &'static str,
    },

    /// `pol reconcile` on a policy that declares no `program`.
    #[error("the policy in `{policy}` declares no programs to reconcile")]
    #[diagnostic(
        code(pol::reconcile::no_programs),
        help(
            "declare each program the roster pays, with the household rules of its monthly amount, e.g. `program dibao \"最低生活保障\" = dibao_monthly`"
        )
    )]
    NoPrograms {
        /// The policy directory as given.
        policy: String,
        /// The first item of the policy's first `.pol` file (of the reform's, for a reform):
        /// where a drafter adds the declarations.
        #[label("no `program` is declared in this policy: add one, e.g. in this file")]
        span: Option<Span>,
    },

    /// A program's amounts add up beyond what a money word holds.
    #[error("the amounts of program `{program}` for household `{household}` add up beyond the largest amount")]
    #[diagnostic(
        code(pol::reconcile::overflow),
        help("check the household's input: the rules of one program add up to more than 92 trillion yuan")
    )]
    AmountOverflow {
        /// The household id.
        household: String,
        /// The program's id.
        program: String,
    },

    /// The two sides of `pol diff` name a key column differently.
    #[error("the base and reform policies name the {entity} {role} column differently: `{base}` and `{reform}`")]
    #[diagnostic(
        code(pol::diff::keys),
        help(
            "`pol diff` reads each input row once for both sides, so both policies must declare the same {role} column; rename `{base}` or `{reform}` so that they agree"
        )
    )]
    DiffKeys {
        /// The entity's keyword.
        entity: &'static str,
        /// Which column, e.g. `key`.
        role: &'static str,
        /// The base side's column.
        base: String,
        /// The reform side's column.
        reform: String,
    },

    /// A side of `pol diff` without the `household_results` table it compares.
    #[error("the {side} policy declares no `household_results` output for households")]
    #[diagnostic(
        code(pol::diff::no_table),
        help(
            "`pol diff` compares the `household_results` tables of the two sides; declare `output household_results for household` in the {side} policy"
        )
    )]
    DiffTable {
        /// `base` or `reform`.
        side: &'static str,
    },

    /// JSON-lines or Parquet input for two sides that declare different columns.
    #[error("the base and reform policies declare different `{entity}` columns, which `{file}` cannot give both")]
    #[diagnostic(
        code(pol::diff::columns),
        help(
            "with JSON lines or Parquet input both policies must declare the same `{entity}` columns in the same order; give the input as CSV, or declare the same columns"
        )
    )]
    DiffColumns {
        /// The entity's keyword.
        entity: &'static str,
        /// The input file's name.
        file: String,
    },

    /// A rate's `where` cannot be evaluated for a county of `jurisdictions.csv`.
    #[error("the `where` of rate `{rate}` fails for county `{county}`: {reason}")]
    #[diagnostic(
        code(pol::report::rate_filter),
        help(
            "a rate's `where` is evaluated once per county; write it so that every county's attributes give it a value"
        )
    )]
    RateFilter {
        /// The rate's name.
        rate: String,
        /// The county's code.
        county: String,
        /// What failed.
        reason: &'static str,
        /// The operation that failed.
        #[label("this fails for county `{county}`")]
        label: Option<SourceSpan>,
        /// The same operation as a policy span.
        span: Option<Span>,
    },

    /// A record (a CSV record or a JSON line) longer than the limit: not a line of real data.
    #[error("`{file}` line {line}: a record longer than {limit}")]
    #[diagnostic(
        code(pol::input::record_too_long),
        help(
            "a row of `{file}` ends at a line break and is at most {limit} long; check that the file is text with line ends, not a binary file or a device"
        )
    )]
    RecordTooLong {
        /// The file's name.
        file: String,
        /// The line where the record starts.
        line: u64,
        /// The limit, e.g. `1 MiB`.
        limit: String,
        /// The record's first bytes.
        #[source_code]
        excerpt: InputExcerpt,
        /// The record's start.
        #[label("no line end within {limit} of this")]
        at: SourceSpan,
    },

    /// A quoted CSV field that is never closed (or not within the limits of a record).
    #[error("`{file}` line {line}: a quoted field is not closed")]
    #[diagnostic(
        code(pol::input::unterminated_quote),
        help(
            "end the field with `\"` (a `\"` inside a quoted field is written `\"\"`); a quoted field may span at most {max_lines} lines"
        )
    )]
    UnterminatedQuote {
        /// The file's name.
        file: String,
        /// The line where the quote opens.
        line: u64,
        /// Why the field is taken as unclosed.
        reason: String,
        /// The limit on lines.
        max_lines: u64,
        /// The line of the quote.
        #[source_code]
        excerpt: InputExcerpt,
        /// The quote.
        #[label("{reason}")]
        at: SourceSpan,
    },

    /// An input that can be read only once (a pipe) when the run must read it again.
    #[error("`{file}` cannot be read a second time, and this run needs to")]
    #[diagnostic(
        code(pol::run::not_rereadable),
        help(
            "{reason} need a second pass over the inputs; write `{file}` to a regular file first (for example `cat … > {file}`) and give that file"
        )
    )]
    NotRereadable {
        /// The file's name.
        file: String,
        /// What needs the second pass.
        reason: String,
        /// The argument that named the file.
        #[source_code]
        argument: InputExcerpt,
        /// The file in the argument.
        #[label("not a regular file: {kind}")]
        at: SourceSpan,
        /// What the file is (a pipe, a character device, …).
        kind: String,
    },

    /// A `--threads` value out of range.
    #[error("cannot run on {requested} worker threads")]
    #[diagnostic(
        code(pol::run::threads),
        help("give `--threads` a number from 1 to {max} (or leave it out to use every core)")
    )]
    Threads {
        /// The number asked for.
        requested: usize,
        /// The largest number accepted.
        max: usize,
        /// The argument.
        #[source_code]
        argument: InputExcerpt,
        /// The number in the argument.
        #[label("{why}")]
        at: SourceSpan,
        /// Why the number is refused.
        why: String,
    },

    /// `pol run` without `--persons` on a households file that does not hold them.
    #[error("no persons: `{file}` has no `persons` list column, and no persons file was given")]
    #[diagnostic(
        code(pol::run::no_persons),
        help(
            "give the persons file with `--persons FILE`, or a Parquet households file whose `persons` column lists each household's members (list<struct<…>>)"
        )
    )]
    NoPersons {
        /// The households file's name.
        file: String,
    },

    /// A bug: an invariant of the runtime does not hold.
    #[error("internal error: {message}; please report this")]
    #[diagnostic(code(pol::run::internal))]
    Internal {
        /// What went wrong.
        message: String,
    },
}

/// A few lines of an input file (or a command-line argument) shown under a diagnostic, with
/// their real line numbers.
/// (Boxed: errors stay small.)
#[derive(Debug, Clone)]
pub struct InputExcerpt(Box<Excerpt>);

#[derive(Debug, Clone)]
struct Excerpt {
    name: String,
    text: String,
    /// The line number of the text's first line (1-based).
    first_line: u64,
}

impl InputExcerpt {
    /// `text`, from line `first_line` of `name`.
    pub(crate) fn new(name: &str, text: String, first_line: u64) -> InputExcerpt {
        InputExcerpt(Box::new(Excerpt { name: name.to_string(), text, first_line: first_line.max(1) }))
    }
}

impl miette::SourceCode for InputExcerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let excerpt = &self.0;
        let contents = excerpt.text.read_span(span, context_lines_before, context_lines_after)?;
        let offset = usize::try_from(excerpt.first_line - 1).map_err(|_| miette::MietteError::OutOfBounds)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            excerpt.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + offset,
            contents.column(),
            contents.line_count(),
        )))
    }
}

impl RuntimeError {
    /// Wraps the error as a [`Diagnostic`] pointing into the policy where it has a label there.
    pub fn into_diagnostic(self) -> Diagnostic {
        let span = match &self {
            RuntimeError::MissingColumn { span, .. }
            | RuntimeError::RateFilter { span, .. }
            | RuntimeError::NoPrograms { span, .. } => *span,
            _ => None,
        };
        Diagnostic::new(span, self)
    }

    /// Whether the error is in the policy or the data (exit code 1), as opposed to the command
    /// being unable to run: a file it cannot read or write, an output directory held by another
    /// run, an argument out of range, an internal error (exit code 2).
    pub fn is_policy_or_data_error(&self) -> bool {
        match self {
            RuntimeError::NoPolicy { .. }
            | RuntimeError::PolicyNotUtf8 { .. }
            | RuntimeError::UnknownFormat { .. }
            | RuntimeError::EmptyFile { .. }
            | RuntimeError::MissingColumn { .. }
            | RuntimeError::DuplicateColumn { .. }
            | RuntimeError::PeriodColumn { .. }
            | RuntimeError::NotUtf8 { .. }
            | RuntimeError::ColumnType { .. }
            | RuntimeError::Parquet { .. }
            | RuntimeError::UndeclaredEntity { .. }
            | RuntimeError::NoPersons { .. }
            | RuntimeError::Schema { .. }
            | RuntimeError::NoPrograms { .. }
            | RuntimeError::AmountOverflow { .. }
            | RuntimeError::DiffKeys { .. }
            | RuntimeError::DiffTable { .. }
            | RuntimeError::DiffColumns { .. }
            | RuntimeError::RateFilter { .. }
            | RuntimeError::RecordTooLong { .. }
            | RuntimeError::UnterminatedQuote { .. } => true,
            RuntimeError::Read { .. }
            | RuntimeError::Write { .. }
            | RuntimeError::Locked { .. }
            | RuntimeError::OutputTarget { .. }
            | RuntimeError::NotRereadable { .. }
            | RuntimeError::Threads { .. }
            | RuntimeError::Internal { .. } => false,
        }
    }

    /// A read error of `path`.
    pub(crate) fn read(path: &std::path::Path, error: &std::io::Error) -> RuntimeError {
        RuntimeError::Read { path: path.display().to_string(), message: error.to_string() }
    }

    /// A write error of `path`.
    pub(crate) fn write(path: &std::path::Path, error: &impl std::fmt::Display) -> RuntimeError {
        RuntimeError::Write { path: path.display().to_string(), message: error.to_string() }
    }

    /// An internal error.
    pub(crate) fn internal(message: impl Into<String>) -> RuntimeError {
        RuntimeError::Internal { message: message.into() }
    }
}
