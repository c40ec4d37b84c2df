//! `rejects.csv`: rows formatted by the workers ([`RejectRows`]), written by the writer
//! ([`RejectsWriter`]): households stream straight into the file, persons into a scratch file
//! appended at the end (or, persons not grouped, sorted by line at the end), then cases sorted
//! by line.

use super::cases::CaseStore;
use super::messages::CaseDecision;
use super::options::RowCounts;
use super::plan::Mode;
use crate::error::RuntimeError;
use crate::format;
use crate::output::{Staging, TablePart, sorted_text_rows};
use crate::text_rules;
use pol_compiler::tir::{Program, Word};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
/// Appends one `rejects.csv` row.
pub(crate) fn write_reject(out: &mut Vec<u8>, file: &str, line: u64, household_id: &str, field: &str, reason: &str) {
    format::write_csv_field(out, file.as_bytes());
    out.push(b',');
    format::write_int(out, line as Word);
    out.push(b',');
    write_text_field(out, household_id);
    out.push(b',');
    format::write_csv_field(out, field.as_bytes());
    out.push(b',');
    write_text_field(out, reason);
    out.push(b'\n');
}

/// Appends a cell that may hold input text, its forbidden characters shown as `<U+XXXX>` and
/// made safe for spreadsheets (see `text_rules`).
fn write_text_field(out: &mut Vec<u8>, text: &str) {
    let start = out.len();
    out.extend_from_slice(text_rules::show_forbidden(text).as_bytes());
    text_rules::neutralise_csv_tail(out, start);
    format::quote_csv_tail(out, start);
}

/// `rejects.csv` rows being collected, keyed by line when they must be sorted.
#[derive(Debug, Default)]
pub(crate) struct RejectRows {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    keys: Vec<u64>,
    keyed: bool,
}

impl RejectRows {
    /// No rows yet; `keyed`: each row gets its line as a sort key.
    pub(crate) fn new(keyed: bool) -> RejectRows {
        RejectRows { keyed, ..RejectRows::default() }
    }

    pub(crate) fn push(&mut self, file: &str, line: u64, household_id: &str, field: &str, reason: &str) {
        write_reject(&mut self.bytes, file, line, household_id, field, reason);
        if self.keyed {
            self.ends.push(self.bytes.len());
            self.keys.push(line);
        }
    }

    pub(crate) fn finish(self) -> TablePart {
        TablePart::Text { bytes: self.bytes, ends: self.ends, keys: self.keys }
    }
}

/// The header of `rejects.csv`.
pub(crate) const HEADER: &[u8] = b"file,line,household_id,field,reason\n";

/// `rejects.csv` being written by the writer.
pub(crate) struct RejectsWriter {
    file: BufWriter<File>,
    path: PathBuf,
    persons: PersonRejects,
}

enum PersonRejects {
    /// Streamed into a scratch file, appended to `rejects.csv` at the end.
    File(BufWriter<File>, PathBuf),
    /// Keyed rows, sorted at the end.
    Sorted(Vec<TablePart>),
}

impl RejectsWriter {
    /// Creates `rejects.csv` (and, persons grouped, the persons' scratch file) in `staging`;
    /// for one side of `pol diff`, a scratch file of that side's rows instead, `rejects.csv`
    /// being made of both sides' at the end.
    pub(crate) fn create(staging: &mut Staging, mode: Mode, side: Option<&str>) -> Result<RejectsWriter, RuntimeError> {
        let path = match side {
            None => staging.file("rejects.csv"),
            Some(side) => staging.scratch(&format!("rejects-{side}.part")),
        };
        let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        file.write_all(HEADER).map_err(|error| RuntimeError::write(&path, &error))?;
        let persons = match mode {
            Mode::Grouped => {
                let path = staging
                    .scratch(&format!("rejects-persons{}.part", side.map_or(String::new(), |side| format!("-{side}"))));
                let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
                PersonRejects::File(BufWriter::with_capacity(1 << 20, file), path)
            }
            Mode::Ungrouped => PersonRejects::Sorted(Vec::new()),
        };
        Ok(RejectsWriter { file, path, persons })
    }

    /// The file being written.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one chunk's household rejects and keeps its person rejects.
    pub(crate) fn append(&mut self, households: &[u8], persons: TablePart) -> Result<(), RuntimeError> {
        self.file.write_all(households).map_err(|error| RuntimeError::write(&self.path, &error))?;
        match (&mut self.persons, persons) {
            (PersonRejects::File(file, path), TablePart::Text { bytes, .. }) => {
                file.write_all(&bytes).map_err(|error| RuntimeError::write(path, &error))
            }
            (PersonRejects::Sorted(parts), part) => {
                parts.push(part);
                Ok(())
            }
            (PersonRejects::File(..), TablePart::Arrow { .. }) => {
                Err(RuntimeError::internal("person rejects of the wrong kind"))
            }
        }
    }

    /// Writes the persons' rejects, then the cases' (deciding each case with `decisions`), then
    /// `roster_rows` (`pol reconcile`'s rejected roster rows), and flushes the file; returns
    /// the case counts.
    pub(crate) fn finish(
        &mut self,
        program: &Program,
        cases: &CaseStore,
        decisions: &[Option<CaseDecision>],
        roster_rows: &[u8],
    ) -> Result<RowCounts, RuntimeError> {
        let path = self.path.clone();
        let rejects_error = |error: std::io::Error| RuntimeError::write(&path, &error);
        match std::mem::replace(&mut self.persons, PersonRejects::Sorted(Vec::new())) {
            PersonRejects::File(file, path) => {
                file.into_inner().map_err(|error| RuntimeError::write(&path, error.error()))?;
                let mut part = File::open(&path).map_err(|error| RuntimeError::read(&path, &error))?;
                std::io::copy(&mut part, &mut self.file).map_err(rejects_error)?;
                let _ = std::fs::remove_file(&path);
            }
            PersonRejects::Sorted(parts) => {
                for (_, row) in sorted_text_rows(&parts, "person rejects")? {
                    self.file.write_all(row).map_err(rejects_error)?;
                }
            }
        }
        let (counts, case_rows) = case_rejects(program, cases, decisions);
        self.file.write_all(&case_rows).map_err(rejects_error)?;
        self.file.write_all(roster_rows).map_err(rejects_error)?;
        self.file.flush().map_err(rejects_error)?;
        Ok(counts)
    }
}

/// The cases' counts and `rejects.csv` rows, in line order: a case with a problem of its own,
/// a case rejected with its household, and a case whose household never showed up.
pub(crate) fn case_rejects(
    program: &Program,
    cases: &CaseStore,
    decisions: &[Option<CaseDecision>],
) -> (RowCounts, Vec<u8>) {
    let mut counts = RowCounts::default();
    let mut rows = Vec::new();
    let household_ref = program
        .case
        .household_ref
        .and_then(|column| program.case.columns.get(column.0 as usize))
        .map_or("household_id", |column| column.name.as_str());
    for (index, (row, decision)) in cases.rows.iter().zip(decisions).enumerate() {
        counts.read += 1;
        let household = cases.household(index);
        let rejection = match (&row.problem, decision) {
            (Some(problem), _) => Some((problem.field.clone(), problem.reason.clone())),
            (None, Some(CaseDecision::Accepted)) => None,
            (None, Some(CaseDecision::Rejected { field, reason })) => Some((field.clone(), reason.clone())),
            (None, None) => Some((household_ref.to_string(), format!("unknown household `{household}`"))),
        };
        match rejection {
            Some((field, reason)) => {
                counts.rejected += 1;
                write_reject(&mut rows, &cases.file_name, row.line, household, &field, &reason);
            }
            None => counts.accepted += 1,
        }
    }
    (counts, rows)
}
