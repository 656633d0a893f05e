//! `candor serve`: the HTTP listener (the API, the web app, health, readiness, metrics and the
//! HubSpot webhook receiver when HubSpot is enabled), the job workers and the scheduler in one
//! process, until interrupted. Several can share a Postgres database: they split the queue and one at a time holds the
//! scheduler lease.

use super::run::pipeline;
use super::Context;
use crate::jobs::{Scheduler, Worker};
use chrono::Utc;
use clap::Args;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen here instead of `http.bind`.
    #[arg(long)]
    pub bind: Option<String>,
    /// Do not start runs on schedule (workers and the listener still run).
    #[arg(long)]
    pub no_scheduler: bool,
}

/// How often the scheduler looks at the clock; slots have minute granularity.
const TICK: Duration = Duration::from_secs(20);

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    crate::review::record_config(&store, &context.config, "serve", Utc::now()).await?;
    let bind = args.bind.unwrap_or_else(|| context.config.http.bind.clone());
    let pipeline = pipeline(context, &store).await?;
    let state = super::service::app_state(&store, &context.config, pipeline.memory());
    let server = crate::http::serve(&bind, crate::http::app(state)?).await?;
    println!("listening on http://{}", server.address);
    let worker = Worker::new(pipeline);
    let owner = worker.owner().to_owned();
    let worker = worker.spawn();
    let scheduler = Scheduler::new(store.clone(), Arc::new(context.config.clone()), owner);
    let schedule_enabled = context.config.schedule.enabled && !args.no_scheduler;
    let ticking = async {
        loop {
            if schedule_enabled {
                match scheduler.tick(Utc::now()).await {
                    Ok(started) if !started.is_empty() => worker.wake(),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "scheduler tick failed"),
                }
            }
            tokio::time::sleep(TICK).await;
        }
    };
    tokio::select! {
        _ = shutdown_signal() => {}
        _ = ticking => {}
    }
    println!("stopping: finishing jobs in flight");
    scheduler.release().await;
    worker.stop(Duration::from_secs(30)).await;
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}
