//! `pol` for Python: a compiled policy that evaluates pyarrow record batches and tables and
//! returns pyarrow tables (issue 14, step 2).
//!
//! This crate only translates: pyarrow ↔ arrow-rs through the Arrow C data interface
//! (`arrow-pyarrow`), paths and dates from Python, and `pol`'s diagnostics into Python exceptions.
//! Loading is `pol run`'s (`pol_runtime::load`, `pol_compiler::policy::compile`, `Policy::on`);
//! evaluation is `pol_runtime::arrow_eval::Evaluator`'s, with the GIL released. The Python side
//! (`pol/__init__.py`) re-exports these classes and defines the exception classes.

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef, UInt64Type};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, PyArrowType};
use pol_compiler::diagnostic::{Diagnostic, Sources, render_plain};
use pol_compiler::i18n::{Lang, localize};
use pol_compiler::tir::{EntitySchema, Program};
use pol_runtime::arrow_eval::{Evaluated, Evaluator, OutputTable};
use pol_runtime::commands::render::diagnostic_json;
use pol_runtime::commands::{EngineChoice, EngineUse, make_engines};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::path::PathBuf;
use std::sync::Arc;

/// The names rejects give the three inputs by default (the evaluator's).
const DEFAULT_FILE_NAMES: [&str; 3] = ["households", "persons", "cases"];

/// A `pol` error as the Python exception `pol.<class_name>` (`pol.PolicyError`,
/// `pol.DataError`), carrying the rendered text, the first code and every diagnostic as a dict.
fn pol_error(py: Python<'_>, class_name: &str, lang: Lang, sources: &Sources, diagnostics: Vec<Diagnostic>) -> PyErr {
    let mut text = String::new();
    let mut code: Option<String> = None;
    let mut items = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let diagnostic = Diagnostic { error: localize(lang, diagnostic.error), ..diagnostic };
        let json = diagnostic_json(sources, &diagnostic);
        if code.is_none() {
            code = json.get("code").and_then(|code| code.as_str()).map(str::to_string);
        }
        items.push(json.to_string());
        text.push_str(&render_plain(sources, diagnostic));
    }
    let build = || -> PyResult<PyErr> {
        let json = py.import("json")?;
        let list = PyList::empty(py);
        for item in &items {
            list.append(json.call_method1("loads", (item,))?)?;
        }
        let class = py.import("pol.errors")?.getattr(class_name)?;
        let value = class.call1((text.trim_end().to_string(), code.clone(), list))?;
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|error| error)
}

/// An error from the runtime (reading, a missing column, …) as `pol.DataError`, or as
/// `pol.PolicyError` when it is about the policy's files.
fn runtime_error(
    py: Python<'_>,
    lang: Lang,
    sources: &Sources,
    error: pol_runtime::RuntimeError,
    class_name: &str,
) -> PyErr {
    pol_error(py, class_name, lang, sources, vec![error.into_diagnostic()])
}

fn parse_date(text: &str) -> PyResult<i64> {
    pol_compiler::date::parse_iso(text)
        .ok_or_else(|| PyValueError::new_err(format!("`{text}` is not a date written YYYY-MM-DD")))
}

/// A policy compiled for one as-of date, with an engine, ready to evaluate Arrow data.
///
/// ``Policy(path, *, as_of="2019-07-01", engine="jit", scenario=None, threads=None)``
///
/// ``path`` is a policy directory (its ``.pol`` files, ``jurisdictions.csv`` and ``params/``)
/// or a reform (a directory or a ``.pol`` file starting ``reform of "BASE"``), as ``pol run``
/// takes it; ``scenario`` a parameter-only TOML file layered over its values (``--scenario``).
/// ``engine`` is ``"jit"`` (compiled) or ``"interp"`` (the reference interpreter); both give the
/// same results. ``threads`` is the number of worker threads of one evaluation (default: the
/// machine's cores; give 1 inside Spark or Ray, which run one task per core). ``lang`` is the
/// language of error messages, ``"en"`` or ``"zh"`` (default: from ``LC_ALL``, ``LC_MESSAGES``,
/// ``LANG``, as the ``pol`` command).
///
/// A policy is immutable and may be shared by any number of Python threads; evaluation releases
/// the GIL. Errors in the policy raise ``pol.PolicyError``.
#[pyclass(frozen, module = "pol._pol", name = "Policy")]
struct Policy {
    evaluator: Evaluator,
    sources: Sources,
    path: String,
    as_of: String,
    engine: String,
    lang: Lang,
}

/// The loaded policy and the engine, or the diagnostics that stopped them.
enum LoadError {
    Runtime(Box<pol_runtime::RuntimeError>),
    Policy(Sources, Vec<Diagnostic>),
    Engine(String),
}

fn load(
    path: &std::path::Path,
    scenario: Option<&std::path::Path>,
    as_of: i64,
    engine: EngineChoice,
    threads: usize,
) -> Result<(Evaluator, Sources), LoadError> {
    let mut sources = pol_runtime::load::load_policy_dir(path).map_err(|error| LoadError::Runtime(Box::new(error)))?;
    if let Some(scenario) = scenario {
        pol_runtime::load::add_scenario(&mut sources, scenario).map_err(|error| LoadError::Runtime(Box::new(error)))?;
    }
    let policy = match pol_compiler::policy::compile(&sources) {
        Ok(policy) => policy,
        Err(diagnostics) => return Err(LoadError::Policy(sources, diagnostics)),
    };
    let (policy, counties) = match policy.on(as_of) {
        Ok(dated) => dated,
        Err(diagnostics) => return Err(LoadError::Policy(sources, diagnostics)),
    };
    let mut engines = make_engines(&policy.program, engine, EngineUse::Outputs)
        .map_err(|report| LoadError::Engine(format!("{report:?}")))?;
    if engines.is_empty() {
        return Err(LoadError::Engine("no engine was built".to_string()));
    }
    let engine = engines.remove(0);
    let evaluator = Evaluator::new(policy.program, policy.jurisdictions, counties, engine, threads)
        .map_err(|error| LoadError::Runtime(Box::new(error)))?;
    Ok((evaluator, sources))
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (path, *, as_of = "2019-07-01", engine = "jit", scenario = None, threads = None, lang = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        as_of: &str,
        engine: &str,
        scenario: Option<PathBuf>,
        threads: Option<usize>,
        lang: Option<&str>,
    ) -> PyResult<Policy> {
        let date = parse_date(as_of)?;
        let lang = match lang {
            Some("en") => Lang::En,
            Some("zh") => Lang::Zh,
            Some(other) => {
                return Err(PyValueError::new_err(format!("unknown language `{other}`: give \"en\" or \"zh\"")));
            }
            None => {
                let var = |name| std::env::var(name).ok();
                Lang::from_env(var("LC_ALL").as_deref(), var("LC_MESSAGES").as_deref(), var("LANG").as_deref())
            }
        };
        let choice = match engine {
            "jit" => EngineChoice::Jit,
            "interp" => EngineChoice::Interp,
            other => {
                return Err(PyValueError::new_err(format!("unknown engine `{other}`: give \"jit\" or \"interp\"")));
            }
        };
        if threads == Some(0) {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let threads =
            threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
        let loaded = py.detach(|| load(&path, scenario.as_deref(), date, choice, threads));
        match loaded {
            Ok((evaluator, sources)) => Ok(Policy {
                evaluator,
                sources,
                path: path.display().to_string(),
                as_of: as_of.to_string(),
                engine: engine.to_string(),
                lang,
            }),
            Err(LoadError::Runtime(error)) => Err(runtime_error(py, lang, &Sources::default(), *error, "PolicyError")),
            Err(LoadError::Policy(sources, diagnostics)) => {
                Err(pol_error(py, "PolicyError", lang, &sources, diagnostics))
            }
            Err(LoadError::Engine(text)) => Err(pyo3::exceptions::PyRuntimeError::new_err(text)),
        }
    }

    /// The policy directory or reform, as given.
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// The as-of date, ``YYYY-MM-DD``.
    #[getter]
    fn as_of(&self) -> &str {
        &self.as_of
    }

    /// ``"jit"`` or ``"interp"``.
    #[getter]
    fn engine(&self) -> &str {
        &self.engine
    }

    /// The output tables' names, in the policy's order.
    #[getter]
    fn outputs(&self) -> Vec<String> {
        self.evaluator.program().outputs.iter().map(|output| output.name.clone()).collect()
    }

    /// Whether the policy declares cases (a ``cases`` input).
    #[getter]
    fn has_cases(&self) -> bool {
        self.evaluator.program().case.declared
    }

    /// The input columns of ``entity`` (``"household"``, ``"person"`` or ``"case"``), in
    /// declaration order.
    fn columns(&self, entity: &str) -> PyResult<Vec<String>> {
        Ok(entity_schema(self.evaluator.program(), entity)?.columns.iter().map(|column| column.name.clone()).collect())
    }

    /// The key column of ``entity`` (its id), if it has one.
    fn key(&self, entity: &str) -> PyResult<Option<String>> {
        let schema = entity_schema(self.evaluator.program(), entity)?;
        Ok(column_name(schema, schema.key))
    }

    /// The column of a person or case naming its household, if it has one.
    fn household_ref(&self, entity: &str) -> PyResult<Option<String>> {
        let schema = entity_schema(self.evaluator.program(), entity)?;
        Ok(column_name(schema, schema.household_ref))
    }

    /// Evaluates households whose members are nested: one row per household, its persons in a
    /// ``persons`` column of type ``list<struct<…>>`` (and its cases in ``cases``).
    ///
    /// ``households`` is a ``pyarrow.RecordBatch`` or ``pyarrow.Table`` (or anything with the
    /// Arrow stream interface). ``file_names`` are the names rejects give the households',
    /// persons' and cases' rows (default ``("households", "persons", "cases")``); ``lines`` the
    /// line numbers they give each row (three Int64 arrays or ``None``; default: the row's
    /// position + 2, as the same table written as CSV with a header).
    #[pyo3(signature = (households, *, file_names = None, lines = None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        households: &Bound<'_, PyAny>,
        file_names: Option<(String, String, String)>,
        lines: Option<(Option<Lines>, Option<Lines>, Option<Lines>)>,
    ) -> PyResult<Evaluation> {
        let households = one_batch(households)?;
        let evaluated = py.detach(|| self.evaluator.evaluate_nested(&households));
        self.finish(py, evaluated, file_names, lines)
    }

    /// Evaluates flat tables, as the flat files of ``pol run`` hold them: persons (and cases)
    /// name their household by its id. Arguments as for :meth:`evaluate`.
    #[pyo3(signature = (households, persons, cases = None, *, file_names = None, lines = None))]
    fn evaluate_grouped(
        &self,
        py: Python<'_>,
        households: &Bound<'_, PyAny>,
        persons: &Bound<'_, PyAny>,
        cases: Option<&Bound<'_, PyAny>>,
        file_names: Option<(String, String, String)>,
        lines: Option<(Option<Lines>, Option<Lines>, Option<Lines>)>,
    ) -> PyResult<Evaluation> {
        let households = one_batch(households)?;
        let persons = one_batch(persons)?;
        let cases = cases.map(one_batch).transpose()?;
        let evaluated = py.detach(|| self.evaluator.evaluate_grouped(&households, &persons, cases.as_ref()));
        self.finish(py, evaluated, file_names, lines)
    }

    fn __repr__(&self) -> String {
        format!("Policy({:?}, as_of={:?}, engine={:?})", self.path, self.as_of, self.engine)
    }
}

impl Policy {
    fn finish(
        &self,
        py: Python<'_>,
        evaluated: Result<Evaluated, pol_runtime::RuntimeError>,
        file_names: Option<(String, String, String)>,
        lines: Option<(Option<Lines>, Option<Lines>, Option<Lines>)>,
    ) -> PyResult<Evaluation> {
        let evaluated = evaluated.map_err(|error| runtime_error(py, self.lang, &self.sources, error, "DataError"))?;
        let names = match file_names {
            Some((households, persons, cases)) => [households, persons, cases],
            None => DEFAULT_FILE_NAMES.map(str::to_string),
        };
        let lines = lines.map(|(households, persons, cases)| [households, persons, cases]);
        let rejects = rejects_batch(&evaluated, &names, lines.as_ref()).map_err(PyValueError::new_err)?;
        let counts = [0, 1, 2].map(|index| {
            let counts = evaluated.counts.get(index).copied().unwrap_or_default();
            (counts.read, counts.accepted, counts.rejected)
        });
        Ok(Evaluation { tables: evaluated.tables, rejects, counts })
    }
}

/// Line numbers for the rows of one input: an Arrow integer array or a list of ints.
#[derive(FromPyObject)]
enum Lines {
    Arrow(PyArrowType<arrow::array::ArrayData>),
    List(Vec<i64>),
}

impl Lines {
    fn values(&self) -> Result<Vec<i64>, String> {
        match self {
            Lines::List(values) => Ok(values.clone()),
            Lines::Arrow(PyArrowType(data)) => {
                let array = arrow::array::make_array(data.clone());
                let array = arrow::compute::cast(&array, &DataType::Int64).map_err(|error| error.to_string())?;
                let array = array.as_primitive::<Int64Type>();
                if array.null_count() > 0 {
                    return Err("line numbers may not be null".to_string());
                }
                Ok(array.values().to_vec())
            }
        }
    }
}

fn entity_schema<'p>(program: &'p Program, entity: &str) -> PyResult<&'p EntitySchema> {
    match entity {
        "household" => Ok(&program.household),
        "person" => Ok(&program.person),
        "case" => Ok(&program.case),
        other => {
            Err(PyValueError::new_err(format!("unknown entity `{other}`: give \"household\", \"person\" or \"case\"")))
        }
    }
}

fn column_name(schema: &EntitySchema, column: Option<pol_compiler::tir::ColumnId>) -> Option<String> {
    column.and_then(|column| schema.columns.get(column.0 as usize)).map(|column| column.name.clone())
}

/// A pyarrow record batch, or a table (any Arrow stream) concatenated into one batch.
fn one_batch(value: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    if value.hasattr("__arrow_c_stream__")? && !value.hasattr("__arrow_c_array__")? {
        let table = arrow_pyarrow::Table::from_pyarrow_bound(value)?;
        let (batches, schema) = table.into_inner();
        return arrow::compute::concat_batches(&schema, &batches)
            .map_err(|error| PyValueError::new_err(error.to_string()));
    }
    RecordBatch::from_pyarrow_bound(value)
}

/// The schema of the rejects table: `rejects.csv`'s columns, `line` as an Int64 (the type
/// `docs/python.md`, the `.pyi` and the Spark and Ray examples give it).
fn rejects_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("household_id", DataType::Utf8, false),
        Field::new("field", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]))
}

/// The rejects as a table (file, line, household_id, field, reason): the runtime's
/// [`Evaluated::rejects_batch`] with the file names `names` and, when given, each row's line
/// taken from `lines` (the line of batch row `i` is `lines[i]`, for the line and for the lines a
/// duplicate's reason lists).
fn rejects_batch(
    evaluated: &Evaluated,
    names: &[String; 3],
    lines: Option<&[Option<Lines>; 3]>,
) -> Result<RecordBatch, String> {
    let maps: [Option<Vec<i64>>; 3] = match lines {
        Some([households, persons, cases]) => [
            households.as_ref().map(Lines::values).transpose()?,
            persons.as_ref().map(Lines::values).transpose()?,
            cases.as_ref().map(Lines::values).transpose()?,
        ],
        None => [None, None, None],
    };
    let map_line = |file: usize, line: i64| -> Result<i64, String> {
        match maps.get(file).and_then(Option::as_ref) {
            None => Ok(line),
            Some(map) => usize::try_from(line - 2).ok().and_then(|row| map.get(row).copied()).ok_or_else(|| {
                format!("no line number given for row {} of {}", line - 2, names.get(file).map_or("", String::as_str))
            }),
        }
    };
    let rejects = evaluated.rejects_batch().map_err(|error| error.to_string())?;
    let column = |index: usize| rejects.columns().get(index).ok_or_else(|| "a rejects column is missing".to_string());
    let (Some(file_column), Some(line_column), Some(reason_column)) = (
        column(0)?.as_string_opt::<i32>(),
        column(1)?.as_primitive_opt::<UInt64Type>(),
        column(4)?.as_string_opt::<i32>(),
    ) else {
        return Err("the rejects batch has columns of other types".to_string());
    };
    let n_rows = rejects.num_rows();
    let (mut files, mut line_numbers, mut reasons) =
        (Vec::with_capacity(n_rows), Vec::with_capacity(n_rows), Vec::with_capacity(n_rows));
    for row in 0..n_rows {
        let file = DEFAULT_FILE_NAMES.iter().position(|name| *name == file_column.value(row)).unwrap_or(0);
        let line = i64::try_from(line_column.value(row)).map_err(|_| "a rejects line beyond 63 bits".to_string())?;
        files.push(names.get(file).cloned().unwrap_or_default());
        line_numbers.push(map_line(file, line)?);
        reasons.push(map_reason_lines(reason_column.value(row), |line| map_line(file, line))?);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(files)),
        Arc::new(Int64Array::from(line_numbers)),
        column(2)?.clone(),
        column(3)?.clone(),
        Arc::new(StringArray::from(reasons)),
    ];
    RecordBatch::try_new(rejects_schema(), columns).map_err(|error| error.to_string())
}

/// A duplicate's reason ends `(lines 4, 9)`: those lines mapped.
fn map_reason_lines(reason: &str, map: impl Fn(i64) -> Result<i64, String>) -> Result<String, String> {
    let Some(start) = reason.rfind("(lines ") else { return Ok(reason.to_string()) };
    let Some(inner) = reason.get(start + "(lines ".len()..).and_then(|rest| rest.strip_suffix(')')) else {
        return Ok(reason.to_string());
    };
    let numbers: Result<Vec<i64>, _> = inner.split(", ").map(str::parse::<i64>).collect();
    let Ok(numbers) = numbers else { return Ok(reason.to_string()) };
    let mapped: Vec<String> =
        numbers.into_iter().map(|line| map(line).map(|line| line.to_string())).collect::<Result<_, _>>()?;
    Ok(format!("{}(lines {})", reason.get(..start).unwrap_or(""), mapped.join(", ")))
}

/// The results of one evaluation: the output tables, the rejects and the row counts.
#[pyclass(frozen, module = "pol._pol", name = "Evaluation")]
struct Evaluation {
    tables: Vec<OutputTable>,
    rejects: RecordBatch,
    counts: [(u64, u64, u64); 3],
}

/// A pyarrow table of `batches` (its chunks, not joined) with `schema`.
fn to_table<'py>(py: Python<'py>, batches: &[RecordBatch], schema: SchemaRef) -> PyResult<Bound<'py, PyAny>> {
    arrow_pyarrow::Table::try_new(batches.to_vec(), schema)
        .map_err(|error| PyValueError::new_err(error.to_string()))?
        .into_pyarrow(py)
}

#[pymethods]
impl Evaluation {
    /// Each output table by name (``{"household_results": pyarrow.Table, …}``), in the policy's
    /// order, with the columns and types ``pol run --output-format parquet`` writes.
    #[getter]
    fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for table in &self.tables {
            dict.set_item(&table.name, to_table(py, &table.batches, table.schema.clone())?)?;
        }
        Ok(dict)
    }

    /// The output table ``name``; ``KeyError`` if the policy has none of that name.
    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.tables.iter().find(|table| table.name == name) {
            Some(table) => to_table(py, &table.batches, table.schema.clone()),
            None => Err(pyo3::exceptions::PyKeyError::new_err(name.to_string())),
        }
    }

    /// The rejected rows: ``file``, ``line``, ``household_id``, ``field``, ``reason`` (the rows
    /// of ``rejects.csv``; households, then persons, then cases).
    #[getter]
    fn rejects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_table(py, std::slice::from_ref(&self.rejects), self.rejects.schema())
    }

    /// Rows read, accepted and rejected:
    /// ``{"households": {"read": …, "accepted": …, "rejected": …}, "persons": …, "cases": …}``.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, (read, accepted, rejected)) in ["households", "persons", "cases"].into_iter().zip(self.counts) {
            let entry = PyDict::new(py);
            entry.set_item("read", read)?;
            entry.set_item("accepted", accepted)?;
            entry.set_item("rejected", rejected)?;
            dict.set_item(name, entry)?;
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        let tables: Vec<String> =
            self.tables.iter().map(|table| format!("{}: {} rows", table.name, table.num_rows())).collect();
        format!("Evaluation({}, rejects: {} rows)", tables.join(", "), self.rejects.num_rows())
    }
}

/// The native module: `pol._pol`.
#[pymodule]
fn _pol(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Policy>()?;
    module.add_class::<Evaluation>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
