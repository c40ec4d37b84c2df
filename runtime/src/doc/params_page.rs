//! The parameters page: each parameter's values by date in the province and in every local
//! file that sets it, the constraints each value must meet, and what it reads and is read by.

use super::html::{anchor, code_link, escape, page};
use super::pages::{doc_and_seed_html, formatted, refs_html, ty_html};
use super::refs::Ref;
use super::site::Site;
use pol_compiler::date::format_iso;
use pol_compiler::format::word_to_string;
use pol_compiler::params::LocalFileInfo;
use pol_compiler::text::TextTables;
use pol_compiler::tir::{Bracket, ParamDef, ParamId, ScaleDef, ScaleId, Word};
use pol_grammar::Span;
use pol_grammar::ast::{self, Item, Level};
use std::fmt::Write as _;

/// Every parameter, in declaration order.
pub(super) fn params_html(site: &Site<'_>) -> String {
    let mut body = String::from("<h1>参数</h1>\n");
    let _ = writeln!(
        body,
        "<p>省级取值写在政策文件中;设区市、县(区)的参数文件(<code>params/*.toml</code>)可按日期设定自己的取值。\
         县级取值依次取本县文件、所在市文件、省级取值。每个取值都须满足参数的约束(<code>require</code>)。\
         “当日取值”为该日期省级生效的值。</p>"
    );
    for (index, param) in site.policy.program.params.iter().enumerate() {
        body.push_str(&param_html(site, index, param));
    }
    for scale in &site.policy.program.scales {
        body.push_str(&scale_html(site, scale));
    }
    page(site.title, "参数", &body)
}

/// A scale parameter: its type, its brackets by date in the province and in every local file
/// that sets them, and its constraints.
fn scale_html(site: &Site<'_>, scale: &ScaleDef) -> String {
    let program = &site.policy.program;
    let texts = TextTables {
        literals: &program.texts,
        batch: &pol_compiler::text::NO_TEXTS,
        jurisdiction: site.policy.params.texts(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"item\" id=\"{}\">\n<h3>param {}</h3>",
        escape(&anchor("param", &scale.name)),
        escape(&scale.name)
    );
    let decl = site.files.iter().find_map(|file| {
        file.ast.items.iter().find_map(|item| match item {
            Item::Param(decl) if decl.span == scale.span => Some((file, decl)),
            _ => None,
        })
    });
    if let Some((file, decl)) = decl {
        out.push_str(&doc_and_seed_html(file, &decl.doc, decl.span));
        let _ = writeln!(out, "<p><span class=\"label\">声明于</span>{}</p>", code_link(&file.page, file.name));
    }
    let kind = if scale.value_ty == pol_compiler::tir::Ty::Ratio { "费率分档表" } else { "金额分档表" };
    let _ = writeln!(
        out,
        "<p><span class=\"label\">类型</span>{kind}:门槛 {},值 {}</p>",
        ty_html(site, scale.threshold_ty),
        ty_html(site, scale.value_ty)
    );
    let mut levels = vec!["省"];
    levels.extend(scale.set_by.iter().map(|level| level_name(*level)));
    let _ = writeln!(out, "<p><span class=\"label\">设定层级</span>{}</p>", levels.join("、"));
    out.push_str(
        "<p class=\"label\">各档(门槛含本数)</p>\n<table>\n<tr><th>起始日期</th><th>各档:门槛 → 值</th></tr>\n",
    );
    let brackets_text = |brackets: &[Bracket]| {
        brackets
            .iter()
            .map(|bracket| {
                format!(
                    "{} → {}",
                    word_to_string(program, &texts, scale.threshold_ty, bracket.threshold),
                    word_to_string(program, &texts, scale.value_ty, bracket.value)
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    };
    for version in &scale.versions {
        let from = version.from.map_or_else(|| "自始".to_string(), format_iso);
        let brackets = version.brackets.as_deref().map_or_else(|| "不再生效".to_string(), brackets_text);
        let _ = writeln!(out, "<tr><td>{}</td><td>{}</td></tr>", escape(&from), escape(&brackets));
    }
    out.push_str("</table>\n");
    out.push_str(&local_scales_html(site, scale, &brackets_text));
    if !scale.requires.is_empty() {
        out.push_str("<p class=\"label\">约束(每个取值都须满足)</p>\n<ul>\n");
        for require in &scale.requires {
            let message = require.message.as_deref().map(|m| format!(":{}", escape(m))).unwrap_or_default();
            let _ = writeln!(out, "<li><code>require {}</code>{message}</li>", escape(site.text_of(require.cond.span)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// The brackets local files set for a scale: file, jurisdiction, from which day, as written
/// and as read.
fn local_scales_html(site: &Site<'_>, scale: &ScaleDef, brackets_text: &dyn Fn(&[Bracket]) -> String) -> String {
    let index = site.policy.program.scales.iter().position(|other| std::ptr::eq(other, scale)).unwrap_or(usize::MAX);
    let files = site.policy.params.local_scales(ScaleId(index as u32));
    if files.is_empty() {
        if scale.is_local() {
            return "<p><span class=\"label\">市县参数文件</span>无(各地执行省级各档)</p>\n".into();
        }
        return String::new();
    }
    local_settings_table(site, "各档", "各档:门槛 → 值", &files, |setting| {
        (setting.span, setting.from, brackets_text(&setting.brackets))
    })
}

/// The table of what local files set: for each setting of each file, the file and line, the
/// jurisdiction, the day from which it is in force, the value as written, and `parts`' value as
/// read (`what` names the values in the caption, `read` the last column).
fn local_settings_table<S>(
    site: &Site<'_>,
    what: &str,
    read: &str,
    files: &[(LocalFileInfo<'_>, Vec<S>)],
    parts: impl Fn(&S) -> (Span, Word, String),
) -> String {
    let mut out = format!(
        "<p class=\"label\">市县参数文件中的{what}</p>\n<table>\n\
         <tr><th>参数文件</th><th>辖区</th><th>起始日期</th><th>取值(原文)</th><th>{read}</th></tr>\n",
    );
    for (file, settings) in files {
        let place = format!(
            "{} {}",
            level_name(file.level),
            code_link(&format!("jurisdictions.html#{}", anchor("j", file.jurisdiction)), file.jurisdiction)
        );
        for setting in settings {
            let (span, from, value) = parts(setting);
            let line = site.sources.line_col(span.source, span.start).0;
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code> 第 {line} 行</td><td>{place}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(site.source_name(file.source)),
                format_iso(from),
                escape(site.text_of(span)),
                escape(&value)
            );
        }
    }
    out.push_str("</table>\n");
    out
}

fn param_html(site: &Site<'_>, index: usize, param: &ParamDef) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<section class=\"item\" id=\"{}\">\n<h3>param {}</h3>",
        escape(&anchor("param", &param.name)),
        escape(&param.name)
    );
    let decl = site.files.iter().find_map(|file| {
        file.ast.items.iter().find_map(|item| match item {
            Item::Param(decl) if decl.span == param.span => Some((file, decl)),
            Item::Replace(ast::ReplaceDecl { target: ast::Replaced::Param(decl), .. }) if decl.span == param.span => {
                Some((file, decl))
            }
            Item::Param(_)
            | Item::Reform(_)
            | Item::Currency(_)
            | Item::Replace(_)
            | Item::Remove(_)
            | Item::Enum(_)
            | Item::Jurisdictions(_)
            | Item::Entity(_)
            | Item::Rule(_)
            | Item::Output(_)
            | Item::Report(_)
            | Item::Program(_)
            | Item::Visit(_)
            | Item::Test(_) => None,
        })
    });
    if let Some((file, decl)) = decl {
        out.push_str(&doc_and_seed_html(file, &decl.doc, decl.span));
        let _ = writeln!(out, "<p><span class=\"label\">声明于</span>{}</p>", code_link(&file.page, file.name));
    }
    let _ = writeln!(out, "<p><span class=\"label\">类型</span>{}</p>", ty_html(site, param.ty));
    let mut levels = vec!["省"];
    levels.extend(param.set_by.iter().map(|level| level_name(*level)));
    let _ = writeln!(out, "<p><span class=\"label\">设定层级</span>{}</p>", levels.join("、"));
    out.push_str(&province_values_html(site, index, param));
    out.push_str(&local_values_html(site, index, param));
    if !param.requires.is_empty() {
        out.push_str("<p class=\"label\">约束(每个取值都须满足)</p>\n<ul>\n");
        for require in &param.requires {
            let message = require.message.as_deref().map(|m| format!(":{}", escape(m))).unwrap_or_default();
            let _ = writeln!(out, "<li><code>require {}</code>{message}</li>", escape(site.text_of(require.cond.span)));
        }
        out.push_str("</ul>\n");
    }
    if let Some((_, decl)) = decl {
        let _ =
            writeln!(out, "<p class=\"label\">声明</p>\n<pre>{}</pre>", escape(&formatted(&Item::Param(decl.clone()))));
    }
    out.push_str(&refs_html(site, "读取", site.refs.param_reads.get(index)));
    out.push_str(&refs_html(site, "被引用", site.refs.read_by.get(&Ref::Param(index))));
    out.push_str("</section>\n");
    out
}

/// The province's values: from which day, as written, and the value in force that day.
fn province_values_html(site: &Site<'_>, index: usize, param: &ParamDef) -> String {
    let program = &site.policy.program;
    let texts = TextTables {
        literals: &program.texts,
        batch: &pol_compiler::text::NO_TEXTS,
        jurisdiction: site.policy.params.texts(),
    };
    let mut out = String::from(
        "<p class=\"label\">省级取值</p>\n<table>\n<tr><th>起始日期</th><th>取值(原文)</th><th>当日取值</th></tr>\n",
    );
    // Rows in date order: the values, and the `from DATE = none` ends (no longer in force).
    let mut rows: Vec<(Option<Word>, String)> = Vec::new();
    for (from, expr) in &param.values {
        let day = from.unwrap_or(site.as_of);
        let value = match site.policy.params.province_value(program, ParamId(index as u32), day) {
            Ok(Some(word)) => escape(&word_to_string(program, &texts, param.ty, word)),
            Ok(None) | Err(_) => "—".into(),
        };
        let (from_text, day_text) = match from {
            Some(from) => (format_iso(*from), String::new()),
            None => ("自始".to_string(), format!("(<code>{}</code>)", format_iso(day))),
        };
        let row = format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{value}{day_text}</td></tr>\n",
            escape(&from_text),
            escape(site.text_of(expr.span))
        );
        rows.push((*from, row));
    }
    for (from, _) in &param.ends {
        let from_text = from.map_or_else(|| "自始".to_string(), format_iso);
        rows.push((
            *from,
            format!("<tr><td>{}</td><td><code>none</code></td><td>不再生效</td></tr>\n", escape(&from_text)),
        ));
    }
    rows.sort_by_key(|(from, _)| *from);
    rows.into_iter().for_each(|(_, row)| out.push_str(&row));
    out.push_str("</table>\n");
    out
}

/// The values local files set: file, jurisdiction, from which day, as written and as read.
fn local_values_html(site: &Site<'_>, index: usize, param: &ParamDef) -> String {
    let program = &site.policy.program;
    let texts = TextTables {
        literals: &program.texts,
        batch: &pol_compiler::text::NO_TEXTS,
        jurisdiction: site.policy.params.texts(),
    };
    let files = site.policy.params.local_values(ParamId(index as u32));
    if files.is_empty() {
        return "<p><span class=\"label\">市县参数文件</span>无(各地执行省级取值)</p>\n".into();
    }
    local_settings_table(site, "取值", "取值", &files, |setting| {
        (setting.span, setting.from, word_to_string(program, &texts, param.ty, setting.word))
    })
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Province => "省",
        Level::City => "市",
        Level::County => "县",
    }
}
