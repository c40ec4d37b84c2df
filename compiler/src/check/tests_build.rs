//! `test` blocks to rows of words and resolved expectations.
//!
//! A test's records become rows in schema column order: written fields, then defaults. Keys
//! the test does not write are generated as text literals: `<test name>#H` for the household,
//! `#P1`, `#P2`, … for persons and `#C1`, … for cases; every person and case is linked to the
//! household's key. A `county` field's code becomes the county's index in jurisdictions.csv.

use super::context::Checker;
use super::decls::entity_index;
use super::error::{TypeError, elsewhere, same_file};
use super::types::did_you_mean;
use crate::tir::{self, ColumnTy, EntitySchema, Expectation, Ty, ValueSource, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, EntityKind, ExpectTarget, RecordLit, TestDecl};

/// Where [`Checker::record_row`] puts the rule values a record gives.
struct Givens<'g> {
    /// The record's index among its entity's records.
    index: usize,
    /// Every value given so far.
    found: &'g mut Vec<tir::Given>,
    /// Every monthly column's value given for a period so far.
    periodic: &'g mut Vec<tir::PeriodValue>,
}

/// The records of one test by entity, in the order written.
struct Records<'t> {
    household: Option<&'t RecordLit>,
    persons: Vec<&'t RecordLit>,
    cases: Vec<&'t RecordLit>,
}

impl Checker<'_> {
    /// Every test; `None` for a test with errors.
    pub(super) fn build_tests(&mut self, schemas: &[EntitySchema; 3]) -> Vec<Option<tir::Test>> {
        let decls = self.decls;
        decls.tests.iter().map(|test| self.build_test(test, schemas)).collect()
    }

    fn build_test(&mut self, test: &TestDecl, schemas: &[EntitySchema; 3]) -> Option<tir::Test> {
        let errors_before = self.n_errors();
        let records = self.split_records(test);
        let [household_schema, person_schema, case_schema] = schemas;
        let name = &test.name.value;
        let mut household_key = self.texts.word(&format!("{name}#H"));
        let fallback_span = test.name.span;
        let mut given = Vec::new();
        let mut periodic = Vec::new();
        let household = self.record_row(
            household_schema,
            records.household,
            (format!("{name}#H"), None),
            fallback_span,
            &mut Givens { index: 0, found: &mut given, periodic: &mut periodic },
        );
        if let (Some(row), Some(key)) = (&household, household_schema.key) {
            household_key = row.get(key.0 as usize).copied().unwrap_or(household_key);
        }
        let mut persons = Vec::with_capacity(records.persons.len().max(1));
        for (index, record) in records.persons.iter().enumerate() {
            let key = format!("{name}#P{}", index + 1);
            let mut givens = Givens { index, found: &mut given, periodic: &mut periodic };
            persons.push(self.record_row(
                person_schema,
                Some(record),
                (key, Some(household_key)),
                record.span,
                &mut givens,
            ));
        }
        if self.needs_default_member(test, &records, person_schema) {
            let mut givens = Givens { index: 0, found: &mut given, periodic: &mut periodic };
            let keys = (format!("{name}#P1"), Some(household_key));
            persons.push(self.record_row(person_schema, None, keys, fallback_span, &mut givens));
        }
        let mut cases = Vec::with_capacity(records.cases.len());
        for (index, record) in records.cases.iter().enumerate() {
            let key = format!("{name}#C{}", index + 1);
            let mut givens = Givens { index, found: &mut given, periodic: &mut periodic };
            cases.push(self.record_row(
                case_schema,
                Some(record),
                (key, Some(household_key)),
                record.span,
                &mut givens,
            ));
        }
        let counts = (persons.len(), records.cases.len());
        if let Some(tolerance) = &test.tolerance
            && tolerance_number(tolerance).is_none()
        {
            self.error(tolerance.span, TypeError::ToleranceNotNumber { span: tolerance.span });
        }
        let expectations: Vec<Option<Expectation>> = test
            .expectations
            .iter()
            .map(|expectation| self.expectation(expectation, schemas, counts, test.tolerance.as_ref()))
            .collect();
        if self.n_errors() > errors_before {
            return None;
        }
        Some(tir::Test {
            name: name.clone(),
            as_of: test.as_of.and_then(|date| crate::date::from_ymd(i64::from(date.year), date.month, date.day)),
            household: household?,
            persons: persons.into_iter().collect::<Option<Vec<_>>>()?,
            cases: cases.into_iter().collect::<Option<Vec<_>>>()?,
            expectations: expectations.into_iter().collect::<Option<Vec<_>>>()?,
            given,
            periodic,
            span: test.span,
        })
    }

    /// Whether a test gets one default member: it writes no `person`, the policy declares
    /// persons, and it does not expect a rejection (which may be the household without
    /// members). Every person column then needs a default; a missing one is reported here.
    fn needs_default_member(&mut self, test: &TestDecl, records: &Records<'_>, schema: &EntitySchema) -> bool {
        if !records.persons.is_empty() || !schema.declared {
            return false;
        }
        if test.expectations.iter().any(|expectation| matches!(expectation, ast::Expectation::Rejected(..))) {
            return false;
        }
        let mut complete = true;
        for column in &schema.columns {
            if column.default.is_none() && !matches!(column.ty, ColumnTy::Key | ColumnTy::HouseholdRef) {
                let error = TypeError::DefaultMember { column: column.name.clone(), span: test.name.span };
                self.error(test.name.span, error);
                complete = false;
            }
        }
        complete
    }

    fn split_records<'t>(&mut self, test: &'t TestDecl) -> Records<'t> {
        let mut records = Records { household: None, persons: Vec::new(), cases: Vec::new() };
        for record in &test.records {
            match record.kind {
                EntityKind::Household => match records.household {
                    Some(first) => {
                        let error =
                            TypeError::SecondHousehold { span: record.span, first: same_file(record.span, first.span) };
                        self.error_with(record.span, error, elsewhere(record.span, first.span, "first household"));
                    }
                    None => records.household = Some(record),
                },
                EntityKind::Person => records.persons.push(record),
                EntityKind::Case => records.cases.push(record),
            }
        }
        records
    }

    /// One record's row: written fields, generated key and household link, then defaults.
    /// A field naming a computed rule of the entity gives that rule's value (into `givens`).
    fn record_row(
        &mut self,
        schema: &EntitySchema,
        record: Option<&RecordLit>,
        (key, household_key): (String, Option<Word>),
        span: Span,
        givens: &mut Givens<'_>,
    ) -> Option<Vec<Word>> {
        let mut row: Vec<Option<Word>> = vec![None; schema.columns.len()];
        let mut failed = false;
        let mut written: Vec<(&str, Span)> = Vec::new();
        // Columns written (even wrongly) or meant by a misspelt field: not reported as missing.
        let mut claimed: Vec<String> = Vec::new();
        // No record (a test without this entity's block) means no field: every column takes its
        // default, and a column without one is reported below.
        for (field, value) in record.map(|record| record.fields.as_slice()).unwrap_or_default() {
            if let Some((_, first)) = written.iter().find(|(name, _)| *name == field.name) {
                let error = TypeError::Duplicate {
                    name: field.name.clone(),
                    span: field.span,
                    what: "field",
                    first: Some(*first),
                    help: None,
                };
                self.error(field.span, error);
                failed = true;
                continue;
            }
            written.push((&field.name, field.span));
            claimed.push(field.name.clone());
            if !schema.columns.iter().any(|column| column.name == field.name)
                && let Some(rule) = self.named_rule(schema.kind, &field.name)
            {
                let ty = self.rule_types.get(rule.0 as usize).copied().flatten();
                let because = self.decls.rules.get(rule.0 as usize).and_then(|plan| plan.ty_span);
                match ty.and_then(|ty| self.literal_value("a given value", value, ty, because)) {
                    Some(value) => givens.found.push(tir::Given {
                        entity: schema.kind,
                        index: givens.index,
                        rule,
                        value,
                        at: None,
                    }),
                    None => failed = true,
                }
                continue;
            }
            if !schema.columns.iter().any(|column| column.name == field.name) {
                let names = schema.columns.iter().map(|column| column.name.as_str());
                claimed.extend(super::types::nearest(&field.name, names).map(str::to_string));
            }
            let word = self.field_value(schema, field, value);
            failed |= word.is_none();
            if let (Some(word), Some(id)) = (word, schema.columns.iter().position(|column| column.name == field.name))
                && let Some(cell) = row.get_mut(id)
            {
                *cell = Some(word);
            }
        }
        for (field, period, value) in record.map(|record| record.periodic.as_slice()).unwrap_or_default() {
            claimed.push(field.name.clone());
            let Some(id) = schema.columns.iter().position(|column| column.name == field.name) else {
                // A computed rule of the entity given for one period: that period's instance.
                if let Some(rule) = self.named_rule(schema.kind, &field.name) {
                    let per = self.decls.rules.get(rule.0 as usize).and_then(|plan| plan.per).map(|(per, _)| per);
                    if per.is_none_or(|per| per == tir::Per::Month) && self.month_needed(&field.name, period).is_none()
                    {
                        failed = true;
                        continue;
                    }
                    let ty = self.rule_types.get(rule.0 as usize).copied().flatten();
                    let because = self.decls.rules.get(rule.0 as usize).and_then(|plan| plan.ty_span);
                    match (
                        ty.and_then(|ty| self.literal_value("a given value", value, ty, because)),
                        period_start(period),
                    ) {
                        (Some(value), Some(from)) => givens.found.push(tir::Given {
                            entity: schema.kind,
                            index: givens.index,
                            rule,
                            value,
                            at: Some(from),
                        }),
                        _ => failed = true,
                    }
                    continue;
                }
                failed |= self.field_value(schema, field, value).is_none();
                continue;
            };
            let Some(column) = schema.columns.get(id) else { continue };
            if !column.periodic {
                let error = TypeError::TestPeriodConstant { name: field.name.clone(), span: period.span };
                self.error(period.span, error);
                failed = true;
                continue;
            }
            let Some(from) = period_start(period) else { continue };
            match self.column_value("a test value", column, value) {
                Some(word) => givens.periodic.push(tir::PeriodValue {
                    entity: schema.kind,
                    index: givens.index,
                    column: tir::ColumnId(id as u32),
                    from,
                    year: period.month.is_none(),
                    value: word,
                }),
                None => failed = true,
            }
        }
        let span = record.map_or(span, |record| record.span);
        let mut cells = Vec::with_capacity(row.len());
        for (column, cell) in schema.columns.iter().zip(row) {
            let word = match (cell, column.ty) {
                (Some(word), _) => Some(word),
                (None, ColumnTy::Key) => Some(self.texts.word(&key)),
                (None, ColumnTy::HouseholdRef) => household_key,
                (None, _) => column.default,
            };
            match word {
                Some(word) => cells.push(word),
                None if claimed.contains(&column.name) => failed = true,
                None => {
                    self.missing_column(schema.kind, &column.name, span);
                    failed = true;
                }
            }
        }
        if failed { None } else { Some(cells) }
    }

    fn missing_column(&mut self, entity: EntityKind, column: &str, span: Span) {
        let help = Some(format!(
            "add `{column}: …` to the record, or give the column a default in the `{}` block",
            entity.keyword()
        ));
        let error = TypeError::MissingColumn { entity: entity.keyword(), column: column.into(), span, help };
        self.error(span, error);
    }

    /// The word of one written field.
    fn field_value(&mut self, schema: &EntitySchema, field: &ast::Ident, value: &ast::Expr) -> Option<Word> {
        let Some(column) = schema.columns.iter().find(|column| column.name == field.name) else {
            let help = did_you_mean(&field.name, schema.columns.iter().map(|column| column.name.as_str()));
            let expected = format!("a column of the `{}` block", schema.kind.keyword());
            let error =
                TypeError::UnknownName { what: "column", name: field.name.clone(), span: field.span, expected, help };
            self.error(field.span, error);
            return None;
        };
        if column.ty == ColumnTy::HouseholdRef {
            self.error(field.span, TypeError::GeneratedField { column: field.name.clone(), span: field.span });
            return None;
        }
        self.column_value("a test value", column, value)
    }

    /// One `expect` line, resolved.
    fn expectation(
        &mut self,
        expectation: &ast::Expectation,
        schemas: &[EntitySchema; 3],
        counts: (usize, usize),
        test_tolerance: Option<&ast::Expr>,
    ) -> Option<Expectation> {
        let (target, name, period, value, own_tolerance, span) = match expectation {
            ast::Expectation::Rejected(message, span) => {
                return Some(Expectation::Rejected(message.as_ref().map(|message| message.value.clone()), *span));
            }
            ast::Expectation::Error(span) => return Some(Expectation::Error(*span)),
            ast::Expectation::Value { target, name, period, value, tolerance, span } => {
                (target, name, period, value, tolerance.as_ref(), *span)
            }
        };
        let (entity, index) = self.expect_target(target, counts)?;
        let schema = schemas.get(entity_index(entity))?;
        let (source, ty, expected) = match schema.columns.iter().position(|column| column.name == name.name) {
            Some(id) => {
                let column = schema.columns.get(id)?;
                if let Some(period) = period {
                    if !column.periodic {
                        let error = TypeError::TestPeriodConstant { name: name.name.clone(), span: period.span };
                        self.error(period.span, error);
                        return None;
                    }
                    self.month_needed(&name.name, period)?;
                }
                let expected = self.column_value("an expected value", column, value)?;
                (ValueSource::Column(tir::ColumnId(id as u32)), column.ty.value_ty(), expected)
            }
            None => {
                let rule = self.expected_rule(entity, name)?;
                let monthly = self
                    .decls
                    .rules
                    .get(rule.0 as usize)
                    .is_some_and(|plan| plan.per.is_none_or(|(per, _)| per == tir::Per::Month));
                if let (Some(period), true) = (period, monthly) {
                    self.month_needed(&name.name, period)?;
                }
                let ty = self.rule_types.get(rule.0 as usize).copied().flatten()?;
                let because = self.decls.rules.get(rule.0 as usize).and_then(|plan| plan.ty_span);
                let expected = self.literal_value("an expected value", value, ty, because)?;
                (ValueSource::Rule(rule), ty, expected)
            }
        };
        let tolerance = match (own_tolerance, test_tolerance) {
            (Some(amount), _) => {
                let Some(number) = tolerance_number(amount) else {
                    self.error(amount.span, TypeError::ToleranceNotNumber { span: amount.span });
                    return None;
                };
                let Some(word) = tolerance_word(number, ty) else {
                    let error = TypeError::ToleranceType {
                        name: name.name.clone(),
                        ty: super::ty_name(&self.decls.enums, self.decls.currency, ty),
                        span: amount.span,
                    };
                    self.error(amount.span, error);
                    return None;
                };
                Some(word)
            }
            // The test's tolerance applies to the numbers it can apply to (a bad one was
            // reported once, above).
            (None, Some(amount)) => tolerance_number(amount).and_then(|number| tolerance_word(number, ty)),
            (None, None) => None,
        };
        let at = period.as_ref().and_then(period_start);
        Some(Expectation::Value { entity, index, source, expected, tolerance, ty, at, span })
    }

    /// Reports a year where a monthly value needs a month.
    fn month_needed(&mut self, name: &str, period: &ast::PeriodLit) -> Option<()> {
        if period.month.is_some() {
            return Some(());
        }
        let error =
            TypeError::TestPeriod { name: name.to_string(), period: period.year.to_string(), span: period.span };
        self.error(period.span, error);
        None
    }

    /// The entity and 0-based index an `expect` looks at.
    fn expect_target(
        &mut self,
        target: &ExpectTarget,
        (n_persons, n_cases): (usize, usize),
    ) -> Option<(EntityKind, usize)> {
        let (entity, number, span, count) = match target {
            ExpectTarget::Household => return Some((EntityKind::Household, 0)),
            ExpectTarget::Person(number, span) => (EntityKind::Person, *number, *span, n_persons),
            ExpectTarget::Case(number, span) => (EntityKind::Case, *number, *span, n_cases),
        };
        let index = (number as usize).checked_sub(1).filter(|index| *index < count);
        if index.is_none() {
            self.error(span, TypeError::NoRecord { entity: entity.keyword(), index: number, span, count });
        }
        Some((entity, index?))
    }

    /// The named rule of `entity` an expectation reads.
    /// The named rule `name` of `entity`, if there is one (no error otherwise).
    fn named_rule(&self, entity: EntityKind, name: &str) -> Option<tir::RuleId> {
        self.decls.entities.get(entity_index(entity))?.rule_by_name.get(name).copied()
    }

    fn expected_rule(&mut self, entity: EntityKind, name: &ast::Ident) -> Option<tir::RuleId> {
        let info = self.decls.entities.get(entity_index(entity))?;
        if let Some(rule) = info.rule_by_name.get(&name.name) {
            return Some(*rule);
        }
        let candidates = info.rule_by_name.keys().chain(info.column_by_name.keys()).map(String::as_str);
        let help = did_you_mean(&name.name, candidates);
        let expected = format!("a `{}` rule or column", entity.keyword());
        let error = TypeError::UnknownName { what: "rule", name: name.name.clone(), span: name.span, expected, help };
        self.error(name.span, error);
        None
    }
}

/// The first day of a test's period.
fn period_start(period: &ast::PeriodLit) -> Option<Word> {
    crate::date::from_ymd(i64::from(period.year), period.month.unwrap_or(1), 1)
}

/// The number a tolerance is written as, when it is a plain number (no unit, no sign).
fn tolerance_number(amount: &ast::Expr) -> Option<&ast::Number> {
    match &amount.kind {
        ast::ExprKind::Number(number, ast::NumberUnit::None) => Some(number),
        ast::ExprKind::Paren(inner) => tolerance_number(inner),
        _ => None,
    }
}

/// A tolerance in the words of `ty`: fen for money, the ratio's scale, whole numbers for `int`,
/// rounded down (a tolerance finer than the type's step is that much stricter, never looser);
/// `None` for a type compared exactly, or a number too large for a word.
fn tolerance_word(number: &ast::Number, ty: Ty) -> Option<Word> {
    let step: i128 = match ty {
        Ty::Money(_) => 100,
        Ty::Ratio => i128::from(tir::RATIO_SCALE),
        Ty::Int => 1,
        Ty::Bool | Ty::Date | Ty::Text | Ty::Enum(_) => return None,
    };
    let digits: i128 = number.digits.parse().ok()?;
    let divisor = 10_i128.checked_pow(number.scale)?;
    let word = digits.checked_mul(step)? / divisor;
    Word::try_from(word).ok()
}
