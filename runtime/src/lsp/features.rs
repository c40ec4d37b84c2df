//! The answers to the client's requests: hover, definition, references, rename, completion,
//! document symbols and formatting, each from the workspace's latest analysis.

use super::convert;
use super::workspace::Workspace;
use lsp_types::{
    CompletionItem, CompletionItemKind, DocumentSymbol, Hover, HoverContents, Location, MarkupContent, MarkupKind,
    Position, SymbolKind, TextEdit, WorkspaceEdit,
};
use pol_compiler::diagnostic::SourceKind;
use pol_compiler::index::{DefKind, Definition};
use pol_compiler::params::{Origin, parameter_keys};
use pol_compiler::text::TextTables;
use pol_compiler::tir::{ParamId, RuleRole};
use pol_grammar::{SourceId, Span};
use std::collections::HashMap;

/// The definition named at a position: a name in a `.pol` file, or a key of a parameter file.
pub fn def_at(workspace: &Workspace, source: SourceId, position: Position) -> Option<usize> {
    let text = workspace.text(source);
    let offset = convert::offset_of(text, position);
    let kind = workspace.sources.get(source)?.kind;
    match kind {
        SourceKind::Pol | SourceKind::ReformPol => {
            workspace.analysis.index.at(source, u32::try_from(offset).ok()?).map(|found| found.def)
        }
        SourceKind::Params | SourceKind::ReformParams | SourceKind::Scenario => {
            let keys = parameter_keys(source, text);
            let (name, _) =
                keys.iter().find(|(_, span)| span.start as usize <= offset && offset <= span.end as usize)?;
            workspace.analysis.index.param(name)
        }
        SourceKind::Jurisdictions => None,
    }
}

/// Go to definition.
pub fn definition(workspace: &Workspace, source: SourceId, position: Position) -> Option<Location> {
    let def = workspace.analysis.index.def(def_at(workspace, source, position)?)?;
    workspace.location(def.span)
}

/// Every place a definition is written: in `.pol` files and, for a parameter, as a key of
/// every parameter file.
fn occurrence_spans(workspace: &Workspace, def: usize, include_declaration: bool) -> Vec<Span> {
    let index = &workspace.analysis.index;
    let mut spans: Vec<Span> = index
        .occurrences_of(def)
        .filter(|occurrence| include_declaration || !occurrence.is_definition)
        .map(|occurrence| occurrence.span)
        .collect();
    if let Some(definition) = index.def(def)
        && definition.kind == DefKind::Param
    {
        for (source, file) in workspace.sources.of_kind(SourceKind::Params) {
            spans.extend(
                parameter_keys(source, &file.text)
                    .into_iter()
                    .filter(|(name, _)| *name == definition.name)
                    .map(|(_, span)| span),
            );
        }
    }
    spans.sort();
    spans.dedup();
    spans
}

/// Find references.
pub fn references(
    workspace: &Workspace,
    source: SourceId,
    position: Position,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(def) = def_at(workspace, source, position) else { return Vec::new() };
    occurrence_spans(workspace, def, include_declaration)
        .into_iter()
        .filter_map(|span| workspace.location(span))
        .collect()
}

/// Rename across `.pol` and parameter files; `None` when nothing is named there or the new name
/// is not a name.
pub fn rename(workspace: &Workspace, source: SourceId, position: Position, new_name: &str) -> Option<WorkspaceEdit> {
    let def = def_at(workspace, source, position)?;
    let definition = workspace.analysis.index.def(def)?;
    let dotted_allowed = definition.kind == DefKind::Param;
    let valid = !new_name.is_empty()
        && new_name.split('.').all(|part| {
            part.chars().next().is_some_and(|first| first.is_alphabetic() || first == '_')
                && part.chars().all(|character| character.is_alphanumeric() || character == '_')
        })
        && (dotted_allowed || !new_name.contains('.'));
    if !valid {
        return None;
    }
    // lsp-types' `WorkspaceEdit::changes` is keyed by `Uri`, whose hash ignores the cell clippy
    // warns about (fluent-uri caches a parsed offset in it).
    #[expect(clippy::mutable_key_type, reason = "the map type is lsp-types' own; Uri hashes its text only")]
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for span in occurrence_spans(workspace, def, true) {
        let Some(location) = workspace.location(span) else { continue };
        let written = workspace.text(span.source).get(span.start as usize..span.end as usize).unwrap_or("");
        let is_toml = workspace.sources.get(span.source).is_some_and(|file| file.kind == SourceKind::Params);
        let new_text = if is_toml && (written.starts_with('"') || new_name.contains('.')) {
            format!("\"{new_name}\"")
        } else {
            new_name.to_string()
        };
        changes.entry(location.uri).or_default().push(TextEdit { range: location.range, new_text });
    }
    Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

/// Formatting, the same as `pol fmt`: one edit replacing the whole file, none when it is
/// already formatted; `None` when the file does not parse.
pub fn format(workspace: &Workspace, source: SourceId) -> Option<Vec<TextEdit>> {
    let text = workspace.text(source);
    let formatted = pol_grammar::format_source(source, text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit { range: convert::range_of(text, 0, text.len()), new_text: formatted }])
}

/// The document's symbols: its declarations, variants under their enum.
pub fn symbols(workspace: &Workspace, source: SourceId) -> Vec<DocumentSymbol> {
    let text = workspace.text(source);
    let index = &workspace.analysis.index;
    let mut symbols: Vec<DocumentSymbol> = Vec::new();
    let mut enum_slots: HashMap<usize, usize> = HashMap::new();
    for (def_index, def) in index.defs.iter().enumerate() {
        if def.span.source != source {
            continue;
        }
        let (kind, detail) = match def.kind {
            DefKind::Enum => (SymbolKind::ENUM, None),
            DefKind::Variant { .. } => (SymbolKind::ENUM_MEMBER, None),
            DefKind::JurisdictionColumn => (SymbolKind::FIELD, Some("jurisdictions".to_string())),
            DefKind::Column(entity) => (SymbolKind::FIELD, Some(entity.keyword().to_string())),
            DefKind::Param => (SymbolKind::CONSTANT, Some("param".to_string())),
            DefKind::Rule(entity) => (SymbolKind::FUNCTION, Some(entity.keyword().to_string())),
            DefKind::Output => (SymbolKind::STRUCT, Some("output".to_string())),
        };
        let detail = match (&detail, &def.written_type) {
            (Some(detail), Some(ty)) => Some(format!("{detail}: {ty}")),
            _ => detail,
        };
        #[expect(deprecated, reason = "`deprecated` is a required field of lsp-types' DocumentSymbol")]
        let symbol = DocumentSymbol {
            name: def.name.clone(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: convert::range_of(text, def.decl.start as usize, def.decl.end as usize),
            selection_range: convert::range_of(text, def.span.start as usize, def.span.end as usize),
            children: None,
        };
        match def.kind {
            DefKind::Variant { enum_def } => {
                if let Some(parent) = enum_slots.get(&enum_def).and_then(|&slot| symbols.get_mut(slot)) {
                    parent.children.get_or_insert_with(Vec::new).push(symbol);
                }
            }
            DefKind::Enum => {
                enum_slots.insert(def_index, symbols.len());
                symbols.push(symbol);
            }
            DefKind::JurisdictionColumn | DefKind::Column(_) | DefKind::Param | DefKind::Rule(_) | DefKind::Output => {
                symbols.push(symbol)
            }
        }
    }
    symbols
}

/// The types and units a `:` may be followed by.
const TYPE_NAMES: &[&str] = &["元", "元/月", "元/年", "ratio", "int", "bool", "date", "text"];

/// Completion: parameter names in a parameter file; in a `.pol` file the variants of an enum
/// after `Enum.`, jurisdiction columns after `county.`, types and units after `:`, otherwise
/// every name.
pub fn completion(workspace: &Workspace, source: SourceId, position: Position) -> Vec<CompletionItem> {
    let index = &workspace.analysis.index;
    let text = workspace.text(source);
    let offset = convert::offset_of(text, position);
    let before = text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    let is_params = workspace.sources.get(source).is_some_and(|file| file.kind == SourceKind::Params);
    if is_params {
        return index
            .defs
            .iter()
            .filter(|def| def.kind == DefKind::Param)
            .map(|def| {
                let insert = if def.name.contains('.') { format!("\"{}\"", def.name) } else { def.name.clone() };
                item(def, CompletionItemKind::CONSTANT, Some(insert))
            })
            .collect();
    }
    let word_start = line.trim_end_matches(|character: char| character.is_alphanumeric() || character == '_');
    if let Some(qualifier) = word_start.strip_suffix('.') {
        let qualifier =
            qualifier.rsplit(|character: char| !(character.is_alphanumeric() || character == '_')).next().unwrap_or("");
        if qualifier == "county" {
            return defs_where(index, |def| def.kind == DefKind::JurisdictionColumn, CompletionItemKind::FIELD);
        }
        let Some(enum_def) = index.defs.iter().position(|def| def.kind == DefKind::Enum && def.name == qualifier)
        else {
            return Vec::new();
        };
        return defs_where(index, |def| def.kind == DefKind::Variant { enum_def }, CompletionItemKind::ENUM_MEMBER);
    }
    if word_start.trim_end().ends_with(':') {
        let mut items: Vec<CompletionItem> = TYPE_NAMES
            .iter()
            .map(|name| CompletionItem {
                label: (*name).to_string(),
                kind: Some(CompletionItemKind::UNIT),
                ..CompletionItem::default()
            })
            .collect();
        items.extend(defs_where(index, |def| def.kind == DefKind::Enum, CompletionItemKind::ENUM));
        return items;
    }
    index
        .defs
        .iter()
        .filter(|def| !matches!(def.kind, DefKind::Output))
        .map(|def| {
            let kind = match def.kind {
                DefKind::Enum => CompletionItemKind::ENUM,
                DefKind::Variant { .. } => CompletionItemKind::ENUM_MEMBER,
                DefKind::JurisdictionColumn | DefKind::Column(_) => CompletionItemKind::FIELD,
                DefKind::Param => CompletionItemKind::CONSTANT,
                DefKind::Rule(_) | DefKind::Output => CompletionItemKind::FUNCTION,
            };
            item(def, kind, None)
        })
        .collect()
}

fn defs_where(
    index: &pol_compiler::index::NameIndex,
    keep: impl Fn(&Definition) -> bool,
    kind: CompletionItemKind,
) -> Vec<CompletionItem> {
    index.defs.iter().filter(|def| keep(def)).map(|def| item(def, kind, None)).collect()
}

fn item(def: &Definition, kind: CompletionItemKind, insert_text: Option<String>) -> CompletionItem {
    CompletionItem {
        label: def.name.clone(),
        kind: Some(kind),
        detail: def.written_type.clone(),
        documentation: (!def.doc.is_empty()).then(|| lsp_types::Documentation::String(def.doc.join("\n"))),
        insert_text,
        ..CompletionItem::default()
    }
}

/// Hover: what the name at the position is.
pub fn hover(workspace: &Workspace, source: SourceId, position: Position) -> Option<Hover> {
    let def_index = def_at(workspace, source, position)?;
    let def = workspace.analysis.index.def(def_index)?;
    let mut out = String::new();
    match def.kind {
        DefKind::Rule(entity) => {
            let ty = rule_type(workspace, def, entity);
            out.push_str(&format!("```pol\n{} {}: {ty}\n```\n", entity.keyword(), def.name));
            push_doc(&mut out, def);
            let passage = seed_passage(workspace.text(def.span.source), def.span.start as usize);
            if !passage.is_empty() {
                out.push('\n');
                for line in passage {
                    out.push_str(&format!("> {line}\n"));
                }
            }
        }
        DefKind::Param => {
            let ty = def.written_type.as_deref().unwrap_or("?");
            out.push_str(&format!("```pol\nparam {}: {ty}\n```\n", def.name));
            push_doc(&mut out, def);
            param_values(workspace, def, &mut out);
        }
        DefKind::Variant { enum_def } => {
            let enum_name = workspace.analysis.index.def(enum_def).map_or("?", |def| def.name.as_str());
            out.push_str(&format!("```pol\n{enum_name}.{}\n```\nvariant of enum `{enum_name}`\n", def.name));
        }
        DefKind::Enum => {
            let variants: Vec<&str> = workspace
                .analysis
                .index
                .defs
                .iter()
                .filter(|other| other.kind == DefKind::Variant { enum_def: def_index })
                .map(|other| other.name.as_str())
                .collect();
            out.push_str(&format!("```pol\nenum {} {{ {} }}\n```\n", def.name, variants.join(", ")));
            push_doc(&mut out, def);
        }
        DefKind::Column(entity) => {
            let ty = def.written_type.as_deref().unwrap_or("?");
            out.push_str(&format!(
                "```pol\n{} {}: {ty}\n```\ncolumn of `{}`\n",
                entity.keyword(),
                def.name,
                entity.keyword()
            ));
            push_doc(&mut out, def);
        }
        DefKind::JurisdictionColumn => {
            let ty = def.written_type.as_deref().unwrap_or("?");
            out.push_str(&format!("```pol\ncounty.{}: {ty}\n```\ncolumn of `jurisdictions`\n", def.name));
            push_doc(&mut out, def);
        }
        DefKind::Output => {
            out.push_str(&format!("```pol\noutput {}\n```\n", def.name));
            push_doc(&mut out, def);
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: out }),
        range: None,
    })
}

fn push_doc(out: &mut String, def: &Definition) {
    if !def.doc.is_empty() {
        out.push('\n');
        for line in &def.doc {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
}

/// A rule's checked type (with its unit) when the policy compiled, else its written type.
fn rule_type(workspace: &Workspace, def: &Definition, entity: pol_grammar::ast::EntityKind) -> String {
    let checked = workspace.analysis.policy.as_ref().and_then(|policy| {
        let rule = policy
            .program
            .rules
            .iter()
            .find(|rule| rule.name == def.name && rule.entity == entity && rule.role == RuleRole::Named)?;
        let ty = pol_compiler::index::ty_text(&policy.program, rule.ty);
        // A policy with periods says each rule's: "per month" or "per year".
        Some(if pol_compiler::dated::unroll::has_periods(&policy.program) {
            format!("{ty} per {}", rule.period.word())
        } else {
            ty
        })
    });
    checked.or_else(|| def.written_type.clone()).unwrap_or_else(|| "? (the policy has errors)".to_string())
}

/// The seed passage of a declaration: the `// "…"` comment lines above it (above its doc
/// comment), without the slashes.
fn seed_passage(text: &str, name_offset: usize) -> Vec<String> {
    let before = text.get(..name_offset.min(text.len())).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let above = text.get(..line_start).unwrap_or("");
    let mut comments: Vec<&str> = Vec::new();
    let mut lines = above.lines().rev().peekable();
    while lines.peek().is_some_and(|line| line.trim_start().starts_with("///")) {
        lines.next();
    }
    for line in lines {
        let line = line.trim_start();
        if line.starts_with("//") && !line.starts_with("///") {
            comments.push(line);
        } else {
            break;
        }
    }
    comments.reverse();
    let Some(first) = comments.iter().position(|line| line.trim_start_matches('/').trim_start().starts_with('"'))
    else {
        return Vec::new();
    };
    let mut passage = Vec::new();
    for line in comments.iter().skip(first) {
        let body = line.trim_start_matches('/').trim();
        let closes = body.ends_with('"') && !(passage.is_empty() && body.len() == 1);
        passage.push(body.to_string());
        if closes {
            break;
        }
    }
    passage
}

/// A scale's brackets on the as-of date: the province's, and every local file's that sets them
/// (with its file and line), as the engines read them.
fn scale_values(workspace: &Workspace, policy: &pol_compiler::policy::Policy, index: usize, out: &mut String) {
    let as_of = workspace.settings.as_of;
    let date = pol_compiler::date::format_iso(as_of);
    let program = &policy.program;
    let Some(scale) = program.scales.get(index) else { return };
    let no_texts: Vec<String> = Vec::new();
    let texts = TextTables { literals: &program.texts, batch: &pol_compiler::text::NO_TEXTS, jurisdiction: &no_texts };
    let list = |brackets: &[pol_compiler::tir::Bracket]| {
        let pairs: Vec<String> = brackets
            .iter()
            .map(|bracket| {
                let threshold =
                    pol_compiler::format::word_to_string(program, &texts, scale.threshold_ty, bracket.threshold);
                let value = pol_compiler::format::word_to_string(program, &texts, scale.value_ty, bracket.value);
                format!("{threshold}: {value}")
            })
            .collect();
        format!("[{}]", pairs.join(", "))
    };
    let brackets = scale.version_on(as_of).and_then(|version| version.brackets.as_ref());
    match brackets {
        Some(brackets) => {
            out.push_str(&format!("\nbrackets on {date} (thresholds inclusive):\n"));
            for bracket in brackets {
                let threshold =
                    pol_compiler::format::word_to_string(program, &texts, scale.threshold_ty, bracket.threshold);
                let value = pol_compiler::format::word_to_string(program, &texts, scale.value_ty, bracket.value);
                out.push_str(&format!("- from {threshold}: {value}\n"));
            }
        }
        None => out.push_str(&format!("\nbrackets on {date}: not in force\n")),
    }
    let id = pol_compiler::tir::ScaleId(u32::try_from(index).unwrap_or(u32::MAX));
    for file in policy.params.local_files() {
        let explained = policy.params.explain_scale(program, &policy.jurisdictions, id, file.jurisdiction, as_of);
        let Ok(Some((brackets, Origin::Local { source, span, .. }))) = explained else { continue };
        if source != file.source {
            continue;
        }
        let name = workspace.sources.get(source).map_or("?", |file| file.name.as_str());
        let (line, _) = workspace.sources.line_col(source, span.start);
        out.push_str(&format!("- {name}:{line} (`{}`): {}\n", file.jurisdiction, list(&brackets)));
    }
}

/// A parameter's values on the as-of date: the province's, and every local file's that sets it
/// (with its file and line), as the engine resolves them.
fn param_values(workspace: &Workspace, def: &Definition, out: &mut String) {
    let as_of = workspace.settings.as_of;
    let date = pol_compiler::date::format_iso(as_of);
    let Some(policy) = &workspace.analysis.policy else {
        out.push_str(&format!("\nvalues on {date}: not available while the policy has errors\n"));
        return;
    };
    let program = &policy.program;
    if let Some(index) = program.scales.iter().position(|scale| scale.name == def.name) {
        scale_values(workspace, policy, index, out);
        return;
    }
    let Some(index) = program.params.iter().position(|param| param.name == def.name) else { return };
    let Some(param) = program.params.get(index) else { return };
    let id = ParamId(u32::try_from(index).unwrap_or(u32::MAX));
    let no_texts: Vec<String> = Vec::new();
    let jurisdiction_texts = workspace.analysis.counties.as_ref().map_or(&no_texts, |counties| &counties.texts);
    let texts =
        TextTables { literals: &program.texts, batch: &pol_compiler::text::NO_TEXTS, jurisdiction: jurisdiction_texts };
    let show = |word| pol_compiler::format::word_to_string(program, &texts, param.ty, word);
    out.push_str(&format!("\nvalues on {date}:\n"));
    match policy.params.province_value(program, id, as_of) {
        Ok(Some(word)) => out.push_str(&format!("- province: {}\n", show(word))),
        Ok(None) => out.push_str("- province: no value on this date\n"),
        Err(_) => out.push_str("- province: cannot be resolved\n"),
    }
    for file in policy.params.local_files() {
        let Ok(Some(resolved)) = policy.params.explain(program, &policy.jurisdictions, id, file.jurisdiction, as_of)
        else {
            continue;
        };
        let Origin::Local { source, span, .. } = resolved.origin else { continue };
        if source != file.source {
            continue;
        }
        let name = workspace.sources.get(source).map_or("?", |file| file.name.as_str());
        let (line, _) = workspace.sources.line_col(source, span.start);
        out.push_str(&format!("- {name}:{line} (`{}`): {}\n", file.jurisdiction, show(resolved.word)));
    }
}
