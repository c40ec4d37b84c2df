//! Collecting declarations from every file, in any order, before any expression is checked.
//!
//! This pass gives every enum, jurisdiction attribute, column, parameter and rule its id and
//! (declared) type, reports duplicates, and plans the rules the program will have: entity
//! `require`s (validation rules, first), named rules, then hidden rules for output columns and
//! filters. Expressions are only stored here; `items` checks them.

use super::error::{TypeError, elsewhere, same_file};
use super::types::{push, resolve_type, ty_name};
use crate::diagnostic::Diagnostic;
use crate::tir::{
    self, Attr, AttrId, Column, ColumnId, ColumnTy, EntitySchema, EnumDef, EnumId, JurisdictionSchema, ParamId, RuleId,
    ScaleId, Ty,
};
use pol_grammar::ast::{
    self, ColumnType, EntityDecl, EntityKind, Expr, ExprKind, Ident, Item, JurisdictionsDecl, OutputDecl, ParamDecl,
    Path, ReportDecl, TestDecl, TypeExpr,
};
use pol_grammar::{SourceId, Span};
use std::borrow::Cow;
use std::collections::HashMap;

/// Every declaration of the policy, with ids and declared types.
pub(super) struct Decls<'a> {
    /// Enums in declaration order.
    pub enums: Vec<EnumDef>,
    /// Enum ids by name.
    pub enum_by_name: HashMap<String, EnumId>,
    /// The `jurisdictions` block, if any.
    pub jurisdictions: Option<&'a JurisdictionsDecl>,
    /// Its columns as attributes.
    pub schema: JurisdictionSchema,
    /// Attribute ids by column name.
    pub attr_by_name: HashMap<String, AttrId>,
    /// Household, person, case (see [`entity_index`]).
    pub entities: [EntityInfo<'a>; 3],
    /// Parameters in declaration order.
    pub params: Vec<ParamInfo<'a>>,
    /// Parameter ids by (dotted) name.
    pub param_by_name: HashMap<String, ParamId>,
    /// Every rule the program will have; a [`RuleId`] indexes this list.
    pub rules: Vec<RulePlan<'a>>,
    /// Outputs in declaration order.
    pub outputs: Vec<OutputPlan<'a>>,
    /// Report blocks (one is allowed; more are reported).
    pub reports: Vec<&'a ReportDecl>,
    /// `program` declarations in order.
    pub programs: Vec<&'a ast::ProgramDecl>,
    /// `visit` declarations (one is allowed; more are reported).
    pub visits: Vec<&'a ast::VisitDecl>,
    /// Tests in declaration order.
    pub tests: Vec<&'a TestDecl>,
    /// The policy's currency (`currency EUR`; `元` when none is declared).
    pub currency: ast::Currency,
    /// The decimals amounts are computed to (`precision`; 2 without it).
    pub money_decimals: u32,
    /// Scale parameters in declaration order; a [`ScaleId`] indexes this list.
    pub scales: Vec<ScaleInfo<'a>>,
    /// Scale ids by (dotted) name.
    pub scale_by_name: HashMap<String, ScaleId>,
}

/// A scale parameter (`param p: scale(元/年, ratio) { … }`).
pub(super) struct ScaleInfo<'a> {
    /// The declaration.
    pub decl: &'a ParamDecl,
    /// The dotted name.
    pub name: String,
    /// The type of its thresholds, when valid.
    pub threshold_ty: Option<Ty>,
    /// The type of its values, when valid.
    pub value_ty: Option<Ty>,
}

/// One entity's declaration, schema and name tables.
pub(super) struct EntityInfo<'a> {
    /// The block, if declared.
    pub decl: Option<&'a EntityDecl>,
    /// Its schema; defaults are filled in by the checker.
    pub schema: EntitySchema,
    /// Column ids by name.
    pub column_by_name: HashMap<String, ColumnId>,
    /// Named rules of this entity by name.
    pub rule_by_name: HashMap<String, RuleId>,
}

/// A parameter and its declared type (`None` when the type names no enum).
pub(super) struct ParamInfo<'a> {
    /// The declaration.
    pub decl: &'a ParamDecl,
    /// The dotted name.
    pub name: String,
    /// Its type.
    pub ty: Option<Ty>,
}

/// The type of a planned rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlanTy {
    /// Written in the declaration (or implied: `bool` for conditions).
    Declared(Ty),
    /// Left out: the body's type.
    Infer,
    /// Written, but naming no type (already reported).
    Broken,
}

/// What a planned rule is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PlanRole {
    /// A named rule.
    Named,
    /// An entity `require`, with its message.
    Validation(Option<String>),
    /// An output column or filter.
    Hidden,
}

/// A rule of the future program.
pub(super) struct RulePlan<'a> {
    /// Its name (`output.column` for hidden rules).
    pub name: String,
    /// Its entity.
    pub entity: EntityKind,
    /// Its type.
    pub ty: PlanTy,
    /// Its definition (made up from the column's name for a name-only output column): one
    /// undated version, or a dated rule's versions (`from DATE = …`) in source order.
    pub versions: Vec<PlanVersion<'a>>,
    /// Its role.
    pub role: PlanRole,
    /// `per month` / `per year` as written (named rules only).
    pub per: Option<(tir::Per, Span)>,
    /// Doc comment.
    pub doc: Vec<String>,
    /// The declaration (or `require` line, or output entry).
    pub span: Span,
    /// Where its name is written.
    pub name_span: Span,
    /// Where its type is written, if it is.
    pub ty_span: Option<Span>,
}

/// One version of a rule's definition.
pub(super) struct PlanVersion<'a> {
    /// `from DATE`, or `None` for a definition in force from the beginning.
    pub from: Option<ast::DateLit>,
    /// The definition; `None` for `= none` (not in force from `from` on).
    pub body: Option<Cow<'a, Expr>>,
    /// The version's line.
    pub span: Span,
}

impl<'a> PlanVersion<'a> {
    /// A definition in force on every date.
    pub fn always(body: Cow<'a, Expr>) -> Self {
        let span = body.span;
        PlanVersion { from: None, body: Some(body), span }
    }
}

impl RulePlan<'_> {
    /// Every version's definition.
    pub fn bodies(&self) -> impl Iterator<Item = &Expr> {
        self.versions.iter().filter_map(|version| version.body.as_deref())
    }

    /// The definition of a rule in force on every date (written `= expr`), else `None`.
    pub fn undated(&self) -> Option<&Expr> {
        match self.versions.as_slice() {
            [PlanVersion { from: None, body: Some(body), .. }] => Some(body),
            _ => None,
        }
    }
}

/// An output and the rules giving its filter and columns.
pub(super) struct OutputPlan<'a> {
    /// The declaration.
    pub decl: &'a OutputDecl,
    /// The filter's rule.
    pub filter: Option<RuleId>,
    /// Header names and rules.
    pub columns: Vec<(String, RuleId)>,
}

/// Index of an entity in [`Decls::entities`].
pub(super) fn entity_index(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Household => 0,
        EntityKind::Person => 1,
        EntityKind::Case => 2,
    }
}

/// The items of every file, grouped by kind, in file then source order.
#[derive(Default)]
struct Items<'a> {
    enums: Vec<&'a ast::EnumDecl>,
    jurisdictions: Vec<&'a JurisdictionsDecl>,
    entities: Vec<&'a EntityDecl>,
    params: Vec<&'a ParamDecl>,
    rules: Vec<&'a ast::RuleDecl>,
    outputs: Vec<&'a OutputDecl>,
    reports: Vec<&'a ReportDecl>,
    programs: Vec<&'a ast::ProgramDecl>,
    visits: Vec<&'a ast::VisitDecl>,
    tests: Vec<&'a TestDecl>,
    currencies: Vec<&'a ast::CurrencyDecl>,
}

/// Names already declared in one namespace, with where.
#[derive(Default)]
struct Namespace(HashMap<String, Span>);

impl Namespace {
    /// Declares `name`; a second declaration is reported and returns false.
    fn declare(&mut self, name: &str, span: Span, what: &'static str, diags: &mut Vec<Diagnostic>) -> bool {
        if let Some(first) = self.0.get(name) {
            let help = Some("rename one of them".to_string());
            let error = TypeError::Duplicate { name: name.into(), span, what, first: same_file(span, *first), help };
            super::types::push_with(diags, span, error, elsewhere(span, *first, "first declared here"));
            return false;
        }
        self.0.insert(name.into(), span);
        true
    }
}

/// Collects the declarations of every file.
pub(super) fn collect<'a>(files: &'a [(SourceId, ast::File)], diags: &mut Vec<Diagnostic>) -> Decls<'a> {
    let items = group_items(files, diags);
    let (enums, enum_by_name) = collect_enums(&items.enums, diags);
    let currency = collect_currency(&items.currencies, diags);
    let money_decimals = collect_precision(&items.currencies, diags);
    let mut decls = Decls {
        enums,
        enum_by_name,
        jurisdictions: None,
        schema: JurisdictionSchema::default(),
        attr_by_name: HashMap::new(),
        entities: [EntityKind::Household, EntityKind::Person, EntityKind::Case].map(empty_entity),
        params: Vec::new(),
        param_by_name: HashMap::new(),
        rules: Vec::new(),
        outputs: Vec::new(),
        reports: items.reports.clone(),
        programs: items.programs.clone(),
        visits: items.visits.clone(),
        tests: items.tests.clone(),
        currency,
        money_decimals,
        scales: Vec::new(),
        scale_by_name: HashMap::new(),
    };
    decls.collect_jurisdictions(&items.jurisdictions, diags);
    decls.collect_entities(&items.entities, diags);
    let mut values = Namespace::default();
    decls.collect_params(&items.params, &mut values, diags);
    decls.plan_validations();
    decls.plan_named_rules(&items.rules, &mut values, diags);
    decls.plan_outputs(&items.outputs, diags);
    check_unique_tests(&items.tests, diags);
    decls
}

/// The declared currency: the first `currency` declaration's; every other one is reported.
fn collect_currency(decls: &[&ast::CurrencyDecl], diags: &mut Vec<Diagnostic>) -> ast::Currency {
    let Some(first) = decls.first() else { return ast::Currency::Yuan };
    for decl in decls.iter().skip(1) {
        let error = TypeError::CurrencyTwice {
            currency: decl.currency.name(),
            first_currency: first.currency.name(),
            span: decl.code_span,
            first: same_file(decl.span, first.code_span),
        };
        push(diags, decl.code_span, error);
    }
    first.currency
}

/// The decimals amounts are computed to: the first `currency` line's `precision` (`0.0001` is
/// 4), else 2, the cent. A precision other than `0.01` … `0.000001` is reported.
fn collect_precision(decls: &[&ast::CurrencyDecl], diags: &mut Vec<Diagnostic>) -> u32 {
    let Some((written, span)) = decls.first().and_then(|decl| decl.precision.as_ref().map(|p| (p, decl))) else {
        return crate::tir::CENT_DECIMALS;
    };
    let (text, precision_span) = written;
    match crate::tir::precision_decimals(text) {
        Some(decimals) => decimals,
        None => {
            let error = TypeError::MoneyPrecision {
                written: text.clone(),
                currency: span.currency.name(),
                span: *precision_span,
            };
            push(diags, *precision_span, error);
            crate::tir::CENT_DECIMALS
        }
    }
}

fn group_items<'a>(files: &'a [(SourceId, ast::File)], diags: &mut Vec<Diagnostic>) -> Items<'a> {
    let mut items = Items::default();
    for (_, file) in files {
        for item in &file.items {
            match item {
                Item::Enum(decl) => items.enums.push(decl),
                Item::Jurisdictions(decl) => items.jurisdictions.push(decl),
                Item::Entity(decl) => items.entities.push(decl),
                Item::Param(decl) => items.params.push(decl),
                Item::Rule(decl) => items.rules.push(decl),
                Item::Output(decl) => items.outputs.push(decl),
                Item::Report(decl) => items.reports.push(decl),
                Item::Program(decl) => items.programs.push(decl),
                Item::Visit(decl) => items.visits.push(decl),
                Item::Test(decl) => items.tests.push(decl),
                Item::Currency(decl) => items.currencies.push(decl),
                // `crate::reform::merge` turns a reform's items into ordinary ones before
                // checking; here they are outside a reform.
                Item::Reform(_) | Item::Replace(_) | Item::Remove(_) => crate::reform::outside_reform(item, diags),
            }
        }
    }
    items
}

fn empty_entity<'a>(kind: EntityKind) -> EntityInfo<'a> {
    EntityInfo {
        decl: None,
        schema: EntitySchema {
            kind,
            columns: Vec::new(),
            key: None,
            household_ref: None,
            county: None,
            declared: false,
        },
        column_by_name: HashMap::new(),
        rule_by_name: HashMap::new(),
    }
}

fn collect_enums(decls: &[&ast::EnumDecl], diags: &mut Vec<Diagnostic>) -> (Vec<EnumDef>, HashMap<String, EnumId>) {
    let mut enums = Vec::new();
    let mut by_name = HashMap::new();
    let mut names = Namespace::default();
    for decl in decls {
        let mut variant_names = Namespace::default();
        let mut variants = Vec::new();
        for variant in &decl.variants {
            if variant_names.declare(&variant.name, variant.span, "variant", diags) {
                variants.push(variant.name.clone());
            }
        }
        if names.declare(&decl.name.name, decl.name.span, "enum", diags) {
            by_name.insert(decl.name.name.clone(), EnumId(enums.len() as u32));
        }
        // A duplicate enum still gets an id (unreachable by name) so that ids stay dense.
        enums.push(EnumDef { name: decl.name.name.clone(), variants, span: decl.span });
    }
    (enums, by_name)
}

fn check_unique_tests(tests: &[&TestDecl], diags: &mut Vec<Diagnostic>) {
    let mut names = Namespace::default();
    for test in tests {
        names.declare(&test.name.value, test.name.span, "test", diags);
    }
}

impl<'a> Decls<'a> {
    fn collect_jurisdictions(&mut self, blocks: &[&'a JurisdictionsDecl], diags: &mut Vec<Diagnostic>) {
        let mut blocks = blocks.iter();
        let Some(block) = blocks.next() else { return };
        for extra in blocks {
            let error = TypeError::Duplicate {
                name: "jurisdictions".into(),
                span: extra.span,
                what: "block",
                first: same_file(extra.span, block.span),
                help: Some("declare the columns of jurisdictions.csv once".into()),
            };
            super::types::push_with(diags, extra.span, error, elsewhere(extra.span, block.span, "first declared here"));
        }
        self.jurisdictions = Some(block);
        let mut names = Namespace::default();
        for column in &block.columns {
            if !names.declare(&column.name.name, column.name.span, "column", diags) {
                continue;
            }
            if let Some(span) = column.per {
                let help = Some("a county's attributes do not change by month".into());
                let error = TypeError::BadColumnType { block: "jurisdictions", ty: "per month".into(), span, help };
                push(diags, span, error);
            }
            let Some(ty) = self.jurisdiction_column_ty(column, diags) else { continue };
            let id = AttrId(self.schema.attrs.len() as u32);
            self.attr_by_name.insert(column.name.name.clone(), id);
            self.schema.attrs.push(Attr { name: column.name.name.clone(), ty, span: column.span });
        }
    }

    /// The attribute type of a `jurisdictions` column; records the key and city columns.
    fn jurisdiction_column_ty(&mut self, column: &ast::ColumnDecl, diags: &mut Vec<Diagnostic>) -> Option<Ty> {
        let name = &column.name;
        let special = |slot: &mut Option<String>, what: &'static str, span: Span, diags: &mut Vec<Diagnostic>| {
            if slot.is_some() {
                let help = Some(format!("jurisdictions.csv has one `{what}` column"));
                push(
                    diags,
                    span,
                    TypeError::Duplicate { name: what.into(), span, what: "column type", first: None, help },
                );
            } else {
                *slot = Some(name.name.clone());
            }
        };
        match &column.ty {
            ColumnType::Key(span) => special(&mut self.schema.key, "key", *span, diags),
            ColumnType::City(span) => special(&mut self.schema.city, "city", *span, diags),
            ColumnType::County(span) | ColumnType::HouseholdRef(span) => {
                let ty = if matches!(column.ty, ColumnType::County(_)) { "county" } else { "household" };
                let help = Some("a `jurisdictions` column is `key`, `city`, or a value type".into());
                let error = TypeError::BadColumnType { block: "jurisdictions", ty: ty.into(), span: *span, help };
                push(diags, *span, error);
                return None;
            }
            ColumnType::Value(written, _) => return resolve_type(&self.enum_by_name, self.currency, written, diags),
        }
        Some(Ty::Text)
    }

    fn collect_entities(&mut self, blocks: &[&'a EntityDecl], diags: &mut Vec<Diagnostic>) {
        for block in blocks {
            let Some(info) = self.entities.get_mut(entity_index(block.kind)) else { continue };
            if let Some(first) = info.decl {
                let error = TypeError::Duplicate {
                    name: block.kind.keyword().into(),
                    span: block.kind_span,
                    what: "block",
                    first: same_file(block.kind_span, first.kind_span),
                    help: Some(format!("declare all `{}` columns in one block", block.kind.keyword())),
                };
                let related = elsewhere(block.kind_span, first.kind_span, "first declared here");
                super::types::push_with(diags, block.kind_span, error, related);
                continue;
            }
            info.decl = Some(block);
            info.schema.declared = true;
            let mut names = Namespace::default();
            for column in &block.columns {
                if !names.declare(&column.name.name, column.name.span, "column", diags) {
                    continue;
                }
                let Some(ty) = entity_column_ty(&self.enum_by_name, self.currency, block.kind, column, diags) else {
                    continue;
                };
                let Some(info) = self.entities.get_mut(entity_index(block.kind)) else { continue };
                add_column(info, column, ty, self.currency, diags);
            }
        }
    }

    fn collect_params(&mut self, decls: &[&'a ParamDecl], values: &mut Namespace, diags: &mut Vec<Diagnostic>) {
        for decl in decls {
            let name = decl.name.dotted();
            if let TypeExpr::Scale(threshold, value, _) = &decl.ty {
                let threshold_ty = self.scale_part(threshold, "thresholds", diags);
                let value_ty = self.scale_part(value, "values", diags);
                if values.declare(&name, decl.name.span, "parameter", diags) {
                    self.scale_by_name.insert(name.clone(), ScaleId(self.scales.len() as u32));
                }
                self.scales.push(ScaleInfo { decl, name, threshold_ty, value_ty });
                continue;
            }
            let ty = resolve_type(&self.enum_by_name, self.currency, &decl.ty, diags);
            if values.declare(&name, decl.name.span, "parameter", diags) {
                self.param_by_name.insert(name.clone(), ParamId(self.params.len() as u32));
            }
            self.params.push(ParamInfo { decl, name, ty });
        }
    }

    /// A scale's threshold or value type: thresholds are money or `int`, values also `ratio`.
    fn scale_part(&self, written: &TypeExpr, part: &'static str, diags: &mut Vec<Diagnostic>) -> Option<Ty> {
        let ty = resolve_type(&self.enum_by_name, self.currency, written, diags)?;
        let allowed = match ty {
            Ty::Money(_) | Ty::Int => true,
            Ty::Ratio => part == "values",
            Ty::Bool | Ty::Date | Ty::Text | Ty::Enum(_) => false,
        };
        if !allowed {
            let error =
                TypeError::ScaleType { part, ty: ty_name(&self.enums, self.currency, ty), span: written.span() };
            push(diags, written.span(), error);
            return None;
        }
        Some(ty)
    }

    fn plan_validations(&mut self) {
        let mut plans = Vec::new();
        for info in &self.entities {
            let Some(block) = info.decl else { continue };
            for (index, require) in block.requires.iter().enumerate() {
                plans.push(RulePlan {
                    name: format!("{}.require{}", block.kind.keyword(), index + 1),
                    entity: block.kind,
                    ty: PlanTy::Declared(Ty::Bool),
                    versions: vec![PlanVersion::always(Cow::Borrowed(&require.cond))],
                    role: PlanRole::Validation(require.message.as_ref().map(|message| message.value.clone())),
                    per: None,
                    doc: Vec::new(),
                    span: require.span,
                    name_span: require.span,
                    ty_span: None,
                });
            }
        }
        self.rules.extend(plans);
    }

    fn plan_named_rules(&mut self, decls: &[&'a ast::RuleDecl], values: &mut Namespace, diags: &mut Vec<Diagnostic>) {
        for decl in decls {
            let id = RuleId(self.rules.len() as u32);
            let ty = match &decl.ty {
                Some(written) => resolve_type(&self.enum_by_name, self.currency, written, diags)
                    .map_or(PlanTy::Broken, PlanTy::Declared),
                None => PlanTy::Infer,
            };
            if let (Some((per, _)), PlanTy::Declared(declared), Some(written)) = (decl.per, ty, &decl.ty) {
                super::periods::check_unit(&decl.name.name, per, declared, self.currency, written.span(), diags);
            }
            let name = &decl.name;
            if self.declare_rule_name(decl.entity, name, values, diags)
                && let Some(info) = self.entities.get_mut(entity_index(decl.entity))
            {
                info.rule_by_name.insert(name.name.clone(), id);
            }
            self.rules.push(RulePlan {
                name: name.name.clone(),
                entity: decl.entity,
                ty,
                versions: decl
                    .values
                    .iter()
                    .map(|value| PlanVersion {
                        from: value.from,
                        body: value.value.as_ref().map(Cow::Borrowed),
                        span: value.span,
                    })
                    .collect(),
                role: PlanRole::Named,
                per: decl.per,
                doc: decl.doc.clone(),
                span: decl.span,
                name_span: name.span,
                ty_span: decl.ty.as_ref().map(ast::TypeExpr::span),
            });
        }
    }

    /// Rules share one namespace with parameters, and may not reuse a column of their entity.
    fn declare_rule_name(
        &self,
        entity: EntityKind,
        name: &Ident,
        values: &mut Namespace,
        diags: &mut Vec<Diagnostic>,
    ) -> bool {
        let info = self.entities.get(entity_index(entity));
        let column = info.and_then(|info| info.column_by_name.get(&name.name)).map(|id| (info, id));
        if let Some((Some(info), id)) = column {
            let first = info.schema.columns.get(id.0 as usize).map(|column| column.span);
            let help = Some(format!("a rule cannot have the name of a `{}` column; rename the rule", entity.keyword()));
            let related = first.and_then(|first| elsewhere(name.span, first, "first declared here"));
            let first = first.and_then(|first| same_file(name.span, first));
            let error = TypeError::Duplicate { name: name.name.clone(), span: name.span, what: "name", first, help };
            super::types::push_with(diags, name.span, error, related);
            return false;
        }
        values.declare(&name.name, name.span, "name", diags)
    }

    fn plan_outputs(&mut self, decls: &[&'a OutputDecl], diags: &mut Vec<Diagnostic>) {
        let mut names = Namespace::default();
        for decl in decls {
            names.declare(&decl.name.name, decl.name.span, "output", diags);
            check_output_name(&decl.name, diags);
            let filter = decl
                .filter
                .as_ref()
                .map(|filter| self.plan_output_value(decl, "where", filter.span, Cow::Borrowed(filter), true));
            let mut columns = Vec::new();
            let mut column_names = Namespace::default();
            for column in &decl.columns {
                column_names.declare(&column.name.name, column.name.span, "output column", diags);
                let body = match &column.value {
                    Some(value) => Cow::Borrowed(value),
                    None => Cow::Owned(name_expr(&column.name)),
                };
                let id = self.plan_output_value(decl, &column.name.name, column.span, body, false);
                columns.push((column.name.name.clone(), id));
            }
            self.outputs.push(OutputPlan { decl, filter, columns });
        }
    }

    /// The rule giving an output value: the named rule itself when the value is a plain name of
    /// a rule of the output's entity, else a new hidden rule.
    fn plan_output_value(
        &mut self,
        decl: &OutputDecl,
        column: &str,
        span: Span,
        body: Cow<'a, Expr>,
        is_filter: bool,
    ) -> RuleId {
        if let ExprKind::Path(path) = &body.kind
            && let Some(id) = self.same_entity_rule(decl.entity, path)
        {
            return id;
        }
        let id = RuleId(self.rules.len() as u32);
        self.rules.push(RulePlan {
            name: format!("{}.{column}", decl.name.name),
            entity: decl.entity,
            ty: if is_filter { PlanTy::Declared(Ty::Bool) } else { PlanTy::Infer },
            versions: vec![PlanVersion::always(body)],
            role: PlanRole::Hidden,
            per: None,
            doc: Vec::new(),
            span,
            name_span: span,
            ty_span: None,
        });
        id
    }

    /// The named rule a one-part path names in `entity`'s scope, when it is a rule of `entity`.
    fn same_entity_rule(&self, entity: EntityKind, path: &Path) -> Option<RuleId> {
        let [part] = path.parts.as_slice() else { return None };
        match self.lookup_in_entity(entity, &part.name)? {
            super::resolve::Resolved::Rule(id) if self.rules.get(id.0 as usize)?.entity == entity => Some(id),
            _ => None,
        }
    }
}

/// Reports an output named like a file `pol run` writes for itself. Names are compared without
/// regard to ASCII case, so that the files stay apart on case-insensitive file systems too.
fn check_output_name(name: &Ident, diags: &mut Vec<Diagnostic>) {
    let reserved = tir::RESERVED_OUTPUT_NAMES.iter().find(|(stem, _)| stem.eq_ignore_ascii_case(&name.name));
    if let Some((_, file)) = reserved {
        let all: Vec<String> = tir::RESERVED_OUTPUT_NAMES.iter().map(|(stem, _)| format!("`{stem}`")).collect();
        let error =
            TypeError::ReservedOutput { name: name.name.clone(), span: name.span, file, reserved: all.join(", ") };
        push(diags, name.span, error);
    }
}

/// A path expression naming `ident`, at its span.
fn name_expr(ident: &Ident) -> Expr {
    let path = Path { parts: vec![ident.clone()], span: ident.span };
    Expr { kind: ExprKind::Path(path), span: ident.span }
}

/// The column type of an entity column; a type that does not belong is reported.
fn entity_column_ty(
    enum_by_name: &HashMap<String, EnumId>,
    currency: ast::Currency,
    entity: EntityKind,
    column: &ast::ColumnDecl,
    diags: &mut Vec<Diagnostic>,
) -> Option<ColumnTy> {
    let bad = |ty: &str, span: Span, help: &str, diags: &mut Vec<Diagnostic>| {
        let error = TypeError::BadColumnType { block: entity.keyword(), ty: ty.into(), span, help: Some(help.into()) };
        push(diags, span, error);
        None
    };
    match &column.ty {
        ColumnType::Key(_) => Some(ColumnTy::Key),
        ColumnType::County(_) if entity == EntityKind::Household => Some(ColumnTy::County),
        ColumnType::County(span) => bad("county", *span, "only households have a county; read it as `county.X`", diags),
        ColumnType::HouseholdRef(span) if entity == EntityKind::Household => {
            bad("household", *span, "only persons and cases link to a household", diags)
        }
        ColumnType::HouseholdRef(_) => Some(ColumnTy::HouseholdRef),
        ColumnType::City(span) => bad("city", *span, "`city` columns belong in the `jurisdictions` block", diags),
        ColumnType::Value(written, range) => {
            let ty = resolve_type(enum_by_name, currency, written, diags)?;
            if range.is_some() && ty != Ty::Int {
                return bad("range", written.span(), "only `int` columns can state a range, as in `int 0..4`", diags);
            }
            Some(ColumnTy::Value(ty))
        }
    }
}

/// Adds a column to an entity's schema, recording its key, household and county columns.
fn add_column(
    info: &mut EntityInfo<'_>,
    column: &ast::ColumnDecl,
    ty: ColumnTy,
    currency: ast::Currency,
    diags: &mut Vec<Diagnostic>,
) {
    let id = ColumnId(info.schema.columns.len() as u32);
    let special = match ty {
        ColumnTy::Key => Some((&mut info.schema.key, "key")),
        ColumnTy::County => Some((&mut info.schema.county, "county")),
        ColumnTy::HouseholdRef => Some((&mut info.schema.household_ref, "household")),
        ColumnTy::Value(_) => None,
    };
    if let Some((slot, what)) = special {
        if slot.is_some() {
            let help = Some(format!("a `{}` block has at most one `{what}` column", info.schema.kind.keyword()));
            let span = column.ty_span();
            push(diags, span, TypeError::Duplicate { name: what.into(), span, what: "column type", first: None, help });
            return;
        }
        *slot = Some(id);
    }
    let range = match &column.ty {
        ColumnType::Value(_, range) => *range,
        _ => None,
    };
    let periodic = match (column.per, ty) {
        (Some(_), ColumnTy::Value(value_ty)) => {
            super::periods::check_unit(&column.name.name, tir::Per::Month, value_ty, currency, column.ty_span(), diags);
            true
        }
        (Some(span), ColumnTy::Key | ColumnTy::County | ColumnTy::HouseholdRef) => {
            let help = Some("only a column of values may vary by month".into());
            let block = info.schema.kind.keyword();
            push(diags, span, TypeError::BadColumnType { block, ty: "per month".into(), span, help });
            false
        }
        (None, _) => false,
    };
    info.column_by_name.insert(column.name.name.clone(), id);
    info.schema.columns.push(Column {
        name: column.name.name.clone(),
        ty,
        range,
        default: None,
        default_cell: None,
        periodic,
        month: None,
        span: column.span,
    });
}

/// Where a column's type is written.
trait ColumnTypeSpan {
    fn ty_span(&self) -> Span;
}

impl ColumnTypeSpan for ast::ColumnDecl {
    fn ty_span(&self) -> Span {
        match &self.ty {
            ColumnType::Key(span)
            | ColumnType::County(span)
            | ColumnType::HouseholdRef(span)
            | ColumnType::City(span) => *span,
            ColumnType::Value(written, _) => written.span(),
        }
    }
}
