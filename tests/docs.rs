//! The documentation, checked: the Chinese language reference keeps step with the English one,
//! and the drafting guide's policy works as the guide says.
//!
//! - Section parity: every heading of `docs/language.md` and `docs/zh/language.md` (outside code
//!   blocks) ends with a stable anchor `<a id="…"></a>`; the two ordered lists of (level, id) must
//!   be equal, so a section added to one language without the other fails.
//! - The guide (`docs/zh/drafting-guide.md`) marks its snippets with HTML comments the reader does
//!   not see: `<!-- file: PATH -->` before a code block writes (or, when repeated, appends to) that
//!   file; `<!-- run -->` before a `sh` block runs each of its `pol …` lines, which must succeed;
//!   `<!-- rejected-file: PATH CODE -->` before a code block puts that file into a copy of the
//!   finished policy, where `pol check` must fail with diagnostic code `CODE`.
//! - The reform guide (`docs/zh/reform-guide.md`) runs the same way on a copy of the Shaanxi
//!   policy: its reform and scenario files, its `pol` lines, its rejected reform files.
//! - README's Chinese quick start (`## 快速上手`) runs as shown, and the relative links between
//!   README and the docs (with their `#anchors`) resolve.

use crate::support::{TempDir, copy_dir, read_text, repo_root};
use std::path::Path;
use std::process::Command;

/// One heading: its level (number of `#`) and its anchor id.
type Section = (usize, String);

/// The headings of a Markdown text outside fenced code blocks, with their anchor ids; panics
/// naming the heading when one has no anchor.
fn sections(name: &str, text: &str) -> Vec<Section> {
    let mut in_fence = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        let id = line
            .strip_suffix("\"></a>")
            .and_then(|rest| rest.rsplit_once("<a id=\""))
            .map(|(_, id)| id.to_string())
            .unwrap_or_else(|| panic!("{name}: heading without an anchor `<a id=\"…\"></a>` at its end: {line}"));
        found.push((level, id));
    }
    assert!(!in_fence, "{name}: a code block is not closed");
    found
}

#[test]
fn chinese_language_reference_has_every_section_of_the_english_one() {
    let english = sections("docs/language.md", &read_text(&repo_root().join("docs/language.md")));
    let chinese = sections("docs/zh/language.md", &read_text(&repo_root().join("docs/zh/language.md")));
    assert!(english.len() > 10, "docs/language.md has too few sections: {english:?}");
    let mut ids: Vec<&String> = english.iter().map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), english.len(), "docs/language.md repeats an anchor id: {english:?}");
    assert_eq!(
        english, chinese,
        "docs/language.md and docs/zh/language.md must have the same sections (level, id) in the same order"
    );
}

#[test]
fn section_parity_check_rejects_a_missing_or_unanchored_section() {
    let english = sections("en", "# A <a id=\"a\"></a>\n```\n# not a heading\n```\n## B <a id=\"b\"></a>\n");
    let chinese = sections("zh", "# 甲 <a id=\"a\"></a>\n");
    assert_eq!(english, vec![(1, "a".to_string()), (2, "b".to_string())]);
    assert_ne!(english, chinese);
    let unanchored = std::panic::catch_unwind(|| sections("zh", "## 乙\n"));
    assert!(unanchored.is_err(), "a heading without an anchor must fail the check");
}

/// What the guide asks for, in the order it appears.
#[derive(Debug)]
enum Step {
    /// Write (or append to) a file of the policy.
    File { path: String, text: String },
    /// A `pol` command line that must succeed.
    Run(Vec<String>),
    /// A file that, put into the finished policy, makes `pol check` fail with this code.
    Rejected { path: String, text: String, code: String },
}

/// The guide's marked snippets.
fn guide_steps(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut marker: Option<String> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(inner) = trimmed.strip_prefix("<!--").and_then(|rest| rest.strip_suffix("-->")) {
            marker = Some(inner.trim().to_string());
            continue;
        }
        if !trimmed.starts_with("```") {
            if !trimmed.is_empty() {
                marker = None;
            }
            continue;
        }
        let mut body = String::new();
        for code_line in lines.by_ref() {
            if code_line.trim_start().starts_with("```") {
                break;
            }
            body.push_str(code_line);
            body.push('\n');
        }
        let Some(marker) = marker.take() else { continue };
        if let Some(path) = marker.strip_prefix("file:") {
            steps.push(Step::File { path: path.trim().to_string(), text: body });
        } else if marker == "run" {
            for command in body.lines().filter(|l| l.starts_with("pol ")) {
                steps.push(Step::Run(words(command.trim_start_matches("pol "))));
            }
        } else if let Some(rest) = marker.strip_prefix("rejected-file:") {
            let (path, code) = rest
                .trim()
                .split_once(' ')
                .unwrap_or_else(|| panic!("a rejected-file marker needs a path and a code: {marker}"));
            steps.push(Step::Rejected { path: path.to_string(), text: body, code: code.trim().to_string() });
        } else {
            panic!("unknown marker in the guide: {marker}");
        }
    }
    steps
}

/// Splits a command line into words, with `"…"` quoting (all the guide needs).
fn words(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    found.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        found.push(current);
    }
    found
}

/// Writes `text` to `dir/path`, appending when `append` and the file exists.
fn write_file(dir: &Path, path: &str, text: &str, append: bool) {
    let target = dir.join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("cannot create {}: {error}", parent.display()));
    }
    let mut contents = if append && target.exists() { read_text(&target) + "\n" } else { String::new() };
    contents.push_str(text);
    std::fs::write(&target, contents).unwrap_or_else(|error| panic!("cannot write {}: {error}", target.display()));
}

/// Runs `pol args` in `dir`; returns the exit code and stdout + stderr.
fn pol(dir: &Path, args: &[String]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .args(if args.first().is_some_and(|a| a == "check") { &["--error-format", "plain"][..] } else { &[][..] })
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap_or_else(|error| panic!("cannot run pol {args:?}: {error}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn drafting_guide_policy_checks_tests_and_runs_as_the_guide_says() {
    let guide = read_text(&repo_root().join("docs/zh/drafting-guide.md"));
    let steps = guide_steps(&guide);
    let work = TempDir::new("guide");
    let mut written = std::collections::BTreeSet::new();
    for step in &steps {
        if let Step::File { path, text } = step {
            let append = !written.insert(path.clone());
            write_file(work.path(), path, text, append);
        }
    }
    let commands: Vec<&Vec<String>> =
        steps.iter().filter_map(|s| if let Step::Run(c) = s { Some(c) } else { None }).collect();
    for needed in ["fmt", "check", "test", "explain", "run"] {
        assert!(
            commands.iter().any(|c| c.first().is_some_and(|w| w == needed)),
            "the guide runs no `pol {needed}`: {commands:?}"
        );
    }
    for command in &commands {
        let (code, output) = pol(work.path(), command);
        assert_eq!(code, 0, "`pol {}` failed in the guide's policy:\n{output}", command.join(" "));
    }
    let mut n_rejected = 0;
    for step in &steps {
        if let Step::Rejected { path, text, code } = step {
            n_rejected += 1;
            let copy = TempDir::new("guide-rejected");
            copy_dir(work.path(), copy.path());
            write_file(copy.path(), path, text, false);
            let policy = path.split('/').next().unwrap_or_else(|| panic!("no policy directory in {path}"));
            let (exit, output) = pol(copy.path(), &["check".to_string(), policy.to_string()]);
            assert_eq!(exit, 1, "`pol check` accepted the guide's rejected {path}:\n{output}");
            assert!(output.contains(code.as_str()), "the guide's rejected {path} should fail with {code}:\n{output}");
        }
    }
    assert!(n_rejected >= 2, "the guide shows at least two rejected files");
}

/// The reform guide (`docs/zh/reform-guide.md`) on a copy of the Shaanxi policy as `shaanxi/`:
/// its files are written, its `pol` lines succeed, and each rejected reform file makes
/// `pol check` of its directory fail with the code the guide names.
#[test]
fn reform_guide_runs_as_the_guide_says() {
    let guide = read_text(&repo_root().join("docs/zh/reform-guide.md"));
    let steps = guide_steps(&guide);
    let work = TempDir::new("reform-guide");
    copy_dir(&crate::support::shaanxi_dir(), &work.path().join("shaanxi"));
    let mut written = std::collections::BTreeSet::new();
    for step in &steps {
        if let Step::File { path, text } = step {
            let append = !written.insert(path.clone());
            write_file(work.path(), path, text, append);
        }
    }
    let commands: Vec<&Vec<String>> =
        steps.iter().filter_map(|s| if let Step::Run(c) = s { Some(c) } else { None }).collect();
    for needed in ["check", "test", "run", "diff"] {
        assert!(commands.iter().any(|c| c.first().is_some_and(|w| w == needed)), "the guide runs no `pol {needed}`");
    }
    assert!(commands.iter().any(|c| c.iter().any(|w| w == "--scenario")), "the guide runs no scenario");
    for command in &commands {
        let (code, output) = pol(work.path(), command);
        assert_eq!(code, 0, "`pol {}` failed in the reform guide:\n{output}", command.join(" "));
    }
    let mut n_rejected = 0;
    for step in &steps {
        if let Step::Rejected { path, text, code } = step {
            n_rejected += 1;
            let copy = TempDir::new("reform-guide-rejected");
            copy_dir(work.path(), copy.path());
            write_file(copy.path(), path, text, false);
            let dir = Path::new(path).parent().map(|dir| dir.display().to_string()).unwrap_or_default();
            let (exit, output) = pol(copy.path(), &["check".to_string(), dir]);
            assert_eq!(exit, 1, "`pol check` accepted the guide's rejected {path}:\n{output}");
            assert!(output.contains(code.as_str()), "the guide's rejected {path} should fail with {code}:\n{output}");
        }
    }
    assert!(n_rejected >= 2, "the reform guide shows at least two rejected files");
}

#[test]
fn readme_chinese_quick_start_commands_work() {
    let readme = read_text(&repo_root().join("README.md"));
    let (before, section) =
        readme.split_once("\n## 快速上手\n").unwrap_or_else(|| panic!("README.md has no `## 快速上手` section"));
    assert!(
        before.starts_with("# pol\n\n```sh\ncargo run --release -- run"),
        "the two commands must stay first in README.md"
    );
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("the quick start has no sh block"));
    let out = TempDir::new("readme-quick-start");
    let mut n_run = 0;
    for line in block.lines() {
        let Some(command) = line.strip_prefix("target/release/pol ") else { continue };
        let mut args = words(command);
        if let Some(comment) = args.iter().position(|word| word.starts_with('#')) {
            args.truncate(comment);
        }
        if let Some(flag) = args.iter().position(|word| word == "--out") {
            args.truncate(flag);
            args.push("--out".to_string());
            args.push(out.path().join("out").display().to_string());
        }
        let (code, output) = pol(repo_root(), &args);
        assert_eq!(code, 0, "README quick start `pol {}` failed:\n{output}", args.join(" "));
        n_run += 1;
    }
    for needed in ["check", "test", "explain", "run"] {
        assert!(block.contains(&format!("target/release/pol {needed} ")), "the quick start shows no `pol {needed}`");
    }
    assert_eq!(n_run, 4, "the quick start's pol commands");
    assert!(section.contains("docs/zh/drafting-guide.md") && section.contains("docs/zh/language.md"));
}

#[test]
fn links_between_the_docs_resolve() {
    for page in
        ["README.md", "docs/language.md", "docs/zh/language.md", "docs/zh/drafting-guide.md", "docs/zh/reform-guide.md"]
    {
        let path = repo_root().join(page);
        let text = read_text(&path);
        let base = path.parent().unwrap_or_else(|| panic!("{page} has no directory"));
        for (_, rest) in text.match_indices("](").map(|(at, _)| text.split_at(at + 2)) {
            let Some((target, _)) = rest.split_once(')') else { continue };
            if target.starts_with("http") || target.contains(' ') {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let resolved = if file.is_empty() { path.clone() } else { base.join(file) };
            assert!(resolved.exists(), "{page}: link `{target}` points at nothing");
            if !anchor.is_empty() {
                let anchors = read_text(&resolved);
                assert!(
                    anchors.contains(&format!("<a id=\"{anchor}\"></a>")),
                    "{page}: link `{target}`: no such anchor"
                );
            }
        }
    }
}
