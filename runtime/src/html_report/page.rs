//! The page shell: one self-contained HTML document (inline CSS and script, no network, no web
//! fonts), `lang="zh-CN"`, a title, a list of facts under it, a table of contents and the
//! sections the caller adds in order.

use super::markup::{Html, escape};
use std::fmt::Write as _;

/// The stylesheet: the system's CJK fonts, tables that scroll sideways on screen, and a print
/// layout without the buttons' look, the contents list or scroll boxes.
const CSS: &str = "\
body{margin:0;font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\",\
\"PingFang SC\",sans-serif;line-height:1.55;color:#1d1d1f;background:#fafafa}\
header{background:#8b1a1a;color:#fff;padding:1em 1.5em .8em}header h1{margin:0 0 .4em;font-size:1.55em}\
dl.facts{display:flex;flex-wrap:wrap;gap:.2em 2em;margin:0}dl.facts div{display:flex;gap:.5em}\
dl.facts dt{opacity:.85}dl.facts dd{margin:0;font-weight:bold}\
nav.toc{background:#f0e6e6;padding:.5em 1.5em;font-size:.95em}nav.toc a{color:#8b1a1a;margin-right:1.4em}\
main{max-width:72em;margin:0 auto;padding:.5em 1.5em 3em}\
h2{margin-top:1.8em;font-size:1.3em;border-bottom:2px solid #8b1a1a;padding-bottom:.15em}\
h3{margin:1.4em 0 .4em;font-size:1.08em}p.note{color:#555;font-size:.9em;margin:.3em 0}\
figure{margin:.8em 0;background:#fff;border:1px solid #ddd;border-radius:4px;padding:.5em .8em}\
figcaption{font-weight:bold;margin-bottom:.3em}figure svg{display:block;max-width:100%;height:auto}\
.scroll{overflow-x:auto;margin:.5em 0}.columns{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}\
table{border-collapse:collapse;background:#fff;font-size:.92em}caption{text-align:left;font-weight:bold;padding:.3em 0}\
td,th{border:1px solid #ccc;padding:.2em .55em;text-align:left;white-space:nowrap}td.num{text-align:right;\
font-variant-numeric:tabular-nums}th{background:#f0e6e6;vertical-align:bottom}\
th button{font:inherit;font-weight:bold;color:inherit;background:none;border:0;padding:0;cursor:pointer;\
text-align:inherit;white-space:nowrap}th button:focus-visible{outline:2px solid #0b4f9c;outline-offset:2px}\
th .ind{color:#8b1a1a;margin-left:.25em;font-size:.85em}th[aria-sort=none] .ind{color:#aaa}\
tfoot td{font-weight:bold;background:#faf5e6}tr.flag td{background:#fdecea}span.flag{color:#b42318;font-weight:bold}\
@media print{body{background:#fff}header{background:none;color:#000;border-bottom:2px solid #000}\
nav.toc{display:none}.scroll{overflow:visible}figure svg,tr{break-inside:avoid}figcaption,caption,h2,h3{break-after:avoid}\
th .ind{display:none}table{font-size:.72em}td,th{white-space:normal}main{max-width:none;padding:0}}";

/// The sorting script for every `table.sortable`: a header's button sorts the body's rows by
/// its column, ascending then descending; a cell's `data-sort` (a plain decimal) is its number,
/// else its text is read as a number when it is one (`1,234.56`, `50%`), else compared as
/// Chinese text; empty cells go last either way; ties keep their order. The header's
/// `aria-sort` and its indicator (↕ ▲ ▼) show the order. The buttons make it work with the
/// keyboard (Tab, Enter, Space).
const SCRIPT: &str = r#"(function () {
  "use strict";
  function keyOf(cell) {
    if (!cell) { return { empty: true }; }
    var raw = cell.getAttribute("data-sort");
    var text = cell.textContent.trim();
    if (raw === null) { raw = text.replace(/[,\s%元]/g, ""); }
    if (raw === "" && text === "") { return { empty: true }; }
    if (raw !== "" && /^-?[0-9]+(\.[0-9]+)?$/.test(raw)) { return { number: Number(raw) }; }
    return { text: text };
  }
  function compare(a, b) {
    if ("number" in a && "number" in b) { return a.number - b.number; }
    if ("number" in a) { return -1; }
    if ("number" in b) { return 1; }
    return a.text.localeCompare(b.text, "zh-CN");
  }
  function sortBy(table, column, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) {
      headers[i].setAttribute("aria-sort", "none");
      var other = headers[i].querySelector(".ind");
      if (other) { other.textContent = "\u2195"; }
    }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var indicator = th.querySelector(".ind");
    if (indicator) { indicator.textContent = ascending ? "\u25b2" : "\u25bc"; }
    var body = table.tBodies[0];
    var rows = [];
    for (var r = 0; r < body.rows.length; r++) {
      rows.push({ row: body.rows[r], index: r, key: keyOf(body.rows[r].cells[column]) });
    }
    rows.sort(function (a, b) {
      if (a.key.empty || b.key.empty) {
        if (a.key.empty && b.key.empty) { return a.index - b.index; }
        return a.key.empty ? 1 : -1;
      }
      var order = compare(a.key, b.key);
      if (!ascending) { order = -order; }
      return order !== 0 ? order : a.index - b.index;
    });
    for (var k = 0; k < rows.length; k++) { body.appendChild(rows[k].row); }
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      var headers = table.tHead.rows[0].cells;
      for (var c = 0; c < headers.length; c++) {
        (function (th, column) {
          var button = th.querySelector("button");
          if (button) { button.addEventListener("click", function () { sortBy(table, column, th); }); }
        })(headers[c], c);
      }
    })(tables[t]);
  }
})();"#;

/// A report page being built: sections are added in order, then [`Page::render`] gives the
/// document.
#[derive(Debug, Clone, Default)]
pub struct Page {
    title: String,
    facts: Vec<(String, String)>,
    /// The `h2` headings: their ids (`s1`, `s2`, …) and texts, for the contents list.
    headings: Vec<(String, String)>,
    body: Html,
}

impl Page {
    /// An empty page titled `title` (the `<title>` and the `h1`).
    pub fn new(title: &str) -> Page {
        Page { title: title.to_string(), ..Page::default() }
    }

    /// Adds a fact to the header: `label` and its value (`计算基准日` `2019-07-01`).
    pub fn fact(&mut self, label: &str, value: &str) {
        self.facts.push((label.to_string(), value.to_string()));
    }

    /// Starts a section: an `h2`, listed in the contents at the top.
    pub fn heading(&mut self, text: &str) {
        let id = format!("s{}", self.headings.len() + 1);
        self.body.push_trusted(&format!("<h2 id=\"{id}\">{}</h2>\n", escape(text)));
        self.headings.push((id, text.to_string()));
    }

    /// A sub-heading (`h3`) inside the current section.
    pub fn subheading(&mut self, text: &str) {
        self.body.push_trusted(&format!("<h3>{}</h3>\n", escape(text)));
    }

    /// A paragraph of small explanatory text.
    pub fn note(&mut self, text: &str) {
        self.body.push_trusted(&format!("<p class=\"note\">{}</p>\n", escape(text)));
    }

    /// A component's fragment (a table's or a chart's `render()`).
    pub fn push(&mut self, fragment: &Html) {
        self.body.push(fragment);
        self.body.push_trusted("\n");
    }

    /// The whole document.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>");
        let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&self.title));
        if !self.facts.is_empty() {
            out.push_str("<dl class=\"facts\">");
            for (label, value) in &self.facts {
                let _ = write!(out, "<div><dt>{}</dt><dd>{}</dd></div>", escape(label), escape(value));
            }
            out.push_str("</dl>\n");
        }
        out.push_str("</header>\n");
        if !self.headings.is_empty() {
            out.push_str("<nav class=\"toc\">");
            for (id, text) in &self.headings {
                let _ = write!(out, "<a href=\"#{id}\">{}</a>", escape(text));
            }
            out.push_str("</nav>\n");
        }
        out.push_str("<main>\n");
        out.push_str(self.body.as_str());
        out.push_str("</main>\n");
        let _ = writeln!(out, "<script>\n{SCRIPT}\n</script>");
        out.push_str("</body>\n</html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_is_self_contained_chinese_and_escaped() {
        let mut page = Page::new("报告 <一>");
        page.fact("政策", "a&b");
        page.heading("按县区");
        page.note("说明 \"x\"");
        let html = page.render();
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">"));
        assert!(html.contains("<title>报告 &lt;一&gt;</title>"));
        assert!(html.contains("<dt>政策</dt><dd>a&amp;b</dd>"));
        assert!(html.contains("<h2 id=\"s1\">按县区</h2>") && html.contains("<a href=\"#s1\">按县区</a>"));
        assert!(html.contains("<p class=\"note\">说明 &quot;x&quot;</p>"));
        assert!(html.contains("WenQuanYi Zen Hei") && html.contains("@media print"));
        // Nothing is loaded: no source attribute, no external link.
        assert!(!html.contains(" src=") && !html.contains("://") && !html.contains("@import"));
        assert_eq!(html, page.render());
    }
}
