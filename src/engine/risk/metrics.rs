//! Scoring rules for probabilities against what happened: AUC (rank quality), Brier score
//! (squared error), a calibration table, and precision at k for flags.

use super::numbers::r4;
use serde::Serialize;

/// Area under the ROC curve, with ties counted half. `None` without both classes.
pub fn auc(scored: &[(f64, bool)]) -> Option<f64> {
    let positives = scored.iter().filter(|(_, y)| *y).count();
    let negatives = scored.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann-Whitney: sum of positive ranks, with average ranks over ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1].0 == sorted[i].0 {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * sorted[i..=j].iter().filter(|(_, y)| *y).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Mean squared difference between probability and outcome. `None` when empty.
pub fn brier(scored: &[(f64, bool)]) -> Option<f64> {
    if scored.is_empty() {
        return None;
    }
    let total: f64 = scored.iter().map(|(p, y)| (p - if *y { 1.0 } else { 0.0 }).powi(2)).sum();
    Some(total / scored.len() as f64)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub deals: u32,
    pub mean_probability: f64,
    pub observed_rate: f64,
}

/// Ten equal-width bins of predicted probability with the observed rate in each.
pub fn calibration_table(scored: &[(f64, bool)]) -> Vec<CalibrationBin> {
    let mut bins: Vec<(u32, f64, u32)> = vec![(0, 0.0, 0); 10];
    for (p, y) in scored {
        let bin = ((p.clamp(0.0, 1.0) * 10.0) as usize).min(9);
        if let Some(entry) = bins.get_mut(bin) {
            entry.0 += 1;
            entry.1 += p;
            entry.2 += u32::from(*y);
        }
    }
    bins.into_iter()
        .enumerate()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|(i, (n, sum, hits))| CalibrationBin {
            from: i as f64 / 10.0,
            to: (i + 1) as f64 / 10.0,
            deals: n,
            mean_probability: r4(sum / f64::from(n)),
            observed_rate: r4(f64::from(hits) / f64::from(n)),
        })
        .collect()
}

/// Of the `k` highest-scored items, the share that were hits.
pub(super) fn precision_at_k(scored: &[(f64, bool)], k: usize) -> Option<f64> {
    if scored.is_empty() || k == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let top = &sorted[..k.min(sorted.len())];
    Some(top.iter().filter(|(_, y)| *y).count() as f64 / top.len() as f64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn auc_matches_hand_counts() {
        let perfect = [(0.9, true), (0.8, true), (0.2, false), (0.1, false)];
        assert_eq!(auc(&perfect), Some(1.0));
        let reversed: Vec<_> = perfect.iter().map(|(p, y)| (1.0 - p, *y)).collect();
        assert_eq!(auc(&reversed), Some(0.0));
        // One of four positive-negative pairs is misordered, one is tied.
        let mixed = [(0.9, true), (0.5, true), (0.5, false), (0.7, false)];
        assert_eq!(auc(&mixed), Some((2.0 + 0.5) / 4.0));
        assert_eq!(auc(&[(0.5, true)]), None);
    }

    #[test]
    fn brier_and_calibration() {
        assert_eq!(brier(&[(1.0, true), (0.0, false)]), Some(0.0));
        assert_eq!(brier(&[(0.5, true), (0.5, false)]), Some(0.25));
        let table = calibration_table(&[(0.05, false), (0.15, true), (0.12, false), (1.0, true)]);
        assert_eq!(table.len(), 3);
        assert_eq!(table[1].deals, 2);
        assert_eq!(table[1].observed_rate, 0.5);
        assert_eq!(table[2].from, 0.9);
        assert_eq!(precision_at_k(&[(0.9, true), (0.8, false), (0.1, true)], 2), Some(0.5));
    }
}
