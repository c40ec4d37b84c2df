//! JSON lines: one object per line, mapped to schema columns by key.
//!
//! A value is read as text so that it is checked exactly like a CSV field: a string's contents,
//! a number's literal text (`4500.5` stays `4500.5`, `1e3` is not money), `true`/`false`. A
//! `null` or an absent key is a missing value; an object or array is not a value. Unknown keys
//! are ignored. A line that is not a JSON object, or that names a column twice, is a bad row.

use super::csv::LineReader;
use super::table::{CellSpan, RawTable, RecordSource, file_name};
use crate::error::RuntimeError;
use pol_compiler::tir::{ColumnTy, EntitySchema, Ty};
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
    /// Month columns of a monthly column (`salary@2017-01`) and the column holding every month
    /// not given otherwise (`salary`): a line without the month's key holds that one's cell.
    fallbacks: Vec<(usize, usize)>,
    /// The names of the monthly columns (`salary`), whose `NAME@YYYY-MM` keys may be given.
    periodic: std::collections::HashSet<String>,
    /// The months of each year's key (`salary@2017`) this run reads.
    years: Vec<YearKey>,
    bytes: Vec<u8>,
    cells: Vec<CellSpan>,
}

impl JsonlSource {
    /// A reader of `file` for `schema`.
    pub(crate) fn new(file: std::fs::File, path: &Path, schema: &EntitySchema) -> JsonlSource {
        let mut columns: HashMap<String, usize> =
            schema.columns.iter().enumerate().map(|(index, column)| (column.name.clone(), index)).collect();
        // The run's month of a monthly column (`salary`, holding 2017-03) is also given by its
        // month's key (`salary@2017-03`), which wins over the key for every month.
        for (index, column) in schema.columns.iter().enumerate() {
            if let (Some(month), false) = (column.month, column.name.contains('@')) {
                let (year, month, _) = pol_compiler::date::to_ymd(month);
                columns.insert(format!("{}@{year:04}-{month:02}", column.name), MONTH_KEY + index);
            }
        }
        let fallbacks = schema
            .columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.month.is_some() && column.name.contains('@'))
            .filter_map(|(index, column)| Some((index, *columns.get(column.base_name())?)))
            .collect();
        // A year's key (`salary@2017`) gives each month of that year the run reads: the run's own
        // month (`salary`) and the other months' columns (`salary@2017-01`).
        let mut years: Vec<YearKey> = Vec::new();
        for (index, column) in schema.columns.iter().enumerate() {
            let Some(month) = column.month else { continue };
            let (year, _, _) = pol_compiler::date::to_ymd(month);
            let key = format!("{}@{year:04}", column.base_name());
            let group = *columns.entry(key).or_insert_with(|| {
                years.push(YearKey { months: Vec::new(), money: matches!(column.ty, ColumnTy::Value(Ty::Money(_))) });
                YEAR_KEY + years.len() - 1
            });
            if let Some(year) = group.checked_sub(YEAR_KEY).and_then(|group| years.get_mut(group)) {
                year.months.push((index, column.name.contains('@')));
            }
        }
        let periodic = schema
            .columns
            .iter()
            .filter(|column| column.periodic)
            .map(|column| column.base_name().to_string())
            .collect();
        JsonlSource {
            lines: LineReader::open(file, false),
            path: path.to_path_buf(),
            file_name: file_name(path),
            columns,
            n_columns: schema.columns.len(),
            defaults: schema.columns.iter().map(|column| column.default_cell.clone()).collect(),
            fallbacks,
            periodic,
            years,
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
        let keys =
            Keys { columns: &self.columns, periodic: &self.periodic, fallbacks: &self.fallbacks, years: &self.years };
        let problem = parse_object(text, keys, &self.defaults, &mut self.bytes, &mut self.cells).err();
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
    keys: Keys<'_>,
    defaults: &[Option<String>],
    bytes: &mut Vec<u8>,
    cells: &mut [CellSpan],
) -> Result<(), Problem> {
    let not_an_object = |error: serde_json::Error| Problem::NotAnObject(format!("not a JSON object: {error}"));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let columns = keys.columns;
    let entries = RowSeed { keys }.deserialize(&mut deserializer).map_err(not_an_object)?;
    deserializer.end().map_err(not_an_object)?;
    let mut seen = vec![false; cells.len()];
    // Only a schema with monthly columns needs these (no allocation per line otherwise).
    let n_periodic = if keys.periodic.is_empty() { 0 } else { cells.len() };
    let mut month_given = vec![false; n_periodic];
    // The value of a monthly column's key for every month, for the months the line leaves out.
    let mut every_month: Vec<Option<CellSpan>> = vec![None; n_periodic];
    // The cell each year's key gives (a money total already divided into the month's share).
    let mut year_cells: Vec<Option<CellSpan>> = vec![None; keys.years.len()];
    for (column, raw) in entries {
        let Some(column) = column else { continue };
        if let Some(year) = column.checked_sub(YEAR_KEY).filter(|_| column < MONTH_KEY) {
            let (Some(slot), Some(key)) = (year_cells.get_mut(year), keys.years.get(year)) else { continue };
            if slot.is_some() {
                let name = columns.iter().find(|(_, index)| **index == column).map_or("", |(name, _)| name.as_str());
                return Err(Problem::Value(format!("key `{name}` appears twice")));
            }
            let cell = value_cell(raw.get(), bytes).map_err(Problem::Value)?;
            *slot = Some(if key.money { month_share(cell, bytes).map_err(Problem::Value)? } else { cell });
            continue;
        }
        if column == BAD_PERIOD_KEY {
            return Err(Problem::Value(
                "a key with `@` is not a month `NAME@YYYY-MM` or a year `NAME@YYYY` of a column declared `per month`"
                    .to_string(),
            ));
        }
        if let Some(month_column) = column.checked_sub(MONTH_KEY) {
            // The run's month by its own key: it replaces the value for every month.
            let cell = value_cell(raw.get(), bytes).map_err(Problem::Value)?;
            if let (Some(slot), Some(given)) = (cells.get_mut(month_column), month_given.get_mut(month_column)) {
                *slot = cell;
                *given = true;
            }
            continue;
        }

        match seen.get_mut(column) {
            Some(slot) if *slot => {
                let name = columns.iter().find(|(_, index)| **index == column).map_or("", |(name, _)| name.as_str());
                return Err(Problem::Value(format!("key `{name}` appears twice")));
            }
            Some(slot) => *slot = true,
            None => continue,
        }
        let cell = value_cell(raw.get(), bytes).map_err(Problem::Value)?;
        if let Some(slot) = every_month.get_mut(column) {
            *slot = Some(cell);
        }
        if month_given.get(column).copied() == Some(true) {
            continue;
        }
        if let Some(slot) = cells.get_mut(column) {
            *slot = cell;
        }
    }
    // A year's key gives each of its months that the month's own key does not.
    let mut year_given = vec![false; n_periodic];
    for (cell, key) in year_cells.iter().zip(keys.years) {
        let Some(cell) = cell else { continue };
        for (column, other_month) in &key.months {
            let own = if *other_month { &seen } else { &month_given };
            if own.get(*column).copied() == Some(false)
                && let (Some(slot), Some(given)) = (cells.get_mut(*column), year_given.get_mut(*column))
            {
                *slot = *cell;
                *given = true;
            }
        }
    }
    for (index, ((cell, seen), default)) in cells.iter_mut().zip(&seen).zip(defaults).enumerate() {
        let month = month_given.get(index).copied().unwrap_or(false) || year_given.get(index).copied().unwrap_or(false);
        if let (false, false, Some(default)) = (seen, month, default) {
            let start = bytes.len();
            bytes.extend_from_slice(default.as_bytes());
            *cell = CellSpan::text(start, bytes.len());
        }
    }
    // A month the line gives neither by its key nor by its year's holds the value given for
    // every month; without one it keeps its default, filled above.
    for (month, base) in keys.fallbacks {
        if seen.get(*month).copied() == Some(false)
            && year_given.get(*month).copied() == Some(false)
            && let Some(cell) = every_month.get(*base).copied().flatten()
            && let Some(slot) = cells.get_mut(*month)
        {
            *slot = cell;
        }
    }
    Ok(())
}

/// A month's share of a year's money total: the total's fen divided by 12, rounded half away from
/// zero to the fen, as the other formats spread a `NAME@YYYY` column after typing
/// (docs/language.md#periods), written as any amount is (`-1.50` for a negative total of
/// `-18.00`). A cell that is not an amount stays as it is, so that typing rejects it with the
/// reason any amount gets.
fn month_share(cell: CellSpan, bytes: &mut Vec<u8>) -> Result<CellSpan, String> {
    let crate::input::table::Cell::Text(text) = cell.get(bytes) else { return Ok(cell) };
    let Some(fen) = crate::decimal::money_fen(text) else { return Ok(cell) };
    let share = crate::decimal::month_share(fen).map_err(|error| error.to_string())?;
    let start = bytes.len();
    crate::format::write_money(bytes, share);
    Ok(CellSpan::text(start, bytes.len()))
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
    keys: Keys<'c>,
}

/// How a line's keys name schema columns.
#[derive(Clone, Copy)]
struct Keys<'c> {
    /// Schema columns by name.
    columns: &'c HashMap<String, usize>,
    /// The monthly columns' names.
    periodic: &'c std::collections::HashSet<String>,
    /// Month columns and the column each falls back to.
    fallbacks: &'c [(usize, usize)],
    /// The months each year's key gives.
    years: &'c [YearKey],
}

/// The months a year's key (`salary@2017`) gives: each column with whether it is another month's
/// (`salary@2017-01`, given unless its own key is) or the run's month (`salary`, given unless the
/// month's key `salary@2017-03` is), and whether the value is money, a year's total spread over
/// its months.
struct YearKey {
    months: Vec<(usize, bool)>,
    money: bool,
}

/// The column index of a key with `@` that is no month of a monthly column (a row problem).
const BAD_PERIOD_KEY: usize = usize::MAX;

/// Added to a column's index for the key of the run's month of a monthly column.
const MONTH_KEY: usize = usize::MAX / 2;

/// Added to a [`YearKey`]'s index for a year's key of a monthly column.
const YEAR_KEY: usize = usize::MAX / 4;

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
        while let Some(column) = map.next_key_seed(KeySeed { keys: self.keys })? {
            let value: &'de RawValue = map.next_value()?;
            entries.push((column, value));
        }
        Ok(entries)
    }
}

/// A key, as the index of the schema column it names.
struct KeySeed<'c> {
    keys: Keys<'c>,
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
        if let Some(index) = self.keys.columns.get(key) {
            return Ok(Some(*index));
        }
        // A month or year of a monthly column this run does not read is left out; anything else
        // with `@` (an unknown column, a malformed period) is a mistake.
        let Some((base, period)) = key.split_once('@') else { return Ok(None) };
        let is_year = |year: &str| year.len() == 4 && year.bytes().all(|byte| byte.is_ascii_digit());
        let period_ok = match period.split_once('-') {
            Some((year, month)) => is_year(year) && month.len() == 2 && matches!(month.parse::<u32>(), Ok(1..=12)),
            None => is_year(period),
        };
        if period_ok && self.keys.periodic.contains(base) { Ok(None) } else { Ok(Some(BAD_PERIOD_KEY)) }
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
        let periodic = std::collections::HashSet::new();
        let keys = Keys { columns: &columns, periodic: &periodic, fallbacks: &[], years: &[] };
        parse_object(text, keys, &[None, None, Some("7".into())], &mut bytes, &mut cells).map_err(|problem| {
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
