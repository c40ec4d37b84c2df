//! The same parameters through the real parser and checker: their `ParamDef`s must agree with
//! the hand-built ones of [`super::support`] (spans aside), and the spec's broken files must be
//! rejected the same way.

use super::support::{GOOD_FILES, World, day, shaanxi, yuan};

const POL: &str = include_str!("fixtures/shaanxi_params.pol");

/// The parameters' debug text without spans (the hand-built spans are coarser) and docs.
fn params_text(world: &World) -> String {
    let mut params = world.program.params.clone();
    for param in &mut params {
        param.doc.clear();
    }
    let text = format!("{params:#?}");
    let mut out = String::new();
    let mut depth = 0usize;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if depth > 0 {
            depth = (depth + trimmed.matches('{').count()).saturating_sub(trimmed.matches('}').count());
            continue;
        }
        if trimmed.starts_with("span: Span {") {
            depth = 1;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn checked() -> World {
    match World::checked("2019/params.pol", POL) {
        Ok(world) => world,
        Err(errors) => panic!("the fixture does not check:\n{errors}"),
    }
}

#[test]
fn the_checker_builds_the_same_parameters() {
    let by_hand = shaanxi();
    let checked = checked();
    let names = |world: &World| world.program.params.iter().map(|param| param.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&checked), names(&by_hand));
    for (hand, real) in by_hand.program.params.iter().zip(&checked.program.params) {
        assert_eq!((hand.ty, &hand.set_by), (real.ty, &real.set_by), "`{}`", hand.name);
        assert_eq!(hand.values.len(), real.values.len(), "`{}`", hand.name);
        assert_eq!(hand.requires.len(), real.requires.len(), "`{}`", hand.name);
    }
    let (hand_text, real_text) = (params_text(&by_hand), params_text(&checked));
    // The comparison is of whole expressions, not of an emptied text.
    for needle in ["LastYear(", "Province(", "MulScaled", "Const(", "message: Some("] {
        assert!(hand_text.contains(needle), "{needle} missing from:\n{hand_text}");
    }
    first_difference(&hand_text, &real_text);
}

/// Fails with the first line where two long texts differ.
fn first_difference(left: &str, right: &str) {
    if left != right {
        let (line, (l, r)) = left
            .lines()
            .zip(right.lines())
            .enumerate()
            .find(|(_, (l, r))| l != r)
            .unwrap_or((0, ("(length)", "(length)")));
        panic!("by hand and checked differ at line {}:\n  by hand: {l}\n  checked: {r}", line + 1);
    }
}

#[test]
fn the_checked_program_loads_the_good_files_and_layers_them() {
    let mut world = checked();
    let set = world.load_ok(GOOD_FILES);
    let dibao = world.param("dibao_standard");
    let value =
        |code: &str, date: &str| set.value(&world.program, &world.jurisdictions, dibao, code, day(date)).ok().flatten();
    assert_eq!(value("610881", "2019-07-01"), Some(yuan("5880")));
    assert_eq!(value("610802", "2019-07-01"), Some(yuan("4860")));
    assert!(set.county_table(&world.program, &world.jurisdictions, day("2019-07-01")).is_ok());
}

#[test]
fn the_checked_program_rejects_a_7_percent_rise() {
    let mut world = checked();
    let broken = include_str!("fixtures/dibao_rise_7_percent.toml");
    let files: Vec<(&str, &str)> = GOOD_FILES
        .iter()
        .map(|(name, text)| if name.contains("610900") { ("params/broken.toml", broken) } else { (*name, *text) })
        .collect();
    let errors = world.load_err(&files);
    assert_eq!(errors.len(), 1);
    assert_eq!(world.line_of(&errors[0]), 12);
}
