//! `candor forecast`: the period's forecast risk at an `as_of` — P10/P50/P90 of bookings against
//! target and commit, downside by account and segment, largest single-deal exposures.

use super::risk::report_at;
use super::Context;
use crate::domain::{money_text, MoneyStyle};
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::{to_json, Concentration, ForecastRisk};
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Read the data as it stood at the start of this day (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub(super) async fn run(context: &Context, args: ForecastArgs) -> anyhow::Result<ExitCode> {
    let report = report_at(context, args.as_of).await?;
    if args.json {
        print!("{}", to_json(&report.forecast)?);
    } else {
        print!(
            "Forecast as of {} · ruleset {}\n{}",
            report.as_of.format("%Y-%m-%d %H:%M UTC"),
            report.ruleset_version,
            render(&report.forecast)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn concentration(out: &mut String, title: &str, rows: &[Concentration], money: &dyn Fn(i64) -> String) {
    out.push_str(&format!("\n{title}\n"));
    for row in rows {
        out.push_str(&format!(
            "  {:<36} {:>3} deals {:>18} at risk {:>18} ({} of all risk)\n",
            row.key,
            row.deals,
            money(row.amount_minor),
            money(row.at_risk_minor),
            pct_text(row.share_of_risk)
        ));
    }
}

/// The human-readable form of a [`ForecastRisk`].
pub(super) fn render(f: &ForecastRisk) -> String {
    let money = |minor: i64| money_text(minor, &f.currency, MoneyStyle::Whole);
    let mut out = format!("Period {}\n", f.period);
    let rows = [
        ("booked so far", f.booked_minor),
        ("open, due in period", f.open_due_in_period_minor),
        ("expected", f.expected_minor),
        ("P10", f.p10_minor),
        ("P50", f.p50_minor),
        ("P90", f.p90_minor),
        ("target", f.target_minor),
        ("commit", f.commit_minor),
        ("commit minus P50", f.commit_gap_minor),
    ];
    for (label, minor) in rows {
        out.push_str(&format!("  {label:<22}{:>20}\n", money(minor)));
    }
    out.push_str(&format!(
        "  chance of target {} · chance of commit {} · downside P50→P10 {}\n",
        pct_text(f.probability_of_target),
        pct_text(f.probability_of_commit),
        pct_text(f.downside_share)
    ));
    concentration(&mut out, "Downside by account", &f.by_account, &money);
    concentration(&mut out, "Downside by segment", &f.by_segment, &money);
    out.push_str("\nLargest single-deal exposures\n");
    for deal in &f.largest_exposures {
        let flags: Vec<&str> = deal.high_flags.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "  {:<18} {:>18} win in period {:>4} at risk {:>18}  {}\n",
            deal.deal_id,
            money(deal.amount_minor),
            pct_text(deal.win_in_period),
            money(deal.at_risk_minor),
            flags.join(", ")
        ));
    }
    out.push_str("\nHow computed\n");
    for line in &f.how_computed {
        out.push_str(&format!("  - {line}\n"));
    }
    out
}
