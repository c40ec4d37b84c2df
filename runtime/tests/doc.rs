//! `pol doc`: the Shaanxi policy's site has every link resolving to a page and anchor that
//! exist, carries the content a reader needs, is the same bytes every time, and escapes text.

use crate::support::{SMALL_JURISDICTIONS, SMALL_POL, as_of};
use pol_compiler::diagnostic::{SourceKind, Sources};
use pol_compiler::tir::RuleRole;
use pol_runtime::doc::{Page, generate};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn shaanxi_site() -> (pol_compiler::policy::Policy, Vec<Page>) {
    site_of("../policies/shaanxi")
}

/// The site of the policy at `path` (relative to this crate).
fn site_of(path: &str) -> (pol_compiler::policy::Policy, Vec<Page>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let sources = pol_runtime::load::load_policy_dir(&dir).unwrap();
    let policy = pol_compiler::policy::compile(&sources).map_err(|errors| errors.len()).unwrap();
    let pages = generate(&sources, &policy, "shaanxi 政策文档", as_of()).unwrap();
    (policy, pages)
}

/// Every value of `attribute="…"` in a page, in order.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&needle) {
        let after = &rest[start + needle.len()..];
        let end = after.find('"').unwrap();
        values.push(&after[..end]);
        rest = &after[end..];
    }
    values
}

/// Checks every `href` of every page: a page of the site, and an anchor that page has. Returns
/// the number of links checked.
fn check_links(pages: &[Page]) -> usize {
    let ids: BTreeMap<&str, BTreeSet<&str>> = pages
        .iter()
        .map(|page| {
            let ids: Vec<&str> = attribute_values(&page.html, "id");
            let unique: BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(unique.len(), ids.len(), "{}: an id is used twice", page.name);
            (page.name.as_str(), unique)
        })
        .collect();
    let mut n_links = 0;
    for page in pages {
        for href in attribute_values(&page.html, "href") {
            n_links += 1;
            if href == "data:," {
                continue;
            }
            assert!(!href.contains("://") && !href.starts_with("//"), "{}: external link {href}", page.name);
            let (target, fragment) = match href.split_once('#') {
                Some((target, fragment)) => (target, Some(fragment)),
                None => (href, None),
            };
            let target = if target.is_empty() { page.name.as_str() } else { target };
            let Some(target_ids) = ids.get(target) else { panic!("{}: link to a missing page {href}", page.name) };
            if let Some(fragment) = fragment {
                assert!(target_ids.contains(fragment), "{}: link to a missing anchor {href}", page.name);
            }
        }
        assert!(!page.html.contains(" src="), "{}: loads a resource", page.name);
    }
    n_links
}

#[test]
fn every_link_of_the_shaanxi_and_pension_sites_resolves() {
    let (_, pages) = shaanxi_site();
    let n_links = check_links(&pages);
    assert!(n_links > 1000, "only {n_links} links");
    let (_, pension) = site_of("../tests/policies/pension_topup");
    assert!(check_links(&pension) > 20);
}

#[test]
fn the_shaanxi_site_carries_rules_parameters_tests_and_jurisdictions() {
    let (policy, pages) = shaanxi_site();
    let page = |name: &str| pages.iter().find(|page| page.name == name).map(|page| page.html.as_str()).unwrap();
    let names: Vec<&str> = pages.iter().map(|page| page.name.as_str()).collect();
    assert!(names.contains(&"index.html") && names.contains(&"file-2019-20_dibao.html"), "{names:?}");

    let index = page("index.html");
    assert!(index.contains("<html lang=\"zh-CN\">") && index.contains("<meta charset=\"utf-8\">"));
    assert!(index.contains("WenQuanYi Zen Hei") && index.contains("Noto Sans CJK SC"));
    for file in ["2019/00_schema.pol", "2019/20_dibao.pol", "2019/95_outputs.pol"] {
        assert!(index.contains(file), "index lacks {file}");
    }

    let dibao = page("file-2019-20_dibao.html");
    let gap = &dibao[dibao.find("id=\"rule-gap\"").unwrap()..];
    let gap = &gap[..gap.find("</section>").unwrap()];
    assert!(gap.contains("<p class=\"doc\">家庭月收入与低保标准的差额</p>"), "{gap}");
    assert!(
        gap.contains(
            "<blockquote>&quot;确保将符合条件的建档立卡贫困户按规定程序全部纳入农村低保范围&quot;</blockquote>"
        )
    );
    assert!(gap.contains("<pre>household gap: 元/月 = monthly_standard * n_dibao - annual_income as 元/月</pre>"));
    assert!(gap.contains("金额,单位 <code>元/月</code>"));
    assert!(gap.contains("href=\"file-2019-20_dibao.html#rule-monthly_standard\""), "reads");
    assert!(gap.contains("href=\"schema.html#col-household-annual_income\""), "reads a column");
    assert!(gap.contains("href=\"file-2019-20_dibao.html#rule-dibao_status\""), "read by");
    assert!(gap.contains("expect gap = 810.00") && gap.contains("<span class=\"pass\">通过</span>"), "examples");

    let every_page: String = pages.iter().map(|page| page.html.as_str()).collect();
    assert!(!every_page.contains("未通过") && !every_page.contains("无法运行"), "a test fails in the site");
    for rule in policy.program.rules.iter().filter(|rule| rule.role == RuleRole::Named) {
        assert!(every_page.contains(&format!("id=\"rule-{}\"", rule.name)), "no anchor for rule {}", rule.name);
    }

    let params = page("params.html");
    for param in &policy.program.params {
        assert!(params.contains(&format!("id=\"param-{}\"", param.name)), "no anchor for {}", param.name);
    }
    let standard = &params[params.find("id=\"param-dibao_standard\"").unwrap()..];
    let standard = &standard[..standard.find("</section>").unwrap()];
    assert!(standard.contains("<code>params/610100_xian.toml</code> 第 10 行"), "{standard}");
    assert!(standard.contains("<td>2018-01-01</td><td><code>5280</code></td><td>5280.00</td>"), "{standard}");
    assert!(
        standard.contains("<code>require dibao_standard &gt;= 1.08 * last_year(dibao_standard)</code>:提高不低于8%")
    );
    assert!(standard.contains("<blockquote>&quot;农村低保最低限定保障标准提高不低于8%"));

    let jurisdictions = page("jurisdictions.html");
    assert!(jurisdictions.contains("id=\"j-610102\"") && jurisdictions.contains("新城区"));
    assert!(jurisdictions.contains("id=\"j-610100\"") && jurisdictions.contains("params/610100_xian.toml"));
    let schema = page("schema.html");
    assert!(schema.contains("id=\"enum-LaborCapacity\"") && schema.contains("id=\"col-person-birth_date\""));
}

#[test]
fn the_site_is_the_same_bytes_every_time() {
    let (_, first) = shaanxi_site();
    let (_, second) = shaanxi_site();
    assert!(first == second);
}

#[test]
fn text_from_the_policy_is_escaped() {
    let pol = format!(
        "{SMALL_POL}\n/// <script>alert(\"x\")</script> & 说明\nhousehold shown_doc: int = 1\n\n\
         test \"<b>名</b> & 'q'\" {{\n  household {{ county_code: \"610802\", village: \"v\", income: 0 }}\n  \
         person {{ name: \"a\", is_head: true, birth_date: 1980-01-01 }}\n  expect shown_doc = 1\n}}\n"
    );
    let mut sources = Sources::default();
    sources.add("policy.pol", pol, SourceKind::Pol);
    sources.add("jurisdictions.csv", SMALL_JURISDICTIONS, SourceKind::Jurisdictions);
    let policy = pol_compiler::policy::compile(&sources)
        .map_err(|errors| {
            let rendered: Vec<String> =
                errors.into_iter().map(|error| pol_compiler::diagnostic::render_plain(&sources, error)).collect();
            rendered.join("\n")
        })
        .unwrap();
    let pages = generate(&sources, &policy, "<站点> & \"标题\"", as_of()).unwrap();
    check_links(&pages);
    let file = pages.iter().find(|page| page.name == "file-policy.html").unwrap();
    assert!(file.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 说明"), "{}", file.html);
    assert!(file.html.contains("&lt;b&gt;名&lt;/b&gt; &amp; &#39;q&#39;"));
    assert!(file.html.contains("<title>policy.pol · &lt;站点&gt; &amp; &quot;标题&quot;</title>"));
    assert!(pages.iter().all(|page| !page.html.contains("<script") && !page.html.contains("<b>")));
}

/// The pages a browser opens, the screenshots it takes, and the smallest plausible size of each:
/// a blank 1100×800 page is about 4 KB.
const SCREENSHOTS: &[(&str, &str)] = &[("index.html", "index.png"), ("file-2019-20_dibao.html", "rule.png")];
const MIN_SCREENSHOT_BYTES: usize = 30_000;

/// The chromium to drive: `POL_CHROMIUM`, else `/usr/bin/chromium`.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("POL_CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), std::path::PathBuf::from);
    path.exists().then_some(path)
}

/// Opens the index and a rule page of the Shaanxi site in headless chromium: each gives a
/// non-blank screenshot of the window's size, and no page logs a console message (an error, an
/// uncaught exception). CI sets `POL_BROWSER_TESTS=1` and installs chromium; without the
/// variable, a machine without chromium skips this test with a notice.
#[test]
fn the_site_renders_in_a_headless_browser() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("POL_BROWSER_TESTS").is_none(),
            "POL_BROWSER_TESTS is set but chromium is missing (apt-get install chromium fonts-wqy-zenhei)"
        );
        eprintln!("skipped: no chromium (set POL_BROWSER_TESTS=1 to require it)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/shaanxi");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let format = pol_runtime::commands::ErrorFormat::Plain;
    let status = pol_runtime::commands::doc::doc(&policy, &site, as_of(), None, format, &mut out, &mut err);
    assert_eq!(status, pol_runtime::commands::Status::Success, "{}", String::from_utf8_lossy(&err));
    for (page, png) in SCREENSHOTS {
        let profile = tempfile::tempdir().unwrap();
        let screenshot = work.path().join(png);
        let output = std::process::Command::new("timeout")
            .arg("120")
            .arg(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
            .args(["--enable-logging=stderr", "--v=0", "--window-size=1100,800"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", screenshot.display()))
            .arg(format!("file://{}", site.join(page).display()))
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "chromium failed on {page}: {log}");
        let console: Vec<&str> =
            log.lines().filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught")).collect();
        assert!(console.is_empty(), "{page} logs to the console: {console:?}");
        let bytes = std::fs::read(&screenshot).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{png} is not a PNG");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((width, height), (1100, 800), "{png}");
        assert!(bytes.len() >= MIN_SCREENSHOT_BYTES, "{png} looks blank: {} bytes", bytes.len());
    }
}

/// A scale set by cities and counties (`tests/policies/local_scales`): the parameters page lists
/// who may set it, each local file's brackets with its line and jurisdiction, and its `require`s;
/// every link resolves.
#[test]
fn the_parameters_page_shows_each_local_files_brackets() {
    let (_, pages) = site_of("../tests/policies/local_scales");
    assert!(check_links(&pages) > 10);
    let params = pages.iter().find(|page| page.name == "params.html").map(|page| page.html.as_str()).unwrap();
    assert!(params.contains("<p><span class=\"label\">设定层级</span>省、市、县</p>"), "{params}");
    assert!(params.contains(
        "<tr><td><code>params/990100.toml</code> 第 5 行</td><td>市 <a href=\"jurisdictions.html#j-990100\"><code>990100</code></a></td><td>2020-01-01</td><td><code>&quot;[80: 60, 90: 120, 100: 400]&quot;</code></td><td>80 → 60.00;90 → 120.00;100 → 400.00</td></tr>"
    ));
    assert!(params.contains("<td>2020-01-01</td><td><code>&quot;[80: 80, 90: 160 元/月, 100: 500]&quot;</code></td><td>80 → 80.00;90 → 160.00;100 → 500.00</td>"));
    assert!(
        params
            .contains("<li><code>require bracket(high_age_allowance, 80) &gt;= 50</code>:80岁以上每月不低于50元</li>")
    );
}

/// OpenFisca's country template: its file page names the currency with its precision.
#[test]
fn the_currency_line_shows_its_precision() {
    let (_, pages) = site_of("../policies/openfisca_country_template");
    assert!(check_links(&pages) > 10);
    let with_currency: Vec<&str> = pages
        .iter()
        .filter(|page| page.html.contains("currency <code>EUR</code>"))
        .map(|page| page.html.as_str())
        .collect();
    assert_eq!(with_currency.len(), 1);
    assert!(
        with_currency.iter().all(|html| html.contains("currency <code>EUR</code> precision <code>0.000001</code>"))
    );
}
