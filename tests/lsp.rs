//! `pol lsp` end to end: the built binary is spawned on a temporary copy of the Shaanxi policy
//! and spoken to in JSON-RPC over its stdin and stdout (`Content-Length` framing), one test per
//! feature. Every wait has a timeout, so a server that stops answering fails the test instead
//! of hanging it.

use crate::support::{TempDir, copy_dir, shaanxi_dir};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A running `pol lsp` and what it has sent that no one has read yet.
struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
    next_id: i64,
    /// The policy copy (kept alive while the server runs).
    tmp: TempDir,
}

impl Client {
    /// Starts `pol lsp` on a copy of the Shaanxi policy and initializes it.
    fn start(label: &str, initialize: Value) -> Client {
        let tmp = TempDir::new(label);
        copy_dir(&shaanxi_dir(), &tmp.path().join("shaanxi"));
        let dir = tmp.path().join("shaanxi");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
            .args(["lsp", &dir.display().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start pol lsp: {error}"));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client { child, stdin, messages, notifications: Vec::new(), next_id: 1, tmp };
        let result = client.request("initialize", initialize);
        assert!(result["capabilities"]["hoverProvider"].as_bool() == Some(true), "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().join("shaanxi").canonicalize().unwrap_or_else(|error| panic!("{error}"))
    }

    /// The URI of a file of the policy.
    fn uri(&self, name: &str) -> String {
        file_uri(&self.dir().join(name))
    }

    fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir().join(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap_or_else(|error| panic!("{error}"));
        self.stdin.flush().unwrap_or_else(|error| panic!("{error}"));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response; returns the whole response.
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// Sends a request and returns its result (which must not be an error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn next(&mut self) -> Value {
        self.messages.recv_timeout(TIMEOUT).unwrap_or_else(|error| panic!("no message from pol lsp: {error}"))
    }

    /// Waits for the diagnostics of `uri` published after now (earlier ones are dropped).
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let published =
            |message: &Value| message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri;
        if let Some(index) = self.notifications.iter().position(published) {
            let message = self.notifications.remove(index);
            return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        loop {
            let message = self.next();
            if published(&message) {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            self.notifications.push(message);
        }
    }

    /// Waits for the server's log line with the compile time; returns it.
    fn compile_log(&mut self) -> String {
        let is_log = |message: &Value| message["method"] == "window/logMessage";
        if let Some(index) = self.notifications.iter().position(is_log) {
            return self.notifications.remove(index)["params"]["message"].as_str().unwrap_or("").to_string();
        }
        loop {
            let message = self.next();
            if is_log(&message) {
                return message["params"]["message"].as_str().unwrap_or("").to_string();
            }
            self.notifications.push(message);
        }
    }

    fn change(&mut self, name: &str, text: &str, version: i64) {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// `{textDocument, position}` of the `nth` (0-based) occurrence of `needle` in a file, `shift`
    /// characters into it.
    fn at(&self, name: &str, needle: &str, nth: usize, shift: usize) -> Value {
        let text = self.text(name);
        let offset = text
            .match_indices(needle)
            .nth(nth)
            .map(|(offset, _)| offset)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} not in {name}"));
        let offset = offset + needle.chars().take(shift).map(char::len_utf8).sum::<usize>();
        json!({ "textDocument": { "uri": self.uri(name) }, "position": position(&text, offset) })
    }

    /// The hover text at a position.
    fn hover(&mut self, at: Value) -> String {
        self.request("textDocument/hover", at)["contents"]["value"].as_str().unwrap_or("").to_string()
    }

    fn stop(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap_or_else(|error| panic!("{error}"));
        assert!(status.success(), "pol lsp exited with {status}");
    }
}

fn initialize_params() -> Value {
    json!({ "processId": null, "rootUri": null, "capabilities": {} })
}

/// The LSP position (UTF-16 columns) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.display().to_string().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn lsp_diagnostics_follow_every_change_of_every_file() {
    let mut client = Client::start("lsp-diagnostics", initialize_params());
    let first = client.compile_log();
    let dibao = "2019/20_dibao.pol";
    let yulin = "params/610800_yulin.toml";
    let good_dibao = client.text(dibao);
    let good_yulin = client.text(yulin);
    // A type error in a rule and a broken TOML file: both are reported.
    client.change(dibao, &good_dibao.replace("household n_dibao: int =", "household n_dibao: bool ="), 2);
    let dibao_diagnostics = client.diagnostics_for(&client.uri(dibao));
    let timing = client.compile_log();
    assert!(!dibao_diagnostics.is_empty());
    assert!(codes(&dibao_diagnostics).iter().all(|code| code.starts_with("pol::")), "{dibao_diagnostics:?}");
    client.change(yulin, &good_yulin.replace("dibao_standard = 4860", "dibao_standard = 4860元"), 2);
    let dibao_again = client.diagnostics_for(&client.uri(dibao));
    assert_eq!(codes(&dibao_again), codes(&dibao_diagnostics));
    let yulin_diagnostics = client.diagnostics_for(&client.uri(yulin));
    assert_eq!(codes(&yulin_diagnostics), ["pol::params::syntax"]);
    let range = &yulin_diagnostics[0]["range"]["start"];
    let line = good_yulin.lines().position(|line| line.starts_with("dibao_standard = 4860")).unwrap_or(0);
    assert_eq!(range["line"], json!(line), "{yulin_diagnostics:?}");
    // A value breaking a floor is reported in the TOML file while the rule is still broken.
    client.change(yulin, &good_yulin.replace("dibao_standard = 4860", "dibao_standard = 3000"), 3);
    assert_eq!(codes(&client.diagnostics_for(&client.uri(dibao))), codes(&dibao_diagnostics));
    let broken_floor = client.diagnostics_for(&client.uri(yulin));
    assert!(!broken_floor.is_empty(), "a broken floor must be reported");
    assert!(codes(&broken_floor).iter().all(|code| code == "pol::params::constraint"), "{broken_floor:?}");
    // Fixing the rule leaves the floor; fixing both clears both files.
    client.change(dibao, &good_dibao, 3);
    assert!(client.diagnostics_for(&client.uri(dibao)).is_empty());
    assert_eq!(codes(&client.diagnostics_for(&client.uri(yulin))), codes(&broken_floor));
    client.change(yulin, &good_yulin, 4);
    assert!(client.diagnostics_for(&client.uri(yulin)).is_empty());
    // Closing an edited file without saving it brings back the text on disk.
    client.change(dibao, &good_dibao.replace("household n_dibao: int =", "household n_dibao: bool ="), 5);
    assert!(!client.diagnostics_for(&client.uri(dibao)).is_empty());
    let uri = client.uri(dibao);
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert!(client.diagnostics_for(&client.uri(dibao)).is_empty());
    eprintln!("pol lsp (debug build): {first}; after a change: {timing}");
    client.stop();
}

#[test]
fn lsp_hover_shows_types_docs_passages_and_parameter_values() {
    let mut client = Client::start("lsp-hover", initialize_params());
    let rule = client.hover(client.at("2019/20_dibao.pol", "household gap", 0, 11));
    assert!(rule.contains("household gap: 元/月"), "{rule}");
    assert!(rule.contains("家庭月收入与低保标准的差额"), "{rule}");
    assert!(rule.contains("确保将符合条件的建档立卡贫困户"), "{rule}");
    let param = client.hover(client.at("2019/20_dibao.pol", "dibao_standard as", 0, 2));
    assert!(param.contains("param dibao_standard: 元/年"), "{param}");
    assert!(param.contains("values on 2019-07-01"), "{param}");
    assert!(param.contains("- province: 4020.00"), "{param}");
    let yulin_line =
        client.text("params/610800_yulin.toml").lines().position(|line| line.starts_with("dibao_standard = 4860"));
    let expected = format!("- params/610800_yulin.toml:{} (`610800`): 4860.00", yulin_line.unwrap_or(0) + 1);
    assert!(param.contains(&expected), "{param}");
    let from_toml = client.hover(client.at("params/610800_yulin.toml", "dibao_standard = 4860", 0, 2));
    assert_eq!(from_toml, param, "a TOML key shows its parameter");
    let variant = client.hover(client.at("2019/20_dibao.pol", "LaborCapacity.none", 0, 15));
    assert!(variant.contains("variant of enum `LaborCapacity`"), "{variant}");
    let column = client.hover(client.at("2019/20_dibao.pol", "disability_grade in 1..2", 0, 3));
    assert!(column.contains("person disability_grade: int"), "{column}");
    let county_column = client.hover(client.at("2019/80_funding_visits.pol", "county.deep_poverty", 0, 9));
    assert!(county_column.contains("county.deep_poverty: bool"), "{county_column}");
    client.stop();
}

#[test]
fn lsp_hover_takes_the_as_of_date_and_the_locale_from_initialize() {
    let params = json!({ "processId": null, "rootUri": null, "capabilities": {}, "locale": "zh-CN",
                         "initializationOptions": { "asOf": "2018-07-01" } });
    let mut client = Client::start("lsp-as-of", params);
    let at = client.at("2019/20_dibao.pol", "dibao_standard as", 0, 2);
    let param = client.request("textDocument/hover", at)["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(param.contains("values on 2018-07-01"), "{param}");
    assert!(param.contains("(`610800`): 4500.00"), "{param}");
    client.stop();
}

#[test]
fn lsp_definition_and_references_reach_parameter_files() {
    let mut client = Client::start("lsp-definition", initialize_params());
    let params_text = client.text("2019/10_params.pol");
    let declared_line = params_text.lines().position(|line| line.starts_with("param dibao_standard:"));
    let from_rule =
        client.request("textDocument/definition", client.at("2019/20_dibao.pol", "dibao_standard as", 0, 3));
    assert_eq!(from_rule["uri"], json!(client.uri("2019/10_params.pol")), "{from_rule}");
    assert_eq!(from_rule["range"]["start"]["line"], json!(declared_line.unwrap_or(usize::MAX)), "{from_rule}");
    let from_toml =
        client.request("textDocument/definition", client.at("params/610800_yulin.toml", "dibao_standard", 0, 2));
    assert_eq!(from_toml, from_rule);
    let variant =
        client.request("textDocument/definition", client.at("2019/20_dibao.pol", "LaborCapacity.none", 0, 15));
    assert_eq!(variant["uri"], json!(client.uri("2019/00_schema.pol")), "{variant}");

    let mut at = client.at("2019/20_dibao.pol", "dibao_standard as", 0, 3);
    at["context"] = json!({ "includeDeclaration": true });
    let references = client.request("textDocument/references", at);
    let uris: Vec<&str> =
        references.as_array().into_iter().flatten().filter_map(|location| location["uri"].as_str()).collect();
    for name in ["2019/10_params.pol", "2019/20_dibao.pol", "params/610800_yulin.toml", "params/610100_xian.toml"] {
        assert!(uris.contains(&client.uri(name).as_str()), "{name} missing from {references}");
    }
    let mut at = client.at("2019/20_dibao.pol", "household gap", 0, 11);
    at["context"] = json!({ "includeDeclaration": false });
    let gap_references = client.request("textDocument/references", at);
    // `gap` is read by rules and checked by tests: every reference is in a `.pol` file.
    let gap_references = gap_references.as_array().cloned().unwrap_or_default();
    assert!(gap_references.len() >= 3, "{gap_references:?}");
    client.stop();
}

#[test]
fn lsp_formatting_is_pol_fmt() {
    let mut client = Client::start("lsp-format", initialize_params());
    let name = "2019/20_dibao.pol";
    let uri = client.uri(name);
    let options = json!({ "tabSize": 2, "insertSpaces": true });
    let formatted =
        client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": options }));
    assert_eq!(formatted, json!([]), "the policy is formatted already");
    let messy =
        client.text(name).replace("household gap: 元/月 = monthly_standard", "household   gap :元/月=monthly_standard");
    client.change(name, &messy, 2);
    let edits =
        client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": options }));
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["newText"].as_str(), Some(client.text(name).as_str()));
    client.stop();
}

#[test]
fn lsp_document_symbols_list_declarations() {
    let mut client = Client::start("lsp-symbols", initialize_params());
    let unsupported = client
        .request_raw("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri("2019/00_schema.pol") } }));
    assert_eq!(unsupported["error"]["code"], json!(-32601), "{unsupported}");
    let uri = client.uri("2019/00_schema.pol");
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let names: Vec<&str> =
        symbols.as_array().into_iter().flatten().filter_map(|symbol| symbol["name"].as_str()).collect();
    assert!(names.contains(&"LaborCapacity") && names.contains(&"labor_capacity"), "{names:?}");
    let labor = symbols.as_array().into_iter().flatten().find(|symbol| symbol["name"] == "LaborCapacity");
    let variants: Vec<&str> = labor
        .and_then(|symbol| symbol["children"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|child| child["name"].as_str())
        .collect();
    assert_eq!(variants, ["full", "partial", "none"]);
    let uri = client.uri("2019/20_dibao.pol");
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let gap = symbols.as_array().into_iter().flatten().find(|symbol| symbol["name"] == "gap");
    assert_eq!(gap.map(|symbol| symbol["detail"].clone()), Some(json!("household: 元/月")), "{symbols}");
    client.stop();
}

#[test]
fn lsp_completion_offers_names_variants_units_and_parameters() {
    let mut client = Client::start("lsp-completion", initialize_params());
    let labels = |items: &Value| -> Vec<String> {
        items.as_array().into_iter().flatten().filter_map(|item| item["label"].as_str()).map(str::to_string).collect()
    };
    let variants =
        client.request("textDocument/completion", client.at("2019/20_dibao.pol", "LaborCapacity.none", 0, 14));
    assert_eq!(labels(&variants), ["full", "partial", "none"]);
    let units =
        client.request("textDocument/completion", client.at("2019/20_dibao.pol", "household gap: 元/月", 0, 15));
    let units = labels(&units);
    assert!(units.contains(&"元/月".to_string()) && units.contains(&"LaborCapacity".to_string()), "{units:?}");
    let names =
        client.request("textDocument/completion", client.at("2019/20_dibao.pol", "monthly_standard * n_dibao", 0, 2));
    let names = labels(&names);
    assert!(names.contains(&"monthly_standard".to_string()) && names.contains(&"dibao_standard".to_string()));
    let toml =
        client.request("textDocument/completion", client.at("params/610800_yulin.toml", "dibao_standard = 4860", 0, 2));
    let toml_labels = labels(&toml);
    assert!(toml_labels.contains(&"dibao_standard".to_string()), "{toml_labels:?}");
    let dotted = toml.as_array().into_iter().flatten().find(|item| item["label"] == "high_age.age70");
    assert_eq!(dotted.map(|item| item["insertText"].clone()), Some(json!("\"high_age.age70\"")));
    client.stop();
}

#[test]
fn lsp_rename_edits_pol_and_toml_files() {
    let mut client = Client::start("lsp-rename", initialize_params());
    let mut at = client.at("2019/20_dibao.pol", "dibao_standard as", 0, 3);
    at["newName"] = json!("dibao_std");
    let edit = client.request("textDocument/rename", at.clone());
    let changes = edit["changes"].as_object().cloned().unwrap_or_default();
    for name in ["2019/10_params.pol", "2019/20_dibao.pol", "params/610800_yulin.toml"] {
        let edits = changes.get(&client.uri(name)).and_then(Value::as_array).cloned().unwrap_or_default();
        assert!(!edits.is_empty(), "no edit of {name}: {edit}");
        assert!(edits.iter().all(|edit| edit["newText"] == "dibao_std"), "{edits:?}");
    }
    // Applying the edits gives a policy that still checks.
    for (uri, edits) in &changes {
        let name = uri.strip_prefix(&format!("{}/", file_uri(&client.dir()))).map(str::to_string);
        let name = name.unwrap_or_else(|| panic!("edit outside the policy: {uri}"));
        let mut text = client.text(&name);
        let mut edits = edits.as_array().cloned().unwrap_or_default();
        edits.sort_by_key(|edit| {
            std::cmp::Reverse((edit["range"]["start"]["line"].as_u64(), edit["range"]["start"]["character"].as_u64()))
        });
        for edit in edits {
            let start = offset(&text, &edit["range"]["start"]);
            let end = offset(&text, &edit["range"]["end"]);
            text.replace_range(start..end, edit["newText"].as_str().unwrap_or(""));
        }
        client.change(&name, &text, 2);
    }
    // The renamed policy compiles: the parameter's values are shown again, under its new name.
    let hover = client.request("textDocument/hover", client.at("2019/20_dibao.pol", "dibao_standard as", 0, 3));
    let hover = hover["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(hover.contains("param dibao_std: 元/年") && hover.contains("- province: 4020.00"), "{hover}");
    at["newName"] = json!("not a name");
    let refused = client.request_raw("textDocument/rename", at);
    assert!(refused.get("error").is_some(), "{refused}");
    client.stop();
}

/// The byte offset of an LSP position (UTF-16 columns).
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (index, ch) in text[line_start..].char_indices() {
        if units >= character {
            return line_start + index;
        }
        units += ch.len_utf16();
    }
    text.len()
}

/// The VS Code extension's JSON files parse, and the grammar and entry point it names exist
/// (CI does not build the extension itself).
#[test]
fn vscode_extension_files_are_valid() {
    let dir = crate::support::repo_root().join("editors/vscode");
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
    };
    let package = read("package.json");
    let grammar_path = package["contributes"]["grammars"][0]["path"].as_str().unwrap_or("");
    let grammar = read(grammar_path);
    assert_eq!(grammar["scopeName"], package["contributes"]["grammars"][0]["scopeName"]);
    let repository = grammar["repository"].as_object().cloned().unwrap_or_default();
    for pattern in grammar["patterns"].as_array().into_iter().flatten() {
        let include = pattern["include"].as_str().unwrap_or("");
        assert!(repository.contains_key(include.trim_start_matches('#')), "{include} is not in the repository");
    }
    read("language-configuration.json");
    let main = package["main"].as_str().unwrap_or("");
    assert!(dir.join(main).is_file(), "{main} missing");
}

/// A file opened in the policy directory that is not on disk yet joins the policy; files keep
/// their diagnostics (and lose them when fixed) although the new file renumbers them.
#[test]
fn lsp_a_new_file_joins_the_policy() {
    let mut client = Client::start("lsp-new-file", initialize_params());
    let yulin = "params/610800_yulin.toml";
    let good_yulin = client.text(yulin);
    client.change(yulin, &good_yulin.replace("dibao_standard = 4860", "dibao_standard = 4860元"), 2);
    assert_eq!(codes(&client.diagnostics_for(&client.uri(yulin))), ["pol::params::syntax"]);
    let new_uri = client.uri("2019/15_extra.pol");
    let text = "household wrong_sum: 元/月 = monthly_standard + dibao_standard\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": new_uri, "languageId": "pol", "version": 1, "text": text } }),
    );
    assert_eq!(codes(&client.diagnostics_for(&new_uri)), ["pol::unit::mismatch"]);
    assert_eq!(codes(&client.diagnostics_for(&client.uri(yulin))), ["pol::params::syntax"]);
    client.change(yulin, &good_yulin, 3);
    assert!(client.diagnostics_for(&client.uri(yulin)).is_empty());
    client.stop();
}

/// With a Chinese `locale`, diagnostics come from the same catalogue as `pol check` in Chinese:
/// the message, the primary label and the help are Chinese; the code stays `pol::…`.
#[test]
fn lsp_diagnostics_speak_the_clients_language() {
    let params = json!({ "processId": null, "rootUri": null, "capabilities": {}, "locale": "zh-CN" });
    let mut client = Client::start("lsp-zh", params);
    let yulin = "params/610800_yulin.toml";
    let good_yulin = client.text(yulin);
    client.change(yulin, &good_yulin.replace("dibao_standard = 4860", "dibao_standard = 3000"), 2);
    let broken_floor = client.diagnostics_for(&client.uri(yulin));
    assert!(!broken_floor.is_empty(), "a broken floor must be reported");
    assert!(codes(&broken_floor).iter().all(|code| code == "pol::params::constraint"), "{broken_floor:?}");
    let message = broken_floor[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("建议："), "{message}");
    let chinese = message.chars().filter(|character| ('\u{4E00}'..='\u{9FFF}').contains(character)).count();
    let latin = message.chars().filter(char::is_ascii_alphabetic).count();
    assert!(chinese > 0 && !message.contains("help:"), "{message}");
    // Names and values quoted from the policy stay in backticks; the words around them are Chinese.
    assert!(chinese * 2 > latin, "mostly English: {message}");
    client.stop();
}

/// A read of a parameter not in force, whose versions are in another file: the place that
/// explains it is `relatedInformation` with that file's URI, range and label.
#[test]
fn lsp_a_related_place_in_another_file_is_related_information() {
    let mut client = Client::start("lsp-related", initialize_params());
    let param_uri = client.uri("2019/15_later.pol");
    let param_text = "param later_bonus: 元/月 {\n  set by province\n  from 2030-01-01 = 10\n}\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": param_uri, "languageId": "pol", "version": 1, "text": param_text } }),
    );
    let rule_uri = client.uri("2019/16_reads_later.pol");
    let rule_text = "household reads_later: 元/月 = later_bonus\n";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": rule_uri, "languageId": "pol", "version": 1, "text": rule_text } }),
    );
    let diagnostics = client.diagnostics_for(&rule_uri);
    assert_eq!(codes(&diagnostics), ["pol::dated::not_in_force"], "{diagnostics:?}");
    let related = diagnostics[0]["relatedInformation"].as_array().cloned().unwrap_or_default();
    assert_eq!(related.len(), 1, "{diagnostics:?}");
    assert_eq!(related[0]["location"]["uri"], json!(param_uri));
    assert_eq!(related[0]["location"]["range"]["start"], json!({ "line": 2, "character": 20 }));
    assert_eq!(related[0]["message"], "the first version of `later_bonus` is in force from a later date");
    client.stop();
}
