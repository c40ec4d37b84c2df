//! Reports people look at: `report.html`, one self-contained page (inline CSS and script, no
//! network, no web fonts, `lang="zh-CN"`, a print layout), built from components that any
//! command's summary can use.
//!
//! The components take plain data (text and exact integers: fen, counts) and return [`Html`],
//! which only they can build: every outside text goes through [`escape`] (the escaper of
//! `pol doc`). Nothing here evaluates a policy: the figures come from the engines' results,
//! added up by the report (or by `pol diff`, `pol reconcile`). The same data gives the same
//! bytes (no clock, no hash-map order; chart geometry written with one decimal).
//!
//! - [`Page`]: the document. `Page::new(title)`, `fact(label, value)` for the header (policy,
//!   as-of date, rows accepted and rejected), `heading` (an `h2`, listed in the contents),
//!   `subheading`, `note`, `push(&fragment)`, then `render()` → `String`.
//! - [`SortableTable`]: `SortableTable::new(caption, columns)` with [`Column::text`] /
//!   [`Column::number`]; `row(cells)`, `flagged_row(cells)` (highlighted), `footer_row(cells)`
//!   (a total that does not move when sorting); cells are [`Cell::text`], [`Cell::count`],
//!   [`Cell::integer`], [`Cell::money`] (fen → `1,234.56`), [`Cell::decimal`] (a summary's
//!   `-1234.50` → `-1,234.50`), [`Cell::number`] (text and an exact integer sort key),
//!   `Cell::Flag`, `Cell::Empty`. A header is a button: click it (or Enter/Space) to
//!   sort ascending, again for descending; `aria-sort` and ▲/▼ show the order; numbers sort by
//!   `data-sort`, or by their text when it reads as a number (`1,234.56`, `50%`); empty cells
//!   go last.
//! - [`BarChart`]: `BarChart::new(title)`, `bar(label, value, text)` per row (value: an exact
//!   integer in the chart's unit; text: as written beside the bar; negative values go left of
//!   a zero line), `render()`.
//! - [`Histogram`]: `Histogram { title, x_label, y_label, bins: vec![Bin { label, count }] }`,
//!   `render()`: one column per bin, a rounded count axis, labels thinned when they would
//!   overlap.
//! - [`money_text`], [`integer_text`], [`group_digits`]: numbers as people read them;
//!   [`decimal_to_fen`] reads a summary's amount (`612.5`) back for a chart's bar.
//!
//! A page for another command, in about thirty lines:
//!
//! ```
//! use pol_runtime::html_report::{BarChart, Cell, Column, Page, SortableTable, money_text};
//!
//! let counties = [("610102", "新城区", 3_i128, 123_456_i128), ("610103", "碑林区", 5, -2_000)];
//! let mut page = Page::new("shaanxi 数据比对");
//! page.fact("计算基准日", "2019-07-01");
//! page.heading("按县区");
//! let mut chart = BarChart::new("各县区漏保户数");
//! let mut table = SortableTable::new(
//!     "各县区比对结果",
//!     vec![Column::text("代码"), Column::text("名称"), Column::number("户数"), Column::number("金额(元/月)")],
//! );
//! for (code, name, households, fen) in counties {
//!     chart.bar(name, households, &households.to_string());
//!     table.row(vec![Cell::text(code), Cell::text(name), Cell::integer(households), Cell::money(fen)]);
//! }
//! table.footer_row(vec![Cell::text("全省"), Cell::Empty, Cell::integer(8), Cell::money(121_456)]);
//! page.push(&chart.render());
//! page.push(&table.render());
//! let html = page.render();
//! assert!(html.contains("data-sort=\"1234.56\">1,234.56<") && money_text(-2_000) == "-20.00");
//! ```
//!
//! Whole pages from plain rows: [`render_run_page`] is `pol run`'s ([`RunReport`] is filled by
//! `report.rs` from the same totals as `report.md`); [`render_diff_page`] ([`DiffPage`]: money
//! gaining and losing per column, status transitions, change per group, a histogram of the
//! per-household change) and [`render_reconcile_page`] ([`ReconcilePage`]: findings per
//! program and per group, the households to visit first) take the amounts as the summaries
//! write them (plain decimals in 元), so `pol diff` and `pol reconcile` only map their summary's
//! fields into these structs.
//! The maps are here: [`from_impact`] (`pol diff`'s `ImpactSummary`) and [`from_summary`]
//! (`pol reconcile`'s `ReconcileSummary`); [`render_run_and_reconcile_page`] puts a run's
//! figures and the findings on one page, as `pol reconcile` writes it.
//!
//! Modules: `markup` (a leaf: [`Html`], escaping, number text, pixel text), `page`, `table`,
//! `chart`, `run_page`, `diff_page`, `reconcile_page`; none imports this module.

mod chart;
mod diff_page;
mod markup;
mod page;
mod reconcile_page;
mod run_page;
mod table;

pub use chart::{Bar, BarChart, Bin, Histogram};
pub use diff_page::{
    ChangeHistogram, DiffPage, GroupChange, MoneyChangeRow, TransitionTable, from_impact, render_diff_page,
};
pub use markup::{Html, decimal_to_fen, escape, group_digits, integer_text, is_plain_decimal, money_text};
pub use page::Page;
pub use reconcile_page::{
    FindingCount, FindingsGroup, ReconcilePage, VisitFinding, VisitHousehold, from_summary, render_reconcile_page,
    render_run_and_reconcile_page,
};
pub use run_page::{
    BudgetLine, Figure, FigureColumn, FigureUnit, GroupFigures, InputRows, LevelFigures, LevelKind, RateFigures,
    RateRow, RunReport, render_run_page,
};
pub use table::{Cell, Column, SortableTable};
