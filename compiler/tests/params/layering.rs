//! Layering county → city → province, dated values, the county table, origins for `pol
//! explain`, and the value forms a file may use.

use super::support::{
    GOOD_FILES, SHAANXI_PARAMS_POL, World, day, line_containing, percent, shaanxi, shaanxi_with_date_and_bool, yuan,
};
use pol_compiler::params::{Origin, ParamSet};
use pol_compiler::tir::{RATIO_SCALE, Word};
use pol_grammar::ast::Level;

fn loaded(files: &[(&str, &str)]) -> (World, ParamSet) {
    loaded_into(shaanxi(), files)
}

fn loaded_into(mut world: World, files: &[(&str, &str)]) -> (World, ParamSet) {
    let set = world.load_ok(files);
    (world, set)
}

fn value(world: &World, set: &ParamSet, name: &str, code: &str, date: &str) -> Option<Word> {
    match set.value(&world.program, &world.jurisdictions, world.param(name), code, day(date)) {
        Ok(value) => value,
        Err(error) => panic!("`{name}` for {code} on {date}: {}", world.render(vec![error])),
    }
}

fn file(name: &str) -> (&'static str, &'static str) {
    *GOOD_FILES.iter().find(|(file, _)| file.contains(name)).unwrap_or_else(|| panic!("no file {name}"))
}

#[test]
fn the_good_files_load() {
    let (_, set) = loaded(GOOD_FILES);
    let codes: Vec<&str> = set.local_files().map(|file| file.jurisdiction).collect();
    assert_eq!(codes.len(), 14);
    let counties: Vec<&str> =
        set.local_files().filter(|file| file.level == Level::County).map(|file| file.jurisdiction).collect();
    assert_eq!(counties, ["610403", "610581", "610881", "610822"]);
}

#[test]
fn a_county_falls_back_to_its_city_then_to_the_province() {
    let (world, set) = loaded(&[file("yulin"), file("shenmu")]);
    // 榆阳区 has no file: 榆林's values.
    assert_eq!(value(&world, &set, "dibao_standard", "610802", "2019-07-01"), Some(yuan("4860")));
    assert_eq!(value(&world, &set, "dibao_standard", "610802", "2018-07-01"), Some(yuan("4500")));
    // 榆林's 2018 value is still in force in 2019.
    assert_eq!(value(&world, &set, "high_age.age70", "610802", "2019-07-01"), Some(yuan("60")));
    // 神木 does not set the high-age allowance: 榆林's 60, not the province's 50.
    assert_eq!(value(&world, &set, "high_age.age70", "610881", "2019-07-01"), Some(yuan("60")));
    // Neither sets the county limit: the province's.
    assert_eq!(value(&world, &set, "temp.county_limit", "610881", "2019-07-01"), Some(yuan("20000")));
    // 商州区's city has no file here: the province's default, which follows the minimum standard.
    assert_eq!(value(&world, &set, "dibao_standard", "611002", "2019-07-01"), Some(yuan("4020")));
    assert_eq!(value(&world, &set, "dibao_standard", "611002", "2018-07-01"), Some(yuan("3720")));
    assert_eq!(value(&world, &set, "high_age.age70", "611002", "2019-07-01"), Some(yuan("50")));
    // A city code asks for the city's values.
    assert_eq!(value(&world, &set, "dibao_standard", "610800", "2019-07-01"), Some(yuan("4860")));
    assert_eq!(value(&world, &set, "tekun_basic_ratio", "610800", "2019-07-01"), Some(RATIO_SCALE * 13 / 10));
}

#[test]
fn a_county_own_value_wins() {
    let (world, set) = loaded(GOOD_FILES);
    assert_eq!(value(&world, &set, "dibao_standard", "610881", "2019-07-01"), Some(yuan("5880")));
    assert_eq!(value(&world, &set, "dibao_standard", "610822", "2019-07-01"), Some(yuan("5640")));
    assert_eq!(value(&world, &set, "tekun_basic_ratio", "610881", "2019-07-01"), Some(RATIO_SCALE * 15 / 10));
    assert_eq!(value(&world, &set, "tekun_basic_ratio", "610822", "2019-07-01"), Some(RATIO_SCALE * 14 / 10));
    assert_eq!(value(&world, &set, "tekun_basic_ratio", "610802", "2019-07-01"), Some(RATIO_SCALE * 13 / 10));
    assert_eq!(value(&world, &set, "care.full_care", "610881", "2019-07-01"), Some(percent(30)));
    assert_eq!(value(&world, &set, "care.full_care", "610802", "2019-07-01"), Some(percent(25)));
}

#[test]
fn dated_values_switch_on_the_exact_day() {
    // 西安's file, with a child top-up that rises from 2019-05-01 (a bare dotted key).
    let xian = format!("{}\n[2019-05-01]\ntopup.child = \"12%\"\n", file("610100_xian").1);
    let files: Vec<(&str, &str)> = GOOD_FILES
        .iter()
        .map(|(name, text)| if name.contains("610100_xian") { (*name, xian.as_str()) } else { (*name, *text) })
        .collect();
    let (world, set) = loaded(&files);
    assert_eq!(value(&world, &set, "topup.child", "610102", "2019-04-30"), Some(percent(10)));
    assert_eq!(value(&world, &set, "topup.child", "610102", "2019-05-01"), Some(percent(12)));
    // The province's minimum wage changes the same day.
    assert_eq!(value(&world, &set, "min_wage.tier1", "610102", "2019-04-30"), Some(yuan("1680")));
    assert_eq!(value(&world, &set, "min_wage.tier1", "610102", "2019-05-01"), Some(yuan("1800")));
    assert_eq!(value(&world, &set, "dibao_standard", "610102", "2018-12-31"), Some(yuan("5280")));
    assert_eq!(value(&world, &set, "dibao_standard", "610102", "2019-01-01"), Some(yuan("5760")));
    let province = set.province_value(&world.program, world.param("poverty_line"), day("2019-01-01"));
    assert_eq!(province.ok().flatten(), Some(yuan("3218")));
}

#[test]
fn no_value_before_the_first_one() {
    let (world, set) = loaded(GOOD_FILES);
    assert_eq!(value(&world, &set, "poverty_line", "610102", "2017-12-31"), None);
    // The default follows a parameter that has no value yet.
    assert_eq!(value(&world, &set, "dibao_standard", "610902", "2017-12-31"), None);
    // An undated default is in force from the beginning.
    assert_eq!(value(&world, &set, "temp.county_limit", "610902", "1990-01-01"), Some(yuan("20000")));
    // Lazy: a parameter with no value is no error in the county table, only where something in
    // force reads it. Here the undated `dibao_standard` (in force) reads `dibao_min_standard`,
    // and its `require`s read it and `poverty_line`, none in force before 2018.
    if let Err(error) = set.county_table(&world.program, &world.jurisdictions, day("2017-06-30")) {
        panic!("the county table before the first values: {}", world.render(vec![error]));
    }
    let errors = match world.program.on(day("2017-06-30")) {
        Ok(_) => panic!("reads of parameters not in force before 2018"),
        Err(errors) => errors,
    };
    assert!(errors.iter().all(|error| error.code().as_deref() == Some("pol::dated::not_in_force")));
    insta::assert_snapshot!(world.render(errors));
}

#[test]
fn the_county_table_resolves_every_parameter_for_every_county() {
    let (world, set) = loaded_into(shaanxi_with_date_and_bool(), GOOD_FILES);
    let table = match set.county_table(&world.program, &world.jurisdictions, day("2019-07-01")) {
        Ok(table) => table,
        Err(error) => panic!("{}", world.render(vec![error])),
    };
    let n_params = world.program.params.len();
    assert_eq!(table.width, n_params + world.program.jurisdiction.attrs.len());
    assert_eq!(table.len(), world.jurisdictions.counties.len());
    assert_eq!(table.as_of, day("2019-07-01"));
    assert_eq!(table.texts, world.jurisdictions.texts);
    let shenmu = world.jurisdictions.index_of("610881").unwrap_or_else(|| panic!("no 神木"));
    let row = table.row(shenmu).unwrap_or(&[]);
    let at = |name: &str| row.get(world.param(name).0 as usize).copied();
    assert_eq!(at("dibao_standard"), Some(yuan("5880")));
    assert_eq!(at("poverty_line"), Some(yuan("3218")));
    assert_eq!(at("care.full_self_care"), Some(percent(12)));
    assert_eq!(at("high_age.age70"), Some(yuan("60")));
    assert_eq!(at("min_wage.tier1"), Some(yuan("1800")));
    assert_eq!(at("gradual_exit_months"), Some(12));
    assert_eq!(at("topup.start"), Some(day("2019-01-01")));
    assert_eq!(at("centralised_first"), Some(0));
    // The attributes follow the parameters.
    assert_eq!(row.get(n_params..), Some(&world.jurisdictions.counties[shenmu].attrs[..]));
    let deep_poverty = n_params + world.attr("deep_poverty");
    let ziyang = world.jurisdictions.index_of("610924").unwrap_or_else(|| panic!("no 紫阳县"));
    assert_eq!(table.row(ziyang).and_then(|row| row.get(deep_poverty)).copied(), Some(1));
    assert_eq!(row.get(deep_poverty).copied(), Some(0));
}

#[test]
fn origins_name_the_file_and_line_or_the_province() {
    let (world, set) = loaded(GOOD_FILES);
    let explain = |name: &str, code: &str, date: &str| match set.explain(
        &world.program,
        &world.jurisdictions,
        world.param(name),
        code,
        day(date),
    ) {
        Ok(Some(resolved)) => resolved,
        Ok(None) => panic!("no value"),
        Err(error) => panic!("{}", world.render(vec![error])),
    };
    let resolved = explain("high_age.age70", "610881", "2019-07-01");
    assert_eq!(resolved.word, yuan("60"));
    let Origin::Local { source, jurisdiction, level, from, span } = resolved.origin else {
        panic!("{:?}", resolved.origin)
    };
    assert_eq!(world.sources.get(source).map(|file| file.name.as_str()), Some("params/610800_yulin.toml"));
    assert_eq!((jurisdiction.as_str(), level, from), ("610800", Level::City, day("2018-01-01")));
    let yulin = file("yulin").1;
    assert_eq!(world.sources.line_col(source, span.start), (line_containing(yulin, "\"high_age.age70\" = 60"), 20));

    let resolved = explain("poverty_line", "610902", "2019-07-01");
    let Origin::Province { from, span } = resolved.origin else { panic!("{:?}", resolved.origin) };
    assert_eq!(from, Some(day("2019-01-01")));
    let line = line_containing(SHAANXI_PARAMS_POL, "from 2019-01-01 = 3218");
    let column = SHAANXI_PARAMS_POL.lines().nth(line - 1).and_then(|text| text.find("3218")).map(|at| at + 1);
    assert_eq!(world.sources.get(span.source).map(|file| file.name.as_str()), Some("2019/10_params.pol"));
    assert_eq!(Some(world.sources.line_col(span.source, span.start)), column.map(|column| (line, column)));

    let before =
        set.explain(&world.program, &world.jurisdictions, world.param("dibao_standard"), "610902", day("1990-01-01"));
    assert!(matches!(before, Ok(None)), "{before:?}");
}

#[test]
fn an_unknown_jurisdiction_is_an_error() {
    let (world, set) = loaded(GOOD_FILES);
    let result =
        set.value(&world.program, &world.jurisdictions, world.param("poverty_line"), "619999", day("2019-07-01"));
    let error = match result {
        Ok(value) => panic!("got {value:?}"),
        Err(error) => error,
    };
    assert_eq!(error.code().as_deref(), Some("pol::params::unknown_place"));
    insta::assert_snapshot!(world.render(vec![error]));
}

#[test]
fn every_way_of_writing_a_value() {
    let text = r#"jurisdiction = "610100"

[2019-01-01]
dibao_standard = "5760.50 yuan/year"
tekun_basic_ratio = "1.5"
"topup.child" = 0.12
topup.severe_disabled = "12.5%"
"care.semi" = 0.155000001
gradual_exit_months_disabled = 24
centralised_first = true
"topup.start" = 2019-03-01
temp = { township_limit = 1_500, county_limit = "25000 元" }

[2019-01-01.care]
full_care = "30%"

[2019-02-01]
dibao_standard = 5_770.25
"high_age.age70" = "55 元/月"
"#;
    let (world, set) = loaded_into(shaanxi_with_date_and_bool(), &[("params/610100_xian.toml", text)]);
    let at = |name: &str, date: &str| value(&world, &set, name, "610102", date);
    assert_eq!(at("dibao_standard", "2019-01-01"), Some(576_050));
    assert_eq!(at("dibao_standard", "2019-02-01"), Some(577_025));
    assert_eq!(at("tekun_basic_ratio", "2019-01-01"), Some(1_500_000_000));
    assert_eq!(at("topup.child", "2019-01-01"), Some(120_000_000));
    assert_eq!(at("topup.severe_disabled", "2019-01-01"), Some(125_000_000));
    assert_eq!(at("care.semi", "2019-01-01"), Some(155_000_001));
    assert_eq!(at("care.full_care", "2019-01-01"), Some(percent(30)));
    assert_eq!(at("gradual_exit_months_disabled", "2019-01-01"), Some(24));
    assert_eq!(at("centralised_first", "2019-01-01"), Some(1));
    assert_eq!(at("topup.start", "2019-01-01"), Some(day("2019-03-01")));
    assert_eq!(at("temp.township_limit", "2019-01-01"), Some(yuan("1500")));
    assert_eq!(at("temp.county_limit", "2019-01-01"), Some(yuan("25000")));
    assert_eq!(at("high_age.age70", "2019-02-01"), Some(yuan("55")));
}

/// A policy with one money parameter that must rise 8% a year, set by cities only.
const RISING: &str = "param x: 元/年 {\n  set by city\n  from 2019-01-01 = 100\n  require x >= 1.08 * last_year(x)  \"提高不低于8%\"\n}\n";

#[test]
fn last_year_is_skipped_when_there_is_no_previous_value() {
    // 2019 is the first year of `x` anywhere: nothing to compare with, whatever the value.
    let mut world = World::new("2019/x.pol", RISING);
    let first_year = "jurisdiction = \"610800\"\n\n[2019-01-01]\nx = 50\n";
    world.load_ok(&[("params/610800_yulin.toml", first_year)]);
    // The next year is compared with it.
    let mut world = World::new("2019/x.pol", RISING);
    let next_year = "jurisdiction = \"610800\"\n\n[2019-01-01]\nx = 50\n\n[2020-01-01]\nx = 53\n";
    let errors = world.load_err(&[("params/610800_yulin.toml", next_year)]);
    assert_eq!(errors.len(), 1);
    assert_eq!(world.line_of(&errors[0]), 7);
    insta::assert_snapshot!(world.render(errors));
}

#[test]
fn last_year_of_29_february_is_28_february() {
    // A year before 2020-02-29 is 2019-02-28, when 50 was in force (100 only from 1 March): 60
    // is enough, 53 is not.
    let text = "jurisdiction = \"610800\"\n\n[2019-02-28]\nx = 50\n\n[2019-03-01]\nx = 100\n\n[2020-02-29]\nx = 60\n";
    World::new("2019/x.pol", RISING).load_ok(&[("params/610800_yulin.toml", text)]);
    let text = text.replace("x = 60", "x = 53");
    let mut world = World::new("2019/x.pol", RISING);
    let errors = world.load_err(&[("params/610800_yulin.toml", &text)]);
    assert_eq!(errors.len(), 1);
    assert_eq!(world.line_of(&errors[0]), 10);
}

#[test]
fn a_cycle_is_reported_not_followed() {
    // The checker finds it before any value is resolved, even when a city file could set one of
    // the parameters (the resolver's own cycle check is a second line of defence).
    let pol = "jurisdictions { county_code: key, city_code: city }\n\nparam a: int {\n  set by city\n  = b\n}\n\nparam b: int {\n  = a + 1\n}\n";
    let mut sources = pol_compiler::diagnostic::Sources::default();
    sources.add("2019/cycle.pol", pol, pol_compiler::diagnostic::SourceKind::Pol);
    let city = "jurisdiction = \"610800\"\n\n[2019-01-01]\na = 5\n";
    sources.add("params/610800_yulin.toml", city, pol_compiler::diagnostic::SourceKind::Params);
    let errors = match pol_compiler::policy::compile(&sources) {
        Ok(_) => panic!("a cycle compiled"),
        Err(errors) => errors,
    };
    let codes: Vec<String> = errors.iter().filter_map(|error| error.code()).collect();
    assert_eq!(codes, ["pol::param::cycle"]);
    let rendered: Vec<String> =
        errors.into_iter().map(|error| pol_compiler::diagnostic::render_plain(&sources, error)).collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn an_overflow_is_an_error_naming_the_operation() {
    let pol = "param big: 元 {\n  = 90000000000000000\n}\n\nparam doubled: 元 {\n  = big + big\n}\n";
    let mut world = World::new("2019/big.pol", pol);
    let set = world.load_ok(&[]);
    let error = match set.county_table(&world.program, &world.jurisdictions, day("2019-07-01")) {
        Ok(_) => panic!("an overflow resolved"),
        Err(error) => error,
    };
    assert_eq!(error.code().as_deref(), Some("pol::params::eval"));
    insta::assert_snapshot!(world.render(vec![error]));
}
