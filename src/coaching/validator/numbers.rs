//! Numbers and dates in text: what a draft states (amounts, percentages, counts, day counts,
//! dates, each with the precision it was written at) and the pool of values a snapshot supports.
//! A stated number is grounded when some snapshot value rounds to it at the stated precision.

use chrono::NaiveDate;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Money,
    Percent,
    Plain,
}

/// A number as written: its value, the precision it was written at, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Stated {
    pub kind: NumberKind,
    pub value: f64,
    pub unit: f64,
    pub text: String,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

static ISO_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
static DAY_MONTH_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(r"(?i)\b(\d{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? (\d{4})\b")
});
static MONTH_DAY_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2}),? (\d{4})\b")
});
/// Labels that carry digits but state no quantity: periods, percentiles, "1:1".
static LABELS: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"(?i)\bFY\d{4}(?:-Q[1-4])?\b|\bQ[1-4]\b|\bP(?:10|50|90)\b|\b1:1s?\b|\bone-on-one\b"));
static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(
        r"(?i)(?P<pre>USD|EUR|GBP|CHF|JPY|\$|€|£)?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s?(?P<suffix>%|percent\b|k\b|m\b|mn\b|bn\b|million\b|billion\b|thousand\b))?(?:\s?(?P<post>USD|EUR|GBP|CHF|JPY)\b)?",
    )
});

/// Compiles a fixed pattern; a pattern that fails to compile matches nothing (the unit tests
/// exercise every one, so that never ships).
pub(crate) fn fixed_regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn month(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    MONTHS.iter().position(|m| lower.starts_with(m)).map(|i| i as u32 + 1)
}

/// Dates stated in `text` (ISO, "30 Nov 2026", "Nov 30, 2026"), and the text with them blanked.
pub(crate) fn extract_dates(text: &str) -> (Vec<(String, Option<NaiveDate>)>, String) {
    let mut found = Vec::new();
    let mut blanked = text.to_owned();
    let captures = |re: &'static LazyLock<Option<Regex>>| {
        re.as_ref().map(|r| r.captures_iter(text).collect::<Vec<_>>()).unwrap_or_default()
    };
    for caps in captures(&ISO_DATE) {
        let parse = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = match (caps.get(1).and_then(|m| m.as_str().parse::<i32>().ok()), parse(2), parse(3)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        found.push((caps[0].to_owned(), date));
    }
    for caps in captures(&DAY_MONTH_YEAR) {
        let date = match (caps[1].parse::<u32>().ok(), month(&caps[2]), caps[3].parse::<i32>().ok()) {
            (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        found.push((caps[0].to_owned(), date));
    }
    for caps in captures(&MONTH_DAY_YEAR) {
        let date = match (month(&caps[1]), caps[2].parse::<u32>().ok(), caps[3].parse::<i32>().ok()) {
            (Some(m), Some(d), Some(y)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        };
        found.push((caps[0].to_owned(), date));
    }
    for (matched, _) in &found {
        blanked = blanked.replace(matched.as_str(), " ");
    }
    (found, blanked)
}

/// Numbers stated in `text` once dates and labels are blanked.
pub(crate) fn extract_numbers(text: &str) -> Vec<Stated> {
    let text = match LABELS.as_ref() {
        Some(labels) => labels.replace_all(text, " ").into_owned(),
        None => text.to_owned(),
    };
    let Some(number_pattern) = NUMBER.as_ref() else { return Vec::new() };
    let mut out = Vec::new();
    for caps in number_pattern.captures_iter(&text) {
        let Some(number) = caps.name("num") else { continue };
        // A digit glued to letters ("Q4", "x2", "v1") is part of a word, not a quantity.
        let start = number.start();
        let mut before = text[..start].chars().rev();
        let glued_before = match (before.next(), before.next()) {
            (Some(c), _) if c.is_alphabetic() || c == '_' => true,
            (Some('-'), Some(c)) => c.is_alphanumeric(),
            _ => false,
        };
        let glued_after = text[number.end()..].chars().next().is_some_and(|c| c.is_alphabetic() && c != 'x');
        let has_suffix = caps.name("suffix").is_some();
        if glued_before && caps.name("pre").is_none() || glued_after && !has_suffix {
            continue;
        }
        let digits = number.as_str().replace(',', "");
        let Ok(value) = digits.parse::<f64>() else { continue };
        let decimals = digits.split_once('.').map(|(_, f)| f.len() as i32).unwrap_or(0);
        let mut unit = 10f64.powi(-decimals);
        let suffix = caps.name("suffix").map(|s| s.as_str().to_ascii_lowercase());
        let multiplier = match suffix.as_deref() {
            Some("k") | Some("thousand") => 1e3,
            Some("m") | Some("mn") | Some("million") => 1e6,
            Some("bn") | Some("billion") => 1e9,
            _ => 1.0,
        };
        unit *= multiplier;
        let currency = caps.name("pre").is_some() || caps.name("post").is_some();
        let kind = match suffix.as_deref() {
            Some("%") | Some("percent") => NumberKind::Percent,
            _ if currency || multiplier > 1.0 => NumberKind::Money,
            _ => NumberKind::Plain,
        };
        out.push(Stated { kind, value: value * multiplier, unit, text: caps[0].trim().to_owned() });
    }
    out
}

/// Every value a snapshot supports, by kind.
#[derive(Debug, Clone, Default)]
pub struct NumberPool {
    money: Vec<f64>,
    percent: Vec<f64>,
    plain: Vec<f64>,
    dates: BTreeSet<NaiveDate>,
    /// Years and months a draft may name without a day.
    years: BTreeSet<i32>,
}

impl NumberPool {
    pub fn add_plain(&mut self, value: f64) {
        if value.is_finite() {
            self.plain.push(value.abs());
        }
    }

    pub fn add_money(&mut self, major: f64) {
        if major.is_finite() {
            self.money.push(major.abs());
        }
    }

    pub fn add_share(&mut self, share: f64) {
        if share.is_finite() {
            self.percent.push((share * 100.0).abs());
        }
    }

    pub fn add_date(&mut self, date: NaiveDate) {
        use chrono::Datelike;
        self.dates.insert(date);
        self.years.insert(date.year());
    }

    /// Adds what a piece of trusted text states (a flag's reason, a metric's "how").
    pub fn add_text(&mut self, text: &str) {
        // Most strings of a snapshot (names, stages, signal ids) hold no digit at all.
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return;
        }
        let (dates, rest) = extract_dates(text);
        for date in dates.into_iter().filter_map(|(_, d)| d) {
            self.add_date(date);
        }
        for stated in extract_numbers(&rest) {
            match stated.kind {
                NumberKind::Money => self.money.push(stated.value),
                NumberKind::Percent => self.percent.push(stated.value),
                NumberKind::Plain => self.plain.push(stated.value),
            }
        }
    }

    /// Walks a serialised snapshot: numeric leaves by key, strings as trusted text.
    /// `minor_scale` turns `*_minor` amounts into major units.
    pub fn add_json(&mut self, value: &Value, key: &str, minor_scale: f64) {
        match value {
            Value::Number(n) => {
                let Some(v) = n.as_f64() else { return };
                self.add_plain(v);
                if key.ends_with("_minor") {
                    self.add_money(v / minor_scale);
                }
                if v.abs() <= 10.0 {
                    self.add_share(v);
                }
                if v.abs() <= 100.0 {
                    self.percent.push(v.abs());
                }
            }
            // Record ids carry digits but state no quantity.
            Value::String(_) if key.ends_with("_id") || key.ends_with("_ids") => {}
            Value::String(s) => self.add_text(s),
            Value::Array(items) => items.iter().for_each(|i| self.add_json(i, key, minor_scale)),
            Value::Object(map) => map.iter().for_each(|(k, v)| self.add_json(v, k, minor_scale)),
            _ => {}
        }
    }

    fn near(values: &[f64], stated: &Stated) -> bool {
        let tolerance = stated.unit / 2.0 + 1e-9 * stated.value.abs().max(1.0);
        values.iter().any(|v| (v - stated.value).abs() <= tolerance)
    }

    /// Whether some supported value rounds to the stated number at its precision.
    pub fn supports(&self, stated: &Stated) -> bool {
        match stated.kind {
            NumberKind::Money => Self::near(&self.money, stated) || Self::near(&self.plain, stated),
            NumberKind::Percent => Self::near(&self.percent, stated),
            NumberKind::Plain => {
                Self::near(&self.plain, stated)
                    || Self::near(&self.money, stated)
                    || (stated.unit >= 1.0 && self.years.contains(&(stated.value as i32)))
            }
        }
    }

    pub fn supports_date(&self, date: NaiveDate) -> bool {
        self.dates.contains(&date)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn extracts_amounts_percentages_and_counts_with_precision() {
        let found = extract_numbers(
            "1,250,000 USD at risk, 35% to win, $1.2m booked, 3 deals, coverage 1.5x, FY2026-Q4, P50, a 1:1",
        );
        let summary: Vec<(NumberKind, f64, f64)> = found.iter().map(|s| (s.kind, s.value, s.unit)).collect();
        assert_eq!(
            summary,
            vec![
                (NumberKind::Money, 1_250_000.0, 1.0),
                (NumberKind::Percent, 35.0, 1.0),
                (NumberKind::Money, 1_200_000.0, 100_000.0),
                (NumberKind::Plain, 3.0, 1.0),
                (NumberKind::Plain, 1.5, 0.1),
            ]
        );
    }

    #[test]
    fn every_fixed_pattern_compiles() {
        for pattern in [&ISO_DATE, &DAY_MONTH_YEAR, &MONTH_DAY_YEAR, &LABELS, &NUMBER] {
            assert!(pattern.is_some());
        }
    }

    #[test]
    fn dates_in_three_forms() {
        let (dates, rest) = extract_dates("by 2026-11-30, or 3 Dec 2026, or Jan 5, 2027");
        let parsed: Vec<_> = dates.iter().filter_map(|(_, d)| *d).map(|d| d.to_string()).collect();
        assert_eq!(parsed, vec!["2026-11-30", "2026-12-03", "2027-01-05"]);
        assert!(extract_numbers(&rest).is_empty(), "{rest}");
    }

    #[test]
    fn pool_accepts_stated_roundings_only() {
        let mut pool = NumberPool::default();
        pool.add_money(1_234_567.89);
        pool.add_share(0.153);
        pool.add_plain(45.6);
        let stated = |t: &str| extract_numbers(t).remove(0);
        assert!(pool.supports(&stated("1,234,568 USD")));
        assert!(pool.supports(&stated("$1.2m")));
        assert!(pool.supports(&stated("15%")));
        assert!(pool.supports(&stated("46 days")));
        assert!(!pool.supports(&stated("1.3m USD")));
        assert!(!pool.supports(&stated("17%")));
        assert!(!pool.supports(&stated("987,654 USD")));
    }
}
