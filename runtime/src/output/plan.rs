//! What an output table is: its [`OutputFormat`], its [`TablePlan`] (columns, filter, whether
//! rows are sorted at the end), and a chunk's rows of it, a [`TablePart`]. A leaf: the formats,
//! the part builder and the sinks use it.

use crate::error::RuntimeError;
use crate::format;
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use pol_compiler::tir::{Program, Ty, Word};
use pol_grammar::ast::EntityKind;
use std::sync::Arc;

/// The format of the output tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// `NAME.csv`.
    #[default]
    Csv,
    /// `NAME.jsonl`.
    Jsonl,
    /// `NAME.parquet`.
    Parquet,
}

impl OutputFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Parquet => "parquet",
        }
    }
}

/// One column of an output table.
#[derive(Debug, Clone)]
pub(crate) struct ColumnPlan {
    /// Header name.
    pub name: String,
    /// The rule's slot in its entity's result columns.
    pub slot: usize,
    /// The rule's type.
    pub ty: Ty,
    /// `"name":` for JSON lines.
    pub json_key: Vec<u8>,
}

/// How one output table is written.
#[derive(Debug, Clone)]
pub(crate) struct TablePlan {
    /// Table name.
    pub name: String,
    /// Entity of its rows.
    pub entity: EntityKind,
    /// Slot of the filter rule.
    pub filter: Option<usize>,
    /// Columns.
    pub columns: Vec<ColumnPlan>,
    /// Whether rows carry sort keys (written sorted at the end).
    pub keyed: bool,
    /// The format.
    pub format: OutputFormat,
    /// Arrow schema (Parquet).
    pub schema: SchemaRef,
}

impl TablePlan {
    /// The plans of every output of `program`; person tables are keyed when `persons_keyed`.
    pub(crate) fn of_program(
        program: &Program,
        format: OutputFormat,
        persons_keyed: bool,
    ) -> Result<Vec<TablePlan>, RuntimeError> {
        let mut plans = Vec::with_capacity(program.outputs.len());
        for output in &program.outputs {
            let slot_of = |rule_id| {
                let rule = program.rule(rule_id).ok_or_else(|| {
                    RuntimeError::internal(format!("output `{}` names a rule that does not exist", output.name))
                })?;
                if rule.entity != output.entity {
                    return Err(RuntimeError::internal(format!(
                        "output `{}` has a column of another entity",
                        output.name
                    )));
                }
                Ok((rule.slot as usize, rule.ty))
            };
            let filter = output.filter.map(slot_of).transpose()?.map(|(slot, _)| slot);
            let mut columns = Vec::with_capacity(output.columns.len());
            for (name, rule) in &output.columns {
                let (slot, ty) = slot_of(*rule)?;
                let mut json_key = Vec::new();
                format::write_json_string(&mut json_key, name);
                json_key.push(b':');
                columns.push(ColumnPlan { name: name.clone(), slot, ty, json_key });
            }
            let fields: Vec<Field> =
                columns.iter().map(|column| Field::new(column.name.clone(), arrow_type(column.ty), false)).collect();
            let keyed = match output.entity {
                EntityKind::Household => false,
                EntityKind::Person => persons_keyed,
                EntityKind::Case => true,
            };
            plans.push(TablePlan {
                name: output.name.clone(),
                entity: output.entity,
                filter,
                columns,
                keyed,
                format,
                schema: Arc::new(Schema::new(fields)),
            });
        }
        Ok(plans)
    }

    /// The file name, e.g. `household_results.csv`.
    pub(crate) fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.format.extension())
    }
}

/// The Arrow type a word type is written as.
fn arrow_type(ty: Ty) -> DataType {
    match ty {
        Ty::Bool => DataType::Boolean,
        Ty::Int => DataType::Int64,
        Ty::Money(_) => DataType::Decimal128(19, 2),
        Ty::Ratio => DataType::Decimal128(19, 9),
        Ty::Date => DataType::Date32,
        Ty::Enum(_) | Ty::Text => DataType::Utf8,
    }
}

/// The rows of one table from one chunk.
#[derive(Debug)]
pub(crate) enum TablePart {
    /// CSV or JSON-lines text; `ends`/`keys` are filled when the table is keyed.
    Text {
        /// Rows, one after the other.
        bytes: Vec<u8>,
        /// End of each row in `bytes` (keyed tables).
        ends: Vec<usize>,
        /// Sort key of each row (keyed tables).
        keys: Vec<u64>,
    },
    /// Parquet columns.
    Arrow {
        /// The rows.
        batch: RecordBatch,
        /// Sort key of each row (keyed tables).
        keys: Vec<u64>,
    },
}

/// The value of row `row` in the result column `slot`.
#[inline]
pub(crate) fn word_at(results: &[Vec<Word>], slot: usize, row: usize) -> Result<Word, RuntimeError> {
    // INVARIANT: a plan's slots are its entity's rules (`TablePlan::of_program`) and the engine
    // returns one value per row in each of them.
    results
        .get(slot)
        .and_then(|column| column.get(row))
        .copied()
        .ok_or_else(|| RuntimeError::internal(format!("no result in slot {slot} for row {row}")))
}

/// The rows of keyed text parts (CSV or JSON lines), sorted by key; equal keys keep their order.
/// `what` names the parts in the internal error for a part that is not text or whose rows run
/// beyond it.
pub(crate) fn sorted_text_rows<'p>(parts: &'p [TablePart], what: &str) -> Result<Vec<(u64, &'p [u8])>, RuntimeError> {
    let mut rows: Vec<(u64, &[u8])> = Vec::new();
    for part in parts {
        let TablePart::Text { bytes, ends, keys } = part else {
            return Err(RuntimeError::internal(format!("{what}: a part that is not text")));
        };
        let mut start = 0;
        for (end, key) in ends.iter().zip(keys) {
            let row = bytes
                .get(start..*end)
                .ok_or_else(|| RuntimeError::internal(format!("{what}: a row beyond its part")))?;
            rows.push((*key, row));
            start = *end;
        }
    }
    rows.sort_by_key(|(key, _)| *key);
    Ok(rows)
}
