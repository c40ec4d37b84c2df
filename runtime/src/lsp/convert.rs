//! A leaf of `pol lsp`: the language of messages, positions (LSP counts UTF-16 code units), file
//! URIs, and diagnostics turned into LSP text.

use lsp_types::{Position, Range};
use pol_compiler::diagnostic::Diagnostic;
use pol_compiler::i18n::Lang;
use std::path::{Path, PathBuf};

/// The language of a client's `InitializeParams.locale`: any value starting with `zh` is
/// Chinese, anything else (or none) English.
pub fn lang_of_locale(locale: Option<&str>) -> Lang {
    match locale {
        Some(locale) if locale.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
        Some(_) | None => Lang::En,
    }
}

/// The one place a diagnostic becomes the text an editor shows: its message, then its help,
/// in the language the diagnostic was localized to (`pol_compiler::i18n::localize`).
pub fn diagnostic_text(diagnostic: &Diagnostic, lang: Lang) -> String {
    let mut text = diagnostic.error.to_string();
    if let Some(help) = diagnostic.error.help() {
        text.push('\n');
        text.push_str(&pol_compiler::i18n::line(lang, "line-help", &[("help", &help.to_string())]));
    }
    text
}

/// The LSP position of a byte offset (clamped to the text, moved back to a character boundary).
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset = offset.saturating_sub(1);
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let character: usize = before.get(line_start..).unwrap_or("").chars().map(char::len_utf16).sum();
    Position { line: u32::try_from(line).unwrap_or(u32::MAX), character: u32::try_from(character).unwrap_or(u32::MAX) }
}

/// The byte offset of an LSP position (clamped to its line and to the text).
pub fn offset_of(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(index) => line_start += index + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0;
    for (index, character) in line.char_indices() {
        if units >= position.character as usize {
            return line_start + index;
        }
        units += character.len_utf16();
    }
    line_start + line.len()
}

/// The LSP range of a byte range.
pub fn range_of(text: &str, start: usize, end: usize) -> Range {
    Range { start: position_of(text, start), end: position_of(text, end) }
}

/// A `file://` URI of an absolute path, percent-encoding everything but unreserved characters
/// and `/`.
pub fn uri_of_path(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The path of a `file://` URI; `None` for another scheme or bad escapes.
pub fn path_of_uri(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let mut iter = rest.bytes();
    while let Some(byte) = iter.next() {
        if byte == b'%' {
            let high = char::from(iter.next()?).to_digit(16)?;
            let low = char::from(iter.next()?).to_digit(16)?;
            bytes.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            bytes.push(byte);
        }
    }
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "// 低保\nhousehold gap: 元/月 = 1\n";
        let offset = text.find("元/月").unwrap_or(0);
        let position = position_of(text, offset);
        assert_eq!((position.line, position.character), (1, 15));
        assert_eq!(offset_of(text, position), offset);
        let after = position_of(text, offset + "元/".len());
        assert_eq!(after.character, 17);
    }

    #[test]
    fn uris_round_trip_chinese_paths() {
        let path = Path::new("/tmp/政策 dir/a.pol");
        let uri = uri_of_path(path);
        assert!(uri.starts_with("file:///tmp/%E6"), "{uri}");
        assert_eq!(path_of_uri(&uri).as_deref(), Some(path));
    }

    #[test]
    fn locales_starting_with_zh_are_chinese() {
        assert_eq!(lang_of_locale(Some("zh-cn")), Lang::Zh);
        assert_eq!(lang_of_locale(Some("zh-TW")), Lang::Zh);
        assert_eq!(lang_of_locale(Some("en-US")), Lang::En);
        assert_eq!(lang_of_locale(None), Lang::En);
    }
}
