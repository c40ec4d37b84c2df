//! Checking a header (CSV's first record, Parquet's schema) against the entity's schema.

use crate::error::RuntimeError;
use pol_compiler::tir::{Column, ColumnTy, EntitySchema, Ty};
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
    check_period_headers(header, file_name, schema)?;
    let mut positions = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        let found = candidates(column).into_iter().find_map(|(name, _)| first_position.get(name.as_str()).copied());
        match found {
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

/// The header names a column is read from, best first, each with whether it holds a year's
/// value: a monthly column's month `salary@2017-01` is read from `salary@2017-01`, else from
/// the year's `salary@2017`, else from `salary` (every month not given otherwise); any other
/// column from its name (docs/language.md#periods, "The input layout of monthly columns").
fn candidates(column: &Column) -> Vec<(String, bool)> {
    match column.month {
        Some(month) => {
            let (year, month_number, _) = pol_compiler::date::to_ymd(month);
            let base = column.base_name();
            vec![
                (format!("{base}@{year:04}-{month_number:02}"), false),
                (format!("{base}@{year:04}"), true),
                (base.to_string(), false),
            ]
        }
        None => vec![(column.name.clone(), false)],
    }
}

/// The schema columns whose header holds a year's money total (`salary@2017` for the month
/// column `salary@2017-03`): each month's word is that total divided by 12, rounded half away
/// from zero to the fen, after typing.
pub(crate) fn spread_columns(header: &[String], schema: &EntitySchema) -> Vec<usize> {
    let mut spread = Vec::new();
    for (index, column) in schema.columns.iter().enumerate() {
        if !matches!(column.ty, ColumnTy::Value(Ty::Money(_))) {
            continue;
        }
        let found = candidates(column).into_iter().find(|(name, _)| header.iter().any(|written| written == name));
        if let Some((_, true)) = found {
            spread.push(index);
        }
    }
    spread
}

/// Rejects a header name with `@` that names no monthly column, or whose period is not a month
/// `YYYY-MM` or a year `YYYY`.
pub(crate) fn check_period_headers(
    header: &[String],
    file_name: &str,
    schema: &EntitySchema,
) -> Result<(), RuntimeError> {
    for name in header {
        let Some((base, period)) = name.split_once('@') else { continue };
        let periodic = schema.columns.iter().any(|column| column.periodic && column.base_name() == base);
        let reason = if !periodic {
            let monthly: Vec<String> = schema
                .columns
                .iter()
                .filter(|column| column.periodic && column.month.is_none_or(|_| !column.name.contains('@')))
                .map(|column| format!("`{}`", column.base_name()))
                .collect();
            let help = if monthly.is_empty() {
                format!("the policy declares no `per month` column for `{file_name}`: name the column `{base}`")
            } else {
                format!("only columns declared `per month` take a period: {}", monthly.join(", "))
            };
            Some((format!("`{base}` is not a column declared `per month`"), help))
        } else if !valid_period(period) {
            let help = format!("write the month as `{base}@2017-01`, or the year as `{base}@2017`");
            Some((format!("`{period}` is not a month `YYYY-MM` or a year `YYYY`"), help))
        } else {
            None
        };
        if let Some((reason, help)) = reason {
            let file = file_name.to_string();
            return Err(RuntimeError::PeriodColumn {
                file,
                column: name.clone(),
                reason: reason.into_boxed_str(),
                help: help.into_boxed_str(),
                header: None,
                at: None,
            });
        }
    }
    Ok(())
}

/// `2017-01` or `2017` (years 1 to 9999, months 01 to 12).
fn valid_period(period: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    let year_ok = |year: &str| year.len() == 4 && digits(year) && year != "0000";
    match period.split_once('-') {
        Some((year, month)) => {
            year_ok(year) && month.len() == 2 && digits(month) && matches!(month.parse::<u32>(), Ok(1..=12))
        }
        None => year_ok(period),
    }
}
