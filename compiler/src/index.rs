//! A name index of a policy's syntax trees: every declared name (rules, columns, parameters,
//! enums and their variants, outputs) with the spans where it is declared and where it is used.
//!
//! Editors use it for going to a definition, finding references and renaming (`pol lsp`). It
//! reads parsed files only, so it works while the policy has type errors; it resolves names the
//! way the checker's scopes do in the common case (`county.X` is a jurisdiction column,
//! `Enum.variant` a variant, a dotted name a parameter, a bare name a rule, a column, a
//! parameter or a variant, in that order), but it decides nothing about meaning: a name it
//! cannot place is left out, never guessed at.
//!
//! ```text
//! person severe: bool = disability_grade in 1..2
//!        ^^^^^^ definition of the rule    ^^^^^^^^^^^^^^^^ a reference to the column
//! ```

use pol_grammar::ast::{self, EntityKind, Expr, ExprKind, Item, Pattern, TypeExpr};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// What a name declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefKind {
    /// `enum Name { … }`
    Enum,
    /// A variant of an enum (its index in [`NameIndex::defs`] is `enum_def`).
    Variant {
        /// The enum's definition.
        enum_def: usize,
    },
    /// A column of the `jurisdictions` block.
    JurisdictionColumn,
    /// An input column of an entity.
    Column(EntityKind),
    /// `param name: ty { … }`
    Param,
    /// A named rule.
    Rule(EntityKind),
    /// `output name for …`
    Output,
}

/// One declared name.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// What it is.
    pub kind: DefKind,
    /// The name (a parameter's dotted name).
    pub name: String,
    /// Where the name is written in its declaration.
    pub span: Span,
    /// The whole declaration.
    pub decl: Span,
    /// The `///` doc comment lines.
    pub doc: Vec<String>,
    /// The declared type as written, if the declaration has one (`元/月`, `int 0..4`,
    /// `LaborCapacity`).
    pub written_type: Option<String>,
}

/// A name written in a file, declared at `def`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// Where it is written.
    pub span: Span,
    /// The definition (an index of [`NameIndex::defs`]).
    pub def: usize,
    /// Whether this is the declaration itself.
    pub is_definition: bool,
}

/// Every definition and every occurrence of a policy's names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameIndex {
    /// Definitions in file and declaration order.
    pub defs: Vec<Definition>,
    /// Occurrences (definitions included) in the order met.
    pub occurrences: Vec<Occurrence>,
}

impl NameIndex {
    /// Indexes parsed files (those that did not parse are simply absent).
    pub fn build(files: &[(SourceId, &ast::File)]) -> NameIndex {
        let mut builder = Builder::default();
        for (_, file) in files {
            for item in &file.items {
                builder.declare(item);
            }
        }
        for (_, file) in files {
            for item in &file.items {
                builder.walk_item(item);
            }
        }
        builder.index
    }

    /// The occurrence at a byte offset of a file, if a name is written there.
    pub fn at(&self, source: SourceId, offset: u32) -> Option<Occurrence> {
        self.occurrences
            .iter()
            .find(|occurrence| {
                occurrence.span.source == source && occurrence.span.start <= offset && offset <= occurrence.span.end
            })
            .copied()
    }

    /// Every occurrence of the definition `def`, its declaration included.
    pub fn occurrences_of(&self, def: usize) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(move |occurrence| occurrence.def == def)
    }

    /// The parameter declared with this dotted name.
    pub fn param(&self, name: &str) -> Option<usize> {
        self.defs.iter().position(|def| def.kind == DefKind::Param && def.name == name)
    }

    /// The definition at `index`.
    pub fn def(&self, index: usize) -> Option<&Definition> {
        self.defs.get(index)
    }
}

#[derive(Default)]
struct Builder {
    index: NameIndex,
    enums: HashMap<String, usize>,
    /// Variants by (enum definition, name).
    variants: HashMap<(usize, String), usize>,
    /// Variants by bare name (the first declared wins).
    bare_variants: HashMap<String, usize>,
    jurisdiction_columns: HashMap<String, usize>,
    /// Rules and entity columns by name (the first declared wins).
    values: HashMap<String, usize>,
    params: HashMap<String, usize>,
    outputs: HashMap<String, usize>,
}

impl Builder {
    fn define(&mut self, kind: DefKind, ident: &ast::Ident, decl: Span, doc: &[String], ty: Option<String>) -> usize {
        self.define_named(kind, ident.name.clone(), ident.span, decl, doc, ty)
    }

    fn define_named(
        &mut self,
        kind: DefKind,
        name: String,
        span: Span,
        decl: Span,
        doc: &[String],
        written_type: Option<String>,
    ) -> usize {
        let def = self.index.defs.len();
        self.index.defs.push(Definition { kind, name, span, decl, doc: doc.to_vec(), written_type });
        self.index.occurrences.push(Occurrence { span, def, is_definition: true });
        def
    }

    fn define_unwritten(
        &mut self,
        kind: DefKind,
        name: String,
        decl: Span,
        doc: &[String],
        written_type: Option<String>,
    ) -> usize {
        let def = self.index.defs.len();
        self.index.defs.push(Definition { kind, name, span: decl, decl, doc: doc.to_vec(), written_type });
        def
    }

    fn refer(&mut self, span: Span, def: usize) {
        self.index.occurrences.push(Occurrence { span, def, is_definition: false });
    }

    fn declare(&mut self, item: &Item) {
        match item {
            Item::Enum(decl) => {
                let enum_def = self.define(DefKind::Enum, &decl.name, decl.span, &decl.doc, None);
                self.enums.entry(decl.name.name.clone()).or_insert(enum_def);
                for variant in &decl.variants {
                    let def = self.define(DefKind::Variant { enum_def }, variant, variant.span, &[], None);
                    self.variants.entry((enum_def, variant.name.clone())).or_insert(def);
                    self.bare_variants.entry(variant.name.clone()).or_insert(def);
                }
            }
            Item::Jurisdictions(decl) => {
                for column in &decl.columns {
                    let ty = Some(column_type_text(&column.ty));
                    let def = self.define(DefKind::JurisdictionColumn, &column.name, column.span, &column.doc, ty);
                    self.jurisdiction_columns.entry(column.name.name.clone()).or_insert(def);
                }
            }
            Item::Entity(decl) => {
                for column in &decl.columns {
                    let per = if column.per.is_some() { " per month" } else { "" };
                    let ty = Some(format!("{}{per}", column_type_text(&column.ty)));
                    let def = self.define(DefKind::Column(decl.kind), &column.name, column.span, &column.doc, ty);
                    self.values.entry(column.name.name.clone()).or_insert(def);
                }
                self.declare_roles(&decl.roles);
            }
            Item::Param(decl) => {
                let name = decl.name.dotted();
                let ty = Some(type_text(&decl.ty));
                let def = self.define_named(DefKind::Param, name.clone(), decl.name.span, decl.span, &decl.doc, ty);
                self.params.entry(name).or_insert(def);
            }
            Item::Rule(decl) => {
                let per = decl.per.map(|(per, _)| format!(" per {}", per.word())).unwrap_or_default();
                let ty = decl.ty.as_ref().map(|ty| format!("{}{per}", type_text(ty)));
                let def = self.define(DefKind::Rule(decl.entity), &decl.name, decl.span, &decl.doc, ty);
                self.values.entry(decl.name.name.clone()).or_insert(def);
            }
            Item::Output(decl) => {
                let def = self.define(DefKind::Output, &decl.name, decl.span, &decl.doc, None);
                self.outputs.entry(decl.name.name.clone()).or_insert(def);
            }
            // A reform's items name the base's declarations: they are uses, walked below.
            Item::Report(_)
            | Item::Program(_)
            | Item::Visit(_)
            | Item::Test(_)
            | Item::Reform(_)
            | Item::Currency(_)
            | Item::Replace(_)
            | Item::Remove(_) => {}
        }
    }

    /// Household roles declare what the checker makes of them (`check/roles.rs`): the enum
    /// `Role` and its variants, and the persons' `role` column, all at the `role` line.
    fn declare_roles(&mut self, roles: &[ast::RoleDecl]) {
        let Some(first) = roles.first() else { return };
        let name = crate::check::ROLE_ENUM.to_string();
        // The enum and the column are written nowhere: definitions without an occurrence, so
        // that a role's name stays the one name at its place.
        let enum_def = self.define_unwritten(DefKind::Enum, name.clone(), first.span, &[], None);
        self.enums.entry(name.clone()).or_insert(enum_def);
        for role in roles {
            let doc = match role.at_most {
                Some((limit, _)) => vec![format!("role, at most {limit} per household")],
                None => vec!["role".to_string()],
            };
            let def = self.define(DefKind::Variant { enum_def }, &role.name, role.span, &doc, None);
            self.variants.entry((enum_def, role.name.name.clone())).or_insert(def);
            self.bare_variants.entry(role.name.name.clone()).or_insert(def);
        }
        let column = crate::check::ROLE_COLUMN.to_string();
        let doc = ["the person's role in the household".to_string()];
        let def =
            self.define_unwritten(DefKind::Column(EntityKind::Person), column.clone(), first.span, &doc, Some(name));
        self.values.entry(column).or_insert(def);
    }

    fn walk_item(&mut self, item: &Item) {
        match item {
            Item::Enum(_) => {}
            Item::Jurisdictions(decl) => {
                for column in &decl.columns {
                    self.walk_column(column);
                }
            }
            Item::Entity(decl) => {
                for column in &decl.columns {
                    self.walk_column(column);
                }
                for require in &decl.requires {
                    self.walk_expr(&require.cond);
                }
            }
            Item::Param(decl) => {
                self.walk_type(&decl.ty);
                for value in decl.values.iter().filter_map(|value| value.value.as_ref()) {
                    self.walk_expr(value);
                }
                for require in &decl.requires {
                    self.walk_expr(&require.cond);
                }
            }
            Item::Rule(decl) => {
                if let Some(ty) = &decl.ty {
                    self.walk_type(ty);
                }
                for body in decl.exprs() {
                    self.walk_expr(body);
                }
            }
            Item::Output(decl) => self.walk_output(decl),
            Item::Report(decl) => self.walk_report(decl),
            Item::Program(decl) => {
                for rule in &decl.rules {
                    self.refer_value(rule);
                }
            }
            Item::Visit(decl) => self.refer_value(&decl.rule),
            Item::Test(decl) => self.walk_test(decl),
            Item::Reform(_) | Item::Currency(_) => {}
            Item::Replace(decl) => match &decl.target {
                ast::Replaced::Rule(rule) => {
                    self.refer_value(&rule.name);
                    self.walk_item(&Item::Rule(rule.clone()));
                }
                ast::Replaced::Param(param) => {
                    if let Some(&def) = self.params.get(&param.name.dotted()) {
                        self.refer(param.name.span, def);
                    }
                    self.walk_item(&Item::Param(param.clone()));
                }
            },
            Item::Remove(decl) => {
                self.refer_value(&decl.name);
                if let Some(instead) = &decl.instead {
                    self.walk_expr(instead);
                }
            }
        }
    }

    fn walk_column(&mut self, column: &ast::ColumnDecl) {
        if let ast::ColumnType::Value(ty, _) = &column.ty {
            self.walk_type(ty);
        }
        if let Some(default) = &column.default {
            self.walk_expr(default);
        }
    }

    fn walk_output(&mut self, decl: &ast::OutputDecl) {
        if let Some(filter) = &decl.filter {
            self.walk_expr(filter);
        }
        for column in &decl.columns {
            match &column.value {
                Some(value) => self.walk_expr(value),
                None => self.refer_value(&column.name),
            }
        }
    }

    fn walk_report(&mut self, decl: &ast::ReportDecl) {
        if let Some(&def) = self.outputs.get(&decl.table.name) {
            self.refer(decl.table.span, def);
        }
        for entry in &decl.entries {
            match entry {
                ast::ReportEntry::By(..) => {}
                ast::ReportEntry::Count(columns, _) | ast::ReportEntry::Sum(columns, _) => {
                    for column in columns {
                        self.refer_value(column);
                    }
                }
                ast::ReportEntry::Budget { column, amount, .. } => {
                    self.refer_value(column);
                    self.walk_expr(amount);
                }
                ast::ReportEntry::Rate { numerator, denominator, filter, below, .. } => {
                    self.refer_value(numerator);
                    self.refer_value(denominator);
                    for expr in [filter, below].into_iter().flatten() {
                        self.walk_expr(expr);
                    }
                }
            }
        }
    }

    fn walk_test(&mut self, decl: &ast::TestDecl) {
        for record in &decl.records {
            for (name, value) in &record.fields {
                self.refer_value(name);
                self.walk_expr(value);
            }
        }
        for expectation in &decl.expectations {
            match expectation {
                ast::Expectation::Value { name, value, tolerance, .. } => {
                    self.refer_value(name);
                    self.walk_expr(value);
                    if let Some(tolerance) = tolerance {
                        self.walk_expr(tolerance);
                    }
                }
                ast::Expectation::Rejected(..) | ast::Expectation::Error(_) => {}
            }
        }
    }

    fn refer_value(&mut self, ident: &ast::Ident) {
        if let Some(&def) = self.values.get(&ident.name) {
            self.refer(ident.span, def);
        }
    }

    fn walk_type(&mut self, ty: &TypeExpr) {
        if let TypeExpr::Scale(threshold, value, _) = ty {
            self.walk_type(threshold);
            self.walk_type(value);
        }
        if let TypeExpr::Named(ident) = ty
            && let Some(&def) = self.enums.get(&ident.name)
        {
            self.refer(ident.span, def);
        }
    }

    /// Walks an expression tree with an explicit stack (the parser bounds nesting, but the
    /// index does not rely on it).
    fn walk_expr(&mut self, root: &Expr) {
        let mut stack = vec![root];
        while let Some(expr) = stack.pop() {
            match &expr.kind {
                ExprKind::Number(..) | ExprKind::Bool(_) | ExprKind::Date(_) | ExprKind::Text(_) | ExprKind::AsOf => {}
                ExprKind::Path(path) => self.refer_path(path),
                ExprKind::Unary(_, operand) | ExprKind::Paren(operand) => stack.push(operand),
                ExprKind::Binary(_, left, right) => stack.extend([&**left, &**right]),
                ExprKind::In(value, set) => {
                    stack.push(value);
                    match set {
                        ast::InSet::Range(low, high) => stack.extend([&**low, &**high]),
                        ast::InSet::List(items) => stack.extend(items),
                    }
                }
                ExprKind::As(value, ty) => {
                    self.walk_type(ty);
                    stack.push(value);
                }
                ExprKind::If(cond, then, otherwise) => stack.extend([&**cond, &**then, &**otherwise]),
                ExprKind::Match(scrutinee, arms) => {
                    stack.push(scrutinee);
                    for arm in arms {
                        if let Pattern::Variant(path) = &arm.pattern {
                            self.refer_path(path);
                        }
                        stack.push(&arm.value);
                    }
                }
                ExprKind::Call(_, args) => stack.extend(args),
                ExprKind::Aggregate { filter, value, .. } => {
                    stack.extend(filter.iter().map(|expr| &**expr));
                    stack.extend(value.iter().map(|expr| &**expr));
                }
                ExprKind::ScaleLit(brackets) => {
                    for (threshold, value) in brackets {
                        stack.extend([threshold, value]);
                    }
                }
            }
        }
    }

    fn refer_path(&mut self, path: &ast::Path) {
        let dotted = path.dotted();
        if let Some(&def) = self.params.get(&dotted) {
            self.refer(path.span, def);
            return;
        }
        match path.parts.as_slice() {
            [single] => {
                let found = self
                    .values
                    .get(&single.name)
                    .or_else(|| self.bare_variants.get(&single.name))
                    .or_else(|| self.enums.get(&single.name));
                if let Some(&def) = found {
                    self.refer(single.span, def);
                }
            }
            [first, second] if first.name == "county" => {
                if let Some(&def) = self.jurisdiction_columns.get(&second.name) {
                    self.refer(second.span, def);
                }
            }
            [first, second] if matches!(first.name.as_str(), "household" | "person" | "case") => {
                if let Some(&def) = self.values.get(&second.name) {
                    self.refer(second.span, def);
                }
            }
            [first, second] => {
                if let Some(&enum_def) = self.enums.get(&first.name) {
                    self.refer(first.span, enum_def);
                    if let Some(&def) = self.variants.get(&(enum_def, second.name.clone())) {
                        self.refer(second.span, def);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A type as written.
pub fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Money(period, currency, _) => crate::check::period_name(*currency, *period),
        TypeExpr::Ratio(_) => "ratio".into(),
        TypeExpr::Int(_) => "int".into(),
        TypeExpr::Bool(_) => "bool".into(),
        TypeExpr::Date(_) => "date".into(),
        TypeExpr::Text(_) => "text".into(),
        TypeExpr::Named(ident) => ident.name.clone(),
        TypeExpr::Scale(threshold, value, _) => format!("scale({}, {})", type_text(threshold), type_text(value)),
    }
}

/// A checked type as a policy writes it: `元/月`, `ratio`, `LaborCapacity`.
pub fn ty_text(program: &crate::tir::Program, ty: crate::tir::Ty) -> String {
    crate::check::ty_name(&program.enums, program.currency, ty)
}

/// A column's type as written.
fn column_type_text(ty: &ast::ColumnType) -> String {
    match ty {
        ast::ColumnType::Key(_) => "key".into(),
        ast::ColumnType::County(_) => "county".into(),
        ast::ColumnType::HouseholdRef(_) => "household".into(),
        ast::ColumnType::City(_) => "city".into(),
        ast::ColumnType::Value(ty, None) => type_text(ty),
        ast::ColumnType::Value(ty, Some((low, high))) => format!("{} {low}..{high}", type_text(ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(text: &str) -> NameIndex {
        let source = SourceId(0);
        let Ok(file) = pol_grammar::parse_file(source, text) else { return NameIndex::default() };
        NameIndex::build(&[(source, &file)])
    }

    /// Each definition's name with how many occurrences of it the index holds.
    fn occurrence_counts(index: &NameIndex) -> Vec<(&str, usize)> {
        index
            .defs
            .iter()
            .enumerate()
            .map(|(def, definition)| (definition.name.as_str(), index.occurrences_of(def).count()))
            .collect()
    }

    #[test]
    fn roles_declare_their_enum_variants_and_the_role_column() {
        let text = "household {\n  id: key\n  role at most 2 parent, child\n}\nperson {\n  pid: key\n  hid: household\n}\nhousehold n: int = count(members where role == child)\n";
        let index = index_of(text);
        let names = occurrence_counts(&index);
        assert_eq!(
            names,
            [("id", 1), ("Role", 0), ("parent", 1), ("child", 2), ("role", 1), ("pid", 1), ("hid", 1), ("n", 1)]
        );
        let offset = text.rfind("child").map(|offset| offset as u32 + 1);
        let found = offset.and_then(|offset| index.at(SourceId(0), offset)).and_then(|found| index.def(found.def));
        assert_eq!(found.map(|def| (def.name.as_str(), def.doc.clone())), Some(("child", vec!["role".to_string()])));
    }

    #[test]
    fn rules_columns_params_and_variants_are_found_where_used() {
        let text = "enum Cap { full, none }\nhousehold {\n  id: key\n  cap: Cap\n}\nparam topup.child: ratio {\n  = 10%\n}\nhousehold weak: bool = cap == Cap.none\nhousehold r: ratio = if weak { topup.child } else { 0% }\n";
        let index = index_of(text);
        let names = occurrence_counts(&index);
        assert_eq!(
            names,
            [("Cap", 3), ("full", 1), ("none", 2), ("id", 1), ("cap", 2), ("topup.child", 2), ("weak", 2), ("r", 1)]
        );
        let offset = text.rfind("topup.child").map(|offset| offset as u32 + 3);
        let found = offset.and_then(|offset| index.at(SourceId(0), offset));
        assert_eq!(found.map(|occurrence| occurrence.def), index.param("topup.child"));
    }
}
