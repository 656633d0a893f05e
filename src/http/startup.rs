//! Starting Candor as a service: the one function the binary's `candor serve` and the tests
//! start it with. It builds the service from configuration (the composition root in
//! [`crate::app`]), starts the job workers and the scheduler, and binds the listener. When the
//! service holds the embedded vector memory it also announces, in `<data-dir>/qdrant/serve.json`,
//! where and with which secret other local commands can use that memory through it.

use super::auth::secrets::{random_text, RandomError};
use super::{app, serve, AppState, HttpError, Server};
use crate::app::{Context, Service, ServiceError, Workers};
use crate::coaching::memory::remote::Served;
use crate::coaching::memory::AnyStore;
use chrono::Utc;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

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
    #[error("making the vector memory's internal secret: {0}")]
    Secret(#[source] RandomError),
}

/// A running Candor: the service, its workers and the listener.
pub struct Application {
    address: SocketAddr,
    service: Service,
    workers: Workers,
    server: Server,
    /// The `serve.json` this process wrote, removed when it stops.
    announced: Option<PathBuf>,
}

impl Application {
    /// Builds the service `context` describes, starts its workers (and, when `options` say so,
    /// the scheduler) and binds the listener.
    pub async fn build(context: &Context, options: &ServeOptions) -> Result<Application, StartError> {
        let service = Service::open(context).await?;
        crate::workflow::record_config(&service.store, service.config(), "serve", Utc::now())
            .await
            .map_err(StartError::Audit)?;
        let mut state = AppState::of(&service);
        let holds_memory = service.memory.as_ref().is_some_and(|m| matches!(m.store(), AnyStore::Embedded(_)));
        if holds_memory {
            state.memory_secret = Some(Arc::from(random_text(32).map_err(StartError::Secret)?));
        }
        let secret = state.memory_secret.clone();
        let server = serve(&options.bind, app(state)?).await?;
        let announced = secret.and_then(|secret| announce(&service, server.address, &secret));
        let workers = service.start_workers(options.scheduler);
        Ok(Application { address: server.address, service, workers, server, announced })
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
        if let Some(path) = &self.announced {
            if let Err(error) = Served::remove(path) {
                tracing::warn!(%error, "could not remove the vector memory's announcement");
            }
        }
        self.service.store.close().await;
    }
}

/// Writes `serve.json` for the memory this process holds, so other commands on the same data
/// directory use it through this listener. A failure is logged, not fatal: those commands then
/// say on stderr that they draft without memory.
fn announce(service: &Service, address: SocketAddr, secret: &str) -> Option<PathBuf> {
    let served =
        Served { url: format!("http://{}", reachable(address)), pid: std::process::id(), secret: secret.to_owned() };
    match served.write(&service.context.data_dir) {
        Ok(path) => Some(path),
        Err(error) => {
            tracing::warn!(%error, "could not announce the vector memory; other commands will draft without it");
            None
        }
    }
}

/// The address a local client connects to: the bound one, with a wildcard host (`0.0.0.0`,
/// `[::]`) replaced by loopback.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), address.port()),
        _ => address,
    }
}
