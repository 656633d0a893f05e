//! `candor backtest`: replays the engine at past dates with only what was known then, and
//! scores it against what happened later (and against the synthetic organisation's hidden
//! outcomes when it is the data): AUC, Brier score, calibration, flag precision, P50 error.

use super::Context;
use crate::domain::truth::TrueOutcome;
use crate::engine::risk::backtest::data_horizon;
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::{backtest, to_json, BacktestOptions, BacktestReport, GroundTruthOutcome, Index};
use anyhow::{bail, Context as _};
use chrono::{Duration, NaiveDate};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// First replayed date (YYYY-MM-DD); default: 26 weeks before `--to`.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last replayed date; default: the synthetic organisation's as-of date, else the last day
    /// with data.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Days between replayed dates, e.g. `7d` or `14`.
    #[arg(long, default_value = "7d", value_parser = parse_step)]
    pub step: u32,
    /// P50 counts as a hit within this share of actual bookings.
    #[arg(long, default_value_t = 0.10)]
    pub tolerance: f64,
    /// Print JSON (with top-level `auc` and `brier`) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `7d`, `7` or `2w` as days.
pub(super) fn parse_step(text: &str) -> Result<u32, String> {
    let text = text.trim().to_ascii_lowercase();
    let (number, unit) = match text.strip_suffix('d') {
        Some(n) => (n, 1),
        None => match text.strip_suffix('w') {
            Some(n) => (n, 7),
            None => (text.as_str(), 1),
        },
    };
    match number.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n * unit),
        _ => Err(format!("invalid step {text:?} (expected days such as 7d, 14 or 2w)")),
    }
}

pub(super) async fn run(context: &Context, args: BacktestArgs) -> anyhow::Result<ExitCode> {
    if !(args.tolerance.is_finite() && args.tolerance > 0.0) {
        bail!("--tolerance must be a positive share such as 0.10");
    }
    let store = context.open_store().await?;
    let engine = store.load_engine_data().await.context("loading the dataset")?;
    let truth = store.load_sim_truth().await.context("loading the synthetic organisation's ground truth")?;
    store.close().await;
    if engine.data.deals.is_empty() {
        bail!("no deals in the store: run `candor demo` or an import first");
    }
    let settings = context.config.risk_settings();
    let step = args.step;
    let tolerance = args.tolerance;
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<BacktestReport> {
        let index = Index::from_engine(&engine);
        let sim_as_of = truth.as_ref().and_then(|t| t.as_of);
        let horizon = sim_as_of.unwrap_or_else(|| data_horizon(&index));
        let to = args.to.unwrap_or_else(|| horizon.date_naive());
        let from = args.from.unwrap_or(to - Duration::days(182));
        let truth = match (truth, sim_as_of) {
            (Some(truth), Some(as_of)) => Some((
                as_of,
                truth
                    .deals
                    .iter()
                    .map(|t| GroundTruthOutcome {
                        deal_id: t.deal_id.to_string(),
                        won_on_time: t.outcome == TrueOutcome::Won,
                    })
                    .collect(),
            )),
            _ => None,
        };
        let options =
            BacktestOptions { from, to, step_days: step, horizon: Some(horizon), truth, p50_tolerance: tolerance };
        Ok(backtest(&index, &settings, &options)?)
    })
    .await??;
    if args.json {
        print!("{}", to_json(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn figure(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".to_owned())
}

/// The human-readable form of a [`BacktestReport`].
pub(super) fn render(report: &BacktestReport) -> String {
    let mut out = format!(
        "Backtest · ruleset {} · data up to {}\nLabel: {}\n\n",
        report.ruleset_version,
        report.horizon.format("%Y-%m-%d"),
        report.label
    );
    out.push_str(&format!("  overall        AUC {}  Brier {}\n", figure(report.auc), figure(report.brier)));
    out.push_str(&format!(
        "  later history  AUC {}  Brier {}  ({} deal-dates, {} won on time)\n",
        figure(report.history.auc),
        figure(report.history.brier),
        report.history.rows,
        report.history.positives
    ));
    if let Some(truth) = &report.ground_truth {
        out.push_str(&format!(
            "  ground truth   AUC {}  Brier {}  ({} open deals, {} won on time)\n",
            figure(truth.auc),
            figure(truth.brier),
            truth.rows,
            truth.positives
        ));
    }
    out.push_str(&format!(
        "  P50 within ±{} of actual bookings in {} of {} dates with a complete period; mean abs error {}; actual inside P10–P90 {}\n",
        pct_text(report.p50_tolerance),
        report.p50_hit_rate.map(pct_text).unwrap_or_else(|| "n/a".to_owned()),
        report.p50_scored_points,
        report.p50_mean_absolute_error.map(pct_text).unwrap_or_else(|| "n/a".to_owned()),
        report.p10_p90_coverage.map(pct_text).unwrap_or_else(|| "n/a".to_owned())
    ));
    out.push_str(&format!(
        "  high flags on deals due in the period: {} were lost or slipped (base rate {}); precision@10 {}\n",
        report.high_flag_precision.map(pct_text).unwrap_or_else(|| "n/a".to_owned()),
        report.lost_or_slipped_rate.map(pct_text).unwrap_or_else(|| "n/a".to_owned()),
        report.precision_at_10.map(pct_text).unwrap_or_else(|| "n/a".to_owned())
    ));
    out.push_str("\nCalibration (all scored deal-dates)\n  predicted     deals  mean p  observed\n");
    for bin in &report.calibration {
        out.push_str(&format!(
            "  {:.1}–{:.1}  {:>8}  {:>6.3}  {:>8.3}\n",
            bin.from, bin.to, bin.deals, bin.mean_probability, bin.observed_rate
        ));
    }
    out.push_str("\n  as of        period      open scored   AUC    Brier  P50 error\n");
    for point in &report.points {
        out.push_str(&format!(
            "  {}  {:<10} {:>5} {:>6}  {:>5}  {:>6}  {}\n",
            point.as_of,
            point.period,
            point.open_deals,
            point.scored_deals,
            figure(point.auc),
            figure(point.brier),
            point.p50_error.map(|e| format!("{:+.1}%", e * 100.0)).unwrap_or_else(|| "(period not over)".to_owned())
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn steps_parse_in_days_or_weeks() {
        assert_eq!(parse_step("7d"), Ok(7));
        assert_eq!(parse_step("14"), Ok(14));
        assert_eq!(parse_step("2w"), Ok(14));
        assert!(parse_step("0d").is_err());
        assert!(parse_step("soon").is_err());
    }
}
