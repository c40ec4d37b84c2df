//! Scales set by cities and counties: the brackets a local file writes, layering county →
//! city → province by date, the county table both engines read, `require`s reading a scale,
//! scenarios, and every mistake a file can make in a scale's brackets.

use super::support::{World, day, line_containing};
use pol_compiler::params::{Origin, ParamSet};
use pol_compiler::tir::{Bracket, ScaleId, Word};
use pol_grammar::ast::Level;

/// A scale of amounts by age that cities and counties may set, with a floor on its first
/// bracket, and a parameter whose floor reads the scale.
const POL: &str = r#"/// 高龄津贴(元/月),按年龄段
param high_age_allowance: scale(int, 元/月) {
  set by city, county
  = [80: 50, 90: 100, 100: 300]
  from 2021-01-01 = [80: 60, 90: 120, 100: 300]
  require bracket(high_age_allowance, 80) >= 50 "80岁以上不低于50元"
  require bracket(high_age_allowance, 100) >= bracket(high_age_allowance, 90) "年龄越高补贴不低"
}

/// 百岁老人慰问金(元/月)
param centenarian_visit: 元/月 {
  set by city
  = 100
  require centenarian_visit <= bracket(high_age_allowance, 100) "慰问金不高于百岁档津贴"
}

/// 缴费分档(费率),只由省设定
param contribution: scale(元/年, ratio) {
  = [0: 2%, 6000: 6%]
}
"#;

const YULIN: &str =
    "jurisdiction = \"610800\"     # 榆林市\n\n[2020-01-01]\nhigh_age_allowance = \"[80: 60, 90: 120, 100: 320]\"\n";

const SHENMU: &str = "jurisdiction = \"610881\"     # 神木市\n\n[2020-07-01]\nhigh_age_allowance = \"[80: 100, 90: 200 元/月, 100: 500]\"\n";

fn world() -> World {
    World::new("2019/scales.pol", POL)
}

fn scale(world: &World, name: &str) -> ScaleId {
    let index = world.program.scales.iter().position(|scale| scale.name == name);
    ScaleId(index.unwrap_or_else(|| panic!("no scale `{name}`")) as u32)
}

/// Brackets from (age, yuan) pairs.
fn bands(pairs: &[(Word, Word)]) -> Vec<Bracket> {
    pairs.iter().map(|(threshold, yuan)| Bracket { threshold: *threshold, value: yuan * 100 }).collect()
}

fn brackets(world: &World, set: &ParamSet, code: &str, date: &str) -> Option<(Vec<Bracket>, Origin)> {
    let id = scale(world, "high_age_allowance");
    match set.explain_scale(&world.program, &world.jurisdictions, id, code, day(date)) {
        Ok(found) => found,
        Err(error) => panic!("brackets for {code} on {date}: {}", world.render(vec![error])),
    }
}

#[test]
fn a_city_and_a_county_set_their_brackets_by_date() {
    let mut world = world();
    let set = world.load_ok(&[("params/610800_yulin.toml", YULIN), ("params/610881_shenmu.toml", SHENMU)]);
    let province_2019 = bands(&[(80, 50), (90, 100), (100, 300)]);
    let yulin = bands(&[(80, 60), (90, 120), (100, 320)]);
    let shenmu = bands(&[(80, 100), (90, 200), (100, 500)]);
    // 榆阳区 (610802) follows 榆林; 神木 its own file from 2020-07-01, 榆林's before; 西安's
    // 新城区 (610102) the province's versions.
    let cases = [
        ("610802", "2019-12-31", &province_2019),
        ("610802", "2020-01-01", &yulin),
        ("610881", "2020-06-30", &yulin),
        ("610881", "2020-07-01", &shenmu),
        ("610102", "2020-07-01", &province_2019),
    ];
    for (code, date, expected) in cases {
        let found = brackets(&world, &set, code, date).map(|(brackets, _)| brackets);
        assert_eq!(found.as_ref(), Some(expected), "{code} on {date}");
    }
    // The province's 2021 version does not replace a local file's brackets.
    assert_eq!(
        brackets(&world, &set, "610102", "2021-01-01").map(|(found, _)| found),
        Some(bands(&[(80, 60), (90, 120), (100, 300)]))
    );
    assert_eq!(brackets(&world, &set, "610802", "2021-01-01").map(|(found, _)| found), Some(yulin.clone()));
    // Where they come from, for `pol explain`.
    match brackets(&world, &set, "610881", "2020-07-01").map(|(_, origin)| origin) {
        Some(Origin::Local { jurisdiction, level, from, .. }) => {
            assert_eq!((jurisdiction.as_str(), level, from), ("610881", Level::County, day("2020-07-01")));
        }
        other => panic!("expected 神木's file, got {other:?}"),
    }
    assert!(matches!(brackets(&world, &set, "610102", "2020-07-01"), Some((_, Origin::Province { from: None, .. }))));
    // `pol doc` lists what each file sets.
    let listed: Vec<(&str, usize)> = set
        .local_scales(scale(&world, "high_age_allowance"))
        .iter()
        .map(|(file, settings)| (file.jurisdiction, settings.len()))
        .collect();
    assert_eq!(listed, [("610800", 1), ("610881", 1)]);
}

#[test]
fn the_county_table_holds_each_countys_brackets() {
    let mut world = world();
    let set = world.load_ok(&[("params/610800_yulin.toml", YULIN), ("params/610881_shenmu.toml", SHENMU)]);
    let table = match set.county_table(&world.program, &world.jurisdictions, day("2020-07-01")) {
        Ok(table) => table,
        Err(error) => panic!("{}", world.render(vec![error])),
    };
    let id = scale(&world, "high_age_allowance");
    let of = |code: &str| {
        let county = world.jurisdictions.index_of(code).unwrap_or_else(|| panic!("no county {code}"));
        table.brackets(&world.program, county, id).map(<[Bracket]>::to_vec)
    };
    assert_eq!(of("610802"), Some(bands(&[(80, 60), (90, 120), (100, 320)])));
    assert_eq!(of("610881"), Some(bands(&[(80, 100), (90, 200), (100, 500)])));
    assert_eq!(of("610102"), Some(bands(&[(80, 50), (90, 100), (100, 300)])));
    assert_eq!(table.scales.len(), world.jurisdictions.counties.len());
}

#[test]
fn a_scenario_adds_a_province_version_and_sets_a_citys_brackets() {
    let mut world = world();
    let scenario = "[province.\"2020-01-01\"]\nhigh_age_allowance = \"[80: 70, 90: 140, 100: 400]\"\ncontribution = \"[0: 3%, 6000 元/年: 7%]\"\n\n[\"610700\".\"2020-01-01\"]\nhigh_age_allowance = \"[80: 80, 90: 160, 100: 400]\"\n";
    let set = match world.load_with_scenario(&[("params/610800_yulin.toml", YULIN)], scenario) {
        Ok(set) => set,
        Err(errors) => panic!("{}", world.render(errors)),
    };
    let found = |code: &str, date: &str| brackets(&world, &set, code, date).map(|(found, _)| found);
    assert_eq!(found("610102", "2020-01-01"), Some(bands(&[(80, 70), (90, 140), (100, 400)])));
    assert_eq!(found("610102", "2019-12-31"), Some(bands(&[(80, 50), (90, 100), (100, 300)])));
    assert_eq!(found("610702", "2020-01-01"), Some(bands(&[(80, 80), (90, 160), (100, 400)])));
    assert_eq!(found("610802", "2020-01-01"), Some(bands(&[(80, 60), (90, 120), (100, 320)])));
    let contribution = world.program.scales.get(scale(&world, "contribution").0 as usize);
    let versions: Vec<Option<Word>> =
        contribution.map(|def| def.versions.iter().map(|version| version.from).collect()).unwrap_or_default();
    assert_eq!(versions, [None, Some(day("2020-01-01"))]);
}

#[test]
fn a_local_scale_breaking_a_require_is_reported_at_its_line() {
    let mut world = world();
    let toml = "jurisdiction = \"610800\"\n\n[2020-01-01]\nhigh_age_allowance = \"[80: 40, 90: 120, 100: 90]\"\n";
    let files = [("params/610800_yulin.toml", toml)];
    let errors = world.load_err(&files);
    let lines: Vec<(String, usize)> =
        errors.iter().map(|error| (error.code().unwrap_or_default(), world.line_of(error))).collect();
    let line = line_containing(toml, "high_age_allowance");
    assert_eq!(
        lines,
        [
            ("pol::params::constraint".to_string(), line),
            ("pol::params::constraint".to_string(), line),
            ("pol::params::constraint".to_string(), line),
        ]
    );
    insta::assert_snapshot!(world.snapshot(&files));
    insta::assert_snapshot!("a_local_scale_breaking_a_require_is_reported_at_its_line_zh", world.snapshot_zh(&files));
}

#[test]
fn mistakes_in_a_scales_brackets() {
    let mut world = world();
    let yulin = "jurisdiction = \"610800\"

[2020-01-01]
high_age_allowance = [[80, 60], [90, 120]]
contribution = \"[0: 2%]\"

[2020-02-01]
high_age_allowance = \"[80: 60, 90 120]\"

[2020-03-01]
high_age_allowance = \"[80: 60, 90: 12%]\"

[2020-04-01]
high_age_allowance = \"[80: 60, 75: 120]\"

[2020-05-01]
high_age_allowance = \"[80.5: 60]\"

[2020-06-01]
high_age_allowance = \"80: 60\"

[2020-07-01]
high_age_allowance = \"[80: 60.123]\"

[2020-08-01]
high_age_allowance = \"[80: 720 元/年]\"

[2020-09-01]
high_age_allowance = \"[]\"

[2020-10-01]
high_age_allowence = \"[80: 60]\"
";
    let fugu = "jurisdiction = \"610822\"\n\n[2020-01-01]\nhigh_age_allowance = \"[80: abc]\"\n";
    let files = [("params/610800_yulin.toml", yulin), ("params/610822_fugu.toml", fugu)];
    insta::assert_snapshot!(world.snapshot(&files));
    insta::assert_snapshot!("mistakes_in_a_scales_brackets_zh", world.snapshot_zh(&files));
}

#[test]
fn a_county_may_not_set_a_scale_its_city_sets() {
    let pol = POL.replace("  set by city, county\n  = [80: 50", "  set by city\n  = [80: 50");
    let mut world = World::new("2019/scales.pol", &pol);
    let files = [("params/610881_shenmu.toml", SHENMU)];
    let codes: Vec<String> = world.load_err(&files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert_eq!(codes, ["pol::params::not_settable"]);
    insta::assert_snapshot!(world.snapshot(&files));
    insta::assert_snapshot!("a_county_may_not_set_a_scale_its_city_sets_zh", world.snapshot_zh(&files));
}

#[test]
fn the_provinces_own_brackets_breaking_a_require_are_reported_in_the_policy() {
    let pol =
        POL.replace("from 2021-01-01 = [80: 60, 90: 120, 100: 300]", "from 2021-01-01 = [80: 45, 90: 120, 100: 300]");
    let mut world = World::new("2019/scales.pol", &pol);
    let errors = world.load_err(&[]);
    let places: Vec<(String, String, usize)> = errors
        .iter()
        .map(|error| (error.code().unwrap_or_default(), world.file_of(error), world.line_of(error)))
        .collect();
    let line = line_containing(&pol, "from 2021-01-01");
    assert_eq!(places, [("pol::params::constraint".to_string(), "2019/scales.pol".to_string(), line)]);
    insta::assert_snapshot!(world.render(errors));
}

#[test]
fn a_require_reads_a_marginal_amount_scale_set_by_a_city() {
    let pol = format!(
        "{POL}\n/// 取暖补贴(元/月)\nparam heating: scale(元/月, 元/月) {{\n  set by city\n  = [0: 0, 1000: 10, 2000: 10]\n  require marginal(heating, 5000) <= 30 \"取暖补贴合计不超过30元\"\n}}\n"
    );
    let mut world = World::new("2019/scales.pol", &pol);
    let good = "jurisdiction = \"610800\"\n\n[2020-01-01]\nheating = \"[0: 0, 1000: 15, 2000: 15]\"\n";
    world.load_ok(&[("params/610800_yulin.toml", good)]);
    let bad = "jurisdiction = \"610800\"\n\n[2020-01-01]\nheating = \"[0: 0, 1000: 15, 2000: 15, 4999.99: 1]\"\n";
    let files = [("params/610800_yulin.toml", bad)];
    let errors = world.load_err(&files);
    let codes: Vec<(String, usize)> =
        errors.iter().map(|error| (error.code().unwrap_or_default(), world.line_of(error))).collect();
    assert_eq!(codes, [("pol::params::constraint".to_string(), 4)]);
    insta::assert_snapshot!(world.snapshot(&files));
}

#[test]
fn brackets_for_a_date_on_which_the_scale_is_not_in_force() {
    let pol = POL.replace(
        "  from 2021-01-01 = [80: 60, 90: 120, 100: 300]\n",
        "  from 2021-01-01 = [80: 60, 90: 120, 100: 300]\n  from 2022-01-01 = none\n",
    );
    let mut world = World::new("2019/scales.pol", &pol);
    let toml = "jurisdiction = \"610800\"\n\n[2022-06-01]\nhigh_age_allowance = \"[80: 60, 90: 120, 100: 320]\"\n";
    let files = [("params/610800_yulin.toml", toml)];
    let codes: Vec<String> = world.load_err(&files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert_eq!(codes, ["pol::dated::local_value_not_in_force"]);
    insta::assert_snapshot!(world.snapshot(&files));
}

/// A floor under the province's brackets and a cap on the yearly rise: `bracket(province(s),
/// x)` and `bracket(last_year(s), x)` in a scale's `require`.
const FLOORS: &str = r#"/// 高龄津贴(元/月),按年龄段
param high_age_allowance: scale(int, 元/月) {
  set by city, county
  = [80: 50, 90: 100, 100: 300]
  require bracket(high_age_allowance, 90) >= bracket(province(high_age_allowance), 90) "不低于省定标准"
  require bracket(high_age_allowance, 100) <= 2 * bracket(last_year(high_age_allowance), 100) "每年涨幅不超过一倍"
}
"#;

#[test]
fn a_scales_require_reads_the_provinces_and_last_years_brackets() {
    let mut world = World::new("2019/scales.pol", FLOORS);
    // 榆林 pays more than the province: fine; 神木 pays less at 90 from 2020-07-01, and its 100
    // bracket more than doubles 榆林's of the year before (what 神木 followed then).
    let yulin = "jurisdiction = \"610800\"\n\n[2019-06-01]\nhigh_age_allowance = \"[80: 60, 90: 120, 100: 320]\"\n";
    let shenmu = "jurisdiction = \"610881\"\n\n[2020-07-01]\nhigh_age_allowance = \"[80: 100, 90: 90, 100: 700]\"\n";
    world.load_ok(&[("params/610800_yulin.toml", yulin)]);
    let files = [("params/610800_yulin.toml", yulin), ("params/610881_shenmu.toml", shenmu)];
    let errors = world.load_err(&files);
    let line = line_containing(shenmu, "high_age_allowance");
    let found: Vec<(String, usize)> =
        errors.iter().map(|error| (error.code().unwrap_or_default(), world.line_of(error))).collect();
    assert_eq!(
        found,
        [("pol::params::constraint".to_string(), line), ("pol::params::constraint".to_string(), line)],
        "{}",
        world.render(errors)
    );
    insta::assert_snapshot!(world.snapshot(&files));
    insta::assert_snapshot!(
        "a_scales_require_reads_the_provinces_and_last_years_brackets_zh",
        world.snapshot_zh(&files)
    );
}
