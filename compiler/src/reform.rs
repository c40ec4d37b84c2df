//! Reforms: a policy's changes written against a base policy, merged into one program.
//!
//! A reform is a directory (or one `.pol` file) whose first item is `reform of "PATH"`, the base
//! policy's directory relative to the reform. Its items change the base:
//!
//! ```text
//! reform of "../.."
//! replace person topup_ratio: ratio = …           // same name, same type
//! replace param topup.child: ratio { … }          // values, `set by` and `require`s
//! remove household visit_required instead = false // readers get `false`
//! household extra: 元/月 = 10 元/月               // new rules, columns, outputs, tests
//! ```
//!
//! [`merge`] works on syntax trees: the base's declarations are replaced or removed in place, the
//! reform's entity columns and output columns are appended to the base's blocks, and every other
//! item is added. The base's own `test` blocks are dropped (they state what the base pays); the
//! reform's tests remain. The merged files are then checked as one ordinary policy
//! ([`crate::policy::compile`]), so a reform has the same semantics, engines and diagnostics as
//! any policy. What only a reform can get wrong is reported here, each with the reform's span
//! and the base declaration's place: a target that the base does not declare, a replacement of
//! another type, a removed rule that a kept rule still reads, a plain declaration of a name the
//! base already has, a second change of one declaration, an output whose `for`/`where` changes.
//!
//! A reform of a reform is rejected (`pol::reform::nested`): the base must be a policy, so that
//! what a reform changes is always read against one published text.

use crate::diagnostic::Diagnostic;
use crate::tir::{ExprKind, Program, RuleId, RuleRole, Ty};
use pol_grammar::ast::{self, EntityKind, Item, TypeExpr};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// A mistake only a reform can make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ReformError {
    /// `reform of`, `replace` or `remove` in a policy that is not a reform.
    #[error("`{what}` belongs in a reform")]
    #[diagnostic(
        code(pol::reform::outside),
        help(
            "start the reform's file with `reform of \"PATH\"`, the base policy's directory relative to the reform; in a policy, write the declaration itself"
        )
    )]
    Outside {
        /// `reform of`, `replace` or `remove`.
        what: &'static str,
        /// The item.
        #[label("not in a reform")]
        span: Span,
    },

    /// `reform of` after another item.
    #[error("`reform of` must be the first item of its file")]
    #[diagnostic(code(pol::reform::header_not_first), help("move `reform of \"PATH\"` to the top of the file"))]
    HeaderNotFirst {
        /// The header.
        #[label("after other declarations")]
        span: Span,
    },

    /// Two files of one reform name different bases.
    #[error("this reform names two bases: `{first}` and `{second}`")]
    #[diagnostic(
        code(pol::reform::base_mismatch),
        help("every file of a reform names the same base (`reform of \"{first}\"`), or none")
    )]
    BaseMismatch {
        /// The base named first.
        first: String,
        /// This one.
        second: String,
        /// This header.
        #[label("another base")]
        span: Span,
        /// The first header (a related place).
        first_span: Span,
    },

    /// The base of a reform is itself a reform.
    #[error("the base policy is itself a reform")]
    #[diagnostic(
        code(pol::reform::nested),
        help(
            "a reform's base must be a policy: name that reform's own base in `reform of`, and copy the changes you keep from the other reform into this one"
        )
    )]
    Nested {
        /// The base's `reform of`.
        #[label("the base is a reform of another policy")]
        span: Span,
    },

    /// `replace` or `remove` of a name the base does not declare.
    #[error("the base has no {what} `{name}`")]
    #[diagnostic(code(pol::reform::unknown_target))]
    UnknownTarget {
        /// `rule` or `parameter`.
        what: &'static str,
        /// The name.
        name: String,
        /// Where it is named.
        #[label("not declared in the base")]
        span: Span,
        /// The nearest name, or how to add a new declaration.
        #[help]
        help: String,
    },

    /// A replacement with another type than the base declaration.
    #[error("`{name}` is `{base_ty}` in the base but `{new_ty}` in the reform")]
    #[diagnostic(
        code(pol::reform::type_changed),
        help("keep the base's type `{base_ty}`, or add a declaration of another name")
    )]
    TypeChanged {
        /// The name.
        name: String,
        /// The base's type.
        base_ty: String,
        /// The replacement's type.
        new_ty: String,
        /// The replacement.
        #[label("replaced as `{new_ty}`")]
        span: Span,
        /// The base declaration (a related place).
        base: Span,
    },

    /// A removed rule that a kept rule reads.
    #[error("`{name}` is removed, but `{reader}` reads it")]
    #[diagnostic(
        code(pol::reform::removed_but_read),
        help("write `remove {entity} {name} instead = VALUE` to say what its readers get, or replace `{reader}` too")
    )]
    RemovedButRead {
        /// The removed rule's entity keyword.
        entity: &'static str,
        /// The removed rule.
        name: String,
        /// A rule (or output column) that reads it.
        reader: String,
        /// The removal.
        #[label("removed here")]
        span: Span,
        /// Where the reader reads it (a related place).
        reader_span: Span,
    },

    /// A plain declaration of a name the base declares.
    #[error("the base already declares the {what} `{name}`")]
    #[diagnostic(
        code(pol::reform::already_in_base),
        help("write `{fix}` to change the base's declaration, or choose another name for a new one")
    )]
    AlreadyInBase {
        /// `rule` or `parameter`.
        what: &'static str,
        /// The name.
        name: String,
        /// The reform's declaration.
        #[label("declared again in the reform")]
        span: Span,
        /// The base declaration (a related place).
        base: Span,
        /// The declaration that changes it, e.g. `replace household x …`.
        fix: String,
    },

    /// One declaration replaced or removed twice.
    #[error("the reform changes `{name}` twice")]
    #[diagnostic(code(pol::reform::changed_twice), help("keep one `replace` or `remove` of `{name}`"))]
    ChangedTwice {
        /// The name.
        name: String,
        /// The second change.
        #[label("changed again here")]
        span: Span,
        /// The first change (a related place).
        first: Span,
    },

    /// An output of the base redeclared with another entity or a filter.
    #[error("the reform changes the rows of output `{name}`")]
    #[diagnostic(
        code(pol::reform::output_changed),
        help(
            "a reform adds columns to an output of the base: write `output {name} for {entity} {{ NEW_COLUMN }}` without `where`; for other rows, declare a new output"
        )
    )]
    OutputChanged {
        /// The output.
        name: String,
        /// The base's entity keyword.
        entity: &'static str,
        /// The reform's declaration.
        #[label("another `for` or a `where`")]
        span: Span,
        /// The base declaration (a related place).
        base: Span,
    },
}

impl ReformError {
    fn into_diagnostic(self) -> Diagnostic {
        let span = match &self {
            ReformError::Outside { span, .. }
            | ReformError::HeaderNotFirst { span }
            | ReformError::BaseMismatch { span, .. }
            | ReformError::Nested { span }
            | ReformError::UnknownTarget { span, .. }
            | ReformError::TypeChanged { span, .. }
            | ReformError::RemovedButRead { span, .. }
            | ReformError::AlreadyInBase { span, .. }
            | ReformError::ChangedTwice { span, .. }
            | ReformError::OutputChanged { span, .. } => *span,
        };
        let related = self.related();
        let diagnostic = Diagnostic::new(Some(span), self);
        match related {
            Some((span, label)) => diagnostic.with_related(span, label),
            None => diagnostic,
        }
    }

    /// The other place the mistake involves, with its label (`.related` in the catalogue): the
    /// base's declaration, the reader of a removed rule, the first of two headers or changes.
    fn related(&self) -> Option<(Span, String)> {
        match self {
            ReformError::Outside { .. }
            | ReformError::HeaderNotFirst { .. }
            | ReformError::Nested { .. }
            | ReformError::UnknownTarget { .. } => None,
            ReformError::BaseMismatch { first, first_span, .. } => {
                Some((*first_span, format!("the first file names the base `{first}` here")))
            }
            ReformError::TypeChanged { name, base_ty, base, .. } => {
                Some((*base, format!("the base declares `{name}` as `{base_ty}` here")))
            }
            ReformError::RemovedButRead { name, reader, reader_span, .. } => {
                Some((*reader_span, format!("`{reader}` reads `{name}` here")))
            }
            ReformError::AlreadyInBase { name, base, .. } => Some((*base, format!("the base declares `{name}` here"))),
            ReformError::ChangedTwice { name, first, .. } => Some((*first, format!("`{name}` is first changed here"))),
            ReformError::OutputChanged { name, base, .. } => {
                Some((*base, format!("the base declares output `{name}` here")))
            }
        }
    }
}

/// Reports a reform's item found in a policy that is not a reform (called by the checker).
pub(crate) fn outside_reform(item: &Item, diags: &mut Vec<Diagnostic>) {
    let (what, span) = match item {
        Item::Reform(decl) => ("reform of", decl.span),
        Item::Replace(decl) => ("replace", decl.span),
        Item::Remove(decl) => ("remove", decl.span),
        Item::Enum(_)
        | Item::Jurisdictions(_)
        | Item::Entity(_)
        | Item::Param(_)
        | Item::Rule(_)
        | Item::Output(_)
        | Item::Report(_)
        | Item::Program(_)
        | Item::Visit(_)
        | Item::Test(_)
        | Item::Currency(_) => return,
    };
    diags.push(ReformError::Outside { what, span }.into_diagnostic());
}

/// The base a file names: its `reform of` when that is its first item.
pub fn base_of(file: &ast::File) -> Option<&ast::StringLit> {
    match file.items.first() {
        Some(Item::Reform(decl)) => Some(&decl.base),
        _ => None,
    }
}

/// A rule the reform gives a new definition (a `replace`, or a `remove … instead`): its type is
/// compared with the base's once the merged policy is checked.
#[derive(Debug, Clone)]
pub(crate) struct Redefined {
    entity: EntityKind,
    name: String,
    /// The replacement's name (or the removal).
    span: Span,
    /// The base's type.
    base_ty: Ty,
    /// The base declaration.
    base_span: Span,
    /// Without a written type: the name of the probe rule holding the new body in
    /// [`Merged::probe_files`].
    probe: Option<String>,
}

/// The merged files, and the rules whose types are compared after checking.
pub(crate) struct Merged {
    /// The base's files changed in place, then the reform's files with what they add.
    pub files: Vec<(SourceId, ast::File)>,
    redefined: Vec<Redefined>,
    /// When a replacement has no written type, the merged files with that rule's base
    /// definition kept and the new body added as a probe rule of another name: checking them
    /// gives the new body's own type without touching its readers, so that another type is
    /// `pol::reform::type_changed` with both places rather than errors at every reader.
    pub probe_files: Option<Vec<(SourceId, ast::File)>>,
}

/// Where a base declaration is: file index and item index.
type At = (usize, usize);

/// A base that is itself a reform: its `reform of` headers, reported.
pub(crate) fn nested(base: &[(SourceId, ast::File)]) -> Vec<Diagnostic> {
    let headers = base.iter().flat_map(|(_, file)| &file.items).filter_map(|item| match item {
        Item::Reform(decl) => Some(decl.span),
        _ => None,
    });
    headers.map(|span| ReformError::Nested { span }.into_diagnostic()).collect()
}

/// Applies the reform's items to the base's; `base_program` is the base checked alone. The
/// mistakes only a reform can make come with the merged files (which are not to be used when
/// there is one), so that the caller can add what the probe files show.
pub(crate) fn merge(
    base: &[(SourceId, ast::File)],
    reform: &[(SourceId, ast::File)],
    base_program: &Program,
) -> (Merged, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    check_headers(reform, &mut errors);
    let files: Vec<(SourceId, ast::File)> = base
        .iter()
        .map(|(id, file)| {
            let items = file.items.iter().filter(|item| !matches!(item, Item::Test(_))).cloned().collect();
            (*id, ast::File { items })
        })
        .collect();
    let mut rules: HashMap<(EntityKind, String), At> = HashMap::new();
    let mut params: HashMap<String, At> = HashMap::new();
    let mut outputs: HashMap<String, At> = HashMap::new();
    let mut entities: HashMap<EntityKind, At> = HashMap::new();
    for (file_index, (_, file)) in files.iter().enumerate() {
        for (item_index, item) in file.items.iter().enumerate() {
            let at = (file_index, item_index);
            match item {
                Item::Rule(decl) => {
                    rules.entry((decl.entity, decl.name.name.clone())).or_insert(at);
                }
                Item::Param(decl) => {
                    params.entry(decl.name.dotted()).or_insert(at);
                }
                Item::Output(decl) => {
                    outputs.entry(decl.name.name.clone()).or_insert(at);
                }
                Item::Entity(decl) => {
                    entities.entry(decl.kind).or_insert(at);
                }
                Item::Enum(_)
                | Item::Jurisdictions(_)
                | Item::Report(_)
                | Item::Program(_)
                | Item::Visit(_)
                | Item::Test(_)
                | Item::Reform(_)
                | Item::Currency(_)
                | Item::Replace(_)
                | Item::Remove(_) => {}
            }
        }
    }
    let mut merger = Merger {
        files,
        base_program,
        rules,
        params,
        changed: HashMap::new(),
        removed: Vec::new(),
        redefined: Vec::new(),
        originals: Vec::new(),
        probes: Vec::new(),
        errors,
    };
    let mut added: Vec<(SourceId, ast::File)> = Vec::new();
    for (id, file) in reform {
        let mut items = Vec::new();
        for item in &file.items {
            match item {
                Item::Reform(_) | Item::Currency(_) => {}
                Item::Replace(decl) => match &decl.target {
                    ast::Replaced::Rule(rule) => merger.replace_rule(rule),
                    ast::Replaced::Param(param) => merger.replace_param(param),
                },
                Item::Remove(decl) => merger.remove(decl),
                Item::Rule(decl) => {
                    if let Some(&at) = merger.rules.get(&(decl.entity, decl.name.name.clone())) {
                        let base = merger.name_span_at(at).unwrap_or(decl.span);
                        let keyword = format!("{} {}", decl.entity.keyword(), decl.name.name);
                        merger.already("rule", &decl.name.name, decl.name.span, base, &format!("replace {keyword} …"));
                    } else {
                        items.push(item.clone());
                    }
                }
                Item::Param(decl) => {
                    let name = decl.name.dotted();
                    if let Some(&at) = merger.params.get(&name) {
                        let base = merger.name_span_at(at).unwrap_or(decl.span);
                        merger.already("parameter", &name, decl.name.span, base, &format!("replace param {name} …"));
                    } else {
                        items.push(item.clone());
                    }
                }
                Item::Entity(decl) => match entities.get(&decl.kind).copied() {
                    Some((file_index, item_index)) => {
                        if let Some(Item::Entity(block)) =
                            merger.files.get_mut(file_index).and_then(|(_, file)| file.items.get_mut(item_index))
                        {
                            block.columns.extend(decl.columns.iter().cloned());
                            block.requires.extend(decl.requires.iter().cloned());
                        }
                    }
                    None => items.push(item.clone()),
                },
                Item::Output(decl) => match outputs.get(&decl.name.name).copied() {
                    Some(at) => merger.extend_output(at, decl),
                    None => items.push(item.clone()),
                },
                // A program or visit list the base already declares is reported by the merged
                // check (declared twice).
                Item::Enum(_)
                | Item::Jurisdictions(_)
                | Item::Report(_)
                | Item::Program(_)
                | Item::Visit(_)
                | Item::Test(_) => items.push(item.clone()),
            }
        }
        added.push((*id, ast::File { items }));
    }
    merger.check_removed();
    let Merger { mut files, redefined, errors, changed, originals, probes, .. } = merger;
    // Removed declarations (without `instead`) go last, so that the indices above stay valid.
    let mut dropped: Vec<At> =
        changed.values().filter_map(|change| if change.drop { Some(change.at) } else { None }).collect();
    dropped.sort_unstable();
    let mut probe_files = (!probes.is_empty()).then(|| {
        let mut probe_files = files.clone();
        for ((file_index, item_index), original) in originals {
            if let Some(slot) = probe_files.get_mut(file_index).and_then(|(_, file)| file.items.get_mut(item_index)) {
                *slot = original;
            }
        }
        probe_files
    });
    // The probe files keep removed rules, so that their readers still check there.
    for &(file_index, item_index) in dropped.iter().rev() {
        if let Some((_, file)) = files.get_mut(file_index)
            && item_index < file.items.len()
        {
            file.items.remove(item_index);
        }
    }
    if let Some(probe_files) = probe_files.as_mut() {
        probe_files.extend(added.iter().cloned());
        let source = reform.first().map_or(SourceId(0), |(id, _)| *id);
        probe_files.push((source, ast::File { items: probes }));
    }
    files.extend(added);
    (Merged { files, redefined, probe_files }, errors)
}

/// Every file's `reform of` is its first item, and they name one base.
fn check_headers(reform: &[(SourceId, ast::File)], errors: &mut Vec<Diagnostic>) {
    let mut first: Option<&ast::StringLit> = None;
    for (_, file) in reform {
        for (index, item) in file.items.iter().enumerate() {
            let Item::Reform(decl) = item else { continue };
            if index > 0 {
                errors.push(ReformError::HeaderNotFirst { span: decl.span }.into_diagnostic());
            }
            match first {
                None => first = Some(&decl.base),
                Some(named) if named.value != decl.base.value => errors.push(
                    ReformError::BaseMismatch {
                        first: named.value.clone(),
                        second: decl.base.value.clone(),
                        span: decl.base.span,
                        first_span: named.span,
                    }
                    .into_diagnostic(),
                ),
                Some(_) => {}
            }
        }
    }
}

/// A base declaration the reform changes.
struct Change {
    at: At,
    /// The `replace` or `remove`.
    span: Span,
    /// Removed without `instead`: dropped from the merged files.
    drop: bool,
}

struct Merger<'a> {
    files: Vec<(SourceId, ast::File)>,
    base_program: &'a Program,
    rules: HashMap<(EntityKind, String), At>,
    params: HashMap<String, At>,
    /// Changed declarations by `rule ENTITY NAME` / `param NAME`.
    changed: HashMap<String, Change>,
    /// Rules removed without `instead`: (entity, name, the removal).
    removed: Vec<(EntityKind, String, Span)>,
    redefined: Vec<Redefined>,
    /// The base items of untyped replacements, for the probe files.
    originals: Vec<(At, Item)>,
    /// Probe rules: the untyped replacements' bodies under other names.
    probes: Vec<Item>,
    errors: Vec<Diagnostic>,
}

impl Merger<'_> {
    fn item_at(&self, (file_index, item_index): At) -> Option<&Item> {
        self.files.get(file_index).and_then(|(_, file)| file.items.get(item_index))
    }

    /// The name of the declaration at `at`: the place a related label points at (a parameter's
    /// whole block would be a snippet of many lines).
    fn name_span_at(&self, at: At) -> Option<Span> {
        match self.item_at(at)? {
            Item::Rule(decl) => Some(decl.name.span),
            Item::Param(decl) => Some(decl.name.span),
            Item::Output(decl) => Some(decl.name.span),
            Item::Entity(decl) => Some(decl.span),
            Item::Enum(_)
            | Item::Jurisdictions(_)
            | Item::Report(_)
            | Item::Program(_)
            | Item::Visit(_)
            | Item::Test(_)
            | Item::Reform(_)
            | Item::Currency(_)
            | Item::Replace(_)
            | Item::Remove(_) => None,
        }
    }

    fn set_item(&mut self, (file_index, item_index): At, item: Item) {
        if let Some(slot) = self.files.get_mut(file_index).and_then(|(_, file)| file.items.get_mut(item_index)) {
            *slot = item;
        }
    }

    fn push(&mut self, error: ReformError) {
        self.errors.push(error.into_diagnostic());
    }

    fn already(&mut self, what: &'static str, name: &str, span: Span, base: Span, fix: &str) {
        self.push(ReformError::AlreadyInBase { what, name: name.to_string(), span, base, fix: fix.into() });
    }

    /// Records a change of `key`; false (reported) when it was already changed.
    fn record(&mut self, key: String, name: &str, at: At, span: Span, drop: bool) -> bool {
        if let Some(first) = self.changed.get(&key) {
            let first = first.span;
            self.push(ReformError::ChangedTwice { name: name.to_string(), span, first });
            return false;
        }
        self.changed.insert(key, Change { at, span, drop });
        true
    }

    /// The base rule of this entity and name, with its checked type; reports an unknown one.
    fn base_rule(&mut self, entity: EntityKind, name: &ast::Ident) -> Option<(At, Ty, Span)> {
        let found = self.rules.get(&(entity, name.name.clone())).copied();
        let checked = self
            .base_program
            .rules
            .iter()
            .find(|rule| rule.entity == entity && rule.name == name.name && matches!(rule.role, RuleRole::Named));
        match (found, checked) {
            (Some(at), Some(rule)) => Some((at, rule.ty, self.name_span_at(at).unwrap_or(rule.span))),
            _ => {
                let names = self
                    .base_program
                    .rules
                    .iter()
                    .filter(|rule| rule.entity == entity && matches!(rule.role, RuleRole::Named))
                    .map(|rule| rule.name.as_str());
                let help = match crate::params::nearest(&name.name, names) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "to add a new rule, write it without `replace` or `remove`: `{} {} = …`",
                        entity.keyword(),
                        name.name
                    ),
                };
                self.push(ReformError::UnknownTarget { what: "rule", name: name.name.clone(), span: name.span, help });
                None
            }
        }
    }

    /// Reports a written type that is not the base's; true when it matches (or is not written).
    fn same_type(&mut self, name: &str, written: Option<&TypeExpr>, base_ty: Ty, base_span: Span) -> bool {
        let Some(written) = written else { return true };
        let new_ty = resolve(self.base_program, written);
        if new_ty == Some(base_ty) {
            return true;
        }
        let base_name = crate::check::ty_name(&self.base_program.enums, self.base_program.currency, base_ty);
        let new_name = match new_ty {
            Some(ty) => crate::check::ty_name(&self.base_program.enums, self.base_program.currency, ty),
            None => type_text(written),
        };
        self.push(ReformError::TypeChanged {
            name: name.to_string(),
            base_ty: base_name,
            new_ty: new_name,
            span: written.span(),
            base: base_span,
        });
        false
    }

    fn replace_rule(&mut self, rule: &ast::RuleDecl) {
        let Some((at, base_ty, base_span)) = self.base_rule(rule.entity, &rule.name) else { return };
        if !self.same_type(&rule.name.name, rule.ty.as_ref(), base_ty, base_span) {
            return;
        }
        let key = format!("rule {} {}", rule.entity.keyword(), rule.name.name);
        if !self.record(key, &rule.name.name, at, rule.name.span, false) {
            return;
        }
        // A dated replacement always writes its type; only `= expr` may leave it out.
        let probe = match (&rule.ty, rule.undated_body()) {
            (None, Some(body)) => self.probe(at, rule.entity, &rule.name, body),
            _ => None,
        };
        self.redefined.push(Redefined {
            entity: rule.entity,
            name: rule.name.name.clone(),
            span: rule.name.span,
            base_ty,
            base_span,
            probe,
        });
        // Without a written type, the replacement is checked against the base's: a body of
        // another type is reported at the replacement, not at every reader in the base.
        let ty = rule.ty.clone().or_else(|| written_type(self.base_program, base_ty, rule.name.span));
        self.set_item(at, Item::Rule(ast::RuleDecl { ty, ..rule.clone() }));
    }

    fn replace_param(&mut self, param: &ast::ParamDecl) {
        let name = param.name.dotted();
        let Some(&at) = self.params.get(&name) else {
            let help = match crate::params::nearest(&name, self.base_program.params.iter().map(|p| p.name.as_str())) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("to add a new parameter, write it without `replace`: `param {name}: … {{ … }}`"),
            };
            self.push(ReformError::UnknownTarget { what: "parameter", name, span: param.name.span, help });
            return;
        };
        let base = self
            .base_program
            .params
            .iter()
            .find(|def| def.name == name)
            .map(|def| (def.ty, self.name_span_at(at).unwrap_or(def.span)));
        if let Some((base_ty, base_span)) = base
            && !self.same_type(&name, Some(&param.ty), base_ty, base_span)
        {
            return;
        }
        if self.record(format!("param {name}"), &name, at, param.name.span, false) {
            self.set_item(at, Item::Param(param.clone()));
        }
    }

    fn remove(&mut self, decl: &ast::RemoveDecl) {
        let Some((at, base_ty, base_span)) = self.base_rule(decl.entity, &decl.name) else { return };
        let key = format!("rule {} {}", decl.entity.keyword(), decl.name.name);
        let drop = decl.instead.is_none();
        if !self.record(key, &decl.name.name, at, decl.span, drop) {
            return;
        }
        match &decl.instead {
            Some(instead) => {
                let (doc, per) = match self.item_at(at) {
                    Some(Item::Rule(base)) => (base.doc.clone(), base.per),
                    _ => (decl.doc.clone(), None),
                };
                let ty = written_type(self.base_program, base_ty, decl.name.span);
                let probe = self.probe(at, decl.entity, &decl.name, instead);
                let rule = ast::RuleDecl {
                    doc,
                    entity: decl.entity,
                    name: decl.name.clone(),
                    ty,
                    per,
                    values: vec![ast::DatedValue { from: None, value: Some(instead.clone()), span: instead.span }],
                    span: decl.span,
                };
                self.redefined.push(Redefined {
                    entity: decl.entity,
                    name: decl.name.name.clone(),
                    span: decl.name.span,
                    base_ty,
                    base_span,
                    probe,
                });
                self.set_item(at, Item::Rule(rule));
            }
            None => self.removed.push((decl.entity, decl.name.name.clone(), decl.span)),
        }
    }

    /// Keeps the base item at `at` for the probe files and adds a probe rule with `body`.
    fn probe(&mut self, at: At, entity: EntityKind, name: &ast::Ident, body: &ast::Expr) -> Option<String> {
        let original = self.item_at(at)?.clone();
        // `·` cannot be written in a name, so the probe never meets a declared one.
        let probe_name = format!("{}·reform", name.name);
        self.originals.push((at, original));
        self.probes.push(Item::Rule(ast::RuleDecl {
            doc: Vec::new(),
            entity,
            name: ast::Ident { name: probe_name.clone(), span: name.span },
            ty: None,
            per: None,
            values: vec![ast::DatedValue { from: None, value: Some(body.clone()), span: body.span }],
            span: name.span,
        }));
        Some(probe_name)
    }

    fn extend_output(&mut self, at: At, decl: &ast::OutputDecl) {
        let Some(Item::Output(base)) = self.item_at(at) else { return };
        if base.entity != decl.entity || decl.filter.is_some() {
            let (name, entity, base_span) = (base.name.name.clone(), base.entity.keyword(), base.name.span);
            self.push(ReformError::OutputChanged { name, entity, span: decl.name.span, base: base_span });
            return;
        }
        let mut base = base.clone();
        base.columns.extend(decl.columns.iter().cloned());
        self.set_item(at, Item::Output(base));
    }

    /// A rule removed without `instead` may be read by no rule the reform keeps.
    fn check_removed(&mut self) {
        let program = self.base_program;
        let removed = std::mem::take(&mut self.removed);
        for (entity, name, span) in removed {
            let Some(target) = program
                .rules
                .iter()
                .position(|rule| rule.entity == entity && rule.name == name && matches!(rule.role, RuleRole::Named))
            else {
                continue;
            };
            let reader = program.rules.iter().find_map(|rule| {
                let key = format!("rule {} {}", rule.entity.keyword(), rule.name);
                if matches!(rule.role, RuleRole::Named) && self.changed.contains_key(&key) {
                    return None;
                }
                rule.body
                    .preorder()
                    .find(|expr| matches!(expr.kind, ExprKind::Rule(id) if id.0 as usize == target))
                    .map(|expr| (rule.name.clone(), expr.span))
            });
            let reader = reader.or_else(|| non_rule_reader(program, RuleId(target as u32)));
            if let Some((reader, reader_span)) = reader {
                let entity = entity.keyword();
                self.push(ReformError::RemovedButRead { entity, name, reader, span, reader_span });
            }
        }
    }
}

/// A reader of rule `target` other than a rule: an output's column or filter, the report's
/// extra column, a program or the visit list (its name and the place it reads the rule), so
/// that removing the rule without `instead` names it rather than failing the merged check.
fn non_rule_reader(program: &Program, target: RuleId) -> Option<(String, Span)> {
    for output in &program.outputs {
        for (index, (column, rule)) in output.columns.iter().enumerate() {
            if *rule == target {
                let span = output.column_spans.get(index).copied().unwrap_or(output.span);
                return Some((format!("output {} column {column}", output.name), span));
            }
        }
        if output.filter == Some(target) {
            return Some((format!("output {}", output.name), output.span));
        }
    }
    if let Some(report) = &program.report
        && let Some((column, _)) = report.extra_columns.iter().find(|(_, rule)| *rule == target)
    {
        let span = program.outputs.get(report.table).map_or(Span::default(), |output| output.span);
        return Some((format!("report column {column}"), span));
    }
    if let Some(paid) = program.programs.iter().find(|paid| paid.rules.contains(&target)) {
        return Some((format!("program {}", paid.id), paid.span));
    }
    if program.visit == Some(target) {
        let span = program.rules.get(target.0 as usize).map_or(Span::default(), |rule| rule.span);
        return Some(("visit".to_string(), span));
    }
    None
}

/// Before the merged policy is checked, from the checked probe files: an untyped replacement
/// whose body has another type than the base's rule.
pub(crate) fn probe_types(merged: &Merged, probe: &Program, base: &Program) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for redefined in &merged.redefined {
        let Some(name) = &redefined.probe else { continue };
        let Some(rule) = probe.rules.iter().find(|rule| &rule.name == name) else { continue };
        errors.extend(type_changed(redefined, rule.ty, probe, base));
    }
    errors
}

/// After the merged policy checked: a replacement whose type (written or inferred) is not the
/// base's.
pub(crate) fn check_types(merged: &Merged, program: &Program, base: &Program) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for redefined in &merged.redefined {
        let Some(rule) = program.rules.iter().find(|rule| {
            rule.entity == redefined.entity && rule.name == redefined.name && matches!(rule.role, RuleRole::Named)
        }) else {
            continue;
        };
        errors.extend(type_changed(redefined, rule.ty, program, base));
    }
    errors
}

/// `pol::reform::type_changed` when `ty` (a type of `program`) is not the base rule's.
fn type_changed(redefined: &Redefined, ty: Ty, program: &Program, base: &Program) -> Option<Diagnostic> {
    (ty != redefined.base_ty).then(|| {
        ReformError::TypeChanged {
            name: redefined.name.clone(),
            base_ty: crate::check::ty_name(&base.enums, base.currency, redefined.base_ty),
            new_ty: crate::check::ty_name(&program.enums, program.currency, ty),
            span: redefined.span,
            base: redefined.base_span,
        }
        .into_diagnostic()
    })
}

/// A written type against the base's enums; `None` for an unknown enum name.
fn resolve(program: &Program, written: &TypeExpr) -> Option<Ty> {
    Some(match written {
        TypeExpr::Money(period, currency, _) if *currency == program.currency => Ty::Money(*period),
        TypeExpr::Money(..) => return None,
        TypeExpr::Ratio(_) => Ty::Ratio,
        TypeExpr::Int(_) => Ty::Int,
        TypeExpr::Bool(_) => Ty::Bool,
        TypeExpr::Date(_) => Ty::Date,
        TypeExpr::Text(_) => Ty::Text,
        TypeExpr::Named(ident) => {
            Ty::Enum(crate::tir::EnumId(program.enums.iter().position(|def| def.name == ident.name)? as u32))
        }
        // A scale is no value type: a rule or a value parameter is never one.
        TypeExpr::Scale(..) => return None,
    })
}

/// A checked type written at `span`, as the replacement of a rule of that type declares it.
fn written_type(program: &Program, ty: Ty, span: Span) -> Option<TypeExpr> {
    Some(match ty {
        Ty::Bool => TypeExpr::Bool(span),
        Ty::Int => TypeExpr::Int(span),
        Ty::Ratio => TypeExpr::Ratio(span),
        Ty::Money(period) => TypeExpr::Money(period, program.currency, span),
        Ty::Date => TypeExpr::Date(span),
        Ty::Text => TypeExpr::Text(span),
        Ty::Enum(id) => {
            let name = program.enums.get(id.0 as usize)?.name.clone();
            TypeExpr::Named(ast::Ident { name, span })
        }
    })
}

/// A written type as text, for one that names no known type.
fn type_text(written: &TypeExpr) -> String {
    match written {
        TypeExpr::Named(ident) => ident.name.clone(),
        TypeExpr::Scale(..) => "a scale".into(),
        TypeExpr::Money(..)
        | TypeExpr::Ratio(_)
        | TypeExpr::Int(_)
        | TypeExpr::Bool(_)
        | TypeExpr::Date(_)
        | TypeExpr::Text(_) => "another type".into(),
    }
}
