//! CSV output tables: UTF-8, no BOM, a header row, RFC 4180 quoting; a text cell that starts
//! like a spreadsheet formula gets a leading `'` (see `text_rules`).

use super::plan::{TablePlan, word_at};
use crate::error::RuntimeError;
use crate::format;
use crate::text_rules;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};

/// Appends row `row` (its values are `results[slot][row]`) as one CSV record.
#[inline]
pub(crate) fn push_row(
    out: &mut Vec<u8>,
    plan: &TablePlan,
    program: &Program,
    texts: &TextTables<'_>,
    results: &[Vec<Word>],
    row: usize,
) -> Result<(), RuntimeError> {
    for (index, column) in plan.columns.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let value = word_at(results, column.slot, row)?;
        push_cell(out, program, texts, column.ty, value);
    }
    out.push(b'\n');
    Ok(())
}

/// Appends one cell of type `ty` as `pol run` writes it in a CSV table (quoted when needed).
#[inline]
pub(crate) fn push_cell(out: &mut Vec<u8>, program: &Program, texts: &TextTables<'_>, ty: Ty, value: Word) {
    // The usual column types are written here, without a call to the general
    // `write_word` (whose entry and exit cost more than writing `0.00`).
    match ty {
        Ty::Money(_) => format::write_money(out, value),
        Ty::Bool => format::write_bool(out, value),
        Ty::Int => format::write_int(out, value),
        Ty::Text => {
            let start = out.len();
            out.extend_from_slice(texts.render(value).as_bytes());
            text_rules::neutralise_csv_tail(out, start);
            format::quote_csv_tail(out, start);
        }
        ty => format::write_word(out, program, texts, ty, value),
    }
}

/// The CSV header of a table.
pub(crate) fn header(plan: &TablePlan) -> Vec<u8> {
    let mut header = Vec::new();
    for (index, column) in plan.columns.iter().enumerate() {
        if index > 0 {
            header.push(b',');
        }
        format::write_csv_field(&mut header, column.name.as_bytes());
    }
    header.push(b'\n');
    header
}
