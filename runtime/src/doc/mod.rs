//! `pol doc`: a checked policy as a self-contained static site, for a provincial office to
//! publish beside the policy document.
//!
//! Pages: `index.html` (the files in order with their rules and parameters), one page per `.pol`
//! file (every declaration in source order; a rule with its doc comment, the seed passage quoted
//! above it, its formula as `pol fmt` prints it, its type and unit, what it reads and what reads
//! it, and the tests that check it as worked examples), `params.html` (each parameter's values by
//! date in the province and in every local file, with the `require`s each must meet),
//! `schema.html` (input columns and enums) and `jurisdictions.html` (the table).
//!
//! Nothing here evaluates: references come from the checked IR (one walk,
//! [`pol_compiler::tir::Expr::preorder`]), formulas from the grammar's printer, parameter values
//! from [`pol_compiler::params::ParamSet`], and test results from
//! [`pol_compiler::testing::run_test`] on the interpreter. Output is deterministic: the same
//! policy gives the same bytes. Every text is escaped; pages link only to each other, by
//! anchors that exist (the tests check every link), and load nothing from the network.
//!
//! Naming: `x_html` renders an `x` to HTML; `x_href` is the link target of an `x`.

pub(crate) mod html;
mod pages;
mod params_page;
mod refs;
mod site;

use crate::error::RuntimeError;
use pol_compiler::diagnostic::{SourceKind, Sources};
use pol_compiler::policy::Policy;
use pol_compiler::tir::Word;
use site::{PolFile, Site, file_page_name};

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The file name, e.g. `index.html`.
    pub name: String,
    /// The whole HTML document.
    pub html: String,
}

/// The site of a compiled policy: `title` names the policy, `as_of` is the day for which
/// parameter values in force are shown and tests without an `as_of` run.
pub fn generate(sources: &Sources, policy: &Policy, title: &str, as_of: Word) -> Result<Vec<Page>, RuntimeError> {
    let mut files = Vec::new();
    // A reform's site shows its base's files and its own: the program is the merged one.
    for (id, file) in sources.of_kind(SourceKind::Pol).chain(sources.of_kind(SourceKind::ReformPol)) {
        // INVARIANT: the policy compiled, so each of its files parses.
        let ast = pol_grammar::parse_file(id, &file.text)
            .map_err(|_| RuntimeError::internal(format!("`{}` compiled but does not parse", file.name)))?;
        files.push(PolFile { id, name: &file.name, text: &file.text, page: file_page_name(&file.name), ast });
    }
    let test_files: Vec<(&str, &pol_grammar::ast::File)> =
        files.iter().map(|file: &PolFile<'_>| (file.page.as_str(), &file.ast)).collect();
    let refs = refs::Refs::build(policy, &test_files, as_of);
    let site = Site { sources, policy, files, title, as_of, refs };
    let mut out = vec![Page { name: "index.html".into(), html: pages::index_html(&site) }];
    for file in &site.files {
        out.push(Page { name: file.page.clone(), html: pages::file_html(&site, file) });
    }
    out.push(Page { name: "params.html".into(), html: params_page::params_html(&site) });
    out.push(Page { name: "schema.html".into(), html: pages::schema_html(&site) });
    out.push(Page { name: "jurisdictions.html".into(), html: pages::jurisdictions_html(&site) });
    Ok(out)
}
