//! `pol fmt PATH…`: rewrite `.pol` files in the canonical layout, keeping every comment;
//! `--check` only reports the files that would change.

use super::{ErrorFormat, Status};
use pol_compiler::diagnostic::{Diagnostic, SourceKind, Sources};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Formats the `.pol` files at `paths` (files, or directories searched recursively).
pub fn fmt(
    paths: &[PathBuf],
    check_only: bool,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let mut files = Vec::new();
    for path in paths {
        if let Err(error) = crate::load::collect_pol_files(path, &mut files) {
            super::render::print_report(err, format, miette::Report::new(error));
            return Status::Error;
        }
    }
    let mut status = Status::Success;
    let mut changed = 0usize;
    for path in &files {
        match format_one(path, check_only, format, out, err) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(file_status) => status = worst(status, file_status),
        }
    }
    if check_only && changed > 0 {
        let _ = writeln!(out, "{changed} of {} files would be reformatted", files.len());
        status = worst(status, Status::Failure);
    }
    status
}

/// Formats one file; `Ok(true)` when it changed (or would change).
fn format_one(
    path: &Path,
    check_only: bool,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, Status> {
    let text = crate::load::read_utf8(path).map_err(|error| {
        super::render::print_report(err, format, miette::Report::new(error));
        Status::Error
    })?;
    let mut sources = Sources::default();
    let id = sources.add(path.display().to_string(), text.clone(), SourceKind::Pol);
    let formatted = match pol_grammar::fmt::format_source(id, &text) {
        Ok(formatted) => formatted,
        Err(errors) => {
            let diagnostics = errors.into_iter().map(|error| Diagnostic::new(Some(error.span()), error)).collect();
            super::print_diagnostics(&sources, diagnostics, format, err);
            return Err(Status::Failure);
        }
    };
    if formatted == text {
        return Ok(false);
    }
    if check_only {
        let _ = writeln!(out, "would reformat {}", path.display());
    } else {
        crate::load::write_atomically(path, formatted.as_bytes()).map_err(|error| {
            super::render::print_report(err, format, miette::Report::new(error));
            Status::Error
        })?;
        let _ = writeln!(out, "formatted {}", path.display());
    }
    Ok(true)
}

fn worst(a: Status, b: Status) -> Status {
    if a.code() >= b.code() { a } else { b }
}
