//! Benchmarks of a whole weekly run: a synthetic organisation, a fresh store, one on-demand run
//! from sync to delivery in the file outbox, timed end to end. Figures are printed by
//! `candor bench --suite run`, never asserted.

use crate::coaching::AgentSetup;
use crate::config::Config;
use crate::domain::IsoWeek;
use crate::jobs::{start_run, wait_for_run, Pipeline, RunRequest, RunState, Worker};
use crate::store::Store;
use crate::workflow::deliver::Deliverer;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one timed run did.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RunFigures {
    pub recipients: i64,
    pub drafted: i64,
    pub delivered: i64,
    pub seconds: f64,
    pub state: RunState,
}

/// Runs `week` over what is in `store` drafting with `drafting`, delivering to the outbox under
/// `data_dir`, and times it from enqueue to the last delivery.
pub(super) async fn time_weekly_run(
    store: &Store,
    config: Arc<Config>,
    data_dir: &std::path::Path,
    drafting: Arc<AgentSetup>,
    week: IsoWeek,
) -> anyhow::Result<RunFigures> {
    let deliverer = Arc::new(Deliverer::from_config(&config, data_dir)?);
    let pipeline = Arc::new(Pipeline::new(store.clone(), config.clone(), drafting, deliverer));
    let started = Instant::now();
    let (run, _) = start_run(store, &config, &RunRequest::manual(week), chrono::Utc::now()).await?;
    let worker = Worker::new(pipeline).spawn();
    let status = wait_for_run(store, &run.id, Duration::from_millis(50), |_| {}).await;
    let seconds = started.elapsed().as_secs_f64();
    worker.stop(Duration::from_secs(5)).await;
    let status = status?;
    Ok(RunFigures {
        recipients: status.recipients,
        drafted: status.drafted,
        delivered: status.delivered,
        seconds,
        state: status.state,
    })
}
