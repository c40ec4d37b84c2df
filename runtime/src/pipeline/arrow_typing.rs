//! Typing rows held in Arrow arrays ([`ArrowRows`]) into batch columns, without writing their
//! values as text first: the in-process counterpart of [`super::typing::type_table`], with the
//! same contract (the words, each row's first bad column in declaration order, the key texts).
//!
//! One semantics: a value is accepted exactly when the text a file reader makes of it
//! ([`ArrowRows::write_text`], the Parquet reader's) is accepted by [`FieldTyper`], and a
//! rejected value's reason is always [`FieldTyper::type_cell`]'s on that text. Only the
//! acceptance of typed values whose text is known to be well formed is computed directly:
//!
//! | column | Arrow type | accepted when (else the text path decides) |
//! |---|---|---|
//! | `int` | any integer | ≥ 0, within 64 bits and the declared range (the text of a negative number is not `^[0-9]+$`) |
//! | money | any integer | ≥ 0 and × 100 within 64 bits |
//! | money | `decimal128` scale ≤ 2 | ≥ 0 and × 10^(2−scale) within 64 bits (its text has at most two decimals) |
//! | `ratio` | any integer, `decimal128` scale ≤ 9 | ≥ 0 and × 10^(9−scale) within 64 bits |
//! | `bool` | `boolean` | always |
//! | `date` | `date32` | years 0001–9999 (its text is then a real day `YYYY-MM-DD`) |
//! | any | strings | the string itself is the text: typed by [`FieldTyper::word`] where it lies |
//!
//! Every other pairing (a `decimal128` of scale 3 for money, a `float64`, an integer for an
//! enum or a text column) writes the cell's text into one reused buffer and types it as text.

use super::messages::KeyList;
use super::rows::{Problem, unused_text};
use super::typing::TextSink;
use crate::fields::{ColumnKind, FieldTyper, head_word};
use crate::input::{ArrowColumn, ArrowRows, Cell};
use crate::text_rules::text_problem;
use arrow::array::{Array, ArrowPrimitiveType, AsArray, GenericStringArray, OffsetSizeTrait, PrimitiveArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use pol_compiler::date;
use pol_compiler::tir::{Column, EntitySchema, RATIO_SCALE, Word};

/// Types every row of `rows` into `columns` (one word per row in each; 0 where the row has a
/// problem), storing read texts in `texts` and the key column's text of each row in `keys`.
/// Returns each row's own problem.
pub(crate) fn type_rows(
    typer: &FieldTyper<'_>,
    schema: &EntitySchema,
    used: &[bool],
    rows: &ArrowRows,
    columns: &mut [Vec<Word>],
    texts: &mut TextSink<'_>,
    keys: Option<&mut KeyList>,
) -> Vec<Option<Box<Problem>>> {
    let n_rows = rows.len;
    let mut problems: Vec<Option<Box<Problem>>> = vec![None; n_rows];
    let mut failed = Vec::new();
    let mut scratch = Vec::new();
    let key = schema.key.map(|column| column.0 as usize);
    let mut keys = keys;
    for (index, ((column, out), cells)) in schema.columns.iter().zip(columns.iter_mut()).zip(&rows.columns).enumerate()
    {
        let start = out.len();
        out.reserve(n_rows);
        let keep_text = used.get(index).copied().unwrap_or(false);
        failed.clear();
        let typing = Typing { typer, kind: ColumnKind::of(column), keep_text };
        typing.column(cells, n_rows, out, texts, &mut failed, &mut scratch);
        // One word per row: a row the arrays do not reach (never, for rows of one batch) is not
        // a value.
        for row in out.len().saturating_sub(start)..n_rows {
            failed.push(row);
            out.push(0);
        }
        out.truncate(start + n_rows);
        if key == Some(index)
            && let Some(keys) = keys.as_deref_mut()
        {
            for row in 0..n_rows {
                scratch.clear();
                let present = rows.write_text(index, row, &mut scratch);
                keys.push(present.then_some(scratch.as_slice()));
            }
        }
        // The first bad column of a row, in declaration order, is its problem.
        for row in &failed {
            if let Some(problem) = problems.get_mut(*row)
                && problem.is_none()
            {
                let reason = reason(typer, column, rows, index, *row, &mut scratch);
                *problem = Some(Box::new(Problem::bad_field(&column.name, &reason)));
            }
        }
    }
    for (row, problem) in problems.iter().enumerate() {
        if problem.is_some() {
            for column in columns.iter_mut() {
                let len = column.len();
                if let Some(word) = column.get_mut(len - n_rows + row) {
                    *word = 0;
                }
            }
        }
    }
    problems
}

/// Why the cell of `column` in row `row` is not a value: [`FieldTyper::type_cell`]'s reason on
/// the cell's text, as for a file.
fn reason(
    typer: &FieldTyper<'_>,
    column: &Column,
    rows: &ArrowRows,
    index: usize,
    row: usize,
    scratch: &mut Vec<u8>,
) -> String {
    scratch.clear();
    let cell = if rows.write_text(index, row, scratch) { Cell::Text(scratch) } else { Cell::Missing };
    typer.type_cell(column, cell).err().unwrap_or_else(|| "not a value of its type".to_string())
}

/// One column's typing.
struct Typing<'t, 'p> {
    typer: &'t FieldTyper<'p>,
    kind: ColumnKind,
    keep_text: bool,
}

impl Typing<'_, '_> {
    /// Pushes each row's word onto `out` (0 for a row whose cell is not a value) and the rows
    /// whose cell is not a value onto `failed`. The column's kind and its nulls are looked at
    /// once, not per cell: a column without nulls is typed without a null test.
    fn column(
        &self,
        cells: &ArrowColumn,
        n_rows: usize,
        out: &mut Vec<Word>,
        texts: &mut TextSink<'_>,
        failed: &mut Vec<usize>,
        scratch: &mut Vec<u8>,
    ) {
        let array = match cells {
            ArrowColumn::Default(text) => {
                // The default's text (rendered by the checker): typed once, or stored for each
                // row when it is a text the policy reads.
                return self.default(text.as_bytes(), n_rows, out, texts, failed);
            }
            ArrowColumn::Array(array) => array.as_ref(),
        };
        match (self.kind, array.data_type()) {
            (_, DataType::Utf8) => self.strings(array.as_string::<i32>(), out, texts, failed),
            (_, DataType::LargeUtf8) => self.strings(array.as_string::<i64>(), out, texts, failed),
            (ColumnKind::Bool, DataType::Boolean) => {
                let array = array.as_boolean();
                match array.nulls().filter(|nulls| nulls.null_count() > 0) {
                    // Read 64 values a word, not bit by bit.
                    None => {
                        let bits = array.values().bit_chunks();
                        for chunk in bits.iter() {
                            out.extend((0..64).map(|bit| Word::from((chunk >> bit) & 1 == 1)));
                        }
                        let rest = bits.remainder_bits();
                        out.extend((0..bits.remainder_len()).map(|bit| Word::from((rest >> bit) & 1 == 1)));
                    }
                    Some(nulls) => out.extend(array.values().iter().enumerate().map(|(row, value)| {
                        if nulls.is_valid(row) {
                            Word::from(value)
                        } else {
                            failed.push(row);
                            0
                        }
                    })),
                }
            }
            (ColumnKind::Date, DataType::Date32) => {
                let (first, last) = day_range();
                let array = array.as_primitive::<Date32Type>();
                typed(array, out, failed, |days| Word::try_from(days).ok().filter(|day| (first..=last).contains(day)));
            }
            (ColumnKind::Int(_) | ColumnKind::Money | ColumnKind::Ratio, DataType::Decimal128(_, scale))
                if self.decimal_scale(*scale).is_some() =>
            {
                let factor = self.decimal_scale(*scale).unwrap_or(1);
                let range = match self.kind {
                    ColumnKind::Int(range) => range,
                    _ => None,
                };
                typed(array.as_primitive::<Decimal128Type>(), out, failed, |value| scaled(value, factor, range));
            }
            (ColumnKind::Int(_) | ColumnKind::Money | ColumnKind::Ratio, data_type) if data_type.is_integer() => {
                let factor = self.decimal_scale(0).unwrap_or(1);
                let range = match self.kind {
                    ColumnKind::Int(range) => range,
                    _ => None,
                };
                let map = |value: i128| scaled(value, factor, range);
                match data_type {
                    DataType::Int8 => typed(array.as_primitive::<Int8Type>(), out, failed, map),
                    DataType::Int16 => typed(array.as_primitive::<Int16Type>(), out, failed, map),
                    DataType::Int32 => typed(array.as_primitive::<Int32Type>(), out, failed, map),
                    DataType::Int64 => typed(array.as_primitive::<Int64Type>(), out, failed, map),
                    DataType::UInt8 => typed(array.as_primitive::<UInt8Type>(), out, failed, map),
                    DataType::UInt16 => typed(array.as_primitive::<UInt16Type>(), out, failed, map),
                    DataType::UInt32 => typed(array.as_primitive::<UInt32Type>(), out, failed, map),
                    DataType::UInt64 => typed(array.as_primitive::<UInt64Type>(), out, failed, map),
                    _ => self.as_text(array, out, texts, failed, scratch),
                }
            }
            _ => self.as_text(array, out, texts, failed, scratch),
        }
    }

    /// The factor from a `decimal128` of scale `scale` to this column's word (10^(d − scale)
    /// for `d` decimals: 2 for money, 9 for a ratio, 0 for an integer), when its text is
    /// always well formed for the column.
    fn decimal_scale(&self, scale: i8) -> Option<i128> {
        let decimals: i8 = match self.kind {
            ColumnKind::Money => 2,
            ColumnKind::Ratio => 9,
            ColumnKind::Int(_) => 0,
            ColumnKind::Text | ColumnKind::County | ColumnKind::Bool | ColumnKind::Date | ColumnKind::Enum(_) => {
                return None;
            }
        };
        let shift = decimals.checked_sub(scale).filter(|_| scale >= 0)?;
        10i128.checked_pow(u32::try_from(shift).ok()?)
    }

    /// The word of a well-formed text, storing a kept text.
    fn text(&self, text: &[u8], texts: &mut TextSink<'_>) -> Option<Word> {
        match self.kind {
            ColumnKind::Text if text_problem(text).is_some() => None,
            ColumnKind::Text if self.keep_text => Some(texts_push(texts, text)),
            ColumnKind::Text => Some(unused_text()),
            kind => self.typer.word(kind, head_word(text, 0, text.len()), text),
        }
    }

    /// A column the batch lacks: its default's text, typed once (or stored for each row when
    /// it is a text the policy reads).
    fn default(
        &self,
        text: &[u8],
        n_rows: usize,
        out: &mut Vec<Word>,
        texts: &mut TextSink<'_>,
        failed: &mut Vec<usize>,
    ) {
        if self.kind == ColumnKind::Text && self.keep_text && text_problem(text).is_none() {
            out.extend((0..n_rows).map(|_| texts_push(texts, text)));
            return;
        }
        match self.text(text, texts) {
            Some(word) => out.extend(std::iter::repeat_n(word, n_rows)),
            None => {
                out.extend(std::iter::repeat_n(0, n_rows));
                failed.extend(0..n_rows);
            }
        }
    }

    /// A string column: each string is the cell's text, typed where it lies.
    fn strings<O: OffsetSizeTrait>(
        &self,
        array: &GenericStringArray<O>,
        out: &mut Vec<Word>,
        texts: &mut TextSink<'_>,
        failed: &mut Vec<usize>,
    ) {
        let values = array.values().as_slice();
        let offsets = array.value_offsets();
        let nulls = array.nulls().filter(|nulls| nulls.null_count() > 0);
        match self.kind {
            // A kept text is stored from the array's `&str` (no second UTF-8 check).
            ColumnKind::Text if self.keep_text => {
                each_string(offsets, values, nulls, out, failed, |row, text, _, _| {
                    text_problem(text).is_none().then(|| texts.push(array.value(row)))
                })
            }
            ColumnKind::Text => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                text_problem(text).is_none().then(unused_text)
            }),
            // Each kind in its own loop (`word` inlined with the kind known there): no branch on
            // the kind per cell, and the head word only for the kinds that read it.
            kind @ (ColumnKind::Bool | ColumnKind::Enum(_)) => {
                each_string(offsets, values, nulls, out, failed, |_, text, start, end| {
                    self.typer.word(kind, head_word(values, start, end), text)
                })
            }
            ColumnKind::Money => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                self.typer.word(ColumnKind::Money, 0, text)
            }),
            ColumnKind::Ratio => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                self.typer.word(ColumnKind::Ratio, 0, text)
            }),
            ColumnKind::Int(range) => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                self.typer.word(ColumnKind::Int(range), 0, text)
            }),
            ColumnKind::Date => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                self.typer.word(ColumnKind::Date, 0, text)
            }),
            ColumnKind::County => each_string(offsets, values, nulls, out, failed, |_, text, _, _| {
                self.typer.word(ColumnKind::County, 0, text)
            }),
        }
    }

    /// Any other column: each cell written as its text into `scratch`, then typed as text.
    fn as_text(
        &self,
        array: &dyn Array,
        out: &mut Vec<Word>,
        texts: &mut TextSink<'_>,
        failed: &mut Vec<usize>,
        scratch: &mut Vec<u8>,
    ) {
        for row in 0..array.len() {
            scratch.clear();
            let word =
                if crate::input::write_arrow_cell(array, row, scratch) { self.text(scratch, texts) } else { None };
            out.push(word.unwrap_or_else(|| {
                failed.push(row);
                0
            }));
        }
    }
}

/// Stores a text (valid UTF-8: Arrow strings and the texts written of other values are).
fn texts_push(texts: &mut TextSink<'_>, text: &[u8]) -> Word {
    texts.push(std::str::from_utf8(text).unwrap_or(""))
}

/// The days of 0001-01-01 and 9999-12-31: a `date32` between them is written `YYYY-MM-DD` and
/// read back as itself (the days the compiler's dates cover, `date::from_ymd`).
fn day_range() -> (Word, Word) {
    (date::from_ymd(1, 1, 1).unwrap_or(Word::MAX), date::from_ymd(9999, 12, 31).unwrap_or(Word::MIN))
}

/// `value × factor` when `value ≥ 0`, the product fits in 64 bits and, for an integer column,
/// lies in its range: exactly when the value's text is accepted.
#[inline(always)]
fn scaled(value: i128, factor: i128, range: Option<(i64, i64)>) -> Option<Word> {
    if value < 0 {
        return None;
    }
    let word =
        if factor == 1 { Word::try_from(value).ok()? } else { Word::try_from(value.checked_mul(factor)?).ok()? };
    range.is_none_or(|(low, high)| (low..=high).contains(&word)).then_some(word)
}

/// Each row of a string column (`offsets`, `values`, `nulls`) typed by `word_of(row, text,
/// start, end)` onto `out`; a null is not a value.
#[inline(always)]
fn each_string<O: OffsetSizeTrait>(
    offsets: &[O],
    values: &[u8],
    nulls: Option<&NullBuffer>,
    out: &mut Vec<Word>,
    failed: &mut Vec<usize>,
    mut word_of: impl FnMut(usize, &[u8], usize, usize) -> Option<Word>,
) {
    out.extend(offsets.windows(2).enumerate().map(|(row, bounds)| {
        let word = match bounds {
            [start, end] if nulls.is_none_or(|nulls| nulls.is_valid(row)) => {
                let (start, end) = (start.as_usize(), end.as_usize());
                values.get(start..end).and_then(|text| word_of(row, text, start, end))
            }
            _ => None,
        };
        word.unwrap_or_else(|| {
            failed.push(row);
            0
        })
    }));
}

/// A primitive column: each value mapped by `map` (`None`: not accepted; the text path then
/// gives the reason).
#[inline(always)]
fn typed<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    out: &mut Vec<Word>,
    failed: &mut Vec<usize>,
    map: impl Fn(i128) -> Option<Word>,
) where
    T::Native: Into<i128>,
{
    let values = array.values();
    match array.nulls().filter(|nulls| nulls.null_count() > 0) {
        None => out.extend(values.iter().enumerate().map(|(row, value)| {
            map((*value).into()).unwrap_or_else(|| {
                failed.push(row);
                0
            })
        })),
        Some(nulls) => out.extend(values.iter().enumerate().map(|(row, value)| {
            match nulls.is_valid(row).then(|| map((*value).into())).flatten() {
                Some(word) => word,
                None => {
                    failed.push(row);
                    0
                }
            }
        })),
    }
}

const _: () = assert!(RATIO_SCALE == 1_000_000_000);
