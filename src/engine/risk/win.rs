//! Per-deal probabilities fitted on the organisation's own history: won by the close date
//! (stage conversion adjusted by the flags), slipped past the close date, and won inside the
//! forecast period; each with how it was computed. Falls back to the catalogue's stage
//! probabilities, and says so, when history is too thin to fit.

use super::assess::Assessed;
use super::calibration::LogisticModel;
use super::model::{feature_name, is_stage_feature, CLOSE_IN_PERIOD_INPUT, FEATURE_COUNT};
use super::numbers::{r4, round_to};
use super::rules::ForecastRule;
use super::training::TrainingSet;
use serde::Serialize;

/// How one input moved a deal's win probability, in log-odds against the average deal.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Contribution {
    pub input: String,
    pub log_odds: f64,
}

/// How a deal's win probability was computed.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WinExplanation {
    /// "fitted" or "stage_default".
    pub method: &'static str,
    /// Share of past snapshots at this stage that were won by their close date.
    pub stage_conversion: Option<f64>,
    pub stage_snapshots: u32,
    /// The inputs that moved this deal most, largest first.
    pub drivers: Vec<Contribution>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prediction {
    pub win: f64,
    pub slip: f64,
    pub in_period: f64,
    pub explanation: WinExplanation,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ModelSummary {
    pub method: &'static str,
    pub training_snapshots: u32,
    /// Open deal-snapshots available before sampling.
    pub training_candidates: u64,
    pub training_rows: usize,
    pub won_on_time_rows: usize,
    pub won_on_time_positives: usize,
    pub slip_rows: usize,
    pub in_period_rows: usize,
    /// Mean of final won amount over the amount at the snapshot.
    pub won_amount_ratio: f64,
    pub description: String,
}

pub(crate) struct WinModels {
    on_time: Option<LogisticModel>,
    slip: Option<LogisticModel>,
    in_period: Option<LogisticModel>,
    /// Per open-stage rank: (snapshots, won on time).
    stage_rates: Vec<(u32, u32)>,
    slip_base: f64,
    pub won_amount_ratio: f64,
    pub summary: ModelSummary,
}

fn fit_if_enough(rows: &[f64], labels: &[bool], rules: &ForecastRule) -> Option<LogisticModel> {
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    let minimum = rules.min_class_rows as usize;
    if positives < minimum || negatives < minimum {
        return None;
    }
    LogisticModel::fit(rows, FEATURE_COUNT, labels, rules.l2)
}

impl WinModels {
    pub(crate) fn fit(training: &TrainingSet, rules: &ForecastRule) -> Self {
        let (rows, on_time_labels) = training.for_label(|l| l.won_on_time);
        let on_time = fit_if_enough(&rows, &on_time_labels, rules);
        let (slip_rows, slip_labels) = training.for_label(|l| l.slipped);
        let slip = fit_if_enough(&slip_rows, &slip_labels, rules);
        let (period_rows, period_labels) = training.for_label(|l| l.won_in_period);
        let in_period = fit_if_enough(&period_rows, &period_labels, rules);

        let mut stage_rates = Vec::new();
        for (rank, label) in training.stage_ranks.iter().zip(&training.labels) {
            let Some(won) = label.won_on_time else { continue };
            if stage_rates.len() <= *rank {
                stage_rates.resize(rank + 1, (0, 0));
            }
            if let Some(entry) = stage_rates.get_mut(*rank) {
                entry.0 += 1;
                entry.1 += u32::from(won);
            }
        }
        let slipped = slip_labels.iter().filter(|&&s| s).count();
        let slip_base = if slip_labels.is_empty() { 0.5 } else { slipped as f64 / slip_labels.len() as f64 };
        let mut ratios: Vec<f64> = training.won_amount_ratios.iter().copied().filter(|r| r.is_finite()).collect();
        ratios.sort_by(f64::total_cmp);
        let won_amount_ratio =
            if ratios.len() >= 10 { (ratios.iter().sum::<f64>() / ratios.len() as f64).clamp(0.5, 1.5) } else { 1.0 };
        let method = if on_time.is_some() { "fitted" } else { "stage_default" };
        let positives = on_time_labels.iter().filter(|&&l| l).count();
        let description = match &on_time {
            Some(model) => format!(
                "Ridge logistic regression on {} past snapshots of open deals ({} won by their close date), {} inputs: \
                 stage, engagement, close-date history, pace against won deals, forecast call, roles, content and \
                 every signal's severity; fitted with {} Newton steps.",
                model.rows, model.positives, FEATURE_COUNT, model.iterations
            ),
            None => format!(
                "Too little settled history to fit ({} snapshots, {} won by their close date; {} of each class \
                 needed): the stage catalogue's default probabilities are used.",
                on_time_labels.len(),
                positives,
                rules.min_class_rows
            ),
        };
        let summary = ModelSummary {
            method,
            training_snapshots: training.snapshots,
            training_candidates: training.candidates,
            training_rows: training.rows.len(),
            won_on_time_rows: on_time_labels.len(),
            won_on_time_positives: positives,
            slip_rows: slip_labels.len(),
            in_period_rows: period_labels.len(),
            won_amount_ratio: r4(won_amount_ratio),
            description,
        };
        Self { on_time, slip, in_period, stage_rates, slip_base, won_amount_ratio, summary }
    }

    pub(crate) fn predict(&self, assessed: &Assessed<'_>) -> Prediction {
        let row = &assessed.row;
        let rank = assessed.state.stage_info.open_rank;
        let stage_rate = self.stage_rates.get(rank).copied().filter(|(n, _)| *n > 0);
        let (win, explanation) = match &self.on_time {
            Some(model) => {
                let mut drivers: Vec<(usize, f64)> = model
                    .contributions(row)
                    .into_iter()
                    .enumerate()
                    .filter(|(i, c)| !is_stage_feature(*i) && c.abs() >= 0.05)
                    .collect();
                drivers.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                drivers.truncate(5);
                (
                    model.predict(row),
                    WinExplanation {
                        method: "fitted",
                        stage_conversion: stage_rate.map(|(n, won)| r4(f64::from(won) / f64::from(n))),
                        stage_snapshots: stage_rate.map(|(n, _)| n).unwrap_or(0),
                        drivers: drivers
                            .into_iter()
                            .map(|(i, c)| Contribution { input: feature_name(i), log_odds: round_to(c, 2) })
                            .collect(),
                    },
                )
            }
            None => (
                f64::from(assessed.state.stage_info.default_probability.min(100)) / 100.0,
                WinExplanation {
                    method: "stage_default",
                    stage_conversion: None,
                    stage_snapshots: 0,
                    drivers: Vec::new(),
                },
            ),
        };
        let slip = self.slip.as_ref().map(|m| m.predict(row)).unwrap_or(self.slip_base);
        let in_period = match &self.in_period {
            Some(model) => model.predict(row),
            // Without a fitted model, only a deal due inside the period can land in it.
            None if row_closes_in_period(row) => win,
            None => 0.0,
        };
        Prediction { win: r4(win), slip: r4(slip), in_period: r4(in_period), explanation }
    }
}

fn row_closes_in_period(row: &[f64]) -> bool {
    row.get(CLOSE_IN_PERIOD_INPUT) == Some(&1.0)
}
