//! Charts as inline SVG, drawn by hand: a horizontal bar chart (a label, a bar and the value
//! written out per row; negative values go left of the zero line) and a histogram (one column
//! per bin, counts on the vertical axis).
//!
//! The figures are exact integers (fen, counts); only the drawing scales them to pixels, in
//! `f64`, written with one decimal, so the same data gives the same bytes. Each chart is a
//! `<figure>` with a caption, its SVG has `role="img"` and a `<title>`, and each bar a `<title>`
//! with its label and value (shown on hover). Every text is escaped.

use super::markup::{Html, escape, px, text_width};
use std::fmt::Write as _;

/// The font size of chart text, in pixels.
const FONT_PX: f64 = 13.0;
/// The width of every chart (it scales down with the page).
const WIDTH: f64 = 760.0;
/// A bar chart's row height and bar height.
const ROW_PX: f64 = 22.0;
const BAR_PX: f64 = 15.0;
/// The most bars one SVG holds (a printed page holds about 40 rows).
const BARS_PER_SVG: usize = 36;
/// Colours of positive and negative bars.
const POSITIVE: &str = "#b33a3a";
const NEGATIVE: &str = "#2f6f9f";

/// One bar: its label, its exact value (its length) and the value as written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label (a county's name).
    pub label: String,
    /// The value the bar's length shows, in any unit shared by the chart (fen, households).
    pub value: i128,
    /// The value as written (`1,234.56`).
    pub text: String,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarChart {
    /// The caption (`各县区户数`).
    pub title: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
}

/// One bin of a histogram: its label (`0–100`) and how many fall in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    /// The label under the column.
    pub label: String,
    /// The count.
    pub count: u64,
}

/// A histogram: columns of counts, one per bin, left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// The caption.
    pub title: String,
    /// What the bins measure (written under the axis: `每户月金额变化(元)`).
    pub x_label: String,
    /// What is counted (written at the top of the vertical axis: `户数`).
    pub y_label: String,
    /// The bins.
    pub bins: Vec<Bin>,
}

impl BarChart {
    /// A chart titled `title` with no bars yet.
    pub fn new(title: &str) -> BarChart {
        BarChart { title: title.to_string(), bars: Vec::new() }
    }

    /// Appends a bar.
    pub fn bar(&mut self, label: &str, value: i128, text: &str) {
        self.bars.push(Bar { label: label.to_string(), value, text: text.to_string() });
    }

    /// The chart as a `<figure>` with an inline SVG.
    pub fn render(&self) -> Html {
        let label_width = self.bars.iter().map(|bar| text_width(&bar.label, FONT_PX)).fold(0.0, f64::max);
        let label_width = (label_width + 10.0).clamp(40.0, 260.0);
        let value_width = self.bars.iter().map(|bar| text_width(&bar.text, FONT_PX)).fold(0.0, f64::max) + 12.0;
        let plot_width = (WIDTH - label_width - value_width - 4.0).max(60.0);
        let (low, high) =
            self.bars.iter().fold((0i128, 0i128), |(low, high), bar| (low.min(bar.value), high.max(bar.value)));
        let span = (high - low) as f64;
        // The x of a value: the plot spans [low, high], zero included.
        let x_of = |value: i128| -> f64 {
            if span > 0.0 { label_width + (value - low) as f64 / span * plot_width } else { label_width }
        };
        let zero = x_of(0);
        if self.bars.is_empty() {
            let mut svg = svg_open(&self.title, ROW_PX + 8.0);
            let _ = write!(svg, "<text x=\"{}\" y=\"16\" fill=\"#666\">无数据</text></svg>", px(label_width));
            return figure(&self.title, &svg);
        }
        // Bars go into SVGs of at most `BARS_PER_SVG` rows on one scale: stacked, they read as one
        // chart on screen, and a printed page breaks between them instead of cutting a bar.
        let mut svgs = String::new();
        for rows in self.bars.chunks(BARS_PER_SVG) {
            let height = ROW_PX * rows.len() as f64 + 8.0;
            let mut svg = svg_open(&self.title, height);
            for (index, bar) in rows.iter().enumerate() {
                let top = 4.0 + ROW_PX * index as f64;
                let middle = top + ROW_PX / 2.0;
                let end = x_of(bar.value);
                let (x, width) = if end >= zero { (zero, end - zero) } else { (end, zero - end) };
                let colour = if bar.value < 0 { NEGATIVE } else { POSITIVE };
                let label = escape(&bar.label);
                let text = escape(&bar.text);
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\">{label}</text>",
                    px(label_width - 6.0),
                    px(middle)
                );
                let _ = write!(
                    svg,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{label}:{text}</title></rect>",
                    px(x),
                    px(top + (ROW_PX - BAR_PX) / 2.0),
                    px(width),
                    px(BAR_PX)
                );
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#333\">{text}</text>",
                    px(WIDTH - 2.0),
                    px(middle)
                );
            }
            if low < 0 {
                let _ = write!(
                    svg,
                    "<line x1=\"{0}\" y1=\"0\" x2=\"{0}\" y2=\"{1}\" stroke=\"#555\" stroke-width=\"1\"/>",
                    px(zero),
                    px(height)
                );
            }
            svg.push_str("</svg>");
            svgs.push_str(&svg);
        }
        figure(&self.title, &svgs)
    }
}

impl Histogram {
    /// The histogram as a `<figure>` with an inline SVG.
    pub fn render(&self) -> Html {
        const LEFT: f64 = 56.0;
        const TOP: f64 = 24.0;
        const PLOT_HEIGHT: f64 = 200.0;
        const BOTTOM: f64 = 78.0;
        let height = TOP + PLOT_HEIGHT + BOTTOM;
        let plot_width = WIDTH - LEFT - 10.0;
        let top_count = nice_ceiling(self.bins.iter().map(|bin| bin.count).max().unwrap_or(0));
        let mut svg = svg_open(&self.title, height);
        let base = TOP + PLOT_HEIGHT;
        // The vertical axis: 0, half and the top, with grid lines.
        for tick in [0, top_count / 2, top_count] {
            let y = base - tick as f64 / top_count as f64 * PLOT_HEIGHT;
            let _ = write!(
                svg,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#ddd\" stroke-width=\"1\"/>\
                 <text x=\"{3}\" y=\"{1}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#555\">{4}</text>",
                px(LEFT),
                px(y),
                px(WIDTH - 10.0),
                px(LEFT - 6.0),
                super::markup::integer_text(i128::from(tick))
            );
        }
        let _ = write!(svg, "<text x=\"{}\" y=\"14\" fill=\"#555\">{}</text>", px(4.0), escape(&self.y_label));
        let n_bins = self.bins.len().max(1) as f64;
        let column = plot_width / n_bins;
        // Labels are written every `step` bins so that they do not overlap.
        let widest = self.bins.iter().map(|bin| text_width(&bin.label, FONT_PX)).fold(0.0, f64::max);
        let step = if widest * 0.8 + 4.0 > column { ((widest * 0.8 + 4.0) / column).ceil() as usize } else { 1 };
        if self.bins.is_empty() {
            let _ =
                write!(svg, "<text x=\"{}\" y=\"{}\" fill=\"#666\">无数据</text>", px(LEFT + 10.0), px(base - 10.0));
        }
        for (index, bin) in self.bins.iter().enumerate() {
            let x = LEFT + column * index as f64;
            let bar_height = bin.count as f64 / top_count as f64 * PLOT_HEIGHT;
            let label = escape(&bin.label);
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{POSITIVE}\"><title>{label}:{}</title></rect>",
                px(x + 1.0),
                px(base - bar_height),
                px((column - 2.0).max(1.0)),
                px(bar_height),
                bin.count
            );
            if index % step.max(1) == 0 {
                let (label_x, label_y) = (x + column / 2.0, base + 12.0);
                let _ = write!(
                    svg,
                    "<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\" transform=\"rotate(-35 {0} {1})\">{label}</text>",
                    px(label_x),
                    px(label_y)
                );
            }
        }
        let _ = write!(
            svg,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#555\" stroke-width=\"1\"/>\
             <text x=\"{3}\" y=\"{4}\" text-anchor=\"middle\" fill=\"#555\">{5}</text>",
            px(LEFT),
            px(base),
            px(WIDTH - 10.0),
            px(LEFT + plot_width / 2.0),
            px(height - 6.0),
            escape(&self.x_label)
        );
        svg.push_str("</svg>");
        figure(&self.title, &svg)
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `count` (at least 1), the top of a count axis.
fn nice_ceiling(count: u64) -> u64 {
    let mut unit = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = unit.saturating_mul(factor);
            if candidate >= count || candidate == u64::MAX {
                return candidate.max(1);
            }
        }
        unit = unit.saturating_mul(10);
    }
}

/// The opening of a chart's SVG (its `<title>` is the caption, for screen readers).
fn svg_open(title: &str, height: f64) -> String {
    format!(
        "<svg role=\"img\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" \
         font-size=\"{FONT_PX}\" font-family=\"Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Zen Hei, sans-serif\">\
         <title>{2}</title>",
        px(WIDTH),
        px(height),
        escape(title)
    )
}

/// The `<figure>` around a chart's SVGs.
fn figure(title: &str, svgs: &str) -> Html {
    Html::trusted(format!("<figure class=\"chart\"><figcaption>{}</figcaption>{svgs}</figure>", escape(title)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks that `markup` is well-formed XML as far as a chart needs: tags nest and close,
    /// attribute values are quoted, and `&` starts an entity. Returns the number of elements.
    pub(crate) fn assert_well_formed(markup: &str) -> usize {
        let mut stack: Vec<String> = Vec::new();
        let mut n_elements = 0;
        let mut rest = markup;
        while let Some(start) = rest.find(['<', '&']) {
            let (text, tail) = rest.split_at(start);
            assert!(!text.contains('>'), "a stray `>` in text: {text}");
            if tail.starts_with('&') {
                let end = tail.find(';').expect("an entity ends with `;`");
                let entity = &tail[1..end];
                assert!(["amp", "lt", "gt", "quot", "#39"].contains(&entity), "unknown entity &{entity}; in {markup}");
                rest = &tail[end + 1..];
                continue;
            }
            let end = tail.find('>').expect("a tag ends with `>`");
            let tag = &tail[1..end];
            rest = &tail[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "closing tag {name} does not match");
                continue;
            }
            n_elements += 1;
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name = body.split(' ').next().unwrap_or_default().to_string();
            assert!(!name.is_empty() && name.chars().all(|ch| ch.is_ascii_alphanumeric()), "bad tag name in <{tag}>");
            // Attributes: name="value" pairs with no `<` or `"` inside values.
            let mut attributes = body[name.len()..].trim();
            while !attributes.is_empty() {
                let (attribute, after) = attributes.split_once("=\"").expect("an attribute is name=\"value\"");
                assert!(!attribute.contains(' ') && !attribute.is_empty(), "bad attribute name `{attribute}`");
                let close = after.find('"').expect("an attribute value is closed");
                assert!(!after[..close].contains('<'), "`<` in an attribute value");
                attributes = after[close + 1..].trim_start();
            }
            if !self_closing {
                stack.push(name);
            }
        }
        assert!(!rest.contains('>'), "a stray `>` at the end");
        assert!(stack.is_empty(), "unclosed tags: {stack:?}");
        n_elements
    }

    fn chart() -> BarChart {
        let mut chart = BarChart::new("各县区月金额 <元>");
        chart.bar("新城区", 123_456, "1,234.56");
        chart.bar("碑林区 & \"x\"", 0, "0.00");
        chart.bar("莲湖区", -40_000, "-400.00");
        chart
    }

    #[test]
    fn a_bar_chart_is_well_formed_escaped_and_the_same_every_time() {
        let html = chart().render().into_string();
        // figure, figcaption, svg, title, and per bar: label, rect, its title, value; one zero line.
        assert_eq!(assert_well_formed(&html), 4 + 3 * 4 + 1);
        assert!(html.contains("<figcaption>各县区月金额 &lt;元&gt;</figcaption>"), "{html}");
        assert!(html.contains(">碑林区 &amp; &quot;x&quot;</text>"));
        assert!(html.contains("<title>新城区:1,234.56</title>"));
        assert_eq!(html, chart().render().into_string());
    }

    #[test]
    fn bar_lengths_are_proportional_and_negative_bars_go_left_of_zero() {
        let mut chart = BarChart::new("户数");
        chart.bar("甲", 100, "100");
        chart.bar("乙", 50, "50");
        let html = chart.render().into_string();
        let widths: Vec<f64> = html
            .split("<rect ")
            .skip(1)
            .map(|rect| {
                let after = &rect[rect.find("width=\"").unwrap() + 7..];
                after[..after.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert!((widths[0] - 2.0 * widths[1]).abs() < 0.2, "{widths:?}");
        let negative = self::chart().render().into_string();
        assert!(negative.contains(&format!("fill=\"{NEGATIVE}\"")) && negative.contains("<line "));
    }

    #[test]
    fn many_bars_are_split_into_svgs_on_one_scale() {
        let mut chart = BarChart::new("各县区户数");
        for index in 0..100 {
            chart.bar(&format!("县{index}"), 100 - index, &(100 - index).to_string());
        }
        let html = chart.render().into_string();
        assert_well_formed(&html);
        assert_eq!(html.matches("<svg ").count(), 3);
        assert_eq!(html.matches("<rect ").count(), 100);
        // The same scale in every part: the 37th bar (the second SVG's first) is 64/100 of the first.
        let widths: Vec<f64> = html
            .split("<rect ")
            .skip(1)
            .map(|rect| {
                let after = &rect[rect.find("width=\"").unwrap() + 7..];
                after[..after.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!((widths[36] / widths[0] - 0.64).abs() < 0.01, "{} {}", widths[36], widths[0]);
    }

    #[test]
    fn an_empty_chart_says_so() {
        let html = BarChart::new("无").render().into_string();
        assert!(html.contains(">无数据</text>"));
        assert_well_formed(&html);
        let histogram = Histogram { title: "h".into(), x_label: "x".into(), y_label: "y".into(), bins: vec![] };
        assert!(histogram.render().as_str().contains(">无数据</text>"));
    }

    #[test]
    fn a_histogram_is_well_formed_with_one_column_per_bin() {
        let bins: Vec<Bin> = (0..30)
            .map(|index| Bin { label: format!("{}–{}", index * 10, index * 10 + 10), count: index * 3 })
            .collect();
        let histogram = Histogram {
            title: "变化 <分布>".into(),
            x_label: "每户月金额变化(元)".into(),
            y_label: "户数".into(),
            bins,
        };
        let html = histogram.render().into_string();
        assert_well_formed(&html);
        assert_eq!(html.matches("<rect ").count(), 30);
        // Thirty labels do not fit side by side: some are left out, the first is kept.
        let n_labels = html.matches("transform=\"rotate(-35").count();
        assert!((2..30).contains(&n_labels), "{n_labels} labels");
        assert!(html.contains(">0–10</text>") && html.contains("<figcaption>变化 &lt;分布&gt;</figcaption>"));
        // The axis top is a round number above the largest count (87 → 100).
        assert!(html.contains(">100</text>"));
        assert_eq!(html, histogram.render().into_string());
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!([0, 1, 3, 7, 10, 11, 87, 250, 501].map(nice_ceiling), [1, 1, 5, 10, 10, 20, 100, 500, 1000]);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }
}
