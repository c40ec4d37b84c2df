//! Arrow-native evaluation: Arrow record batches in, Arrow record batches and rejects out,
//! without files (issue 14, step 1; the Python package and the Spark/Ray examples build on it).
//!
//! An [`Evaluator`] holds a compiled policy, its county table for one as-of date, an engine and
//! a thread pool; it is `Send + Sync` and evaluates any number of batches, from any thread:
//! - [`Evaluator::evaluate_nested`]: one row per household, its members in a `persons` column of
//!   type `list<struct<…person columns…>>` (and its cases in `cases`, when the policy has cases);
//!   the person struct may leave out the household reference column (it is the household's id);
//! - [`Evaluator::evaluate_grouped`]: flat household, person (and case) batches, as the flat files
//!   of `pol run` hold them.
//!
//! Cells are accepted and rejected as `pol run` accepts and rejects them in a Parquet file (the
//! same Arrow types, plus `float64`, read as its shortest text: see `crate::input::Floats`), but
//! typed straight from the arrays, without writing them as text (`pipeline/arrow_typing.rs`),
//! then validated and evaluated by the workers of `pol run` (`crate::pipeline::memory`), in
//! chunks on all the pool's threads. Row `i` of a batch has line
//! `i + 2` in rejects, as the same table written as CSV would; the persons (cases) of a nested
//! batch are numbered in order across households. The outputs are the tables
//! `pol run --output-format parquet` writes (same schema, same values, same row order), each in
//! the batches its chunks produced ([`OutputTable`]), and the rejects are `rejects.csv`'s rows.

use crate::error::RuntimeError;
use crate::input::{Floats, flat_rows, flatten_members};
pub use crate::output::OutputTable;
use crate::pipeline::RowCounts;
use crate::pipeline::memory::{self, MemoryInput};
use arrow::array::{ArrayRef, RecordBatch, StringBuilder, UInt64Builder};
use arrow::datatypes::{DataType, Field, Schema};
use pol_compiler::engine::{CountyTable, Engine};
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::Program;
use std::sync::Arc;

/// Households per chunk of parallel work.
pub const CHUNK_HOUSEHOLDS: usize = 8192;

/// The header of [`Evaluated::rejects_csv`].
pub const REJECTS_HEADER: &str = "file,line,household_id,field,reason\n";

/// A compiled policy ready to evaluate Arrow batches.
pub struct Evaluator {
    program: Program,
    jurisdictions: JurisdictionTable,
    counties: CountyTable,
    engine: Box<dyn Engine>,
    pool: rayon::ThreadPool,
    chunk_households: usize,
    file_names: [String; 3],
    /// Batches and results reused by the next evaluation.
    recycled: memory::Recycled,
}

/// The results of one evaluation.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The output tables, in the policy's order: each its rows in batches (see
    /// [`OutputTable`]).
    pub tables: Vec<OutputTable>,
    /// `rejects.csv`'s rows without its header: households, then persons, then cases.
    pub rejects: Vec<u8>,
    /// Households, persons and cases read, accepted and rejected.
    pub counts: [RowCounts; 3],
}

impl Evaluated {
    /// The output table `name`.
    pub fn table(&self, name: &str) -> Option<&OutputTable> {
        self.tables.iter().find(|table| table.name == name)
    }

    /// The whole `rejects.csv` text, header included.
    pub fn rejects_csv(&self) -> String {
        format!("{REJECTS_HEADER}{}", String::from_utf8_lossy(&self.rejects))
    }

    /// The rejects as a batch with `rejects.csv`'s columns: `file`, `line` (`uint64`),
    /// `household_id`, `field`, `reason` (`utf8`, never null), one row per reject, in
    /// `rejects.csv`'s order. The cells are `rejects.csv`'s as a CSV reader reads them (an id
    /// that starts like a spreadsheet formula keeps the `'` put before it, a forbidden
    /// character is shown as `<U+XXXX>`), so this batch equals `rejects.csv` read back.
    pub fn rejects_batch(&self) -> Result<RecordBatch, RuntimeError> {
        let mut file = StringBuilder::new();
        let mut line = UInt64Builder::new();
        let mut household = StringBuilder::new();
        let mut field = StringBuilder::new();
        let mut reason = StringBuilder::new();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(self.rejects.as_slice());
        for record in reader.records() {
            let record = record.map_err(|error| RuntimeError::internal(format!("a rejects row: {error}")))?;
            let cell = |index: usize| record.get(index).unwrap_or("");
            let number = cell(1)
                .parse::<u64>()
                .map_err(|_| RuntimeError::internal(format!("a rejects row with line `{}`", cell(1))))?;
            file.append_value(cell(0));
            line.append_value(number);
            household.append_value(cell(2));
            field.append_value(cell(3));
            reason.append_value(cell(4));
        }
        let schema = Schema::new(vec![
            Field::new("file", DataType::Utf8, false),
            Field::new("line", DataType::UInt64, false),
            Field::new("household_id", DataType::Utf8, false),
            Field::new("field", DataType::Utf8, false),
            Field::new("reason", DataType::Utf8, false),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(file.finish()),
            Arc::new(line.finish()),
            Arc::new(household.finish()),
            Arc::new(field.finish()),
            Arc::new(reason.finish()),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).map_err(|error| RuntimeError::internal(error.to_string()))
    }
}

impl Evaluator {
    /// An evaluator of `program` with the county table of an as-of date, `engine` and
    /// `threads` worker threads.
    pub fn new(
        program: Program,
        jurisdictions: JurisdictionTable,
        counties: CountyTable,
        engine: Box<dyn Engine>,
        threads: usize,
    ) -> Result<Evaluator, RuntimeError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|error| RuntimeError::internal(error.to_string()))?;
        Ok(Evaluator {
            program,
            jurisdictions,
            counties,
            engine,
            pool,
            chunk_households: CHUNK_HOUSEHOLDS,
            file_names: ["households".to_string(), "persons".to_string(), "cases".to_string()],
            recycled: memory::Recycled::default(),
        })
    }

    /// The same evaluator cutting batches into chunks of `households` households (at least 1;
    /// by default [`CHUNK_HOUSEHOLDS`]): the unit of parallel work, and the rows of each output
    /// batch.
    pub fn with_chunk_households(mut self, households: usize) -> Evaluator {
        self.chunk_households = households.max(1);
        self
    }

    /// The names rejects give the households', persons' and cases' rows (by default
    /// `households`, `persons`, `cases`; `pol run` gives the file names).
    pub fn with_file_names(mut self, households: &str, persons: &str, cases: &str) -> Evaluator {
        self.file_names = [households.to_string(), persons.to_string(), cases.to_string()];
        self
    }

    /// The same evaluator with other reject names (see [`Evaluator::with_file_names`]), for one
    /// evaluation: the policy and the engine are shared, not copied.
    pub fn with_file_names_ref<'a>(&'a self, households: &str, persons: &str, cases: &str) -> Named<'a> {
        Named { evaluator: self, file_names: [households.to_string(), persons.to_string(), cases.to_string()] }
    }

    /// The policy.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Evaluates households whose members are in a `persons` (and `cases`) list column.
    pub fn evaluate_nested(&self, households: &RecordBatch) -> Result<Evaluated, RuntimeError> {
        self.nested_named(households, &self.file_names)
    }

    /// Evaluates flat batches; persons (and cases) name their household by its id.
    pub fn evaluate_grouped(
        &self,
        households: &RecordBatch,
        persons: &RecordBatch,
        cases: Option<&RecordBatch>,
    ) -> Result<Evaluated, RuntimeError> {
        self.grouped_named(households, persons, cases, &self.file_names)
    }

    /// [`Evaluator::evaluate_nested`] with the reject names `file_names` (the lists are
    /// flattened on the pool's threads).
    fn nested_named(&self, households: &RecordBatch, file_names: &[String; 3]) -> Result<Evaluated, RuntimeError> {
        let input = self.pool.install(|| nested_input(&self.program, households, file_names))?;
        self.evaluate(&input)
    }

    /// [`Evaluator::evaluate_grouped`] with the reject names `file_names`.
    fn grouped_named(
        &self,
        households: &RecordBatch,
        persons: &RecordBatch,
        cases: Option<&RecordBatch>,
        file_names: &[String; 3],
    ) -> Result<Evaluated, RuntimeError> {
        let input = grouped_input(&self.program, households, persons, cases, file_names)?;
        self.evaluate(&input)
    }

    fn evaluate(&self, input: &MemoryInput) -> Result<Evaluated, RuntimeError> {
        let output = memory::evaluate(
            &self.program,
            &self.counties,
            &self.jurisdictions,
            self.engine.as_ref(),
            &self.pool,
            self.chunk_households,
            input,
            &self.recycled,
        )?;
        Ok(Evaluated { tables: output.tables, rejects: output.rejects, counts: output.counts })
    }
}

/// An [`Evaluator`] borrowed with other reject names.
pub struct Named<'a> {
    evaluator: &'a Evaluator,
    file_names: [String; 3],
}

impl Named<'_> {
    /// [`Evaluator::evaluate_nested`] with these names.
    pub fn evaluate_nested(&self, households: &RecordBatch) -> Result<Evaluated, RuntimeError> {
        self.evaluator.nested_named(households, &self.file_names)
    }

    /// [`Evaluator::evaluate_grouped`] with these names.
    pub fn evaluate_grouped(
        &self,
        households: &RecordBatch,
        persons: &RecordBatch,
        cases: Option<&RecordBatch>,
    ) -> Result<Evaluated, RuntimeError> {
        self.evaluator.grouped_named(households, persons, cases, &self.file_names)
    }
}

/// The rows of flat batches.
fn grouped_input(
    program: &Program,
    households: &RecordBatch,
    persons: &RecordBatch,
    cases: Option<&RecordBatch>,
    file_names: &[String; 3],
) -> Result<MemoryInput, RuntimeError> {
    let [household_file, person_file, case_file] = file_names;
    let cases = cases.map(|cases| flat_rows(cases, case_file, &program.case, Floats::ShortestText)).transpose()?;
    Ok(MemoryInput {
        households: flat_rows(households, household_file, &program.household, Floats::ShortestText)?,
        persons: flat_rows(persons, person_file, &program.person, Floats::ShortestText)?,
        person_offsets: None,
        references_filled: false,
        case_spread: cases.as_ref().map_or_else(Vec::new, |rows| rows.spread.clone()),
        cases: cases.map(|rows| rows.to_raw_table(2)),
        file_names: file_names.clone(),
    })
}

/// The rows of a nested household batch.
pub(crate) fn nested_input(
    program: &Program,
    households: &RecordBatch,
    file_names: &[String; 3],
) -> Result<MemoryInput, RuntimeError> {
    let [household_file, person_file, case_file] = file_names;
    let household_rows = flat_rows(households, household_file, &program.household, Floats::ShortestText)?;
    let key = program.household.key.and_then(|key| program.household.columns.get(key.0 as usize));
    let key = key.map(|column| column.name.as_str());
    // The persons and the cases are flattened side by side (on the current rayon pool).
    let (persons, cases) = rayon::join(
        || {
            flatten_members(
                households,
                "persons",
                household_file,
                person_file,
                &program.person,
                key,
                Floats::ShortestText,
            )
        },
        || -> Result<_, RuntimeError> {
            if !program.case.declared {
                return Ok(None);
            }
            let cases = flatten_members(
                households,
                "cases",
                household_file,
                case_file,
                &program.case,
                key,
                Floats::ShortestText,
            )?;
            Ok(cases.map(|members| (members.rows.spread.clone(), members.rows.to_raw_table(2))))
        },
    );
    let persons = persons?.ok_or_else(|| missing_list(household_file, "persons"))?;
    let (case_spread, cases) = match cases? {
        Some((spread, table)) => (spread, Some(table)),
        None => (Vec::new(), None),
    };
    Ok(MemoryInput {
        households: household_rows,
        references_filled: persons.reference_filled,
        person_offsets: Some(persons.offsets),
        persons: persons.rows,
        cases,
        case_spread,
        file_names: file_names.clone(),
    })
}

fn missing_list(file: &str, column: &str) -> RuntimeError {
    RuntimeError::MissingColumn {
        file: file.to_string(),
        column: column.to_string(),
        help: format!("give each household its members in a `{column}` column of type list<struct<…>>"),
        span: None,
        header: None,
        header_at: None,
    }
}
