//! The page of `pol diff` from plain rows ([`DiffPage`]): what the reform changes per money
//! column (households gaining and losing, totals before and after), how statuses move (a
//! transition matrix per status column), where (per city or county: a chart of the change and a
//! sortable table) and how much per household (a histogram). Amounts are plain decimals in 元 as
//! the diff's summary writes them (`-1234.50`); the page formats them, it computes nothing but
//! each bar's length.

use super::chart::{BarChart, Bin, Histogram};
use super::markup::{decimal_to_fen, group_digits, integer_text};
use super::page::Page;
use super::table::{Cell, Column, SortableTable};
use crate::impact::ImpactSummary;

/// Everything the page of `pol diff` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffPage {
    /// The page's title (`shaanxi → shaanxi-2020 政策调整影响`).
    pub title: String,
    /// Header facts in order (`基准政策`, `调整后政策`, `计算基准日`, `比较户数`, …).
    pub facts: Vec<(String, String)>,
    /// Per money column.
    pub money: Vec<MoneyChangeRow>,
    /// Per status column.
    pub transitions: Vec<TransitionTable>,
    /// Per group (cities, then counties, in the summary's order).
    pub groups: Vec<GroupChange>,
    /// The distribution of the per-household change, if the summary has one.
    pub histogram: Option<ChangeHistogram>,
}

/// One money column before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyChangeRow {
    /// The column's label.
    pub label: String,
    /// Households whose amount rises.
    pub gaining: u64,
    /// Households whose amount falls.
    pub losing: u64,
    /// Households whose amount stays.
    pub unchanged: u64,
    /// The total before (元, a plain decimal).
    pub before: String,
    /// The total after.
    pub after: String,
    /// After − before.
    pub change: String,
}

/// How households move between the values of a status column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionTable {
    /// The column's label.
    pub label: String,
    /// The values before (rows).
    pub before: Vec<String>,
    /// The values after (columns).
    pub after: Vec<String>,
    /// `counts[row][column]`: households with value `before[row]` before and `after[column]` after.
    pub counts: Vec<Vec<u64>>,
}

/// One group's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    /// `县区` or `设区市`: groups of one level share a chart and a table.
    pub level: String,
    /// The group's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Households compared.
    pub households: u64,
    /// Households with any change.
    pub changed: u64,
    /// The headline money total before (元).
    pub before: String,
    /// After.
    pub after: String,
    /// After − before.
    pub change: String,
}

/// The histogram of the per-household change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeHistogram {
    /// What changes (`每户月度合计的变化(元/月)`).
    pub label: String,
    /// The bins, lowest first.
    pub bins: Vec<Bin>,
}

/// The page.
pub fn render_diff_page(diff: &DiffPage) -> String {
    let mut page = Page::new(&diff.title);
    for (label, value) in &diff.facts {
        page.fact(label, value);
    }
    if !diff.money.is_empty() {
        page.heading("金额变化");
        let columns = vec![
            Column::text("项目"),
            Column::number("增加户数"),
            Column::number("减少户数"),
            Column::number("不变户数"),
            Column::number("调整前(元)"),
            Column::number("调整后(元)"),
            Column::number("变化(元)"),
        ];
        let mut table = SortableTable::new("各项金额的变化", columns);
        let mut chart = BarChart::new("各项金额合计的变化(元)");
        for row in &diff.money {
            table.row(vec![
                Cell::text(row.label.clone()),
                Cell::count(row.gaining),
                Cell::count(row.losing),
                Cell::count(row.unchanged),
                Cell::decimal(&row.before),
                Cell::decimal(&row.after),
                Cell::decimal(&row.change),
            ]);
            chart.bar(&row.label, decimal_to_fen(&row.change).unwrap_or(0), &group_digits(&row.change));
        }
        page.push(&chart.render());
        page.push(&table.render());
    }
    if !diff.transitions.is_empty() {
        page.heading("状态变化");
        page.note("行是调整前的取值,列是调整后的取值,格中是户数;对角线以外的户改变了状态。");
        for transition in &diff.transitions {
            let mut columns = vec![Column::text("调整前 \\ 调整后")];
            columns.extend(transition.after.iter().map(|value| Column::number(value)));
            let mut table = SortableTable::new(&transition.label, columns);
            for (value, counts) in transition.before.iter().zip(&transition.counts) {
                let mut cells = vec![Cell::text(value.clone())];
                cells.extend(counts.iter().map(|count| Cell::count(*count)));
                table.row(cells);
            }
            page.push(&table.render());
            page.note(&format!("{}改变的户数:{}。", transition.label, integer_text(moved(transition).into())));
        }
    }
    if let Some(histogram) = &diff.histogram {
        page.heading("每户变化的分布");
        let chart = Histogram {
            title: format!("{}的分布", histogram.label),
            x_label: histogram.label.clone(),
            y_label: "户数".to_string(),
            bins: histogram.bins.clone(),
        };
        page.push(&chart.render());
    }
    let mut levels: Vec<&str> = Vec::new();
    for group in &diff.groups {
        if !levels.contains(&group.level.as_str()) {
            levels.push(&group.level);
        }
    }
    for level in levels {
        page.heading(&format!("按{level}"));
        let groups: Vec<&GroupChange> = diff.groups.iter().filter(|group| group.level == level).collect();
        let mut sorted = groups.clone();
        sorted.sort_by_key(|group| std::cmp::Reverse(decimal_to_fen(&group.change).unwrap_or(0)));
        let mut chart = BarChart::new(&format!("各{level}金额变化(元,从增到减)"));
        for group in sorted {
            let label = if group.name.is_empty() { &group.code } else { &group.name };
            chart.bar(label, decimal_to_fen(&group.change).unwrap_or(0), &group_digits(&group.change));
        }
        page.push(&chart.render());
        let columns = vec![
            Column::text("代码"),
            Column::text("名称"),
            Column::number("比较户数"),
            Column::number("变化户数"),
            Column::number("调整前(元)"),
            Column::number("调整后(元)"),
            Column::number("变化(元)"),
        ];
        let mut table = SortableTable::new(&format!("各{level}的变化(点击表头排序)"), columns);
        for group in groups {
            table.row(vec![
                Cell::text(group.code.clone()),
                Cell::text(group.name.clone()),
                Cell::count(group.households),
                Cell::count(group.changed),
                Cell::decimal(&group.before),
                Cell::decimal(&group.after),
                Cell::decimal(&group.change),
            ]);
        }
        page.push(&table.render());
    }
    page.render()
}

/// The page's rows from `pol diff`'s summary (the same structure as `summary.json`): the
/// province's money columns and transition matrices, the histogram of the per-household change
/// of the monthly total, and per city and county the change of that total (or, without it, of
/// the first money column). Every figure is copied from the summary; nothing is recomputed.
pub fn from_impact(summary: &ImpactSummary) -> DiffPage {
    let name_of = |policy: &str| {
        std::path::Path::new(policy)
            .file_name()
            .map_or_else(|| policy.to_string(), |name| name.to_string_lossy().into_owned())
    };
    let (base_name, reform_name) = (name_of(&summary.base.policy), name_of(&summary.reform.policy));
    let title = if base_name == reform_name {
        format!("{base_name} 政策调整影响({} → {})", summary.base.as_of, summary.reform.as_of)
    } else {
        format!("{base_name} → {reform_name} 政策调整影响")
    };
    let tally = &summary.households;
    let mut facts = vec![
        ("基准政策".to_string(), summary.base.policy.clone()),
        ("基准日".to_string(), summary.base.as_of.clone()),
        ("调整后政策".to_string(), summary.reform.policy.clone()),
        ("调整后基准日".to_string(), summary.reform.as_of.clone()),
        ("读入户数".to_string(), integer_text(tally.read.into())),
        ("比较户数".to_string(), integer_text(tally.compared.into())),
        ("被拒绝的户".to_string(), integer_text(tally.rejected_either.into())),
    ];
    if !summary.columns_only_in_base.is_empty() {
        facts.push(("仅基准政策有的列".to_string(), summary.columns_only_in_base.join("、")));
    }
    if !summary.columns_only_in_reform.is_empty() {
        facts.push(("仅调整后政策有的列".to_string(), summary.columns_only_in_reform.join("、")));
    }
    let province = summary.groups.iter().find(|group| group.level == "province");
    let label = |column: &str, label: &Option<String>| label.clone().unwrap_or_else(|| column.to_string());
    let money = province.map_or_else(Vec::new, |group| {
        group
            .money
            .iter()
            .map(|money| MoneyChangeRow {
                label: format!("{}({})", label(&money.column, &money.label), period_word(&money.period)),
                gaining: money.gaining,
                losing: money.losing,
                unchanged: money.unchanged,
                before: money.base.clone(),
                after: money.reform.clone(),
                change: money.change.clone(),
            })
            .collect()
    });
    let transitions = province.map_or_else(Vec::new, |group| {
        group
            .transitions
            .iter()
            .map(|transition| TransitionTable {
                label: label(&transition.column, &transition.label),
                before: transition.base_values.clone(),
                after: transition.reform_values.clone(),
                counts: transition.counts.clone(),
            })
            .collect()
    });
    let histogram = match (&summary.histogram, province.and_then(|group| group.histogram.as_ref())) {
        (Some(info), Some(counts)) => Some(ChangeHistogram {
            label: format!("每户{}的变化(元/月)", label(&info.column, &info.label)),
            bins: info.bins.iter().zip(counts).map(|(bin, count)| Bin { label: bin.clone(), count: *count }).collect(),
        }),
        _ => None,
    };
    let headline = summary.histogram.as_ref().map(|info| info.column.as_str());
    let groups = summary
        .groups
        .iter()
        .filter_map(|group| {
            let level = match group.level.as_str() {
                "city" => "设区市",
                "county" => "县区",
                _ => return None,
            };
            let money = match headline {
                Some(column) => group.money.iter().find(|money| money.column == column),
                None => group.money.first(),
            }?;
            Some(GroupChange {
                level: level.to_string(),
                code: group.code.clone(),
                name: group.name.clone(),
                households: group.households,
                changed: group.changed,
                before: money.base.clone(),
                after: money.reform.clone(),
                change: money.change.clone(),
            })
        })
        .collect();
    DiffPage { title, facts, money, transitions, groups, histogram }
}

/// A money column's period as the page says it.
fn period_word(period: &str) -> &str {
    match period {
        "month" => "每月",
        "year" => "每年",
        "lump" => "一次性",
        other => other,
    }
}

/// Households off the diagonal: their value after differs from their value before.
fn moved(transition: &TransitionTable) -> u64 {
    let mut total = 0;
    for (before, counts) in transition.before.iter().zip(&transition.counts) {
        for (after, count) in transition.after.iter().zip(counts) {
            if before != after {
                total += count;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DiffPage {
        DiffPage {
            title: "shaanxi → reform 政策调整影响".into(),
            facts: vec![("计算基准日".into(), "2019-07-01".into()), ("比较户数".into(), "981".into())],
            money: vec![
                MoneyChangeRow {
                    label: "月低保金".into(),
                    gaining: 400,
                    losing: 2,
                    unchanged: 579,
                    before: "232556.29".into(),
                    after: "250000.00".into(),
                    change: "17443.71".into(),
                },
                MoneyChangeRow {
                    label: "高龄<补贴>".into(),
                    gaining: 0,
                    losing: 30,
                    unchanged: 951,
                    before: "38650.00".into(),
                    after: "36000.00".into(),
                    change: "-2650.00".into(),
                },
            ],
            transitions: vec![TransitionTable {
                label: "农村低保认定结果".into(),
                before: vec!["none".into(), "full".into()],
                after: vec!["none".into(), "full".into()],
                counts: vec![vec![470, 5], vec![1, 452]],
            }],
            groups: vec![
                GroupChange {
                    level: "县区".into(),
                    code: "610102".into(),
                    name: "新城区".into(),
                    households: 6,
                    changed: 2,
                    before: "1000.00".into(),
                    after: "900.50".into(),
                    change: "-99.50".into(),
                },
                GroupChange {
                    level: "县区".into(),
                    code: "610103".into(),
                    name: "碑林区".into(),
                    households: 6,
                    changed: 3,
                    before: "1000.00".into(),
                    after: "1200.00".into(),
                    change: "200.00".into(),
                },
            ],
            histogram: Some(ChangeHistogram {
                label: "每户月度合计的变化(元/月)".into(),
                bins: vec![
                    Bin { label: "< -100".into(), count: 3 },
                    Bin { label: "-100–0".into(), count: 10 },
                    Bin { label: "0".into(), count: 500 },
                    Bin { label: "0–100".into(), count: 400 },
                ],
            }),
        }
    }

    #[test]
    fn the_diff_page_shows_changes_transitions_groups_and_the_histogram() {
        let html = render_diff_page(&sample());
        assert!(html.contains("<title>shaanxi → reform 政策调整影响</title>"));
        assert!(html.contains("<td>月低保金</td><td class=\"num\" data-sort=\"400\">400</td>"));
        assert!(html.contains("<td class=\"num\" data-sort=\"-2650.00\">-2,650.00</td>"));
        assert!(html.contains("<td>高龄&lt;补贴&gt;</td>") && !html.contains("高龄<补贴>"));
        assert!(html.contains("<caption>农村低保认定结果</caption>"));
        assert!(html.contains("<tr><td>none</td><td class=\"num\" data-sort=\"470\">470</td>"));
        assert!(html.contains("<figcaption>每户月度合计的变化(元/月)的分布</figcaption>"));
        assert_eq!(html.matches("<rect ").count(), 2 + 2 + 4, "two money bars, two counties, four bins");
        // The county chart: the biggest rise first, a fall drawn left of zero.
        let chart = &html[html.find("各县区金额变化").unwrap()..];
        assert!(chart.find(">碑林区</text>").unwrap() < chart.find(">新城区</text>").unwrap());
        assert!(html.contains("农村低保认定结果改变的户数:6。"));
        let body = &html[html.find("<header>").unwrap()..html.find("<script>").unwrap()];
        super::super::chart::tests::assert_well_formed(body);
        assert_eq!(html, render_diff_page(&sample()));
    }

    #[test]
    fn an_empty_diff_still_renders() {
        let html = render_diff_page(&DiffPage { title: "无变化".into(), ..DiffPage::default() });
        assert!(html.contains("<title>无变化</title>") && !html.contains("<h2"));
    }
}
