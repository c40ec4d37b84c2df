//! Parse errors: what went wrong in a `.pol` file's syntax, where, and how to fix it.
//!
//! Every variant has a stable code `pol::parse::<kind>`, a primary label and a help line. They
//! hold [`Span`]s, never source text: the caller attaches the file to render them (see
//! `pol_compiler::diagnostic`).

use crate::span::Span;

/// A syntax error in a `.pol` file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ParseError {
    /// The parser found something other than what the grammar allows here.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(pol::parse::unexpected), help("{help}"))]
    Unexpected {
        /// What would have been accepted, in words: "`}` or a column".
        expected: String,
        /// What is there: "`if`", "end of file".
        found: String,
        /// How to fix it.
        help: String,
        /// The unexpected token (empty at the end of the file).
        #[label("unexpected here")]
        span: Span,
    },

    /// An operator at the end of a declaration, with no operand after it before the next
    /// declaration or the end of the file (`x = a *`).
    #[error("`{operator}` has nothing after it")]
    #[diagnostic(code(pol::parse::dangling_operator), help("{help}"))]
    DanglingOperator {
        /// The operator as written.
        operator: String,
        /// How to fix it, naming what comes next.
        help: String,
        /// The operator.
        #[label("this `{operator}` needs a value after it")]
        span: Span,
    },

    /// A string literal runs to the end of its line.
    #[error("unterminated string")]
    #[diagnostic(
        code(pol::parse::unterminated_string),
        help("close the string with `\"` on the same line; write a line break inside a string as `\\n`")
    )]
    UnterminatedString {
        /// From the opening quote to the end of the line.
        #[label("this string has no closing `\"`")]
        span: Span,
    },

    /// A backslash escape that strings do not have.
    #[error("unknown escape `{escape}` in a string")]
    #[diagnostic(
        code(pol::parse::bad_escape),
        help(
            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{{4E00}}`; write a backslash itself as `\\\\`"
        )
    )]
    BadEscape {
        /// The escape as written.
        escape: String,
        /// The escape.
        #[label("unknown escape")]
        span: Span,
    },

    /// A date literal that is not a real day or not written `YYYY-MM-DD`.
    #[error("`{text}` is not a valid date")]
    #[diagnostic(code(pol::parse::bad_date), help("write a real day as `YYYY-MM-DD`, e.g. `2019-05-01`"))]
    BadDate {
        /// The date as written.
        text: String,
        /// Why it is not a date: "February 2019 has 28 days".
        reason: String,
        /// The date.
        #[label("{reason}")]
        span: Span,
    },

    /// A number literal with too many decimals or digits for its kind.
    #[error("invalid number `{text}`")]
    #[diagnostic(code(pol::parse::bad_number), help("{help}"))]
    BadNumber {
        /// The number as written, with its unit.
        text: String,
        /// What is wrong: "money has at most two decimals (fen)".
        reason: String,
        /// How to fix it.
        help: String,
        /// The number.
        #[label("{reason}")]
        span: Span,
    },

    /// A reserved word where a name is expected.
    #[error("`{keyword}` is a keyword and cannot be used as a name")]
    #[diagnostic(
        code(pol::parse::keyword_as_name),
        help("choose another name, e.g. `{keyword}_value`; the reserved words are listed in docs/language.md")
    )]
    KeywordAsName {
        /// The keyword.
        keyword: String,
        /// Where it is written.
        #[label("a name is expected here")]
        span: Span,
    },

    /// An expression nested deeper than the parser allows.
    #[error("expression nested too deeply")]
    #[diagnostic(
        code(pol::parse::nesting_too_deep),
        help("split the expression: give parts of it their own rules and refer to them by name")
    )]
    NestingTooDeep {
        /// Where the limit is exceeded.
        #[label("more than 64 levels deep here")]
        span: Span,
    },

    /// The input made the parser exceed its work or stack budget.
    #[error("this part of the file is too complex to parse")]
    #[diagnostic(
        code(pol::parse::too_complex),
        help("simplify it: split long expressions into several rules and check the brackets")
    )]
    TooComplex {
        /// Where the parser gave up.
        #[label("the parser gave up here")]
        span: Span,
    },

    /// A money unit with an unknown period, e.g. `元/周`.
    #[error("unknown unit `{unit}`")]
    #[diagnostic(code(pol::parse::unknown_unit), help("{help}"))]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The list of units, and the nearest one when there is one.
        help: String,
        /// The unit.
        #[label("not a unit")]
        span: Span,
    },

    /// `enum X { }`.
    #[error("enum `{name}` has no variants")]
    #[diagnostic(
        code(pol::parse::empty_enum),
        help("list its variants inside the braces, e.g. `enum {name} {{ yes, no }}`")
    )]
    EmptyEnum {
        /// The enum's name.
        name: String,
        /// The declaration.
        #[label("no variants")]
        span: Span,
    },

    /// An aggregate over `members` with the wrong name or arguments.
    #[error("{message}")]
    #[diagnostic(code(pol::parse::aggregate), help("{help}"))]
    BadAggregate {
        /// What is wrong: "`count` takes no value".
        message: String,
        /// How to fix it.
        help: String,
        /// The aggregate.
        #[label("here")]
        span: Span,
    },

    /// Something that may be given once is given twice.
    #[error("`{what}` is given twice")]
    #[diagnostic(code(pol::parse::duplicate), help("keep only one `{what}`"))]
    Duplicate {
        /// What: "as_of".
        what: String,
        /// The second occurrence.
        #[label("given again here")]
        span: Span,
        /// The first occurrence.
        #[label("first given here")]
        first: Span,
    },

    /// A bug in the parser.
    #[error("internal parser error: {detail}")]
    #[diagnostic(
        code(pol::parse::internal),
        help("this is a bug in pol, not in your policy; please report it with the file that triggers it")
    )]
    Internal {
        /// What the parser found inconsistent.
        detail: String,
        /// Where.
        #[label("while parsing this")]
        span: Span,
    },
}

impl ParseError {
    /// The primary label's span, for sorting and for wrapping in a compiler diagnostic.
    pub fn span(&self) -> Span {
        match self {
            ParseError::Unexpected { span, .. }
            | ParseError::DanglingOperator { span, .. }
            | ParseError::UnterminatedString { span }
            | ParseError::BadEscape { span, .. }
            | ParseError::BadDate { span, .. }
            | ParseError::BadNumber { span, .. }
            | ParseError::KeywordAsName { span, .. }
            | ParseError::NestingTooDeep { span }
            | ParseError::TooComplex { span }
            | ParseError::UnknownUnit { span, .. }
            | ParseError::EmptyEnum { span, .. }
            | ParseError::BadAggregate { span, .. }
            | ParseError::Duplicate { span, .. }
            | ParseError::Internal { span, .. } => *span,
        }
    }
}
