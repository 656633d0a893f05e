//! `candor serve`: the HTTP listener (the API, the web app, health, readiness, metrics and the
//! HubSpot webhook receiver when HubSpot is enabled), the job workers and the scheduler in one
//! process, until interrupted. Several can share a Postgres database: they split the queue and
//! one at a time holds the scheduler lease.

use super::Context;
use crate::http::{Application, ServeOptions};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen here instead of `http.bind`.
    #[arg(long)]
    pub bind: Option<String>,
    /// Do not start runs on schedule (workers and the listener still run).
    #[arg(long)]
    pub no_scheduler: bool,
}

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

pub(super) async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let options = ServeOptions {
        bind: args.bind.unwrap_or_else(|| context.config.http.bind.clone()),
        scheduler: !args.no_scheduler,
    };
    let application = Application::build(context, &options).await?;
    println!("listening on http://{}", application.address());
    shutdown_signal().await;
    println!("stopping: finishing jobs in flight");
    application.stop().await;
    Ok(ExitCode::SUCCESS)
}
