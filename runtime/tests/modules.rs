//! The runtime's modules import each other without cycles (ARCHITECTURE.md, "runtime"): the
//! import graph of `runtime/src` is read from the source and searched for a cycle.
//!
//! An edge `a → b` is any path in `a` that names module `b`: `crate::b::…`, `super::…`,
//! `self::…`, or a child module `b` used by name (`b::item`, `use b::item`). Declaring a child
//! (`mod b;`) is not an edge. A parent that re-exports or calls a child while the child imports
//! from its parent is a cycle: shared items belong in a leaf module both import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path from the crate root (`["pipeline", "worker"]`; the root is `[]`).
type Module = Vec<String>;

#[test]
fn runtime_modules_import_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    let graph = import_graph(&files);
    // The reader of the source works: edges that must be there are found.
    for (from, to) in [("pipeline::worker", "pipeline::typing"), ("input::csv", "input::table"), ("pipeline", "output")]
    {
        assert!(
            graph.get(&module(from)).is_some_and(|targets| targets.contains(&module(to))),
            "expected an import {from} → {to}; graph: {graph:?}"
        );
    }
    let cycles = find_cycles(&graph);
    assert!(cycles.is_empty(), "runtime modules import each other: {}", describe(&cycles));
}

#[test]
fn a_child_importing_its_parent_that_uses_it_is_a_cycle() {
    let files = vec![
        (module("pipeline"), "mod worker;\nuse worker::process;\npub struct Shared;".to_string()),
        (module("pipeline::worker"), "use super::Shared;\n// use crate::output;\npub fn process() {}".to_string()),
        (module("output"), "use crate::pipeline::{self, Shared};".to_string()),
    ];
    let graph = import_graph(&files);
    assert_eq!(describe(&find_cycles(&graph)), "pipeline → pipeline::worker → pipeline");
    assert!(graph[&module("output")].contains(&module("pipeline")));
}

fn module(path: &str) -> Module {
    path.split("::").filter(|segment| !segment.is_empty()).map(str::to_string).collect()
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(Module, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, files);
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap().with_extension("");
        let mut segments: Module =
            relative.components().map(|component| component.as_os_str().to_string_lossy().into_owned()).collect();
        if segments.last().is_some_and(|last| last == "mod" || last == "lib") {
            segments.pop();
        }
        files.push((segments, std::fs::read_to_string(&path).unwrap()));
    }
}

/// Every module's imports of other modules.
fn import_graph(files: &[(Module, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|(module, _)| module.clone()).collect();
    let mut graph = BTreeMap::new();
    for (module, text) in files {
        let tokens = tokens(text);
        let mut targets = BTreeSet::new();
        // Inline modules (`mod tests { … }`): their names and the brace depth they close at.
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0;
        for index in 0..tokens.len() {
            match tokens[index].as_str() {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if inline.last().is_some_and(|(_, closes_at)| *closes_at == depth) {
                        inline.pop();
                    }
                }
                "mod" if tokens.get(index + 2).is_some_and(|token| token == "{") => {
                    inline.push((tokens[index + 1].clone(), depth));
                }
                _ => {}
            }
            let current: Module = module.iter().cloned().chain(inline.iter().map(|(name, _)| name.clone())).collect();
            let starts_path = index == 0 || tokens[index - 1] != "::";
            if starts_path && tokens.get(index + 1).is_some_and(|next| next == "::") {
                let base = match tokens[index].as_str() {
                    "crate" => Some(Vec::new()),
                    "super" | "self" => Some(current.clone()),
                    name => {
                        let child = [current.clone(), vec![name.to_string()]].concat();
                        modules.contains(&child).then_some(current.clone())
                    }
                };
                if let Some(base) = base {
                    let mut found = BTreeSet::new();
                    paths_from(&tokens, index, base, &modules, &mut found);
                    targets.extend(found.into_iter().filter(|target| modules.contains(target)));
                }
            }
        }
        targets.remove(module);
        graph.insert(module.clone(), targets);
    }
    graph
}

/// Resolves the path starting at `tokens[index]` (from `base`, the module it is relative to),
/// expanding `{…}` groups, and adds the deepest module each path names.
fn paths_from(
    tokens: &[String],
    mut index: usize,
    mut base: Module,
    modules: &BTreeSet<Module>,
    targets: &mut BTreeSet<Module>,
) {
    loop {
        match tokens.get(index).map(String::as_str) {
            Some("super") => {
                base.pop();
            }
            Some("crate" | "self") => {}
            Some("{") => {
                // Each item of the group is a path relative to `base`.
                let mut depth = 0;
                let mut item_start = true;
                for (offset, token) in tokens.iter().enumerate().skip(index + 1) {
                    match token.as_str() {
                        "{" => depth += 1,
                        "}" if depth == 0 => return,
                        "}" => depth -= 1,
                        "," if depth == 0 => item_start = true,
                        _ if item_start && depth == 0 => {
                            item_start = false;
                            paths_from(tokens, offset, base.clone(), modules, targets);
                        }
                        _ => {}
                    }
                }
                return;
            }
            Some(name) => {
                let deeper = [base.clone(), vec![name.to_string()]].concat();
                if !modules.contains(&deeper) {
                    targets.insert(base);
                    return;
                }
                base = deeper;
            }
            None => {
                targets.insert(base);
                return;
            }
        }
        if tokens.get(index + 1).is_some_and(|next| next == "::") {
            index += 2;
        } else {
            targets.insert(base);
            return;
        }
    }
}

/// Identifiers, `::` and the punctuation paths use, with comments, strings and characters
/// left out.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        if c == '/' && next == Some('/') {
            while index < chars.len() && chars[index] != '\n' {
                index += 1;
            }
        } else if c == '/' && next == Some('*') {
            index += 2;
            while index + 1 < chars.len() && !(chars[index] == '*' && chars[index + 1] == '/') {
                index += 1;
            }
            index += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !previous_is_ident(&chars, index) {
            // A raw string: r"…" or r#"…"#.
            let mut hashes = 0;
            index += 1;
            while chars.get(index) == Some(&'#') {
                hashes += 1;
                index += 1;
            }
            index += 1;
            while index < chars.len() {
                if chars[index] == '"' && (1..=hashes).all(|offset| chars.get(index + offset) == Some(&'#')) {
                    break;
                }
                index += 1;
            }
            index += 1 + hashes;
        } else if c == '"' {
            index += 1;
            while index < chars.len() && chars[index] != '"' {
                index += if chars[index] == '\\' { 2 } else { 1 };
            }
            index += 1;
        } else if c == '\'' && (chars.get(index + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('x' or '\n'); a lifetime ('a) is skipped as punctuation.
            index += 2;
            while index < chars.len() && chars[index] != '\'' {
                index += 1;
            }
            index += 1;
        } else if c == ':' && next == Some(':') {
            tokens.push("::".to_string());
            index += 2;
        } else if c.is_alphanumeric() || c == '_' {
            let start = index;
            while index < chars.len() && (chars[index].is_alphanumeric() || chars[index] == '_') {
                index += 1;
            }
            tokens.push(chars[start..index].iter().collect());
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            index += 1;
        }
    }
    tokens
}

/// One cycle through each strongly connected group of modules that import each other.
fn find_cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let mut cycles = Vec::new();
    let mut seen: BTreeSet<Module> = BTreeSet::new();
    for start in graph.keys() {
        if seen.contains(start) {
            continue;
        }
        // A path from `start` back to `start`, if any (breadth first: the shortest).
        let mut parents: BTreeMap<Module, Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut found = false;
        while let Some(current) = queue.pop_front() {
            for target in graph.get(&current).into_iter().flatten() {
                if target == start {
                    let mut cycle = vec![start.clone()];
                    let mut node = current.clone();
                    while node != *start {
                        cycle.push(node.clone());
                        node = parents[&node].clone();
                    }
                    cycle.push(start.clone());
                    let last = cycle.len() - 1;
                    cycle[1..last].reverse();
                    seen.extend(cycle.iter().cloned());
                    cycles.push(cycle);
                    found = true;
                    break;
                }
                if !parents.contains_key(target) {
                    parents.insert(target.clone(), current.clone());
                    queue.push_back(target.clone());
                }
            }
            if found {
                break;
            }
        }
    }
    cycles
}

fn describe(cycles: &[Vec<Module>]) -> String {
    let name = |module: &Module| if module.is_empty() { "crate".to_string() } else { module.join("::") };
    cycles.iter().map(|cycle| cycle.iter().map(name).collect::<Vec<_>>().join(" → ")).collect::<Vec<_>>().join("; ")
}

fn previous_is_ident(chars: &[char], index: usize) -> bool {
    index > 0 && (chars[index - 1].is_alphanumeric() || chars[index - 1] == '_')
}
