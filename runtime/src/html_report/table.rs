//! The sortable table: a header of buttons (the page's script sorts by a column on a click or a
//! key press), a body of rows, and footer rows (totals) that stay in place.

use super::markup::{Html, escape, group_digits, integer_text, is_plain_decimal, money_text};
use crate::format;
use std::fmt::Write as _;

/// A column: its header text and whether its cells are numbers (aligned right).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header text.
    pub label: String,
    /// Whether the cells are numbers.
    pub numeric: bool,
}

impl Column {
    /// A column of text.
    pub fn text(label: &str) -> Column {
        Column { label: label.to_string(), numeric: false }
    }

    /// A column of numbers.
    pub fn number(label: &str) -> Column {
        Column { label: label.to_string(), numeric: true }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text, sorted as Chinese text (or as a number when it reads as one).
    Text(String),
    /// A number: the text shown (`1,234.56`) and the exact key it sorts by, a plain decimal
    /// (`1234.56`; the constructors make it).
    Number {
        /// What the cell shows.
        text: String,
        /// The sort key: digits with an optional `-` and `.`.
        key: String,
    },
    /// Text shown as a warning (a rate below its threshold).
    Flag(String),
    /// Nothing (sorted last).
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    /// A count (`1,234`).
    pub fn count(value: u64) -> Cell {
        Cell::integer(i128::from(value))
    }

    /// An integer (`-1,234`).
    pub fn integer(value: i128) -> Cell {
        Cell::Number { text: integer_text(value), key: value.to_string() }
    }

    /// Money in fen, shown in 元 (`1,234.56`), sorted by its value.
    pub fn money(fen: i128) -> Cell {
        Cell::Number { text: money_text(fen), key: format::money_to_string(fen) }
    }

    /// A number shown as `text` and sorted by the integer `key` (a ratio word, a count).
    pub fn number(text: impl Into<String>, key: i128) -> Cell {
        Cell::Number { text: text.into(), key: key.to_string() }
    }

    /// A plain decimal as a summary writes it (`-1234.50`), shown with thousands separators and
    /// sorted by its value; text that is not a plain decimal is a text cell, as it is.
    pub fn decimal(plain: &str) -> Cell {
        if is_plain_decimal(plain) {
            Cell::Number { text: group_digits(plain), key: plain.to_string() }
        } else {
            Cell::Text(plain.to_string())
        }
    }
}

/// A table a person can sort by any column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortableTable {
    caption: String,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    footer: Vec<Vec<Cell>>,
    /// Rows (indices into `rows`) shown as flagged.
    flagged: Vec<bool>,
}

impl SortableTable {
    /// An empty table with a caption (may be empty) and its columns.
    pub fn new(caption: &str, columns: Vec<Column>) -> SortableTable {
        SortableTable {
            caption: caption.to_string(),
            columns,
            rows: Vec::new(),
            footer: Vec::new(),
            flagged: Vec::new(),
        }
    }

    /// Appends a row (cells in column order; missing cells are shown empty).
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
        self.flagged.push(false);
    }

    /// Appends a row shown highlighted (it has a finding or a flag).
    pub fn flagged_row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
        self.flagged.push(true);
    }

    /// Appends a footer row (a total): it is not sorted with the body.
    pub fn footer_row(&mut self, cells: Vec<Cell>) {
        self.footer.push(cells);
    }

    /// The number of body rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no body row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, in a box that scrolls sideways when it is wider than the page.
    pub fn render(&self) -> Html {
        let mut out = String::from("<div class=\"scroll\"><table class=\"sortable\">");
        if !self.caption.is_empty() {
            let _ = write!(out, "<caption>{}</caption>", escape(&self.caption));
        }
        out.push_str("<thead><tr>");
        for column in &self.columns {
            let class = if column.numeric { " class=\"num\"" } else { "" };
            let _ = write!(
                out,
                "<th scope=\"col\"{class} aria-sort=\"none\"><button type=\"button\">{}\
                 <span class=\"ind\" aria-hidden=\"true\">\u{2195}</span></button></th>",
                escape(&column.label)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (row, flagged) in self.rows.iter().zip(&self.flagged) {
            out.push_str(if *flagged { "<tr class=\"flag\">" } else { "<tr>" });
            self.cells(&mut out, row);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>");
        if !self.footer.is_empty() {
            out.push_str("\n<tfoot>\n");
            for row in &self.footer {
                out.push_str("<tr>");
                self.cells(&mut out, row);
                out.push_str("</tr>\n");
            }
            out.push_str("</tfoot>");
        }
        out.push_str("</table></div>");
        Html::trusted(out)
    }

    fn cells(&self, out: &mut String, row: &[Cell]) {
        let n_cells = row.len().max(self.columns.len());
        for index in 0..n_cells {
            match row.get(index).unwrap_or(&Cell::Empty) {
                Cell::Text(text) => {
                    let _ = write!(out, "<td>{}</td>", escape(text));
                }
                Cell::Number { text, key } => {
                    let _ = write!(out, "<td class=\"num\" data-sort=\"{}\">{}</td>", escape(key), escape(text));
                }
                Cell::Flag(text) => {
                    let _ = write!(out, "<td><span class=\"flag\">{}</span></td>", escape(text));
                }
                Cell::Empty => out.push_str("<td></td>"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SortableTable {
        let mut table = SortableTable::new("按县 <区>", vec![Column::text("名称"), Column::number("金额(元)")]);
        table.row(vec![Cell::text("新城区 & <b>"), Cell::money(123_456)]);
        table.flagged_row(vec![Cell::text("碑林区"), Cell::money(-5)]);
        table.row(vec![Cell::text("缺一格")]);
        table.footer_row(vec![Cell::text("全省"), Cell::money(123_451)]);
        table
    }

    #[test]
    fn cells_are_escaped_and_numbers_carry_their_sort_key() {
        let html = sample().render().into_string();
        assert!(html.contains("<caption>按县 &lt;区&gt;</caption>"), "{html}");
        assert!(html.contains("<td>新城区 &amp; &lt;b&gt;</td><td class=\"num\" data-sort=\"1234.56\">1,234.56</td>"));
        assert!(html.contains("<tr class=\"flag\"><td>碑林区</td><td class=\"num\" data-sort=\"-0.05\">-0.05</td>"));
        assert!(html.contains("<tr><td>缺一格</td><td></td></tr>"), "a missing cell is empty");
        assert!(html.contains("<tfoot>\n<tr><td>全省</td><td class=\"num\" data-sort=\"1234.51\">1,234.51</td></tr>"));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn every_header_is_a_button_with_an_indicator_and_no_order_yet() {
        let html = sample().render().into_string();
        assert_eq!(html.matches("<button type=\"button\">").count(), 2);
        assert_eq!(html.matches("aria-sort=\"none\"").count(), 2);
        assert!(html.contains("<th scope=\"col\" class=\"num\" aria-sort=\"none\"><button type=\"button\">金额(元)"));
        assert_eq!(html.matches("<span class=\"ind\" aria-hidden=\"true\">\u{2195}</span>").count(), 2);
        assert!(html.contains("<table class=\"sortable\">"));
    }

    #[test]
    fn counts_and_integers_sort_by_their_value() {
        assert_eq!(Cell::count(1234), Cell::Number { text: "1,234".into(), key: "1234".into() });
        assert_eq!(Cell::integer(-7), Cell::Number { text: "-7".into(), key: "-7".into() });
        assert_eq!(Cell::number("50%", 500), Cell::Number { text: "50%".into(), key: "500".into() });
        assert_eq!(Cell::decimal("-12345.60"), Cell::Number { text: "-12,345.60".into(), key: "-12345.60".into() });
        assert_eq!(Cell::decimal("—"), Cell::Text("—".into()));
        assert_eq!(Cell::decimal("1e5"), Cell::Text("1e5".into()));
        let table = sample();
        assert_eq!((table.len(), table.is_empty()), (3, false));
        assert_eq!(table.render(), sample().render());
    }
}
