//! `jurisdictions.csv` read against the `jurisdictions` block.

use super::{check_files, errors_of};
use insta::assert_snapshot;
use pol_compiler::text::{TextHandle, TextOrigin};

const BLOCK: &str = r#"
enum Kind { district, rural }
jurisdictions {
  county_code: key
  county_name: text
  city_code: city
  kind: Kind
  deep_poverty: bool
  min_wage_tier: int
}
household n: int = county.min_wage_tier
"#;

#[test]
fn reads_counties_in_file_order_with_text_handles() -> Result<(), String> {
    let csv = "\u{feff}county_name,county_code,city_code,kind,deep_poverty,min_wage_tier\r\n\
               榆阳区,610802,610800,district,false,2\r\n\
               \"神木市, 县级\",610881,610800,rural,true,3\r\n\r\n";
    let checked = check_files(&[BLOCK], Some(csv));
    let Ok(Ok((program, table))) = checked.result else { return Err(errors_of(&[BLOCK], Some(csv))) };
    let names: Vec<&str> = program.jurisdiction.attrs.iter().map(|attr| attr.name.as_str()).collect();
    assert_eq!(names, vec!["county_code", "county_name", "city_code", "kind", "deep_poverty", "min_wage_tier"]);
    assert_eq!(program.jurisdiction.key.as_deref(), Some("county_code"));
    assert_eq!(program.jurisdiction.city.as_deref(), Some("city_code"));
    let codes: Vec<(&str, &str, usize)> =
        table.counties.iter().map(|c| (c.code.as_str(), c.city.as_str(), c.line)).collect();
    assert_eq!(codes, vec![("610802", "610800", 2), ("610881", "610800", 3)]);
    let second = table.counties.get(1).ok_or("two counties")?;
    let text = |word: i64| {
        let handle = TextHandle::from_word(word);
        assert_eq!(handle.origin, TextOrigin::Jurisdiction);
        table.texts.get(handle.index as usize).cloned().unwrap_or_default()
    };
    let [code, name, city, kind, deep, tier] = second.attrs.as_slice() else { return Err("six attributes".into()) };
    assert_eq!((text(*code), text(*name), text(*city)), ("610881".into(), "神木市, 县级".into(), "610800".into()));
    assert_eq!((*kind, *deep, *tier), (1, 1, 3));
    // The city code is stored once although two counties have it.
    assert_eq!(table.texts.iter().filter(|t| *t == "610800").count(), 1);
    Ok(())
}

#[test]
fn header_errors() {
    let csv = "county_code,county_name,city_code,kind,kind,deep_poverty,population\n610802,榆阳区,610800,district,district,false,5\n";
    assert_snapshot!(errors_of(&[BLOCK], Some(csv)));
}

#[test]
fn value_errors_point_at_their_field() {
    let csv = "county_code,county_name,city_code,kind,deep_poverty,min_wage_tier\n\
               610802,榆阳区,610800,district,FALSE,2\n\
               610803,横山区,610800,prefecture,false,two\n\
               610802,又一个,610800,district,false,1\n\
               610804,,610800,district,false\n\
               ,\"未闭合,610800,district,false,1\n";
    assert_snapshot!(errors_of(&[BLOCK], Some(csv)));
}

#[test]
fn csv_without_a_block_and_empty_csv() {
    assert_snapshot!(errors_of(&["household n: int = 1"], Some("county_code,city_code\n610802,610800\n")));
    assert_snapshot!(errors_of(&[BLOCK], Some("")));
}
