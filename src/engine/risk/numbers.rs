//! Small numeric helpers shared by the engine: day arithmetic, medians and percentiles, and the
//! fixed rounding that keeps every number in the output byte-stable.

use chrono::{DateTime, Utc};

pub(crate) const SECONDS_PER_DAY: f64 = 86_400.0;

/// Days from `from` to `to`, fractional; negative when `to` is earlier.
pub(crate) fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / SECONDS_PER_DAY
}

/// Rounds to `places` decimals; non-finite values become 0 so the output never holds NaN.
pub(crate) fn round_to(value: f64, places: i32) -> f64 {
    if !value.is_finite() {
        return 0.0;
    }
    let scale = 10f64.powi(places);
    let rounded = (value * scale).round() / scale;
    // -0.0 prints as "-0.0"; normalise so equal numbers print equally.
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// Probabilities and shares: four decimals.
pub(crate) fn r4(value: f64) -> f64 {
    round_to(value, 4)
}

/// Days and ratios: one decimal.
pub(crate) fn r1(value: f64) -> f64 {
    round_to(value, 1)
}

/// Median of `values`; sorts in place. `None` when empty.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// Linear-interpolated percentile (0..=100) of `values`; sorts in place.
pub(crate) fn percentile(values: &mut [f64], pct: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    percentile_sorted(values, pct)
}

/// Percentile of an already sorted slice.
pub(crate) fn percentile_sorted(values: &[f64], pct: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let rank = (pct.clamp(0.0, 100.0) / 100.0) * last as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    let (a, b) = (values.get(low)?, values.get(high.min(last))?);
    Some(a + (b - a) * (rank - low as f64))
}

/// Share of `part` in `whole`, 0 when `whole` is 0.
pub(crate) fn share(part: f64, whole: f64) -> f64 {
    if whole.abs() < f64::EPSILON {
        0.0
    } else {
        part / whole
    }
}

/// Minor units to major units for display.
pub(crate) fn major(minor: i64, exponent: u32) -> f64 {
    minor as f64 / 10f64.powi(exponent as i32)
}

/// A money amount in major units with thousands separators, e.g. `1,250,000 USD`.
pub(crate) fn money_text(minor: i64, currency: &str, exponent: u32) -> String {
    let whole = (major(minor, exponent)).round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}{grouped} {currency}")
}

/// A percentage with no decimals, e.g. `0.153` → `15%`.
pub(crate) fn pct_text(value: f64) -> String {
    format!("{:.0}%", round_to(value * 100.0, 0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let mut values = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(median(&mut values), Some(2.5));
        assert_eq!(percentile(&mut values, 100.0), Some(4.0));
        assert_eq!(percentile(&mut values, 0.0), Some(1.0));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn rounding_is_stable() {
        assert_eq!(round_to(-0.00001, 2).to_string(), "0");
        assert_eq!(r4(f64::NAN), 0.0);
        assert_eq!(money_text(123_456_789, "USD", 2), "1,234,568 USD");
        assert_eq!(money_text(50_000, "JPY", 0), "50,000 JPY");
        assert_eq!(pct_text(0.153), "15%");
    }
}
