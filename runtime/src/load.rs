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
///
/// A reform (a directory whose `.pol` files start with `reform of "PATH"`, or one such `.pol`
/// file) is read with its base: the base directory's files first, named by the path the reform
/// gives (`../../2019/20_dibao.pol`), then the reform's `.pol` files
/// ([`SourceKind::ReformPol`]) and `params/**/*.toml` ([`SourceKind::ReformParams`]).
/// `pol_compiler::policy::compile` merges them. Below a policy directory, a subdirectory that
/// holds a reform is not part of the policy.
pub fn load_policy_dir(dir: &Path) -> Result<Sources, RuntimeError> {
    if dir.is_file() {
        return load_reform_file(dir);
    }
    let mut pol_files = Vec::new();
    collect_files(dir, dir, "pol", &mut pol_files)?;
    if pol_files.is_empty() {
        return Err(RuntimeError::NoPolicy { dir: dir.display().to_string() });
    }
    let mut texts = Vec::new();
    for (name, path) in pol_files {
        let text = read_text(&path, &name)?;
        texts.push((name, text));
    }
    let base = texts.iter().find_map(|(_, text)| pol_grammar::reform_header(text).map(str::to_string));
    let Some(base) = base else {
        let mut sources = Sources::default();
        add_policy(&mut sources, dir, "", texts)?;
        return Ok(sources);
    };
    let mut sources = load_base(dir, &base)?;
    for (name, text) in texts {
        sources.add(name, text, SourceKind::ReformPol);
    }
    add_params(&mut sources, dir, "", SourceKind::ReformParams)?;
    Ok(sources)
}

/// One `.pol` file that is a reform (`reform of "PATH"`, relative to the file's directory).
fn load_reform_file(path: &Path) -> Result<Sources, RuntimeError> {
    let name = path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned());
    let text = read_text(path, &name)?;
    let Some(base) = pol_grammar::reform_header(&text).map(str::to_string) else {
        return Err(RuntimeError::NoPolicy { dir: path.display().to_string() });
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut sources = load_base(dir, &base)?;
    sources.add(name, text, SourceKind::ReformPol);
    Ok(sources)
}

/// The base policy of a reform in `dir`, its files named `BASE/…` as the reform writes it.
fn load_base(dir: &Path, base: &str) -> Result<Sources, RuntimeError> {
    let base_dir = dir.join(base);
    let mut pol_files = Vec::new();
    collect_files(&base_dir, &base_dir, "pol", &mut pol_files)?;
    if pol_files.is_empty() {
        return Err(RuntimeError::NoPolicy { dir: base_dir.display().to_string() });
    }
    let prefix = format!("{}/", base.trim_end_matches('/'));
    let mut texts = Vec::new();
    for (name, path) in pol_files {
        let name = format!("{prefix}{name}");
        let text = read_text(&path, &name)?;
        texts.push((name, text));
    }
    let mut sources = Sources::default();
    add_policy(&mut sources, &base_dir, &prefix, texts)?;
    Ok(sources)
}

/// Adds a policy's `.pol` texts, its `jurisdictions.csv` and its parameter files, every name
/// after `prefix`.
fn add_policy(
    sources: &mut Sources,
    dir: &Path,
    prefix: &str,
    texts: Vec<(String, String)>,
) -> Result<(), RuntimeError> {
    for (name, text) in texts {
        sources.add(name, text, SourceKind::Pol);
    }
    let jurisdictions = dir.join("jurisdictions.csv");
    if jurisdictions.is_file() {
        let name = format!("{prefix}jurisdictions.csv");
        sources.add(name.clone(), read_text(&jurisdictions, &name)?, SourceKind::Jurisdictions);
    }
    add_params(sources, dir, prefix, SourceKind::Params)
}

/// Adds `dir/params/**/*.toml` as `kind`, every name after `prefix`.
fn add_params(sources: &mut Sources, dir: &Path, prefix: &str, kind: SourceKind) -> Result<(), RuntimeError> {
    let params_dir = dir.join("params");
    if params_dir.is_dir() {
        let mut param_files = Vec::new();
        collect_files(dir, &params_dir, "toml", &mut param_files)?;
        for (name, path) in param_files {
            let name = format!("{prefix}{name}");
            sources.add(name.clone(), read_text(&path, &name)?, kind);
        }
    }
    Ok(())
}

/// Adds a scenario file (`--scenario S.toml`), named as given.
pub fn add_scenario(sources: &mut Sources, path: &Path) -> Result<(), RuntimeError> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    sources.add(name, text, SourceKind::Scenario);
    Ok(())
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
    walk(root, current, extension, true, &mut found)?;
    found.sort();
    out.extend(found);
    Ok(())
}

fn walk(
    root: &Path,
    current: &Path,
    extension: &str,
    skip_reforms: bool,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), RuntimeError> {
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
            if skip_reforms && extension == "pol" && is_reform_dir(&path) {
                continue;
            }
            walk(root, &path, extension, skip_reforms, out)?;
        } else if path.extension().is_some_and(|ext| ext == extension) && path.is_file() {
            out.push((display_name(root, &path), path));
        }
    }
    Ok(())
}

/// Whether a directory below a policy holds a reform: one of its own `.pol` files starts with
/// `reform of`. Such a directory belongs to the reform, not to the policy around it.
fn is_reform_dir(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        let path = entry.path();
        path.extension().is_some_and(|ext| ext == "pol")
            && std::fs::read_to_string(&path).is_ok_and(|text| pol_grammar::reform_header(&text).is_some())
    })
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
        // Every `.pol` file, a reform's below a policy too (`pol fmt` formats them all).
        let mut found = Vec::new();
        walk(path, path, "pol", false, &mut found)?;
        found.sort();
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
