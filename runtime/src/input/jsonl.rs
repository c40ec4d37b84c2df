//! JSON lines: one object per line, mapped to schema columns by key.
//!
//! A value is read as text so that it is checked exactly like a CSV field: a string's contents,
//! a number's literal text (`4500.5` stays `4500.5`, `1e3` is not money), `true`/`false`. A
//! `null` or an absent key is a missing value; an object or array is not a value. Unknown keys
//! are ignored. A line that is not a JSON object, or that names a column twice, is a bad row.

use super::csv::LineReader;
use super::table::{CellSpan, RawTable, RecordSource, file_name};
use crate::error::RuntimeError;
use pol_compiler::tir::EntitySchema;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A JSON-lines file's rows.
pub(crate) struct JsonlSource {
    lines: LineReader<std::fs::File>,
    path: PathBuf,
    file_name: String,
    columns: HashMap<String, usize>,
    n_columns: usize,
    /// The text of each column's default (a line lacking the key holds it).
    defaults: Vec<Option<String>>,
    bytes: Vec<u8>,
    cells: Vec<CellSpan>,
}

impl JsonlSource {
    /// A reader of `file` for `schema`.
    pub(crate) fn new(file: std::fs::File, path: &Path, schema: &EntitySchema) -> JsonlSource {
        let columns = schema.columns.iter().enumerate().map(|(index, column)| (column.name.clone(), index)).collect();
        JsonlSource {
            lines: LineReader::open(file, false),
            path: path.to_path_buf(),
            file_name: file_name(path),
            columns,
            n_columns: schema.columns.len(),
            defaults: schema.columns.iter().map(|column| column.default_cell.clone()).collect(),
            bytes: Vec::new(),
            cells: Vec::new(),
        }
    }
}

impl RecordSource for JsonlSource {
    fn next_into(&mut self, table: &mut RawTable) -> Result<bool, RuntimeError> {
        let (line_bytes, line) = match self.lines.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(false),
            Err(error) => return Err(error.into_runtime(&self.path, &self.file_name)),
        };
        let text = std::str::from_utf8(line_bytes).map_err(|error| RuntimeError::NotUtf8 {
            file: self.file_name.clone(),
            line,
            place: format!("byte {}", error.valid_up_to() + 1),
        })?;
        self.bytes.clear();
        self.cells.clear();
        self.cells.resize(self.n_columns, CellSpan::MISSING);
        let problem = parse_object(text, &self.columns, &self.defaults, &mut self.bytes, &mut self.cells).err();
        if let Some(Problem::NotAnObject(_)) = problem {
            self.bytes.clear();
            self.cells.iter_mut().for_each(|cell| *cell = CellSpan::MISSING);
        }
        let problem = problem.map(|problem| match problem {
            Problem::NotAnObject(text) | Problem::Value(text) => text,
        });
        table.push(&self.bytes, &self.cells, line, problem.as_deref());
        Ok(true)
    }

    fn position(&self) -> u64 {
        self.lines.consumed()
    }
}

/// Why a line is a bad row.
enum Problem {
    /// The line is not one JSON object: nothing of it is kept.
    NotAnObject(String),
    /// A value or key is wrong: the cells read so far are kept (for the row's ids).
    Value(String),
}

/// Parses one line into `bytes` and `cells`, or says why it is not a row. A key the line lacks
/// whose column has a default (`defaults`) holds the default's text.
fn parse_object(
    text: &str,
    columns: &HashMap<String, usize>,
    defaults: &[Option<String>],
    bytes: &mut Vec<u8>,
    cells: &mut [CellSpan],
) -> Result<(), Problem> {
    let not_an_object = |error: serde_json::Error| Problem::NotAnObject(format!("not a JSON object: {error}"));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let entries = RowSeed { columns }.deserialize(&mut deserializer).map_err(not_an_object)?;
    deserializer.end().map_err(not_an_object)?;
    let mut seen = vec![false; cells.len()];
    for (column, raw) in entries {
        let Some(column) = column else { continue };
        match seen.get_mut(column) {
            Some(slot) if *slot => {
                let name = columns.iter().find(|(_, index)| **index == column).map_or("", |(name, _)| name.as_str());
                return Err(Problem::Value(format!("key `{name}` appears twice")));
            }
            Some(slot) => *slot = true,
            None => continue,
        }
        let cell = value_cell(raw.get(), bytes).map_err(Problem::Value)?;
        if let Some(slot) = cells.get_mut(column) {
            *slot = cell;
        }
    }
    for ((cell, seen), default) in cells.iter_mut().zip(&seen).zip(defaults) {
        if let (false, Some(default)) = (seen, default) {
            let start = bytes.len();
            bytes.extend_from_slice(default.as_bytes());
            *cell = CellSpan::text(start, bytes.len());
        }
    }
    Ok(())
}

/// The cell of one raw JSON value, its text appended to `bytes`.
fn value_cell(raw: &str, bytes: &mut Vec<u8>) -> Result<CellSpan, String> {
    let start = bytes.len();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            if inner.contains('\\') {
                let text: String = serde_json::from_str(raw).map_err(|error| format!("bad JSON string: {error}"))?;
                bytes.extend_from_slice(text.as_bytes());
            } else {
                bytes.extend_from_slice(inner.as_bytes());
            }
        }
        Some(b'n') => return Ok(CellSpan::MISSING),
        Some(b'{' | b'[') => return Ok(CellSpan::NOT_SCALAR),
        _ => bytes.extend_from_slice(raw.as_bytes()),
    }
    Ok(CellSpan::text(start, bytes.len()))
}

/// Deserializes an object into (column index, raw value) pairs without allocating keys.
struct RowSeed<'c> {
    columns: &'c HashMap<String, usize>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Vec<(Option<usize>, &'de RawValue)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Vec<(Option<usize>, &'de RawValue)>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(column) = map.next_key_seed(KeySeed { columns: self.columns })? {
            let value: &'de RawValue = map.next_value()?;
            entries.push((column, value));
        }
        Ok(entries)
    }
}

/// A key, as the index of the schema column it names.
struct KeySeed<'c> {
    columns: &'c HashMap<String, usize>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.columns.get(key).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Option<String>>, String> {
        let columns: HashMap<String, usize> =
            [("a".to_string(), 0), ("b".to_string(), 1), ("c".to_string(), 2)].into_iter().collect();
        let mut bytes = Vec::new();
        let mut cells = vec![CellSpan::MISSING; 3];
        parse_object(text, &columns, &[None, None, Some("7".into())], &mut bytes, &mut cells).map_err(|problem| {
            match problem {
                Problem::NotAnObject(text) | Problem::Value(text) => text,
            }
        })?;
        Ok(cells
            .iter()
            .map(|cell| match cell.get(&bytes) {
                crate::input::table::Cell::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
                crate::input::table::Cell::Missing => None,
                crate::input::table::Cell::NotScalar => Some("<not scalar>".into()),
            })
            .collect())
    }

    #[test]
    fn values_are_read_as_their_text() {
        assert_eq!(
            parse(r#"{"a": "王\"x", "b": 4500.50, "zz": 1, "c": true}"#),
            Ok(vec![Some("王\"x".into()), Some("4500.50".into()), Some("true".into())])
        );
        // `c` has a default: absent, it holds it; `null` stays a missing value.
        assert_eq!(parse(r#"{"a": null, "b": [1]}"#), Ok(vec![None, Some("<not scalar>".into()), Some("7".into())]));
        assert_eq!(parse(r#"{"c": null}"#), Ok(vec![None, None, None]));
        assert!(parse(r#"{"a": 1, "a": 2}"#).is_err_and(|reason| reason.contains("`a` appears twice")));
        assert!(parse("[1, 2]").is_err());
        assert!(parse(r#"{"a": 1} x"#).is_err());
    }
}
