//! The report's figures against the independent oracle.
//!
//! `pol run` writes `report.json`; this test recomputes every figure of it from the oracle's own
//! `household_results.csv` (`pol_testkit::shaanxi_oracle`, which shares no code with `pol`), the
//! input files and `jurisdictions.csv`, following `docs/language.md` ("What a report computes")
//! and the spec, with its own arithmetic. Nothing here calls `pol`'s report, arithmetic or
//! formatting code:
//!
//! - households, persons, the count per `dibao_status` and the sum of every column, per county,
//!   per city and for the province, from the oracle's rows;
//! - `covered_persons` (not a column of the table) from the spec: a full or gradual-exit
//!   household covers its non-tekun members, a single-person one its candidates (its base is the
//!   monthly standard times their number);
//! - the `centralised_support` rate's numerator and denominator from the persons file, with the
//!   spec's tekun rule, checked person by person against the oracle's `tekun_members`; the rate
//!   rounded half away from zero to nine decimals, over the deep-poverty counties only;
//! - annual totals (× 12) and the province's budget line.

use crate::support::{TempDir, read_text, shaanxi_dir};
use pol_runtime::commands::{self, EngineChoice, ErrorFormat, Status};
use pol_testkit::shaanxi_oracle as oracle;
use pol_testkit::synth::{SynthConfig, county_codes_from_csv, generate};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;

/// The money columns of `household_results.csv` the report sums (money per month).
const MONEY_SUMS: [&str; 11] = [
    "dibao_base_monthly",
    "dibao_topup_monthly",
    "dibao_monthly",
    "tekun_basic_monthly",
    "tekun_care_monthly",
    "disability_living_monthly",
    "disability_nursing_monthly",
    "high_age_monthly",
    "orphan_monthly",
    "total_monthly",
    "provincial_share_monthly",
];

/// The dibao statuses, every one listed by the report.
const STATUSES: [&str; 4] = ["none", "full", "gradual_exit", "single_person"];

/// The budget line of the Shaanxi report, in fen a year.
const DIBAO_BUDGET_FEN: i128 = 333_000_000_000;

/// The threshold of the `centralised_support` rate, scaled by 10⁹.
const CENTRALISED_BELOW: i128 = 500_000_000;

#[test]
fn report_agrees_with_the_oracle_2019_07_01() {
    check_report("report_2019_07_01", 61, 3_000, 0.03, (2019, 7, 1), EngineChoice::Jit);
}

#[test]
fn report_agrees_with_the_oracle_on_the_interpreter_2018_06_30() {
    check_report("report_2018_06_30", 62, 1_500, 0.0, (2018, 6, 30), EngineChoice::Interp);
}

/// The recomputation must see a wrong figure: a report with one household moved between
/// counties, one status miscounted and one rate numerator changed is reported three times.
#[test]
fn the_report_comparison_finds_a_wrong_figure() {
    let tmp = TempDir::new("report_self_check");
    let data = DataSet::generate(&tmp, 63, 400, 0.0, (2019, 7, 1));
    let expected = data.expected();
    let mut report = data.run_pol(EngineChoice::Jit);
    assert!(compare(&expected, &report).is_empty(), "{:#?}", compare(&expected, &report));
    let counties = report.get_mut("counties").and_then(Value::as_array_mut).unwrap_or_else(|| panic!("no counties"));
    let first_with_rows = counties
        .iter()
        .position(|county| county.get("households").and_then(Value::as_u64).is_some_and(|n| n > 0))
        .unwrap_or_else(|| panic!("no county has a household"));
    if let Some(county) = counties.get_mut(first_with_rows) {
        county["households"] = Value::from(county["households"].as_u64().unwrap_or(0) - 1);
        county["counts"]["dibao_status"]["none"] =
            Value::from(county["counts"]["dibao_status"]["none"].as_u64().unwrap_or(0) + 1);
    }
    let province = report.get_mut("province").unwrap_or_else(|| panic!("no province"));
    province["rates"]["centralised_support"]["numerator"] = Value::from("987654");
    let problems = compare(&expected, &report);
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

fn check_report(
    label: &'static str,
    seed: u64,
    households: u64,
    bad_row_rate: f64,
    as_of: (i32, u32, u32),
    engine: EngineChoice,
) {
    let tmp = TempDir::new(label);
    let data = DataSet::generate(&tmp, seed, households, bad_row_rate, as_of);
    let expected = data.expected();
    assert!(expected.province.households > 0, "{label}: the oracle accepted no household");
    assert!(
        expected.counties.iter().any(|county| county.deep && county.totals.care_tekun > 0),
        "{label}: no deep-poverty county has a tekun person needing care: the rate is not exercised"
    );
    let report = data.run_pol(engine);
    let problems = compare(&expected, &report);
    assert!(problems.is_empty(), "{label}: {} differences from the oracle:\n{}", problems.len(), problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The data set, the oracle's rows and `pol run`

struct DataSet<'t> {
    tmp: &'t TempDir,
    as_of: (i32, u32, u32),
}

impl<'t> DataSet<'t> {
    fn generate(tmp: &'t TempDir, seed: u64, households: u64, bad_row_rate: f64, as_of: (i32, u32, u32)) -> Self {
        let jurisdictions = read_text(&shaanxi_dir().join("jurisdictions.csv"));
        let codes = county_codes_from_csv(&jurisdictions);
        let config = SynthConfig { households, seed, as_of, bad_row_rate, ..SynthConfig::default() };
        let create = |name: &str| {
            let path = tmp.path().join(name);
            File::create(&path).unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()))
        };
        generate(&config, &codes, create("households.csv"), create("persons.csv"), create("cases.csv"))
            .unwrap_or_else(|error| panic!("cannot generate: {error}"));
        DataSet { tmp, as_of }
    }

    fn input(&self, name: &str) -> std::path::PathBuf {
        self.tmp.path().join(name)
    }

    fn oracle_date(&self) -> oracle::Date {
        let (year, month, day) = self.as_of;
        u16::try_from(year)
            .ok()
            .zip(u8::try_from(month).ok())
            .zip(u8::try_from(day).ok())
            .and_then(|((year, month), day)| oracle::Date::from_ymd(year, month, day))
            .unwrap_or_else(|| panic!("{year}-{month}-{day} is not a date"))
    }

    /// Runs the oracle and computes the report from its rows.
    fn expected(&self) -> Expected {
        let oracle_dir = self.tmp.path().join("oracle");
        let jurisdictions_path = shaanxi_dir().join("jurisdictions.csv");
        oracle::run_files(
            &jurisdictions_path,
            &self.input("households.csv"),
            &self.input("persons.csv"),
            Some(&self.input("cases.csv")),
            self.oracle_date(),
            &oracle_dir,
        )
        .unwrap_or_else(|error| panic!("the oracle failed: {error}"));
        let jurisdictions = read_text(&jurisdictions_path);
        let params = oracle::resolve_params(&jurisdictions, self.oracle_date())
            .unwrap_or_else(|error| panic!("the oracle's parameters: {error}"));
        let rows = read_csv(&read_text(&oracle_dir.join("household_results.csv")));
        let persons = PersonTallies::of(&read_csv(&read_text(&self.input("persons.csv"))), self.oracle_date());
        aggregate(&jurisdictions, &params, &rows, &persons)
    }

    /// Runs `pol run` and reads its `report.json`.
    fn run_pol(&self, engine: EngineChoice) -> Value {
        let (year, month, day) = self.as_of;
        let as_of = pol_compiler::date::parse_iso(&format!("{year:04}-{month:02}-{day:02}"))
            .unwrap_or_else(|| panic!("bad as_of"));
        let out = self.tmp.path().join(format!("pol_{engine:?}"));
        let command = commands::run::RunCommand {
            policy: shaanxi_dir(),
            households: self.input("households.csv"),
            persons: Some(self.input("persons.csv")),
            cases: Some(self.input("cases.csv")),
            as_of,
            out: out.clone(),
            engine,
            threads: Some(2),
            timings: false,
            output_format: commands::run::OutputFormat::Csv,
            scenario: None,
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let status = commands::run::run(&command, ErrorFormat::Plain, &mut stdout, &mut stderr);
        assert_eq!(status, Status::Success, "{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
        serde_json::from_str(&read_text(&out.join("report.json")))
            .unwrap_or_else(|error| panic!("report.json is not JSON: {error}"))
    }
}

/// The rows of a CSV file the generator or the oracle wrote (no quoting), as header → field.
fn read_csv(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().map(|line| line.split(',').collect()).unwrap_or_default();
    lines
        .map(|line| header.iter().map(|name| name.to_string()).zip(line.split(',').map(str::to_string)).collect())
        .collect()
}

fn field<'r>(row: &'r HashMap<String, String>, name: &str) -> &'r str {
    row.get(name).map_or_else(|| panic!("no field `{name}` in {row:?}"), String::as_str)
}

fn integer(row: &HashMap<String, String>, name: &str) -> i128 {
    field(row, name).parse().unwrap_or_else(|error| panic!("`{name}` of {row:?}: {error}"))
}

/// `123.45` → 12345 fen (the oracle writes exactly two decimals).
fn fen(text: &str) -> i128 {
    scaled(text, 2).unwrap_or_else(|| panic!("`{text}` is not money"))
}

/// A decimal string of `report.json` scaled by `10^decimals`, exactly (`None` if it has more
/// decimals or is no number).
fn scaled(text: &str, decimals: u32) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if fraction.len() > decimals as usize || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let padding = 10i128.pow(decimals - fraction.len() as u32);
    let whole: i128 = whole.parse().ok()?;
    let fraction: i128 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    let value = whole * 10i128.pow(decimals) + fraction * padding;
    Some(if negative { -value } else { value })
}

// ---------------------------------------------------------------------------------------------
// The report recomputed

/// Per household: persons read, tekun persons, tekun persons needing full care (self_care =
/// none) and those of them in an institution, from the spec's rules over `persons.csv`.
struct PersonTallies {
    by_household: HashMap<String, [i128; 4]>,
}

impl PersonTallies {
    fn of(persons: &[HashMap<String, String>], as_of: oracle::Date) -> PersonTallies {
        let mut by_household: HashMap<String, [i128; 4]> = HashMap::new();
        for person in persons {
            let tally = by_household.entry(field(person, "household_id").to_string()).or_insert([0; 4]);
            tally[0] += 1;
            // A row the oracle rejects makes its household rejected too; its tally is never read.
            let Some(tekun) = is_tekun(person, as_of) else { continue };
            if tekun {
                tally[1] += 1;
                if field(person, "self_care") == "none" {
                    tally[2] += 1;
                    if field(person, "placement") == "institution" {
                        tally[3] += 1;
                    }
                }
            }
        }
        PersonTallies { by_household }
    }
}

/// The spec's `tekun(p)`: labor_capacity = none ∧ ¬has_income_source ∧ ¬has_capable_supporter ∧
/// ¬orphan(p) ∧ (age ≥ 60 ∨ age < 16 ∨ grade ∈ {1,2,3}); orphan(p) = orphan_status ≠ none ∧ age
/// < 18. `None` for a row that cannot be read.
fn is_tekun(person: &HashMap<String, String>, as_of: oracle::Date) -> Option<bool> {
    let age = oracle::Date::parse(person.get("birth_date")?).ok()?.age_on(as_of)?;
    let grade: u8 = person.get("disability_grade")?.parse().ok()?;
    let orphan = person.get("orphan_status")? != "none" && age < 18;
    Some(
        person.get("labor_capacity")? == "none"
            && person.get("has_income_source")? == "false"
            && person.get("has_capable_supporter")? == "false"
            && !orphan
            && (age >= 60 || age < 16 || (1..=3).contains(&grade)),
    )
}

/// The figures of one group.
#[derive(Debug, Clone, Default, PartialEq)]
struct Totals {
    households: u64,
    persons: i128,
    statuses: BTreeMap<String, u64>,
    tekun_members: i128,
    covered_persons: i128,
    /// Fen a month per money column.
    money: BTreeMap<&'static str, i128>,
    care_tekun: i128,
    centralised_tekun: i128,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.households += other.households;
        self.persons += other.persons;
        for (status, n) in &other.statuses {
            *self.statuses.entry(status.clone()).or_insert(0) += n;
        }
        self.tekun_members += other.tekun_members;
        self.covered_persons += other.covered_persons;
        for (name, total) in &other.money {
            *self.money.entry(name).or_insert(0) += total;
        }
        self.care_tekun += other.care_tekun;
        self.centralised_tekun += other.centralised_tekun;
    }
}

struct CountyTotals {
    code: String,
    name: String,
    city: String,
    city_name: String,
    deep: bool,
    totals: Totals,
}

struct Expected {
    counties: Vec<CountyTotals>,
    /// City code, name, and the indices of its counties, in order of first appearance.
    cities: Vec<(String, String, Vec<usize>)>,
    province: Totals,
}

fn aggregate(
    jurisdictions: &str,
    params: &oracle::ParamTable,
    rows: &[HashMap<String, String>],
    persons: &PersonTallies,
) -> Expected {
    let mut counties: Vec<CountyTotals> = read_csv(jurisdictions)
        .iter()
        .map(|row| CountyTotals {
            code: field(row, "county_code").to_string(),
            name: field(row, "county_name").to_string(),
            city: field(row, "city_code").to_string(),
            city_name: field(row, "city_name").to_string(),
            deep: field(row, "deep_poverty") == "true",
            totals: Totals::default(),
        })
        .collect();
    for row in rows {
        let code = field(row, "county_code");
        let county = counties
            .iter_mut()
            .find(|county| county.code == code)
            .unwrap_or_else(|| panic!("the oracle's row names an unknown county: {row:?}"));
        let household = household_totals(row, params, persons);
        county.totals.add(&household);
    }
    let mut cities: Vec<(String, String, Vec<usize>)> = Vec::new();
    for (index, county) in counties.iter().enumerate() {
        match cities.iter_mut().find(|(code, _, _)| *code == county.city) {
            Some((_, _, members)) => members.push(index),
            None => cities.push((county.city.clone(), county.city_name.clone(), vec![index])),
        }
    }
    let mut province = Totals::default();
    for county in &counties {
        province.add(&county.totals);
    }
    Expected { counties, cities, province }
}

/// One oracle row as the totals of a group of one household.
fn household_totals(row: &HashMap<String, String>, params: &oracle::ParamTable, persons: &PersonTallies) -> Totals {
    let id = field(row, "household_id");
    let status = field(row, "dibao_status").to_string();
    let members = integer(row, "members");
    let tekun = integer(row, "tekun_members");
    let [n_persons, n_tekun, care, centralised] =
        persons.by_household.get(id).copied().unwrap_or_else(|| panic!("household {id} has no person row"));
    assert_eq!((n_persons, n_tekun), (members, tekun), "household {id}: persons and tekun persons by the spec's rule");
    let money: BTreeMap<&'static str, i128> = MONEY_SUMS.iter().map(|name| (*name, fen(field(row, name)))).collect();
    let covered = match status.as_str() {
        "full" | "gradual_exit" => members - tekun,
        "single_person" => {
            let county = params
                .county_index(field(row, "county_code"))
                .and_then(|index| params.county(index))
                .unwrap_or_else(|| panic!("household {id}: no county parameters"));
            let monthly_standard = i128::from(oracle::div_fen(county.params.dibao_standard, 12));
            let base = money.get("dibao_base_monthly").copied().unwrap_or_else(|| panic!("no base"));
            assert_eq!(
                base % monthly_standard,
                0,
                "household {id}: a single-person base is a multiple of the standard"
            );
            base / monthly_standard
        }
        _ => 0,
    };
    Totals {
        households: 1,
        persons: members,
        statuses: BTreeMap::from([(status, 1)]),
        tekun_members: tekun,
        covered_persons: covered,
        money,
        care_tekun: care,
        centralised_tekun: centralised,
    }
}

/// `round(numerator × 10⁹ / denominator)`, half away from zero, for non-negative sums.
fn rate_of(numerator: i128, denominator: i128) -> i128 {
    (numerator * 2_000_000_000 + denominator) / (2 * denominator)
}

// ---------------------------------------------------------------------------------------------
// The comparison

/// Every difference between the recomputed figures and `report.json`.
fn compare(expected: &Expected, report: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let as_array = |key: &str| report.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let counties = as_array("counties");
    if counties.len() != expected.counties.len() {
        problems.push(format!("{} counties in the report, {} expected", counties.len(), expected.counties.len()));
    }
    for (county, json) in expected.counties.iter().zip(&counties) {
        let label = format!("county {}", county.code);
        check_eq(&mut problems, &label, "code", json.get("code"), &Value::from(county.code.as_str()));
        check_eq(&mut problems, &label, "name", json.get("name"), &Value::from(county.name.as_str()));
        check_eq(&mut problems, &label, "city", json.get("city"), &Value::from(county.city.as_str()));
        let rate = county.deep.then_some((county.totals.centralised_tekun, county.totals.care_tekun));
        compare_totals(&mut problems, &label, &county.totals, rate, json);
    }
    let cities = as_array("cities");
    if cities.len() != expected.cities.len() {
        problems.push(format!("{} cities in the report, {} expected", cities.len(), expected.cities.len()));
    }
    for ((code, name, members), json) in expected.cities.iter().zip(&cities) {
        let label = format!("city {code}");
        check_eq(&mut problems, &label, "code", json.get("code"), &Value::from(code.as_str()));
        check_eq(&mut problems, &label, "name", json.get("name"), &Value::from(name.as_str()));
        let mut totals = Totals::default();
        let mut rate: Option<(i128, i128)> = None;
        for county in members.iter().filter_map(|index| expected.counties.get(*index)) {
            totals.add(&county.totals);
            if county.deep {
                let (numerator, denominator) = rate.unwrap_or((0, 0));
                rate = Some((numerator + county.totals.centralised_tekun, denominator + county.totals.care_tekun));
            }
        }
        compare_totals(&mut problems, &label, &totals, rate, json);
    }
    let Some(province) = report.get("province") else {
        problems.push("the report has no province".to_string());
        return problems;
    };
    let deep = expected.counties.iter().filter(|county| county.deep);
    let rate = deep.fold(None, |rate: Option<(i128, i128)>, county| {
        let (numerator, denominator) = rate.unwrap_or((0, 0));
        Some((numerator + county.totals.centralised_tekun, denominator + county.totals.care_tekun))
    });
    compare_totals(&mut problems, "province", &expected.province, rate, province);
    let dibao_annual = expected.province.money.get("dibao_monthly").copied().unwrap_or_default() * 12;
    let budget = province.get("budgets").and_then(|budgets| budgets.get(0));
    let money_of = |key: &str| budget.and_then(|line| line.get(key)).and_then(Value::as_str).and_then(|t| scaled(t, 2));
    if money_of("computed_annual") != Some(dibao_annual) || money_of("budget_annual") != Some(DIBAO_BUDGET_FEN) {
        problems.push(format!("province: budget line {budget:?}, expected computed {dibao_annual} fen a year"));
    }
    problems
}

fn check_eq(problems: &mut Vec<String>, label: &str, what: &str, actual: Option<&Value>, expected: &Value) {
    if actual != Some(expected) {
        problems.push(format!("{label}: {what} is {actual:?}, expected {expected}"));
    }
}

/// Compares one group's households, persons, counts, sums and rate (`None`: the group has no
/// county passing the rate's `where`, so no rate entry).
fn compare_totals(problems: &mut Vec<String>, label: &str, totals: &Totals, rate: Option<(i128, i128)>, json: &Value) {
    check_eq(problems, label, "households", json.get("households"), &Value::from(totals.households));
    check_eq(problems, label, "persons", json.get("persons"), &Value::from(totals.persons as i64));
    for status in STATUSES {
        let expected = totals.statuses.get(status).copied().unwrap_or(0);
        let actual = json.get("counts").and_then(|counts| counts.get("dibao_status")).and_then(|c| c.get(status));
        check_eq(problems, label, &format!("count dibao_status = {status}"), actual, &Value::from(expected));
    }
    let sums = json.get("sums");
    for (name, expected) in [
        ("members", totals.persons),
        ("covered_persons", totals.covered_persons),
        ("tekun_members", totals.tekun_members),
    ] {
        let actual = sums.and_then(|sums| sums.get(name)).and_then(|sum| sum.get("total"));
        check_eq(problems, label, &format!("sum {name}"), actual, &Value::from(expected as i64));
    }
    for name in MONEY_SUMS {
        let monthly = totals.money.get(name).copied().unwrap_or(0);
        let sum = sums.and_then(|sums| sums.get(name));
        let read =
            |key: &str| sum.and_then(|sum| sum.get(key)).and_then(Value::as_str).and_then(|text| scaled(text, 2));
        if read("monthly") != Some(monthly) || read("annual") != Some(monthly * 12) {
            problems.push(format!("{label}: sum {name} is {sum:?}, expected {monthly} fen a month, × 12 a year"));
        }
    }
    let actual = json.get("rates").and_then(|rates| rates.get("centralised_support"));
    match (rate, actual) {
        (None, None) => {}
        (None, Some(actual)) => problems.push(format!("{label}: a rate {actual} where no county passes `where`")),
        (Some(_), None) => problems.push(format!("{label}: no rate, but a county passes `where`")),
        (Some((numerator, denominator)), Some(actual)) => {
            let text = |key: &str| actual.get(key).and_then(Value::as_str);
            let expected_rate = (denominator != 0).then(|| rate_of(numerator, denominator));
            let actual_rate = match actual.get("rate") {
                Some(Value::Null) => None,
                Some(Value::String(text)) => scaled(text, 9),
                _ => Some(i128::MIN),
            };
            let flagged = expected_rate.is_some_and(|rate| rate < CENTRALISED_BELOW);
            let fine = text("numerator") == Some(numerator.to_string().as_str())
                && text("denominator") == Some(denominator.to_string().as_str())
                && actual_rate == expected_rate
                && actual.get("flagged") == Some(&Value::from(flagged))
                && text("below").and_then(|below| scaled(below, 9)) == Some(CENTRALISED_BELOW);
            if !fine {
                problems.push(format!(
                    "{label}: rate {actual}, expected {numerator} / {denominator} = {expected_rate:?} (× 10⁻⁹), \
                     flagged {flagged}"
                ));
            }
        }
    }
}
