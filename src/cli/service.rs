//! What `candor serve` plugs into the HTTP layer: the job queue behind the API's runs routes
//! (the listener itself knows nothing of jobs) and the vector store as a readiness check.

use crate::config::Config;
use crate::http::api::runs::{RunControl, RunControlError, RunFuture, RunView};
use crate::http::{AppState, Probe};
use crate::jobs::{run_status, run_statuses, start_run, IsoWeek, RunRequest, RunStatus};
use crate::memory::{AnyStore, Memory, VectorStore};
use crate::store::Store;
use chrono::Utc;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Runs through the durable job queue: what `candor run` does, over HTTP.
pub struct QueueRuns {
    pub store: Store,
    pub config: Arc<Config>,
}

fn view(status: RunStatus) -> RunView {
    RunView {
        id: status.id,
        week: status.week,
        state: status.state.as_str().to_owned(),
        trigger: status.trigger,
        as_of: status.as_of,
        created_at: status.created_at,
        jobs_total: status.jobs_total,
        jobs_finished: status.jobs_finished,
        recipients: status.recipients,
        drafted: status.drafted,
        awaiting_review: status.awaiting_review,
        rejected: status.rejected,
        deliveries: status.deliveries,
        delivered: status.delivered,
        delivery_failures: status.delivery_failures,
        failures: status.failures,
    }
}

fn failed(error: impl std::fmt::Display) -> RunControlError {
    RunControlError::Failed(error.to_string())
}

impl RunControl for QueueRuns {
    fn list(&self, limit: i64) -> RunFuture<'_, Vec<RunView>> {
        Box::pin(
            async move { Ok(run_statuses(&self.store, limit).await.map_err(failed)?.into_iter().map(view).collect()) },
        )
    }

    fn status<'a>(&'a self, id: &'a str) -> RunFuture<'a, Option<RunView>> {
        Box::pin(async move {
            match self.store.run(id).await.map_err(failed)? {
                Some(run) => Ok(Some(view(run_status(&self.store, run).await.map_err(failed)?))),
                None => Ok(None),
            }
        })
    }

    fn start<'a>(&'a self, week: Option<&'a str>, started_by: &'a str) -> RunFuture<'a, (bool, RunView)> {
        Box::pin(async move {
            let week = match week {
                Some(text) => text.parse::<IsoWeek>().map_err(RunControlError::BadWeek)?,
                None => IsoWeek::of(Utc::now().date_naive()),
            };
            let (run, created) =
                start_run(&self.store, &self.config, &RunRequest::manual(week), Utc::now()).await.map_err(failed)?;
            if created {
                tracing::info!(run = %run.id, started_by, "run started over the API");
            }
            Ok((created, view(run_status(&self.store, run).await.map_err(failed)?)))
        })
    }
}

/// The vector store answers.
pub struct MemoryProbe(pub Arc<Memory<AnyStore>>);

impl Probe for MemoryProbe {
    fn name(&self) -> &'static str {
        "vector_store"
    }

    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            self.0
                .store()
                .layout(crate::memory::collections::PLAYBOOK.name)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

/// The HTTP layer's state for `candor serve`: the queue for runs, the memory as a check.
pub fn app_state(store: &Store, config: &Config, memory: Option<Arc<Memory<AnyStore>>>) -> AppState {
    let config = Arc::new(config.clone());
    let runs = Arc::new(QueueRuns { store: store.clone(), config: Arc::clone(&config) });
    let state = AppState::new(store.clone(), config).with_runs(runs);
    match memory {
        Some(memory) => state.with_probe(Arc::new(MemoryProbe(memory))),
        None => state,
    }
}
