//! Weekly runs as use cases: start one (idempotent per week and selection), work it to its end
//! in this process, and read where runs stand. The command line and the API both come here.

use super::Service;
use crate::config::Config;
use crate::jobs::{run_status, run_statuses, start_run, wait_for_run, RunRequest, RunStatus, Worker};
use crate::store::{Store, StoreError};
use chrono::Utc;
use std::time::Duration;

/// How long workers stopped after a run get to finish what they hold.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Starts the run `request` describes; `false` when it already existed (nothing new queued).
pub(crate) async fn start(
    store: &Store,
    config: &Config,
    request: &RunRequest,
) -> Result<(RunStatus, bool), StoreError> {
    let (run, created) = start_run(store, config, request, Utc::now()).await?;
    Ok((run_status(store, run).await?, created))
}

/// Works the queue in this process until run `run_id` finishes, calling `progress` whenever its
/// figures change, then stops the workers once what they hold is done.
pub(crate) async fn work_here(
    service: &Service,
    run_id: &str,
    every: Duration,
    progress: impl FnMut(&RunStatus),
) -> Result<RunStatus, StoreError> {
    let worker = Worker::new(service.pipeline.clone()).spawn();
    let status = wait_for_run(&service.store, run_id, every, progress).await;
    worker.stop(STOP_GRACE).await;
    status
}

/// The most recent runs, newest first.
pub(crate) async fn list(store: &Store, limit: i64) -> Result<Vec<RunStatus>, StoreError> {
    run_statuses(store, limit.clamp(1, 10_000)).await
}

/// Where run `id` stands, if it exists.
pub(crate) async fn status(store: &Store, id: &str) -> Result<Option<RunStatus>, StoreError> {
    match store.run(id).await? {
        Some(run) => Ok(Some(run_status(store, run).await?)),
        None => Ok(None),
    }
}
