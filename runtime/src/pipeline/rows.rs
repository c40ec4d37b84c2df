//! What typing, the cases file and the worker share about raw rows: a row's own [`Problem`],
//! the UTF-8 check of a row, and the problem of a row with the wrong number of fields.

use crate::error::RuntimeError;
use crate::input::{Layout, RawTable};
use pol_compiler::text::{TextHandle, TextOrigin};
use pol_compiler::tir::{ColumnTy, EntitySchema, Ty, Word};
/// Why a row is rejected on its own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The column named in `rejects.csv`.
    pub field: String,
    /// The reason written for the row.
    pub reason: String,
    /// A short form for the other rows of its household, e.g. `bad birth_date`.
    pub short: String,
}

impl Problem {
    /// A bad field: `bad FIELD: REASON`.
    pub(crate) fn bad_field(field: &str, reason: &str) -> Problem {
        Problem { field: field.to_string(), reason: format!("bad {field}: {reason}"), short: format!("bad {field}") }
    }

    /// A malformed row.
    pub(crate) fn bad_row(field: &str, reason: String) -> Problem {
        Problem { field: field.to_string(), reason, short: "bad row".to_string() }
    }
}

/// Whether a column holds text (its word is a text handle).
pub(crate) fn is_text(ty: ColumnTy) -> bool {
    matches!(ty, ColumnTy::Key | ColumnTy::HouseholdRef | ColumnTy::Value(Ty::Text))
}

/// Fails with a diagnostic naming the file, line and column when a CSV row is not UTF-8.
pub(crate) fn check_utf8(layout: &Layout, table: &RawTable, index: usize, file_name: &str) -> Result<(), RuntimeError> {
    let bytes = table.row_bytes(index);
    let Err(error) = std::str::from_utf8(bytes) else { return Ok(()) };
    let line = table.line(index)?;
    let offset = error.valid_up_to();
    let place = match layout {
        Layout::Csv { header, .. } => {
            let position = bytes.get(..offset).map_or(0, |before| before.iter().filter(|byte| **byte == b',').count());
            match header.get(position) {
                Some(name) => format!("column `{name}`"),
                None => format!("column {}", position + 1),
            }
        }
        Layout::Cells => format!("byte {}", offset + 1),
    };
    Err(RuntimeError::NotUtf8 { file: file_name.to_string(), line, place })
}

/// The problem of a CSV row whose number of fields differs from the header's.
pub(crate) fn width_problem(
    layout: &Layout,
    schema: &EntitySchema,
    mismatch: Option<(usize, usize)>,
) -> Option<Problem> {
    let (width, expected) = mismatch?;
    let field = match layout {
        Layout::Csv { positions, .. } => positions
            .iter()
            .zip(&schema.columns)
            .find(|(position, _)| **position >= width && **position != crate::input::ABSENT)
            .map(|(_, column)| column.name.clone()),
        Layout::Cells => None,
    };
    Some(Problem::bad_row(field.as_deref().unwrap_or(""), format!("row has {width} fields, header has {expected}")))
}

/// The handle of a text column nobody reads.
pub(crate) fn unused_text() -> Word {
    TextHandle::new(TextOrigin::Batch, u32::MAX).to_word()
}
