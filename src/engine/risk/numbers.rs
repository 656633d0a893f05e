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
        assert_eq!(pct_text(0.153), "15%");
    }
}
