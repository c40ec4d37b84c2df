//! The page of `pol reconcile` from plain rows ([`ReconcilePage`]): the province's findings per
//! program, then per city and per county a chart of the findings and sortable tables (per
//! finding, and per program with a finding), then the households to visit first. Amounts are
//! plain decimals in 元 per month as the summary writes them (`612.50`); where the page adds up
//! a group's findings over its programs it adds exact fen.

use super::chart::BarChart;
use super::markup::{decimal_to_fen, integer_text};
use super::page::Page;
use super::run_page::{RunReport, run_facts, run_sections, run_title};
use super::table::{Cell, Column, SortableTable};
use crate::reconcile::summary::{Group, ReconcileSummary};

/// Everything the page of `pol reconcile` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcilePage {
    /// The page's title (`shaanxi 数据比对 2019-07`).
    pub title: String,
    /// Header facts in order (`计算基准日`, `比对月份`, `发放名册`, `住户`, `名册行`, …).
    pub facts: Vec<(String, String)>,
    /// The programs' names, in declaration order (`农村低保`).
    pub programs: Vec<String>,
    /// The findings' words, in the summary's order (`漏保`, `错保`, `少发`, `多发`, `无此户`).
    pub findings: Vec<String>,
    /// The province.
    pub province: FindingsGroup,
    /// Levels below the province, each with its word (`设区市`, `县区`) and its groups.
    pub levels: Vec<(String, Vec<FindingsGroup>)>,
    /// Whether the policy declares a visit list (`visit = …`); without one the page says so.
    pub visit_list_declared: bool,
    /// The households to visit first.
    pub visits: Vec<VisitHousehold>,
}

/// A group's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsGroup {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// `counts[program][finding]`, in [`ReconcilePage::programs`]' and
    /// [`ReconcilePage::findings`]' order (a shorter list is a finding that does not occur).
    pub counts: Vec<Vec<FindingCount>>,
}

/// How many findings of a kind, and the money per month at stake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingCount {
    /// How many.
    pub count: u64,
    /// 元 per month, a plain decimal.
    pub amount: String,
}

/// A household to visit first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitHousehold {
    /// Its id.
    pub household_id: String,
    /// Its county's code.
    pub county_code: String,
    /// Its county's name.
    pub county_name: String,
    /// Its findings.
    pub findings: Vec<VisitFinding>,
}

/// One finding of a household to visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFinding {
    /// The program's name.
    pub program: String,
    /// The finding's word.
    pub finding: String,
    /// The computed amount (元 per month).
    pub computed: String,
    /// The paid amount, if the roster has one.
    pub paid: Option<String>,
}

/// The page.
pub fn render_reconcile_page(reconcile: &ReconcilePage) -> String {
    let mut page = Page::new(&reconcile.title);
    for (label, value) in &reconcile.facts {
        page.fact(label, value);
    }
    reconcile_sections(&mut page, reconcile, "");
    page.render()
}

/// One page for `pol reconcile`: the run's figures (as `pol run`'s page shows them) and then
/// the findings, under headings that start with `比对:`. The header has the run's facts, then
/// those of the comparison that the run's do not already say (the month, the roster, its rows).
pub fn render_run_and_reconcile_page(run: &RunReport, reconcile: &ReconcilePage) -> String {
    let month = reconcile.facts.iter().find(|(label, _)| label == "比对月份").map_or("", |(_, value)| value.as_str());
    let title = format!("{} 与数据比对 {month}", run_title(run));
    let mut page = Page::new(title.trim_end());
    run_facts(&mut page, run);
    let run_labels: Vec<String> =
        std::iter::once("计算基准日".to_string()).chain(run.inputs.iter().map(|input| input.label.clone())).collect();
    for (label, value) in &reconcile.facts {
        if !run_labels.contains(label) {
            page.fact(label, value);
        }
    }
    run_sections(&mut page, run);
    reconcile_sections(&mut page, reconcile, "比对:");
    page.render()
}

/// The page's rows from `pol reconcile`'s summary (the structure of `reconcile_summary.json`),
/// figures copied as they are; `policy` names the policy in the title.
pub fn from_summary(summary: &ReconcileSummary, policy: Option<&str>) -> ReconcilePage {
    let title = match policy {
        Some(policy) => format!("{policy} 数据比对 {}", summary.month),
        None => format!("数据比对 {}", summary.month),
    };
    let rows = |read: u64, accepted: u64, rejected: u64| {
        format!(
            "读入 {} · 接受 {} · 拒绝 {}",
            integer_text(read.into()),
            integer_text(accepted.into()),
            integer_text(rejected.into())
        )
    };
    let roster = &summary.roster;
    let facts = vec![
        ("计算基准日".to_string(), summary.as_of.clone()),
        ("比对月份".to_string(), summary.month.clone()),
        ("发放名册".to_string(), summary.roster_file.clone()),
        ("住户".to_string(), rows(summary.households.read, summary.households.accepted, summary.households.rejected)),
        (
            "名册行".to_string(),
            format!(
                "{} · 本月比对 {} · 其他月份 {}",
                rows(roster.read, roster.accepted, roster.rejected),
                integer_text(roster.compared.into()),
                integer_text(roster.other_months.into())
            ),
        ),
    ];
    let program_name = |id: &str| {
        summary
            .programs
            .iter()
            .find(|program| program.id == id)
            .map_or_else(|| id.to_string(), |program| display_name(&program.id, &program.name))
    };
    let findings: Vec<String> = summary
        .province
        .programs
        .first()
        .map(|program| program.findings.iter().map(|finding| finding.finding.clone()).collect())
        .unwrap_or_default();
    let group = |group: &Group| FindingsGroup {
        code: group.code.clone(),
        name: group.name.clone(),
        counts: group
            .programs
            .iter()
            .map(|program| {
                program
                    .findings
                    .iter()
                    .map(|finding| FindingCount { count: finding.count, amount: finding.amount.clone() })
                    .collect()
            })
            .collect(),
    };
    ReconcilePage {
        title,
        facts,
        programs: summary.programs.iter().map(|program| display_name(&program.id, &program.name)).collect(),
        findings,
        province: group(&summary.province),
        levels: vec![
            ("设区市".to_string(), summary.cities.iter().map(group).collect()),
            ("县区".to_string(), summary.counties.iter().map(group).collect()),
        ],
        visit_list_declared: summary.visit_list_declared,
        visits: summary
            .visit_first
            .iter()
            .map(|visit| VisitHousehold {
                household_id: visit.household_id.clone(),
                county_code: visit.county_code.clone(),
                county_name: visit.county_name.clone(),
                findings: visit
                    .findings
                    .iter()
                    .map(|finding| VisitFinding {
                        program: program_name(&finding.program),
                        finding: finding.finding.clone(),
                        computed: finding.computed.clone(),
                        paid: finding.paid.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// A program as the page names it: its name, or its id when it has none.
fn display_name(id: &str, name: &str) -> String {
    if name.is_empty() { id.to_string() } else { name.to_string() }
}

/// The findings' sections, each heading starting with `prefix`.
fn reconcile_sections(page: &mut Page, reconcile: &ReconcilePage, prefix: &str) {
    province_section(page, reconcile, prefix);
    for (level, groups) in &reconcile.levels {
        level_section(page, reconcile, level, groups, prefix);
    }
    page.heading(&format!("{prefix}优先走访"));
    if !reconcile.visit_list_declared {
        page.note("政策没有规定季度走访名单(visit = …)。");
    } else if reconcile.visits.is_empty() {
        page.note("走访名单中没有发现问题的户。");
    } else {
        page.note("季度走访名单中、比对发现问题的户,按输入顺序。");
        let columns = vec![
            Column::text("户编号"),
            Column::text("县区代码"),
            Column::text("县区"),
            Column::text("项目"),
            Column::text("发现"),
            Column::number("应发(元/月)"),
            Column::number("实发(元/月)"),
        ];
        let mut table = SortableTable::new("", columns);
        for visit in &reconcile.visits {
            for finding in &visit.findings {
                table.row(vec![
                    Cell::text(visit.household_id.clone()),
                    Cell::text(visit.county_code.clone()),
                    Cell::text(visit.county_name.clone()),
                    Cell::text(finding.program.clone()),
                    Cell::Flag(finding.finding.clone()),
                    Cell::decimal(&finding.computed),
                    finding.paid.as_deref().map_or(Cell::Empty, Cell::decimal),
                ]);
            }
        }
        page.push(&table.render());
    }
}

/// The columns of a finding: its count and its amount.
fn finding_columns(findings: &[String]) -> Vec<Column> {
    findings
        .iter()
        .flat_map(|finding| [Column::number(&format!("{finding}(户)")), Column::number(&format!("{finding}(元/月)"))])
        .collect()
}

/// The cells of one program's findings (missing ones are 0).
fn finding_cells(findings: &[String], counts: &[FindingCount]) -> Vec<Cell> {
    (0..findings.len())
        .flat_map(|index| match counts.get(index) {
            Some(found) => [Cell::count(found.count), Cell::decimal(&found.amount)],
            None => [Cell::count(0), Cell::money(0)],
        })
        .collect()
}

/// A group's findings over all its programs: per finding, the count and the exact amount
/// (`None` when an amount is not a plain decimal: the total is then not shown rather than
/// shown wrong).
fn group_totals(findings: &[String], group: &FindingsGroup) -> Vec<(u64, Option<i128>)> {
    let mut totals = vec![(0u64, Some(0i128)); findings.len()];
    for program in &group.counts {
        for (total, found) in totals.iter_mut().zip(program) {
            total.0 += found.count;
            total.1 = total.1.zip(decimal_to_fen(&found.amount)).and_then(|(sum, fen)| sum.checked_add(fen));
        }
    }
    totals
}

/// A total amount's cell: empty when it could not be added up.
fn total_cell(fen: Option<i128>) -> Cell {
    fen.map_or(Cell::Empty, Cell::money)
}

fn province_section(page: &mut Page, reconcile: &ReconcilePage, prefix: &str) {
    page.heading(&format!("{prefix}全省"));
    let totals = group_totals(&reconcile.findings, &reconcile.province);
    let mut chart = BarChart::new("全省各类发现(户·项;无此户为名册行)");
    for (finding, (count, _)) in reconcile.findings.iter().zip(&totals) {
        chart.bar(finding, i128::from(*count), &integer_text(i128::from(*count)));
    }
    page.push(&chart.render());
    let mut columns = vec![Column::text("项目")];
    columns.extend(finding_columns(&reconcile.findings));
    let mut table = SortableTable::new("全省各项目的发现", columns);
    for (program, counts) in reconcile.programs.iter().zip(&reconcile.province.counts) {
        let mut cells = vec![Cell::text(program.clone())];
        cells.extend(finding_cells(&reconcile.findings, counts));
        table.row(cells);
    }
    let mut footer = vec![Cell::text("合计")];
    for (count, fen) in &totals {
        footer.push(Cell::count(*count));
        footer.push(total_cell(*fen));
    }
    table.footer_row(footer);
    page.push(&table.render());
}

fn level_section(page: &mut Page, reconcile: &ReconcilePage, level: &str, groups: &[FindingsGroup], prefix: &str) {
    page.heading(&format!("{prefix}按{level}"));
    let label_of = |group: &FindingsGroup| if group.name.is_empty() { group.code.clone() } else { group.name.clone() };
    let totals: Vec<Vec<(u64, Option<i128>)>> =
        groups.iter().map(|group| group_totals(&reconcile.findings, group)).collect();
    let count_of = |totals: &[(u64, Option<i128>)]| totals.iter().map(|(count, _)| *count).sum::<u64>();
    // The chart: groups with a finding, most first.
    let mut ranked: Vec<(String, u64)> = groups
        .iter()
        .zip(&totals)
        .map(|(group, totals)| (label_of(group), count_of(totals)))
        .filter(|(_, count)| *count > 0)
        .collect();
    ranked.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let mut chart = BarChart::new(&format!("各{level}发现的问题(户·项,从多到少;没有问题的{level}不列出)"));
    for (label, count) in &ranked {
        chart.bar(label, i128::from(*count), &integer_text(i128::from(*count)));
    }
    page.push(&chart.render());
    // Per finding, over the programs.
    let mut columns = vec![Column::text("代码"), Column::text("名称"), Column::number("合计(户·项)")];
    columns.extend(finding_columns(&reconcile.findings));
    let mut table = SortableTable::new(&format!("各{level}的发现(点击表头排序)"), columns);
    for (group, totals) in groups.iter().zip(&totals) {
        let mut cells =
            vec![Cell::text(group.code.clone()), Cell::text(group.name.clone()), Cell::count(count_of(totals))];
        for (count, fen) in totals {
            cells.push(Cell::count(*count));
            cells.push(total_cell(*fen));
        }
        table.row(cells);
    }
    page.push(&table.render());
    // Per program, the rows with a finding.
    let mut columns = vec![Column::text("代码"), Column::text("名称"), Column::text("项目")];
    columns.extend(finding_columns(&reconcile.findings));
    let mut table = SortableTable::new(&format!("各{level}各项目的发现(只列有发现的)"), columns);
    for group in groups {
        for (program, counts) in reconcile.programs.iter().zip(&group.counts) {
            if counts.iter().all(|found| found.count == 0) {
                continue;
            }
            let mut cells =
                vec![Cell::text(group.code.clone()), Cell::text(group.name.clone()), Cell::text(program.clone())];
            cells.extend(finding_cells(&reconcile.findings, counts));
            table.row(cells);
        }
    }
    if table.is_empty() {
        page.note("没有发现问题。");
    } else {
        page.push(&table.render());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(count: u64, amount: &str) -> FindingCount {
        FindingCount { count, amount: amount.to_string() }
    }

    fn sample() -> ReconcilePage {
        let findings: Vec<String> = ["漏保", "错保", "少发", "多发"].iter().map(|word| word.to_string()).collect();
        let county = |code: &str, name: &str, dibao: Vec<FindingCount>| FindingsGroup {
            code: code.into(),
            name: name.into(),
            counts: vec![dibao, vec![found(0, "0.00"), found(0, "0.00"), found(0, "0.00"), found(0, "0.00")]],
        };
        let mut all = findings.clone();
        all.push("无此户".into());
        ReconcilePage {
            title: "shaanxi 数据比对 2019-07".into(),
            facts: vec![("比对月份".into(), "2019-07".into())],
            programs: vec!["农村低保".into(), "特困<供养>".into()],
            findings: all,
            province: FindingsGroup {
                code: "province".into(),
                name: String::new(),
                counts: vec![
                    vec![
                        found(2, "1224.50"),
                        found(1, "300.00"),
                        found(1, "12.00"),
                        found(0, "0.00"),
                        found(1, "500.00"),
                    ],
                    vec![found(0, "0.00"), found(0, "0.00"), found(0, "0.00"), found(0, "0.00"), found(0, "0.00")],
                ],
            },
            levels: vec![(
                "县区".into(),
                vec![
                    county(
                        "610102",
                        "新城区",
                        vec![found(2, "1224.50"), found(0, "0.00"), found(1, "12.00"), found(0, "0.00")],
                    ),
                    county(
                        "610103",
                        "碑林区",
                        vec![found(0, "0.00"), found(1, "300.00"), found(0, "0.00"), found(0, "0.00")],
                    ),
                    county(
                        "610104",
                        "莲湖区",
                        vec![found(0, "0.00"), found(0, "0.00"), found(0, "0.00"), found(0, "0.00")],
                    ),
                ],
            )],
            visit_list_declared: true,
            visits: vec![VisitHousehold {
                household_id: "H<1>".into(),
                county_code: "610102".into(),
                county_name: "新城区".into(),
                findings: vec![VisitFinding {
                    program: "农村低保".into(),
                    finding: "漏保".into(),
                    computed: "612.25".into(),
                    paid: None,
                }],
            }],
        }
    }

    #[test]
    fn the_reconcile_page_shows_findings_by_program_county_and_visit() {
        let html = render_reconcile_page(&sample());
        assert!(html.contains("<title>shaanxi 数据比对 2019-07</title>"));
        // The province: one row per program, 无此户 included, and the total as footer.
        assert!(html.contains("<th scope=\"col\" class=\"num\" aria-sort=\"none\"><button type=\"button\">无此户(户)"));
        assert!(html.contains("<td>农村低保</td><td class=\"num\" data-sort=\"2\">2</td><td class=\"num\" data-sort=\"1224.50\">1,224.50</td>"));
        assert!(html.contains("<td>特困&lt;供养&gt;</td>"));
        assert!(html.contains("<tfoot>\n<tr><td>合计</td><td class=\"num\" data-sort=\"2\">2</td><td class=\"num\" data-sort=\"1224.50\">1,224.50</td>"));
        // Counties: a missing 无此户 is 0; the chart lists only counties with a finding, most first.
        assert!(html.contains("<td>610104</td><td>莲湖区</td><td class=\"num\" data-sort=\"0\">0</td>"));
        let chart = &html[html.find("各县区发现的问题").unwrap()..];
        let chart = &chart[..chart.find("</figure>").unwrap()];
        assert!(chart.find(">新城区</text>").unwrap() < chart.find(">碑林区</text>").unwrap());
        assert!(!chart.contains("莲湖区"));
        // Per program: only rows with a finding.
        let per_program = &html[html.find("各县区各项目的发现").unwrap()..];
        assert_eq!(per_program.matches("<tr><td>6101").count(), 2);
        // The visit list: escaped id, finding flagged, no paid amount.
        assert!(html.contains("<td>H&lt;1&gt;</td><td>610102</td><td>新城区</td><td>农村低保</td><td><span class=\"flag\">漏保</span></td><td class=\"num\" data-sort=\"612.25\">612.25</td><td></td>"));
        let body = &html[html.find("<header>").unwrap()..html.find("<script>").unwrap()];
        super::super::chart::tests::assert_well_formed(body);
        assert_eq!(html, render_reconcile_page(&sample()));
    }

    #[test]
    fn an_amount_that_is_not_a_decimal_leaves_its_total_empty() {
        let mut page = sample();
        page.province.counts[0][0].amount = "n/a".into();
        let html = render_reconcile_page(&page);
        assert!(html.contains("<td>农村低保</td><td class=\"num\" data-sort=\"2\">2</td><td>n/a</td>"));
        assert!(html.contains("<tfoot>\n<tr><td>合计</td><td class=\"num\" data-sort=\"2\">2</td><td></td>"));
    }

    #[test]
    fn no_visit_and_no_finding_say_so() {
        let mut page = sample();
        page.visits.clear();
        page.levels =
            vec![("县区".into(), vec![FindingsGroup { code: "610104".into(), name: "莲湖区".into(), counts: vec![] }])];
        let html = render_reconcile_page(&page);
        assert!(html.contains("走访名单中没有发现问题的户。") && html.contains("没有发现问题。"));
    }
}
