//! The typed IR of small programs: operations chosen, literal words, desugaring, order, slots,
//! parameters, outputs and the report.

use super::{program, program_of};
use pol_compiler::tir::{Expr, ExprKind, Program, RuleId, RuleRole, Ty};
use pol_grammar::ast::{EntityKind, Level, Period, ReportLevel};

/// An expression as an s-expression: constants with their type unless int.
fn show(program: &Program, expr: &Expr) -> String {
    let show = |expr: &Expr| self::show(program, expr);
    match &expr.kind {
        ExprKind::Const(word) if expr.ty == Ty::Int => word.to_string(),
        ExprKind::Const(word) => format!("{word}:{:?}", expr.ty),
        ExprKind::Column(entity, column) => {
            let name =
                program.schema(*entity).columns.get(column.0 as usize).map_or("?", |column| column.name.as_str());
            format!("{}.{name}", entity.keyword())
        }
        ExprKind::Rule(rule) => format!("rule:{}", program.rule(*rule).map_or("?", |rule| rule.name.as_str())),
        ExprKind::Param(param) => {
            format!("param:{}", program.params.get(param.0 as usize).map_or("?", |param| param.name.as_str()))
        }
        ExprKind::CountyAttr(attr) => {
            format!("county.{}", program.jurisdiction.attrs.get(attr.0 as usize).map_or("?", |a| a.name.as_str()))
        }
        ExprKind::AsOf => "as_of".into(),
        ExprKind::Unary(op, operand) => format!("({op:?} {})", show(operand)),
        ExprKind::Binary(op, left, right) => format!("({op:?} {} {})", show(left), show(right)),
        ExprKind::If(cond, then, otherwise) => format!("(If {} {} {})", show(cond), show(then), show(otherwise)),
        ExprKind::Match(scrutinee, arms) => {
            let arms: Vec<String> =
                arms.iter().map(|(pattern, value)| format!("{pattern:?} => {}", show(value))).collect();
            format!("(Match {} {})", show(scrutinee), arms.join(", "))
        }
        ExprKind::Aggregate { kind, filter, value } => {
            let filter = filter.as_deref().map_or("-".into(), show);
            let value = value.as_deref().map_or("-".into(), show);
            format!("({kind:?} {filter} {value})")
        }
        ExprKind::Mask(text) => format!("(Mask {})", show(text)),
        ExprKind::Periodic(read, operand) => format!("({} {})", read.name(), show(operand)),
        ExprKind::Scale(kind, scale, x) => {
            let name = program.scales.get(scale.0 as usize).map_or("?", |scale| scale.name.as_str());
            format!("({kind:?} scale:{name} {})", show(x))
        }
        ExprKind::LastYear(param) => format!("(LastYear {})", param.0),
        ExprKind::Province(param) => format!("(Province {})", param.0),
        ExprKind::OtherScale(other, kind, scale, x) => {
            let name = program.scales.get(scale.0 as usize).map_or("?", |scale| scale.name.as_str());
            format!("({kind:?} {other:?} scale:{name} {})", show(x))
        }
    }
}

/// A rule by name.
fn find(program: &Program, name: &str) -> Result<RuleId, String> {
    program
        .rules
        .iter()
        .position(|rule| rule.name == name)
        .map(|index| RuleId(index as u32))
        .ok_or_else(|| format!("no rule `{name}`"))
}

/// A rule's body and type.
fn rule(program: &Program, name: &str) -> Result<String, String> {
    let rule = program.rule(find(program, name)?).ok_or("rule")?;
    Ok(format!("{} : {:?}", show(program, &rule.body), rule.ty))
}

/// Asserts the shown form of each named rule.
fn assert_rules(program: &Program, expected: &[(&str, &str)]) -> Result<(), String> {
    for (name, shown) in expected {
        assert_eq!(rule(program, name)?, *shown, "rule `{name}`");
    }
    Ok(())
}

#[test]
fn arithmetic_picks_the_operation_and_literals_their_unit() -> Result<(), String> {
    let program = program(
        r#"
household {
  household_id: key
  annual_income: 元/年
}
param dibao_standard: 元/年 { = 4860 }
household share: ratio = 15%
household amount: 元/月 = 80 元/月
household monthly: 元/月 = dibao_standard as 元/月
household yearly = monthly as 元/年
household gap = monthly - annual_income as 元/月
household poor: bool = gap > 0
household half: 元/月 = monthly * 50%
household twice = 2 * monthly
household per_person = monthly / 3
household scaled = monthly / 1.5
household ratio_of = monthly / amount
household int_ratio = 3 / 4
household ratio_int = 3 as ratio
household exact = 3 * share
household neg = -5
household hint: 元/月 = 100 + 0.5
household smallest = min(monthly, amount, 100)
"#,
    )?;
    assert_rules(
        &program,
        &[
            ("share", "150000000:Ratio : Ratio"),
            ("amount", "8000:Money(Month) : Money(Month)"),
            ("monthly", "(DivRound param:dibao_standard 12) : Money(Month)"),
            ("yearly", "(Mul rule:monthly 12) : Money(Year)"),
            ("gap", "(Sub rule:monthly (DivRound household.annual_income 12)) : Money(Month)"),
            ("poor", "(Gt rule:gap 0:Money(Month)) : Bool"),
            ("half", "(MulScaled rule:monthly 500000000:Ratio) : Money(Month)"),
            ("twice", "(Mul 2 rule:monthly) : Money(Month)"),
            ("per_person", "(DivRound rule:monthly 3) : Money(Month)"),
            ("scaled", "(DivScaled rule:monthly 1500000000:Ratio) : Money(Month)"),
            ("ratio_of", "(DivScaled rule:monthly rule:amount) : Ratio"),
            ("int_ratio", "(DivScaled 3 4) : Ratio"),
            ("ratio_int", "(Mul 3 1000000000) : Ratio"),
            ("exact", "(Mul 3 rule:share) : Ratio"),
            ("neg", "-5 : Int"),
            ("hint", "(Add 10000:Money(Month) 50:Money(Month)) : Money(Month)"),
            ("smallest", "(Min rule:monthly (Min rule:amount 10000:Money(Month))) : Money(Month)"),
        ],
    )?;
    let param = program.params.first().ok_or("a parameter")?;
    assert_eq!(
        param.values.first().map(|(from, value)| (*from, show(&program, value))),
        Some((None, "486000:Money(Year)".into()))
    );
    Ok(())
}

#[test]
fn enums_sets_and_matches_desugar() -> Result<(), String> {
    let program = program(
        r#"
enum LaborCapacity { full, partial, none }
enum Band { young, mid, old }
person {
  person_id: key
  name: text
  grade: int 0..4 = 0
  labor_capacity: LaborCapacity = full
  birth_date: date
}
person severe: bool = grade in 1..2
person weak: bool = labor_capacity in [partial, LaborCapacity.none]
person common: bool = name in ["王", "李"]
person years: int = age(birth_date)
person band: Band = match years { 0..17 => young, 18..59 => mid, 60.. => old, _ => young }
person grade_band: int = match grade { 0 => 0, 1..2 => 1, 3..4 => 2 }
person care: ratio = match labor_capacity { full => 10%, LaborCapacity.partial => 15%, none => 25% }
person shown = mask(name)
person level: LaborCapacity = if severe { none } else if grade > 2 { partial } else { full }
person not_none: bool = none != labor_capacity
"#,
    )?;
    assert_rules(
        &program,
        &[
            ("severe", "(And (Ge person.grade 1) (Le person.grade 2)) : Bool"),
            (
                "weak",
                "(Or (Eq person.labor_capacity 1:Enum(EnumId(0))) (Eq person.labor_capacity 2:Enum(EnumId(0)))) : Bool",
            ),
            ("common", "(Or (TextEq person.name 0:Text) (TextEq person.name 1:Text)) : Bool"),
            ("years", "(YearsBetween person.birth_date as_of) : Int"),
            (
                "band",
                "(Match rule:years Range(0, Some(17)) => 0:Enum(EnumId(1)), Range(18, Some(59)) => 1:Enum(EnumId(1)), \
                 Range(60, None) => 2:Enum(EnumId(1)), Any => 0:Enum(EnumId(1))) : Enum(EnumId(1))",
            ),
            ("grade_band", "(Match person.grade Eq(0) => 0, Range(1, Some(2)) => 1, Range(3, Some(4)) => 2) : Int"),
            (
                "care",
                "(Match person.labor_capacity Eq(0) => 100000000:Ratio, Eq(1) => 150000000:Ratio, Eq(2) => 250000000:Ratio) : Ratio",
            ),
            ("shown", "(Mask person.name) : Text"),
            (
                "level",
                "(If rule:severe 2:Enum(EnumId(0)) (If (Gt person.grade 2) 1:Enum(EnumId(0)) 0:Enum(EnumId(0)))) : Enum(EnumId(0))",
            ),
            ("not_none", "(Ne 2:Enum(EnumId(0)) person.labor_capacity) : Bool"),
        ],
    )?;
    assert_eq!(program.texts, vec!["王".to_string(), "李".to_string()]);
    Ok(())
}

#[test]
fn aggregates_range_over_the_households_persons_from_any_scope() -> Result<(), String> {
    let program = program(
        r#"
household { household_id: key, annual_income: 元/年 }
person { person_id: key, household_id: household, grade: int = 0 }
case { case_id: key, household_id: household, amount: 元 }
household n_disabled: int = count(members where disabled)
person disabled: bool = grade > 0
person share: ratio = 1 / n_disabled
person others: int = count(members where not disabled)
household any_disabled: bool = any(members where disabled)
household all_disabled: bool = all(members, disabled)
household total_grade: int = sum(members, grade)
household max_grade: int = max(members where disabled, grade)
household nested: int = sum(members, count(members where grade > 0))
household head_grade: int = first(members, grade)
case big: bool = amount > 1000 and n_disabled > 0
"#,
    )?;
    assert_rules(
        &program,
        &[
            ("n_disabled", "(Count rule:disabled -) : Int"),
            ("share", "(DivRound 1000000000:Ratio rule:n_disabled) : Ratio"),
            ("others", "(Count (Not rule:disabled) -) : Int"),
            ("any_disabled", "(Any rule:disabled -) : Bool"),
            ("all_disabled", "(All - rule:disabled) : Bool"),
            ("total_grade", "(Sum - person.grade) : Int"),
            ("max_grade", "(Max rule:disabled person.grade) : Int"),
            ("nested", "(Sum - (Count (Gt person.grade 0) -)) : Int"),
            ("head_grade", "(First - person.grade) : Int"),
            ("big", "(And (Gt case.amount 100000:Money(Lump)) (Gt rule:n_disabled 0)) : Bool"),
        ],
    )?;
    let position = |name: &str| -> Result<usize, String> {
        let id = find(&program, name)?;
        program.order.iter().position(|known| *known == id).ok_or_else(|| format!("`{name}` is ordered"))
    };
    assert!(position("disabled")? < position("n_disabled")?);
    assert!(position("n_disabled")? < position("share")?);
    assert!(position("n_disabled")? < position("big")?);
    Ok(())
}

#[test]
fn validations_first_then_dependencies_by_declaration_order_with_slots_per_entity() -> Result<(), String> {
    let program = program(
        r#"
household {
  household_id: key
  income: 元/年
  require income >= 0 "收入不能为负"
}
person {
  person_id: key
  household_id: household
  birth_date: date
  require birth_date <= as_of "出生日期晚于评估日期"
}
household b: int = a + 1
household a: int = count(members)
person p: int = b
"#,
    )?;
    let names: Vec<&str> = program.rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(names, vec!["household.require1", "person.require1", "b", "a", "p"]);
    let order: Vec<u32> = program.order.iter().map(|id| id.0).collect();
    assert_eq!(order, vec![0, 1, 3, 2, 4]);
    let slots: Vec<(EntityKind, u32)> = program.rules.iter().map(|rule| (rule.entity, rule.slot)).collect();
    use EntityKind::{Household, Person};
    assert_eq!(slots, vec![(Household, 0), (Person, 0), (Household, 1), (Household, 2), (Person, 1)]);
    let roles: Vec<RuleRole> = program.rules.iter().take(2).map(|rule| rule.role.clone()).collect();
    assert_eq!(
        roles,
        vec![
            RuleRole::Validation { message: Some("收入不能为负".into()), field: Some("income".into()) },
            RuleRole::Validation {
                message: Some("出生日期晚于评估日期".into()), field: Some("birth_date".into())
            },
        ]
    );
    assert_eq!(program.n_rules(Household), 3);
    Ok(())
}

#[test]
fn parameters_sort_their_values_and_keep_their_constraints() -> Result<(), String> {
    let program = program(
        r#"
jurisdictions { county_code: key, city_code: city }
param poverty_line: 元/年 {
  set by province
  from 2019-01-01 = 3218
  from 2018-01-01 = 3100
}
param dibao_standard: 元/年 {
  set by city, county
  from 2019-01-01 = 4000
  = poverty_line * 1.08
  require dibao_standard >= 1.08 * last_year(dibao_standard) "提高不低于8%"
  require dibao_standard > province(poverty_line)
}
"#,
    )?;
    let [poverty, dibao] = program.params.as_slice() else { return Err("two parameters".into()) };
    let day = |year, month, day| pol_compiler::date::from_ymd(year, month, day);
    let values: Vec<(Option<i64>, String)> =
        poverty.values.iter().map(|(from, value)| (*from, show(&program, value))).collect();
    assert_eq!(
        values,
        vec![(day(2018, 1, 1), "310000:Money(Year)".into()), (day(2019, 1, 1), "321800:Money(Year)".into())]
    );
    assert!(poverty.set_by.is_empty());
    assert_eq!(dibao.set_by, vec![Level::City, Level::County]);
    let values: Vec<(Option<i64>, String)> =
        dibao.values.iter().map(|(from, value)| (*from, show(&program, value))).collect();
    assert_eq!(
        values,
        vec![
            (None, "(MulScaled param:poverty_line 1080000000:Ratio)".into()),
            (day(2019, 1, 1), "400000:Money(Year)".into())
        ]
    );
    let requires: Vec<(String, Option<String>)> =
        dibao.requires.iter().map(|require| (show(&program, &require.cond), require.message.clone())).collect();
    assert_eq!(
        requires,
        vec![
            ("(Ge param:dibao_standard (MulScaled 1080000000:Ratio (LastYear 1)))".into(), Some("提高不低于8%".into())),
            ("(Gt param:dibao_standard (Province 0))".into(), None),
        ]
    );
    Ok(())
}

#[test]
fn outputs_reuse_rules_and_hide_the_rest_and_the_report_resolves() -> Result<(), String> {
    let pol = r#"
jurisdictions { county_code: key, city_code: city, deep_poverty: bool }
enum Status { none, full }
household { household_id: key, county_code: county, village: text, income: 元/年 }
household status: Status = if income > 0 { none } else { full }
household monthly: 元/月 = income as 元/月
household covered: int = 1
output results for household {
  household_id
  county_code
  city_code = county.city_code
  status
  monthly
}
output publication for household where status != none { village, monthly }
report for results {
  by county, city, province
  count status
  sum monthly, covered
  budget monthly "预算" 100 元/月
  rate r = covered / covered where county.deep_poverty below 50%
}
"#;
    let program = program_of(&[pol], Some("county_code,city_code,deep_poverty\n610802,610800,false\n"))?;
    let [results, publication] = program.outputs.as_slice() else { return Err("two outputs".into()) };
    let columns: Vec<(String, String)> =
        results.columns.iter().map(|(name, rule)| (name.clone(), rule_name(&program, *rule))).collect();
    let expected = [
        ("household_id", "results.household_id"),
        ("county_code", "results.county_code"),
        ("city_code", "results.city_code"),
        ("status", "status"),
        ("monthly", "monthly"),
    ];
    assert_eq!(columns, expected.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
    assert_rules(
        &program,
        &[
            ("results.household_id", "household.household_id : Text"),
            ("results.county_code", "county.county_code : Text"),
            ("results.city_code", "county.city_code : Text"),
            ("publication.where", "(Ne rule:status 0:Enum(EnumId(0))) : Bool"),
            ("publication.village", "household.village : Text"),
        ],
    )?;
    assert_eq!(publication.filter.map(|rule| rule_name(&program, rule)), Some("publication.where".into()));
    assert!(program.rules.iter().filter(|rule| rule.name.contains('.')).all(|rule| rule.role == RuleRole::Hidden));
    let report = program.report.as_ref().ok_or("a report")?;
    assert_eq!(report.table, 0);
    assert_eq!(report.levels, vec![ReportLevel::County, ReportLevel::City, ReportLevel::Province]);
    assert_eq!((report.counts.clone(), report.sums.clone()), (vec![3], vec![4, 5]));
    assert_eq!(report.extra_columns, vec![("covered".to_string(), find(&program, "covered")?)]);
    assert_eq!(report.budgets, vec![(4, "预算".to_string(), 120_000)]);
    let [rate] = report.rates.as_slice() else { return Err("one rate".into()) };
    assert_eq!((rate.name.as_str(), rate.numerator, rate.denominator, rate.below), ("r", 5, 5, Some(500_000_000)));
    assert_eq!(rate.filter.as_ref().map(|filter| show(&program, filter)), Some("county.deep_poverty".into()));
    Ok(())
}

fn rule_name(program: &Program, rule: RuleId) -> String {
    program.rule(rule).map_or("?".into(), |rule| rule.name.clone())
}

#[test]
fn declarations_may_come_in_any_file_and_order() -> Result<(), String> {
    let first = "household doubled: int = base * 2\nhousehold kind: Kind = first_kind";
    let second = "enum Kind { a, b }\nhousehold base = 21\nhousehold first_kind: Kind = b";
    let program = program_of(&[first, second], None)?;
    assert_rules(&program, &[("doubled", "(Mul rule:base 2) : Int"), ("kind", "rule:first_kind : Enum(EnumId(0))")])?;
    let order: Vec<String> = program.order.iter().map(|id| rule_name(&program, *id)).collect();
    assert_eq!(order, vec!["base", "doubled", "first_kind", "kind"]);
    Ok(())
}

#[test]
fn program_new_keeps_the_invariants() {
    let checked = program(
        "household {\n  id: key\n}\nhousehold a: int = 1\nhousehold b: int = a + 1\noutput t for household { a\n  b }",
    );
    assert!(checked.is_ok(), "{checked:?}");
    let Ok(checked) = checked else { return };
    assert_eq!(Program::new(checked.clone()).as_ref(), Ok(&checked));
    let error = |parts| Program::new(parts).err().map(|error| error.to_string());

    let mut parts = checked.clone();
    parts.rules.iter_mut().for_each(|rule| rule.slot = 0);
    assert_eq!(error(parts), Some("rule `b` has slot 0, not 1".to_string()));

    let mut parts = checked.clone();
    parts.order.pop();
    assert!(error(parts).is_some_and(|message| message.ends_with("is not in the order")));

    let mut parts = checked.clone();
    parts.order.push(RuleId(0));
    assert_eq!(error(parts), Some("rule 0 is twice in the order".to_string()));

    let mut parts = checked;
    parts.order.push(RuleId(99));
    assert_eq!(error(parts), Some("the order names rule 99, which does not exist".to_string()));
}

#[test]
fn programs_name_household_money_rules_in_declaration_order_and_the_visit_list() {
    let program = program(
        "household {\n  household_id: key\n  on_dibao: bool = false\n}\nperson {\n  person_id: key\n  household_id: household\n}\n\
         household basic: 元/月 = 100.00\nhousehold care: 元/月 = 50.00\nhousehold needs_visit: bool = on_dibao\n\
         program tekun \"特困人员救助供养\" = basic + care\nprogram dibao \"农村最低生活保障\" = basic\nvisit = needs_visit",
    )
    .unwrap_or_else(|errors| panic!("{errors}"));
    let rule = |name: &str| RuleId(program.rules.iter().position(|rule| rule.name == name).unwrap() as u32);
    let programs: Vec<(&str, &str, Vec<RuleId>)> =
        program.programs.iter().map(|paid| (paid.id.as_str(), paid.name.as_str(), paid.rules.clone())).collect();
    assert_eq!(
        programs,
        vec![
            ("tekun", "特困人员救助供养", vec![rule("basic"), rule("care")]),
            ("dibao", "农村最低生活保障", vec![rule("basic")])
        ]
    );
    assert_eq!(program.visit, Some(rule("needs_visit")));
    // The JIT stores what reconcile reads.
    let read = program.output_rules();
    for name in ["basic", "care", "needs_visit"] {
        assert!(read.contains(&rule(name)), "{name} is read");
    }
}

#[test]
fn scales_keep_their_dated_brackets_and_type_their_application() -> Result<(), String> {
    let program = program(
        r#"
household { household_id: key, income: 元/年 = 0, age: int = 0 }
param tax: scale(元/年, ratio) {
  from 2019-01-01 = [0: 3%, 12000: 10%]
  from 2020-01-01 = [0: 2%, 6000 元/年: 6%, 12400: 12%]
  from 2021-01-01 = none
}
param bands: scale(int, 元/月) {
  = [80: 100, 90: 200.50]
}
household t: 元/年 = marginal(tax, income)
household r: ratio = bracket(tax, income)
household b: 元/月 = bracket(bands, age)
"#,
    )?;
    let [tax, bands] = program.scales.as_slice() else { return Err("two scales".into()) };
    let day = |year, month, day| pol_compiler::date::from_ymd(year, month, day);
    let versions: Vec<(Option<i64>, Option<Vec<(i64, i64)>>)> =
        tax.versions
            .iter()
            .map(|version| {
                let pairs = version.brackets.as_ref().map(|brackets| {
                    brackets.iter().map(|bracket| (bracket.threshold, bracket.value)).collect::<Vec<_>>()
                });
                (version.from, pairs)
            })
            .collect();
    let percent = |p: i64| p * 10_000_000;
    assert_eq!(
        versions,
        vec![
            (day(2019, 1, 1), Some(vec![(0, percent(3)), (1_200_000, percent(10))])),
            (day(2020, 1, 1), Some(vec![(0, percent(2)), (600_000, percent(6)), (1_240_000, percent(12))])),
            (day(2021, 1, 1), None),
        ]
    );
    assert_eq!((tax.threshold_ty, tax.value_ty), (Ty::Money(Period::Year), Ty::Ratio));
    assert_eq!((bands.threshold_ty, bands.value_ty), (Ty::Int, Ty::Money(Period::Month)));
    let bodies: Vec<String> =
        program.rules.iter().map(|rule| format!("{}: {}", rule.name, show(&program, &rule.body))).collect();
    assert_eq!(
        bodies,
        [
            "t: (Marginal scale:tax household.income)",
            "r: (Bracket scale:tax household.income)",
            "b: (Bracket scale:bands household.age)"
        ]
    );
    Ok(())
}
