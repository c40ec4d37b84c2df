//! A leaf: HTML fragments that are escaped by construction, and numbers written as people read
//! them (`1,234,567.89`).
//!
//! Every component returns an [`Html`]; the only way to put outside text into one is
//! [`Html::text`], which escapes it (with `pol doc`'s escaper), so a page cannot carry markup
//! that came from a policy, a data file or a roster.

use crate::format;

/// A fragment of HTML that is safe to put into a page: built by the components of this module
/// family, with every outside text escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Text as HTML: `<`, `>`, `&` and quotes escaped.
    pub fn text(text: &str) -> Html {
        Html(escape(text))
    }

    /// Markup written by this module family (never text from outside: that goes through
    /// [`escape`] first).
    pub(super) fn trusted(markup: String) -> Html {
        Html(markup)
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends another fragment.
    pub fn push(&mut self, other: &Html) {
        self.0.push_str(&other.0);
    }

    /// Appends markup written by this module family.
    pub(super) fn push_trusted(&mut self, markup: &str) {
        self.0.push_str(markup);
    }

    /// The fragment in a `<div class="CLASS">` (`columns` lays its children side by side).
    pub fn boxed(self, class: &str) -> Html {
        Html(format!("<div class=\"{}\">{}</div>", escape(class), self.0))
    }

    /// The markup, consumed.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Escapes text for HTML content and attribute values (the one escaper of `pol doc`).
pub fn escape(text: &str) -> String {
    crate::doc::html::escape(text)
}

/// Money in fen as 元 with two decimals and thousands separators: `123456789` → `1,234,567.89`.
pub fn money_text(fen: i128) -> String {
    group_digits(&format::money_to_string(fen))
}

/// An integer with thousands separators: `1234567` → `1,234,567`.
pub fn integer_text(value: i128) -> String {
    group_digits(&value.to_string())
}

/// Whether `text` is a plain decimal: an optional `-`, digits, and optionally `.` and digits.
pub fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let is_digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    is_digits(integer) && fraction.is_none_or(is_digits)
}

/// An amount in 元 as a summary writes it (`-1234.5`, `612.50`, at most two decimals) in fen;
/// `None` for any other text.
pub fn decimal_to_fen(text: &str) -> Option<i128> {
    if !is_plain_decimal(text) {
        return None;
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if fraction.len() > 2 || integer.len() > 30 {
        return None;
    }
    let yuan: i128 = integer.parse().ok()?;
    let fen: i128 = format!("{fraction:0<2}").parse().ok()?;
    let total = yuan.checked_mul(100)?.checked_add(fen)?;
    Some(if negative { -total } else { total })
}

/// Puts a comma between each group of three digits of the integer part of a plain decimal
/// (`-1234.50` → `-1,234.50`); any other text is returned as it is.
pub fn group_digits(plain: &str) -> String {
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    if !is_plain_decimal(plain) {
        return plain.to_string();
    }
    let mut out = String::with_capacity(plain.len() + integer.len() / 3);
    out.push_str(sign);
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A length in pixels with one decimal, the same text on every machine.
pub(super) fn px(value: f64) -> String {
    if value.is_finite() { format!("{value:.1}") } else { "0.0".to_string() }
}

/// The width in pixels a text takes at `font_px`: CJK and other wide characters count a full
/// em, the rest about 0.6 em (enough to place labels; the browser does the real layout).
pub(super) fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().map(|ch| if (ch as u32) < 0x2E80 { 0.6 } else { 1.0 }).sum::<f64>() * font_px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_trusted_markup_is_not() {
        assert_eq!(
            Html::text("<b>\"低保\" & 'x'</b>").as_str(),
            "&lt;b&gt;&quot;低保&quot; &amp; &#39;x&#39;&lt;/b&gt;"
        );
        let mut html = Html::trusted("<p>".to_string());
        html.push(&Html::text("a<b"));
        html.push_trusted("</p>");
        assert_eq!(html.into_string(), "<p>a&lt;b</p>");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(money_text(123_456_789), "1,234,567.89");
        assert_eq!(money_text(-50), "-0.50");
        assert_eq!(money_text(100_000), "1,000.00");
        assert_eq!(integer_text(999), "999");
        assert_eq!(integer_text(-1_000_000), "-1,000,000");
        assert_eq!(group_digits("12345.6789"), "12,345.6789");
        assert_eq!(group_digits("—"), "—");
        assert_eq!(group_digits("50%"), "50%");
        assert_eq!(group_digits("-"), "-");
    }

    #[test]
    fn amounts_as_summaries_write_them_read_back_in_fen() {
        assert_eq!(decimal_to_fen("612.5"), Some(61_250));
        assert_eq!(decimal_to_fen("-1234.56"), Some(-123_456));
        assert_eq!(decimal_to_fen("7"), Some(700));
        assert_eq!(decimal_to_fen("0.05"), Some(5));
        for bad in ["", "-", "1.234", "1,234.56", "1e3", "—", ".5", "5.", "99999999999999999999999999999999"] {
            assert_eq!(decimal_to_fen(bad), None, "{bad}");
        }
        assert!(is_plain_decimal("-0.50") && !is_plain_decimal("+1"));
    }

    #[test]
    fn widths_count_cjk_wider() {
        assert!(text_width("新城区", 10.0) > text_width("abc", 10.0));
        assert_eq!(px(1.0 / 3.0), "0.3");
        assert_eq!(px(f64::NAN), "0.0");
    }
}
