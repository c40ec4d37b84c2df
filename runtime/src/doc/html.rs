//! HTML text for `pol doc`: escaping, anchors and the page shell (inline CSS, no scripts, no
//! network, no web fonts: a font stack of system CJK fonts).

use std::fmt::Write as _;

/// The stylesheet of every page, inline so that a page needs nothing beside it.
const CSS: &str = "\
body{margin:0;font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\",\
\"PingFang SC\",sans-serif;line-height:1.6;color:#1d1d1f;background:#fafafa}\
a{color:#0b4f9c;text-decoration:none}a:hover{text-decoration:underline}nav{background:#8b1a1a;padding:.6em 1.5em}nav a{color:#fff;margin-right:1.4em;text-decoration:none;font-weight:bold}\
main{max-width:60em;margin:0 auto;padding:1em 1.5em 3em}\
h1{font-size:1.6em;border-bottom:2px solid #8b1a1a;padding-bottom:.2em}h2{margin-top:2em;font-size:1.3em}\
section.item{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.4em 1.2em 1em;margin:1.2em 0}\
section.item h3{margin:.5em 0;font-family:monospace,\"WenQuanYi Zen Hei\";font-size:1.15em}\
blockquote{margin:.6em 0;padding:.4em 1em;border-left:4px solid #c9a227;background:#fffbea}\
pre{background:#f3f3f3;padding:.7em 1em;overflow-x:auto;font-family:\"Noto Sans Mono CJK SC\",\"WenQuanYi Zen Hei Mono\",\
monospace;font-size:.92em;line-height:1.45}\
code{font-family:\"Noto Sans Mono CJK SC\",\"WenQuanYi Zen Hei Mono\",monospace;background:#f3f3f3;padding:0 .2em}\
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\
th{background:#f0e6e6}.doc{font-size:1.05em}.notes{color:#555;font-size:.9em}.label{color:#666;margin-right:.5em}\
.pass{color:#1a7f37}.fail{color:#b42318;font-weight:bold}ul.refs{margin:.2em 0}";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// An anchor id made of a prefix and a name: characters other than letters, digits, `_`, `-`
/// and `.` become `-`, so that an id never needs escaping in a URL fragment.
pub(super) fn anchor(prefix: &str, name: &str) -> String {
    let mut out = String::from(prefix);
    out.push('-');
    for ch in name.chars() {
        if ch.is_alphanumeric() || matches!(ch, '_' | '-' | '.') {
            out.push(ch);
        } else {
            out.push('-');
        }
    }
    out
}

/// A link: `<a href="HREF">TEXT</a>` with `text` escaped (and put in `<code>`).
pub(super) fn code_link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\"><code>{}</code></a>", escape(href), escape(text))
}

/// The whole page around `body`.
pub(super) fn page(site_title: &str, title: &str, body: &str) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
    let _ = writeln!(out, "<title>{} · {}</title>", escape(title), escape(site_title));
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>");
    out.push_str(
        "<nav><a href=\"index.html\">目录</a><a href=\"params.html\">参数</a>\
         <a href=\"schema.html\">数据项与枚举</a><a href=\"jurisdictions.html\">辖区</a></nav>\n<main>\n",
    );
    out.push_str(body);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("月低保金 ≥ 0"), "月低保金 ≥ 0");
    }

    #[test]
    fn anchors_keep_names_and_replace_the_rest() {
        assert_eq!(anchor("param", "topup.elderly70"), "param-topup.elderly70");
        assert_eq!(anchor("test", "a b#c"), "test-a-b-c");
    }
}
