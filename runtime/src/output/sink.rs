//! Where one output table goes ([`TableSink`]): its file in the staging directory, appended
//! to chunk by chunk, or (keyed tables) its parts held and written sorted at the end.

use super::csv;
use super::parquet;
use super::plan::{OutputFormat, TablePart, TablePlan, sorted_text_rows};
use crate::error::RuntimeError;
use ::parquet::arrow::ArrowWriter;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where one output table goes.
pub(crate) struct TableSink {
    path: PathBuf,
    kind: SinkKind,
    rows: u64,
}

enum SinkKind {
    Text(BufWriter<File>),
    Parquet(Box<ArrowWriter<File>>),
    Sorted(Vec<TablePart>),
}

/// Size of output buffers.
const WRITE_BUFFER: usize = 1 << 20;

impl TableSink {
    /// Creates the table's file at `path` and writes its header.
    pub(crate) fn create(path: PathBuf, plan: &TablePlan) -> Result<TableSink, RuntimeError> {
        if plan.keyed {
            return Ok(TableSink { path, kind: SinkKind::Sorted(Vec::new()), rows: 0 });
        }
        let file = File::create(&path).map_err(|error| RuntimeError::write(&path, &error))?;
        let kind = match plan.format {
            OutputFormat::Csv | OutputFormat::Jsonl => {
                let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
                if plan.format == OutputFormat::Csv {
                    writer.write_all(&csv::header(plan)).map_err(|error| RuntimeError::write(&path, &error))?;
                }
                SinkKind::Text(writer)
            }
            OutputFormat::Parquet => SinkKind::Parquet(Box::new(parquet::writer(file, &path, plan)?)),
        };
        Ok(TableSink { path, kind, rows: 0 })
    }

    /// Appends a chunk's rows.
    pub(crate) fn append(&mut self, part: TablePart) -> Result<(), RuntimeError> {
        match (&mut self.kind, part) {
            (SinkKind::Sorted(parts), part) => parts.push(part),
            (SinkKind::Text(writer), TablePart::Text { bytes, .. }) => {
                writer.write_all(&bytes).map_err(|error| RuntimeError::write(&self.path, &error))?;
            }
            (SinkKind::Parquet(writer), TablePart::Arrow { batch, .. }) => {
                self.rows += batch.num_rows() as u64;
                if batch.num_rows() > 0 {
                    writer.write(&batch).map_err(|error| RuntimeError::write(&self.path, &error))?;
                }
            }
            _ => return Err(RuntimeError::internal("an output part of the wrong format")),
        }
        Ok(())
    }

    /// Writes what is buffered (sorted tables: every row, by key) and closes the file.
    pub(crate) fn finish(self, plan: &TablePlan) -> Result<(), RuntimeError> {
        let path = self.path;
        match self.kind {
            SinkKind::Text(mut writer) => writer.flush().map_err(|error| RuntimeError::write(&path, &error)),
            SinkKind::Parquet(writer) => writer.close().map(|_| ()).map_err(|error| RuntimeError::write(&path, &error)),
            SinkKind::Sorted(parts) => write_sorted(&path, plan, parts),
        }
    }
}

/// Writes keyed parts sorted by key (stable: equal keys keep their order).
fn write_sorted(path: &Path, plan: &TablePlan, parts: Vec<TablePart>) -> Result<(), RuntimeError> {
    let file = File::create(path).map_err(|error| RuntimeError::write(path, &error))?;
    if plan.format == OutputFormat::Parquet {
        return parquet::write_sorted(file, path, plan, parts);
    }
    let rows = sorted_text_rows(&parts, "an output table")?;
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
    let result = (|| {
        if plan.format == OutputFormat::Csv {
            writer.write_all(&csv::header(plan))?;
        }
        for (_, row) in rows {
            writer.write_all(row)?;
        }
        writer.flush()
    })();
    result.map_err(|error| RuntimeError::write(path, &error))
}
