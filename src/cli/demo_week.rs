//! The weekly run at the end of `candor demo`: the demo week's run through the durable job
//! pipeline, the only way a week's drafts are made (workers in this process, the offline
//! provider), then its drafts written as Markdown beside the database that holds them.

use super::draft::with_provider;
use super::Context;
use crate::app::{runs, Service};
use crate::config::ProviderKind;
use crate::domain::{DraftKind, DraftStatus, IsoWeek};
use crate::jobs::{RunRequest, RunStatus, Selection};
use crate::store::{DraftQuery, DraftRecord, Store};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The demo's runs are started by this trigger, so a new demo can replace them.
pub(super) const DEMO_TRIGGER: &str = "demo";

/// What the demo week's run made.
pub(super) struct DemoWeek {
    pub status: RunStatus,
    pub drafts: Vec<DraftRecord>,
    pub dir: PathBuf,
    pub seconds: f64,
}

/// Replaces the previous demo's runs with one for the week of `as_of`, works it here to its
/// end and writes `<data-dir>/drafts/<week>/<kind>-<recipient>.md`.
pub(super) async fn weekly_coaching_run(
    context: &Context,
    store: &Store,
    as_of: DateTime<Utc>,
) -> anyhow::Result<DemoWeek> {
    let offline = Context::new(with_provider(&context.config, Some(ProviderKind::Offline)), context.data_dir.clone());
    let replaced = store.forget_runs(DEMO_TRIGGER).await?;
    if replaced > 0 {
        tracing::info!(replaced, "the previous demo's runs were replaced");
    }
    let week = IsoWeek::of(as_of.date_naive());
    let request = RunRequest { week, selection: Selection::All, as_of, trigger: DEMO_TRIGGER.to_owned() };
    let started = Instant::now();
    let (run, _) = runs::start(store, &offline.config, &request).await?;
    let service = Service::with_store(&offline, store.clone()).await?;
    let status = runs::work_here(&service, &run.id, Duration::from_millis(100), |_| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    let drafts = store.drafts(DraftQuery { run_id: Some(&run.id), ..DraftQuery::default() }).await?;
    let dir = context.data_dir.join("drafts").join(week.to_string());
    write_markdown(&dir, &drafts)?;
    Ok(DemoWeek { status, drafts, dir, seconds })
}

/// One Markdown file per draft, the folder emptied first so it holds this run's only.
fn write_markdown(dir: &Path, drafts: &[DraftRecord]) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for draft in drafts {
        let file = format!("{}-{}.md", draft.kind.as_str(), draft.recipient_id.replace(':', "-"));
        std::fs::write(dir.join(file), &draft.drafted_body)?;
    }
    Ok(())
}

pub(super) fn print_summary(week: &DemoWeek, store: &Store) {
    let kinds = |kind: DraftKind, one: &str, many: &str| {
        let count = week.drafts.iter().filter(|d| d.kind == kind).count();
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let status = |wanted: DraftStatus| week.drafts.iter().filter(|d| d.provenance.status == wanted).count();
    println!();
    println!(
        "Weekly run {} (offline provider, {}): {}, {}, {} in {:.2}s",
        week.status.id,
        week.status.state.as_str(),
        kinds(DraftKind::RepNudge, "rep nudge", "rep nudges"),
        kinds(DraftKind::InterventionBrief, "intervention brief", "intervention briefs"),
        kinds(DraftKind::ForecastMemo, "forecast memo", "forecast memos"),
        week.seconds
    );
    println!(
        "  {} validated, {} repaired, {} fallback; {} failed validation; {} awaiting review, {} of {} deliveries made",
        status(DraftStatus::Validated),
        status(DraftStatus::Repaired),
        status(DraftStatus::Fallback),
        week.drafts.iter().filter(|d| !d.provenance.valid).count(),
        week.status.awaiting_review,
        week.status.delivered,
        week.status.deliveries
    );
    for failure in &week.status.failures {
        println!("  failed: {failure}");
    }
    println!("  drafts: {} (Markdown), table `drafts` in {}", week.dir.display(), store.location());
    println!("  review them: candor review list; read them in the web app: candor user add …, then candor serve");
}
