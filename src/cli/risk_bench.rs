//! Benchmark entries for the risk engine, called from `candor bench`: the pure computation on a
//! dataset in memory, and loading from the store plus the computation. Figures are printed
//! lines, never asserted.

use super::bench::{peak_rss_mib, reset_peak_rss};
use crate::domain::Dataset;
use crate::features::{analyse, Index, Settings};
use crate::store::Store;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::time::Instant;

fn peak() -> String {
    peak_rss_mib().map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "n/a".to_owned())
}

/// Times the engine on `dataset` at `as_of`: index build, then the whole analysis.
pub fn bench_features(dataset: &Dataset, settings: &Settings, as_of: DateTime<Utc>) -> Vec<String> {
    let started = Instant::now();
    let index = Index::new(dataset);
    let indexed = started.elapsed().as_secs_f64();
    let report = analyse(&index, settings, as_of);
    let total = started.elapsed().as_secs_f64();
    let flags: usize = report.deals.iter().map(|d| d.flags.len()).sum();
    vec![format!(
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
    )]
}

/// Loads everything from `store` and runs the engine at `as_of`. Peak memory is meaningful when
/// this is the first thing the process does.
pub async fn bench_features_from_store(
    store: &Store,
    settings: &Settings,
    as_of: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    reset_peak_rss();
    let started = Instant::now();
    let dataset = store.load_engine_dataset().await.context("loading the dataset")?;
    let loaded = started.elapsed().as_secs_f64();
    let settings = settings.clone();
    let (deals, activities) = (dataset.deals.len(), dataset.activities.len());
    let open =
        tokio::task::spawn_blocking(move || analyse(&Index::new(&dataset), &settings, as_of).deals.len()).await?;
    let total = started.elapsed().as_secs_f64();
    Ok(vec![format!(
        "features (load + compute): {deals} deals, {activities} activities from {}: load {loaded:.2}s, \
         compute {:.2}s, total {total:.2}s; {open} open deals; peak RSS {}",
        store.location(),
        total - loaded,
        peak()
    )])
}
