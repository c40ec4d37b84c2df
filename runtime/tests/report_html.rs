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

/// A diff page and a reconcile page over the example's counties (made-up figures: the pages
/// only format them).
fn other_pages(report_json: &serde_json::Value) -> Vec<(&'static str, String)> {
    use pol_runtime::html_report::*;
    let counties = report_json["counties"].as_array().unwrap();
    let name = |county: &serde_json::Value| county["name"].as_str().unwrap().to_string();
    let code = |county: &serde_json::Value| county["code"].as_str().unwrap().to_string();
    let diff = DiffPage {
        title: "shaanxi → shaanxi-reform 政策调整影响".into(),
        facts: vec![("计算基准日".into(), "2019-07-01".into()), ("比较户数".into(), "981".into())],
        money: vec![MoneyChangeRow {
            label: "月低保金".into(),
            gaining: 420,
            losing: 15,
            unchanged: 546,
            before: "232556.29".into(),
            after: "251203.00".into(),
            change: "18646.71".into(),
        }],
        transitions: vec![TransitionTable {
            label: "农村低保认定结果".into(),
            before: vec!["none".into(), "full".into()],
            after: vec!["none".into(), "full".into()],
            counts: vec![vec![460, 15], vec![3, 450]],
        }],
        groups: counties
            .iter()
            .enumerate()
            .map(|(index, county)| {
                let change = (index as i64 % 7 - 2) * 1234;
                GroupChange {
                    level: "县区".into(),
                    code: code(county),
                    name: name(county),
                    households: county["households"].as_u64().unwrap(),
                    changed: index as u64 % 5,
                    before: "1000.00".into(),
                    after: format!("{}.50", 1000 + change),
                    change: format!("{change}.50"),
                }
            })
            .collect(),
        histogram: Some(ChangeHistogram {
            label: "每户月度合计的变化(元/月)".into(),
            bins: (0..20)
                .map(|index| Bin {
                    label: format!("{}–{}", index * 20 - 100, index * 20 - 80),
                    count: (index * 7 % 23) as u64,
                })
                .collect(),
        }),
    };
    let findings: Vec<String> =
        ["漏保", "错保", "少发", "多发", "无此户"].iter().map(|word| word.to_string()).collect();
    let counts = |seed: usize| -> Vec<Vec<FindingCount>> {
        (0..2)
            .map(|program| {
                (0..4)
                    .map(|finding| {
                        let count = ((seed + program * 3 + finding) % 9 / 6) as u64;
                        FindingCount { count, amount: format!("{}.00", count * 300) }
                    })
                    .collect()
            })
            .collect()
    };
    let reconcile = ReconcilePage {
        title: "shaanxi 数据比对 2019-07".into(),
        facts: vec![("比对月份".into(), "2019-07".into()), ("发放名册".into(), "roster.csv".into())],
        programs: vec!["农村低保".into(), "特困人员救助供养".into()],
        findings,
        province: FindingsGroup { code: "province".into(), name: String::new(), counts: counts(0) },
        levels: vec![(
            "县区".into(),
            counties
                .iter()
                .enumerate()
                .map(|(index, county)| FindingsGroup { code: code(county), name: name(county), counts: counts(index) })
                .collect(),
        )],
        visits: vec![VisitHousehold {
            household_id: "H000017".into(),
            county_code: "610102".into(),
            county_name: "新城区".into(),
            findings: vec![VisitFinding {
                program: "农村低保".into(),
                finding: "漏保".into(),
                computed: "612.50".into(),
                paid: None,
            }],
        }],
    };
    vec![("diff", render_diff_page(&diff)), ("reconcile", render_reconcile_page(&reconcile))]
}

/// The diff and reconcile pages render in headless chromium without a console message, each
/// with a non-blank screenshot (skipped like the test above without chromium).
#[test]
fn the_diff_and_reconcile_pages_render_in_a_headless_browser() {
    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("POL_BROWSER_TESTS").is_none(), "POL_BROWSER_TESTS is set but chromium is missing");
        eprintln!("skipped: no chromium (set POL_BROWSER_TESTS=1 to require it)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    example_run(&work.path().join("out"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out/report.json")).unwrap()).unwrap();
    for (kind, html) in other_pages(&report) {
        assert!(!html.contains(" src=") && !html.contains("://"), "{kind} loads something");
        let page = work.path().join(format!("{kind}.html"));
        std::fs::write(&page, &html).unwrap();
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
