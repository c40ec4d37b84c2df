//! `pol gen`: seeded synthetic households, persons and cases for any policy, drawn from the
//! policy's own declarations and checked by the policy's own validation.
//!
//! # Approach
//!
//! The generator knows nothing about any particular policy. From the checked program it takes
//! each entity's columns ([`pol_compiler::tir::EntitySchema`]) and draws every value from the
//! column's declaration: keys unique (`h7`, `p7-2`, `c7-1` for household 7, its second person,
//! its first case), the household reference of persons and cases, a county of
//! `jurisdictions.csv` uniformly, booleans and enum variants uniformly, `int`s within their
//! declared range (0–99 without one), ratios 0–1 in hundredths, dates in the hundred years up to
//! the as-of date, and money up to twice the largest parameter of the same period any county has
//! on the as-of date, so that the policy's thresholds fall inside the range. A column with a
//! default takes it half of the time. Text columns take short words (`t1` to `t50`).
//!
//! A policy's `require` lines in its entities (a household needs exactly one head; a birth date
//! is on or before the as-of date) are not read here: the generator does not evaluate a single
//! expression itself. Each drawn household is evaluated by the reference interpreter
//! ([`pol_compiler::interp`], the semantics), and a household that comes out
//! [`Outcome::Invalid`] (a `require` failed) or [`Outcome::Error`] (an overflow, a division by
//! zero) is drawn again from its own random stream, up to [`MAX_TRIES`] times; after that the
//! run stops with an error naming the `require` (or the operation) that could not be met. So
//! every household written is one `pol run` accepts.
//!
//! Households are drawn, evaluated and written in blocks of [`BLOCK_HOUSEHOLDS`], so memory
//! does not grow with the number of households. Every household has its own random stream,
//! derived from the seed and its number: the same policy, as-of date, seed and count give
//! byte-identical files on every platform.
//!
//! # Bad rows
//!
//! With a bad-row rate above zero, that share of households (decided on a stream of its own, so
//! the households themselves do not change) has one typed cell of the household row or of one of
//! its person rows written with a `?` appended (`true?`, `12?`, `2019-03-01?`, `full?`), which no
//! field pattern accepts: `pol run` rejects exactly those households, with all their persons and
//! cases ([`GenerateCounts`] says how many rows).

mod error;

pub use error::GenerateError;

use pol_compiler::engine::{Batch, Columns, CountyTable, Engine, EvalErrorKind, Outcome};
use pol_compiler::interp::Interpreter;
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::text::{TextTable, TextTables};
use pol_compiler::tir::{Column, ColumnTy, EntitySchema, EnumId, Program, RATIO_SCALE, Ty, Word};
use pol_grammar::ast::{EntityKind, Period};
use std::io::Write;
use std::path::Path;

/// How many times a household is drawn before the run gives up on it.
pub const MAX_TRIES: u32 = 1_000;

/// Households drawn, evaluated and written together.
pub const BLOCK_HOUSEHOLDS: usize = 256;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateConfig {
    /// Number of household rows.
    pub households: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Share (0–1) of households written with one malformed cell.
    pub bad_row_rate: f64,
}

/// What [`generate`] wrote, and what `pol run` must reject of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateCounts {
    /// Household rows written.
    pub households: u64,
    /// Person rows written.
    pub persons: u64,
    /// Case rows written.
    pub cases: u64,
    /// Households written with a malformed cell: the household rows `pol run` rejects.
    pub bad_households: u64,
    /// Person rows of those households (rejected with them).
    pub rejected_persons: u64,
    /// Case rows of those households (rejected with them).
    pub rejected_cases: u64,
}

/// An output table: where it goes and its name for errors.
pub struct Sink<'a> {
    /// The file, as shown in errors.
    pub path: &'a Path,
    /// Where the rows go (buffer it: rows are written one at a time).
    pub writer: &'a mut dyn Write,
}

/// The output tables: one per entity; cases only when the policy declares them.
pub struct Sinks<'a> {
    /// `households.csv`.
    pub households: Sink<'a>,
    /// `persons.csv`.
    pub persons: Sink<'a>,
    /// `cases.csv`, written when the program declares cases.
    pub cases: Option<Sink<'a>>,
}

/// Generates `config.households` households for `program` and writes them, with their persons
/// and cases, as CSV with the headers `pol run` reads. `counties` is the county table of the
/// as-of date (the interpreter evaluates with it; its as-of date bounds the dates drawn).
///
/// # Errors
///
/// A column no value of which `pol run` can read, no county to draw, a `require` (or an
/// evaluation) that fails on every one of [`MAX_TRIES`] draws of a household, a bad-row rate
/// outside 0–1 (or above 0 with no typed column), or an output that cannot be written.
pub fn generate(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    counties: &CountyTable,
    config: &GenerateConfig,
    sinks: Sinks<'_>,
) -> Result<GenerateCounts, GenerateError> {
    if !(0.0..=1.0).contains(&config.bad_row_rate) {
        return Err(GenerateError::BadRate { rate: config.bad_row_rate });
    }
    let plan = Plan::new(program, jurisdictions, counties)?;
    if config.bad_row_rate > 0.0 && !plan.has_corruptible_column() {
        return Err(GenerateError::NoBadField);
    }
    let Sinks { mut households, mut persons, mut cases } = sinks;
    write_header(&mut households, &program.household)?;
    write_header(&mut persons, &program.person)?;
    if let Some(cases) = &mut cases {
        write_header(cases, &program.case)?;
    }
    let mut writer = TableWriter { plan: &plan, households, persons, cases, row: String::new() };
    let engine = Interpreter::new(program);
    let mut counts = GenerateCounts::default();
    let mut first = 1;
    while first <= config.households {
        let last = config.households.min(first.saturating_add(BLOCK_HOUSEHOLDS as u64 - 1));
        let mut block: Vec<Candidate> = (first..=last).map(|number| plan.draw(config.seed, number)).collect();
        accept_all(&plan, &engine, counties, &mut block)?;
        for candidate in &block {
            let bad = choose_bad_cell(&plan, config, candidate);
            writer.write(candidate, bad, &mut counts)?;
        }
        first = last.saturating_add(1);
        if last == u64::MAX {
            break;
        }
    }
    writer.flush()?;
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// What each column draws

/// How one column's values are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Draw {
    /// The record's key (`h7`, `p7-2`, `c7-1`): its entity's letter.
    Key(char),
    /// The household's key (persons and cases).
    HouseholdRef,
    /// A county index below this count.
    County(usize),
    /// `true`/`false`.
    Bool(Option<Word>),
    /// An integer in `low..=high`.
    Int(Word, Word, Option<Word>),
    /// Fen in `0..=high`.
    Money(Word, Option<Word>),
    /// Hundredths 0–100, as a ratio word.
    Ratio(Option<Word>),
    /// A day in `from..=to`.
    Date(Word, Word, Option<Word>),
    /// A variant index of this enum, below this count.
    Enum(EnumId, usize, Option<Word>),
    /// A word like `village_12`.
    Text,
}

impl Draw {
    /// Whether a `?` appended to the written value makes `pol run` reject it.
    fn corruptible(self, codes_clean: bool) -> bool {
        match self {
            Draw::Key(_) | Draw::HouseholdRef | Draw::Text => false,
            Draw::County(_) => codes_clean,
            Draw::Bool(_) | Draw::Int(..) | Draw::Money(..) | Draw::Ratio(_) | Draw::Date(..) | Draw::Enum(..) => true,
        }
    }
}

/// One drawn cell.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// A value (or a county index).
    Word(Word),
    /// A key, household reference or text.
    Text(String),
}

/// The drawing plan of a program: one [`Draw`] per column of each entity.
#[derive(Debug)]
struct Plan<'p> {
    program: &'p Program,
    jurisdictions: &'p JurisdictionTable,
    household: Vec<Draw>,
    person: Vec<Draw>,
    case: Vec<Draw>,
    /// Whether no county code contains `?` (so a county cell can be corrupted).
    codes_clean: bool,
}

/// Days in a hundred years: how far back dates go.
const DATE_SPAN_DAYS: Word = 36_525;

impl<'p> Plan<'p> {
    fn new(
        program: &'p Program,
        jurisdictions: &'p JurisdictionTable,
        counties: &CountyTable,
    ) -> Result<Plan<'p>, GenerateError> {
        let draws = |schema: &EntitySchema| -> Result<Vec<Draw>, GenerateError> {
            schema
                .columns
                .iter()
                .map(|column| column_draw(program, jurisdictions, counties, schema.kind, column))
                .collect()
        };
        let household = draws(&program.household)?;
        let person = if program.person.declared { draws(&program.person)? } else { Vec::new() };
        let case = if program.case.declared { draws(&program.case)? } else { Vec::new() };
        let codes_clean = jurisdictions.counties.iter().all(|county| !county.code.contains('?'));
        Ok(Plan { program, jurisdictions, household, person, case, codes_clean })
    }

    fn has_corruptible_column(&self) -> bool {
        self.household.iter().chain(&self.person).any(|draw| draw.corruptible(self.codes_clean))
    }

    /// Household `number`, drawn for the first time.
    fn draw(&self, seed: u64, number: u64) -> Candidate {
        let mut candidate = Candidate {
            number,
            rng: Rng::new(seed, number),
            household: Vec::new(),
            persons: Vec::new(),
            cases: Vec::new(),
            tries: 0,
            accepted: false,
        };
        self.redraw(&mut candidate);
        candidate
    }

    /// Draws the household, its persons and its cases again, from its stream.
    fn redraw(&self, candidate: &mut Candidate) {
        let number = candidate.number;
        let rng = &mut candidate.rng;
        candidate.household = self.household.iter().map(|draw| draw_cell(*draw, rng, number, 0)).collect();
        let n_persons = if self.program.person.declared { 1 + rng.below(5) } else { 0 };
        candidate.persons = (1..=n_persons)
            .map(|member| self.person.iter().map(|draw| draw_cell(*draw, rng, number, member)).collect())
            .collect();
        let n_cases = if self.program.case.declared && rng.below(2) == 1 { 1 + rng.below(2) } else { 0 };
        candidate.cases = (1..=n_cases)
            .map(|member| self.case.iter().map(|draw| draw_cell(*draw, rng, number, member)).collect())
            .collect();
        candidate.tries += 1;
    }
}

/// How `column` of `entity` is drawn, or why it cannot be.
fn column_draw(
    program: &Program,
    jurisdictions: &JurisdictionTable,
    counties: &CountyTable,
    entity: EntityKind,
    column: &Column,
) -> Result<Draw, GenerateError> {
    let unwritable = |why: &str| GenerateError::UnwritableColumn {
        span: column.span,
        column: column.name.clone(),
        why: why.to_string(),
    };
    // `pol run` reads unsigned digits only: a negative default is never written.
    let default = column.default.filter(|word| *word >= 0);
    let draw = match column.ty {
        ColumnTy::Key => Draw::Key(match entity {
            EntityKind::Household => 'h',
            EntityKind::Person => 'p',
            EntityKind::Case => 'c',
        }),
        ColumnTy::HouseholdRef => Draw::HouseholdRef,
        ColumnTy::County if jurisdictions.counties.is_empty() => {
            return Err(GenerateError::NoCounty { span: column.span, column: column.name.clone() });
        }
        ColumnTy::County => Draw::County(jurisdictions.counties.len()),
        ColumnTy::Value(Ty::Bool) => Draw::Bool(default),
        ColumnTy::Value(Ty::Int) => {
            let (low, high) = column.range.unwrap_or((0, 99));
            if high < 0 {
                return Err(unwritable(
                    "`pol run` reads integers written as digits, so never a negative one; declare a range that \
                     includes 0 or more",
                ));
            }
            Draw::Int(low.max(0), high, default)
        }
        ColumnTy::Value(Ty::Money(period)) => Draw::Money(money_ceiling(program, counties, period), default),
        ColumnTy::Value(Ty::Ratio) => Draw::Ratio(default),
        ColumnTy::Value(Ty::Date) => Draw::Date(counties.as_of.saturating_sub(DATE_SPAN_DAYS), counties.as_of, default),
        ColumnTy::Value(Ty::Enum(id)) => {
            let Some(def) = program.enums.get(id.0 as usize) else {
                return Err(GenerateError::Internal { message: format!("column `{}` has no enum", column.name) });
            };
            let n_variants = def.variants.len();
            if n_variants == 0 {
                return Err(unwritable("the enum has no variant to write; declare at least one"));
            }
            Draw::Enum(id, n_variants, default)
        }
        ColumnTy::Value(Ty::Text) => Draw::Text,
    };
    Ok(draw)
}

/// The largest fen a money column of `period` draws: twice the largest parameter of that period
/// in any county on the as-of date, or a plain ceiling when the policy has none.
fn money_ceiling(program: &Program, counties: &CountyTable, period: Period) -> Word {
    let n_params = program.params.len();
    let largest = (0..counties.len())
        .filter_map(|county| counties.row(county))
        .flat_map(|row| row.iter().take(n_params).zip(&program.params))
        .filter(|(_, param)| param.ty == Ty::Money(period))
        .map(|(word, _)| *word)
        .max();
    let fallback_yuan = match period {
        Period::Lump => 20_000,
        Period::Month => 5_000,
        Period::Year => 60_000,
    };
    match largest {
        Some(largest) if largest > 0 => largest.saturating_mul(2),
        Some(_) | None => fallback_yuan * 100,
    }
}

/// One cell of record `member` (1-based; 0 for the household) of household `number`.
fn draw_cell(draw: Draw, rng: &mut Rng, number: u64, member: u64) -> Cell {
    let or_default = |rng: &mut Rng, default: Option<Word>, value: &dyn Fn(&mut Rng) -> Word| match default {
        Some(word) if rng.below(2) == 0 => word,
        Some(_) | None => value(rng),
    };
    let word = match draw {
        Draw::Key(letter) if member == 0 => return Cell::Text(format!("{letter}{number}")),
        Draw::Key(letter) => return Cell::Text(format!("{letter}{number}-{member}")),
        Draw::HouseholdRef => return Cell::Text(format!("h{number}")),
        Draw::Text => return Cell::Text(format!("t{}", 1 + rng.below(50))),
        Draw::County(n_counties) => rng.below(n_counties as u64) as Word,
        Draw::Bool(default) => or_default(rng, default, &|rng| rng.below(2) as Word),
        Draw::Int(low, high, default) => or_default(rng, default, &|rng| rng.between(low, high)),
        Draw::Money(high, default) => or_default(rng, default, &|rng| rng.between(0, high)),
        Draw::Ratio(default) => or_default(rng, default, &|rng| rng.between(0, 100) * (RATIO_SCALE / 100)),
        Draw::Date(from, to, default) => or_default(rng, default, &|rng| rng.between(from, to)),
        Draw::Enum(_, n_variants, default) => or_default(rng, default, &|rng| rng.below(n_variants as u64) as Word),
    };
    Cell::Word(word)
}

// ---------------------------------------------------------------------------------------------
// Drawing until the policy accepts

/// A household being drawn, with its persons and cases.
#[derive(Debug)]
struct Candidate {
    /// Its number, from 1.
    number: u64,
    /// Its own random stream.
    rng: Rng,
    household: Vec<Cell>,
    persons: Vec<Vec<Cell>>,
    cases: Vec<Vec<Cell>>,
    /// Draws so far.
    tries: u32,
    /// Whether the interpreter accepted the current draw.
    accepted: bool,
}

/// Evaluates the block until every household is accepted, redrawing the others.
fn accept_all(
    plan: &Plan<'_>,
    engine: &Interpreter,
    counties: &CountyTable,
    block: &mut [Candidate],
) -> Result<(), GenerateError> {
    loop {
        let pending = block.iter().filter(|candidate| !candidate.accepted);
        let batch = to_batch(plan, pending.clone());
        if batch.households.len == 0 {
            return Ok(());
        }
        let result = engine.evaluate(&batch, counties);
        if result.outcomes.len() != batch.households.len {
            return Err(GenerateError::Internal {
                message: format!("{} outcomes for {} households", result.outcomes.len(), batch.households.len),
            });
        }
        let pending = block.iter_mut().filter(|candidate| !candidate.accepted);
        for (candidate, outcome) in pending.zip(result.outcomes) {
            match outcome {
                Outcome::Ok => candidate.accepted = true,
                Outcome::Invalid { .. } | Outcome::Error(_) if candidate.tries < MAX_TRIES => plan.redraw(candidate),
                Outcome::Invalid { rule, .. } => return Err(unsatisfiable(plan.program, rule, candidate)),
                Outcome::Error(error) => return Err(failed_evaluation(error, candidate)),
            }
        }
    }
}

fn unsatisfiable(program: &Program, rule: pol_compiler::tir::RuleId, candidate: &Candidate) -> GenerateError {
    match program.rule(rule) {
        Some(rule) => {
            GenerateError::Unsatisfiable { span: rule.span, tries: candidate.tries, household: candidate.number }
        }
        None => GenerateError::Internal { message: format!("validation rule {} does not exist", rule.0) },
    }
}

fn failed_evaluation(error: pol_compiler::engine::EvalError, candidate: &Candidate) -> GenerateError {
    let reason = match error.kind {
        EvalErrorKind::Overflow => "a result beyond the 64-bit range",
        EvalErrorKind::DivisionByZero => "a division by zero",
        EvalErrorKind::EmptyAggregate => "`max`, `min` or `first` over no member",
        EvalErrorKind::NoMatchingArm => "no `match` arm for the value",
        EvalErrorKind::MalformedBatch => {
            return GenerateError::Internal { message: "the generated batch is malformed".into() };
        }
    };
    GenerateError::Evaluation {
        span: error.span,
        reason: reason.into(),
        tries: candidate.tries,
        household: candidate.number,
    }
}

/// The batch of `candidates`, their texts as batch texts.
fn to_batch<'c>(plan: &Plan<'_>, candidates: impl Iterator<Item = &'c Candidate>) -> Batch {
    let program = plan.program;
    let mut batch = Batch {
        households: Columns::with_columns(program.household.columns.len()),
        persons: Columns::with_columns(program.person.columns.len()),
        cases: Columns::with_columns(program.case.columns.len()),
        person_offsets: vec![0],
        case_offsets: vec![0],
        texts: TextTable::new(),
    };
    let mut words = Vec::new();
    for candidate in candidates {
        push_row(&mut batch.households, &mut batch.texts, &mut words, &candidate.household);
        for person in &candidate.persons {
            push_row(&mut batch.persons, &mut batch.texts, &mut words, person);
        }
        for case in &candidate.cases {
            push_row(&mut batch.cases, &mut batch.texts, &mut words, case);
        }
        batch.person_offsets.push(batch.persons.len as u32);
        batch.case_offsets.push(batch.cases.len as u32);
    }
    batch
}

fn push_row(columns: &mut Columns, texts: &mut TextTable, words: &mut Vec<Word>, cells: &[Cell]) {
    words.clear();
    for cell in cells {
        words.push(match cell {
            Cell::Word(word) => *word,
            Cell::Text(text) => texts.push_handle(text),
        });
    }
    columns.push_row(words);
}

// ---------------------------------------------------------------------------------------------
// Bad rows

/// Where the malformed cell of a bad household goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadCell {
    /// 0 for the household row, `i` for its `i`-th person.
    record: usize,
    /// The column.
    column: usize,
}

/// The cell to corrupt in `candidate`, if it is to be a bad household.
fn choose_bad_cell(plan: &Plan<'_>, config: &GenerateConfig, candidate: &Candidate) -> Option<BadCell> {
    if config.bad_row_rate <= 0.0 {
        return None;
    }
    let mut rng = Rng::new(!config.seed, candidate.number);
    if !rng.chance(config.bad_row_rate) {
        return None;
    }
    let corruptible = |draws: &[Draw]| -> Vec<usize> {
        draws
            .iter()
            .enumerate()
            .filter(|(_, draw)| draw.corruptible(plan.codes_clean))
            .map(|(index, _)| index)
            .collect()
    };
    let (household, person) = (corruptible(&plan.household), corruptible(&plan.person));
    let slots: Vec<BadCell> = household
        .iter()
        .map(|&column| BadCell { record: 0, column })
        .chain(
            (1..=candidate.persons.len())
                .flat_map(|record| person.iter().map(move |&column| BadCell { record, column })),
        )
        .collect();
    slots.get(rng.below(slots.len() as u64) as usize).copied()
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes the rows of accepted households.
struct TableWriter<'w, 'a, 'p> {
    plan: &'a Plan<'p>,
    households: Sink<'w>,
    persons: Sink<'w>,
    cases: Option<Sink<'w>>,
    /// The row being formatted (reused).
    row: String,
}

impl TableWriter<'_, '_, '_> {
    fn write(
        &mut self,
        candidate: &Candidate,
        bad: Option<BadCell>,
        counts: &mut GenerateCounts,
    ) -> Result<(), GenerateError> {
        let plan = self.plan;
        let bad_column = |record: usize| bad.filter(|bad| bad.record == record).map(|bad| bad.column);
        format_row(plan, &plan.household, &candidate.household, bad_column(0), &mut self.row)?;
        write_row(&mut self.households, &self.row)?;
        for (index, person) in candidate.persons.iter().enumerate() {
            format_row(plan, &plan.person, person, bad_column(index + 1), &mut self.row)?;
            write_row(&mut self.persons, &self.row)?;
        }
        if let Some(sink) = &mut self.cases {
            for case in &candidate.cases {
                format_row(plan, &plan.case, case, None, &mut self.row)?;
                write_row(sink, &self.row)?;
            }
        }
        counts.households += 1;
        counts.persons += candidate.persons.len() as u64;
        counts.cases += candidate.cases.len() as u64;
        if bad.is_some() {
            counts.bad_households += 1;
            counts.rejected_persons += candidate.persons.len() as u64;
            counts.rejected_cases += candidate.cases.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenerateError> {
        for sink in [Some(&mut self.households), Some(&mut self.persons), self.cases.as_mut()].into_iter().flatten() {
            sink.writer.flush().map_err(|error| write_error(sink.path, &error))?;
        }
        Ok(())
    }
}

fn write_header(sink: &mut Sink<'_>, schema: &EntitySchema) -> Result<(), GenerateError> {
    let mut row = String::new();
    for (index, column) in schema.columns.iter().enumerate() {
        if index > 0 {
            row.push(',');
        }
        push_field(&mut row, &column.name);
    }
    row.push('\n');
    write_row(sink, &row)
}

fn write_row(sink: &mut Sink<'_>, row: &str) -> Result<(), GenerateError> {
    sink.writer.write_all(row.as_bytes()).map_err(|error| write_error(sink.path, &error))
}

fn write_error(path: &Path, error: &std::io::Error) -> GenerateError {
    GenerateError::Write { path: path.display().to_string(), message: error.to_string() }
}

/// Formats one record as a CSV line (with its `\n`); the cell at `bad_column` gets a `?`.
fn format_row(
    plan: &Plan<'_>,
    draws: &[Draw],
    cells: &[Cell],
    bad_column: Option<usize>,
    row: &mut String,
) -> Result<(), GenerateError> {
    row.clear();
    let schema_columns = draws.iter().zip(cells);
    for (index, (draw, cell)) in schema_columns.enumerate() {
        if index > 0 {
            row.push(',');
        }
        match (draw, cell) {
            (_, Cell::Text(text)) => push_field(row, text),
            (Draw::County(_), Cell::Word(word)) => {
                let county = usize::try_from(*word).ok().and_then(|index| plan.jurisdictions.counties.get(index));
                let Some(county) = county else {
                    return Err(GenerateError::Internal { message: format!("county index {word} was drawn") });
                };
                push_field(row, &county.code);
            }
            (draw, Cell::Word(word)) => {
                let texts = TextTables { literals: &[], batch: &pol_compiler::text::NO_TEXTS, jurisdiction: &[] };
                let mut text = String::new();
                pol_compiler::format::write_word(&mut text, plan.program, &texts, value_ty(*draw), *word);
                push_field(row, &text);
            }
        }
        if bad_column == Some(index) {
            row.push('?');
        }
    }
    row.push('\n');
    Ok(())
}

/// The type a word of `draw` is written as.
fn value_ty(draw: Draw) -> Ty {
    match draw {
        Draw::Bool(_) => Ty::Bool,
        Draw::Int(..) | Draw::County(_) => Ty::Int,
        Draw::Money(..) => Ty::Money(Period::Lump),
        Draw::Ratio(_) => Ty::Ratio,
        Draw::Date(..) => Ty::Date,
        Draw::Enum(id, ..) => Ty::Enum(id),
        Draw::Key(_) | Draw::HouseholdRef | Draw::Text => Ty::Text,
    }
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
fn push_field(row: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        row.push('"');
        row.push_str(&text.replace('"', "\"\""));
        row.push('"');
    } else {
        row.push_str(text);
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, and the same on every platform.
#[derive(Debug, Clone)]
struct Rng {
    state: u64,
}

impl Rng {
    /// The stream of household `number` under `seed`.
    fn new(seed: u64, number: u64) -> Rng {
        let mut mixer = Rng { state: seed ^ number.wrapping_mul(0xD1B5_4A32_D192_ED03) };
        Rng { state: mixer.next_u64() }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `low..=high` (`low` when `high <= low`).
    fn between(&mut self, low: Word, high: Word) -> Word {
        if high <= low {
            return low;
        }
        let width = (i128::from(high) - i128::from(low) + 1) as u128;
        let offset = (u128::from(self.next_u64()) * width) >> 64;
        (i128::from(low) + offset as i128) as Word
    }

    /// True with probability `p` (0–1).
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) * (1.0 / 9_007_199_254_740_992.0) < p
    }
}
