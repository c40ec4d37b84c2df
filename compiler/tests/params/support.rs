//! Test support: a program's parameters read from a small `.pol` text, the jurisdictions of the
//! spec, loading TOML files as sources, and rendering diagnostics for snapshots.
//!
//! The parameters are read by a tiny reader for `param` blocks only (the checker builds them in
//! the real pipeline): `set by`, `= EXPR`, `from DATE = EXPR` and `require EXPR "rule"`, where an
//! expression is numbers (`12%`, `1.08`, `3100`), dates, `true`/`false`, parameter names,
//! `last_year(p)`, `province(p)`, `* + -`, comparisons, `and`, `or` and parentheses. A number
//! takes the type its context requires, as in the language. Every node keeps its span in the
//! `.pol` text, so diagnostics about province values point at the right place.

use pol_compiler::diagnostic::{Diagnostic, SourceKind, Sources, render_plain};
use pol_compiler::jurisdictions::{County, JurisdictionTable};
use pol_compiler::params::{self, ParamSet};
use pol_compiler::text::{TextHandle, TextOrigin};
use pol_compiler::tir::{
    Attr, BinOp, Constraint, EntitySchema, Expr, ExprKind, JurisdictionSchema, ParamDef, ParamId, Program, RATIO_SCALE,
    Ty, Word,
};
use pol_grammar::ast::{EntityKind, Level, Period};
use pol_grammar::{SourceId, Span};

/// A policy's parameters, the jurisdictions and the sources read so far.
pub struct World {
    pub sources: Sources,
    pub program: Program,
    pub jurisdictions: JurisdictionTable,
}

/// The Shaanxi parameters of `fixtures/shaanxi_params.pol`.
pub fn shaanxi() -> World {
    World::new("2019/params.pol", include_str!("fixtures/shaanxi_params.pol"))
}

/// The good local files, one per city and per county that sets its own values.
pub const GOOD_FILES: &[(&str, &str)] = &[
    ("params/610100_xian.toml", include_str!("fixtures/good/610100_xian.toml")),
    ("params/610200_tongchuan.toml", include_str!("fixtures/good/610200_tongchuan.toml")),
    ("params/610300_baoji.toml", include_str!("fixtures/good/610300_baoji.toml")),
    ("params/610400_xianyang.toml", include_str!("fixtures/good/610400_xianyang.toml")),
    ("params/610500_weinan.toml", include_str!("fixtures/good/610500_weinan.toml")),
    ("params/610600_yanan.toml", include_str!("fixtures/good/610600_yanan.toml")),
    ("params/610700_hanzhong.toml", include_str!("fixtures/good/610700_hanzhong.toml")),
    ("params/610800_yulin.toml", include_str!("fixtures/good/610800_yulin.toml")),
    ("params/610900_ankang.toml", include_str!("fixtures/good/610900_ankang.toml")),
    ("params/611000_shangluo.toml", include_str!("fixtures/good/611000_shangluo.toml")),
    ("params/610403_yangling.toml", include_str!("fixtures/good/610403_yangling.toml")),
    ("params/610581_hancheng.toml", include_str!("fixtures/good/610581_hancheng.toml")),
    ("params/610881_shenmu.toml", include_str!("fixtures/good/610881_shenmu.toml")),
    ("params/610822_fugu.toml", include_str!("fixtures/good/610822_fugu.toml")),
];

impl World {
    /// A world whose program has the parameters of a `.pol` text.
    pub fn new(name: &str, pol: &str) -> World {
        let mut sources = Sources::default();
        let source = sources.add(name, pol, SourceKind::Pol);
        let params = read_params(pol, source);
        World { sources, program: program(params), jurisdictions: jurisdictions() }
    }

    /// A world whose program is the real parser's and checker's for a `.pol` text (with the
    /// same hand-made jurisdictions: the text declares none).
    pub fn checked(name: &str, pol: &str) -> Result<World, String> {
        let mut sources = Sources::default();
        let source = sources.add(name, pol, SourceKind::Pol);
        let file = match pol_grammar::parse_file(source, pol) {
            Ok(file) => file,
            Err(errors) => return Err(format!("{} parse errors", errors.len())),
        };
        match pol_compiler::check::ast_to_tir(&[(source, file)], None) {
            Ok((mut program, _)) => {
                program.jurisdiction = jurisdiction_schema();
                Ok(World { sources, program, jurisdictions: jurisdictions() })
            }
            Err(errors) => {
                let rendered: Vec<String> = errors.into_iter().map(|error| render_plain(&sources, error)).collect();
                Err(rendered.join("\n"))
            }
        }
    }

    /// Adds the files as sources and loads them.
    pub fn load(&mut self, files: &[(&str, &str)]) -> Result<ParamSet, Vec<Diagnostic>> {
        let ids: Vec<(SourceId, &str)> =
            files.iter().map(|(name, text)| (self.sources.add(*name, *text, SourceKind::Params), *text)).collect();
        params::load(&self.program, &self.jurisdictions, &ids)
    }

    /// Loads files that must be accepted.
    pub fn load_ok(&mut self, files: &[(&str, &str)]) -> ParamSet {
        match self.load(files) {
            Ok(set) => set,
            Err(errors) => panic!("expected no error, got:\n{}", self.render(errors)),
        }
    }

    /// Loads files that must be rejected; returns their diagnostics.
    pub fn load_err(&mut self, files: &[(&str, &str)]) -> Vec<Diagnostic> {
        match self.load(files) {
            Ok(_) => panic!("expected errors, the files were accepted"),
            Err(errors) => errors,
        }
    }

    /// Every diagnostic rendered as plain text, one after the other.
    pub fn render(&self, diagnostics: Vec<Diagnostic>) -> String {
        diagnostics.into_iter().map(|diagnostic| render_plain(&self.sources, diagnostic)).collect::<Vec<_>>().join("\n")
    }

    /// The snapshot of a load: the input files, then every diagnostic rendered.
    pub fn snapshot(&mut self, files: &[(&str, &str)]) -> String {
        let errors = self.load_err(files);
        let mut out = String::new();
        for (name, text) in files {
            out.push_str(&format!("--- {name}\n{text}"));
            if !text.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str("=== diagnostics\n");
        out.push_str(&self.render(errors));
        out
    }

    /// A parameter's id by name.
    pub fn param(&self, name: &str) -> ParamId {
        let index = self.program.params.iter().position(|param| param.name == name);
        ParamId(index.unwrap_or_else(|| panic!("no parameter `{name}`")) as u32)
    }

    /// `(line, column)` of a diagnostic's primary label.
    pub fn line_of(&self, diagnostic: &Diagnostic) -> usize {
        let source = diagnostic.source.unwrap_or_else(|| panic!("diagnostic without a file"));
        self.sources.line_col(source, diagnostic.offset).0
    }

    /// The name of the file a diagnostic points into.
    pub fn file_of(&self, diagnostic: &Diagnostic) -> String {
        diagnostic.source.and_then(|source| self.sources.get(source)).map_or_else(String::new, |file| file.name.clone())
    }
}

/// A day number.
pub fn day(text: &str) -> Word {
    pol_compiler::date::parse_iso(text).unwrap_or_else(|| panic!("not a date: {text}"))
}

/// Yuan to fen.
pub fn yuan(amount: &str) -> Word {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let fraction = format!("{fraction:0<2}");
    whole.parse::<Word>().unwrap_or(0) * 100 + fraction.parse::<Word>().unwrap_or(0)
}

/// A percentage to a ratio word.
pub fn percent(value: Word) -> Word {
    value * RATIO_SCALE / 100
}

/// Some counties of the spec's `jurisdictions.csv`, with two attributes: `county_code` (text)
/// and `deep_poverty` (bool).
pub fn jurisdictions() -> JurisdictionTable {
    let rows = [
        ("610102", "610100", false),
        ("610202", "610200", false),
        ("610302", "610300", false),
        ("610402", "610400", false),
        ("610403", "610400", false),
        ("610502", "610500", false),
        ("610581", "610500", false),
        ("610602", "610600", false),
        ("610702", "610700", false),
        ("610802", "610800", false),
        ("610822", "610800", false),
        ("610881", "610800", false),
        ("610902", "610900", true),
        ("611002", "611000", false),
    ];
    let mut table = JurisdictionTable::default();
    for (index, (code, city, deep_poverty)) in rows.into_iter().enumerate() {
        table.texts.push(code.to_string());
        let handle = TextHandle::new(TextOrigin::Jurisdiction, index as u32).to_word();
        table.counties.push(County {
            code: code.into(),
            city: city.into(),
            attrs: vec![handle, Word::from(deep_poverty)],
            line: index + 2,
        });
    }
    table
}

/// The schema of [`jurisdictions`].
fn jurisdiction_schema() -> JurisdictionSchema {
    let attr = |name: &str, ty| Attr { name: name.into(), ty, span: Span::default() };
    JurisdictionSchema {
        key: Some("county_code".into()),
        city: Some("city_code".into()),
        attrs: vec![attr("county_code", Ty::Text), attr("deep_poverty", Ty::Bool)],
    }
}

fn program(params: Vec<ParamDef>) -> Program {
    let schema = |kind| EntitySchema {
        kind,
        columns: Vec::new(),
        key: None,
        household_ref: None,
        county: None,
        declared: false,
    };
    Program {
        enums: Vec::new(),
        jurisdiction: jurisdiction_schema(),
        household: schema(EntityKind::Household),
        person: schema(EntityKind::Person),
        case: schema(EntityKind::Case),
        params,
        rules: Vec::new(),
        order: Vec::new(),
        outputs: Vec::new(),
        report: None,
        tests: Vec::new(),
        texts: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The `param` reader.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Number(String),
    Date(Word),
    Text(String),
    Symbol(&'static str),
}

fn tokens(text: &str) -> Vec<(Token, usize, usize)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |(offset, _)| *offset);
    while let Some(&(start, c)) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if text[start..].starts_with("//") {
            while chars.get(i).is_some_and(|(_, c)| *c != '\n') {
                i += 1;
            }
        } else if c == '"' {
            let mut j = i + 1;
            while chars.get(j).is_some_and(|(_, c)| *c != '"') {
                j += 1;
            }
            out.push((Token::Text(text[start + 1..end_of(j)].to_string()), start, end_of(j + 1)));
            i = j + 1;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while chars.get(j).is_some_and(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '-' | '%')) {
                j += 1;
            }
            let word = &text[start..end_of(j)];
            let token = match pol_compiler::date::parse_iso(word) {
                Some(day) => Token::Date(day),
                None => Token::Number(word.to_string()),
            };
            out.push((token, start, end_of(j)));
            i = j;
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i;
            while chars.get(j).is_some_and(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '.')) {
                j += 1;
            }
            let word = &text[start..end_of(j)];
            // `元/年`, `元/月`: a unit is one name.
            let (word, j) = if word == "元" && chars.get(j).is_some_and(|(_, c)| *c == '/') {
                (&text[start..end_of(j + 2)], j + 2)
            } else {
                (word, j)
            };
            out.push((Token::Name(word.to_string()), start, end_of(j)));
            i = j;
        } else {
            let two = text.get(start..start + 2).unwrap_or("");
            let symbol = [">=", "<=", "==", "!="].into_iter().find(|symbol| *symbol == two);
            let symbol = symbol.or_else(|| {
                ["{", "}", "(", ")", ":", ",", "=", "*", "+", "-", ">", "<"]
                    .into_iter()
                    .find(|symbol| text[start..].starts_with(*symbol))
            });
            let symbol = symbol.unwrap_or_else(|| panic!("unexpected `{c}` at {start}"));
            out.push((Token::Symbol(symbol), start, start + symbol.len()));
            i += symbol.chars().count();
        }
    }
    out
}

/// An untyped expression.
#[derive(Debug, Clone)]
enum Raw {
    Number(String, Span),
    Date(Word, Span),
    Bool(bool, Span),
    Name(String, Span),
    Call(String, String, Span),
    Binary(&'static str, Box<Raw>, Box<Raw>, Span),
}

impl Raw {
    fn span(&self) -> Span {
        match self {
            Raw::Number(_, span)
            | Raw::Date(_, span)
            | Raw::Bool(_, span)
            | Raw::Name(_, span)
            | Raw::Call(_, _, span)
            | Raw::Binary(_, _, _, span) => *span,
        }
    }
}

struct Parser {
    tokens: Vec<(Token, usize, usize)>,
    at: usize,
    source: SourceId,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(token, _, _)| token)
    }

    fn next(&mut self) -> (Token, Span) {
        let (token, start, end) = self.tokens.get(self.at).cloned().unwrap_or_else(|| panic!("unexpected end"));
        self.at += 1;
        (token, Span::new(self.source, start, end))
    }

    fn expect(&mut self, symbol: &str) -> Span {
        match self.next() {
            (Token::Symbol(found), span) if found == symbol => span,
            other => panic!("expected `{symbol}`, found {other:?}"),
        }
    }

    fn name(&mut self) -> (String, Span) {
        match self.next() {
            (Token::Name(name), span) => (name, span),
            other => panic!("expected a name, found {other:?}"),
        }
    }

    fn is_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Token::Symbol(found)) if *found == symbol)
    }

    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(found)) if found == name)
    }

    fn expr(&mut self) -> Raw {
        self.binary_level(0)
    }

    fn binary_level(&mut self, level: usize) -> Raw {
        const LEVELS: [&[&str]; 5] = [&["or"], &["and"], &[">=", "<=", ">", "<", "==", "!="], &["+", "-"], &["*"]];
        let Some(operators) = LEVELS.get(level) else { return self.atom() };
        let mut left = self.binary_level(level + 1);
        loop {
            let operator = match self.peek() {
                Some(Token::Symbol(symbol)) if operators.contains(symbol) => *symbol,
                Some(Token::Name(name)) if operators.contains(&name.as_str()) => {
                    if name == "and" {
                        "and"
                    } else {
                        "or"
                    }
                }
                _ => return left,
            };
            self.next();
            let right = self.binary_level(level + 1);
            let span = left.span().to(right.span());
            left = Raw::Binary(operator, Box::new(left), Box::new(right), span);
        }
    }

    fn atom(&mut self) -> Raw {
        match self.next() {
            (Token::Number(number), span) => Raw::Number(number, span),
            (Token::Date(day), span) => Raw::Date(day, span),
            (Token::Symbol("("), _) => {
                let inner = self.expr();
                self.expect(")");
                inner
            }
            (Token::Name(name), span) if name == "true" || name == "false" => Raw::Bool(name == "true", span),
            (Token::Name(name), span) if self.is_symbol("(") => {
                self.expect("(");
                let (argument, _) = self.name();
                let end = self.expect(")");
                Raw::Call(name, argument, span.to(end))
            }
            (Token::Name(name), span) => Raw::Name(name, span),
            other => panic!("unexpected {other:?} in an expression"),
        }
    }
}

fn type_of(text: &str) -> Ty {
    match text {
        "元/年" => Ty::Money(Period::Year),
        "元/月" => Ty::Money(Period::Month),
        "元" => Ty::Money(Period::Lump),
        "ratio" => Ty::Ratio,
        "int" => Ty::Int,
        "bool" => Ty::Bool,
        "date" => Ty::Date,
        other => panic!("unknown type {other}"),
    }
}

/// Reads every `param` block of a `.pol` text.
fn read_params(text: &str, source: SourceId) -> Vec<ParamDef> {
    let mut parser = Parser { tokens: tokens(text), at: 0, source };
    // First the names and types, so that expressions can refer to any parameter.
    let mut declared: Vec<(String, Ty)> = Vec::new();
    let mut blocks = Vec::new();
    while parser.peek().is_some() {
        let (keyword, start) = parser.name();
        assert_eq!(keyword, "param");
        let (name, _) = parser.name();
        parser.expect(":");
        let (ty, _) = parser.name();
        parser.expect("{");
        let body_start = parser.at;
        let mut depth = 1;
        while depth > 0 {
            match parser.next().0 {
                Token::Symbol("{") => depth += 1,
                Token::Symbol("}") => depth -= 1,
                _ => {}
            }
        }
        declared.push((name, type_of(&ty)));
        blocks.push((start, body_start, parser.at));
    }
    let mut params = Vec::new();
    for ((name, ty), (start, body_start, end)) in declared.iter().zip(blocks) {
        let mut def = ParamDef {
            name: name.clone(),
            ty: *ty,
            set_by: Vec::new(),
            values: Vec::new(),
            requires: Vec::new(),
            doc: Vec::new(),
            span: start,
        };
        let (_, _, end_offset) = parser.tokens[end - 1];
        def.span = start.to(Span::new(source, end_offset - 1, end_offset));
        parser.at = body_start;
        while parser.at < end - 1 {
            if parser.is_name("set") {
                parser.next();
                parser.name();
                loop {
                    match parser.name().0.as_str() {
                        "province" => def.set_by.push(Level::Province),
                        "city" => def.set_by.push(Level::City),
                        "county" => def.set_by.push(Level::County),
                        other => panic!("unknown level {other}"),
                    }
                    if !parser.is_symbol(",") {
                        break;
                    }
                    parser.next();
                }
                def.set_by.retain(|level| *level != Level::Province);
            } else if parser.is_symbol("=") {
                parser.next();
                let raw = parser.expr();
                def.values.push((None, typed(&raw, Some(*ty), &declared)));
            } else if parser.is_name("from") {
                parser.next();
                let (Token::Date(from), _) = parser.next() else { panic!("expected a date") };
                parser.expect("=");
                let raw = parser.expr();
                def.values.push((Some(from), typed(&raw, Some(*ty), &declared)));
            } else if parser.is_name("require") {
                let (_, start) = parser.next();
                let raw = parser.expr();
                let mut span = start.to(raw.span());
                let message = match parser.peek() {
                    Some(Token::Text(_)) => match parser.next() {
                        (Token::Text(message), end) => {
                            span = span.to(end);
                            Some(message)
                        }
                        _ => None,
                    },
                    _ => None,
                };
                def.requires.push(Constraint { cond: typed(&raw, Some(Ty::Bool), &declared), message, span });
            } else {
                panic!("unexpected {:?} in param `{name}`", parser.peek());
            }
        }
        params.push(def);
    }
    params
}

fn param_id(name: &str, declared: &[(String, Ty)]) -> (ParamId, Ty) {
    let index = declared.iter().position(|(declared, _)| declared == name).unwrap_or_else(|| panic!("no param {name}"));
    (ParamId(index as u32), declared[index].1)
}

fn is_literal(raw: &Raw) -> bool {
    matches!(raw, Raw::Number(..))
}

/// Types an expression; a number takes the type `expected` (or its own: `%` is a ratio, a
/// decimal a ratio, else an int).
fn typed(raw: &Raw, expected: Option<Ty>, declared: &[(String, Ty)]) -> Expr {
    let expr = |kind, ty, span| Expr { kind, ty, span };
    match raw {
        Raw::Number(text, span) => {
            let (digits, is_percent) = match text.strip_suffix('%') {
                Some(digits) => (digits, true),
                None => (text.as_str(), false),
            };
            let ty = if is_percent {
                Ty::Ratio
            } else {
                expected.unwrap_or(if digits.contains('.') { Ty::Ratio } else { Ty::Int })
            };
            let scale = match ty {
                Ty::Money(_) => 2,
                Ty::Ratio if is_percent => 7,
                Ty::Ratio => 9,
                _ => 0,
            };
            let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
            let fraction = format!("{fraction:0<scale$}");
            let word =
                whole.parse::<Word>().unwrap_or(0) * 10i64.pow(scale as u32) + fraction.parse::<Word>().unwrap_or(0);
            expr(ExprKind::Const(word), ty, *span)
        }
        Raw::Date(day, span) => expr(ExprKind::Const(*day), Ty::Date, *span),
        Raw::Bool(flag, span) => expr(ExprKind::Const(Word::from(*flag)), Ty::Bool, *span),
        Raw::Name(name, span) => {
            let (id, ty) = param_id(name, declared);
            expr(ExprKind::Param(id), ty, *span)
        }
        Raw::Call(function, argument, span) => {
            let (id, ty) = param_id(argument, declared);
            let kind = match function.as_str() {
                "last_year" => ExprKind::LastYear(id),
                "province" => ExprKind::Province(id),
                other => panic!("unknown function {other}"),
            };
            expr(kind, ty, *span)
        }
        Raw::Binary(operator, left, right, span) => {
            // Type the side that is not a bare number first; the number follows it.
            let (left, right) = if is_literal(left) && !is_literal(right) {
                let right_typed = typed(right, None, declared);
                let left_expected = match (*operator, right_typed.ty) {
                    ("*", Ty::Money(_)) => Ty::Ratio,
                    (_, ty) => ty,
                };
                (typed(left, Some(left_expected), declared), right_typed)
            } else {
                let left_expected = if matches!(*operator, "and" | "or") { Some(Ty::Bool) } else { None };
                let left_typed = typed(left, left_expected, declared);
                let right_expected = match (*operator, left_typed.ty) {
                    ("*", Ty::Money(_)) => Ty::Ratio,
                    (_, ty) => ty,
                };
                (left_typed, typed(right, Some(right_expected), declared))
            };
            let (op, ty) = match *operator {
                "and" => (BinOp::And, Ty::Bool),
                "or" => (BinOp::Or, Ty::Bool),
                ">=" => (BinOp::Ge, Ty::Bool),
                "<=" => (BinOp::Le, Ty::Bool),
                ">" => (BinOp::Gt, Ty::Bool),
                "<" => (BinOp::Lt, Ty::Bool),
                "==" => (BinOp::Eq, Ty::Bool),
                "!=" => (BinOp::Ne, Ty::Bool),
                "+" => (BinOp::Add, left.ty),
                "-" => (BinOp::Sub, left.ty),
                "*" => match (left.ty, right.ty) {
                    (Ty::Money(_), _) => (BinOp::MulScaled, left.ty),
                    (_, Ty::Money(_)) => (BinOp::MulScaled, right.ty),
                    (Ty::Ratio, _) | (_, Ty::Ratio) => (BinOp::MulScaled, Ty::Ratio),
                    _ => (BinOp::Mul, Ty::Int),
                },
                other => panic!("unknown operator {other}"),
            };
            expr(ExprKind::Binary(op, Box::new(left), Box::new(right)), ty, *span)
        }
    }
}
