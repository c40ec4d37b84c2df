//! The broken parameter files of the workspace's `tests/fixtures/params/` (the ones `pol check`
//! is tested with end to end): each, loaded in place of the policy's good file of its
//! jurisdiction, must be rejected with exactly one error, on the line its header comment names,
//! in that file.

use super::support::{GOOD_FILES, shaanxi};

const BROKEN: &[(&str, &str)] = &[
    ("care_ratio_below_10_percent", include_str!("../../../tests/fixtures/params/care_ratio_below_10_percent.toml")),
    (
        "city_sets_gradual_exit_months",
        include_str!("../../../tests/fixtures/params/city_sets_gradual_exit_months.toml"),
    ),
    (
        "county_sets_province_only_min_wage",
        include_str!("../../../tests/fixtures/params/county_sets_province_only_min_wage.toml"),
    ),
    ("dibao_below_min_standard", include_str!("../../../tests/fixtures/params/dibao_below_min_standard.toml")),
    ("dibao_rise_7_percent", include_str!("../../../tests/fixtures/params/dibao_rise_7_percent.toml")),
    (
        "disabled_exit_shorter_than_general",
        include_str!("../../../tests/fixtures/params/disabled_exit_shorter_than_general.toml"),
    ),
    ("high_age_below_province", include_str!("../../../tests/fixtures/params/high_age_below_province.toml")),
    ("orphan_home_below_province", include_str!("../../../tests/fixtures/params/orphan_home_below_province.toml")),
    ("province_only_poverty_line", include_str!("../../../tests/fixtures/params/province_only_poverty_line.toml")),
    (
        "provincial_share_above_100_percent",
        include_str!("../../../tests/fixtures/params/provincial_share_above_100_percent.toml"),
    ),
    ("tekun_ratio_below_1_3", include_str!("../../../tests/fixtures/params/tekun_ratio_below_1_3.toml")),
    ("topup_above_100_percent", include_str!("../../../tests/fixtures/params/topup_above_100_percent.toml")),
    (
        "township_limit_above_county_limit",
        include_str!("../../../tests/fixtures/params/township_limit_above_county_limit.toml"),
    ),
    ("unknown_parameter_typo", include_str!("../../../tests/fixtures/params/unknown_parameter_typo.toml")),
    ("wrong_unit_monthly_standard", include_str!("../../../tests/fixtures/params/wrong_unit_monthly_standard.toml")),
    ("wrong_unit_ratio_as_money", include_str!("../../../tests/fixtures/params/wrong_unit_ratio_as_money.toml")),
];

/// The jurisdiction a fixture stands in for, from its `params/CODE_name.toml` comment.
fn replaced_file(text: &str) -> &str {
    let start = text.find("params/").unwrap_or_else(|| panic!("no file named in:\n{text}"));
    let rest = &text[start..];
    &rest[..rest.find(".toml").map_or(rest.len(), |end| end + ".toml".len())]
}

/// The line a fixture says is flagged, from its `(line N)` comment.
fn flagged_line(text: &str) -> usize {
    let start = text.find("(line ").unwrap_or_else(|| panic!("no flagged line in:\n{text}")) + "(line ".len();
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("no line number in:\n{text}"))
}

#[test]
fn each_broken_file_is_rejected_at_its_flagged_line() {
    for (name, text) in BROKEN {
        let replaced = replaced_file(text);
        assert!(GOOD_FILES.iter().any(|(good, _)| *good == replaced), "{name}: no good file {replaced}");
        let broken_name = format!("params/broken/{name}.toml");
        let files: Vec<(&str, &str)> = GOOD_FILES
            .iter()
            .map(
                |(good, good_text)| if *good == replaced { (broken_name.as_str(), *text) } else { (*good, *good_text) },
            )
            .collect();
        let mut world = shaanxi();
        let errors = world.load_err(&files);
        assert_eq!(errors.len(), 1, "{name}:\n{}", world.render(errors));
        assert_eq!(world.file_of(&errors[0]), broken_name, "{name}");
        assert_eq!(world.line_of(&errors[0]), flagged_line(text), "{name}:\n{}", world.render(errors));
        let snapshot = format!("--- {broken_name}\n{text}=== diagnostics\n{}", world.render(errors));
        insta::assert_snapshot!(format!("spec_{name}"), snapshot);
    }
}
