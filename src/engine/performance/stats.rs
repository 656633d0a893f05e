//! Integer summaries of a spread of values in basis points, for fairness figures.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Spread {
    pub count: usize,
    pub min_bp: i64,
    pub p25_bp: i64,
    pub median_bp: i64,
    pub p75_bp: i64,
    pub max_bp: i64,
    /// 75th less 25th percentile: how far apart the middle half is.
    pub interquartile_bp: i64,
}

/// Nearest-rank percentile of sorted values.
fn rank(sorted: &[i64], pct: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = (pct * (sorted.len() - 1) + 50) / 100;
    sorted[index.min(sorted.len() - 1)]
}

pub(crate) fn spread(values: &[i64]) -> Spread {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let (p25, p75) = (rank(&sorted, 25), rank(&sorted, 75));
    Spread {
        count: sorted.len(),
        min_bp: sorted.first().copied().unwrap_or(0),
        p25_bp: p25,
        median_bp: rank(&sorted, 50),
        p75_bp: p75,
        max_bp: sorted.last().copied().unwrap_or(0),
        interquartile_bp: p75 - p25,
    }
}

/// The median of `values` (upper middle for an even count); `None` when empty.
pub(crate) fn median_f64(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_known_values() {
        let s = spread(&[500, -1_000, 2_000, 0, 1_000]);
        assert_eq!((s.count, s.min_bp, s.p25_bp, s.median_bp, s.p75_bp, s.max_bp), (5, -1_000, 0, 500, 1_000, 2_000));
        assert_eq!(s.interquartile_bp, 1_000);
        assert_eq!(spread(&[]).count, 0);
        assert_eq!(median_f64(&[3.0, 1.0, 2.0]), Some(2.0));
    }
}
