//! Checking a header (CSV's first record, Parquet's schema) against the entity's schema.

use crate::error::RuntimeError;
use pol_compiler::tir::EntitySchema;

/// The position in `header` of each schema column. Fails on a name that appears twice and on a
/// declared column that is absent (suggesting the nearest unknown header name).
pub(crate) fn header_positions(
    header: &[String],
    file_name: &str,
    schema: &EntitySchema,
) -> Result<Vec<usize>, RuntimeError> {
    for (position, name) in header.iter().enumerate() {
        if header.iter().take(position).any(|earlier| earlier == name) {
            return Err(RuntimeError::DuplicateColumn { file: file_name.to_string(), column: name.clone() });
        }
    }
    let mut positions = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        match header.iter().position(|name| *name == column.name) {
            Some(position) => positions.push(position),
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
                    declared: Some(column.span.into()),
                    span: Some(column.span),
                });
            }
        }
    }
    Ok(positions)
}

/// The Levenshtein distance between two names, counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = substitution.min(deletion).min(insertion);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}
