//! Checking a header (CSV's first record, Parquet's schema) against the entity's schema.

use crate::error::RuntimeError;
use pol_compiler::tir::EntitySchema;
use pol_grammar::names::edit_distance;
use std::collections::HashMap;

/// The position of a schema column that the file lacks and that has a default: every row
/// holds the default's text (CSV: `Layout::Csv`'s `absent`).
pub(crate) const ABSENT: usize = usize::MAX;

/// The position in `header` of each schema column, [`ABSENT`] for a column the header lacks
/// that has a default (every row then holds the default). Fails on a name that appears twice
/// and on a declared column without a default that is absent (suggesting the nearest unknown
/// header name).
pub(crate) fn header_positions(
    header: &[String],
    file_name: &str,
    schema: &EntitySchema,
) -> Result<Vec<usize>, RuntimeError> {
    // One pass with a map: a header of 100,000 columns is checked in milliseconds.
    let mut first_position: HashMap<&str, usize> = HashMap::with_capacity(header.len());
    for (position, name) in header.iter().enumerate() {
        if first_position.insert(name, position).is_some() {
            return Err(RuntimeError::DuplicateColumn {
                file: file_name.to_string(),
                column: name.clone(),
                header: None,
                again: None,
                first: None,
            });
        }
    }
    let mut positions = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        match first_position.get(column.name.as_str()).copied() {
            Some(position) => positions.push(position),
            None if column.default_cell.is_some() => positions.push(ABSENT),
            None => {
                let unknown = header.iter().filter(|name| !schema.columns.iter().any(|column| column.name == **name));
                let nearest = unknown
                    .map(|name| (edit_distance(name, &column.name), name))
                    .filter(|(distance, name)| {
                        *distance <= (name.chars().count().max(column.name.chars().count()) / 3).max(1)
                    })
                    .min_by_key(|(distance, _)| *distance)
                    .map(|(_, name)| name.clone());
                let help = match nearest {
                    Some(name) => format!("the header has `{name}`: rename it `{}`", column.name),
                    None => format!("add a column `{}` to `{file_name}`", column.name),
                };
                return Err(RuntimeError::MissingColumn {
                    file: file_name.to_string(),
                    column: column.name.clone(),
                    help,
                    span: Some(column.span),
                    header: None,
                    header_at: None,
                });
            }
        }
    }
    Ok(positions)
}
