//! `candor quota suggest`: quotas from each rep's history and open pipeline, with the method,
//! fairness figures and the difference from the current quotas.

use super::comp::today_or;
use super::Context;
use crate::domain::{Money, Period};
use crate::engine::pay::arith::bp_pct;
use crate::engine::pay::won_deals;
use crate::engine::performance::{suggest_quotas, QuotaMethod};
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Suggest quotas for a period.
    Suggest(SuggestArgs),
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The period to suggest quotas for, e.g. FY2026-Q3.
    #[arg(long)]
    pub period: Period,
    /// Read the data as it stood at the end of this day; default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Growth over last period's quotas when the period has none, in percent.
    #[arg(long, default_value = "0")]
    pub growth_pct: String,
    #[arg(long)]
    pub json: bool,
}

pub(super) async fn run(context: &Context, command: QuotaCommand) -> anyhow::Result<ExitCode> {
    let QuotaCommand::Suggest(args) = command;
    let growth_bp = crate::engine::pay::arith::parse_fixed(&args.growth_pct, 2)
        .ok_or_else(|| anyhow::anyhow!("--growth-pct {:?} is not a percentage", args.growth_pct))?;
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    store.close().await;
    let as_of = today_or(args.as_of);
    let currency = context.config.currency();
    let method = QuotaMethod { growth_bp, ramp_months: context.config.comp.ramp_months, ..QuotaMethod::default() };
    let won = won_deals(&data, as_of);
    let plan = suggest_quotas(&data, &won, context.config.fiscal_calendar(), currency, args.period, as_of, method);
    if args.json {
        print!("{}", crate::engine::risk::to_json(&plan)?);
        return Ok(ExitCode::SUCCESS);
    }
    let money = |v: i64| Money::new(v, currency).to_string();
    println!("Quota suggestions for {} (data as of {}), total {}", plan.period, plan.as_of, money(plan.total_minor));
    println!("\nMethod:");
    for line in &plan.method {
        println!("  - {line}");
    }
    println!(
        "\n  {:<28} {:>18} {:>18} {:>18} {:>18} {:>9} {:>9}",
        "rep", "run rate", "pipeline (wtd)", "suggested", "current", "growth", "now"
    );
    for rep in &plan.reps {
        let growth = |g: Option<i64>| g.map(bp_pct).unwrap_or_else(|| "—".to_owned());
        println!(
            "  {:<28} {:>18} {:>18} {:>18} {:>18} {:>9} {:>9}",
            rep.name.chars().take(28).collect::<String>(),
            money(rep.run_rate_minor),
            money(rep.weighted_pipeline_minor),
            money(rep.suggested_minor),
            rep.current_minor.map(money).unwrap_or_else(|| "—".to_owned()),
            growth(rep.required_growth_bp),
            growth(rep.current_required_growth_bp)
        );
    }
    let spread = |s: &crate::engine::performance::stats::Spread| {
        format!(
            "median {}, middle half {} to {} (spread {}), range {} to {}",
            bp_pct(s.median_bp),
            bp_pct(s.p25_bp),
            bp_pct(s.p75_bp),
            bp_pct(s.interquartile_bp),
            bp_pct(s.min_bp),
            bp_pct(s.max_bp)
        )
    };
    println!("\nFairness (growth each quota asks over the rep's run rate):");
    println!("  suggested: {}", spread(&plan.fairness.suggested));
    if let Some(current) = &plan.fairness.current {
        println!("  current:   {}", spread(current));
    }
    println!("  {}", plan.fairness.how);
    Ok(ExitCode::SUCCESS)
}
