//! One snapshot per diagnostic kind of a local file (input files, then every diagnostic), and
//! checks of the codes, so that a test fails if a kind stops being reported.

use super::support::{World, shaanxi, shaanxi_with_date_and_bool};

/// The snapshot of loading `files` into the Shaanxi world, and the codes reported.
fn check(files: &[(&str, &str)]) -> (String, Vec<String>) {
    let mut world = shaanxi();
    let codes = world.load_err(files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    (world.snapshot(files), codes)
}

fn one_file(name: &str, text: &str, expected_codes: &[&str]) -> String {
    let (snapshot, codes) = check(&[(name, text)]);
    assert_eq!(codes, expected_codes, "{snapshot}");
    snapshot
}

#[test]
fn syntax() {
    let text = "jurisdiction = \"610800\"\n\n[2019-01-01]\ndibao_standard = 4860元\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::syntax"]));
}

#[test]
fn missing_jurisdiction() {
    let text = "# 榆林市\n[2019-01-01]\ndibao_standard = 4860\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::missing_jurisdiction"]));
}

#[test]
fn unknown_jurisdiction_suggests_the_nearest_code() {
    let text = "jurisdiction = \"61080\"\n\n[2019-01-01]\ndibao_standard = 4860\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::unknown_jurisdiction"]));
}

#[test]
fn jurisdiction_not_in_quotes() {
    let text = "jurisdiction = 610800\n\n[2019-01-01]\ndibao_standard = 4860\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::unknown_jurisdiction"]));
}

#[test]
fn two_files_for_one_jurisdiction() {
    let first = "jurisdiction = \"610800\"\n\n[2019-01-01]\ndibao_standard = 4860\n";
    let second = "jurisdiction = \"610800\"   # 榆林市, again\n\n[2019-01-01]\n\"high_age.age70\" = 60\n";
    let (snapshot, codes) = check(&[("params/610800_yulin.toml", first), ("params/yulin_2.toml", second)]);
    assert_eq!(codes, ["pol::params::duplicate_jurisdiction"]);
    insta::assert_snapshot!(snapshot);
}

#[test]
fn value_without_date() {
    let text = "jurisdiction = \"610800\"\ndibao_standard = 4860\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::undated_value"]));
}

#[test]
fn bad_date_headers() {
    let text = "jurisdiction = \"610800\"\n\n[2019-02-29]\ndibao_standard = 4860\n\n[2019-13-01]\n\"high_age.age70\" = 60\n\n[rates]\n\"topup.child\" = \"12%\"\n";
    insta::assert_snapshot!(one_file(
        "params/610800_yulin.toml",
        text,
        &["pol::params::bad_date", "pol::params::bad_date", "pol::params::bad_date"]
    ));
}

#[test]
fn unknown_parameter_without_near_name() {
    let text = "jurisdiction = \"610800\"\n\n[2019-01-01]\n\"低保标准\" = 4860\n";
    insta::assert_snapshot!(one_file("params/610800_yulin.toml", text, &["pol::params::unknown_param"]));
}

#[test]
fn city_only_parameter_in_a_county_file() {
    // The Shaanxi policy lets counties set every local parameter; here one is the city's only.
    let pol = "/// 省级补助比例\nparam provincial_share: ratio {\n  set by city\n  = 60%\n}\n";
    let text = "jurisdiction = \"610881\"   # 神木市\n\n[2019-01-01]\nprovincial_share = \"70%\"\n";
    let files = [("params/610881_shenmu.toml", text)];
    let mut world = World::new("2019/funding.pol", pol);
    let codes: Vec<String> = world.load_err(&files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    let snapshot = world.snapshot(&files);
    assert_eq!(codes, ["pol::params::not_settable"], "{snapshot}");
    insta::assert_snapshot!(snapshot);
}

#[test]
fn percentage_for_money() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\n\"temp.township_limit\" = \"5%\"\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::wrong_unit"]));
}

#[test]
fn unit_on_an_int() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\ngradual_exit_months_disabled = \"24 元\"\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::wrong_unit"]));
}

#[test]
fn money_with_three_decimals() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\ndibao_standard = 5760.125\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::precision"]));
}

#[test]
fn int_given_a_fraction() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\ngradual_exit_months_disabled = 1.5\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::precision"]));
}

#[test]
fn percentage_with_too_many_decimals() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\n\"topup.child\" = \"12.123456789%\"\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::precision"]));
}

#[test]
fn values_of_the_wrong_kind() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\ndibao_standard = true\n\"topup.child\" = \"twelve percent\"\ncentralised_first = 1\n\"topup.start\" = \"2019-02-30\"\n\"care.semi\" = [15, 20]\n";
    let files = [("params/610100_xian.toml", text)];
    let mut world = shaanxi_with_date_and_bool();
    let codes: Vec<String> = world.load_err(&files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    let snapshot = world.snapshot(&files);
    assert_eq!(codes, ["pol::params::bad_value"; 5], "{snapshot}");
    insta::assert_snapshot!(snapshot);
}

#[test]
fn exponent_is_not_an_exact_number() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\ndibao_standard = 5.76e3\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::bad_value"]));
}

#[test]
fn same_parameter_twice_under_one_date() {
    let text = "jurisdiction = \"610100\"\n\n[2019-01-01]\n\"topup.child\" = \"12%\"\ntopup.child = \"15%\"\n";
    insta::assert_snapshot!(one_file("params/610100_xian.toml", text, &["pol::params::duplicate_value"]));
}

#[test]
fn every_error_of_every_file_at_once() {
    let yulin = "jurisdiction = \"610800\"\n\n[2018-01-01]\ndibao_standard = 4500\n\n[2019-01-01]\ndibao_standard = 4815\npoverty_line = 3300\n\"high_age.age70\" = \"60 元/年\"\n";
    let xian = "jurisdiction = \"610100\"\n\n[2019-01-01]\ndibao_standerd = 5760\n\"care.semi\" = \"9%\"\n";
    let (snapshot, codes) = check(&[("params/610800_yulin.toml", yulin), ("params/610100_xian.toml", xian)]);
    assert_eq!(
        codes,
        [
            "pol::params::constraint",
            "pol::params::not_settable",
            "pol::params::wrong_unit",
            "pol::params::unknown_param",
            "pol::params::constraint",
        ]
    );
    insta::assert_snapshot!(snapshot);
}

#[test]
fn a_county_inheriting_a_broken_city_value_is_reported_once_at_the_city() {
    // 榆林 rises 7% (4,500 → 4,815); 神木 and 府谷 have their own standards, 榆阳 has no file.
    // The breach is the city's: one error, on 榆林's line.
    let yulin =
        "jurisdiction = \"610800\"\n\n[2018-01-01]\ndibao_standard = 4500\n\n[2019-01-01]\ndibao_standard = 4815\n";
    let shenmu = "jurisdiction = \"610881\"\n\n[2019-01-01]\n\"temp.county_limit\" = 30000\n";
    let (snapshot, codes) = check(&[("params/610800_yulin.toml", yulin), ("params/610881_shenmu.toml", shenmu)]);
    assert_eq!(codes, ["pol::params::constraint"]);
    insta::assert_snapshot!(snapshot);
}

#[test]
fn a_city_value_broken_only_in_a_county_is_reported_at_the_city_for_that_county() {
    // 榆林 raises the township limit to 2,000; 神木 lowers its county limit to 1,500: in 神木,
    // the city's township limit is above the county limit.
    let yulin = "jurisdiction = \"610800\"\n\n[2019-01-01]\n\"temp.township_limit\" = 2000\n";
    let shenmu = "jurisdiction = \"610881\"\n\n[2019-01-01]\n\"temp.county_limit\" = 1500\n";
    let (snapshot, codes) = check(&[("params/610800_yulin.toml", yulin), ("params/610881_shenmu.toml", shenmu)]);
    assert_eq!(codes, ["pol::params::constraint"]);
    insta::assert_snapshot!(snapshot);
}

#[test]
fn a_broken_default_is_reported_in_the_policy() {
    let pol = "/// 特困基本生活标准 ÷ 低保标准\nparam tekun_basic_ratio: ratio {\n  set by city, county\n  = 1.2\n  require tekun_basic_ratio >= 1.3  \"特困人员基本生活标准原则上不低于当地低保标准的1.3倍\"\n}\n";
    let mut world = World::new("2019/tekun.pol", pol);
    let errors = world.load_err(&[]);
    let codes: Vec<String> = errors.iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert_eq!(codes, ["pol::params::constraint"]);
    insta::assert_snapshot!(format!("--- 2019/tekun.pol\n{pol}=== diagnostics\n{}", world.render(errors)));
}

#[test]
fn a_default_following_a_broken_city_value_is_reported_at_the_city() {
    // `dibao_standard` follows `dibao_min_standard` by default. Here a city may set the
    // minimum; it lowers it below the poverty line, and the standard, which the city does not
    // set, follows it below the line: the breach is reported at the city's minimum.
    let pol = "param poverty_line: 元/年 {\n  from 2019-01-01 = 3218\n}\n\nparam dibao_min_standard: 元/年 {\n  set by city\n  from 2019-01-01 = 4020\n}\n\nparam dibao_standard: 元/年 {\n  set by city, county\n  = dibao_min_standard\n  require dibao_standard > poverty_line  \"农村低保标准动态、稳定地高于扶贫标准\"\n}\n";
    let city = "jurisdiction = \"610700\"\n\n[2019-01-01]\ndibao_min_standard = 3200\n";
    let mut world = World::new("2019/dibao.pol", pol);
    let errors = world.load_err(&[("params/610700_hanzhong.toml", city)]);
    assert_eq!(errors.len(), 1);
    assert_eq!(world.file_of(&errors[0]), "params/610700_hanzhong.toml");
    assert_eq!(world.line_of(&errors[0]), 4);
    insta::assert_snapshot!(format!(
        "--- params/610700_hanzhong.toml\n{city}=== diagnostics\n{}",
        world.render(errors)
    ));
}

#[test]
fn a_file_for_a_county_that_takes_its_city_values() {
    // 榆阳区 is a county of 榆林 whose row in jurisdictions.csv has `sets_own_parameters` false.
    let text = "jurisdiction = \"610802\"   # 榆阳区\n\n[2019-01-01]\ndibao_standard = 4900\n";
    insta::assert_snapshot!(one_file("params/610802_yuyang.toml", text, &["pol::params::county_not_own"]));
}

#[test]
fn without_the_attribute_every_county_may_set_its_own_values() {
    let pol = "param x: 元/年 {\n  set by city, county\n  = 100\n}\n";
    let csv = "county_code,city_code\n610802,610800\n";
    let mut world = World::with_jurisdictions("jurisdictions {\n  county_code: key\n  city_code: city\n}\n", csv, pol);
    world.load_ok(&[("params/610802_yuyang.toml", "jurisdiction = \"610802\"\n\n[2019-01-01]\nx = 200\n")]);
}

/// A type error in a `.pol` file does not hide a parameter file's TOML syntax error: both are
/// reported, in file order.
#[test]
fn pol_errors_do_not_hide_parameter_file_syntax() {
    use super::support::{JURISDICTIONS_CSV, SCHEMA_POL, render_all};
    use pol_compiler::diagnostic::{SourceKind, Sources};
    let pol = "/// 低保标准\nparam dibao_standard: 元/年 {\n  set by city\n  = true\n}\n";
    let toml = "jurisdiction = \"610800\"\n\n[2019-01-01]\ndibao_standard = 4860元\n";
    let mut sources = Sources::default();
    sources.add("2019/00_schema.pol", SCHEMA_POL, SourceKind::Pol);
    sources.add("2019/10_params.pol", pol, SourceKind::Pol);
    sources.add("jurisdictions.csv", JURISDICTIONS_CSV, SourceKind::Jurisdictions);
    sources.add("params/610800_yulin.toml", toml, SourceKind::Params);
    let Err(errors) = pol_compiler::policy::compile(&sources) else { panic!("the policy was accepted") };
    let codes: Vec<String> = errors.iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert_eq!(codes, ["pol::type::mismatch", "pol::params::syntax"]);
    let rendered = render_all(&sources, errors);
    insta::assert_snapshot!(format!(
        "--- 2019/10_params.pol\n{pol}--- params/610800_yulin.toml\n{toml}=== diagnostics\n{rendered}"
    ));
}

/// A type error in a rule does not hide a parameter file's broken floor: the parameters all
/// checked, so the file is checked against them and both errors are reported.
#[test]
fn a_rule_error_does_not_hide_a_broken_floor() {
    use super::support::{SHAANXI_JURISDICTIONS, SHAANXI_POL, render_all};
    use pol_compiler::diagnostic::{SourceKind, Sources};
    let mut sources = Sources::default();
    let mut broken_rule = String::new();
    for (name, text) in SHAANXI_POL {
        let text = text.replace("household n_dibao: int =", "household n_dibao: bool =");
        if text != *text_of(name) {
            broken_rule = text.lines().filter(|line| line.contains("n_dibao: bool")).collect();
        }
        sources.add(*name, text, SourceKind::Pol);
    }
    assert_eq!(broken_rule, "household n_dibao: bool = count(members where not tekun)");
    sources.add("jurisdictions.csv", SHAANXI_JURISDICTIONS, SourceKind::Jurisdictions);
    let toml = "jurisdiction = \"610800\"\n\n[2019-01-01]\ndibao_standard = 3000\n";
    sources.add("params/610800_yulin.toml", toml, SourceKind::Params);
    let Err(errors) = pol_compiler::policy::compile(&sources) else { panic!("the policy was accepted") };
    let codes: Vec<String> = errors.iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert!(codes.iter().any(|code| code.starts_with("pol::type::")), "{codes:?}");
    assert!(codes.iter().any(|code| code.starts_with("pol::params::")), "{codes:?}");
    let rendered = render_all(&sources, errors);
    insta::assert_snapshot!(format!(
        "--- 2019/20_dibao.pol\n{broken_rule}\n--- params/610800_yulin.toml\n{toml}=== diagnostics\n{rendered}"
    ));
}

fn text_of(name: &str) -> &'static str {
    super::support::SHAANXI_POL.iter().find(|(other, _)| *other == name).map_or("", |(_, text)| text)
}

#[test]
fn a_scale_set_in_a_local_file() {
    let pol = "param bands: scale(int, 元/月) {\n  = [80: 100, 90: 200]\n}\n";
    let mut world = World::new("2019/bands.pol", pol);
    let files = [("params/610800_yulin.toml", "jurisdiction = \"610800\"\n\n[2019-01-01]\nbands = 50\n")];
    let codes: Vec<String> = world.load_err(&files).iter().filter_map(|diagnostic| diagnostic.code()).collect();
    assert_eq!(codes, ["pol::params::not_settable"]);
    insta::assert_snapshot!(world.snapshot(&files));
    insta::assert_snapshot!("a_scale_set_in_a_local_file_zh", world.snapshot_zh(&files));
}
