//! `candor import …`: read files, write the good records in one transaction, report the rest.

use super::Context;
use crate::domain::Dataset;
use crate::sources::ingest::activities::{ActivitySettings, CollectedImport};
use crate::sources::ingest::{self, ImportOutcome};
use anyhow::Context as _;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Generic CRM CSV exports described by a mapping file.
    Csv {
        /// TOML file mapping CSV headers to Candor fields.
        #[arg(long)]
        mapping: PathBuf,
        /// CSV files to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Exit with code 3 when any record was rejected.
        #[arg(long)]
        strict: bool,
    },
    /// The Maven Analytics "CRM Sales Opportunities" data set.
    Maven {
        /// Folder holding sales_pipeline.csv, accounts.csv, products.csv and sales_teams.csv.
        dir: PathBuf,
        /// Exit with code 3 when any record was rejected.
        #[arg(long)]
        strict: bool,
    },
    /// iCalendar files (.ics) or folders of them: meetings, with recurring series expanded
    /// inside the window set by `[ingest]`; cancelled meetings are removed from the store.
    Ics {
        /// Calendar files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Exit with code 3 when any record was rejected.
        #[arg(long)]
        strict: bool,
    },
    /// Mailboxes: mbox files, .eml files and maildir folders; calendar invitations inside
    /// messages become meetings too.
    Mail {
        /// Mailbox files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Exit with code 3 when any record was rejected.
        #[arg(long)]
        strict: bool,
    },
}

pub(super) async fn run(context: &Context, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let (outcome, strict) = match command {
        ImportCommand::Ics { paths, strict } => {
            return import_activities(context, &paths, strict, ingest::ics::import_ics).await
        }
        ImportCommand::Mail { paths, strict } => {
            return import_activities(context, &paths, strict, ingest::mail::import_mail).await
        }
        ImportCommand::Csv { mapping, paths, strict } => {
            let catalogue = context.config.stage_catalogue();
            (ingest::csv::import_csv(&mapping, &paths, &catalogue, context.config.currency())?, strict)
        }
        ImportCommand::Maven { dir, strict } => (ingest::maven::import_maven(&dir)?, strict),
    };
    let store = context.open_store().await?;
    finish(&store, outcome, strict).await
}

/// Calendar and mail imports: people, contacts, accounts and deals already in the store are
/// what addresses resolve to; cancelled meetings are deleted after the new records land.
async fn import_activities(
    context: &Context,
    paths: &[PathBuf],
    strict: bool,
    import: fn(&[PathBuf], &ActivitySettings, &Dataset) -> CollectedImport,
) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let known =
        store.load_dataset().await.context("loading people, contacts, accounts and deals to resolve addresses")?;
    let settings = ActivitySettings::from_config(&context.config, chrono::Utc::now());
    let imported = import(paths, &settings, &known);
    let code = finish(&store, imported.outcome, strict).await?;
    if !imported.cancelled.is_empty() {
        let removed = store.delete_activities(&imported.cancelled).await.context("removing cancelled meetings")?;
        println!("{} meetings cancelled in the input; {removed} removed from the store", imported.cancelled.len());
    }
    Ok(code)
}

/// Writes the good records, prints the report, and picks the exit code.
pub(super) async fn finish(
    store: &crate::store::Store,
    outcome: ImportOutcome,
    strict: bool,
) -> anyhow::Result<ExitCode> {
    let report = &outcome.report;
    for rejection in &report.rejections {
        eprintln!("rejected: {rejection}");
    }
    for fix in &report.fixes {
        println!("fixed: {fix}");
    }
    for note in &report.notes {
        println!("note: {note}");
    }
    let written = store.save_dataset(&outcome.data).await.context("writing the imported records")?;
    let landed: Vec<String> =
        outcome.data.counts().iter().filter(|(_, n)| *n > 0).map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "read {} records: {} rejected; landed {}; {} rows new or changed in the store",
        report.records_read,
        report.rejections.len(),
        if landed.is_empty() { "nothing".to_owned() } else { landed.join(", ") },
        written.total()
    );
    if strict && !report.rejections.is_empty() {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}
