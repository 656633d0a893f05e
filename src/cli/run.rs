//! `candor run [--week 2026-W47] [--wait]`: starts the weekly run for a week (idempotent: the
//! same week again is a no-op) and, with `--wait`, works it in this process until it finishes,
//! with a progress bar on a terminal and plain progress lines otherwise.

use super::Context;
use crate::app::{runs, Service};
use crate::jobs::{IsoWeek, RunRequest, RunState, RunStatus};
use chrono::Utc;
use clap::Args;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// ISO week to run, e.g. 2026-W47 (default: the current week).
    #[arg(long)]
    pub week: Option<String>,
    /// Work the run in this process until it finishes (otherwise `candor serve` works it).
    #[arg(long)]
    pub wait: bool,
}

fn summary(status: &RunStatus) -> String {
    format!(
        "run {}: {}, jobs {}/{}, {} recipients, {} drafted, {} awaiting review, {} of {} deliveries made{}",
        status.id,
        status.state.as_str(),
        status.jobs_finished,
        status.jobs_total,
        status.recipients,
        status.drafted,
        status.awaiting_review,
        status.delivered,
        status.deliveries,
        if status.delivery_failures > 0 { format!(", {} failed", status.delivery_failures) } else { String::new() }
    )
}

pub(super) async fn run(context: &Context, args: RunArgs) -> anyhow::Result<ExitCode> {
    let week = match &args.week {
        Some(text) => text.parse::<IsoWeek>().map_err(anyhow::Error::msg)?,
        None => IsoWeek::of(Utc::now().date_naive()),
    };
    let store = context.open_store().await?;
    crate::workflow::record_config(&store, &context.config, "cli", Utc::now()).await?;
    let (run, created) = runs::start(&store, &context.config, &RunRequest::manual(week)).await?;
    if created {
        println!("run {} queued (data as of {})", run.id, run.as_of);
    } else {
        println!("run {} already exists; nothing new was queued", run.id);
    }
    if !args.wait {
        println!("`candor serve` works the queue; `candor run --week {week} --wait` works it here");
        return Ok(ExitCode::SUCCESS);
    }
    let service = Service::with_store(context, store).await?;
    let started = Instant::now();
    let status = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} jobs  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let status = runs::work_here(&service, &run.id, Duration::from_millis(200), |s| {
            bar.set_length(s.jobs_total.max(1) as u64);
            bar.set_position(s.jobs_finished as u64);
            bar.set_message(format!("{} drafted, {} delivered", s.drafted, s.delivered));
        })
        .await;
        bar.finish_and_clear();
        status
    } else {
        let mut last_line = Instant::now() - Duration::from_secs(10);
        runs::work_here(&service, &run.id, Duration::from_millis(200), |s| {
            if last_line.elapsed() >= Duration::from_secs(1) || s.state.is_finished() {
                println!("{}", summary(s));
                last_line = Instant::now();
            }
        })
        .await
    };
    let status = status?;
    println!("{} ({:.1}s)", summary(&status), started.elapsed().as_secs_f64());
    for failure in &status.failures {
        println!("  failed: {failure}");
    }
    Ok(if status.state == RunState::Completed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
