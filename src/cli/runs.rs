//! `candor runs [--json]`: the weekly runs, newest first, with their state (queued, running,
//! completed, failed), counts, and every failure that will not be retried.

use super::Context;
use crate::jobs::run_statuses;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How many runs to show.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
}

pub(super) async fn run(context: &Context, args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let statuses = run_statuses(&store, args.limit.clamp(1, 10_000)).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
        return Ok(ExitCode::SUCCESS);
    }
    if statuses.is_empty() {
        println!("no runs yet; `candor run` starts one");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<36} {:<10} {:<9} {:>10} {:>8} {:>9} {:>9} {:>7}",
        "run", "state", "trigger", "recipients", "drafted", "awaiting", "delivered", "failed"
    );
    for status in &statuses {
        println!(
            "{:<36} {:<10} {:<9} {:>10} {:>8} {:>9} {:>9} {:>7}",
            status.id,
            status.state.as_str(),
            status.trigger,
            status.recipients,
            status.drafted,
            status.awaiting_review,
            format!("{}/{}", status.delivered, status.deliveries),
            status.failures.len()
        );
    }
    for status in statuses.iter().filter(|s| !s.failures.is_empty()) {
        println!("\n{} failures:", status.id);
        for failure in &status.failures {
            println!("  {failure}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
