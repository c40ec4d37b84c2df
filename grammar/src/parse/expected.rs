//! pest's failures to [`ParseError`]s with human words.
//!
//! pest reports the furthest position it reached and the rules it tried there
//! (`ErrorVariant::ParsingError { positives, .. }`). Each rule gets a name a drafter
//! understands ("an expression", "a type such as `元/月`", "`}`"); rules that only group others
//! have none. A keyword where a name was expected becomes [`ParseError::KeywordAsName`]; pest's
//! stack and call limits become [`ParseError::TooComplex`].

use pest::error::{Error, ErrorVariant, InputLocation};

use super::{ITEM_KEYWORDS, Rule};
use crate::error::ParseError;
use crate::span::{SourceId, Span};

/// The reserved words (docs/language.md, "Lexical matters").
pub const KEYWORDS: [&str; 39] = [
    "param",
    "enum",
    "jurisdictions",
    "household",
    "person",
    "case",
    "output",
    "report",
    "test",
    "set",
    "by",
    "from",
    "require",
    "if",
    "else",
    "match",
    "and",
    "or",
    "not",
    "in",
    "where",
    "members",
    "true",
    "false",
    "as",
    "as_of",
    "expect",
    "error",
    "rejected",
    "for",
    "key",
    "county",
    "元",
    "yuan",
    "ratio",
    "int",
    "bool",
    "date",
    "text",
];

/// Converts a pest error on `text` (the text pest saw).
pub(super) fn convert(source: SourceId, text: &str, error: &Error<Rule>) -> ParseError {
    let position = match error.location {
        InputLocation::Pos(position) => position,
        InputLocation::Span((start, _)) => start,
    };
    let (found, length) = token_at(text, position);
    let mut span = Span::new(source, position, position + length);
    let positives = match &error.variant {
        ErrorVariant::CustomError { .. } => return ParseError::TooComplex { span },
        ErrorVariant::ParsingError { positives, .. } => positives,
    };
    if let Some(keyword) = found.keyword()
        && positives.iter().any(|&rule| expects_name(rule))
    {
        return ParseError::KeywordAsName { keyword: keyword.to_string(), span };
    }
    if matches!(found, Found::End) {
        // Point at the end of the last token rather than past the last line.
        let end = text.trim_end_matches(crate::lex::is_blank_or_newline).len();
        span = Span::new(source, end, end);
    }
    let starts_line = text.get(..position).is_some_and(|before| {
        before.rsplit('\n').next().is_some_and(|line| line.chars().all(crate::lex::is_blank_or_newline))
    });
    let ends_declaration = matches!(found, Found::End)
        || matches!(found, Found::Word(word) if starts_line && ITEM_KEYWORDS.contains(&word));
    if ends_declaration
        && positives.iter().any(|&rule| rule_name(rule) == Some("an expression"))
        && let Some((start, operator)) = operator_before(text, position)
    {
        let next = if matches!(found, Found::End) {
            "the file ends after it".to_string()
        } else {
            format!("the next line starting with `{}` begins a new declaration", found.describe().trim_matches('`'))
        };
        return ParseError::DanglingOperator {
            operator: operator.to_string(),
            help: format!("write the value after `{operator}` on the same line, or remove the operator ({next})"),
            span: Span::new(source, start, start + operator.len()),
        };
    }
    let help = help_for(positives, &found, starts_line);
    ParseError::Unexpected { expected: expected_names(positives, &found), found: found.describe(), help, span }
}

/// The operator that ends the code before `position` (comments and blank lines skipped), with
/// its byte offset, if the code ends with one.
fn operator_before(text: &str, position: usize) -> Option<(usize, &str)> {
    // Longer operators first: `<=` also ends with `=`.
    const OPERATORS: [&str; 16] =
        ["==", "!=", "<=", ">=", "=>", "=", "<", ">", "+", "-", "*", "/", "and", "or", "not", "in"];
    let before = text.get(..position)?;
    let mut line_end = before.len();
    for line in before.rsplit('\n') {
        let line_start = line_end - line.len();
        // The code of the line: up to a `//` comment (lines with `//` inside a string are rare
        // enough here that a wrong guess only loses this better message).
        let code = line.find("//").map_or(line, |comment| line.get(..comment).unwrap_or(line)).trim_end();
        line_end = line_start.saturating_sub(1);
        if code.is_empty() {
            continue;
        }
        let operator = OPERATORS.iter().find(|operator| {
            let Some(rest) = code.strip_suffix(**operator) else { return false };
            // A word operator is a whole word (`main` does not end with `in`).
            !operator.chars().all(char::is_alphabetic)
                || rest.chars().next_back().is_none_or(|c| !c.is_alphanumeric() && c != '_')
        })?;
        return Some((line_start + code.len() - operator.len(), operator));
    }
    None
}

/// What was expected, in words: the most useful first, without the noise of optional commas.
fn expected_names(positives: &[Rule], found: &Found<'_>) -> String {
    if matches!(found, Found::End) && positives.contains(&Rule::rbrace) {
        return "`}`".into();
    }
    let operators = positives.iter().any(|&rule| rule_name(rule) == Some("an operator"));
    let mut ranked: Vec<(u8, &str)> = Vec::new();
    for &rule in positives {
        // Optional commas, and what may follow a name or number (a call's `(`, a unit), are
        // not what the writer missed when an operator or a declaration would also do.
        let follows_operand = matches!(rule, Rule::lparen | Rule::money_type | Rule::percent);
        let noise = (rule == Rule::comma && positives.len() > 1) || (follows_operand && operators);
        let Some(name) = rule_name(rule).filter(|_| !noise) else { continue };
        if ranked.iter().all(|&(_, seen)| seen != name) {
            let rank = match rule {
                Rule::EOI => 3,
                Rule::item => 2,
                _ if name == "an operator" => 1,
                _ => 0,
            };
            ranked.push((rank, name));
        }
    }
    ranked.sort_by_key(|&(rank, _)| rank);
    let names: Vec<&str> = ranked.into_iter().map(|(_, name)| name).collect();
    join(&names)
}

/// What is at the error position.
enum Found<'t> {
    /// The end of the file.
    End,
    /// A word (name, keyword or number).
    Word(&'t str),
    /// A string literal.
    Text,
    /// Punctuation.
    Symbol(&'t str),
}

impl Found<'_> {
    /// In words, for the message.
    fn describe(&self) -> String {
        match self {
            Found::End => "end of file".into(),
            Found::Word(word) | Found::Symbol(word) => format!("`{word}`"),
            Found::Text => "a string".into(),
        }
    }

    /// The keyword, if it is one.
    fn keyword(&self) -> Option<&str> {
        match self {
            Found::Word(word) => KEYWORDS.iter().find(|keyword| *keyword == word).copied(),
            _ => None,
        }
    }
}

/// The token starting at `position` and its length in bytes.
fn token_at(text: &str, position: usize) -> (Found<'_>, usize) {
    let rest = text.get(position..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return (Found::End, 0);
    };
    if first == '"' {
        let length = rest.get(1..).and_then(|body| body.find(['"', '\n'])).map_or(rest.len(), |end| end + 2);
        return (Found::Text, length.min(rest.len()));
    }
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    if word_char(first) {
        let length = rest.find(|c: char| !word_char(c) && c != '.').unwrap_or(rest.len());
        let word = rest.get(..length).unwrap_or("");
        // A dotted name is one token, but a keyword is reported alone.
        let word = word.split('.').next().filter(|part| !part.is_empty()).unwrap_or(word);
        return (Found::Word(word), word.len());
    }
    let two = rest.get(..2).filter(|pair| ["==", "!=", "<=", ">=", "=>", ".."].contains(pair));
    let symbol = two.unwrap_or_else(|| rest.get(..first.len_utf8()).unwrap_or(""));
    (Found::Symbol(symbol), symbol.len())
}

/// Rules whose first token is a name: a keyword there was meant as a name.
fn expects_name(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::ident
            | Rule::column_name
            | Rule::param_name
            | Rule::column
            | Rule::entity_entry
            | Rule::field
            | Rule::output_column
            | Rule::expect_value
    )
}

/// A rule in words, or `None` for rules that are never reported alone.
fn rule_name(rule: Rule) -> Option<&'static str> {
    use Rule as R;
    Some(match rule {
        R::EOI => "end of file",
        R::item | R::enum_decl | R::jurisdictions_decl | R::entity_decl | R::param_decl | R::output_decl => {
            "a declaration (`param`, `household`, `enum`, `test` ...)"
        }
        R::report_decl | R::test_decl | R::rule_decl => "a declaration (`param`, `household`, `enum`, `test` ...)",
        R::program_decl | R::visit_decl | R::currency_decl => {
            "a declaration (`param`, `household`, `enum`, `test` ...)"
        }
        R::entity_entry => "a column, `require` or `role`",
        R::roles_decl => "`role`",
        R::role_item => "a role name such as `child`",
        R::column => "a column such as `name: text`",
        R::column_type => "a column type such as `int`, `元/月` or `key`",
        R::int_type => "`int`",
        R::int_range => "a range such as `0..4`",
        R::signed_int | R::uint | R::pat_number => "a whole number",
        R::require => "`require`",
        R::param_name => "a parameter name",
        R::param_entry => "`set by`, `= VALUE`, `from DATE = VALUE` or `require`",
        R::set_by => "`set by`",
        R::dated_value => "`= VALUE`",
        R::rule_versions => "`{ from DATE = VALUE ... }`",
        R::not_in_force | R::kw_none => "`none`",
        R::output_column | R::column_name => "a column name",
        R::report_entry => "a report line (`by`, `count`, `sum`, `budget` or `rate`)",
        R::report_by => "`by`",
        R::report_count => "`count`",
        R::report_sum => "`sum`",
        R::report_budget => "`budget`",
        R::report_rate => "`rate`",
        R::test_entry => "`as_of`, a record such as `person { ... }` or `expect`",
        R::as_of_entry => "`as_of`",
        R::record => "a record such as `person { ... }`",
        R::field => "a field such as `name: VALUE`",
        R::expect => "`expect`",
        R::expect_rejected | R::expect_error | R::expect_value | R::expect_target => {
            "what to expect: `NAME = VALUE`, `person N NAME = VALUE`, `rejected` or `error`"
        }
        R::type_expr => "a type such as `元/月`, `ratio` or `int`",
        R::money_type => "a unit such as `元/月`",
        R::currency_code => "a currency code such as `EUR`",
        R::kw_currency => "`currency`",
        R::kw_precision => "`precision`",
        R::kw_scale | R::scale_type => "`scale(THRESHOLD TYPE, VALUE TYPE)`",
        R::scale_lit => "brackets such as `[0: 3%, 12000: 10%]`",
        R::scale_bracket => "a bracket such as `12000: 10%`",
        R::expr | R::primary | R::prefix_op | R::range_bound => "an expression",
        R::infix_op | R::postfix_op | R::as_suffix | R::in_suffix => "an operator",
        R::op_not | R::op_neg | R::op_or | R::op_and | R::op_eq | R::op_ne | R::op_le | R::op_ge => "an operator",
        R::op_lt | R::op_gt | R::op_add | R::op_sub | R::op_mul | R::op_div => "an operator",
        R::in_range => "a range such as `1..3`",
        R::in_list => "a list such as `[a, b]`",
        R::paren | R::lparen => "`(`",
        R::if_expr | R::kw_if => "`if`",
        R::else_if | R::kw_else => "`else`",
        R::block | R::lbrace => "`{`",
        R::match_expr | R::kw_match => "`match`",
        R::arm | R::pattern | R::wildcard => "a pattern such as `none`, `3`, `70..79` or `_`",
        R::aggregate | R::call => "a call",
        R::path | R::ident => "a name",
        R::date => "a date such as `2019-05-01`",
        R::period_lit => "a period such as `2017-01` or `2017`",
        R::month_lit => "a month such as `2017-01`",
        R::year_lit => "a year such as `2017`",
        R::per_clause | R::column_per | R::kw_per => "`per month` or `per year`",
        R::kw_month => "`month`",
        R::kw_year => "`year`",
        R::number | R::decimal => "a number",
        R::percent => "`%`",
        R::string | R::string_body => "a string such as `\"...\"`",
        R::rbrace => "`}`",
        R::rparen => "`)`",
        R::lbracket => "`[`",
        R::rbracket => "`]`",
        R::comma => "`,`",
        R::colon => "`:`",
        R::eq_sign => "`=`",
        R::arrow => "`=>`",
        R::dotdot => "`..`",
        R::slash => "`/`",
        R::kw_param => "`param`",
        R::kw_enum => "`enum`",
        R::kw_jurisdictions => "`jurisdictions`",
        R::kw_household => "`household`",
        R::kw_person => "`person`",
        R::kw_case => "`case`",
        R::kw_output => "`output`",
        R::kw_report => "`report`",
        R::kw_test => "`test`",
        R::kw_set => "`set`",
        R::kw_by => "`by`",
        R::kw_from => "`from`",
        R::kw_require => "`require`",
        R::kw_in => "`in`",
        R::kw_where => "`where`",
        R::kw_members => "`members`",
        R::kw_true => "`true`",
        R::kw_false => "`false`",
        R::kw_as => "`as`",
        R::kw_as_of => "`as_of`",
        R::kw_expect => "`expect`",
        R::kw_error => "`error`",
        R::kw_rejected => "`rejected`",
        R::kw_for => "`for`",
        R::kw_key => "`key`",
        R::kw_county => "`county`",
        R::kw_ratio => "`ratio`",
        R::kw_int => "`int`",
        R::kw_bool => "`bool`",
        R::kw_date => "`date`",
        R::kw_text => "`text`",
        R::kw_city => "`city`",
        R::kw_province => "`province`",
        R::kw_count => "`count`",
        R::kw_sum => "`sum`",
        R::kw_budget => "`budget`",
        R::kw_rate => "`rate`",
        R::kw_below => "`below`",
        R::kw_program => "`program`",
        R::kw_visit => "`visit`",
        R::reform_decl | R::kw_reform => "`reform`",
        R::kw_of => "`of`",
        R::replace_decl | R::kw_replace => "`replace`",
        R::remove_decl | R::kw_remove => "`remove`",
        R::kw_instead => "`instead`",
        R::kw_role => "`role`",
        R::kw_tolerance => "`tolerance`",
        R::tolerance_entry => "`tolerance`",
        R::plus_minus => "`±`",
        R::kw_at => "`at`",
        R::kw_most => "`most`",
        R::file | R::keyword | R::WHITESPACE | R::COMMENT => return None,
        R::entity_kw | R::level | R::report_level | R::column_list | R::report_start => return None,
    })
}

/// "a", "a or b", "a, b or c".
fn join(names: &[&str]) -> String {
    match names {
        [] => "something else".into(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A help line for what was expected and found; `starts_line` when the unexpected token is the
/// first of its line.
fn help_for(positives: &[Rule], found: &Found<'_>, starts_line: bool) -> String {
    let expects = |rule: Rule| positives.contains(&rule);
    if let Some(help) = full_width_help(found) {
        return help;
    }
    if let Found::Word(word) = found
        && starts_line
        && !expects(Rule::item)
        && ITEM_KEYWORDS.contains(word)
    {
        return "the declaration before this line is not complete: finish it before starting a new one".into();
    }
    if let Some(keyword) = found.keyword() {
        return format!(
            "`{keyword}` is a reserved word and cannot appear here; see docs/language.md for where it belongs"
        );
    }
    if expects(Rule::rbrace) && matches!(found, Found::End) {
        return "a `{` block is not closed: add `}` at its end".into();
    }
    if expects(Rule::kw_province) || expects(Rule::kw_city) {
        return "write who may set the value: `set by city`, `set by city, county` or `set by province` (the default)"
            .into();
    }
    if expects(Rule::arrow) {
        return "a `match` arm is written `PATTERN => VALUE`".into();
    }
    if expects(Rule::rparen) && !expects(Rule::rbrace) {
        return "close the parenthesis with `)`, or separate arguments with `,`".into();
    }
    if expects(Rule::infix_op) && !starts_line {
        return "two values must be joined by an operator such as `+` or `and`; a new entry starts on its own \
                line or after a comma"
            .into();
    }
    if expects(Rule::item) {
        return "a declaration starts with `param`, `enum`, `jurisdictions`, `household`, `person`, `case`, \
                `output`, `report` or `test`; entries inside `{ }` are separated by newlines or commas"
            .into();
    }
    if expects(Rule::date) {
        return "write dates as `YYYY-MM-DD`, e.g. `2019-05-01`".into();
    }
    if expects(Rule::type_expr) || expects(Rule::column_type) {
        return "the types are `元`, `元/月`, `元/年`, `ratio`, `int`, `bool`, `date`, `text` and enum names; \
                columns may also be `key`, `county`, `household` or `city`"
            .into();
    }
    if expects(Rule::pattern) || expects(Rule::arm) {
        return "a `match` arm is `PATTERN => VALUE`; a pattern is a variant, a whole number, a range such as \
                `70..79` or `100..`, or `_`"
            .into();
    }
    if expects(Rule::expr) || expects(Rule::primary) {
        return "write a value here: a number such as `80 元/月`, a name, a call, or an expression in parentheses"
            .into();
    }
    if expects(Rule::colon) && expects(Rule::eq_sign) {
        return "a rule is `ENTITY NAME[: TYPE] = VALUE`; versions by date need the type written: \
                `ENTITY NAME: TYPE { from DATE = VALUE … }`"
            .into();
    }
    "see docs/language.md for the syntax of this construct".into()
}

/// Help for full-width punctuation and the `×` `÷` signs, easily typed with a Chinese input
/// method.
fn full_width_help(found: &Found<'_>) -> Option<String> {
    let Found::Symbol(symbol) = found else { return None };
    let ascii = match *symbol {
        "×" => "*",
        "÷" => "/",
        "（" => "(",
        "）" => ")",
        "，" => ",",
        "：" => ":",
        "＝" => "=",
        "＋" => "+",
        "－" => "-",
        "＜" => "<",
        "＞" => ">",
        "“" | "”" => "\"",
        "｛" => "{",
        "｝" => "}",
        "［" => "[",
        "］" => "]",
        _ => return None,
    };
    Some(format!("write `{ascii}` instead of `{symbol}`: operators and punctuation are ASCII (half-width) characters"))
}
