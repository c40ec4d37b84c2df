//! The errors of parameter loading and resolution, one variant per diagnostic kind.
//!
//! Every variant holds spans, never source text: a span into a local parameter file (TOML) for
//! the file's own mistakes, a span into a `.pol` file for the province's values.

use crate::diagnostic::Diagnostic;
use pol_grammar::Span;

/// An error of a local parameter file, of a constraint, or of resolving a parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ParamsError {
    /// The file is not valid TOML.
    #[error("invalid TOML: {message}")]
    #[diagnostic(
        code(pol::params::syntax),
        help(
            "a parameter file is `jurisdiction = \"CODE\"` followed by date tables such as `[2019-01-01]` of `name = value` lines"
        )
    )]
    Syntax {
        /// The TOML parser's message.
        message: String,
        /// Where the parser stopped.
        #[label("here")]
        span: Span,
    },

    /// The file has no top-level `jurisdiction` key.
    #[error("parameter file has no `jurisdiction`")]
    #[diagnostic(
        code(pol::params::missing_jurisdiction),
        help(
            "add `jurisdiction = \"610800\"` (a city code, or the code of a county that sets its own values) before the first date table"
        )
    )]
    MissingJurisdiction {
        /// The start of the file.
        #[label("no `jurisdiction = \"…\"` in this file")]
        span: Span,
    },

    /// `jurisdiction` is not the code of a city or county of `jurisdictions.csv`.
    #[error("{message}")]
    #[diagnostic(code(pol::params::unknown_jurisdiction))]
    UnknownJurisdiction {
        /// What is wrong.
        message: String,
        /// The value.
        #[label("not a city or county code")]
        span: Span,
        /// The fix (with the nearest code).
        #[help]
        help: String,
    },

    /// A second file for the same jurisdiction.
    #[error("a second parameter file for `{code}`")]
    #[diagnostic(
        code(pol::params::duplicate_jurisdiction),
        help("each city or county publishes one parameter file; merge the values into one file with dated tables")
    )]
    DuplicateJurisdiction {
        /// The jurisdiction's code.
        code: String,
        /// The `jurisdiction` value of the second file.
        #[label("another file already sets the values of `{code}`")]
        span: Span,
        /// The `jurisdiction` value of the first file (a related place).
        first: Span,
    },

    /// A county file for a county that `jurisdictions.csv` says does not set its own values.
    #[error("county `{code}` does not set its own parameters")]
    #[diagnostic(
        code(pol::params::county_not_own),
        help(
            "jurisdictions.csv has `{attr}` = false for `{code}`, so its city's values apply; put these values in the city's file, or set `{attr}` to true for `{code}`"
        )
    )]
    CountyNotOwn {
        /// The county's code.
        code: String,
        /// The attribute that decides (`sets_own_parameters`); its cell in `jurisdictions.csv`
        /// is a related place.
        attr: &'static str,
        /// The `jurisdiction` value of the file.
        #[label("this county takes its city's values")]
        span: Span,
    },

    /// A value outside any date table.
    #[error("`{name}` has no date")]
    #[diagnostic(
        code(pol::params::undated_value),
        help("put it under a table header giving the day it takes effect, e.g. `[2019-01-01]`")
    )]
    UndatedValue {
        /// The key.
        name: String,
        /// The key.
        #[label("not under a date header")]
        span: Span,
    },

    /// A table header that is not a real calendar day.
    #[error("`{header}` is not a date")]
    #[diagnostic(code(pol::params::bad_date))]
    BadDate {
        /// The header as written.
        header: String,
        /// The header.
        #[label("{label}")]
        span: Span,
        /// Why it is not a date.
        label: String,
        /// The fix.
        #[help]
        help: String,
    },

    /// A key that names no parameter of the policy.
    #[error("unknown parameter `{name}`")]
    #[diagnostic(code(pol::params::unknown_param))]
    UnknownParam {
        /// The key.
        name: String,
        /// The key.
        #[label("not a parameter of the policy")]
        span: Span,
        /// The nearest name, or what to do.
        #[help]
        help: String,
    },

    /// A parameter this file's level may not set.
    #[error("{message}")]
    #[diagnostic(code(pol::params::not_settable))]
    NotSettable {
        /// What is wrong.
        message: String,
        /// The key.
        #[label("{label}")]
        span: Span,
        /// Which file this is.
        label: String,
        /// Who may set it.
        #[help]
        help: String,
    },

    /// A value in another unit than the parameter's.
    #[error("`{name}` is {expected}, not {found}")]
    #[diagnostic(code(pol::params::wrong_unit))]
    WrongUnit {
        /// The parameter.
        name: String,
        /// What the parameter is: `in 元/年`, `a ratio`.
        expected: String,
        /// What the value is: `元/月`, `a percentage`.
        found: String,
        /// The value.
        #[label("{found}")]
        span: Span,
        /// How to write it.
        #[help]
        help: String,
    },

    /// A number with more decimals than the parameter's type holds.
    #[error("{message}")]
    #[diagnostic(code(pol::params::precision))]
    Precision {
        /// What is wrong.
        message: String,
        /// The value.
        #[label("{label}")]
        span: Span,
        /// The number of decimals written.
        label: String,
        /// How to write it.
        #[help]
        help: String,
    },

    /// A value that is not a value of the parameter's type at all.
    #[error("`{name}` must be {expected}")]
    #[diagnostic(code(pol::params::bad_value))]
    BadValue {
        /// The parameter.
        name: String,
        /// What it must be.
        expected: String,
        /// The value.
        #[label("{label}")]
        span: Span,
        /// What was found.
        label: String,
        /// How to write it.
        #[help]
        help: String,
    },

    /// The same parameter twice under one date.
    #[error("`{name}` is set twice for {date}")]
    #[diagnostic(code(pol::params::duplicate_value), help("keep one of the two values"))]
    DuplicateValue {
        /// The parameter.
        name: String,
        /// The date table.
        date: String,
        /// The second value.
        #[label("set again here")]
        span: Span,
        /// The first value.
        #[label("first set here")]
        first: Span,
    },

    /// A `require` of a parameter is false for some jurisdiction on some date.
    #[error("{message}")]
    #[diagnostic(code(pol::params::constraint))]
    Constraint {
        /// The rule with its numbers.
        message: String,
        /// The value that breaks it (in the file that set it, or in the policy).
        #[label("{label}")]
        span: Span,
        /// The rule, the jurisdiction and the date.
        label: String,
        /// The fix, and the `require` broken.
        #[help]
        help: String,
    },

    /// Evaluating a parameter's value failed (overflow, division by zero).
    #[error("cannot compute `{name}`{place}: {reason}")]
    #[diagnostic(code(pol::params::eval))]
    Eval {
        /// The parameter being computed.
        name: String,
        /// ` for 610800 on 2019-01-01`, or empty.
        place: String,
        /// What failed.
        reason: String,
        /// The operation that failed.
        #[label("{reason}")]
        span: Span,
        /// The fix.
        #[help]
        help: String,
    },

    /// A parameter's value depends on itself.
    #[error("the value of `{name}` depends on itself")]
    #[diagnostic(
        code(pol::params::cycle),
        help("a parameter's value may use other parameters, but not, through them, itself")
    )]
    Cycle {
        /// The parameter.
        name: String,
        /// The reference that closes the loop.
        #[label("`{name}` is used again here, while computing it")]
        span: Span,
    },

    /// A jurisdiction code asked for that is neither a city nor a county.
    #[error("unknown jurisdiction `{code}`")]
    #[diagnostic(code(pol::params::unknown_place), help("use a county code or a city code of jurisdictions.csv"))]
    UnknownPlace {
        /// The code.
        code: String,
    },

    /// A bug: the checked program broke one of its invariants.
    #[error("internal error: {message}; please report this")]
    #[diagnostic(code(pol::params::internal))]
    Internal {
        /// What went wrong.
        message: String,
        /// Where.
        #[label("here")]
        span: Option<Span>,
    },
}

impl ParamsError {
    /// The primary label's span (none for an error about no file in particular).
    pub fn primary_span(&self) -> Option<Span> {
        match self {
            ParamsError::Syntax { span, .. }
            | ParamsError::MissingJurisdiction { span }
            | ParamsError::UnknownJurisdiction { span, .. }
            | ParamsError::DuplicateJurisdiction { span, .. }
            | ParamsError::CountyNotOwn { span, .. }
            | ParamsError::UndatedValue { span, .. }
            | ParamsError::BadDate { span, .. }
            | ParamsError::UnknownParam { span, .. }
            | ParamsError::NotSettable { span, .. }
            | ParamsError::WrongUnit { span, .. }
            | ParamsError::Precision { span, .. }
            | ParamsError::BadValue { span, .. }
            | ParamsError::DuplicateValue { span, .. }
            | ParamsError::Constraint { span, .. }
            | ParamsError::Eval { span, .. }
            | ParamsError::Cycle { span, .. } => Some(*span),
            ParamsError::UnknownPlace { .. } => None,
            ParamsError::Internal { span, .. } => *span,
        }
    }

    /// The error as a diagnostic of the file its primary label points into.
    pub fn into_diagnostic(self) -> Diagnostic {
        // The first file for the same jurisdiction is another file: a related place.
        let related = if let ParamsError::DuplicateJurisdiction { code, span, first } = &self
            && span.source != first.source
        {
            Some((*first, format!("the first file for `{code}`")))
        } else {
            None
        };
        let diagnostic = Diagnostic::new(self.primary_span(), self);
        match related {
            Some((span, label)) => diagnostic.with_related(span, label),
            None => diagnostic,
        }
    }
}
