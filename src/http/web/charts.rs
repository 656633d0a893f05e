//! Charts as inline SVG, drawn on the server from numbers the engine computed: the forecast fan
//! (P10 to P90 opening out from what is booked, against target and commit), horizontal bars
//! (downside by account, pipeline by stage), diverging bars (what moved a win probability) and
//! meters. Pure functions of their inputs; every text they draw is escaped; colours come from
//! classes in the style sheet, never from inline styles (the CSP forbids them).

use super::html::escape;
use crate::domain::{money_text, MoneyStyle};
use std::fmt::Write as _;

/// What the fan chart shows, in minor units of `currency`.
#[derive(Debug, Clone)]
pub(super) struct Fan {
    pub currency: String,
    pub booked: i64,
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
    pub target: i64,
    pub commit: i64,
    /// Under the left edge, e.g. `Today, 16 Nov 2026`.
    pub start_label: String,
    /// Under the right edge, e.g. `End of 2026-Q4`.
    pub end_label: String,
}

const FAN_WIDTH: f64 = 720.0;
const FAN_HEIGHT: f64 = 300.0;
const FAN_LEFT: f64 = 76.0;
const FAN_RIGHT: f64 = 124.0;
const FAN_TOP: f64 = 16.0;
const FAN_BOTTOM: f64 = 40.0;

/// A vertical scale from `low..high` (minor units) onto the plot's pixel rows.
struct Scale {
    low: f64,
    high: f64,
}

impl Scale {
    fn covering(values: &[i64]) -> Scale {
        let low = values.iter().copied().min().unwrap_or(0) as f64;
        let high = values.iter().copied().max().unwrap_or(0) as f64;
        let span = if high > low { high - low } else { high.abs().max(1.0) };
        let low = (low - span * 0.12).max(if low >= 0.0 { 0.0 } else { f64::MIN });
        Scale { low, high: high + span * 0.12 }
    }

    fn y(&self, value: i64) -> f64 {
        let plot = FAN_HEIGHT - FAN_TOP - FAN_BOTTOM;
        let share = (value as f64 - self.low) / (self.high - self.low);
        let share = if share.is_finite() { share.clamp(-0.05, 1.05) } else { 0.5 };
        FAN_TOP + plot * (1.0 - share)
    }
}

/// The forecast fan: P10–P90 opening out from what is booked today to the period's end, the
/// P50 path through it, and target and commit as lines across.
pub(super) fn fan_chart(fan: &Fan) -> String {
    let scale = Scale::covering(&[fan.booked, fan.p10, fan.p50, fan.p90, fan.target, fan.commit]);
    let (x0, x1) = (FAN_LEFT, FAN_WIDTH - FAN_RIGHT);
    let xm = x0 + (x1 - x0) * 0.55;
    let yb = scale.y(fan.booked);
    let (y10, y50, y90) = (scale.y(fan.p10), scale.y(fan.p50), scale.y(fan.p90));
    let money = |minor: i64| escape(&money_text(minor, &fan.currency, MoneyStyle::Compact));
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg id=\"fan-chart\" class=\"chart fan-chart\" viewBox=\"0 0 {FAN_WIDTH} {FAN_HEIGHT}\" role=\"img\" \
         aria-labelledby=\"fan-title fan-desc\"><title id=\"fan-title\">Forecast range to {end}</title>\
         <desc id=\"fan-desc\">Booked {booked}. P10 {p10}, P50 {p50}, P90 {p90}. Target {target}, commit {commit}.</desc>",
        end = escape(&fan.end_label),
        booked = money(fan.booked),
        p10 = money(fan.p10),
        p50 = money(fan.p50),
        p90 = money(fan.p90),
        target = money(fan.target),
        commit = money(fan.commit),
    );
    // Grid: four rows labelled with round-ish amounts.
    for step in 0..=4 {
        let value = scale.low + (scale.high - scale.low) * f64::from(step) / 4.0;
        let y = scale.y(value.round() as i64);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"axis-label y-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 8.0,
            y + 4.0,
            money(value.round() as i64)
        );
    }
    let _ = write!(
        svg,
        "<path class=\"fan-band\" d=\"M{x0:.1},{yb:.1} Q{xm:.1},{yb:.1} {x1:.1},{y90:.1} L{x1:.1},{y10:.1} \
         Q{xm:.1},{yb:.1} {x0:.1},{yb:.1} Z\"/>\
         <path class=\"fan-median\" d=\"M{x0:.1},{yb:.1} Q{xm:.1},{yb:.1} {x1:.1},{y50:.1}\"/>"
    );
    svg.push_str(&reference_lines(fan, &scale, x0, x1));
    // Where the period could end, labelled at the right edge; spread apart when close.
    let ends = spread(&[y90, y50, y10], 20.0);
    for ((label, minor, class), y) in
        [("P90", fan.p90, "end-p90"), ("P50", fan.p50, "end-p50"), ("P10", fan.p10, "end-p10")].iter().zip(ends)
    {
        let _ = write!(
            svg,
            "<text class=\"end-label {class}\" x=\"{:.1}\" y=\"{:.1}\"><tspan class=\"end-key\">{label}</tspan> {}</text>",
            x1 + 8.0,
            y + 4.0,
            money(*minor)
        );
    }
    let _ = write!(
        svg,
        "<circle class=\"fan-booked\" cx=\"{x0:.1}\" cy=\"{yb:.1}\" r=\"4\"/>\
         <circle class=\"fan-end\" cx=\"{x1:.1}\" cy=\"{y50:.1}\" r=\"3.5\"/>\
         <line class=\"axis\" x1=\"{x0:.1}\" y1=\"{bottom:.1}\" x2=\"{x1:.1}\" y2=\"{bottom:.1}\"/>\
         <text class=\"axis-label x-label\" x=\"{x0:.1}\" y=\"{ly:.1}\">{start}</text>\
         <text class=\"axis-label x-label\" x=\"{x1:.1}\" y=\"{ly:.1}\" text-anchor=\"end\">{end}</text></svg>",
        bottom = FAN_HEIGHT - FAN_BOTTOM,
        ly = FAN_HEIGHT - FAN_BOTTOM + 20.0,
        start = escape(&fan.start_label),
        end = escape(&fan.end_label),
    );
    svg
}

/// Target and commit as lines across the plot, each labelled just above (or, when the two
/// would overlap, one just below) its line.
fn reference_lines(fan: &Fan, scale: &Scale, x0: f64, x1: f64) -> String {
    let (yt, yc) = (scale.y(fan.target), scale.y(fan.commit));
    let close = (yt - yc).abs() < 22.0;
    let mut out = String::new();
    for (name, minor, y, class, below) in [
        ("Target", fan.target, yt, "line-target", close && yt >= yc),
        ("Commit", fan.commit, yc, "line-commit", close && yc > yt),
    ] {
        let label_y = if below { y + 18.0 } else { y - 7.0 };
        let _ = write!(
            out,
            "<line class=\"{class}\" x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"ref-label {class}-label\" x=\"{:.1}\" y=\"{label_y:.1}\">{name} {}</text>",
            x0 + 6.0,
            escape(&money_text(minor, &fan.currency, MoneyStyle::Compact))
        );
    }
    out
}

/// Label rows for `ys` (top to bottom) pushed apart to at least `gap` pixels.
fn spread(ys: &[f64], gap: f64) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::with_capacity(ys.len());
    for &y in ys {
        let y = match out.last() {
            Some(&previous) if y - previous < gap => previous + gap,
            _ => y,
        };
        out.push(y);
    }
    out
}

/// One row of a horizontal bar chart.
#[derive(Debug, Clone)]
pub(super) struct Bar {
    pub label: String,
    pub value: f64,
    /// A second, darker length inside the first (e.g. the weighted part of a stage's amount).
    pub inner: Option<f64>,
    /// The figure beside the bar, already formatted.
    pub value_text: String,
    /// A smaller line under the label.
    pub note: Option<String>,
    pub link: Option<String>,
}

/// Horizontal bars scaled to the largest value; labels stay HTML so they wrap on a phone.
pub(super) fn bar_chart(id: &str, caption: &str, bars: &[Bar]) -> String {
    let largest = bars.iter().map(|b| b.value.max(b.inner.unwrap_or(0.0))).fold(0.0_f64, f64::max);
    let mut out = format!(
        "<figure class=\"bars\" id=\"{}\"><figcaption class=\"visually-hidden\">{}</figcaption>",
        escape(id),
        escape(caption)
    );
    if bars.is_empty() {
        out.push_str("<p class=\"muted\">Nothing to show.</p>");
    }
    for bar in bars {
        let label = match &bar.link {
            Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&bar.label)),
            None => escape(&bar.label),
        };
        let note = bar.note.as_deref().map(|n| format!("<span class=\"bar-note\">{}</span>", escape(n)));
        let _ = write!(
            out,
            "<div class=\"bar-row\"><div class=\"bar-label\">{label}{}</div>\
             <svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
             <rect class=\"bar-track\" x=\"0\" y=\"0\" width=\"100\" height=\"10\"/>\
             <rect class=\"bar-fill\" x=\"0\" y=\"0\" width=\"{:.2}\" height=\"10\"/>",
            note.unwrap_or_default(),
            length(bar.value, largest)
        );
        if let Some(inner) = bar.inner {
            let _ = write!(
                out,
                "<rect class=\"bar-inner\" x=\"0\" y=\"0\" width=\"{:.2}\" height=\"10\"/>",
                length(inner, largest)
            );
        }
        let _ = write!(out, "</svg><div class=\"bar-value\">{}</div></div>", escape(&bar.value_text));
    }
    out.push_str("</figure>");
    out
}

/// `value` as a share of 100 units of `largest`; zero for anything unusable.
fn length(value: f64, largest: f64) -> f64 {
    if largest > 0.0 && value.is_finite() {
        (value / largest * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

/// Bars left (negative) or right (positive) of a centre line, for contributions.
pub(super) fn diverging_bars(id: &str, caption: &str, rows: &[(String, f64, String)]) -> String {
    let largest = rows.iter().map(|(_, v, _)| v.abs()).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let mut out = format!(
        "<figure class=\"bars diverging\" id=\"{}\"><figcaption class=\"visually-hidden\">{}</figcaption>",
        escape(id),
        escape(caption)
    );
    for (label, value, text) in rows {
        let half = length(value.abs(), largest) / 2.0;
        let (x, class) = if *value >= 0.0 { (50.0, "bar-up") } else { (50.0 - half, "bar-down") };
        let _ = write!(
            out,
            "<div class=\"bar-row\"><div class=\"bar-label\">{}</div>\
             <svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
             <rect class=\"bar-track\" x=\"0\" y=\"0\" width=\"100\" height=\"10\"/>\
             <rect class=\"{class}\" x=\"{x:.2}\" y=\"0\" width=\"{half:.2}\" height=\"10\"/>\
             <line class=\"bar-centre\" x1=\"50\" y1=\"0\" x2=\"50\" y2=\"10\"/></svg>\
             <div class=\"bar-value\">{}</div></div>",
            escape(label),
            escape(text)
        );
    }
    out.push_str("</figure>");
    out
}

/// A thin meter: `share` of the track filled (past 1.0 it fills and says so with its class),
/// with an optional tick at `mark` (e.g. where the pace says one should be).
pub(super) fn meter(share: f64, mark: Option<f64>, class: &str) -> String {
    let share = if share.is_finite() { share.max(0.0) } else { 0.0 };
    let fill = share.min(1.0) * 100.0;
    let over = if share > 1.0 { " meter-over" } else { "" };
    let mut out = format!(
        "<svg class=\"meter {}{over}\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
         <rect class=\"meter-track\" x=\"0\" y=\"0\" width=\"100\" height=\"6\"/>\
         <rect class=\"meter-fill\" x=\"0\" y=\"0\" width=\"{fill:.2}\" height=\"6\"/>",
        escape(class)
    );
    if let Some(mark) = mark.filter(|m| m.is_finite()) {
        let x = (mark.clamp(0.0, 1.0) * 100.0).clamp(0.5, 99.5);
        let _ = write!(out, "<line class=\"meter-mark\" x1=\"{x:.2}\" y1=\"0\" x2=\"{x:.2}\" y2=\"6\"/>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn fan() -> Fan {
        Fan {
            currency: "GBP".to_owned(),
            booked: 100_000_000,
            p10: 180_000_000,
            p50: 240_000_000,
            p90: 300_000_000,
            target: 260_000_000,
            commit: 250_000_000,
            start_label: "Today, 16 Nov 2026".to_owned(),
            end_label: "End of 2026-Q4 <b>".to_owned(),
        }
    }

    #[test]
    fn the_fan_has_its_band_median_references_and_labels() {
        let svg = fan_chart(&fan());
        assert!(svg.starts_with("<svg id=\"fan-chart\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        for needle in [
            "class=\"fan-band\"",
            "class=\"fan-median\"",
            "class=\"line-target\"",
            "class=\"line-commit\"",
            "Target £2.6m",
            "Commit £2.5m",
            "P10</tspan> £1.8m",
            "P50</tspan> £2.4m",
            "P90</tspan> £3m",
            "End of 2026-Q4 &lt;b&gt;",
            "<title id=\"fan-title\">",
        ] {
            assert!(svg.contains(needle), "missing {needle} in {svg}");
        }
        assert!(!svg.contains("<b>"));
        assert!(!svg.contains("style="));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn higher_amounts_sit_higher_and_the_band_opens_from_booked() {
        let scale = Scale::covering(&[100, 180, 300]);
        assert!(scale.y(300) < scale.y(180) && scale.y(180) < scale.y(100));
        let svg = fan_chart(&fan());
        let band = svg.split("class=\"fan-band\" d=\"").nth(1).unwrap();
        let start = band.split(' ').next().unwrap();
        let booked_y = scale_of_fan().y(100_000_000);
        assert_eq!(start, format!("M{FAN_LEFT:.1},{booked_y:.1}"));
    }

    fn scale_of_fan() -> Scale {
        let f = fan();
        Scale::covering(&[f.booked, f.p10, f.p50, f.p90, f.target, f.commit])
    }

    #[test]
    fn a_degenerate_fan_still_draws() {
        let flat = Fan { booked: 0, p10: 0, p50: 0, p90: 0, target: 0, commit: 0, ..fan() };
        let svg = fan_chart(&flat);
        assert!(svg.contains("fan-band") && !svg.contains("NaN"));
        let negative = Fan { booked: -5, p10: i64::MIN, p90: i64::MAX, ..fan() };
        assert!(!fan_chart(&negative).contains("NaN"));
    }

    #[test]
    fn close_labels_are_spread_apart() {
        assert_eq!(spread(&[10.0, 12.0, 100.0], 14.0), vec![10.0, 24.0, 100.0]);
    }

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let bars = vec![
            Bar {
                label: "Acme <Holdings>".to_owned(),
                value: 50.0,
                inner: Some(10.0),
                value_text: "£50".to_owned(),
                note: Some("3 deals".to_owned()),
                link: Some("/deals/a%3A1".to_owned()),
            },
            Bar {
                label: "Beta".to_owned(),
                value: 100.0,
                inner: None,
                value_text: "£100".to_owned(),
                note: None,
                link: None,
            },
        ];
        let html = bar_chart("by-account", "Downside by account", &bars);
        assert!(html.contains("id=\"by-account\""));
        assert!(html.contains("Acme &lt;Holdings&gt;"));
        assert!(html.contains("class=\"bar-fill\" x=\"0\" y=\"0\" width=\"50.00\""));
        assert!(html.contains("class=\"bar-fill\" x=\"0\" y=\"0\" width=\"100.00\""));
        assert!(html.contains("class=\"bar-inner\" x=\"0\" y=\"0\" width=\"10.00\""));
        assert!(html.contains("<a href=\"/deals/a%3A1\">"));
        assert_eq!(html.matches("class=\"bar-row\"").count(), 2);
        assert!(bar_chart("x", "empty", &[]).contains("Nothing to show"));
    }

    #[test]
    fn diverging_bars_go_both_ways() {
        let rows = vec![("Stage".to_owned(), 1.0, "+1.0".to_owned()), ("Flags".to_owned(), -0.5, "−0.5".to_owned())];
        let html = diverging_bars("drivers", "What moved it", &rows);
        assert!(html.contains("class=\"bar-up\" x=\"50.00\" y=\"0\" width=\"50.00\""), "{html}");
        assert!(html.contains("class=\"bar-down\" x=\"25.00\" y=\"0\" width=\"25.00\""), "{html}");
    }

    #[test]
    fn meters_clamp_and_mark() {
        let svg = meter(1.4, Some(0.5), "attainment");
        assert!(svg.contains("meter-over") && svg.contains("width=\"100.00\"") && svg.contains("x1=\"50.00\""));
        assert!(meter(f64::NAN, None, "x").contains("width=\"0.00\""));
    }
}
