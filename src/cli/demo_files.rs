//! The demo's calendar and mail path. The synthetic organisation's meetings and emails are
//! written as one .ics calendar and one mbox mailbox per person under the data directory, then
//! read back through the same importers as `candor import ics|mail` — parsing, identity
//! resolution and deal linking included — so the engine's meeting and email signals come from
//! real file formats end to end. The imports are filed under the demo's own source, so a new
//! demo replaces them along with the rest of the demo organisation.

use super::Context;
use crate::domain::{ActivityKind, Dataset, SourceName};
use crate::sources::ingest::activities::{ActivitySettings, CollectedImport};
use crate::sources::ingest::{ics, mail};
use crate::store::Store;
use crate::testkit::sim::export::{write_activity_files, ExportedFiles};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// What went through the files.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DemoFileImport {
    pub dir: PathBuf,
    pub calendars: usize,
    pub mailboxes: usize,
    pub meetings: usize,
    pub emails: usize,
    /// Imported meetings and emails that identity resolution linked to at least one deal.
    pub linked_to_deals: usize,
    pub rejected: usize,
}

/// Writes `data`'s meetings and emails as files under `dir` (replacing what a previous demo
/// wrote there) and removes them from `data`, which keeps calls, tasks and notes: those have no
/// file format.
pub(super) fn export_and_detach(data: &mut Dataset, dir: &Path) -> anyhow::Result<ExportedFiles> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let files = write_activity_files(data, dir)?;
    let detached: std::collections::HashSet<_> = data
        .activities
        .iter()
        .filter(|a| matches!(a.kind, ActivityKind::Meeting | ActivityKind::Email))
        .map(|a| a.id.clone())
        .collect();
    data.activities.retain(|a| !detached.contains(&a.id));
    data.activity_signals.retain(|s| !detached.contains(&s.activity_id));
    Ok(files)
}

/// Reads the exported files back through the importers and stores what they yield. `known` is
/// the demo organisation without its meetings and emails: what addresses resolve to.
pub(super) async fn import(
    context: &Context,
    store: &Store,
    known: &Dataset,
    files: &ExportedFiles,
    dir: &Path,
    as_of: DateTime<Utc>,
) -> anyhow::Result<DemoFileImport> {
    let (calendars, mailboxes) = (files.calendars.clone(), files.mailboxes.clone());
    let (meeting_settings, email_settings) = (settings(context, as_of)?, settings(context, as_of)?);
    let known_for_meetings = known.clone();
    let meetings =
        tokio::task::spawn_blocking(move || ics::import_ics(&calendars, &meeting_settings, &known_for_meetings));
    let known_for_emails = known.clone();
    let emails = tokio::task::spawn_blocking(move || mail::import_mail(&mailboxes, &email_settings, &known_for_emails));
    let (meetings, emails) = (meetings.await?, emails.await?);
    let mut summary = DemoFileImport {
        dir: dir.to_path_buf(),
        calendars: files.calendars.len(),
        mailboxes: files.mailboxes.len(),
        meetings: meetings.outcome.data.activities.len(),
        emails: emails.outcome.data.activities.len(),
        linked_to_deals: 0,
        rejected: 0,
    };
    for imported in [meetings, emails] {
        summary.linked_to_deals += imported.outcome.data.activities.iter().filter(|a| !a.deals.is_empty()).count();
        summary.rejected += imported.outcome.report.rejections.len();
        store_import(store, imported).await?;
    }
    Ok(summary)
}

fn settings(context: &Context, as_of: DateTime<Utc>) -> anyhow::Result<ActivitySettings> {
    let mut settings = ActivitySettings::from_config(&context.config, as_of);
    settings.source_override = Some(SourceName::parse("sim").context("the demo's source name")?);
    // The files hold the organisation's whole history; expand recurring meetings over all of it.
    settings.ingest.recurrence_days_back = settings.ingest.recurrence_days_back.max(36_500);
    Ok(settings)
}

async fn store_import(store: &Store, imported: CollectedImport) -> anyhow::Result<()> {
    for rejection in &imported.outcome.report.rejections {
        eprintln!("rejected: {rejection}");
    }
    store.save_dataset(&imported.outcome.data).await.context("storing the demo's imported meetings and emails")?;
    if !imported.cancelled.is_empty() {
        store.delete_activities(&imported.cancelled).await.context("removing cancelled demo meetings")?;
    }
    Ok(())
}
