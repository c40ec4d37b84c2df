//! The Shaanxi 2019 policy of `policies/`: compiled by the JIT, which must agree with the
//! interpreter on every household of the policy's own tests, in one batch per as-of date.

use super::*;
use crate::diagnostic::{SourceKind, Sources};

/// The policy's sources, embedded at build time.
fn shaanxi_sources() -> Sources {
    let mut sources = Sources::default();
    let files: [(&str, &str, SourceKind); 26] = [
        ("2019/00_schema.pol", include_str!("../../../../policies/shaanxi/2019/00_schema.pol"), SourceKind::Pol),
        ("2019/10_params.pol", include_str!("../../../../policies/shaanxi/2019/10_params.pol"), SourceKind::Pol),
        ("2019/20_dibao.pol", include_str!("../../../../policies/shaanxi/2019/20_dibao.pol"), SourceKind::Pol),
        ("2019/30_tekun.pol", include_str!("../../../../policies/shaanxi/2019/30_tekun.pol"), SourceKind::Pol),
        (
            "2019/40_disability.pol",
            include_str!("../../../../policies/shaanxi/2019/40_disability.pol"),
            SourceKind::Pol,
        ),
        ("2019/50_high_age.pol", include_str!("../../../../policies/shaanxi/2019/50_high_age.pol"), SourceKind::Pol),
        ("2019/60_orphans.pol", include_str!("../../../../policies/shaanxi/2019/60_orphans.pol"), SourceKind::Pol),
        ("2019/70_temporary.pol", include_str!("../../../../policies/shaanxi/2019/70_temporary.pol"), SourceKind::Pol),
        (
            "2019/80_funding_visits.pol",
            include_str!("../../../../policies/shaanxi/2019/80_funding_visits.pol"),
            SourceKind::Pol,
        ),
        (
            "2019/90_publication.pol",
            include_str!("../../../../policies/shaanxi/2019/90_publication.pol"),
            SourceKind::Pol,
        ),
        ("2019/95_outputs.pol", include_str!("../../../../policies/shaanxi/2019/95_outputs.pol"), SourceKind::Pol),
        (
            "jurisdictions.csv",
            include_str!("../../../../policies/shaanxi/jurisdictions.csv"),
            SourceKind::Jurisdictions,
        ),
        (
            "params/610100_xian.toml",
            include_str!("../../../../policies/shaanxi/params/610100_xian.toml"),
            SourceKind::Params,
        ),
        (
            "params/610200_tongchuan.toml",
            include_str!("../../../../policies/shaanxi/params/610200_tongchuan.toml"),
            SourceKind::Params,
        ),
        (
            "params/610300_baoji.toml",
            include_str!("../../../../policies/shaanxi/params/610300_baoji.toml"),
            SourceKind::Params,
        ),
        (
            "params/610400_xianyang.toml",
            include_str!("../../../../policies/shaanxi/params/610400_xianyang.toml"),
            SourceKind::Params,
        ),
        (
            "params/610403_yangling.toml",
            include_str!("../../../../policies/shaanxi/params/610403_yangling.toml"),
            SourceKind::Params,
        ),
        (
            "params/610500_weinan.toml",
            include_str!("../../../../policies/shaanxi/params/610500_weinan.toml"),
            SourceKind::Params,
        ),
        (
            "params/610581_hancheng.toml",
            include_str!("../../../../policies/shaanxi/params/610581_hancheng.toml"),
            SourceKind::Params,
        ),
        (
            "params/610600_yanan.toml",
            include_str!("../../../../policies/shaanxi/params/610600_yanan.toml"),
            SourceKind::Params,
        ),
        (
            "params/610700_hanzhong.toml",
            include_str!("../../../../policies/shaanxi/params/610700_hanzhong.toml"),
            SourceKind::Params,
        ),
        (
            "params/610800_yulin.toml",
            include_str!("../../../../policies/shaanxi/params/610800_yulin.toml"),
            SourceKind::Params,
        ),
        (
            "params/610822_fugu.toml",
            include_str!("../../../../policies/shaanxi/params/610822_fugu.toml"),
            SourceKind::Params,
        ),
        (
            "params/610881_shenmu.toml",
            include_str!("../../../../policies/shaanxi/params/610881_shenmu.toml"),
            SourceKind::Params,
        ),
        (
            "params/610900_ankang.toml",
            include_str!("../../../../policies/shaanxi/params/610900_ankang.toml"),
            SourceKind::Params,
        ),
        (
            "params/611000_shangluo.toml",
            include_str!("../../../../policies/shaanxi/params/611000_shangluo.toml"),
            SourceKind::Params,
        ),
    ];
    for (name, text, kind) in files {
        sources.add(name, text, kind);
    }
    sources
}

/// The policy compiled by the checker; its diagnostics rendered when it does not compile.
fn shaanxi() -> Result<crate::policy::Policy, String> {
    let sources = shaanxi_sources();
    crate::policy::compile(&sources).map_err(|diagnostics| {
        let n = diagnostics.len();
        let first: Vec<String> = diagnostics
            .into_iter()
            .take(3)
            .map(|diagnostic| crate::diagnostic::render_plain(&sources, diagnostic))
            .collect();
        format!("{n} diagnostics, first: {}", first.join("\n"))
    })
}

/// The compiled policy; a failure to compile it fails the test (with the first diagnostics).
fn shaanxi_policy() -> Option<crate::policy::Policy> {
    match shaanxi() {
        Ok(policy) => Some(policy),
        Err(message) => {
            assert!(message.is_empty(), "{message}");
            None
        }
    }
}

#[test]
fn shaanxi_compiles_fast_and_agrees_on_its_tests() {
    let Some(policy) = shaanxi_policy() else { return };
    let program = &policy.program;
    // No periods: the program in force is the one it always was, without instances.
    assert!(!crate::dated::unroll::has_periods(program));
    if let Ok(on_day) = program.on(date("2019-07-01")) {
        assert_eq!(on_day.rules.len(), program.rules.len());
        assert_eq!(on_day.params.len(), program.params.len());
        assert!(on_day.person.columns.iter().all(|column| column.month.is_none()));
    }
    let (best, compiled) = generated::best_time(|| JitEngine::compile(program));
    let n_nodes: usize = program.rules.iter().map(|rule| generated::count_nodes(&rule.body)).sum();
    println!("shaanxi: {} rules ({n_nodes} expression nodes), compiled in {best:.1} ms", program.rules.len());
    assert!(compiled.is_ok(), "{:?}", compiled.as_ref().err());
    let Ok(jit) = compiled else { return };
    let outputs_jit = JitEngine::compile_for_outputs(program);
    assert!(outputs_jit.is_ok(), "{:?}", outputs_jit.as_ref().err());
    let Ok(outputs_jit) = outputs_jit else { return };
    let mut batches = Vec::new();
    for test in &program.tests {
        let as_of = test.as_of.unwrap_or(date("2019-07-01"));
        let Ok(counties) = policy.county_table(as_of) else { continue };
        let batch = crate::testing::test_batch(program, test);
        assert!(batch.is_ok(), "test {:?}: {:?}", test.name, batch.as_ref().err());
        let Ok(batch) = batch else { return };
        let result = agree_on(&jit, &batch, &counties);
        // The generated code finishes every household that does not fail by itself.
        let given_up = jit.evaluate_counted(&batch, &counties, &mut BatchResult::default());
        let failed = result.outcomes.iter().filter(|outcome| **outcome != Outcome::Ok).count();
        assert_eq!(given_up, failed, "households given up in test {:?}", test.name);
        // Compiled for the outputs: the same outcomes and the same values where outputs read.
        let mut for_outputs = BatchResult::default();
        outputs_jit.evaluate_into(&batch, &counties, &mut for_outputs);
        assert_eq!(for_outputs.outcomes, result.outcomes, "test {:?}", test.name);
        for rule_id in program.output_rules() {
            let Some(rule) = program.rule(rule_id) else { continue };
            let column = |result: &BatchResult| result.columns(rule.entity).get(rule.slot as usize).cloned();
            assert_eq!(column(&for_outputs), column(&result), "rule {} in test {:?}", rule.name, test.name);
        }
        batches.push(batch);
    }
    println!("shaanxi: {} test households agree", batches.len());
    assert!(batches.len() >= 10);
    // Every test household at once, many times over, for speed.
    let Ok(counties) = policy.county_table(date("2019-07-01")) else { return };
    let n_copies = if cfg!(debug_assertions) { 5 } else { 500 };
    let all: Vec<&Batch> = (0..n_copies).flat_map(|_| batches.iter()).collect();
    let all = generated::concat(&all);
    assert!(all.is_some());
    let Some(all) = all else { return };
    generated::compare_speed("shaanxi", program, &jit, &all, &counties);
}

/// The plan of the Shaanxi policy: every person rule and every aggregate in two loops over the
/// persons (the second for what depends on the dibao status), one loop over the cases.
#[test]
fn shaanxi_runs_in_two_person_loops_and_one_case_loop() {
    let Some(policy) = shaanxi_policy() else { return };
    let program = &policy.program;
    let plan = super::super::plan::Plan::new(program, None);
    assert!(plan.is_ok(), "{:?}", plan.as_ref().err());
    let Ok(plan) = plan else { return };
    let loops: Vec<(EntityKind, usize, usize)> = plan
        .steps
        .iter()
        .filter_map(|step| match step {
            super::super::plan::Step::Members { entity, rules, aggregates } => {
                Some((*entity, rules.len(), aggregates.len()))
            }
            super::super::plan::Step::Household(..) => None,
        })
        .collect();
    let n_person_rules = program.n_rules(EntityKind::Person);
    let person_loops: Vec<_> = loops.iter().filter(|(entity, ..)| *entity == EntityKind::Person).collect();
    println!("shaanxi plan: {loops:?}, {} county-level values", plan.county_slots.len());
    assert_eq!(person_loops.len(), 2, "{loops:?}");
    assert_eq!(person_loops.iter().map(|(_, rules, _)| rules).sum::<usize>(), n_person_rules);
    assert_eq!(loops.iter().filter(|(entity, ..)| *entity == EntityKind::Case).count(), 1);
    assert!(!plan.county_slots.is_empty());
}
