//! Why `pol gen` could not write data for a policy.

use pol_grammar::Span;

/// Why generating stopped. Variants with a span point into the policy's `.pol` files.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GenerateError {
    /// No drawn household satisfied a `require` of an entity.
    #[error("no generated household satisfies this `require`")]
    #[diagnostic(
        code(pol::gen::unsatisfiable),
        help(
            "`pol gen` draws every column uniformly within its declared type, range or enum and redraws a household \
             that fails a `require`; give the columns this `require` reads declarations (an `int` range, an enum, a \
             default) under which it holds more often, or write the data by hand"
        )
    )]
    Unsatisfiable {
        /// The `require` line.
        #[label("failed on all {tries} households drawn for household {household}")]
        span: Span,
        /// How many households were drawn.
        tries: u32,
        /// The number (from 1) of the household being generated.
        household: u64,
    },

    /// Every drawn household made evaluation fail (an overflow, a division by zero, …).
    #[error("every generated household fails to evaluate here: {reason}")]
    #[diagnostic(
        code(pol::gen::evaluation),
        help(
            "`pol run` would reject such households; guard the expression (e.g. `if n > 0 {{ … }}`) or narrow the \
             declarations of the columns it reads"
        )
    )]
    Evaluation {
        /// The operation that failed.
        #[label("failed on all {tries} households drawn for household {household}")]
        span: Span,
        /// What went wrong.
        reason: String,
        /// How many households were drawn.
        tries: u32,
        /// The number (from 1) of the household being generated.
        household: u64,
    },

    /// A column no value of which can be written in a form `pol run` reads.
    #[error("`pol gen` cannot write a value of column `{column}`")]
    #[diagnostic(code(pol::gen::unwritable_column), help("{why}"))]
    UnwritableColumn {
        /// The column's declaration.
        #[label("no value of this column can be written")]
        span: Span,
        /// The column.
        column: String,
        /// Why, and what to do.
        why: String,
    },

    /// The households have a county column but `jurisdictions.csv` lists no county.
    #[error("`jurisdictions.csv` lists no county for column `{column}`")]
    #[diagnostic(code(pol::gen::no_county), help("add the province's counties to `jurisdictions.csv`"))]
    NoCounty {
        /// The county column.
        #[label("every household needs a county")]
        span: Span,
        /// The column.
        column: String,
    },

    /// `--bad-rate` is not a share between 0 and 1.
    #[error("the bad-row rate `{rate}` is not between 0 and 1")]
    #[diagnostic(code(pol::gen::bad_rate), help("give `--bad-rate` a share such as `0.02` (2% of households)"))]
    BadRate {
        /// The rate given.
        rate: f64,
    },

    /// Bad rows were asked for but no household or person column can hold a malformed value.
    #[error("no household or person column can carry a malformed value")]
    #[diagnostic(
        code(pol::gen::no_bad_field),
        help("bad rows corrupt a typed (non-`text`) column; this policy's columns are all text: use `--bad-rate 0`")
    )]
    NoBadField,

    /// An output file could not be created or written.
    #[error("cannot write `{path}`: {message}")]
    #[diagnostic(code(pol::gen::write), help("check that the output directory is writable and the disk has room"))]
    Write {
        /// The file.
        path: String,
        /// The system's reason.
        message: String,
    },

    /// A broken invariant of `pol` itself.
    #[error("internal error: {message}")]
    #[diagnostic(code(pol::gen::internal), help("this is a bug in pol; please report it with the policy"))]
    Internal {
        /// What broke.
        message: String,
    },
}

impl GenerateError {
    /// The place in the policy the error points at, if any.
    pub fn span(&self) -> Option<Span> {
        match self {
            GenerateError::Unsatisfiable { span, .. }
            | GenerateError::Evaluation { span, .. }
            | GenerateError::UnwritableColumn { span, .. }
            | GenerateError::NoCounty { span, .. } => Some(*span),
            GenerateError::BadRate { .. }
            | GenerateError::NoBadField
            | GenerateError::Write { .. }
            | GenerateError::Internal { .. } => None,
        }
    }
}
