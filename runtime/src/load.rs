//! Reading a policy directory into [`Sources`]: every `.pol` file, `jurisdictions.csv` and the
//! local parameter files.
//!
//! ```text
//! policies/shaanxi/
//!   2019/*.pol            every `**/*.pol` below the directory, sorted by relative path
//!   jurisdictions.csv     if present
//!   params/**/*.toml      sorted by relative path
//! ```
//!
//! Display names are relative to the directory and use `/` on every platform, so diagnostics
//! and snapshots read the same everywhere. Hidden files and directories (a name starting with
//! `.`) are skipped; symbolic links to directories are not followed.

use crate::error::RuntimeError;
use pol_compiler::diagnostic::{SourceKind, Sources};
use std::path::{Path, PathBuf};

/// Reads the policy directory `dir`: `.pol` files first (sorted by relative path), then
/// `jurisdictions.csv` if present, then `params/**/*.toml` (sorted).
///
/// Fails on an unreadable file, a file that is not UTF-8 (naming it), or a directory with no
/// `.pol` file.
pub fn load_policy_dir(dir: &Path) -> Result<Sources, RuntimeError> {
    let mut pol_files = Vec::new();
    collect_files(dir, dir, "pol", &mut pol_files)?;
    if pol_files.is_empty() {
        return Err(RuntimeError::NoPolicy { dir: dir.display().to_string() });
    }
    let mut sources = Sources::default();
    for (name, path) in pol_files {
        sources.add(name.clone(), read_text(&path, &name)?, SourceKind::Pol);
    }
    let jurisdictions = dir.join("jurisdictions.csv");
    if jurisdictions.is_file() {
        let name = "jurisdictions.csv".to_string();
        sources.add(name.clone(), read_text(&jurisdictions, &name)?, SourceKind::Jurisdictions);
    }
    let params_dir = dir.join("params");
    if params_dir.is_dir() {
        let mut param_files = Vec::new();
        collect_files(dir, &params_dir, "toml", &mut param_files)?;
        for (name, path) in param_files {
            sources.add(name.clone(), read_text(&path, &name)?, SourceKind::Params);
        }
    }
    Ok(sources)
}

/// Appends every file below `current` whose extension is `extension` as (name relative to
/// `root` with `/`, path), sorted by name.
fn collect_files(
    root: &Path,
    current: &Path,
    extension: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), RuntimeError> {
    let mut found = Vec::new();
    walk(root, current, extension, &mut found)?;
    found.sort();
    out.extend(found);
    Ok(())
}

fn walk(root: &Path, current: &Path, extension: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), RuntimeError> {
    let entries = std::fs::read_dir(current).map_err(|error| RuntimeError::read(current, &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| RuntimeError::read(current, &error))?;
        let path = entry.path();
        let file_name = entry.file_name();
        if file_name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|error| RuntimeError::read(&path, &error))?;
        if file_type.is_dir() {
            walk(root, &path, extension, out)?;
        } else if path.extension().is_some_and(|ext| ext == extension) && path.is_file() {
            out.push((display_name(root, &path), path));
        }
    }
    Ok(())
}

/// The path relative to `root`, components joined with `/`.
fn display_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> =
        relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

fn read_text(path: &Path, name: &str) -> Result<String, RuntimeError> {
    let bytes = std::fs::read(path).map_err(|error| RuntimeError::read(path, &error))?;
    String::from_utf8(bytes).map_err(|_| RuntimeError::PolicyNotUtf8 { file: name.to_string() })
}

/// Appends every `.pol` file at `path` (the file itself, or every `**/*.pol` below a directory,
/// sorted) to `files`.
pub fn collect_pol_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), RuntimeError> {
    let metadata = std::fs::metadata(path).map_err(|error| RuntimeError::read(path, &error))?;
    if metadata.is_dir() {
        let mut found = Vec::new();
        collect_files(path, path, "pol", &mut found)?;
        files.extend(found.into_iter().map(|(_, path)| path));
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

/// Reads a file that must be UTF-8 text.
pub fn read_utf8(path: &Path) -> Result<String, RuntimeError> {
    let name = path.display().to_string();
    read_text(path, &name)
}

/// Replaces the contents of `path` atomically: writes a temporary file beside it, then renames
/// it over the original, so a failure never leaves a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RuntimeError> {
    let file_name = path.file_name().map_or_else(|| "file".into(), |name| name.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{file_name}.pol-tmp-{}", std::process::id()));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(RuntimeError::write(path, &error));
    }
    Ok(())
}
