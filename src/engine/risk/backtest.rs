//! Backtests: replay the engine at past `as_of` dates with only what was known then, and score
//! it against what happened afterwards in the data (deals settled by the horizon) and, for the
//! synthetic organisation, against its hidden ground truth.

use super::assess::states_at;
use super::index::Index;
use super::metrics::{auc, brier, calibration_table, precision_at_k, CalibrationBin};
use super::numbers::{r4, share};
use super::report::{analyse, booked_between, start_of_day, RiskReport, Settings};
use super::signals::Severity;
use super::state::DealState;
use super::training::{labels, Outcome};
use super::FeatureError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The true outcome of one deal open at the ground truth's `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroundTruthOutcome {
    pub deal_id: String,
    /// Won on or before the close date it had at `as_of`.
    pub won_on_time: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub step_days: u32,
    /// The last moment the data covers; outcomes after it are unknown. Default: the latest
    /// timestamp in the data set.
    pub horizon: Option<DateTime<Utc>>,
    /// Hidden outcomes (synthetic organisation only) and the moment they are relative to.
    pub truth: Option<(DateTime<Utc>, Vec<GroundTruthOutcome>)>,
    /// P50 counts as a hit within this share of actual bookings.
    pub p50_tolerance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointScore {
    pub as_of: NaiveDate,
    pub period: String,
    pub open_deals: u32,
    pub scored_deals: u32,
    pub won_on_time: u32,
    pub auc: Option<f64>,
    pub brier: Option<f64>,
    pub p10_minor: i64,
    pub p50_minor: i64,
    pub p90_minor: i64,
    /// Bookings the period really had; `None` when the period ends after the horizon.
    pub actual_minor: Option<i64>,
    /// (P50 − actual) / actual.
    pub p50_error: Option<f64>,
    pub p50_hit: Option<bool>,
    pub actual_inside_p10_p90: Option<bool>,
    /// Deals due in the period with a high flag, and the share of them lost or slipped.
    pub high_flagged_due: u32,
    pub high_flag_precision: Option<f64>,
    /// The share of all deals due in the period that were lost or slipped.
    pub lost_or_slipped_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub rows: u32,
    pub positives: u32,
    pub auc: Option<f64>,
    pub brier: Option<f64>,
    pub calibration: Vec<CalibrationBin>,
}

impl Score {
    fn of(scored: &[(f64, bool)]) -> Self {
        Self {
            rows: scored.len() as u32,
            positives: scored.iter().filter(|(_, y)| *y).count() as u32,
            auc: auc(scored).map(r4),
            brier: brier(scored).map(r4),
            calibration: calibration_table(scored),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    /// Over every scored deal-date: history-settled outcomes and ground truth together.
    pub auc: Option<f64>,
    pub brier: Option<f64>,
    pub label: &'static str,
    pub horizon: DateTime<Utc>,
    pub ruleset_version: String,
    /// Against what happened later in the data.
    pub history: Score,
    /// Against the synthetic organisation's hidden outcomes, scored at their `as_of`.
    pub ground_truth: Option<Score>,
    pub points: Vec<PointScore>,
    pub p50_tolerance: f64,
    pub p50_scored_points: u32,
    pub p50_hit_rate: Option<f64>,
    pub p50_mean_absolute_error: Option<f64>,
    /// Share of scored points whose actual bookings fell between P10 and P90.
    pub p10_p90_coverage: Option<f64>,
    /// High-flag precision pooled over all points (deals due in the period).
    pub high_flag_precision: Option<f64>,
    pub lost_or_slipped_rate: Option<f64>,
    pub precision_at_10: Option<f64>,
    pub calibration: Vec<CalibrationBin>,
}

/// The latest moment anything in the data set happened.
pub(crate) fn data_horizon(index: &Index<'_>) -> DateTime<Utc> {
    let data = index.data;
    let deals = data.deals.iter().flat_map(|d| [Some(d.created_at), d.closed_at, d.next_step_updated_at]).flatten();
    let history = index.all_history().iter().map(|h| h.changed_at);
    let activities = index.all_activities().iter().map(|a| a.occurred_at);
    deals.chain(history).chain(activities).max().unwrap_or_default()
}

pub fn backtest(
    index: &Index<'_>,
    settings: &Settings,
    options: &BacktestOptions,
) -> Result<BacktestReport, FeatureError> {
    settings.rules.validate()?;
    if options.step_days == 0 {
        return Err(FeatureError::Step);
    }
    if options.from > options.to {
        return Err(FeatureError::EmptyRange { from: options.from, to: options.to });
    }
    let step = i64::from(options.step_days);
    let count = ((options.to - options.from).num_days() / step + 1) as usize;
    if count > 520 {
        return Err(FeatureError::TooManyDates(count));
    }
    let horizon = options.horizon.unwrap_or_else(|| data_horizon(index));
    let judged_on = horizon.date_naive();
    let currency = settings.currency.as_str().to_owned();
    let final_states = states_at(index, horizon);
    let outcomes: Vec<Option<Outcome>> = final_states.iter().map(|s| s.as_ref().map(Outcome::of)).collect();

    let judge = Judge {
        index,
        settings,
        outcomes: &outcomes,
        final_states: &final_states,
        judged_on,
        currency: &currency,
        tolerance: options.p50_tolerance,
    };
    let mut pooled: Vec<(f64, bool)> = Vec::new();
    let mut history_scored: Vec<(f64, bool)> = Vec::new();
    let mut flag_ranking: Vec<(f64, bool)> = Vec::new();
    let mut points = Vec::new();
    let mut ground_truth = None;
    for k in 0..count {
        let date = options.from + Duration::days(k as i64 * step);
        let as_of = start_of_day(date).min(horizon);
        let report = analyse(index, settings, as_of);
        let (point, scored, due) = judge.score(&report, as_of);
        history_scored.extend(&scored);
        flag_ranking.extend(due);
        points.push(point);
    }
    pooled.extend(&history_scored);
    if let Some((truth_as_of, truth)) = &options.truth {
        let report = analyse(index, settings, *truth_as_of);
        let truth_by_id: BTreeMap<&str, bool> = truth.iter().map(|t| (t.deal_id.as_str(), t.won_on_time)).collect();
        let scored: Vec<(f64, bool)> = report
            .deals
            .iter()
            .filter_map(|d| truth_by_id.get(d.deal_id.as_str()).map(|won| (d.win_probability, *won)))
            .collect();
        pooled.extend(&scored);
        ground_truth = Some(Score::of(&scored));
    }

    let tolerance = options.p50_tolerance;
    let scored_points: Vec<&PointScore> = points.iter().filter(|p| p.p50_hit.is_some()).collect();
    let hits = scored_points.iter().filter(|p| p.p50_hit == Some(true)).count();
    let inside = scored_points.iter().filter(|p| p.actual_inside_p10_p90 == Some(true)).count();
    let errors: Vec<f64> = scored_points.iter().filter_map(|p| p.p50_error.map(f64::abs)).collect();
    let high: Vec<&(f64, bool)> = flag_ranking.iter().filter(|(score, _)| *score >= 1.0).collect();
    Ok(BacktestReport {
        auc: auc(&pooled).map(r4),
        brier: brier(&pooled).map(r4),
        label: "won by the close date held at as_of (1) versus lost, slipped or still open (0)",
        horizon,
        ruleset_version: settings.rules.ruleset_version.clone(),
        history: Score::of(&history_scored),
        ground_truth,
        p50_tolerance: tolerance,
        p50_scored_points: scored_points.len() as u32,
        p50_hit_rate: (!scored_points.is_empty()).then(|| r4(hits as f64 / scored_points.len() as f64)),
        p50_mean_absolute_error: (!errors.is_empty()).then(|| r4(errors.iter().sum::<f64>() / errors.len() as f64)),
        p10_p90_coverage: (!scored_points.is_empty()).then(|| r4(inside as f64 / scored_points.len() as f64)),
        high_flag_precision: (!high.is_empty())
            .then(|| r4(high.iter().filter(|(_, y)| *y).count() as f64 / high.len() as f64)),
        lost_or_slipped_rate: (!flag_ranking.is_empty())
            .then(|| r4(flag_ranking.iter().filter(|(_, y)| *y).count() as f64 / flag_ranking.len() as f64)),
        precision_at_10: precision_at_k(&flag_ranking, 10).map(r4),
        calibration: calibration_table(&pooled),
        points,
    })
}

/// (score, outcome) pairs: a probability or flag score and whether the event happened.
type Scored = Vec<(f64, bool)>;

/// What every replayed date is judged against.
struct Judge<'j, 'a> {
    index: &'j Index<'a>,
    settings: &'j Settings,
    outcomes: &'j [Option<Outcome>],
    final_states: &'j [Option<DealState<'a>>],
    judged_on: NaiveDate,
    currency: &'j str,
    tolerance: f64,
}

impl Judge<'_, '_> {
    /// Scores one replayed date: (point, (win probability, won on time) pairs, (high-flag
    /// score, lost or slipped) pairs for deals due in the period).
    fn score(&self, report: &RiskReport, as_of: DateTime<Utc>) -> (PointScore, Scored, Scored) {
        let Judge { index, settings, outcomes, final_states, judged_on, currency, tolerance } = *self;
        let period = settings.calendar.quarter_of(as_of.date_naive());
        let (start, end) = (settings.calendar.start(period), settings.calendar.end_exclusive(period));
        let mut scored = Vec::new();
        let mut due = Vec::new();
        for deal in &report.deals {
            let Some(position) = index.deal_position(&deal.deal_id) else { continue };
            let Some(Some(outcome)) = outcomes.get(position) else { continue };
            let settled = labels(deal.close_date, end, outcome, judged_on);
            if let Some(won) = settled.won_on_time {
                scored.push((deal.win_probability, won));
            }
            let is_due = deal.close_date.is_some_and(|c| c < end);
            if let (true, Some(won_in_period)) = (is_due, settled.won_in_period) {
                let high = deal.flags.iter().filter(|f| f.severity == Severity::High).count() as f64;
                // Ties among equally flagged deals go to the less likely one.
                let score = if high > 0.0 { high + (1.0 - deal.win_probability) * 0.5 } else { 0.0 };
                due.push((score, !won_in_period));
            }
        }
        let forecast = &report.forecast;
        let actual = (end <= judged_on).then(|| booked_between(index, final_states, start, end, currency));
        let error = actual.filter(|a| *a > 0).map(|a| (forecast.p50_minor - a) as f64 / a as f64);
        let high: Vec<&(f64, bool)> = due.iter().filter(|(s, _)| *s >= 1.0).collect();
        let point = PointScore {
            as_of: as_of.date_naive(),
            period: period.to_string(),
            open_deals: report.deals.len() as u32,
            scored_deals: scored.len() as u32,
            won_on_time: scored.iter().filter(|(_, y)| *y).count() as u32,
            auc: auc(&scored).map(r4),
            brier: brier(&scored).map(r4),
            p10_minor: forecast.p10_minor,
            p50_minor: forecast.p50_minor,
            p90_minor: forecast.p90_minor,
            actual_minor: actual,
            p50_error: error.map(r4),
            p50_hit: error.map(|e| e.abs() <= tolerance),
            actual_inside_p10_p90: actual.map(|a| a >= forecast.p10_minor && a <= forecast.p90_minor),
            high_flagged_due: high.len() as u32,
            high_flag_precision: (!high.is_empty())
                .then(|| r4(share(high.iter().filter(|(_, y)| *y).count() as f64, high.len() as f64))),
            lost_or_slipped_rate: (!due.is_empty())
                .then(|| r4(share(due.iter().filter(|(_, y)| *y).count() as f64, due.len() as f64))),
        };
        (point, scored, due)
    }
}
