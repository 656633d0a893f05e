//! The weekly coaching run at the end of `candor demo`: every rep, manager and leader of the demo
//! organisation drafted on the offline provider, stored with provenance and written as Markdown.

use super::draft::{run_data, with_provider};
use super::Context;
use crate::agent::{provider, weekly_run, weekly_run_key, AgentSetup, DraftStatus, RunSummary};
use crate::config::ProviderKind;
use crate::store::Store;
use chrono::{NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::Arc;

/// Runs the week's drafts for everyone and writes `<data-dir>/drafts/<run>/<recipient>.md`.
pub async fn weekly_coaching_run(
    context: &Context,
    store: &Store,
    as_of: NaiveDate,
) -> anyhow::Result<(RunSummary, PathBuf)> {
    let config = with_provider(&context.config, Some(ProviderKind::Offline));
    let data = run_data(store, &config, as_of).await?;
    let setup = Arc::new(AgentSetup::new(&config, provider::from_config(&config.llm)?)?);
    let run_key = weekly_run_key(crate::features::start_of_day(as_of));
    let summary = weekly_run(setup, data, Some(store.clone()), &run_key, None, Utc::now()).await?;
    let dir = context.data_dir.join("drafts").join(run_key.replace(':', "-"));
    std::fs::create_dir_all(&dir)?;
    for draft in &summary.drafts {
        let file = format!("{}-{}.md", draft.kind.as_str(), draft.recipient_id.replace(':', "-"));
        std::fs::write(dir.join(file), &draft.rendered)?;
    }
    Ok((summary, dir))
}

pub fn print_summary(summary: &RunSummary, dir: &std::path::Path, store: &Store) {
    let kinds = |kind: crate::agent::DraftKind, one: &str, many: &str| {
        let count = summary.drafts.iter().filter(|d| d.kind == kind).count();
        format!("{count} {}", if count == 1 { one } else { many })
    };
    println!();
    println!(
        "Weekly coaching run {} (offline provider): {}, {}, {} in {:.2}s",
        summary.run_key,
        kinds(crate::agent::DraftKind::RepNudge, "rep nudge", "rep nudges"),
        kinds(crate::agent::DraftKind::InterventionBrief, "intervention brief", "intervention briefs"),
        kinds(crate::agent::DraftKind::ForecastMemo, "forecast memo", "forecast memos"),
        summary.wall_ms as f64 / 1000.0
    );
    println!(
        "  {} validated, {} repaired, {} fallback; {} failed validation",
        summary.count(DraftStatus::Validated),
        summary.count(DraftStatus::Repaired),
        summary.count(DraftStatus::Fallback),
        summary.invalid()
    );
    println!("  drafts: {} (Markdown), table `drafts` in {}", dir.display(), store.location());
    if let Some(first) = summary.drafts.first() {
        println!("  one again: candor draft --recipient {} --as-of <date>", first.recipient_id);
    }
}
