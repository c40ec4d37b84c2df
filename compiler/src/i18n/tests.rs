use super::*;
use std::path::{Path, PathBuf};

fn parsed(lang: Lang) -> Catalogue {
    let text = match lang {
        Lang::En => EN_FTL.concat(),
        Lang::Zh => ZH_FTL.concat(),
    };
    match Catalogue::parse(&text) {
        Ok(catalogue) => catalogue,
        Err(error) => panic!("{lang:?} catalogue: {error}"),
    }
}

/// Every `.rs` file under a directory.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every diagnostic code written in the workspace's sources: after `code(` (derives), or quoted
/// (hand-written impls).
fn codes_in_sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["grammar/src", "compiler/src", "runtime/src", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut codes = std::collections::BTreeSet::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { panic!("cannot read {}", file.display()) };
        for (index, _) in text.match_indices("pol::") {
            let before = text.get(..index).unwrap_or("");
            if !(before.ends_with("code(") || before.ends_with("code(\"") || before.ends_with('"')) {
                continue;
            }
            let code: String = text
                .get(index..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == ':')
                .collect();
            let code = code.trim_end_matches(':').to_string();
            if code.matches("::").count() >= 1 && code != "pol::" {
                codes.insert(code);
            }
        }
    }
    codes.into_iter().collect()
}

#[test]
fn catalogues_parse() {
    assert!(!parsed(Lang::En).entries.is_empty());
    assert!(!parsed(Lang::Zh).entries.is_empty());
}

#[test]
fn every_code_has_both_languages() {
    let codes = codes_in_sources();
    assert!(codes.len() > 100, "found only {} codes: the scan is broken", codes.len());
    let (en, zh) = (parsed(Lang::En), parsed(Lang::Zh));
    let mut missing = Vec::new();
    for code in &codes {
        let id = code_id(code);
        for (name, catalogue) in [("en", &en), ("zh-CN", &zh)] {
            if !catalogue.entries.contains_key(&id) {
                missing.push(format!("{name}: {code} ({id})"));
            }
        }
    }
    assert!(missing.is_empty(), "codes without a catalogue entry:\n{}", missing.join("\n"));
}

#[test]
fn both_languages_have_the_same_entries_attributes_and_placeholders() {
    let (en, zh) = (parsed(Lang::En), parsed(Lang::Zh));
    let en_ids: Vec<&String> = en.entries.keys().collect();
    let zh_ids: Vec<&String> = zh.entries.keys().collect();
    assert_eq!(en_ids, zh_ids);
    for (id, english) in &en.entries {
        let Some(chinese) = zh.entries.get(id) else { continue };
        let sorted = |template: &Template| {
            let mut args: Vec<String> = template.args().into_iter().map(str::to_string).collect();
            args.sort();
            args
        };
        assert_eq!(sorted(&english.value), sorted(&chinese.value), "placeholders of {id}");
        let names = |entry: &Entry| entry.attributes.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
        assert_eq!(names(english), names(chinese), "attributes of {id}");
        for (name, template) in &english.attributes {
            let Some(other) = chinese.attribute(name) else { continue };
            assert_eq!(sorted(template), sorted(other), "placeholders of {id}.{name}");
        }
    }
}

#[test]
fn phrases_have_literal_text() {
    // A phrase that is a bare placeholder would translate its own argument forever.
    for (id, entry) in &parsed(Lang::En).entries {
        if id.starts_with("phrase-") {
            assert!(entry.value.parts.iter().any(|part| matches!(part, Part::Text(_))), "{id}");
        }
    }
}

#[test]
fn every_line_id_used_in_the_sources_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["runtime/src", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let (en, zh) = (parsed(Lang::En), parsed(Lang::Zh));
    let mut used = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { panic!("cannot read {}", file.display()) };
        for (index, _) in text.match_indices("\"line-") {
            let id: String = text
                .get(index + 1..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            // An id ending in `-` is a prefix completed at run time (`line-report-` + a word).
            let known = |catalogue: &Catalogue| match id.strip_suffix('-') {
                Some(_) => catalogue.entries.keys().any(|key| key.starts_with(&id)),
                None => catalogue.entries.contains_key(&id),
            };
            assert!(known(&en) && known(&zh), "{id} in {}", file.display());
            used += 1;
        }
    }
    assert!(used > 0);
}

#[test]
fn the_environment_chooses_the_language_in_posix_order() {
    assert_eq!(Lang::from_env(None, None, None), Lang::En);
    assert_eq!(Lang::from_env(None, None, Some("zh_CN.UTF-8")), Lang::Zh);
    assert_eq!(Lang::from_env(None, Some("zh_CN.UTF-8"), Some("en_US.UTF-8")), Lang::Zh);
    assert_eq!(Lang::from_env(Some("en_US.UTF-8"), Some("zh_CN.UTF-8"), Some("zh_CN.UTF-8")), Lang::En);
    assert_eq!(Lang::from_env(Some("zh_TW"), None, Some("en_US")), Lang::Zh);
    // An empty variable does not count: the next one decides.
    assert_eq!(Lang::from_env(Some(""), Some(""), Some("zh_CN.UTF-8")), Lang::Zh);
    assert_eq!(Lang::from_env(Some(""), None, Some("C")), Lang::En);
    assert_eq!(Lang::from_env(Some("C.UTF-8"), None, Some("zh_CN.UTF-8")), Lang::En);
    assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
    assert_eq!(Lang::parse("en"), Some(Lang::En));
    assert_eq!(Lang::parse("fr"), None);
}

#[test]
fn templates_match_and_render_back() {
    let Some(template) = Template::parse("expected `{ $expected }`, found `{ $found }`") else { panic!("parse") };
    let Some(args) = template.match_text("expected `元/月`, found `元/年`") else { panic!("no match") };
    assert_eq!(args.get("expected").map(String::as_str), Some("元/月"));
    assert_eq!(args.get("found").map(String::as_str), Some("元/年"));
    assert_eq!(template.render(&args), "expected `元/月`, found `元/年`");
    assert!(template.match_text("expected 1, found 2").is_none());
    let Some(braces) = Template::parse("`enum { $name } {\"{\"} yes {\"}\"}`") else { panic!("parse") };
    let args = BTreeMap::from([("name".to_string(), "X".to_string())]);
    assert_eq!(braces.render(&args), "`enum X { yes }`");
}

#[test]
fn a_chinese_diagnostic_keeps_code_and_spans_and_translates_arguments() {
    let error = crate::check::error::TypeError::PeriodMismatch {
        expected: "元/月".into(),
        found: "元/年".into(),
        span: pol_grammar::Span::new(pol_grammar::SourceId(0), 4, 9),
        because: None,
        help: None,
    };
    let localized = localize(Lang::Zh, Box::new(error));
    assert_eq!(localized.to_string(), "此处应为 `元/月`，实际是 `元/年`");
    assert_eq!(localized.code().map(|code| code.to_string()).as_deref(), Some("pol::unit::mismatch"));
    let labels: Vec<miette::LabeledSpan> = localized.labels().into_iter().flatten().collect();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels.first().and_then(|label| label.label()), Some("这是 `元/年`"));
    assert_eq!(labels.first().map(|label| (label.offset(), label.len())), Some((4, 5)));
}

#[test]
fn a_computed_help_is_translated_through_the_phrases() {
    let text = "write the value after `*` on the same line, or remove the operator (the next line starting with \
                `household` begins a new declaration)";
    assert_eq!(
        translate(Some("pol::parse::dangling_operator"), Some("help"), text).as_deref(),
        Some("请在 `*` 后的同一行写出值，或删除这个运算符（下一行以 `household` 开头，是一条新的声明）")
    );
}

#[test]
fn a_parse_error_is_translated_whole() {
    let error = pol_grammar::ParseError::DanglingOperator {
        operator: "*".into(),
        help: "write the value after `*` on the same line, or remove the operator (the next line starting with \
               `household` begins a new declaration)"
            .into(),
        span: pol_grammar::Span::new(pol_grammar::SourceId(0), 4, 5),
    };
    let localized = localize(Lang::Zh, Box::new(error));
    assert_eq!(localized.to_string(), "`*` 后面缺少内容");
    assert_eq!(
        localized.help().map(|help| help.to_string()).as_deref(),
        Some("请在 `*` 后的同一行写出值，或删除这个运算符（下一行以 `household` 开头，是一条新的声明）")
    );
}

#[test]
fn every_word_of_a_report_has_both_languages() {
    // The words runtime/src/report.rs labels its tables with.
    for word in ["county", "city", "province", "name", "households", "persons", "monthly", "annual", "rate", "flag"] {
        let id = format!("line-report-{word}");
        assert!(parsed(Lang::En).entries.contains_key(&id) && parsed(Lang::Zh).entries.contains_key(&id), "{id}");
    }
}

#[test]
fn an_unknown_name_is_translated_with_its_kind_and_suggestion() {
    let error = crate::check::error::TypeError::UnknownName {
        what: "parameter",
        name: "dibao_standrd".into(),
        span: pol_grammar::Span::new(pol_grammar::SourceId(0), 0, 13),
        expected: "a parameter".into(),
        help: Some("did you mean `dibao_standard`?".into()),
    };
    let localized = localize(Lang::Zh, Box::new(error));
    assert_eq!(localized.to_string(), "未知的参数 `dibao_standrd`");
    assert_eq!(localized.help().map(|help| help.to_string()).as_deref(), Some("是否想写 `dibao_standard`？"));
}

#[test]
fn english_left_in_chinese_counts_words_outside_backticks() {
    let translated = crate::check::error::TypeError::PeriodMismatch {
        expected: "元/月".into(),
        found: "元/年".into(),
        span: pol_grammar::Span::new(pol_grammar::SourceId(0), 4, 9),
        because: None,
        help: None,
    };
    assert_eq!(english_left_in_chinese(&translated, ALLOWED_ENGLISH), Vec::<String>::new());
    // A help no template or phrase matches stays English, and is counted (not `the_name`, quoted).
    let untranslated = crate::check::error::TypeError::PeriodMismatch {
        expected: "元/月".into(),
        found: "元/年".into(),
        span: pol_grammar::Span::new(pol_grammar::SourceId(0), 4, 9),
        because: None,
        help: Some("no phrase says `the_name` so".into()),
    };
    assert_eq!(english_left_in_chinese(&untranslated, ALLOWED_ENGLISH), vec!["phrase", "says"]);
}

#[test]
fn code_between_backticks_is_never_translated() {
    // `min(members, value)` has the shape of a phrase (`{ $a }, { $b }`), but it is code.
    let text = "for the min over members write `min(members, value)`";
    assert_eq!(translate(None, None, text).as_deref(), Some("对成员求 `min` 时请写 `min(members, value)`"));
}
