//! `report.html` of `pol run` on the shipped example data: the figures are the report's, the
//! page loads nothing, is the same bytes every time, and in headless chromium it renders without
//! a console message and its tables sort when a header is clicked.

use crate::support::as_of;
use pol_runtime::commands::{ErrorFormat, Status};
use std::path::{Path, PathBuf};

/// Runs the Shaanxi policy over the shipped example files into `out`; returns report.html.
fn example_run(out: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let command = pol_runtime::commands::run::RunCommand {
        policy: root.join("policies/shaanxi"),
        households: root.join("examples/households.csv"),
        persons: Some(root.join("examples/persons.csv")),
        cases: Some(root.join("examples/cases.csv")),
        as_of: as_of(),
        out: out.to_path_buf(),
        engine: pol_runtime::commands::EngineChoice::Jit,
        threads: Some(2),
        timings: false,
        output_format: pol_runtime::OutputFormat::Csv,
        scenario: None,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = pol_runtime::commands::run::run(&command, ErrorFormat::Plain, &mut stdout, &mut stderr);
    assert_eq!(status, Status::Success, "{}", String::from_utf8_lossy(&stderr));
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// The text of every `<td>` of the row whose first cell is `first`, in the first table that has one.
fn row_cells(html: &str, first: &str) -> Vec<String> {
    let start = html.find(&format!("<tr><td>{first}</td>")).unwrap_or_else(|| panic!("no row {first}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let text = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
            text.to_string()
        })
        .collect()
}

#[test]
fn the_example_report_page_shows_the_reports_figures() {
    let work = tempfile::tempdir().unwrap();
    let html = example_run(&work.path().join("out"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out/report.json")).unwrap()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>shaanxi 汇总报告</title>"));
    assert!(html.contains("<dt>计算基准日</dt><dd>2019-07-01</dd>"));
    assert!(html.contains("<dt>住户</dt><dd>读入 1,000 · 接受 981 · 拒绝 19</dd>"), "header counts");
    assert!(html.contains("<dt>人员</dt><dd>读入 3,608 · 接受 3,546 · 拒绝 62</dd>"));
    assert!(html.contains("<dt>个案</dt><dd>读入 57 · 接受 56 · 拒绝 1</dd>"));
    // Every county's households and monthly total are report.json's, the same row in the page.
    let counties = report["counties"].as_array().unwrap();
    assert!(counties.len() > 100);
    for county in counties {
        let code = county["code"].as_str().unwrap();
        let cells = row_cells(&html, code);
        assert_eq!(cells[1], county["name"].as_str().unwrap());
        assert_eq!(cells[2], format!("{}", county["households"]), "{code}");
        let money = county["sums"]["total_monthly"]["monthly"].as_str().unwrap();
        let sums = &html[html.find("各县区金额与人数合计").unwrap()..];
        let sum_cells = row_cells(sums, code);
        assert!(sum_cells.contains(&pol_runtime::html_report::group_digits(money)), "{code}: {money} {sum_cells:?}");
    }
    // Charts: by city and by county, households and the monthly total; Chinese labels.
    for caption in ["各设区市户数(从多到少)", "各设区市月度合计(元/月)(从多到少)", "各县区户数(从多到少)"]
    {
        assert!(html.contains(&format!("<figcaption>{caption}</figcaption>")), "no chart {caption}");
    }
    assert!(html.contains(">西安市</text>") && html.contains(">新城区</text>"));
    assert!(html.contains("<td>中省农村低保补助资金</td><td>月低保金</td>"));
    // Self-contained: nothing is loaded.
    assert!(!html.contains(" src=") && !html.contains("://") && !html.contains("<link rel=\"stylesheet\""));
    // The same bytes for the same input.
    assert_eq!(html, example_run(&work.path().join("again")));
}

/// The chromium to drive: `POL_CHROMIUM`, else `/usr/bin/chromium`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("POL_CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from);
    path.exists().then_some(path)
}

/// Runs headless chromium on `page` with `mode` (`--screenshot=…` or `--dump-dom`); returns its
/// stdout after checking it exited well and logged nothing to the console.
fn run_chromium(chromium: &Path, page: &Path, mode: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
        .args(["--enable-logging=stderr", "--v=0", "--window-size=1100,1400"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed on {}: {log}", page.display());
    let console: Vec<&str> =
        log.lines().filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught")).collect();
    assert!(console.is_empty(), "{} logs to the console: {console:?}", page.display());
    String::from_utf8(output.stdout).unwrap()
}

/// A script appended to a copy of the page: it clicks headers the way a person would and writes
/// what the tables show after each click into `<pre id="sort-test">` (one line per step: the
/// header's `aria-sort`, its indicator, then the column's cells, `|`-separated).
const DRIVER: &str = r#"<script>
(function () {
  var lines = [];
  function table(caption) {
    var tables = document.querySelectorAll("table.sortable");
    for (var i = 0; i < tables.length; i++) {
      if (tables[i].caption && tables[i].caption.textContent === caption) { return tables[i]; }
    }
    throw new Error("no table " + caption);
  }
  function column(t, label) {
    var cells = t.tHead.rows[0].cells;
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].querySelector("button").firstChild.textContent === label) { return i; }
    }
    throw new Error("no column " + label);
  }
  function click(t, label, name) {
    var index = column(t, label);
    var th = t.tHead.rows[0].cells[index];
    var button = th.querySelector("button");
    button.focus();
    button.click();
    var values = [];
    for (var r = 0; r < t.tBodies[0].rows.length; r++) { values.push(t.tBodies[0].rows[r].cells[index].textContent); }
    var footer = t.tFoot ? t.tFoot.rows[0].cells[0].textContent : "";
    var reachable = button.tabIndex === 0 && button.type === "button" && document.activeElement === button;
    lines.push([name, th.getAttribute("aria-sort"), th.querySelector(".ind").textContent,
      reachable ? "focused" : "unfocused", footer].concat(values).join("|"));
  }
  var counts = table("各县区户数与人数(点击表头排序)");
  click(counts, "户数", "households-1");
  click(counts, "户数", "households-2");
  click(counts, "名称", "names");
  var sums = table("各县区金额与人数合计");
  var keyed = sums.querySelectorAll("td[data-sort]");
  for (var k = 0; k < keyed.length; k++) { keyed[k].removeAttribute("data-sort"); }
  click(sums, "月度合计(元/月)", "money-by-text");
  var pre = document.createElement("pre");
  pre.id = "sort-test";
  pre.textContent = lines.join("\n");
  document.body.appendChild(pre);
})();
</script>
</body>"#;

/// A number as the page writes it (`1,234.56`), as a value.
fn number(text: &str) -> f64 {
    text.replace(',', "").parse().unwrap_or_else(|_| panic!("not a number: {text}"))
}

/// Opens the example's report.html in headless chromium: a non-blank screenshot, a PDF when
/// printed, and no console message. Then a copy with a driver script clicks headers: the
/// counties' households sort ascending, then descending (▲ ▼ and `aria-sort` follow; the button
/// is in the tab order and keeps the focus, so Enter and Space work as for any button; the
/// province's total stays in the footer), names sort as text, and money sorts by its `1,234.56`
/// text when the cells have no sort key. CI sets `POL_BROWSER_TESTS=1` and installs chromium;
/// without the variable, a machine without chromium skips this test with a notice.
#[test]
fn the_report_page_renders_and_sorts_in_a_headless_browser() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("POL_BROWSER_TESTS").is_none(),
            "POL_BROWSER_TESTS is set but chromium is missing (apt-get install chromium fonts-wqy-zenhei)"
        );
        eprintln!("skipped: no chromium (set POL_BROWSER_TESTS=1 to require it)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let html = example_run(&out);
    let screenshot = work.path().join("report.png");
    run_chromium(&chromium, &out.join("report.html"), &format!("--screenshot={}", screenshot.display()));
    let bytes = std::fs::read(&screenshot).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!(size, (1100, 1400));
    // A blank 1100×1400 page is a few KB; the example's header, tables and chart are ~150 KB.
    assert!(bytes.len() >= 40_000, "the screenshot looks blank: {} bytes", bytes.len());

    // Printing gives a PDF (the print layout: no contents bar, tables unboxed).
    let pdf = work.path().join("report.pdf");
    run_chromium(&chromium, &out.join("report.html"), &format!("--print-to-pdf={}", pdf.display()));
    let pdf = std::fs::read(&pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF") && pdf.len() > 50_000, "printing gave {} bytes", pdf.len());

    let driven = work.path().join("driven.html");
    std::fs::write(&driven, html.replacen("</body>", DRIVER, 1)).unwrap();
    let dom = run_chromium(&chromium, &driven, "--dump-dom");
    let result = &dom[dom.find("<pre id=\"sort-test\">").expect("the driver ran") + 20..];
    let result = &result[..result.find("</pre>").unwrap()];
    let steps: Vec<Vec<&str>> = result.lines().map(|line| line.split('|').collect()).collect();
    assert_eq!(steps.len(), 4, "{result}");
    let values = |step: &[&str]| -> Vec<f64> { step[5..].iter().map(|text| number(text)).collect() };

    let (ascending, descending) = (&steps[0], &steps[1]);
    assert_eq!(ascending[..5], ["households-1", "ascending", "▲", "focused", "全省"]);
    assert_eq!(descending[..5], ["households-2", "descending", "▼", "focused", "全省"]);
    let up = values(ascending);
    assert!(up.len() > 100 && up.windows(2).all(|pair| pair[0] <= pair[1]), "not ascending: {up:?}");
    let down = values(descending);
    assert!(down.windows(2).all(|pair| pair[0] >= pair[1]), "not descending: {down:?}");
    let mut sorted_down = down.clone();
    sorted_down.reverse();
    assert_eq!(sorted_down, up, "sorting keeps every row");
    assert!(up.first() != up.last(), "the example has counties of different sizes");

    let names = &steps[2];
    assert_eq!(names[..3], ["names", "ascending", "▲"]);
    let names: Vec<&str> = names[5..].to_vec();
    assert_eq!(names.len(), up.len());
    assert!(names.iter().all(|name| !name.is_empty()), "every county has a name");

    let money = &steps[3];
    assert_eq!(money[..3], ["money-by-text", "ascending", "▲"]);
    let amounts = values(money);
    assert!(amounts.windows(2).all(|pair| pair[0] <= pair[1]), "money text not sorted as numbers: {amounts:?}");
    assert!(amounts.iter().any(|amount| *amount >= 1000.0), "a `1,234.56` amount is among them");
}

/// The example's run command into `out`.
fn example_command(out: &Path) -> pol_runtime::commands::run::RunCommand {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    pol_runtime::commands::run::RunCommand {
        policy: root.join("policies/shaanxi"),
        households: root.join("examples/households.csv"),
        persons: Some(root.join("examples/persons.csv")),
        cases: Some(root.join("examples/cases.csv")),
        as_of: as_of(),
        out: out.to_path_buf(),
        engine: pol_runtime::commands::EngineChoice::Jit,
        threads: Some(2),
        timings: false,
        output_format: pol_runtime::OutputFormat::Csv,
        scenario: None,
    }
}

/// `pol reconcile` of the example data against `examples/roster.csv` into `out`; returns
/// report.html.
fn example_reconcile(out: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let command = pol_runtime::commands::reconcile::ReconcileCommand {
        run: example_command(out),
        roster: root.join("examples/roster.csv"),
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = pol_runtime::commands::reconcile::reconcile(&command, ErrorFormat::Plain, &mut stdout, &mut stderr);
    assert_eq!(status, Status::Success, "{}", String::from_utf8_lossy(&stderr));
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// `pol diff` of the Shaanxi policy on 2018-12-01 against itself on 2019-07-01 over the example
/// data into `out`; returns report.html.
fn example_diff(out: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let command = pol_runtime::commands::diff::DiffCommand {
        base: root.join("policies/shaanxi"),
        reform: None,
        scenario: None,
        households: root.join("examples/households.csv"),
        persons: root.join("examples/persons.csv"),
        cases: Some(root.join("examples/cases.csv")),
        as_of: as_of(),
        base_as_of: Some(crate::support::day("2018-12-01")),
        out: out.to_path_buf(),
        engine: pol_runtime::commands::EngineChoice::Jit,
        threads: Some(2),
    };
    let mut stderr = Vec::new();
    let status = pol_runtime::commands::diff::diff(&command, ErrorFormat::Plain, &mut stderr);
    assert_eq!(status, Status::Success, "{}", String::from_utf8_lossy(&stderr));
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// A summary's amount (`-1234.50`) in fen.
fn fen(amount: &str) -> i128 {
    let negative = amount.starts_with('-');
    let digits: String = amount.chars().filter(char::is_ascii_digit).collect();
    let value: i128 = digits.parse().unwrap();
    assert!(amount.contains('.') && amount.len() - amount.find('.').unwrap() == 3, "{amount}");
    if negative { -value } else { value }
}

/// A page's money text (`-1,234.50`) in fen.
fn page_fen(text: &str) -> i128 {
    fen(&text.replace(',', ""))
}

/// The findings on `pol reconcile`'s page are reconcile_summary.json's: per county (over the
/// programs) and per program for the province; the run's figures are on the same page; the
/// page is the same bytes on a second run.
#[test]
fn the_reconcile_page_shows_the_summarys_findings_and_the_runs_figures() {
    let work = tempfile::tempdir().unwrap();
    let html = example_reconcile(&work.path().join("out"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out/reconcile_summary.json")).unwrap())
            .unwrap();
    assert!(html.contains("<title>shaanxi 汇总报告 与数据比对 2019-07</title>"), "title");
    assert!(
        html.contains("<dt>比对月份</dt><dd>2019-07</dd>") && html.contains("<dt>发放名册</dt><dd>roster.csv</dd>")
    );
    // The run's sections come first, then the findings'.
    let run_part = &html[..html.find(">比对:全省</h2>").expect("the findings' section")];
    assert!(run_part.contains("<h2 id=\"s1\">"), "the run's figures are on the page");
    let words: Vec<&str> = summary["province"]["programs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["finding"].as_str().unwrap())
        .collect();
    assert_eq!(words, ["漏保", "错保", "少发", "多发", "无此户"]);
    // The province: one row per program, its counts and amounts as the summary's.
    let province = &html[html.find(">比对:全省</h2>").unwrap()..];
    let programs = summary["programs"].as_array().unwrap();
    let mut any_finding = false;
    for (program, findings) in programs.iter().zip(summary["province"]["programs"].as_array().unwrap()) {
        let name = program["name"].as_str().unwrap();
        let name = if name.is_empty() { program["id"].as_str().unwrap() } else { name };
        let cells = row_cells(province, &pol_runtime::html_report::escape(name).to_string());
        for (index, finding) in findings["findings"].as_array().unwrap().iter().enumerate() {
            let count = finding["count"].as_u64().unwrap();
            any_finding |= count > 0;
            assert_eq!(cells[1 + 2 * index], pol_runtime::html_report::integer_text(count.into()), "{name} count");
            assert_eq!(page_fen(&cells[2 + 2 * index]), fen(finding["amount"].as_str().unwrap()), "{name} amount");
        }
    }
    assert!(any_finding, "the example roster has findings");
    // Per county: the counts and amounts over the programs.
    let counties_part = &html[html.find(">比对:按县区</h2>").expect("the counties' section")..];
    let counties = summary["counties"].as_array().unwrap();
    assert!(counties.len() > 100);
    for county in counties {
        let code = county["code"].as_str().unwrap();
        let cells = row_cells(counties_part, code);
        let mut total = 0;
        for index in 0..4 {
            let (mut count, mut amount) = (0, 0);
            for program in county["programs"].as_array().unwrap() {
                let finding = &program["findings"][index];
                assert_eq!(finding["finding"].as_str().unwrap(), words[index]);
                count += finding["count"].as_u64().unwrap();
                amount += fen(finding["amount"].as_str().unwrap());
            }
            total += count;
            assert_eq!(cells[3 + 2 * index], pol_runtime::html_report::integer_text(count.into()), "{code}");
            assert_eq!(page_fen(&cells[4 + 2 * index]), amount, "{code}");
        }
        assert_eq!(cells[2], pol_runtime::html_report::integer_text(total.into()), "{code} total");
    }
    // The households to visit first: each one's rows.
    let visits = &html[html.find(">比对:优先走访</h2>").expect("the visit section")..];
    for visit in summary["visit_first"].as_array().unwrap() {
        let id = visit["household_id"].as_str().unwrap();
        assert_eq!(
            visits.matches(&format!("<tr><td>{id}</td>")).count(),
            visit["findings"].as_array().unwrap().len(),
            "{id}"
        );
    }
    let again = example_reconcile(&work.path().join("again"));
    assert!(html == again, "report.html differs between two runs");
}

/// The figures on `pol diff`'s page are summary.json's: the province's money columns and
/// transitions, the histogram's bins, each city's and county's change of the monthly total; the
/// same bytes on a second run.
#[test]
fn the_diff_page_shows_the_summarys_figures() {
    let work = tempfile::tempdir().unwrap();
    let html = example_diff(&work.path().join("out"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out/summary.json")).unwrap()).unwrap();
    assert!(html.contains("<title>shaanxi 政策调整影响(2018-12-01 → 2019-07-01)</title>"), "title");
    let groups = summary["groups"].as_array().unwrap();
    let province = groups.iter().find(|group| group["level"] == "province").unwrap();
    assert!(html.contains(&format!(
        "<dt>比较户数</dt><dd>{}</dd>",
        pol_runtime::html_report::integer_text(summary["households"]["compared"].as_u64().unwrap().into())
    )));
    let label = |value: &serde_json::Value| {
        value["label"].as_str().unwrap_or_else(|| value["column"].as_str().unwrap()).to_string()
    };
    let money_part = &html[html.find(">金额变化</h2>").expect("the money section")..];
    let mut changed = false;
    for money in province["money"].as_array().unwrap() {
        let period = match money["period"].as_str().unwrap() {
            "month" => "每月",
            "year" => "每年",
            _ => "一次性",
        };
        let name = pol_runtime::html_report::escape(&format!("{}({period})", label(money))).to_string();
        let cells = row_cells(money_part, &name);
        for (index, key) in ["gaining", "losing", "unchanged"].iter().enumerate() {
            let count = money[key].as_u64().unwrap();
            assert_eq!(cells[1 + index], pol_runtime::html_report::integer_text(count.into()), "{name} {key}");
        }
        for (index, key) in ["base", "reform", "change"].iter().enumerate() {
            assert_eq!(page_fen(&cells[4 + index]), fen(money[key].as_str().unwrap()), "{name} {key}");
        }
        changed |= fen(money["change"].as_str().unwrap()) != 0;
    }
    assert!(changed, "the dates change some money");
    // Transitions: each matrix's counts, row by row.
    let transitions_part = &html[html.find(">状态变化</h2>").expect("the transitions section")..];
    for transition in province["transitions"].as_array().unwrap() {
        let caption = pol_runtime::html_report::escape(&label(transition)).to_string();
        let table = &transitions_part[transitions_part.find(&format!("<caption>{caption}")).unwrap()..];
        for (value, counts) in
            transition["base_values"].as_array().unwrap().iter().zip(transition["counts"].as_array().unwrap())
        {
            let cells = row_cells(table, value.as_str().unwrap());
            let expected: Vec<String> = counts
                .as_array()
                .unwrap()
                .iter()
                .map(|count| pol_runtime::html_report::integer_text(count.as_u64().unwrap().into()))
                .collect();
            assert_eq!(cells[1..], expected[..], "{caption} {value}");
        }
    }
    // The histogram: one column per bin with the province's count in its tooltip.
    let bins = summary["histogram"]["bins"].as_array().unwrap();
    let counts = province["histogram"].as_array().unwrap();
    assert_eq!(bins.len(), counts.len());
    let histogram = &html[html.find(">每户变化的分布</h2>").expect("the histogram")..];
    let histogram = &histogram[..histogram.find("</figure>").unwrap()];
    for (bin, count) in bins.iter().zip(counts) {
        let bin = pol_runtime::html_report::escape(bin.as_str().unwrap()).to_string();
        let count = pol_runtime::html_report::integer_text(count.as_u64().unwrap().into());
        assert!(histogram.contains(&bin) && histogram.contains(&count), "bin {bin}: {count}");
    }
    // Cities and counties: the monthly total's change.
    let column = summary["histogram"]["column"].as_str().unwrap();
    for (level, word) in [("city", "设区市"), ("county", "县区")] {
        let part = &html[html.find(&format!(">按{word}</h2>")).expect("a level's section")..];
        let members: Vec<&serde_json::Value> = groups.iter().filter(|group| group["level"] == level).collect();
        assert!(!members.is_empty(), "{level}");
        for group in members {
            let code = group["code"].as_str().unwrap();
            let cells = row_cells(part, code);
            let money = group["money"].as_array().unwrap().iter().find(|money| money["column"] == column).unwrap();
            assert_eq!(cells[2], pol_runtime::html_report::integer_text(group["households"].as_u64().unwrap().into()));
            assert_eq!(cells[3], pol_runtime::html_report::integer_text(group["changed"].as_u64().unwrap().into()));
            for (index, key) in ["base", "reform", "change"].iter().enumerate() {
                assert_eq!(page_fen(&cells[4 + index]), fen(money[key].as_str().unwrap()), "{code} {key}");
            }
        }
    }
    assert!(!html.contains(" src=") && !html.contains("://"), "the page loads nothing");
    let again = example_diff(&work.path().join("again"));
    assert!(html == again, "report.html differs between two diffs");
}

/// The real diff and reconcile pages of the example data render in headless chromium without a
/// console message, each with a non-blank screenshot (skipped like the test above without
/// chromium).
#[test]
fn the_diff_and_reconcile_pages_render_in_a_headless_browser() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("POL_BROWSER_TESTS").is_none(), "POL_BROWSER_TESTS is set but chromium is missing");
        eprintln!("skipped: no chromium (set POL_BROWSER_TESTS=1 to require it)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let pages = [
        ("diff", example_diff(&work.path().join("diff"))),
        ("reconcile", example_reconcile(&work.path().join("reconcile"))),
    ];
    for (kind, html) in pages {
        let page = work.path().join(kind).join("report.html");
        assert_eq!(std::fs::read_to_string(&page).unwrap(), html);
        let screenshot = work.path().join(format!("{kind}.png"));
        run_chromium(&chromium, &page, &format!("--screenshot={}", screenshot.display()));
        let bytes = std::fs::read(&screenshot).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{kind}: not a PNG");
        assert!(bytes.len() >= 40_000, "{kind}: the screenshot looks blank: {} bytes", bytes.len());
        if std::env::var_os("POL_KEEP_SCREENSHOTS").is_some() {
            std::fs::copy(&screenshot, std::env::temp_dir().join(format!("pol-{kind}.png"))).unwrap();
        }
    }
}

/// Text from the policy (a doc comment, a budget label) and from `jurisdictions.csv` (a name)
/// reaches the page escaped; a small policy's page carries its rate and budget line; a policy
/// without a report writes no page.
#[test]
fn the_report_page_escapes_policy_and_jurisdiction_text() {
    use crate::support::{SMALL_JURISDICTIONS, SMALL_POL, compile_text, options, run_ok};
    let pol = SMALL_POL
        .replace("household paid:", "/// <b>已付</b> & \"金额\"\nhousehold paid:")
        .replace("budget paid \"补助资金\"", "budget paid \"补助<资金>\"");
    let jurisdictions = SMALL_JURISDICTIONS.replace("碑林区", "<i>碑林区</i>");
    let compiled = compile_text(&pol, &jurisdictions);
    let inputs = crate::support::Inputs::new();
    inputs.write("households.csv", crate::outputs::HOUSEHOLDS);
    inputs.write("persons.csv", crate::outputs::PERSONS);
    inputs.write("cases.csv", crate::outputs::CASES);
    run_ok(&compiled, &options(&compiled, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "out"));
    let html = inputs.read("out/report.html");
    assert!(html.contains("&lt;b&gt;已付&lt;/b&gt; &amp; &quot;金额&quot;(元/月)"), "{html}");
    assert!(html.contains("<td>&lt;i&gt;碑林区&lt;/i&gt;</td>") && html.contains(">&lt;i&gt;碑林区&lt;/i&gt;</text>"));
    assert!(html.contains("<td>补助&lt;资金&gt;</td>"));
    assert!(!html.contains("<b>") && !html.contains("<i>"));
    assert!(html.contains("比率 adult_share") && html.contains("<dt>个案</dt>"));
    // No `report` declaration: no report, in any form.
    let start = pol.find("report for").unwrap();
    let without = compile_text(&pol[..start], &jurisdictions);
    run_ok(&without, &options(&without, &inputs, "households.csv", "persons.csv", Some("cases.csv"), "plain"));
    assert!(!inputs.path("plain/report.html").exists() && !inputs.path("plain/report.md").exists());
}
