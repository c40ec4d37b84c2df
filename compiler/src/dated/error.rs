//! The errors of choosing what is in force on a date: one variant per diagnostic kind.

use crate::diagnostic::Diagnostic;
use pol_grammar::Span;

/// Something in force reads a rule or parameter that is not in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum DatedError {
    /// A rule, output, parameter value, `require` or test that is in force reads a rule or
    /// parameter that is not in force on the same dates.
    #[error("`{name}` is not in force on {dates}, but `{reader}` reads it")]
    #[diagnostic(code(pol::dated::not_in_force))]
    NotInForce {
        /// The rule or parameter read.
        name: String,
        /// Who reads it: a rule, an output column (`output.column`), a parameter, a test.
        reader: String,
        /// The dates, in backticks: `` `2023-05-01` ``, or ranges such as `` `2023-01-01..` ``.
        dates: String,
        /// The read.
        #[label("`{reader}` reads `{name}` here")]
        span: Span,
        /// The `none` version that ends it, when in the same file.
        #[label("`{name}` is not in force from this date on")]
        ended: Option<Span>,
        /// The first version of something not yet in force, when in the same file.
        #[label("the first version of `{name}` is in force from a later date")]
        declared: Option<Span>,
        /// The fix. (When the version that explains the read is in another file, it is a related
        /// place of the diagnostic, with the label these two would have.)
        #[help]
        help: String,
    },

    /// A local parameter file gives a value on a date on which the parameter is not in force.
    #[error("`{name}` is not in force on {date}, so a local file may not give it a value then")]
    #[diagnostic(
        code(pol::dated::local_value_not_in_force),
        help(
            "remove this value, or move it under a date on which `{name}` is in force (see its `from DATE = …` versions)"
        )
    )]
    LocalValueNotInForce {
        /// The parameter.
        name: String,
        /// The file's date table, in backticks.
        date: String,
        /// The value in the TOML file.
        #[label("this value is for a date on which `{name}` is not in force")]
        span: Span,
    },
}

impl DatedError {
    /// The error as a diagnostic of the file its primary label points into.
    pub fn into_diagnostic(self) -> Diagnostic {
        let span = match &self {
            DatedError::NotInForce { span, .. } | DatedError::LocalValueNotInForce { span, .. } => *span,
        };
        Diagnostic::new(Some(span), self)
    }
}
