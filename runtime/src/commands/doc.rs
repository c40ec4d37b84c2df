//! `pol doc POLICY --out DIR`: the policy as a static site (see [`crate::doc`]).

use super::{ErrorFormat, Status};
use crate::error::RuntimeError;
use pol_compiler::tir::Word;
use std::io::Write;
use std::path::Path;

/// Compiles the policy in `policy`, then writes its site into `out_dir` (created if missing;
/// pages of the same names are replaced, other files left alone). The site's title is `title`,
/// or else the policy directory's name followed by 政策文档.
pub fn doc(
    policy: &Path,
    out_dir: &Path,
    as_of: Word,
    title: Option<&str>,
    format: ErrorFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Status {
    let (sources, compiled) = match super::load_and_compile(policy, format, err) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let title = title.map_or_else(|| policy_title(policy), str::to_string);
    let pages = match crate::doc::generate(&sources, &compiled, &title, as_of) {
        Ok(pages) => pages,
        Err(error) => {
            super::render::print_report(err, format, miette::Report::new(error));
            return Status::Error;
        }
    };
    if let Err(error) = write_pages(out_dir, &pages) {
        super::render::print_report(err, format, miette::Report::new(error));
        return Status::Error;
    }
    let (count, dir) = (pages.len().to_string(), out_dir.display().to_string());
    let wrote = pol_compiler::i18n::line(super::render::lang(), "line-doc-wrote", &[("count", &count), ("dir", &dir)]);
    let _ = writeln!(out, "{wrote}");
    Status::Success
}

/// The site's title: the policy directory's name (the canonical path's, for `.`).
fn policy_title(policy: &Path) -> String {
    let canonical = policy.canonicalize().unwrap_or_else(|_| policy.to_path_buf());
    let name = canonical.file_name().map_or_else(|| policy.display().to_string(), |n| n.to_string_lossy().into_owned());
    format!("{name} 政策文档")
}

fn write_pages(out_dir: &Path, pages: &[crate::doc::Page]) -> Result<(), RuntimeError> {
    std::fs::create_dir_all(out_dir).map_err(|error| RuntimeError::write(out_dir, &error))?;
    for page in pages {
        let path = out_dir.join(&page.name);
        crate::load::write_atomically(&path, page.html.as_bytes())?;
    }
    Ok(())
}
