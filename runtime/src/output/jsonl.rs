//! JSON-lines output tables: one object per row, keys in column order; ints as JSON numbers,
//! booleans as JSON booleans, everything else as JSON strings, so that amounts stay exact.

use super::plan::{TablePlan, word_at};
use crate::error::RuntimeError;
use crate::format;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Program, Ty, Word};

/// Appends row `row` (its values are `results[slot][row]`) as one JSON object and a line end;
/// `scratch` is a reusable buffer.
#[inline]
pub(crate) fn push_row(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    plan: &TablePlan,
    program: &Program,
    texts: &TextTables<'_>,
    results: &[Vec<Word>],
    row: usize,
) -> Result<(), RuntimeError> {
    out.push(b'{');
    for (index, column) in plan.columns.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&column.json_key);
        let value = word_at(results, column.slot, row)?;
        match column.ty {
            Ty::Int => format::write_int(out, value),
            Ty::Bool => format::write_bool(out, value),
            ty => {
                scratch.clear();
                format::write_word(scratch, program, texts, ty, value);
                let text = String::from_utf8_lossy(scratch);
                format::write_json_string(out, &text);
            }
        }
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}
