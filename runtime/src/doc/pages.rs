//! The index, file, schema and jurisdictions pages, and the links and types they share.

use super::html::{anchor, code_link, escape, page};
use super::refs::Ref;
use super::site::{PolFile, Site, seed_and_notes};
use pol_compiler::format::word_to_string;
use pol_compiler::testing::TestFailure;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{ColumnTy, RuleRole, Ty};
use pol_grammar::ast::{self, EntityKind, Item};
use std::fmt::Write as _;

/// The index: the policy's files in order with their rules and parameters, and the other pages.
pub(super) fn index_html(site: &Site<'_>) -> String {
    let program = &site.policy.program;
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(site.title));
    let _ = writeln!(
        body,
        "<p>本站由 <code>pol doc</code> 根据政策源文件生成:{} 个文件,{} 条规则,{} 个参数,{} 个测试,{} 个辖区。\
         参数取值与测试结果按评估日期 <code>{}</code> 计算。</p>",
        site.files.len(),
        program.rules.iter().filter(|rule| rule.role == RuleRole::Named).count(),
        program.params.len(),
        program.tests.len(),
        site.policy.jurisdictions.counties.len(),
        pol_compiler::date::format_iso(site.as_of)
    );
    body.push_str(
        "<p><a href=\"params.html\">参数及其约束</a> · <a href=\"schema.html\">数据项与枚举</a> · \
         <a href=\"jurisdictions.html\">辖区表</a></p>\n",
    );
    for file in &site.files {
        let _ = writeln!(body, "<h2><a href=\"{}\">{}</a></h2>", escape(&file.page), escape(file.name));
        let header = file_header(file.text);
        if !header.is_empty() {
            let _ = writeln!(body, "<p class=\"doc\">{}</p>", escape(&header));
        }
        let (mut rules, mut params, mut n_tests) = (Vec::new(), Vec::new(), 0usize);
        for item in &file.ast.items {
            match item {
                Item::Rule(rule) => rules
                    .push(code_link(&format!("{}#{}", file.page, anchor("rule", &rule.name.name)), &rule.name.name)),
                Item::Param(param) => params.push(code_link(
                    &format!("params.html#{}", anchor("param", &param.name.dotted())),
                    &param.name.dotted(),
                )),
                Item::Replace(ast::ReplaceDecl { target: ast::Replaced::Rule(rule), .. }) => rules
                    .push(code_link(&format!("{}#{}", file.page, anchor("rule", &rule.name.name)), &rule.name.name)),
                Item::Replace(ast::ReplaceDecl { target: ast::Replaced::Param(param), .. }) => params.push(code_link(
                    &format!("params.html#{}", anchor("param", &param.name.dotted())),
                    &param.name.dotted(),
                )),
                Item::Test(_) => n_tests += 1,
                Item::Enum(_)
                | Item::Jurisdictions(_)
                | Item::Entity(_)
                | Item::Output(_)
                | Item::Report(_)
                | Item::Program(_)
                | Item::Visit(_)
                | Item::Reform(_)
                | Item::Currency(_)
                | Item::Remove(_) => {}
            }
        }
        if !rules.is_empty() {
            let _ = writeln!(body, "<p><span class=\"label\">规则</span>{}</p>", rules.join(" "));
        }
        if !params.is_empty() {
            let _ = writeln!(body, "<p><span class=\"label\">参数</span>{}</p>", params.join(" "));
        }
        if n_tests > 0 {
            let _ = writeln!(body, "<p><span class=\"label\">测试</span>{n_tests} 个</p>");
        }
    }
    page(site.title, "目录", &body)
}

/// One `.pol` file: every declaration in source order.
pub(super) fn file_html(site: &Site<'_>, file: &PolFile<'_>) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1><code>{}</code></h1>", escape(file.name));
    let header = file_header(file.text);
    if !header.is_empty() {
        let _ = writeln!(body, "<p class=\"doc\">{}</p>", escape(&header));
    }
    for item in &file.ast.items {
        match item {
            Item::Rule(rule) => body.push_str(&rule_html(site, file, rule)),
            Item::Test(test) => body.push_str(&test_html(site, test)),
            Item::Param(param) => {
                let name = param.name.dotted();
                let href = format!("params.html#{}", anchor("param", &name));
                let title = format!("param {}", code_link(&href, &name));
                body.push_str(&plain_item_html(file, item, &title, &param.doc, param.span));
            }
            Item::Enum(decl) => {
                let href = format!("schema.html#{}", anchor("enum", &decl.name.name));
                let title = format!("enum {}", code_link(&href, &decl.name.name));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Entity(decl) => {
                let href = format!("schema.html#{}", anchor("entity", decl.kind.keyword()));
                let title = code_link(&href, decl.kind.keyword());
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Jurisdictions(decl) => {
                let title = code_link("jurisdictions.html", "jurisdictions");
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Output(decl) => {
                let title = format!("output <code>{}</code>", escape(&decl.name.name));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Report(decl) => {
                let title = format!("report for <code>{}</code>", escape(&decl.table.name));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Program(decl) => {
                let title = format!("program <code>{}</code> {}", escape(&decl.id.name), escape(&decl.name.value));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Visit(decl) => {
                let title = format!("visit = <code>{}</code>", escape(&decl.rule.name));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Reform(decl) => {
                let title = format!("reform of <code>{}</code>", escape(&decl.base.value));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Currency(decl) => {
                let mut title = format!("currency <code>{}</code>", escape(&decl.currency.name()));
                if let Some((precision, _)) = &decl.precision {
                    title.push_str(&format!(" precision <code>{}</code>", escape(precision)));
                }
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
            Item::Replace(decl) => match &decl.target {
                ast::Replaced::Rule(rule) => body.push_str(&rule_html(site, file, rule)),
                ast::Replaced::Param(param) => {
                    let name = param.name.dotted();
                    let href = format!("params.html#{}", anchor("param", &name));
                    let title = format!("replace param {}", code_link(&href, &name));
                    body.push_str(&plain_item_html(file, item, &title, &param.doc, decl.span));
                }
            },
            Item::Remove(decl) => {
                let title = format!("remove {} <code>{}</code>", decl.entity.keyword(), escape(&decl.name.name));
                body.push_str(&plain_item_html(file, item, &title, &decl.doc, decl.span));
            }
        }
    }
    page(site.title, file.name, &body)
}

/// A rule: doc comment, seed passage, type, formula, references and worked examples.
fn rule_html(site: &Site<'_>, file: &PolFile<'_>, decl: &ast::RuleDecl) -> String {
    let program = &site.policy.program;
    let found = program.rules.iter().enumerate().find(|(_, rule)| rule.span == decl.span);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"item\" id=\"{}\">\n<h3>{} {}</h3>",
        escape(&anchor("rule", &decl.name.name)),
        decl.entity.keyword(),
        escape(&decl.name.name)
    );
    out.push_str(&doc_and_seed_html(file, &decl.doc, decl.span));
    if let Some((_, rule)) = found {
        let _ = writeln!(out, "<p><span class=\"label\">类型</span>{}</p>", ty_html(site, rule.ty));
        // A policy with periods says each rule's (按月, 按年).
        if pol_compiler::dated::unroll::has_periods(program) {
            let period = match rule.period {
                pol_compiler::tir::Per::Month => "按月计算(<code>per month</code>)",
                pol_compiler::tir::Per::Year => "按年计算(<code>per year</code>)",
            };
            let _ = writeln!(out, "<p><span class=\"label\">期间</span>{period}</p>");
        }
    }
    let _ = writeln!(out, "<p class=\"label\">公式</p>\n<pre>{}</pre>", escape(&formatted(&Item::Rule(decl.clone()))));
    out.push_str(&versions_html(file, decl));
    if let Some((index, _)) = found {
        out.push_str(&refs_html(site, "读取", site.refs.rule_reads.get(index)));
        out.push_str(&refs_html(site, "被引用", site.refs.read_by.get(&Ref::Rule(index))));
        if let Some(tests) = site.refs.tests_of_rule.get(&index) {
            let _ = writeln!(out, "<p class=\"label\">测试示例({} 个)</p>", tests.len());
            for test in tests.iter().filter_map(|test| site.refs.tests.get(*test)) {
                let href = format!("{}#{}", test.page, test.anchor);
                let _ = writeln!(
                    out,
                    "<p>{} {}</p>\n<pre>{}</pre>",
                    code_link(&href, &test.decl.name.value),
                    result_html(&test.failures),
                    escape(&formatted(&Item::Test(test.decl.clone())))
                );
            }
        }
    }
    out.push_str("</section>\n");
    out
}

/// A dated rule's versions by date (生效日期 → 公式, or 不再生效 for `none`); nothing for a rule
/// in force on every date.
fn versions_html(file: &PolFile<'_>, decl: &ast::RuleDecl) -> String {
    if decl.undated_body().is_some() {
        return String::new();
    }
    let mut out = String::from("<p class=\"label\">各版本</p>\n<table>\n<tr><th>生效日期</th><th>公式</th></tr>\n");
    for version in &decl.values {
        let from = version
            .from
            .map_or_else(|| "—".to_string(), |date| format!("{:04}-{:02}-{:02}", date.year, date.month, date.day));
        let body = match &version.value {
            Some(expr) => {
                let text = file.text.get(expr.span.start as usize..expr.span.end as usize).unwrap_or("");
                format!("<code>{}</code>", escape(text))
            }
            None => "不再生效".to_string(),
        };
        let _ = writeln!(out, "<tr><td>{}</td><td>{body}</td></tr>", escape(&from));
    }
    out.push_str("</table>\n");
    out
}

/// A test with its anchor, its source and its result on the interpreter.
fn test_html(site: &Site<'_>, decl: &ast::TestDecl) -> String {
    let Some(index) = site.refs.test_of_span.get(&super::refs::span_key(decl.span)) else { return String::new() };
    let Some(test) = site.refs.tests.get(*index) else { return String::new() };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"item\" id=\"{}\">\n<h3>test {}</h3>",
        escape(&test.anchor),
        escape(&decl.name.value)
    );
    if !decl.doc.is_empty() {
        let _ = writeln!(out, "<p class=\"doc\">{}</p>", escape(&decl.doc.join("\n")));
    }
    let _ = writeln!(out, "<p><span class=\"label\">解释器运行结果</span>{}</p>", result_html(&test.failures));
    let _ = writeln!(out, "<pre>{}</pre>\n</section>", escape(&formatted(&Item::Test(decl.clone()))));
    out
}

/// A declaration shown as its formatted source, under a title (already HTML).
fn plain_item_html(file: &PolFile<'_>, item: &Item, title: &str, doc: &[String], span: pol_grammar::Span) -> String {
    let mut out = format!("<section class=\"item\">\n<h3>{title}</h3>\n");
    out.push_str(&doc_and_seed_html(file, doc, span));
    let _ = writeln!(out, "<pre>{}</pre>\n</section>", escape(&formatted(item)));
    out
}

/// The doc comment, the seed passage and the drafter's notes above a declaration.
pub(super) fn doc_and_seed_html(file: &PolFile<'_>, doc: &[String], span: pol_grammar::Span) -> String {
    let mut out = String::new();
    if !doc.is_empty() {
        let lines: Vec<&str> = doc.iter().map(|line| line.trim()).collect();
        let _ = writeln!(out, "<p class=\"doc\">{}</p>", escape(&lines.join(" ")));
    }
    let (seed, notes) = seed_and_notes(file.text, span.start as usize);
    if !seed.is_empty() {
        let _ = writeln!(out, "<p class=\"label\">政策原文</p>\n<blockquote>{}</blockquote>", escape(&seed.join("")));
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "<p class=\"notes\">{}</p>", escape(&notes.join(" ")));
    }
    out
}

/// A declaration printed by the formatter, without its doc comment (shown above it).
pub(super) fn formatted(item: &Item) -> String {
    let mut item = item.clone();
    match &mut item {
        Item::Enum(decl) => decl.doc.clear(),
        Item::Jurisdictions(decl) => decl.doc.clear(),
        Item::Entity(decl) => decl.doc.clear(),
        Item::Param(decl) => decl.doc.clear(),
        Item::Rule(decl) => decl.doc.clear(),
        Item::Output(decl) => decl.doc.clear(),
        Item::Report(decl) => decl.doc.clear(),
        Item::Program(decl) => decl.doc.clear(),
        Item::Visit(decl) => decl.doc.clear(),
        Item::Test(decl) => decl.doc.clear(),
        Item::Reform(decl) => decl.doc.clear(),
        Item::Currency(decl) => decl.doc.clear(),
        Item::Replace(decl) => match &mut decl.target {
            ast::Replaced::Rule(rule) => rule.doc.clear(),
            ast::Replaced::Param(param) => param.doc.clear(),
        },
        Item::Remove(decl) => decl.doc.clear(),
    }
    pol_grammar::print_file(&ast::File { items: vec![item] }).trim_end().to_string()
}

/// "通过" or the failures.
fn result_html(failures: &Result<Vec<TestFailure>, String>) -> String {
    match failures {
        Ok(failures) if failures.is_empty() => "<span class=\"pass\">通过</span>".into(),
        Ok(failures) => {
            let texts: Vec<String> = failures.iter().map(failure_text).collect();
            format!("<span class=\"fail\">未通过:{}</span>", escape(&texts.join(";")))
        }
        Err(message) => format!("<span class=\"fail\">无法运行:{}</span>", escape(message)),
    }
}

fn failure_text(failure: &TestFailure) -> String {
    match failure {
        TestFailure::Mismatch { what, expected, actual, .. } => format!("{what} 应为 {expected},实为 {actual}"),
        TestFailure::Rejected { message } => format!("被拒绝:{message}"),
        TestFailure::Error(error) => format!("计算出错:{:?}", error.kind),
        TestFailure::NotRejected { actual, .. } => format!("应被拒绝,实为 {actual}"),
        TestFailure::NoError { .. } => "应出错,但未出错".into(),
        TestFailure::Setup(message) => format!("无法运行:{message}"),
    }
}

/// A list of references under a label, or nothing when there are none.
pub(super) fn refs_html(site: &Site<'_>, label: &str, refs: Option<&std::collections::BTreeSet<Ref>>) -> String {
    let Some(refs) = refs.filter(|refs| !refs.is_empty()) else { return String::new() };
    let links: Vec<String> = refs.iter().map(|reference| ref_html(site, *reference)).collect();
    format!("<p><span class=\"label\">{}</span>{}</p>\n", escape(label), links.join(" "))
}

/// A link to what a reference names.
pub(super) fn ref_html(site: &Site<'_>, reference: Ref) -> String {
    let program = &site.policy.program;
    match reference {
        Ref::Rule(index) => match program.rules.get(index) {
            Some(rule) if rule.role == RuleRole::Named => match site.page_of(rule.span.source) {
                Some(page) => code_link(&format!("{page}#{}", anchor("rule", &rule.name)), &rule.name),
                None => format!("<code>{}</code>", escape(&rule.name)),
            },
            Some(rule) => format!("<code>{}</code>", escape(&rule.name)),
            None => String::new(),
        },
        Ref::Param(index) => program.params.get(index).map_or_else(String::new, |param| {
            code_link(&format!("params.html#{}", anchor("param", &param.name)), &param.name)
        }),
        Ref::Column(entity, index) => program.schema(entity).columns.get(index).map_or_else(String::new, |column| {
            let name = format!("{}.{}", entity.keyword(), column.name);
            code_link(&format!("schema.html#{}", column_anchor(entity, &column.name)), &name)
        }),
        Ref::Attr(index) => program.jurisdiction.attrs.get(index).map_or_else(String::new, |attr| {
            code_link(&format!("jurisdictions.html#{}", anchor("attr", &attr.name)), &format!("county.{}", attr.name))
        }),
        Ref::Enum(index) => program.enums.get(index).map_or_else(String::new, |def| {
            code_link(&format!("schema.html#{}", anchor("enum", &def.name)), &def.name)
        }),
    }
}

fn column_anchor(entity: EntityKind, name: &str) -> String {
    anchor("col", &format!("{}-{name}", entity.keyword()))
}

/// A type with its unit, in words; an enum links to its definition.
pub(super) fn ty_html(site: &Site<'_>, ty: Ty) -> String {
    match ty {
        Ty::Bool => "布尔(<code>bool</code>)".into(),
        Ty::Int => "整数(<code>int</code>)".into(),
        Ty::Ratio => "比例(<code>ratio</code>)".into(),
        Ty::Money(period) => format!("金额,单位 <code>{}</code>", escape(&site.policy.program.currency.unit(period))),
        Ty::Date => "日期(<code>date</code>)".into(),
        Ty::Text => "文本(<code>text</code>)".into(),
        Ty::Enum(id) => format!("枚举 {}", ref_html(site, Ref::Enum(id.0 as usize))),
    }
}

/// The input columns of each entity, and the enums.
pub(super) fn schema_html(site: &Site<'_>) -> String {
    let program = &site.policy.program;
    let mut body = String::from("<h1>数据项与枚举</h1>\n");
    for kind in [EntityKind::Household, EntityKind::Person, EntityKind::Case] {
        let schema = program.schema(kind);
        if !schema.declared {
            continue;
        }
        let decl = site.files.iter().flat_map(|file| file.ast.items.iter()).find_map(|item| match item {
            Item::Entity(decl) if decl.kind == kind => Some(decl),
            Item::Entity(_)
            | Item::Enum(_)
            | Item::Jurisdictions(_)
            | Item::Param(_)
            | Item::Rule(_)
            | Item::Output(_)
            | Item::Report(_)
            | Item::Program(_)
            | Item::Visit(_)
            | Item::Test(_)
            | Item::Reform(_)
            | Item::Currency(_)
            | Item::Replace(_)
            | Item::Remove(_) => None,
        });
        let _ = writeln!(body, "<h2 id=\"{}\"><code>{}</code></h2>", anchor("entity", kind.keyword()), kind.keyword());
        body.push_str("<table>\n<tr><th>数据项</th><th>类型</th><th>说明</th><th>被引用</th></tr>\n");
        for (index, column) in schema.columns.iter().enumerate() {
            let doc = decl
                .and_then(|decl| decl.columns.iter().find(|c| c.name.name == column.name))
                .map(|c| c.doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let ty = match column.ty {
                ColumnTy::Key => "标识(<code>key</code>)".to_string(),
                ColumnTy::County => "县级代码(<code>county</code>)".to_string(),
                ColumnTy::HouseholdRef => "所属家庭(<code>household</code>)".to_string(),
                ColumnTy::Value(ty) => ty_html(site, ty),
            };
            let range = column.range.map(|(low, high)| format!(" <code>{low}..{high}</code>")).unwrap_or_default();
            let readers = site.refs.read_by.get(&Ref::Column(kind, index));
            let readers: Vec<String> =
                readers.into_iter().flatten().map(|reference| ref_html(site, *reference)).collect();
            let _ = writeln!(
                body,
                "<tr id=\"{}\"><td><code>{}</code></td><td>{ty}{range}</td><td>{}</td><td>{}</td></tr>",
                escape(&column_anchor(kind, &column.name)),
                escape(&column.name),
                escape(&doc),
                readers.join(" ")
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2>枚举</h2>\n");
    for (index, def) in program.enums.iter().enumerate() {
        let _ = writeln!(body, "<section class=\"item\" id=\"{}\">", escape(&anchor("enum", &def.name)));
        let _ = writeln!(body, "<h3>enum {}</h3>", escape(&def.name));
        let variants: Vec<String> =
            def.variants.iter().map(|variant| format!("<code>{}</code>", escape(variant))).collect();
        let _ = writeln!(body, "<p><span class=\"label\">取值</span>{}</p>", variants.join(" "));
        body.push_str(&refs_html(site, "被引用", site.refs.read_by.get(&Ref::Enum(index))));
        body.push_str("</section>\n");
    }
    page(site.title, "数据项与枚举", &body)
}

/// The jurisdictions table, grouped by city, with each county's attributes.
pub(super) fn jurisdictions_html(site: &Site<'_>) -> String {
    let program = &site.policy.program;
    let table = &site.policy.jurisdictions;
    let texts =
        TextTables { literals: &program.texts, batch: &pol_compiler::text::NO_TEXTS, jurisdiction: &table.texts };
    let mut body = String::from("<h1>辖区</h1>\n<table>\n<tr><th>县级代码</th><th>所属市</th>");
    for attr in &program.jurisdiction.attrs {
        let _ =
            write!(body, "<th id=\"{}\"><code>{}</code></th>", escape(&anchor("attr", &attr.name)), escape(&attr.name));
    }
    body.push_str("<th>参数文件</th></tr>\n");
    let local: Vec<(String, String)> = site
        .policy
        .params
        .local_files()
        .map(|file| (file.jurisdiction.to_string(), site.source_name(file.source).to_string()))
        .collect();
    let file_of = |code: &str| {
        local.iter().find(|(jurisdiction, _)| jurisdiction == code).map(|(_, name)| escape(name)).unwrap_or_default()
    };
    let mut cities_seen: Vec<&str> = Vec::new();
    let width = program.jurisdiction.attrs.len() + 2;
    for county in &table.counties {
        if !cities_seen.contains(&county.city.as_str()) {
            cities_seen.push(&county.city);
            let _ = writeln!(
                body,
                "<tr id=\"{}\"><th colspan=\"{width}\">市 <code>{}</code></th><th>{}</th></tr>",
                escape(&anchor("j", &county.city)),
                escape(&county.city),
                file_of(&county.city)
            );
        }
        let _ = write!(
            body,
            "<tr id=\"{}\"><td><code>{}</code></td><td><code>{}</code></td>",
            escape(&anchor("j", &county.code)),
            escape(&county.code),
            escape(&county.city)
        );
        for (attr, word) in program.jurisdiction.attrs.iter().zip(&county.attrs) {
            let _ = write!(body, "<td>{}</td>", escape(&word_to_string(program, &texts, attr.ty, *word)));
        }
        let _ = writeln!(body, "<td>{}</td></tr>", file_of(&county.code));
    }
    body.push_str("</table>\n");
    page(site.title, "辖区", &body)
}

/// The comment lines at the top of a file, before its first declaration or blank line.
fn file_header(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map_while(|line| line.trim().strip_prefix("//").filter(|rest| !rest.starts_with('/')))
        .map(str::trim)
        .filter(|line| !line.starts_with("---"))
        .collect();
    lines.join(" ")
}
