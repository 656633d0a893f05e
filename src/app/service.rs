//! The composition root: one function builds the service from configuration, so `candor
//! serve`, `candor run`, the demo, the evals and the tests all run the same weekly run.

use super::Context;
use crate::coaching::memory::Memory;
use crate::coaching::{AgentError, AgentSetup};
use crate::config::Config;
use crate::jobs::{with_enabled_sources, Pipeline, Scheduler, Worker, WorkerHandle};
use crate::store::{Store, StoreError};
use crate::workflow::deliver::{DeliverError, Deliverer};
use chrono::Utc;
use std::sync::Arc;

/// What building the service can fail on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("opening the store: {0}")]
    Store(#[from] StoreError),
    #[error("setting up delivery: {0}")]
    Delivery(#[source] DeliverError),
    #[error("setting up the drafting agent: {0}")]
    Drafting(#[from] AgentError),
}

/// The running parts of Candor, built once per process.
pub struct Service {
    pub context: Context,
    pub store: Store,
    /// The weekly run's steps, with the drafting agent, delivery, memory and sources.
    pub pipeline: Arc<Pipeline>,
    /// The vector memory behind the memory tools and the write-back, when it opened.
    pub memory: Option<Arc<Memory>>,
}

impl Service {
    /// Opens the store and the vector memory `context` names and builds the pipeline on them.
    pub async fn open(context: &Context) -> Result<Service, ServiceError> {
        let store = context.open_store().await?;
        Self::with_store(context, store).await
    }

    /// As [`Service::open`] on a store already open.
    pub async fn with_store(context: &Context, store: Store) -> Result<Service, ServiceError> {
        let memory = Memory::open_for_agent(&context.config, &context.data_dir).await;
        let pipeline = Arc::new(pipeline(context, &store, memory.clone())?);
        Ok(Service { context: context.clone(), store, pipeline, memory })
    }

    pub fn config(&self) -> &Config {
        &self.context.config
    }
}

/// The weekly run's pipeline: drafting with the configured provider and the memory tools,
/// delivery through every configured channel, write-back to memory, and a sync source per
/// enabled connector.
fn pipeline(context: &Context, store: &Store, memory: Option<Arc<Memory>>) -> Result<Pipeline, ServiceError> {
    let config = &context.config;
    let deliverer = Deliverer::from_config(config, &context.data_dir).map_err(ServiceError::Delivery)?;
    let drafting = AgentSetup::from_config(config)?.with_memory(memory.clone());
    let config = Arc::new(config.clone());
    let pipeline =
        Pipeline::new(store.clone(), Arc::clone(&config), Arc::new(drafting), Arc::new(deliverer)).with_memory(memory);
    Ok(with_enabled_sources(pipeline, config))
}

/// How often the scheduler looks at the clock; slots have minute granularity.
const TICK: std::time::Duration = std::time::Duration::from_secs(20);
/// How long stopped workers get to finish the jobs they hold.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// The job workers and, when on, the scheduler, working the queue in the background.
pub struct Workers {
    worker: WorkerHandle,
    scheduler: Option<(Arc<Scheduler>, tokio::task::JoinHandle<()>)>,
}

impl Service {
    /// Starts the job workers and, with `schedule`, the scheduler, which starts each kind's runs
    /// when its slot arrives (one process per deployment holds its lease at a time).
    pub fn start_workers(&self, schedule: bool) -> Workers {
        let worker = Worker::new(self.pipeline.clone());
        let owner = worker.owner().to_owned();
        let worker = worker.spawn();
        let scheduler = (schedule && self.config().schedule.enabled).then(|| {
            let scheduler = Arc::new(Scheduler::new(self.store.clone(), Arc::new(self.config().clone()), owner));
            let (ticking, wake) = (scheduler.clone(), worker.waker());
            let task = tokio::spawn(async move {
                loop {
                    match ticking.tick(Utc::now()).await {
                        Ok(started) if !started.is_empty() => wake.wake(),
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "scheduler tick failed"),
                    }
                    tokio::time::sleep(TICK).await;
                }
            });
            (scheduler, task)
        });
        Workers { worker, scheduler }
    }
}

impl Workers {
    /// Stops the scheduler (releasing its lease) and lets the workers finish what they hold.
    pub async fn stop(self) {
        if let Some((scheduler, task)) = self.scheduler {
            task.abort();
            scheduler.release().await;
        }
        self.worker.stop(STOP_GRACE).await;
    }
}
