//! The interface shared by the two engines: columnar batches in, rule columns and per-household
//! outcomes out.
//!
//! A [`Batch`] holds households, their persons and their cases as columns of [`Word`]s (struct
//! of arrays). Persons and cases are grouped by household: the persons of household `h` are rows
//! `person_offsets[h]..person_offsets[h + 1]`. An [`Engine`] evaluates every rule of
//! [`Program::order`] for every household and writes one column per rule into a
//! [`BatchResult`]. The interpreter ([`crate::interp`]) defines the semantics; the JIT
//! ([`crate::jit`]) must produce the same words and the same outcomes.

use crate::text::TextTable;
use crate::tir::{Bracket, Program, RuleId, ScaleId, Word};
use pol_grammar::Span;
use pol_grammar::ast::EntityKind;

/// Columns of one entity: `columns[c][row]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    /// Number of rows.
    pub len: usize,
    /// One column per schema column, each `len` long.
    pub columns: Vec<Vec<Word>>,
}

impl Columns {
    /// Empty columns for a schema of `n_columns`.
    pub fn with_columns(n_columns: usize) -> Columns {
        Columns { len: 0, columns: vec![Vec::new(); n_columns] }
    }

    /// Appends a row (one word per column).
    pub fn push_row(&mut self, row: &[Word]) {
        for (column, word) in self.columns.iter_mut().zip(row) {
            column.push(*word);
        }
        self.len += 1;
    }

    /// One cell.
    pub fn get(&self, column: usize, row: usize) -> Option<Word> {
        self.columns.get(column)?.get(row).copied()
    }
}

/// A batch of households with their persons and cases.
///
/// Build one with [`Batch::empty`] and [`Batch::push_household`] (or push rows into the columns
/// and close each household with [`Batch::end_household`]), which keep the invariant below; there
/// is no `Default`, because a batch without its `[0]` offsets breaks it.
///
/// INVARIANT (checked by [`Batch::validate`] before any engine runs): every column of an entity
/// has that entity's `len` rows; the offsets are non-decreasing, start at 0, end at the persons'
/// (cases') `len`, and have `households.len + 1` entries; the household county column holds
/// indices below the county table's length.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Household columns, in the schema's order.
    pub households: Columns,
    /// Person columns, grouped by household.
    pub persons: Columns,
    /// `households.len + 1` offsets into the person rows.
    pub person_offsets: Vec<u32>,
    /// Case columns, grouped by household.
    pub cases: Columns,
    /// `households.len + 1` offsets into the case rows.
    pub case_offsets: Vec<u32>,
    /// Texts of input cells; batch text handles index this table.
    pub texts: TextTable,
}

/// Parameter values and jurisdiction attributes per county, resolved for one as-of date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountyTable {
    /// Words per county: the program's parameters in order, then its attributes in order.
    pub width: usize,
    /// `n_counties × width` words, county by county.
    pub words: Vec<Word>,
    /// Jurisdiction texts; jurisdiction text handles index this table.
    pub texts: Vec<String>,
    /// The as-of date the parameters were resolved for.
    pub as_of: Word,
    /// Per county row, per scale of the program (by [`ScaleId`]), the brackets in force for
    /// that county on `as_of` (empty when the scale is not in force). Engines read the
    /// brackets of a *local* scale ([`crate::tir::ScaleDef::is_local`]) here, those of a scale
    /// the province alone sets from the program: [`CountyTable::brackets`].
    pub scales: Vec<Vec<Vec<Bracket>>>,
}

impl CountyTable {
    /// Number of counties.
    pub fn len(&self) -> usize {
        // A table of width 0 (a program with no parameter and no attribute) has no words, and
        // so no county row to read: 0 is its length by definition.
        self.words.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there is no county.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The brackets of `scale` for a county: a local scale's from this table, a scale the
    /// province alone sets from the program (which [`Program::on`] left with its version in
    /// force). What both engines apply; `None` when the scale or county is not there.
    pub fn brackets<'a>(&'a self, program: &'a Program, county: usize, scale: ScaleId) -> Option<&'a [Bracket]> {
        let def = program.scales.get(scale.0 as usize)?;
        if def.is_local() { self.county_brackets(county, scale) } else { def.in_force() }
    }

    /// The brackets this table holds for `scale` in a county.
    pub fn county_brackets(&self, county: usize, scale: ScaleId) -> Option<&[Bracket]> {
        Some(self.scales.get(county)?.get(scale.0 as usize)?.as_slice())
    }

    /// The words of one county.
    pub fn row(&self, county: usize) -> Option<&[Word]> {
        let start = county.checked_mul(self.width)?;
        self.words.get(start..start.checked_add(self.width)?)
    }
}

/// Why an evaluation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalErrorKind {
    /// A result beyond the 64-bit range.
    Overflow,
    /// A division by zero.
    DivisionByZero,
    /// `max`, `min` or `first` over no member.
    EmptyAggregate,
    /// A `match` with no arm for the value (the checker rejects such matches; kept so that
    /// generated programs cannot make an engine misbehave).
    NoMatchingArm,
    /// The batch broke its invariant ([`Batch::validate`]), or an engine read a cell, county
    /// row or rule column that is not there: an internal error, never a user's.
    MalformedBatch,
}

/// An evaluation error of one household: what, where in the policy, in which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvalError {
    /// What went wrong.
    pub kind: EvalErrorKind,
    /// The operation that failed.
    pub span: Span,
    /// The rule being evaluated.
    pub rule: RuleId,
    /// The person or case row within the household (0 for a household rule).
    pub member: u32,
}

impl EvalError {
    /// The error every household of a batch that breaks its invariant gets: an internal error
    /// of the caller, with no place in the policy.
    pub fn malformed_batch() -> EvalError {
        EvalError { kind: EvalErrorKind::MalformedBatch, span: Span::default(), rule: RuleId(0), member: 0 }
    }
}

/// How a household came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every rule has a value.
    Ok,
    /// A validation rule was false: the household is rejected. `member` is the person or case
    /// row within the household (0 for a household validation).
    Invalid {
        /// The validation rule.
        rule: RuleId,
        /// The row within the household.
        member: u32,
    },
    /// Evaluation failed; rule values of this household are unspecified.
    Error(EvalError),
}

/// What an engine writes for a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchResult {
    /// One column per household rule (by slot), `households.len` rows.
    pub household: Vec<Vec<Word>>,
    /// One column per person rule (by slot), `persons.len` rows.
    pub person: Vec<Vec<Word>>,
    /// One column per case rule (by slot), `cases.len` rows.
    pub case: Vec<Vec<Word>>,
    /// One outcome per household.
    pub outcomes: Vec<Outcome>,
}

impl BatchResult {
    /// Zeroed rule columns for every rule of `program` over `batch`, and no outcome yet. Each
    /// column is allocated zeroed (not cloned), so untouched pages cost nothing.
    pub fn zeroed(program: &Program, batch: &Batch) -> BatchResult {
        let columns = |entity, rows: usize| (0..program.n_rules(entity)).map(|_| vec![0; rows]).collect();
        BatchResult {
            household: columns(EntityKind::Household, batch.households.len),
            person: columns(EntityKind::Person, batch.persons.len),
            case: columns(EntityKind::Case, batch.cases.len),
            outcomes: Vec::with_capacity(batch.households.len),
        }
    }

    /// Gives the result the shape of `program`'s rule columns over `batch`, reusing its
    /// buffers: a column keeps the words it had where it already had rows (new rows are 0), and
    /// the outcomes are cleared. An engine that writes every word it must then costs no
    /// allocation and no zeroing per batch.
    pub fn reshape(&mut self, program: &Program, batch: &Batch) {
        let shapes = [
            (&mut self.household, EntityKind::Household, batch.households.len),
            (&mut self.person, EntityKind::Person, batch.persons.len),
            (&mut self.case, EntityKind::Case, batch.cases.len),
        ];
        for (columns, entity, rows) in shapes {
            columns.resize_with(program.n_rules(entity), Vec::new);
            for column in columns.iter_mut() {
                column.resize(rows, 0);
            }
        }
        self.outcomes.clear();
        self.outcomes.reserve(batch.households.len);
    }

    /// The rule columns of one entity, by slot.
    pub fn columns(&self, entity: EntityKind) -> &[Vec<Word>] {
        match entity {
            EntityKind::Household => &self.household,
            EntityKind::Person => &self.person,
            EntityKind::Case => &self.case,
        }
    }

    /// The rule columns of one entity, by slot, to write.
    pub fn columns_mut(&mut self, entity: EntityKind) -> &mut [Vec<Word>] {
        match entity {
            EntityKind::Household => &mut self.household,
            EntityKind::Person => &mut self.person,
            EntityKind::Case => &mut self.case,
        }
    }

    /// [`BatchResult::reshape`], then every word 0: what [`BatchResult::zeroed`] gives, in
    /// reused buffers.
    pub fn reset(&mut self, program: &Program, batch: &Batch) {
        self.reshape(program, batch);
        for column in self.household.iter_mut().chain(&mut self.person).chain(&mut self.case) {
            column.fill(0);
        }
    }
}

/// An evaluator of checked programs over batches.
pub trait Engine: Send + Sync {
    /// The engine's name, `interp` or `jit`.
    fn name(&self) -> &'static str;

    /// Evaluates every rule for every household of a batch that satisfies its invariant.
    fn evaluate(&self, batch: &Batch, counties: &CountyTable) -> BatchResult {
        let mut result = BatchResult::default();
        self.evaluate_into(batch, counties, &mut result);
        result
    }

    /// Like [`Engine::evaluate`], into a result whose buffers are reused (whatever it held
    /// before is replaced): the way to evaluate batch after batch.
    fn evaluate_into(&self, batch: &Batch, counties: &CountyTable, result: &mut BatchResult);
}

/// A batch that breaks its invariant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal error: malformed batch ({0}); please report this")]
pub struct BatchShapeError(pub String);

impl Batch {
    /// A batch of no household for `program`'s schemas: one empty column per schema column and
    /// the offsets `[0]`.
    pub fn empty(program: &Program) -> Batch {
        Batch {
            households: Columns::with_columns(program.household.columns.len()),
            persons: Columns::with_columns(program.person.columns.len()),
            person_offsets: vec![0],
            cases: Columns::with_columns(program.case.columns.len()),
            case_offsets: vec![0],
            texts: TextTable::new(),
        }
    }

    /// Appends a household row with its persons' and cases' rows (one word per schema column
    /// each), and closes it ([`Batch::end_household`]).
    pub fn push_household<'r>(
        &mut self,
        household: &[Word],
        persons: impl IntoIterator<Item = &'r [Word]>,
        cases: impl IntoIterator<Item = &'r [Word]>,
    ) -> Result<(), BatchShapeError> {
        self.households.push_row(household);
        for person in persons {
            self.persons.push_row(person);
        }
        for case in cases {
            self.cases.push_row(case);
        }
        self.end_household()
    }

    /// Closes the household pushed last: its persons and cases are the rows pushed since the
    /// previous household was closed. Fails when a batch holds 2³² persons or cases or more
    /// (offsets are `u32`).
    pub fn end_household(&mut self) -> Result<(), BatchShapeError> {
        let offset = |rows: usize| u32::try_from(rows).map_err(|_| BatchShapeError("more than 2³² rows".into()));
        let (persons, cases) = (offset(self.persons.len)?, offset(self.cases.len)?);
        self.person_offsets.push(persons);
        self.case_offsets.push(cases);
        Ok(())
    }

    /// Checks the batch invariant against a program and county table. Engines call this first:
    /// generated code reads nothing outside a batch that passed.
    pub fn validate(&self, program: &Program, counties: &CountyTable) -> Result<(), BatchShapeError> {
        if let Some(rule) = program.rules.iter().find(|rule| !rule.versions.is_empty()) {
            let message = format!("rule `{}` has dated versions: evaluate `Program::on(as_of)`", rule.name);
            return Err(BatchShapeError(message));
        }
        if let Some(scale) = program
            .scales
            .iter()
            .find(|scale| scale.versions.len() != 1 || scale.versions.iter().any(|version| version.from.is_some()))
        {
            let message = format!("scale `{}` has dated versions: evaluate `Program::on(as_of)`", scale.name);
            return Err(BatchShapeError(message));
        }
        let entity_checks = [
            ("household", &self.households, program.household.columns.len()),
            ("person", &self.persons, program.person.columns.len()),
            ("case", &self.cases, program.case.columns.len()),
        ];
        for (name, columns, expected) in entity_checks {
            if columns.columns.len() != expected {
                return Err(BatchShapeError(format!("{name} has {} columns, not {expected}", columns.columns.len())));
            }
            if columns.columns.iter().any(|column| column.len() != columns.len) {
                return Err(BatchShapeError(format!("{name} columns differ in length")));
            }
        }
        for (name, offsets, rows) in
            [("person", &self.person_offsets, self.persons.len), ("case", &self.case_offsets, self.cases.len)]
        {
            let well_formed = offsets.len() == self.households.len + 1
                && offsets.first() == Some(&0)
                && offsets.last().map(|last| *last as usize) == Some(rows)
                && offsets.windows(2).all(|pair| matches!(pair, [a, b] if a <= b));
            if !well_formed {
                return Err(BatchShapeError(format!("{name} offsets do not partition the rows")));
            }
        }
        if let Some(county) = program.household.county {
            let n_counties = counties.len() as Word;
            let column = self.households.columns.get(county.0 as usize);
            if column.is_some_and(|column| column.iter().any(|c| *c < 0 || *c >= n_counties)) {
                return Err(BatchShapeError("county index out of range".into()));
            }
        }
        if program.scales.iter().any(|scale| scale.is_local())
            && (counties.scales.len() < counties.len().max(1)
                || counties.scales.iter().any(|row| row.len() != program.scales.len()))
        {
            return Err(BatchShapeError("the county table lacks the brackets of a local scale".into()));
        }
        let expected_width = program.params.len() + program.jurisdiction.attrs.len();
        if counties.width != expected_width {
            return Err(BatchShapeError(format!("county table width {} is not {expected_width}", counties.width)));
        }
        Ok(())
    }
}
