//! The jurisdictions table: `jurisdictions.csv` text checked against the program's schema.

use crate::diagnostic::Diagnostic;
use crate::text::{TextHandle, TextOrigin};
use crate::tir::{Attr, EnumDef, JurisdictionSchema, Ty, Word};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// Every county of the province with its attributes, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JurisdictionTable {
    /// Counties in file order; a county's index here is its county word.
    pub counties: Vec<County>,
    /// Texts of text attributes; jurisdiction text handles index this table.
    pub texts: Vec<String>,
}

/// One county-level unit.
#[derive(Debug, Clone, PartialEq)]
pub struct County {
    /// Its code (the key column).
    pub code: String,
    /// The code of its city (the city column).
    pub city: String,
    /// One word per attribute of [`crate::tir::JurisdictionSchema::attrs`].
    pub attrs: Vec<Word>,
    /// Its line in `jurisdictions.csv` (the header is line 1).
    pub line: usize,
    /// Where each attribute's cell is in `jurisdictions.csv`, in the order of `attrs`.
    pub cells: Vec<Span>,
}

impl JurisdictionTable {
    /// The index of a county code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.counties.iter().position(|county| county.code == code)
    }

    /// Whether `code` is the code of a city of some county.
    pub fn is_city(&self, code: &str) -> bool {
        self.counties.iter().any(|county| county.city == code)
    }
}

/// A mistake in `jurisdictions.csv`, pointing at its line and field.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum JurisdictionsError {
    /// A CSV was given but the policy has no `jurisdictions` block.
    #[error("jurisdictions.csv is given but the policy declares no `jurisdictions` block")]
    #[diagnostic(
        code("pol::jurisdictions::undeclared"),
        help("declare its columns in a `.pol` file: `jurisdictions {{ county_code: key, city_code: city, … }}`")
    )]
    Undeclared {
        /// The header line.
        #[label("these columns are not declared")]
        span: Span,
    },

    /// The file has no header row.
    #[error("jurisdictions.csv is empty")]
    #[diagnostic(
        code("pol::jurisdictions::empty"),
        help("the first line names the columns, one county per line follows")
    )]
    Empty {
        /// The start of the file.
        #[label("no header row")]
        span: Span,
    },

    /// A declared column is not in the header.
    #[error("jurisdictions.csv has no column `{column}`")]
    #[diagnostic(
        code("pol::jurisdictions::missing_column"),
        help("add the column, or remove it from the `jurisdictions` block")
    )]
    MissingColumn {
        /// The column.
        column: String,
        /// The header line.
        #[label("`{column}` is missing from the header")]
        span: Span,
    },

    /// A header column that is not declared.
    #[error("jurisdictions.csv has an undeclared column `{column}`")]
    #[diagnostic(
        code("pol::jurisdictions::extra_column"),
        help("declare it in the `jurisdictions` block, or remove it from the file")
    )]
    ExtraColumn {
        /// The column.
        column: String,
        /// Its header field.
        #[label("not in the `jurisdictions` block")]
        span: Span,
    },

    /// A header column named twice.
    #[error("jurisdictions.csv names the column `{column}` twice")]
    #[diagnostic(code("pol::jurisdictions::duplicate_column"), help("remove one of them"))]
    DuplicateColumn {
        /// The column.
        column: String,
        /// The second header field.
        #[label("named again here")]
        span: Span,
        /// The first.
        #[label("first here")]
        first: Span,
    },

    /// A line with more or fewer fields than the header.
    #[error("line {line} has {found} fields, the header has {expected}")]
    #[diagnostic(
        code("pol::jurisdictions::field_count"),
        help("every line has one field per header column, separated by commas")
    )]
    FieldCount {
        /// The line number (the header is line 1).
        line: usize,
        /// Fields found.
        found: usize,
        /// Fields in the header.
        expected: usize,
        /// The line.
        #[label("{found} fields")]
        span: Span,
    },

    /// A field that is not a value of its column's type.
    #[error("`{value}` is not a valid `{column}`")]
    #[diagnostic(code("pol::jurisdictions::bad_value"))]
    BadValue {
        /// The column.
        column: String,
        /// The field as written.
        value: String,
        /// The field.
        #[label("expected {expected}")]
        span: Span,
        /// What the column holds.
        expected: String,
        /// Accepted spellings.
        #[help]
        help: Option<String>,
    },

    /// A county code listed twice.
    #[error("county `{code}` is listed twice")]
    #[diagnostic(code("pol::jurisdictions::duplicate_code"), help("each county has one line; remove one of them"))]
    DuplicateCode {
        /// The code.
        code: String,
        /// The second occurrence.
        #[label("listed again here")]
        span: Span,
        /// The first.
        #[label("first listed here, line {first_line}")]
        first: Span,
        /// The first occurrence's line.
        first_line: usize,
    },

    /// A quoted field without its closing quote, or with text after it.
    #[error("badly quoted field on line {line}")]
    #[diagnostic(
        code("pol::jurisdictions::quote"),
        help("a quoted field ends with `\"` right before the next comma; write `\"\"` for a quote inside it")
    )]
    Quote {
        /// The line number.
        line: usize,
        /// The field.
        #[label("quote not closed before the next comma or the end of the line")]
        span: Span,
    },
}

/// One field of a CSV line: its text (quotes removed) and where it is written.
struct Field {
    text: String,
    span: Span,
}

/// Reads `jurisdictions.csv` against the schema of the `jurisdictions` block: the header must
/// name every declared column (in any order) and no other; each line is one county, its key
/// unique. Text values (the key and city columns included) become jurisdiction text handles.
pub fn parse_csv(
    schema: &JurisdictionSchema,
    enums: &[EnumDef],
    source: SourceId,
    text: &str,
) -> Result<JurisdictionTable, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let body_start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut lines = physical_lines(text, body_start);
    let Some((_, header_start, header_text)) = lines.next().filter(|(_, _, line)| !line.trim().is_empty()) else {
        let span = Span::new(source, body_start, body_start);
        return Err(vec![Diagnostic::new(Some(span), JurisdictionsError::Empty { span })]);
    };
    let header_span = Span::new(source, header_start, header_start + header_text.len());
    let header = match split_fields(header_text, header_start, source, 1) {
        Ok(fields) => fields,
        Err(error) => return Err(vec![error]),
    };
    let positions = header_positions(schema, &header, header_span, &mut diags);
    let Some(positions) = positions else { return Err(diags) };
    let mut reader = Reader {
        schema,
        enums,
        table: JurisdictionTable::default(),
        texts: HashMap::new(),
        first_line: HashMap::new(),
    };
    for (line_number, start, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields = match split_fields(line, start, source, line_number) {
            Ok(fields) => fields,
            Err(error) => {
                diags.push(error);
                continue;
            }
        };
        if fields.len() != header.len() {
            let span = Span::new(source, start, start + line.len());
            let error =
                JurisdictionsError::FieldCount { line: line_number, found: fields.len(), expected: header.len(), span };
            diags.push(Diagnostic::new(Some(span), error));
            continue;
        }
        reader.county(&positions, &fields, line_number, &mut diags);
    }
    if diags.is_empty() { Ok(reader.table) } else { Err(diags) }
}

/// Lines with their 1-based number and start offset, without the line break.
fn physical_lines(text: &str, start: usize) -> impl Iterator<Item = (usize, usize, &str)> {
    let body = text.get(start..).unwrap_or("");
    let mut offset = start;
    body.split('\n').enumerate().map(move |(index, line)| {
        let line_start = offset;
        offset += line.len() + 1;
        (index + 1, line_start, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// Splits one line at commas; a field may be quoted (`"a,b"`, `""` for a quote).
fn split_fields(line: &str, offset: usize, source: SourceId, line_number: usize) -> Result<Vec<Field>, Diagnostic> {
    let mut fields = Vec::new();
    let mut pos = 0;
    loop {
        let rest = line.get(pos..).unwrap_or("");
        let (text, length) = if rest.starts_with('"') {
            quoted_field(rest).ok_or_else(|| {
                let span = Span::new(source, offset + pos, offset + line.len());
                Diagnostic::new(Some(span), JurisdictionsError::Quote { line: line_number, span })
            })?
        } else {
            let length = rest.find(',').unwrap_or(rest.len());
            (rest.get(..length).unwrap_or("").to_string(), length)
        };
        fields.push(Field { text, span: Span::new(source, offset + pos, offset + pos + length) });
        pos += length;
        if pos >= line.len() {
            return Ok(fields);
        }
        pos += 1;
        if pos == line.len() {
            fields.push(Field { text: String::new(), span: Span::new(source, offset + pos, offset + pos) });
            return Ok(fields);
        }
    }
}

/// A quoted field at the start of `rest`: its text and length, when it is closed and followed
/// by a comma or the end of the line.
fn quoted_field(rest: &str) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((index, c)) = chars.next() {
        if c != '"' {
            text.push(c);
            continue;
        }
        if chars.peek().is_some_and(|(_, next)| *next == '"') {
            chars.next();
            text.push('"');
            continue;
        }
        let end = index + 1;
        return match rest.get(end..).and_then(|tail| tail.chars().next()) {
            None | Some(',') => Some((text, end)),
            Some(_) => None,
        };
    }
    None
}

/// For each attribute, the index of its header field; `None` when a column is missing.
fn header_positions(
    schema: &JurisdictionSchema,
    header: &[Field],
    header_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<usize>> {
    for (index, field) in header.iter().enumerate() {
        if let Some(first) = header.iter().take(index).find(|earlier| earlier.text == field.text) {
            let error =
                JurisdictionsError::DuplicateColumn { column: field.text.clone(), span: field.span, first: first.span };
            diags.push(Diagnostic::new(Some(field.span), error));
        } else if !schema.attrs.iter().any(|attr| attr.name == field.text) {
            diags.push(Diagnostic::new(
                Some(field.span),
                JurisdictionsError::ExtraColumn { column: field.text.clone(), span: field.span },
            ));
        }
    }
    let mut positions = Vec::with_capacity(schema.attrs.len());
    let mut missing = false;
    for attr in &schema.attrs {
        match header.iter().position(|field| field.text == attr.name) {
            Some(position) => positions.push(position),
            None => {
                missing = true;
                let error = JurisdictionsError::MissingColumn { column: attr.name.clone(), span: header_span };
                diags.push(Diagnostic::new(Some(header_span), error));
            }
        }
    }
    (!missing).then_some(positions)
}

/// Builds the table county by county.
struct Reader<'s> {
    schema: &'s JurisdictionSchema,
    enums: &'s [EnumDef],
    table: JurisdictionTable,
    texts: HashMap<String, u32>,
    first_line: HashMap<String, (usize, Span)>,
}

impl Reader<'_> {
    fn county(&mut self, positions: &[usize], fields: &[Field], line: usize, diags: &mut Vec<Diagnostic>) {
        let mut attrs = Vec::with_capacity(positions.len());
        let mut cells = Vec::with_capacity(positions.len());
        let (mut code, mut city) = (None, String::new());
        let errors_before = diags.len();
        for (attr, position) in self.schema.attrs.iter().zip(positions) {
            let Some(field) = fields.get(*position) else { continue };
            let is_key = self.schema.key.as_deref() == Some(attr.name.as_str());
            if is_key {
                code = Some(field);
            }
            if self.schema.city.as_deref() == Some(attr.name.as_str()) {
                city = field.text.clone();
            }
            match self.value(attr, is_key, field) {
                Some(word) => {
                    attrs.push(word);
                    cells.push(field.span);
                }
                None => diags.push(self.bad_value(attr, field)),
            }
        }
        let code_text = code.map(|field| field.text.clone()).unwrap_or_default();
        if let (Some(field), Some((first_line, first))) = (code, self.first_line.get(&code_text)) {
            let error = JurisdictionsError::DuplicateCode {
                code: code_text,
                span: field.span,
                first: *first,
                first_line: *first_line,
            };
            diags.push(Diagnostic::new(Some(field.span), error));
            return;
        }
        if let Some(field) = code.filter(|field| !field.text.is_empty()) {
            self.first_line.insert(code_text.clone(), (line, field.span));
        }
        if diags.len() == errors_before {
            self.table.counties.push(County { code: code_text, city, attrs, line, cells });
        }
    }

    /// The word of one field, `None` when it is not a value of the attribute's type.
    fn value(&mut self, attr: &Attr, is_key: bool, field: &Field) -> Option<Word> {
        let text = field.text.as_str();
        match attr.ty {
            Ty::Text if is_key && text.is_empty() => None,
            Ty::Text => Some(self.text(text)),
            Ty::Bool => match text {
                "true" => Some(1),
                "false" => Some(0),
                _ => None,
            },
            Ty::Int => parse_decimal(text, 0),
            Ty::Money(_) => parse_decimal(text, 2),
            Ty::Ratio => match text.strip_suffix('%') {
                Some(percent) => parse_decimal(percent, 7).and_then(|word| word.checked_mul(100)),
                None => parse_decimal(text, 9),
            },
            Ty::Date => crate::date::parse_iso(text),
            Ty::Enum(id) => {
                let def = self.enums.get(id.0 as usize)?;
                def.variants.iter().position(|variant| variant == text).map(|index| index as Word)
            }
        }
    }

    fn text(&mut self, text: &str) -> Word {
        let index = match self.texts.get(text) {
            Some(index) => *index,
            None => {
                let index = self.table.texts.len() as u32;
                self.table.texts.push(text.to_string());
                self.texts.insert(text.to_string(), index);
                index
            }
        };
        TextHandle::new(TextOrigin::Jurisdiction, index).to_word()
    }

    fn bad_value(&self, attr: &Attr, field: &Field) -> Diagnostic {
        let (expected, help) = match attr.ty {
            Ty::Bool => ("`true` or `false`".to_string(), None),
            Ty::Int => ("a whole number".into(), Some("write digits only, e.g. `2`".to_string())),
            Ty::Money(_) => ("an amount".into(), Some("write yuan with at most two decimals, e.g. `1580.50`".into())),
            Ty::Ratio => ("a ratio".into(), Some("write a decimal or a percentage, e.g. `0.15` or `15%`".into())),
            Ty::Date => ("a date".into(), Some("write a real day as `YYYY-MM-DD`".into())),
            Ty::Enum(id) => {
                let variants = self.enums.get(id.0 as usize).map(|def| def.variants.join("`, `")).unwrap_or_default();
                ("a variant".into(), Some(format!("one of `{variants}`")))
            }
            Ty::Text => ("a county code".into(), Some("the key column cannot be empty".into())),
        };
        let error = JurisdictionsError::BadValue {
            column: attr.name.clone(),
            value: field.text.clone(),
            span: field.span,
            expected,
            help,
        };
        Diagnostic::new(Some(field.span), error)
    }
}

/// An optionally negative decimal with at most `decimals` decimals, scaled to a whole number.
fn parse_decimal(text: &str, decimals: u32) -> Option<Word> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return None,
        None => (digits, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > decimals as usize {
        return None;
    }
    let mut value: Word = 0;
    for byte in whole.bytes().chain(fraction.bytes()) {
        value = value.checked_mul(10)?.checked_add(Word::from(byte - b'0'))?;
    }
    let padding = decimals - fraction.len() as u32;
    let value = value.checked_mul(10_i64.checked_pow(padding)?)?;
    if negative { value.checked_neg() } else { Some(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_decimal("1580.5", 2), Some(158_050));
        assert_eq!(parse_decimal("-3", 0), Some(-3));
        assert_eq!(parse_decimal("1.234", 2), None);
        assert_eq!(parse_decimal("1.", 2), None);
        assert_eq!(parse_decimal("", 0), None);
        assert_eq!(parse_decimal("1e3", 0), None);
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        let fields = split_fields(r#"610802,"榆阳区, ""城区""",x"#, 0, SourceId(0), 1).unwrap_or_default();
        let texts: Vec<&str> = fields.iter().map(|field| field.text.as_str()).collect();
        assert_eq!(texts, vec!["610802", "榆阳区, \"城区\"", "x"]);
        assert!(split_fields(r#"a,"b"c"#, 0, SourceId(0), 1).is_err());
        assert!(split_fields(r#"a,"b"中,d"#, 0, SourceId(0), 1).is_err());
        assert_eq!(split_fields("a,", 0, SourceId(0), 1).map(|fields| fields.len()).unwrap_or(0), 2);
    }
}
