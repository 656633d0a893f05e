//! Live connectors as the weekly run's sync step: a pipeline built with every enabled source
//! pulls from a loopback HubSpot before the snapshot, a sync that fails is retried as a job and
//! resumes, and the next week's run syncs incrementally (a deletion arrives, nothing repeats).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connectors_support;
mod pipeline_support;

use candor::coaching::AgentSetup;
use candor::config::Config;
use candor::jobs::with_enabled_sources;
use candor::jobs::{start_run, wait_for_run, IsoWeek, Pipeline, RunRequest, RunState, RunStatus, Worker};
use candor::store::Store;
use candor::testkit::vendors::hubspot::{HubspotData, HubspotMock};
use candor::testkit::vendors::{lock, setup, Faults};
use candor::workflow::deliver::Deliverer;
use chrono::Utc;
use connectors_support::{dataset, store};
use sqlx::Row;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The sync job of `run_id`: its attempts and its result.
async fn sync_job(store: &Store, run_id: &str) -> (i64, serde_json::Value) {
    let row = sqlx::query("SELECT attempts, result FROM jobs WHERE run_id = $1 AND kind = 'sync'")
        .bind(run_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let result: String = row.get("result");
    (row.get("attempts"), serde_json::from_str(&result).unwrap())
}

/// Starts the run of `week` and works it to its end with a pipeline built as `candor run` and
/// `candor serve` build theirs: every enabled connector registered as a sync source.
async fn work_week(store: &Store, config: &Config, data_dir: &Path, week: &str) -> RunStatus {
    let week: IsoWeek = week.parse().unwrap();
    let (run, created) = start_run(store, config, &RunRequest::manual(week), Utc::now()).await.unwrap();
    assert!(created);
    let config = Arc::new(config.clone());
    let deliverer = Deliverer::from_config(&config, data_dir).unwrap();
    let pipeline = Pipeline::new(
        store.clone(),
        Arc::clone(&config),
        Arc::new(AgentSetup::from_config(&config).unwrap()),
        Arc::new(deliverer),
    );
    let worker = Worker::new(Arc::new(with_enabled_sources(pipeline, config))).spawn();
    let status =
        tokio::time::timeout(Duration::from_secs(60), wait_for_run(store, &run.id, Duration::from_millis(20), |_| {}))
            .await
            .expect("the run finishes within a minute")
            .unwrap();
    worker.stop(Duration::from_secs(5)).await;
    status
}

#[tokio::test]
async fn each_run_syncs_the_enabled_connectors_before_its_snapshot() {
    let (running, mock) = HubspotMock::new(HubspotData::generate(16)).start().await.unwrap();
    let mut config = pipeline_support::fast_config("");
    setup::fast_policy(&mut config);
    setup::hubspot(&mut config, &running.base_url, &mock, Some("pat-na1-scheduled-sync"));
    let db = store().await;
    let dir = tempfile::tempdir().unwrap();
    assert!(dataset(&db.store).await.deals.is_empty());

    // The first four requests fail with 500: the sync gives up after its own retries, so the
    // job fails once and its second attempt completes the sync.
    let start = mock.core.requests();
    mock.core.set_faults(Faults { error_on: (start + 1..=start + 4).collect(), ..Faults::default() });
    let first = work_week(&db.store, &config, dir.path(), "2026-W47").await;
    assert_eq!(first.state, RunState::Completed, "{first:?}");
    let (attempts, result) = sync_job(&db.store, &first.id).await;
    assert_eq!(attempts, 2, "the failed sync was retried as a job: {result}");
    let sources = result["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "{result}");
    assert_eq!(sources[0]["source"], "hubspot");
    let summary = sources[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("hubspot: ") && summary.contains(" 0 rejected"), "{summary}");
    let data = dataset(&db.store).await;
    assert_eq!(data.deals.len(), 16, "every deal pulled by the run's sync step");
    assert!(first.recipients > 0, "the snapshot saw the synced owners: {first:?}");

    mock.core.set_faults(Faults::default());
    lock(&mock.data).archive("deals", "3000002");
    let second = work_week(&db.store, &config, dir.path(), "2026-W48").await;
    assert_eq!(second.state, RunState::Completed, "{second:?}");
    let (attempts, result) = sync_job(&db.store, &second.id).await;
    assert_eq!(attempts, 1);
    let summary = result["sources"][0]["summary"].as_str().unwrap();
    assert!(summary.contains(" 1 deleted"), "{summary}");
    let after = dataset(&db.store).await;
    let ids: HashSet<&str> = after.deals.iter().map(|d| d.external_id.as_str()).collect();
    assert_eq!(after.deals.len(), 15);
    assert!(!ids.contains("3000002"));
}
