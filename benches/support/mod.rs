//! Setup shared by the benches: the Shaanxi policy, synthetic data and in-memory batches.
//!
//! Nothing here is measured. A bench calls [`Shaanxi::load`] once, generates its data with
//! [`generate_csv`] (the Shaanxi-shaped seeded generator `pol_testkit::synth`, into memory) and, for the compute
//! benches, turns the CSV text into [`Batch`]es with [`Shaanxi::batch`], chunk by chunk
//! ([`for_each_chunk`]). Cells are typed the way `pol run` types them (runtime `fields.rs`: money
//! in fen, dates in days, enums by variant index, counties by index, texts as batch handles); the
//! benches then check that the engines agree with each other and with the oracle, so a typing
//! slip here would stop the bench instead of skewing it.
//!
//! Included with `mod support;` by each bench; each bench uses a part of it.

#![expect(dead_code, reason = "each bench crate includes this module and uses a different part of it")]

use pol_compiler::date;
use pol_compiler::diagnostic::Sources;
use pol_compiler::engine::{Batch, CountyTable};
use pol_compiler::policy::Policy;
use pol_compiler::text::{TextHandle, TextOrigin, TextTable};
use pol_compiler::tir::{Column, ColumnTy, EntitySchema, Ty, Word};
use pol_testkit::synth::{SynthConfig, county_codes_from_csv, generate};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Households per criterion iteration unless `POL_BENCH_HOUSEHOLDS` says otherwise.
pub const DEFAULT_HOUSEHOLDS: u64 = 100_000;

/// The evaluation date of the generated data and of every run: 2019-07-01.
pub const AS_OF: (i64, u32, u32) = (2019, 7, 1);

/// The number of households to bench: `POL_BENCH_HOUSEHOLDS` or [`DEFAULT_HOUSEHOLDS`].
pub fn bench_households() -> u64 {
    std::env::var("POL_BENCH_HOUSEHOLDS")
        .ok()
        .and_then(|text| text.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_HOUSEHOLDS)
}

/// The as-of date as a word (days since 1970-01-01).
pub fn as_of_word() -> Word {
    date::from_ymd(AS_OF.0, AS_OF.1, AS_OF.2).expect("2019-07-01 is a day")
}

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `policies/shaanxi`.
pub fn shaanxi_dir() -> PathBuf {
    repo_root().join("policies").join("shaanxi")
}

/// The compiled Shaanxi policy with its county table for [`AS_OF`].
pub struct Shaanxi {
    /// The policy's sources as read from disk.
    pub sources: Sources,
    /// The checked policy.
    pub policy: Policy,
    /// Parameters per county on [`AS_OF`].
    pub counties: CountyTable,
    county_index: HashMap<String, usize>,
}

impl Shaanxi {
    /// Loads and compiles `policies/shaanxi`; panics (the bench cannot run) on any error.
    pub fn load() -> Shaanxi {
        let sources = pol_runtime::load::load_policy_dir(&shaanxi_dir()).expect("policies/shaanxi is readable");
        let policy = match pol_compiler::policy::compile(&sources) {
            Ok(policy) => policy,
            Err(diagnostics) => panic!("policies/shaanxi does not compile: {} diagnostics", diagnostics.len()),
        };
        let counties = policy.county_table(as_of_word()).expect("the county table resolves on 2019-07-01");
        let county_index = policy
            .jurisdictions
            .counties
            .iter()
            .enumerate()
            .map(|(index, county)| (county.code.clone(), index))
            .collect();
        Shaanxi { sources, policy, counties, county_index }
    }

    /// The columnar batch of a group of households, typed against the program's schemas.
    pub fn batch(&self, data: &Csv, group: &[HouseholdRows]) -> Batch {
        let program = &self.policy.program;
        let mut batch = Batch::empty(program);
        let household_positions = positions(&program.household, &data.household_header);
        let person_positions = positions(&program.person, &data.person_header);
        let case_positions = positions(&program.case, &data.case_header);
        let mut row = Vec::new();
        for household in group {
            self.type_row(&program.household, &household_positions, &household.household, &mut batch.texts, &mut row);
            batch.households.push_row(&row);
            for person in &household.persons {
                self.type_row(&program.person, &person_positions, person, &mut batch.texts, &mut row);
                batch.persons.push_row(&row);
            }
            for case in &household.cases {
                self.type_row(&program.case, &case_positions, case, &mut batch.texts, &mut row);
                batch.cases.push_row(&row);
            }
            batch.end_household().expect("fewer than 4G persons and cases a batch");
        }
        batch.validate(program, &self.counties).expect("the bench builds well-formed batches");
        batch
    }

    /// Types one CSV record into one word per schema column.
    fn type_row(
        &self,
        schema: &EntitySchema,
        positions: &[usize],
        record: &csv::StringRecord,
        texts: &mut TextTable,
        row: &mut Vec<Word>,
    ) {
        row.clear();
        for (column, position) in schema.columns.iter().zip(positions) {
            let cell = record.get(*position).expect("the record has every header field");
            row.push(self.type_cell(column, cell, texts));
        }
    }

    /// Types one cell like `pol run` does (runtime `fields.rs`); panics on a cell the clean
    /// generator never writes.
    fn type_cell(&self, column: &Column, cell: &str, texts: &mut TextTable) -> Word {
        let name = column.name.as_str();
        match column.ty {
            ColumnTy::Key | ColumnTy::HouseholdRef | ColumnTy::Value(Ty::Text) => {
                let index = u32::try_from(texts.push(cell)).expect("fewer than 4G texts a batch");
                TextHandle::new(TextOrigin::Batch, index).to_word()
            }
            ColumnTy::County => *self.county_index.get(cell).unwrap_or_else(|| bad_cell(name, cell)) as Word,
            ColumnTy::Value(Ty::Money(_)) => parse_decimal(cell, 2).unwrap_or_else(|| bad_cell(name, cell)),
            ColumnTy::Value(Ty::Ratio) => parse_decimal(cell, 9).unwrap_or_else(|| bad_cell(name, cell)),
            ColumnTy::Value(Ty::Int) => match (parse_decimal(cell, 0), column.range) {
                (Some(value), Some((low, high))) if value < low || value > high => bad_cell(name, cell),
                (Some(value), _) => value,
                (None, _) => bad_cell(name, cell),
            },
            ColumnTy::Value(Ty::Bool) => match cell {
                "true" => 1,
                "false" => 0,
                _ => bad_cell(name, cell),
            },
            ColumnTy::Value(Ty::Date) => date::parse_iso(cell).unwrap_or_else(|| bad_cell(name, cell)),
            ColumnTy::Value(Ty::Enum(id)) => {
                let variants =
                    &self.policy.program.enums.get(id.0 as usize).unwrap_or_else(|| bad_cell(name, cell)).variants;
                variants.iter().position(|variant| variant == cell).unwrap_or_else(|| bad_cell(name, cell)) as Word
            }
        }
    }
}

/// Stops the bench on a cell the clean generator should never write.
fn bad_cell(column: &str, cell: &str) -> ! {
    panic!("bad `{column}` cell `{cell}` in generated data")
}

/// The header position of each schema column.
fn positions(schema: &EntitySchema, header: &csv::StringRecord) -> Vec<usize> {
    schema
        .columns
        .iter()
        .map(|column| {
            header
                .iter()
                .position(|name| name == column.name)
                .unwrap_or_else(|| panic!("no column `{}` in the header", column.name))
        })
        .collect()
}

/// `^[0-9]+(\.[0-9]{1,decimals})?$` scaled by `10^decimals`, as `pol run` reads money, ratios
/// and ints; `None` for any other text.
pub fn parse_decimal(text: &str, decimals: u32) -> Option<Word> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) if decimals > 0 => (whole, fraction),
        _ => (text, ""),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > decimals as usize {
        return None;
    }
    if text.contains('.') && (decimals == 0 || fraction.is_empty()) {
        return None;
    }
    let mut value: Word = whole.parse().ok()?;
    for index in 0..decimals as usize {
        let digit = fraction.as_bytes().get(index).map_or(0, |byte| Word::from(byte - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    Some(value)
}

/// The three generated CSV files, in memory.
pub struct Csv {
    /// `households.csv`.
    pub households: Vec<u8>,
    /// `persons.csv`.
    pub persons: Vec<u8>,
    /// `cases.csv`.
    pub cases: Vec<u8>,
    /// The households header.
    pub household_header: csv::StringRecord,
    /// The persons header.
    pub person_header: csv::StringRecord,
    /// The cases header.
    pub case_header: csv::StringRecord,
    /// How many persons were written.
    pub n_persons: u64,
    /// How many cases were written.
    pub n_cases: u64,
}

/// The seeded synthetic data of `gen-shaanxi policies/shaanxi --households N` (clean: no bad row).
pub fn generate_csv(n_households: u64) -> Csv {
    let jurisdictions =
        std::fs::read_to_string(shaanxi_dir().join("jurisdictions.csv")).expect("jurisdictions.csv is readable");
    let codes = county_codes_from_csv(&jurisdictions);
    let config = SynthConfig { households: n_households, ..SynthConfig::default() };
    let (mut households, mut persons, mut cases) = (Vec::new(), Vec::new(), Vec::new());
    let counts =
        generate(&config, &codes, &mut households, &mut persons, &mut cases).expect("generation into memory succeeds");
    let header = |bytes: &[u8]| csv::Reader::from_reader(bytes).headers().expect("a header row").clone();
    Csv {
        household_header: header(&households),
        person_header: header(&persons),
        case_header: header(&cases),
        households,
        persons,
        cases,
        n_persons: counts.persons,
        n_cases: counts.cases,
    }
}

/// Writes the generated files into `dir` (created) as `households.csv`, `persons.csv` and
/// `cases.csv`.
pub fn write_csv(data: &Csv, dir: &Path) {
    std::fs::create_dir_all(dir).expect("the data directory can be created");
    for (name, bytes) in
        [("households.csv", &data.households), ("persons.csv", &data.persons), ("cases.csv", &data.cases)]
    {
        std::fs::write(dir.join(name), bytes).expect("the data file can be written");
    }
}

/// One household's records: its row, its persons' rows and its cases' rows.
pub struct HouseholdRows {
    /// The household row.
    pub household: csv::StringRecord,
    /// Its persons, in file order.
    pub persons: Vec<csv::StringRecord>,
    /// Its cases, in file order.
    pub cases: Vec<csv::StringRecord>,
}

/// Walks the three files in lockstep and calls `each` with groups of `chunk_households`
/// households (the last group may be smaller). The generator writes persons and cases grouped
/// by household in household order; anything else panics.
pub fn for_each_chunk(data: &Csv, chunk_households: usize, mut each: impl FnMut(&[HouseholdRows])) {
    let mut households = csv::Reader::from_reader(data.households.as_slice());
    let mut persons = csv::Reader::from_reader(data.persons.as_slice()).into_records().peekable();
    let mut cases = csv::Reader::from_reader(data.cases.as_slice()).into_records().peekable();
    let person_link = data.person_header.iter().position(|name| name == "household_id").expect("persons.household_id");
    let case_link = data.case_header.iter().position(|name| name == "household_id").expect("cases.household_id");
    let mut group = Vec::with_capacity(chunk_households);
    for household in households.records() {
        let household = household.expect("households.csv is valid CSV");
        let id = household.get(0).expect("a household_id").to_string();
        let take = |records: &mut std::iter::Peekable<csv::StringRecordsIntoIter<&[u8]>>, link: usize| {
            let mut taken = Vec::new();
            while let Some(Ok(record)) = records.peek() {
                if record.get(link) != Some(id.as_str()) {
                    break;
                }
                taken.extend(records.next().map(|record| record.expect("valid CSV")));
            }
            taken
        };
        let own_persons = take(&mut persons, person_link);
        let own_cases = take(&mut cases, case_link);
        group.push(HouseholdRows { household, persons: own_persons, cases: own_cases });
        if group.len() == chunk_households {
            each(&group);
            group.clear();
        }
    }
    if !group.is_empty() {
        each(&group);
    }
    assert!(persons.next().is_none(), "persons not grouped in household order");
    assert!(cases.next().is_none(), "cases not grouped in household order");
}

/// `households/s` for a count and a duration.
pub fn per_second(count: u64, seconds: f64) -> f64 {
    count as f64 / seconds
}

/// A directory removed when dropped.
pub struct ScratchDir(pub std::path::PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        let path = std::env::temp_dir().join(format!("pol-bench-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch directory");
        ScratchDir(path)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
