//! Scales on both engines: `marginal` and `bracket` on the boundaries of their brackets (at a
//! threshold, below the first, above the last, zero, negative), an overflow, and a scale whose
//! brackets change with the date.

use super::*;
use crate::tir::{Bracket, ScaleDef, ScaleId, ScaleKind, ScaleVersion};

/// The social security contribution of OpenFisca's country template in 2017 (yearly amounts in
/// fen, rates): 2% from 0, 6% from 6,000, 12% from 12,400.
fn contribution_2017() -> Vec<Bracket> {
    [(0, 2), (600_000, 6), (1_240_000, 12)]
        .map(|(threshold, percent)| Bracket { threshold, value: percent * RATIO_SCALE / 100 })
        .to_vec()
}

/// Age bands: 100.00 from 80, 200.00 from 90, 500.00 from 100.
fn age_bands() -> Vec<Bracket> {
    [(80, 10_000), (90, 20_000), (100, 50_000)].map(|(threshold, value)| Bracket { threshold, value }).to_vec()
}

fn scale(name: &str, threshold_ty: Ty, value_ty: Ty, versions: Vec<(Option<Word>, Vec<Bracket>)>) -> ScaleDef {
    ScaleDef {
        name: name.into(),
        threshold_ty,
        value_ty,
        versions: versions
            .into_iter()
            .map(|(from, brackets)| ScaleVersion { from, brackets: Some(brackets), span: fresh_span() })
            .collect(),
        set_by: Vec::new(),
        requires: Vec::new(),
        doc: Vec::new(),
        span: fresh_span(),
    }
}

fn apply(kind: ScaleKind, scale: u32, x: Expr, ty: Ty) -> Expr {
    Expr { kind: ExprKind::Scale(kind, ScaleId(scale), Box::new(x)), ty, span: fresh_span() }
}

/// A program with the two scales and household rules: marginal of income (column 1, `元/年`),
/// bracket of income, bracket of `n` (column 0) in the age bands.
fn program() -> Program {
    let money = Ty::Money(Period::Year);
    let mut program = program_with(vec![
        (EntityKind::Household, apply(ScaleKind::Marginal, 0, hcol(1), money), RuleRole::Named),
        (EntityKind::Household, apply(ScaleKind::Bracket, 0, hcol(1), Ty::Ratio), RuleRole::Named),
        (EntityKind::Household, apply(ScaleKind::Bracket, 1, hcol(0), Ty::Money(Period::Month)), RuleRole::Named),
    ]);
    program.scales = vec![
        scale("contribution", money, Ty::Ratio, vec![(None, contribution_2017())]),
        scale("bands", Ty::Int, Ty::Money(Period::Month), vec![(None, age_bands())]),
    ];
    program
}

fn with_n_and_income(n: Word, income: Word) -> Household {
    Household { columns: [n, income, 0, 0, 0, 0, 0], persons: Vec::new(), cases: Vec::new() }
}

fn in_county(n: Word, income: Word, county: Word) -> Household {
    Household { columns: [n, income, 0, 0, 0, county, 0], persons: Vec::new(), cases: Vec::new() }
}

#[test]
fn marginal_and_bracket_agree_on_every_boundary() {
    let cases: [(Word, Word, [Word; 3]); 12] = [
        // (n, income, [marginal, bracket rate, age band])
        (0, 0, [0, 2 * RATIO_SCALE / 100, 0]),
        (-1, -100, [0, 0, 0]),
        (79, 1, [0, 2 * RATIO_SCALE / 100, 0]),
        (80, 599_999, [12_000, 2 * RATIO_SCALE / 100, 10_000]),
        (81, 600_000, [12_000, 6 * RATIO_SCALE / 100, 10_000]),
        (89, 600_001, [12_000, 6 * RATIO_SCALE / 100, 10_000]),
        (90, 1_239_999, [12_000 + 38_400, 6 * RATIO_SCALE / 100, 20_000]),
        (99, 1_240_000, [12_000 + 38_400, 12 * RATIO_SCALE / 100, 20_000]),
        (100, 2_400_000, [12_000 + 38_400 + 139_200, 12 * RATIO_SCALE / 100, 50_000]),
        (120, Word::MAX / 2, [0, 0, 0]),
        // 0.01 above a threshold: 0.0006 rounds to 0.00, 0.5 fen at 2% … rounded once.
        (5, 25, [1, 2 * RATIO_SCALE / 100, 0]),
        (5, 24, [0, 2 * RATIO_SCALE / 100, 0]),
    ];
    let households: Vec<Household> = cases.iter().map(|(n, income, _)| with_n_and_income(*n, *income)).collect();
    let result = agree(&program(), &batch(&households), &counties());
    for (index, (n, income, expected)) in cases.iter().enumerate() {
        if *income == Word::MAX / 2 {
            continue;
        }
        assert_eq!(result.outcomes.get(index), Some(&Outcome::Ok), "n {n}, income {income}");
        for (rule, want) in expected.iter().enumerate() {
            let got = result.household.get(rule).and_then(|column| column.get(index)).copied();
            assert_eq!(got, Some(*want), "rule {rule}, n {n}, income {income}");
        }
    }
}

#[test]
fn a_marginal_sum_beyond_64_bits_is_an_overflow_on_both_engines() {
    let mut program = program();
    if let Some(scale) = program.scales.first_mut() {
        scale.versions = vec![ScaleVersion {
            from: None,
            brackets: Some(vec![Bracket { threshold: -1, value: 3 * RATIO_SCALE }]),
            span: fresh_span(),
        }];
    }
    let households = [with_n_and_income(0, Word::MAX / 2), with_n_and_income(0, 100)];
    let result = agree(&program, &batch(&households), &counties());
    assert!(matches!(result.outcomes.first(), Some(Outcome::Error(error)) if error.kind == EvalErrorKind::Overflow));
    assert_eq!(result.outcomes.get(1), Some(&Outcome::Ok));
    assert_eq!(result.household.first().and_then(|column| column.get(1)).copied(), Some(303));
}

#[test]
fn a_dated_scale_is_applied_as_in_force_on_each_date() {
    let mut program = program();
    let rates = |low: Word, high: Word, threshold: Word| {
        vec![
            Bracket { threshold: 0, value: low * RATIO_SCALE / 100 },
            Bracket { threshold, value: high * RATIO_SCALE / 100 },
        ]
    };
    if let Some(scale) = program.scales.first_mut() {
        // OpenFisca's 2015 and 2016 versions, then 2017's three brackets.
        scale.versions = [
            (Some(date("2015-01-01")), rates(4, 12, 1_220_000)),
            (Some(date("2016-01-01")), rates(4, 12, 1_230_000)),
            (Some(date("2017-01-01")), contribution_2017()),
        ]
        .into_iter()
        .map(|(from, brackets)| ScaleVersion { from, brackets: Some(brackets), span: fresh_span() })
        .collect();
    }
    // The engines refuse a program whose scale still has dated versions.
    assert!(JitEngine::compile(&program).is_err());
    let households = [with_n_and_income(0, 2_400_000), with_n_and_income(0, 1_225_000)];
    let expected = [
        ("2015-06-30", [48_800 + 141_600, 48_800 + 600]),
        ("2016-12-31", [49_200 + 140_400, 49_000]),
        ("2017-01-01", [12_000 + 38_400 + 139_200, 12_000 + 37_500]),
    ];
    for (day, values) in expected {
        let Ok(in_force) = program.on(date(day)) else { panic!("the program is in force on {day}") };
        let result = agree(&in_force, &batch(&households), &counties());
        assert_eq!(result.household.first().cloned(), Some(values.to_vec()), "{day}");
    }
    // Before the first version nothing may read the scale.
    assert!(program.on(date("2014-12-31")).is_err());
}

/// OpenFisca's country template: `swimming_pool_access_cost_increase.yaml` (a marginal amount
/// scale: 0: 0, 249: 1, 499: 1, 999: 2) with `tests/swimming_pool_access.yaml`, and
/// `meal_price.yaml` (a single amount scale: 0: 0, 250: 1, 500: 2, 1000: 4, 2000: 8) with
/// `tests/meal_price.yaml`; incomes and amounts in cents here (fen words).
#[test]
fn marginal_amount_and_single_amount_scales_of_the_country_template() {
    let money = Ty::Money(Period::Month);
    let amounts = |pairs: &[(Word, Word)]| {
        pairs.iter().map(|(threshold, value)| Bracket { threshold: threshold * 100, value: value * 100 }).collect()
    };
    let mut program = program_with(vec![
        (EntityKind::Household, apply(ScaleKind::MarginalAmount, 0, hcol(1), money), RuleRole::Named),
        (EntityKind::Household, apply(ScaleKind::Bracket, 1, hcol(1), money), RuleRole::Named),
    ]);
    program.scales = vec![
        scale("swimming_pool", money, money, vec![(None, amounts(&[(0, 0), (249, 1), (499, 1), (999, 2)]))]),
        scale("meal_price", money, money, vec![(None, amounts(&[(0, 0), (250, 1), (500, 2), (1000, 4), (2000, 8)]))]),
    ];
    let swimming = [(0, 0), (249, 0), (250, 1), (499, 1), (500, 2), (1000, 4)];
    let meal = [(0, 0), (1, 0), (250, 1), (499, 1), (500, 2), (3000, 8)];
    let households: Vec<Household> =
        swimming.iter().chain(&meal).map(|(income, _)| with_n_and_income(0, income * 100)).collect();
    let result = agree(&program, &batch(&households), &counties());
    let column = |rule: usize| result.household.get(rule).cloned().unwrap_or_default();
    let expected_swimming: Vec<Word> = swimming.iter().map(|(_, amount)| amount * 100).collect();
    let expected_meal: Vec<Word> = meal.iter().map(|(_, amount)| amount * 100).collect();
    assert_eq!(column(0).get(..6).map(<[Word]>::to_vec), Some(expected_swimming));
    assert_eq!(column(1).get(6..).map(<[Word]>::to_vec), Some(expected_meal));
}

/// A local scale (set by cities): each county reads its own brackets from the county table, on
/// both engines, for `bracket` and `marginal`; a county table without them fails the batch
/// as malformed on both.
#[test]
fn a_local_scale_reads_each_countys_brackets_from_the_county_table() {
    let mut program = program();
    for def in &mut program.scales {
        def.set_by = vec![pol_grammar::ast::Level::City];
    }
    let bands =
        |low: Word, high: Word| vec![Bracket { threshold: 80, value: low }, Bracket { threshold: 90, value: high }];
    let mut counties = counties();
    counties.scales = vec![
        vec![contribution_2017(), bands(10_000, 20_000)],
        vec![contribution_2017(), bands(12_000, 30_000)],
        vec![vec![Bracket { threshold: 0, value: RATIO_SCALE / 10 }], bands(6_000, 6_500)],
    ];
    let households = [in_county(85, 1_000_000, 0), in_county(85, 1_000_000, 1), in_county(95, 1_000_000, 2)];
    let result = agree(&program, &batch(&households), &counties);
    assert_eq!(result.household.first().cloned(), Some(vec![12_000 + 24_000, 12_000 + 24_000, 100_000]));
    assert_eq!(result.household.get(2).cloned(), Some(vec![10_000, 12_000, 6_500]));
    // The county table lacks the local scales' brackets: an internal error, never a guess.
    let result = agree(&program, &batch(&households), &self::counties());
    assert!(
        result
            .outcomes
            .iter()
            .all(|outcome| matches!(outcome, Outcome::Error(error) if error.kind == EvalErrorKind::MalformedBatch))
    );
}
