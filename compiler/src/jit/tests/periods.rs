//! Periods (`tests/policies/periods`): the programs `Program::on` unrolls into instances agree
//! on both engines, on the tests' households and on randomised copies of them, on dates across
//! two years; a policy without periods is left as it was.

use super::agree_on;
use crate::diagnostic::{SourceKind, Sources};
use crate::engine::Batch;
use crate::jit::JitEngine;
use crate::tir::{ColumnTy, Per, Ty, Word};

const PERIODS: &str = include_str!("../../../../tests/policies/periods/policy.pol");

fn date(text: &str) -> Word {
    crate::date::parse_iso(text).unwrap_or_else(|| panic!("not a date: {text}"))
}

fn policy() -> crate::policy::Policy {
    let mut sources = Sources::default();
    sources.add("policy.pol", PERIODS, SourceKind::Pol);
    crate::policy::compile(&sources).unwrap_or_else(|errors| panic!("{} errors", errors.len()))
}

/// A small deterministic generator (no dependency, the same words on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> i64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        i64::try_from((self.0 >> 33) % bound.max(1)).unwrap_or(0)
    }
}

/// `batch` with every money and int input of every month replaced by random words.
fn randomised(batch: &Batch, program: &crate::tir::Program, lcg: &mut Lcg) -> Batch {
    let mut copy = batch.clone();
    for (schema, columns) in [(&program.household, &mut copy.households), (&program.person, &mut copy.persons)] {
        for (column, words) in schema.columns.iter().zip(columns.columns.iter_mut()) {
            for word in words.iter_mut() {
                *word = match column.ty {
                    ColumnTy::Value(Ty::Money(_)) => lcg.next(1_000_000),
                    ColumnTy::Value(Ty::Int) => lcg.next(200),
                    _ => *word,
                };
            }
        }
    }
    copy
}

#[test]
fn the_instances_of_every_date_agree_on_both_engines() {
    let policy = policy();
    let mut lcg = Lcg(7);
    let days = ["2015-06-15", "2016-01-01", "2016-12-31", "2017-03-20", "2017-06-30", "2017-07-01", "2018-02-28"];
    for day in days {
        let (on_day, counties) = policy.on(date(day)).unwrap_or_else(|errors| panic!("{day}: {} errors", errors.len()));
        let on_day = on_day.program;
        // Instances of other periods were added, each named after its period.
        assert!(on_day.rules.len() > policy.program.rules.len(), "{day}");
        assert!(on_day.rules.iter().skip(policy.program.rules.len()).all(|rule| rule.name.contains('@')));
        assert!(on_day.person.columns.iter().any(|column| column.name.starts_with("salary@")));
        let jit = JitEngine::compile(&on_day).unwrap_or_else(|error| panic!("{day}: {error:?}"));
        for test in &on_day.tests {
            let batch = crate::testing::test_batch(&on_day, test).unwrap_or_else(|error| panic!("{error}"));
            agree_on(&jit, &batch, &counties);
            for _ in 0..20 {
                agree_on(&jit, &randomised(&batch, &on_day, &mut lcg), &counties);
            }
        }
    }
}

#[test]
fn a_yearly_instance_reads_its_parameters_on_the_first_of_january() {
    let policy = policy();
    let (on_day, _) = policy.on(date("2017-03-20")).unwrap_or_else(|errors| panic!("{} errors", errors.len()));
    let on_day = on_day.program;
    // The yearly rules keep their names; the year 2016's housing tax is an instance.
    let housing = on_day.rules.iter().find(|rule| rule.name == "housing_tax");
    assert_eq!(housing.map(|rule| rule.period), Some(Per::Year));
    // The income tax rate is read on each month's first day (2017-07-01's 20% among them).
    let rates: Vec<Option<(u32, Word)>> =
        on_day.params.iter().map(|param| param.on.map(|(id, day)| (id.0, day))).collect();
    assert!(rates.contains(&Some((1, date("2017-07-01")))), "{rates:?}");
    // The run's own day reads the declared parameters.
    assert!(on_day.params.iter().take(policy.program.params.len()).all(|param| param.on.is_none()));
}
