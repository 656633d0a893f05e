//! Starting Candor as a service: the one function the binary's `candor serve` and the tests
//! start it with. It builds the service from configuration (the composition root in
//! [`crate::app`]), starts the job workers and the scheduler, and binds the listener.

use super::{app, serve, AppState, HttpError, Server};
use crate::app::{Context, Service, ServiceError, Workers};
use chrono::Utc;
use std::net::SocketAddr;

/// Where to listen and whether this process starts runs on schedule.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `host:port`; port 0 picks a free one.
    pub bind: String,
    pub scheduler: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("recording the configuration in the audit log: {0}")]
    Audit(#[source] crate::store::StoreError),
}

/// A running Candor: the service, its workers and the listener.
pub struct Application {
    address: SocketAddr,
    service: Service,
    workers: Workers,
    server: Server,
}

impl Application {
    /// Builds the service `context` describes, starts its workers (and, when `options` say so,
    /// the scheduler) and binds the listener.
    pub async fn build(context: &Context, options: &ServeOptions) -> Result<Application, StartError> {
        let service = Service::open(context).await?;
        crate::workflow::record_config(&service.store, service.config(), "serve", Utc::now())
            .await
            .map_err(StartError::Audit)?;
        let server = serve(&options.bind, app(AppState::of(&service))?).await?;
        let workers = service.start_workers(options.scheduler);
        Ok(Application { address: server.address, service, workers, server })
    }

    /// The address the listener got.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Stops the scheduler, lets the workers finish the jobs they hold, then closes the listener
    /// and the store.
    pub async fn stop(self) {
        self.workers.stop().await;
        self.server.stop().await;
        self.service.store.close().await;
    }
}
