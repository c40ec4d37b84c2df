//! Household roles (`role adult, at most 2 parent, child`), turned into ordinary declarations
//! before collection, so that the checker, both engines and input validation see nothing new:
//!
//! - an enum `Role` with the roles as variants, in the order written;
//! - a person column `role: Role = <first role>`: read from the persons' `role` column and
//!   checked on input like every enum column (a word that is not a role rejects the household);
//!   a test person without `role` holds the first role, but a data file must have the column
//!   (its default is for tests only: no person's role is guessed);
//! - for each `at most N r`, a household `require count(members where role == Role.r) <= N`
//!   whose message is the reject reason `more than N members with role r`.
//!
//! Rules test a role with `role == child` and aggregate by role with the usual aggregates
//! (`count(members where role == child)`, `sum(members where role == parent, salary)`). A test
//! whose persons exceed a limit (counting `role:` fields and the default) is a diagnostic unless
//! it expects the rejection.

use super::error::TypeError;
use super::types::push_with;
use crate::diagnostic::Diagnostic;
use pol_grammar::SourceId;
use pol_grammar::ast::{
    self, AggregateKind, BinaryOp, EntityKind, Expr, ExprKind, Ident, Item, Number, NumberUnit, Path,
};

/// The name of the enum the roles become.
pub(crate) const ROLE_ENUM: &str = "Role";
/// The name of the person column holding the role.
pub(crate) const ROLE_COLUMN: &str = "role";

/// The files with roles desugared; `None` when no entity declares roles (nothing to change).
pub(super) fn desugar(
    files: &[(SourceId, ast::File)],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<(SourceId, ast::File)>> {
    let mut household_roles: Option<(usize, &[ast::RoleDecl])> = None;
    let mut any = false;
    for (file_index, (_, file)) in files.iter().enumerate() {
        for item in &file.items {
            let Item::Entity(entity) = item else { continue };
            let Some(first) = entity.roles.first() else { continue };
            any = true;
            if entity.kind != EntityKind::Household {
                let error = TypeError::RoleOutsideHousehold { entity: entity.kind.keyword(), span: first.span };
                diags.push(Diagnostic::new(Some(first.span), error));
            } else if household_roles.is_none() {
                // A second household block is reported by collection as a duplicate.
                household_roles = Some((file_index, &entity.roles));
            }
        }
    }
    if !any {
        return None;
    }
    let mut files = files.to_vec();
    let Some((file_index, roles)) = household_roles else { return Some(files) };
    let roles = roles.to_vec();
    let Some(first) = roles.first() else { return Some(files) };
    check_person_column(&files, first.span, diags);
    check_tests(&files, &roles, diags);
    let variants: Vec<Ident> = roles.iter().map(|role| role.name.clone()).collect();
    let enum_name = Ident { name: ROLE_ENUM.into(), span: first.span };
    let role_enum =
        ast::EnumDecl { doc: vec!["角色 (roles)".into()], name: enum_name.clone(), variants, span: first.span };
    let column = ast::ColumnDecl {
        doc: vec!["角色 (role)".into()],
        name: Ident { name: ROLE_COLUMN.into(), span: first.span },
        ty: ast::ColumnType::Value(ast::TypeExpr::Named(enum_name), None),
        per: None,
        default: Some(variant_expr(&first.name)),
        span: first.span,
    };
    let mut person_found = false;
    for (_, file) in &mut files {
        for item in &mut file.items {
            let Item::Entity(entity) = item else { continue };
            match entity.kind {
                EntityKind::Person if !person_found => {
                    person_found = true;
                    // A written `role` column was reported above; the roles' column replaces
                    // it so that the rules are checked once, against the roles.
                    entity.columns.retain(|written| written.name.name != ROLE_COLUMN);
                    entity.columns.push(column.clone());
                }
                EntityKind::Household => {
                    entity.roles.clear();
                    for role in &roles {
                        if let Some((limit, limit_span)) = role.at_most {
                            entity.requires.push(limit_require(role, limit, limit_span));
                        }
                    }
                }
                EntityKind::Person | EntityKind::Case => entity.roles.clear(),
            }
        }
    }
    if let Some((_, file)) = files.get_mut(file_index) {
        file.items.push(Item::Enum(role_enum));
        if !person_found {
            let person = ast::EntityDecl {
                doc: Vec::new(),
                kind: EntityKind::Person,
                kind_span: first.span,
                columns: vec![column],
                requires: Vec::new(),
                roles: Vec::new(),
                span: first.span,
            };
            file.items.push(Item::Entity(person));
        }
    }
    Some(files)
}

/// Whether a person column is the one the roles declared: it and the `Role` enum were both
/// made here, at the first role's span.
pub(super) fn is_role_column(column: &ast::ColumnDecl, enums: &[crate::tir::EnumDef]) -> bool {
    column.name.name == ROLE_COLUMN && enums.iter().any(|def| def.name == ROLE_ENUM && def.span == column.span)
}

/// `Role.<name>` at the role's span.
fn variant_expr(name: &Ident) -> Expr {
    let parts = vec![Ident { name: ROLE_ENUM.into(), span: name.span }, name.clone()];
    Expr { kind: ExprKind::Path(Path { parts, span: name.span }), span: name.span }
}

/// `require count(members where role == Role.r) <= N "more than N members with role r"`.
fn limit_require(role: &ast::RoleDecl, limit: u32, limit_span: pol_grammar::Span) -> ast::Require {
    let span = role.span;
    let column = Ident { name: ROLE_COLUMN.into(), span };
    let column = Expr { kind: ExprKind::Path(Path { parts: vec![column], span }), span };
    let filter =
        Expr { kind: ExprKind::Binary(BinaryOp::Eq, Box::new(column), Box::new(variant_expr(&role.name))), span };
    let count = Expr {
        kind: ExprKind::Aggregate {
            kind: AggregateKind::Count,
            kind_span: span,
            filter: Some(Box::new(filter)),
            value: None,
        },
        span,
    };
    let number = Number { digits: limit.to_string(), scale: 0 };
    let limit_expr = Expr { kind: ExprKind::Number(number, NumberUnit::None), span: limit_span };
    let cond = Expr { kind: ExprKind::Binary(BinaryOp::Le, Box::new(count), Box::new(limit_expr)), span };
    let message = ast::StringLit { value: limit_reason(limit, &role.name.name), span };
    ast::Require { cond, message: Some(message), span }
}

/// The reject reason of a household over a role's limit.
pub(crate) fn limit_reason(limit: u32, role: &str) -> String {
    let noun = if limit == 1 { "member" } else { "members" };
    format!("more than {limit} {noun} with role {role}")
}

/// A person column named `role` conflicts with the roles' column.
fn check_person_column(files: &[(SourceId, ast::File)], roles_span: pol_grammar::Span, diags: &mut Vec<Diagnostic>) {
    for (_, file) in files {
        for item in &file.items {
            let Item::Entity(entity) = item else { continue };
            if entity.kind != EntityKind::Person {
                continue;
            }
            for column in entity.columns.iter().filter(|column| column.name.name == ROLE_COLUMN) {
                let error = TypeError::RoleColumnDeclared {
                    span: column.name.span,
                    roles: super::error::same_file(column.name.span, roles_span),
                };
                let related = super::error::elsewhere(column.name.span, roles_span, "the household's roles");
                push_with(diags, column.name.span, error, related);
            }
        }
    }
}

/// A test whose persons exceed a role's limit, and that does not expect the rejection.
fn check_tests(files: &[(SourceId, ast::File)], roles: &[ast::RoleDecl], diags: &mut Vec<Diagnostic>) {
    let Some(first) = roles.first() else { return };
    for (_, file) in files {
        for item in &file.items {
            let Item::Test(test) = item else { continue };
            let expects_rejection =
                test.expectations.iter().any(|expectation| matches!(expectation, ast::Expectation::Rejected(..)));
            if expects_rejection {
                continue;
            }
            for role in roles {
                let Some((limit, limit_span)) = role.at_most else { continue };
                let holders: Vec<&ast::RecordLit> = test
                    .records
                    .iter()
                    .filter(|record| record.kind == EntityKind::Person)
                    .filter(|record| record_role(record, &first.name.name) == Some(role.name.name.as_str()))
                    .collect();
                if holders.len() as u64 <= u64::from(limit) {
                    continue;
                }
                let Some(extra) = holders.get(limit as usize) else { continue };
                let error = TypeError::RoleLimitInTest {
                    role: role.name.name.clone(),
                    limit,
                    count: holders.len(),
                    span: extra.span,
                    limit_span: super::error::same_file(extra.span, limit_span),
                };
                let related = super::error::elsewhere(extra.span, limit_span, "the limit");
                push_with(diags, extra.span, error, related);
            }
        }
    }
}

/// The role of a test person: its `role:` field written as a name (`child`, `Role.child`), the
/// first role without one, `None` for another expression (checked as a value elsewhere).
fn record_role<'r>(record: &'r ast::RecordLit, first: &'r str) -> Option<&'r str> {
    let Some((_, value)) = record.fields.iter().find(|(name, _)| name.name == ROLE_COLUMN) else { return Some(first) };
    match &value.kind {
        ExprKind::Path(path) => path.parts.last().map(|part| part.name.as_str()),
        _ => None,
    }
}
