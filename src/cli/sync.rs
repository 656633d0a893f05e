//! `candor sync [--source NAME] [--full]`: pull new and changed records from the enabled live
//! sources, with a progress line per source, then each source's report — counts per object,
//! rejected records with their reasons, notes and API calls.

use super::Context;
use crate::sources::connectors::{sync_source, Progress, SourceKind, SyncOptions, SyncReport};
use anyhow::{bail, Context as _};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Rejections listed per source before the rest are counted.
const SHOWN_REJECTIONS: usize = 20;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only this source: salesforce, hubspot, msgraph or google (default: every enabled one).
    #[arg(long)]
    pub source: Option<String>,
    /// Ignore the stored cursors and read everything again.
    #[arg(long)]
    pub full: bool,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with code 3 when any record was rejected.
    #[arg(long)]
    pub strict: bool,
}

fn sources(context: &Context, requested: Option<&str>) -> anyhow::Result<Vec<SourceKind>> {
    match requested {
        Some(name) => {
            let source = SourceKind::from_str(name).map_err(anyhow::Error::msg)?;
            if !source.enabled(&context.config) {
                bail!("{source} is not enabled; set [connectors.{source}] enabled = true");
            }
            Ok(vec![source])
        }
        None => {
            let enabled = SourceKind::enabled_in(&context.config);
            if enabled.is_empty() {
                bail!("no source is enabled; set enabled = true in one of [connectors.salesforce], [connectors.hubspot], [connectors.msgraph], [connectors.google]");
            }
            Ok(enabled)
        }
    }
}

fn print_report(report: &SyncReport) {
    println!("{}", report.summary());
    for object in &report.objects {
        println!(
            "  {:<28} {:>5} pages {:>8} fetched {:>8} landed {:>6} rejected {:>6} deleted",
            object.object, object.pages, object.fetched, object.landed, object.rejected, object.deleted
        );
    }
    for rejection in report.rejections.iter().take(SHOWN_REJECTIONS) {
        println!("  rejected {rejection}");
    }
    if report.rejections.len() > SHOWN_REJECTIONS {
        println!("  … and {} more rejected records", report.rejections.len() - SHOWN_REJECTIONS);
    }
    for note in &report.notes {
        println!("  note: {note}");
    }
}

pub(super) async fn run(context: &Context, args: SyncArgs) -> anyhow::Result<ExitCode> {
    let sources = sources(context, args.source.as_deref())?;
    let store = context.open_store().await?;
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for source in sources {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix}: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(source.as_str());
        bar.enable_steady_tick(Duration::from_millis(120));
        let shown = bar.clone();
        let progress = Arc::new(move |p: &Progress| {
            shown.set_message(format!(
                "{} — {} fetched, {} landed, {} rejected, {} deleted ({} API calls)",
                p.object, p.counts.fetched, p.counts.landed, p.counts.rejected, p.counts.deleted, p.calls
            ));
        });
        let options = SyncOptions { full: args.full, progress: Some(progress) };
        let outcome = sync_source(&store, &context.config, source, &options).await;
        bar.finish_and_clear();
        match outcome {
            Ok(report) => reports.push(report),
            Err(error) => {
                eprintln!("error: {source}: {error} (committed pages are kept; the next sync resumes)");
                failed.push(source);
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports).context("rendering the reports")?);
    } else {
        for report in &reports {
            print_report(report);
        }
    }
    store.close().await;
    if !failed.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    if args.strict && reports.iter().any(|r| !r.rejections.is_empty()) {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}
