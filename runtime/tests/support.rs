//! Test helpers: compile a policy from text (or a directory), write input files, run, read outputs.

use pol_compiler::diagnostic::{SourceKind, Sources, render_plain};
use pol_compiler::engine::CountyTable;
use pol_compiler::interp::Interpreter;
use pol_compiler::jurisdictions::JurisdictionTable;
use pol_compiler::tir::{Program, Word};
use pol_runtime::{RunOptions, RunSummary, RuntimeError};
use std::path::{Path, PathBuf};

/// A compiled policy with its county table.
pub struct Compiled {
    pub sources: Sources,
    pub program: Program,
    pub jurisdictions: JurisdictionTable,
    pub counties: CountyTable,
}

/// `2019-07-01`.
pub fn as_of() -> Word {
    day("2019-07-01")
}

pub fn day(text: &str) -> Word {
    pol_compiler::date::parse_iso(text).unwrap_or(Word::MIN)
}

/// Compiles the sources (every stage), panicking with the rendered diagnostics on failure.
pub fn compile(sources: Sources, as_of: Word) -> Compiled {
    let render = |sources: &Sources, diagnostics: Vec<pol_compiler::diagnostic::Diagnostic>| -> String {
        diagnostics.into_iter().map(|diagnostic| render_plain(sources, diagnostic)).collect::<Vec<_>>().join("\n")
    };
    let mut files = Vec::new();
    for (id, file) in sources.of_kind(SourceKind::Pol) {
        match pol_grammar::parse_file(id, &file.text) {
            Ok(ast) => files.push((id, ast)),
            Err(errors) => {
                let diagnostics = errors
                    .into_iter()
                    .map(|error| pol_compiler::diagnostic::Diagnostic::new(Some(error.span()), error))
                    .collect();
                panic!("parse errors:\n{}", render(&sources, diagnostics));
            }
        }
    }
    let jurisdictions_csv =
        sources.of_kind(SourceKind::Jurisdictions).next().map(|(id, file)| (id, file.text.as_str()));
    let (program, jurisdictions) = match pol_compiler::check::ast_to_tir(&files, jurisdictions_csv) {
        Ok(result) => result,
        Err(diagnostics) => panic!("check errors:\n{}", render(&sources, diagnostics)),
    };
    let params: Vec<_> = sources.of_kind(SourceKind::Params).map(|(id, file)| (id, file.text.as_str())).collect();
    let set = match pol_compiler::params::load(&program, &jurisdictions, &params) {
        Ok(set) => set,
        Err(diagnostics) => panic!("parameter errors:\n{}", render(&sources, diagnostics)),
    };
    let counties = match set.county_table(&program, &jurisdictions, as_of) {
        Ok(counties) => counties,
        Err(diagnostic) => panic!("county table error:\n{}", render(&sources, vec![diagnostic])),
    };
    Compiled { sources, program, jurisdictions, counties }
}

/// Compiles one `.pol` text with a `jurisdictions.csv` text.
pub fn compile_text(pol: &str, jurisdictions_csv: &str) -> Compiled {
    let mut sources = Sources::default();
    sources.add("policy.pol", pol, SourceKind::Pol);
    sources.add("jurisdictions.csv", jurisdictions_csv, SourceKind::Jurisdictions);
    compile(sources, as_of())
}

/// A small policy exercising every column type, validations, outputs of every entity, and a
/// report with counts, sums, a budget and a rate.
pub const SMALL_POL: &str = r#"
enum Kind { plain, special }

jurisdictions {
  county_code: key
  county_name: text
  city_code: city
  city_name: text
  deep: bool
}

household {
  household_id: key
  county_code: county
  village: text
  income: 元/月
  flag: bool = false
  months: int = 0
  kind: Kind = plain
  require count(members) > 0 "户内没有成员"
  require count(members where is_head) == 1 "每户须有且仅有一位户主"
}

person {
  person_id: key
  household_id: household
  name: text
  is_head: bool
  birth_date: date
  grade: int 0..4 = 0
  share: ratio = 0
  require birth_date <= as_of "出生日期晚于评估日期"
}

case {
  case_id: key
  household_id: household
  amount: 元
  urgent: bool = false
}

param standard: 元/月 {
  = 500
}

person adult: bool = age(birth_date) >= 18
person weight: ratio = 1 / (grade - 3)
household n: int = count(members)
household adults: int = count(members where adult)
household gap: 元/月 = standard * n - income
household paid: 元/月 = max(gap, 0)
household head_name: text = first(members where is_head, name)
household severe: ratio = sum(members, weight)
case level: int = if amount <= 1000 { 1 } else { 2 }

output household_results for household {
  household_id
  county_code
  village
  n
  gap
  paid
  kind
  head = mask(head_name)
  severe
}

output paid_only for household where paid > 0 {
  household_id
  paid
}

output people for person {
  person_id
  household_id
  name
  adult
  share
  birth_date
}

output case_results for case {
  case_id
  household_id
  level
  urgent
}

report for household_results {
  by county, city, province
  count kind
  sum n, paid, gap
  budget paid "补助资金" 100000 元/年
  rate adult_share = n / n where county.deep below 50%
}
"#;

pub const SMALL_JURISDICTIONS: &str = "county_code,county_name,city_code,city_name,deep\n\
610102,新城区,610100,西安市,false\n\
610103,碑林区,610100,西安市,true\n\
610802,榆阳区,610800,榆林市,true\n";

/// A temporary directory with input files.
pub struct Inputs {
    pub dir: tempfile::TempDir,
}

impl Inputs {
    pub fn new() -> Inputs {
        Inputs { dir: tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}")) }
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("mkdir: {error}"));
        }
        std::fs::write(&path, contents).unwrap_or_else(|error| panic!("write {name}: {error}"));
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|error| panic!("read {name}: {error}"))
    }
}

/// Runs and checks that every row is counted (read = accepted + rejected), panicking with the
/// rendered error otherwise.
pub fn run_ok(compiled: &Compiled, options: &RunOptions<'_>) -> RunSummary {
    let summary =
        run_with(compiled, options).unwrap_or_else(|error| panic!("{}", render_error(&compiled.sources, error)));
    for counts in [summary.households, summary.persons, summary.cases] {
        assert_eq!(counts.read, counts.accepted + counts.rejected, "{summary}");
    }
    summary
}

/// Runs the compiled policy on the interpreter.
pub fn run_with(compiled: &Compiled, options: &RunOptions<'_>) -> Result<RunSummary, RuntimeError> {
    let engine = Interpreter::new(&compiled.program);
    pol_runtime::run(&compiled.program, &compiled.counties, &compiled.jurisdictions, options, &engine)
}

/// Options for `households`, `persons` (and `cases` if given) in `inputs`, output in `out`.
pub fn options<'a>(
    compiled: &'a Compiled,
    inputs: &Inputs,
    households: &str,
    persons: &str,
    cases: Option<&str>,
    out: &str,
) -> RunOptions<'a> {
    let mut options = RunOptions::new(inputs.path(households), inputs.path(persons), inputs.path(out), as_of());
    options.cases = cases.map(|name| inputs.path(name));
    options.sources = Some(&compiled.sources);
    options.threads = Some(2);
    options
}

/// Every file of a directory, sorted, as (name, bytes).
pub fn dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| {
                    (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The rendered diagnostic of a runtime error.
pub fn render_error(sources: &Sources, error: RuntimeError) -> String {
    let diagnostic = error.into_diagnostic();
    // The same error in Chinese leaves no English word outside backticks (see `pol_compiler::i18n`).
    let left = pol_compiler::i18n::english_left_in_chinese_diagnostic(&diagnostic, pol_compiler::i18n::ALLOWED_ENGLISH);
    assert!(
        left.is_empty(),
        "English left in the Chinese rendering of {:?}: {left:?}\n{}",
        diagnostic.code(),
        diagnostic.error
    );
    render_plain(sources, diagnostic)
}
