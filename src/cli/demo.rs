//! `candor demo`: builds the synthetic organisation in the data directory and shows what it
//! made. Re-running replaces the previous demo organisation; imported data is left alone.

use super::Context;
use crate::domain::Role;
use crate::engine::risk::start_of_day;
use crate::testkit::sim;
use chrono::{NaiveDate, Utc};
use clap::Args;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Random seed (default from `sim.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of reps (default from `sim.reps`); managers and leaders scale with it.
    #[arg(long)]
    pub reps: Option<u32>,
    /// The organisation's "today" (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
}

pub(super) async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let as_of = start_of_day(args.as_of.unwrap_or_else(|| Utc::now().date_naive()));
    let params = sim::params_from_config(&context.config, args.seed, args.reps, as_of);
    let started = Instant::now();
    let mut org = sim::generate(&params);
    let generated_in = started.elapsed();
    // Meetings and emails reach the store the way a firm's would: as .ics and mbox files read
    // by the importers.
    let files_dir = context.data_dir.join("demo-files");
    let all_activities = org.dataset.activities.len();
    let files = super::demo_files::export_and_detach(&mut org.dataset, &files_dir)?;
    let store = context.open_store().await?;
    let started = Instant::now();
    store.replace_sim(&org).await?;
    let imported = super::demo_files::import(context, &store, &org.dataset, &files, &files_dir, as_of).await?;
    let stored_in = started.elapsed();

    let data = &org.dataset;
    let count_role = |role: Role| data.people.iter().filter(|p| p.role == role).count();
    println!("Demo organisation: {} (seed {}, as of {})", context.config.org.name, params.seed, as_of.date_naive());
    println!(
        "  {} leaders, {} managers, {} reps; {} accounts with {} contacts",
        count_role(Role::Leader),
        count_role(Role::Manager),
        count_role(Role::Rep),
        data.accounts.len(),
        data.contacts.len()
    );
    println!(
        "  {} deals with {} history rows; {} activities; {} quotas",
        data.deals.len(),
        data.history.len(),
        all_activities,
        data.quotas.len()
    );
    println!(
        "  {} meetings and {} emails written to {} calendars and {} mailboxes under {} and imported from there; \
         {} linked to deals by identity resolution, {} rejected",
        imported.meetings,
        imported.emails,
        imported.calendars,
        imported.mailboxes,
        imported.dir.display(),
        imported.linked_to_deals,
        imported.rejected
    );
    println!(
        "  ground truth for {} open deals stored apart from observable data (for backtests and evals)",
        org.truth.deals.len()
    );
    println!(
        "  generated in {:.2}s, stored in {:.2}s at {}",
        generated_in.as_secs_f64(),
        stored_in.as_secs_f64(),
        store.location()
    );
    println!();
    print!("{}", super::stats::render(&store.stats().await?));
    let week = super::demo_week::weekly_coaching_run(context, &store, as_of).await?;
    super::demo_week::print_summary(&week, &store);
    Ok(if week.status.state == crate::jobs::RunState::Completed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
