//! Benchmark entries for the risk engine, called from `candor bench`: the pure computation on a
//! dataset in memory, and loading from the store plus the computation. Figures are printed
//! lines, never asserted.

use super::{peak_rss_mib, reset_peak_rss};
use crate::domain::Dataset;
use crate::engine::risk::{analyse, EngineData, Index, Settings};
use crate::store::Store;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::time::Instant;

fn peak() -> String {
    peak_rss_mib().map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "n/a".to_owned())
}

/// Times the engine on `dataset` at `as_of`: index build, then the whole analysis, over the
/// domain records as they are, and again over their compact form (what a store loads).
pub(super) fn bench_features(dataset: &Dataset, settings: &Settings, as_of: DateTime<Utc>) -> Vec<String> {
    let started = Instant::now();
    let index = Index::new(dataset);
    let indexed = started.elapsed().as_secs_f64();
    let report = analyse(&index, settings, as_of);
    let total = started.elapsed().as_secs_f64();
    drop(index);
    let flags: usize = report.deals.iter().map(|d| d.flags.len()).sum();
    let mut lines = vec![format!(
        "features (pure): {} deals, {} activities, {} history rows at {}: index {indexed:.2}s, total {total:.2}s; \
         {} open deals, {flags} flags, {} scorecards, model {} on {} rows",
        dataset.deals.len(),
        dataset.activities.len(),
        dataset.history.len(),
        as_of.date_naive(),
        report.deals.len(),
        report.reps.len(),
        report.model.method,
        report.model.training_rows
    )];
    let started = Instant::now();
    let engine = EngineData::from_dataset(dataset.clone());
    let converted = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let index = Index::from_engine(&engine);
    let indexed = started.elapsed().as_secs_f64();
    let compact = analyse(&index, settings, as_of);
    let total = started.elapsed().as_secs_f64();
    let same = if compact == report { "same report" } else { "REPORT DIFFERS" };
    lines.push(format!(
        "features (pure, compact input): index {indexed:.2}s, total {total:.2}s ({same}); compact form built from \
         the records in {converted:.2}s"
    ));
    lines
}

/// Loads everything from `store` and runs the engine at `as_of`. Peak memory is meaningful when
/// this is the first thing the process does.
pub(super) async fn bench_features_from_store(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    reset_peak_rss();
    let started = Instant::now();
    let engine = store.load_engine_data().await.context("loading the dataset")?;
    let loaded = started.elapsed().as_secs_f64();
    let settings = settings.clone();
    let (deals, activities, history) = (engine.data.deals.len(), engine.activities.len(), engine.history.len());
    let (open, indexed) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let index = Index::from_engine(&engine);
        let indexed = started.elapsed().as_secs_f64();
        (analyse(&index, &settings, as_of).deals.len(), indexed)
    })
    .await?;
    let total = started.elapsed().as_secs_f64();
    Ok(vec![format!(
        "features (load + compute): {deals} deals, {activities} activities, {history} history rows from {}: \
         load {loaded:.2}s, compute {:.2}s (index {indexed:.2}s), total {total:.2}s; {open} open deals; peak RSS {}",
        store.location(),
        total - loaded,
        peak()
    )])
}
