//! `candor recognition`: leaderboards on outcomes (never activity counts), each rep's quota
//! streak and personal bests, and each manager's wins of the week, from won deals at credit
//! share as the data stood at `--as-of`.

use super::comp::today_or;
use super::Context;
use crate::domain::Period;
use crate::engine::pay::won_deals;
use crate::engine::performance::recognition_report;
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RecognitionArgs {
    /// Read the data as it stood at the end of this day; default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The period the leaderboards rank, e.g. FY2026-Q4; default: the quarter of --as-of.
    #[arg(long)]
    pub period: Option<Period>,
    /// Only this manager's team (person id); default: every rep and every manager's wins.
    #[arg(long)]
    pub manager: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(super) async fn run(context: &Context, args: RecognitionArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    store.close().await;
    if let Some(manager) = &args.manager {
        if !data.people.iter().any(|p| p.id.as_str() == manager) {
            anyhow::bail!("no person {manager:?} in the organisation");
        }
    }
    let as_of = today_or(args.as_of);
    let won = won_deals(&data, as_of);
    let report = recognition_report(
        &data,
        &won,
        context.config.fiscal_calendar(),
        context.config.currency(),
        as_of,
        args.period,
        args.manager.as_deref(),
    );
    if args.json {
        print!("{}", crate::engine::risk::to_json(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Recognition for {} (data as of {}, {})", report.period, report.as_of, report.currency);
    for board in &report.leaderboards {
        println!("\n{} — {}", board.label, board.period);
        if board.entries.is_empty() {
            println!("  nobody ranked (no quota or no result)");
        }
        for entry in &board.entries {
            println!(
                "  {:>3}. {:<28} {:>20}  {}",
                entry.rank,
                entry.name.chars().take(28).collect::<String>(),
                entry.shown,
                entry.deal_ids.join(", ")
            );
        }
    }
    println!("\nStreaks and personal bests:");
    for rep in &report.reps {
        let lines = if rep.lines.is_empty() { "nothing yet".to_owned() } else { rep.lines.join("; ") };
        println!("  {}: {lines}", rep.name);
    }
    for section in &report.wins_this_week {
        let name = data.people.iter().find(|p| p.id.as_str() == section.manager_id).map(|p| p.name.as_str());
        println!("\nWins this week for {} ({}):", name.unwrap_or("unknown"), section.manager_id);
        for line in &section.lines {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
