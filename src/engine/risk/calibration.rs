//! Ridge-penalised logistic regression fitted by Newton's method on standardised inputs: the
//! calibrated probability of an outcome given a deal's model inputs, with per-input
//! contributions (in log-odds) so every probability can say how it was computed.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticModel {
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub weights: Vec<f64>,
    pub intercept: f64,
    pub rows: usize,
    pub positives: usize,
    pub iterations: u32,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Solves `a x = b` for a symmetric positive-definite `a` (n×n, row-major) by Cholesky.
fn solve_spd(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = a[i * n + j];
            for k in 0..j {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i * n + i] = sum.sqrt();
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i * n + k] * y[k];
        }
        y[i] = sum / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut sum = y[i];
        for k in i + 1..n {
            sum -= l[k * n + i] * x[k];
        }
        x[i] = sum / l[i * n + i];
    }
    Some(x)
}

impl LogisticModel {
    /// Fits on `rows` (each `width` long) with labels `labels`. `None` when there is nothing to
    /// learn from (no rows, or one class only).
    pub fn fit(rows: &[f64], width: usize, labels: &[bool], l2: f64) -> Option<LogisticModel> {
        let n = labels.len();
        if n == 0 || width == 0 || rows.len() != n * width {
            return None;
        }
        let positives = labels.iter().filter(|&&l| l).count();
        if positives == 0 || positives == n {
            return None;
        }
        let mut means = vec![0.0; width];
        for row in rows.chunks_exact(width) {
            for (m, x) in means.iter_mut().zip(row) {
                *m += x;
            }
        }
        means.iter_mut().for_each(|m| *m /= n as f64);
        let mut scales = vec![0.0; width];
        for row in rows.chunks_exact(width) {
            for ((s, x), m) in scales.iter_mut().zip(row).zip(&means) {
                *s += (x - m) * (x - m);
            }
        }
        // A constant input carries nothing; a zero scale switches it off.
        scales.iter_mut().for_each(|s| *s = if *s > 1e-12 { (*s / n as f64).sqrt() } else { 0.0 });

        let dim = width + 1;
        // The inputs are mostly zeros (indicators, flags), so the Hessian is accumulated on the
        // raw inputs over their non-zero entries and mapped to the standardised scale after:
        // with z = A·x (x carrying a trailing 1), the standardised Hessian is A·H·Aᵀ.
        let sparse: Vec<Vec<(usize, f64)>> = rows
            .chunks_exact(width)
            .map(|row| {
                let mut entries: Vec<(usize, f64)> = row
                    .iter()
                    .enumerate()
                    .filter(|(j, x)| **x != 0.0 && scales[*j] > 0.0)
                    .map(|(j, x)| (j, *x))
                    .collect();
                entries.push((width, 1.0));
                entries
            })
            .collect();
        let to_standard = |raw: &[f64]| -> Vec<f64> {
            // (A·v)_j = v_j / s_j − m_j / s_j · v_d for inputs, v_d for the intercept.
            let mut out = vec![0.0; dim];
            for j in 0..width {
                if scales[j] > 0.0 {
                    out[j] = (raw[j] - means[j] * raw[width]) / scales[j];
                }
            }
            out[width] = raw[width];
            out
        };
        let base_rate = positives as f64 / n as f64;
        let mut beta = vec![0.0; dim];
        beta[width] = (base_rate / (1.0 - base_rate)).ln();
        let mut iterations = 0;
        for _ in 0..50 {
            iterations += 1;
            // η = β·(A·x) = (Aᵀ·β)·x.
            let mut gamma = vec![0.0; dim];
            for j in 0..width {
                if scales[j] > 0.0 {
                    gamma[j] = beta[j] / scales[j];
                    gamma[width] -= beta[j] * means[j] / scales[j];
                }
            }
            gamma[width] += beta[width];
            let mut raw_gradient = vec![0.0; dim];
            let mut raw_hessian = vec![0.0; dim * dim];
            for (entries, &label) in sparse.iter().zip(labels) {
                let eta: f64 = entries.iter().map(|(j, x)| gamma[*j] * x).sum();
                let p = sigmoid(eta);
                let residual = if label { 1.0 } else { 0.0 } - p;
                let w = (p * (1.0 - p)).max(1e-9);
                for (a, &(j, xj)) in entries.iter().enumerate() {
                    raw_gradient[j] += residual * xj;
                    let wx = w * xj;
                    for &(k, xk) in &entries[..=a] {
                        raw_hessian[j * dim + k] += wx * xk;
                    }
                }
            }
            for j in 0..dim {
                for k in 0..j {
                    let value = raw_hessian[j * dim + k] + raw_hessian[k * dim + j];
                    raw_hessian[j * dim + k] = value;
                    raw_hessian[k * dim + j] = value;
                }
            }
            let mut gradient = to_standard(&raw_gradient);
            // A·H: transform each column, then (A·H)·Aᵀ: transform each row.
            let mut half = vec![0.0; dim * dim];
            let mut column = vec![0.0; dim];
            for k in 0..dim {
                for j in 0..dim {
                    column[j] = raw_hessian[j * dim + k];
                }
                for (j, value) in to_standard(&column).into_iter().enumerate() {
                    half[j * dim + k] = value;
                }
            }
            let mut hessian = vec![0.0; dim * dim];
            for j in 0..dim {
                let row = to_standard(&half[j * dim..(j + 1) * dim]);
                hessian[j * dim..(j + 1) * dim].copy_from_slice(&row);
            }
            for j in 0..width {
                gradient[j] -= l2 * beta[j];
                hessian[j * dim + j] += l2.max(1e-6);
            }
            let step = solve_spd(&hessian, &gradient, dim)?;
            let largest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            // Damp huge first steps on separable data instead of diverging.
            let damping = if largest > 5.0 { 5.0 / largest } else { 1.0 };
            for (b, s) in beta.iter_mut().zip(&step) {
                *b += damping * s;
            }
            if largest < 1e-6 {
                break;
            }
        }
        let intercept = beta[width];
        beta.truncate(width);
        Some(LogisticModel { means, scales, weights: beta, intercept, rows: n, positives, iterations })
    }

    /// Log-odds contribution of each input against the training average.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(&self.means)
            .zip(&self.scales)
            .zip(&self.weights)
            .map(|(((x, m), s), w)| if *s > 0.0 { w * (x - m) / s } else { 0.0 })
            .collect()
    }

    pub fn log_odds(&self, row: &[f64]) -> f64 {
        self.intercept + self.contributions(row).iter().sum::<f64>()
    }

    pub fn predict(&self, row: &[f64]) -> f64 {
        let p = sigmoid(self.log_odds(row));
        if p.is_finite() {
            p.clamp(1e-4, 1.0 - 1e-4)
        } else {
            0.5
        }
    }

    /// The probability for an average deal of the training set.
    pub fn base_probability(&self) -> f64 {
        sigmoid(self.intercept)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn recovers_a_known_relationship() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let x1: f64 = rng.gen_range(-2.0..2.0);
            let x2: f64 = rng.gen_range(-2.0..2.0);
            let p = sigmoid(0.5 + 1.5 * x1 - 1.0 * x2);
            rows.extend([x1, x2, 3.0]);
            labels.push(rng.gen_bool(p));
        }
        let model = LogisticModel::fit(&rows, 3, &labels, 0.01).unwrap();
        let slope1 = model.weights[0] / model.scales[0];
        let slope2 = model.weights[1] / model.scales[1];
        assert!((slope1 - 1.5).abs() < 0.2, "{slope1}");
        assert!((slope2 + 1.0).abs() < 0.2, "{slope2}");
        assert_eq!(model.weights[2], 0.0, "a constant input must carry no weight");
        assert!(model.predict(&[2.0, -2.0, 3.0]) > 0.95);
    }

    #[test]
    fn refuses_single_class_data() {
        assert!(LogisticModel::fit(&[1.0, 2.0], 1, &[true, true], 1.0).is_none());
        assert!(LogisticModel::fit(&[], 1, &[], 1.0).is_none());
    }
}
