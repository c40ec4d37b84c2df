//! `report.html` of `pol run`: the report's figures ([`RunReport`], filled by `report.rs` from
//! the same totals as `report.md`, and the row counts by the pipeline's writer) as a page: a
//! header with the policy, the as-of date and the rows accepted and rejected; the province's
//! totals, rates and budget lines; then per city and per county, charts of households and of the
//! largest monthly money column, and sortable tables of every figure with the province's total
//! as a footer.

use pol_compiler::tir::Currency;
use pol_grammar::ast::Period;

use super::chart::BarChart;
use super::markup::{integer_text, money_text};
use super::page::Page;
use super::table::{Cell, Column, SortableTable};

/// Everything `report.html` shows; plain data, no IR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The policy's name (its directory), if known.
    pub policy: Option<String>,
    /// The output table the report adds up.
    pub table: String,
    /// The as-of date (`2019-07-01`).
    pub as_of: String,
    /// Rows read, accepted and rejected per input file.
    pub inputs: Vec<InputRows>,
    /// The report's levels in the policy's order.
    pub levels: Vec<LevelFigures>,
    /// The province's budget lines.
    pub budgets: Vec<BudgetLine>,
    /// The policy's currency, in every money header (`元` unless it declares another).
    pub currency: Currency,
}

/// The rows of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRows {
    /// What a row is (`住户`, `人员`, `个案`).
    pub label: String,
    /// Data rows read.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows rejected.
    pub rejected: u64,
}

/// A level of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelKind {
    /// Per county.
    County,
    /// Per city.
    City,
    /// The province.
    Province,
}

/// One level's figures: the columns, then a row per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelFigures {
    /// Which level.
    pub kind: LevelKind,
    /// Whether groups have a persons total.
    pub has_persons: bool,
    /// The labels of the counted values (`农村低保认定结果:full`).
    pub counts: Vec<String>,
    /// The summed columns.
    pub figures: Vec<FigureColumn>,
    /// The groups in the report's order.
    pub groups: Vec<GroupFigures>,
    /// The rate indicators.
    pub rates: Vec<RateFigures>,
}

/// A summed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureColumn {
    /// Its label (the rule's doc comment, else its name).
    pub label: String,
    /// Its unit.
    pub unit: FigureUnit,
}

/// The unit of a summed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureUnit {
    /// 元 per month.
    MoneyMonthly,
    /// 元 per year.
    MoneyAnnual,
    /// 元, once.
    Money,
    /// A plain number.
    Plain,
}

/// One exact figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    /// Money in fen.
    Money(i128),
    /// An integer.
    Integer(i128),
    /// Any other number, as written (a ratio sum).
    Text(String),
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFigures {
    /// The county or city code (empty for the province).
    pub code: String,
    /// Its name (may be empty).
    pub name: String,
    /// Households (rows of the table).
    pub households: u64,
    /// Persons, when the report sums `members`.
    pub persons: Option<i128>,
    /// Rows per counted value, in [`LevelFigures::counts`]' order.
    pub counts: Vec<u64>,
    /// The sums, in [`LevelFigures::figures`]' order.
    pub figures: Vec<Figure>,
}

/// A rate indicator at one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateFigures {
    /// The rate's name.
    pub name: String,
    /// How it is computed (`Σ 其中集中供养的人数 ÷ Σ …`).
    pub note: String,
    /// The numerator's label.
    pub numerator: String,
    /// The denominator's label.
    pub denominator: String,
    /// A row per group its `where` selects.
    pub rows: Vec<RateRow>,
}

/// A rate of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    /// The group's code.
    pub code: String,
    /// The group's name.
    pub name: String,
    /// Σ numerator.
    pub numerator: Figure,
    /// Σ denominator.
    pub denominator: Figure,
    /// The rate as written (`33.3333333%`) and its ratio word (the sort key); `None` when the
    /// denominator is 0.
    pub rate: Option<(String, i128)>,
    /// The flag (`低于 50%`), if the rate is below its threshold.
    pub flag: Option<String>,
}

/// A budget line beside the computed annual total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    /// The line's label.
    pub label: String,
    /// The column it budgets.
    pub column: String,
    /// The budget (fen per year).
    pub budget: i128,
    /// The computed annual total (fen).
    pub computed: i128,
}

/// The page.
pub fn render_run_page(report: &RunReport) -> String {
    let mut page = Page::new(&run_title(report));
    run_facts(&mut page, report);
    run_sections(&mut page, report);
    page.render()
}

/// The title of a run's page (`shaanxi 汇总报告`).
pub(super) fn run_title(report: &RunReport) -> String {
    match &report.policy {
        Some(policy) => format!("{policy} 汇总报告"),
        None => format!("{} 汇总报告", report.table),
    }
}

/// The header facts of a run: policy, as-of date, output table, rows read per input.
pub(super) fn run_facts(page: &mut Page, report: &RunReport) {
    if let Some(policy) = &report.policy {
        page.fact("政策", policy);
    }
    page.fact("计算基准日", &report.as_of);
    page.fact("输出表", &report.table);
    for input in &report.inputs {
        let counts = format!(
            "读入 {} · 接受 {} · 拒绝 {}",
            integer_text(input.read.into()),
            integer_text(input.accepted.into()),
            integer_text(input.rejected.into())
        );
        page.fact(&input.label, &counts);
    }
}

/// The run's sections: the province, then per city and per county.
pub(super) fn run_sections(page: &mut Page, report: &RunReport) {
    let province = report.levels.iter().find(|level| level.kind == LevelKind::Province);
    if let Some(level) = province {
        province_section(page, level, &report.budgets, report.currency);
    }
    for kind in [LevelKind::City, LevelKind::County] {
        if let Some(level) = report.levels.iter().find(|level| level.kind == kind) {
            level_section(page, level, province.and_then(|province| province.groups.first()), report.currency);
        }
    }
    page.note("拒绝的行及原因见同一目录下的 rejects.csv;本页数字与 report.md、report.json 相同。");
}

fn level_word(kind: LevelKind) -> &'static str {
    match kind {
        LevelKind::County => "县区",
        LevelKind::City => "设区市",
        LevelKind::Province => "全省",
    }
}

/// A column's header with its unit.
fn figure_header(column: &FigureColumn, currency: Currency) -> String {
    match column.unit {
        FigureUnit::MoneyMonthly => format!("{}({})", column.label, currency.unit(Period::Month)),
        FigureUnit::MoneyAnnual => format!("{}({})", column.label, currency.unit(Period::Year)),
        FigureUnit::Money => format!("{}({})", column.label, currency.name()),
        FigureUnit::Plain => column.label.clone(),
    }
}

fn figure_cell(figure: &Figure) -> Cell {
    match figure {
        Figure::Money(fen) => Cell::money(*fen),
        Figure::Integer(value) => Cell::integer(*value),
        Figure::Text(text) => Cell::text(text.clone()),
    }
}

/// The province: its counts and its sums side by side (money per month beside its annual
/// total), its rates and its budget lines.
fn province_section(page: &mut Page, level: &LevelFigures, budgets: &[BudgetLine], currency: Currency) {
    let (lump, yearly) = (currency.name(), currency.unit(Period::Year));
    page.heading("全省");
    if let Some(group) = level.groups.first() {
        let mut counts = SortableTable::new("户数与人数", vec![Column::text("项目"), Column::number("数值")]);
        counts.row(vec![Cell::text("户数"), Cell::count(group.households)]);
        if let Some(persons) = group.persons {
            counts.row(vec![Cell::text("人数"), Cell::integer(persons)]);
        }
        for (label, count) in level.counts.iter().zip(&group.counts) {
            counts.row(vec![Cell::text(format!("户数:{label}")), Cell::count(*count)]);
        }
        let columns = vec![
            Column::text("项目"),
            Column::number(&format!("每月({lump})")),
            Column::number(&format!("全年({lump})")),
        ];
        let mut money = SortableTable::new("金额合计", columns);
        let mut figures = level.figures.iter().zip(&group.figures).peekable();
        while let Some((column, figure)) = figures.next() {
            match column.unit {
                FigureUnit::MoneyMonthly => {
                    // The next column is this one's annual total.
                    let annual = figures.next_if(|(next, _)| next.unit == FigureUnit::MoneyAnnual);
                    let annual = annual.map_or(Cell::Empty, |(_, figure)| figure_cell(figure));
                    money.row(vec![Cell::text(column.label.clone()), figure_cell(figure), annual]);
                }
                FigureUnit::MoneyAnnual => {
                    money.row(vec![Cell::text(column.label.clone()), Cell::Empty, figure_cell(figure)])
                }
                FigureUnit::Money | FigureUnit::Plain => {
                    counts.row(vec![Cell::text(figure_header(column, currency)), figure_cell(figure)]);
                }
            }
        }
        let mut side_by_side = counts.render();
        if !money.is_empty() {
            side_by_side.push(&money.render());
        }
        page.push(&side_by_side.boxed("columns"));
    }
    rate_tables(page, level);
    if !budgets.is_empty() {
        page.subheading("预算");
        let columns = vec![
            Column::text("预算项目"),
            Column::text("对应数据项"),
            Column::number(&format!("预算({yearly})")),
            Column::number(&format!("测算({yearly})")),
            Column::number(&format!("预算 − 测算({lump})")),
        ];
        let mut table = SortableTable::new("", columns);
        for line in budgets {
            table.row(vec![
                Cell::text(line.label.clone()),
                Cell::text(line.column.clone()),
                Cell::money(line.budget),
                Cell::money(line.computed),
                Cell::money(line.budget - line.computed),
            ]);
        }
        page.push(&table.render());
    }
}

/// A city or county level: charts, then the tables.
fn level_section(page: &mut Page, level: &LevelFigures, province: Option<&GroupFigures>, currency: Currency) {
    let word = level_word(level.kind);
    page.heading(&format!("按{word}"));
    let label_of = |group: &GroupFigures| if group.name.is_empty() { group.code.clone() } else { group.name.clone() };
    // Charts: biggest first, ties in the report's order.
    let mut households: Vec<&GroupFigures> = level.groups.iter().collect();
    households.sort_by_key(|group| std::cmp::Reverse(group.households));
    let mut chart = BarChart::new(&format!("各{word}户数(从多到少)"));
    for group in households {
        chart.bar(&label_of(group), group.households.into(), &integer_text(group.households.into()));
    }
    page.push(&chart.render());
    if let Some(column) = headline_money(level) {
        let money = |group: &GroupFigures| match group.figures.get(column) {
            Some(Figure::Money(fen)) => *fen,
            Some(Figure::Integer(_) | Figure::Text(_)) | None => 0,
        };
        let mut groups: Vec<&GroupFigures> = level.groups.iter().collect();
        groups.sort_by_key(|group| std::cmp::Reverse(money(group)));
        if let Some(header) = level.figures.get(column).map(|column| figure_header(column, currency)) {
            let mut chart = BarChart::new(&format!("各{word}{header}(从多到少)"));
            for group in groups {
                chart.bar(&label_of(group), money(group), &money_text(money(group)));
            }
            page.push(&chart.render());
        }
    }
    // Households, persons and counts.
    let mut columns = vec![Column::text("代码"), Column::text("名称"), Column::number("户数")];
    if level.has_persons {
        columns.push(Column::number("人数"));
    }
    columns.extend(level.counts.iter().map(|label| Column::number(label)));
    let mut table = SortableTable::new(&format!("各{word}户数与人数(点击表头排序)"), columns);
    let counts_row = |code: String, group: &GroupFigures| {
        let mut cells = vec![Cell::text(code), Cell::text(group.name.clone()), Cell::count(group.households)];
        if level.has_persons {
            cells.push(group.persons.map_or(Cell::Empty, Cell::integer));
        }
        cells.extend(group.counts.iter().map(|count| Cell::count(*count)));
        cells
    };
    for group in &level.groups {
        table.row(counts_row(group.code.clone(), group));
    }
    if let Some(province) = province {
        table.footer_row(counts_row("全省".to_string(), province));
    }
    page.push(&table.render());
    // Sums.
    if !level.figures.is_empty() {
        let mut columns = vec![Column::text("代码"), Column::text("名称")];
        columns.extend(level.figures.iter().map(|column| Column::number(&figure_header(column, currency))));
        let mut table = SortableTable::new(&format!("各{word}金额与人数合计"), columns);
        let sums_row = |code: String, group: &GroupFigures| {
            let mut cells = vec![Cell::text(code), Cell::text(group.name.clone())];
            cells.extend(group.figures.iter().map(figure_cell));
            cells
        };
        for group in &level.groups {
            table.row(sums_row(group.code.clone(), group));
        }
        if let Some(province) = province {
            table.footer_row(sums_row("全省".to_string(), province));
        }
        page.push(&table.render());
    }
    rate_tables(page, level);
}

/// The column the money chart shows: the monthly money column with the largest total over the
/// level's groups (usually the monthly total), the first of equals.
fn headline_money(level: &LevelFigures) -> Option<usize> {
    let mut best: Option<(usize, i128)> = None;
    for (index, column) in level.figures.iter().enumerate() {
        if column.unit != FigureUnit::MoneyMonthly {
            continue;
        }
        let total: i128 = level
            .groups
            .iter()
            .map(|group| match group.figures.get(index) {
                Some(Figure::Money(fen)) => *fen,
                Some(Figure::Integer(_) | Figure::Text(_)) | None => 0,
            })
            .sum();
        if best.is_none_or(|(_, best_total)| total > best_total) {
            best = Some((index, total));
        }
    }
    best.map(|(index, _)| index)
}

fn rate_tables(page: &mut Page, level: &LevelFigures) {
    for rate in &level.rates {
        page.subheading(&format!("比率 {}", rate.name));
        page.note(&rate.note);
        if rate.rows.is_empty() {
            page.note("没有符合条件的地区。");
            continue;
        }
        let columns = vec![
            Column::text("代码"),
            Column::text("名称"),
            Column::number(&rate.numerator),
            Column::number(&rate.denominator),
            Column::number("比率"),
            Column::text("标记"),
        ];
        let mut table = SortableTable::new("", columns);
        for row in &rate.rows {
            let code = if row.code.is_empty() { level_word(level.kind).to_string() } else { row.code.clone() };
            let cells = vec![
                Cell::text(code),
                Cell::text(row.name.clone()),
                figure_cell(&row.numerator),
                figure_cell(&row.denominator),
                row.rate.as_ref().map_or(Cell::text("—"), |(text, key)| Cell::number(text.clone(), *key)),
                row.flag.as_ref().map_or(Cell::Empty, |flag| Cell::Flag(flag.clone())),
            ];
            if row.flag.is_some() { table.flagged_row(cells) } else { table.row(cells) }
        }
        page.push(&table.render());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunReport {
        let group = |code: &str, name: &str, households: u64, fen: i128| GroupFigures {
            code: code.to_string(),
            name: name.to_string(),
            households,
            persons: Some(i128::from(households) * 3),
            counts: vec![households / 2, households - households / 2],
            figures: vec![Figure::Money(fen), Figure::Money(fen * 12), Figure::Integer(7)],
        };
        let figures = vec![
            FigureColumn { label: "月低保金".into(), unit: FigureUnit::MoneyMonthly },
            FigureColumn { label: "月低保金".into(), unit: FigureUnit::MoneyAnnual },
            FigureColumn { label: "特困人员人数".into(), unit: FigureUnit::Plain },
        ];
        let level = |kind: LevelKind, groups: Vec<GroupFigures>| LevelFigures {
            kind,
            has_persons: true,
            counts: vec!["农村低保认定结果:none".into(), "农村低保认定结果:full".into()],
            figures: figures.clone(),
            groups,
            rates: vec![],
        };
        let mut county = level(
            LevelKind::County,
            vec![group("610102", "新城区", 6, 123_456), group("610103", "碑林<区>", 12, 99), group("610104", "", 0, 0)],
        );
        county.rates.push(RateFigures {
            name: "centralised_support".into(),
            note: "Σ 集中供养人数 ÷ Σ 全护理人数".into(),
            numerator: "集中供养人数".into(),
            denominator: "全护理人数".into(),
            rows: vec![
                RateRow {
                    code: "610102".into(),
                    name: "新城区".into(),
                    numerator: Figure::Integer(1),
                    denominator: Figure::Integer(4),
                    rate: Some(("25%".into(), 250_000_000)),
                    flag: Some("低于 50%".into()),
                },
                RateRow {
                    code: "610103".into(),
                    name: "碑林<区>".into(),
                    numerator: Figure::Integer(0),
                    denominator: Figure::Integer(0),
                    rate: None,
                    flag: None,
                },
            ],
        });
        RunReport {
            policy: Some("shaanxi".into()),
            table: "household_results".into(),
            as_of: "2019-07-01".into(),
            inputs: vec![InputRows { label: "住户".into(), read: 1000, accepted: 981, rejected: 19 }],
            levels: vec![
                county,
                level(LevelKind::City, vec![group("610100", "西安市", 18, 123_555)]),
                level(LevelKind::Province, vec![group("", "", 18, 123_555)]),
            ],
            budgets: vec![BudgetLine {
                label: "中省农村低保补助资金".into(),
                column: "dibao_monthly".into(),
                budget: 333_000_000_000,
                computed: 1_482_660,
            }],
            currency: Currency::Yuan,
        }
    }

    #[test]
    fn the_page_has_the_header_charts_and_sortable_tables() {
        let html = render_run_page(&sample());
        assert!(html.contains("<title>shaanxi 汇总报告</title>"));
        assert!(html.contains("<dt>计算基准日</dt><dd>2019-07-01</dd>"));
        assert!(html.contains("<dt>住户</dt><dd>读入 1,000 · 接受 981 · 拒绝 19</dd>"), "{html}");
        // The province first, then cities, then counties.
        let (province, city, county) = (
            html.find(">全省</h2>").unwrap(),
            html.find(">按设区市</h2>").unwrap(),
            html.find(">按县区</h2>").unwrap(),
        );
        assert!(province < city && city < county);
        // Charts: households and the monthly money column, biggest first.
        assert!(html.contains("<figcaption>各县区户数(从多到少)</figcaption>"));
        assert!(html.contains("<figcaption>各县区月低保金(元/月)(从多到少)</figcaption>"));
        let chart = &html[html.find("各县区户数").unwrap()..];
        assert!(chart.find(">碑林&lt;区&gt;</text>").unwrap() < chart.find(">新城区</text>").unwrap());
        // A county without a name is shown by its code.
        assert!(chart.contains(">610104</text>"));
        // Tables: every number sorts by its exact value; the province is the footer.
        assert!(html.contains("<td>610102</td><td>新城区</td><td class=\"num\" data-sort=\"6\">6</td>"));
        assert!(html.contains("<td class=\"num\" data-sort=\"1234.56\">1,234.56</td>"));
        assert!(html.contains("<tfoot>\n<tr><td>全省</td>"));
        assert!(html.contains("月低保金(元/年)"));
        // The rate: flagged row, a dash without a denominator.
        assert!(html.contains("<tr class=\"flag\"><td>610102</td>"));
        assert!(html.contains("<span class=\"flag\">低于 50%</span>") && html.contains("<td>—</td>"));
        assert!(html.contains("<td>中省农村低保补助资金</td><td>dibao_monthly</td>"));
        assert!(!html.contains("碑林<区>"));
    }

    #[test]
    fn the_page_is_well_formed_and_the_same_every_time() {
        let html = render_run_page(&sample());
        let body = &html[html.find("<header>").unwrap()..html.find("<script>").unwrap()];
        super::super::chart::tests::assert_well_formed(body);
        assert_eq!(html, render_run_page(&sample()));
    }

    #[test]
    fn a_report_without_levels_still_renders_its_header() {
        let report = RunReport { table: "t".into(), as_of: "2020-01-01".into(), ..RunReport::default() };
        let html = render_run_page(&report);
        assert!(html.contains("<title>t 汇总报告</title>") && !html.contains("<h2"));
    }
}
